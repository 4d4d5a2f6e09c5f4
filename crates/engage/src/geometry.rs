//! Engagement geometry: line of sight over the Earth's limb, horizon ranges, and the
//! "absentee ratio" estimates of classic boost-phase studies.
//!
//! * **Line of sight** between two points is clear when the straight segment stays above
//!   a grazing altitude everywhere: we take the segment's point closest to the Earth's
//!   centre and require its WGS84 geodetic altitude to be at least the grazing altitude
//!   (the beam must not cross the lower atmosphere). The point closest to the centre and
//!   the point of lowest geodetic altitude differ by the ellipsoid's flattening over the
//!   segment's near-tangent stretch: well under 1 km of altitude.
//! * **Horizon range** from radius `r` over a sphere of radius `rg`: `sqrt(r^2 - rg^2)`;
//!   the longest unobstructed segment between radii `r1`, `r2` grazing at `rg` is
//!   `sqrt(r1^2 - rg^2) + sqrt(r2^2 - rg^2)`.
//! * **Absentee ratio.** A weapon can engage a missile only if it is within reach `d` of
//!   it. For satellites spread uniformly over a spherical shell, the fraction within reach
//!   is the area of a cap: `f = (1 - cos(d / Re)) / 2` (public-figures.md; `d` measured as
//!   a great-circle distance). The absentee ratio is `1 / f`: weapons in orbit per weapon
//!   in reach. Real constellations are not uniform: for circular orbits of inclination
//!   `i` with random nodes and phases, latitude `phi` has density
//!   `cos(phi) / (pi sqrt(sin^2 i - sin^2 phi))` (zero beyond `|phi| = i`) instead of the
//!   uniform `cos(phi) / 2`, which [`cap_fraction_inclined`] integrates over the cap.

use nalgebra::Vector3;
use tl_core::consts::R_EARTH_MEAN_M;
use tl_core::geom::segment_min_radius;
use tl_core::wgs84::Geodetic;

/// The segment point closest to the Earth's centre and its geodetic altitude, m.
#[inline]
pub fn segment_lowest_altitude_m(a_m: &Vector3<f64>, b_m: &Vector3<f64>) -> f64 {
    let d = b_m - a_m;
    let dd = d.norm_squared();
    let t = if dd == 0.0 { 0.0 } else { (-a_m.dot(&d) / dd).clamp(0.0, 1.0) };
    Geodetic::from_ecef(&(a_m + d * t)).alt_m
}

/// True when the straight line from `a_m` to `b_m` (ECI or ECEF, m) stays at or above
/// `grazing_alt_m` geodetic altitude.
///
/// Fast path: a segment whose lowest radius clears the equatorial radius plus the
/// grazing altitude is clear; one below the polar radius plus it is blocked; only the
/// ~21 km band between needs the geodetic altitude.
///
/// ```
/// use nalgebra::Vector3;
/// let a = Vector3::new(7.0e6, -3.0e6, 0.0);
/// let b = Vector3::new(7.0e6, 3.0e6, 0.0);
/// assert!(tl_engage::geometry::los_clear(&a, &b, 20_000.0));
/// assert!(!tl_engage::geometry::los_clear(&a, &-a, 20_000.0));
/// ```
#[inline]
pub fn los_clear(a_m: &Vector3<f64>, b_m: &Vector3<f64>, grazing_alt_m: f64) -> bool {
    let rmin = segment_min_radius(a_m, b_m);
    if rmin >= tl_core::consts::WGS84_A_M + grazing_alt_m {
        return true;
    }
    if rmin < tl_core::consts::WGS84_B_M + grazing_alt_m {
        return false;
    }
    segment_lowest_altitude_m(a_m, b_m) >= grazing_alt_m
}

/// Distance to the horizon of a sphere of radius `rg_m` seen from radius `r_m`, m
/// (0 when `r_m <= rg_m`).
pub fn horizon_distance_m(r_m: f64, rg_m: f64) -> f64 {
    (r_m * r_m - rg_m * rg_m).max(0.0).sqrt()
}

/// Longest straight line between radii `r1_m` and `r2_m` that stays above radius `rg_m`
/// (the two points on opposite sides of the tangent point), m.
///
/// ```
/// let d = tl_engage::geometry::max_los_range_m(7.0e6, 6.5e6, 6.4e6);
/// assert!((d - ((7.0e6f64.powi(2) - 6.4e6f64.powi(2)).sqrt() + (6.5e6f64.powi(2) - 6.4e6f64.powi(2)).sqrt())).abs() < 1e-6);
/// ```
pub fn max_los_range_m(r1_m: f64, r2_m: f64, rg_m: f64) -> f64 {
    horizon_distance_m(r1_m, rg_m) + horizon_distance_m(r2_m, rg_m)
}

