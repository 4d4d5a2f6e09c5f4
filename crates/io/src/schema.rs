//! Table schemas as data: a table's name, its columns, their types, units and meaning.
//!
//! Schemas are plain values, so the same definition drives the writers, the readers,
//! `docs/outputs.md` (generated from [`crate::tables::ALL`]) and the JSON dump that
//! `tracklayer schema --json` prints for other tools.

use serde::Serialize;
use std::borrow::Cow;
use std::fmt;

/// The type of a column's values.
///
/// On disk (Parquet): `F64` is `DOUBLE`, `I64` is `INT64`, `U32` is `INT32` annotated as
/// unsigned 32-bit integer, `Bool` is `BOOLEAN`, `Str` is `BYTE_ARRAY` annotated as UTF-8
/// string. All columns are `REQUIRED` (no nulls): a missing float is NaN, and only in
/// columns that allow it ([`Column::non_finite_ok`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum ColumnType {
    /// 64-bit float.
    #[serde(rename = "f64")]
    F64,
    /// 64-bit signed integer.
    #[serde(rename = "i64")]
    I64,
    /// 32-bit unsigned integer (ids, counts).
    #[serde(rename = "u32")]
    U32,
    /// Boolean.
    #[serde(rename = "bool")]
    Bool,
    /// UTF-8 text.
    #[serde(rename = "string")]
    Str,
}

impl ColumnType {
    /// Stable lower-case name: `f64`, `i64`, `u32`, `bool`, `string`.
    pub fn as_str(self) -> &'static str {
        match self {
            ColumnType::F64 => "f64",
            ColumnType::I64 => "i64",
            ColumnType::U32 => "u32",
            ColumnType::Bool => "bool",
            ColumnType::Str => "string",
        }
    }
}

impl fmt::Display for ColumnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One column of a table.
///
/// ```
/// use tl_io::schema::Column;
/// const T: Column = Column::f64("t_s", "s", "Time since the scenario epoch.");
/// assert_eq!(T.name, "t_s");
/// assert!(!T.non_finite_ok);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Column {
    /// Column name; carries the unit and frame where a reader could doubt them
    /// (`pos_eci_x_m`).
    pub name: Cow<'static, str>,
    /// Value type.
    #[serde(rename = "type")]
    pub ty: ColumnType,
    /// Unit (SI symbol such as `m`, `m/s`, `s`, `deg`), or empty for ids, names and
    /// dimensionless values.
    pub unit: Cow<'static, str>,
    /// One-line meaning, including the frame for vectors.
    pub doc: Cow<'static, str>,
    /// True when NaN or infinite values are legitimate in this (f64) column, e.g. "not
    /// measured". Readers reject non-finite values in all other f64 columns.
    pub non_finite_ok: bool,
}

impl Column {
    const fn new(name: &'static str, ty: ColumnType, unit: &'static str, doc: &'static str) -> Self {
        Self {
            name: Cow::Borrowed(name),
            ty,
            unit: Cow::Borrowed(unit),
            doc: Cow::Borrowed(doc),
            non_finite_ok: false,
        }
    }

    /// A 64-bit float column (finite values only unless [`Column::nan_ok`]).
    pub const fn f64(name: &'static str, unit: &'static str, doc: &'static str) -> Self {
        Self::new(name, ColumnType::F64, unit, doc)
    }

    /// A 64-bit signed integer column.
    pub const fn i64(name: &'static str, unit: &'static str, doc: &'static str) -> Self {
        Self::new(name, ColumnType::I64, unit, doc)
    }

    /// A 32-bit unsigned integer column (ids, counts).
    pub const fn u32(name: &'static str, unit: &'static str, doc: &'static str) -> Self {
        Self::new(name, ColumnType::U32, unit, doc)
    }

    /// A boolean column.
    pub const fn bool(name: &'static str, doc: &'static str) -> Self {
        Self::new(name, ColumnType::Bool, "", doc)
    }

    /// A UTF-8 text column.
    pub const fn string(name: &'static str, doc: &'static str) -> Self {
        Self::new(name, ColumnType::Str, "", doc)
    }

    /// The same column, allowing NaN and infinities (e.g. NaN for "not measured").
    pub const fn nan_ok(mut self) -> Self {
        self.non_finite_ok = true;
        self
    }
}

