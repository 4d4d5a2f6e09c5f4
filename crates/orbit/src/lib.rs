//! # tl-orbit
//!
//! Satellites for tracklayer: where each one is, in ECI (TEME), at any time of a run.
//!
//! * [`kepler`]: classical elements <-> state, Kepler's equation;
//! * [`j2`]: analytic secular J2 drift of mean elements;
//! * [`rk`]: RK4 and Dormand-Prince 5(4) integrators, Hermite interpolation;
//! * [`numerical`]: numerically integrated two-body + J2 trajectories;
//! * [`tle`]: TLE / OMM reading and SGP4/SDP4 (via the `sgp4` crate);
//! * [`walker`]: Walker delta/star constellations;
//! * [`spec`]: the scenario's `[constellation.orbit]` table and the builder.
//!
//! ```
//! use tl_orbit::{Satellite, Propagator, kepler::KeplerElements};
//! let el = KeplerElements { a_m: 7_378_137.0, e: 0.0, i_rad: 1.4, raan_rad: 0.0, argp_rad: 0.0,
//!     mean_anomaly_rad: 0.0 };
//! let sat = Satellite { name: "demo".into(), norad_id: None, propagator: Propagator::TwoBody(el) };
//! let (r, v) = sat.state_eci(600.0).unwrap();
//! assert!((r.norm() - 7_378_137.0).abs() < 1e-3);
//! ```

pub mod j2;
pub mod kepler;
pub mod numerical;
pub mod rk;
pub mod spec;
pub mod tle;
pub mod walker;

pub use spec::{BuildContext, ElementsSpec, OrbitKind, OrbitSpec, PropagatorKind};

use nalgebra::Vector3;
use std::sync::Arc;
use tl_core::check::FieldError;

/// Errors from orbit input and propagation.
#[derive(Debug, thiserror::Error)]
pub enum OrbitError {
    /// A field of the orbit spec is out of range or inconsistent.
    #[error("{0}")]
    Field(#[from] FieldError),
    /// A TLE file problem at a line (1-based; 0 when the whole file is at fault).
    #[error("TLE line {line}: {message}")]
    Tle {
        /// 1-based line number in the file.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// An OMM file problem.
    #[error("OMM: {0}")]
    Omm(String),
    /// A problem inside a named file.
    #[error("{path}: {source}")]
    File {
        /// The file as named in the scenario.
        path: String,
        /// The problem.
        source: Box<OrbitError>,
    },
    /// SGP4 refused the elements or failed at a time (decayed, eccentricity out of range...).
    #[error("SGP4 for {name} at t = {t_s} s: {message}")]
    Sgp4 {
        /// Satellite name.
        name: String,
        /// Time, s since the scenario epoch.
        t_s: f64,
        /// The propagator's message.
        message: String,
    },
    /// The numerical integrator failed.
    #[error("numerical propagation of {name}: {message}")]
    Integration {
        /// Satellite name.
        name: String,
        /// The integrator's message.
        message: String,
    },
    /// A time outside the precomputed span of a numerical trajectory.
    #[error("{name}: t = {t_s} s is outside the propagated span {span_s:?}")]
    OutOfSpan {
        /// Satellite name.
        name: String,
        /// Requested time, s.
        t_s: f64,
        /// Available span, s.
        span_s: (f64, f64),
    },
}

/// How a satellite moves.
#[derive(Clone, Debug)]
pub enum Propagator {
    /// Two-body Keplerian motion of these elements (mean anomaly at t = 0).
    TwoBody(kepler::KeplerElements),
    /// Mean elements with secular J2 drift.
    J2Secular(j2::J2Secular),
    /// A precomputed numerical trajectory (shared, cheap to clone).
    Numerical(Arc<numerical::NumericalTrajectory>),
    /// SGP4/SDP4 from a TLE/OMM.
    Sgp4(Box<tle::Sgp4Propagator>),
}

/// One satellite.
#[derive(Clone, Debug)]
pub struct Satellite {
    /// Name (generated for patterns, from the file for TLE/OMM).
    pub name: String,
    /// NORAD catalogue number when known.
    pub norad_id: Option<u64>,
    /// Its motion.
    pub propagator: Propagator,
}

impl Satellite {
    /// ECI (TEME) position (m) and velocity (m/s) at `t_s` seconds since the scenario epoch.
    pub fn state_eci(&self, t_s: f64) -> Result<(Vector3<f64>, Vector3<f64>), OrbitError> {
        match &self.propagator {
            Propagator::TwoBody(el) => {
                let m = el.mean_anomaly_rad + el.mean_motion_rad_s() * t_s;
                Ok(kepler::KeplerElements { mean_anomaly_rad: m, ..*el }.to_state())
            }
            Propagator::J2Secular(p) => Ok(p.state_eci(t_s)),
            Propagator::Numerical(traj) => traj.state_eci(t_s).ok_or_else(|| OrbitError::OutOfSpan {
                name: self.name.clone(),
                t_s,
                span_s: traj.span(),
            }),
            Propagator::Sgp4(p) => {
                p.state_eci(t_s).map_err(|message| OrbitError::Sgp4 { name: self.name.clone(), t_s, message })
            }
        }
    }
}
