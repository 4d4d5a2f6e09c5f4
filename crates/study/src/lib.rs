//! # tl-study
//!
//! Studies: many runs of a scenario, over a grid of parameter values (sweeps) and random
//! draws (Monte Carlo), from one laptop to a Slurm cluster or Kubernetes, with the same
//! results whatever the split.
//!
//! * [`spec`]: the study file (base scenario, trials per point, master seed, `[set]`,
//!   `[sweep]`, `[draw]`, metrics), its resolution and its hash; trial seeds;
//! * [`path`]: parameter paths (`constellation.tracking.orbit.total`, `launch.*.time_s`);
//! * [`expr`]: sweep ranges and draw distributions;
//! * [`model`]: the [`model::Model`] trait, the seam to the simulator;
//! * [`shard`]: splitting trials into shards, and finding the shard from Slurm or
//!   Kubernetes environment variables;
//! * [`run`]: the output folder, freezing the study, running shards atomically;
//! * [`merge`]: checking and merging shards, per-point statistics and plots;
//! * [`stats`]: mean, percentiles, Student-t interval;
//! * [`engine`]: sbatch scripts and Kubernetes Indexed Job manifests;
//! * [`sim`]: [`sim::SimModel`], the tracklayer simulator as a study model;
//! * [`testing`]: a closed-form model for tests and benchmarks.
//!
//! The user guide is `docs/studies.md`.

pub mod engine;
pub mod error;
pub mod expr;
pub mod merge;
pub mod model;
pub mod path;
pub mod run;
pub mod shard;
pub mod sim;
pub mod spec;
pub mod stats;
pub mod testing;

pub use error::StudyError;
pub use model::{BaseScenario, Model, ScenarioError};
pub use shard::Shard;
pub use spec::Study;
