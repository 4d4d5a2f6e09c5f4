//! Interacting multiple model (IMM) estimator over the flight-regime models
//! (Blom & Bar-Shalom 1988; Bar-Shalom, Li & Kirubarajan 2001, ch. 11.6).
//!
//! Each mode is a Gaussian on the common 8-state ([`crate::motion`]). One cycle:
//!
//! 1. mixing: `c_j = sum_i p_ij mu_i`, `mu_i|j = p_ij mu_i / c_j`,
//!    `x0_j = sum_i mu_i|j x_i`, `P0_j = sum_i mu_i|j (P_i + (x_i - x0_j)(x_i - x0_j)^T)`;
//! 2. mode-matched prediction with each mode's model;
//! 3. mode-matched update, likelihood `L_j = N(nu_j; 0, S_j)`;
//! 4. `mu_j = L_j c_j / sum_k L_k c_k`; the output is the moment-matched mixture.
//!
//! The mode transition matrix over an interval `dt` comes from mean sojourn times:
//! `p_jj = exp(-dt / tau_j)`, and the leaving probability `1 - p_jj` is shared among the
//! other modes in proportion to configured weights.

use crate::filter::{
    BiasCross, FilterKind, Gaussian, Innovation, MeasurementModel, consider_cross_update, innovation,
    predict_with_stm_into, update, update_consider, update_consider_into,
};
use crate::linalg::{CovError, all_finite, guard_pd, matmul};
use crate::motion::{ModelKind, MotionParams, NX, StateCov, StateVec};
use nalgebra::SMatrix;
use serde::{Deserialize, Serialize};
use tl_core::check::{FieldError, positive};

/// Largest number of IMM modes.
pub const MAX_MODES: usize = 4;

/// IMM configuration (`[tracker.space.imm]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ImmConfig {
    /// The modes (1 to 4 distinct models). One mode = a plain filter.
    pub modes: Vec<ModelKind>,
    /// Mean sojourn time in each mode, s.
    pub sojourn_s: Vec<f64>,
    /// `switch_weight[i][j]`: relative weight of leaving mode i for mode j (diagonal ignored).
    pub switch_weight: Vec<Vec<f64>>,
    /// Initial mode probabilities (normalised on use).
    pub initial_prob: Vec<f64>,
}

impl Default for ImmConfig {
    fn default() -> Self {
        Self {
            modes: vec![ModelKind::Boost, ModelKind::Staging, ModelKind::Ballistic, ModelKind::Reentry],
            // Stages burn 55-150 s (docs/models/threat.md); a staging jump lasts one
            // update interval; midcourse and reentry as before.
            sojourn_s: vec![60.0, 2.0, 600.0, 300.0],
            // boost -> staging (next stage) or ballistic (burnout); staging -> boost (the
            // new stage burning) or ballistic (a coast after the separation); ballistic ->
            // staging (ignition after a coast) or reentry; reentry -> ballistic.
            switch_weight: vec![
                vec![0.0, 0.5, 0.5, 0.0],
                vec![0.9, 0.0, 0.1, 0.0],
                vec![0.0, 0.3, 0.0, 0.7],
                vec![0.0, 0.0, 1.0, 0.0],
            ],
            initial_prob: vec![0.45, 0.05, 0.4, 0.1],
        }
    }
}

impl ImmConfig {
    /// Check the configuration; errors carry `prefix.field`.
    pub fn validate(&self, prefix: &str) -> Result<(), FieldError> {
        let n = self.modes.len();
        let err = |f: &str, v: String, a: &str| Err(FieldError::new(format!("{prefix}.{f}"), v, a));
        if n == 0 || n > MAX_MODES {
            return err("modes", format!("{} modes", n), "1 to 4 models");
        }
        for i in 0..n {
            if self.modes[..i].contains(&self.modes[i]) {
                return err("modes", format!("{:?}", self.modes), "distinct models");
            }
        }
        if self.sojourn_s.len() != n {
            return err("sojourn_s", format!("{} values", self.sojourn_s.len()), "one per mode");
        }
        for (i, s) in self.sojourn_s.iter().enumerate() {
            positive(&format!("sojourn_s[{i}]"), *s).map_err(|e| e.within(prefix))?;
        }
        if self.switch_weight.len() != n || self.switch_weight.iter().any(|r| r.len() != n) {
            return err(
                "switch_weight",
                format!("{:?}", self.switch_weight),
                "an n x n matrix (n = number of modes)",
            );
        }
        if self.switch_weight.iter().flatten().any(|w| !w.is_finite() || *w < 0.0) {
            return err("switch_weight", format!("{:?}", self.switch_weight), "finite weights >= 0");
        }
        if self.initial_prob.len() != n
            || self.initial_prob.iter().any(|p| !p.is_finite() || *p < 0.0)
            || self.initial_prob.iter().sum::<f64>() <= 0.0
        {
            return err(
                "initial_prob",
                format!("{:?}", self.initial_prob),
                "one value >= 0 per mode, not all 0",
            );
        }
        Ok(())
    }

