//! Gaussian filters for 3-D tracks: predictor and updater, EKF or cubature (CKF).
//!
//! * **Prediction.** EKF: `x' = f(x, dt)`, `P' = Phi P Phi^T + Q` with `Phi` from the
//!   variational equations ([`crate::motion::propagate_with_stm`]). CKF (Arasaratnam &
//!   Haykin 2009): the 2n third-degree spherical-radial cubature points
//!   `x +/- sqrt(n) L e_i` (`P = L L^T`) are propagated through `f` and re-averaged.
//! * **Update.** Both filters build a linearised `H` (EKF: the Jacobian at the prior;
//!   CKF: the statistical linearisation `H = P_xz^T P^-1`), the innovation `nu` and its
//!   covariance `S`, and apply the Joseph form
//!   `P+ = (I - K H) P (I - K H)^T + K R_eff K^T`, `K = P H^T S^-1`, where `R_eff = R` for
//!   the EKF and `R_eff = S - H P H^T` for the CKF (so the CKF's Joseph form equals its
//!   textbook `P - K S K^T` but is a sum of positive semi-definite terms).
//! * After every step the covariance is symmetrised and checked positive definite
//!   ([`crate::linalg::guard_pd`]); a failed check rejects the step and leaves the track
//!   untouched, so one bad measurement cannot poison a track.

use crate::linalg::{CovError, SpdFactor, all_finite, guard_pd, matmul};
use crate::motion::{
    ModelKind, MotionParams, NX, StateCov, StateVec, apply_mode_constraints, process_noise, propagate,
    propagate_with_stm,
};
use nalgebra::{Matrix2, Matrix3, SMatrix, SVector, Vector2, Vector3};
use serde::{Deserialize, Serialize};

/// Which Gaussian filter a track uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FilterKind {
    /// Extended Kalman filter (analytic Jacobians).
    Ekf,
    /// Cubature Kalman filter (2n equal-weight points).
    Ckf,
}

/// A Gaussian estimate: mean and covariance.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Gaussian {
    /// Mean state.
    pub x: StateVec,
    /// Covariance.
    pub p: StateCov,
}

/// The 2n cubature points of `(x, P)` (n = 8), or an error if `P` is not PD.
pub fn cubature_points(x: &StateVec, p: &StateCov) -> Result<[StateVec; 2 * NX], CovError> {
    let l = SpdFactor::new(p).ok_or(CovError::NotPositiveDefinite)?.l;
    let s = (NX as f64).sqrt();
    let mut pts = [*x; 2 * NX];
    for i in 0..NX {
        let c = l.column(i) * s;
        pts[i] += c;
        pts[NX + i] -= c;
    }
    Ok(pts)
}

/// Predict `g` by `dt` seconds with model `model` and filter `filter`.
pub fn predict(
    filter: FilterKind,
    model: ModelKind,
    g: &Gaussian,
    dt: f64,
    params: &MotionParams,
) -> Result<Gaussian, CovError> {
    predict_with_stm(filter, model, g, dt, params).map(|(g, _)| g)
}

/// [`predict`], also returning the state-transition matrix `Phi` of the mean (the EKF's
/// own; for the CKF the variational equations along the mean). The rows a model
/// constraint resets (the thrust outside the thrusting models) are zero, so
/// `Phi C` carries a cross-covariance `C` of the state with anything else (a consider
/// parameter) through the prediction.
pub fn predict_with_stm(
    filter: FilterKind,
    model: ModelKind,
    g: &Gaussian,
    dt: f64,
    params: &MotionParams,
) -> Result<(Gaussian, StateCov), CovError> {
    let mut out = (*g, StateCov::identity());
    predict_with_stm_into(filter, model, g, dt, params, &mut out.0, &mut out.1)?;
    Ok(out)
}

