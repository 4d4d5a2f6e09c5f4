//! `[[constellation]]`: a group of satellites (orbit part from `tl-orbit`) and the
//! payloads each of them carries.

use super::Problems;
use super::payload::PayloadConfig;
use serde::{Deserialize, Serialize};
use tl_core::check::FieldError;
use tl_orbit::{BuildContext, OrbitError, OrbitSpec, Satellite};

/// One constellation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConstellationConfig {
    /// Name, unique in the scenario; prefixes generated satellite names.
    pub name: String,
    /// `[constellation.orbit]`: how the satellites are given (see `tl_orbit::spec`).
    pub orbit: OrbitSpec,
    /// `[[constellation.payload]]`: what every satellite of this constellation carries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub payload: Vec<PayloadConfig>,
}

/// Turn an orbit build error into a field error at `constellation[i].orbit...`.
fn orbit_error(prefix: &str, e: OrbitError) -> FieldError {
    match e {
        OrbitError::Field(fe) => fe.within(prefix),
        OrbitError::File { path, source } => {
            FieldError::new(format!("{prefix}.path"), format!("{path:?}"), format!("a valid file ({source})"))
        }
        other => FieldError::new(prefix, "(this orbit)", format!("propagatable: {other}")),
    }
}

/// Build the satellites of constellation `i`, recording problems; also propagates each
/// satellite to the start and end of the run so that a propagator failure (decay, SGP4
/// refusal) is a scenario error rather than a failure mid-run.
pub(crate) fn build(
    c: &ConstellationConfig,
    i: usize,
    ctx: &BuildContext<'_>,
    problems: &mut Problems,
) -> Vec<Satellite> {
    let prefix = format!("constellation[{i}].orbit");
    let sats = match c.orbit.build(ctx) {
        Ok(s) => s,
        Err(e) => {
            problems.add(orbit_error(&prefix, e));
            return Vec::new();
        }
    };
    if sats.is_empty() {
        problems.push(&prefix, "(no satellites)", "a constellation with at least one satellite");
    }
    for s in &sats {
        for t in [ctx.span_s.0, ctx.span_s.1] {
            if let Err(e) = s.state_eci(t) {
                problems.add(orbit_error(&prefix, e));
                return Vec::new();
            }
        }
    }
    sats
}
