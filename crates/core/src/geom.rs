//! Small geometry helpers shared by the sensor and tracker: line-of-sight bases and
//! Earth-occultation tests.

use nalgebra::Vector3;

/// An orthonormal basis `(e1, e2)` perpendicular to the unit line of sight `u`, used as
/// the frame of 2x2 angle covariances in the detection record:
///
/// * `e1 = normalise(z x u)` ("east-like": along increasing right ascension),
/// * `e2 = u x e1` ("north-like": along increasing declination),
///
/// with `z` the ECI pole. When `u` is within 1e-9 rad of the pole, `x` replaces `z`.
/// Angle errors `(d1, d2)` are small rotations of `u` towards `e1` and `e2`, rad.
///
/// ```
/// use nalgebra::Vector3;
/// let (e1, e2) = tl_core::geom::los_basis(&Vector3::new(1.0, 0.0, 0.0));
/// assert!((e1 - Vector3::new(0.0, 1.0, 0.0)).norm() < 1e-12);
/// assert!((e2 - Vector3::new(0.0, 0.0, 1.0)).norm() < 1e-12);
/// ```
#[inline]
pub fn los_basis(u: &Vector3<f64>) -> (Vector3<f64>, Vector3<f64>) {
    let z = Vector3::new(0.0, 0.0, 1.0);
    let mut e1 = z.cross(u);
    let n = e1.norm();
    if n < 1e-9 {
        e1 = Vector3::new(1.0, 0.0, 0.0).cross(u);
        e1 /= e1.norm();
    } else {
        e1 /= n;
    }
    let e2 = u.cross(&e1);
    (e1, e2)
}

/// Minimum distance from the origin (Earth centre) to the segment from `a` to `b`, m.
/// Used for line-of-sight blockage: the segment is blocked when this is below the Earth
/// radius plus the grazing altitude.
#[inline]
pub fn segment_min_radius(a: &Vector3<f64>, b: &Vector3<f64>) -> f64 {
    let d = b - a;
    let dd = d.norm_squared();
    if dd == 0.0 {
        return a.norm();
    }
    let t = (-a.dot(&d) / dd).clamp(0.0, 1.0);
    (a + d * t).norm()
}

/// Angle between two vectors, rad, in [0, pi] (atan2 form, accurate for small angles).
#[inline]
pub fn angle_between(a: &Vector3<f64>, b: &Vector3<f64>) -> f64 {
    a.cross(b).norm().atan2(a.dot(b))
}

/// Local frame of a nadir-pointing satellite at `pos` with velocity `vel` (same frame,
/// e.g. `pos_eci_m` and `vel_eci_m_s`): `z` to nadir (geocentric, `-pos / |pos|`), `x`
/// along the horizontal part of the velocity, `y = z x x`. Returns the unit vectors
/// `(x, y, z)` in the frame of the inputs. A payload's pointing bias is fixed in this
/// frame: the sensor applies it here and the tracker's consider model maps it through
/// the same function. With no horizontal velocity `x` is any horizontal axis (ECI `x`
/// or `y` made perpendicular to `z`).
///
/// ```
/// use nalgebra::Vector3;
/// // Equatorial circular orbit: at +x moving along +y.
/// let (x, y, z) = tl_core::geom::nadir_frame(&Vector3::new(7.0e6, 0.0, 0.0), &Vector3::new(0.0, 7.5e3, 0.0));
/// assert!((x - Vector3::new(0.0, 1.0, 0.0)).norm() < 1e-12);
/// assert!((z - Vector3::new(-1.0, 0.0, 0.0)).norm() < 1e-12);
/// assert!((y - Vector3::new(0.0, 0.0, -1.0)).norm() < 1e-12); // opposite the orbit normal
/// ```
#[inline]
pub fn nadir_frame(pos: &Vector3<f64>, vel: &Vector3<f64>) -> (Vector3<f64>, Vector3<f64>, Vector3<f64>) {
    let z = -pos.normalize();
    let mut x = vel - z * vel.dot(&z);
    let n = x.norm();
    if n < 1e-9 {
        x = if z.x.abs() < 0.9 { Vector3::x() } else { Vector3::y() };
        x -= z * x.dot(&z);
        x /= x.norm();
    } else {
        x /= n;
    }
    let y = z.cross(&x);
    (x, y, z)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nadir_frame_is_orthonormal_and_matches_the_orbit() {
        // Inclined orbit with a radial velocity component (eccentric): x is the
        // velocity's horizontal part, z nadir, y the negative orbit normal.
        let pos = Vector3::new(6.0e6, 2.0e6, 3.0e6);
        let vel = Vector3::new(-1.0e3, 5.0e3, 4.0e3) + pos.normalize() * 300.0;
        let (x, y, z) = nadir_frame(&pos, &vel);
        let r = pos.normalize();
        let h = pos.cross(&vel).normalize();
        assert!((z + r).norm() < 1e-12);
        assert!((y + h).norm() < 1e-12, "y opposite the orbit normal");
        let vh = vel - r * vel.dot(&r);
        assert!((x - vh.normalize()).norm() < 1e-12);
        assert!((x.cross(&y) - z).norm() < 1e-12, "right-handed");
        // No horizontal velocity: still an orthonormal right-handed frame with z nadir.
        for p in [Vector3::new(7.0e6, 0.0, 0.0), Vector3::new(0.0, 0.0, 7.0e6)] {
            let (x, y, z) = nadir_frame(&p, &(p * 1e-3));
            assert!((z + p.normalize()).norm() < 1e-12);
            assert!(x.dot(&z).abs() < 1e-12 && y.dot(&z).abs() < 1e-12 && x.dot(&y).abs() < 1e-12);
            assert!((x.norm() - 1.0).abs() < 1e-12 && (x.cross(&y) - z).norm() < 1e-12);
        }
    }

    #[test]
    fn basis_is_orthonormal_everywhere() {
        for u in [
            Vector3::new(0.3, -0.4, 0.866),
            Vector3::new(0.0, 0.0, 1.0),
            Vector3::new(0.0, 0.0, -1.0),
            Vector3::new(1e-12, 0.0, 1.0),
        ] {
            let u = u.normalize();
            let (e1, e2) = los_basis(&u);
            assert!((e1.norm() - 1.0).abs() < 1e-12 && (e2.norm() - 1.0).abs() < 1e-12);
            assert!(e1.dot(&u).abs() < 1e-12 && e2.dot(&u).abs() < 1e-12 && e1.dot(&e2).abs() < 1e-12);
            assert!((e1.cross(&e2) - u).norm() < 1e-12, "right-handed");
        }
    }

    #[test]
    fn segment_radius() {
        let a = Vector3::new(-10.0, 1.0, 0.0);
        let b = Vector3::new(10.0, 1.0, 0.0);
        assert!((segment_min_radius(&a, &b) - 1.0).abs() < 1e-12);
        let c = Vector3::new(-5.0, 1.0, 0.0);
        assert!((segment_min_radius(&a, &c) - c.norm()).abs() < 1e-12);
    }
}
