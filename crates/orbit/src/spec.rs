//! The orbit part of a scenario's `[[constellation]]`: `[constellation.orbit]`.
//!
//! One flat table with a `kind`; each kind uses its own fields and refuses the others
//! (a field that does not belong to the kind is an error naming it):
//!
//! | kind | fields |
//! | --- | --- |
//! | `walker` | `pattern` (delta/star), `inclination_deg`, `total`, `planes`, `phasing`, `altitude_km`, `raan0_deg` |
//! | `geo` | `longitudes_deg` (sub-satellite longitudes at the epoch), `inclination_deg` (default 0) |
//! | `elements` | `satellites = [{ name, altitude_km or a_km, e, inclination_deg, raan_deg, argp_deg, mean_anomaly_deg }]` |
//! | `tle-file` | `path` (relative to the scenario file), `names` (optional filter) |
//! | `omm-file` | `path` (CelesTrak OMM JSON/CSV/XML), `names` (optional filter) |
//!
//! `propagator`: `two-body`, `j2-secular` (default for element kinds), `numerical` (RK
//! with J2), or `sgp4` (the only choice, and the default, for TLE/OMM).

use crate::kepler::KeplerElements;
use crate::numerical::{NumericalTrajectory, default_tolerances};
use crate::tle::{ElementSet, Sgp4Mode, Sgp4Propagator, parse_omm, parse_tle};
use crate::walker::{Walker, WalkerPattern};
use crate::{OrbitError, Propagator, Satellite};
use nalgebra::Vector3;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tl_core::check::{FieldError, in_range};
use tl_core::consts::{MU_EARTH_M3_S2, WGS84_A_M};
use tl_core::time::Epoch;

/// How the satellites of a constellation are given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OrbitKind {
    /// A Walker delta/star pattern.
    Walker,
    /// Geostationary satellites at given longitudes.
    Geo,
    /// A list of Keplerian element sets.
    Elements,
    /// A file of two- or three-line element sets.
    TleFile,
    /// A file of CelesTrak OMM records (JSON, CSV or XML).
    OmmFile,
}

/// Propagator choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PropagatorKind {
    /// Keplerian two-body motion.
    TwoBody,
    /// Mean elements with analytic secular J2 drift.
    J2Secular,
    /// Numerical integration of two-body + J2 (Dormand-Prince 5(4)).
    Numerical,
    /// SGP4/SDP4 (TLE/OMM only).
    Sgp4,
}

/// One satellite given by Keplerian elements (degrees, km).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElementsSpec {
    /// Satellite name.
    pub name: String,
    /// Semi-major axis, km (give this or `altitude_km`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub a_km: Option<f64>,
    /// Altitude of a circular orbit above the equatorial radius, km (sets a).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub altitude_km: Option<f64>,
    /// Eccentricity, in [0, 1).
    #[serde(default)]
    pub e: f64,
    /// Inclination, deg, 0..=180.
    pub inclination_deg: f64,
    /// Right ascension of the ascending node (ECI/TEME), deg.
    #[serde(default)]
    pub raan_deg: f64,
    /// Argument of perigee, deg.
    #[serde(default)]
    pub argp_deg: f64,
    /// Mean anomaly at the scenario epoch, deg.
    #[serde(default)]
    pub mean_anomaly_deg: f64,
}

/// The `[constellation.orbit]` table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrbitSpec {
    /// How the satellites are given.
    pub kind: OrbitKind,
    /// Propagator (see the module docs for defaults).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub propagator: Option<PropagatorKind>,
    /// Walker: delta or star.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<WalkerPattern>,
    /// Walker / geo: inclination, deg.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inclination_deg: Option<f64>,
    /// Walker: total satellites T.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u32>,
    /// Walker: planes P.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planes: Option<u32>,
    /// Walker: phasing F.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phasing: Option<u32>,
    /// Walker: circular altitude, km.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub altitude_km: Option<f64>,
    /// Walker: RAAN of the first plane, deg (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raan0_deg: Option<f64>,
    /// Geo: sub-satellite longitudes at the epoch, deg east.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longitudes_deg: Option<Vec<f64>>,
    /// Elements: the satellites.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub satellites: Option<Vec<ElementsSpec>>,
    /// TLE/OMM file: path relative to the scenario file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// TLE/OMM file: keep only these names (all when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub names: Option<Vec<String>>,
}

