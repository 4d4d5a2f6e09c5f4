//! Coverage of the Earth (or a launch region) by a constellation's wide-field payloads:
//! at each time step, how many satellites can see a point at a given altitude, and the
//! resulting time fractions and gaps.
//!
//! A satellite sees a point when the point is inside one of its fields of regard, the line
//! of sight clears the Earth's grazing shell ([`crate::geometry::sightline`]), the
//! background is one the payload works against (look-down/above-the-horizon), and the
//! range is within the payload's optional limit. Sensitivity is not modelled here (that is
//! the detection model's job): coverage is geometric.

use rayon::prelude::*;
use tl_core::Vec3;
use tl_core::check::{FieldError, in_range, positive};
use tl_core::detection::Background;
use tl_core::frames::EarthRotation;
use tl_core::wgs84::Geodetic;

use crate::geometry::{EarthShape, FieldOfRegard, Sightline, sightline};
use crate::payload::{Payload, PayloadMode};

/// The geometric part of a wide-field payload.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CoverageSensor {
    /// Field of regard about nadir.
    pub field_of_regard: FieldOfRegard,
    /// Grazing height, m.
    pub grazing_m: f64,
    /// Works against the Earth background.
    pub look_down: bool,
    /// Works against space.
    pub above_horizon: bool,
    /// Largest useful range, m (infinity: no limit).
    pub max_range_m: f64,
}

impl CoverageSensor {
    /// The coverage geometry of a payload; None for a cued payload (it only looks where it
    /// is told).
    pub fn of(p: &Payload) -> Option<Self> {
        match p.mode {
            PayloadMode::WideField { field_of_regard, .. } => Some(Self {
                field_of_regard,
                grazing_m: p.grazing_m,
                look_down: p.look_down,
                above_horizon: p.above_horizon,
                max_range_m: f64::INFINITY,
            }),
            PayloadMode::Cued { .. } => None,
        }
    }

    /// Whether a satellite at `sat` (any Earth-centred frame, m) sees `point` (same frame).
    #[inline]
    pub fn sees(&self, earth: &EarthShape, sat: &Vec3, point: &Vec3) -> bool {
        let rel = point - sat;
        let range = rel.norm();
        if range > self.max_range_m || range == 0.0 {
            return false;
        }
        let r_sat = sat.norm();
        let c = -rel.dot(sat) / (range * r_sat);
        let (inner, outer) = self.field_of_regard.bounds_rad(r_sat, earth.radius_m);
        if c > inner.cos() || c < outer.cos() {
            return false;
        }
        match sightline(earth, sat, point, self.grazing_m) {
            Sightline::Blocked => false,
            Sightline::Clear { background: Background::Earth, .. } => self.look_down,
            Sightline::Clear { background: Background::Space, .. } => self.above_horizon,
        }
    }
}

/// A latitude/longitude grid of points at one altitude.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GridSpec {
    /// Southern edge, deg.
    pub lat_min_deg: f64,
    /// Northern edge, deg.
    pub lat_max_deg: f64,
    /// Western edge, deg.
    pub lon_min_deg: f64,
    /// Eastern edge, deg (may exceed 180 to cross the antimeridian).
    pub lon_max_deg: f64,
    /// Cell size, deg.
    pub step_deg: f64,
    /// Height of the points above the ellipsoid, m.
    pub alt_m: f64,
}

impl GridSpec {
    /// The whole globe.
    pub fn global(step_deg: f64, alt_m: f64) -> Self {
        Self {
            lat_min_deg: -90.0,
            lat_max_deg: 90.0,
            lon_min_deg: -180.0,
            lon_max_deg: 180.0,
            step_deg,
            alt_m,
        }
    }

    /// Check the grid.
    pub fn validate(&self) -> Result<(), FieldError> {
        in_range("lat_min_deg", self.lat_min_deg, -90.0, 90.0)?;
        in_range("lat_max_deg", self.lat_max_deg, self.lat_min_deg, 90.0)?;
        in_range("lon_min_deg", self.lon_min_deg, -360.0, 360.0)?;
        in_range("lon_max_deg", self.lon_max_deg, self.lon_min_deg, self.lon_min_deg + 360.0)?;
        in_range("step_deg", self.step_deg, 0.01, 30.0)?;
        positive("alt_m + R", self.alt_m + 6.0e6)?;
        Ok(())
    }

