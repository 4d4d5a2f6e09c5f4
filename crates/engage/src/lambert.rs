//! Lambert's problem: the two-body arc that joins two positions in a given time.
//!
//! Universal-variable formulation (Bate, Mueller & White 1971, ch. 5; Vallado 2013,
//! sec. 7.6; Curtis 2014, sec. 5.3). With the transfer angle `dnu` (short way,
//! `0 <= dnu < pi`), `A = sqrt(r1 r2 (1 + cos dnu))`, the Stumpff functions `C(z)`, `S(z)`
//! and `y(z) = r1 + r2 + A (z S - 1) / sqrt(C)`, the time of flight is
//!
//! ```text
//! sqrt(mu) t(z) = (y / C)^(3/2) S + A sqrt(y)
//! ```
//!
//! which increases monotonically with `z` for the zero-revolution transfer. We solve
//! `t(z) = tof` by Newton's method (derivative from Curtis eq. 5.43) inside a bisection
//! bracket that is widened until it holds the root, so every step is safeguarded. The
//! velocities follow from the Lagrange coefficients `f = 1 - y/r1`, `g = A sqrt(y/mu)`,
//! `gdot = 1 - y/r2`.
//!
//! Only the short-way, zero-revolution arc is computed: a kill vehicle's transfer spans a
//! few degrees of arc in a few minutes, far from the long way or multi-revolution cases.
//! Tested against Vallado's Example 7-5 and Curtis's Example 5.2 and by propagating the
//! solution with an independent Kepler propagator.

use nalgebra::Vector3;

/// Why Lambert's problem has no answer here.
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
pub enum LambertError {
    /// The time of flight is not a finite positive number.
    #[error("Lambert: time of flight {0} s must be finite and > 0")]
    BadTimeOfFlight(f64),
    /// A position is at the origin or not finite.
    #[error("Lambert: positions must be finite and away from the Earth's centre")]
    BadPosition,
    /// The two positions are opposite (transfer angle of 180 deg): the transfer plane is
    /// undefined.
    #[error("Lambert: transfer angle of 180 deg, the transfer plane is undefined")]
    Antipodal,
    /// The iteration did not converge.
    #[error("Lambert: no convergence")]
    NoConvergence,
}

/// The Stumpff functions `(C(z), S(z))`, with series near `z = 0`.
///
/// ```
/// let (c, s) = tl_engage::lambert::stumpff(0.0);
/// assert!((c - 0.5).abs() < 1e-15 && (s - 1.0 / 6.0).abs() < 1e-15);
/// ```
#[inline]
pub fn stumpff(z: f64) -> (f64, f64) {
    if z > 1e-3 {
        let sz = z.sqrt();
        let (s, c) = sz.sin_cos();
        ((1.0 - c) / z, (sz - s) / (z * sz))
    } else if z < -1e-3 {
        let sz = (-z).sqrt();
        ((sz.cosh() - 1.0) / (-z), (sz.sinh() - sz) / (-z * sz))
    } else {
        // Taylor series: C = sum (-z)^k / (2k+2)!, S = sum (-z)^k / (2k+3)!.
        let c = 1.0 / 2.0 - z / 24.0 + z * z / 720.0 - z * z * z / 40_320.0 + z.powi(4) / 3_628_800.0;
        let s = 1.0 / 6.0 - z / 120.0 + z * z / 5_040.0 - z * z * z / 362_880.0 + z.powi(4) / 39_916_800.0;
        (c, s)
    }
}

/// The solution of one Lambert problem.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LambertArc {
    /// Velocity at the first position, m/s (same frame as the positions).
    pub v1_m_s: Vector3<f64>,
    /// Velocity at the second position, m/s.
    pub v2_m_s: Vector3<f64>,
    /// The universal variable z = x^2 / a at the solution (> 0 ellipse, < 0 hyperbola).
    pub z: f64,
}

