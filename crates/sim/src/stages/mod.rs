//! The stages of the run loop, one module each. [`build`] lists them in loop order:
//! adding a stage is one module and one line there.

pub mod detections;
pub mod engage;
pub mod satellites;
pub mod threat;
pub mod tracks;

use crate::run::{RunError, Stage};
use crate::scenario::Prepared;

/// The stages of a run, in the order they run within each step.
pub fn build(p: &Prepared) -> Result<Vec<Box<dyn Stage + '_>>, RunError> {
    Ok(vec![
        Box::new(satellites::SatellitesStage::new(p)),
        Box::new(threat::ThreatStage::new(p)),
        Box::new(detections::DetectionsStage::new(p)?),
        Box::new(tracks::TracksStage::new(p)?),
        Box::new(engage::EngageStage::new(p)?),
    ])
}
