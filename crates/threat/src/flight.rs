//! Equations of motion and the integrations of one flight: the powered ascent of the
//! stack (fixed-step RK4) and the ballistic flight of unpowered bodies (adaptive
//! Dormand-Prince with impact detection).
//!
//! Dynamics (ECI, treated as inertial):
//!
//! `r'' = g(r) + T(t, h) / m(t) u(t) - rho(h) |v_a| v_a Cd(M) A / (2 m(t))`
//!
//! * `g`: point mass + J2 (WGS84) or point mass (sphere);
//! * `T = T_vac - (T_vac - T_sl) p(h) / p0` with `T_vac = mdot g0 Isp_vac` (constant mass flow);
//! * `v_a = v - omega x r`: velocity relative to the atmosphere, which turns with the Earth;
//! * `Cd(M)` from [`crate::aero::CD_TABLE`], `M = |v_a| / a(h)`, `A` the largest cross-section
//!   of the remaining stack;
//! * steering `u`: vertical (along the pad's local vertical) for `vertical_rise_s`, then a
//!   pitch-over that tilts the thrust linearly to the angle `delta` from the vertical
//!   towards the launch azimuth over `pitch_over_s`, held until the air-relative velocity
//!   has tilted as far (located as an event), then a zero-angle-of-attack gravity turn
//!   (`u` along `v_a`) to burnout. The last stage may be cut off early (thrust termination) to set the range.
//!
//! Unpowered bodies: `r'' = g(r) - rho(h) |v_a| v_a / (2 beta)`, beta = m / (Cd A).

use crate::earth::EarthModel;
use crate::integrate::{Node, Tolerance, dp45_step, hermite5, next_step, rk4_step};
use crate::spec::MissileSpec;
use tl_core::Vec3;
use tl_core::check::FieldError;

/// Integration settings of a flight.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Integration {
    /// RK4 step during powered flight, s (intervals are split evenly so that every event
    /// falls on a node).
    pub boost_step_s: f64,
    /// Tolerance of the adaptive coast/reentry integrator.
    pub tol: Tolerance,
    /// Largest step of the adaptive integrator, s.
    pub max_step_s: f64,
    /// Longest ballistic flight before giving up, s.
    pub max_flight_s: f64,
}

impl Default for Integration {
    fn default() -> Self {
        Self { boost_step_s: 0.5, tol: Tolerance::default(), max_step_s: 120.0, max_flight_s: 4.0 * 3600.0 }
    }
}

/// Per-stage quantities derived from the spec.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StageDyn {
    /// Ignition, s after lift-off.
    pub tau_ign: f64,
    pub burn: f64,
    pub mdot: f64,
    pub thrust_vac: f64,
    pub thrust_sl: f64,
    /// Stack mass at ignition, kg.
    pub m_ign: f64,
    /// Reference area of the stack while this stage burns, m^2.
    pub area: f64,
    pub coast_after: f64,
}

/// A validated missile, ready to fly.
#[derive(Clone, Debug)]
pub struct Missile {
    spec: MissileSpec,
    pub(crate) stages: Vec<StageDyn>,
}

/// What drives the stack during one integration interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SegKind {
    /// Stage k (0-based) burning.
    Burn(usize),
    /// Coast of the stack whose bottom stage is k (0-based), before it ignites.
    Coast(usize),
}

/// Launch pad geometry (ECEF) and launch time.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Pad {
    pub t0: f64,
    pub r_ecef: Vec3,
    pub up: Vec3,
    pub north: Vec3,
    pub east: Vec3,
}

impl Pad {
    pub fn new(earth: &EarthModel, lat_rad: f64, lon_rad: f64, t0: f64) -> Self {
        let [east, north, up] = earth.enu(lat_rad, lon_rad);
        Self { t0, r_ecef: earth.point_ecef(lat_rad, lon_rad, 0.0), up, north, east }
    }
}

/// Guidance parameters of one ascent.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Guidance {
    /// Launch azimuth, rad from north towards east.
    pub psi: f64,
    /// Pitch-over angle from the vertical, rad.
    pub delta: f64,
    /// Thrust termination of the last stage, s after lift-off (None: full burn).
    pub tau_cutoff: Option<f64>,
}

/// The integrated ascent.
#[derive(Clone, Debug)]
pub(crate) struct BoostRun {
    pub nodes: Vec<Node>,
    /// Per stage: (first node index at ignition, node index at burnout).
    pub stage_nodes: Vec<(usize, usize)>,
    /// Per interval: (t_start, t_end, kind).
    pub intervals: Vec<(f64, f64, SegKind)>,
    /// The stack hit the ground during the ascent.
    pub crashed: bool,
}

