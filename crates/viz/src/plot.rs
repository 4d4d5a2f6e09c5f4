//! Small reusable plots rendered in Rust (plotters) to SVG text or PNG bytes, with the
//! embedded font ([`crate::font`]) so text works on machines without system fonts.
//!
//! Three kinds cover what tracklayer draws:
//!
//! * [`LinePlot`]: y against x for several series (lines, dashed lines, points), with an
//!   optional log-10 y axis: error against time, a metric against a study parameter.
//! * [`Timeline`]: one row per item with time spans and instant markers: launch to
//!   detection to fire-control quality, engagements.
//! * [`WorldMap`]: an equirectangular world with the land outline, an optional lat/lon
//!   grid of values (heat map with a colour bar), points and polylines: coverage maps,
//!   ground tracks, launch and impact points.
//!
//! Non-finite values are skipped (a NaN in a line series breaks the line there). Empty
//! plots render with a "no data" note rather than failing.
//!
//! ```
//! use tl_viz::plot::{LinePlot, Series, Rgb};
//! let mut p = LinePlot::new("Position error", "t [s]", "error [m]");
//! p.series.push(Series::line("track 1", vec![(0.0, 900.0), (10.0, 450.0), (20.0, 300.0)], Rgb::BLUE));
//! p.log_y = true;
//! let svg = p.to_svg().unwrap();
//! assert!(svg.starts_with("<svg") && svg.contains("track 1"));
//! ```

use crate::font::{FONT_FAMILY, ensure_font_registered};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use std::ops::Range;

/// A plotting failure (a backend error; bad numbers are skipped, not errors).
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The drawing backend failed.
    #[error("plot '{title}': drawing failed: {message}")]
    Draw {
        /// Title of the plot that failed.
        title: String,
        /// The backend's message.
        message: String,
    },
    /// PNG encoding failed.
    #[error("plot '{title}': PNG encoding failed: {message}")]
    Png {
        /// Title of the plot that failed.
        title: String,
        /// The encoder's message.
        message: String,
    },
    /// A size outside what is allowed.
    #[error(transparent)]
    Field(#[from] tl_core::check::FieldError),
}

/// An sRGB colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// Black.
    pub const BLACK: Rgb = Rgb(0, 0, 0);
    /// Grey for secondary elements.
    pub const GREY: Rgb = Rgb(128, 128, 128);
    /// Blue (Tableau 10 palette).
    pub const BLUE: Rgb = Rgb(31, 119, 180);
    /// Orange (Tableau 10 palette).
    pub const ORANGE: Rgb = Rgb(255, 127, 14);
    /// Green (Tableau 10 palette).
    pub const GREEN: Rgb = Rgb(44, 160, 44);
    /// Red (Tableau 10 palette).
    pub const RED: Rgb = Rgb(214, 39, 40);
    /// Purple (Tableau 10 palette).
    pub const PURPLE: Rgb = Rgb(148, 103, 189);

    /// The `i`-th colour of a 10-colour qualitative palette (cycles).
    pub fn palette(i: usize) -> Rgb {
        const P: [Rgb; 10] = [
            Rgb(31, 119, 180),
            Rgb(255, 127, 14),
            Rgb(44, 160, 44),
            Rgb(214, 39, 40),
            Rgb(148, 103, 189),
            Rgb(140, 86, 75),
            Rgb(227, 119, 194),
            Rgb(127, 127, 127),
            Rgb(188, 189, 34),
            Rgb(23, 190, 207),
        ];
        P[i % P.len()]
    }

    /// `#rrggbb` text.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    fn rgb(self) -> RGBColor {
        RGBColor(self.0, self.1, self.2)
    }
}

/// How a series is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeriesStyle {
    /// A solid line, 2 px.
    Line,
    /// A dashed line, 2 px (bounds, predictions).
    Dashed,
    /// Filled circles, radius 3 px.
    Points,
}

/// One series of a [`LinePlot`].
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Legend label (empty: not in the legend).
    pub label: String,
    /// `(x, y)` points in drawing order; non-finite points are skipped.
    pub points: Vec<(f64, f64)>,
    /// Colour.
    pub color: Rgb,
    /// Line, dashed line or points.
    pub style: SeriesStyle,
}

impl Series {
    /// A solid line series.
    pub fn line(label: impl Into<String>, points: Vec<(f64, f64)>, color: Rgb) -> Self {
        Self { label: label.into(), points, color, style: SeriesStyle::Line }
    }
    /// A dashed line series.
    pub fn dashed(label: impl Into<String>, points: Vec<(f64, f64)>, color: Rgb) -> Self {
        Self { label: label.into(), points, color, style: SeriesStyle::Dashed }
    }
    /// A scatter series.
    pub fn points(label: impl Into<String>, points: Vec<(f64, f64)>, color: Rgb) -> Self {
        Self { label: label.into(), points, color, style: SeriesStyle::Points }
    }
}

