//! Engage stage: fire control in the run (`tl_engage::fire::FireControl`), configured by
//! `[[weapon]]` and `[fire_control]`.
//!
//! Each step:
//!
//! 1. **Decisions.** When a decision cycle is due, every confirmed track in a boost
//!    phase, updated within `track_timeout_s`, with a launch-time estimate, is offered
//!    to fire control with its **predicted** boost trajectory: the track's boost-mode
//!    estimate (`tl_track::space::SpaceTracker::mode_estimate`) predicted with the
//!    tracker's own boost model and process noise, its thrust trend saturating at
//!    `planning_max_accel_m_s2` (`tl_track::predict::predict_boost_states`), every
//!    `prediction_step_s` to the predicted burnout (`launch estimate +
//!    planning_boost_s`), with the position uncertainty at each node. Fire control sees
//!    tracks only: the FCQ flag, the prediction and its uncertainty. New engagements are
//!    recorded; interceptor fly-outs are sampled every `flyout_step_s` from the plan
//!    (carrier free flight + burn, then the Lambert arc).
//! 2. **Outcomes.** Engagements whose outcome falls before the next step (an
//!    interceptor's planned intercept; the end of a laser's lasing of the true target,
//!    or its planned end) are resolved against truth (`FireControl::resolve`): the truth object behind the
//!    target track (scoring association below) flown from `Prepared::flights`, with the
//!    missile's per-stage lethal fluence; Pk draws from `RngStream(seed, 0, engagement
//!    id, "engage.pk")`. Kills go onto [`World::kills`]: the threat stage ends the
//!    object (and whatever it had not yet released) from the kill time on, at its next
//!    step, so the object is gone from the first step after the kill.
//!
//! **Scoring association** (truth, never given to fire control): at each step a track
//! is associated with the nearest truth object within [`ASSOC_GATE_M`] (for a track in
//! a boost phase, the nearest thrusting object when there is one: at a staging the
//! spent stage and the upper stack are side by side); the last
//! association of a track names the truth behind it when an engagement is resolved. A
//! track with no association (a false track) has no truth: its engagements miss.
//!
//! Tables: `engagements` (one row per engagement, written at the end in order of
//! assignment; engagements still under way when the run ends are resolved against the
//! truth then) and `flyouts` (planned interceptor fly-outs). Summary (`stages.engage`):
//! engagements, kills, misses, objects killed, leakers (launches whose booster was not
//! killed), the time margin before burnout of each kill, per layer figures, the (weapon, target) pairs
//! without a plan by reason (`plan_rejections`); per launch:
//! first track, first fire-control-quality track, engagements, kill time and margin.
//! Without `[[weapon]]` the stage does nothing and writes nothing.

use crate::run::{Outputs, RunError, Stage, TableId, TableKind, World, WorldEngagement};
use crate::scenario::Prepared;
use crate::summary::Summary;

use std::collections::BTreeMap;
use std::sync::Arc;
use tl_core::Vec3;
use tl_engage::control::FireControlSettings;
use tl_engage::fire::{FireControl, Outcome, TrackView, TruthTarget, WeaponUnit};
use tl_engage::path::{PathNode, TargetPath};
use tl_engage::platform::Platform;
use tl_engage::weapon::LayerWeapon;
use tl_io::tables::{ENGAGEMENTS, FLYOUTS};
use tl_track::predict::predict_boost_states;

/// Scoring association gate between a track and a truth object, m.
pub const ASSOC_GATE_M: f64 = 20_000.0;

/// How far back a truth path used for an outcome reaches, s (longer than any boost).
const TRUTH_SPAN_S: f64 = 900.0;

/// A scenario satellite as a weapon carrier.
struct SatPlatform(tl_orbit::Satellite);

