//! What the viewer draws, in tl-viz's own terms: a [`Scene`] is filled from a run
//! folder's tables (see [`crate::run`]) or step by step during live playback, and turned
//! into CZML by [`crate::czml`].
//!
//! Every position is ECEF (PEF, see `docs/models/earth-and-time.md`) in metres; times
//! are `t_s`, seconds since the scenario epoch.

use tl_core::time::Epoch;

/// One timed ECEF position.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    /// Time since the scenario epoch, s.
    pub t_s: f64,
    /// Position, ECEF (PEF), m.
    pub pos_ecef_m: [f64; 3],
}

/// A satellite and its sampled positions.
#[derive(Clone, Debug, PartialEq)]
pub struct Satellite {
    /// Satellite id (the `sat_id` of the tables).
    pub id: u32,
    /// Display name.
    pub name: String,
    /// Constellation (group) name: satellites of one group share a colour.
    pub group: String,
    /// Positions, increasing time.
    pub samples: Vec<Sample>,
    /// Field-of-regard half-angle off nadir, rad, when the payload's is known; `None`:
    /// the footprint drawn is the satellite's whole Earth horizon (the largest area any
    /// Earth-pointing payload can see).
    pub for_half_angle_rad: Option<f64>,
}

/// A truth object (booster, stage, bus, RV, decoy) and its trajectory.
#[derive(Clone, Debug, PartialEq)]
pub struct TruthObject {
    /// Object id (the `object_id` of the tables).
    pub id: u32,
    /// Launch the object belongs to (the scenario's `[[launch]] id`).
    pub launch_id: String,
    /// Kind name (`booster`, `reentry-vehicle`, ... as [`tl_core::object::ObjectKind::as_str`]).
    pub kind: String,
    /// Positions, increasing time.
    pub samples: Vec<Sample>,
    /// Flight phase name per sample (`boost-1`, `midcourse`, ... as
    /// [`tl_core::object::Phase::name`]); same length as `samples`.
    pub phases: Vec<String>,
}

/// One detection of a truth object by a satellite (scoring side: from the `truth_id`
/// the tracker never reads). Only used to draw lines of sight while they exist.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sighting {
    /// Observation time, s.
    pub t_s: f64,
    /// Observing satellite.
    pub sat_id: u32,
    /// Object seen.
    pub object_id: u32,
}

/// One state of an estimated track.
#[derive(Clone, Debug, PartialEq)]
pub struct TrackSample {
    /// Time, s.
    pub t_s: f64,
    /// Estimated position, ECEF, m.
    pub pos_ecef_m: [f64; 3],
    /// Position covariance in ECEF, m^2: `[xx, xy, xz, yy, yz, zz]`.
    pub cov_ecef_m2: [f64; 6],
    /// Track phase name (as the tracks table gives it).
    pub phase: String,
}

/// A predicted impact point with its error ellipse, as estimated at `t_s`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ImpactEstimate {
    /// Time of the estimate, s.
    pub t_s: f64,
    /// Geodetic latitude, deg.
    pub lat_deg: f64,
    /// Longitude, deg.
    pub lon_deg: f64,
    /// Ellipse semi-major axis, m (the confidence level is the tracks table's).
    pub semi_major_m: f64,
    /// Ellipse semi-minor axis, m.
    pub semi_minor_m: f64,
    /// Azimuth of the semi-major axis, deg clockwise from north.
    pub azimuth_deg: f64,
}

/// An estimated launch point, as estimated at `t_s`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LaunchEstimate {
    /// Time of the estimate, s.
    pub t_s: f64,
    /// Geodetic latitude, deg.
    pub lat_deg: f64,
    /// Longitude, deg.
    pub lon_deg: f64,
    /// Radius of the uncertainty circle drawn, m.
    pub radius_m: f64,
}

/// An estimated track.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Track {
    /// Track id.
    pub id: u32,
    /// States, increasing time.
    pub samples: Vec<TrackSample>,
    /// Predicted impact points over time (may be empty).
    pub impact: Vec<ImpactEstimate>,
    /// Launch point estimates over time (may be empty).
    pub launch: Vec<LaunchEstimate>,
}

/// Who fires.
#[derive(Clone, Debug, PartialEq)]
pub enum Shooter {
    /// A satellite of the scene.
    Satellite(u32),
    /// A fixed site on the ground (or anywhere fixed to the Earth), ECEF, m.
    Fixed {
        /// Site name.
        name: String,
        /// Position, ECEF, m.
        pos_ecef_m: [f64; 3],
    },
}

/// What kind of weapon.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WeaponKind {
    /// A laser: a beam drawn from shooter to target while it dwells.
    Laser,
    /// An interceptor: its fly-out is drawn.
    Interceptor,
}

/// One engagement of one target by one weapon.
#[derive(Clone, Debug, PartialEq)]
pub struct Engagement {
    /// Engagement id.
    pub id: u32,
    /// Weapon name.
    pub weapon: String,
    /// Laser or interceptor.
    pub kind: WeaponKind,
    /// The platform that fires.
    pub shooter: Shooter,
    /// Targeted truth object.
    pub target_object_id: u32,
    /// Start: laser on, or interceptor launch, s.
    pub t_start_s: f64,
    /// End: laser off, or intercept, s.
    pub t_end_s: f64,
    /// Outcome name (`kill`, `miss`, ...).
    pub outcome: String,
    /// Interceptor positions from launch to intercept (empty for lasers).
    pub flyout: Vec<Sample>,
}

/// Everything the viewer can draw for one run. Empty vectors mean "no such layer".
#[derive(Clone, Debug, PartialEq)]
pub struct Scene {
    /// Run name (scenario name).
    pub name: String,
    /// Scenario epoch (UTC).
    pub epoch: Epoch,
    /// First time, s.
    pub t_start_s: f64,
    /// Last time, s.
    pub t_end_s: f64,
    /// Satellites.
    pub satellites: Vec<Satellite>,
    /// Truth objects.
    pub objects: Vec<TruthObject>,
    /// Detections of truth objects (for lines of sight).
    pub sightings: Vec<Sighting>,
    /// Estimated tracks.
    pub tracks: Vec<Track>,
    /// Engagements.
    pub engagements: Vec<Engagement>,
}

impl Scene {
    /// An empty scene spanning `[t_start_s, t_end_s]`.
    pub fn new(name: impl Into<String>, epoch: Epoch, t_start_s: f64, t_end_s: f64) -> Self {
        Self {
            name: name.into(),
            epoch,
            t_start_s,
            t_end_s,
            satellites: Vec::new(),
            objects: Vec::new(),
            sightings: Vec::new(),
            tracks: Vec::new(),
            engagements: Vec::new(),
        }
    }
}