/// Plot size in pixels (SVG user units).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size {
    /// Width, px (200..=4000).
    pub width_px: u32,
    /// Height, px (150..=4000).
    pub height_px: u32,
}

impl Default for Size {
    fn default() -> Self {
        Self { width_px: 720, height_px: 360 }
    }
}

impl Size {
    fn check(&self) -> Result<(u32, u32), PlotError> {
        tl_core::check::in_range("width_px", self.width_px as f64, 200.0, 4000.0)?;
        tl_core::check::in_range("height_px", self.height_px as f64, 150.0, 4000.0)?;
        Ok((self.width_px, self.height_px))
    }
}

/// Y against x for several series.
#[derive(Clone, Debug, PartialEq)]
pub struct LinePlot {
    /// Title above the plot.
    pub title: String,
    /// X axis label (with its unit).
    pub x_label: String,
    /// Y axis label (with its unit).
    pub y_label: String,
    /// The series, drawn in order.
    pub series: Vec<Series>,
    /// Log-10 y axis (values <= 0 are skipped).
    pub log_y: bool,
    /// Fixed x range; `None` = from the data.
    pub x_range: Option<(f64, f64)>,
    /// Fixed y range (in data units, also for a log axis); `None` = from the data.
    pub y_range: Option<(f64, f64)>,
    /// Size.
    pub size: Size,
}

impl LinePlot {
    /// An empty plot with a title and axis labels.
    pub fn new(title: impl Into<String>, x_label: impl Into<String>, y_label: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            series: Vec::new(),
            log_y: false,
            x_range: None,
            y_range: None,
            size: Size::default(),
        }
    }

    /// Render as SVG text.
    pub fn to_svg(&self) -> Result<String, PlotError> {
        render_svg(&self.title, self.size, |root| self.draw(root))
    }

    /// Render as PNG bytes.
    pub fn to_png(&self) -> Result<Vec<u8>, PlotError> {
        render_png(&self.title, self.size, |root| self.draw(root))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let pts = || {
            self.series
                .iter()
                .flat_map(|s| s.points.iter())
                .filter(|p| p.0.is_finite())
                .filter(|p| p.1.is_finite() && (!self.log_y || p.1 > 0.0))
                .copied()
        };
        let xr = self.x_range.map(|(a, b)| a..b).unwrap_or_else(|| padded(pts().map(|p| p.0), 0.0));
        let empty = pts().next().is_none();
        if self.log_y {
            let yr = match self.y_range {
                Some((a, b)) if a > 0.0 && b > a => a..b,
                _ => {
                    let r = padded(pts().map(|p| p.1.log10()), 0.05);
                    10f64.powf(r.start)..10f64.powf(r.end)
                }
            };
            self.draw_in(root, xr, yr.log_scale())?;
        } else {
            let yr = self.y_range.map(|(a, b)| a..b).unwrap_or_else(|| padded(pts().map(|p| p.1), 0.05));
            self.draw_in(root, xr, yr)?;
        }
        if empty {
            no_data(root)?;
        }
        Ok(())
    }

    fn draw_in<DB: DrawingBackend, Y>(
        &self,
        root: &DrawingArea<DB, Shift>,
        xr: Range<f64>,
        yr: Y,
    ) -> Result<(), String>
    where
        Y: AsRangedCoord<Value = f64>,
        Y::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>,
    {
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT_FAMILY, 18))
            .margin(12)
            .x_label_area_size(42)
            .y_label_area_size(72)
            .build_cartesian_2d(xr, yr)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .y_labels(if self.log_y { 4 } else { 10 })
            .label_style((FONT_FAMILY, 12))
            .axis_desc_style((FONT_FAMILY, 14))
            .light_line_style(RGBColor(235, 235, 235))
            .y_label_formatter(&|v| fmt_tick(*v))
            .x_label_formatter(&|v| fmt_tick(*v))
            .draw()
            .map_err(|e| e.to_string())?;
        let mut any_label = false;
        for s in &self.series {
            let c = s.color.rgb();
            // Split at unplottable points so a gap stays a gap.
            let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
            for &(x, y) in &s.points {
                if x.is_finite() && y.is_finite() && (!self.log_y || y > 0.0) {
                    runs.last_mut().expect("non-empty").push((x, y));
                } else {
                    runs.push(Vec::new());
                }
            }
            runs.retain(|r| !r.is_empty());
            for (i, run) in runs.into_iter().enumerate() {
                let anno = match s.style {
                    SeriesStyle::Line => chart
                        .draw_series(LineSeries::new(run, c.stroke_width(2)))
                        .map_err(|e| e.to_string())?,
                    SeriesStyle::Dashed => chart
                        .draw_series(DashedLineSeries::new(run, 6, 4, c.stroke_width(2)))
                        .map_err(|e| e.to_string())?,
                    SeriesStyle::Points => chart
                        .draw_series(run.into_iter().map(|p| Circle::new(p, 3, c.filled())))
                        .map_err(|e| e.to_string())?,
                };
                if i == 0 && !s.label.is_empty() {
                    any_label = true;
                    let style = s.style;
                    anno.label(&s.label).legend(move |(x, y)| match style {
                        SeriesStyle::Points => Circle::new((x + 10, y), 3, c.filled()).into_dyn(),
                        _ => PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)).into_dyn(),
                    });
                }
            }
        }
        if any_label {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.85))
                .border_style(RGBColor(180, 180, 180))
                .label_font((FONT_FAMILY, 12))
                .draw()
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

