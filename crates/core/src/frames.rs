//! Reference frames and Earth rotation.
//!
//! * **ECI** in tracklayer is the TEME frame (true equator, mean equinox) of date, the
//!   frame SGP4 produces. Over a run of hours it is treated as inertial: its slow
//!   precession-nutation drift (~50 arcsec/year) moves a LEO position by < 1 m per hour.
//! * **ECEF** is the pseudo Earth-fixed frame PEF: ECI rotated about z by the Greenwich
//!   mean sidereal time (GMST, IAU-1982 model, Vallado eq. 3-45). Polar motion (< 0.5
//!   arcsec, ~15 m on the ground) is neglected, so ECEF differs from ITRF by up to ~15 m.
//! * UT1 = UTC + `dut1_s` (see [`crate::time`]).
//!
//! Velocity transforms include the transport term `-omega x r` with the WGS84 rate.

use crate::consts::{OMEGA_EARTH_RAD_S, SECONDS_PER_DAY};
use crate::time::{Epoch, ut1_days_since_j2000};
use nalgebra::Vector3;
use std::f64::consts::TAU;

/// Greenwich mean sidereal time, IAU-1982 (Vallado, *Fundamentals of Astrodynamics and
/// Applications*, 4th ed., eq. 3-45), in radians within `[0, 2 pi)`.
///
/// `ut1_days` is days of UT1 since J2000.0.
///
/// ```
/// // Vallado Example 3-5: 1992-08-20 12:14:00 UT1 -> GMST = 152.578787886 deg.
/// use tl_core::{frames::gmst82_rad, time::{Epoch, ut1_days_since_j2000}};
/// let e = Epoch::from_gregorian_utc_hms(1992, 8, 20, 12, 14, 0);
/// let g = gmst82_rad(ut1_days_since_j2000(e, 0.0)).to_degrees();
/// assert!((g - 152.578787886).abs() < 1e-6);
/// ```
pub fn gmst82_rad(ut1_days: f64) -> f64 {
    let t = ut1_days / 36_525.0;
    // Seconds of sidereal time. 876600 h * 3600 s/h = 3 155 760 000 s per Julian century.
    let split = 876_600.0 * 3_600.0 * t;
    let poly = 67_310.548_41 + 8_640_184.812_866 * t + 0.093_104 * t * t - 6.2e-6 * t * t * t;
    // Reduce the large term first to keep precision.
    let secs = (split % SECONDS_PER_DAY + poly).rem_euclid(SECONDS_PER_DAY);
    (secs / SECONDS_PER_DAY * TAU).rem_euclid(TAU)
}

/// Rate of GMST, rad per second of UT1 (derivative of [`gmst82_rad`] at `ut1_days`).
pub fn gmst82_rate_rad_s(ut1_days: f64) -> f64 {
    let t = ut1_days / 36_525.0;
    let dsec_dt_century =
        876_600.0 * 3_600.0 + 8_640_184.812_866 + 2.0 * 0.093_104 * t - 3.0 * 6.2e-6 * t * t;
    // sidereal seconds per Julian century -> radians per UT1 second
    dsec_dt_century / (36_525.0 * SECONDS_PER_DAY) * TAU / SECONDS_PER_DAY
}

/// Earth orientation for one simulation: maps `t_s` (seconds since `epoch`) to the
/// ECI -> ECEF rotation angle. Linearises GMST about the epoch (error < 1e-12 rad over a
/// day: the quadratic term of eq. 3-45 is 2e-12 rad/day^2).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EarthRotation {
    gmst0_rad: f64,
    rate_rad_s: f64,
}

impl EarthRotation {
    /// Earth rotation for a run starting at `epoch` (UTC), with UT1 - UTC = `dut1_s`.
    pub fn new(epoch: Epoch, dut1_s: f64) -> Self {
        let d = ut1_days_since_j2000(epoch, dut1_s);
        Self { gmst0_rad: gmst82_rad(d), rate_rad_s: gmst82_rate_rad_s(d) }
    }

    /// A fixed GMST at t = 0 and a given rate: for textbook cases (rate 0 means a
    /// non-rotating Earth).
    pub fn with_angle(gmst0_rad: f64, rate_rad_s: f64) -> Self {
        Self { gmst0_rad, rate_rad_s }
    }

    /// GMST at `t_s`, rad (not reduced to [0, 2 pi)).
    #[inline]
    pub fn gmst_rad(&self, t_s: f64) -> f64 {
        self.gmst0_rad + self.rate_rad_s * t_s
    }

    /// Earth's rotation rate used for velocities, rad/s.
    #[inline]
    pub fn rate_rad_s(&self) -> f64 {
        self.rate_rad_s
    }

    /// The ECI <-> ECEF transform at `t_s`.
    #[inline]
    pub fn at(&self, t_s: f64) -> EciToEcef {
        EciToEcef::from_angle(self.gmst_rad(t_s), self.rate_rad_s)
    }
}

/// The rotation from ECI (TEME) to ECEF (PEF) at one instant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EciToEcef {
    cos: f64,
    sin: f64,
    omega_rad_s: f64,
}

impl EciToEcef {
    /// The rotation by GMST angle `gmst_rad`, with Earth rate `omega_rad_s` for velocities.
    #[inline]
    pub fn from_angle(gmst_rad: f64, omega_rad_s: f64) -> Self {
        let (sin, cos) = gmst_rad.sin_cos();
        Self { cos, sin, omega_rad_s }
    }

