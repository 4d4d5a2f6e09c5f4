//! # tl-threat
//!
//! Ballistic-missile flights for tracklayer: a 3-degree-of-freedom point-mass model of
//! multi-stage boost, targeting, post-boost deployment, midcourse and reentry over the
//! rotating oblate Earth, and a catalogue of generic missiles built from public figures.
//!
//! * [`atmosphere`]: U.S. Standard Atmosphere 1976 to 1,000 km;
//! * [`aero`]: Mach-dependent drag coefficient, tumbling-body ballistic coefficients;
//! * [`kepler`]: closed-form two-body ballistics (the test references);
//! * [`integrate`]: RK4, Dormand-Prince 5(4), quintic Hermite interpolation;
//! * [`spec`]: the missile spec (serde, `[[missile]]` in scenarios) and its validation;
//! * [`catalogue`]: `icbm-solid-3`, `icbm-liquid-2`, `slbm`, `irbm`, `srbm`;
//! * [`flight`]: equations of motion and integrations;
//! * [`targeting`]: launch spec, shapes, the targeting solve and the assembled [`Flight`];
//! * [`objects`]: per-object trajectories and infrared-relevant states.
//!
//! Time `t_s` is seconds since the scenario epoch; positions are ECI (TEME) unless a name
//! says ECEF. See `docs/models/threat.md` for the model, its equations and sources.
//!
//! ```
//! use tl_core::frames::EarthRotation;
//! use tl_threat::{EarthModel, Integration, LaunchSpec, Missile, Shape, catalogue, fly};
//! let m = Missile::new(catalogue::get("icbm-solid-3").unwrap()).unwrap();
//! let launch = LaunchSpec {
//!     missile: m.spec().name.clone(), site_lat_deg: 40.0, site_lon_deg: 10.0,
//!     aim_lat_deg: 55.0, aim_lon_deg: 100.0, time_s: 0.0, shape: Shape::MinimumEnergy,
//!     rvs: Some(3), decoys: Some(5),
//! };
//! let earth = EarthModel::full(EarthRotation::with_angle(0.0, 7.292115e-5));
//! let rng = tl_core::rng::RngStream::new(1, 0, 0, "threat.release");
//! let flight = fly(&m, &launch, &earth, &Integration::default(), rng).unwrap();
//! let rv = flight.primary_rv().unwrap();
//! let s = rv.state(rv.t_start_s + 600.0).unwrap();
//! assert_eq!(s.phase, tl_core::object::Phase::Midcourse);
//! ```

pub mod aero;
pub mod atmosphere;
pub mod catalogue;
pub mod earth;
pub mod flight;
pub mod integrate;
pub mod kepler;
pub mod objects;
pub mod spec;
pub mod targeting;

pub use earth::{EarthModel, EarthShape};
pub use flight::{EndReason, Integration, Missile};
pub use objects::{BodyInfo, ObjectState, ObjectTrack, Segment, SegmentKind};
pub use spec::{BodySpec, MissileSpec, PbvSpec, PlumePoint, Propellant, StageSpec};
pub use targeting::{Flight, FlightSummary, LaunchSpec, Shape, ThreatError, fly, impact_for_guidance};