    /// Cell centres `(lat_deg, lon_deg, area weight)`, row-major from the south-west; the
    /// weight is the cell's area fraction of the sphere (so weights of a global grid sum to 1).
    /// A region smaller than one step gets one cell at its centre.
    pub fn cells(&self) -> (usize, usize, Vec<(f64, f64, f64)>) {
        let nlat = (((self.lat_max_deg - self.lat_min_deg) / self.step_deg).round() as usize).max(1);
        let nlon = (((self.lon_max_deg - self.lon_min_deg) / self.step_deg).round() as usize).max(1);
        let dlat = (self.lat_max_deg - self.lat_min_deg) / nlat as f64;
        let dlon = (self.lon_max_deg - self.lon_min_deg) / nlon as f64;
        let mut v = Vec::with_capacity(nlat * nlon);
        for i in 0..nlat {
            let la0 = (self.lat_min_deg + i as f64 * dlat).to_radians();
            let la1 = (self.lat_min_deg + (i + 1) as f64 * dlat).to_radians();
            let w = (la1.sin() - la0.sin()) * dlon.to_radians() / (4.0 * std::f64::consts::PI);
            let lat = self.lat_min_deg + (i as f64 + 0.5) * dlat;
            for j in 0..nlon {
                let lon = self.lon_min_deg + (j as f64 + 0.5) * dlon;
                v.push((lat, lon, w.abs()));
            }
        }
        (nlat, nlon, v)
    }
}

/// Coverage of one grid point over the run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PointCoverage {
    /// Latitude, deg.
    pub lat_deg: f64,
    /// Longitude, deg.
    pub lon_deg: f64,
    /// Area weight (fraction of the sphere).
    pub weight: f64,
    /// Fraction of time steps seen by >= 1 satellite.
    pub frac1: f64,
    /// Fraction of time steps seen by >= 2 satellites (stereo).
    pub frac2: f64,
    /// Longest gap without any satellite, s.
    pub longest_gap1_s: f64,
    /// Mean gap without any satellite, s (0 when there are none).
    pub mean_gap1_s: f64,
    /// Number of such gaps.
    pub gaps1: u32,
    /// Longest gap without stereo, s.
    pub longest_gap2_s: f64,
    /// Mean gap without stereo, s.
    pub mean_gap2_s: f64,
    /// Number of such gaps.
    pub gaps2: u32,
}

/// Area-weighted figures over a grid.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CoverageSummary {
    /// Number of points.
    pub points: usize,
    /// Area-weighted mean fraction of time seen by >= 1.
    pub mean_frac1: f64,
    /// Area-weighted mean fraction of time seen by >= 2.
    pub mean_frac2: f64,
    /// Worst point's fraction (>= 1).
    pub min_frac1: f64,
    /// Worst point's fraction (>= 2).
    pub min_frac2: f64,
    /// Area fraction of the region seen by >= 1 at every time step.
    pub area_always1: f64,
    /// Area fraction of the region seen by >= 2 at every time step.
    pub area_always2: f64,
    /// Longest single-coverage gap over all points, s.
    pub longest_gap1_s: f64,
    /// Mean single-coverage gap over all gaps of all points, s.
    pub mean_gap1_s: f64,
    /// Longest stereo gap over all points, s.
    pub longest_gap2_s: f64,
    /// Mean stereo gap over all gaps, s.
    pub mean_gap2_s: f64,
}

