//! A small model with closed-form answers, for the study machinery's own tests and its
//! overhead benchmark (it is not a simulator).
//!
//! Its only scenario, `toy`:
//!
//! ```toml
//! noise = 0.1      # >= 0; a run fails ("numerical failure") when noise > 10
//! k = 1            # 1..=100
//! [[layer]]
//! name = "tracking"
//! count = 8        # 1..=1000
//! [[launch]]
//! name = "a"
//! time_s = 0.0     # 0..=1e6
//! [[launch]]
//! name = "b"
//! time_s = 10.0
//! ```
//!
//! A run returns the summary `{"y": k * sum(count) + noise * z, "detail": {"z": mean
//! launch time, "none": null}, "seed_low": seed % 1000}` with `z ~ N(0, 1)` from the
//! seed, so tests know every metric's distribution.

use crate::model::{BaseScenario, Model, ScenarioError};
use serde::Deserialize;
use std::path::Path;
use tl_core::check::in_range;
use tl_core::rng::RngStream;

/// The `toy` base scenario text.
pub const TOY_SCENARIO: &str = r#"noise = 0.1
k = 1

[[layer]]
name = "tracking"
count = 8

[[launch]]
name = "a"
time_s = 0.0

[[launch]]
name = "b"
time_s = 10.0
"#;

/// The toy model (see the module docs).
#[derive(Clone, Copy, Debug, Default)]
pub struct ToyModel;

/// A validated toy scenario.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToyScenario {
    /// Noise amplitude.
    pub noise: f64,
    /// Gain.
    pub k: i64,
    /// Layers.
    pub layer: Vec<ToyLayer>,
    /// Launches.
    pub launch: Vec<ToyLaunch>,
}

/// A toy layer.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToyLayer {
    /// Name.
    pub name: String,
    /// Count.
    pub count: i64,
}

/// A toy launch.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToyLaunch {
    /// Name.
    pub name: String,
    /// Time, s.
    pub time_s: f64,
}

const FIELDS: [&str; 4] = ["noise", "k", "layer", "launch"];

impl Model for ToyModel {
    type Prepared = ToyScenario;

    fn load_base(&self, spec: &str, _study_dir: &Path) -> Result<BaseScenario, String> {
        if spec != "toy" {
            return Err("unknown scenario: the toy model has only `toy`".into());
        }
        Ok(BaseScenario {
            label: "builtin:toy".into(),
            doc: toml::from_str(TOY_SCENARIO).map_err(|e| e.to_string())?,
            dir: ".".into(),
        })
    }

    fn prepare(&self, doc: &toml::Value, _base: &BaseScenario) -> Result<ToyScenario, ScenarioError> {
        if let Some(t) = doc.as_table() {
            for k in t.keys() {
                if !FIELDS.contains(&k.as_str()) {
                    return Err(ScenarioError::at(
                        k.clone(),
                        format!("unknown field `{k}`, expected one of {}", FIELDS.join(", ")),
                    ));
                }
            }
        }
        let s: ToyScenario =
            doc.clone().try_into().map_err(|e: toml::de::Error| ScenarioError::new(e.message()))?;
        let fe = |e: tl_core::check::FieldError| ScenarioError::at(e.field.clone(), e.to_string());
        tl_core::check::non_negative("noise", s.noise).map_err(fe)?;
        in_range("k", s.k as f64, 1.0, 100.0).map_err(fe)?;
        for (i, l) in s.layer.iter().enumerate() {
            in_range(&format!("layer[{i}].count"), l.count as f64, 1.0, 1000.0).map_err(fe)?;
        }
        for (i, l) in s.launch.iter().enumerate() {
            in_range(&format!("launch[{i}].time_s"), l.time_s, 0.0, 1e6).map_err(fe)?;
        }
        Ok(s)
    }

    fn run(&self, s: &ToyScenario, seed: u64) -> Result<serde_json::Value, String> {
        if s.noise > 10.0 {
            return Err(format!("numerical failure: noise {} > 10", s.noise));
        }
        let z = RngStream::new(seed, 0, 0, "toy.noise").normal();
        let sum: i64 = s.layer.iter().map(|l| l.count).sum();
        let mean_t = s.launch.iter().map(|l| l.time_s).sum::<f64>() / s.launch.len().max(1) as f64;
        Ok(serde_json::json!({
            "y": (s.k * sum) as f64 + s.noise * z,
            "detail": { "z": mean_t, "none": null },
            "seed_low": seed % 1000,
        }))
    }

    fn check_metric(&self, metric: &str) -> Result<(), String> {
        const KNOWN: [&str; 4] = ["y", "detail.z", "detail.none", "seed_low"];
        if KNOWN.contains(&metric) {
            Ok(())
        } else {
            Err(format!("not in the summary (it has: {})", KNOWN.join(", ")))
        }
    }
}
