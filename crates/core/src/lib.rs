//! # tl-core
//!
//! The foundation every other tracklayer crate stands on:
//!
//! * [`time`]: epochs (hifitime: UTC/TAI/TT with leap seconds) and the run clock `t_s`;
//! * [`frames`]: ECI (TEME of date) <-> ECEF (PEF) by IAU-82 GMST;
//! * [`wgs84`]: geodetic <-> ECEF on the WGS84 ellipsoid, geodesic distance;
//! * [`gravity`]: point mass + J2;
//! * [`consts`]: physical constants (SI);
//! * [`rng`]: reproducible random streams keyed by (seed, trial, entity, purpose);
//! * [`detection`]: the record sensors emit and the tracker reads;
//! * [`object`]: object kinds and flight phases;
//! * [`geom`], [`check`]: geometry helpers and field validation messages.
//!
//! Everything is SI: metres, seconds, radians, unless a name says otherwise.

pub mod check;
pub mod consts;
pub mod detection;
pub mod frames;
pub mod geom;
pub mod gravity;
pub mod object;
pub mod rng;
pub mod special;
pub mod time;
pub mod wgs84;

pub use nalgebra::Vector3;

/// A 3-vector of f64 (metres, m/s, or a unit direction, as the name says).
pub type Vec3 = nalgebra::Vector3<f64>;
