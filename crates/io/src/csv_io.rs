//! CSV writer and reader (RFC 4180 quoting, a header line of column names).
//!
//! Floats are written in Rust's shortest round-trip form (`0.1`, `1e-7`, `6378137.0`),
//! so a CSV table reads back bit-for-bit; NaN and infinities as `NaN`, `inf`, `-inf`.
//! Booleans are `true` / `false`. Text is quoted when it contains a comma, a quote or a
//! line break.

use crate::error::{IoError, Result};
use crate::schema::{Column, ColumnType, TableSchema, Value};
use crate::table::{ColumnData, Table};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

pub(crate) struct CsvWriter {
    path: PathBuf,
    out: BufWriter<File>,
    line: String,
}

fn push_text(line: &mut String, s: &str) {
    if s.contains([',', '"', '\n', '\r']) || s.starts_with(' ') || s.ends_with(' ') {
        line.push('"');
        for ch in s.chars() {
            if ch == '"' {
                line.push('"');
            }
            line.push(ch);
        }
        line.push('"');
    } else {
        line.push_str(s);
    }
}

impl CsvWriter {
    pub(crate) fn create(path: &Path, schema: &TableSchema) -> Result<Self> {
        let file = File::create(path).map_err(|e| IoError::os(path, e))?;
        let mut w = Self {
            path: path.to_path_buf(),
            out: BufWriter::with_capacity(1 << 16, file),
            line: String::new(),
        };
        let header: Vec<&str> = schema.columns.iter().map(|c| c.name.as_ref()).collect();
        w.line.push_str(&header.join(","));
        w.line.push('\n');
        w.flush_line()?;
        Ok(w)
    }

    fn flush_line(&mut self) -> Result<()> {
        self.out.write_all(self.line.as_bytes()).map_err(|e| IoError::os(&self.path, e))?;
        self.line.clear();
        Ok(())
    }

    pub(crate) fn push_row(&mut self, row: &[Value<'_>]) -> Result<()> {
        use std::fmt::Write as _;
        for (i, v) in row.iter().enumerate() {
            if i > 0 {
                self.line.push(',');
            }
            match v {
                Value::F64(x) => write!(self.line, "{x:?}").expect("write to String"),
                Value::I64(x) => write!(self.line, "{x}").expect("write to String"),
                Value::U32(x) => write!(self.line, "{x}").expect("write to String"),
                Value::Bool(x) => self.line.push_str(if *x { "true" } else { "false" }),
                Value::Str(s) => push_text(&mut self.line, s),
            }
        }
        self.line.push('\n');
        self.flush_line()
    }

    pub(crate) fn finish(self) -> Result<()> {
        let path = self.path;
        let file = self.out.into_inner().map_err(|e| IoError::os(&path, e.into_error()))?;
        file.sync_all().map_err(|e| IoError::os(&path, e))
    }
}

/// Split CSV text into records of cells, each with the 1-based line it starts on.
fn records(path: &Path, text: &str) -> Result<Vec<(u64, Vec<String>)>> {
    let mut out = Vec::new();
    let mut cells: Vec<String> = Vec::new();
    let mut cell = String::new();
    let mut line: u64 = 1;
    let mut start_line: u64 = 1;
    let mut in_quotes = false;
    let mut quoted_cell = false;
    let mut chars = text.chars().peekable();
    let mut record_has_content = false;
    while let Some(ch) = chars.next() {
        if in_quotes {
            match ch {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    cell.push('"');
                }
                '"' => in_quotes = false,
                '\n' => {
                    line += 1;
                    cell.push(ch);
                }
                _ => cell.push(ch),
            }
            continue;
        }
        match ch {
            '"' if cell.is_empty() && !quoted_cell => {
                in_quotes = true;
                quoted_cell = true;
                record_has_content = true;
            }
            '"' => {
                return Err(IoError::Csv {
                    path: path.to_path_buf(),
                    line,
                    message: "a quote inside an unquoted cell (quote the whole cell and double inner quotes)"
                        .into(),
                });
            }
            ',' => {
                cells.push(std::mem::take(&mut cell));
                quoted_cell = false;
                record_has_content = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                if record_has_content || !cell.is_empty() {
                    cells.push(std::mem::take(&mut cell));
                    out.push((start_line, std::mem::take(&mut cells)));
                }
                quoted_cell = false;
                record_has_content = false;
                line += 1;
                start_line = line;
            }
            _ => {
                if quoted_cell {
                    return Err(IoError::Csv {
                        path: path.to_path_buf(),
                        line,
                        message: "text after a closing quote".into(),
                    });
                }
                cell.push(ch);
                record_has_content = true;
            }
        }
    }
    if in_quotes {
        return Err(IoError::Csv {
            path: path.to_path_buf(),
            line: start_line,
            message: "unterminated quote".into(),
        });
    }
    if record_has_content || !cell.is_empty() {
        cells.push(cell);
        out.push((start_line, cells));
    }
    Ok(out)
}

