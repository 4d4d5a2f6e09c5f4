//! Payload configuration (scenario `[[constellation.payload]]`) and its validated runtime
//! form.
//!
//! Frame rates, detector formats and sensitivities of real payloads are not public: every
//! such field is a parameter, and its default is a physically plausible value derived in
//! `docs/models/sensor.md` (aperture, detector D*, integration time), stated there as an
//! assumption.

use serde::{Deserialize, Serialize};
use tl_core::Vec3;
use tl_core::check::{FieldError, fmt_f64, in_range, non_negative, positive};

use crate::geometry::FieldOfRegard;
use crate::signature::{Atmosphere, Band, BandKind};

/// Payload kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PayloadKind {
    /// Wide-field warning/tracking sensor (SBIRS scanner, SDA Tracking Layer style).
    WideField,
    /// Cued medium-field tracking sensor (HBTSS style): narrow steerable field of view.
    Cued,
}

/// Shape of a wide-field payload's field of regard.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ForKind {
    /// The Earth disk plus `full_disk_margin_deg` beyond the limb.
    FullDisk,
    /// Earth-pointing cone of full angle `for_deg`.
    Cone,
    /// Limb-pointing annulus between full angles `for_inner_deg` and `for_deg`.
    Limb,
}

/// Staring (frames at `frame_period_s`) or scanning (one look per `revisit_s`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScanMode {
    /// A staring mosaic: every point of the field of regard in every frame.
    Staring,
    /// A scanner: each point of the field of regard once per revisit period, at a time set
    /// by its azimuth about nadir.
    Scanning,
}

/// What the payload sends down.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OutputMode {
    /// One report per object per report period, fitted onboard over the window's frames.
    Reports,
    /// One detection per object per frame.
    Raw,
}

/// One pointing command of a cued payload: from `t_s` on, look at an Earth-fixed point
/// (`lat_deg`, `lon_deg`, `alt_km`) or along a fixed ECI direction `los_eci`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskConfig {
    /// Command time, s since the scenario epoch.
    pub t_s: f64,
    /// Geodetic latitude of the aim point, deg.
    pub lat_deg: Option<f64>,
    /// Longitude of the aim point, deg (east positive).
    pub lon_deg: Option<f64>,
    /// Height of the aim point above the ellipsoid, km (default 0).
    pub alt_km: Option<f64>,
    /// Fixed ECI aim direction (normalised on use).
    pub los_eci: Option<[f64; 3]>,
}

