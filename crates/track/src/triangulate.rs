//! Triangulation of lines of sight from two or more satellites.
//!
//! Each ray `i` (satellite position `s_i`, unit direction `u_i`, angle covariance `C_i`
//! in the LOS basis `E_i = [e1_i e2_i]^T` of [`tl_core::geom::los_basis`]) constrains a
//! point `r` through its perpendicular offset `E_i (r - s_i) = 0`, whose standard
//! deviation is the range `rho_i` times the angle error. Weighted least squares:
//!
//! `A = sum_i E_i^T (rho_i^2 C_i)^-1 E_i`, `b = sum_i E_i^T (rho_i^2 C_i)^-1 E_i s_i`,
//! `r = A^-1 b`, `cov(r) = A^-1`,
//!
//! iterated twice so the ranges come from the estimate. `A^-1` is the geometric dilution
//! of precision of the geometry: for two rays crossing at angle `theta` with equal range
//! `rho` and isotropic angle noise `sigma`, the standard deviations are
//! `rho sigma / (sqrt 2 sin(theta/2))` along the bisector, `rho sigma / (sqrt 2 cos(theta/2))`
//! across it in the plane of the rays, and `rho sigma / sqrt 2` normal to that plane.
//! The residual `chi2 = sum_i |E_i (r - s_i)|^2_(rho_i^2 C_i)^-1` has `2N - 3` degrees of
//! freedom and gates wrong pairings (ghosts).
//!
//! Velocity from angle rates: the LOS rate of ray `i` satisfies
//! `E_i (v - v_si) = rho_i omega_i` with `omega_i` the rates along `(e1, e2)`; with two or
//! more rays this is a linear least-squares problem for `v` with covariance
//! `(sum_i E_i^T (rho_i^2 W_i)^-1 E_i)^-1`, `W_i` the rate covariance.

use nalgebra::{Matrix2, Matrix3, SMatrix, Vector2, Vector3};

/// One line of sight.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ray {
    /// Observer position, ECI m.
    pub origin_m: Vector3<f64>,
    /// Unit direction.
    pub dir: Vector3<f64>,
    /// Angle covariance in the LOS basis of `dir`, rad^2.
    pub cov_rad2: Matrix2<f64>,
}

/// A triangulated point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fix {
    /// Position, ECI m.
    pub pos_m: Vector3<f64>,
    /// Covariance, m^2.
    pub cov_m2: Matrix3<f64>,
    /// Residual chi-square (2N - 3 degrees of freedom).
    pub chi2: f64,
    /// Largest angle between any two rays, rad.
    pub max_parallax_rad: f64,
    /// Range from each ray's origin, m (first N entries).
    pub ranges_m: [f64; 8],
    /// Sensitivity of the position to each ray's angle errors (first N entries),
    /// `d r / d theta_i = A^-1 E_i^T (rho_i^2 C_i)^-1 rho_i`, m/rad: an angle offset
    /// `theta_i` of ray `i` (in its LOS basis) moves the fix by `J_i theta_i`. Used to
    /// correlate the fix with the rays' pointing biases.
    pub angle_sens_m_rad: [SMatrix<f64, 3, 2>; 8],
}

fn basis(u: &Vector3<f64>) -> SMatrix<f64, 2, 3> {
    let (e1, e2) = tl_core::geom::los_basis(u);
    SMatrix::<f64, 2, 3>::from_rows(&[e1.transpose(), e2.transpose()])
}

