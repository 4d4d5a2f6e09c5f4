//! Angles-only, multi-satellite tracking from [`Detection`]s: the space tracker.
//!
//! Pipeline for every detection (see `docs/models/tracking.md` for equations):
//!
//! 1. **Validation and reorder buffer.** Each detection is checked
//!    ([`Detection::validate`]); bad records are rejected and counted, never used.
//!    Detections arrive by `t_arrival_s`; they wait in a bounded reorder buffer and are
//!    released in `t_obs_s` order once `t_obs_s <= now - reorder_window_s`. A detection
//!    arriving later than that (an out-of-sequence measurement) is applied to the 3-D
//!    track it gates with by retrodiction (below) if it is at most `max_oosm_lag_s` old;
//!    older ones are rejected and counted.
//! 2. **Frames.** Released detections are grouped by (time, satellite, sensor). Each
//!    frame is associated with the 3-D tracks first: a cheap pre-gate (linear
//!    extrapolation, angular bound from the position uncertainty), then the IMM
//!    prediction and the angle-innovation chi-square gate, then a global assignment per
//!    cluster (Jonker–Volgenant) on the negative log-likelihood ratio against clutter.
//! 3. **2-D angle tracks.** Detections left over feed single-satellite line-of-sight
//!    tracks: a 4-state nearly-constant-angular-velocity Kalman filter in the gnomonic
//!    plane of a reference direction (re-centred as the line of sight moves). They are
//!    held until a second satellite sees the same object.
//! 4. **Stereo initiation.** When an angle track is updated, it is paired with angle
//!    tracks of other satellites updated within `tri_max_dt_s`: the other track is
//!    predicted to this time (time alignment), the other satellite's position is
//!    extrapolated from its ephemeris, the two lines of sight are triangulated
//!    ([`crate::triangulate`]) and the pair is accepted if the residual passes a
//!    chi-square gate, the parallax is large enough and the point is above ground.
//!    Velocity comes from the two angle-rate estimates. The new 3-D track starts
//!    tentative; it is confirmed after `confirm_updates` further updates within
//!    `confirm_window_s`.
//! 5. **3-D tracks**: IMM over boost / ballistic / reentry ([`crate::imm`]), EKF or CKF,
//!    angle (and angle-rate) updates. Deleted after `delete_after_coast_s` without an
//!    update or when the position uncertainty exceeds `max_pos_std_m`; duplicates
//!    (state difference within a chi-square bound) are merged, keeping the older track.
//! 6. **Products** ([`crate::products`]) after every update of a confirmed track.
//!
//! Out-of-sequence update (Bar-Shalom 2002, "Update with out-of-sequence measurements
//! in tracking: exact solution", one-step algorithm with the process-noise cross terms
//! neglected): retrodict `x_tau = f(x_k, tau - t_k)`, `P_tau = Phi P_k Phi^T + Q`, form
//! the innovation at `tau`, and update the current estimate with
//! `K = P_k Phi^T H^T S^-1`, `P_k -= K S K^T`.

use crate::assign::{Clusters, Lap};
use crate::filter::{
    AngleMeas, AngleRateMeas, BiasCross, FilterKind, Gaussian, MeasurementModel, innovation,
};
use crate::grid::RayGrid;
use crate::imm::{ImmConfig, ImmPrior, ImmState, MAX_MODES, ModeCross, SharedBlockUpdate, zero_cross};
use crate::linalg::{SpdFactor, guard_pd, matmul};
use crate::motion::{
    IX_DRAG, IX_THRUST, ModelKind, MotionParams, NX, StateCov, StateVec, process_noise, propagate_with_stm,
};
use crate::products::{ProductJob, ProductResult, ProductState, Products, ProductsConfig};
use crate::triangulate::{RateRay, Ray, triangulate, velocity_from_rates};
use nalgebra::{Matrix2, Matrix4, SMatrix, Vector2, Vector3, Vector4};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tl_core::check::{FieldError, in_range, non_negative, positive};
use tl_core::detection::Detection;
use tl_core::frames::EarthRotation;

/// Configuration of the space (angles-only) tracker (`[tracker.space]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SpaceConfig {
    /// Filter for 3-D tracks.
    pub filter: FilterKind,
    /// IMM modes and switching.
    pub imm: ImmConfig,
    /// Motion-model parameters.
    pub motion: MotionParams,
    /// Products.
    pub products: ProductsConfig,
    /// Chi-square gate on the 2-D angle innovation of a 3-D track (99.9 % = 13.8).
    pub gate_d2: f64,
    /// Reuse of gating predictions, s: a track predicted for a frame's gating but not
    /// updated is gated against a later frame within this time by extrapolating that
    /// combined prediction along its velocity (position error below `a dt^2 / 2`:
    /// 0.4 m for 80 m/s^2 over 0.1 s, against gates of tens of metres at least),
    /// instead of a fresh IMM prediction. The update itself always uses the exact IMM
    /// prediction. Closely spaced objects (a bus and its reentry vehicles and decoys)
    /// otherwise cost a full prediction of every neighbour for every detection of any.
    /// 0: always predict afresh.
    pub gate_reuse_s: f64,
    /// Probability of detection assumed by the assignment cost.
    pub pd: f64,
    /// False detections per steradian per frame assumed by the assignment cost.
    pub clutter_density_sr: f64,
    /// Use angle rates when a detection carries them.
    pub use_rates: bool,
    /// Reorder buffer: a detection is processed once the arrival clock passes its
    /// observation time by this much, s.
    pub reorder_window_s: f64,
    /// Oldest out-of-sequence measurement applied by retrodiction, s behind the
    /// processed time.
    pub max_oosm_lag_s: f64,
    /// Angular-acceleration PSD of the 2-D angle tracks, rad^2/s^3.
    pub los_q_rad2_s3: f64,
    /// Chi-square gate of the 2-D angle tracks.
    pub los_gate_d2: f64,
    /// A 2-D angle track without an update for this long is dropped, s.
    pub los_max_coast_s: f64,
    /// Updates a 2-D angle track needs before it is used for triangulation.
    pub los_min_hits: u32,
    /// Prior standard deviation of a new angle track's rates, rad/s.
    pub los_init_rate_std_rad_s: f64,
    /// Largest time between the two angle tracks of a triangulation, s.
    pub tri_max_dt_s: f64,
    /// Chi-square gate on the triangulation residual (1 degree of freedom for 2 rays).
    pub tri_gate_chi2: f64,
    /// Smallest angle between the two lines of sight, deg.
    pub tri_min_parallax_deg: f64,
    /// Lowest and highest plausible altitude of a triangulated point, m.
    pub tri_alt_range_m: [f64; 2],
    /// Factor on the standard deviation of the initial velocity from angle rates.
    pub init_vel_inflation: f64,
    /// Initial thrust acceleration and its standard deviation, m/s^2.
    pub init_thrust_m_s2: [f64; 2],
    /// Initial inverse ballistic coefficient and its standard deviation, m^2/kg.
    pub init_drag_m2_kg: [f64; 2],
    /// Updates after initiation that confirm a 3-D track.
    pub confirm_updates: u32,
    /// Time allowed for confirmation, s.
    pub confirm_window_s: f64,
    /// A 3-D track without an update for this long is deleted, s.
    pub delete_after_coast_s: f64,
    /// A 3-D track whose largest position standard deviation exceeds this is deleted, m.
    pub max_pos_std_m: f64,
    /// Chi-square bound (6 dof, position and velocity) under which two tracks merge.
    pub merge_d2: f64,
    /// Smallest interval between two reports of one track, s (0: every update).
    pub report_every_s: f64,
    /// Pointing-bias standard deviation per axis of every sensor, urad: the part of each
    /// detection's covariance that is a bias fixed in the satellite's nadir frame (x
    /// along track, z to nadir) and shared by all of that sensor's detections. It is
    /// taken out of the white noise and handled as a consider parameter
    /// (Schmidt-Kalman); 0 treats the whole covariance as white. A run sets it per
    /// sensor from the payloads ([`SpaceTracker::set_pointing_bias`]).
    pub pointing_bias_urad: f64,
    /// How the pointing-bias cross-covariances are kept with the IMM: `per-mode` (one
    /// block per sensor and mode, carried through the IMM mixing: exact for the IMM's
    /// mode-conditioned filters) or `shared` (one block per sensor, the moment-matched
    /// cross-covariance collapsed at every update: about 9 times fewer operations per
    /// block, for large raids; see docs/models/tracking.md for what it costs in
    /// consistency).
    pub bias_blocks: BiasBlocks,
    /// Cell side of the pre-gate's spatial index of the 3-D tracks, km (0: no index,
    /// every frame tests every track). A speed setting only: the index returns every
    /// track the pre-gate could pass (see [`crate::grid`]), so the results are the same
    /// bytes with any cell size or none. Without it the per-frame cost grows with the
    /// number of live tracks (about 14,000 in a 1,000-launch raid).
    pub pregate_grid_km: f64,
    /// Check the pre-gate index on every frame it serves: also test every track and
    /// count those the index missed in `pregate_index_misses` (must stay 0). For
    /// testing; as slow as no index.
    pub pregate_grid_check: bool,
}

/// [`SpaceConfig::bias_blocks`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BiasBlocks {
    /// One block per sensor and IMM mode.
    #[default]
    PerMode,
    /// One block per sensor, collapsed over the modes at every update.
    Shared,
}

impl Default for SpaceConfig {
    fn default() -> Self {
        Self {
            filter: FilterKind::Ekf,
            imm: ImmConfig::default(),
            motion: MotionParams::default(),
            products: ProductsConfig::default(),
            gate_d2: 13.8,
            gate_reuse_s: 0.1,
            pd: 0.9,
            clutter_density_sr: 1.0,
            use_rates: true,
            reorder_window_s: 5.0,
            max_oosm_lag_s: 30.0,
            los_q_rad2_s3: 1e-10,
            los_gate_d2: 13.8,
            los_max_coast_s: 10.0,
            los_min_hits: 3,
            los_init_rate_std_rad_s: 0.01,
            tri_max_dt_s: 2.0,
            tri_gate_chi2: 10.8,
            tri_min_parallax_deg: 5.0,
            tri_alt_range_m: [-5_000.0, 3_000_000.0],
            init_vel_inflation: 2.0,
            init_thrust_m_s2: [15.0, 15.0],
            init_drag_m2_kg: [1e-3, 2e-3],
            confirm_updates: 6,
            confirm_window_s: 30.0,
            delete_after_coast_s: 30.0,
            max_pos_std_m: 50_000.0,
            merge_d2: 16.8,
            report_every_s: 0.0,
            pointing_bias_urad: 0.0,
            bias_blocks: BiasBlocks::PerMode,
            pregate_grid_km: 300.0,
            pregate_grid_check: false,
        }
    }
}

impl SpaceConfig {
    /// Check every field; errors carry `prefix.field`.
    pub fn validate(&self, prefix: &str) -> Result<(), FieldError> {
        let f = |e: FieldError| e.within(prefix);
        self.imm.validate(&format!("{prefix}.imm"))?;
        self.motion.validate(&format!("{prefix}.motion"))?;
        self.products.validate(&format!("{prefix}.products"))?;
        positive("gate_d2", self.gate_d2).map_err(f)?;
        in_range("gate_reuse_s", self.gate_reuse_s, 0.0, 1.0).map_err(f)?;
        in_range("pd", self.pd, 1e-6, 1.0 - 1e-9).map_err(f)?;
        positive("clutter_density_sr", self.clutter_density_sr).map_err(f)?;
        non_negative("reorder_window_s", self.reorder_window_s).map_err(f)?;
        non_negative("max_oosm_lag_s", self.max_oosm_lag_s).map_err(f)?;
        non_negative("los_q_rad2_s3", self.los_q_rad2_s3).map_err(f)?;
        positive("los_gate_d2", self.los_gate_d2).map_err(f)?;
        positive("los_max_coast_s", self.los_max_coast_s).map_err(f)?;
        in_range("los_min_hits", self.los_min_hits as f64, 1.0, 1e4).map_err(f)?;
        positive("los_init_rate_std_rad_s", self.los_init_rate_std_rad_s).map_err(f)?;
        non_negative("tri_max_dt_s", self.tri_max_dt_s).map_err(f)?;
        positive("tri_gate_chi2", self.tri_gate_chi2).map_err(f)?;
        in_range("tri_min_parallax_deg", self.tri_min_parallax_deg, 0.0, 90.0).map_err(f)?;
        if !(self.tri_alt_range_m[0].is_finite()
            && self.tri_alt_range_m[1].is_finite()
            && self.tri_alt_range_m[0] < self.tri_alt_range_m[1])
        {
            return Err(FieldError::new(
                format!("{prefix}.tri_alt_range_m"),
                format!("{:?}", self.tri_alt_range_m),
                "[low, high] with low < high",
            ));
        }
        positive("init_vel_inflation", self.init_vel_inflation).map_err(f)?;
        non_negative("init_thrust_m_s2[0]", self.init_thrust_m_s2[0]).map_err(f)?;
        positive("init_thrust_m_s2[1]", self.init_thrust_m_s2[1]).map_err(f)?;
        non_negative("init_drag_m2_kg[0]", self.init_drag_m2_kg[0]).map_err(f)?;
        positive("init_drag_m2_kg[1]", self.init_drag_m2_kg[1]).map_err(f)?;
        in_range("confirm_updates", self.confirm_updates as f64, 0.0, 1e4).map_err(f)?;
        positive("confirm_window_s", self.confirm_window_s).map_err(f)?;
        positive("delete_after_coast_s", self.delete_after_coast_s).map_err(f)?;
        positive("max_pos_std_m", self.max_pos_std_m).map_err(f)?;
        positive("merge_d2", self.merge_d2).map_err(f)?;
        non_negative("report_every_s", self.report_every_s).map_err(f)?;
        in_range("pointing_bias_urad", self.pointing_bias_urad, 0.0, 1e5).map_err(f)?;
        if self.pregate_grid_km != 0.0 {
            in_range("pregate_grid_km", self.pregate_grid_km, 10.0, 20_000.0).map_err(|e| {
                FieldError::new(e.field, e.value, "0 (no index) or 10 to 20000 km").within(prefix)
            })?;
        }
        Ok(())
    }
}

/// One reported 3-D track state.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct TrackReport {
    /// Time of the estimate, s since the epoch.
    pub t_s: f64,
    /// Track id.
    pub track_id: u64,
    /// Time of the track's last update, s.
    pub t_update_s: f64,
    /// Position, ECI m.
    pub pos_eci_m: [f64; 3],
    /// Velocity, ECI m/s.
    pub vel_eci_m_s: [f64; 3],
    /// Thrust acceleration estimate, m/s^2.
    pub thrust_m_s2: f64,
    /// Inverse ballistic coefficient estimate, m^2/kg.
    pub inv_ballistic_m2_kg: f64,
    /// Position/velocity covariance (6x6, rows), m^2, m^2/s, m^2/s^2.
    pub cov_pv: [[f64; 6]; 6],
    /// Mode probabilities (boost, ballistic, reentry; 0 for a model not in the IMM).
    pub mode_prob: [f64; 3],
    /// Updates so far.
    pub n_updates: u32,
    /// Distinct satellites that contributed.
    pub n_sats: u32,
    /// True when this state is an update (false: a prediction, e.g. a snapshot).
    pub is_update: bool,
    /// Products.
    pub products: Products,
}

/// A count per motion model (the IMM modes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ModeCounts {
    /// Nearly constant velocity.
    pub ncv: u64,
    /// Ballistic (gravity only).
    pub ballistic: u64,
    /// Boost (thrust).
    pub boost: u64,
    /// Staging (thrust with a jumping magnitude).
    pub staging: u64,
    /// Reentry (drag).
    pub reentry: u64,
}

impl ModeCounts {
    /// Count one for `kind`.
    pub fn add(&mut self, kind: ModelKind) {
        let c = match kind {
            ModelKind::Ncv => &mut self.ncv,
            ModelKind::Ballistic => &mut self.ballistic,
            ModelKind::Boost => &mut self.boost,
            ModelKind::Staging => &mut self.staging,
            ModelKind::Reentry => &mut self.reentry,
        };
        *c += 1;
    }
}

/// What the tracker did and refused.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SpaceStats {
    /// Detections offered.
    pub detections_in: u64,
    /// Rejected by validation (non-finite values, non-unit LOS, non-PD covariance, ...).
    pub rejected_invalid: u64,
    /// Rejected because older than the out-of-sequence limit.
    pub rejected_too_late: u64,
    /// Detections that arrived out of arrival order (accepted).
    pub arrival_out_of_order: u64,
    /// Out-of-sequence detections applied by retrodiction.
    pub oosm_applied: u64,
    /// Out-of-sequence detections that gated with no 3-D track (dropped).
    pub oosm_unused: u64,
    /// Frames processed.
    pub frames: u64,
    /// 3-D track predictions for gating (a track passing the pre-gate of a frame): the
    /// main cost driver, against `updates_3d`.
    pub gating_predictions: u64,
    /// Mode updates that failed within 3-D track updates that succeeded: the mode's
    /// innovation or posterior covariance was not positive definite, so it kept its
    /// prediction with likelihood 0 while the other modes took the measurement
    /// ([`crate::imm::ImmState::failed_modes`]), by the mode's model. Against
    /// `updates_3d` (each updates every mode).
    pub mode_updates_failed: ModeCounts,
    /// 3-D track updates in which a mode that failed held more than 1 % of the
    /// predicted mode probability (the estimate lost a hypothesis it gave weight to).
    pub updates_losing_mode: u64,
    /// Frames whose pre-gate took its candidates from the spatial index
    /// ([`SpaceConfig::pregate_grid_km`]; the others test every track).
    pub pregate_indexed_frames: u64,
    /// Candidates the spatial index returned over those frames (tracks then tested
    /// by the pre-gate).
    pub pregate_index_candidates: u64,
    /// Tracks that passed the pre-gate but that the index did not return, counted only
    /// with [`SpaceConfig::pregate_grid_check`] (a bug if not 0).
    pub pregate_index_misses: u64,
    /// Detections used to update 3-D tracks.
    pub updates_3d: u64,
    /// Detections used by 2-D angle tracks.
    pub updates_2d: u64,
    /// 2-D angle tracks started.
    pub los_tracks_started: u64,
    /// 3-D tracks started by triangulation.
    pub tracks_started: u64,
    /// 3-D tracks confirmed.
    pub tracks_confirmed: u64,
    /// 3-D tracks deleted (coast, covariance growth, failed confirmation).
    pub tracks_deleted: u64,
    /// 3-D tracks merged into another.
    pub tracks_merged: u64,
    /// Updates refused by the covariance guard.
    pub refused_updates: u64,
    /// Updates that used a detection's angles but not its angle rates, which were
    /// inconsistent with the track ([`RATE_GATE_D2`]).
    pub rates_ignored: u64,
}

