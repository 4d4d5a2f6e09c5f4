//! Detection-generation benchmark: a layer of LEO and GEO satellites against a raid.
//!
//! `cargo bench -p tl-sensor --bench detections`
//!
//! Layer: a Walker 240/12/1 constellation at 1000 km, 80 deg (wide-field staring, 10 Hz
//! frames, 1 Hz reports; SWIR, or LWIR in the `-lwir` case, which sees the cold objects)
//! plus 6 GEO satellites (wide-field SWIR staring). `raw-` keeps every frame. Raid: 10
//! launches of 30 objects each (a boosting stack, spent stages, a bus, RVs and decoys) over
//! a 2000 km area at 40 N, 127 E, between 20 and 1200 km altitude. One `observe` call
//! produces one report window (1 s) of the whole layer.

use divan::counter::ItemsCount;
use tl_core::Vec3;
use tl_core::frames::EarthRotation;
use tl_core::gravity::accel_j2;
use tl_core::rng::RngStream;
use tl_core::wgs84::Geodetic;
use tl_sensor::geometry::EarthShape;
use tl_sensor::payload::PayloadConfig;
use tl_sensor::signature::{SeenObject, Signatures};
use tl_sensor::system::{DetectionBatch, SatState, SensorSystem, SystemConfig};

fn main() {
    divan::main();
}

const MU: f64 = 3.986_004_418e14;

fn circular(r: f64, inc: f64, raan: f64, u: f64) -> SatState {
    let (si, ci) = inc.sin_cos();
    let (so, co) = raan.sin_cos();
    let (su, cu) = u.sin_cos();
    let p = Vec3::new(co * cu - so * su * ci, so * cu + co * su * ci, su * si) * r;
    let v = Vec3::new(-co * su - so * cu * ci, -so * su + co * cu * ci, cu * si) * (MU / r).sqrt();
    SatState { pos_eci_m: p, vel_eci_m_s: v }
}

/// The layer and the raid: (system, satellite states, objects).
pub fn scene(case: &str) -> (SensorSystem, Vec<SatState>, Vec<SeenObject>) {
    let mut sats = Vec::new();
    let (t, planes) = (240, 12);
    let per = t / planes;
    for pl in 0..planes {
        for k in 0..per {
            let raan = pl as f64 * std::f64::consts::TAU / planes as f64;
            let u =
                k as f64 * std::f64::consts::TAU / per as f64 + pl as f64 * std::f64::consts::TAU / t as f64;
            sats.push(circular(6_378_137.0 + 1000e3, 80f64.to_radians(), raan, u));
        }
    }
    for g in 0..6 {
        sats.push(circular(42_164_170.0, 0.0, 0.0, (g as f64 * 60.0 + 100.0).to_radians()));
    }
    let output = if case.starts_with("raw") { "output = 'raw'" } else { "" };
    let band = if case.ends_with("lwir") { "band = 'lwir'\nnei_w_m2 = 1e-13" } else { "nei_w_m2 = 3e-11" };
    let leo: PayloadConfig = toml::from_str(&format!("name = 'wfov'\n{band}\n{output}")).unwrap();
    let geo: PayloadConfig = toml::from_str(&format!("name = 'geo'\n{output}")).unwrap();
    let payloads = vec![leo.build().unwrap(), geo.build().unwrap()];
    let mut assign = vec![vec![0usize]; 240];
    assign.extend(vec![vec![1usize]; 6]);
    let sig = Signatures::default();
    let rot = EarthRotation::with_angle(0.0, 7.292_115e-5);
    let sys = SensorSystem::new(
        SystemConfig { seed: 1, trial: 0, earth: EarthShape::WGS84, rotation: rot, sun: None },
        payloads,
        &assign,
        sig,
    )
    .unwrap();
    let mut rng = RngStream::new(1, 0, 0, "bench.raid");
    let mut objs = Vec::new();
    for launch in 0..10 {
        let lat = 40.0 + rng.uniform_range(-8.0, 8.0);
        let lon = 127.0 + rng.uniform_range(-10.0, 10.0);
        for j in 0..30 {
            let alt = if j == 0 { 20e3 + 8e3 * launch as f64 } else { rng.uniform_range(150e3, 1200e3) };
            let p = Geodetic::from_deg(
                lat + rng.uniform_range(-0.3, 0.3),
                lon + rng.uniform_range(-0.3, 0.3),
                alt,
            )
            .to_ecef();
            let v = Vec3::new(rng.normal(), rng.normal(), rng.normal()) * 3000.0;
            let mut o = SeenObject::inert((launch * 30 + j) as u32, p, v);
            o.acc_eci_m_s2 = accel_j2(&p);
            if j == 0 {
                // a boosting stack: public-order plume intensities (the catalogue's tables
                // give ~1e5-1e6 W/sr)
                o.plume_swir_w_sr = 3e5;
                o.plume_mwir_w_sr = 6e5;
            }
            objs.push(o);
        }
    }
    (sys, sats, objs)
}

