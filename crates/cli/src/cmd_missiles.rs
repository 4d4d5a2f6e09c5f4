//! `tracklayer missiles [--json]`: the missile catalogue with its key figures.

use crate::common::CliResult;
use std::process::ExitCode;
use tl_threat::{Missile, catalogue, targeting::max_range_km};

#[derive(clap::Args)]
pub struct Args {
    /// Print JSON (the full missile specs plus derived figures) instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub fn main(a: Args) -> CliResult {
    let mut rows = Vec::new();
    for spec in catalogue::all() {
        let m = Missile::new(spec.clone()).map_err(|e| format!("catalogue missile {}: {e}", spec.name))?;
        rows.push((spec, max_range_km(&m)));
    }
    if a.json {
        let v: Vec<serde_json::Value> = rows
            .iter()
            .map(|(s, r)| {
                serde_json::json!({
                    "spec": s,
                    "launch_mass_kg": s.launch_mass_kg(),
                    "boost_time_s": s.boost_time_s(),
                    "ideal_delta_v_m_s": s.ideal_delta_v_m_s(),
                    "max_range_km_nonrotating": r,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<14} {:>6} {:>9} {:>8} {:>9} {:>10} {:>9} {:>7}  description",
        "name", "stages", "mass_t", "boost_s", "dv_km_s", "payload_kg", "range_km", "rv+dec"
    );
    for (s, r) in &rows {
        println!(
            "{:<14} {:>6} {:>9.1} {:>8.0} {:>9.2} {:>10.0} {:>9} {:>7}  {}",
            s.name,
            s.stages.len(),
            s.launch_mass_kg() / 1000.0,
            s.boost_time_s(),
            s.ideal_delta_v_m_s() / 1000.0,
            s.payload_mass_kg,
            r.map_or("-".to_string(), |x| format!("{x:.0}")),
            format!("{}+{}", s.default_rvs, s.default_decoys),
            s.description
        );
    }
    println!(
        "\nrange_km: longest minimum-energy range on a non-rotating Earth (eastward launches reach farther).\n\
         dv_km_s: ideal (vacuum, loss-free) velocity increment. Sources: docs/models/threat.md."
    );
    Ok(ExitCode::SUCCESS)
}
