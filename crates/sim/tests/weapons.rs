//! `[[weapon]]` tables: a valid scenario with both weapon kinds loads, converts to SI,
//! and its resolved form parses back to the same scenario.

use std::path::Path;
use tl_sim::scenario::{Source, load, parse};

#[test]
fn weapon_layers_load_and_round_trip() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid/weapons.toml");
    let p = load(&Source::from_file(&path).unwrap()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.scenario.weapons.len(), 2);
    let sbi = p.scenario.weapons[0].build().unwrap();
    assert_eq!(sbi.decision_time_s, 5.0);
    match sbi.weapon {
        tl_engage::weapon::LayerWeapon::Interceptor { spec, .. } => {
            assert_eq!(spec.delta_v_m_s, 4_000.0);
            assert_eq!(spec.pk, 0.9);
        }
        _ => panic!("interceptor expected"),
    }
    let again = parse(&Source::builtin("again", &p.scenario.to_toml())).unwrap();
    assert_eq!(again, p.scenario);
}
