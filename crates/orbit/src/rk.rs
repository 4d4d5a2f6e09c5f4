//! Small Runge-Kutta integrators for `y' = f(t, y)` on fixed-size state vectors.
//!
//! * [`rk4_step`]: classical fourth-order, fixed step.
//! * [`Dopri5`]: Dormand-Prince 5(4) with error control (Hairer, Nørsett & Wanner,
//!   *Solving ODEs I*, table 5.2), local extrapolation (5th-order solution kept), FSAL.

use nalgebra::SVector;

/// One classical RK4 step of size `h` from `(t, y)`.
///
/// ```
/// use nalgebra::SVector;
/// // y' = y, y(0) = 1: one step of 0.1 gives e^0.1 to ~1e-7.
/// let y = tl_orbit::rk::rk4_step(&|_t, y: &SVector<f64, 1>| *y, 0.0, &SVector::<f64, 1>::new(1.0), 0.1);
/// assert!((y[0] - 0.1f64.exp()).abs() < 1e-7);
/// ```
pub fn rk4_step<const N: usize, F>(f: &F, t: f64, y: &SVector<f64, N>, h: f64) -> SVector<f64, N>
where
    F: Fn(f64, &SVector<f64, N>) -> SVector<f64, N>,
{
    let k1 = f(t, y);
    let k2 = f(t + h / 2.0, &(y + k1 * (h / 2.0)));
    let k3 = f(t + h / 2.0, &(y + k2 * (h / 2.0)));
    let k4 = f(t + h, &(y + k3 * h));
    y + (k1 + k2 * 2.0 + k3 * 2.0 + k4) * (h / 6.0)
}

/// Tolerances and step limits for [`Dopri5`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerances {
    /// Relative tolerance per component.
    pub rtol: f64,
    /// Absolute tolerance per component (units of the state).
    pub atol: f64,
    /// Largest step allowed, in units of t.
    pub h_max: f64,
    /// Smallest step allowed before giving up.
    pub h_min: f64,
}

impl Default for Tolerances {
    fn default() -> Self {
        Self { rtol: 1e-10, atol: 1e-6, h_max: f64::INFINITY, h_min: 1e-9 }
    }
}

/// Error from the adaptive integrator.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum IntegrationError {
    /// The step size fell below `h_min` (stiff or singular problem).
    #[error("step size fell below {h_min} at t = {t}")]
    StepTooSmall {
        /// Time reached.
        t: f64,
        /// The limit.
        h_min: f64,
    },
    /// The derivative produced a non-finite value.
    #[error("non-finite state at t = {t}")]
    NonFinite {
        /// Time reached.
        t: f64,
    },
}

// Dormand-Prince coefficients.
const C2: f64 = 1.0 / 5.0;
const C3: f64 = 3.0 / 10.0;
const C4: f64 = 4.0 / 5.0;
const C5: f64 = 8.0 / 9.0;
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
// Error coefficients: b - b*, with b* the embedded 4th-order weights.
const E1: f64 = 71.0 / 57600.0;
const E3: f64 = -71.0 / 16695.0;
const E4: f64 = 71.0 / 1920.0;
const E5: f64 = -17253.0 / 339200.0;
const E6: f64 = 22.0 / 525.0;
const E7: f64 = -1.0 / 40.0;

/// Dormand-Prince 5(4) adaptive integrator. Calls `on_step(t, y, dy)` after every
/// accepted step (including the start), so callers can record nodes for interpolation.
pub struct Dopri5 {
    /// Tolerances and step bounds.
    pub tol: Tolerances,
}

impl Dopri5 {
    /// An integrator with the given tolerances.
    pub fn new(tol: Tolerances) -> Self {
        Self { tol }
    }