/// Positions of `sats` at each of `times_s` (ECI, m), as `[time][satellite]`, computed in
/// parallel over satellites. Fails on the first propagation error (in satellite order).
pub fn sample_positions(
    sats: &[tl_orbit::Satellite],
    times_s: &[f64],
) -> Result<Vec<Vec<Vec3>>, tl_orbit::OrbitError> {
    let per_sat: Vec<Result<Vec<Vec3>, tl_orbit::OrbitError>> =
        sats.par_iter().map(|s| times_s.iter().map(|&t| s.state_eci(t).map(|(p, _)| p)).collect()).collect();
    let mut cols = Vec::with_capacity(sats.len());
    for r in per_sat {
        cols.push(r?);
    }
    Ok((0..times_s.len()).map(|ti| cols.iter().map(|c| c[ti]).collect()).collect())
}

/// Satellite positions over time and their sensors.
pub struct CoverageInput<'a> {
    /// Earth shape.
    pub earth: EarthShape,
    /// Earth rotation (grid points are Earth-fixed).
    pub rotation: EarthRotation,
    /// Time steps, s (uniform spacing assumed for gap durations: each step counts `step_s`).
    pub times_s: &'a [f64],
    /// Step, s.
    pub step_s: f64,
    /// `sat_pos_eci_m[t][s]`: satellite `s` at time index `t`, ECI, m.
    pub sat_pos_eci_m: &'a [Vec<Vec3>],
    /// Sensors of each satellite (a point is seen if any of them sees it).
    pub sensors: &'a [Vec<CoverageSensor>],
}

struct Gaps {
    cur: u32,
    longest: u32,
    total: u64,
    count: u32,
}

impl Gaps {
    fn new() -> Self {
        Self { cur: 0, longest: 0, total: 0, count: 0 }
    }
    #[inline]
    fn step(&mut self, covered: bool) {
        if covered {
            self.close();
        } else {
            self.cur += 1;
        }
    }
    fn close(&mut self) {
        if self.cur > 0 {
            self.longest = self.longest.max(self.cur);
            self.total += self.cur as u64;
            self.count += 1;
            self.cur = 0;
        }
    }
}

/// Per-point coverage over a grid (parallel over points; deterministic).
pub fn coverage(input: &CoverageInput, grid: &GridSpec) -> Vec<PointCoverage> {
    let (_, _, cells) = grid.cells();
    let nt = input.times_s.len();
    let rmin = input.earth.min_radius_m();
    // Per (time, sat): unit vector and the cull half-angle's cos/sin.
    let sat_cull: Vec<Vec<(Vec3, f64, f64)>> = input
        .sat_pos_eci_m
        .iter()
        .map(|row| {
            row.iter()
                .map(|p| {
                    let r = p.norm();
                    let c = (rmin / r).min(1.0);
                    (p / r, c, (1.0 - c * c).sqrt())
                })
                .collect()
        })
        .collect();
    let rots: Vec<_> = input.times_s.iter().map(|&t| input.rotation.at(t)).collect();
    cells
        .par_iter()
        .map(|&(lat, lon, weight)| {
            let pf = Geodetic::from_deg(lat, lon, grid.alt_m).to_ecef();
            let rp = pf.norm();
            let cp = (rmin / rp).min(1.0);
            let sp = (1.0 - cp * cp).sqrt();
            let (mut n1, mut n2) = (0u32, 0u32);
            let (mut g1, mut g2) = (Gaps::new(), Gaps::new());
            for ti in 0..nt {
                let pi = rots[ti].pos_to_eci(&pf);
                let pu = pi / rp;
                let mut seen = 0;
                for (si, &(su, cs, ss)) in sat_cull[ti].iter().enumerate() {
                    if su.dot(&pu) < cs * cp - ss * sp {
                        continue;
                    }
                    let sat = &input.sat_pos_eci_m[ti][si];
                    if input.sensors[si].iter().any(|c| c.sees(&input.earth, sat, &pi)) {
                        seen += 1;
                        if seen >= 2 {
                            break;
                        }
                    }
                }
                n1 += (seen >= 1) as u32;
                n2 += (seen >= 2) as u32;
                g1.step(seen >= 1);
                g2.step(seen >= 2);
            }
            g1.close();
            g2.close();
            let st = input.step_s;
            let nt_f = nt.max(1) as f64;
            let mean = |g: &Gaps| if g.count > 0 { g.total as f64 / g.count as f64 * st } else { 0.0 };
            PointCoverage {
                lat_deg: lat,
                lon_deg: lon,
                weight,
                frac1: n1 as f64 / nt_f,
                frac2: n2 as f64 / nt_f,
                longest_gap1_s: g1.longest as f64 * st,
                mean_gap1_s: mean(&g1),
                gaps1: g1.count,
                longest_gap2_s: g2.longest as f64 * st,
                mean_gap2_s: mean(&g2),
                gaps2: g2.count,
            }
        })
        .collect()
}

