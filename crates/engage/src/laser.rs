//! Space-based lasers: spot size, intensity on target, dwell, and lasing a moving target.
//!
//! ## Optics (closed forms, docs/models/engage.md)
//!
//! A uniformly illuminated circular aperture of diameter `D` at wavelength `lambda` makes
//! an Airy pattern whose first dark ring is at angle `1.2197 lambda / D` (the first zero
//! of J1 over pi) and which holds `1 - J0(3.8317)^2 = 83.78 %` of the power inside it.
//! At range `R`:
//!
//! * diffraction spot radius `r_d = 1.2197 lambda R / D`;
//! * beam quality `Q` (>= 1, "times diffraction limited", the role M^2 plays for Gaussian
//!   beams) scales it: `r_q = Q r_d`;
//! * pointing jitter of one-axis RMS `sigma` (rad) smears the spot. We treat the core as
//!   Gaussian-equivalent: a circular Gaussian blur holds 83.78 % of its power within
//!   `k sigma R` with `k = sqrt(-2 ln(1 - 0.8378)) = 1.9073`, and Gaussian blurs add in
//!   quadrature, so the radius holding 83.78 % of the power is
//!   `r = sqrt(r_q^2 + (k sigma R)^2)`.
//!   With no jitter and Q = 1 this is exactly the Airy first null; with jitter dominant
//!   it is exactly the jitter radius for that power fraction.
//! * mean intensity over the spot: `I = 0.8378 T P / (pi r^2)` (T = optical and path
//!   transmission);
//! * dwell to deposit the lethal fluence F: `t = F / I` (normal incidence unless the
//!   engagement asks for the incidence factor, see [`IncidenceModel`]).
//!
//! Because every term of `r` grows in proportion to `R`, `I` falls as `1/R^2` and the
//! longest range at which a dwell of `t` seconds suffices has the closed form
//! `R_max = sqrt(0.8378 T P t / (pi F k_r^2))` with `k_r = r / R`.

use crate::geometry::los_clear;
use crate::path::TargetPath;
use crate::platform::Platform;
use tl_core::check::{FieldError, in_range, non_negative, positive};

/// Angle of the Airy pattern's first dark ring in units of lambda / D (j_{1,1} / pi).
pub const AIRY_FIRST_NULL: f64 = 1.219_669_891_266_504_5;

/// Fraction of the power inside the Airy first dark ring: 1 - J0(j_{1,1})^2.
pub const AIRY_CORE_FRACTION: f64 = 0.837_784_869_173_314_2;

/// Radius, in units of the one-axis RMS, of the circle holding [`AIRY_CORE_FRACTION`] of
/// a circular Gaussian's power: sqrt(-2 ln(1 - 0.8378)).
pub const GAUSS_CORE_RADIUS_SIGMA: f64 = 1.907_266_031_078_798_8;

/// How the beam's angle to the missile's skin enters the dwell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IncidenceModel {
    /// The beam meets the skin at normal incidence (the textbook dwell F / I).
    #[default]
    Normal,
    /// The beam heats the side of a cylinder along the target's velocity: the absorbed
    /// intensity is `I sin(theta)`, theta the angle between the beam and the velocity,
    /// with `sin(theta)` floored at 0.2 (nearer the axis the beam lands on the nose or
    /// base, which this model does not resolve).
    CylinderSide,
}

impl IncidenceModel {
    /// Factor applied to the intensity for a beam along unit `beam` hitting a target
    /// moving along `vel` (any length).
    #[inline]
    pub fn factor(self, beam: &nalgebra::Vector3<f64>, vel: &nalgebra::Vector3<f64>) -> f64 {
        match self {
            IncidenceModel::Normal => 1.0,
            IncidenceModel::CylinderSide => {
                let vn = vel.norm();
                if vn == 0.0 {
                    return 1.0;
                }
                let c = beam.dot(vel) / vn;
                (1.0 - c * c).max(0.0).sqrt().max(0.2)
            }
        }
    }
}

/// The fluence that kills the target.
#[derive(Clone, Debug, PartialEq)]
pub enum Lethality {
    /// One lethal fluence throughout, J/m^2.
    Constant(f64),
    /// Per stage: `(stage start time s, lethal fluence J/m^2)` in time order. Fluence
    /// deposited on a stage is lost when that stage separates (the next stage is a fresh
    /// body), so lasing restarts from zero at each stage start.
    PerStage(Vec<(f64, f64)>),
}