/// [`predict_with_stm`] written into `out` and `phi_out` (on error they hold no
/// estimate): for a caller that keeps them in a larger value (an IMM prior), without
/// moving them through a `Result`.
pub fn predict_with_stm_into(
    filter: FilterKind,
    model: ModelKind,
    g: &Gaussian,
    dt: f64,
    params: &MotionParams,
    out: &mut Gaussian,
    phi_out: &mut StateCov,
) -> Result<(), CovError> {
    let (mut x, mut p, mut phi) = if dt == 0.0 {
        (g.x, g.p, StateCov::identity())
    } else {
        match filter {
            FilterKind::Ekf => {
                let (y, phi) = propagate_with_stm(model, &g.x, dt, params);
                let pp = matmul(&matmul(&phi, &g.p), &phi.transpose());
                (y, pp + process_noise(model, &g.x, dt, params), phi)
            }
            FilterKind::Ckf => {
                let pts = cubature_points(&g.x, &g.p)?;
                let mut out = [StateVec::zeros(); 2 * NX];
                let mut mean = StateVec::zeros();
                for (o, pt) in out.iter_mut().zip(pts.iter()) {
                    *o = propagate(model, pt, dt, params);
                    mean += *o;
                }
                mean /= (2 * NX) as f64;
                let mut cov = StateCov::zeros();
                for o in &out {
                    let d = o - mean;
                    cov += d * d.transpose();
                }
                cov /= (2 * NX) as f64;
                let (_, phi) = propagate_with_stm(model, &g.x, dt, params);
                (mean, cov + process_noise(model, &g.x, dt, params), phi)
            }
        }
    };
    apply_mode_constraints(model, &mut x, &mut p, params);
    if !model.is_thrusting() {
        for j in 0..NX {
            phi[(crate::motion::IX_THRUST, j)] = 0.0;
        }
    }
    guard_pd(&mut p)?;
    if !all_finite(x.as_slice()) {
        return Err(CovError::NonFinite);
    }
    out.x = x;
    out.p = p;
    *phi_out = phi;
    Ok(())
}

/// A measurement model with `M` components.
pub trait MeasurementModel<const M: usize> {
    /// Predicted measurement `h(x)`.
    fn h(&self, x: &StateVec) -> SVector<f64, M>;
    /// Jacobian `dh/dx` at `x`.
    fn jacobian(&self, x: &StateVec) -> SMatrix<f64, M, NX>;
    /// The measured value `z`.
    fn z(&self) -> SVector<f64, M>;
    /// Measurement noise covariance `R`.
    fn r(&self) -> SMatrix<f64, M, M>;
}

/// Innovation of one measurement against one prior, ready for gating and updating.
#[derive(Clone, Copy, Debug)]
pub struct Innovation<const M: usize> {
    /// `z - h(x)` (EKF) or `z - mean h(points)` (CKF).
    pub nu: SVector<f64, M>,
    /// Linearised measurement matrix.
    pub h: SMatrix<f64, M, NX>,
    /// Factorised innovation covariance `S`.
    pub s: SpdFactor<M>,
    /// Effective noise for the Joseph form (`R` for EKF, `S - H P H^T` for CKF).
    pub r_eff: SMatrix<f64, M, M>,
    /// `H P H^T` with the linearised `H` (the consider update adds its bias terms to it).
    pub hph: SMatrix<f64, M, M>,
    /// Squared Mahalanobis distance `nu^T S^-1 nu`.
    pub d2: f64,
}

impl<const M: usize> Innovation<M> {
    /// Gaussian log-likelihood `ln N(nu; 0, S)`.
    pub fn log_likelihood(&self) -> f64 {
        -0.5 * (self.d2 + self.s.ln_det() + M as f64 * (2.0 * std::f64::consts::PI).ln())
    }
}