    /// Mode transition matrix over `dt` seconds (rows sum to 1).
    pub fn transition(&self, dt: f64) -> [[f64; MAX_MODES]; MAX_MODES] {
        let n = self.modes.len();
        let mut p = [[0.0; MAX_MODES]; MAX_MODES];
        for i in 0..n {
            let stay = (-dt.abs() / self.sojourn_s[i]).exp();
            let wsum: f64 = (0..n).filter(|&j| j != i).map(|j| self.switch_weight[i][j]).sum();
            if wsum <= 0.0 {
                p[i][i] = 1.0;
                continue;
            }
            p[i][i] = stay;
            for j in 0..n {
                if j != i {
                    p[i][j] = (1.0 - stay) * self.switch_weight[i][j] / wsum;
                }
            }
        }
        p
    }
}

/// The IMM estimate of one track.
#[derive(Clone, Debug, PartialEq)]
pub struct ImmState {
    /// Time of the estimate, s.
    pub t_s: f64,
    /// Number of modes in use.
    pub n: usize,
    /// Models of the modes.
    pub kinds: [ModelKind; MAX_MODES],
    /// Mode-matched estimates.
    pub modes: [Gaussian; MAX_MODES],
    /// Mode probabilities.
    pub mu: [f64; MAX_MODES],
    /// Modes whose last measurement update failed (bit `j`: mode `j` could not be
    /// updated, its innovation covariance or posterior covariance was not positive
    /// definite, and it kept its prediction with likelihood 0 while the others took
    /// the measurement). 0 after a prediction or a clean update. A diagnostic: the
    /// tracker counts these (`SpaceStats::mode_updates_failed`).
    pub failed_modes: u8,
}

/// A predicted IMM, before a measurement: mode-matched priors and the predicted mode
/// probabilities `c_j`.
#[derive(Clone, Debug)]
pub struct ImmPrior {
    /// Time, s.
    pub t_s: f64,
    /// Mode-matched predictions.
    pub modes: [Gaussian; MAX_MODES],
    /// Predicted mode probabilities.
    pub c: [f64; MAX_MODES],
    /// Number of modes.
    pub n: usize,
    /// Models.
    pub kinds: [ModelKind; MAX_MODES],
    /// Mixing weights `mix[j][i] = mu_(i|j)` used for mode `j`.
    pub mix: [[f64; MAX_MODES]; MAX_MODES],
    /// State-transition matrix of each mode's prediction (from its mixed mean).
    pub phi: [StateCov; MAX_MODES],
}

/// Per-mode cross-covariances of an IMM's states with one sensor's pointing bias.
pub type ModeCross = [BiasCross; MAX_MODES];

/// The blocks' maps of a consider update with blocks shared by the modes
/// ([`ImmPrior::update_consider_shared_map`]): every block `C` becomes `map C`, and the
/// measuring sensor's own block `map C - own_term`.
#[derive(Clone, Debug)]
pub struct SharedBlockUpdate {
    /// `sum_j mu_j+ (I - K_j H_j) Phi_j` (8 x 8).
    pub map: StateCov,
    /// `sum_j mu_j+ K_j H_b b_var` (8 x 3).
    pub own_term: BiasCross,
}

impl SharedBlockUpdate {
    /// The posterior of the measuring sensor's block `c` (its value before the update).
    #[inline]
    pub fn own_block(&self, c: &BiasCross) -> BiasCross {
        let mut next = matmul(&self.map, c);
        next -= self.own_term;
        next
    }
}

/// A zero [`ModeCross`] (a sensor not yet correlated with the track).
pub fn zero_cross() -> ModeCross {
    [SMatrix::zeros(); MAX_MODES]
}

impl ImmState {
    /// Start an IMM with every mode at the same Gaussian.
    pub fn new(cfg: &ImmConfig, t_s: f64, g: Gaussian) -> Self {
        let n = cfg.modes.len();
        let mut kinds = [ModelKind::Ncv; MAX_MODES];
        kinds[..n].copy_from_slice(&cfg.modes);
        let s: f64 = cfg.initial_prob.iter().sum();
        let mut mu = [0.0; MAX_MODES];
        for i in 0..n {
            mu[i] = cfg.initial_prob[i] / s;
        }
        Self { t_s, n, kinds, modes: [g; MAX_MODES], mu, failed_modes: 0 }
    }

