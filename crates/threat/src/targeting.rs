//! Launches: from a launch spec (missile, site, aim point, time, trajectory shape) to a
//! solved, sampled flight with all its objects.
//!
//! The targeting solve finds three guidance unknowns, the launch azimuth `psi`, the
//! pitch-over angle `delta` and the last stage's thrust-termination time `tau_c`, such that
//! the first reentry vehicle lands on the aim point and the trajectory has the requested
//! shape:
//!
//! * `minimum-energy`: the burnout flight-path angle (inertial) equals the minimum-energy
//!   angle of the two-body ellipse joining the burnout point and the impact point;
//! * `lofted` / `depressed` with `apogee_km`: the trajectory's highest point is at that
//!   altitude;
//! * `depressed` with `flight_path_deg`: the burnout flight-path angle (inertial) is that.
//!
//! Method: a scan over `delta` brackets the solution (and measures the reach when the aim
//! point is out of it); Newton iterations on a fast two-body impact predictor (the boost
//! integrated in full, the coast in closed form) with a finite-difference Jacobian and
//! Broyden updates converge the guidance; an outer loop flies the full model (J2, drag,
//! rotation) from burnout to impact and feeds the difference back as a bias, until the
//! full-model impact is within 0.5 m of the aim point.

use crate::earth::EarthModel;
use crate::flight::{
    BoostRun, EndReason, Guidance, Integration, Missile, Pad, SegKind, interpolate, run_ballistic,
};
use crate::integrate::Node;
use crate::kepler;
use crate::objects::{BodyInfo, ObjectTrack, Segment, SegmentKind};
use serde::{Deserialize, Serialize};
use std::f64::consts::FRAC_PI_2;
use std::fmt;
use std::sync::Arc;
use tl_core::Vec3;
use tl_core::check::{FieldError, fmt_f64, in_range};
use tl_core::object::ObjectKind;
use tl_core::rng::RngStream;

/// Trajectory shape requested for a launch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Shape {
    /// The least burnout energy for the range.
    #[default]
    MinimumEnergy,
    /// Higher than minimum energy, with the given apogee altitude.
    Lofted {
        /// Apogee altitude, km.
        apogee_km: f64,
    },
    /// Flatter than minimum energy: give exactly one of the two.
    Depressed {
        /// Burnout flight-path angle above the local horizontal (inertial), deg.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        flight_path_deg: Option<f64>,
        /// Apogee altitude, km.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        apogee_km: Option<f64>,
    },
}

impl Shape {
    /// Parse the command-line form: `minimum-energy`, `lofted:APOGEE_KM`,
    /// `depressed:FPA_DEG`, `depressed:fpa=FPA_DEG` or `depressed:apogee=APOGEE_KM`.
    ///
    /// ```
    /// use tl_threat::Shape;
    /// assert_eq!(Shape::parse("lofted:2500").unwrap(), Shape::Lofted { apogee_km: 2500.0 });
    /// assert_eq!(
    ///     Shape::parse("depressed:apogee=400").unwrap(),
    ///     Shape::Depressed { flight_path_deg: None, apogee_km: Some(400.0) }
    /// );
    /// assert!(Shape::parse("sideways").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let bad = || {
            FieldError::new(
                "shape",
                text,
                "minimum-energy, lofted:APOGEE_KM, depressed:FPA_DEG, depressed:fpa=DEG or depressed:apogee=KM",
            )
        };
        let num = |s: &str| s.trim().parse::<f64>().map_err(|_| bad());
        let t = text.trim();
        if t == "minimum-energy" {
            return Ok(Shape::MinimumEnergy);
        }
        if let Some(rest) = t.strip_prefix("lofted:") {
            return Ok(Shape::Lofted { apogee_km: num(rest)? });
        }
        if let Some(rest) = t.strip_prefix("depressed:") {
            if let Some(v) = rest.strip_prefix("apogee=") {
                return Ok(Shape::Depressed { flight_path_deg: None, apogee_km: Some(num(v)?) });
            }
            let v = rest.strip_prefix("fpa=").unwrap_or(rest);
            return Ok(Shape::Depressed { flight_path_deg: Some(num(v)?), apogee_km: None });
        }
        Err(bad())
    }

    fn validate(&self) -> Result<(), FieldError> {
        match *self {
            Shape::MinimumEnergy => Ok(()),
            Shape::Lofted { apogee_km } => in_range("shape.apogee_km", apogee_km, 20.0, 10_000.0).map(|_| ()),
            Shape::Depressed { flight_path_deg, apogee_km } => match (flight_path_deg, apogee_km) {
                (Some(f), None) => in_range("shape.flight_path_deg", f, 1.0, 60.0).map(|_| ()),
                (None, Some(a)) => in_range("shape.apogee_km", a, 20.0, 10_000.0).map(|_| ()),
                _ => Err(FieldError::new(
                    "shape",
                    "depressed with both or neither of flight_path_deg and apogee_km",
                    "exactly one of flight_path_deg or apogee_km",
                )),
            },
        }
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Shape::MinimumEnergy => write!(f, "minimum-energy"),
            Shape::Lofted { apogee_km } => write!(f, "lofted:{}", fmt_f64(apogee_km)),
            Shape::Depressed { flight_path_deg: Some(x), .. } => write!(f, "depressed:fpa={}", fmt_f64(x)),
            Shape::Depressed { apogee_km: Some(x), .. } => write!(f, "depressed:apogee={}", fmt_f64(x)),
            Shape::Depressed { .. } => write!(f, "depressed"),
        }
    }
}

/// One launch, as a scenario's `[[launch]]` table gives it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LaunchSpec {
    /// Missile name (catalogue or scenario-defined).
    pub missile: String,
    /// Launch site geodetic latitude, deg.
    pub site_lat_deg: f64,
    /// Launch site longitude, deg east.
    pub site_lon_deg: f64,
    /// Aim point geodetic latitude, deg.
    pub aim_lat_deg: f64,
    /// Aim point longitude, deg east.
    pub aim_lon_deg: f64,
    /// Lift-off time, s since the scenario epoch.
    #[serde(default)]
    pub time_s: f64,
    /// Trajectory shape.
    #[serde(default)]
    pub shape: Shape,
    /// Reentry vehicles (default: the missile's `default_rvs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rvs: Option<u32>,
    /// Decoys (default: the missile's `default_decoys`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decoys: Option<u32>,
}

