//! The study file: parsing, resolution against the base scenario, the trial table's
//! schema and the study hash.
//!
//! ```toml
//! [study]
//! name = "latency-vs-layer-size"      # optional; default: the file name
//! description = "..."                 # optional
//! scenario = "tracking-layer"         # a built-in name, or a path ending in .toml
//!                                     # (relative to this file)
//! trials = 20                         # trials per point
//! seed = 20261126                     # master seed
//! metrics = ["detection.first_latency_s", "tracks.count"]   # dotted paths into summary.json
//! percentiles = [5, 50, 95]           # optional (default 5, 50, 95)
//! confidence = 0.95                   # optional, for the interval on the mean
//!
//! [set]       # fixed values for the whole study, applied first
//! "duration_s" = 1800
//!
//! [sweep]     # the grid: every combination, first parameter varying slowest
//! "constellation.tracking.orbit.total" = "range(8, 300, 4)"
//!
//! [draw]      # drawn afresh for every trial
//! "launch.*.time_s" = "uniform(0, 5400)"
//! ```
//!
//! Keys under `[set]`, `[sweep]` and `[draw]` are parameter paths ([`crate::path`]);
//! quote them (they contain dots). Unquoted dotted keys work too (TOML nests them; they
//! are joined back). Parameters keep the order of the file.
//!
//! **Trials.** With `P` points (the product of the sweep lengths, 1 without sweeps) and
//! `R = trials`, the study has `T = P * R` trials; trial `i` belongs to point `i / R` and
//! is repetition `i % R`. Its seed is [`trial_seed`]`(seed, i)` and each drawn value
//! comes from the stream [`draw_stream`]`(seed, i, parameter path, element)`: both depend
//! on the master seed and the trial index alone, so how a study is split into shards
//! changes nothing in the results.
//!
//! **Hash.** [`Study::hash`] is the SHA-256 of a canonical JSON of everything that
//! determines the trial rows: the tracklayer version, the base scenario document, the
//! trials per point, the master seed, the parameters and the metrics. It is stored with
//! every shard; shards of another hash are refused. Name, description, percentiles and
//! confidence only affect the merge, not the rows, and are not hashed.

use crate::error::{StudyError, line_col};
use crate::expr::{Draw, sweep_values};
use crate::model::{BaseScenario, Model};
use crate::path::{Concrete, ParamPath, set as set_at};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::path::{Path, PathBuf};
use tl_core::rng::{RngStream, derive_key, hash_label};
use tl_io::schema::{Column, ColumnType, TableSchema};
use toml::Value;

/// Most trials one study may have (2^40, about 10^12).
pub const MAX_TRIALS: u64 = 1 << 40;

/// The seed of trial `i` of a study with master seed `master` (63 bits, so it fits a
/// signed 64-bit column and a `--seed` flag unchanged).
///
/// ```
/// use tl_study::spec::trial_seed;
/// assert_eq!(trial_seed(7, 3), trial_seed(7, 3));
/// assert_ne!(trial_seed(7, 3), trial_seed(7, 4));
/// assert!(trial_seed(7, 3) < 1 << 63);
/// ```
pub fn trial_seed(master: u64, trial: u64) -> u64 {
    derive_key(&[master, trial]) >> 1
}

/// The random stream for drawing parameter `path` (as written in the study file) for
/// element `element` of its matches (0 without a wildcard) in trial `trial`. Keyed by
/// the path's text, so adding or reordering parameters does not change other draws.
pub fn draw_stream(master: u64, trial: u64, path: &str, element: u64) -> RngStream {
    RngStream::from_key(derive_key(&[master, trial, element, hash_label("study.draw"), hash_label(path)]))
}

/// Where a parameter is written in the study file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loc {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
}

/// A fixed value from `[set]`.
#[derive(Clone, Debug, PartialEq)]
pub struct SetParam {
    /// The path as written.
    pub path: ParamPath,
    /// Where it is written.
    pub loc: Loc,
    /// The value.
    pub value: Value,
}

/// A swept parameter from `[sweep]`.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepParam {
    /// The path as written.
    pub path: ParamPath,
    /// Where it is written.
    pub loc: Loc,
    /// The value as written (`"range(8, 300, 4)"`, `[1, 2]`).
    pub written: String,
    /// Every value, in order.
    pub values: Vec<Value>,
    /// Column name in the trial and point tables.
    pub column: String,
    /// True when every value is a number (an f64 column); text otherwise.
    pub numeric: bool,
}

