//! Motion models for 3-D tracks.
//!
//! All 3-D space tracks share one 8-element state in ECI (TEME, treated as inertial):
//!
//! | index | symbol | meaning | unit |
//! | --- | --- | --- | --- |
//! | 0..3 | r | position | m |
//! | 3..6 | v | velocity | m/s |
//! | 6 | a_T | thrust acceleration along the velocity | m/s^2 |
//! | 7 | k | inverse ballistic coefficient C_D A / m | m^2/kg |
//!
//! The models ([`ModelKind`]) differ in the acceleration they apply:
//!
//! * **NCV** (nearly constant velocity): `dv/dt = w` (white noise only, no gravity);
//! * **ballistic**: `dv/dt = g(r) + w` with point mass + J2 gravity;
//! * **boost**: `dv/dt = g(r) + a_T v_r/|v_r| + w`, `da_T/dt = a_T^2 / v_e + w_a`: thrust
//!   along the velocity relative to the co-rotating atmosphere `v_r = v - omega x r`
//!   (gravity turn) with the rocket-equation trend of a constant-thrust,
//!   constant-mass-flow motor (`a = F/m`, `da/dt = F mdot / m^2 = a^2 / v_e` with the
//!   effective exhaust velocity `v_e = F/mdot`) plus a random walk for the unknown,
//!   slowly changing magnitude;
//! * **reentry**: `dv/dt = g(r) - rho(h) k |v_r| v_r / 2 + w`, `dk/dt = w_k`: drag on the
//!   velocity relative to the co-rotating atmosphere `v_r = v - omega x r`, exponential
//!   atmosphere `rho = rho_0 exp(-h / H)`.
//!
//! Outside the boost model the thrust element is held at zero with a reset standard
//! deviation ([`MotionParams::thrust_reset_std_m_s2`]): when an IMM switches back to boost
//! (a staging re-ignition) the thrust estimate starts from that spread, which is how a
//! staging jump enters the filter as process noise.
//!
//! Propagation is classical RK4 with steps of at most [`MotionParams::max_step_s`];
//! the EKF propagates the state-transition matrix with the same integrator
//! (variational equations, gravity gradient of the point-mass term).

use crate::linalg::matmul;
use nalgebra::{Matrix3, SMatrix, SVector, Vector3};
use serde::{Deserialize, Serialize};
use tl_core::check::{FieldError, non_negative, positive};
use tl_core::consts::{OMEGA_EARTH_RAD_S, WGS84_A_M, WGS84_F};
use tl_core::gravity::accel_j2;

/// Dimension of the 3-D track state.
pub const NX: usize = 8;
/// Index of the thrust acceleration in the state.
pub const IX_THRUST: usize = 6;
/// Index of the inverse ballistic coefficient in the state.
pub const IX_DRAG: usize = 7;
/// The 8-element track state (see the module docs for the layout).
pub type StateVec = SVector<f64, NX>;
/// Its covariance.
pub type StateCov = SMatrix<f64, NX, NX>;

/// Which dynamics a filter (or an IMM mode) uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelKind {
    /// Nearly constant velocity, no gravity (generic use, short gaps).
    Ncv,
    /// Gravity (point mass + J2), unpowered.
    Ballistic,
    /// Gravity + thrust along the velocity with an estimated magnitude.
    Boost,
    /// The boost dynamics with a much larger thrust random walk
    /// ([`MotionParams::q_thrust_staging_m2_s5`]): the IMM mode that lets the thrust
    /// acceleration jump at a staging or an ignition.
    Staging,
    /// Gravity + drag with an estimated inverse ballistic coefficient.
    Reentry,
}

impl ModelKind {
    /// True for the models with thrust (boost and staging).
    #[inline]
    pub fn is_thrusting(self) -> bool {
        matches!(self, ModelKind::Boost | ModelKind::Staging)
    }

    /// Stable lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ModelKind::Ncv => "ncv",
            ModelKind::Ballistic => "ballistic",
            ModelKind::Boost => "boost",
            ModelKind::Staging => "staging",
            ModelKind::Reentry => "reentry",
        }
    }
}

/// Parameters of the motion models. Defaults are documented in `docs/models/tracking.md`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MotionParams {
    /// White acceleration noise PSD per axis for NCV, m^2/s^3.
    pub q_acc_ncv_m2_s3: f64,
    /// White acceleration noise PSD per axis for the ballistic model, m^2/s^3.
    pub q_acc_ballistic_m2_s3: f64,
    /// White acceleration noise PSD per axis for the boost model, m^2/s^3.
    pub q_acc_boost_m2_s3: f64,
    /// White acceleration noise PSD per axis for the reentry model, m^2/s^3.
    pub q_acc_reentry_m2_s3: f64,
    /// PSD of the thrust-acceleration random walk, m^2/s^5.
    pub q_thrust_m2_s5: f64,
    /// PSD of the thrust-acceleration random walk of the staging model, m^2/s^5: a jump
    /// of `da` at a random instant of an interval `dt` has the variance of a random walk
    /// with PSD `da^2 / dt` (position and velocity moments agree too).
    pub q_thrust_staging_m2_s5: f64,
    /// PSD of the inverse-ballistic-coefficient random walk, (m^2/kg)^2/s.
    pub q_drag_m4_kg2_s: f64,
    /// Relative random walk of the inverse ballistic coefficient per metre of height
    /// crossed, 1/m: in the reentry model `k` also walks with PSD
    /// `q_drag_rel_per_m |dh/dt| k^2`. It stands for the error of the single-scale-height
    /// atmosphere, which `k` absorbs: the real density over the model's is a factor
    /// that changes with height (US Standard Atmosphere 1976 against `H` = 7.2 km:
    /// 0.5 at 100 km, 1.1 at 70 km, 0.84 at 40 km, 1.35 at 10 km), so the `k` that
    /// fits the drag changes by that factor as the object descends. Default 4e-6
    /// (docs/models/tracking.md); 0 disables it.
    pub q_drag_rel_per_m: f64,
    /// Scale of the drag left out by the ballistic model, as process noise inside the
    /// atmosphere while descending (see [`process_noise`]); 1 is the physical value, 0
    /// disables it.
    pub ballistic_drag_noise_scale: f64,
    /// Effective exhaust velocity used for the thrust trend `da/dt = a^2/v_e`, m/s
    /// (Isp 250-300 s gives 2,450-2,940 m/s). 0 disables the trend.
    pub exhaust_velocity_m_s: f64,
    /// Thrust acceleration at which the trend stops growing, m/s^2: the trend is
    /// `a^2/v_e (1 - a/a_max)` (0 above `a_max`). Without it `da/dt = a^2/v_e` reaches
    /// infinity after `v_e/a` (29 s from 100 m/s^2), so a coasting track of a burnt-out
    /// booster would diverge. The boosters of docs/models/threat.md end their last
    /// stage at 75-130 m/s^2 (`examples/boost_fit.rs`); default 150.
    pub max_thrust_m_s2: f64,
    /// Standard deviation given to the thrust element outside the boost model, m/s^2.
    pub thrust_reset_std_m_s2: f64,
    /// Sea-level density of the exponential atmosphere, kg/m^3.
    pub rho0_kg_m3: f64,
    /// Scale height of the exponential atmosphere, m.
    pub scale_height_m: f64,
    /// Largest RK4 step, s.
    pub max_step_s: f64,
}

