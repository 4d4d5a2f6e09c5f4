//! CZML structure tests: the document is parsed back from its text and checked against
//! the scene it was made from, with independent references (closed-form orbits,
//! hand-computed intervals and ellipsoids).

use serde_json::Value;
use std::collections::BTreeSet;
use tl_core::time::{Epoch, parse_epoch};
use tl_viz::czml::{CzmlOptions, decimate, footprint, los_intervals, scene_to_czml_string, sigma_ellipsoid};
use tl_viz::scene::*;

fn epoch() -> Epoch {
    parse_epoch("2026-03-01T00:00:00Z").unwrap()
}

/// A circular equatorial orbit in a frame fixed to the Earth, radius `r`, angular rate
/// `w` relative to the Earth (closed form, used as the reference).
fn circ(r: f64, w: f64, phase: f64, t: f64) -> [f64; 3] {
    let a = phase + w * t;
    [r * a.cos(), r * a.sin(), 0.0]
}

const R_LEO: f64 = 7_000_000.0;

fn w_leo() -> f64 {
    // inertial mean motion minus Earth rotation: the rate seen in ECEF
    (tl_core::consts::MU_EARTH_M3_S2 / R_LEO.powi(3)).sqrt() - tl_core::consts::OMEGA_EARTH_RAD_S
}

fn sat(id: u32, group: &str, t_end: f64, dt: f64) -> Satellite {
    let n = (t_end / dt).round() as usize;
    Satellite {
        id,
        name: format!("sat-{id}"),
        group: group.into(),
        for_half_angle_rad: None,
        samples: (0..=n)
            .map(|k| {
                let t = k as f64 * dt;
                Sample { t_s: t, pos_ecef_m: circ(R_LEO, w_leo(), id as f64 * 0.7, t) }
            })
            .collect(),
    }
}

fn missile(id: u32) -> TruthObject {
    // A simple up-and-over arc with phases boost-1 (0..60), boost-2 (60..120), midcourse.
    let mut samples = Vec::new();
    let mut phases = Vec::new();
    for k in 0..=300 {
        let t = 100.0 + k as f64;
        let s = k as f64 / 300.0;
        let h = 1.0e6 * (std::f64::consts::PI * s).sin();
        let lon = 0.3 * s;
        let r = 6_378_137.0 + h;
        samples.push(Sample { t_s: t, pos_ecef_m: [r * lon.cos(), r * lon.sin(), 0.0] });
        phases.push(
            if k < 60 {
                "boost-1"
            } else if k < 120 {
                "boost-2"
            } else {
                "midcourse"
            }
            .to_string(),
        );
    }
    TruthObject { id, launch_id: "L0".into(), kind: "booster".into(), samples, phases }
}

fn parse(scene: &Scene, opts: &CzmlOptions) -> Vec<Value> {
    let text = scene_to_czml_string(scene, opts).unwrap();
    let v: Value = serde_json::from_str(&text).expect("CZML is valid JSON");
    v.as_array().expect("a JSON array of packets").clone()
}

fn packet<'a>(doc: &'a [Value], id: &str) -> &'a Value {
    doc.iter().find(|p| p["id"] == id).unwrap_or_else(|| panic!("packet {id} missing"))
}

/// Parse an ISO 8601 UTC instant from the document back to seconds since the epoch.
fn secs(iso: &str) -> f64 {
    tl_core::time::seconds_between(epoch(), parse_epoch(iso).unwrap())
}

fn interval(s: &str) -> (f64, f64) {
    let (a, b) = s.split_once('/').expect("interval a/b");
    (secs(a), secs(b))
}

