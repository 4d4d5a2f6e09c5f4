//! Cartesian mode: multi-target tracking of 3-D position measurements (radar-like
//! sources, and the peer benchmark against Stone Soup).
//!
//! One scan (all measurements with one time tag) at a time:
//!
//! 1. **Predict** every track with the nearly-constant-velocity model (6-state
//!    `[x, y, z, vx, vy, vz]`, white acceleration PSD `q` per axis: `F = [[I, dt I], [0, I]]`,
//!    `Q = q [[dt^3/3 I, dt^2/2 I], [dt^2/2 I, dt I]]`), in parallel over tracks (each
//!    track independent, so results do not depend on the thread count).
//! 2. **Gate**: measurements are sorted by x once per scan; each track looks only at
//!    those within `g sqrt(S_xx)` in x (binary search), then `g sqrt(S_yy)`, `g sqrt(S_zz)`
//!    in y and z, then applies the Mahalanobis test `nu^T S^-1 nu <= g^2`. The cost per
//!    scan is O((T + M) log M + gated pairs) instead of O(T M).
//! 3. **Associate** confirmed tracks first: the gating graph is split into connected
//!    clusters ([`crate::assign::Clusters`]); each cluster is a rectangular assignment
//!    (rows = tracks, columns = measurements + one "missed" column per track) solved
//!    by [`crate::assign::Lap`] (GNN), or the JPDA marginals are used. Then tentative
//!    tracks take the measurements left over, the same way; what remains starts new
//!    tentative tracks (position = measurement, velocity = 0 with a prior spread).
//! 4. **Update** with the Joseph form; covariance symmetrised and checked PD.
//! 5. **Confirm** by M-of-N (M hits within the first N scans of a tentative track),
//!    **delete** a confirmed track after `delete_after_misses` consecutive misses or when
//!    its position standard deviation exceeds `max_pos_std_m`.
//!
//! The per-scan work reuses buffers held by the tracker: nothing is allocated per
//! measurement.

use crate::assign::{Clusters, Lap, jpda_marginals};
use crate::linalg::{guard_pd, symmetrize};
use nalgebra::{Matrix3, SMatrix, SVector, Vector3};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use tl_core::check::{FieldError, in_range, non_negative, positive};

type V6 = SVector<f64, 6>;
type M6 = SMatrix<f64, 6, 6>;

/// How measurement-to-track pairs are scored in the assignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CostKind {
    /// Mahalanobis distance `sqrt(nu^T S^-1 nu)`; a missed track costs the gate `g`
    /// (Stone Soup's `DistanceHypothesiser` + `GNNWith2DAssignment` convention).
    Mahalanobis,
    /// Negative log-likelihood ratio against clutter:
    /// `nu^T S^-1 nu + ln det(2 pi S) - 2 ln(P_D / ((1 - P_D) lambda))`; a miss costs 0.
    Likelihood,
}

/// Association method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AssocKind {
    /// Global nearest neighbour (one measurement per track, optimal per cluster).
    Gnn,
    /// Joint probabilistic data association (exact per cluster; GNN fallback for
    /// clusters with too many joint events).
    Jpda,
}

/// Configuration of the Cartesian tracker (`[tracker.cartesian]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CartesianConfig {
    /// White acceleration PSD per axis of the NCV model, m^2/s^3.
    pub q_m2_s3: f64,
    /// Measurement noise standard deviation per axis, m.
    pub sigma_m: f64,
    /// Gate: largest Mahalanobis distance (not squared) of a measurement to a track.
    pub gate: f64,
    /// Probability of detection (likelihood cost and JPDA).
    pub pd: f64,
    /// Clutter density, per m^3 (likelihood cost and JPDA).
    pub clutter_density_m3: f64,
    /// Assignment cost.
    pub cost: CostKind,
    /// Association method.
    pub association: AssocKind,
    /// Largest number of joint events enumerated per JPDA cluster before falling back
    /// to GNN for that cluster.
    pub jpda_max_events: usize,
    /// Prior standard deviation of each velocity component of a new track, m/s.
    pub init_vel_std_m_s: f64,
    /// M of M-of-N confirmation.
    pub confirm_m: u32,
    /// N of M-of-N confirmation (scans, counting the initiating one; at most 8).
    pub confirm_n: u32,
    /// Consecutive misses that delete a confirmed track.
    pub delete_after_misses: u32,
    /// Largest position standard deviation (sqrt of the largest diagonal entry) of a
    /// track before it is deleted, m.
    pub max_pos_std_m: f64,
    /// Report a confirmed track's tentative history (the scans before confirmation).
    pub report_tentative_history: bool,
    /// Report the predictions of the scans a confirmed track missed (coasting).
    pub report_coasting: bool,
    /// Predict in parallel (rayon) when there are at least this many tracks.
    pub parallel_min_tracks: usize,
}

impl Default for CartesianConfig {
    fn default() -> Self {
        Self {
            q_m2_s3: 1.0,
            sigma_m: 20.0,
            gate: 4.0,
            pd: 0.9,
            clutter_density_m3: 1e-14,
            cost: CostKind::Mahalanobis,
            association: AssocKind::Gnn,
            jpda_max_events: 10_000,
            init_vel_std_m_s: 300.0,
            confirm_m: 2,
            confirm_n: 3,
            delete_after_misses: 3,
            max_pos_std_m: 1.0e4,
            report_tentative_history: true,
            report_coasting: true,
            parallel_min_tracks: 512,
        }
    }
}

