//! The scenario's `[fire_control]` table: how the run's fire control plans and assigns.
//!
//! ```toml
//! [fire_control]
//! cycle_s = 1.0              # decision cycle
//! rule = "optimal"           # or "greedy" (the baseline)
//! decision_time_s = 10.0     # fire-control quality -> first fire order, for layers that
//!                            # do not set their own `[[weapon]] decision_time_s`
//! assess_s = 15.0            # kill assessment delay after an engagement ends
//! shots_per_target = 2       # most engagements per target (shoot-look-shoot)
//! shoot_look_shoot = true
//! planning_boost_s = 170.0   # burnout assumed at the track's launch estimate + this
//! planning_max_accel_m_s2 = 60.0   # cap of the predicted thrust acceleration
//! track_timeout_s = 15.0     # a track not updated for this long is treated as lost
//! fcq_pos_sigma_m = 200.0    # optional: fire control's own fire-control-quality bar
//! ```
//!
//! Every field has a default (above), units are in the names, unknown fields are
//! errors. Validation errors carry paths relative to the table (`cycle_s`); the simulator
//! prefixes `fire_control.` and maps them to the file's line and column. Models and
//! sources: `docs/models/engage.md`, "Fire control in the run".

use crate::fire::{AssignmentRule, FireControlConfig};
use serde::{Deserialize, Serialize};
use tl_core::check::{FieldError, in_range};

/// The `[fire_control]` table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FireControlSettings {
    /// Decision cycle: weapon-target assignment runs every `cycle_s` seconds, s
    /// (0.1..=60, default 1).
    pub cycle_s: f64,
    /// Assignment rule: `optimal` (Jonker-Volgenant on time to kill, most targets first)
    /// or `greedy` (cheapest pair first, the baseline). Default `optimal`.
    pub rule: AssignmentRule,
    /// Time from a track's first fire-control-quality report to the first fire order, s
    /// (0..=600, default 10), for weapon layers without their own `decision_time_s`.
    pub decision_time_s: f64,
    /// Kill-assessment delay after an engagement ends, s (0..=600, default 15): a target
    /// still tracked then may be engaged again. Longer than the detection latency plus
    /// the tracker's reorder window, so a killed target's track has stopped updating.
    pub assess_s: f64,
    /// Most engagements of one target (1..=10, default 2).
    pub shots_per_target: u32,
    /// Re-engage a target still tracked after the assessment (default true).
    pub shoot_look_shoot: bool,
    /// Engagements must end this long before the predicted burnout, s (0..=120,
    /// default 0).
    pub burnout_margin_s: f64,
    /// Boost duration fire control assumes: predicted burnout = the track's launch-time
    /// estimate + this, s (30..=600, default 170: the short end of APS 2003's 170-180 s
    /// for solid ICBMs, so plans end before the earliest plausible burnout).
    pub planning_boost_s: f64,
    /// Thrust acceleration at which a track's boost prediction saturates, m/s^2 (5..=300,
    /// default 60): the tracker's saturating rocket-equation trend is predicted with this
    /// cap in place of the tracker's own (`tl_track::predict::predict_boost_states`). The catalogue's ICBM stages start at
    /// 13-37 m/s^2 and end at 51-115 m/s^2, so 60 m/s^2 sits near the boost average.
    pub planning_max_accel_m_s2: f64,
    /// A track whose last update is older than this is not offered to fire control (and
    /// an engaged target whose track goes quiet is assessed killed), s (1..=600,
    /// default 15).
    pub track_timeout_s: f64,
    /// Fire-control quality requirement: a track qualifies when its largest position
    /// standard deviation is below this, m (1..=100,000). Unset (the default): the
    /// tracker's own flag (`[tracker.space.products] fcq_pos_sigma_m`, 250 m by default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fcq_pos_sigma_m: Option<f64>,
    /// Node spacing of a track's predicted boost trajectory, s (0.1..=10, default 2).
    pub prediction_step_s: f64,
    /// Integration step of lasing (planning and outcomes), s (0.05..=5, default 1).
    pub laser_step_s: f64,
    /// Spacing of the interceptor fly-out samples written to the `flyouts` table, s
    /// (0.1..=60, default 2).
    pub flyout_step_s: f64,
}

impl Default for FireControlSettings {
    fn default() -> Self {
        Self {
            cycle_s: 1.0,
            rule: AssignmentRule::Optimal,
            decision_time_s: 10.0,
            assess_s: 15.0,
            shots_per_target: 2,
            shoot_look_shoot: true,
            burnout_margin_s: 0.0,
            planning_boost_s: 170.0,
            planning_max_accel_m_s2: 60.0,
            track_timeout_s: 15.0,
            fcq_pos_sigma_m: None,
            prediction_step_s: 2.0,
            laser_step_s: 1.0,
            flyout_step_s: 2.0,
        }
    }
}