/// Check every sampled `cartesian` position: FIXED frame, 4 numbers per sample,
/// strictly increasing times.
fn check_sampled(p: &Value) -> Vec<(f64, [f64; 3])> {
    let pos = &p["position"];
    assert_eq!(pos["referenceFrame"], "FIXED", "{}", p["id"]);
    let c = pos["cartesian"].as_array().unwrap();
    if pos.get("epoch").is_none() {
        assert_eq!(c.len(), 3);
        return vec![];
    }
    assert_eq!(secs(pos["epoch"].as_str().unwrap()), 0.0);
    assert_eq!(c.len() % 4, 0, "{}", p["id"]);
    let s: Vec<(f64, [f64; 3])> = c
        .chunks(4)
        .map(|q| {
            (q[0].as_f64().unwrap(), [q[1].as_f64().unwrap(), q[2].as_f64().unwrap(), q[3].as_f64().unwrap()])
        })
        .collect();
    assert!(s.windows(2).all(|w| w[1].0 > w[0].0), "{}: times increase", p["id"]);
    s
}

/// Lagrange interpolation as Cesium's LagrangePolynomialApproximation does it: the
/// `degree + 1` samples around `t`.
fn lagrange(s: &[(f64, [f64; 3])], t: f64, degree: usize) -> [f64; 3] {
    let n = degree + 1;
    let i = s.partition_point(|x| x.0 <= t).saturating_sub(1);
    let lo = i.saturating_sub(degree / 2).min(s.len() - n);
    let pts = &s[lo..lo + n];
    let mut out = [0.0; 3];
    for (j, pj) in pts.iter().enumerate() {
        let mut l = 1.0;
        for (m, pm) in pts.iter().enumerate() {
            if m != j {
                l *= (t - pm.0) / (pj.0 - pm.0);
            }
        }
        for (o, v) in out.iter_mut().zip(pj.1) {
            *o += l * v;
        }
    }
    out
}

fn demo_scene() -> Scene {
    let mut s = Scene::new("demo", epoch(), 0.0, 3600.0);
    s.satellites.push(sat(0, "A", 3600.0, 10.0));
    s.satellites.push(sat(1, "B", 3600.0, 10.0));
    s.objects.push(missile(7));
    s
}

#[test]
fn document_structure_and_layers() {
    let doc = parse(&demo_scene(), &CzmlOptions::default());
    assert_eq!(doc[0]["id"], "document");
    assert_eq!(doc[0]["version"], "1.0");
    assert_eq!(interval(doc[0]["clock"]["interval"].as_str().unwrap()), (0.0, 3600.0));
    assert_eq!(doc[0]["clock"]["currentTime"], "2026-03-01T00:00:00.000Z");
    let ids: Vec<&str> = doc.iter().map(|p| p["id"].as_str().unwrap()).collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "ids are unique");
    let layers: BTreeSet<&str> = tl_viz::czml::LAYERS.iter().map(|l| l.0).collect();
    for p in &doc[1..] {
        let id = p["id"].as_str().unwrap();
        if layers.contains(id) {
            assert!(p.get("parent").is_none());
            continue;
        }
        let parent = p["parent"].as_str().unwrap_or_else(|| panic!("{id} has a parent"));
        assert!(layers.contains(parent), "{id} -> {parent}");
        if p.get("position").is_some() {
            check_sampled(p);
        }
    }
    for id in ["sat/0", "sat/1", "fp/0", "fp/1", "obj/7", "obj/7/seg/0", "obj/7/seg/1", "obj/7/seg/2"] {
        packet(&doc, id);
    }
    assert_eq!(packet(&doc, "sat/0")["parent"], "layer/satellites");
    assert_eq!(packet(&doc, "obj/7")["parent"], "layer/truth");
    // No lines of sight without sightings, no tracks without tracks.
    assert!(!ids.iter().any(|i| i.starts_with("los/") || i.starts_with("track/")));
    // Groups get different colours.
    assert_ne!(packet(&doc, "sat/0")["point"]["color"], packet(&doc, "sat/1")["point"]["color"]);
}

