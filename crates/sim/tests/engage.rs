//! Fire control in the run (the engage stage), checked on the built-in
//! `boost-defence-demo` and variants of it:
//!
//! * engagements start only after the target track shows fire-control quality plus the
//!   decision time (read back from the `tracks` table), kills end their truth object at
//!   the kill time (the `truth` table), and the summary's figures add up;
//! * a laser without line of sight (GEO, far side of the Earth), or with its altitude
//!   floor above any boost altitude, is never engaged, while the same laser with line
//!   of sight and a low floor is;
//! * the run's bytes do not depend on the thread count.

use std::collections::BTreeMap;
use std::path::Path;
use tl_io::read_run_table;
use tl_io::tables::{ENGAGEMENTS, FLYOUTS, TRACKS, TRUTH};
use tl_sim::builtin;
use tl_sim::run::{RunOptions, run};
use tl_sim::scenario::{Prepared, Source, load};

fn demo_text() -> &'static str {
    builtin::get("boost-defence-demo").expect("built-in").text
}

fn prepared(text: &str) -> Prepared {
    load(&Source::builtin("variant", text)).unwrap_or_else(|e| panic!("{e}"))
}

fn run_in(p: &Prepared, dir: &Path, threads: usize) -> tl_sim::run::RunReport {
    let mut o = RunOptions::new(dir);
    o.threads = Some(threads);
    run(p, &o).unwrap_or_else(|e| panic!("{e}"))
}

/// The demo with its weapon tables replaced by `weapons` (and constellations added).
fn with_weapons(extra_constellations: &str, weapons: &str) -> String {
    let text = demo_text();
    let start = text.find("[[weapon]]").expect("the demo has weapons");
    let end = text.find("[fire_control]").expect("the demo has [fire_control]");
    format!("{}{extra_constellations}\n{weapons}\n{}", &text[..start], &text[end..])
}

fn engagement_count(p: &Prepared) -> u64 {
    let dir = tempfile::tempdir().unwrap();
    let r = run_in(p, &dir.path().join("run"), 2);
    let s = &r.summary.stages["engage"];
    s["engagements"].as_u64().unwrap()
}

#[test]
fn engagements_follow_fire_control_quality_and_decision_time_and_kills_end_truth() {
    let p = prepared(demo_text());
    let decision = p.scenario.fire_control.decision_time_s;
    let dir = tempfile::tempdir().unwrap();
    let r = run_in(&p, &dir.path().join("run"), 2);
    let out = &r.out_dir;
    let eng = read_run_table(out, &ENGAGEMENTS).unwrap();
    assert!(eng.len() >= 2, "the demo engages: {} engagements", eng.len());
    // First fire-control-quality time of each track, from the tracks table (every step).
    let tr = read_run_table(out, &TRACKS).unwrap();
    let (tt, tid, fcq) =
        (tr.f64("t_s").unwrap(), tr.u32("track_id").unwrap(), tr.bool("fire_control_quality").unwrap());
    let mut first_fcq: BTreeMap<u32, f64> = BTreeMap::new();
    for i in 0..tr.len() {
        if fcq[i] {
            let e = first_fcq.entry(tid[i]).or_insert(tt[i]);
            *e = e.min(tt[i]);
        }
    }
    let (target, assign, end) =
        (eng.i64("target_track_id").unwrap(), eng.f64("assign_t_s").unwrap(), eng.f64("end_t_s").unwrap());
    let (outcome, truth, margin) = (
        eng.str("outcome").unwrap(),
        eng.i64("truth_object_id").unwrap(),
        eng.f64("margin_before_burnout_s").unwrap(),
    );
    for i in 0..eng.len() {
        let f = first_fcq.get(&(target[i] as u32)).copied();
        assert!(
            f.is_some_and(|f| assign[i] >= f + decision - 1e-9),
            "engagement {i} at {} on track {}: first FCQ {f:?} + decision {decision} s",
            assign[i],
            target[i]
        );
        assert!(outcome[i] == "kill" || outcome[i] == "miss", "{}", outcome[i]);
        assert!(end[i] >= assign[i], "engagement {i} ends at {} before its start {}", end[i], assign[i]);
    }
    // Each kill: margin before the true burnout >= 0, and the object stops existing in
    // the truth table at the kill time.
    let truth_t = read_run_table(out, &TRUTH).unwrap();
    let (ot, oid) = (truth_t.f64("t_s").unwrap(), truth_t.u32("object_id").unwrap());
    let mut kills = 0;
    for i in (0..eng.len()).filter(|&i| outcome[i] == "kill") {
        kills += 1;
        assert!(margin[i] >= 0.0, "a kill counts only before burnout: {}", margin[i]);
        let last =
            (0..truth_t.len()).filter(|&k| oid[k] as i64 == truth[i]).map(|k| ot[k]).fold(f64::MIN, f64::max);
        assert!(
            last <= end[i] + 1e-9 && last > end[i] - p.scenario.step_s - 1e-9,
            "object {} last seen {last}, killed {}",
            truth[i],
            end[i]
        );
    }
    // The summary adds up.
    let s = &r.summary.stages["engage"];
    assert_eq!(s["engagements"].as_u64().unwrap(), eng.len() as u64);
    assert_eq!(s["kills"].as_u64().unwrap(), kills);
    assert_eq!(s["kills"].as_u64().unwrap() + s["misses"].as_u64().unwrap(), eng.len() as u64);
    assert_eq!(
        s["leakers"].as_u64().unwrap() + s["boosters_killed"].as_u64().unwrap(),
        p.scenario.launches.len() as u64
    );
    assert_eq!(s["kill_margins_before_burnout_s"].as_array().unwrap().len() as u64, kills);
    assert_eq!(
        r.summary.stages["threat"]["kills_applied"].as_u64().unwrap(),
        s["objects_killed"].as_u64().unwrap()
    );
    // Fly-outs: only for interceptor engagements, from ignition to the planned intercept.
    let fly = read_run_table(out, &FLYOUTS).unwrap();
    let layer = eng.str("layer").unwrap();
    for &id in fly.u32("engagement_id").unwrap() {
        assert_eq!(layer[id as usize], "sbi");
    }
}

