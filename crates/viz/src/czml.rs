//! CZML (Cesium's JSON scene format) from a [`Scene`].
//!
//! The document is a JSON array of packets: first the `document` packet with the clock,
//! then one parent packet per layer (`layer/satellites`, `layer/footprints`, `layer/los`,
//! `layer/truth`, `layer/tracks`, `layer/engagements`; the viewer's layer toggles show
//! and hide these), then the entities. Entity ids:
//!
//! | id | what |
//! | --- | --- |
//! | `sat/{sat_id}` | satellite: point, label, orbit path (Earth-fixed trail) |
//! | `fp/{sat_id}` | footprint on the ground (field of regard, or the Earth horizon) |
//! | `los/{sat_id}/{object_id}` | line of sight, available only while the satellite detects the object |
//! | `obj/{object_id}` | truth object: point coloured by flight phase |
//! | `obj/{object_id}/seg/{k}` | the k-th flight-phase segment's trail, coloured by phase |
//! | `track/{track_id}` | estimated track: point, label, 2-sigma uncertainty ellipsoid |
//! | `track/{track_id}/impact` | predicted impact point and error ellipse |
//! | `track/{track_id}/launch` | estimated launch point and its uncertainty circle |
//! | `eng/{id}` | laser beam (while firing) or interceptor fly-out |
//! | `eng/{id}/end` | the engagement's outcome marker |
//!
//! Positions are ECEF (`referenceFrame: FIXED`) in metres rounded to 1 m (0.1 m for
//! tracks), times are seconds from the scenario epoch rounded to 1 ms. Satellites and
//! truth objects use Lagrange interpolation of degree 5 (1 mm-level error at the
//! default spacings for orbits); tracks and impact estimates are linear.
//!
//! **Size bound.** Samples are decimated to a minimum spacing per layer
//! ([`CzmlOptions`]), always keeping each entity's first and last sample and every
//! phase change; each entity keeps at most `max_samples_per_entity` samples and the
//! whole document at most `max_total_samples` (spacings are widened uniformly until it
//! fits). With the defaults a document stays under about 15 MB whatever the run length.

use crate::scene::{Scene, Shooter, WeaponKind};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use tl_core::time::{add_seconds, format_epoch_utc};
use tl_core::wgs84::Geodetic;

/// Sampling limits for a CZML document.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CzmlOptions {
    /// Minimum spacing between satellite samples, s (default 60: Lagrange-5 error of
    /// a few mm on a LEO orbit).
    pub satellite_spacing_s: f64,
    /// Minimum spacing between truth-object samples, s (default 5).
    pub object_spacing_s: f64,
    /// Minimum spacing between track samples, s (default 5).
    pub track_spacing_s: f64,
    /// Most samples any one entity keeps (default 2000).
    pub max_samples_per_entity: usize,
    /// Most samples in the whole document (default 300 000, about 12 MB of JSON).
    pub max_total_samples: usize,
    /// Largest gap between two detections of one object by one satellite that still
    /// keeps its line of sight on, s; `None` = 2.5 times the run's detection cadence
    /// (the median gap between consecutive detections of a pair).
    pub los_max_gap_s: Option<f64>,
}

impl Default for CzmlOptions {
    fn default() -> Self {
        Self {
            satellite_spacing_s: 60.0,
            object_spacing_s: 5.0,
            track_spacing_s: 5.0,
            max_samples_per_entity: 2000,
            max_total_samples: 300_000,
            los_max_gap_s: None,
        }
    }
}

impl CzmlOptions {
    fn check(&self) -> Result<(), tl_core::check::FieldError> {
        use tl_core::check::{in_range, positive};
        positive("satellite_spacing_s", self.satellite_spacing_s)?;
        positive("object_spacing_s", self.object_spacing_s)?;
        positive("track_spacing_s", self.track_spacing_s)?;
        in_range("max_samples_per_entity", self.max_samples_per_entity as f64, 2.0, 1e7)?;
        in_range("max_total_samples", self.max_total_samples as f64, 100.0, 1e9)?;
        if let Some(g) = self.los_max_gap_s {
            positive("los_max_gap_s", g)?;
        }
        Ok(())
    }
}

/// The layers, in document order: `(parent packet id, display name)`.
pub const LAYERS: [(&str, &str); 6] = [
    ("layer/satellites", "Satellites"),
    ("layer/footprints", "Footprints"),
    ("layer/los", "Lines of sight"),
    ("layer/truth", "Truth"),
    ("layer/tracks", "Tracks"),
    ("layer/engagements", "Engagements"),
];

/// The colour of a flight phase (truth objects and tracks), RGBA 0-255.
pub fn phase_rgba(phase: &str) -> [u8; 4] {
    match phase {
        p if p.starts_with("boost") => [255, 120, 0, 255],
        "coast" => [255, 200, 0, 255],
        "post-boost" => [230, 80, 230, 255],
        "midcourse" => [0, 200, 255, 255],
        "reentry" => [255, 40, 40, 255],
        "killed" | "impacted" => [150, 150, 150, 255],
        _ => [255, 255, 255, 255],
    }
}

/// Point of an estimated track (`color`: a CZML colour, constant or by interval); shared
/// by the file CZML and live playback.
pub(crate) fn track_point(color: Value) -> Value {
    json!({"pixelSize": 9, "color": color, "outlineColor": {"rgba": [255, 255, 255, 255]}, "outlineWidth": 2})
}

