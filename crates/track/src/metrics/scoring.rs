//! Track scoring over time against truth (never called by the tracker).
//!
//! At each time the reported track states are associated with the truth objects by an
//! optimal assignment (Jonker–Volgenant) on position distance, pairs farther than
//! `assoc_gate_m` being forbidden. From that association:
//!
//! * **OSPA / GOSPA** per time (cut-off `c`, order `p`) and their means;
//! * **RMSE** of position and velocity per truth phase;
//! * **completeness**: fraction of truth samples with an associated track;
//! * **purity**: for each track, the fraction of its associated samples on its most
//!   frequent truth, averaged with weights = samples;
//! * **ID switches**: changes of the associated track id along each truth (gaps
//!   ignored);
//! * **false tracks**: tracks never associated with any truth, and the fraction of
//!   track samples left unassociated;
//! * **NEES** of position and velocity (6 dof) for associated samples that carry a
//!   covariance, with the two-sided chi-square bounds of the mean of N samples,
//!   `[chi2_(6N)(a/2), chi2_(6N)(1 - a/2)] / N`, and the per-time series;
//! * **timelines per launch**: launch -> first detection -> first 3-D track ->
//!   confirmed -> fire-control quality.
//!
//! The NEES above is computed against whatever truth the per-time assignment pairs a
//! track with, so it mixes two questions: is the filter's covariance honest, and is the
//! track on the object it is paired with? A track that coasts on after its object ended
//! (a decoy burning up) is paired with a neighbour kilometres away and gives NEES in the
//! thousands although its filter was consistent while it had data. [`score_with_labels`]
//! answers the first question on its own: given each track's **provenance label** (the
//! truth object that produced most of its updates, known to the caller from the
//! detections' scoring-only truth ids), it computes NEES and RMSE of every track sample
//! against its labelled object while that object flies, and counts the samples it leaves
//! out and why ([`ProvenanceScores`]): no label, labelled object not flying (ended, or
//! not yet released), or paired by the assignment with another object while the label
//! is beyond the association gate (a swap). Mis-association itself is measured by
//! purity, ID switches and false tracks.

use super::{gospa, ospa};
use crate::assign::Lap;
use crate::linalg::chi2_quantile;
use nalgebra::{Matrix6, Vector6};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use tl_core::object::Phase;

/// One reported track state.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrackSample {
    /// Time, s.
    pub t_s: f64,
    /// Track id.
    pub track_id: u64,
    /// Position, m.
    pub pos_m: [f64; 3],
    /// Velocity, m/s.
    pub vel_m_s: [f64; 3],
    /// Position/velocity covariance, when known.
    pub cov_pv: Option<SymCov6>,
    /// The track was confirmed at this time.
    pub confirmed: bool,
    /// Fire-control quality flag.
    pub fire_control_quality: bool,
}

/// A symmetric 6 x 6 covariance kept as its upper triangle (21 values): a run keeps one
/// per track sample until the end for the scoring, and the full matrix was most of a
/// sample's size (368 -> 248 bytes a sample). The lower triangle is taken equal to the
/// upper one; the tracker's covariances are symmetric to the bit (symmetrised by its
/// covariance guard), so the scores are the same.
///
/// ```
/// use tl_track::metrics::scoring::SymCov6;
/// let mut m = [[0.0; 6]; 6];
/// for i in 0..6 {
///     for j in 0..6 {
///         m[i][j] = 1.0 / (1.0 + i as f64 + j as f64);
///     }
/// }
/// let c = SymCov6::from_rows(&m);
/// assert_eq!(c.get(4, 1), m[4][1]);
/// assert_eq!(c.to_rows(), m);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SymCov6(pub [f64; 21]);

impl SymCov6 {
    /// Index of `(i, j)`, `i <= j`, in the row-by-row upper triangle.
    #[inline]
    fn at(i: usize, j: usize) -> usize {
        let (i, j) = if i <= j { (i, j) } else { (j, i) };
        i * 6 - i * (i + 1) / 2 + j
    }

    /// The upper triangle of `c` (rows).
    pub fn from_rows(c: &[[f64; 6]; 6]) -> Self {
        let mut v = [0.0; 21];
        for i in 0..6 {
            for j in i..6 {
                v[Self::at(i, j)] = c[i][j];
            }
        }
        Self(v)
    }

    /// Entry `(i, j)` (either triangle).
    #[inline]
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.0[Self::at(i, j)]
    }

    /// The full matrix (rows).
    pub fn to_rows(&self) -> [[f64; 6]; 6] {
        let mut c = [[0.0; 6]; 6];
        for (i, row) in c.iter_mut().enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = self.get(i, j);
            }
        }
        c
    }
}

/// One truth state.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TruthSample {
    /// Time, s.
    pub t_s: f64,
    /// Truth object id.
    pub truth_id: i64,
    /// Position, m.
    pub pos_m: [f64; 3],
    /// Velocity, m/s.
    pub vel_m_s: [f64; 3],
    /// Flight phase.
    pub phase: Phase,
}

