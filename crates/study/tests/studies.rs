//! End-to-end tests of the study machinery with the closed-form toy model: split
//! independence, resume, refusals, failures, statistics.

use std::path::Path;

use tl_study::merge::{RESULTS_DIR, merge, read_results};
use tl_study::model::Model;
use tl_study::run::{Control, SHARDS_DIR, TRIALS_FILE, freeze, load_frozen, run_all, run_shard};
use tl_study::testing::ToyModel;
use tl_study::{Shard, Study, StudyError};

fn write_study(dir: &Path, text: &str) -> std::path::PathBuf {
    let p = dir.join("study.toml");
    std::fs::write(&p, text).unwrap();
    p
}

const STUDY: &str = r#"
[study]
name = "toy-grid"
scenario = "toy"
trials = 7
seed = 2026
metrics = ["y", "detail.z", "detail.none"]

[set]
noise = 2.0

[sweep]
"layer.tracking.count" = "range(10, 40, 10)"
k = [1, 3]

[draw]
"launch.*.time_s" = "uniform(0, 100)"
"#;

fn load(dir: &Path, text: &str) -> Study {
    Study::load(&write_study(dir, text), &ToyModel).unwrap()
}

fn results_bytes(out: &Path) -> Vec<u8> {
    std::fs::read(out.join(RESULTS_DIR).join(TRIALS_FILE)).unwrap()
}

#[test]
fn any_split_and_thread_count_gives_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let study = load(tmp.path(), STUDY);
    study.preflight(&ToyModel).unwrap();
    assert_eq!(study.total_trials(), 4 * 2 * 7);

    // One process, default split, all threads.
    let a = tmp.path().join("a");
    freeze(&study, &a).unwrap();
    let done = Control::new();
    run_all(&study, &ToyModel, &a, &done, |_| {}).unwrap();
    assert_eq!(done.done.into_inner(), 56);
    merge(&study, &a).unwrap();

    // Five shards, run out of order, one thread, from the frozen copy.
    let b = tmp.path().join("b");
    freeze(&study, &b).unwrap();
    let frozen = load_frozen(&b, &ToyModel).unwrap();
    assert_eq!(frozen.hash, study.hash);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    pool.install(|| {
        for k in [3, 0, 4, 1, 2] {
            run_shard(&frozen, &ToyModel, &b, Shard::new(k, 5).unwrap(), &Control::new()).unwrap();
        }
    });
    merge(&frozen, &b).unwrap();
    assert_eq!(results_bytes(&a), results_bytes(&b), "merged trial tables differ between splits");
    for f in ["points.parquet", "points.csv", "summary.json"] {
        assert_eq!(
            std::fs::read(a.join(RESULTS_DIR).join(f)).unwrap(),
            std::fs::read(b.join(RESULTS_DIR).join(f)).unwrap(),
            "{f}"
        );
    }

    // The rows are what the model gives for each trial's seed and values.
    let t = read_results(&a, &study).unwrap();
    let y = t.f64("y").unwrap();
    let count = t.f64("layer_tracking_count").unwrap();
    let k = t.f64("k").unwrap();
    let seeds = t.i64("seed").unwrap();
    let t0 = t.f64("launch_0_time_s").unwrap();
    let t1 = t.f64("launch_1_time_s").unwrap();
    let z = t.f64("detail_z").unwrap();
    for i in 0..t.len() {
        let expect_z = tl_core::rng::RngStream::new(seeds[i] as u64, 0, 0, "toy.noise").normal();
        assert_eq!(y[i], k[i] * count[i] + 2.0 * expect_z, "trial {i}");
        assert_eq!(z[i], (t0[i] + t1[i]) / 2.0);
        assert!((0.0..100.0).contains(&t0[i]));
        assert_eq!(seeds[i] as u64, tl_study::spec::trial_seed(2026, i as u64));
    }
    assert!(t.f64("detail_none").unwrap().iter().all(|v| v.is_nan()), "null metrics are NaN");
    assert_eq!(t.u32("point").unwrap()[15], 2);
    assert_eq!(t.u32("rep").unwrap()[15], 1);
}

