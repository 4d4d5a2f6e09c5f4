//! Tracker diagnostics on a simulated scenario: runs the scenario (into a scratch run
//! folder), and beside the run's own tracks stage feeds the same detections, in arrival
//! order, to a separate space tracker whose configuration can be changed, then compares
//! its confirmed tracks with truth step by step.
//!
//! Prints NEES (6-dof position/velocity and 3-dof position) by truth phase and object
//! kind, per track, the false tracks, per-object first detection / first confirmed track,
//! and the NIS of the 3-D updates by boost-mode probability. Writes `diag_samples.csv`
//! (one row per associated track sample, with the track's provenance label, the IMM
//! mode probabilities, the altitude, the time since the last update and the estimated
//! and true inverse ballistic coefficients) into the output folder for plotting.
//!
//! ```text
//! cargo run -p tl-sim --example track_diag -- [SCENARIO] [--tracker FILE.toml]
//!     [--seed N] [--out DIR]
//! ```
//! `--tracker` is a TOML `[tracker]` body (the `tracker` table of a scenario); without
//! it the scenario's own tracker configuration is used.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::Write as _;
use std::sync::Mutex;
use tl_core::detection::Detection;
use tl_core::object::{ObjectKind, Phase};
use tl_sim::run::{RunOptions, World, run};
use tl_sim::{builtin, scenario};
use tl_track::config::TrackerConfig;
use tl_track::space::{SpaceTracker, TrackReport, UpdateRecord};

#[derive(Clone, Copy)]
struct TruthRec {
    id: u32,
    launch: u32,
    kind: ObjectKind,
    phase: Phase,
    pos: [f64; 3],
    vel: [f64; 3],
    /// True inverse ballistic coefficient 1/beta, m^2/kg (0 when unknown).
    k_true: f64,
    /// Altitude, m.
    alt_m: f64,
}

struct State {
    trk: SpaceTracker,
    pending: Vec<(Detection, i64)>,
    updates: Vec<TrackReport>,
    /// Per step: (t, confirmed track reports, truth).
    steps: Vec<(f64, Vec<TrackReport>, Vec<TruthRec>)>,
    first_det: BTreeMap<u32, f64>,
    log: Vec<UpdateRecord>,
    n_false_dets: u64,
    /// Truth id of each detection by (satellite, sensor, LOS bits): scoring only.
    det_truth: std::collections::HashMap<(u32, u32, [u64; 3]), i64>,
}

fn det_key(sat: u32, sensor: u32, los: &[f64; 3]) -> (u32, u32, [u64; 3]) {
    (sat, sensor, [los[0].to_bits(), los[1].to_bits(), los[2].to_bits()])
}

fn kind_name(k: ObjectKind) -> String {
    format!("{k:?}").to_lowercase()
}

fn phase_group(p: Phase) -> String {
    match p {
        Phase::Boost(_) => "boost".into(),
        other => other.name(),
    }
}

fn nees(r: &TrackReport, t: &TruthRec) -> (f64, f64) {
    let c = nalgebra::Matrix6::from_fn(|i, j| r.cov_pv[i][j]);
    let e = nalgebra::Vector6::new(
        r.pos_eci_m[0] - t.pos[0],
        r.pos_eci_m[1] - t.pos[1],
        r.pos_eci_m[2] - t.pos[2],
        r.vel_eci_m_s[0] - t.vel[0],
        r.vel_eci_m_s[1] - t.vel[1],
        r.vel_eci_m_s[2] - t.vel[2],
    );
    let n6 = c.try_inverse().map_or(f64::NAN, |ci| (e.transpose() * ci * e)[0]);
    let cp = c.fixed_view::<3, 3>(0, 0).into_owned();
    let ep = e.fixed_rows::<3>(0).into_owned();
    let n3 = cp.try_inverse().map_or(f64::NAN, |ci| (ep.transpose() * ci * ep)[0]);
    (n6, n3)
}

