//! The scenario's `[[weapon]]` tables: a weapon layer carried by the satellites of a
//! constellation.
//!
//! One flat table with a `kind`; each kind uses its own fields and refuses the others
//! (a field that does not belong to the kind is an error naming it), as the orbit spec
//! does. Units are in the field names; defaults are the studies' (docs/models/engage.md).
//!
//! ```toml
//! [[weapon]]
//! name = "sbi"
//! constellation = "sbi-layer"   # the [[constellation]] whose satellites carry it
//! kind = "interceptor"
//! delta_v_km_s = 4.0
//! accel_g = 10.0
//! divert_km_s = 2.5
//! launch_delay_s = 2.0
//! pk = 0.9
//! per_satellite = 1
//! decision_time_s = 10.0
//!
//! [[weapon]]
//! name = "sbl"
//! constellation = "laser-layer"
//! kind = "laser"
//! power_mw = 5.0
//! wavelength_um = 2.7
//! aperture_m = 4.0
//! max_range_km = 4000.0
//! min_target_alt_km = 15.0
//! ```
//!
//! Validation errors carry paths relative to the table (`power_mw`); the simulator
//! prefixes `weapon[i].` and maps them to the file's line and column.

use crate::interceptor::Interceptor;
use crate::laser::Laser;
use serde::{Deserialize, Serialize};
use tl_core::check::{FieldError, in_range, non_negative, positive};

/// Weapon kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WeaponKind {
    /// Space-based interceptor (kinetic kill vehicle).
    Interceptor,
    /// Space-based laser.
    Laser,
}

/// One `[[weapon]]` table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeaponConfig {
    /// Layer name (unique in the scenario).
    pub name: String,
    /// Name of the `[[constellation]]` whose every satellite carries this weapon.
    pub constellation: String,
    /// `interceptor` or `laser`.
    pub kind: WeaponKind,
    /// Seconds between a track reaching fire-control quality and the first fire order
    /// (human or automated decision). Default 10 s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_time_s: Option<f64>,

    /// Interceptor: fly-out velocity change, km/s (default 4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delta_v_km_s: Option<f64>,
    /// Interceptor: mean acceleration, g (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accel_g: Option<f64>,
    /// Interceptor: kill-vehicle divert velocity, km/s (default 2.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub divert_km_s: Option<f64>,
    /// Interceptor: fire order to ignition, s (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch_delay_s: Option<f64>,
    /// Interceptor: single-shot kill probability (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pk: Option<f64>,
    /// Interceptor: interceptors per satellite (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_satellite: Option<u32>,

    /// Laser: output power, MW (default 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power_mw: Option<f64>,
    /// Laser: wavelength, um (default 2.7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wavelength_um: Option<f64>,
    /// Laser: mirror diameter, m (default 4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aperture_m: Option<f64>,
    /// Laser: beam quality, >= 1 (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beam_quality: Option<f64>,
    /// Laser: pointing jitter, one-axis RMS, urad (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jitter_urad: Option<f64>,
    /// Laser: optics and path transmission, (0, 1] (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transmission: Option<f64>,
    /// Laser: maximum range, km (default 4000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_range_km: Option<f64>,
    /// Laser: lowest target altitude, km (default 15).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_target_alt_km: Option<f64>,
    /// Laser: lowest altitude the beam may graze, km (default: `min_target_alt_km`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grazing_alt_km: Option<f64>,
    /// Laser: slew and settle time per new target, s (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retarget_s: Option<f64>,
    /// Laser: lasing seconds in a full magazine (default 500).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub magazine_s: Option<f64>,
    /// Laser: time to refill an empty magazine, s (default: no recharge).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recharge_s: Option<f64>,
    /// Laser: lethal fluence assumed when planning dwells, kJ/cm^2 (default 3; the true
    /// missile's catalogue fluence decides the kill).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planning_fluence_kj_cm2: Option<f64>,
}

/// A validated weapon layer in SI units.
#[derive(Clone, Debug, PartialEq)]
pub struct WeaponLayer {
    /// Layer name.
    pub name: String,
    /// Carrier constellation name.
    pub constellation: String,
    /// Decision time after fire-control quality, s.
    pub decision_time_s: f64,
    /// The weapon.
    pub weapon: LayerWeapon,
}

