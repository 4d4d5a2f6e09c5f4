//! The objects of a flight, each with a precomputed trajectory and the state a sensor or
//! the truth table needs at any time.

use crate::earth::EarthModel;
use crate::flight::{EndReason, interpolate};
use crate::integrate::Node;
use crate::spec::MissileSpec;
use std::sync::Arc;
use tl_core::Vec3;
use tl_core::consts::SIGMA_SB_W_M2_K4;
use tl_core::object::{ObjectKind, Phase};

/// What drives an object during one segment of its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SegmentKind {
    /// Stage `k` (0-based) burning.
    Burn(u8),
    /// Unpowered coast of the stack between stages.
    Coast,
    /// Post-boost vehicle deploying its objects.
    PostBoost,
    /// Unpowered flight (midcourse or reentry, decided by altitude and direction).
    Ballistic,
}

/// One segment of an object's life with constant mass flow and thrust law.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Segment {
    /// Start, s since the scenario epoch.
    pub t_start_s: f64,
    /// End, s since the scenario epoch.
    pub t_end_s: f64,
    /// What drives the object.
    pub kind: SegmentKind,
    /// Mass at `t_start_s`, kg.
    pub mass_start_kg: f64,
    /// Mass flow, kg/s (0 when unpowered).
    pub mass_flow_kg_s: f64,
    /// Vacuum thrust, N (0 when unpowered).
    pub thrust_vac_n: f64,
    /// Sea-level thrust, N.
    pub thrust_sl_n: f64,
}

/// Geometry and surface of a body, for drag and thermal signatures.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BodyInfo {
    /// Diameter, m.
    pub diameter_m: f64,
    /// Length, m.
    pub length_m: f64,
    /// Broadside projected area (length x diameter), m^2: the area a sensor sees side-on.
    pub side_area_m2: f64,
    /// Surface emissivity (0..1).
    pub emissivity: f64,
    /// Nose radius for stagnation-point heating, m.
    pub nose_radius_m: f64,
    /// Ballistic coefficient when unpowered, kg/m^2 (infinite: no drag).
    pub beta_kg_m2: f64,
}

/// Everything known about one object at one time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ObjectState {
    /// Time, s since the scenario epoch.
    pub t_s: f64,
    /// Position, ECI (TEME), m.
    pub pos_eci_m: Vec3,
    /// Velocity, ECI, m/s.
    pub vel_eci_m_s: Vec3,
    /// Position, ECEF (PEF), m.
    pub pos_ecef_m: Vec3,
    /// Velocity relative to the Earth, ECEF, m/s.
    pub vel_ecef_m_s: Vec3,
    /// Geodetic latitude, rad (geocentric on a spherical Earth).
    pub lat_rad: f64,
    /// Longitude, rad.
    pub lon_rad: f64,
    /// Height above the ellipsoid (or sphere), m.
    pub alt_m: f64,
    /// Flight phase.
    pub phase: Phase,
    /// Burning stage, 1-based (None when no motor burns).
    pub stage: Option<u8>,
    /// Thrust, N (0 when unpowered).
    pub thrust_n: f64,
    /// Throttle: 1 while a motor burns at full thrust, 0 otherwise.
    pub throttle: f64,
    /// Mass, kg.
    pub mass_kg: f64,
    /// Inertial speed, m/s.
    pub speed_m_s: f64,
    /// Speed relative to the air (Earth-fixed atmosphere), m/s.
    pub airspeed_m_s: f64,
    /// Air density, kg/m^3.
    pub air_density_kg_m3: f64,
    /// Mach number (air speed / local speed of sound).
    pub mach: f64,
    /// Plume radiant intensity in the SWIR (~2.7 um) band, W/sr: the burning stage's table
    /// at this altitude times the throttle, before path attenuation; 0 when not burning.
    pub plume_swir_w_sr: f64,
    /// Plume radiant intensity in the MWIR (~4.3 um) band, W/sr (as above).
    pub plume_mwir_w_sr: f64,
    /// Stagnation-point convective heat flux (Sutton-Graves), W/m^2.
    pub heat_flux_w_m2: f64,
    /// Skin temperature, K: radiative equilibrium of the stagnation heat flux with the
    /// body's emission, with a floor of [`BODY_FLOOR_K`] (an upper bound: no thermal lag).
    pub skin_temp_k: f64,
}

/// Temperature of an unheated body used as the skin-temperature floor, K.
pub const BODY_FLOOR_K: f64 = 300.0;

/// Sutton-Graves constant for Earth air, kg^0.5 / m (Sutton & Graves, NASA TR R-376, 1971).
pub const SUTTON_GRAVES_K: f64 = 1.7415e-4;

/// One object of a flight: its kind, life span, trajectory and segments.
#[derive(Clone, Debug)]
pub struct ObjectTrack {
    /// Index within its flight (0 = the booster).
    pub index: u32,
    /// Kind of object.
    pub kind: ObjectKind,
    /// Index of the object it came from (None for the booster).
    pub parent: Option<u32>,
    /// Time it starts to exist (lift-off, separation or release), s since the epoch.
    pub t_start_s: f64,
    /// Time it stops existing, s since the epoch.
    pub t_end_s: f64,
    /// Why it stops.
    pub end: EndReason,
    /// Geometry and surface.
    pub body: BodyInfo,
    nodes: Vec<Node>,
    segments: Vec<Segment>,
    earth: EarthModel,
    missile: Arc<MissileSpec>,
}

