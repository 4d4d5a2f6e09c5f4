//! Closed-form two-body ballistics (spherical, non-rotating Earth): the references the
//! flight model is tested against and the fast impact predictor the targeting uses.
//!
//! Notation: burnout radius `r` (m), speed `v` (m/s), flight-path angle `gamma` (rad, above
//! the local horizontal), free-flight range angle `psi` (rad, at the Earth's centre).
//! Sources: Wheelon, "Free flight of a ballistic missile", ARS Journal 29 (1959); Bate,
//! Mueller & White, *Fundamentals of Astrodynamics* (1971), ch. 6 (ballistic missile
//! trajectories) and ch. 4 (Kepler's equation).

#[cfg(test)]
use std::f64::consts::PI;
use std::f64::consts::TAU;
use tl_core::Vec3;
use tl_core::consts::MU_EARTH_M3_S2 as MU;

/// Orbit shape from a burnout state given as (r, v, gamma).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Conic {
    /// Semi-latus rectum, m.
    pub p_m: f64,
    /// Eccentricity.
    pub e: f64,
    /// Semi-major axis, m (negative for hyperbolas).
    pub a_m: f64,
    /// True anomaly at burnout, rad, in (-pi, pi].
    pub nu0_rad: f64,
}

impl Conic {
    /// The conic through radius `r_m` with speed `v_m_s` and flight-path angle `gamma_rad`.
    pub fn from_burnout(r_m: f64, v_m_s: f64, gamma_rad: f64) -> Self {
        let h = r_m * v_m_s * gamma_rad.cos();
        let p = h * h / MU;
        let ec = p / r_m - 1.0;
        let es = h * v_m_s * gamma_rad.sin() / MU;
        let e = ec.hypot(es);
        let a = 1.0 / (2.0 / r_m - v_m_s * v_m_s / MU);
        Self { p_m: p, e, a_m: a, nu0_rad: es.atan2(ec) }
    }

    /// Apogee radius, m (None for escape orbits).
    pub fn apogee_radius_m(&self) -> Option<f64> {
        (self.e < 1.0).then(|| self.p_m / (1.0 - self.e))
    }

    /// True anomaly where the descending branch crosses radius `r_end_m`, in (0, 2 pi).
    pub fn descending_anomaly(&self, r_end_m: f64) -> Option<f64> {
        if self.e < 1e-14 {
            return None;
        }
        let c = (self.p_m / r_end_m - 1.0) / self.e;
        if !(-1.0..=1.0).contains(&c) {
            return None;
        }
        Some(TAU - c.acos())
    }

    /// Time from true anomaly `nu_a` to `nu_b` (rad, nu_b > nu_a, elliptic orbits), s, by
    /// Kepler's equation.
    pub fn time_between(&self, nu_a: f64, nu_b: f64) -> Option<f64> {
        if !(self.e < 1.0 && self.a_m > 0.0) {
            return None;
        }
        let n = (MU / self.a_m.powi(3)).sqrt();
        let m_of = |nu: f64| {
            let k = ((1.0 - self.e) / (1.0 + self.e)).sqrt();
            let turns = (nu / TAU).floor();
            let nu_red = nu - turns * TAU; // [0, 2pi)
            let e_anom = 2.0 * (k * (nu_red / 2.0).tan()).atan(); // (-pi, pi)
            let e_anom = if e_anom < 0.0 { e_anom + TAU } else { e_anom };
            e_anom - self.e * e_anom.sin() + turns * TAU
        };
        Some((m_of(nu_b) - m_of(nu_a)) / n)
    }
}

/// Free-flight range angle (rad) from burnout at radius `r_m` (speed `v_m_s`, flight-path
/// angle `gamma_rad`) to the descending crossing of radius `r_end_m`.
///
/// ```
/// // Equal radii: Wheelon's closed form tan(psi/2) = Q sin g cos g / (1 - Q cos^2 g).
/// use tl_threat::kepler::range_angle;
/// let (r, v, g) = (6.5e6, 7_000.0, 0.4_f64);
/// let q = v * v * r / tl_core::consts::MU_EARTH_M3_S2;
/// let psi = 2.0 * (q * g.sin() * g.cos() / (1.0 - q * g.cos().powi(2))).atan();
/// assert!((range_angle(r, v, g, r).unwrap() - psi).abs() < 1e-12);
/// ```
pub fn range_angle(r_m: f64, v_m_s: f64, gamma_rad: f64, r_end_m: f64) -> Option<f64> {
    let c = Conic::from_burnout(r_m, v_m_s, gamma_rad);
    c.descending_anomaly(r_end_m).map(|nu| nu - c.nu0_rad)
}

/// Time of free flight (s) for [`range_angle`]'s trajectory, by Kepler's equation.
pub fn time_of_flight(r_m: f64, v_m_s: f64, gamma_rad: f64, r_end_m: f64) -> Option<f64> {
    let c = Conic::from_burnout(r_m, v_m_s, gamma_rad);
    let nu = c.descending_anomaly(r_end_m)?;
    c.time_between(c.nu0_rad, nu)
}

/// Apogee radius (m) of the trajectory through (r, v, gamma).
pub fn apogee_radius(r_m: f64, v_m_s: f64, gamma_rad: f64) -> Option<f64> {
    Conic::from_burnout(r_m, v_m_s, gamma_rad).apogee_radius_m()
}

