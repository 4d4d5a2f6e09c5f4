//! Space-based interceptors: kinematic reach and the earliest intercept of a predicted
//! boost trajectory.
//!
//! ## Fly-out model (docs/models/engage.md)
//!
//! The interceptor leaves its carrier `launch_delay_s` after the fire order, with the
//! carrier's velocity, and burns at constant acceleration `a` for up to
//! `t_b = delta_v / a` seconds in a fixed direction, then coasts to the intercept.
//!
//! * **Straight-line reach** (uniform gravity, which the interceptor and its carrier
//!   share): relative to the carrier's free flight, a burn of `t` seconds followed by a
//!   coast displaces the interceptor by `a t (tau - t/2)` after `tau` seconds of flight,
//!   largest for the longest burn, so the reach is
//!   `reach(tau) = a tau^2 / 2` for `tau <= t_b` and `delta_v (tau - t_b/2)` after.
//!   Used for spatial culling and for the geometric estimates of the sizing study.
//! * **Lambert intercept** (two-body gravity): the same finite burn is equivalent, in a
//!   uniform field exactly, to an impulse at the middle of the burn applied to the
//!   carrier's free-flight state there. For an intercept at `t_i` we take the longest
//!   burn available, `t = min(t_b, tau)`, solve Lambert's problem from the free-flight
//!   position at `t_L + t/2` to the target's predicted position at `t_i` in
//!   `tau - t/2` seconds, and call the intercept feasible when the impulse it needs is at
//!   most `a t`. The **margin** `a t - |dv|` (m/s) is >= 0 exactly when feasible.
//!
//! The earliest intercept is found by scanning intercept times on a grid (2 s by
//! default), refining the first feasible one by bisection to 1 ms, and, if no grid point
//! is feasible, by a golden-section search for a narrow window around the best margin.
//!
//! The kill vehicle's **divert** is not spent on the fly-out: it is the reserve for
//! homing on the real target, and fire control checks it against the track's predicted
//! position uncertainty (`tl_engage::fire`). The single-shot kill probability `pk` is
//! drawn by the run; studies report it.

use crate::lambert;
use crate::path::TargetPath;
use crate::platform::Platform;
use nalgebra::Vector3;
use tl_core::check::{FieldError, in_range, non_negative, positive};
use tl_core::consts::{G0_M_S2, MU_EARTH_M3_S2};

/// A space-based interceptor, SI units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interceptor {
    /// Fly-out velocity change of the booster, m/s.
    pub delta_v_m_s: f64,
    /// Mean acceleration during the burn, m/s^2.
    pub accel_m_s2: f64,
    /// Kill-vehicle divert velocity for homing, m/s.
    pub divert_m_s: f64,
    /// Time from the fire order to ignition, s.
    pub launch_delay_s: f64,
    /// Single-shot kill probability, in [0, 1].
    pub pk: f64,
}

/// Options of the intercept search.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SearchOptions {
    /// Grid step of intercept times, s.
    pub step_s: f64,
    /// Shortest flight considered, s (Lambert is ill-conditioned for very short arcs).
    pub min_flight_s: f64,
    /// Bisection tolerance on the intercept time, s.
    pub tol_s: f64,
}

impl Default for SearchOptions {
    fn default() -> Self {
        Self { step_s: 2.0, min_flight_s: 1.0, tol_s: 1e-3 }
    }
}

/// A feasible intercept.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InterceptPlan {
    /// Fire order, s.
    pub fire_t_s: f64,
    /// Ignition (fire + launch delay), s.
    pub launch_t_s: f64,
    /// Intercept instant, s.
    pub intercept_t_s: f64,
    /// Velocity change the fly-out uses, m/s (<= delta_v).
    pub delta_v_used_m_s: f64,
    /// Burn duration of that velocity change, s.
    pub burn_s: f64,
    /// Margin at the intercept time: available minus required velocity change, m/s.
    pub margin_m_s: f64,
    /// Distance from the carrier to the target at ignition, m.
    pub launch_range_m: f64,
    /// Closing speed at intercept (interceptor minus target), m/s.
    pub closing_speed_m_s: f64,
    /// Intercept position, ECI, m.
    pub intercept_pos_eci_m: Vector3<f64>,
}

