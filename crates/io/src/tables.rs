//! The schemas of every table a run folder can hold.
//!
//! **Adding a table** (for the stage that produces it): define a `pub const` schema
//! here next to the others, add it to [`ALL`], then run
//! `TL_BLESS=1 cargo test -p tl-io docs_outputs` to regenerate the table list in
//! `docs/outputs.md` (a test fails while the doc is out of date). The simulator opens a
//! writer for a table by its schema (`tl_sim::run::Outputs::open`).

use crate::schema::{Column, TableSchema};

/// Columns of [`SATELLITES`].
pub const SATELLITE_COLUMNS: &[Column] = &[
    Column::f64("t_s", "s", "Time since the scenario epoch."),
    Column::u32(
        "sat_id",
        "",
        "Satellite id: index in the run's satellite list (constellations in scenario order, satellites in builder order).",
    ),
    Column::string("name", "Satellite name (from the builder or the TLE/OMM)."),
    Column::string("constellation", "Name of the scenario constellation the satellite belongs to."),
    Column::f64("pos_eci_x_m", "m", "Position, ECI (TEME of date), x."),
    Column::f64("pos_eci_y_m", "m", "Position, ECI (TEME of date), y."),
    Column::f64("pos_eci_z_m", "m", "Position, ECI (TEME of date), z."),
    Column::f64("vel_eci_x_m_s", "m/s", "Velocity, ECI (TEME of date), x."),
    Column::f64("vel_eci_y_m_s", "m/s", "Velocity, ECI (TEME of date), y."),
    Column::f64("vel_eci_z_m_s", "m/s", "Velocity, ECI (TEME of date), z."),
    Column::f64("pos_ecef_x_m", "m", "Position, ECEF (PEF: ECI rotated by GMST, no polar motion), x."),
    Column::f64("pos_ecef_y_m", "m", "Position, ECEF (PEF), y."),
    Column::f64("pos_ecef_z_m", "m", "Position, ECEF (PEF), z."),
    Column::f64("vel_ecef_x_m_s", "m/s", "Velocity relative to the rotating Earth, ECEF (PEF), x."),
    Column::f64("vel_ecef_y_m_s", "m/s", "Velocity relative to the rotating Earth, ECEF (PEF), y."),
    Column::f64("vel_ecef_z_m_s", "m/s", "Velocity relative to the rotating Earth, ECEF (PEF), z."),
    Column::f64("lat_deg", "deg", "Geodetic latitude on WGS84 of the sub-satellite point."),
    Column::f64("lon_deg", "deg", "Longitude on WGS84, east positive, in (-180, 180]."),
    Column::f64("alt_m", "m", "Height above the WGS84 ellipsoid."),
];

/// `satellites`: one row per satellite per sampled time step (every
/// `output.sample_every`-th step), sorted by time then `sat_id`.
pub const SATELLITES: TableSchema = TableSchema::new(
    "satellites",
    "One row per satellite per sampled time step (every `output.sample_every`-th step), sorted by `t_s` then `sat_id`.",
    SATELLITE_COLUMNS,
);