/// Label `T{id}` of an estimated track.
pub(crate) fn track_label(id: impl std::fmt::Display) -> Value {
    json!({
        "text": format!("T{id}"), "font": "12px sans-serif", "fillColor": {"rgba": [255, 255, 255, 255]},
        "pixelOffset": {"cartesian2": [10, 10]}, "horizontalOrigin": "LEFT"
    })
}

/// Polyline material of a laser beam while it lases.
pub(crate) fn laser_beam_material() -> Value {
    json!({"polylineGlow": {"color": {"rgba": [255, 40, 40, 255]}, "glowPower": 0.3}})
}

/// Polyline material of an interceptor engagement drawn as a carrier-to-target line (no
/// fly-out to draw).
pub(crate) fn interceptor_line_material() -> Value {
    json!({"polylineDash": {"color": {"rgba": [255, 0, 255, 220]}, "dashLength": 16}})
}

/// Point and trailing path of an interceptor along its fly-out; `trail_s` covers the
/// whole fly-out.
pub(crate) fn interceptor_point_and_path(trail_s: Value) -> (Value, Value) {
    (
        json!({"pixelSize": 6, "color": {"rgba": [255, 0, 255, 255]}}),
        json!({"width": 2, "leadTime": 0, "trailTime": trail_s, "resolution": 5,
            "material": {"solidColor": {"color": {"rgba": [255, 0, 255, 200]}}}}),
    )
}

/// Group colours for satellites (by constellation, in order of first appearance).
const SAT_COLOURS: [[u8; 4]; 6] = [
    [120, 200, 255, 255],
    [170, 255, 170, 255],
    [255, 210, 120, 255],
    [220, 170, 255, 255],
    [255, 255, 255, 255],
    [150, 230, 230, 255],
];

/// Render a scene as a CZML document (JSON array of packets).
///
/// ```
/// use tl_viz::scene::{Scene, Satellite, Sample};
/// let epoch = tl_core::time::parse_epoch("2026-03-01T00:00:00Z").unwrap();
/// let mut s = Scene::new("demo", epoch, 0.0, 600.0);
/// s.satellites.push(Satellite { id: 0, name: "sat-0".into(), group: "demo".into(), for_half_angle_rad: None,
///     samples: (0..=10).map(|k| tl_viz::scene::Sample { t_s: 60.0 * k as f64, pos_ecef_m: [7.0e6, 0.0, 0.0] }).collect() });
/// let doc = tl_viz::czml::scene_to_czml(&s, &Default::default()).unwrap();
/// assert_eq!(doc[0]["id"], "document");
/// assert!(doc.iter().any(|p| p["id"] == "sat/0"));
/// ```
pub fn scene_to_czml(scene: &Scene, opts: &CzmlOptions) -> Result<Vec<Value>, tl_core::check::FieldError> {
    opts.check()?;
    tl_core::check::finite("t_start_s", scene.t_start_s)?;
    tl_core::check::finite("t_end_s", scene.t_end_s)?;
    if scene.t_end_s < scene.t_start_s {
        return Err(tl_core::check::FieldError::new(
            "t_end_s",
            tl_core::check::fmt_f64(scene.t_end_s),
            format!(">= t_start_s ({})", tl_core::check::fmt_f64(scene.t_start_s)),
        ));
    }
    // Widen the spacings until the whole document fits the sample budget.
    let mut scale = 1.0;
    for _ in 0..30 {
        let n = count_samples(scene, opts, scale);
        if n <= opts.max_total_samples {
            break;
        }
        scale *= (n as f64 / opts.max_total_samples as f64).max(1.1);
    }
    let w = Writer { scene, opts, scale };
    let mut out = vec![w.document()];
    for (id, name) in LAYERS {
        out.push(json!({"id": id, "name": name}));
    }
    w.satellites(&mut out);
    w.footprints(&mut out);
    w.lines_of_sight(&mut out);
    w.objects(&mut out);
    w.tracks(&mut out);
    w.engagements(&mut out);
    Ok(out)
}

/// [`scene_to_czml`] serialised to compact JSON text.
pub fn scene_to_czml_string(scene: &Scene, opts: &CzmlOptions) -> Result<String, tl_core::check::FieldError> {
    let doc = scene_to_czml(scene, opts)?;
    Ok(serde_json::to_string(&doc).expect("CZML values serialise"))
}

/// Indices of the samples kept: first, last, every `keep(i)`, and otherwise one every
/// `spacing_s` (a sample is kept when at least `spacing_s` after the last kept one);
/// then, if more than `max_n`, the spacing is widened to fit (forced keeps stay).
pub fn decimate(times: &[f64], spacing_s: f64, max_n: usize, keep: impl Fn(usize) -> bool) -> Vec<usize> {
    let n = times.len();
    if n == 0 {
        return Vec::new();
    }
    let span = times[n - 1] - times[0];
    let mut spacing = spacing_s.max(if max_n > 1 { span / (max_n - 1) as f64 } else { span });
    loop {
        let mut kept = vec![0];
        let mut last_t = times[0];
        for (i, &t) in times.iter().enumerate().skip(1) {
            let forced = i == n - 1 || keep(i);
            if forced || t - last_t >= spacing * (1.0 - 1e-9) {
                kept.push(i);
                last_t = t;
            }
        }
        if kept.len() <= max_n.max(2) || spacing >= span {
            return kept;
        }
        spacing *= 1.25;
    }
}

