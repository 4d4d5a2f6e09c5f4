//! Classical (Keplerian) orbital elements and two-body state conversion.

use nalgebra::Vector3;
use std::f64::consts::TAU;
use tl_core::consts::MU_EARTH_M3_S2;

/// Classical orbital elements (osculating or mean, as the user says), SI units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KeplerElements {
    /// Semi-major axis, m.
    pub a_m: f64,
    /// Eccentricity, dimensionless, in [0, 1).
    pub e: f64,
    /// Inclination, rad, in [0, pi].
    pub i_rad: f64,
    /// Right ascension of the ascending node, rad.
    pub raan_rad: f64,
    /// Argument of perigee, rad.
    pub argp_rad: f64,
    /// Mean anomaly at the reference time, rad.
    pub mean_anomaly_rad: f64,
}

/// Solve Kepler's equation `M = E - e sin E` for the eccentric anomaly E (rad), by
/// Newton's method from a starting guess that converges for all 0 <= e < 1.
///
/// ```
/// let e_anom = tl_orbit::kepler::solve_kepler(1.0, 0.5);
/// assert!((e_anom - 0.5 * e_anom.sin() - 1.0).abs() < 1e-14);
/// ```
pub fn solve_kepler(mean_anomaly_rad: f64, e: f64) -> f64 {
    let m = mean_anomaly_rad.rem_euclid(TAU);
    let mut ea = if e < 0.8 { m } else { std::f64::consts::PI };
    for _ in 0..50 {
        let f = ea - e * ea.sin() - m;
        let d = f / (1.0 - e * ea.cos());
        ea -= d;
        if d.abs() < 1e-15 {
            break;
        }
    }
    ea
}

impl KeplerElements {
    /// Mean motion sqrt(mu / a^3), rad/s.
    pub fn mean_motion_rad_s(&self) -> f64 {
        (MU_EARTH_M3_S2 / self.a_m.powi(3)).sqrt()
    }

    /// Orbital period 2 pi sqrt(a^3 / mu), s.
    pub fn period_s(&self) -> f64 {
        TAU / self.mean_motion_rad_s()
    }

    /// Position (m) and velocity (m/s) in the frame the angles refer to (ECI), two-body.
    pub fn to_state(&self) -> (Vector3<f64>, Vector3<f64>) {
        let e = self.e;
        let ea = solve_kepler(self.mean_anomaly_rad, e);
        let (se, ce) = ea.sin_cos();
        let sq = (1.0 - e * e).sqrt();
        let a = self.a_m;
        // Perifocal coordinates.
        let x = a * (ce - e);
        let y = a * sq * se;
        let r = a * (1.0 - e * ce);
        let f = (MU_EARTH_M3_S2 * a).sqrt() / r;
        let vx = -f * se;
        let vy = f * sq * ce;
        let (so, co) = self.raan_rad.sin_cos();
        let (sw, cw) = self.argp_rad.sin_cos();
        let (si, ci) = self.i_rad.sin_cos();
        // Columns P and Q of the perifocal -> inertial rotation.
        let p = Vector3::new(co * cw - so * sw * ci, so * cw + co * sw * ci, sw * si);
        let q = Vector3::new(-co * sw - so * cw * ci, -so * sw + co * cw * ci, cw * si);
        (p * x + q * y, p * vx + q * vy)
    }