/// Area-weighted summary of per-point coverage.
pub fn summarize(points: &[PointCoverage]) -> CoverageSummary {
    let wsum: f64 = points.iter().map(|p| p.weight).sum::<f64>().max(1e-300);
    let wmean =
        |f: &dyn Fn(&PointCoverage) -> f64| points.iter().map(|p| p.weight * f(p)).sum::<f64>() / wsum;
    let gaps = |n: &dyn Fn(&PointCoverage) -> (u32, f64)| {
        let (mut c, mut t) = (0u64, 0.0);
        for p in points {
            let (k, m) = n(p);
            c += k as u64;
            t += k as f64 * m;
        }
        if c > 0 { t / c as f64 } else { 0.0 }
    };
    CoverageSummary {
        points: points.len(),
        mean_frac1: wmean(&|p| p.frac1),
        mean_frac2: wmean(&|p| p.frac2),
        min_frac1: points.iter().map(|p| p.frac1).fold(f64::INFINITY, f64::min),
        min_frac2: points.iter().map(|p| p.frac2).fold(f64::INFINITY, f64::min),
        area_always1: wmean(&|p| (p.frac1 >= 1.0) as u8 as f64),
        area_always2: wmean(&|p| (p.frac2 >= 1.0) as u8 as f64),
        longest_gap1_s: points.iter().map(|p| p.longest_gap1_s).fold(0.0, f64::max),
        mean_gap1_s: gaps(&|p| (p.gaps1, p.mean_gap1_s)),
        longest_gap2_s: points.iter().map(|p| p.longest_gap2_s).fold(0.0, f64::max),
        mean_gap2_s: gaps(&|p| (p.gaps2, p.mean_gap2_s)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_geo_satellite_covers_42_percent() {
        // A full-disk GEO sensor over a spherical Earth, no grazing height, ground points:
        // the area-weighted coverage must be the cap fraction (1 - R/r)/2.
        let r = 42_164_170.0;
        let earth = EarthShape::WGS84;
        let sensors = vec![vec![CoverageSensor {
            field_of_regard: FieldOfRegard::FullDisk { margin_rad: 0.01 },
            grazing_m: 0.0,
            look_down: true,
            above_horizon: true,
            max_range_m: f64::INFINITY,
        }]];
        let pos = vec![vec![Vec3::new(r, 0.0, 0.0)]];
        let input = CoverageInput {
            earth,
            rotation: EarthRotation::with_angle(0.0, 0.0),
            times_s: &[0.0],
            step_s: 60.0,
            sat_pos_eci_m: &pos,
            sensors: &sensors,
        };
        // Ground points on the ellipsoid: the cap fraction with the mean radius differs from
        // the ellipsoid's by < 3e-4 (a - b = 21 km); the 0.5 deg grid adds < 1e-3.
        let grid = GridSpec::global(0.5, 0.0);
        let s = summarize(&coverage(&input, &grid));
        let closed = crate::geometry::visible_cap_fraction(tl_core::consts::R_EARTH_MEAN_M, r);
        assert!((s.mean_frac1 - closed).abs() < 3e-3, "{} vs {}", s.mean_frac1, closed);
        assert_eq!(s.mean_frac2, 0.0);
    }

    #[test]
    fn gaps_are_counted() {
        let mut g = Gaps::new();
        for c in [true, false, false, true, false, true, true, false, false, false] {
            g.step(c);
        }
        g.close();
        assert_eq!((g.count, g.longest, g.total), (3, 3, 6));
    }
}
