//! The raid scenarios' machinery (not their speed: that is `tracklayer bench`, see
//! BENCHMARKS.md): launch groups expand as documented, errors point into the file, the
//! two raid scenarios share one layer, and a short slice of raid-100 runs to the same
//! bytes with 1 and 2 threads.

use std::path::Path;
use tl_core::object::ObjectKind;
use tl_sim::builtin;
use tl_sim::run::{RunOptions, run};
use tl_sim::scenario::{Source, load, parse, prepare};

fn raid100_text() -> &'static str {
    builtin::get("raid-100").unwrap().text
}

/// raid-1000 is raid-100 with ten times every group: same layer, missiles, tracker and
/// outputs, same areas and windows.
#[test]
fn raid_1000_is_raid_100_times_ten() {
    let a = parse(&builtin::get("raid-100").unwrap().source()).unwrap();
    let b = parse(&builtin::get("raid-1000").unwrap().source()).unwrap();
    assert_eq!(a.constellations, b.constellations);
    assert_eq!(a.missiles, b.missiles);
    assert_eq!(a.tracker, b.tracker);
    assert_eq!(a.output, b.output);
    assert_eq!((a.duration_s, a.step_s, a.seed), (b.duration_s, b.step_s, b.seed));
    assert_eq!(a.launch_groups.len(), b.launch_groups.len());
    for (x, y) in a.launch_groups.iter().zip(&b.launch_groups) {
        let scaled = tl_sim::scenario::LaunchGroupConfig { count: x.count * 10, ..x.clone() };
        assert_eq!(&scaled, y);
    }
    assert_eq!(a.launch_groups.iter().map(|g| g.count).sum::<u32>(), 100);
}

/// raid-100 as the issue describes it: ~300 LEO satellites near 1,000 km in shells at
/// 80-90 deg and mid-latitude inclinations, 6 GEO, 2 HEO; 100 launches within 5 minutes
/// from three regions, each with 3 RVs and 5 decoys; 10 Hz frames and 1 Hz reports.
#[test]
fn raid_100_has_the_layer_and_raid_of_the_issue() {
    let p = load(&builtin::get("raid-100").unwrap().source()).unwrap();
    let s = &p.scenario;
    assert_eq!(s.launches.len(), 100);
    assert_eq!(s.generated_launches, 100);
    let times: Vec<f64> = s.launches.iter().map(|l| l.time_s).collect();
    let (t0, t1) = times.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &t| (a.min(t), b.max(t)));
    assert!(t1 - t0 <= 300.0, "{t0} .. {t1}");
    let mut leo = 0;
    let (mut geo, mut heo) = (0, 0);
    for e in &p.satellites {
        let (r, _) = e.sat.state_eci(0.0).unwrap();
        let alt_km = (r.norm() - tl_core::consts::WGS84_A_M) / 1e3;
        let c = &s.constellations[e.constellation];
        match c.name.as_str() {
            "geo-warning" => geo += 1,
            "heo-warning" => heo += 1,
            _ => {
                leo += 1;
                assert!((900.0..1100.0).contains(&alt_km), "{alt_km}");
                let p = &c.payload[0];
                assert_eq!(p.frame_period_s.unwrap_or(0.1), 0.1);
                assert_eq!(p.report_period_s.unwrap_or(1.0), 1.0);
            }
        }
    }
    assert_eq!((leo, geo, heo), (300, 6, 2));
    let incl: Vec<f64> = s.constellations.iter().filter_map(|c| c.orbit.inclination_deg).collect();
    assert!(incl.iter().any(|&i| (80.0..=90.0).contains(&i)) && incl.iter().any(|&i| i < 60.0));
    // Three regions: site centres more than 1,000 km apart, grouped.
    let mut regions: Vec<(f64, f64)> = Vec::new();
    for g in &s.launch_groups {
        let here = tl_core::wgs84::Geodetic::from_deg(g.site_lat_deg, g.site_lon_deg, 0.0);
        let known = regions.iter().any(|&(la, lo)| {
            tl_core::wgs84::geodesic_distance_m(&here, &tl_core::wgs84::Geodetic::from_deg(la, lo, 0.0)) < 1e6
        });
        if !known {
            regions.push((g.site_lat_deg, g.site_lon_deg));
        }
    }
    assert_eq!(regions.len(), 3);
    for f in &p.flights {
        let n = |k| f.objects.iter().filter(|o| o.kind == k).count();
        assert_eq!((n(ObjectKind::ReentryVehicle), n(ObjectKind::Decoy)), (3, 5));
    }
}

