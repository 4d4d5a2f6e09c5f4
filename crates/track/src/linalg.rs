//! Small fixed-size linear algebra for the filters: covariance hygiene (symmetry,
//! positive definiteness) and Cholesky-based solves. Everything is stack-allocated
//! (`nalgebra::SMatrix`), so the hot path never allocates.

use nalgebra::{SMatrix, SVector};

/// Why a covariance could not be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CovError {
    /// A NaN or infinite entry.
    #[error("covariance has a non-finite entry")]
    NonFinite,
    /// Not positive definite even after the jitter the guard is allowed to add.
    #[error("covariance is not positive definite")]
    NotPositiveDefinite,
}

/// Matrix product `a b` of small fixed-size matrices, for the filters' hot loops.
///
/// Computed column by column as sums of `a`'s columns (contiguous in nalgebra's
/// column-major storage) weighted by `b`'s entries, in the order `k = 0, 1, ...`: the
/// same operations in the same order as nalgebra's own product of fixed-size matrices
/// (its `gemv` per column), so the result is the same to the bit, but the compiler sees
/// plain fixed-length loops over arrays and vectorises and unrolls them.
///
/// ```
/// use nalgebra::Matrix2;
/// let a = Matrix2::new(1.0, 2.0, 3.0, 4.0);
/// let b = Matrix2::new(5.0, 6.0, 7.0, 8.0);
/// assert_eq!(tl_track::linalg::matmul(&a, &b), a * b);
/// ```
///
/// On x86-64 processors with AVX2 (checked at run time, once) the larger products run
/// in a copy of the routine compiled for AVX2: four lanes instead of SSE2's two, the
/// same multiplications and additions in the same order (no fused multiply-add), so the
/// same bits on every machine (tested against nalgebra and against the portable copy).
#[inline]
pub fn matmul<const R: usize, const K: usize, const C: usize>(
    a: &SMatrix<f64, R, K>,
    b: &SMatrix<f64, K, C>,
) -> SMatrix<f64, R, C> {
    #[cfg(target_arch = "x86_64")]
    {
        if R * K * C >= 64 && std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has AVX2 (checked on the line above).
            return unsafe { matmul_avx2(a, b) };
        }
    }
    matmul_portable(a, b)
}

/// [`matmul`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn matmul_avx2<const R: usize, const K: usize, const C: usize>(
    a: &SMatrix<f64, R, K>,
    b: &SMatrix<f64, K, C>,
) -> SMatrix<f64, R, C> {
    matmul_portable(a, b)
}

/// [`matmul`]'s arithmetic, for any instruction set.
#[inline(always)]
pub fn matmul_portable<const R: usize, const K: usize, const C: usize>(
    a: &SMatrix<f64, R, K>,
    b: &SMatrix<f64, K, C>,
) -> SMatrix<f64, R, C> {
    // Column-major storage: `av[k]` is column k of `a`, `bv[j][k]` is `b[(k, j)]`.
    let av = &a.data.0;
    let bv = &b.data.0;
    let mut out = [[0.0f64; R]; C];
    for (o, bcol) in out.iter_mut().zip(bv.iter()) {
        let mut acc = [0.0f64; R];
        for (acol, &w) in av.iter().zip(bcol.iter()) {
            for (x, p) in acc.iter_mut().zip(acol.iter()) {
                *x += p * w;
            }
        }
        *o = acc;
    }
    SMatrix::from_data(nalgebra::ArrayStorage(out))
}

