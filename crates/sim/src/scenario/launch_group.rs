//! `[[launch_group]]`: many launches described once and placed by a seeded draw.
//!
//! A raid of hundreds or thousands of launches written as `[[launch]]` tables would make
//! a scenario file unreadable. A launch group says "`count` launches of `missile` from
//! around this site towards around this aim point, lifting off within this window";
//! [`expand`] turns it into ordinary [`LaunchConfig`]s, deterministically:
//!
//! * member `n` (1-based) is called `<id>-<n>`, with `n` zero-padded to the width of
//!   `count` (`raid-007` for a group of 100);
//! * its launch site is drawn uniformly over the spherical cap of radius
//!   `site_radius_km` about (`site_lat_deg`, `site_lon_deg`) (on a sphere of the mean
//!   Earth radius; the point is then used as a geodetic latitude and longitude), its aim
//!   point likewise about the aim centre, and its lift-off time uniformly in
//!   `[first_time_s, first_time_s + window_s]`;
//! * the draws come from `RngStream::new(seed, 0, hash(id), "sim.launch_group")`, five
//!   per member in member order (site: 2, aim: 2, time: 1), so member `n` is the same
//!   whatever `count` is, and the layout does not change with the run's `seed` (a Monte
//!   Carlo over sensor noise keeps the raid; change the group's `seed` to move it).
//!
//! Generated launches follow the scenario's `[[launch]]` list in group order and are
//! validated and flown like written ones; a problem with a member is reported at the
//! group's field, naming the member. The run folder's `scenario.toml` keeps the group
//! (not its expansion): re-running it regenerates the same launches.

use super::Problems;
use super::launch::{LaunchConfig, TrajectoryShape};
use serde::{Deserialize, Serialize};
use tl_core::check::{fmt_f64, in_range, non_negative};
use tl_core::rng::{RngStream, hash_label};

/// Most launches in one group.
pub const MAX_COUNT: u32 = 10_000;
/// Largest placement radius (site or aim), km.
pub const MAX_RADIUS_KM: f64 = 3_000.0;
/// Mean Earth radius used for placement, m (IUGG mean radius R1).
const PLACEMENT_RADIUS_M: f64 = 6_371_008.8;

/// One group of launches.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LaunchGroupConfig {
    /// Group identifier: the members are `<id>-<n>`. Unique among groups; no member id
    /// may equal a `[[launch]]` id.
    pub id: String,
    /// Number of launches, 1..=10000.
    pub count: u32,
    /// Missile type of every member (catalogue name or a `[[missile]]` of this file).
    pub missile: String,
    /// Centre of the launch area: geodetic latitude, deg, -90..=90.
    pub site_lat_deg: f64,
    /// Centre of the launch area: longitude, deg east, -180..=180.
    pub site_lon_deg: f64,
    /// Radius of the launch area, km, 0..=3000 (0: every member from the centre).
    #[serde(default)]
    pub site_radius_km: f64,
    /// Centre of the aim area: geodetic latitude, deg, -90..=90.
    pub aim_lat_deg: f64,
    /// Centre of the aim area: longitude, deg east, -180..=180.
    pub aim_lon_deg: f64,
    /// Radius of the aim area, km, 0..=3000.
    #[serde(default)]
    pub aim_radius_km: f64,
    /// Earliest lift-off, s since the epoch, within the run.
    pub first_time_s: f64,
    /// Lift-offs are drawn uniformly in `[first_time_s, first_time_s + window_s]`, s,
    /// >= 0 and ending within the run (default 0: all at `first_time_s`).
    #[serde(default)]
    pub window_s: f64,
    /// Trajectory shape of every member (default `minimum-energy`).
    #[serde(default)]
    pub shape: TrajectoryShape,
    /// Apogee altitude, km (`lofted`; or `depressed` instead of `flight_path_deg`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apogee_km: Option<f64>,
    /// Burnout flight-path angle, deg (`depressed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flight_path_deg: Option<f64>,
    /// Reentry vehicles per launch, 1..=20 (default: the missile's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rvs: Option<u32>,
    /// Decoys per launch, 0..=100 (default: the missile's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decoys: Option<u32>,
    /// Placement seed (default 0). Independent of the scenario's `seed`.
    #[serde(default)]
    pub seed: u64,
}

/// A point drawn uniformly over the spherical cap of angular radius `cap_rad` about
/// (`lat_deg`, `lon_deg`); returns (lat, lon) in degrees, longitude in -180..=180.
fn draw_in_cap(rng: &mut RngStream, lat_deg: f64, lon_deg: f64, cap_rad: f64) -> (f64, f64) {
    // Area-uniform: cos(theta) uniform in [cos cap, 1]; bearing uniform.
    let u = rng.uniform();
    let b = rng.uniform() * std::f64::consts::TAU;
    if cap_rad <= 0.0 {
        return (lat_deg, lon_deg);
    }
    let cos_t = 1.0 - u * (1.0 - cap_rad.cos());
    let t = cos_t.clamp(-1.0, 1.0).acos();
    let (la, lo) = (lat_deg.to_radians(), lon_deg.to_radians());
    // Destination point on the sphere (angular distance t along bearing b).
    let sin_la2 = la.sin() * t.cos() + la.cos() * t.sin() * b.cos();
    let la2 = sin_la2.clamp(-1.0, 1.0).asin();
    let lo2 = lo + (b.sin() * t.sin() * la.cos()).atan2(t.cos() - la.sin() * sin_la2);
    let mut lon = lo2.to_degrees();
    lon = (lon + 180.0).rem_euclid(360.0) - 180.0;
    (la2.to_degrees(), lon)
}

