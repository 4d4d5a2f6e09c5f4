//! The `tracklayer` binary end to end: exit codes, messages, run folders, Ctrl-C.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tracklayer"))
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    bin().args(args).current_dir(dir).stdin(Stdio::null()).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../sim/tests/fixtures")
}

/// No output of ours may look like a panic or a backtrace.
fn assert_no_panic(o: &Output) {
    let e = text(&o.stderr);
    assert!(!e.contains("panicked") && !e.contains("RUST_BACKTRACE") && !e.contains("internal error"), "{e}");
}

#[test]
fn run_default_scenario_with_no_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_in(dir.path(), &["run"]);
    assert_no_panic(&o);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("tranche1-demo") && out.contains("satellites.parquet"), "{out}");
    assert!(out.contains("results") && out.contains("runs/tranche1-demo"), "{out}");
    // Piped: no progress bar on stderr.
    assert!(o.stderr.is_empty(), "{}", text(&o.stderr));
    let run = dir.path().join("runs/tranche1-demo");
    for f in ["summary.json", "scenario.toml", "timing.json", "satellites.parquet"] {
        assert!(run.join(f).is_file(), "{f}");
    }
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["scenario"], "tranche1-demo");
    assert_eq!(summary["tables"]["satellites"]["rows"], 32 * 2001);
}

#[test]
fn run_with_flags_and_a_scenario_file() {
    let dir = tempfile::tempdir().unwrap();
    let scen = fixtures().join("valid/tle_scenario.toml");
    let o = run_in(
        dir.path(),
        &["run", scen.to_str().unwrap(), "--out", "x/y", "--seed", "42", "--format", "csv", "--threads", "2"],
    );
    assert_no_panic(&o);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let run = dir.path().join("x/y");
    assert!(run.join("satellites.csv").is_file());
    let resolved = std::fs::read_to_string(run.join("scenario.toml")).unwrap();
    assert!(resolved.contains("seed = 42") && resolved.contains("format = \"csv\""), "{resolved}");
    // Validate the written scenario, then run it again by built-in name lookup failure.
    let o = run_in(dir.path(), &["validate", "x/y/scenario.toml"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).starts_with("ok: x/y/scenario.toml"), "{}", text(&o.stdout));
}

#[test]
fn validate_reports_every_fixture_error_with_file_line_and_column() {
    let dir = fixtures().join("invalid");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_none_or(|x| x != "toml") {
            continue;
        }
        let o = run_in(&dir, &["validate", p.file_name().unwrap().to_str().unwrap()]);
        assert_no_panic(&o);
        assert_eq!(o.status.code(), Some(1), "{}", p.display());
        let err = text(&o.stderr);
        let want: Vec<String> = std::fs::read_to_string(&p)
            .unwrap()
            .lines()
            .filter_map(|l| l.strip_prefix("# expect: "))
            .map(|m| format!("error: {}:{m}", p.file_name().unwrap().to_str().unwrap()))
            .collect();
        for w in &want {
            assert!(err.lines().any(|l| l == w), "{}: missing {w:?} in\n{err}", p.display());
        }
        assert!(err.lines().last().unwrap().contains("problem"), "{err}");
        n += 1;
    }
    assert!(n >= 25);
}

#[test]
fn bad_input_gets_clear_messages_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&[&str], i32, &str)] = &[
        (&["validate", "nope.toml"], 1, "nope.toml: no such scenario file"),
        (&["run", "nope"], 1, "built-ins: tranche1-demo"),
        (&["run", "--seed", "-1"], 2, "--seed"),
        (&["run", "--seed", "99999999999999999999"], 2, "--seed"),
        (&["run", "--threads", "0"], 2, "0 is not in 1..=1024"),
        (&["run", "--format", "xml"], 2, "possible values: parquet, csv"),
        (&["scenarios", "show", "nope"], 1, "no built-in scenario called \"nope\""),
        (&["schema", "nope"], 1, "no table called \"nope\""),
        (&["frobnicate"], 2, "unrecognized subcommand"),
    ];
    for (args, code, msg) in cases {
        let o = run_in(dir.path(), args);
        assert_no_panic(&o);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(*code), "{args:?}: {err}");
        assert!(err.contains(msg), "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{args:?}: {err}");
    }
    // Nothing was created by the failed runs.
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
}

#[test]
fn an_existing_non_run_folder_is_refused_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("keep")).unwrap();
    std::fs::write(dir.path().join("keep/data.txt"), "precious").unwrap();
    let o = run_in(dir.path(), &["run", "tranche0-quick", "--out", "keep"]);
    assert!(o.status.code() == Some(1), "{}", text(&o.stderr));
    let o = run_in(dir.path(), &["run", "tranche0-quick", "--out", "keep/inner"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    std::fs::remove_dir_all(dir.path().join("keep/inner")).unwrap();
    let o = run_in(dir.path(), &["run", "tranche0-quick", "--out", "keep"]);
    assert_no_panic(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("not a tracklayer run folder"), "{}", text(&o.stderr));
    assert_eq!(std::fs::read_to_string(dir.path().join("keep/data.txt")).unwrap(), "precious");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn scenarios_list_show_and_schema() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_in(dir.path(), &["scenarios"]);
    assert!(o.status.success());
    let list = text(&o.stdout);
    assert!(list.contains("tranche1-demo") && list.contains("(default)") && list.contains("tranche0-quick"));
    let o = run_in(dir.path(), &["scenarios", "show", "tranche1-demo"]);
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/tranche1-demo.toml");
    assert_eq!(text(&o.stdout), std::fs::read_to_string(file).unwrap());
    let o = run_in(dir.path(), &["schema", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["name"], "satellites");
    assert_eq!(v[0]["columns"][0]["name"], "t_s");
    let o = run_in(dir.path(), &["schema", "satellites"]);
    assert!(text(&o.stdout).contains("| `pos_eci_x_m` | f64 | m |"));
}

#[test]
fn ctrl_c_aborts_cleanly_and_leaves_no_folder() {
    let dir = tempfile::tempdir().unwrap();
    // A long run: 3 days at 1 s steps.
    let long = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/tranche0-quick.toml"),
    )
    .unwrap()
    .replace("duration_s = 900.0", "duration_s = 259200.0")
    .replace("step_s = 5.0", "step_s = 1.0");
    let scen = dir.path().join("long.toml");
    std::fs::write(&scen, long).unwrap();
    let out_parent = dir.path().join("out");
    std::fs::create_dir(&out_parent).unwrap();
    std::fs::write(out_parent.join("keep.txt"), "").unwrap();
    let child = bin()
        .args(["run", scen.to_str().unwrap(), "--out", out_parent.join("run").to_str().unwrap()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the temporary folder exists, i.e. the run is under way.
    let t0 = Instant::now();
    loop {
        let started = std::fs::read_dir(&out_parent)
            .unwrap()
            .any(|e| e.unwrap().file_name().to_string_lossy().contains(".tmp-"));
        if started {
            break;
        }
        assert!(t0.elapsed() < Duration::from_secs(60), "the run did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    let st = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(st.success());
    let o = child.wait_with_output().unwrap();
    assert_no_panic(&o);
    assert_eq!(o.status.code(), Some(130), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("interrupted; nothing was written"), "{}", text(&o.stderr));
    let left: Vec<_> = std::fs::read_dir(&out_parent).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left, ["keep.txt"]);
}