impl Lethality {
    /// Stage index and lethal fluence at `t_s` (J/m^2).
    #[inline]
    pub fn at(&self, t_s: f64) -> (usize, f64) {
        match self {
            Lethality::Constant(f) => (0, *f),
            Lethality::PerStage(v) => {
                let i = v.iter().rposition(|s| s.0 <= t_s).unwrap_or(0);
                (i, v.get(i).map_or(f64::INFINITY, |s| s.1))
            }
        }
    }

    /// The smallest lethal fluence of any stage, J/m^2 (for bounds).
    pub fn min_j_m2(&self) -> f64 {
        match self {
            Lethality::Constant(f) => *f,
            Lethality::PerStage(v) => v.iter().map(|s| s.1).fold(f64::INFINITY, f64::min),
        }
    }

    /// Check the values (positive, finite, stage times increasing).
    pub fn validate(&self) -> Result<(), FieldError> {
        match self {
            Lethality::Constant(f) => positive("lethal_fluence_j_m2", *f).map(|_| ()),
            Lethality::PerStage(v) => {
                if v.is_empty() {
                    return Err(FieldError::new("lethal_fluence_j_m2", "no stages", "at least one stage"));
                }
                for (i, s) in v.iter().enumerate() {
                    positive(&format!("lethal_fluence_j_m2[{i}]"), s.1)?;
                    if i > 0 && s.0.partial_cmp(&v[i - 1].0) != Some(std::cmp::Ordering::Greater) {
                        return Err(FieldError::new(
                            format!("stage_start_s[{i}]"),
                            tl_core::check::fmt_f64(s.0),
                            "greater than the previous stage's start",
                        ));
                    }
                }
                Ok(())
            }
        }
    }
}

/// A space-based laser, SI units. Build with struct syntax and call [`Laser::validate`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Laser {
    /// Output power, W.
    pub power_w: f64,
    /// Wavelength, m.
    pub wavelength_m: f64,
    /// Primary mirror (aperture) diameter, m.
    pub aperture_m: f64,
    /// Beam quality Q >= 1: the spot's diffraction radius is Q times the ideal one.
    pub beam_quality: f64,
    /// Pointing jitter, one-axis RMS, rad.
    pub jitter_rad: f64,
    /// Fraction of the output power that reaches the target (optics, path), in (0, 1].
    pub transmission: f64,
    /// Longest range at which the laser fires, m.
    pub max_range_m: f64,
    /// Lowest target altitude (geodetic) the beam can reach, m.
    pub min_target_alt_m: f64,
    /// Lowest altitude the beam's path may graze, m.
    pub grazing_alt_m: f64,
    /// Time to slew and settle on a new target before lasing, s.
    pub retarget_s: f64,
    /// Total lasing time available from a full magazine, s (`INFINITY` for unlimited).
    pub magazine_s: f64,
    /// Time to refill an empty magazine, s (`INFINITY` for no recharge, e.g. chemical).
    pub recharge_s: f64,
}

impl Laser {
    /// Check every field; errors name the field, the value and the allowed range.
    ///
    /// ```
    /// let mut l = tl_engage::laser::Laser::example();
    /// l.power_w = 0.0;
    /// assert_eq!(l.validate().unwrap_err().field, "power_w");
    /// ```
    pub fn validate(&self) -> Result<(), FieldError> {
        positive("power_w", self.power_w)?;
        in_range("wavelength_m", self.wavelength_m, 1e-7, 1e-3)?;
        positive("aperture_m", self.aperture_m)?;
        in_range("beam_quality", self.beam_quality, 1.0, 100.0)?;
        non_negative("jitter_rad", self.jitter_rad)?;
        if !(self.transmission > 0.0 && self.transmission <= 1.0) {
            return Err(FieldError::new(
                "transmission",
                tl_core::check::fmt_f64(self.transmission),
                "within (0, 1]",
            ));
        }
        positive("max_range_m", self.max_range_m)?;
        non_negative("min_target_alt_m", self.min_target_alt_m)?;
        non_negative("grazing_alt_m", self.grazing_alt_m)?;
        non_negative("retarget_s", self.retarget_s)?;
        if self.magazine_s.is_nan() || self.magazine_s <= 0.0 {
            return Err(FieldError::new(
                "magazine_s",
                tl_core::check::fmt_f64(self.magazine_s),
                "> 0 (inf allowed)",
            ));
        }
        if self.recharge_s.is_nan() || self.recharge_s <= 0.0 {
            return Err(FieldError::new(
                "recharge_s",
                tl_core::check::fmt_f64(self.recharge_s),
                "> 0 (inf allowed)",
            ));
        }
        Ok(())
    }

