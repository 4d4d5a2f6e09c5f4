//! Kinds and flight phases of threat objects, shared by truth, sensors and tracks.

use serde::{Deserialize, Serialize};

/// What a truth object is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ObjectKind {
    /// The missile stack while it is still one body (all stages attached to the payload).
    Booster,
    /// A spent stage after separation.
    SpentStage,
    /// Post-boost vehicle (bus) carrying reentry vehicles and decoys.
    PostBoostVehicle,
    /// Reentry vehicle (warhead).
    ReentryVehicle,
    /// Light decoy.
    Decoy,
}

impl ObjectKind {
    /// Stable name used in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Booster => "booster",
            ObjectKind::SpentStage => "spent-stage",
            ObjectKind::PostBoostVehicle => "post-boost-vehicle",
            ObjectKind::ReentryVehicle => "reentry-vehicle",
            ObjectKind::Decoy => "decoy",
        }
    }
}

/// Flight phase of an object (truth) or of a track (estimate).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Before launch (not yet flying).
    PreLaunch,
    /// Powered flight of stage k (1-based).
    Boost(u8),
    /// Unpowered coast between stages.
    Coast,
    /// Post-boost vehicle manoeuvring and deploying.
    PostBoost,
    /// Ballistic flight above the sensible atmosphere.
    Midcourse,
    /// Descent through the atmosphere (below ~100 km on the way down).
    Reentry,
    /// On the ground after impact.
    Impacted,
    /// Destroyed by an engagement.
    Killed,
}

impl Phase {
    /// Stable name used in tables: `boost-1`, `coast`, `midcourse`, ...
    pub fn name(self) -> String {
        match self {
            Phase::PreLaunch => "pre-launch".into(),
            Phase::Boost(k) => format!("boost-{k}"),
            Phase::Coast => "coast".into(),
            Phase::PostBoost => "post-boost".into(),
            Phase::Midcourse => "midcourse".into(),
            Phase::Reentry => "reentry".into(),
            Phase::Impacted => "impacted".into(),
            Phase::Killed => "killed".into(),
        }
    }

    /// True while a rocket motor is (or may be) burning: boost stages.
    pub fn is_boost(self) -> bool {
        matches!(self, Phase::Boost(_))
    }
}