impl LaunchGroupConfig {
    /// Member `n` (1-based) id.
    pub fn member_id(&self, n: u32) -> String {
        let width = self.count.max(1).to_string().len();
        format!("{}-{n:0width$}", self.id)
    }

    /// The group's launches, in member order (see the module docs for the draws). The
    /// group's own fields should be valid ([`validate`]); the members are checked like
    /// any `[[launch]]` afterwards.
    pub fn expand(&self) -> Vec<LaunchConfig> {
        let mut rng = RngStream::new(self.seed, 0, hash_label(&self.id), "sim.launch_group");
        let site_cap = self.site_radius_km * 1e3 / PLACEMENT_RADIUS_M;
        let aim_cap = self.aim_radius_km * 1e3 / PLACEMENT_RADIUS_M;
        (1..=self.count)
            .map(|n| {
                let (slat, slon) = draw_in_cap(&mut rng, self.site_lat_deg, self.site_lon_deg, site_cap);
                let (alat, alon) = draw_in_cap(&mut rng, self.aim_lat_deg, self.aim_lon_deg, aim_cap);
                let time_s = self.first_time_s + self.window_s * rng.uniform();
                LaunchConfig {
                    id: self.member_id(n),
                    missile: self.missile.clone(),
                    site_lat_deg: slat,
                    site_lon_deg: slon,
                    aim_lat_deg: alat,
                    aim_lon_deg: alon,
                    time_s,
                    shape: self.shape,
                    apogee_km: self.apogee_km,
                    flight_path_deg: self.flight_path_deg,
                    rvs: self.rvs,
                    decoys: self.decoys,
                }
            })
            .collect()
    }
}

/// Check the groups' own fields (the members are checked as launches afterwards).
/// `launch_ids` are the ids of the written `[[launch]]` tables.
pub(crate) fn validate(
    groups: &[LaunchGroupConfig],
    launch_ids: &[String],
    duration_s: f64,
    problems: &mut Problems,
) {
    for (g, lg) in groups.iter().enumerate() {
        let p = format!("launch_group[{g}]");
        // Member ids are `<id>-<n>`: keep room for the suffix within 64 characters.
        if lg.id.len() > 58 {
            problems.push(
                &format!("{p}.id"),
                format!("{:?}", lg.id),
                "1 to 58 letters, digits, '-', '_' or '.' (members add `-<n>`)",
            );
        } else {
            problems.name(&format!("{p}.id"), &lg.id);
        }
        if groups[..g].iter().any(|o| o.id == lg.id) {
            problems.push(&format!("{p}.id"), format!("{:?}", lg.id), "unique among launch groups");
        }
        if !(1..=MAX_COUNT).contains(&lg.count) {
            problems.push(&format!("{p}.count"), lg.count.to_string(), format!("within 1..={MAX_COUNT}"));
        } else if let Some(clash) = launch_ids.iter().find(|id| {
            id.strip_prefix(&format!("{}-", lg.id)).is_some_and(|n| {
                n.parse::<u32>().is_ok_and(|k| k >= 1 && k <= lg.count && lg.member_id(k) == **id)
            })
        }) {
            problems.push(
                &format!("{p}.id"),
                format!("{:?}", lg.id),
                format!("an id whose members do not clash with the [[launch]] id {clash:?}"),
            );
        }
        problems.check(&p, in_range("site_lat_deg", lg.site_lat_deg, -90.0, 90.0));
        problems.check(&p, in_range("site_lon_deg", lg.site_lon_deg, -180.0, 180.0));
        problems.check(&p, in_range("aim_lat_deg", lg.aim_lat_deg, -90.0, 90.0));
        problems.check(&p, in_range("aim_lon_deg", lg.aim_lon_deg, -180.0, 180.0));
        problems.check(&p, in_range("site_radius_km", lg.site_radius_km, 0.0, MAX_RADIUS_KM));
        problems.check(&p, in_range("aim_radius_km", lg.aim_radius_km, 0.0, MAX_RADIUS_KM));
        let first_ok = problems
            .check(
                &p,
                in_range("first_time_s", lg.first_time_s, 0.0, duration_s).map_err(|e| {
                    tl_core::check::FieldError { allowed: format!("{} (inside the run)", e.allowed), ..e }
                }),
            )
            .is_some();
        if problems.check(&p, non_negative("window_s", lg.window_s)).is_some()
            && first_ok
            && lg.first_time_s + lg.window_s > duration_s
        {
            problems.push(
                &format!("{p}.window_s"),
                fmt_f64(lg.window_s),
                format!(
                    "at most duration_s - first_time_s = {} (lift-offs inside the run)",
                    fmt_f64(duration_s - lg.first_time_s)
                ),
            );
        }
    }
}

