//! Statistical and behavioural tests of the detection generator.

use tl_core::Vec3;
use tl_core::detection::Background;
use tl_core::frames::EarthRotation;
use tl_core::geom::los_basis;
use tl_core::gravity::accel_j2;
use tl_sensor::geometry::EarthShape;
use tl_sensor::payload::{Aim, PayloadConfig, Task};
use tl_sensor::signature::{SeenObject, Signatures};
use tl_sensor::system::{DetectionBatch, SatState, SensorSystem, SystemConfig};

const R: f64 = 6_378_137.0;

fn cfg(seed: u64) -> SystemConfig {
    SystemConfig {
        seed,
        trial: 0,
        earth: EarthShape::WGS84,
        rotation: EarthRotation::with_angle(0.0, 7.292_115e-5),
        sun: None,
    }
}

fn payload(toml_src: &str) -> tl_sensor::Payload {
    toml::from_str::<PayloadConfig>(toml_src).unwrap().build().unwrap()
}

/// A boosting object with a plume of `i_w_sr` in SWIR and MWIR.
fn booster_i(id: u32, pos: Vec3, vel: Vec3, i_w_sr: f64) -> SeenObject {
    SeenObject {
        plume_swir_w_sr: i_w_sr,
        plume_mwir_w_sr: i_w_sr,
        acc_eci_m_s2: accel_j2(&pos) + vel.normalize() * 30.0,
        ..SeenObject::inert(id, pos, vel)
    }
}

fn booster(id: u32, pos: Vec3, vel: Vec3) -> SeenObject {
    booster_i(id, pos, vel, 1e5)
}

fn leo_sat(lon_deg: f64, lat_deg: f64) -> SatState {
    let r = R + 1000e3;
    let (la, lo) = (lat_deg.to_radians(), lon_deg.to_radians());
    let p = Vec3::new(r * la.cos() * lo.cos(), r * la.cos() * lo.sin(), r * la.sin());
    let v = Vec3::z().cross(&p).normalize() * (3.986_004_418e14 / r).sqrt();
    SatState { pos_eci_m: p, vel_eci_m_s: v }
}

/// Truth LOS and LOS rate (in the LOS basis) at `tau` from the window centre, with the
/// second-order motion the generator uses inside a window.
fn truth_at(sat: &SatState, o: &SeenObject, tau: f64) -> (Vec3, Vec3, Vec3) {
    let sa = accel_j2(&sat.pos_eci_m);
    let sp = sat.pos_eci_m + sat.vel_eci_m_s * tau + sa * (0.5 * tau * tau);
    let op = o.pos_eci_m + o.vel_eci_m_s * tau + o.acc_eci_m_s2 * (0.5 * tau * tau);
    let rel = op - sp;
    let relv = (o.vel_eci_m_s + o.acc_eci_m_s2 * tau) - (sat.vel_eci_m_s + sa * tau);
    let u = rel.normalize();
    let w = (relv - u * u.dot(&relv)) / rel.norm();
    (sp, u, w)
}

/// Pearson goodness of fit of `p` (should be U(0,1)) over 10 bins. Critical value for
/// 9 dof at 99.9 % confidence: 27.88.
fn uniform_chi2(ps: &[f64]) -> f64 {
    let mut bins = [0usize; 10];
    for &p in ps {
        bins[((p * 10.0) as usize).min(9)] += 1;
    }
    let e = ps.len() as f64 / 10.0;
    bins.iter().map(|&b| (b as f64 - e).powi(2) / e).sum()
}

