//! The U.S. Standard Atmosphere 1976 (NOAA-S/T 76-1562, NASA-TM-X-74335), 0 to 1,000 km.
//!
//! * **0 to 86 km** (geometric): the standard's defining equations. Geopotential altitude
//!   `H = r0 z / (r0 + z)` with `r0 = 6,356,766 m`; seven layers of linear molecular-scale
//!   temperature `T_M(H) = T_b + L_b (H - H_b)`; hydrostatic pressure
//!   `P = P_b (T_b / T_M)^(g0' M0 / (R* L_b))` (or `P_b exp(-g0' M0 (H - H_b) / (R* T_b))` where
//!   `L_b = 0`); density `rho = P M0 / (R* T_M)`; speed of sound `sqrt(gamma R* T_M / M0)`,
//!   `gamma = 1.4`. The kinetic temperature is reported equal to `T_M` (the standard's
//!   molecular-weight correction between 80 and 86 km changes it by < 0.05 %).
//! * **86 to 1,000 km**: kinetic temperature from the standard's closed forms (isothermal,
//!   elliptical, linear and exponential segments); density by cubic Hermite interpolation of
//!   `ln rho` through the standard's tabulated values (table nodes listed in
//!   [`UPPER_DENSITY`]). Pressure above 86 km is not needed by the flight model and is
//!   returned as 0; the speed of sound is held at its 86 km value (drag there is negligible).
//! * Above 1,000 km the density is 0.
//!
//! Tested against the standard's layer-base pressures and against an independent
//! implementation (the `ussa1976` Python package, v0.3.4) at off-node altitudes.

/// Effective Earth radius of the standard for geopotential altitude, m.
pub const R0_M: f64 = 6_356_766.0;
/// Sea-level gravity of the standard, m/s^2 (g0' = 9.80665 m^2 / (s^2 m')).
const G0: f64 = 9.806_65;
/// Sea-level mean molecular weight, kg/kmol.
const M0: f64 = 28.964_4;
/// Universal gas constant of the standard, J/(kmol K).
const R_STAR: f64 = 8_314.32;
/// Ratio of specific heats of air.
const GAMMA: f64 = 1.4;
/// Sea-level pressure, Pa.
pub const P0_PA: f64 = 101_325.0;
/// Sea-level temperature, K.
pub const T0_K: f64 = 288.15;

/// Layer bases: geopotential altitude (m') and lapse rate (K/m').
const LAYERS: [(f64, f64); 8] = [
    (0.0, -0.0065),
    (11_000.0, 0.0),
    (20_000.0, 0.001),
    (32_000.0, 0.0028),
    (47_000.0, 0.0),
    (51_000.0, -0.0028),
    (71_000.0, -0.002),
    (84_852.0, 0.0),
];

/// Tabulated density of the standard above 86 km: (geometric altitude km, kg/m^3).
///
/// Values at 86, 90, 100, 110, 115, 120, 130, 140, 150, 160, 175, 180, 200, 250, 300, 350,
/// 400, 450, 500, 600, 700, 800, 900 and 1000 km are the standard's printed table values
/// (Part 4 of NOAA-S/T 76-1562). The intermediate nodes between 86 and 120 km, where the
/// scale height changes quickly, come from integrating the standard's species equations
/// (`ussa1976` v0.3.4), which agrees with the printed table to < 1 % there.
pub const UPPER_DENSITY: [(f64, f64); 34] = [
    (86.0, 6.958e-6),
    (88.0, 4.875_14e-6),
    (90.0, 3.416e-6),
    (92.0, 2.392_87e-6),
    (94.0, 1.670_37e-6),
    (96.0, 1.162_61e-6),
    (98.0, 8.078_39e-7),
    (100.0, 5.604e-7),
    (102.0, 3.942_00e-7),
    (104.0, 2.775_02e-7),
    (106.0, 1.959_12e-7),
    (108.0, 1.386_30e-7),
    (110.0, 9.708e-8),
    (112.0, 6.871_97e-8),
    (115.0, 4.289e-8),
    (118.0, 2.867_02e-8),
    (120.0, 2.222e-8),
    (130.0, 8.152e-9),
    (140.0, 3.831e-9),
    (150.0, 2.076e-9),
    (160.0, 1.233e-9),
    (175.0, 6.339e-10),
    (200.0, 2.541e-10),
    (250.0, 6.073e-11),
    (300.0, 1.916e-11),
    (350.0, 7.014e-12),
    (400.0, 2.803e-12),
    (450.0, 1.184e-12),
    (500.0, 5.215e-13),
    (600.0, 1.137e-13),
    (700.0, 3.070e-14),
    (800.0, 1.136e-14),
    (900.0, 5.759e-15),
    (1000.0, 3.561e-15),
];