/// Largest eigenvalue of a symmetric 3 x 3 matrix, by the closed form of the cubic's
/// roots (O. K. Smith, "Eigenvalues of a symmetric 3 x 3 matrix", Comm. ACM 4(4), 1961):
/// `q = tr/3`, `p = sqrt(|A - qI|_F^2 / 6)`, `B = (A - qI)/p`, largest
/// `q + 2 p cos(acos(det(B)/2)/3)`. A few dozen operations instead of an iterative
/// eigen-decomposition (it ran on every update of a confirmed track, for the largest
/// position standard deviation); within 1e-12 of nalgebra's `SymmetricEigen` relative
/// to the largest eigenvalue's magnitude (tested, degenerate cases included).
///
/// ```
/// use nalgebra::Matrix3;
/// let m = Matrix3::new(4.0, 1.0, 0.0, 1.0, 3.0, 0.0, 0.0, 0.0, 1.0);
/// let l = tl_track::linalg::largest_eigenvalue_sym3(&m);
/// assert!((l - (3.5 + 1.25f64.sqrt())).abs() < 1e-12);
/// ```
pub fn largest_eigenvalue_sym3(a: &nalgebra::Matrix3<f64>) -> f64 {
    let p1 = a[(0, 1)] * a[(0, 1)] + a[(0, 2)] * a[(0, 2)] + a[(1, 2)] * a[(1, 2)];
    let (a00, a11, a22) = (a[(0, 0)], a[(1, 1)], a[(2, 2)]);
    if p1 == 0.0 {
        return a00.max(a11).max(a22);
    }
    let q = (a00 + a11 + a22) / 3.0;
    let p2 = (a00 - q).powi(2) + (a11 - q).powi(2) + (a22 - q).powi(2) + 2.0 * p1;
    let p = (p2 / 6.0).sqrt();
    let b = (a - nalgebra::Matrix3::identity() * q) / p;
    let r = (b.determinant() / 2.0).clamp(-1.0, 1.0);
    q + 2.0 * p * (r.acos() / 3.0).cos()
}

/// Whether every entry is finite, over the storage (nalgebra's element iterator costs
/// ~10 instructions an entry, and the guards run this on every update) and without a
/// branch per entry: `x * 0` is 0 for a finite `x` and NaN for an infinite or NaN one,
/// summed in four lanes (which vectorise).
#[inline(always)]
pub fn all_finite(v: &[f64]) -> bool {
    let mut acc = [0.0f64; 4];
    let mut chunks = v.chunks_exact(4);
    for c in &mut chunks {
        for (a, x) in acc.iter_mut().zip(c) {
            *a += x * 0.0;
        }
    }
    for (a, x) in acc.iter_mut().zip(chunks.remainder()) {
        *a += x * 0.0;
    }
    acc[0] + acc[1] + acc[2] + acc[3] == 0.0
}

/// Replace `p` by `(p + p^T) / 2`.
#[inline(always)]
pub fn symmetrize<const N: usize>(p: &mut SMatrix<f64, N, N>) {
    for i in 0..N {
        for j in (i + 1)..N {
            let m = 0.5 * (p[(i, j)] + p[(j, i)]);
            p[(i, j)] = m;
            p[(j, i)] = m;
        }
    }
}

/// Lower Cholesky factor `L` of `p` (`p = L L^T`, upper triangle of the result zero), or
/// `None` when a pivot is zero, negative or NaN.
///
/// The same operations in the same order as nalgebra's `Cholesky::new` (left-looking,
/// column by column: `col_j[j..] += (-L[j,k]) col_k[j..]` for `k < j`, then the square
/// root of the pivot and a division of the column below it), so the factor and the
/// success are the same to the bit; written for fixed sizes over the column-major array,
/// which the compiler unrolls (nalgebra's generic version walks matrix views and was
/// ~5 % of the raid profile in covariance checks).
///
/// ```
/// use nalgebra::Matrix3;
/// let p = Matrix3::new(4.0, 2.0, 0.4, 2.0, 5.0, 1.0, 0.4, 1.0, 3.0);
/// let l = tl_track::linalg::cholesky_lower(&p).unwrap();
/// assert_eq!(l, p.cholesky().unwrap().unpack());
/// assert!(tl_track::linalg::cholesky_lower(&(-p)).is_none());
/// ```
#[inline]
pub fn cholesky_lower<const N: usize>(p: &SMatrix<f64, N, N>) -> Option<SMatrix<f64, N, N>> {
    let mut m = *p;
    let a = m.as_mut_slice();
    for j in 0..N {
        for k in 0..j {
            let f = -a[j + k * N];
            for i in j..N {
                // `y + f x` (IEEE addition commutes: nalgebra's `f x + y` to the bit).
                a[i + j * N] += f * a[i + k * N];
            }
        }
        let d = a[j + j * N];
        // nalgebra: zero fails, then `try_sqrt` fails unless `d >= 0` (so NaN fails).
        if d.is_nan() || d <= 0.0 {
            return None;
        }
        let s = d.sqrt();
        a[j + j * N] = s;
        for i in (j + 1)..N {
            a[i + j * N] /= s;
        }
    }
    for j in 1..N {
        for i in 0..j {
            a[i + j * N] = 0.0;
        }
    }
    Some(m)
}

