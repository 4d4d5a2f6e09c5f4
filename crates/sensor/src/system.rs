//! The detection generator: every payload of every satellite, every report window.
//!
//! The caller (the simulator's run loop) asks [`SensorSystem::window_centres`] which
//! instants it needs, and at each hands [`SensorSystem::observe`] the satellites' states
//! and a truth snapshot of the objects. Report windows are aligned on multiples of each
//! payload's window period from `t = 0`; the snapshot is taken at the window centre, and
//! positions inside the window (frame times, the report time, a scanner's look time) are
//! reached by second-order extrapolation with each body's acceleration (error below
//! jerk * dt^3 / 6: centimetres for a half-second window).
//!
//! Cost is per report, not per frame: a report's frame count, mean time and fit
//! covariance are drawn with one Bernoulli trial per frame and closed-form least-squares
//! statistics; no per-frame geometry is evaluated (see `docs/models/sensor.md`).
//!
//! Determinism: every (satellite, sensor, object, window) draws from its own
//! [`RngStream`], satellites are processed in parallel with rayon and their outputs are
//! concatenated in satellite order, so results do not depend on the thread count.

use rayon::prelude::*;
use tl_core::Vec3;
use tl_core::check::FieldError;
use tl_core::detection::{Background, Detection};
use tl_core::frames::EarthRotation;
use tl_core::geom::los_basis;
use tl_core::gravity::accel_j2;
use tl_core::rng::{RngStream, derive_key, hash_label};

use crate::geometry::{EarthShape, FieldOfRegard, Sightline, nadir_frame, sightline};
use crate::math::{inv_normal_sf, normal_cdf, normal_sf};
use crate::payload::{Aim, Payload, PayloadMode, Task};
use crate::signature::{Band, SeenObject, Signatures, lambert_sphere_w_sr, solar_band_irradiance_w_m2};
use crate::sun::Sun;

/// `Q^-1(1e-6)`: objects whose SNR is this far below the threshold (per-frame Pd < 1e-6)
/// are not drawn.
const PD_FLOOR_SIGMA: f64 = 4.753_424_308_822_899;

/// A satellite's state at a snapshot time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SatState {
    /// Position, ECI, m.
    pub pos_eci_m: Vec3,
    /// Velocity, ECI, m/s.
    pub vel_eci_m_s: Vec3,
}

/// Run-wide settings of the sensor layer.
#[derive(Clone, Copy, Debug)]
pub struct SystemConfig {
    /// Master seed.
    pub seed: u64,
    /// Trial (Monte-Carlo run) number.
    pub trial: u64,
    /// Earth shape for sightlines.
    pub earth: EarthShape,
    /// Earth rotation (for Earth-fixed aim points of cued payloads).
    pub rotation: EarthRotation,
    /// The Sun (None: no Sun exclusion, no reflected sunlight).
    pub sun: Option<Sun>,
}

/// Detections with their truth ids kept beside them (`-1` for a false alarm). The truth
/// ids are for scoring only: the tracker gets `detections`.
#[derive(Clone, Debug, Default)]
pub struct DetectionBatch {
    /// The detections.
    pub detections: Vec<Detection>,
    /// Truth object id per detection (-1: false alarm).
    pub truth_ids: Vec<i64>,
}

impl DetectionBatch {
    /// Empty both arrays (keeping their capacity).
    pub fn clear(&mut self) {
        self.detections.clear();
        self.truth_ids.clear();
    }

    /// Number of detections.
    pub fn len(&self) -> usize {
        self.detections.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.detections.is_empty()
    }

    #[inline]
    fn push(&mut self, d: Detection, truth: i64) {
        self.detections.push(d);
        self.truth_ids.push(truth);
    }

    fn append(&mut self, other: &mut DetectionBatch) {
        self.detections.append(&mut other.detections);
        self.truth_ids.append(&mut other.truth_ids);
    }
}

/// Work counters of one [`SensorSystem::observe`] call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ObserveStats {
    /// (satellite, sensor, object) triples examined.
    pub pairs: u64,
    /// Triples that passed the Earth-central-angle cull.
    pub after_cull: u64,
    /// Objects (after merging) with a detection chance.
    pub candidates: u64,
    /// Detections produced (including false alarms).
    pub detections: u64,
    /// False alarms among them.
    pub false_alarms: u64,
}

impl std::ops::AddAssign for ObserveStats {
    fn add_assign(&mut self, o: Self) {
        self.pairs += o.pairs;
        self.after_cull += o.after_cull;
        self.candidates += o.candidates;
        self.detections += o.detections;
        self.false_alarms += o.false_alarms;
    }
}

#[derive(Clone, Debug)]
struct Slot {
    payload: usize,
    sensor_id: u32,
    /// Pointing bias as a small rotation vector in the satellite's nadir frame, rad.
    bias_nadir: Vec3,
    /// Fixed latency of this satellite's payload, s.
    latency_fixed_s: f64,
    key_report: u64,
    key_fa: u64,
    tasks: Option<Vec<Task>>,
    /// The track this (cue-from-tracks) sensor is on.
    cue_target: Option<u64>,
}

