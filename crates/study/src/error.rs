//! Study errors. Each `Display` text is a complete sentence for the user: it names the
//! file (with line and column for study-file problems), the parameter path and the value.

use std::path::PathBuf;

/// A study that cannot be loaded, run or merged.
#[derive(Debug, thiserror::Error)]
pub enum StudyError {
    /// The study file is wrong (syntax, unknown key, bad parameter path, empty range, a
    /// value the scenario refuses...). Found before any trial runs.
    #[error("{0}")]
    Invalid(String),
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Os {
        /// The file or folder.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A table file could not be written or read.
    #[error(transparent)]
    Table(#[from] tl_io::IoError),
    /// An output folder holds something that does not belong to this study (another
    /// study's shards, another split).
    #[error("{0}")]
    Refused(String),
    /// Shards are missing: the merge cannot run yet.
    #[error("{0}")]
    Incomplete(String),
    /// The run was cancelled (Ctrl-C); the shard being written was discarded.
    #[error("{0}")]
    Cancelled(String),
    /// A plot could not be drawn.
    #[error(transparent)]
    Plot(#[from] tl_viz::plot::PlotError),
}

impl StudyError {
    /// An OS error on a path.
    pub fn os(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        StudyError::Os { path: path.into(), source }
    }
}

/// Line and column (1-based) of a byte offset in a text.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let col = before.rfind('\n').map_or(before.chars().count(), |nl| before[nl + 1..].chars().count()) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    #[test]
    fn line_col_counts_from_one() {
        let t = "a = 1\nbb = 2\n";
        assert_eq!(super::line_col(t, 0), (1, 1));
        assert_eq!(super::line_col(t, 6), (2, 1));
        assert_eq!(super::line_col(t, 9), (2, 4));
    }
}