/// Whether the symmetric matrix `p` is positive definite: every pivot of its
/// `L D L^T` factorisation is positive (and not NaN). The pivots are `L_jj^2` of the
/// Cholesky factorisation, so this is Cholesky's test without the square roots and the
/// column divisions; it is done by outer products ("right-looking": after pivot `k`
/// every later column `j` takes `-col_k col_k[j] / d_k`, over whole columns, so the
/// inner loop has a fixed length and vectorises; rows above the trailing block take
/// values never read). Only the answer is used (by [`guard_pd`]), so the order of the
/// operations, not the same as [`cholesky_lower`]'s, may decide only matrices within
/// round-off of singular.
///
/// ```
/// use nalgebra::Matrix3;
/// let p = Matrix3::new(4.0, 2.0, 0.4, 2.0, 5.0, 1.0, 0.4, 1.0, 3.0);
/// assert!(tl_track::linalg::is_positive_definite(&p));
/// assert!(!tl_track::linalg::is_positive_definite(&(-p)));
/// ```
#[inline(always)]
pub fn is_positive_definite<const N: usize>(p: &SMatrix<f64, N, N>) -> bool {
    let mut a = p.data.0;
    for k in 0..N {
        let d = a[k][k];
        if d.is_nan() || d <= 0.0 {
            return false;
        }
        let col = a[k];
        let inv = 1.0 / d;
        for (j, cj) in a.iter_mut().enumerate().skip(k + 1) {
            let w = col[j] * inv;
            for (x, c) in cj.iter_mut().zip(col.iter()) {
                *x -= c * w;
            }
        }
    }
    true
}

/// Make `p` symmetric and check it is positive definite ([`is_positive_definite`]). When
/// the test fails by round-off (smallest eigenvalue slightly negative), a jitter of
/// `1e-12 * max diagonal` is added to the diagonal, growing tenfold up to three times.
/// Returns an error (and leaves `p` unchanged apart from symmetrisation) when the matrix
/// is non-finite or far from positive definite, so the caller can reject the update
/// instead of poisoning the track.
///
/// On x86-64 processors with AVX2 (checked at run time) it runs in a copy compiled for
/// AVX2, with the same operations in the same order (no fused multiply-add): the same
/// answer and the same bits on every machine.
#[inline]
pub fn guard_pd<const N: usize>(p: &mut SMatrix<f64, N, N>) -> Result<(), CovError> {
    #[cfg(target_arch = "x86_64")]
    {
        if N >= 6 && std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has AVX2 (checked on the line above).
            return unsafe { guard_pd_avx2(p) };
        }
    }
    guard_pd_portable(p)
}

/// [`guard_pd`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn guard_pd_avx2<const N: usize>(p: &mut SMatrix<f64, N, N>) -> Result<(), CovError> {
    guard_pd_portable(p)
}

/// [`guard_pd`]'s arithmetic, for any instruction set.
#[inline(always)]
fn guard_pd_portable<const N: usize>(p: &mut SMatrix<f64, N, N>) -> Result<(), CovError> {
    symmetrize(p);
    if !all_finite(p.as_slice()) {
        return Err(CovError::NonFinite);
    }
    if is_positive_definite(p) {
        return Ok(());
    }
    let dmax = (0..N).map(|i| p[(i, i)]).fold(0.0f64, f64::max);
    if dmax <= 0.0 {
        return Err(CovError::NotPositiveDefinite);
    }
    let mut eps = 1e-12 * dmax;
    for _ in 0..4 {
        let mut q = *p;
        for i in 0..N {
            q[(i, i)] += eps;
        }
        if is_positive_definite(&q) {
            *p = q;
            return Ok(());
        }
        eps *= 10.0;
    }
    Err(CovError::NotPositiveDefinite)
}

