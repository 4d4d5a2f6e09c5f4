//! Missile specifications: the serde types a scenario's `[[missile]]` tables use, and
//! their validation (errors carry dotted paths such as `stages[1].burn_time_s`).
//!
//! All masses in kg, times in s, lengths in m, as the field names say.

use serde::{Deserialize, Serialize};
use tl_core::check::{FieldError, in_range, non_negative, positive};

/// Propellant type of a stage (documentation and infrared signature choice).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Propellant {
    /// Solid propellant (composite, aluminised).
    #[default]
    Solid,
    /// Liquid propellant (storable or cryogenic).
    Liquid,
}

/// One row of a plume signature table: the plume's in-band radiant intensity at full
/// thrust, seen broadside, at one altitude, **before** any atmospheric attenuation along
/// the path to the sensor (the sensor model applies the path transmission).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlumePoint {
    /// Altitude of the missile, km (above the ellipsoid).
    pub alt_km: f64,
    /// Radiant intensity in the SWIR water/CO2 band around 2.7 um, W/sr.
    pub swir_w_sr: f64,
    /// Radiant intensity in the MWIR CO2 band around 4.3 um, W/sr.
    pub mwir_w_sr: f64,
}

/// One rocket stage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageSpec {
    /// Usable propellant mass, kg.
    pub propellant_mass_kg: f64,
    /// Dry (burnt-out) mass of the stage incl. interstage, kg.
    pub dry_mass_kg: f64,
    /// Burn time at full thrust, s (constant mass flow).
    pub burn_time_s: f64,
    /// Vacuum specific impulse, s.
    pub isp_vac_s: f64,
    /// Sea-level specific impulse, s (defaults to `isp_vac_s`, i.e. no back-pressure loss:
    /// give it for first stages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isp_sl_s: Option<f64>,
    /// Outer diameter, m.
    pub diameter_m: f64,
    /// Length, m.
    pub length_m: f64,
    /// Unpowered coast after this stage burns out, before the next ignites, s.
    #[serde(default)]
    pub coast_after_s: f64,
    /// Propellant type.
    #[serde(default)]
    pub propellant: Propellant,
    /// Plume signature table at full thrust vs altitude (ascending `alt_km`).
    #[serde(default)]
    pub plume: Vec<PlumePoint>,
    /// Laser fluence that destroys the missile while this stage burns, kJ/cm^2 (absorbed,
    /// normal incidence). When absent, [`StageSpec::lethal_fluence_j_m2`] uses the
    /// propellant's default (APS 2003: of order 1 kJ/cm^2 for liquid boosters, several
    /// for solid ones; see docs/models/engage.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lethal_fluence_kj_cm2: Option<f64>,
}

/// Default lethal laser fluence of a liquid-propellant stage, kJ/cm^2 (thin-walled
/// pressurised tanks; APS 2003 "of order 1 kJ/cm^2").
pub const LETHAL_FLUENCE_LIQUID_KJ_CM2: f64 = 1.0;

/// Default lethal laser fluence of a solid-propellant stage, kJ/cm^2 (thick composite
/// motor case; APS 2003 "several kJ/cm^2": we take 3).
pub const LETHAL_FLUENCE_SOLID_KJ_CM2: f64 = 3.0;

/// The post-boost vehicle (bus) that carries and releases reentry vehicles and decoys.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PbvSpec {
    /// Bus mass without the objects it releases, kg.
    pub bus_mass_kg: f64,
    /// Duration of the deployment phase after final burnout, s.
    pub deploy_time_s: f64,
    /// Diameter, m.
    pub diameter_m: f64,
    /// Length, m.
    pub length_m: f64,
    /// Surface emissivity (0..1).
    pub emissivity: f64,
}

/// An unpowered body released by the bus: reentry vehicle or decoy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BodySpec {
    /// Mass, kg.
    pub mass_kg: f64,
    /// Ballistic coefficient m / (Cd A), kg/m^2 (hypersonic).
    pub beta_kg_m2: f64,
    /// Base diameter, m.
    pub diameter_m: f64,
    /// Length, m.
    pub length_m: f64,
    /// Nose radius for stagnation heating, m.
    pub nose_radius_m: f64,
    /// Surface emissivity (0..1).
    pub emissivity: f64,
    /// The body stops existing below this altitude on the way down, km (0: impact on the
    /// ground; light decoys burn up or are stripped high in the atmosphere).
    #[serde(default)]
    pub end_alt_km: f64,
}

