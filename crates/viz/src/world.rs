//! The world land outline for map plots: Natural Earth 1:110m land (public domain), via
//! the npm package `world-atlas` 2.0.2, stored at 0.1 degree (see `crates/viz/assets/`).

use std::sync::OnceLock;

static LAND: &str = include_str!("../assets/land-110m.txt");

/// Land polygons' outer and inner rings as `(lon_deg, lat_deg)` polylines (closed: the
/// last point repeats the first). Parsed once.
pub fn land_rings() -> &'static [Vec<(f64, f64)>] {
    static RINGS: OnceLock<Vec<Vec<(f64, f64)>>> = OnceLock::new();
    RINGS.get_or_init(|| parse(LAND))
}

fn parse(text: &str) -> Vec<Vec<(f64, f64)>> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            l.split(';')
                .filter_map(|p| {
                    let mut it = p.split_whitespace().map(|v| v.parse::<i32>().ok());
                    match (it.next().flatten(), it.next().flatten()) {
                        (Some(lon), Some(lat)) => Some((lon as f64 / 10.0, lat as f64 / 10.0)),
                        _ => None,
                    }
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outline_is_complete_and_in_range() {
        let rings = land_rings();
        assert!(rings.len() > 100, "{}", rings.len());
        let n: usize = rings.iter().map(|r| r.len()).sum();
        assert!(n > 5_000, "{n} points");
        for r in rings {
            assert_eq!(r.first(), r.last(), "closed ring");
            for &(lon, lat) in r {
                assert!((-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat));
            }
        }
        // Independent check: a point-in-polygon test puts known places on land or sea.
        let on_land = |lon: f64, lat: f64| rings.iter().filter(|r| inside(r, lon, lat)).count() % 2 == 1;
        assert!(on_land(2.35, 48.85), "Paris");
        assert!(on_land(-100.0, 40.0), "Kansas");
        assert!(on_land(134.0, -25.0), "central Australia");
        assert!(!on_land(-30.0, 30.0), "mid-Atlantic");
        assert!(!on_land(-150.0, 0.0), "central Pacific");
    }

    fn inside(r: &[(f64, f64)], x: f64, y: f64) -> bool {
        let mut c = false;
        for i in 0..r.len() - 1 {
            let ((x1, y1), (x2, y2)) = (r[i], r[i + 1]);
            if (y1 > y) != (y2 > y) && x < x1 + (y - y1) * (x2 - x1) / (y2 - y1) {
                c = !c;
            }
        }
        c
    }
}