impl Default for MotionParams {
    fn default() -> Self {
        Self {
            q_acc_ncv_m2_s3: 1.0,
            q_acc_ballistic_m2_s3: 0.01,
            q_acc_boost_m2_s3: 20.0,
            q_acc_reentry_m2_s3: 1.0,
            q_thrust_m2_s5: 0.5,
            q_thrust_staging_m2_s5: 900.0,
            q_drag_m4_kg2_s: 1e-9,
            q_drag_rel_per_m: 4e-6,
            ballistic_drag_noise_scale: 1.0,
            exhaust_velocity_m_s: 2_900.0,
            max_thrust_m_s2: 150.0,
            thrust_reset_std_m_s2: 8.0,
            rho0_kg_m3: 1.225,
            scale_height_m: 7_200.0,
            max_step_s: 2.0,
        }
    }
}

impl MotionParams {
    /// Check every field; errors name the field (prefixed by `prefix`).
    pub fn validate(&self, prefix: &str) -> Result<(), FieldError> {
        let f = |e: FieldError| e.within(prefix);
        non_negative("q_acc_ncv_m2_s3", self.q_acc_ncv_m2_s3).map_err(f)?;
        non_negative("q_acc_ballistic_m2_s3", self.q_acc_ballistic_m2_s3).map_err(f)?;
        non_negative("q_acc_boost_m2_s3", self.q_acc_boost_m2_s3).map_err(f)?;
        non_negative("q_acc_reentry_m2_s3", self.q_acc_reentry_m2_s3).map_err(f)?;
        non_negative("q_thrust_m2_s5", self.q_thrust_m2_s5).map_err(f)?;
        non_negative("q_thrust_staging_m2_s5", self.q_thrust_staging_m2_s5).map_err(f)?;
        non_negative("q_drag_m4_kg2_s", self.q_drag_m4_kg2_s).map_err(f)?;
        non_negative("q_drag_rel_per_m", self.q_drag_rel_per_m).map_err(f)?;
        non_negative("ballistic_drag_noise_scale", self.ballistic_drag_noise_scale).map_err(f)?;
        non_negative("exhaust_velocity_m_s", self.exhaust_velocity_m_s).map_err(f)?;
        positive("max_thrust_m_s2", self.max_thrust_m_s2).map_err(f)?;
        positive("thrust_reset_std_m_s2", self.thrust_reset_std_m_s2).map_err(f)?;
        non_negative("rho0_kg_m3", self.rho0_kg_m3).map_err(f)?;
        positive("scale_height_m", self.scale_height_m).map_err(f)?;
        tl_core::check::in_range("max_step_s", self.max_step_s, 1e-3, 60.0).map_err(f)?;
        Ok(())
    }

    fn q_acc(&self, kind: ModelKind) -> f64 {
        match kind {
            ModelKind::Ncv => self.q_acc_ncv_m2_s3,
            ModelKind::Ballistic => self.q_acc_ballistic_m2_s3,
            ModelKind::Boost | ModelKind::Staging => self.q_acc_boost_m2_s3,
            ModelKind::Reentry => self.q_acc_reentry_m2_s3,
        }
    }
}

/// Approximate height above the WGS84 ellipsoid of an Earth-centred position, m
/// (geocentric-latitude radius formula, error < 25 m; used for the atmosphere only).
#[inline]
pub fn approx_altitude_m(r: &Vector3<f64>) -> f64 {
    let rn = r.norm();
    let s2 = if rn > 0.0 { (r.z / rn).powi(2) } else { 0.0 };
    rn - WGS84_A_M * (1.0 - WGS84_F * s2)
}

/// Gradient of [`approx_altitude_m`] with respect to position.
#[inline]
pub fn altitude_gradient(r: &Vector3<f64>) -> Vector3<f64> {
    let rn2 = r.norm_squared();
    let rn = rn2.sqrt();
    // h = |r| - a (1 - f z^2/|r|^2)  ->  dh/dr = r/|r| + a f (2 z e_z/|r|^2 - 2 z^2 r/|r|^4)
    let mut g = r / rn - r * (2.0 * WGS84_A_M * WGS84_F * r.z * r.z / (rn2 * rn2));
    g.z += 2.0 * WGS84_A_M * WGS84_F * r.z / rn2;
    g
}

#[inline]
fn pos(x: &StateVec) -> Vector3<f64> {
    Vector3::new(x[0], x[1], x[2])
}
#[inline]
#[allow(dead_code)]
fn vel(x: &StateVec) -> Vector3<f64> {
    Vector3::new(x[3], x[4], x[5])
}