#[test]
fn lasers_never_engage_without_line_of_sight_or_below_their_floor() {
    let geo = |lon: &str| {
        format!(
            "[[constellation]]\nname = \"geo-lasers\"\n[constellation.orbit]\nkind = \"geo\"\nlongitudes_deg = [{lon}]\n"
        )
    };
    // A laser strong enough to kill from GEO in seconds, with unlimited range: only
    // the line of sight can stop it.
    let geo_laser = "[[weapon]]\nname = \"geo-sbl\"\nconstellation = \"geo-lasers\"\nkind = \"laser\"\n\
                     power_mw = 5000.0\naperture_m = 20.0\nmax_range_km = 100000.0\n";
    let near = prepared(&with_weapons(&geo("125.0, 60.0"), geo_laser));
    let far = prepared(&with_weapons(&geo("-55.0, -120.0"), geo_laser));
    assert!(engagement_count(&near) >= 1, "control: with line of sight the GEO laser engages");
    assert_eq!(engagement_count(&far), 0, "no line of sight from the far side of the Earth");
    // The demo's LEO lasers alone, with the 15 km floor (control) and with a floor at
    // 1,500 km, above any boost of the catalogue.
    let leo = |floor: &str| {
        format!(
            "[[weapon]]\nname = \"sbl\"\nconstellation = \"laser-layer\"\nkind = \"laser\"\npower_mw = 5.0\n\
             aperture_m = 4.0\nmax_range_km = 4000.0\nmin_target_alt_km = {floor}\n"
        )
    };
    assert!(engagement_count(&prepared(&with_weapons("", &leo("15.0")))) >= 1, "control: LEO lasers engage");
    assert_eq!(engagement_count(&prepared(&with_weapons("", &leo("1500.0")))), 0, "floor above every boost");
}

#[test]
fn the_demo_gives_the_same_bytes_with_1_or_2_threads() {
    let p = prepared(demo_text());
    let base = tempfile::tempdir().unwrap();
    let a = run_in(&p, &base.path().join("a"), 1);
    let b = run_in(&p, &base.path().join("b"), 2);
    let files = |d: &Path| {
        let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file() && p.file_name().unwrap() != "timing.json")
            .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
            .collect();
        v.sort();
        v
    };
    let (fa, fb) = (files(&a.out_dir), files(&b.out_dir));
    assert!(fa.iter().any(|(n, _)| n == "engagements.parquet"));
    assert_eq!(fa.len(), fb.len());
    for ((na, ba), (nb, bb)) in fa.iter().zip(&fb) {
        assert_eq!(na, nb);
        assert!(ba == bb, "{na} differs between 1 and 2 threads");
    }
}
