//! `[output]`: table format, which tables, sampling.

use super::Problems;
use serde::{Deserialize, Serialize};
use tl_io::Format;

/// Output settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputConfig {
    /// `parquet` (default) or `csv`; `tracklayer run --format` overrides it.
    #[serde(default)]
    pub format: Format,
    /// Tables to write, by name (see `docs/outputs.md`); all tables when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tables: Option<Vec<String>>,
    /// Write time-sampled tables (`satellites`, `truth`) every N-th step only (default 1:
    /// every step). Event tables (detections, tracks, engagements) are always complete.
    #[serde(default = "one")]
    pub sample_every: u32,
}

fn one() -> u32 {
    1
}

impl Default for OutputConfig {
    fn default() -> Self {
        Self { format: Format::default(), tables: None, sample_every: 1 }
    }
}

impl OutputConfig {
    /// True when table `name` is to be written.
    pub fn wants(&self, name: &str) -> bool {
        self.tables.as_ref().is_none_or(|t| t.iter().any(|n| n == name))
    }
}

/// Check `[output]`; `steps` is the number of time samples of the run.
pub(crate) fn validate(o: &OutputConfig, steps: u64, problems: &mut Problems) {
    if let Some(tables) = &o.tables {
        let known: Vec<&str> = tl_io::tables::ALL.iter().map(|t| t.name.as_ref()).collect();
        for (i, t) in tables.iter().enumerate() {
            if !known.contains(&t.as_str()) {
                problems.push(
                    &format!("output.tables[{i}]"),
                    format!("{t:?}"),
                    format!("one of {}", known.join(", ")),
                );
            } else if tables[..i].contains(t) {
                problems.push(&format!("output.tables[{i}]"), format!("{t:?}"), "listed once");
            }
        }
    }
    if o.sample_every == 0 || u64::from(o.sample_every) > steps.max(1) {
        problems.push(
            "output.sample_every",
            o.sample_every.to_string(),
            format!("within 1..={} (the number of time steps)", steps.max(1)),
        );
    }
}
