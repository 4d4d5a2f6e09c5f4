//! `tracklayer track`: the tracker on its own, on a detection file or on Cartesian
//! position measurements (the peer benchmark's `measurements.csv`).
//!
//! Output folder (written to a temporary folder and renamed into place):
//! * `tracks.csv`: cartesian mode: the peer's columns
//!   (`time,track_id,x,y,z,vx,vy,vz,is_update`); detections mode: one row per reported
//!   track state with products;
//! * `result.json`: counts, timing of the tracking loop, and scores when `--truth` is
//!   given (cartesian mode: OSPA per scan in `ospa.csv` and its mean).

use crate::common::{CliError, CliResult};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;
use tl_core::detection::{Background, Detection};
use tl_core::frames::EarthRotation;
use tl_track::cartesian::{
    CartesianTracker, PeerParams, parse_measurements_csv, parse_truth_csv, tracks_csv,
};
use tl_track::config::TrackerConfig;
use tl_track::space::{SpaceTracker, TrackReport};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    /// A detections table (`.parquet` or `.csv`, the `detections` schema).
    Detections,
    /// 3-D position measurements (`time,x,y,z` CSV, e.g. the peer's measurements.csv).
    Cartesian,
}

#[derive(clap::Args)]
pub struct Args {
    /// Input file.
    #[arg(long)]
    input: PathBuf,
    /// Input format.
    #[arg(long, value_enum, default_value = "detections")]
    format: InputFormat,
    /// Tracker configuration: a TOML `[tracker]` section body (`.toml`), or the peer
    /// benchmark's `params.json` (cartesian mode). In cartesian mode a `params.json`
    /// beside the input is used when this is not given.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Truth for scoring (cartesian mode: the peer's truth.csv).
    #[arg(long)]
    truth: Option<PathBuf>,
    /// Output folder.
    #[arg(long)]
    out: PathBuf,
    /// Scenario epoch (ISO 8601 UTC) for Earth rotation in ground products (detections
    /// mode); without it the ECI and ECEF frames coincide at t = 0.
    #[arg(long)]
    epoch: Option<String>,
    /// Run the tracking loop this many times and time the fastest (benchmarking).
    #[arg(long, default_value_t = 1)]
    repeats: usize,
}

fn read_text(p: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(p).map_err(|e| CliError::Message(format!("{}: {e}", p.display())))
}

fn load_config(path: Option<&Path>, input: &Path) -> Result<(TrackerConfig, Option<PeerParams>), CliError> {
    let mut cfg = TrackerConfig::default();
    let mut peer = None;
    let json_beside = input.parent().map(|d| d.join("params.json")).filter(|p| p.is_file());
    let path = path.map(Path::to_path_buf).or(json_beside);
    if let Some(p) = path {
        let text = read_text(&p)?;
        if p.extension().is_some_and(|e| e == "json") {
            let pp = PeerParams::parse(&text, &p.display().to_string())
                .map_err(|e| CliError::Message(e.to_string()))?;
            pp.apply(&mut cfg.cartesian);
            peer = Some(pp);
        } else {
            cfg = toml::from_str(&text).map_err(|e| CliError::Message(format!("{}: {e}", p.display())))?;
        }
    }
    cfg.validate().map_err(|e| CliError::Message(format!("tracker configuration: {e}")))?;
    Ok((cfg, peer))
}

pub fn main(a: Args) -> CliResult {
    if a.repeats == 0 {
        return Err(CliError::Message("--repeats = 0: must be at least 1".into()));
    }
    let (cfg, peer) = load_config(a.config.as_deref(), &a.input)?;
    let dir = tl_io::RunDir::create(&a.out)?;
    let summary = match a.format {
        InputFormat::Cartesian => run_cartesian(&a, &cfg, peer.as_ref(), dir.path())?,
        InputFormat::Detections => run_detections(&a, &cfg, dir.path())?,
    };
    std::fs::write(
        dir.path().join("result.json"),
        serde_json::to_string_pretty(&summary).unwrap_or_default(),
    )
    .map_err(|e| CliError::Message(format!("result.json: {e}")))?;
    tl_io::write_file_atomic(
        &dir.path().join(tl_io::RUN_MARKER),
        serde_json::to_string_pretty(&summary).unwrap_or_default().as_bytes(),
    )?;
    let out = dir.commit()?;
    println!("{summary}");
    eprintln!("wrote {}", out.display());
    Ok(ExitCode::SUCCESS)
}

