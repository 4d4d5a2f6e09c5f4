//! Synthetic truth and detections for the tracker's integration tests, built here
//! (not from tl-threat / tl-sensor: the tracker crate must not depend on them).
//!
//! Truth: a two-stage missile flying a gravity turn (thrust along the velocity) from
//! 1 km altitude, then ballistic flight with J2 gravity to impact, integrated with RK4
//! at 0.02 s. Stage thrust follows a constant-thrust, constant-mass-flow motor:
//! `a(t) = a0 / (1 - (1 - 1/R) t / t_b)` with mass ratio R and burn time t_b.
//! Observers: satellites in circular orbits (exact Kepler motion), 1 Hz frames with
//! per-satellite time offsets (unsynchronised), angle noise sigma, Earth blockage.
#![allow(dead_code)]

use nalgebra::Vector3;
use tl_core::consts::{MU_EARTH_M3_S2, OMEGA_EARTH_RAD_S, WGS84_A_M};
use tl_core::detection::{Background, Detection};
use tl_core::gravity::accel_j2;
use tl_core::rng::RngStream;
use tl_core::wgs84::Geodetic;

pub const DT_TRUTH: f64 = 0.02;

pub struct Stage {
    pub burn_s: f64,
    pub mass_ratio: f64,
    pub ve_m_s: f64,
}

pub struct Truth {
    /// Samples every DT_TRUTH from t = 0: (pos, vel) ECI.
    pub states: Vec<(Vector3<f64>, Vector3<f64>)>,
    pub burnout_s: f64,
    pub impact_s: f64,
    pub impact_ecef: Vector3<f64>,
    /// (start, end) of each burn.
    pub burns: Vec<(f64, f64)>,
}

impl Truth {
    pub fn at(&self, t: f64) -> (Vector3<f64>, Vector3<f64>) {
        let k = ((t / DT_TRUTH).round() as usize).min(self.states.len() - 1);
        self.states[k]
    }
    pub fn boosting(&self, t: f64) -> bool {
        self.burns.iter().any(|(a, b)| t >= *a && t < *b)
    }
}

fn thrust_at(t: f64, stages: &[Stage], coast_s: f64) -> (f64, bool) {
    let mut t0 = 0.0;
    for s in stages {
        if t >= t0 && t < t0 + s.burn_s {
            let a0 = s.ve_m_s * (1.0 - 1.0 / s.mass_ratio) / s.burn_s;
            return (a0 / (1.0 - (1.0 - 1.0 / s.mass_ratio) * (t - t0) / s.burn_s), true);
        }
        t0 += s.burn_s + coast_s;
    }
    (0.0, false)
}

/// A two-stage missile launched (at t = 0, 1 km altitude) from `lat, lon` (deg),
/// initial speed 100 m/s at `elev_deg` towards azimuth `az_deg`. `earth_angle` is the
/// ECI->ECEF angle at t = 0; Earth rotates at the WGS84 rate.
pub fn missile(lat: f64, lon: f64, az_deg: f64, elev_deg: f64) -> Truth {
    missile_noisy(lat, lon, az_deg, elev_deg, None)
}

/// Process noise injected into the truth (Euler-Maruyama on each 0.02 s step): white
/// acceleration PSD per axis in boost and after it, m^2/s^3, and the thrust-magnitude
/// random-walk PSD, m^2/s^5, with the stream's (seed, trial).
pub struct TruthNoise {
    pub q_acc_boost: f64,
    pub q_acc_coast: f64,
    pub q_thrust: f64,
    pub seed: u64,
    pub trial: u64,
}

