//! `tracklayer scenarios [show NAME]`: the built-in scenarios.

use crate::common::{CliError, CliResult};
use std::process::ExitCode;
use tl_sim::builtin;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Option<Action>,
}

#[derive(clap::Subcommand)]
enum Action {
    /// Print a built-in scenario's TOML (save it to a file to make your own).
    Show {
        /// Built-in scenario name.
        name: String,
    },
}

pub fn main(a: Args) -> CliResult {
    match a.action {
        None => {
            let width = builtin::BUILTINS.iter().map(|b| b.name.len()).max().unwrap_or(0);
            for b in builtin::BUILTINS {
                let default = if b.name == builtin::DEFAULT { " (default)" } else { "" };
                println!("{:width$}  {}{default}", b.name, b.description());
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Action::Show { name }) => {
            let b = builtin::get(&name).ok_or_else(|| {
                CliError::Message(format!(
                    "no built-in scenario called {name:?} (built-ins: {})",
                    builtin::names().join(", ")
                ))
            })?;
            print!("{}", b.text);
            Ok(ExitCode::SUCCESS)
        }
    }
}