/// Columns of [`DETECTIONS`] (one per `tl_core::detection::Detection` field, plus the
/// scoring-only `truth_id`).
pub const DETECTION_COLUMNS: &[Column] = &[
    Column::f64("t_obs_s", "s", "Time of observation the payload reports (includes its time-tag error), s since the scenario epoch."),
    Column::f64("t_arrival_s", "s", "Time the report reaches the fusion node (observation + onboard processing + latency)."),
    Column::u32("sat_id", "", "Satellite id (index in the `satellites` table)."),
    Column::u32("sensor_id", "", "Payload index on that satellite (0 = first payload of its constellation)."),
    Column::f64("sat_pos_eci_x_m", "m", "Satellite position at the observation, ECI (TEME of date), x."),
    Column::f64("sat_pos_eci_y_m", "m", "Satellite position at the observation, ECI, y."),
    Column::f64("sat_pos_eci_z_m", "m", "Satellite position at the observation, ECI, z."),
    Column::f64("los_eci_x", "", "Measured line of sight, unit vector, ECI, x."),
    Column::f64("los_eci_y", "", "Measured line of sight, ECI, y."),
    Column::f64("los_eci_z", "", "Measured line of sight, ECI, z."),
    Column::f64(
        "cov_11_rad2",
        "rad^2",
        "Angle covariance in the LOS basis of `tl_core::geom::los_basis` (e1 = normalise(z x los), e2 = los x e1): variance along e1.",
    ),
    Column::f64("cov_12_rad2", "rad^2", "Angle covariance, e1-e2 term."),
    Column::f64("cov_22_rad2", "rad^2", "Angle covariance, variance along e2."),
    Column::f64("rate_1_rad_s", "rad/s", "Measured LOS angle rate along e1 (onboard reports); NaN for raw frames.").nan_ok(),
    Column::f64("rate_2_rad_s", "rad/s", "Measured LOS angle rate along e2; NaN for raw frames.").nan_ok(),
    Column::f64("rate_var_1_rad2_s2", "rad^2/s^2", "Variance of `rate_1_rad_s`; NaN for raw frames.").nan_ok(),
    Column::f64("rate_var_2_rad2_s2", "rad^2/s^2", "Variance of `rate_2_rad_s`; NaN for raw frames.").nan_ok(),
    Column::u32("frames_used", "", "Focal-plane frames that formed the report (1 for raw frames and scanner looks)."),
    Column::f64("snr", "", "Measured signal-to-noise ratio of the mean frame."),
    Column::f64("intensity_w_sr", "W/sr", "Apparent in-band radiant intensity (measured irradiance times range squared, not corrected for the atmosphere).")
        .nan_ok(),
    Column::string("background", "`earth` (look-down) or `space` (above the horizon)."),
    Column::i64("truth_id", "", "Truth object id, -1 for a false alarm. For scoring only: the tracker never reads it."),
];

/// `detections`: every payload report of the run, in generation order (window time, then
/// satellite, payload, object); sort by `t_arrival_s` to replay what the fusion node saw.
pub const DETECTIONS: TableSchema = TableSchema::new(
    "detections",
    "Every payload report of the run in generation order (report window, then `sat_id`, `sensor_id`, object); sort by `t_arrival_s` to replay arrivals. `truth_id` is for scoring only.",
    DETECTION_COLUMNS,
);

/// Columns of [`TRUTH`].
pub const TRUTH_COLUMNS: &[Column] = &[
    Column::f64("t_s", "s", "Time since the scenario epoch."),
    Column::u32(
        "object_id",
        "",
        "Truth object id: unique in the run (launches in scenario order, then each launch's objects: booster, spent stages, post-boost vehicle, reentry vehicles, decoys). The `truth_id` of detections.",
    ),
    Column::string("launch_id", "The `[[launch]] id` the object belongs to."),
    Column::string("kind", "`booster`, `spent-stage`, `post-boost-vehicle`, `reentry-vehicle` or `decoy`."),
    Column::string(
        "phase",
        "`boost-1`, `boost-2`, ... (stage k burning), `coast` (between stages), `post-boost`, `midcourse`, `reentry` (descending below 100 km).",
    ),
    Column::f64("pos_eci_x_m", "m", "Position, ECI (TEME of date), x."),
    Column::f64("pos_eci_y_m", "m", "Position, ECI (TEME of date), y."),
    Column::f64("pos_eci_z_m", "m", "Position, ECI (TEME of date), z."),
    Column::f64("vel_eci_x_m_s", "m/s", "Velocity, ECI (TEME of date), x."),
    Column::f64("vel_eci_y_m_s", "m/s", "Velocity, ECI (TEME of date), y."),
    Column::f64("vel_eci_z_m_s", "m/s", "Velocity, ECI (TEME of date), z."),
    Column::f64("pos_ecef_x_m", "m", "Position, ECEF (PEF), x."),
    Column::f64("pos_ecef_y_m", "m", "Position, ECEF (PEF), y."),
    Column::f64("pos_ecef_z_m", "m", "Position, ECEF (PEF), z."),
    Column::f64("vel_ecef_x_m_s", "m/s", "Velocity relative to the rotating Earth, ECEF (PEF), x."),
    Column::f64("vel_ecef_y_m_s", "m/s", "Velocity relative to the rotating Earth, ECEF (PEF), y."),
    Column::f64("vel_ecef_z_m_s", "m/s", "Velocity relative to the rotating Earth, ECEF (PEF), z."),
    Column::f64("lat_deg", "deg", "Geodetic latitude on WGS84."),
    Column::f64("lon_deg", "deg", "Longitude on WGS84, east positive, in (-180, 180]."),
    Column::f64("alt_m", "m", "Height above the WGS84 ellipsoid."),
    Column::f64("mass_kg", "kg", "Mass of the object."),
    Column::f64("thrust_n", "N", "Thrust (0 when no motor burns)."),
];

