//! The self-contained HTML report of a run (`report.html`): summary tables and plots,
//! every image inline (SVG, or PNG as a data URI) and the font embedded, so it opens
//! anywhere with no network and no system fonts.

use crate::font::{FONT_FAMILY, FONT_TTF};
use crate::plot::{
    LatLonGrid, LegendEntry, LinePlot, MapLine, MapPoint, Marker, MarkerShape, Rgb, Series, Span, Timeline,
    TimelineRow, WorldMap,
};
use crate::run::VizError;
use crate::scene::Scene;
use base64::Engine;
use serde_json::Value;
use std::fmt::Write;

/// Escape text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

/// A PNG as an `<img>` with a data URI.
pub fn png_img(png: &[u8], alt: &str) -> String {
    format!(
        "<img alt=\"{}\" src=\"data:image/png;base64,{}\">",
        esc(alt),
        base64::engine::general_purpose::STANDARD.encode(png)
    )
}

/// One report section: a heading and HTML content.
#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    /// Heading text.
    pub title: String,
    /// HTML body (already escaped where needed).
    pub html: String,
}

/// Build the report HTML from a run's summary and scene.
pub fn report_html(summary: &Value, scene: &Scene, sections: &[Section]) -> String {
    let font = base64::engine::general_purpose::STANDARD.encode(FONT_TTF);
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:\">\
<title>{title} - tracklayer report</title><style>\
@font-face{{font-family:'{FONT_FAMILY}';src:url(data:font/ttf;base64,{font}) format('truetype');}}\
body{{font-family:'{FONT_FAMILY}',sans-serif;margin:2em auto;max-width:1000px;color:#222;padding:0 1em}}\
h1{{font-size:1.6em}} h2{{font-size:1.25em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}}\
table{{border-collapse:collapse;margin:.5em 0;font-size:.9em}} td,th{{border:1px solid #ccc;padding:.25em .6em;text-align:left}}\
th{{background:#f3f3f3}} td.n{{text-align:right;font-variant-numeric:tabular-nums}} img,svg{{max-width:100%;height:auto}}\
.note{{color:#666;font-size:.9em}}</style></head><body>\n",
        title = esc(&scene.name)
    );
    let _ = writeln!(h, "<h1>{} <span class=\"note\">tracklayer run report</span></h1>", esc(&scene.name));
    let _ = writeln!(
        h,
        "<p class=\"note\">Epoch {} UTC; {} s simulated. Layers: {} satellites, {} truth objects, {} tracks, {} engagements.</p>",
        esc(&tl_core::time::format_epoch_utc(scene.epoch)),
        tl_core::check::fmt_f64(scene.t_end_s - scene.t_start_s),
        scene.satellites.len(),
        scene.objects.len(),
        scene.tracks.len(),
        scene.engagements.len()
    );
    h.push_str("<h2>Summary</h2>\n");
    h.push_str(&summary_tables(summary));
    for s in sections {
        let _ = writeln!(h, "<h2>{}</h2>\n{}", esc(&s.title), s.html);
    }
    h.push_str("</body></html>\n");
    h
}

