//! Running a study: the output folder, freezing the study into it, running shards.
//!
//! An output folder `<out>` holds:
//!
//! ```text
//! <out>/study.json                     the frozen study: the study file's text and the base
//!                                      scenario, so `<out>` alone is enough to run and merge
//! <out>/shards/shard-00003-of-00008/   one finished shard (appears whole, by rename):
//!     trials.parquet                   one row per trial of the shard, in trial order
//!     summary.json                     study hash, counts, timing, host
//! <out>/results/                       the merge (see crate::merge)
//! ```
//!
//! A shard is written into `shards/shard-...tmp-<random>/` and renamed into place when
//! complete, so a killed shard leaves no partial shard (at most a `.tmp-` folder, which
//! the merge ignores and names). A rerun skips complete shards of the same study and
//! refuses shards of another study (another hash) or another split.

use crate::error::StudyError;
use crate::model::{BaseScenario, Model};
use crate::shard::Shard;
use crate::spec::{Study, trial_seed};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;
use tl_io::{Format, RunDir, TableWriter, Value as Cell, WriteOptions, write_file_atomic};
use toml::Value;

/// File name of the frozen study in an output folder.
pub const FROZEN: &str = "study.json";
/// Sub-folder of the shards.
pub const SHARDS_DIR: &str = "shards";
/// File name of the trial table in a shard and in the results.
pub const TRIALS_FILE: &str = "trials.parquet";
/// File name of a shard's summary (written last: its presence marks a complete shard).
pub const SHARD_SUMMARY: &str = "summary.json";

/// The frozen study: everything needed to run it again without the original files.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Frozen {
    /// `tracklayer-study-frozen-1`.
    pub format: String,
    /// The study hash ([`Study::hash`]).
    pub hash: String,
    /// Where the study file was (for messages).
    pub study_file: String,
    /// The study file's text.
    pub study_text: String,
    /// Where the base scenario came from.
    pub base_label: String,
    /// The folder relative paths in the base scenario start from.
    pub base_dir: String,
    /// The base scenario document, as TOML text.
    pub base_toml: String,
}

const FROZEN_FORMAT: &str = "tracklayer-study-frozen-1";

impl Frozen {
    /// Freeze a loaded study.
    pub fn of(study: &Study) -> Result<Frozen, StudyError> {
        let base_toml = toml::to_string(&study.base.doc)
            .map_err(|e| StudyError::Invalid(format!("cannot write the base scenario as TOML: {e}")))?;
        Ok(Frozen {
            format: FROZEN_FORMAT.into(),
            hash: study.hash.clone(),
            study_file: study.file.display().to_string(),
            study_text: study.text.clone(),
            base_label: study.base.label.clone(),
            base_dir: study.base.dir.display().to_string(),
            base_toml,
        })
    }

    /// The study again.
    pub fn thaw<M: Model>(&self, model: &M) -> Result<Study, StudyError> {
        let doc: Value = toml::from_str(&self.base_toml)
            .map_err(|e| StudyError::Invalid(format!("frozen study: base scenario: {e}")))?;
        let base = BaseScenario { label: self.base_label.clone(), doc, dir: PathBuf::from(&self.base_dir) };
        Study::from_text(Path::new(&self.study_file), &self.study_text, |_| Ok(base), model)
    }
}

