//! The tracker configuration: the scenario's `[tracker]` section, also read by
//! `tracklayer track --config FILE.toml`.
//!
//! ```
//! let cfg: tl_track::config::TrackerConfig = toml::from_str(r#"
//!     [cartesian]
//!     gate = 4.0
//!     [space]
//!     gate_d2 = 13.8
//!     [space.products]
//!     fcq_pos_sigma_m = 150.0
//! "#).unwrap();
//! cfg.validate().unwrap();
//! assert_eq!(cfg.space.products.fcq_pos_sigma_m, 150.0);
//! ```

use crate::cartesian::CartesianConfig;
use crate::space::SpaceConfig;
use serde::{Deserialize, Serialize};
use tl_core::check::FieldError;

/// Tracker configuration. Every field has a default; unknown fields are errors.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrackerConfig {
    /// The Cartesian (3-D position measurements) tracker.
    pub cartesian: CartesianConfig,
    /// The angles-only space tracker (detections from satellites).
    pub space: SpaceConfig,
}

impl TrackerConfig {
    /// Check every field; errors carry a dotted path (`space.imm.sojourn_s[0]`).
    pub fn validate(&self) -> Result<(), FieldError> {
        self.cartesian.validate("cartesian")?;
        self.space.validate("space")?;
        Ok(())
    }
}