    /// A "Space-Based Laser concept"-like weapon (public-figures.md: MW-class 2.7 um
    /// chemical laser, 4-8 m mirror): 5 MW, 2.7 um, 4 m, Q = 1, no jitter, 4,000 km
    /// maximum range, 15 km altitude floor and grazing altitude, 1 s retarget, 500 s of
    /// lasing, no recharge. Figures beyond the public ones are assumptions (see the docs).
    pub fn example() -> Self {
        Self {
            power_w: 5.0e6,
            wavelength_m: 2.7e-6,
            aperture_m: 4.0,
            beam_quality: 1.0,
            jitter_rad: 0.0,
            transmission: 1.0,
            max_range_m: 4.0e6,
            min_target_alt_m: 15_000.0,
            grazing_alt_m: 15_000.0,
            retarget_s: 1.0,
            magazine_s: 500.0,
            recharge_s: f64::INFINITY,
        }
    }

    /// Diffraction-limited first-null spot radius at `range_m`, m: 1.2197 lambda R / D.
    ///
    /// ```
    /// let l = tl_engage::laser::Laser { wavelength_m: 1.0e-6, aperture_m: 1.0, ..tl_engage::laser::Laser::example() };
    /// assert!((l.diffraction_radius_m(1.0e6) - 1.2197).abs() < 1e-4);
    /// ```
    pub fn diffraction_radius_m(&self, range_m: f64) -> f64 {
        AIRY_FIRST_NULL * self.wavelength_m * range_m / self.aperture_m
    }

    /// Spot radius per metre of range (rad): beam quality and jitter combined in quadrature.
    #[inline]
    pub fn spot_angle_rad(&self) -> f64 {
        let d = self.beam_quality * AIRY_FIRST_NULL * self.wavelength_m / self.aperture_m;
        let j = GAUSS_CORE_RADIUS_SIGMA * self.jitter_rad;
        (d * d + j * j).sqrt()
    }

    /// Radius holding 83.78 % of the power at `range_m` (diffraction x beam quality,
    /// combined with jitter in quadrature), m.
    pub fn spot_radius_m(&self, range_m: f64) -> f64 {
        self.spot_angle_rad() * range_m
    }

    /// Mean intensity over the spot at `range_m`, W/m^2: 0.8378 T P / (pi r^2).
    #[inline]
    pub fn mean_intensity_w_m2(&self, range_m: f64) -> f64 {
        let r = self.spot_radius_m(range_m);
        AIRY_CORE_FRACTION * self.transmission * self.power_w / (std::f64::consts::PI * r * r)
    }

    /// Dwell to deposit `fluence_j_m2` at a fixed `range_m` at normal incidence, s.
    pub fn dwell_s(&self, range_m: f64, fluence_j_m2: f64) -> f64 {
        fluence_j_m2 / self.mean_intensity_w_m2(range_m)
    }

    /// Longest range at which a dwell of `time_s` deposits `fluence_j_m2` (normal
    /// incidence, fixed range), m; not capped by `max_range_m`.
    ///
    /// ```
    /// let l = tl_engage::laser::Laser::example();
    /// let r = l.max_range_for_dwell_m(2.0e7, 10.0);
    /// assert!((l.dwell_s(r, 2.0e7) - 10.0).abs() < 1e-9);
    /// ```
    pub fn max_range_for_dwell_m(&self, fluence_j_m2: f64, time_s: f64) -> f64 {
        if time_s.is_nan() || time_s <= 0.0 {
            return 0.0;
        }
        let k = self.spot_angle_rad();
        (AIRY_CORE_FRACTION * self.transmission * self.power_w * time_s
            / (std::f64::consts::PI * fluence_j_m2 * k * k))
            .sqrt()
    }