#[test]
fn normalized_angle_errors_are_chi_square_2dof() {
    // 1500 satellites around one boosting object, one report each: LOS errors (noise +
    // per-satellite pointing bias + time-tag error) normalised by the reported covariance
    // must be chi-square with 2 dof; so must the rate errors with their variances.
    let obj_pos = Vec3::new(R + 150e3, 0.0, 0.0);
    let obj = booster(7, obj_pos, Vec3::new(2_000.0, 3_000.0, 1_000.0));
    let mut sats = Vec::new();
    for i in 0..1500 {
        let a = i as f64 * 2.399_963;
        let rr = 3.0 + 12.0 * ((i as f64 + 0.5) / 1500.0).sqrt();
        sats.push(leo_sat(rr * a.cos(), rr * a.sin()));
    }
    let p = payload(
        "name='w'\nfalse_reports_per_window=0\nifov_urad=50\nnei_w_m2=1e-9\npointing_bias_urad=20\ntime_tag_sigma_s=0.01\nangle_floor_urad=0.5",
    );
    let sys = SensorSystem::new(cfg(11), vec![p], &vec![vec![0]; sats.len()], Signatures::default()).unwrap();
    let mut out = DetectionBatch::default();
    sys.observe(0.5, &sats, &[obj], &mut out);
    assert!(out.len() > 1400, "{} detections", out.len());
    let (mut pa, mut pr) = (Vec::new(), Vec::new());
    let mut sum_eps = 0.0;
    for (d, &tid) in out.detections.iter().zip(&out.truth_ids) {
        assert_eq!(tid, 7);
        d.validate().unwrap();
        let sat = &sats[d.sat_id as usize];
        // Truth at the reported time (the time-tag error is part of the covariance).
        let tau = d.t_obs_s - 0.5;
        let (_, u, w) = truth_at(sat, &obj, tau);
        let (e1, e2) = los_basis(&u);
        let m = Vec3::from(d.los_eci);
        let (x, y) = (m.dot(&e1), m.dot(&e2));
        let [a, b, c] = d.cov_rad2;
        let det = a * c - b * b;
        let eps = (c * x * x - 2.0 * b * x * y + a * y * y) / det;
        sum_eps += eps;
        pa.push(1.0 - (-eps / 2.0).exp());
        let (w1, w2) = (w.dot(&e1), w.dot(&e2));
        let er = (d.rate_rad_s[0] - w1).powi(2) / d.rate_var_rad2_s2[0]
            + (d.rate_rad_s[1] - w2).powi(2) / d.rate_var_rad2_s2[1];
        pr.push(1.0 - (-er / 2.0).exp());
    }
    let n = pa.len() as f64;
    let mean = sum_eps / n;
    // mean of chi2(2) is 2 with sd 2/sqrt(n) = 0.05: 5 sigma
    assert!((mean - 2.0).abs() < 0.26, "mean eps {mean}");
    let c_a = uniform_chi2(&pa);
    let c_r = uniform_chi2(&pr);
    assert!(c_a < 27.88, "angle chi2 GOF {c_a}");
    assert!(c_r < 27.88, "rate chi2 GOF {c_r}");
}