/// A time span on a [`Timeline`] row.
#[derive(Clone, Debug, PartialEq)]
pub struct Span {
    /// Start, in x units (usually s).
    pub start: f64,
    /// End, in x units (>= start).
    pub end: f64,
    /// Fill colour.
    pub color: Rgb,
}

/// Marker shapes for [`Timeline`] events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkerShape {
    /// Filled circle.
    Circle,
    /// Filled triangle.
    Triangle,
    /// Cross.
    Cross,
}

/// An instant event on a [`Timeline`] row.
#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    /// Time, in x units.
    pub t: f64,
    /// Colour.
    pub color: Rgb,
    /// Shape.
    pub shape: MarkerShape,
}

/// One row of a [`Timeline`].
#[derive(Clone, Debug, PartialEq, Default)]
pub struct TimelineRow {
    /// Row label (left axis).
    pub label: String,
    /// Spans drawn as bars.
    pub spans: Vec<Span>,
    /// Instant events drawn as markers over the bars.
    pub markers: Vec<Marker>,
}

/// A legend entry of a [`Timeline`].
#[derive(Clone, Debug, PartialEq)]
pub struct LegendEntry {
    /// Text.
    pub label: String,
    /// Colour.
    pub color: Rgb,
    /// `Some(shape)` for a marker, `None` for a bar.
    pub shape: Option<MarkerShape>,
}

/// Rows of spans and instant markers against time.
#[derive(Clone, Debug, PartialEq)]
pub struct Timeline {
    /// Title.
    pub title: String,
    /// X axis label (with its unit).
    pub x_label: String,
    /// Rows, top to bottom.
    pub rows: Vec<TimelineRow>,
    /// Legend entries (may be empty).
    pub legend: Vec<LegendEntry>,
    /// Fixed x range; `None` = from the data.
    pub x_range: Option<(f64, f64)>,
    /// Size; the height grows with the row count when left at the default.
    pub size: Option<Size>,
}

