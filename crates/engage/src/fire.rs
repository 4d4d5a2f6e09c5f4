//! Fire control: from tracks to engagements, and their outcomes against truth.
//!
//! **Planning uses tracks only.** A [`TrackView`] is what the tracker offers: an id, the
//! fire-control-quality flag, the position uncertainty, and the track's predicted boost
//! trajectory to its predicted burnout. A track becomes eligible `decision_time_s` after
//! it first shows fire-control quality (per weapon layer). Each decision cycle:
//!
//! 1. every free weapon (not busy, rounds or magazine left) is paired with every eligible
//!    target; a pair's cost is the planned **time to kill** (interceptor: earliest Lambert
//!    intercept before the predicted burnout less a margin, with the kill vehicle's divert
//!    able to absorb 3 sigma of the track's position error over its homing time; laser:
//!    the lasing simulation on the predicted path with the layer's planning fluence);
//! 2. **weapon-target assignment**: *optimal* — the Jonker-Volgenant solver of tl-track
//!    (`tl_track::assign::Lap`) on time-to-kill, with an "unassigned" column per target
//!    at a cost above any real assignment so the number of targets engaged is maximised
//!    first and the total time to kill minimised second; or *greedy* — repeatedly the
//!    cheapest remaining pair (the baseline);
//! 3. each assigned weapon is busy until its engagement ends (intercept or end of
//!    lasing); an interceptor spends a round.
//!
//! **Outcomes use truth** (the simulator calls [`FireControl::resolve`] with each target
//! track's truth object): an interceptor kills with probability `pk` when the true target
//! exists and is still boosting at the planned intercept time and its distance from the
//! predicted intercept point is within what the divert can correct over the homing time;
//! a laser lases the true path for its planned dwell plus 25 % and kills when the true
//! per-stage lethal fluence is reached. The simulator then ends the truth object at the
//! kill time.
//!
//! **Shoot-look-shoot.** After an engagement ends, the target is left alone for
//! `assess_s` seconds; then, if its track is still reported (the tracker saw no kill), it
//! becomes eligible again (up to `max_shots_per_target`). A track that stops being
//! reported is assessed killed.

use crate::interceptor::SearchOptions;
use crate::laser::{IncidenceModel, Lethality};
use crate::path::TargetPath;
use crate::platform::Platform;
use crate::weapon::{LayerWeapon, WeaponLayer};
use std::collections::BTreeMap;
use std::sync::Arc;
use tl_core::check::{FieldError, non_negative, positive};
use tl_core::rng::RngStream;

/// What fire control knows about a target: a track, never truth.
#[derive(Clone, Debug)]
pub struct TrackView {
    /// Track id.
    pub track_id: u64,
    /// The tracker's fire-control-quality flag.
    pub fire_control_quality: bool,
    /// 1-sigma position uncertainty now, m.
    pub pos_sigma_m: f64,
    /// Predicted boost trajectory from now to the predicted burnout (its `burnout_t_s`).
    pub predicted: TargetPath,
    /// Largest 1-sigma position uncertainty of the prediction at each node of
    /// `predicted`, m (same length), or empty when only `pos_sigma_m` is known. The
    /// interceptor divert check uses the value at the intercept time.
    pub predicted_sigma_m: Vec<f64>,
}

impl TrackView {
    /// 1-sigma position uncertainty of the prediction at `t_s`, m: linear between the
    /// prediction's nodes, never below `pos_sigma_m`.
    ///
    /// ```
    /// use nalgebra::Vector3;
    /// use tl_engage::fire::TrackView;
    /// use tl_engage::path::{PathNode, TargetPath};
    /// let n = |t: f64| PathNode { t_s: t, pos_eci_m: Vector3::new(6.5e6, 0.0, 0.0), vel_eci_m_s: Vector3::zeros() };
    /// let v = TrackView { track_id: 1, fire_control_quality: true, pos_sigma_m: 50.0,
    ///     predicted: TargetPath::new(vec![n(0.0), n(10.0)], 10.0).unwrap(),
    ///     predicted_sigma_m: vec![100.0, 300.0] };
    /// assert_eq!(v.sigma_at_m(5.0), 200.0);
    /// ```
    pub fn sigma_at_m(&self, t_s: f64) -> f64 {
        let nodes = self.predicted.nodes();
        if self.predicted_sigma_m.len() != nodes.len() || nodes.is_empty() {
            return self.pos_sigma_m;
        }
        let i = nodes.partition_point(|n| n.t_s <= t_s);
        let s = if i == 0 {
            self.predicted_sigma_m[0]
        } else if i >= nodes.len() {
            self.predicted_sigma_m[nodes.len() - 1]
        } else {
            let (a, b) = (&nodes[i - 1], &nodes[i]);
            let f = (t_s - a.t_s) / (b.t_s - a.t_s);
            self.predicted_sigma_m[i - 1] + f * (self.predicted_sigma_m[i] - self.predicted_sigma_m[i - 1])
        };
        s.max(self.pos_sigma_m)
    }
}

/// The truth behind a track, for outcomes only.
#[derive(Clone, Debug)]
pub struct TruthTarget {
    /// Truth object id.
    pub object_id: u64,
    /// True trajectory (at least over the engagement), with the true burnout time.
    pub path: TargetPath,
    /// True lethal fluence per stage.
    pub lethal: Lethality,
}

/// How weapons are assigned to targets each cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AssignmentRule {
    /// Maximum number of targets engaged, then least total time to kill (JV solver).
    #[default]
    Optimal,
    /// Cheapest remaining pair first (baseline).
    Greedy,
}