/// Gate on the 4-dof innovation (angles and angle rates) of a detection that passed the
/// 2-dof angle gate: 99.9 % point of chi-square with 4 dof. An onboard report's rates
/// can be far off while its angles are fine (d2 of 5e4 seen on the default scenario,
/// rate errors of 1.4 mrad/s); such an update threw a boosting track into the ballistic
/// mode. Beyond the gate the detection updates with its angles only.
pub const RATE_GATE_D2: f64 = 18.47;

/// One 3-D track update, for diagnostics ([`SpaceTracker::set_update_log`]).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct UpdateRecord {
    /// Observation time, s.
    pub t_s: f64,
    /// Internal track number (unique over the run, tentative tracks included).
    pub track_uid: u64,
    /// Confirmed track id, if confirmed before this update or by it (the records of a
    /// confirming update still in the log get the new id).
    pub track_id: Option<u64>,
    /// Satellite and sensor of the detection.
    pub sat_id: u32,
    /// Sensor on the satellite.
    pub sensor_id: u32,
    /// Normalised innovation squared of the angles against the combined prediction (2 dof).
    pub nis: f64,
    /// Mode probabilities (boost, ballistic, reentry) after the update.
    pub mode_prob: [f64; 3],
    /// Line of sight of the detection, ECI unit vector.
    pub los_eci: [f64; 3],
    /// Index of the detection in input order (0-based, counting every
    /// [`SpaceTracker::push`], rejected ones too, as [`Rejection::index`]): identifies
    /// the detection, e.g. for scoring against truth.
    pub det_index: u64,
}

/// First invalid detection seen (for messages).
#[derive(Clone, Debug, PartialEq)]
pub struct Rejection {
    /// Index of the detection in input order (0-based).
    pub index: u64,
    /// Why.
    pub error: FieldError,
}

#[derive(Clone, Copy, Debug)]
struct Pending {
    seq: u64,
    /// Index of the detection in input order (0-based, rejected ones counted).
    index: u64,
    det: Detection,
}

/// Samples an [`Ephem`] keeps (at least [`EPHEM_SPACING_S`] apart).
const EPHEM_N: usize = 16;
/// Smallest spacing of the samples an [`Ephem`] keeps, s.
const EPHEM_SPACING_S: f64 = 2.0;
/// Preferred baseline of the satellite-velocity difference, s: the detections' time
/// tags carry noise (1 ms by default: 7 m/s of velocity error over a 1 s baseline at
/// 7.4 km/s, 5 urad/s of line-of-sight rate at 1,500 km), which shrinks as 1/baseline,
/// while the neglected jerk term `j dt^2/6` grows (0.13 m/s at 10 s in LEO).
const EPHEM_BASELINE_S: f64 = 12.0;

/// Satellite ephemeris from the detections' satellite positions: the latest sample and
/// older ones thinned to [`EPHEM_SPACING_S`].
#[derive(Clone, Copy, Debug, Default)]
struct Ephem {
    n: usize,
    t: [f64; EPHEM_N],
    p: [Vector3<f64>; EPHEM_N],
}

impl Ephem {
    fn latest(&self) -> usize {
        self.n - 1
    }
    fn push(&mut self, t: f64, p: Vector3<f64>) {
        if self.n > 0 {
            let l = self.latest();
            if (t - self.t[l]).abs() < 1e-6 || t < self.t[l] {
                return; // keep samples in time order
            }
            // The latest sample is replaced unless it is far enough from the one before.
            if self.n >= 2 && self.t[l] - self.t[l - 1] < EPHEM_SPACING_S {
                self.t[l] = t;
                self.p[l] = p;
                return;
            }
            if self.n == EPHEM_N {
                self.t.copy_within(1.., 0);
                self.p.copy_within(1.., 0);
                self.n -= 1;
            }
        }
        self.t[self.n] = t;
        self.p[self.n] = p;
        self.n += 1;
    }
    /// Velocity at the latest sample: finite difference with the newest sample at least
    /// [`EPHEM_BASELINE_S`] older (else the oldest), corrected by gravity.
    fn vel(&self) -> Option<Vector3<f64>> {
        if self.n < 2 {
            return None;
        }
        let l = self.latest();
        let k = (0..l).rev().find(|&k| self.t[l] - self.t[k] >= EPHEM_BASELINE_S).unwrap_or(0);
        let dt = self.t[l] - self.t[k];
        if dt <= 0.0 || dt > 120.0 {
            return None;
        }
        let a = tl_core::gravity::accel_j2(&self.p[l]);
        Some((self.p[l] - self.p[k]) / dt + a * (0.5 * dt))
    }
    /// Position and velocity at time `t` (second-order extrapolation from the latest).
    fn at(&self, t: f64) -> Option<(Vector3<f64>, Vector3<f64>)> {
        let v = self.vel()?;
        let l = self.latest();
        let a = tl_core::gravity::accel_j2(&self.p[l]);
        let dt = t - self.t[l];
        Some((self.p[l] + v * dt + a * (0.5 * dt * dt), v + a * dt))
    }
}

/// A single-satellite angle track in the gnomonic plane of `u0`.
#[derive(Clone, Debug)]
struct LosTrack {
    sat: u32,
    sensor: u32,
    t: f64,
    u0: Vector3<f64>,
    e1: Vector3<f64>,
    e2: Vector3<f64>,
    x: Vector4<f64>,
    p: Matrix4<f64>,
    hits: u32,
    alive: bool,
    /// Pointing-bias variance of its sensor, rad^2 (common to all its detections, so
    /// not in its filter: added to the line of sight it hands to triangulation).
    bias_var: f64,
}

impl LosTrack {
    fn predicted(&self, t: f64, q: f64) -> (Vector4<f64>, Matrix4<f64>) {
        let dt = t - self.t;
        let mut f = Matrix4::identity();
        f[(0, 2)] = dt;
        f[(1, 3)] = dt;
        let d = dt.abs();
        let (q3, q2, q1) = (q * d * d * d / 3.0, q * d * d / 2.0, q * d);
        let qm = Matrix4::new(q3, 0.0, q2, 0.0, 0.0, q3, 0.0, q2, q2, 0.0, q1, 0.0, 0.0, q2, 0.0, q1);
        (f * self.x, f * self.p * f.transpose() + qm)
    }
    /// Unit LOS and its time derivative at a state.
    fn los_of(&self, x: &Vector4<f64>) -> (Vector3<f64>, Vector3<f64>) {
        let w = self.u0 + self.e1 * x[0] + self.e2 * x[1];
        let n = w.norm();
        let u = w / n;
        let wd = self.e1 * x[2] + self.e2 * x[3];
        (u, (wd - u * u.dot(&wd)) / n)
    }
    /// Gnomonic coordinates of a unit vector.
    fn gnomonic(&self, u: &Vector3<f64>) -> Option<Vector2<f64>> {
        let c = self.u0.dot(u);
        if c <= 0.1 {
            return None;
        }
        Some(Vector2::new(self.e1.dot(u) / c, self.e2.dot(u) / c))
    }
    /// 2x2 map from a detection's LOS basis at `u` to this track's gnomonic plane.
    fn basis_map(&self, u: &Vector3<f64>) -> Matrix2<f64> {
        let (b1, b2) = tl_core::geom::los_basis(u);
        let c = self.u0.dot(u);
        Matrix2::new(self.e1.dot(&b1), self.e1.dot(&b2), self.e2.dot(&b1), self.e2.dot(&b2)) / (c * c)
    }
    /// Re-centre the gnomonic plane on the current line of sight.
    fn recenter(&mut self) {
        let (u, ud) = self.los_of(&self.x);
        let (e1, e2) = tl_core::geom::los_basis(&u);
        // Map old (xi, eta) perturbations to new ones by the basis change (first order).
        let m = Matrix2::new(e1.dot(&self.e1), e1.dot(&self.e2), e2.dot(&self.e1), e2.dot(&self.e2));
        let mut t = Matrix4::zeros();
        t.fixed_view_mut::<2, 2>(0, 0).copy_from(&m);
        t.fixed_view_mut::<2, 2>(2, 2).copy_from(&m);
        self.p = t * self.p * t.transpose();
        self.x = Vector4::new(0.0, 0.0, e1.dot(&ud), e2.dot(&ud));
        self.u0 = u;
        self.e1 = e1;
        self.e2 = e2;
    }
}

#[derive(Clone, Debug)]
struct Track3 {
    uid: u64,
    id: Option<u64>,
    /// Shared, so that work done ahead on another thread reads it while the track
    /// changes (a change replaces it, or copies it if it is still read).
    imm: Arc<ImmState>,
    /// Changes with every change of `imm` or `bias` (a value unique over the tracker's
    /// life, from `SpaceTracker::next_version`): a speculative prediction or update made
    /// from this track is valid while it has not changed (see `SpecFrame`).
    version: u64,
    /// The combined IMM prediction last made for gating, at time `.0`, while `imm` has
    /// not changed since (cleared by [`SpaceTracker::imm_changed`]); see
    /// [`SpaceConfig::gate_reuse_s`].
    gate_prior: Option<(f64, Gaussian)>,
    t_created: f64,
    t_last_update: f64,
    n_updates: u32,
    sats: u64,
    last_report: Option<f64>,
    products: ProductState,
    last_products: Option<Products>,
    /// Index in `SpaceTracker::product_jobs` of this track's launch/impact computation
    /// not yet applied (within one `release`).
    product_job: Option<usize>,
    alive: bool,
    /// Cross-covariances of the modes with the pointing biases of the sensors that
    /// observed the track (consider parameters), most recent last. Shared as `imm`.
    bias: Arc<BiasStore>,
}

/// What the per-frame scans (pre-gate, maintenance, confirmation) read of a 3-D track,
/// kept in one compact array index-aligned with the tracks (`SpaceTracker::hot`): a
/// track is a few kilobytes, and reading these fields in place cost a cache miss per
/// track and frame (a third of the run time of a 1,000-launch raid). Refreshed at every
/// change of the fields it mirrors (checked in debug builds).
#[derive(Clone, Copy, Debug, PartialEq)]
struct TrackHot {
    alive: bool,
    /// `id.is_some()`.
    confirmed: bool,
    /// Filter time `imm.t_s`, s.
    t_s: f64,
    t_last_update: f64,
    t_created: f64,
    n_updates: u32,
    sats: u64,
    /// Position and velocity of the combined mean (`imm.combined_mean_diag()`), m, m/s.
    pv: [f64; 6],
    /// The root of the summed position variances, m, of the summed velocity variances,
    /// m/s, and the probability of the thrusting modes (the pre-gate's terms).
    pos_sig: f64,
    vel_sig: f64,
    p_thrusting: f64,
    /// The largest position standard deviation on an axis, m (deletion test).
    pos_sd_max: f64,
}

impl TrackHot {
    /// Position and velocity of the combined mean, m, m/s.
    #[inline]
    fn pos_vel(&self) -> (Vector3<f64>, Vector3<f64>) {
        let x = &self.pv;
        (Vector3::new(x[0], x[1], x[2]), Vector3::new(x[3], x[4], x[5]))
    }

    fn of(tr: &Track3) -> Self {
        let (x, d) = tr.imm.combined_mean_diag();
        let (pos_sig, vel_sig, p_thrusting) = pregate_terms(&d, &tr.imm);
        Self {
            alive: tr.alive,
            confirmed: tr.id.is_some(),
            t_s: tr.imm.t_s,
            t_last_update: tr.t_last_update,
            t_created: tr.t_created,
            n_updates: tr.n_updates,
            sats: tr.sats,
            pv: [x[0], x[1], x[2], x[3], x[4], x[5]],
            pos_sig,
            vel_sig,
            p_thrusting,
            pos_sd_max: d[0].max(d[1]).max(d[2]).sqrt(),
        }
    }
}

/// A track's pointing-bias blocks. With [`BiasBlocks::Shared`] an update maps every
/// block by the same 8 x 8 matrix (`SharedBlockUpdate::map`); those maps are kept here
/// and applied lazily: a block is brought up to date when its sensor measures the
/// track, and all blocks at once every [`LAZY_BIAS_MAPS`] updates through the products
/// of the maps (one 8 x 8 product per map instead of one 8 x 3 product per block and
/// map). The values are those of applying every map to every block, up to the
/// rounding of the products' association (tested).
#[derive(Clone, Debug, Default)]
struct BiasStore {
    blocks: Vec<BiasBlock>,
    /// The maps of the updates since the last rebase, oldest first.
    maps: Vec<StateCov>,
}

/// Pending block maps of a track before all its blocks are brought up to date.
const LAZY_BIAS_MAPS: usize = 8;

impl BiasStore {
    /// Add a zero block for sensor `key` (last seen at `t`), up to date; its index.
    fn add_zero_block(&mut self, key: u64, t: f64) -> usize {
        let mut b = BiasBlock::new(key, t, BiasCross::zeros());
        b.epoch = self.maps.len();
        self.blocks.push(b);
        self.blocks.len() - 1
    }

    /// Block `i`'s current value.
    fn current(&self, i: usize) -> BiasCross {
        let b = &self.blocks[i];
        let mut c = b.c;
        for m in &self.maps[b.epoch..] {
            c = matmul(m, &c);
        }
        c
    }

    /// Apply a shared-block update: every block is mapped, the measuring sensor's
    /// (`own`: its index and current value) also gets its own term.
    fn apply_shared(&mut self, own: Option<(usize, BiasCross)>, u: &SharedBlockUpdate) {
        self.maps.push(u.map);
        if let Some((i, c)) = own {
            self.blocks[i].c = u.own_block(&c);
            self.blocks[i].epoch = self.maps.len();
        }
        if self.maps.len() >= LAZY_BIAS_MAPS {
            self.rebase();
        }
    }

    /// Bring every block up to date and drop the maps.
    fn rebase(&mut self) {
        let n = self.maps.len();
        if n == 0 {
            return;
        }
        debug_assert!(n <= LAZY_BIAS_MAPS);
        // suffix[e] = maps[n-1] ... maps[e]
        let mut suffix = [StateCov::zeros(); LAZY_BIAS_MAPS];
        suffix[n - 1] = self.maps[n - 1];
        for e in (0..n - 1).rev() {
            suffix[e] = matmul(&suffix[e + 1], &self.maps[e]);
        }
        for b in &mut self.blocks {
            if b.epoch < n {
                b.c = matmul(&suffix[b.epoch], &b.c);
            }
            b.epoch = 0;
        }
        self.maps.clear();
    }
}

/// Cross-covariance of a track with one sensor's pointing bias.
#[derive(Clone, Debug)]
struct BiasBlock {
    /// `(sat << 16) | sensor`.
    key: u64,
    /// Last time this sensor updated the track, s.
    last_t: f64,
    /// The block (at the track's filter time): with [`BiasBlocks::Shared`] the one block
    /// of all modes; with [`BiasBlocks::PerMode`] the first mode's.
    c: BiasCross,
    /// [`BiasBlocks::PerMode`]: the other modes' blocks (`None`: all equal to `c`, as
    /// for a new block). Kept apart so that the shared blocks of a raid take a quarter
    /// of the memory (a 1,000-launch raid holds ~10^5 blocks).
    rest: Option<Box<[BiasCross; MAX_MODES - 1]>>,
    /// [`BiasBlocks::Shared`]: how many of the store's pending maps `c` has had
    /// ([`BiasStore`]); the block's value is the later maps applied to `c`.
    epoch: usize,
}

impl BiasBlock {
    /// A block equal for every mode.
    fn new(key: u64, last_t: f64, c: BiasCross) -> Self {
        Self { key, last_t, c, rest: None, epoch: 0 }
    }

    /// Every mode's block ([`BiasBlocks::PerMode`]).
    fn modes(&self) -> ModeCross {
        let mut m = [self.c; MAX_MODES];
        if let Some(r) = &self.rest {
            m[1..].copy_from_slice(&r[..]);
        }
        m
    }

    /// Set every mode's block ([`BiasBlocks::PerMode`]).
    fn set_modes(&mut self, m: &ModeCross) {
        self.c = m[0];
        let mut r = [BiasCross::zeros(); MAX_MODES - 1];
        r.copy_from_slice(&m[1..]);
        self.rest = Some(Box::new(r));
    }
}

impl AsMut<BiasCross> for BiasBlock {
    /// The shared block ([`BiasBlocks::Shared`]).
    fn as_mut(&mut self) -> &mut BiasCross {
        &mut self.c
    }
}

/// The pre-gate's per-track terms (`TrackHot::pos_sig`, `vel_sig`, `p_thrusting`) from
/// the moments' variance diagonal `gd` and the IMM.
fn pregate_terms(gd: &StateVec, imm: &ImmState) -> (f64, f64, f64) {
    ((gd[0] + gd[1] + gd[2]).sqrt(), (gd[3] + gd[4] + gd[5]).sqrt(), imm.prob_thrusting())
}

/// A lower bound of `cos(x)`: `1 - x^2 / 2` (the Taylor series alternates with
/// decreasing terms for |x| <= pi, and below -1 beyond), for conservative angle tests.
#[inline]
fn cos_floor(x: f64) -> f64 {
    1.0 - 0.5 * x * x
}

/// A combined prediction moved on by `dt` seconds for gating only (see
/// [`SpaceConfig::gate_reuse_s`]): position along the velocity, covariance by the
/// same constant-velocity transition `F P F^T`; the acceleration over `dt` is left out.
fn extrapolate_for_gating(g: &Gaussian, dt: f64) -> Gaussian {
    let mut out = *g;
    if dt == 0.0 {
        return out;
    }
    for i in 0..3 {
        out.x[i] += g.x[3 + i] * dt;
    }
    let p = &mut out.p;
    for i in 0..3 {
        for j in 0..NX {
            p[(i, j)] += dt * p[(i + 3, j)];
        }
    }
    for j in 0..3 {
        for i in 0..NX {
            p[(i, j)] += dt * p[(i, j + 3)];
        }
    }
    out
}

/// Geocentric radius above which the pre-gate treats a non-thrusting track as free of
/// drag: the WGS84 polar radius plus 150 km, m.
const PREGATE_AIR_TOP_RADIUS_M: f64 = 6_356_752.0 + 150_000.0;
/// Thrusting-mode probability below which the pre-gate treats a track as ballistic.
const PREGATE_MAX_THRUSTING_PROB: f64 = 0.01;