/// Atmospheric state at one altitude.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AtmosphereState {
    /// Density, kg/m^3.
    pub density_kg_m3: f64,
    /// Pressure, Pa (0 above 86 km: not modelled there).
    pub pressure_pa: f64,
    /// Kinetic temperature, K.
    pub temperature_k: f64,
    /// Speed of sound, m/s (held at the 86 km value above 86 km).
    pub speed_of_sound_m_s: f64,
}

struct Lower {
    base_t: [f64; 8],
    base_p: [f64; 8],
}

const fn lower_bases() -> Lower {
    // Computed at compile time would need const float ops on powf; we fill at first use.
    Lower { base_t: [0.0; 8], base_p: [0.0; 8] }
}

fn bases() -> &'static Lower {
    static CELL: std::sync::OnceLock<Lower> = std::sync::OnceLock::new();
    CELL.get_or_init(|| {
        let mut l = lower_bases();
        l.base_t[0] = T0_K;
        l.base_p[0] = P0_PA;
        for i in 1..8 {
            let (hb, lb) = LAYERS[i - 1];
            let dh = LAYERS[i].0 - hb;
            let tb = l.base_t[i - 1];
            let pb = l.base_p[i - 1];
            let t = tb + lb * dh;
            l.base_t[i] = t;
            l.base_p[i] = if lb == 0.0 {
                pb * (-G0 * M0 * dh / (R_STAR * tb)).exp()
            } else {
                pb * (tb / t).powf(G0 * M0 / (R_STAR * lb))
            };
        }
        l
    })
}

/// Geopotential altitude (m') of a geometric altitude (m).
#[inline]
pub fn geopotential_m(z_m: f64) -> f64 {
    R0_M * z_m / (R0_M + z_m)
}

/// Molecular-scale temperature (K), pressure (Pa) for z <= 86 km.
#[inline]
fn lower(z_m: f64) -> (f64, f64) {
    let h = geopotential_m(z_m.max(-5_000.0));
    let b = bases();
    let mut i = 0;
    while i < 7 && h >= LAYERS[i + 1].0 {
        i += 1;
    }
    let (hb, lb) = LAYERS[i];
    let tb = b.base_t[i];
    let pb = b.base_p[i];
    if lb == 0.0 {
        (tb, pb * (-G0 * M0 * (h - hb) / (R_STAR * tb)).exp())
    } else {
        let t = tb + lb * (h - hb);
        (t, pb * (tb / t).powf(G0 * M0 / (R_STAR * lb)))
    }
}

/// Kinetic temperature above 86 km (the standard's closed forms), K.
fn upper_temperature_k(z_m: f64) -> f64 {
    let z = z_m / 1000.0;
    if z < 91.0 {
        186.867_3
    } else if z < 110.0 {
        let (tc, a_big, a) = (263.190_5, -76.323_2, -19.942_9);
        tc + a_big * (1.0 - ((z - 91.0) / a).powi(2)).max(0.0).sqrt()
    } else if z < 120.0 {
        240.0 + 12.0 * (z - 110.0)
    } else {
        let r0 = R0_M / 1000.0;
        let xi = (z - 120.0) * (r0 + 120.0) / (r0 + z);
        1000.0 - (1000.0 - 360.0) * (-0.01875 * xi).exp()
    }
}

/// ln(density) above 86 km by cubic Hermite interpolation of the table (three-point slopes).
fn upper_ln_density(z_km: f64) -> f64 {
    let t = &UPPER_DENSITY;
    let n = t.len();
    let mut i = match t.iter().position(|&(z, _)| z > z_km) {
        Some(0) => 0,
        Some(k) => k - 1,
        None => n - 2,
    };
    if i > n - 2 {
        i = n - 2;
    }
    let slope = |k: usize| -> f64 {
        let (z0, r0) = t[k];
        if k == 0 {
            let (z1, r1) = t[1];
            (r1.ln() - r0.ln()) / (z1 - z0)
        } else if k == n - 1 {
            let (zm, rm) = t[k - 1];
            (r0.ln() - rm.ln()) / (z0 - zm)
        } else {
            // Derivative of the parabola through the three neighbouring nodes.
            let (zm, rm) = t[k - 1];
            let (zp, rp) = t[k + 1];
            let hm = z0 - zm;
            let hp = zp - z0;
            let dm = (r0.ln() - rm.ln()) / hm;
            let dp = (rp.ln() - r0.ln()) / hp;
            (dm * hp + dp * hm) / (hm + hp)
        }
    };
    let (z0, r0) = t[i];
    let (z1, r1) = t[i + 1];
    let h = z1 - z0;
    let s = (z_km - z0) / h;
    let (y0, y1) = (r0.ln(), r1.ln());
    let (m0, m1) = (slope(i) * h, slope(i + 1) * h);
    let s2 = s * s;
    let s3 = s2 * s;
    (2.0 * s3 - 3.0 * s2 + 1.0) * y0 + (s3 - 2.0 * s2 + s) * m0 + (-2.0 * s3 + 3.0 * s2) * y1 + (s3 - s2) * m1
}

