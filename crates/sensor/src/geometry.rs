//! Visibility geometry: Earth blockage with a grazing altitude, look-down against
//! above-the-horizon backgrounds, fields of regard, and closed forms used to validate them.
//!
//! The Earth is either a sphere or the WGS84 ellipsoid. The ellipsoid case is handled by
//! an affine map that scales z by `a/b`, which turns the ellipsoid into a sphere of radius
//! `a` and keeps straight lines straight, so a line-of-sight test against the ellipsoid is
//! exactly a test against a sphere. The grazing shell `a + h` maps back to a surface within
//! `h f` (~0.3 %) of the true constant-height shell: 90 m at a 30 km grazing altitude.

use tl_core::Vec3;
use tl_core::consts::{WGS84_A_M, WGS84_B_M};
use tl_core::detection::Background;

/// The Earth's shape for line-of-sight tests.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EarthShape {
    /// Scale applied to z so that the shape becomes a sphere (a/b for WGS84, 1 for a sphere).
    pub z_scale: f64,
    /// Radius of that sphere, m.
    pub radius_m: f64,
}

impl EarthShape {
    /// The WGS84 ellipsoid.
    pub const WGS84: EarthShape = EarthShape { z_scale: WGS84_A_M / WGS84_B_M, radius_m: WGS84_A_M };

    /// A sphere of radius `radius_m` (textbook cases).
    pub const fn sphere(radius_m: f64) -> Self {
        Self { z_scale: 1.0, radius_m }
    }

    /// A point mapped into the sphere space.
    #[inline]
    pub fn scaled(&self, p: &Vec3) -> Vec3 {
        Vec3::new(p.x, p.y, p.z * self.z_scale)
    }

    /// Approximate height above the surface of a point, m (exact for the sphere; within
    /// h f of the geodetic height for WGS84).
    #[inline]
    pub fn height_m(&self, p: &Vec3) -> f64 {
        self.scaled(p).norm() - self.radius_m
    }

    /// The smallest geocentric radius of the surface, m (for conservative culling).
    #[inline]
    pub fn min_radius_m(&self) -> f64 {
        self.radius_m / self.z_scale
    }
}

/// What a line of sight from a sensor to an object looks like.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Sightline {
    /// The line passes below the grazing shell (or the object is underground).
    Blocked,
    /// The object is visible.
    Clear {
        /// What lies behind the object along the line of sight.
        background: Background,
        /// Height of the lowest point of the path, m (the object itself for a look-down
        /// path, the tangent point when the path grazes past the Earth).
        low_height_m: f64,
        /// Cosine of the zenith angle of the path at its lowest point (0 at a tangent point).
        mu: f64,
        /// True when the lowest point is a tangent point: the path crosses the atmosphere
        /// above it twice (in and out).
        tangent: bool,
    },
}

