//! The run: determinism (bytes, whatever the thread count), atomic folders, cancel, and
//! the satellites table checked against physics.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tl_core::consts::{MU_EARTH_M3_S2, WGS84_A_M};
use tl_io::tables::SATELLITES;
use tl_io::{Format, WriteOptions, read_run_table};
use tl_sim::builtin;
use tl_sim::run::{RunError, RunOptions, run};
use tl_sim::scenario::{Prepared, Source, load, parse, prepare};

fn quick() -> Prepared {
    load(&builtin::get("tranche0-quick").unwrap().source()).unwrap()
}

/// A scenario with many satellites, so the satellites stage needs several blocks.
fn many_sats(format: Format) -> Prepared {
    let text = builtin::get("tranche0-quick")
        .unwrap()
        .text
        .replace("total = 8\nplanes = 2", "total = 1200\nplanes = 24")
        .replace("duration_s = 900.0", "duration_s = 600.0")
        .replace("step_s = 5.0", "step_s = 4.0");
    let src = Source::builtin("many", &text);
    let mut s = parse(&src).unwrap();
    s.output.format = format;
    let p = prepare(s, &src).unwrap();
    assert_eq!(p.satellites.len(), 1201);
    p
}

fn run_to(p: &Prepared, out: &Path, threads: usize, row_group_rows: usize) -> tl_sim::run::RunReport {
    let mut o = RunOptions::new(out);
    o.threads = Some(threads);
    o.write_options = WriteOptions { row_group_rows };
    run(p, &o).unwrap()
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.file_name().unwrap() != "timing.json")
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect();
    v.sort();
    v
}

#[test]
fn same_scenario_and_seed_give_identical_bytes_with_1_or_2_threads() {
    for format in [Format::Parquet, Format::Csv] {
        let p = many_sats(format);
        let base = tempfile::tempdir().unwrap();
        let a = run_to(&p, &base.path().join("a"), 1, 10_000);
        let b = run_to(&p, &base.path().join("b"), 2, 10_000);
        assert_eq!(a.timing.threads, 1);
        assert_eq!(b.timing.threads, 2);
        let (fa, fb) = (files(&a.out_dir), files(&b.out_dir));
        let names: Vec<&str> = fa.iter().map(|(n, _)| n.as_str()).collect();
        let table = format!("satellites.{}", format.extension());
        let truth = format!("truth.{}", format.extension());
        let detections = format!("detections.{}", format.extension());
        let tracks = format!("tracks.{}", format.extension());
        let mut want = vec![
            "scenario.toml",
            table.as_str(),
            "summary.json",
            truth.as_str(),
            detections.as_str(),
            tracks.as_str(),
        ];
        want.sort();
        assert_eq!(names, want);
        assert!(fa == fb, "{format}: outputs differ between 1 and 2 threads");
        assert_eq!(a.summary.tables["satellites"].rows, 1201 * 151);
    }
}

#[test]
fn the_run_folder_reruns_to_the_same_bytes() {
    // A TLE-based scenario: the TLE is copied into the run folder and its path rewritten.
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid/tle_scenario.toml");
    let p = load(&Source::from_file(&fixture).unwrap()).unwrap();
    let base = tempfile::tempdir().unwrap();
    let a = run_to(&p, &base.path().join("a"), 2, 65_536);
    let resolved = a.out_dir.join("scenario.toml");
    let text = std::fs::read_to_string(&resolved).unwrap();
    assert!(text.contains("path = \"inputs/from-tle.tle\""), "{text}");
    assert!(a.out_dir.join("inputs/from-tle.tle").is_file());
    let again = load(&Source::from_file(&resolved).unwrap()).unwrap();
    let b = run_to(&again, &base.path().join("b"), 1, 65_536);
    assert!(files(&a.out_dir) == files(&b.out_dir));
    // Another seed changes the recorded seed (and, once stages draw random numbers, more).
    let mut s = again.scenario.clone();
    s.seed = 99;
    let c = run_to(
        &prepare(s, &Source::from_file(&resolved).unwrap()).unwrap(),
        &base.path().join("c"),
        1,
        65_536,
    );
    assert_eq!(c.summary.seed, 99);
    assert!(std::fs::read_to_string(c.out_dir.join("scenario.toml")).unwrap().contains("seed = 99"));
}

fn leftovers(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect()
}