fn parse_cell(path: &Path, c: &Column, text: &str, line: u64, row: u64, col: &mut ColumnData) -> Result<()> {
    let bad = || IoError::Parse {
        path: path.to_path_buf(),
        line,
        row,
        column: c.name.to_string(),
        text: text.to_string(),
        expected: match c.ty {
            ColumnType::F64 => "a number (f64)".into(),
            ColumnType::I64 => "an integer (i64)".into(),
            ColumnType::U32 => "an integer within 0..=4294967295 (u32)".into(),
            ColumnType::Bool => "true or false".into(),
            ColumnType::Str => "text".into(),
        },
    };
    let t = text.trim();
    match col {
        ColumnData::F64(v) => {
            let x: f64 = t.parse().map_err(|_| bad())?;
            if !x.is_finite() && !c.non_finite_ok {
                return Err(IoError::NonFinite {
                    path: path.to_path_buf(),
                    row,
                    column: c.name.to_string(),
                    value: text.to_string(),
                });
            }
            v.push(x);
        }
        ColumnData::I64(v) => v.push(t.parse().map_err(|_| bad())?),
        ColumnData::U32(v) => v.push(t.parse().map_err(|_| bad())?),
        ColumnData::Bool(v) => v.push(match t {
            "true" | "True" | "TRUE" | "1" => true,
            "false" | "False" | "FALSE" | "0" => false,
            _ => return Err(bad()),
        }),
        ColumnData::Str(v) => v.push(text.to_string()),
    }
    Ok(())
}

/// Read the schema's columns from a CSV file with a header line. Columns are found by
/// name (order and extra columns do not matter). Errors name the missing column, or the
/// line, row, column and text of a cell that does not parse, or a non-finite value in a
/// column that requires finite numbers.
pub fn read_csv(path: &Path, schema: &TableSchema) -> Result<Table> {
    let bytes = std::fs::read(path).map_err(|e| IoError::os(path, e))?;
    let text = String::from_utf8(bytes).map_err(|e| IoError::Csv {
        path: path.to_path_buf(),
        line: 0,
        message: format!("not UTF-8 text (invalid byte at offset {})", e.utf8_error().valid_up_to()),
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let recs = records(path, text)?;
    let Some((_, header)) = recs.first() else {
        return Err(IoError::Csv {
            path: path.to_path_buf(),
            line: 1,
            message: "empty file (no header line)".into(),
        });
    };
    let header: Vec<&str> = header.iter().map(|h| h.trim()).collect();
    let mut index = Vec::with_capacity(schema.columns.len());
    for c in schema.columns.iter() {
        match header.iter().position(|h| *h == c.name) {
            Some(i) => index.push(i),
            None => {
                return Err(IoError::MissingColumn {
                    path: path.to_path_buf(),
                    table: schema.name.to_string(),
                    column: c.name.to_string(),
                    found: header.join(", "),
                });
            }
        }
    }
    let n = recs.len() - 1;
    let mut columns: Vec<ColumnData> =
        schema.columns.iter().map(|c| ColumnData::with_capacity(c.ty, n)).collect();
    for (r, (line, cells)) in recs[1..].iter().enumerate() {
        if cells.len() != header.len() {
            return Err(IoError::Csv {
                path: path.to_path_buf(),
                line: *line,
                message: format!("row {} has {} cells, the header has {}", r + 1, cells.len(), header.len()),
            });
        }
        for (k, c) in schema.columns.iter().enumerate() {
            parse_cell(path, c, &cells[index[k]], *line, r as u64 + 1, &mut columns[k])?;
        }
    }
    Ok(Table { schema: schema.clone(), columns })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_quoted_cells_and_counts_lines() {
        let p = Path::new("x.csv");
        let r = records(p, "a,b\n\"x,\"\"y\"\"\",2\n\"multi\nline\",3\r\n\n4,\n").unwrap();
        assert_eq!(r.len(), 4);
        assert_eq!(r[1], (2, vec!["x,\"y\"".to_string(), "2".to_string()]));
        assert_eq!(r[2], (3, vec!["multi\nline".to_string(), "3".to_string()]));
        assert_eq!(r[3], (6, vec!["4".to_string(), String::new()]));
        assert!(records(p, "a\n\"open\n").is_err());
        assert!(records(p, "a\nx\"y\n").is_err());
    }
}
