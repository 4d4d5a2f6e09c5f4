//! `summary.json` (deterministic) and `timing.json` (wall clock).
//!
//! Stages add their figures in [`crate::run::Stage::finish`]: per launch with
//! [`Summary::launch_mut`] (e.g. `first_detection_t_s`), per stage with
//! [`Summary::stage_mut`] (e.g. `detections`, `false_tracks`). Maps are ordered by key
//! and floats are printed in shortest round-trip form, so the file's bytes depend only
//! on the scenario and the seed.

use crate::scenario::Prepared;
use serde::Serialize;
use std::collections::BTreeMap;

/// A figure: a number, text, a flag, or a small structure.
pub type Figure = serde_json::Value;

/// One table file of the run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TableSummary {
    /// File name in the run folder.
    pub file: String,
    /// Rows written.
    pub rows: u64,
}

/// One constellation of the run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConstellationSummary {
    /// Name.
    pub name: String,
    /// Satellites built.
    pub satellites: u64,
    /// Payload names.
    pub payloads: Vec<String>,
}

/// One launch and the figures stages report for it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LaunchSummary {
    /// Launch id.
    pub id: String,
    /// Missile type.
    pub missile: String,
    /// Lift-off time, s since the epoch.
    pub time_s: f64,
    /// Figures by name, added by stages (units in the names: `first_detection_t_s`).
    pub figures: BTreeMap<String, Figure>,
}

/// The run's `summary.json`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    /// tracklayer version that wrote the run.
    pub tracklayer_version: String,
    /// Scenario name.
    pub scenario: String,
    /// Seed used.
    pub seed: u64,
    /// Epoch (t_s = 0), ISO 8601 UTC.
    pub epoch_utc: String,
    /// Run length, s.
    pub duration_s: f64,
    /// Time step, s.
    pub step_s: f64,
    /// Number of time samples.
    pub steps: u64,
    /// Table format.
    pub format: String,
    /// Satellites in all.
    pub satellites: u64,
    /// Per constellation.
    pub constellations: Vec<ConstellationSummary>,
    /// Table files and their row counts, by table name.
    pub tables: BTreeMap<String, TableSummary>,
    /// Per launch, in scenario order.
    pub launches: Vec<LaunchSummary>,
    /// Figures per stage, by stage name.
    pub stages: BTreeMap<String, BTreeMap<String, Figure>>,
}

impl Summary {
    /// The summary skeleton of a prepared scenario (tables and figures empty).
    pub fn new(p: &Prepared) -> Self {
        let s = &p.scenario;
        let constellations = s
            .constellations
            .iter()
            .enumerate()
            .map(|(i, c)| ConstellationSummary {
                name: c.name.clone(),
                satellites: p.satellites.iter().filter(|e| e.constellation == i).count() as u64,
                payloads: c.payload.iter().map(|x| x.name.clone()).collect(),
            })
            .collect();
        Self {
            tracklayer_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario: s.name.clone(),
            seed: s.seed,
            epoch_utc: tl_core::time::format_epoch_utc(p.epoch),
            duration_s: s.duration_s,
            step_s: s.step_s,
            steps: p.steps,
            format: s.output.format.to_string(),
            satellites: p.satellites.len() as u64,
            constellations,
            tables: BTreeMap::new(),
            launches: s
                .launches
                .iter()
                .map(|l| LaunchSummary {
                    id: l.id.clone(),
                    missile: l.missile.clone(),
                    time_s: l.time_s,
                    figures: BTreeMap::new(),
                })
                .collect(),
            stages: BTreeMap::new(),
        }
    }

    /// The figures of launch `id` (None when there is no such launch).
    pub fn launch_mut(&mut self, id: &str) -> Option<&mut BTreeMap<String, Figure>> {
        self.launches.iter_mut().find(|l| l.id == id).map(|l| &mut l.figures)
    }

    /// The figures of stage `name` (created empty on first use).
    pub fn stage_mut(&mut self, name: &str) -> &mut BTreeMap<String, Figure> {
        self.stages.entry(name.to_string()).or_default()
    }

    /// Pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("summary serialises");
        s.push('\n');
        s
    }
}

/// The run's `timing.json`: wall-clock seconds, not deterministic.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Timing {
    /// Worker threads used.
    pub threads: usize,
    /// Opening the run folder and the tables, s.
    pub setup_s: f64,
    /// Time spent in each stage's `step` and `finish`, s, by stage name.
    pub stages: BTreeMap<String, f64>,
    /// Counters that depend on the number of threads, by stage name (the tracks
    /// stage: how much of the 3-D filtering was done ahead in parallel,
    /// `tl_track::space::SpecStats`).
    pub counters: BTreeMap<String, serde_json::Value>,
    /// Closing tables and writing scenario/summary files, s.
    pub finish_s: f64,
    /// Whole run, s.
    pub total_s: f64,
    /// Time steps per wall-clock second.
    pub steps_per_s: f64,
}
