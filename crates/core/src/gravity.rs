//! Earth gravity: point mass plus the J2 zonal term, in any Earth-centred frame whose z
//! axis is the rotation axis (ECI/TEME or ECEF).

use crate::consts::{J2, MU_EARTH_M3_S2, WGS84_A_M};
use nalgebra::Vector3;

/// Point-mass gravitational acceleration, m/s^2, at position `r_m` (m).
#[inline]
pub fn accel_point_mass(r_m: &Vector3<f64>) -> Vector3<f64> {
    let r2 = r_m.norm_squared();
    let r = r2.sqrt();
    -MU_EARTH_M3_S2 / (r2 * r) * r_m
}

/// Point mass + J2 acceleration, m/s^2 (Vallado eq. 8-30), reference radius = WGS84 a.
///
/// ```
/// use nalgebra::Vector3;
/// let a = tl_core::gravity::accel_j2(&Vector3::new(6_378_137.0, 0.0, 0.0));
/// // On the equator J2 adds 1.5 J2 of the point-mass value: |a| ~ 9.814 m/s^2
/// assert!((a.norm() - 9.814).abs() < 0.01);
/// ```
#[inline]
pub fn accel_j2(r_m: &Vector3<f64>) -> Vector3<f64> {
    let r2 = r_m.norm_squared();
    let r = r2.sqrt();
    let mu_r3 = MU_EARTH_M3_S2 / (r2 * r);
    let k = 1.5 * J2 * WGS84_A_M * WGS84_A_M / r2;
    let z2 = r_m.z * r_m.z / r2;
    let fxy = 1.0 + k * (1.0 - 5.0 * z2);
    let fz = 1.0 + k * (3.0 - 5.0 * z2);
    Vector3::new(-mu_r3 * r_m.x * fxy, -mu_r3 * r_m.y * fxy, -mu_r3 * r_m.z * fz)
}

/// Gravitational potential energy per unit mass including J2, J/kg (negative), whose
/// gradient is [`accel_j2`]: U = -mu/r [1 - J2 (a/r)^2 (3 sin^2(phi) - 1)/2].
#[inline]
pub fn potential_j2(r_m: &Vector3<f64>) -> f64 {
    let r2 = r_m.norm_squared();
    let r = r2.sqrt();
    let s2 = r_m.z * r_m.z / r2;
    -MU_EARTH_M3_S2 / r * (1.0 - J2 * WGS84_A_M * WGS84_A_M / r2 * (3.0 * s2 - 1.0) / 2.0)
}

/// Point-mass potential energy per unit mass, J/kg.
#[inline]
pub fn potential_point_mass(r_m: &Vector3<f64>) -> f64 {
    -MU_EARTH_M3_S2 / r_m.norm()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn j2_acceleration_is_gradient_of_potential() {
        let r = Vector3::new(4.1e6, -3.3e6, 5.2e6);
        let h = 1.0;
        let mut g = Vector3::zeros();
        for i in 0..3 {
            let mut p = r;
            let mut m = r;
            p[i] += h;
            m[i] -= h;
            g[i] = -(potential_j2(&p) - potential_j2(&m)) / (2.0 * h);
        }
        let a = accel_j2(&r);
        assert!((g - a).norm() / a.norm() < 1e-8, "{g} vs {a}");
    }

    #[test]
    fn j2_vanishes_far_away() {
        let r = Vector3::new(0.0, 4.0e8, 1.0e8);
        assert!((accel_j2(&r) - accel_point_mass(&r)).norm() / accel_point_mass(&r).norm() < 1e-6);
    }
}
