//! The scenario file, format version 1 (TOML; every table refuses unknown fields).
//!
//! The reference of every field is `docs/scenario.md`. Each section has its own file
//! here so that the crate that owns a model can swap in its config type and validation
//! with a small diff:
//!
//! | section | file | owner |
//! | --- | --- | --- |
//! | top level | this file | sim |
//! | `[[constellation]]`, `[constellation.orbit]` | [`constellation`] | orbit |
//! | `[[constellation.payload]]` | [`payload`] | sensor |
//! | `[[missile]]`, catalogue names | [`missile`] | threat |
//! | `[[launch]]` | [`launch`] | threat |
//! | `[[launch_group]]` | [`launch_group`] | sim |
//! | `[tracker]` | [`tracker`] | track |
//! | `[[weapon]]` | [`weapon`] | engage |
//! | `[fire_control]` | [`fire_control`] | engage |
//! | `[output]` | [`output`] | sim |
//!
//! Reading a scenario is two steps: [`parse`] (TOML -> [`Scenario`], syntax and type
//! errors) and [`prepare`] (validation of every field, satellites built, time grid) ->
//! [`Prepared`], which the run uses. Both report every problem they find as a
//! [`ScenarioError`] whose lines read `file:line:column: path = value: must be ...`.

pub mod constellation;
pub mod fire_control;
pub mod launch;
pub mod launch_group;
pub mod missile;
pub mod output;
pub mod payload;
pub mod tracker;
pub mod weapon;

pub use constellation::ConstellationConfig;
pub use fire_control::FireControlSettings;
pub use launch::{LaunchConfig, TrajectoryShape};
pub use launch_group::LaunchGroupConfig;
pub use missile::MissileConfig;
pub use output::OutputConfig;
pub use payload::{PayloadConfig, PayloadKind};
pub use tracker::TrackerConfig;
pub use weapon::WeaponConfig;

use crate::diag::{Diagnostic, ScenarioError, SpanIndex};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use tl_core::check::{FieldError, fmt_f64, in_range, positive};
use tl_core::frames::EarthRotation;
use tl_core::time::{Epoch, parse_epoch};
use tl_orbit::{BuildContext, Satellite};

/// The only scenario format version so far.
pub const FORMAT_VERSION: u32 = 1;
/// Longest run, s (31 days).
pub const MAX_DURATION_S: f64 = 31.0 * 86_400.0;
/// Most time samples in one run.
pub const MAX_STEPS: u64 = 10_000_000;
/// Largest seed (TOML integers are signed 64-bit).
pub const MAX_SEED: u64 = i64::MAX as u64;

/// A scenario, as written in its TOML file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Format version: must be 1.
    pub version: u32,
    /// Short name: letters, digits, `-`, `_`, `.` (the default output folder is
    /// `runs/<name>`).
    pub name: String,
    /// What the scenario shows.
    #[serde(default)]
    pub description: String,
    /// Start of the run (t_s = 0): ISO 8601 UTC, e.g. `"2026-03-01T12:00:00Z"` (a
    /// string, or a bare TOML date-time).
    #[serde(deserialize_with = "epoch_text")]
    pub epoch: String,
    /// Run length, s: > 0, at most 31 days.
    pub duration_s: f64,
    /// Time step, s: > 0, at most `duration_s`.
    pub step_s: f64,
    /// UT1 - UTC, s, within -0.9..=0.9 (default 0): sets Earth's rotation angle.
    #[serde(default)]
    pub dut1_s: f64,
    /// Master random seed (default 0); `tracklayer run --seed` overrides it.
    #[serde(default)]
    pub seed: u64,
    /// Satellite constellations (at least one).
    #[serde(default, rename = "constellation")]
    pub constellations: Vec<ConstellationConfig>,
    /// Missile types defined in this file (besides the catalogue).
    #[serde(default, rename = "missile", skip_serializing_if = "Vec::is_empty")]
    pub missiles: Vec<MissileConfig>,
    /// Launches. After [`prepare`], the members of `launch_groups` follow the written
    /// ones (see `generated_launches`).
    #[serde(default, rename = "launch", skip_serializing_if = "Vec::is_empty")]
    pub launches: Vec<LaunchConfig>,
    /// Groups of launches placed by a seeded draw ([`launch_group`]).
    #[serde(default, rename = "launch_group", skip_serializing_if = "Vec::is_empty")]
    pub launch_groups: Vec<LaunchGroupConfig>,
    /// How many launches at the end of `launches` [`prepare`] generated from
    /// `launch_groups` (0 in a parsed scenario). [`Scenario::to_toml`] leaves them out,
    /// so the text re-expands to the same launches.
    #[serde(skip)]
    pub generated_launches: usize,
    /// Tracker settings.
    #[serde(default)]
    pub tracker: TrackerConfig,
    /// Weapon layers.
    #[serde(default, rename = "weapon", skip_serializing_if = "Vec::is_empty")]
    pub weapons: Vec<WeaponConfig>,
    /// Fire-control settings (used when there are weapons; left out of a run folder's
    /// `scenario.toml` when every field has its default).
    #[serde(default, skip_serializing_if = "FireControlSettings::is_default")]
    pub fire_control: FireControlSettings,
    /// Output settings.
    #[serde(default)]
    pub output: OutputConfig,
}