/// Scoring parameters.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ScoreConfig {
    /// Largest distance at which a track can be associated with a truth, m.
    pub assoc_gate_m: f64,
    /// OSPA/GOSPA cut-off, m.
    pub c_m: f64,
    /// OSPA/GOSPA order.
    pub p: f64,
    /// Significance of the NEES bounds (0.05: 95 % two-sided).
    pub nees_alpha: f64,
}

impl Default for ScoreConfig {
    fn default() -> Self {
        Self { assoc_gate_m: 5_000.0, c_m: 5_000.0, p: 1.0, nees_alpha: 0.05 }
    }
}

/// RMSE of one phase.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PhaseRmse {
    /// Phase name (`boost-1`, `midcourse`, ...).
    pub phase: String,
    /// Associated samples.
    pub n: u64,
    /// Position RMSE, m.
    pub pos_rmse_m: f64,
    /// Velocity RMSE, m/s.
    pub vel_rmse_m_s: f64,
}

/// NEES summary.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NeesSummary {
    /// Samples with a covariance.
    pub n: u64,
    /// Mean NEES (6 expected).
    pub mean: f64,
    /// Lower bound of the mean for a consistent filter.
    pub lower: f64,
    /// Upper bound.
    pub upper: f64,
    /// Median NEES (5.35 expected for 6 dof): unlike the mean, not dominated by a few
    /// samples of a track that has lost its target but is still within the gate.
    pub median: f64,
    /// Share of samples above the 99 % point of chi-square with 6 dof (16.81); 1 %
    /// expected.
    pub above_99: f64,
    /// Per truth phase (`boost-1`, `midcourse`, ...).
    pub by_phase: Vec<PhaseNees>,
    /// Per time: (t_s, mean NEES, samples).
    pub series: Vec<(f64, f64, u32)>,
}

/// NEES of the samples of one truth phase.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PhaseNees {
    /// Truth phase name.
    pub phase: String,
    /// Samples.
    pub n: u64,
    /// Mean NEES (6 expected).
    pub mean: f64,
    /// Median NEES (5.35 expected).
    pub median: f64,
    /// Share above the 6-dof 99 % point.
    pub above_99: f64,
}

/// 99 % point of chi-square with 6 degrees of freedom.
const CHI2_6_99: f64 = 16.811_893_829_770_93;

fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { 0.5 * (v[n / 2 - 1] + v[n / 2]) }
}

fn above_99(v: &[f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.iter().filter(|&&x| x > CHI2_6_99).count() as f64 / v.len() as f64
}

/// All scores.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scores {
    /// Times scored.
    pub n_times: u64,
    /// Mean OSPA over times, m.
    pub ospa_mean_m: f64,
    /// Mean GOSPA over times, m.
    pub gospa_mean_m: f64,
    /// RMSE per truth phase.
    pub rmse_by_phase: Vec<PhaseRmse>,
    /// Fraction of truth samples with an associated track.
    pub completeness: f64,
    /// Sample-weighted track purity.
    pub purity: f64,
    /// Changes of associated track id along the truths.
    pub id_switches: u64,
    /// Tracks never associated with a truth.
    pub false_tracks: u64,
    /// Distinct tracks.
    pub tracks: u64,
    /// Fraction of track samples not associated.
    pub unassociated_track_sample_frac: f64,
    /// NEES of each associated sample against the truth the per-time assignment paired
    /// it with (mis-associations included: see the module docs).
    pub nees_by_assignment: NeesSummary,
    /// NEES and RMSE against each track's provenance label ([`score_with_labels`]);
    /// `None` from [`score`].
    pub provenance: Option<ProvenanceScores>,
    /// Per track sample (same order as the input), the truth id the assignment paired
    /// it with. Not serialised.
    #[serde(skip)]
    pub assigned_truth: Vec<Option<i64>>,
}

/// What the caller knows, from scoring-only truth, about where each track's data came
/// from (see [`score_with_labels`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Provenance {
    /// Track id -> truth id of the object that produced most of the track's updates.
    /// Tracks absent here have no label.
    pub labels: BTreeMap<u64, i64>,
    /// Truth id -> the object that continues it when it ends by separation (a booster
    /// at its final cut-off -> the post-boost vehicle that flies on from the same
    /// state). A sample whose labelled object has ended is scored against the first
    /// successor flying at that time (counted in
    /// [`ProvenanceScores::n_scored_on_successor`]).
    pub successors: BTreeMap<i64, i64>,
    /// Truth id -> the object that carried it before it was released (a reentry
    /// vehicle -> its post-boost vehicle -> the booster). A sample whose labelled
    /// object is not yet flying is scored against the first carrier flying at that
    /// time (counted in [`ProvenanceScores::n_scored_on_carrier`]).
    pub carriers: BTreeMap<i64, i64>,
}

/// Track samples left out of the provenance scores, by reason.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ProvenanceExcluded {
    /// The track has no label (no update from a detection of a truth object).
    pub no_label: u64,
    /// The labelled object had not yet started flying (e.g. a reentry vehicle not yet
    /// released from its bus, whose track was fed by the bus before).
    pub label_not_yet_flying: u64,
    /// The labelled object had ended (burnt up, impacted, killed): the track outlives
    /// its object, coasting on predictions until it is deleted.
    pub label_ended: u64,
    /// The assignment paired the sample with another object than its label, and the
    /// label was farther than the association gate: the track is on another object (a
    /// swap).
    pub assigned_to_other_truth: u64,
    /// Median NEES of those samples against their label (not in the scores; shown so
    /// the exclusion hides nothing).
    pub assigned_to_other_truth_nees_median: f64,
    /// The sample carries no covariance (or a singular one): no NEES, still in the RMSE.
    pub no_covariance: u64,
}

