//! The files tl-viz adds to a run folder: `scene.czml` (the globe viewer's scene) and
//! `report.html` (summary and plots). `tracklayer run` calls [`write_run_products`] on
//! the run's temporary folder before committing it, so a run folder appears with its
//! products or not at all.

use crate::czml::{CzmlOptions, scene_to_czml_string};
use crate::run::{VizError, load_scene, read_summary};
use std::path::Path;

/// File name of the CZML scene in a run folder.
pub const CZML_FILE: &str = "scene.czml";
/// File name of the HTML report in a run folder.
pub const REPORT_FILE: &str = "report.html";

/// What [`write_run_products`] wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Products {
    /// Size of `scene.czml`, bytes.
    pub czml_bytes: usize,
    /// Size of `report.html`, bytes.
    pub report_bytes: usize,
}

/// The CZML text of a run folder (default [`CzmlOptions`]).
pub fn build_czml(run_dir: &Path) -> Result<String, VizError> {
    let scene = load_scene(run_dir)?;
    Ok(scene_to_czml_string(&scene, &CzmlOptions::default())?)
}

/// The report HTML of a run folder.
pub fn build_report(run_dir: &Path) -> Result<String, VizError> {
    let summary = read_summary(run_dir)?;
    let scene = load_scene(run_dir)?;
    let sections = crate::report::scene_sections(&scene, &summary)?;
    Ok(crate::report::report_html(&summary, &scene, &sections))
}

/// Write `scene.czml` and `report.html` into `run_dir` (each file atomically).
pub fn write_run_products(run_dir: &Path) -> Result<Products, VizError> {
    let summary = read_summary(run_dir)?;
    let scene = load_scene(run_dir)?;
    let czml = scene_to_czml_string(&scene, &CzmlOptions::default())?;
    let sections = crate::report::scene_sections(&scene, &summary)?;
    let report = crate::report::report_html(&summary, &scene, &sections);
    tl_io::write_file_atomic(&run_dir.join(CZML_FILE), czml.as_bytes())?;
    tl_io::write_file_atomic(&run_dir.join(REPORT_FILE), report.as_bytes())?;
    Ok(Products { czml_bytes: czml.len(), report_bytes: report.len() })
}