#[test]
fn reports_and_raw_frames_have_the_same_statistics() {
    // One satellite, one object, 3000 windows. Raw mode gives every detected frame; a
    // least-squares line fitted here to each window's raw frames must have the statistics
    // that reports mode draws directly: same report probability and frame count, same
    // error variances of the LOS (at the frames' mean time) and of its rate.
    let sat0 = leo_sat(0.0, 0.0);
    let obj0 = booster(3, Vec3::new(R + 120e3, 300e3, 0.0), Vec3::new(1_000.0, 2_000.0, 3_000.0));
    let range = (obj0.pos_eci_m - sat0.pos_eci_m).norm();
    let e = 1e5 / (range * range);
    // Pd per frame ~ 0.8: SNR = threshold + 0.84
    let base = "ifov_urad=50\npointing_bias_urad=0\ntime_tag_sigma_s=0\nlatency_random_mean_s=0\nfalse_reports_per_window=0\nfalse_alarms_per_frame=1e-3\nangle_floor_urad=0.1\nmin_frames=4";
    let probe = payload(&format!("name='p'\n{base}"));
    let n_pix = tl_sensor::geometry::FieldOfRegard::FullDisk { margin_rad: 2f64.to_radians() }
        .solid_angle_sr(sat0.pos_eci_m.norm(), R)
        / (50e-6f64).powi(2);
    let k = tl_sensor::math::inv_normal_sf(1e-3 / n_pix);
    let nei = e / (k + 0.84);
    let _ = probe;
    let rep = payload(&format!("name='r'\n{base}\nnei_w_m2={nei:e}"));
    let raw = payload(&format!("name='r'\n{base}\nnei_w_m2={nei:e}\noutput='raw'"));
    let sys_rep = SensorSystem::new(cfg(5), vec![rep], &[vec![0]], Signatures::default()).unwrap();
    let sys_raw = SensorSystem::new(cfg(6), vec![raw], &[vec![0]], Signatures::default()).unwrap();
    let windows = 3000;
    let (mut rep_n, mut rep_count, mut rep_pos, mut rep_rate) = (0usize, 0.0, 0.0, 0.0);
    let (mut raw_n, mut raw_count, mut raw_pos, mut raw_rate) = (0usize, 0.0, 0.0, 0.0);
    let mut frames_total = 0usize;
    let mut out = DetectionBatch::default();
    for wdx in 0..windows {
        // Same geometry in every window (the snapshot is re-used at each window centre).
        let t_c = wdx as f64 + 0.5;
        out.clear();
        sys_rep.observe(t_c, &[sat0], &[obj0], &mut out);
        for d in &out.detections {
            let (_, u, w) = truth_at(&sat0, &obj0, d.t_obs_s - t_c);
            let (e1, e2) = los_basis(&u);
            let m = Vec3::from(d.los_eci);
            rep_n += 1;
            rep_count += d.frames_used as f64;
            rep_pos += m.dot(&e1).powi(2) + m.dot(&e2).powi(2);
            rep_rate += (d.rate_rad_s[0] - w.dot(&e1)).powi(2) + (d.rate_rad_s[1] - w.dot(&e2)).powi(2);
        }
        out.clear();
        sys_raw.observe(t_c, &[sat0], &[obj0], &mut out);
        // keep the object's frames (raw mode also makes false alarms)
        let keep: Vec<_> =
            out.detections.iter().zip(&out.truth_ids).filter(|(_, id)| **id == 3).map(|(d, _)| *d).collect();
        out.detections = keep;
        frames_total += out.len();
        if out.len() < 4 {
            continue;
        }
        // Fit per axis in the LOS basis of the window centre.
        let (_, uc, _) = truth_at(&sat0, &obj0, 0.0);
        let (c1, c2) = los_basis(&uc);
        let taus: Vec<f64> = out.detections.iter().map(|d| d.t_obs_s - t_c).collect();
        let nf = taus.len() as f64;
        let tbar = taus.iter().sum::<f64>() / nf;
        let stt: f64 = taus.iter().map(|t| (t - tbar).powi(2)).sum();
        let (_, ut, wt) = truth_at(&sat0, &obj0, tbar);
        for axis in [c1, c2] {
            // error of each frame = measured - truth projected on the fixed axis
            let errs: Vec<f64> = out
                .detections
                .iter()
                .zip(&taus)
                .map(|(d, &tau)| {
                    let (_, u, _) = truth_at(&sat0, &obj0, tau);
                    Vec3::from(d.los_eci).dot(&axis) - u.dot(&axis)
                })
                .collect();
            let ebar = errs.iter().sum::<f64>() / nf;
            let slope: f64 = errs.iter().zip(&taus).map(|(e, t)| e * (t - tbar)).sum::<f64>() / stt;
            raw_pos += ebar * ebar;
            raw_rate += slope * slope;
        }
        let _ = (ut, wt);
        raw_n += 1;
        raw_count += nf;
    }
    let wf = windows as f64;
    let pd_frames = frames_total as f64 / (wf * 10.0);
    assert!((pd_frames - 0.8).abs() < 0.02, "per-frame Pd {pd_frames} (model 0.80)");
    let (pr, pw) = (rep_n as f64 / wf, raw_n as f64 / wf);
    assert!((pr - pw).abs() < 0.02, "report probability: reports {pr}, raw {pw}");
    let (cr, cw) = (rep_count / rep_n as f64, raw_count / raw_n as f64);
    assert!((cr - cw).abs() < 0.1, "frames per report: reports {cr}, raw {cw}");
    let (vr, vw) = (rep_pos / rep_n as f64, raw_pos / raw_n as f64);
    assert!((vr / vw - 1.0).abs() < 0.1, "LOS error variance: reports {vr:e}, raw fit {vw:e}");
    let (rr, rw) = (rep_rate / rep_n as f64, raw_rate / raw_n as f64);
    assert!((rr / rw - 1.0).abs() < 0.1, "rate error variance: reports {rr:e}, raw fit {rw:e}");
}

#[test]
fn same_bytes_whatever_the_thread_count() {
    let sats: Vec<SatState> = (0..60).map(|i| leo_sat(i as f64 * 6.0 - 20.0, (i % 7) as f64 * 3.0)).collect();
    let objs: Vec<SeenObject> = (0..40)
        .map(|i| {
            booster(i, Vec3::new(R + 50e3 + i as f64 * 5e3, i as f64 * 30e3, 1e5), Vec3::new(3e3, 1e3, 0.0))
        })
        .collect();
    let p = payload("name='w'\nfalse_reports_per_window=2");
    let sys = SensorSystem::new(cfg(99), vec![p], &vec![vec![0]; sats.len()], Signatures::default()).unwrap();
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| {
            let mut out = DetectionBatch::default();
            for k in 0..5 {
                sys.observe(k as f64 + 0.5, &sats, &objs, &mut out);
            }
            format!("{:?}{:?}", out.detections, out.truth_ids)
        })
    };
    let a = run(1);
    assert!(a.len() > 1000);
    assert_eq!(a, run(2));
    assert_eq!(a, run(3));
}