/// The standard atmosphere at geometric altitude `alt_m` (m above mean sea level; the
/// flight model uses height above the ellipsoid). Below -5 km the -5 km state is
/// returned; above 1,000 km the density is 0.
///
/// ```
/// let s = tl_threat::atmosphere::state(0.0);
/// assert!((s.density_kg_m3 - 1.225).abs() < 1e-4);
/// assert!((s.speed_of_sound_m_s - 340.29).abs() < 0.01);
/// ```
pub fn state(alt_m: f64) -> AtmosphereState {
    if alt_m <= 86_000.0 {
        let (tm, p) = lower(alt_m);
        let rho = p * M0 / (R_STAR * tm);
        // Kinetic temperature taken equal to the molecular-scale temperature (the standard's
        // M/M0 correction between 80 and 86 km is below 0.05 %).
        let t = tm;
        AtmosphereState {
            density_kg_m3: rho,
            pressure_pa: p,
            temperature_k: t,
            speed_of_sound_m_s: (GAMMA * R_STAR * tm / M0).sqrt(),
        }
    } else {
        let (tm86, _) = lower(86_000.0);
        AtmosphereState {
            density_kg_m3: density_kg_m3(alt_m),
            pressure_pa: 0.0,
            temperature_k: upper_temperature_k(alt_m),
            speed_of_sound_m_s: (GAMMA * R_STAR * tm86 / M0).sqrt(),
        }
    }
}

/// Density only, kg/m^3 (the fast path used by the flight model).
#[inline]
pub fn density_kg_m3(alt_m: f64) -> f64 {
    if alt_m <= 86_000.0 {
        let (tm, p) = lower(alt_m);
        p * M0 / (R_STAR * tm)
    } else if alt_m <= 1_000_000.0 {
        upper_ln_density(alt_m / 1000.0).exp()
    } else {
        0.0
    }
}

