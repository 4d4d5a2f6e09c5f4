//! `tracklayer schema [--json] [TABLE...]`: the output tables' columns.

use crate::common::{CliError, CliResult};
use std::process::ExitCode;
use tl_io::tables;

#[derive(clap::Args)]
pub struct Args {
    /// Print JSON (name, doc, columns with type, unit, doc) instead of Markdown.
    #[arg(long)]
    json: bool,
    /// Tables to print (all when none).
    tables: Vec<String>,
}

pub fn main(a: Args) -> CliResult {
    let mut chosen = Vec::new();
    for name in &a.tables {
        chosen.push(tables::by_name(name).ok_or_else(|| {
            let known: Vec<&str> = tables::ALL.iter().map(|t| t.name.as_ref()).collect();
            CliError::Message(format!("no table called {name:?} (tables: {})", known.join(", ")))
        })?);
    }
    if chosen.is_empty() {
        chosen = tables::ALL.to_vec();
    }
    if a.json {
        println!("{}", tables::json(&chosen));
    } else {
        print!("{}", tables::markdown(&chosen));
    }
    Ok(ExitCode::SUCCESS)
}