/// Innovation of measurement `m` against prior `g`.
pub fn innovation<const M: usize, Mm: MeasurementModel<M>>(
    filter: FilterKind,
    g: &Gaussian,
    m: &Mm,
) -> Result<Innovation<M>, CovError> {
    let r = m.r();
    let (nu, h, s, r_eff, hph) = match filter {
        FilterKind::Ekf => {
            let h = m.jacobian(&g.x);
            let hph = matmul(&matmul(&h, &g.p), &h.transpose());
            (m.z() - m.h(&g.x), h, hph + r, r, hph)
        }
        FilterKind::Ckf => {
            let pts = cubature_points(&g.x, &g.p)?;
            let mut zs = [SVector::<f64, M>::zeros(); 2 * NX];
            let mut zm = SVector::<f64, M>::zeros();
            for (zi, pt) in zs.iter_mut().zip(pts.iter()) {
                *zi = m.h(pt);
                zm += *zi;
            }
            zm /= (2 * NX) as f64;
            let mut pzz = SMatrix::<f64, M, M>::zeros();
            let mut pxz = SMatrix::<f64, NX, M>::zeros();
            for (zi, pt) in zs.iter().zip(pts.iter()) {
                let dz = zi - zm;
                pzz += dz * dz.transpose();
                pxz += (pt - g.x) * dz.transpose();
            }
            pzz /= (2 * NX) as f64;
            pxz /= (2 * NX) as f64;
            let pf = SpdFactor::new(&g.p).ok_or(CovError::NotPositiveDefinite)?;
            let mut h = SMatrix::<f64, M, NX>::zeros();
            for i in 0..M {
                let col: StateVec = pxz.column(i).into();
                h.set_row(i, &pf.solve(&col).transpose());
            }
            let s = pzz + r;
            let hph = matmul(&matmul(&h, &g.p), &h.transpose());
            (m.z() - zm, h, s, s - hph, hph)
        }
    };
    if !all_finite(nu.as_slice()) {
        return Err(CovError::NonFinite);
    }
    let sf = SpdFactor::new(&s).ok_or(CovError::NotPositiveDefinite)?;
    let d2 = sf.mahalanobis2(&nu);
    Ok(Innovation { nu, h, s: sf, r_eff, hph, d2 })
}

/// Joseph-form update of `g` with a computed innovation. Returns the posterior, or an
/// error (the prior stays valid) if the result is not a valid covariance.
pub fn update<const M: usize>(g: &Gaussian, inn: &Innovation<M>) -> Result<Gaussian, CovError> {
    let pht = g.p * inn.h.transpose(); // NX x M
    // K = P H^T S^-1  ->  K^T = S^-1 H P
    let mut k = SMatrix::<f64, NX, M>::zeros();
    for i in 0..NX {
        let row: SVector<f64, M> = pht.row(i).transpose();
        k.set_row(i, &inn.s.solve(&row).transpose());
    }
    let x = g.x + k * inn.nu;
    let ikh = StateCov::identity() - k * inn.h;
    let mut p = ikh * g.p * ikh.transpose() + k * inn.r_eff * k.transpose();
    guard_pd(&mut p)?;
    if !all_finite(x.as_slice()) {
        return Err(CovError::NonFinite);
    }
    Ok(Gaussian { x, p })
}

/// Cross-covariance of a state with one sensor's pointing bias (a 3-vector, rad), NX x 3.
pub type BiasCross = SMatrix<f64, NX, 3>;

/// Schmidt-Kalman ("consider") update: the measurement error is a white part (the
/// model's `R`, inside `inn`) plus `H_b b`, `b` a bias of the sensor that is not
/// estimated, with covariance `b_var I3` and cross-covariance `c` with the state
/// (Schmidt 1966; e.g. Bar-Shalom, Li & Kirubarajan 2001, sec. 11.5 on consider
/// parameters):
///
/// `S = H P H^T + R + H C H_b^T + H_b C^T H^T + b_var H_b H_b^T`, `G = P H^T + C H_b^T`,
/// `K = G S^-1`, `x+ = x + K nu`, `P+ = P - K G^T - G K^T + K S K^T` (the error covariance
/// for any gain; with this `K` it equals `P - K S K^T`).
///
/// The caller updates every cross-covariance block `C_m` of the state with
/// `C_m+ = C_m - K (H C_m + [m is this sensor] b_var H_b)` ([`consider_cross_update`];
/// for an IMM per mode, [`crate::imm::ImmPrior::update_consider_per_mode`], or collapsed
/// over the modes, [`crate::imm::ImmPrior::update_consider_shared`]).
pub fn update_consider<const M: usize>(
    g: &Gaussian,
    inn: &Innovation<M>,
    hb: &SMatrix<f64, M, 3>,
    b_var: f64,
    c: &BiasCross,
) -> Result<(Gaussian, ConsiderGain<M>), CovError> {
    let mut post = *g;
    let u = update_consider_into(g, inn, hb, b_var, c, &mut post)?;
    Ok((post, u))
}