/// Fire-control settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FireControlConfig {
    /// Decision cycle, s.
    pub cycle_s: f64,
    /// Assignment rule.
    pub rule: AssignmentRule,
    /// Kill-assessment delay after an engagement ends, s.
    pub assess_s: f64,
    /// Re-engage targets still tracked after assessment.
    pub shoot_look_shoot: bool,
    /// Most engagements per target.
    pub max_shots_per_target: u32,
    /// Engagements must end this long before the predicted burnout, s.
    pub burnout_margin_s: f64,
    /// Lasing integration step, s.
    pub laser_step_s: f64,
}

impl Default for FireControlConfig {
    fn default() -> Self {
        Self {
            cycle_s: 1.0,
            rule: AssignmentRule::Optimal,
            assess_s: 5.0,
            shoot_look_shoot: true,
            max_shots_per_target: 3,
            burnout_margin_s: 0.0,
            laser_step_s: 1.0,
        }
    }
}

impl FireControlConfig {
    /// Check the settings.
    pub fn validate(&self) -> Result<(), FieldError> {
        positive("cycle_s", self.cycle_s)?;
        non_negative("assess_s", self.assess_s)?;
        non_negative("burnout_margin_s", self.burnout_margin_s)?;
        positive("laser_step_s", self.laser_step_s)?;
        if self.max_shots_per_target == 0 {
            return Err(FieldError::new("max_shots_per_target", "0", "at least 1"));
        }
        Ok(())
    }
}

/// One weapon: a layer's weapon on one carrier satellite.
#[derive(Clone)]
pub struct WeaponUnit {
    /// Index of its layer.
    pub layer: usize,
    /// Carrier satellite id in the run.
    pub carrier: u32,
    /// The carrier's motion.
    pub platform: Arc<dyn Platform + Send + Sync>,
    /// Interceptors left (lasers: unused).
    pub rounds_left: u32,
    /// Lasing seconds left (interceptors: unused).
    pub magazine_left_s: f64,
    /// Busy until this time, s.
    pub busy_until_s: f64,
}

/// Outcome of an engagement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Not yet resolved.
    Pending,
    /// The target was destroyed.
    Kill,
    /// The engagement ended without a kill.
    Miss,
}

impl Outcome {
    /// Stable name for tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pending => "pending",
            Outcome::Kill => "kill",
            Outcome::Miss => "miss",
        }
    }
}

/// One engagement (a row of the `engagements` table).
#[derive(Clone, Debug, PartialEq)]
pub struct Engagement {
    /// Engagement id (order of assignment).
    pub id: u32,
    /// Weapon unit index.
    pub weapon: usize,
    /// Layer name.
    pub layer: String,
    /// Carrier satellite id.
    pub carrier: u32,
    /// Target track id.
    pub target_track: u64,
    /// Truth object behind the track (filled at resolution; scoring only).
    pub truth_object: Option<u64>,
    /// Assignment (decision) time, s.
    pub assign_t_s: f64,
    /// Fire order (interceptor) or start of slewing (laser), s.
    pub fire_t_s: f64,
    /// Planned end: intercept instant or planned kill, s.
    pub planned_end_t_s: f64,
    /// Actual end: kill or miss time, s (NaN while pending).
    pub end_t_s: f64,
    /// Range at fire (interceptor: carrier to target at ignition) or at the end of lasing, m.
    pub range_m: f64,
    /// Planned lasing time (lasers) or fly-out time (interceptors), s.
    pub dwell_s: f64,
    /// Outcome.
    pub outcome: Outcome,
    /// Burnout minus the end time, s: predicted burnout at assignment, the true burnout
    /// once resolved as a kill.
    pub margin_before_burnout_s: f64,
}

/// Planning result for one (target, weapon) pair.
#[derive(Clone, Copy, Debug)]
struct Plan {
    end_t_s: f64,
    range_m: f64,
    dwell_s: f64,
    busy_until_s: f64,
    /// Interceptors: ignition time and burn length, s.
    launch_t_s: f64,
    burn_s: f64,
}

/// Why a (weapon, target) pair has no plan (counted in [`FireControl::rejections`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reject {
    /// The predicted burnout (less the margin) has passed.
    Deadline,
    /// No rounds or lasing seconds left.
    Spent,
    /// The carrier's or the prediction's state is unavailable.
    Geometry,
    /// Interceptor: no intercept before the deadline within the kill vehicle's reach.
    Reach,
    /// Interceptor: the divert cannot absorb 3 sigma of the predicted error.
    Divert,
    /// Laser: the planning fluence is not reached before the deadline (range, line of
    /// sight, altitude floor, magazine).
    Lase,
}

impl Reject {
    /// Stable name for summaries.
    pub fn as_str(self) -> &'static str {
        match self {
            Reject::Deadline => "deadline",
            Reject::Spent => "spent",
            Reject::Geometry => "geometry",
            Reject::Reach => "reach",
            Reject::Divert => "divert",
            Reject::Lase => "lase",
        }
    }
}

/// An interceptor's aim: the target's predicted position at the planned intercept, and
/// the fly-out's ignition time and burn length.
#[derive(Clone, Copy, Debug)]
struct Aim {
    pos_eci_m: nalgebra::Vector3<f64>,
    launch_t_s: f64,
    burn_s: f64,
}

/// Per-target bookkeeping.
#[derive(Clone, Debug, Default)]
struct TargetState {
    fcq_since_s: Option<f64>,
    shots: u32,
    /// Not eligible before this time (engagement under way or awaiting assessment).
    hold_until_s: f64,
    assessed_killed: bool,
}

