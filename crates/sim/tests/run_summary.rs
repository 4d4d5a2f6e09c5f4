//! `run_summary` (in memory, for studies) gives the summary `run` writes.

use tl_sim::{builtin, run, scenario};

#[test]
fn in_memory_summary_matches_the_run_folder() {
    let p = scenario::load(&builtin::get("tranche0-quick").expect("built-in").source()).expect("valid");
    let dir = tempfile::tempdir().unwrap();
    for seed in [p.scenario.seed, 12345] {
        let mut s = p.scenario.clone();
        s.seed = seed;
        let q = scenario::Prepared { scenario: s, ..p.clone() };
        let report = run::run(&q, &run::RunOptions::new(dir.path().join(format!("r{seed}")))).unwrap();
        let mut expect = report.summary.clone();
        expect.tables.clear();
        let got = run::run_summary(&p, seed).unwrap();
        assert_eq!(got.seed, seed);
        assert_eq!(got.to_json(), expect.to_json(), "seed {seed}");
        // Nothing written beside the run folders.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), if seed == 12345 { 2 } else { 1 });
    }
}
