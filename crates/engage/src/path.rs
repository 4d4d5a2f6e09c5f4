//! A target's (predicted or true) boost trajectory, sampled in time.
//!
//! Engagement planning needs the target's state at any time up to burnout. A
//! [`TargetPath`] holds time-ordered ECI states (from a track's prediction in the run, or
//! from a threat trajectory in studies) and interpolates between nodes with cubic Hermite
//! polynomials on (position, velocity) — C1-continuous, exact for constant acceleration.
//! With 1 s nodes the interpolation error on a boosting missile is below a metre except
//! across a staging instant, where thrust jumps (a few metres there).

use nalgebra::Vector3;
use tl_core::check::FieldError;
use tl_core::wgs84::Geodetic;

/// One state of a target path.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PathNode {
    /// Time, s since the scenario epoch (or since launch in studies).
    pub t_s: f64,
    /// Position, ECI (TEME), m.
    pub pos_eci_m: Vector3<f64>,
    /// Velocity, ECI, m/s.
    pub vel_eci_m_s: Vector3<f64>,
}

/// A target trajectory with its burnout time.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetPath {
    nodes: Vec<PathNode>,
    /// Geodetic altitude at each node, m (cached: the engagement tests use it often).
    alt_m: Vec<f64>,
    /// Burnout time (end of powered flight), s. Kills count only before it.
    pub burnout_t_s: f64,
}

impl TargetPath {
    /// A path from time-ordered nodes (at least two, strictly increasing times, finite
    /// values) and the burnout time (inside the nodes' span).
    ///
    /// ```
    /// use nalgebra::Vector3;
    /// use tl_engage::path::{PathNode, TargetPath};
    /// let n = |t: f64| PathNode { t_s: t, pos_eci_m: Vector3::new(6.4e6 + 100.0 * t, 0.0, 0.0),
    ///     vel_eci_m_s: Vector3::new(100.0, 0.0, 0.0) };
    /// let p = TargetPath::new(vec![n(0.0), n(10.0)], 10.0).unwrap();
    /// assert!((p.state_eci(5.0).unwrap().0.x - 6.4005e6).abs() < 1e-6);
    /// ```
    pub fn new(nodes: Vec<PathNode>, burnout_t_s: f64) -> Result<Self, FieldError> {
        if nodes.len() < 2 {
            return Err(FieldError::new("nodes", nodes.len().to_string(), "at least 2 states"));
        }
        for (i, n) in nodes.iter().enumerate() {
            let ok = n.t_s.is_finite()
                && n.pos_eci_m.iter().all(|v| v.is_finite())
                && n.vel_eci_m_s.iter().all(|v| v.is_finite());
            if !ok {
                return Err(FieldError::new(
                    format!("nodes[{i}]"),
                    "non-finite",
                    "finite time, position, velocity",
                ));
            }
            if i > 0 && n.t_s <= nodes[i - 1].t_s {
                return Err(FieldError::new(
                    format!("nodes[{i}].t_s"),
                    tl_core::check::fmt_f64(n.t_s),
                    format!("> {} (strictly increasing)", tl_core::check::fmt_f64(nodes[i - 1].t_s)),
                ));
            }
        }
        let (t0, t1) = (nodes[0].t_s, nodes[nodes.len() - 1].t_s);
        tl_core::check::in_range("burnout_t_s", burnout_t_s, t0, t1)?;
        // Geodetic altitude is independent of the Earth's rotation angle (the ellipsoid
        // is symmetric about z), so it can be computed from ECI positions.
        let alt_m = nodes.iter().map(|n| Geodetic::from_ecef(&n.pos_eci_m).alt_m).collect();
        Ok(Self { nodes, alt_m, burnout_t_s })
    }

    /// The nodes.
    pub fn nodes(&self) -> &[PathNode] {
        &self.nodes
    }

    /// First and last node times, s.
    pub fn span_s(&self) -> (f64, f64) {
        (self.nodes[0].t_s, self.nodes[self.nodes.len() - 1].t_s)
    }

