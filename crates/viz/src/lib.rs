//! # tl-viz
//!
//! What people look at:
//!
//! * [`plot`]: small reusable plots (line plot, timeline, lat/lon heat map on a world
//!   outline) rendered with plotters to SVG or PNG, with an embedded font ([`font`]) and
//!   an embedded Natural Earth land outline ([`world`]).
//!
//! * [`scene`]: what the globe viewer draws (satellites, truth objects, lines of sight,
//!   tracks, engagements), filled from a run folder or live;
//! * [`czml`]: a [`scene::Scene`] as CZML, Cesium's scene format, with bounded size.
//!
//! * [`live`]: CZML batches built step by step for live playback;
//! * [`run`]: a run folder's tables (through tl-io) as a scene;
//! * [`report`], [`products`]: `report.html` and `scene.czml` written into a run folder.
//!
//! Nothing here reads the clock, the network or system fonts.

pub mod czml;
pub mod font;
pub mod live;
pub mod plot;
pub mod products;
pub mod report;
pub mod run;
pub mod scene;
pub mod synthetic;
pub mod world;
