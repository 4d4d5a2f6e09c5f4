//! The run loop's hooks: a step observer sees every step in order, and the products hook
//! writes into the folder before it is committed (its failure leaves no folder).

use std::sync::Mutex;
use tl_sim::builtin;
use tl_sim::run::{RunOptions, run};
use tl_sim::scenario::load;

#[test]
fn step_hook_sees_every_step_and_products_land_in_the_folder() {
    let p = load(&builtin::get("tranche0-quick").unwrap().source()).unwrap();
    let base = tempfile::tempdir().unwrap();
    let seen = Mutex::new(Vec::new());
    let on_step = |w: &tl_sim::run::World| {
        assert_eq!(w.satellites.len(), p.satellites.len());
        seen.lock().unwrap().push((w.step, w.t_s));
    };
    let products = |dir: &std::path::Path| -> Result<(), String> {
        // summary.json is already there; the folder is still the temporary one.
        assert!(dir.join("summary.json").is_file());
        assert_ne!(dir, base.path().join("run"));
        std::fs::write(dir.join("extra.txt"), "x").map_err(|e| e.to_string())
    };
    let mut o = RunOptions::new(base.path().join("run"));
    o.on_step = Some(&on_step);
    o.products = Some(&products);
    let r = run(&p, &o).unwrap();
    let seen = seen.into_inner().unwrap();
    assert_eq!(seen.len() as u64, p.steps);
    for (i, (k, t)) in seen.iter().enumerate() {
        assert_eq!(*k, i as u64);
        assert_eq!(*t, p.t_s(*k));
    }
    assert!(r.out_dir.join("extra.txt").is_file());
}

#[test]
fn a_failing_products_hook_fails_the_run_and_leaves_nothing() {
    let p = load(&builtin::get("tranche0-quick").unwrap().source()).unwrap();
    let base = tempfile::tempdir().unwrap();
    let products = |_: &std::path::Path| -> Result<(), String> { Err("no space for the report".into()) };
    let mut o = RunOptions::new(base.path().join("run"));
    o.products = Some(&products);
    let e = run(&p, &o).unwrap_err().to_string();
    assert!(e.contains("products") && e.contains("no space for the report"), "{e}");
    assert_eq!(std::fs::read_dir(base.path()).unwrap().count(), 0);
}
