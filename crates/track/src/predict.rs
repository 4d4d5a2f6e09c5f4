//! Forward prediction of a track estimate along one motion model, with its uncertainty:
//! what a consumer of tracks (fire control) needs to plan on a track's expected path.
//!
//! [`predict_states`] steps a [`Gaussian`] estimate through a list of increasing times
//! with the filter's own prediction ([`crate::filter::predict`], EKF form: `x' = f(x)`,
//! `P' = Phi P Phi^T + Q` with the model's process noise), so the spread it reports is
//! the one the tracker itself would carry if no detection came in. Each output state
//! carries the position and velocity and the largest position standard deviation
//! (square root of the largest eigenvalue of the 3x3 position covariance).
//!
//! The boost model (`ModelKind::Boost`) extrapolates the current thrust acceleration
//! with the saturating rocket-equation trend `da/dt = a^2 / v_e (1 - a / a_max)`
//! ([`crate::motion::thrust_trend`]) and knows nothing of staging: a prediction across a
//! stage change drifts, and its covariance (the thrust random walk) is what says how far.
//! [`predict_boost_states`] predicts with a lower saturation `a_max` of the caller's
//! choosing (fire control plans on a boost-average thrust, not the tracker's upper
//! bound). Use [`crate::space::SpaceTracker::mode_estimate`] to start from a track's
//! boost-mode estimate.

use crate::filter::{FilterKind, Gaussian, predict};
use crate::motion::{ModelKind, MotionParams};
use nalgebra::Vector3;
use tl_core::check::{FieldError, fmt_f64};

/// One predicted state.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PredictedState {
    /// Time, s since the epoch.
    pub t_s: f64,
    /// Predicted position, ECI (TEME), m.
    pub pos_eci_m: Vector3<f64>,
    /// Predicted velocity, ECI, m/s.
    pub vel_eci_m_s: Vector3<f64>,
    /// Predicted thrust acceleration (state element 6), m/s^2.
    pub thrust_m_s2: f64,
    /// Largest position standard deviation, m.
    pub pos_sigma_max_m: f64,
}

/// Largest position standard deviation of an estimate, m.
pub fn pos_sigma_max_m(g: &Gaussian) -> f64 {
    let pc = g.p.fixed_view::<3, 3>(0, 0).into_owned();
    crate::linalg::largest_eigenvalue_sym3(&pc).max(0.0).sqrt()
}

/// Predict estimate `g` (valid at `t0_s`) with motion model `kind` to each of `times_s`
/// (increasing, none before `t0_s`). Fails, naming the input, on a time out of order or
/// a prediction that loses positive definiteness or finiteness.
///
/// ```
/// use tl_track::filter::Gaussian;
/// use tl_track::motion::{ModelKind, MotionParams, StateCov, StateVec};
/// use tl_track::predict::predict_states;
/// let mut x = StateVec::zeros();
/// x[0] = 7.0e6;
/// x[4] = 7_500.0;
/// let g = Gaussian { x, p: StateCov::identity() * 100.0 };
/// let out = predict_states(&g, 0.0, ModelKind::Ncv, &MotionParams::default(), &[0.0, 10.0]).unwrap();
/// assert_eq!(out[1].pos_eci_m.y, 75_000.0);
/// assert!(out[1].pos_sigma_max_m > out[0].pos_sigma_max_m);
/// ```
pub fn predict_states(
    g: &Gaussian,
    t0_s: f64,
    kind: ModelKind,
    params: &MotionParams,
    times_s: &[f64],
) -> Result<Vec<PredictedState>, FieldError> {
    let mut out = Vec::with_capacity(times_s.len());
    let mut cur = *g;
    let mut t = t0_s;
    for (i, &ti) in times_s.iter().enumerate() {
        if ti.is_nan() || ti < t {
            return Err(FieldError::new(
                format!("times_s[{i}]"),
                fmt_f64(ti),
                format!(">= {} (increasing, from the estimate's time)", fmt_f64(t)),
            ));
        }
        cur = predict(FilterKind::Ekf, kind, &cur, ti - t, params).map_err(|e| {
            FieldError::new(
                format!("times_s[{i}]"),
                fmt_f64(ti),
                format!("a time the prediction reaches ({e})"),
            )
        })?;
        t = ti;
        out.push(PredictedState {
            t_s: ti,
            pos_eci_m: Vector3::new(cur.x[0], cur.x[1], cur.x[2]),
            vel_eci_m_s: Vector3::new(cur.x[3], cur.x[4], cur.x[5]),
            thrust_m_s2: cur.x[crate::motion::IX_THRUST],
            pos_sigma_max_m: pos_sigma_max_m(&cur),
        });
    }
    Ok(out)
}

