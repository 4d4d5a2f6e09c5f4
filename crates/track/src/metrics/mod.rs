//! Scoring of tracks against truth. **Never called by the tracking path**: truth enters
//! only here, as an explicit separate input.
//!
//! * [`ospa`], [`gospa`]: set distances between estimated and true positions per time
//!   (Schuhmacher, Vo & Vo 2008; Rahmathullah, García-Fernández & Svensson 2017);
//! * [`scoring`]: track-to-truth association over time, RMSE by phase, completeness,
//!   purity, ID switches, false tracks, NEES with chi-square bounds, per-launch timelines.

pub mod scoring;

use crate::assign::Lap;

/// OSPA distance of order `p` with cut-off `c` between two point sets.
///
/// `d = ( (min_pi sum_i min(c, |x_i - y_pi(i)|)^p + c^p |n - m|) / max(m, n) )^(1/p)`,
/// 0 when both sets are empty, `c` when exactly one is.
///
/// ```
/// use tl_track::metrics::ospa;
/// let d = ospa(&[[0.0, 0.0, 0.0]], &[[3.0, 4.0, 0.0], [100.0, 0.0, 0.0]], 10.0, 1.0);
/// assert!((d - (5.0 + 10.0) / 2.0).abs() < 1e-12);
/// ```
pub fn ospa(est: &[[f64; 3]], truth: &[[f64; 3]], c: f64, p: f64) -> f64 {
    let (m, n) = (est.len(), truth.len());
    if m == 0 && n == 0 {
        return 0.0;
    }
    if m == 0 || n == 0 {
        return c;
    }
    let (a, b) = if m <= n { (est, truth) } else { (truth, est) };
    let (rows, cols) = (a.len(), b.len());
    let mut cost = vec![0.0; rows * cols];
    for (i, x) in a.iter().enumerate() {
        for (j, y) in b.iter().enumerate() {
            cost[i * cols + j] = pow_order(dist(x, y).min(c), p);
        }
    }
    let mut lap = Lap::new();
    let total = lap.solve(&cost, rows, cols).unwrap_or(f64::INFINITY);
    root_order((total + pow_order(c, p) * (cols - rows) as f64) / cols as f64, p)
}

/// GOSPA distance (alpha = 2) of order `p` with cut-off `c`, and its decomposition.
///
/// `d = ( min_gamma sum_(i,j) in gamma |x_i - y_j|^p + c^p/2 (#missed + #false) )^(1/p)`
/// over assignments `gamma` of pairs closer than `c` (Rahmathullah et al. 2017, eq. 2).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Gospa {
    /// The distance, m.
    pub distance: f64,
    /// Sum of assigned localisation errors raised to p.
    pub localisation: f64,
    /// Truth points left unassigned.
    pub missed: usize,
    /// Estimated points left unassigned.
    pub false_count: usize,
}

/// GOSPA (alpha = 2) between estimated and true positions.
///
/// ```
/// use tl_track::metrics::gospa;
/// let g = gospa(&[[0.0, 0.0, 0.0], [50.0, 0.0, 0.0]], &[[3.0, 4.0, 0.0]], 10.0, 1.0);
/// assert_eq!((g.missed, g.false_count), (0, 1));
/// assert!((g.distance - (5.0 + 10.0 / 2.0)).abs() < 1e-12);
/// ```
pub fn gospa(est: &[[f64; 3]], truth: &[[f64; 3]], c: f64, p: f64) -> Gospa {
    let (m, n) = (est.len(), truth.len());
    let half = pow_order(c, p) / 2.0;
    if m == 0 || n == 0 {
        let d = root_order(half * (m + n) as f64, p);
        return Gospa { distance: d, localisation: 0.0, missed: n, false_count: m };
    }
    // Rows = estimates; columns = truths + one "unassigned" column per estimate. A pair
    // costs min(d^p, c^p) - c^p (assigning saves two halves of c^p); unassigned costs 0.
    let cols = n + m;
    let mut cost = vec![f64::INFINITY; m * cols];
    for (i, x) in est.iter().enumerate() {
        for (j, y) in truth.iter().enumerate() {
            let d = dist(x, y);
            cost[i * cols + j] = if d < c { pow_order(d, p) - 2.0 * half } else { f64::INFINITY };
        }
        cost[i * cols + n + i] = 0.0;
    }
    let mut lap = Lap::new();
    let _ = lap.solve(&cost, m, cols);
    let mut loc = 0.0;
    let mut assigned = 0usize;
    for i in 0..m {
        let j = lap.col4row[i];
        if j < n {
            loc += pow_order(dist(&est[i], &truth[j]), p);
            assigned += 1;
        }
    }
    let missed = n - assigned;
    let false_count = m - assigned;
    let d = root_order(loc + half * (missed + false_count) as f64, p);
    Gospa { distance: d, localisation: loc, missed, false_count }
}

