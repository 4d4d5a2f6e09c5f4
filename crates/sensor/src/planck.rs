//! Planck's law: blackbody spectral radiance and its integral over a band.
//!
//! Spectral radiance per unit wavelength:
//!
//! `B(lambda, T) = 2 h c^2 / lambda^5 / (exp(h c / (lambda k T)) - 1)`, W m^-2 sr^-1 m^-1.
//!
//! Band radiance `L = integral of B over [lambda_lo, lambda_hi]` is evaluated in closed
//! series form with `x = h c / (lambda k T)`:
//!
//! `L = (2 k^4 T^4 / (h^3 c^2)) (F(x_hi) - F(x_lo))`, where `F(x) = integral from x to
//! infinity of t^3 / (e^t - 1) dt`,
//!
//! `F(x) = sum_{n>=1} e^{-n x} (x^3/n + 3x^2/n^2 + 6x/n^3 + 6/n^4)` for `x >= 1.5`
//! (Widger & Woodall 1976), and `F(x) = pi^4/15 - sum_k B_k x^(k+3) / (k! (k+3))` below
//! (the Bernoulli-number series of `t^3/(e^t - 1)`, convergent for `x < 2 pi`). Both reach
//! double precision; tests compare with numerical quadrature to 1e-9 and with the
//! Stefan-Boltzmann total `sigma T^4 / pi`.

use tl_core::consts::{C_M_S, H_PLANCK_J_S, K_BOLTZMANN_J_K};

/// Second radiation constant h c / k, m K.
pub const C2_M_K: f64 = H_PLANCK_J_S * C_M_S / K_BOLTZMANN_J_K;

/// Blackbody spectral radiance at wavelength `lambda_m` (m) and temperature `t_k` (K),
/// W m^-2 sr^-1 m^-1. Zero for non-positive temperature or wavelength.
///
/// ```
/// // Peak of a 300 K body near 9.66 um (Wien): about 9.9e6 W m^-2 sr^-1 m^-1
/// let b = tl_sensor::planck::spectral_radiance(9.66e-6, 300.0);
/// assert!((b / 9.92e6 - 1.0).abs() < 0.01);
/// ```
#[inline]
pub fn spectral_radiance(lambda_m: f64, t_k: f64) -> f64 {
    if !(lambda_m > 0.0 && t_k > 0.0) {
        return 0.0;
    }
    let x = C2_M_K / (lambda_m * t_k);
    2.0 * H_PLANCK_J_S * C_M_S * C_M_S / lambda_m.powi(5) / x.exp_m1()
}

/// `F(x) = integral_x^inf t^3/(e^t - 1) dt` (dimensionless), for x >= 0.
pub fn planck_tail(x: f64) -> f64 {
    const PI4_15: f64 =
        std::f64::consts::PI * std::f64::consts::PI * std::f64::consts::PI * std::f64::consts::PI / 15.0;
    if x.is_nan() {
        return f64::NAN;
    }
    if x <= 0.0 {
        return PI4_15;
    }
    if x >= 1.5 {
        let (x2, x3) = (x * x, x * x * x);
        let q = (-x).exp();
        let mut qn = 1.0;
        let mut sum = 0.0;
        for n in 1..=400 {
            qn *= q;
            let nf = n as f64;
            let term =
                qn * (x3 / nf + 3.0 * x2 / (nf * nf) + 6.0 * x / (nf * nf * nf) + 6.0 / (nf * nf * nf * nf));
            sum += term;
            if term < 1e-18 * sum {
                break;
            }
        }
        sum
    } else {
        // G(x) = sum_k B_k x^(k+3) / (k! (k+3)), Bernoulli numbers B_0..B_24 (B_1 = -1/2,
        // odd ones above 1 vanish).
        const BK: [(u32, f64); 14] = [
            (0, 1.0),
            (1, -0.5),
            (2, 1.0 / 6.0),
            (4, -1.0 / 30.0),
            (6, 1.0 / 42.0),
            (8, -1.0 / 30.0),
            (10, 5.0 / 66.0),
            (12, -691.0 / 2730.0),
            (14, 7.0 / 6.0),
            (16, -3617.0 / 510.0),
            (18, 43867.0 / 798.0),
            (20, -174611.0 / 330.0),
            (22, 854513.0 / 138.0),
            (24, -236364091.0 / 2730.0),
        ];
        let mut g = 0.0;
        let mut fact = 1.0; // k!
        let mut last_k = 0u32;
        for &(k, b) in BK.iter() {
            while last_k < k {
                last_k += 1;
                fact *= last_k as f64;
            }
            g += b * x.powi(k as i32 + 3) / (fact * (k as f64 + 3.0));
        }
        PI4_15 - g
    }
}