/// A missile type. Scenario files define their own with the same fields.
///
/// ```
/// let m = tl_threat::catalogue::get("icbm-solid-3").unwrap();
/// assert!(m.validate().is_ok());
/// let total: f64 = m.stages.iter().map(|s| s.burn_time_s).sum();
/// assert!((170.0..=180.0).contains(&total));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MissileSpec {
    /// Name used by launches (`missile = "icbm-solid-3"`).
    pub name: String,
    /// One-line description.
    #[serde(default)]
    pub description: String,
    /// Stages, first to last.
    pub stages: Vec<StageSpec>,
    /// Mass above the last stage at its burnout (bus + reentry vehicles + decoys +
    /// shroud), kg: the throw weight.
    pub payload_mass_kg: f64,
    /// Diameter of the payload section, m.
    pub payload_diameter_m: f64,
    /// Vertical rise after lift-off, s.
    pub vertical_rise_s: f64,
    /// Duration of the pitch-over manoeuvre that ends the vertical rise, s.
    pub pitch_over_s: f64,
    /// Factor on the drag-coefficient table (1 = the generic table).
    #[serde(default = "one")]
    pub cd_scale: f64,
    /// Post-boost vehicle; none for single-warhead missiles whose warhead separates at
    /// burnout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pbv: Option<PbvSpec>,
    /// Reentry vehicle.
    pub rv: BodySpec,
    /// Light decoy.
    pub decoy: BodySpec,
    /// Reentry vehicles per launch unless the launch says otherwise.
    #[serde(default = "one_u32")]
    pub default_rvs: u32,
    /// Decoys per launch unless the launch says otherwise.
    #[serde(default)]
    pub default_decoys: u32,
    /// Separation speed given to reentry vehicles after the first, m/s (random direction).
    #[serde(default = "default_rv_dv")]
    pub rv_separation_m_s: f64,
    /// Separation speed given to decoys, m/s (random direction).
    #[serde(default = "default_decoy_dv")]
    pub decoy_separation_m_s: f64,
}

fn one() -> f64 {
    1.0
}
fn one_u32() -> u32 {
    1
}
fn default_rv_dv() -> f64 {
    10.0
}
fn default_decoy_dv() -> f64 {
    3.0
}

impl StageSpec {
    /// Lethal laser fluence while this stage burns, J/m^2 (1 kJ/cm^2 = 1e7 J/m^2): the
    /// spec's value, or the propellant default.
    ///
    /// ```
    /// let mut m = tl_threat::catalogue::get("icbm-liquid-2").unwrap();
    /// assert_eq!(m.stages[0].lethal_fluence_j_m2(), 1.0e7);
    /// m.stages[1].lethal_fluence_kj_cm2 = Some(0.0);
    /// assert_eq!(m.validate().unwrap_err().field, "stages[1].lethal_fluence_kj_cm2");
    /// ```
    pub fn lethal_fluence_j_m2(&self) -> f64 {
        let kj_cm2 = self.lethal_fluence_kj_cm2.unwrap_or(match self.propellant {
            Propellant::Liquid => LETHAL_FLUENCE_LIQUID_KJ_CM2,
            Propellant::Solid => LETHAL_FLUENCE_SOLID_KJ_CM2,
        });
        kj_cm2 * 1.0e7
    }

    /// Mass flow, kg/s.
    pub fn mass_flow_kg_s(&self) -> f64 {
        self.propellant_mass_kg / self.burn_time_s
    }
    /// Vacuum thrust, N.
    pub fn thrust_vac_n(&self) -> f64 {
        self.mass_flow_kg_s() * tl_core::consts::G0_M_S2 * self.isp_vac_s
    }
    /// Sea-level thrust, N.
    pub fn thrust_sl_n(&self) -> f64 {
        self.mass_flow_kg_s() * tl_core::consts::G0_M_S2 * self.isp_sl_s.unwrap_or(self.isp_vac_s)
    }