#[test]
fn close_objects_merge_into_one_detection() {
    let sat = leo_sat(0.0, 0.0);
    let p = payload("name='w'\nifov_urad=100\nresolution_ifov=2\nfalse_reports_per_window=0\nnei_w_m2=1e-10");
    let sys = SensorSystem::new(cfg(1), vec![p], &[vec![0]], Signatures::default()).unwrap();
    let range = 880e3;
    let base = Vec3::new(R + 120e3, 0.0, 0.0);
    let _ = range;
    let v = Vec3::new(0.0, 2e3, 0.0);
    let dim = booster_i(1, base, v, 3e4);
    // 0.5 IFOV apart at ~880 km: 44 m
    let near = booster(2, base + Vec3::new(0.0, 0.0, 44.0), v);
    let mut out = DetectionBatch::default();
    sys.observe(0.5, &[sat], &[dim, near], &mut out);
    assert_eq!(out.truth_ids, vec![2], "merged, brighter kept");
    // 5 IFOV apart: two detections
    let far = booster(2, base + Vec3::new(0.0, 0.0, 440.0), v);
    out.clear();
    sys.observe(0.5, &[sat], &[dim, far], &mut out);
    let mut ids = out.truth_ids.clone();
    ids.sort();
    assert_eq!(ids, vec![1, 2]);
}

#[test]
fn atmospheric_floor_hides_low_plumes_in_swir_look_down() {
    // GEO SWIR staring sensor over the launch point; plume intensity 2e5 W/sr at any
    // altitude. Detection should be (almost) impossible below ~9 km and near-certain
    // above ~14 km.
    let geo =
        SatState { pos_eci_m: Vec3::new(42_164e3, 0.0, 0.0), vel_eci_m_s: Vec3::new(0.0, 3_074.7, 0.0) };
    let p = payload("name='geo'\nnei_w_m2=3e-12\nfalse_reports_per_window=0");
    let sys = SensorSystem::new(cfg(2), vec![p], &[vec![0]], Signatures::default()).unwrap();
    let prob = |h: f64| {
        let mut hits = 0;
        for k in 0..200 {
            let mut out = DetectionBatch::default();
            let o = booster_i(1, Vec3::new(R + h, 0.0, 0.0), Vec3::new(500.0, 0.0, 0.0), 2e5);
            sys.observe(k as f64 + 0.5, &[geo], &[o], &mut out);
            if out.len() == 1 {
                assert_eq!(out.detections[0].background, Background::Earth);
                hits += 1;
            }
        }
        hits as f64 / 200.0
    };
    assert_eq!(prob(6e3), 0.0);
    assert!(prob(9e3) < 0.05);
    assert!(prob(15e3) > 0.99);
}

#[test]
fn sun_exclusion_blinds_lines_of_sight_near_the_sun() {
    use tl_core::time::parse_epoch;
    let epoch = parse_epoch("2026-03-20T12:00:00Z").unwrap();
    let sun = tl_sensor::sun::Sun::new(epoch);
    let (sd, _) = sun.position_eci(0.5);
    // Satellite over the terminator; objects 2000 km away along the Sun's direction
    // (0.3 deg from it) and at 45 deg from it, both against space.
    let pu = sd.cross(&Vec3::z()).normalize();
    let q = pu.cross(&sd);
    let sat = SatState { pos_eci_m: pu * (R + 1000e3), vel_eci_m_s: q * 7350.0 };
    let near_sun = sat.pos_eci_m + sd * 2000e3 - pu * 10e3;
    let at45 = sat.pos_eci_m + (sd + q) * (2000e3 / 2f64.sqrt()) - pu * 10e3;
    let p = payload(
        "name='w'\nband='lwir'\nfield_of_regard='cone'\nfor_deg=180\nsun_exclusion_deg=60\nfalse_reports_per_window=0\nnei_w_m2=1e-14",
    );
    let mut c = cfg(3);
    c.sun = Some(sun);
    let sys = SensorSystem::new(c, vec![p], &[vec![0]], Signatures::default()).unwrap();
    let objs = [SeenObject::inert(4, near_sun, Vec3::zeros()), SeenObject::inert(5, at45, Vec3::zeros())];
    let mut out = DetectionBatch::default();
    sys.observe(0.5, &[sat], &objs, &mut out);
    assert!(out.is_empty(), "both inside a 60 deg exclusion cone: {:?}", out.truth_ids);
    let p2 = payload(
        "name='w'\nband='lwir'\nfield_of_regard='cone'\nfor_deg=180\nsun_exclusion_deg=30\nfalse_reports_per_window=0\nnei_w_m2=1e-14",
    );
    let mut c = cfg(3);
    c.sun = Some(sun);
    let sys2 = SensorSystem::new(c, vec![p2], &[vec![0]], Signatures::default()).unwrap();
    sys2.observe(0.5, &[sat], &objs, &mut out);
    assert_eq!(out.truth_ids, vec![5], "outside a 30 deg cone it is seen");
    assert_eq!(out.detections[0].background, Background::Space);
}

