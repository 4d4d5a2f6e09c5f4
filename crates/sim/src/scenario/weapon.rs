//! `[[weapon]]`: weapon layers (lasers, interceptors).
//!
//! **Placeholder** until the engagement models land: empty tables (unknown fields are
//! refused). The engage crate replaces [`WeaponConfig`] with its config (`pub use
//! tl_engage::...::WeaponConfig;`) and [`validate`] with its validation.

use super::Problems;
use serde::{Deserialize, Serialize};

/// One weapon layer (placeholder: no fields yet).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeaponConfig {}

/// Check the `[[weapon]]` tables.
pub(crate) fn validate(_weapons: &[WeaponConfig], _problems: &mut Problems) {}