impl CartesianConfig {
    /// Check every field; errors carry the dotted path `prefix.field`.
    pub fn validate(&self, prefix: &str) -> Result<(), FieldError> {
        let f = |e: FieldError| e.within(prefix);
        non_negative("q_m2_s3", self.q_m2_s3).map_err(f)?;
        positive("sigma_m", self.sigma_m).map_err(f)?;
        positive("gate", self.gate).map_err(f)?;
        in_range("pd", self.pd, 1e-6, 1.0 - 1e-9).map_err(f)?;
        positive("clutter_density_m3", self.clutter_density_m3).map_err(f)?;
        positive("init_vel_std_m_s", self.init_vel_std_m_s).map_err(f)?;
        positive("max_pos_std_m", self.max_pos_std_m).map_err(f)?;
        in_range("confirm_n", self.confirm_n as f64, 1.0, 8.0).map_err(f)?;
        in_range("confirm_m", self.confirm_m as f64, 1.0, self.confirm_n as f64).map_err(f)?;
        in_range("delete_after_misses", self.delete_after_misses as f64, 1.0, 1e6).map_err(f)?;
        in_range("jpda_max_events", self.jpda_max_events as f64, 1.0, 1e8).map_err(f)?;
        Ok(())
    }
}

/// One reported track state.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CartesianReport {
    /// Time, s.
    pub t_s: f64,
    /// Track id (assigned at confirmation, from 0).
    pub track_id: u64,
    /// State `[x, y, z, vx, vy, vz]`, m and m/s.
    pub state: [f64; 6],
    /// Diagonal of the covariance, m^2 and (m/s)^2.
    pub var: [f64; 6],
    /// True when this state is an update with a measurement (false: a prediction).
    pub is_update: bool,
}

const HIST: usize = 8;

#[derive(Clone, Debug)]
struct Track {
    id: Option<u64>,
    t: f64,
    x: V6,
    p: M6,
    hits: u32,
    scans: u32,
    misses: u32,
    hist_len: usize,
    hist: [(f64, [f64; 6], [f64; 6], bool); HIST],
}

#[derive(Clone, Copy, Debug, Default)]
struct Pred {
    z: Vector3<f64>,
    sinv: Matrix3<f64>,
    ln_det_s: f64,
    half: Vector3<f64>,
    ok: bool,
}

/// Counters of what the tracker did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CartesianStats {
    /// Scans processed.
    pub scans: u64,
    /// Measurements processed.
    pub measurements: u64,
    /// Measurements rejected (non-finite values).
    pub rejected: u64,
    /// Tentative tracks started.
    pub tentative_started: u64,
    /// Tracks confirmed.
    pub confirmed: u64,
    /// Confirmed tracks deleted.
    pub deleted: u64,
    /// Updates refused by the covariance guard.
    pub refused_updates: u64,
    /// JPDA clusters that fell back to GNN.
    pub jpda_fallbacks: u64,
}

/// The Cartesian multi-target tracker.
#[derive(Debug)]
pub struct CartesianTracker {
    cfg: CartesianConfig,
    r: Matrix3<f64>,
    tracks: Vec<Track>,
    preds: Vec<Pred>,
    next_id: u64,
    last_t: Option<f64>,
    /// What happened so far.
    pub stats: CartesianStats,
    // scan buffers
    order: Vec<(f64, u32)>,
    used: Vec<bool>,
    rows: Vec<u32>,
    pairs: Vec<(u32, u32)>,
    pair_cost: Vec<f64>,
    assigned: Vec<u32>,
    clusters: Clusters,
    lap: Lap,
    cost: Vec<f64>,
    beta: Vec<f64>,
    lr: Vec<f64>,
    row_pos: Vec<(u32, u32)>,
    col_pos: Vec<u32>,
    bucket: Vec<u32>,
    bucket_off: Vec<u32>,
}

const NO_MEAS: u32 = u32::MAX;