fn count_samples(scene: &Scene, o: &CzmlOptions, scale: f64) -> usize {
    let m = o.max_samples_per_entity;
    let mut n = 0;
    for s in &scene.satellites {
        let t: Vec<f64> = s.samples.iter().map(|x| x.t_s).collect();
        // position + footprint centre + footprint radius
        n += 3 * decimate(&t, o.satellite_spacing_s * scale, m, |_| false).len();
    }
    for ob in &scene.objects {
        let t: Vec<f64> = ob.samples.iter().map(|x| x.t_s).collect();
        n += 2 * decimate(&t, o.object_spacing_s * scale, m, |i| ob.phases[i] != ob.phases[i - 1]).len();
    }
    for tr in &scene.tracks {
        let t: Vec<f64> = tr.samples.iter().map(|x| x.t_s).collect();
        n += 3 * decimate(&t, o.track_spacing_s * scale, m, |_| false).len();
        n += tr.impact.len().min(m) * 4 + tr.launch.len().min(m) * 2;
    }
    n
}

struct Writer<'a> {
    scene: &'a Scene,
    opts: &'a CzmlOptions,
    scale: f64,
}

/// Round `x` to `step` and emit an integer when it is one (keeps the JSON short).
fn num(x: f64, step: f64) -> Value {
    let r = (x / step).round() * step;
    if step >= 1.0 && r.abs() < 9.0e15 {
        json!(r as i64)
    } else {
        let digits = (-step.log10()).ceil().max(0.0) as usize;
        let v: f64 = format!("{r:.digits$}").parse().unwrap_or(r);
        if v.fract() == 0.0 && v.abs() < 9.0e15 { json!(v as i64) } else { json!(v) }
    }
}

