//! `[[launch]]`: one missile launch.
//!
//! The threat crate may move [`LaunchConfig`] into its own crate (`pub use
//! tl_threat::...::LaunchConfig;`) and extend [`validate`]; the fields below are the
//! agreed scenario format.

use super::Problems;
use serde::{Deserialize, Serialize};
use tl_core::check::{fmt_f64, in_range};
use tl_core::wgs84::{Geodetic, central_angle_rad};

/// Trajectory shape.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TrajectoryShape {
    /// The minimum-energy trajectory for the range.
    #[default]
    MinimumEnergy,
    /// Higher than minimum energy: give `apogee_km`.
    Lofted,
    /// Lower than minimum energy: give `flight_path_deg` or `apogee_km`.
    Depressed,
}

/// One launch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LaunchConfig {
    /// Identifier, unique in the scenario (used in tables and the summary).
    pub id: String,
    /// Missile type: a catalogue name (`icbm-solid-3`, `icbm-liquid-2`, `slbm`, `irbm`,
    /// `srbm`) or the name of a `[[missile]]` in this file.
    pub missile: String,
    /// Launch site geodetic latitude (WGS84), deg, -90..=90.
    pub site_lat_deg: f64,
    /// Launch site longitude, deg east, -180..=180.
    pub site_lon_deg: f64,
    /// Aim point geodetic latitude (WGS84), deg, -90..=90.
    pub aim_lat_deg: f64,
    /// Aim point longitude, deg east, -180..=180.
    pub aim_lon_deg: f64,
    /// Lift-off time, s since the scenario epoch, within 0..=duration_s.
    pub time_s: f64,
    /// Trajectory shape (default `minimum-energy`).
    #[serde(default)]
    pub shape: TrajectoryShape,
    /// Apogee altitude, km (`lofted`; or `depressed` instead of `flight_path_deg`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apogee_km: Option<f64>,
    /// Burnout flight-path angle above the local horizontal, deg (`depressed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flight_path_deg: Option<f64>,
    /// Reentry vehicles released by the post-boost vehicle, 1..=20 (default: the
    /// missile's `default_rvs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rvs: Option<u32>,
    /// Light decoys released by the post-boost vehicle, 0..=100 (default: the missile's
    /// `default_decoys`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decoys: Option<u32>,
}

impl LaunchConfig {
    /// The threat crate's launch spec for this launch.
    pub fn to_spec(&self) -> tl_threat::LaunchSpec {
        let shape = match self.shape {
            TrajectoryShape::MinimumEnergy => tl_threat::Shape::MinimumEnergy,
            TrajectoryShape::Lofted => {
                tl_threat::Shape::Lofted { apogee_km: self.apogee_km.unwrap_or(f64::NAN) }
            }
            TrajectoryShape::Depressed => tl_threat::Shape::Depressed {
                flight_path_deg: self.flight_path_deg,
                apogee_km: self.apogee_km,
            },
        };
        tl_threat::LaunchSpec {
            missile: self.missile.clone(),
            site_lat_deg: self.site_lat_deg,
            site_lon_deg: self.site_lon_deg,
            aim_lat_deg: self.aim_lat_deg,
            aim_lon_deg: self.aim_lon_deg,
            time_s: self.time_s,
            shape,
            rvs: self.rvs,
            decoys: self.decoys,
        }
    }
}

/// Fly every launch (targeting solve and all objects), in parallel, results in launch
/// order. A launch that cannot be flown (aim point out of reach, too many objects for the
/// payload, ...) is reported where it was written (`origins`: `launch[i]` or its
/// `launch_group[g]`) with the threat model's explanation.
pub(crate) fn fly_all(
    s: &super::Scenario,
    launches: &[LaunchConfig],
    origins: &[super::launch_group::Origin],
    earth: tl_core::frames::EarthRotation,
    problems: &mut Problems,
) -> Vec<tl_threat::Flight> {
    use rayon::prelude::*;
    let model = tl_threat::EarthModel::full(earth);
    let results: Vec<Result<tl_threat::Flight, tl_core::check::FieldError>> = launches
        .par_iter()
        .enumerate()
        .map(|(i, l)| {
            let spec = super::missile::find(&l.missile, &s.missiles)
                .ok_or_else(|| tl_core::check::FieldError::new("missile", &l.missile, "a known missile"))?;
            let m = tl_threat::Missile::new(spec).map_err(|e| e.within("missile"))?;
            let rng = tl_core::rng::RngStream::new(s.seed, 0, i as u64, "threat.release");
            tl_threat::fly(&m, &l.to_spec(), &model, &tl_threat::Integration::default(), rng).map_err(|e| {
                match e {
                    tl_threat::ThreatError::Field(fe) => fe,
                    other => tl_core::check::FieldError::new(
                        "aim_lat_deg",
                        format!("{} ({other})", fmt_f64(l.aim_lat_deg)),
                        "an aim point the missile can reach with this shape",
                    ),
                }
            })
        })
        .collect();
    let mut flights = Vec::with_capacity(results.len());
    for (r, origin) in results.into_iter().zip(origins) {
        match r {
            Ok(f) => flights.push(f),
            Err(e) => problems.add(origin.locate(e)),
        }
    }
    flights
}