/// Solve Lambert's problem (short way, zero revolutions): the arc from `r1_m` to `r2_m`
/// (m, inertial frame) taking `tof_s` seconds under the central gravity `mu_m3_s2`.
///
/// ```
/// use nalgebra::Vector3;
/// // Curtis, Orbital Mechanics for Engineering Students, Example 5.2 (km, km/s).
/// let mu = 398_600.0e9;
/// let r1 = Vector3::new(5_000.0e3, 10_000.0e3, 2_100.0e3);
/// let r2 = Vector3::new(-14_600.0e3, 2_500.0e3, 7_000.0e3);
/// let arc = tl_engage::lambert::solve(&r1, &r2, 3_600.0, mu).unwrap();
/// assert!((arc.v1_m_s - Vector3::new(-5_992.5, 1_925.4, 3_245.6)).norm() < 1.0);
/// ```
pub fn solve(
    r1_m: &Vector3<f64>,
    r2_m: &Vector3<f64>,
    tof_s: f64,
    mu_m3_s2: f64,
) -> Result<LambertArc, LambertError> {
    if !(tof_s.is_finite() && tof_s > 0.0) {
        return Err(LambertError::BadTimeOfFlight(tof_s));
    }
    let r1 = r1_m.norm();
    let r2 = r2_m.norm();
    if !(r1.is_finite() && r2.is_finite() && r1 > 1.0 && r2 > 1.0) {
        return Err(LambertError::BadPosition);
    }
    let cos_dnu = (r1_m.dot(r2_m) / (r1 * r2)).clamp(-1.0, 1.0);
    if cos_dnu < -1.0 + 1e-12 {
        return Err(LambertError::Antipodal);
    }
    let a = (r1 * r2 * (1.0 + cos_dnu)).sqrt();
    let sqrt_mu = mu_m3_s2.sqrt();
    let target = sqrt_mu * tof_s;

    let y_of = |z: f64| -> (f64, f64, f64) {
        let (c, s) = stumpff(z);
        (r1 + r2 + a * (z * s - 1.0) / c.sqrt(), c, s)
    };
    // F(z) = sqrt(mu) t(z) - sqrt(mu) tof; defined where y > 0.
    let f_of = |z: f64| -> Option<f64> {
        let (y, c, s) = y_of(z);
        if y <= 0.0 {
            return None;
        }
        Some((y / c).powf(1.5) * s + a * y.sqrt() - target)
    };

    // Upper bracket: just below 4 pi^2 (one full revolution) where t -> infinity.
    let mut hi = 4.0 * std::f64::consts::PI * std::f64::consts::PI - 1e-9;
    // Lower bracket: lower z until F < 0 (short flights are hyperbolic, z < 0).
    let mut lo = -4.0 * std::f64::consts::PI;
    let mut guard = 0;
    loop {
        match f_of(lo) {
            Some(v) if v < 0.0 => break,
            Some(_) => lo = 2.0 * lo - 1.0,
            // y <= 0 at lo: t is not defined there, and t -> 0 as y -> 0+, so the root
            // lies above; the Newton loop treats such points as "too short" (F < 0).
            None => break,
        }
        guard += 1;
        if guard > 60 {
            return Err(LambertError::NoConvergence);
        }
    }
    // F(hi) should be positive (t -> inf near 4 pi^2).
    if !f_of(hi).is_some_and(|v| v > 0.0) {
        return Err(LambertError::NoConvergence);
    }

    // Safeguarded Newton from z = 0 (or the bracket middle).
    let mut z = if lo < 0.0 && hi > 0.0 { 0.0 } else { 0.5 * (lo + hi) };
    let tol = 1e-12 * target.max(1.0);
    let mut converged = false;
    for _ in 0..100 {
        let (y, c, s) = y_of(z);
        let fz = if y > 0.0 { (y / c).powf(1.5) * s + a * y.sqrt() - target } else { -target };
        if fz.abs() <= tol {
            converged = true;
            break;
        }
        if fz < 0.0 {
            lo = z;
        } else {
            hi = z;
        }
        let mut next = 0.5 * (lo + hi);
        if y > 0.0 {
            // dF/dz, Curtis (2014) eq. 5.43 (z != 0) and its limit at z = 0.
            let d = if z.abs() > 1e-6 {
                (y / c).powf(1.5) * ((c - 1.5 * s / c) / (2.0 * z) + 0.75 * s * s / c)
                    + a / 8.0 * (3.0 * s / c * y.sqrt() + a * (c / y).sqrt())
            } else {
                std::f64::consts::SQRT_2 / 40.0 * y.powf(1.5) + a / 8.0 * (y.sqrt() + a * (0.5 / y).sqrt())
            };
            if d > 0.0 && d.is_finite() {
                let newton = z - fz / d;
                if newton > lo && newton < hi {
                    next = newton;
                }
            }
        }
        if (next - z).abs() <= 1e-15 * (1.0 + z.abs()) {
            z = next;
            converged = true;
            break;
        }
        z = next;
        if hi - lo <= 1e-14 * (1.0 + z.abs()) {
            converged = true;
            break;
        }
    }
    if !converged {
        return Err(LambertError::NoConvergence);
    }
    let (y, _, _) = y_of(z);
    let f = 1.0 - y / r1;
    let g = a * (y / mu_m3_s2).sqrt();
    let gdot = 1.0 - y / r2;
    if !(g.is_finite() && g.abs() > 0.0) {
        return Err(LambertError::NoConvergence);
    }
    let v1 = (r2_m - r1_m * f) / g;
    let v2 = (r2_m * gdot - r1_m) / g;
    Ok(LambertArc { v1_m_s: v1, v2_m_s: v2, z })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tl_core::consts::MU_EARTH_M3_S2;
    use tl_orbit::kepler::KeplerElements;

    /// Propagate a two-body state by `dt`: elliptic states with the independent Kepler
    /// propagator of tl-orbit, any state by RK4 integration (4,000 steps).
    fn kepler_propagate(r: &Vector3<f64>, v: &Vector3<f64>, dt: f64) -> Vector3<f64> {
        let energy = v.norm_squared() / 2.0 - MU_EARTH_M3_S2 / r.norm();
        if energy < 0.0 {
            let el = KeplerElements::from_state(r, v);
            let m = el.mean_anomaly_rad + el.mean_motion_rad_s() * dt;
            return KeplerElements { mean_anomaly_rad: m, ..el }.to_state().0;
        }
        let acc = |p: &Vector3<f64>| -p * (MU_EARTH_M3_S2 / p.norm().powi(3));
        let n = 4_000;
        let h = dt / n as f64;
        let (mut p, mut q) = (*r, *v);
        for _ in 0..n {
            let (k1r, k1v) = (q, acc(&p));
            let (k2r, k2v) = (q + k1v * (h / 2.0), acc(&(p + k1r * (h / 2.0))));
            let (k3r, k3v) = (q + k2v * (h / 2.0), acc(&(p + k2r * (h / 2.0))));
            let (k4r, k4v) = (q + k3v * h, acc(&(p + k3r * h)));
            p += (k1r + k2r * 2.0 + k3r * 2.0 + k4r) * (h / 6.0);
            q += (k1v + k2v * 2.0 + k3v * 2.0 + k4v) * (h / 6.0);
        }
        p
    }

    #[test]
    fn vallado_example_7_5() {
        // Vallado, Fundamentals of Astrodynamics and Applications, 4th ed., Example 7-5:
        // r1 = 15945.34 I km, r2 = 12214.83899 I + 10249.46731 J km, dt = 76 min.
        // Published answer: v1 = 2.058913 I + 2.915965 J km/s,
        //                   v2 = -3.451565 I + 0.910315 J km/s (mu = 398600.4418 km^3/s^2).
        let r1 = Vector3::new(15_945.34e3, 0.0, 0.0);
        let r2 = Vector3::new(12_214.838_99e3, 10_249.467_31e3, 0.0);
        let arc = solve(&r1, &r2, 76.0 * 60.0, MU_EARTH_M3_S2).unwrap();
        let v1 = Vector3::new(2_058.913, 2_915.965, 0.0);
        let v2 = Vector3::new(-3_451.565, 910.315, 0.0);
        assert!((arc.v1_m_s - v1).norm() < 0.01, "{:?}", arc.v1_m_s);
        assert!((arc.v2_m_s - v2).norm() < 0.01, "{:?}", arc.v2_m_s);
    }

    #[test]
    fn curtis_example_5_2() {
        // Curtis, Orbital Mechanics for Engineering Students, 3rd ed., Example 5.2
        // (mu = 398600 km^3/s^2): v1 = (-5.9925, 1.9254, 3.2456) km/s,
        // v2 = (-3.3125, -4.1966, -0.38529) km/s.
        let mu = 398_600.0e9;
        let r1 = Vector3::new(5_000.0e3, 10_000.0e3, 2_100.0e3);
        let r2 = Vector3::new(-14_600.0e3, 2_500.0e3, 7_000.0e3);
        let arc = solve(&r1, &r2, 3_600.0, mu).unwrap();
        let v1 = Vector3::new(-5_992.5, 1_925.4, 3_245.6);
        let v2 = Vector3::new(-3_312.5, -4_196.6, -385.29);
        assert!((arc.v1_m_s - v1).norm() < 0.3, "{:?}", arc.v1_m_s);
        assert!((arc.v2_m_s - v2).norm() < 0.3, "{:?}", arc.v2_m_s);
    }

    #[test]
    fn solutions_arrive_when_propagated() {
        // Short LEO arcs like a kill vehicle's (hyperbolic and elliptic), plus a long
        // elliptic one: propagate v1 for tof and land on r2.
        let r1 = Vector3::new(6_678.0e3, 0.0, 0.0);
        let cases = [
            (Vector3::new(6_500.0e3, 600.0e3, 150.0e3), 60.0),
            (Vector3::new(6_500.0e3, 600.0e3, 150.0e3), 200.0),
            (Vector3::new(6_560.0e3, -300.0e3, 900.0e3), 120.0),
            (Vector3::new(6_600.0e3, 10.0e3, 0.0), 5.0),
            (Vector3::new(-1_000.0e3, 7_000.0e3, 500.0e3), 1_500.0),
            (Vector3::new(6_678.0e3 * 1.0001, 1.0e3, 0.0), 3.0), // nearly radial
        ];
        for (r2, tof) in cases {
            let arc = solve(&r1, &r2, tof, MU_EARTH_M3_S2).unwrap();
            let arrive = kepler_propagate(&r1, &arc.v1_m_s, tof);
            assert!(
                (arrive - r2).norm() < 1e-3 * (r2 - r1).norm().max(1.0),
                "tof {tof}: miss {}",
                (arrive - r2).norm()
            );
        }
    }

    #[test]
    fn bad_inputs() {
        let r = Vector3::new(7.0e6, 0.0, 0.0);
        assert_eq!(solve(&r, &r, 0.0, MU_EARTH_M3_S2), Err(LambertError::BadTimeOfFlight(0.0)));
        assert_eq!(solve(&Vector3::zeros(), &r, 10.0, MU_EARTH_M3_S2), Err(LambertError::BadPosition));
        assert_eq!(solve(&r, &(-r), 10.0, MU_EARTH_M3_S2), Err(LambertError::Antipodal));
        assert!(solve(&r, &Vector3::new(f64::NAN, 0.0, 0.0), 10.0, MU_EARTH_M3_S2).is_err());
    }

    #[test]
    fn stumpff_is_continuous_across_series_switch() {
        for z in [1e-3, -1e-3] {
            let (c0, s0) = stumpff(z * 0.999_999);
            let (c1, s1) = stumpff(z * 1.000_001);
            assert!((c0 - c1).abs() < 1e-9 && (s0 - s1).abs() < 1e-9);
        }
    }
}