impl Writer<'_> {
    fn iso(&self, t_s: f64) -> String {
        format_epoch_utc(add_seconds(self.scene.epoch, t_s))
    }

    fn interval(&self, a: f64, b: f64) -> String {
        format!("{}/{}", self.iso(a), self.iso(b))
    }

    fn epoch(&self) -> String {
        format_epoch_utc(self.scene.epoch)
    }

    fn document(&self) -> Value {
        let s = self.scene;
        let span = (s.t_end_s - s.t_start_s).max(1.0);
        // Aim at about a minute of wall time for the whole run, in round steps.
        let mult = [1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0]
            .into_iter()
            .find(|m| span / m <= 120.0)
            .unwrap_or(600.0);
        json!({
            "id": "document",
            "name": s.name,
            "version": "1.0",
            "clock": {
                "interval": self.interval(s.t_start_s, s.t_end_s),
                "currentTime": self.iso(s.t_start_s),
                "multiplier": mult,
                "range": "LOOP_STOP",
                "step": "SYSTEM_CLOCK_MULTIPLIER"
            }
        })
    }

    /// Sampled Cartesian position (ECEF) for the kept indices.
    fn positions(&self, pts: impl Iterator<Item = (f64, [f64; 3])>, step_m: f64, lagrange: bool) -> Value {
        let mut c = Vec::new();
        for (t, p) in pts {
            c.push(num(t, 0.001));
            for v in p {
                c.push(num(v, step_m));
            }
        }
        let mut v = json!({
            "epoch": self.epoch(),
            "referenceFrame": "FIXED",
            "cartesian": c,
            "forwardExtrapolationType": "NONE",
            "backwardExtrapolationType": "NONE",
        });
        if lagrange {
            v["interpolationAlgorithm"] = json!("LAGRANGE");
            v["interpolationDegree"] = json!(5);
        } else {
            v["interpolationAlgorithm"] = json!("LINEAR");
            v["interpolationDegree"] = json!(1);
        }
        v
    }

    fn sat_colour(&self) -> BTreeMap<&str, [u8; 4]> {
        let mut m = BTreeMap::new();
        let mut k = 0;
        for s in &self.scene.satellites {
            m.entry(s.group.as_str()).or_insert_with(|| {
                k += 1;
                SAT_COLOURS[(k - 1) % SAT_COLOURS.len()]
            });
        }
        m
    }

    fn satellites(&self, out: &mut Vec<Value>) {
        let colours = self.sat_colour();
        for s in &self.scene.satellites {
            if s.samples.is_empty() {
                continue;
            }
            let t: Vec<f64> = s.samples.iter().map(|x| x.t_s).collect();
            let idx = decimate(
                &t,
                self.opts.satellite_spacing_s * self.scale,
                self.opts.max_samples_per_entity,
                |_| false,
            );
            let rgba = colours[s.group.as_str()];
            let r0 = norm3(&s.samples[0].pos_ecef_m);
            // Orbit period from the radius (circular estimate) sets the trail: one orbit.
            let period_s = std::f64::consts::TAU * (r0.powi(3) / tl_core::consts::MU_EARTH_M3_S2).sqrt();
            let (a, b) = (t[0], t[t.len() - 1]);
            out.push(json!({
                "id": format!("sat/{}", s.id),
                "name": s.name,
                "parent": "layer/satellites",
                "description": format!("satellite {} ({})", s.id, s.group),
                "availability": self.interval(a, b),
                "position": self.positions(idx.iter().map(|&i| (s.samples[i].t_s, s.samples[i].pos_ecef_m)), 1.0, true),
                "point": {"pixelSize": 7, "color": {"rgba": rgba}, "outlineColor": {"rgba": [0, 0, 0, 255]}, "outlineWidth": 1},
                "path": {
                    "show": true, "width": 1, "leadTime": 0, "trailTime": num(period_s.min(86_400.0), 1.0),
                    "resolution": 120,
                    "material": {"solidColor": {"color": {"rgba": [rgba[0], rgba[1], rgba[2], 110]}}}
                },
                "label": {
                    "text": s.name, "font": "11px sans-serif", "fillColor": {"rgba": rgba},
                    "pixelOffset": {"cartesian2": [8, -8]}, "horizontalOrigin": "LEFT",
                    "distanceDisplayCondition": {"distanceDisplayCondition": [0, 2.5e7]}
                }
            }));
        }
    }

    fn footprints(&self, out: &mut Vec<Value>) {
        let colours = self.sat_colour();
        for s in &self.scene.satellites {
            if s.samples.is_empty() {
                continue;
            }
            let t: Vec<f64> = s.samples.iter().map(|x| x.t_s).collect();
            let idx = decimate(
                &t,
                self.opts.satellite_spacing_s * self.scale,
                self.opts.max_samples_per_entity,
                |_| false,
            );
            let mut centre = Vec::new();
            let mut radius = Vec::new();
            let (mut rmin, mut rmax) = (f64::INFINITY, 0.0f64);
            for &i in &idx {
                let p = &s.samples[i];
                let (c, r) = footprint(&p.pos_ecef_m, s.for_half_angle_rad);
                centre.push((p.t_s, c));
                radius.push(num(p.t_s, 0.001));
                radius.push(num(r, 1.0));
                rmin = rmin.min(r);
                rmax = rmax.max(r);
            }
            // A constant radius (circular orbit) is written once.
            let radius_v = if rmax - rmin <= 0.005 * rmax {
                num(0.5 * (rmin + rmax), 1.0)
            } else {
                json!({"epoch": self.epoch(), "number": radius})
            };
            let rgba = colours[s.group.as_str()];
            out.push(json!({
                "id": format!("fp/{}", s.id),
                "name": format!("{} footprint", s.name),
                "parent": "layer/footprints",
                "availability": self.interval(t[0], t[t.len() - 1]),
                "position": self.positions(centre.into_iter(), 1.0, true),
                "ellipse": {
                    "semiMajorAxis": radius_v.clone(), "semiMinorAxis": radius_v,
                    "height": 0, "granularity": 0.03,
                    "fill": true, "material": {"solidColor": {"color": {"rgba": [rgba[0], rgba[1], rgba[2], 28]}}},
                    "outline": false
                }
            }));
        }
    }

    /// Line-of-sight availability intervals per (sat, object): see [`los_intervals`].
    fn lines_of_sight(&self, out: &mut Vec<Value>) {
        let sats: std::collections::BTreeSet<u32> = self.scene.satellites.iter().map(|s| s.id).collect();
        let objs: std::collections::BTreeSet<u32> = self.scene.objects.iter().map(|o| o.id).collect();
        let ivs = los_intervals(
            &self.scene.sightings,
            self.opts.los_max_gap_s,
            self.scene.t_start_s,
            self.scene.t_end_s,
        );
        for ((sat, obj), list) in ivs {
            // A line needs both ends drawn.
            if !sats.contains(&sat) || !objs.contains(&obj) {
                continue;
            }
            let avail: Vec<String> = list.iter().map(|&(a, b)| self.interval(a, b)).collect();
            out.push(json!({
                "id": format!("los/{sat}/{obj}"),
                "name": format!("sat {sat} sees object {obj}"),
                "parent": "layer/los",
                "availability": avail,
                "polyline": {
                    "positions": {"references": [format!("sat/{sat}#position"), format!("obj/{obj}#position")]},
                    "width": 1.5, "arcType": "NONE",
                    "material": {"solidColor": {"color": {"rgba": [120, 255, 120, 200]}}}
                }
            }));
        }
    }

    fn objects(&self, out: &mut Vec<Value>) {
        for ob in &self.scene.objects {
            let n = ob.samples.len().min(ob.phases.len());
            if n == 0 {
                continue;
            }
            let t: Vec<f64> = ob.samples[..n].iter().map(|x| x.t_s).collect();
            let change = |i: usize| ob.phases[i] != ob.phases[i - 1];
            let idx = decimate(
                &t,
                self.opts.object_spacing_s * self.scale,
                self.opts.max_samples_per_entity,
                change,
            );
            // Phase segments over the full-rate samples: [start, end) index ranges.
            let mut segs: Vec<(usize, usize)> = Vec::new();
            let mut s0 = 0;
            for i in 1..=n {
                if i == n || change(i) {
                    segs.push((s0, i));
                    s0 = i;
                }
            }
            let (a, b) = (t[0], t[n - 1]);
            let colour: Vec<Value> = segs
                .iter()
                .map(|&(i0, i1)| {
                    let end = if i1 < n { t[i1] } else { b };
                    json!({"interval": self.interval(t[i0], end), "rgba": phase_rgba(&ob.phases[i0])})
                })
                .collect();
            out.push(json!({
                "id": format!("obj/{}", ob.id),
                "name": format!("object {} ({}, launch {})", ob.id, ob.kind, ob.launch_id),
                "parent": "layer/truth",
                "description": format!("truth object {}: {} of launch {}", ob.id, ob.kind, ob.launch_id),
                "availability": self.interval(a, b),
                "position": self.positions(idx.iter().map(|&i| (ob.samples[i].t_s, ob.samples[i].pos_ecef_m)), 1.0, true),
                "point": {"pixelSize": 8, "color": colour, "outlineColor": {"rgba": [0, 0, 0, 255]}, "outlineWidth": 1}
            }));
            // One trail per phase segment, each with its own colour, kept after the segment
            // ends (HOLD) so the whole flown arc stays drawn.
            for (k, &(i0, i1)) in segs.iter().enumerate() {
                // Include the first sample of the next segment so segments join.
                let last = if i1 < n { i1 } else { n - 1 };
                let seg_idx: Vec<usize> = idx.iter().copied().filter(|&i| i >= i0 && i <= last).collect();
                if seg_idx.len() < 2 {
                    continue;
                }
                let mut pos = self.positions(
                    seg_idx.iter().map(|&i| (ob.samples[i].t_s, ob.samples[i].pos_ecef_m)),
                    1.0,
                    true,
                );
                pos["forwardExtrapolationType"] = json!("HOLD");
                let rgba = phase_rgba(&ob.phases[i0]);
                out.push(json!({
                    "id": format!("obj/{}/seg/{k}", ob.id),
                    "name": format!("object {} {}", ob.id, ob.phases[i0]),
                    "parent": "layer/truth",
                    "availability": self.interval(t[i0], self.scene.t_end_s.max(b)),
                    "position": pos,
                    "path": {
                        "width": 2, "leadTime": 0, "trailTime": num(self.scene.t_end_s - self.scene.t_start_s + 1.0, 1.0),
                        "resolution": 10,
                        "material": {"solidColor": {"color": {"rgba": rgba}}}
                    }
                }));
            }
        }
    }

    fn tracks(&self, out: &mut Vec<Value>) {
        for tr in &self.scene.tracks {
            if tr.samples.is_empty() {
                continue;
            }
            let t: Vec<f64> = tr.samples.iter().map(|x| x.t_s).collect();
            let idx = decimate(
                &t,
                self.opts.track_spacing_s * self.scale,
                self.opts.max_samples_per_entity,
                |_| false,
            );
            let (a, b) = (t[0], t[t.len() - 1]);
            let mut radii = Vec::new();
            let mut quat = Vec::new();
            let mut prev_q: Option<[f64; 4]> = None;
            for &i in &idx {
                let s = &tr.samples[i];
                let (r, mut q) = sigma_ellipsoid(&s.cov_ecef_m2, 2.0);
                // q and -q are the same rotation: keep the one nearest the previous sample
                // so interpolation takes the short way.
                if let Some(p) = prev_q
                    && p.iter().zip(q.iter()).map(|(x, y)| x * y).sum::<f64>() < 0.0
                {
                    q = q.map(|v| -v);
                }
                prev_q = Some(q);
                radii.push(num(s.t_s, 0.001));
                radii.extend(r.iter().map(|v| num(*v, 0.1)));
                quat.push(num(s.t_s, 0.001));
                quat.extend(q.iter().map(|v| num(*v, 1e-6)));
            }
            let colour: Vec<Value> = phase_intervals(&t, |i| tr.samples[i].phase.as_str())
                .into_iter()
                .map(|(a, b, p)| json!({"interval": self.interval(a, b), "rgba": phase_rgba(p)}))
                .collect();
            let mut ell_colour = colour.clone();
            for c in &mut ell_colour {
                c["rgba"][3] = json!(70);
            }
            out.push(json!({
                "id": format!("track/{}", tr.id),
                "name": format!("track {}", tr.id),
                "parent": "layer/tracks",
                "description": format!("estimated track {}", tr.id),
                "availability": self.interval(a, b),
                "position": self.positions(idx.iter().map(|&i| (tr.samples[i].t_s, tr.samples[i].pos_ecef_m)), 0.1, false),
                "point": track_point(json!(colour)),
                "label": track_label(tr.id),
                "ellipsoid": {
                    "radii": {"epoch": self.epoch(), "cartesian": radii, "interpolationAlgorithm": "LINEAR"},
                    "fill": true, "outline": false,
                    "material": {"solidColor": {"color": ell_colour}}
                },
                "orientation": {"epoch": self.epoch(), "unitQuaternion": quat, "interpolationAlgorithm": "LINEAR"},
                "path": {"width": 1, "leadTime": 0, "trailTime": 600, "resolution": 10,
                    "material": {"solidColor": {"color": {"rgba": [255, 255, 255, 150]}}}}
            }));
            if !tr.impact.is_empty() {
                self.impact(out, tr.id, &tr.impact, b);
            }
            if !tr.launch.is_empty() {
                self.launch(out, tr.id, &tr.launch, b);
            }
        }
    }

    fn impact(&self, out: &mut Vec<Value>, id: u32, est: &[crate::scene::ImpactEstimate], t_last: f64) {
        let t: Vec<f64> = est.iter().map(|e| e.t_s).collect();
        let idx =
            decimate(&t, self.opts.track_spacing_s * self.scale, self.opts.max_samples_per_entity, |_| false);
        let (mut maj, mut min, mut rot) = (Vec::new(), Vec::new(), Vec::new());
        let mut prev_rot: Option<f64> = None;
        for &i in &idx {
            let e = &est[i];
            maj.extend([num(e.t_s, 0.001), num(e.semi_major_m.max(e.semi_minor_m).max(1.0), 1.0)]);
            min.extend([num(e.t_s, 0.001), num(e.semi_minor_m.min(e.semi_major_m).max(1.0), 1.0)]);
            // Cesium's ellipse `rotation` turns the semi-major axis counter-clockwise from
            // east (EllipseGeometryLibrary); azimuth is clockwise from north.
            let mut r = std::f64::consts::FRAC_PI_2 - e.azimuth_deg.to_radians();
            // An ellipse is the same after a half turn: unwrap to the nearest.
            if let Some(p) = prev_rot {
                r += std::f64::consts::PI * ((p - r) / std::f64::consts::PI).round();
            }
            prev_rot = Some(r);
            rot.extend([num(e.t_s, 0.001), num(r, 1e-5)]);
        }
        let pos = idx.iter().map(|&i| {
            let e = &est[i];
            let p = Geodetic::from_deg(e.lat_deg, e.lon_deg, 0.0).to_ecef();
            (e.t_s, [p.x, p.y, p.z])
        });
        let mut position = self.positions(pos, 1.0, false);
        position["forwardExtrapolationType"] = json!("HOLD");
        let end = self.scene.t_end_s.max(t_last);
        out.push(json!({
            "id": format!("track/{id}/impact"),
            "name": format!("track {id} predicted impact"),
            "parent": "layer/tracks",
            "availability": self.interval(t[0], end),
            "position": position,
            "point": {"pixelSize": 6, "color": {"rgba": [255, 60, 60, 255]}},
            "ellipse": {
                "semiMajorAxis": {"epoch": self.epoch(), "number": maj, "forwardExtrapolationType": "HOLD"},
                "semiMinorAxis": {"epoch": self.epoch(), "number": min, "forwardExtrapolationType": "HOLD"},
                "rotation": {"epoch": self.epoch(), "number": rot, "forwardExtrapolationType": "HOLD"},
                "height": 0, "fill": true, "material": {"solidColor": {"color": {"rgba": [255, 60, 60, 60]}}},
                "outline": true, "outlineColor": {"rgba": [255, 60, 60, 255]}
            }
        }));
    }

    fn launch(&self, out: &mut Vec<Value>, id: u32, est: &[crate::scene::LaunchEstimate], t_last: f64) {
        let t: Vec<f64> = est.iter().map(|e| e.t_s).collect();
        let idx =
            decimate(&t, self.opts.track_spacing_s * self.scale, self.opts.max_samples_per_entity, |_| false);
        let mut rad = Vec::new();
        for &i in &idx {
            rad.extend([num(est[i].t_s, 0.001), num(est[i].radius_m.max(1.0), 1.0)]);
        }
        let pos = idx.iter().map(|&i| {
            let e = &est[i];
            let p = Geodetic::from_deg(e.lat_deg, e.lon_deg, 0.0).to_ecef();
            (e.t_s, [p.x, p.y, p.z])
        });
        let mut position = self.positions(pos, 1.0, false);
        position["forwardExtrapolationType"] = json!("HOLD");
        let radius = json!({"epoch": self.epoch(), "number": rad, "forwardExtrapolationType": "HOLD"});
        out.push(json!({
            "id": format!("track/{id}/launch"),
            "name": format!("track {id} launch point estimate"),
            "parent": "layer/tracks",
            "availability": self.interval(t[0], self.scene.t_end_s.max(t_last)),
            "position": position,
            "point": {"pixelSize": 7, "color": {"rgba": [255, 255, 0, 255]}},
            "ellipse": {
                "semiMajorAxis": radius.clone(), "semiMinorAxis": radius, "height": 0,
                "fill": false, "outline": true, "outlineColor": {"rgba": [255, 255, 0, 255]}
            },
            "label": {"text": format!("L(T{id})"), "font": "11px sans-serif", "fillColor": {"rgba": [255, 255, 0, 255]},
                "pixelOffset": {"cartesian2": [8, 0]}, "horizontalOrigin": "LEFT"}
        }));
    }

    fn engagements(&self, out: &mut Vec<Value>) {
        let objs: std::collections::BTreeSet<u32> = self.scene.objects.iter().map(|o| o.id).collect();
        for e in &self.scene.engagements {
            let shooter_ref = match &e.shooter {
                Shooter::Satellite(id) => format!("sat/{id}#position"),
                Shooter::Fixed { name, pos_ecef_m } => {
                    let sid = format!("eng/{}/shooter", e.id);
                    out.push(json!({
                        "id": sid, "name": name, "parent": "layer/engagements",
                        "position": {"referenceFrame": "FIXED", "cartesian": pos_ecef_m.iter().map(|v| num(*v, 1.0)).collect::<Vec<_>>()},
                        "point": {"pixelSize": 7, "color": {"rgba": [255, 0, 255, 255]}}
                    }));
                    format!("{sid}#position")
                }
            };
            let kill = e.outcome == "kill";
            let outcome_rgba = if kill { [255, 255, 255, 255] } else { [160, 160, 160, 255] };
            match e.kind {
                WeaponKind::Laser => {
                    if !objs.contains(&e.target_object_id) {
                        continue;
                    }
                    out.push(json!({
                        "id": format!("eng/{}", e.id),
                        "name": format!("{} lasing object {} ({})", e.weapon, e.target_object_id, e.outcome),
                        "parent": "layer/engagements",
                        "availability": self.interval(e.t_start_s, e.t_end_s),
                        "polyline": {
                            "positions": {"references": [shooter_ref, format!("obj/{}#position", e.target_object_id)]},
                            "width": 6, "arcType": "NONE",
                            "material": laser_beam_material()
                        }
                    }));
                }
                WeaponKind::Interceptor if e.flyout.is_empty() => {
                    // No recorded fly-out: a dashed line from the carrier to the target
                    // while the interceptor flies (not a trajectory).
                    if !objs.contains(&e.target_object_id) {
                        continue;
                    }
                    out.push(json!({
                        "id": format!("eng/{}", e.id),
                        "name": format!("{} interceptor at object {} ({}; fly-out not recorded)", e.weapon, e.target_object_id, e.outcome),
                        "parent": "layer/engagements",
                        "availability": self.interval(e.t_start_s, e.t_end_s),
                        "polyline": {
                            "positions": {"references": [shooter_ref, format!("obj/{}#position", e.target_object_id)]},
                            "width": 2, "arcType": "NONE",
                            "material": interceptor_line_material()
                        }
                    }));
                }
                WeaponKind::Interceptor => {
                    let t: Vec<f64> = e.flyout.iter().map(|x| x.t_s).collect();
                    let idx = decimate(
                        &t,
                        self.opts.object_spacing_s * self.scale,
                        self.opts.max_samples_per_entity,
                        |_| false,
                    );
                    let (point, path) = interceptor_point_and_path(num(t[t.len() - 1] - t[0] + 1.0, 1.0));
                    out.push(json!({
                        "id": format!("eng/{}", e.id),
                        "name": format!("{} interceptor at object {} ({})", e.weapon, e.target_object_id, e.outcome),
                        "parent": "layer/engagements",
                        "availability": self.interval(t[0], t[t.len() - 1]),
                        "position": self.positions(idx.iter().map(|&i| (e.flyout[i].t_s, e.flyout[i].pos_ecef_m)), 1.0, true),
                        "point": point,
                        "path": path
                    }));
                }
            }
            // The outcome, shown for a minute where the target was at the end.
            if let Some(ob) = self.scene.objects.iter().find(|o| o.id == e.target_object_id)
                && let Some(p) = nearest(&ob.samples, e.t_end_s)
            {
                out.push(json!({
                    "id": format!("eng/{}/end", e.id),
                    "name": format!("{}: {}", e.weapon, e.outcome),
                    "parent": "layer/engagements",
                    "availability": self.interval(e.t_end_s, e.t_end_s + 60.0),
                    "position": {"referenceFrame": "FIXED", "cartesian": p.iter().map(|v| num(*v, 1.0)).collect::<Vec<_>>()},
                    "label": {"text": e.outcome.to_uppercase(), "font": "bold 13px sans-serif", "fillColor": {"rgba": outcome_rgba},
                        "pixelOffset": {"cartesian2": [0, -16]}}
                }));
            }
        }
    }
}

