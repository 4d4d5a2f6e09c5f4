//! Sizing-study benchmarks: one constellation size, 10,000 Monte Carlo trials, for a
//! 1,000-satellite constellation (the speed target), SBI and laser.
//!
//! `cargo bench -p tl-engage --bench sizing`

use tl_engage::interceptor::{Interceptor, SearchOptions};
use tl_engage::laser::{IncidenceModel, Laser};
use tl_engage::missile::boost_target;
use tl_engage::sizing::{SizingProblem, SizingWeapon};
use tl_orbit::walker::WalkerPattern;

fn main() {
    divan::main();
}

fn problem(weapon: &str) -> SizingProblem {
    let b = boost_target("icbm-solid-3", 40.0, 127.5, 39.7, -105.0, 1.0).unwrap();
    let weapon = match weapon {
        "sbi" => {
            SizingWeapon::Interceptor { spec: Interceptor::aps2003_like(), search: SearchOptions::default() }
        }
        _ => SizingWeapon::Laser {
            spec: Laser::example(),
            lethal: b.lethal.clone(),
            incidence: IncidenceModel::Normal,
            step_s: 1.0,
        },
    };
    SizingProblem {
        weapon,
        target: b.path.clone(),
        commit_t_s: b.burnout_t_s - 100.0,
        deadline_t_s: b.burnout_t_s,
        altitude_m: 300e3,
        inclination_rad: 45f64.to_radians(),
        pattern: WalkerPattern::Delta,
        phasing: 1,
        planes: None,
        salvo: 1,
        shots_per_missile: 1,
        confidence: 0.99,
        trials: 10_000,
        seed: 1,
    }
}

/// 10,000 trials, 1,000 satellites (31 planes x 33 = 1,023), one solid ICBM.
#[divan::bench(args = ["sbi", "laser"], sample_count = 3, sample_size = 1)]
fn sizing_10k_trials_1000_sats(bencher: divan::Bencher, weapon: &str) {
    let p = problem(weapon);
    bencher.bench(|| p.evaluate(divan::black_box(1_000)).unwrap());
}