/// [`predict_states`] with the boost model and its thrust saturation lowered to
/// `max_thrust_m_s2` (never raised above `params.max_thrust_m_s2`): the thrust follows
/// the trend `da/dt = a^2 / v_e (1 - a / max_thrust_m_s2)` and tends to the cap without
/// crossing it; an estimate already above the cap starts at the cap. The process noise
/// (the thrust random walk) is the tracker's, so the uncertainty keeps growing.
///
/// ```
/// use tl_track::filter::Gaussian;
/// use tl_track::motion::{MotionParams, StateCov, StateVec};
/// use tl_track::predict::predict_boost_states;
/// let mut x = StateVec::zeros();
/// x[0] = 6.5e6;
/// x[3] = 2_000.0;
/// x[6] = 40.0;
/// let g = Gaussian { x, p: StateCov::identity() };
/// let out = predict_boost_states(&g, 0.0, &MotionParams::default(), &[30.0, 600.0], 80.0).unwrap();
/// assert!(out[0].thrust_m_s2 > 40.0 && out[0].thrust_m_s2 < 80.0);
/// assert!(out[1].thrust_m_s2 > 79.0 && out[1].thrust_m_s2 <= 80.0);
/// ```
pub fn predict_boost_states(
    g: &Gaussian,
    t0_s: f64,
    params: &MotionParams,
    times_s: &[f64],
    max_thrust_m_s2: f64,
) -> Result<Vec<PredictedState>, FieldError> {
    if max_thrust_m_s2.is_nan() || max_thrust_m_s2 <= 0.0 {
        return Err(FieldError::new("max_thrust_m_s2", fmt_f64(max_thrust_m_s2), "a finite number > 0"));
    }
    let p = MotionParams { max_thrust_m_s2: max_thrust_m_s2.min(params.max_thrust_m_s2), ..params.clone() };
    let mut start = *g;
    let ix = crate::motion::IX_THRUST;
    start.x[ix] = start.x[ix].min(p.max_thrust_m_s2);
    predict_states(&start, t0_s, ModelKind::Boost, &p, times_s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::motion::{StateCov, StateVec, propagate};

    /// NCV: position variance of one axis grows as sp^2 + sv^2 t^2 + q t^3 / 3 (the
    /// closed form of a white-noise acceleration model from independent position and
    /// velocity errors).
    #[test]
    fn ncv_spread_matches_the_closed_form() {
        let (sp, sv) = (50.0, 3.0);
        let params = MotionParams::default();
        let q = params.q_acc_ncv_m2_s3;
        let mut p = StateCov::identity() * 1e-6;
        for i in 0..3 {
            p[(i, i)] = sp * sp;
            p[(i + 3, i + 3)] = sv * sv;
        }
        let x = StateVec::from_column_slice(&[7.0e6, 0.0, 0.0, 0.0, 7_000.0, 1_000.0, 0.0, 0.0]);
        let g = Gaussian { x, p };
        let times: Vec<f64> = (0..=12).map(|k| 10.0 * k as f64).collect();
        let out = predict_states(&g, 0.0, ModelKind::Ncv, &params, &times).unwrap();
        for s in &out {
            let t = s.t_s;
            let want = (sp * sp + sv * sv * t * t + q * t.powi(3) / 3.0).sqrt();
            assert!((s.pos_sigma_max_m - want).abs() < 1e-6 * want, "t {t}: {} vs {want}", s.pos_sigma_max_m);
            assert!((s.pos_eci_m - Vector3::new(7.0e6, 7_000.0 * t, 1_000.0 * t)).norm() < 1e-6);
        }
    }

    /// Ballistic: the mean follows the model's own propagation over the whole span,
    /// whatever the intermediate times.
    #[test]
    fn mean_is_the_model_propagation() {
        let params = MotionParams::default();
        let x = StateVec::from_column_slice(&[6.9e6, 1.0e5, 2.0e5, -500.0, 6_000.0, 3_000.0, 0.0, 0.0]);
        let g = Gaussian { x, p: StateCov::identity() };
        let out = predict_states(&g, 100.0, ModelKind::Ballistic, &params, &[103.0, 150.0, 220.0]).unwrap();
        let direct = propagate(ModelKind::Ballistic, &x, 120.0, &params);
        let d = out[2].pos_eci_m - Vector3::new(direct[0], direct[1], direct[2]);
        assert!(d.norm() < 1e-3, "{}", d.norm());
    }

    /// Thrust follows the closed form of the saturating trend up to the cap: with
    /// `k = 1/cap`, `t(a) = v_e [1/a0 - 1/a + k ln(a (1 - k a0) / (a0 (1 - k a)))]`
    /// (partial fractions of `v_e da / (a^2 (1 - k a))`); it never crosses the cap and the
    /// covariance stays finite over a long prediction.
    #[test]
    fn capped_boost_follows_the_saturating_trend() {
        let params = MotionParams::default();
        let ve = params.exhaust_velocity_m_s;
        let mut x = StateVec::zeros();
        x[0] = tl_core::consts::WGS84_A_M + 50e3;
        x[3] = 1_500.0;
        x[5] = 1_500.0;
        x[6] = 30.0;
        let g = Gaussian { x, p: StateCov::identity() };
        let cap = 90.0;
        let k = 1.0 / cap;
        let times: Vec<f64> = (1..=40).map(|n| 5.0 * n as f64).collect();
        let out = predict_boost_states(&g, 0.0, &params, &times, cap).unwrap();
        for s in &out {
            let a = s.thrust_m_s2;
            assert!(a > 30.0 && a < cap, "t {}: {a}", s.t_s);
            let t_closed =
                ve * (1.0 / 30.0 - 1.0 / a + k * (a * (1.0 - k * 30.0) / (30.0 * (1.0 - k * a))).ln());
            // Where the thrust is within 1e-6 of the cap the inverse is ill-conditioned.
            if cap - a > 1e-3 {
                assert!((t_closed - s.t_s).abs() < 0.05, "t {}: closed form gives {t_closed}", s.t_s);
            }
            assert!(s.pos_sigma_max_m.is_finite());
        }
        // An estimate above the cap starts at the cap; a bad cap is refused.
        let mut hot = g;
        hot.x[6] = 200.0;
        let out = predict_boost_states(&hot, 0.0, &params, &[1.0], cap).unwrap();
        assert!(out[0].thrust_m_s2 <= cap);
        assert!(predict_boost_states(&g, 0.0, &params, &times, 0.0).is_err());
    }

    #[test]
    fn times_out_of_order_are_refused() {
        let g = Gaussian { x: StateVec::zeros(), p: StateCov::identity() };
        let e =
            predict_states(&g, 10.0, ModelKind::Ncv, &MotionParams::default(), &[12.0, 11.0]).unwrap_err();
        assert_eq!(e.field, "times_s[1]");
        let e = predict_states(&g, 10.0, ModelKind::Ncv, &MotionParams::default(), &[9.0]).unwrap_err();
        assert_eq!(e.field, "times_s[0]");
    }
}