/// Accept the epoch as a string or as a TOML date-time (`epoch = 2026-03-01T12:00:00Z`).
fn epoch_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = String;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an ISO 8601 UTC time such as \"2026-03-01T12:00:00Z\"")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<String, A::Error> {
            let dt = toml::value::Datetime::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
            Ok(dt.to_string())
        }
    }
    d.deserialize_any(V)
}

impl Scenario {
    /// The scenario as TOML text (what a run folder's `scenario.toml` holds). Launches
    /// generated from `[[launch_group]]`s are left out (the groups are written).
    pub fn to_toml(&self) -> String {
        if self.generated_launches == 0 {
            return toml::to_string_pretty(self).expect("a validated scenario serialises");
        }
        let mut s = self.clone();
        let keep = s.launches.len().saturating_sub(s.generated_launches);
        s.launches.truncate(keep);
        s.generated_launches = 0;
        toml::to_string_pretty(&s).expect("a validated scenario serialises")
    }
}

/// Where a scenario's text came from: used in messages and to resolve relative file
/// paths (TLE/OMM files).
#[derive(Clone, Debug)]
pub struct Source {
    /// The name shown in messages: the path as given, or `builtin:<name>`.
    pub display: String,
    /// The folder relative paths are resolved against (None for built-in scenarios,
    /// which cannot reference files).
    pub base_dir: Option<PathBuf>,
    /// The TOML text.
    pub text: String,
}

impl Source {
    /// Read a scenario file.
    pub fn from_file(path: &Path) -> Result<Self, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
            file: path.display().to_string(),
            diagnostics: vec![Diagnostic {
                line: 0,
                column: 0,
                path: String::new(),
                message: format!("cannot read the scenario file: {e}"),
            }],
        })?;
        let base_dir = Some(path.parent().map(Path::to_path_buf).unwrap_or_default());
        Ok(Self { display: path.display().to_string(), base_dir, text })
    }

    /// A built-in scenario's text.
    pub fn builtin(name: &str, text: &str) -> Self {
        Self { display: format!("builtin:{name}"), base_dir: None, text: text.to_string() }
    }
}

/// Field problems collected during validation, each with its full dotted path.
#[derive(Debug, Default)]
pub struct Problems {
    errors: Vec<FieldError>,
}

impl Problems {
    /// Record an error whose `field` is already a full path.
    pub fn add(&mut self, e: FieldError) {
        self.errors.push(e);
    }

    /// Record `path = value: must be allowed`.
    pub fn push(&mut self, path: &str, value: impl Into<String>, allowed: impl Into<String>) {
        self.errors.push(FieldError::new(path, value, allowed));
    }

    /// Record the error of a check made with a path relative to `prefix`; return the
    /// value when it passed.
    pub fn check<T>(&mut self, prefix: &str, r: Result<T, FieldError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.errors.push(if prefix.is_empty() { e } else { e.within(prefix) });
                None
            }
        }
    }

    /// Check a name: non-empty, at most 64 characters of letters, digits, `-`, `_`, `.`.
    pub fn name(&mut self, path: &str, name: &str) {
        let ok = !name.is_empty()
            && name.len() <= 64
            && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !ok {
            self.push(path, format!("{name:?}"), "1 to 64 letters, digits, '-', '_' or '.'");
        }
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }
}

/// One satellite of the run, with where it came from.
#[derive(Clone, Debug)]
pub struct SatelliteEntry {
    /// The satellite and its propagator.
    pub sat: Satellite,
    /// Index of its constellation in [`Scenario::constellations`].
    pub constellation: usize,
}

