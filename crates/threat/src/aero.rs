//! Aerodynamic drag: a Mach-dependent drag coefficient for boosters and constant
//! ballistic coefficients for unpowered bodies.

/// Zero-lift drag coefficient of a slender ballistic missile vs Mach number (power-on,
/// referenced to the body's maximum cross-section).
///
/// The curve's shape (flat subsonic value, transonic rise to a peak near Mach 1.1-1.2,
/// slow supersonic/hypersonic decline) follows the V-2 wind-tunnel curve shown in Sutton &
/// Biblarz, *Rocket Propulsion Elements*, 7th ed., Fig. 4-2, rounded; uncertainty about
/// +/-30 %. Linear interpolation; constant beyond the ends.
pub const CD_TABLE: [(f64, f64); 13] = [
    (0.0, 0.20),
    (0.6, 0.20),
    (0.8, 0.22),
    (0.9, 0.27),
    (1.0, 0.38),
    (1.1, 0.42),
    (1.2, 0.42),
    (1.5, 0.38),
    (2.0, 0.33),
    (3.0, 0.27),
    (4.0, 0.24),
    (6.0, 0.22),
    (10.0, 0.20),
];

/// Drag coefficient at Mach number `mach` from [`CD_TABLE`]: monotone piecewise-cubic
/// (Fritsch-Carlson) interpolation, so the drag is continuously differentiable in Mach (a
/// piecewise-linear table would put kinks into the equations of motion that spoil the
/// integrator's order); constant beyond the ends.
///
/// ```
/// assert!((tl_threat::aero::cd_of_mach(0.3) - 0.20).abs() < 1e-12);
/// assert!(tl_threat::aero::cd_of_mach(1.15) > 0.4);
/// ```
#[inline]
pub fn cd_of_mach(mach: f64) -> f64 {
    let t = &CD_TABLE;
    let n = t.len();
    if mach.is_nan() || mach <= t[0].0 {
        return t[0].1;
    }
    if mach >= t[n - 1].0 {
        return t[n - 1].1;
    }
    let i = t.partition_point(|p| p.0 <= mach) - 1;
    let slope = |k: usize| -> f64 {
        // Fritsch-Carlson: harmonic mean of neighbouring secants, 0 at extrema and ends.
        if k == 0 || k == n - 1 {
            return 0.0;
        }
        let d0 = (t[k].1 - t[k - 1].1) / (t[k].0 - t[k - 1].0);
        let d1 = (t[k + 1].1 - t[k].1) / (t[k + 1].0 - t[k].0);
        if d0 * d1 <= 0.0 {
            0.0
        } else {
            let (h0, h1) = (t[k].0 - t[k - 1].0, t[k + 1].0 - t[k].0);
            let (w1, w2) = (2.0 * h1 + h0, h1 + 2.0 * h0);
            (w1 + w2) / (w1 / d0 + w2 / d1)
        }
    };
    let (x0, y0) = t[i];
    let (x1, y1) = t[i + 1];
    let h = x1 - x0;
    let s = (mach - x0) / h;
    let (m0, m1) = (slope(i) * h, slope(i + 1) * h);
    let s2 = s * s;
    let s3 = s2 * s;
    (2.0 * s3 - 3.0 * s2 + 1.0) * y0 + (s3 - 2.0 * s2 + s) * m0 + (-2.0 * s3 + 3.0 * s2) * y1 + (s3 - s2) * m1
}

/// Ballistic coefficient `beta = m / (Cd A)` (kg/m^2) of a randomly tumbling cylinder
/// (a spent stage): mean projected area = surface area / 4 (Cauchy's theorem for convex
/// bodies) with a hypersonic Newtonian drag coefficient of 2 (e.g. Klinkrad, *Space
/// Debris*, 2006, ch. 7; uncertainty about +/-30 %).
///
/// ```
/// // A 2,300 kg stage, 1.67 m wide and 7.5 m long: about 105 kg/m^2.
/// let b = tl_threat::aero::tumbling_cylinder_beta_kg_m2(2_300.0, 1.67, 7.5);
/// assert!((b - 105.0).abs() < 5.0);
/// ```
pub fn tumbling_cylinder_beta_kg_m2(mass_kg: f64, diameter_m: f64, length_m: f64) -> f64 {
    let surface =
        std::f64::consts::PI * diameter_m * length_m + std::f64::consts::FRAC_PI_2 * diameter_m * diameter_m;
    mass_kg / (2.0 * surface / 4.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_continuous_and_positive() {
        let mut prev = cd_of_mach(0.0);
        for i in 1..2000 {
            let c = cd_of_mach(i as f64 * 0.01);
            assert!(c > 0.0 && (c - prev).abs() < 0.02, "jump at M {}", i as f64 * 0.01);
            prev = c;
        }
        // Reproduces the table and stays within the range of neighbouring values (monotone).
        for w in CD_TABLE.windows(2) {
            assert!((cd_of_mach(w[0].0) - w[0].1).abs() < 1e-12);
            let mid = cd_of_mach(0.5 * (w[0].0 + w[1].0));
            assert!(mid >= w[0].1.min(w[1].1) - 1e-12 && mid <= w[0].1.max(w[1].1) + 1e-12);
        }
        assert_eq!(cd_of_mach(f64::NAN), 0.20);
        assert_eq!(cd_of_mach(50.0), 0.20);
    }
}
