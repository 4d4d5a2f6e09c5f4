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

use super::{gospa, ospa};
use crate::assign::Lap;
use crate::linalg::chi2_quantile;
use nalgebra::{Matrix6, Vector6};
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
    pub cov_pv: Option<[[f64; 6]; 6]>,
    /// The track was confirmed at this time.
    pub confirmed: bool,
    /// Fire-control quality flag.
    pub fire_control_quality: bool,
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
    /// NEES.
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
    let mut lap = Lap::new();
    let mut cost = Vec::new();
    for (_, (ti, gi, pairs)) in by_t.iter_mut() {
        if ti.is_empty() || gi.is_empty() {
            continue;
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
        if lap.solve(&cost, nr, cols).is_ok() {
            for r in 0..nr {
                let c = lap.col4row[r];
                if c < ng {
                    pairs.push((ti[r], gi[c]));
                }
            }
        }
    }
    by_t
}

/// Score `tracks` against `truth`.
pub fn score(tracks: &[TrackSample], truth: &[TruthSample], cfg: &ScoreConfig) -> Scores {
    let by_t = associate(tracks, truth, cfg.assoc_gate_m);
    let mut ospa_sum = 0.0;
    let mut gospa_sum = 0.0;
    let mut rmse: BTreeMap<String, (u64, f64, f64)> = BTreeMap::new();
    let mut truth_assoc = 0u64;
    let mut track_assoc = 0u64;
    let mut per_track: BTreeMap<u64, BTreeMap<i64, u64>> = BTreeMap::new();
    let mut last_track_of_truth: BTreeMap<i64, u64> = BTreeMap::new();
    let mut switches = 0u64;
    let mut nees_all = Vec::new();
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
            if let Some(prev) = last_track_of_truth.insert(gs.truth_id, ts.track_id)
                && prev != ts.track_id
            {
                switches += 1;
            }
            if let Some(c) = ts.cov_pv {
                let p = Matrix6::from_fn(|i, j| c[i][j]);
                if let Some(pi) = p.try_inverse() {
                    let e = Vector6::new(
                        ts.pos_m[0] - gs.pos_m[0],
                        ts.pos_m[1] - gs.pos_m[1],
                        ts.pos_m[2] - gs.pos_m[2],
                        ts.vel_m_s[0] - gs.vel_m_s[0],
                        ts.vel_m_s[1] - gs.vel_m_s[1],
                        ts.vel_m_s[2] - gs.vel_m_s[2],
                    );
                    let v = (e.transpose() * pi * e)[0];
                    if v.is_finite() {
                        nees_all.push(v);
                        nees_phase.entry(gs.phase.name()).or_default().push(v);
                        nsum += v;
                        ncount += 1;
                    }
                }
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
    let nn = nees_all.len() as f64;
    let (lower, upper) = if nn > 0.0 {
        (
            chi2_quantile(cfg.nees_alpha / 2.0, 6.0 * nn) / nn,
            chi2_quantile(1.0 - cfg.nees_alpha / 2.0, 6.0 * nn) / nn,
        )
    } else {
        (f64::NAN, f64::NAN)
    };
    Scores {
        n_times,
        ospa_mean_m: if n_times > 0 { ospa_sum / n_times as f64 } else { 0.0 },
        gospa_mean_m: if n_times > 0 { gospa_sum / n_times as f64 } else { 0.0 },
        rmse_by_phase: rmse
            .into_iter()
            .map(|(phase, (n, p2, v2))| PhaseRmse {
                phase,
                n,
                pos_rmse_m: (p2 / n as f64).sqrt(),
                vel_rmse_m_s: (v2 / n as f64).sqrt(),
            })
            .collect(),
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
        nees: NeesSummary {
            n: nees_all.len() as u64,
            mean: if nn > 0.0 { nees_all.iter().sum::<f64>() / nn } else { f64::NAN },
            lower,
            upper,
            above_99: above_99(&nees_all),
            median: median(&mut nees_all.clone()),
            by_phase: nees_phase
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
        },
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
    fn tk(t: f64, id: u64, x: f64) -> TrackSample {
        TrackSample {
            t_s: t,
            track_id: id,
            pos_m: [x, 0.0, 0.0],
            vel_m_s: [1.0, 0.0, 0.0],
            cov_pv: Some({
                let mut c = [[0.0; 6]; 6];
                for (i, row) in c.iter_mut().enumerate() {
                    row[i] = 1.0;
                }
                c
            }),
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
        assert!((s.nees.mean - expect_mean).abs() < 1e-12);
        // Sorted: 0 0 0 0 1 1 4 4: median (0 + 1) / 2; none above 16.81.
        assert!((s.nees.median - 0.5).abs() < 1e-12);
        assert_eq!(s.nees.above_99, 0.0);
        assert_eq!(s.nees.by_phase.len(), 1);
        assert_eq!(s.nees.by_phase[0].n, 8);
        assert!((s.nees.by_phase[0].mean - expect_mean).abs() < 1e-12);
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
}