/// The pre-gate index holds the tracks within this shell of geocentric radii, m
/// (from 150 km below the WGS84 polar radius to 2,000 km above the equatorial one);
/// those beyond it are tested on every frame.
const GRID_SHELL_M: [f64; 2] = [6_356_752.0 - 150e3, 6_378_137.0 + 2_000e3];
/// Entries of the pre-gate index hold for frames this long after its build, s; it is
/// then built afresh (entries of changed tracks pile up until then).
const GRID_WINDOW_S: f64 = 0.5;
/// Room in each entry for the pre-gate's angular slack times the track's range, m:
/// for a track that may be thrusting or may enter the air (slack 1 mrad), 1 mrad at
/// 20,000 km; for the others (slack: the frame's noise), 3 km (e.g. 5 sigma of 30 urad
/// at 20,000 km). 20,000 km is the longest range from a LEO satellite (below 11,600 km
/// from the Earth's centre) across the shell; frames whose slacks exceed these (those
/// of higher satellites, GEO and HEO: about 1 % of a raid's) scan all tracks.
const GRID_PAD_M: [f64; 2] = [3e3, 20e3];
/// An entered track is entered again when a change takes it out of its entry; entries
/// are made this much wider than needed, m, so that most updates stay inside.
const GRID_MARGIN_M: f64 = 5e3;
/// Below this many tracks the full scan is cheaper than the index.
const GRID_MIN_TRACKS: usize = 64;

/// The largest angular noise standard deviation of a frame's detections, rad (square
/// root of the largest eigenvalue of each 2x2 covariance).
fn frame_noise_sigma(frame: &[Detection]) -> f64 {
    frame
        .iter()
        .map(|d| {
            let [a, b, c] = d.cov_rad2;
            (0.5 * (a + c) + (0.25 * (a - c) * (a - c) + b * b).sqrt()).max(0.0).sqrt()
        })
        .fold(0.0, f64::max)
}

/// The pre-gate's multiple of the predicted standard deviations: the gate's sigma
/// multiple with a margin (5 for the default gate of 13.8).
fn pregate_k(gate_d2: f64) -> f64 {
    (1.35 * gate_d2.sqrt()).max(5.0)
}

/// One frame's pre-gate: which tracks are near enough a line of sight of the frame to be
/// predicted and gated. Conservative: cheap moments of the track's estimate and bounds.
struct FramePregate<'a> {
    t: f64,
    sat_pos: Vector3<f64>,
    frame: &'a [Detection],
    /// A cone holding every line of sight of the frame (axis, half-angle).
    cone: Option<(Vector3<f64>, f64)>,
    k_gate: f64,
    /// Slack for the measurement noise, rad.
    noise_slack: f64,
}

impl FramePregate<'_> {
    /// Slack of a track that may be thrusting or is low enough for drag, rad (a margin
    /// for its unmodelled acceleration).
    const MANEUVER_SLACK_RAD: f64 = 1e-3;

    /// Whether a track whose filter time is at or after the frame's may gate with a
    /// detection of the frame retrodicted (an out-of-sequence frame): the bound of
    /// [`Self::near`] with `|dt|`, and both slacks.
    fn near_retro(&self, h: &TrackHot) -> bool {
        if !h.alive || self.t > h.t_s {
            return false;
        }
        let (x, v) = h.pos_vel();
        let dt = h.t_s - self.t;
        let r_lin = x - v * dt;
        let d = r_lin - self.sat_pos;
        let rho = d.norm();
        if rho.is_nan() || rho <= 0.0 {
            // Not testable: let the full test decide.
            return true;
        }
        let u = d / rho;
        let bound = pregate_reach_m(h, dt, self.k_gate) / rho + self.noise_slack + Self::MANEUVER_SLACK_RAD;
        bound >= std::f64::consts::PI || {
            let cos_b = cos_floor(bound);
            self.frame.iter().any(|det| u.dot(&Vector3::from(det.los_eci)) > cos_b)
        }
    }

    /// Whether a track may gate with a detection of the frame.
    #[inline]
    fn near(&self, h: &TrackHot) -> bool {
        if !h.alive || self.t < h.t_s {
            return false;
        }
        // The combined mean moved linearly, and the variances.
        let (x, v) = h.pos_vel();
        let dt = self.t - h.t_s;
        let r_lin = x + v * dt;
        let d = r_lin - self.sat_pos;
        let rho = d.norm();
        if rho <= 0.0 {
            return false;
        }
        let u = d / rho;
        // Slack for what the linear extrapolation leaves out: the measurement noise
        // and, for a track that may be thrusting or is low enough for drag, a margin
        // of 1 mrad for its unmodelled acceleration. A ballistic track above the
        // air (gravity and the small weights of the thrusting modes stay within
        // the 80 m/s^2 term) needs only the noise: this keeps the closely spaced
        // objects of one bus from all being predicted for every detection of any.
        let ballistic_above_air =
            r_lin.norm() > PREGATE_AIR_TOP_RADIUS_M && h.p_thrusting < PREGATE_MAX_THRUSTING_PROB;
        let slack = if ballistic_above_air { self.noise_slack } else { Self::MANEUVER_SLACK_RAD };
        let (pos_sig, vel_sig) = (h.pos_sig, h.vel_sig);
        // The terms as in `pregate_reach_m`, divided by `rho` one by one.
        let bound = self.k_gate * (pos_sig + vel_sig * dt) / rho + 0.5 * 80.0 * dt * dt / rho + slack;
        // angle(u, los) < bound <=> u . los > cos(bound) (unit vectors, bound in (0, pi)).
        // `cos_floor(x) = 1 - x^2 / 2 <= cos(x)`: testing against it lets through every
        // track the exact test would (and a hair more at wide angles) without a cosine
        // per track and frame (it was a tenth of a raid's run time).
        let in_cone = self.cone.is_none_or(|(axis, half)| {
            half + bound >= std::f64::consts::PI || u.dot(&axis) > cos_floor(half + bound + 1e-9)
        });
        bound >= std::f64::consts::PI
            || (in_cone && {
                let cos_b = cos_floor(bound);
                self.frame.iter().any(|det| u.dot(&Vector3::from(det.los_eci)) > cos_b)
            })
    }
}

/// A track's gating prediction at `t` from its last one (`gate_prior`), if that is
/// recent enough to reuse ([`SpaceConfig::gate_reuse_s`]).
fn reusable_gate_prior(gate_prior: &Option<(f64, Gaussian)>, t: f64, reuse_s: f64) -> Option<Gaussian> {
    match gate_prior {
        Some((tg, g)) if t >= *tg && t - *tg <= reuse_s => Some(extrapolate_for_gating(g, t - *tg)),
        _ => None,
    }
}

/// The gated (prediction, detection) pairs of a frame and their assignment costs.
#[derive(Debug, Default)]
struct FrameGates {
    pairs: Vec<(u32, u32)>,
    /// Mahalanobis distance squared of each pair.
    pair_d2: Vec<f64>,
    /// Negative log-likelihood ratio (against clutter) of each pair.
    costs: Vec<f64>,
}

impl FrameGates {
    /// Gate prediction `pi` (combined estimate `comb`) against each angle measurement.
    fn gate(
        &mut self,
        pi: u32,
        comb: &Gaussian,
        angs: &[AngleMeas],
        filter: FilterKind,
        gate_d2: f64,
        ln_clutter: f64,
    ) {
        for (j, ang) in angs.iter().enumerate() {
            if let Ok(inn) = innovation(filter, comb, ang)
                && inn.d2 <= gate_d2
            {
                self.pairs.push((pi, j as u32));
                self.pair_d2.push(inn.d2);
                self.costs.push(
                    inn.d2 + inn.s.ln_det() + 2.0 * (2.0 * std::f64::consts::PI).ln() - 2.0 * ln_clutter,
                );
            }
        }
    }

    /// The detection assigned to each of `n_pred` predictions (`n_det` detections), a
    /// miss costing nothing ([`assign_in_clusters`]).
    fn assign(
        &self,
        n_pred: usize,
        n_det: usize,
        clusters: &mut Clusters,
        lap: &mut Lap,
    ) -> Vec<Option<u32>> {
        assign_in_clusters(n_pred, n_det, &self.pairs, |k| self.costs[k], 0.0, clusters, lap)
    }
}

/// The detection assigned to each of `n_rows` tracks (`n_det` detections) given the
/// gated `pairs` (row, detection) and their costs `pair_cost(k)`: an optimal assignment
/// in each cluster of the gating graph, leaving a track unassigned costing `miss`.
fn assign_in_clusters(
    n_rows: usize,
    n_det: usize,
    pairs: &[(u32, u32)],
    pair_cost: impl Fn(usize) -> f64,
    miss: f64,
    clusters: &mut Clusters,
    lap: &mut Lap,
) -> Vec<Option<u32>> {
    let mut assigned: Vec<Option<u32>> = vec![None; n_rows];
    if pairs.is_empty() {
        return assigned;
    }
    clusters.build(n_rows, n_det, pairs);
    for (ct, cd) in clusters.tracks.iter().zip(clusters.dets.iter()) {
        if cd.is_empty() {
            continue;
        }
        let (nt, ndc) = (ct.len(), cd.len());
        let cols = ndc + nt;
        let mut cost = vec![f64::INFINITY; nt * cols];
        for r in 0..nt {
            cost[r * cols + ndc + r] = miss;
        }
        for (k, &(pi, j)) in pairs.iter().enumerate() {
            if let (Ok(r), Ok(c)) = (ct.binary_search(&pi), cd.binary_search(&j)) {
                cost[r * cols + c] = pair_cost(k).min(cost[r * cols + c]);
            }
        }
        if lap.solve(&cost, nt, cols).is_ok() {
            for r in 0..nt {
                let c = lap.col4row[r];
                if c < ndc {
                    assigned[ct[r] as usize] = Some(cd[c]);
                }
            }
        }
    }
    assigned
}

/// Frames a release works ahead on at a time ([`SpaceTracker::spec_prepare`]): more
/// frames give the threads more work per hand-over (each costs tens of microseconds of
/// waking a thread), fewer keep the guesses fresh (a chunk's work is prepared before the
/// chunk before it runs: on the positions before both, not foreseeing the tracks they
/// start, merge or change out of sequence). On the 100-launch raid's first 400 s: 64,
/// 128, 256 and 512 frames used 98.5 %, 95.8 %, 88.4 % and 79.0 % of the updates made
/// ahead; 128 was the fastest.
const SPEC_CHUNK_FRAMES: usize = 128;

/// Fewest tracks a thread takes in [`SpaceTracker::snapshot`] (an IMM prediction each,
/// a few microseconds: smaller shares cost more to hand out than they save).
const SNAPSHOT_MIN_TRACKS: usize = 32;

/// Where `process_frame` has a candidate track's IMM prediction from.
enum Prior {
    /// Made for this frame (boxed: ~4.7 kB, moved about).
    Own(Box<ImmPrior>),
    /// Made ahead ([`SpecFrame`]).
    Ahead,
    /// Not made: the gating used the track's recent one ([`reusable_gate_prior`]).
    Reused,
}

/// A frame's 3-D predictions and updates computed ahead, from the tracker's state
/// before the frame's chunk as the chunks before are expected to leave it ([`SpecJob`]).
/// `process_frame` takes a
/// prediction or an update from here instead of computing it when the track has not
/// changed since (same `uid` and `version`; the update also for the same detection and
/// satellite velocity): both are pure functions of those, so the result is the same
/// bytes whether a value was computed ahead or not, and for any number of threads.
#[derive(Debug, Default)]
struct SpecFrame {
    preds: Vec<SpecPred>,
}

#[derive(Debug)]
struct SpecPred {
    uid: u64,
    version: u64,
    /// The prediction's combined estimate (for the gates).
    comb: Gaussian,
    /// The prediction, until an update is made from it.
    prior: Option<Box<ImmPrior>>,
    update: Option<SpecUpdate>,
}

/// [`SpaceTracker::update_track`]'s results for detection `j` of the frame.
#[derive(Debug)]
struct SpecUpdate {
    j: u32,
    sat_vel: Option<Vector3<f64>>,
    res: Result<Arc<ImmState>, crate::linalg::CovError>,
    bias: Arc<BiasStore>,
    rates_ignored: bool,
    /// The predicted mode probabilities `ImmPrior::c`.
    prior_c: [f64; MAX_MODES],
    /// The track's version once this update is applied.
    version: u64,
}

impl SpecFrame {
    /// Where the prediction of `tr` made ahead is, if it has not changed since.
    fn find(&self, tr: &Track3) -> Option<usize> {
        self.preds.iter().position(|p| p.uid == tr.uid && p.version == tr.version)
    }

    fn entry(&mut self, tr: &Track3) -> Option<&mut SpecPred> {
        let k = self.find(tr)?;
        Some(&mut self.preds[k])
    }

    /// The combined estimate of the prediction of `tr` made ahead, if it has not
    /// changed since.
    fn comb(&self, tr: &Track3) -> Option<Gaussian> {
        self.find(tr).map(|k| self.preds[k].comb)
    }

    /// The prediction of `tr` made ahead, if it has not changed since (and is kept).
    fn take_prior(&mut self, tr: &Track3) -> Option<Box<ImmPrior>> {
        self.entry(tr)?.prior.take()
    }

    /// The update of `tr` with detection `j` made ahead, if it has not changed since
    /// and the satellite velocity is the same to the bit.
    fn take_update(&mut self, tr: &Track3, j: u32, sat_vel: Option<Vector3<f64>>) -> Option<SpecUpdate> {
        let e = self.entry(tr)?;
        let u = e.update.as_ref()?;
        let bits = |v: Option<Vector3<f64>>| v.map(|v| v.map(f64::to_bits));
        (u.j == j && bits(u.sat_vel) == bits(sat_vel)).then(|| e.update.take()).flatten()
    }
}

/// Set in the versions that a [`SpecJob`] gives the tracks it updates ahead
/// (`SpaceTracker::next_version` counts below it).
const SPEC_VERSION_BIT: u64 = 1 << 63;

/// A track as work done ahead sees it: as it was when the work was prepared, or as the
/// frames before are expected to leave it.
#[derive(Clone, Debug)]
struct Snap {
    uid: u64,
    version: u64,
    gate_prior: Option<(f64, Gaussian)>,
    imm: Arc<ImmState>,
    bias: Arc<BiasStore>,
}

impl Snap {
    fn of(tr: &Track3) -> Self {
        Self {
            uid: tr.uid,
            version: tr.version,
            gate_prior: tr.gate_prior,
            imm: Arc::clone(&tr.imm),
            bias: Arc::clone(&tr.bias),
        }
    }
}

/// One chunk's work ahead ([`SpaceTracker::spec_prepare`]), owning all it reads: it
/// runs while the tracker processes the chunk before.
struct SpecJob {
    fx: Filtering,
    /// Per frame: its detections and the satellite velocity `process_frame` will see
    /// (`None`: the frame will be processed out of sequence).
    frames: Vec<Option<FrameAhead>>,
    /// Per frame: its pre-gate candidates, indices into `snaps`.
    cands: Vec<Vec<usize>>,
    snaps: Vec<Snap>,
    /// Frames (in order) joined by shared candidates: each chain runs in sequence, the
    /// chains in parallel.
    chains: Vec<Vec<usize>>,
    /// Numbers the versions of the updates made ahead ([`SPEC_VERSION_BIT`]).
    chunk_no: u64,
}

/// A frame's detections and the satellite velocity `process_frame` will see.
struct FrameAhead {
    dets: Vec<Detection>,
    sat_vel: Option<Vector3<f64>>,
}

/// What one chain of a [`SpecJob`] made: its frames' [`SpecFrame`]s (by position in
/// the chunk) and its tracks as they leave them.
type ChainOut = (Vec<(usize, SpecFrame)>, Vec<Snap>);

/// What a [`SpecJob`] made: per frame its [`SpecFrame`], and every track its frames
/// touched as they are expected to leave it (the next chunk's starting point).
struct SpecOut {
    frames: Vec<Option<SpecFrame>>,
    after: Vec<Snap>,
}

impl SpecJob {
    fn run(self) -> SpecOut {
        use rayon::prelude::*;
        let done: Vec<ChainOut> = self
            .chains
            .par_iter()
            .map_init(SpecScratch::default, |sc, chain| {
                // The chain's own copies of its tracks (its candidates are no other
                // chain's), and each frame's candidates among them.
                let mut local: Vec<Snap> = Vec::new();
                let mut at: Vec<(usize, usize)> = Vec::new();
                let mut out = Vec::with_capacity(chain.len());
                for &f in chain {
                    let Some(FrameAhead { dets, sat_vel }) = &self.frames[f] else { continue };
                    let cands: Vec<usize> = self.cands[f]
                        .iter()
                        .map(|&si| match at.iter().find(|a| a.0 == si) {
                            Some(a) => a.1,
                            None => {
                                local.push(self.snaps[si].clone());
                                at.push((si, local.len() - 1));
                                local.len() - 1
                            }
                        })
                        .collect();
                    let token = SPEC_VERSION_BIT | self.chunk_no << 24 | f as u64;
                    out.push((f, self.fx.speculate_frame(dets, *sat_vel, &cands, &mut local, token, sc)));
                }
                (out, local)
            })
            .collect();
        let mut frames: Vec<Option<SpecFrame>> = (0..self.frames.len()).map(|_| None).collect();
        let mut after = Vec::new();
        for (fs, local) in done {
            for (f, s) in fs {
                frames[f] = Some(s);
            }
            after.extend(local);
        }
        SpecOut { frames, after }
    }
}

/// Per-thread scratch of [`SpecJob::run`].
#[derive(Debug, Default)]
struct SpecScratch {
    lap: Lap,
    clusters: Clusters,
    cross: Vec<ModeCross>,
    priors: PriorPool,
}

/// [`SpaceTracker::process_frame`]'s lists, kept between frames so that a frame
/// allocates nothing for them.
#[derive(Default)]
struct FrameScratch {
    used: Vec<bool>,
    priors: Vec<(usize, Prior, Gaussian)>,
    new_gate_priors: Vec<(usize, Gaussian)>,
    gates: FrameGates,
    cands: Vec<(usize, Option<Gaussian>)>,
    los_idx: Vec<usize>,
    lpairs: Vec<(u32, u32)>,
    lcost: Vec<f64>,
    lpred: Vec<(Vector4<f64>, Matrix4<f64>)>,
    updated_los: Vec<usize>,
}

impl std::fmt::Debug for FrameScratch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrameScratch").finish_non_exhaustive()
    }
}

impl FrameScratch {
    /// Empty lists for a frame of `n_det` detections (none used yet).
    fn reset(&mut self, n_det: usize) {
        self.used.clear();
        self.used.resize(n_det, false);
        self.priors.clear();
        self.new_gate_priors.clear();
        self.gates.pairs.clear();
        self.gates.pair_d2.clear();
        self.gates.costs.clear();
        self.cands.clear();
        self.los_idx.clear();
        self.lpairs.clear();
        self.lcost.clear();
        self.lpred.clear();
        self.updated_los.clear();
    }
}

