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

/// A `tracks` table in a run folder becomes `track/N` entities: ECI rows rotated to ECEF
/// with the run's Earth rotation, the covariance diagonal rotated (trace kept), impact
/// and launch estimates only from the rows that have them.
#[test]
fn tracks_table_is_loaded_into_the_scene_and_czml() {
    use tl_io::{Format, TableWriter, Value as Cell, WriteOptions, tables};
    let dir = tempfile::tempdir().unwrap();
    let epoch = tl_core::time::parse_epoch("2026-03-01T06:00:00Z").unwrap();
    let orbits = walker(550e3, 53.0, 2, 1, 0);
    let run = write_satellite_run(&dir.path().join("run"), "tracks", epoch, &orbits, 600.0, 10.0).unwrap();
    let mut w = TableWriter::create(&run, &tables::TRACKS, Format::Parquet, WriteOptions::default()).unwrap();
    // Track 3: two rows, the second with an impact and launch estimate; track 1: one row.
    type Row = (f64, u32, [f64; 3], [f64; 3], bool);
    let rows: [Row; 3] = [
        (100.0, 3, [6.8e6, 1.0e5, 2.0e5], [4.0e4, 9.0e4, 1.6e5], false),
        (200.0, 3, [6.7e6, 1.5e6, 3.0e5], [1.0e4, 2.5e5, 4.0e4], true),
        (150.0, 1, [-6.6e6, 2.0e6, -1.0e6], [100.0, 100.0, 100.0], false),
    ];
    for (t, id, p, var, est) in rows {
        let row: Vec<Cell> = tables::TRACKS
            .columns
            .iter()
            .map(|c| match &*c.name {
                "t_s" | "t_update_s" => Cell::F64(t),
                "track_id" => Cell::U32(id),
                "pos_eci_x_m" => Cell::F64(p[0]),
                "pos_eci_y_m" => Cell::F64(p[1]),
                "pos_eci_z_m" => Cell::F64(p[2]),
                "var_pos_x_m2" => Cell::F64(var[0]),
                "var_pos_y_m2" => Cell::F64(var[1]),
                "var_pos_z_m2" => Cell::F64(var[2]),
                "phase" => Cell::Str("midcourse"),
                "class_guess" => Cell::Str("icbm"),
                "fire_control_quality" => Cell::Bool(false),
                "n_updates" | "n_sats" => Cell::U32(4),
                "impact_lat_deg" | "launch_lat_deg" if est => Cell::F64(40.0),
                "impact_lon_deg" | "launch_lon_deg" if est => Cell::F64(-100.0),
                "impact_semi_major_2s_m" if est => Cell::F64(5000.0),
                "impact_semi_minor_2s_m" if est => Cell::F64(2000.0),
                "impact_major_azimuth_deg" if est => Cell::F64(30.0),
                "launch_pos_std_m" if est => Cell::F64(1500.0),
                _ => Cell::F64(if c.non_finite_ok { f64::NAN } else { 0.0 }),
            })
            .collect();
        w.push_row(&row).unwrap();
    }
    w.finish().unwrap();

    let scene = tl_viz::run::load_scene(&run).unwrap();
    assert_eq!(scene.tracks.iter().map(|t| t.id).collect::<Vec<_>>(), vec![1, 3]);
    let t3 = &scene.tracks[1];
    assert_eq!(t3.samples.len(), 2);
    let rot = tl_core::frames::EarthRotation::new(epoch, 0.0);
    for (s, (t, _, p, var, _)) in t3.samples.iter().zip(&rows[..2]) {
        let want = rot.at(*t).pos_to_ecef(&tl_core::Vec3::new(p[0], p[1], p[2]));
        for k in 0..3 {
            assert!((s.pos_ecef_m[k] - want[k]).abs() < 1e-6, "t {t} axis {k}");
        }
        // A rotation about z keeps the trace and the zz term.
        let c = s.cov_ecef_m2;
        assert!((c[0] + c[3] + c[5] - var.iter().sum::<f64>()).abs() < 1e-6 * var.iter().sum::<f64>());
        assert!((c[5] - var[2]).abs() < 1e-9 * var[2]);
        assert!(c[2].abs() < 1e-9 && c[4].abs() < 1e-9);
    }
    assert_eq!(t3.impact.len(), 1);
    assert_eq!(t3.impact[0].t_s, 200.0);
    assert_eq!((t3.impact[0].semi_major_m, t3.impact[0].semi_minor_m), (5000.0, 2000.0));
    assert_eq!(t3.launch.len(), 1);
    assert_eq!(t3.launch[0].radius_m, 3000.0);
    assert!(scene.tracks[0].impact.is_empty() && scene.tracks[0].launch.is_empty());

    write_run_products(&run).unwrap();
    let doc: Vec<Value> = serde_json::from_slice(&std::fs::read(run.join(CZML_FILE)).unwrap()).unwrap();
    let ids: Vec<&str> = doc.iter().map(|p| p["id"].as_str().unwrap()).collect();
    for id in ["track/1", "track/3", "track/3/impact", "track/3/launch"] {
        assert!(ids.contains(&id), "{id} in {ids:?}");
    }
    assert!(!ids.contains(&"track/1/impact"));
}

