mod common;
use common::*;
use tl_core::frames::EarthRotation;
use tl_track::space::{SpaceConfig, SpaceTracker};

#[test]
#[ignore]
fn explore() {
    let (truth, sats) = default_scene();
    let (r, v) = truth.at(truth.burnout_s);
    let alt = tl_core::wgs84::Geodetic::from_ecef(&r).alt_m;
    println!(
        "burnout {} s alt {} km speed {} impact {} s",
        truth.burnout_s,
        alt / 1e3,
        v.norm(),
        truth.impact_s
    );
    let ig = tl_core::wgs84::Geodetic::from_ecef(&truth.impact_ecef);
    println!("impact {} {}", ig.lat_deg(), ig.lon_deg());
    let dets = observe(&truth, &sats, &ObsConfig::default(), 1, 0);
    println!("{} detections", dets.len());
    let mut trk = SpaceTracker::new(
        SpaceConfig::default(),
        EarthRotation::with_angle(0.0, tl_core::consts::OMEGA_EARTH_RAD_S),
    )
    .unwrap();
    let mut out = Vec::new();
    for d in &dets {
        trk.push(d);
        trk.advance(d.t_arrival_s, &mut out);
    }
    trk.flush(&mut out);
    println!("{:?}", trk.stats);
    for rep in out.iter().filter(|r| r.t_s < 260.0).step_by(8) {
        let (r, v) = truth.at(rep.t_s);
        let e = (nalgebra::Vector3::from(rep.pos_eci_m) - r).norm();
        let ev = (nalgebra::Vector3::from(rep.vel_eci_m_s) - v).norm();
        println!(
            "t {:.1} id {} err {:.0} m {:.1} m/s sd {:.0} mu {:?} thr {:.1} ph {:?} boosting {} imp {:?}",
            rep.t_s,
            rep.track_id,
            e,
            ev,
            (rep.cov_pv[0][0] + rep.cov_pv[1][1] + rep.cov_pv[2][2]).sqrt(),
            rep.mode_prob,
            rep.thrust_m_s2,
            rep.products.phase,
            truth.boosting(rep.t_s),
            rep.products.impact.map(|i| (i.lat_deg, i.lon_deg, i.semi_major_2s_m))
        );
    }
}

#[test]
#[ignore]
fn explore_launch() {
    let (truth, _) = default_scene();
    for t in [20.0, 40.0, 60.0, 75.0] {
        let (r, v) = truth.at(t);
        let a0 = 2600.0 * 0.75 / 80.0;
        let a = a0 / (1.0 - 0.75 * t / 80.0);
        let mut x = tl_track::motion::StateVec::zeros();
        for i in 0..3 {
            x[i] = r[i];
            x[3 + i] = v[i];
        }
        x[6] = a;
        let g = tl_track::filter::Gaussian { x, p: tl_track::motion::StateCov::identity() * 1e-4 };
        let l = tl_track::products::estimate_launch(
            &g,
            t,
            &Default::default(),
            &Default::default(),
            &EarthRotation::with_angle(0.0, tl_core::consts::OMEGA_EARTH_RAD_S),
        );
        println!("t {t} alt {:.1} km: {:?}", tl_core::wgs84::Geodetic::from_ecef(&r).alt_m / 1e3, l);
    }
}