/// Allocations of IMM priors (~4.5 kB each) kept for reuse: a prediction is written
/// into one ([`ImmState::predict_into`]) instead of being built and moved to the heap.
#[derive(Debug, Default)]
struct PriorPool(Vec<Box<ImmPrior>>);

/// Most priors a [`PriorPool`] keeps (the rest are freed).
const PRIOR_POOL_MAX: usize = 64;

impl PriorPool {
    /// A prior's allocation (contents unspecified).
    fn take(&mut self, like: &ImmState) -> Box<ImmPrior> {
        self.0.pop().unwrap_or_else(|| Box::new(ImmPrior::blank(like)))
    }

    /// Give back a prior that is no longer needed.
    fn give(&mut self, p: Box<ImmPrior>) {
        if self.0.len() < PRIOR_POOL_MAX {
            self.0.push(p);
        }
    }
}

/// How much of the 3-D filtering was done ahead on other threads ([`SpecJob`]):
/// counted for the benchmarks, and not part of the summary, since they depend on the number
/// of threads (the tracks do not).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SpecStats {
    /// Frames speculated on.
    pub frames: u64,
    /// Predictions and updates made ahead.
    pub predictions_made: u64,
    pub updates_made: u64,
    /// Of those, the ones used.
    pub predictions_used: u64,
    pub updates_used: u64,
}

/// The distance part of the pre-gate's bound, m: `k` predicted standard deviations of
/// position after `dt` seconds plus half of 80 m/s^2 over `dt`. Increasing in `dt`.
#[inline]
fn pregate_reach_m(h: &TrackHot, dt: f64, k: f64) -> f64 {
    k * (h.pos_sig + h.vel_sig * dt) + 0.5 * 80.0 * dt * dt
}

/// Bounds that tell the per-frame passes which tracks they can skip (all the same
/// decisions as scanning every track).
#[derive(Debug, Default)]
struct ScanBounds {
    /// A lower bound of the live tracks' last update times, s: no track has coasted
    /// past `delete_after_coast_s` unless `t - min_update_t` has (`t - a <= t - b` for
    /// `a >= b` in floating point too).
    min_update_t: f64,
    /// A lower bound of the unconfirmed live tracks' start times, s (same use for
    /// `confirm_window_s`).
    min_unconfirmed_created_t: f64,
    /// A track's position covariance became invalid or too large since the last scan.
    bad_cov: bool,
    /// Tracks (indices, with repeats) whose confirmation or report may be due: those
    /// changed since the last `confirm_and_report`, and those it saw updated at its
    /// time (a later frame at the same time reports them again).
    touched: Vec<u32>,
}

impl ScanBounds {
    /// Take track `h` (live, hot fields current) into the bounds.
    fn include(&mut self, h: &TrackHot, max_pos_std_m: f64) {
        self.min_update_t = self.min_update_t.min(h.t_last_update);
        if !h.confirmed {
            self.min_unconfirmed_created_t = self.min_unconfirmed_created_t.min(h.t_created);
        }
        if h.pos_sd_max.is_nan() || h.pos_sd_max > max_pos_std_m {
            self.bad_cov = true;
        }
    }
}

/// A segment's two ends and a radius, m (ECI).
type Capsule = (Vector3<f64>, Vector3<f64>, f64);

/// The pre-gate's spatial index of the 3-D tracks ([`SpaceConfig::pregate_grid_km`]).
///
/// A track passes the pre-gate of a frame at time `t` only if its linearly moved mean
/// `r = x + v (t - t_s)` lies within `rho * bound = reach(t - t_s) + slack * rho` of a
/// line of sight (the half-line from the satellite; `rho = |r - sat|`; the cosine
/// test is passed only if `sin(angle) < bound`, or by a point within `rho` of the
/// satellite when the angle is above 90 deg, i.e. `bound > sqrt(2)`). Each track is
/// entered as the capsule of the segment `r` covers over the window `[t0, until]`, of
/// radius `reach(until - t_s) + GRID_PAD_M`, and `slack * rho <= GRID_PAD_M` is checked
/// per frame (else the frame scans all tracks), so a ray query returns every track the
/// pre-gate could pass. Tracks that change are entered again (the stale entry only
/// returns a candidate the exact test rejects); tracks added since the build are
/// tested on every frame; removing tracks renumbers them, and the next frame builds
/// the index afresh.
#[derive(Debug)]
struct TrackIndex {
    grid: RayGrid,
    /// The pre-gate's multiple of the standard deviations ([`pregate_k`]).
    k_gate: f64,
    /// Tracks `0..n` were entered at the last build.
    n: usize,
    /// The window of frame times the entries hold for, s.
    t0: f64,
    until: f64,
    valid: bool,
    /// Per track, its latest entry (segment ends and radius, m) if it is in the grid's
    /// cells; `None` for an overflow entry (returned by every query) or none yet.
    entered: Vec<Option<Capsule>>,
}

impl TrackIndex {
    /// The candidates of frame `fp` among tracks `0..n` into `seen` (one bit per
    /// track): the tracks entered in a cell one of its lines of sight crosses, the
    /// overflow entries, and the tracks started since the build. The index must hold
    /// for the frame's time.
    fn query(&self, fp: &FramePregate, n: usize, seen: &mut Vec<u64>) {
        self.grid.begin_query_into(n, seen);
        for d in fp.frame {
            self.grid.ray_into(&fp.sat_pos, &Vector3::from(d.los_eci), seen);
        }
        for ti in self.n..n {
            seen[ti / 64] |= 1 << (ti % 64);
        }
    }

    /// Enter track `ti` for the window (`fresh`: at the build, in order), unless its
    /// latest entry already holds the new capsule: both ends of the new segment within the old
    /// radius less the new one of the old segment (the distance to a segment is convex,
    /// so then every point of the new capsule is in the old one).
    fn enter(&mut self, ti: usize, h: &TrackHot, fresh: bool) {
        let (x, v) = h.pos_vel();
        let dt_a = (self.t0 - h.t_s).max(0.0);
        let dt_b = (self.until - h.t_s).max(0.0);
        let (a, b) = (x + v * dt_a, x + v * dt_b);
        // Ballistic (pre-gate slack: the frame's noise) wherever the window takes it.
        let ballistic = h.p_thrusting < PREGATE_MAX_THRUSTING_PROB
            && crate::grid::point_segment_distance(&Vector3::zeros(), &a, &b) > PREGATE_AIR_TOP_RADIUS_M;
        let r = pregate_reach_m(h, dt_b, self.k_gate) + GRID_PAD_M[usize::from(!ballistic)];
        if !fresh {
            // Tracks started since the build are candidates of every frame; overflow
            // entries are returned by every query.
            let Some(Some((a0, b0, r0))) = self.entered.get(ti) else { return };
            use crate::grid::point_segment_distance as dist;
            if dist(&a, a0, b0) + r <= *r0 && dist(&b, a0, b0) + r <= *r0 {
                return;
            }
        }
        let r = r + GRID_MARGIN_M;
        let e = self.grid.insert(ti as u32, &a, &b, r).then_some((a, b, r));
        if fresh {
            debug_assert_eq!(self.entered.len(), ti);
            self.entered.push(e);
        } else {
            self.entered[ti] = e;
        }
    }
}

/// Most sensors whose pointing bias a track keeps a cross-covariance with; the least
/// recently used is dropped beyond this (its correlation with the state is forgotten,
/// which matters only if that sensor sees the track again: its bias is then counted
/// as new information, and the track grows over-confident). A raid track is seen by
/// about 13 of 300 satellites each second and by many more over its life: with 16
/// blocks the 10-launch raid's midcourse NEES by provenance had median 21.3 (53 %
/// above the 99 % point), with 32 blocks 14.4 (47 %), with 64 blocks 7.5 (38 %;
/// reentry 3.6 -> 1.8), for about a third more tracker time in the boost phase.
pub const MAX_BIAS_BLOCKS: usize = 64;

fn sensor_key(sat: u32, sensor: u32) -> u64 {
    ((sat as u64) << 16) | sensor as u64
}

/// The satellite's nadir frame ([`tl_core::geom::nadir_frame`], the sensor's own
/// definition: x along track, y = z x x, z to nadir) as the columns of a matrix: the
/// frame a payload's pointing bias is fixed in.
fn nadir_frame(pos: &Vector3<f64>, vel: &Vector3<f64>) -> nalgebra::Matrix3<f64> {
    let (x, y, z) = tl_core::geom::nadir_frame(pos, vel);
    nalgebra::Matrix3::from_columns(&[x, y, z])
}

/// Angle offsets (along `e1`, `e2` of the LOS basis at `u`) caused by a pointing bias
/// `b` (rotation vector in the nadir frame `frame`): `b_eci x u` projected, i.e. rows
/// `(u x e_k)^T frame`.
fn bias_map(u: &Vector3<f64>, frame: &nalgebra::Matrix3<f64>) -> SMatrix<f64, 2, 3> {
    let (e1, e2) = tl_core::geom::los_basis(u);
    let r1 = u.cross(&e1).transpose() * frame;
    let r2 = u.cross(&e2).transpose() * frame;
    SMatrix::<f64, 2, 3>::from_rows(&[r1, r2])
}

/// The angles-only multi-satellite tracker.
#[derive(Debug)]
pub struct SpaceTracker {
    /// The configuration and pointing biases.
    fx: Filtering,
    earth: EarthRotation,
    pending: Vec<Pending>,
    /// Entries of `pending` before this index are released (see `release`).
    pending_head: usize,
    seq: u64,
    last_arrival: f64,
    released_until: f64,
    ephem: Vec<Ephem>,
    los: Vec<LosTrack>,
    /// Indices into `los` of each sensor's angle tracks (`sensor_key`), ascending; dead
    /// tracks stay listed (and in `los`) until `maintain` compacts both, which it does
    /// only once half of `los` is dead (raw 10 Hz frames with false alarms start
    /// thousands of short-lived angle tracks: a per-frame scan and compaction of all of
    /// them dominated raw-mode runs).
    los_index: std::collections::HashMap<u64, Vec<usize>>,
    /// A lower bound of the last update time of the live angle tracks, s (exact after
    /// each expiry scan of `maintain`, lowered when a track starts).
    los_min_t: f64,
    /// The 3-D tracks, boxed so that removing one moves pointers, not the ~3 kB of
    /// every later track (deletions happen every few frames in a raid).
    #[allow(clippy::vec_box)]
    tracks: Vec<Box<Track3>>,
    /// `TrackHot::of` each of `tracks` (same indices).
    hot: Vec<TrackHot>,
    /// The pre-gate's spatial index of `tracks` (`None`: `pregate_grid_km = 0`).
    index: Option<TrackIndex>,
    /// What spares `maintain` and `confirm_and_report` a scan of every track on every
    /// frame (with 14,000 tracks these scans cost as much as the filters).
    scans: ScanBounds,
    next_uid: u64,
    next_id: u64,
    /// The next value of `Track3::version`.
    next_version: u64,
    /// Chunks prepared for work ahead so far (numbers the versions of its updates).
    spec_chunks: u64,
    /// `ephem` and `released_until` as they will be after the chunks prepared for work
    /// ahead (replayed one chunk ahead of the frames run).
    spec_ephem: Vec<Ephem>,
    spec_released: f64,
    last_merge: f64,
    /// Counters.
    pub stats: SpaceStats,
    /// Work done ahead on other threads (depends on the number of threads).
    pub spec_stats: SpecStats,
    /// The first few rejections (at most 100), for messages.
    pub rejections: Vec<Rejection>,
    lap: Lap,
    clusters: Clusters,
    frame: Vec<Detection>,
    /// The pre-gate's candidates from the index for the current frame, one bit per track
    /// ([`TrackIndex::query`]).
    pregate_seen: Vec<u64>,
    /// The current release's frames (ranges of `pending`).
    frame_bounds: Vec<(usize, usize)>,
    /// Input-order index of each detection of `frame` (for the update log).
    frame_index: Vec<u64>,
    /// Launch/impact computations found due during the current `release`, run together
    /// (in parallel) at its end, with the state of their track when they were due and
    /// (if already run) their result.
    product_jobs: Vec<(ProductJob, ProductState, Option<ProductResult>)>,
    /// Reports made during the current `release` whose products await a job: (index in
    /// the output, job).
    product_patches: Vec<(usize, usize)>,
    /// Scratch for a per-mode consider update's propagated bias cross-covariances.
    cross_scratch: Vec<ModeCross>,
    /// Allocations of the priors this thread predicts.
    prior_pool: PriorPool,
    frame_scratch: FrameScratch,
    update_log: Option<Vec<UpdateRecord>>,
}

/// What the filters read of the tracker's settings, shared (not borrowed) so that work
/// done ahead on another thread can run while the tracker changes
/// ([`SpecJob`]).
#[derive(Clone, Debug)]
struct Filtering {
    cfg: Arc<SpaceConfig>,
    /// Per-sensor pointing-bias standard deviations set by the caller, rad.
    bias_sigma: Arc<Vec<Vec<Option<f64>>>>,
}

impl Filtering {
    /// The IMM prediction of `imm` to `t` with the configured models.
    fn predict(&self, imm: &ImmState, t: f64) -> Result<ImmPrior, crate::linalg::CovError> {
        imm.predict(&self.cfg.imm, self.cfg.filter, &self.cfg.motion, t)
    }

    /// [`Self::predict`] into an allocation from `pool` (given back on error).
    fn predict_pooled(
        &self,
        imm: &ImmState,
        t: f64,
        pool: &mut PriorPool,
    ) -> Result<Box<ImmPrior>, crate::linalg::CovError> {
        let mut p = pool.take(imm);
        match imm.predict_into(&self.cfg.imm, self.cfg.filter, &self.cfg.motion, t, &mut p) {
            Ok(()) => Ok(p),
            Err(e) => {
                pool.give(p);
                Err(e)
            }
        }
    }

    /// Bias variance to use for a detection: the sensor's pointing-bias variance, capped
    /// at 0.9 of the smallest eigenvalue of its covariance so the white part stays
    /// positive definite.
    fn bias_var(&self, d: &Detection) -> f64 {
        let sig = self
            .bias_sigma
            .get(d.sat_id as usize)
            .and_then(|v| v.get(d.sensor_id as usize))
            .copied()
            .flatten()
            .unwrap_or(self.cfg.pointing_bias_urad * 1e-6);
        if sig <= 0.0 {
            return 0.0;
        }
        let [a, b, c] = d.cov_rad2;
        let lmin = 0.5 * (a + c) - (0.25 * (a - c) * (a - c) + b * b).sqrt();
        (sig * sig).min(0.9 * lmin.max(0.0))
    }

    /// Angle (and rate) measurement of a detection; `bias_var` is taken off the
    /// covariance's diagonal (the white part, for a consider update), 0 for the whole.
    fn angle_meas(
        &self,
        d: &Detection,
        sat_vel: Option<Vector3<f64>>,
        bias_var: f64,
    ) -> (AngleMeas, Option<AngleRateMeas>) {
        let c = [d.cov_rad2[0] - bias_var, d.cov_rad2[1], d.cov_rad2[2] - bias_var];
        let ang = AngleMeas::new(Vector3::from(d.sat_pos_eci_m), Vector3::from(d.los_eci), c);
        let rates = if self.cfg.use_rates
            && d.rate_rad_s.iter().all(|v| v.is_finite())
            && d.rate_var_rad2_s2.iter().all(|v| v.is_finite() && *v > 0.0)
        {
            sat_vel.map(|sv| AngleRateMeas {
                ang,
                sat_vel_m_s: sv,
                rate_rad_s: Vector2::from(d.rate_rad_s),
                rate_var: Vector2::from(d.rate_var_rad2_s2),
            })
        } else {
            None
        };
        (ang, rates)
    }

