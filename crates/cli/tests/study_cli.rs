//! `tracklayer study ...` end to end with the real simulator: bad files refused before
//! running, a killed run leaving no partial shard and resuming, shards from the Slurm
//! and Kubernetes environment variables, generated job files.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn tl() -> Command {
    // TRACKLAYER_TEST_BIN: test another build of the binary (e.g. a copy, when several
    // checkouts share one target folder and rebuild it under each other).
    let bin =
        std::env::var_os("TRACKLAYER_TEST_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_tracklayer").into());
    let mut c = Command::new(bin);
    for v in ["SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_COUNT", "JOB_COMPLETION_INDEX"]
    {
        c.env_remove(v);
    }
    c.env_remove("TRACKLAYER_SHARD_COUNT");
    c
}

fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

const STUDY: &str = r#"[study]
scenario = "tranche0-quick"
trials = 3
seed = 11
metrics = ["satellites", "stages.satellites.final_min_alt_km", "launches.nk-solid.figures.first_detection_t_s?"]

[set]
duration_s = 30.0

[sweep]
"constellation.tracking-t0.orbit.total" = [4, 6]

[draw]
"constellation.tracking-t0.orbit.altitude_km" = "uniform(600, 1200)"
"#;

fn write(dir: &Path, name: &str, body: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

#[test]
fn bad_studies_are_refused_before_running_with_path_and_value() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        // An unknown parameter path.
        (
            STUDY.replace("tracking-t0.orbit.total", "tracking-t9.orbit.total"),
            "no element of `constellation` is named `tracking-t9` (names there: `tracking-t0`, `geo-warning`)",
        ),
        // An empty range.
        (STUDY.replace("uniform(600, 1200)", "uniform(1200, 600)"), "`uniform(1200, 600)`: empty range"),
        // A sweep value the scenario refuses.
        (
            STUDY.replace("[4, 6]", "[4, 0]"),
            "[sweep] \"constellation.tracking-t0.orbit.total\" value 0 (point 1) is refused by the scenario: constellation[0].orbit.total",
        ),
        // A draw that can yield a value the scenario refuses.
        (
            STUDY.replace("uniform(600, 1200)", "uniform(-100, 1200)"),
            "can yield -100, which the scenario refuses",
        ),
        // A field that is not in the scenario format.
        (
            STUDY.replace("duration_s = 30.0", "durration_s = 30.0"),
            "[set] \"durration_s\" = 30 is refused by the scenario: durration_s: unknown field",
        ),
        // A metric that is not in summary.json.
        (
            STUDY.replace("\"satellites\",", "\"satelites\","),
            "study.metrics: `satelites`: summary.json has no `satelites`",
        ),
    ];
    for (i, (body, want)) in cases.iter().enumerate() {
        let f = write(tmp.path(), &format!("bad{i}.toml"), body);
        let out = tmp.path().join(format!("out{i}"));
        let o = tl().args(["study", "run"]).arg(&f).arg("--out").arg(&out).output().unwrap();
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(1), "case {i}: {err}");
        assert!(err.starts_with("error: "), "case {i}: {err}");
        assert!(err.contains(want), "case {i}: expected {want:?} in\n{err}");
        assert!(err.contains(&format!("bad{i}.toml:")), "case {i}: no file:line:col in {err}");
        assert!(!out.join("shards").exists(), "case {i}: trials ran");
    }
}

