//! Live CZML: packets built step by step while a simulation runs, for the viewer's live
//! playback. The first batch holds the document (clock) and layer packets; each
//! entity's first packet carries its graphics and interpolation settings, later packets
//! only add position samples (Cesium merges samples into the existing property).
//!
//! Positions are sent at most every `spacing_s` of simulated time per entity, so a fast
//! step does not flood the browser.

use crate::czml::{LAYERS, footprint};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use tl_core::time::{Epoch, add_seconds, format_epoch_utc};

/// One satellite's state handed to [`LiveCzml::step`].
#[derive(Clone, Debug, PartialEq)]
pub struct LiveSatellite<'a> {
    /// Satellite id.
    pub id: u32,
    /// Display name.
    pub name: &'a str,
    /// Constellation name (colour group).
    pub group: &'a str,
    /// Position, ECEF, m.
    pub pos_ecef_m: [f64; 3],
}

/// One truth object's state handed to [`LiveCzml::objects`].
#[derive(Clone, Debug, PartialEq)]
pub struct LiveObject<'a> {
    /// Object id.
    pub id: u32,
    /// Launch id.
    pub launch_id: &'a str,
    /// Kind name.
    pub kind: &'a str,
    /// Phase name.
    pub phase: &'a str,
    /// Position, ECEF, m.
    pub pos_ecef_m: [f64; 3],
}

/// One confirmed track's state handed to [`LiveCzml::tracks`] (no truth).
#[derive(Clone, Debug, PartialEq)]
pub struct LiveTrack<'a> {
    /// Track id.
    pub id: u64,
    /// Estimated phase name (`boost-k`, `post-boost`, `midcourse`, `reentry`).
    pub phase: &'a str,
    /// Estimated position, ECEF, m.
    pub pos_ecef_m: [f64; 3],
    /// Radius of the uncertainty sphere drawn around it, m (e.g. 2 x the largest position
    /// standard deviation).
    pub radius_m: f64,
}

/// A satellite detecting a truth object at the current step (display only), for
/// [`LiveCzml::sightings`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LiveSighting {
    /// Satellite id.
    pub sat_id: u32,
    /// Truth object id.
    pub object_id: u32,
}

/// One engagement as known at the current step, for [`LiveCzml::engagements`].
#[derive(Clone, Debug, PartialEq)]
pub struct LiveEngagement<'a> {
    /// Engagement id.
    pub id: u32,
    /// Weapon layer name.
    pub layer: &'a str,
    /// Laser (a beam to the target track) or interceptor (a fly-out).
    pub laser: bool,
    /// Carrier satellite id.
    pub carrier_sat_id: u32,
    /// Target track id.
    pub target_track_id: u64,
    /// Fire order or start of slewing, s.
    pub fire_t_s: f64,
    /// Planned end (intercept or kill), s.
    pub planned_end_t_s: f64,
    /// Actual end, s; NaN while under way.
    pub end_t_s: f64,
    /// `pending`, `kill` or `miss`.
    pub outcome: &'a str,
    /// Interceptor fly-out `(t s, ECEF m)`; empty for lasers.
    pub flyout_ecef_m: &'a [(f64, [f64; 3])],
}

/// Builds the live CZML batches of one run.
#[derive(Debug)]
pub struct LiveCzml {
    name: String,
    epoch: Epoch,
    t_end_s: f64,
    speed: f64,
    spacing_s: f64,
    last_sent: BTreeMap<String, f64>,
    groups: Vec<String>,
    /// Per object: (current phase, segment index).
    segments: BTreeMap<u32, (String, usize)>,
    /// Tracks drawn and not yet closed: id -> (first time s, phase).
    live_tracks: BTreeMap<u64, (f64, String)>,
    /// Lines of sight drawn: (sat, object) -> (interval start s, last seen s, interval
    /// end sent s).
    los: BTreeMap<LiveSighting, (f64, f64, f64)>,
    /// Engagements drawn: id -> outcome sent.
    engaged: BTreeMap<u32, String>,
}

