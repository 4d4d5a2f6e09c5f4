//! Run the Cartesian tracker on a peer-benchmark folder (measurements.csv, params.json,
//! optional truth.csv) and write tracks.csv and result.json into an output folder.
//!
//! This example exists for the benchmark until `tracklayer track --format cartesian`
//! is available; it is the same library calls.
//!
//! `cargo run --release -p tl-track --example cartesian_run -- IN_DIR OUT_DIR [REPEATS]`

use std::time::Instant;
use tl_track::cartesian::{
    CartesianConfig, CartesianTracker, PeerParams, parse_measurements_csv, parse_truth_csv, tracks_csv,
};
use tl_track::metrics::ospa_series;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: cartesian_run IN_DIR OUT_DIR [REPEATS]");
        std::process::exit(2);
    }
    let (inp, out) = (std::path::Path::new(&args[1]), std::path::Path::new(&args[2]));
    let repeats: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(5);
    let read = |name: &str| {
        std::fs::read_to_string(inp.join(name)).unwrap_or_else(|e| {
            eprintln!("{}: {e}", inp.join(name).display());
            std::process::exit(1)
        })
    };
    let t_read = Instant::now();
    let meas = parse_measurements_csv(&read("measurements.csv"), "measurements.csv").unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1)
    });
    let params = PeerParams::parse(&read("params.json"), "params.json").unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1)
    });
    let parse_s = t_read.elapsed().as_secs_f64();
    let mut cfg = CartesianConfig::default();
    params.apply(&mut cfg);
    // Optional overrides: TL_COST=likelihood|mahalanobis, TL_ASSOC=gnn|jpda.
    if let Ok(v) = std::env::var("TL_COST") {
        cfg.cost = serde_json::from_value(serde_json::Value::String(v)).expect("TL_COST");
    }
    if let Ok(v) = std::env::var("TL_ASSOC") {
        cfg.association = serde_json::from_value(serde_json::Value::String(v)).expect("TL_ASSOC");
    }
    let n_meas: usize = meas.scans.iter().map(|s| s.1.len()).sum();
    let mut best = f64::INFINITY;
    let mut reports = Vec::new();
    for _ in 0..repeats.max(1) {
        let mut trk = CartesianTracker::new(cfg.clone()).expect("valid config");
        let mut rep = Vec::with_capacity(n_meas * 2);
        let t0 = Instant::now();
        for (t, z) in &meas.scans {
            trk.process_scan(*t, z, &mut rep).expect("increasing scans");
        }
        best = best.min(t0.elapsed().as_secs_f64());
        reports = rep;
    }
    std::fs::create_dir_all(out).expect("create out dir");
    std::fs::write(out.join("tracks.csv"), tracks_csv(&reports)).expect("write tracks.csv");
    let mut mean_ospa = None;
    if let Ok(text) = std::fs::read_to_string(inp.join("truth.csv")) {
        let truth = parse_truth_csv(&text, "truth.csv").expect("truth.csv");
        let est: Vec<(f64, [f64; 3])> =
            reports.iter().map(|r| (r.t_s, [r.state[0], r.state[1], r.state[2]])).collect();
        let tru: Vec<(f64, [f64; 3])> = truth.iter().map(|(t, _, s)| (*t, [s[0], s[1], s[2]])).collect();
        let series = ospa_series(&est, &tru, params.ospa_c, params.ospa_p);
        let m = series.iter().map(|s| s.1).sum::<f64>() / series.len().max(1) as f64;
        let mut csv = String::from("time,ospa\n");
        for (t, v) in &series {
            csv.push_str(&format!("{t},{v}\n"));
        }
        std::fs::write(out.join("ospa.csv"), csv).expect("write ospa.csv");
        mean_ospa = Some(m);
    }
    let res = serde_json::json!({
        "measurements": n_meas,
        "track_seconds": best,
        "meas_per_s": n_meas as f64 / best,
        "parse_seconds": parse_s,
        "mean_ospa": mean_ospa,
        "rejected_rows": meas.rejected.len(),
    });
    std::fs::write(out.join("result.json"), serde_json::to_string_pretty(&res).unwrap())
        .expect("write result.json");
    println!("{res}");
}
