//! `[[missile]]`: missile types defined in the scenario file, and the catalogue of
//! built-in ones that `[[launch]] missile = "..."` can name.
//!
//! The fields are the threat crate's missile spec ([`tl_threat::spec::MissileSpec`]:
//! stages with masses, burn times, specific impulses, sizes and plume tables; payload;
//! reentry vehicle and decoy bodies); see `docs/models/threat.md`.

use super::Problems;

/// A missile type defined in the scenario: the threat crate's missile spec.
pub use tl_threat::spec::MissileSpec as MissileConfig;

/// Names of the built-in missile types.
pub fn catalogue_names() -> Vec<String> {
    tl_threat::catalogue::NAMES.iter().map(|s| s.to_string()).collect()
}

/// The spec of missile `name`: a `[[missile]]` of the scenario or a catalogue entry.
pub fn find(name: &str, missiles: &[MissileConfig]) -> Option<MissileConfig> {
    missiles.iter().find(|m| m.name == name).cloned().or_else(|| tl_threat::catalogue::get(name))
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
        problems.check(&format!("missile[{i}]"), m.validate());
    }
}