#[test]
fn a_cancelled_run_leaves_nothing() {
    let p = quick();
    let base = tempfile::tempdir().unwrap();
    let cancel = Arc::new(AtomicBool::new(false));
    let c2 = cancel.clone();
    let progress = move |done: u64, _total: u64| {
        if done == 50 {
            c2.store(true, Ordering::SeqCst);
        }
    };
    let mut o = RunOptions::new(base.path().join("run"));
    o.cancel = Some(cancel);
    o.progress = Some(&progress);
    let e = run(&p, &o).unwrap_err();
    assert!(matches!(e, RunError::Cancelled), "{e}");
    assert!(leftovers(base.path()).is_empty(), "{:?}", leftovers(base.path()));
}

#[test]
fn an_existing_folder_that_is_not_a_run_is_not_clobbered_and_a_run_is_replaced() {
    let p = quick();
    let base = tempfile::tempdir().unwrap();
    let precious = base.path().join("precious");
    std::fs::create_dir(&precious).unwrap();
    std::fs::write(precious.join("notes.txt"), "mine").unwrap();
    let e = run(&p, &RunOptions::new(&precious)).unwrap_err().to_string();
    assert!(e.contains("not a tracklayer run folder"), "{e}");
    assert_eq!(std::fs::read_to_string(precious.join("notes.txt")).unwrap(), "mine");
    assert_eq!(leftovers(base.path()), std::slice::from_ref(&precious));
    // A previous run is replaced whole.
    let out = base.path().join("run");
    run_to(&p, &out, 1, 65_536);
    std::fs::write(out.join("stale.txt"), "from before").unwrap();
    let mut s = p.scenario.clone();
    s.output.format = Format::Csv;
    let p2 = prepare(s, &builtin::get("tranche0-quick").unwrap().source()).unwrap();
    run_to(&p2, &out, 1, 65_536);
    assert!(!out.join("stale.txt").exists() && !out.join("satellites.parquet").exists());
    assert!(out.join("satellites.csv").exists());
}

#[test]
fn sample_every_thins_the_satellites_table() {
    let src = builtin::get("tranche0-quick").unwrap().source();
    let mut s = parse(&src).unwrap();
    s.output.sample_every = 10;
    let p = prepare(s, &src).unwrap();
    let base = tempfile::tempdir().unwrap();
    let r = run_to(&p, &base.path().join("r"), 2, 65_536);
    let t = read_run_table(&r.out_dir, &SATELLITES).unwrap();
    // Steps 0, 10, ..., 180 of 181: 19 sampled steps of 9 satellites.
    assert_eq!(t.len(), 19 * 9);
    assert_eq!(t.f64("t_s").unwrap()[9], 50.0);
}