#[test]
fn point_statistics_match_the_trials_and_the_truth() {
    let tmp = tempfile::tempdir().unwrap();
    let text = STUDY.replace("trials = 7", "trials = 400");
    let study = load(tmp.path(), &text);
    let out = tmp.path().join("o");
    freeze(&study, &out).unwrap();
    run_all(&study, &ToyModel, &out, &Control::new(), |_| {}).unwrap();
    let rep = merge(&study, &out).unwrap();
    assert_eq!((rep.trials, rep.failed, rep.points), (3200, 0, 8));
    // 3 metrics x (2 sweeps + 2 draw columns) plots; detail.none has no finite value but still plots "no data".
    assert_eq!(rep.plots.len(), 12);
    assert!(rep.plots.iter().all(|p| p.is_file()));

    let pts = tl_io::read_table(
        &out.join(RESULTS_DIR).join("points.parquet"),
        &tl_study::merge::point_schema(&study),
    )
    .unwrap();
    let csv =
        tl_io::read_table(&out.join(RESULTS_DIR).join("points.csv"), &tl_study::merge::point_schema(&study))
            .unwrap();
    assert_eq!(pts.f64("y_mean").unwrap(), csv.f64("y_mean").unwrap());
    let t = read_results(&out, &study).unwrap();
    let y = t.f64("y").unwrap();
    let mut covered = 0;
    for p in 0..8 {
        let ys = &y[p * 400..(p + 1) * 400];
        let mean = ys.iter().sum::<f64>() / 400.0;
        assert!((pts.f64("y_mean").unwrap()[p] - mean).abs() < 1e-9);
        assert_eq!(pts.i64("y_n").unwrap()[p], 400);
        // Truth: y = k * count + 2 z, so mean k * count and sd 2.
        let truth = pts.f64("k").unwrap()[p] * pts.f64("layer_tracking_count").unwrap()[p];
        let (lo, hi) = (pts.f64("y_ci_lo").unwrap()[p], pts.f64("y_ci_hi").unwrap()[p]);
        if lo <= truth && truth <= hi {
            covered += 1;
        }
        assert!((pts.f64("y_sd").unwrap()[p] - 2.0).abs() < 0.3, "sd {}", pts.f64("y_sd").unwrap()[p]);
        // Median of N(truth, 2): within 5 sigma of the median's sampling sd (1.2533 * 2 / 20).
        assert!((pts.f64("y_p50").unwrap()[p] - truth).abs() < 5.0 * 1.2533 * 2.0 / 20.0);
        // 5th percentile of N(truth, 2) is truth - 1.645 * 2.
        assert!((pts.f64("y_p5").unwrap()[p] - (truth - 3.29)).abs() < 0.6);
        // detail.z is the mean of two uniform(0, 100) draws: mean 50, sd 100/sqrt(24).
        assert!((pts.f64("detail_z_mean").unwrap()[p] - 50.0).abs() < 5.0 * 20.41 / 20.0);
        assert_eq!(pts.i64("detail_none_n").unwrap()[p], 0);
    }
    // 8 intervals at 95 %: P(fewer than 6 cover) < 0.6 %.
    assert!(covered >= 6, "{covered} of 8 intervals cover the truth");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join(RESULTS_DIR).join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["trials"], 3200);
    assert_eq!(summary["failed"], 0);
    assert_eq!(summary["metrics"]["y"]["n"], 3200);
}

#[test]
fn failing_trials_are_recorded_not_fatal() {
    let tmp = tempfile::tempdir().unwrap();
    // noise > 10 makes the toy model fail ("numerical failure"); normal draws below 0
    // make an invalid scenario (noise must be >= 0): both kinds are recorded.
    let text =
        STUDY.replace("[set]\nnoise = 2.0\n", "").replace("[draw]\n", "[draw]\nnoise = \"normal(9, 4)\"\n");
    let study = load(tmp.path(), &text.replace("trials = 7", "trials = 250"));
    study.preflight(&ToyModel).unwrap(); // the mean, 9, is valid
    let out = tmp.path().join("o");
    freeze(&study, &out).unwrap();
    let reports = run_all(&study, &ToyModel, &out, &Control::new(), |_| {}).unwrap();
    let first = reports.iter().find_map(|r| r.first_error.clone()).unwrap();
    assert!(first.2.contains("noise"), "{first:?}");
    let rep = merge(&study, &out).unwrap();
    let t = read_results(&out, &study).unwrap();
    let noise = t.f64("noise").unwrap();
    let ok = t.bool("ok").unwrap();
    let err = t.str("error").unwrap();
    let y = t.f64("y").unwrap();
    let mut n_fail = 0;
    for i in 0..t.len() {
        if noise[i] > 10.0 {
            assert!(!ok[i] && err[i].starts_with("numerical failure: noise"), "{}", err[i]);
        } else if noise[i] < 0.0 {
            assert!(
                !ok[i] && err[i].contains("the drawn values make an invalid scenario: noise = "),
                "{}",
                err[i]
            );
        } else {
            assert!(ok[i] && err[i].is_empty() && y[i].is_finite());
            continue;
        }
        n_fail += 1;
        assert!(y[i].is_nan());
    }
    assert_eq!(rep.failed, n_fail);
    // P(N(9, 4) > 10) + P(< 0) = 0.4013 + 0.0122; 2000 trials: sd 1.1 %.
    let frac = n_fail as f64 / t.len() as f64;
    assert!((frac - 0.4135).abs() < 0.055, "{frac}");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join(RESULTS_DIR).join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["failed"], n_fail);
    let f0 = &summary["failures"][0];
    let trial = f0["first_trial"].as_u64().unwrap() as usize;
    assert_eq!(f0["seed"].as_i64().unwrap(), t.i64("seed").unwrap()[trial]);
    let pts = tl_io::read_table(
        &out.join(RESULTS_DIR).join("points.parquet"),
        &tl_study::merge::point_schema(&study),
    )
    .unwrap();
    assert_eq!(pts.i64("failed").unwrap().iter().sum::<i64>() as u64, n_fail);
}