/// The fire-control engine of a run.
pub struct FireControl {
    layers: Vec<WeaponLayer>,
    cfg: FireControlConfig,
    units: Vec<WeaponUnit>,
    targets: BTreeMap<u64, TargetState>,
    engagements: Vec<Engagement>,
    next_cycle_s: f64,
    lap: tl_track::assign::Lap,
    /// Interceptor aims, by engagement id.
    aims: BTreeMap<u32, Aim>,
    /// Pairs without a plan, by reason.
    rejections: BTreeMap<Reject, u64>,
}

impl FireControl {
    /// Fire control over `units` of `layers`.
    pub fn new(
        layers: Vec<WeaponLayer>,
        units: Vec<WeaponUnit>,
        cfg: FireControlConfig,
    ) -> Result<Self, FieldError> {
        cfg.validate()?;
        for (i, u) in units.iter().enumerate() {
            if u.layer >= layers.len() {
                return Err(FieldError::new(
                    format!("units[{i}].layer"),
                    u.layer.to_string(),
                    "an existing layer",
                ));
            }
        }
        Ok(Self {
            layers,
            cfg,
            units,
            targets: BTreeMap::new(),
            engagements: Vec::new(),
            next_cycle_s: f64::NEG_INFINITY,
            lap: tl_track::assign::Lap::new(),
            aims: BTreeMap::new(),
            rejections: BTreeMap::new(),
        })
    }

    /// True when a decision cycle is due at `t_s` (the next [`FireControl::decide`] at
    /// `t_s` will assign), so callers can skip building track views otherwise.
    pub fn cycle_due(&self, t_s: f64) -> bool {
        t_s >= self.next_cycle_s
    }

    /// All engagements so far.
    pub fn engagements(&self) -> &[Engagement] {
        &self.engagements
    }

    /// The weapon units.
    pub fn units(&self) -> &[WeaponUnit] {
        &self.units
    }

    fn plan(&self, unit: &WeaponUnit, track: &TrackView, t_s: f64) -> Result<Plan, Reject> {
        let layer = &self.layers[unit.layer];
        let deadline = track.predicted.burnout_t_s - self.cfg.burnout_margin_s;
        if deadline <= t_s {
            return Err(Reject::Deadline);
        }
        match &layer.weapon {
            LayerWeapon::Interceptor { spec, .. } => {
                if unit.rounds_left == 0 {
                    return Err(Reject::Spent);
                }
                // Cheap reject: straight-line reach over the whole window, widened.
                let (pos, _) = unit.platform.state_eci(t_s);
                if !pos.iter().all(|v| v.is_finite()) {
                    return Err(Reject::Geometry);
                }
                let (tp, _) =
                    track.predicted.state_eci(t_s.max(track.predicted.span_s().0)).ok_or(Reject::Geometry)?;
                let window = deadline - t_s - spec.launch_delay_s;
                let bound = 1.25 * spec.reach_m(window)
                    + 30e3
                    + track.predicted.max_excursion_m(t_s.max(track.predicted.span_s().0), deadline)
                    + 8_000.0 * window;
                if (pos - tp).norm() > bound {
                    return Err(Reject::Reach);
                }
                let p = spec
                    .earliest_intercept(
                        unit.platform.as_ref(),
                        &track.predicted,
                        t_s,
                        deadline,
                        &SearchOptions::default(),
                    )
                    .ok_or(Reject::Reach)?;
                // Divert check: 3 sigma of the predicted error at the intercept over the
                // homing time.
                let homing = p.intercept_t_s - p.launch_t_s - p.burn_s;
                if homing <= 0.0 || 3.0 * track.sigma_at_m(p.intercept_t_s) > spec.divert_m_s * homing {
                    return Err(Reject::Divert);
                }
                Ok(Plan {
                    end_t_s: p.intercept_t_s,
                    range_m: p.launch_range_m,
                    dwell_s: p.intercept_t_s - p.launch_t_s,
                    busy_until_s: p.launch_t_s,
                    launch_t_s: p.launch_t_s,
                    burn_s: p.burn_s,
                })
            }
            LayerWeapon::Laser { spec, planning_fluence_j_m2 } => {
                if unit.magazine_left_s <= 0.0 {
                    return Err(Reject::Spent);
                }
                if !unit.platform.state_eci(t_s).0.iter().all(|v| v.is_finite()) {
                    return Err(Reject::Geometry);
                }
                let o = spec.lase(
                    unit.platform.as_ref(),
                    &track.predicted,
                    t_s,
                    deadline,
                    &Lethality::Constant(*planning_fluence_j_m2),
                    unit.magazine_left_s,
                    IncidenceModel::Normal,
                    self.cfg.laser_step_s,
                );
                let k = o.kill_t_s.ok_or(Reject::Lase)?;
                // Busy for the longest lasing the outcome may take (planned + 25 %).
                let busy = t_s + 1.25 * (k - t_s);
                Ok(Plan {
                    end_t_s: k,
                    range_m: o.range_at_end_m,
                    dwell_s: o.lasing_s,
                    busy_until_s: busy,
                    launch_t_s: t_s,
                    burn_s: 0.0,
                })
            }
        }
    }

