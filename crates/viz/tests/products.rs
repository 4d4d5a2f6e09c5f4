//! Run-folder products: a synthetic run written through tl-io, read back, turned into
//! `scene.czml` and `report.html`.

use serde_json::Value;
use tl_viz::products::{CZML_FILE, REPORT_FILE, write_run_products};
use tl_viz::synthetic::{walker, write_satellite_run};

#[test]
fn satellite_only_run_gives_czml_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let epoch = tl_core::time::parse_epoch("2026-03-01T06:00:00Z").unwrap();
    let orbits = walker(550e3, 53.0, 6, 3, 1);
    let run =
        write_satellite_run(&dir.path().join("run"), "walker-demo", epoch, &orbits, 1200.0, 10.0).unwrap();
    let p = write_run_products(&run).unwrap();
    assert!(p.czml_bytes > 1000 && p.report_bytes > 1000);

    let doc: Vec<Value> = serde_json::from_slice(&std::fs::read(run.join(CZML_FILE)).unwrap()).unwrap();
    assert_eq!(doc[0]["name"], "walker-demo");
    assert_eq!(doc[0]["clock"]["interval"], "2026-03-01T06:00:00.000Z/2026-03-01T06:20:00.000Z");
    let sats: Vec<&Value> = doc.iter().filter(|p| p["id"].as_str().unwrap().starts_with("sat/")).collect();
    assert_eq!(sats.len(), 6);
    // The first CZML sample of sat 0 is the table's ECEF position, which is the closed
    // form ECI position rotated by GMST at the epoch.
    let c = sats[0]["position"]["cartesian"].as_array().unwrap();
    let (r_eci, _) = orbits[0].state_eci(0.0);
    let want = tl_core::frames::EarthRotation::new(epoch, 0.0).at(0.0).pos_to_ecef(&r_eci);
    for k in 0..3 {
        assert!((c[1 + k].as_f64().unwrap() - want[k]).abs() <= 0.5, "axis {k}");
    }
    assert!(
        (tl_core::Vec3::new(c[1].as_f64().unwrap(), c[2].as_f64().unwrap(), c[3].as_f64().unwrap()).norm()
            - (tl_core::consts::WGS84_A_M + 550e3))
            .abs()
            < 1.0
    );
    // No truth, detections, tracks or engagements: those layers have no entities.
    assert!(!doc.iter().any(|p| {
        let id = p["id"].as_str().unwrap();
        id.starts_with("obj/") || id.starts_with("los/") || id.starts_with("track/") || id.starts_with("eng/")
    }));

    let html = std::fs::read_to_string(run.join(REPORT_FILE)).unwrap();
    assert!(html.starts_with("<!doctype html>"));
    assert!(html.contains("walker-demo"));
    assert!(html.contains("@font-face{font-family:'TL Sans';src:url(data:font/ttf;base64,"));
    assert!(html.contains("data:image/png;base64,"));
    assert!(html.contains("has no truth objects, detections, tracks, engagements"));
    // Self-contained: nothing is fetched (no src/href to any URL).
    for attr in ["src=\"http", "href=\"http", "url(http", "src=\"/", "href=\"/"] {
        assert!(!html.contains(attr), "{attr}");
    }
}

#[test]
fn coverage_counts_match_geometry() {
    // One satellite over the equator at 0 lon, altitude 35786 km, Earth fixed by choosing
    // the epoch's GMST irrelevant: a single instant. Cells within ~81 deg of the
    // sub-satellite point count 1, the rest 0.
    let epoch = tl_core::time::parse_epoch("2026-03-01T00:00:00Z").unwrap();
    let mut scene = tl_viz::scene::Scene::new("geo", epoch, 0.0, 0.0);
    let r = 42_164_000.0;
    scene.satellites.push(tl_viz::scene::Satellite {
        id: 0,
        name: "geo".into(),
        group: "g".into(),
        for_half_angle_rad: None,
        samples: vec![tl_viz::scene::Sample { t_s: 0.0, pos_ecef_m: [r, 0.0, 0.0] }],
    });
    let g = tl_viz::report::footprint_coverage(&scene, 5.0, 1);
    let at = |lat: f64, lon: f64| {
        let i = ((lat + 90.0) / 5.0) as usize;
        let j = ((lon + 180.0) / 5.0) as usize;
        g.values[i * 72 + j]
    };
    assert_eq!(at(2.5, 2.5), 1.0);
    assert_eq!(at(2.5, 77.5), 1.0);
    assert_eq!(at(2.5, 87.5), 0.0);
    assert_eq!(at(2.5, -177.5), 0.0);
    assert_eq!(at(-77.5, 2.5), 1.0);
    assert_eq!(at(-87.5, 2.5), 0.0);
}

#[test]
fn a_folder_without_summary_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let e = write_run_products(dir.path()).unwrap_err().to_string();
    assert!(e.contains("summary.json") && e.contains("cannot read"), "{e}");
    std::fs::write(dir.path().join("summary.json"), "{\"scenario\": \"x\"}").unwrap();
    let e = write_run_products(dir.path()).unwrap_err().to_string();
    assert!(e.contains("`epoch_utc`"), "{e}");
}

#[test]
fn summary_tables_render_nested_figures() {
    let s: Value = serde_json::json!({
        "scenario": "x",
        "seed": 7,
        "launches": [{"id": "L1", "missile": "m", "time_s": 30.0, "figures": {"first_detection_t_s": 61.5}}],
        "stages": {"threat": {"objects": 13, "decoys": 5}, "satellites": {"final_min_alt_km": 1000.25}},
        "note": {"a": 1}
    });
    let h = tl_viz::report::summary_tables(&s);
    // launch figures become columns of the launches table
    assert!(
        h.contains("<tr><th>id</th><th>missile</th><th>time_s</th><th>first_detection_t_s</th></tr>"),
        "{h}"
    );
    assert!(h.contains("<td class=\"n\">61.5</td>"), "{h}");
    // per-stage objects become rows with a column per figure
    // (keys in JSON map order: sorted)
    assert!(
        h.contains(
            "<h3>stages</h3><table><tr><th></th><th>final_min_alt_km</th><th>decoys</th><th>objects</th></tr>"
        ),
        "{h}"
    );
    assert!(
        h.contains(
            "<tr><th>threat</th><td class=\"n\">-</td><td class=\"n\">5</td><td class=\"n\">13</td></tr>"
        ),
        "{h}"
    );
    assert!(h.contains("<h3>note</h3><table><tr><th>a</th><td class=\"n\">1</td></tr>"), "{h}");
    // text is escaped
    let h = tl_viz::report::summary_tables(&serde_json::json!({"scenario": "<script>"}));
    assert!(h.contains("&lt;script&gt;") && !h.contains("<script>"));
}

#[test]
fn record_lists_inside_stages_get_their_own_tables() {
    let s: Value = serde_json::json!({
        "stages": {"detections": {"detections": 269, "launches": [{"launch": "nk", "first_detection_t_obs_s": 77.0}]}}
    });
    let h = tl_viz::report::summary_tables(&s);
    assert!(h.contains("<tr><th></th><th>detections</th></tr>"), "{h}");
    assert!(
        h.contains(
            "<h4>detections launches</h4><table><tr><th>first_detection_t_obs_s</th><th>launch</th></tr>"
        ),
        "{h}"
    );
    assert!(h.contains("<td class=\"n\">77</td><td>nk</td>"), "{h}");
}
