//! Small, tested integrators for `r'' = a(t, r, r')`: classic fixed-step RK4 (powered
//! flight) and the adaptive Dormand-Prince 5(4) pair with first-same-as-last (coast and
//! reentry); and quintic Hermite interpolation between nodes that carry position,
//! velocity and acceleration.
//!
//! Sources: Hairer, Norsett & Wanner, *Solving Ordinary Differential Equations I*, 2nd ed.
//! (1993), sec. II.1 (RK4), II.5 (Dormand-Prince coefficients, Table 5.2) and II.4
//! (step-size control).

use tl_core::Vec3;

/// A sampled state: time, position, velocity and acceleration (the acceleration is the
/// model's value at that instant, the left or right limit at an event).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Node {
    /// Time, s since the scenario epoch.
    pub t_s: f64,
    /// Position, ECI, m.
    pub pos_eci_m: Vec3,
    /// Velocity, ECI, m/s.
    pub vel_eci_m_s: Vec3,
    /// Acceleration, ECI, m/s^2.
    pub acc_eci_m_s2: Vec3,
}

/// One classic RK4 step of size `h` from (t, r, v) with the acceleration `a0 = f(t, r, v)`
/// already known. Returns (r, v) at t + h.
#[inline]
pub fn rk4_step<F: FnMut(f64, &Vec3, &Vec3) -> Vec3>(
    f: &mut F,
    t: f64,
    r: &Vec3,
    v: &Vec3,
    a0: &Vec3,
    h: f64,
) -> (Vec3, Vec3) {
    let k1r = *v;
    let k1v = *a0;
    let r2 = r + k1r * (h / 2.0);
    let v2 = v + k1v * (h / 2.0);
    let k2v = f(t + h / 2.0, &r2, &v2);
    let k2r = v2;
    let r3 = r + k2r * (h / 2.0);
    let v3 = v + k2v * (h / 2.0);
    let k3v = f(t + h / 2.0, &r3, &v3);
    let k3r = v3;
    let r4 = r + k3r * h;
    let v4 = v + k3v * h;
    let k4v = f(t + h, &r4, &v4);
    let k4r = v4;
    (r + (k1r + 2.0 * k2r + 2.0 * k3r + k4r) * (h / 6.0), v + (k1v + 2.0 * k2v + 2.0 * k3v + k4v) * (h / 6.0))
}

/// Tolerances of the adaptive integrator: an error component passes when
/// `|err| <= abs + rel * |y|`, with separate absolute parts for position and velocity.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerance {
    /// Relative tolerance.
    pub rel: f64,
    /// Absolute position tolerance, m.
    pub abs_pos_m: f64,
    /// Absolute velocity tolerance, m/s.
    pub abs_vel_m_s: f64,
}

impl Default for Tolerance {
    /// The default: 1e-11 relative, 1 mm, 1 um/s. Conserves coast energy to ~1e-11 over a
    /// 30-minute ICBM coast (tested: < 1e-9 required).
    fn default() -> Self {
        Self { rel: 1e-11, abs_pos_m: 1e-3, abs_vel_m_s: 1e-6 }
    }
}

/// Result of one attempted Dormand-Prince step.
pub struct Dp45Step {
    /// Position at t + h, m.
    pub r: Vec3,
    /// Velocity at t + h, m/s.
    pub v: Vec3,
    /// Acceleration at t + h (FSAL: the next step's first stage), m/s^2.
    pub a: Vec3,
    /// Error norm (<= 1 means accepted).
    pub err: f64,
}

