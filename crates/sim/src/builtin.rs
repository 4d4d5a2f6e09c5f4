//! Built-in scenarios: the files under `scenarios/` at the repository root, compiled
//! into the program. Add one by adding its file there and a line to [`BUILTINS`].

use crate::scenario::Source;

/// A built-in scenario.
#[derive(Clone, Copy, Debug)]
pub struct Builtin {
    /// Name (`tracklayer run NAME`), equal to the scenario's `name` field.
    pub name: &'static str,
    /// The TOML text.
    pub text: &'static str,
}

impl Builtin {
    /// The scenario as a [`Source`] for parsing.
    pub fn source(&self) -> Source {
        Source::builtin(self.name, self.text)
    }

    /// The scenario's `description` field (empty when absent or unparsable).
    pub fn description(&self) -> String {
        toml::from_str::<toml::Table>(self.text)
            .ok()
            .and_then(|t| t.get("description").and_then(|d| d.as_str()).map(str::to_string))
            .unwrap_or_default()
    }
}

/// Every built-in scenario, the default first.
pub const BUILTINS: &[Builtin] = &[
    Builtin { name: "tranche1-demo", text: include_str!("../../../scenarios/tranche1-demo.toml") },
    Builtin { name: "tranche0-quick", text: include_str!("../../../scenarios/tranche0-quick.toml") },
    Builtin { name: "tranche1-ath", text: include_str!("../../../scenarios/tranche1-ath.toml") },
    Builtin { name: "boost-defence-demo", text: include_str!("../../../scenarios/boost-defence-demo.toml") },
    Builtin { name: "raid-100", text: include_str!("../../../scenarios/raid-100.toml") },
    Builtin { name: "raid-1000", text: include_str!("../../../scenarios/raid-1000.toml") },
];

/// The scenario `tracklayer run` uses when none is given.
pub const DEFAULT: &str = "tranche1-demo";

/// The built-in scenario called `name`.
pub fn get(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.name == name)
}

/// Names of all built-in scenarios.
pub fn names() -> Vec<&'static str> {
    BUILTINS.iter().map(|b| b.name).collect()
}