impl Timeline {
    /// An empty timeline.
    pub fn new(title: impl Into<String>, x_label: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            x_label: x_label.into(),
            rows: Vec::new(),
            legend: Vec::new(),
            x_range: None,
            size: None,
        }
    }

    fn size(&self) -> Size {
        self.size.unwrap_or(Size {
            width_px: 720,
            height_px: (110
                + if self.legend.is_empty() { 0 } else { 26 }
                + 26 * self.rows.len().max(1) as u32)
                .clamp(160, 3000),
        })
    }

    /// Render as SVG text.
    pub fn to_svg(&self) -> Result<String, PlotError> {
        render_svg(&self.title, self.size(), |root| self.draw(root))
    }

    /// Render as PNG bytes.
    pub fn to_png(&self) -> Result<Vec<u8>, PlotError> {
        render_png(&self.title, self.size(), |root| self.draw(root))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let xs = self
            .rows
            .iter()
            .flat_map(|r| r.spans.iter().flat_map(|s| [s.start, s.end]).chain(r.markers.iter().map(|m| m.t)));
        let xr = self.x_range.map(|(a, b)| a..b).unwrap_or_else(|| padded(xs.clone(), 0.03));
        let n = self.rows.len().max(1);
        let labels: Vec<String> = self.rows.iter().map(|r| r.label.clone()).collect();
        let label_w =
            labels.iter().map(|l| l.chars().count()).max().unwrap_or(4).clamp(4, 40) as u32 * 7 + 16;
        // The legend goes in a band under the chart, so it never hides a bar.
        let (w, h) = root.dim_in_pixel();
        let (body, foot) =
            root.split_vertically(if self.legend.is_empty() { h } else { h.saturating_sub(26) });
        let mut x = label_w as i32;
        for e in &self.legend {
            let y = 12;
            match e.shape {
                Some(s) => foot.draw(&marker_px((x + 8, y), s, e.color)),
                None => foot.draw(&Rectangle::new([(x, y - 5), (x + 16, y + 5)], e.color.rgb().filled())),
            }
            .map_err(|e| e.to_string())?;
            foot.draw(&Text::new(e.label.clone(), (x + 22, y - 7), (FONT_FAMILY, 12)))
                .map_err(|e| e.to_string())?;
            x += 40 + 7 * e.label.chars().count() as i32;
            if x > w as i32 {
                break;
            }
        }
        let mut chart = ChartBuilder::on(&body)
            .caption(&self.title, (FONT_FAMILY, 18))
            .margin(12)
            .x_label_area_size(42)
            .y_label_area_size(label_w)
            .build_cartesian_2d(xr, -0.5..(n as f64 - 0.5))
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc(&self.x_label)
            .label_style((FONT_FAMILY, 12))
            .axis_desc_style((FONT_FAMILY, 14))
            .light_line_style(RGBColor(235, 235, 235))
            .y_labels(n + 1)
            .y_label_formatter(&|v| {
                let i = v.round();
                if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < labels.len() {
                    // Row 0 is drawn at the top.
                    labels[labels.len() - 1 - i as usize].clone()
                } else {
                    String::new()
                }
            })
            .x_label_formatter(&|v| fmt_tick(*v))
            .disable_y_mesh()
            .draw()
            .map_err(|e| e.to_string())?;
        for (i, row) in self.rows.iter().enumerate() {
            let y = (n - 1 - i) as f64;
            let bars = row.spans.iter().filter(|s| s.start.is_finite() && s.end.is_finite()).map(|s| {
                Rectangle::new([(s.start, y - 0.3), (s.end.max(s.start), y + 0.3)], s.color.rgb().filled())
            });
            chart.draw_series(bars).map_err(|e| e.to_string())?;
            for m in row.markers.iter().filter(|m| m.t.is_finite()) {
                chart
                    .draw_series(std::iter::once(marker((m.t, y), m.shape, m.color)))
                    .map_err(|e| e.to_string())?;
            }
        }
        if self.rows.is_empty() {
            no_data(root)?;
        }
        Ok(())
    }
}

fn marker<DB: DrawingBackend>(
    p: (f64, f64),
    shape: MarkerShape,
    c: Rgb,
) -> DynElement<'static, DB, (f64, f64)> {
    let col = c.rgb();
    match shape {
        MarkerShape::Circle => Circle::new(p, 5, col.filled()).into_dyn(),
        MarkerShape::Triangle => TriangleMarker::new(p, 6, col.filled()).into_dyn(),
        MarkerShape::Cross => Cross::new(p, 5, col.stroke_width(2)).into_dyn(),
    }
}

fn marker_px<DB: DrawingBackend>(
    p: (i32, i32),
    shape: MarkerShape,
    c: Rgb,
) -> DynElement<'static, DB, (i32, i32)> {
    let col = c.rgb();
    match shape {
        MarkerShape::Circle => Circle::new(p, 5, col.filled()).into_dyn(),
        MarkerShape::Triangle => TriangleMarker::new(p, 6, col.filled()).into_dyn(),
        MarkerShape::Cross => Cross::new(p, 5, col.stroke_width(2)).into_dyn(),
    }
}

/// A regular latitude/longitude grid of values for a [`WorldMap`] heat map.
///
/// Cell `(i, j)` (row `i` from the south, column `j` from the west) covers latitudes
/// `lat_min_deg + i * cell_deg .. + cell_deg` and longitudes `-180 + j * cell_deg ..`.
#[derive(Clone, Debug, PartialEq)]
pub struct LatLonGrid {
    /// Southern edge of the grid, degrees (>= -90).
    pub lat_min_deg: f64,
    /// Cell size, degrees (0.1..=30); the grid spans all longitudes.
    pub cell_deg: f64,
    /// Number of rows (latitude bands).
    pub n_lat: usize,
    /// Values, row-major from the south-west corner; `n_lat * round(360 / cell_deg)`
    /// values. NaN = no data (not drawn).
    pub values: Vec<f64>,
    /// Colour scale limits; `None` = min/max of the finite values.
    pub range: Option<(f64, f64)>,
    /// Colour bar label, with its unit.
    pub label: String,
}

