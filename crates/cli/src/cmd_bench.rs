//! `tracklayer bench [SCENARIO ...]`: time scenarios end to end (prepare: validation and
//! flight solving; the run: every stage, the tables, `summary.json`; optionally the
//! viewer products) and print wall time, real-time factor, detections per second, peak
//! memory and the accuracy figures of the run's summary.
//!
//! Each repeat runs in a child process (this program with a hidden `--child` flag), so
//! the peak resident memory (`getrusage` maxrss of the child) belongs to that run alone
//! and no state is shared between repeats. The table shows the median over repeats and
//! the range; the machine's load average is printed beside it because the figures are
//! only meaningful on an otherwise quiet machine. Benchmarks are not tests: nothing is
//! asserted about time.

use crate::common::{CliError, CliResult, scenario_source};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use tl_sim::run::{RunOptions, run};
use tl_sim::scenario;

#[derive(clap::Args, Clone)]
pub struct Args {
    /// Scenarios: built-in names or files (default: raid-100).
    pub scenarios: Vec<String>,
    /// Worker threads (default: one per core).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Runs per scenario (the table shows the median).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub repeat: u32,
    /// Run only the stages up to this one (`satellites`, `threat`, `detections`,
    /// `tracks`, ...): e.g. `detections` times truth and detection generation alone.
    #[arg(long)]
    pub last_stage: Option<String>,
    /// Override the scenario's `duration_s` (a shorter slice of the run).
    #[arg(long)]
    pub duration_s: Option<f64>,
    /// Scale the scenario's `[[launch_group]]` counts so that there are this many
    /// launches in all (proportional, at least 1 per group; written launches are kept).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub launches: Option<u32>,
    /// Sensor output of every staring payload: `reports` (1 Hz onboard reports) or `raw`
    /// (every frame); default: as written in the scenario. Scanners are left alone.
    #[arg(long, value_parser = ["reports", "raw"])]
    pub mode: Option<String>,
    /// Also write the viewer products (`scene.czml`, `report.html`), as `tracklayer run` does.
    #[arg(long)]
    pub products: bool,
    /// Keep the last repeat's run folder here (default: a temporary folder, removed).
    #[arg(long)]
    pub keep: Option<PathBuf>,
    /// Append one JSON line per repeat to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Run one repeat in this process and print its JSON line (used by the parent).
    #[arg(long, hide = true)]
    pub child: bool,
}

pub fn main(a: Args) -> CliResult {
    let names = if a.scenarios.is_empty() { vec!["raid-100".to_string()] } else { a.scenarios.clone() };
    if a.child {
        let name = names.first().ok_or_else(|| CliError::Message("bench --child needs a scenario".into()))?;
        let line = run_one(name, &a)?;
        println!("{line}");
        return Ok(ExitCode::SUCCESS);
    }
    println!("machine     {} ({} logical CPUs)", cpu_model(), num_cpus());
    println!("date        {}", now_utc());
    let exe =
        std::env::current_exe().map_err(|e| CliError::Message(format!("cannot find this program: {e}")))?;
    for name in &names {
        // Fail early (with the scenario's own messages) before spawning children.
        scenario_source(Some(name))?;
        let mut results: Vec<Value> = Vec::new();
        for r in 0..a.repeat {
            let load0 = loadavg();
            let mut cmd = std::process::Command::new(&exe);
            cmd.arg("bench").arg(name).arg("--child");
            if let Some(t) = a.threads {
                cmd.arg("--threads").arg(t.to_string());
            }
            if let Some(s) = &a.last_stage {
                cmd.arg("--last-stage").arg(s);
            }
            if let Some(d) = a.duration_s {
                cmd.arg("--duration-s").arg(d.to_string());
            }
            if let Some(n) = a.launches {
                cmd.arg("--launches").arg(n.to_string());
            }
            if let Some(m) = &a.mode {
                cmd.arg("--mode").arg(m);
            }
            if a.products {
                cmd.arg("--products");
            }
            if let Some(k) = &a.keep
                && r + 1 == a.repeat
            {
                cmd.arg("--keep").arg(k);
            }
            let out = cmd.output().map_err(|e| CliError::Message(format!("cannot start a run: {e}")))?;
            if !out.status.success() {
                return Err(CliError::Message(format!(
                    "{name}: repeat {} failed: {}",
                    r + 1,
                    String::from_utf8_lossy(&out.stderr).trim()
                )));
            }
            let text = String::from_utf8_lossy(&out.stdout);
            let mut v: Value = text
                .lines()
                .last()
                .and_then(|l| serde_json::from_str(l).ok())
                .ok_or_else(|| CliError::Message(format!("{name}: unreadable result: {text}")))?;
            v["load_before"] = json!(load0);
            v["load_after"] = json!(loadavg());
            if let Some(path) = &a.json {
                use std::io::Write;
                let mut f = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|e| CliError::Message(format!("{}: {e}", path.display())))?;
                writeln!(f, "{v}").map_err(|e| CliError::Message(format!("{}: {e}", path.display())))?;
            }
            eprintln!(
                "  {name} repeat {}/{}: {:.2} s wall (load {:.1})",
                r + 1,
                a.repeat,
                v["wall_s"].as_f64().unwrap_or(f64::NAN),
                load0
            );
            results.push(v);
        }
        print_table(name, &results);
    }
    Ok(ExitCode::SUCCESS)
}

