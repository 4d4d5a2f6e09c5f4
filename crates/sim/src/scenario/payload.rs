//! `[[constellation.payload]]`: the sensors a constellation's satellites carry.
//!
//! **Placeholder** until the sensor models land: only `name` and `kind`. The sensor
//! crate replaces this file's types with its payload config (`pub use
//! tl_sensor::...::PayloadConfig;`) and [`validate`] with a call to its validation.

use super::Problems;
use serde::{Deserialize, Serialize};

/// What a payload is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PayloadKind {
    /// Wide-field staring/scanning sensor that detects boosters on its own.
    WideField,
    /// Narrower sensor pointed on cue from the wide-field layer (fire-control quality).
    Cued,
}

/// One payload on every satellite of its constellation (placeholder: see the module
/// docs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayloadConfig {
    /// Name, unique within the constellation.
    pub name: String,
    /// `wide-field` or `cued`.
    pub kind: PayloadKind,
}

/// Check one constellation's payloads; `path` is `constellation[i]`.
pub(crate) fn validate(payloads: &[PayloadConfig], path: &str, problems: &mut Problems) {
    for (j, p) in payloads.iter().enumerate() {
        let here = format!("{path}.payload[{j}].name");
        problems.name(&here, &p.name);
        if payloads[..j].iter().any(|q| q.name == p.name) {
            problems.push(&here, format!("{:?}", p.name), "unique within the constellation");
        }
    }
}