/// The weapon of a layer.
#[derive(Clone, Debug, PartialEq)]
pub enum LayerWeapon {
    /// Interceptors, `per_satellite` on each carrier.
    Interceptor {
        /// The interceptor.
        spec: Interceptor,
        /// Rounds per satellite.
        per_satellite: u32,
    },
    /// A laser on each carrier.
    Laser {
        /// The laser.
        spec: Laser,
        /// Lethal fluence assumed for planning, J/m^2.
        planning_fluence_j_m2: f64,
    },
}

impl WeaponConfig {
    fn set_fields(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        macro_rules! f {
            ($($name:ident),*) => { $( if self.$name.is_some() { v.push(stringify!($name)); } )* };
        }
        f!(
            delta_v_km_s,
            accel_g,
            divert_km_s,
            launch_delay_s,
            pk,
            per_satellite,
            power_mw,
            wavelength_um,
            aperture_m,
            beam_quality,
            jitter_urad,
            transmission,
            max_range_km,
            min_target_alt_km,
            grazing_alt_km,
            retarget_s,
            magazine_s,
            recharge_s,
            planning_fluence_kj_cm2
        );
        v
    }

    /// Check and convert; errors name the field relative to the table.
    ///
    /// ```
    /// let w: tl_engage::weapon::WeaponConfig = toml::from_str(r#"
    ///     name = "sbl"
    ///     constellation = "c"
    ///     kind = "laser"
    ///     power_mw = 0.0
    /// "#).unwrap();
    /// assert_eq!(w.build().unwrap_err().to_string(), "power_mw = 0: must be a finite number > 0");
    /// ```
    pub fn build(&self) -> Result<WeaponLayer, FieldError> {
        if self.name.trim().is_empty() {
            return Err(FieldError::new("name", "\"\"", "a non-empty name"));
        }
        if self.constellation.trim().is_empty() {
            return Err(FieldError::new("constellation", "\"\"", "the name of a [[constellation]]"));
        }
        let allowed: &[&str] = match self.kind {
            WeaponKind::Interceptor => {
                &["delta_v_km_s", "accel_g", "divert_km_s", "launch_delay_s", "pk", "per_satellite"]
            }
            WeaponKind::Laser => &[
                "power_mw",
                "wavelength_um",
                "aperture_m",
                "beam_quality",
                "jitter_urad",
                "transmission",
                "max_range_km",
                "min_target_alt_km",
                "grazing_alt_km",
                "retarget_s",
                "magazine_s",
                "recharge_s",
                "planning_fluence_kj_cm2",
            ],
        };
        for f in self.set_fields() {
            if !allowed.contains(&f) {
                let kind = match self.kind {
                    WeaponKind::Interceptor => "interceptor",
                    WeaponKind::Laser => "laser",
                };
                return Err(FieldError::new(
                    f,
                    "given",
                    format!("absent for kind = \"{kind}\" (its fields: {})", allowed.join(", ")),
                ));
            }
        }
        let decision_time_s = non_negative("decision_time_s", self.decision_time_s.unwrap_or(10.0))?;
        let weapon = match self.kind {
            WeaponKind::Interceptor => {
                let dv = positive("delta_v_km_s", self.delta_v_km_s.unwrap_or(4.0))?;
                let g = positive("accel_g", self.accel_g.unwrap_or(10.0))?;
                let divert = non_negative("divert_km_s", self.divert_km_s.unwrap_or(2.5))?;
                let delay = non_negative("launch_delay_s", self.launch_delay_s.unwrap_or(0.0))?;
                let pk = in_range("pk", self.pk.unwrap_or(1.0), 0.0, 1.0)?;
                let per = self.per_satellite.unwrap_or(1);
                if per == 0 || per > 100 {
                    return Err(FieldError::new("per_satellite", per.to_string(), "within 1..=100"));
                }
                LayerWeapon::Interceptor {
                    spec: Interceptor {
                        delta_v_m_s: dv * 1e3,
                        accel_m_s2: g * tl_core::consts::G0_M_S2,
                        divert_m_s: divert * 1e3,
                        launch_delay_s: delay,
                        pk,
                    },
                    per_satellite: per,
                }
            }
            WeaponKind::Laser => {
                let d = Laser::example();
                let floor_km = non_negative("min_target_alt_km", self.min_target_alt_km.unwrap_or(15.0))?;
                let spec = Laser {
                    power_w: positive("power_mw", self.power_mw.unwrap_or(d.power_w / 1e6))? * 1e6,
                    wavelength_m: in_range("wavelength_um", self.wavelength_um.unwrap_or(2.7), 0.1, 1000.0)?
                        * 1e-6,
                    aperture_m: positive("aperture_m", self.aperture_m.unwrap_or(d.aperture_m))?,
                    beam_quality: in_range("beam_quality", self.beam_quality.unwrap_or(1.0), 1.0, 100.0)?,
                    jitter_rad: non_negative("jitter_urad", self.jitter_urad.unwrap_or(0.0))? * 1e-6,
                    transmission: self.transmission.unwrap_or(1.0),
                    max_range_m: positive("max_range_km", self.max_range_km.unwrap_or(d.max_range_m / 1e3))?
                        * 1e3,
                    min_target_alt_m: floor_km * 1e3,
                    grazing_alt_m: non_negative("grazing_alt_km", self.grazing_alt_km.unwrap_or(floor_km))?
                        * 1e3,
                    retarget_s: non_negative("retarget_s", self.retarget_s.unwrap_or(d.retarget_s))?,
                    magazine_s: positive("magazine_s", self.magazine_s.unwrap_or(d.magazine_s))?,
                    recharge_s: match self.recharge_s {
                        Some(r) => positive("recharge_s", r)?,
                        None => f64::INFINITY,
                    },
                };
                // Transmission is the one field not checked above (same name, no unit).
                spec.validate()?;
                let f = positive("planning_fluence_kj_cm2", self.planning_fluence_kj_cm2.unwrap_or(3.0))?;
                LayerWeapon::Laser { spec, planning_fluence_j_m2: f * 1e7 }
            }
        };
        Ok(WeaponLayer {
            name: self.name.clone(),
            constellation: self.constellation.clone(),
            decision_time_s,
            weapon,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<WeaponConfig, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_and_units() {
        let w = parse("name = \"sbi\"\nconstellation = \"c\"\nkind = \"interceptor\"\ndelta_v_km_s = 5.0\n")
            .unwrap();
        let l = w.build().unwrap();
        assert_eq!(l.decision_time_s, 10.0);
        match l.weapon {
            LayerWeapon::Interceptor { spec, per_satellite } => {
                assert_eq!(spec.delta_v_m_s, 5_000.0);
                assert!((spec.accel_m_s2 - 98.0665).abs() < 1e-9);
                assert_eq!(per_satellite, 1);
            }
            _ => panic!(),
        }
        let w = parse("name = \"l\"\nconstellation = \"c\"\nkind = \"laser\"\njitter_urad = 0.1\n").unwrap();
        match w.build().unwrap().weapon {
            LayerWeapon::Laser { spec, planning_fluence_j_m2 } => {
                assert_eq!(spec.power_w, 5.0e6);
                assert!((spec.jitter_rad - 1e-7).abs() < 1e-20);
                assert_eq!(spec.grazing_alt_m, 15_000.0);
                assert_eq!(planning_fluence_j_m2, 3.0e7);
            }
            _ => panic!(),
        }
    }

    #[test]
    fn bad_tables_name_the_field() {
        // Unknown field: serde refuses it.
        assert!(parse("name = \"x\"\nconstellation = \"c\"\nkind = \"laser\"\npowr_mw = 1.0\n").is_err());
        // A field of the other kind.
        let w = parse("name = \"x\"\nconstellation = \"c\"\nkind = \"laser\"\ndelta_v_km_s = 4.0\n").unwrap();
        let e = w.build().unwrap_err();
        assert_eq!(e.field, "delta_v_km_s");
        assert!(e.allowed.contains("kind = \"laser\""));
        for (text, field) in [
            ("kind = \"interceptor\"\ndelta_v_km_s = 0.0", "delta_v_km_s"),
            ("kind = \"interceptor\"\ndelta_v_km_s = -4.0", "delta_v_km_s"),
            ("kind = \"interceptor\"\npk = 1.5", "pk"),
            ("kind = \"interceptor\"\nper_satellite = 0", "per_satellite"),
            ("kind = \"laser\"\npower_mw = -1.0", "power_mw"),
            ("kind = \"laser\"\naperture_m = 0.0", "aperture_m"),
            ("kind = \"laser\"\ntransmission = 0.0", "transmission"),
            ("kind = \"laser\"\ndecision_time_s = -1.0", "decision_time_s"),
        ] {
            let w = parse(&format!("name = \"x\"\nconstellation = \"c\"\n{text}\n")).unwrap();
            assert_eq!(w.build().unwrap_err().field, field, "{text}");
        }
    }
}
