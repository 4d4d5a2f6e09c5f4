//! A uniform grid of capsules (segments swept by a sphere) queried by rays: the spatial
//! index of the space tracker's pre-gate.
//!
//! Each item (a track) is entered as a capsule: the segment its linearly extrapolated
//! position covers over the grid's validity window, widened by the largest distance at
//! which the pre-gate could still pass it. Its axis-aligned bounding box is entered in
//! every cell it overlaps. A query walks the cells a ray (a detection's line of sight
//! from its satellite) crosses, with the 3-D digital differential analyser of
//! Amanatides & Woo (1987), and returns every item entered in one of them.
//!
//! **Guarantee** (what the pre-gate relies on): if a point `q` of an item's capsule lies
//! within the capsule's radius of a ray, the item is returned. The point `c` of the ray
//! nearest to `q` is then inside the item's bounding box, the walk visits the cell
//! holding `c`, and the item was entered there. Only capsules inside the shell
//! `r_in <= |x| <= r_out` are entered in cells, so the walk covers only the parts of the
//! ray in that shell (the ray's points nearest to such capsules lie in it); the others
//! (and capsules that are not finite or span too many cells) are kept in an overflow
//! list returned by every query. An item entered several times (after each change) is
//! returned once per query, the query's items in ascending id order (a bit set). Unit
//! test against brute force.
//!
//! Cells are cubes of side `cell_m` covering the cube `[-r_out, r_out]^3` (ECI metres;
//! `n = ceil(2 r_out / cell_m)` cells per axis from `-r_out`); a bitmap of the cells in
//! use spares the walk a memory access per empty cell.

use nalgebra::Vector3;

/// Most cells one item may occupy; a larger box goes to the overflow list (tested on
/// every query, which is cheaper than filling hundreds of cells).
const MAX_CELLS_PER_ITEM: usize = 64;

/// Uniform grid of capsules, queried by rays (see the module documentation).
#[derive(Clone, Debug)]
pub struct RayGrid {
    cell_m: f64,
    r_in_m: f64,
    r_out_m: f64,
    /// Cells per axis.
    n: usize,
    /// Item ids per cell, `n^3` cells (allocated on first use).
    cells: Vec<Vec<u32>>,
    /// One bit per cell: holds an id.
    occupied: Vec<u64>,
    /// Cells holding at least one id (to clear them without visiting all).
    used: Vec<u32>,
    /// Items returned by every query.
    overflow: Vec<u32>,
    /// The current query's items, one bit per id (deduplicated and in id order).
    seen: Vec<u64>,
}

/// Set bit `id` of a bit set (64 ids a word).
#[inline]
fn set_bit(bits: &mut [u64], id: u32) {
    bits[id as usize / 64] |= 1 << (id % 64);
}

/// The ids in a set of one bit per id, ascending.
pub fn set_ids(bits: &[u64]) -> impl Iterator<Item = u32> + '_ {
    bits.iter().enumerate().flat_map(|(w, &bits)| {
        let mut b = bits;
        std::iter::from_fn(move || {
            (b != 0).then(|| {
                let i = b.trailing_zeros();
                b &= b - 1;
                (w * 64) as u32 + i
            })
        })
    })
}

/// Distance from point `q` to the segment `a`-`b`, m.
pub fn point_segment_distance(q: &Vector3<f64>, a: &Vector3<f64>, b: &Vector3<f64>) -> f64 {
    let ab = b - a;
    let l2 = ab.norm_squared();
    let s = if l2 > 0.0 { ((q - a).dot(&ab) / l2).clamp(0.0, 1.0) } else { 0.0 };
    (q - (a + ab * s)).norm()
}