/// Density (kg/m^3), pressure (Pa) and speed of sound (m/s): what drag and thrust need.
#[inline]
pub fn density_pressure_sound(alt_m: f64) -> (f64, f64, f64) {
    if alt_m <= 86_000.0 {
        let (tm, p) = lower(alt_m);
        (p * M0 / (R_STAR * tm), p, (GAMMA * R_STAR * tm / M0).sqrt())
    } else if alt_m <= 1_000_000.0 {
        (upper_ln_density(alt_m / 1000.0).exp(), 0.0, 274.096_1)
    } else {
        (0.0, 0.0, 274.096_1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_base_pressures_match_the_standard() {
        // The standard's Table 4 base pressures (Pa) at the layer bases.
        let want = [101_325.0, 22_632.06, 5_474.889, 868.018_7, 110.906_3, 66.938_87, 3.956_420, 0.373_383_6];
        let b = bases();
        for (i, w) in want.iter().enumerate() {
            assert!((b.base_p[i] / w - 1.0).abs() < 2e-6, "layer {i}: {} vs {w}", b.base_p[i]);
        }
        let tw = [288.15, 216.65, 216.65, 228.65, 270.65, 270.65, 214.65, 186.946];
        for (i, w) in tw.iter().enumerate() {
            assert!((b.base_t[i] - w).abs() < 1e-3, "layer {i}");
        }
    }

    /// Independent implementation: `ussa1976` (Python, v0.3.4) at geometric altitudes:
    /// (km, rho kg/m^3, T K, P Pa, speed of sound m/s).
    const REF_LOWER: [(f64, f64, f64, f64, f64); 11] = [
        (0.5, 1.16727e+00, 284.900, 9.54613e+04, 338.370),
        (5.0, 7.36429e-01, 255.676, 5.40483e+04, 320.545),
        (11.0, 3.64801e-01, 216.774, 2.26999e+04, 295.154),
        (15.0, 1.94755e-01, 216.650, 1.21118e+04, 295.069),
        (25.0, 4.00838e-02, 221.552, 2.54921e+03, 298.389),
        (33.0, 1.15730e-02, 230.973, 7.67306e+02, 304.667),
        (45.0, 1.96627e-03, 264.164, 1.49101e+02, 325.823),
        (55.0, 5.68096e-04, 260.771, 4.25248e+01, 323.724),
        (65.0, 1.63209e-04, 233.292, 1.09296e+01, 306.193),
        (75.0, 3.99207e-05, 208.399, 2.38812e+00, 289.396),
        (85.0, 8.21942e-06, 188.893, 4.45676e-01, 275.520),
    ];

    #[test]
    fn lower_atmosphere_matches_independent_implementation() {
        for &(z, rho, t, p, a) in &REF_LOWER {
            let s = state(z * 1000.0);
            assert!((s.density_kg_m3 / rho - 1.0).abs() < 5e-5, "{z} km rho {}", s.density_kg_m3);
            assert!((s.pressure_pa / p - 1.0).abs() < 5e-5, "{z} km p {}", s.pressure_pa);
            assert!((s.temperature_k - t).abs() < 0.01, "{z} km T {}", s.temperature_k);
            assert!((s.speed_of_sound_m_s - a).abs() < 0.01, "{z} km a {}", s.speed_of_sound_m_s);
        }
    }

    /// `ussa1976` off-node values between 86 and 120 km, where the interpolation nodes are
    /// dense: (km, rho, T).
    const REF_86_120: [(f64, f64, f64); 7] = [
        (87.0, 5.82393e-06, 186.867),
        (91.0, 2.85999e-06, 186.867),
        (95.0, 1.39397e-06, 188.418),
        (101.0, 4.70215e-07, 197.156),
        (105.0, 2.33076e-07, 208.835),
        (111.0, 8.14889e-08, 252.000),
        (117.0, 3.26762e-08, 324.000),
    ];

    #[test]
    fn thermosphere_86_to_120_km_matches_independent_implementation() {
        for &(z, rho, t) in &REF_86_120 {
            let s = state(z * 1000.0);
            assert!((s.density_kg_m3 / rho - 1.0).abs() < 0.012, "{z} km rho {} vs {rho}", s.density_kg_m3);
            assert!((s.temperature_k - t).abs() < 0.05, "{z} km T {}", s.temperature_k);
        }
    }

    /// Above 120 km the printed table and `ussa1976` differ by up to ~7 % (their
    /// integrations of the diffusion equations differ); the interpolation between the
    /// printed nodes must follow the independent profile's *shape*: the ratio ours/theirs
    /// off-node stays within the ratios at the neighbouring nodes, +/- 0.6 %.
    #[test]
    fn thermosphere_interpolation_follows_the_profile_shape() {
        // (km, ussa1976 rho) for off-node altitudes, and the neighbouring nodes' ussa values.
        let cases = [
            (125.0, 1.30266e-08, (120.0, 2.23931e-08), (130.0, 8.23875e-09)),
            (137.0, 4.77813e-09, (130.0, 8.23875e-09), (140.0, 3.88253e-09)),
            (155.0, 1.61308e-09, (150.0, 2.10921e-09), (160.0, 1.25681e-09)),
            (230.0, 1.06842e-10, (200.0, 2.61693e-10), (250.0, 6.33444e-11)),
            (275.0, 3.49150e-11, (250.0, 6.33444e-11), (300.0, 2.01856e-11)),
            (420.0, 2.10449e-12, (400.0, 2.98429e-12), (450.0, 1.26313e-12)),
            (575.0, 1.74092e-13, (550.0, 2.53939e-13), (600.0, 1.20653e-13)),
            (680.0, 4.09960e-14, (650.0, 6.02968e-14), (700.0, 3.21563e-14)),
            (880.0, 6.55492e-15, (850.0, 7.96700e-15), (900.0, 5.82391e-15)),
        ];
        for (z, rho, (za, ra), (zb, rb)) in cases {
            let ours = density_kg_m3(z * 1000.0) / rho;
            let qa = density_kg_m3(za * 1000.0) / ra;
            let qb = density_kg_m3(zb * 1000.0) / rb;
            let (lo, hi) = (qa.min(qb) - 0.006, qa.max(qb) + 0.006);
            assert!(ours >= lo && ours <= hi, "{z} km: ratio {ours} not within [{lo}, {hi}]");
        }
    }

    #[test]
    fn nodes_are_reproduced_and_profile_is_monotone() {
        for &(z, rho) in &UPPER_DENSITY[1..] {
            assert!((density_kg_m3(z * 1000.0) / rho - 1.0).abs() < 1e-9, "{z}");
        }
        let mut prev = f64::INFINITY;
        for i in 0..=2000 {
            let z = i as f64 * 500.0;
            let d = density_kg_m3(z);
            assert!(d < prev && d > 0.0, "not decreasing at {z} m");
            prev = d;
        }
        assert_eq!(density_kg_m3(1_000_001.0), 0.0);
        // Continuity at 86 km: the equations meet the table's 86 km value within 0.01 %.
        assert!((density_kg_m3(86_000.0) / UPPER_DENSITY[0].1 - 1.0).abs() < 1e-4);
        assert!((density_kg_m3(85_999.9) / density_kg_m3(86_000.1) - 1.0).abs() < 1e-3);
        // The standard's exospheric temperature.
        assert!((state(1.0e6).temperature_k - 1000.0).abs() < 0.01);
        assert!((state(200e3).temperature_k - 854.56).abs() < 0.05);
    }
}
