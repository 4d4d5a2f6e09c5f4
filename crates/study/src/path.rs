//! Parameter paths: which scenario field a study parameter sets.
//!
//! A path is a list of segments separated by dots, with optional bracket selectors:
//!
//! | written | on a table | on an array |
//! | --- | --- | --- |
//! | `.key` | the field `key` | the element named `key` |
//! | `.3` | the field `3` | element 3 (0-based) |
//! | `.*` | error | every element |
//! | `[3]` | error | element 3 |
//! | `[*]` | error | every element |
//! | `[key]` or `["key"]` | error | the element named `key` |
//!
//! An element's name is its `name` field, or its `id` field when it has no `name` (a
//! launch, for example). So `constellation.tracking.orbit.total`, `constellation[tracking].orbit.total` and
//! (if `tracking` is the first constellation) `constellation[0].orbit.total` all name the
//! same field, and `launch.*.time_s` names the `time_s` of every launch. A path is
//! resolved against a scenario document into one or more *concrete* paths, written in
//! the canonical form that scenario validation errors use: `constellation[0].orbit.total`.
//!
//! The last segment may name a table field that the document does not hold yet (a field
//! left at its default): setting it adds it, and the scenario's own validation (with
//! `deny_unknown_fields`) rejects names that are not fields. Missing tables on the way
//! are added the same way. Arrays are never grown: an index past the end is an error.

use std::fmt;
use toml::Value;

/// One written segment of a path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    /// `.text`: a table key, or on an array an index, `*` or an element name.
    Dot(String),
    /// `[n]`: an array index.
    Index(usize),
    /// `[*]`: every element of an array.
    All,
    /// `[name]`: the array element whose `name` field equals this.
    Name(String),
}

/// A parameter path as written in a study file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamPath {
    /// The text as written.
    pub text: String,
    /// The parsed segments.
    pub segments: Vec<Segment>,
}

/// One step of a concrete path.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step {
    /// A table field.
    Key(String),
    /// An array element.
    Index(usize),
}

/// A path to exactly one place in a document.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Concrete(pub Vec<Step>);

impl fmt::Display for Concrete {
    /// Canonical form: `constellation[0].orbit.total`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            match s {
                Step::Key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                Step::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// A path that cannot be parsed or resolved. The message names the path and the place.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PathError {
    /// What went wrong, as a complete sentence naming the path.
    pub message: String,
}

fn err(message: String) -> PathError {
    PathError { message }
}

impl ParamPath {
    /// Parse a path.
    ///
    /// ```
    /// use tl_study::path::{ParamPath, Segment};
    /// let p = ParamPath::parse("launch[*].time_s").unwrap();
    /// assert_eq!(p.segments, [Segment::Dot("launch".into()), Segment::All, Segment::Dot("time_s".into())]);
    /// assert!(ParamPath::parse("a..b").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Self, PathError> {
        let bad = |why: &str| err(format!("parameter path `{text}`: {why}"));
        let mut segments = Vec::new();
        let b = text.as_bytes();
        let mut i = 0;
        let mut expect_key = true; // at the start or after a dot
        while i < b.len() {
            match b[i] {
                b'.' => {
                    if expect_key {
                        return Err(bad("empty segment (two dots, or a leading dot)"));
                    }
                    expect_key = true;
                    i += 1;
                }
                b'[' => {
                    if segments.is_empty() {
                        return Err(bad("a path must start with a field name, not `[`"));
                    }
                    if expect_key {
                        return Err(bad("`.[` : a bracket follows a segment directly, e.g. `launch[0]`"));
                    }
                    let close = text[i..].find(']').ok_or_else(|| bad("`[` without `]`"))? + i;
                    let inner = text[i + 1..close].trim();
                    let seg = if inner == "*" {
                        Segment::All
                    } else if let Ok(n) = inner.parse::<usize>() {
                        Segment::Index(n)
                    } else {
                        let name = inner
                            .strip_prefix('"')
                            .and_then(|s| s.strip_suffix('"'))
                            .or_else(|| inner.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
                            .unwrap_or(inner);
                        if name.is_empty() {
                            return Err(bad("empty `[]`"));
                        }
                        Segment::Name(name.to_string())
                    };
                    segments.push(seg);
                    i = close + 1;
                }
                b']' => return Err(bad("`]` without `[`")),
                _ => {
                    if !expect_key {
                        return Err(bad("a segment must follow a dot"));
                    }
                    let end = text[i..].find(['.', '[', ']']).map_or(b.len(), |e| e + i);
                    let key = text[i..end].trim();
                    if key.is_empty() {
                        return Err(bad("empty segment"));
                    }
                    segments.push(Segment::Dot(key.to_string()));
                    expect_key = false;
                    i = end;
                }
            }
        }
        if segments.is_empty() {
            return Err(bad("empty path"));
        }
        if expect_key {
            return Err(bad("ends with a dot"));
        }
        Ok(Self { text: text.to_string(), segments })
    }