/// Read `<out>/study.json`, if present.
pub fn read_frozen(out: &Path) -> Result<Option<Frozen>, StudyError> {
    let p = out.join(FROZEN);
    match std::fs::read(&p) {
        Ok(b) => serde_json::from_slice(&b)
            .map(Some)
            .map_err(|e| StudyError::Refused(format!("{}: not a frozen tracklayer study: {e}", p.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StudyError::os(p, e)),
    }
}

/// Load the study frozen in `out`, checking that this tracklayer computes the same hash
/// (a different version would give different rows).
pub fn load_frozen<M: Model>(out: &Path, model: &M) -> Result<Study, StudyError> {
    let f = read_frozen(out)?.ok_or_else(|| {
        StudyError::Refused(format!(
            "{}: no {FROZEN}: not a study output folder (create one with `tracklayer study run STUDY --out {}` \
             or `tracklayer study slurm STUDY --out {} --shards N`)",
            out.display(),
            out.display(),
            out.display()
        ))
    })?;
    if f.format != FROZEN_FORMAT {
        return Err(StudyError::Refused(format!(
            "{}: format {:?}, this tracklayer reads {FROZEN_FORMAT:?}",
            out.join(FROZEN).display(),
            f.format
        )));
    }
    let s = f.thaw(model)?;
    if s.hash != f.hash {
        return Err(StudyError::Refused(format!(
            "{}: the study was frozen with hash {} but this tracklayer ({}) computes {}: \
             it was written by another tracklayer version; rerun it in a new folder",
            out.join(FROZEN).display(),
            &f.hash[..16.min(f.hash.len())],
            env!("CARGO_PKG_VERSION"),
            s.short_hash()
        )));
    }
    Ok(s)
}

/// Write the study into `out` (creating it). Refuses when `out` holds another study's
/// shards; replaces the frozen copy otherwise (a changed description or percentile list
/// keeps the hash and the shards).
pub fn freeze(study: &Study, out: &Path) -> Result<(), StudyError> {
    std::fs::create_dir_all(out).map_err(|e| StudyError::os(out, e))?;
    if let Some(old) = read_frozen(out)?
        && old.hash != study.hash
    {
        let scan = scan(out)?;
        if !scan.complete.is_empty() {
            return Err(StudyError::Refused(format!(
                "{} holds {} shard(s) of another study (hash {}, this one {}): the study changed since they \
                 ran. Use another --out, or delete {} to start over",
                out.display(),
                scan.complete.len(),
                &old.hash[..16.min(old.hash.len())],
                study.short_hash(),
                out.join(SHARDS_DIR).display()
            )));
        }
    }
    let json = serde_json::to_vec_pretty(&Frozen::of(study)?).expect("serialises");
    write_file_atomic(&out.join(FROZEN), &json)?;
    Ok(())
}

/// A complete shard's `summary.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ShardMeta {
    /// `tracklayer-study-shard-1`.
    pub format: String,
    /// The hash of the study that wrote it.
    pub study_hash: String,
    /// Study name.
    pub study: String,
    /// Shard index.
    pub shard: u64,
    /// Shard count.
    pub shards: u64,
    /// Trials in the shard.
    pub trials: u64,
    /// Trials that ran.
    pub ok: u64,
    /// Trials that failed.
    pub failed: u64,
    /// Wall time, s.
    pub elapsed_s: f64,
    /// Trials per second.
    pub trials_per_s: f64,
    /// Worker threads.
    pub threads: u64,
    /// Host name (from `HOSTNAME` or /etc/hostname), empty if unknown.
    pub host: String,
    /// tracklayer version.
    pub tracklayer: String,
}

const SHARD_FORMAT: &str = "tracklayer-study-shard-1";

/// What `<out>/shards` holds.
#[derive(Clone, Debug, Default)]
pub struct Scan {
    /// Complete shards.
    pub complete: BTreeMap<Shard, ShardMeta>,
    /// Temporary folders left by killed shards.
    pub leftovers: Vec<PathBuf>,
}

impl Scan {
    /// The shard counts in use (more than one means mixed splits).
    pub fn counts(&self) -> Vec<u64> {
        let mut c: Vec<u64> = self.complete.keys().map(|s| s.count).collect();
        c.dedup();
        c
    }
}

/// List the shards in `out`.
pub fn scan(out: &Path) -> Result<Scan, StudyError> {
    let dir = out.join(SHARDS_DIR);
    let mut s = Scan::default();
    let rd = match std::fs::read_dir(&dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(s),
        Err(e) => return Err(StudyError::os(dir, e)),
    };
    for ent in rd {
        let ent = ent.map_err(|e| StudyError::os(&dir, e))?;
        let name = ent.file_name().to_string_lossy().into_owned();
        if let Some(shard) = Shard::from_dir_name(&name) {
            let meta_path = ent.path().join(SHARD_SUMMARY);
            let bytes = match std::fs::read(&meta_path) {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(StudyError::os(meta_path, e)),
            };
            let meta: ShardMeta = serde_json::from_slice(&bytes).map_err(|e| {
                StudyError::Refused(format!("{}: not a tracklayer shard summary: {e}", meta_path.display()))
            })?;
            s.complete.insert(shard, meta);
        } else if name.starts_with("shard-") && name.contains(".tmp-") {
            s.leftovers.push(ent.path());
        }
    }
    s.leftovers.sort();
    Ok(s)
}

/// Check a complete shard against the study; `Err` names the shard, both hashes and the
/// way out.
pub fn check_shard(study: &Study, out: &Path, shard: Shard, meta: &ShardMeta) -> Result<(), StudyError> {
    let path = out.join(SHARDS_DIR).join(shard.dir_name());
    if meta.format != SHARD_FORMAT || meta.study_hash != study.hash {
        return Err(StudyError::Refused(format!(
            "{}: written by another study (hash {}, this study {}): the study file or tracklayer changed \
             since. Delete the shard to rerun it, or use another --out",
            path.display(),
            &meta.study_hash[..16.min(meta.study_hash.len())],
            study.short_hash()
        )));
    }
    let want = shard.len(study.total_trials());
    if meta.trials != want || meta.ok + meta.failed != want {
        return Err(StudyError::Refused(format!(
            "{}: holds {} trials, shard {shard} of this study has {want}",
            path.display(),
            meta.trials
        )));
    }
    Ok(())
}

/// Progress and cancellation shared between a running study and its caller.
#[derive(Debug, Default)]
pub struct Control {
    /// Trials finished so far (including those of skipped complete shards).
    pub done: AtomicU64,
    /// Set to stop: remaining trials are skipped and the shard being written is
    /// discarded ([`StudyError::Cancelled`]).
    pub cancel: AtomicBool,
}

impl Control {
    /// A fresh control.
    pub fn new() -> Self {
        Self::default()
    }

    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// One trial's result.
#[derive(Clone, Debug, PartialEq)]
pub struct TrialRow {
    /// Trial index.
    pub trial: u64,
    /// Point index.
    pub point: u64,
    /// Repetition.
    pub rep: u64,
    /// Seed.
    pub seed: u64,
    /// The error, `None` when it ran.
    pub error: Option<String>,
    /// Sweep values then drawn values, in column order.
    pub params: Vec<Value>,
    /// Metric values (NaN when absent, null or failed).
    pub metrics: Vec<f64>,
}

/// Why a metric could not be read from a summary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MetricError {
    /// A field or element on the path is not in the summary (the message lists what is).
    Absent(String),
    /// The path or the value is of the wrong kind (not a number, not an object).
    Bad(String),
}

impl std::fmt::Display for MetricError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MetricError::Absent(m) | MetricError::Bad(m) => f.write_str(m),
        }
    }
}

