//! Speed of full targeted flights: every catalogue missile to random aim points,
//! including the targeting solve and all objects (booster, spent stages, bus, RVs, decoys).
//!
//! Run: `cargo bench -p tl-threat --bench flights`

use std::hint::black_box;
use tl_core::consts::R_EARTH_MEAN_M;
use tl_core::frames::EarthRotation;
use tl_core::rng::RngStream;
use tl_threat::{EarthModel, Integration, LaunchSpec, Missile, Shape, catalogue, fly};

fn main() {
    divan::main();
}

/// Ground-range band (km) for random aim points, inside each missile's reach.
fn band(name: &str) -> (f64, f64) {
    match name {
        "icbm-solid-3" => (2_500.0, 11_000.0),
        "icbm-liquid-2" => (1_500.0, 11_000.0),
        "slbm" => (3_200.0, 7_000.0),
        "irbm" => (700.0, 3_500.0),
        _ => (80.0, 260.0),
    }
}

/// Random launches that the model can fly (a fixed, seeded set).
fn launches(name: &str, rvs: Option<u32>, decoys: Option<u32>) -> (Missile, Vec<LaunchSpec>) {
    let m = Missile::new(catalogue::get(name).unwrap()).unwrap();
    let earth = earth();
    let mut rng = RngStream::new(2026, 0, 0, "bench.aim");
    let (lo, hi) = band(name);
    let mut out = Vec::new();
    while out.len() < 16 {
        let lat = rng.uniform_range(-50.0, 50.0);
        let lon = rng.uniform_range(-180.0, 180.0);
        let az = rng.uniform_range(0.0, std::f64::consts::TAU);
        let d = rng.uniform_range(lo, hi) * 1000.0 / R_EARTH_MEAN_M;
        let (la, lo_) = (lat.to_radians(), lon.to_radians());
        let la2 = (la.sin() * d.cos() + la.cos() * d.sin() * az.cos()).asin();
        let lo2 = lo_ + (az.sin() * d.sin() * la.cos()).atan2(d.cos() - la.sin() * la2.sin());
        let l = LaunchSpec {
            missile: name.into(),
            site_lat_deg: lat,
            site_lon_deg: lon,
            aim_lat_deg: la2.to_degrees(),
            aim_lon_deg: lo2.to_degrees(),
            time_s: 0.0,
            shape: Shape::MinimumEnergy,
            rvs,
            decoys,
        };
        if fly(&m, &l, &earth, &Integration::default(), RngStream::new(1, 0, 0, "threat.release")).is_ok() {
            out.push(l);
        }
    }
    (m, out)
}

fn earth() -> EarthModel {
    EarthModel::full(EarthRotation::with_angle(0.3, tl_core::consts::OMEGA_EARTH_RAD_S))
}

/// One full targeted flight with the missile's default objects (ICBMs and SLBM: 3 RVs +
/// 5 decoys), cycling through 16 random aim points.
#[divan::bench(args = catalogue::NAMES, sample_count = 32, sample_size = 4)]
fn full_flight(bencher: divan::Bencher, name: &str) {
    let (m, ls) = launches(name, None, None);
    let e = earth();
    let mut i = 0;
    bencher.bench_local(|| {
        i = (i + 1) % ls.len();
        black_box(fly(
            &m,
            &ls[i],
            &e,
            &Integration::default(),
            RngStream::new(1, 0, i as u64, "threat.release"),
        ))
    });
}

/// Targeting solve plus the primary RV only (no other objects).
#[divan::bench(args = catalogue::NAMES, sample_count = 32, sample_size = 4)]
fn targeting_only(bencher: divan::Bencher, name: &str) {
    let (m, ls) = launches(name, Some(1), Some(0));
    let e = earth();
    let mut i = 0;
    bencher.bench_local(|| {
        i = (i + 1) % ls.len();
        black_box(fly(
            &m,
            &ls[i],
            &e,
            &Integration::default(),
            RngStream::new(1, 0, i as u64, "threat.release"),
        ))
    });
}
