//! `tracklayer coverage` end to end: figures, map file, bad inputs.

use std::process::{Command, Output, Stdio};

fn run(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tracklayer"))
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn coverage_prints_fractions_and_writes_the_map() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        dir.path(),
        &[
            "coverage",
            "tranche0-quick",
            "--region",
            "35,120,45,135",
            "--step-s",
            "300",
            "--grid-deg",
            "5",
            "--json",
            "--map",
            "m.svg",
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["satellites_with_wide_field_payloads"], 9);
    assert_eq!(v["steps"], 4);
    let g = &v["global"];
    let (f1, f2) = (g["mean_fraction_seen_1"].as_f64().unwrap(), g["mean_fraction_seen_2"].as_f64().unwrap());
    // One GEO satellite alone sees ~40 % of the globe at 15 km (42.4 % to the geometric
    // horizon); eight LEO satellites add at most 8 x 6.7 %.
    assert!(f1 > 0.40 && f1 < 0.40 + 8.0 * 0.067, "{f1}");
    assert!(f2 <= f1);
    assert!(
        v["region"]["mean_fraction_seen_1"].as_f64().unwrap() > 0.99,
        "the GEO satellite at 140 E sees Korea"
    );
    let svg = std::fs::read_to_string(dir.path().join("m.svg")).unwrap();
    assert!(svg.starts_with("<svg") || svg.starts_with("<?xml"), "{}", &svg[..40]);
    // text output and PNG
    let o = run(dir.path(), &["coverage", "tranche0-quick", "--step-s", "300", "--grid-deg", "5"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("seen by >= 2 satellites"));
    let png = std::fs::read(dir.path().join("coverage.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
}

#[test]
fn coverage_bad_inputs_name_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    for (args, want) in [
        (vec!["--grid-deg", "7"], "--grid-deg = 7: must divide 180"),
        (vec!["--map", "x.jpg"], "--map = x.jpg: must end in .png or .svg"),
        (vec!["--altitude-km", "-5"], "--altitude-km = -5: must be within -0.5..=1000"),
        (vec!["--step-s", "0"], "--step-s = 0: must be a finite number > 0"),
        (vec!["--region", "95,0,0,10"], "region.lat1_deg = 95: must be within -90..=90"),
    ] {
        let mut a = vec!["coverage", "tranche0-quick"];
        a.extend(args.iter().copied());
        let o = run(dir.path(), &a);
        assert!(!o.status.success(), "{a:?}");
        let err = text(&o.stderr);
        assert!(err.contains(want), "{a:?}: {err}");
    }
    assert!(!dir.path().join("coverage.png").exists(), "no partial output");
}
