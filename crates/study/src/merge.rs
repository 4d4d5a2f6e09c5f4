//! Merging shards: check that every shard is there and belongs to the study, then write
//! `<out>/results/` (whole or not at all):
//!
//! ```text
//! trials.parquet    every trial in trial order (the same bytes whatever the split)
//! points.parquet    one row per point: its sweep values, trial counts and per metric
//! points.csv        n, mean, sd, min, max, percentiles and the interval on the mean
//! summary.json      counts, failures (by message, with a trial and seed to rerun),
//!                   per-metric statistics over all trials
//! plots/*.png       each metric against each varied parameter
//! ```
//!
//! Column names in the point table: `<metric>_n`, `_mean`, `_sd`, `_min`, `_max`,
//! `_p<q>` for each percentile q (`_p5`, `_p50`, `_p2_5`), `_ci_lo`, `_ci_hi`.

use crate::error::StudyError;
use crate::run::{SHARDS_DIR, TRIALS_FILE, check_shard, scan};
use crate::shard::Shard;
use crate::spec::Study;
use crate::stats::{Summary, summarize};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tl_io::schema::{Column, ColumnType, TableSchema};
use tl_io::{Format, RunDir, Table, TableWriter, Value as Cell, WriteOptions, write_file_atomic};
use tl_viz::plot::{LinePlot, Rgb, Series};

/// Sub-folder of the merged results.
pub const RESULTS_DIR: &str = "results";

/// Most points drawn in one scatter plot (trials beyond are thinned evenly).
const MAX_SCATTER: usize = 4_000;
/// Most separate series in a plot before the other parameters are pooled.
const MAX_SERIES: usize = 6;

/// What a merge wrote.
#[derive(Clone, Debug)]
pub struct MergeReport {
    /// The results folder.
    pub results: PathBuf,
    /// Trials merged.
    pub trials: u64,
    /// Failed trials among them.
    pub failed: u64,
    /// Points.
    pub points: u64,
    /// Plot files written.
    pub plots: Vec<PathBuf>,
    /// Temporary folders left by killed shards (safe to delete).
    pub leftovers: Vec<PathBuf>,
}

fn col(name: String, ty: ColumnType, doc: String, nan: bool) -> Column {
    Column { name: Cow::Owned(name), ty, unit: Cow::Borrowed(""), doc: Cow::Owned(doc), non_finite_ok: nan }
}

/// Column suffix for percentile `q`: 5 -> `p5`, 2.5 -> `p2_5`.
pub fn pct_suffix(q: f64) -> String {
    let s = tl_core::check::fmt_f64(q);
    format!("p{}", s.replace('.', "_"))
}

/// The point table's schema.
pub fn point_schema(study: &Study) -> TableSchema {
    let mut cols = vec![Column::u32("point", "", "Point index (0-based).")];
    for s in &study.sweeps {
        let ty = if s.numeric { ColumnType::F64 } else { ColumnType::Str };
        cols.push(col(s.column.clone(), ty, format!("Sweep `{}`.", s.path.text), false));
    }
    cols.push(Column::i64("trials", "", "Trials at this point."));
    cols.push(Column::i64("failed", "", "Trials that failed (see the trial table's `error`)."));
    for m in &study.metrics {
        let c = &m.column;
        let f = |suffix: &str, doc: String| col(format!("{c}_{suffix}"), ColumnType::F64, doc, true);
        cols.push(col(
            format!("{c}_n"),
            ColumnType::I64,
            format!("Trials with a finite `{}`.", m.path),
            false,
        ));
        cols.push(f("mean", format!("Mean of `{}`.", m.path)));
        cols.push(f("sd", format!("Sample standard deviation (n - 1) of `{}`.", m.path)));
        cols.push(f("min", format!("Smallest `{}`.", m.path)));
        cols.push(f("max", format!("Largest `{}`.", m.path)));
        for &q in &study.percentiles {
            cols.push(f(&pct_suffix(q), format!("{q}th percentile of `{}` (Hyndman-Fan 7).", m.path)));
        }
        let conf = study.confidence * 100.0;
        cols.push(f(
            "ci_lo",
            format!("Lower end of the {conf}% Student-t interval on the mean of `{}`.", m.path),
        ));
        cols.push(f(
            "ci_hi",
            format!("Upper end of the {conf}% Student-t interval on the mean of `{}`.", m.path),
        ));
    }
    TableSchema::owned("points", format!("One row per point of study `{}`.", study.name), cols)
}