/// One repeat, in this process: returns its JSON line.
fn run_one(name: &str, a: &Args) -> Result<String, CliError> {
    let t0 = Instant::now();
    let source = scenario_source(Some(name))?;
    let mut s = scenario::parse(&source)?;
    if let Some(d) = a.duration_s {
        s.duration_s = d;
    }
    if let Some(n) = a.launches {
        scale_groups(&mut s, n)?;
    }
    if let Some(m) = &a.mode {
        let mode = if m == "raw" {
            tl_sensor::payload::OutputMode::Raw
        } else {
            tl_sensor::payload::OutputMode::Reports
        };
        // Scanners make one look per revisit and have no output mode.
        for c in s.constellations.iter_mut() {
            for p in c.payload.iter_mut().filter(|p| p.scan != Some(tl_sensor::payload::ScanMode::Scanning)) {
                p.output = Some(mode);
            }
        }
    }
    let p = scenario::prepare(s, &source)?;
    let prepare_s = t0.elapsed().as_secs_f64();

    let tmp =
        tempfile::tempdir().map_err(|e| CliError::Message(format!("cannot make a temporary folder: {e}")))?;
    let out_dir = a.keep.clone().unwrap_or_else(|| tmp.path().join("run"));
    let mut options = RunOptions::new(&out_dir);
    options.threads = a.threads.map(usize::from);
    options.last_stage = a.last_stage.as_deref();
    let products = |dir: &std::path::Path| -> Result<(), String> {
        tl_viz::products::write_run_products(dir).map(|_| ()).map_err(|e| e.to_string())
    };
    if a.products {
        options.products = Some(&products);
    }
    let t1 = Instant::now();
    let report = run(&p, &options).map_err(|e| CliError::Message(e.to_string()))?;
    let run_s = t1.elapsed().as_secs_f64();
    let wall_s = t0.elapsed().as_secs_f64();

    let summary = serde_json::to_value(&report.summary).unwrap_or_default();
    let st = &summary["stages"];
    let detections = st["detections"]["detections"].as_u64().unwrap_or(0);
    let sim_s = p.scenario.duration_s;
    let stage_s: serde_json::Map<String, Value> =
        report.timing.stages.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
    let tracks_s = stage_s.get("tracks").and_then(Value::as_f64);
    let objects = st["threat"]["objects"].as_u64().unwrap_or(0);
    let line = json!({
        "scenario": p.scenario.name,
        "launches": p.scenario.launches.len(),
        "objects": objects,
        "satellites": p.satellites.len(),
        "sim_s": sim_s,
        "threads": report.timing.threads,
        "last_stage": a.last_stage,
        "mode": a.mode.clone().unwrap_or_else(|| "as-written".into()),
        "prepare_s": prepare_s,
        "run_s": run_s,
        "wall_s": wall_s,
        "real_time_factor": sim_s / wall_s,
        "detections": detections,
        "detections_per_s": detections as f64 / wall_s,
        "tracker_detections_per_s": tracks_s.map(|t| detections as f64 / t),
        "stage_s": stage_s,
        "counters": report.timing.counters,
        "finish_s": report.timing.finish_s,
        "max_rss_mb": max_rss_mb(),
        "tables": summary["tables"],
        "accuracy": accuracy(st),
    });
    Ok(line.to_string())
}

/// Scale `[[launch_group]]` counts to `n` launches in all (written launches count too).
fn scale_groups(s: &mut scenario::Scenario, n: u32) -> Result<(), CliError> {
    let written = s.launches.len() as u32;
    let total: u32 = s.launch_groups.iter().map(|g| g.count).sum();
    if s.launch_groups.is_empty() || total == 0 {
        return Err(CliError::Message("--launches needs a scenario with [[launch_group]]s".into()));
    }
    let want = n.saturating_sub(written).max(s.launch_groups.len() as u32);
    // Largest-remainder apportionment, at least 1 per group.
    let mut counts: Vec<(u32, f64, usize)> = s
        .launch_groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let exact = g.count as f64 * want as f64 / total as f64;
            (exact.floor().max(1.0) as u32, exact - exact.floor(), i)
        })
        .collect();
    let mut have: u32 = counts.iter().map(|c| c.0).sum();
    counts.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.2.cmp(&b.2)));
    let mut k = 0;
    while have < want {
        let m = counts.len();
        counts[k % m].0 += 1;
        have += 1;
        k += 1;
    }
    for (c, _, i) in counts {
        s.launch_groups[i].count = c;
    }
    Ok(())
}

