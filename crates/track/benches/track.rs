//! Micro-benchmarks of the tracker's hot paths (divan):
//! `cargo bench -p tl-track --bench track`.

use divan::{Bencher, black_box};
use nalgebra::{Matrix3, SMatrix, SVector, Vector3};
use tl_core::rng::RngStream;
use tl_track::assign::Lap;
use tl_track::cartesian::{CartesianConfig, CartesianTracker, predict_ncv};
use tl_track::filter::{AngleMeas, FilterKind, Gaussian, PositionMeas, innovation, predict, update};
use tl_track::imm::{ImmConfig, ImmState};
use tl_track::motion::{ModelKind, MotionParams, StateCov, StateVec};

fn main() {
    divan::main();
}

/// 6-state NCV prediction (closed form, fixed-size matrices).
#[divan::bench]
fn ncv6_predict(b: Bencher) {
    let mut x = SVector::<f64, 6>::new(1.0, 2.0, 3.0, 100.0, 50.0, -20.0);
    let mut p = SMatrix::<f64, 6, 6>::identity() * 100.0;
    b.bench_local(|| {
        predict_ncv(black_box(&mut x), black_box(&mut p), 1.0, 1.0);
        p *= 0.5; // keep the numbers bounded
    });
}

/// 6-state position update with the Joseph form (the Cartesian tracker's update).
#[divan::bench]
fn ncv6_joseph_update(b: Bencher) {
    let x = SVector::<f64, 6>::new(1.0, 2.0, 3.0, 100.0, 50.0, -20.0);
    let p = SMatrix::<f64, 6, 6>::identity() * 100.0;
    let r = Matrix3::identity() * 400.0;
    let z = Vector3::new(5.0, -3.0, 2.0);
    b.bench_local(|| {
        let (x, p) = (black_box(x), black_box(p));
        let pht = p.fixed_view::<6, 3>(0, 0).into_owned();
        let s = p.fixed_view::<3, 3>(0, 0).into_owned() + r;
        let sinv = s.cholesky().unwrap().inverse();
        let k = pht * sinv;
        let nu = z - Vector3::new(x[0], x[1], x[2]);
        let xn = x + k * nu;
        let mut ikh = SMatrix::<f64, 6, 6>::identity();
        let mut blk = ikh.fixed_view_mut::<6, 3>(0, 0);
        blk -= k;
        let pn = ikh * p * ikh.transpose() + k * r * k.transpose();
        (xn, pn)
    });
}

fn flight_state() -> Gaussian {
    let x = StateVec::from_column_slice(&[6.5e6, 1.0e6, 0.5e6, 1_000.0, 5_000.0, 2_000.0, 20.0, 1e-3]);
    Gaussian { x, p: StateCov::identity() * 100.0 }
}

/// 8-state EKF prediction, 1 s, ballistic (RK4 with the variational equations).
#[divan::bench(args = [FilterKind::Ekf, FilterKind::Ckf])]
fn flight8_predict_1s(b: Bencher, f: FilterKind) {
    let g = flight_state();
    let mp = MotionParams::default();
    b.bench_local(|| predict(f, ModelKind::Ballistic, black_box(&g), 1.0, &mp).unwrap());
}

/// 8-state angle update (innovation + Joseph update).
#[divan::bench(args = [FilterKind::Ekf, FilterKind::Ckf])]
fn flight8_angle_update(b: Bencher, f: FilterKind) {
    let g = flight_state();
    let sat = Vector3::new(7.3e6, -1.0e6, 0.0);
    let u = (Vector3::new(g.x[0], g.x[1], g.x[2]) - sat).normalize();
    let m = AngleMeas::new(sat, u, [1e-9, 0.0, 1e-9]);
    b.bench_local(|| update(black_box(&g), &innovation(f, black_box(&g), &m).unwrap()).unwrap());
}

/// 8-state position update (for comparison with the 6-state one).
#[divan::bench]
fn flight8_position_update(b: Bencher) {
    let g = flight_state();
    let m = PositionMeas { z_m: Vector3::new(6.5e6 + 5.0, 1.0e6, 0.5e6), r_m2: Matrix3::identity() * 400.0 };
    b.bench_local(|| {
        update(black_box(&g), &innovation(FilterKind::Ekf, black_box(&g), &m).unwrap()).unwrap()
    });
}

