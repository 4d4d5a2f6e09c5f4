//! `tracklayer trajectory --missile NAME --from LAT,LON --to LAT,LON [--shape ...]
//! [--json] [--out FILE] [--earth spherical|wgs84] [--rotation on|off] [--drag on|off]`:
//! fly one targeted missile and print its key figures; `--out` writes every object's
//! sampled trajectory as CSV.

use crate::common::{CliError, CliResult};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use tl_core::frames::EarthRotation;
use tl_core::rng::RngStream;
use tl_core::time::parse_epoch;
use tl_threat::{EarthModel, EarthShape, Integration, LaunchSpec, Missile, Shape, catalogue, fly};

#[derive(clap::Args)]
pub struct Args {
    /// Catalogue missile (`tracklayer missiles` lists them).
    #[arg(long)]
    pub missile: String,
    /// Launch site, `LAT,LON` in degrees (geodetic, east positive).
    #[arg(long, allow_hyphen_values = true)]
    pub from: String,
    /// Aim point, `LAT,LON` in degrees.
    #[arg(long, allow_hyphen_values = true)]
    pub to: String,
    /// `minimum-energy`, `lofted:APOGEE_KM`, `depressed:FPA_DEG`, `depressed:fpa=DEG` or
    /// `depressed:apogee=KM`.
    #[arg(long, default_value = "minimum-energy")]
    pub shape: String,
    /// Print the figures as JSON.
    #[arg(long)]
    pub json: bool,
    /// Write every object's trajectory, sampled every `--step` seconds, to this CSV file.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Sampling step of `--out`, s.
    #[arg(long, default_value_t = 1.0)]
    pub step: f64,
    /// Earth shape: `wgs84` (ellipsoid, J2) or `spherical` (mean radius, point mass).
    #[arg(long, default_value = "wgs84", value_parser = ["wgs84", "spherical"])]
    pub earth: String,
    /// Earth rotation.
    #[arg(long, default_value = "on", value_parser = ["on", "off"])]
    pub rotation: String,
    /// Atmospheric drag.
    #[arg(long, default_value = "on", value_parser = ["on", "off"])]
    pub drag: String,
    /// Launch epoch (sets the Earth's orientation), ISO 8601 UTC.
    #[arg(long, default_value = "2026-03-01T12:00:00Z")]
    pub epoch: String,
    /// Reentry vehicles (default: the missile's).
    #[arg(long)]
    pub rvs: Option<u32>,
    /// Decoys (default: the missile's).
    #[arg(long)]
    pub decoys: Option<u32>,
}

fn lat_lon(flag: &str, text: &str) -> Result<(f64, f64), CliError> {
    let bad = || CliError::Message(format!("--{flag} {text:?}: must be LAT,LON in degrees, e.g. 39.0,125.7"));
    let (a, b) = text.split_once(',').ok_or_else(bad)?;
    Ok((a.trim().parse().map_err(|_| bad())?, b.trim().parse().map_err(|_| bad())?))
}

pub fn main(a: Args) -> CliResult {
    let spec = catalogue::get(&a.missile).ok_or_else(|| {
        format!("--missile {:?}: must be a catalogue missile: {}", a.missile, catalogue::NAMES.join(", "))
    })?;
    let m = Missile::new(spec).map_err(|e| e.to_string())?;
    let (slat, slon) = lat_lon("from", &a.from)?;
    let (alat, alon) = lat_lon("to", &a.to)?;
    let shape = Shape::parse(&a.shape).map_err(|e| e.to_string())?;
    if !(a.step > 0.0 && a.step.is_finite()) {
        return Err(format!("--step {}: must be a finite number > 0", a.step).into());
    }
    let epoch = parse_epoch(&a.epoch).map_err(|e| format!("--epoch {:?}: {e}", a.epoch))?;
    let earth = EarthModel::new(
        if a.earth == "spherical" { EarthShape::Spherical } else { EarthShape::Wgs84 },
        a.rotation == "on",
        a.drag == "on",
        EarthRotation::new(epoch, 0.0),
    );
    let launch = LaunchSpec {
        missile: a.missile.clone(),
        site_lat_deg: slat,
        site_lon_deg: slon,
        aim_lat_deg: alat,
        aim_lon_deg: alon,
        time_s: 0.0,
        shape,
        rvs: a.rvs,
        decoys: a.decoys,
    };
    let flight = fly(&m, &launch, &earth, &Integration::default(), RngStream::new(0, 0, 0, "threat.release"))
        .map_err(|e| e.to_string())?;
    let s = flight.summary;
    if let Some(path) = &a.out {
        let mut csv = String::from(
            "t_s,object,kind,phase,lat_deg,lon_deg,alt_m,speed_m_s,mass_kg,thrust_n,pos_eci_x_m,pos_eci_y_m,pos_eci_z_m,vel_eci_x_m_s,vel_eci_y_m_s,vel_eci_z_m_s\n",
        );
        for o in &flight.objects {
            let n = ((o.t_end_s - o.t_start_s) / a.step).floor() as u64;
            let times = (0..=n).map(|k| o.t_start_s + k as f64 * a.step).chain(std::iter::once(o.t_end_s));
            for t in times {
                let Some(x) = o.state(t) else { continue };
                let (r, v) = (x.pos_eci_m, x.vel_eci_m_s);
                let _ = writeln!(
                    csv,
                    "{t:.3},{},{},{},{:.6},{:.6},{:.1},{:.2},{:.1},{:.0},{:.1},{:.1},{:.1},{:.3},{:.3},{:.3}",
                    o.index,
                    o.kind.as_str(),
                    x.phase.name(),
                    x.lat_rad.to_degrees(),
                    x.lon_rad.to_degrees(),
                    x.alt_m,
                    x.speed_m_s,
                    x.mass_kg,
                    x.thrust_n,
                    r.x,
                    r.y,
                    r.z,
                    v.x,
                    v.y,
                    v.z
                );
            }
        }
        tl_io::write_file_atomic(path, csv.as_bytes())?;
    }
    if a.json {
        let v = serde_json::json!({ "launch": launch, "summary": s, "objects": flight.objects.len() });
        println!("{}", serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("{} from {slat},{slon} to {alat},{alon} ({})", a.missile, launch.shape);
    println!("  launch azimuth        {:>10.2} deg", s.azimuth_deg);
    println!("  pitch-over angle      {:>10.2} deg", s.pitch_over_deg);
    println!(
        "  burnout time          {:>10.1} s  ({:.0} % of the last stage burnt)",
        s.burnout_time_s,
        100.0 * s.last_stage_burn_fraction
    );
    println!("  burnout altitude      {:>10.1} km", s.burnout_alt_m / 1000.0);
    println!("  burnout speed         {:>10.1} m/s (inertial)", s.burnout_speed_m_s);
    println!("  burnout flight path   {:>10.2} deg (inertial)", s.burnout_fpa_deg);
    println!("  apogee altitude       {:>10.1} km", s.apogee_alt_m / 1000.0);
    println!("  ground range          {:>10.1} km", s.ground_range_m / 1000.0);
    println!("  time of flight        {:>10.1} s ({:.1} min)", s.time_of_flight_s, s.time_of_flight_s / 60.0);
    println!("  miss distance         {:>10.3} m", s.miss_distance_m);
    println!("  objects               {:>10}", flight.objects.len());
    if let Some(p) = &a.out {
        println!("  trajectory written to {}", p.display());
    }
    Ok(ExitCode::SUCCESS)
}