/// The minimum-energy trajectory from radius `r1_m` to radius `r2_m` across central angle
/// `psi_rad`: returns (speed at r1, m/s; flight-path angle at r1, rad).
///
/// The minimum-energy ellipse has its vacant focus on the chord, so `a = (r1 + r2 + c) / 4`
/// (c the chord) and the velocity at r1 bisects the angle between the directions to the
/// two foci: gamma = alpha / 2, with alpha the angle at r1 between the Earth's centre and
/// the end point. For r1 = r2 this is the textbook gamma = (pi - psi) / 4.
///
/// ```
/// let (v, g) = tl_threat::kepler::minimum_energy(6.4e6, 6.4e6, 1.0);
/// assert!((g - (std::f64::consts::PI - 1.0) / 4.0).abs() < 1e-12);
/// ```
pub fn minimum_energy(r1_m: f64, r2_m: f64, psi_rad: f64) -> (f64, f64) {
    let p2 = Vec3::new(r2_m * psi_rad.cos(), r2_m * psi_rad.sin(), 0.0);
    let p1 = Vec3::new(r1_m, 0.0, 0.0);
    let chord = (p2 - p1).norm();
    let a = (r1_m + r2_m + chord) / 4.0;
    let v = (MU * (2.0 / r1_m - 1.0 / a)).sqrt();
    let alpha = tl_core::geom::angle_between(&(-p1), &(p2 - p1));
    (v, alpha / 2.0)
}

/// Where the two-body trajectory from ECI state (`r`, `v`) first comes down through
/// radius `r_end_m`: (position ECI m, time after the state s). None when it never does.
pub fn impact(r: &Vec3, v: &Vec3, r_end_m: f64) -> Option<(Vec3, f64)> {
    let rn = r.norm();
    let h = r.cross(v);
    let hn = h.norm();
    if hn == 0.0 {
        return None;
    }
    let vr = r.dot(v) / rn;
    let gamma = (vr / v.norm()).clamp(-1.0, 1.0).asin();
    let c = Conic::from_burnout(rn, v.norm(), gamma);
    let mut nu = c.descending_anomaly(r_end_m)?;
    // If we are already on the way down below... keep the first crossing after now.
    while nu <= c.nu0_rad {
        nu += TAU;
    }
    let dnu = nu - c.nu0_rad;
    let tof = c.time_between(c.nu0_rad, nu)?;
    let u = r / rn;
    let w = h.cross(r) / (hn * rn);
    Some(((u * dnu.cos() + w * dnu.sin()) * r_end_m, tof))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimum_energy_angle_maximises_range() {
        // For fixed speed the range is largest at the minimum-energy angle (r1 != r2).
        let (r1, r2) = (6.6e6, 6.371e6);
        for &v in &[3_000.0, 5_000.0, 6_800.0, 7_200.0] {
            let mut best = (0.0, 0.0);
            for i in 1..89_999 {
                let g = (i as f64 * 1e-3).to_radians();
                if let Some(psi) = range_angle(r1, v, g, r2)
                    && psi > best.0
                {
                    best = (psi, g);
                }
            }
            let (vme, gme) = minimum_energy(r1, r2, best.0);
            assert!((vme / v - 1.0).abs() < 1e-6, "v {v}: vme {vme}");
            assert!((gme - best.1).abs() < 2e-4, "v {v}: g {} vs {}", gme, best.1);
        }
    }

    #[test]
    fn kepler_time_matches_circular_orbit_and_halves() {
        let r = 7.0e6;
        let vc = (MU / r).sqrt();
        let c = Conic::from_burnout(r, vc * 1.1, 0.0);
        let period = TAU * (c.a_m.powi(3) / MU).sqrt();
        assert!((c.time_between(0.0, TAU).unwrap() - period).abs() < 1e-6);
        assert!((c.time_between(0.0, PI).unwrap() - period / 2.0).abs() < 1e-6);
        assert!((c.time_between(PI, TAU).unwrap() - period / 2.0).abs() < 1e-6);
        // Symmetric ballistic arc: time up = time down.
        let t_total = time_of_flight(6.5e6, 6_000.0, 0.5, 6.5e6).unwrap();
        let cc = Conic::from_burnout(6.5e6, 6_000.0, 0.5);
        let t_up = cc.time_between(cc.nu0_rad, PI).unwrap();
        assert!((t_total - 2.0 * t_up).abs() < 1e-6);
    }

    #[test]
    fn impact_point_is_on_the_sphere_at_the_range_angle() {
        let r = Vec3::new(6.6e6, 0.0, 0.0);
        let (v, g) = (6_500.0_f64, 0.5_f64);
        let vel = Vec3::new(v * g.sin(), 0.0, v * g.cos());
        let (p, tof) = impact(&r, &vel, 6.371e6).unwrap();
        assert!((p.norm() - 6.371e6).abs() < 1e-6);
        let psi = range_angle(6.6e6, v, g, 6.371e6).unwrap();
        assert!((tl_core::geom::angle_between(&r, &p) - psi).abs() < 1e-12);
        assert!((tof - time_of_flight(6.6e6, v, g, 6.371e6).unwrap()).abs() < 1e-9);
    }
}