/// The summary as HTML tables: top-level scalars as one key/value table, then each
/// top-level array of objects (e.g. per-launch figures) as its own table with a column
/// per key, and each nested object of scalars as a key/value table.
pub fn summary_tables(summary: &Value) -> String {
    let Some(obj) = summary.as_object() else {
        return "<p class=\"note\">summary.json is not an object.</p>".into();
    };
    let mut h = String::from("<table>");
    for (k, v) in obj.iter().filter(|(_, v)| !v.is_array() && !v.is_object()) {
        let _ = write!(h, "<tr><th>{}</th>{}</tr>", esc(k), cell(v));
    }
    h.push_str("</table>\n");
    for (k, v) in obj {
        match v {
            Value::Array(rows) if rows.iter().all(|r| r.is_object()) && !rows.is_empty() => {
                let _ = write!(h, "<h3>{}</h3>", esc(k));
                h.push_str(&rows_table(rows));
            }
            Value::Object(o) if !o.is_empty() && o.values().all(|v| v.is_object()) => {
                // An object of objects (per stage, per table): one row per key, a column
                // per inner key.
                let is_rows = |v: &Value| {
                    v.as_array().is_some_and(|a| !a.is_empty() && a.iter().all(|r| r.is_object()))
                };
                let mut cols: Vec<&str> = Vec::new();
                for v in o.values() {
                    for (c, cv) in v.as_object().into_iter().flat_map(|m| m.iter()) {
                        if !is_rows(cv) && !cols.contains(&c.as_str()) {
                            cols.push(c);
                        }
                    }
                }
                let _ = write!(h, "<h3>{}</h3><table><tr><th></th>", esc(k));
                for c in &cols {
                    let _ = write!(h, "<th>{}</th>", esc(c));
                }
                h.push_str("</tr>");
                for (k2, v2) in o {
                    let _ = write!(h, "<tr><th>{}</th>", esc(k2));
                    for c in &cols {
                        h.push_str(&cell(v2.get(*c).unwrap_or(&Value::Null)));
                    }
                    h.push_str("</tr>");
                }
                h.push_str("</table>\n");
                // Lists of records inside (e.g. a stage's per-launch figures): own tables.
                for (k2, v2) in o {
                    for (k3, v3) in
                        v2.as_object().into_iter().flat_map(|m| m.iter()).filter(|(_, v)| is_rows(v))
                    {
                        let _ = write!(h, "<h4>{} {}</h4>", esc(k2), esc(k3));
                        h.push_str(&rows_table(v3.as_array().map(Vec::as_slice).unwrap_or(&[])));
                    }
                }
            }
            Value::Object(o) => {
                let _ = write!(h, "<h3>{}</h3><table>", esc(k));
                for (k2, v2) in o {
                    let _ = write!(h, "<tr><th>{}</th>{}</tr>", esc(k2), cell(v2));
                }
                h.push_str("</table>\n");
            }
            _ => {}
        }
    }
    h
}