impl CartesianTracker {
    /// A tracker with a validated configuration.
    pub fn new(cfg: CartesianConfig) -> Result<Self, FieldError> {
        cfg.validate("cartesian")?;
        let r = Matrix3::identity() * (cfg.sigma_m * cfg.sigma_m);
        Ok(Self {
            cfg,
            r,
            tracks: Vec::new(),
            preds: Vec::new(),
            next_id: 0,
            last_t: None,
            stats: CartesianStats::default(),
            order: Vec::new(),
            used: Vec::new(),
            rows: Vec::new(),
            pairs: Vec::new(),
            pair_cost: Vec::new(),
            assigned: Vec::new(),
            clusters: Clusters::default(),
            lap: Lap::new(),
            cost: Vec::new(),
            beta: Vec::new(),
            lr: Vec::new(),
            row_pos: Vec::new(),
            col_pos: Vec::new(),
            bucket: Vec::new(),
            bucket_off: Vec::new(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &CartesianConfig {
        &self.cfg
    }

    /// Number of live tracks (tentative and confirmed).
    pub fn n_tracks(&self) -> usize {
        self.tracks.len()
    }

    /// Number of confirmed live tracks.
    pub fn n_confirmed(&self) -> usize {
        self.tracks.iter().filter(|t| t.id.is_some()).count()
    }

    /// Process one scan of measurements taken at `t_s` (positions in m), appending the
    /// confirmed tracks' states at `t_s` (and, on confirmation, their history) to `out`.
    /// Scans must come in increasing time; an earlier or equal time is an error.
    /// Measurements with a non-finite coordinate are rejected and counted.
    pub fn process_scan(
        &mut self,
        t_s: f64,
        meas: &[[f64; 3]],
        out: &mut Vec<CartesianReport>,
    ) -> Result<(), FieldError> {
        if !t_s.is_finite() {
            return Err(FieldError::new("time", tl_core::check::fmt_f64(t_s), "a finite number"));
        }
        if let Some(lt) = self.last_t
            && t_s <= lt
        {
            return Err(FieldError::new("time", format!("{t_s}"), format!("after the previous scan ({lt})")));
        }
        self.last_t = Some(t_s);
        self.stats.scans += 1;
        self.stats.measurements += meas.len() as u64;
        let m = meas.len();
        self.used.clear();
        self.used.resize(m, false);
        for (j, z) in meas.iter().enumerate() {
            if !z.iter().all(|v| v.is_finite()) {
                self.used[j] = true;
                self.stats.rejected += 1;
            }
        }
        self.predict_all(t_s);
        self.order.clear();
        self.order
            .extend(meas.iter().enumerate().filter(|(j, _)| !self.used[*j]).map(|(j, z)| (z[0], j as u32)));
        self.order.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        self.assigned.clear();
        self.assigned.resize(self.tracks.len(), NO_MEAS);
        // Confirmed tracks first, then tentative ones.
        for confirmed in [true, false] {
            self.rows.clear();
            self.rows.extend(
                (0..self.tracks.len() as u32).filter(|&i| self.tracks[i as usize].id.is_some() == confirmed),
            );
            self.associate(meas, confirmed);
        }
        // Updates and bookkeeping.
        for i in 0..self.tracks.len() {
            if self.assigned[i] != NO_MEAS && self.assigned[i] != u32::MAX - 1 {
                let z = meas[self.assigned[i] as usize];
                self.update_track(i, &Vector3::new(z[0], z[1], z[2]));
            }
            let hit = self.assigned[i] != NO_MEAS;
            let tr = &mut self.tracks[i];
            tr.scans += 1;
            if hit {
                tr.hits += 1;
                tr.misses = 0;
            } else {
                tr.misses += 1;
            }
        }
        // New tentative tracks from what is left.
        let v0 = self.cfg.init_vel_std_m_s.powi(2);
        for (j, z) in meas.iter().enumerate() {
            if self.used[j] {
                continue;
            }
            let mut p = M6::zeros();
            for k in 0..3 {
                p[(k, k)] = self.r[(k, k)];
                p[(k + 3, k + 3)] = v0;
            }
            let x = V6::new(z[0], z[1], z[2], 0.0, 0.0, 0.0);
            self.tracks.push(Track {
                id: None,
                t: t_s,
                x,
                p,
                hits: 1,
                scans: 1,
                misses: 0,
                hist_len: 0,
                hist: [(0.0, [0.0; 6], [0.0; 6], false); HIST],
            });
            self.assigned.push(u32::MAX - 1);
            self.stats.tentative_started += 1;
        }
        // Confirm, delete, report.
        let cfg = &self.cfg;
        let mut next_id = self.next_id;
        let stats = &mut self.stats;
        let assigned = &self.assigned;
        let mut k = 0usize;
        self.tracks.retain_mut(|tr| {
            let hit = assigned[k] != NO_MEAS;
            k += 1;
            let snap = (tr.t, v6_arr(&tr.x), diag(&tr.p), hit);
            let pos_std = tr.p[(0, 0)].max(tr.p[(1, 1)]).max(tr.p[(2, 2)]).sqrt();
            match tr.id {
                None => {
                    if tr.hits >= cfg.confirm_m {
                        tr.id = Some(next_id);
                        next_id += 1;
                        stats.confirmed += 1;
                        if cfg.report_tentative_history {
                            for h in &tr.hist[..tr.hist_len] {
                                if h.3 || cfg.report_coasting {
                                    out.push(report(h, next_id - 1));
                                }
                            }
                        }
                        out.push(report(&snap, next_id - 1));
                        true
                    } else if tr.scans >= cfg.confirm_n
                        || tr.hits + (cfg.confirm_n - tr.scans) < cfg.confirm_m
                        || !pos_std.is_finite()
                    {
                        false
                    } else {
                        if tr.hist_len < HIST {
                            tr.hist[tr.hist_len] = snap;
                            tr.hist_len += 1;
                        }
                        true
                    }
                }
                Some(id) => {
                    if hit || cfg.report_coasting {
                        out.push(report(&snap, id));
                    }
                    if tr.misses >= cfg.delete_after_misses || pos_std.is_nan() || pos_std > cfg.max_pos_std_m
                    {
                        stats.deleted += 1;
                        false
                    } else {
                        true
                    }
                }
            }
        });
        self.next_id = next_id;
        Ok(())
    }

    fn predict_all(&mut self, t_s: f64) {
        let q = self.cfg.q_m2_s3;
        let r = self.r;
        let g = self.cfg.gate;
        let work = |(tr, pr): (&mut Track, &mut Pred)| {
            let dt = t_s - tr.t;
            predict_ncv(&mut tr.x, &mut tr.p, dt, q);
            tr.t = t_s;
            let mut s = tr.p.fixed_view::<3, 3>(0, 0).into_owned() + r;
            symmetrize(&mut s);
            *pr = match s.cholesky() {
                Some(ch) => {
                    let l = ch.l();
                    let ln_det = 2.0 * (l[(0, 0)].ln() + l[(1, 1)].ln() + l[(2, 2)].ln());
                    let sinv = ch.inverse();
                    Pred {
                        z: Vector3::new(tr.x[0], tr.x[1], tr.x[2]),
                        sinv,
                        ln_det_s: ln_det,
                        half: Vector3::new(s[(0, 0)].sqrt(), s[(1, 1)].sqrt(), s[(2, 2)].sqrt()) * g,
                        ok: true,
                    }
                }
                None => Pred::default(),
            };
        };
        self.preds.resize(self.tracks.len(), Pred::default());
        if self.tracks.len() >= self.cfg.parallel_min_tracks {
            self.tracks.par_iter_mut().zip(self.preds.par_iter_mut()).for_each(work);
        } else {
            self.tracks.iter_mut().zip(self.preds.iter_mut()).for_each(work);
        }
    }

    fn pair_cost(&self, pr: &Pred, d2: f64) -> f64 {
        match self.cfg.cost {
            CostKind::Mahalanobis => d2.sqrt(),
            CostKind::Likelihood => {
                let pd = self.cfg.pd;
                d2 + pr.ln_det_s + 3.0 * (2.0 * std::f64::consts::PI).ln()
                    - 2.0 * (pd / ((1.0 - pd) * self.cfg.clutter_density_m3)).ln()
            }
        }
    }

    fn miss_cost(&self) -> f64 {
        match self.cfg.cost {
            CostKind::Mahalanobis => self.cfg.gate,
            CostKind::Likelihood => 0.0,
        }
    }

    /// Gate and associate the tracks listed in `self.rows` with unused measurements.
    fn associate(&mut self, meas: &[[f64; 3]], allow_jpda: bool) {
        let g2 = self.cfg.gate * self.cfg.gate;
        self.pairs.clear();
        self.pair_cost.clear();
        let miss = self.miss_cost();
        for (li, &ti) in self.rows.iter().enumerate() {
            let pr = self.preds[ti as usize];
            if !pr.ok {
                continue;
            }
            let lo = pr.z.x - pr.half.x;
            let hi = pr.z.x + pr.half.x;
            let start = self.order.partition_point(|e| e.0 < lo);
            for &(xj, j) in &self.order[start..] {
                if xj > hi {
                    break;
                }
                if self.used[j as usize] {
                    continue;
                }
                let z = meas[j as usize];
                let nu = Vector3::new(z[0] - pr.z.x, z[1] - pr.z.y, z[2] - pr.z.z);
                if nu.y.abs() > pr.half.y || nu.z.abs() > pr.half.z {
                    continue;
                }
                let d2 = (nu.transpose() * pr.sinv * nu)[0];
                if d2 <= g2 {
                    let c = self.pair_cost(&pr, d2);
                    if self.cfg.cost == CostKind::Likelihood
                        && c >= miss
                        && self.cfg.association == AssocKind::Gnn
                    {
                        continue;
                    }
                    self.pairs.push((li as u32, j));
                    self.pair_cost.push(c);
                }
            }
        }
        if self.pairs.is_empty() {
            return;
        }
        let m = meas.len();
        let pairs_c = std::mem::take(&mut self.pairs);
        self.clusters.build(self.rows.len(), m, &pairs_c);
        let use_jpda = allow_jpda && self.cfg.association == AssocKind::Jpda;
        let clusters = std::mem::take(&mut self.clusters);
        // Position of every track (cluster, row) and measurement (column) in its cluster,
        // and the pairs bucketed by cluster (counting sort): linear in the pair count.
        let nclu = clusters.tracks.len();
        self.row_pos.clear();
        self.row_pos.resize(self.rows.len(), (u32::MAX, 0));
        self.col_pos.clear();
        self.col_pos.resize(m, u32::MAX);
        for (c, (ct, cd)) in clusters.tracks.iter().zip(clusters.dets.iter()).enumerate() {
            for (r, &li) in ct.iter().enumerate() {
                self.row_pos[li as usize] = (c as u32, r as u32);
            }
            for (k, &j) in cd.iter().enumerate() {
                self.col_pos[j as usize] = k as u32;
            }
        }
        self.bucket_off.clear();
        self.bucket_off.resize(nclu + 1, 0);
        for &(li, _) in &pairs_c {
            self.bucket_off[self.row_pos[li as usize].0 as usize + 1] += 1;
        }
        for c in 0..nclu {
            self.bucket_off[c + 1] += self.bucket_off[c];
        }
        self.bucket.clear();
        self.bucket.resize(pairs_c.len(), 0);
        {
            let mut fill = self.bucket_off.clone();
            for (pk, &(li, _)) in pairs_c.iter().enumerate() {
                let c = self.row_pos[li as usize].0 as usize;
                self.bucket[fill[c] as usize] = pk as u32;
                fill[c] += 1;
            }
        }
        let bucket = std::mem::take(&mut self.bucket);
        for (c, (ct, cd)) in clusters.tracks.iter().zip(clusters.dets.iter()).enumerate() {
            if cd.is_empty() {
                continue;
            }
            let nt = ct.len();
            let nd = cd.len();
            let mine = &bucket[self.bucket_off[c] as usize..self.bucket_off[c + 1] as usize];
            if use_jpda && self.jpda_cluster(meas, ct, cd, &pairs_c, mine) {
                continue;
            }
            if use_jpda {
                self.stats.jpda_fallbacks += 1;
            }
            // Rectangular matrix: nt rows x (nd + nt) columns.
            let cols = nd + nt;
            self.cost.clear();
            self.cost.resize(nt * cols, f64::INFINITY);
            for r in 0..nt {
                self.cost[r * cols + nd + r] = miss;
            }
            for &pk in mine {
                let (li, j) = pairs_c[pk as usize];
                let r = self.row_pos[li as usize].1 as usize;
                let col = self.col_pos[j as usize] as usize;
                self.cost[r * cols + col] = self.pair_cost[pk as usize];
            }
            if self.lap.solve(&self.cost, nt, cols).is_ok() {
                for r in 0..nt {
                    let c = self.lap.col4row[r];
                    if c < nd {
                        let ti = self.rows[ct[r] as usize] as usize;
                        let j = cd[c];
                        self.assigned[ti] = j;
                        self.used[j as usize] = true;
                    }
                }
            }
        }
        self.bucket = bucket;
        self.clusters = clusters;
        let mut pairs_c = pairs_c;
        pairs_c.clear();
        self.pairs = pairs_c;
    }

    /// JPDA update for one cluster; returns false when the cluster is too large.
    fn jpda_cluster(
        &mut self,
        meas: &[[f64; 3]],
        ct: &[u32],
        cd: &[u32],
        pairs: &[(u32, u32)],
        mine: &[u32],
    ) -> bool {
        let nt = ct.len();
        let nd = cd.len();
        self.lr.clear();
        self.lr.resize(nt * nd, 0.0);
        let pd = self.cfg.pd;
        let lam = self.cfg.clutter_density_m3;
        for &pk in mine {
            let (li, j) = pairs[pk as usize];
            {
                let (r, c) = (self.row_pos[li as usize].1 as usize, self.col_pos[j as usize] as usize);
                let pr = &self.preds[self.rows[li as usize] as usize];
                let z = meas[j as usize];
                let nu = Vector3::new(z[0] - pr.z.x, z[1] - pr.z.y, z[2] - pr.z.z);
                let d2 = (nu.transpose() * pr.sinv * nu)[0];
                let ll = -0.5 * (d2 + pr.ln_det_s + 3.0 * (2.0 * std::f64::consts::PI).ln());
                self.lr[r * nd + c] = pd * ll.exp() / lam;
            }
        }
        let mut beta = std::mem::take(&mut self.beta);
        if !jpda_marginals(&self.lr, nt, nd, 1.0 - pd, self.cfg.jpda_max_events, &mut beta) {
            self.beta = beta;
            return false;
        }
        for r in 0..nt {
            let ti = self.rows[ct[r] as usize] as usize;
            let pr = self.preds[ti];
            let b0 = beta[r * (nd + 1) + nd];
            if b0 > 1.0 - 1e-12 {
                continue;
            }
            let mut nubar = Vector3::zeros();
            let mut spread = Matrix3::zeros();
            let mut best = (0.0, NO_MEAS);
            for c in 0..nd {
                let b = beta[r * (nd + 1) + c];
                if b > 0.0 {
                    let z = meas[cd[c] as usize];
                    let nu = Vector3::new(z[0] - pr.z.x, z[1] - pr.z.y, z[2] - pr.z.z);
                    nubar += nu * b;
                    spread += nu * nu.transpose() * b;
                    if b > best.0 {
                        best = (b, cd[c]);
                    }
                }
            }
            spread -= nubar * nubar.transpose();
            let tr = &mut self.tracks[ti];
            let pht = tr.p.fixed_view::<6, 3>(0, 0).into_owned();
            let k = pht * pr.sinv;
            let mut pc = joseph_pos(&tr.p, &k, &self.r);
            pc = tr.p * b0 + pc * (1.0 - b0) + k * spread * k.transpose();
            let x = tr.x + k * nubar;
            if guard_pd(&mut pc).is_ok() && x.iter().all(|v| v.is_finite()) {
                tr.x = x;
                tr.p = pc;
            } else {
                self.stats.refused_updates += 1;
            }
            // Bookkeeping: the track counts as hit; the most likely measurement is used.
            self.assigned[ti] = u32::MAX - 1;
            if best.1 != NO_MEAS && best.0 > 0.5 {
                self.used[best.1 as usize] = true;
            }
        }
        // Measurements with any association weight are not used to start new tracks.
        for r in 0..nt {
            for c in 0..nd {
                if beta[r * (nd + 1) + c] > 0.5 {
                    self.used[cd[c] as usize] = true;
                }
            }
        }
        self.beta = beta;
        true
    }

    fn update_track(&mut self, i: usize, z: &Vector3<f64>) {
        let pr = self.preds[i];
        let tr = &mut self.tracks[i];
        let pht = tr.p.fixed_view::<6, 3>(0, 0).into_owned();
        let k = pht * pr.sinv;
        let nu = z - pr.z;
        let x = tr.x + k * nu;
        let mut p = joseph_pos(&tr.p, &k, &self.r);
        if guard_pd(&mut p).is_ok() && x.iter().all(|v| v.is_finite()) {
            tr.x = x;
            tr.p = p;
        } else {
            self.stats.refused_updates += 1;
        }
    }
}

/// Joseph form for a position measurement `H = [I 0]`:
/// `(I - K H) P (I - K H)^T + K R K^T`, written out to skip the zero blocks.
#[inline]
fn joseph_pos(p: &M6, k: &SMatrix<f64, 6, 3>, r: &Matrix3<f64>) -> M6 {
    let mut ikh = M6::identity();
    let mut blk = ikh.fixed_view_mut::<6, 3>(0, 0);
    blk -= k;
    ikh * p * ikh.transpose() + k * r * k.transpose()
}

/// NCV prediction of a 6-state in place (closed form).
#[inline]
pub fn predict_ncv(x: &mut SVector<f64, 6>, p: &mut SMatrix<f64, 6, 6>, dt: f64, q: f64) {
    if dt == 0.0 {
        return;
    }
    for i in 0..3 {
        x[i] += dt * x[i + 3];
    }
    // P' = F P F^T + Q, F = [[I, dt I], [0, I]]: block algebra.
    let pp = p.fixed_view::<3, 3>(0, 0).into_owned();
    let pv = p.fixed_view::<3, 3>(0, 3).into_owned();
    let vv = p.fixed_view::<3, 3>(3, 3).into_owned();
    let pv_t = pv.transpose();
    let (q3, q2, q1) = (q * dt * dt * dt / 3.0, q * dt * dt / 2.0, q * dt);
    let npp = pp + (pv + pv_t) * dt + vv * (dt * dt) + Matrix3::identity() * q3;
    let npv = pv + vv * dt + Matrix3::identity() * q2;
    let nvv = vv + Matrix3::identity() * q1;
    p.fixed_view_mut::<3, 3>(0, 0).copy_from(&npp);
    p.fixed_view_mut::<3, 3>(0, 3).copy_from(&npv);
    p.fixed_view_mut::<3, 3>(3, 0).copy_from(&npv.transpose());
    p.fixed_view_mut::<3, 3>(3, 3).copy_from(&nvv);
}

fn v6_arr(x: &V6) -> [f64; 6] {
    [x[0], x[1], x[2], x[3], x[4], x[5]]
}
fn diag(p: &M6) -> [f64; 6] {
    [p[(0, 0)], p[(1, 1)], p[(2, 2)], p[(3, 3)], p[(4, 4)], p[(5, 5)]]
}
fn report(h: &(f64, [f64; 6], [f64; 6], bool), id: u64) -> CartesianReport {
    CartesianReport { t_s: h.0, track_id: id, state: h.1, var: h.2, is_update: h.3 }
}

// ------------------------------------------------------------------------------------
// Text formats of the peer benchmark (parsing text handed in; no file I/O here).

/// A measurement file parsed into scans.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CartesianInput {
    /// Scans in increasing time: `(t_s, positions)`.
    pub scans: Vec<(f64, Vec<[f64; 3]>)>,
    /// Rows rejected (line number, 1-based, and reason).
    pub rejected: Vec<(usize, String)>,
    /// Rows whose time was earlier than the row before (they are regrouped by time).
    pub out_of_order_rows: usize,
    /// Rows accepted.
    pub rows: usize,
}

/// A malformed input file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// The file is empty (no header).
    #[error("{file}: empty file (expected a header line with columns {expected})")]
    Empty {
        /// File name for the message.
        file: String,
        /// Expected columns.
        expected: String,
    },
    /// A required column is missing.
    #[error("{file}: missing column `{column}` (header has: {header})")]
    MissingColumn {
        /// File name.
        file: String,
        /// The missing column.
        column: String,
        /// The header found.
        header: String,
    },
    /// A JSON field is missing or invalid.
    #[error("{file}: {message}")]
    Invalid {
        /// File name.
        file: String,
        /// What is wrong.
        message: String,
    },
}

/// Parse the peer's `measurements.csv` text (`time, truth_id, x, y, z`; any extra column,
/// `truth_id` included, is ignored: the tracker never reads truth). Rows with a
/// non-numeric or non-finite value, or a wrong number of fields, are rejected and
/// listed; rows are grouped by time (stable), so rows out of time order are regrouped
/// and counted.
pub fn parse_measurements_csv(text: &str, file: &str) -> Result<CartesianInput, InputError> {
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Err(InputError::Empty { file: file.into(), expected: "time,x,y,z".into() });
    };
    let cols: Vec<&str> = header.split(',').map(|c| c.trim()).collect();
    let find = |name: &str| {
        cols.iter().position(|c| *c == name).ok_or_else(|| InputError::MissingColumn {
            file: file.into(),
            column: name.into(),
            header: header.trim().into(),
        })
    };
    let (ct, cx, cy, cz) = (find("time")?, find("x")?, find("y")?, find("z")?);
    let mut out = CartesianInput::default();
    let mut rows: Vec<(f64, [f64; 3])> = Vec::new();
    let mut last_t = f64::NEG_INFINITY;
    let mut fields: Vec<&str> = Vec::with_capacity(cols.len());
    for (ln, line) in lines {
        fields.clear();
        fields.extend(line.split(',').map(|f| f.trim()));
        if fields.len() != cols.len() {
            out.rejected.push((ln + 1, format!("{} fields, header has {}", fields.len(), cols.len())));
            continue;
        }
        let mut vals = [0.0; 4];
        let mut bad = None;
        for (k, (c, name)) in [(ct, "time"), (cx, "x"), (cy, "y"), (cz, "z")].into_iter().enumerate() {
            match fields[c].parse::<f64>() {
                Ok(v) if v.is_finite() => vals[k] = v,
                Ok(v) => {
                    bad = Some(format!("{name} = {}: must be a finite number", tl_core::check::fmt_f64(v)))
                }
                Err(_) => bad = Some(format!("{name} = {:?}: not a number", fields[c])),
            }
            if bad.is_some() {
                break;
            }
        }
        if let Some(b) = bad {
            out.rejected.push((ln + 1, b));
            continue;
        }
        if vals[0] < last_t {
            out.out_of_order_rows += 1;
        }
        last_t = vals[0];
        rows.push((vals[0], [vals[1], vals[2], vals[3]]));
    }
    out.rows = rows.len();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (t, z) in rows {
        match out.scans.last_mut() {
            Some((lt, v)) if *lt == t => v.push(z),
            _ => out.scans.push((t, vec![z])),
        }
    }
    Ok(out)
}

/// Parse the peer's `truth.csv` text (`time, truth_id, x, y, z, vx, vy, vz`) into
/// `(time, truth_id, state)` rows. For scoring only.
pub fn parse_truth_csv(text: &str, file: &str) -> Result<Vec<(f64, i64, [f64; 6])>, InputError> {
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Err(InputError::Empty { file: file.into(), expected: "time,truth_id,x,y,z,vx,vy,vz".into() });
    };
    let cols: Vec<&str> = header.split(',').map(|c| c.trim()).collect();
    let mut idx = [0usize; 8];
    for (k, name) in ["time", "truth_id", "x", "y", "z", "vx", "vy", "vz"].iter().enumerate() {
        idx[k] = cols.iter().position(|c| c == name).ok_or_else(|| InputError::MissingColumn {
            file: file.into(),
            column: name.to_string(),
            header: header.trim().into(),
        })?;
    }
    let mut out = Vec::new();
    for (ln, line) in lines {
        let f: Vec<&str> = line.split(',').map(|s| s.trim()).collect();
        let get = |k: usize| -> Result<f64, InputError> {
            f.get(idx[k]).and_then(|s| s.parse::<f64>().ok()).filter(|v| v.is_finite()).ok_or_else(|| {
                InputError::Invalid {
                    file: file.into(),
                    message: format!("line {}: bad value in column {}", ln + 1, cols[idx[k]]),
                }
            })
        };
        let t = get(0)?;
        let id = get(1)? as i64;
        let mut s = [0.0; 6];
        for (k, v) in s.iter_mut().enumerate() {
            *v = get(2 + k)?;
        }
        out.push((t, id, s));
    }
    Ok(out)
}