/// Velocity relative to the co-rotating atmosphere, `v - omega x r` (ECI), m/s.
#[inline]
pub fn air_velocity(x: &StateVec) -> Vector3<f64> {
    Vector3::new(x[3] + OMEGA_EARTH_RAD_S * x[1], x[4] - OMEGA_EARTH_RAD_S * x[0], x[5])
}

/// Atmosphere density and relative velocity at a state (zero density above 300 km).
#[inline]
fn drag_terms(x: &StateVec, p: &MotionParams) -> (f64, Vector3<f64>) {
    let r = pos(x);
    let h = approx_altitude_m(&r);
    let rho = if h > 300_000.0 { 0.0 } else { p.rho0_kg_m3 * (-h.max(0.0) / p.scale_height_m).exp() };
    let vr = Vector3::new(x[3] + OMEGA_EARTH_RAD_S * r.y, x[4] - OMEGA_EARTH_RAD_S * r.x, x[5]);
    (rho, vr)
}

/// Deterministic acceleration of a model at state `x`, m/s^2.
#[inline]
pub fn acceleration(kind: ModelKind, x: &StateVec, p: &MotionParams) -> Vector3<f64> {
    let r = pos(x);
    match kind {
        ModelKind::Ncv => Vector3::zeros(),
        ModelKind::Ballistic => accel_j2(&r),
        ModelKind::Boost | ModelKind::Staging => {
            let v = air_velocity(x);
            let vn = v.norm();
            let t = if vn > 1e-3 { v * (x[IX_THRUST] / vn) } else { r * (x[IX_THRUST] / r.norm()) };
            accel_j2(&r) + t
        }
        ModelKind::Reentry => {
            let (rho, vr) = drag_terms(x, p);
            accel_j2(&r) - vr * (0.5 * rho * x[IX_DRAG].max(0.0) * vr.norm())
        }
    }
}

/// Time derivative of the state.
#[inline]
pub fn derivative(kind: ModelKind, x: &StateVec, p: &MotionParams) -> StateVec {
    let a = acceleration(kind, x, p);
    let mut d = StateVec::zeros();
    d[0] = x[3];
    d[1] = x[4];
    d[2] = x[5];
    d[3] = a.x;
    d[4] = a.y;
    d[5] = a.z;
    if kind.is_thrusting() && p.exhaust_velocity_m_s > 0.0 {
        d[IX_THRUST] = thrust_trend(x[IX_THRUST], p).0;
    }
    d
}

/// The thrust trend `f(a) = a^2/v_e (1 - a/a_max)` for `0 <= a <= a_max` (0 outside)
/// and its derivative `df/da`, m/s^3 and 1/s.
#[inline]
pub fn thrust_trend(a: f64, p: &MotionParams) -> (f64, f64) {
    if a <= 0.0 || a >= p.max_thrust_m_s2 || p.exhaust_velocity_m_s <= 0.0 {
        return (0.0, 0.0);
    }
    let ve = p.exhaust_velocity_m_s;
    let am = p.max_thrust_m_s2;
    (a * a / ve * (1.0 - a / am), a / ve * (2.0 - 3.0 * a / am))
}

/// Gravity gradient of the point-mass term, `d g / d r` (1/s^2).
#[inline]
pub fn gravity_gradient(r: &Vector3<f64>) -> Matrix3<f64> {
    let rn2 = r.norm_squared();
    let rn = rn2.sqrt();
    let mu_r3 = tl_core::consts::MU_EARTH_M3_S2 / (rn2 * rn);
    let u = r / rn;
    (u * u.transpose() * 3.0 - Matrix3::identity()) * mu_r3
}

/// Jacobian `A = d f / d x` of the continuous dynamics.
pub fn jacobian(kind: ModelKind, x: &StateVec, p: &MotionParams) -> StateCov {
    let mut a = StateCov::zeros();
    for i in 0..3 {
        a[(i, i + 3)] = 1.0;
    }
    if kind == ModelKind::Ncv {
        return a;
    }
    let r = pos(x);
    let g = gravity_gradient(&r);
    let mut dvdr = g;
    let mut dvdv = Matrix3::zeros();
    match kind {
        ModelKind::Boost | ModelKind::Staging => {
            let v = air_velocity(x);
            let vn = v.norm();
            if vn > 1e-3 {
                let u = v / vn;
                dvdv = (Matrix3::identity() - u * u.transpose()) * (x[IX_THRUST] / vn);
                // d v_r / d r = -[omega x]
                let w = OMEGA_EARTH_RAD_S;
                let om = Matrix3::new(0.0, -w, 0.0, w, 0.0, 0.0, 0.0, 0.0, 0.0);
                dvdr -= dvdv * om;
                for i in 0..3 {
                    a[(3 + i, IX_THRUST)] = u[i];
                }
            }
            a[(IX_THRUST, IX_THRUST)] = thrust_trend(x[IX_THRUST], p).1;
        }
        ModelKind::Reentry => {
            let (rho, vr) = drag_terms(x, p);
            if rho > 0.0 {
                let k = x[IX_DRAG].max(0.0);
                let vrn = vr.norm().max(1e-6);
                // d(|vr| vr)/d vr = |vr| I + vr vr^T / |vr|
                let m = Matrix3::identity() * vrn + vr * vr.transpose() / vrn;
                dvdv = -m * (0.5 * rho * k);
                // d vr / d r = -[omega x] with omega = (0, 0, w)
                let w = OMEGA_EARTH_RAD_S;
                let om = Matrix3::new(0.0, -w, 0.0, w, 0.0, 0.0, 0.0, 0.0, 0.0);
                let h = approx_altitude_m(&r);
                let drho = if h > 0.0 {
                    -(rho / p.scale_height_m) * altitude_gradient(&r)
                } else {
                    Vector3::zeros()
                };
                let term_rho = -(vr * vrn) * drho.transpose() * (0.5 * k);
                let term_vr = -m * (-om) * (0.5 * rho * k);
                dvdr += term_rho + term_vr;
                let dk = -(vr * vrn) * (0.5 * rho);
                for i in 0..3 {
                    a[(3 + i, IX_DRAG)] = dk[i];
                }
            }
        }
        _ => {}
    }
    for i in 0..3 {
        for j in 0..3 {
            a[(3 + i, j)] = dvdr[(i, j)];
            a[(3 + i, 3 + j)] = dvdv[(i, j)];
        }
    }
    a
}

