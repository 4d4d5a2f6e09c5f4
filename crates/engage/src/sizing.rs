//! Constellation sizing: how many weapons in a Walker constellation so that every
//! missile of a salvo, launched at a random time, is engaged with a given confidence?
//!
//! ## Method (docs/models/engage.md, "Sizing")
//!
//! The salvo's missiles leave one site together on the same trajectory (given as a
//! [`TargetPath`] in an inertial frame, time from launch). For circular orbits, a
//! satellite's situation at launch is fixed by two angles: its node relative to the
//! Earth (which the launch time randomises) and its argument of latitude (which the
//! constellation phase randomises). Each **trial** draws both offsets uniformly
//! (`tl_core::rng` stream per trial, so results do not depend on threads), applies them
//! to the whole Walker pattern, and counts the engagements the constellation can make
//! before burnout:
//!
//! * an **interceptor** satellite counts once if its interceptor, fired at the commit
//!   time, has a feasible Lambert intercept before the deadline
//!   ([`Interceptor::earliest_intercept`]);
//! * a **laser** satellite counts as many kills as it can make one after another
//!   (retarget + dwell each) before the deadline, within its magazine
//!   ([`Laser::lase`]); lasers do not pool their beams on one missile (conservative).
//!
//! The salvo is engaged in a trial when the count reaches `salvo x shots_per_missile`.
//! The success probability over trials is the estimate of the confidence; the smallest
//! constellation reaching the requested confidence is searched on a sweep of sizes
//! (common random numbers: every size sees the same trial draws) and refined by
//! bisection.
//!
//! **Spatial culling** keeps the cost proportional to the satellites near the missile,
//! not to the constellation: per plane, the arc of satellites that can be within a
//! provable bound of the target at the reference time is found in closed form (law of
//! cosines on the orbit circle); only those are examined. For interceptors a second
//! bound checks the straight-line reach (widened by 25 % and 30 km, far more than the
//! gravity-gradient difference with Lambert, ~3 % over 150 s) on the intercept-time grid
//! before any Lambert solve.
//!
//! The **absentee ratio** (weapons in orbit per weapon able to engage) is reported from
//! the Monte Carlo (N / mean count) beside the geometric estimates of
//! [`crate::geometry`] for the reach distance `d`.

use crate::geometry::{cap_fraction_inclined, cap_fraction_uniform, cap_half_angle_rad};
use crate::interceptor::{Interceptor, SearchOptions};
use crate::laser::{IncidenceModel, Laser, Lethality};
use crate::path::TargetPath;
use crate::platform::CircularOrbit;
use nalgebra::Vector3;
use rayon::prelude::*;
use std::f64::consts::{PI, TAU};
use tl_core::check::{FieldError, fmt_f64, in_range, positive};
use tl_core::consts::{R_EARTH_MEAN_M, WGS84_A_M};
use tl_core::rng::RngStream;
use tl_orbit::walker::{Walker, WalkerPattern};

/// The weapon a sizing study places on every satellite.
#[derive(Clone, Debug, PartialEq)]
pub enum SizingWeapon {
    /// One interceptor per satellite.
    Interceptor {
        /// The interceptor.
        spec: Interceptor,
        /// Intercept-time search settings.
        search: SearchOptions,
    },
    /// One laser per satellite.
    Laser {
        /// The laser.
        spec: Laser,
        /// The missile's lethal fluence (per stage or constant).
        lethal: Lethality,
        /// Incidence model.
        incidence: IncidenceModel,
        /// Integration step of lasing, s.
        step_s: f64,
    },
}

