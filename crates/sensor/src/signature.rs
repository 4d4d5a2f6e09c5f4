//! Infrared signatures: what an object radiates in a band, and what the atmosphere lets
//! through.
//!
//! In-band radiant intensity of an object (W/sr) is the sum of
//!
//! * the booster **plume**: `I_plume = T(stage, h) * f`, from a per-missile, per-stage
//!   table `T` of in-band intensity at full thrust against altitude `h` (SWIR ~2.7 um and
//!   MWIR ~4.3 um columns; linear interpolation, clamped at the table ends), times the
//!   thrust fraction `f` (throttle; 0 after burnout). LWIR plume intensity is the MWIR
//!   value times a catalogue ratio (no public LWIR plume tables exist);
//! * the **hard body** as a grey body: `I_body = eps A L_band(T_body)`, with `L_band` the
//!   Planck band radiance ([`crate::planck`]), emissivity `eps`, projected area `A`;
//! * optionally **reflected sunlight** from a Lambertian sphere of cross-section `A` and
//!   albedo `rho`: `I_refl = rho A E_sun,band (2 / (3 pi^2)) (sin a + (pi - a) cos a)`,
//!   with `a` the Sun-object-sensor phase angle and `E_sun,band = pi L_band(5772 K)
//!   (R_sun / d)^2` the in-band solar irradiance; zero in the Earth's shadow.
//!
//! Atmospheric path transmission (the "atmospheric floor"):
//! `tau = exp(-delta(h) m)`, `delta(h) = exp(-(h - h_floor) / H)` the vertical optical
//! depth above height `h` (1 at the floor height `h_floor`), and `m` the air mass at the
//! path's zenith cosine `mu`: `m = 1 / sqrt(mu^2 + 2 H / (pi r))`, which tends to `1/mu`
//! overhead and to the Chapman grazing value `sqrt(pi r / (2 H))` at the horizon. A path
//! grazing past the Earth crosses the layer twice (`2 m(0)` at its tangent height).

use serde::{Deserialize, Serialize};
use tl_core::Vec3;
use tl_core::check::{FieldError, non_negative};

/// The spectral band families.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BandKind {
    /// Short-wave IR around the 2.7 um water band ("see-to-ground": the lower atmosphere
    /// absorbs the Earth background and low plumes).
    Swir,
    /// Mid-wave IR around the 4.3 um CO2 band.
    Mwir,
    /// Long-wave IR (8-12 um window): cold bodies against space.
    Lwir,
}

impl BandKind {
    /// Default band edges, m: SWIR 2.65-2.95 um, MWIR 4.2-4.5 um, LWIR 8-12 um.
    pub fn default_edges_m(self) -> (f64, f64) {
        match self {
            BandKind::Swir => (2.65e-6, 2.95e-6),
            BandKind::Mwir => (4.2e-6, 4.5e-6),
            BandKind::Lwir => (8.0e-6, 12.0e-6),
        }
    }

    /// Default atmosphere for the band: `(floor height m, scale height m)` (see module doc).
    /// SWIR: water vapour absorbs below ~10-15 km (Forden, "SBIRS - Signal and
    /// Background"): floor 12 km, 2 km scale (transmission 1 % at 9 km, 50 % at 12.7 km,
    /// straight down). MWIR (CO2, well mixed, deeper): 15 km, 3 km (assumed). LWIR window:
    /// -2 km, 2 km (vertical transmission from the ground ~0.7; assumed).
    pub fn default_atmosphere_m(self) -> (f64, f64) {
        match self {
            BandKind::Swir => (12e3, 2e3),
            BandKind::Mwir => (15e3, 3e3),
            BandKind::Lwir => (-2e3, 2e3),
        }
    }

    /// Stable lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            BandKind::Swir => "swir",
            BandKind::Mwir => "mwir",
            BandKind::Lwir => "lwir",
        }
    }
}

/// A band: its family (which plume column to use) and its edges (for Planck integrals).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Band {
    /// Family.
    pub kind: BandKind,
    /// Short-wavelength edge, m.
    pub lo_m: f64,
    /// Long-wavelength edge, m.
    pub hi_m: f64,
}