    /// True when the path can match more than one place (`*`).
    pub fn has_wildcard(&self) -> bool {
        self.segments.iter().any(|s| matches!(s, Segment::All) || matches!(s, Segment::Dot(d) if d == "*"))
    }

    /// The concrete places this path names in `doc`, in document order. Fails when an
    /// array selector meets a non-array, an index is past the end, a name matches no
    /// element (the message lists the names there are) or several, or a wildcard
    /// matches nothing.
    ///
    /// ```
    /// use tl_study::path::ParamPath;
    /// let doc: toml::Value = toml::from_str(r#"
    ///     [[launch]]
    ///     name = "a"
    ///     time_s = 0.0
    ///     [[launch]]
    ///     name = "b"
    ///     time_s = 10.0
    /// "#).unwrap();
    /// let p = ParamPath::parse("launch.*.time_s").unwrap();
    /// let c: Vec<String> = p.resolve(&doc).unwrap().iter().map(|c| c.to_string()).collect();
    /// assert_eq!(c, ["launch[0].time_s", "launch[1].time_s"]);
    /// let p = ParamPath::parse("launch.b.time_s").unwrap();
    /// assert_eq!(p.resolve(&doc).unwrap()[0].to_string(), "launch[1].time_s");
    /// ```
    pub fn resolve(&self, doc: &Value) -> Result<Vec<Concrete>, PathError> {
        let mut out = Vec::new();
        self.walk(doc, 0, &mut Concrete::default(), &mut out)?;
        if out.is_empty() {
            return Err(err(format!("parameter path `{}` matches no field (an empty array?)", self.text)));
        }
        Ok(out)
    }

    fn walk(
        &self,
        node: &Value,
        depth: usize,
        here: &mut Concrete,
        out: &mut Vec<Concrete>,
    ) -> Result<(), PathError> {
        if depth == self.segments.len() {
            out.push(here.clone());
            return Ok(());
        }
        let at = if here.0.is_empty() { "the top level".to_string() } else { format!("`{here}`") };
        let seg = &self.segments[depth];
        match node {
            Value::Table(t) => {
                let key = match seg {
                    Segment::Dot(k) if k == "*" => {
                        return Err(err(format!(
                            "parameter path `{}`: `*` selects array elements, but {at} is a table",
                            self.text
                        )));
                    }
                    Segment::Dot(k) => k,
                    _ => {
                        return Err(err(format!(
                            "parameter path `{}`: a `[...]` selector needs an array, but {at} is a table",
                            self.text
                        )));
                    }
                };
                here.0.push(Step::Key(key.clone()));
                let r = match t.get(key) {
                    Some(child) => self.walk(child, depth + 1, here, out),
                    // Absent: the rest of the path is created on set (tables only).
                    None => self.absent_tail(depth + 1, here, out),
                };
                here.0.pop();
                r
            }
            Value::Array(a) => {
                let pick: Vec<usize> = match seg {
                    Segment::All => (0..a.len()).collect(),
                    Segment::Dot(k) if k == "*" => (0..a.len()).collect(),
                    Segment::Index(n) => vec![self.index(*n, a.len(), &at)?],
                    Segment::Dot(k) => match k.parse::<usize>() {
                        Ok(n) => vec![self.index(n, a.len(), &at)?],
                        Err(_) => vec![self.by_name(a, k, &at)?],
                    },
                    Segment::Name(k) => vec![self.by_name(a, k, &at)?],
                };
                for i in pick {
                    here.0.push(Step::Index(i));
                    let r = self.walk(&a[i], depth + 1, here, out);
                    here.0.pop();
                    r?;
                }
                Ok(())
            }
            other => {
                let ty = other.type_str();
                let a = if ty.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
                Err(err(format!(
                    "parameter path `{}`: {at} is {a} {ty}, not a table or array, so `{}` selects nothing",
                    self.text,
                    seg_text(seg)
                )))
            }
        }
    }