/// `truth`: one row per existing threat object per sampled time step, sorted by time
/// then `object_id`.
pub const TRUTH: TableSchema = TableSchema::new(
    "truth",
    "One row per existing threat object (from lift-off, separation or release until impact, burn-up or kill) per sampled time step (every `output.sample_every`-th step), sorted by `t_s` then `object_id`.",
    TRUTH_COLUMNS,
);

/// Columns of [`ENGAGEMENTS`] (`tl_engage::fire::Engagement`).
pub const ENGAGEMENT_COLUMNS: &[Column] = &[
    Column::u32("engagement_id", "", "Engagement id, in order of assignment."),
    Column::string("layer", "The `[[weapon]] name` of the weapon layer."),
    Column::u32("weapon_id", "", "Weapon unit index (layers in scenario order, then carrier satellites)."),
    Column::u32("carrier_sat_id", "", "Satellite carrying the weapon (index in the `satellites` table)."),
    Column::i64("target_track_id", "", "Track the engagement was planned on (fire control never sees truth)."),
    Column::i64("truth_object_id", "", "Truth object behind the track, for scoring only (-1 when unknown)."),
    Column::f64("assign_t_s", "s", "Assignment (decision) time, s since the scenario epoch."),
    Column::f64("fire_t_s", "s", "Fire order (interceptor) or start of slewing (laser)."),
    Column::f64("planned_end_t_s", "s", "Planned intercept instant or planned kill (from the track's prediction)."),
    Column::f64("end_t_s", "s", "Actual kill or miss time (from truth)."),
    Column::f64("range_m", "m", "Carrier-to-target distance at ignition (interceptor) or at the end of lasing (laser); NaN if the laser never lased.")
        .nan_ok(),
    Column::f64("dwell_s", "s", "Planned lasing time (laser) or fly-out time (interceptor)."),
    Column::string("outcome", "`kill` or `miss`."),
    Column::f64("margin_before_burnout_s", "s", "Burnout minus the end time: true burnout for kills, predicted burnout otherwise."),
];

/// `engagements`: one row per engagement, in order of assignment.
pub const ENGAGEMENTS: TableSchema = TableSchema::new(
    "engagements",
    "One row per engagement (weapon, target track, truth object, times, range, dwell, outcome), in order of assignment.",
    ENGAGEMENT_COLUMNS,
);

/// Columns of [`FLYOUTS`].
pub const FLYOUT_COLUMNS: &[Column] = &[
    Column::u32("engagement_id", "", "Engagement id (the `engagements` table's)."),
    Column::f64("t_s", "s", "Time since the scenario epoch."),
    Column::f64("pos_eci_x_m", "m", "Planned interceptor position, ECI (TEME of date), x."),
    Column::f64("pos_eci_y_m", "m", "Planned interceptor position, ECI, y."),
    Column::f64("pos_eci_z_m", "m", "Planned interceptor position, ECI, z."),
    Column::f64("pos_ecef_x_m", "m", "Planned interceptor position, ECEF (PEF), x."),
    Column::f64("pos_ecef_y_m", "m", "Planned interceptor position, ECEF (PEF), y."),
    Column::f64("pos_ecef_z_m", "m", "Planned interceptor position, ECEF (PEF), z."),
];

/// `flyouts`: planned interceptor fly-outs, by engagement then time.
pub const FLYOUTS: TableSchema = TableSchema::new(
    "flyouts",
    "Planned interceptor fly-outs: one row per sample (every `fire_control.flyout_step_s` from ignition to the planned intercept, both included), by engagement then time. While burning: the carrier's free flight plus the burn's displacement; then the Lambert arc to the aim point (two-body).",
    FLYOUT_COLUMNS,
);