/// The report's track error is the distance to the nearest truth object flying at the
/// sample time, with the truth interpolated linearly between its samples.
#[test]
fn track_error_is_distance_to_nearest_interpolated_truth() {
    use tl_viz::scene::{Sample, Scene, Track, TrackSample, TruthObject};
    let epoch = tl_core::time::parse_epoch("2026-03-01T00:00:00Z").unwrap();
    let mut scene = Scene::new("err", epoch, 0.0, 100.0);
    let obj = |id: u32, y: f64| TruthObject {
        id,
        launch_id: "L".into(),
        kind: "booster".into(),
        samples: vec![
            Sample { t_s: 0.0, pos_ecef_m: [7.0e6, y, 0.0] },
            Sample { t_s: 10.0, pos_ecef_m: [7.0e6 + 1000.0, y, 0.0] },
        ],
        phases: vec!["boost-1".into(), "boost-1".into()],
    };
    scene.objects = vec![obj(0, 0.0), obj(1, 5.0e4)];
    let s = |t: f64, p: [f64; 3]| TrackSample {
        t_s: t,
        pos_ecef_m: p,
        cov_ecef_m2: [1.0e4, 0.0, 0.0, 1.0e4, 0.0, 1.0e4],
        phase: "boost-1".into(),
    };
    // At t = 5 the first object is at x = 7e6 + 500: the track is 30 m (y) and 40 m (z) off.
    let a = s(5.0, [7.0e6 + 500.0, 30.0, 40.0]);
    assert!((tl_viz::report::track_error_m(&scene, &a).unwrap() - 50.0).abs() < 1e-6);
    // Nearer the second object.
    let b = s(5.0, [7.0e6 + 500.0, 4.9e4, 0.0]);
    assert!((tl_viz::report::track_error_m(&scene, &b).unwrap() - 1000.0).abs() < 1e-6);
    // No truth flying at t = 20.
    assert!(tl_viz::report::track_error_m(&scene, &s(20.0, [7.0e6, 0.0, 0.0])).is_none());
    scene.tracks.push(Track { id: 4, samples: vec![a, b], ..Default::default() });
    let sections = tl_viz::report::scene_sections(&scene, &serde_json::json!({})).unwrap();
    let sec = sections.iter().find(|s| s.title == "Track accuracy").expect("track accuracy section");
    assert!(sec.html.contains("<td>T4</td><td>2</td>"));
    // Both errors (50 m, 1000 m) are within 2 sqrt(trace) = 346 m? Only the first: 50%.
    assert!(sec.html.contains("50%"), "{}", sec.html);
    // A sample with no truth flying (t = -5, huge bound) counts in neither the errors
    // nor the share within the bound: still 1 of 2 scored samples.
    let mut c = s(-5.0, [7.0e6, 0.0, 0.0]);
    c.cov_ecef_m2 = [1.0e8, 0.0, 0.0, 1.0e8, 0.0, 1.0e8];
    let a2 = s(5.0, [7.0e6 + 500.0, 30.0, 40.0]);
    let b2 = s(5.0, [7.0e6 + 500.0, 4.9e4, 0.0]);
    scene.tracks = vec![Track { id: 5, samples: vec![c, a2, b2], ..Default::default() }];
    let sections = tl_viz::report::scene_sections(&scene, &serde_json::json!({})).unwrap();
    let sec = sections.iter().find(|s| s.title == "Track accuracy").expect("track accuracy section");
    assert!(sec.html.contains("<td>T5</td><td>3</td><td>1000</td><td>50%</td>"), "{}", sec.html);
}