#[test]
fn run_merge_and_engine_shards_agree() {
    let tmp = tempfile::tempdir().unwrap();
    let f = write(tmp.path(), "s.toml", STUDY);
    // Whole study in one process (piped: no progress bar drawn).
    let whole = tmp.path().join("whole");
    let o = tl().args(["study", "run"]).arg(&f).arg("--out").arg(&whole).output().unwrap();
    let (_, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(!err.contains('\u{1b}') && !err.contains("[="), "progress bar drawn on a pipe: {err}");
    assert!(err.contains("results: "), "{err}");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(whole.join("results/summary.json")).unwrap()).unwrap();
    assert_eq!(summary["trials"], 6);
    assert_eq!(summary["failed"], 0);
    // 4 + 1 GEO and 6 + 1 GEO satellites.
    assert_eq!(summary["metrics"]["satellites"]["min"], 5.0);
    assert_eq!(summary["metrics"]["satellites"]["max"], 7.0);
    // Drawn altitudes within the range: the lowest satellite is never below 600 km.
    let low = summary["metrics"]["stages.satellites.final_min_alt_km"]["min"].as_f64().unwrap();
    assert!((590.0..1200.0).contains(&low), "{low}");

    // Two shards from the Slurm variables, one from Kubernetes', in a frozen folder.
    let split = tmp.path().join("split");
    let o = tl()
        .args(["study", "slurm"])
        .arg(&f)
        .arg("--out")
        .arg(&split)
        .args(["--shards", "3"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    for (k, env) in [
        (0, vec![("SLURM_ARRAY_TASK_ID", "0"), ("SLURM_ARRAY_TASK_COUNT", "3")]),
        (
            2,
            vec![
                ("SLURM_ARRAY_TASK_ID", "2"),
                ("SLURM_ARRAY_TASK_MIN", "1"),
                ("SLURM_ARRAY_TASK_COUNT", "1"),
                ("TRACKLAYER_SHARD_COUNT", "3"),
            ],
        ),
        (1, vec![("JOB_COMPLETION_INDEX", "1"), ("TRACKLAYER_SHARD_COUNT", "3")]),
    ] {
        let mut c = tl();
        c.args(["study", "run"]).arg(&split);
        for (k, v) in env {
            c.env(k, v);
        }
        let o = c.output().unwrap();
        let (_, err) = text(&o);
        assert!(o.status.success(), "{err}");
        assert!(err.contains(&format!("shard {k}/3 (from ")), "{err}");
        if k == 0 {
            // Not merged yet: shard 1 and 2 are missing.
            let o = tl().args(["study", "merge"]).arg(&split).output().unwrap();
            let (_, err) = text(&o);
            assert_eq!(o.status.code(), Some(1));
            assert!(err.contains("2 of 3 shards are missing") && err.contains(": 1, 2."), "{err}");
            assert!(err.contains("sbatch --array=1,2"), "{err}");
        }
    }
    let o = tl().args(["study", "merge"]).arg(&split).output().unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    for file in ["trials.parquet", "points.parquet", "points.csv", "summary.json"] {
        assert_eq!(
            std::fs::read(whole.join("results").join(file)).unwrap(),
            std::fs::read(split.join("results").join(file)).unwrap(),
            "{file} differs"
        );
    }
    // The generated job files name this folder, the shard count and the merge dependency.
    let sb = std::fs::read_to_string(split.join("slurm/shards.sbatch")).unwrap();
    assert!(sb.contains("#SBATCH --array=0-2") && sb.contains("export TRACKLAYER_SHARD_COUNT=3"), "{sb}");
    let submit = std::fs::read_to_string(split.join("slurm/submit.sh")).unwrap();
    assert!(submit.contains("--dependency=afterok:\"$shards\""), "{submit}");
    let k8s = std::fs::read_to_string(split.join("k8s/shards-job.yaml")).unwrap();
    assert!(k8s.contains("completionMode: \"Indexed\"") && k8s.contains("completions: 3"), "{k8s}");
    // A changed study is refused in that folder.
    let f2 = write(tmp.path(), "s2.toml", &STUDY.replace("seed = 11", "seed = 12"));
    let o = tl().args(["study", "run"]).arg(&f2).arg("--out").arg(&split).output().unwrap();
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(err.contains("holds 3 shard(s) of another study"), "{err}");
}

#[test]
fn a_killed_run_leaves_no_partial_shard_and_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    // About 10 shards of 4096 cheap trials (no launch: no flight to solve per trial).
    let body = STUDY
        .replace("trials = 3", "trials = 20000")
        .replace("duration_s = 30.0", "duration_s = 35.0\nlaunch = []");
    let f = write(tmp.path(), "big.toml", &body);
    let out = tmp.path().join("o");
    let mut child = tl()
        .args(["study", "run"])
        .arg(&f)
        .arg("--out")
        .arg(&out)
        .args(["--threads", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it (SIGKILL: no clean-up) once a first shard is complete.
    let start = Instant::now();
    let complete = |d: &Path| -> usize {
        std::fs::read_dir(d.join("shards"))
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .filter(|e| {
                        !e.file_name().to_string_lossy().contains(".tmp-")
                            && e.path().join("summary.json").is_file()
                    })
                    .count()
            })
            .unwrap_or(0)
    };
    while complete(&out) == 0 {
        assert!(start.elapsed() < Duration::from_secs(120), "no shard completed in 120 s");
        if let Some(s) = child.try_wait().unwrap() {
            panic!("the run ended before it was killed: {s}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!out.join("results").exists(), "killed before the merge");
    // Every shard folder is complete, or a temporary folder.
    let mut done = 0;
    for e in std::fs::read_dir(out.join("shards")).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        if name.contains(".tmp-") {
            continue;
        }
        assert!(
            e.path().join("summary.json").is_file() && e.path().join("trials.parquet").is_file(),
            "{name}"
        );
        done += 1;
    }
    assert!(done >= 1);
    // Resume: complete shards are skipped, the rest run, the merge names the leftovers.
    let o = tl().args(["study", "run"]).arg(&f).arg("--out").arg(&out).output().unwrap();
    let (_, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(err.matches("already complete").count(), done, "{err}");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("results/summary.json")).unwrap()).unwrap();
    assert_eq!(summary["trials"], 40000);
    assert_eq!(summary["failed"], 0);
}