/// Where a launch of the expanded list came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// `launch[i]` of the file.
    Written(usize),
    /// Member `n` (1-based) of `launch_group[g]`, with its id.
    Group { g: usize, id: String },
}

impl Origin {
    /// Re-address a field error found on the expanded launch: `launch[i].f` for written
    /// launches, `launch_group[g].f` (value naming the member) for generated ones.
    pub(crate) fn locate(&self, e: tl_core::check::FieldError) -> tl_core::check::FieldError {
        match self {
            Origin::Written(i) => e.within(&format!("launch[{i}]")),
            Origin::Group { g, id } => {
                let mut e = e.within(&format!("launch_group[{g}]"));
                e.value = format!("{} (member {id})", e.value);
                e
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group() -> LaunchGroupConfig {
        LaunchGroupConfig {
            id: "g".into(),
            count: 500,
            missile: "irbm".into(),
            site_lat_deg: 40.0,
            site_lon_deg: 179.0,
            site_radius_km: 300.0,
            aim_lat_deg: -10.0,
            aim_lon_deg: 20.0,
            aim_radius_km: 0.0,
            first_time_s: 30.0,
            window_s: 300.0,
            shape: TrajectoryShape::MinimumEnergy,
            apogee_km: None,
            flight_path_deg: None,
            rvs: Some(3),
            decoys: None,
            seed: 7,
        }
    }

    /// Great-circle distance on the placement sphere, m (haversine).
    fn dist_m(a: (f64, f64), b: (f64, f64)) -> f64 {
        let (la1, lo1, la2, lo2) = (a.0.to_radians(), a.1.to_radians(), b.0.to_radians(), b.1.to_radians());
        let h = ((la2 - la1) / 2.0).sin().powi(2) + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
        2.0 * PLACEMENT_RADIUS_M * h.sqrt().asin()
    }

    /// Members lie inside the cap, fill it area-uniformly (the share within half the
    /// radius is ~1/4 of the cap's area: (1 - cos(R/2)) / (1 - cos R) = 0.2502 for
    /// 300 km), wrap across the antimeridian, and lift off inside the window.
    #[test]
    fn members_fill_the_cap_uniformly_and_the_window() {
        let lg = LaunchGroupConfig { count: 4000, ..group() };
        let v = lg.expand();
        assert_eq!(v.len(), 4000);
        let r = 300e3;
        let mut inner = 0;
        let mut east = 0;
        for l in &v {
            let d = dist_m((l.site_lat_deg, l.site_lon_deg), (40.0, 179.0));
            assert!(d <= r * (1.0 + 1e-9), "{d}");
            assert!((-180.0..=180.0).contains(&l.site_lon_deg));
            if d < 0.5 * r {
                inner += 1;
            }
            if l.site_lon_deg < 0.0 {
                east += 1; // wrapped past 180 deg
            }
            assert!((30.0..=330.0).contains(&l.time_s));
            assert_eq!((l.aim_lat_deg, l.aim_lon_deg), (-10.0, 20.0));
            assert_eq!(l.rvs, Some(3));
        }
        let cap = |a: f64| 1.0 - (a / PLACEMENT_RADIUS_M).cos();
        let expect = cap(0.5 * r) / cap(r);
        let frac = inner as f64 / v.len() as f64;
        // Binomial standard deviation at n = 4000: 0.0069; allow 4 sigma.
        assert!(
            (frac - expect).abs() < 4.0 * (expect * (1.0 - expect) / 4000.0).sqrt(),
            "{frac} vs {expect}"
        );
        assert!(east > 200, "{east} members east of the antimeridian");
        let mean_t = v.iter().map(|l| l.time_s).sum::<f64>() / v.len() as f64;
        assert!((mean_t - 180.0).abs() < 4.0 * 300.0 / 12f64.sqrt() / 4000f64.sqrt(), "{mean_t}");
    }

    /// Deterministic; member n does not depend on the count; the seed moves the layout.
    #[test]
    fn expansion_is_deterministic_and_prefix_stable() {
        let a = group().expand();
        assert_eq!(a, group().expand());
        let short = LaunchGroupConfig { count: 10, ..group() }.expand();
        for (x, y) in a.iter().zip(&short) {
            assert_eq!(
                (x.site_lat_deg, x.site_lon_deg, x.time_s),
                (y.site_lat_deg, y.site_lon_deg, y.time_s)
            );
        }
        assert_eq!(a[6].id, "g-007");
        assert_eq!(short[6].id, "g-07");
        let other = LaunchGroupConfig { seed: 8, ..group() }.expand();
        assert_ne!(a[0].site_lat_deg, other[0].site_lat_deg);
    }
}