impl Platform for SatPlatform {
    fn state_eci(&self, t_s: f64) -> (Vec3, Vec3) {
        // A propagation failure gives NaN: fire control refuses to plan from it.
        self.0.state_eci(t_s).unwrap_or((Vec3::repeat(f64::NAN), Vec3::repeat(f64::NAN)))
    }
}

/// Per-launch figures (scoring side).
#[derive(Clone, Copy, Debug, Default)]
struct LaunchFigures {
    first_track_t_s: Option<f64>,
    fcq_t_s: Option<f64>,
}

/// Fire control, when the scenario has weapons.
struct Active {
    fc: FireControl,
    settings: FireControlSettings,
    /// First object id of each flight.
    offsets: Vec<u32>,
    /// Track id -> last associated truth object.
    assoc: BTreeMap<u64, u32>,
    /// Kills issued: object id -> kill time.
    killed: BTreeMap<u32, f64>,
    /// Engagement index -> planned fly-out (ECI samples).
    flyouts: BTreeMap<usize, Vec<(f64, Vec3)>>,
    launches: Vec<LaunchFigures>,
    views_offered: u64,
    /// Boosting tracks not offered for want of a launch-time estimate (per cycle).
    views_without_launch_estimate: u64,
    predictions_failed: u64,
}

/// See the module docs.
pub struct EngageStage<'a> {
    p: &'a Prepared,
    active: Option<Active>,
    table: Option<TableId>,
    flyout_table: Option<TableId>,
}

impl<'a> EngageStage<'a> {
    /// The stage for a prepared scenario (inactive without `[[weapon]]`).
    pub fn new(p: &'a Prepared) -> Result<Self, RunError> {
        let s = &p.scenario;
        if s.weapons.is_empty() {
            return Ok(Self { p, active: None, table: None, flyout_table: None });
        }
        let settings = s.fire_control.clone();
        let mut layers = Vec::new();
        let mut units = Vec::new();
        for (li, w) in s.weapons.iter().enumerate() {
            let mut layer = w
                .build()
                .map_err(|e| RunError::Internal(format!("weapon[{li}] passed validation but: {e}")))?;
            if w.decision_time_s.is_none() {
                layer.decision_time_s = settings.decision_time_s;
            }
            let ci = s.constellations.iter().position(|c| c.name == w.constellation).ok_or_else(|| {
                RunError::Internal(format!("weapon[{li}].constellation passed validation but is unknown"))
            })?;
            for (sat_id, e) in p.satellites.iter().enumerate().filter(|(_, e)| e.constellation == ci) {
                let (rounds, magazine) = match &layer.weapon {
                    LayerWeapon::Interceptor { per_satellite, .. } => (*per_satellite, 0.0),
                    LayerWeapon::Laser { spec, .. } => (0, spec.magazine_s),
                };
                units.push(WeaponUnit {
                    layer: li,
                    carrier: sat_id as u32,
                    platform: Arc::new(SatPlatform(e.sat.clone())),
                    rounds_left: rounds,
                    magazine_left_s: magazine,
                    busy_until_s: f64::NEG_INFINITY,
                });
            }
            layers.push(layer);
        }
        let fc = FireControl::new(layers, units, settings.engine_config())
            .map_err(|e| RunError::Internal(format!("fire_control passed validation but: {e}")))?;
        let mut offsets = Vec::with_capacity(p.flights.len());
        let mut n = 0u32;
        for f in &p.flights {
            offsets.push(n);
            n += f.objects.len() as u32;
        }
        Ok(Self {
            p,
            active: Some(Active {
                fc,
                settings,
                offsets,
                assoc: BTreeMap::new(),
                killed: BTreeMap::new(),
                flyouts: BTreeMap::new(),
                launches: vec![LaunchFigures::default(); p.flights.len()],
                views_offered: 0,
                views_without_launch_estimate: 0,
                predictions_failed: 0,
            }),
            table: None,
            flyout_table: None,
        })
    }
}