/// Blackbody radiance integrated over the band `[lo_m, hi_m]` (wavelengths, m) at
/// temperature `t_k`, W m^-2 sr^-1. Zero for an empty band or T <= 0.
///
/// ```
/// // A 300 K body in 8-12 um: about 38.5 W m^-2 sr^-1 (26 % of sigma T^4 / pi)
/// let l = tl_sensor::planck::band_radiance(8e-6, 12e-6, 300.0);
/// assert!((l - 38.5).abs() < 0.01);
/// ```
pub fn band_radiance(lo_m: f64, hi_m: f64, t_k: f64) -> f64 {
    if !(t_k > 0.0 && hi_m > lo_m && lo_m > 0.0) {
        return 0.0;
    }
    let kt = K_BOLTZMANN_J_K * t_k;
    let pref = 2.0 * kt.powi(4) / (H_PLANCK_J_S.powi(3) * C_M_S * C_M_S);
    let x_lo_lambda = C2_M_K / (lo_m * t_k); // larger x (short wavelength edge)
    let x_hi_lambda = C2_M_K / (hi_m * t_k);
    (pref * (planck_tail(x_hi_lambda) - planck_tail(x_lo_lambda))).max(0.0)
}

/// Reference band radiance by composite Gauss-Legendre quadrature (8 points per panel) in
/// wavelength; used to validate [`band_radiance`]. `panels` sets the accuracy.
pub fn band_radiance_quadrature(lo_m: f64, hi_m: f64, t_k: f64, panels: usize) -> f64 {
    const X: [f64; 4] =
        [0.183_434_642_495_649_8, 0.525_532_409_916_329, 0.796_666_477_413_626_7, 0.960_289_856_497_536_2];
    const W: [f64; 4] =
        [0.362_683_783_378_362, 0.313_706_645_877_887_3, 0.222_381_034_453_374_5, 0.101_228_536_290_376_3];
    let h = (hi_m - lo_m) / panels as f64;
    let mut sum = 0.0;
    for i in 0..panels {
        let mid = lo_m + (i as f64 + 0.5) * h;
        for k in 0..4 {
            let d = 0.5 * h * X[k];
            sum += W[k] * (spectral_radiance(mid - d, t_k) + spectral_radiance(mid + d, t_k));
        }
    }
    sum * 0.5 * h
}

#[cfg(test)]
mod tests {
    use super::*;
    use tl_core::consts::SIGMA_SB_W_M2_K4;

    #[test]
    fn band_integrals_match_quadrature_to_1e9() {
        let cases = [
            (8e-6, 12e-6, 300.0),
            (8e-6, 12e-6, 200.0),
            (2.65e-6, 2.9e-6, 300.0),
            (2.65e-6, 2.9e-6, 2000.0),
            (4.2e-6, 4.5e-6, 1500.0),
            (3e-6, 5e-6, 250.0),
            (1e-6, 100e-6, 5772.0),
            (10e-6, 200e-6, 6000.0), // x < 1.5 on both edges: Bernoulli branch
            (0.3e-6, 2.0e-6, 5772.0),
        ];
        for (lo, hi, t) in cases {
            let a = band_radiance(lo, hi, t);
            let b = band_radiance_quadrature(lo, hi, t, 4000);
            assert!((a / b - 1.0).abs() < 1e-9, "{lo} {hi} {t}: series {a} quad {b}");
        }
    }

    #[test]
    fn total_is_stefan_boltzmann() {
        for t in [50.0, 300.0, 5772.0] {
            let l = band_radiance(1e-9, 1.0, t);
            let expect = SIGMA_SB_W_M2_K4 * t.powi(4) / std::f64::consts::PI;
            assert!((l / expect - 1.0).abs() < 1e-8, "{t}: {l} vs {expect}");
        }
    }

    #[test]
    fn tail_branches_agree_at_the_switch() {
        let a = planck_tail(1.5 - 1e-12);
        let b = planck_tail(1.5);
        assert!((a / b - 1.0).abs() < 1e-12, "{a} {b}");
    }

    #[test]
    fn public_order_of_magnitude_cold_body() {
        // public-figures.md: 300 K, emissivity 0.8, 0.5 m^2 -> "of order 10 W/sr" in 8-12 um.
        let i = 0.8 * 0.5 * band_radiance(8e-6, 12e-6, 300.0);
        assert!(i > 5.0 && i < 30.0, "{i}");
    }
}