    /// Osculating elements of a two-body state (r in m, v in m/s). For circular or
    /// equatorial orbits the undefined angles are set by convention: argp = 0 when e = 0,
    /// raan = 0 when i = 0 (the angle is then carried by the next defined angle).
    pub fn from_state(r: &Vector3<f64>, v: &Vector3<f64>) -> Self {
        let mu = MU_EARTH_M3_S2;
        let h = r.cross(v);
        let rn = r.norm();
        let energy = v.norm_squared() / 2.0 - mu / rn;
        let a = -mu / (2.0 * energy);
        let evec = v.cross(&h) / mu - r / rn;
        let e = evec.norm();
        let i = (h.z / h.norm()).clamp(-1.0, 1.0).acos();
        let n = Vector3::new(-h.y, h.x, 0.0);
        let nn = n.norm();
        let tiny = 1e-11;
        let raan = if nn > tiny * h.norm() { n.y.atan2(n.x).rem_euclid(TAU) } else { 0.0 };
        // Reference direction in the orbit plane for argp: the node line, or x when equatorial.
        let node_dir = if nn > tiny * h.norm() { n / nn } else { Vector3::new(raan.cos(), raan.sin(), 0.0) };
        let hhat = h / h.norm();
        let angle_from_node = |d: &Vector3<f64>| -> f64 {
            let y = hhat.cross(&node_dir).dot(d);
            let x = node_dir.dot(d);
            y.atan2(x).rem_euclid(TAU)
        };
        let (argp, true_anom) = if e > 1e-10 {
            let w = angle_from_node(&evec);
            (w, (angle_from_node(r) - w).rem_euclid(TAU))
        } else {
            (0.0, angle_from_node(r))
        };
        // True -> eccentric -> mean anomaly.
        let ea = 2.0 * (((1.0 - e) / (1.0 + e)).sqrt() * (true_anom / 2.0).tan()).atan();
        let m = (ea - e * ea.sin()).rem_euclid(TAU);
        Self { a_m: a, e, i_rad: i, raan_rad: raan, argp_rad: argp, mean_anomaly_rad: m }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn circular_speed_and_period_closed_forms() {
        // v = sqrt(mu/r), T = 2 pi sqrt(r^3/mu) (public-figures.md, textbook).
        for alt_km in [400.0, 1000.0, 20_200.0, 35_786.0] {
            let r = 6_378_137.0 + alt_km * 1e3;
            let el = KeplerElements {
                a_m: r,
                e: 0.0,
                i_rad: 0.5,
                raan_rad: 1.0,
                argp_rad: 0.0,
                mean_anomaly_rad: 2.0,
            };
            let (p, v) = el.to_state();
            assert!((p.norm() - r).abs() < 1e-6);
            assert!((v.norm() - (MU_EARTH_M3_S2 / r).sqrt()).abs() < 1e-9);
            assert!((el.period_s() - TAU * (r.powi(3) / MU_EARTH_M3_S2).sqrt()).abs() < 1e-9);
        }
        // GEO: period = one sidereal day (86 164.09 s) at a = 42 164.17 km.
        let geo = KeplerElements {
            a_m: 42_164_170.0,
            e: 0.0,
            i_rad: 0.0,
            raan_rad: 0.0,
            argp_rad: 0.0,
            mean_anomaly_rad: 0.0,
        };
        assert!((geo.period_s() - 86_164.09).abs() < 2.0, "{}", geo.period_s());
    }

    #[test]
    fn state_element_round_trip() {
        let el = KeplerElements {
            a_m: 26_560e3,
            e: 0.74,
            i_rad: 63.4f64.to_radians(),
            raan_rad: 1.2,
            argp_rad: 270f64.to_radians(),
            mean_anomaly_rad: 0.3,
        };
        let (r, v) = el.to_state();
        let back = KeplerElements::from_state(&r, &v);
        assert!((back.a_m - el.a_m).abs() < 1e-3);
        assert!((back.e - el.e).abs() < 1e-12);
        assert!((back.i_rad - el.i_rad).abs() < 1e-12);
        assert!((back.raan_rad - el.raan_rad).abs() < 1e-12);
        assert!((back.argp_rad - el.argp_rad).abs() < 1e-10);
        assert!((back.mean_anomaly_rad - el.mean_anomaly_rad).abs() < 1e-10);
        // Vis-viva at perigee: v^2 = mu (2/r - 1/a).
        let perigee = KeplerElements { mean_anomaly_rad: 0.0, ..el };
        let (r, v) = perigee.to_state();
        assert!((r.norm() - el.a_m * (1.0 - el.e)).abs() < 1e-3);
        assert!((v.norm_squared() - MU_EARTH_M3_S2 * (2.0 / r.norm() - 1.0 / el.a_m)).abs() < 1e-3);
    }

    #[test]
    fn kepler_equation_high_eccentricity() {
        for &e in &[0.0, 0.1, 0.5, 0.9, 0.99] {
            for k in 0..50 {
                let m = k as f64 * 0.13;
                let ea = solve_kepler(m, e);
                assert!((ea - e * ea.sin() - m.rem_euclid(TAU)).abs() < 1e-12, "e {e} m {m}");
            }
        }
    }
}
