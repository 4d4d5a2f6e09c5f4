//! The run: a time-stepped loop over `t = 0, step_s, 2 step_s, ...` that calls each
//! stage in order and streams their rows into the run folder.
//!
//! ```text
//! for each step k:  satellites -> (threat truth) -> (detections) -> (tracks) -> (engagements)
//! ```
//!
//! **Adding a stage**: write `crate::stages::<name>` implementing [`Stage`], add one line
//! to [`crate::stages::build`] (the order there is the order in the loop), put anything
//! later stages need into [`World`], define its tables in `tl_io::tables`, and add its
//! figures to the [`Summary`] in [`Stage::finish`].
//!
//! Determinism: stages run one after the other; work inside a stage may be parallel
//! (rayon) but must be reduced in a fixed order, and randomness must come from
//! `tl_core::rng::RngStream` keyed by entity. `tests/determinism.rs` checks the bytes
//! with 1 and 2 threads.

mod outputs;
mod world;

pub use outputs::{Outputs, TableId, TableKind};
pub use world::{SatState, ThreatObject, World, WorldEngagement, WorldTrack};

use crate::scenario::Prepared;
use crate::summary::{Summary, Timing};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;
use tl_io::{RUN_MARKER, RunDir, WriteOptions, write_file_atomic};

/// One stage of the loop.
pub trait Stage {
    /// Short name (`satellites`, `threat`, ...) used in `timing.json` and the summary.
    fn name(&self) -> &'static str;

    /// Open this stage's tables. Called once, before the first step.
    fn open(&mut self, out: &mut Outputs) -> Result<(), RunError>;

    /// Do step `world.step` at `world.t_s`: read what earlier stages left in `world`,
    /// update it, write rows.
    fn step(&mut self, world: &mut World, out: &mut Outputs) -> Result<(), RunError>;

    /// After the last step: write anything pending and add figures to the summary.
    fn finish(&mut self, world: &World, out: &mut Outputs, summary: &mut Summary) -> Result<(), RunError>;

    /// Counters for `timing.json` that depend on the number of threads, and so stay out
    /// of the summary (called after [`Self::finish`]); `None` if the stage has none.
    fn timing_counters(&self) -> Option<serde_json::Value> {
        None
    }
}

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The cancel flag was raised (Ctrl-C). Nothing was written.
    #[error("run cancelled; no output was written")]
    Cancelled,
    /// A file problem.
    #[error(transparent)]
    Io(#[from] tl_io::IoError),
    /// A stage failed at a time.
    #[error("{stage} at t = {t_s} s: {message}")]
    Stage {
        /// Stage name.
        stage: &'static str,
        /// Time, s since the epoch.
        t_s: f64,
        /// What went wrong.
        message: String,
    },
    /// A bug: something that should not happen whatever the input.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Progress callback: (steps done, steps in all).
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Sync);

/// Step observer: called after every step with the shared state (e.g. live playback
/// streams it to a viewer). The loop waits for it, so it can also pace the run.
pub type StepHook<'a> = &'a (dyn Fn(&World) + Sync);

/// Products hook: called with the temporary run folder once `summary.json` is written
/// and before the folder is committed (e.g. tl-viz writes `scene.czml` and
/// `report.html`), so a run folder appears with its products or not at all. An error
/// fails the run.
pub type ProductsHook<'a> = &'a (dyn Fn(&std::path::Path) -> Result<(), String> + Sync);

/// How to run.
pub struct RunOptions<'a> {
    /// The run folder to create (replacing a previous run folder there).
    pub out_dir: PathBuf,
    /// Worker threads (None: one per core).
    pub threads: Option<usize>,
    /// Raised (e.g. by a Ctrl-C handler) to stop the run; checked every step.
    pub cancel: Option<Arc<AtomicBool>>,
    /// Called after every step.
    pub progress: Option<Progress<'a>>,
    /// Table writer settings.
    pub write_options: WriteOptions,
    /// Called after every step (see [`StepHook`]).
    pub on_step: Option<StepHook<'a>>,
    /// Called on the finished temporary folder before it is committed (see
    /// [`ProductsHook`]).
    pub products: Option<ProductsHook<'a>>,
    /// Run only the first stages of the loop, up to and including the one with this name
    /// (`satellites`, `threat`, `detections`, ...); None: all. For benchmarks that time a
    /// part of the pipeline (e.g. detection generation without tracking).
    pub last_stage: Option<&'a str>,
}