    /// Plume radiant intensities (SWIR, MWIR) at full thrust at altitude `alt_m`, W/sr:
    /// linear interpolation in the table, constant beyond its ends, (0, 0) without a table.
    pub fn plume_w_sr(&self, alt_m: f64) -> (f64, f64) {
        let t = &self.plume;
        if t.is_empty() {
            return (0.0, 0.0);
        }
        let z = alt_m / 1000.0;
        if z <= t[0].alt_km {
            return (t[0].swir_w_sr, t[0].mwir_w_sr);
        }
        for w in t.windows(2) {
            if z <= w[1].alt_km {
                let f = (z - w[0].alt_km) / (w[1].alt_km - w[0].alt_km);
                return (
                    w[0].swir_w_sr + f * (w[1].swir_w_sr - w[0].swir_w_sr),
                    w[0].mwir_w_sr + f * (w[1].mwir_w_sr - w[0].mwir_w_sr),
                );
            }
        }
        let l = t[t.len() - 1];
        (l.swir_w_sr, l.mwir_w_sr)
    }

    fn validate(&self) -> Result<(), FieldError> {
        positive("propellant_mass_kg", self.propellant_mass_kg)?;
        in_range("propellant_mass_kg", self.propellant_mass_kg, 1.0, 5.0e6)?;
        positive("dry_mass_kg", self.dry_mass_kg)?;
        in_range("dry_mass_kg", self.dry_mass_kg, 1.0, 1.0e6)?;
        in_range("burn_time_s", self.burn_time_s, 1.0, 1_000.0)?;
        in_range("isp_vac_s", self.isp_vac_s, 100.0, 480.0)?;
        if let Some(sl) = self.isp_sl_s {
            in_range("isp_sl_s", sl, 50.0, self.isp_vac_s)?;
        }
        in_range("diameter_m", self.diameter_m, 0.1, 12.0)?;
        in_range("length_m", self.length_m, 0.2, 80.0)?;
        in_range("coast_after_s", self.coast_after_s, 0.0, 600.0)?;
        if let Some(f) = self.lethal_fluence_kj_cm2 {
            in_range("lethal_fluence_kj_cm2", f, 0.01, 1_000.0)?;
        }
        let mut prev = -1.0;
        for (i, p) in self.plume.iter().enumerate() {
            let w = |e: FieldError| e.within(&format!("plume[{i}]"));
            in_range("alt_km", p.alt_km, 0.0, 1_000.0).map_err(w)?;
            if p.alt_km <= prev {
                return Err(FieldError::new(
                    format!("plume[{i}].alt_km"),
                    tl_core::check::fmt_f64(p.alt_km),
                    format!("greater than the previous row's {}", tl_core::check::fmt_f64(prev)),
                ));
            }
            prev = p.alt_km;
            non_negative("swir_w_sr", p.swir_w_sr).map_err(w)?;
            non_negative("mwir_w_sr", p.mwir_w_sr).map_err(w)?;
        }
        Ok(())
    }
}

impl BodySpec {
    fn validate(&self) -> Result<(), FieldError> {
        in_range("mass_kg", self.mass_kg, 0.1, 1.0e5)?;
        in_range("beta_kg_m2", self.beta_kg_m2, 1.0, 1.0e6)?;
        in_range("diameter_m", self.diameter_m, 0.05, 10.0)?;
        in_range("length_m", self.length_m, 0.05, 20.0)?;
        in_range("nose_radius_m", self.nose_radius_m, 0.001, 5.0)?;
        in_range("emissivity", self.emissivity, 0.0, 1.0)?;
        in_range("end_alt_km", self.end_alt_km, 0.0, 200.0)?;
        Ok(())
    }
}

impl MissileSpec {
    /// Total mass at lift-off, kg.
    pub fn launch_mass_kg(&self) -> f64 {
        self.payload_mass_kg + self.stages.iter().map(|s| s.propellant_mass_kg + s.dry_mass_kg).sum::<f64>()
    }

    /// Total boost time (burns plus coasts between stages), s.
    pub fn boost_time_s(&self) -> f64 {
        let n = self.stages.len();
        self.stages
            .iter()
            .enumerate()
            .map(|(i, s)| s.burn_time_s + if i + 1 < n { s.coast_after_s } else { 0.0 })
            .sum()
    }

    /// Ideal (Tsiolkovsky) velocity increment with vacuum Isp, m/s: no gravity or drag
    /// losses.
    pub fn ideal_delta_v_m_s(&self) -> f64 {
        let mut m = self.launch_mass_kg();
        let mut dv = 0.0;
        for s in &self.stages {
            let mf = m - s.propellant_mass_kg;
            dv += s.isp_vac_s * tl_core::consts::G0_M_S2 * (m / mf).ln();
            m = mf - s.dry_mass_kg;
        }
        dv
    }