    /// Rate at which lasing is possible and its intensity on the target, W/m^2, at `t_s`:
    /// 0 when out of range, out of line of sight, or the target is below the floor.
    #[inline]
    pub fn absorbed_intensity_w_m2(
        &self,
        platform: &dyn Platform,
        target: &TargetPath,
        t_s: f64,
        incidence: IncidenceModel,
    ) -> Option<(f64, f64)> {
        let alt = target.altitude_m(t_s)?;
        if alt < self.min_target_alt_m {
            return None;
        }
        let (rt, vt) = target.state_eci(t_s)?;
        let (rp, _) = platform.state_eci(t_s);
        let d = rt - rp;
        let range = d.norm();
        if range > self.max_range_m || !los_clear(&rp, &rt, self.grazing_alt_m) {
            return None;
        }
        let f = incidence.factor(&(d / range), &vt);
        Some((self.mean_intensity_w_m2(range) * f, range))
    }

    /// Lase `target` from `platform`, starting to slew at `start_t_s`: after
    /// `retarget_s` the beam accumulates fluence whenever the target is engageable
    /// (range, line of sight, altitude floor), until the lethal fluence is reached
    /// (a kill), the deadline passes, or the magazine (`magazine_left_s`) runs dry. With
    /// per-stage lethality the deposit restarts at each stage start. Integration by the
    /// midpoint rule on `step_s` steps; the kill instant is found inside its step (exact
    /// for a constant intensity).
    #[allow(clippy::too_many_arguments)]
    pub fn lase(
        &self,
        platform: &dyn Platform,
        target: &TargetPath,
        start_t_s: f64,
        deadline_t_s: f64,
        lethal: &Lethality,
        magazine_left_s: f64,
        incidence: IncidenceModel,
        step_s: f64,
    ) -> LaseOutcome {
        let t0 = start_t_s + self.retarget_s;
        let mut out = LaseOutcome {
            start_t_s,
            first_light_t_s: None,
            kill_t_s: None,
            end_t_s: t0.min(deadline_t_s),
            lasing_s: 0.0,
            fluence_j_m2: 0.0,
            range_at_end_m: f64::NAN,
        };
        if t0 >= deadline_t_s {
            return out;
        }
        let mut stage = lethal.at(t0).0;
        let mut t = t0;
        while t < deadline_t_s {
            let mut h = step_s.min(deadline_t_s - t);
            // Never straddle a stage start: end the step there.
            if let Lethality::PerStage(v) = lethal
                && let Some(next) = v.get(stage + 1)
                && next.0 > t
                && next.0 < t + h
            {
                h = next.0 - t;
            }
            let (s_now, threshold) = lethal.at(t + 0.5 * h);
            if s_now != stage {
                stage = s_now;
                out.fluence_j_m2 = 0.0;
            }
            if let Some((i, range)) = self.absorbed_intensity_w_m2(platform, target, t + 0.5 * h, incidence) {
                out.first_light_t_s.get_or_insert(t);
                let can = h.min(magazine_left_s - out.lasing_s);
                let need = (threshold - out.fluence_j_m2) / i;
                out.range_at_end_m = range;
                if need <= can {
                    out.lasing_s += need;
                    out.fluence_j_m2 = threshold;
                    out.kill_t_s = Some(t + need);
                    out.end_t_s = t + need;
                    return out;
                }
                out.lasing_s += can;
                out.fluence_j_m2 += i * can;
                if can < h {
                    out.end_t_s = t + can;
                    return out;
                }
            }
            t += h;
            out.end_t_s = t;
        }
        out
    }
}