/// A drawn parameter from `[draw]`.
#[derive(Clone, Debug, PartialEq)]
pub struct DrawParam {
    /// The path as written.
    pub path: ParamPath,
    /// Where it is written.
    pub loc: Loc,
    /// The distribution.
    pub draw: Draw,
    /// The concrete fields it sets (one per match of a wildcard; resolved on point 0,
    /// and checked to be the same on every point), in canonical form.
    pub targets: Vec<String>,
    /// One column per target.
    pub columns: Vec<String>,
}

/// A metric kept from each trial's summary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetricSpec {
    /// Dotted path into the summary JSON (`detection.first_latency_s`; `a[0].b` for an
    /// array element).
    pub path: String,
    /// Written with a trailing `?`: a summary without it gives NaN instead of failing the
    /// trial (for figures a stage only reports sometimes).
    pub optional: bool,
    /// Column name.
    pub column: String,
}

/// A loaded, resolved study.
#[derive(Clone, Debug)]
pub struct Study {
    /// Name (from the file, or the file name).
    pub name: String,
    /// Free text.
    pub description: String,
    /// The study file (for messages).
    pub file: PathBuf,
    /// The study file's text.
    pub text: String,
    /// The base scenario.
    pub base: BaseScenario,
    /// Trials per point (>= 1).
    pub trials_per_point: u64,
    /// Master seed.
    pub seed: u64,
    /// Metrics, in file order.
    pub metrics: Vec<MetricSpec>,
    /// Fixed values, applied first.
    pub set: Vec<SetParam>,
    /// The grid, first parameter varying slowest.
    pub sweeps: Vec<SweepParam>,
    /// Per-trial draws.
    pub draws: Vec<DrawParam>,
    /// Percentiles reported per point (0..=100).
    pub percentiles: Vec<f64>,
    /// Confidence level of the interval on the mean (0.5..=0.9999).
    pub confidence: f64,
    /// SHA-256 (hex) of what determines the trial rows; see the module docs.
    pub hash: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSerde {
    study: Header,
    #[serde(default)]
    set: toml::Table,
    #[serde(default)]
    sweep: toml::Table,
    #[serde(default)]
    draw: toml::Table,
}

fn default_percentiles() -> Vec<f64> {
    vec![5.0, 50.0, 95.0]
}

fn default_confidence() -> f64 {
    0.95
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: String,
    scenario: String,
    trials: u64,
    seed: u64,
    metrics: Vec<String>,
    #[serde(default = "default_percentiles")]
    percentiles: Vec<f64>,
    #[serde(default = "default_confidence")]
    confidence: f64,
}

/// A lower-case `[a-z0-9_]` column name for a path (`constellation[0].orbit.total` ->
/// `constellation_0_orbit_total`).
pub fn column_name(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            s.push(c);
        } else if !s.ends_with('_') {
            s.push('_');
        }
    }
    let s = s.trim_matches('_').to_string();
    if s.is_empty() || s.as_bytes()[0].is_ascii_digit() { format!("c_{s}") } else { s }
}

/// The fixed leading columns of the trial table.
pub const FIXED_COLUMNS: [&str; 6] = ["trial", "point", "rep", "seed", "ok", "error"];

struct Names(Vec<String>);

impl Names {
    fn take(&mut self, want: String) -> String {
        let mut name = want.clone();
        let mut k = 2;
        while self.0.contains(&name) {
            name = format!("{want}_{k}");
            k += 1;
        }
        self.0.push(name.clone());
        name
    }
}

/// One flattened `[set]`/`[sweep]`/`[draw]` entry: path text, byte offset, value.
struct Entry {
    path: String,
    offset: usize,
    value: Value,
}

/// Flatten a parameter table in file order, using the span-carrying parse for order and
/// positions and the plain parse for values.
fn entries(doc: &toml::de::DeTable<'_>, plain: &toml::Table, section: &str) -> Vec<Entry> {
    fn walk(de: &toml::de::DeTable<'_>, plain: &toml::Table, prefix: &str, out: &mut Vec<Entry>, top: bool) {
        let mut items: Vec<_> = de.iter().collect();
        items.sort_by_key(|(k, _)| k.span().start);
        for (k, v) in items {
            let key: &str = k.get_ref();
            let Some(pv) = plain.get(key) else { continue };
            let path = if prefix.is_empty() { key.to_string() } else { format!("{prefix}.{key}") };
            match (v.get_ref(), pv) {
                (toml::de::DeValue::Table(t), Value::Table(pt)) => walk(t, pt, &path, out, false),
                _ => out.push(Entry { path, offset: k.span().start, value: pv.clone() }),
            }
        }
        let _ = top;
    }
    let mut out = Vec::new();
    if let Some(sec) = doc.get(section)
        && let toml::de::DeValue::Table(t) = sec.get_ref()
    {
        walk(t, plain, "", &mut out, true);
    }
    out
}