/// Extract a metric from a summary. The path is dotted; on an array a segment is an
/// index or the name (`name` or `id` field) of an element, and `[n]` indexes too:
/// `launches.nk-solid.figures.first_detection_t_s`, `launches[0].time_s`. Numbers as
/// they are, booleans as 0/1, null as NaN. A missing field is an error listing what
/// the summary has there.
pub fn metric(summary: &serde_json::Value, path: &str) -> Result<f64, MetricError> {
    use MetricError::{Absent, Bad};
    let mut node = summary;
    let mut here = String::new();
    for part in path.split('.') {
        let (key, idx) = match part.find('[') {
            Some(b) => (&part[..b], Some(&part[b..])),
            None => (part, None),
        };
        if !key.is_empty() {
            node = match node {
                // On an array: an index, or the element named so (`name` or `id`).
                serde_json::Value::Array(a) => match key.parse::<usize>() {
                    Ok(i) => a
                        .get(i)
                        .ok_or_else(|| Absent(format!("metric `{path}`: `{here}` has no element {i}")))?,
                    Err(_) => {
                        let named = |v: &serde_json::Value| {
                            v.get("name")
                                .or_else(|| v.get("id"))
                                .and_then(|n| n.as_str())
                                .unwrap_or("")
                                .to_string()
                        };
                        a.iter().find(|v| named(v) == key).ok_or_else(|| {
                            let names: Vec<String> = a.iter().map(named).collect();
                            Absent(format!(
                                "metric `{path}`: no element of `{here}` is named `{key}` (names there: {})",
                                names.join(", ")
                            ))
                        })?
                    }
                },
                serde_json::Value::Object(m) => m.get(key).ok_or_else(|| {
                    let keys: Vec<&str> = m.keys().map(String::as_str).collect();
                    Absent(format!(
                        "metric `{path}`: the summary has no `{key}`{} (it has: {})",
                        if here.is_empty() { String::new() } else { format!(" in `{here}`") },
                        keys.join(", ")
                    ))
                })?,
                _ => return Err(Bad(format!("metric `{path}`: `{here}` is not an object"))),
            };
            if !here.is_empty() {
                here.push('.');
            }
            here.push_str(key);
        }
        let mut rest = idx.unwrap_or("");
        while let Some(r) = rest.strip_prefix('[') {
            let close = r.find(']').ok_or_else(|| Bad(format!("metric `{path}`: `[` without `]`")))?;
            let i: usize = r[..close]
                .parse()
                .map_err(|_| Bad(format!("metric `{path}`: bad index `{}`", &r[..close])))?;
            node = node
                .as_array()
                .and_then(|a| a.get(i))
                .ok_or_else(|| Absent(format!("metric `{path}`: `{here}` has no element {i}")))?;
            here.push_str(&format!("[{i}]"));
            rest = &r[close + 1..];
        }
    }
    match node {
        serde_json::Value::Number(n) => Ok(n.as_f64().unwrap_or(f64::NAN)),
        serde_json::Value::Bool(b) => Ok(if *b { 1.0 } else { 0.0 }),
        serde_json::Value::Null => Ok(f64::NAN),
        other => Err(Bad(format!("metric `{path}`: is not a number but {other}"))),
    }
}

fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into())
}

/// Runs trials of one study with one model, caching what the trials of a point share.
pub struct TrialRunner<'a, M: Model> {
    study: &'a Study,
    model: &'a M,
    point_docs: Vec<OnceLock<Result<Value, String>>>,
    prepared: Vec<OnceLock<Result<M::Prepared, String>>>,
}

/// Points up to which documents and prepared scenarios are cached.
const CACHE_POINTS: u64 = 1 << 20;

impl<'a, M: Model> TrialRunner<'a, M> {
    /// A runner.
    pub fn new(study: &'a Study, model: &'a M) -> Self {
        let n = if study.points() <= CACHE_POINTS { study.points() as usize } else { 0 };
        Self {
            study,
            model,
            point_docs: (0..n).map(|_| OnceLock::new()).collect(),
            prepared: if study.draws.is_empty() {
                (0..n).map(|_| OnceLock::new()).collect()
            } else {
                Vec::new()
            },
        }
    }

    fn point_doc(&self, p: usize) -> Result<std::borrow::Cow<'_, Value>, String> {
        match self.point_docs.get(p) {
            Some(cell) => match cell.get_or_init(|| self.study.point_doc(p).map_err(|e| e.to_string())) {
                Ok(v) => Ok(std::borrow::Cow::Borrowed(v)),
                Err(e) => Err(e.clone()),
            },
            None => self.study.point_doc(p).map(std::borrow::Cow::Owned).map_err(|e| e.to_string()),
        }
    }

    fn run_prepared(&self, s: &M::Prepared, seed: u64) -> Result<serde_json::Value, String> {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.model.run(s, seed))) {
            Ok(r) => r,
            Err(p) => Err(format!("the simulation panicked: {}", panic_text(p.as_ref()))),
        }
    }

    /// Run trial `i`. Never fails: errors are recorded in the row.
    pub fn run(&self, i: u64) -> TrialRow {
        let st = self.study;
        let r = st.trials_per_point;
        let (point, rep) = (i / r, i % r);
        let seed = trial_seed(st.seed, i);
        let mut params: Vec<Value> = st
            .sweeps
            .iter()
            .zip(st.point_indices(point as usize))
            .map(|(s, k)| s.values[k].clone())
            .collect();
        let ncols = st.draws.iter().map(|d| d.columns.len()).sum::<usize>();
        let outcome: Result<serde_json::Value, String> = (|| {
            if st.draws.is_empty() {
                if let Some(cell) = self.prepared.get(point as usize) {
                    let prep = cell.get_or_init(|| {
                        let doc = self.point_doc(point as usize)?;
                        self.model.prepare(&doc, &st.base).map_err(|e| format!("invalid scenario: {e}"))
                    });
                    return match prep {
                        Ok(p) => self.run_prepared(p, seed),
                        Err(e) => Err(e.clone()),
                    };
                }
                let doc = self.point_doc(point as usize)?;
                let p = self.model.prepare(&doc, &st.base).map_err(|e| format!("invalid scenario: {e}"))?;
                return self.run_prepared(&p, seed);
            }
            let mut doc = self.point_doc(point as usize)?.into_owned();
            let drawn = st.apply_draws(&mut doc, i).map_err(|e| e.to_string())?;
            params.extend(drawn);
            let p = self
                .model
                .prepare(&doc, &st.base)
                .map_err(|e| format!("the drawn values make an invalid scenario: {e}"))?;
            self.run_prepared(&p, seed)
        })();
        // Keep the row's shape when the draws could not be made.
        let want = st.sweeps.len() + ncols;
        if params.len() < want {
            params.resize(want, Value::Float(f64::NAN));
        }
        let (error, metrics) = match outcome {
            Ok(summary) => {
                let mut ms = Vec::with_capacity(st.metrics.len());
                let mut err = None;
                for m in &st.metrics {
                    match metric(&summary, &m.path) {
                        Ok(v) => ms.push(v),
                        Err(MetricError::Absent(_)) if m.optional => ms.push(f64::NAN),
                        Err(MetricError::Absent(e) | MetricError::Bad(e)) => {
                            err = Some(e);
                            break;
                        }
                    }
                }
                match err {
                    None => (None, ms),
                    Some(e) => (Some(e), vec![f64::NAN; st.metrics.len()]),
                }
            }
            Err(e) => (Some(e), vec![f64::NAN; st.metrics.len()]),
        };
        TrialRow { trial: i, point, rep, seed, error, params, metrics }
    }
}