pub fn missile_noisy(lat: f64, lon: f64, az_deg: f64, elev_deg: f64, noise: Option<&TruthNoise>) -> Truth {
    let mut rng = noise.map(|n| RngStream::new(n.seed, n.trial, 0, "track.test.truth_noise"));
    let mut thrust_bias = 0.0;
    let stages = [
        Stage { burn_s: 80.0, mass_ratio: 4.0, ve_m_s: 2_600.0 },
        Stage { burn_s: 70.0, mass_ratio: 3.5, ve_m_s: 2_600.0 },
    ];
    let coast = 3.0;
    let g = Geodetic::from_deg(lat, lon, 1_000.0);
    let r0 = g.to_ecef(); // ECEF = ECI at t = 0 (angle 0)
    let [e, n, u] = tl_core::wgs84::enu_basis(&g);
    let (az, el) = (az_deg.to_radians(), elev_deg.to_radians());
    let dir = (e * az.sin() + n * az.cos()) * el.cos() + u * el.sin();
    let w = Vector3::new(0.0, 0.0, OMEGA_EARTH_RAD_S);
    let v0 = dir * 100.0 + w.cross(&r0);
    let f = |t: f64, r: &Vector3<f64>, v: &Vector3<f64>, bias: f64| -> Vector3<f64> {
        let (a, on) = thrust_at(t, &stages, coast);
        let a = if on { (a + bias).max(0.0) } else { 0.0 };
        // thrust along the air-relative velocity (gravity turn), gravity J2
        let vr = v - w.cross(r);
        // drag of a reentry vehicle, k = C_D A / m = 2e-4 m^2/kg, exponential atmosphere
        // with a 7.0 km scale height (the tracker assumes 7.2 km)
        let h = Geodetic::from_ecef(r).alt_m;
        let drag = if h < 150e3 {
            -vr * (0.5 * 1.225 * (-h.max(0.0) / 7_000.0).exp() * 2e-4 * vr.norm())
        } else {
            Vector3::zeros()
        };
        let thrust = if a > 0.0 { vr.normalize() * a } else { Vector3::zeros() };
        accel_j2(r) + thrust + if a > 0.0 { Vector3::zeros() } else { drag }
    };
    let mut states = Vec::new();
    let (mut r, mut v) = (r0, v0);
    let mut t = 0.0;
    let h = DT_TRUTH;
    let mut burns = Vec::new();
    let mut t0 = 0.0;
    for s in &stages {
        burns.push((t0, t0 + s.burn_s));
        t0 += s.burn_s + coast;
    }
    let burnout = burns.last().unwrap().1;
    loop {
        states.push((r, v));
        let k1v = f(t, &r, &v, thrust_bias);
        let k1r = v;
        let k2v = f(t + h / 2.0, &(r + k1r * h / 2.0), &(v + k1v * h / 2.0), thrust_bias);
        let k2r = v + k1v * h / 2.0;
        let k3v = f(t + h / 2.0, &(r + k2r * h / 2.0), &(v + k2v * h / 2.0), thrust_bias);
        let k3r = v + k2v * h / 2.0;
        let k4v = f(t + h, &(r + k3r * h), &(v + k3v * h), thrust_bias);
        let k4r = v + k3v * h;
        let rn = r + (k1r + (k2r + k3r) * 2.0 + k4r) * (h / 6.0);
        let mut vn = v + (k1v + (k2v + k3v) * 2.0 + k4v) * (h / 6.0);
        if let (Some(rng), Some(n)) = (rng.as_mut(), noise) {
            let on = thrust_at(t, &stages, coast).1;
            let q = if on { n.q_acc_boost } else { n.q_acc_coast };
            let s = (q * h).sqrt();
            vn += Vector3::new(rng.normal(), rng.normal(), rng.normal()) * s;
            if on {
                thrust_bias += rng.normal() * (n.q_thrust * h).sqrt();
            } else {
                thrust_bias = 0.0;
            }
        }
        t += h;
        let alt = Geodetic::from_ecef(&rn).alt_m;
        if alt <= 0.0 && t > 10.0 {
            let gmst = OMEGA_EARTH_RAD_S * t;
            let rot = tl_core::frames::EciToEcef::from_angle(gmst, OMEGA_EARTH_RAD_S);
            return Truth {
                states,
                burnout_s: burnout,
                impact_s: t,
                impact_ecef: rot.pos_to_ecef(&rn),
                burns,
            };
        }
        r = rn;
        v = vn;
        assert!(t < 5_000.0, "no impact");
    }
}

/// A circular-orbit satellite: position at t from the plane (p, q unit vectors) and phase.
pub struct Sat {
    pub radius_m: f64,
    pub p: Vector3<f64>,
    pub q: Vector3<f64>,
    pub phase0: f64,
}

impl Sat {
    pub fn pos(&self, t: f64) -> Vector3<f64> {
        let n = (MU_EARTH_M3_S2 / self.radius_m.powi(3)).sqrt();
        let a = self.phase0 + n * t;
        (self.p * a.cos() + self.q * a.sin()) * self.radius_m
    }
    /// A satellite at altitude `alt_m` that passes over (lat, lon) (ECI at t = 0) at time
    /// `t_over`, on an orbit plane containing direction `heading` (unit ECI) there.
    pub fn over(lat: f64, lon: f64, alt_m: f64, heading_deg: f64, t_over: f64) -> Self {
        let g = Geodetic::from_deg(lat, lon, 0.0);
        let up = g.to_ecef().normalize();
        let [e, n, _] = tl_core::wgs84::enu_basis(&g);
        let h = heading_deg.to_radians();
        let along = e * h.sin() + n * h.cos();
        let radius = WGS84_A_M + alt_m;
        let nn = (MU_EARTH_M3_S2 / radius.powi(3)).sqrt();
        Sat { radius_m: radius, p: up, q: along, phase0: -nn * t_over }
    }
}