/// One IMM cycle (3 modes: mix, predict 1 s, angle update).
#[divan::bench]
fn imm3_cycle_1s(b: Bencher) {
    let cfg = ImmConfig::default();
    let mp = MotionParams::default();
    let imm = ImmState::new(&cfg, 0.0, flight_state());
    let sat = Vector3::new(7.3e6, -1.0e6, 0.0);
    let g = flight_state();
    let u = (Vector3::new(g.x[0], g.x[1], g.x[2]) - sat).normalize();
    let m = AngleMeas::new(sat, u, [1e-9, 0.0, 1e-9]);
    b.bench_local(|| {
        let prior = black_box(&imm).predict(&cfg, FilterKind::Ekf, &mp, 1.0).unwrap();
        prior.update(FilterKind::Ekf, &m).unwrap()
    });
}

/// Jonker–Volgenant on a dense random n x 2n problem.
#[divan::bench(args = [10, 50, 200])]
fn lap_dense(b: Bencher, n: usize) {
    let mut rng = RngStream::new(1, 0, 0, "bench.lap");
    let c: Vec<f64> = (0..n * 2 * n).map(|_| rng.uniform() * 100.0).collect();
    let mut lap = Lap::new();
    b.bench_local(|| lap.solve(black_box(&c), n, 2 * n).unwrap());
}

/// Cartesian tracker, one scan of N targets (+5 clutter) in steady state: prediction,
/// sorted-sweep gating, clustered GNN assignment and updates. Reported per scan; divide
/// by the measurement count for per-measurement cost.
#[divan::bench(args = [100, 1_000, 10_000])]
fn cartesian_scan(b: Bencher, n: usize) {
    let mut rng = RngStream::new(2, 0, 0, "bench.scan");
    let mut st: Vec<[f64; 6]> = (0..n)
        .map(|_| {
            let half = 1e4 * (n as f64 / 100.0).cbrt();
            [
                rng.uniform_range(-half, half),
                rng.uniform_range(-half, half),
                rng.uniform_range(-half, half),
                rng.uniform_range(-200.0, 200.0),
                rng.uniform_range(-200.0, 200.0),
                rng.uniform_range(-200.0, 200.0),
            ]
        })
        .collect();
    let cfg = CartesianConfig { report_tentative_history: false, ..Default::default() };
    let mut trk = CartesianTracker::new(cfg).unwrap();
    let mut out = Vec::new();
    let mut t = 0.0;
    let mut scan = |rng: &mut RngStream| {
        let z: Vec<[f64; 3]> = st
            .iter_mut()
            .map(|s| {
                for i in 0..3 {
                    s[i] += s[i + 3];
                }
                [s[0] + 20.0 * rng.normal(), s[1] + 20.0 * rng.normal(), s[2] + 20.0 * rng.normal()]
            })
            .collect();
        z
    };
    for _ in 0..5 {
        let z = scan(&mut rng);
        trk.process_scan(t, &z, &mut out).unwrap();
        t += 1.0;
        out.clear();
    }
    let z = scan(&mut rng);
    b.with_inputs(|| z.clone()).bench_local_values(|z| {
        // Each iteration processes the same measurements one second later against the
        // same tracker (tracks stay near their targets: z moves by ~200 m/s x 1 s).
        t += 1e-3;
        trk.process_scan(t, &z, &mut out).unwrap();
        out.clear();
    });
}

#[path = "../tests/common/mod.rs"]
mod common;

/// The space tracker end to end on the validation scene (one two-stage missile, three
/// satellites, 1 Hz frames, ~5,300 detections over the whole flight): reorder buffer,
/// IMM tracking, products. Divide by the detection count for the per-detection cost.
#[divan::bench(sample_count = 10)]
fn space_tracker_one_missile(b: Bencher) {
    let (truth, sats) = common::default_scene();
    let dets = common::observe(&truth, &sats, &common::ObsConfig::default(), 1, 0);
    let earth = tl_core::frames::EarthRotation::with_angle(0.0, tl_core::consts::OMEGA_EARTH_RAD_S);
    let mut cfg = tl_track::space::SpaceConfig::default();
    if std::env::var("NOPROD").is_ok() {
        cfg.products.compute_every_s = 1e4;
    }
    b.bench_local(|| {
        let mut trk = tl_track::space::SpaceTracker::new(cfg.clone(), earth).unwrap();
        let mut out = Vec::new();
        for d in &dets {
            trk.push(d);
            trk.advance(d.t_arrival_s, &mut out);
        }
        trk.flush(&mut out);
        out.len()
    });
}