impl RayGrid {
    /// A grid of cubic cells of side `cell_m` for capsules within the shell
    /// `r_in_m <= |x| <= r_out_m`, m.
    ///
    /// ```
    /// use nalgebra::Vector3;
    /// use tl_track::grid::RayGrid;
    /// let mut g = RayGrid::new(300e3, 6_000e3, 9_000e3);
    /// assert!(g.insert(7, &Vector3::new(7.0e6, 0.0, 0.0), &Vector3::new(7.0e6, 7.0e3, 0.0), 20e3));
    /// g.begin_query(8);
    /// // From a satellite at 8,000 km on the x axis, looking down the axis.
    /// g.ray(&Vector3::new(8.0e6, 0.0, 0.0), &Vector3::new(-1.0, 0.0, 0.0));
    /// assert_eq!(g.marked().collect::<Vec<_>>(), vec![7]);
    /// ```
    pub fn new(cell_m: f64, r_in_m: f64, r_out_m: f64) -> Self {
        assert!(cell_m > 0.0 && r_in_m >= 0.0 && r_out_m > r_in_m, "grid sizes must be positive and ordered");
        let n = ((2.0 * r_out_m / cell_m).ceil() as usize).max(1);
        Self {
            cell_m,
            r_in_m,
            r_out_m,
            n,
            cells: Vec::new(),
            occupied: Vec::new(),
            used: Vec::new(),
            overflow: Vec::new(),
            seen: Vec::new(),
        }
    }

    /// Remove every item.
    pub fn clear(&mut self) {
        for &c in &self.used {
            self.cells[c as usize].clear();
        }
        self.occupied.fill(0);
        self.used.clear();
        self.overflow.clear();
    }

    fn axis_cell(&self, x: f64) -> Option<usize> {
        let f = ((x + self.r_out_m) / self.cell_m).floor();
        (f >= 0.0 && f < self.n as f64).then_some(f as usize)
    }

    /// Enter item `id` as the capsule of segment `a`-`b` and radius `r_m` (m, ECI).
    /// Returns false if it went to the overflow list (returned by every query).
    pub fn insert(&mut self, id: u32, a: &Vector3<f64>, b: &Vector3<f64>, r_m: f64) -> bool {
        // One metre more than asked absorbs the rounding of the cell arithmetic.
        let r = r_m + 1.0;
        // Inside the shell: both ends within `r_out - r` of the centre (the ball is
        // convex), and the segment at least `r_in + r` from it.
        let o = Vector3::zeros();
        let in_shell = a.norm() + r <= self.r_out_m
            && b.norm() + r <= self.r_out_m
            && point_segment_distance(&o, a, b) - r >= self.r_in_m;
        let lo = a.inf(b).add_scalar(-r);
        let hi = a.sup(b).add_scalar(r);
        let cells = in_shell
            .then(|| {
                (0..3)
                    .map(|k| Some((self.axis_cell(lo[k])?, self.axis_cell(hi[k])?)))
                    .collect::<Option<Vec<_>>>()
            })
            .flatten()
            .filter(|c| (0..3).map(|k| c[k].1 - c[k].0 + 1).product::<usize>() <= MAX_CELLS_PER_ITEM);
        let Some(c) = cells else {
            // Outside the shell, not finite, or too large.
            self.overflow.push(id);
            return false;
        };
        if self.cells.is_empty() {
            self.cells = vec![Vec::new(); self.n * self.n * self.n];
            self.occupied = vec![0; self.cells.len().div_ceil(64)];
        }
        for i in c[0].0..=c[0].1 {
            for j in c[1].0..=c[1].1 {
                for k in c[2].0..=c[2].1 {
                    let ci = (i * self.n + j) * self.n + k;
                    let cell = &mut self.cells[ci];
                    if cell.is_empty() {
                        self.used.push(ci as u32);
                        self.occupied[ci / 64] |= 1 << (ci % 64);
                    }
                    cell.push(id);
                }
            }
        }
        true
    }

    /// Start a query for items with ids below `n_ids` (every id entered must be): the
    /// rays given until the next call add their items to the query's set.
    pub fn begin_query(&mut self, n_ids: usize) {
        let mut seen = std::mem::take(&mut self.seen);
        self.begin_query_into(n_ids, &mut seen);
        self.seen = seen;
    }

    /// [`Self::begin_query`] into a caller's set (one bit per id), leaving the grid
    /// untouched: with [`Self::ray_into`], queries from several threads at once.
    pub fn begin_query_into(&self, n_ids: usize, seen: &mut Vec<u64>) {
        seen.clear();
        seen.resize(n_ids.div_ceil(64), 0);
        for &id in &self.overflow {
            set_bit(seen, id);
        }
    }

    /// Add item `id` to the query's set.
    #[inline]
    pub fn mark(&mut self, id: u32) {
        set_bit(&mut self.seen, id);
    }

    /// Whether the query's set holds `id`.
    pub fn is_marked(&self, id: u32) -> bool {
        self.seen.get(id as usize / 64).is_some_and(|w| w & (1 << (id % 64)) != 0)
    }