/// A payload as written in a scenario. All fields but `name` and `kind` are optional;
/// defaults depend on the kind and band (see [`PayloadConfig::build`] and
/// `docs/models/sensor.md`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayloadConfig {
    /// Name, unique within the constellation.
    pub name: String,
    /// Kind; `wide-field` when omitted.
    pub kind: Option<PayloadKind>,
    /// Band family (default: SWIR for wide-field, LWIR for cued).
    pub band: Option<BandKind>,
    /// Band edges, um (default: the family's, see [`BandKind::default_edges_m`]).
    pub band_um: Option<[f64; 2]>,
    // ---- wide-field
    /// Field-of-regard shape (wide-field; default full-disk).
    pub field_of_regard: Option<ForKind>,
    /// Full cone angle (cone) or outer full angle (limb) of the field of regard, deg.
    pub for_deg: Option<f64>,
    /// Inner full angle of a limb annulus, deg.
    pub for_inner_deg: Option<f64>,
    /// Margin of a full-disk field of regard beyond the limb, deg (default 2).
    pub full_disk_margin_deg: Option<f64>,
    /// Staring or scanning (wide-field; default staring).
    pub scan: Option<ScanMode>,
    /// Revisit period of a scanner, s (default 10).
    pub revisit_s: Option<f64>,
    // ---- cued
    /// Full field of view, deg (cued; default 1.0).
    pub fov_deg: Option<f64>,
    /// Slew rate, deg/s (cued; default 2).
    pub slew_rate_deg_s: Option<f64>,
    /// Settle time after a slew, s (cued; default 1).
    pub settle_s: Option<f64>,
    /// Largest off-nadir pointing angle, deg (cued; default 90).
    pub max_off_nadir_deg: Option<f64>,
    /// Pointing commands (cued).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub task: Vec<TaskConfig>,
    /// Point at confirmed tracks (cued; default false): the run re-tasks the payload each
    /// step from the tracker's tracks ([`crate::cue`]), after any `task` commands.
    pub cue_from_tracks: Option<bool>,
    // ---- common
    /// Focal-plane frame period, s (default 0.1).
    pub frame_period_s: Option<f64>,
    /// Report period, s: a multiple of the frame period (default 1).
    pub report_period_s: Option<f64>,
    /// `reports` (default) or `raw`.
    pub output: Option<OutputMode>,
    /// Instantaneous field of view of one pixel, urad.
    pub ifov_urad: Option<f64>,
    /// Noise-equivalent irradiance of one frame, W/m^2.
    pub nei_w_m2: Option<f64>,
    /// Expected false alarms per frame over the whole field (sets the threshold).
    pub false_alarms_per_frame: Option<f64>,
    /// Expected false reports per report window after onboard tracking (reports mode).
    pub false_reports_per_window: Option<f64>,
    /// Detected frames needed to form a report (>= 2; default 3).
    pub min_frames: Option<u32>,
    /// Centroid error per frame as a fraction of the IFOV at SNR 1 (sigma = k IFOV / SNR).
    pub centroid_factor: Option<f64>,
    /// Floor of the per-frame angle noise, urad.
    pub angle_floor_urad: Option<f64>,
    /// 1-sigma pointing bias per axis, drawn once per satellite, urad.
    pub pointing_bias_urad: Option<f64>,
    /// 1-sigma time-tag error, s.
    pub time_tag_sigma_s: Option<f64>,
    /// Fixed latency to the fusion node, s.
    pub latency_fixed_s: Option<f64>,
    /// Per-satellite extra fixed latency, uniform in [0, spread), s.
    pub latency_spread_s: Option<f64>,
    /// Mean of the random (exponential) latency per report, s.
    pub latency_random_mean_s: Option<f64>,
    /// Crosslink hops to the ground.
    pub crosslink_hops: Option<u32>,
    /// Latency per crosslink hop, s.
    pub crosslink_hop_s: Option<f64>,
    /// Lowest height a line of sight may pass the Earth at, km.
    pub grazing_altitude_km: Option<f64>,
    /// Sun exclusion half-angle, deg.
    pub sun_exclusion_deg: Option<f64>,
    /// Resolution for unresolved objects, in IFOVs.
    pub resolution_ifov: Option<f64>,
    /// Noise multiplier against the Earth background (clutter).
    pub earth_clutter_factor: Option<f64>,
    /// Whether objects against the Earth are detected.
    pub look_down: Option<bool>,
    /// Whether objects against space are detected.
    pub above_horizon: Option<bool>,
    /// Atmospheric floor height (vertical optical depth 1), km.
    pub floor_altitude_km: Option<f64>,
    /// Absorber scale height, km.
    pub floor_scale_height_km: Option<f64>,
    /// Model reflected sunlight (default true).
    pub sunlit_reflection: Option<bool>,
}

/// Where a cued payload looks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Aim {
    /// A fixed ECI direction (unit).
    DirectionEci(Vec3),
    /// An Earth-fixed point, ECEF, m.
    PointEcef(Vec3),
    /// A moving point (a track): at time `t` it is at `pos_eci_m + vel_eci_m_s (t -
    /// t_ref_s)` (straight-line extrapolation, ECI, m and m/s).
    MovingEci {
        /// Position at `t_ref_s`, ECI, m.
        pos_eci_m: Vec3,
        /// Velocity, ECI, m/s.
        vel_eci_m_s: Vec3,
        /// Reference time, s since the epoch.
        t_ref_s: f64,
    },
}

/// One pointing command.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Task {
    /// Command time, s.
    pub t_s: f64,
    /// Aim.
    pub aim: Aim,
}