#[test]
fn resume_skips_complete_shards_and_merge_names_missing_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let study = load(tmp.path(), STUDY);
    let out = tmp.path().join("o");
    freeze(&study, &out).unwrap();
    for k in [0, 2] {
        let r = run_shard(&study, &ToyModel, &out, Shard::new(k, 4).unwrap(), &Control::new()).unwrap();
        assert!(!r.skipped);
    }
    // A shard killed mid-way leaves only a temporary folder.
    let tmpdir = out.join(SHARDS_DIR).join("shard-00001-of-00004.tmp-0123456789abcdef");
    std::fs::create_dir_all(&tmpdir).unwrap();
    std::fs::write(tmpdir.join(TRIALS_FILE), b"PAR1 partial").unwrap();
    let e = merge(&study, &out).unwrap_err();
    assert!(matches!(e, StudyError::Incomplete(_)));
    let e = e.to_string();
    assert!(e.contains("2 of 4 shards are missing"), "{e}");
    assert!(e.contains(": 1, 3."), "{e}");
    assert!(e.contains("--shard K/4"), "{e}");
    assert!(e.contains("1 unfinished temporary shard folder"), "{e}");
    assert!(!out.join(RESULTS_DIR).exists(), "nothing written on failure");
    // The same split again: 0 and 2 are skipped.
    let reports = run_all(&study, &ToyModel, &out, &Control::new(), |_| {}).unwrap();
    let skipped: Vec<u64> = reports.iter().filter(|r| r.skipped).map(|r| r.shard.index).collect();
    assert_eq!(skipped, [0, 2]);
    let rep = merge(&study, &out).unwrap();
    assert_eq!(rep.leftovers.len(), 1);
    // Same bytes as a fresh single-process run.
    let fresh = tmp.path().join("fresh");
    freeze(&study, &fresh).unwrap();
    run_all(&study, &ToyModel, &fresh, &Control::new(), |_| {}).unwrap();
    merge(&study, &fresh).unwrap();
    assert_eq!(results_bytes(&out), results_bytes(&fresh));
    // A merge again replaces the results.
    merge(&study, &out).unwrap();
}

#[test]
fn shards_of_another_study_or_split_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let study = load(tmp.path(), STUDY);
    let out = tmp.path().join("o");
    freeze(&study, &out).unwrap();
    run_shard(&study, &ToyModel, &out, Shard::new(1, 3).unwrap(), &Control::new()).unwrap();
    // Another split in the same folder.
    let e = run_shard(&study, &ToyModel, &out, Shard::new(1, 4).unwrap(), &Control::new())
        .unwrap_err()
        .to_string();
    assert!(e.contains("holds shards of a 3-way split"), "{e}");
    // A changed study: freezing it over the shards is refused...
    let changed = load(tmp.path(), &STUDY.replace("seed = 2026", "seed = 2027"));
    let e = freeze(&changed, &out).unwrap_err().to_string();
    assert!(e.contains("holds 1 shard(s) of another study"), "{e}");
    assert!(e.contains(changed.short_hash()), "{e}");
    // ... and so are its shards, by run and by merge.
    let e = run_shard(&changed, &ToyModel, &out, Shard::new(1, 3).unwrap(), &Control::new())
        .unwrap_err()
        .to_string();
    assert!(e.contains("shard-00001-of-00003: written by another study"), "{e}");
    for k in [0, 2] {
        run_shard(&study, &ToyModel, &out, Shard::new(k, 3).unwrap(), &Control::new()).unwrap();
    }
    let e = merge(&changed, &out).unwrap_err().to_string();
    assert!(e.contains("written by another study"), "{e}");
    merge(&study, &out).unwrap();
    // A presentation-only change keeps the hash and the shards.
    let relabelled = load(tmp.path(), &STUDY.replace("trials = 7", "trials = 7\npercentiles = [10, 90]"));
    freeze(&relabelled, &out).unwrap();
    merge(&relabelled, &out).unwrap();
}

