//! `tracklayer track`: Cartesian mode end to end, and clear errors on bad input.

use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tracklayer"))
}

#[test]
fn cartesian_mode_tracks_and_scores() {
    let dir = tempfile::tempdir().unwrap();
    // Two targets moving along x and y at 100 m/s, 1 s scans, noise-free.
    let mut m = String::from("time,truth_id,x,y,z\n");
    let mut t = String::from("time,truth_id,x,y,z,vx,vy,vz\n");
    for k in 0..20 {
        let s = k as f64;
        m.push_str(&format!("{s},0,{},0,0\n{s},1,0,{},5000\n", 100.0 * s, 100.0 * s));
        t.push_str(&format!("{s},0,{},0,0,100,0,0\n{s},1,0,{},5000,0,100,0\n", 100.0 * s, 100.0 * s));
    }
    std::fs::write(dir.path().join("measurements.csv"), m).unwrap();
    std::fs::write(dir.path().join("truth.csv"), t).unwrap();
    let out = dir.path().join("out");
    let o = bin()
        .args(["track", "--format", "cartesian", "--input"])
        .arg(dir.path().join("measurements.csv"))
        .arg("--truth")
        .arg(dir.path().join("truth.csv"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let tracks = std::fs::read_to_string(out.join("tracks.csv")).unwrap();
    assert!(tracks.starts_with("time,track_id,x,y,z,vx,vy,vz,is_update\n"));
    let ids: std::collections::BTreeSet<&str> =
        tracks.lines().skip(1).map(|l| l.split(',').nth(1).unwrap()).collect();
    assert_eq!(ids.len(), 2);
    let res: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("result.json")).unwrap()).unwrap();
    // Default sigma (20 m) on noise-free data: the filtered error is well below the cut-off.
    assert!(res["mean_ospa"].as_f64().unwrap() < 10.0, "{res}");
}

#[test]
fn bad_inputs_give_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [("empty.csv", "", "empty file"), ("nocol.csv", "time,x,y\n0,1,2\n", "missing column `z`")];
    for (name, text, expect) in cases {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        let o = bin()
            .args(["track", "--format", "cartesian", "--input"])
            .arg(&p)
            .arg("--out")
            .arg(dir.path().join(format!("out_{name}")))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && err.contains(expect) && !err.contains("panicked"), "{name}: {err}");
        assert!(!dir.path().join(format!("out_{name}")).exists(), "no partial output");
    }
    // NaN rows are rejected and counted, not fatal; times out of order are regrouped.
    let p = dir.path().join("m.csv");
    std::fs::write(&p, "time,x,y,z\n1,0,0,0\n0,0,0,0\n1,nan,0,0\n").unwrap();
    let out = dir.path().join("o");
    let o = bin()
        .args(["track", "--format", "cartesian", "--input"])
        .arg(&p)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success());
    let res: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("result.json")).unwrap()).unwrap();
    assert_eq!(res["rows_rejected"], 1);
    assert_eq!(res["rows_out_of_order"], 1);
    // A bad tracker configuration names the field.
    let cfgp = dir.path().join("c.toml");
    std::fs::write(&cfgp, "[cartesian]\ngate = -1.0\n").unwrap();
    let o = bin()
        .args(["track", "--format", "cartesian", "--input"])
        .arg(&p)
        .arg("--config")
        .arg(&cfgp)
        .arg("--out")
        .arg(dir.path().join("o2"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains("cartesian.gate"), "{err}");
}
