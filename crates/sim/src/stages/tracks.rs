//! Tracks stage: the fusion node. Holds every detection until its arrival time, feeds
//! the space tracker (`tl_track::space::SpaceTracker`, configured by `[tracker.space]`)
//! in arrival order, and writes the confirmed tracks predicted to each step time, with
//! their products, to the `tracks` table.
//!
//! The tracker sees detections only. Truth (`World::objects`) is read here for scoring
//! at the end of the run and never reaches the tracker. Scores in `summary.json`
//! (`stages.tracks`): the tracker's counters, OSPA/GOSPA, RMSE by phase, completeness,
//! purity, ID switches, false tracks and NEES (`tl_track::metrics::scoring`, association
//! gate 5 km, c = 5 km, p = 1), and per launch three checkpoints, at burnout and at
//! burnout plus 60 s and plus 300 s: the launch's track at that step, its predicted
//! impact against the flight's impact point (the first reentry vehicle's) and its launch
//! estimate against the launch site and time.
//!
//! The launch's track at a checkpoint is the reported track with the most updates from
//! detections of that missile (its booster, post-boost vehicle and reentry vehicles; not
//! spent stages or decoys): the tracker's update log says which detections updated which
//! track, and `World::detection_truth_ids` which object made each detection. No track
//! with such updates: no figure (`null`).
//!
//! **Provenance labels** (scoring only): each confirmed track is labelled with the truth
//! object whose detections gave most of its updates (false alarms not counted), and
//! `stages.tracks.scores.provenance` scores every track sample against its label while
//! that object flies (`tl_track::metrics::scoring::score_with_labels`; before a
//! reentry vehicle, decoy or post-boost vehicle is released, against the vehicle that
//! carries it; after a booster's final cut-off, against its post-boost vehicle, or its
//! reentry vehicle when there is no bus), counting the
//! samples left out and why; `scores.nees_by_assignment` keeps the NEES against the
//! per-time assignment's pairing. See docs/models/tracking.md (Metrics).
//!
//! **Reentry vehicles** (`stages.tracks.rvs`, read by `tracklayer bench`), per object of
//! kind RV:
//! * `completeness_burnout_60s`: share of RVs (of those whose launch reached its
//!   burnout + 60 s within the run, `burnout_60s_in_run`) that had, at some step up to their
//!   launch's burnout + 60 s, a confirmed reported track fed (by provenance: at least one
//!   update from a detection) by that RV or by the vehicles that carried it (its launch's
//!   booster or post-boost vehicle); `own_track_completeness_burnout_60s` counts the RV's
//!   own detections only; `completeness_by_assignment_burnout_60s` asks instead whether
//!   the per-time assignment paired a confirmed track with the RV by then;
//! * `impact_error_m` at burnout + 60 s and + 300 s: percentiles over RVs (that impact)
//!   of the distance between the predicted impact point of the RV's track and the RV's
//!   true impact point (of its flight as prepared: an RV killed by an engagement keeps
//!   the impact it would have had). The RV's track at a checkpoint is the reported track with the
//!   most updates from that RV's detections, or failing any, the one with the most
//!   updates from its carriers (counted as `from_carrier_track`); RVs without a track
//!   with an impact prediction at the checkpoint are counted as `without_figure`, those
//!   whose checkpoint lies after the end of the run as `checkpoint_after_run_end`.

use crate::run::{Outputs, RunError, Stage, TableId, TableKind, World};
use crate::scenario::Prepared;
use crate::summary::Summary;
use std::collections::{BTreeMap, VecDeque};
use tl_core::detection::Detection;
use tl_core::object::ObjectKind;
use tl_io::tables::TRACKS;
use tl_track::metrics::scoring::{
    Provenance, ScoreConfig, SymCov6, TrackSample, TruthSample, score_with_labels,
};
use tl_track::space::{SpaceTracker, TrackReport};

/// Association gate and OSPA cut-off used for the scores, m.
pub const SCORE_GATE_M: f64 = 5_000.0;

