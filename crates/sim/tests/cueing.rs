//! Cued payloads pointed by the tracker's tracks (`cue_from_tracks = true`), on a
//! variant of `tranche0-quick` whose LEO satellites also carry a narrow LWIR cued payload:
//!
//! * without cueing (and without `[[task]]`s) the cued payload never looks anywhere and
//!   reports nothing;
//! * with cueing it reports, only after the first confirmed track exists (it is pointed
//!   from tracks, never from truth), mostly on the launch's objects, with angle errors
//!   far below the wide-field payload's (its IFOV is finer);
//! * the run stays deterministic across thread counts.

use tl_io::read_run_table;
use tl_io::tables::{DETECTIONS, TRACKS};
use tl_sim::builtin;
use tl_sim::run::{RunOptions, run};
use tl_sim::scenario::{Source, load};

fn variant(cue: bool) -> String {
    let text = builtin::get("tranche0-quick").expect("built-in").text;
    let wide = "[[constellation.payload]]\nname = \"wfov\"\nkind = \"wide-field\"\n";
    assert!(text.contains(wide));
    let cued = format!(
        "{wide}[[constellation.payload]]\nname = \"mfov\"\nkind = \"cued\"\nfov_deg = 1.0\nslew_rate_deg_s = 5.0\nsettle_s = 0.5\ncue_from_tracks = {cue}\n"
    );
    text.replacen(wide, &cued, 1).replace("step_s = 5.0", "step_s = 2.0")
}

struct Out {
    wide_sigma_urad: Vec<f64>,
    cued_sigma_urad: Vec<f64>,
    cued_t_s: Vec<f64>,
    cued_truth: Vec<i64>,
    first_track_t_s: f64,
    bytes: Vec<u8>,
}

fn run_variant(cue: bool, threads: usize) -> Out {
    let p = load(&Source::builtin("cued", &variant(cue))).unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap();
    let mut o = RunOptions::new(dir.path().join("run"));
    o.threads = Some(threads);
    let r = run(&p, &o).unwrap_or_else(|e| panic!("{e}"));
    let d = read_run_table(&r.out_dir, &DETECTIONS).unwrap();
    let (sat, sensor, t) = (d.u32("sat_id").unwrap(), d.u32("sensor_id").unwrap(), d.f64("t_obs_s").unwrap());
    let (cxx, cyy, truth) =
        (d.f64("cov_11_rad2").unwrap(), d.f64("cov_22_rad2").unwrap(), d.i64("truth_id").unwrap());
    let mut out = Out {
        wide_sigma_urad: vec![],
        cued_sigma_urad: vec![],
        cued_t_s: vec![],
        cued_truth: vec![],
        first_track_t_s: f64::INFINITY,
        bytes: std::fs::read(r.out_dir.join("detections.parquet")).unwrap(),
    };
    for i in 0..d.len() {
        // The 8 LEO satellites (ids 0..8) carry wfov (sensor 0) and mfov (sensor 1).
        if sat[i] >= 8 || truth[i] < 0 {
            continue;
        }
        let s = 1e6 * (0.5 * (cxx[i] + cyy[i])).sqrt();
        if sensor[i] == 1 {
            out.cued_sigma_urad.push(s);
            out.cued_t_s.push(t[i]);
            out.cued_truth.push(truth[i]);
        } else {
            out.wide_sigma_urad.push(s);
        }
    }
    let tr = read_run_table(&r.out_dir, &TRACKS).unwrap();
    out.first_track_t_s = tr.f64("t_s").unwrap().iter().copied().fold(f64::INFINITY, f64::min);
    out
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[test]
fn cued_payload_follows_tracks_only_when_cued() {
    let off = run_variant(false, 2);
    assert!(off.cued_sigma_urad.is_empty(), "idle cued payload reported {}", off.cued_sigma_urad.len());
    let on = run_variant(true, 2);
    assert!(on.cued_sigma_urad.len() >= 20, "cued detections: {}", on.cued_sigma_urad.len());
    // Pointed from tracks: nothing before the first track was reported (the cue comes
    // from the previous step's tracks).
    let first_cued = on.cued_t_s.iter().copied().fold(f64::INFINITY, f64::min);
    assert!(
        first_cued > on.first_track_t_s,
        "first cued detection at {first_cued} s, first track at {} s",
        on.first_track_t_s
    );
    // Finer angles: the cued payload's default IFOV is much smaller than the wide
    // field's (docs/models/sensor.md); require a factor of 3 in the median sigma.
    let (mw, mc) = (median(&on.wide_sigma_urad), median(&on.cued_sigma_urad));
    eprintln!(
        "cued: {} detections from {first_cued} s (first track {} s), median sigma {mc:.2} urad; wide: {} detections, {mw:.2} urad; truth ids seen by the cued payload: {:?}",
        on.cued_sigma_urad.len(),
        on.first_track_t_s,
        on.wide_sigma_urad.len(),
        {
            let mut v = on.cued_truth.clone();
            v.sort();
            v.dedup();
            v
        }
    );
    assert!(mc * 3.0 < mw, "median angle sigma: cued {mc:.2} urad, wide {mw:.2} urad");
    // Deterministic across threads.
    let on1 = run_variant(true, 1);
    assert_eq!(on.bytes, on1.bytes, "detections differ between 1 and 2 threads");
}
