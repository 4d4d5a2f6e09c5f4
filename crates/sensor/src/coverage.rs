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
use tl_core::check::{FieldError, fmt_f64, in_range, positive};
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
        // A degenerate (zero-area) region: equal weights.
        if v.iter().all(|c| c.2 == 0.0) {
            let w = 1.0 / v.len() as f64;
            v.iter_mut().for_each(|c| c.2 = w);
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

/// A latitude/longitude box given by two corners; a box whose second longitude is west of
/// the first crosses the antimeridian.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Region {
    /// Southern edge, deg.
    pub lat_min_deg: f64,
    /// Northern edge, deg.
    pub lat_max_deg: f64,
    /// Western edge, deg.
    pub lon_min_deg: f64,
    /// Eastern edge, deg (> west; may exceed 180).
    pub lon_max_deg: f64,
}

impl Region {
    /// From corners `(lat1, lon1)` and `(lat2, lon2)`, deg. Latitudes in -90..=90,
    /// longitudes in -180..=360.
    ///
    /// ```
    /// let r = tl_sensor::coverage::Region::from_corners(38.0, 170.0, 42.0, -170.0).unwrap();
    /// assert_eq!((r.lon_min_deg, r.lon_max_deg), (170.0, 190.0));
    /// ```
    pub fn from_corners(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> Result<Self, FieldError> {
        in_range("region.lat1_deg", lat1, -90.0, 90.0)?;
        in_range("region.lat2_deg", lat2, -90.0, 90.0)?;
        in_range("region.lon1_deg", lon1, -180.0, 360.0)?;
        in_range("region.lon2_deg", lon2, -180.0, 360.0)?;
        let (lon_min, mut lon_max) = (lon1, lon2);
        if lon_max < lon_min {
            lon_max += 360.0;
        }
        Ok(Self {
            lat_min_deg: lat1.min(lat2),
            lat_max_deg: lat1.max(lat2),
            lon_min_deg: lon_min,
            lon_max_deg: lon_max,
        })
    }
}

/// What a coverage study computes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StudyOptions {
    /// Height of the target points above the ellipsoid, m.
    pub altitude_m: f64,
    /// Start of the study, s since the epoch.
    pub t0_s: f64,
    /// Duration, s.
    pub duration_s: f64,
    /// Time step, s.
    pub step_s: f64,
    /// Cell size of the global grid (and of the map), deg.
    pub grid_deg: f64,
    /// Optional launch region, studied on its own finer grid.
    pub region: Option<Region>,
    /// Cell size of the region grid, deg.
    pub region_grid_deg: f64,
}

/// The result of [`study`].
#[derive(Clone, Debug)]
pub struct StudyResult {
    /// Global grid.
    pub global_grid: GridSpec,
    /// Global per-cell results, row-major from the south-west (`n_lat` x `n_lon`).
    pub global: Vec<PointCoverage>,
    /// Rows and columns of the global grid.
    pub n_lat: usize,
    /// Columns of the global grid.
    pub n_lon: usize,
    /// Global summary.
    pub global_summary: CoverageSummary,
    /// Region grid, cells and summary.
    pub region: Option<(GridSpec, Vec<PointCoverage>, CoverageSummary)>,
    /// Time steps evaluated.
    pub steps: usize,
}