/// See the module docs.
pub struct TracksStage<'a> {
    p: &'a Prepared,
    trk: SpaceTracker,
    table: Option<TableId>,
    /// Detections not yet arrived at the fusion node, with their truth objects (-1 for
    /// false alarms; scoring only, never given to the tracker).
    pending: Vec<(Detection, i64)>,
    updates: Vec<TrackReport>,
    snap: Vec<TrackReport>,
    samples: Vec<TrackSample>,
    truth: Vec<TruthSample>,
    /// Per launch, per checkpoint (burnout, +60 s, +300 s).
    checkpoints: Vec<[Checkpoint; 3]>,
    /// Fill `WorldTrack::boost_estimate` (the scenario has weapons).
    wants_boost_estimates: bool,
    /// Truth object and observation time of each detection given to the tracker, in
    /// the order given (the update log's `det_index`), from index `det_truth_base`;
    /// dropped from the front once older than `det_truth_cutoff_s`. Scoring only.
    det_truth: VecDeque<(i64, f64)>,
    det_truth_base: u64,
    /// Detections observed before this time are no longer looked up, s.
    det_truth_cutoff_s: f64,
    /// Per tracker uid, updates per truth object.
    uid_truth: BTreeMap<u64, BTreeMap<i64, u32>>,
    /// Confirmed track id -> tracker uid.
    id_uid: BTreeMap<u64, u64>,
    /// Truth object -> (launch, kind).
    objects: BTreeMap<i64, (u32, ObjectKind)>,
    /// Reentry vehicles of every flight (scoring only).
    rvs: Vec<RvScore>,
    /// Truth id of an RV -> index in `rvs`.
    rv_index: BTreeMap<i64, usize>,
    /// Per launch, first step with a confirmed track fed by one of its carriers.
    carrier_first_s: Vec<Option<f64>>,
    /// Truth id -> the object continuing it after it ends by separation (the booster at
    /// final cut-off -> its post-boost vehicle, or its RV when there is no bus).
    successors: BTreeMap<i64, i64>,
    /// Truth id -> the object that carried it before its release (scoring only).
    carriers: BTreeMap<i64, i64>,
}

/// Scoring figures of one reentry vehicle.
#[derive(Clone, Copy, Debug)]
struct RvScore {
    truth_id: i64,
    launch: usize,
    /// True impact point (`None` if the RV does not reach the ground, e.g. killed).
    impact: Option<tl_core::wgs84::Geodetic>,
    /// First step with a confirmed reported track fed by this RV's detections.
    own_first_s: Option<f64>,
    /// Impact-point error of its track at burnout + 60 s and + 300 s, m, and whether
    /// that track was a carrier's (no track fed by the RV itself).
    impact_error_m: [Option<(f64, bool)>; 2],
}

/// One scoring checkpoint of a launch.
#[derive(Clone, Copy, Debug)]
struct Checkpoint {
    t_s: f64,
    done: bool,
    track_id: Option<u64>,
    impact_miss_m: Option<f64>,
    launch_point_error_m: Option<f64>,
    launch_time_error_s: Option<f64>,
}

impl Checkpoint {
    fn at(t_s: f64) -> Self {
        Self {
            t_s,
            done: false,
            track_id: None,
            impact_miss_m: None,
            launch_point_error_m: None,
            launch_time_error_s: None,
        }
    }
}

/// Detections kept for the truth lookup at most this long after observation, s (beyond
/// the tracker's reorder window and out-of-sequence horizon).
const DET_TRUTH_KEEP_S: f64 = 120.0;

