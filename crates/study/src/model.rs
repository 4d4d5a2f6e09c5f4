//! What a study runs: the [`Model`] trait, the seam between the study machinery and the
//! simulator.
//!
//! A study never looks inside a scenario beyond setting fields by path: it hands the
//! model a scenario document (the base scenario with the trial's values set) and gets
//! back either a validation error naming the field, or a prepared scenario it can run
//! with a seed to get the trial's summary (the object `summary.json` would hold).
//! `tl-sim` implements it for real scenarios ([`crate::sim::SimModel`]); the tests also
//! use small models with closed-form answers.

use std::path::PathBuf;

/// The base scenario of a study, as a document.
#[derive(Clone, Debug, PartialEq)]
pub struct BaseScenario {
    /// Where it came from: a file path or `builtin:<name>` (for messages).
    pub label: String,
    /// The scenario as a TOML document.
    pub doc: toml::Value,
    /// The folder paths inside the scenario (e.g. a TLE file) are relative to.
    pub dir: PathBuf,
}

/// A scenario the model refuses.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ScenarioError {
    /// The scenario field at fault in canonical form (`constellation[0].orbit.total`),
    /// when known.
    pub path: Option<String>,
    /// The complete message (it names the field, the value and what is allowed).
    pub message: String,
}

impl ScenarioError {
    /// An error without a known field.
    pub fn new(message: impl Into<String>) -> Self {
        Self { path: None, message: message.into() }
    }

    /// An error about a field.
    pub fn at(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self { path: Some(path.into()), message: message.into() }
    }
}

/// The simulator as a study sees it. Implementations must be deterministic: the same
/// document and seed give the same summary, whatever the thread.
pub trait Model: Sync {
    /// A parsed and validated scenario, ready to run (shared by the trials of a point
    /// when nothing is drawn per trial).
    type Prepared: Send + Sync;

    /// Load the base scenario a study names: `spec` is the study file's `scenario`
    /// value, `study_dir` the folder of the study file (relative paths start there).
    fn load_base(&self, spec: &str, study_dir: &std::path::Path) -> Result<BaseScenario, String>;

    /// Parse and validate a scenario document. Cheap compared with a run: a study
    /// calls it for every point (and every trial when values are drawn) to check the
    /// values before any trial runs.
    fn prepare(&self, doc: &toml::Value, base: &BaseScenario) -> Result<Self::Prepared, ScenarioError>;

    /// Run one trial in memory with `seed` and return its summary as JSON. Errors
    /// (a numerical failure, say) are recorded as the trial's error.
    fn run(&self, scenario: &Self::Prepared, seed: u64) -> Result<serde_json::Value, String>;

    /// Check up front that `metric` (a dotted path into the summary) can appear in a
    /// summary; the error lists what can. The default accepts everything (a missing
    /// metric then fails each trial with a message listing the summary's fields).
    fn check_metric(&self, metric: &str) -> Result<(), String> {
        let _ = metric;
        Ok(())
    }
}
