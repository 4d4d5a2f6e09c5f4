//! `[fire_control]`: how the run's fire control plans and assigns weapons (decision
//! cycle, optimal or greedy assignment, decision time, kill assessment, shots per
//! target, the boost duration it plans on).
//!
//! The type is `tl-engage`'s ([`FireControlSettings`], every field documented with its
//! unit and default in `tl_engage::control`; models in `docs/models/engage.md`).
//! [`validate`] runs its checks with paths prefixed by `fire_control`.

use super::Problems;

pub use tl_engage::control::FireControlSettings;

/// Check the `[fire_control]` table.
pub(crate) fn validate(fc: &FireControlSettings, problems: &mut Problems) {
    problems.check("fire_control", fc.validate());
}