impl LatLonGrid {
    /// Columns per row.
    pub fn n_lon(&self) -> usize {
        (360.0 / self.cell_deg).round() as usize
    }

    fn check(&self) -> Result<(), PlotError> {
        tl_core::check::in_range("grid.cell_deg", self.cell_deg, 0.1, 30.0)?;
        tl_core::check::in_range("grid.lat_min_deg", self.lat_min_deg, -90.0, 90.0)?;
        let top = self.lat_min_deg + self.n_lat as f64 * self.cell_deg;
        tl_core::check::in_range("grid.lat_max_deg", top, -90.0, 90.0 + 1e-9)?;
        let need = self.n_lat * self.n_lon();
        if self.values.len() != need {
            return Err(tl_core::check::FieldError::new(
                "grid.values",
                format!("{} values", self.values.len()),
                format!("n_lat * n_lon = {need} values"),
            )
            .into());
        }
        Ok(())
    }
}

/// A labelled point on a [`WorldMap`].
#[derive(Clone, Debug, PartialEq)]
pub struct MapPoint {
    /// Longitude, degrees east (-180..=180).
    pub lon_deg: f64,
    /// Latitude, degrees north (-90..=90).
    pub lat_deg: f64,
    /// Label drawn beside the point (may be empty).
    pub label: String,
    /// Colour.
    pub color: Rgb,
    /// Shape.
    pub shape: MarkerShape,
}

/// A polyline on a [`WorldMap`] (ground track, trajectory), split where it crosses the
/// antimeridian.
#[derive(Clone, Debug, PartialEq)]
pub struct MapLine {
    /// `(lon_deg, lat_deg)` points.
    pub points: Vec<(f64, f64)>,
    /// Colour.
    pub color: Rgb,
}

/// An equirectangular world map: land outline, optional heat map grid, lines, points.
#[derive(Clone, Debug, PartialEq)]
pub struct WorldMap {
    /// Title.
    pub title: String,
    /// Optional grid of values (heat map with a colour bar).
    pub grid: Option<LatLonGrid>,
    /// Polylines.
    pub lines: Vec<MapLine>,
    /// Points.
    pub points: Vec<MapPoint>,
    /// Size (default 900 x 470 px).
    pub size: Size,
}

impl WorldMap {
    /// An empty map with the land outline.
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            grid: None,
            lines: Vec::new(),
            points: Vec::new(),
            size: Size { width_px: 900, height_px: 470 },
        }
    }

    /// Render as SVG text. Prefer [`Self::to_png`] for fine grids (one SVG rectangle
    /// per cell).
    pub fn to_svg(&self) -> Result<String, PlotError> {
        if let Some(g) = &self.grid {
            g.check()?;
        }
        render_svg(&self.title, self.size, |root| self.draw(root))
    }

    /// Render as PNG bytes.
    pub fn to_png(&self) -> Result<Vec<u8>, PlotError> {
        if let Some(g) = &self.grid {
            g.check()?;
        }
        render_png(&self.title, self.size, |root| self.draw(root))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let (main, bar) = if self.grid.is_some() {
            let w = root.dim_in_pixel().0;
            root.split_horizontally(w.saturating_sub(90))
        } else {
            let w = root.dim_in_pixel().0;
            root.split_horizontally(w)
        };
        let mut chart = ChartBuilder::on(&main)
            .caption(&self.title, (FONT_FAMILY, 18))
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(44)
            .build_cartesian_2d(-180.0..180.0, -90.0..90.0)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_labels(13)
            .y_labels(7)
            .label_style((FONT_FAMILY, 11))
            .x_label_formatter(&|v| format!("{v:.0}°"))
            .y_label_formatter(&|v| format!("{v:.0}°"))
            .light_line_style(RGBColor(240, 240, 240))
            .bold_line_style(RGBColor(220, 220, 220))
            .draw()
            .map_err(|e| e.to_string())?;
        if let Some(g) = &self.grid {
            let (lo, hi) = g.range.unwrap_or_else(|| {
                let f = g.values.iter().copied().filter(|v| v.is_finite());
                let lo = f.clone().fold(f64::INFINITY, f64::min);
                let hi = f.fold(f64::NEG_INFINITY, f64::max);
                if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) }
            });
            let n_lon = g.n_lon();
            let cells = g.values.iter().enumerate().filter(|(_, v)| v.is_finite()).map(|(k, v)| {
                let (i, j) = (k / n_lon, k % n_lon);
                let lat0 = g.lat_min_deg + i as f64 * g.cell_deg;
                let lon0 = -180.0 + j as f64 * g.cell_deg;
                let c = viridis(norm(*v, lo, hi));
                Rectangle::new([(lon0, lat0), (lon0 + g.cell_deg, lat0 + g.cell_deg)], c.rgb().filled())
            });
            chart.draw_series(cells).map_err(|e| e.to_string())?;
            colour_bar(&bar, lo, hi, &g.label)?;
        }
        let land = RGBColor(70, 70, 70);
        for ring in crate::world::land_rings() {
            for seg in split_antimeridian(ring) {
                chart.draw_series(LineSeries::new(seg, land.stroke_width(1))).map_err(|e| e.to_string())?;
            }
        }
        for l in &self.lines {
            for seg in split_antimeridian(&l.points) {
                chart
                    .draw_series(LineSeries::new(seg, l.color.rgb().stroke_width(2)))
                    .map_err(|e| e.to_string())?;
            }
        }
        for p in self.points.iter().filter(|p| p.lon_deg.is_finite() && p.lat_deg.is_finite()) {
            let at = (p.lon_deg, p.lat_deg);
            chart.draw_series(std::iter::once(marker(at, p.shape, p.color))).map_err(|e| e.to_string())?;
            if !p.label.is_empty() {
                chart
                    .draw_series(std::iter::once(Text::new(
                        p.label.clone(),
                        (p.lon_deg + 2.0, p.lat_deg + 2.0),
                        (FONT_FAMILY, 12).into_font().color(&p.color.rgb()),
                    )))
                    .map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    }
}