    /// Moment-matched combined estimate.
    pub fn combined(&self) -> Gaussian {
        combine(&self.modes[..self.n], &self.mu[..self.n])
    }

    /// Mean and covariance diagonal of the moment-matched combined estimate: the same
    /// moments as [`Self::combined`] without the full covariance and its
    /// positive-definiteness guard (which only adds round-off jitter). About ten times
    /// cheaper; for gating bounds and housekeeping run on every track for every frame.
    pub fn combined_mean_diag(&self) -> (StateVec, StateVec) {
        let (gs, w) = (&self.modes[..self.n], &self.mu[..self.n]);
        let s: f64 = w.iter().sum();
        let mut x = StateVec::zeros();
        for (g, wi) in gs.iter().zip(w) {
            x += g.x * (*wi / s);
        }
        let mut d = StateVec::zeros();
        for (g, wi) in gs.iter().zip(w) {
            for k in 0..x.len() {
                let e = g.x[k] - x[k];
                d[k] += (g.p[(k, k)] + e * e) * (*wi / s);
            }
        }
        (x, d)
    }

    /// Probability of a model (0 when it is not a mode).
    pub fn prob(&self, kind: ModelKind) -> f64 {
        (0..self.n).find(|&i| self.kinds[i] == kind).map_or(0.0, |i| self.mu[i])
    }

    /// Total probability of the thrusting models (boost and staging).
    pub fn prob_thrusting(&self) -> f64 {
        (0..self.n).filter(|&i| self.kinds[i].is_thrusting()).map(|i| self.mu[i]).sum()
    }

    /// Mix and predict to `t_s`.
    pub fn predict(
        &self,
        cfg: &ImmConfig,
        filter: FilterKind,
        params: &MotionParams,
        t_s: f64,
    ) -> Result<ImmPrior, CovError> {
        let mut out = ImmPrior::blank(self);
        self.predict_into(cfg, filter, params, t_s, &mut out)?;
        Ok(out)
    }

    /// [`Self::predict`] written into `out` (whatever it held; on error it holds no
    /// prediction): for a caller that reuses a prior's allocation, without moving the
    /// ~4.5 kB prior through a `Result`.
    pub fn predict_into(
        &self,
        cfg: &ImmConfig,
        filter: FilterKind,
        params: &MotionParams,
        t_s: f64,
        out: &mut ImmPrior,
    ) -> Result<(), CovError> {
        let dt = t_s - self.t_s;
        let n = self.n;
        let p = cfg.transition(dt);
        out.t_s = t_s;
        out.n = n;
        out.kinds = self.kinds;
        out.c = [0.0; MAX_MODES];
        for j in 0..n {
            out.c[j] = (0..n).map(|i| p[i][j] * self.mu[i]).sum();
        }
        let c = out.c;
        out.mix = [[0.0; MAX_MODES]; MAX_MODES];
        for j in 0..n {
            let w = &mut out.mix[j];
            for i in 0..n {
                w[i] = if c[j] > 0.0 {
                    p[i][j] * self.mu[i] / c[j]
                } else if i == j {
                    1.0
                } else {
                    0.0
                };
            }
            let mixed = combine_unguarded(&self.modes[..n], &w[..n]);
            predict_with_stm_into(
                filter,
                self.kinds[j],
                &mixed,
                dt,
                params,
                &mut out.modes[j],
                &mut out.phi[j],
            )?;
        }
        // Slots past the modes in use as `predict` leaves them.
        out.modes[n..].copy_from_slice(&self.modes[n..]);
        out.phi[n..].fill(StateCov::identity());
        Ok(())
    }
}

impl ImmPrior {
    /// A prior with `state`'s modes, unit transition matrices and zero probabilities: a
    /// value to predict into ([`ImmState::predict_into`]).
    pub fn blank(state: &ImmState) -> Self {
        Self {
            t_s: state.t_s,
            modes: state.modes,
            c: [0.0; MAX_MODES],
            n: state.n,
            kinds: state.kinds,
            mix: [[0.0; MAX_MODES]; MAX_MODES],
            phi: [StateCov::identity(); MAX_MODES],
        }
    }

    /// Moment-matched predicted estimate (for gating and reporting).
    pub fn combined(&self) -> Gaussian {
        combine(&self.modes[..self.n], &self.c[..self.n])
    }

    /// Innovation of a measurement against the combined prediction (for gating).
    pub fn innovation<const M: usize, Mm: MeasurementModel<M>>(
        &self,
        filter: FilterKind,
        m: &Mm,
    ) -> Result<Innovation<M>, CovError> {
        innovation(filter, &self.combined(), m)
    }

