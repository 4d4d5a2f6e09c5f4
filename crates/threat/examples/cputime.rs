//! CPU time per full targeted flight (targeting solve and all objects) for every catalogue
//! missile, over 16 random launches each, flown 160 times: process CPU time from
//! /proc/self/stat (Linux), so the figure holds on a machine shared with other work.
//!
//! Run: `cargo run --release -p tl-threat --example cputime`

use tl_core::consts::R_EARTH_MEAN_M;
use tl_core::frames::EarthRotation;
use tl_core::rng::RngStream;
use tl_threat::*;
fn cpu_s() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap();
    let f: Vec<&str> = s.rsplit(')').next().unwrap().split_whitespace().collect();
    (f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap()) / 100.0
}
fn main() {
    let earth = EarthModel::full(EarthRotation::with_angle(0.3, 7.292115e-5));
    for (name, lo, hi) in [
        ("icbm-solid-3", 2500.0, 11000.0),
        ("icbm-liquid-2", 1500.0, 11000.0),
        ("slbm", 3200.0, 7000.0),
        ("irbm", 700.0, 3500.0),
        ("srbm", 80.0, 260.0),
    ] {
        let m = Missile::new(catalogue::get(name).unwrap()).unwrap();
        let mut rng = RngStream::new(2026, 0, 0, "bench.aim");
        let mut ls = Vec::new();
        while ls.len() < 16 {
            let lat: f64 = rng.uniform_range(-50.0, 50.0);
            let lon: f64 = rng.uniform_range(-180.0, 180.0);
            let az: f64 = rng.uniform_range(0.0, std::f64::consts::TAU);
            let d = rng.uniform_range(lo, hi) * 1000.0 / R_EARTH_MEAN_M;
            let la = lat.to_radians();
            let la2 = (la.sin() * d.cos() + la.cos() * d.sin() * az.cos()).asin();
            let lo2 =
                lon.to_radians() + (az.sin() * d.sin() * la.cos()).atan2(d.cos() - la.sin() * la2.sin());
            let l = LaunchSpec {
                missile: name.into(),
                site_lat_deg: lat,
                site_lon_deg: lon,
                aim_lat_deg: la2.to_degrees(),
                aim_lon_deg: lo2.to_degrees(),
                time_s: 0.0,
                shape: Shape::MinimumEnergy,
                rvs: None,
                decoys: None,
            };
            if fly(&m, &l, &earth, &Integration::default(), RngStream::new(1, 0, 0, "x")).is_ok() {
                ls.push(l);
            }
        }
        let n = 160;
        let c0 = cpu_s();
        let w0 = std::time::Instant::now();
        let mut runs = 0;
        for i in 0..n {
            let f =
                fly(&m, &ls[i % 16], &earth, &Integration::default(), RngStream::new(1, 0, i as u64, "x"))
                    .unwrap();
            runs += f.summary.boost_runs;
        }
        let c = (cpu_s() - c0) / n as f64 * 1e3;
        let w = w0.elapsed().as_secs_f64() / n as f64 * 1e3;
        println!(
            "{name}: CPU {c:.2} ms/flight, wall {w:.2} ms/flight, boost integrations {:.1}/flight",
            runs as f64 / n as f64
        );
    }
}
