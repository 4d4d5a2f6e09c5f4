//! Detections stage: what every payload reports, into [`World::detections`] and the
//! `detections` table (with the scoring-only `truth_id`).
//!
//! The sensor layer ([`tl_sensor::SensorSystem`]) forms one report window per payload
//! period; each window needs the satellites and the objects at its centre. For every
//! window centre in `[t_k, t_k + step_s)` this stage evaluates the satellites
//! (`tl_orbit`) and the objects that exist at this step (`World::objects`, evaluated at the
//! centre from `Prepared::flights`, with a central-difference acceleration) and calls
//! `observe`. An object killed between two steps disappears at the next step, as in the
//! threat stage.
//!
//! Summary figures per launch: time of the first detection, time from launch to first
//! detection, the time the boosting plume rose above the SWIR atmospheric floor, and
//! the delay between the two.

use crate::run::{Outputs, RunError, Stage, TableId, TableKind, World};
use crate::scenario::Prepared;
use crate::summary::Summary;
use rayon::prelude::*;
use std::collections::HashMap;
use tl_core::object::ObjectKind;
use tl_io::tables::DETECTIONS;
use tl_sensor::geometry::EarthShape;
use tl_sensor::signature::BandKind;
use tl_sensor::sun::Sun;
use tl_sensor::system::{DetectionBatch, ObserveStats, SatState, SensorSystem, SystemConfig};
use tl_sensor::{SeenObject, Signatures};

/// Diffuse albedo given to every threat object for reflected sunlight: 0.3, an
/// assumed value for painted or oxidised metal (the catalogue has no albedo).
pub const ASSUMED_ALBEDO: f64 = 0.3;

/// Most cued sensors pointed at one track (2: a stereo pair), for payloads with
/// `cue_from_tracks = true`.
pub const CUE_SENSORS_PER_TRACK: usize = 2;

/// Step of the central difference that gives an object's acceleration, s.
const ACC_DT_S: f64 = 0.01;

#[derive(Clone, Copy, Debug, Default)]
struct LaunchFigures {
    first_t_obs_s: Option<f64>,
    first_sat: u32,
    first_arrival_s: f64,
    above_floor_s: Option<f64>,
}

/// See the module docs.
pub struct DetectionsStage<'a> {
    p: &'a Prepared,
    system: Option<SensorSystem>,
    table: Option<TableId>,
    centres: Vec<f64>,
    sats: Vec<SatState>,
    objs: Vec<SeenObject>,
    batch: DetectionBatch,
    stats: ObserveStats,
    windows: u64,
    launches: Vec<LaunchFigures>,
    floor_m: f64,
    /// Sum over steps of the cued sensors pointed at a track.
    cued_pointings: u64,
}

impl<'a> DetectionsStage<'a> {
    /// The stage for a prepared scenario (a scenario without payloads makes no detections).
    pub fn new(p: &'a Prepared) -> Result<Self, RunError> {
        let mut payloads = Vec::new();
        let mut per_constellation = Vec::new();
        for (i, c) in p.scenario.constellations.iter().enumerate() {
            let mut idx = Vec::new();
            for (j, pc) in c.payload.iter().enumerate() {
                let pl = pc.build().map_err(|e| {
                    RunError::Internal(format!("constellation[{i}].payload[{j}] passed validation but: {e}"))
                })?;
                idx.push(payloads.len());
                payloads.push(pl);
            }
            per_constellation.push(idx);
        }
        // The SWIR floor used for the "plume above the floor" figure: the lowest floor of
        // the SWIR payloads (the band default when there are none).
        let floor_m = payloads
            .iter()
            .filter(|p| p.band.kind == BandKind::Swir)
            .map(|p| p.atmosphere.floor_m)
            .fold(None, |a: Option<f64>, f| Some(a.map_or(f, |a| a.min(f))))
            .unwrap_or(BandKind::Swir.default_atmosphere_m().0);
        let system = if payloads.is_empty() {
            None
        } else {
            let sat_payloads: Vec<Vec<usize>> =
                p.satellites.iter().map(|e| per_constellation[e.constellation].clone()).collect();
            let cfg = SystemConfig {
                seed: p.scenario.seed,
                trial: 0,
                earth: EarthShape::WGS84,
                rotation: p.earth,
                sun: Some(Sun::new(p.epoch)),
            };
            Some(
                SensorSystem::new(cfg, payloads, &sat_payloads, Signatures::default())
                    .map_err(|e| RunError::Internal(format!("sensor layer: {e}")))?,
            )
        };
        Ok(Self {
            p,
            system,
            table: None,
            centres: Vec::new(),
            sats: Vec::new(),
            objs: Vec::new(),
            batch: DetectionBatch::default(),
            stats: ObserveStats::default(),
            windows: 0,
            launches: vec![LaunchFigures::default(); p.scenario.launches.len()],
            floor_m,
            cued_pointings: 0,
        })
    }
}