/// The peer's `params.json` fields the tracker uses (units: m, s).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct PeerParams {
    /// Measurement noise std per axis, m.
    pub sigma: f64,
    /// NCV PSD per axis, m^2/s^3.
    pub q: f64,
    /// Probability of detection.
    pub pd: f64,
    /// Mean clutter count per scan.
    pub clutter_rate: f64,
    /// Clutter box full width, m.
    pub clutter_box: f64,
    /// Mahalanobis gate (distance).
    pub gate: f64,
    /// OSPA cut-off, m.
    pub ospa_c: f64,
    /// OSPA order.
    pub ospa_p: f64,
}

impl PeerParams {
    /// Parse `params.json` text (unknown fields ignored).
    pub fn parse(text: &str, file: &str) -> Result<Self, InputError> {
        let p: PeerParams = serde_json::from_str(text)
            .map_err(|e| InputError::Invalid { file: file.into(), message: e.to_string() })?;
        let chk = |name: &str, v: f64| {
            if v.is_finite() && v >= 0.0 {
                Ok(())
            } else {
                Err(InputError::Invalid {
                    file: file.into(),
                    message: format!("{name} = {v}: must be finite and >= 0"),
                })
            }
        };
        chk("sigma", p.sigma)?;
        chk("q", p.q)?;
        chk("pd", p.pd)?;
        chk("clutter_rate", p.clutter_rate)?;
        chk("clutter_box", p.clutter_box)?;
        chk("gate", p.gate)?;
        chk("ospa_c", p.ospa_c)?;
        chk("ospa_p", p.ospa_p)?;
        Ok(p)
    }

