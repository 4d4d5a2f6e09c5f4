//! Prediction of a boosting track (`SpaceTracker::mode_estimate` + `predict::predict_states`)
//! against the synthetic truth: the predicted position stays within the predicted
//! uncertainty while the stage keeps burning, which is what fire control plans on.
mod common;
use common::*;
use tl_core::frames::EarthRotation;
use tl_track::motion::{ModelKind, MotionParams};
use tl_track::predict::predict_states;
use tl_track::space::{SpaceConfig, SpaceTracker};

#[test]
fn boost_prediction_stays_within_its_uncertainty_before_staging() {
    // Stage 1 of the test missile burns until 80 s; tracks are fed until 45 s.
    let (truth, sats) = default_scene();
    let t_cut = 45.0;
    let dets = observe(&truth, &sats, &ObsConfig { t_end_s: t_cut, ..Default::default() }, 5, 0);
    let earth = EarthRotation::with_angle(0.0, tl_core::consts::OMEGA_EARTH_RAD_S);
    let mut trk = SpaceTracker::new(SpaceConfig::default(), earth).unwrap();
    let mut out = Vec::new();
    for d in &dets {
        trk.push(d);
        trk.advance(d.t_arrival_s, &mut out);
    }
    trk.flush(&mut out);
    assert!(trk.mode_estimate(99, ModelKind::Boost).is_none(), "unknown track");
    assert!(trk.mode_estimate(0, ModelKind::Ncv).is_none(), "the default IMM has no NCV mode");
    let (t0, p_boost, g) = trk.mode_estimate(0, ModelKind::Boost).expect("track 0 is confirmed");
    // The last filter time trails the last detection by up to the reorder window (5 s).
    assert!(p_boost > 0.5 && t0 > t_cut - 6.0 && t0 <= t_cut, "t0 {t0}, P(boost) {p_boost}");
    let times: Vec<f64> = (1..=6).map(|k| t0 + 5.0 * k as f64).collect();
    let pred = predict_states(&g, t0, ModelKind::Boost, &MotionParams::default(), &times).unwrap();
    let mut prev_sigma = 0.0;
    for s in &pred {
        let (r, _) = truth.at(s.t_s);
        let err = (s.pos_eci_m - r).norm();
        println!("t {:.1}: error {:.0} m, sigma_max {:.0} m", s.t_s, err, s.pos_sigma_max_m);
        // 3-D error against the largest 1-sigma axis: 3.4 sigma bounds a 3-D Gaussian
        // error norm at 99 % whatever the axes (chi-square, 3 dof).
        assert!(err < 3.4 * s.pos_sigma_max_m, "t {}: {err} m vs sigma {}", s.t_s, s.pos_sigma_max_m);
        assert!(s.pos_sigma_max_m > prev_sigma, "uncertainty grows with the horizon");
        prev_sigma = s.pos_sigma_max_m;
    }
}