fn run_cartesian(
    a: &Args,
    cfg: &TrackerConfig,
    peer: Option<&PeerParams>,
    out: &Path,
) -> Result<serde_json::Value, CliError> {
    let name = a.input.display().to_string();
    let input =
        parse_measurements_csv(&read_text(&a.input)?, &name).map_err(|e| CliError::Message(e.to_string()))?;
    for (line, why) in input.rejected.iter().take(10) {
        eprintln!("warning: {name}:{line}: row rejected: {why}");
    }
    let n_meas: usize = input.scans.iter().map(|s| s.1.len()).sum();
    let mut best = f64::INFINITY;
    let mut reports = Vec::new();
    let mut stats = None;
    for _ in 0..a.repeats {
        let mut trk =
            CartesianTracker::new(cfg.cartesian.clone()).map_err(|e| CliError::Message(e.to_string()))?;
        let mut rep = Vec::with_capacity(2 * n_meas);
        let t0 = Instant::now();
        for (t, z) in &input.scans {
            trk.process_scan(*t, z, &mut rep).map_err(|e| CliError::Message(format!("{name}: {e}")))?;
        }
        best = best.min(t0.elapsed().as_secs_f64());
        reports = rep;
        stats = Some(trk.stats);
    }
    std::fs::write(out.join("tracks.csv"), tracks_csv(&reports))
        .map_err(|e| CliError::Message(e.to_string()))?;
    let mut mean_ospa = None;
    if let Some(tp) = &a.truth {
        let truth = parse_truth_csv(&read_text(tp)?, &tp.display().to_string())
            .map_err(|e| CliError::Message(e.to_string()))?;
        let (c, p) = peer.map_or((100.0, 1.0), |pp| (pp.ospa_c, pp.ospa_p));
        let est: Vec<(f64, [f64; 3])> =
            reports.iter().map(|r| (r.t_s, [r.state[0], r.state[1], r.state[2]])).collect();
        let tru: Vec<(f64, [f64; 3])> = truth.iter().map(|(t, _, s)| (*t, [s[0], s[1], s[2]])).collect();
        let series = tl_track::metrics::ospa_series(&est, &tru, c, p);
        let mut csv = String::from("time,ospa\n");
        for (t, v) in &series {
            let _ = writeln!(csv, "{t:?},{v:?}");
        }
        std::fs::write(out.join("ospa.csv"), csv).map_err(|e| CliError::Message(e.to_string()))?;
        mean_ospa = Some(series.iter().map(|s| s.1).sum::<f64>() / series.len().max(1) as f64);
    }
    Ok(serde_json::json!({
        "format": "cartesian",
        "measurements": n_meas,
        "rows_rejected": input.rejected.len(),
        "rows_out_of_order": input.out_of_order_rows,
        "track_seconds": best,
        "meas_per_s": n_meas as f64 / best,
        "mean_ospa": mean_ospa,
        "stats": stats,
    }))
}

fn detections_from_table(path: &Path) -> Result<Vec<Detection>, CliError> {
    let t = tl_io::read_table(path, &tl_io::tables::DETECTIONS)?;
    let f = |n: &str| t.f64(n).map_err(CliError::from);
    let u = |n: &str| t.u32(n).map_err(CliError::from);
    let (tobs, tarr) = (f("t_obs_s")?, f("t_arrival_s")?);
    let (sat, sen, fr) = (u("sat_id")?, u("sensor_id")?, u("frames_used")?);
    let (sx, sy, sz) = (f("sat_pos_eci_x_m")?, f("sat_pos_eci_y_m")?, f("sat_pos_eci_z_m")?);
    let (lx, ly, lz) = (f("los_eci_x")?, f("los_eci_y")?, f("los_eci_z")?);
    let (c11, c12, c22) = (f("cov_11_rad2")?, f("cov_12_rad2")?, f("cov_22_rad2")?);
    let (r1, r2, v1, v2) =
        (f("rate_1_rad_s")?, f("rate_2_rad_s")?, f("rate_var_1_rad2_s2")?, f("rate_var_2_rad2_s2")?);
    let (snr, inten) = (f("snr")?, f("intensity_w_sr")?);
    let bg = t.str("background").map_err(CliError::from)?;
    let mut out = Vec::with_capacity(t.len());
    for i in 0..t.len() {
        out.push(Detection {
            t_obs_s: tobs[i],
            t_arrival_s: tarr[i],
            sat_id: sat[i],
            sensor_id: sen[i],
            sat_pos_eci_m: [sx[i], sy[i], sz[i]],
            los_eci: [lx[i], ly[i], lz[i]],
            cov_rad2: [c11[i], c12[i], c22[i]],
            rate_rad_s: [r1[i], r2[i]],
            rate_var_rad2_s2: [v1[i], v2[i]],
            frames_used: fr[i].min(u16::MAX as u32) as u16,
            snr: snr[i],
            intensity_w_sr: inten[i],
            background: if bg[i] == "space" { Background::Space } else { Background::Earth },
        });
    }
    Ok(out)
}