fn colour_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    lo: f64,
    hi: f64,
    label: &str,
) -> Result<(), String> {
    let hi = if hi > lo { hi } else { lo + 1.0 };
    let mut chart = ChartBuilder::on(area)
        .margin_top(40)
        .margin_bottom(40)
        .margin_right(44)
        .y_label_area_size(0)
        .right_y_label_area_size(40)
        .build_cartesian_2d(0.0..1.0, lo..hi)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .disable_y_mesh()
        .disable_x_axis()
        .y_labels(6)
        .label_style((FONT_FAMILY, 11))
        .y_label_formatter(&|v| fmt_tick(*v))
        .draw()
        .map_err(|e| e.to_string())?;
    let n = 64;
    let step = (hi - lo) / n as f64;
    chart
        .draw_series((0..n).map(|k| {
            let v0 = lo + k as f64 * step;
            Rectangle::new([(0.0, v0), (1.0, v0 + step)], viridis((k as f64 + 0.5) / n as f64).rgb().filled())
        }))
        .map_err(|e| e.to_string())?;
    area.draw(&Text::new(label.to_string(), (4, 16), (FONT_FAMILY, 12))).map_err(|e| e.to_string())?;
    Ok(())
}

fn norm(v: f64, lo: f64, hi: f64) -> f64 {
    if hi > lo { ((v - lo) / (hi - lo)).clamp(0.0, 1.0) } else { 0.5 }
}

/// The viridis colour map (perceptually uniform; van der Walt and Smith, CC0), by linear
/// interpolation between 9 anchor colours; `x` in `[0, 1]` (clamped; NaN gives the
/// lowest colour).
pub fn viridis(x: f64) -> Rgb {
    const A: [(u8, u8, u8); 9] = [
        (68, 1, 84),
        (71, 44, 122),
        (59, 81, 139),
        (44, 113, 142),
        (33, 144, 141),
        (39, 173, 129),
        (92, 200, 99),
        (170, 220, 50),
        (253, 231, 37),
    ];
    let x = if x.is_nan() { 0.0 } else { x.clamp(0.0, 1.0) };
    let f = x * (A.len() - 1) as f64;
    let i = (f.floor() as usize).min(A.len() - 2);
    let t = f - i as f64;
    let lerp = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * t).round() as u8;
    Rgb(lerp(A[i].0, A[i + 1].0), lerp(A[i].1, A[i + 1].1), lerp(A[i].2, A[i + 1].2))
}

/// Split a lon/lat polyline where consecutive points jump by more than 180 degrees of
/// longitude (an antimeridian crossing), dropping non-finite points.
pub fn split_antimeridian(points: &[(f64, f64)]) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for &(lon, lat) in points {
        if !(lon.is_finite() && lat.is_finite()) {
            out.push(Vec::new());
            continue;
        }
        let cur = out.last_mut().expect("non-empty");
        if let Some(&(plon, _)) = cur.last()
            && (lon - plon).abs() > 180.0
        {
            out.push(Vec::new());
        }
        out.last_mut().expect("non-empty").push((lon, lat));
    }
    out.retain(|s| s.len() >= 2);
    out
}

