//! Synthetic run folders for tests and demos of the viewer, the server and the report:
//! **not simulation output**. Satellites fly two-body circular orbits (closed form) in
//! ECI, rotated to ECEF with [`tl_core::frames::EarthRotation`]; tables are written with
//! tl-io exactly as `tracklayer run` writes them.

use crate::run::VizError;
use std::path::{Path, PathBuf};
use tl_core::Vec3;
use tl_core::frames::EarthRotation;
use tl_core::time::Epoch;
use tl_io::{Format, RunDir, TableWriter, Value, WriteOptions, tables};

/// One circular orbit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CircularOrbit {
    /// Altitude above a sphere of the WGS84 equatorial radius, m.
    pub alt_m: f64,
    /// Inclination, rad.
    pub incl_rad: f64,
    /// Right ascension of the ascending node, rad.
    pub raan_rad: f64,
    /// Argument of latitude at t = 0, rad.
    pub u0_rad: f64,
}

impl CircularOrbit {
    /// ECI (TEME) position and velocity at `t_s`: r (cos u, sin u) in the orbit plane
    /// rotated by inclination and node, u = u0 + n t, n = sqrt(mu / r^3).
    pub fn state_eci(&self, t_s: f64) -> (Vec3, Vec3) {
        let r = tl_core::consts::WGS84_A_M + self.alt_m;
        let n = (tl_core::consts::MU_EARTH_M3_S2 / r.powi(3)).sqrt();
        let u = self.u0_rad + n * t_s;
        let (su, cu) = u.sin_cos();
        let (si, ci) = self.incl_rad.sin_cos();
        let (so, co) = self.raan_rad.sin_cos();
        let p = Vec3::new(co * cu - so * ci * su, so * cu + co * ci * su, si * su) * r;
        let v = Vec3::new(-co * su - so * ci * cu, -so * su + co * ci * cu, si * cu) * (r * n);
        (p, v)
    }
}

/// A Walker delta pattern `i: t/p/f` at one altitude (satellites in `planes` planes,
/// `t / planes` per plane, phasing `f`).
pub fn walker(alt_m: f64, incl_deg: f64, t: usize, planes: usize, f: usize) -> Vec<CircularOrbit> {
    let planes = planes.max(1);
    let per = (t / planes).max(1);
    let mut out = Vec::new();
    for p in 0..planes {
        for k in 0..per {
            out.push(CircularOrbit {
                alt_m,
                incl_rad: incl_deg.to_radians(),
                raan_rad: std::f64::consts::TAU * p as f64 / planes as f64,
                u0_rad: std::f64::consts::TAU * (k as f64 / per as f64 + (p * f) as f64 / (t as f64)),
            });
        }
    }
    out
}

/// Write a run folder at `target` with a `satellites` table (Parquet) for `orbits`,
/// sampled every `step_s` over `[0, duration_s]`, and a `summary.json` with `scenario`,
/// `epoch`, `duration_s` and `step_s`. Returns the committed folder.
pub fn write_satellite_run(
    target: &Path,
    name: &str,
    epoch: Epoch,
    orbits: &[CircularOrbit],
    duration_s: f64,
    step_s: f64,
) -> Result<PathBuf, VizError> {
    tl_core::check::positive("step_s", step_s)?;
    tl_core::check::non_negative("duration_s", duration_s)?;
    let run = RunDir::create(target)?;
    let rot = EarthRotation::new(epoch, 0.0);
    let mut w =
        TableWriter::create(run.path(), &tables::SATELLITES, Format::Parquet, WriteOptions::default())?;
    let n = (duration_s / step_s).floor() as usize;
    let names: Vec<String> = (0..orbits.len()).map(|i| format!("demo-{i}")).collect();
    for k in 0..=n {
        let t = k as f64 * step_s;
        let x = rot.at(t);
        for (i, o) in orbits.iter().enumerate() {
            let (r, v) = o.state_eci(t);
            let (rf, vf) = x.state_to_ecef(&r, &v);
            let g = tl_core::wgs84::Geodetic::from_ecef(&rf);
            let row: Vec<Value> = tables::SATELLITES
                .columns
                .iter()
                .map(|c| match &*c.name {
                    "t_s" => Value::F64(t),
                    "sat_id" => Value::U32(i as u32),
                    "name" => Value::Str(&names[i]),
                    "constellation" => Value::Str("demo"),
                    "pos_eci_x_m" => Value::F64(r.x),
                    "pos_eci_y_m" => Value::F64(r.y),
                    "pos_eci_z_m" => Value::F64(r.z),
                    "vel_eci_x_m_s" => Value::F64(v.x),
                    "vel_eci_y_m_s" => Value::F64(v.y),
                    "vel_eci_z_m_s" => Value::F64(v.z),
                    "pos_ecef_x_m" => Value::F64(rf.x),
                    "pos_ecef_y_m" => Value::F64(rf.y),
                    "pos_ecef_z_m" => Value::F64(rf.z),
                    "vel_ecef_x_m_s" => Value::F64(vf.x),
                    "vel_ecef_y_m_s" => Value::F64(vf.y),
                    "vel_ecef_z_m_s" => Value::F64(vf.z),
                    "lat_deg" => Value::F64(g.lat_deg()),
                    "lon_deg" => Value::F64(g.lon_deg()),
                    "alt_m" => Value::F64(g.alt_m),
                    _ => Value::F64(f64::NAN),
                })
                .collect();
            w.push_row(&row)?;
        }
    }
    w.finish()?;
    let summary = serde_json::json!({
        "scenario": name,
        "epoch_utc": tl_core::time::format_epoch_utc(epoch),
        "duration_s": duration_s,
        "step_s": step_s,
        "synthetic": "tl_viz::synthetic (closed-form circular orbits; not simulation output)",
    });
    let text = serde_json::to_string_pretty(&summary).expect("summary serialises");
    tl_io::write_file_atomic(&run.path().join(tl_io::RUN_MARKER), text.as_bytes())?;
    Ok(run.commit()?)
}
