//! `tracklayer laser`: spot size, intensity and dwell of a space-based laser, and the
//! longest range at which it kills a given missile before burnout.

use crate::common::{CliError, CliResult};
use std::process::ExitCode;
use tl_engage::laser::{Laser, Lethality};

#[derive(clap::Args)]
pub struct Args {
    /// Laser output power, MW.
    #[arg(long, allow_negative_numbers = true)]
    power_mw: f64,
    /// Wavelength, micrometres.
    #[arg(long, allow_negative_numbers = true)]
    wavelength_um: f64,
    /// Mirror (aperture) diameter, m.
    #[arg(long, allow_negative_numbers = true)]
    aperture_m: f64,
    /// Range to the target, km.
    #[arg(long, allow_negative_numbers = true)]
    range_km: f64,
    /// Lethal fluence, kJ/cm^2.
    #[arg(long, allow_negative_numbers = true)]
    fluence_kj_cm2: f64,
    /// Pointing jitter, one-axis RMS, microradians.
    #[arg(long, allow_negative_numbers = true, default_value_t = 0.0)]
    jitter_urad: f64,
    /// Beam quality (>= 1, times diffraction limited).
    #[arg(long, allow_negative_numbers = true, default_value_t = 1.0)]
    beam_quality: f64,
    /// Fraction of the power reaching the target (optics and path), (0, 1].
    #[arg(long, allow_negative_numbers = true, default_value_t = 1.0)]
    transmission: f64,
    /// Time available for one kill, s: prints the longest range that allows it.
    #[arg(long, allow_negative_numbers = true)]
    time_s: Option<f64>,
    /// A catalogue missile: prints the longest range at which it is killed before burnout.
    #[arg(long)]
    missile: Option<String>,
    /// Launch site LAT,LON (deg) for --missile.
    #[arg(long, default_value = "40.0,127.5", value_parser = parse_lat_lon)]
    site: (f64, f64),
    /// Aim point LAT,LON (deg) for --missile.
    #[arg(long, default_value = "39.7,-105.0", value_parser = parse_lat_lon)]
    aim: (f64, f64),
    /// Fire order after launch, s (detection, tracking, decision) for --missile. Default:
    /// burnout - 100 s ("about 100 s left to engage a solid ICBM", APS 2003), as in
    /// `study sizing`.
    #[arg(long, allow_negative_numbers = true)]
    commit_s: Option<f64>,
    /// Lowest target altitude the beam reaches, km, for --missile.
    #[arg(long, allow_negative_numbers = true, default_value_t = 15.0)]
    floor_km: f64,
}

/// Parse `LAT,LON` in degrees.
pub fn parse_lat_lon(s: &str) -> Result<(f64, f64), String> {
    let mut it = s.split(',').map(|p| p.trim().parse::<f64>());
    match (it.next(), it.next(), it.next()) {
        (Some(Ok(lat)), Some(Ok(lon)), None)
            if lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 && lon.abs() <= 360.0 =>
        {
            Ok((lat, lon))
        }
        _ => Err(format!("{s:?}: must be LAT,LON in degrees (latitude within -90..=90)")),
    }
}