/// (flight, object index) of an object id.
fn locate(p: &Prepared, offsets: &[u32], object_id: u32) -> Option<(usize, usize)> {
    let li = offsets.partition_point(|&o| o <= object_id).checked_sub(1)?;
    let j = (object_id - offsets[li]) as usize;
    (j < p.flights[li].objects.len()).then_some((li, j))
}

/// The truth behind a track for outcomes at `t_s`: the associated object's path over
/// the last [`TRUTH_SPAN_S`] up to its end (or the kill already issued), its true
/// burnout (the flight's burnout for the booster; a spent stage or anything else is
/// not boosting: its burnout is its start) and per-stage lethality.
fn truth_target(
    p: &Prepared,
    offsets: &[u32],
    killed: &BTreeMap<u32, f64>,
    object_id: u32,
    t_s: f64,
) -> Option<TruthTarget> {
    let (li, j) = locate(p, offsets, object_id)?;
    let f = &p.flights[li];
    let o = &f.objects[j];
    let t_end = killed.get(&object_id).map_or(o.t_end_s, |&k| k.min(o.t_end_s));
    let t0 = o.t_start_s.max(t_s.min(t_end) - TRUTH_SPAN_S);
    if t_end <= t0 {
        return None;
    }
    let n = ((t_end - t0).ceil() as usize).max(1);
    let mut nodes = Vec::with_capacity(n + 1);
    for k in 0..=n {
        let t = (t0 + k as f64).min(t_end);
        if nodes.last().is_some_and(|l: &PathNode| t <= l.t_s) {
            continue;
        }
        let (r, v) = o.state_eci(t)?;
        nodes.push(PathNode { t_s: t, pos_eci_m: r, vel_eci_m_s: v });
    }
    if nodes.len() < 2 {
        return None;
    }
    let burnout = if j == 0 { f.summary.launch_time_s + f.summary.burnout_time_s } else { o.t_start_s };
    let (a, b) = (nodes[0].t_s, nodes[nodes.len() - 1].t_s);
    let path = TargetPath::new(nodes, burnout.clamp(a, b)).ok()?;
    Some(TruthTarget {
        object_id: object_id as u64,
        path,
        lethal: tl_engage::missile::stage_lethality(&f.missile, o),
    })
}

/// The nearest of `(distance, object)` pairs (ties: lowest object id).
fn nearest<'w>(
    it: impl Iterator<Item = (f64, &'w crate::run::ThreatObject)>,
) -> Option<(f64, &'w crate::run::ThreatObject)> {
    it.min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.object_id.cmp(&b.1.object_id)))
}

fn world_engagement(
    fc: &FireControl,
    idx: usize,
    p: &Prepared,
    fly: Option<&Vec<(f64, Vec3)>>,
) -> WorldEngagement {
    let e = &fc.engagements()[idx];
    let laser = matches!(fc.layers()[fc.units()[e.weapon].layer].weapon, LayerWeapon::Laser { .. });
    WorldEngagement {
        id: e.id,
        layer: e.layer.clone(),
        laser,
        carrier_sat_id: e.carrier,
        target_track_id: e.target_track,
        fire_t_s: e.fire_t_s,
        planned_end_t_s: e.planned_end_t_s,
        end_t_s: e.end_t_s,
        outcome: e.outcome.as_str(),
        truth_object_id: e.truth_object.map(|o| o as u32),
        flyout_ecef_m: fly
            .map(|v| v.iter().map(|(t, r)| (*t, p.earth.at(*t).pos_to_ecef(r))).collect())
            .unwrap_or_default(),
    }
}