fn n_steps(dt: f64, p: &MotionParams) -> usize {
    ((dt.abs() / p.max_step_s).ceil() as usize).max(1)
}

/// Propagate a state by `dt` seconds (negative for backwards) with RK4.
pub fn propagate(kind: ModelKind, x: &StateVec, dt: f64, p: &MotionParams) -> StateVec {
    if dt == 0.0 {
        return *x;
    }
    if kind == ModelKind::Ncv {
        let mut y = *x;
        for i in 0..3 {
            y[i] += dt * x[3 + i];
        }
        return y;
    }
    let n = n_steps(dt, p);
    let h = dt / n as f64;
    let mut y = *x;
    for _ in 0..n {
        let k1 = derivative(kind, &y, p);
        let k2 = derivative(kind, &(y + k1 * (0.5 * h)), p);
        let k3 = derivative(kind, &(y + k2 * (0.5 * h)), p);
        let k4 = derivative(kind, &(y + k3 * h), p);
        y += (k1 + (k2 + k3) * 2.0 + k4) * (h / 6.0);
    }
    y
}

/// Largest `rate * step` for which [`propagate_with_stm`] takes the transition matrix of
/// a single step from the second-order Taylor series: the third-order terms it leaves
/// out are at most ~`rate * step / 3` (3e-4) of the second-order ones. In midcourse the
/// rate is the gravity gradient's ~1.6e-3 /s, so steps up to ~0.6 s qualify; in boost
/// and low in the atmosphere (thrust and drag rates of 0.01-1 /s) RK4 is used.
pub const STM_TAYLOR_MAX_RATE_STEP: f64 = 1e-3;

/// Longest step, s, that [`propagate_with_stm`] takes by the short-step rule (when the
/// rate bound also allows the series): the state by the midpoint rule (error
/// ~`h^3 |d^3 x/dt^3| / 24`: under a micrometre and a micrometre per second for thrust
/// and gravity over 20 ms) and the transition matrix `I + A h` plus the position rows'
/// second-order terms. The velocity rows' second-order terms it leaves out are at most
/// `rate * h / 2` (5e-4) of the first-order ones. Reports of one object from several
/// satellites come within a few milliseconds of each other, so most predictions are
/// this short.
pub const STM_SHORT_STEP_MAX_S: f64 = 0.02;

/// A bound on the rates of the dynamics' linear part at a Jacobian `a`, 1/s: the
/// velocity-velocity block's row sums, the square root of the velocity-position block's
/// (gravity gradient, drag's height and rotation terms, 1/s^2) and the thrust's own rate.
/// The kinematic rows (position from velocity) and the couplings of thrust and drag
/// into the velocity are chains that the second-order series carries exactly as far as
/// they reach at second order.
fn rate_bound(a: &StateCov) -> f64 {
    let mut vv = 0.0f64;
    let mut vr = 0.0f64;
    for i in 3..6 {
        vv = vv.max((3..6).map(|j| a[(i, j)].abs()).sum::<f64>());
        vr = vr.max((0..3).map(|j| a[(i, j)].abs()).sum::<f64>());
    }
    vv + vr.sqrt() + a[(IX_THRUST, IX_THRUST)].abs() + a[(IX_DRAG, IX_DRAG)].abs()
}

/// Propagate a state and its state-transition matrix `Phi = d x(t+dt) / d x(t)` by RK4 on
/// the variational equations `dPhi/dt = A(x) Phi` (a single slow step: the second-order
/// Taylor series of `exp(A h)` at the midpoint, see [`STM_TAYLOR_MAX_RATE_STEP`]).
pub fn propagate_with_stm(kind: ModelKind, x: &StateVec, dt: f64, p: &MotionParams) -> (StateVec, StateCov) {
    let mut phi = StateCov::identity();
    if dt == 0.0 {
        return (*x, phi);
    }
    if kind == ModelKind::Ncv {
        for i in 0..3 {
            phi[(i, i + 3)] = dt;
        }
        return (propagate(kind, x, dt, p), phi);
    }
    let n = n_steps(dt, p);
    let h = dt / n as f64;
    let mut y = *x;
    if n == 1 {
        // One short step (most predictions: a track is updated several times a
        // second): the state by RK4 as below, the transition matrix by the second-order
        // Taylor series of `exp(A h)` with the Jacobian at the step's midpoint, when the
        // dynamics' rates are slow enough over the step (`STM_TAYLOR_MAX_RATE_STEP`;
        // tested against the RK4 matrix).
        let k1 = derivative(kind, &y, p);
        let y2 = y + k1 * (0.5 * h);
        let a_mid = jacobian(kind, &y2, p);
        if rate_bound(&a_mid) * h.abs() <= STM_TAYLOR_MAX_RATE_STEP {
            let k2 = derivative(kind, &y2, p);
            if h.abs() <= STM_SHORT_STEP_MAX_S {
                // A step within a burst of reports (a track is updated by several
                // satellites within milliseconds): the midpoint rule for the state, and
                // the series without the product `A A`: its position rows are `A`'s
                // velocity rows (the position rows of `A` select the velocity), its
                // thrust and drag columns are a few products, and what is left (the
                // velocity rows' position and velocity columns, `G + D D` and `D G`
                // for the velocity block `D` and the gravity-gradient block `G`) is
                // below 1e-6 of the first-order terms over such a step.
                y += k2 * h;
                let a = &a_mid;
                let half_h2 = 0.5 * h * h;
                phi += a * h;
                for i in 0..3 {
                    for j in 0..NX {
                        phi[(i, j)] += a[(i + 3, j)] * half_h2;
                    }
                    let (mut t, mut k) = (a[(i + 3, IX_THRUST)] * a[(IX_THRUST, IX_THRUST)], 0.0);
                    for j in 0..3 {
                        t += a[(i + 3, j + 3)] * a[(j + 3, IX_THRUST)];
                        k += a[(i + 3, j + 3)] * a[(j + 3, IX_DRAG)];
                    }
                    phi[(i + 3, IX_THRUST)] += t * half_h2;
                    phi[(i + 3, IX_DRAG)] += k * half_h2;
                }
                phi[(IX_THRUST, IX_THRUST)] += a[(IX_THRUST, IX_THRUST)].powi(2) * half_h2;
                return (y, phi);
            }
            let y3 = y + k2 * (0.5 * h);
            let k3 = derivative(kind, &y3, p);
            let y4 = y + k3 * h;
            let k4 = derivative(kind, &y4, p);
            y += (k1 + (k2 + k3) * 2.0 + k4) * (h / 6.0);
            let m = a_mid * h;
            phi += m + matmul(&m, &m) * 0.5;
            return (y, phi);
        }
    }
    for step in 0..n {
        // In the first step `phi` is the identity and `a1 phi` is `a1` (the product
        // differs only by giving +0 for -0 entries, which the sums give back as the same
        // bits: tested), so the product is skipped; most predictions are one step.
        (y, phi) = rk4_stm_step(kind, &y, &phi, h, p, step == 0);
    }
    (y, phi)
}