#[test]
fn a_missing_metric_fails_each_trial_with_the_summary_fields() {
    // A model that cannot check metrics up front.
    struct Loose;
    impl Model for Loose {
        type Prepared = <ToyModel as Model>::Prepared;
        fn load_base(&self, s: &str, d: &Path) -> Result<tl_study::BaseScenario, String> {
            ToyModel.load_base(s, d)
        }
        fn prepare(
            &self,
            doc: &toml::Value,
            b: &tl_study::BaseScenario,
        ) -> Result<Self::Prepared, tl_study::ScenarioError> {
            ToyModel.prepare(doc, b)
        }
        fn run(&self, s: &Self::Prepared, seed: u64) -> Result<serde_json::Value, String> {
            if seed.is_multiple_of(3) {
                panic!("boom at seed {seed}");
            }
            ToyModel.run(s, seed)
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    let study =
        Study::load(&write_study(tmp.path(), &STUDY.replace("\"detail.none\"", "\"detail.zz\"")), &Loose)
            .unwrap();
    let out = tmp.path().join("o");
    freeze(&study, &out).unwrap();
    run_all(&study, &Loose, &out, &Control::new(), |_| {}).unwrap();
    let rep = merge(&study, &out).unwrap();
    assert_eq!(rep.failed, study.total_trials());
    let t = read_results(&out, &study).unwrap();
    let seeds = t.i64("seed").unwrap();
    for (e, s) in t.str("error").unwrap().iter().zip(seeds) {
        if s % 3 == 0 {
            assert!(e.starts_with("the simulation panicked: boom at seed"), "{e}");
        } else {
            assert_eq!(e, "metric `detail.zz`: the summary has no `zz` in `detail` (it has: none, z)");
        }
    }
    // Written `detail.zz?`, an absent metric is NaN and the trial stands.
    let opt =
        Study::load(&write_study(tmp.path(), &STUDY.replace("\"detail.none\"", "\"detail.zz?\"")), &Loose)
            .unwrap();
    assert_ne!(opt.hash, study.hash);
    let out2 = tmp.path().join("o2");
    freeze(&opt, &out2).unwrap();
    run_all(&opt, &Loose, &out2, &Control::new(), |_| {}).unwrap();
    merge(&opt, &out2).unwrap();
    let t = read_results(&out2, &opt).unwrap();
    for ((ok, s), zz) in
        t.bool("ok").unwrap().iter().zip(t.i64("seed").unwrap()).zip(t.f64("detail_zz").unwrap())
    {
        assert_eq!(*ok, s % 3 != 0);
        assert!(zz.is_nan());
    }
    // The toy model itself refuses the metric before anything runs.
    let e =
        Study::load(&write_study(tmp.path(), &STUDY.replace("\"detail.none\"", "\"detail.zz\"")), &ToyModel)
            .unwrap_err()
            .to_string();
    assert!(e.contains("study.metrics: `detail.zz`: not in the summary"), "{e}");
}

#[test]
fn a_cancelled_shard_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let study = load(tmp.path(), STUDY);
    let out = tmp.path().join("o");
    freeze(&study, &out).unwrap();
    let c = Control::new();
    c.cancel.store(true, std::sync::atomic::Ordering::Relaxed);
    let e = run_shard(&study, &ToyModel, &out, Shard::new(0, 2).unwrap(), &c).unwrap_err();
    assert!(matches!(e, StudyError::Cancelled(_)), "{e}");
    let left: Vec<_> = std::fs::read_dir(out.join(SHARDS_DIR)).map(|d| d.count()).into_iter().collect();
    assert!(left.is_empty() || left == [0], "shards folder holds {left:?} entries");
}