fn nearest(samples: &[crate::scene::Sample], t: f64) -> Option<[f64; 3]> {
    samples.iter().min_by(|a, b| (a.t_s - t).abs().total_cmp(&(b.t_s - t).abs())).map(|s| s.pos_ecef_m)
}

/// Runs of equal phase over sample times: `(start, end, phase)` where `end` is the next
/// run's first time (or the last time).
fn phase_intervals<'p>(t: &[f64], phase: impl Fn(usize) -> &'p str) -> Vec<(f64, f64, &'p str)> {
    let mut out = Vec::new();
    if t.is_empty() {
        return out;
    }
    let mut s0 = 0;
    for i in 1..=t.len() {
        if i == t.len() || phase(i) != phase(s0) {
            let end = if i < t.len() { t[i] } else { t[t.len() - 1] };
            out.push((t[s0], end, phase(s0)));
            s0 = i;
        }
    }
    out
}

fn norm3(p: &[f64; 3]) -> f64 {
    (p[0] * p[0] + p[1] * p[1] + p[2] * p[2]).sqrt()
}

/// The ground footprint of a satellite at `pos_ecef_m`: centre (the sub-satellite point
/// on a sphere of the local Earth radius) and radius as an arc length on the ground, m.
///
/// With no field-of-regard angle the footprint is the Earth horizon: central angle
/// `acos(R / r)`. With an off-nadir half-angle `eta`, the central angle is
/// `asin(r / R sin eta) - eta` while the cone's edge still meets the Earth, else the
/// horizon (spherical Earth, `R` = WGS84 geocentric radius under the satellite).
pub fn footprint(pos_ecef_m: &[f64; 3], for_half_angle_rad: Option<f64>) -> ([f64; 3], f64) {
    let r = norm3(pos_ecef_m).max(1.0);
    let g = Geodetic::from_ecef(&tl_core::Vec3::new(pos_ecef_m[0], pos_ecef_m[1], pos_ecef_m[2]));
    let ground = Geodetic { alt_m: 0.0, ..g }.to_ecef();
    let re = ground.norm();
    let u = [pos_ecef_m[0] / r, pos_ecef_m[1] / r, pos_ecef_m[2] / r];
    let centre = [u[0] * re, u[1] * re, u[2] * re];
    let horizon = (re / r).clamp(-1.0, 1.0).acos();
    let lambda = match for_half_angle_rad {
        Some(eta) if (r / re * eta.sin()) < 1.0 => ((r / re * eta.sin()).asin() - eta).clamp(0.0, horizon),
        _ => horizon,
    };
    (centre, re * lambda)
}