    /// Update every mode with a measurement and return the posterior IMM. Modes whose
    /// update fails keep their prior and get likelihood 0; if all fail, an error.
    pub fn update<const M: usize, Mm: MeasurementModel<M>>(
        &self,
        filter: FilterKind,
        m: &Mm,
    ) -> Result<ImmState, CovError> {
        let n = self.n;
        let mut modes = self.modes;
        let mut ll = [f64::NEG_INFINITY; MAX_MODES];
        let mut failed_modes = 0u8;
        for j in 0..n {
            if let Ok(inn) = innovation(filter, &self.modes[j], m)
                && let Ok(g) = update(&self.modes[j], &inn)
            {
                modes[j] = g;
                ll[j] = inn.log_likelihood();
            } else {
                failed_modes |= 1 << j;
            }
        }
        if all_failed(failed_modes, n) {
            return Err(CovError::NotPositiveDefinite);
        }
        let mu = posterior_probs(&self.c, &ll, n);
        Ok(ImmState { t_s: self.t_s, n, kinds: self.kinds, modes, mu, failed_modes })
    }

    /// Carry per-mode cross-covariances `c` (of the posterior this prior was predicted
    /// from) through the mixing and the prediction: `C_j = Phi_j sum_i mu_(i|j) C_i`.
    pub fn propagate_cross(&self, c: &ModeCross) -> ModeCross {
        let mut out = zero_cross();
        for j in 0..self.n {
            let mut m = BiasCross::zeros();
            for i in 0..self.n {
                if self.mix[j][i] != 0.0 {
                    m += c[i] * self.mix[j][i];
                }
            }
            out[j] = matmul(&self.phi[j], &m);
        }
        out
    }

    /// Update every mode with a measurement whose error is white (`m`'s `R`) plus
    /// `H_b b` for the pointing bias `b` of the measuring sensor (variance `b_var` per
    /// axis), by the consider (Schmidt-Kalman) update ([`update_consider`]), with one
    /// cross-covariance block per mode and sensor. `cross` holds the prior
    /// cross-covariances of the track's modes with each sensor bias it is correlated
    /// with ([`Self::propagate_cross`]); `own` is the measuring sensor's block. On
    /// success the blocks are updated in place; on error they are untouched.
    pub fn update_consider_per_mode<const M: usize, Mm: MeasurementModel<M>>(
        &self,
        filter: FilterKind,
        m: &Mm,
        hb: &SMatrix<f64, M, 3>,
        b_var: f64,
        cross: &mut [ModeCross],
        own: usize,
    ) -> Result<ImmState, CovError> {
        let n = self.n;
        let mut modes = self.modes;
        let mut ll = [f64::NEG_INFINITY; MAX_MODES];
        let mut failed_modes = 0u8;
        for j in 0..n {
            let Some((g, u)) = innovation(filter, &self.modes[j], m)
                .ok()
                .and_then(|inn| update_consider(&self.modes[j], &inn, hb, b_var, &cross[own][j]).ok())
            else {
                failed_modes |= 1 << j;
                continue;
            };
            modes[j] = g;
            ll[j] = u.log_likelihood;
            // Mode j's blocks depend only on mode j's prior blocks (read above): update
            // them in place. A mode whose update fails leaves its blocks untouched, so
            // if every mode fails nothing has changed.
            for (bi, blk) in cross.iter_mut().enumerate() {
                blk[j] = consider_cross_update(&blk[j], &u.k, &u.h, hb, b_var, bi == own);
            }
        }
        if all_failed(failed_modes, n) {
            return Err(CovError::NotPositiveDefinite);
        }
        let mu = posterior_probs(&self.c, &ll, n);
        Ok(ImmState { t_s: self.t_s, n, kinds: self.kinds, modes, mu, failed_modes })
    }