    /// One decision cycle at `t_s` (runs only when a cycle is due): update eligibility
    /// from `tracks`, assign free weapons, record the new engagements and return their
    /// indices in [`FireControl::engagements`].
    pub fn decide(&mut self, t_s: f64, tracks: &[TrackView]) -> Vec<usize> {
        if t_s < self.next_cycle_s {
            return Vec::new();
        }
        self.next_cycle_s = t_s + self.cfg.cycle_s;
        // Targets that stopped being reported are assessed killed.
        let present: std::collections::BTreeSet<u64> = tracks.iter().map(|t| t.track_id).collect();
        for (id, st) in self.targets.iter_mut() {
            if !present.contains(id) && st.shots > 0 {
                st.assessed_killed = true;
            }
        }
        for tr in tracks {
            let st = self.targets.entry(tr.track_id).or_default();
            if tr.fire_control_quality && st.fcq_since_s.is_none() {
                st.fcq_since_s = Some(t_s);
            }
        }
        // Eligible targets (sorted by id for determinism).
        let mut targets: Vec<&TrackView> = tracks
            .iter()
            .filter(|tr| {
                let st = &self.targets[&tr.track_id];
                tr.fire_control_quality
                    && !st.assessed_killed
                    && st.hold_until_s <= t_s
                    && st.shots < self.cfg.max_shots_per_target
                    && (st.shots == 0 || self.cfg.shoot_look_shoot)
                    && st.fcq_since_s.is_some()
            })
            .collect();
        targets.sort_by_key(|t| t.track_id);
        let free: Vec<usize> = (0..self.units.len()).filter(|&u| self.units[u].busy_until_s <= t_s).collect();
        if targets.is_empty() || free.is_empty() {
            return Vec::new();
        }
        // Cost matrix: time to kill; None when infeasible or before the layer's decision
        // time has passed for this target.
        let (rows, cols) = (targets.len(), free.len());
        let mut plans: Vec<Option<Plan>> = Vec::with_capacity(rows * cols);
        for tr in &targets {
            let since = self.targets[&tr.track_id].fcq_since_s.unwrap_or(f64::INFINITY);
            for &u in &free {
                let unit = &self.units[u];
                let ready = t_s >= since + self.layers[unit.layer].decision_time_s;
                plans.push(if ready {
                    match self.plan(unit, tr, t_s) {
                        Ok(p) => Some(p),
                        Err(r) => {
                            *self.rejections.entry(r).or_insert(0) += 1;
                            None
                        }
                    }
                } else {
                    None
                });
            }
        }
        let cost = |r: usize, c: usize| plans[r * cols + c].map(|p| p.end_t_s - t_s);
        let chosen: Vec<(usize, usize)> = match self.cfg.rule {
            AssignmentRule::Greedy => {
                let mut pairs: Vec<(f64, usize, usize)> = (0..rows)
                    .flat_map(|r| (0..cols).map(move |c| (r, c)))
                    .filter_map(|(r, c)| cost(r, c).map(|x| (x, r, c)))
                    .collect();
                pairs.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
                let (mut rt, mut ct) = (vec![false; rows], vec![false; cols]);
                let mut out = Vec::new();
                for (_, r, c) in pairs {
                    if !rt[r] && !ct[c] {
                        rt[r] = true;
                        ct[c] = true;
                        out.push((r, c));
                    }
                }
                out
            }
            AssignmentRule::Optimal => {
                // Columns: the free weapons, then one "unassigned" column per target whose
                // cost exceeds any sum of real costs (maximum cardinality first).
                let real_max = (0..rows * cols).filter_map(|k| cost(k / cols, k % cols)).fold(0.0, f64::max);
                let big = (real_max + 1.0) * (rows as f64 + 1.0);
                let width = cols + rows;
                let mut m = vec![f64::INFINITY; rows * width];
                for r in 0..rows {
                    for c in 0..cols {
                        if let Some(x) = cost(r, c) {
                            m[r * width + c] = x;
                        }
                    }
                    m[r * width + cols + r] = big;
                }
                match self.lap.solve(&m, rows, width) {
                    Ok(_) => (0..rows)
                        .filter(|&r| self.lap.col4row[r] < cols)
                        .map(|r| (r, self.lap.col4row[r]))
                        .collect(),
                    Err(_) => Vec::new(),
                }
            }
        };
        let mut new = Vec::new();
        for (r, c) in chosen {
            let u = free[c];
            let plan = plans[r * cols + c].expect("chosen pairs are feasible");
            let tr = targets[r];
            let unit = &mut self.units[u];
            let layer = &self.layers[unit.layer];
            unit.busy_until_s = plan.busy_until_s.max(t_s);
            if matches!(layer.weapon, LayerWeapon::Interceptor { .. }) {
                unit.rounds_left -= 1;
            }
            if matches!(layer.weapon, LayerWeapon::Interceptor { .. })
                && let Some((aim, _)) = tr.predicted.state_eci(plan.end_t_s)
            {
                self.aims.insert(
                    self.engagements.len() as u32,
                    Aim { pos_eci_m: aim, launch_t_s: plan.launch_t_s, burn_s: plan.burn_s },
                );
            }
            let st = self.targets.get_mut(&tr.track_id).expect("known target");
            st.shots += 1;
            // Look after the engagement has ended as planned (a laser may lase up to its
            // busy time), then assess.
            st.hold_until_s = plan.end_t_s.max(plan.busy_until_s) + self.cfg.assess_s;
            self.engagements.push(Engagement {
                id: self.engagements.len() as u32,
                weapon: u,
                layer: layer.name.clone(),
                carrier: unit.carrier,
                target_track: tr.track_id,
                truth_object: None,
                assign_t_s: t_s,
                fire_t_s: t_s,
                planned_end_t_s: plan.end_t_s,
                end_t_s: f64::NAN,
                range_m: plan.range_m,
                dwell_s: plan.dwell_s,
                outcome: Outcome::Pending,
                margin_before_burnout_s: tr.predicted.burnout_t_s - plan.end_t_s,
            });
            new.push(self.engagements.len() - 1);
        }
        new
    }

