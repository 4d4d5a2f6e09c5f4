//! `tracklayer serve [RUN_DIR ...] [--port N] [--bind ADDR --token T] [--live SCENARIO [--speed X]]`:
//! the offline globe viewer. Installs the viewer's JavaScript dependencies on first use.

use crate::common::{CliError, CliResult};
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Run folders, or folders of run folders (default: `runs` when it exists).
    pub runs: Vec<PathBuf>,
    /// TCP port (0 picks a free one; the URL is printed).
    #[arg(long, default_value_t = 8765)]
    pub port: u16,
    /// Address to bind. Anything but a loopback address requires --token.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub bind: IpAddr,
    /// Access token (16+ characters from A-Z a-z 0-9 . _ ~ -), required off loopback; open
    /// the printed URL (it carries the token once, then a cookie does).
    #[arg(long)]
    pub token: Option<String>,
    /// The viewer folder (default: the repository's `web/`, or $TRACKLAYER_WEB_DIR).
    #[arg(long)]
    pub web_dir: Option<PathBuf>,
    /// Run this scenario (file or built-in name) and stream it live to the viewer.
    #[arg(long)]
    pub live: Option<String>,
    /// Live playback speed: simulated seconds per wall-clock second (0.1..=10000).
    #[arg(long, default_value_t = 20.0, requires = "live")]
    pub speed: f64,
}

pub fn main(a: Args) -> CliResult {
    let web_dir = a.web_dir.clone().unwrap_or_else(tl_server::default_web_dir);
    tl_server::ensure_web_deps(&web_dir, &mut |m| eprintln!("{m}"))
        .map_err(|e| CliError::Message(e.to_string()))?;
    let mut cfg = tl_server::Config::new(&web_dir);
    cfg.addr = SocketAddr::new(a.bind, a.port);
    cfg.token = a.token.clone();
    let mut paths = a.runs.clone();
    if paths.is_empty() && a.live.is_none() && std::path::Path::new("runs").is_dir() {
        paths.push(PathBuf::from("runs"));
    }
    let runs = tl_server::discover_runs(&paths).map_err(|e| CliError::Message(e.to_string()))?;
    let live = match &a.live {
        Some(scenario) => Some(crate::cmd_serve_live::start(scenario, a.speed)?),
        None => None,
    };
    if runs.is_empty() && live.is_none() {
        return Err(CliError::Message(
            "no runs to show: give run folders (`tracklayer serve runs/NAME`), or --live SCENARIO".into(),
        ));
    }
    let state = tl_server::AppState::new(cfg, runs, live.as_ref().map(|l| l.feed.clone()))
        .map_err(|e| CliError::Message(e.to_string()))?;
    let token = a.token.clone();
    let result = tl_server::serve_blocking(state, |addr| {
        let host = if addr.ip().is_unspecified() { "127.0.0.1".to_string() } else { addr.ip().to_string() };
        let host = if host.contains(':') { format!("[{host}]") } else { host };
        let q = token.as_ref().map(|t| format!("?token={t}")).unwrap_or_default();
        // A closed stdout must not stop the server: write errors are ignored.
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "tracklayer viewer: http://{host}:{}/{q}", addr.port());
        let _ = writeln!(out, "(Ctrl-C to stop)");
        let _ = out.flush();
    });
    if let Some(l) = live {
        l.stop();
    }
    result.map_err(|e| CliError::Message(e.to_string()))?;
    Ok(ExitCode::SUCCESS)
}