/// How a ballistic integration ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndReason {
    /// Reached the ground (altitude 0).
    Impact,
    /// Came down through the body's end altitude (burn-up of light objects).
    BurnUp,
    /// Still flying at the end of the allowed time (e.g. orbital).
    Timeout,
    /// Ended by an engagement.
    Killed,
    /// Handed over to a successor object (the booster at final burnout).
    Separated,
}

/// A ballistic integration.
#[derive(Clone, Debug)]
pub(crate) struct BallisticRun {
    pub nodes: Vec<Node>,
    pub end: EndReason,
}

/// Find the node interval containing `t` (last node with t_s <= t) and interpolate.
pub(crate) fn interpolate(nodes: &[Node], t: f64) -> (Vec3, Vec3) {
    let n = nodes.len();
    if n == 1 || t <= nodes[0].t_s {
        return (nodes[0].pos_eci_m, nodes[0].vel_eci_m_s);
    }
    if t >= nodes[n - 1].t_s {
        return (nodes[n - 1].pos_eci_m, nodes[n - 1].vel_eci_m_s);
    }
    let i = nodes.partition_point(|x| x.t_s <= t) - 1;
    hermite5(&nodes[i], &nodes[i + 1], t)
}

impl Missile {
    /// Validate a spec and derive the flight quantities.
    ///
    /// ```
    /// let m = tl_threat::Missile::new(tl_threat::catalogue::get("srbm").unwrap()).unwrap();
    /// assert_eq!(m.spec().name, "srbm");
    /// ```
    pub fn new(spec: MissileSpec) -> Result<Self, FieldError> {
        spec.validate()?;
        let n = spec.stages.len();
        let mut stages = Vec::with_capacity(n);
        let mut tau = 0.0;
        for (k, s) in spec.stages.iter().enumerate() {
            let above: f64 = spec.payload_mass_kg
                + spec.stages[k..].iter().map(|x| x.propellant_mass_kg + x.dry_mass_kg).sum::<f64>();
            let dmax = spec.stages[k..].iter().map(|x| x.diameter_m).fold(spec.payload_diameter_m, f64::max);
            let coast = if k + 1 < n { s.coast_after_s } else { 0.0 };
            stages.push(StageDyn {
                tau_ign: tau,
                burn: s.burn_time_s,
                mdot: s.mass_flow_kg_s(),
                thrust_vac: s.thrust_vac_n(),
                thrust_sl: s.thrust_sl_n(),
                m_ign: above,
                area: std::f64::consts::FRAC_PI_4 * dmax * dmax,
                coast_after: coast,
            });
            tau += s.burn_time_s + coast;
        }
        Ok(Self { spec, stages })
    }

    /// The spec this missile was built from.
    pub fn spec(&self) -> &MissileSpec {
        &self.spec
    }

    /// Number of stages.
    pub fn stage_count(&self) -> usize {
        self.stages.len()
    }

    /// Last-stage ignition and nominal burnout, s after lift-off.
    pub(crate) fn last_stage_window(&self) -> (f64, f64) {
        let s = self.stages[self.stages.len() - 1];
        (s.tau_ign, s.tau_ign + s.burn)
    }

    /// Mass of the stack at `tau` s after lift-off in interval kind `seg`.
    #[inline]
    pub(crate) fn mass_at(&self, seg: SegKind, tau: f64) -> f64 {
        match seg {
            SegKind::Burn(k) => {
                let s = &self.stages[k];
                s.m_ign - s.mdot * (tau - s.tau_ign).clamp(0.0, s.burn)
            }
            SegKind::Coast(k) => self.stages[k].m_ign,
        }
    }