/// Radii and orientation of the `k`-sigma ellipsoid of a 3x3 covariance
/// `[xx, xy, xz, yy, yz, zz]` (m^2): radii `k sqrt(eigenvalue)` (m, at least 1 m, in
/// increasing order) along the eigenvectors; orientation as a unit quaternion
/// `[x, y, z, w]` that turns the ellipsoid's axes into the covariance's frame.
pub fn sigma_ellipsoid(cov: &[f64; 6], k: f64) -> ([f64; 3], [f64; 4]) {
    use nalgebra::{Matrix3, Rotation3, UnitQuaternion};
    let [xx, xy, xz, yy, yz, zz] = *cov;
    let m = Matrix3::new(xx, xy, xz, xy, yy, yz, xz, yz, zz);
    if !m.iter().all(|v| v.is_finite()) {
        return ([1.0; 3], [0.0, 0.0, 0.0, 1.0]);
    }
    let eig = m.symmetric_eigen();
    let mut order = [0usize, 1, 2];
    order.sort_by(|&a, &b| eig.eigenvalues[a].total_cmp(&eig.eigenvalues[b]));
    let mut axes = Matrix3::zeros();
    let mut radii = [0.0; 3];
    for (c, &j) in order.iter().enumerate() {
        axes.set_column(c, &eig.eigenvectors.column(j));
        radii[c] = (k * eig.eigenvalues[j].max(0.0).sqrt()).max(1.0);
    }
    if axes.determinant() < 0.0 {
        let c2 = -axes.column(2);
        axes.set_column(2, &c2);
    }
    let q = UnitQuaternion::from_rotation_matrix(&Rotation3::from_matrix_unchecked(axes));
    (radii, [q.i, q.j, q.k, q.w])
}