#[test]
fn satellite_samples_interpolate_the_orbit_to_centimetres() {
    let doc = parse(&demo_scene(), &CzmlOptions::default());
    let p = packet(&doc, "sat/0");
    assert_eq!(p["position"]["interpolationAlgorithm"], "LAGRANGE");
    let deg = p["position"]["interpolationDegree"].as_u64().unwrap() as usize;
    let s = check_sampled(p);
    // Decimated from 361 samples at 10 s to one a minute.
    assert_eq!(s.len(), 61);
    assert_eq!((s[0].0, s[60].0), (0.0, 3600.0));
    let mut worst: f64 = 0.0;
    for k in 0..3600 {
        let t = k as f64 + 0.37;
        let a = lagrange(&s, t, deg);
        let b = circ(R_LEO, w_leo(), 0.0, t);
        let e = ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt();
        worst = worst.max(e);
    }
    // Rounding to 1 m dominates: sqrt(3) * 0.5 m at worst, interpolation adds mm.
    assert!(worst < 1.0, "worst interpolation error {worst} m");
}

#[test]
fn truth_phases_colour_and_segment_boundaries_are_kept() {
    let doc = parse(&demo_scene(), &CzmlOptions::default());
    let p = packet(&doc, "obj/7");
    let s = check_sampled(p);
    // Phase changes at t = 160 and 220 are kept although the spacing is 5 s from 100.
    for t in [100.0, 160.0, 220.0, 400.0] {
        assert!(s.iter().any(|x| x.0 == t), "sample at {t}");
    }
    let colours = p["point"]["color"].as_array().unwrap();
    let iv: Vec<(f64, f64)> = colours.iter().map(|c| interval(c["interval"].as_str().unwrap())).collect();
    assert_eq!(iv, vec![(100.0, 160.0), (160.0, 220.0), (220.0, 400.0)]);
    assert_eq!(colours[0]["rgba"], serde_json::json!(tl_viz::czml::phase_rgba("boost-1")));
    assert_eq!(colours[2]["rgba"], serde_json::json!(tl_viz::czml::phase_rgba("midcourse")));
    // Segment trails: each covers its phase plus the next phase's first sample, and stays
    // (HOLD) until the end of the run.
    let seg1 = packet(&doc, "obj/7/seg/1");
    let ss = check_sampled(seg1);
    assert_eq!((ss[0].0, ss[ss.len() - 1].0), (160.0, 220.0));
    assert_eq!(seg1["position"]["forwardExtrapolationType"], "HOLD");
    assert_eq!(interval(seg1["availability"].as_str().unwrap()), (160.0, 3600.0));
    assert_eq!(interval(p["availability"].as_str().unwrap()), (100.0, 400.0));
}

#[test]
fn lines_of_sight_exist_only_while_detected() {
    let mut scene = demo_scene();
    // Sat 0 sees object 7 every second over 120..=130 and 150..=155, and once at 300;
    // sat 1 sees it at 200..=202. Object 99 and sat 5 are not in the scene.
    let mut sg = Vec::new();
    for t in (120..=130).chain(150..=155).chain([300]) {
        sg.push(Sighting { t_s: t as f64, sat_id: 0, object_id: 7 });
    }
    for t in 200..=202 {
        sg.push(Sighting { t_s: t as f64, sat_id: 1, object_id: 7 });
    }
    sg.push(Sighting { t_s: 210.0, sat_id: 5, object_id: 7 });
    sg.push(Sighting { t_s: 210.0, sat_id: 0, object_id: 99 });
    scene.sightings = sg;
    let doc = parse(&scene, &CzmlOptions::default());
    // Cadence 1 s: windows widened by 0.5 s; gaps > 2.5 s split.
    let p = packet(&doc, "los/0/7");
    let iv: Vec<(f64, f64)> =
        p["availability"].as_array().unwrap().iter().map(|v| interval(v.as_str().unwrap())).collect();
    assert_eq!(iv, vec![(119.5, 130.5), (149.5, 155.5), (299.5, 300.5)]);
    assert_eq!(p["availability"][0], "2026-03-01T00:01:59.500Z/2026-03-01T00:02:10.500Z");
    assert_eq!(
        p["polyline"]["positions"]["references"],
        serde_json::json!(["sat/0#position", "obj/7#position"])
    );
    let p1 = packet(&doc, "los/1/7");
    assert_eq!(interval(p1["availability"][0].as_str().unwrap()), (199.5, 202.5));
    assert!(doc.iter().all(|p| p["id"] != "los/5/7" && p["id"] != "los/0/99"));

    // The rule itself, with a fixed gap and clipping at the run's ends.
    let s = [0.0, 2.0, 4.0, 10.0].map(|t| Sighting { t_s: t, sat_id: 0, object_id: 1 });
    let m = los_intervals(&s, Some(2.0), 0.0, 10.5);
    // cadence = median of gaps {2, 2, 6} = 2 -> half-window 1 s
    assert_eq!(m[&(0, 1)], vec![(0.0, 5.0), (9.0, 10.5)]);
    // A gap limit below the cadence: the widened windows overlap and are merged.
    let m = los_intervals(&s, Some(0.5), 0.0, 20.0);
    assert_eq!(m[&(0, 1)], vec![(0.0, 5.0), (9.0, 11.0)]);
}