    /// Update every mode with a measurement whose error is white (`m`'s `R`) plus
    /// `H_b b` for the pointing bias `b` of the measuring sensor (variance `b_var` per
    /// axis), by the consider (Schmidt-Kalman) update ([`update_consider`]).
    ///
    /// The approximation of [`Self::update_consider_per_mode`] with one block per sensor
    /// for all modes. `cross` holds the cross-covariances of the track with each sensor
    /// bias it is correlated with, one block per sensor shared by the modes (the moment-matched
    /// cross-covariance of the combined state, `C = sum_j mu_j C_j`), at the time of the
    /// state this prior was predicted from; `own` is the measuring sensor's block (`None`:
    /// a sensor without a bias block, whose own block is zero). Mode `j` uses the prior
    /// block `Phi_j C_own` (mixing equal blocks leaves them unchanged); afterwards every
    /// block is carried through the prediction and the update of each mode and collapsed
    /// again with the posterior mode probabilities:
    /// `C+ = sum_j mu_j+ (I - K_j H_j) Phi_j C  -  [own] sum_j mu_j+ K_j H_b b_var`,
    /// one 8 x 8 map for all blocks (see docs/models/tracking.md). On success the blocks
    /// are updated in place; on error they are untouched.
    pub fn update_consider_shared<const M: usize, Mm: MeasurementModel<M>, B: AsMut<BiasCross>>(
        &self,
        filter: FilterKind,
        m: &Mm,
        hb: &SMatrix<f64, M, 3>,
        b_var: f64,
        cross: &mut [B],
        own: Option<usize>,
    ) -> Result<ImmState, CovError> {
        let c_own = own.map(|i| *cross[i].as_mut());
        let mut post = self.clone().into_state();
        let u = self.update_consider_shared_map(filter, m, hb, b_var, c_own.as_ref(), &mut post)?;
        for (bi, blk) in cross.iter_mut().enumerate() {
            let c = blk.as_mut();
            *c = if own == Some(bi) { u.own_block(c) } else { matmul(&u.map, c) };
        }
        Ok(post)
    }

    /// [`Self::update_consider_shared`] without the blocks: the posterior, written into
    /// `post` (whatever it held; on error it holds no estimate and is to be dropped),
    /// and the map that takes every block to its posterior value (`c_own`: the
    /// measuring sensor's block, `None` for a sensor without one), for a caller that
    /// stores the blocks its own way (the tracker applies the maps lazily,
    /// docs/models/tracking.md "Pointing bias") and the posterior where it keeps it
    /// (no copies of the ~2.4 kB state on the way).
    pub fn update_consider_shared_map<const M: usize, Mm: MeasurementModel<M>>(
        &self,
        filter: FilterKind,
        m: &Mm,
        hb: &SMatrix<f64, M, 3>,
        b_var: f64,
        c_own: Option<&BiasCross>,
        post: &mut ImmState,
    ) -> Result<SharedBlockUpdate, CovError> {
        let n = self.n;
        let modes = &mut post.modes;
        let mut ll = [f64::NEG_INFINITY; MAX_MODES];
        let mut gains: [Option<(SMatrix<f64, NX, M>, SMatrix<f64, M, NX>)>; MAX_MODES] = [None; MAX_MODES];
        let mut failed_modes = 0u8;
        for j in 0..n {
            let cj = || c_own.map_or_else(BiasCross::zeros, |c| matmul(&self.phi[j], c));
            let Some(u) = innovation(filter, &self.modes[j], m).ok().and_then(|inn| {
                update_consider_into(&self.modes[j], &inn, hb, b_var, &cj(), &mut modes[j]).ok()
            }) else {
                failed_modes |= 1 << j;
                modes[j] = self.modes[j];
                continue;
            };
            ll[j] = u.log_likelihood;
            gains[j] = Some((u.k, u.h));
        }
        if all_failed(failed_modes, n) {
            return Err(CovError::NotPositiveDefinite);
        }
        let mu = posterior_probs(&self.c, &ll, n);
        // The map of every block and the own block's extra term, collapsed over the
        // modes (a mode whose update failed keeps its prediction).
        let mut a = StateCov::zeros();
        let mut own_term = BiasCross::zeros();
        for j in 0..n {
            match &gains[j] {
                Some((k, h)) => {
                    // `K (H Phi)`: the same product as `(K H) Phi` in fewer
                    // multiplications (H has M rows: 256 instead of 640 for M = 2).
                    let h_phi = matmul(h, &self.phi[j]);
                    a += (self.phi[j] - matmul(k, &h_phi)) * mu[j];
                    own_term += matmul(k, hb) * (b_var * mu[j]);
                }
                None => a += self.phi[j] * mu[j],
            }
        }
        // Slots past the modes in use hold what the prior's do (as a copy would).
        post.modes[n..].copy_from_slice(&self.modes[n..]);
        post.t_s = self.t_s;
        post.n = n;
        post.kinds = self.kinds;
        post.mu = mu;
        post.failed_modes = failed_modes;
        Ok(SharedBlockUpdate { map: a, own_term })
    }

    /// The prior as a state without a measurement (a coasting step).
    pub fn into_state(self) -> ImmState {
        ImmState {
            t_s: self.t_s,
            n: self.n,
            kinds: self.kinds,
            modes: self.modes,
            mu: self.c,
            failed_modes: 0,
        }
    }
}

/// Whether every one of the `n` modes failed its update (`failed`: bit per mode).
fn all_failed(failed: u8, n: usize) -> bool {
    failed.count_ones() as usize == n
}

