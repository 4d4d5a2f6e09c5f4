//! Scenario diagnostics with file, line and column.
//!
//! Model crates validate their config and return [`FieldError`]s whose `field` is a
//! dotted path relative to their table (`inclination_deg`); the scenario glue prefixes
//! the table's own path (`constellation[1].orbit`). This module turns the full path into
//! a position in the file using the toml crate's spanned document
//! ([`toml::de::DeTable`]), so every crate's validation gets `line:column` for free.
//! Serde errors (unknown field, wrong type, malformed TOML) carry a byte span: the path
//! is found from the span, and both kinds render the same way:
//!
//! ```text
//! scenario.toml:12:19: constellation[0].orbit.inclination_deg = 190: must be within 0..=180
//! ```

use std::fmt;
use std::ops::Range;
use tl_core::check::FieldError;
use toml::de::{DeTable, DeValue};

/// One problem in a scenario file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based line (0 when the problem has no place in the file).
    pub line: usize,
    /// 1-based column in characters.
    pub column: usize,
    /// Dotted path of the field (`constellation[0].orbit.total`), or empty for the whole
    /// document.
    pub path: String,
    /// What is wrong, e.g. `= 190: must be within 0..=180` for a field error or
    /// `unknown field ...` for a serde error.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}: ", self.line, self.column)?;
        }
        match (self.path.is_empty(), self.message.starts_with("= ")) {
            (true, _) => f.write_str(&self.message),
            (false, true) => write!(f, "{} {}", self.path, self.message),
            (false, false) => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

/// All problems found in one scenario file. `Display` prints one per line, each as
/// `file:line:column: path ...`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file as the user named it (or `builtin:<name>`).
    pub file: String,
    /// The problems, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}:{d}", self.file)?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

/// (dotted path, key span, value span).
type Entry = (String, Option<Range<usize>>, Range<usize>);

/// Index of every key and value of a TOML document by dotted path, with byte spans.
pub struct SpanIndex {
    /// (path, key span, value span), in document walk order.
    entries: Vec<Entry>,
    /// Byte offsets of line starts.
    line_starts: Vec<usize>,
    text: String,
}

impl SpanIndex {
    /// Index `text`. A document that does not parse gives an index with no entries (its
    /// syntax error is reported by the deserialiser with its own span).
    pub fn new(text: &str) -> Self {
        let mut entries = Vec::new();
        if let Ok(doc) = DeTable::parse(text) {
            walk_table(doc.get_ref(), "", &mut entries);
        }
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { entries, line_starts, text: text.to_string() }
    }

    /// 1-based (line, column) of a byte offset; the column counts characters.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let col = self.text.get(start..offset).map_or(offset - start, |s| s.chars().count()) + 1;
        (line, col)
    }

    /// The value span of `path`, or of its longest prefix present in the file (a
    /// missing field points at its table).
    pub fn span_of(&self, path: &str) -> Option<Range<usize>> {
        let mut p = path;
        loop {
            if let Some((_, _, v)) = self.entries.iter().find(|(q, _, _)| q == p) {
                return Some(v.clone());
            }
            // Strip the last segment: `.name` or `[i]`.
            let cut = p.rfind(['.', '['])?;
            p = &p[..cut];
            if p.is_empty() {
                return None;
            }
        }
    }

    /// True when the document has a value at exactly `path`.
    pub fn has(&self, path: &str) -> bool {
        self.entries.iter().any(|(q, _, _)| q == path)
    }

    /// The dotted path of the innermost key or value whose span contains `span.start`.
    pub fn path_at(&self, span: &Range<usize>) -> Option<&str> {
        let mut best: Option<(&str, usize)> = None;
        for (p, k, v) in &self.entries {
            for r in [k.as_ref(), Some(v)].into_iter().flatten() {
                let inside =
                    r.start <= span.start && (span.start < r.end || (r.is_empty() && span.start == r.start));
                if inside && best.is_none_or(|(_, w)| r.len() <= w) {
                    best = Some((p, r.len()));
                }
            }
        }
        best.map(|(p, _)| p)
    }

    /// A diagnostic for a field error whose `field` is a full dotted path.
    pub fn field_error(&self, e: &FieldError) -> Diagnostic {
        // A field absent from the file with no table of its own (e.g. a missing
        // top-level array) points at the start of the document.
        let (line, column) = self.span_of(&e.field).map_or((1, 1), |s| self.line_col(s.start));
        Diagnostic {
            line,
            column,
            path: e.field.clone(),
            message: format!("= {}: must be {}", e.value, e.allowed),
        }
    }

    /// A diagnostic for a deserialisation or syntax error.
    pub fn toml_error(&self, e: &toml::de::Error) -> Diagnostic {
        let span = e.span();
        let (line, column) = span.as_ref().map_or((0, 0), |s| self.line_col(s.start));
        let path = span.as_ref().and_then(|s| self.path_at(s)).unwrap_or("").to_string();
        let mut message = e.message().trim_end().to_string();
        let key = span.as_ref().and_then(|s| self.text.get(s.clone())).unwrap_or("").to_string();
        if message == "duplicate key" {
            message = format!("`{key}` is given twice");
            // `[[a.b]]` before any `[[a]]` makes TOML create a plain table `a`, which the
            // later `[[a]]` then collides with: say what happened.
            if let Some(off) = span.as_ref().map(|s| s.start) {
                let (child, parent) = (format!("[[{key}."), format!("[[{key}]]"));
                let before = &self.text[..off.min(self.text.len())];
                let first = before
                    .lines()
                    .enumerate()
                    .map(|(i, l)| (i + 1, l.trim_start()))
                    .find(|(_, l)| l.starts_with(&child) || l.starts_with(&parent));
                if let Some((l, text)) = first
                    && text.starts_with(&child)
                {
                    message = format!(
                        "a [[{key}.…]] table (line {l}) comes before any [[{key}]]: it must follow the \
                         [[{key}]] it belongs to"
                    );
                }
            }
        }
        Diagnostic { line, column, path, message }
    }
}