fn d3(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}

/// Per track: accumulator, samples per truth id, first and last time, largest NEES.
type PerTrack = (Acc, BTreeMap<u32, u64>, f64, f64, f64);

#[derive(Default, Clone)]
struct Acc {
    n: u64,
    nees6: f64,
    nees3: f64,
    err2: f64,
    verr2: f64,
    sig2: f64,
    above: u64,
    vals: Vec<f64>,
}

impl Acc {
    fn add(&mut self, n6: f64, n3: f64, err: f64, verr: f64, sig2: f64) {
        self.n += 1;
        self.nees6 += n6;
        self.nees3 += n3;
        self.err2 += err * err;
        self.verr2 += verr * verr;
        self.sig2 += sig2;
        if n6 > 16.81 {
            self.above += 1;
        }
        self.vals.push(n6);
    }
    /// The NEES part of [`Acc::line`] only.
    fn nees_line(&self) -> String {
        let n = self.n.max(1) as f64;
        let mut v = self.vals.clone();
        v.sort_by(f64::total_cmp);
        let med = if v.is_empty() { f64::NAN } else { v[v.len() / 2] };
        format!(
            "n {:6}  NEES6 mean {:9.2} median {:8.2} >99%: {:5.1}%  NEES3 {:9.2}",
            self.n,
            self.nees6 / n,
            med,
            100.0 * self.above as f64 / n,
            self.nees3 / n
        )
    }
    fn line(&self) -> String {
        let n = self.n.max(1) as f64;
        format!(
            "{}  pos rms {:8.1} m (pred {:7.1})  vel rms {:7.1} m/s",
            self.nees_line(),
            (self.err2 / n).sqrt(),
            (self.sig2 / n).sqrt(),
            (self.verr2 / n).sqrt()
        )
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut scen = builtin::DEFAULT.to_string();
    let mut tracker_file = None;
    let mut seed = None;
    let mut out = std::path::PathBuf::from("target/track-diag");
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--tracker" => {
                tracker_file = Some(args[i + 1].clone());
                i += 1
            }
            "--seed" => {
                seed = Some(args[i + 1].parse::<u64>().expect("seed"));
                i += 1
            }
            "--out" => {
                out = args[i + 1].clone().into();
                i += 1
            }
            s => scen = s.to_string(),
        }
        i += 1;
    }
    let source = match builtin::get(&scen) {
        Some(b) => b.source(),
        None => scenario::Source::from_file(std::path::Path::new(&scen)).expect("scenario file"),
    };
    let mut p = scenario::load(&source).unwrap_or_else(|e| panic!("{e}"));
    if let Some(s) = seed {
        p.scenario.seed = s;
    }
    let cfg: TrackerConfig = match &tracker_file {
        Some(f) => toml::from_str(&std::fs::read_to_string(f).expect("tracker file")).expect("tracker toml"),
        None => p.scenario.tracker.clone(),
    };
    cfg.validate().expect("tracker config");
    let mut trk = SpaceTracker::new(cfg.space.clone(), p.earth).expect("tracker");
    trk.set_update_log(true);
    tl_sim::stages::tracks::set_pointing_biases(&p, &mut trk).expect("pointing biases");
    let state = Mutex::new(RefCell::new(State {
        trk,
        pending: Vec::new(),
        updates: Vec::new(),
        steps: Vec::new(),
        first_det: BTreeMap::new(),
        log: Vec::new(),
        n_false_dets: 0,
        det_truth: std::collections::HashMap::new(),
    }));
    let t0 = std::time::Instant::now();
    let tracker_time = Mutex::new(0.0f64);
    let hook = |w: &World| {
        let g = state.lock().unwrap();
        let mut s = g.borrow_mut();
        let t = w.t_s;
        let tt = std::time::Instant::now();
        for (d, &tid) in w.detections.iter().zip(&w.detection_truth_ids) {
            s.pending.push((*d, tid));
            s.det_truth.insert(det_key(d.sat_id, d.sensor_id, &d.los_eci), tid);
            if tid >= 0 {
                let e = s.first_det.entry(tid as u32).or_insert(d.t_obs_s);
                *e = e.min(d.t_obs_s);
            } else {
                s.n_false_dets += 1;
            }
        }
        s.pending.sort_by(|a, b| a.0.t_arrival_s.total_cmp(&b.0.t_arrival_s));
        let n = s.pending.partition_point(|d| d.0.t_arrival_s <= t);
        let ready: Vec<(Detection, i64)> = s.pending.drain(..n).collect();
        for (d, _) in &ready {
            s.trk.push(d);
        }
        let mut upd = std::mem::take(&mut s.updates);
        s.trk.advance(t, &mut upd);
        upd.clear();
        s.updates = upd;
        let mut snap = Vec::new();
        s.trk.snapshot(t, &mut snap);
        let log = s.trk.take_update_log();
        s.log.extend(log);
        *tracker_time.lock().unwrap() += tt.elapsed().as_secs_f64();
        let truth: Vec<TruthRec> = w
            .objects
            .iter()
            .map(|o| TruthRec {
                id: o.object_id,
                launch: o.launch,
                kind: o.kind,
                phase: o.state.phase,
                pos: o.state.pos_eci_m.into(),
                vel: o.state.vel_eci_m_s.into(),
                k_true: if o.body.beta_kg_m2 > 0.0 { 1.0 / o.body.beta_kg_m2 } else { 0.0 },
                alt_m: o.state.alt_m,
            })
            .collect();
        s.steps.push((t, snap, truth));
    };
    let mut opts = RunOptions::new(out.join("run"));
    opts.on_step = Some(&hook);
    let rep = run(&p, &opts).unwrap_or_else(|e| panic!("{e}"));
    let wall = t0.elapsed().as_secs_f64();
    let g = state.into_inner().unwrap();
    let s = g.into_inner();
    println!(
        "run {:.2} s wall, diag tracker {:.3} s; run's own tracks stage scores: {}",
        wall,
        tracker_time.into_inner().unwrap(),
        rep.summary.stages.get("tracks").and_then(|v| v.get("scores")).map_or(String::new(), |v| {
            format!(
                "nees by assignment {:.1}, by provenance {:.1}, completeness {:.3} false {}",
                v["nees_by_assignment"]["mean"].as_f64().unwrap_or(f64::NAN),
                v["provenance"]["nees"]["mean"].as_f64().unwrap_or(f64::NAN),
                v["completeness"].as_f64().unwrap_or(f64::NAN),
                v["false_tracks"]
            )
        })
    );
    println!("tracker stats: {}", serde_json::to_string(&s.trk.stats).unwrap());
    println!("false-alarm detections: {}", s.n_false_dets);

    // ---- Association per step: greedy nearest within the gate.
    const GATE: f64 = 5_000.0;
    let mut by_phase: BTreeMap<String, Acc> = BTreeMap::new();
    let mut by_kind: BTreeMap<String, Acc> = BTreeMap::new();
    let mut by_track: BTreeMap<u64, PerTrack> = BTreeMap::new();
    let mut first_conf: BTreeMap<u32, f64> = BTreeMap::new();
    let mut first_fcq: BTreeMap<u32, f64> = BTreeMap::new();
    let mut unassoc: BTreeMap<u64, (u64, f64, f64, f64, u32, u64)> = BTreeMap::new();
    let mut truth_info: BTreeMap<u32, (u32, ObjectKind, f64, f64)> = BTreeMap::new();
    let mut truth_steps: BTreeMap<u32, (u64, u64)> = BTreeMap::new();
    // (time, track id, truth id, phase group, NEES6, NEES3) of every associated sample.
    let mut samples: Vec<(f64, u64, u32, String, f64, f64)> = Vec::new();
    // Provenance label of each confirmed track (scoring only): the truth object whose
    // detections gave most of its updates (false alarms not counted), as the run's
    // tracks stage labels them (here from updates after confirmation only).
    let mut labels: BTreeMap<u64, i64> = BTreeMap::new();
    {
        let mut per: BTreeMap<u64, BTreeMap<i64, u64>> = BTreeMap::new();
        for u in &s.log {
            if let Some(id) = u.track_id {
                let tid = s.det_truth.get(&det_key(u.sat_id, u.sensor_id, &u.los_eci)).copied().unwrap_or(-2);
                if tid >= 0 {
                    *per.entry(id).or_default().entry(tid).or_default() += 1;
                }
            }
        }
        for (id, m) in per {
            if let Some((&tid, _)) = m.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))) {
                labels.insert(id, tid);
            }
        }
    }
    let mut csv = std::fs::File::create(out.join("diag_samples.csv")).expect("csv");
    writeln!(
        csv,
        "t_s,track_id,truth_id,label,kind,phase,nees6,nees3,pos_err_m,vel_err_m_s,pos_sig_m,p_boost,p_ballistic,p_reentry,n_sats,alt_km,coast_s,k_est,k_true"
    )
    .unwrap();
    for (t, snap, truth) in &s.steps {
        for o in truth {
            let e = truth_info.entry(o.id).or_insert((o.launch, o.kind, *t, *t));
            e.3 = *t;
        }
        let mut cand: Vec<(f64, usize, usize)> = Vec::new();
        for (a, r) in snap.iter().enumerate() {
            for (b, o) in truth.iter().enumerate() {
                let d = d3(&r.pos_eci_m, &o.pos);
                if d < GATE {
                    cand.push((d, a, b));
                }
            }
        }
        cand.sort_by(|x, y| x.0.total_cmp(&y.0));
        let mut ua = vec![false; snap.len()];
        let mut ub = vec![false; truth.len()];
        for (_, a, b) in cand {
            if ua[a] || ub[b] {
                continue;
            }
            ua[a] = true;
            ub[b] = true;
            let (r, o) = (&snap[a], &truth[b]);
            let (n6, n3) = nees(r, o);
            let err = d3(&r.pos_eci_m, &o.pos);
            let verr = d3(&r.vel_eci_m_s, &o.vel);
            let sig2 = r.cov_pv[0][0] + r.cov_pv[1][1] + r.cov_pv[2][2];
            by_phase.entry(phase_group(o.phase)).or_default().add(n6, n3, err, verr, sig2);
            samples.push((*t, r.track_id, o.id, phase_group(o.phase), n6, n3));
            by_kind.entry(kind_name(o.kind)).or_default().add(n6, n3, err, verr, sig2);
            let e = by_track.entry(r.track_id).or_insert((Acc::default(), BTreeMap::new(), *t, *t, 0.0));
            e.0.add(n6, n3, err, verr, sig2);
            *e.1.entry(o.id).or_default() += 1;
            e.3 = *t;
            e.4 = e.4.max(n6);
            first_conf.entry(o.id).or_insert(*t);
            if r.products.fire_control_quality {
                first_fcq.entry(o.id).or_insert(*t);
            }
            writeln!(
                csv,
                "{t},{},{},{},{},{},{n6:.4},{n3:.4},{err:.2},{verr:.3},{:.2},{:.4},{:.4},{:.4},{},{:.3},{:.2},{:.4e},{:.4e}",
                r.track_id,
                o.id,
                labels.get(&r.track_id).copied().unwrap_or(-1),
                kind_name(o.kind),
                o.phase.name(),
                sig2.sqrt(),
                r.mode_prob[0],
                r.mode_prob[1],
                r.mode_prob[2],
                r.n_sats,
                o.alt_m / 1e3,
                t - r.t_update_s,
                r.inv_ballistic_m2_kg,
                o.k_true
            )
            .unwrap();
        }
        for (a, r) in snap.iter().enumerate() {
            if !ua[a] {
                let dmin = truth.iter().map(|o| d3(&r.pos_eci_m, &o.pos)).fold(f64::INFINITY, f64::min);
                let alt = tl_track::motion::approx_altitude_m(&nalgebra::Vector3::from(r.pos_eci_m));
                let e = unassoc.entry(r.track_id).or_insert((0, *t, dmin, alt, r.n_sats, 0));
                e.0 += 1;
                if t - r.t_update_s > 8.0 {
                    e.5 += 1;
                }
            }
        }
        for (b, o) in truth.iter().enumerate() {
            let e = truth_steps.entry(o.id).or_default();
            e.0 += 1;
            if ub[b] {
                e.1 += 1;
            }
        }
    }
    println!("\n== NEES by truth phase (chi2 6 dof: mean 6; 3 dof: 3)");
    for (k, a) in &by_phase {
        println!("{k:>12}: {}", a.line());
    }
    println!("\n== by object kind");
    for (k, a) in &by_kind {
        println!("{k:>16}: {}", a.line());
    }
    println!("\n== per track (associated samples)");
    for (id, (a, truths, t0, t1, mx)) in &by_track {
        let dom = truths.iter().max_by_key(|x| x.1).map(|x| *x.0).unwrap_or(0);
        let (l, k, _, _) = truth_info.get(&dom).copied().unwrap_or((0, ObjectKind::Booster, 0.0, 0.0));
        println!(
            "track {id:4} [{t0:6.0}-{t1:6.0}] truth {dom:3} ({} L{l}) n_truths {} max NEES {mx:9.1} {}",
            kind_name(k),
            truths.len(),
            a.line()
        );
    }
    println!(
        "\n== tracks with unassociated samples (count, coasting, first t, nearest truth m, alt km, sats)"
    );
    for (id, (n, t, d, alt, ns, nc)) in &unassoc {
        let assoc = by_track.get(id).map_or(0, |e| e.0.n);
        println!(
            "track {id:4}: {n:5} unassoc ({nc} coasting, {assoc} assoc) from t {t:6.0}  nearest {:10.1} km  alt {:8.1} km  sats {ns}",
            d / 1e3,
            alt / 1e3
        );
    }
    println!("\n== per truth object: first detection, first associated confirmed track, first FCQ, coverage");
    for (id, (l, k, ts, te)) in &truth_info {
        let (n, na) = truth_steps.get(id).copied().unwrap_or((0, 0));
        println!(
            "obj {id:3} L{l} {:16} [{ts:6.0}-{te:6.0}] det {:>8} conf {:>8} fcq {:>8} tracked {:5.1}%",
            kind_name(*k),
            s.first_det.get(id).map_or("-".into(), |v| format!("{v:.0}")),
            first_conf.get(id).map_or("-".into(), |v| format!("{v:.0}")),
            first_fcq.get(id).map_or("-".into(), |v| format!("{v:.0}")),
            100.0 * na as f64 / n.max(1) as f64
        );
    }
    if let Ok(w) = std::env::var("DIAG_LOG_WINDOW") {
        let v: Vec<f64> = w.split(',').filter_map(|x| x.parse().ok()).collect();
        if v.len() == 2 {
            println!("\n== update log {}..{} s (t, uid, id, sat, sensor, NIS, mode probs)", v[0], v[1]);
            for u in s.log.iter().filter(|u| u.t_s >= v[0] && u.t_s <= v[1]) {
                println!(
                    "  {:8.2} uid {:4} id {:?} sat {:3}/{} nis {:8.2} p {:.3} {:.3} {:.3}",
                    u.t_s,
                    u.track_uid,
                    u.track_id,
                    u.sat_id,
                    u.sensor_id,
                    u.nis,
                    u.mode_prob[0],
                    u.mode_prob[1],
                    u.mode_prob[2]
                );
            }
        }
    }
    // Which truth objects' detections updated each confirmed track (scoring only): a
    // track fed by several objects is a ghost or a swap.
    let mut upd_truth: BTreeMap<u64, BTreeMap<i64, u64>> = BTreeMap::new();
    // Per confirmed track: (observation time, truth id) of each update, in log order.
    let mut upd_hist: BTreeMap<u64, Vec<(f64, i64)>> = BTreeMap::new();
    for u in &s.log {
        if let Some(id) = u.track_id {
            let tid = s.det_truth.get(&det_key(u.sat_id, u.sensor_id, &u.los_eci)).copied().unwrap_or(-2);
            *upd_truth.entry(id).or_default().entry(tid).or_default() += 1;
            upd_hist.entry(id).or_default().push((u.t_s, tid));
        }
    }
    println!(
        "\n== detections' truth ids per confirmed track's updates (id: count), tracks with max NEES > 100"
    );
    for (id, (_, _, t0, t1, mx)) in &by_track {
        if *mx > 100.0 {
            let m = upd_truth.get(id).cloned().unwrap_or_default();
            println!("track {id:4} [{t0:6.0}-{t1:6.0}] max NEES {mx:9.1} updates by truth {m:?}");
        }
    }
    // NEES split by provenance (scoring only): samples whose truth object fed the track
    // recently, samples where the 5 km nearest-neighbour association paired the track
    // with an object that did not (e.g. a neighbour in a cluster after the track's own
    // object ended), and samples of tracks coasting without updates.
    let mut fed: BTreeMap<String, Acc> = BTreeMap::new();
    let mut other: BTreeMap<String, Acc> = BTreeMap::new();
    let mut coasting: BTreeMap<String, Acc> = BTreeMap::new();
    for (ts, tid, oid, ph, n6, n3) in &samples {
        // "Fed": the object gave at least a quarter of the track's updates observed in
        // the 15 s before the sample (the reorder window is 5 s; one stray update of a
        // neighbour does not make the track its track, and a long track that moved on
        // from a booster to its post-boost vehicle is judged by its recent updates).
        let (mut total, mut own) = (0u64, 0u64);
        for &(tu, id) in upd_hist.get(tid).map_or(&[][..], |h| &h[..]) {
            if tu <= *ts && tu > *ts - 15.0 {
                total += 1;
                own += u64::from(id == *oid as i64);
            }
        }
        let acc = if total == 0 {
            &mut coasting
        } else if 4 * own >= total {
            &mut fed
        } else {
            &mut other
        };
        acc.entry(ph.clone()).or_default().add(*n6, *n3, 0.0, 0.0, 0.0);
        acc.entry("all".into()).or_default().add(*n6, *n3, 0.0, 0.0, 0.0);
    }
    for (title, m) in [
        ("samples whose truth object gave >= 1/4 of the track's updates of the 15 s before", &fed),
        ("samples paired with an object that gave < 1/4 of the track's updates of the 15 s before", &other),
        ("samples of tracks without an update in the 15 s before", &coasting),
    ] {
        println!("\n== NEES by truth phase, {title}");
        for (k, a) in m {
            println!("{k:>12}: {}", a.nees_line());
        }
    }
    println!("\n== 3-D update NIS (2 dof: mean 2) by boost probability");
    let mut bins: BTreeMap<u32, (u64, f64, u64)> = BTreeMap::new();
    for u in &s.log {
        let b = (u.mode_prob[0] * 5.0).floor().min(4.0) as u32;
        let e = bins.entry(b).or_default();
        e.0 += 1;
        e.1 += u.nis;
        if u.nis > 9.21 {
            e.2 += 1;
        }
    }
    for (b, (n, sum, hi)) in bins {
        println!(
            "  p_boost [{:.1},{:.1}): n {n:6} mean NIS {:7.2}  >99%: {:5.1}%",
            b as f64 / 5.0,
            (b + 1) as f64 / 5.0,
            sum / n as f64,
            100.0 * hi as f64 / n as f64
        );
    }
}
