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
}

pub fn main(a: Args) -> CliResult {
    match a.command {
        StudyCommand::Sizing(s) => crate::cmd_study_sizing::main(s),
    }
}
