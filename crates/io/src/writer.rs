//! Streaming table writers: rows go in one at a time, memory stays bounded by one row
//! group, and the bytes written depend only on the rows (no timestamps, no hostnames).

use crate::csv_io::CsvWriter;
use crate::error::{IoError, Result};
use crate::parquet_io::ParquetWriter;
use crate::schema::{TableSchema, Value};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// On-disk table format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Apache Parquet, Snappy-compressed, one file per table.
    #[default]
    Parquet,
    /// Comma-separated values (RFC 4180 quoting), a header line with the column names.
    Csv,
}

impl Format {
    /// File extension without the dot: `parquet` or `csv`.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Csv => "csv",
        }
    }

    /// The format a file name's extension says (`.parquet`, `.csv`), if any.
    pub fn from_path(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "parquet" => Some(Format::Parquet),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "parquet" => Ok(Format::Parquet),
            "csv" => Ok(Format::Csv),
            _ => Err(format!("unknown format {s:?}: must be one of parquet, csv")),
        }
    }
}

/// Writer settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteOptions {
    /// Rows per Parquet row group (memory bound: one row group of buffered rows per
    /// table). Default 65,536.
    pub row_group_rows: usize,
}

impl Default for WriteOptions {
    fn default() -> Self {
        Self { row_group_rows: 65_536 }
    }
}

enum Inner {
    Parquet(Box<ParquetWriter>),
    Csv(CsvWriter),
}

/// A streaming writer for one table.
///
/// ```
/// use tl_io::{Format, TableWriter, WriteOptions, schema::{Column, TableSchema}};
/// const COLS: &[Column] = &[Column::f64("t_s", "s", "Time."), Column::string("name", "Name.")];
/// static T: TableSchema = TableSchema::new("demo", "Demo.", COLS);
/// let dir = tempfile::tempdir().unwrap();
/// let mut w = TableWriter::create(dir.path(), &T, Format::Csv, WriteOptions::default()).unwrap();
/// w.push_row(&[0.5.into(), "a".into()]).unwrap();
/// assert_eq!(w.finish().unwrap(), 1);
/// let t = tl_io::read_table(&dir.path().join("demo.csv"), &T).unwrap();
/// assert_eq!(t.f64("t_s").unwrap(), &[0.5]);
/// ```
pub struct TableWriter {
    schema: TableSchema,
    path: PathBuf,
    rows: u64,
    inner: Inner,
}

impl TableWriter {
    /// Create `<dir>/<table name>.<ext>` (truncating any existing file).
    pub fn create(dir: &Path, schema: &TableSchema, format: Format, options: WriteOptions) -> Result<Self> {
        let path = dir.join(format!("{}.{}", schema.name, format.extension()));
        Self::create_at(&path, schema, format, options)
    }

    /// Create the table file at an explicit path.
    pub fn create_at(
        path: &Path,
        schema: &TableSchema,
        format: Format,
        options: WriteOptions,
    ) -> Result<Self> {
        schema.check().map_err(|m| IoError::Row { table: schema.name.to_string(), message: m })?;
        let inner = match format {
            Format::Parquet => Inner::Parquet(Box::new(ParquetWriter::create(path, schema, options)?)),
            Format::Csv => Inner::Csv(CsvWriter::create(path, schema)?),
        };
        Ok(Self { schema: schema.clone(), path: path.to_path_buf(), rows: 0, inner })
    }

    /// The table's schema.
    pub fn schema(&self) -> &TableSchema {
        &self.schema
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Append one row: one value per column, in schema order, each of the column's type.
    /// Non-finite floats are refused in columns that do not allow them.
    pub fn push_row(&mut self, row: &[Value<'_>]) -> Result<()> {
        check_row(&self.schema, row, self.rows)?;
        match &mut self.inner {
            Inner::Parquet(w) => w.push_row(row)?,
            Inner::Csv(w) => w.push_row(row)?,
        }
        self.rows += 1;
        Ok(())
    }

    /// Flush the last row group, write the footer, close the file. Returns the number of
    /// rows written.
    pub fn finish(self) -> Result<u64> {
        match self.inner {
            Inner::Parquet(w) => w.finish()?,
            Inner::Csv(w) => w.finish()?,
        }
        Ok(self.rows)
    }
}

fn check_row(schema: &TableSchema, row: &[Value<'_>], index: u64) -> Result<()> {
    let err = |message: String| IoError::Row { table: schema.name.to_string(), message };
    if row.len() != schema.columns.len() {
        return Err(err(format!(
            "row {index} has {} values, the schema has {} columns",
            row.len(),
            schema.columns.len()
        )));
    }
    for (c, v) in schema.columns.iter().zip(row) {
        if v.ty() != c.ty {
            return Err(err(format!(
                "row {index}, column `{}`: got a {} value, expected {}",
                c.name,
                v.ty(),
                c.ty
            )));
        }
        if let Value::F64(x) = v
            && !x.is_finite()
            && !c.non_finite_ok
        {
            return Err(err(format!("row {index}, column `{}`: value {x} is not finite", c.name)));
        }
    }
    Ok(())
}
