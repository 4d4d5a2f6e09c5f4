//! Loading a run folder (written by `tracklayer run`) into a [`Scene`], through tl-io's
//! table readers. Tables a run does not have (an early run has only `satellites`)
//! simply leave their layers empty.

use crate::scene::{
    Engagement, ImpactEstimate, LaunchEstimate, Sample, Satellite, Scene, Shooter, Sighting, Track,
    TrackSample, TruthObject, WeaponKind,
};
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
    if has_table(run_dir, &tables::TRACKS.name) {
        scene.tracks = load_tracks(run_dir, epoch)?;
    }
    if has_table(run_dir, &tables::ENGAGEMENTS.name) {
        scene.engagements = load_engagements(run_dir)?;
    }
    scene.t_end_s = t_max;
    Ok(scene)
}

/// The run's `scenario.toml`, parsed as plain TOML (tl-viz does not depend on the
/// scenario schema); `None` when missing or unreadable.
fn run_scenario_toml(run_dir: &Path) -> Option<toml::Table> {
    std::fs::read_to_string(run_dir.join("scenario.toml")).ok()?.parse::<toml::Table>().ok()
}

/// UT1 - UTC of the run, s, from its `scenario.toml` (`dut1_s`, default 0).
fn run_dut1_s(run_dir: &Path) -> f64 {
    run_scenario_toml(run_dir)
        .and_then(|v| v.get("dut1_s").and_then(|x| x.as_float().or_else(|| x.as_integer().map(|i| i as f64))))
        .filter(|d| d.is_finite() && d.abs() <= 0.9)
        .unwrap_or(0.0)
}

/// Estimated tracks from the `tracks` table. The table gives ECI (TEME of date) states
/// and the diagonal of the ECI position covariance; both are rotated to ECEF with the
/// run's Earth rotation (the covariance as `R diag(var) R^T`: the table's off-diagonal
/// terms are not stored, so the drawn ellipsoid is the axis-aligned ECI one, rotated).
/// Impact and launch estimates are taken from the rows that have them (2-sigma ellipse as
/// the table gives it; the launch circle is drawn at 2 sigma of `launch_pos_std_m`).
fn load_tracks(run_dir: &Path, epoch: tl_core::time::Epoch) -> Result<Vec<Track>, VizError> {
    use nalgebra::Vector3;
    let t = tl_io::read_run_table(run_dir, &tables::TRACKS)?;
    let earth = tl_core::frames::EarthRotation::new(epoch, run_dut1_s(run_dir));
    let ts = t.f64("t_s")?;
    let id = t.u32("track_id")?;
    let (x, y, z) = (t.f64("pos_eci_x_m")?, t.f64("pos_eci_y_m")?, t.f64("pos_eci_z_m")?);
    let (vx, vy, vz) = (t.f64("var_pos_x_m2")?, t.f64("var_pos_y_m2")?, t.f64("var_pos_z_m2")?);
    let phase = t.str("phase")?;
    let (ilat, ilon) = (t.f64("impact_lat_deg")?, t.f64("impact_lon_deg")?);
    let (imaj, imin, iaz) = (
        t.f64("impact_semi_major_2s_m")?,
        t.f64("impact_semi_minor_2s_m")?,
        t.f64("impact_major_azimuth_deg")?,
    );
    let (llat, llon, lstd) = (t.f64("launch_lat_deg")?, t.f64("launch_lon_deg")?, t.f64("launch_pos_std_m")?);
    let mut by_id: BTreeMap<u32, Track> = BTreeMap::new();
    for i in 0..t.len() {
        let tr = by_id.entry(id[i]).or_insert_with(|| Track { id: id[i], ..Default::default() });
        let rot = earth.at(ts[i]);
        let p = rot.pos_to_ecef(&Vector3::new(x[i], y[i], z[i]));
        let axes = [Vector3::x(), Vector3::y(), Vector3::z()].map(|a| rot.dir_to_ecef(&a));
        let var = [vx[i], vy[i], vz[i]].map(|v| if v.is_finite() { v.max(0.0) } else { 0.0 });
        let mut c = [0.0; 6];
        for (a, v) in axes.iter().zip(var) {
            let terms = [a.x * a.x, a.x * a.y, a.x * a.z, a.y * a.y, a.y * a.z, a.z * a.z];
            for (ck, tk) in c.iter_mut().zip(terms) {
                *ck += v * tk;
            }
        }
        tr.samples.push(TrackSample {
            t_s: ts[i],
            pos_ecef_m: [p.x, p.y, p.z],
            cov_ecef_m2: c,
            phase: phase[i].clone(),
        });
        if ilat[i].is_finite() && ilon[i].is_finite() {
            tr.impact.push(ImpactEstimate {
                t_s: ts[i],
                lat_deg: ilat[i],
                lon_deg: ilon[i],
                semi_major_m: if imaj[i].is_finite() { imaj[i] } else { 0.0 },
                semi_minor_m: if imin[i].is_finite() { imin[i] } else { 0.0 },
                azimuth_deg: if iaz[i].is_finite() { iaz[i] } else { 0.0 },
            });
        }
        if llat[i].is_finite() && llon[i].is_finite() {
            tr.launch.push(LaunchEstimate {
                t_s: ts[i],
                lat_deg: llat[i],
                lon_deg: llon[i],
                radius_m: if lstd[i].is_finite() { 2.0 * lstd[i] } else { 0.0 },
            });
        }
    }
    let mut out: Vec<Track> = by_id.into_values().collect();
    for tr in &mut out {
        tr.samples.sort_by(|a, b| a.t_s.total_cmp(&b.t_s));
        tr.impact.sort_by(|a, b| a.t_s.total_cmp(&b.t_s));
        tr.launch.sort_by(|a, b| a.t_s.total_cmp(&b.t_s));
    }
    Ok(out)
}

/// Weapon layer kinds (`[[weapon]] name -> kind`) from the run's `scenario.toml`.
fn weapon_kinds(run_dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(v) = run_scenario_toml(run_dir) else { return out };
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
    let mut flyouts = load_flyouts(run_dir)?;
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
            flyout: flyouts.remove(&id[i]).unwrap_or_default(),
        })
        .collect())
}

/// Planned interceptor fly-outs by engagement id, from the `flyouts` table when the run
/// has one (ECEF samples, time order).
fn load_flyouts(run_dir: &Path) -> Result<BTreeMap<u32, Vec<Sample>>, VizError> {
    let mut out: BTreeMap<u32, Vec<Sample>> = BTreeMap::new();
    if !has_table(run_dir, &tables::FLYOUTS.name) {
        return Ok(out);
    }
    let t = tl_io::read_run_table(run_dir, &tables::FLYOUTS)?;
    let id = t.u32("engagement_id")?;
    let ts = t.f64("t_s")?;
    let (x, y, z) = (t.f64("pos_ecef_x_m")?, t.f64("pos_ecef_y_m")?, t.f64("pos_ecef_z_m")?);
    for i in 0..t.len() {
        out.entry(id[i]).or_default().push(Sample { t_s: ts[i], pos_ecef_m: [x[i], y[i], z[i]] });
    }
    for v in out.values_mut() {
        v.sort_by(|a, b| a.t_s.total_cmp(&b.t_s));
        v.dedup_by(|a, b| a.t_s == b.t_s);
    }
    Ok(out)
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