impl Interceptor {
    /// Check every field; errors name the field, the value and the allowed range.
    ///
    /// ```
    /// let mut i = tl_engage::interceptor::Interceptor::aps2003_like();
    /// i.delta_v_m_s = -4.0;
    /// assert_eq!(i.validate().unwrap_err().field, "delta_v_m_s");
    /// ```
    pub fn validate(&self) -> Result<(), FieldError> {
        positive("delta_v_m_s", self.delta_v_m_s)?;
        positive("accel_m_s2", self.accel_m_s2)?;
        non_negative("divert_m_s", self.divert_m_s)?;
        non_negative("launch_delay_s", self.launch_delay_s)?;
        in_range("pk", self.pk, 0.0, 1.0)?;
        Ok(())
    }

    /// Interceptor figures in the spirit of the APS 2003 boost-phase study's space-based
    /// interceptor as publicly summarised: 4 km/s fly-out, 10 g mean acceleration,
    /// 2.5 km/s kill-vehicle divert, no launch delay beyond the decision, Pk = 1
    /// (the study's "optimistic" assumptions). See docs/models/engage.md for sources and
    /// the figures that still need confirming against the primary report.
    pub fn aps2003_like() -> Self {
        Self {
            delta_v_m_s: 4_000.0,
            accel_m_s2: 10.0 * G0_M_S2,
            divert_m_s: 2_500.0,
            launch_delay_s: 0.0,
            pk: 1.0,
        }
    }

    /// Burn time at full velocity change, s: delta_v / a.
    pub fn burn_time_s(&self) -> f64 {
        self.delta_v_m_s / self.accel_m_s2
    }

    /// Straight-line reach after `flight_s` seconds of flight, m (see the module docs).
    ///
    /// ```
    /// let i = tl_engage::interceptor::Interceptor { delta_v_m_s: 4_000.0, accel_m_s2: 100.0,
    ///     divert_m_s: 0.0, launch_delay_s: 0.0, pk: 1.0 };
    /// assert_eq!(i.reach_m(10.0), 5_000.0);                 // a t^2 / 2 while burning
    /// assert_eq!(i.reach_m(100.0), 4_000.0 * (100.0 - 20.0)); // dv (t - t_b/2) after
    /// ```
    #[inline]
    pub fn reach_m(&self, flight_s: f64) -> f64 {
        if flight_s.is_nan() || flight_s <= 0.0 {
            return 0.0;
        }
        let tb = self.burn_time_s();
        if flight_s <= tb {
            0.5 * self.accel_m_s2 * flight_s * flight_s
        } else {
            self.delta_v_m_s * (flight_s - 0.5 * tb)
        }
    }

    /// Shortest flight time to cover `distance_m` in a straight line, s (inverse of
    /// [`Interceptor::reach_m`]).
    pub fn time_to_reach_s(&self, distance_m: f64) -> f64 {
        if distance_m <= 0.0 {
            return 0.0;
        }
        let tb = self.burn_time_s();
        let d_burn = 0.5 * self.accel_m_s2 * tb * tb;
        if distance_m <= d_burn {
            (2.0 * distance_m / self.accel_m_s2).sqrt()
        } else {
            distance_m / self.delta_v_m_s + 0.5 * tb
        }
    }

    /// True when `distance_m` is within the straight-line reach after `flight_s`.
    #[inline]
    pub fn reaches(&self, distance_m: f64, flight_s: f64) -> bool {
        distance_m <= self.reach_m(flight_s)
    }

