//! # tl-sim
//!
//! The simulator: reads a scenario, checks it, runs it, writes a run folder.
//!
//! * [`scenario`]: the scenario file format (TOML, version 1), parsing and validation
//!   with `file:line:column` errors ([`diag`]);
//! * [`builtin`]: the scenarios shipped inside the program;
//! * [`run`]: the time-stepped loop and the [`run::Stage`] extension point;
//! * [`stages`]: the stages (satellites now; threat, sensors, tracker, engagements later);
//! * [`summary`]: `summary.json` and `timing.json`.
//!
//! ```no_run
//! use tl_sim::{builtin, run, scenario};
//! let b = builtin::get(builtin::DEFAULT).unwrap();
//! let prepared = scenario::load(&b.source()).unwrap();
//! let report = run::run(&prepared, &run::RunOptions::new("runs/demo")).unwrap();
//! println!("{} rows", report.summary.tables["satellites"].rows);
//! ```

pub mod builtin;
pub mod diag;
pub mod run;
pub mod scenario;
pub mod stages;
pub mod summary;
