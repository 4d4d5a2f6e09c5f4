//! `tracklayer`: the command-line program. Argument parsing and printing only; the
//! work is done by the library crates. One module per subcommand: add a subcommand with
//! a `cmd_<name>.rs` file and one line in [`Command`] and [`main`].

mod cmd_bench;
mod cmd_coverage;
mod cmd_laser;
mod cmd_missiles;
mod cmd_run;
mod cmd_scenarios;
mod cmd_schema;
mod cmd_serve;
mod cmd_serve_live;
mod cmd_study;
mod cmd_study_batch;
mod cmd_study_sizing;
mod cmd_track;
mod cmd_trajectory;
mod cmd_validate;
mod common;

/// mimalloc instead of the system allocator: the space tracker's work ahead allocates
/// predictions and updates on one thread that the in-order pass frees on another, which
/// glibc's malloc serialises (BENCHMARKS.md "Raid scale", sixth session).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// tracklayer: space-based missile warning, tracking and boost-phase defence simulator.
#[derive(Parser)]
#[command(name = "tracklayer", version, propagate_version = true)]
#[command(about = "tracklayer: simulate space-based missile warning, tracking and boost-phase defence")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario (the default built-in one when none is given) into a run folder.
    Run(cmd_run::Args),
    /// Check a scenario file without running it.
    Validate(cmd_validate::Args),
    /// List the built-in scenarios, or print one (`scenarios show NAME`).
    Scenarios(cmd_scenarios::Args),
    /// Print the schemas of the output tables (Markdown or JSON).
    Schema(cmd_schema::Args),
    /// Laser spot size, intensity, dwell, and kill range against a missile.
    Laser(cmd_laser::Args),
    /// Studies: sweeps and Monte Carlo over many runs (`study run`, `merge`, `slurm`,
    /// `check`) and constellation sizing (`study sizing`).
    Study(cmd_study::Args),
    /// Coverage of the globe or a launch region by the scenario's wide-field payloads.
    Coverage(cmd_coverage::Args),
    /// Run the tracker alone on a detection file or on Cartesian measurements.
    Track(cmd_track::Args),
    /// Serve the offline globe viewer for run folders, or a live simulation.
    Serve(cmd_serve::Args),
    /// Fly one targeted missile: key figures, optionally the sampled trajectory (CSV).
    Trajectory(cmd_trajectory::Args),
    /// The missile catalogue with its key figures.
    Missiles(cmd_missiles::Args),
    /// Time benchmark scenarios (default raid-100): wall time, real-time factor,
    /// detections/s, peak memory, accuracy.
    Bench(cmd_bench::Args),
}

fn main() -> ExitCode {
    common::install_panic_hook();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(a) => cmd_run::main(a),
        Command::Validate(a) => cmd_validate::main(a),
        Command::Scenarios(a) => cmd_scenarios::main(a),
        Command::Schema(a) => cmd_schema::main(a),
        Command::Laser(a) => cmd_laser::main(a),
        Command::Study(a) => cmd_study::main(a),
        Command::Coverage(a) => cmd_coverage::main(a),
        Command::Track(a) => cmd_track::main(a),
        Command::Serve(a) => cmd_serve::main(a),
        Command::Trajectory(a) => cmd_trajectory::main(a),
        Command::Missiles(a) => cmd_missiles::main(a),
        Command::Bench(a) => cmd_bench::main(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            e.print();
            e.exit_code()
        }
    }
}