/// The gain of a consider (Schmidt-Kalman) update and the innovation statistics with
/// the bias included ([`update_consider`], [`update_consider_into`]).
#[derive(Clone, Copy, Debug)]
pub struct ConsiderGain<const M: usize> {
    /// Gain `K`.
    pub k: SMatrix<f64, NX, M>,
    /// Linearised measurement matrix of the state.
    pub h: SMatrix<f64, M, NX>,
    /// Squared Mahalanobis distance of the innovation against `S` with the bias terms.
    pub d2: f64,
    /// Gaussian log-likelihood of the innovation.
    pub log_likelihood: f64,
}

/// [`update_consider`] with the posterior written into `post` (on error it holds no
/// estimate): for a caller that keeps it in a larger value (an IMM state).
pub fn update_consider_into<const M: usize>(
    g: &Gaussian,
    inn: &Innovation<M>,
    hb: &SMatrix<f64, M, 3>,
    b_var: f64,
    c: &BiasCross,
    post: &mut Gaussian,
) -> Result<ConsiderGain<M>, CovError> {
    let h = inn.h;
    let ht = h.transpose();
    let hc = matmul(&h, c); // M x 3
    let s0 = inn.hph + inn.r_eff;
    let hchb = matmul(&hc, &hb.transpose());
    let s = s0 + hchb + matmul(hb, &hc.transpose()) + matmul(hb, &hb.transpose()) * b_var;
    let sf = SpdFactor::new(&s).ok_or(CovError::NotPositiveDefinite)?;
    let gm = matmul(&g.p, &ht) + matmul(c, &hb.transpose()); // NX x M
    let mut k = SMatrix::<f64, NX, M>::zeros();
    for i in 0..NX {
        let row: SVector<f64, M> = gm.row(i).transpose();
        k.set_row(i, &sf.solve(&row).transpose());
    }
    let x = g.x + k * inn.nu;
    let kg = matmul(&k, &gm.transpose());
    post.p = g.p - kg - kg.transpose() + matmul(&matmul(&k, &s), &k.transpose());
    guard_pd(&mut post.p)?;
    if !all_finite(x.as_slice()) {
        return Err(CovError::NonFinite);
    }
    post.x = x;
    let d2 = sf.mahalanobis2(&inn.nu);
    let ll = -0.5 * (d2 + sf.ln_det() + M as f64 * (2.0 * std::f64::consts::PI).ln());
    Ok(ConsiderGain { k, h, d2, log_likelihood: ll })
}

/// The cross-covariance update of a consider update: block `c` (of the measuring sensor
/// when `own`) after the update with gain `k` and state matrix `h`.
pub fn consider_cross_update<const M: usize>(
    c: &BiasCross,
    k: &SMatrix<f64, NX, M>,
    h: &SMatrix<f64, M, NX>,
    hb: &SMatrix<f64, M, 3>,
    b_var: f64,
    own: bool,
) -> BiasCross {
    let mut d = matmul(h, c);
    if own {
        d += hb * b_var;
    }
    c - matmul(k, &d)
}

/// A 3-D Cartesian position measurement (radar-like sources, the peer benchmark).
#[derive(Clone, Copy, Debug)]
pub struct PositionMeas {
    /// Measured position, m (same frame as the state).
    pub z_m: Vector3<f64>,
    /// Noise covariance, m^2.
    pub r_m2: Matrix3<f64>,
}

impl MeasurementModel<3> for PositionMeas {
    fn h(&self, x: &StateVec) -> Vector3<f64> {
        Vector3::new(x[0], x[1], x[2])
    }
    fn jacobian(&self, _x: &StateVec) -> SMatrix<f64, 3, NX> {
        let mut h = SMatrix::<f64, 3, NX>::zeros();
        h[(0, 0)] = 1.0;
        h[(1, 1)] = 1.0;
        h[(2, 2)] = 1.0;
        h
    }
    fn z(&self) -> Vector3<f64> {
        self.z_m
    }
    fn r(&self) -> Matrix3<f64> {
        self.r_m2
    }
}