/// Merge the shards in `out` into `out/results`. Fails, naming them, when shards are
/// missing or do not belong to the study; nothing is written then.
pub fn merge(study: &Study, out: &Path) -> Result<MergeReport, StudyError> {
    let scan = scan(out)?;
    let counts = scan.counts();
    let n = match counts.as_slice() {
        [] => {
            return Err(StudyError::Incomplete(format!(
                "{}: no complete shard yet: run `tracklayer study run {}` first",
                out.join(SHARDS_DIR).display(),
                out.display()
            )));
        }
        [c] => *c,
        many => {
            return Err(StudyError::Refused(format!(
                "{} holds shards of several splits ({many:?}): keep one split",
                out.join(SHARDS_DIR).display()
            )));
        }
    };
    let missing: Vec<u64> =
        (0..n).filter(|&k| !scan.complete.contains_key(&Shard { index: k, count: n })).collect();
    if !missing.is_empty() {
        let list = |sep: &str| missing.iter().map(u64::to_string).collect::<Vec<_>>().join(sep);
        let shown: String = if missing.len() > 50 {
            format!(
                "{} ... ({} in all)",
                missing[..50].iter().map(u64::to_string).collect::<Vec<_>>().join(", "),
                missing.len()
            )
        } else {
            list(", ")
        };
        let mut msg = format!(
            "{} of {n} shards are missing in {}: {shown}. Run each with `tracklayer study run {} --shard K/{n}`",
            missing.len(),
            out.join(SHARDS_DIR).display(),
            out.display()
        );
        if out.join("slurm").join("shards.sbatch").is_file() && missing.len() <= 50 {
            msg.push_str(&format!(
                ", or resubmit them: sbatch --array={} {}",
                list(","),
                out.join("slurm").join("shards.sbatch").display()
            ));
        }
        if !scan.leftovers.is_empty() {
            msg.push_str(&format!(
                " ({} unfinished temporary shard folder(s) from killed runs are ignored)",
                scan.leftovers.len()
            ));
        }
        return Err(StudyError::Incomplete(msg));
    }
    for (shard, meta) in &scan.complete {
        check_shard(study, out, *shard, meta)?;
    }
    let schema = study.trial_schema();
    let total = study.total_trials();
    let mut tables: Vec<Table> = Vec::with_capacity(n as usize);
    for k in 0..n {
        let shard = Shard { index: k, count: n };
        let path = out.join(SHARDS_DIR).join(shard.dir_name()).join(TRIALS_FILE);
        let t = tl_io::read_table(&path, &schema)?;
        let want: Vec<i64> = shard.trials(total).map(|i| i as i64).collect();
        if t.i64("trial")? != want.as_slice() {
            return Err(StudyError::Refused(format!(
                "{}: its trials are not those of shard {shard} ({} rows, {} expected)",
                path.display(),
                t.len(),
                want.len()
            )));
        }
        tables.push(t);
    }

    let dir = RunDir::create(out.join(RESULTS_DIR))?;
    // Merged trial table, in trial order.
    let mut w = TableWriter::create_at(
        &dir.path().join(TRIALS_FILE),
        &schema,
        Format::Parquet,
        WriteOptions::default(),
    )?;
    for i in 0..total {
        let t = &tables[(i % n) as usize];
        let row = t.row((i / n) as usize).expect("row count checked");
        w.push_row(&row)?;
    }
    w.finish()?;

    // Columns of the whole study, in trial order, for statistics and plots.
    let gather_f64 = |name: &str| -> Result<Vec<f64>, StudyError> {
        let cols: Vec<&[f64]> = tables.iter().map(|t| t.f64(name)).collect::<Result<_, _>>()?;
        Ok((0..total).map(|i| cols[(i % n) as usize][(i / n) as usize]).collect())
    };
    let oks: Vec<bool> = {
        let cols: Vec<&[bool]> = tables.iter().map(|t| t.bool("ok")).collect::<Result<_, _>>()?;
        (0..total).map(|i| cols[(i % n) as usize][(i / n) as usize]).collect()
    };
    let errors: Vec<&str> = {
        let cols: Vec<&[String]> = tables.iter().map(|t| t.str("error")).collect::<Result<_, _>>()?;
        (0..total).map(|i| cols[(i % n) as usize][(i / n) as usize].as_str()).collect()
    };
    let seeds: Vec<i64> = {
        let cols: Vec<&[i64]> = tables.iter().map(|t| t.i64("seed")).collect::<Result<_, _>>()?;
        (0..total).map(|i| cols[(i % n) as usize][(i / n) as usize]).collect()
    };
    let metric_vals: Vec<Vec<f64>> =
        study.metrics.iter().map(|m| gather_f64(&m.column)).collect::<Result<_, _>>()?;

    // Point table.
    let r = study.trials_per_point;
    let points = study.points();
    let pschema = point_schema(study);
    let mut per_point: Vec<Vec<Summary>> = Vec::with_capacity(points as usize);
    {
        let mut wp = TableWriter::create_at(
            &dir.path().join("points.parquet"),
            &pschema,
            Format::Parquet,
            WriteOptions::default(),
        )?;
        let mut wc = TableWriter::create_at(
            &dir.path().join("points.csv"),
            &pschema,
            Format::Csv,
            WriteOptions::default(),
        )?;
        for p in 0..points {
            let range = (p * r) as usize..((p + 1) * r) as usize;
            let failed = oks[range.clone()].iter().filter(|ok| !**ok).count() as i64;
            let sums: Vec<Summary> = metric_vals
                .iter()
                .map(|v| summarize(&v[range.clone()], &study.percentiles, study.confidence))
                .collect();
            let texts: Vec<String> = study
                .sweeps
                .iter()
                .zip(study.point_indices(p as usize))
                .map(|(s, k)| match &s.values[k] {
                    toml::Value::String(t) => t.clone(),
                    v => v.to_string(),
                })
                .collect();
            let mut cells: Vec<Cell<'_>> = vec![Cell::U32(p as u32)];
            for ((s, k), t) in study.sweeps.iter().zip(study.point_indices(p as usize)).zip(&texts) {
                cells.push(if s.numeric {
                    Cell::F64(
                        s.values[k]
                            .as_float()
                            .or(s.values[k].as_integer().map(|i| i as f64))
                            .unwrap_or(f64::NAN),
                    )
                } else {
                    Cell::Str(t)
                });
            }
            cells.push(Cell::I64(r as i64));
            cells.push(Cell::I64(failed));
            for s in &sums {
                cells.push(Cell::I64(s.n as i64));
                cells.extend([s.mean, s.sd, s.min, s.max].map(Cell::F64));
                cells.extend(s.percentiles.iter().map(|&q| Cell::F64(q)));
                cells.push(Cell::F64(s.ci_lo));
                cells.push(Cell::F64(s.ci_hi));
            }
            wp.push_row(&cells)?;
            wc.push_row(&cells)?;
            per_point.push(sums);
        }
        wp.finish()?;
        wc.finish()?;
    }

    // Study summary (deterministic: no times, no split).
    let failed = oks.iter().filter(|ok| !**ok).count() as u64;
    let mut by_msg: BTreeMap<&str, (u64, u64, i64)> = BTreeMap::new();
    for i in 0..total as usize {
        if !oks[i] {
            let e = by_msg.entry(errors[i]).or_insert((0, i as u64, seeds[i]));
            e.0 += 1;
        }
    }
    let mut failures: Vec<(&str, (u64, u64, i64))> = by_msg.into_iter().collect();
    failures.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.1.1.cmp(&b.1.1)));
    let num = |x: f64| if x.is_finite() { serde_json::json!(x) } else { serde_json::Value::Null };
    let overall: serde_json::Map<String, serde_json::Value> = study
        .metrics
        .iter()
        .zip(&metric_vals)
        .map(|(m, v)| {
            let s = summarize(v, &study.percentiles, study.confidence);
            let pct: serde_json::Map<String, serde_json::Value> = study
                .percentiles
                .iter()
                .zip(&s.percentiles)
                .map(|(q, x)| (pct_suffix(*q), num(*x)))
                .collect();
            (
                m.path.clone(),
                serde_json::json!({
                    "column": m.column, "n": s.n, "mean": num(s.mean), "sd": num(s.sd), "min": num(s.min),
                    "max": num(s.max), "percentiles": pct, "ci_lo": num(s.ci_lo), "ci_hi": num(s.ci_hi),
                }),
            )
        })
        .collect();
    let summary = serde_json::json!({
        "format": "tracklayer-study-results-1",
        "study": study.name,
        "description": study.description,
        "study_hash": study.hash,
        "base_scenario": study.base.label,
        "points": points,
        "trials_per_point": r,
        "trials": total,
        "ok": total - failed,
        "failed": failed,
        "failures": failures.iter().take(20).map(|(msg, (count, trial, seed))| serde_json::json!({
            "error": msg, "count": count, "first_trial": trial, "seed": seed,
        })).collect::<Vec<_>>(),
        "confidence": study.confidence,
        "metrics": overall,
        "sweeps": study.sweeps.iter().map(|s| serde_json::json!({"path": s.path.text, "column": s.column, "values": s.values.len()})).collect::<Vec<_>>(),
        "draws": study.draws.iter().map(|d| serde_json::json!({"path": d.path.text, "draw": d.draw.canonical(), "columns": d.columns})).collect::<Vec<_>>(),
    });

    // Plots.
    let plots_dir = dir.path().join("plots");
    std::fs::create_dir_all(&plots_dir).map_err(|e| StudyError::os(&plots_dir, e))?;
    let mut plots = Vec::new();
    for (mi, m) in study.metrics.iter().enumerate() {
        for (si, s) in study.sweeps.iter().enumerate() {
            let plot = sweep_plot(study, mi, si, &per_point, &metric_vals[mi]);
            let name = format!("{}-vs-{}.png", m.column, s.column);
            write_file_atomic(&plots_dir.join(&name), &plot.to_png()?)?;
            plots.push(out.join(RESULTS_DIR).join("plots").join(name));
        }
        for d in &study.draws {
            if !d.draw.is_numeric() {
                continue;
            }
            for c in &d.columns {
                let xs = gather_f64(c)?;
                let step = (total as usize).div_ceil(MAX_SCATTER).max(1);
                let pts: Vec<(f64, f64)> =
                    (0..total as usize).step_by(step).map(|i| (xs[i], metric_vals[mi][i])).collect();
                let mut p =
                    LinePlot::new(format!("{} vs {} (each trial)", m.path, c), c.clone(), m.path.clone());
                p.series.push(Series::points("trials", pts, Rgb::BLUE));
                let name = format!("{}-vs-{}.png", m.column, c);
                write_file_atomic(&plots_dir.join(&name), &p.to_png()?)?;
                plots.push(out.join(RESULTS_DIR).join("plots").join(name));
            }
        }
    }

    write_file_atomic(
        &dir.path().join("summary.json"),
        &serde_json::to_vec_pretty(&summary).expect("serialises"),
    )?;
    let results = dir.commit()?;
    Ok(MergeReport { results, trials: total, failed, points, plots, leftovers: scan.leftovers })
}