/// A validated scenario, ready to run.
#[derive(Clone, Debug)]
pub struct Prepared {
    /// The scenario (with any command-line overrides applied).
    pub scenario: Scenario,
    /// Where it came from.
    pub source_display: String,
    /// The epoch (t_s = 0).
    pub epoch: Epoch,
    /// Earth rotation for the run (ECI <-> ECEF).
    pub earth: EarthRotation,
    /// Number of time samples: t_k = k step_s for k = 0..steps (the last one is
    /// duration_s when it is a multiple of step_s).
    pub steps: u64,
    /// All satellites, constellations in scenario order; the index is the `sat_id`.
    pub satellites: Vec<SatelliteEntry>,
    /// Files the scenario referenced, as (path as written, contents), in the order read.
    pub input_files: Vec<(String, String)>,
    /// The solved, sampled flight of every `[[launch]]`, in scenario order.
    pub flights: Vec<tl_threat::Flight>,
}

impl Prepared {
    /// Time of sample `k`, s since the epoch.
    pub fn t_s(&self, k: u64) -> f64 {
        k as f64 * self.scenario.step_s
    }
}

/// Parse scenario text into a [`Scenario`] (syntax, types, unknown fields).
pub fn parse(source: &Source) -> Result<Scenario, ScenarioError> {
    toml::from_str::<Scenario>(&source.text).map_err(|e| {
        let index = SpanIndex::new(&source.text);
        ScenarioError { file: source.display.clone(), diagnostics: vec![index.toml_error(&e)] }
    })
}

/// Number of time samples for a duration and step (0 when either is invalid).
pub fn step_count(duration_s: f64, step_s: f64) -> u64 {
    if !(duration_s > 0.0 && step_s > 0.0 && duration_s.is_finite() && step_s.is_finite()) {
        return 0;
    }
    // A tolerance of 1e-9 steps so that 10 / 0.1 gives 100 intervals, not 99.
    let n = (duration_s / step_s + 1e-9).floor();
    if n > MAX_STEPS as f64 { u64::MAX } else { n as u64 + 1 }
}