impl RunOptions<'_> {
    /// Defaults: all cores, no cancel flag, no progress.
    pub fn new(out_dir: impl Into<PathBuf>) -> Self {
        Self {
            out_dir: out_dir.into(),
            threads: None,
            cancel: None,
            progress: None,
            write_options: WriteOptions::default(),
            on_step: None,
            products: None,
            last_stage: None,
        }
    }
}

/// What a finished run produced.
#[derive(Clone, Debug)]
pub struct RunReport {
    /// The run folder (absolute).
    pub out_dir: PathBuf,
    /// Its `summary.json`.
    pub summary: Summary,
    /// Its `timing.json`.
    pub timing: Timing,
}

/// Run a prepared scenario into `options.out_dir`. The folder appears only when the run
/// succeeds; on error or cancel nothing is left behind.
pub fn run(p: &Prepared, options: &RunOptions<'_>) -> Result<RunReport, RunError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads.unwrap_or(0))
        .build()
        .map_err(|e| RunError::Internal(format!("cannot start worker threads: {e}")))?;
    let threads = pool.current_num_threads();
    pool.install(|| run_here(p, options, threads))
}

/// Run a prepared scenario in memory with `seed` in place of the scenario's, writing no
/// file, and return its summary: what `summary.json` would hold, with no `tables`.
/// Runs on the caller's thread pool (a study runs many of these in parallel). The same
/// scenario and seed give the same summary as [`run`].
///
/// ```no_run
/// use tl_sim::{builtin, run, scenario};
/// let p = scenario::load(&builtin::get(builtin::DEFAULT).unwrap().source()).unwrap();
/// let summary = run::run_summary(&p, 42).unwrap();
/// assert_eq!(summary.seed, 42);
/// ```
pub fn run_summary(p: &Prepared, seed: u64) -> Result<Summary, RunError> {
    let reseeded;
    let p = if p.scenario.seed == seed {
        p
    } else {
        let mut q = p.clone();
        q.scenario.seed = seed;
        reseeded = q;
        &reseeded
    };
    let mut out = Outputs::discard(&p.scenario.output);
    let mut stages = crate::stages::build(p)?;
    for s in &mut stages {
        s.open(&mut out)?;
    }
    let mut stage_s = vec![0.0; stages.len()];
    let (summary, _) = drive(p, &mut stages, &mut out, &mut stage_s, &RunOptions::new(""))?;
    out.finish()?;
    Ok(summary)
}