fn no_data<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>) -> Result<(), String> {
    let (w, h) = root.dim_in_pixel();
    root.draw(&Text::new(
        "no data".to_string(),
        (w as i32 / 2 - 30, h as i32 / 2),
        (FONT_FAMILY, 16).into_font().color(&RGBColor(150, 150, 150)),
    ))
    .map_err(|e| e.to_string())
}

/// A range covering `values` with a relative margin; a degenerate or empty set gives a
/// unit-wide range.
fn padded(values: impl Iterator<Item = f64>, margin: f64) -> Range<f64> {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return 0.0..1.0;
    }
    if hi - lo <= f64::EPSILON * lo.abs().max(1.0) {
        return (lo - 0.5)..(hi + 0.5);
    }
    let m = (hi - lo) * margin;
    (lo - m)..(hi + m)
}

/// Tick label: compact, no float noise (`1200`, `0.25`, `1.5e6`).
fn fmt_tick(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if !(1e-3..1e6).contains(&a) {
        let s = format!("{v:.1e}");
        s.replace(".0e", "e")
    } else {
        let s = format!("{v:.3}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s == "-0" { "0".into() } else { s.to_string() }
    }
}

fn render_svg(
    title: &str,
    size: Size,
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), String>,
) -> Result<String, PlotError> {
    ensure_font_registered();
    let (w, h) = size.check()?;
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (w, h)).into_drawing_area();
        let err = |message: String| PlotError::Draw { title: title.to_string(), message };
        root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
        draw(&root).map_err(err)?;
        root.present().map_err(|e| PlotError::Draw { title: title.to_string(), message: e.to_string() })?;
    }
    Ok(out)
}