impl<'a> TracksStage<'a> {
    /// The stage for a prepared scenario.
    pub fn new(p: &'a Prepared) -> Result<Self, RunError> {
        let mut trk = SpaceTracker::new(p.scenario.tracker.space.clone(), p.earth)
            .map_err(|e| RunError::Internal(format!("tracker passed validation but: {e}")))?;
        set_pointing_biases(p, &mut trk)?;
        trk.set_update_log(true);
        let checkpoints = p
            .flights
            .iter()
            .map(|f| {
                let b = f.summary.launch_time_s + f.summary.burnout_time_s;
                [Checkpoint::at(b), Checkpoint::at(b + 60.0), Checkpoint::at(b + 300.0)]
            })
            .collect();
        let mut rvs = Vec::new();
        let mut rv_index = BTreeMap::new();
        let mut id = 0i64;
        let mut successors = BTreeMap::new();
        let mut carriers = BTreeMap::new();
        for (li, f) in p.flights.iter().enumerate() {
            for o in &f.objects {
                // Every object but the booster rides on its parent (the booster, or the
                // post-boost vehicle for reentry vehicles and decoys) until it separates.
                if let Some(parent) = o.parent {
                    carriers.insert(id, id - o.index as i64 + parent as i64);
                }
                if o.end == tl_threat::EndReason::Separated {
                    let starts_here = |c: &&tl_threat::objects::ObjectTrack| {
                        c.parent == Some(o.index) && (c.t_start_s - o.t_end_s).abs() < 1e-6
                    };
                    let next = f
                        .objects
                        .iter()
                        .filter(starts_here)
                        .find(|c| c.kind == ObjectKind::PostBoostVehicle)
                        .or_else(|| {
                            f.objects
                                .iter()
                                .filter(starts_here)
                                .find(|c| c.kind == ObjectKind::ReentryVehicle)
                        });
                    if let Some(c) = next {
                        successors.insert(id, id - o.index as i64 + c.index as i64);
                    }
                }
                if o.kind == ObjectKind::ReentryVehicle {
                    let impact = (o.end == tl_threat::EndReason::Impact)
                        .then(|| o.state(o.t_end_s))
                        .flatten()
                        .map(|s| tl_core::wgs84::Geodetic::from_ecef(&s.pos_ecef_m));
                    rv_index.insert(id, rvs.len());
                    rvs.push(RvScore {
                        truth_id: id,
                        launch: li,
                        impact,
                        own_first_s: None,
                        impact_error_m: [None; 2],
                    });
                }
                id += 1;
            }
        }
        Ok(Self {
            p,
            trk,
            table: None,
            pending: Vec::new(),
            updates: Vec::new(),
            snap: Vec::new(),
            samples: Vec::new(),
            truth: Vec::new(),
            checkpoints,
            wants_boost_estimates: !p.scenario.weapons.is_empty(),
            det_truth: VecDeque::new(),
            det_truth_base: 0,
            det_truth_cutoff_s: f64::NEG_INFINITY,
            uid_truth: BTreeMap::new(),
            id_uid: BTreeMap::new(),
            objects: BTreeMap::new(),
            rvs,
            rv_index,
            carrier_first_s: vec![None; p.flights.len()],
            successors,
            carriers,
        })
    }
}

impl TracksStage<'_> {
    /// The `rvs` section of the summary (see the module docs); `assigned[i]`: RV `i`
    /// was paired with a confirmed track by the assignment up to burnout + 60 s.
    fn rv_summary(&self, assigned: &[bool]) -> serde_json::Value {
        // Only RVs whose launch reached burnout + 60 s within the run count for the
        // completeness (a shorter run would otherwise count them as missed).
        let reached = |i: usize, slot: usize| self.checkpoints[self.rvs[i].launch][slot + 1].done;
        let in_run: Vec<usize> = (0..self.rvs.len()).filter(|&i| reached(i, 0)).collect();
        let n = in_run.len();
        let share =
            |k: usize| if n > 0 { serde_json::json!(k as f64 / n as f64) } else { serde_json::Value::Null };
        let by = |i: usize| self.checkpoints[self.rvs[i].launch][1].t_s;
        let own = in_run.iter().filter(|&&i| self.rvs[i].own_first_s.is_some_and(|t| t <= by(i))).count();
        let fed = in_run
            .iter()
            .filter(|&&i| {
                let rv = &self.rvs[i];
                rv.own_first_s.into_iter().chain(self.carrier_first_s[rv.launch]).any(|t| t <= by(i))
            })
            .count();
        let by_assignment = in_run.iter().filter(|&&i| assigned[i]).count();
        let impacting = self.rvs.iter().filter(|rv| rv.impact.is_some()).count();
        let mut errors = serde_json::Map::new();
        for (slot, name) in ["burnout_plus_60s", "burnout_plus_300s"].into_iter().enumerate() {
            let v: Vec<f64> = self.rvs.iter().filter_map(|rv| rv.impact_error_m[slot].map(|e| e.0)).collect();
            let from_carrier =
                self.rvs.iter().filter(|rv| rv.impact_error_m[slot].is_some_and(|e| e.1)).count();
            let due =
                (0..self.rvs.len()).filter(|&i| self.rvs[i].impact.is_some() && reached(i, slot)).count();
            let mut pc = percentiles(v);
            pc["from_carrier_track"] = serde_json::json!(from_carrier);
            pc["without_figure"] = serde_json::json!(due - pc["n"].as_u64().unwrap_or(0) as usize);
            pc["checkpoint_after_run_end"] = serde_json::json!(impacting - due);
            errors.insert(name.into(), pc);
        }
        serde_json::json!({
            "count": self.rvs.len(),
            "burnout_60s_in_run": n,
            "impacting": impacting,
            "completeness_burnout_60s": share(fed),
            "own_track_completeness_burnout_60s": share(own),
            "completeness_by_assignment_burnout_60s": share(by_assignment),
            "impact_error_m": errors,
        })
    }
}

