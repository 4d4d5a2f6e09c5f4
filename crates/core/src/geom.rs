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

#[cfg(test)]
mod tests {
    use super::*;

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