    /// Check every field; the error names the field by its dotted path.
    ///
    /// ```
    /// let mut m = tl_threat::catalogue::get("irbm").unwrap();
    /// m.stages[1].burn_time_s = 0.0;
    /// let e = m.validate().unwrap_err();
    /// assert_eq!(e.field, "stages[1].burn_time_s");
    /// ```
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.name.trim().is_empty() {
            return Err(FieldError::new("name", "\"\"", "a non-empty name"));
        }
        if self.stages.is_empty() || self.stages.len() > 6 {
            return Err(FieldError::new("stages", format!("{} stages", self.stages.len()), "1 to 6 stages"));
        }
        for (i, s) in self.stages.iter().enumerate() {
            s.validate().map_err(|e| e.within(&format!("stages[{i}]")))?;
        }
        in_range("payload_mass_kg", self.payload_mass_kg, 1.0, 1.0e5)?;
        in_range("payload_diameter_m", self.payload_diameter_m, 0.1, 12.0)?;
        in_range("vertical_rise_s", self.vertical_rise_s, 1.0, 60.0)?;
        in_range("pitch_over_s", self.pitch_over_s, 1.0, 60.0)?;
        let s0 = &self.stages[0];
        if self.vertical_rise_s + self.pitch_over_s >= s0.burn_time_s {
            return Err(FieldError::new(
                "pitch_over_s",
                tl_core::check::fmt_f64(self.pitch_over_s),
                format!(
                    "such that vertical_rise_s + pitch_over_s < stages[0].burn_time_s = {}",
                    tl_core::check::fmt_f64(s0.burn_time_s)
                ),
            ));
        }
        in_range("cd_scale", self.cd_scale, 0.1, 10.0)?;
        self.rv.validate().map_err(|e| e.within("rv"))?;
        self.decoy.validate().map_err(|e| e.within("decoy"))?;
        if let Some(p) = &self.pbv {
            let w = |e: FieldError| e.within("pbv");
            in_range("bus_mass_kg", p.bus_mass_kg, 1.0, 1.0e5).map_err(w)?;
            in_range("deploy_time_s", p.deploy_time_s, 0.0, 3_000.0).map_err(w)?;
            in_range("diameter_m", p.diameter_m, 0.1, 12.0).map_err(w)?;
            in_range("length_m", p.length_m, 0.1, 20.0).map_err(w)?;
            in_range("emissivity", p.emissivity, 0.0, 1.0).map_err(w)?;
        }
        in_range("default_rvs", self.default_rvs as f64, 1.0, 20.0)?;
        in_range("default_decoys", self.default_decoys as f64, 0.0, 100.0)?;
        in_range("rv_separation_m_s", self.rv_separation_m_s, 0.0, 1_000.0)?;
        in_range("decoy_separation_m_s", self.decoy_separation_m_s, 0.0, 1_000.0)?;
        self.check_load(self.default_rvs, self.default_decoys).map_err(|mut e| {
            e.field = "default_rvs".into();
            e
        })?;
        // Lift-off thrust-to-weight.
        let tw = s0.thrust_sl_n() / (self.launch_mass_kg() * tl_core::consts::G0_M_S2);
        if tw < 1.1 {
            return Err(FieldError::new(
                "stages[0]",
                format!("lift-off thrust-to-weight {tw:.3}"),
                "> 1.1 (raise propellant_mass_kg / burn_time_s or isp_sl_s, or lower the masses)",
            ));
        }
        Ok(())
    }

    /// Check that `rvs` reentry vehicles and `decoys` decoys fit in the payload.
    pub fn check_load(&self, rvs: u32, decoys: u32) -> Result<(), FieldError> {
        let bus = self.pbv.as_ref().map_or(0.0, |p| p.bus_mass_kg);
        let need = bus + rvs as f64 * self.rv.mass_kg + decoys as f64 * self.decoy.mass_kg;
        if need > self.payload_mass_kg * (1.0 + 1e-9) {
            return Err(FieldError::new(
                "rvs",
                format!("{rvs} RVs and {decoys} decoys ({need:.0} kg with the bus)"),
                format!("a load within payload_mass_kg = {}", tl_core::check::fmt_f64(self.payload_mass_kg)),
            ));
        }
        if self.pbv.is_none() && (rvs > 1 || decoys > 0) {
            return Err(FieldError::new(
                "rvs",
                format!("{rvs} RVs and {decoys} decoys"),
                "1 RV and no decoys for a missile without a post-boost vehicle (pbv)",
            ));
        }
        Ok(())
    }
}
