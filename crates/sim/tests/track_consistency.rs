//! Tracker consistency on the simulator's own flights and sensors (issue 5): one solid
//! three-stage ICBM watched by a Tranche-1-like LEO layer (28 satellites, SWIR
//! wide-field payloads with their default 20 urad pointing bias), boost and the first
//! seconds after burnout, six seeds (each draws its own sensor noise and pointing
//! biases). The tracks stage scores its confirmed tracks against truth; these tests read
//! the provenance NEES (`stages.tracks.scores.provenance.nees`: each track scored against
//! the object whose detections fed it, see docs/models/tracking.md) and pool the samples
//! of one phase over the seeds. The first test pools boost; the second flies an IRBM
//! watched by the same layer with an above-the-horizon LWIR payload added, so the track
//! follows the reentry vehicle (and its last spent stage) through midcourse and reentry.
//!
//! A consistent filter gives a 6-dof NEES with mean 6 and median 5.35, and 1 % of the
//! samples above 16.81. The samples of one track are correlated over a few seconds, so
//! the ~500 pooled samples are worth perhaps 50-100 independent ones: the standard error
//! of the mean is then under 0.5, and the bands below (a factor of 2 above, 4 below)
//! catch a regression to over-confidence (NEES in the tens or hundreds, as the tracker
//! had before the pointing bias, the boost noise and the angle-rate gate) or to gross
//! under-confidence. As of this commit: 720 samples, mean 3.31, median 2.14, 1.0 %
//! above the 99 % point (scored by provenance; by the assignment it was 702 samples,
//! mean 3.27, median 2.10, before the reentry process noise): the boost covariance is
//! conservative by a factor of about 2 here (with the boost noise at 5 instead of 20 m^2/s^3 the mean was still only 3.2,
//! so most of the margin comes from elsewhere; not yet understood).

use tl_sim::{run, scenario};

const SCENARIO: &str = r#"
version = 1
name = "track-consistency"
epoch = "2026-03-01T12:00:00Z"
duration_s = 230.0
step_s = 1.0
seed = 1

[[constellation]]
name = "tracking-t1"
[constellation.orbit]
kind = "walker"
pattern = "delta"
inclination_deg = 80.0
total = 28
planes = 4
phasing = 1
altitude_km = 1000.0
[[constellation.payload]]
name = "wfov"
kind = "wide-field"

[[launch]]
id = "ru-solid"
missile = "icbm-solid-3"
site_lat_deg = 51.1
site_lon_deg = 59.8
aim_lat_deg = 39.0
aim_lon_deg = -98.0
time_s = 30.0
"#;

#[test]
fn boost_nees_is_near_its_chi_square_expectation() {
    let p =
        scenario::load(&scenario::Source::builtin("track-consistency", SCENARIO)).expect("valid scenario");
    let (n, mean, median, above) = pooled(&p, "boost");
    assert!(n >= 400, "too few boost samples ({n}) for the bands to mean anything");
    assert!((1.5..=12.0).contains(&mean), "boost NEES mean {mean:.2} outside [1.5, 12]");
    assert!((1.3..=10.7).contains(&median), "boost NEES median {median:.2} outside [1.3, 10.7]");
    assert!(above <= 0.10, "{:.1} % of boost samples above the 99 % point (1 % expected)", 100.0 * above);
}

const SCENARIO_IRBM: &str = r#"
version = 1
name = "track-consistency-irbm"
epoch = "2026-03-01T12:00:00Z"
duration_s = 1000.0
step_s = 1.0
seed = 1

[[constellation]]
name = "tracking-t1"
[constellation.orbit]
kind = "walker"
pattern = "delta"
inclination_deg = 80.0
total = 28
planes = 4
phasing = 1
altitude_km = 1000.0
[[constellation.payload]]
name = "wfov"
kind = "wide-field"
[[constellation.payload]]
name = "ath-lwir"
kind = "wide-field"
band = "lwir"
field_of_regard = "limb"
for_inner_deg = 110.0
for_deg = 180.0
look_down = false