/// The sensor layer of a run.
#[derive(Clone, Debug)]
pub struct SensorSystem {
    cfg: SystemConfig,
    payloads: Vec<Payload>,
    sats: Vec<Vec<Slot>>,
    signatures: Signatures,
    bands: Vec<Band>,
    payload_band: Vec<usize>,
}

/// An object prepared once per snapshot, shared by all satellites.
struct Prep {
    unit: Vec3,
    cos_l: f64,
    sin_l: f64,
    sunlit: bool,
}

#[derive(Clone, Copy, Debug)]
struct Cand {
    truth: u32,
    rel_r: Vec3,
    rel_v: Vec3,
    rel_a: Vec3,
    irr: f64,
    nei: f64,
    background: Background,
    sort_key: f64,
    unit: Vec3,
}

/// Everything fixed for one (satellite, sensor, window).
struct WindowCtx<'a> {
    p: &'a Payload,
    slot: &'a Slot,
    sat_id: u32,
    k: u64,
    t_c: f64,
    sat: SatState,
    sat_acc: Vec3,
    frame: (Vec3, Vec3, Vec3),
    bias_eci: Vec3,
    threshold: f64,
    /// First usable frame index in the window (cued payloads still slewing/settling).
    first_frame: u32,
    boresight: Option<Vec3>,
    cos_fov_inner: f64,
    cos_fov_outer: f64,
}

impl SensorSystem {
    /// A sensor layer: `payloads` are the payload definitions; `sat_payloads[s]` lists the
    /// definitions carried by satellite `s` (its sensor ids are the positions in that list).
    ///
    /// Per-satellite constants are drawn here, once: the pointing bias (3 axes, normal with
    /// the payload's sigma, in the satellite's nadir frame) and the extra fixed latency
    /// (uniform in `[0, latency_spread_s)`).
    pub fn new(
        cfg: SystemConfig,
        payloads: Vec<Payload>,
        sat_payloads: &[Vec<usize>],
        signatures: Signatures,
    ) -> Result<Self, FieldError> {
        tl_core::check::in_range("lwir_to_mwir_plume_ratio", signatures.lwir_to_mwir_plume_ratio, 0.0, 10.0)?;
        let mut bands: Vec<Band> = Vec::new();
        let mut payload_band = Vec::with_capacity(payloads.len());
        for p in &payloads {
            let i = match bands.iter().position(|b| *b == p.band) {
                Some(i) => i,
                None => {
                    bands.push(p.band);
                    bands.len() - 1
                }
            };
            payload_band.push(i);
        }
        let mut sats = Vec::with_capacity(sat_payloads.len());
        for (s, list) in sat_payloads.iter().enumerate() {
            let mut slots = Vec::with_capacity(list.len());
            for (j, &pi) in list.iter().enumerate() {
                let p = payloads.get(pi).ok_or_else(|| {
                    FieldError::new(
                        format!("satellite[{s}].payload[{j}]"),
                        pi.to_string(),
                        format!("a payload index below {}", payloads.len()),
                    )
                })?;
                let entity = ((s as u64) << 16) | j as u64;
                let mut rb = RngStream::new(cfg.seed, cfg.trial, entity, "sensor.pointing_bias");
                let bias_nadir = Vec3::new(rb.normal(), rb.normal(), rb.normal()) * p.pointing_bias_rad;
                let mut rl = RngStream::new(cfg.seed, cfg.trial, entity, "sensor.latency_fixed");
                let latency_fixed_s = p.latency_fixed_s + p.latency_spread_s * rl.uniform();
                slots.push(Slot {
                    payload: pi,
                    sensor_id: j as u32,
                    bias_nadir,
                    latency_fixed_s,
                    key_report: derive_key(&[cfg.seed, cfg.trial, entity, hash_label("sensor.report")]),
                    key_fa: derive_key(&[cfg.seed, cfg.trial, entity, hash_label("sensor.false_alarm")]),
                    tasks: None,
                    cue_target: None,
                });
            }
            sats.push(slots);
        }
        Ok(Self { cfg, payloads, sats, signatures, bands, payload_band })
    }

    /// Number of satellites.
    pub fn satellite_count(&self) -> usize {
        self.sats.len()
    }

    /// The payload definitions.
    pub fn payloads(&self) -> &[Payload] {
        &self.payloads
    }

    /// Replace the pointing commands of a cued payload (the tasking interface: the tracker's
    /// cueing logic calls this). Tasks are sorted by time. Errors if the sensor is not cued.
    pub fn set_tasks(&mut self, sat: usize, sensor: usize, mut tasks: Vec<Task>) -> Result<(), FieldError> {
        let slot = self.sats.get_mut(sat).and_then(|v| v.get_mut(sensor)).ok_or_else(|| {
            FieldError::new("sensor", format!("satellite {sat} sensor {sensor}"), "an existing sensor")
        })?;
        if !self.payloads[slot.payload].is_cued() {
            return Err(FieldError::new(
                "sensor",
                format!("satellite {sat} sensor {sensor}"),
                "a cued payload",
            ));
        }
        tasks.sort_by(|a, b| a.t_s.total_cmp(&b.t_s));
        slot.tasks = Some(tasks);
        Ok(())
    }