fn render_png(
    title: &str,
    size: Size,
    draw: impl FnOnce(&DrawingArea<BitMapBackend<'_>, Shift>) -> Result<(), String>,
) -> Result<Vec<u8>, PlotError> {
    ensure_font_registered();
    let (w, h) = size.check()?;
    let mut rgb = vec![255u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        let err = |message: String| PlotError::Draw { title: title.to_string(), message };
        draw(&root).map_err(err)?;
        root.present().map_err(|e| PlotError::Draw { title: title.to_string(), message: e.to_string() })?;
    }
    let mut png_bytes = Vec::new();
    {
        let perr =
            |e: png::EncodingError| PlotError::Png { title: title.to_string(), message: e.to_string() };
        let mut enc = png::Encoder::new(&mut png_bytes, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Best);
        let mut wr = enc.write_header().map_err(perr)?;
        wr.write_image_data(&rgb).map_err(perr)?;
        wr.finish().map_err(perr)?;
    }
    Ok(png_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_labels_are_compact() {
        assert_eq!(fmt_tick(1200.0), "1200");
        assert_eq!(fmt_tick(0.25), "0.25");
        assert_eq!(fmt_tick(1.5e6), "1.5e6");
        assert_eq!(fmt_tick(0.0), "0");
        assert_eq!(fmt_tick(-0.0001), "-1e-4");
    }

    #[test]
    fn padded_ranges() {
        assert_eq!(padded([1.0, 3.0].into_iter(), 0.0), 1.0..3.0);
        assert_eq!(padded(std::iter::empty(), 0.1), 0.0..1.0);
        assert_eq!(padded([2.0, 2.0, f64::NAN].into_iter(), 0.1), 1.5..2.5);
    }

    #[test]
    fn viridis_ends_and_monotone_green() {
        assert_eq!(viridis(0.0), Rgb(68, 1, 84));
        assert_eq!(viridis(1.0), Rgb(253, 231, 37));
        assert_eq!(viridis(7.0), viridis(1.0));
        // green channel rises monotonically along viridis
        let mut g = 0;
        for k in 0..=100 {
            let c = viridis(k as f64 / 100.0);
            assert!(c.1 >= g);
            g = c.1;
        }
    }

    #[test]
    fn antimeridian_split() {
        let s = split_antimeridian(&[(170.0, 0.0), (179.0, 1.0), (-179.0, 2.0), (-170.0, 3.0)]);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0], vec![(170.0, 0.0), (179.0, 1.0)]);
        assert_eq!(s[1], vec![(-179.0, 2.0), (-170.0, 3.0)]);
        assert_eq!(split_antimeridian(&[(0.0, 0.0), (f64::NAN, 0.0), (1.0, 1.0)]).len(), 0);
    }

    #[test]
    fn line_plot_svg_has_series_and_skips_nan() {
        let mut p = LinePlot::new("err", "t [s]", "e [m]");
        p.series.push(Series::line(
            "a",
            vec![(0.0, 1.0), (1.0, f64::NAN), (2.0, 3.0), (3.0, 4.0)],
            Rgb::BLUE,
        ));
        p.series.push(Series::dashed("2σ", vec![(0.0, 2.0), (3.0, 8.0)], Rgb::ORANGE));
        p.series.push(Series::points("", vec![(1.5, 2.0)], Rgb::GREEN));
        let svg = p.to_svg().unwrap();
        assert!(svg.lines().any(|l| l.trim() == "a") && svg.contains("2σ"), "legend labels present: {svg}");
        assert!(svg.contains("font-family=\"TL Sans\""));
        assert!(svg.contains("#1F77B4") || svg.contains("#1f77b4"));
        assert!(!svg.contains("NaN"));
        // the log variant drops y <= 0 without failing
        p.log_y = true;
        p.series.push(Series::line("neg", vec![(0.0, -1.0), (1.0, 0.0)], Rgb::RED));
        assert!(p.to_svg().is_ok());
    }

    #[test]
    fn png_is_a_png_with_text_pixels() {
        let mut p = LinePlot::new("Title text", "x", "y");
        p.series.push(Series::line("s", vec![(0.0, 0.0), (1.0, 1.0)], Rgb::RED));
        let png_bytes = p.to_png().unwrap();
        assert_eq!(&png_bytes[..8], b"\x89PNG\r\n\x1a\n");
        // Decode and check the title band (top 30 px) is not blank: the embedded font drew.
        let dec = png::Decoder::new(std::io::Cursor::new(&png_bytes));
        let mut r = dec.read_info().unwrap();
        let mut buf = vec![0; r.output_buffer_size()];
        let info = r.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (720, 360));
        let top = &buf[..(info.width as usize * 3 * 30)];
        let dark = top.chunks(3).filter(|p| p[0] < 128 && p[1] < 128 && p[2] < 128).count();
        assert!(dark > 50, "title glyphs drawn ({dark} dark pixels)");
    }

    #[test]
    fn empty_plots_render() {
        assert!(LinePlot::new("e", "x", "y").to_svg().unwrap().contains("no data"));
        assert!(Timeline::new("t", "x").to_svg().unwrap().contains("no data"));
    }

    #[test]
    fn timeline_and_map() {
        let mut t = Timeline::new("launch timeline", "t since launch [s]");
        t.rows.push(TimelineRow {
            label: "launch 0".into(),
            spans: vec![Span { start: 0.0, end: 180.0, color: Rgb::GREY }],
            markers: vec![Marker { t: 35.0, color: Rgb::BLUE, shape: MarkerShape::Circle }],
        });
        t.legend.push(LegendEntry {
            label: "first detection".into(),
            color: Rgb::BLUE,
            shape: Some(MarkerShape::Circle),
        });
        let svg = t.to_svg().unwrap();
        assert!(svg.contains("launch 0") && svg.contains("first detection"));

        let mut m = WorldMap::new("coverage");
        m.grid = Some(LatLonGrid {
            lat_min_deg: -90.0,
            cell_deg: 30.0,
            n_lat: 6,
            values: (0..72).map(|k| k as f64).collect(),
            range: None,
            label: "sats".into(),
        });
        m.points.push(MapPoint {
            lon_deg: 127.5,
            lat_deg: 39.0,
            label: "L0".into(),
            color: Rgb::RED,
            shape: MarkerShape::Triangle,
        });
        m.lines.push(MapLine { points: vec![(170.0, 0.0), (-170.0, 5.0), (-160.0, 6.0)], color: Rgb::BLUE });
        let svg = m.to_svg().unwrap();
        assert!(svg.contains("L0"));
        assert!(m.to_png().unwrap().starts_with(b"\x89PNG"));
        // A wrong value count is an error naming the field.
        m.grid.as_mut().unwrap().values.pop();
        let e = m.to_png().unwrap_err().to_string();
        assert!(e.contains("grid.values") && e.contains("71 values"), "{e}");
    }

    #[test]
    fn bad_size_is_a_field_error() {
        let mut p = LinePlot::new("x", "x", "y");
        p.size.width_px = 10;
        assert!(p.to_svg().unwrap_err().to_string().contains("width_px = 10"));
    }
}
