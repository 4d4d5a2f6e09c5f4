//! The built-in catalogue of generic missiles, built from public figures.
//!
//! Every number's source or derivation is in `docs/models/threat.md` (section
//! "Catalogue"). In short: total boost times from the APS boost-phase study (2003); overall
//! dimensions and masses of the public examples each entry resembles; the per-stage split
//! derived so that the missile meets its public boost time, throw weight and range.
//! These are *generic* missiles for simulation, not models of any real one.

use crate::spec::{BodySpec, MissileSpec, PbvSpec, PlumePoint, Propellant, StageSpec};

/// Names of the catalogue entries, in listing order.
pub const NAMES: [&str; 5] = ["icbm-solid-3", "icbm-liquid-2", "slbm", "irbm", "srbm"];

/// A catalogue missile by name (`None` for an unknown name).
///
/// ```
/// assert!(tl_threat::catalogue::get("srbm").is_some());
/// assert!(tl_threat::catalogue::get("nope").is_none());
/// ```
pub fn get(name: &str) -> Option<MissileSpec> {
    Some(match name {
        "icbm-solid-3" => icbm_solid_3(),
        "icbm-liquid-2" => icbm_liquid_2(),
        "slbm" => slbm(),
        "irbm" => irbm(),
        "srbm" => srbm(),
        _ => return None,
    })
}

/// All catalogue missiles, in [`NAMES`] order.
pub fn all() -> Vec<MissileSpec> {
    NAMES.iter().filter_map(|n| get(n)).collect()
}

/// Normalised plume brightness vs altitude (km, factor): rises as the plume expands
/// above the dense lower atmosphere, peaks at 20-40 km with afterburning, dips through
/// 70-90 km (the "trough" seen by early-warning sensors, Forden 2007) and settles to
/// a vacuum plume above ~120 km.
const PLUME_SHAPE: [(f64, f64); 10] = [
    (0.0, 0.5),
    (10.0, 0.8),
    (20.0, 1.0),
    (40.0, 1.0),
    (60.0, 0.6),
    (80.0, 0.35),
    (100.0, 0.45),
    (150.0, 0.5),
    (300.0, 0.5),
    (1000.0, 0.5),
];

/// MWIR (4.3 um) to SWIR (2.7 um) intensity ratio assumed for all plumes.
pub const MWIR_TO_SWIR: f64 = 2.0;

/// A plume table with peak SWIR intensity `peak_swir_w_sr` and the generic shape.
pub fn plume_table(peak_swir_w_sr: f64) -> Vec<PlumePoint> {
    PLUME_SHAPE
        .iter()
        .map(|&(alt_km, f)| PlumePoint {
            alt_km,
            swir_w_sr: peak_swir_w_sr * f,
            mwir_w_sr: peak_swir_w_sr * f * MWIR_TO_SWIR,
        })
        .collect()
}

/// Peak SWIR plume intensity at full thrust for a stage, W/sr: scaled from the reference
/// first stages in proportion to vacuum thrust (plume radiance scales roughly with mass
/// flow): 1e6 W/sr for a solid first stage of 8e5 N, 3e5 W/sr for a liquid first stage of
/// 8e5 N (solid plumes add the continuum of hot alumina particles).
pub fn peak_swir_w_sr(propellant: Propellant, thrust_vac_n: f64) -> f64 {
    let per_newton = match propellant {
        Propellant::Solid => 1.0e6 / 8.0e5,
        Propellant::Liquid => 3.0e5 / 8.0e5,
    };
    per_newton * thrust_vac_n
}

#[allow(clippy::too_many_arguments)]
fn stage(
    propellant: Propellant,
    propellant_mass_kg: f64,
    dry_mass_kg: f64,
    burn_time_s: f64,
    isp_vac_s: f64,
    isp_sl_s: Option<f64>,
    diameter_m: f64,
    length_m: f64,
) -> StageSpec {
    let mut s = StageSpec {
        propellant_mass_kg,
        dry_mass_kg,
        burn_time_s,
        isp_vac_s,
        isp_sl_s,
        diameter_m,
        length_m,
        coast_after_s: 0.0,
        propellant,
        plume: Vec::new(),
        lethal_fluence_kj_cm2: None,
    };
    s.plume = plume_table(peak_swir_w_sr(propellant, s.thrust_vac_n()));
    s
}

fn rv(mass_kg: f64, beta_kg_m2: f64, diameter_m: f64, length_m: f64) -> BodySpec {
    BodySpec {
        mass_kg,
        beta_kg_m2,
        diameter_m,
        length_m,
        nose_radius_m: 0.03,
        emissivity: 0.8,
        end_alt_km: 0.0,
    }
}

fn decoy(mass_kg: f64, diameter_m: f64, length_m: f64) -> BodySpec {
    // Light decoy: same outer shape as the RV, drag coefficient ~1 (Cd A from the base
    // area), so beta = m / A. Ends at 70 km, where light decoys are stripped away.
    let area = std::f64::consts::FRAC_PI_4 * diameter_m * diameter_m;
    BodySpec {
        mass_kg,
        beta_kg_m2: mass_kg / area,
        diameter_m,
        length_m,
        nose_radius_m: 0.1,
        emissivity: 0.3,
        end_alt_km: 70.0,
    }
}