/// What one lasing attempt achieved.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LaseOutcome {
    /// When slewing began, s.
    pub start_t_s: f64,
    /// First instant the beam was on target, s (None if never).
    pub first_light_t_s: Option<f64>,
    /// Kill instant (lethal fluence reached), s.
    pub kill_t_s: Option<f64>,
    /// When the attempt ended (kill, deadline or empty magazine), s.
    pub end_t_s: f64,
    /// Lasing seconds used.
    pub lasing_s: f64,
    /// Fluence deposited, J/m^2.
    pub fluence_j_m2: f64,
    /// Range at the last lasing step, m (NaN if never lased).
    pub range_at_end_m: f64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::path::PathNode;
    use crate::platform::FixedPoint;
    use nalgebra::Vector3;

    /// J0 by its power series (independent of the constants above).
    fn bessel_j0(x: f64) -> f64 {
        let mut term = 1.0;
        let mut sum = 1.0;
        for k in 1..60 {
            term *= -(x * x / 4.0) / (k as f64 * k as f64);
            sum += term;
        }
        sum
    }

    /// J1 by its power series.
    fn bessel_j1(x: f64) -> f64 {
        let mut term = x / 2.0;
        let mut sum = term;
        for k in 1..60 {
            term *= -(x * x / 4.0) / (k as f64 * (k + 1) as f64);
            sum += term;
        }
        sum
    }

    #[test]
    fn airy_constants_from_bessel_functions() {
        // First zero of J1 by bisection, then the encircled energy 1 - J0^2 - J1^2 there.
        let (mut lo, mut hi) = (3.0, 4.5);
        for _ in 0..100 {
            let m = 0.5 * (lo + hi);
            if bessel_j1(lo) * bessel_j1(m) <= 0.0 {
                hi = m;
            } else {
                lo = m;
            }
        }
        let x = 0.5 * (lo + hi);
        assert!((x / std::f64::consts::PI - AIRY_FIRST_NULL).abs() < 1e-12);
        assert!((1.0 - bessel_j0(x).powi(2) - bessel_j1(x).powi(2) - AIRY_CORE_FRACTION).abs() < 1e-12);
        // About 84 % (public-figures.md) and the Gaussian radius for the same fraction.
        assert!((AIRY_CORE_FRACTION - 0.84).abs() < 0.003);
        assert!((1.0 - (-(GAUSS_CORE_RADIUS_SIGMA.powi(2)) / 2.0).exp() - AIRY_CORE_FRACTION).abs() < 1e-14);
    }

    #[test]
    fn spot_intensity_dwell_closed_forms() {
        // 1 MW, 1 um, 1 m mirror at 1000 km: r = 1.22 m (public-figures formula), core
        // 84 % over pi r^2: I = 0.8378e6 / (pi 1.4876) = 1.7927e5 W/m^2 = 17.9 W/cm^2;
        // F = 1 kJ/cm^2 = 1e7 J/m^2 -> dwell 55.78 s.
        let l = Laser {
            power_w: 1.0e6,
            wavelength_m: 1.0e-6,
            aperture_m: 1.0,
            beam_quality: 1.0,
            jitter_rad: 0.0,
            ..Laser::example()
        };
        let r = l.spot_radius_m(1.0e6);
        assert!((r - 1.22).abs() / 1.22 < 3e-4, "{r}");
        let i = l.mean_intensity_w_m2(1.0e6);
        let expect = 0.837_785 * 1.0e6 / (std::f64::consts::PI * 1.219_67f64.powi(2));
        assert!((i - expect).abs() / expect < 1e-5, "{i} vs {expect}");
        assert!((l.dwell_s(1.0e6, 1.0e7) - 1.0e7 / expect).abs() < 1e-3);
        // Range scaling: 1/R^2.
        assert!((l.mean_intensity_w_m2(2.0e6) * 4.0 - i).abs() / i < 1e-12);
        // Beam quality 2 doubles the radius, quarters the intensity.
        let q2 = Laser { beam_quality: 2.0, ..l };
        assert!((q2.spot_radius_m(1.0e6) - 2.0 * r).abs() < 1e-9);
        // Jitter alone (tiny diffraction): radius = 1.9073 sigma R.
        let j = Laser { jitter_rad: 1.0e-6, aperture_m: 1.0e3, ..l };
        let rj = j.spot_radius_m(1.0e6);
        assert!((rj - (1.9073f64.powi(2) + (1.2197e-3f64).powi(2)).sqrt()).abs() < 1e-4, "{rj}");
        // Quadrature: diffraction 1.2197 m with jitter giving 1.9073 m.
        let both = Laser { jitter_rad: 1.0e-6, ..l };
        assert!(
            (both.spot_radius_m(1.0e6) - (1.219_67f64.powi(2) + 1.907_27f64.powi(2)).sqrt()).abs() < 1e-4
        );
        // Transmission scales intensity.
        let t = Laser { transmission: 0.5, ..l };
        assert!((t.mean_intensity_w_m2(1.0e6) * 2.0 - i).abs() / i < 1e-12);
        // Max range for a dwell is the inverse of dwell(range).
        let rmax = both.max_range_for_dwell_m(3.0e7, 42.0);
        assert!((both.dwell_s(rmax, 3.0e7) - 42.0).abs() < 1e-9);
    }

    fn hover_target(pos: Vector3<f64>, vel: Vector3<f64>, t_end: f64) -> TargetPath {
        let nodes = (0..=((t_end as usize) * 2))
            .map(|k| {
                let t = k as f64 * 0.5;
                PathNode { t_s: t, pos_eci_m: pos + vel * t, vel_eci_m_s: vel }
            })
            .collect();
        TargetPath::new(nodes, t_end).unwrap()
    }

    #[test]
    fn lasing_a_fixed_range_target_takes_the_closed_form_dwell() {
        let l = Laser::example();
        let target_pos = Vector3::new(tl_core::consts::WGS84_A_M + 150e3, 0.0, 0.0);
        let sat = FixedPoint(target_pos + Vector3::new(300e3, 900e3, 0.0));
        let range = 300e3f64.hypot(900e3);
        let tgt = hover_target(target_pos, Vector3::zeros(), 200.0);
        let f = 3.0e7;
        let out = l.lase(
            &sat,
            &tgt,
            10.0,
            200.0,
            &Lethality::Constant(f),
            f64::INFINITY,
            IncidenceModel::Normal,
            0.7,
        );
        let dwell = l.dwell_s(range, f);
        let kill = out.kill_t_s.expect("kill");
        assert!((kill - (10.0 + l.retarget_s + dwell)).abs() < 1e-9, "{kill} vs {}", 11.0 + dwell);
        assert!((out.lasing_s - dwell).abs() < 1e-9);
        // Deadline before the dwell completes: no kill; magazine too small: no kill.
        let late = l.lase(
            &sat,
            &tgt,
            10.0,
            11.0 + dwell - 0.01,
            &Lethality::Constant(f),
            f64::INFINITY,
            IncidenceModel::Normal,
            0.7,
        );
        assert!(late.kill_t_s.is_none());
        let dry = l.lase(
            &sat,
            &tgt,
            10.0,
            200.0,
            &Lethality::Constant(f),
            dwell * 0.99,
            IncidenceModel::Normal,
            0.7,
        );
        assert!(dry.kill_t_s.is_none() && (dry.lasing_s - dwell * 0.99).abs() < 1e-9);
    }

    #[test]
    fn never_engaged_without_line_of_sight_or_below_the_floor() {
        let l = Laser { max_range_m: 5.0e7, ..Laser::example() };
        let target_pos = Vector3::new(tl_core::consts::WGS84_A_M + 150e3, 0.0, 0.0);
        let tgt = hover_target(target_pos, Vector3::zeros(), 100.0);
        // Behind the Earth.
        let hidden = FixedPoint(Vector3::new(-7.0e6, 0.0, 0.0));
        let o = l.lase(
            &hidden,
            &tgt,
            0.0,
            100.0,
            &Lethality::Constant(1.0),
            f64::INFINITY,
            IncidenceModel::Normal,
            1.0,
        );
        assert!(o.kill_t_s.is_none() && o.first_light_t_s.is_none() && o.lasing_s == 0.0);
        // Visible, but the target stays below the altitude floor (here 200 km).
        let above = FixedPoint(target_pos + Vector3::new(500e3, 0.0, 0.0));
        let floor = Laser { min_target_alt_m: 200e3, ..l };
        let o = floor.lase(
            &above,
            &tgt,
            0.0,
            100.0,
            &Lethality::Constant(1.0),
            f64::INFINITY,
            IncidenceModel::Normal,
            1.0,
        );
        assert!(o.kill_t_s.is_none() && o.lasing_s == 0.0);
        // The same geometry with the floor below the target: killed at once.
        let o = l.lase(
            &above,
            &tgt,
            0.0,
            100.0,
            &Lethality::Constant(1.0),
            f64::INFINITY,
            IncidenceModel::Normal,
            1.0,
        );
        assert!(o.kill_t_s.is_some());
        // Out of range.
        let short = Laser { max_range_m: 499e3, ..l };
        assert!(
            short
                .lase(
                    &above,
                    &tgt,
                    0.0,
                    100.0,
                    &Lethality::Constant(1.0),
                    f64::INFINITY,
                    IncidenceModel::Normal,
                    1.0
                )
                .kill_t_s
                .is_none()
        );
    }

    #[test]
    fn rising_target_is_engaged_only_above_the_floor() {
        // Rises through 15 km at t = 15 s (1 km/s straight up from the equator); lethal
        // fluence tiny, so the kill happens at first light: just after 15 s.
        let l = Laser::example();
        let base = Vector3::new(tl_core::consts::WGS84_A_M, 0.0, 0.0);
        let tgt = hover_target(base, Vector3::new(1_000.0, 0.0, 0.0), 100.0);
        let sat = FixedPoint(base + Vector3::new(600e3, 0.0, 300e3));
        let o = l.lase(
            &sat,
            &tgt,
            0.0,
            100.0,
            &Lethality::Constant(1.0),
            f64::INFINITY,
            IncidenceModel::Normal,
            0.25,
        );
        let k = o.kill_t_s.unwrap();
        assert!((15.0..15.3).contains(&k), "{k}");
    }

    #[test]
    fn fluence_on_a_separated_stage_is_lost() {
        // Constant intensity; stage 2 starts at t = 20 s. A dwell of 15 s started at 10 s
        // would end at 25 s on one body, but the 10 s on stage 1 are lost: the kill comes
        // a full dwell after the stage start.
        let l = Laser::example();
        let target_pos = Vector3::new(tl_core::consts::WGS84_A_M + 150e3, 0.0, 0.0);
        let sat = FixedPoint(target_pos + Vector3::new(0.0, 1.0e6, 0.0));
        let tgt = hover_target(target_pos, Vector3::zeros(), 200.0);
        let i = l.mean_intensity_w_m2(1.0e6);
        let f = 15.0 * i;
        let lethal = Lethality::PerStage(vec![(0.0, f), (20.0, f)]);
        let o = l.lase(&sat, &tgt, 9.0, 200.0, &lethal, f64::INFINITY, IncidenceModel::Normal, 0.7);
        assert!((o.kill_t_s.unwrap() - 35.0).abs() < 1e-9, "{:?}", o.kill_t_s);
        assert!((o.lasing_s - 25.0).abs() < 1e-9);
        let o = l.lase(
            &sat,
            &tgt,
            9.0,
            200.0,
            &Lethality::Constant(f),
            f64::INFINITY,
            IncidenceModel::Normal,
            0.7,
        );
        assert!((o.kill_t_s.unwrap() - 25.0).abs() < 1e-9);
        assert!(Lethality::PerStage(vec![(0.0, f), (0.0, f)]).validate().is_err());
        assert_eq!(Lethality::Constant(0.0).validate().unwrap_err().field, "lethal_fluence_j_m2");
    }

    #[test]
    fn incidence_factor() {
        let beam = Vector3::new(1.0, 0.0, 0.0);
        assert_eq!(IncidenceModel::Normal.factor(&beam, &Vector3::new(1.0, 0.0, 0.0)), 1.0);
        assert!(
            (IncidenceModel::CylinderSide.factor(&beam, &Vector3::new(0.0, 5.0, 0.0)) - 1.0).abs() < 1e-12
        );
        let v = Vector3::new(3f64.sqrt() / 2.0, 0.5, 0.0);
        assert!((IncidenceModel::CylinderSide.factor(&beam, &v) - 0.5).abs() < 1e-12);
        assert_eq!(IncidenceModel::CylinderSide.factor(&beam, &beam), 0.2);
    }

    #[test]
    fn bad_lasers_are_refused_by_name() {
        let ok = Laser::example();
        ok.validate().unwrap();
        for (l, field) in [
            (Laser { power_w: -1.0, ..ok }, "power_w"),
            (Laser { aperture_m: 0.0, ..ok }, "aperture_m"),
            (Laser { wavelength_m: f64::NAN, ..ok }, "wavelength_m"),
            (Laser { beam_quality: 0.5, ..ok }, "beam_quality"),
            (Laser { jitter_rad: -1e-7, ..ok }, "jitter_rad"),
            (Laser { transmission: 1.5, ..ok }, "transmission"),
            (Laser { magazine_s: 0.0, ..ok }, "magazine_s"),
        ] {
            assert_eq!(l.validate().unwrap_err().field, field);
        }
        assert_eq!(
            Laser { power_w: 0.0, ..ok }.validate().unwrap_err().to_string(),
            "power_w = 0: must be a finite number > 0"
        );
    }
}