/// Mode probabilities after an update: `mu_j ~ c_j L_j` (log-likelihoods `ll`), with a
/// floor of 1e-6 so that no mode is lost to round-off.
fn posterior_probs(c: &[f64; MAX_MODES], ll: &[f64; MAX_MODES], n: usize) -> [f64; MAX_MODES] {
    let lmax = ll[..n].iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let mut mu = [0.0; MAX_MODES];
    let mut s = 0.0;
    for j in 0..n {
        mu[j] = if ll[j].is_finite() { (ll[j] - lmax).exp() * c[j] } else { 0.0 };
        s += mu[j];
    }
    if s > 0.0 && s.is_finite() {
        mu.iter_mut().for_each(|v| *v /= s);
    } else {
        mu = *c;
    }
    let floor = 1e-6;
    let mut s2 = 0.0;
    for v in mu.iter_mut().take(n) {
        *v = v.max(floor);
        s2 += *v;
    }
    mu.iter_mut().take(n).for_each(|v| *v /= s2);
    mu
}

/// Components whose share of the total weight is below this are left out of
/// [`combine`] (when another component is above it).
pub const MIN_COMBINE_WEIGHT: f64 = 1e-4;

/// Moment-matched mixture of Gaussians with weights `w` (normalised here). Components
/// with a share below [`MIN_COMBINE_WEIGHT`] are left out: a mode the data has ruled out
/// (probability at the 1e-6 floor) can have a covariance that has grown without bound,
/// e.g. the reentry mode's drag at booster altitudes, and its `1e-6 P` alone would then
/// dominate the combined covariance and every mode mixed from it. The mean moves by at
/// most `MIN_COMBINE_WEIGHT` times the components' spread.
pub fn combine(gs: &[Gaussian], w: &[f64]) -> Gaussian {
    let mut g = combine_unguarded(gs, w);
    let _ = guard_pd(&mut g.p);
    g
}

/// [`combine`] without the positive-definiteness guard: for the IMM mixing, whose
/// output is propagated and then guarded by the prediction (a positively weighted
/// sum of positive-definite covariances and outer products is positive definite;
/// the guard only catches round-off, and the prediction's guard still does).
fn combine_unguarded(gs: &[Gaussian], w: &[f64]) -> Gaussian {
    let w_eff = effective_weights(w);
    // One component left (a mode's own estimate in most mixings over a short step):
    // `mixture_sums` reduces to `g + 0` (its weight over the total is 1 and the spread
    // term 0); adding +0 gives the same bits, turning a -0 entry into +0 as it does.
    let mut live = gs.iter().zip(w).filter(|(_, wi)| w_eff(**wi) > 0.0);
    if let (Some((g, _)), None) = (live.next(), live.next())
        && all_finite(g.x.as_slice())
    {
        return Gaussian { x: g.x.map(|v| v + 0.0), p: g.p.map(|v| v + 0.0) };
    }
    mixture_sums(gs, w, &w_eff)
}

/// The weight each component of [`combine`] counts with: its own, or 0 when its share
/// is below [`MIN_COMBINE_WEIGHT`] and another's is not.
fn effective_weights(w: &[f64]) -> impl Fn(f64) -> f64 {
    let total: f64 = w.iter().sum();
    let keep = move |wi: f64| wi >= MIN_COMBINE_WEIGHT * total;
    let any = w.iter().any(|&wi| keep(wi));
    move |wi: f64| if !any || keep(wi) { wi } else { 0.0 }
}