/// A list of records as one table, a column per key (scalars first, then the keys of
/// nested objects such as a launch's `figures`).
fn rows_table(rows: &[Value]) -> String {
    let mut h = String::new();
    // Nested objects (e.g. a launch's `figures`) become columns of their own.
    let rows: Vec<Vec<(String, Value)>> = rows
        .iter()
        .filter_map(|r| r.as_object())
        .map(|o| {
            // Scalars first (id, name...), then the nested figures.
            let mut flat: Vec<(String, Value)> =
                o.iter().filter(|(_, v)| !v.is_object()).map(|(k, v)| (k.clone(), v.clone())).collect();
            for inner in o.values().filter_map(|v| v.as_object()) {
                flat.extend(inner.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            flat
        })
        .collect();
    let mut cols: Vec<&str> = Vec::new();
    for r in &rows {
        for (c, _) in r {
            if !cols.contains(&c.as_str()) {
                cols.push(c);
            }
        }
    }
    h.push_str("<table><tr>");
    for c in &cols {
        let _ = write!(h, "<th>{}</th>", esc(c));
    }
    h.push_str("</tr>");
    for r in &rows {
        h.push_str("<tr>");
        for c in &cols {
            h.push_str(&cell(r.iter().find(|(k, _)| k == c).map(|(_, v)| v).unwrap_or(&Value::Null)));
        }
        h.push_str("</tr>");
    }
    h.push_str("</table>\n");
    h
}

fn cell(v: &Value) -> String {
    match v {
        Value::Null => "<td class=\"n\">-</td>".into(),
        Value::Number(n) => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            let s = if n.is_f64() && f.abs() >= 1e-3 && f.abs() < 1e9 {
                let t = format!("{f:.3}");
                t.trim_end_matches('0').trim_end_matches('.').to_string()
            } else {
                n.to_string()
            };
            format!("<td class=\"n\">{}</td>", esc(&s))
        }
        Value::String(s) => format!("<td>{}</td>", esc(s)),
        Value::Bool(b) => format!("<td>{b}</td>"),
        other => format!("<td><code>{}</code></td>", esc(&other.to_string())),
    }
}

/// Time-averaged number of satellites whose footprint (field of regard, else Earth
/// horizon; see [`crate::czml::footprint`]) contains each cell centre of a `cell_deg`
/// grid, over at most `max_times` instants evenly spread over the run. NaN-free.
pub fn footprint_coverage(scene: &Scene, cell_deg: f64, max_times: usize) -> LatLonGrid {
    let n_lat = (180.0 / cell_deg).round() as usize;
    let n_lon = (360.0 / cell_deg).round() as usize;
    let mut values = vec![0.0; n_lat * n_lon];
    // Cell centre unit vectors (spherical; ample for a 5-degree map).
    let centres: Vec<[f64; 3]> = (0..n_lat * n_lon)
        .map(|k| {
            let lat = (-90.0 + ((k / n_lon) as f64 + 0.5) * cell_deg).to_radians();
            let lon = (-180.0 + ((k % n_lon) as f64 + 0.5) * cell_deg).to_radians();
            [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
        })
        .collect();
    let n_t = max_times.max(1);
    let (t0, t1) = (scene.t_start_s, scene.t_end_s.max(scene.t_start_s));
    let mut used = 0usize;
    for j in 0..n_t {
        let t = if n_t == 1 { t0 } else { t0 + (t1 - t0) * j as f64 / (n_t - 1) as f64 };
        used += 1;
        for s in &scene.satellites {
            let Some(p) = nearest_sample(&s.samples, t) else { continue };
            let (c, r_m) = crate::czml::footprint(&p, s.for_half_angle_rad);
            let cn = (c[0] * c[0] + c[1] * c[1] + c[2] * c[2]).sqrt();
            let u = [c[0] / cn, c[1] / cn, c[2] / cn];
            let cos_lim = (r_m / cn).cos();
            for (v, q) in values.iter_mut().zip(&centres) {
                if u[0] * q[0] + u[1] * q[1] + u[2] * q[2] >= cos_lim {
                    *v += 1.0;
                }
            }
        }
    }
    for v in &mut values {
        *v /= used as f64;
    }
    LatLonGrid { lat_min_deg: -90.0, cell_deg, n_lat, values, range: None, label: "sats".into() }
}

/// Truth position at `t`, ECEF, linearly interpolated; `None` outside the object's span.
fn truth_at(s: &[crate::scene::Sample], t: f64) -> Option<[f64; 3]> {
    let (first, last) = (s.first()?, s.last()?);
    if t < first.t_s || t > last.t_s {
        return None;
    }
    let i = s.partition_point(|x| x.t_s < t);
    if s[i].t_s == t || i == 0 {
        return Some(s[i].pos_ecef_m);
    }
    let (a, b) = (&s[i - 1], &s[i]);
    let f = (t - a.t_s) / (b.t_s - a.t_s);
    Some(std::array::from_fn(|k| a.pos_ecef_m[k] + f * (b.pos_ecef_m[k] - a.pos_ecef_m[k])))
}

/// Position error of a track sample against the nearest truth object at that time (the
/// report's scoring only: the tracker never sees truth), m; `None` when no truth object
/// is flying then.
pub fn track_error_m(scene: &Scene, sample: &crate::scene::TrackSample) -> Option<f64> {
    scene
        .objects
        .iter()
        .filter_map(|o| truth_at(&o.samples, sample.t_s))
        .map(|p| {
            let d: [f64; 3] = std::array::from_fn(|k| sample.pos_ecef_m[k] - p[k]);
            (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt()
        })
        .min_by(|a, b| a.total_cmp(b))
}

/// Maximum number of tracks drawn in the track-error plot (the longest ones).
pub const TRACK_ERROR_MAX_TRACKS: usize = 8;

/// Position error against time for the longest tracks, with each track's 2-sigma bound
/// `2 sqrt(trace P)` (dashed). The error is taken against the nearest truth object at
/// each time.
fn track_error_section(scene: &Scene) -> Result<Option<Section>, VizError> {
    if scene.tracks.is_empty() || scene.objects.is_empty() {
        return Ok(None);
    }
    let mut order: Vec<&crate::scene::Track> = scene.tracks.iter().collect();
    order.sort_by(|a, b| b.samples.len().cmp(&a.samples.len()).then(a.id.cmp(&b.id)));
    let mut plot = LinePlot::new("Track position error and 2-sigma bound", "time since epoch (s)", "metres");
    plot.log_y = true;
    let mut rows = String::new();
    for (i, tr) in order.iter().take(TRACK_ERROR_MAX_TRACKS).enumerate() {
        let c = Rgb::palette(i);
        // Per sample: time, 2-sigma bound, and the error when a truth object is flying.
        let per: Vec<(f64, f64, Option<f64>)> = tr
            .samples
            .iter()
            .map(|s| {
                let bound = 2.0 * (s.cov_ecef_m2[0] + s.cov_ecef_m2[3] + s.cov_ecef_m2[5]).max(0.0).sqrt();
                (s.t_s, bound, track_error_m(scene, s))
            })
            .collect();
        let err: Vec<(f64, f64)> = per.iter().filter_map(|&(t, _, e)| e.map(|e| (t, e))).collect();
        let bound: Vec<(f64, f64)> = per.iter().map(|&(t, b, _)| (t, b)).collect();
        let n_inside = per.iter().filter(|&&(_, b, e)| e.is_some_and(|e| e <= b)).count();
        let median = {
            let mut v: Vec<f64> = err.iter().map(|p| p.1).collect();
            v.sort_by(|a, b| a.total_cmp(b));
            v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
        };
        let _ = write!(
            rows,
            "<tr><td>T{}</td><td>{}</td><td>{:.0}</td><td>{}</td></tr>",
            tr.id,
            tr.samples.len(),
            median,
            if err.is_empty() {
                "-".to_string()
            } else {
                format!("{:.0}%", 100.0 * n_inside as f64 / err.len() as f64)
            }
        );
        plot.series.push(Series::line(format!("T{} error", tr.id), err, c));
        plot.series.push(Series::dashed(format!("T{} 2-sigma", tr.id), bound, c));
    }
    let png = plot.to_png()?;
    Ok(Some(Section {
        title: "Track accuracy".into(),
        html: format!(
            "{}<table><tr><th>track</th><th>samples</th><th>median error (m)</th><th>error within 2-sigma</th></tr>{rows}</table>\
             <p class=\"note\">The {} longest tracks. Error: distance from the track's position (predicted to the \
             row time) to the nearest truth object flying at that time (scoring only; the tracker never sees \
             truth). Bound: 2&radic;(trace of the position covariance); the tracks table keeps only the \
             covariance diagonal, so the bound is that of the diagonal. For a consistent filter 95% (one dominant \
             axis: chi-square with 1 degree of freedom below 4) to 99% (a round error: 3 degrees of freedom \
             below 12) of errors fall within it.</p>",
            png_img(&png, "track position error"),
            TRACK_ERROR_MAX_TRACKS
        ),
    }))
}

fn nearest_sample(s: &[crate::scene::Sample], t: f64) -> Option<[f64; 3]> {
    if s.is_empty() {
        return None;
    }
    let i = s.partition_point(|x| x.t_s < t);
    let cand = [i.saturating_sub(1), i.min(s.len() - 1)];
    cand.into_iter()
        .min_by(|&a, &b| (s[a].t_s - t).abs().total_cmp(&(s[b].t_s - t).abs()))
        .map(|i| s[i].pos_ecef_m)
}

/// The report sections a scene supports (fewer layers, fewer sections).
pub fn scene_sections(scene: &Scene, summary: &Value) -> Result<Vec<Section>, VizError> {
    let mut out = Vec::new();
    if let Some(s) = launch_timeline(scene, summary)? {
        out.push(s);
    }
    if let Some(s) = engagement_timeline(scene)? {
        out.push(s);
    }
    if let Some(s) = track_error_section(scene)? {
        out.push(s);
    }
    if !scene.satellites.is_empty() {
        let budget = 20_000_000 / (2592 * scene.satellites.len()).max(1);
        let grid = footprint_coverage(scene, 5.0, budget.clamp(10, 200));
        let mut m = WorldMap::new("Mean number of satellites with the point in their footprint");
        m.grid = Some(grid);
        // Ground tracks of up to 12 satellites over their first orbit.
        for (i, s) in scene.satellites.iter().take(12).enumerate() {
            let r0 = s.samples.first().map(|p| p.pos_ecef_m).unwrap_or([0.0; 3]);
            let r = (r0[0] * r0[0] + r0[1] * r0[1] + r0[2] * r0[2]).sqrt().max(1.0);
            let period = std::f64::consts::TAU * (r.powi(3) / tl_core::consts::MU_EARTH_M3_S2).sqrt();
            let t_first = s.samples.first().map(|p| p.t_s).unwrap_or(0.0);
            let pts = s
                .samples
                .iter()
                .filter(|p| p.t_s <= t_first + period)
                .map(|p| {
                    let g = tl_core::wgs84::Geodetic::from_ecef(&tl_core::Vec3::from(p.pos_ecef_m));
                    (g.lon_deg(), g.lat_deg())
                })
                .collect();
            m.lines.push(MapLine { points: pts, color: crate::plot::Rgb::palette(i) });
        }
        // Truth ground tracks (red) and launch points.
        let geo = |p: &[f64; 3]| {
            let g = tl_core::wgs84::Geodetic::from_ecef(&tl_core::Vec3::from(*p));
            (g.lon_deg(), g.lat_deg())
        };
        for o in scene.objects.iter().filter(|o| o.kind == "booster" || o.kind == "reentry-vehicle") {
            m.lines.push(MapLine {
                points: o.samples.iter().map(|s| geo(&s.pos_ecef_m)).collect(),
                color: Rgb::RED,
            });
        }
        for (launch, objs) in by_launch(scene) {
            if let Some(first) =
                objs.iter().filter_map(|o| o.samples.first()).min_by(|a, b| a.t_s.total_cmp(&b.t_s))
            {
                let (lon, lat) = geo(&first.pos_ecef_m);
                m.points.push(MapPoint {
                    lon_deg: lon,
                    lat_deg: lat,
                    label: launch.to_string(),
                    color: Rgb::RED,
                    shape: MarkerShape::Triangle,
                });
            }
        }
        let png = m.to_png()?;
        out.push(Section {
            title: "Coverage".into(),
            html: format!(
                "{}<p class=\"note\">Time average over the run of the number of satellites whose footprint \
                 (the payload's field of regard when known, else the Earth horizon: the largest area any \
                 Earth-looking payload can see) contains each 5&deg; cell; lines are the ground tracks of up \
                 to 12 satellites over one orbit. Sensor coverage with detection physics is the sensor \
                 stage's own output.</p>",
                png_img(&png, "coverage map")
            ),
        });
    }
    let missing: Vec<&str> = [
        ("truth objects", scene.objects.is_empty()),
        ("detections", scene.sightings.is_empty()),
        ("tracks", scene.tracks.is_empty()),
        ("engagements", scene.engagements.is_empty()),
    ]
    .into_iter()
    .filter(|(_, m)| *m)
    .map(|(n, _)| n)
    .collect();
    if !missing.is_empty() {
        out.push(Section {
            title: "Not in this run".into(),
            html: format!(
                "<p class=\"note\">This run has no {}: their plots are left out.</p>",
                esc(&missing.join(", "))
            ),
        });
    }
    Ok(out)
}

fn by_launch(scene: &Scene) -> std::collections::BTreeMap<&str, Vec<&crate::scene::TruthObject>> {
    let mut m: std::collections::BTreeMap<&str, Vec<&crate::scene::TruthObject>> = Default::default();
    for o in &scene.objects {
        m.entry(o.launch_id.as_str()).or_default().push(o);
    }
    m
}

/// Per launch, against time since launch: boost (orange) and the rest of the flight
/// (grey) from the truth table, the first detection of any of its objects from the
/// detections table, and any `*first_track*_t_s` / `*fire_control*_t_s` figures the
/// summary gives for the launch (absolute times, s since the epoch).
fn launch_timeline(scene: &Scene, summary: &Value) -> Result<Option<Section>, VizError> {
    let launches = by_launch(scene);
    if launches.is_empty() {
        return Ok(None);
    }
    let mut first_seen: std::collections::BTreeMap<u32, f64> = Default::default();
    for s in &scene.sightings {
        let e = first_seen.entry(s.object_id).or_insert(f64::INFINITY);
        *e = e.min(s.t_s);
    }
    let figures = |launch: &str| -> Vec<(String, f64)> {
        summary
            .get("launches")
            .and_then(|l| l.as_array())
            .and_then(|l| l.iter().find(|x| x.get("id").and_then(|v| v.as_str()) == Some(launch)))
            .and_then(|l| l.get("figures"))
            .and_then(|f| f.as_object())
            .map(|f| f.iter().filter_map(|(k, v)| v.as_f64().map(|x| (k.clone(), x))).collect())
            .unwrap_or_default()
    };
    let mut tl = Timeline::new("Launch to detection and fire-control quality", "time since launch [s]");
    let mut rows_html = String::from(
        "<table><tr><th>launch</th><th>lift-off t [s]</th><th>boost ends [s after launch]</th><th>first detection [s after launch]</th></tr>",
    );
    let (mut any_track, mut any_fc) = (false, false);
    for (launch, objs) in &launches {
        let t0 = objs.iter().filter_map(|o| o.samples.first()).map(|s| s.t_s).fold(f64::INFINITY, f64::min);
        let t_end =
            objs.iter().filter_map(|o| o.samples.last()).map(|s| s.t_s).fold(f64::NEG_INFINITY, f64::max);
        let boost_end = objs
            .iter()
            .flat_map(|o| o.samples.iter().zip(&o.phases))
            .filter(|(_, p)| p.starts_with("boost"))
            .map(|(s, _)| s.t_s)
            .fold(f64::NEG_INFINITY, f64::max);
        let det = objs.iter().filter_map(|o| first_seen.get(&o.id)).copied().fold(f64::INFINITY, f64::min);
        let mut row = TimelineRow { label: launch.to_string(), ..Default::default() };
        row.spans.push(Span { start: 0.0, end: t_end - t0, color: Rgb(200, 200, 200) });
        if boost_end.is_finite() {
            row.spans.push(Span { start: 0.0, end: boost_end - t0, color: Rgb(255, 160, 60) });
        }
        if det.is_finite() {
            row.markers.push(Marker { t: det - t0, color: Rgb::BLUE, shape: MarkerShape::Circle });
        }
        for (k, v) in figures(launch) {
            if k.contains("first_track") && k.ends_with("_t_s") {
                any_track = true;
                row.markers.push(Marker { t: v - t0, color: Rgb::GREEN, shape: MarkerShape::Triangle });
            } else if k.contains("fire_control") && k.ends_with("_t_s") {
                any_fc = true;
                row.markers.push(Marker { t: v - t0, color: Rgb::PURPLE, shape: MarkerShape::Cross });
            }
        }
        let f = |x: f64| if x.is_finite() { format!("{x:.1}") } else { "-".into() };
        rows_html.push_str(&format!(
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(launch),
            f(t0),
            f(boost_end - t0),
            f(det - t0)
        ));
        tl.rows.push(row);
    }
    rows_html.push_str("</table>");
    tl.legend.push(LegendEntry { label: "boost".into(), color: Rgb(255, 160, 60), shape: None });
    tl.legend.push(LegendEntry { label: "flight".into(), color: Rgb(200, 200, 200), shape: None });
    if !first_seen.is_empty() {
        tl.legend.push(LegendEntry {
            label: "first detection".into(),
            color: Rgb::BLUE,
            shape: Some(MarkerShape::Circle),
        });
    }
    if any_track {
        tl.legend.push(LegendEntry {
            label: "first track".into(),
            color: Rgb::GREEN,
            shape: Some(MarkerShape::Triangle),
        });
    }
    if any_fc {
        tl.legend.push(LegendEntry {
            label: "fire-control quality".into(),
            color: Rgb::PURPLE,
            shape: Some(MarkerShape::Cross),
        });
    }
    let note =
        if scene.sightings.is_empty() { "<p class=\"note\">No detections in this run.</p>" } else { "" };
    Ok(Some(Section {
        title: "Launch timelines".into(),
        html: format!("{}{}{}", tl.to_svg()?, rows_html, note),
    }))
}

/// Who fired at what, when, kill or miss: one row per engagement from fire to end, kills
/// marked with a circle, misses with a cross.
fn engagement_timeline(scene: &Scene) -> Result<Option<Section>, VizError> {
    if scene.engagements.is_empty() {
        return Ok(None);
    }
    let mut tl = Timeline::new("Engagements", "time since epoch [s]");
    let mut table = String::from(
        "<table><tr><th>id</th><th>weapon</th><th>kind</th><th>target object</th><th>fire t [s]</th><th>end t [s]</th><th>outcome</th></tr>",
    );
    for e in scene.engagements.iter().take(60) {
        let kind = match e.kind {
            crate::scene::WeaponKind::Laser => "laser",
            crate::scene::WeaponKind::Interceptor => "interceptor",
        };
        let target =
            if e.target_object_id == u32::MAX { "?".to_string() } else { e.target_object_id.to_string() };
        let colour = if kind == "laser" { Rgb(230, 60, 60) } else { Rgb(200, 0, 200) };
        let kill = e.outcome == "kill";
        tl.rows.push(TimelineRow {
            label: format!("{} {} -> obj {}", e.id, e.weapon, target),
            spans: vec![Span { start: e.t_start_s, end: e.t_end_s, color: colour }],
            markers: vec![Marker {
                t: e.t_end_s,
                color: if kill { Rgb::GREEN } else { Rgb::BLACK },
                shape: if kill { MarkerShape::Circle } else { MarkerShape::Cross },
            }],
        });
        table.push_str(&format!(
            "<tr><td class=\"n\">{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{:.1}</td><td class=\"n\">{:.1}</td><td>{}</td></tr>",
            e.id,
            esc(&e.weapon),
            kind,
            esc(&target),
            e.t_start_s,
            e.t_end_s,
            esc(&e.outcome)
        ));
    }
    table.push_str("</table>");
    tl.legend.push(LegendEntry { label: "laser".into(), color: Rgb(230, 60, 60), shape: None });
    tl.legend.push(LegendEntry { label: "interceptor".into(), color: Rgb(200, 0, 200), shape: None });
    tl.legend.push(LegendEntry { label: "kill".into(), color: Rgb::GREEN, shape: Some(MarkerShape::Circle) });
    tl.legend.push(LegendEntry { label: "miss".into(), color: Rgb::BLACK, shape: Some(MarkerShape::Cross) });
    let more = if scene.engagements.len() > 60 {
        format!("<p class=\"note\">First 60 of {} engagements shown.</p>", scene.engagements.len())
    } else {
        String::new()
    };
    Ok(Some(Section {
        title: "Engagement timeline".into(),
        html: format!("{}{}{}", tl.to_svg()?, table, more),
    }))
}