    fn absent_tail(
        &self,
        depth: usize,
        here: &mut Concrete,
        out: &mut Vec<Concrete>,
    ) -> Result<(), PathError> {
        let mut c = here.clone();
        for seg in &self.segments[depth..] {
            match seg {
                Segment::Dot(k) if k != "*" => c.0.push(Step::Key(k.clone())),
                _ => {
                    return Err(err(format!(
                        "parameter path `{}`: `{c}` is not in the scenario, so `{}` selects nothing",
                        self.text,
                        seg_text(seg)
                    )));
                }
            }
        }
        out.push(c);
        Ok(())
    }

    fn index(&self, n: usize, len: usize, at: &str) -> Result<usize, PathError> {
        if n < len {
            Ok(n)
        } else {
            Err(err(format!(
                "parameter path `{}`: index {n} is past the end of {at} ({len} elements: 0..={})",
                self.text,
                len.saturating_sub(1)
            )))
        }
    }

    fn by_name(&self, a: &[Value], name: &str, at: &str) -> Result<usize, PathError> {
        // An element's name is its `name` field, or its `id` field when it has no name
        // (launches are identified by `id`).
        let names: Vec<&str> = a
            .iter()
            .map(|v| v.get("name").or_else(|| v.get("id")).and_then(Value::as_str).unwrap_or(""))
            .collect();
        let hits: Vec<usize> =
            names.iter().enumerate().filter(|(_, n)| **n == name).map(|(i, _)| i).collect();
        match hits.as_slice() {
            [i] => Ok(*i),
            [] => {
                let known: Vec<String> =
                    names.iter().filter(|n| !n.is_empty()).map(|n| format!("`{n}`")).collect();
                Err(err(format!(
                    "parameter path `{}`: no element of {at} is named `{name}` (names there: {})",
                    self.text,
                    if known.is_empty() { "none".to_string() } else { known.join(", ") }
                )))
            }
            many => Err(err(format!(
                "parameter path `{}`: {} elements of {at} are named `{name}` (indices {:?}); use an index",
                self.text,
                many.len(),
                many
            ))),
        }
    }
}

fn seg_text(s: &Segment) -> String {
    match s {
        Segment::Dot(k) => k.clone(),
        Segment::Index(n) => format!("[{n}]"),
        Segment::All => "[*]".into(),
        Segment::Name(k) => format!("[{k}]"),
    }
}

/// The value at a concrete path, if present.
pub fn get<'a>(doc: &'a Value, path: &Concrete) -> Option<&'a Value> {
    let mut node = doc;
    for s in &path.0 {
        node = match (s, node) {
            (Step::Key(k), Value::Table(t)) => t.get(k)?,
            (Step::Index(i), Value::Array(a)) => a.get(*i)?,
            _ => return None,
        };
    }
    Some(node)
}