impl Stage for DetectionsStage<'_> {
    fn name(&self) -> &'static str {
        "detections"
    }

    fn open(&mut self, out: &mut Outputs) -> Result<(), RunError> {
        self.table = Some(out.open(&DETECTIONS, TableKind::Events)?);
        Ok(())
    }

    fn step(&mut self, world: &mut World, out: &mut Outputs) -> Result<(), RunError> {
        world.detections.clear();
        world.detection_truth_ids.clear();
        let Some(system) = &mut self.system else { return Ok(()) };
        let p = self.p;
        let t = world.t_s;
        if system.has_track_cueing() {
            // Cueing from the tracks of the previous step (this step's tracks come after
            // the detections): the tracker's estimates, never truth.
            let targets: Vec<tl_sensor::cue::CueTarget> = world
                .tracks
                .iter()
                .map(|tr| {
                    let r = &tr.report;
                    tl_sensor::cue::CueTarget {
                        id: r.track_id,
                        t_s: r.t_s,
                        pos_eci_m: tl_core::Vec3::from(r.pos_eci_m),
                        vel_eci_m_s: tl_core::Vec3::from(r.vel_eci_m_s),
                        need: r.products.pos_sigma_max_m,
                    }
                })
                .collect();
            let sats: Vec<SatState> = world
                .satellites
                .iter()
                .map(|s| SatState { pos_eci_m: s.pos_eci_m, vel_eci_m_s: s.vel_eci_m_s })
                .collect();
            let n = system
                .cue_from_tracks(t, &sats, &targets, CUE_SENSORS_PER_TRACK)
                .map_err(|e| RunError::Internal(format!("cueing: {e}")))?;
            self.cued_pointings += n as u64;
        }
        let system = &*system;
        let last = world.step + 1 >= p.steps;
        let upper = if last { t + 1e-9 } else { t + p.scenario.step_s };
        system.window_centres(t, upper, &mut self.centres);
        let launch_of: HashMap<u32, u32> = world.objects.iter().map(|o| (o.object_id, o.launch)).collect();
        let table = self.table.ok_or_else(|| RunError::Internal("detections table not open".into()))?;
        for ci in 0..self.centres.len() {
            let tc = self.centres[ci];
            // Satellites at the window centre (parallel, reduced in satellite order).
            let sats: Vec<Result<SatState, String>> = p
                .satellites
                .par_iter()
                .map(|e| {
                    e.sat
                        .state_eci(tc)
                        .map(|(r, v)| SatState { pos_eci_m: r, vel_eci_m_s: v })
                        .map_err(|err| err.to_string())
                })
                .collect();
            self.sats.clear();
            for s in sats {
                self.sats.push(s.map_err(|message| RunError::Stage {
                    stage: "detections",
                    t_s: tc,
                    message,
                })?);
            }
            // Objects existing at this step, at the window centre.
            self.objs.clear();
            for o in &world.objects {
                let track = &p.flights[o.launch as usize].objects[o.index as usize];
                let Some(s) = track.state(tc) else { continue };
                let acc = match (track.state_eci(tc + ACC_DT_S), track.state_eci(tc - ACC_DT_S)) {
                    (Some((_, vp)), Some((_, vm))) => (vp - vm) / (2.0 * ACC_DT_S),
                    _ => tl_core::gravity::accel_j2(&s.pos_eci_m),
                };
                let b = &o.body;
                // Mean projected area of a convex body = surface area / 4 (Cauchy).
                let area = std::f64::consts::PI * b.diameter_m * (b.length_m + 0.5 * b.diameter_m) / 4.0;
                self.objs.push(SeenObject {
                    truth_id: o.object_id,
                    pos_eci_m: s.pos_eci_m,
                    vel_eci_m_s: s.vel_eci_m_s,
                    acc_eci_m_s2: acc,
                    plume_swir_w_sr: s.plume_swir_w_sr,
                    plume_mwir_w_sr: s.plume_mwir_w_sr,
                    temperature_k: s.skin_temp_k,
                    emissivity: b.emissivity,
                    area_m2: area,
                    albedo: ASSUMED_ALBEDO,
                });
                let lf = &mut self.launches[o.launch as usize];
                if lf.above_floor_s.is_none()
                    && o.kind == ObjectKind::Booster
                    && s.plume_swir_w_sr > 0.0
                    && s.alt_m >= self.floor_m
                {
                    lf.above_floor_s = Some(tc);
                }
            }
            self.batch.clear();
            self.stats += system.observe(tc, &self.sats, &self.objs, &mut self.batch);
            self.windows += 1;
            for (d, &tid) in self.batch.detections.iter().zip(&self.batch.truth_ids) {
                if tid >= 0
                    && let Some(&li) = launch_of.get(&(tid as u32))
                {
                    let lf = &mut self.launches[li as usize];
                    if lf.first_t_obs_s.is_none_or(|f| d.t_obs_s < f) {
                        lf.first_t_obs_s = Some(d.t_obs_s);
                        lf.first_sat = d.sat_id;
                        lf.first_arrival_s = d.t_arrival_s;
                    }
                }
                let bg = d.background.as_str();
                out.write(
                    table,
                    &[
                        d.t_obs_s.into(),
                        d.t_arrival_s.into(),
                        d.sat_id.into(),
                        d.sensor_id.into(),
                        d.sat_pos_eci_m[0].into(),
                        d.sat_pos_eci_m[1].into(),
                        d.sat_pos_eci_m[2].into(),
                        d.los_eci[0].into(),
                        d.los_eci[1].into(),
                        d.los_eci[2].into(),
                        d.cov_rad2[0].into(),
                        d.cov_rad2[1].into(),
                        d.cov_rad2[2].into(),
                        d.rate_rad_s[0].into(),
                        d.rate_rad_s[1].into(),
                        d.rate_var_rad2_s2[0].into(),
                        d.rate_var_rad2_s2[1].into(),
                        (d.frames_used as u32).into(),
                        d.snr.into(),
                        d.intensity_w_sr.into(),
                        bg.into(),
                        tid.into(),
                    ],
                )?;
            }
            world.detections.extend_from_slice(&self.batch.detections);
            world.detection_truth_ids.extend_from_slice(&self.batch.truth_ids);
        }
        Ok(())
    }

    fn finish(&mut self, _world: &World, _out: &mut Outputs, summary: &mut Summary) -> Result<(), RunError> {
        let st = summary.stage_mut("detections");
        st.insert("report_windows".into(), serde_json::json!(self.windows));
        st.insert("detections".into(), serde_json::json!(self.stats.detections));
        st.insert("false_alarms".into(), serde_json::json!(self.stats.false_alarms));
        st.insert("satellite_object_pairs".into(), serde_json::json!(self.stats.pairs));
        st.insert("pairs_after_horizon_cull".into(), serde_json::json!(self.stats.after_cull));
        st.insert("swir_floor_altitude_m".into(), serde_json::json!(self.floor_m));
        if self.system.as_ref().is_some_and(|s| s.has_track_cueing()) {
            st.insert("cued_sensor_steps_on_a_track".into(), serde_json::json!(self.cued_pointings));
        }
        let per: Vec<serde_json::Value> = self
            .p
            .scenario
            .launches
            .iter()
            .zip(&self.launches)
            .map(|(l, f)| {
                let first = f.first_t_obs_s;
                serde_json::json!({
                    "launch": l.id,
                    "launch_time_s": l.time_s,
                    "first_detection_t_obs_s": first,
                    "first_detection_arrival_s": first.map(|_| f.first_arrival_s),
                    "first_detection_sat_id": first.map(|_| f.first_sat),
                    "time_from_launch_to_first_detection_s": first.map(|t| t - l.time_s),
                    "plume_above_swir_floor_s": f.above_floor_s,
                    "first_detection_after_plume_above_floor_s": match (first, f.above_floor_s) {
                        (Some(a), Some(b)) => Some(a - b),
                        _ => None,
                    },
                })
            })
            .collect();
        st.insert("launches".into(), serde_json::json!(per));
        Ok(())
    }
}