/// Validate a parsed scenario and build what the run needs. `source` gives the text for
/// line/column positions and the folder for relative file paths. Every problem found is
/// reported (not just the first).
pub fn prepare(mut scenario: Scenario, source: &Source) -> Result<Prepared, ScenarioError> {
    // A scenario prepared before carries its groups' members: drop them, they are
    // generated again below.
    let keep = scenario.launches.len().saturating_sub(scenario.generated_launches);
    scenario.launches.truncate(keep);
    scenario.generated_launches = 0;
    let mut p = Problems::default();
    let s = &scenario;
    if s.version != FORMAT_VERSION {
        p.push("version", s.version.to_string(), "1 (the only scenario format version so far)");
    }
    p.name("name", &s.name);
    let epoch = match parse_epoch(&s.epoch) {
        Ok(e) => Some(e),
        Err(_) => {
            p.push(
                "epoch",
                format!("{:?}", s.epoch),
                "an ISO 8601 UTC time such as \"2026-03-01T12:00:00Z\"",
            );
            None
        }
    };
    let duration_ok = s.duration_s.is_finite() && s.duration_s > 0.0 && s.duration_s <= MAX_DURATION_S;
    if !duration_ok {
        p.push(
            "duration_s",
            fmt_f64(s.duration_s),
            format!("a finite number > 0 and at most {} (31 days)", fmt_f64(MAX_DURATION_S)),
        );
    }
    let step_ok = p.check("", positive("step_s", s.step_s)).is_some();
    let mut steps = 0;
    if duration_ok && step_ok {
        if s.step_s > s.duration_s {
            p.push("step_s", fmt_f64(s.step_s), format!("at most duration_s = {}", fmt_f64(s.duration_s)));
        } else {
            steps = step_count(s.duration_s, s.step_s);
            if steps > MAX_STEPS {
                p.push(
                    "step_s",
                    fmt_f64(s.step_s),
                    format!("large enough for at most {MAX_STEPS} steps over duration_s (a coarser step or a shorter run)"),
                );
            }
        }
    }
    p.check("", in_range("dut1_s", s.dut1_s, -0.9, 0.9));
    if s.seed > MAX_SEED {
        p.push("seed", s.seed.to_string(), format!("within 0..={MAX_SEED}"));
    }

    // Constellations and their satellites.
    let read: RefCell<Vec<(String, String)>> = RefCell::new(Vec::new());
    let read_file = |rel: &str| -> Result<String, String> {
        let Some(base) = &source.base_dir else {
            return Err("a built-in scenario cannot reference files; copy it to a file first".into());
        };
        let path = base.join(rel);
        let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
        read.borrow_mut().push((rel.to_string(), text.clone()));
        Ok(text)
    };
    let mut satellites = Vec::new();
    if s.constellations.is_empty() {
        p.push("constellation", "[]", "at least one [[constellation]]");
    }
    let dut1 = if s.dut1_s.is_finite() { s.dut1_s.clamp(-0.9, 0.9) } else { 0.0 };
    let earth = epoch.map(|e| EarthRotation::new(e, dut1));
    for (i, c) in s.constellations.iter().enumerate() {
        p.name(&format!("constellation[{i}].name"), &c.name);
        if s.constellations[..i].iter().any(|d| d.name == c.name) {
            p.push(
                &format!("constellation[{i}].name"),
                format!("{:?}", c.name),
                "unique among constellations",
            );
        }
        payload::validate(&c.payload, &format!("constellation[{i}]"), &mut p);
        // Building needs a valid epoch; with an invalid duration, build for t = 0 only
        // so that orbit problems are still reported.
        if let (Some(epoch), Some(earth)) = (epoch, earth) {
            let ctx = BuildContext {
                epoch,
                gmst0_rad: earth.gmst_rad(0.0),
                earth_rate_rad_s: earth.rate_rad_s(),
                span_s: (0.0, if duration_ok { s.duration_s } else { 0.0 }),
                name_prefix: &c.name,
                read_file: &read_file,
            };
            for sat in constellation::build(c, i, &ctx, &mut p) {
                satellites.push(SatelliteEntry { sat, constellation: i });
            }
        }
    }
    if satellites.len() > u32::MAX as usize {
        p.push("constellation", satellites.len().to_string(), "at most 4294967295 satellites in all");
    }

    // Threats.
    missile::validate(&s.missiles, &mut p);
    let mut missile_names = missile::catalogue_names();
    missile_names.extend(s.missiles.iter().map(|m| m.name.clone()));
    let run_s = if duration_ok { s.duration_s } else { MAX_DURATION_S };
    // Written launches, then the members of the launch groups (when the groups' own
    // fields are valid); all checked alike, problems addressed to where they were written.
    let written_ids: Vec<String> = s.launches.iter().map(|l| l.id.clone()).collect();
    let mut all_launches = s.launches.clone();
    let mut origins: Vec<launch_group::Origin> =
        (0..s.launches.len()).map(launch_group::Origin::Written).collect();
    let mut gp = Problems::default();
    launch_group::validate(&s.launch_groups, &written_ids, run_s, &mut gp);
    let groups_ok = gp.is_empty();
    p.errors.append(&mut gp.errors);
    if groups_ok {
        for (g, lg) in s.launch_groups.iter().enumerate() {
            for l in lg.expand() {
                origins.push(launch_group::Origin::Group { g, id: l.id.clone() });
                all_launches.push(l);
            }
        }
    }
    let generated_launches = all_launches.len() - s.launches.len();
    launch::validate(&all_launches, &origins, &missile_names, run_s, &mut p);

    // Fly the launches once everything else is valid (reach problems name the launch).
    let flights = match earth {
        Some(earth) if p.is_empty() => launch::fly_all(s, &all_launches, &origins, earth, &mut p),
        _ => Vec::new(),
    };

    tracker::validate(&s.tracker, &mut p);
    let constellation_names: Vec<String> = s.constellations.iter().map(|c| c.name.clone()).collect();
    weapon::validate(&s.weapons, &constellation_names, &mut p);
    fire_control::validate(&s.fire_control, &mut p);
    output::validate(&s.output, steps, &mut p);

    if !p.is_empty() {
        let index = SpanIndex::new(&source.text);
        let mut diagnostics: Vec<Diagnostic> = p.errors.iter().map(|e| index.field_error(e)).collect();
        diagnostics.sort_by_key(|d| (d.line == 0, d.line, d.column));
        return Err(ScenarioError { file: source.display.clone(), diagnostics });
    }
    let (Some(epoch), Some(earth)) = (epoch, earth) else { unreachable!("epoch checked above") };
    let input_files = read.into_inner();
    scenario.launches = all_launches;
    scenario.generated_launches = generated_launches;
    Ok(Prepared {
        scenario,
        source_display: source.display.clone(),
        epoch,
        earth,
        steps,
        satellites,
        input_files,
        flights,
    })
}

/// Parse and validate in one call.
pub fn load(source: &Source) -> Result<Prepared, ScenarioError> {
    prepare(parse(source)?, source)
}