    /// Apply these parameters to a Cartesian configuration (noise, gate, P_D, clutter
    /// density = clutter rate / clutter box volume).
    pub fn apply(&self, cfg: &mut CartesianConfig) {
        cfg.sigma_m = self.sigma;
        cfg.q_m2_s3 = self.q;
        cfg.gate = self.gate;
        cfg.pd = self.pd.clamp(1e-6, 1.0 - 1e-9);
        let vol = self.clutter_box.powi(3);
        if vol > 0.0 && self.clutter_rate > 0.0 {
            cfg.clutter_density_m3 = self.clutter_rate / vol;
        }
    }
}

/// Format reports as the peer's `tracks.csv` text
/// (`time,track_id,x,y,z,vx,vy,vz,is_update`), shortest round-trip float formatting.
pub fn tracks_csv(reports: &[CartesianReport]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(64 + reports.len() * 120);
    s.push_str("time,track_id,x,y,z,vx,vy,vz,is_update\n");
    for r in reports {
        let _ = write!(s, "{:?},{}", r.t_s, r.track_id);
        for v in r.state {
            let _ = write!(s, ",{v:?}");
        }
        let _ = writeln!(s, ",{}", r.is_update as u8);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use tl_core::rng::RngStream;

    #[test]
    fn ncv_prediction_matches_dense_form() {
        let mut x = V6::new(1.0, 2.0, 3.0, 4.0, 5.0, 6.0);
        let mut rng = RngStream::new(1, 0, 0, "track.test.ncv");
        let a = M6::from_fn(|_, _| rng.normal());
        let mut p = a * a.transpose() + M6::identity();
        let (x0, p0) = (x, p);
        predict_ncv(&mut x, &mut p, 2.5, 0.7);
        let mut f = M6::identity();
        for i in 0..3 {
            f[(i, i + 3)] = 2.5;
        }
        let (q3, q2, q1) = (0.7 * 2.5f64.powi(3) / 3.0, 0.7 * 2.5 * 2.5 / 2.0, 0.7 * 2.5);
        let mut q = M6::zeros();
        for i in 0..3 {
            q[(i, i)] = q3;
            q[(i, i + 3)] = q2;
            q[(i + 3, i)] = q2;
            q[(i + 3, i + 3)] = q1;
        }
        assert!((x - f * x0).norm() < 1e-12);
        assert!((p - (f * p0 * f.transpose() + q)).norm() < 1e-9);
    }

    type Scene = (Vec<Vec<[f64; 6]>>, Vec<(f64, Vec<[f64; 3]>)>);

    fn scene(n: usize, steps: usize, clutter: f64, seed: u64) -> Scene {
        let mut rng = RngStream::new(seed, 0, 0, "track.test.scene");
        let mut st: Vec<[f64; 6]> = (0..n)
            .map(|_| {
                let a = rng.uniform() * std::f64::consts::TAU;
                [
                    rng.uniform_range(-1e4, 1e4),
                    rng.uniform_range(-1e4, 1e4),
                    rng.uniform_range(-1e4, 1e4),
                    200.0 * a.cos(),
                    200.0 * a.sin(),
                    0.0,
                ]
            })
            .collect();
        let mut truth = Vec::new();
        let mut scans = Vec::new();
        for k in 0..steps {
            if k > 0 {
                for s in &mut st {
                    for i in 0..3 {
                        s[i] += s[i + 3];
                    }
                }
            }
            truth.push(st.clone());
            let mut z = Vec::new();
            for s in &st {
                if rng.uniform() < 0.9 {
                    z.push([
                        s[0] + 20.0 * rng.normal(),
                        s[1] + 20.0 * rng.normal(),
                        s[2] + 20.0 * rng.normal(),
                    ]);
                }
            }
            for _ in 0..rng.poisson(clutter) {
                z.push([
                    rng.uniform_range(-3e4, 3e4),
                    rng.uniform_range(-3e4, 3e4),
                    rng.uniform_range(-3e4, 3e4),
                ]);
            }
            scans.push((k as f64, z));
        }
        (truth, scans)
    }

    #[test]
    fn tracks_every_target_with_filter_level_error_gnn_and_jpda() {
        for assoc in [AssocKind::Gnn, AssocKind::Jpda] {
            for cost in [CostKind::Mahalanobis, CostKind::Likelihood] {
                let (truth, scans) = scene(20, 40, 5.0, 3);
                let cfg = CartesianConfig {
                    association: assoc,
                    cost,
                    clutter_density_m3: 5.0 / 6e4f64.powi(3),
                    ..Default::default()
                };
                let mut trk = CartesianTracker::new(cfg).unwrap();
                let mut out = Vec::new();
                for (t, z) in &scans {
                    trk.process_scan(*t, z, &mut out).unwrap();
                }
                // After the first 10 scans: every truth has a track within 60 m (3 sigma of
                // a single measurement), and no more than a few extra tracks exist.
                let last: Vec<&CartesianReport> = out.iter().filter(|r| r.t_s == 39.0).collect();
                let mut err2 = 0.0;
                for s in &truth[39] {
                    let best = last
                        .iter()
                        .map(|r| {
                            ((r.state[0] - s[0]).powi(2)
                                + (r.state[1] - s[1]).powi(2)
                                + (r.state[2] - s[2]).powi(2))
                            .sqrt()
                        })
                        .fold(f64::INFINITY, f64::min);
                    assert!(best < 60.0, "{assoc:?}/{cost:?}: truth unmatched, best {best}");
                    err2 += best * best;
                }
                let rms = (err2 / 20.0).sqrt();
                // Filtered position error of an NCV filter with sigma 20 m: well below 20 m.
                assert!(rms < 20.0, "{assoc:?}/{cost:?}: rms {rms}");
                assert!(last.len() <= 22, "{assoc:?}/{cost:?}: {} tracks", last.len());
            }
        }
    }

    #[test]
    fn rejects_bad_rows_and_times() {
        let mut trk = CartesianTracker::new(CartesianConfig::default()).unwrap();
        let mut out = Vec::new();
        trk.process_scan(0.0, &[[0.0, 0.0, 0.0], [f64::NAN, 0.0, 0.0], [1e3, f64::INFINITY, 0.0]], &mut out)
            .unwrap();
        assert_eq!(trk.stats.rejected, 2);
        assert_eq!(trk.n_tracks(), 1);
        assert!(trk.process_scan(0.0, &[], &mut out).is_err());
        assert!(trk.process_scan(f64::NAN, &[], &mut out).is_err());
        let bad = CartesianConfig { confirm_m: 5, confirm_n: 3, ..Default::default() };
        let e = CartesianTracker::new(bad).unwrap_err();
        assert_eq!(e.field, "cartesian.confirm_m");
    }

    #[test]
    fn csv_parsing_errors_are_clear() {
        assert!(matches!(parse_measurements_csv("", "m.csv"), Err(InputError::Empty { .. })));
        let e = parse_measurements_csv("time,truth_id,x,y\n0,1,2,3\n", "m.csv").unwrap_err();
        assert_eq!(e.to_string(), "m.csv: missing column `z` (header has: time,truth_id,x,y)");
        let txt = "time,truth_id,x,y,z\n1,0,1,2,3\n0,0,4,5,6\n1,0,nan,1,1\n1,0,a,1,1\n2,0,1,2\n1,-1,7,8,9\n";
        let p = parse_measurements_csv(txt, "m.csv").unwrap();
        assert_eq!(p.rows, 3);
        assert_eq!(p.rejected.len(), 3);
        assert_eq!(p.rejected[0], (4, "x = nan: must be a finite number".to_string()));
        assert_eq!(p.out_of_order_rows, 1);
        assert_eq!(
            p.scans,
            vec![(0.0, vec![[4.0, 5.0, 6.0]]), (1.0, vec![[1.0, 2.0, 3.0], [7.0, 8.0, 9.0]])]
        );
        assert!(PeerParams::parse("{\"sigma\": 1}", "params.json").is_err());
    }
}
