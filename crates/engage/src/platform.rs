//! Where a weapon is: anything that gives an ECI state at a time.
//!
//! In the run, weapons ride on the scenario's satellites (`tl_orbit::Satellite`, wrapped
//! by the caller). Sizing studies use [`CircularOrbit`], a closed-form two-body circular
//! orbit that is cheap enough to evaluate millions of times. Over an engagement of a few
//! minutes, J2 moves a LEO satellite's node by ~0.001 deg and its along-track position by
//! a few hundred metres relative to two-body motion: negligible against reach distances
//! of hundreds of kilometres (and the random constellation phase absorbs the secular
//! drift between trials).

use nalgebra::Vector3;
use tl_core::consts::MU_EARTH_M3_S2;

/// A weapon carrier: ECI (TEME) position (m) and velocity (m/s) at `t_s`.
pub trait Platform: Sync {
    /// State at `t_s` (same time origin as the target paths it is used with).
    fn state_eci(&self, t_s: f64) -> (Vector3<f64>, Vector3<f64>);
}

/// A circular two-body orbit: radius, inclination, node, and argument of latitude at
/// `t_s = 0`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CircularOrbit {
    /// Orbit radius, m.
    pub radius_m: f64,
    /// Mean motion sqrt(mu / r^3), rad/s.
    pub mean_motion_rad_s: f64,
    /// Argument of latitude at t = 0, rad.
    pub u0_rad: f64,
    /// Unit vector to the ascending node (ECI).
    pub node_eci: Vector3<f64>,
    /// In-plane unit vector 90 deg ahead of the node (ECI).
    pub ahead_eci: Vector3<f64>,
}

impl CircularOrbit {
    /// The orbit of radius `radius_m`, inclination `incl_rad`, node `raan_rad`, with the
    /// satellite at argument of latitude `u0_rad` at t = 0.
    ///
    /// ```
    /// let o = tl_engage::platform::CircularOrbit::new(7.0e6, 0.9, 0.3, 1.0);
    /// use tl_engage::platform::Platform;
    /// let (r, v) = o.state_eci(100.0);
    /// assert!((r.norm() - 7.0e6).abs() < 1e-6 && r.dot(&v).abs() < 1e-3);
    /// ```
    pub fn new(radius_m: f64, incl_rad: f64, raan_rad: f64, u0_rad: f64) -> Self {
        let (so, co) = raan_rad.sin_cos();
        let (si, ci) = incl_rad.sin_cos();
        Self {
            radius_m,
            mean_motion_rad_s: (MU_EARTH_M3_S2 / radius_m.powi(3)).sqrt(),
            u0_rad,
            node_eci: Vector3::new(co, so, 0.0),
            ahead_eci: Vector3::new(-so * ci, co * ci, si),
        }
    }

    /// Orbital speed, m/s.
    pub fn speed_m_s(&self) -> f64 {
        self.radius_m * self.mean_motion_rad_s
    }

    /// Position at `t_s`, m.
    #[inline]
    pub fn pos_eci(&self, t_s: f64) -> Vector3<f64> {
        let (s, c) = (self.u0_rad + self.mean_motion_rad_s * t_s).sin_cos();
        (self.node_eci * c + self.ahead_eci * s) * self.radius_m
    }
}

impl Platform for CircularOrbit {
    #[inline]
    fn state_eci(&self, t_s: f64) -> (Vector3<f64>, Vector3<f64>) {
        let (s, c) = (self.u0_rad + self.mean_motion_rad_s * t_s).sin_cos();
        let r = (self.node_eci * c + self.ahead_eci * s) * self.radius_m;
        let v = (self.ahead_eci * c - self.node_eci * s) * self.speed_m_s();
        (r, v)
    }
}

/// A fixed point in ECI (tests and ground-based studies over short times).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FixedPoint(pub Vector3<f64>);

impl Platform for FixedPoint {
    fn state_eci(&self, _t_s: f64) -> (Vector3<f64>, Vector3<f64>) {
        (self.0, Vector3::zeros())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tl_orbit::kepler::KeplerElements;

    #[test]
    fn matches_tl_orbit_two_body() {
        // Independent implementation: tl-orbit's Kepler elements (e = 0, argp = 0, so the
        // mean anomaly is the argument of latitude).
        let (a, i, raan, u0) = (6_678_137.0, 0.785, 2.1, 0.4);
        let c = CircularOrbit::new(a, i, raan, u0);
        for t in [0.0, 37.5, 600.0, 5_400.0] {
            let el = KeplerElements {
                a_m: a,
                e: 0.0,
                i_rad: i,
                raan_rad: raan,
                argp_rad: 0.0,
                mean_anomaly_rad: u0,
            };
            let n = el.mean_motion_rad_s();
            let (r, v) = KeplerElements { mean_anomaly_rad: u0 + n * t, ..el }.to_state();
            let (rc, vc) = c.state_eci(t);
            assert!((r - rc).norm() < 1e-4, "t {t}: {}", (r - rc).norm());
            assert!((v - vc).norm() < 1e-7);
        }
    }
}