const SAT_RGBA: [[u8; 4]; 6] = [
    [120, 200, 255, 255],
    [170, 255, 170, 255],
    [255, 210, 120, 255],
    [220, 170, 255, 255],
    [255, 255, 255, 255],
    [150, 230, 230, 255],
];

impl LiveCzml {
    /// A builder for run `name` from `epoch` over `[0, t_end_s]`, played at `speed`
    /// simulated seconds per wall-clock second, with samples at most every `spacing_s`.
    pub fn new(name: &str, epoch: Epoch, t_end_s: f64, speed: f64, spacing_s: f64) -> Self {
        Self {
            name: name.to_string(),
            epoch,
            t_end_s,
            speed,
            spacing_s,
            last_sent: BTreeMap::new(),
            groups: Vec::new(),
            segments: BTreeMap::new(),
            live_tracks: BTreeMap::new(),
            los: BTreeMap::new(),
            engaged: BTreeMap::new(),
        }
    }

    /// Display lag the viewer should keep behind the newest sample, s: interpolation
    /// needs samples on both sides of the displayed time.
    pub fn lag_s(&self) -> f64 {
        2.0 * self.spacing_s
    }

    fn iso(&self, t: f64) -> String {
        format_epoch_utc(add_seconds(self.epoch, t))
    }

    /// The first batch: document packet (clock) and the layer packets.
    pub fn start(&self) -> Vec<Value> {
        let mut out = vec![json!({
            "id": "document",
            "name": self.name,
            "version": "1.0",
            "clock": {
                "interval": format!("{}/{}", self.iso(0.0), self.iso(self.t_end_s)),
                "currentTime": self.iso(0.0),
                "multiplier": self.speed,
                "range": "CLAMPED",
                "step": "SYSTEM_CLOCK_MULTIPLIER"
            }
        })];
        for (id, name) in LAYERS {
            out.push(json!({"id": id, "name": name}));
        }
        out
    }

    fn due(&mut self, id: &str, t_s: f64) -> Option<bool> {
        match self.last_sent.get(id) {
            None => {
                self.last_sent.insert(id.to_string(), t_s);
                Some(true)
            }
            Some(&last) if t_s - last >= self.spacing_s * (1.0 - 1e-9) || t_s >= self.t_end_s => {
                self.last_sent.insert(id.to_string(), t_s);
                Some(false)
            }
            _ => None,
        }
    }

    /// [`Self::due`], except that a phase change (`changed == Some(true)`) is due at
    /// once (as a later packet: `Some(false)`).
    fn due_or_changed(&mut self, id: &str, t_s: f64, changed: Option<bool>) -> Option<bool> {
        if changed == Some(true) {
            self.last_sent.insert(id.to_string(), t_s);
            Some(false)
        } else {
            self.due(id, t_s)
        }
    }

    fn sample(&self, t_s: f64, p: [f64; 3]) -> Value {
        json!({"epoch": format_epoch_utc(self.epoch), "cartesian": [t_s, p[0].round(), p[1].round(), p[2].round()]})
    }