/// Kind-specific runtime parameters.
#[derive(Clone, Debug, PartialEq)]
pub enum PayloadMode {
    /// Wide-field payload.
    WideField {
        /// Field of regard.
        field_of_regard: FieldOfRegard,
        /// `Some(revisit_s)` for a scanner.
        revisit_s: Option<f64>,
    },
    /// Cued payload.
    Cued {
        /// Half-angle of the field of view, rad.
        fov_half_rad: f64,
        /// Slew rate, rad/s.
        slew_rate_rad_s: f64,
        /// Settle time, s.
        settle_s: f64,
        /// Largest off-nadir boresight angle, rad.
        max_off_nadir_rad: f64,
        /// Default tasks (sorted by time).
        tasks: Vec<Task>,
        /// Re-tasked from confirmed tracks by the run ([`crate::cue`]).
        cue_from_tracks: bool,
    },
}

/// A validated payload, SI units.
#[derive(Clone, Debug, PartialEq)]
pub struct Payload {
    /// Name.
    pub name: String,
    /// Kind-specific parameters.
    pub mode: PayloadMode,
    /// Band.
    pub band: Band,
    /// Atmosphere model of the band.
    pub atmosphere: Atmosphere,
    /// Frame period, s.
    pub frame_period_s: f64,
    /// Window period: the report period (staring/cued) or the revisit period (scanner), s.
    pub window_s: f64,
    /// Frames per window (1 for a scanner).
    pub frames_per_window: u32,
    /// Raw (per-frame) output.
    pub raw: bool,
    /// IFOV, rad.
    pub ifov_rad: f64,
    /// Noise-equivalent irradiance per frame, W/m^2.
    pub nei_w_m2: f64,
    /// False alarms per frame over the field.
    pub false_alarms_per_frame: f64,
    /// False reports per window (reports mode).
    pub false_reports_per_window: f64,
    /// Minimum detected frames per report.
    pub min_frames: u32,
    /// Centroid factor.
    pub centroid_factor: f64,
    /// Angle-noise floor, rad.
    pub angle_floor_rad: f64,
    /// Pointing-bias sigma per axis, rad.
    pub pointing_bias_rad: f64,
    /// Time-tag sigma, s.
    pub time_tag_sigma_s: f64,
    /// Fixed latency, s.
    pub latency_fixed_s: f64,
    /// Per-satellite latency spread, s.
    pub latency_spread_s: f64,
    /// Mean random latency, s.
    pub latency_random_mean_s: f64,
    /// Crosslink hops.
    pub crosslink_hops: u32,
    /// Per-hop latency, s.
    pub crosslink_hop_s: f64,
    /// Grazing height, m.
    pub grazing_m: f64,
    /// Sun exclusion half-angle, rad.
    pub sun_exclusion_rad: f64,
    /// Resolution angle, rad.
    pub resolution_rad: f64,
    /// Earth-background noise factor.
    pub earth_clutter_factor: f64,
    /// Detect against the Earth.
    pub look_down: bool,
    /// Detect against space.
    pub above_horizon: bool,
    /// Reflected sunlight on.
    pub sunlit_reflection: bool,
}

impl Payload {
    /// True for a cued payload.
    pub fn is_cued(&self) -> bool {
        matches!(self.mode, PayloadMode::Cued { .. })
    }
}

fn opt_range(field: &str, v: Option<f64>, default: f64, lo: f64, hi: f64) -> Result<f64, FieldError> {
    in_range(field, v.unwrap_or(default), lo, hi)
}
fn opt_pos(field: &str, v: Option<f64>, default: f64) -> Result<f64, FieldError> {
    positive(field, v.unwrap_or(default))
}
fn opt_nn(field: &str, v: Option<f64>, default: f64) -> Result<f64, FieldError> {
    non_negative(field, v.unwrap_or(default))
}