pub fn main(a: Args) -> CliResult {
    use tl_core::check::{in_range, non_negative, positive};
    let m = |e: tl_core::check::FieldError| CliError::Message(e.to_string());
    positive("--power-mw", a.power_mw).map_err(m)?;
    in_range("--wavelength-um", a.wavelength_um, 0.1, 1000.0).map_err(m)?;
    positive("--aperture-m", a.aperture_m).map_err(m)?;
    in_range("--beam-quality", a.beam_quality, 1.0, 100.0).map_err(m)?;
    non_negative("--jitter-urad", a.jitter_urad).map_err(m)?;
    non_negative("--floor-km", a.floor_km).map_err(m)?;
    let laser = Laser {
        power_w: a.power_mw * 1e6,
        wavelength_m: a.wavelength_um * 1e-6,
        aperture_m: a.aperture_m,
        beam_quality: a.beam_quality,
        jitter_rad: a.jitter_urad * 1e-6,
        transmission: a.transmission,
        max_range_m: 1.0e12,
        min_target_alt_m: a.floor_km * 1e3,
        grazing_alt_m: a.floor_km * 1e3,
        ..Laser::example()
    };
    let flag = |f: &str| {
        f.replace("power_w", "--power-mw")
            .replace("wavelength_m", "--wavelength-um")
            .replace("aperture_m", "--aperture-m")
            .replace("beam_quality", "--beam-quality")
            .replace("jitter_rad", "--jitter-urad")
            .replace("transmission", "--transmission")
            .replace("min_target_alt_m", "--floor-km")
    };
    laser
        .validate()
        .map_err(|e| CliError::Message(format!("{} = {}: must be {}", flag(&e.field), e.value, e.allowed)))?;
    let range = tl_core::check::positive("--range-km", a.range_km)
        .map_err(|e| CliError::Message(e.to_string()))?
        * 1e3;
    let fluence = tl_core::check::positive("--fluence-kj-cm2", a.fluence_kj_cm2)
        .map_err(|e| CliError::Message(e.to_string()))?
        * 1e7;
    let r_d = laser.diffraction_radius_m(range);
    let r = laser.spot_radius_m(range);
    let i = laser.mean_intensity_w_m2(range);
    println!(
        "laser {} MW, {} um, {} m mirror, beam quality {}, jitter {} urad",
        a.power_mw, a.wavelength_um, a.aperture_m, a.beam_quality, a.jitter_urad
    );
    println!("at {} km:", a.range_km);
    println!("  diffraction-limited spot radius (first null, 1.22 lambda R / D): {r_d:.3} m");
    println!("  spot radius holding 83.8 % of the power (x beam quality, jitter in quadrature): {r:.3} m");
    println!("  mean intensity over the spot: {:.4} kW/cm^2 ({:.4e} W/m^2)", i / 1e7, i);
    println!("  dwell for {} kJ/cm^2: {:.3} s", a.fluence_kj_cm2, fluence / i);
    if let Some(t) = a.time_s {
        let t = tl_core::check::positive("--time-s", t).map_err(|e| CliError::Message(e.to_string()))?;
        println!("longest range for a {t} s dwell: {:.1} km", laser.max_range_for_dwell_m(fluence, t) / 1e3);
    }
    if let Some(name) = &a.missile {
        let b = tl_engage::missile::boost_target(name, a.site.0, a.site.1, a.aim.0, a.aim.1, 1.0)
            .map_err(|e| CliError::Message(e.to_string()))?;
        let floor_t = b.path.time_reaching_altitude_s(laser.min_target_alt_m, 0.0).unwrap_or(b.burnout_t_s);
        let commit = a.commit_s.unwrap_or((b.burnout_t_s - 100.0).max(0.0));
        let start = commit.max(floor_t) + laser.retarget_s;
        let window = (b.burnout_t_s - start).max(0.0);
        println!(
            "{name} from {:.2},{:.2}: burnout at {:.1} s, {:.0} km altitude; above {} km from {:.1} s; \
             fire order at {:.1} s, retarget {} s",
            a.site.0,
            a.site.1,
            b.burnout_t_s,
            b.burnout_alt_m / 1e3,
            a.floor_km,
            floor_t,
            commit,
            laser.retarget_s
        );
        println!(
            "  longest range to kill before burnout (one dwell over the {window:.1} s window, {} kJ/cm^2): {:.1} km",
            a.fluence_kj_cm2,
            laser.max_range_for_dwell_m(fluence, window) / 1e3
        );
        // Stage-aware: fluence on a stage is lost when it separates; the kill must fit in
        // one stage's burn (catalogue lethal fluence per stage).
        if let Lethality::PerStage(st) = &b.lethal {
            let mut best = (0.0, 0usize, 0.0);
            for (k, s) in st.iter().enumerate() {
                let end = st.get(k + 1).map_or(b.burnout_t_s, |n| n.0);
                let w = (end - start.max(s.0)).max(0.0);
                let r = laser.max_range_for_dwell_m(s.1, w);
                if r > best.0 {
                    best = (r, k + 1, s.1 / 1e7);
                }
            }
            println!(
                "  with the catalogue's per-stage fluence, fluence lost at staging: {:.1} km (stage {}, {} kJ/cm^2)",
                best.0 / 1e3,
                best.1,
                best.2
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
