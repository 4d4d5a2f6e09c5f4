//! `tracklayer study ...`: studies over many runs or trials. One file per study
//! subcommand (`cmd_study_<name>.rs`) and one line each below.

use crate::common::CliResult;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: StudyCommand,
}

#[derive(clap::Subcommand)]
enum StudyCommand {
    /// Weapons needed in a Walker constellation so a salvo launched at a random time is
    /// engaged with a given confidence (Monte Carlo), with the absentee ratio.
    Sizing(crate::cmd_study_sizing::Args),
    /// Check a study file (paths, ranges, every value against the scenario) without running it.
    Check(crate::cmd_study_batch::CheckArgs),
    /// Run a study's trials (all of them, or one shard) into an output folder.
    Run(crate::cmd_study_batch::RunArgs),
    /// Check that every shard is there and merge them into DIR/results.
    Merge(crate::cmd_study_batch::MergeArgs),
    /// Write a Slurm array job (+ merge job) and a Kubernetes Indexed Job for a study.
    Slurm(crate::cmd_study_batch::SlurmArgs),
}

pub fn main(a: Args) -> CliResult {
    match a.command {
        StudyCommand::Sizing(s) => crate::cmd_study_sizing::main(s),
        StudyCommand::Check(s) => crate::cmd_study_batch::check(s),
        StudyCommand::Run(s) => crate::cmd_study_batch::run(s),
        StudyCommand::Merge(s) => crate::cmd_study_batch::merge(s),
        StudyCommand::Slurm(s) => crate::cmd_study_batch::slurm(s),
    }
}