    /// Integrate from `(t0, y0)` to `t1` (either direction). Returns the final state.
    ///
    /// ```
    /// use nalgebra::SVector;
    /// use tl_orbit::rk::{Dopri5, Tolerances};
    /// // Harmonic oscillator over one period returns to the start.
    /// let f = |_t: f64, y: &SVector<f64, 2>| SVector::<f64, 2>::new(y[1], -y[0]);
    /// let tol = Tolerances { rtol: 1e-12, atol: 1e-12, ..Tolerances::default() };
    /// let y1 = Dopri5::new(tol)
    ///     .integrate(&f, 0.0, SVector::<f64, 2>::new(1.0, 0.0), std::f64::consts::TAU, |_, _, _| {})
    ///     .unwrap();
    /// assert!((y1[0] - 1.0).abs() < 1e-8 && y1[1].abs() < 1e-8);
    /// ```
    pub fn integrate<const N: usize, F, S>(
        &self,
        f: &F,
        t0: f64,
        y0: SVector<f64, N>,
        t1: f64,
        mut on_step: S,
    ) -> Result<SVector<f64, N>, IntegrationError>
    where
        F: Fn(f64, &SVector<f64, N>) -> SVector<f64, N>,
        S: FnMut(f64, &SVector<f64, N>, &SVector<f64, N>),
    {
        let dir = if t1 >= t0 { 1.0 } else { -1.0 };
        let mut t = t0;
        let mut y = y0;
        let mut k1 = f(t, &y);
        on_step(t, &y, &k1);
        if t0 == t1 {
            return Ok(y);
        }
        // Initial step guess from the scale of the derivative.
        let scale0 = y.iter().zip(k1.iter()).fold(0.0f64, |m, (yi, di)| {
            let sc = self.tol.atol + self.tol.rtol * yi.abs();
            m.max((di / sc).abs())
        });
        let mut h = if scale0 > 0.0 {
            (0.01 / scale0).min(self.tol.h_max)
        } else {
            self.tol.h_max.min((t1 - t0).abs())
        };
        h = h.min((t1 - t0).abs()).max(self.tol.h_min);
        loop {
            let remaining = (t1 - t) * dir;
            if remaining <= 0.0 {
                return Ok(y);
            }
            let last = h >= remaining;
            let hs = if last { remaining } else { h } * dir;
            let k2 = f(t + C2 * hs, &(y + k1 * (A21 * hs)));
            let k3 = f(t + C3 * hs, &(y + (k1 * A31 + k2 * A32) * hs));
            let k4 = f(t + C4 * hs, &(y + (k1 * A41 + k2 * A42 + k3 * A43) * hs));
            let k5 = f(t + C5 * hs, &(y + (k1 * A51 + k2 * A52 + k3 * A53 + k4 * A54) * hs));
            let k6 = f(t + hs, &(y + (k1 * A61 + k2 * A62 + k3 * A63 + k4 * A64 + k5 * A65) * hs));
            let y_new = y + (k1 * B1 + k3 * B3 + k4 * B4 + k5 * B5 + k6 * B6) * hs;
            let k7 = f(t + hs, &y_new);
            let err_vec = (k1 * E1 + k3 * E3 + k4 * E4 + k5 * E5 + k6 * E6 + k7 * E7) * hs;
            let mut err: f64 = 0.0;
            for i in 0..N {
                let sc = self.tol.atol + self.tol.rtol * y[i].abs().max(y_new[i].abs());
                err = err.max((err_vec[i] / sc).abs());
            }
            if !err.is_finite() || !y_new.iter().all(|v| v.is_finite()) {
                if hs.abs() <= self.tol.h_min {
                    return Err(IntegrationError::NonFinite { t });
                }
                h = (h / 10.0).max(self.tol.h_min);
                continue;
            }
            if err <= 1.0 {
                t = if last { t1 } else { t + hs };
                y = y_new;
                k1 = k7;
                on_step(t, &y, &k1);
                let fac = if err == 0.0 { 5.0 } else { (0.9 * err.powf(-0.2)).clamp(0.2, 5.0) };
                h = (h * fac).min(self.tol.h_max);
            } else {
                let fac = (0.9 * err.powf(-0.2)).clamp(0.1, 1.0);
                h *= fac;
                if h < self.tol.h_min {
                    return Err(IntegrationError::StepTooSmall { t, h_min: self.tol.h_min });
                }
            }
        }
    }
}