/// One RK4 step of `h` seconds of a state and its transition matrix `phi`; with
/// `phi_is_identity` the first stage's product `a1 phi` is taken as `a1`.
#[inline]
fn rk4_stm_step(
    kind: ModelKind,
    y: &StateVec,
    phi: &StateCov,
    h: f64,
    p: &MotionParams,
    phi_is_identity: bool,
) -> (StateVec, StateCov) {
    let k1 = derivative(kind, y, p);
    let a1 = jacobian(kind, y, p);
    let y2 = y + k1 * (0.5 * h);
    let k2 = derivative(kind, &y2, p);
    let a2 = jacobian(kind, &y2, p);
    let y3 = y + k2 * (0.5 * h);
    let k3 = derivative(kind, &y3, p);
    let a3 = jacobian(kind, &y3, p);
    let y4 = y + k3 * h;
    let k4 = derivative(kind, &y4, p);
    let a4 = jacobian(kind, &y4, p);
    let p1 = if phi_is_identity { a1 } else { matmul(&a1, phi) };
    let p2 = matmul(&a2, &(phi + p1 * (0.5 * h)));
    let p3 = matmul(&a3, &(phi + p2 * (0.5 * h)));
    let p4 = matmul(&a4, &(phi + p3 * h));
    (y + (k1 + (k2 + k3) * 2.0 + k4) * (h / 6.0), phi + (p1 + (p2 + p3) * 2.0 + p4) * (h / 6.0))
}