    /// Resolve every pending engagement whose outcome is due by `t_s` against the truth
    /// behind its track (`truth(track_id)`; `None` at the planned end means the target
    /// no longer exists: a miss): an interceptor at its planned intercept; a laser as soon
    /// as its lasing of the true target ends (a kill may come before the planned end, on a
    /// target softer than planned) or at its planned end. So with `t_s` one step ahead
    /// at each step, no kill is reported for a time already past. Returns the kills as `(engagement index, truth object, kill
    /// time)`; the caller ends those truth objects. `seed` feeds the Pk draws
    /// (`RngStream(seed, 0, engagement id, "engage.pk")`). Call it before
    /// [`FireControl::decide`] in each step, so weapons freed by a resolution are seen.
    pub fn resolve(
        &mut self,
        t_s: f64,
        truth: &dyn Fn(u64) -> Option<TruthTarget>,
        seed: u64,
    ) -> Vec<(usize, u64, f64)> {
        let mut kills = Vec::new();
        for i in 0..self.engagements.len() {
            let e = &self.engagements[i];
            let laser = matches!(self.layers[self.units[e.weapon].layer].weapon, LayerWeapon::Laser { .. });
            let due = e.planned_end_t_s <= t_s;
            if e.outcome != Outcome::Pending || (!due && !laser) {
                continue;
            }
            let unit_idx = e.weapon;
            let Some(tt) = truth(e.target_track) else {
                if !due {
                    continue;
                }
                let e = &mut self.engagements[i];
                e.outcome = Outcome::Miss;
                e.end_t_s = e.planned_end_t_s;
                continue;
            };
            let unit = self.units[unit_idx].clone();
            let layer = &self.layers[unit.layer];
            let (outcome, end_t) = match &layer.weapon {
                LayerWeapon::Interceptor { spec, .. } => {
                    let t_i = e.planned_end_t_s;
                    // The kill vehicle flies to the predicted point and homes on the true
                    // target with its divert over the time left after the burn.
                    let alive = t_i <= tt.path.burnout_t_s && tt.path.state_eci(t_i).is_some();
                    let homing = (t_i - (e.fire_t_s + spec.launch_delay_s) - spec.burn_time_s()).max(0.0);
                    let aim_error = self.aim_error_m(i, &tt);
                    let can_divert = aim_error <= spec.divert_m_s * homing;
                    let mut rng = RngStream::new(seed, 0, self.engagements[i].id as u64, "engage.pk");
                    if alive && can_divert && rng.uniform() < spec.pk {
                        (Outcome::Kill, t_i)
                    } else {
                        (Outcome::Miss, t_i)
                    }
                }
                LayerWeapon::Laser { spec, .. } => {
                    let start = e.fire_t_s;
                    let planned = e.planned_end_t_s - start;
                    // Never before the start: a target already past burnout (or a
                    // stage that separated) ends the engagement at once, unkilled.
                    let stop = (start + 1.25 * planned).min(tt.path.burnout_t_s).max(start);
                    let o = spec.lase(
                        unit.platform.as_ref(),
                        &tt.path,
                        start,
                        stop,
                        &tt.lethal,
                        unit.magazine_left_s,
                        IncidenceModel::Normal,
                        self.cfg.laser_step_s,
                    );
                    let result = match o.kill_t_s {
                        Some(k) => (Outcome::Kill, k),
                        None => (Outcome::Miss, o.end_t_s.max(start)),
                    };
                    if !due && result.1 > t_s {
                        continue; // still lasing
                    }
                    self.units[unit_idx].magazine_left_s -= o.lasing_s;
                    self.units[unit_idx].busy_until_s = self.units[unit_idx].busy_until_s.max(o.end_t_s);
                    result
                }
            };
            let e = &mut self.engagements[i];
            e.truth_object = Some(tt.object_id);
            e.outcome = outcome;
            e.end_t_s = end_t;
            if outcome == Outcome::Kill {
                // Fire control is not told: it learns of the kill from the tracks (the
                // target's track goes quiet), never from truth.
                e.margin_before_burnout_s = tt.path.burnout_t_s - end_t;
                kills.push((i, tt.object_id, end_t));
            }
        }
        kills
    }

    /// Distance between the true target and the plan's aim point at the intercept time,
    /// m: the aim point is the target's predicted position, recorded at assignment.
    fn aim_error_m(&self, i: usize, tt: &TruthTarget) -> f64 {
        let e = &self.engagements[i];
        match (self.aims.get(&e.id), tt.path.state_eci(e.planned_end_t_s)) {
            (Some(aim), Some((truth, _))) => (aim.pos_eci_m - truth).norm(),
            _ => f64::INFINITY,
        }
    }

    /// The planned fly-out of interceptor engagement `index` (in
    /// [`FireControl::engagements`]): ECI positions from ignition to the planned
    /// intercept, every `step_s` (see [`crate::interceptor::Interceptor::flyout`]).
    /// `None` for lasers or when the geometry cannot be rebuilt.
    pub fn flyout(&self, index: usize, step_s: f64) -> Option<Vec<(f64, nalgebra::Vector3<f64>)>> {
        let e = self.engagements.get(index)?;
        let aim = self.aims.get(&e.id)?;
        let unit = &self.units[e.weapon];
        let LayerWeapon::Interceptor { spec, .. } = &self.layers[unit.layer].weapon else { return None };
        spec.flyout(
            unit.platform.as_ref(),
            aim.launch_t_s,
            aim.burn_s,
            e.planned_end_t_s,
            &aim.pos_eci_m,
            step_s,
        )
    }

