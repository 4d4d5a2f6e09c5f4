//! # tl-viz
//!
//! What people look at:
//!
//! * [`plot`]: small reusable plots (line plot, timeline, lat/lon heat map on a world
//!   outline) rendered with plotters to SVG or PNG, with an embedded font ([`font`]) and
//!   an embedded Natural Earth land outline ([`world`]).
//!
//! Nothing here reads the clock, the network or system fonts.

pub mod font;
pub mod plot;
pub mod world;