/// Discrete process noise over `dt` for a model at state `x` (closed forms of the
/// continuous white-noise models, Van Loan's integral with the linear part of the
/// dynamics):
///
/// * position/velocity per axis: `q [[dt^3/3, dt^2/2], [dt^2/2, dt]]`;
/// * thrust (boost): a Wiener-process acceleration along the unit velocity `u`:
///   `q_T [[dt^5/20, dt^4/8, dt^3/6], [., dt^3/3, dt^2/2], [., ., dt]]` on (pos, vel, a_T)
///   projected on `u`;
/// * drag (reentry): the same form on (pos, vel, k) along `-u_r` scaled by the drag
///   sensitivity `b = rho |v_r|^2 / 2`, with the PSD of `k`
///   `q_drag + q_drag_rel_per_m |dh/dt| k^2` (the single-scale-height atmosphere's
///   error, a factor on the density that changes with height, absorbed by `k`);
/// * ignored drag (ballistic, inside the atmosphere and descending): the ballistic
///   model leaves out the drag `b k` along `-u_r`; as a random acceleration of that size with the
///   correlation time of the density seen by the object, `tau = H / |dh/dt|` (one
///   scale height crossed), it is white noise of PSD `2 (b k)^2 tau` along `-u_r`
///   (times `ballistic_drag_noise_scale`), `k` being the state's estimate. Not while
///   climbing: there the ballistic mode is the IMM's burnout hypothesis for a boosting
///   missile low in the atmosphere, whose drag the boost model's thrust estimate
///   absorbs; loosening it there let it win over the boost mode in mid-stage.
pub fn process_noise(kind: ModelKind, x: &StateVec, dt: f64, p: &MotionParams) -> StateCov {
    let dt = dt.abs();
    let mut q = StateCov::zeros();
    // Unmodelled aerodynamic forces exist only inside the atmosphere: above 150 km the
    // reentry model is the ballistic one and gets the ballistic noise.
    let qa = if kind == ModelKind::Reentry && approx_altitude_m(&pos(x)) > 150_000.0 {
        p.q_acc(ModelKind::Ballistic)
    } else {
        p.q_acc(kind)
    };
    let (d1, d2, d3) = (dt, dt * dt / 2.0, dt * dt * dt / 3.0);
    for i in 0..3 {
        q[(i, i)] = qa * d3;
        q[(i, i + 3)] = qa * d2;
        q[(i + 3, i)] = qa * d2;
        q[(i + 3, i + 3)] = qa * d1;
    }
    let wiener = |q: &mut StateCov, u: &Vector3<f64>, b: f64, idx: usize, psd: f64| {
        let dt2 = dt * dt;
        let (pp, pv, pa) = (dt2 * dt2 * dt / 20.0, dt2 * dt2 / 8.0, dt2 * dt / 6.0);
        let (vv, va, aa) = (dt2 * dt / 3.0, dt2 / 2.0, dt);
        let uu = u * u.transpose();
        for i in 0..3 {
            for j in 0..3 {
                q[(i, j)] += psd * b * b * pp * uu[(i, j)];
                q[(i, 3 + j)] += psd * b * b * pv * uu[(i, j)];
                q[(3 + i, j)] += psd * b * b * pv * uu[(i, j)];
                q[(3 + i, 3 + j)] += psd * b * b * vv * uu[(i, j)];
            }
            q[(i, idx)] += psd * b * pa * u[i];
            q[(idx, i)] += psd * b * pa * u[i];
            q[(3 + i, idx)] += psd * b * va * u[i];
            q[(idx, 3 + i)] += psd * b * va * u[i];
        }
        q[(idx, idx)] += psd * aa;
    };
    match kind {
        ModelKind::Boost | ModelKind::Staging => {
            let v = air_velocity(x);
            let vn = v.norm();
            let u = if vn > 1e-3 { v / vn } else { pos(x).normalize() };
            let qt = if kind == ModelKind::Staging { p.q_thrust_staging_m2_s5 } else { p.q_thrust_m2_s5 };
            wiener(&mut q, &u, 1.0, IX_THRUST, qt);
            q[(IX_DRAG, IX_DRAG)] += p.q_drag_m4_kg2_s * dt;
        }
        ModelKind::Reentry => {
            let (rho, vr) = drag_terms(x, p);
            let vrn = vr.norm();
            if rho > 0.0 && vrn > 1e-3 {
                let k = x[IX_DRAG].max(0.0);
                let psd = p.q_drag_m4_kg2_s + p.q_drag_rel_per_m * height_rate_m_s(x).abs() * k * k;
                wiener(&mut q, &(-vr / vrn), 0.5 * rho * vrn * vrn, IX_DRAG, psd);
            } else {
                q[(IX_DRAG, IX_DRAG)] += p.q_drag_m4_kg2_s * dt;
            }
        }
        ModelKind::Ballistic => {
            let (rho, vr) = drag_terms(x, p);
            let vrn = vr.norm();
            let a = 0.5 * rho * vrn * vrn * x[IX_DRAG].max(0.0);
            let hdot = height_rate_m_s(x);
            if a > 0.0 && hdot < 0.0 && p.ballistic_drag_noise_scale > 0.0 {
                // Correlation time: one scale height crossed (at least 1 m/s of height
                // rate, so a level flight gets a long but finite time).
                let tau = p.scale_height_m / (-hdot).max(1.0);
                let psd = p.ballistic_drag_noise_scale * 2.0 * a * a * tau;
                let u = vr / vrn;
                let uu = u * u.transpose();
                for i in 0..3 {
                    for j in 0..3 {
                        q[(i, j)] += psd * d3 * uu[(i, j)];
                        q[(i, 3 + j)] += psd * d2 * uu[(i, j)];
                        q[(3 + i, j)] += psd * d2 * uu[(i, j)];
                        q[(3 + i, 3 + j)] += psd * d1 * uu[(i, j)];
                    }
                }
            }
            q[(IX_DRAG, IX_DRAG)] += p.q_drag_m4_kg2_s * dt;
        }
        _ => {
            q[(IX_DRAG, IX_DRAG)] += p.q_drag_m4_kg2_s * dt;
        }
    }
    q
}

/// Rate of change of the height, m/s: the radial velocity `v . r / |r|` (the
/// ellipsoid's flattening neglected, as in the atmosphere's use of it).
#[inline]
fn height_rate_m_s(x: &StateVec) -> f64 {
    let r = pos(x);
    let rn = r.norm();
    if rn > 0.0 { (x[3] * r.x + x[4] * r.y + x[5] * r.z) / rn } else { 0.0 }
}