/// Classify the line of sight from `sensor` to `object` (ECI or ECEF, m; same frame for
/// both) against the Earth with a grazing height `grazing_m` above its surface.
///
/// * If the point of the segment closest to the Earth's centre lies strictly between the
///   two ends (the path dips past the Earth), the line is blocked when that tangent point
///   is below the grazing height, and otherwise clear against space.
/// * If the object is the lowest point (the path descends all the way from the sensor to
///   the object: a look-down view), it is visible (underground objects excepted); the
///   background is the Earth when the line extended beyond the object passes below the
///   grazing height, space otherwise.
/// * If the sensor is the lowest point, the line rises away: clear against space.
///
/// ```
/// use tl_core::Vec3;
/// use tl_sensor::geometry::{EarthShape, Sightline, sightline};
/// let e = EarthShape::sphere(6.371e6);
/// // A satellite over the equator looking straight down at a booster at 50 km.
/// let s = sightline(&e, &Vec3::new(7.371e6, 0.0, 0.0), &Vec3::new(6.421e6, 0.0, 0.0), 30e3);
/// assert!(matches!(s, Sightline::Clear { background: tl_core::detection::Background::Earth, .. }));
/// ```
#[inline]
pub fn sightline(earth: &EarthShape, sensor: &Vec3, object: &Vec3, grazing_m: f64) -> Sightline {
    let a = earth.scaled(sensor);
    let b = earth.scaled(object);
    let rg = earth.radius_m + grazing_m;
    let d = b - a;
    let dd = d.norm_squared();
    if dd == 0.0 {
        return Sightline::Blocked;
    }
    let bn = b.norm();
    // 1 m tolerance so that points on the surface (rounded) count as above it.
    if bn < earth.radius_m - 1.0 {
        return Sightline::Blocked;
    }
    let t = -a.dot(&d) / dd;
    if t >= 1.0 {
        // Look-down: object is the lowest point of the segment.
        let closest = (a + d * t).norm();
        let background = if closest < rg { Background::Earth } else { Background::Space };
        let mu = (-b.dot(&d) / (bn * dd.sqrt())).clamp(0.0, 1.0);
        Sightline::Clear { background, low_height_m: bn - earth.radius_m, mu, tangent: false }
    } else if t > 0.0 {
        let m = (a + d * t).norm();
        if m < rg {
            Sightline::Blocked
        } else {
            Sightline::Clear {
                background: Background::Space,
                low_height_m: m - earth.radius_m,
                mu: 0.0,
                tangent: true,
            }
        }
    } else {
        Sightline::Clear {
            background: Background::Space,
            low_height_m: a.norm() - earth.radius_m,
            mu: 1.0,
            tangent: false,
        }
    }
}

/// Largest Earth-central angle between two points at radii `r1_m` and `r2_m` that can see
/// each other over a sphere of radius `rg_m`, rad: `acos(rg/r1) + acos(rg/r2)` (a point
/// below `rg` contributes 0: it can only be seen from above its own horizon, which the
/// caller tests exactly).
#[inline]
pub fn max_central_angle_rad(r1_m: f64, r2_m: f64, rg_m: f64) -> f64 {
    let h = |r: f64| if r > rg_m { (rg_m / r).acos() } else { 0.0 };
    h(r1_m) + h(r2_m)
}

/// Longest above-the-horizon line of sight between radii `r1_m` and `r2_m` grazing at
/// radius `rg_m`, m: `sqrt(r1^2 - rg^2) + sqrt(r2^2 - rg^2)`.
///
/// ```
/// // Two satellites at 1000 km grazing at 30 km over a 6371 km sphere: ~7 310 km apart.
/// let d = tl_sensor::geometry::max_slant_range_m(7.371e6, 7.371e6, 6.401e6);
/// assert!((d / 1e3 - 7310.0).abs() < 1.0);
/// ```
#[inline]
pub fn max_slant_range_m(r1_m: f64, r2_m: f64, rg_m: f64) -> f64 {
    (r1_m * r1_m - rg_m * rg_m).max(0.0).sqrt() + (r2_m * r2_m - rg_m * rg_m).max(0.0).sqrt()
}

/// Fraction of a sphere's surface of radius `r_earth_m` visible from radius `r_sat_m`
/// (above the geometric horizon): `(1 - r_earth / r_sat) / 2`.
///
/// ```
/// // GEO (42 164 km) sees about 42 % of the Earth's surface.
/// let f = tl_sensor::geometry::visible_cap_fraction(6.378137e6, 4.2164e7);
/// assert!((f - 0.4244).abs() < 1e-3);
/// ```
#[inline]
pub fn visible_cap_fraction(r_earth_m: f64, r_sat_m: f64) -> f64 {
    if r_sat_m <= r_earth_m { 0.0 } else { 0.5 * (1.0 - r_earth_m / r_sat_m) }
}

/// Angular radius of the Earth (sphere of radius `r_earth_m`) seen from radius `r_sat_m`,
/// rad: `asin(r_earth / r_sat)`.
#[inline]
pub fn earth_angular_radius_rad(r_earth_m: f64, r_sat_m: f64) -> f64 {
    (r_earth_m / r_sat_m).min(1.0).asin()
}

