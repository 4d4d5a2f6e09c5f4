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
            let due = if changed == Some(true) {
                self.last_sent.insert(id.clone(), t_s);
                Some(false)
            } else {
                self.due(&id, t_s)
            };
            let Some(first) = due else { continue };
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
}