#[test]
fn cued_sensor_waits_for_slew_and_settle_and_sees_only_its_fov() {
    let sat = leo_sat(0.0, 0.0);
    let target = Vec3::new(R + 200e3, 600e3, 0.0);
    let other = Vec3::new(R + 200e3, -600e3, 0.0);
    let p = payload(
        "name='m'\nkind='cued'\nfov_deg=1\nslew_rate_deg_s=2\nsettle_s=1\nfalse_reports_per_window=0\nnei_w_m2=1e-14\nmin_frames=3",
    );
    let mut sys = SensorSystem::new(cfg(4), vec![p], &[vec![0]], Signatures::default()).unwrap();
    let dir = (target - sat.pos_eci_m).normalize();
    sys.set_tasks(0, 0, vec![Task { t_s: 10.0, aim: Aim::DirectionEci(dir) }]).unwrap();
    let slew = dir.dot(&(-sat.pos_eci_m.normalize())).acos().to_degrees();
    let ready = 10.0 + slew / 2.0 + 1.0;
    let objs = [SeenObject::inert(1, target, Vec3::zeros()), SeenObject::inert(2, other, Vec3::zeros())];
    let mut first = None;
    for k in 0..60 {
        let mut out = DetectionBatch::default();
        sys.observe(k as f64 + 0.5, &[sat], &objs, &mut out);
        assert!(out.truth_ids.iter().all(|&t| t == 1), "only the object in the FOV");
        if !out.is_empty() && first.is_none() {
            first = Some(out.detections[0].t_obs_s);
        }
    }
    let first = first.expect("detected once settled");
    assert!(first >= ready - 0.05 && first < ready + 1.0, "first obs {first}, ready {ready}");
    // Not cued: a wide-field payload refuses tasks.
    let mut w =
        SensorSystem::new(cfg(4), vec![payload("name='w'")], &[vec![0]], Signatures::default()).unwrap();
    assert!(w.set_tasks(0, 0, vec![]).is_err());
}

#[test]
fn latency_and_false_alarm_counts() {
    // Raw mode, 200 windows of 10 frames, 3 false alarms per frame: 6000 expected.
    let sat = leo_sat(0.0, 0.0);
    let p = payload(
        "name='w'\noutput='raw'\nfalse_alarms_per_frame=3\nlatency_fixed_s=2\nlatency_spread_s=1\nlatency_random_mean_s=0.5\ncrosslink_hops=2\ncrosslink_hop_s=0.1",
    );
    let sys = SensorSystem::new(cfg(8), vec![p], &[vec![0]], Signatures::default()).unwrap();
    let mut out = DetectionBatch::default();
    for k in 0..200 {
        sys.observe(k as f64 + 0.5, &[sat], &[], &mut out);
    }
    let n = out.len() as f64;
    assert!((n - 6000.0).abs() < 5.0 * 6000f64.sqrt(), "{n}");
    assert!(out.truth_ids.iter().all(|&t| t == -1));
    // delay = frame end (0.05 s after the frame centre) + fixed(2 + U[0,1) per satellite)
    // + Exp(0.5) + 2 * 0.1 (minus the time-tag error).
    let mut min_d = f64::INFINITY;
    let mut sum = 0.0;
    for d in &out.detections {
        d.validate().unwrap();
        let delay = d.t_arrival_s - d.t_obs_s;
        min_d = min_d.min(delay);
        sum += delay;
    }
    let mean = sum / n;
    assert!(min_d > 2.2 && min_d < 3.3, "{min_d}");
    // mean = min + 0.5 (exponential) within 5 sigma of 0.5/sqrt(n)
    assert!((mean - min_d - 0.5).abs() < 0.04, "mean {mean} min {min_d}");
}

