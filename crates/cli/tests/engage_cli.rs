//! `tracklayer laser` and `tracklayer study sizing` end to end: figures and bad inputs.

use std::process::{Command, Output, Stdio};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tracklayer")).args(args).stdin(Stdio::null()).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn laser_prints_the_closed_forms() {
    let o = run(&[
        "laser",
        "--power-mw",
        "1",
        "--wavelength-um",
        "1",
        "--aperture-m",
        "1",
        "--range-km",
        "1000",
        "--fluence-kj-cm2",
        "1",
        "--time-s",
        "100",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    // 1.22 lambda R / D = 1.220 m; 0.8378 P / (pi r^2) = 17.93 W/cm^2; dwell 55.78 s.
    assert!(out.contains("1.220 m"), "{out}");
    assert!(out.contains("0.0179 kW/cm^2"), "{out}");
    assert!(out.contains("55.783 s"), "{out}");
}

#[test]
fn laser_bad_inputs_name_the_flag() {
    for (flag, value) in
        [("--power-mw", "0"), ("--power-mw", "-2"), ("--aperture-m", "0"), ("--aperture-m", "-1")]
    {
        let mut args = vec![
            "laser",
            "--power-mw",
            "1",
            "--wavelength-um",
            "1",
            "--aperture-m",
            "1",
            "--range-km",
            "1000",
            "--fluence-kj-cm2",
            "1",
        ];
        let i = args.iter().position(|a| *a == flag).unwrap();
        args[i + 1] = value;
        let o = run(&args);
        assert_eq!(o.status.code(), Some(1));
        let e = text(&o.stderr);
        assert!(e.contains(&format!("error: {flag} = {value}: must be a finite number > 0")), "{e}");
    }
}

fn sizing(extra: &[&str]) -> Output {
    let dir = std::env::temp_dir().join(format!("tl-sizing-{}", std::process::id()));
    let mut args = vec![
        "study",
        "sizing",
        "--weapon",
        "sbi",
        "--missile",
        "icbm-solid-3",
        "--site",
        "40,127.5",
        "--aim",
        "39.7,-105",
        "--altitude-km",
        "300",
        "--inclination-deg",
        "45",
        "--trials",
        "50",
        "--sweep",
        "3",
    ];
    let out = dir.to_string_lossy().into_owned();
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--out", &out]);
    let o = run(&args);
    let _ = std::fs::remove_dir_all(&dir);
    o
}

#[test]
fn sizing_bad_inputs_give_clear_errors() {
    let o = sizing(&["--salvo", "0"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("error: --salvo = 0: must be at least 1 missile"),
        "{}",
        text(&o.stderr)
    );
    for c in ["1", "1.5"] {
        let o = sizing(&["--salvo", "1", "--confidence", c]);
        assert_eq!(o.status.code(), Some(1));
        let e = text(&o.stderr);
        assert!(e.contains(&format!("error: --confidence = {c}: must be within (0, 1), exclusive")), "{e}");
    }
    let o = sizing(&["--salvo", "1", "--delta-v-km-s", "0"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("--delta-v-km-s = 0"), "{}", text(&o.stderr));
}

#[test]
fn sizing_runs_and_reports_the_absentee_ratio() {
    let o = sizing(&["--salvo", "1"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("absentee ratio: Monte Carlo"), "{out}");
    assert!(out.contains("wrote "), "{out}");
}
