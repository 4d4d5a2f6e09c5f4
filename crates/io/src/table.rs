//! A table read back into typed columns.

use crate::error::{IoError, Result};
use crate::schema::{ColumnType, TableSchema, Value};

/// The values of one column.
#[derive(Clone, Debug, PartialEq)]
pub enum ColumnData {
    /// f64 values.
    F64(Vec<f64>),
    /// i64 values.
    I64(Vec<i64>),
    /// u32 values.
    U32(Vec<u32>),
    /// bool values.
    Bool(Vec<bool>),
    /// Text values.
    Str(Vec<String>),
}

impl ColumnData {
    /// An empty column of type `ty` with room for `cap` values.
    pub fn with_capacity(ty: ColumnType, cap: usize) -> Self {
        match ty {
            ColumnType::F64 => ColumnData::F64(Vec::with_capacity(cap)),
            ColumnType::I64 => ColumnData::I64(Vec::with_capacity(cap)),
            ColumnType::U32 => ColumnData::U32(Vec::with_capacity(cap)),
            ColumnType::Bool => ColumnData::Bool(Vec::with_capacity(cap)),
            ColumnType::Str => ColumnData::Str(Vec::with_capacity(cap)),
        }
    }

    /// The column's type.
    pub fn ty(&self) -> ColumnType {
        match self {
            ColumnData::F64(_) => ColumnType::F64,
            ColumnData::I64(_) => ColumnType::I64,
            ColumnData::U32(_) => ColumnType::U32,
            ColumnData::Bool(_) => ColumnType::Bool,
            ColumnData::Str(_) => ColumnType::Str,
        }
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            ColumnData::F64(v) => v.len(),
            ColumnData::I64(v) => v.len(),
            ColumnData::U32(v) => v.len(),
            ColumnData::Bool(v) => v.len(),
            ColumnData::Str(v) => v.len(),
        }
    }

    /// True when there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Remove all values, keeping the allocation.
    pub fn clear(&mut self) {
        match self {
            ColumnData::F64(v) => v.clear(),
            ColumnData::I64(v) => v.clear(),
            ColumnData::U32(v) => v.clear(),
            ColumnData::Bool(v) => v.clear(),
            ColumnData::Str(v) => v.clear(),
        }
    }

    /// Append one value; `false` when its type does not match the column's.
    pub(crate) fn push(&mut self, v: &Value<'_>) -> bool {
        match (self, v) {
            (ColumnData::F64(c), Value::F64(x)) => c.push(*x),
            (ColumnData::I64(c), Value::I64(x)) => c.push(*x),
            (ColumnData::U32(c), Value::U32(x)) => c.push(*x),
            (ColumnData::Bool(c), Value::Bool(x)) => c.push(*x),
            (ColumnData::Str(c), Value::Str(x)) => c.push((*x).to_string()),
            _ => return false,
        }
        true
    }

    /// Append all values of `other` (same type), returning `false` if the types differ.
    pub(crate) fn extend(&mut self, other: ColumnData) -> bool {
        match (self, other) {
            (ColumnData::F64(a), ColumnData::F64(b)) => a.extend(b),
            (ColumnData::I64(a), ColumnData::I64(b)) => a.extend(b),
            (ColumnData::U32(a), ColumnData::U32(b)) => a.extend(b),
            (ColumnData::Bool(a), ColumnData::Bool(b)) => a.extend(b),
            (ColumnData::Str(a), ColumnData::Str(b)) => a.extend(b),
            _ => return false,
        }
        true
    }

    /// The value at `row` as a [`Value`] (None past the end).
    pub fn get(&self, row: usize) -> Option<Value<'_>> {
        Some(match self {
            ColumnData::F64(v) => Value::F64(*v.get(row)?),
            ColumnData::I64(v) => Value::I64(*v.get(row)?),
            ColumnData::U32(v) => Value::U32(*v.get(row)?),
            ColumnData::Bool(v) => Value::Bool(*v.get(row)?),
            ColumnData::Str(v) => Value::Str(v.get(row)?.as_str()),
        })
    }
}

/// A whole table in memory, columns in schema order. Produced by
/// [`crate::read_table`]; meant for tests, plots, studies and reading detection files,
/// not for the run loop (which streams).
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// The schema the table was read with.
    pub schema: TableSchema,
    /// One entry per schema column, same order.
    pub columns: Vec<ColumnData>,
}

impl Table {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.columns.first().map_or(0, ColumnData::len)
    }

    /// True when the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The column called `name`.
    pub fn column(&self, name: &str) -> Result<&ColumnData> {
        let i = self.schema.column_index(name).ok_or_else(|| IoError::Row {
            table: self.schema.name.to_string(),
            message: format!("no column `{name}`"),
        })?;
        Ok(&self.columns[i])
    }

    fn wrong(&self, name: &str, want: ColumnType, got: ColumnType) -> IoError {
        IoError::Row {
            table: self.schema.name.to_string(),
            message: format!("column `{name}` is {got}, not {want}"),
        }
    }

    /// The f64 column called `name`.
    pub fn f64(&self, name: &str) -> Result<&[f64]> {
        match self.column(name)? {
            ColumnData::F64(v) => Ok(v),
            c => Err(self.wrong(name, ColumnType::F64, c.ty())),
        }
    }

    /// The i64 column called `name`.
    pub fn i64(&self, name: &str) -> Result<&[i64]> {
        match self.column(name)? {
            ColumnData::I64(v) => Ok(v),
            c => Err(self.wrong(name, ColumnType::I64, c.ty())),
        }
    }

    /// The u32 column called `name`.
    pub fn u32(&self, name: &str) -> Result<&[u32]> {
        match self.column(name)? {
            ColumnData::U32(v) => Ok(v),
            c => Err(self.wrong(name, ColumnType::U32, c.ty())),
        }
    }

    /// The bool column called `name`.
    pub fn bool(&self, name: &str) -> Result<&[bool]> {
        match self.column(name)? {
            ColumnData::Bool(v) => Ok(v),
            c => Err(self.wrong(name, ColumnType::Bool, c.ty())),
        }
    }

    /// The text column called `name`.
    pub fn str(&self, name: &str) -> Result<&[String]> {
        match self.column(name)? {
            ColumnData::Str(v) => Ok(v),
            c => Err(self.wrong(name, ColumnType::Str, c.ty())),
        }
    }

    /// Row `i` as values in schema order (None past the end).
    pub fn row(&self, i: usize) -> Option<Vec<Value<'_>>> {
        self.columns.iter().map(|c| c.get(i)).collect()
    }
}