/// A bad member is reported at its group's field with the line and column of the
/// group, naming the member; bad group fields likewise; nothing panics.
#[test]
fn launch_group_problems_point_into_the_file() {
    // Aim areas out of reach of an IRBM.
    let text = raid100_text()
        .replace("aim_lat_deg = 44.5\naim_lon_deg = 21.0", "aim_lat_deg = 50.0\naim_lon_deg = 5.0");
    let e = load(&Source::builtin("bad", &text)).unwrap_err().to_string();
    assert!(e.contains("launch_group[3].aim_lat_deg") && e.contains("(member me-irbm-"), "{e}");
    let line = text[..text.find("aim_lat_deg = 50.0").unwrap()].lines().count() + 1;
    assert!(e.lines().all(|l| !l.contains("launch_group[3]") || l.contains(&format!("bad:{line}:"))), "{e}");
    // Group fields.
    let text = raid100_text()
        .replacen("count = 30", "count = 0", 1)
        .replacen("window_s = 300.0", "window_s = 1900.0", 1)
        .replacen("site_radius_km = 150.0", "site_radius_km = -1.0", 1);
    let e = load(&Source::builtin("bad", &text)).unwrap_err().to_string();
    for f in [
        "launch_group[0].count = 0",
        "launch_group[0].window_s = 1900",
        "launch_group[0].site_radius_km = -1",
    ] {
        assert!(e.contains(f), "{f} missing from:\n{e}");
    }
    // A member id that clashes with a written launch.
    let text = format!(
        "{}\n[[launch]]\nid = \"nea-icbm-07\"\nmissile = \"irbm\"\nsite_lat_deg = 40.0\nsite_lon_deg = 127.0\naim_lat_deg = 20.0\naim_lon_deg = 140.0\ntime_s = 100.0\n",
        raid100_text().replace("[output]\nformat = \"parquet\"\nsample_every = 10", "")
    );
    let text = format!("{text}\n[output]\nsample_every = 10\n");
    let e = load(&Source::builtin("bad", &text)).unwrap_err().to_string();
    assert!(e.contains("launch_group[0].id") && e.contains("nea-icbm-07"), "{e}");
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.file_name().unwrap() != "timing.json")
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect();
    v.sort();
    v
}

/// A reduced raid-100 (the full layer of 308 satellites, 2 launches per group, the first
/// 120 s with the lift-offs squeezed into 60-90 s: boost): detections are made, and the
/// run folder is the same bytes with 1 and 2 threads (with 2 the tracker filters ahead
/// in parallel). The folder's `scenario.toml` keeps
/// the groups and reruns to the same bytes.
#[test]
fn a_slice_of_raid_100_runs_deterministically() {
    let src = builtin::get("raid-100").unwrap().source();
    let mut s = parse(&src).unwrap();
    s.duration_s = 120.0;
    for g in s.launch_groups.iter_mut() {
        g.count = 2;
        g.window_s = 30.0; // lift-offs within the slice
    }
    let p = prepare(s, &src).unwrap();
    let base = tempfile::tempdir().unwrap();
    let go = |name: &str, threads: usize, p: &tl_sim::scenario::Prepared| {
        let mut o = RunOptions::new(base.path().join(name));
        o.threads = Some(threads);
        run(p, &o).unwrap()
    };
    let a = go("a", 1, &p);
    let b = go("b", 2, &p);
    assert!(a.summary.stages["detections"]["detections"].as_u64().unwrap() > 100);
    assert!(files(&a.out_dir) == files(&b.out_dir), "outputs differ between 1 and 2 threads");
    // With 2 threads the 3-D filtering was done ahead in parallel (`timing.json` only).
    let ahead = |r: &tl_sim::run::RunReport, k: &str| {
        r.timing.counters["tracks"]["filtered_ahead"][k].as_u64().unwrap()
    };
    let updates = a.summary.stages["tracks"]["tracker"]["updates_3d"].as_u64().unwrap();
    assert_eq!(ahead(&a, "updates_made"), 0);
    assert!(ahead(&b, "updates_used") * 2 > updates, "{} of {updates}", ahead(&b, "updates_used"));
    let resolved = std::fs::read_to_string(a.out_dir.join("scenario.toml")).unwrap();
    assert!(resolved.contains("[[launch_group]]") && !resolved.contains("[[launch]]"));
    let again = load(&Source::from_file(&a.out_dir.join("scenario.toml")).unwrap()).unwrap();
    let c = go("c", 2, &again);
    assert!(files(&a.out_dir) == files(&c.out_dir), "the run folder does not rerun to the same bytes");
}

