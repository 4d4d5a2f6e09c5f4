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

/// The demo reduced to one launch (`launch_id`) and the given weapon tables.
fn one_launch_with_weapons(launch_id: &str, weapons: &str) -> String {
    let text = with_weapons("", weapons);
    let first = text.find("[[launch]]").expect("the demo has launches");
    let out = text.find("[output]").expect("the demo has [output]");
    let block = text[first..out]
        .split("[[launch]]")
        .find(|b| b.contains(&format!("id = \"{launch_id}\"")))
        .expect("launch in the demo");
    format!("{}[[launch]]{block}{}", &text[..first], &text[out..])
}

fn laser_layer(power_mw: f64) -> String {
    format!(
        "[[weapon]]\nname = \"sbl\"\nconstellation = \"laser-layer\"\nkind = \"laser\"\npower_mw = {power_mw}\n\
         wavelength_um = 2.7\naperture_m = 4.0\nmax_range_km = 4000.0\nmin_target_alt_km = 15.0\n\
         planning_fluence_kj_cm2 = 1.0\n"
    )
}

/// ECI position and velocity by (id, t_s in ms) from a table with `id_col`,
/// `pos_eci_*_m` and `vel_eci_*_m_s`.
type Eci = BTreeMap<(u32, i64), [f64; 6]>;

fn eci_by_id_time(t: &tl_io::table::Table, id_col: &str) -> Eci {
    let (ts, id) = (t.f64("t_s").unwrap(), t.u32(id_col).unwrap());
    let col = |n: &str| t.f64(n).unwrap();
    let c = [
        col("pos_eci_x_m"),
        col("pos_eci_y_m"),
        col("pos_eci_z_m"),
        col("vel_eci_x_m_s"),
        col("vel_eci_y_m_s"),
        col("vel_eci_z_m_s"),
    ];
    (0..t.len()).map(|i| ((id[i], (ts[i] * 1e3).round() as i64), std::array::from_fn(|k| c[k][i]))).collect()
}

/// Range between two tabulated objects at `t_s`: linear between whole-second samples,
/// or from the last sample along its velocity when the next is missing (an object
/// killed within the second; the error is under `a dt^2 / 2`, tens of metres).
fn range_at(sats: &Eci, objs: &Eci, sat: u32, obj: u32, t_s: f64) -> Option<f64> {
    let t0 = t_s.floor();
    let f = t_s - t0;
    let at = |m: &Eci, id: u32| -> Option<[f64; 3]> {
        let a = m.get(&(id, (t0 * 1e3) as i64))?;
        Some(match m.get(&(id, ((t0 + 1.0) * 1e3) as i64)) {
            Some(b) => std::array::from_fn(|k| a[k] + f * (b[k] - a[k])),
            None => std::array::from_fn(|k| a[k] + f * a[k + 3]),
        })
    };
    let (s, o) = (at(sats, sat)?, at(objs, obj)?);
    Some(((s[0] - o[0]).powi(2) + (s[1] - o[1]).powi(2) + (s[2] - o[2]).powi(2)).sqrt())
}