impl Active {
    /// Scoring association and per-launch figures (truth side only).
    fn associate(&mut self, world: &World) {
        for tr in &world.tracks {
            let r = &tr.report;
            let pos = Vec3::from(r.pos_eci_m);
            // A track in a boost phase follows a burning object: near a staging, prefer
            // the thrusting upper stack to the spent stage beside it.
            let boosting = matches!(r.products.phase, tl_core::object::Phase::Boost(_));
            let near = || {
                world
                    .objects
                    .iter()
                    .map(|o| ((o.state.pos_eci_m - pos).norm(), o))
                    .filter(|(d, _)| *d < ASSOC_GATE_M)
            };
            let thrusting =
                if boosting { nearest(near().filter(|(_, o)| o.state.thrust_n > 0.0)) } else { None };
            let best = thrusting.or_else(|| nearest(near()));
            if let Some((_, o)) = best {
                self.assoc.insert(r.track_id, o.object_id);
                let lf = &mut self.launches[o.launch as usize];
                lf.first_track_t_s.get_or_insert(world.t_s);
                if self
                    .settings
                    .fire_control_quality(r.products.fire_control_quality, r.products.pos_sigma_max_m)
                {
                    lf.fcq_t_s.get_or_insert(world.t_s);
                }
            }
        }
    }

    /// Track views for a decision at `t_s` (see the module docs).
    fn views(&mut self, p: &Prepared, world: &World) -> Vec<TrackView> {
        let t = world.t_s;
        let s = &self.settings;
        let params = &p.scenario.tracker.space.motion;
        let mut out = Vec::new();
        for tr in &world.tracks {
            let r = &tr.report;
            let Some((t_f, _, g)) = tr.boost_estimate else { continue };
            let Some(launch) = r.products.launch else {
                // No launch-time estimate: no predicted burnout to plan against.
                self.views_without_launch_estimate += 1;
                continue;
            };
            if r.t_update_s < t - s.track_timeout_s {
                continue;
            }
            let burnout = launch.t_launch_s + s.planning_boost_s;
            if !burnout.is_finite() || burnout <= t + s.prediction_step_s || t_f > t {
                continue;
            }
            let mut times: Vec<f64> = Vec::new();
            let mut k = 0u32;
            loop {
                let tk = t + k as f64 * s.prediction_step_s;
                if tk >= burnout - 1e-6 {
                    break;
                }
                times.push(tk);
                k += 1;
            }
            times.push(burnout);
            let Ok(pred) = predict_boost_states(&g, t_f, params, &times, s.planning_max_accel_m_s2) else {
                self.predictions_failed += 1;
                continue;
            };
            let nodes: Vec<PathNode> = pred
                .iter()
                .map(|x| PathNode { t_s: x.t_s, pos_eci_m: x.pos_eci_m, vel_eci_m_s: x.vel_eci_m_s })
                .collect();
            let Ok(path) = TargetPath::new(nodes, burnout) else {
                self.predictions_failed += 1;
                continue;
            };
            out.push(TrackView {
                track_id: r.track_id,
                fire_control_quality: s
                    .fire_control_quality(r.products.fire_control_quality, r.products.pos_sigma_max_m),
                pos_sigma_m: r.products.pos_sigma_max_m,
                predicted: path,
                predicted_sigma_m: pred.iter().map(|x| x.pos_sigma_max_m).collect(),
            });
        }
        self.views_offered += out.len() as u64;
        out
    }

    /// Resolve due engagements at `t_s`; returns the new kills `(object, time)`.
    fn resolve(&mut self, p: &Prepared, t_s: f64) -> Vec<(u32, f64)> {
        let (offsets, assoc, killed) = (&self.offsets, &self.assoc, &self.killed);
        let truth = |track: u64| -> Option<TruthTarget> {
            let obj = *assoc.get(&track)?;
            truth_target(p, offsets, killed, obj, t_s)
        };
        let kills = self.fc.resolve(t_s, &truth, p.scenario.seed);
        let mut new = Vec::new();
        for (_, obj, kt) in kills {
            let obj = obj as u32;
            if self.killed.get(&obj).is_none_or(|&k| kt < k) {
                self.killed.insert(obj, kt);
                new.push((obj, kt));
            }
        }
        new
    }
}