/// Tell the tracker each sensor's pointing-bias standard deviation (a payload
/// specification, like the detections' covariance; the drawn biases stay unknown to it):
/// sensor `j` of satellite `s` is payload `j` of its constellation, as in the detections
/// stage.
pub fn set_pointing_biases(p: &Prepared, trk: &mut SpaceTracker) -> Result<(), RunError> {
    let mut per_constellation = Vec::with_capacity(p.scenario.constellations.len());
    for (i, c) in p.scenario.constellations.iter().enumerate() {
        let mut v = Vec::with_capacity(c.payload.len());
        for (j, pc) in c.payload.iter().enumerate() {
            let pl = pc.build().map_err(|e| {
                RunError::Internal(format!("constellation[{i}].payload[{j}] passed validation but: {e}"))
            })?;
            v.push(pl.pointing_bias_rad);
        }
        per_constellation.push(v);
    }
    for (s, e) in p.satellites.iter().enumerate() {
        for (j, &b) in per_constellation[e.constellation].iter().enumerate() {
            trk.set_pointing_bias(s as u32, j as u32, b);
        }
    }
    Ok(())
}

/// Impact-point error of each reentry vehicle of launch `li` at checkpoint `slot`
/// (0: burnout + 60 s, 1: + 300 s): the reported track with the most updates from the
/// RV's detections, else the one with the most from its launch's booster and post-boost
/// vehicle (see the module docs). Scoring only.
fn rv_impact_errors(
    li: usize,
    slot: usize,
    snap: &[TrackReport],
    id_uid: &BTreeMap<u64, u64>,
    uid_truth: &BTreeMap<u64, BTreeMap<i64, u32>>,
    objects: &BTreeMap<i64, (u32, ObjectKind)>,
    rvs: &mut [RvScore],
) {
    for rv in rvs.iter_mut().filter(|rv| rv.launch == li) {
        let Some(truth_impact) = rv.impact else { continue };
        // (own updates, carrier updates, track id) of the best track so far.
        let mut best: Option<(u32, u32, u64, &TrackReport)> = None;
        for r in snap {
            let Some(per) = id_uid.get(&r.track_id).and_then(|u| uid_truth.get(u)) else { continue };
            let own = per.get(&rv.truth_id).copied().unwrap_or(0);
            let carrier: u32 = per
                .iter()
                .filter(|(tid, _)| {
                    objects.get(tid).is_some_and(|&(l, k)| {
                        l as usize == li && matches!(k, ObjectKind::Booster | ObjectKind::PostBoostVehicle)
                    })
                })
                .map(|(_, n)| *n)
                .sum();
            if own == 0 && carrier == 0 {
                continue;
            }
            let better = match best {
                None => true,
                Some((bo, bc, bid, _)) => {
                    (own, carrier) > (bo, bc) || ((own, carrier) == (bo, bc) && r.track_id < bid)
                }
            };
            if better {
                best = Some((own, carrier, r.track_id, r));
            }
        }
        let Some((own, _, _, r)) = best else { continue };
        if let Some(imp) = r.products.impact {
            let est = tl_core::wgs84::Geodetic::from_deg(imp.lat_deg, imp.lon_deg, 0.0);
            let on_ground =
                tl_core::wgs84::Geodetic::from_deg(truth_impact.lat_deg(), truth_impact.lon_deg(), 0.0);
            rv.impact_error_m[slot] = Some((tl_core::wgs84::geodesic_distance_m(&est, &on_ground), own == 0));
        }
    }
}