/// One Dormand-Prince 5(4) step of size `h` from (t, r, v) with `a0 = f(t, r, v)`.
#[inline]
pub fn dp45_step<F: FnMut(f64, &Vec3, &Vec3) -> Vec3>(
    f: &mut F,
    t: f64,
    r: &Vec3,
    v: &Vec3,
    a0: &Vec3,
    h: f64,
    tol: &Tolerance,
) -> Dp45Step {
    const A21: f64 = 1.0 / 5.0;
    const A31: f64 = 3.0 / 40.0;
    const A32: f64 = 9.0 / 40.0;
    const A41: f64 = 44.0 / 45.0;
    const A42: f64 = -56.0 / 15.0;
    const A43: f64 = 32.0 / 9.0;
    const A51: f64 = 19372.0 / 6561.0;
    const A52: f64 = -25360.0 / 2187.0;
    const A53: f64 = 64448.0 / 6561.0;
    const A54: f64 = -212.0 / 729.0;
    const A61: f64 = 9017.0 / 3168.0;
    const A62: f64 = -355.0 / 33.0;
    const A63: f64 = 46732.0 / 5247.0;
    const A64: f64 = 49.0 / 176.0;
    const A65: f64 = -5103.0 / 18656.0;
    const B1: f64 = 35.0 / 384.0;
    const B3: f64 = 500.0 / 1113.0;
    const B4: f64 = 125.0 / 192.0;
    const B5: f64 = -2187.0 / 6784.0;
    const B6: f64 = 11.0 / 84.0;
    const E1: f64 = 71.0 / 57600.0;
    const E3: f64 = -71.0 / 16695.0;
    const E4: f64 = 71.0 / 1920.0;
    const E5: f64 = -17253.0 / 339200.0;
    const E6: f64 = 22.0 / 525.0;
    const E7: f64 = -1.0 / 40.0;
    let (k1r, k1v) = (*v, *a0);
    let y2r = r + h * (A21 * k1r);
    let y2v = v + h * (A21 * k1v);
    let (k2r, k2v) = (y2v, f(t + h / 5.0, &y2r, &y2v));
    let y3r = r + h * (A31 * k1r + A32 * k2r);
    let y3v = v + h * (A31 * k1v + A32 * k2v);
    let (k3r, k3v) = (y3v, f(t + 0.3 * h, &y3r, &y3v));
    let y4r = r + h * (A41 * k1r + A42 * k2r + A43 * k3r);
    let y4v = v + h * (A41 * k1v + A42 * k2v + A43 * k3v);
    let (k4r, k4v) = (y4v, f(t + 0.8 * h, &y4r, &y4v));
    let y5r = r + h * (A51 * k1r + A52 * k2r + A53 * k3r + A54 * k4r);
    let y5v = v + h * (A51 * k1v + A52 * k2v + A53 * k3v + A54 * k4v);
    let (k5r, k5v) = (y5v, f(t + h * 8.0 / 9.0, &y5r, &y5v));
    let y6r = r + h * (A61 * k1r + A62 * k2r + A63 * k3r + A64 * k4r + A65 * k5r);
    let y6v = v + h * (A61 * k1v + A62 * k2v + A63 * k3v + A64 * k4v + A65 * k5v);
    let (k6r, k6v) = (y6v, f(t + h, &y6r, &y6v));
    let rn = r + h * (B1 * k1r + B3 * k3r + B4 * k4r + B5 * k5r + B6 * k6r);
    let vn = v + h * (B1 * k1v + B3 * k3v + B4 * k4v + B5 * k5v + B6 * k6v);
    let (k7r, k7v) = (vn, f(t + h, &rn, &vn));
    let er = h * (E1 * k1r + E3 * k3r + E4 * k4r + E5 * k5r + E6 * k6r + E7 * k7r);
    let ev = h * (E1 * k1v + E3 * k3v + E4 * k4v + E5 * k5v + E6 * k6v + E7 * k7v);
    let mut err: f64 = 0.0;
    for i in 0..3 {
        let sr = tol.abs_pos_m + tol.rel * r[i].abs().max(rn[i].abs());
        let sv = tol.abs_vel_m_s + tol.rel * v[i].abs().max(vn[i].abs());
        err = err.max((er[i] / sr).abs()).max((ev[i] / sv).abs());
    }
    Dp45Step { r: rn, v: vn, a: k7v, err }
}

/// Next step size after a step with error norm `err` (order-5 controller, safety 0.9,
/// growth limited to [0.2, 5]).
#[inline]
pub fn next_step(h: f64, err: f64) -> f64 {
    let fac = if err == 0.0 { 5.0 } else { (0.9 * err.powf(-0.2)).clamp(0.2, 5.0) };
    h * fac
}