/// Scores of the track samples against their provenance label (see the module docs).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProvenanceScores {
    /// Track samples considered.
    pub n_samples: u64,
    /// Samples scored against their labelled object.
    pub n_scored: u64,
    /// Of those, samples the assignment left unpaired (their label flying but farther
    /// than the gate, or lost to another track): scored all the same.
    pub n_scored_unassigned: u64,
    /// Of those, samples scored against the successor of their ended label
    /// ([`Provenance::successors`]).
    pub n_scored_on_successor: u64,
    /// Of those, samples scored against the carrier of their not yet released label
    /// ([`Provenance::carriers`]).
    pub n_scored_on_carrier: u64,
    /// Of those, samples the assignment paired with another object while their label
    /// was within the association gate (objects flying together, e.g. a reentry
    /// vehicle and its last spent stage: which one the assignment picks says nothing
    /// about the filter).
    pub n_scored_assigned_to_other: u64,
    /// Median NEES of those samples (against their label). Large in dense clusters of
    /// closely spaced objects, where a track labelled with one object (most of its
    /// updates) spends time on a neighbour.
    pub n_scored_assigned_to_other_nees_median: f64,
    /// Samples left out, by reason.
    pub excluded: ProvenanceExcluded,
    /// Tracks with a label.
    pub labelled_tracks: u64,
    /// Position/velocity RMSE per labelled object's phase.
    pub rmse_by_phase: Vec<PhaseRmse>,
    /// NEES per labelled object's phase (`series` per time).
    pub nees: NeesSummary,
}

fn key(t: f64) -> i64 {
    (t * 1e9).round() as i64
}

fn d3(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}

/// Track samples, truth samples and associated pairs at one time.
type TimeAssoc = (Vec<usize>, Vec<usize>, Vec<(usize, usize)>);

/// Per-time association: for each time, pairs (track sample index, truth sample index).
fn associate(tracks: &[TrackSample], truth: &[TruthSample], gate: f64) -> BTreeMap<i64, TimeAssoc> {
    let mut by_t: BTreeMap<i64, TimeAssoc> = BTreeMap::new();
    for (i, s) in tracks.iter().enumerate() {
        by_t.entry(key(s.t_s)).or_default().0.push(i);
    }
    for (j, s) in truth.iter().enumerate() {
        by_t.entry(key(s.t_s)).or_default().1.push(j);
    }
    // Each time is an independent assignment: solved in parallel (each time's pairs
    // are the same whatever the thread count).
    let mut times: Vec<&mut TimeAssoc> = by_t.values_mut().collect();
    times.par_iter_mut().for_each_init(
        || (Lap::new(), Vec::new()),
        |(lap, cost), entry| {
            let (ti, gi, pairs) = &mut **entry;
            if ti.is_empty() || gi.is_empty() {
                return;
            }
            // rows = tracks, cols = truths + one dummy per track
            let (nr, ng) = (ti.len(), gi.len());
            let cols = ng + nr;
            cost.clear();
            cost.resize(nr * cols, f64::INFINITY);
            for (r, &a) in ti.iter().enumerate() {
                for (c, &b) in gi.iter().enumerate() {
                    let d = d3(&tracks[a].pos_m, &truth[b].pos_m);
                    if d <= gate {
                        cost[r * cols + c] = d - 2.0 * gate; // prefer associating
                    }
                }
                cost[r * cols + ng + r] = 0.0;
            }
            if lap.solve(cost, nr, cols).is_ok() {
                for r in 0..nr {
                    let c = lap.col4row[r];
                    if c < ng {
                        pairs.push((ti[r], gi[c]));
                    }
                }
            }
        },
    );
    by_t
}

/// 6-dof NEES of a track sample against a truth sample (`None` without an invertible
/// covariance or with a non-finite value).
fn nees6(ts: &TrackSample, gs: &TruthSample) -> Option<f64> {
    let c = ts.cov_pv?;
    let p = Matrix6::from_fn(|i, j| c.get(i, j));
    let pi = p.try_inverse()?;
    let e = Vector6::new(
        ts.pos_m[0] - gs.pos_m[0],
        ts.pos_m[1] - gs.pos_m[1],
        ts.pos_m[2] - gs.pos_m[2],
        ts.vel_m_s[0] - gs.vel_m_s[0],
        ts.vel_m_s[1] - gs.vel_m_s[1],
        ts.vel_m_s[2] - gs.vel_m_s[2],
    );
    let v = (e.transpose() * pi * e)[0];
    v.is_finite().then_some(v)
}