/// `y.atan2(x)` for the small angles of a line of sight near the measured one: for
/// `x > 0` and `|y| <= x / 16` the arctangent's odd series of `t = y / x` to `t^15`
/// (the next term is below `t^17 / 17`, ~2e-22 of `t`), otherwise the library's
/// `atan2`. Within 2 ulp of the library's value (test); a few times cheaper, and an
/// update computes it for every mode.
#[inline]
pub fn atan2_near_axis(y: f64, x: f64) -> f64 {
    if x > 0.0 && y.abs() <= x * 0.0625 {
        let t = y / x;
        let t2 = t * t;
        let p = 1.0 / 13.0 + t2 * (-1.0 / 15.0);
        let p = -1.0 / 11.0 + t2 * p;
        let p = 1.0 / 9.0 + t2 * p;
        let p = -1.0 / 7.0 + t2 * p;
        let p = 1.0 / 5.0 + t2 * p;
        let p = -1.0 / 3.0 + t2 * p;
        t + t * (t2 * p)
    } else {
        y.atan2(x)
    }
}

/// A line-of-sight (angles-only) measurement from a satellite.
///
/// The measured unit vector `u_m` defines the frame: with `(e1, e2)` =
/// [`tl_core::geom::los_basis`]`(u_m)`, the predicted line of sight `u` of a state has
/// angular coordinates `h = (atan2(e1.u, u_m.u), atan2(e2.u, u_m.u))` and the measurement
/// is `z = (0, 0)` with the detection's 2x2 covariance (which is expressed in that basis).
#[derive(Clone, Copy, Debug)]
pub struct AngleMeas {
    /// Satellite position at the time of observation, ECI m.
    pub sat_pos_m: Vector3<f64>,
    /// Measured unit line of sight, ECI.
    pub u_m: Vector3<f64>,
    /// LOS basis vector 1 at `u_m`.
    pub e1: Vector3<f64>,
    /// LOS basis vector 2 at `u_m`.
    pub e2: Vector3<f64>,
    /// Angle noise covariance in `(e1, e2)`, rad^2.
    pub r_rad2: Matrix2<f64>,
}

impl AngleMeas {
    /// Build from a satellite position, a unit LOS and the detection's `[s11, s12, s22]`.
    pub fn new(sat_pos_m: Vector3<f64>, u_m: Vector3<f64>, cov_rad2: [f64; 3]) -> Self {
        let (e1, e2) = tl_core::geom::los_basis(&u_m);
        let r_rad2 = Matrix2::new(cov_rad2[0], cov_rad2[1], cov_rad2[1], cov_rad2[2]);
        Self { sat_pos_m, u_m, e1, e2, r_rad2 }
    }

    /// Angular coordinates of a position in this measurement's frame, rad.
    #[inline]
    pub fn angles_of(&self, r: &Vector3<f64>) -> Vector2<f64> {
        let d = r - self.sat_pos_m;
        let (a, b, c) = (self.e1.dot(&d), self.e2.dot(&d), self.u_m.dot(&d));
        Vector2::new(atan2_near_axis(a, c), atan2_near_axis(b, c))
    }

    /// Jacobian of [`Self::angles_of`] with respect to position (2x3).
    #[inline]
    pub fn angles_jacobian(&self, r: &Vector3<f64>) -> SMatrix<f64, 2, 3> {
        let d = r - self.sat_pos_m;
        let (a, b, c) = (self.e1.dot(&d), self.e2.dot(&d), self.u_m.dot(&d));
        let n1 = a * a + c * c;
        let n2 = b * b + c * c;
        let r1 = (self.e1 * c - self.u_m * a) / n1;
        let r2 = (self.e2 * c - self.u_m * b) / n2;
        SMatrix::<f64, 2, 3>::from_rows(&[r1.transpose(), r2.transpose()])
    }
}

