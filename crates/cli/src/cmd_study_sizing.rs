//! `tracklayer study sizing`: constellation size for boost-phase interceptors or lasers.

use crate::cmd_laser::parse_lat_lon;
use crate::common::{CliError, CliResult};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use tl_engage::interceptor::{Interceptor, SearchOptions};
use tl_engage::laser::{IncidenceModel, Laser, Lethality};
use tl_engage::sizing::{SizingProblem, SizingReport, SizingWeapon};
use tl_orbit::walker::WalkerPattern;

#[derive(Clone, Copy, clap::ValueEnum)]
enum WeaponKind {
    /// Space-based interceptors (one per satellite).
    Sbi,
    /// Space-based lasers (one per satellite).
    Laser,
}

#[derive(clap::Args)]
pub struct Args {
    /// Weapon on every satellite.
    #[arg(long, value_enum)]
    weapon: WeaponKind,
    /// Catalogue missile (icbm-solid-3, icbm-liquid-2, slbm, irbm, srbm).
    #[arg(long)]
    missile: String,
    /// Launch site LAT,LON, deg.
    #[arg(long, value_parser = parse_lat_lon, allow_hyphen_values = true)]
    site: (f64, f64),
    /// Aim point LAT,LON, deg.
    #[arg(long, value_parser = parse_lat_lon, allow_hyphen_values = true)]
    aim: (f64, f64),
    /// Constellation altitude, km.
    #[arg(long, allow_negative_numbers = true)]
    altitude_km: f64,
    /// Constellation inclination, deg.
    #[arg(long, allow_negative_numbers = true)]
    inclination_deg: f64,
    /// Missiles launched together from the site.
    #[arg(long)]
    salvo: u32,
    /// Required probability that every missile is engaged, in (0, 1).
    #[arg(long, allow_negative_numbers = true, default_value_t = 0.99)]
    confidence: f64,
    /// Weapons required per missile.
    #[arg(long, default_value_t = 1)]
    shots: u32,
    /// Fire order after launch, s (detection, tracking, decision). Default: burnout - 100 s
    /// ("about 100 s left to engage a solid ICBM after detection and decision", APS 2003).
    #[arg(long, allow_negative_numbers = true)]
    commit_s: Option<f64>,
    /// Monte Carlo trials per constellation size.
    #[arg(long, default_value_t = 10_000)]
    trials: u32,
    /// Master seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Planes (default round(sqrt(N)) for each size N).
    #[arg(long)]
    planes: Option<u32>,
    /// Sizes in the sweep before refinement.
    #[arg(long, default_value_t = 12)]
    sweep: u32,
    /// Largest constellation considered.
    #[arg(long, default_value_t = 200_000)]
    max_total: u32,
    /// Output folder for sizing.csv, sizing.svg and sizing.png.
    #[arg(long, default_value = "sizing-out")]
    out: PathBuf,
    /// SBI: fly-out velocity change, km/s.
    #[arg(long, allow_negative_numbers = true, default_value_t = 4.0)]
    delta_v_km_s: f64,
    /// SBI: mean acceleration, g.
    #[arg(long, allow_negative_numbers = true, default_value_t = 10.0)]
    accel_g: f64,
    /// SBI: delay from fire order to ignition, s.
    #[arg(long, allow_negative_numbers = true, default_value_t = 0.0)]
    launch_delay_s: f64,
    /// SBI: single-shot kill probability (reported).
    #[arg(long, allow_negative_numbers = true, default_value_t = 1.0)]
    pk: f64,
    /// Laser: power, MW.
    #[arg(long, allow_negative_numbers = true, default_value_t = 5.0)]
    power_mw: f64,
    /// Laser: wavelength, um.
    #[arg(long, allow_negative_numbers = true, default_value_t = 2.7)]
    wavelength_um: f64,
    /// Laser: mirror diameter, m.
    #[arg(long, allow_negative_numbers = true, default_value_t = 4.0)]
    aperture_m: f64,
    /// Laser: beam quality (>= 1).
    #[arg(long, allow_negative_numbers = true, default_value_t = 1.0)]
    beam_quality: f64,
    /// Laser: jitter, one-axis RMS, urad.
    #[arg(long, allow_negative_numbers = true, default_value_t = 0.0)]
    jitter_urad: f64,
    /// Laser: maximum range, km.
    #[arg(long, allow_negative_numbers = true, default_value_t = 4_000.0)]
    max_range_km: f64,
    /// Laser: lowest target altitude and grazing altitude, km.
    #[arg(long, allow_negative_numbers = true, default_value_t = 15.0)]
    floor_km: f64,
    /// Laser: retarget (slew and settle) time, s.
    #[arg(long, allow_negative_numbers = true, default_value_t = 1.0)]
    retarget_s: f64,
    /// Laser: magazine, lasing seconds.
    #[arg(long, allow_negative_numbers = true, default_value_t = 500.0)]
    magazine_s: f64,
    /// Laser: lethal fluence for every stage, kJ/cm^2 (default: the catalogue's per stage,
    /// lost at staging).
    #[arg(long, allow_negative_numbers = true)]
    fluence_kj_cm2: Option<f64>,
}

