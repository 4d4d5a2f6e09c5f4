//! `tracklayer serve --live SCENARIO`: run the simulation in a background thread, paced
//! to `speed` simulated seconds per wall-clock second, streaming CZML batches to the
//! viewer through the server's live feed. The run folder goes to a temporary folder that
//! is removed when the server stops.

use crate::common::{CliError, scenario_source};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tl_sim::run::{RunError, RunOptions, World};
use tl_viz::live::{LiveCzml, LiveEngagement, LiveObject, LiveSatellite, LiveSighting, LiveTrack};

/// The running live simulation.
pub struct Live {
    pub feed: tl_server::LiveFeed,
    cancel: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
    _tmp: tempfile::TempDir,
}

impl Live {
    /// Stop the simulation (if still running) and wait for its thread.
    pub fn stop(mut self) {
        self.cancel.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

pub fn start(scenario: &str, speed: f64) -> Result<Live, CliError> {
    tl_core::check::in_range("--speed", speed, 0.1, 10_000.0)
        .map_err(|e| CliError::Message(e.to_string()))?;
    let source = scenario_source(Some(scenario))?;
    let prepared = tl_sim::scenario::load(&source)?;
    let step_s = prepared.scenario.step_s;
    // About 5 batches per wall-clock second, never finer than a step.
    let spacing_s = (speed / 5.0).max(step_s);
    let builder = LiveCzml::new(
        &prepared.scenario.name,
        prepared.epoch,
        prepared.t_s(prepared.steps.saturating_sub(1)),
        speed,
        spacing_s,
    );
    let feed = tl_server::LiveFeed::with_lag(prepared.scenario.name.clone(), builder.lag_s());
    let tmp = tempfile::tempdir().map_err(|e| CliError::Message(format!("temporary folder: {e}")))?;
    let out = tmp.path().join("run");
    let cancel = Arc::new(AtomicBool::new(false));
    let (feed2, cancel2) = (feed.clone(), cancel.clone());
    let thread = std::thread::spawn(move || {
        feed2.push(LiveCzml::message(0.0, &builder.start()));
        let names: Vec<String> = prepared.satellites.iter().map(|e| e.sat.name.clone()).collect();
        let groups: Vec<String> = prepared
            .satellites
            .iter()
            .map(|e| prepared.scenario.constellations[e.constellation].name.clone())
            .collect();
        let launch_ids: Vec<String> = prepared.scenario.launches.iter().map(|l| l.id.clone()).collect();
        let earth = prepared.earth;
        // A line of sight stays drawn this long after its last detection, s.
        let los_hold_s = (2.0 * step_s).max(2.0);
        let builder = std::sync::Mutex::new(builder);
        let t0 = Instant::now();
        let on_step = |w: &World| {
            let sats: Vec<LiveSatellite> = w
                .satellites
                .iter()
                .enumerate()
                .map(|(i, s)| LiveSatellite {
                    id: i as u32,
                    name: &names[i],
                    group: &groups[i],
                    pos_ecef_m: [s.pos_ecef_m.x, s.pos_ecef_m.y, s.pos_ecef_m.z],
                })
                .collect();
            let phases: Vec<String> = w.objects.iter().map(|o| o.state.phase.name()).collect();
            let objects: Vec<LiveObject> = w
                .objects
                .iter()
                .zip(&phases)
                .map(|(o, phase)| LiveObject {
                    id: o.object_id,
                    launch_id: launch_ids.get(o.launch as usize).map(String::as_str).unwrap_or(""),
                    kind: o.kind.as_str(),
                    phase,
                    pos_ecef_m: [o.state.pos_ecef_m.x, o.state.pos_ecef_m.y, o.state.pos_ecef_m.z],
                })
                .collect();
            let rot = earth.at(w.t_s);
            let track_phases: Vec<String> = w.tracks.iter().map(|t| t.report.products.phase.name()).collect();
            let tracks: Vec<LiveTrack> = w
                .tracks
                .iter()
                .zip(&track_phases)
                .map(|(t, phase)| {
                    let p = rot.pos_to_ecef(&tl_core::Vec3::from(t.report.pos_eci_m));
                    LiveTrack {
                        id: t.report.track_id,
                        phase,
                        pos_ecef_m: [p.x, p.y, p.z],
                        radius_m: 2.0 * t.report.products.pos_sigma_max_m,
                    }
                })
                .collect();
            // Display only: which object each detection came from (the tracker never
            // sees this).
            let seen: Vec<LiveSighting> = w
                .detections
                .iter()
                .zip(&w.detection_truth_ids)
                .filter_map(|(d, &id)| {
                    u32::try_from(id).ok().map(|object_id| LiveSighting { sat_id: d.sat_id, object_id })
                })
                .collect();
            let flyouts: Vec<Vec<(f64, [f64; 3])>> = w
                .engagements
                .iter()
                .map(|e| e.flyout_ecef_m.iter().map(|(t, p)| (*t, [p.x, p.y, p.z])).collect())
                .collect();
            let engagements: Vec<LiveEngagement> = w
                .engagements
                .iter()
                .zip(&flyouts)
                .map(|(e, f)| LiveEngagement {
                    id: e.id,
                    layer: &e.layer,
                    laser: e.laser,
                    carrier_sat_id: e.carrier_sat_id,
                    target_track_id: e.target_track_id,
                    fire_t_s: e.fire_t_s,
                    planned_end_t_s: e.planned_end_t_s,
                    end_t_s: e.end_t_s,
                    outcome: e.outcome,
                    flyout_ecef_m: f,
                })
                .collect();
            let packets = builder
                .lock()
                .map(|mut b| {
                    let mut p = b.satellites(w.t_s, &sats);
                    p.extend(b.objects(w.t_s, &objects));
                    p.extend(b.sightings(w.t_s, &seen, los_hold_s));
                    p.extend(b.tracks(w.t_s, &tracks));
                    p.extend(b.engagements(w.t_s, &engagements));
                    p
                })
                .unwrap_or_default();
            if !packets.is_empty() {
                feed2.push(LiveCzml::message(w.t_s, &packets));
            }
            // Pace: simulated time t_s is due at t_s / speed wall seconds.
            let due = Duration::from_secs_f64(w.t_s / speed);
            while t0.elapsed() < due && !cancel2.load(Ordering::Relaxed) {
                std::thread::sleep((due - t0.elapsed()).min(Duration::from_millis(100)));
            }
        };
        let mut o = RunOptions::new(&out);
        o.threads = Some(1);
        o.cancel = Some(cancel2.clone());
        o.on_step = Some(&on_step);
        match tl_sim::run::run(&prepared, &o) {
            Ok(r) => {
                feed2.finish(&format!("completed: {} steps in {:.1} s", prepared.steps, r.timing.total_s))
            }
            Err(RunError::Cancelled) => feed2.finish("stopped"),
            Err(e) => feed2.finish(&format!("failed: {e}")),
        }
    });
    Ok(Live { feed, cancel, thread: Some(thread), _tmp: tmp })
}