/// `x^p` for the set distances' order `p`: exact for `p = 1` (what `powf` returns too,
/// at a fraction of its cost; the default order) and correctly rounded for `p = 2`.
#[inline]
fn pow_order(x: f64, p: f64) -> f64 {
    if p == 1.0 {
        x
    } else if p == 2.0 {
        x * x
    } else {
        x.powf(p)
    }
}

/// `x^(1/p)`, the inverse of [`pow_order`].
#[inline]
fn root_order(x: f64, p: f64) -> f64 {
    if p == 1.0 {
        x
    } else if p == 2.0 {
        x.sqrt()
    } else {
        x.powf(1.0 / p)
    }
}

#[inline]
fn dist(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}

/// OSPA per time for timed position sets: `est` and `truth` are `(t_s, position)` rows;
/// times are matched exactly (to the nanosecond). Returns `(t_s, ospa)` for every time
/// present in either set, in increasing time (Stone Soup's `OSPAMetric` convention).
pub fn ospa_series(est: &[(f64, [f64; 3])], truth: &[(f64, [f64; 3])], c: f64, p: f64) -> Vec<(f64, f64)> {
    use std::collections::BTreeMap;
    let key = |t: f64| (t * 1e9).round() as i64;
    type Sets = (f64, Vec<[f64; 3]>, Vec<[f64; 3]>);
    let mut by_t: BTreeMap<i64, Sets> = BTreeMap::new();
    for (t, x) in est {
        by_t.entry(key(*t)).or_insert((*t, Vec::new(), Vec::new())).1.push(*x);
    }
    for (t, x) in truth {
        by_t.entry(key(*t)).or_insert((*t, Vec::new(), Vec::new())).2.push(*x);
    }
    by_t.into_values().map(|(t, e, g)| (t, ospa(&e, &g, c, p))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ospa_properties() {
        let a = [[0.0, 0.0, 0.0], [10.0, 0.0, 0.0]];
        assert_eq!(ospa(&a, &a, 100.0, 1.0), 0.0);
        assert_eq!(ospa(&a, &[], 100.0, 2.0), 100.0);
        // symmetric, optimal pairing (crossing would cost more)
        let b = [[11.0, 0.0, 0.0], [1.0, 0.0, 0.0]];
        assert!((ospa(&a, &b, 100.0, 1.0) - 1.0).abs() < 1e-12);
        assert!((ospa(&b, &a, 100.0, 1.0) - 1.0).abs() < 1e-12);
        // p = 2 with a cut-off
        let d = ospa(&[[0.0, 0.0, 0.0]], &[[0.0, 0.0, 500.0]], 100.0, 2.0);
        assert!((d - 100.0).abs() < 1e-12);
    }

    #[test]
    fn gospa_brute_force_small() {
        // 2 estimates, 2 truths: one close pair, one far pair -> 1 assignment, 1 missed, 1 false.
        let e = [[0.0, 0.0, 0.0], [1000.0, 0.0, 0.0]];
        let t = [[1.0, 0.0, 0.0], [0.0, 1000.0, 0.0]];
        let g = gospa(&e, &t, 20.0, 2.0);
        assert_eq!((g.missed, g.false_count), (1, 1));
        assert!((g.distance - (1.0f64 + 400.0).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn order_shortcuts_agree_with_powf() {
        // p = 1 is exact either way; p = 2 within an ulp of powf; other orders use powf.
        for x in [0.0, 1e-300, 0.3, 1.0, 7.25, 4999.999, 5000.0, 1e12] {
            assert_eq!(pow_order(x, 1.0), x.powf(1.0));
            assert_eq!(root_order(x, 1.0), x.powf(1.0));
            for p in [2.0, 3.0, 0.5] {
                let (a, b) = (pow_order(x, p), x.powf(p));
                assert!((a - b).abs() <= 2.3e-16 * b, "x^{p} at {x}: {a} vs {b}");
                let (a, b) = (root_order(x, p), x.powf(1.0 / p));
                assert!((a - b).abs() <= 2.3e-16 * b, "x^(1/{p}) at {x}: {a} vs {b}");
            }
        }
    }
}