    #[inline]
    fn segment(&self, t_s: f64) -> Option<usize> {
        let (t0, t1) = self.span_s();
        if !(t_s >= t0 && t_s <= t1) {
            return None;
        }
        // Nodes are usually uniform: guess, then correct.
        let n = self.nodes.len();
        let frac = (t_s - t0) / (t1 - t0);
        let mut i = ((frac * (n - 1) as f64) as usize).min(n - 2);
        while i > 0 && self.nodes[i].t_s > t_s {
            i -= 1;
        }
        while i + 2 < n && self.nodes[i + 1].t_s < t_s {
            i += 1;
        }
        Some(i)
    }

    /// Position (m) and velocity (m/s) in ECI at `t_s`, or `None` outside the span.
    #[inline]
    pub fn state_eci(&self, t_s: f64) -> Option<(Vector3<f64>, Vector3<f64>)> {
        let i = self.segment(t_s)?;
        let (a, b) = (&self.nodes[i], &self.nodes[i + 1]);
        let h = b.t_s - a.t_s;
        let s = (t_s - a.t_s) / h;
        let s2 = s * s;
        let s3 = s2 * s;
        let h00 = 2.0 * s3 - 3.0 * s2 + 1.0;
        let h10 = s3 - 2.0 * s2 + s;
        let h01 = -2.0 * s3 + 3.0 * s2;
        let h11 = s3 - s2;
        let pos =
            a.pos_eci_m * h00 + a.vel_eci_m_s * (h10 * h) + b.pos_eci_m * h01 + b.vel_eci_m_s * (h11 * h);
        let d00 = (6.0 * s2 - 6.0 * s) / h;
        let d10 = 3.0 * s2 - 4.0 * s + 1.0;
        let d01 = (-6.0 * s2 + 6.0 * s) / h;
        let d11 = 3.0 * s2 - 2.0 * s;
        let vel = a.pos_eci_m * d00 + a.vel_eci_m_s * d10 + b.pos_eci_m * d01 + b.vel_eci_m_s * d11;
        Some((pos, vel))
    }

    /// Geodetic altitude at `t_s`, m (linear between nodes), or `None` outside the span.
    #[inline]
    pub fn altitude_m(&self, t_s: f64) -> Option<f64> {
        let i = self.segment(t_s)?;
        let (a, b) = (&self.nodes[i], &self.nodes[i + 1]);
        let s = (t_s - a.t_s) / (b.t_s - a.t_s);
        Some(self.alt_m[i] + s * (self.alt_m[i + 1] - self.alt_m[i]))
    }

    /// The first time at or after `from_s` when the altitude reaches `alt_m` (m), found on
    /// the nodes then refined linearly; `None` if it never does before the span ends.
    pub fn time_reaching_altitude_s(&self, alt_m: f64, from_s: f64) -> Option<f64> {
        let a0 = self.altitude_m(from_s)?;
        if a0 >= alt_m {
            return Some(from_s);
        }
        for i in 0..self.nodes.len() - 1 {
            let (ta, tb) = (self.nodes[i].t_s, self.nodes[i + 1].t_s);
            if tb < from_s {
                continue;
            }
            let (aa, ab) = (self.alt_m[i], self.alt_m[i + 1]);
            if ab >= alt_m && aa < alt_m {
                let t = ta + (alt_m - aa) / (ab - aa) * (tb - ta);
                return Some(t.max(from_s));
            }
        }
        None
    }

    /// Largest distance of the path from its position at `t0_s` over `[t0_s, t1_s]`, m
    /// (on the nodes plus the end points; used as a bound for spatial culling).
    pub fn max_excursion_m(&self, t0_s: f64, t1_s: f64) -> f64 {
        let Some((p0, _)) = self.state_eci(t0_s) else { return f64::INFINITY };
        let mut m: f64 = 0.0;
        for n in &self.nodes {
            if n.t_s >= t0_s && n.t_s <= t1_s {
                m = m.max((n.pos_eci_m - p0).norm());
            }
        }
        if let Some((p1, _)) = self.state_eci(t1_s) {
            m = m.max((p1 - p0).norm());
        }
        m
    }

