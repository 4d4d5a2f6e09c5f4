//! `tracklayer missiles` and `tracklayer trajectory` end to end: figures, files, bad inputs.

use std::process::{Command, Output, Stdio};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tracklayer")).args(args).stdin(Stdio::null()).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn missiles_lists_the_catalogue() {
    let o = run(&["missiles"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    for name in ["icbm-solid-3", "icbm-liquid-2", "slbm", "irbm", "srbm"] {
        assert!(out.contains(name), "{out}");
    }
    let o = run(&["missiles", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 5);
    let boost = v[0]["boost_time_s"].as_f64().unwrap();
    assert!((170.0..=180.0).contains(&boost));
}

#[test]
fn trajectory_textbook_case_matches_the_closed_form() {
    // Spherical, non-rotating, drag-free: the coast is a Kepler ellipse, so the burnout
    // speed equals the closed-form minimum-energy speed for the flown free-flight range.
    let o = run(&[
        "trajectory",
        "--missile",
        "icbm-solid-3",
        "--from",
        "0,0",
        "--to",
        "0,80",
        "--earth",
        "spherical",
        "--rotation",
        "off",
        "--drag",
        "off",
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let s = &v["summary"];
    assert!(s["miss_distance_m"].as_f64().unwrap() < 1.0);
    assert!((s["ground_range_m"].as_f64().unwrap() / 1000.0 - 8_896.0).abs() < 2.0);
    let v_bo = s["burnout_speed_m_s"].as_f64().unwrap();
    assert!((6_500.0..7_200.0).contains(&v_bo), "{v_bo}");
}

#[test]
fn trajectory_writes_the_sampled_objects_and_rejects_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.csv");
    let o = run(&[
        "trajectory",
        "--missile",
        "irbm",
        "--from",
        "30,40",
        "--to",
        "45,60",
        "--out",
        path.to_str().unwrap(),
        "--step",
        "5",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    for key in [
        "burnout time",
        "burnout altitude",
        "apogee altitude",
        "ground range",
        "time of flight",
        "miss distance",
    ] {
        assert!(out.contains(key), "{out}");
    }
    let csv = std::fs::read_to_string(&path).unwrap();
    assert!(csv.lines().count() > 100);
    assert!(csv.contains(",booster,boost-1,") && csv.contains(",reentry-vehicle,"));
    // Out of reach: a clear error naming the reach, exit code 1.
    let o = run(&["trajectory", "--missile", "srbm", "--from", "0,0", "--to", "0,20"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("maximum range"), "{}", text(&o.stderr));
    let o = run(&["trajectory", "--missile", "nope", "--from", "0,0", "--to", "0,20"]);
    assert!(text(&o.stderr).contains("must be a catalogue missile"));
    let o = run(&["trajectory", "--missile", "srbm", "--from", "0;0", "--to", "0,2"]);
    assert!(text(&o.stderr).contains("LAT,LON"));
    let o = run(&["trajectory", "--missile", "srbm", "--from", "90,0", "--to", "88,2"]);
    assert!(text(&o.stderr).contains("site_lat_deg"), "{}", text(&o.stderr));
    let o = run(&["trajectory", "--missile", "irbm", "--from", "0,0", "--to", "5,5", "--shape", "lofted:x"]);
    assert!(text(&o.stderr).contains("shape"));
}