fn msg<E: std::fmt::Display>(e: E) -> CliError {
    CliError::Message(e.to_string())
}

pub fn main(a: Args) -> CliResult {
    use tl_core::check::{in_range, non_negative, positive};
    // Flags in their own units first, so messages show what was typed.
    match a.weapon {
        WeaponKind::Sbi => {
            positive("--delta-v-km-s", a.delta_v_km_s).map_err(msg)?;
            positive("--accel-g", a.accel_g).map_err(msg)?;
            non_negative("--launch-delay-s", a.launch_delay_s).map_err(msg)?;
            in_range("--pk", a.pk, 0.0, 1.0).map_err(msg)?;
        }
        WeaponKind::Laser => {
            positive("--power-mw", a.power_mw).map_err(msg)?;
            in_range("--wavelength-um", a.wavelength_um, 0.1, 1000.0).map_err(msg)?;
            positive("--aperture-m", a.aperture_m).map_err(msg)?;
            in_range("--beam-quality", a.beam_quality, 1.0, 100.0).map_err(msg)?;
            non_negative("--jitter-urad", a.jitter_urad).map_err(msg)?;
            positive("--max-range-km", a.max_range_km).map_err(msg)?;
            non_negative("--floor-km", a.floor_km).map_err(msg)?;
            if let Some(f) = a.fluence_kj_cm2 {
                positive("--fluence-kj-cm2", f).map_err(msg)?;
            }
        }
    }
    in_range("--altitude-km", a.altitude_km, 100.0, 40_000.0).map_err(msg)?;
    in_range("--inclination-deg", a.inclination_deg, 0.0, 180.0).map_err(msg)?;
    if a.salvo == 0 {
        return Err(CliError::Message("--salvo = 0: must be at least 1 missile".into()));
    }
    if !(a.confidence > 0.0 && a.confidence < 1.0) {
        return Err(CliError::Message(format!(
            "--confidence = {}: must be within (0, 1), exclusive",
            tl_core::check::fmt_f64(a.confidence)
        )));
    }
    let b = tl_engage::missile::boost_target(&a.missile, a.site.0, a.site.1, a.aim.0, a.aim.1, 1.0)
        .map_err(msg)?;
    let commit = a.commit_s.unwrap_or((b.burnout_t_s - 100.0).max(0.0));
    let weapon = match a.weapon {
        WeaponKind::Sbi => SizingWeapon::Interceptor {
            spec: Interceptor {
                delta_v_m_s: a.delta_v_km_s * 1e3,
                accel_m_s2: a.accel_g * tl_core::consts::G0_M_S2,
                divert_m_s: 0.0,
                launch_delay_s: a.launch_delay_s,
                pk: a.pk,
            },
            search: SearchOptions::default(),
        },
        WeaponKind::Laser => SizingWeapon::Laser {
            spec: Laser {
                power_w: a.power_mw * 1e6,
                wavelength_m: a.wavelength_um * 1e-6,
                aperture_m: a.aperture_m,
                beam_quality: a.beam_quality,
                jitter_rad: a.jitter_urad * 1e-6,
                transmission: 1.0,
                max_range_m: a.max_range_km * 1e3,
                min_target_alt_m: a.floor_km * 1e3,
                grazing_alt_m: a.floor_km * 1e3,
                retarget_s: a.retarget_s,
                magazine_s: a.magazine_s,
                recharge_s: f64::INFINITY,
            },
            lethal: match a.fluence_kj_cm2 {
                Some(f) => Lethality::Constant(f * 1e7),
                None => b.lethal.clone(),
            },
            incidence: IncidenceModel::Normal,
            step_s: 1.0,
        },
    };
    let problem = SizingProblem {
        weapon,
        target: b.path.clone(),
        commit_t_s: commit,
        deadline_t_s: b.burnout_t_s,
        altitude_m: a.altitude_km * 1e3,
        inclination_rad: a.inclination_deg.to_radians(),
        pattern: WalkerPattern::Delta,
        phasing: 1,
        planes: a.planes,
        salvo: a.salvo,
        shots_per_missile: a.shots,
        confidence: a.confidence,
        trials: a.trials,
        seed: a.seed,
    };
    let flag = |f: &str| -> String {
        match f {
            "altitude_m" => "--altitude-km".into(),
            "inclination_rad" => "--inclination-deg".into(),
            "commit_t_s" => "--commit-s".into(),
            "delta_v_m_s" => "--delta-v-km-s".into(),
            "accel_m_s2" => "--accel-g".into(),
            "power_w" => "--power-mw".into(),
            "aperture_m" => "--aperture-m".into(),
            "wavelength_m" => "--wavelength-um".into(),
            "jitter_rad" => "--jitter-urad".into(),
            "max_range_m" => "--max-range-km".into(),
            "min_target_alt_m" | "grazing_alt_m" => "--floor-km".into(),
            "lethal_fluence_j_m2" => "--fluence-kj-cm2".into(),
            "shots_per_missile" => "--shots".into(),
            other => format!("--{}", other.replace('_', "-")),
        }
    };
    problem.validate().map_err(|e| {
        let unit_note = if e.field.ends_with("_m") || e.field.ends_with("_rad") || e.field.ends_with("_w") {
            " (SI value shown)"
        } else {
            ""
        };
        CliError::Message(format!("{} = {}{unit_note}: must be {}", flag(&e.field), e.value, e.allowed))
    })?;
    let started = std::time::Instant::now();
    let report = problem.solve(a.sweep, a.max_total).map_err(msg)?;
    let elapsed = started.elapsed().as_secs_f64();
    print_report(&a, &b, commit, &problem, &report, elapsed);
    write_outputs(&a, &report)?;
    Ok(ExitCode::SUCCESS)
}