    /// True when some payload is cued from tracks (`cue_from_tracks = true`).
    pub fn has_track_cueing(&self) -> bool {
        self.payloads.iter().any(|p| matches!(p.mode, PayloadMode::Cued { cue_from_tracks: true, .. }))
    }

    /// Re-task every payload with `cue_from_tracks = true` at `t_s` from the given
    /// tracks ([`crate::cue::assign`], at most `per_target` sensors per track), with the
    /// satellites' states at `t_s` (indexed by satellite). A sensor that keeps its track
    /// has its aim updated in place; one that changes track gets a new command at `t_s`.
    /// Returns the number of sensors pointed at a track.
    pub fn cue_from_tracks(
        &mut self,
        t_s: f64,
        sats: &[SatState],
        targets: &[crate::cue::CueTarget],
        per_target: usize,
    ) -> Result<usize, FieldError> {
        if sats.len() != self.sats.len() {
            return Err(FieldError::new(
                "sats",
                sats.len().to_string(),
                format!("{} satellite states", self.sats.len()),
            ));
        }
        let mut ids = Vec::new();
        let mut slots = Vec::new();
        for (s, list) in self.sats.iter().enumerate() {
            for (j, slot) in list.iter().enumerate() {
                let p = &self.payloads[slot.payload];
                if let PayloadMode::Cued { cue_from_tracks: true, max_off_nadir_rad, .. } = p.mode {
                    ids.push((s, j));
                    slots.push(crate::cue::CueSlot {
                        sat_pos_eci_m: sats[s].pos_eci_m,
                        max_off_nadir_rad,
                        grazing_m: p.grazing_m,
                        current: slot.cue_target,
                    });
                }
            }
        }
        let got = crate::cue::assign(t_s, &self.cfg.earth, &slots, targets, per_target);
        let mut n = 0;
        for ((s, j), k) in ids.into_iter().zip(got) {
            let Some(k) = k else { continue };
            n += 1;
            let tg = &targets[k];
            let aim =
                Aim::MovingEci { pos_eci_m: tg.pos_eci_m, vel_eci_m_s: tg.vel_eci_m_s, t_ref_s: tg.t_s };
            let slot = &mut self.sats[s][j];
            let defaults = match &self.payloads[slot.payload].mode {
                PayloadMode::Cued { tasks, .. } => tasks,
                PayloadMode::WideField { .. } => continue,
            };
            let tasks = slot.tasks.get_or_insert_with(|| defaults.clone());
            // Commands still in the future are superseded by the cue.
            tasks.retain(|x| x.t_s <= t_s);
            match tasks.last_mut() {
                Some(last) if slot.cue_target == Some(tg.id) => last.aim = aim,
                _ => {
                    tasks.push(Task { t_s, aim });
                    // Only the previous command matters (for the slew).
                    if tasks.len() > 2 {
                        tasks.drain(..tasks.len() - 2);
                    }
                }
            }
            slot.cue_target = Some(tg.id);
        }
        Ok(n)
    }

    /// Snapshot instants (window centres) in `[t0_s, t1_s)`, sorted, without duplicates.
    pub fn window_centres(&self, t0_s: f64, t1_s: f64, out: &mut Vec<f64>) {
        out.clear();
        let mut periods: Vec<f64> = self.payloads.iter().map(|p| p.window_s).collect();
        periods.sort_by(f64::total_cmp);
        periods.dedup();
        for w in periods {
            let k0 = ((t0_s / w) - 0.5).ceil().max(0.0) as u64;
            let mut k = k0;
            loop {
                let c = (k as f64 + 0.5) * w;
                if c >= t1_s {
                    break;
                }
                if c >= t0_s {
                    out.push(c);
                }
                k += 1;
            }
        }
        out.sort_by(f64::total_cmp);
        out.dedup_by(|a, b| (*a - *b).abs() <= 1e-9 * b.abs().max(1.0));
    }

    /// The window index of `payload` centred at `t_s`, if any.
    fn window_at(p: &Payload, t_s: f64) -> Option<u64> {
        let k = (t_s / p.window_s - 0.5).round();
        if k < 0.0 {
            return None;
        }
        let c = (k + 0.5) * p.window_s;
        ((c - t_s).abs() <= 1e-9 * t_s.abs().max(1.0)).then_some(k as u64)
    }