#[test]
fn tracks_ellipsoids_impacts_and_engagements() {
    let mut scene = demo_scene();
    let cov = [1.0e6, 0.0, 0.0, 4.0e6, 0.0, 2.5e7]; // sigmas 1, 2, 5 km
    scene.tracks.push(Track {
        id: 3,
        samples: (0..=60)
            .map(|k| TrackSample {
                t_s: 130.0 + k as f64,
                pos_ecef_m: missile(7).samples[30 + k].pos_ecef_m,
                cov_ecef_m2: cov,
                phase: if k < 30 { "boost".into() } else { "midcourse".into() },
            })
            .collect(),
        impact: vec![
            ImpactEstimate {
                t_s: 150.0,
                lat_deg: 0.0,
                lon_deg: 17.0,
                semi_major_m: 50e3,
                semi_minor_m: 20e3,
                azimuth_deg: 0.0,
            },
            ImpactEstimate {
                t_s: 190.0,
                lat_deg: 0.0,
                lon_deg: 17.2,
                semi_major_m: 10e3,
                semi_minor_m: 5e3,
                azimuth_deg: 170.0,
            },
        ],
        launch: vec![LaunchEstimate { t_s: 150.0, lat_deg: 0.0, lon_deg: 0.1, radius_m: 3e3 }],
    });
    scene.engagements.push(Engagement {
        id: 1,
        weapon: "laser-1".into(),
        kind: WeaponKind::Laser,
        shooter: Shooter::Satellite(0),
        target_object_id: 7,
        t_start_s: 140.0,
        t_end_s: 150.0,
        outcome: "kill".into(),
        flyout: vec![],
    });
    scene.engagements.push(Engagement {
        id: 2,
        weapon: "gbi".into(),
        kind: WeaponKind::Interceptor,
        shooter: Shooter::Fixed { name: "site".into(), pos_ecef_m: [6_378_137.0, 0.0, 0.0] },
        target_object_id: 7,
        t_start_s: 200.0,
        t_end_s: 300.0,
        outcome: "miss".into(),
        flyout: (0..=100)
            .map(|k| Sample { t_s: 200.0 + k as f64, pos_ecef_m: [6_378_137.0 + 1e4 * k as f64, 0.0, 0.0] })
            .collect(),
    });
    let doc = parse(&scene, &CzmlOptions::default());
    let t = packet(&doc, "track/3");
    assert_eq!(t["parent"], "layer/tracks");
    assert_eq!(t["position"]["interpolationAlgorithm"], "LINEAR");
    let radii = t["ellipsoid"]["radii"]["cartesian"].as_array().unwrap();
    // 2-sigma radii, sorted: 2, 4, 10 km.
    assert_eq!(
        radii[1..4].iter().map(|v| v.as_f64().unwrap()).collect::<Vec<_>>(),
        vec![2000.0, 4000.0, 10000.0]
    );
    let colours = t["point"]["color"].as_array().unwrap();
    assert_eq!(colours.len(), 2);
    assert_eq!(interval(colours[1]["interval"].as_str().unwrap()), (160.0, 190.0));
    let imp = packet(&doc, "track/3/impact");
    let rot = imp["ellipse"]["rotation"]["number"].as_array().unwrap();
    // azimuth 0 (north) -> rotation pi/2; azimuth 170 -> pi/2 - 170 deg unwrapped by pi
    // to the nearest of the previous (-80 deg + 180 = 100 deg).
    assert!((rot[1].as_f64().unwrap() - std::f64::consts::FRAC_PI_2).abs() < 1e-5);
    assert!((rot[3].as_f64().unwrap() - 100f64.to_radians()).abs() < 1e-5, "{}", rot[3]);
    assert_eq!(interval(imp["availability"].as_str().unwrap()), (150.0, 3600.0));
    packet(&doc, "track/3/launch");
    let laser = packet(&doc, "eng/1");
    assert_eq!(interval(laser["availability"].as_str().unwrap()), (140.0, 150.0));
    assert_eq!(laser["polyline"]["positions"]["references"][0], "sat/0#position");
    assert_eq!(packet(&doc, "eng/1/end")["label"]["text"], "KILL");
    let int = packet(&doc, "eng/2");
    assert_eq!(check_sampled(int).len(), 21); // 100 s at 5 s spacing + first
    assert_eq!(packet(&doc, "eng/2/shooter")["parent"], "layer/engagements");
    assert_eq!(packet(&doc, "eng/2/end")["label"]["text"], "MISS");
}

