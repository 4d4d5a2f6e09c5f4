//! Numerical two-body + J2 propagation (Dormand-Prince 5(4)), precomputed over a time
//! span and interpolated by cubic Hermite polynomials on position/velocity and
//! velocity/acceleration.

use crate::rk::{Dopri5, IntegrationError, Tolerances, hermite};
use nalgebra::{SVector, Vector3};
use tl_core::gravity::accel_j2;

type State = SVector<f64, 6>;

/// The equations of motion `[r, v]' = [v, a_j2(r)]` in ECI.
pub fn two_body_j2(_t: f64, y: &State) -> State {
    let r = Vector3::new(y[0], y[1], y[2]);
    let a = accel_j2(&r);
    State::from_column_slice(&[y[3], y[4], y[5], a.x, a.y, a.z])
}

/// A precomputed numerical trajectory over `[t_start, t_end]`.
#[derive(Clone, Debug)]
pub struct NumericalTrajectory {
    t: Vec<f64>,
    y: Vec<State>,
    dy: Vec<State>,
}

/// Default tolerances for orbit propagation: rtol 1e-11, atol 1e-4 (m, m/s), steps of at
/// most 30 s so that Hermite interpolation stays below a centimetre in LEO.
pub fn default_tolerances() -> Tolerances {
    Tolerances { rtol: 1e-11, atol: 1e-4, h_max: 30.0, h_min: 1e-6 }
}

impl NumericalTrajectory {
    /// Integrate from the state `(r0, v0)` (ECI, m, m/s) at `t0` over `[t_start, t_end]`
    /// (which must contain t0).
    pub fn new(
        r0: Vector3<f64>,
        v0: Vector3<f64>,
        t0: f64,
        t_start: f64,
        t_end: f64,
        tol: Tolerances,
    ) -> Result<Self, IntegrationError> {
        let y0 = State::from_column_slice(&[r0.x, r0.y, r0.z, v0.x, v0.y, v0.z]);
        let dp = Dopri5::new(tol);
        let mut back: Vec<(f64, State, State)> = Vec::new();
        if t_start < t0 {
            dp.integrate(&two_body_j2, t0, y0, t_start, |t, y, d| back.push((t, *y, *d)))?;
        }
        let mut fwd: Vec<(f64, State, State)> = Vec::new();
        dp.integrate(&two_body_j2, t0, y0, t_end.max(t0), |t, y, d| fwd.push((t, *y, *d)))?;
        // Backward nodes reversed (dropping the duplicated t0), then forward nodes.
        let mut nodes: Vec<(f64, State, State)> = back.into_iter().skip(1).rev().collect();
        nodes.extend(fwd);
        Ok(Self {
            t: nodes.iter().map(|n| n.0).collect(),
            y: nodes.iter().map(|n| n.1).collect(),
            dy: nodes.iter().map(|n| n.2).collect(),
        })
    }

    /// Time span covered, s.
    pub fn span(&self) -> (f64, f64) {
        (self.t[0], *self.t.last().unwrap_or(&self.t[0]))
    }

    /// Number of integrator nodes.
    pub fn nodes(&self) -> usize {
        self.t.len()
    }

    /// ECI position (m) and velocity (m/s) at `t_s`; `None` outside the span.
    pub fn state_eci(&self, t_s: f64) -> Option<(Vector3<f64>, Vector3<f64>)> {
        let (a, b) = self.span();
        if !(t_s >= a && t_s <= b) {
            return None;
        }
        if self.t.len() == 1 {
            let y = self.y[0];
            return Some((Vector3::new(y[0], y[1], y[2]), Vector3::new(y[3], y[4], y[5])));
        }
        let i = match self.t.partition_point(|&x| x <= t_s) {
            0 => 0,
            k if k >= self.t.len() => self.t.len() - 2,
            k => k - 1,
        };
        let (y0, y1, d0, d1) = (&self.y[i], &self.y[i + 1], &self.dy[i], &self.dy[i + 1]);
        // y = [r, v] and dy = [v, a]: interpolate the whole 6-vector with its derivative.
        let (p, _) = hermite(self.t[i], y0, d0, self.t[i + 1], y1, d1, t_s);
        Some((Vector3::new(p[0], p[1], p[2]), Vector3::new(p[3], p[4], p[5])))
    }
}
