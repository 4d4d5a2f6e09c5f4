//! `[tracker]`: tracker settings, the track crate's [`TrackerConfig`]
//! (`[tracker.cartesian]`, `[tracker.space]` with `imm`, `motion` and `products`
//! sub-tables). Every field has a default; see `docs/models/tracking.md`.

use super::Problems;

pub use tl_track::config::TrackerConfig;

/// Check `[tracker]` (errors carry `tracker.<path>`).
pub(crate) fn validate(tracker: &TrackerConfig, problems: &mut Problems) {
    problems.check("tracker", tracker.validate());
}