    /// The Lambert margin (m/s) of an intercept at `intercept_t_s` by an interceptor
    /// ignited at `launch_t_s`: available minus required velocity change for the longest
    /// burn (see the module docs), with the burn length used. `None` when the target path
    /// does not cover the time or Lambert fails.
    pub fn margin_m_s(
        &self,
        platform: &dyn Platform,
        target: &TargetPath,
        launch_t_s: f64,
        intercept_t_s: f64,
    ) -> Option<(f64, f64)> {
        let tau = intercept_t_s - launch_t_s;
        if tau.is_nan() || tau <= 0.0 {
            return None;
        }
        let burn = self.burn_time_s().min(tau);
        let (rt, _) = target.state_eci(intercept_t_s)?;
        let dv = self.required_dv(platform, &rt, launch_t_s, intercept_t_s, burn)?;
        Some((self.accel_m_s2 * burn - dv.norm(), burn))
    }

    /// Impulse (m/s, ECI) needed at mid-burn for a burn of `burn_s` to reach `target_m`
    /// at `intercept_t_s`.
    fn required_dv(
        &self,
        platform: &dyn Platform,
        target_m: &Vector3<f64>,
        launch_t_s: f64,
        intercept_t_s: f64,
        burn_s: f64,
    ) -> Option<Vector3<f64>> {
        let t_mid = launch_t_s + 0.5 * burn_s;
        let (rd, vd) = platform.state_eci(t_mid);
        let arc = lambert::solve(&rd, target_m, intercept_t_s - t_mid, MU_EARTH_M3_S2).ok()?;
        Some(arc.v1_m_s - vd)
    }

    /// The earliest feasible intercept of `target` before `deadline_t_s` (usually its
    /// burnout, possibly less a margin) for a fire order at `fire_t_s`, or `None`.
    pub fn earliest_intercept(
        &self,
        platform: &dyn Platform,
        target: &TargetPath,
        fire_t_s: f64,
        deadline_t_s: f64,
        opts: &SearchOptions,
    ) -> Option<InterceptPlan> {
        let t = self.search(platform, target, fire_t_s, deadline_t_s, opts, &|_| true, false)?;
        self.plan_at(platform, target, fire_t_s, t)
    }

    /// Whether any intercept is feasible before `deadline_t_s` (the same search as
    /// [`Interceptor::earliest_intercept`], stopping at the first feasible grid time).
    /// `worth_trying(t)` may veto intercept times cheaply (it must only veto times that
    /// cannot be feasible, e.g. by a widened straight-line reach test).
    pub fn can_intercept(
        &self,
        platform: &dyn Platform,
        target: &TargetPath,
        fire_t_s: f64,
        deadline_t_s: f64,
        opts: &SearchOptions,
        worth_trying: &dyn Fn(f64) -> bool,
    ) -> bool {
        self.search(platform, target, fire_t_s, deadline_t_s, opts, worth_trying, true).is_some()
    }