impl Band {
    /// The family's default band.
    pub fn of(kind: BandKind) -> Self {
        let (lo_m, hi_m) = kind.default_edges_m();
        Self { kind, lo_m, hi_m }
    }
}

/// Atmospheric path transmission model of one band (see module doc).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Atmosphere {
    /// Height where the vertical optical depth above is 1, m.
    pub floor_m: f64,
    /// Scale height of the absorber, m (> 0).
    pub scale_m: f64,
}

impl Atmosphere {
    /// Transmission of a path whose lowest point is at height `h_m` with zenith cosine
    /// `mu` there (Earth radius `r_earth_m`); `tangent` doubles the path (in and out).
    ///
    /// ```
    /// use tl_sensor::signature::Atmosphere;
    /// let a = Atmosphere { floor_m: 12e3, scale_m: 2e3 };
    /// // straight down at the floor height: e^-1
    /// assert!((a.transmission(12e3, 1.0, false, 6.371e6) - (-1f64).exp()).abs() < 1e-4);
    /// assert!(a.transmission(5e3, 1.0, false, 6.371e6) < 1e-6);
    /// ```
    #[inline]
    pub fn transmission(&self, h_m: f64, mu: f64, tangent: bool, r_earth_m: f64) -> f64 {
        let z = (h_m - self.floor_m) / self.scale_m;
        if z > 40.0 {
            return 1.0;
        }
        let delta = (-z).exp();
        let r = r_earth_m + h_m.max(0.0);
        let m = 1.0 / (mu * mu + 2.0 * self.scale_m / (std::f64::consts::PI * r)).sqrt();
        let m = if tangent { 2.0 * m } else { m };
        (-delta * m).exp()
    }
}

/// One stage's plume table: in-band radiant intensity at full thrust against altitude.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlumeTable {
    /// Altitudes, m, strictly increasing.
    pub altitude_m: Vec<f64>,
    /// SWIR (~2.7 um) in-band intensity at full thrust, W/sr.
    pub swir_w_sr: Vec<f64>,
    /// MWIR (~4.3 um) in-band intensity at full thrust, W/sr.
    pub mwir_w_sr: Vec<f64>,
}

impl PlumeTable {
    /// Check the table: same lengths (>= 1), increasing altitudes, finite non-negative
    /// intensities.
    pub fn validate(&self) -> Result<(), FieldError> {
        let n = self.altitude_m.len();
        if n == 0 {
            return Err(FieldError::new("altitude_m", "[]", "at least one altitude"));
        }
        for (name, v) in [("swir_w_sr", &self.swir_w_sr), ("mwir_w_sr", &self.mwir_w_sr)] {
            if v.len() != n {
                return Err(FieldError::new(
                    name,
                    format!("{} values", v.len()),
                    format!("{n} values (one per altitude)"),
                ));
            }
            for (i, x) in v.iter().enumerate() {
                non_negative(&format!("{name}[{i}]"), *x)?;
            }
        }
        for i in 0..n {
            tl_core::check::finite(&format!("altitude_m[{i}]"), self.altitude_m[i])?;
            if i > 0 && self.altitude_m[i] <= self.altitude_m[i - 1] {
                return Err(FieldError::new(
                    format!("altitude_m[{i}]"),
                    tl_core::check::fmt_f64(self.altitude_m[i]),
                    format!("greater than altitude_m[{}] = {}", i - 1, self.altitude_m[i - 1]),
                ));
            }
        }
        Ok(())
    }

    /// Full-thrust intensity in a band family at altitude `h_m`, W/sr (linear
    /// interpolation, clamped). LWIR uses the MWIR column times `lwir_ratio`.
    #[inline]
    pub fn intensity_w_sr(&self, band: BandKind, h_m: f64, lwir_ratio: f64) -> f64 {
        let col = match band {
            BandKind::Swir => &self.swir_w_sr,
            BandKind::Mwir | BandKind::Lwir => &self.mwir_w_sr,
        };
        let v = interp(&self.altitude_m, col, h_m);
        if band == BandKind::Lwir { v * lwir_ratio } else { v }
    }
}