/// A factorised innovation covariance `S` (M x M, SPD): solves, inverse, log-determinant.
#[derive(Clone, Copy, Debug)]
pub struct SpdFactor<const M: usize> {
    /// Lower Cholesky factor L with S = L L^T.
    pub l: SMatrix<f64, M, M>,
}

impl<const M: usize> SpdFactor<M> {
    /// Factorise `s` (symmetrised first). `None` when not positive definite or non-finite.
    #[inline]
    pub fn new(s: &SMatrix<f64, M, M>) -> Option<Self> {
        let mut s = *s;
        symmetrize(&mut s);
        if !all_finite(s.as_slice()) {
            return None;
        }
        cholesky_lower(&s).map(|l| Self { l })
    }

    /// Squared Mahalanobis length `v^T S^-1 v`.
    #[inline]
    pub fn mahalanobis2(&self, v: &SVector<f64, M>) -> f64 {
        let y = self.solve_lower(v);
        y.norm_squared()
    }

    /// Solve `L y = v` (forward substitution).
    #[inline]
    pub fn solve_lower(&self, v: &SVector<f64, M>) -> SVector<f64, M> {
        let mut y = *v;
        for i in 0..M {
            let mut s = y[i];
            for k in 0..i {
                s -= self.l[(i, k)] * y[k];
            }
            y[i] = s / self.l[(i, i)];
        }
        y
    }

    /// Solve `L^T x = y` (back substitution).
    #[inline]
    pub fn solve_upper(&self, y: &SVector<f64, M>) -> SVector<f64, M> {
        let mut x = *y;
        for i in (0..M).rev() {
            let mut s = x[i];
            for k in (i + 1)..M {
                s -= self.l[(k, i)] * x[k];
            }
            x[i] = s / self.l[(i, i)];
        }
        x
    }

    /// `S^-1 v`.
    #[inline]
    pub fn solve(&self, v: &SVector<f64, M>) -> SVector<f64, M> {
        self.solve_upper(&self.solve_lower(v))
    }

    /// `S^-1` (symmetric).
    #[inline]
    pub fn inverse(&self) -> SMatrix<f64, M, M> {
        let mut inv = SMatrix::<f64, M, M>::zeros();
        for j in 0..M {
            let mut e = SVector::<f64, M>::zeros();
            e[j] = 1.0;
            inv.set_column(j, &self.solve(&e));
        }
        symmetrize(&mut inv);
        inv
    }

    /// `ln det S`.
    #[inline]
    pub fn ln_det(&self) -> f64 {
        (0..M).map(|i| self.l[(i, i)].ln()).sum::<f64>() * 2.0
    }
}

/// Regularised lower incomplete gamma function P(a, x) (series for x < a + 1, Lentz
/// continued fraction otherwise; relative accuracy ~1e-14).
pub fn gamma_p(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    let gln = ln_gamma(a);
    if x < a + 1.0 {
        let mut ap = a;
        let mut sum = 1.0 / a;
        let mut del = sum;
        for _ in 0..1000 {
            ap += 1.0;
            del *= x / ap;
            sum += del;
            if del.abs() < sum.abs() * 1e-16 {
                break;
            }
        }
        (sum.ln() - x + a * x.ln() - gln).exp()
    } else {
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..1000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() < 1e-16 {
                break;
            }
        }
        1.0 - (-x + a * x.ln() - gln).exp() * h
    }
}

pub use tl_core::special::ln_gamma;

/// Chi-square cumulative distribution with `dof` degrees of freedom at `x`.
pub fn chi2_cdf(x: f64, dof: f64) -> f64 {
    gamma_p(0.5 * dof, 0.5 * x)
}