    /// Generate the detections of every window centred at `t_s` and append them to `out`
    /// (in satellite, sensor, object order). `sats[s]` is satellite `s`'s state at `t_s`;
    /// `objects` the truth snapshot at `t_s`.
    pub fn observe(
        &self,
        t_s: f64,
        sats: &[SatState],
        objects: &[SeenObject],
        out: &mut DetectionBatch,
    ) -> ObserveStats {
        let earth = self.cfg.earth;
        let rg_cull = earth.min_radius_m();
        let sun = self.cfg.sun.map(|s| s.position_eci(t_s));
        let prep: Vec<Prep> = objects
            .iter()
            .map(|o| {
                let r = o.pos_eci_m.norm();
                let c = (rg_cull / r).min(1.0);
                Prep {
                    unit: o.pos_eci_m / r,
                    cos_l: c,
                    sin_l: (1.0 - c * c).sqrt(),
                    sunlit: match sun {
                        Some((d, _)) => !Sun::in_shadow(&d, &o.pos_eci_m, earth.radius_m),
                        None => false,
                    },
                }
            })
            .collect();
        // Emitted intensity per (band, object) (Planck band integrals: parallel).
        let nb = self.bands.len();
        let no = objects.len();
        let per_obj: Vec<Vec<f64>> = objects
            .par_iter()
            .with_min_len(16)
            .map(|o| self.bands.iter().map(|band| o.emitted_w_sr(band, &self.signatures)).collect())
            .collect();
        let mut emitted = vec![0.0; nb * no];
        for (i, v) in per_obj.iter().enumerate() {
            for (b, e) in v.iter().enumerate() {
                emitted[b * no + i] = *e;
            }
        }
        let sun_irr: Vec<f64> = match sun {
            Some((_, d)) => self.bands.iter().map(|b| solar_band_irradiance_w_m2(b, d)).collect(),
            None => vec![0.0; nb],
        };
        let n = self.sats.len().min(sats.len());
        let results: Vec<(DetectionBatch, ObserveStats)> = (0..n)
            .into_par_iter()
            .with_min_len(4)
            .map(|s| {
                let mut b = DetectionBatch::default();
                let mut st = ObserveStats::default();
                let mut cands: Vec<Cand> = Vec::new();
                for slot in &self.sats[s] {
                    let p = &self.payloads[slot.payload];
                    let Some(k) = Self::window_at(p, t_s) else { continue };
                    let bi = self.payload_band[slot.payload];
                    st += self.observe_window(
                        s,
                        slot,
                        p,
                        k,
                        t_s,
                        &sats[s],
                        objects,
                        &prep,
                        &emitted[bi * objects.len()..(bi + 1) * objects.len()],
                        sun.map(|(d, _)| d),
                        sun_irr[bi],
                        &mut cands,
                        &mut b,
                    );
                }
                (b, st)
            })
            .collect();
        let mut total = ObserveStats::default();
        for (mut b, st) in results {
            out.append(&mut b);
            total += st;
        }
        total
    }

    /// Pointing of a cued payload at `t_c`: boresight and the time it is ready (slewed
    /// and settled), or None when idle or the aim is beyond the off-nadir limit.
    fn cued_pointing(
        &self,
        tasks: &[Task],
        t_c: f64,
        sat: &SatState,
        nadir: &Vec3,
        p: &Payload,
    ) -> Option<(Vec3, f64)> {
        let PayloadMode::Cued { slew_rate_rad_s, settle_s, max_off_nadir_rad, .. } = p.mode else {
            return None;
        };
        let i = tasks.partition_point(|t| t.t_s <= t_c);
        if i == 0 {
            return None;
        }
        let dir = |task: &Task, t: f64| -> Vec3 {
            match task.aim {
                Aim::DirectionEci(d) => d,
                Aim::PointEcef(pf) => (self.cfg.rotation.at(t).pos_to_eci(&pf) - sat.pos_eci_m).normalize(),
                Aim::MovingEci { pos_eci_m, vel_eci_m_s, t_ref_s } => {
                    (pos_eci_m + vel_eci_m_s * (t - t_ref_s) - sat.pos_eci_m).normalize()
                }
            }
        };
        let cur = &tasks[i - 1];
        let b = dir(cur, t_c);
        if b.dot(nadir).clamp(-1.0, 1.0).acos() > max_off_nadir_rad {
            return None;
        }
        // Slew from the previous aim (or nadir) as seen from the current position: an
        // approximation good to the satellite's motion over the slew.
        let prev = if i >= 2 { dir(&tasks[i - 2], cur.t_s) } else { *nadir };
        let slew = tl_core::geom::angle_between(&prev, &dir(cur, cur.t_s));
        Some((b, cur.t_s + slew / slew_rate_rad_s + settle_s))
    }