#[divan::bench(args = ["reports-swir", "raw-swir", "reports-lwir"])]
fn observe_one_window(bencher: divan::Bencher, case: &str) {
    let (sys, sats, objs) = scene(case);
    let mut out = DetectionBatch::default();
    let st = sys.observe(0.5, &sats, &objs, &mut out);
    eprintln!(
        "\n[{}] per 1 s window: {} satellites, {} objects, pairs {}, after cull {}, candidates {}, detections {} (false alarms {})",
        case,
        sats.len(),
        objs.len(),
        st.pairs,
        st.after_cull,
        st.candidates,
        st.detections,
        st.false_alarms
    );
    bencher.counter(ItemsCount::new(st.detections as usize)).bench_local(|| {
        out.clear();
        sys.observe(0.5, &sats, &objs, &mut out);
        out.len()
    });
}

/// Per-report cost: 32 LEO satellites over a 2000-object cloud, every pair in view and
/// bright (LWIR, NEI 1e-14 W/m^2 against space), so nearly every pair yields a report.
fn scene_dense() -> (SensorSystem, Vec<SatState>, Vec<SeenObject>) {
    let mut rng = RngStream::new(2, 0, 0, "bench.dense");
    let sats: Vec<SatState> = (0..32)
        .map(|i| {
            let lat = 40.0 + rng.uniform_range(-12.0, 12.0);
            let lon = 127.0 + rng.uniform_range(-15.0, 15.0);
            let p = Geodetic::from_deg(lat, lon, 1000e3).to_ecef();
            let v = Vec3::z().cross(&p).normalize() * 7350.0;
            let _ = i;
            SatState { pos_eci_m: p, vel_eci_m_s: v }
        })
        .collect();
    let p: PayloadConfig = toml::from_str(
        "name = 'dense'\nband = 'lwir'\nnei_w_m2 = 1e-14\nearth_clutter_factor = 1\nfield_of_regard = 'cone'\nfor_deg = 180\nresolution_ifov = 0",
    )
    .unwrap();
    let sys = SensorSystem::new(
        SystemConfig {
            seed: 2,
            trial: 0,
            earth: EarthShape::WGS84,
            rotation: EarthRotation::with_angle(0.0, 7.292_115e-5),
            sun: None,
        },
        vec![p.build().unwrap()],
        &vec![vec![0usize]; sats.len()],
        Signatures::default(),
    )
    .unwrap();
    let objs: Vec<SeenObject> = (0..2000)
        .map(|j| {
            let p = Geodetic::from_deg(
                40.0 + rng.uniform_range(-5.0, 5.0),
                127.0 + rng.uniform_range(-5.0, 5.0),
                rng.uniform_range(300e3, 900e3),
            )
            .to_ecef();
            let v = Vec3::new(rng.normal(), rng.normal(), rng.normal()) * 3000.0;
            SeenObject::inert(j, p, v)
        })
        .collect();
    (sys, sats, objs)
}

#[divan::bench]
fn dense_reports(bencher: divan::Bencher) {
    let (sys, sats, objs) = scene_dense();
    let mut out = DetectionBatch::default();
    let st = sys.observe(0.5, &sats, &objs, &mut out);
    eprintln!(
        "\n[dense] {} satellites x {} objects: after cull {}, candidates {}, reports {}",
        sats.len(),
        objs.len(),
        st.after_cull,
        st.candidates,
        st.detections
    );
    bencher.counter(ItemsCount::new(st.detections as usize)).bench_local(|| {
        out.clear();
        sys.observe(0.5, &sats, &objs, &mut out);
        out.len()
    });
}
