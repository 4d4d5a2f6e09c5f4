//! # tl-sensor
//!
//! The sensor layer of tracklayer: what each satellite's infrared payload sees, when, and
//! with what error.
//!
//! * [`payload`]: payload configuration (scenario `[[constellation.payload]]`) and its
//!   validated form: wide-field warning/tracking (full-disk, cone or limb field of regard;
//!   staring or scanning) and cued medium-field tracking (steerable, slew and settle,
//!   tasking);
//! * [`geometry`]: Earth blockage with a grazing height, look-down vs above-the-horizon,
//!   fields of regard, closed forms;
//! * [`sun`]: low-precision solar ephemeris (Sun exclusion, reflected sunlight);
//! * [`planck`]: blackbody band radiance;
//! * [`signature`]: plumes, hard bodies (Planck), reflection, atmospheric transmission;
//! * [`system`]: the detection generator (radiometry, detection probability, false alarms,
//!   angle errors, onboard reports, unresolved objects, latency), parallel and deterministic;
//! * [`coverage`]: geometric coverage statistics of a constellation;
//! * [`math`]: the normal distribution and its inverse.
//!
//! The models and their parameters are documented with sources in `docs/models/sensor.md`.

#![deny(missing_docs)]

pub mod coverage;
pub mod cue;
pub mod geometry;
pub mod math;
pub mod payload;
pub mod planck;
pub mod signature;
pub mod sun;
pub mod system;

pub use payload::{Payload, PayloadConfig};
pub use signature::{SeenObject, Signatures};
pub use system::{DetectionBatch, ObserveStats, SatState, SensorSystem, SystemConfig};