/// Append a row to a trial table writer (schema from [`Study::trial_schema`]).
pub fn push_row(w: &mut TableWriter, study: &Study, row: &TrialRow) -> Result<(), StudyError> {
    let numeric: Vec<bool> = study
        .sweeps
        .iter()
        .map(|s| s.numeric)
        .chain(study.draws.iter().flat_map(|d| std::iter::repeat_n(d.draw.is_numeric(), d.columns.len())))
        .collect();
    let texts: Vec<String> = row
        .params
        .iter()
        .map(|v| match v {
            Value::String(s) => s.clone(),
            Value::Float(f) if f.is_nan() => String::new(),
            other => other.to_string(),
        })
        .collect();
    let mut cells: Vec<Cell<'_>> = Vec::with_capacity(6 + texts.len() + row.metrics.len());
    cells.push(Cell::I64(row.trial as i64));
    cells.push(Cell::U32(row.point as u32));
    cells.push(Cell::U32(row.rep as u32));
    cells.push(Cell::I64(row.seed as i64));
    cells.push(Cell::Bool(row.error.is_none()));
    cells.push(Cell::Str(row.error.as_deref().unwrap_or("")));
    for ((v, t), &num) in row.params.iter().zip(&texts).zip(&numeric) {
        cells.push(if num {
            Cell::F64(match v {
                Value::Integer(i) => *i as f64,
                Value::Float(f) => *f,
                _ => f64::NAN,
            })
        } else {
            Cell::Str(t)
        });
    }
    for &m in &row.metrics {
        cells.push(Cell::F64(m));
    }
    w.push_row(&cells)?;
    Ok(())
}

