//! `tracklayer coverage SCENARIO [--altitude-km A] [--region LAT1,LON1,LAT2,LON2]`:
//! how much of the time a point (or a launch region) is seen by at least one and at
//! least two satellites of the scenario's wide-field payloads, the coverage gaps, and a
//! world map of the stereo (>= 2) fraction. The computation is
//! `tl_sensor::coverage::study`; the map is a `tl_viz::plot::WorldMap`.

use crate::common::{CliError, CliResult, scenario_source};
use std::path::PathBuf;
use std::process::ExitCode;
use tl_sensor::coverage::{CoverageSensor, CoverageSummary, Region, StudyOptions, study};
use tl_viz::plot::{LatLonGrid, MapLine, Rgb, WorldMap};

#[derive(clap::Args)]
pub struct Args {
    /// Scenario file (or the name of a built-in scenario).
    pub scenario: String,
    /// Height of the target points above the ellipsoid, km (default 15: a booster plume
    /// just above the SWIR atmospheric floor).
    #[arg(long, default_value_t = 15.0, allow_negative_numbers = true)]
    pub altitude_km: f64,
    /// Launch region: two corners LAT1,LON1,LAT2,LON2 in degrees (a box whose second
    /// longitude is west of the first crosses the antimeridian).
    #[arg(long, value_parser = parse_region, allow_hyphen_values = true)]
    pub region: Option<Region>,
    /// Duration to study, s (default: the scenario's `duration_s`).
    #[arg(long, allow_negative_numbers = true)]
    pub duration_s: Option<f64>,
    /// Time step, s.
    #[arg(long, default_value_t = 60.0, allow_negative_numbers = true)]
    pub step_s: f64,
    /// Cell size of the world grid and map, deg (must divide 180).
    #[arg(long, default_value_t = 2.0, allow_negative_numbers = true)]
    pub grid_deg: f64,
    /// Cell size of the region grid, deg.
    #[arg(long, default_value_t = 0.5, allow_negative_numbers = true)]
    pub region_grid_deg: f64,
    /// Map of the stereo coverage fraction: a .png or .svg file.
    #[arg(long, default_value = "coverage.png")]
    pub map: PathBuf,
    /// Print the figures as JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

fn parse_region(s: &str) -> Result<Region, String> {
    let v: Vec<Result<f64, _>> = s.split(',').map(|p| p.trim().parse::<f64>()).collect();
    match v.as_slice() {
        [Ok(a), Ok(b), Ok(c), Ok(d)] => Region::from_corners(*a, *b, *c, *d).map_err(|e| e.to_string()),
        _ => Err(format!("{s:?}: must be LAT1,LON1,LAT2,LON2 in degrees")),
    }
}

fn summary_json(s: &CoverageSummary) -> serde_json::Value {
    serde_json::json!({
        "points": s.points,
        "mean_fraction_seen_1": s.mean_frac1,
        "mean_fraction_seen_2": s.mean_frac2,
        "worst_point_fraction_seen_1": s.min_frac1,
        "worst_point_fraction_seen_2": s.min_frac2,
        "area_fraction_always_seen_1": s.area_always1,
        "area_fraction_always_seen_2": s.area_always2,
        "longest_gap_1_s": s.longest_gap1_s,
        "mean_gap_1_s": s.mean_gap1_s,
        "longest_gap_2_s": s.longest_gap2_s,
        "mean_gap_2_s": s.mean_gap2_s,
    })
}

fn print_summary(title: &str, s: &CoverageSummary) {
    println!("{title} ({} grid points, area weighted):", s.points);
    println!(
        "  seen by >= 1 satellite:  {:6.2} % of the time (worst point {:6.2} %); always seen: {:6.2} % of the area",
        100.0 * s.mean_frac1,
        100.0 * s.min_frac1,
        100.0 * s.area_always1
    );
    println!(
        "  seen by >= 2 satellites: {:6.2} % of the time (worst point {:6.2} %); always seen: {:6.2} % of the area",
        100.0 * s.mean_frac2,
        100.0 * s.min_frac2,
        100.0 * s.area_always2
    );
    println!("  gaps without any satellite: longest {:.0} s, mean {:.0} s", s.longest_gap1_s, s.mean_gap1_s);
    println!("  gaps without stereo:        longest {:.0} s, mean {:.0} s", s.longest_gap2_s, s.mean_gap2_s);
}

pub fn main(a: Args) -> CliResult {
    let msg = |e: tl_core::check::FieldError| CliError::Message(e.to_string());
    tl_core::check::in_range("--altitude-km", a.altitude_km, -0.5, 1000.0).map_err(msg)?;
    tl_core::check::in_range("--grid-deg", a.grid_deg, 0.1, 30.0).map_err(msg)?;
    let cells = 180.0 / a.grid_deg;
    if (cells - cells.round()).abs() > 1e-9 {
        return Err(CliError::Message(format!(
            "--grid-deg = {}: must divide 180 (e.g. 0.5, 1, 2, 5)",
            a.grid_deg
        )));
    }
    tl_core::check::in_range("--region-grid-deg", a.region_grid_deg, 0.01, 30.0).map_err(msg)?;
    tl_core::check::positive("--step-s", a.step_s).map_err(msg)?;
    let ext = a.map.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let svg = match ext.as_deref() {
        Some("png") => false,
        Some("svg") => true,
        _ => return Err(CliError::Message(format!("--map = {}: must end in .png or .svg", a.map.display()))),
    };

    let source = scenario_source(Some(&a.scenario))?;
    let p = tl_sim::scenario::load(&source)?;
    let duration_s = a.duration_s.unwrap_or(p.scenario.duration_s);
    tl_core::check::positive("--duration-s", duration_s).map_err(msg)?;

    // The wide-field payloads of each satellite (cued payloads only look where told).
    let mut built = Vec::new();
    for c in &p.scenario.constellations {
        let mut v = Vec::new();
        for pc in &c.payload {
            let pl = pc.build().map_err(msg)?;
            if let Some(s) = CoverageSensor::of(&pl) {
                v.push(s);
            }
        }
        built.push(v);
    }
    let sensors: Vec<Vec<CoverageSensor>> =
        p.satellites.iter().map(|e| built[e.constellation].clone()).collect();
    let sats: Vec<tl_orbit::Satellite> = p.satellites.iter().map(|e| e.sat.clone()).collect();
    let with = sensors.iter().filter(|v| !v.is_empty()).count();
    let o = StudyOptions {
        altitude_m: a.altitude_km * 1e3,
        t0_s: 0.0,
        duration_s,
        step_s: a.step_s,
        grid_deg: a.grid_deg,
        region: a.region,
        region_grid_deg: a.region_grid_deg,
    };
    let r = study(&sats, &sensors, p.earth, &o).map_err(msg)?;

    // Map of the stereo fraction.
    let mut map = WorldMap::new(format!(
        "{}: fraction of time seen by >= 2 satellites ({} satellites, target at {} km, {} h)",
        p.scenario.name,
        with,
        a.altitude_km,
        (duration_s / 3600.0 * 100.0).round() / 100.0
    ));
    map.grid = Some(LatLonGrid {
        lat_min_deg: -90.0,
        cell_deg: a.grid_deg,
        n_lat: r.n_lat,
        values: r.global.iter().map(|c| c.frac2).collect(),
        range: Some((0.0, 1.0)),
        label: "stereo fraction".into(),
    });
    if let Some((g, _, _)) = &r.region {
        let w = |lon: f64| if lon > 180.0 { lon - 360.0 } else { lon };
        let (s, n, west, east) = (g.lat_min_deg, g.lat_max_deg, g.lon_min_deg, g.lon_max_deg);
        map.lines.push(MapLine {
            points: vec![(w(west), s), (w(east), s), (w(east), n), (w(west), n), (w(west), s)],
            color: Rgb(220, 30, 30),
        });
    }
    let bytes = if svg {
        map.to_svg().map_err(|e| CliError::Message(e.to_string()))?.into_bytes()
    } else {
        map.to_png().map_err(|e| CliError::Message(e.to_string()))?
    };
    tl_io::write_file_atomic(&a.map, &bytes)?;

    if a.json {
        let v = serde_json::json!({
            "scenario": p.scenario.name,
            "satellites_with_wide_field_payloads": with,
            "altitude_km": a.altitude_km,
            "duration_s": duration_s,
            "step_s": a.step_s,
            "steps": r.steps,
            "global": summary_json(&r.global_summary),
            "region": r.region.as_ref().map(|(g, _, s)| {
                let mut j = summary_json(s);
                j["box_deg"] = serde_json::json!([g.lat_min_deg, g.lon_min_deg, g.lat_max_deg, g.lon_max_deg]);
                j
            }),
            "map": a.map.display().to_string(),
        });
        println!("{}", serde_json::to_string_pretty(&v).map_err(|e| CliError::Message(e.to_string()))?);
    } else {
        println!(
            "{}: {} satellites with wide-field payloads, target at {} km, {} steps of {} s over {} s",
            p.scenario.name, with, a.altitude_km, r.steps, a.step_s, duration_s
        );
        print_summary("globe", &r.global_summary);
        if let Some((g, _, s)) = &r.region {
            print_summary(
                &format!(
                    "region lat {}..{}, lon {}..{}",
                    g.lat_min_deg, g.lat_max_deg, g.lon_min_deg, g.lon_max_deg
                ),
                s,
            );
        }
        println!("map of the stereo fraction: {}", a.map.display());
    }
    Ok(ExitCode::SUCCESS)
}