pub struct ObsConfig {
    pub sigma_rad: f64,
    pub period_s: f64,
    pub pd: f64,
    pub with_rates: bool,
    pub rate_sigma_rad_s: f64,
    pub latency_s: f64,
    pub t_end_s: f64,
}

impl Default for ObsConfig {
    fn default() -> Self {
        Self {
            sigma_rad: 30e-6,
            period_s: 1.0,
            pd: 1.0,
            with_rates: false,
            rate_sigma_rad_s: 5e-6,
            latency_s: 0.5,
            t_end_s: f64::INFINITY,
        }
    }
}

/// Detections of `truth` by `sats` (satellite k's frames at k * period / n + i * period),
/// sorted by arrival time. `seed` selects the noise.
pub fn observe(truth: &Truth, sats: &[Sat], oc: &ObsConfig, seed: u64, trial: u64) -> Vec<Detection> {
    let mut out = Vec::new();
    let t_end = truth.impact_s.min(oc.t_end_s);
    for (k, s) in sats.iter().enumerate() {
        let mut rng = RngStream::new(seed, trial, k as u64, "track.test.obs");
        let off = (k as f64 * oc.period_s / sats.len() as f64 / DT_TRUTH).round() * DT_TRUTH;
        let mut t = off + 2.0;
        while t < t_end {
            let (r, v) = truth.at(t);
            let sp = s.pos(t);
            let alt = Geodetic::from_ecef(&r).alt_m;
            let blocked = tl_core::geom::segment_min_radius(&sp, &r) < WGS84_A_M + 20_000.0 && alt > 20_000.0
                || tl_core::geom::segment_min_radius(&sp, &r) < WGS84_A_M - 1.0;
            if !blocked && rng.uniform() < oc.pd {
                let d = r - sp;
                let u = d.normalize();
                let (e1, e2) = tl_core::geom::los_basis(&u);
                let (n1, n2) = (rng.normal() * oc.sigma_rad, rng.normal() * oc.sigma_rad);
                let um = (u + e1 * n1 + e2 * n2).normalize();
                let mut rate = [f64::NAN; 2];
                let mut rvar = [f64::NAN; 2];
                if oc.with_rates {
                    let dt = 1e-3;
                    let sv = (s.pos(t + dt) - s.pos(t - dt)) / (2.0 * dt);
                    let ud = (v - sv - u * u.dot(&(v - sv))) / d.norm();
                    let (b1, b2) = tl_core::geom::los_basis(&um);
                    rate = [
                        b1.dot(&ud) + rng.normal() * oc.rate_sigma_rad_s,
                        b2.dot(&ud) + rng.normal() * oc.rate_sigma_rad_s,
                    ];
                    rvar = [oc.rate_sigma_rad_s.powi(2); 2];
                }
                out.push(Detection {
                    t_obs_s: t,
                    t_arrival_s: t + oc.latency_s,
                    sat_id: k as u32,
                    sensor_id: 0,
                    sat_pos_eci_m: [sp.x, sp.y, sp.z],
                    los_eci: [um.x, um.y, um.z],
                    cov_rad2: [oc.sigma_rad.powi(2), 0.0, oc.sigma_rad.powi(2)],
                    rate_rad_s: rate,
                    rate_var_rad2_s2: rvar,
                    frames_used: 1,
                    snr: 20.0,
                    intensity_w_sr: f64::NAN,
                    background: Background::Earth,
                });
            }
            t += oc.period_s;
        }
    }
    out.sort_by(|a, b| a.t_arrival_s.total_cmp(&b.t_arrival_s).then(a.sat_id.cmp(&b.sat_id)));
    out
}

/// The default test geometry: launch at (40N, 125E) towards azimuth 60 deg; three LEO
/// satellites at 1,200 km passing near the trajectory.
pub fn default_scene() -> (Truth, Vec<Sat>) {
    let truth = missile(40.0, 125.0, 60.0, 85.0);
    let sats = vec![
        Sat::over(30.0, 120.0, 1_200e3, 20.0, 300.0),
        Sat::over(48.0, 140.0, 1_200e3, 160.0, 400.0),
        Sat::over(35.0, 150.0, 1_200e3, 300.0, 600.0),
    ];
    (truth, sats)
}