/// Columns of [`TRACKS`].
pub const TRACK_COLUMNS: &[Column] = &[
    Column::f64(
        "t_s",
        "s",
        "Time of the row (a run-loop step), s since the scenario epoch; the state is predicted from the track's last update to this time.",
    ),
    Column::u32("track_id", "", "Track id (assigned at confirmation, from 0)."),
    Column::f64("t_update_s", "s", "Time of the track's last update."),
    Column::f64("pos_eci_x_m", "m", "Estimated position, ECI (TEME of date), x."),
    Column::f64("pos_eci_y_m", "m", "Estimated position, ECI, y."),
    Column::f64("pos_eci_z_m", "m", "Estimated position, ECI, z."),
    Column::f64("vel_eci_x_m_s", "m/s", "Estimated velocity, ECI, x."),
    Column::f64("vel_eci_y_m_s", "m/s", "Estimated velocity, ECI, y."),
    Column::f64("vel_eci_z_m_s", "m/s", "Estimated velocity, ECI, z."),
    Column::f64("var_pos_x_m2", "m^2", "Covariance diagonal: position x."),
    Column::f64("var_pos_y_m2", "m^2", "Covariance diagonal: position y."),
    Column::f64("var_pos_z_m2", "m^2", "Covariance diagonal: position z."),
    Column::f64("var_vel_x_m2_s2", "m^2/s^2", "Covariance diagonal: velocity x."),
    Column::f64("var_vel_y_m2_s2", "m^2/s^2", "Covariance diagonal: velocity y."),
    Column::f64("var_vel_z_m2_s2", "m^2/s^2", "Covariance diagonal: velocity z."),
    Column::f64(
        "pos_sigma_max_m",
        "m",
        "Largest position standard deviation (square root of the largest eigenvalue).",
    ),
    Column::f64("thrust_m_s2", "m/s^2", "Estimated thrust acceleration."),
    Column::f64("inv_ballistic_m2_kg", "m^2/kg", "Estimated inverse ballistic coefficient C_D A / m."),
    Column::f64("p_boost", "", "IMM probability of the boost mode."),
    Column::f64("p_ballistic", "", "IMM probability of the ballistic mode."),
    Column::f64("p_reentry", "", "IMM probability of the reentry mode."),
    Column::u32("n_updates", "", "Detections used by the track so far."),
    Column::u32("n_sats", "", "Distinct satellites that contributed."),
    Column::string("phase", "Estimated phase: `boost-k`, `post-boost`, `midcourse`, `reentry`."),
    Column::bool(
        "fire_control_quality",
        "Position uncertainty below `tracker.space.products.fcq_pos_sigma_m`.",
    ),
    Column::string(
        "class_guess",
        "Missile-class guess from the range (`srbm`, `mrbm`, `irbm`, `icbm-solid`, `icbm-liquid`, `icbm`) or `unknown`.",
    ),
    Column::f64("burnout_s", "s", "Estimated burnout time; NaN until seen.").nan_ok(),
    Column::f64("launch_t_s", "s", "Back-propagated launch time; NaN when unknown.").nan_ok(),
    Column::f64("launch_t_std_s", "s", "Its standard deviation.").nan_ok(),
    Column::f64("launch_lat_deg", "deg", "Back-propagated launch latitude (WGS84).").nan_ok(),
    Column::f64("launch_lon_deg", "deg", "Back-propagated launch longitude.").nan_ok(),
    Column::f64("launch_pos_std_m", "m", "Horizontal standard deviation of the launch point.").nan_ok(),
    Column::f64("impact_t_s", "s", "Predicted impact time (thrust assumed off from now on); NaN when none.")
        .nan_ok(),
    Column::f64("time_to_impact_s", "s", "Predicted impact time minus the track's last update time.")
        .nan_ok(),
    Column::f64("impact_lat_deg", "deg", "Predicted impact latitude (WGS84).").nan_ok(),
    Column::f64("impact_lon_deg", "deg", "Predicted impact longitude.").nan_ok(),
    Column::f64("impact_semi_major_2s_m", "m", "2-sigma impact ellipse, semi-major axis.").nan_ok(),
    Column::f64("impact_semi_minor_2s_m", "m", "2-sigma impact ellipse, semi-minor axis.").nan_ok(),
    Column::f64(
        "impact_major_azimuth_deg",
        "deg",
        "Azimuth of the major axis, clockwise from north, [0, 180).",
    )
    .nan_ok(),
];