fn icbm_solid_3() -> MissileSpec {
    use Propellant::Solid;
    MissileSpec {
        name: "icbm-solid-3".into(),
        description:
            "generic three-stage solid ICBM, 175 s boost (APS 2003 solid ICBM; Minuteman III-like size)"
                .into(),
        stages: vec![
            stage(Solid, 20_800.0, 2_300.0, 60.0, 285.0, Some(255.0), 1.67, 7.5),
            stage(Solid, 6_300.0, 750.0, 60.0, 300.0, None, 1.33, 4.1),
            stage(Solid, 3_300.0, 330.0, 55.0, 300.0, None, 1.32, 2.4),
        ],
        payload_mass_kg: 1_150.0,
        payload_diameter_m: 1.32,
        vertical_rise_s: 8.0,
        pitch_over_s: 10.0,
        cd_scale: 1.0,
        pbv: Some(PbvSpec {
            bus_mass_kg: 400.0,
            deploy_time_s: 300.0,
            diameter_m: 1.32,
            length_m: 1.5,
            emissivity: 0.8,
        }),
        rv: rv(200.0, 8_000.0, 0.55, 1.8),
        decoy: decoy(15.0, 0.55, 1.8),
        default_rvs: 3,
        default_decoys: 5,
        rv_separation_m_s: 10.0,
        decoy_separation_m_s: 3.0,
    }
}

fn icbm_liquid_2() -> MissileSpec {
    use Propellant::Liquid;
    MissileSpec {
        name: "icbm-liquid-2".into(),
        description: "generic two-stage liquid ICBM, 245 s boost (APS 2003 liquid ICBM)".into(),
        stages: vec![
            stage(Liquid, 42_000.0, 3_300.0, 150.0, 300.0, Some(270.0), 2.4, 17.0),
            stage(Liquid, 10_000.0, 1_000.0, 95.0, 320.0, None, 2.4, 6.0),
        ],
        payload_mass_kg: 1_500.0,
        payload_diameter_m: 2.0,
        vertical_rise_s: 10.0,
        pitch_over_s: 10.0,
        cd_scale: 1.0,
        pbv: Some(PbvSpec {
            bus_mass_kg: 600.0,
            deploy_time_s: 300.0,
            diameter_m: 2.0,
            length_m: 1.5,
            emissivity: 0.8,
        }),
        rv: rv(250.0, 8_000.0, 0.6, 1.9),
        decoy: decoy(20.0, 0.6, 1.9),
        default_rvs: 3,
        default_decoys: 5,
        rv_separation_m_s: 10.0,
        decoy_separation_m_s: 3.0,
    }
}

fn slbm() -> MissileSpec {
    use Propellant::Solid;
    MissileSpec {
        name: "slbm".into(),
        description: "generic three-stage solid SLBM, 170 s boost".into(),
        stages: vec![
            stage(Solid, 24_000.0, 2_600.0, 63.0, 280.0, Some(250.0), 2.1, 7.0),
            stage(Solid, 7_000.0, 900.0, 64.0, 295.0, None, 2.1, 3.5),
            stage(Solid, 1_800.0, 250.0, 43.0, 295.0, None, 0.9, 3.2),
        ],
        payload_mass_kg: 1_500.0,
        payload_diameter_m: 2.1,
        vertical_rise_s: 8.0,
        pitch_over_s: 10.0,
        cd_scale: 1.0,
        pbv: Some(PbvSpec {
            bus_mass_kg: 500.0,
            deploy_time_s: 240.0,
            diameter_m: 2.0,
            length_m: 1.2,
            emissivity: 0.8,
        }),
        rv: rv(200.0, 8_000.0, 0.55, 1.8),
        decoy: decoy(15.0, 0.55, 1.8),
        default_rvs: 3,
        default_decoys: 5,
        rv_separation_m_s: 10.0,
        decoy_separation_m_s: 3.0,
    }
}

fn irbm() -> MissileSpec {
    use Propellant::Solid;
    MissileSpec {
        name: "irbm".into(),
        description: "generic two-stage solid IRBM, 115 s boost, ~4,000 km".into(),
        stages: vec![
            stage(Solid, 9_000.0, 1_000.0, 60.0, 270.0, Some(245.0), 1.4, 6.5),
            stage(Solid, 3_000.0, 400.0, 55.0, 285.0, None, 1.4, 3.0),
        ],
        payload_mass_kg: 800.0,
        payload_diameter_m: 1.4,
        vertical_rise_s: 6.0,
        pitch_over_s: 8.0,
        cd_scale: 1.0,
        pbv: None,
        rv: rv(700.0, 6_000.0, 0.9, 2.5),
        decoy: decoy(15.0, 0.9, 2.5),
        default_rvs: 1,
        default_decoys: 0,
        rv_separation_m_s: 0.0,
        decoy_separation_m_s: 0.0,
    }
}

fn srbm() -> MissileSpec {
    MissileSpec {
        name: "srbm".into(),
        description: "generic single-stage liquid short-range missile, ~300 km (Scud-B-like)".into(),
        stages: vec![stage(Propellant::Liquid, 3_770.0, 1_130.0, 62.0, 242.0, Some(218.0), 0.88, 8.9)],
        payload_mass_kg: 1_000.0,
        payload_diameter_m: 0.88,
        vertical_rise_s: 5.0,
        pitch_over_s: 8.0,
        cd_scale: 1.0,
        pbv: None,
        rv: rv(985.0, 5_000.0, 0.88, 2.4),
        decoy: decoy(15.0, 0.88, 2.4),
        default_rvs: 1,
        default_decoys: 0,
        rv_separation_m_s: 0.0,
        decoy_separation_m_s: 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_valid_and_boost_times_are_public() {
        for m in all() {
            m.validate().unwrap_or_else(|e| panic!("{}: {e}", m.name));
        }
        let b = |n: &str| get(n).unwrap().boost_time_s();
        // APS 2003: solid ICBM boost about 170-180 s, liquid about 240-250 s.
        assert!((170.0..=180.0).contains(&b("icbm-solid-3")));
        assert!((240.0..=250.0).contains(&b("icbm-liquid-2")));
    }
}