impl FireControlSettings {
    /// True when every field has its default (the table is then left out of a run
    /// folder's `scenario.toml`).
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// Check every field; errors name the field relative to the table.
    ///
    /// ```
    /// let mut f = tl_engage::control::FireControlSettings::default();
    /// f.cycle_s = 0.0;
    /// assert_eq!(f.validate().unwrap_err().to_string(), "cycle_s = 0: must be within 0.1..=60");
    /// ```
    pub fn validate(&self) -> Result<(), FieldError> {
        in_range("cycle_s", self.cycle_s, 0.1, 60.0)?;
        in_range("decision_time_s", self.decision_time_s, 0.0, 600.0)?;
        in_range("assess_s", self.assess_s, 0.0, 600.0)?;
        if !(1..=10).contains(&self.shots_per_target) {
            return Err(FieldError::new(
                "shots_per_target",
                self.shots_per_target.to_string(),
                "within 1..=10",
            ));
        }
        in_range("burnout_margin_s", self.burnout_margin_s, 0.0, 120.0)?;
        in_range("planning_boost_s", self.planning_boost_s, 30.0, 600.0)?;
        in_range("planning_max_accel_m_s2", self.planning_max_accel_m_s2, 5.0, 300.0)?;
        in_range("track_timeout_s", self.track_timeout_s, 1.0, 600.0)?;
        if let Some(x) = self.fcq_pos_sigma_m {
            in_range("fcq_pos_sigma_m", x, 1.0, 100_000.0)?;
        }
        in_range("prediction_step_s", self.prediction_step_s, 0.1, 10.0)?;
        in_range("laser_step_s", self.laser_step_s, 0.05, 5.0)?;
        in_range("flyout_step_s", self.flyout_step_s, 0.1, 60.0)?;
        Ok(())
    }

    /// Whether a track with the tracker's flag `tracker_fcq` and largest position
    /// standard deviation `pos_sigma_max_m` is of fire-control quality here.
    ///
    /// ```
    /// let mut f = tl_engage::control::FireControlSettings::default();
    /// assert!(f.fire_control_quality(true, 240.0));
    /// f.fcq_pos_sigma_m = Some(100.0);
    /// assert!(!f.fire_control_quality(true, 240.0));
    /// assert!(f.fire_control_quality(false, 90.0));
    /// ```
    pub fn fire_control_quality(&self, tracker_fcq: bool, pos_sigma_max_m: f64) -> bool {
        match self.fcq_pos_sigma_m {
            Some(x) => pos_sigma_max_m < x,
            None => tracker_fcq,
        }
    }

    /// The fire-control engine's settings.
    pub fn engine_config(&self) -> FireControlConfig {
        FireControlConfig {
            cycle_s: self.cycle_s,
            rule: self.rule,
            assess_s: self.assess_s,
            shoot_look_shoot: self.shoot_look_shoot,
            max_shots_per_target: self.shots_per_target,
            burnout_margin_s: self.burnout_margin_s,
            laser_step_s: self.laser_step_s,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate_and_unknown_fields_are_refused() {
        let d = FireControlSettings::default();
        d.validate().unwrap();
        assert!(d.engine_config().validate().is_ok());
        let f: FireControlSettings = toml::from_str("rule = \"greedy\"\ncycle_s = 2.0").unwrap();
        assert_eq!((f.rule, f.cycle_s, f.assess_s), (AssignmentRule::Greedy, 2.0, 15.0));
        let e = toml::from_str::<FireControlSettings>("cycel_s = 2.0").unwrap_err().to_string();
        assert!(e.contains("unknown field `cycel_s`"), "{e}");
        let e = toml::from_str::<FireControlSettings>("rule = \"best\"").unwrap_err().to_string();
        assert!(e.contains("optimal") && e.contains("greedy"), "{e}");
        for (bad, field) in [
            (FireControlSettings { shots_per_target: 0, ..d.clone() }, "shots_per_target"),
            (FireControlSettings { planning_boost_s: 10.0, ..d.clone() }, "planning_boost_s"),
            (FireControlSettings { assess_s: -1.0, ..d.clone() }, "assess_s"),
            (FireControlSettings { track_timeout_s: f64::NAN, ..d.clone() }, "track_timeout_s"),
            (FireControlSettings { fcq_pos_sigma_m: Some(0.0), ..d.clone() }, "fcq_pos_sigma_m"),
        ] {
            assert_eq!(bad.validate().unwrap_err().field, field);
        }
    }
}
