//! Per-trial overhead of the study machinery (set-up, seeding, draws, writing a row),
//! measured with the closed-form toy model, whose own run costs well under a
//! microsecond, so what is timed is the machinery.
//!
//! ```text
//! cargo run --release -p tl-study --example study_overhead -- [TRIALS] [OUT]
//! ```
//!
//! Prints, for a study of TRIALS trials (default 200000) with one sweep and two draws:
//! the single-thread cost of one trial (document clone, draws, validation, run, metric
//! extraction), of writing one row, and the throughput of whole shards on all threads
//! (`RAYON_NUM_THREADS` to change), plus the merge time. Keeps OUT (default a temporary
//! folder) for a look at the results.

use std::time::Instant;
use tl_study::Study;
use tl_study::run::{Control, TrialRunner, freeze, push_row, run_all};
use tl_study::testing::ToyModel;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let trials: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(200_000);
    let keep = args.get(2).map(std::path::PathBuf::from);
    let tmp = tempfile::tempdir().expect("temporary folder");
    let base = keep.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&base).expect("output folder");
    let per_point = trials.div_ceil(10);
    let text = format!(
        r#"[study]
name = "overhead"
scenario = "toy"
trials = {per_point}
seed = 1
metrics = ["y", "detail.z"]

[sweep]
"layer.tracking.count" = "range(10, 100, 10)"

[draw]
"launch.*.time_s" = "uniform(0, 5400)"
noise = "uniform(0, 1)"
"#
    );
    let file = base.join("overhead.toml");
    std::fs::write(&file, text).expect("study file");
    let study = Study::load(&file, &ToyModel).expect("study");
    study.preflight(&ToyModel).expect("preflight");
    let total = study.total_trials();

    // Single thread: trials alone, then rows alone.
    let runner = TrialRunner::new(&study, &ToyModel);
    let n1 = total.min(50_000);
    let t = Instant::now();
    let rows: Vec<_> = (0..n1).map(|i| runner.run(i)).collect();
    let per_trial = t.elapsed().as_secs_f64() / n1 as f64;
    let dir = tempfile::tempdir().expect("temporary folder");
    let mut w = tl_io::TableWriter::create_at(
        &dir.path().join("t.parquet"),
        &study.trial_schema(),
        tl_io::Format::Parquet,
        tl_io::WriteOptions::default(),
    )
    .expect("writer");
    let t = Instant::now();
    for r in &rows {
        push_row(&mut w, &study, r).expect("row");
    }
    w.finish().expect("finish");
    let per_row = t.elapsed().as_secs_f64() / n1 as f64;

    // Whole study, all threads, default split, then the merge.
    let out = base.join("out");
    let _ = std::fs::remove_dir_all(&out);
    freeze(&study, &out).expect("freeze");
    let t = Instant::now();
    let reports = run_all(&study, &ToyModel, &out, &Control::new(), |_| {}).expect("run");
    let run_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let m = tl_study::merge::merge(&study, &out).expect("merge");
    let merge_s = t.elapsed().as_secs_f64();

    println!("trials: {total} ({} points x {per_point}), 2 draws (3 values) per trial", study.points());
    println!("threads: {}", rayon::current_num_threads());
    println!(
        "one trial, single thread (clone point, draw, validate, run, metrics): {:.2} us",
        per_trial * 1e6
    );
    println!("one row written (Parquet, Snappy): {:.2} us", per_row * 1e6);
    println!(
        "whole study: {} shards in {run_s:.2} s = {:.0} trials/s = {:.2} us per trial (wall, all threads)",
        reports.len(),
        total as f64 / run_s,
        run_s / total as f64 * 1e6
    );
    println!("merge ({} plots): {merge_s:.2} s", m.plots.len());
    if keep.is_some() {
        println!("results: {}", m.results.display());
    }
}
