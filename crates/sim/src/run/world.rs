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
}