/// Triangulate two or more (at most 8) rays. `None` when the geometry is degenerate
/// (parallel rays), a covariance is not PD, or the point lies behind an observer.
pub fn triangulate(rays: &[Ray]) -> Option<Fix> {
    if rays.len() < 2 || rays.len() > 8 {
        return None;
    }
    let mut max_par: f64 = 0.0;
    for i in 0..rays.len() {
        for j in (i + 1)..rays.len() {
            max_par = max_par.max(tl_core::geom::angle_between(&rays[i].dir, &rays[j].dir));
        }
    }
    if max_par < 1e-6 {
        return None;
    }
    // Unweighted closest point first (ranges unknown): sum (I - u u^T)(r - s) = 0.
    let mut a = Matrix3::zeros();
    let mut b = Vector3::zeros();
    for r in rays {
        let pm = Matrix3::identity() - r.dir * r.dir.transpose();
        a += pm;
        b += pm * r.origin_m;
    }
    let mut pos = a.try_inverse()? * b;
    let mut ranges = [0.0; 8];
    let mut cov = Matrix3::zeros();
    for _ in 0..2 {
        let mut a = Matrix3::zeros();
        let mut b = Vector3::zeros();
        for (k, r) in rays.iter().enumerate() {
            let rho = (pos - r.origin_m).dot(&r.dir);
            if rho <= 0.0 {
                return None;
            }
            ranges[k] = rho;
            let e = basis(&r.dir);
            let w = (r.cov_rad2 * (rho * rho)).try_inverse()?;
            let m = e.transpose() * w * e;
            a += m;
            b += m * r.origin_m;
        }
        cov = a.try_inverse()?;
        pos = cov * b;
    }
    let mut chi2 = 0.0;
    let mut sens = [SMatrix::<f64, 3, 2>::zeros(); 8];
    for (k, r) in rays.iter().enumerate() {
        let e = basis(&r.dir);
        let off: Vector2<f64> = e * (pos - r.origin_m);
        let w = (r.cov_rad2 * (ranges[k] * ranges[k])).try_inverse()?;
        chi2 += (off.transpose() * w * off)[0];
        sens[k] = cov * e.transpose() * w * ranges[k];
    }
    let mut c = cov;
    crate::linalg::symmetrize(&mut c);
    Some(Fix {
        pos_m: pos,
        cov_m2: c,
        chi2,
        max_parallax_rad: max_par,
        ranges_m: ranges,
        angle_sens_m_rad: sens,
    })
}

/// One ray's angle-rate information for [`velocity_from_rates`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateRay {
    /// The ray.
    pub ray: Ray,
    /// Observer velocity, ECI m/s.
    pub origin_vel_m_s: Vector3<f64>,
    /// LOS rate along `(e1, e2)` of the ray's basis, rad/s.
    pub rate_rad_s: Vector2<f64>,
    /// Covariance of the rates, (rad/s)^2.
    pub rate_cov: Matrix2<f64>,
}

