//! The simulator as a study model: [`SimModel`] runs tracklayer scenarios (`tl-sim`).
//!
//! * base scenario: a built-in name (`tranche0-quick`, or `builtin:tranche0-quick`) or a
//!   file path (ending in `.toml` or containing a `/`), relative to the study file;
//! * validation: the trial's document is written back to TOML text and read with the
//!   simulator's own parser and validation (`tl_sim::scenario::parse` then `prepare`),
//!   so a study accepts exactly what `tracklayer run` accepts and its errors carry the
//!   same dotted paths (`constellation[0].orbit.total = 0: must be ...`);
//! * a trial: `tl_sim::run::run_summary` (in memory, no files) with the trial's seed;
//!   its summary is the `summary.json` object.

use crate::model::{BaseScenario, Model, ScenarioError};
use std::path::Path;
use tl_sim::scenario::{Prepared, Source};

/// Runs tracklayer scenarios for studies.
#[derive(Clone, Copy, Debug, Default)]
pub struct SimModel;

/// Top-level fields of `summary.json` (checked against metric paths up front).
const SUMMARY_FIELDS: [&str; 13] = [
    "tracklayer_version",
    "scenario",
    "seed",
    "epoch_utc",
    "duration_s",
    "step_s",
    "steps",
    "format",
    "satellites",
    "constellations",
    "tables",
    "launches",
    "stages",
];

fn convert(e: tl_sim::diag::ScenarioError) -> ScenarioError {
    // The line numbers refer to the generated text, not a file the user has: keep the
    // paths and messages only.
    let first_path = e.diagnostics.iter().map(|d| d.path.clone()).find(|p| !p.is_empty());
    let msgs: Vec<String> = e
        .diagnostics
        .iter()
        .map(|d| match (d.path.is_empty(), d.message.starts_with("= ")) {
            (true, _) => d.message.clone(),
            (false, true) => format!("{} {}", d.path, d.message),
            (false, false) => format!("{}: {}", d.path, d.message),
        })
        .collect();
    ScenarioError { path: first_path, message: msgs.join("; ") }
}

impl Model for SimModel {
    type Prepared = Prepared;

    fn load_base(&self, spec: &str, study_dir: &Path) -> Result<BaseScenario, String> {
        let builtin = spec.strip_prefix("builtin:");
        let is_path = builtin.is_none() && (spec.ends_with(".toml") || spec.contains('/'));
        let source = if is_path {
            // Absolute, so a frozen study finds the scenario's files from any folder.
            let path = std::path::absolute(study_dir.join(spec)).map_err(|e| format!("{spec}: {e}"))?;
            Source::from_file(&path).map_err(|e| e.to_string())?
        } else {
            let name = builtin.unwrap_or(spec);
            tl_sim::builtin::get(name).map(|b| b.source()).ok_or_else(|| {
                format!(
                    "no built-in scenario `{name}` (built-ins: {}; a file path must end in .toml or contain a /)",
                    tl_sim::builtin::names().join(", ")
                )
            })?
        };
        let doc: toml::Value =
            toml::from_str(&source.text).map_err(|e| format!("{}: {e}", source.display))?;
        Ok(BaseScenario {
            label: source.display.clone(),
            doc,
            dir: source.base_dir.clone().unwrap_or_else(|| study_dir.to_path_buf()),
        })
    }

    fn prepare(&self, doc: &toml::Value, base: &BaseScenario) -> Result<Prepared, ScenarioError> {
        let text = toml::to_string(doc)
            .map_err(|e| ScenarioError::new(format!("cannot write the scenario: {e}")))?;
        let source = Source {
            display: base.label.clone(),
            base_dir: if base.label.starts_with("builtin:") { None } else { Some(base.dir.clone()) },
            text,
        };
        let s = tl_sim::scenario::parse(&source).map_err(convert)?;
        tl_sim::scenario::prepare(s, &source).map_err(convert)
    }

    fn run(&self, scenario: &Prepared, seed: u64) -> Result<serde_json::Value, String> {
        let summary = tl_sim::run::run_summary(scenario, seed).map_err(|e| e.to_string())?;
        serde_json::to_value(&summary).map_err(|e| format!("cannot read the summary: {e}"))
    }

    fn check_metric(&self, metric: &str) -> Result<(), String> {
        let first = metric.split(['.', '[']).next().unwrap_or("");
        if SUMMARY_FIELDS.contains(&first) {
            Ok(())
        } else {
            Err(format!("summary.json has no `{first}` (it has: {})", SUMMARY_FIELDS.join(", ")))
        }
    }
}