impl LaunchSpec {
    /// Check the fields that do not need the missile.
    pub fn validate(&self) -> Result<(), FieldError> {
        in_range("site_lat_deg", self.site_lat_deg, -89.9, 89.9).map_err(|mut e| {
            e.allowed.push_str(" (the launch azimuth is undefined at a pole)");
            e
        })?;
        in_range("site_lon_deg", self.site_lon_deg, -360.0, 360.0)?;
        in_range("aim_lat_deg", self.aim_lat_deg, -90.0, 90.0)?;
        in_range("aim_lon_deg", self.aim_lon_deg, -360.0, 360.0)?;
        in_range("time_s", self.time_s, -1.0e9, 1.0e9)?;
        self.shape.validate()?;
        Ok(())
    }
}

/// Why a launch could not be flown.
#[derive(Clone, Debug, PartialEq)]
pub enum ThreatError {
    /// A bad field (dotted path, value, what is allowed).
    Field(FieldError),
    /// The aim point is outside what the missile can reach with this shape.
    OutOfReach {
        /// Missile name.
        missile: String,
        /// Shape asked for.
        shape: Shape,
        /// Ground range to the aim point, km.
        range_km: f64,
        /// Shortest reachable range, km (None when not determined).
        min_range_km: Option<f64>,
        /// Longest reachable range, km.
        max_range_km: Option<f64>,
    },
    /// The shape cannot be flown to this range (e.g. an apogee outside what the missile
    /// can reach at that range).
    ShapeNotFlyable {
        /// Explanation with the achievable values.
        reason: String,
    },
    /// The targeting did not converge.
    NotConverged {
        /// Remaining miss distance, m.
        miss_m: f64,
        /// Iterations made.
        iterations: u32,
    },
}

impl fmt::Display for ThreatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ThreatError::Field(e) => write!(f, "{e}"),
            ThreatError::OutOfReach { missile, shape, range_km, min_range_km, max_range_km } => {
                write!(f, "aim point at {range_km:.0} km is out of reach of {missile} ({shape}): ")?;
                match (min_range_km, max_range_km) {
                    (Some(lo), Some(hi)) => write!(f, "it reaches {lo:.0} to {hi:.0} km"),
                    (None, Some(hi)) => write!(f, "its maximum range is about {hi:.0} km"),
                    (Some(lo), None) => write!(
                        f,
                        "its minimum range is about {lo:.0} km (thrust termination is modelled in the last stage only)"
                    ),
                    (None, None) => write!(f, "no trajectory of this shape reaches it"),
                }
            }
            ThreatError::ShapeNotFlyable { reason } => write!(f, "{reason}"),
            ThreatError::NotConverged { miss_m, iterations } => {
                write!(f, "targeting did not converge: miss {miss_m:.1} m after {iterations} iterations")
            }
        }
    }
}

impl std::error::Error for ThreatError {}

impl From<FieldError> for ThreatError {
    fn from(e: FieldError) -> Self {
        ThreatError::Field(e)
    }
}

/// Key figures of a solved flight (the first reentry vehicle's trajectory).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct FlightSummary {
    /// Lift-off, s since the scenario epoch.
    pub launch_time_s: f64,
    /// Launch azimuth, deg from north (Earth-relative).
    pub azimuth_deg: f64,
    /// Pitch-over angle from the vertical, deg.
    pub pitch_over_deg: f64,
    /// Final burnout (thrust termination), s after lift-off.
    pub burnout_time_s: f64,
    /// Fraction of the last stage's propellant burnt.
    pub last_stage_burn_fraction: f64,
    /// Burnout altitude, m.
    pub burnout_alt_m: f64,
    /// Burnout inertial speed, m/s.
    pub burnout_speed_m_s: f64,
    /// Burnout inertial flight-path angle above the local horizontal, deg.
    pub burnout_fpa_deg: f64,
    /// Highest altitude, m.
    pub apogee_alt_m: f64,
    /// Ground range from the site to the impact point, m.
    pub ground_range_m: f64,
    /// Lift-off to impact, s.
    pub time_of_flight_s: f64,
    /// Impact geodetic latitude, deg.
    pub impact_lat_deg: f64,
    /// Impact longitude, deg.
    pub impact_lon_deg: f64,
    /// Distance from the impact point to the aim point, m.
    pub miss_distance_m: f64,
    /// Boost-model integrations the solve used.
    pub boost_runs: u32,
}

/// A solved, sampled flight: its objects and key figures.
#[derive(Clone, Debug)]
pub struct Flight {
    /// The missile flown.
    pub missile: Arc<crate::spec::MissileSpec>,
    /// The launch.
    pub launch: LaunchSpec,
    /// Key figures.
    pub summary: FlightSummary,
    /// All objects: index 0 the booster, then spent stages, the post-boost vehicle (if
    /// any), reentry vehicles, decoys.
    pub objects: Vec<ObjectTrack>,
}

impl Flight {
    /// End object `index` at `t_s` (an engagement kill), together with every descendant not
    /// yet separated or released at `t_s`. Objects already separated before `t_s` fly on.
    /// Returns the indices of the objects removed or ended.
    pub fn kill(&mut self, index: usize, t_s: f64) -> Vec<usize> {
        let mut affected = Vec::new();
        if index >= self.objects.len() || !self.objects[index].exists_at(t_s) {
            return affected;
        }
        self.objects[index].truncate(t_s, EndReason::Killed);
        affected.push(index);
        for i in 0..self.objects.len() {
            if i == index || self.objects[i].t_start_s <= t_s {
                continue;
            }
            // Descendant of `index`?
            let mut p = self.objects[i].parent;
            while let Some(pi) = p {
                if pi as usize == index {
                    self.objects[i].remove();
                    affected.push(i);
                    break;
                }
                p = self.objects[pi as usize].parent;
            }
        }
        affected
    }