/// One liquid ICBM against the demo's LEO laser layer. A 5 MW laser kills it: the
/// fluence re-integrated from the closed-form intensity (`Laser::mean_intensity_w_m2`,
/// `0.8378 P / (pi r^2)`, `r = 1.2197 lambda R / D`) along the ranges of the
/// `satellites` and `truth` tables, from the end of the retarget to the kill time, is
/// the stage's catalogue lethal fluence within 0.1 % (the run's lasing integration and
/// this one differ only in step and interpolation); the kill is before burnout. A laser
/// 50 times weaker (0.1 MW) cannot: the closed-form dwell at the closest any laser satellite
/// comes to the boosting missile above the altitude floor is longer than the whole
/// boost, and the run has no kill and one leaker.
#[test]
fn an_adequate_laser_kills_one_missile_and_an_inadequate_one_cannot() {
    let launch = "salvo-3";
    let strong = prepared(&one_launch_with_weapons(launch, &laser_layer(5.0)));
    assert_eq!(strong.scenario.launches.len(), 1);
    let spec = match strong.scenario.weapons[0].build().unwrap().weapon {
        tl_engage::weapon::LayerWeapon::Laser { spec, .. } => spec,
        _ => panic!("laser expected"),
    };
    let dir = tempfile::tempdir().unwrap();
    let r = run_in(&strong, &dir.path().join("strong"), 2);
    let out = &r.out_dir;
    let eng = read_run_table(out, &ENGAGEMENTS).unwrap();
    let sats = eci_by_id_time(&read_run_table(out, &tl_io::tables::SATELLITES).unwrap(), "sat_id");
    let truth_t = read_run_table(out, &TRUTH).unwrap();
    let objs = eci_by_id_time(&truth_t, "object_id");
    let f = &strong.flights[0];
    let lethal = tl_engage::missile::stage_lethality(&f.missile, &f.objects[0]);
    let burnout = f.summary.launch_time_s + f.summary.burnout_time_s;
    let (outcome, truth, carrier) = (
        eng.str("outcome").unwrap(),
        eng.i64("truth_object_id").unwrap(),
        eng.u32("carrier_sat_id").unwrap(),
    );
    let (fire, end) = (eng.f64("fire_t_s").unwrap(), eng.f64("end_t_s").unwrap());
    let kills: Vec<usize> = (0..eng.len()).filter(|&i| outcome[i] == "kill").collect();
    assert_eq!(kills.len(), 1, "one kill: outcomes {outcome:?}");
    let k = kills[0];
    assert_eq!(truth[k], 0, "the booster is killed");
    assert!(end[k] < burnout, "kill at {} before burnout {burnout}", end[k]);
    // Re-integrate the fluence on the tabulated geometry, restarting at a stage start.
    let (stage_at_kill, threshold) = lethal.at(end[k]);
    let mut t = fire[k] + spec.retarget_s;
    if let tl_engage::laser::Lethality::PerStage(v) = &lethal {
        t = t.max(v[stage_at_kill].0);
    }
    let h: f64 = 0.01;
    let mut fluence = 0.0;
    let mut r_first = f64::NAN;
    while t < end[k] {
        let dt = h.min(end[k] - t);
        let range = range_at(&sats, &objs, carrier[k], 0, t + 0.5 * dt).expect("tabulated geometry");
        r_first = if r_first.is_nan() { range } else { r_first };
        fluence += spec.mean_intensity_w_m2(range) * dt;
        t += dt;
    }
    eprintln!(
        "laser kill: fire {} s, kill {} s, burnout {burnout} s, fluence {fluence} / {threshold} J/m^2",
        fire[k], end[k]
    );
    assert!(
        (fluence / threshold - 1.0).abs() < 1e-3,
        "fluence {fluence} J/m^2 vs lethal {threshold} J/m^2 (range {r_first} m at first light)"
    );
    let s = &r.summary.stages["engage"];
    assert_eq!((s["boosters_killed"].as_u64(), s["leakers"].as_u64()), (Some(1), Some(0)));

    // 50 times weaker: closed-form dwell at the closest approach > the whole boost.
    let weak = prepared(&one_launch_with_weapons(launch, &laser_layer(0.1)));
    let weak_spec = match weak.scenario.weapons[0].build().unwrap().weapon {
        tl_engage::weapon::LayerWeapon::Laser { spec, .. } => spec,
        _ => panic!("laser expected"),
    };
    let dir2 = tempfile::tempdir().unwrap();
    let r2 = run_in(&weak, &dir2.path().join("weak"), 2);
    let s2 = &r2.summary.stages["engage"];
    assert_eq!((s2["kills"].as_u64(), s2["leakers"].as_u64()), (Some(0), Some(1)), "{s2:?}");
    // The whole boost is in the weak run's truth (nothing killed it).
    let out2 = &r2.out_dir;
    let sats = eci_by_id_time(&read_run_table(out2, &tl_io::tables::SATELLITES).unwrap(), "sat_id");
    let truth_t = read_run_table(out2, &TRUTH).unwrap();
    let objs = eci_by_id_time(&truth_t, "object_id");
    let sat_t = read_run_table(out2, &tl_io::tables::SATELLITES).unwrap();
    let (sid, cons) = (sat_t.u32("sat_id").unwrap(), sat_t.str("constellation").unwrap());
    let lasers: std::collections::BTreeSet<u32> =
        (0..sat_t.len()).filter(|&i| cons[i] == "laser-layer").map(|i| sid[i]).collect();
    let (tt, oid, alt) =
        (truth_t.f64("t_s").unwrap(), truth_t.u32("object_id").unwrap(), truth_t.f64("alt_m").unwrap());
    let mut r_min = f64::INFINITY;
    for i in (0..truth_t.len()).filter(|&i| oid[i] == 0 && tt[i] <= burnout && alt[i] >= 15e3) {
        for &l in &lasers {
            r_min = r_min.min(range_at(&sats, &objs, l, 0, tt[i]).unwrap());
        }
    }
    let dwell_min = lethal.min_j_m2() / weak_spec.mean_intensity_w_m2(r_min);
    eprintln!("weak laser: closed-form dwell {dwell_min} s at the closest range {r_min} m");
    assert!(
        dwell_min > f.summary.burnout_time_s,
        "closed-form dwell {dwell_min} s at the closest range {r_min} m vs boost {} s",
        f.summary.burnout_time_s
    );
}
