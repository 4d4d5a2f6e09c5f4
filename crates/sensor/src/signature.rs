//! Infrared signatures: what an object radiates in a band, and what the atmosphere lets
//! through.
//!
//! In-band radiant intensity of an object (W/sr) is the sum of
//!
//! * the booster **plume**: `I_plume = T(stage, h) * f`, from the missile catalogue's
//!   per-stage table `T` of in-band intensity at full thrust against altitude `h` (SWIR
//!   ~2.7 um and MWIR ~4.3 um columns), times the throttle `f`; `tl-threat` evaluates it
//!   per object state and the sensor receives the two in-band values. LWIR plume
//!   intensity is the MWIR value times a ratio (no public LWIR plume tables exist);
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

/// Run-wide signature settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Signatures {
    /// LWIR plume intensity as a fraction of the MWIR value (assumed 0.2: no public LWIR
    /// plume tables; hot CO2/H2O emission falls off beyond 5 um).
    pub lwir_to_mwir_plume_ratio: f64,
}

impl Default for Signatures {
    fn default() -> Self {
        Self { lwir_to_mwir_plume_ratio: 0.2 }
    }
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
    /// Plume in-band intensity in the SWIR (~2.7 um) band at the aperture side of the
    /// plume, W/sr: the burning stage's catalogue table at the object's altitude times the
    /// throttle, before path attenuation (0 when no motor burns). This is `tl-threat`'s
    /// `ObjectState::plume_swir_w_sr`.
    pub plume_swir_w_sr: f64,
    /// Plume in-band intensity in the MWIR (~4.3 um) band, W/sr (as above).
    pub plume_mwir_w_sr: f64,
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
            plume_swir_w_sr: 0.0,
            plume_mwir_w_sr: 0.0,
            temperature_k: 300.0,
            emissivity: 0.8,
            area_m2: 0.5,
            albedo: 0.0,
        }
    }

    /// Emitted in-band intensity (plume + hard body), W/sr, without reflected sunlight and
    /// without the atmosphere.
    pub fn emitted_w_sr(&self, band: &Band, sig: &Signatures) -> f64 {
        let plume = match band.kind {
            BandKind::Swir => self.plume_swir_w_sr,
            BandKind::Mwir => self.plume_mwir_w_sr,
            BandKind::Lwir => self.plume_mwir_w_sr * sig.lwir_to_mwir_plume_ratio,
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
