//! Seeded random streams.
//!
//! Every random draw in tracklayer comes from an [`RngStream`] keyed by
//! `(master seed, trial, entity, purpose)`. Streams never share state, so results do
//! not depend on the order in which entities are processed, nor on the thread count.
//!
//! The generator is xoshiro256++ (Blackman & Vigna 2019), period 2^256 - 1, seeded by
//! SplitMix64 from a 64-bit key hashed from the four components. The purpose is a short
//! label (e.g. `"sensor.angle_noise"`) hashed with FNV-1a, so a crate can add a purpose
//! without a central registry.

/// One reproducible random stream.
#[derive(Clone, Debug)]
pub struct RngStream {
    s: [u64; 4],
    spare_normal: Option<f64>,
}

#[inline]
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a 64-bit hash of a label.
pub fn hash_label(label: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in label.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    h
}

/// Combine key components into one 64-bit key (each step a SplitMix64 finaliser, so
/// nearby integers give unrelated keys).
pub fn derive_key(parts: &[u64]) -> u64 {
    let mut k: u64 = 0x5EED_7EAC_1A7E_0001;
    for &p in parts {
        let mut s = k ^ p.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        k = splitmix64(&mut s);
    }
    k
}

impl RngStream {
    /// The stream for `(seed, trial, entity, purpose)`.
    ///
    /// ```
    /// use tl_core::rng::RngStream;
    /// let mut a = RngStream::new(42, 0, 7, "sensor.angle_noise");
    /// let mut b = RngStream::new(42, 0, 7, "sensor.angle_noise");
    /// assert_eq!(a.next_u64(), b.next_u64());
    /// ```
    pub fn new(seed: u64, trial: u64, entity: u64, purpose: &str) -> Self {
        Self::from_key(derive_key(&[seed, trial, entity, hash_label(purpose)]))
    }

    /// A stream from a raw 64-bit key.
    pub fn from_key(key: u64) -> Self {
        let mut sm = key;
        let mut s = [0u64; 4];
        for v in &mut s {
            *v = splitmix64(&mut sm);
        }
        if s == [0; 4] {
            s[0] = 1;
        }
        Self { s, spare_normal: None }
    }

    /// Next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1) with 53 random bits.
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [lo, hi).
    #[inline]
    pub fn uniform_range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }

    /// Uniform integer in [0, n) (n > 0), by Lemire's multiply-shift with rejection.
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "below(0)");
        loop {
            let x = self.next_u64();
            let m = (x as u128) * (n as u128);
            let lo = m as u64;
            if lo >= n.wrapping_neg() % n {
                return (m >> 64) as u64;
            }
        }
    }

    /// Standard normal N(0, 1) (Marsaglia polar method; the second value is kept for the
    /// next call).
    pub fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare_normal.take() {
            return z;
        }
        loop {
            let u = 2.0 * self.uniform() - 1.0;
            let v = 2.0 * self.uniform() - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                let m = (-2.0 * s.ln() / s).sqrt();
                self.spare_normal = Some(v * m);
                return u * m;
            }
        }
    }

    /// Exponential with the given mean.
    pub fn exponential(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.uniform()).ln()
    }

    /// Poisson with mean `lambda` >= 0 (Knuth's product method below 12, Hörmann's PTRS
    /// transformed rejection above).
    pub fn poisson(&mut self, lambda: f64) -> u64 {
        if lambda <= 0.0 || !lambda.is_finite() {
            return 0;
        }
        if lambda < 12.0 {
            let l = (-lambda).exp();
            let mut k = 0u64;
            let mut p = 1.0;
            loop {
                p *= self.uniform();
                if p <= l {
                    return k;
                }
                k += 1;
            }
        }
        let slam = lambda.sqrt();
        let loglam = lambda.ln();
        let b = 0.931 + 2.53 * slam;
        let a = -0.059 + 0.024_83 * b;
        let inv_alpha = 1.123_9 + 1.132_8 / (b - 3.4);
        let vr = 0.927_7 - 3.622_4 / (b - 2.0);
        loop {
            let u = self.uniform() - 0.5;
            let v = self.uniform();
            let us = 0.5 - u.abs();
            let k = ((2.0 * a / us + b) * u + lambda + 0.43).floor();
            if us >= 0.07 && v <= vr {
                return k as u64;
            }
            if k < 0.0 || (us < 0.013 && v > us) {
                continue;
            }
            if (v * inv_alpha / (a / (us * us) + b)).ln() <= -lambda + k * loglam - ln_factorial(k as u64) {
                return k as u64;
            }
        }
    }
}

/// ln(n!) exactly summed below 30, Stirling series above (error < 1e-12).
pub fn ln_factorial(n: u64) -> f64 {
    if n < 30 {
        (2..=n).map(|i| (i as f64).ln()).sum()
    } else {
        let x = n as f64 + 1.0;
        (x - 0.5) * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI).ln() + 1.0 / (12.0 * x)
            - 1.0 / (360.0 * x * x * x)
            + 1.0 / (1260.0 * x.powi(5))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..4)
            .map({
                let mut r = RngStream::new(1, 2, 3, "x");
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..4)
            .map({
                let mut r = RngStream::new(1, 2, 3, "x");
                move |_| r.next_u64()
            })
            .collect();
        assert_eq!(a, b);
        for other in [
            RngStream::new(1, 2, 4, "x"),
            RngStream::new(1, 3, 3, "x"),
            RngStream::new(2, 2, 3, "x"),
            RngStream::new(1, 2, 3, "y"),
        ] {
            let mut o = other;
            assert_ne!(o.next_u64(), a[0]);
        }
    }

    #[test]
    fn normal_moments() {
        let mut r = RngStream::new(7, 0, 0, "test");
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| r.normal()).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        // 5-sigma bounds: sd(mean) = 1/sqrt(n) = 0.0022; sd(var) = sqrt(2/n) = 0.0032.
        assert!(mean.abs() < 0.012, "{mean}");
        assert!((var - 1.0).abs() < 0.016, "{var}");
    }

    #[test]
    fn poisson_mean_and_variance_small_and_large() {
        for &lam in &[0.3, 5.0, 40.0, 1000.0] {
            let mut r = RngStream::new(9, 0, lam as u64, "poisson");
            let n = 100_000;
            let xs: Vec<f64> = (0..n).map(|_| r.poisson(lam) as f64).collect();
            let mean = xs.iter().sum::<f64>() / n as f64;
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
            let sd_mean = (lam / n as f64).sqrt();
            assert!((mean - lam).abs() < 5.0 * sd_mean, "lam {lam} mean {mean}");
            assert!((var / lam - 1.0).abs() < 0.05, "lam {lam} var {var}");
        }
    }

    #[test]
    fn below_is_uniform() {
        let mut r = RngStream::new(3, 0, 0, "below");
        let mut counts = [0u32; 7];
        for _ in 0..70_000 {
            counts[r.below(7) as usize] += 1;
        }
        for c in counts {
            assert!((c as f64 - 10_000.0).abs() < 500.0, "{counts:?}");
        }
    }

    #[test]
    fn ln_factorial_matches_sum() {
        let exact: f64 = (2..=100u64).map(|i| (i as f64).ln()).sum();
        assert!((ln_factorial(100) - exact).abs() < 1e-9);
    }
}