/// The reference estimate: fraction of a uniform spherical shell within great-circle
/// distance `d_m` (measured on the mean Earth radius) of a point, `(1 - cos(d/Re)) / 2`.
///
/// ```
/// let f = tl_engage::geometry::cap_fraction_uniform(0.0);
/// assert_eq!(f, 0.0);
/// let half = tl_engage::geometry::cap_fraction_uniform(std::f64::consts::FRAC_PI_2 * 6_371_008.7714);
/// assert!((half - 0.5).abs() < 1e-12);
/// ```
pub fn cap_fraction_uniform(d_m: f64) -> f64 {
    let psi = (d_m / R_EARTH_MEAN_M).clamp(0.0, std::f64::consts::PI);
    (1.0 - psi.cos()) / 2.0
}

/// Central half-angle (rad) of the cap of a shell of radius `r_shell_m` whose points lie
/// within straight-line distance `d_m` of a point at radius `r_point_m`
/// (law of cosines: `d^2 = rs^2 + rp^2 - 2 rs rp cos(psi)`); 0 if none, pi if all.
pub fn cap_half_angle_rad(r_shell_m: f64, r_point_m: f64, d_m: f64) -> f64 {
    let c = (r_shell_m * r_shell_m + r_point_m * r_point_m - d_m * d_m) / (2.0 * r_shell_m * r_point_m);
    if c >= 1.0 {
        0.0
    } else if c <= -1.0 {
        std::f64::consts::PI
    } else {
        c.acos()
    }
}