/// Cubic Hermite interpolation of a quantity `p` with derivative `d` between nodes
/// `(t0, p0, d0)` and `(t1, p1, d1)` at `t`. Returns `(p(t), p'(t))`.
#[inline]
pub fn hermite<const N: usize>(
    t0: f64,
    p0: &SVector<f64, N>,
    d0: &SVector<f64, N>,
    t1: f64,
    p1: &SVector<f64, N>,
    d1: &SVector<f64, N>,
    t: f64,
) -> (SVector<f64, N>, SVector<f64, N>) {
    let h = t1 - t0;
    if h == 0.0 {
        return (*p0, *d0);
    }
    let s = (t - t0) / h;
    let s2 = s * s;
    let s3 = s2 * s;
    let h00 = 2.0 * s3 - 3.0 * s2 + 1.0;
    let h10 = s3 - 2.0 * s2 + s;
    let h01 = -2.0 * s3 + 3.0 * s2;
    let h11 = s3 - s2;
    let p = p0 * h00 + d0 * (h10 * h) + p1 * h01 + d1 * (h11 * h);
    let dh00 = (6.0 * s2 - 6.0 * s) / h;
    let dh10 = 3.0 * s2 - 4.0 * s + 1.0;
    let dh01 = (-6.0 * s2 + 6.0 * s) / h;
    let dh11 = 3.0 * s2 - 2.0 * s;
    let d = p0 * dh00 + d0 * dh10 + p1 * dh01 + d1 * dh11;
    (p, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    type V2 = SVector<f64, 2>;

    #[test]
    fn rk4_is_fourth_order() {
        // Halving the step divides the global error by ~16.
        let f = |_t: f64, y: &V2| V2::new(y[1], -y[0]);
        let run = |n: usize| {
            let h = 1.0 / n as f64;
            let mut y = V2::new(1.0, 0.0);
            for k in 0..n {
                y = rk4_step(&f, k as f64 * h, &y, h);
            }
            (y[0] - 1f64.cos()).abs()
        };
        let ratio = run(10) / run(20);
        assert!((ratio - 16.0).abs() < 1.0, "{ratio}");
    }

    #[test]
    fn dopri_meets_tolerance_on_exponential() {
        let f = |_t: f64, y: &SVector<f64, 1>| -*y * 2.0;
        let mut steps = 0;
        let y = Dopri5::new(Tolerances { rtol: 1e-9, atol: 1e-12, ..Default::default() })
            .integrate(&f, 0.0, SVector::<f64, 1>::new(1.0), 3.0, |_, _, _| steps += 1)
            .unwrap();
        assert!((y[0] - (-6.0f64).exp()).abs() < 1e-9, "{}", y[0]);
        assert!(steps > 5 && steps < 2000);
        // Backwards too.
        let yb = Dopri5::new(Tolerances { rtol: 1e-10, atol: 1e-14, ..Default::default() })
            .integrate(&f, 3.0, SVector::<f64, 1>::new((-6.0f64).exp()), 0.0, |_, _, _| {})
            .unwrap();
        assert!((yb[0] - 1.0).abs() < 1e-7);
    }

    #[test]
    fn hermite_is_exact_for_cubics() {
        let p = |t: f64| SVector::<f64, 1>::new(t * t * t - 2.0 * t + 1.0);
        let d = |t: f64| SVector::<f64, 1>::new(3.0 * t * t - 2.0);
        let (v, dv) = hermite(1.0, &p(1.0), &d(1.0), 3.0, &p(3.0), &d(3.0), 2.3);
        assert!((v - p(2.3)).norm() < 1e-12 && (dv - d(2.3)).norm() < 1e-12);
    }
}
