//! The detections stage on the built-in scenarios: first detection of each launch soon
//! after its plume rises above the SWIR atmospheric floor, table consistent with the
//! summary, records usable by a tracker.

use tl_io::tables::DETECTIONS;
use tl_io::{ColumnData, Value, read_run_table};
use tl_sim::builtin;
use tl_sim::run::{RunOptions, run};
use tl_sim::scenario::load;

fn f64s<'a>(t: &'a tl_io::Table, name: &str) -> &'a [f64] {
    match t.column(name).unwrap() {
        ColumnData::F64(v) => v,
        _ => panic!("{name} is not f64"),
    }
}

#[test]
fn default_scenarios_detect_each_launch_soon_after_the_plume_clears_the_floor() {
    for name in ["tranche0-quick", "tranche1-demo"] {
        let p = load(&builtin::get(name).unwrap().source()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("run");
        let report = run(&p, &RunOptions::new(&out)).unwrap();
        let st = report
            .summary
            .stages
            .get("detections")
            .unwrap_or_else(|| panic!("stages: {:?}", report.summary.stages.keys().collect::<Vec<_>>()));
        let launches = st["launches"].as_array().unwrap();
        assert_eq!(launches.len(), p.scenario.launches.len());
        for l in launches {
            let first = l["time_from_launch_to_first_detection_s"].as_f64();
            let floor = l["plume_above_swir_floor_s"].as_f64();
            let delay = l["first_detection_after_plume_above_floor_s"].as_f64();
            eprintln!("{name}: {l}");
            let (Some(first), Some(_), Some(delay)) = (first, floor, delay) else {
                panic!("{name}: launch not detected or never above the floor: {l}");
            };
            // "within a few tens of seconds of the plume rising above the floor": a plume
            // of ~1e6 W/sr is bright enough to be seen a little below the floor height
            // (transmission e^-1 at the floor), and scanners look every 10 s.
            assert!(delay.abs() <= 30.0, "{name}: first detection {delay} s from the floor crossing: {l}");
            assert!(first > 0.0 && first < 120.0, "{name}: {first} s after launch");
        }
        // The table holds what the summary counts, and every record is usable.
        let t = read_run_table(&out, &DETECTIONS).unwrap();
        let n = st["detections"].as_u64().unwrap() as usize;
        assert_eq!(t.len(), n);
        assert!(n > 0);
        let fa = (0..n).filter(|&i| t.column("truth_id").unwrap().get(i) == Some(Value::I64(-1))).count();
        assert_eq!(fa as u64, st["false_alarms"].as_u64().unwrap());
        let (tobs, tarr) = (f64s(&t, "t_obs_s"), f64s(&t, "t_arrival_s"));
        let (c11, c12, c22) = (f64s(&t, "cov_11_rad2"), f64s(&t, "cov_12_rad2"), f64s(&t, "cov_22_rad2"));
        let (lx, ly, lz) = (f64s(&t, "los_eci_x"), f64s(&t, "los_eci_y"), f64s(&t, "los_eci_z"));
        for i in 0..n {
            assert!(tarr[i] >= tobs[i]);
            assert!(c11[i] > 0.0 && c22[i] > 0.0 && c11[i] * c22[i] > c12[i] * c12[i]);
            assert!(((lx[i] * lx[i] + ly[i] * ly[i] + lz[i] * lz[i]).sqrt() - 1.0).abs() < 1e-9);
            assert!(tobs[i] > -10.0 && tobs[i] <= p.scenario.duration_s + 10.0);
        }
    }
}