#[test]
fn long_runs_are_decimated_to_the_cap() {
    // 6 hours, 100 satellites sampled every second, 20 missiles: 2.2 million satellite
    // samples in the scene.
    let mut scene = Scene::new("long", epoch(), 0.0, 21_600.0);
    for i in 0..100 {
        scene.satellites.push(sat(i, if i < 50 { "A" } else { "B" }, 21_600.0, 1.0));
    }
    for i in 0..20 {
        scene.objects.push(missile(1000 + i));
    }
    let text = scene_to_czml_string(&scene, &CzmlOptions::default()).unwrap();
    let mb = text.len() as f64 / 1e6;
    eprintln!("long run CZML: {mb:.2} MB");
    assert!(mb < 15.0, "{mb} MB");
    // A tighter budget widens the spacing uniformly until it fits.
    let opts = CzmlOptions { max_total_samples: 10_000, ..Default::default() };
    let doc: Vec<Value> = serde_json::from_str(&scene_to_czml_string(&scene, &opts).unwrap()).unwrap();
    let total: usize =
        doc.iter().filter_map(|p| p["position"]["cartesian"].as_array()).map(|c| c.len() / 4).sum::<usize>();
    assert!(total <= 10_000, "{total} samples");
    // still covers the whole run for every satellite
    let s = check_sampled(packet(&doc, "sat/99"));
    assert_eq!((s[0].0, s[s.len() - 1].0), (0.0, 21_600.0));
}

#[test]
fn decimation_rules() {
    let t: Vec<f64> = (0..=100).map(|k| k as f64).collect();
    assert_eq!(decimate(&t, 10.0, 1000, |_| false), (0..=10).map(|k| k * 10).collect::<Vec<_>>());
    // forced keeps and the last sample
    let k = decimate(&t[..96], 10.0, 1000, |i| i == 33);
    assert_eq!(k, vec![0, 10, 20, 30, 33, 43, 53, 63, 73, 83, 93, 95]);
    // per-entity cap
    assert!(decimate(&t, 0.1, 5, |_| false).len() <= 5);
    assert!(decimate(&[], 1.0, 5, |_| false).is_empty());
    assert_eq!(decimate(&[3.0], 1.0, 5, |_| false), vec![0]);
}