/// Check the launches. `missiles` are all names launches may use (catalogue and file).
/// `origins[i]` says where launch `i` was written (problems are addressed there).
pub(crate) fn validate(
    launches: &[LaunchConfig],
    origins: &[super::launch_group::Origin],
    missiles: &[String],
    duration_s: f64,
    problems: &mut Problems,
) {
    let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::with_capacity(launches.len());
    for (l, origin) in launches.iter().zip(origins) {
        let mut here = Problems::default();
        validate_one(l, &mut here, missiles, duration_s);
        if !seen.insert(l.id.as_str()) {
            here.push("id", format!("{:?}", l.id), "unique among launches");
        }
        for e in here.errors {
            problems.add(origin.locate(e));
        }
    }
}

/// Check one launch; field paths relative to the launch.
fn validate_one(l: &LaunchConfig, problems: &mut Problems, missiles: &[String], duration_s: f64) {
    {
        problems.name("id", &l.id);
        if !missiles.contains(&l.missile) {
            problems.push(
                "missile",
                format!("{:?}", l.missile),
                format!("a catalogue missile or a [[missile]] of this file: {}", missiles.join(", ")),
            );
        }
        let lat_ok = problems.check("", in_range("site_lat_deg", l.site_lat_deg, -90.0, 90.0)).is_some();
        let lon_ok = problems.check("", in_range("site_lon_deg", l.site_lon_deg, -180.0, 180.0)).is_some();
        let alat_ok = problems.check("", in_range("aim_lat_deg", l.aim_lat_deg, -90.0, 90.0)).is_some();
        let alon_ok = problems.check("", in_range("aim_lon_deg", l.aim_lon_deg, -180.0, 180.0)).is_some();
        if lat_ok && lon_ok && alat_ok && alon_ok {
            let site = Geodetic::from_deg(l.site_lat_deg, l.site_lon_deg, 0.0);
            let aim = Geodetic::from_deg(l.aim_lat_deg, l.aim_lon_deg, 0.0);
            let deg = central_angle_rad(&site, &aim).to_degrees();
            if deg < 0.5 {
                problems.push(
                    "aim_lat_deg",
                    format!("{} (aim point {deg:.3} deg from the launch site)", fmt_f64(l.aim_lat_deg)),
                    "an aim point at least 0.5 deg (about 55 km) from the launch site",
                );
            }
        }
        problems.check(
            "",
            in_range("time_s", l.time_s, 0.0, duration_s).map_err(|e| tl_core::check::FieldError {
                allowed: format!("{} (inside the run)", e.allowed),
                ..e
            }),
        );
        if let Some(n) = l.rvs {
            problems.check("", in_range("rvs", n as f64, 1.0, 20.0));
        }
        if let Some(n) = l.decoys {
            problems.check("", in_range("decoys", n as f64, 0.0, 100.0));
        }
        let apogee = |problems: &mut Problems| {
            if let Some(a) = l.apogee_km {
                problems.check("", in_range("apogee_km", a, 50.0, 5_000.0));
            }
        };
        match l.shape {
            TrajectoryShape::MinimumEnergy => {
                for (name, v) in [("apogee_km", l.apogee_km), ("flight_path_deg", l.flight_path_deg)] {
                    if let Some(v) = v {
                        problems.push(
                            name,
                            fmt_f64(v),
                            "absent for shape = \"minimum-energy\" (use \"lofted\" or \"depressed\")",
                        );
                    }
                }
            }
            TrajectoryShape::Lofted => {
                if l.apogee_km.is_none() {
                    problems.push("apogee_km", "missing", "given for shape = \"lofted\"");
                }
                if let Some(v) = l.flight_path_deg {
                    problems.push("flight_path_deg", fmt_f64(v), "absent for shape = \"lofted\"");
                }
                apogee(problems);
            }
            TrajectoryShape::Depressed => match (l.apogee_km, l.flight_path_deg) {
                (None, None) => problems.push(
                    "flight_path_deg",
                    "missing",
                    "given (or apogee_km) for shape = \"depressed\"",
                ),
                (Some(_), Some(f)) => problems.push(
                    "flight_path_deg",
                    fmt_f64(f),
                    "absent when apogee_km is given (one of the two)",
                ),
                (None, Some(f)) => {
                    problems.check("", in_range("flight_path_deg", f, 1.0, 45.0));
                }
                (Some(_), None) => apogee(problems),
            },
        }
    }
}
