//! # tl-io
//!
//! Table files and run folders for tracklayer:
//!
//! * [`schema`]: table schemas as data (column names, types, units, meanings);
//! * [`tables`]: the schema of every table a run folder can hold (the source of the
//!   table list in `docs/outputs.md`);
//! * [`TableWriter`]: streaming Parquet (Snappy, low-level column API, no Arrow) and CSV
//!   writers, memory bounded by one row group, deterministic bytes;
//! * [`read_table`]: read a Parquet or CSV file back into typed columns, with errors
//!   naming the file, row, column and offending text;
//! * [`RunDir`], [`write_file_atomic`]: outputs that appear whole or not at all.
//!
//! ```
//! use tl_io::{Format, RunDir, TableWriter, WriteOptions, read_table, tables::SATELLITES};
//! let base = tempfile::tempdir().unwrap();
//! let run = RunDir::create(base.path().join("run")).unwrap();
//! let mut w = TableWriter::create(run.path(), &SATELLITES, Format::Parquet, WriteOptions::default()).unwrap();
//! let mut row: Vec<tl_io::Value> = vec![0.0.into(), 0u32.into(), "sat-0".into(), "demo".into()];
//! row.extend(std::iter::repeat_n(tl_io::Value::F64(1.0), 15));
//! w.push_row(&row).unwrap();
//! w.finish().unwrap();
//! tl_io::write_file_atomic(&run.path().join(tl_io::RUN_MARKER), b"{}").unwrap();
//! let out = run.commit().unwrap();
//! let t = read_table(&out.join("satellites.parquet"), &SATELLITES).unwrap();
//! assert_eq!(t.str("name").unwrap(), ["sat-0"]);
//! ```

pub mod csv_io;
pub mod error;
pub mod parquet_io;
pub mod rundir;
pub mod schema;
pub mod table;
pub mod tables;
pub mod writer;

pub use error::{IoError, Result};
pub use rundir::{RUN_MARKER, RunDir, write_file_atomic};
pub use schema::{Column, ColumnType, TableSchema, Value};
pub use table::{ColumnData, Table};
pub use writer::{Format, TableWriter, WriteOptions};

use std::path::Path;

/// Read a table file, choosing the format by extension (`.parquet` or `.csv`).
pub fn read_table(path: &Path, schema: &TableSchema) -> Result<Table> {
    match Format::from_path(path) {
        Some(Format::Parquet) => parquet_io::read_parquet(path, schema),
        Some(Format::Csv) => csv_io::read_csv(path, schema),
        None => Err(IoError::Refused {
            path: path.to_path_buf(),
            reason: "unknown table file extension: must be .parquet or .csv".into(),
        }),
    }
}

/// Read table `schema.name` from a run folder, whichever format it was written in.
pub fn read_run_table(run_dir: &Path, schema: &TableSchema) -> Result<Table> {
    for f in [Format::Parquet, Format::Csv] {
        let p = run_dir.join(format!("{}.{}", schema.name, f.extension()));
        if p.is_file() {
            return read_table(&p, schema);
        }
    }
    Err(IoError::Refused {
        path: run_dir.join(format!("{}.parquet", schema.name)),
        reason: format!("table `{}` not found (no .parquet or .csv file)", schema.name),
    })
}