    /// Acceleration of the stack, ECI m/s^2. `turn`: the gravity turn has begun (thrust
    /// along the air-relative velocity); before it, the thrust follows the pitch-over law.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn accel_boost(
        &self,
        earth: &EarthModel,
        pad: &Pad,
        g: &Guidance,
        seg: SegKind,
        turn: bool,
        t: f64,
        r: &Vec3,
        v: &Vec3,
    ) -> Vec3 {
        let tau = t - pad.t0;
        let grav = earth.gravity(r);
        let (rho, p, a_snd) = earth.air(r);
        let va = earth.air_relative_velocity(r, v);
        let va_n = va.norm();
        let (k, burning) = match seg {
            SegKind::Burn(k) => (k, true),
            SegKind::Coast(k) => (k, false),
        };
        let st = &self.stages[k];
        let m = self.mass_at(seg, tau);
        let mut acc = grav;
        if rho > 0.0 && va_n > 0.0 {
            let cd = crate::aero::cd_of_mach(va_n / a_snd) * self.spec.cd_scale;
            acc -= va * (0.5 * rho * va_n * cd * st.area / m);
        }
        if burning {
            let thrust = st.thrust_vac - (st.thrust_vac - st.thrust_sl) * (p / crate::atmosphere::P0_PA);
            let dir = if turn && va_n > 0.0 { va / va_n } else { self.pitch_over_dir(earth, pad, g, t) };
            acc += dir * (thrust / m);
        }
        acc
    }

    /// Thrust direction (ECI) of the vertical rise and pitch-over law at `t`.
    #[inline]
    fn pitch_over_dir(&self, earth: &EarthModel, pad: &Pad, g: &Guidance, t: f64) -> Vec3 {
        let tau = t - pad.t0;
        let frame = earth.frame(t);
        let up = frame.dir_to_eci(&pad.up);
        let tv = self.spec.vertical_rise_s;
        if tau < tv {
            return up;
        }
        let theta = g.delta * ((tau - tv) / self.spec.pitch_over_s).min(1.0);
        let (s_psi, c_psi) = g.psi.sin_cos();
        let horiz = frame.dir_to_eci(&(pad.north * c_psi + pad.east * s_psi));
        let (st, ct) = theta.sin_cos();
        up * ct + horiz * st
    }

    /// Tilt of the air-relative velocity from the pad's vertical minus the pitch-over angle
    /// (rad): the gravity turn starts where this reaches 0.
    #[inline]
    fn turn_margin(&self, earth: &EarthModel, pad: &Pad, g: &Guidance, t: f64, r: &Vec3, v: &Vec3) -> f64 {
        let up = earth.frame(t).dir_to_eci(&pad.up);
        let va = earth.air_relative_velocity(r, v);
        tl_core::geom::angle_between(&va, &up) - g.delta
    }

    /// Integrate the ascent with guidance `g` and RK4 step `h`.
    pub(crate) fn run_boost(&self, earth: &EarthModel, pad: &Pad, g: &Guidance, h: f64) -> BoostRun {
        let n = self.stages.len();
        let tv = self.spec.vertical_rise_s;
        let tk = self.spec.pitch_over_s;
        let mut intervals: Vec<(f64, f64, SegKind)> = Vec::with_capacity(2 * n + 2);
        for (k, st) in self.stages.iter().enumerate() {
            let a = st.tau_ign;
            let mut b = a + st.burn;
            if let (true, Some(c)) = (k + 1 == n, g.tau_cutoff) {
                b = c.clamp(a + 1e-3, b);
            }
            if k == 0 {
                intervals.push((a, tv, SegKind::Burn(0)));
                intervals.push((tv, tv + tk, SegKind::Burn(0)));
                intervals.push((tv + tk, b, SegKind::Burn(0)));
            } else {
                intervals.push((a, b, SegKind::Burn(k)));
            }
            if k + 1 < n && st.coast_after > 0.0 {
                intervals.push((b, b + st.coast_after, SegKind::Coast(k + 1)));
            }
        }
        let total: f64 = intervals.iter().map(|x| x.1 - x.0).sum();
        let mut nodes = Vec::with_capacity((total / h) as usize + 2 * intervals.len() + 4);
        let mut stage_nodes = vec![(0usize, 0usize); n];
        let frame0 = earth.frame(pad.t0);
        let (mut r, mut v) = frame0.state_to_eci(&pad.r_ecef, &Vec3::zeros());
        let mut crashed = false;
        let f_of = |seg: SegKind, turn: bool| {
            move |t: f64, r: &Vec3, v: &Vec3| self.accel_boost(earth, pad, g, seg, turn, t, r, v)
        };
        'outer: for (ii, &(a, b, seg)) in intervals.iter().enumerate() {
            if let SegKind::Burn(k) = seg
                && a == self.stages[k].tau_ign
            {
                stage_nodes[k].0 = nodes.len();
            }
            // Stage 1 after the pitch-over (interval 2): hold the pitch-over attitude until the
            // velocity has tilted as far, then turn. The switch is located as an event (a
            // node), so the integration never steps across the change of law.
            let mut turn = ii >= 3;
            let mut ta = a;
            let mut t = pad.t0 + a;
            let mut f = f_of(seg, turn);
            if ii == 2 && self.turn_margin(earth, pad, g, t, &r, &v) >= 0.0 {
                turn = true;
                f = f_of(seg, true);
            }
            let mut acc = f(t, &r, &v);
            let mut steps = (((b - ta) / h) - 1e-9).ceil().max(1.0) as usize;
            let mut hs = (b - ta) / steps as f64;
            let mut i = 0;
            while i < steps {
                nodes.push(Node { t_s: t, pos_eci_m: r, vel_eci_m_s: v, acc_eci_m_s2: acc });
                let (rn, vn) = rk4_step(&mut f, t, &r, &v, &acc, hs);
                let tn = pad.t0 + ta + (i + 1) as f64 * hs;
                if ii == 2 && !turn {
                    let m1 = self.turn_margin(earth, pad, g, tn, &rn, &vn);
                    if m1 >= 0.0 {
                        // The switch falls inside this step: estimate its time (secant on
                        // the margin), step there with the hold law, restart the grid.
                        let m0 = self.turn_margin(earth, pad, g, t, &r, &v);
                        let hc = (hs * m0 / (m0 - m1)).clamp(0.0, hs);
                        if hc > 1e-9 {
                            let (rc, vc) = rk4_step(&mut f, t, &r, &v, &acc, hc);
                            t += hc;
                            (r, v) = (rc, vc);
                            let a_left = f(t, &r, &v);
                            nodes.push(Node { t_s: t, pos_eci_m: r, vel_eci_m_s: v, acc_eci_m_s2: a_left });
                        } else {
                            nodes.pop();
                        }
                        turn = true;
                        f = f_of(seg, true);
                        acc = f(t, &r, &v);
                        ta = t - pad.t0;
                        steps = (((b - ta) / h) - 1e-9).ceil().max(1.0) as usize;
                        hs = (b - ta) / steps as f64;
                        i = 0;
                        if b - ta < 1e-9 {
                            break;
                        }
                        continue;
                    }
                }
                (r, v, t) = (rn, vn, tn);
                acc = f(t, &r, &v);
                i += 1;
                if t - pad.t0 > tv && earth.height_m(&r) < 0.0 {
                    crashed = true;
                    nodes.push(Node { t_s: t, pos_eci_m: r, vel_eci_m_s: v, acc_eci_m_s2: acc });
                    break 'outer;
                }
            }
            nodes.push(Node { t_s: t, pos_eci_m: r, vel_eci_m_s: v, acc_eci_m_s2: acc });
            if let SegKind::Burn(k) = seg {
                stage_nodes[k].1 = nodes.len() - 1;
            }
        }
        BoostRun { nodes, stage_nodes, intervals, crashed }
    }
}