/// What running one shard did.
#[derive(Clone, Debug)]
pub struct ShardReport {
    /// The shard.
    pub shard: Shard,
    /// True when it was already complete and skipped.
    pub skipped: bool,
    /// Its trials.
    pub trials: u64,
    /// Failed trials.
    pub failed: u64,
    /// The first failure: trial, seed, error.
    pub first_error: Option<(u64, u64, String)>,
    /// Wall time, s (0 when skipped).
    pub elapsed_s: f64,
}

/// Trials run per batch inside a shard (rows are written between batches).
const BATCH: usize = 1024;

fn host_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// Check that `shard` fits the shards already in `out`: same split, same study.
/// Returns the complete shard's meta when it is already done.
fn check_split(study: &Study, out: &Path, shard: Shard) -> Result<Option<ShardMeta>, StudyError> {
    let scan = scan(out)?;
    if let Some(other) = scan.counts().into_iter().find(|&c| c != shard.count) {
        return Err(StudyError::Refused(format!(
            "{} holds shards of a {other}-way split; this run asks for shard {shard} of a {}-way split. \
             Use --shard K/{other}, or another --out",
            out.join(SHARDS_DIR).display(),
            shard.count
        )));
    }
    match scan.complete.get(&shard) {
        Some(meta) => {
            check_shard(study, out, shard, meta)?;
            Ok(Some(meta.clone()))
        }
        None => Ok(None),
    }
}

/// Run one shard of a frozen study into `out`, unless it is complete already.
/// `control` counts finished trials (for a progress display) and can cancel. The shard
/// appears whole or not at all.
pub fn run_shard<M: Model>(
    study: &Study,
    model: &M,
    out: &Path,
    shard: Shard,
    control: &Control,
) -> Result<ShardReport, StudyError> {
    let runner = TrialRunner::new(study, model);
    run_shard_with(&runner, study, out, shard, control)
}