/// Chi-square quantile: the `x` with `chi2_cdf(x, dof) = prob` (bisection to 1e-12
/// relative). `prob` in (0, 1).
///
/// ```
/// // 95 % point of chi-square with 3 dof: 7.8147 (tables)
/// assert!((tl_track::linalg::chi2_quantile(0.95, 3.0) - 7.814_727_9).abs() < 1e-6);
/// ```
pub fn chi2_quantile(prob: f64, dof: f64) -> f64 {
    let p = prob.clamp(1e-15, 1.0 - 1e-15);
    let mut lo = 0.0;
    let mut hi = dof.max(1.0);
    while chi2_cdf(hi, dof) < p {
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if chi2_cdf(mid, dof) < p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-12 * hi {
            break;
        }
    }
    0.5 * (lo + hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::{Matrix3, Vector3};

    /// Pseudo-random numbers (xorshift64): uniform in [-0.5, 0.5) and the state's bits.
    fn xorshift(mut state: u64) -> impl FnMut() -> (f64, u64) {
        move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            ((state >> 11) as f64 / (1u64 << 53) as f64 - 0.5, state)
        }
    }

    /// 4,000 symmetric 8 x 8 matrices: rank-deficient products (3 or 5 columns) or full
    /// ones plus a diagonal from -1e-3 to +1 times the scale, with scales spanning 1e-6 to
    /// 1e12 like state covariances (from positive definite to singular and indefinite).
    fn test_covariances() -> impl Iterator<Item = SMatrix<f64, 8, 8>> {
        let mut rng = xorshift(0x2545_f491_4f6c_dd1d);
        (0..4000).map(move |i| {
            let cols = [3usize, 5, 8][i % 3];
            let a = SMatrix::<f64, 8, 8>::from_fn(|_, c| if c < cols { rng().0 } else { 0.0 });
            let scale = 10f64.powi((i % 19) as i32 - 6);
            let d = [1.0, 1e-6, 1e-12, 0.0, -1e-14, -1e-9, -1e-3][i % 7];
            let mut p = (a * a.transpose() + SMatrix::<f64, 8, 8>::identity() * d) * scale;
            symmetrize(&mut p);
            p
        })
    }

    /// `cholesky_lower` is nalgebra's factor to the bit, and fails exactly when
    /// nalgebra's does: covariances A A^T + d I of every conditioning from well-posed to
    /// singular and indefinite (negative d), with a NaN and an infinity.
    #[test]
    fn cholesky_is_bit_identical_to_nalgebra() {
        let (mut ok, mut failed) = (0, 0);
        for (i, p) in test_covariances().enumerate() {
            match (cholesky_lower(&p), p.cholesky()) {
                (Some(l), Some(c)) => {
                    assert_eq!(l, c.unpack(), "case {i}");
                    ok += 1;
                }
                (None, None) => failed += 1,
                (mine, theirs) => panic!("case {i}: {:?} vs {:?}", mine.is_some(), theirs.is_some()),
            }
            let q = SMatrix::<f64, 2, 2>::new(p[(0, 0)], p[(0, 1)], p[(1, 0)], p[(1, 1)]);
            assert_eq!(cholesky_lower(&q), q.cholesky().map(|c| c.unpack()), "case {i} 2x2");
        }
        // Both outcomes are exercised.
        assert!(ok > 1000 && failed > 500, "{ok} factorised, {failed} refused");
        let mut p = SMatrix::<f64, 3, 3>::identity();
        p[(1, 1)] = f64::NAN;
        assert!(cholesky_lower(&p).is_none() && p.cholesky().is_none());
        p[(1, 1)] = f64::INFINITY;
        assert_eq!(cholesky_lower(&p).is_some(), p.cholesky().is_some());
    }

    /// `is_positive_definite` (the pivots' test without the factor) agrees with the
    /// Cholesky factorisation on the same family of matrices, except for matrices
    /// within round-off of singular (smallest eigenvalue below 1e-12 of the largest in
    /// magnitude), where either answer is right; NaN and infinities are refused.
    #[test]
    fn pivot_test_agrees_with_cholesky() {
        let (mut pd, mut not, mut borderline) = (0, 0, 0);
        for (i, p) in test_covariances().enumerate() {
            let (mine, chol) = (is_positive_definite(&p), cholesky_lower(&p).is_some());
            if mine != chol {
                let e = p.symmetric_eigenvalues();
                let (lo, hi) = (e.min(), e.abs().max());
                assert!(lo.abs() <= 1e-12 * hi, "case {i}: {mine} vs {chol}, eigenvalues {lo:e} .. {hi:e}");
                borderline += 1;
            } else if mine {
                pd += 1;
            } else {
                not += 1;
            }
        }
        assert!(pd > 1000 && not > 500 && borderline < 40, "{pd} pd, {not} not, {borderline} borderline");
        let mut p = SMatrix::<f64, 3, 3>::identity();
        p[(1, 1)] = f64::NAN;
        assert!(!is_positive_definite(&p));
        p[(1, 1)] = f64::INFINITY;
        p[(1, 2)] = f64::INFINITY;
        p[(2, 1)] = f64::INFINITY;
        assert!(!is_positive_definite(&p));
    }

    /// `matmul` is nalgebra's product to the bit (same operations, same order) for the
    /// shapes the filters use, on pseudo-random entries spanning many magnitudes; with
    /// and without the AVX2 copy.
    #[test]
    fn matmul_is_bit_identical_to_nalgebra() {
        let mut rng = xorshift(0x9e37_79b9_7f4a_7c15);
        let mut next = move || {
            let (m, state) = rng();
            m * 10f64.powi(((state >> 3) % 13) as i32 - 6)
        };
        for _ in 0..50 {
            let a = SMatrix::<f64, 8, 8>::from_fn(|_, _| next());
            let b = SMatrix::<f64, 8, 8>::from_fn(|_, _| next());
            let c = SMatrix::<f64, 8, 3>::from_fn(|_, _| next());
            let h = SMatrix::<f64, 2, 8>::from_fn(|_, _| next());
            assert_eq!(matmul(&a, &b), a * b);
            assert_eq!(matmul(&a, &c), a * c);
            assert_eq!(matmul(&h, &c), h * c);
            assert_eq!(matmul(&matmul(&a, &b), &a.transpose()), a * b * a.transpose());
            // The consider update's shapes (M = 2 measurement, 3-vector bias).
            let k = SMatrix::<f64, 8, 2>::from_fn(|_, _| next());
            let s2 = SMatrix::<f64, 2, 2>::from_fn(|_, _| next());
            let hb = SMatrix::<f64, 2, 3>::from_fn(|_, _| next());
            assert_eq!(matmul(&matmul(&h, &a), &h.transpose()), h * a * h.transpose());
            assert_eq!(matmul(&a, &h.transpose()), a * h.transpose());
            assert_eq!(matmul(&c, &hb.transpose()), c * hb.transpose());
            assert_eq!(matmul(&k, &k.transpose()), k * k.transpose());
            assert_eq!(matmul(&matmul(&k, &s2), &k.transpose()), k * s2 * k.transpose());
            assert_eq!(matmul(&hb, &hb.transpose()), hb * hb.transpose());
            assert_eq!(matmul(&matmul(&h, &c), &hb.transpose()), h * c * hb.transpose());
            // The AVX2 copy (used on this machine when it has AVX2) and the portable
            // one give the same bits, whichever `matmul` dispatched to above.
            assert_eq!(matmul_portable(&a, &b), a * b);
            assert_eq!(matmul_portable(&a, &c), a * c);
            assert_eq!(matmul_portable(&k, &k.transpose()), k * k.transpose());
        }
    }

    /// The closed-form largest eigenvalue against nalgebra's iterative one: random
    /// covariances spanning 1e-6 to 1e12, rank-deficient, diagonal, equal eigenvalues.
    #[test]
    fn largest_eigenvalue_matches_nalgebra() {
        let mut rng = xorshift(0x1234_5678_9abc_def1);
        let mut next = move || rng().0;
        let mut cases: Vec<nalgebra::Matrix3<f64>> = Vec::new();
        for i in 0..3000 {
            let cols = [1usize, 2, 3][i % 3];
            let a = nalgebra::Matrix3::from_fn(|_, c| if c < cols { next() } else { 0.0 });
            let scale = 10f64.powi((i % 19) as i32 - 6);
            cases.push(a * a.transpose() * scale);
        }
        cases.push(nalgebra::Matrix3::from_diagonal(&nalgebra::Vector3::new(2.0, 7.0, 3.0)));
        cases.push(nalgebra::Matrix3::identity() * 5.0);
        cases.push(nalgebra::Matrix3::zeros());
        cases.push(nalgebra::Matrix3::new(4.0, 4.0, 0.0, 4.0, 4.0, 0.0, 0.0, 0.0, 8.0));
        for (i, m) in cases.iter().enumerate() {
            let want = nalgebra::SymmetricEigen::new(*m).eigenvalues.max();
            let got = largest_eigenvalue_sym3(m);
            let tol = 1e-12 * m.abs().max().max(f64::MIN_POSITIVE);
            assert!((got - want).abs() <= tol, "case {i}: {got} vs {want}");
        }
    }

    #[test]
    fn chi2_table_values() {
        // Standard table values (e.g. Abramowitz & Stegun table 26.8).
        for (p, k, x) in [
            (0.95, 1.0, 3.841_458_8),
            (0.99, 2.0, 9.210_340_4),
            (0.05, 6.0, 1.635_383_5),
            (0.975, 60.0, 83.297_67),
            (0.025, 300.0, 253.912_2),
        ] {
            let q = chi2_quantile(p, k);
            assert!((q - x).abs() / x < 1e-6, "p {p} k {k}: {q} vs {x}");
        }
    }

    #[test]
    fn spd_factor_matches_inverse() {
        let s = Matrix3::new(4.0, 1.0, 0.5, 1.0, 3.0, 0.2, 0.5, 0.2, 2.0);
        let f = SpdFactor::new(&s).unwrap();
        let inv = s.try_inverse().unwrap();
        assert!((f.inverse() - inv).norm() < 1e-12);
        let v = Vector3::new(1.0, -2.0, 0.5);
        assert!((f.mahalanobis2(&v) - (v.transpose() * inv * v)[0]).abs() < 1e-12);
        assert!((f.ln_det() - s.determinant().ln()).abs() < 1e-12);
    }

    #[test]
    fn guard_rejects_bad_and_repairs_roundoff() {
        let mut bad = Matrix3::new(1.0, 2.0, 0.0, 2.0, 1.0, 0.0, 0.0, 0.0, 1.0);
        assert_eq!(guard_pd(&mut bad), Err(CovError::NotPositiveDefinite));
        let mut nan = Matrix3::identity();
        nan[(1, 1)] = f64::NAN;
        assert_eq!(guard_pd(&mut nan), Err(CovError::NonFinite));
        // Rank-deficient by round-off: a v v^T with v along (1,1,0) plus tiny negative.
        let v = Vector3::new(1.0, 1.0, 0.0);
        let mut p = v * v.transpose() + Matrix3::from_diagonal(&Vector3::new(0.0, 0.0, 1.0));
        p[(0, 0)] -= 1e-15;
        assert!(guard_pd(&mut p).is_ok());
        assert!(p.cholesky().is_some());
    }

    /// The guard's AVX2 copy (used above when this machine has AVX2) and its portable
    /// copy give the same answer and the same bits, on matrices from positive definite
    /// to indefinite, repaired by the jitter or not, and with non-finite entries.
    #[test]
    fn guard_copies_agree() {
        for (i, mut p) in test_covariances().take(600).enumerate() {
            // Made slightly asymmetric, so the symmetrisation's rounding is compared too.
            p[(i % 8, (i / 8) % 8)] *= 1.0 + 1e-15;
            if i % 97 == 0 {
                p[(i % 8, 3)] = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY][i % 3];
            }
            let (mut q, mut r) = (p, p);
            assert_eq!(guard_pd(&mut q), guard_pd_portable(&mut r), "case {i}");
            assert_eq!(
                q.as_slice().iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                r.as_slice().iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                "case {i}"
            );
        }
    }

    /// `all_finite` (a branch-free sum) against the plain test, one bad entry anywhere
    /// in slices of every length the filters use and more.
    #[test]
    fn all_finite_finds_every_bad_entry() {
        for n in 0..70 {
            let v: Vec<f64> = (0..n).map(|i| (i as f64 - 30.0) * 1e150).collect();
            assert!(all_finite(&v), "{n}");
            for k in 0..n {
                for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
                    let mut w = v.clone();
                    w[k] = bad;
                    assert!(!all_finite(&w), "{n} {k} {bad}");
                }
            }
        }
        assert!(all_finite(&[f64::MAX, -f64::MAX, f64::MIN_POSITIVE, -0.0, 5e-324]));
    }
}
