//! The run's table writers, shared by all stages.

use super::RunError;
use crate::scenario::OutputConfig;
use crate::summary::TableSummary;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tl_io::{Format, TableSchema, TableWriter, Value, WriteOptions};

/// Handle of an opened table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableId(usize);

/// How a table relates to the time steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableKind {
    /// One row per entity per step (e.g. `satellites`, `truth`): thinned to every
    /// `output.sample_every`-th step.
    Sampled,
    /// Rows at events (detections, track updates, engagements): always complete.
    Events,
}

struct Open {
    name: String,
    file: String,
    kind: TableKind,
    writer: Option<TableWriter>,
}

/// All table writers of a run. A table left out by `output.tables` is "opened" without a
/// file: writes to it are ignored and [`Outputs::wants`] says so, so stages can skip
/// building its rows.
pub struct Outputs {
    dir: PathBuf,
    format: Format,
    options: WriteOptions,
    config: OutputConfig,
    step: u64,
    tables: Vec<Open>,
}

impl Outputs {
    pub(crate) fn new(dir: &Path, config: &OutputConfig, options: WriteOptions) -> Self {
        Self {
            dir: dir.to_path_buf(),
            format: config.format,
            options,
            config: config.clone(),
            step: 0,
            tables: Vec::new(),
        }
    }

    /// Outputs that write nothing: every table is opened without a file, so
    /// [`Outputs::wants`] is false and stages skip building rows (an in-memory run,
    /// [`crate::run::run_summary`]).
    pub(crate) fn discard(config: &OutputConfig) -> Self {
        let mut config = config.clone();
        config.tables = Some(Vec::new());
        Self {
            dir: PathBuf::new(),
            format: config.format,
            options: WriteOptions::default(),
            config,
            step: 0,
            tables: Vec::new(),
        }
    }

    /// Open table `schema` (once per run). Define the schema in `tl_io::tables` so it is
    /// documented in `docs/outputs.md`.
    pub fn open(&mut self, schema: &TableSchema, kind: TableKind) -> Result<TableId, RunError> {
        if self.tables.iter().any(|t| t.name == schema.name) {
            return Err(RunError::Internal(format!("table `{}` opened twice", schema.name)));
        }
        let writer = if self.config.wants(&schema.name) {
            Some(TableWriter::create(&self.dir, schema, self.format, self.options)?)
        } else {
            None
        };
        self.tables.push(Open {
            name: schema.name.to_string(),
            file: format!("{}.{}", schema.name, self.format.extension()),
            kind,
            writer,
        });
        Ok(TableId(self.tables.len() - 1))
    }

    pub(crate) fn set_step(&mut self, step: u64) {
        self.step = step;
    }

    /// True when a row written to `id` now would be kept: the table is enabled and, for a
    /// sampled table, this step is a sampled one.
    pub fn wants(&self, id: TableId) -> bool {
        let t = &self.tables[id.0];
        t.writer.is_some()
            && (t.kind == TableKind::Events || self.step.is_multiple_of(u64::from(self.config.sample_every)))
    }

    /// Write one row (ignored when [`Outputs::wants`] is false).
    pub fn write(&mut self, id: TableId, row: &[Value<'_>]) -> Result<(), RunError> {
        if !self.wants(id) {
            return Ok(());
        }
        if let Some(w) = self.tables[id.0].writer.as_mut() {
            w.push_row(row)?;
        }
        Ok(())
    }

    /// Close every table; row counts of the written ones, by name.
    pub(crate) fn finish(self) -> Result<BTreeMap<String, TableSummary>, RunError> {
        let mut out = BTreeMap::new();
        for t in self.tables {
            if let Some(w) = t.writer {
                let rows = w.finish()?;
                out.insert(t.name, TableSummary { file: t.file, rows });
            }
        }
        Ok(out)
    }
}