/// Quintic Hermite interpolation between nodes `n0` and `n1` at time `t_s` (position,
/// velocity). Exact for polynomial motion up to degree 5; its error for smooth motion is
/// O(h^6) in position.
#[inline]
pub fn hermite5(n0: &Node, n1: &Node, t_s: f64) -> (Vec3, Vec3) {
    let h = n1.t_s - n0.t_s;
    if h <= 0.0 {
        return (n0.pos_eci_m, n0.vel_eci_m_s);
    }
    let s = (t_s - n0.t_s) / h;
    let s2 = s * s;
    let s3 = s2 * s;
    let s4 = s3 * s;
    let s5 = s4 * s;
    let h0 = 1.0 - 10.0 * s3 + 15.0 * s4 - 6.0 * s5;
    let h1 = s - 6.0 * s3 + 8.0 * s4 - 3.0 * s5;
    let h2 = 0.5 * s2 - 1.5 * s3 + 1.5 * s4 - 0.5 * s5;
    let h3 = 0.5 * s3 - s4 + 0.5 * s5;
    let h4 = -4.0 * s3 + 7.0 * s4 - 3.0 * s5;
    let h5 = 10.0 * s3 - 15.0 * s4 + 6.0 * s5;
    let d0 = -30.0 * s2 + 60.0 * s3 - 30.0 * s4;
    let d1 = 1.0 - 18.0 * s2 + 32.0 * s3 - 15.0 * s4;
    let d2 = s - 4.5 * s2 + 6.0 * s3 - 2.5 * s4;
    let d3 = 1.5 * s2 - 4.0 * s3 + 2.5 * s4;
    let d4 = -12.0 * s2 + 28.0 * s3 - 15.0 * s4;
    let d5 = 30.0 * s2 - 60.0 * s3 + 30.0 * s4;
    let hh = h * h;
    let p = n0.pos_eci_m * h0
        + n0.vel_eci_m_s * (h * h1)
        + n0.acc_eci_m_s2 * (hh * h2)
        + n1.acc_eci_m_s2 * (hh * h3)
        + n1.vel_eci_m_s * (h * h4)
        + n1.pos_eci_m * h5;
    let v = (n0.pos_eci_m * d0
        + n0.vel_eci_m_s * (h * d1)
        + n0.acc_eci_m_s2 * (hh * d2)
        + n1.acc_eci_m_s2 * (hh * d3)
        + n1.vel_eci_m_s * (h * d4)
        + n1.pos_eci_m * d5)
        / h;
    (p, v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kepler_accel(_t: f64, r: &Vec3, _v: &Vec3) -> Vec3 {
        tl_core::gravity::accel_point_mass(r)
    }

    #[test]
    fn rk4_is_fourth_order() {
        // Circular orbit at 7,000 km: error after 600 s with h and h/2 must drop ~16x.
        let r0 = Vec3::new(7.0e6, 0.0, 0.0);
        let vc = (tl_core::consts::MU_EARTH_M3_S2 / 7.0e6).sqrt();
        let v0 = Vec3::new(0.0, vc, 0.0);
        let w = vc / 7.0e6;
        let exact = Vec3::new(7.0e6 * (w * 600.0).cos(), 7.0e6 * (w * 600.0).sin(), 0.0);
        let run = |h: f64| {
            let (mut r, mut v, mut t) = (r0, v0, 0.0);
            let mut f = kepler_accel;
            while t < 600.0 - 1e-9 {
                let a = f(t, &r, &v);
                (r, v) = rk4_step(&mut f, t, &r, &v, &a, h);
                t += h;
            }
            (r - exact).norm()
        };
        let (e1, e2) = (run(20.0), run(10.0));
        assert!(e1 / e2 > 13.0 && e1 / e2 < 19.0, "{e1} {e2}");
    }

    #[test]
    fn dp45_follows_a_kepler_orbit() {
        let r0 = Vec3::new(7.0e6, 0.0, 0.0);
        let vc = (tl_core::consts::MU_EARTH_M3_S2 / 7.0e6).sqrt();
        let v0 = Vec3::new(0.0, vc, 0.0);
        let period = std::f64::consts::TAU * 7.0e6 / vc;
        let tol = Tolerance::default();
        let mut f = kepler_accel;
        let (mut r, mut v, mut t, mut h): (Vec3, Vec3, f64, f64) = (r0, v0, 0.0, 10.0);
        let mut a = f(t, &r, &v);
        while t < period {
            let h_try = h.min(period - t);
            let s = dp45_step(&mut f, t, &r, &v, &a, h_try, &tol);
            if s.err <= 1.0 {
                t += h_try;
                (r, v, a) = (s.r, s.v, s.a);
            }
            h = next_step(h_try, s.err);
            if period - t < 1e-9 {
                break;
            }
        }
        assert!((r - r0).norm() < 0.05, "{}", (r - r0).norm());
    }

    #[test]
    fn hermite_is_exact_for_quintics() {
        let p = |t: f64| Vec3::new(t.powi(5) - 2.0 * t.powi(3), 3.0 * t * t, 1.0 - t.powi(4));
        let dp = |t: f64| Vec3::new(5.0 * t.powi(4) - 6.0 * t * t, 6.0 * t, -4.0 * t.powi(3));
        let ddp = |t: f64| Vec3::new(20.0 * t.powi(3) - 12.0 * t, 6.0, -12.0 * t * t);
        let n = |t: f64| Node { t_s: t, pos_eci_m: p(t), vel_eci_m_s: dp(t), acc_eci_m_s2: ddp(t) };
        let (a, b) = (n(0.3), n(1.7));
        for i in 0..=10 {
            let t = 0.3 + 1.4 * i as f64 / 10.0;
            let (x, v) = hermite5(&a, &b, t);
            assert!((x - p(t)).norm() < 1e-12 && (v - dp(t)).norm() < 1e-11, "t {t}");
        }
    }
}