/// Set the value at a concrete path, adding missing tables on the way. Fails (with the
/// canonical path) only when the path runs into a non-table or a missing array element,
/// which [`ParamPath::resolve`] has already ruled out for the document it resolved
/// against.
pub fn set(doc: &mut Value, path: &Concrete, value: Value) -> Result<(), PathError> {
    let mut node = doc;
    for (i, s) in path.0.iter().enumerate() {
        let last = i + 1 == path.0.len();
        node = match (s, node) {
            (Step::Key(k), Value::Table(t)) => {
                if last {
                    t.insert(k.clone(), value);
                    return Ok(());
                }
                t.entry(k.clone()).or_insert_with(|| Value::Table(Default::default()))
            }
            (Step::Index(n), Value::Array(a)) if *n < a.len() => {
                if last {
                    a[*n] = value;
                    return Ok(());
                }
                &mut a[*n]
            }
            _ => {
                return Err(err(format!(
                    "cannot set `{path}`: `{}` is not a table or array with that entry",
                    Concrete(path.0[..i].to_vec())
                )));
            }
        };
    }
    *node = value;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        toml::from_str(
            r#"
            duration_s = 600
            [[constellation]]
            name = "tracking"
            [constellation.orbit]
            total = 28
            [[constellation]]
            name = "warning"
            [constellation.orbit]
            total = 4
            "#,
        )
        .unwrap()
    }

    fn resolved(p: &str) -> Result<Vec<String>, String> {
        ParamPath::parse(p)
            .map_err(|e| e.message)?
            .resolve(&doc())
            .map(|v| v.iter().map(ToString::to_string).collect())
            .map_err(|e| e.message)
    }

    #[test]
    fn all_spellings_of_one_field_agree() {
        for p in [
            "constellation.tracking.orbit.total",
            "constellation[tracking].orbit.total",
            "constellation[\"tracking\"].orbit.total",
            "constellation[0].orbit.total",
            "constellation.0.orbit.total",
        ] {
            assert_eq!(resolved(p).unwrap(), ["constellation[0].orbit.total"], "{p}");
        }
        assert_eq!(
            resolved("constellation.*.orbit.total").unwrap(),
            ["constellation[0].orbit.total", "constellation[1].orbit.total"]
        );
        assert_eq!(resolved("constellation[*].name").unwrap().len(), 2);
    }

    #[test]
    fn errors_name_the_path_and_what_is_there() {
        let e = resolved("constellation.relay.orbit.total").unwrap_err();
        assert!(e.contains("no element of `constellation` is named `relay`"), "{e}");
        assert!(e.contains("`tracking`, `warning`"), "{e}");
        let e = resolved("constellation[5].orbit").unwrap_err();
        assert!(e.contains("index 5 is past the end of `constellation` (2 elements: 0..=1)"), "{e}");
        let e = resolved("duration_s.x").unwrap_err();
        assert!(
            e.contains("`duration_s` is an integer, not a table or array, so `x` selects nothing"),
            "{e}"
        );
        let e = resolved("duration_s[0]").unwrap_err();
        assert!(e.contains("so `[0]` selects nothing"), "{e}");
        let e = resolved("constellation[0][1]").unwrap_err();
        assert!(e.contains("needs an array, but `constellation[0]` is a table"), "{e}");
        let e = resolved("launch.*.time_s").unwrap_err();
        assert!(e.contains("`launch` is not in the scenario"), "{e}");
        for bad in ["", ".a", "a.", "a..b", "a[", "a]", "[0]", "a.[0]", "a[]"] {
            assert!(ParamPath::parse(bad).is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn set_replaces_and_adds() {
        let mut d = doc();
        let p = ParamPath::parse("constellation.warning.orbit.total").unwrap();
        let c = p.resolve(&d).unwrap();
        set(&mut d, &c[0], Value::Integer(6)).unwrap();
        assert_eq!(d["constellation"][1]["orbit"]["total"].as_integer(), Some(6));
        // A field left at its default, and a missing table on the way, are added.
        let p = ParamPath::parse("sensor.noise.sigma_rad").unwrap();
        let c = p.resolve(&d).unwrap();
        assert_eq!(c[0].to_string(), "sensor.noise.sigma_rad");
        set(&mut d, &c[0], Value::Float(1e-5)).unwrap();
        assert_eq!(get(&d, &c[0]).and_then(Value::as_float), Some(1e-5));
    }
}