    #[allow(clippy::too_many_arguments)]
    fn observe_window(
        &self,
        s: usize,
        slot: &Slot,
        p: &Payload,
        k: u64,
        t_c: f64,
        sat: &SatState,
        objects: &[SeenObject],
        prep: &[Prep],
        emitted: &[f64],
        sun_dir: Option<Vec3>,
        sun_irr: f64,
        cands: &mut Vec<Cand>,
        out: &mut DetectionBatch,
    ) -> ObserveStats {
        let mut st = ObserveStats::default();
        let earth = self.cfg.earth;
        let r_sat = sat.pos_eci_m.norm();
        let s_unit = sat.pos_eci_m / r_sat;
        let frame = nadir_frame(&sat.pos_eci_m, &sat.vel_eci_m_s);
        let nadir = frame.2;
        let bias_eci =
            frame.0 * slot.bias_nadir.x + frame.1 * slot.bias_nadir.y + frame.2 * slot.bias_nadir.z;
        let n_frames = p.frames_per_window;
        // Field and pixel count for the threshold.
        let (boresight, first_frame, cos_in, cos_out, solid_sr) = match &p.mode {
            PayloadMode::WideField { field_of_regard, .. } => {
                let (i, o) = field_of_regard.bounds_rad(r_sat, earth.radius_m);
                (None, 0, i.cos(), o.cos(), field_of_regard.solid_angle_sr(r_sat, earth.radius_m))
            }
            PayloadMode::Cued { fov_half_rad, tasks, .. } => {
                let tasks = slot.tasks.as_deref().unwrap_or(tasks);
                let Some((b, t_ready)) = self.cued_pointing(tasks, t_c, sat, &nadir, p) else { return st };
                let t0 = t_c - 0.5 * p.window_s;
                let first = ((t_ready - t0) / p.frame_period_s - 0.5).ceil().max(0.0);
                if first >= n_frames as f64 {
                    return st;
                }
                let f = FieldOfRegard::Cone { half_angle_rad: *fov_half_rad };
                (Some(b), first as u32, 1.0, fov_half_rad.cos(), f.solid_angle_sr(r_sat, earth.radius_m))
            }
        };
        let n_pix = (solid_sr / (p.ifov_rad * p.ifov_rad)).max(1.0);
        let threshold = inv_normal_sf((p.false_alarms_per_frame / n_pix).min(0.5));
        let ctx = WindowCtx {
            p,
            slot,
            sat_id: s as u32,
            k,
            t_c,
            sat: *sat,
            sat_acc: accel_j2(&sat.pos_eci_m),
            frame,
            bias_eci,
            threshold,
            first_frame,
            boresight,
            cos_fov_inner: cos_in,
            cos_fov_outer: cos_out,
        };
        // Cull and classify.
        let c_s = (earth.min_radius_m() / r_sat).min(1.0);
        let s_s = (1.0 - c_s * c_s).sqrt();
        let cos_sun_excl = p.sun_exclusion_rad.cos();
        cands.clear();
        for (i, o) in objects.iter().enumerate() {
            st.pairs += 1;
            let pr = &prep[i];
            if s_unit.dot(&pr.unit) < c_s * pr.cos_l - s_s * pr.sin_l {
                continue;
            }
            st.after_cull += 1;
            let rel = o.pos_eci_m - sat.pos_eci_m;
            let range = rel.norm();
            let u = rel / range;
            match ctx.boresight {
                None => {
                    let c = u.dot(&nadir);
                    if c > ctx.cos_fov_inner || c < ctx.cos_fov_outer {
                        continue;
                    }
                }
                Some(b) => {
                    if u.dot(&b) < ctx.cos_fov_outer {
                        continue;
                    }
                }
            }
            let Sightline::Clear { background, low_height_m, mu, tangent } =
                sightline(&earth, &sat.pos_eci_m, &o.pos_eci_m, p.grazing_m)
            else {
                continue;
            };
            match background {
                Background::Earth if !p.look_down => continue,
                Background::Space if !p.above_horizon => continue,
                _ => {}
            }
            let mut intensity = emitted[i];
            if let Some(sd) = sun_dir {
                if u.dot(&sd) > cos_sun_excl {
                    continue;
                }
                if p.sunlit_reflection && o.albedo > 0.0 && pr.sunlit {
                    let phase = tl_core::geom::angle_between(&sd, &(-u));
                    intensity += lambert_sphere_w_sr(o.albedo, o.area_m2, sun_irr, phase);
                }
            }
            let tau = p.atmosphere.transmission(low_height_m, mu, tangent, earth.radius_m);
            let irr = intensity * tau / (range * range);
            let nei = if background == Background::Earth {
                p.nei_w_m2 * p.earth_clutter_factor
            } else {
                p.nei_w_m2
            };
            // Objects with a per-frame Pd below 1e-6 are not drawn: their rare threshold
            // crossings are noise, already counted by the false-alarm model.
            if irr / nei < threshold - PD_FLOOR_SIGMA {
                continue;
            }
            cands.push(Cand {
                truth: o.truth_id,
                rel_r: rel,
                rel_v: o.vel_eci_m_s - sat.vel_eci_m_s,
                rel_a: o.acc_eci_m_s2 - ctx.sat_acc,
                irr,
                nei,
                background,
                sort_key: u.dot(&frame.0),
                unit: u,
            });
        }
        if p.resolution_rad > 0.0 && cands.len() > 1 {
            merge_unresolved(cands, p.resolution_rad);
        }
        st.candidates += cands.len() as u64;
        for c in cands.iter() {
            st.detections += self.emit_object(&ctx, c, out);
        }
        let fa = self.emit_false_alarms(&ctx, sun_dir, out);
        st.detections += fa;
        st.false_alarms += fa;
        st
    }

    /// Geometry of a candidate at `tau` s from the window centre: (sat position, relative
    /// position, relative velocity).
    #[inline]
    fn at(ctx: &WindowCtx, c: &Cand, tau: f64) -> (Vec3, Vec3, Vec3) {
        let sp = ctx.sat.pos_eci_m + ctx.sat.vel_eci_m_s * tau + ctx.sat_acc * (0.5 * tau * tau);
        let r = c.rel_r + c.rel_v * tau + c.rel_a * (0.5 * tau * tau);
        let v = c.rel_v + c.rel_a * tau;
        (sp, r, v)
    }