/// The field of regard of a wide-field payload, about the geocentric nadir.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FieldOfRegard {
    /// Earth-pointing cone: off-nadir angle <= `half_angle_rad`.
    Cone {
        /// Half-angle of the cone, rad.
        half_angle_rad: f64,
    },
    /// Limb-pointing annulus: `inner_rad` <= off-nadir angle <= `outer_rad`.
    Annulus {
        /// Inner off-nadir angle, rad.
        inner_rad: f64,
        /// Outer off-nadir angle, rad.
        outer_rad: f64,
    },
    /// The whole Earth disk plus a margin beyond the limb (off-nadir angle <= Earth's
    /// angular radius + `margin_rad`).
    FullDisk {
        /// Margin beyond the limb, rad.
        margin_rad: f64,
    },
}

impl FieldOfRegard {
    /// Off-nadir bounds `(inner, outer)`, rad, for a satellite at radius `r_sat_m` over an
    /// Earth of mean radius `r_earth_m` (used by the full-disk case).
    #[inline]
    pub fn bounds_rad(&self, r_sat_m: f64, r_earth_m: f64) -> (f64, f64) {
        match *self {
            FieldOfRegard::Cone { half_angle_rad } => (0.0, half_angle_rad),
            FieldOfRegard::Annulus { inner_rad, outer_rad } => (inner_rad, outer_rad),
            FieldOfRegard::FullDisk { margin_rad } => {
                (0.0, (earth_angular_radius_rad(r_earth_m, r_sat_m) + margin_rad).min(std::f64::consts::PI))
            }
        }
    }

    /// Solid angle of the field of regard, sr (2 pi (cos inner - cos outer)).
    pub fn solid_angle_sr(&self, r_sat_m: f64, r_earth_m: f64) -> f64 {
        let (i, o) = self.bounds_rad(r_sat_m, r_earth_m);
        std::f64::consts::TAU * (i.cos() - o.cos())
    }
}

/// Local frame of a nadir-pointing satellite (`z` to nadir, `x` along the velocity's
/// horizontal part, `y = z x x`): the one definition in [`tl_core::geom::nadir_frame`],
/// shared with the tracker's pointing-bias model.
pub use tl_core::geom::nadir_frame;

#[cfg(test)]
mod tests {
    use super::*;
    use tl_core::consts::R_EARTH_MEAN_M;

    const R: f64 = R_EARTH_MEAN_M;

    /// Fibonacci lattice of n nearly uniform points on the unit sphere.
    fn fibonacci(n: usize) -> impl Iterator<Item = Vec3> {
        let ga = std::f64::consts::PI * (3.0 - 5f64.sqrt());
        (0..n).map(move |i| {
            let z = 1.0 - (2.0 * i as f64 + 1.0) / n as f64;
            let r = (1.0 - z * z).sqrt();
            let th = ga * i as f64;
            Vec3::new(r * th.cos(), r * th.sin(), z)
        })
    }

    #[test]
    fn geo_sees_42_percent_of_the_earth() {
        let e = EarthShape::sphere(R);
        let r_geo = 42_164_170.0;
        let sat = Vec3::new(r_geo, 0.0, 0.0);
        let n = 400_000;
        let seen = fibonacci(n)
            .filter(|p| matches!(sightline(&e, &sat, &(p * R), 0.0), Sightline::Clear { .. }))
            .count();
        let f = seen as f64 / n as f64;
        let closed = visible_cap_fraction(R, r_geo);
        assert!((closed - 0.4245).abs() < 5e-4, "{closed}");
        // lattice discretisation error ~ 1/sqrt(n) on the boundary: 1e-4 is ample
        assert!((f - closed).abs() < 2e-4, "lattice {f} closed form {closed}");
    }