/// Coverage study of `sats` with their wide-field sensors (`sensors[s]`, empty for a
/// satellite without one) over `[t0, t0 + duration]`.
pub fn study(
    sats: &[tl_orbit::Satellite],
    sensors: &[Vec<CoverageSensor>],
    rotation: EarthRotation,
    o: &StudyOptions,
) -> Result<StudyResult, FieldError> {
    positive("step_s", o.step_s)?;
    positive("duration_s", o.duration_s)?;
    in_range("altitude_km", o.altitude_m / 1e3, -0.5, 1000.0)?;
    if sats.len() != sensors.len() {
        return Err(FieldError::new(
            "sensors",
            format!("{} lists", sensors.len()),
            format!("{} (one per satellite)", sats.len()),
        ));
    }
    if !sensors.iter().any(|v| !v.is_empty()) {
        return Err(FieldError::new("payload", "none", "at least one wide-field payload in the scenario"));
    }
    let steps = (o.duration_s / o.step_s + 1e-9).floor() as usize + 1;
    if steps > 1_000_000 {
        return Err(FieldError::new(
            "step_s",
            fmt_f64(o.step_s),
            format!("at most 1e6 steps over {} s", fmt_f64(o.duration_s)),
        ));
    }
    let times: Vec<f64> = (0..steps).map(|i| o.t0_s + i as f64 * o.step_s).collect();
    // Only satellites with a sensor matter.
    let keep: Vec<usize> = (0..sats.len()).filter(|&i| !sensors[i].is_empty()).collect();
    let kept_sats: Vec<tl_orbit::Satellite> = keep.iter().map(|&i| sats[i].clone()).collect();
    let kept_sensors: Vec<Vec<CoverageSensor>> = keep.iter().map(|&i| sensors[i].clone()).collect();
    let pos = sample_positions(&kept_sats, &times)
        .map_err(|e| FieldError::new("satellite", e.to_string(), "propagable over the study"))?;
    let input = CoverageInput {
        earth: EarthShape::WGS84,
        rotation,
        times_s: &times,
        step_s: o.step_s,
        sat_pos_eci_m: &pos,
        sensors: &kept_sensors,
    };
    let global_grid = GridSpec::global(o.grid_deg, o.altitude_m);
    global_grid.validate().map_err(|e| e.within("grid"))?;
    let (n_lat, n_lon, _) = global_grid.cells();
    let global = coverage(&input, &global_grid);
    let global_summary = summarize(&global);
    let region = match o.region {
        None => None,
        Some(r) => {
            let g = GridSpec {
                lat_min_deg: r.lat_min_deg,
                lat_max_deg: r.lat_max_deg,
                lon_min_deg: r.lon_min_deg,
                lon_max_deg: r.lon_max_deg,
                step_deg: o.region_grid_deg,
                alt_m: o.altitude_m,
            };
            g.validate().map_err(|e| e.within("region"))?;
            let pts = coverage(&input, &g);
            let s = summarize(&pts);
            Some((g, pts, s))
        }
    };
    Ok(StudyResult { global_grid, global, n_lat, n_lon, global_summary, region, steps })
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
    fn study_with_regions() {
        use tl_orbit::{BuildContext, OrbitSpec};
        let rot = EarthRotation::with_angle(0.0, 7.292_115e-5);
        let spec: OrbitSpec = toml::from_str("kind='geo'\nlongitudes_deg=[0.0]").unwrap();
        let read = |_: &str| -> Result<String, String> { Err("none".into()) };
        let ctx = BuildContext {
            epoch: tl_core::time::parse_epoch("2026-01-01T00:00:00Z").unwrap(),
            gmst0_rad: 0.0,
            earth_rate_rad_s: rot.rate_rad_s(),
            span_s: (0.0, 7200.0),
            name_prefix: "g",
            read_file: &read,
        };
        let sats = spec.build(&ctx).unwrap();
        let p: crate::payload::PayloadConfig = toml::from_str("name='w'").unwrap();
        let sensors = vec![vec![CoverageSensor::of(&p.build().unwrap()).unwrap()]];
        let mut o = StudyOptions {
            altitude_m: 15e3,
            t0_s: 0.0,
            duration_s: 3600.0,
            step_s: 300.0,
            grid_deg: 5.0,
            region: Some(Region::from_corners(10.0, 5.0, 10.0, 5.0).unwrap()),
            region_grid_deg: 1.0,
        };
        let r = study(&sats, &sensors, rot, &o).unwrap();
        assert_eq!(r.steps, 13);
        assert_eq!((r.n_lat, r.n_lon), (36, 72));
        let (_, _, s) = r.region.unwrap();
        assert_eq!((s.mean_frac1, s.mean_frac2), (1.0, 0.0), "under the GEO satellite: single coverage");
        o.region = Some(Region::from_corners(-10.0, 170.0, 10.0, -170.0).unwrap());
        let (_, _, s) = study(&sats, &sensors, rot, &o).unwrap().region.unwrap();
        assert_eq!(s.mean_frac1, 0.0, "antipode region unseen");
        assert_eq!(s.longest_gap1_s, 3900.0, "13 uncovered steps of 300 s");
        // global: the GEO cap minus the 30 km grazing height and the 15 km target height
        let g = r.global_summary;
        assert!((g.mean_frac1 - 0.42).abs() < 0.02, "{}", g.mean_frac1);
        // errors
        assert_eq!(study(&sats, &[vec![]], rot, &o).unwrap_err().field, "payload");
        assert!(Region::from_corners(95.0, 0.0, 0.0, 0.0).is_err());
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