/// What building a constellation needs from the scenario.
pub struct BuildContext<'a> {
    /// Scenario epoch (t_s = 0).
    pub epoch: Epoch,
    /// GMST at the epoch, rad (places GEO satellites over their longitudes).
    pub gmst0_rad: f64,
    /// Earth rotation rate, rad/s (sets the geostationary radius).
    pub earth_rate_rad_s: f64,
    /// Time span the satellites must cover, s since the epoch (numerical propagation
    /// precomputes this span).
    pub span_s: (f64, f64),
    /// Prefix of generated satellite names (the constellation name).
    pub name_prefix: &'a str,
    /// Reads a file named in the spec (relative paths resolved by the caller).
    pub read_file: &'a dyn Fn(&str) -> Result<String, String>,
}

fn require<T: Clone>(v: &Option<T>, field: &str, kind: &str) -> Result<T, FieldError> {
    v.clone().ok_or_else(|| FieldError::new(field, "missing", format!("given for kind = \"{kind}\"")))
}

impl OrbitSpec {
    fn kind_name(&self) -> &'static str {
        match self.kind {
            OrbitKind::Walker => "walker",
            OrbitKind::Geo => "geo",
            OrbitKind::Elements => "elements",
            OrbitKind::TleFile => "tle-file",
            OrbitKind::OmmFile => "omm-file",
        }
    }

    /// Fields that are set, by name.
    fn set_fields(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        macro_rules! f {
            ($($name:ident),*) => { $( if self.$name.is_some() { v.push(stringify!($name)); } )* };
        }
        f!(
            pattern,
            inclination_deg,
            total,
            planes,
            phasing,
            altitude_km,
            raan0_deg,
            longitudes_deg,
            satellites,
            path,
            names
        );
        v
    }

    /// Check that only the kind's fields are set and the propagator fits.
    fn check_fields(&self) -> Result<(), FieldError> {
        let allowed: &[&str] = match self.kind {
            OrbitKind::Walker => {
                &["pattern", "inclination_deg", "total", "planes", "phasing", "altitude_km", "raan0_deg"]
            }
            OrbitKind::Geo => &["longitudes_deg", "inclination_deg"],
            OrbitKind::Elements => &["satellites"],
            OrbitKind::TleFile | OrbitKind::OmmFile => &["path", "names"],
        };
        for f in self.set_fields() {
            if !allowed.contains(&f) {
                return Err(FieldError::new(
                    f,
                    "given",
                    format!(
                        "absent for kind = \"{}\" (its fields: {})",
                        self.kind_name(),
                        allowed.join(", ")
                    ),
                ));
            }
        }
        let file = matches!(self.kind, OrbitKind::TleFile | OrbitKind::OmmFile);
        match (file, self.propagator) {
            (true, Some(p)) if p != PropagatorKind::Sgp4 => Err(FieldError::new(
                "propagator",
                format!("{p:?}"),
                "\"sgp4\" for TLE/OMM files (mean elements in the SGP4 theory)",
            )),
            (false, Some(PropagatorKind::Sgp4)) => Err(FieldError::new(
                "propagator",
                "\"sgp4\"",
                "one of \"two-body\", \"j2-secular\", \"numerical\" for Keplerian elements",
            )),
            _ => Ok(()),
        }
    }

    /// Build the satellites. Errors are relative to this table (prefix them with the
    /// constellation's path).
    pub fn build(&self, ctx: &BuildContext) -> Result<Vec<Satellite>, OrbitError> {
        self.check_fields()?;
        let kind = self.kind_name();
        let prop = self.propagator.unwrap_or(match self.kind {
            OrbitKind::TleFile | OrbitKind::OmmFile => PropagatorKind::Sgp4,
            _ => PropagatorKind::J2Secular,
        });
        let keplerian = |name: String, el: KeplerElements| -> Result<Satellite, OrbitError> {
            let propagator = match prop {
                PropagatorKind::TwoBody => Propagator::TwoBody(el),
                PropagatorKind::J2Secular => Propagator::J2Secular(crate::j2::J2Secular::new(el)),
                PropagatorKind::Numerical => {
                    let (r, v) = el.to_state();
                    let traj =
                        NumericalTrajectory::new(r, v, 0.0, ctx.span_s.0, ctx.span_s.1, default_tolerances())
                            .map_err(|e| OrbitError::Integration {
                                name: name.clone(),
                                message: e.to_string(),
                            })?;
                    Propagator::Numerical(Arc::new(traj))
                }
                PropagatorKind::Sgp4 => unreachable!("checked in check_fields"),
            };
            Ok(Satellite { name, norad_id: None, propagator })
        };
        match self.kind {
            OrbitKind::Walker => {
                let w = Walker {
                    pattern: self.pattern.unwrap_or_default(),
                    inclination_deg: require(&self.inclination_deg, "inclination_deg", kind)?,
                    total: require(&self.total, "total", kind)?,
                    planes: require(&self.planes, "planes", kind)?,
                    phasing: self.phasing.unwrap_or(0),
                    altitude_km: require(&self.altitude_km, "altitude_km", kind)?,
                    raan0_deg: self.raan0_deg.unwrap_or(0.0),
                };
                w.validate()?;
                w.elements()
                    .into_iter()
                    .map(|((j, k), el)| {
                        keplerian(format!("{}-p{:02}-s{:02}", ctx.name_prefix, j + 1, k + 1), el)
                    })
                    .collect()
            }
            OrbitKind::Geo => {
                let lons = require(&self.longitudes_deg, "longitudes_deg", kind)?;
                if lons.is_empty() {
                    return Err(FieldError::new("longitudes_deg", "[]", "at least one longitude").into());
                }
                let inc = in_range("inclination_deg", self.inclination_deg.unwrap_or(0.0), 0.0, 180.0)?;
                let w = ctx.earth_rate_rad_s;
                lons.iter()
                    .enumerate()
                    .map(|(n, &lon)| {
                        in_range(&format!("longitudes_deg[{n}]"), lon, -180.0, 360.0)?;
                        let name = format!("{}-{:02}", ctx.name_prefix, n + 1);
                        let u0 = (ctx.gmst0_rad + lon.to_radians()).rem_euclid(std::f64::consts::TAU);
                        let el = |a_m: f64| KeplerElements {
                            a_m,
                            e: 0.0,
                            i_rad: inc.to_radians(),
                            raan_rad: 0.0,
                            argp_rad: 0.0,
                            mean_anomaly_rad: u0,
                        };
                        match prop {
                            // Mean elements: the J2 secular rates of node, perigee and anomaly
                            // add up to n (1 + 3 k) for an equatorial circle, k = J2 (R/a)^2.
                            PropagatorKind::J2Secular => keplerian(name, el(geo_radius_m(w, 3.0))),
                            PropagatorKind::TwoBody => keplerian(name, el(geo_radius_m(w, 0.0))),
                            // Osculating state: a circle at rest over the ground, with the
                            // J2 force included (w^2 = mu/r^3 (1 + 1.5 k)).
                            _ => {
                                let a = geo_radius_m(w, 0.75);
                                let (r, _) = el(a).to_state();
                                let v = Vector3::new(0.0, 0.0, w).cross(&r);
                                let traj = NumericalTrajectory::new(
                                    r,
                                    v,
                                    0.0,
                                    ctx.span_s.0,
                                    ctx.span_s.1,
                                    default_tolerances(),
                                )
                                .map_err(|e| OrbitError::Integration {
                                    name: name.clone(),
                                    message: e.to_string(),
                                })?;
                                Ok(Satellite {
                                    name,
                                    norad_id: None,
                                    propagator: Propagator::Numerical(Arc::new(traj)),
                                })
                            }
                        }
                    })
                    .collect()
            }
            OrbitKind::Elements => {
                let sats = require(&self.satellites, "satellites", kind)?;
                if sats.is_empty() {
                    return Err(FieldError::new("satellites", "[]", "at least one satellite").into());
                }
                sats.iter()
                    .enumerate()
                    .map(|(n, s)| {
                        let el = s.to_elements().map_err(|e| e.within(&format!("satellites[{n}]")))?;
                        keplerian(s.name.clone(), el)
                    })
                    .collect()
            }
            OrbitKind::TleFile | OrbitKind::OmmFile => {
                let path = require(&self.path, "path", kind)?;
                let text = (ctx.read_file)(&path).map_err(|e| {
                    FieldError::new("path", format!("{path:?}"), format!("a readable file ({e})"))
                })?;
                let sets = if self.kind == OrbitKind::TleFile { parse_tle(&text) } else { parse_omm(&text) }
                    .map_err(|e| OrbitError::File { path: path.clone(), source: Box::new(e) })?;
                let sets: Vec<ElementSet> = match &self.names {
                    None => sets,
                    Some(names) => {
                        for n in names {
                            if !sets.iter().any(|s| &s.name == n) {
                                return Err(FieldError::new(
                                    "names",
                                    format!("{n:?}"),
                                    format!("a name in {path}"),
                                )
                                .into());
                            }
                        }
                        sets.into_iter().filter(|s| names.contains(&s.name)).collect()
                    }
                };
                sets.iter()
                    .map(|s| {
                        Ok(Satellite {
                            name: s.name.clone(),
                            norad_id: Some(s.elements.norad_id),
                            propagator: Propagator::Sgp4(Box::new(Sgp4Propagator::new(
                                s,
                                ctx.epoch,
                                Sgp4Mode::Afspc,
                            )?)),
                        })
                    })
                    .collect()
            }
        }
    }
}