/// `tracks`: one row per confirmed track per sampled run-loop step (predicted to the step
/// time from the last update), with the track's products.
pub const TRACKS: TableSchema = TableSchema::new(
    "tracks",
    "One row per confirmed 3-D track per sampled step (every `output.sample_every`-th), predicted from its last update to `t_s`, with products (phase, launch, burnout, impact ellipse, class, fire-control quality). The tracker never sees truth.",
    TRACK_COLUMNS,
);

/// Every table a run can write, in the order they are documented.
pub const ALL: &[&TableSchema] = &[&SATELLITES, &TRUTH, &DETECTIONS, &TRACKS, &ENGAGEMENTS, &FLYOUTS];

/// Find a table schema by name.
pub fn by_name(name: &str) -> Option<&'static TableSchema> {
    ALL.iter().copied().find(|t| t.name == name)
}

/// Marker lines around the generated part of `docs/outputs.md`.
pub const DOC_BEGIN: &str = "<!-- BEGIN GENERATED TABLES (tl_io::tables::markdown; do not edit by hand) -->";
/// See [`DOC_BEGIN`].
pub const DOC_END: &str = "<!-- END GENERATED TABLES -->";

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|")
}

/// Markdown reference of the given tables: a heading, a description and a column table
/// for each.
pub fn markdown(tables: &[&TableSchema]) -> String {
    let mut s = String::new();
    for t in tables {
        s.push_str(&format!("### `{}`\n\n{}\n\n", t.name, md_escape(&t.doc)));
        s.push_str("| column | type | unit | meaning |\n| --- | --- | --- | --- |\n");
        for c in t.columns.iter() {
            let ty = if c.non_finite_ok { format!("{} (NaN allowed)", c.ty) } else { c.ty.to_string() };
            let unit = if c.unit.is_empty() { "-".to_string() } else { md_escape(&c.unit) };
            s.push_str(&format!("| `{}` | {} | {} | {} |\n", c.name, ty, unit, md_escape(&c.doc)));
        }
        s.push('\n');
    }
    s
}

/// JSON description of the given tables (what `tracklayer schema --json` prints).
pub fn json(tables: &[&TableSchema]) -> String {
    serde_json::to_string_pretty(tables).expect("schemas serialise")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_schemas_are_well_formed_and_unique() {
        for (i, t) in ALL.iter().enumerate() {
            t.check().unwrap();
            assert!(ALL[..i].iter().all(|u| u.name != t.name), "duplicate table {}", t.name);
        }
    }

    /// `docs/outputs.md` must list exactly the schemas above. Regenerate with
    /// `TL_BLESS=1 cargo test -p tl-io docs_outputs`.
    #[test]
    fn docs_outputs_md_is_up_to_date() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/outputs.md");
        let doc = std::fs::read_to_string(&path).expect("docs/outputs.md exists");
        let (Some(b), Some(e)) = (doc.find(DOC_BEGIN), doc.find(DOC_END)) else {
            panic!("docs/outputs.md lacks the generated-section markers {DOC_BEGIN:?} / {DOC_END:?}");
        };
        let want = format!("\n\n{}", markdown(ALL));
        let have = &doc[b + DOC_BEGIN.len()..e];
        if have != want {
            if std::env::var_os("TL_BLESS").is_some() {
                let new = format!("{}{}{}", &doc[..b + DOC_BEGIN.len()], want, &doc[e..]);
                std::fs::write(&path, new).unwrap();
            } else {
                panic!(
                    "docs/outputs.md is out of date with tl_io::tables::ALL; \
                     run `TL_BLESS=1 cargo test -p tl-io docs_outputs` and commit the result"
                );
            }
        }
    }
}