    /// The pre-gate of a frame, its angle measurements (full covariance) and the log
    /// clutter term of the assignment costs.
    fn frame_setup<'a>(&self, frame: &'a [Detection]) -> (FramePregate<'a>, Vec<AngleMeas>, f64) {
        let d0 = &frame[0];
        let ln_clutter = (self.cfg.pd / ((1.0 - self.cfg.pd) * self.cfg.clutter_density_sr)).ln();
        // A cone holding every line of sight of the frame (axis: their normalised sum;
        // half-angle: the widest): a track farther than half-angle + its bound from the
        // axis is near none of them, tested once instead of against every detection.
        let cone = {
            let sum: Vector3<f64> = frame.iter().map(|d| Vector3::from(d.los_eci)).sum();
            let n = sum.norm();
            (n > 0.0).then(|| {
                let axis = sum / n;
                let min_dot = frame.iter().map(|d| axis.dot(&Vector3::from(d.los_eci))).fold(1.0, f64::min);
                (axis, min_dot.clamp(-1.0, 1.0).acos())
            })
        };
        // Pre-gate scale, and the largest measurement noise of the frame in the same
        // multiple (square root of the largest eigenvalue of each 2x2 covariance).
        let k_gate = pregate_k(self.cfg.gate_d2);
        let noise_slack = k_gate * frame_noise_sigma(frame) + 1e-6;
        let sat_pos = Vector3::from(d0.sat_pos_eci_m);
        let fp = FramePregate { t: d0.t_obs_s, sat_pos, frame, cone, k_gate, noise_slack };
        let angs = frame.iter().map(|d| self.angle_meas(d, None, 0.0).0).collect();
        (fp, angs, ln_clutter)
    }

    /// Update a 3-D track (predicted to `t` in `prior`, its bias blocks `bias`) with a
    /// detection: the posterior (written straight into a new allocation made from the
    /// track's present state `from`, no ~2.4 kB state moved about), and whether the
    /// detection's angle rates were left out (outside their gate). With a pointing bias
    /// (or bias cross-covariances already on the track) this is the consider update;
    /// `bias` is updated in place on success and untouched on error. A pure function of
    /// its arguments (`cross` is scratch), so that it can run ahead on another thread
    /// (`SpecFrame`).
    #[allow(clippy::too_many_arguments)]
    fn update_track(
        &self,
        store: &mut BiasStore,
        cross: &mut Vec<ModeCross>,
        (prior, prior_comb): (&ImmPrior, &Gaussian),
        det: &Detection,
        sat_vel: Option<Vector3<f64>>,
        frame: Option<&nalgebra::Matrix3<f64>>,
        t: f64,
        from: &Arc<ImmState>,
    ) -> (Result<Arc<ImmState>, crate::linalg::CovError>, bool) {
        let bv = if frame.is_some() { self.bias_var(det) } else { 0.0 };
        let (_, full_rates) = self.angle_meas(det, sat_vel, 0.0);
        let use_rates = match &full_rates {
            Some(rm) => innovation(self.cfg.filter, prior_comb, rm).is_ok_and(|i| i.d2 <= RATE_GATE_D2),
            None => false,
        };
        let rates_ignored = full_rates.is_some() && !use_rates;
        let filter = self.cfg.filter;
        let mut next = Arc::clone(from);
        let post = Arc::make_mut(&mut next);
        // The update proper (`return`s and `?`s leave this closure only).
        let res = (|| {
            if bv <= 0.0 && store.blocks.is_empty() {
                let (ang, rates) = self.angle_meas(det, sat_vel, 0.0);
                *post = match &rates.filter(|_| use_rates) {
                    Some(rm) => prior.update(filter, rm),
                    None => prior.update(filter, &ang),
                }?;
                return Ok(());
            }
            let (ang, rates) = self.angle_meas(det, sat_vel, bv);
            let rates = rates.filter(|_| use_rates);
            let hb2 = match frame {
                Some(f) if bv > 0.0 => bias_map(&ang.u_m, f),
                _ => SMatrix::<f64, 2, 3>::zeros(),
            };
            let key = sensor_key(det.sat_id, det.sensor_id);
            let mut hb4 = SMatrix::<f64, 4, 3>::zeros();
            hb4.fixed_view_mut::<2, 3>(0, 0).copy_from(&hb2);
            match self.cfg.bias_blocks {
                BiasBlocks::Shared => {
                    let mut own = store.blocks.iter().position(|b| b.key == key);
                    let added = own.is_none() && bv > 0.0;
                    if added {
                        own = Some(store.add_zero_block(key, t));
                    }
                    // A sensor without bias still updates the other blocks (its own is zero).
                    let c_own = own.map(|i| store.current(i));
                    let res = match &rates {
                        Some(rm) => {
                            prior.update_consider_shared_map(filter, rm, &hb4, bv, c_own.as_ref(), post)
                        }
                        None => {
                            prior.update_consider_shared_map(filter, &ang, &hb2, bv, c_own.as_ref(), post)
                        }
                    };
                    match res {
                        Ok(u) => store.apply_shared(own.zip(c_own), &u),
                        Err(e) => {
                            if added {
                                store.blocks.pop();
                            }
                            return Err(e);
                        }
                    }
                }
                BiasBlocks::PerMode => {
                    let blocks = &mut store.blocks;
                    cross.clear();
                    cross.extend(blocks.iter().map(|b| prior.propagate_cross(&b.modes())));
                    let mut own = blocks.iter().position(|b| b.key == key);
                    if own.is_none() && bv > 0.0 {
                        cross.push(zero_cross());
                        own = Some(cross.len() - 1);
                    }
                    // A sensor without bias still updates the other blocks: its own block is
                    // a dummy (H_b = 0).
                    let (own_i, dummy) = match own {
                        Some(i) => (i, false),
                        None => {
                            cross.push(zero_cross());
                            (cross.len() - 1, true)
                        }
                    };
                    let res = match &rates {
                        Some(rm) => prior.update_consider_per_mode(filter, rm, &hb4, bv, cross, own_i),
                        None => prior.update_consider_per_mode(filter, &ang, &hb2, bv, cross, own_i),
                    };
                    if res.is_ok() {
                        if dummy {
                            cross.pop();
                        }
                        let n_old = blocks.len();
                        for (i, c) in cross.iter().enumerate() {
                            if i >= n_old {
                                blocks.push(BiasBlock::new(key, t, c[0]));
                            }
                            blocks[i].set_modes(c);
                        }
                    }
                    *post = res?;
                }
            }
            let blocks = &mut store.blocks;
            if let Some(b) = blocks.iter_mut().find(|b| b.key == key) {
                b.last_t = t;
            }
            if blocks.len() > MAX_BIAS_BLOCKS {
                let (oldest, _) = blocks
                    .iter()
                    .enumerate()
                    .min_by(|a, b| a.1.last_t.total_cmp(&b.1.last_t))
                    .unwrap_or((0, &blocks[0]));
                blocks.remove(oldest);
            }
            Ok(())
        })();
        (res.map(|()| next), rates_ignored)
    }

    /// Work ahead for one frame with pre-gate candidates `cands` (indices into
    /// `local`, the chain's tracks as the frames before left them): `process_frame`'s
    /// predictions, gates, assignment and updates of 3-D tracks. An update changes the
    /// track in `local` and gives it version `token`.
    fn speculate_frame(
        &self,
        frame: &[Detection],
        sat_vel: Option<Vector3<f64>>,
        cands: &[usize],
        local: &mut [Snap],
        token: u64,
        sc: &mut SpecScratch,
    ) -> SpecFrame {
        let t = frame[0].t_obs_s;
        let (fp, angs, ln_clutter) = self.frame_setup(frame);
        let mut spec = SpecFrame::default();
        let mut gates = FrameGates::default();
        // (track in `local`, index in `spec.preds` of its prediction).
        let mut rows: Vec<(usize, Option<usize>)> = Vec::new();
        let filter = self.cfg.filter;
        let reuse_s = self.cfg.gate_reuse_s;
        let predict = |spec: &mut SpecFrame, sn: &Snap, pool: &mut PriorPool| {
            let p = self.predict_pooled(&sn.imm, t, pool).ok()?;
            let comb = p.combined();
            spec.preds.push(SpecPred {
                uid: sn.uid,
                version: sn.version,
                comb,
                prior: Some(p),
                update: None,
            });
            Some(spec.preds.len() - 1)
        };
        let mut new_gate_priors = Vec::new();
        for &li in cands {
            let sn = &local[li];
            let (k, comb) = match reusable_gate_prior(&sn.gate_prior, t, reuse_s) {
                Some(comb) => (None, comb),
                None => {
                    let Some(k) = predict(&mut spec, sn, &mut sc.priors) else { continue };
                    let comb = spec.preds[k].comb;
                    if reuse_s > 0.0 {
                        new_gate_priors.push((li, comb));
                    }
                    (Some(k), comb)
                }
            };
            gates.gate(rows.len() as u32, &comb, &angs, filter, self.cfg.gate_d2, ln_clutter);
            rows.push((li, k));
        }
        for (li, comb) in new_gate_priors {
            local[li].gate_prior = Some((t, comb));
        }
        let assigned = gates.assign(rows.len(), frame.len(), &mut sc.clusters, &mut sc.lap);
        let frame_nadir = sat_vel.map(|v| nadir_frame(&fp.sat_pos, &v));
        for (&(li, k), a) in rows.iter().zip(&assigned) {
            let Some(j) = *a else { continue };
            let Some(k) = k.or_else(|| predict(&mut spec, &local[li], &mut sc.priors)) else { continue };
            let Some(prior) = spec.preds[k].prior.take() else { continue };
            let sn = &mut local[li];
            let mut bias = BiasStore::clone(&sn.bias);
            let (res, rates_ignored) = self.update_track(
                &mut bias,
                &mut sc.cross,
                (&prior, &spec.preds[k].comb),
                &frame[j as usize],
                sat_vel,
                frame_nadir.as_ref(),
                t,
                &sn.imm,
            );
            let bias = Arc::new(bias);
            let prior_c = prior.c;
            sc.priors.give(prior);
            if let Ok(post) = &res {
                sn.imm = Arc::clone(post);
                sn.bias = Arc::clone(&bias);
                sn.version = token;
                sn.gate_prior = None;
            }
            spec.preds[k].update =
                Some(SpecUpdate { j, sat_vel, res, bias, rates_ignored, prior_c, version: token });
        }
        spec
    }
}

/// Reported mode probabilities: (thrusting = boost + staging, ballistic, reentry).
fn mode_probs(imm: &ImmState) -> [f64; 3] {
    [imm.prob_thrusting(), imm.prob(ModelKind::Ballistic), imm.prob(ModelKind::Reentry)]
}

impl SpaceTracker {
    /// A tracker with a validated configuration. `earth` maps times to Earth rotation
    /// (for ground products: launch and impact points).
    pub fn new(cfg: SpaceConfig, earth: EarthRotation) -> Result<Self, FieldError> {
        cfg.validate("space")?;
        let index = (cfg.pregate_grid_km > 0.0).then(|| TrackIndex {
            grid: RayGrid::new(cfg.pregate_grid_km * 1e3, GRID_SHELL_M[0], GRID_SHELL_M[1]),
            k_gate: pregate_k(cfg.gate_d2),
            entered: Vec::new(),
            n: 0,
            t0: f64::NEG_INFINITY,
            until: f64::NEG_INFINITY,
            valid: false,
        });
        Ok(Self {
            index,
            scans: ScanBounds {
                min_update_t: f64::INFINITY,
                min_unconfirmed_created_t: f64::INFINITY,
                ..ScanBounds::default()
            },
            fx: Filtering { cfg: Arc::new(cfg), bias_sigma: Arc::new(Vec::new()) },
            earth,
            pending: Vec::new(),
            pending_head: 0,
            seq: 0,
            last_arrival: f64::NEG_INFINITY,
            released_until: f64::NEG_INFINITY,
            ephem: Vec::new(),
            los: Vec::new(),
            los_index: std::collections::HashMap::new(),
            los_min_t: f64::INFINITY,
            tracks: Vec::new(),
            hot: Vec::new(),
            next_uid: 0,
            next_id: 0,
            next_version: 0,
            spec_chunks: 0,
            spec_ephem: Vec::new(),
            spec_released: f64::NEG_INFINITY,
            last_merge: f64::NEG_INFINITY,
            stats: SpaceStats::default(),
            spec_stats: SpecStats::default(),
            rejections: Vec::new(),
            lap: Lap::new(),
            clusters: Clusters::default(),
            frame: Vec::new(),
            pregate_seen: Vec::new(),
            frame_bounds: Vec::new(),
            frame_index: Vec::new(),
            cross_scratch: Vec::new(),
            prior_pool: PriorPool::default(),
            frame_scratch: FrameScratch::default(),
            product_jobs: Vec::new(),
            product_patches: Vec::new(),
            update_log: None,
        })
    }

    /// Pointing-bias standard deviation per axis of sensor `sensor` of satellite `sat`,
    /// rad (overrides `pointing_bias_urad` for that sensor). The bias is part of the
    /// detections' reported covariance; this says how much of it.
    pub fn set_pointing_bias(&mut self, sat: u32, sensor: u32, sigma_rad: f64) {
        let (a, b) = (sat as usize, sensor as usize);
        let sig = Arc::make_mut(&mut self.fx.bias_sigma);
        if sig.len() <= a {
            sig.resize(a + 1, Vec::new());
        }
        if sig[a].len() <= b {
            sig[a].resize(b + 1, None);
        }
        sig[a][b] = Some(sigma_rad.max(0.0));
    }

    /// Keep a record of every 3-D track update (diagnostics; off by default).
    pub fn set_update_log(&mut self, on: bool) {
        self.update_log = if on { Some(Vec::new()) } else { None };
    }