/// Fraction of satellites of a circular-orbit shell of inclination `incl_rad` (nodes and
/// phases uniformly random) inside a cap of central half-angle `psi_rad` centred at
/// latitude `lat0_rad` (geocentric).
///
/// The satellite's latitude is `asin(sin i sin u)` with the argument of latitude `u`
/// uniform; its longitude is uniform and independent. For each `u` the fraction of
/// longitudes inside the cap is `dlon(phi) / pi`, with the cap's half-width in longitude
/// at latitude `phi` from the spherical law of cosines; we average over `u` (midpoint
/// rule, 20 000 points: smooth integrand, error < 1e-6 relative for caps wider than
/// 0.5 deg).
///
/// ```
/// // A 45 deg shell crowds satellites near 40 deg latitude: about twice the uniform density.
/// let psi = 0.05;
/// let f = tl_engage::geometry::cap_fraction_inclined(40f64.to_radians(), psi, 45f64.to_radians());
/// let ratio = f / ((1.0 - psi.cos()) / 2.0);
/// assert!(ratio > 1.8 && ratio < 2.6, "{ratio}");
/// ```
pub fn cap_fraction_inclined(lat0_rad: f64, psi_rad: f64, incl_rad: f64) -> f64 {
    if psi_rad <= 0.0 {
        return 0.0;
    }
    if psi_rad >= std::f64::consts::PI {
        return 1.0;
    }
    let n = 20_000;
    let si = incl_rad.sin();
    let (s0, c0) = lat0_rad.sin_cos();
    let cpsi = psi_rad.cos();
    let mut sum = 0.0;
    for k in 0..n {
        let u = (k as f64 + 0.5) / n as f64 * std::f64::consts::TAU;
        let sphi = (si * u.sin()).clamp(-1.0, 1.0);
        let cphi = (1.0 - sphi * sphi).sqrt();
        // cos(angle) between (phi, dlon) and (lat0, 0): s0 sphi + c0 cphi cos(dlon) >= cpsi.
        let denom = c0 * cphi;
        let frac = if denom <= 1e-15 {
            // At a pole (cap centre or satellite): all or no longitudes.
            if s0 * sphi >= cpsi { 1.0 } else { 0.0 }
        } else {
            let c = (cpsi - s0 * sphi) / denom;
            if c >= 1.0 {
                0.0
            } else if c <= -1.0 {
                1.0
            } else {
                c.acos() / std::f64::consts::PI
            }
        };
        sum += frac;
    }
    sum / n as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grazing_line_of_sight_matches_the_closed_form() {
        // On the equator (geodetic = geocentric altitude there), points at radii r1 and
        // r2 separated by exactly max_los_range graze at rg: clear at rg - 1 m, blocked at
        // rg + 1 m.
        let a_eq = tl_core::consts::WGS84_A_M;
        let graze = 20_000.0;
        let rg = a_eq + graze;
        let (r1, r2) = (a_eq + 500e3, a_eq + 120e3);
        // Tangent point at angle 0 in the equatorial plane: the points sit at angles
        // -acos(rg/r1) and +acos(rg/r2).
        let p1 = Vector3::new(rg, -horizon_distance_m(r1, rg), 0.0);
        let p2 = Vector3::new(rg, horizon_distance_m(r2, rg), 0.0);
        assert!(((p1 - p2).norm() - max_los_range_m(r1, r2, rg)).abs() < 1e-6);
        assert!((p1.norm() - r1).abs() < 1e-6 && (p2.norm() - r2).abs() < 1e-6);
        assert!(los_clear(&p1, &p2, graze - 1.0));
        assert!(!los_clear(&p1, &p2, graze + 1.0));
    }

    #[test]
    fn line_of_sight_uses_the_ellipsoid() {
        // Over the pole the surface is 21 km closer to the centre than at the equator: a
        // segment grazing radius b + 10 km clears a 5 km grazing altitude over the pole.
        let b = tl_core::consts::WGS84_B_M;
        let p1 = Vector3::new(-2.0e6, 0.0, b + 10e3);
        let p2 = Vector3::new(2.0e6, 0.0, b + 10e3);
        assert!(los_clear(&p1, &p2, 5_000.0));
        assert!(!los_clear(&p1, &p2, 15_000.0));
    }

    #[test]
    fn uniform_cap_fraction_matches_a_sphere_sample() {
        // Points spread uniformly on the sphere (Fibonacci lattice): count those within
        // psi of a pole.
        let n = 200_000;
        let psi: f64 = 0.2;
        let golden = std::f64::consts::PI * (3.0 - 5f64.sqrt());
        let mut inside = 0;
        for k in 0..n {
            let z = 1.0 - (2.0 * k as f64 + 1.0) / n as f64;
            let _lon = golden * k as f64;
            if z >= psi.cos() {
                inside += 1;
            }
        }
        let f = cap_fraction_uniform(psi * R_EARTH_MEAN_M);
        assert!((inside as f64 / n as f64 - f).abs() < 1e-4, "{inside} vs {f}");
    }

    #[test]
    fn inclined_cap_fraction_matches_sampled_orbits() {
        // Monte Carlo over random node and phase: independent check of the quadrature.
        let mut rng = tl_core::rng::RngStream::new(5, 0, 0, "engage.test.cap");
        for &(lat0_deg, psi_deg, incl_deg) in
            &[(40.0, 6.0, 45.0), (0.0, 10.0, 60.0), (70.0, 8.0, 90.0), (40.0, 5.0, 38.0)]
        {
            let (lat0, psi, incl) =
                (f64::to_radians(lat0_deg), f64::to_radians(psi_deg), f64::to_radians(incl_deg));
            let c = Vector3::new(lat0.cos(), 0.0, lat0.sin());
            let n = 400_000;
            let mut inside = 0u32;
            for _ in 0..n {
                let raan = rng.uniform() * std::f64::consts::TAU;
                let u = rng.uniform() * std::f64::consts::TAU;
                let x = Vector3::new(raan.cos(), raan.sin(), 0.0);
                let y = Vector3::new(-raan.sin() * incl.cos(), raan.cos() * incl.cos(), incl.sin());
                let p = x * u.cos() + y * u.sin();
                if p.dot(&c) >= psi.cos() {
                    inside += 1;
                }
            }
            let mc = inside as f64 / n as f64;
            let f = cap_fraction_inclined(lat0, psi, incl);
            let sd = (f * (1.0 - f) / n as f64).sqrt();
            assert!((mc - f).abs() < 5.0 * sd, "{lat0_deg} {psi_deg} {incl_deg}: mc {mc} analytic {f}");
        }
        // Uniform limit: averaging over inclinations with sin(i) weight gives the uniform cap.
        let psi: f64 = 0.15;
        let m = 2_000;
        let avg: f64 = (0..m)
            .map(|k| {
                let i = (k as f64 + 0.5) / m as f64 * std::f64::consts::PI;
                cap_fraction_inclined(0.7, psi, i) * i.sin() / 2.0 * std::f64::consts::PI / m as f64
            })
            .sum();
        assert!((avg - (1.0 - psi.cos()) / 2.0).abs() < 1e-4, "{avg}");
    }

    #[test]
    fn cap_half_angle_law_of_cosines() {
        let (rs, rp) = (6.7e6, 6.5e6);
        let psi: f64 = 0.07;
        let d = (rs * rs + rp * rp - 2.0 * rs * rp * psi.cos()).sqrt();
        assert!((cap_half_angle_rad(rs, rp, d) - psi).abs() < 1e-9);
        assert_eq!(cap_half_angle_rad(rs, rp, 1.0), 0.0);
        assert_eq!(cap_half_angle_rad(rs, rp, 2.0e7), std::f64::consts::PI);
    }
}