/// Velocity (and covariance) of a point at `pos_m` from the LOS rates of two or more
/// rays (least squares on `E_i (v - v_si) = rho_i omega_i`).
pub fn velocity_from_rates(pos_m: &Vector3<f64>, rays: &[RateRay]) -> Option<(Vector3<f64>, Matrix3<f64>)> {
    if rays.len() < 2 {
        return None;
    }
    let mut a = Matrix3::zeros();
    let mut b = Vector3::zeros();
    for r in rays {
        let d = pos_m - r.ray.origin_m;
        let rho = d.norm();
        let u = d / rho;
        let e = basis(&u);
        let w = (r.rate_cov * (rho * rho)).try_inverse()?;
        let m = e.transpose() * w;
        a += m * e;
        b += m * (e * r.origin_vel_m_s + r.rate_rad_s * rho);
    }
    let cov = a.try_inverse()?;
    let mut c = cov;
    crate::linalg::symmetrize(&mut c);
    Some((cov * b, c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tl_core::rng::RngStream;

    fn noisy_ray(rng: &mut RngStream, s: Vector3<f64>, target: Vector3<f64>, sigma: f64) -> Ray {
        let u = (target - s).normalize();
        let (e1, e2) = tl_core::geom::los_basis(&u);
        let d = (u + e1 * (sigma * rng.normal()) + e2 * (sigma * rng.normal())).normalize();
        Ray { origin_m: s, dir: d, cov_rad2: Matrix2::identity() * sigma * sigma }
    }

    #[test]
    fn exact_rays_meet_at_the_target() {
        let t = Vector3::new(6.5e6, 1.0e5, 2.0e5);
        let s1 = Vector3::new(7.3e6, -1.0e6, 0.0);
        let s2 = Vector3::new(7.0e6, 1.5e6, 1.0e6);
        let rays = [
            Ray { origin_m: s1, dir: (t - s1).normalize(), cov_rad2: Matrix2::identity() * 1e-10 },
            Ray { origin_m: s2, dir: (t - s2).normalize(), cov_rad2: Matrix2::identity() * 1e-10 },
        ];
        let f = triangulate(&rays).unwrap();
        assert!((f.pos_m - t).norm() < 1e-4, "{}", (f.pos_m - t).norm());
        assert!(f.chi2 < 1e-12);
    }

    #[test]
    fn rates_give_velocity() {
        let t = Vector3::new(6.5e6, 1.0e5, 2.0e5);
        let v = Vector3::new(1_000.0, 3_000.0, 2_000.0);
        let mut rr = Vec::new();
        for (s, vs) in [
            (Vector3::new(7.3e6, -1.0e6, 0.0), Vector3::new(0.0, 7_000.0, 1_000.0)),
            (Vector3::new(7.0e6, 1.5e6, 1.0e6), Vector3::new(-1_000.0, 0.0, 7_000.0)),
        ] {
            let d = t - s;
            let rho = d.norm();
            let u = d / rho;
            let (e1, e2) = tl_core::geom::los_basis(&u);
            let ud = (v - vs - u * u.dot(&(v - vs))) / rho;
            rr.push(RateRay {
                ray: Ray { origin_m: s, dir: u, cov_rad2: Matrix2::identity() * 1e-10 },
                origin_vel_m_s: vs,
                rate_rad_s: Vector2::new(e1.dot(&ud), e2.dot(&ud)),
                rate_cov: Matrix2::identity() * 1e-12,
            });
        }
        let (ve, _) = velocity_from_rates(&t, &rr).unwrap();
        assert!((ve - v).norm() < 1e-6, "{ve} vs {v}");
    }

    /// Validation (issue 5): two-satellite triangulation error matches the GDOP predicted
    /// from the angle noise and the baseline, over many trials.
    #[test]
    fn triangulation_error_matches_gdop_prediction() {
        let mut rng = RngStream::new(11, 0, 0, "track.test.gdop");
        let target = Vector3::new(6_478_137.0, 0.0, 0.0); // 100 km altitude
        let sigma = 20e-6; // 20 urad
        // Two LEO observers at 1,000 km range-ish, baseline gives a ~60 deg crossing.
        let s1 = target + Vector3::new(800e3, -600e3, 300e3);
        let s2 = target + Vector3::new(700e3, 700e3, -200e3);
        let n = 4_000;
        let mut sum_nees = 0.0;
        let mut err2 = Matrix3::zeros();
        let mut cov_pred = Matrix3::zeros();
        for _ in 0..n {
            let rays = [noisy_ray(&mut rng, s1, target, sigma), noisy_ray(&mut rng, s2, target, sigma)];
            let f = triangulate(&rays).unwrap();
            let e = f.pos_m - target;
            err2 += e * e.transpose();
            cov_pred += f.cov_m2;
            sum_nees += (e.transpose() * f.cov_m2.try_inverse().unwrap() * e)[0];
        }
        err2 /= n as f64;
        cov_pred /= n as f64;
        // Mean NEES of 3-D errors is 3; with n = 4000 its standard error is sqrt(6/n) = 0.039.
        let mean_nees = sum_nees / n as f64;
        assert!((mean_nees - 3.0).abs() < 0.15, "mean NEES {mean_nees}");
        // Per-axis: empirical RMS matches sqrt(diag(GDOP covariance)) within 5 %
        // (sampling error of a variance with n = 4000 is sqrt(2/n) = 2.2 %, i.e. 1.1 % on RMS).
        for i in 0..3 {
            let ratio = (err2[(i, i)] / cov_pred[(i, i)]).sqrt();
            assert!((ratio - 1.0).abs() < 0.05, "axis {i}: empirical/predicted RMS {ratio}");
        }
        // And against the closed form for the total error: trace(A^-1) for this geometry.
        let rho1 = (target - s1).norm();
        let rho2 = (target - s2).norm();
        let u1 = (target - s1) / rho1;
        let u2 = (target - s2) / rho2;
        let a = (Matrix3::identity() - u1 * u1.transpose()) / (rho1 * rho1 * sigma * sigma)
            + (Matrix3::identity() - u2 * u2.transpose()) / (rho2 * rho2 * sigma * sigma);
        let gdop_rms = a.try_inverse().unwrap().trace().sqrt();
        let emp_rms = err2.trace().sqrt();
        assert!((emp_rms / gdop_rms - 1.0).abs() < 0.05, "empirical {emp_rms} vs GDOP {gdop_rms}");
    }
}