    /// Take the update records gathered since the last call (empty when the log is off).
    pub fn take_update_log(&mut self) -> Vec<UpdateRecord> {
        self.update_log.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// The configuration.
    pub fn config(&self) -> &SpaceConfig {
        &self.fx.cfg
    }

    /// Number of confirmed live 3-D tracks.
    pub fn n_confirmed(&self) -> usize {
        self.tracks.iter().filter(|t| t.alive && t.id.is_some()).count()
    }

    /// Number of live 3-D tracks, tentative included.
    pub fn n_tracks(&self) -> usize {
        self.tracks.iter().filter(|t| t.alive).count()
    }

    /// Number of live 2-D angle tracks.
    pub fn n_los_tracks(&self) -> usize {
        self.los.iter().filter(|t| t.alive).count()
    }

    fn reject(&mut self, e: FieldError) {
        self.stats.rejected_invalid += 1;
        if self.rejections.len() < 100 {
            self.rejections.push(Rejection { index: self.stats.detections_in - 1, error: e });
        }
    }

    /// Offer one detection (in arrival order). Invalid records are rejected and counted;
    /// valid ones wait in the reorder buffer. Call [`Self::advance`] to process.
    pub fn push(&mut self, det: &Detection) {
        self.stats.detections_in += 1;
        if let Err(e) = det.validate() {
            self.reject(e);
            return;
        }
        if det.sat_pos_eci_m.iter().map(|v| v * v).sum::<f64>() < 1.0 {
            self.reject(FieldError::new(
                "sat_pos_eci_m",
                "[0, 0, 0]",
                "a satellite position (not the origin)",
            ));
            return;
        }
        if det.t_arrival_s < self.last_arrival {
            self.stats.arrival_out_of_order += 1;
        }
        self.last_arrival = self.last_arrival.max(det.t_arrival_s);
        self.pending.push(Pending { seq: self.seq, index: self.stats.detections_in - 1, det: *det });
        self.seq += 1;
    }

    /// Process every buffered detection observed at or before `now_s - reorder_window_s`
    /// (`now_s` is the arrival clock), appending reports of confirmed tracks to `out`.
    pub fn advance(&mut self, now_s: f64, out: &mut Vec<TrackReport>) {
        self.release(now_s - self.fx.cfg.reorder_window_s, out);
    }

    /// Process everything still buffered.
    pub fn flush(&mut self, out: &mut Vec<TrackReport>) {
        self.release(f64::INFINITY, out);
    }

    fn release(&mut self, cutoff: f64, out: &mut Vec<TrackReport>) {
        // `pending[..pending_head]` was released already; it is dropped in one go once it
        // is at least half the buffer (draining the front on every call would shift the
        // whole reorder window each time).
        if self.pending_head >= 4096 && 2 * self.pending_head >= self.pending.len() {
            self.pending.drain(..self.pending_head);
            self.pending_head = 0;
        }
        let head = self.pending_head;
        if self.pending.len() == head {
            return;
        }
        // A total order (`seq` is unique): any sort gives the same sequence. Sorted by a
        // key computed once per entry, so that the ~200-byte entries move once (a
        // comparison sort moves them about log n times).
        self.pending[head..].sort_by_cached_key(|p| {
            (tl_core::time::total_order_key(p.det.t_obs_s), p.det.sat_id, p.det.sensor_id, p.seq)
        });
        let n_ready = self.pending[head..].partition_point(|p| p.det.t_obs_s <= cutoff);
        if n_ready == 0 {
            return;
        }
        let end = head + n_ready;
        self.pending_head = end;
        // The frames: runs of the same time, satellite and sensor.
        let mut frames = std::mem::take(&mut self.frame_bounds);
        frames.clear();
        let mut i = head;
        while i < end {
            let d0 = &self.pending[i].det;
            let mut j = i + 1;
            while j < end
                && self.pending[j].det.t_obs_s == d0.t_obs_s
                && self.pending[j].det.sat_id == d0.sat_id
                && self.pending[j].det.sensor_id == d0.sensor_id
            {
                j += 1;
            }
            frames.push((i, j));
            i = j;
        }
        // With more than one thread, the 3-D filtering of each chunk of frames is done
        // ahead (the next chunk's while this one runs, on the other threads), and the
        // frames run in order using what is still valid.
        let ahead = rayon::current_num_threads() > 1;
        let chunks: Vec<&[(usize, usize)]> = frames.chunks(SPEC_CHUNK_FRAMES).collect();
        let mut next: Option<SpecOut> = None;
        if ahead && !chunks.is_empty() {
            self.spec_ephem.clone_from(&self.ephem);
            self.spec_released = self.released_until;
            next = Some(self.spec_prepare(chunks[0], None).run());
        }
        for (k, chunk) in chunks.iter().enumerate() {
            let cur = next.take();
            let job = match (&cur, chunks.get(k + 1)) {
                (Some(c), Some(nx)) => Some(self.spec_prepare(nx, Some(&c.after))),
                _ => None,
            };
            let mut specs = cur.map(|c| c.frames).unwrap_or_default();
            let ((), n) =
                rayon::join(|| self.run_chunk(chunk, &mut specs, out), move || job.map(SpecJob::run));
            next = n;
        }
        self.frame_bounds = frames;
        self.resolve_products(out);
    }

    /// The frames of `chunk` (ranges of `pending`) in order, with the work done ahead
    /// for them (`specs`, by position in the chunk; may be empty).
    fn run_chunk(
        &mut self,
        chunk: &[(usize, usize)],
        specs: &mut [Option<SpecFrame>],
        out: &mut Vec<TrackReport>,
    ) {
        for (c, &(i, j)) in chunk.iter().enumerate() {
            let d0 = self.pending[i].det;
            let mut frame = std::mem::take(&mut self.frame);
            frame.clear();
            frame.extend(self.pending[i..j].iter().map(|p| p.det));
            if self.update_log.is_some() {
                self.frame_index.clear();
                self.frame_index.extend(self.pending[i..j].iter().map(|p| p.index));
            }
            if d0.t_obs_s < self.released_until {
                let lag = self.released_until - d0.t_obs_s;
                if lag <= self.fx.cfg.max_oosm_lag_s {
                    self.process_oosm(&frame);
                } else {
                    self.stats.rejected_too_late += frame.len() as u64;
                }
            } else {
                let spec = specs.get_mut(c).and_then(Option::as_mut);
                if let Some(s) = &spec {
                    self.spec_stats.frames += 1;
                    self.spec_stats.predictions_made += s.preds.len() as u64;
                    self.spec_stats.updates_made +=
                        s.preds.iter().filter(|p| p.update.is_some()).count() as u64;
                }
                self.process_frame(&frame, out, spec);
                self.released_until = d0.t_obs_s;
            }
            self.frame = frame;
        }
    }

    /// Run the launch/impact computations found due during this `release` (in parallel:
    /// each is a pure function of its track's estimate, ~16 cubature trajectories to the
    /// ground), apply them to their tracks in order and refresh the products of the
    /// reports made since they were due. The same bytes as computing each one when due,
    /// for any number of threads.
    fn resolve_products(&mut self, out: &mut [TrackReport]) {
        if self.product_jobs.is_empty() {
            return;
        }
        use rayon::prelude::*;
        let (motion, products, earth) = (&self.fx.cfg.motion, &self.fx.cfg.products, &self.earth);
        let results: Vec<ProductResult> = self
            .product_jobs
            .par_iter()
            .map(|(job, _, done)| done.unwrap_or_else(|| job.compute(motion, products, earth)))
            .collect();
        let after: Vec<ProductState> = self
            .product_jobs
            .iter()
            .zip(&results)
            .map(|((_, state, _), r)| {
                let mut st = state.clone();
                st.apply(r);
                st
            })
            .collect();
        for &(oi, k) in &self.product_patches {
            out[oi].products = after[k].with_estimates(out[oi].products, products);
        }
        for tr in self.tracks.iter_mut() {
            if let Some(k) = tr.product_job.take() {
                tr.products.apply(&results[k]);
                tr.last_products = tr.last_products.map(|p| tr.products.with_estimates(p, products));
            }
        }
        self.product_jobs.clear();
        self.product_patches.clear();
    }

    fn ephem_mut(&mut self, sat: u32) -> &mut Ephem {
        let k = sat as usize;
        if self.ephem.len() <= k {
            self.ephem.resize(k + 1, Ephem::default());
        }
        &mut self.ephem[k]
    }

    /// Track `ti`'s IMM prediction to `t`: the one made ahead in `spec` if still valid.
    fn predict_track(
        &mut self,
        ti: usize,
        t: f64,
        spec: Option<&mut SpecFrame>,
    ) -> Result<Box<ImmPrior>, crate::linalg::CovError> {
        let tr = &self.tracks[ti];
        if let Some(p) = spec.and_then(|s| s.take_prior(tr)) {
            self.spec_stats.predictions_used += 1;
            return Ok(p);
        }
        self.fx.predict_pooled(&tr.imm, t, &mut self.prior_pool)
    }

    /// Prepare the work ahead for `chunk` (ranges of `pending`, in order; the chunk
    /// after the one about to run): replay `process_frame`'s ephemeris updates and
    /// time order to learn the satellite velocity each frame will see, find each
    /// frame's pre-gate candidates (in parallel, on the current state), take the
    /// candidates as the chunk before is expected to leave them (`after`, the previous
    /// job's) or as they are, and chain the frames that share one. A guess goes wrong
    /// only where the chunks before went otherwise (see [`SpecFrame`]).
    fn spec_prepare(&mut self, chunk: &[(usize, usize)], after: Option<&[Snap]>) -> SpecJob {
        use rayon::prelude::*;
        self.spec_chunks += 1;
        let frames: Vec<Option<FrameAhead>> = chunk
            .iter()
            .map(|&(i, j)| {
                let d0 = &self.pending[i].det;
                if d0.t_obs_s < self.spec_released {
                    return None;
                }
                self.spec_released = d0.t_obs_s;
                let k = d0.sat_id as usize;
                if self.spec_ephem.len() <= k {
                    self.spec_ephem.resize(k + 1, Ephem::default());
                }
                self.spec_ephem[k].push(d0.t_obs_s, Vector3::from(d0.sat_pos_eci_m));
                let dets = self.pending[i..j].iter().map(|p| p.det).collect();
                Some(FrameAhead { dets, sat_vel: self.spec_ephem[k].vel() })
            })
            .collect();
        let this = &*self;
        let cands_ti: Vec<Vec<usize>> = frames
            .par_iter()
            .map_init(Vec::new, |seen, f| {
                f.as_ref().map_or_else(Vec::new, |f| this.pregate_candidates(&f.dets, seen))
            })
            .collect();
        let after: std::collections::HashMap<u64, &Snap> =
            after.unwrap_or_default().iter().map(|s| (s.uid, s)).collect();
        let mut snap_of: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
        let mut snaps: Vec<Snap> = Vec::new();
        let cands: Vec<Vec<usize>> = cands_ti
            .iter()
            .map(|cs| {
                cs.iter()
                    .map(|&ti| {
                        *snap_of.entry(ti).or_insert_with(|| {
                            let tr = &this.tracks[ti];
                            snaps.push(after.get(&tr.uid).map_or_else(|| Snap::of(tr), |s| (*s).clone()));
                            snaps.len() - 1
                        })
                    })
                    .collect()
            })
            .collect();
        // Chains: frames joined by a shared candidate (union-find, in frame order).
        let mut parent: Vec<usize> = (0..chunk.len()).collect();
        fn root(parent: &mut [usize], mut f: usize) -> usize {
            while parent[f] != f {
                parent[f] = parent[parent[f]];
                f = parent[f];
            }
            f
        }
        let mut last: Vec<Option<usize>> = vec![None; snaps.len()];
        for (f, cs) in cands.iter().enumerate() {
            for &si in cs {
                if let Some(g) = last[si].replace(f) {
                    let (a, b) = (root(&mut parent, f), root(&mut parent, g));
                    parent[a.max(b)] = a.min(b);
                }
            }
        }
        let mut chains: Vec<Vec<usize>> = Vec::new();
        let mut chain_of: Vec<usize> = vec![usize::MAX; chunk.len()];
        for f in (0..chunk.len()).filter(|&f| frames[f].is_some()) {
            let r = root(&mut parent, f);
            if chain_of[r] == usize::MAX {
                chain_of[r] = chains.len();
                chains.push(Vec::new());
            }
            chains[chain_of[r]].push(f);
        }
        SpecJob { fx: this.fx.clone(), frames, cands, snaps, chains, chunk_no: this.spec_chunks }
    }

    /// The pre-gate's candidates of a frame, ascending, as `process_frame` finds them on
    /// the current state (the index, when valid for the frame, only spares tests).
    fn pregate_candidates(&self, frame: &[Detection], seen: &mut Vec<u64>) -> Vec<usize> {
        let (fp, _, _) = self.fx.frame_setup(frame);
        let t = fp.t;
        let n = self.hot.len();
        let near = |ti: &usize| fp.near(&self.hot[*ti]);
        match self
            .index
            .as_ref()
            .filter(|ix| ix.valid && t >= ix.t0 && t <= ix.until && self.index_usable(&fp))
        {
            Some(ix) => {
                ix.query(&fp, n, seen);
                crate::grid::set_ids(seen).map(|ti| ti as usize).filter(near).collect()
            }
            None => (0..n).filter(near).collect(),
        }
    }

    /// One frame (detections of one sensor at one time) in time order. `spec`: what
    /// was computed ahead for it ([`SpecJob`]), used where still valid.
    fn process_frame(
        &mut self,
        frame: &[Detection],
        out: &mut Vec<TrackReport>,
        mut spec: Option<&mut SpecFrame>,
    ) {
        self.stats.frames += 1;
        let d0 = frame[0];
        let t = d0.t_obs_s;
        let sat = d0.sat_id;
        self.ephem_mut(sat).push(t, Vector3::from(d0.sat_pos_eci_m));
        let sat_vel = self.ephem[sat as usize].vel();
        let sat_pos = Vector3::from(d0.sat_pos_eci_m);
        let nd = frame.len();
        // The frame's lists, kept between frames.
        let mut sc = std::mem::take(&mut self.frame_scratch);
        sc.reset(nd);
        let FrameScratch {
            used,
            priors,
            new_gate_priors,
            gates,
            cands,
            los_idx,
            lpairs,
            lcost,
            lpred,
            updated_los,
        } = &mut sc;

        // ---- 3-D tracks: pre-gate, IMM prediction, gate, assignment.
        let reuse_s = self.fx.cfg.gate_reuse_s;
        let (fp, angs, ln_clutter) = self.fx.frame_setup(frame);
        // Serial pre-gate: the tracks near a line of sight of the frame (those the
        // spatial index returns, or all), each with its reusable gating prediction if it
        // has one.
        let indexed = self.index_candidates(&fp);
        let mut consider = |ti: usize| {
            debug_assert_eq!(
                self.hot[ti],
                TrackHot::of(&self.tracks[ti]),
                "track {ti}: hot fields not refreshed"
            );
            if !fp.near(&self.hot[ti]) {
                return;
            }
            cands.push((ti, reusable_gate_prior(&self.tracks[ti].gate_prior, t, reuse_s)));
        };
        if indexed {
            let mut n_cands = 0;
            for ti in crate::grid::set_ids(&self.pregate_seen) {
                consider(ti as usize);
                n_cands += 1;
            }
            self.stats.pregate_index_candidates += n_cands;
            if self.fx.cfg.pregate_grid_check || cfg!(debug_assertions) {
                let missed = (0..self.hot.len())
                    .filter(|&ti| {
                        fp.near(&self.hot[ti]) && self.pregate_seen[ti / 64] & (1 << (ti % 64)) == 0
                    })
                    .count();
                debug_assert_eq!(missed, 0, "tracks pass the pre-gate but the index missed them");
                self.stats.pregate_index_misses += missed as u64;
            }
        } else {
            (0..self.hot.len()).for_each(&mut consider);
        }
        // IMM predictions and gates of the candidates. (Independent per track; run in
        // parallel they were slower: a frame has too few candidates, see BENCHMARKS.md.)
        let n_pred = cands.iter().filter(|c| c.1.is_none()).count() as u64;
        for (ti, reused) in cands.drain(..) {
            let (prior, comb) = match reused {
                Some(comb) => (Prior::Reused, comb),
                None => {
                    let tr = &self.tracks[ti];
                    let (prior, comb) = match spec.as_deref().and_then(|s| s.comb(tr)) {
                        Some(comb) => {
                            self.spec_stats.predictions_used += 1;
                            (Prior::Ahead, comb)
                        }
                        None => {
                            let Ok(p) = self.fx.predict_pooled(&tr.imm, t, &mut self.prior_pool) else {
                                continue;
                            };
                            let comb = p.combined();
                            (Prior::Own(p), comb)
                        }
                    };
                    if reuse_s > 0.0 {
                        new_gate_priors.push((ti, comb));
                    }
                    (prior, comb)
                }
            };
            gates.gate(
                priors.len() as u32,
                &comb,
                &angs,
                self.fx.cfg.filter,
                self.fx.cfg.gate_d2,
                ln_clutter,
            );
            priors.push((ti, prior, comb));
        }
        self.stats.gating_predictions += n_pred;
        for (ti, g) in new_gate_priors.drain(..) {
            self.tracks[ti].gate_prior = Some((t, g));
        }
        let assigned = gates.assign(priors.len(), nd, &mut self.clusters, &mut self.lap);
        let (pairs, pair_d2) = (&gates.pairs, &gates.pair_d2);
        let frame_nadir = sat_vel.map(|v| nadir_frame(&sat_pos, &v));
        for (k, (ti, prior, comb)) in priors.drain(..).enumerate() {
            let Some(j) = assigned[k] else { continue };
            let det = &frame[j as usize];
            let tr = &self.tracks[ti];
            let ahead = spec.as_deref_mut().and_then(|s| s.take_update(tr, j, sat_vel));
            let mut version_after = None;
            let (res, rates_ignored, prior_c) = match ahead {
                Some(u) => {
                    self.spec_stats.updates_used += 1;
                    if u.res.is_ok() {
                        self.tracks[ti].bias = u.bias;
                        version_after = Some(u.version);
                    }
                    (u.res, u.rates_ignored, u.prior_c)
                }
                None => {
                    // The prediction: this frame's, the one made ahead, or (for a reused
                    // gating prediction) the exact one.
                    let (prior, comb) = match prior {
                        Prior::Own(p) => (p, comb),
                        Prior::Ahead | Prior::Reused => {
                            match self.predict_track(ti, t, spec.as_deref_mut()) {
                                Ok(p) => {
                                    let c = p.combined();
                                    (p, c)
                                }
                                Err(_) => {
                                    self.stats.refused_updates += 1;
                                    continue;
                                }
                            }
                        }
                    };
                    let mut bias = Arc::unwrap_or_clone(std::mem::take(&mut self.tracks[ti].bias));
                    let mut cross = std::mem::take(&mut self.cross_scratch);
                    let (res, ri) = self.fx.update_track(
                        &mut bias,
                        &mut cross,
                        (&prior, &comb),
                        det,
                        sat_vel,
                        frame_nadir.as_ref(),
                        t,
                        &self.tracks[ti].imm,
                    );
                    self.tracks[ti].bias = Arc::new(bias);
                    self.cross_scratch = cross;
                    let prior_c = prior.c;
                    self.prior_pool.give(prior);
                    (res, ri, prior_c)
                }
            };
            self.stats.rates_ignored += u64::from(rates_ignored);
            match res {
                Ok(post) => {
                    used[j as usize] = true;
                    self.stats.updates_3d += 1;
                    if post.failed_modes != 0 {
                        let failed = |m: usize| post.failed_modes & (1 << m) != 0;
                        for m in (0..post.n).filter(|&m| failed(m)) {
                            self.stats.mode_updates_failed.add(post.kinds[m]);
                        }
                        let lost = (0..post.n).any(|m| failed(m) && prior_c[m] > 0.01);
                        self.stats.updates_losing_mode += u64::from(lost);
                    }
                    if let Some(log) = self.update_log.as_mut() {
                        let tr = &self.tracks[ti];
                        let nis = pairs
                            .iter()
                            .zip(pair_d2)
                            .find(|(p, _)| p.0 == k as u32 && p.1 == j)
                            .map_or(f64::NAN, |(_, d)| *d);
                        log.push(UpdateRecord {
                            t_s: t,
                            track_uid: tr.uid,
                            track_id: tr.id,
                            sat_id: sat,
                            sensor_id: d0.sensor_id,
                            nis,
                            mode_prob: mode_probs(&post),
                            los_eci: det.los_eci,
                            det_index: self.frame_index[j as usize],
                        });
                    }
                    let tr = &mut self.tracks[ti];
                    tr.imm = post;
                    tr.t_last_update = t;
                    tr.n_updates += 1;
                    tr.sats |= 1u64 << (sat % 64);
                    self.imm_changed(ti);
                    // The version the frames speculated after this one expect.
                    if let Some(v) = version_after {
                        self.tracks[ti].version = v;
                    }
                }
                Err(_) => self.stats.refused_updates += 1,
            }
        }

        // ---- 2-D angle tracks of this sensor with what is left.
        let q = self.fx.cfg.los_q_rad2_s3;
        let own_los: &[usize] =
            self.los_index.get(&sensor_key(sat, d0.sensor_id)).map_or(&[], |v| v.as_slice());
        for &li in own_los {
            let lt = &self.los[li];
            if !lt.alive || lt.sat != sat || lt.sensor != d0.sensor_id || t < lt.t {
                continue;
            }
            let (xp, pp) = lt.predicted(t, q);
            let k = los_idx.len() as u32;
            for (j, det) in frame.iter().enumerate() {
                if used[j] {
                    continue;
                }
                let u = Vector3::from(det.los_eci);
                let Some(z) = lt.gnomonic(&u) else { continue };
                let m = lt.basis_map(&u);
                let bv = lt.bias_var;
                let r =
                    m * Matrix2::new(
                        det.cov_rad2[0] - bv,
                        det.cov_rad2[1],
                        det.cov_rad2[1],
                        det.cov_rad2[2] - bv,
                    ) * m.transpose();
                let s = pp.fixed_view::<2, 2>(0, 0).into_owned() + r;
                let Some(sf) = SpdFactor::new(&s) else { continue };
                let nu = z - Vector2::new(xp[0], xp[1]);
                let d2 = sf.mahalanobis2(&nu);
                if d2 <= self.fx.cfg.los_gate_d2 {
                    lpairs.push((k, j as u32));
                    lcost.push(d2 + sf.ln_det());
                }
            }
            los_idx.push(li);
            lpred.push((xp, pp));
        }
        // Any gated pair beats a miss.
        let miss = self.fx.cfg.los_gate_d2 + 2.0 * 20.0;
        let lassigned = assign_in_clusters(
            los_idx.len(),
            nd,
            lpairs,
            |k| lcost[k] + 40.0,
            miss,
            &mut self.clusters,
            &mut self.lap,
        );
        for (k, li) in los_idx.iter().copied().enumerate() {
            let Some(j) = lassigned[k] else { continue };
            let det = frame[j as usize];
            let (xp, pp) = lpred[k];
            if self.update_los(li, &det, t, xp, pp) {
                used[j as usize] = true;
                updated_los.push(li);
                self.stats.updates_2d += 1;
            }
        }
        for (j, det) in frame.iter().enumerate() {
            if used[j] {
                continue;
            }
            self.start_los(det);
            used[j] = true;
        }

        // ---- Stereo initiation from the angle tracks updated in this frame.
        for li in updated_los.drain(..) {
            if self.los[li].alive && self.los[li].hits >= self.fx.cfg.los_min_hits {
                self.try_triangulate(li, t);
            }
        }
        self.frame_scratch = sc;

        // ---- Maintenance, merging, reports.
        self.maintain(t);
        if t - self.last_merge >= 1.0 {
            self.merge_duplicates();
            self.last_merge = t;
        }
        self.confirm_and_report(t, out);
    }

    fn update_los(&mut self, li: usize, det: &Detection, t: f64, xp: Vector4<f64>, pp: Matrix4<f64>) -> bool {
        let use_rates = self.fx.cfg.use_rates;
        let lt = &mut self.los[li];
        let u = Vector3::from(det.los_eci);
        let Some(z) = lt.gnomonic(&u) else { return false };
        let m = lt.basis_map(&u);
        let bv = lt.bias_var;
        let r = m
            * Matrix2::new(det.cov_rad2[0] - bv, det.cov_rad2[1], det.cov_rad2[1], det.cov_rad2[2] - bv)
            * m.transpose();
        let has_rates = use_rates
            && det.rate_rad_s.iter().all(|v| v.is_finite())
            && det.rate_var_rad2_s2.iter().all(|v| v.is_finite() && *v > 0.0);
        let (x, p) = if has_rates {
            // Rates along the detection basis map to gnomonic rates (first order).
            let zr = m * Vector2::from(det.rate_rad_s);
            let rr =
                m * Matrix2::new(det.rate_var_rad2_s2[0], 0.0, 0.0, det.rate_var_rad2_s2[1]) * m.transpose();
            let zz = Vector4::new(z[0], z[1], zr[0], zr[1]);
            let mut rfull = Matrix4::zeros();
            rfull.fixed_view_mut::<2, 2>(0, 0).copy_from(&r);
            rfull.fixed_view_mut::<2, 2>(2, 2).copy_from(&rr);
            kf_update::<4>(&xp, &pp, &zz, &SMatrix::<f64, 4, 4>::identity(), &rfull)
        } else {
            let mut h = SMatrix::<f64, 2, 4>::zeros();
            h[(0, 0)] = 1.0;
            h[(1, 1)] = 1.0;
            kf_update::<2>(&xp, &pp, &z, &h, &r)
        }
        .unwrap_or((xp, pp));
        lt.x = x;
        lt.p = p;
        lt.t = t;
        lt.hits += 1;
        if lt.x[0].abs() > 0.02 || lt.x[1].abs() > 0.02 {
            lt.recenter();
        }
        true
    }

    fn start_los(&mut self, det: &Detection) {
        let u = Vector3::from(det.los_eci);
        let (e1, e2) = tl_core::geom::los_basis(&u);
        let s = self.fx.cfg.los_init_rate_std_rad_s;
        let mut x = Vector4::zeros();
        let mut p = Matrix4::zeros();
        let bias_var = self.fx.bias_var(det);
        p[(0, 0)] = det.cov_rad2[0] - bias_var;
        p[(0, 1)] = det.cov_rad2[1];
        p[(1, 0)] = det.cov_rad2[1];
        p[(1, 1)] = det.cov_rad2[2] - bias_var;
        p[(2, 2)] = s * s;
        p[(3, 3)] = s * s;
        if self.fx.cfg.use_rates
            && det.rate_rad_s.iter().all(|v| v.is_finite())
            && det.rate_var_rad2_s2.iter().all(|v| v.is_finite() && *v > 0.0)
        {
            x[2] = det.rate_rad_s[0];
            x[3] = det.rate_rad_s[1];
            p[(2, 2)] = det.rate_var_rad2_s2[0];
            p[(3, 3)] = det.rate_var_rad2_s2[1];
        }
        self.los_min_t = self.los_min_t.min(det.t_obs_s);
        self.los.push(LosTrack {
            sat: det.sat_id,
            sensor: det.sensor_id,
            t: det.t_obs_s,
            u0: u,
            e1,
            e2,
            x,
            p,
            hits: 1,
            alive: true,
            bias_var,
        });
        self.los_index.entry(sensor_key(det.sat_id, det.sensor_id)).or_default().push(self.los.len() - 1);
        self.stats.los_tracks_started += 1;
    }

    /// Ray and rate-ray of an angle track at time `t` (predicted), from satellite
    /// ephemeris `sat` (position/velocity at `t`).
    fn los_ray(&self, lt: &LosTrack, t: f64) -> Option<RateRay> {
        let (x, p) = lt.predicted(t, self.fx.cfg.los_q_rad2_s3);
        let (u, ud) = lt.los_of(&x);
        let (sp, sv) = self.ephem.get(lt.sat as usize)?.at(t)?;
        let (e1, e2) = tl_core::geom::los_basis(&u);
        let m = Matrix2::new(e1.dot(&lt.e1), e1.dot(&lt.e2), e2.dot(&lt.e1), e2.dot(&lt.e2));
        let ca = m * p.fixed_view::<2, 2>(0, 0) * m.transpose() + Matrix2::identity() * lt.bias_var;
        let cr = m * p.fixed_view::<2, 2>(2, 2) * m.transpose();
        Some(RateRay {
            ray: Ray { origin_m: sp, dir: u, cov_rad2: ca },
            origin_vel_m_s: sv,
            rate_rad_s: Vector2::new(e1.dot(&ud), e2.dot(&ud)),
            rate_cov: cr,
        })
    }

    fn try_triangulate(&mut self, li: usize, t: f64) {
        let Some(ra) = self.los_ray(&self.los[li], t) else { return };
        let sat_a = self.los[li].sat;
        let mut best: Option<(f64, usize, crate::triangulate::Fix, RateRay)> = None;
        for (lj, lt) in self.los.iter().enumerate() {
            if !lt.alive
                || lt.sat == sat_a
                || lt.hits < self.fx.cfg.los_min_hits
                || (lt.t - t).abs() > self.fx.cfg.tri_max_dt_s
            {
                continue;
            }
            let Some(rb) = self.los_ray(lt, t) else { continue };
            let Some(fix) = triangulate(&[ra.ray, rb.ray]) else { continue };
            if fix.chi2 > self.fx.cfg.tri_gate_chi2
                || fix.max_parallax_rad < self.fx.cfg.tri_min_parallax_deg.to_radians()
            {
                continue;
            }
            let alt = crate::motion::approx_altitude_m(&fix.pos_m);
            if alt < self.fx.cfg.tri_alt_range_m[0] || alt > self.fx.cfg.tri_alt_range_m[1] {
                continue;
            }
            if best.as_ref().is_none_or(|b| fix.chi2 < b.0) {
                best = Some((fix.chi2, lj, fix, rb));
            }
        }
        let Some((_, lj, fix, rb)) = best else { return };
        // More views: every other satellite's angle track whose ray passes the fix within
        // its uncertainty (2-dof gate, 99 %) joins, one per satellite, and the point is
        // triangulated again from all of them (more rays: better accuracy, and a wrong
        // pairing - a ghost - rarely survives a third view).
        let mut members: Vec<usize> = vec![li, lj];
        let mut rays: Vec<RateRay> = vec![ra, rb];
        let mut best_per_sat: Vec<(u32, f64, usize, RateRay)> = Vec::new();
        for (lk, lt) in self.los.iter().enumerate() {
            if !lt.alive
                || lt.sat == sat_a
                || lt.sat == self.los[lj].sat
                || lt.hits < self.fx.cfg.los_min_hits
                || (lt.t - t).abs() > self.fx.cfg.tri_max_dt_s
            {
                continue;
            }
            let Some(rc) = self.los_ray(lt, t) else { continue };
            let d = fix.pos_m - rc.ray.origin_m;
            let rho = d.dot(&rc.ray.dir);
            if rho <= 0.0 {
                continue;
            }
            let (e1, e2) = tl_core::geom::los_basis(&rc.ray.dir);
            let e = SMatrix::<f64, 2, 3>::from_rows(&[e1.transpose(), e2.transpose()]);
            let off = e * d;
            let c = rc.ray.cov_rad2 * (rho * rho) + e * fix.cov_m2 * e.transpose();
            let Some(sf) = SpdFactor::new(&c) else { continue };
            let d2 = sf.mahalanobis2(&off);
            if d2 > 9.21 {
                continue;
            }
            match best_per_sat.iter_mut().find(|b| b.0 == lt.sat) {
                Some(b) if d2 < b.1 => *b = (lt.sat, d2, lk, rc),
                Some(_) => {}
                None => best_per_sat.push((lt.sat, d2, lk, rc)),
            }
        }
        best_per_sat.sort_by(|a, b| a.1.total_cmp(&b.1));
        for (_, _, lk, rc) in best_per_sat.into_iter().take(6) {
            members.push(lk);
            rays.push(rc);
        }
        let fix = if rays.len() > 2 {
            let plain: Vec<Ray> = rays.iter().map(|r| r.ray).collect();
            match triangulate(&plain) {
                Some(f) if f.chi2 <= crate::linalg::chi2_quantile(0.999, (2 * rays.len() - 3) as f64) => f,
                _ => {
                    members.truncate(2);
                    rays.truncate(2);
                    fix
                }
            }
        } else {
            fix
        };
        // An existing 3-D track already explains this point: drop the angle tracks.
        for tr in self.tracks.iter().filter(|t| t.alive) {
            let g = tr.imm.combined();
            let dt = t - tr.imm.t_s;
            let r = Vector3::new(g.x[0], g.x[1], g.x[2]) + Vector3::new(g.x[3], g.x[4], g.x[5]) * dt;
            let c = g.p.fixed_view::<3, 3>(0, 0) + g.p.fixed_view::<3, 3>(3, 3) * (dt * dt) + fix.cov_m2;
            if let Some(sf) = SpdFactor::new(&c.into_owned())
                && sf.mahalanobis2(&(fix.pos_m - r)) < 16.3
            {
                for &m in &members {
                    self.los[m].alive = false;
                }
                return;
            }
        }
        let Some((v, pv)) = velocity_from_rates(&fix.pos_m, &rays) else { return };
        let mut x = StateVec::zeros();
        let mut p = StateCov::zeros();
        for i in 0..3 {
            x[i] = fix.pos_m[i];
            x[3 + i] = v[i];
        }
        let infl = self.fx.cfg.init_vel_inflation * self.fx.cfg.init_vel_inflation;
        p.fixed_view_mut::<3, 3>(0, 0).copy_from(&fix.cov_m2);
        p.fixed_view_mut::<3, 3>(3, 3).copy_from(&(pv * infl));
        x[IX_THRUST] = self.fx.cfg.init_thrust_m_s2[0];
        p[(IX_THRUST, IX_THRUST)] = self.fx.cfg.init_thrust_m_s2[1].powi(2);
        x[IX_DRAG] = self.fx.cfg.init_drag_m2_kg[0];
        p[(IX_DRAG, IX_DRAG)] = self.fx.cfg.init_drag_m2_kg[1].powi(2);
        if guard_pd(&mut p).is_err() {
            return;
        }
        // The fix inherits each ray's pointing bias: cross-covariance J_i H_b,i b_var_i.
        let mut bias = Vec::new();
        let mut sats = 0u64;
        for (k, &m) in members.iter().enumerate() {
            let lt = &self.los[m];
            sats |= 1u64 << (lt.sat % 64);
            if lt.bias_var <= 0.0 {
                continue;
            }
            let Some((sp, sv)) = self.ephem.get(lt.sat as usize).and_then(|e| e.at(t)) else { continue };
            let hb = bias_map(&rays[k].ray.dir, &nadir_frame(&sp, &sv));
            let c3 = fix.angle_sens_m_rad[k] * hb * lt.bias_var;
            let mut blk = BiasCross::zeros();
            blk.fixed_view_mut::<3, 3>(0, 0).copy_from(&c3);
            bias.push(BiasBlock::new(sensor_key(lt.sat, lt.sensor), t, blk));
        }
        let bias = BiasStore { blocks: bias, maps: Vec::new() };
        let imm = ImmState::new(&self.fx.cfg.imm, t, Gaussian { x, p });
        self.tracks.push(Box::new(Track3 {
            uid: self.next_uid,
            id: None,
            gate_prior: None,
            imm: Arc::new(imm),
            version: self.next_version,
            t_created: t,
            t_last_update: t,
            n_updates: 0,
            sats,
            last_report: None,
            products: ProductState::default(),
            last_products: None,
            product_job: None,
            alive: true,
            bias: Arc::new(bias),
        }));
        self.hot.push(TrackHot::of(self.tracks.last().expect("just pushed")));
        self.note_change(self.hot.len() - 1);
        self.next_uid += 1;
        self.next_version += 1;
        self.stats.tracks_started += 1;
        for &m in &members {
            self.los[m].alive = false;
        }
    }

    fn maintain(&mut self, t: f64) {
        // Angle tracks: none can have coasted too long unless the oldest update time
        // (`los_min_t`, a lower bound) has (`t - a <= t - b` for `a >= b` in floating
        // point too), so the scan of all of them runs only then, not on every frame.
        if t - self.los_min_t > self.fx.cfg.los_max_coast_s {
            let mut dead = 0usize;
            let mut min_t = f64::INFINITY;
            for lt in self.los.iter_mut() {
                if lt.alive && t - lt.t > self.fx.cfg.los_max_coast_s {
                    lt.alive = false;
                }
                dead += usize::from(!lt.alive);
                if lt.alive {
                    min_t = min_t.min(lt.t);
                }
            }
            self.los_min_t = min_t;
            // Compact (and re-index) only once half the angle tracks are dead: every loop
            // over `los` skips dead ones, and compaction keeps the live ones' order.
            if dead > 0 && 2 * dead >= self.los.len() {
                self.los.retain(|l| l.alive);
                self.los_index.clear();
                for (i, lt) in self.los.iter().enumerate() {
                    self.los_index.entry(sensor_key(lt.sat, lt.sensor)).or_default().push(i);
                }
            }
        }
        // 3-D tracks: only when one could be due for deletion (`ScanBounds`).
        let sc = &self.scans;
        if !(t - sc.min_update_t > self.fx.cfg.delete_after_coast_s
            || t - sc.min_unconfirmed_created_t > self.fx.cfg.confirm_window_s
            || sc.bad_cov)
        {
            #[cfg(debug_assertions)]
            for h in self.hot.iter().filter(|h| h.alive) {
                debug_assert!(
                    t - h.t_last_update <= self.fx.cfg.delete_after_coast_s
                        && h.pos_sd_max <= self.fx.cfg.max_pos_std_m
                        && (h.confirmed || t - h.t_created <= self.fx.cfg.confirm_window_s),
                    "a track due for deletion was not scanned"
                );
            }
            return;
        }
        // Delete, and make the bounds exact again over the tracks left.
        let mut deleted = 0;
        let sc = &mut self.scans;
        sc.bad_cov = false;
        sc.min_update_t = f64::INFINITY;
        sc.min_unconfirmed_created_t = f64::INFINITY;
        for (k, h) in self.hot.iter_mut().enumerate().filter(|(_, h)| h.alive) {
            let pos_sd = h.pos_sd_max;
            let coast = t - h.t_last_update;
            let failed_confirm = !h.confirmed && t - h.t_created > self.fx.cfg.confirm_window_s;
            if coast > self.fx.cfg.delete_after_coast_s
                || pos_sd.is_nan()
                || pos_sd > self.fx.cfg.max_pos_std_m
                || failed_confirm
            {
                h.alive = false;
                self.tracks[k].alive = false;
                deleted += 1;
            } else {
                sc.include(h, self.fx.cfg.max_pos_std_m);
            }
        }
        self.stats.tracks_deleted += deleted;
        if deleted > 0 {
            self.remove_dead_tracks();
        }
    }

    /// Drop the dead 3-D tracks (and their hot fields), keeping the order of the rest.
    fn remove_dead_tracks(&mut self) {
        let n = self.tracks.len();
        if !self.scans.touched.is_empty() && self.hot.iter().any(|h| !h.alive) {
            let mut new_index = vec![u32::MAX; n];
            let mut c = 0;
            for (i, h) in self.hot.iter().enumerate() {
                if h.alive {
                    new_index[i] = c;
                    c += 1;
                }
            }
            self.scans.touched.retain_mut(|k| {
                *k = new_index[*k as usize];
                *k != u32::MAX
            });
        }
        self.tracks.retain(|t| t.alive);
        self.hot.retain(|h| h.alive);
        debug_assert_eq!(self.tracks.len(), self.hot.len());
        if self.tracks.len() != n
            && let Some(ix) = self.index.as_mut()
        {
            // Renumbered: the next frame builds the index afresh.
            ix.valid = false;
        }
    }

    /// After a change of track `ti`'s hot fields (refreshed already): keep the scans'
    /// bounds and list of touched tracks true.
    fn note_change(&mut self, ti: usize) {
        self.scans.include(&self.hot[ti], self.fx.cfg.max_pos_std_m);
        self.scans.touched.push(ti as u32);
    }

    /// After a change of track `ti`'s IMM (or of the fields `TrackHot` mirrors): refresh
    /// its hot fields, drop its gating prediction and enter it in the pre-gate index again.
    fn imm_changed(&mut self, ti: usize) {
        self.tracks[ti].gate_prior = None;
        self.tracks[ti].version = self.next_version;
        self.next_version += 1;
        self.hot[ti] = TrackHot::of(&self.tracks[ti]);
        self.note_change(ti);
        if let Some(ix) = self.index.as_mut()
            && ix.valid
        {
            ix.enter(ti, &self.hot[ti], false);
        }
    }

    /// The pre-gate's candidates of a frame from the spatial index, marked in its grid's
    /// query set: false if the frame should scan all tracks instead (no
    /// index, few tracks, many lines of sight, or an angular slack beyond the index's
    /// room). Builds the index afresh when its window has passed or tracks were removed.
    fn index_candidates(&mut self, fp: &FramePregate) -> bool {
        if !self.index_usable(fp) {
            return false;
        }
        let n = self.hot.len();
        let Some(ix) = self.index.as_mut() else { return false };
        if !ix.valid || fp.t > ix.until || fp.t < ix.t0 {
            ix.grid.clear();
            ix.entered.clear();
            ix.t0 = fp.t;
            ix.until = fp.t + GRID_WINDOW_S;
            for (ti, h) in self.hot.iter().enumerate() {
                ix.enter(ti, h, true);
            }
            ix.n = n;
            ix.valid = true;
        }
        ix.query(fp, n, &mut self.pregate_seen);
        self.stats.pregate_indexed_frames += 1;
        true
    }

    /// Whether the pre-gate of frame `fp` can use the index: there is one, enough
    /// tracks for it to pay, few enough lines of sight, and an angular slack within
    /// the index's room.
    fn index_usable(&self, fp: &FramePregate) -> bool {
        let n = self.hot.len();
        if self.index.is_none() || n < GRID_MIN_TRACKS || fp.frame.len() * 32 > n {
            return false;
        }
        // The largest range of a track inside the index's shell.
        let rho_max = fp.sat_pos.norm() + GRID_SHELL_M[1];
        fp.noise_slack * rho_max <= GRID_PAD_M[0]
            && fp.noise_slack.max(FramePregate::MANEUVER_SLACK_RAD) * rho_max <= GRID_PAD_M[1]
    }

    /// Pairs `(a, b)`, `a < b`, of live tracks that could pass the merge test of
    /// [`Self::merge_duplicates`], as `cands[a]` = sorted `b`s; `gs` are the tracks'
    /// combined estimates. Exact pre-test (no pair that merges is left out):
    /// for SPD `C`, `d^T C^-1 d >= |d|^2 / trace(C)`, so a merging pair has
    /// `|d| < R = sqrt(merge_d2 (T_a + T_b)) <= r_a + r_b` (`T`: trace of the 6x6
    /// position-velocity block, `r = sqrt(merge_d2 T)`), both in position and velocity.
    /// With every track moved linearly to the latest track time `t0`, `q = x + v (t0 - t)`,
    /// `q_b - q_a = d_pos + (v_b - v_a)(t0 - t_b)`, so `|q_b - q_a| <= (r_a + r_b)(1 + dt_max)`:
    /// a sweep over the x-coordinate intervals `q_x -/+ r (1 + dt_max)` finds the
    /// candidates in O(n log n + pairs) instead of testing all n^2 / 2 pairs.
    fn merge_candidates(&self, gs: &[Gaussian]) -> Vec<Vec<u32>> {
        let n = self.tracks.len();
        let mut cands: Vec<Vec<u32>> = vec![Vec::new(); n];
        let live = || (0..n).filter(|&i| self.tracks[i].alive);
        let Some(t0) = live().map(|i| self.tracks[i].imm.t_s).max_by(f64::total_cmp) else { return cands };
        let dt_max = live().map(|i| (t0 - self.tracks[i].imm.t_s).abs()).fold(0.0, f64::max);
        // 1 % margin over the bound for round-off in the Cholesky-based test.
        let grow = 1.01 * (1.0 + dt_max);
        let mut iv: Vec<(f64, f64, u32)> = live()
            .filter_map(|i| {
                let g = &gs[i];
                let tr6: f64 = (0..6).map(|k| g.p[(k, k)]).sum();
                let w = (self.fx.cfg.merge_d2 * tr6).sqrt() * grow;
                let q = g.x[0] + g.x[3] * (t0 - self.tracks[i].imm.t_s);
                (w.is_finite() && q.is_finite()).then_some((q - w, q + w, i as u32))
            })
            .collect();
        iv.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.2.cmp(&b.2)));
        for (k, &(_, hi, i)) in iv.iter().enumerate() {
            for &(lo2, _, j) in &iv[k + 1..] {
                if lo2 > hi {
                    break;
                }
                let (a, b) = if i < j { (i, j) } else { (j, i) };
                cands[a as usize].push(b);
            }
        }
        for c in cands.iter_mut() {
            c.sort_unstable();
        }
        cands
    }

    fn merge_duplicates(&mut self) {
        let n = self.tracks.len();
        // Combined estimates once per track (the loop below only changes `alive`/`sats`).
        let gs: Vec<Gaussian> = self.tracks.iter().map(|t| t.imm.combined()).collect();
        let cands = self.merge_candidates(&gs);
        for a in 0..n {
            if !self.tracks[a].alive {
                continue;
            }
            for &b in &cands[a] {
                let b = b as usize;
                if !self.tracks[b].alive {
                    continue;
                }
                let (ta, tb) = (&self.tracks[a], &self.tracks[b]);
                let (ga, gb) = (&gs[a], &gs[b]);
                let dt = tb.imm.t_s - ta.imm.t_s;
                let mut d = gb.x.fixed_rows::<6>(0).into_owned() - ga.x.fixed_rows::<6>(0).into_owned();
                for i in 0..3 {
                    d[i] -= ga.x[3 + i] * dt;
                }
                let c = ga.p.fixed_view::<6, 6>(0, 0) + gb.p.fixed_view::<6, 6>(0, 0);
                let Some(sf) = SpdFactor::new(&c.into_owned()) else { continue };
                if sf.mahalanobis2(&d) < self.fx.cfg.merge_d2 {
                    // Keep the confirmed / older / more-updated track.
                    let keep_a = match (ta.id, tb.id) {
                        (Some(x), Some(y)) => x < y,
                        (Some(_), None) => true,
                        (None, Some(_)) => false,
                        (None, None) => ta.n_updates >= tb.n_updates,
                    };
                    let (keep, drop) = if keep_a { (a, b) } else { (b, a) };
                    let sats = self.tracks[drop].sats;
                    self.tracks[keep].sats |= sats;
                    self.hot[keep].sats = self.tracks[keep].sats;
                    self.note_change(keep);
                    self.tracks[drop].alive = false;
                    self.hot[drop].alive = false;
                    self.stats.tracks_merged += 1;
                    if drop == a {
                        break;
                    }
                }
            }
        }
        self.remove_dead_tracks();
    }

    fn confirm_and_report(&mut self, t: f64, out: &mut Vec<TrackReport>) {
        // Only the touched tracks can be confirmed or reported (`ScanBounds::touched`),
        // visited in the order of a scan of all.
        let mut touched = std::mem::take(&mut self.scans.touched);
        touched.sort_unstable();
        touched.dedup();
        #[cfg(debug_assertions)]
        for (k, h) in self.hot.iter().enumerate() {
            let acts =
                (!h.confirmed && h.n_updates >= self.fx.cfg.confirm_updates && h.sats.count_ones() >= 2)
                    || (h.confirmed && h.t_last_update == t);
            debug_assert!(
                !acts || touched.binary_search(&(k as u32)).is_ok(),
                "track {k} due but not touched"
            );
        }
        for &k in &touched {
            let k = k as usize;
            let h = &mut self.hot[k];
            let confirm =
                !h.confirmed && h.n_updates >= self.fx.cfg.confirm_updates && h.sats.count_ones() >= 2;
            if !confirm && (h.t_last_update != t || !h.confirmed) {
                continue;
            }
            h.confirmed = true;
            let tr = &mut self.tracks[k];
            if confirm {
                tr.id = Some(self.next_id);
                self.next_id += 1;
                self.stats.tracks_confirmed += 1;
                // The confirming update's records (still in the log) carry the new id.
                if let Some(log) = self.update_log.as_mut() {
                    for r in log.iter_mut().filter(|r| r.track_uid == tr.uid) {
                        r.track_id = tr.id;
                    }
                }
            }
            if tr.t_last_update != t || tr.id.is_none() {
                continue;
            }
            let g = tr.imm.combined();
            let pb = tr.imm.prob_thrusting();
            // The launch/impact computation, when due, runs at the end of the release
            // (`resolve_products`), which also refreshes these products.
            let (prod, job) = tr.products.step_deferred(t, &g, pb, &self.fx.cfg.products);
            if let Some(job) = job {
                if let Some(k) = tr.product_job {
                    // Due again before the previous one was applied (`compute_every_s`
                    // shorter than a release): apply that one now.
                    let r = self.product_jobs[k].0.compute(
                        &self.fx.cfg.motion,
                        &self.fx.cfg.products,
                        &self.earth,
                    );
                    tr.products.apply(&r);
                    self.product_jobs[k].2 = Some(r);
                }
                tr.product_job = Some(self.product_jobs.len());
                self.product_jobs.push((job, tr.products.clone(), None));
            }
            tr.last_products = Some(prod);
            let due = tr.last_report.is_none_or(|l| t - l >= self.fx.cfg.report_every_s);
            if due {
                tr.last_report = Some(t);
                if let Some(k) = tr.product_job {
                    self.product_patches.push((out.len(), k));
                }
                out.push(make_report(tr, &g, t, true, prod));
            }
        }
        // Tracks updated at `t` are reported again by a later frame at the same time.
        touched.retain(|&k| self.hot[k as usize].t_last_update == t);
        self.scans.touched = touched;
    }

    /// Predicted states of all confirmed tracks at `t_s` (for a run loop that samples
    /// tracks on its own clock). Products are the latest computed ones.
    pub fn snapshot(&self, t_s: f64, out: &mut Vec<TrackReport>) {
        // Each report is a pure function of its track (an IMM prediction to `t_s`): made
        // in parallel, kept in track order.
        use rayon::prelude::*;
        let report = |tr: &Track3| {
            if !tr.alive || tr.id.is_none() {
                return None;
            }
            let prod = tr.last_products?;
            let g = if t_s > tr.imm.t_s {
                self.fx.predict(&tr.imm, t_s).ok()?.combined()
            } else {
                tr.imm.combined()
            };
            Some(make_report(tr, &g, t_s.max(tr.imm.t_s), false, prod))
        };
        let reports: Vec<Option<TrackReport>> =
            self.tracks.par_iter().with_min_len(SNAPSHOT_MIN_TRACKS).map(|tr| report(tr)).collect();
        out.extend(reports.into_iter().flatten());
    }

    /// Out-of-sequence frame: update the 3-D tracks it gates with by retrodiction.
    fn process_oosm(&mut self, frame: &[Detection]) {
        let t = frame[0].t_obs_s;
        let k_gate = pregate_k(self.fx.cfg.gate_d2);
        for det in frame {
            let ang =
                AngleMeas::new(Vector3::from(det.sat_pos_eci_m), Vector3::from(det.los_eci), det.cov_rad2);
            let one = std::slice::from_ref(det);
            let noise_slack = k_gate * frame_noise_sigma(one) + 1e-6;
            let fp = FramePregate { t, sat_pos: ang.sat_pos_m, frame: one, cone: None, k_gate, noise_slack };
            let mut best: Option<(f64, usize)> = None;
            // The compact hot fields first (`alive`, `t_s` mirror the track's): reading
            // every track itself cost a cache miss per track and late detection.
            for (ti, h) in self.hot.iter().enumerate() {
                // The pre-gate's bound run backwards (live tracks at or after `t` only;
                // every track the gate below could pass gets through; the retrodiction
                // it spares is a full one).
                if !fp.near_retro(h) {
                    continue;
                }
                let tr = &self.tracks[ti];
                debug_assert_eq!(*h, TrackHot::of(tr), "track {ti}: hot fields not refreshed");
                let g = tr.imm.combined();
                let dt = t - tr.imm.t_s;
                let (xr, phi) = propagate_with_stm(ModelKind::Ballistic, &g.x, dt, &self.fx.cfg.motion);
                let pr = matmul(&matmul(&phi, &g.p), &phi.transpose())
                    + process_noise(ModelKind::Ballistic, &g.x, dt, &self.fx.cfg.motion);
                let gr = Gaussian { x: xr, p: pr };
                if let Ok(inn) = innovation(FilterKind::Ekf, &gr, &ang)
                    && inn.d2 <= self.fx.cfg.gate_d2
                    && best.is_none_or(|b| inn.d2 < b.0)
                {
                    best = Some((inn.d2, ti));
                }
            }
            let Some((_, ti)) = best else {
                self.stats.oosm_unused += 1;
                continue;
            };
            let motion = &self.fx.cfg.motion;
            let tr = &mut self.tracks[ti];
            let mut ok = true;
            for m in 0..tr.imm.n {
                let kind = tr.imm.kinds[m];
                let g = tr.imm.modes[m];
                let dt = t - tr.imm.t_s;
                let (xr, phi) = propagate_with_stm(kind, &g.x, dt, motion);
                let pr =
                    matmul(&matmul(&phi, &g.p), &phi.transpose()) + process_noise(kind, &g.x, dt, motion);
                let h = ang.jacobian(&xr);
                let s = matmul(&matmul(&h, &pr), &h.transpose()) + ang.r();
                let Some(sf) = SpdFactor::new(&s) else {
                    ok = false;
                    continue;
                };
                let nu = ang.z() - ang.h(&xr);
                let pxz = matmul(&matmul(&g.p, &phi.transpose()), &h.transpose());
                let sinv = sf.inverse();
                let k = matmul(&pxz, &sinv);
                let x = g.x + k * nu;
                let mut p = g.p - matmul(&matmul(&k, &s), &k.transpose());
                if guard_pd(&mut p).is_ok() && x.iter().all(|v| v.is_finite()) {
                    Arc::make_mut(&mut tr.imm).modes[m] = Gaussian { x, p };
                } else {
                    ok = false;
                }
            }
            if ok {
                self.stats.oosm_applied += 1;
                tr.n_updates += 1;
                tr.sats |= 1u64 << (det.sat_id % 64);
            } else {
                self.stats.refused_updates += 1;
            }
            self.imm_changed(ti);
        }
    }

    /// Ids (uid, confirmed id) of live tracks, for tests and diagnostics.
    pub fn track_ids(&self) -> Vec<(u64, Option<u64>)> {
        self.tracks.iter().filter(|t| t.alive).map(|t| (t.uid, t.id)).collect()
    }

    /// The estimate of live confirmed track `track_id` conditioned on the IMM mode
    /// `kind`, at its last filter time: `(time s, mode probability, estimate)`; `None`
    /// for an unknown track or a mode the IMM does not run. Fire control predicts a
    /// boosting track from its boost-mode estimate (`tl_track::predict`).
    pub fn mode_estimate(&self, track_id: u64, kind: ModelKind) -> Option<(f64, f64, Gaussian)> {
        let tr = self.tracks.iter().find(|t| t.alive && t.id == Some(track_id))?;
        let m = (0..tr.imm.n).find(|&m| tr.imm.kinds[m] == kind)?;
        Some((tr.imm.t_s, tr.imm.mu[m], tr.imm.modes[m]))
    }

    /// Combined estimates of live confirmed tracks (id, time, estimate).
    pub fn estimates(&self) -> Vec<(u64, f64, Gaussian)> {
        self.tracks
            .iter()
            .filter(|t| t.alive && t.id.is_some())
            .map(|t| (t.id.unwrap_or(0), t.imm.t_s, t.imm.combined()))
            .collect()
    }
}

