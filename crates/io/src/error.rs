//! Errors of the writers, readers and run folders. Each names the file and, for data
//! problems, the row, the column and the offending text.

use std::path::PathBuf;

/// An I/O or data error. The `Display` text is a complete, user-facing sentence.
#[derive(Debug, thiserror::Error)]
pub enum IoError {
    /// An operating-system error on a path.
    #[error("{}: {source}", path.display())]
    Os {
        /// The file or folder.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// An error from the Parquet library (corrupt file, unsupported encoding, ...).
    #[error("{}: parquet: {source}", path.display())]
    Parquet {
        /// The file.
        path: PathBuf,
        /// The library error.
        source: parquet::errors::ParquetError,
    },
    /// A column the reader needs is not in the file.
    #[error("{}: missing column `{column}` (table `{table}` needs it; the file has: {found})", path.display())]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The table being read.
        table: String,
        /// The missing column.
        column: String,
        /// The columns the file has, comma-separated.
        found: String,
    },
    /// A column is in the file with another type than the schema's.
    #[error("{}: column `{column}` has type {found}, expected {expected}", path.display())]
    ColumnType {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
        /// The schema's type.
        expected: String,
        /// The file's type.
        found: String,
    },
    /// A CSV cell that does not parse as its column's type.
    #[error(
        "{}:{line}: row {row}, column `{column}`: cannot read {text:?} as {expected}",
        path.display()
    )]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line in the file where the row starts.
        line: u64,
        /// 1-based data row (the header is not counted).
        row: u64,
        /// The column.
        column: String,
        /// The cell text.
        text: String,
        /// What was expected, e.g. `f64`.
        expected: String,
    },
    /// A NaN or infinite value in a column that requires finite numbers.
    #[error("{}: row {row}, column `{column}`: value {value} is not finite (this column requires a finite number)", path.display())]
    NonFinite {
        /// The file.
        path: PathBuf,
        /// 1-based data row.
        row: u64,
        /// The column.
        column: String,
        /// The value as text (`NaN`, `inf`, `-inf`).
        value: String,
    },
    /// A value in a Parquet file that does not fit the schema's column (null, out of
    /// range, not UTF-8).
    #[error("{}: row {row}, column `{column}`: cannot read {text} as {expected}", path.display())]
    BadValue {
        /// The file.
        path: PathBuf,
        /// 1-based data row.
        row: u64,
        /// The column.
        column: String,
        /// The value as text.
        text: String,
        /// What was expected.
        expected: String,
    },
    /// A malformed CSV file (wrong number of cells, unterminated quote, bad header).
    #[error("{}:{line}: {message}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A row handed to a writer does not fit the table's schema (a programming error in
    /// the caller, reported rather than panicking).
    #[error("table `{table}`: {message}")]
    Row {
        /// The table.
        table: String,
        /// What does not fit.
        message: String,
    },
    /// A run folder target that must not be replaced.
    #[error("{}: {reason}", path.display())]
    Refused {
        /// The target path.
        path: PathBuf,
        /// Why it is refused.
        reason: String,
    },
}

impl IoError {
    /// Wrap an OS error with its path.
    pub fn os(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        IoError::Os { path: path.into(), source }
    }

    pub(crate) fn parquet(path: impl Into<PathBuf>, source: parquet::errors::ParquetError) -> Self {
        IoError::Parquet { path: path.into(), source }
    }
}

/// Result with [`IoError`].
pub type Result<T, E = IoError> = std::result::Result<T, E>;
