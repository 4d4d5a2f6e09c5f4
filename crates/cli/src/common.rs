//! Helpers shared by the subcommands: errors, finding a scenario by file or name.

use std::path::Path;
use std::process::ExitCode;
use tl_sim::builtin;
use tl_sim::diag::ScenarioError;
use tl_sim::scenario::Source;

/// A failure to report on stderr as `error: ...` lines.
#[derive(Debug)]
pub enum CliError {
    /// One message.
    Message(String),
    /// Scenario problems, one line each.
    Scenario(ScenarioError),
    /// Interrupted by the user.
    Cancelled(String),
}

impl CliError {
    pub fn print(&self) {
        match self {
            CliError::Message(m) | CliError::Cancelled(m) => eprintln!("error: {m}"),
            CliError::Scenario(e) => {
                for line in e.to_string().lines() {
                    eprintln!("error: {line}");
                }
                let n = e.diagnostics.len();
                eprintln!("error: {} has {n} problem{}", e.file, if n == 1 { "" } else { "s" });
            }
        }
    }

    pub fn exit_code(&self) -> ExitCode {
        match self {
            CliError::Cancelled(_) => ExitCode::from(130),
            _ => ExitCode::from(1),
        }
    }
}

impl From<ScenarioError> for CliError {
    fn from(e: ScenarioError) -> Self {
        CliError::Scenario(e)
    }
}

impl From<String> for CliError {
    fn from(m: String) -> Self {
        CliError::Message(m)
    }
}

impl From<tl_io::IoError> for CliError {
    fn from(e: tl_io::IoError) -> Self {
        CliError::Message(e.to_string())
    }
}

pub type CliResult = Result<ExitCode, CliError>;

/// The scenario named on the command line: a file path, a built-in name (or
/// `builtin:NAME`), or the default built-in when absent.
pub fn scenario_source(arg: Option<&str>) -> Result<Source, CliError> {
    let Some(arg) = arg else {
        let b = builtin::get(builtin::DEFAULT).expect("the default built-in exists");
        return Ok(b.source());
    };
    if let Some(name) = arg.strip_prefix("builtin:") {
        return builtin::get(name).map(|b| b.source()).ok_or_else(|| unknown(arg));
    }
    let path = Path::new(arg);
    if path.exists() {
        return Ok(Source::from_file(path)?);
    }
    if let Some(b) = builtin::get(arg) {
        return Ok(b.source());
    }
    Err(unknown(arg))
}

fn unknown(arg: &str) -> CliError {
    CliError::Message(format!(
        "{arg}: no such scenario file, and no built-in scenario of that name (built-ins: {}; \
         `tracklayer scenarios` lists them)",
        builtin::names().join(", ")
    ))
}

/// Report a panic (a bug) as one `error:` line instead of a backtrace.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        let at = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        eprintln!("error: internal error (a bug in tracklayer, please report it): {msg}{at}");
    }));
}