/// Radius of an equatorial circular orbit whose angular rate is `w` (rad/s) when the
/// rate is n (1 + c k), k = J2 (R/a)^2: c = 0 two-body, 0.75 osculating J2 circle, 3 mean
/// elements under secular J2. Fixed-point iteration from the Kepler radius.
pub fn geo_radius_m(w: f64, c: f64) -> f64 {
    use tl_core::consts::J2;
    let mut a = (MU_EARTH_M3_S2 / (w * w)).cbrt();
    for _ in 0..20 {
        let k = J2 * (WGS84_A_M / a).powi(2);
        a = (MU_EARTH_M3_S2 * (1.0 + c * k).powi(2) / (w * w)).cbrt();
    }
    a
}

impl ElementsSpec {
    /// Check and convert to SI elements.
    pub fn to_elements(&self) -> Result<KeplerElements, FieldError> {
        let a_m = match (self.a_km, self.altitude_km) {
            (Some(a), None) => in_range("a_km", a, 6_478.0, 1.0e6)? * 1e3,
            (None, Some(h)) => WGS84_A_M + in_range("altitude_km", h, 100.0, 1.0e6)? * 1e3,
            (Some(_), Some(_)) => {
                return Err(FieldError::new("altitude_km", "given with a_km", "one of a_km or altitude_km"));
            }
            (None, None) => return Err(FieldError::new("a_km", "missing", "a_km or altitude_km")),
        };
        let e = in_range("e", self.e, 0.0, 0.99)?;
        if a_m * (1.0 - e) < WGS84_A_M + 100e3 {
            return Err(FieldError::new(
                "e",
                tl_core::check::fmt_f64(e),
                format!(
                    "small enough that perigee stays above 100 km (perigee altitude {:.0} km)",
                    (a_m * (1.0 - e) - WGS84_A_M) / 1e3
                ),
            ));
        }
        Ok(KeplerElements {
            a_m,
            e,
            i_rad: in_range("inclination_deg", self.inclination_deg, 0.0, 180.0)?.to_radians(),
            raan_rad: in_range("raan_deg", self.raan_deg, -360.0, 360.0)?.to_radians(),
            argp_rad: in_range("argp_deg", self.argp_deg, -360.0, 360.0)?.to_radians(),
            mean_anomaly_rad: in_range("mean_anomaly_deg", self.mean_anomaly_deg, -360.0, 360.0)?
                .to_radians(),
        })
    }
}