/// The moment-matched mixture's sums with the effective weights `w_eff`.
fn mixture_sums(gs: &[Gaussian], w: &[f64], w_eff: &impl Fn(f64) -> f64) -> Gaussian {
    let s: f64 = w.iter().map(|&wi| w_eff(wi)).sum();
    let mut x = StateVec::zeros();
    for (g, wi) in gs.iter().zip(w) {
        let wi = w_eff(*wi);
        if wi > 0.0 {
            x += g.x * (wi / s);
        }
    }
    let mut p = StateCov::zeros();
    for (g, wi) in gs.iter().zip(w) {
        let wi = w_eff(*wi);
        if wi > 0.0 {
            let d = g.x - x;
            p += (g.p + d * d.transpose()) * (wi / s);
        }
    }
    Gaussian { x, p }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `combine_unguarded`'s one-component shortcut gives the bits of the general sums
    /// (`mixture_sums`, the reference), -0 entries included.
    #[test]
    fn single_component_mixing_is_the_general_sum_to_the_bit() {
        let reference = |gs: &[Gaussian], w: &[f64]| mixture_sums(gs, w, &effective_weights(w));
        let bits = |g: &Gaussian| g.x.iter().chain(g.p.iter()).map(|v| v.to_bits()).collect::<Vec<_>>();
        let mut n_single = 0;
        for case in 0..200u32 {
            let f = |k: u32| ((case * 37 + k * 11) % 97) as f64 - 48.0;
            let gs: Vec<Gaussian> = (0..4)
                .map(|m| {
                    let mut x = StateVec::from_fn(|i, _| f(i as u32 + 8 * m) * 1e3 + 0.25);
                    let mut p = StateCov::from_fn(|i, j| f(i as u32 * j as u32 + m) * 1e2);
                    p = p * p.transpose();
                    if case % 3 == 0 {
                        x[6] = -0.0;
                        p[(6, 2)] = -0.0;
                        p[(7, 7)] = -0.0;
                    }
                    Gaussian { x, p }
                })
                .collect();
            // Weights from one component left to all four kept.
            let tiny = [1e-9, 5e-5, 2e-4, 0.3][(case % 4) as usize];
            let w = [1.0, tiny, tiny * 0.5, if case % 5 == 0 { 0.0 } else { tiny }];
            let rot = (case % 4) as usize;
            let w: Vec<f64> = (0..4).map(|i| w[(i + rot) % 4]).collect();
            let got = combine_unguarded(&gs, &w);
            assert_eq!(bits(&got), bits(&reference(&gs, &w)), "case {case} w {w:?}");
            n_single += usize::from(
                w.iter().filter(|&&v| v >= MIN_COMBINE_WEIGHT * w.iter().sum::<f64>()).count() == 1,
            );
        }
        assert_eq!(n_single, 100);
    }

    #[test]
    fn transition_rows_sum_to_one_and_follow_sojourn() {
        let cfg = ImmConfig::default();
        cfg.validate("imm").unwrap();
        let p = cfg.transition(10.0);
        let n = cfg.modes.len();
        for i in 0..n {
            let s: f64 = p[i][..n].iter().sum();
            assert!((s - 1.0).abs() < 1e-12);
            assert!((p[i][i] - (-10.0 / cfg.sojourn_s[i]).exp()).abs() < 1e-12);
        }
        // Boost never goes straight to reentry.
        let ib = cfg.modes.iter().position(|m| *m == ModelKind::Boost).unwrap();
        let ir = cfg.modes.iter().position(|m| *m == ModelKind::Reentry).unwrap();
        assert_eq!(p[ib][ir], 0.0);
        let bad = ImmConfig { initial_prob: vec![1.0], ..Default::default() };
        assert_eq!(bad.validate("imm").unwrap_err().field, "imm.initial_prob");
    }

    /// The cheap moments are the full combination's mean and diagonal.
    #[test]
    fn combined_mean_diag_matches_combined() {
        let cfg = ImmConfig::default();
        let mut g = Gaussian { x: StateVec::zeros(), p: StateCov::identity() };
        g.x[0] = 7.0e6;
        let mut imm = ImmState::new(&cfg, 0.0, g);
        for j in 0..imm.n {
            imm.modes[j].x[0] += 100.0 * j as f64;
            imm.modes[j].x[4] -= 3.0 * j as f64;
            imm.modes[j].p *= 1.0 + j as f64;
        }
        let full = imm.combined();
        let (x, d) = imm.combined_mean_diag();
        for k in 0..x.len() {
            assert!((x[k] - full.x[k]).abs() <= 1e-9 * (1.0 + full.x[k].abs()), "{k}");
            assert!((d[k] - full.p[(k, k)]).abs() <= 1e-9 * full.p[(k, k)], "{k}");
        }
        assert!(d[0] > 1000.0, "the spread of the modes is in the variance");
    }

    #[test]
    fn combine_matches_mixture_moments() {
        let mut a = Gaussian { x: StateVec::zeros(), p: StateCov::identity() };
        let mut b = a;
        a.x[0] = -1.0;
        b.x[0] = 1.0;
        let c = combine(&[a, b], &[0.5, 0.5]);
        assert!(c.x[0].abs() < 1e-15);
        assert!((c.p[(0, 0)] - 2.0).abs() < 1e-12);
        assert!((c.p[(1, 1)] - 1.0).abs() < 1e-12);
        // A ruled-out component with an enormous covariance is left out.
        let mut huge = a;
        huge.p *= 1e16;
        let c = combine(&[a, b, huge], &[0.5, 0.5, 1e-6]);
        assert!((c.p[(0, 0)] - 2.0).abs() < 1e-12);
        let c = combine(&[a, b, huge], &[0.5, 0.5, 1e-3]);
        assert!(c.p[(0, 0)] > 1e12);
    }

    /// The shared-block consider update is each mode's Schmidt-Kalman update of its
    /// predicted blocks, collapsed with the posterior mode probabilities (computed here
    /// term by term from `filter::update_consider` on every mode).
    #[test]
    fn shared_consider_blocks_are_the_collapsed_mode_updates() {
        use crate::filter::AngleMeas;
        use nalgebra::Vector3;
        let cfg = ImmConfig::default();
        let params = MotionParams::default();
        let mut g = Gaussian { x: StateVec::zeros(), p: StateCov::identity() * 100.0 };
        g.x[0] = 6.6e6;
        g.x[2] = 0.3e6;
        g.x[4] = 6_000.0;
        g.x[5] = 2_000.0;
        for k in 3..6 {
            g.p[(k, k)] = 25.0;
        }
        g.p[(0, 3)] = 10.0;
        g.p[(3, 0)] = 10.0;
        let mut imm = ImmState::new(&cfg, 0.0, g);
        for j in 0..imm.n {
            imm.modes[j].x[1] += 40.0 * j as f64;
        }
        imm.mu = [0.1, 0.05, 0.8, 0.05];
        let prior = imm.predict(&cfg, FilterKind::Ekf, &params, 1.0).unwrap();
        let sat = Vector3::new(7.2e6, 1.0e6, 0.0);
        let truth = Vector3::new(6.6e6, 6_000.0, 0.302e6);
        let ang = AngleMeas::new(sat, (truth - sat).normalize(), [4e-10, 1e-11, 3e-10]);
        let hb = SMatrix::<f64, 2, 3>::new(1.0, 0.2, 0.0, -0.1, 0.9, 0.3);
        let b_var = 1e-10;
        let mut own0 = BiasCross::zeros();
        let mut other0 = BiasCross::zeros();
        for r in 0..3 {
            own0[(r, r)] = 2e-5 * (1.0 + r as f64);
            other0[(r, (r + 1) % 3)] = -1.5e-5;
            other0[(r + 3, r)] = 3e-7;
        }
        struct Blk(BiasCross);
        impl AsMut<BiasCross> for Blk {
            fn as_mut(&mut self) -> &mut BiasCross {
                &mut self.0
            }
        }
        let mut blocks = [Blk(other0), Blk(own0)];
        let post =
            prior.update_consider_shared(FilterKind::Ekf, &ang, &hb, b_var, &mut blocks, Some(1)).unwrap();
        let (mut own_x, mut other_x) = (BiasCross::zeros(), BiasCross::zeros());
        for j in 0..prior.n {
            let inn = innovation(FilterKind::Ekf, &prior.modes[j], &ang).unwrap();
            let c_own = prior.phi[j] * own0;
            let (g, u) = update_consider(&prior.modes[j], &inn, &hb, b_var, &c_own).unwrap();
            assert!((g.x - post.modes[j].x).norm() <= 1e-9 * post.modes[j].x.norm(), "mode {j} mean");
            own_x += (c_own - u.k * (u.h * c_own + hb * b_var)) * post.mu[j];
            let c_other = prior.phi[j] * other0;
            other_x += (c_other - u.k * (u.h * c_other)) * post.mu[j];
        }
        let [other, own] = blocks.map(|b| b.0);
        assert!((own - own_x).norm() <= 1e-9 * own_x.norm(), "{own} vs {own_x}");
        assert!((other - other_x).norm() <= 1e-9 * other_x.norm(), "{other} vs {other_x}");
        // The update changed the blocks (the check above is not trivially met).
        assert!((own - own0).norm() > 1e-3 * own0.norm());
        assert_eq!(post.failed_modes, 0);

        // A mode whose prediction is not a covariance (negative variance) fails its
        // update and is reported; the others take the measurement.
        let mut bad = prior.clone();
        bad.modes[1].p[(0, 0)] = -1.0e6;
        for upd in [
            bad.update(FilterKind::Ekf, &ang).unwrap(),
            bad.update_consider_shared(FilterKind::Ekf, &ang, &hb, b_var, &mut [Blk(own0)], Some(0)).unwrap(),
            bad.update_consider_per_mode(FilterKind::Ekf, &ang, &hb, b_var, &mut [zero_cross()], 0).unwrap(),
        ] {
            assert_eq!(upd.failed_modes, 0b10);
            assert_eq!(upd.modes[1], bad.modes[1], "the failed mode keeps its prediction");
            assert!(upd.modes[2] != bad.modes[2]);
        }
        assert_eq!(prior.update(FilterKind::Ekf, &ang).unwrap().failed_modes, 0);
    }
}