/// Byte offset of a `[study]` key, for messages.
fn header_offset(doc: &toml::de::DeTable<'_>, key: &str) -> Option<usize> {
    let s = doc.get("study")?;
    match s.get_ref() {
        toml::de::DeValue::Table(t) => t.get(key).map(|v| v.span().start),
        _ => None,
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Float(f) => tl_core::check::fmt_f64(*f),
        other => other.to_string(),
    }
}

impl Study {
    /// Load a study file; the base scenario comes from the model ([`Model::load_base`]).
    /// Checks the file's structure, every parameter path against the base scenario and
    /// every range, but not the values against the scenario's rules: that is
    /// [`Study::preflight`].
    pub fn load<M: Model>(file: &Path, model: &M) -> Result<Study, StudyError> {
        let text = std::fs::read_to_string(file).map_err(|e| StudyError::os(file, e))?;
        let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
        let dir = if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir };
        Study::from_text(file, &text, |spec| model.load_base(spec, &dir), model)
    }

    /// Parse a study from its text, with the base scenario from `load_base` (given the
    /// `scenario` value). Used by [`Study::load`] and to reload a frozen study.
    pub fn from_text<M: Model>(
        file: &Path,
        text: &str,
        load_base: impl FnOnce(&str) -> Result<BaseScenario, String>,
        model: &M,
    ) -> Result<Study, StudyError> {
        let fname = file.display().to_string();
        let at = |offset: usize| {
            let (l, c) = line_col(text, offset);
            format!("{fname}:{l}:{c}")
        };
        let de = toml::de::DeTable::parse(text)
            .map_err(|e| StudyError::Invalid(format!("{fname}: not valid TOML: {e}")))?;
        let de = de.get_ref();
        let f: FileSerde = toml::from_str(text).map_err(|e| {
            let place = e.span().map(|s| at(s.start)).unwrap_or_else(|| fname.clone());
            StudyError::Invalid(format!("{place}: {}", e.message().trim_end()))
        })?;
        let h = f.study;
        let hdr = |key: &str, msg: String| {
            let place = header_offset(de, key).map(at).unwrap_or_else(|| fname.clone());
            StudyError::Invalid(format!("{place}: study.{key}{msg}"))
        };
        if h.trials == 0 || h.trials > 1_000_000_000 {
            return Err(hdr(
                "trials",
                format!(" = {}: must be within 1..=1000000000 (trials per point)", h.trials),
            ));
        }
        if h.metrics.is_empty() {
            return Err(hdr(
                "metrics",
                " = []: name at least one metric (a dotted path into summary.json)".into(),
            ));
        }
        for (i, p) in h.percentiles.iter().enumerate() {
            if !(0.0..=100.0).contains(p) {
                return Err(hdr("percentiles", format!("[{i}] = {p}: must be within 0..=100")));
            }
        }
        if !(0.5..=0.9999).contains(&h.confidence) {
            return Err(hdr("confidence", format!(" = {}: must be within 0.5..=0.9999", h.confidence)));
        }
        let base =
            load_base(&h.scenario).map_err(|m| hdr("scenario", format!(" = {:?}: {m}", h.scenario)))?;
        if !base.doc.is_table() {
            return Err(hdr("scenario", " : the base scenario is not a TOML table".into()));
        }

        let mut names = Names(FIXED_COLUMNS.iter().map(|s| s.to_string()).collect());
        let param_err = |section: &str, e: &Entry, msg: String| {
            StudyError::Invalid(format!("{}: [{section}] \"{}\": {msg}", at(e.offset), e.path))
        };
        let parse_path = |section: &str, e: &Entry| {
            ParamPath::parse(&e.path).map_err(|pe| param_err(section, e, pe.message))
        };

        let mut set = Vec::new();
        for e in entries(de, &f.set, "set") {
            let path = parse_path("set", &e)?;
            let (line, col) = line_col(text, e.offset);
            set.push(SetParam { path, loc: Loc { line, col }, value: e.value });
        }
        let mut sweeps = Vec::new();
        for e in entries(de, &f.sweep, "sweep") {
            let path = parse_path("sweep", &e)?;
            let values = sweep_values(&e.value).map_err(|x| param_err("sweep", &e, x.0))?;
            let numeric = values.iter().all(|v| v.is_integer() || v.is_float());
            let (line, col) = line_col(text, e.offset);
            let column = names.take(column_name(&e.path));
            sweeps.push(SweepParam {
                path,
                loc: Loc { line, col },
                written: e.value.to_string(),
                values,
                column,
                numeric,
            });
        }
        let draw_entries = entries(de, &f.draw, "draw");
        let mut draws = Vec::new();
        for e in &draw_entries {
            let path = parse_path("draw", e)?;
            let draw = Draw::parse(&e.value).map_err(|x| param_err("draw", e, x.0))?;
            let (line, col) = line_col(text, e.offset);
            draws.push(DrawParam {
                path,
                loc: Loc { line, col },
                draw,
                targets: Vec::new(),
                columns: Vec::new(),
            });
        }
        // Every parameter path must be set only once.
        let all_paths: Vec<(&ParamPath, &Loc)> = set
            .iter()
            .map(|p| (&p.path, &p.loc))
            .chain(sweeps.iter().map(|p| (&p.path, &p.loc)))
            .chain(draws.iter().map(|p| (&p.path, &p.loc)))
            .collect();
        for (i, (p, loc)) in all_paths.iter().enumerate() {
            if let Some((_, first)) = all_paths[..i].iter().find(|(q, _)| q.text == p.text) {
                return Err(StudyError::Invalid(format!(
                    "{fname}:{}:{}: parameter `{}` is given twice (first at line {})",
                    loc.line, loc.col, p.text, first.line
                )));
            }
        }

        let mut metrics = Vec::new();
        for written in &h.metrics {
            let (m, optional) = match written.strip_suffix('?') {
                Some(m) => (m.trim_end().to_string(), true),
                None => (written.clone(), false),
            };
            if m.is_empty() {
                return Err(hdr("metrics", ": an empty metric name".into()));
            }
            if metrics.iter().any(|x: &MetricSpec| x.path == m) {
                return Err(hdr("metrics", format!(": `{m}` is listed twice")));
            }
            model.check_metric(&m).map_err(|msg| hdr("metrics", format!(": `{m}`: {msg}")))?;
            metrics.push(MetricSpec { path: m, optional, column: String::new() });
        }

        let name = h.name.clone().unwrap_or_else(|| {
            file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "study".into())
        });
        let mut study = Study {
            name,
            description: h.description.clone(),
            file: file.to_path_buf(),
            text: text.to_string(),
            base,
            trials_per_point: h.trials,
            seed: h.seed,
            metrics,
            set,
            sweeps,
            draws,
            percentiles: h.percentiles.clone(),
            confidence: h.confidence,
            hash: String::new(),
        };
        let points = study.points_checked()?;
        if points.checked_mul(study.trials_per_point).is_none_or(|t| t > MAX_TRIALS) {
            return Err(hdr(
                "trials",
                format!(
                    " = {} with {points} points: more than {MAX_TRIALS} trials in all",
                    study.trials_per_point
                ),
            ));
        }
        // Resolve every path on every point (cheap: documents only), and fix the draw
        // columns from point 0.
        for p in 0..points {
            let doc = study.point_doc(p as usize)?;
            for d in 0..study.draws.len() {
                let targets = study.draw_targets(d, &doc)?;
                let texts: Vec<String> = targets.iter().map(ToString::to_string).collect();
                let dp = &mut study.draws[d];
                if p == 0 {
                    dp.columns = texts.iter().map(|t| names.take(column_name(t))).collect();
                    dp.targets = texts;
                } else if dp.targets != texts {
                    return Err(StudyError::Invalid(format!(
                        "{fname}:{}:{}: [draw] \"{}\" matches {:?} at point 0 but {:?} at point {p}: \
                         a draw must match the same fields on every point",
                        dp.loc.line, dp.loc.col, dp.path.text, dp.targets, texts
                    )));
                }
            }
        }
        for m in &mut study.metrics {
            m.column = names.take(column_name(&m.path));
        }
        study.hash = study.compute_hash();
        Ok(study)
    }

    fn points_checked(&self) -> Result<u64, StudyError> {
        let mut n: u64 = 1;
        for s in &self.sweeps {
            n = n.checked_mul(s.values.len() as u64).filter(|&n| n <= MAX_TRIALS).ok_or_else(|| {
                StudyError::Invalid(format!(
                    "{}:{}:{}: the grid has more than {MAX_TRIALS} points",
                    self.file.display(),
                    s.loc.line,
                    s.loc.col
                ))
            })?;
        }
        Ok(n)
    }

    /// Number of points (product of the sweep lengths).
    pub fn points(&self) -> u64 {
        self.sweeps.iter().map(|s| s.values.len() as u64).product()
    }

    /// Number of trials (points x trials per point).
    pub fn total_trials(&self) -> u64 {
        self.points() * self.trials_per_point
    }

    /// For point `p`, the index of each sweep's value (first sweep varies slowest).
    pub fn point_indices(&self, p: usize) -> Vec<usize> {
        let mut idx = vec![0; self.sweeps.len()];
        let mut rest = p;
        for (j, s) in self.sweeps.iter().enumerate().rev() {
            idx[j] = rest % s.values.len();
            rest /= s.values.len();
        }
        idx
    }

    fn place(&self, loc: &Loc) -> String {
        format!("{}:{}:{}", self.file.display(), loc.line, loc.col)
    }

    /// The scenario document of point `p`: the base, then `[set]`, then the point's
    /// sweep values (draws not applied).
    pub fn point_doc(&self, p: usize) -> Result<Value, StudyError> {
        let mut doc = self.base.doc.clone();
        for s in &self.set {
            self.apply(&mut doc, &s.path, &s.loc, "set", s.value.clone())?;
        }
        for (s, &k) in self.sweeps.iter().zip(&self.point_indices(p)) {
            self.apply(&mut doc, &s.path, &s.loc, "sweep", s.values[k].clone())?;
        }
        Ok(doc)
    }

    fn apply(
        &self,
        doc: &mut Value,
        path: &ParamPath,
        loc: &Loc,
        section: &str,
        v: Value,
    ) -> Result<(), StudyError> {
        let bad = |m: String| {
            StudyError::Invalid(format!(
                "{}: [{section}] \"{}\": {m} (base scenario {})",
                self.place(loc),
                path.text,
                self.base.label
            ))
        };
        for c in path.resolve(doc).map_err(|e| bad(e.message))? {
            set_at(doc, &c, v.clone()).map_err(|e| bad(e.message))?;
        }
        Ok(())
    }

    fn draw_targets(&self, d: usize, doc: &Value) -> Result<Vec<Concrete>, StudyError> {
        let dp = &self.draws[d];
        dp.path.resolve(doc).map_err(|e| {
            StudyError::Invalid(format!(
                "{}: [draw] \"{}\": {} (base scenario {})",
                self.place(&dp.loc),
                dp.path.text,
                e.message,
                self.base.label
            ))
        })
    }

    /// Set the draws of trial `trial` in `doc` (a point document) and return the drawn
    /// values, one per draw column in column order.
    pub fn apply_draws(&self, doc: &mut Value, trial: u64) -> Result<Vec<Value>, StudyError> {
        let mut out = Vec::new();
        for d in 0..self.draws.len() {
            let targets = self.draw_targets(d, doc)?;
            let dp = &self.draws[d];
            for (k, c) in targets.iter().enumerate() {
                let v = dp.draw.sample(&mut draw_stream(self.seed, trial, &dp.path.text, k as u64));
                set_at(doc, c, v.clone()).map_err(|e| StudyError::Invalid(e.message))?;
                out.push(v);
            }
        }
        Ok(out)
    }

    /// Check every point's scenario with the model before any trial runs: each point
    /// with every draw at the low end of its range, then at the high end, then each
    /// choice (passes up to the longest probe list). Errors name the parameter, the
    /// value and the point.
    pub fn preflight<M: Model>(&self, model: &M) -> Result<(), StudyError> {
        let passes = self.draws.iter().map(|d| d.draw.probes().len()).max().unwrap_or(1).max(1);
        for p in 0..self.points() as usize {
            let point = self.point_doc(p)?;
            for pass in 0..passes {
                let mut doc = point.clone();
                let mut drawn: Vec<(usize, Vec<Concrete>, Value)> = Vec::new();
                for d in 0..self.draws.len() {
                    let probes = self.draws[d].draw.probes();
                    let v = probes[pass % probes.len()].clone();
                    let targets = self.draw_targets(d, &doc)?;
                    for c in &targets {
                        set_at(&mut doc, c, v.clone()).map_err(|e| StudyError::Invalid(e.message))?;
                    }
                    drawn.push((d, targets, v));
                }
                if let Err(e) = model.prepare(&doc, &self.base) {
                    return Err(self.explain(p, &drawn, e));
                }
            }
        }
        Ok(())
    }

    /// Turn a scenario error at point `p` into a message naming the parameter behind it.
    fn explain(
        &self,
        p: usize,
        drawn: &[(usize, Vec<Concrete>, Value)],
        e: crate::model::ScenarioError,
    ) -> StudyError {
        let point = self.describe_point(p);
        let hits = |targets: &[String]| {
            e.path.as_deref().is_some_and(|ep| {
                targets
                    .iter()
                    .any(|t| ep == t || ep.starts_with(&format!("{t}.")) || ep.starts_with(&format!("{t}[")))
            })
        };
        for (d, targets, v) in drawn {
            let texts: Vec<String> = targets.iter().map(ToString::to_string).collect();
            if hits(&texts) {
                let dp = &self.draws[*d];
                return StudyError::Invalid(format!(
                    "{}: [draw] \"{}\" = \"{}\" can yield {}, which the scenario refuses{}: {}",
                    self.place(&dp.loc),
                    dp.path.text,
                    dp.draw.canonical(),
                    value_text(v),
                    if point.is_empty() { String::new() } else { format!(" (at point {p}: {point})") },
                    e.message
                ));
            }
        }
        let doc = self.point_doc(p).ok();
        let resolved = |path: &ParamPath| -> Vec<String> {
            doc.as_ref()
                .and_then(|d| path.resolve(d).ok())
                .map(|v| v.iter().map(ToString::to_string).collect())
                .unwrap_or_default()
        };
        let idx = self.point_indices(p);
        for (s, &k) in self.sweeps.iter().zip(&idx) {
            if hits(&resolved(&s.path)) {
                return StudyError::Invalid(format!(
                    "{}: [sweep] \"{}\" value {} (point {p}) is refused by the scenario: {}",
                    self.place(&s.loc),
                    s.path.text,
                    value_text(&s.values[k]),
                    e.message
                ));
            }
        }
        for s in &self.set {
            if hits(&resolved(&s.path)) {
                return StudyError::Invalid(format!(
                    "{}: [set] \"{}\" = {} is refused by the scenario: {}",
                    self.place(&s.loc),
                    s.path.text,
                    value_text(&s.value),
                    e.message
                ));
            }
        }
        StudyError::Invalid(format!(
            "{}: the scenario of point {p}{} is invalid (base scenario {}): {}",
            self.file.display(),
            if point.is_empty() { String::new() } else { format!(" ({point})") },
            self.base.label,
            e.message
        ))
    }

    /// `a = 1, b = "x"` for point `p` (empty without sweeps).
    pub fn describe_point(&self, p: usize) -> String {
        self.sweeps
            .iter()
            .zip(self.point_indices(p))
            .map(|(s, k)| format!("{} = {}", s.path.text, value_text(&s.values[k])))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The canonical JSON the hash is computed from.
    pub fn canonical_json(&self) -> serde_json::Value {
        let tj = |v: &Value| serde_json::to_value(v).unwrap_or(serde_json::Value::Null);
        serde_json::json!({
            "format": "tracklayer-study-1",
            "tracklayer": env!("CARGO_PKG_VERSION"),
            "base": tj(&self.base.doc),
            "trials_per_point": self.trials_per_point,
            "seed": self.seed,
            "metrics": self.metrics.iter().map(|m| if m.optional { format!("{}?", m.path) } else { m.path.clone() }).collect::<Vec<_>>(),
            "set": self.set.iter().map(|s| serde_json::json!([s.path.text, tj(&s.value)])).collect::<Vec<_>>(),
            "sweep": self.sweeps.iter().map(|s| serde_json::json!([s.path.text, s.values.iter().map(tj).collect::<Vec<_>>()])).collect::<Vec<_>>(),
            "draw": self.draws.iter().map(|d| serde_json::json!([d.path.text, d.draw.canonical()])).collect::<Vec<_>>(),
        })
    }

    fn compute_hash(&self) -> String {
        let bytes = serde_json::to_vec(&self.canonical_json()).expect("JSON value serialises");
        let digest = Sha256::digest(&bytes);
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The short form of the hash (16 hex digits) used in messages.
    pub fn short_hash(&self) -> &str {
        &self.hash[..16]
    }

    /// The trial table's schema: `trial, point, rep, seed, ok, error`, then one column
    /// per sweep, one per draw target, one per metric.
    pub fn trial_schema(&self) -> TableSchema {
        let mut cols = vec![
            Column::i64("trial", "", "Trial index in the study (0-based): point * trials + rep."),
            Column::u32("point", "", "Point index (0-based): which combination of the sweep values."),
            Column::u32("rep", "", "Repetition within the point (0-based)."),
            Column::i64("seed", "", "The trial's seed (from the master seed and the trial index alone)."),
            Column::bool("ok", "True when the trial ran; false when it failed (see `error`)."),
            Column::string("error", "Why the trial failed (empty when ok)."),
        ];
        let owned = |name: &str, ty: ColumnType, doc: String, nan: bool| Column {
            name: Cow::Owned(name.to_string()),
            ty,
            unit: Cow::Borrowed(""),
            doc: Cow::Owned(doc),
            non_finite_ok: nan,
        };
        for s in &self.sweeps {
            let ty = if s.numeric { ColumnType::F64 } else { ColumnType::Str };
            cols.push(owned(&s.column, ty, format!("Sweep `{}` = {}.", s.path.text, s.written), false));
        }
        for d in &self.draws {
            let ty = if d.draw.is_numeric() { ColumnType::F64 } else { ColumnType::Str };
            for (c, t) in d.columns.iter().zip(&d.targets) {
                cols.push(owned(
                    c,
                    ty,
                    format!("Draw `{t}` from {} ({}).", d.draw.canonical(), d.path.text),
                    false,
                ));
            }
        }
        for m in &self.metrics {
            cols.push(owned(
                &m.column,
                ColumnType::F64,
                format!(
                    "Metric `{}` from the trial's summary (NaN when null{} or the trial failed).",
                    m.path,
                    if m.optional { " or absent" } else { "" }
                ),
                true,
            ));
        }
        TableSchema::owned("trials", format!("One row per trial of study `{}`.", self.name), cols)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ScenarioError;
    use crate::testing::ToyModel;

    fn study(text: &str) -> Result<Study, StudyError> {
        Study::from_text(
            Path::new("s.toml"),
            text,
            |spec| ToyModel.load_base(spec, Path::new(".")),
            &ToyModel,
        )
    }

    const OK: &str = r#"
[study]
scenario = "toy"
trials = 3
seed = 11
metrics = ["y", "detail.z"]

[set]
"noise" = 0.5

[sweep]
"layer.tracking.count" = [8, 16]
"k" = "range(1, 3, 1)"

[draw]
"launch.*.time_s" = "uniform(0, 100)"
"#;

    #[test]
    fn loads_in_file_order_with_columns() {
        let s = study(OK).unwrap();
        assert_eq!(s.points(), 6);
        assert_eq!(s.total_trials(), 18);
        assert_eq!(s.sweeps[0].path.text, "layer.tracking.count");
        assert_eq!(s.sweeps[1].values.len(), 3);
        assert_eq!(s.draws[0].targets, ["launch[0].time_s", "launch[1].time_s"]);
        let names: Vec<String> = s.trial_schema().columns.iter().map(|c| c.name.to_string()).collect();
        assert_eq!(
            names,
            [
                "trial",
                "point",
                "rep",
                "seed",
                "ok",
                "error",
                "layer_tracking_count",
                "k",
                "launch_0_time_s",
                "launch_1_time_s",
                "y",
                "detail_z"
            ]
        );
        assert!(s.trial_schema().check().is_ok());
        // First sweep varies slowest.
        assert_eq!(s.point_indices(0), [0, 0]);
        assert_eq!(s.point_indices(2), [0, 2]);
        assert_eq!(s.point_indices(3), [1, 0]);
        let d = s.point_doc(4).unwrap();
        assert_eq!(d["layer"][0]["count"].as_integer(), Some(16));
        assert_eq!(d["k"].as_integer(), Some(2));
        assert_eq!(d["noise"].as_float(), Some(0.5));
        s.preflight(&ToyModel).unwrap();
    }

    #[test]
    fn hash_covers_rows_not_presentation() {
        let a = study(OK).unwrap();
        let b = study(&OK.replace("trials = 3", "trials = 3\npercentiles = [10, 90]\nname = \"x\"")).unwrap();
        assert_eq!(a.hash, b.hash);
        for change in
            [("seed = 11", "seed = 12"), ("[8, 16]", "[8, 17]"), ("uniform(0, 100)", "uniform(0, 101)")]
        {
            let c = study(&OK.replace(change.0, change.1)).unwrap();
            assert_ne!(a.hash, c.hash, "{change:?}");
        }
        assert_eq!(a.hash.len(), 64);
    }

    #[test]
    fn dotted_unquoted_keys_work_too() {
        let s = study(&OK.replace("\"layer.tracking.count\" = [8, 16]", "layer.tracking.count = [8, 16]"))
            .unwrap();
        assert_eq!(s.sweeps[0].path.text, "layer.tracking.count");
    }

    fn err(text: &str) -> String {
        study(text).unwrap_err().to_string()
    }

    #[test]
    fn bad_files_say_where_and_what() {
        let e = err(&OK.replace("\"k\" = \"range(1, 3, 1)\"", "\"k\" = \"range(3, 1, 1)\""));
        assert!(e.starts_with("s.toml:13:1: [sweep] \"k\": `range(3, 1, 1)`: empty range"), "{e}");
        let e = err(&OK.replace("\"layer.tracking.count\"", "\"layer.relay.count\""));
        assert!(e.contains("s.toml:12:1: [sweep] \"layer.relay.count\""), "{e}");
        assert!(e.contains("no element of `layer` is named `relay` (names there: `tracking`)"), "{e}");
        let e = err(&OK.replace("uniform(0, 100)", "uniform(100, 0)"));
        assert!(e.contains("[draw] \"launch.*.time_s\": `uniform(100, 0)`: empty range"), "{e}");
        let e = err(&OK.replace("trials = 3", "trials = 0"));
        assert!(e.starts_with("s.toml:4:10: study.trials = 0: must be within"), "{e}");
        let e = err(&OK.replace("trials = 3", "trials = 3\ncolour = 1"));
        assert!(e.contains("unknown field `colour`"), "{e}");
        assert!(e.starts_with("s.toml:5:1"), "{e}");
        let e = err(&OK.replace("\"noise\" = 0.5", "\"noise\" = 0.5\n\"k\" = 1"));
        assert!(e.contains("parameter `k` is given twice"), "{e}");
        let e = err(&OK.replace("scenario = \"toy\"", "scenario = \"nope\""));
        assert!(e.contains("study.scenario = \"nope\": unknown"), "{e}");
        let e = err(&OK.replace("[\"y\", \"detail.z\"]", "[]"));
        assert!(e.contains("study.metrics = []"), "{e}");
    }

    #[test]
    fn values_the_scenario_refuses_are_found_before_running() {
        // A sweep value out of range.
        let s = study(&OK.replace("[8, 16]", "[8, -1]")).unwrap();
        let e = s.preflight(&ToyModel).unwrap_err().to_string();
        assert!(e.starts_with("s.toml:12:1: [sweep] \"layer.tracking.count\" value -1 (point 3)"), "{e}");
        assert!(e.contains("layer[0].count = -1: must be"), "{e}");
        // A draw whose range reaches invalid values.
        let s = study(&OK.replace("uniform(0, 100)", "uniform(-5, 100)")).unwrap();
        let e = s.preflight(&ToyModel).unwrap_err().to_string();
        assert!(e.contains("[draw] \"launch.*.time_s\" = \"uniform(-5.0, 100.0)\" can yield -5"), "{e}");
        assert!(e.contains("launch[0].time_s = -5"), "{e}");
        // A field that is not in the scenario schema.
        let s = study(&OK.replace("\"noise\" = 0.5", "\"nosie\" = 0.5")).unwrap();
        let e = s.preflight(&ToyModel).unwrap_err().to_string();
        assert!(e.contains("[set] \"nosie\" = 0.5 is refused by the scenario: unknown field `nosie`"), "{e}");
    }

    #[test]
    fn seeds_and_draws_depend_on_master_seed_and_trial_only() {
        let s = study(OK).unwrap();
        let mut d1 = s.point_doc(1).unwrap();
        let mut d2 = s.point_doc(1).unwrap();
        assert_eq!(s.apply_draws(&mut d1, 4).unwrap(), s.apply_draws(&mut d2, 4).unwrap());
        let mut d3 = s.point_doc(1).unwrap();
        assert_ne!(s.apply_draws(&mut d1, 4).unwrap(), s.apply_draws(&mut d3, 5).unwrap());
        // Different elements of a wildcard get independent draws.
        let v = s.apply_draws(&mut d1, 4).unwrap();
        assert_ne!(v[0], v[1]);
        let _ = ScenarioError::new("x");
    }
}