/// The step loop shared by [`run`] and [`run_summary`]: every stage's `step` for every
/// time step (with `options`' cancel flag, per-step hook and progress callback), then
/// every stage's `finish` into a new summary. Adds each stage's time to `stage_s`.
/// Returns the summary and the instant the stages had finished (when the outputs'
/// finishing begins).
fn drive(
    p: &Prepared,
    stages: &mut [Box<dyn Stage + '_>],
    out: &mut Outputs,
    stage_s: &mut [f64],
    options: &RunOptions<'_>,
) -> Result<(Summary, Instant), RunError> {
    let cancelled = || options.cancel.as_ref().is_some_and(|c| c.load(Ordering::Relaxed));
    let mut world = World::default();
    for k in 0..p.steps {
        if cancelled() {
            return Err(RunError::Cancelled);
        }
        world.step = k;
        world.t_s = p.t_s(k);
        out.set_step(k);
        for (s, acc) in stages.iter_mut().zip(stage_s.iter_mut()) {
            let t0 = Instant::now();
            s.step(&mut world, out)?;
            *acc += secs(t0);
        }
        if let Some(hook) = options.on_step {
            hook(&world);
        }
        if let Some(cb) = options.progress {
            cb(k + 1, p.steps);
        }
    }
    let mut summary = Summary::new(p);
    for (s, acc) in stages.iter_mut().zip(stage_s.iter_mut()) {
        let t0 = Instant::now();
        s.finish(&world, out, &mut summary)?;
        *acc += secs(t0);
    }
    if cancelled() {
        return Err(RunError::Cancelled);
    }
    Ok((summary, Instant::now()))
}

fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

fn run_here(p: &Prepared, options: &RunOptions<'_>, threads: usize) -> Result<RunReport, RunError> {
    let t_start = Instant::now();
    let mut timing = Timing { threads, ..Timing::default() };
    let dir = RunDir::create(&options.out_dir)?;
    let mut out = Outputs::new(dir.path(), &p.scenario.output, options.write_options);
    let mut stages = crate::stages::build(p)?;
    if let Some(last) = options.last_stage {
        let Some(k) = stages.iter().position(|s| s.name() == last) else {
            let names: Vec<&str> = stages.iter().map(|s| s.name()).collect();
            return Err(RunError::Internal(format!("no stage `{last}` (stages: {})", names.join(", "))));
        };
        stages.truncate(k + 1);
    }
    for s in &mut stages {
        s.open(&mut out)?;
    }
    timing.setup_s = secs(t_start);
    let mut stage_s = vec![0.0; stages.len()];
    let (mut summary, t_finish) = drive(p, &mut stages, &mut out, &mut stage_s, options)?;
    summary.tables = out.finish()?;
    write_resolved_scenario(p, dir.path())?;
    timing.stages = stages.iter().map(|s| s.name().to_string()).zip(stage_s).collect();
    timing.counters =
        stages.iter().filter_map(|s| Some((s.name().to_string(), s.timing_counters()?))).collect();
    timing.finish_s = secs(t_finish);
    timing.total_s = secs(t_start);
    timing.steps_per_s = if timing.total_s > 0.0 { p.steps as f64 / timing.total_s } else { 0.0 };
    let timing_json = serde_json::to_string_pretty(&timing).expect("timing serialises") + "\n";
    write_file_atomic(&dir.path().join("timing.json"), timing_json.as_bytes())?;
    // The marker file goes last: a folder with summary.json is a finished run.
    write_file_atomic(&dir.path().join(RUN_MARKER), summary.to_json().as_bytes())?;
    if let Some(products) = options.products {
        products(dir.path()).map_err(|message| RunError::Stage {
            stage: "products",
            t_s: p.t_s(p.steps.saturating_sub(1)),
            message,
        })?;
    }
    if options.cancel.as_ref().is_some_and(|c| c.load(Ordering::Relaxed)) {
        return Err(RunError::Cancelled);
    }
    let out_dir = dir.commit()?;
    Ok(RunReport { out_dir, summary, timing })
}

/// Write `scenario.toml` (the scenario as run) and copy the files it references into
/// `inputs/`, rewriting their paths, so the run folder re-runs on its own.
fn write_resolved_scenario(p: &Prepared, dir: &std::path::Path) -> Result<(), RunError> {
    let mut s = p.scenario.clone();
    for c in s.constellations.iter_mut() {
        let Some(path) = c.orbit.path.clone() else { continue };
        let Some((_, text)) = p.input_files.iter().find(|(q, _)| *q == path) else { continue };
        // Named after the (unique) constellation, so re-running from the run folder
        // copies each file onto the same name.
        let ext = std::path::Path::new(&path)
            .extension()
            .map_or("txt".into(), |e| e.to_string_lossy().into_owned());
        let rel = format!("inputs/{}.{ext}", c.name);
        let inputs = dir.join("inputs");
        std::fs::create_dir_all(&inputs).map_err(|e| tl_io::IoError::os(&inputs, e))?;
        write_file_atomic(&dir.join(&rel), text.as_bytes())?;
        c.orbit.path = Some(rel);
    }
    let text = format!(
        "# The scenario as run by tracklayer {} (defaults filled in, the seed used).\n\
         # `tracklayer run scenario.toml` in this folder reproduces the tables byte for byte.\n\n{}",
        env!("CARGO_PKG_VERSION"),
        s.to_toml()
    );
    write_file_atomic(&dir.join("scenario.toml"), text.as_bytes())?;
    Ok(())
}