fn run_detections(a: &Args, cfg: &TrackerConfig, out: &Path) -> Result<serde_json::Value, CliError> {
    if a.truth.is_some() {
        return Err(CliError::Message(
            "--truth with --format detections: scoring against a run's truth table is not supported yet \
             (use the run folder's summary.json)"
                .into(),
        ));
    }
    let earth = match &a.epoch {
        Some(e) => EarthRotation::new(
            tl_core::time::parse_epoch(e).map_err(|m| CliError::Message(format!("--epoch {e:?}: {m}")))?,
            0.0,
        ),
        None => EarthRotation::with_angle(0.0, tl_core::consts::OMEGA_EARTH_RAD_S),
    };
    let mut dets = detections_from_table(&a.input)?;
    // Replay in arrival order (stable: ties keep file order).
    dets.sort_by(|x, y| x.t_arrival_s.total_cmp(&y.t_arrival_s));
    let mut best = f64::INFINITY;
    let mut reports = Vec::new();
    let mut trk_out = None;
    for _ in 0..a.repeats {
        let mut trk =
            SpaceTracker::new(cfg.space.clone(), earth).map_err(|e| CliError::Message(e.to_string()))?;
        let mut rep = Vec::new();
        let t0 = Instant::now();
        for d in &dets {
            trk.push(d);
            trk.advance(d.t_arrival_s, &mut rep);
        }
        trk.flush(&mut rep);
        best = best.min(t0.elapsed().as_secs_f64());
        reports = rep;
        trk_out = Some(trk);
    }
    let trk = trk_out.expect("repeats >= 1");
    for r in trk.rejections.iter().take(10) {
        eprintln!("warning: {}: detection {} rejected: {}", a.input.display(), r.index, r.error);
    }
    std::fs::write(out.join("tracks.csv"), space_tracks_csv(&reports))
        .map_err(|e| CliError::Message(e.to_string()))?;
    Ok(serde_json::json!({
        "format": "detections",
        "detections": dets.len(),
        "track_seconds": best,
        "detections_per_s": dets.len() as f64 / best,
        "tracks_confirmed": trk.stats.tracks_confirmed,
        "stats": trk.stats,
    }))
}

/// CSV of space-tracker reports (one row per reported state).
pub fn space_tracks_csv(reports: &[TrackReport]) -> String {
    let mut s = String::from(
        "t_s,track_id,pos_eci_x_m,pos_eci_y_m,pos_eci_z_m,vel_eci_x_m_s,vel_eci_y_m_s,vel_eci_z_m_s,\
         thrust_m_s2,inv_ballistic_m2_kg,pos_sigma_max_m,p_boost,p_ballistic,p_reentry,n_updates,n_sats,phase,\
         fire_control_quality,class_guess,burnout_s,launch_t_s,launch_lat_deg,launch_lon_deg,impact_t_s,\
         impact_lat_deg,impact_lon_deg,impact_semi_major_2s_m,impact_semi_minor_2s_m,impact_major_azimuth_deg\n",
    );
    let o = |v: Option<f64>| v.map_or(String::from("NaN"), |x| format!("{x:?}"));
    for r in reports {
        let p = &r.products;
        let _ = writeln!(
            s,
            "{:?},{},{:?},{:?},{:?},{:?},{:?},{:?},{:?},{:?},{:?},{:?},{:?},{:?},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            r.t_s,
            r.track_id,
            r.pos_eci_m[0],
            r.pos_eci_m[1],
            r.pos_eci_m[2],
            r.vel_eci_m_s[0],
            r.vel_eci_m_s[1],
            r.vel_eci_m_s[2],
            r.thrust_m_s2,
            r.inv_ballistic_m2_kg,
            p.pos_sigma_max_m,
            r.mode_prob[0],
            r.mode_prob[1],
            r.mode_prob[2],
            r.n_updates,
            r.n_sats,
            p.phase.name(),
            p.fire_control_quality,
            p.class_guess,
            o(p.burnout_s),
            o(p.launch.map(|l| l.t_launch_s)),
            o(p.launch.map(|l| l.lat_deg)),
            o(p.launch.map(|l| l.lon_deg)),
            o(p.impact.map(|i| i.t_impact_s)),
            o(p.impact.map(|i| i.lat_deg)),
            o(p.impact.map(|i| i.lon_deg)),
            o(p.impact.map(|i| i.semi_major_2s_m)),
            o(p.impact.map(|i| i.semi_minor_2s_m)),
            o(p.impact.map(|i| i.major_azimuth_deg)),
        );
    }
    s
}