/// NEES summary of a set of values (with the chi-square bounds of their mean).
fn nees_summary(
    mut all: Vec<f64>,
    by_phase: BTreeMap<String, Vec<f64>>,
    series: Vec<(f64, f64, u32)>,
    alpha: f64,
) -> NeesSummary {
    let nn = all.len() as f64;
    let (lower, upper) = if nn > 0.0 {
        (chi2_quantile(alpha / 2.0, 6.0 * nn) / nn, chi2_quantile(1.0 - alpha / 2.0, 6.0 * nn) / nn)
    } else {
        (f64::NAN, f64::NAN)
    };
    NeesSummary {
        n: all.len() as u64,
        mean: if nn > 0.0 { all.iter().sum::<f64>() / nn } else { f64::NAN },
        lower,
        upper,
        above_99: above_99(&all),
        median: median(&mut all),
        by_phase: by_phase
            .into_iter()
            .map(|(phase, mut v)| PhaseNees {
                phase,
                n: v.len() as u64,
                mean: v.iter().sum::<f64>() / v.len() as f64,
                above_99: above_99(&v),
                median: median(&mut v),
            })
            .collect(),
        series,
    }
}

fn rmse_rows(rmse: BTreeMap<String, (u64, f64, f64)>) -> Vec<PhaseRmse> {
    rmse.into_iter()
        .map(|(phase, (n, p2, v2))| PhaseRmse {
            phase,
            n,
            pos_rmse_m: (p2 / n as f64).sqrt(),
            vel_rmse_m_s: (v2 / n as f64).sqrt(),
        })
        .collect()
}

/// Score `tracks` against `truth` (no provenance scores: [`score_with_labels`] adds
/// them).
pub fn score(tracks: &[TrackSample], truth: &[TruthSample], cfg: &ScoreConfig) -> Scores {
    score_impl(tracks, truth, None, cfg)
}

/// Score `tracks` against `truth`, and each track sample against its track's
/// provenance label: `prov.labels` maps a track id to the truth id of the object that
/// produced most of the track's updates (tracks absent from it have no label). The
/// labels come from the caller's scoring-only knowledge of which object made each
/// detection; nothing here looks at the tracker.
///
/// ```
/// use std::collections::BTreeMap;
/// use tl_core::object::Phase;
/// use tl_track::metrics::scoring::{
///     Provenance, ScoreConfig, SymCov6, TrackSample, TruthSample, score_with_labels,
/// };
/// let unit = {
///     let mut c = [[0.0; 6]; 6];
///     for (i, row) in c.iter_mut().enumerate() { row[i] = 1.0; }
///     c
/// };
/// let tk = |t: f64, x: f64| TrackSample { t_s: t, track_id: 7, pos_m: [x, 0.0, 0.0],
///     vel_m_s: [0.0; 3], cov_pv: Some(SymCov6::from_rows(&unit)), confirmed: true,
///     fire_control_quality: false };
/// let tr = |t: f64, id: i64, x: f64| TruthSample { t_s: t, truth_id: id, pos_m: [x, 0.0, 0.0],
///     vel_m_s: [0.0; 3], phase: Phase::Midcourse };
/// // Track 7 follows object 1 (error 1 m) at t = 0; at t = 1 object 1 has ended and the
/// // coasting track sits 2 km from object 2.
/// let tracks = [tk(0.0, 1.0), tk(1.0, 2_000.0)];
/// let truth = [tr(0.0, 1, 0.0), tr(1.0, 2, 0.0)];
/// let prov = Provenance { labels: BTreeMap::from([(7, 1)]), ..Default::default() };
/// let s = score_with_labels(&tracks, &truth, &prov, &ScoreConfig::default());
/// assert_eq!(s.nees_by_assignment.n, 2); // 1 and 4e6
/// let p = s.provenance.unwrap();
/// assert_eq!((p.n_scored, p.excluded.label_ended), (1, 1));
/// assert_eq!(p.nees.mean, 1.0);
/// ```
pub fn score_with_labels(
    tracks: &[TrackSample],
    truth: &[TruthSample],
    prov: &Provenance,
    cfg: &ScoreConfig,
) -> Scores {
    score_impl(tracks, truth, Some(prov), cfg)
}