    /// The first reentry vehicle (the targeted one).
    pub fn primary_rv(&self) -> Option<&ObjectTrack> {
        self.objects.iter().find(|o| o.kind == ObjectKind::ReentryVehicle)
    }
}

enum ShapeTarget {
    MinEnergy,
    ApogeeM(f64),
    FpaRad(f64),
}

struct KEval {
    impact_ecef: Vec3,
    res: [f64; 3],
    range_angle: f64,
}

struct Problem<'a> {
    m: &'a Missile,
    earth: EarthModel,
    pad: Pad,
    aim_ecef: Vec3,
    aim_e: Vec3,
    aim_n: Vec3,
    r_imp: f64,
    target: ShapeTarget,
    int: Integration,
    bias_pos: Vec3,
    bias_apo: f64,
    runs: u32,
    /// Unit normal (ECEF) of the launch plane: ranges are measured around it, so flights
    /// longer than half the globe are not mistaken for short ones.
    plane_n: Vec3,
}

const R_SCALE: f64 = 6.371e6;

impl Problem<'_> {
    fn boost(&mut self, psi: f64, delta: f64, cutoff: Option<f64>) -> BoostRun {
        let h = self.int.boost_step_s;
        self.boost_with_step(psi, delta, cutoff, h)
    }

    fn boost_with_step(&mut self, psi: f64, delta: f64, cutoff: Option<f64>, h: f64) -> BoostRun {
        self.runs += 1;
        self.m.run_boost(&self.earth, &self.pad, &Guidance { psi, delta, tau_cutoff: cutoff }, h)
    }

    /// Burnout state at cut-off `tau` from a full-burn run (interpolated in the last stage).
    fn cutoff_state(&self, run: &BoostRun, tau: f64) -> Option<(f64, Vec3, Vec3)> {
        if run.crashed {
            return None;
        }
        let (i0, i1) = run.stage_nodes[self.m.stage_count() - 1];
        let t = self.pad.t0 + tau;
        let (r, v) = interpolate(&run.nodes[i0..=i1], t);
        Some((t, r, v))
    }

    fn kepler(&self, t: f64, r: &Vec3, v: &Vec3) -> Option<KEval> {
        let (p_eci, tof) = kepler::impact(r, v, self.r_imp)?;
        let impact_ecef = self.earth.frame(t + tof).pos_to_ecef(&p_eci);
        let d = impact_ecef + self.bias_pos - self.aim_ecef;
        let rn = r.norm();
        let gamma = (r.dot(v) / (rn * v.norm())).clamp(-1.0, 1.0).asin();
        let psi_range = tl_core::geom::angle_between(r, &p_eci);
        let s = match self.target {
            ShapeTarget::MinEnergy => {
                let (_, gme) = kepler::minimum_energy(rn, p_eci.norm(), psi_range);
                (gamma - gme) * R_SCALE
            }
            ShapeTarget::FpaRad(g) => (gamma - g) * R_SCALE,
            ShapeTarget::ApogeeM(h) => {
                let c = kepler::Conic::from_burnout(rn, v.norm(), gamma);
                let ra = c.apogee_radius_m()?;
                // Apogee direction: perigee direction reversed.
                let hvec = r.cross(v);
                let evec = v.cross(&hvec) / tl_core::consts::MU_EARTH_M3_S2 - r / rn;
                let apo_dir = if evec.norm() > 1e-12 { -evec } else { *r };
                let apo_alt = ra - self.earth.surface_radius_m(&apo_dir);
                // Apogee already behind us: the highest point is burnout itself.
                let apo_alt = if gamma < 0.0 { self.earth.height_m(r) } else { apo_alt };
                apo_alt + self.bias_apo - h
            }
        };
        let ground = self.downrange_angle(&(impact_ecef + self.bias_pos));
        Some(KEval { impact_ecef, res: [d.dot(&self.aim_e), d.dot(&self.aim_n), s], range_angle: ground })
    }

    /// Central angle from the pad to `p` (ECEF) measured forwards in the launch plane, rad
    /// (may exceed pi; small negative values mean short of the pad).
    fn downrange_angle(&self, p: &Vec3) -> f64 {
        let s = &self.pad.r_ecef;
        let a = s.cross(p).dot(&self.plane_n).atan2(s.dot(p));
        if a < -0.5 { a + std::f64::consts::TAU } else { a }
    }

    fn residual(&self, run: &BoostRun, tau: f64) -> Option<[f64; 3]> {
        let (t, r, v) = self.cutoff_state(run, tau)?;
        self.kepler(t, &r, &v).map(|k| k.res)
    }
}

fn norm3(x: &[f64; 3]) -> f64 {
    (x[0] * x[0] + x[1] * x[1] + x[2] * x[2]).sqrt()
}