impl MeasurementModel<2> for AngleMeas {
    fn h(&self, x: &StateVec) -> Vector2<f64> {
        self.angles_of(&Vector3::new(x[0], x[1], x[2]))
    }
    fn jacobian(&self, x: &StateVec) -> SMatrix<f64, 2, NX> {
        let j = self.angles_jacobian(&Vector3::new(x[0], x[1], x[2]));
        let mut h = SMatrix::<f64, 2, NX>::zeros();
        h.fixed_view_mut::<2, 3>(0, 0).copy_from(&j);
        h
    }
    fn z(&self) -> Vector2<f64> {
        Vector2::zeros()
    }
    fn r(&self) -> Matrix2<f64> {
        self.r_rad2
    }
}

/// Angles plus angle rates (an onboard report that carries rates).
///
/// Rates are the LOS rate `du/dt = (I - u u^T)(v - v_sat)/rho` projected on `(e1, e2)`,
/// rad/s; the satellite velocity comes from the tracker's ephemeris estimate.
#[derive(Clone, Copy, Debug)]
pub struct AngleRateMeas {
    /// The angle part.
    pub ang: AngleMeas,
    /// Satellite velocity, ECI m/s.
    pub sat_vel_m_s: Vector3<f64>,
    /// Measured rates along `(e1, e2)`, rad/s.
    pub rate_rad_s: Vector2<f64>,
    /// Rate variances, (rad/s)^2.
    pub rate_var: Vector2<f64>,
}

impl AngleRateMeas {
    fn rates_of(&self, x: &StateVec) -> Vector2<f64> {
        let d = Vector3::new(x[0], x[1], x[2]) - self.ang.sat_pos_m;
        let rho = d.norm();
        let u = d / rho;
        let w = Vector3::new(x[3], x[4], x[5]) - self.sat_vel_m_s;
        let ud = (w - u * u.dot(&w)) / rho;
        Vector2::new(self.ang.e1.dot(&ud), self.ang.e2.dot(&ud))
    }
}

