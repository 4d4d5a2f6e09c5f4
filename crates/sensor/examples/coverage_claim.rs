//! Check the public claim that ~40 LEO tracking satellites give global coverage.
//!
//! `cargo run --release -p tl-sensor --example coverage_claim`
//!
//! Walker-delta constellations at 1000 km, 80 deg (SDA Tracking Layer Tranche 0 orbit
//! figures), one wide-field payload each, over 24 h at 60 s steps on a 2 deg grid, for a
//! target at 15 km (a plume above the SWIR atmospheric floor). Prints the area-weighted
//! figures; the findings are in docs/validation.md.

use tl_core::frames::EarthRotation;
use tl_core::time::parse_epoch;
use tl_orbit::{BuildContext, OrbitSpec};
use tl_sensor::coverage::{CoverageInput, CoverageSensor, GridSpec, coverage, sample_positions, summarize};
use tl_sensor::geometry::EarthShape;
use tl_sensor::payload::PayloadConfig;

fn main() {
    let epoch = parse_epoch("2026-03-01T00:00:00Z").unwrap();
    let rot = EarthRotation::new(epoch, 0.0);
    let step = 60.0;
    let times: Vec<f64> = (0..1440).map(|i| i as f64 * step).collect();
    let cases: &[(u32, u32, u32, &str)] = &[
        (28, 4, 1, "name='w'"),
        (40, 5, 1, "name='w'"),
        (40, 8, 1, "name='w'"),
        (54, 6, 1, "name='w'"),
        (40, 5, 1, "name='w'\nfield_of_regard='cone'\nfor_deg=100"),
        (40, 5, 1, "name='w'\ngrazing_altitude_km=0"),
    ];
    println!(
        "| T/P/F | payload | >=1 mean | >=2 mean | area always >=1 | area always >=2 | worst point >=1 | worst >=2 | longest gap >=1 (s) | mean gap >=1 (s) | longest gap >=2 (s) | mean gap >=2 (s) |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for &(t, p, f, pay) in cases {
        let spec: OrbitSpec = toml::from_str(&format!(
            "kind='walker'\ninclination_deg=80\ntotal={t}\nplanes={p}\nphasing={f}\naltitude_km=1000"
        ))
        .unwrap();
        let read = |_: &str| -> Result<String, String> { Err("no files".into()) };
        let ctx = BuildContext {
            epoch,
            gmst0_rad: rot.gmst_rad(0.0),
            earth_rate_rad_s: rot.rate_rad_s(),
            span_s: (0.0, 86_400.0),
            name_prefix: "tl",
            read_file: &read,
        };
        let sats = spec.build(&ctx).unwrap();
        let payload = toml::from_str::<PayloadConfig>(pay).unwrap().build().unwrap();
        let sensors = vec![vec![CoverageSensor::of(&payload).unwrap()]; sats.len()];
        let pos = sample_positions(&sats, &times).unwrap();
        let input = CoverageInput {
            earth: EarthShape::WGS84,
            rotation: rot,
            times_s: &times,
            step_s: step,
            sat_pos_eci_m: &pos,
            sensors: &sensors,
        };
        let s = summarize(&coverage(&input, &GridSpec::global(2.0, 15e3)));
        println!(
            "| {t}/{p}/{f} | {} | {:.4} | {:.4} | {:.4} | {:.4} | {:.3} | {:.3} | {:.0} | {:.0} | {:.0} | {:.0} |",
            pay.replace('\n', " ").replace("name='w' ", "").replace("name='w'", "full-disk"),
            s.mean_frac1,
            s.mean_frac2,
            s.area_always1,
            s.area_always2,
            s.min_frac1,
            s.min_frac2,
            s.longest_gap1_s,
            s.mean_gap1_s,
            s.longest_gap2_s,
            s.mean_gap2_s
        );
    }
}
