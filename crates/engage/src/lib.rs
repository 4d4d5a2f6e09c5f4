//! # tl-engage
//!
//! Boost-phase engagements for tracklayer: can weapons in orbit kill missiles while
//! their engines still burn, and how many would it take?
//!
//! * [`laser`]: space-based lasers — diffraction, beam quality and jitter, intensity on
//!   target, dwell, lasing a moving target with line of sight and an altitude floor;
//! * [`interceptor`]: space-based interceptors — straight-line reach, Lambert-based
//!   earliest intercept of a predicted boost trajectory before burnout;
//! * [`lambert`]: our universal-variable Lambert solver;
//! * [`geometry`]: line of sight over the limb, horizon ranges, absentee-ratio estimates;
//! * [`path`]: a target's sampled (predicted or true) trajectory;
//! * [`platform`]: weapon carriers (closed-form circular orbits for studies);
//! * [`weapon`]: the scenario's `[[weapon]]` tables (serde, validation);
//! * [`control`]: the scenario's `[fire_control]` table;
//! * [`fire`]: fire control from tracks — eligibility, optimal (JV) and greedy
//!   weapon-target assignment, shoot-look-shoot, outcomes against truth;
//! * [`sizing`]: Monte Carlo constellation sizing (weapons needed so a salvo launched at a
//!   random time is engaged with a given confidence).
//!
//! Model sources and derivations: `docs/models/engage.md`. Units are SI inside (m, s,
//! rad, W, J/m^2); names carry units.

#![deny(missing_docs)]

pub mod control;
pub mod fire;
pub mod geometry;
pub mod interceptor;
pub mod lambert;
pub mod laser;
pub mod missile;
pub mod path;
pub mod platform;
pub mod sizing;
pub mod weapon;