    #[inline]
    fn angle_sigma(p: &Payload, snr: f64) -> f64 {
        (p.centroid_factor * p.ifov_rad / snr.max(1e-9)).max(p.angle_floor_rad)
    }

    #[inline]
    fn arrival(ctx: &WindowCtx, rng: &mut RngStream, t_formed: f64) -> f64 {
        let p = ctx.p;
        let random =
            if p.latency_random_mean_s > 0.0 { rng.exponential(p.latency_random_mean_s) } else { 0.0 };
        t_formed + ctx.slot.latency_fixed_s + random + p.crosslink_hops as f64 * p.crosslink_hop_s
    }

    /// Build one detection from the true relative geometry and the drawn errors.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn build(
        ctx: &WindowCtx,
        sat_pos: Vec3,
        rel_r: Vec3,
        rel_v: Vec3,
        noise: (f64, f64),
        var_noise: f64,
        rates: Option<((f64, f64), f64)>,
        t_obs: f64,
        t_arrival: f64,
        frames: u32,
        snr: f64,
        intensity: f64,
        background: Background,
    ) -> Detection {
        let p = ctx.p;
        let range = rel_r.norm();
        let u = rel_r / range;
        let (e1, e2) = los_basis(&u);
        let w = (rel_v - u * u.dot(&rel_v)) / range;
        let (w1, w2) = (w.dot(&e1), w.dot(&e2));
        let bu = ctx.bias_eci.cross(&u);
        let (b1, b2) = (bu.dot(&e1), bu.dot(&e2));
        let um = (u + e1 * (noise.0 + b1) + e2 * (noise.1 + b2)).normalize();
        let (rate, rate_var, (q1, q2)) = match rates {
            Some(((r1, r2), var)) => {
                let m = (w1 + r1, w2 + r2);
                ([m.0, m.1], [var, var], m)
            }
            None => ([f64::NAN; 2], [f64::NAN; 2], (w1, w2)),
        };
        let vt = p.time_tag_sigma_s * p.time_tag_sigma_s;
        let vb = p.pointing_bias_rad * p.pointing_bias_rad;
        let d = var_noise + vb;
        Detection {
            t_obs_s: t_obs,
            t_arrival_s: t_arrival.max(t_obs),
            sat_id: ctx.sat_id,
            sensor_id: ctx.slot.sensor_id,
            sat_pos_eci_m: [sat_pos.x, sat_pos.y, sat_pos.z],
            los_eci: [um.x, um.y, um.z],
            cov_rad2: [d + vt * q1 * q1, vt * q1 * q2, d + vt * q2 * q2],
            rate_rad_s: rate,
            rate_var_rad2_s2: rate_var,
            frames_used: frames.min(u16::MAX as u32) as u16,
            snr,
            intensity_w_sr: intensity,
            background,
        }
    }

    /// Detections of one (possibly merged) object in one window. Returns how many.
    fn emit_object(&self, ctx: &WindowCtx, c: &Cand, out: &mut DetectionBatch) -> u64 {
        let p = ctx.p;
        let mut rng = RngStream::from_key(derive_key(&[ctx.slot.key_report, c.truth as u64, ctx.k]));
        let snr = c.irr / c.nei;
        let pd = normal_cdf(snr - ctx.threshold);
        let sigma = Self::angle_sigma(p, snr);
        let truth = c.truth as i64;
        let w = p.window_s;
        let dt = p.frame_period_s;
        match p.mode {
            PayloadMode::WideField { revisit_s: Some(_), .. } => {
                // Scanner: one look per revisit, at the time the scan passes the object's
                // azimuth about nadir.
                if rng.uniform() >= pd {
                    return 0;
                }
                let az = c
                    .unit
                    .dot(&ctx.frame.1)
                    .atan2(c.unit.dot(&ctx.frame.0))
                    .rem_euclid(std::f64::consts::TAU);
                let tau = (az / std::f64::consts::TAU - 0.5) * w;
                let (sp, r, v) = Self::at(ctx, c, tau);
                let noise = (sigma * rng.normal(), sigma * rng.normal());
                let snr_m = snr + rng.normal();
                let t_true = ctx.t_c + tau;
                let t_obs = t_true + p.time_tag_sigma_s * rng.normal();
                let arr = Self::arrival(ctx, &mut rng, t_true);
                let range2 = r.norm_squared();
                out.push(
                    Self::build(
                        ctx,
                        sp,
                        r,
                        v,
                        noise,
                        sigma * sigma,
                        None,
                        t_obs,
                        arr,
                        1,
                        snr_m,
                        snr_m * c.nei * range2,
                        c.background,
                    ),
                    truth,
                );
                1
            }
            _ if p.raw => {
                let mut count = 0;
                for j in ctx.first_frame..p.frames_per_window {
                    if rng.uniform() >= pd {
                        continue;
                    }
                    let tau = (j as f64 + 0.5) * dt - 0.5 * w;
                    let (sp, r, v) = Self::at(ctx, c, tau);
                    let noise = (sigma * rng.normal(), sigma * rng.normal());
                    let snr_m = snr + rng.normal();
                    let t_true = ctx.t_c + tau;
                    let t_obs = t_true + p.time_tag_sigma_s * rng.normal();
                    let arr = Self::arrival(ctx, &mut rng, t_true + 0.5 * dt);
                    let range2 = r.norm_squared();
                    out.push(
                        Self::build(
                            ctx,
                            sp,
                            r,
                            v,
                            noise,
                            sigma * sigma,
                            None,
                            t_obs,
                            arr,
                            1,
                            snr_m,
                            snr_m * c.nei * range2,
                            c.background,
                        ),
                        truth,
                    );
                    count += 1;
                }
                count
            }
            _ => {
                // Onboard report: which frames detected the object (one Bernoulli trial
                // each), then the least-squares line fit's statistics in closed form.
                let (mut n, mut s1, mut s2) = (0u32, 0.0, 0.0);
                for j in ctx.first_frame..p.frames_per_window {
                    if rng.uniform() < pd {
                        let tau = (j as f64 + 0.5) * dt - 0.5 * w;
                        n += 1;
                        s1 += tau;
                        s2 += tau * tau;
                    }
                }
                if n < p.min_frames {
                    return 0;
                }
                let nf = n as f64;
                let tbar = s1 / nf;
                let stt = (s2 - nf * tbar * tbar).max(1e-30);
                let var_pos = sigma * sigma / nf;
                let var_rate = sigma * sigma / stt;
                let (sp, r, v) = Self::at(ctx, c, tbar);
                let sp_ = var_pos.sqrt();
                let sr_ = var_rate.sqrt();
                let noise = (sp_ * rng.normal(), sp_ * rng.normal());
                let rate_noise = (sr_ * rng.normal(), sr_ * rng.normal());
                let snr_m = snr + rng.normal() / nf.sqrt();
                let t_true = ctx.t_c + tbar;
                let t_obs = t_true + p.time_tag_sigma_s * rng.normal();
                let arr = Self::arrival(ctx, &mut rng, ctx.t_c + 0.5 * w);
                let range2 = r.norm_squared();
                out.push(
                    Self::build(
                        ctx,
                        sp,
                        r,
                        v,
                        noise,
                        var_pos,
                        Some((rate_noise, var_rate)),
                        t_obs,
                        arr,
                        n,
                        snr_m,
                        snr_m * c.nei * range2,
                        c.background,
                    ),
                    truth,
                );
                1
            }
        }
    }

    /// False alarms of one window: Poisson counts, directions uniform over the field.
    fn emit_false_alarms(&self, ctx: &WindowCtx, sun_dir: Option<Vec3>, out: &mut DetectionBatch) -> u64 {
        let p = ctx.p;
        let scanner = matches!(p.mode, PayloadMode::WideField { revisit_s: Some(_), .. });
        let usable = p.frames_per_window - ctx.first_frame;
        let mean = if scanner {
            p.false_alarms_per_frame
        } else if p.raw {
            p.false_alarms_per_frame * usable as f64
        } else {
            p.false_reports_per_window
        };
        if mean <= 0.0 {
            return 0;
        }
        let mut rng = RngStream::from_key(derive_key(&[ctx.slot.key_fa, ctx.k]));
        let count = rng.poisson(mean);
        let earth = self.cfg.earth;
        let (fx, fy, fz) = match ctx.boresight {
            None => ctx.frame,
            Some(b) => {
                let (e1, e2) = los_basis(&b);
                (e1, e2, b)
            }
        };
        let q_thr = normal_sf(ctx.threshold);
        let cos_sun_excl = p.sun_exclusion_rad.cos();
        let w = p.window_s;
        let dt = p.frame_period_s;
        let mut made = 0;
        for _ in 0..count {
            let cth = rng.uniform_range(ctx.cos_fov_outer, ctx.cos_fov_inner);
            let sth = (1.0 - cth * cth).max(0.0).sqrt();
            let phi = rng.uniform() * std::f64::consts::TAU;
            let u = fx * (sth * phi.cos()) + fy * (sth * phi.sin()) + fz * cth;
            let snr = inv_normal_sf(rng.uniform() * q_thr);
            let tau = if scanner {
                (phi / std::f64::consts::TAU - 0.5) * w
            } else if p.raw {
                (ctx.first_frame as f64 + rng.below(usable as u64) as f64 + 0.5) * dt - 0.5 * w
            } else {
                0.0
            };
            let tt = p.time_tag_sigma_s * rng.normal();
            let lat =
                if p.latency_random_mean_s > 0.0 { rng.exponential(p.latency_random_mean_s) } else { 0.0 };
            let rate_noise = (rng.normal(), rng.normal());
            // Where the line of sight meets the Earth (or passes it).
            let a = earth.scaled(&ctx.sat.pos_eci_m);
            let d = earth.scaled(&u);
            let dd = d.norm_squared();
            let tstar = -a.dot(&d) / dd;
            let rg = earth.radius_m + p.grazing_m;
            let (background, range) = if tstar > 0.0 {
                let m2 = (a + d * tstar).norm_squared();
                let bg = if m2 < rg * rg { Background::Earth } else { Background::Space };
                let r2 = earth.radius_m * earth.radius_m;
                let range = if m2 < r2 { tstar - ((r2 - m2) / dd).sqrt() } else { tstar };
                // The affine map keeps the line parameter, and |u| = 1: the parameter is the range.
                (bg, range)
            } else {
                (Background::Space, 1.0e6)
            };
            if (background == Background::Earth && !p.look_down)
                || (background == Background::Space && !p.above_horizon)
            {
                continue;
            }
            if let Some(sd) = sun_dir
                && u.dot(&sd) > cos_sun_excl
            {
                continue;
            }
            let nei = if background == Background::Earth {
                p.nei_w_m2 * p.earth_clutter_factor
            } else {
                p.nei_w_m2
            };
            let sigma = Self::angle_sigma(p, snr);
            let t_true = ctx.t_c + tau;
            let sat_pos = ctx.sat.pos_eci_m + ctx.sat.vel_eci_m_s * tau + ctx.sat_acc * (0.5 * tau * tau);
            let vb = p.pointing_bias_rad * p.pointing_bias_rad;
            let (frames, var_pos, rates, formed) = if scanner {
                (1u32, sigma * sigma, None, t_true)
            } else if p.raw {
                (1, sigma * sigma, None, t_true + 0.5 * dt)
            } else {
                let nf = usable as f64;
                let stt = (nf * nf - 1.0) * nf / 12.0 * dt * dt;
                let vr = sigma * sigma / stt.max(1e-30);
                (usable, sigma * sigma / nf, Some(vr), ctx.t_c + 0.5 * w)
            };
            let (rate, rvar) = match rates {
                Some(vr) => ([rate_noise.0 * vr.sqrt(), rate_noise.1 * vr.sqrt()], [vr, vr]),
                None => ([f64::NAN; 2], [f64::NAN; 2]),
            };
            let t_obs = t_true + tt;
            let t_arr = formed + ctx.slot.latency_fixed_s + lat + p.crosslink_hops as f64 * p.crosslink_hop_s;
            let dvar = var_pos + vb;
            out.push(
                Detection {
                    t_obs_s: t_obs,
                    t_arrival_s: t_arr.max(t_obs),
                    sat_id: ctx.sat_id,
                    sensor_id: ctx.slot.sensor_id,
                    sat_pos_eci_m: [sat_pos.x, sat_pos.y, sat_pos.z],
                    los_eci: [u.x, u.y, u.z],
                    cov_rad2: [dvar, 0.0, dvar],
                    rate_rad_s: rate,
                    rate_var_rad2_s2: rvar,
                    frames_used: frames.min(u16::MAX as u32) as u16,
                    snr,
                    intensity_w_sr: snr * nei * range * range,
                    background,
                },
                -1,
            );
            made += 1;
        }
        made
    }
}