/// Metric `mi` against sweep `si`: the mean with its interval, one series per
/// combination of the other sweeps (pooled when there are more than [`MAX_SERIES`]).
fn sweep_plot(study: &Study, mi: usize, si: usize, per_point: &[Vec<Summary>], values: &[f64]) -> LinePlot {
    let m = &study.metrics[mi];
    let s = &study.sweeps[si];
    let conf = tl_core::check::fmt_f64(study.confidence * 100.0);
    let numeric = s.numeric;
    let xlabel = if numeric {
        s.path.text.clone()
    } else {
        let names: Vec<String> =
            s.values.iter().map(|v| v.as_str().map_or(v.to_string(), str::to_string)).collect();
        format!("{} (0 = {})", s.path.text, names.join(", 1 = "))
    };
    let xval = |k: usize| -> f64 {
        if numeric {
            s.values[k].as_float().or(s.values[k].as_integer().map(|i| i as f64)).unwrap_or(f64::NAN)
        } else {
            k as f64
        }
    };
    let mut plot =
        LinePlot::new(format!("{} vs {} (mean, {conf}% interval)", m.path, s.column), xlabel, m.path.clone());
    let points = study.points() as usize;
    // Group points by the values of the other sweeps.
    let mut groups: BTreeMap<Vec<usize>, Vec<(usize, usize)>> = BTreeMap::new();
    for p in 0..points {
        let idx = study.point_indices(p);
        let key: Vec<usize> = idx.iter().enumerate().filter(|(j, _)| *j != si).map(|(_, &k)| k).collect();
        groups.entry(key).or_default().push((idx[si], p));
    }
    if groups.len() <= MAX_SERIES {
        for (g, (key, pts)) in groups.iter().enumerate() {
            let label = study
                .sweeps
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != si)
                .zip(key)
                .map(|((_, o), &k)| format!("{} = {}", o.column, o.values[k]))
                .collect::<Vec<_>>()
                .join(", ");
            let c = Rgb::palette(g);
            let line = |f: &dyn Fn(&Summary) -> f64| -> Vec<(f64, f64)> {
                pts.iter().map(|&(k, p)| (xval(k), f(&per_point[p][mi]))).collect()
            };
            let label = if label.is_empty() { "mean".to_string() } else { label };
            plot.series.push(Series::line(label, line(&|s| s.mean), c));
            plot.series.push(Series::dashed("", line(&|s| s.ci_lo), c));
            plot.series.push(Series::dashed("", line(&|s| s.ci_hi), c));
        }
    } else {
        // Pool every trial with the same value of this sweep.
        let r = study.trials_per_point as usize;
        let mut by_value: BTreeMap<usize, Vec<f64>> = BTreeMap::new();
        for p in 0..points {
            let k = study.point_indices(p)[si];
            by_value.entry(k).or_default().extend_from_slice(&values[p * r..(p + 1) * r]);
        }
        let sums: Vec<(f64, Summary)> =
            by_value.iter().map(|(&k, v)| (xval(k), summarize(v, &[], study.confidence))).collect();
        let c = Rgb::BLUE;
        plot.series.push(Series::line(
            "mean over the other parameters",
            sums.iter().map(|(x, s)| (*x, s.mean)).collect(),
            c,
        ));
        plot.series.push(Series::dashed("", sums.iter().map(|(x, s)| (*x, s.ci_lo)).collect(), c));
        plot.series.push(Series::dashed("", sums.iter().map(|(x, s)| (*x, s.ci_hi)).collect(), c));
    }
    plot
}

/// Read a column of a merged results table by name (for tests and tools).
pub fn read_results(out: &Path, study: &Study) -> Result<Table, StudyError> {
    Ok(tl_io::read_table(&out.join(RESULTS_DIR).join(TRIALS_FILE), &study.trial_schema())?)
}
