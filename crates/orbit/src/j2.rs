//! Analytic secular J2 drift of mean elements.
//!
//! First-order secular rates (Vallado, 4th ed., eq. 9-41; Kaula 1966), with
//! `p = a (1 - e^2)`, `n = sqrt(mu / a^3)` and reference radius `R` = WGS84 a:
//!
//! * node:      dRAAN/dt = -3/2 n J2 (R/p)^2 cos i
//! * perigee:   dargp/dt =  3/4 n J2 (R/p)^2 (5 cos^2 i - 1)
//! * anomaly:   dM/dt    =  n [1 + 3/4 J2 (R/p)^2 sqrt(1 - e^2) (3 cos^2 i - 1)]
//!
//! The elements are *mean* elements: short-period J2 oscillations (a few km in LEO) are
//! not modelled. This is the "J2 propagator" of commercial tools.

use crate::kepler::KeplerElements;
use nalgebra::Vector3;
use tl_core::consts::{J2, WGS84_A_M};

/// Secular rates `(dRAAN/dt, dargp/dt, dM/dt)` in rad/s for mean elements `el`.
///
/// ```
/// use tl_orbit::{kepler::KeplerElements, j2::secular_rates};
/// // A sun-synchronous orbit at 800 km needs i ~ 98.6 deg: the node advances 360 deg
/// // per tropical year (0.9856 deg/day).
/// let el = KeplerElements { a_m: 6_378_137.0 + 800e3, e: 0.0, i_rad: 98.6f64.to_radians(),
///     raan_rad: 0.0, argp_rad: 0.0, mean_anomaly_rad: 0.0 };
/// let (draan, _, _) = secular_rates(&el);
/// assert!((draan.to_degrees() * 86_400.0 - 0.9856).abs() < 0.01);
/// ```
pub fn secular_rates(el: &KeplerElements) -> (f64, f64, f64) {
    let n = el.mean_motion_rad_s();
    let p = el.a_m * (1.0 - el.e * el.e);
    let k = J2 * (WGS84_A_M / p).powi(2);
    let ci = el.i_rad.cos();
    let draan = -1.5 * n * k * ci;
    let dargp = 0.75 * n * k * (5.0 * ci * ci - 1.0);
    let dm = n * (1.0 + 0.75 * k * (1.0 - el.e * el.e).sqrt() * (3.0 * ci * ci - 1.0));
    (draan, dargp, dm)
}

/// Mean elements at reference time 0, drifted secularly by J2 to any time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct J2Secular {
    el0: KeplerElements,
    rates: (f64, f64, f64),
}

impl J2Secular {
    /// A propagator from mean elements at t = 0.
    pub fn new(el0: KeplerElements) -> Self {
        Self { el0, rates: secular_rates(&el0) }
    }

    /// Elements at `t_s`.
    pub fn elements_at(&self, t_s: f64) -> KeplerElements {
        let (dr, dw, dm) = self.rates;
        KeplerElements {
            raan_rad: self.el0.raan_rad + dr * t_s,
            argp_rad: self.el0.argp_rad + dw * t_s,
            mean_anomaly_rad: self.el0.mean_anomaly_rad + dm * t_s,
            ..self.el0
        }
    }

    /// ECI position (m) and velocity (m/s) at `t_s`. The velocity is the exact time
    /// derivative of the position model: the two-body velocity scaled by dM/dt / n, plus the
    /// rotations of the node (about z) and of the perigee (about the orbit normal).
    pub fn state_eci(&self, t_s: f64) -> (Vector3<f64>, Vector3<f64>) {
        let el = self.elements_at(t_s);
        let (r, v2b) = el.to_state();
        let (dr, dw, dm) = self.rates;
        let h = r.cross(&v2b).normalize();
        let v = v2b * (dm / el.mean_motion_rad_s()) + Vector3::new(0.0, 0.0, dr).cross(&r) + h.cross(&r) * dw;
        (r, v)
    }

    /// The elements at t = 0.
    pub fn initial(&self) -> &KeplerElements {
        &self.el0
    }
}
