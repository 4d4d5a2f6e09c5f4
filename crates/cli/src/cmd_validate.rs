//! `tracklayer validate FILE`: check a scenario without running it.

use crate::common::{CliResult, scenario_source};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Scenario file (or the name of a built-in scenario).
    pub scenario: String,
}

pub fn main(a: Args) -> CliResult {
    let source = scenario_source(Some(&a.scenario))?;
    let p = tl_sim::scenario::load(&source)?;
    let s = &p.scenario;
    println!(
        "ok: {}: scenario `{}`: {} satellites in {} constellation(s), {} launch(es), {} steps of {} s",
        source.display,
        s.name,
        p.satellites.len(),
        s.constellations.len(),
        s.launches.len(),
        p.steps,
        s.step_s
    );
    Ok(ExitCode::SUCCESS)
}