fn make_report(tr: &Track3, g: &Gaussian, t: f64, is_update: bool, products: Products) -> TrackReport {
    let mut cov = [[0.0; 6]; 6];
    for i in 0..6 {
        for j in 0..6 {
            cov[i][j] = g.p[(i, j)];
        }
    }
    let mp = mode_probs(&tr.imm);
    TrackReport {
        t_s: t,
        track_id: tr.id.unwrap_or(u64::MAX),
        t_update_s: tr.t_last_update,
        pos_eci_m: [g.x[0], g.x[1], g.x[2]],
        vel_eci_m_s: [g.x[3], g.x[4], g.x[5]],
        thrust_m_s2: g.x[IX_THRUST],
        inv_ballistic_m2_kg: g.x[IX_DRAG],
        cov_pv: cov,
        mode_prob: mp,
        n_updates: tr.n_updates,
        n_sats: tr.sats.count_ones(),
        is_update,
        products,
    }
}

/// Linear Kalman update with Joseph form for the 4-state angle tracks.
fn kf_update<const M: usize>(
    x: &Vector4<f64>,
    p: &Matrix4<f64>,
    z: &SMatrix<f64, M, 1>,
    h: &SMatrix<f64, M, 4>,
    r: &SMatrix<f64, M, M>,
) -> Option<(Vector4<f64>, Matrix4<f64>)> {
    let s = h * p * h.transpose() + r;
    let sf = SpdFactor::new(&s)?;
    let k = p * h.transpose() * sf.inverse();
    let xn = x + k * (z - h * x);
    let ikh = Matrix4::identity() - k * h;
    let mut pn = ikh * p * ikh.transpose() + k * r * k.transpose();
    guard_pd(&mut pn).ok()?;
    Some((xn, pn))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lazily applied block maps give the values of mapping every block at every
    /// update (within the rounding of the products' association): 60 updates of 5
    /// blocks by random contracting maps, with own blocks, a block added midway and
    /// rebases every `LAZY_BIAS_MAPS` updates.
    #[test]
    fn lazy_bias_maps_equal_eager_application() {
        let mut rng = tl_core::rng::RngStream::new(7, 0, 0, "lazy-bias-test");
        let mut rand_m = |scale: f64| {
            let mut m = StateCov::identity() * 0.97;
            for v in m.iter_mut() {
                *v += scale * (rng.uniform() - 0.5);
            }
            m
        };
        let mut store = BiasStore::default();
        let mut eager: Vec<BiasCross> = Vec::new();
        for k in 0..4u64 {
            let c = BiasCross::from_fn(|i, j| ((i * 3 + j) as f64 + 1.0) * 1e-3 * (k as f64 + 1.0));
            store.blocks.push(BiasBlock::new(k, 0.0, c));
            eager.push(c);
        }
        let mut rebased = 0;
        for step in 0..60usize {
            if step == 23 {
                store.add_zero_block(9, 0.0);
                eager.push(BiasCross::zeros());
            }
            let u = SharedBlockUpdate {
                map: rand_m(0.05),
                own_term: BiasCross::from_fn(|i, j| 1e-4 * ((i + j + step) % 5) as f64),
            };
            let own = (step % 3 != 0).then_some(step % store.blocks.len());
            for (i, c) in eager.iter_mut().enumerate() {
                *c = if own == Some(i) { u.own_block(c) } else { u.map * *c };
            }
            let cur = own.map(|i| (i, store.current(i)));
            store.apply_shared(cur, &u);
            rebased += usize::from(store.maps.is_empty());
            for (i, c) in eager.iter().enumerate() {
                let lazy = store.current(i);
                assert!(
                    (lazy - c).norm() <= 1e-12 * c.norm().max(1e-12),
                    "step {step} block {i}: {lazy} vs {c}"
                );
            }
        }
        assert_eq!(rebased, 60 / LAZY_BIAS_MAPS);
        // The maps did change the blocks (the comparison is not between constants).
        assert!(eager[0].norm() < 0.5 * BiasCross::from_fn(|i, j| ((i * 3 + j) as f64 + 1.0) * 1e-3).norm());
    }

    /// The gating extrapolation is the constant-velocity transition: mean `x + v dt`,
    /// covariance `F P F^T` with `F = I + dt E` (E: velocity into position), checked
    /// against the explicit product on a full, correlated covariance.
    #[test]
    fn gating_extrapolation_is_constant_velocity_transition() {
        let x = StateVec::from_fn(|i, _| 1_000.0 * (i as f64 + 1.0));
        let l = StateCov::from_fn(|i, j| if j <= i { 1.0 + 0.1 * (i * 8 + j) as f64 } else { 0.0 });
        let g = Gaussian { x, p: l * l.transpose() };
        let dt = 0.07;
        let mut f = StateCov::identity();
        for i in 0..3 {
            f[(i, i + 3)] = dt;
        }
        let e = extrapolate_for_gating(&g, dt);
        let want_x = f * g.x;
        let want_p = f * g.p * f.transpose();
        assert!((e.x - want_x).norm() <= 1e-12 * want_x.norm());
        assert!((e.p - want_p).norm() <= 1e-12 * want_p.norm());
        assert_eq!(extrapolate_for_gating(&g, 0.0).x, g.x);
    }

    #[test]
    fn cos_floor_is_below_cos() {
        for i in 0..=10_000 {
            let x = std::f64::consts::PI * i as f64 / 10_000.0;
            assert!(cos_floor(x) <= x.cos() + 1e-15, "x = {x}");
        }
        assert!((cos_floor(1e-3) - 1e-3f64.cos()).abs() < 1e-13);
    }

    #[test]
    fn gate_reuse_is_validated() {
        let cfg = SpaceConfig { gate_reuse_s: 2.0, ..SpaceConfig::default() };
        let e = cfg.validate("tracker.space").unwrap_err().to_string();
        assert!(e.contains("tracker.space.gate_reuse_s") && e.contains('2'), "{e}");
    }

    /// `bias_blocks` takes its two names and refuses others naming both.
    #[test]
    fn bias_blocks_parse_and_refuse_unknown_names() {
        let cfg: SpaceConfig = toml::from_str("bias_blocks = \"shared\"").unwrap();
        assert_eq!(cfg.bias_blocks, BiasBlocks::Shared);
        assert_eq!(SpaceConfig::default().bias_blocks, BiasBlocks::PerMode);
        let e = toml::from_str::<SpaceConfig>("bias_blocks = \"shard\"").unwrap_err().to_string();
        assert!(e.contains("shard") && e.contains("per-mode") && e.contains("shared"), "{e}");
    }

    #[test]
    fn pregate_grid_is_validated() {
        for ok in [0.0, 10.0, 300.0, 20_000.0] {
            let cfg = SpaceConfig { pregate_grid_km: ok, ..Default::default() };
            assert!(cfg.validate("tracker.space").is_ok(), "{ok}");
        }
        for bad in [-1.0, 5.0, 20_001.0, f64::NAN, f64::INFINITY] {
            let cfg = SpaceConfig { pregate_grid_km: bad, ..Default::default() };
            let e = cfg.validate("tracker.space").unwrap_err();
            assert_eq!(e.field, "tracker.space.pregate_grid_km");
            assert!(e.allowed.contains("0 (no index)") && e.allowed.contains("10 to 20000"), "{e:?}");
        }
    }
}