fn print_report(
    a: &Args,
    b: &tl_engage::missile::BoostTarget,
    commit: f64,
    p: &SizingProblem,
    r: &SizingReport,
    elapsed_s: f64,
) {
    let weapon = match a.weapon {
        WeaponKind::Sbi => format!(
            "SBI: {} km/s, {} g, launch delay {} s, Pk {}",
            a.delta_v_km_s, a.accel_g, a.launch_delay_s, a.pk
        ),
        WeaponKind::Laser => format!(
            "laser: {} MW, {} um, {} m, Q {}, jitter {} urad, max range {} km, floor {} km, retarget {} s",
            a.power_mw,
            a.wavelength_um,
            a.aperture_m,
            a.beam_quality,
            a.jitter_urad,
            a.max_range_km,
            a.floor_km,
            a.retarget_s
        ),
    };
    println!("{weapon}");
    println!(
        "missile {} from {},{} to {},{}: burnout {:.1} s at {:.0} km, {:.2} km/s; fire order at {:.1} s",
        b.missile,
        a.site.0,
        a.site.1,
        a.aim.0,
        a.aim.1,
        b.burnout_t_s,
        b.burnout_alt_m / 1e3,
        b.burnout_speed_m_s / 1e3,
        commit
    );
    println!(
        "constellation: Walker delta, {} km, {} deg; salvo {} x {} shot(s); confidence {}; {} trials per size, seed {}",
        a.altitude_km, a.inclination_deg, p.salvo, p.shots_per_missile, p.confidence, p.trials, p.seed
    );
    println!();
    println!(
        "{:>8} {:>6} {:>6} {:>10} {:>8} {:>10} {:>10} {:>8} {:>10}",
        "N", "planes", "/plane", "P(engaged)", "+/-", "capable", "capacity", "min", "absentee"
    );
    for q in &r.points {
        println!(
            "{:>8} {:>6} {:>6} {:>10.4} {:>8.4} {:>10.2} {:>10.2} {:>8} {:>10.1}",
            q.total,
            q.planes,
            q.per_plane,
            q.p_engaged,
            q.p_stderr,
            q.mean_capable,
            q.mean_capacity,
            q.min_capacity,
            q.absentee_ratio
        );
    }
    println!();
    let g = &r.geometric;
    match &r.required {
        Some(q) => {
            println!(
                "weapons needed: {} ({} planes x {}), P(engaged) = {:.4} +/- {:.4}",
                q.total, q.planes, q.per_plane, q.p_engaged, q.p_stderr
            );
            println!(
                "absentee ratio: Monte Carlo {:.1} | geometric (1 - cos(d/Re))/2 with d = {:.0} km: {:.1} | same cap with the {} deg shell's latitude density: {:.1}",
                q.absentee_ratio,
                g.ground_distance_m / 1e3,
                g.absentee_uniform(),
                a.inclination_deg,
                g.absentee_inclined()
            );
        }
        None => {
            println!("no constellation up to {} satellites reaches the confidence", a.max_total);
            if let Some(q) = r.points.last() {
                println!(
                    "absentee ratio at N = {}: Monte Carlo {:.1} | geometric (d = {:.0} km) {:.1} | inclined {:.1}",
                    q.total,
                    q.absentee_ratio,
                    g.ground_distance_m / 1e3,
                    g.absentee_uniform(),
                    g.absentee_inclined()
                );
            }
        }
    }
    println!(
        "reach d = {:.0} km in space from the burnout point ({:.1} deg N); {:.1} s",
        g.reach_m / 1e3,
        g.burnout_lat_rad.to_degrees(),
        elapsed_s
    );
    if a.pk < 1.0 && matches!(a.weapon, WeaponKind::Sbi) {
        println!(
            "with Pk = {} and {} shot(s) per missile, P(every missile killed | all engaged) = {:.4}",
            a.pk,
            a.shots,
            (1.0 - (1.0 - a.pk).powi(a.shots as i32)).powi(a.salvo as i32)
        );
    }
}

