//! The detection record: what a payload reports and what the tracker reads.
//!
//! This type is the whole interface between sensors and the tracker. It carries no
//! truth: the simulator keeps each detection's truth object id beside it, for scoring
//! only (the `detections` table has a `truth_id` column the tracker never reads).
//! The column-by-column schema is documented in `docs/outputs.md`.

use serde::{Deserialize, Serialize};

/// Background against which an object was seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Background {
    /// Look-down: the line of sight ends on the Earth (below the horizon).
    Earth,
    /// Above the horizon: space (or limb) background.
    Space,
}

impl Background {
    /// Stable lower-case name used in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Background::Earth => "earth",
            Background::Space => "space",
        }
    }
}

/// One observation of one (possibly unresolved) object by one sensor: a line of sight
/// from a known satellite position, with its covariance.
///
/// Angle covariances are expressed in the LOS basis of [`crate::geom::los_basis`]:
/// `cov_rad2 = [s11, s12, s22]` for small rotations towards `e1` and `e2`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Detection {
    /// Time of observation, s since the scenario epoch (the time tag the payload reports,
    /// including any time-tag error).
    pub t_obs_s: f64,
    /// Time the report reaches the fusion node, s since the scenario epoch.
    pub t_arrival_s: f64,
    /// Satellite id (index in the run's satellite table).
    pub sat_id: u32,
    /// Sensor id on that satellite (0 for the first payload).
    pub sensor_id: u32,
    /// Satellite position at `t_obs_s`, ECI (TEME), m.
    pub sat_pos_eci_m: [f64; 3],
    /// Measured line of sight, unit vector in ECI.
    pub los_eci: [f64; 3],
    /// Angle covariance `[s11, s12, s22]` in the LOS basis, rad^2.
    pub cov_rad2: [f64; 3],
    /// Measured angle rates along `(e1, e2)`, rad/s; NaN when not measured (raw frames).
    pub rate_rad_s: [f64; 2],
    /// Variances of the angle rates, (rad/s)^2; NaN when not measured.
    pub rate_var_rad2_s2: [f64; 2],
    /// Number of focal-plane frames that formed this report (1 in raw mode).
    pub frames_used: u16,
    /// Signal-to-noise ratio of the (mean) frame.
    pub snr: f64,
    /// Measured in-band radiant intensity, W/sr (from irradiance and known range only in
    /// simulation; NaN when unknown).
    pub intensity_w_sr: f64,
    /// Background kind.
    pub background: Background,
}

impl Detection {
    /// Check the record for values the tracker cannot use. Returns the name of the first
    /// bad field with its value and what is allowed.
    pub fn validate(&self) -> Result<(), crate::check::FieldError> {
        use crate::check::{FieldError, finite};
        finite("t_obs_s", self.t_obs_s)?;
        finite("t_arrival_s", self.t_arrival_s)?;
        for (i, v) in self.sat_pos_eci_m.iter().enumerate() {
            finite(["sat_x_m", "sat_y_m", "sat_z_m"][i], *v)?;
        }
        for (i, v) in self.los_eci.iter().enumerate() {
            finite(["los_x", "los_y", "los_z"][i], *v)?;
        }
        let n = (self.los_eci[0].powi(2) + self.los_eci[1].powi(2) + self.los_eci[2].powi(2)).sqrt();
        if (n - 1.0).abs() > 1e-6 {
            return Err(FieldError::new("los", format!("|los| = {n}"), "a unit vector (norm 1 +/- 1e-6)"));
        }
        let [a, b, c] = self.cov_rad2;
        for (name, v) in [("cov_11_rad2", a), ("cov_12_rad2", b), ("cov_22_rad2", c)] {
            finite(name, v)?;
        }
        if !(a > 0.0 && c > 0.0 && a * c - b * b > 0.0) {
            return Err(FieldError::new(
                "cov_rad2",
                format!("[{a:e}, {b:e}, {c:e}]"),
                "a positive-definite 2x2 covariance (s11 > 0, s22 > 0, s11 s22 > s12^2)",
            ));
        }
        if self.t_arrival_s < self.t_obs_s {
            return Err(FieldError::new(
                "t_arrival_s",
                format!("{} (t_obs_s = {})", self.t_arrival_s, self.t_obs_s),
                "at or after t_obs_s",
            ));
        }
        Ok(())
    }
}
