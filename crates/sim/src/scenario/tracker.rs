//! `[tracker]`: tracker settings.
//!
//! **Placeholder** until the tracker lands: an empty table (unknown fields are refused).
//! The track crate replaces [`TrackerConfig`] with its config (`pub use
//! tl_track::...::TrackerConfig;`) and [`validate`] with its validation.

use super::Problems;
use serde::{Deserialize, Serialize};

/// Tracker settings (placeholder: no fields yet).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackerConfig {}

/// Check `[tracker]`.
pub(crate) fn validate(_tracker: &TrackerConfig, _problems: &mut Problems) {}