fn score_impl(
    tracks: &[TrackSample],
    truth: &[TruthSample],
    prov: Option<&Provenance>,
    cfg: &ScoreConfig,
) -> Scores {
    let by_t = associate(tracks, truth, cfg.assoc_gate_m);
    let mut assigned_truth: Vec<Option<i64>> = vec![None; tracks.len()];
    let mut ospa_sum = 0.0;
    let mut gospa_sum = 0.0;
    let mut rmse: BTreeMap<String, (u64, f64, f64)> = BTreeMap::new();
    let mut truth_assoc = 0u64;
    let mut track_assoc = 0u64;
    let mut per_track: BTreeMap<u64, BTreeMap<i64, u64>> = BTreeMap::new();
    let mut last_track_of_truth: BTreeMap<i64, u64> = BTreeMap::new();
    let mut switches = 0u64;
    let mut nees_all: Vec<f64> = Vec::new();
    let mut nees_phase: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut series = Vec::new();
    for (k, (ti, gi, pairs)) in &by_t {
        let e: Vec<[f64; 3]> = ti.iter().map(|&i| tracks[i].pos_m).collect();
        let g: Vec<[f64; 3]> = gi.iter().map(|&j| truth[j].pos_m).collect();
        ospa_sum += ospa(&e, &g, cfg.c_m, cfg.p);
        gospa_sum += gospa(&e, &g, cfg.c_m, cfg.p).distance;
        let mut nsum = 0.0;
        let mut ncount = 0u32;
        for &(a, b) in pairs {
            let (ts, gs) = (&tracks[a], &truth[b]);
            truth_assoc += 1;
            track_assoc += 1;
            let ent = rmse.entry(gs.phase.name()).or_insert((0, 0.0, 0.0));
            ent.0 += 1;
            ent.1 += d3(&ts.pos_m, &gs.pos_m).powi(2);
            ent.2 += d3(&ts.vel_m_s, &gs.vel_m_s).powi(2);
            *per_track.entry(ts.track_id).or_default().entry(gs.truth_id).or_default() += 1;
            assigned_truth[a] = Some(gs.truth_id);
            if let Some(prev) = last_track_of_truth.insert(gs.truth_id, ts.track_id)
                && prev != ts.track_id
            {
                switches += 1;
            }
            if let Some(v) = nees6(ts, gs) {
                nees_all.push(v);
                nees_phase.entry(gs.phase.name()).or_default().push(v);
                nsum += v;
                ncount += 1;
            }
        }
        if ncount > 0 {
            series.push((*k as f64 / 1e9, nsum / ncount as f64, ncount));
        }
    }
    for (tid, _) in tracks.iter().map(|t| (t.track_id, ())) {
        per_track.entry(tid).or_default();
    }
    let n_times = by_t.len() as u64;
    let purity_num: u64 = per_track.values().map(|m| m.values().copied().max().unwrap_or(0)).sum();
    let purity_den: u64 = per_track.values().map(|m| m.values().sum::<u64>()).sum();
    let false_tracks = per_track.values().filter(|m| m.is_empty()).count() as u64;
    let provenance = prov.map(|l| provenance_scores(tracks, truth, l, &assigned_truth, cfg));
    Scores {
        n_times,
        ospa_mean_m: if n_times > 0 { ospa_sum / n_times as f64 } else { 0.0 },
        gospa_mean_m: if n_times > 0 { gospa_sum / n_times as f64 } else { 0.0 },
        rmse_by_phase: rmse_rows(rmse),
        completeness: if truth.is_empty() { 0.0 } else { truth_assoc as f64 / truth.len() as f64 },
        purity: if purity_den > 0 { purity_num as f64 / purity_den as f64 } else { 0.0 },
        id_switches: switches,
        false_tracks,
        tracks: per_track.len() as u64,
        unassociated_track_sample_frac: if tracks.is_empty() {
            0.0
        } else {
            1.0 - track_assoc as f64 / tracks.len() as f64
        },
        nees_by_assignment: nees_summary(nees_all, nees_phase, series, cfg.nees_alpha),
        provenance,
        assigned_truth,
    }
}