fn walk_table(t: &DeTable<'_>, prefix: &str, out: &mut Vec<Entry>) {
    for (k, v) in t.iter() {
        let path =
            if prefix.is_empty() { k.get_ref().to_string() } else { format!("{prefix}.{}", k.get_ref()) };
        out.push((path.clone(), Some(k.span()), v.span()));
        walk_value(v.get_ref(), &path, out);
    }
}

fn walk_value(v: &DeValue<'_>, path: &str, out: &mut Vec<Entry>) {
    match v {
        DeValue::Table(t) => walk_table(t, path, out),
        DeValue::Array(a) => {
            for (i, item) in a.iter().enumerate() {
                let p = format!("{path}[{i}]");
                out.push((p.clone(), None, item.span()));
                walk_value(item.get_ref(), &p, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "version = 1\n[[constellation]]\nname = \"a\"\n[constellation.orbit]\nkind = \"walker\"\n\
                       inclination_deg = 190\n[[constellation]]\nname = \"ü\"\norbit = { kind = \"gëo\", x = [1, 2] }\n";

    #[test]
    fn paths_map_to_line_and_column() {
        let ix = SpanIndex::new(DOC);
        let e = FieldError::new("constellation[0].orbit.inclination_deg", "190", "within 0..=180");
        let d = ix.field_error(&e);
        assert_eq!((d.line, d.column), (6, 19));
        assert_eq!(
            d.to_string(),
            "6:19: constellation[0].orbit.inclination_deg = 190: must be within 0..=180"
        );
        // A missing field points at its table.
        let d = ix.field_error(&FieldError::new("constellation[0].orbit.total", "missing", "given"));
        assert_eq!((d.line, d.column), (4, 1));
        // Inline tables and arrays; columns count characters.
        assert_eq!(ix.line_col(ix.span_of("constellation[1].orbit.x[1]").unwrap().start), (9, 33));
        assert_eq!(ix.span_of("constellation[1].name").map(|s| &DOC[s]), Some("\"ü\""));
        assert!(ix.span_of("nothing.here").is_none());
    }

    #[test]
    fn spans_map_back_to_paths() {
        let ix = SpanIndex::new(DOC);
        let s = ix.span_of("constellation[1].orbit.kind").unwrap();
        assert_eq!(ix.path_at(&s), Some("constellation[1].orbit.kind"));
        let k = DOC.find("inclination_deg").unwrap();
        assert_eq!(ix.path_at(&(k..k + 3)), Some("constellation[0].orbit.inclination_deg"));
    }
}