#[inline]
fn interp(x: &[f64], y: &[f64], at: f64) -> f64 {
    let n = x.len();
    if at <= x[0] {
        return y[0];
    }
    if at >= x[n - 1] {
        return y[n - 1];
    }
    let i = x.partition_point(|&v| v <= at); // x[i-1] <= at < x[i]
    let (x0, x1, y0, y1) = (x[i - 1], x[i], y[i - 1], y[i]);
    y0 + (y1 - y0) * (at - x0) / (x1 - x0)
}

/// The plume tables of a run, indexed by [`PlumeState::table`].
#[derive(Clone, Debug, PartialEq)]
pub struct Signatures {
    /// Tables, one per (missile, stage).
    pub plumes: Vec<PlumeTable>,
    /// LWIR plume intensity as a fraction of the MWIR value (assumed 0.2: no public LWIR
    /// plume tables; hot CO2/H2O emission falls off beyond 5 um).
    pub lwir_to_mwir_plume_ratio: f64,
}

impl Default for Signatures {
    fn default() -> Self {
        Self { plumes: Vec::new(), lwir_to_mwir_plume_ratio: 0.2 }
    }
}

/// A burning stage: which plume table and the thrust fraction.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlumeState {
    /// Index into [`Signatures::plumes`].
    pub table: u32,
    /// Thrust as a fraction of full thrust, 0..=1 (0 = not burning).
    pub thrust_fraction: f64,
}

/// An object as the sensor layer sees it: truth kinematics and infrared properties.
/// The sensor never passes `truth_id` to the tracker; it only goes to the scoring column.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SeenObject {
    /// Truth object id (for scoring).
    pub truth_id: u32,
    /// Position, ECI, m.
    pub pos_eci_m: Vec3,
    /// Velocity, ECI, m/s.
    pub vel_eci_m_s: Vec3,
    /// Acceleration, ECI, m/s^2 (gravity + thrust + drag): used to move the object within
    /// a report window (second-order).
    pub acc_eci_m_s2: Vec3,
    /// The burning stage, if any.
    pub plume: Option<PlumeState>,
    /// Hard-body temperature, K.
    pub temperature_k: f64,
    /// Hard-body emissivity, 0..=1.
    pub emissivity: f64,
    /// Projected (cross-section) area, m^2.
    pub area_m2: f64,
    /// Diffuse albedo for reflected sunlight, 0..=1 (0 disables reflection).
    pub albedo: f64,
}

impl SeenObject {
    /// A cold inert body (no plume) at `pos`/`vel`, for tests and examples: 300 K,
    /// emissivity 0.8, 0.5 m^2, albedo 0, gravity-only acceleration.
    pub fn inert(truth_id: u32, pos_eci_m: Vec3, vel_eci_m_s: Vec3) -> Self {
        Self {
            truth_id,
            pos_eci_m,
            vel_eci_m_s,
            acc_eci_m_s2: tl_core::gravity::accel_j2(&pos_eci_m),
            plume: None,
            temperature_k: 300.0,
            emissivity: 0.8,
            area_m2: 0.5,
            albedo: 0.0,
        }
    }

    /// Emitted in-band intensity (plume + hard body), W/sr, at height `h_m`, without
    /// reflected sunlight and without the atmosphere.
    pub fn emitted_w_sr(&self, band: &Band, h_m: f64, sig: &Signatures) -> f64 {
        let plume = match self.plume {
            Some(p) if p.thrust_fraction > 0.0 => sig
                .plumes
                .get(p.table as usize)
                .map(|t| {
                    t.intensity_w_sr(band.kind, h_m, sig.lwir_to_mwir_plume_ratio)
                        * p.thrust_fraction.min(1.0)
                })
                .unwrap_or(0.0),
            _ => 0.0,
        };
        let body = self.emissivity
            * self.area_m2
            * crate::planck::band_radiance(band.lo_m, band.hi_m, self.temperature_k);
        plume + body
    }
}

/// In-band solar irradiance at distance `d_m` from the Sun, W/m^2, treating the Sun as a
/// 5772 K blackbody of radius 6.957e8 m.
pub fn solar_band_irradiance_w_m2(band: &Band, d_m: f64) -> f64 {
    let k = crate::sun::R_SUN_M / d_m;
    std::f64::consts::PI * crate::planck::band_radiance(band.lo_m, band.hi_m, crate::sun::T_SUN_K) * k * k
}