#[test]
fn scanner_looks_once_per_revisit() {
    let sat = leo_sat(0.0, 0.0);
    let p = payload("name='s'\nscan='scanning'\nrevisit_s=8\nfalse_alarms_per_frame=0.001\nnei_w_m2=1e-10");
    let sys = SensorSystem::new(cfg(9), vec![p], &[vec![0]], Signatures::default()).unwrap();
    let o = booster(1, Vec3::new(R + 100e3, 200e3, 100e3), Vec3::new(0.0, 1e3, 0.0));
    let mut times = Vec::new();
    sys.window_centres(0.0, 80.0, &mut times);
    assert_eq!(times.len(), 10);
    let mut out = DetectionBatch::default();
    for &t in &times {
        let before = out.len();
        sys.observe(t, &[sat], &[o], &mut out);
        let got: Vec<_> = out.detections[before..]
            .iter()
            .zip(&out.truth_ids[before..])
            .filter(|(_, id)| **id == 1)
            .collect();
        assert_eq!(got.len(), 1);
        let d = got[0].0;
        assert!(
            d.t_obs_s > t - 4.01 && d.t_obs_s < t + 4.01 && d.frames_used == 1 && d.rate_rad_s[0].is_nan()
        );
    }
}

#[test]
fn payload_on_missing_definition_is_an_error() {
    let e = SensorSystem::new(cfg(1), vec![payload("name='w'")], &[vec![0], vec![1]], Signatures::default())
        .unwrap_err();
    assert_eq!(e.to_string(), "satellite[1].payload[0] = 1: must be a payload index below 1");
}

#[test]
fn sunlit_bodies_reflect_and_shadowed_ones_do_not() {
    use tl_core::time::parse_epoch;
    // A cold 300 K body is invisible in SWIR by its own emission (~1e-3 W/sr), but sunlit
    // with albedo 0.5 and 2 m^2 it reflects ~1 W/sr; in the Earth's shadow it is dark again.
    let epoch = parse_epoch("2026-03-20T12:00:00Z").unwrap();
    let sun = tl_sensor::sun::Sun::new(epoch);
    let (sd, _) = sun.position_eci(0.5);
    let pu = sd.cross(&Vec3::z()).normalize();
    let q = pu.cross(&sd);
    // satellite over the terminator; object 300 km away along track, above the horizon
    let sat = SatState { pos_eci_m: pu * (R + 1000e3), vel_eci_m_s: q * 7350.0 };
    let lit_pos = sat.pos_eci_m + q * 300e3;
    let dark_pos = -sd * (R + 1500e3);
    let sat_dark = SatState { pos_eci_m: -sd * (R + 1000e3) + pu * 300e3, vel_eci_m_s: q * 7350.0 };
    let p = payload(
        "name='w'\nfield_of_regard='cone'\nfor_deg=180\nsun_exclusion_deg=5\nfalse_reports_per_window=0\nnei_w_m2=1e-13",
    );
    let mut c = cfg(12);
    c.sun = Some(sun);
    let sys = SensorSystem::new(c, vec![p], &[vec![0], vec![0]], Signatures::default()).unwrap();
    let mk = |id, pos| SeenObject { albedo: 0.5, area_m2: 2.0, ..SeenObject::inert(id, pos, Vec3::zeros()) };
    assert!(tl_sensor::sun::Sun::in_shadow(&sd, &dark_pos, R));
    assert!(!tl_sensor::sun::Sun::in_shadow(&sd, &lit_pos, R));
    let mut out = DetectionBatch::default();
    sys.observe(0.5, &[sat, sat_dark], &[mk(1, lit_pos), mk(2, dark_pos)], &mut out);
    assert_eq!(out.truth_ids, vec![1], "{:?}", out.truth_ids);
    // intensity consistent with a Lambert sphere at the geometry's phase angle
    let u = (lit_pos - sat.pos_eci_m).normalize();
    let phase = (-u).dot(&sd).acos();
    let band = tl_sensor::signature::Band::of(tl_sensor::signature::BandKind::Swir);
    let e_sun = tl_sensor::signature::solar_band_irradiance_w_m2(&band, sun.position_eci(0.5).1);
    let expect = tl_sensor::signature::lambert_sphere_w_sr(0.5, 2.0, e_sun, phase);
    let got = out.detections[0].intensity_w_sr;
    // measured intensity carries the SNR noise (SNR ~ 100 here): 5 % tolerance
    assert!((got / expect - 1.0).abs() < 0.05, "{got} vs {expect}");
}