/// Apply a model's constraint on the thrust element after a prediction: outside the
/// boost model the thrust is zero with the reset spread, uncorrelated with the rest.
#[inline]
pub fn apply_mode_constraints(kind: ModelKind, x: &mut StateVec, pc: &mut StateCov, p: &MotionParams) {
    if !kind.is_thrusting() {
        x[IX_THRUST] = 0.0;
        for i in 0..NX {
            pc[(i, IX_THRUST)] = 0.0;
            pc[(IX_THRUST, i)] = 0.0;
        }
        pc[(IX_THRUST, IX_THRUST)] = p.thrust_reset_std_m_s2 * p.thrust_reset_std_m_s2;
    } else if x[IX_THRUST] < 0.0 {
        x[IX_THRUST] = 0.0;
    }
    if x[IX_DRAG] < 0.0 {
        x[IX_DRAG] = 0.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tl_core::consts::MU_EARTH_M3_S2;

    fn st(r: Vector3<f64>, v: Vector3<f64>, at: f64, k: f64) -> StateVec {
        StateVec::from_column_slice(&[r.x, r.y, r.z, v.x, v.y, v.z, at, k])
    }

    #[test]
    fn ballistic_conserves_energy_and_matches_kepler_period() {
        // Circular equatorial orbit: J2-free check against the point-mass period is not
        // exact, so check energy (J2 potential) conservation and return to the start.
        let p = MotionParams { max_step_s: 5.0, ..Default::default() };
        let r0 = 7.0e6;
        let v0 = (MU_EARTH_M3_S2 / r0).sqrt();
        let x = st(Vector3::new(r0, 0.0, 0.0), Vector3::new(0.0, v0 * 0.6, v0 * 0.8), 0.0, 0.0);
        let e = |x: &StateVec| 0.5 * vel(x).norm_squared() + tl_core::gravity::potential_j2(&pos(x));
        let y = propagate(ModelKind::Ballistic, &x, 3_000.0, &p);
        assert!(((e(&y) - e(&x)) / e(&x)).abs() < 1e-9, "{} {}", e(&x), e(&y));
    }

    #[test]
    fn stm_matches_finite_differences_for_every_model() {
        let p = MotionParams::default();
        let r = Vector3::new(6.3e6, 0.8e6, 0.9e6);
        let v = Vector3::new(2_000.0, 1_500.0, 3_000.0);
        for (kind, at, k) in [
            (ModelKind::Ballistic, 0.0, 0.0),
            (ModelKind::Boost, 30.0, 0.0),
            (ModelKind::Reentry, 0.0, 5e-3),
            (ModelKind::Ncv, 0.0, 0.0),
        ] {
            let rr = if kind == ModelKind::Reentry { r.normalize() * (WGS84_A_M + 40_000.0) } else { r };
            let x = st(rr, v, at, k);
            let dt = 7.0;
            let (_, phi) = propagate_with_stm(kind, &x, dt, &p);
            let steps = [10.0, 10.0, 10.0, 0.1, 0.1, 0.1, 0.01, 1e-5];
            for j in 0..NX {
                let mut xp = x;
                let mut xm = x;
                xp[j] += steps[j];
                xm[j] -= steps[j];
                let col = (propagate(kind, &xp, dt, &p) - propagate(kind, &xm, dt, &p)) / (2.0 * steps[j]);
                for i in 0..6 {
                    let tol = 1e-5 * (1.0 + col[i].abs());
                    assert!(
                        (phi[(i, j)] - col[i]).abs() < tol.max(1e-4 * col.norm()),
                        "{kind:?} phi[{i},{j}] {} vs {}",
                        phi[(i, j)],
                        col[i]
                    );
                }
            }
        }
    }

    /// The first RK4 step of `propagate_with_stm` uses the Jacobian for `a1 phi` (phi is
    /// the identity): the same bits as the full product, for every model, one and
    /// several steps, forwards and backwards, with and without zero thrust/drag. A single
    /// slow step takes the second-order series instead: within 1e-6 of RK4's entries.
    #[test]
    fn stm_shortcuts_match_the_full_rk4_product() {
        fn reference(kind: ModelKind, x: &StateVec, dt: f64, p: &MotionParams) -> (StateVec, StateCov) {
            let n = n_steps(dt, p);
            let h = dt / n as f64;
            let (mut y, mut phi) = (*x, StateCov::identity());
            for _ in 0..n {
                // Every stage's product computed in full.
                (y, phi) = rk4_stm_step(kind, &y, &phi, h, p, false);
            }
            (y, phi)
        }
        let p = MotionParams::default();
        let (mut n_cases, mut n_taylor, mut n_short) = (0, 0, 0);
        for kind in [ModelKind::Boost, ModelKind::Staging, ModelKind::Ballistic, ModelKind::Reentry] {
            for (alt, vel_m_s, at, k) in [
                (40_000.0, [2_000.0, 1_500.0, 3_000.0], 30.0, 5e-3),
                (300_000.0, [-4_000.0, 2_500.0, -1_000.0], 0.0, 0.0),
                (900_000.0, [0.0, 7_000.0, 0.0], 12.0, 0.0),
                (80_000.0, [-1_000.0, 0.0, -2_000.0], 0.0, 2e-2),
            ] {
                let r = Vector3::new(0.6, -0.7, 0.4).normalize() * (WGS84_A_M + alt);
                let x = st(r, Vector3::from(vel_m_s), at, k);
                for dt in [0.1, -0.1, 0.13, 0.9, 3.0, -7.5, 25.0, 0.0004, -0.003, 0.02] {
                    let (y, phi) = propagate_with_stm(kind, &x, dt, &p);
                    let (y_ref, phi_ref) = reference(kind, &x, dt, &p);
                    let bits = |m: &[f64]| m.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                    let mid = x + derivative(kind, &x, &p) * (0.5 * dt);
                    let taylor = n_steps(dt, &p) == 1
                        && rate_bound(&jacobian(kind, &mid, &p)) * dt.abs() <= STM_TAYLOR_MAX_RATE_STEP;
                    if taylor && dt.abs() <= STM_SHORT_STEP_MAX_S {
                        // The midpoint rule's state: within a micrometre (per second).
                        for i in 0..NX {
                            let tol = if i < 3 { 1e-6 } else { 1e-6 * (1.0 + y_ref[i].abs() * 1e-6) };
                            assert!(
                                (y[i] - y_ref[i]).abs() <= tol,
                                "{kind:?} dt {dt} x[{i}] {} vs {}",
                                y[i],
                                y_ref[i]
                            );
                        }
                        n_short += 1;
                    } else {
                        assert_eq!(bits(y.as_slice()), bits(y_ref.as_slice()), "{kind:?} dt {dt}");
                    }
                    if taylor {
                        // An error `d Phi_ij` moves state i by `d Phi_ij s_j` for a
                        // spread s_j of state j: within 1e-6 of s_i for tracking-sized
                        // spreads (100 m, 1 m/s, 1 m/s^2, 1e-3 m^2/kg), or of the entry.
                        let sd = [100.0, 100.0, 100.0, 1.0, 1.0, 1.0, 1.0, 1e-3];
                        for i in 0..NX {
                            for j in 0..NX {
                                let (a, b) = (phi[(i, j)], phi_ref[(i, j)]);
                                assert!(
                                    (a - b).abs() <= 1e-6 * (b.abs() + sd[i] / sd[j]),
                                    "{kind:?} alt {alt} dt {dt} phi[{i},{j}] {a} vs {b}"
                                );
                            }
                        }
                        n_taylor += 1;
                    } else {
                        assert_eq!(bits(phi.as_slice()), bits(phi_ref.as_slice()), "{kind:?} dt {dt}");
                    }
                    n_cases += 1;
                }
            }
        }
        assert_eq!(n_cases, 160);
        // Every way is exercised: the series on the short slow steps (the short-step
        // rule on the shortest), RK4 elsewhere (several steps, or the fast drag and
        // thrust rates low down).
        assert!((40..=100).contains(&n_taylor), "{n_taylor} of {n_cases} by the series");
        assert!((20..=n_taylor - 20).contains(&n_short), "{n_short} of {n_taylor} by the short-step rule");
    }

    #[test]
    fn boost_thrust_follows_rocket_equation() {
        // da/dt = a^2/v_e integrates to 1/a(t) = 1/a0 - t/v_e (a_max far away).
        let p = MotionParams { exhaust_velocity_m_s: 2_500.0, max_thrust_m_s2: 1e12, ..Default::default() };
        let x = st(Vector3::new(6.4e6, 0.0, 0.0), Vector3::new(500.0, 100.0, 0.0), 20.0, 0.0);
        let y = propagate(ModelKind::Boost, &x, 60.0, &p);
        let expect = 1.0 / (1.0 / 20.0 - 60.0 / 2_500.0);
        assert!((y[IX_THRUST] - expect).abs() / expect < 1e-6, "{} vs {expect}", y[IX_THRUST]);
    }

    #[test]
    fn saturated_thrust_trend_matches_closed_form_and_stays_bounded() {
        // da/dt = a^2/v_e (1 - k a), k = 1/a_max: G(a) = k ln(a / (1 - k a)) - 1/a grows
        // as t/v_e. From 100 m/s^2 the unsaturated trend would blow up after 29 s.
        let p = MotionParams { exhaust_velocity_m_s: 2_900.0, max_thrust_m_s2: 150.0, ..Default::default() };
        let k = 1.0 / p.max_thrust_m_s2;
        let g = |a: f64| k * (a / (1.0 - k * a)).ln() - 1.0 / a;
        let x = st(Vector3::new(6.6e6, 0.0, 0.0), Vector3::new(3_000.0, 2_000.0, 0.0), 100.0, 0.0);
        for dt in [10.0, 25.0, 60.0] {
            let y = propagate(ModelKind::Boost, &x, dt, &p);
            let a = y[IX_THRUST];
            assert!(a > 100.0 && a < 150.0, "{a}");
            let lhs = g(a) - g(100.0);
            assert!((lhs - dt / p.exhaust_velocity_m_s).abs() < 1e-7, "dt {dt}: {lhs} vs {}", dt / 2_900.0);
        }
    }

    #[test]
    fn ncv_process_noise_closed_form() {
        let p = MotionParams { q_acc_ncv_m2_s3: 2.0, ..Default::default() };
        let q = process_noise(ModelKind::Ncv, &StateVec::zeros(), 3.0, &p);
        assert!((q[(0, 0)] - 2.0 * 9.0).abs() < 1e-12);
        assert!((q[(0, 3)] - 2.0 * 4.5).abs() < 1e-12);
        assert!((q[(3, 3)] - 6.0).abs() < 1e-12);
        assert!(q.cholesky().is_some() || q[(IX_THRUST, IX_THRUST)] == 0.0);
    }

    #[test]
    fn drag_process_noise_closed_forms() {
        // A body at 60 km descending at 2 km/s with k = 1e-2 m^2/kg (k and the height rate
        // along the local vertical: position on the x axis, velocity (-2000, 0, 6000)).
        let p = MotionParams::default();
        let r = WGS84_A_M + 60_000.0;
        let x = st(Vector3::new(r, 0.0, 0.0), Vector3::new(-2_000.0, 0.0, 6_000.0), 0.0, 1e-2);
        let dt = 2.0;
        let (rho, vr) = drag_terms(&x, &p);
        let b = 0.5 * rho * vr.norm_squared();
        // Ballistic: the drag b k left out, white along -v_r with PSD 2 (b k)^2 H / |dh/dt|.
        let q = process_noise(ModelKind::Ballistic, &x, dt, &p);
        let psd = 2.0 * (b * 1e-2).powi(2) * p.scale_height_m / 2_000.0;
        let u = vr / vr.norm();
        let vv = Matrix3::from_fn(|i, j| q[(3 + i, 3 + j)]);
        let along = (u.transpose() * vv * u)[0];
        let expect = psd * dt + p.q_acc_ballistic_m2_s3 * dt;
        assert!((along / expect - 1.0).abs() < 1e-9, "{along} vs {expect}");
        // Across the velocity only the ballistic white noise remains.
        let w = u.cross(&Vector3::z()).normalize();
        assert!(((w.transpose() * vv * w)[0] / (p.q_acc_ballistic_m2_s3 * dt) - 1.0).abs() < 1e-9);
        // Reentry: the k random walk has PSD q_drag + q_drag_rel_per_m |dh/dt| k^2.
        let q = process_noise(ModelKind::Reentry, &x, dt, &p);
        let qk = p.q_drag_m4_kg2_s + p.q_drag_rel_per_m * 2_000.0 * 1e-4;
        assert!((q[(IX_DRAG, IX_DRAG)] / (qk * dt) - 1.0).abs() < 1e-9);
        // Above the atmosphere, or with the term switched off, the ballistic noise is
        // the plain white acceleration.
        let high = st(
            Vector3::new(WGS84_A_M + 400_000.0, 0.0, 0.0),
            Vector3::new(-2_000.0, 0.0, 6_000.0),
            0.0,
            1e-2,
        );
        let q = process_noise(ModelKind::Ballistic, &high, dt, &p);
        assert!((q[(3, 3)] / (p.q_acc_ballistic_m2_s3 * dt) - 1.0).abs() < 1e-12);
        let climbing = st(Vector3::new(r, 0.0, 0.0), Vector3::new(2_000.0, 0.0, 6_000.0), 0.0, 1e-2);
        let q = process_noise(ModelKind::Ballistic, &climbing, dt, &p);
        assert!((q[(4, 4)] / (p.q_acc_ballistic_m2_s3 * dt) - 1.0).abs() < 1e-12);
        let off = MotionParams { ballistic_drag_noise_scale: 0.0, ..Default::default() };
        let q = process_noise(ModelKind::Ballistic, &x, dt, &off);
        assert!((q[(4, 4)] / (p.q_acc_ballistic_m2_s3 * dt) - 1.0).abs() < 1e-12);
    }
}