/// Solve A x = b (3x3) by Gaussian elimination with partial pivoting.
fn solve3(a: [[f64; 3]; 3], b: [f64; 3]) -> Option<[f64; 3]> {
    let mut m = [[0.0; 4]; 3];
    for i in 0..3 {
        m[i][..3].copy_from_slice(&a[i]);
        m[i][3] = b[i];
    }
    for c in 0..3 {
        let p = (c..3).max_by(|&i, &j| m[i][c].abs().total_cmp(&m[j][c].abs()))?;
        if m[p][c].abs() < 1e-300 {
            return None;
        }
        m.swap(c, p);
        for r in 0..3 {
            if r != c {
                let f = m[r][c] / m[c][c];
                let pivot = m[c];
                for (x, p) in m[r][c..].iter_mut().zip(&pivot[c..]) {
                    *x -= f * p;
                }
            }
        }
    }
    let x = [m[0][3] / m[0][0], m[1][3] / m[1][1], m[2][3] / m[2][2]];
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// Fly a launch: solve the targeting, integrate every object, return the flight.
///
/// `rng` draws the release directions of the objects after the first reentry vehicle
/// (give it `RngStream::new(seed, trial, launch_id, "threat.release")`).
///
/// ```
/// use tl_core::frames::EarthRotation;
/// use tl_threat::{EarthModel, Integration, LaunchSpec, Missile, Shape, catalogue, fly};
/// let m = Missile::new(catalogue::get("srbm").unwrap()).unwrap();
/// let launch = LaunchSpec {
///     missile: "srbm".into(), site_lat_deg: 35.0, site_lon_deg: 45.0,
///     aim_lat_deg: 36.5, aim_lon_deg: 47.5, time_s: 0.0, shape: Shape::MinimumEnergy,
///     rvs: None, decoys: None,
/// };
/// let earth = EarthModel::full(EarthRotation::with_angle(0.0, 7.292115e-5));
/// let rng = tl_core::rng::RngStream::new(1, 0, 0, "threat.release");
/// let f = fly(&m, &launch, &earth, &Integration::default(), rng).unwrap();
/// assert!(f.summary.miss_distance_m < 1.0);
/// ```
pub fn fly(
    m: &Missile,
    launch: &LaunchSpec,
    earth: &EarthModel,
    int: &Integration,
    mut rng: RngStream,
) -> Result<Flight, ThreatError> {
    launch.validate()?;
    let spec = m.spec();
    let rvs = launch.rvs.unwrap_or(spec.default_rvs);
    let decoys = launch.decoys.unwrap_or(spec.default_decoys);
    if rvs == 0 {
        return Err(FieldError::new("rvs", "0", "at least 1 reentry vehicle").into());
    }
    spec.check_load(rvs, decoys)?;
    let (slat, slon) = (launch.site_lat_deg.to_radians(), launch.site_lon_deg.to_radians());
    let (alat, alon) = (launch.aim_lat_deg.to_radians(), launch.aim_lon_deg.to_radians());
    let pad = Pad::new(earth, slat, slon, launch.time_s);
    let aim_ecef = earth.point_ecef(alat, alon, 0.0);
    let [aim_e, aim_n, _] = earth.enu(alat, alon);
    let range_m = earth.surface_distance_m(&pad.r_ecef, &aim_ecef);
    let range_km = range_m / 1000.0;
    if range_m < 10_000.0 {
        return Err(FieldError::new(
            "aim",
            format!("{range_km:.3} km from the launch site"),
            "at least 10 km from the launch site",
        )
        .into());
    }
    let target = match launch.shape {
        Shape::MinimumEnergy => ShapeTarget::MinEnergy,
        Shape::Lofted { apogee_km } => ShapeTarget::ApogeeM(apogee_km * 1000.0),
        Shape::Depressed { flight_path_deg: Some(f), .. } => ShapeTarget::FpaRad(f.to_radians()),
        Shape::Depressed { apogee_km: Some(a), .. } => ShapeTarget::ApogeeM(a * 1000.0),
        Shape::Depressed { .. } => unreachable!("validated above"),
    };
    let mut pb = Problem {
        m,
        earth: *earth,
        pad,
        aim_ecef,
        aim_e,
        aim_n,
        r_imp: aim_ecef.norm(),
        target,
        int: *int,
        bias_pos: Vec3::zeros(),
        bias_apo: 0.0,
        runs: 0,
        plane_n: Vec3::z(),
    };
    let out_of_reach = |min: Option<f64>, max: Option<f64>| ThreatError::OutOfReach {
        missile: spec.name.clone(),
        shape: launch.shape,
        range_km,
        min_range_km: min,
        max_range_km: max,
    };

    // --- Initial azimuth: the great-circle bearing to the aim point on the Earth. (The
    // missile shares the Earth's rotation at lift-off, so the Earth-relative bearing is the
    // better start; Newton corrects the Coriolis deflection.)
    let u = aim_ecef.normalize();
    let psi0 = u.dot(&pad.east).atan2(u.dot(&pad.north));
    let (sp, cp) = psi0.sin_cos();
    pb.plane_n = pad.r_ecef.cross(&(pad.north * cp + pad.east * sp)).normalize();
    let target_angle = pb.downrange_angle(&aim_ecef);

    // --- Bracket the pitch-over angle. For each angle: where (if anywhere) in the last
    // stage's burn the range matches, and the shape residual there (or at full burn when
    // the range is not reached). The residual decreases with the angle (flatter flights),
    // so a bisection in log(angle) on its sign brackets the solution.
    let (tau_ign, tau_bo) = m.last_stage_window();
    let tau_lo = tau_ign + 0.2_f64.min(0.5 * (tau_bo - tau_ign));
    struct Probe {
        s: f64,
        tau: Option<f64>,
        range_full_km: f64,
        range_lo_km: f64,
    }
    let probe = |pb: &mut Problem, d: f64| -> Option<Probe> {
        // The bracket only seeds Newton: a coarse step (4x the flight's) is enough.
        let run = pb.boost_with_step(psi0, d, None, 4.0 * pb.int.boost_step_s);
        if run.crashed {
            return None;
        }
        let at = |tau: f64| -> Option<(f64, f64)> {
            let (t, r, v) = pb.cutoff_state(&run, tau)?;
            let k = pb.kepler(t, &r, &v)?;
            Some((k.range_angle - target_angle, k.res[2]))
        };
        // No crossing of the aim point's radius (still on the pad, or the aim point is
        // higher than the trajectory gets): treat as zero range.
        let short = -target_angle;
        let d_lo = at(tau_lo).map_or(short, |x| x.0);
        let (d_full, s_full) = at(tau_bo)?;
        let to_km = |x: f64| (x + target_angle) * R_SCALE / 1000.0;
        let mut p = Probe { s: s_full, tau: None, range_full_km: to_km(d_full), range_lo_km: to_km(d_lo) };
        if d_lo < 0.0 && d_full >= 0.0 {
            let (mut a, mut b) = (tau_lo, tau_bo);
            for _ in 0..40 {
                let c = 0.5 * (a + b);
                if at(c).map_or(short, |x| x.0) < 0.0 {
                    a = c;
                } else {
                    b = c;
                }
                if b - a < 1e-6 {
                    break;
                }
            }
            let tau = 0.5 * (a + b);
            p.s = at(tau)?.1;
            p.tau = Some(tau);
        }
        Some(p)
    };
    let (mut lo, mut hi) = (0.002_f64.ln(), 1.3_f64.ln());
    let mut p_lo: Option<(f64, Probe)> = None; // s > 0 side (too steep)
    let mut p_hi: Option<(f64, Probe)> = None; // s < 0 side (too flat)
    let mut reach_km: f64 = 0.0;
    for _ in 0..9 {
        let mid = 0.5 * (lo + hi);
        let d = mid.exp();
        match probe(&mut pb, d) {
            None => hi = mid, // crashed: far too flat
            Some(p) => {
                reach_km = reach_km.max(p.range_full_km);
                if p.s > 0.0 {
                    lo = mid;
                    p_lo = Some((d, p));
                } else {
                    hi = mid;
                    p_hi = Some((d, p));
                }
            }
        }
    }
    let shape_err = |pb: &Problem| {
        let what = match pb.target {
            ShapeTarget::MinEnergy => "minimum-energy flight".to_string(),
            ShapeTarget::ApogeeM(h) => format!("flight with an apogee of {:.0} km", h / 1000.0),
            ShapeTarget::FpaRad(g) => {
                format!("flight with a burnout flight-path angle of {:.1} deg", g.to_degrees())
            }
        };
        ThreatError::ShapeNotFlyable {
            reason: format!("{} cannot fly a {what} to {range_km:.0} km", spec.name),
        }
    };
    let classify = |q: &Probe| {
        if range_km > q.range_full_km {
            out_of_reach(None, Some(q.range_full_km))
        } else if range_km < q.range_lo_km {
            out_of_reach(Some(q.range_lo_km), None)
        } else {
            shape_err(&pb)
        }
    };
    let (delta0, tau0) = match (p_lo, p_hi) {
        (Some((d0, q0)), Some((d1, q1))) => match (q0.tau, q1.tau) {
            (Some(t0), Some(t1)) => {
                let f = q0.s / (q0.s - q1.s);
                (d0 + f * (d1 - d0), t0 + f * (t1 - t0))
            }
            (Some(t0), None) => (d0, t0),
            (None, Some(t1)) => (d1, t1),
            (None, None) => {
                // The reach of this shape is where its condition holds at full burn.
                let q = if q0.range_full_km >= q1.range_full_km { &q0 } else { &q1 };
                let _ = reach_km;
                return Err(classify(q));
            }
        },
        (Some((d, q)), None) | (None, Some((d, q))) => match q.tau {
            Some(t) => (d, t),
            None => return Err(classify(&q)),
        },
        (None, None) => return Err(shape_err(&pb)),
    };

    // --- Newton (two-body coast) inside, full-model bias outside.
    let mut x = [psi0, delta0, tau0];
    let clamp = |x: &mut [f64; 3]| {
        x[1] = x[1].clamp(1e-4, 1.4);
        x[2] = x[2].clamp(tau_lo, tau_bo);
    };
    let mut jac: Option<[[f64; 3]; 3]> = None;
    let mut iterations = 0u32;
    let mut last_miss = f64::INFINITY;
    let mut run = pb.boost(x[0], x[1], None);
    for outer in 0..10 {
        let mut f0 =
            pb.residual(&run, x[2]).ok_or(ThreatError::NotConverged { miss_m: f64::NAN, iterations })?;
        let mut fresh_jac = false;
        for _inner in 0..25 {
            iterations += 1;
            if pb.runs > 150 {
                return Err(ThreatError::NotConverged { miss_m: norm3(&f0), iterations });
            }
            if norm3(&f0) < 0.02 {
                break;
            }
            if jac.is_none() {
                fresh_jac = true;
                let (dp, dd, dt) = (1e-6, 1e-6, 1e-3);
                let rp = pb.boost(x[0] + dp, x[1], None);
                let rd = pb.boost(x[0], x[1] + dd, None);
                let fp = pb.residual(&rp, x[2]);
                let fd = pb.residual(&rd, x[2]);
                let ft = pb.residual(&run, (x[2] - dt).max(tau_lo));
                let (Some(fp), Some(fd), Some(ft)) = (fp, fd, ft) else {
                    return Err(ThreatError::NotConverged { miss_m: norm3(&f0), iterations });
                };
                let dt_eff = x[2] - (x[2] - dt).max(tau_lo);
                let mut j = [[0.0; 3]; 3];
                for i in 0..3 {
                    j[i][0] = (fp[i] - f0[i]) / dp;
                    j[i][1] = (fd[i] - f0[i]) / dd;
                    j[i][2] = (f0[i] - ft[i]) / dt_eff;
                }
                jac = Some(j);
            }
            let j = jac.expect("set above");
            let Some(dx) = solve3(j, [-f0[0], -f0[1], -f0[2]]) else {
                jac = None;
                continue;
            };
            // Damped step.
            let mut lam = 1.0;
            let mut accepted = None;
            for _ in 0..8 {
                let mut xn = [x[0] + lam * dx[0], x[1] + lam * dx[1], x[2] + lam * dx[2]];
                clamp(&mut xn);
                let rn =
                    if xn[0] != x[0] || xn[1] != x[1] { pb.boost(xn[0], xn[1], None) } else { run.clone() };
                if let Some(fnew) = pb.residual(&rn, xn[2])
                    && norm3(&fnew) < norm3(&f0)
                {
                    accepted = Some((xn, rn, fnew));
                    break;
                }
                lam *= 0.5;
            }
            let Some((xn, rn, fnew)) = accepted else {
                if !fresh_jac {
                    jac = None; // refresh the Jacobian and retry
                    continue;
                }
                break; // a fresh Jacobian cannot improve: stalled (e.g. pinned at full burn)
            };
            fresh_jac = false;
            // Broyden update of the Jacobian.
            let s = [xn[0] - x[0], xn[1] - x[1], xn[2] - x[2]];
            let ss = s[0] * s[0] + s[1] * s[1] + s[2] * s[2];
            if ss > 0.0 {
                let mut j = jac.expect("set above");
                for i in 0..3 {
                    let js = j[i][0] * s[0] + j[i][1] * s[1] + j[i][2] * s[2];
                    let y = fnew[i] - f0[i];
                    for k in 0..3 {
                        j[i][k] += (y - js) * s[k] / ss;
                    }
                }
                jac = Some(j);
            }
            x = xn;
            run = rn;
            f0 = fnew;
        }
        if norm3(&f0) > 100.0 && x[2] >= tau_bo - 1e-6 {
            // Pinned at full burn and still short: the full model (drag, J2, rotation)
            // does not reach the aim point.
            let short_km = (f0[0] * f0[0] + f0[1] * f0[1]).sqrt() / 1000.0;
            return Err(out_of_reach(None, Some(range_km - short_km)));
        }
        if norm3(&f0) > 100.0 && x[2] <= tau_lo + 1e-6 {
            // Pinned at the earliest cut-off and still long.
            let long_km = (f0[0] * f0[0] + f0[1] * f0[1]).sqrt() / 1000.0;
            return Err(out_of_reach(Some(range_km + long_km), None));
        }
        // Full model from the exact burnout state.
        // The ascent to cut-off: the full-burn integration up to the cut-off time, its
        // last node interpolated (quintic Hermite, sub-millimetre against a partial RK4
        // step), so no second integration is needed.
        let exact = m.truncate_boost(
            &pb.earth,
            &pb.pad,
            &Guidance { psi: x[0], delta: x[1], tau_cutoff: None },
            &run,
            x[2],
        );
        if exact.crashed {
            return Err(ThreatError::ShapeNotFlyable {
                reason: format!("{}: the stack crashes during the boost", spec.name),
            });
        }
        let bo = *exact.nodes.last().expect("boost has nodes");
        let coast = run_ballistic(
            earth,
            spec.rv.beta_kg_m2,
            bo.t_s,
            bo.pos_eci_m,
            bo.vel_eci_m_s,
            0.0,
            bo.t_s + int.max_flight_s,
            int,
        );
        if coast.end != EndReason::Impact {
            return Err(ThreatError::ShapeNotFlyable {
                reason: format!(
                    "{}: the reentry vehicle does not come down within {} s",
                    spec.name, int.max_flight_s
                ),
            });
        }
        let imp = coast.nodes.last().expect("coast has nodes");
        let impact_ecef = earth.frame(imp.t_s).pos_to_ecef(&imp.pos_eci_m);
        let miss = (impact_ecef - aim_ecef).norm();
        let (_, apo_full) = crate::flight::apogee(earth, &coast.nodes);
        let saved_bias = (pb.bias_pos, pb.bias_apo);
        pb.bias_pos = Vec3::zeros();
        pb.bias_apo = 0.0;
        let k = pb.kepler(bo.t_s, &bo.pos_eci_m, &bo.vel_eci_m_s);
        let shape_ok = match pb.target {
            ShapeTarget::ApogeeM(h) => (apo_full - h).abs() < 50.0,
            _ => true,
        };
        if miss < 0.5 && shape_ok || (miss < 5.0 && ((last_miss - miss).abs() < 0.01 || outer >= 3)) {
            return assemble(&mut pb, launch, rvs, decoys, x, exact, coast, miss, &mut rng);
        }
        last_miss = miss;
        let Some(k) = k else {
            return Err(ThreatError::NotConverged { miss_m: miss, iterations });
        };
        let _ = saved_bias;
        pb.bias_pos = impact_ecef - k.impact_ecef;
        if let ShapeTarget::ApogeeM(h) = pb.target {
            // k.res[2] = kepler apogee - h (bias 0 here).
            pb.bias_apo = apo_full - (k.res[2] + h);
        }
    }
    Err(ThreatError::NotConverged { miss_m: last_miss, iterations })
}

/// Fly fixed guidance without targeting and return where and when the first reentry
/// vehicle comes down: (impact position ECEF m, impact time s since the epoch). For
/// studies of sensitivity (integration step, model options) at fixed guidance; `None` when
/// the flight crashes during the boost or does not come down.
pub fn impact_for_guidance(
    m: &Missile,
    launch: &LaunchSpec,
    earth: &EarthModel,
    int: &Integration,
    azimuth_deg: f64,
    pitch_over_deg: f64,
    burnout_time_s: f64,
) -> Option<(Vec3, f64)> {
    let pad =
        Pad::new(earth, launch.site_lat_deg.to_radians(), launch.site_lon_deg.to_radians(), launch.time_s);
    let g = Guidance {
        psi: azimuth_deg.to_radians(),
        delta: pitch_over_deg.to_radians(),
        tau_cutoff: Some(burnout_time_s),
    };
    let run = m.run_boost(earth, &pad, &g, int.boost_step_s);
    if run.crashed {
        return None;
    }
    let bo = run.nodes.last()?;
    let c = run_ballistic(
        earth,
        m.spec().rv.beta_kg_m2,
        bo.t_s,
        bo.pos_eci_m,
        bo.vel_eci_m_s,
        0.0,
        bo.t_s + int.max_flight_s,
        int,
    );
    (c.end == EndReason::Impact).then(|| {
        let n = c.nodes.last().expect("coast has nodes");
        (earth.frame(n.t_s).pos_to_ecef(&n.pos_eci_m), n.t_s)
    })
}

fn body_of(diameter_m: f64, length_m: f64, emissivity: f64, nose_radius_m: f64, beta_kg_m2: f64) -> BodyInfo {
    BodyInfo {
        diameter_m,
        length_m,
        side_area_m2: diameter_m * length_m,
        emissivity,
        nose_radius_m,
        beta_kg_m2,
    }
}

fn ballistic_segment(t0: f64, t1: f64, mass: f64) -> Segment {
    Segment {
        t_start_s: t0,
        t_end_s: t1,
        kind: SegmentKind::Ballistic,
        mass_start_kg: mass,
        mass_flow_kg_s: 0.0,
        thrust_vac_n: 0.0,
        thrust_sl_n: 0.0,
    }
}

fn random_unit(rng: &mut RngStream) -> Vec3 {
    loop {
        let v = Vec3::new(2.0 * rng.uniform() - 1.0, 2.0 * rng.uniform() - 1.0, 2.0 * rng.uniform() - 1.0);
        let n = v.norm();
        if n > 1e-3 && n <= 1.0 {
            return v / n;
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn assemble(
    pb: &mut Problem,
    launch: &LaunchSpec,
    rvs: u32,
    decoys: u32,
    x: [f64; 3],
    boost: BoostRun,
    coast: crate::flight::BallisticRun,
    miss: f64,
    rng: &mut RngStream,
) -> Result<Flight, ThreatError> {
    let m = pb.m;
    let spec = m.spec();
    let earth = pb.earth;
    let int = pb.int;
    let t0 = pb.pad.t0;
    let arc = Arc::new(spec.clone());
    let n = m.stage_count();
    let bo = *boost.nodes.last().expect("boost has nodes");
    let t_bo = bo.t_s;
    let t_max_end = t_bo + int.max_flight_s;
    // Secondary objects (spent stages, bus, other RVs, decoys) need metre-level accuracy
    // for the sensors, not the primary RV's millimetres: a looser tolerance halves their
    // cost.
    let int = Integration {
        tol: crate::integrate::Tolerance { rel: 1e-9, abs_pos_m: 1e-2, abs_vel_m_s: 1e-5 },
        ..int
    };
    let mut objects: Vec<ObjectTrack> = Vec::new();

    // Booster segments.
    let mut segs = Vec::new();
    for &(a, b, kind) in &boost.intervals {
        if b <= a {
            continue;
        }
        let (sk, k) = match kind {
            SegKind::Burn(k) => (SegmentKind::Burn(k as u8), k),
            SegKind::Coast(k) => (SegmentKind::Coast, k),
        };
        // Merge the pitch-over sub-intervals of stage 1.
        if let Some(last) = segs.last_mut() {
            let l: &mut Segment = last;
            if l.kind == sk && (l.t_end_s - (t0 + a)).abs() < 1e-9 {
                l.t_end_s = t0 + b;
                continue;
            }
        }
        let st = &m.stages[k];
        let burning = matches!(kind, SegKind::Burn(_));
        segs.push(Segment {
            t_start_s: t0 + a,
            t_end_s: t0 + b,
            kind: sk,
            mass_start_kg: m.mass_at(kind, a),
            mass_flow_kg_s: if burning { st.mdot } else { 0.0 },
            thrust_vac_n: if burning { st.thrust_vac } else { 0.0 },
            thrust_sl_n: if burning { st.thrust_sl } else { 0.0 },
        });
    }
    let last_stage = &spec.stages[n - 1];
    objects.push(ObjectTrack::new(
        0,
        ObjectKind::Booster,
        None,
        EndReason::Separated,
        body_of(
            spec.stages[0].diameter_m,
            spec.stages.iter().map(|s| s.length_m).sum::<f64>(),
            0.85,
            0.5,
            f64::INFINITY,
        ),
        boost.nodes.clone(),
        segs,
        earth,
        arc.clone(),
    ));

    // Spent stages.
    for k in 0..n {
        let (_, i_bo) = boost.stage_nodes[k];
        let node = boost.nodes[i_bo];
        let s = &spec.stages[k];
        let burnt =
            if k + 1 == n { (node.t_s - t0 - m.stages[k].tau_ign).min(s.burn_time_s) } else { s.burn_time_s };
        let mass = s.dry_mass_kg + s.propellant_mass_kg - m.stages[k].mdot * burnt;
        let beta = crate::aero::tumbling_cylinder_beta_kg_m2(mass, s.diameter_m, s.length_m);
        let run =
            run_ballistic(&earth, beta, node.t_s, node.pos_eci_m, node.vel_eci_m_s, 0.0, t_max_end, &int);
        let t_end = run.nodes.last().map_or(node.t_s, |x| x.t_s);
        objects.push(ObjectTrack::new(
            objects.len() as u32,
            ObjectKind::SpentStage,
            Some(0),
            run.end,
            body_of(s.diameter_m, s.length_m, 0.85, s.diameter_m / 2.0, beta),
            run.nodes,
            vec![ballistic_segment(node.t_s, t_end, mass)],
            earth,
            arc.clone(),
        ));
    }

    // Post-boost vehicle.
    let rv_nodes: Vec<Node> = coast.nodes.clone();
    let mut release_parent = 0u32;
    let mut pbv_nodes: Option<Vec<Node>> = None;
    if let Some(p) = &spec.pbv {
        let mass = spec.payload_mass_kg - rvs as f64 * spec.rv.mass_kg - decoys as f64 * spec.decoy.mass_kg;
        let beta =
            crate::aero::tumbling_cylinder_beta_kg_m2(p.bus_mass_kg.max(mass), p.diameter_m, p.length_m);
        let run = run_ballistic(&earth, beta, t_bo, bo.pos_eci_m, bo.vel_eci_m_s, 0.0, t_max_end, &int);
        let t_end = run.nodes.last().map_or(t_bo, |x| x.t_s);
        let t_dep = (t_bo + p.deploy_time_s).min(t_end);
        let segs = vec![
            Segment {
                t_start_s: t_bo,
                t_end_s: t_dep,
                kind: SegmentKind::PostBoost,
                mass_start_kg: spec.payload_mass_kg,
                mass_flow_kg_s: 0.0,
                thrust_vac_n: 0.0,
                thrust_sl_n: 0.0,
            },
            ballistic_segment(t_dep, t_end, mass.max(p.bus_mass_kg)),
        ];
        release_parent = objects.len() as u32;
        pbv_nodes = Some(run.nodes.clone());
        objects.push(ObjectTrack::new(
            release_parent,
            ObjectKind::PostBoostVehicle,
            Some(0),
            run.end,
            body_of(p.diameter_m, p.length_m, p.emissivity, p.diameter_m / 2.0, beta),
            run.nodes,
            segs,
            earth,
            arc.clone(),
        ));
    }
    let deploy = spec.pbv.as_ref().map_or(0.0, |p| p.deploy_time_s);
    let parent_state = |t: f64| -> (Vec3, Vec3) {
        match &pbv_nodes {
            Some(nodes) => interpolate(nodes, t),
            None => (bo.pos_eci_m, bo.vel_eci_m_s),
        }
    };
    // Reentry vehicles: the first on the targeted path, released at burnout.
    let rvb = &spec.rv;
    let rv_body = body_of(rvb.diameter_m, rvb.length_m, rvb.emissivity, rvb.nose_radius_m, rvb.beta_kg_m2);
    for i in 0..rvs {
        let (nodes, end) = if i == 0 {
            (rv_nodes.clone(), coast.end)
        } else {
            let t_rel = t_bo + deploy * i as f64 / rvs as f64;
            let (r, v) = parent_state(t_rel);
            let dv = random_unit(rng) * spec.rv_separation_m_s;
            let run = run_ballistic(
                &earth,
                rvb.beta_kg_m2,
                t_rel,
                r,
                v + dv,
                rvb.end_alt_km * 1000.0,
                t_max_end,
                &int,
            );
            (run.nodes, run.end)
        };
        let (ts, te) = (nodes[0].t_s, nodes.last().map_or(0.0, |x| x.t_s));
        objects.push(ObjectTrack::new(
            objects.len() as u32,
            ObjectKind::ReentryVehicle,
            Some(release_parent),
            end,
            rv_body,
            nodes,
            vec![ballistic_segment(ts, te, rvb.mass_kg)],
            earth,
            arc.clone(),
        ));
    }
    let db = &spec.decoy;
    let decoy_body = body_of(db.diameter_m, db.length_m, db.emissivity, db.nose_radius_m, db.beta_kg_m2);
    for j in 0..decoys {
        let t_rel = t_bo + deploy * (j as f64 + 0.5) / decoys as f64;
        let (r, v) = parent_state(t_rel);
        let dv = random_unit(rng) * spec.decoy_separation_m_s;
        let run =
            run_ballistic(&earth, db.beta_kg_m2, t_rel, r, v + dv, db.end_alt_km * 1000.0, t_max_end, &int);
        let (ts, te) = (run.nodes[0].t_s, run.nodes.last().map_or(0.0, |x| x.t_s));
        objects.push(ObjectTrack::new(
            objects.len() as u32,
            ObjectKind::Decoy,
            Some(release_parent),
            run.end,
            decoy_body,
            run.nodes,
            vec![ballistic_segment(ts, te, db.mass_kg)],
            earth,
            arc.clone(),
        ));
    }

    // Summary (first RV).
    let imp = *rv_nodes.last().expect("coast has nodes");
    let frame = earth.frame(imp.t_s);
    let impact_ecef = frame.pos_to_ecef(&imp.pos_eci_m);
    let geo = earth.geodetic(&impact_ecef);
    let (_, apo) = crate::flight::apogee(&earth, &rv_nodes);
    let bo_geo = earth.geodetic(&earth.frame(t_bo).pos_to_ecef(&bo.pos_eci_m));
    let rn = bo.pos_eci_m.norm();
    let gamma = (bo.pos_eci_m.dot(&bo.vel_eci_m_s) / (rn * bo.vel_eci_m_s.norm())).asin();
    let st_last = &m.stages[n - 1];
    let summary = FlightSummary {
        launch_time_s: t0,
        azimuth_deg: x[0].to_degrees().rem_euclid(360.0),
        pitch_over_deg: x[1].to_degrees(),
        burnout_time_s: t_bo - t0,
        last_stage_burn_fraction: ((t_bo - t0 - st_last.tau_ign) / st_last.burn).clamp(0.0, 1.0),
        burnout_alt_m: bo_geo.alt_m,
        burnout_speed_m_s: bo.vel_eci_m_s.norm(),
        burnout_fpa_deg: gamma.to_degrees(),
        apogee_alt_m: apo.max(bo_geo.alt_m),
        ground_range_m: earth.surface_distance_m(&pb.pad.r_ecef, &impact_ecef),
        time_of_flight_s: imp.t_s - t0,
        impact_lat_deg: geo.lat_deg(),
        impact_lon_deg: geo.lon_deg(),
        miss_distance_m: miss,
        boost_runs: pb.runs,
    };
    let _ = last_stage;
    let _ = FRAC_PI_2;
    Ok(Flight { missile: arc, launch: launch.clone(), summary, objects })
}

/// Longest minimum-energy range of a missile, km, on a non-rotating WGS84 Earth with drag
/// (the launch direction then does not matter; eastward launches gain up to ~2,000 km
/// from the Earth's rotation, westward ones lose as much). `None` if it cannot be found.
///
/// ```
/// let m = tl_threat::Missile::new(tl_threat::catalogue::get("irbm").unwrap()).unwrap();
/// let r = tl_threat::targeting::max_range_km(&m).unwrap();
/// assert!(r > 3_000.0 && r < 5_000.0);
/// ```
pub fn max_range_km(m: &Missile) -> Option<f64> {
    let earth = EarthModel::new(
        crate::earth::EarthShape::Wgs84,
        false,
        true,
        tl_core::frames::EarthRotation::with_angle(0.0, 0.0),
    );
    let launch = LaunchSpec {
        missile: m.spec().name.clone(),
        site_lat_deg: 0.0,
        site_lon_deg: 0.0,
        aim_lat_deg: 0.0,
        aim_lon_deg: 179.0,
        time_s: 0.0,
        shape: Shape::MinimumEnergy,
        rvs: Some(1),
        decoys: Some(0),
    };
    match fly(m, &launch, &earth, &Integration::default(), RngStream::new(0, 0, 0, "threat.reach")) {
        Err(ThreatError::OutOfReach { max_range_km, .. }) => max_range_km,
        Ok(f) => Some(f.summary.ground_range_m / 1000.0),
        Err(_) => None,
    }
}
