//! Walker constellations `i: T/P/F`.
//!
//! T satellites in P equally populated circular planes of inclination i; F (0..P-1) sets
//! the relative phase between adjacent planes.
//!
//! * **delta**: ascending nodes spread over 360 deg: RAAN_j = RAAN_0 + j 360/P.
//! * **star**: nodes spread over 180 deg (polar "streets of coverage"): RAAN_j = RAAN_0 + j 180/P.
//!
//! In both, satellite k of plane j has argument of latitude
//! u_jk = k 360/S + j F 360/T, with S = T/P (Walker 1984, J. Br. Interplanet. Soc. 37).

use crate::kepler::KeplerElements;
use serde::{Deserialize, Serialize};
use tl_core::check::FieldError;
use tl_core::consts::WGS84_A_M;

/// Walker pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum WalkerPattern {
    /// Nodes over 360 deg.
    #[default]
    Delta,
    /// Nodes over 180 deg.
    Star,
}

/// A Walker constellation definition (angles in degrees, altitude above the WGS84
/// equatorial radius in km).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Walker {
    /// delta or star.
    pub pattern: WalkerPattern,
    /// Inclination, deg.
    pub inclination_deg: f64,
    /// Total satellites T.
    pub total: u32,
    /// Planes P (T must be a multiple of P).
    pub planes: u32,
    /// Phasing F in 0..P.
    pub phasing: u32,
    /// Circular altitude above the equatorial radius, km.
    pub altitude_km: f64,
    /// RAAN of the first plane, deg.
    pub raan0_deg: f64,
}

impl Walker {
    /// Check the definition; errors name the field.
    pub fn validate(&self) -> Result<(), FieldError> {
        use tl_core::check::in_range;
        in_range("inclination_deg", self.inclination_deg, 0.0, 180.0)?;
        in_range("altitude_km", self.altitude_km, 100.0, 400_000.0)?;
        in_range("raan0_deg", self.raan0_deg, -360.0, 360.0)?;
        if self.total == 0 || self.total > 100_000 {
            return Err(FieldError::new("total", self.total.to_string(), "within 1..=100000"));
        }
        if self.planes == 0 || self.planes > self.total {
            return Err(FieldError::new(
                "planes",
                self.planes.to_string(),
                format!("within 1..={} (total)", self.total),
            ));
        }
        if !self.total.is_multiple_of(self.planes) {
            return Err(FieldError::new(
                "planes",
                self.planes.to_string(),
                format!("a divisor of total = {} (equal satellites per plane)", self.total),
            ));
        }
        if self.phasing >= self.planes {
            return Err(FieldError::new(
                "phasing",
                self.phasing.to_string(),
                format!("within 0..={}", self.planes - 1),
            ));
        }
        Ok(())
    }

    /// Mean elements of every satellite at t = 0, with `(plane, slot)` indices, plane-major.
    ///
    /// ```
    /// use tl_orbit::walker::{Walker, WalkerPattern};
    /// let w = Walker { pattern: WalkerPattern::Delta, inclination_deg: 56.0, total: 24, planes: 3,
    ///     phasing: 1, altitude_km: 23_222.0, raan0_deg: 0.0 };   // Galileo 56:24/3/1
    /// let sats = w.elements();
    /// assert_eq!(sats.len(), 24);
    /// ```
    pub fn elements(&self) -> Vec<((u32, u32), KeplerElements)> {
        let t = self.total as f64;
        let p = self.planes;
        let s = self.total / p;
        let spread = match self.pattern {
            WalkerPattern::Delta => 360.0,
            WalkerPattern::Star => 180.0,
        };
        let a = WGS84_A_M + self.altitude_km * 1e3;
        let mut out = Vec::with_capacity(self.total as usize);
        for j in 0..p {
            for k in 0..s {
                let raan = self.raan0_deg + j as f64 * spread / p as f64;
                let u = k as f64 * 360.0 / s as f64 + j as f64 * self.phasing as f64 * 360.0 / t;
                out.push((
                    (j, k),
                    KeplerElements {
                        a_m: a,
                        e: 0.0,
                        i_rad: self.inclination_deg.to_radians(),
                        raan_rad: raan.to_radians().rem_euclid(std::f64::consts::TAU),
                        argp_rad: 0.0,
                        mean_anomaly_rad: u.to_radians().rem_euclid(std::f64::consts::TAU),
                    },
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delta_geometry() {
        let w = Walker {
            pattern: WalkerPattern::Delta,
            inclination_deg: 80.0,
            total: 28,
            planes: 4,
            phasing: 1,
            altitude_km: 1000.0,
            raan0_deg: 10.0,
        };
        w.validate().unwrap();
        let e = w.elements();
        assert_eq!(e.len(), 28);
        // Plane spacing 90 deg; in-plane spacing 360/7; inter-plane phase 360 F / T.
        let raans: Vec<f64> = e.iter().map(|x| x.1.raan_rad.to_degrees()).collect();
        assert!((raans[7] - raans[0] - 90.0).abs() < 1e-9);
        let u = |n: usize| e[n].1.mean_anomaly_rad.to_degrees();
        assert!((u(1) - u(0) - 360.0 / 7.0).abs() < 1e-9);
        assert!((u(7) - u(0) - 360.0 / 28.0).abs() < 1e-9);
        // Every satellite at the same radius.
        for (_, el) in &e {
            let (r, _) = el.to_state();
            assert!((r.norm() - (WGS84_A_M + 1e6)).abs() < 1e-6);
        }
    }

    #[test]
    fn star_spreads_nodes_over_180() {
        let w = Walker {
            pattern: WalkerPattern::Star,
            inclination_deg: 86.4,
            total: 66,
            planes: 6,
            phasing: 2,
            altitude_km: 780.0,
            raan0_deg: 0.0,
        }; // Iridium-like
        let e = w.elements();
        let last = e.last().unwrap().1.raan_rad.to_degrees();
        assert!((last - 150.0).abs() < 1e-9);
    }

    #[test]
    fn bad_definitions() {
        let ok = Walker {
            pattern: WalkerPattern::Delta,
            inclination_deg: 50.0,
            total: 12,
            planes: 3,
            phasing: 1,
            altitude_km: 1000.0,
            raan0_deg: 0.0,
        };
        assert_eq!(Walker { planes: 5, ..ok }.validate().unwrap_err().field, "planes");
        assert_eq!(Walker { phasing: 3, ..ok }.validate().unwrap_err().field, "phasing");
        assert_eq!(Walker { total: 0, ..ok }.validate().unwrap_err().field, "total");
        let e = Walker { inclination_deg: 190.0, ..ok }.validate().unwrap_err();
        assert_eq!(e.to_string(), "inclination_deg = 190: must be within 0..=180");
        assert!(Walker { altitude_km: f64::NAN, ..ok }.validate().is_err());
    }
}
