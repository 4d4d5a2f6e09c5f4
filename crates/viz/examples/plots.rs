//! Render one of each plot kind to a folder, to look at them:
//! `cargo run -p tl-viz --example plots -- /tmp/plots`
use tl_viz::plot::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "plots".into()));
    std::fs::create_dir_all(&dir)?;
    let mut p = LinePlot::new("Track 3 position error", "t [s]", "error [m]");
    let e: Vec<(f64, f64)> = (0..200)
        .map(|k| (k as f64, 2000.0 / (1.0 + k as f64 / 10.0) * (1.0 + 0.3 * (k as f64 / 3.0).sin())))
        .collect();
    let b: Vec<(f64, f64)> = (0..200).map(|k| (k as f64, 4000.0 / (1.0 + k as f64 / 12.0))).collect();
    p.series.push(Series::line("error", e, Rgb::BLUE));
    p.series.push(Series::dashed("2σ bound", b, Rgb::ORANGE));
    p.log_y = true;
    std::fs::write(dir.join("line.svg"), p.to_svg()?)?;
    std::fs::write(dir.join("line.png"), p.to_png()?)?;
    let mut t = Timeline::new("Launch timeline", "time since launch [s]");
    for i in 0..3 {
        t.rows.push(TimelineRow {
            label: format!("launch {i} (ICBM)"),
            spans: vec![Span { start: 0.0, end: 170.0 + 10.0 * i as f64, color: Rgb(200, 200, 200) }],
            markers: vec![
                Marker { t: 30.0 + 5.0 * i as f64, color: Rgb::BLUE, shape: MarkerShape::Circle },
                Marker { t: 60.0 + 9.0 * i as f64, color: Rgb::GREEN, shape: MarkerShape::Triangle },
            ],
        });
    }
    t.legend.push(LegendEntry { label: "boost".into(), color: Rgb(200, 200, 200), shape: None });
    t.legend.push(LegendEntry {
        label: "first detection".into(),
        color: Rgb::BLUE,
        shape: Some(MarkerShape::Circle),
    });
    t.legend.push(LegendEntry {
        label: "fire-control quality".into(),
        color: Rgb::GREEN,
        shape: Some(MarkerShape::Triangle),
    });
    std::fs::write(dir.join("timeline.png"), t.to_png()?)?;
    let mut m = WorldMap::new("Coverage: satellites in view");
    let n_lat = 36;
    let values = (0..n_lat * 72)
        .map(|k| {
            let i = k / 72;
            let j = k % 72;
            ((i as f64 / 5.0).sin() * 3.0 + (j as f64 / 9.0).cos() * 2.0 + 5.0).round()
        })
        .collect();
    m.grid = Some(LatLonGrid {
        lat_min_deg: -90.0,
        cell_deg: 5.0,
        n_lat,
        values,
        range: None,
        label: "sats".into(),
    });
    m.points.push(MapPoint {
        lon_deg: 127.5,
        lat_deg: 39.0,
        label: "launch".into(),
        color: Rgb::RED,
        shape: MarkerShape::Triangle,
    });
    m.lines.push(MapLine {
        points: (0..100)
            .map(|k| (((100.0 + k as f64 * 3.0 + 180.0) % 360.0) - 180.0, 30.0 * (k as f64 / 15.0).sin()))
            .collect(),
        color: Rgb::RED,
    });
    std::fs::write(dir.join("map.png"), m.to_png()?)?;
    Ok(())
}