#[test]
fn ellipsoid_axes_follow_the_covariance() {
    // Covariance with sigmas (1, 2, 3) km along axes rotated 30 deg about z.
    let (c, s) = (30f64.to_radians().cos(), 30f64.to_radians().sin());
    let r = nalgebra::Matrix3::new(c, -s, 0.0, s, c, 0.0, 0.0, 0.0, 1.0);
    let d = nalgebra::Matrix3::from_diagonal(&nalgebra::Vector3::new(1e6, 4e6, 9e6));
    let p = r * d * r.transpose();
    let cov = [p[(0, 0)], p[(0, 1)], p[(0, 2)], p[(1, 1)], p[(1, 2)], p[(2, 2)]];
    let (radii, q) = sigma_ellipsoid(&cov, 2.0);
    for (a, b) in radii.iter().zip([2000.0, 4000.0, 6000.0]) {
        assert!((a - b).abs() < 1e-6, "{radii:?}");
    }
    let q = nalgebra::UnitQuaternion::from_quaternion(nalgebra::Quaternion::new(q[3], q[0], q[1], q[2]));
    // The body x axis (smallest radius) maps onto the rotated x axis, up to sign.
    let ex = q * nalgebra::Vector3::x();
    assert!((ex.dot(&r.column(0)).abs() - 1.0).abs() < 1e-9, "{ex}");
    let ez = q * nalgebra::Vector3::z();
    assert!((ez.z.abs() - 1.0).abs() < 1e-9);
}

#[test]
fn footprint_radii_match_spherical_geometry() {
    // GEO over the equator: horizon central angle acos(a / r).
    let r = 42_164_000.0;
    let (c, rad) = footprint(&[r, 0.0, 0.0], None);
    let a = tl_core::consts::WGS84_A_M;
    assert!((c[0] - a).abs() < 1.0 && c[1].abs() < 1e-6);
    assert!((rad - a * (a / r).acos()).abs() < 1.0, "{rad}");
    assert!((rad / 1e3 - 9_050.0).abs() < 10.0, "{rad}"); // 81.3 deg of arc
    // A narrow cone from LEO: for small angles the ground radius is about h * eta.
    let (_, rad) = footprint(&[a + 500e3, 0.0, 0.0], Some(0.01f64));
    assert!((rad - 500e3 * 0.01).abs() < 0.02 * 5e3, "{rad}");
    // A cone wider than the Earth's disc is limited by the horizon.
    let (_, rad_wide) = footprint(&[a + 500e3, 0.0, 0.0], Some(1.5));
    let (_, rad_h) = footprint(&[a + 500e3, 0.0, 0.0], None);
    assert_eq!(rad_wide, rad_h);
}

#[test]
fn bad_input_is_a_named_field_error() {
    let mut s = demo_scene();
    s.t_end_s = -1.0;
    let e = scene_to_czml_string(&s, &CzmlOptions::default()).unwrap_err().to_string();
    assert!(e.starts_with("t_end_s = -1"), "{e}");
    let e = scene_to_czml_string(&demo_scene(), &CzmlOptions { object_spacing_s: 0.0, ..Default::default() })
        .unwrap_err()
        .to_string();
    assert!(e.contains("object_spacing_s = 0"), "{e}");
}

#[test]
fn interceptor_without_flyout_is_a_dashed_line_while_flying() {
    let mut scene = demo_scene();
    scene.engagements.push(Engagement {
        id: 4,
        weapon: "kv".into(),
        kind: WeaponKind::Interceptor,
        shooter: Shooter::Satellite(1),
        target_object_id: 7,
        t_start_s: 150.0,
        t_end_s: 210.0,
        outcome: "kill".into(),
        flyout: vec![],
    });
    // unknown truth: nothing to point at
    scene.engagements.push(Engagement { id: 5, target_object_id: u32::MAX, ..scene.engagements[0].clone() });
    let doc = parse(&scene, &CzmlOptions::default());
    let p = packet(&doc, "eng/4");
    assert_eq!(interval(p["availability"].as_str().unwrap()), (150.0, 210.0));
    assert!(p["polyline"]["material"]["polylineDash"].is_object());
    assert_eq!(
        p["polyline"]["positions"]["references"],
        serde_json::json!(["sat/1#position", "obj/7#position"])
    );
    assert!(doc.iter().all(|p| p["id"] != "eng/5"));
}