[[launch]]
id = "irbm"
missile = "irbm"
site_lat_deg = 35.0
site_lon_deg = 45.0
aim_lat_deg = 48.0
aim_lon_deg = 12.0
time_s = 30.0
"#;

/// Pooled provenance NEES over seeds 1..=6 of the phases whose name starts with `phase`
/// ("boost" takes boost-1, boost-2 and boost-3; "midcourse" and "reentry" one phase
/// each): (samples, mean, median as the sample-weighted mean of the per-seed medians,
/// share above the 99 % point).
fn pooled(p: &scenario::Prepared, phase: &str) -> (u64, f64, f64, f64) {
    let (mut n, mut sum, mut med_sum, mut above) = (0u64, 0.0, 0.0, 0.0);
    for seed in 1..=6 {
        let s = run::run_summary(p, seed).expect("run");
        let pv = &s.stages["tracks"]["scores"]["provenance"];
        println!("seed {seed} excluded {}", pv["excluded"]);
        for ph in pv["nees"]["by_phase"].as_array().expect("by_phase") {
            let name = ph["phase"].as_str().unwrap_or("");
            if !name.starts_with(phase) {
                continue;
            }
            let k = ph["n"].as_u64().unwrap_or(0);
            let (mean, median, a99) = (
                ph["mean"].as_f64().unwrap(),
                ph["median"].as_f64().unwrap(),
                ph["above_99"].as_f64().unwrap(),
            );
            println!(
                "seed {seed} {name:10} n {k:4} mean {mean:8.2} median {median:6.2} above 99 % {:5.1} %",
                100.0 * a99
            );
            let kf = k as f64;
            n += k;
            sum += mean * kf;
            med_sum += median * kf;
            above += a99 * kf;
        }
    }
    let nf = n as f64;
    let (mean, median, above) = (sum / nf, med_sum / nf, above / nf);
    println!(
        "pooled {phase}: n {n} mean {mean:.2} (6) median {median:.2} (5.35) above 99 % {:.1} % (1 %)",
        100.0 * above
    );
    (n, mean, median, above)
}

/// Midcourse and reentry, scored by provenance. Midcourse uses the boost test's bands
/// (as of this commit: 5,124 samples, mean 4.62, median 3.51, 2.6 % above the 99 % point;
/// the samples of one seed come from one or two tracks over ~800 s, so they are worth
/// far fewer independent ones, and each seed's pointing-bias draw moves its mean
/// between 2.9 and 6.8).
///
/// Reentry (mostly the IRBM's last spent stage, whose inverse ballistic coefficient
/// 1.5e-2 m^2/kg is 7 sigma from the tracker's prior, and its reentry vehicle) is not
/// yet consistent in the tail: as of this commit 1,058 samples, mean 17.3, median 4.25,
/// 15.1 % above the 99 % point. The bands below are a guard against regression: before
/// the reentry process noise of docs/models/tracking.md (the relative random walk of k
/// and the drag left out by the ballistic model) the same runs gave 1,085 samples,
/// mean 39.7, median 5.32, 23.4 % above.
#[test]
fn midcourse_and_reentry_nees_by_provenance() {
    let p = scenario::load(&scenario::Source::builtin("track-consistency-irbm", SCENARIO_IRBM))
        .expect("valid scenario");
    let (n, mean, median, above) = pooled(&p, "midcourse");
    assert!(n >= 2_000, "too few midcourse samples ({n})");
    assert!((1.5..=12.0).contains(&mean), "midcourse NEES mean {mean:.2} outside [1.5, 12]");
    assert!((1.3..=10.7).contains(&median), "midcourse NEES median {median:.2} outside [1.3, 10.7]");
    assert!(above <= 0.10, "{:.1} % of midcourse samples above the 99 % point", 100.0 * above);
    let (n, mean, median, above) = pooled(&p, "reentry");
    assert!(n >= 500, "too few reentry samples ({n})");
    assert!(mean <= 30.0, "reentry NEES mean {mean:.2} above 30");
    assert!((1.3..=10.7).contains(&median), "reentry NEES median {median:.2} outside [1.3, 10.7]");
    assert!(above <= 0.20, "{:.1} % of reentry samples above the 99 % point", 100.0 * above);
}