/// An interceptor engagement with rows in the `flyouts` table is drawn along its planned
/// fly-out (a moving `eng/N` entity with sampled positions), one without as a line.
#[test]
fn flyouts_table_gives_interceptor_flyouts() {
    use tl_io::{ColumnType, Format, TableWriter, Value as Cell, WriteOptions, tables};
    let dir = tempfile::tempdir().unwrap();
    let epoch = tl_core::time::parse_epoch("2026-03-01T06:00:00Z").unwrap();
    let orbits = walker(550e3, 53.0, 2, 1, 0);
    let run = write_satellite_run(&dir.path().join("run"), "sbi", epoch, &orbits, 600.0, 10.0).unwrap();
    let default = |c: &tl_io::Column| match c.ty {
        ColumnType::F64 => Cell::F64(0.0),
        ColumnType::I64 => Cell::I64(0),
        ColumnType::U32 => Cell::U32(0),
        ColumnType::Bool => Cell::Bool(false),
        ColumnType::Str => Cell::Str(""),
    };
    let mut w =
        TableWriter::create(&run, &tables::ENGAGEMENTS, Format::Parquet, WriteOptions::default()).unwrap();
    for id in [0u32, 1] {
        let row: Vec<Cell> = tables::ENGAGEMENTS
            .columns
            .iter()
            .map(|c| match &*c.name {
                "engagement_id" => Cell::U32(id),
                "layer" => Cell::Str("sbi"),
                "carrier_sat_id" => Cell::U32(id),
                "truth_object_id" => Cell::I64(-1),
                "fire_t_s" => Cell::F64(100.0),
                "end_t_s" => Cell::F64(160.0),
                "outcome" => Cell::Str("kill"),
                _ => default(c),
            })
            .collect();
        w.push_row(&row).unwrap();
    }
    w.finish().unwrap();
    let mut w =
        TableWriter::create(&run, &tables::FLYOUTS, Format::Parquet, WriteOptions::default()).unwrap();
    // Engagement 1 only, rows out of time order on purpose.
    for t in [160.0, 100.0, 130.0] {
        let row: Vec<Cell> = tables::FLYOUTS
            .columns
            .iter()
            .map(|c| match &*c.name {
                "engagement_id" => Cell::U32(1),
                "t_s" => Cell::F64(t),
                "pos_ecef_x_m" => Cell::F64(6.9e6 + 1000.0 * t),
                "pos_ecef_y_m" | "pos_ecef_z_m" => Cell::F64(1.0e5),
                _ => default(c),
            })
            .collect();
        w.push_row(&row).unwrap();
    }
    w.finish().unwrap();
    let scene = tl_viz::run::load_scene(&run).unwrap();
    assert_eq!(scene.engagements.len(), 2);
    assert!(scene.engagements[0].flyout.is_empty());
    let f: Vec<f64> = scene.engagements[1].flyout.iter().map(|s| s.t_s).collect();
    assert_eq!(f, vec![100.0, 130.0, 160.0]);
    assert_eq!(scene.engagements[1].flyout[1].pos_ecef_m, [6.9e6 + 130_000.0, 1.0e5, 1.0e5]);
    write_run_products(&run).unwrap();
    let doc: Vec<Value> = serde_json::from_slice(&std::fs::read(run.join(CZML_FILE)).unwrap()).unwrap();
    let eng1 = doc.iter().find(|p| p["id"] == "eng/1").expect("eng/1 drawn");
    assert!(eng1["position"]["cartesian"].as_array().unwrap().len() >= 8, "{eng1}");
}