    /// Grid scan, then golden-section search for a narrow window near the best margin,
    /// then bisection to the earliest feasible time (skipped when `first_only`).
    #[allow(clippy::too_many_arguments)]
    fn search(
        &self,
        platform: &dyn Platform,
        target: &TargetPath,
        fire_t_s: f64,
        deadline_t_s: f64,
        opts: &SearchOptions,
        worth_trying: &dyn Fn(f64) -> bool,
        first_only: bool,
    ) -> Option<f64> {
        let launch = fire_t_s + self.launch_delay_s;
        let (_, t_end) = target.span_s();
        let deadline = deadline_t_s.min(t_end);
        let t_first = launch + opts.min_flight_s;
        if t_first > deadline {
            return None;
        }
        let m =
            |t: f64| self.margin_m_s(platform, target, launch, t).map(|x| x.0).unwrap_or(f64::NEG_INFINITY);
        // Grid scan.
        let mut prev_t = t_first;
        let mut best = (f64::NEG_INFINITY, t_first);
        let mut t = t_first;
        let mut found: Option<(f64, f64)> = None; // (last infeasible, first feasible)
        loop {
            if worth_trying(t) {
                let mt = m(t);
                if mt >= 0.0 {
                    found = Some((prev_t, t));
                    break;
                }
                if mt > best.0 {
                    best = (mt, t);
                }
            }
            if t >= deadline {
                break;
            }
            prev_t = t;
            t = (t + opts.step_s).min(deadline);
        }
        if found.is_none() {
            if best.0 == f64::NEG_INFINITY {
                return None;
            }
            // Narrow window between grid points: maximise the margin near the best one.
            let (mut a, mut b) = ((best.1 - opts.step_s).max(t_first), (best.1 + opts.step_s).min(deadline));
            let g = 0.5 * (5f64.sqrt() - 1.0);
            let mut c = b - g * (b - a);
            let mut d = a + g * (b - a);
            let (mut fc, mut fd) = (m(c), m(d));
            while b - a > opts.tol_s {
                if fc >= 0.0 || fd >= 0.0 {
                    break;
                }
                if fc > fd {
                    b = d;
                    d = c;
                    fd = fc;
                    c = b - g * (b - a);
                    fc = m(c);
                } else {
                    a = c;
                    c = d;
                    fc = fd;
                    d = a + g * (b - a);
                    fd = m(d);
                }
            }
            if fc >= 0.0 {
                found = Some((a, c));
            } else if fd >= 0.0 {
                found = Some((a, d));
            } else {
                return None;
            }
        }
        let (mut lo, mut hi) = found?;
        if first_only {
            return Some(hi);
        }
        if m(lo) >= 0.0 {
            hi = lo;
        }
        while hi - lo > opts.tol_s {
            let mid = 0.5 * (lo + hi);
            if m(mid) >= 0.0 {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Some(hi)
    }

    /// The intercept plan for a given intercept time if feasible there: the burn actually
    /// needed is the fixed point of `t = |dv(t)| / a` (it converges when feasible).
    pub fn plan_at(
        &self,
        platform: &dyn Platform,
        target: &TargetPath,
        fire_t_s: f64,
        intercept_t_s: f64,
    ) -> Option<InterceptPlan> {
        let launch = fire_t_s + self.launch_delay_s;
        let (margin, burn_max) = self.margin_m_s(platform, target, launch, intercept_t_s)?;
        if margin < 0.0 {
            return None;
        }
        let (rt, vt) = target.state_eci(intercept_t_s)?;
        let mut burn = burn_max;
        let mut dv = self.required_dv(platform, &rt, launch, intercept_t_s, burn)?;
        for _ in 0..30 {
            let next = (dv.norm() / self.accel_m_s2).min(burn_max);
            let done = (next - burn).abs() < 1e-9;
            burn = next;
            dv = self.required_dv(platform, &rt, launch, intercept_t_s, burn)?;
            if done {
                break;
            }
        }
        let t_mid = launch + 0.5 * burn;
        let (rd, _) = platform.state_eci(t_mid);
        let arc = lambert::solve(&rd, &rt, intercept_t_s - t_mid, MU_EARTH_M3_S2).ok()?;
        let (rl, _) = platform.state_eci(launch);
        let (rt_launch, _) = target.state_eci(launch).unwrap_or((rt, vt));
        Some(InterceptPlan {
            fire_t_s,
            launch_t_s: launch,
            intercept_t_s,
            delta_v_used_m_s: dv.norm(),
            burn_s: burn,
            margin_m_s: margin,
            launch_range_m: (rt_launch - rl).norm(),
            closing_speed_m_s: (arc.v2_m_s - vt).norm(),
            intercept_pos_eci_m: rt,
        })
    }

    /// The fly-out of a planned intercept as ECI positions every `step_s` from ignition
    /// (`launch_t_s`) to `intercept_t_s` (both included), for display: while burning
    /// (`burn_s`), the carrier's free flight plus the burn's displacement
    /// `a (t - t_L)^2 / 2` along the impulse direction (exact in a uniform field); then
    /// the Lambert arc from the mid-burn point to `aim_eci_m`, integrated with two-body
    /// gravity (RK4, steps of at most 0.5 s), which ends at the aim point. `None` when
    /// the times are inconsistent or Lambert fails.
    pub fn flyout(
        &self,
        platform: &dyn Platform,
        launch_t_s: f64,
        burn_s: f64,
        intercept_t_s: f64,
        aim_eci_m: &Vector3<f64>,
        step_s: f64,
    ) -> Option<Vec<(f64, Vector3<f64>)>> {
        let tau = intercept_t_s - launch_t_s;
        if !(tau > 0.0 && step_s > 0.0 && burn_s >= 0.0 && burn_s <= tau) {
            return None;
        }
        let dv = self.required_dv(platform, aim_eci_m, launch_t_s, intercept_t_s, burn_s)?;
        let u = if dv.norm() > 0.0 { dv.normalize() } else { Vector3::zeros() };
        let a = if burn_s > 0.0 { dv.norm() / burn_s } else { 0.0 };
        let t_mid = launch_t_s + 0.5 * burn_s;
        let (rd, vd) = platform.state_eci(t_mid);
        // Two-body arc from mid-burn, integrated forward.
        let accel = |r: &Vector3<f64>| -r * (MU_EARTH_M3_S2 / r.norm().powi(3));
        let (mut r, mut v, mut t) = (rd, vd + dv, t_mid);
        let advance = |to: f64, r: &mut Vector3<f64>, v: &mut Vector3<f64>, t: &mut f64| {
            let n = ((to - *t) / 0.5).ceil().max(1.0) as usize;
            let h = (to - *t) / n as f64;
            for _ in 0..n {
                let (k1r, k1v) = (*v, accel(r));
                let (k2r, k2v) = (*v + k1v * (0.5 * h), accel(&(*r + k1r * (0.5 * h))));
                let (k3r, k3v) = (*v + k2v * (0.5 * h), accel(&(*r + k2r * (0.5 * h))));
                let (k4r, k4v) = (*v + k3v * h, accel(&(*r + k3r * h)));
                *r += (k1r + (k2r + k3r) * 2.0 + k4r) * (h / 6.0);
                *v += (k1v + (k2v + k3v) * 2.0 + k4v) * (h / 6.0);
            }
            *t = to;
        };
        let n = (tau / step_s).ceil().max(1.0) as usize;
        let mut out = Vec::with_capacity(n + 1);
        for k in 0..=n {
            let tk = if k == n { intercept_t_s } else { launch_t_s + k as f64 * step_s };
            let p = if tk <= launch_t_s + burn_s {
                let (rc, _) = platform.state_eci(tk);
                let dt = tk - launch_t_s;
                rc + u * (0.5 * a * dt * dt)
            } else {
                advance(tk, &mut r, &mut v, &mut t);
                r
            };
            if !p.iter().all(|x| x.is_finite()) {
                return None;
            }
            out.push((tk, p));
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::path::PathNode;
    use crate::platform::CircularOrbit;

    fn kv() -> Interceptor {
        Interceptor {
            delta_v_m_s: 4_000.0,
            accel_m_s2: 100.0,
            divert_m_s: 1_000.0,
            launch_delay_s: 3.0,
            pk: 0.9,
        }
    }

    #[test]
    fn straight_line_reach_limit_is_exact() {
        let i = kv();
        // Burn 40 s: reach 80 km at the end of the burn, then +4 km per second.
        assert_eq!(i.burn_time_s(), 40.0);
        assert_eq!(i.reach_m(40.0), 80_000.0);
        assert_eq!(i.reach_m(100.0), 320_000.0);
        for tau in [5.0, 39.0, 40.0, 41.0, 150.0] {
            let d = i.reach_m(tau);
            assert!(i.reaches(d, tau), "exactly at the limit is reached");
            assert!(!i.reaches(d + 1e-6, tau), "just beyond is not");
            assert!((i.time_to_reach_s(d) - tau).abs() < 1e-9);
        }
        // Continuous at the end of the burn.
        assert!((i.reach_m(40.0 - 1e-9) - i.reach_m(40.0 + 1e-9)).abs() < 1e-3);
    }

    /// A target that flies in formation with the carrier at a fixed offset (free-flight
    /// orbit plus offset): the required velocity change falls as the flight lengthens, so
    /// the earliest intercept is where the margin crosses zero.
    fn formation_target(orbit: &CircularOrbit, offset: Vector3<f64>, t_end: f64) -> TargetPath {
        let nodes = (0..=(t_end as usize))
            .map(|k| {
                let t = k as f64;
                let (r, v) = orbit.state_eci(t);
                PathNode { t_s: t, pos_eci_m: r + offset, vel_eci_m_s: v }
            })
            .collect();
        TargetPath::new(nodes, t_end).unwrap()
    }

    #[test]
    fn flyout_starts_at_the_carrier_and_ends_at_the_aim() {
        let orbit = CircularOrbit::new(tl_core::consts::WGS84_A_M + 400e3, 0.8, 0.2, 1.0);
        let tgt = formation_target(&orbit, Vector3::new(-150e3, 220e3, 90e3), 300.0);
        let i = Interceptor {
            delta_v_m_s: 4_000.0,
            accel_m_s2: 100.0,
            divert_m_s: 0.0,
            launch_delay_s: 2.0,
            pk: 1.0,
        };
        let p = i.earliest_intercept(&orbit, &tgt, 10.0, 200.0, &SearchOptions::default()).unwrap();
        let fly =
            i.flyout(&orbit, p.launch_t_s, p.burn_s, p.intercept_t_s, &p.intercept_pos_eci_m, 1.0).unwrap();
        let (t0, r0) = fly[0];
        assert_eq!(t0, p.launch_t_s);
        assert!((r0 - orbit.state_eci(t0).0).norm() < 1e-6, "ignition at the carrier");
        let (t1, r1) = fly[fly.len() - 1];
        assert_eq!(t1, p.intercept_t_s);
        assert!(
            (r1 - p.intercept_pos_eci_m).norm() < 1.0,
            "ends at the aim: {}",
            (r1 - p.intercept_pos_eci_m).norm()
        );
        // No jump where the burn hands over to the arc: relative to the carrier, each
        // second moves at most the burn's velocity change (plus 1 km of slack for the
        // gravity-gradient difference between the two descriptions).
        for w in fly.windows(2) {
            let (ta, ra) = w[0];
            let (tb, rb) = w[1];
            let rel = (rb - orbit.state_eci(tb).0) - (ra - orbit.state_eci(ta).0);
            assert!(rel.norm() <= p.delta_v_used_m_s * (tb - ta) + 1_000.0, "t {ta}: {}", rel.norm());
        }
        assert!(
            i.flyout(&orbit, 50.0, 1.0, 40.0, &p.intercept_pos_eci_m, 1.0).is_none(),
            "intercept before ignition"
        );
    }

    #[test]
    fn lambert_reach_limit_is_exact() {
        let orbit = CircularOrbit::new(tl_core::consts::WGS84_A_M + 400e3, 0.8, 0.2, 1.0);
        let offset = Vector3::new(-150e3, 220e3, 90e3);
        let tgt = formation_target(&orbit, offset, 300.0);
        let fire = 10.0;
        let deadline = 120.0;
        // Size the interceptor so that the margin is exactly zero at the deadline:
        // burn t_b = 20 s; dv from Lambert with departure at fire + delay + t_b / 2.
        let proto =
            Interceptor { delta_v_m_s: 1.0, accel_m_s2: 1.0, divert_m_s: 0.0, launch_delay_s: 2.0, pk: 1.0 };
        let launch = fire + proto.launch_delay_s;
        let tb = 20.0;
        let (rd, vd) = orbit.state_eci(launch + tb / 2.0);
        let (rt, _) = tgt.state_eci(deadline).unwrap();
        let arc = lambert::solve(&rd, &rt, deadline - launch - tb / 2.0, MU_EARTH_M3_S2).unwrap();
        let dv_star = (arc.v1_m_s - vd).norm();
        let at_limit = Interceptor { delta_v_m_s: dv_star, accel_m_s2: dv_star / tb, ..proto };
        let (m, burn) = at_limit.margin_m_s(&orbit, &tgt, launch, deadline).unwrap();
        assert!(m.abs() < 1e-6 && (burn - tb).abs() < 1e-12, "margin {m}");
        // Exactly at the limit: reached, at the deadline.
        let plan = at_limit
            .earliest_intercept(&orbit, &tgt, fire, deadline, &SearchOptions::default())
            .or_else(|| {
                // m may round to -1e-12: allow one part in 1e12 of velocity change.
                let nudged = Interceptor { delta_v_m_s: dv_star * (1.0 + 1e-12), ..at_limit };
                nudged.earliest_intercept(&orbit, &tgt, fire, deadline, &SearchOptions::default())
            })
            .expect("at the limit is reached");
        assert!((plan.intercept_t_s - deadline).abs() < 2e-3, "{}", plan.intercept_t_s);
        // Just beyond (one part in a million less velocity change, same burn time): not.
        let short = Interceptor {
            delta_v_m_s: dv_star * (1.0 - 1e-6),
            accel_m_s2: dv_star * (1.0 - 1e-6) / tb,
            ..proto
        };
        assert!(short.earliest_intercept(&orbit, &tgt, fire, deadline, &SearchOptions::default()).is_none());
        // A more capable interceptor intercepts earlier, and the plan arrives on target.
        let strong = Interceptor { delta_v_m_s: dv_star * 1.5, accel_m_s2: dv_star * 1.5 / tb, ..proto };
        let p = strong.earliest_intercept(&orbit, &tgt, fire, deadline, &SearchOptions::default()).unwrap();
        assert!(p.intercept_t_s < deadline - 10.0);
        assert!(p.margin_m_s >= 0.0 && p.delta_v_used_m_s <= strong.delta_v_m_s + 1e-6);
        assert!(
            (strong.margin_m_s(&orbit, &tgt, launch, p.intercept_t_s - 0.01).unwrap().0) < 0.0,
            "earliest"
        );
    }

    #[test]
    fn lambert_and_straight_line_agree_for_short_flights() {
        // With little gravity-gradient effect (short, nearby), the Lambert-feasible
        // earliest time matches the straight-line reach time within a few percent.
        let orbit = CircularOrbit::new(tl_core::consts::WGS84_A_M + 400e3, 0.8, 0.2, 1.0);
        let offset = Vector3::new(30e3, -40e3, 20e3);
        let tgt = formation_target(&orbit, offset, 300.0);
        let i = Interceptor { launch_delay_s: 0.0, ..kv() };
        let p = i.earliest_intercept(&orbit, &tgt, 0.0, 300.0, &SearchOptions::default()).unwrap();
        let t_sl = i.time_to_reach_s(offset.norm());
        assert!((p.intercept_t_s - t_sl).abs() / t_sl < 0.03, "{} vs {t_sl}", p.intercept_t_s);
    }

    #[test]
    fn bad_interceptors_are_refused() {
        let ok = kv();
        ok.validate().unwrap();
        assert_eq!(Interceptor { delta_v_m_s: 0.0, ..ok }.validate().unwrap_err().field, "delta_v_m_s");
        assert_eq!(Interceptor { accel_m_s2: -1.0, ..ok }.validate().unwrap_err().field, "accel_m_s2");
        assert_eq!(Interceptor { pk: 1.5, ..ok }.validate().unwrap_err().field, "pk");
        assert_eq!(
            Interceptor { delta_v_m_s: -4.0, ..ok }.validate().unwrap_err().to_string(),
            "delta_v_m_s = -4: must be a finite number > 0"
        );
    }
}