/// The tracker's pre-gate index is a speed setting only: a reduced raid-100 (32
/// launches, the first 300 s) gives the same bytes with the index (the default, and a
/// fine one) and without it; the index served a good part of the frames, and on each
/// of them returned every track that passed the pre-gate (checked against a full scan).
#[test]
fn the_pregate_index_changes_nothing_but_speed() {
    let src = builtin::get("raid-100").unwrap().source();
    let mut s = parse(&src).unwrap();
    s.duration_s = 300.0;
    for g in s.launch_groups.iter_mut() {
        g.count = 8;
        g.window_s = 120.0;
    }
    let base = tempfile::tempdir().unwrap();
    let go = |name: &str, grid_km: f64| {
        let mut s = s.clone();
        s.tracker.space.pregate_grid_km = grid_km;
        s.tracker.space.pregate_grid_check = true;
        let p = prepare(s, &src).unwrap();
        let mut o = RunOptions::new(base.path().join(name));
        o.threads = Some(2);
        run(&p, &o).unwrap()
    };
    let on = go("on", 300.0);
    let fine = go("fine", 60.0);
    let off = go("off", 0.0);
    let stat =
        |r: &tl_sim::run::RunReport, k: &str| r.summary.stages["tracks"]["tracker"][k].as_u64().unwrap();
    let frames = stat(&on, "frames");
    let indexed = stat(&on, "pregate_indexed_frames");
    let cands = stat(&on, "pregate_index_candidates");
    let tracks_started = stat(&on, "tracks_started");
    eprintln!("frames {frames}, indexed {indexed}, candidates {cands}, tracks started {tracks_started}");
    assert!(indexed * 4 > frames, "the index served {indexed} of {frames} frames");
    assert_eq!(stat(&off, "pregate_indexed_frames"), 0);
    // Every track the pre-gate passed was among the index's candidates.
    assert_eq!((stat(&on, "pregate_index_misses"), stat(&fine, "pregate_index_misses")), (0, 0));
    // Everything but the index's own counters and the setting (in the run folder's
    // `scenario.toml`) is the same.
    let strip = |r: &tl_sim::run::RunReport| {
        let mut v = files(&r.out_dir);
        v.retain(|(name, _)| name != "scenario.toml");
        for (name, bytes) in v.iter_mut() {
            if name == "summary.json" {
                let mut j: serde_json::Value = serde_json::from_slice(bytes).unwrap();
                let t = j["stages"]["tracks"]["tracker"].as_object_mut().unwrap();
                t.remove("pregate_indexed_frames");
                t.remove("pregate_index_candidates");
                t.remove("pregate_index_misses");
                *bytes = serde_json::to_vec(&j).unwrap();
            }
        }
        v
    };
    assert!(strip(&on) == strip(&off), "the index changed the results");
    assert!(strip(&fine) == strip(&off), "a fine index changed the results");
}
