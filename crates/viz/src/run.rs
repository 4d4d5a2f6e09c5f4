//! Loading a run folder (written by `tracklayer run`) into a [`Scene`], through tl-io's
//! table readers. Tables a run does not have (an early run has only `satellites`)
//! simply leave their layers empty.

use crate::scene::{Engagement, Sample, Satellite, Scene, Shooter, Sighting, TruthObject, WeaponKind};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tl_io::tables;

/// Errors reading a run folder or writing its products.
#[derive(Debug, thiserror::Error)]
pub enum VizError {
    /// A table could not be read.
    #[error(transparent)]
    Io(#[from] tl_io::IoError),
    /// `summary.json` is missing or lacks a field.
    #[error("{path}: {message}")]
    Summary {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A value outside what is allowed.
    #[error(transparent)]
    Field(#[from] tl_core::check::FieldError),
    /// A plot failed.
    #[error(transparent)]
    Plot(#[from] crate::plot::PlotError),
}

/// `summary.json` of a run folder, parsed.
pub fn read_summary(run_dir: &Path) -> Result<serde_json::Value, VizError> {
    let path = run_dir.join(tl_io::RUN_MARKER);
    let bytes = std::fs::read(&path)
        .map_err(|e| VizError::Summary { path: path.clone(), message: format!("cannot read: {e}") })?;
    serde_json::from_slice(&bytes).map_err(|e| VizError::Summary { path, message: format!("not JSON: {e}") })
}

/// Does the run folder hold table `name` (as Parquet or CSV)?
pub fn has_table(run_dir: &Path, name: &str) -> bool {
    ["parquet", "csv"].iter().any(|ext| run_dir.join(format!("{name}.{ext}")).is_file())
}

/// The scene of a run folder: epoch and name from `summary.json`, layers from the tables
/// present.
pub fn load_scene(run_dir: &Path) -> Result<Scene, VizError> {
    let summary = read_summary(run_dir)?;
    let path = run_dir.join(tl_io::RUN_MARKER);
    let epoch_text =
        summary.get("epoch_utc").or_else(|| summary.get("epoch")).and_then(|v| v.as_str()).ok_or_else(
            || VizError::Summary {
                path: path.clone(),
                message: "field `epoch_utc` (ISO 8601 UTC text) is missing".into(),
            },
        )?;
    let epoch = tl_core::time::parse_epoch(epoch_text).map_err(|e| VizError::Summary {
        path: path.clone(),
        message: format!("epoch = {epoch_text:?}: {e}"),
    })?;
    let name = summary
        .get("scenario")
        .or_else(|| summary.get("name"))
        .and_then(|v| v.as_str())
        .unwrap_or("run")
        .to_string();
    let mut scene = Scene::new(name, epoch, 0.0, 0.0);
    let mut t_max = summary.get("duration_s").and_then(|v| v.as_f64()).unwrap_or(0.0);
    if has_table(run_dir, &tables::SATELLITES.name) {
        scene.satellites = load_satellites(run_dir)?;
        for s in &scene.satellites {
            if let Some(l) = s.samples.last() {
                t_max = t_max.max(l.t_s);
            }
        }
    }
    if has_table(run_dir, &tables::TRUTH.name) {
        scene.objects = load_truth(run_dir)?;
        for o in &scene.objects {
            if let Some(l) = o.samples.last() {
                t_max = t_max.max(l.t_s);
            }
        }
    }
    if has_table(run_dir, &tables::DETECTIONS.name) {
        scene.sightings = load_sightings(run_dir)?;
    }
    if has_table(run_dir, &tables::ENGAGEMENTS.name) {
        scene.engagements = load_engagements(run_dir)?;
    }
    scene.t_end_s = t_max;
    Ok(scene)
}

/// Weapon layer kinds (`[[weapon]] name -> kind`) from the run's `scenario.toml`, read as
/// plain TOML (tl-viz does not depend on the scenario schema).
fn weapon_kinds(run_dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Ok(text) = std::fs::read_to_string(run_dir.join("scenario.toml")) else { return out };
    let Ok(v) = text.parse::<toml::Table>() else { return out };
    for w in v.get("weapon").and_then(|w| w.as_array()).into_iter().flatten() {
        if let (Some(n), Some(k)) =
            (w.get("name").and_then(|x| x.as_str()), w.get("kind").and_then(|x| x.as_str()))
        {
            out.insert(n.to_string(), k.to_string());
        }
    }
    out
}

fn load_engagements(run_dir: &Path) -> Result<Vec<Engagement>, VizError> {
    let t = tl_io::read_run_table(run_dir, &tables::ENGAGEMENTS)?;
    let kinds = weapon_kinds(run_dir);
    let id = t.u32("engagement_id")?;
    let layer = t.str("layer")?;
    let carrier = t.u32("carrier_sat_id")?;
    let truth = t.i64("truth_object_id")?;
    let fire = t.f64("fire_t_s")?;
    let end = t.f64("end_t_s")?;
    let outcome = t.str("outcome")?;
    Ok((0..t.len())
        .map(|i| Engagement {
            id: id[i],
            weapon: layer[i].clone(),
            kind: if kinds.get(&layer[i]).is_some_and(|k| k.contains("laser")) {
                WeaponKind::Laser
            } else {
                WeaponKind::Interceptor
            },
            shooter: Shooter::Satellite(carrier[i]),
            // -1 (unknown truth) never matches an object: no beam is drawn for it.
            target_object_id: u32::try_from(truth[i]).unwrap_or(u32::MAX),
            t_start_s: fire[i],
            t_end_s: end[i],
            outcome: outcome[i].clone(),
            flyout: Vec::new(),
        })
        .collect())
}

fn load_truth(run_dir: &Path) -> Result<Vec<TruthObject>, VizError> {
    let t = tl_io::read_run_table(run_dir, &tables::TRUTH)?;
    let ts = t.f64("t_s")?;
    let id = t.u32("object_id")?;
    let launch = t.str("launch_id")?;
    let kind = t.str("kind")?;
    let phase = t.str("phase")?;
    let (x, y, z) = (t.f64("pos_ecef_x_m")?, t.f64("pos_ecef_y_m")?, t.f64("pos_ecef_z_m")?);
    let mut by_id: BTreeMap<u32, TruthObject> = BTreeMap::new();
    for i in 0..t.len() {
        let o = by_id.entry(id[i]).or_insert_with(|| TruthObject {
            id: id[i],
            launch_id: launch[i].clone(),
            kind: kind[i].clone(),
            samples: Vec::new(),
            phases: Vec::new(),
        });
        o.samples.push(Sample { t_s: ts[i], pos_ecef_m: [x[i], y[i], z[i]] });
        o.phases.push(phase[i].clone());
    }
    let mut out: Vec<TruthObject> = by_id.into_values().collect();
    for o in &mut out {
        // Rows are in time order per object; keep the pairing if not.
        let mut idx: Vec<usize> = (0..o.samples.len()).collect();
        idx.sort_by(|&a, &b| o.samples[a].t_s.total_cmp(&o.samples[b].t_s));
        o.samples = idx.iter().map(|&i| o.samples[i]).collect();
        o.phases = idx.iter().map(|&i| o.phases[i].clone()).collect();
    }
    Ok(out)
}

/// Detections of truth objects (false alarms, `truth_id` = -1, have nothing to point at).
fn load_sightings(run_dir: &Path) -> Result<Vec<Sighting>, VizError> {
    let t = tl_io::read_run_table(run_dir, &tables::DETECTIONS)?;
    let ts = t.f64("t_obs_s")?;
    let sat = t.u32("sat_id")?;
    let truth = t.i64("truth_id")?;
    Ok((0..t.len())
        .filter(|&i| truth[i] >= 0 && truth[i] <= u32::MAX as i64)
        .map(|i| Sighting { t_s: ts[i], sat_id: sat[i], object_id: truth[i] as u32 })
        .collect())
}

fn load_satellites(run_dir: &Path) -> Result<Vec<Satellite>, VizError> {
    let t = tl_io::read_run_table(run_dir, &tables::SATELLITES)?;
    let ts = t.f64("t_s")?;
    let id = t.u32("sat_id")?;
    let name = t.str("name")?;
    let group = t.str("constellation")?;
    let (x, y, z) = (t.f64("pos_ecef_x_m")?, t.f64("pos_ecef_y_m")?, t.f64("pos_ecef_z_m")?);
    let mut by_id: BTreeMap<u32, Satellite> = BTreeMap::new();
    for i in 0..t.len() {
        let s = by_id.entry(id[i]).or_insert_with(|| Satellite {
            id: id[i],
            name: name[i].clone(),
            group: group[i].clone(),
            samples: Vec::new(),
            for_half_angle_rad: None,
        });
        s.samples.push(Sample { t_s: ts[i], pos_ecef_m: [x[i], y[i], z[i]] });
    }
    let mut out: Vec<Satellite> = by_id.into_values().collect();
    for s in &mut out {
        s.samples.sort_by(|a, b| a.t_s.total_cmp(&b.t_s));
        s.samples.dedup_by(|a, b| a.t_s == b.t_s);
    }
    Ok(out)
}