/// The accuracy figures of a run's summary (`stages.tracks`), as far as present.
fn accuracy(st: &Value) -> Value {
    let t = &st["tracks"];
    let sc = &t["scores"];
    json!({
        "ospa_mean_m": sc["ospa_mean_m"],
        "completeness": sc["completeness"],
        "false_tracks": sc["false_tracks"],
        "tracks": sc["tracks"],
        "purity": sc["purity"],
        "id_switches": sc["id_switches"],
        "rvs": t["rvs"]["count"],
        "rv_completeness_burnout_60s": t["rvs"]["completeness_burnout_60s"],
        "rv_own_track_completeness_burnout_60s": t["rvs"]["own_track_completeness_burnout_60s"],
        "rv_completeness_by_assignment_burnout_60s": t["rvs"]["completeness_by_assignment_burnout_60s"],
        "impact_error_m": t["rvs"]["impact_error_m"],
        "nees_provenance_mean": sc["provenance"]["nees"]["mean"],
        "nees_provenance_median": sc["provenance"]["nees"]["median"],
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.retain(|x| x.is_finite());
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { 0.5 * (v[n / 2 - 1] + v[n / 2]) }
}

fn print_table(name: &str, rs: &[Value]) {
    let col = |k: &str| -> Vec<f64> { rs.iter().map(|r| r[k].as_f64().unwrap_or(f64::NAN)).collect() };
    let range = |v: &[f64]| {
        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lo, hi)
    };
    let r0 = &rs[0];
    println!();
    println!(
        "{name}: {} launches, {} objects, {} satellites, {} s simulated, {} thread(s), stages up to {}, sensor output {}",
        r0["launches"],
        r0["objects"],
        r0["satellites"],
        r0["sim_s"],
        r0["threads"],
        r0["last_stage"].as_str().unwrap_or("the last"),
        r0["mode"].as_str().unwrap_or("?"),
    );
    let row = |label: &str, v: Vec<f64>, unit: &str, digits: usize| {
        let (lo, hi) = range(&v);
        println!(
            "  {label:30} {:>12.digits$} {unit:8} (range {lo:.digits$} - {hi:.digits$}, {} runs)",
            median(v.clone()),
            v.len()
        );
    };
    row("wall time", col("wall_s"), "s", 2);
    row("  prepare (flights solved)", col("prepare_s"), "s", 2);
    row("  run", col("run_s"), "s", 2);
    row("real-time factor", col("real_time_factor"), "x", 1);
    row("detections", col("detections"), "", 0);
    row("detections per second", col("detections_per_s"), "/s", 0);
    row("  tracker alone", col("tracker_detections_per_s"), "/s", 0);
    row("peak memory (maxrss)", col("max_rss_mb"), "MB", 0);
    let stages: Vec<String> =
        r0["stage_s"].as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default();
    for s in stages {
        let v: Vec<f64> = rs.iter().map(|r| r["stage_s"][&s].as_f64().unwrap_or(f64::NAN)).collect();
        row(&format!("  stage {s}"), v, "s", 2);
    }
    row("  closing tables", col("finish_s"), "s", 2);
    // Thread-dependent: the 3-D filter updates made ahead in parallel and used.
    let ahead = |k: &str| -> Vec<f64> {
        rs.iter().map(|r| r["counters"]["tracks"]["filtered_ahead"][k].as_f64().unwrap_or(f64::NAN)).collect()
    };
    if ahead("updates_made").iter().any(|v| *v > 0.0) {
        row("  filter updates made ahead", ahead("updates_made"), "", 0);
        row("    of which used", ahead("updates_used"), "", 0);
    }
    let loads: Vec<f64> = rs.iter().map(|r| r["load_before"].as_f64().unwrap_or(f64::NAN)).collect();
    row("load average before runs", loads, "", 2);
    let acc = &r0["accuracy"];
    if acc.as_object().is_some_and(|m| m.values().any(|v| !v.is_null())) {
        println!("  accuracy (deterministic; first run): {acc}");
    }
}

fn loadavg() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|x| x.parse().ok()))
        .unwrap_or(f64::NAN)
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

fn num_cpus() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

fn now_utc() -> String {
    tl_core::time::Epoch::now().map(tl_core::time::format_epoch_utc).unwrap_or_else(|_| "unknown".into())
}

/// Peak resident set size of this process, MB (`getrusage(RUSAGE_SELF).ru_maxrss`, kB on
/// Linux).
fn max_rss_mb() -> f64 {
    // SAFETY: getrusage only writes into the struct we hand it.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    if rc == 0 { ru.ru_maxrss as f64 / 1024.0 } else { f64::NAN }
}