    /// The query's set, ascending.
    pub fn marked(&self) -> impl Iterator<Item = u32> + '_ {
        set_ids(&self.seen)
    }

    /// Add to the query's set the items entered in a cell the ray from `origin` along
    /// the unit vector `dir` crosses within the shell (the overflow items are in it
    /// from [`Self::begin_query`]).
    pub fn ray(&mut self, origin: &Vector3<f64>, dir: &Vector3<f64>) {
        let mut seen = std::mem::take(&mut self.seen);
        self.ray_into(origin, dir, &mut seen);
        self.seen = seen;
    }

    /// [`Self::ray`] into a caller's set started by [`Self::begin_query_into`].
    pub fn ray_into(&self, origin: &Vector3<f64>, dir: &Vector3<f64>, seen: &mut [u64]) {
        if self.cells.is_empty() {
            return;
        }
        // Where the ray `origin + s dir` (s >= 0) is within a sphere of radius r.
        let b = origin.dot(dir);
        let c0 = origin.norm_squared();
        let span = |r: f64| {
            let disc = b * b - (c0 - r * r);
            (disc >= 0.0).then(|| {
                let h = disc.sqrt();
                (-b - h, -b + h)
            })
        };
        let Some((o0, o1)) = span(self.r_out_m) else { return };
        let (o0, o1) = (o0.max(0.0), o1);
        if o1 < o0 {
            return;
        }
        // The parts outside the inner ball, widened by a cell's diagonal on the inner
        // side (cheap insurance against rounding at the sphere).
        let pad = self.cell_m * 1.8;
        match span(self.r_in_m).map(|(i0, i1)| (i0 + pad, i1 - pad)).filter(|(i0, i1)| i0 < i1) {
            Some((i0, i1)) => {
                if i0 > o0 {
                    self.walk(origin, dir, o0, i0.min(o1), seen);
                }
                if i1 < o1 {
                    self.walk(origin, dir, i1.max(o0), o1, seen);
                }
            }
            None => self.walk(origin, dir, o0, o1, seen),
        }
    }

    /// The cells the ray crosses for `s` in `[t0, t1]` (3-D DDA).
    fn walk(&self, origin: &Vector3<f64>, dir: &Vector3<f64>, t0: f64, t1: f64, seen: &mut [u64]) {
        let p = origin + dir * t0;
        let nf = self.n as f64;
        let mut cell = [0i64; 3];
        let mut step = [0i64; 3];
        let mut t_max = [f64::INFINITY; 3];
        let mut t_delta = [f64::INFINITY; 3];
        for k in 0..3 {
            let f = ((p[k] + self.r_out_m) / self.cell_m).floor().clamp(0.0, nf - 1.0);
            cell[k] = f as i64;
            if dir[k] > 0.0 {
                step[k] = 1;
                let edge = -self.r_out_m + (f + 1.0) * self.cell_m;
                t_max[k] = t0 + (edge - p[k]) / dir[k];
                t_delta[k] = self.cell_m / dir[k];
            } else if dir[k] < 0.0 {
                step[k] = -1;
                let edge = -self.r_out_m + f * self.cell_m;
                t_max[k] = t0 + (edge - p[k]) / dir[k];
                t_delta[k] = -self.cell_m / dir[k];
            }
        }
        let n = self.n as i64;
        loop {
            let ci = ((cell[0] * n + cell[1]) * n + cell[2]) as usize;
            if self.occupied[ci / 64] & (1 << (ci % 64)) != 0 {
                for &id in &self.cells[ci] {
                    set_bit(seen, id);
                }
            }
            // Next cell: across the nearest boundary.
            let k = if t_max[0] <= t_max[1] && t_max[0] <= t_max[2] {
                0
            } else if t_max[1] <= t_max[2] {
                1
            } else {
                2
            };
            if t_max[k] > t1 {
                break;
            }
            cell[k] += step[k];
            if cell[k] < 0 || cell[k] >= n {
                break;
            }
            t_max[k] += t_delta[k];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tl_core::rng::RngStream;

    /// Distance from point `q` to the ray `o + s d`, `s >= 0`.
    fn ray_dist(q: &Vector3<f64>, o: &Vector3<f64>, d: &Vector3<f64>) -> f64 {
        let s = (q - o).dot(d).max(0.0);
        (q - (o + d * s)).norm()
    }

    /// Smallest distance between the segment `a`-`b` and the ray (dense sampling of the
    /// segment: the test's tolerance covers the sampling step).
    fn seg_ray_dist(a: &Vector3<f64>, b: &Vector3<f64>, o: &Vector3<f64>, d: &Vector3<f64>) -> f64 {
        (0..=200).map(|i| ray_dist(&(a + (b - a) * (i as f64 / 200.0)), o, d)).fold(f64::INFINITY, f64::min)
    }

    #[test]
    fn rays_find_every_capsule_they_pass_within_its_radius() {
        let mut rng = RngStream::from_key(42);
        let half = 9_000e3;
        let mut g = RayGrid::new(300e3, 6_000e3, half);
        let mut caps = Vec::new();
        let mut in_cells = 0;
        for id in 0..3_000u32 {
            // Mostly in the shell, some inside the inner ball (overflow).
            let dir = Vector3::new(rng.normal(), rng.normal(), rng.normal()).normalize();
            let a =
                dir * if id % 13 == 0 { 5_000e3 * rng.uniform() } else { 6_100e3 + 2_800e3 * rng.uniform() };
            let b = a + Vector3::new(rng.normal(), rng.normal(), rng.normal()) * 20e3;
            // Mostly small radii, some large (overflow), some outside the cube.
            let r = if id % 97 == 0 { 3_000e3 } else { 1e3 + 150e3 * rng.uniform() };
            let (a, b) = if id % 89 == 0 { (a * 3.0, b * 3.0) } else { (a, b) };
            in_cells += usize::from(g.insert(id, &a, &b, r));
            caps.push((a, b, r));
        }
        assert!(in_cells > 2_000, "most capsules should be in cells: {in_cells}");
        let (mut found, mut expected_total) = (0usize, 0usize);
        for q in 0..400 {
            let o = if q % 4 == 0 {
                // A GEO-like origin outside the cube.
                Vector3::new(rng.normal(), rng.normal(), rng.normal()).normalize() * 42_164e3
            } else {
                Vector3::new(rng.normal(), rng.normal(), rng.normal()).normalize() * 7_400e3
            };
            let mut d = Vector3::new(rng.normal(), rng.normal(), rng.normal()).normalize();
            if q % 7 == 0 {
                d = Vector3::new(0.0, 0.0, if q % 2 == 0 { 1.0 } else { -1.0 }); // axis-parallel
            }
            g.begin_query(caps.len());
            g.ray(&o, &d);
            let out: Vec<u32> = g.marked().collect();
            assert!(out.windows(2).all(|w| w[0] < w[1]), "not ascending");
            assert!(out.iter().all(|&id| g.is_marked(id)));
            for (id, (a, b, r)) in caps.iter().enumerate() {
                // 200 samples of a <= ~35 km segment: 0.2 km between samples.
                if seg_ray_dist(a, b, &o, &d) <= r - 300.0 {
                    expected_total += 1;
                    assert!(
                        out.contains(&(id as u32)),
                        "query {q}: capsule {id} within its radius of the ray but not returned"
                    );
                }
            }
            found += out.len();
        }
        // Not everything (the index culls), and the test is not empty.
        assert!(expected_total > 400, "too few hits to test: {expected_total}");
        assert!(found < 400 * 3_000 / 4, "the grid culls little: {found} returned");
    }

    #[test]
    fn clear_and_reinsert_return_each_item_once() {
        let mut g = RayGrid::new(100e3, 0.0, 1_000e3);
        let a = Vector3::new(0.0, 0.0, 0.0);
        g.insert(3, &a, &a, 10e3);
        g.insert(3, &a, &Vector3::new(50e3, 0.0, 0.0), 10e3);
        g.begin_query(4);
        g.ray(&Vector3::new(-2_000e3, 0.0, 0.0), &Vector3::new(1.0, 0.0, 0.0));
        g.ray(&Vector3::new(0.0, -2_000e3, 0.0), &Vector3::new(0.0, 1.0, 0.0));
        assert_eq!(g.marked().collect::<Vec<_>>(), vec![3]);
        g.clear();
        g.begin_query(4);
        g.ray(&Vector3::new(-2_000e3, 0.0, 0.0), &Vector3::new(1.0, 0.0, 0.0));
        assert_eq!(g.marked().count(), 0);
    }
}
