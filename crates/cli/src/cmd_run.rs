//! `tracklayer run [SCENARIO] [--out DIR] [--seed N] [--format parquet|csv] [--threads N]`.

use crate::common::{CliError, CliResult, scenario_source};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tl_io::Format;
use tl_sim::run::{RunError, RunOptions, RunReport};
use tl_sim::scenario::{self, MAX_SEED};

#[derive(clap::Args)]
pub struct Args {
    /// Scenario file or built-in scenario name (default: the default built-in scenario;
    /// `tracklayer scenarios` lists them).
    pub scenario: Option<String>,
    /// Run folder to write (default: runs/<scenario name>). A previous run folder there
    /// is replaced; anything else is refused.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Master random seed, 0..=9223372036854775807 (overrides the scenario's `seed`).
    #[arg(long, allow_negative_numbers = true, value_parser = clap::value_parser!(i64).range(0..=MAX_SEED as i64))]
    pub seed: Option<i64>,
    /// Table format (overrides the scenario's `[output] format`).
    #[arg(long, value_parser = ["parquet", "csv"])]
    pub format: Option<String>,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long, allow_negative_numbers = true, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
}

pub fn main(a: Args) -> CliResult {
    let source = scenario_source(a.scenario.as_deref())?;
    let mut s = scenario::parse(&source)?;
    if let Some(seed) = a.seed {
        s.seed = seed.unsigned_abs();
    }
    if let Some(f) = &a.format {
        s.output.format = f.parse::<Format>().map_err(CliError::Message)?;
    }
    let prepared = scenario::prepare(s, &source)?;
    let out = a.out.unwrap_or_else(|| PathBuf::from("runs").join(&prepared.scenario.name));

    // Ctrl-C: the first one asks the loop to stop (the temporary folder is removed);
    // a second one exits at once.
    let cancel = Arc::new(AtomicBool::new(false));
    {
        let cancel = cancel.clone();
        let _ = ctrlc::set_handler(move || {
            if cancel.swap(true, Ordering::SeqCst) {
                eprintln!(
                    "\nerror: interrupted twice; exiting now (a *.tmp-* folder may be left beside the output)"
                );
                std::process::exit(130);
            }
        });
    }

    let bar = if std::io::stderr().is_terminal() {
        let b = ProgressBar::with_draw_target(Some(prepared.steps), ProgressDrawTarget::stderr());
        b.set_style(
            ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} steps, {elapsed} (eta {eta})")
                .expect("valid template")
                .progress_chars("=> "),
        );
        b.set_message(prepared.scenario.name.clone());
        Some(b)
    } else {
        None
    };
    let progress = |done: u64, _total: u64| {
        if let Some(b) = &bar {
            b.set_position(done);
        }
    };
    let mut options = RunOptions::new(&out);
    options.threads = a.threads.map(usize::from);
    options.cancel = Some(cancel);
    options.progress = Some(&progress);
    // scene.czml and report.html go into the temporary folder before it is committed.
    let products = |dir: &std::path::Path| -> Result<(), String> {
        tl_viz::products::write_run_products(dir).map(|_| ()).map_err(|e| e.to_string())
    };
    options.products = Some(&products);
    let result = tl_sim::run::run(&prepared, &options);
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    match result {
        Ok(report) => {
            print_summary(&report);
            Ok(ExitCode::SUCCESS)
        }
        Err(RunError::Cancelled) => {
            Err(CliError::Cancelled(format!("interrupted; nothing was written to {}", out.display())))
        }
        Err(e) => Err(CliError::Message(e.to_string())),
    }
}

fn print_summary(r: &RunReport) {
    let s = &r.summary;
    println!("scenario    {} (seed {})", s.scenario, s.seed);
    println!("epoch       {}", s.epoch_utc);
    println!("time        {} s in {} steps of {} s", s.duration_s, s.steps, s.step_s);
    let cons: Vec<String> = s.constellations.iter().map(|c| format!("{} {}", c.satellites, c.name)).collect();
    println!("satellites  {} ({})", s.satellites, cons.join(", "));
    // A raid has hundreds of launches: list a few, the rest is in summary.json.
    const LIST: usize = 10;
    if !s.launches.is_empty() {
        let l: Vec<String> = s
            .launches
            .iter()
            .take(LIST)
            .map(|l| format!("{} {} at {} s", l.id, l.missile, l.time_s))
            .collect();
        let more = if s.launches.len() > LIST {
            format!("; ... ({} in all)", s.launches.len())
        } else {
            String::new()
        };
        println!("launches    {}{more}", l.join("; "));
    }
    println!();
    let w = s.tables.keys().map(String::len).max().unwrap_or(5).max(5);
    println!("{:w$}  {:>10}  file", "table", "rows");
    for (name, t) in &s.tables {
        println!("{name:w$}  {:>10}  {}", t.rows, t.file);
    }
    if s.launches.len() > LIST {
        println!();
        println!("per-launch figures of the {} launches: summary.json", s.launches.len());
    }
    for l in s.launches.iter().filter(|_| s.launches.len() <= LIST) {
        if !l.figures.is_empty() {
            println!();
            println!("launch {}:", l.id);
            for (k, v) in &l.figures {
                println!("  {k:28} {v}");
            }
        }
    }
    for (stage, figs) in &s.stages {
        if !figs.is_empty() {
            println!();
            println!("{stage}:");
            for (k, v) in figs {
                println!("  {k:28} {v}");
            }
        }
    }
    println!();
    println!(
        "wall time   {:.2} s on {} thread(s) ({:.0} steps/s)",
        r.timing.total_s, r.timing.threads, r.timing.steps_per_s
    );
    println!("results     {}", r.out_dir.display());
}