impl MeasurementModel<4> for AngleRateMeas {
    fn h(&self, x: &StateVec) -> SVector<f64, 4> {
        let a = self.ang.h(x);
        let r = self.rates_of(x);
        SVector::<f64, 4>::new(a[0], a[1], r[0], r[1])
    }
    fn jacobian(&self, x: &StateVec) -> SMatrix<f64, 4, NX> {
        let mut h = SMatrix::<f64, 4, NX>::zeros();
        let r = Vector3::new(x[0], x[1], x[2]);
        h.fixed_view_mut::<2, 3>(0, 0).copy_from(&self.ang.angles_jacobian(&r));
        let d = r - self.ang.sat_pos_m;
        let rho = d.norm();
        let u = d / rho;
        let w = Vector3::new(x[3], x[4], x[5]) - self.sat_vel_m_s;
        let j = (Matrix3::identity() - u * u.transpose()) / rho; // du/dr
        let uw = u.dot(&w);
        // f = (w - u (u.w)) / rho
        let dfdr = -(w - u * uw) * u.transpose() / (rho * rho) - (j * uw + u * w.transpose() * j) / rho;
        let dfdv = (Matrix3::identity() - u * u.transpose()) / rho;
        for (row, e) in [(2, self.ang.e1), (3, self.ang.e2)] {
            let gr = e.transpose() * dfdr;
            let gv = e.transpose() * dfdv;
            for k in 0..3 {
                h[(row, k)] = gr[k];
                h[(row, 3 + k)] = gv[k];
            }
        }
        h
    }
    fn z(&self) -> SVector<f64, 4> {
        SVector::<f64, 4>::new(0.0, 0.0, self.rate_rad_s[0], self.rate_rad_s[1])
    }
    fn r(&self) -> SMatrix<f64, 4, 4> {
        let mut r = SMatrix::<f64, 4, 4>::zeros();
        r.fixed_view_mut::<2, 2>(0, 0).copy_from(&self.ang.r_rad2);
        r[(2, 2)] = self.rate_var[0];
        r[(3, 3)] = self.rate_var[1];
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atan2_near_axis_is_the_library_value_within_2_ulp() {
        let ulp = |v: f64| (v.abs().max(f64::MIN_POSITIVE) * f64::EPSILON).max(5e-324);
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let (mut n_series, mut worst) = (0, 0.0f64);
        for i in 0..200_000 {
            let x = 10f64.powf(next() * 14.0 - 4.0) * if i % 50 == 0 { -1.0 } else { 1.0 };
            let y = x.abs() * (next() - 0.5) * [1e-9, 1e-4, 0.02, 0.13, 3.0][i % 5];
            let (got, want) = (atan2_near_axis(y, x), y.atan2(x));
            let err = (got - want).abs() / ulp(want);
            assert!(err <= 2.0, "atan2({y}, {x}): {got} vs {want} ({err} ulp)");
            if x > 0.0 && y.abs() <= x * 0.0625 {
                n_series += 1;
                worst = worst.max(err);
            }
        }
        assert!(n_series > 100_000, "{n_series}");
        assert!(worst > 0.0, "the series differs somewhere, or the test compares the same code");
    }

    fn fd_jacobian<const M: usize>(m: &impl MeasurementModel<M>, x: &StateVec) -> SMatrix<f64, M, NX> {
        let mut j = SMatrix::<f64, M, NX>::zeros();
        for k in 0..6 {
            let h = if k < 3 { 1.0 } else { 0.01 };
            let mut xp = *x;
            let mut xm = *x;
            xp[k] += h;
            xm[k] -= h;
            j.set_column(k, &((m.h(&xp) - m.h(&xm)) / (2.0 * h)));
        }
        j
    }

    #[test]
    fn angle_and_rate_jacobians_match_finite_differences() {
        let sat = Vector3::new(7.0e6, 0.0, 0.0);
        let x = StateVec::from_column_slice(&[6.4e6, 1.0e6, 0.5e6, 1_000.0, 2_000.0, -500.0, 0.0, 0.0]);
        let u_true = (Vector3::new(x[0], x[1], x[2]) - sat).normalize();
        let u_m = (u_true + Vector3::new(1e-5, -2e-5, 3e-5)).normalize();
        let ang = AngleMeas::new(sat, u_m, [1e-10, 0.0, 1e-10]);
        let jf = fd_jacobian(&ang, &x);
        assert!((ang.jacobian(&x) - jf).norm() < 1e-9 * jf.norm().max(1e-12) + 1e-13);
        let rm = AngleRateMeas {
            ang,
            sat_vel_m_s: Vector3::new(0.0, 7_000.0, 1_000.0),
            rate_rad_s: Vector2::zeros(),
            rate_var: Vector2::new(1e-10, 1e-10),
        };
        let jf = fd_jacobian(&rm, &x);
        let ja = rm.jacobian(&x);
        for i in 0..4 {
            for k in 0..6 {
                assert!(
                    (ja[(i, k)] - jf[(i, k)]).abs() < 1e-6 * jf.row(i).norm() + 1e-16,
                    "({i},{k}) {} vs {}",
                    ja[(i, k)],
                    jf[(i, k)]
                );
            }
        }
    }

    #[test]
    fn ekf_and_ckf_agree_on_linear_position_update() {
        let mut p = StateCov::identity() * 100.0;
        p[(0, 3)] = 5.0;
        p[(3, 0)] = 5.0;
        let g = Gaussian { x: StateVec::zeros(), p };
        let m = PositionMeas { z_m: Vector3::new(3.0, -1.0, 2.0), r_m2: Matrix3::identity() * 25.0 };
        let a = update(&g, &innovation(FilterKind::Ekf, &g, &m).unwrap()).unwrap();
        let b = update(&g, &innovation(FilterKind::Ckf, &g, &m).unwrap()).unwrap();
        assert!((a.x - b.x).norm() < 1e-9 && (a.p - b.p).norm() < 1e-9);
        // Against the closed form: scalar case for x (coupled to vx).
        let k = 100.0 / 125.0;
        assert!((a.x[0] - 3.0 * k).abs() < 1e-12);
        assert!((a.p[(0, 0)] - (1.0 - k) * 100.0).abs() < 1e-9);
    }

    #[test]
    fn update_rejects_non_pd_noise() {
        let g = Gaussian { x: StateVec::zeros(), p: StateCov::identity() * 1e-30 };
        let m =
            PositionMeas { z_m: Vector3::new(1.0, 0.0, 0.0), r_m2: Matrix3::zeros() - Matrix3::identity() };
        assert!(innovation(FilterKind::Ekf, &g, &m).is_err());
    }
}
