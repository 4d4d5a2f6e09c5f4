//! Boost trajectories for studies, flown by tl-threat.
//!
//! Studies (`tracklayer laser`, `tracklayer study sizing`) ask about a catalogue missile
//! launched from a site towards an aim point. This module flies it with tl-threat's
//! 3-DOF boost and targeting (minimum-energy shape) and returns the booster's path from
//! lift-off to burnout as a [`TargetPath`], with per-stage lethal fluences from the
//! catalogue. The inertial frame is ECI with GMST = 0 at launch (t = 0); sizing
//! randomises the constellation against it, so the choice is immaterial.
//!
//! Fire control in a run never uses this: it plans from tracks.

use crate::laser::Lethality;
use crate::path::{PathNode, TargetPath};
use tl_core::frames::EarthRotation;
use tl_threat::{EarthModel, Integration, LaunchSpec, Missile, SegmentKind, Shape, catalogue, fly};

/// A catalogue missile's boost, ready for engagement studies.
#[derive(Clone, Debug)]
pub struct BoostTarget {
    /// Catalogue name.
    pub missile: String,
    /// Booster path from lift-off to burnout, t = 0 at launch.
    pub path: TargetPath,
    /// Lethal fluence per stage (stage start times from the flight's burn segments).
    pub lethal: Lethality,
    /// Burnout time, s after launch.
    pub burnout_t_s: f64,
    /// Burnout altitude, m.
    pub burnout_alt_m: f64,
    /// Burnout speed (inertial), m/s.
    pub burnout_speed_m_s: f64,
    /// Ground range to impact, m.
    pub ground_range_m: f64,
}

/// Errors from building a study target.
#[derive(Debug, thiserror::Error)]
pub enum MissileError {
    /// Unknown catalogue name.
    #[error("missile = {0:?}: must be one of {1}")]
    Unknown(String, String),
    /// tl-threat refused the launch or could not target it.
    #[error("{0}")]
    Threat(String),
    /// The flight's booster path was unusable.
    #[error("{0}")]
    Path(#[from] tl_core::check::FieldError),
}

/// Fly catalogue missile `name` from (`site_lat_deg`, `site_lon_deg`) towards
/// (`aim_lat_deg`, `aim_lon_deg`) on a minimum-energy trajectory; sample its booster
/// every `step_s` seconds (and at burnout).
pub fn boost_target(
    name: &str,
    site_lat_deg: f64,
    site_lon_deg: f64,
    aim_lat_deg: f64,
    aim_lon_deg: f64,
    step_s: f64,
) -> Result<BoostTarget, MissileError> {
    let spec = catalogue::get(name)
        .ok_or_else(|| MissileError::Unknown(name.to_string(), catalogue::NAMES.join(", ")))?;
    let m = Missile::new(spec.clone()).map_err(|e| MissileError::Threat(e.to_string()))?;
    let launch = LaunchSpec {
        missile: spec.name.clone(),
        site_lat_deg,
        site_lon_deg,
        aim_lat_deg,
        aim_lon_deg,
        time_s: 0.0,
        shape: Shape::MinimumEnergy,
        rvs: Some(1),
        decoys: Some(0),
    };
    let earth = EarthModel::full(EarthRotation::with_angle(0.0, tl_core::consts::OMEGA_EARTH_RAD_S));
    let rng = tl_core::rng::RngStream::new(0, 0, 0, "engage.study.release");
    let flight = fly(&m, &launch, &earth, &Integration::default(), rng)
        .map_err(|e| MissileError::Threat(e.to_string()))?;
    let booster = &flight.objects[0];
    let burnout = flight.summary.burnout_time_s.min(booster.t_end_s);
    let mut nodes = Vec::new();
    let mut t = booster.t_start_s;
    while t < burnout {
        if let Some((r, v)) = booster.state_eci(t) {
            nodes.push(PathNode { t_s: t, pos_eci_m: r, vel_eci_m_s: v });
        }
        t += step_s;
    }
    if let Some((r, v)) = booster.state_eci(burnout) {
        if nodes.last().is_some_and(|n| burnout - n.t_s < 1e-6) {
            nodes.pop();
        }
        nodes.push(PathNode { t_s: burnout, pos_eci_m: r, vel_eci_m_s: v });
    }
    let path = TargetPath::new(nodes, burnout)?;
    Ok(BoostTarget {
        missile: spec.name.clone(),
        path,
        lethal: stage_lethality(&spec, booster),
        burnout_t_s: burnout,
        burnout_alt_m: flight.summary.burnout_alt_m,
        burnout_speed_m_s: flight.summary.burnout_speed_m_s,
        ground_range_m: flight.summary.ground_range_m,
    })
}

/// The lethal fluence of each stage of `object` (a flight's booster) from the missile's
/// catalogue entry, starting at each burn segment's start time: what a laser must
/// deposit on the stage burning then (the fluence on a stage is lost when it separates).
/// An object that never burns gets the first stage's fluence from its start.
pub fn stage_lethality(spec: &tl_threat::MissileSpec, object: &tl_threat::ObjectTrack) -> Lethality {
    let mut stages: Vec<(f64, f64)> = object
        .segments()
        .iter()
        .filter_map(|s| match s.kind {
            SegmentKind::Burn(k) => {
                spec.stages.get(k as usize).map(|st| (s.t_start_s, st.lethal_fluence_j_m2()))
            }
            _ => None,
        })
        .collect();
    stages.dedup_by(|a, b| a.0 <= b.0);
    if stages.is_empty() {
        stages.push((object.t_start_s, spec.stages.first().map_or(1.0e7, |s| s.lethal_fluence_j_m2())));
    }
    Lethality::PerStage(stages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solid_icbm_boost_from_a_north_korea_like_site() {
        let b = boost_target("icbm-solid-3", 40.0, 127.5, 39.7, -105.0, 1.0).unwrap();
        // APS 2003: solid ICBM boost about 170-180 s.
        assert!((165.0..=185.0).contains(&b.burnout_t_s), "{}", b.burnout_t_s);
        let Lethality::PerStage(st) = &b.lethal else { panic!() };
        assert_eq!(st.len(), 3);
        assert!(st.iter().all(|s| s.1 == 3.0e7));
        assert!(b.path.altitude_m(b.burnout_t_s).unwrap() > 100e3);
        assert!(b.burnout_speed_m_s > 6_000.0);
        assert!(matches!(boost_target("nope", 0.0, 0.0, 1.0, 1.0, 1.0), Err(MissileError::Unknown(..))));
    }
}