/// One sizing question.
#[derive(Clone, Debug)]
pub struct SizingProblem {
    /// The weapon on each satellite.
    pub weapon: SizingWeapon,
    /// The missiles' common trajectory, inertial frame, t = 0 at launch.
    pub target: TargetPath,
    /// Fire order / start of slewing, s after launch (detection + tracking + decision).
    pub commit_t_s: f64,
    /// Engagements must end (intercept or kill) by this time, s after launch: burnout.
    pub deadline_t_s: f64,
    /// Constellation altitude above the equatorial radius, m.
    pub altitude_m: f64,
    /// Constellation inclination, rad.
    pub inclination_rad: f64,
    /// Walker pattern.
    pub pattern: WalkerPattern,
    /// Walker phasing F (taken modulo the number of planes).
    pub phasing: u32,
    /// Number of planes; `None` picks round(sqrt(N)).
    pub planes: Option<u32>,
    /// Missiles launched together.
    pub salvo: u32,
    /// Weapons required per missile.
    pub shots_per_missile: u32,
    /// Required probability that the whole salvo is engaged, in (0, 1).
    pub confidence: f64,
    /// Monte Carlo trials per constellation size.
    pub trials: u32,
    /// Master seed.
    pub seed: u64,
}

/// The result for one constellation size.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SizingPoint {
    /// Satellites (planes x per plane).
    pub total: u32,
    /// Planes.
    pub planes: u32,
    /// Satellites per plane.
    pub per_plane: u32,
    /// Fraction of trials in which the whole salvo is engaged.
    pub p_engaged: f64,
    /// Binomial standard error of `p_engaged`.
    pub p_stderr: f64,
    /// Mean number of weapons able to engage at least one missile.
    pub mean_capable: f64,
    /// Mean number of engagements available (capped per weapon at the salvo's need).
    pub mean_capacity: f64,
    /// Fewest engagements available in any trial.
    pub min_capacity: u32,
    /// Monte Carlo absentee ratio: total / mean_capable (infinite if none ever can).
    pub absentee_ratio: f64,
}

/// The geometric (closed-form) estimate of the fraction of weapons in reach.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GeometricEstimate {
    /// Reach distance d from the satellite's free-flight position to the burnout point, m:
    /// straight-line interceptor reach over (deadline - launch), or the laser's kill range.
    pub reach_m: f64,
    /// Central half-angle of the shell cap within d of the burnout point, rad.
    pub psi_rad: f64,
    /// The same as a great-circle distance on the mean Earth radius, m (d in the
    /// reference formula).
    pub ground_distance_m: f64,
    /// (1 - cos(d / Re)) / 2: uniform shell.
    pub fraction_uniform: f64,
    /// The same cap with the inclined shell's latitude density.
    pub fraction_inclined: f64,
    /// Geocentric latitude of the burnout point, rad.
    pub burnout_lat_rad: f64,
}

impl GeometricEstimate {
    /// Absentee ratio of the uniform estimate, 1 / f.
    pub fn absentee_uniform(&self) -> f64 {
        1.0 / self.fraction_uniform
    }
    /// Absentee ratio with the inclination's latitude density.
    pub fn absentee_inclined(&self) -> f64 {
        1.0 / self.fraction_inclined
    }
}

/// The whole study.
#[derive(Clone, Debug, PartialEq)]
pub struct SizingReport {
    /// Engagements needed per trial (salvo x shots).
    pub needed: u32,
    /// Every size evaluated, by increasing total.
    pub points: Vec<SizingPoint>,
    /// The smallest evaluated size reaching the confidence, if any.
    pub required: Option<SizingPoint>,
    /// The closed-form estimate.
    pub geometric: GeometricEstimate,
}

/// Precomputed per-problem constants.
struct Prepared {
    needed: u32,
    radius_m: f64,
    mean_motion: f64,
    /// Reference time for the per-plane cull, s.
    t_ref: f64,
    /// Target position at t_ref.
    p_ref: Vector3<f64>,
    /// Cull radius at t_ref, m.
    d_cull: f64,
    /// Interceptor: (t, target position, allowed straight-line distance) on the grid.
    grid: Vec<(f64, Vector3<f64>, f64)>,
}