impl PayloadConfig {
    /// Validate and convert to SI. Errors name the field relative to this payload (the
    /// scenario loader prefixes `constellation[i].payload[j]`).
    ///
    /// ```
    /// let cfg: tl_sensor::payload::PayloadConfig =
    ///     toml::from_str("name = 'w'\nkind = 'cued'\nfov_deg = 0").unwrap();
    /// let e = cfg.build().unwrap_err();
    /// assert_eq!(e.to_string(), "fov_deg = 0: must be within 0 (exclusive)..=180");
    /// ```
    pub fn build(&self) -> Result<Payload, FieldError> {
        if self.name.trim().is_empty() {
            return Err(FieldError::new("name", "\"\"", "a non-empty name"));
        }
        let kind = self.kind.unwrap_or(PayloadKind::WideField);
        let cued = kind == PayloadKind::Cued;
        let band_kind = self.band.unwrap_or(if cued { BandKind::Lwir } else { BandKind::Swir });
        let mut band = Band::of(band_kind);
        if let Some([lo, hi]) = self.band_um {
            positive("band_um[0]", lo)?;
            if !(hi.is_finite() && hi > lo) {
                return Err(FieldError::new(
                    "band_um[1]",
                    fmt_f64(hi),
                    format!("a finite number > band_um[0] = {}", fmt_f64(lo)),
                ));
            }
            band.lo_m = lo * 1e-6;
            band.hi_m = hi * 1e-6;
        }
        let (floor_def, scale_def) = band_kind.default_atmosphere_m();
        let atmosphere = Atmosphere {
            floor_m: opt_range("floor_altitude_km", self.floor_altitude_km, floor_def / 1e3, -20.0, 200.0)?
                * 1e3,
            scale_m: opt_range(
                "floor_scale_height_km",
                self.floor_scale_height_km,
                scale_def / 1e3,
                0.1,
                50.0,
            )? * 1e3,
        };

        // Kind-specific fields must not appear on the other kind.
        let wide_only: [(&str, bool); 6] = [
            ("field_of_regard", self.field_of_regard.is_some()),
            ("for_deg", self.for_deg.is_some()),
            ("for_inner_deg", self.for_inner_deg.is_some()),
            ("full_disk_margin_deg", self.full_disk_margin_deg.is_some()),
            ("scan", self.scan.is_some()),
            ("revisit_s", self.revisit_s.is_some()),
        ];
        let cued_only: [(&str, bool); 6] = [
            ("cue_from_tracks", self.cue_from_tracks.is_some()),
            ("fov_deg", self.fov_deg.is_some()),
            ("slew_rate_deg_s", self.slew_rate_deg_s.is_some()),
            ("settle_s", self.settle_s.is_some()),
            ("max_off_nadir_deg", self.max_off_nadir_deg.is_some()),
            ("task", !self.task.is_empty()),
        ];
        let (bad, other) = if cued { (&wide_only[..], "wide-field") } else { (&cued_only[..], "cued") };
        if let Some((f, _)) = bad.iter().find(|(_, present)| *present) {
            return Err(FieldError::new(*f, "set", format!("only given for kind = \"{other}\"")));
        }

        let frame_period_s = opt_pos("frame_period_s", self.frame_period_s, 0.1)?;
        let report_period_s = opt_pos("report_period_s", self.report_period_s, 1.0)?;
        let ratio = report_period_s / frame_period_s;
        let frames = ratio.round();
        if (ratio - frames).abs() > 1e-6 * ratio.max(1.0) || !(1.0..=65_535.0).contains(&frames) {
            return Err(FieldError::new(
                "report_period_s",
                fmt_f64(report_period_s),
                format!("a whole multiple (1..=65535) of frame_period_s = {}", fmt_f64(frame_period_s)),
            ));
        }

        let mode = if cued {
            let fov_deg = self.fov_deg.unwrap_or(1.0);
            if !(fov_deg.is_finite() && fov_deg > 0.0 && fov_deg <= 180.0) {
                return Err(FieldError::new("fov_deg", fmt_f64(fov_deg), "within 0 (exclusive)..=180"));
            }
            let mut tasks = Vec::with_capacity(self.task.len());
            for (i, t) in self.task.iter().enumerate() {
                let p = format!("task[{i}]");
                tl_core::check::finite("t_s", t.t_s).map_err(|e| e.within(&p))?;
                let aim = match (t.lat_deg, t.lon_deg, t.los_eci) {
                    (Some(lat), Some(lon), None) => {
                        in_range("lat_deg", lat, -90.0, 90.0).map_err(|e| e.within(&p))?;
                        in_range("lon_deg", lon, -180.0, 360.0).map_err(|e| e.within(&p))?;
                        let alt = in_range("alt_km", t.alt_km.unwrap_or(0.0), -1.0, 1.0e5)
                            .map_err(|e| e.within(&p))?;
                        Aim::PointEcef(tl_core::wgs84::Geodetic::from_deg(lat, lon, alt * 1e3).to_ecef())
                    }
                    (None, None, Some(d)) if t.alt_km.is_none() => {
                        let v = Vec3::new(d[0], d[1], d[2]);
                        let n = v.norm();
                        if !(n.is_finite() && n > 0.0) {
                            return Err(FieldError::new(
                                format!("{p}.los_eci"),
                                format!("{d:?}"),
                                "a non-zero finite vector",
                            ));
                        }
                        Aim::DirectionEci(v / n)
                    }
                    _ => {
                        return Err(FieldError::new(
                            p,
                            "incomplete aim",
                            "either lat_deg and lon_deg (and optionally alt_km), or los_eci",
                        ));
                    }
                };
                tasks.push(Task { t_s: t.t_s, aim });
            }
            tasks.sort_by(|a, b| a.t_s.total_cmp(&b.t_s));
            PayloadMode::Cued {
                fov_half_rad: (fov_deg / 2.0).to_radians(),
                slew_rate_rad_s: opt_pos("slew_rate_deg_s", self.slew_rate_deg_s, 2.0)?.to_radians(),
                settle_s: opt_nn("settle_s", self.settle_s, 1.0)?,
                max_off_nadir_rad: opt_range("max_off_nadir_deg", self.max_off_nadir_deg, 90.0, 0.0, 180.0)?
                    .to_radians(),
                tasks,
                cue_from_tracks: self.cue_from_tracks.unwrap_or(false),
            }
        } else {
            let for_kind = self.field_of_regard.unwrap_or(ForKind::FullDisk);
            let full = |field: &str, v: Option<f64>| -> Result<f64, FieldError> {
                match v {
                    None => Err(FieldError::new(
                        field,
                        "missing",
                        "given for this field_of_regard (full angle, 0 < deg <= 180)",
                    )),
                    Some(x) if x.is_finite() && x > 0.0 && x <= 180.0 => Ok((x / 2.0).to_radians()),
                    Some(x) => Err(FieldError::new(field, fmt_f64(x), "within 0 (exclusive)..=180")),
                }
            };
            let field_of_regard = match for_kind {
                ForKind::FullDisk => {
                    if self.for_deg.is_some() || self.for_inner_deg.is_some() {
                        return Err(FieldError::new(
                            "for_deg",
                            "set",
                            "only given for field_of_regard = \"cone\" or \"limb\"",
                        ));
                    }
                    FieldOfRegard::FullDisk {
                        margin_rad: opt_range(
                            "full_disk_margin_deg",
                            self.full_disk_margin_deg,
                            2.0,
                            0.0,
                            90.0,
                        )?
                        .to_radians(),
                    }
                }
                ForKind::Cone => {
                    if self.for_inner_deg.is_some() {
                        return Err(FieldError::new(
                            "for_inner_deg",
                            "set",
                            "only given for field_of_regard = \"limb\"",
                        ));
                    }
                    FieldOfRegard::Cone { half_angle_rad: full("for_deg", self.for_deg)? }
                }
                ForKind::Limb => {
                    let outer_rad = full("for_deg", self.for_deg)?;
                    let inner_rad = full("for_inner_deg", self.for_inner_deg)?;
                    if inner_rad >= outer_rad {
                        return Err(FieldError::new(
                            "for_inner_deg",
                            fmt_f64(self.for_inner_deg.unwrap_or(0.0)),
                            format!("less than for_deg = {}", fmt_f64(self.for_deg.unwrap_or(0.0))),
                        ));
                    }
                    FieldOfRegard::Annulus { inner_rad, outer_rad }
                }
            };
            let scanning = self.scan.unwrap_or(ScanMode::Staring) == ScanMode::Scanning;
            if !scanning && self.revisit_s.is_some() {
                return Err(FieldError::new("revisit_s", "set", "only given for scan = \"scanning\""));
            }
            let revisit_s = if scanning { Some(opt_pos("revisit_s", self.revisit_s, 10.0)?) } else { None };
            PayloadMode::WideField { field_of_regard, revisit_s }
        };

        // Defaults by kind and band (docs/models/sensor.md, "Default parameters").
        let (ifov_def, nei_def, cf_def, floor_def_urad, bias_def) = match (cued, band_kind) {
            (false, BandKind::Lwir) => (100.0, 4.0e-13, 0.5, 5.0, 20.0),
            (false, _) => (100.0, 3.0e-12, 0.5, 5.0, 20.0),
            (true, BandKind::Lwir) => (10.0, 4.0e-14, 0.5, 0.5, 3.0),
            (true, _) => (10.0, 1.0e-12, 0.5, 0.5, 3.0),
        };
        let ifov_rad = opt_range("ifov_urad", self.ifov_urad, ifov_def, 1e-3, 1e5)? * 1e-6;
        let nei_w_m2 = opt_pos("nei_w_m2", self.nei_w_m2, nei_def)?;
        let false_alarms_per_frame = opt_pos("false_alarms_per_frame", self.false_alarms_per_frame, 1.0)?;
        let min_frames = self.min_frames.unwrap_or(3.min(frames as u32).max(2));
        let raw = self.output.unwrap_or(OutputMode::Reports) == OutputMode::Raw;
        let scanning = matches!(mode, PayloadMode::WideField { revisit_s: Some(_), .. });
        if !raw && !scanning && (min_frames < 2 || min_frames as f64 > frames) {
            return Err(FieldError::new(
                "min_frames",
                min_frames.to_string(),
                format!("within 2..={} (frames per report window)", frames as u32),
            ));
        }
        if !raw && !scanning && frames < 2.0 {
            return Err(FieldError::new(
                "report_period_s",
                fmt_f64(report_period_s),
                "at least 2 frame periods in reports mode (or output = \"raw\")",
            ));
        }
        let (window_s, frames_per_window) = match mode {
            PayloadMode::WideField { revisit_s: Some(r), .. } => (r, 1),
            _ => (report_period_s, frames as u32),
        };
        if scanning && (self.report_period_s.is_some() || self.output.is_some()) {
            let f = if self.report_period_s.is_some() { "report_period_s" } else { "output" };
            return Err(FieldError::new(f, "set", "not used by a scanner (one look per revisit_s)"));
        }

        let p = Payload {
            name: self.name.clone(),
            mode,
            band,
            atmosphere,
            frame_period_s,
            window_s,
            frames_per_window,
            raw,
            ifov_rad,
            nei_w_m2,
            false_alarms_per_frame,
            false_reports_per_window: opt_nn(
                "false_reports_per_window",
                self.false_reports_per_window,
                0.01,
            )?,
            min_frames,
            centroid_factor: opt_range("centroid_factor", self.centroid_factor, cf_def, 0.0, 10.0)?,
            angle_floor_rad: opt_pos("angle_floor_urad", self.angle_floor_urad, floor_def_urad)? * 1e-6,
            pointing_bias_rad: opt_nn("pointing_bias_urad", self.pointing_bias_urad, bias_def)? * 1e-6,
            time_tag_sigma_s: opt_nn("time_tag_sigma_s", self.time_tag_sigma_s, 1e-3)?,
            latency_fixed_s: opt_nn("latency_fixed_s", self.latency_fixed_s, 2.0)?,
            latency_spread_s: opt_nn("latency_spread_s", self.latency_spread_s, 1.0)?,
            latency_random_mean_s: opt_nn("latency_random_mean_s", self.latency_random_mean_s, 0.5)?,
            crosslink_hops: self.crosslink_hops.unwrap_or(0),
            crosslink_hop_s: opt_nn("crosslink_hop_s", self.crosslink_hop_s, 0.05)?,
            grazing_m: opt_range("grazing_altitude_km", self.grazing_altitude_km, 30.0, 0.0, 1000.0)? * 1e3,
            sun_exclusion_rad: opt_range("sun_exclusion_deg", self.sun_exclusion_deg, 10.0, 0.0, 180.0)?
                .to_radians(),
            resolution_rad: opt_range("resolution_ifov", self.resolution_ifov, 2.0, 0.0, 1000.0)? * ifov_rad,
            earth_clutter_factor: opt_range(
                "earth_clutter_factor",
                self.earth_clutter_factor,
                match band_kind {
                    BandKind::Swir => 1.0,
                    BandKind::Mwir => 3.0,
                    BandKind::Lwir => 10.0,
                },
                1.0,
                1e6,
            )?,
            look_down: self.look_down.unwrap_or(true),
            above_horizon: self.above_horizon.unwrap_or(true),
            sunlit_reflection: self.sunlit_reflection.unwrap_or(true),
        };
        if !p.look_down && !p.above_horizon {
            return Err(FieldError::new(
                "look_down",
                "false",
                "true when above_horizon is false (the payload would see nothing)",
            ));
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> PayloadConfig {
        toml::from_str(s).unwrap()
    }

    #[test]
    fn defaults_build() {
        let p = parse("name = 'wfov'").build().unwrap();
        assert_eq!(p.frames_per_window, 10);
        assert_eq!(p.band.kind, BandKind::Swir);
        assert!(matches!(
            p.mode,
            PayloadMode::WideField { field_of_regard: FieldOfRegard::FullDisk { .. }, revisit_s: None }
        ));
        let c = parse("name = 'mfov'\nkind = 'cued'\n[[task]]\nt_s = 10\nlat_deg = 40\nlon_deg = 127")
            .build()
            .unwrap();
        assert!(c.is_cued());
        assert_eq!(c.band.kind, BandKind::Lwir);
    }

    #[test]
    fn bad_inputs_name_the_field() {
        let cases = [
            ("name='a'\nkind='cued'\nfov_deg=0", "fov_deg = 0: must be within 0 (exclusive)..=180"),
            ("name='a'\nkind='cued'\nfov_deg=181", "fov_deg = 181: must be within 0 (exclusive)..=180"),
            (
                "name='a'\nfield_of_regard='cone'\nfor_deg=200",
                "for_deg = 200: must be within 0 (exclusive)..=180",
            ),
            (
                "name='a'\nfield_of_regard='cone'\nfor_deg=0",
                "for_deg = 0: must be within 0 (exclusive)..=180",
            ),
            ("name='a'\nframe_period_s=0", "frame_period_s = 0: must be a finite number > 0"),
            ("name='a'\nnei_w_m2=-1e-12", "nei_w_m2 = -1e-12: must be a finite number > 0"),
            (
                "name='a'\nreport_period_s=0.25",
                "report_period_s = 0.25: must be a whole multiple (1..=65535) of frame_period_s = 0.1",
            ),
            ("name='a'\nslew_rate_deg_s=1", "slew_rate_deg_s = set: must be only given for kind = \"cued\""),
            (
                "name='a'\nkind='cued'\nscan='scanning'",
                "scan = set: must be only given for kind = \"wide-field\"",
            ),
            ("name='a'\nmin_frames=20", "min_frames = 20: must be within 2..=10 (frames per report window)"),
            (
                "name='a'\nkind='cued'\n[[task]]\nt_s=1\nlat_deg=95\nlon_deg=0",
                "task[0].lat_deg = 95: must be within -90..=90",
            ),
        ];
        for (src, msg) in cases {
            let e = parse(src).build().unwrap_err();
            assert_eq!(e.to_string(), msg, "{src}");
        }
        // unknown fields are refused by serde
        assert!(toml::from_str::<PayloadConfig>("name='a'\nfov='x'").is_err());
    }

    #[test]
    fn scanner_and_limb() {
        let p = parse(
            "name='s'\nscan='scanning'\nrevisit_s=8\nfield_of_regard='limb'\nfor_deg=130\nfor_inner_deg=120",
        )
        .build()
        .unwrap();
        assert_eq!(p.window_s, 8.0);
        assert_eq!(p.frames_per_window, 1);
        match p.mode {
            PayloadMode::WideField {
                field_of_regard: FieldOfRegard::Annulus { inner_rad, outer_rad },
                ..
            } => {
                assert!(
                    (inner_rad.to_degrees() - 60.0).abs() < 1e-12
                        && (outer_rad.to_degrees() - 65.0).abs() < 1e-12
                )
            }
            m => panic!("{m:?}"),
        }
    }
}
