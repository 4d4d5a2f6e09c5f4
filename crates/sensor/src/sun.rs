//! A low-precision analytic solar ephemeris.
//!
//! The Sun's direction and distance from the formula of the *Astronomical Almanac*
//! ("Low precision formulas for the Sun", section C; accuracy 0.01 deg in direction
//! between 1950 and 2050):
//!
//! * `n = JD - 2451545.0` (days from J2000.0),
//! * mean longitude `L = 280.460 + 0.9856474 n` deg, mean anomaly `g = 357.528 + 0.9856003 n` deg,
//! * ecliptic longitude `lambda = L + 1.915 sin g + 0.020 sin 2g` deg, latitude 0,
//! * obliquity `eps = 23.439 - 0.0000004 n` deg,
//! * distance `R = 1.00014 - 0.01671 cos g - 0.00014 cos 2g` au,
//! * direction `(cos lambda, cos eps sin lambda, sin eps sin lambda)` in the mean equator
//!   and equinox of date, which is the TEME (ECI) axis set to within the equation of the
//!   equinoxes (< 1.2 arcsec), far below the formula's own error.
//!
//! The day count uses UTC in place of TT (69 s apart in 2026: 0.0008 deg of solar motion).

use tl_core::Vec3;
use tl_core::time::{Epoch, ut1_days_since_j2000};

/// Astronomical unit, m (IAU 2012, exact).
pub const AU_M: f64 = 149_597_870_700.0;

/// Nominal solar radius, m (IAU 2015 Resolution B3).
pub const R_SUN_M: f64 = 6.957e8;

/// Effective temperature of the Sun, K (IAU 2015 nominal 5772 K), used for in-band solar
/// irradiance as a blackbody.
pub const T_SUN_K: f64 = 5772.0;

/// The Sun as seen from the Earth's centre over a run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sun {
    days0: f64,
}

impl Sun {
    /// The ephemeris for a run starting at `epoch` (UTC).
    pub fn new(epoch: Epoch) -> Self {
        Self { days0: ut1_days_since_j2000(epoch, 0.0) }
    }

    /// Direct construction from days since J2000.0 at `t_s = 0`.
    pub fn from_days_since_j2000(days0: f64) -> Self {
        Self { days0 }
    }

    /// Unit vector from the Earth's centre to the Sun (ECI) and the distance, m, at `t_s`.
    ///
    /// ```
    /// use tl_core::time::parse_epoch;
    /// // 2026 June solstice (2026-06-21 08:24 UTC): declination +23.44 deg.
    /// let sun = tl_sensor::sun::Sun::new(parse_epoch("2026-06-21T08:24:00Z").unwrap());
    /// let (u, _) = sun.position_eci(0.0);
    /// assert!((u.z.asin().to_degrees() - 23.436).abs() < 0.02);
    /// ```
    pub fn position_eci(&self, t_s: f64) -> (Vec3, f64) {
        let n = self.days0 + t_s / 86_400.0;
        let l = (280.460 + 0.985_647_4 * n).to_radians();
        let g = (357.528 + 0.985_600_3 * n).to_radians();
        let lam = l + (1.915 * g.sin() + 0.020 * (2.0 * g).sin()).to_radians();
        let eps = (23.439 - 0.000_000_4 * n).to_radians();
        let r_au = 1.000_14 - 0.016_71 * g.cos() - 0.000_14 * (2.0 * g).cos();
        let (sl, cl) = lam.sin_cos();
        let (se, ce) = eps.sin_cos();
        (Vec3::new(cl, ce * sl, se * sl), r_au * AU_M)
    }

    /// Whether a point (ECI, m) is in the Earth's shadow (cylindrical shadow of a sphere of
    /// radius `r_earth_m`, umbra and penumbra not distinguished).
    #[inline]
    pub fn in_shadow(sun_dir: &Vec3, pos_eci_m: &Vec3, r_earth_m: f64) -> bool {
        let along = pos_eci_m.dot(sun_dir);
        along < 0.0 && (pos_eci_m - sun_dir * along).norm_squared() < r_earth_m * r_earth_m
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tl_core::time::parse_epoch;

    fn radec(e: &str) -> (f64, f64, f64) {
        let sun = Sun::new(parse_epoch(e).unwrap());
        let (u, r) = sun.position_eci(0.0);
        (u.y.atan2(u.x).to_degrees().rem_euclid(360.0), u.z.asin().to_degrees(), r / AU_M)
    }

    #[test]
    fn equinoxes_and_solstices_2026() {
        // Published instants (USNO "Earth's Seasons" tables, 2026): March equinox
        // 03-20 14:46 UTC, June solstice 06-21 08:24, September equinox 09-23 00:05,
        // December solstice 12-21 20:50. At these the apparent solar longitude is 0, 90,
        // 180, 270 deg. Tolerance 0.02 deg (formula 0.01 deg + 1 min rounding 0.0007 deg).
        let cases = [
            ("2026-03-20T14:46:00Z", 0.0),
            ("2026-06-21T08:24:00Z", 90.0),
            ("2026-09-23T00:05:00Z", 180.0),
            ("2026-12-21T20:50:00Z", 270.0),
        ];
        for (e, lon) in cases {
            let sun = Sun::new(parse_epoch(e).unwrap());
            let (u, _) = sun.position_eci(0.0);
            let n = sun.days0;
            let eps = (23.439 - 0.000_000_4 * n).to_radians();
            // back to ecliptic longitude
            let lam = (u.y * eps.cos() + u.z * eps.sin()).atan2(u.x).to_degrees().rem_euclid(360.0);
            let d = ((lam - lon + 540.0) % 360.0 - 180.0).abs();
            assert!(d < 0.02, "{e}: lambda {lam} vs {lon}");
        }
        let (ra, dec, _) = radec("2026-03-20T14:46:00Z");
        assert!(dec.abs() < 0.02 && !(0.02..=359.98).contains(&ra), "{ra} {dec}");
    }

    #[test]
    fn distance_at_perihelion_and_aphelion() {
        // 2026 perihelion Jan 3 (0.98331 au), aphelion Jul 6 (1.01664 au) (USNO).
        let (_, _, r) = radec("2026-01-03T17:00:00Z");
        assert!((r - 0.983_31).abs() < 2e-4, "{r}");
        let (_, _, r) = radec("2026-07-06T18:00:00Z");
        assert!((r - 1.016_64).abs() < 2e-4, "{r}");
    }

    #[test]
    fn shadow_test() {
        let s = Vec3::new(1.0, 0.0, 0.0);
        assert!(Sun::in_shadow(&s, &Vec3::new(-7e6, 0.0, 0.0), 6.4e6));
        assert!(!Sun::in_shadow(&s, &Vec3::new(7e6, 0.0, 0.0), 6.4e6));
        assert!(!Sun::in_shadow(&s, &Vec3::new(-7e6, 6.5e6, 0.0), 6.4e6));
    }
}
