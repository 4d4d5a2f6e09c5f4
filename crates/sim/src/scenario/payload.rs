//! `[[constellation.payload]]`: the sensors a constellation's satellites carry.
//!
//! The types are `tl-sensor`'s payload configuration ([`PayloadConfig`]: kind, band,
//! field of regard, timing, sensitivity, errors, latency; every field documented with its
//! unit in `tl_sensor::payload`, models and defaults in `docs/models/sensor.md`).
//! [`validate`] checks names and runs the sensor crate's validation, prefixing its field
//! paths with `constellation[i].payload[j]` so they map to the file's line and column.

use super::Problems;

pub use tl_sensor::payload::{PayloadConfig, PayloadKind};

/// Check one constellation's payloads; `path` is `constellation[i]`.
pub(crate) fn validate(payloads: &[PayloadConfig], path: &str, problems: &mut Problems) {
    for (j, p) in payloads.iter().enumerate() {
        let here = format!("{path}.payload[{j}]");
        problems.name(&format!("{here}.name"), &p.name);
        if payloads[..j].iter().any(|q| q.name == p.name) {
            problems.push(
                &format!("{here}.name"),
                format!("{:?}", p.name),
                "unique within the constellation",
            );
        }
        problems.check(&here, p.build());
    }
}