    /// Packets for the satellites at `t_s`: new satellites' full packets, and a position
    /// sample (satellite and footprint) for each satellite whose last sample is at least
    /// `spacing_s` old.
    pub fn satellites(&mut self, t_s: f64, sats: &[LiveSatellite<'_>]) -> Vec<Value> {
        let mut out = Vec::new();
        for s in sats {
            let id = format!("sat/{}", s.id);
            let Some(first) = self.due(&id, t_s) else { continue };
            let (centre, radius) = footprint(&s.pos_ecef_m, None);
            if first {
                let g = match self.groups.iter().position(|g| g == s.group) {
                    Some(i) => i,
                    None => {
                        self.groups.push(s.group.to_string());
                        self.groups.len() - 1
                    }
                };
                let rgba = SAT_RGBA[g % SAT_RGBA.len()];
                let mut pos = self.sample(t_s, s.pos_ecef_m);
                pos["referenceFrame"] = json!("FIXED");
                pos["interpolationAlgorithm"] = json!("LAGRANGE");
                pos["interpolationDegree"] = json!(5);
                out.push(json!({
                    "id": id, "name": s.name, "parent": "layer/satellites",
                    "position": pos,
                    "point": {"pixelSize": 7, "color": {"rgba": rgba}, "outlineColor": {"rgba": [0, 0, 0, 255]}, "outlineWidth": 1},
                    "path": {"width": 1, "leadTime": 0, "trailTime": 5400, "resolution": 120,
                        "material": {"solidColor": {"color": {"rgba": [rgba[0], rgba[1], rgba[2], 110]}}}},
                    "label": {"text": s.name, "font": "11px sans-serif", "fillColor": {"rgba": rgba},
                        "pixelOffset": {"cartesian2": [8, -8]}, "horizontalOrigin": "LEFT",
                        "distanceDisplayCondition": {"distanceDisplayCondition": [0, 2.5e7]}}
                }));
                let mut fpos = self.sample(t_s, centre);
                fpos["referenceFrame"] = json!("FIXED");
                fpos["interpolationAlgorithm"] = json!("LAGRANGE");
                fpos["interpolationDegree"] = json!(5);
                out.push(json!({
                    "id": format!("fp/{}", s.id), "name": format!("{} footprint", s.name), "parent": "layer/footprints",
                    "position": fpos,
                    "ellipse": {"semiMajorAxis": radius.round(), "semiMinorAxis": radius.round(), "height": 0, "granularity": 0.03,
                        "material": {"solidColor": {"color": {"rgba": [rgba[0], rgba[1], rgba[2], 28]}}}}
                }));
            } else {
                out.push(json!({"id": id, "position": self.sample(t_s, s.pos_ecef_m)}));
                out.push(json!({"id": format!("fp/{}", s.id), "position": self.sample(t_s, centre)}));
            }
        }
        out
    }

    /// Packets for the truth objects at `t_s`: a point per object coloured by its
    /// current phase and a trail per flight-phase segment (as in the file CZML). A phase
    /// change is always sent at once; otherwise samples follow the spacing.
    pub fn objects(&mut self, t_s: f64, objects: &[LiveObject<'_>]) -> Vec<Value> {
        let mut out = Vec::new();
        for o in objects {
            let id = format!("obj/{}", o.id);
            let changed = self.segments.get(&o.id).map(|(p, _)| p.as_str() != o.phase);
            let Some(first) = self.due_or_changed(&id, t_s, changed) else { continue };
            let rgba = crate::czml::phase_rgba(o.phase);
            let mut pos = self.sample(t_s, o.pos_ecef_m);
            if first {
                pos["referenceFrame"] = json!("FIXED");
                pos["interpolationAlgorithm"] = json!("LAGRANGE");
                pos["interpolationDegree"] = json!(5);
                out.push(json!({
                    "id": id, "name": format!("object {} ({}, launch {})", o.id, o.kind, o.launch_id),
                    "parent": "layer/truth", "position": pos,
                    "point": {"pixelSize": 8, "color": {"rgba": rgba}, "outlineColor": {"rgba": [0, 0, 0, 255]}, "outlineWidth": 1}
                }));
            } else {
                let mut p = json!({"id": id, "position": pos});
                if changed == Some(true) {
                    p["point"] = json!({"color": {"rgba": rgba}});
                }
                out.push(p);
            }
            // The segment trail: a new entity when the phase changes (starting where the
            // previous one ended), else one more sample.
            let (seg, new_seg) = match self.segments.get(&o.id) {
                None => (0, true),
                Some((p, k)) if p != o.phase => (k + 1, true),
                Some((_, k)) => (*k, false),
            };
            let seg_id = format!("obj/{}/seg/{seg}", o.id);
            if new_seg {
                if seg > 0 {
                    // close the previous segment at this point so segments join
                    out.push(json!({"id": format!("obj/{}/seg/{}", o.id, seg - 1), "position": self.sample(t_s, o.pos_ecef_m)}));
                }
                let mut sp = self.sample(t_s, o.pos_ecef_m);
                sp["referenceFrame"] = json!("FIXED");
                sp["interpolationAlgorithm"] = json!("LAGRANGE");
                sp["interpolationDegree"] = json!(5);
                sp["forwardExtrapolationType"] = json!("HOLD");
                out.push(json!({
                    "id": seg_id, "name": format!("object {} {}", o.id, o.phase), "parent": "layer/truth", "position": sp,
                    "path": {"width": 2, "leadTime": 0, "trailTime": self.t_end_s + 1.0, "resolution": 10,
                        "material": {"solidColor": {"color": {"rgba": rgba}}}}
                }));
                self.segments.insert(o.id, (o.phase.to_string(), seg));
            } else {
                out.push(json!({"id": seg_id, "position": self.sample(t_s, o.pos_ecef_m)}));
            }
        }
        out
    }

    fn interval(&self, a: f64, b: f64) -> String {
        format!("{}/{}", self.iso(a), self.iso(b.max(a)))
    }

    /// Packets for the confirmed tracks at `t_s`: a new track's full packet (point
    /// coloured by phase, label, trail, uncertainty sphere), position and radius samples
    /// at the spacing (a phase change at once), and for a track no longer reported an
    /// availability that ends at `t_s`.
    pub fn tracks(&mut self, t_s: f64, tracks: &[LiveTrack<'_>]) -> Vec<Value> {
        let mut out = Vec::new();
        for tr in tracks {
            let id = format!("track/{}", tr.id);
            let changed = self.live_tracks.get(&tr.id).map(|(_, p)| p.as_str() != tr.phase);
            let Some(first) = self.due_or_changed(&id, t_s, changed) else { continue };
            let rgba = crate::czml::phase_rgba(tr.phase);
            let r = tr.radius_m.max(1.0).round();
            let radii = json!({"epoch": format_epoch_utc(self.epoch), "cartesian": [t_s, r, r, r]});
            let mut pos = self.sample(t_s, tr.pos_ecef_m);
            if first {
                self.live_tracks.insert(tr.id, (t_s, tr.phase.to_string()));
                pos["referenceFrame"] = json!("FIXED");
                pos["interpolationAlgorithm"] = json!("LINEAR");
                pos["forwardExtrapolationType"] = json!("HOLD");
                let mut radii = radii;
                radii["interpolationAlgorithm"] = json!("LINEAR");
                radii["forwardExtrapolationType"] = json!("HOLD");
                out.push(json!({
                    "id": id, "name": format!("track {}", tr.id), "parent": "layer/tracks",
                    "description": format!("estimated track {}", tr.id),
                    "availability": self.interval(t_s, self.t_end_s),
                    "position": pos,
                    "point": crate::czml::track_point(json!({"rgba": rgba})),
                    "label": crate::czml::track_label(tr.id),
                    "ellipsoid": {"radii": radii, "fill": true, "outline": false,
                        "material": {"solidColor": {"color": {"rgba": [rgba[0], rgba[1], rgba[2], 70]}}}},
                    "path": {"width": 1, "leadTime": 0, "trailTime": 600, "resolution": 10,
                        "material": {"solidColor": {"color": {"rgba": [255, 255, 255, 150]}}}}
                }));
            } else {
                let mut p = json!({"id": id, "position": pos, "ellipsoid": {"radii": radii}});
                if changed == Some(true) {
                    p["point"] = json!({"color": {"rgba": rgba}});
                    p["ellipsoid"]["material"] =
                        json!({"solidColor": {"color": {"rgba": [rgba[0], rgba[1], rgba[2], 70]}}});
                    if let Some(e) = self.live_tracks.get_mut(&tr.id) {
                        e.1 = tr.phase.to_string();
                    }
                }
                out.push(p);
            }
        }
        let now: std::collections::BTreeSet<u64> = tracks.iter().map(|t| t.id).collect();
        let gone: Vec<u64> = self.live_tracks.keys().filter(|k| !now.contains(k)).copied().collect();
        for k in gone {
            if let Some((t0, _)) = self.live_tracks.remove(&k) {
                out.push(json!({"id": format!("track/{k}"), "availability": self.interval(t0, t_s)}));
            }
        }
        out
    }

    /// Packets for the lines of sight at `t_s` (display only: the truth object a
    /// detection came from). A pair seen again within `hold_s` of its last sighting
    /// keeps its interval, which is extended (by `max(hold_s, spacing_s)`, so at most
    /// about one packet per spacing) before it runs out; after a longer gap a new interval
    /// starts. The line joins the satellite and object entities, so both must be sent.
    pub fn sightings(&mut self, t_s: f64, seen: &[LiveSighting], hold_s: f64) -> Vec<Value> {
        let mut out = Vec::new();
        let mut seen: Vec<LiveSighting> = seen.to_vec();
        seen.sort();
        seen.dedup();
        let ext = hold_s.max(self.spacing_s);
        for s in seen {
            let id = format!("los/{}/{}", s.sat_id, s.object_id);
            match self.los.get(&s).copied() {
                Some((a, last, until)) if t_s - last <= hold_s => {
                    let until = if t_s + hold_s > until {
                        out.push(json!({"id": id, "availability": self.interval(a, t_s + ext)}));
                        t_s + ext
                    } else {
                        until
                    };
                    self.los.insert(s, (a, t_s, until));
                }
                prev => {
                    self.los.insert(s, (t_s, t_s, t_s + ext));
                    let mut p = json!({"id": id, "availability": self.interval(t_s, t_s + ext)});
                    if prev.is_none() {
                        p["name"] = json!(format!("sat {} sees object {}", s.sat_id, s.object_id));
                        p["parent"] = json!("layer/los");
                        p["polyline"] = json!({
                            "positions": {"references": [format!("sat/{}#position", s.sat_id), format!("obj/{}#position", s.object_id)]},
                            "width": 1, "arcType": "NONE",
                            "material": {"solidColor": {"color": {"rgba": [255, 255, 120, 160]}}}
                        });
                    }
                    out.push(p);
                }
            }
        }
        out
    }

    /// Packets for the engagements at `t_s`: a new engagement is drawn from its fire
    /// time to its planned end (a laser beam from the carrier to the target track, or an
    /// interceptor along its planned fly-out); once resolved, its interval ends at the
    /// actual end and its name gives the outcome.
    pub fn engagements(&mut self, _t_s: f64, engs: &[LiveEngagement<'_>]) -> Vec<Value> {
        let mut out = Vec::new();
        for e in engs {
            let sent = self.engaged.get(&e.id).map(String::as_str);
            if sent == Some(e.outcome) {
                continue;
            }
            let id = format!("eng/{}", e.id);
            let end = if e.end_t_s.is_finite() { e.end_t_s } else { e.planned_end_t_s };
            let name = format!(
                "{} {} track {} ({})",
                e.layer,
                if e.laser { "lasing" } else { "interceptor at" },
                e.target_track_id,
                e.outcome
            );
            if sent.is_none() {
                let mut p = json!({"id": id, "name": name, "parent": "layer/engagements",
                    "availability": self.interval(e.fire_t_s, end)});
                if e.laser || e.flyout_ecef_m.is_empty() {
                    p["polyline"] = json!({
                        "positions": {"references": [format!("sat/{}#position", e.carrier_sat_id), format!("track/{}#position", e.target_track_id)]},
                        "width": if e.laser { 6 } else { 2 }, "arcType": "NONE",
                        "material": if e.laser {
                            crate::czml::laser_beam_material()
                        } else {
                            crate::czml::interceptor_line_material()
                        }
                    });
                } else {
                    let mut c = Vec::with_capacity(4 * e.flyout_ecef_m.len());
                    for (t, p) in e.flyout_ecef_m {
                        c.extend([*t, p[0].round(), p[1].round(), p[2].round()]);
                    }
                    let span = e.flyout_ecef_m.last().map(|x| x.0).unwrap_or(0.0) - e.flyout_ecef_m[0].0;
                    p["position"] = json!({"epoch": format_epoch_utc(self.epoch), "cartesian": c, "referenceFrame": "FIXED",
                        "interpolationAlgorithm": "LAGRANGE", "interpolationDegree": 3});
                    let (point, path) = crate::czml::interceptor_point_and_path(json!(span + 1.0));
                    p["point"] = point;
                    p["path"] = path;
                }
                out.push(p);
            } else {
                out.push(json!({"id": id, "name": name, "availability": self.interval(e.fire_t_s, end)}));
            }
            self.engaged.insert(e.id, e.outcome.to_string());
        }
        out
    }

    /// One SSE message: `{"t_s": newest time, "packets": [...]}` on one line.
    pub fn message(t_s: f64, packets: &[Value]) -> String {
        serde_json::to_string(&json!({"t_s": t_s, "packets": packets})).expect("CZML values serialise")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_packets_then_samples_at_the_spacing() {
        let e = tl_core::time::parse_epoch("2026-03-01T00:00:00Z").unwrap();
        let mut l = LiveCzml::new("x", e, 100.0, 10.0, 10.0);
        let start = l.start();
        assert_eq!(start[0]["id"], "document");
        assert_eq!(start.len(), 1 + LAYERS.len());
        let s = |x: f64| [LiveSatellite { id: 3, name: "s3", group: "g", pos_ecef_m: [7.0e6, x, 0.0] }];
        let a = l.satellites(0.0, &s(0.0));
        assert_eq!(a.len(), 2);
        assert_eq!(a[0]["position"]["interpolationAlgorithm"], "LAGRANGE");
        assert_eq!(a[0]["parent"], "layer/satellites");
        // Steps of 4 s: samples at 0, 12, 24, ... (the first step at least 10 s later).
        let mut times = vec![0.0];
        for k in 1..=25 {
            let t = 4.0 * k as f64;
            for p in l.satellites(t, &s(t)) {
                if p["id"] == "sat/3" {
                    assert!(p.get("point").is_none(), "later packets only add samples");
                    times.push(p["position"]["cartesian"][0].as_f64().unwrap());
                }
            }
        }
        assert_eq!(times, vec![0.0, 12.0, 24.0, 36.0, 48.0, 60.0, 72.0, 84.0, 96.0, 100.0]);
        // Objects: phase changes open a new trail segment at once.
        let o = |ph: &'static str, x: f64| {
            [LiveObject { id: 5, launch_id: "L", kind: "booster", phase: ph, pos_ecef_m: [6.4e6, x, 0.0] }]
        };
        let p0 = l.objects(0.0, &o("boost-1", 0.0));
        assert_eq!(
            p0.iter().map(|p| p["id"].as_str().unwrap()).collect::<Vec<_>>(),
            ["obj/5", "obj/5/seg/0"]
        );
        assert!(l.objects(1.0, &o("boost-1", 1.0)).is_empty(), "not due yet");
        let p2 = l.objects(2.0, &o("boost-2", 2.0));
        let ids: Vec<&str> = p2.iter().map(|p| p["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["obj/5", "obj/5/seg/0", "obj/5/seg/1"]);
        assert_eq!(p2[0]["point"]["color"]["rgba"], json!(crate::czml::phase_rgba("boost-2")));
        let m = LiveCzml::message(4.0, &a);
        assert!(m.starts_with("{\"packets\":[") || m.starts_with("{\"t_s\":"));
        assert!(!m.contains('\n'));
    }

    #[test]
    fn tracks_sightings_and_engagements() {
        let e = tl_core::time::parse_epoch("2026-03-01T00:00:00Z").unwrap();
        let mut l = LiveCzml::new("x", e, 100.0, 10.0, 10.0);
        let tr = |id: u64, ph: &'static str, x: f64| LiveTrack {
            id,
            phase: ph,
            pos_ecef_m: [6.5e6, x, 0.0],
            radius_m: 900.4,
        };
        let a = l.tracks(0.0, &[tr(1, "boost-1", 0.0)]);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0]["id"], "track/1");
        assert_eq!(a[0]["parent"], "layer/tracks");
        assert_eq!(a[0]["ellipsoid"]["radii"]["cartesian"], json!([0.0, 900.0, 900.0, 900.0]));
        assert!(l.tracks(5.0, &[tr(1, "boost-1", 5.0)]).is_empty(), "not due");
        // A phase change is sent at once, with the new colour.
        let b = l.tracks(6.0, &[tr(1, "boost-2", 6.0), tr(2, "boost-1", 0.0)]);
        assert_eq!(b.len(), 2);
        assert_eq!(b[0]["point"]["color"]["rgba"], json!(crate::czml::phase_rgba("boost-2")));
        assert_eq!(b[1]["id"], "track/2");
        // Track 1 dropped: its availability closes at t = 20.
        let c = l.tracks(20.0, &[tr(2, "boost-1", 20.0)]);
        let close = c.iter().find(|p| p["id"] == "track/1").unwrap();
        assert_eq!(close["availability"], "2026-03-01T00:00:00.000Z/2026-03-01T00:00:20.000Z");

        // Lines of sight: a new pair gets the polyline; seen again within the hold it
        // is extended at the spacing; after a gap a new interval starts.
        let s = |t| l_sight(t);
        fn l_sight(_t: f64) -> [LiveSighting; 2] {
            [LiveSighting { sat_id: 3, object_id: 7 }, LiveSighting { sat_id: 3, object_id: 7 }]
        }
        let p = l.sightings(0.0, &s(0.0), 2.0);
        assert_eq!(p.len(), 1, "duplicates merged");
        assert_eq!(p[0]["polyline"]["positions"]["references"], json!(["sat/3#position", "obj/7#position"]));
        // Sent until 0 + max(hold 2, spacing 10) = 10: no packet while that covers t + hold.
        assert_eq!(p[0]["availability"], "2026-03-01T00:00:00.000Z/2026-03-01T00:00:10.000Z");
        for t in [1.0, 3.0, 5.0, 7.0] {
            assert!(l.sightings(t, &s(t), 2.0).is_empty(), "t {t}");
        }
        let p = l.sightings(9.0, &s(9.0), 2.0);
        assert_eq!(p.len(), 1);
        assert!(p[0].get("polyline").is_none());
        assert_eq!(p[0]["availability"], "2026-03-01T00:00:00.000Z/2026-03-01T00:00:19.000Z");
        // After a gap longer than the hold: a new interval.
        let p = l.sightings(30.0, &s(30.0), 2.0);
        assert_eq!(p[0]["availability"], "2026-03-01T00:00:30.000Z/2026-03-01T00:00:40.000Z");

        // Engagements: drawn once when pending, updated once when resolved.
        let fly = [(10.0, [7.0e6, 0.0, 0.0]), (20.0, [6.9e6, 1.0e5, 0.0])];
        let eng = |outcome: &'static str, end: f64| LiveEngagement {
            id: 4,
            layer: "sbi",
            laser: false,
            carrier_sat_id: 3,
            target_track_id: 2,
            fire_t_s: 10.0,
            planned_end_t_s: 20.0,
            end_t_s: end,
            outcome,
            flyout_ecef_m: &fly,
        };
        let p = l.engagements(10.0, &[eng("pending", f64::NAN)]);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0]["position"]["cartesian"], json!([10.0, 7.0e6, 0.0, 0.0, 20.0, 6.9e6, 1.0e5, 0.0]));
        assert_eq!(p[0]["availability"], "2026-03-01T00:00:10.000Z/2026-03-01T00:00:20.000Z");
        assert!(l.engagements(12.0, &[eng("pending", f64::NAN)]).is_empty());
        let p = l.engagements(19.0, &[eng("kill", 19.0)]);
        assert_eq!(p.len(), 1);
        assert!(p[0]["name"].as_str().unwrap().ends_with("(kill)"));
        assert_eq!(p[0]["availability"], "2026-03-01T00:00:10.000Z/2026-03-01T00:00:19.000Z");
        // A laser is a beam to the target track.
        let laser = LiveEngagement { id: 5, laser: true, flyout_ecef_m: &[], ..eng("pending", f64::NAN) };
        let p = l.engagements(30.0, &[laser]);
        assert_eq!(
            p[0]["polyline"]["positions"]["references"],
            json!(["sat/3#position", "track/2#position"])
        );
    }
}