fn write_outputs(a: &Args, r: &SizingReport) -> Result<(), CliError> {
    std::fs::create_dir_all(&a.out).map_err(|e| msg(format!("{}: {e}", a.out.display())))?;
    let mut csv = String::from(
        "total,planes,per_plane,p_engaged,p_stderr,mean_capable,mean_capacity,min_capacity,absentee_ratio\n",
    );
    for q in &r.points {
        csv.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}\n",
            q.total,
            q.planes,
            q.per_plane,
            q.p_engaged,
            q.p_stderr,
            q.mean_capable,
            q.mean_capacity,
            q.min_capacity,
            q.absentee_ratio
        ));
    }
    let mut plot = tl_viz::plot::LinePlot::new(
        format!(
            "{} vs {}: salvo {}, {} shot(s) each, {} km, {} deg",
            match a.weapon {
                WeaponKind::Sbi => "SBIs",
                WeaponKind::Laser => "lasers",
            },
            a.missile,
            a.salvo,
            a.shots,
            a.altitude_km,
            a.inclination_deg
        ),
        "weapons in orbit N",
        "P(whole salvo engaged)",
    );
    let mc: Vec<(f64, f64)> = r.points.iter().map(|q| (q.total as f64, q.p_engaged)).collect();
    plot.series.push(tl_viz::plot::Series::line("Monte Carlo", mc.clone(), tl_viz::plot::Rgb::palette(0)));
    plot.series.push(tl_viz::plot::Series::points("", mc, tl_viz::plot::Rgb::palette(0)));
    let (x0, x1) =
        (r.points.first().map_or(0.0, |q| q.total as f64), r.points.last().map_or(1.0, |q| q.total as f64));
    plot.series.push(tl_viz::plot::Series::dashed(
        format!("confidence {}", a.confidence),
        vec![(x0, a.confidence), (x1, a.confidence)],
        tl_viz::plot::Rgb::palette(1),
    ));
    plot.y_range = Some((0.0, 1.05));
    let svg = plot.to_svg().map_err(msg)?;
    let png = plot.to_png().map_err(msg)?;
    for (name, body) in
        [("sizing.csv", csv.into_bytes()), ("sizing.svg", svg.into_bytes()), ("sizing.png", png)]
    {
        let path = a.out.join(name);
        let tmp = a.out.join(format!(".{name}.tmp"));
        let mut f = std::fs::File::create(&tmp).map_err(|e| msg(format!("{}: {e}", tmp.display())))?;
        f.write_all(&body).map_err(|e| msg(format!("{}: {e}", tmp.display())))?;
        drop(f);
        std::fs::rename(&tmp, &path).map_err(|e| msg(format!("{}: {e}", path.display())))?;
    }
    println!("wrote sizing.csv, sizing.svg and sizing.png in {}", a.out.display());
    Ok(())
}