/// A table: its name (the file stem in a run folder), a one-line description and its
/// columns in order.
///
/// ```
/// use std::borrow::Cow;
/// use tl_io::schema::{Column, TableSchema};
/// const COLS: &[Column] = &[Column::f64("t_s", "s", "Time."), Column::u32("id", "", "Id.")];
/// const T: TableSchema = TableSchema::new("example", "An example table.", COLS);
/// assert_eq!(T.column_index("id"), Some(1));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TableSchema {
    /// Table name: lower-case, `[a-z0-9_]`; the file is `<name>.parquet` or `<name>.csv`.
    pub name: Cow<'static, str>,
    /// One-line description (what one row is).
    pub doc: Cow<'static, str>,
    /// Columns, in file order.
    pub columns: Cow<'static, [Column]>,
}

impl TableSchema {
    /// A schema from static parts (usable in `const`).
    pub const fn new(name: &'static str, doc: &'static str, columns: &'static [Column]) -> Self {
        Self { name: Cow::Borrowed(name), doc: Cow::Borrowed(doc), columns: Cow::Borrowed(columns) }
    }

    /// A schema built at run time (e.g. a study whose columns depend on its config).
    pub fn owned(name: impl Into<String>, doc: impl Into<String>, columns: Vec<Column>) -> Self {
        Self { name: Cow::Owned(name.into()), doc: Cow::Owned(doc.into()), columns: Cow::Owned(columns) }
    }

    /// Index of the column called `name`.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// Check the schema itself: non-empty, unique column names of `[a-z0-9_]`, and
    /// `non_finite_ok` only on f64 columns. Returns a description of the first problem.
    pub fn check(&self) -> Result<(), String> {
        let ok_name = |s: &str| {
            !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        };
        if !ok_name(&self.name) {
            return Err(format!("table name `{}` must be non-empty [a-z0-9_]", self.name));
        }
        if self.columns.is_empty() {
            return Err(format!("table `{}` has no columns", self.name));
        }
        for (i, c) in self.columns.iter().enumerate() {
            if !ok_name(&c.name) {
                return Err(format!(
                    "table `{}`: column name `{}` must be non-empty [a-z0-9_]",
                    self.name, c.name
                ));
            }
            if self.columns[..i].iter().any(|d| d.name == c.name) {
                return Err(format!("table `{}`: duplicate column `{}`", self.name, c.name));
            }
            if c.non_finite_ok && c.ty != ColumnType::F64 {
                return Err(format!("table `{}`: column `{}` is {} but allows NaN", self.name, c.name, c.ty));
            }
        }
        Ok(())
    }
}

/// One cell value handed to a writer. Build rows with `.into()`:
///
/// ```
/// use tl_io::schema::Value;
/// let name = String::from("sat-0");
/// let row: [Value; 3] = [1.5.into(), 7u32.into(), name.as_str().into()];
/// assert_eq!(row[1], Value::U32(7));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'a> {
    /// For an f64 column.
    F64(f64),
    /// For an i64 column.
    I64(i64),
    /// For a u32 column.
    U32(u32),
    /// For a bool column.
    Bool(bool),
    /// For a string column.
    Str(&'a str),
}

impl Value<'_> {
    /// The column type this value fits.
    pub fn ty(&self) -> ColumnType {
        match self {
            Value::F64(_) => ColumnType::F64,
            Value::I64(_) => ColumnType::I64,
            Value::U32(_) => ColumnType::U32,
            Value::Bool(_) => ColumnType::Bool,
            Value::Str(_) => ColumnType::Str,
        }
    }
}

impl From<f64> for Value<'_> {
    fn from(v: f64) -> Self {
        Value::F64(v)
    }
}
impl From<i64> for Value<'_> {
    fn from(v: i64) -> Self {
        Value::I64(v)
    }
}
impl From<u32> for Value<'_> {
    fn from(v: u32) -> Self {
        Value::U32(v)
    }
}
impl From<bool> for Value<'_> {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}
impl<'a> From<&'a str> for Value<'a> {
    fn from(v: &'a str) -> Self {
        Value::Str(v)
    }
}
impl<'a> From<&'a String> for Value<'a> {
    fn from(v: &'a String) -> Self {
        Value::Str(v.as_str())
    }
}