/// Intensity reflected by a Lambertian sphere (cross-section `area_m2`, albedo `albedo`)
/// lit by irradiance `e_sun_w_m2` at phase angle `phase_rad`, W/sr.
#[inline]
pub fn lambert_sphere_w_sr(albedo: f64, area_m2: f64, e_sun_w_m2: f64, phase_rad: f64) -> f64 {
    let a = phase_rad.clamp(0.0, std::f64::consts::PI);
    albedo * area_m2 * e_sun_w_m2 * 2.0 / (3.0 * std::f64::consts::PI * std::f64::consts::PI)
        * (a.sin() + (std::f64::consts::PI - a) * a.cos())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plume_table_interpolates_and_validates() {
        let t = PlumeTable {
            altitude_m: vec![0.0, 10e3, 50e3],
            swir_w_sr: vec![1e5, 2e5, 6e5],
            mwir_w_sr: vec![2e5, 4e5, 1e6],
        };
        t.validate().unwrap();
        assert_eq!(t.intensity_w_sr(BandKind::Swir, 5e3, 0.2), 1.5e5);
        assert_eq!(t.intensity_w_sr(BandKind::Swir, 90e3, 0.2), 6e5);
        assert_eq!(t.intensity_w_sr(BandKind::Mwir, -1.0, 0.2), 2e5);
        assert!((t.intensity_w_sr(BandKind::Lwir, 30e3, 0.2) - 0.2 * 7e5).abs() < 1e-6);
        let mut bad = t.clone();
        bad.altitude_m[2] = 5e3;
        assert_eq!(bad.validate().unwrap_err().field, "altitude_m[2]");
        let mut bad = t;
        bad.swir_w_sr[1] = -1.0;
        assert_eq!(bad.validate().unwrap_err().field, "swir_w_sr[1]");
    }

    #[test]
    fn lambert_sphere_conserves_power() {
        // Integrating I(a) over all directions (a = angle from the Sun direction, which is
        // the phase angle measured from back-scatter) must give rho A E.
        let n = 20_000;
        let mut p = 0.0;
        for i in 0..n {
            let a = (i as f64 + 0.5) * std::f64::consts::PI / n as f64;
            p += lambert_sphere_w_sr(0.7, 2.0, 100.0, a)
                * std::f64::consts::TAU
                * a.sin()
                * std::f64::consts::PI
                / n as f64;
        }
        assert!((p / (0.7 * 2.0 * 100.0) - 1.0).abs() < 1e-6, "{p}");
    }

    #[test]
    fn solar_constant_from_blackbody() {
        // Total solar irradiance at 1 au ~ 1361 W/m^2 (Kopp & Lean 2011); a 5772 K
        // blackbody of the nominal radius gives 1361 within 0.1 %.
        let b = Band { kind: BandKind::Swir, lo_m: 1e-8, hi_m: 1e-2 };
        let e = solar_band_irradiance_w_m2(&b, crate::sun::AU_M);
        assert!((e / 1361.0 - 1.0).abs() < 2e-3, "{e}");
    }

    #[test]
    fn atmospheric_floor_hides_low_plumes_only_in_swir() {
        let (f, h) = BandKind::Swir.default_atmosphere_m();
        let a = Atmosphere { floor_m: f, scale_m: h };
        assert!(a.transmission(8e3, 1.0, false, 6.371e6) < 0.01);
        assert!(a.transmission(16e3, 1.0, false, 6.371e6) > 0.8);
        // slant paths see more air
        assert!(a.transmission(14e3, 0.3, false, 6.371e6) < a.transmission(14e3, 1.0, false, 6.371e6));
        // grazing air mass approaches the Chapman value sqrt(pi r / 2H)
        let m0 = -a.transmission(f, 0.0, false, 6.371e6).ln();
        assert!((m0 - (std::f64::consts::PI * (6.371e6 + f) / (2.0 * h)).sqrt()).abs() < 1e-9);
    }
}
