//! Global assignment: a Jonker–Volgenant-style shortest augmenting path solver for
//! rectangular assignment problems, gating-graph clustering, and exact JPDA marginals
//! for small clusters.
//!
//! The solver follows the shortest-augmenting-path formulation (Jonker & Volgenant 1987;
//! the rectangular variant described by Crouse, "On implementing 2D rectangular
//! assignment algorithms", IEEE TAES 52(4), 2016): rows are added one at a time; for each
//! a Dijkstra search over reduced costs `c_ij - u_i - v_j` finds the cheapest augmenting
//! path to a free column; the duals are updated so reduced costs stay non-negative, and
//! the path is flipped. Complexity O(n^2 m) for n rows and m >= n columns; forbidden
//! pairs are `f64::INFINITY`.
//!
//! The tracker never builds one big matrix: the gating graph (track - detection pairs
//! that passed the gate) is split into connected components ([`Clusters`]) and each is
//! solved on its own, so the cost grows with the cluster sizes, not the scene size.

/// Why an assignment problem has no solution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AssignError {
    /// More rows than columns.
    #[error("assignment needs rows <= columns ({rows} > {cols})")]
    Shape {
        /// Rows.
        rows: usize,
        /// Columns.
        cols: usize,
    },
    /// Some row cannot be assigned to any free column at finite cost.
    #[error("assignment infeasible: a row has no finite-cost column left")]
    Infeasible,
    /// A cost is NaN or -inf.
    #[error("assignment cost is NaN or -inf")]
    BadCost,
}

const NONE: usize = usize::MAX;

/// Reusable buffers for [`Lap::solve`], so repeated solves do not allocate.
#[derive(Clone, Debug, Default)]
pub struct Lap {
    u: Vec<f64>,
    v: Vec<f64>,
    shortest: Vec<f64>,
    path: Vec<usize>,
    row4col: Vec<usize>,
    remaining: Vec<usize>,
    sr: Vec<bool>,
    sc: Vec<bool>,
    /// After a solve: the column assigned to each row.
    pub col4row: Vec<usize>,
}

impl Lap {
    /// A solver with empty buffers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Minimise `sum_i cost[i * cols + col4row[i]]` over injective row -> column maps.
    /// Returns the total cost; the assignment is in [`Lap::col4row`].
    ///
    /// ```
    /// let mut lap = tl_track::assign::Lap::new();
    /// let c = [4.0, 1.0, 3.0, 2.0, 0.0, 5.0, 3.0, 2.0, 2.0];
    /// let total = lap.solve(&c, 3, 3).unwrap();
    /// assert_eq!(total, 5.0);
    /// assert_eq!(lap.col4row, vec![1, 0, 2]);
    /// ```
    pub fn solve(&mut self, cost: &[f64], rows: usize, cols: usize) -> Result<f64, AssignError> {
        if rows > cols {
            return Err(AssignError::Shape { rows, cols });
        }
        debug_assert_eq!(cost.len(), rows * cols);
        if cost.iter().any(|c| c.is_nan() || *c == f64::NEG_INFINITY) {
            return Err(AssignError::BadCost);
        }
        self.u.clear();
        self.u.resize(rows, 0.0);
        self.v.clear();
        self.v.resize(cols, 0.0);
        self.col4row.clear();
        self.col4row.resize(rows, NONE);
        self.row4col.clear();
        self.row4col.resize(cols, NONE);
        self.shortest.resize(cols, 0.0);
        self.path.resize(cols, NONE);
        self.sr.resize(rows, false);
        self.sc.resize(cols, false);
        for cur in 0..rows {
            self.shortest.iter_mut().for_each(|s| *s = f64::INFINITY);
            self.path.iter_mut().for_each(|p| *p = NONE);
            self.sr.iter_mut().for_each(|s| *s = false);
            self.sc.iter_mut().for_each(|s| *s = false);
            self.remaining.clear();
            self.remaining.extend((0..cols).rev());
            let mut i = cur;
            let mut min_val = 0.0;
            let sink;
            loop {
                self.sr[i] = true;
                let mut lowest = f64::INFINITY;
                let mut index = NONE;
                let crow = &cost[i * cols..(i + 1) * cols];
                for (it, &j) in self.remaining.iter().enumerate() {
                    let r = min_val + crow[j] - self.u[i] - self.v[j];
                    if r < self.shortest[j] {
                        self.path[j] = i;
                        self.shortest[j] = r;
                    }
                    if self.shortest[j] < lowest || (self.shortest[j] == lowest && self.row4col[j] == NONE) {
                        lowest = self.shortest[j];
                        index = it;
                    }
                }
                min_val = lowest;
                if index == NONE || !min_val.is_finite() {
                    return Err(AssignError::Infeasible);
                }
                let j = self.remaining[index];
                self.sc[j] = true;
                self.remaining.swap_remove(index);
                if self.row4col[j] == NONE {
                    sink = j;
                    break;
                }
                i = self.row4col[j];
            }
            self.u[cur] += min_val;
            for r in 0..rows {
                if self.sr[r] && r != cur {
                    self.u[r] += min_val - self.shortest[self.col4row[r]];
                }
            }
            for c in 0..cols {
                if self.sc[c] {
                    self.v[c] -= min_val - self.shortest[c];
                }
            }
            let mut j = sink;
            loop {
                let i = self.path[j];
                self.row4col[j] = i;
                std::mem::swap(&mut self.col4row[i], &mut j);
                if i == cur {
                    break;
                }
            }
        }
        Ok((0..rows).map(|r| cost[r * cols + self.col4row[r]]).sum())
    }
}

