//! `[[missile]]`: missile types defined in the scenario file, and the catalogue of
//! built-in ones that `[[launch]] missile = "..."` can name.
//!
//! The catalogue is `tl_threat::catalogue`. **Placeholder** for custom missiles: one has
//! only a `name` so far; the threat integration replaces [`MissileConfig`] with
//! `tl_threat::spec::MissileSpec` and extends [`validate`] with its validation.

use super::Problems;
use serde::{Deserialize, Serialize};

/// A missile type defined in the scenario (placeholder: see the module docs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MissileConfig {
    /// Name that launches use; must not clash with a catalogue name.
    pub name: String,
}

/// Names of the built-in missile types (`tl_threat::catalogue`).
pub fn catalogue_names() -> Vec<String> {
    tl_threat::catalogue::NAMES.iter().map(|s| s.to_string()).collect()
}

/// Check the scenario's `[[missile]]` tables.
pub(crate) fn validate(missiles: &[MissileConfig], problems: &mut Problems) {
    let catalogue = catalogue_names();
    for (i, m) in missiles.iter().enumerate() {
        let here = format!("missile[{i}].name");
        problems.name(&here, &m.name);
        if catalogue.contains(&m.name) {
            problems.push(&here, format!("{:?}", m.name), "a name not already in the missile catalogue");
        } else if missiles[..i].iter().any(|n| n.name == m.name) {
            problems.push(&here, format!("{:?}", m.name), "unique among [[missile]] names");
        }
    }
}