fn run_shard_with<M: Model>(
    runner: &TrialRunner<'_, M>,
    study: &Study,
    out: &Path,
    shard: Shard,
    control: &Control,
) -> Result<ShardReport, StudyError> {
    let total = study.total_trials();
    if let Some(meta) = check_split(study, out, shard)? {
        control.done.fetch_add(meta.trials, Ordering::Relaxed);
        return Ok(ShardReport {
            shard,
            skipped: true,
            trials: meta.trials,
            failed: meta.failed,
            first_error: None,
            elapsed_s: 0.0,
        });
    }
    let start = Instant::now();
    let target = out.join(SHARDS_DIR).join(shard.dir_name());
    let dir = RunDir::create(&target)?;
    let schema = study.trial_schema();
    let mut w = TableWriter::create_at(
        &dir.path().join(TRIALS_FILE),
        &schema,
        Format::Parquet,
        WriteOptions::default(),
    )?;
    let trials: Vec<u64> = shard.trials(total).collect();
    let mut failed = 0;
    let mut first_error = None;
    for batch in trials.chunks(BATCH) {
        let rows: Vec<Option<TrialRow>> = batch
            .par_iter()
            .map(|&i| {
                if control.cancelled() {
                    return None;
                }
                let r = runner.run(i);
                control.done.fetch_add(1, Ordering::Relaxed);
                Some(r)
            })
            .collect();
        if control.cancelled() {
            return Err(StudyError::Cancelled(format!("shard {shard} cancelled; nothing of it was kept")));
        }
        let rows = rows.into_iter().flatten();
        for r in rows {
            if let Some(e) = &r.error {
                failed += 1;
                if first_error.is_none() {
                    first_error = Some((r.trial, r.seed, e.clone()));
                }
            }
            push_row(&mut w, study, &r)?;
        }
    }
    let n = w.finish()?;
    let elapsed_s = start.elapsed().as_secs_f64();
    let meta = ShardMeta {
        format: SHARD_FORMAT.into(),
        study_hash: study.hash.clone(),
        study: study.name.clone(),
        shard: shard.index,
        shards: shard.count,
        trials: n,
        ok: n - failed,
        failed,
        elapsed_s,
        trials_per_s: if elapsed_s > 0.0 { n as f64 / elapsed_s } else { 0.0 },
        threads: rayon::current_num_threads() as u64,
        host: host_name(),
        tracklayer: env!("CARGO_PKG_VERSION").into(),
    };
    write_file_atomic(
        &dir.path().join(SHARD_SUMMARY),
        &serde_json::to_vec_pretty(&meta).expect("serialises"),
    )?;
    dir.commit()?;
    Ok(ShardReport { shard, skipped: false, trials: n, failed, first_error, elapsed_s })
}

/// Run every shard of the study that is not complete yet, one after the other (each in
/// parallel inside). The split is the one already in `out`, or
/// [`crate::shard::default_count`] for a new folder.
pub fn run_all<M: Model>(
    study: &Study,
    model: &M,
    out: &Path,
    control: &Control,
    mut on_shard: impl FnMut(&ShardReport),
) -> Result<Vec<ShardReport>, StudyError> {
    let scan = scan(out)?;
    let counts = scan.counts();
    let count = match counts.as_slice() {
        [] => crate::shard::default_count(study.total_trials()),
        [c] => *c,
        many => {
            return Err(StudyError::Refused(format!(
                "{} holds shards of several splits ({many:?}); keep one split (delete the others) or use another --out",
                out.join(SHARDS_DIR).display()
            )));
        }
    };
    let runner = TrialRunner::new(study, model);
    let mut reports = Vec::new();
    for k in 0..count {
        let shard = Shard::new(k, count).map_err(StudyError::Refused)?;
        let r = run_shard_with(&runner, study, out, shard, control)?;
        on_shard(&r);
        reports.push(r);
    }
    Ok(reports)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_from_summaries() {
        let s = serde_json::json!({"a": {"b": 2.5, "n": null, "t": true, "l": [1, {"x": 4}]}, "s": "text"});
        assert_eq!(metric(&s, "a.b").unwrap(), 2.5);
        assert!(metric(&s, "a.n").unwrap().is_nan());
        assert_eq!(metric(&s, "a.t").unwrap(), 1.0);
        assert_eq!(metric(&s, "a.l[1].x").unwrap(), 4.0);
        assert_eq!(metric(&s, "a.l.1.x").unwrap(), 4.0);
        let l = serde_json::json!({"launches": [{"id": "a", "t": 1}, {"id": "b", "t": 2}]});
        assert_eq!(metric(&l, "launches.b.t").unwrap(), 2.0);
        assert!(metric(&l, "launches.c.t").unwrap_err().to_string().contains("names there: a, b"));
        let e = metric(&s, "a.c").unwrap_err().to_string();
        assert!(e.contains("no `c` in `a` (it has: b, l, n, t)"), "{e}");
        assert!(matches!(metric(&s, "s"), Err(MetricError::Bad(e)) if e.contains("not a number")));
        assert!(matches!(metric(&s, "a.l[5]"), Err(MetricError::Absent(e)) if e.contains("no element 5")));
    }
}