impl Missile {
    /// The ascent `run` (integrated to full burn) cut off at `tau_cutoff` s after lift-off
    /// in the last stage: nodes before the cut-off, then the interpolated state at it.
    pub(crate) fn truncate_boost(
        &self,
        earth: &EarthModel,
        pad: &Pad,
        g: &Guidance,
        run: &BoostRun,
        tau_cutoff: f64,
    ) -> BoostRun {
        let n = self.stages.len();
        let (i0, i1) = run.stage_nodes[n - 1];
        let (lo, hi) = (run.nodes[i0].t_s - pad.t0, run.nodes[i1].t_s - pad.t0);
        let tau = tau_cutoff.clamp(lo, hi);
        if run.crashed || tau >= hi {
            return run.clone();
        }
        let t = pad.t0 + tau;
        let (r, v) = interpolate(&run.nodes[i0..=i1], t);
        let k = run.nodes[i0..=i1].partition_point(|x| x.t_s < t) + i0;
        let mut nodes = run.nodes[..k].to_vec();
        let seg = SegKind::Burn(n - 1);
        // Single-stage missiles may still hold the pitch-over attitude at cut-off.
        let turn = n > 1 || self.turn_margin(earth, pad, g, t, &r, &v) >= 0.0;
        let a = self.accel_boost(earth, pad, g, seg, turn, t, &r, &v);
        nodes.push(Node { t_s: t, pos_eci_m: r, vel_eci_m_s: v, acc_eci_m_s2: a });
        let mut stage_nodes = run.stage_nodes.clone();
        stage_nodes[n - 1].1 = nodes.len() - 1;
        let mut intervals = run.intervals.clone();
        intervals.retain(|iv| iv.0 < tau);
        if let Some(last) = intervals.last_mut() {
            last.1 = tau;
        }
        BoostRun { nodes, stage_nodes, intervals, crashed: false }
    }
}

