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

use crate::run::{Outputs, RunError, Stage, TableId, TableKind, World};
use crate::scenario::Prepared;
use crate::summary::Summary;
use std::collections::BTreeMap;
use tl_core::detection::Detection;
use tl_core::object::ObjectKind;
use tl_io::tables::TRACKS;
use tl_track::metrics::scoring::{ScoreConfig, TrackSample, TruthSample, score};
use tl_track::space::{SpaceTracker, TrackReport};

/// Association gate and OSPA cut-off used for the scores, m.
pub const SCORE_GATE_M: f64 = 5_000.0;

/// See the module docs.
pub struct TracksStage<'a> {
    p: &'a Prepared,
    trk: SpaceTracker,
    table: Option<TableId>,
    pending: Vec<Detection>,
    updates: Vec<TrackReport>,
    snap: Vec<TrackReport>,
    samples: Vec<TrackSample>,
    truth: Vec<TruthSample>,
    /// Per launch, per checkpoint (burnout, +60 s, +300 s).
    checkpoints: Vec<[Checkpoint; 3]>,
    /// Fill `WorldTrack::boost_estimate` (the scenario has weapons).
    wants_boost_estimates: bool,
    /// Truth object of each detection not yet seen in the update log, by (satellite,
    /// sensor, line of sight bits); -1 for false alarms. Scoring only.
    det_truth: BTreeMap<(u32, u32, [u64; 3]), (i64, f64)>,
    /// Per tracker uid, updates per truth object.
    uid_truth: BTreeMap<u64, BTreeMap<i64, u32>>,
    /// Confirmed track id -> tracker uid.
    id_uid: BTreeMap<u64, u64>,
    /// Truth object -> (launch, kind).
    objects: BTreeMap<i64, (u32, ObjectKind)>,
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

fn los_key(d: &Detection) -> (u32, u32, [u64; 3]) {
    (d.sat_id, d.sensor_id, [d.los_eci[0].to_bits(), d.los_eci[1].to_bits(), d.los_eci[2].to_bits()])
}

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
            det_truth: BTreeMap::new(),
            uid_truth: BTreeMap::new(),
            id_uid: BTreeMap::new(),
            objects: BTreeMap::new(),
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
        // Scoring only: which object made each detection (the tracker never sees it).
        for (d, &tid) in world.detections.iter().zip(&world.detection_truth_ids) {
            self.det_truth.insert(los_key(d), (tid, d.t_obs_s));
        }
        for o in &world.objects {
            self.objects.entry(o.object_id as i64).or_insert((o.launch, o.kind));
        }
        // The fusion node receives a detection at its arrival time.
        self.pending.extend_from_slice(&world.detections);
        self.pending.sort_by(|a, b| a.t_arrival_s.total_cmp(&b.t_arrival_s));
        let n = self.pending.partition_point(|d| d.t_arrival_s <= t);
        for d in self.pending.drain(..n) {
            self.trk.push(&d);
        }
        self.trk.advance(t, &mut self.updates);
        self.updates.clear();
        for r in self.trk.take_update_log() {
            let key = (
                r.sat_id,
                r.sensor_id,
                [r.los_eci[0].to_bits(), r.los_eci[1].to_bits(), r.los_eci[2].to_bits()],
            );
            let tid = self.det_truth.get(&key).map_or(-1, |v| v.0);
            *self.uid_truth.entry(r.track_uid).or_default().entry(tid).or_default() += 1;
            if let Some(id) = r.track_id {
                self.id_uid.insert(id, r.track_uid);
            }
        }
        if ((t / self.p.scenario.step_s).round() as u64).is_multiple_of(64) {
            self.det_truth.retain(|_, v| v.1 >= t - DET_TRUTH_KEEP_S);
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
                cov_pv: Some(r.cov_pv),
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
            for cp in cps.iter_mut() {
                if cp.done || t < cp.t_s {
                    continue;
                }
                cp.done = true;
                if t >= cp.t_s + step * 1.5 {
                    continue;
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

    fn finish(&mut self, _world: &World, _out: &mut Outputs, summary: &mut Summary) -> Result<(), RunError> {
        let cfg = ScoreConfig { assoc_gate_m: SCORE_GATE_M, c_m: SCORE_GATE_M, p: 1.0, nees_alpha: 0.05 };
        let mut scores = score(&self.samples, &self.truth, &cfg);
        scores.nees.series.clear(); // per-time series stays out of the summary
        let st = summary.stage_mut("tracks");
        st.insert("tracker".into(), serde_json::to_value(self.trk.stats).unwrap_or_default());
        st.insert(
            "rejections_first".into(),
            serde_json::json!(self.trk.rejections.first().map(|r| r.error.to_string())),
        );
        st.insert("detections_not_yet_arrived".into(), serde_json::json!(self.pending.len()));
        st.insert("scores".into(), serde_json::to_value(&scores).unwrap_or_default());
        st.insert("score_config".into(), serde_json::to_value(cfg).unwrap_or_default());
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
