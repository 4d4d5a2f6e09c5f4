//! The state shared between stages within one time step.
//!
//! Each stage reads what earlier stages put here and adds its own results. A stage that
//! hands something to later stages adds a field here (e.g. the threat stage
//! `objects`, the sensor stage `detections`), documented with units and frame.

use tl_core::Vec3;

/// One satellite's state at the current step.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SatState {
    /// Position, ECI (TEME), m.
    pub pos_eci_m: Vec3,
    /// Velocity, ECI (TEME), m/s.
    pub vel_eci_m_s: Vec3,
    /// Position, ECEF (PEF), m.
    pub pos_ecef_m: Vec3,
    /// Velocity relative to the rotating Earth, ECEF (PEF), m/s.
    pub vel_ecef_m_s: Vec3,
    /// Geodetic latitude (WGS84), deg.
    pub lat_deg: f64,
    /// Longitude, deg east.
    pub lon_deg: f64,
    /// Height above the WGS84 ellipsoid, m.
    pub alt_m: f64,
}

/// One threat object existing at the current step (filled by the threat stage).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ThreatObject {
    /// Truth object id, unique in the run (the `truth` table's `object_id`, the
    /// detections' `truth_id`).
    pub object_id: u32,
    /// Index of its launch in the scenario's `[[launch]]` list (and in `Prepared::flights`).
    pub launch: u32,
    /// Index of the object within its flight (`Prepared::flights[launch].objects[index]`).
    pub index: u32,
    /// What it is.
    pub kind: tl_core::object::ObjectKind,
    /// Its full state at `World::t_s`: ECI/ECEF position and velocity, geodetic position,
    /// phase, stage, thrust, throttle, mass, speeds, air density, Mach, plume SWIR/MWIR
    /// intensities, heat flux and skin temperature (see `tl_threat::ObjectState`).
    pub state: tl_threat::ObjectState,
    /// Geometry and surface (diameter, length, broadside area, emissivity, nose radius,
    /// ballistic coefficient).
    pub body: tl_threat::BodyInfo,
}

/// One confirmed track at the current step (filled by the tracks stage). No truth.
#[derive(Clone, Debug)]
pub struct WorldTrack {
    /// The track predicted to `World::t_s` with its products (what the `tracks` table
    /// holds for this step).
    pub report: tl_track::space::TrackReport,
    /// The track's boost-mode estimate at its last filter time: `(time s, mode
    /// probability, estimate)`. Filled only for tracks in a boost phase, and only when
    /// the scenario has weapons (fire control predicts boost trajectories from it).
    pub boost_estimate: Option<(f64, f64, tl_track::filter::Gaussian)>,
}

/// One engagement as the run knows it at the current step (filled by the engage
/// stage): enough to draw it live. Truth appears only once the outcome is resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct WorldEngagement {
    /// Engagement id (the `engagements` table's `engagement_id`).
    pub id: u32,
    /// `[[weapon]] name` of the layer.
    pub layer: String,
    /// True for a laser, false for an interceptor.
    pub laser: bool,
    /// Carrier satellite (`sat_id`).
    pub carrier_sat_id: u32,
    /// Target track id.
    pub target_track_id: u64,
    /// Fire order (interceptor) or start of slewing (laser), s.
    pub fire_t_s: f64,
    /// Planned intercept or kill, s.
    pub planned_end_t_s: f64,
    /// Actual end (kill or miss), s; NaN while under way.
    pub end_t_s: f64,
    /// `pending`, `kill` or `miss`.
    pub outcome: &'static str,
    /// Truth object behind the track once resolved (scoring and display only).
    pub truth_object_id: Option<u32>,
    /// Interceptors: the planned fly-out, `(t s, position ECEF m)`; empty for lasers.
    pub flyout_ecef_m: Vec<(f64, Vec3)>,
}

/// Shared per-step state.
#[derive(Clone, Debug, Default)]
pub struct World {
    /// Step index k (0-based).
    pub step: u64,
    /// Time of this step, s since the epoch (k step_s).
    pub t_s: f64,
    /// Every satellite's state at `t_s`, indexed by `sat_id` (filled by the satellites
    /// stage, first in the loop).
    pub satellites: Vec<SatState>,
    /// Every threat object existing at `t_s`, in `object_id` order (filled by the threat
    /// stage, after the satellites).
    pub objects: Vec<ThreatObject>,
    /// Kills requested by engagements: (object_id, kill time s). The threat stage applies
    /// them at the start of its next step: the object, and its children not yet separated
    /// or released, stop existing from the kill time on.
    pub kills: Vec<(u32, f64)>,
    /// The detections generated at this step (filled by the detections stage), in
    /// generation order: report window, satellite, payload, object. Each carries its
    /// `t_obs_s` and `t_arrival_s`: a consumer that models the fusion node must hold a
    /// detection until its arrival time. No truth here: the scoring-only truth ids go to
    /// the `detections` table only.
    pub detections: Vec<tl_core::detection::Detection>,
    /// Scoring only (never given to the tracker): the truth object id of each entry of
    /// `detections` (same order; -1 for a false alarm).
    pub detection_truth_ids: Vec<i64>,
    /// Confirmed tracks at this step (filled by the tracks stage), in track order.
    pub tracks: Vec<WorldTrack>,
    /// Every engagement so far, in id order (filled by the engage stage; empty without
    /// weapons).
    pub engagements: Vec<WorldEngagement>,
}