impl Stage for EngageStage<'_> {
    fn name(&self) -> &'static str {
        "engage"
    }

    fn open(&mut self, out: &mut Outputs) -> Result<(), RunError> {
        if self.active.is_some() {
            self.table = Some(out.open(&ENGAGEMENTS, TableKind::Events)?);
            self.flyout_table = Some(out.open(&FLYOUTS, TableKind::Events)?);
        }
        Ok(())
    }

    fn step(&mut self, world: &mut World, _out: &mut Outputs) -> Result<(), RunError> {
        let p = self.p;
        let Some(a) = self.active.as_mut() else { return Ok(()) };
        let t = world.t_s;
        a.associate(world);
        if a.fc.cycle_due(t) {
            let views = a.views(p, world);
            let new = a.fc.decide(t, &views);
            for i in new {
                if let Some(f) = a.fc.flyout(i, a.settings.flyout_step_s) {
                    a.flyouts.insert(i, f);
                }
                let fly = a.flyouts.get(&i);
                world.engagements.push(world_engagement(&a.fc, i, p, fly));
            }
        }
        // Resolve what ends before the next step, so the threat stage ends a killed
        // object from its kill time on (it applies `World::kills` at its next step).
        let before: Vec<u8> = a.fc.engagements().iter().map(|e| e.outcome as u8).collect();
        for (obj, kt) in a.resolve(p, t + p.scenario.step_s) {
            world.kills.push((obj, kt));
        }
        for (i, b) in before.iter().enumerate() {
            if *b != a.fc.engagements()[i].outcome as u8 {
                let fly = a.flyouts.get(&i);
                world.engagements[i] = world_engagement(&a.fc, i, p, fly);
            }
        }
        Ok(())
    }

    fn finish(&mut self, _world: &World, out: &mut Outputs, summary: &mut Summary) -> Result<(), RunError> {
        let p = self.p;
        let Some(a) = self.active.as_mut() else { return Ok(()) };
        // Engagements still under way: resolved against the truth beyond the run's end.
        let _ = a.resolve(p, f64::INFINITY);
        let table = self.table.ok_or_else(|| RunError::Internal("engagements table not open".into()))?;
        let ftable = self.flyout_table.ok_or_else(|| RunError::Internal("flyouts table not open".into()))?;
        for e in a.fc.engagements() {
            out.write(
                table,
                &[
                    e.id.into(),
                    e.layer.as_str().into(),
                    (e.weapon as u32).into(),
                    e.carrier.into(),
                    (e.target_track.min(i64::MAX as u64) as i64).into(),
                    e.truth_object.map_or(-1, |o| o as i64).into(),
                    e.assign_t_s.into(),
                    e.fire_t_s.into(),
                    e.planned_end_t_s.into(),
                    e.end_t_s.into(),
                    e.range_m.into(),
                    e.dwell_s.into(),
                    e.outcome.as_str().into(),
                    e.margin_before_burnout_s.into(),
                ],
            )?;
        }
        for (i, fly) in &a.flyouts {
            let id = a.fc.engagements()[*i].id;
            for (t, r) in fly {
                let rf = p.earth.at(*t).pos_to_ecef(r);
                out.write(
                    ftable,
                    &[
                        id.into(),
                        (*t).into(),
                        r.x.into(),
                        r.y.into(),
                        r.z.into(),
                        rf.x.into(),
                        rf.y.into(),
                        rf.z.into(),
                    ],
                )?;
            }
        }
        // Summary.
        let engs = a.fc.engagements();
        let kills: Vec<_> = engs.iter().filter(|e| e.outcome == Outcome::Kill).collect();
        let margins: Vec<f64> = kills.iter().map(|e| e.margin_before_burnout_s).collect();
        let mut boosters_killed = 0u32;
        let mut per_launch_kill: Vec<Option<(f64, f64)>> = vec![None; p.flights.len()];
        for (&obj, &kt) in &a.killed {
            if let Some((li, j)) = locate(p, &a.offsets, obj)
                && j == 0
            {
                boosters_killed += 1;
                let f = &p.flights[li];
                let burnout = f.summary.launch_time_s + f.summary.burnout_time_s;
                per_launch_kill[li] = Some((kt, burnout - kt));
            }
        }
        let leakers = p.flights.len() as u32 - boosters_killed;
        let mut per_layer: BTreeMap<String, serde_json::Value> = BTreeMap::new();
        for (li, layer) in a.fc.layers().iter().enumerate() {
            let units: Vec<_> = a.fc.units().iter().filter(|u| u.layer == li).collect();
            let le: Vec<_> = engs.iter().filter(|e| e.layer == layer.name).collect();
            let (kind, spent) = match &layer.weapon {
                LayerWeapon::Interceptor { per_satellite, .. } => (
                    "interceptor",
                    serde_json::json!({"rounds_fired": units.iter().map(|u| per_satellite - u.rounds_left).sum::<u32>()}),
                ),
                LayerWeapon::Laser { spec, .. } => (
                    "laser",
                    serde_json::json!({"lasing_s": units.iter().map(|u| spec.magazine_s - u.magazine_left_s).sum::<f64>()}),
                ),
            };
            per_layer.insert(
                layer.name.clone(),
                serde_json::json!({
                    "kind": kind,
                    "weapons": units.len(),
                    "decision_time_s": layer.decision_time_s,
                    "engagements": le.len(),
                    "kills": le.iter().filter(|e| e.outcome == Outcome::Kill).count(),
                    "spent": spent,
                }),
            );
        }
        let st = summary.stage_mut("engage");
        st.insert("rule".into(), serde_json::to_value(a.settings.rule).unwrap_or_default());
        st.insert("engagements".into(), serde_json::json!(engs.len()));
        st.insert("kills".into(), serde_json::json!(kills.len()));
        st.insert("misses".into(), serde_json::json!(engs.len() - kills.len()));
        st.insert("objects_killed".into(), serde_json::json!(a.killed.len()));
        st.insert("boosters_killed".into(), serde_json::json!(boosters_killed));
        st.insert("leakers".into(), serde_json::json!(leakers));
        st.insert("kill_margins_before_burnout_s".into(), serde_json::json!(margins));
        st.insert("layers".into(), serde_json::json!(per_layer));
        st.insert("track_views_offered".into(), serde_json::json!(a.views_offered));
        st.insert(
            "track_views_without_launch_estimate".into(),
            serde_json::json!(a.views_without_launch_estimate),
        );
        st.insert("predictions_failed".into(), serde_json::json!(a.predictions_failed));
        let rejections: BTreeMap<&str, u64> =
            a.fc.rejections().iter().map(|(r, n)| (r.as_str(), *n)).collect();
        st.insert("plan_rejections".into(), serde_json::json!(rejections));
        for (li, l) in p.scenario.launches.iter().enumerate() {
            let n_eng = engs
                .iter()
                .filter(|e| {
                    e.truth_object
                        .and_then(|o| locate(p, &a.offsets, o as u32))
                        .is_some_and(|(fl, _)| fl == li)
                })
                .count();
            let lf = a.launches[li];
            let kill = per_launch_kill[li];
            if let Some(fig) = summary.launch_mut(&l.id) {
                fig.insert("first_track_t_s".into(), serde_json::json!(lf.first_track_t_s));
                fig.insert("fire_control_quality_t_s".into(), serde_json::json!(lf.fcq_t_s));
                fig.insert("engagements".into(), serde_json::json!(n_eng));
                fig.insert("booster_killed".into(), serde_json::json!(kill.is_some()));
                fig.insert("kill_t_s".into(), serde_json::json!(kill.map(|k| k.0)));
                fig.insert("kill_margin_before_burnout_s".into(), serde_json::json!(kill.map(|k| k.1)));
            }
        }
        Ok(())
    }
}