/// Merge candidates closer than `res_rad` (single-linkage clusters) into one each: the
/// irradiances add, the line of sight and motion are irradiance-weighted means, and the
/// brightest member's truth id is kept.
fn merge_unresolved(cands: &mut Vec<Cand>, res_rad: f64) {
    let n = cands.len();
    cands.sort_by(|a, b| a.sort_key.total_cmp(&b.sort_key).then(a.truth.cmp(&b.truth)));
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    let cos_res = res_rad.cos();
    let mut any = false;
    for i in 0..n {
        for j in i + 1..n {
            if cands[j].sort_key - cands[i].sort_key > res_rad {
                break;
            }
            if cands[i].unit.dot(&cands[j].unit) >= cos_res {
                let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                if a != b {
                    parent[a.max(b)] = a.min(b);
                    any = true;
                }
            }
        }
    }
    if !any {
        return;
    }
    // Accumulate members into their root (roots are the smallest index of each cluster).
    let mut acc: Vec<Option<(Cand, f64, u32)>> = vec![None; n]; // (sum, brightest irr, brightest id)
    for (i, &c) in cands.iter().enumerate() {
        let r = find(&mut parent, i);
        match &mut acc[r] {
            None => {
                acc[r] = Some((
                    Cand { rel_r: c.rel_r * c.irr, rel_v: c.rel_v * c.irr, rel_a: c.rel_a * c.irr, ..c },
                    c.irr,
                    c.truth,
                ))
            }
            Some((s, bright, id)) => {
                s.rel_r += c.rel_r * c.irr;
                s.rel_v += c.rel_v * c.irr;
                s.rel_a += c.rel_a * c.irr;
                s.irr += c.irr;
                if c.irr > *bright || (c.irr == *bright && c.truth < *id) {
                    *bright = c.irr;
                    *id = c.truth;
                    s.background = c.background;
                    s.nei = c.nei;
                }
            }
        }
    }
    cands.clear();
    for (mut s, _, id) in acc.into_iter().flatten() {
        let wsum = s.irr;
        s.rel_r /= wsum;
        s.rel_v /= wsum;
        s.rel_a /= wsum;
        s.truth = id;
        s.unit = s.rel_r.normalize();
        cands.push(s);
    }
}