/// Brute-force minimum assignment (for tests and tiny problems): tries every injective
/// map. Returns the minimum total cost (infinite when infeasible).
pub fn brute_force_min(cost: &[f64], rows: usize, cols: usize) -> f64 {
    fn rec(cost: &[f64], rows: usize, cols: usize, r: usize, used: &mut [bool], acc: f64, best: &mut f64) {
        if r == rows {
            if acc < *best {
                *best = acc;
            }
            return;
        }
        for c in 0..cols {
            if !used[c] {
                let v = cost[r * cols + c];
                if v.is_finite() {
                    used[c] = true;
                    rec(cost, rows, cols, r + 1, used, acc + v, best);
                    used[c] = false;
                }
            }
        }
    }
    let mut best = f64::INFINITY;
    rec(cost, rows, cols, 0, &mut vec![false; cols], 0.0, &mut best);
    best
}

/// Connected components of a bipartite gating graph (tracks x detections), by
/// union-find. Components come out ordered by their smallest track index, tracks and
/// detections inside each in increasing order: deterministic whatever the input order.
#[derive(Clone, Debug, Default)]
pub struct Clusters {
    parent: Vec<u32>,
    /// For each cluster: the track indices.
    pub tracks: Vec<Vec<u32>>,
    /// For each cluster: the detection indices.
    pub dets: Vec<Vec<u32>>,
}

impl Clusters {
    fn find(&mut self, mut a: u32) -> u32 {
        while self.parent[a as usize] != a {
            let p = self.parent[a as usize];
            self.parent[a as usize] = self.parent[p as usize];
            a = p;
        }
        a
    }

    /// Build the clusters of `n_tracks` tracks and `n_dets` detections joined by the
    /// gated `pairs` (track, detection). Tracks without any pair are singleton clusters;
    /// detections without any pair are left out.
    pub fn build(&mut self, n_tracks: usize, n_dets: usize, pairs: &[(u32, u32)]) {
        let n = n_tracks + n_dets;
        self.parent.clear();
        self.parent.extend(0..n as u32);
        for &(t, d) in pairs {
            let a = self.find(t);
            let b = self.find(n_tracks as u32 + d);
            if a != b {
                let (lo, hi) = if a < b { (a, b) } else { (b, a) };
                self.parent[hi as usize] = lo;
            }
        }
        self.tracks.clear();
        self.dets.clear();
        // Roots are the smallest member; tracks come first, so a root < n_tracks.
        let mut slot = vec![u32::MAX; n_tracks];
        for t in 0..n_tracks as u32 {
            let r = self.find(t) as usize;
            if slot[r] == u32::MAX {
                slot[r] = self.tracks.len() as u32;
                self.tracks.push(Vec::new());
                self.dets.push(Vec::new());
            }
            let s = slot[r] as usize;
            self.tracks[s].push(t);
        }
        for d in 0..n_dets as u32 {
            let r = self.find(n_tracks as u32 + d) as usize;
            if r < n_tracks {
                let s = slot[r] as usize;
                self.dets[s].push(d);
            }
        }
    }
}