    /// How many (weapon, eligible target) pairs had no plan so far, by reason (pairs are
    /// counted at every decision cycle in which they were considered).
    pub fn rejections(&self) -> &BTreeMap<Reject, u64> {
        &self.rejections
    }

    /// The weapon layers.
    pub fn layers(&self) -> &[WeaponLayer] {
        &self.layers
    }

    /// Summary figures: (kills, engagements, time margins before burnout of the kills).
    pub fn summary(&self) -> (u32, u32, Vec<f64>) {
        let kills: Vec<&Engagement> =
            self.engagements.iter().filter(|e| e.outcome == Outcome::Kill).collect();
        (
            kills.len() as u32,
            self.engagements.len() as u32,
            kills.iter().map(|e| e.margin_before_burnout_s).collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interceptor::Interceptor;
    use crate::laser::Laser;
    use crate::path::PathNode;
    use crate::platform::{CircularOrbit, FixedPoint};
    use nalgebra::Vector3;

    const RE: f64 = tl_core::consts::WGS84_A_M;

    /// A target hovering at `pos` from 0 to 300 s with burnout at `burnout`.
    fn hover(pos: Vector3<f64>, burnout: f64) -> TargetPath {
        let nodes = (0..=300)
            .map(|k| PathNode { t_s: k as f64, pos_eci_m: pos, vel_eci_m_s: Vector3::zeros() })
            .collect();
        TargetPath::new(nodes, burnout).unwrap()
    }

    fn laser_layer(name: &str, max_range_m: f64, decision: f64) -> WeaponLayer {
        WeaponLayer {
            name: name.into(),
            constellation: "c".into(),
            decision_time_s: decision,
            weapon: LayerWeapon::Laser {
                spec: Laser { max_range_m, ..Laser::example() },
                planning_fluence_j_m2: 3.0e7,
            },
        }
    }

    fn unit(layer: usize, carrier: u32, pos: Vector3<f64>) -> WeaponUnit {
        WeaponUnit {
            layer,
            carrier,
            platform: Arc::new(FixedPoint(pos)),
            rounds_left: 1,
            magazine_left_s: 500.0,
            busy_until_s: f64::NEG_INFINITY,
        }
    }

    fn track(id: u64, pos: Vector3<f64>, fcq: bool) -> TrackView {
        TrackView {
            track_id: id,
            fire_control_quality: fcq,
            pos_sigma_m: 50.0,
            predicted: hover(pos, 250.0),
            predicted_sigma_m: Vec::new(),
        }
    }

    /// Two hovering targets A, B; laser 0 near both (close to A), laser 1 reaches only A.
    fn two_by_two(rule: AssignmentRule) -> (FireControl, Vec<TrackView>) {
        let a = Vector3::new(RE + 150e3, 0.0, 0.0);
        let b = Vector3::new(RE + 150e3, 600e3, 0.0);
        let l0 = a + Vector3::new(400e3, 200e3, 0.0); // 447 km from A, ~632 km from B
        let l1 = a + Vector3::new(400e3, -900e3, 0.0); // 985 km from A, 1.6 Mm from B
        let layers = vec![laser_layer("L", 1_200e3, 0.0)];
        let units = vec![unit(0, 0, l0), unit(0, 1, l1)];
        let cfg = FireControlConfig { rule, ..Default::default() };
        (FireControl::new(layers, units, cfg).unwrap(), vec![track(1, a, true), track(2, b, true)])
    }

    #[test]
    fn optimal_assignment_engages_more_targets_than_greedy() {
        let (mut greedy, tracks) = two_by_two(AssignmentRule::Greedy);
        let g = greedy.decide(0.0, &tracks);
        assert_eq!(g.len(), 1, "greedy takes the cheapest pair (A, laser 0) and strands B");
        assert_eq!((greedy.engagements()[0].target_track, greedy.engagements()[0].weapon), (1, 0));
        let (mut opt, tracks) = two_by_two(AssignmentRule::Optimal);
        let o = opt.decide(0.0, &tracks);
        assert_eq!(o.len(), 2);
        let pairs: Vec<(u64, usize)> = opt.engagements().iter().map(|e| (e.target_track, e.weapon)).collect();
        assert!(pairs.contains(&(1, 1)) && pairs.contains(&(2, 0)), "{pairs:?}");
        // Planned dwell is the closed form at the (fixed) range.
        let e = &opt.engagements()[0];
        let l = Laser::example();
        assert!((e.dwell_s - l.dwell_s(e.range_m, 3.0e7)).abs() < 1e-6);
        assert!((e.planned_end_t_s - (l.retarget_s + e.dwell_s)).abs() < 1e-6);
    }

    /// Optimal assignment against brute force: on 30 random 4 x 4 cases (hovering targets
    /// 150 km up, lasers 1,000 km up, 1,800 km maximum range so some pairs are out of
    /// reach), the optimal rule engages as many targets as the best of every possible
    /// assignment and, among those, has the least total time to kill, each pair's time
    /// being the closed form `retarget + F / I(R)`; greedy never engages more and never
    /// has a smaller total at the same count, and is strictly worse in some cases.
    #[test]
    fn optimal_assignment_matches_brute_force_and_greedy_is_no_better() {
        let l = Laser::example();
        let max_range = 1_800e3;
        let mut greedy_worse = 0;
        for case in 0..30u64 {
            let mut rng = RngStream::new(7, case, 0, "engage.test.wta");
            let mut draw = |alt: f64, half: f64| {
                Vector3::new(RE + alt, rng.uniform_range(-half, half), rng.uniform_range(-half, half))
            };
            let targets: Vec<Vector3<f64>> = (0..4).map(|_| draw(150e3, 800e3)).collect();
            let lasers: Vec<Vector3<f64>> = (0..4).map(|_| draw(1_000e3, 1_500e3)).collect();
            // Independent pair costs (None: out of reach).
            let cost = |t: usize, w: usize| {
                let r = (targets[t] - lasers[w]).norm();
                (r <= max_range).then(|| l.retarget_s + l.dwell_s(r, 3.0e7))
            };
            // Brute force: each target gets a distinct laser or none (5^4 choices).
            let (mut best_n, mut best_sum) = (0usize, f64::INFINITY);
            for code in 0..5usize.pow(4) {
                let pick: Vec<usize> = (0..4).map(|t| code / 5usize.pow(t as u32) % 5).collect();
                let used: Vec<usize> = pick.iter().copied().filter(|&w| w < 4).collect();
                let distinct = (0..used.len()).all(|i| !used[i + 1..].contains(&used[i]));
                let costs: Option<Vec<f64>> =
                    (0..4).filter(|&t| pick[t] < 4).map(|t| cost(t, pick[t])).collect();
                let (true, Some(c)) = (distinct, costs) else { continue };
                let sum: f64 = c.iter().sum();
                if c.len() > best_n || (c.len() == best_n && sum < best_sum) {
                    (best_n, best_sum) = (c.len(), sum);
                }
            }
            let run = |rule| {
                let layers = vec![laser_layer("L", max_range, 0.0)];
                let units = (0..4).map(|w| unit(0, w as u32, lasers[w])).collect();
                let cfg = FireControlConfig { rule, ..Default::default() };
                let mut fc = FireControl::new(layers, units, cfg).unwrap();
                let tracks: Vec<TrackView> = (0..4).map(|t| track(t as u64 + 1, targets[t], true)).collect();
                fc.decide(0.0, &tracks);
                let n = fc.engagements().len();
                (n, fc.engagements().iter().map(|e| e.planned_end_t_s).sum::<f64>())
            };
            let (on, osum) = run(AssignmentRule::Optimal);
            let (gn, gsum) = run(AssignmentRule::Greedy);
            assert_eq!(on, best_n, "case {case}: targets engaged");
            if best_n > 0 {
                assert!(
                    (osum - best_sum).abs() < 1e-6 * best_sum,
                    "case {case}: {osum} vs brute force {best_sum}"
                );
            }
            assert!(gn < on || (gn == on && gsum >= osum - 1e-6 * osum.max(1.0)), "case {case}");
            if gn < on || gsum > osum + 1e-6 * osum {
                greedy_worse += 1;
            }
        }
        assert!(greedy_worse > 0, "the cases include some where greedy is worse");
    }

    #[test]
    fn no_engagement_without_fire_control_quality_or_before_the_decision_time() {
        let a = Vector3::new(RE + 150e3, 0.0, 0.0);
        let layers = vec![laser_layer("L", 1_200e3, 12.0)];
        let units = vec![unit(0, 0, a + Vector3::new(500e3, 0.0, 0.0))];
        let mut fc = FireControl::new(layers, units, FireControlConfig::default()).unwrap();
        for t in 0..5 {
            assert!(fc.decide(t as f64, &[track(7, a, false)]).is_empty());
        }
        // FCQ at t = 5: decision time 12 s, so the first order comes at t = 17.
        for t in 5..17 {
            assert!(fc.decide(t as f64, &[track(7, a, true)]).is_empty(), "t {t}");
        }
        assert_eq!(fc.decide(17.0, &[track(7, a, true)]).len(), 1);
    }

    #[test]
    fn busy_weapons_wait_and_shoot_look_shoot_re_engages_a_survivor() {
        let a = Vector3::new(RE + 150e3, 0.0, 0.0);
        let layers = vec![laser_layer("L", 1_200e3, 0.0)];
        let l0 = a + Vector3::new(500e3, 0.0, 0.0);
        let units = vec![unit(0, 0, l0)];
        let cfg = FireControlConfig { assess_s: 3.0, ..Default::default() };
        let mut fc = FireControl::new(layers, units, cfg).unwrap();
        // The truth is harder than planned (6 vs 3 kJ/cm^2): the first dwell (+25 %) fails.
        let truth = |_: u64| {
            Some(TruthTarget { object_id: 42, path: hover(a, 250.0), lethal: Lethality::Constant(6.0e7) })
        };
        let tr = [track(1, a, true)];
        assert_eq!(fc.decide(0.0, &tr).len(), 1);
        let end = fc.engagements()[0].planned_end_t_s;
        // While busy and before assessment: nothing new.
        let mut t = 1.0;
        while t < end + 3.0 {
            fc.resolve(t, &truth, 1);
            assert!(fc.decide(t, &tr).is_empty(), "t {t}");
            t += 1.0;
        }
        assert_eq!(fc.engagements()[0].outcome, Outcome::Miss);
        assert_eq!(fc.engagements()[0].truth_object, Some(42));
        // Still tracked after assessment: shoot again; the fluence of the first attempt
        // does not carry over (a new engagement), but this dwell starts from a magazine
        // that lost the first attempt's lasing.
        let before = fc.units()[0].magazine_left_s;
        assert!(before < 500.0);
        let mut re = Vec::new();
        while re.is_empty() && t < 200.0 {
            re = fc.decide(t, &tr);
            t += 1.0;
        }
        assert_eq!(re.len(), 1, "re-engaged after the look");
        // Without shoot-look-shoot: one shot only.
        let layers = vec![laser_layer("L", 1_200e3, 0.0)];
        let cfg = FireControlConfig { shoot_look_shoot: false, assess_s: 3.0, ..Default::default() };
        let mut once = FireControl::new(layers, vec![unit(0, 0, l0)], cfg).unwrap();
        assert_eq!(once.decide(0.0, &tr).len(), 1);
        for k in 1..200 {
            once.resolve(k as f64, &truth, 1);
            assert!(once.decide(k as f64, &tr).is_empty());
        }
    }

    #[test]
    fn a_kill_is_reported_and_a_vanished_track_is_not_engaged_again() {
        let a = Vector3::new(RE + 150e3, 0.0, 0.0);
        let layers = vec![laser_layer("L", 1_200e3, 0.0)];
        let units = vec![
            unit(0, 0, a + Vector3::new(500e3, 0.0, 0.0)),
            unit(0, 1, a + Vector3::new(0.0, 500e3, 0.0)),
        ];
        let mut fc = FireControl::new(layers, units, FireControlConfig::default()).unwrap();
        let truth = |_: u64| {
            Some(TruthTarget { object_id: 9, path: hover(a, 250.0), lethal: Lethality::Constant(3.0e7) })
        };
        assert_eq!(fc.decide(0.0, &[track(1, a, true)]).len(), 1, "one target, one weapon");
        let end = fc.engagements()[0].planned_end_t_s;
        let kills = fc.resolve(end + 0.5, &truth, 1);
        assert_eq!(kills.len(), 1);
        assert_eq!(kills[0].1, 9);
        assert!((kills[0].2 - end).abs() < 1e-6, "true = planned fluence: kill at the planned time");
        let (k, n, margins) = fc.summary();
        assert_eq!((k, n), (1, 1));
        assert!((margins[0] - (250.0 - end)).abs() < 1e-6);
        // The track is gone: assessed killed, never engaged again.
        for t in 0..100 {
            assert!(fc.decide(end + t as f64, &[]).is_empty());
        }
    }

    #[test]
    fn interceptor_engagement_from_a_track_with_divert_check() {
        let orbit = CircularOrbit::new(RE + 400e3, 0.8, 0.2, 1.0);
        let offset = Vector3::new(-100e3, 150e3, 60e3);
        let nodes: Vec<PathNode> = (0..=300)
            .map(|k| {
                let (r, v) = orbit.state_eci(k as f64);
                PathNode { t_s: k as f64, pos_eci_m: r + offset, vel_eci_m_s: v }
            })
            .collect();
        let path = TargetPath::new(nodes, 200.0).unwrap();
        let layer = WeaponLayer {
            name: "sbi".into(),
            constellation: "c".into(),
            decision_time_s: 0.0,
            weapon: LayerWeapon::Interceptor { spec: Interceptor::aps2003_like(), per_satellite: 1 },
        };
        let mk_unit = || WeaponUnit {
            layer: 0,
            carrier: 3,
            platform: Arc::new(orbit),
            rounds_left: 1,
            magazine_left_s: 0.0,
            busy_until_s: f64::NEG_INFINITY,
        };
        let good = TrackView {
            track_id: 5,
            fire_control_quality: true,
            pos_sigma_m: 100.0,
            predicted: path.clone(),
            predicted_sigma_m: Vec::new(),
        };
        let mut fc =
            FireControl::new(vec![layer.clone()], vec![mk_unit()], FireControlConfig::default()).unwrap();
        assert_eq!(fc.decide(10.0, std::slice::from_ref(&good)).len(), 1);
        assert_eq!(fc.units()[0].rounds_left, 0, "a round is spent");
        let e = fc.engagements()[0].clone();
        assert!(e.planned_end_t_s < 200.0 && e.planned_end_t_s > 10.0);
        // Truth = prediction: Pk 1 kills at the planned intercept.
        let truth =
            |_: u64| Some(TruthTarget { object_id: 1, path: path.clone(), lethal: Lethality::Constant(1.0) });
        let kills = fc.resolve(e.planned_end_t_s, &truth, 3);
        assert_eq!(kills.len(), 1);
        // The fly-out runs from the carrier at ignition to the aim point (the predicted
        // position at the planned intercept).
        let fly = fc.flyout(0, 1.0).unwrap();
        assert!((fly[0].1 - orbit.state_eci(fly[0].0).0).norm() < 1e-6);
        let (t_end, r_end) = fly[fly.len() - 1];
        assert_eq!(t_end, e.planned_end_t_s);
        assert!((r_end - path.state_eci(t_end).unwrap().0).norm() < 1.0);
        // A track too uncertain for the divert (3 sigma > divert x homing time): no plan.
        let vague = TrackView { pos_sigma_m: 1.0e6, ..good.clone() };
        let mut fc2 =
            FireControl::new(vec![layer.clone()], vec![mk_unit()], FireControlConfig::default()).unwrap();
        assert!(fc2.decide(10.0, &[vague]).is_empty());
        // Precise now but a prediction that spreads to 1,000 km: no plan either.
        let n = good.predicted.nodes().len();
        let spreading = TrackView {
            predicted_sigma_m: (0..n).map(|k| 100.0 + 1.0e6 * k as f64 / n as f64).collect(),
            ..good
        };
        let mut fc3 = FireControl::new(vec![layer], vec![mk_unit()], FireControlConfig::default()).unwrap();
        assert!(fc3.decide(10.0, &[spreading]).is_empty());
    }

    #[test]
    fn bad_config_is_refused() {
        let e = FireControlConfig { cycle_s: 0.0, ..Default::default() }.validate().unwrap_err();
        assert_eq!(e.field, "cycle_s");
        let e = FireControlConfig { max_shots_per_target: 0, ..Default::default() }.validate().unwrap_err();
        assert_eq!(e.field, "max_shots_per_target");
    }
}
