//! `[[weapon]]`: weapon layers (lasers, interceptors) carried by a constellation.
//!
//! The types are `tl-engage`'s ([`WeaponConfig`]: kind, performance, decision time; every
//! field documented with its unit in `tl_engage::weapon`, models and defaults in
//! `docs/models/engage.md`). [`validate`] checks names, the carrier constellation, and
//! runs the engage crate's validation, prefixing its field paths with `weapon[i]`.

use super::Problems;

pub use tl_engage::weapon::{WeaponConfig, WeaponKind};

/// Check the `[[weapon]]` tables against the scenario's constellation names.
pub(crate) fn validate(weapons: &[WeaponConfig], constellations: &[String], problems: &mut Problems) {
    for (i, w) in weapons.iter().enumerate() {
        let here = format!("weapon[{i}]");
        problems.name(&format!("{here}.name"), &w.name);
        if weapons[..i].iter().any(|v| v.name == w.name) {
            problems.push(&format!("{here}.name"), format!("{:?}", w.name), "unique among weapons");
        }
        if !constellations.contains(&w.constellation) {
            problems.push(
                &format!("{here}.constellation"),
                format!("{:?}", w.constellation),
                format!("the name of a [[constellation]] ({})", constellations.join(", ")),
            );
        }
        problems.check(&here, w.build());
    }
}