/// Line-of-sight intervals per `(sat_id, object_id)`, in time order.
///
/// Detections of one pair at times `t_1 < t_2 < ...` join one interval while
/// consecutive gaps are at most `max_gap_s`; each interval is widened by half the
/// detection cadence `c` on both sides (`[first - c/2, last + c/2]`, clipped to the run)
/// so that a single detection still shows for one cadence. `max_gap_s = None` uses
/// `2.5 c`; `c` is the median of the positive gaps between consecutive detections of a
/// pair over the whole run (1 s if there are none).
pub fn los_intervals(
    sightings: &[crate::scene::Sighting],
    max_gap_s: Option<f64>,
    t_start_s: f64,
    t_end_s: f64,
) -> BTreeMap<(u32, u32), Vec<(f64, f64)>> {
    let mut by_pair: BTreeMap<(u32, u32), Vec<f64>> = BTreeMap::new();
    for s in sightings.iter().filter(|s| s.t_s.is_finite()) {
        by_pair.entry((s.sat_id, s.object_id)).or_default().push(s.t_s);
    }
    let mut gaps = Vec::new();
    for t in by_pair.values_mut() {
        t.sort_by(f64::total_cmp);
        t.dedup();
        gaps.extend(t.windows(2).map(|w| w[1] - w[0]).filter(|g| *g > 0.0));
    }
    gaps.sort_by(f64::total_cmp);
    let cadence = if gaps.is_empty() { 1.0 } else { gaps[gaps.len() / 2] };
    let max_gap = max_gap_s.unwrap_or(2.5 * cadence);
    let h = 0.5 * cadence;
    by_pair
        .into_iter()
        .map(|(k, t)| {
            let mut iv: Vec<(f64, f64)> = Vec::new();
            let mut a = t[0];
            let mut b = t[0];
            for &x in &t[1..] {
                if x - b <= max_gap {
                    b = x;
                } else {
                    iv.push((a, b));
                    a = x;
                    b = x;
                }
            }
            iv.push((a, b));
            // Widen, clip, and merge any windows the widening made overlap.
            let mut merged: Vec<(f64, f64)> = Vec::new();
            for (a, b) in iv {
                let (a, b) = ((a - h).max(t_start_s), (b + h).min(t_end_s));
                match merged.last_mut() {
                    Some(last) if a <= last.1 => last.1 = last.1.max(b),
                    _ => merged.push((a, b)),
                }
            }
            (k, merged)
        })
        .collect()
}