/// The provenance scores (see [`score_with_labels`]).
fn provenance_scores(
    tracks: &[TrackSample],
    truth: &[TruthSample],
    prov: &Provenance,
    assigned: &[Option<i64>],
    cfg: &ScoreConfig,
) -> ProvenanceScores {
    let labels = &prov.labels;
    // Truth sample by (time, id), and each object's first and last time.
    let mut at: std::collections::HashMap<(i64, i64), usize> = std::collections::HashMap::new();
    let mut span: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    for (j, g) in truth.iter().enumerate() {
        let k = key(g.t_s);
        at.insert((k, g.truth_id), j);
        let e = span.entry(g.truth_id).or_insert((k, k));
        e.0 = e.0.min(k);
        e.1 = e.1.max(k);
    }
    let mut ex = ProvenanceExcluded::default();
    let mut other_nees = Vec::new();
    let mut other_in_gate_nees = Vec::new();
    let (mut n_scored, mut n_unassigned, mut n_other_in_gate) = (0u64, 0u64, 0u64);
    let (mut n_successor, mut n_carrier) = (0u64, 0u64);
    let mut rmse: BTreeMap<String, (u64, f64, f64)> = BTreeMap::new();
    let mut all = Vec::new();
    let mut by_phase: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut by_time: BTreeMap<i64, (f64, u32)> = BTreeMap::new();
    for (i, ts) in tracks.iter().enumerate() {
        let Some(&label) = labels.get(&ts.track_id) else {
            ex.no_label += 1;
            continue;
        };
        let k = key(ts.t_s);
        let (mut label, mut j) = (label, at.get(&(k, label)).copied());
        if j.is_none() {
            // Ended: the first successor flying now; not yet released: the first
            // carrier flying now (the chains are short; the bound guards against a
            // cyclic map).
            let ended = span.get(&label).is_some_and(|&(_, last)| k > last);
            let (chain, count) =
                if ended { (&prov.successors, &mut n_successor) } else { (&prov.carriers, &mut n_carrier) };
            let mut cur = label;
            for _ in 0..8 {
                let Some(&next) = chain.get(&cur) else { break };
                if let Some(&jj) = at.get(&(k, next)) {
                    (label, j) = (next, Some(jj));
                    *count += 1;
                    break;
                }
                cur = next;
            }
        }
        let Some(j) = j else {
            match span.get(&label) {
                Some(&(first, _)) if k < first => ex.label_not_yet_flying += 1,
                _ => ex.label_ended += 1,
            }
            continue;
        };
        let gs = &truth[j];
        match assigned[i] {
            Some(other) if other != label && d3(&ts.pos_m, &gs.pos_m) > cfg.assoc_gate_m => {
                ex.assigned_to_other_truth += 1;
                if let Some(v) = nees6(ts, gs) {
                    other_nees.push(v);
                }
                continue;
            }
            Some(other) if other != label => {
                n_other_in_gate += 1;
                if let Some(v) = nees6(ts, gs) {
                    other_in_gate_nees.push(v);
                }
            }
            None => n_unassigned += 1,
            Some(_) => {}
        }
        n_scored += 1;
        let ent = rmse.entry(gs.phase.name()).or_insert((0, 0.0, 0.0));
        ent.0 += 1;
        ent.1 += d3(&ts.pos_m, &gs.pos_m).powi(2);
        ent.2 += d3(&ts.vel_m_s, &gs.vel_m_s).powi(2);
        match nees6(ts, gs) {
            Some(v) => {
                all.push(v);
                by_phase.entry(gs.phase.name()).or_default().push(v);
                let e = by_time.entry(k).or_default();
                e.0 += v;
                e.1 += 1;
            }
            None => ex.no_covariance += 1,
        }
    }
    ex.assigned_to_other_truth_nees_median = median(&mut other_nees);
    let labelled_tracks = {
        let mut ids: Vec<u64> =
            tracks.iter().map(|t| t.track_id).filter(|id| labels.contains_key(id)).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len() as u64
    };
    let series = by_time.into_iter().map(|(k, (sum, n))| (k as f64 / 1e9, sum / n as f64, n)).collect();
    ProvenanceScores {
        n_samples: tracks.len() as u64,
        n_scored,
        n_scored_unassigned: n_unassigned,
        n_scored_on_successor: n_successor,
        n_scored_on_carrier: n_carrier,
        n_scored_assigned_to_other: n_other_in_gate,
        n_scored_assigned_to_other_nees_median: median(&mut other_in_gate_nees),
        excluded: ex,
        labelled_tracks,
        rmse_by_phase: rmse_rows(rmse),
        nees: nees_summary(all, by_phase, series, cfg.nees_alpha),
    }
}

/// Timeline of one launch, s (None when the event never happened).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct LaunchTimeline {
    /// Truth id of the launched object (the booster).
    pub truth_id: i64,
    /// Launch time.
    pub launch_s: f64,
    /// First detection of the object (from the detections' scoring-only truth ids).
    pub first_detection_s: Option<f64>,
    /// First reported 3-D track state associated with it.
    pub first_track_s: Option<f64>,
    /// First associated state of a confirmed track.
    pub confirmed_s: Option<f64>,
    /// First associated state with fire-control quality.
    pub fire_control_s: Option<f64>,
}