/// Exact JPDA marginal association probabilities for one cluster.
///
/// `lr[i * n_d + j]` is the likelihood ratio of detection `j` originating from track `i`
/// versus being clutter, `P_D N(nu_ij; 0, S_ij) / lambda_c` (0 when not gated); `1 - P_D`
/// (times the gate probability) is the weight of a miss. Every joint event (each track
/// takes at most one detection, each detection at most one track) is enumerated
/// (Fortmann, Bar-Shalom & Scheffe 1983); `beta` receives, row-major with `n_d + 1`
/// columns, the probability that track `i` took detection `j` (column `n_d`: no
/// detection). Returns false (and leaves `beta` unspecified) when the cluster has more
/// than `max_events` joint events, in which case the caller falls back to GNN.
pub fn jpda_marginals(
    lr: &[f64],
    n_t: usize,
    n_d: usize,
    miss_weight: f64,
    max_events: usize,
    beta: &mut Vec<f64>,
) -> bool {
    beta.clear();
    beta.resize(n_t * (n_d + 1), 0.0);
    let mut used = vec![false; n_d];
    let mut choice = vec![NONE; n_t];
    let mut total = 0.0;
    let mut events = 0usize;
    #[allow(clippy::too_many_arguments)]
    fn rec(
        i: usize,
        w: f64,
        lr: &[f64],
        n_t: usize,
        n_d: usize,
        miss: f64,
        used: &mut [bool],
        choice: &mut [usize],
        beta: &mut [f64],
        total: &mut f64,
        events: &mut usize,
        max_events: usize,
    ) -> bool {
        if i == n_t {
            *events += 1;
            if *events > max_events {
                return false;
            }
            *total += w;
            for (t, &c) in choice.iter().enumerate() {
                let col = if c == NONE { n_d } else { c };
                beta[t * (n_d + 1) + col] += w;
            }
            return true;
        }
        choice[i] = NONE;
        if !rec(i + 1, w * miss, lr, n_t, n_d, miss, used, choice, beta, total, events, max_events) {
            return false;
        }
        for j in 0..n_d {
            let l = lr[i * n_d + j];
            if l > 0.0 && !used[j] {
                used[j] = true;
                choice[i] = j;
                let ok = rec(i + 1, w * l, lr, n_t, n_d, miss, used, choice, beta, total, events, max_events);
                used[j] = false;
                choice[i] = NONE;
                if !ok {
                    return false;
                }
            }
        }
        true
    }
    if !rec(
        0,
        1.0,
        lr,
        n_t,
        n_d,
        miss_weight,
        &mut used,
        &mut choice,
        beta,
        &mut total,
        &mut events,
        max_events,
    ) {
        return false;
    }
    if total > 0.0 {
        beta.iter_mut().for_each(|b| *b /= total);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use tl_core::rng::RngStream;

    #[test]
    fn jv_matches_brute_force_on_random_matrices() {
        let mut rng = RngStream::new(5, 0, 0, "track.test.lap");
        let mut lap = Lap::new();
        for trial in 0..3_000 {
            let rows = 1 + rng.below(6) as usize;
            let cols = rows + rng.below(4) as usize;
            let mut c: Vec<f64> =
                (0..rows * cols)
                    .map(|_| {
                        if rng.uniform() < 0.25 {
                            f64::INFINITY
                        } else {
                            (rng.uniform() * 100.0).round() / 4.0
                        }
                    })
                    .collect();
            if trial % 7 == 0 {
                // integer ties
                c.iter_mut().for_each(|v| {
                    if v.is_finite() {
                        *v = v.floor().min(3.0)
                    }
                });
            }
            let bf = brute_force_min(&c, rows, cols);
            match lap.solve(&c, rows, cols) {
                Ok(total) => {
                    assert!((total - bf).abs() < 1e-9, "trial {trial}: {total} vs {bf}");
                    let mut seen = vec![false; cols];
                    for &j in &lap.col4row {
                        assert!(!seen[j]);
                        seen[j] = true;
                    }
                }
                Err(AssignError::Infeasible) => {
                    assert!(bf.is_infinite(), "trial {trial}: infeasible but bf {bf}")
                }
                Err(e) => panic!("{e}"),
            }
        }
    }

    #[test]
    fn lap_rejects_bad_shapes_and_costs() {
        let mut lap = Lap::new();
        assert!(matches!(lap.solve(&[1.0, 2.0], 2, 1), Err(AssignError::Shape { .. })));
        assert_eq!(lap.solve(&[f64::NAN], 1, 1), Err(AssignError::BadCost));
    }

    #[test]
    fn clusters_are_components() {
        let mut c = Clusters::default();
        // tracks 0..4, dets 0..5: 0-0, 1-0, 1-1 (cluster {0,1}), 3-3 (cluster {3}); track 2 alone; det 4 alone
        c.build(4, 5, &[(1, 1), (3, 3), (0, 0), (1, 0)]);
        assert_eq!(c.tracks, vec![vec![0, 1], vec![2], vec![3]]);
        assert_eq!(c.dets, vec![vec![0, 1], vec![], vec![3]]);
    }

    #[test]
    fn jpda_single_track_is_pdaf() {
        // One track, two detections: beta_j = L_j / (b + sum L), b = miss weight.
        let lr = [2.0, 6.0];
        let mut beta = Vec::new();
        assert!(jpda_marginals(&lr, 1, 2, 0.5, 1000, &mut beta));
        let s = 0.5 + 8.0;
        assert!((beta[0] - 2.0 / s).abs() < 1e-12 && (beta[1] - 6.0 / s).abs() < 1e-12);
        assert!((beta[2] - 0.5 / s).abs() < 1e-12);
        // Two tracks sharing one detection: the events are {-,-}, {0,-}, {-,0}.
        let lr = [4.0, 1.0];
        assert!(jpda_marginals(&lr, 2, 1, 1.0, 1000, &mut beta));
        let tot = 1.0 + 4.0 + 1.0;
        assert!((beta[0] - 4.0 / tot).abs() < 1e-12 && (beta[2] - 1.0 / tot).abs() < 1e-12);
    }
}