/// Percentiles (nearest rank) p50, p90 and the maximum of `v`, with the count.
fn percentiles(mut v: Vec<f64>) -> serde_json::Value {
    v.sort_by(f64::total_cmp);
    let at = |q: f64| -> Option<f64> {
        if v.is_empty() {
            return None;
        }
        let k = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
        Some(v[k - 1])
    };
    serde_json::json!({ "n": v.len(), "p50": at(0.5), "p90": at(0.9), "max": v.last() })
}

fn opt(v: Option<f64>) -> f64 {
    v.unwrap_or(f64::NAN)
}

impl Stage for TracksStage<'_> {
    fn name(&self) -> &'static str {
        "tracks"
    }

    fn open(&mut self, out: &mut Outputs) -> Result<(), RunError> {
        self.table = Some(out.open(&TRACKS, TableKind::Sampled)?);
        Ok(())
    }

    fn step(&mut self, world: &mut World, out: &mut Outputs) -> Result<(), RunError> {
        let t = world.t_s;
        for o in &world.objects {
            self.objects.entry(o.object_id as i64).or_insert((o.launch, o.kind));
        }
        // The fusion node receives a detection at its arrival time.
        // (Scoring only: which object made each detection; the tracker never sees it.)
        self.pending.extend(world.detections.iter().copied().zip(world.detection_truth_ids.iter().copied()));
        // Stable: detections arriving at the same time keep their order.
        self.pending.sort_by_cached_key(|d| tl_core::time::total_order_key(d.0.t_arrival_s));
        let n = self.pending.partition_point(|d| d.0.t_arrival_s <= t);
        for (d, tid) in self.pending.drain(..n) {
            self.trk.push(&d);
            self.det_truth.push_back((tid, d.t_obs_s));
        }
        self.trk.advance(t, &mut self.updates);
        self.updates.clear();
        for r in self.trk.take_update_log() {
            let tid = r
                .det_index
                .checked_sub(self.det_truth_base)
                .and_then(|k| self.det_truth.get(k as usize))
                .filter(|v| v.1 >= self.det_truth_cutoff_s)
                .map_or(-1, |v| v.0);
            *self.uid_truth.entry(r.track_uid).or_default().entry(tid).or_default() += 1;
            if let Some(id) = r.track_id {
                self.id_uid.insert(id, r.track_uid);
            }
        }
        if ((t / self.p.scenario.step_s).round() as u64).is_multiple_of(64) {
            self.det_truth_cutoff_s = t - DET_TRUTH_KEEP_S;
            while self.det_truth.front().is_some_and(|v| v.1 < self.det_truth_cutoff_s) {
                self.det_truth.pop_front();
                self.det_truth_base += 1;
            }
        }
        self.snap.clear();
        self.trk.snapshot(t, &mut self.snap);
        world.tracks.clear();
        for r in &self.snap {
            let boosting = matches!(r.products.phase, tl_core::object::Phase::Boost(_));
            let boost_estimate = if self.wants_boost_estimates && boosting {
                self.trk.mode_estimate(r.track_id, tl_track::motion::ModelKind::Boost)
            } else {
                None
            };
            world.tracks.push(crate::run::WorldTrack { report: *r, boost_estimate });
        }
        // Scoring only: first step with a confirmed track fed by each RV / each launch's
        // carriers (booster, post-boost vehicle).
        for r in &self.snap {
            let Some(per) = self.id_uid.get(&r.track_id).and_then(|u| self.uid_truth.get(u)) else {
                continue;
            };
            for &tid in per.keys() {
                if let Some(&i) = self.rv_index.get(&tid) {
                    self.rvs[i].own_first_s.get_or_insert(t);
                } else if let Some(&(l, k)) = self.objects.get(&tid)
                    && matches!(k, ObjectKind::Booster | ObjectKind::PostBoostVehicle)
                    && let Some(slot) = self.carrier_first_s.get_mut(l as usize)
                {
                    slot.get_or_insert(t);
                }
            }
        }
        let table = self.table.ok_or_else(|| RunError::Internal("tracks table not open".into()))?;
        for r in &self.snap {
            let pr = &r.products;
            let c = &r.cov_pv;
            out.write(
                table,
                &[
                    t.into(),
                    (r.track_id.min(u32::MAX as u64) as u32).into(),
                    r.t_update_s.into(),
                    r.pos_eci_m[0].into(),
                    r.pos_eci_m[1].into(),
                    r.pos_eci_m[2].into(),
                    r.vel_eci_m_s[0].into(),
                    r.vel_eci_m_s[1].into(),
                    r.vel_eci_m_s[2].into(),
                    c[0][0].into(),
                    c[1][1].into(),
                    c[2][2].into(),
                    c[3][3].into(),
                    c[4][4].into(),
                    c[5][5].into(),
                    pr.pos_sigma_max_m.into(),
                    r.thrust_m_s2.into(),
                    r.inv_ballistic_m2_kg.into(),
                    r.mode_prob[0].into(),
                    r.mode_prob[1].into(),
                    r.mode_prob[2].into(),
                    r.n_updates.into(),
                    r.n_sats.into(),
                    pr.phase.name().as_str().into(),
                    pr.fire_control_quality.into(),
                    pr.class_guess.into(),
                    opt(pr.burnout_s).into(),
                    opt(pr.launch.map(|l| l.t_launch_s)).into(),
                    opt(pr.launch.map(|l| l.t_std_s)).into(),
                    opt(pr.launch.map(|l| l.lat_deg)).into(),
                    opt(pr.launch.map(|l| l.lon_deg)).into(),
                    opt(pr.launch.map(|l| l.pos_std_m)).into(),
                    opt(pr.impact.map(|i| i.t_impact_s)).into(),
                    opt(pr.impact.map(|i| i.t_impact_s - r.t_update_s)).into(),
                    opt(pr.impact.map(|i| i.lat_deg)).into(),
                    opt(pr.impact.map(|i| i.lon_deg)).into(),
                    opt(pr.impact.map(|i| i.semi_major_2s_m)).into(),
                    opt(pr.impact.map(|i| i.semi_minor_2s_m)).into(),
                    opt(pr.impact.map(|i| i.major_azimuth_deg)).into(),
                ],
            )?;
            self.samples.push(TrackSample {
                t_s: t,
                track_id: r.track_id,
                pos_m: r.pos_eci_m,
                vel_m_s: r.vel_eci_m_s,
                cov_pv: Some(SymCov6::from_rows(&r.cov_pv)),
                confirmed: true,
                fire_control_quality: pr.fire_control_quality,
            });
        }
        // Truth for scoring only (never given to the tracker).
        for o in &world.objects {
            let s = &o.state;
            self.truth.push(TruthSample {
                t_s: t,
                truth_id: o.object_id as i64,
                pos_m: [s.pos_eci_m.x, s.pos_eci_m.y, s.pos_eci_m.z],
                vel_m_s: [s.vel_eci_m_s.x, s.vel_eci_m_s.y, s.vel_eci_m_s.z],
                phase: s.phase,
            });
        }
        // Checkpoints: first step at or after burnout, burnout + 60 s, burnout + 300 s.
        let step = self.p.scenario.step_s.max(1.0);
        for (li, cps) in self.checkpoints.iter_mut().enumerate() {
            let f = &self.p.flights[li];
            for (ci, cp) in cps.iter_mut().enumerate() {
                if cp.done || t < cp.t_s {
                    continue;
                }
                cp.done = true;
                if t >= cp.t_s + step * 1.5 {
                    continue;
                }
                if ci > 0 {
                    rv_impact_errors(
                        li,
                        ci - 1,
                        &self.snap,
                        &self.id_uid,
                        &self.uid_truth,
                        &self.objects,
                        &mut self.rvs,
                    );
                }
                // The reported track with the most updates from this missile's detections.
                let mut best: Option<(u32, u64, &TrackReport)> = None;
                for r in &self.snap {
                    let Some(uid) = self.id_uid.get(&r.track_id) else { continue };
                    let Some(per) = self.uid_truth.get(uid) else { continue };
                    let n: u32 = per
                        .iter()
                        .filter(|(tid, _)| {
                            self.objects.get(tid).is_some_and(|&(l, k)| {
                                l as usize == li
                                    && matches!(
                                        k,
                                        ObjectKind::Booster
                                            | ObjectKind::PostBoostVehicle
                                            | ObjectKind::ReentryVehicle
                                    )
                            })
                        })
                        .map(|(_, n)| *n)
                        .sum();
                    if n > 0 && best.is_none_or(|b| n > b.0 || (n == b.0 && r.track_id < b.1)) {
                        best = Some((n, r.track_id, r));
                    }
                }
                let Some((_, id, r)) = best else { continue };
                cp.track_id = Some(id);
                let geo = |lat: f64, lon: f64| tl_core::wgs84::Geodetic::from_deg(lat, lon, 0.0);
                if let Some(imp) = r.products.impact {
                    cp.impact_miss_m = Some(tl_core::wgs84::geodesic_distance_m(
                        &geo(imp.lat_deg, imp.lon_deg),
                        &geo(f.summary.impact_lat_deg, f.summary.impact_lon_deg),
                    ));
                }
                if let Some(l) = r.products.launch {
                    cp.launch_point_error_m = Some(tl_core::wgs84::geodesic_distance_m(
                        &geo(l.lat_deg, l.lon_deg),
                        &geo(f.launch.site_lat_deg, f.launch.site_lon_deg),
                    ));
                    cp.launch_time_error_s = Some(l.t_launch_s - f.summary.launch_time_s);
                }
            }
        }
        Ok(())
    }

    fn timing_counters(&self) -> Option<serde_json::Value> {
        Some(serde_json::json!({ "filtered_ahead": self.trk.spec_stats }))
    }

    fn finish(&mut self, _world: &World, _out: &mut Outputs, summary: &mut Summary) -> Result<(), RunError> {
        let cfg = ScoreConfig { assoc_gate_m: SCORE_GATE_M, c_m: SCORE_GATE_M, p: 1.0, nees_alpha: 0.05 };
        // Provenance label of each confirmed track: the object with the most updates
        // (false alarms, id -1, not counted; ties to the lower id).
        let labels = self
            .id_uid
            .iter()
            .filter_map(|(&id, uid)| {
                let per = self.uid_truth.get(uid)?;
                let (&tid, _) = per
                    .iter()
                    .filter(|(tid, _)| **tid >= 0)
                    .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))?;
                Some((id, tid))
            })
            .collect();
        let prov =
            Provenance { labels, successors: self.successors.clone(), carriers: self.carriers.clone() };
        let mut scores = score_with_labels(&self.samples, &self.truth, &prov, &cfg);
        // RVs paired with a confirmed track by the assignment up to burnout + 60 s.
        let mut rv_assigned = vec![false; self.rvs.len()];
        for (s, a) in self.samples.iter().zip(&scores.assigned_truth) {
            if let Some(&i) = a.as_ref().and_then(|tid| self.rv_index.get(tid))
                && s.confirmed
                && s.t_s <= self.checkpoints[self.rvs[i].launch][1].t_s
            {
                rv_assigned[i] = true;
            }
        }
        // Per-time series stay out of the summary.
        scores.nees_by_assignment.series.clear();
        if let Some(pv) = scores.provenance.as_mut() {
            pv.nees.series.clear();
        }
        let st = summary.stage_mut("tracks");
        st.insert("tracker".into(), serde_json::to_value(self.trk.stats).unwrap_or_default());
        st.insert(
            "rejections_first".into(),
            serde_json::json!(self.trk.rejections.first().map(|r| r.error.to_string())),
        );
        st.insert("detections_not_yet_arrived".into(), serde_json::json!(self.pending.len()));
        st.insert("scores".into(), serde_json::to_value(&scores).unwrap_or_default());
        st.insert("score_config".into(), serde_json::to_value(cfg).unwrap_or_default());
        st.insert("rvs".into(), self.rv_summary(&rv_assigned));
        for (li, cps) in self.checkpoints.iter().enumerate() {
            let id = self.p.scenario.launches[li].id.clone();
            if let Some(fig) = summary.launch_mut(&id) {
                for (cp, name) in cps.iter().zip(["at_burnout", "burnout_plus_60s", "burnout_plus_300s"]) {
                    fig.insert(format!("impact_miss_{name}_m"), serde_json::json!(cp.impact_miss_m));
                    fig.insert(
                        format!("launch_point_error_{name}_m"),
                        serde_json::json!(cp.launch_point_error_m),
                    );
                    fig.insert(
                        format!("launch_time_error_{name}_s"),
                        serde_json::json!(cp.launch_time_error_s),
                    );
                    fig.insert(format!("checkpoint_track_{name}"), serde_json::json!(cp.track_id));
                }
            }
        }
        Ok(())
    }
}
