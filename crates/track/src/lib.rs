//! # tl-track
//!
//! Multi-sensor, multi-target tracking and fusion, from first detection to impact
//! prediction. The tracker sees only detections (or Cartesian measurements), never
//! truth; scoring against truth lives in [`metrics`], which the tracking path never
//! calls.
//!
//! Components (Stone Soup's way, with Rust types selected by configuration):
//!
//! * [`motion`]: NCV, ballistic (gravity + J2), boost (thrust along velocity with an
//!   estimated magnitude), reentry (drag with an estimated ballistic coefficient);
//! * [`filter`]: EKF and cubature filters, predictor/updater, Joseph-form updates,
//!   measurement models (3-D position, angles, angles + rates);
//! * [`assign`]: Jonker–Volgenant assignment, clustering, JPDA marginals;
//! * [`cartesian`]: the Cartesian-mode tracker (and the peer-benchmark formats);
//! * [`space`]: the angles-only multi-satellite tracker (reorder buffer, 2-D angle
//!   tracks, stereo initiation, IMM, out-of-sequence updates, duplicate merging);
//! * [`imm`], [`triangulate`], [`products`]: IMM estimator, triangulation, per-track
//!   products (phase, launch, burnout, impact ellipse, class, fire-control quality);
//! * [`predict`]: forward prediction of an estimate with its uncertainty (fire control);
//! * [`config`]: the `[tracker]` configuration;
//! * [`linalg`]: covariance hygiene and chi-square quantiles;
//! * [`metrics`]: OSPA, GOSPA, RMSE, completeness, purity, ID switches, NEES.
//!
//! Models, equations and sources: `docs/models/tracking.md`.

#![allow(clippy::needless_range_loop)] // index loops read best in matrix code

pub mod assign;
pub mod cartesian;
pub mod config;
pub mod filter;
pub mod grid;
pub mod imm;
pub mod linalg;
pub mod metrics;
pub mod motion;
pub mod predict;
pub mod products;
pub mod space;
pub mod triangulate;