    /// Largest speed on the path over `[t0_s, t1_s]`, m/s (nodes and end points).
    pub fn max_speed_m_s(&self, t0_s: f64, t1_s: f64) -> f64 {
        let mut m: f64 = 0.0;
        for n in &self.nodes {
            if n.t_s >= t0_s && n.t_s <= t1_s {
                m = m.max(n.vel_eci_m_s.norm());
            }
        }
        for t in [t0_s, t1_s] {
            if let Some((_, v)) = self.state_eci(t) {
                m = m.max(v.norm());
            }
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accel_path(acc: Vector3<f64>, dt: f64, n: usize) -> TargetPath {
        let r0 = Vector3::new(6.5e6, 1.0e5, 2.0e5);
        let v0 = Vector3::new(10.0, 200.0, -50.0);
        let nodes = (0..n)
            .map(|k| {
                let t = k as f64 * dt;
                PathNode { t_s: t, pos_eci_m: r0 + v0 * t + acc * (0.5 * t * t), vel_eci_m_s: v0 + acc * t }
            })
            .collect();
        TargetPath::new(nodes, (n - 1) as f64 * dt).unwrap()
    }

    #[test]
    fn hermite_is_exact_for_constant_acceleration() {
        let acc = Vector3::new(3.0, -20.0, 45.0);
        let p = accel_path(acc, 2.0, 50);
        for k in 0..200 {
            let t = 0.37 * k as f64;
            let (r, v) = p.state_eci(t).unwrap();
            let r0 = Vector3::new(6.5e6, 1.0e5, 2.0e5);
            let v0 = Vector3::new(10.0, 200.0, -50.0);
            assert!((r - (r0 + v0 * t + acc * (0.5 * t * t))).norm() < 1e-6);
            assert!((v - (v0 + acc * t)).norm() < 1e-6);
        }
        assert!(p.state_eci(-0.1).is_none() && p.state_eci(98.1).is_none());
    }

    #[test]
    fn bad_paths_are_refused() {
        let n = |t: f64| PathNode {
            t_s: t,
            pos_eci_m: Vector3::new(7e6, 0.0, 0.0),
            vel_eci_m_s: Vector3::zeros(),
        };
        assert_eq!(TargetPath::new(vec![n(0.0)], 0.0).unwrap_err().field, "nodes");
        assert_eq!(TargetPath::new(vec![n(0.0), n(0.0)], 0.0).unwrap_err().field, "nodes[1].t_s");
        assert_eq!(TargetPath::new(vec![n(0.0), n(1.0)], 2.0).unwrap_err().field, "burnout_t_s");
    }

    #[test]
    fn altitude_crossing() {
        // Straight up from the equator at 1 km/s.
        let nodes = (0..=100)
            .map(|k| {
                let t = k as f64;
                PathNode {
                    t_s: t,
                    pos_eci_m: Vector3::new(tl_core::consts::WGS84_A_M + 1_000.0 * t, 0.0, 0.0),
                    vel_eci_m_s: Vector3::new(1_000.0, 0.0, 0.0),
                }
            })
            .collect();
        let p = TargetPath::new(nodes, 100.0).unwrap();
        assert!((p.time_reaching_altitude_s(15_500.0, 0.0).unwrap() - 15.5).abs() < 1e-6);
        assert!((p.time_reaching_altitude_s(15_500.0, 20.0).unwrap() - 20.0).abs() < 1e-12);
        assert!(p.time_reaching_altitude_s(200_000.0, 0.0).is_none());
        assert!((p.max_excursion_m(10.0, 30.0) - 20_000.0).abs() < 1e-6);
    }
}