/// Acceleration of an unpowered body with ballistic coefficient `beta` (kg/m^2;
/// infinite = no drag).
#[inline]
pub(crate) fn accel_ballistic(earth: &EarthModel, beta: f64, r: &Vec3, v: &Vec3) -> Vec3 {
    let mut acc = earth.gravity(r);
    if earth.drag && beta.is_finite() {
        let h = earth.height_m(r);
        if h < 1.0e6 {
            let rho = crate::atmosphere::density_kg_m3(h);
            let va = earth.air_relative_velocity(r, v);
            acc -= va * (rho * va.norm() / (2.0 * beta));
        }
    }
    acc
}

/// Integrate an unpowered body from (t0, r0, v0) until it comes down through
/// `end_height_m` (or `t_max`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn run_ballistic(
    earth: &EarthModel,
    beta: f64,
    t0: f64,
    r0: Vec3,
    v0: Vec3,
    end_height_m: f64,
    t_max: f64,
    int: &Integration,
) -> BallisticRun {
    let mut f = |_t: f64, r: &Vec3, v: &Vec3| accel_ballistic(earth, beta, r, v);
    let (mut t, mut r, mut v) = (t0, r0, v0);
    let mut a = f(t, &r, &v);
    let mut nodes = Vec::with_capacity(128);
    nodes.push(Node { t_s: t, pos_eci_m: r, vel_eci_m_s: v, acc_eci_m_s2: a });
    let end_reason = if end_height_m > 0.0 { EndReason::BurnUp } else { EndReason::Impact };
    let h0 = earth.height_m(&r);
    if h0 <= end_height_m && r.dot(&v) <= 0.0 {
        return BallisticRun { nodes, end: end_reason };
    }
    let mut h: f64 = 2.0;
    let mut prev_h = h0;
    loop {
        if t >= t_max {
            return BallisticRun { nodes, end: EndReason::Timeout };
        }
        let step = h.min(int.max_step_s).min(t_max - t);
        let s = dp45_step(&mut f, t, &r, &v, &a, step, &int.tol);
        h = next_step(step, s.err);
        if s.err > 1.0 {
            continue;
        }
        let t_new = t + step;
        let h_new = earth.height_m(&s.r);
        let node = Node { t_s: t_new, pos_eci_m: s.r, vel_eci_m_s: s.v, acc_eci_m_s2: s.a };
        if h_new <= end_height_m && prev_h > end_height_m {
            // Locate the crossing on the interpolant (bisection, to < 0.1 mm in height).
            let n0 = *nodes.last().expect("nodes start non-empty");
            let (mut lo, mut hi) = (t, t_new);
            let mut x = (s.r, s.v);
            for _ in 0..80 {
                let mid = 0.5 * (lo + hi);
                let p = hermite5(&n0, &node, mid);
                let hm = earth.height_m(&p.0);
                x = p;
                if (hm - end_height_m).abs() < 1e-4 {
                    lo = mid;
                    hi = mid;
                    break;
                }
                if hm > end_height_m {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let tc = 0.5 * (lo + hi);
            let ac = f(tc, &x.0, &x.1);
            nodes.push(Node { t_s: tc, pos_eci_m: x.0, vel_eci_m_s: x.1, acc_eci_m_s2: ac });
            return BallisticRun { nodes, end: end_reason };
        }
        nodes.push(node);
        (t, r, v, a) = (t_new, s.r, s.v, s.a);
        prev_h = h_new;
    }
}

/// Highest point of a sampled trajectory: (time s, height m above the surface),
/// refined between nodes by golden-section search on the interpolant.
pub(crate) fn apogee(earth: &EarthModel, nodes: &[Node]) -> (f64, f64) {
    let mut best = 0;
    let mut best_h = f64::NEG_INFINITY;
    for (i, n) in nodes.iter().enumerate() {
        let h = earth.height_m(&n.pos_eci_m);
        if h > best_h {
            best_h = h;
            best = i;
        }
    }
    let lo = best.saturating_sub(1);
    let hi = (best + 1).min(nodes.len() - 1);
    let (mut a, mut b) = (nodes[lo].t_s, nodes[hi].t_s);
    let hf = |t: f64| earth.height_m(&interpolate(nodes, t).0);
    let gr = 0.618_033_988_749_894_9;
    let mut c = b - gr * (b - a);
    let mut d = a + gr * (b - a);
    let (mut fc, mut fd) = (hf(c), hf(d));
    for _ in 0..60 {
        if (b - a) < 1e-4 {
            break;
        }
        if fc > fd {
            b = d;
            d = c;
            fd = fc;
            c = b - gr * (b - a);
            fc = hf(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + gr * (b - a);
            fd = hf(d);
        }
    }
    let t = 0.5 * (a + b);
    let h = hf(t).max(best_h);
    (t, h)
}