impl ObjectTrack {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        index: u32,
        kind: ObjectKind,
        parent: Option<u32>,
        end: EndReason,
        body: BodyInfo,
        nodes: Vec<Node>,
        segments: Vec<Segment>,
        earth: EarthModel,
        missile: Arc<MissileSpec>,
    ) -> Self {
        let t_start_s = nodes.first().map_or(0.0, |n| n.t_s);
        let t_end_s = nodes.last().map_or(0.0, |n| n.t_s);
        Self { index, kind, parent, t_start_s, t_end_s, end, body, nodes, segments, earth, missile }
    }

    /// Whether the object exists at `t_s` (start <= t <= end, and it was not removed).
    #[inline]
    pub fn exists_at(&self, t_s: f64) -> bool {
        t_s >= self.t_start_s && t_s <= self.t_end_s && self.t_end_s >= self.t_start_s
    }

    /// ECI position (m) and velocity (m/s) at `t_s`, or None outside the object's life.
    /// Quintic Hermite interpolation between the integrator's nodes (position, velocity,
    /// acceleration), accurate to < 1 cm against the integration (tested).
    #[inline]
    pub fn state_eci(&self, t_s: f64) -> Option<(Vec3, Vec3)> {
        self.exists_at(t_s).then(|| interpolate(&self.nodes, t_s))
    }

    /// The integrator's nodes (time, ECI position, velocity, acceleration).
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The object's segments (burns, coasts, post-boost, ballistic).
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    fn segment_at(&self, t_s: f64) -> &Segment {
        // Few segments: a linear scan; the last segment whose start is <= t.
        let mut s = &self.segments[0];
        for seg in &self.segments {
            if seg.t_start_s <= t_s {
                s = seg;
            }
        }
        s
    }

    /// The full state at `t_s` (None outside the object's life).
    pub fn state(&self, t_s: f64) -> Option<ObjectState> {
        let (r, v) = self.state_eci(t_s)?;
        let frame = self.earth.frame(t_s);
        let (rf, vf) = frame.state_to_ecef(&r, &v);
        let geo = self.earth.geodetic(&rf);
        let seg = self.segment_at(t_s);
        let mass = seg.mass_start_kg - seg.mass_flow_kg_s * (t_s - seg.t_start_s).max(0.0);
        let atm = crate::atmosphere::state(geo.alt_m);
        let rho = atm.density_kg_m3;
        let va = self.earth.air_relative_velocity(&r, &v).norm();
        let (phase, stage, thrust, throttle, swir, mwir) = match seg.kind {
            SegmentKind::Burn(k) => {
                let thrust = seg.thrust_vac_n
                    - (seg.thrust_vac_n - seg.thrust_sl_n) * atm.pressure_pa / crate::atmosphere::P0_PA;
                let (s, m) = self.missile.stages[k as usize].plume_w_sr(geo.alt_m);
                (Phase::Boost(k + 1), Some(k + 1), thrust, 1.0, s, m)
            }
            SegmentKind::Coast => (Phase::Coast, None, 0.0, 0.0, 0.0, 0.0),
            SegmentKind::PostBoost => (Phase::PostBoost, None, 0.0, 0.0, 0.0, 0.0),
            SegmentKind::Ballistic => {
                let ph =
                    if r.dot(&v) < 0.0 && geo.alt_m < 100_000.0 { Phase::Reentry } else { Phase::Midcourse };
                (ph, None, 0.0, 0.0, 0.0, 0.0)
            }
        };
        let q = SUTTON_GRAVES_K * (rho / self.body.nose_radius_m).sqrt() * va.powi(3);
        let eps = self.body.emissivity.max(0.05);
        let skin = (q / (eps * SIGMA_SB_W_M2_K4) + BODY_FLOOR_K.powi(4)).powf(0.25);
        Some(ObjectState {
            t_s,
            pos_eci_m: r,
            vel_eci_m_s: v,
            pos_ecef_m: rf,
            vel_ecef_m_s: vf,
            lat_rad: geo.lat_rad,
            lon_rad: geo.lon_rad,
            alt_m: geo.alt_m,
            phase,
            stage,
            thrust_n: thrust,
            throttle,
            mass_kg: mass,
            speed_m_s: v.norm(),
            airspeed_m_s: va,
            air_density_kg_m3: rho,
            mach: va / atm.speed_of_sound_m_s,
            plume_swir_w_sr: swir,
            plume_mwir_w_sr: mwir,
            heat_flux_w_m2: q,
            skin_temp_k: skin,
        })
    }

    /// End the object's existence at `t_s` (an engagement kill) if it exists then.
    pub(crate) fn truncate(&mut self, t_s: f64, reason: EndReason) {
        if t_s < self.t_end_s {
            self.t_end_s = t_s.max(self.t_start_s);
            self.end = reason;
        }
    }

    /// Remove the object entirely (it would have been released after a kill).
    pub(crate) fn remove(&mut self) {
        self.t_end_s = self.t_start_s - 1.0;
        self.end = EndReason::Killed;
    }
}