    #[test]
    fn maximum_above_the_horizon_range_matches_closed_form() {
        // Bisect for the largest separation at which two points at r1, r2 still see each
        // other over the grazing sphere, and compare with the closed form.
        let e = EarthShape::sphere(R);
        for &(h1, h2, hg) in
            &[(1000e3, 1000e3, 30e3), (1000e3, 200e3, 50e3), (35_786e3, 500e3, 0.0), (600e3, 1200e3, 100e3)]
        {
            let (r1, r2) = (R + h1, R + h2);
            let a = Vec3::new(r1, 0.0, 0.0);
            let at = |ang: f64| Vec3::new(r2 * ang.cos(), r2 * ang.sin(), 0.0);
            let (mut lo, mut hi) = (0.1, std::f64::consts::PI);
            for _ in 0..100 {
                let mid = 0.5 * (lo + hi);
                if matches!(sightline(&e, &a, &at(mid), hg), Sightline::Blocked) {
                    hi = mid
                } else {
                    lo = mid
                }
            }
            let d = (at(lo) - a).norm();
            let closed = max_slant_range_m(r1, r2, R + hg);
            assert!((d - closed).abs() < 1e-3, "{h1} {h2} {hg}: {d} vs {closed}");
            let ang = max_central_angle_rad(r1, r2, R + hg);
            assert!((ang - lo).abs() < 1e-9);
        }
    }

    #[test]
    fn background_classification() {
        let e = EarthShape::sphere(R);
        let sat = Vec3::new(R + 1000e3, 0.0, 0.0);
        // Straight down at a low booster: Earth background, look-down
        match sightline(&e, &sat, &Vec3::new(R + 20e3, 0.0, 0.0), 30e3) {
            Sightline::Clear { background, mu, tangent, .. } => {
                assert_eq!(background, Background::Earth);
                assert!((mu - 1.0).abs() < 1e-12 && !tangent);
            }
            s => panic!("{s:?}"),
        }
        // An object far beyond the horizon high up: line grazes above 30 km -> space
        let ang = max_central_angle_rad(R + 1000e3, R + 1500e3, R + 30e3) - 0.01;
        let obj = Vec3::new((R + 1500e3) * ang.cos(), (R + 1500e3) * ang.sin(), 0.0);
        match sightline(&e, &sat, &obj, 30e3) {
            Sightline::Clear { background, tangent, low_height_m, .. } => {
                assert_eq!(background, Background::Space);
                assert!(tangent && low_height_m > 30e3);
            }
            s => panic!("{s:?}"),
        }
        // Slightly further: blocked
        let ang = ang + 0.02;
        let obj = Vec3::new((R + 1500e3) * ang.cos(), (R + 1500e3) * ang.sin(), 0.0);
        assert_eq!(sightline(&e, &sat, &obj, 30e3), Sightline::Blocked);
        // Object above the satellite: space
        assert!(matches!(
            sightline(&e, &sat, &Vec3::new(R + 2000e3, 10e3, 0.0), 30e3),
            Sightline::Clear { background: Background::Space, .. }
        ));
        // Underground: blocked
        assert_eq!(sightline(&e, &sat, &Vec3::new(R - 10.0, 0.0, 0.0), 0.0), Sightline::Blocked);
    }

    #[test]
    fn wgs84_scaling_tangent_height_near_pole() {
        // A line tangent to the ellipsoid at the pole at height 40 km: with the scaled
        // sphere it must be classified with the polar radius, not the equatorial one.
        let e = EarthShape::WGS84;
        let b = WGS84_B_M;
        let a_pt = Vec3::new(-3.0e6, 0.0, b + 40e3);
        let b_pt = Vec3::new(3.0e6, 0.0, b + 40e3);
        assert!(matches!(sightline(&e, &a_pt, &b_pt, 30e3), Sightline::Clear { .. }));
        assert_eq!(sightline(&e, &a_pt, &b_pt, 50e3), Sightline::Blocked);
        assert!((e.height_m(&Vec3::new(0.0, 0.0, b + 40e3)) - 40e3).abs() < 200.0);
    }

    #[test]
    fn field_of_regard_bounds() {
        let r = R + 35_786e3;
        let fd = FieldOfRegard::FullDisk { margin_rad: 0.0 };
        let (_, o) = fd.bounds_rad(r, R);
        assert!((o.to_degrees() - 8.69).abs() < 0.02, "{}", o.to_degrees());
        let ann = FieldOfRegard::Annulus { inner_rad: 0.1, outer_rad: 0.2 };
        let sa = ann.solid_angle_sr(r, R);
        assert!((sa - std::f64::consts::TAU * (0.1f64.cos() - 0.2f64.cos())).abs() < 1e-15);
    }
}