/// Per-launch timelines. `launches`: (truth id, launch time); `detections`:
/// (observation time, truth id) of every detection (scoring-only ids).
pub fn timelines(
    launches: &[(i64, f64)],
    detections: &[(f64, i64)],
    tracks: &[TrackSample],
    truth: &[TruthSample],
    cfg: &ScoreConfig,
) -> Vec<LaunchTimeline> {
    let by_t = associate(tracks, truth, cfg.assoc_gate_m);
    let mut out: Vec<LaunchTimeline> = launches
        .iter()
        .map(|&(id, t)| LaunchTimeline {
            truth_id: id,
            launch_s: t,
            first_detection_s: None,
            first_track_s: None,
            confirmed_s: None,
            fire_control_s: None,
        })
        .collect();
    let first = |slot: &mut Option<f64>, t: f64| {
        if slot.is_none_or(|s| t < s) {
            *slot = Some(t);
        }
    };
    for &(t, id) in detections {
        if let Some(l) = out.iter_mut().find(|l| l.truth_id == id) {
            first(&mut l.first_detection_s, t);
        }
    }
    for (_, (_, _, pairs)) in by_t {
        for (a, b) in pairs {
            let (ts, gs) = (&tracks[a], &truth[b]);
            if let Some(l) = out.iter_mut().find(|l| l.truth_id == gs.truth_id) {
                first(&mut l.first_track_s, ts.t_s);
                if ts.confirmed {
                    first(&mut l.confirmed_s, ts.t_s);
                }
                if ts.fire_control_quality {
                    first(&mut l.fire_control_s, ts.t_s);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tr(t: f64, id: i64, x: f64) -> TruthSample {
        TruthSample {
            t_s: t,
            truth_id: id,
            pos_m: [x, 0.0, 0.0],
            vel_m_s: [1.0, 0.0, 0.0],
            phase: Phase::Midcourse,
        }
    }
    /// Each entry of the upper triangle has its own slot, and the full matrix comes
    /// back to the bit (the scores read it through `get`).
    #[test]
    fn sym_cov_keeps_every_entry() {
        let mut m = [[0.0; 6]; 6];
        for i in 0..6 {
            for j in i..6 {
                m[i][j] = (10 * i + j) as f64 + 0.125;
                m[j][i] = m[i][j];
            }
        }
        let c = SymCov6::from_rows(&m);
        assert_eq!(c.to_rows(), m);
        let mut seen = c.0.to_vec();
        seen.sort_by(f64::total_cmp);
        seen.dedup();
        assert_eq!(seen.len(), 21);
    }

    fn tk(t: f64, id: u64, x: f64) -> TrackSample {
        TrackSample {
            t_s: t,
            track_id: id,
            pos_m: [x, 0.0, 0.0],
            vel_m_s: [1.0, 0.0, 0.0],
            cov_pv: Some(SymCov6::from_rows(&{
                let mut c = [[0.0; 6]; 6];
                for (i, row) in c.iter_mut().enumerate() {
                    row[i] = 1.0;
                }
                c
            })),
            confirmed: true,
            fire_control_quality: t >= 2.0,
        }
    }

    #[test]
    fn counts_switches_false_tracks_purity_and_nees() {
        // Truth 0 at x = 0, truth 1 at x = 1000. Track 10 follows truth 0 for t = 0, 1,
        // then track 11 takes over (one ID switch). Track 12 is far away (false).
        let truth: Vec<TruthSample> =
            (0..4).flat_map(|t| [tr(t as f64, 0, 0.0), tr(t as f64, 1, 1000.0)]).collect();
        let mut tracks = vec![tk(0.0, 10, 1.0), tk(1.0, 10, 1.0), tk(2.0, 11, 2.0), tk(3.0, 11, 2.0)];
        tracks.extend((0..4).map(|t| tk(t as f64, 20, 1000.0)));
        tracks.push(tk(1.0, 12, 50_000.0));
        let s = score(
            &tracks,
            &truth,
            &ScoreConfig { assoc_gate_m: 100.0, c_m: 100.0, p: 1.0, nees_alpha: 0.05 },
        );
        assert_eq!(s.id_switches, 1);
        assert_eq!(s.false_tracks, 1);
        assert_eq!(s.tracks, 4);
        assert!((s.completeness - 1.0).abs() < 1e-12);
        assert!((s.purity - 1.0).abs() < 1e-12);
        assert!((s.unassociated_track_sample_frac - 1.0 / 9.0).abs() < 1e-12);
        // Errors 1 m and 2 m in x with unit covariance: NEES 1 and 4 (and 0 for track 20).
        let expect_mean = (1.0 + 1.0 + 4.0 + 4.0 + 0.0 * 4.0) / 8.0;
        assert!((s.nees_by_assignment.mean - expect_mean).abs() < 1e-12);
        // Sorted: 0 0 0 0 1 1 4 4: median (0 + 1) / 2; none above 16.81.
        assert!((s.nees_by_assignment.median - 0.5).abs() < 1e-12);
        assert_eq!(s.nees_by_assignment.above_99, 0.0);
        assert_eq!(s.nees_by_assignment.by_phase.len(), 1);
        assert_eq!(s.nees_by_assignment.by_phase[0].n, 8);
        assert!((s.nees_by_assignment.by_phase[0].mean - expect_mean).abs() < 1e-12);
        assert_eq!(s.rmse_by_phase.len(), 1);
        let r = &s.rmse_by_phase[0];
        assert!((r.pos_rmse_m - (10.0f64 / 8.0).sqrt()).abs() < 1e-12);
        let tl = timelines(
            &[(0, -10.0)],
            &[(-5.0, 0), (-3.0, 0), (-4.0, 1)],
            &tracks,
            &truth,
            &ScoreConfig { assoc_gate_m: 100.0, ..Default::default() },
        );
        assert_eq!(tl[0].first_detection_s, Some(-5.0));
        assert_eq!(tl[0].first_track_s, Some(0.0));
        assert_eq!(tl[0].fire_control_s, Some(2.0));
    }

    #[test]
    fn provenance_scores_sort_samples_by_reason() {
        // Truth 0 at x = 0 for t = 0..4; truth 1 at x = 1000 from t = 2 on; truth 2 at
        // x = 3000 for t = 0..1 only.
        let mut truth: Vec<TruthSample> = (0..5).map(|t| tr(t as f64, 0, 0.0)).collect();
        truth.extend((2..5).map(|t| tr(t as f64, 1, 1000.0)));
        truth.extend((0..2).map(|t| tr(t as f64, 2, 3000.0)));
        let mut tracks = Vec::new();
        // Track 10, label 0: 1 m off for t = 0..2 (NEES 1), then at t = 3, 4 it sits on
        // truth 1 (a swap: the assignment pairs it with 1).
        tracks.extend((0..3).map(|t| tk(t as f64, 10, 1.0)));
        tracks.extend((3..5).map(|t| tk(t as f64, 10, 1000.5)));
        // Track 11, label 1: t = 0, 1 before truth 1 exists (fed by its carrier), then
        // 2 m off truth 1 (NEES 4) at t = 2, 3, 4 (at t = 3, 4 track 10 is nearer truth 1,
        // so the assignment pairs track 11 with nobody: scored, counted as unassigned).
        tracks.extend((0..2).map(|t| tk(t as f64, 11, 500.0)));
        tracks.extend((2..5).map(|t| tk(t as f64, 11, 1002.0)));
        // Track 12, label 2: 3 m off at t = 0, 1 (NEES 9), coasting on at t = 2, 3.
        tracks.extend((0..4).map(|t| tk(t as f64, 12, 3003.0)));
        // Track 13: no label.
        tracks.push(tk(0.0, 13, 9_000.0));
        let mut prov =
            Provenance { labels: BTreeMap::from([(10, 0), (11, 1), (12, 2)]), ..Default::default() };
        let cfg = ScoreConfig { assoc_gate_m: 100.0, c_m: 100.0, p: 1.0, nees_alpha: 0.05 };
        let s = score_with_labels(&tracks, &truth, &prov, &cfg);
        let p = s.provenance.clone().expect("provenance scores");
        assert_eq!(p.n_samples, tracks.len() as u64);
        assert_eq!(p.labelled_tracks, 3);
        assert_eq!(p.excluded.no_label, 1);
        assert_eq!(p.excluded.label_not_yet_flying, 2);
        assert_eq!(p.excluded.label_ended, 2);
        assert_eq!(p.excluded.assigned_to_other_truth, 2);
        // The swapped samples are 1000.5 m from their label: NEES 1000.5^2.
        assert!((p.excluded.assigned_to_other_truth_nees_median - 1000.5f64.powi(2)).abs() < 1e-6);
        // Scored: track 10 at t = 0..2 (1), track 11 at t = 2..4 (4), track 12 at t = 0, 1 (9).
        assert_eq!(p.n_scored, 8);
        assert_eq!(p.n_scored_unassigned, 2);
        let expect = (3.0 * 1.0 + 3.0 * 4.0 + 2.0 * 9.0) / 8.0;
        assert!((p.nees.mean - expect).abs() < 1e-12, "{}", p.nees.mean);
        assert_eq!(p.nees.n, 8);
        let r = &p.rmse_by_phase[0];
        assert!((r.pos_rmse_m - ((3.0 + 12.0 + 18.0) / 8.0f64).sqrt()).abs() < 1e-12);
        // The assignment-based NEES includes the swapped samples against truth 1 (0.5 m).
        assert_eq!(s.assigned_truth[3], Some(1));
        assert!(score(&tracks, &truth, &cfg).provenance.is_none());
        // With truth 2 continued by a truth 3 (x = 3010) from t = 2 on, track 12's two
        // coasting samples are scored against it (7 m off: NEES 49).
        truth.extend((2..5).map(|t| tr(t as f64, 3, 3010.0)));
        prov.successors.insert(2, 3);
        let p = score_with_labels(&tracks, &truth, &prov, &cfg).provenance.expect("provenance scores");
        assert_eq!((p.excluded.label_ended, p.n_scored_on_successor, p.n_scored), (0, 2, 10));
        assert!((p.nees.mean - (expect * 8.0 + 2.0 * 49.0) / 10.0).abs() < 1e-9, "{}", p.nees.mean);
        // With truth 1 carried by truth 0 before its release, track 11's first two
        // samples are scored against truth 0 (500 m off: NEES 250,000).
        prov.carriers.insert(1, 0);
        let p = score_with_labels(&tracks, &truth, &prov, &cfg).provenance.expect("provenance scores");
        assert_eq!((p.excluded.label_not_yet_flying, p.n_scored_on_carrier, p.n_scored), (0, 2, 12));
        let with_carrier = (expect * 8.0 + 2.0 * 49.0 + 2.0 * 250_000.0) / 12.0;
        assert!((p.nees.mean / with_carrier - 1.0).abs() < 1e-12, "{}", p.nees.mean);
    }

    #[test]
    fn provenance_keeps_samples_paired_with_a_close_neighbour() {
        // Objects 0 and 1 fly 50 m apart (gate 100 m); the only track, labelled 0, sits
        // 10 m from object 1 and 40 m from object 0: the assignment pairs it with 1, but
        // its label is within the gate, so it is scored against 0 (NEES 40^2).
        let truth = [tr(0.0, 0, 0.0), tr(0.0, 1, 50.0)];
        let tracks = [tk(0.0, 5, 40.0)];
        let prov = Provenance { labels: BTreeMap::from([(5, 0)]), ..Default::default() };
        let cfg = ScoreConfig { assoc_gate_m: 100.0, c_m: 100.0, p: 1.0, nees_alpha: 0.05 };
        let s = score_with_labels(&tracks, &truth, &prov, &cfg);
        assert_eq!(s.assigned_truth, vec![Some(1)]);
        let p = s.provenance.expect("provenance scores");
        assert_eq!((p.n_scored, p.n_scored_assigned_to_other, p.excluded.assigned_to_other_truth), (1, 1, 0));
        assert!((p.n_scored_assigned_to_other_nees_median - 1600.0).abs() < 1e-9);
        assert!((p.nees.mean - 1600.0).abs() < 1e-9);
    }
}