    /// Position ECI -> ECEF (any length unit).
    #[inline]
    pub fn pos_to_ecef(&self, r_eci: &Vector3<f64>) -> Vector3<f64> {
        Vector3::new(
            self.cos * r_eci.x + self.sin * r_eci.y,
            -self.sin * r_eci.x + self.cos * r_eci.y,
            r_eci.z,
        )
    }

    /// Position ECEF -> ECI.
    #[inline]
    pub fn pos_to_eci(&self, r_ecef: &Vector3<f64>) -> Vector3<f64> {
        Vector3::new(
            self.cos * r_ecef.x - self.sin * r_ecef.y,
            self.sin * r_ecef.x + self.cos * r_ecef.y,
            r_ecef.z,
        )
    }

    /// Rotate a direction (free vector) ECI -> ECEF without transport terms.
    #[inline]
    pub fn dir_to_ecef(&self, d_eci: &Vector3<f64>) -> Vector3<f64> {
        self.pos_to_ecef(d_eci)
    }

    /// Rotate a direction (free vector) ECEF -> ECI without transport terms.
    #[inline]
    pub fn dir_to_eci(&self, d_ecef: &Vector3<f64>) -> Vector3<f64> {
        self.pos_to_eci(d_ecef)
    }

    /// State ECI -> ECEF: `r_f = R r_i`, `v_f = R v_i - omega x r_f`.
    #[inline]
    pub fn state_to_ecef(&self, r_eci: &Vector3<f64>, v_eci: &Vector3<f64>) -> (Vector3<f64>, Vector3<f64>) {
        let r = self.pos_to_ecef(r_eci);
        let v = self.pos_to_ecef(v_eci);
        let w = self.omega_rad_s;
        (r, Vector3::new(v.x + w * r.y, v.y - w * r.x, v.z))
    }

    /// State ECEF -> ECI: `r_i = R^T r_f`, `v_i = R^T (v_f + omega x r_f)`.
    #[inline]
    pub fn state_to_eci(&self, r_ecef: &Vector3<f64>, v_ecef: &Vector3<f64>) -> (Vector3<f64>, Vector3<f64>) {
        let w = self.omega_rad_s;
        let v_inert_f = Vector3::new(v_ecef.x - w * r_ecef.y, v_ecef.y + w * r_ecef.x, v_ecef.z);
        (self.pos_to_eci(r_ecef), self.pos_to_eci(&v_inert_f))
    }
}

/// The default Earth rate for velocity transforms when no epoch is involved.
pub const DEFAULT_OMEGA_RAD_S: f64 = OMEGA_EARTH_RAD_S;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_epoch;

    #[test]
    fn gmst_vallado_example_3_5() {
        // Vallado 4th ed. Example 3-5: 1992 Aug 20, 12:14 UT1: GMST = 152.578787886 deg.
        let e = parse_epoch("1992-08-20T12:14:00Z").unwrap();
        let g = gmst82_rad(ut1_days_since_j2000(e, 0.0)).to_degrees();
        assert!((g - 152.578_787_886).abs() < 1e-7, "{g}");
    }

    #[test]
    fn gmst_at_j2000() {
        // At J2000.0 (T = 0): 67310.54841 s = 280.46061837 deg.
        let g = gmst82_rad(0.0).to_degrees();
        assert!((g - 280.460_618_375).abs() < 1e-8, "{g}");
    }

    #[test]
    fn gmst_rate_matches_sidereal_day() {
        // One sidereal rotation per 86164.0905 s (UT1).
        let w = gmst82_rate_rad_s(9_000.0);
        assert!((TAU / w - 86_164.090_5).abs() < 0.01, "{}", TAU / w);
        // and matches a finite difference of the angle
        let a = gmst82_rad(9_000.0);
        let b = gmst82_rad(9_000.0 + 100.0 / 86_400.0);
        assert!(((b - a) / 100.0 - w).abs() < 1e-12);
    }

    #[test]
    fn state_round_trip_and_ground_point_is_static() {
        let rot = EarthRotation::new(parse_epoch("2026-01-01T00:00:00Z").unwrap(), 0.0);
        let x = rot.at(1234.5);
        let r = Vector3::new(7.0e6, -1.0e6, 2.0e6);
        let v = Vector3::new(100.0, 7_000.0, -30.0);
        let (rf, vf) = x.state_to_ecef(&r, &v);
        let (ri, vi) = x.state_to_eci(&rf, &vf);
        assert!((ri - r).norm() < 1e-6 && (vi - v).norm() < 1e-9);
        // A point fixed on the ground: ECI velocity = omega x r, ECEF velocity = 0.
        let g_f = Vector3::new(6.378e6, 0.0, 0.0);
        let (g_i, gv_i) = x.state_to_eci(&g_f, &Vector3::zeros());
        let w = rot.rate_rad_s();
        let expect = Vector3::new(0.0, 0.0, w).cross(&g_i);
        assert!((gv_i - expect).norm() < 1e-9);
        // and moves with the rotation: position at t + dt equals rotated position
        let dt = 10.0;
        let g_ip = rot.at(1234.5 + dt).pos_to_eci(&g_f);
        let g_im = rot.at(1234.5 - dt).pos_to_eci(&g_f);
        let fd = (g_ip - g_im) / (2.0 * dt);
        assert!((fd - gv_i).norm() < 1e-3, "{}", (fd - gv_i).norm());
    }
}