impl SizingProblem {
    /// Check the inputs; errors name the field, the value and what is allowed.
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.salvo == 0 {
            return Err(FieldError::new("salvo", "0", "at least 1 missile"));
        }
        if self.shots_per_missile == 0 {
            return Err(FieldError::new("shots_per_missile", "0", "at least 1"));
        }
        if !(self.confidence > 0.0 && self.confidence < 1.0) {
            return Err(FieldError::new("confidence", fmt_f64(self.confidence), "within (0, 1), exclusive"));
        }
        if self.trials == 0 {
            return Err(FieldError::new("trials", "0", "at least 1"));
        }
        in_range("altitude_m", self.altitude_m, 100e3, 40_000e3)?;
        in_range("inclination_rad", self.inclination_rad, 0.0, PI)?;
        if let Some(0) = self.planes {
            return Err(FieldError::new("planes", "0", "at least 1"));
        }
        let (t0, t1) = self.target.span_s();
        in_range("deadline_t_s", self.deadline_t_s, t0, t1)?;
        in_range("commit_t_s", self.commit_t_s, t0, self.deadline_t_s)?;
        match &self.weapon {
            SizingWeapon::Interceptor { spec, search } => {
                spec.validate()?;
                positive("search.step_s", search.step_s)?;
                positive("search.min_flight_s", search.min_flight_s)?;
                positive("search.tol_s", search.tol_s)?;
            }
            SizingWeapon::Laser { spec, lethal, step_s, .. } => {
                spec.validate()?;
                lethal.validate()?;
                positive("step_s", *step_s)?;
            }
        }
        Ok(())
    }

    /// Engagements needed per trial.
    pub fn needed(&self) -> u32 {
        self.salvo.saturating_mul(self.shots_per_missile)
    }

    /// Planes and satellites per plane for (at least) `n` satellites.
    pub fn layout(&self, n: u32) -> (u32, u32) {
        let n = n.max(1);
        let planes = self.planes.unwrap_or_else(|| (n as f64).sqrt().round().max(1.0) as u32).clamp(1, n);
        let per_plane = n.div_ceil(planes);
        (planes, per_plane)
    }

    fn prepare(&self) -> Prepared {
        let radius_m = WGS84_A_M + self.altitude_m;
        let probe = CircularOrbit::new(radius_m, self.inclination_rad, 0.0, 0.0);
        let v_s = probe.speed_m_s();
        match &self.weapon {
            SizingWeapon::Interceptor { spec, search } => {
                let t_l = self.commit_t_s + spec.launch_delay_s;
                let t_end = self.deadline_t_s.max(t_l);
                let (p_ref, _) = self.target.state_eci(t_l.min(self.deadline_t_s)).unwrap_or_default();
                let flight = (t_end - t_l).max(0.0);
                let excursion = self.target.max_excursion_m(t_l.min(t_end), t_end);
                let slack = |tau: f64| 1.25 * spec.reach_m(tau) + 30e3;
                let d_cull = excursion + v_s * flight + slack(flight);
                // Straight-line check on a grid; the margin absorbs motion between nodes.
                let v_rel = v_s + self.target.max_speed_m_s(t_l.min(t_end), t_end);
                let h = search.step_s;
                let mut grid = Vec::new();
                let mut t = t_l + search.min_flight_s;
                while t <= t_end + 1e-9 {
                    if let Some((r, _)) = self.target.state_eci(t.min(t_end)) {
                        grid.push((t.min(t_end), r, slack(t - t_l) + v_rel * h * 0.5));
                    }
                    if t >= t_end {
                        break;
                    }
                    t = (t + h).min(t_end);
                }
                Prepared {
                    needed: self.needed(),
                    radius_m,
                    mean_motion: probe.mean_motion_rad_s,
                    t_ref: t_l,
                    p_ref,
                    d_cull,
                    grid,
                }
            }
            SizingWeapon::Laser { spec, lethal, .. } => {
                let t_c = self.commit_t_s;
                let (p_ref, _) = self.target.state_eci(t_c).unwrap_or_default();
                let window = (self.deadline_t_s - t_c - spec.retarget_s).max(0.0);
                let kill_range =
                    spec.max_range_for_dwell_m(lethal.at(self.deadline_t_s).1, window).min(spec.max_range_m);
                let excursion = self.target.max_excursion_m(t_c, self.deadline_t_s);
                let d_cull = kill_range + excursion + v_s * (self.deadline_t_s - t_c) + 1e3;
                // Coarse range pre-check: a kill needs range <= kill_range at some time;
                // between 5 s grid points the range changes by at most v_rel x 2.5 s.
                let v_rel = v_s + self.target.max_speed_m_s(t_c, self.deadline_t_s);
                let h = 5.0;
                let mut grid = Vec::new();
                let mut t = t_c + spec.retarget_s;
                while t < self.deadline_t_s + h {
                    let tk = t.min(self.deadline_t_s);
                    if let Some((r, _)) = self.target.state_eci(tk) {
                        grid.push((tk, r, kill_range + v_rel * h * 0.5 + 1e3));
                    }
                    t += h;
                }
                Prepared {
                    needed: self.needed(),
                    radius_m,
                    mean_motion: probe.mean_motion_rad_s,
                    t_ref: t_c,
                    p_ref,
                    d_cull,
                    grid,
                }
            }
        }
    }

    /// The closed-form estimate of the fraction of weapons within reach.
    pub fn geometric_estimate(&self) -> GeometricEstimate {
        let (p_bo, _) = self.target.state_eci(self.deadline_t_s).unwrap_or_default();
        let reach_m = match &self.weapon {
            SizingWeapon::Interceptor { spec, .. } => {
                spec.reach_m(self.deadline_t_s - self.commit_t_s - spec.launch_delay_s)
            }
            SizingWeapon::Laser { spec, lethal, .. } => {
                let start = self
                    .target
                    .time_reaching_altitude_s(spec.min_target_alt_m, self.commit_t_s + spec.retarget_s)
                    .unwrap_or(self.deadline_t_s);
                let window = (self.deadline_t_s - start).max(0.0);
                spec.max_range_for_dwell_m(lethal.at(self.deadline_t_s).1, window).min(spec.max_range_m)
            }
        };
        let radius = WGS84_A_M + self.altitude_m;
        let psi = cap_half_angle_rad(radius, p_bo.norm(), reach_m);
        let lat = (p_bo.z / p_bo.norm()).asin();
        GeometricEstimate {
            reach_m,
            psi_rad: psi,
            ground_distance_m: psi * R_EARTH_MEAN_M,
            fraction_uniform: cap_fraction_uniform(psi * R_EARTH_MEAN_M),
            fraction_inclined: cap_fraction_inclined(lat, psi, self.inclination_rad),
            burnout_lat_rad: lat,
        }
    }

    /// The Walker pattern for `n` satellites (checked by tl-orbit's rules).
    pub fn walker(&self, n: u32) -> Result<Walker, FieldError> {
        let (planes, per_plane) = self.layout(n);
        let w = Walker {
            pattern: self.pattern,
            inclination_deg: self.inclination_rad.to_degrees(),
            total: planes * per_plane,
            planes,
            phasing: self.phasing % planes,
            altitude_km: self.altitude_m / 1e3,
            raan0_deg: 0.0,
        };
        w.validate()?;
        Ok(w)
    }

    /// The trial's random offsets: node (launch time) and phase, rad.
    pub fn trial_offsets(&self, trial: u64) -> (f64, f64) {
        let mut rng = RngStream::new(self.seed, trial, 0, "engage.sizing.phase");
        (rng.uniform() * TAU, rng.uniform() * TAU)
    }

    /// Engagement capacity of one satellite orbit: engagements it can make (capped at
    /// `cap`), 0 when none.
    fn capacity(&self, orbit: &CircularOrbit, prep: &Prepared, cap: u32) -> u32 {
        match &self.weapon {
            SizingWeapon::Interceptor { spec, search } => {
                // Straight-line pre-check on the grid (widened: never vetoes a feasible
                // Lambert intercept), then the Lambert search on the surviving times.
                let near = |t: f64| -> bool {
                    let k =
                        prep.grid.partition_point(|g| g.0 < t - 1e-9).min(prep.grid.len().saturating_sub(1));
                    prep.grid.get(k).is_some_and(|(tg, r, allowed)| {
                        (tg - t).abs() > 1e-6 || (orbit.pos_eci(t) - r).norm() <= *allowed
                    })
                };
                if !prep.grid.iter().any(|(t, r, allowed)| (orbit.pos_eci(*t) - r).norm() <= *allowed) {
                    return 0;
                }
                u32::from(spec.can_intercept(
                    orbit,
                    &self.target,
                    self.commit_t_s,
                    self.deadline_t_s,
                    search,
                    &near,
                ))
            }
            SizingWeapon::Laser { spec, lethal, incidence, step_s } => {
                if !prep.grid.iter().any(|(t, r, allowed)| (orbit.pos_eci(*t) - r).norm() <= *allowed) {
                    return 0;
                }
                let mut kills = 0;
                let mut t = self.commit_t_s;
                let mut magazine = spec.magazine_s;
                while kills < cap && t < self.deadline_t_s {
                    let o = spec.lase(
                        orbit,
                        &self.target,
                        t,
                        self.deadline_t_s,
                        lethal,
                        magazine,
                        *incidence,
                        *step_s,
                    );
                    match o.kill_t_s {
                        Some(k) => {
                            kills += 1;
                            magazine -= o.lasing_s;
                            t = k;
                        }
                        None => break,
                    }
                }
                kills
            }
        }
    }

    /// (capable weapons, engagements available capped at the need) in one trial for the
    /// Walker pattern `w`.
    fn trial(&self, w: &Walker, prep: &Prepared, trial: u64) -> (u32, u32) {
        let (raan_off, u_off) = self.trial_offsets(trial);
        let planes = w.planes;
        let per_plane = w.total / planes;
        let spread = match w.pattern {
            WalkerPattern::Delta => TAU,
            WalkerPattern::Star => PI,
        };
        let (si, ci) = self.inclination_rad.sin_cos();
        let du = TAU / per_plane as f64;
        let a = prep.radius_m;
        let p = prep.p_ref;
        let p2 = p.norm_squared();
        let mut capable = 0;
        let mut capacity = 0;
        for j in 0..planes {
            let raan = j as f64 * spread / planes as f64 + raan_off;
            let (so, co) = raan.sin_cos();
            let x = Vector3::new(co, so, 0.0);
            let y = Vector3::new(-so * ci, co * ci, si);
            let (px, py) = (p.dot(&x), p.dot(&y));
            let rho = px.hypot(py);
            // Satellites at argument of latitude u (at t_ref) are within d_cull of p when
            // cos(u - u_p) >= c.
            let c = if rho > 0.0 { (a * a + p2 - prep.d_cull * prep.d_cull) / (2.0 * a * rho) } else { -2.0 };
            if c > 1.0 {
                continue;
            }
            let u_p = py.atan2(px);
            // u at t = 0 of slot k: base + k du; at t_ref add n t_ref.
            let base0 = j as f64 * (w.phasing as f64) * TAU / w.total as f64 + u_off;
            let base_ref = base0 + prep.mean_motion * prep.t_ref;
            let (k_lo, k_hi) = if c <= -1.0 {
                (0i64, per_plane as i64 - 1)
            } else {
                let half = c.acos();
                let lo = ((u_p - half - base_ref) / du).ceil() as i64;
                let hi = ((u_p + half - base_ref) / du).floor() as i64;
                (lo, hi.min(lo + per_plane as i64 - 1))
            };
            for k in k_lo..=k_hi {
                let slot = k.rem_euclid(per_plane as i64) as f64;
                let orbit = CircularOrbit::new(a, self.inclination_rad, raan, base0 + slot * du);
                let n = self.capacity(&orbit, prep, prep.needed);
                if n > 0 {
                    capable += 1;
                    capacity += n;
                }
            }
        }
        (capable, capacity)
    }

    /// Evaluate one constellation size (at least `n` satellites; the Walker layout may
    /// round up).
    pub fn evaluate(&self, n: u32) -> Result<SizingPoint, FieldError> {
        self.validate()?;
        let w = self.walker(n)?;
        let prep = self.prepare();
        Ok(self.evaluate_prepared(&w, &prep))
    }

    fn evaluate_prepared(&self, w: &Walker, prep: &Prepared) -> SizingPoint {
        let results: Vec<(u32, u32)> =
            (0..self.trials as u64).into_par_iter().map(|k| self.trial(w, prep, k)).collect();
        let trials = results.len() as f64;
        let success = results.iter().filter(|r| r.1 >= prep.needed).count() as f64;
        let p = success / trials;
        let mean_capable = results.iter().map(|r| r.0 as f64).sum::<f64>() / trials;
        let mean_capacity = results.iter().map(|r| r.1 as f64).sum::<f64>() / trials;
        SizingPoint {
            total: w.total,
            planes: w.planes,
            per_plane: w.total / w.planes,
            p_engaged: p,
            p_stderr: (p * (1.0 - p) / trials).sqrt(),
            mean_capable,
            mean_capacity,
            min_capacity: results.iter().map(|r| r.1).min().unwrap_or(0),
            absentee_ratio: if mean_capable > 0.0 { w.total as f64 / mean_capable } else { f64::INFINITY },
        }
    }

    /// The full study: a geometric sweep of sizes around the closed-form estimate, then a
    /// bisection between the last size that fails and the first that reaches the
    /// confidence. `max_total` bounds the search.
    pub fn solve(&self, sweep_points: u32, max_total: u32) -> Result<SizingReport, FieldError> {
        self.validate()?;
        if sweep_points < 2 {
            return Err(FieldError::new("sweep_points", sweep_points.to_string(), "at least 2"));
        }
        let prep = self.prepare();
        let geometric = self.geometric_estimate();
        let needed = prep.needed;
        // Expected count N f = needed at N0; sweep from N0 / 4 to N0 x 8.
        let f = geometric.fraction_inclined.max(geometric.fraction_uniform).max(1e-9);
        let n0 = (needed as f64 / f).clamp(1.0, max_total as f64);
        let lo = (n0 / 4.0).max(needed as f64).max(1.0);
        let hi = (n0 * 8.0).min(max_total as f64).max(lo + 1.0);
        let mut points: Vec<SizingPoint> = Vec::new();
        let eval = |n: u32, points: &mut Vec<SizingPoint>| -> Result<SizingPoint, FieldError> {
            let w = self.walker(n)?;
            if let Some(p) = points.iter().find(|p| p.total == w.total) {
                return Ok(*p);
            }
            let p = self.evaluate_prepared(&w, &prep);
            points.push(p);
            Ok(p)
        };
        for k in 0..sweep_points {
            let n = lo * (hi / lo).powf(k as f64 / (sweep_points - 1) as f64);
            eval(n.round() as u32, &mut points)?;
        }
        // Extend upwards while even the largest fails.
        let mut top = hi;
        while points.iter().all(|p| p.p_engaged < self.confidence) && top < max_total as f64 {
            top = (top * 2.0).min(max_total as f64);
            eval(top.round() as u32, &mut points)?;
        }
        points.sort_by_key(|p| p.total);
        let first_ok = points.iter().position(|p| p.p_engaged >= self.confidence);
        if let Some(i) = first_ok
            && i > 0
        {
            let (mut a, mut b) = (points[i - 1].total, points[i].total);
            for _ in 0..12 {
                if b <= a + 1 {
                    break;
                }
                let mid = a + (b - a) / 2;
                let p = eval(mid, &mut points)?;
                if p.total >= b || p.total <= a {
                    break;
                }
                if p.p_engaged >= self.confidence {
                    b = p.total;
                } else {
                    a = p.total;
                }
            }
            points.sort_by_key(|p| p.total);
        }
        // The answer: the smallest size from which every larger evaluated size also
        // reaches the confidence (robust to Walker-pattern wiggles).
        let mut required = None;
        for p in points.iter().rev() {
            if p.p_engaged >= self.confidence {
                required = Some(*p);
            } else {
                break;
            }
        }
        Ok(SizingReport { needed, points, required, geometric })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::path::PathNode;

    /// A simple rising-and-turning boost path (test fixture, not a missile model): from
    /// 40 deg N, accelerating at 30 m/s^2 along a direction tilting from vertical to
    /// 60 deg over 180 s.
    fn fixture_path() -> TargetPath {
        let lat = 40f64.to_radians();
        let up = Vector3::new(lat.cos(), 0.0, lat.sin());
        let north = Vector3::new(-lat.sin(), 0.0, lat.cos());
        let r0 = up * (tl_core::consts::R_EARTH_MEAN_M);
        let mut nodes = Vec::new();
        let (mut r, mut v) = (r0, Vector3::zeros());
        let dt = 0.01;
        let mut t: f64 = 0.0;
        while t <= 200.0 + 1e-9 {
            if (t * 100.0).round() as i64 % 100 == 0 {
                nodes.push(PathNode { t_s: t.round(), pos_eci_m: r, vel_eci_m_s: v });
            }
            let tilt = (t / 180.0).min(1.0) * 60f64.to_radians();
            let dir = up * tilt.cos() + north * tilt.sin();
            let acc = if t < 180.0 { dir * 30.0 } else { Vector3::zeros() };
            v += acc * dt;
            r += v * dt;
            t += dt;
        }
        TargetPath::new(nodes, 180.0).unwrap()
    }

    fn sbi_problem() -> SizingProblem {
        SizingProblem {
            weapon: SizingWeapon::Interceptor {
                spec: Interceptor::aps2003_like(),
                search: SearchOptions::default(),
            },
            target: fixture_path(),
            commit_t_s: 60.0,
            deadline_t_s: 180.0,
            altitude_m: 400e3,
            inclination_rad: 45f64.to_radians(),
            pattern: WalkerPattern::Delta,
            phasing: 1,
            planes: None,
            salvo: 1,
            shots_per_missile: 1,
            confidence: 0.9,
            trials: 400,
            seed: 7,
        }
    }

    #[test]
    fn bad_inputs_are_refused() {
        let ok = sbi_problem();
        ok.validate().unwrap();
        let e = SizingProblem { salvo: 0, ..ok.clone() }.validate().unwrap_err();
        assert_eq!((e.field.as_str(), e.allowed.as_str()), ("salvo", "at least 1 missile"));
        for c in [1.0, 1.5, 0.0, f64::NAN] {
            assert_eq!(
                SizingProblem { confidence: c, ..ok.clone() }.validate().unwrap_err().field,
                "confidence"
            );
        }
        let mut bad = ok.clone();
        bad.weapon = SizingWeapon::Interceptor {
            spec: Interceptor { delta_v_m_s: 0.0, ..Interceptor::aps2003_like() },
            search: SearchOptions::default(),
        };
        assert_eq!(bad.validate().unwrap_err().field, "delta_v_m_s");
        bad.weapon = SizingWeapon::Laser {
            spec: Laser { aperture_m: -1.0, ..Laser::example() },
            lethal: Lethality::Constant(1e7),
            incidence: IncidenceModel::Normal,
            step_s: 1.0,
        };
        assert_eq!(bad.validate().unwrap_err().field, "aperture_m");
        bad.weapon = SizingWeapon::Laser {
            spec: Laser { power_w: 0.0, ..Laser::example() },
            lethal: Lethality::Constant(1e7),
            incidence: IncidenceModel::Normal,
            step_s: 1.0,
        };
        assert_eq!(bad.validate().unwrap_err().field, "power_w");
    }

    #[test]
    fn culled_count_equals_brute_force_count() {
        // The per-plane arc culling must never drop a capable satellite: compare with
        // examining every satellite of the pattern (tl-orbit's Walker elements, shifted by
        // the trial's offsets).
        let prob = SizingProblem { trials: 12, ..sbi_problem() };
        let prep = prob.prepare();
        let w = prob.walker(300).unwrap();
        let mut total_capable = 0;
        for trial in 0..prob.trials as u64 {
            let (culled, _) = prob.trial(&w, &prep, trial);
            let (raan_off, u_off) = prob.trial_offsets(trial);
            let mut brute = 0;
            for (_, el) in w.elements() {
                let orbit = CircularOrbit::new(
                    prep.radius_m,
                    el.i_rad,
                    el.raan_rad + raan_off,
                    el.mean_anomaly_rad + el.argp_rad + u_off,
                );
                let hit = match &prob.weapon {
                    SizingWeapon::Interceptor { spec, search } => spec.earliest_intercept(
                        &orbit,
                        &prob.target,
                        prob.commit_t_s,
                        prob.deadline_t_s,
                        search,
                    ),
                    _ => unreachable!(),
                };
                brute += u32::from(hit.is_some());
            }
            assert_eq!(culled, brute, "trial {trial}");
            total_capable += brute;
        }
        assert!(total_capable > 0, "the fixture must exercise capable satellites");
    }

    #[test]
    fn laser_culled_count_equals_brute_force_count() {
        let prob = SizingProblem {
            weapon: SizingWeapon::Laser {
                spec: Laser::example(),
                lethal: Lethality::Constant(3.0e7),
                incidence: IncidenceModel::Normal,
                step_s: 1.0,
            },
            salvo: 3,
            trials: 12,
            ..sbi_problem()
        };
        let prep = prob.prepare();
        let w = prob.walker(60).unwrap();
        let mut any = 0;
        for trial in 0..prob.trials as u64 {
            let (culled_capable, culled_cap) = prob.trial(&w, &prep, trial);
            let (raan_off, u_off) = prob.trial_offsets(trial);
            let (mut capable, mut cap) = (0, 0);
            for (_, el) in w.elements() {
                let orbit = CircularOrbit::new(
                    prep.radius_m,
                    el.i_rad,
                    el.raan_rad + raan_off,
                    el.mean_anomaly_rad + u_off,
                );
                let n = prob.capacity(&orbit, &prep, prep.needed);
                capable += u32::from(n > 0);
                cap += n;
            }
            assert_eq!((culled_capable, culled_cap), (capable, cap), "trial {trial}");
            any += cap;
        }
        assert!(any > 0);
    }

    #[test]
    fn deterministic_and_thread_count_independent() {
        let prob = SizingProblem { trials: 200, ..sbi_problem() };
        let a = prob.evaluate(500).unwrap();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let b = pool.install(|| prob.evaluate(500).unwrap());
        assert_eq!(a, b);
    }

    #[test]
    fn monte_carlo_absentee_ratio_matches_the_inclined_cap_for_a_point_criterion() {
        // Replace the weapon by a pure geometric criterion (free-flight position at the
        // deadline within d of the burnout point) through a laser whose only limit is
        // range at one instant: emulate by counting directly with the trial machinery.
        let prob = SizingProblem { trials: 4_000, ..sbi_problem() };
        let (p_bo, _) = prob.target.state_eci(prob.deadline_t_s).unwrap();
        let d = 700e3;
        let w = prob.walker(800).unwrap();
        let radius = WGS84_A_M + prob.altitude_m;
        let mut count = 0u64;
        for trial in 0..prob.trials as u64 {
            let (raan_off, u_off) = prob.trial_offsets(trial);
            for (_, el) in w.elements() {
                let o =
                    CircularOrbit::new(radius, el.i_rad, el.raan_rad + raan_off, el.mean_anomaly_rad + u_off);
                if (o.pos_eci(prob.deadline_t_s) - p_bo).norm() <= d {
                    count += 1;
                }
            }
        }
        let mean = count as f64 / prob.trials as f64;
        let psi = cap_half_angle_rad(radius, p_bo.norm(), d);
        let lat = (p_bo.z / p_bo.norm()).asin();
        let expect = w.total as f64 * cap_fraction_inclined(lat, psi, prob.inclination_rad);
        // A Walker pattern is more regular than independent satellites: its count varies
        // less than Poisson, so a Poisson-based bound is conservative.
        let sd = (expect / prob.trials as f64).sqrt();
        assert!((mean - expect).abs() < 5.0 * sd, "MC {mean} vs analytic {expect}");
    }

    #[test]
    fn more_satellites_engage_more_often_and_salvos_need_more() {
        let prob = SizingProblem { trials: 300, ..sbi_problem() };
        let small = prob.evaluate(200).unwrap();
        let large = prob.evaluate(2_000).unwrap();
        assert!(large.p_engaged > small.p_engaged);
        assert!(large.mean_capable > 5.0 * small.mean_capable);
        // Absentee ratio is a property of the geometry, not of N (within noise).
        assert!((large.absentee_ratio / small.absentee_ratio - 1.0).abs() < 0.3);
        let salvo = SizingProblem { salvo: 5, ..prob.clone() }.evaluate(2_000).unwrap();
        assert!(salvo.p_engaged < large.p_engaged);
    }
}