/// Physics of the satellites table against closed forms and finite differences.
#[test]
fn satellites_table_matches_orbital_physics() {
    let p = quick();
    let base = tempfile::tempdir().unwrap();
    let r = run_to(&p, &base.path().join("r"), 2, 1000);
    let t = read_run_table(&r.out_dir, &SATELLITES).unwrap();
    let n_sat = 9;
    assert_eq!(t.len() as u64, p.steps * n_sat as u64);
    let col = |n: &str| t.f64(n).unwrap();
    let (ts, id) = (col("t_s"), t.u32("sat_id").unwrap());
    let v3 = |a: &str, b: &str, c: &str, i: usize| tl_core::Vec3::new(col(a)[i], col(b)[i], col(c)[i]);
    let names = t.str("constellation").unwrap();
    let step = p.scenario.step_s;
    let mut geo_rows = 0;
    for i in 0..t.len() {
        // Sorted by time, then satellite id.
        assert_eq!(id[i] as usize, i % n_sat);
        assert_eq!(ts[i], (i / n_sat) as f64 * step);
        let r = v3("pos_eci_x_m", "pos_eci_y_m", "pos_eci_z_m", i);
        let v = v3("vel_eci_x_m_s", "vel_eci_y_m_s", "vel_eci_z_m_s", i);
        let rf = v3("pos_ecef_x_m", "pos_ecef_y_m", "pos_ecef_z_m", i);
        let vf = v3("vel_ecef_x_m_s", "vel_ecef_y_m_s", "vel_ecef_z_m_s", i);
        // The ECI -> ECEF rotation keeps lengths and the z axis.
        assert!((rf.norm() - r.norm()).abs() < 1e-6 * r.norm());
        assert!((rf.z - r.z).abs() < 1e-6);
        // Longitude is atan2(y, x) of the ECEF position (independent of the geodetic code).
        let lon = rf.y.atan2(rf.x).to_degrees();
        assert!((col("lon_deg")[i] - lon).abs() < 1e-9);
        if names[i] == "tracking-t0" {
            // Circular 1,000 km orbit (mean elements, J2 secular): radius a, and speed
            // sqrt(mu / a) (vis-viva, e = 0) within the J2 secular rate corrections,
            // of order 1.5 J2 (R/a)^2 = 1.3e-3.
            let a = WGS84_A_M + 1_000e3;
            assert!((r.norm() - a).abs() < 1.0, "{}", r.norm() - a);
            let rel = v.norm() / (MU_EARTH_M3_S2 / a).sqrt() - 1.0;
            assert!(rel.abs() < 3e-3, "{rel}");
            // Height above the ellipsoid: 1,000 km at the equator, up to f a = 21 km more
            // towards the poles.
            let h = col("alt_m")[i];
            assert!((999.0e3..1_022.0e3).contains(&h), "{h}");
        } else {
            // Geostationary at 140 deg E: fixed over the ground (ECEF velocity below 1 m/s,
            // longitude within 0.001 deg). Radius: with mean elements under secular J2 the
            // angular rate is n (1 + 3 k), k = J2 (R/a)^2, so a = a_K (1 + 3 k)^(2/3) with
            // a_K = (mu / w^2)^(1/3) = 42,164 km: about 2.1 km above the Kepler radius.
            geo_rows += 1;
            assert!((lon - 140.0).abs() < 1e-3, "{lon}");
            assert!(vf.norm() < 1.0, "{}", vf.norm());
            assert!(col("lat_deg")[i].abs() < 1e-6);
            let w = p.earth.rate_rad_s();
            let a_k = (MU_EARTH_M3_S2 / (w * w)).cbrt();
            let k = tl_core::consts::J2 * (WGS84_A_M / a_k).powi(2);
            let a = a_k * (1.0 + 3.0 * k).powf(2.0 / 3.0);
            assert!((r.norm() - a).abs() < 50.0, "{}", r.norm() - a);
            assert!((col("alt_m")[i] - (a - WGS84_A_M)).abs() < 50.0, "{}", col("alt_m")[i]);
        }
    }
    assert_eq!(geo_rows, p.steps as usize);
    // Velocities are the time derivatives of positions, in both frames: central
    // differences over +/- 5 s agree to < 1e-3 relative (truncation error ~ (w dt)^2 / 6).
    for i in n_sat..t.len() - n_sat {
        let d = |a: &str, b: &str, c: &str| (v3(a, b, c, i + n_sat) - v3(a, b, c, i - n_sat)) / (2.0 * step);
        let v = v3("vel_eci_x_m_s", "vel_eci_y_m_s", "vel_eci_z_m_s", i);
        let vf = v3("vel_ecef_x_m_s", "vel_ecef_y_m_s", "vel_ecef_z_m_s", i);
        let dv = d("pos_eci_x_m", "pos_eci_y_m", "pos_eci_z_m") - v;
        let dvf = d("pos_ecef_x_m", "pos_ecef_y_m", "pos_ecef_z_m") - vf;
        assert!(dv.norm() < 1e-3 * v.norm().max(1.0) + 0.05, "eci {i}: {}", dv.norm());
        assert!(dvf.norm() < 1e-3 * v.norm().max(1.0) + 0.05, "ecef {i}: {}", dvf.norm());
    }
}

/// The threat stage: truth rows match the threat crate's flights (objects from lift-off,
/// separation or release to impact or burn-up).
#[test]
fn truth_table_follows_the_flights_and_kills_end_objects() {
    let p = quick();
    assert_eq!(p.flights.len(), p.scenario.launches.len());
    assert!(!p.flights.is_empty());
    let base = tempfile::tempdir().unwrap();
    let a = run_to(&p, &base.path().join("a"), 2, 65_536);
    let rows = a.summary.tables["truth"].rows;
    // Expected row count from the flights themselves: objects existing at sampled steps.
    let every = u64::from(p.scenario.output.sample_every);
    let mut want = 0u64;
    for k in (0..p.steps).filter(|k| k % every == 0) {
        let t = p.t_s(k);
        want += p.flights.iter().flat_map(|f| &f.objects).filter(|o| o.exists_at(t)).count() as u64;
    }
    assert_eq!(rows, want);
    assert!(rows > 0);
}
