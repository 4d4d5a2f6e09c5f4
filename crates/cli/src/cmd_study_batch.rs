//! `tracklayer study check|run|merge|slurm`: studies over many runs (see
//! docs/studies.md). The `study` group itself is in `cmd_study.rs`.
//!
//! * `study check STUDY`: load and check a study, print its size and columns;
//! * `study run STUDY|DIR [--out DIR] [--shard K/N]`: run trials (all, one shard, or the
//!   shard the Slurm/Kubernetes environment names), then merge when it ran everything;
//! * `study merge DIR`: check the shards and write `DIR/results`;
//! * `study slurm STUDY|DIR [--out DIR] --shards N ...`: write the sbatch scripts and
//!   Kubernetes manifests.

use crate::common::{CliError, CliResult};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tl_study::run::{Control, ShardReport};
use tl_study::shard::{SHARD_COUNT_ENV, ShardSource};
use tl_study::sim::SimModel;
use tl_study::{Shard, Study, StudyError};

#[derive(clap::Args)]
pub struct CheckArgs {
    /// The study file (TOML).
    pub study: PathBuf,
}

#[derive(clap::Args)]
pub struct RunArgs {
    /// The study file, or a study output folder (it holds the frozen study.json).
    pub study: PathBuf,
    /// Output folder (required with a study file; a folder argument is its own output).
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Run only shard K of N (0-based), e.g. 3/8. Default: the shard Slurm
    /// (SLURM_ARRAY_TASK_ID/_COUNT) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX and
    /// TRACKLAYER_SHARD_COUNT) names, else the whole study.
    #[arg(long)]
    pub shard: Option<Shard>,
    /// Worker threads (default: one per core; RAYON_NUM_THREADS also works). Results do
    /// not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// After running the whole study, do not merge.
    #[arg(long)]
    pub no_merge: bool,
    /// Print only errors.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(clap::Args)]
pub struct MergeArgs {
    /// The study output folder.
    pub dir: PathBuf,
}

#[derive(clap::Args)]
pub struct SlurmArgs {
    /// The study file, or a study output folder (already holding study.json).
    pub study: PathBuf,
    /// Output folder (required with a study file). Must be on a file system every node
    /// sees at the same path.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Number of shards: array tasks (Slurm) and completions (Kubernetes).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub shards: u64,
    /// Slurm partition.
    #[arg(long)]
    pub partition: Option<String>,
    /// Slurm time limit per shard, e.g. 02:00:00 or 1-00:00:00.
    #[arg(long)]
    pub time: Option<String>,
    /// Slurm account.
    #[arg(long)]
    pub account: Option<String>,
    /// CPUs per shard (threads of each task).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub cpus_per_task: u32,
    /// The tracklayer binary the jobs run (default: this one).
    #[arg(long)]
    pub tracklayer: Option<PathBuf>,
    /// Kubernetes: container image with `tracklayer` on its PATH.
    #[arg(long, default_value = "tracklayer:latest")]
    pub image: String,
    /// Kubernetes: PersistentVolumeClaim holding the output folder.
    #[arg(long, default_value = "tracklayer-studies")]
    pub pvc: String,
    /// Kubernetes: pods at once (default: all shards).
    #[arg(long, default_value_t = 0)]
    pub parallelism: u64,
}

fn err(e: StudyError) -> CliError {
    match e {
        StudyError::Cancelled(m) => CliError::Cancelled(m),
        e => CliError::Message(e.to_string()),
    }
}

/// The study and its output folder from a `STUDY|DIR [--out DIR]` pair: a folder is a
/// frozen study (and its own output); a file needs `--out` and is frozen into it.
fn study_and_out(arg: &Path, out: Option<&Path>, cmd: &str) -> Result<(Study, PathBuf), CliError> {
    if arg.is_dir() {
        if let Some(o) = out
            && absolute(o)? != absolute(arg)?
        {
            return Err(CliError::Message(format!(
                "{}: a study folder is its own output; drop --out {} (or give the study file instead)",
                arg.display(),
                o.display()
            )));
        }
        let study = tl_study::run::load_frozen(arg, &SimModel).map_err(err)?;
        return Ok((study, absolute(arg)?));
    }
    let out = out.ok_or_else(|| {
        CliError::Message(format!(
            "{}: give the output folder: `tracklayer study {cmd} {} --out DIR`",
            arg.display(),
            arg.display()
        ))
    })?;
    let study = Study::load(arg, &SimModel).map_err(err)?;
    let out = absolute(out)?;
    Ok((study, out))
}

fn absolute(p: &Path) -> Result<PathBuf, CliError> {
    std::path::absolute(p).map_err(|e| CliError::Message(format!("{}: {e}", p.display())))
}

fn describe(study: &Study) -> String {
    format!(
        "study `{}` (hash {}): {} trials = {} point{} x {} trial{}, base scenario {}",
        study.name,
        study.short_hash(),
        study.total_trials(),
        study.points(),
        if study.points() == 1 { "" } else { "s" },
        study.trials_per_point,
        if study.trials_per_point == 1 { "" } else { "s" },
        study.base.label
    )
}

pub fn check(a: CheckArgs) -> CliResult {
    let study = Study::load(&a.study, &SimModel).map_err(err)?;
    study.preflight(&SimModel).map_err(err)?;
    println!("{}", describe(&study));
    for s in &study.sweeps {
        println!(
            "  sweep {} = {} ({} values) -> column {}",
            s.path.text,
            s.written,
            s.values.len(),
            s.column
        );
    }
    for d in &study.draws {
        println!("  draw  {} = {} -> columns {}", d.path.text, d.draw.canonical(), d.columns.join(", "));
    }
    for m in &study.metrics {
        println!("  metric {} -> column {}", m.path, m.column);
    }
    println!("ok: every point's scenario is valid");
    Ok(ExitCode::SUCCESS)
}

fn progress_bar(total: u64, quiet: bool) -> Option<ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let b = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    b.set_style(
        ProgressStyle::with_template("[{bar:40}] {pos}/{len} trials, {per_sec}, {elapsed} (eta {eta})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    Some(b)
}

fn report_line(r: &ShardReport) -> String {
    if r.skipped {
        format!("shard {}: already complete ({} trials), skipped", r.shard, r.trials)
    } else {
        let mut s = format!("shard {}: {} trials in {:.1} s", r.shard, r.trials, r.elapsed_s);
        if r.failed > 0 {
            s.push_str(&format!(", {} failed", r.failed));
            if let Some((trial, seed, e)) = &r.first_error {
                s.push_str(&format!(" (first: trial {trial}, seed {seed}: {e})"));
            }
        }
        s
    }
}

pub fn run(a: RunArgs) -> CliResult {
    if let Some(t) = a.threads {
        // Before any parallel work: rayon's global pool is built on first use.
        rayon::ThreadPoolBuilder::new()
            .num_threads(usize::from(t))
            .build_global()
            .map_err(|e| CliError::Message(format!("cannot start {t} worker threads: {e}")))?;
    }
    let (study, out) = study_and_out(&a.study, a.out.as_deref(), "run")?;
    // Which shard: the flag, else the engine's environment, else everything.
    let which: Option<(Shard, ShardSource)> = match a.shard {
        Some(s) => Some((s, ShardSource::Flag)),
        None => tl_study::shard::from_env(|k| std::env::var(k).ok()).map_err(CliError::Message)?,
    };
    if let Some((s, _)) = &which
        && s.count > study.total_trials().max(1)
    {
        return Err(CliError::Message(format!(
            "shard {s}: the study has only {} trials; use at most that many shards",
            study.total_trials()
        )));
    }
    study.preflight(&SimModel).map_err(err)?;
    tl_study::run::freeze(&study, &out).map_err(err)?;
    let say = |m: String| {
        if !a.quiet {
            eprintln!("{m}");
        }
    };
    say(describe(&study));

    let control = Arc::new(Control::new());
    {
        let c = control.clone();
        let _ = ctrlc::set_handler(move || {
            if c.cancel.swap(true, Ordering::SeqCst) {
                eprintln!(
                    "\nerror: interrupted twice; exiting now (a shard-*.tmp-* folder may be left in shards/)"
                );
                std::process::exit(130);
            }
        });
    }
    let total = match &which {
        Some((s, _)) => s.len(study.total_trials()),
        None => study.total_trials(),
    };
    let bar = progress_bar(total, a.quiet);
    // Update the bar from the shared counter while the trials run.
    let ticker = bar.clone().map(|b| {
        let c = control.clone();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let s2 = stop.clone();
        let h = std::thread::spawn(move || {
            while !s2.load(Ordering::Relaxed) {
                b.set_position(c.done.load(Ordering::Relaxed));
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        (stop, h)
    });
    let stop_ticker = |t: Option<(Arc<std::sync::atomic::AtomicBool>, std::thread::JoinHandle<()>)>| {
        if let Some((stop, h)) = t {
            stop.store(true, Ordering::Relaxed);
            let _ = h.join();
        }
    };
    let print = |r: &ShardReport| {
        let line = report_line(r);
        match &bar {
            Some(b) => b.println(line),
            None => say(line),
        }
    };
    let result = match &which {
        Some((shard, src)) => {
            if *src != ShardSource::Flag {
                say(format!("shard {shard} (from {src})"));
            }
            tl_study::run::run_shard(&study, &SimModel, &out, *shard, &control).map(|r| {
                print(&r);
                vec![r]
            })
        }
        None => tl_study::run::run_all(&study, &SimModel, &out, &control, print),
    };
    stop_ticker(ticker);
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let reports = result.map_err(err)?;
    let failed: u64 = reports.iter().map(|r| r.failed).sum();
    let ran: u64 = reports.iter().map(|r| r.trials).sum();
    say(format!(
        "{ran} trials ({failed} failed) in {} shard{} under {}",
        reports.len(),
        if reports.len() == 1 { "" } else { "s" },
        out.join(tl_study::run::SHARDS_DIR).display()
    ));
    if which.is_none() && !a.no_merge {
        let m = tl_study::merge::merge(&study, &out).map_err(err)?;
        say(format!("results: {} ({} points, {} plots)", m.results.display(), m.points, m.plots.len()));
    } else if which.is_some() {
        say(format!("merge when every shard is done: tracklayer study merge {}", out.display()));
    }
    Ok(ExitCode::SUCCESS)
}

pub fn merge(a: MergeArgs) -> CliResult {
    let study = tl_study::run::load_frozen(&a.dir, &SimModel).map_err(err)?;
    let m = tl_study::merge::merge(&study, &absolute(&a.dir)?).map_err(err)?;
    println!(
        "merged {} trials ({} failed, {} points) into {} ({} plots)",
        m.trials,
        m.failed,
        m.points,
        m.results.display(),
        m.plots.len()
    );
    if !m.leftovers.is_empty() {
        println!(
            "note: {} temporary folder(s) from killed shards can be deleted: {}",
            m.leftovers.len(),
            m.leftovers.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn slurm(a: SlurmArgs) -> CliResult {
    let (study, out) = study_and_out(&a.study, a.out.as_deref(), "slurm")?;
    study.preflight(&SimModel).map_err(err)?;
    tl_study::run::freeze(&study, &out).map_err(err)?;
    let tracklayer = match a.tracklayer {
        Some(p) => absolute(&p)?,
        None => std::env::current_exe()
            .map_err(|e| CliError::Message(format!("cannot find this program's path: {e}")))?,
    };
    let opts = tl_study::engine::JobOptions {
        shards: a.shards,
        partition: a.partition,
        time: a.time,
        account: a.account,
        cpus_per_task: a.cpus_per_task,
        tracklayer,
        image: a.image,
        pvc: a.pvc,
        parallelism: a.parallelism,
    };
    let f = tl_study::engine::write_jobs(&study, &out, &opts).map_err(err)?;
    println!("{}", describe(&study));
    println!("Slurm:      bash {}", f.submit.display());
    println!(
        "            (array job {}, then merge job {})",
        f.shards_sbatch.display(),
        f.merge_sbatch.display()
    );
    println!("Kubernetes: kubectl apply -f {}", f.k8s_shards.display());
    println!("            then, when complete: kubectl apply -f {}", f.k8s_merge.display());
    println!(
        "Each shard runs `tracklayer study run {}` (shard from the engine; {SHARD_COUNT_ENV} = {}).",
        out.display(),
        a.shards
    );
    Ok(ExitCode::SUCCESS)
}
