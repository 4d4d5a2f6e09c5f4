//! Propagator physics against closed forms.

use nalgebra::Vector3;
use tl_core::consts::{J2, MU_EARTH_M3_S2, WGS84_A_M};
use tl_core::gravity::potential_j2;
use tl_core::time::parse_epoch;
use tl_orbit::kepler::KeplerElements;
use tl_orbit::numerical::{NumericalTrajectory, default_tolerances};
use tl_orbit::spec::{BuildContext, OrbitSpec};

fn leo(i_deg: f64) -> KeplerElements {
    KeplerElements {
        a_m: WGS84_A_M + 1_000e3,
        e: 0.001,
        i_rad: i_deg.to_radians(),
        raan_rad: 0.3,
        argp_rad: 0.0,
        mean_anomaly_rad: 0.0,
    }
}

/// Least-squares slope of y against t.
fn slope(t: &[f64], y: &[f64]) -> f64 {
    let n = t.len() as f64;
    let mt = t.iter().sum::<f64>() / n;
    let my = y.iter().sum::<f64>() / n;
    let sxy: f64 = t.iter().zip(y).map(|(a, b)| (a - mt) * (b - my)).sum();
    let sxx: f64 = t.iter().map(|a| (a - mt).powi(2)).sum();
    sxy / sxx
}

#[test]
fn numerical_j2_nodal_regression_matches_closed_form() {
    // Integrate the full J2 equations for two days; the osculating node oscillates
    // twice per orbit, its trend must match -3/2 n J2 (R/p)^2 cos i within 1 % (the gap
    // between mean and osculating semi-major axes moves the rate by ~0.3 % at 1,000 km).
    for i_deg in [30.0, 63.4, 80.0, 98.0] {
        let el = leo(i_deg);
        let (r0, v0) = el.to_state();
        let days = 2.0;
        let traj = NumericalTrajectory::new(r0, v0, 0.0, 0.0, days * 86_400.0, default_tolerances()).unwrap();
        let mut ts = Vec::new();
        let mut raans = Vec::new();
        let mut prev: Option<f64> = None;
        let mut unwrap = 0.0;
        for k in 0..=2000 {
            let t = k as f64 * days * 86_400.0 / 2000.0;
            let (r, v) = traj.state_eci(t).unwrap();
            let h = r.cross(&v);
            let mut raan = (h.x).atan2(-h.y);
            if let Some(p) = prev {
                while raan + unwrap - p > std::f64::consts::PI {
                    unwrap -= std::f64::consts::TAU;
                }
                while raan + unwrap - p < -std::f64::consts::PI {
                    unwrap += std::f64::consts::TAU;
                }
            }
            raan += unwrap;
            prev = Some(raan);
            ts.push(t);
            raans.push(raan);
        }
        let measured = slope(&ts, &raans);
        let n = (MU_EARTH_M3_S2 / el.a_m.powi(3)).sqrt();
        let p = el.a_m * (1.0 - el.e * el.e);
        let closed = -1.5 * n * J2 * (WGS84_A_M / p).powi(2) * el.i_rad.cos();
        let rel = (measured - closed).abs() / closed.abs().max(1e-12);
        assert!(rel < 0.01, "i = {i_deg}: measured {measured:e} rad/s, closed form {closed:e} ({rel:e})");
        // And the analytic propagator uses exactly the closed form.
        let (dr, _, _) = tl_orbit::j2::secular_rates(&el);
        assert!((dr - closed).abs() < 1e-18);
    }
}

#[test]
fn j2_secular_velocity_is_the_derivative_of_position() {
    let p = tl_orbit::j2::J2Secular::new(KeplerElements { e: 0.05, ..leo(63.0) });
    for &t in &[0.0, 1_000.0, 50_000.0] {
        let (_, v) = p.state_eci(t);
        let (rp, _) = p.state_eci(t + 0.01);
        let (rm, _) = p.state_eci(t - 0.01);
        let fd = (rp - rm) / 0.02;
        assert!((fd - v).norm() < 1e-4, "t = {t}: {} m/s", (fd - v).norm());
    }
}

#[test]
fn numerical_integrator_conserves_energy_and_polar_angular_momentum() {
    // J2 is static and axisymmetric: specific energy v^2/2 + U and h_z are constants.
    let el = KeplerElements { e: 0.1, ..leo(51.6) };
    let (r0, v0) = el.to_state();
    // Checked at every integrator node over a day, at the default tolerances.
    let e = |r: &Vector3<f64>, v: &Vector3<f64>| v.norm_squared() / 2.0 + potential_j2(r);
    let e0 = e(&r0, &v0);
    let hz0 = r0.cross(&v0).z;
    let y0 = nalgebra::SVector::<f64, 6>::from_column_slice(&[r0.x, r0.y, r0.z, v0.x, v0.y, v0.z]);
    let mut nodes = 0;
    let mut worst: f64 = 0.0;
    tl_orbit::rk::Dopri5::new(default_tolerances())
        .integrate(&tl_orbit::numerical::two_body_j2, 0.0, y0, 86_400.0, |_, y, _| {
            let r = Vector3::new(y[0], y[1], y[2]);
            let v = Vector3::new(y[3], y[4], y[5]);
            worst = worst.max(((e(&r, &v) - e0) / e0).abs());
            assert!(((r.cross(&v).z - hz0) / hz0).abs() < 1e-9);
            nodes += 1;
        })
        .unwrap();
    assert!(worst < 1e-9, "relative energy drift {worst:e} over {nodes} steps");
    // The interpolated states between nodes stay within 1e-8 (Hermite error ~1e-5 m/s).
    let traj = NumericalTrajectory::new(r0, v0, 0.0, 0.0, 86_400.0, default_tolerances()).unwrap();
    for k in 1..=100 {
        let (r, v) = traj.state_eci(k as f64 * 863.7).unwrap();
        assert!(((e(&r, &v) - e0) / e0).abs() < 1e-8, "interpolated energy at {k}");
    }
}

#[test]
fn interpolation_matches_direct_integration() {
    let el = leo(80.0);
    let (r0, v0) = el.to_state();
    let traj = NumericalTrajectory::new(r0, v0, 0.0, -600.0, 7_200.0, default_tolerances()).unwrap();
    for t in [-599.0f64, -17.3, 0.0, 123.456, 3_333.3, 7_199.9] {
        let direct =
            NumericalTrajectory::new(r0, v0, 0.0, t.min(0.0), t.max(0.0), default_tolerances()).unwrap();
        let (rd, vd) =
            if t < 0.0 { direct.state_eci(direct.span().0) } else { direct.state_eci(direct.span().1) }
                .unwrap();
        let (ri, vi) = traj.state_eci(t).unwrap();
        assert!((ri - rd).norm() < 0.01, "t = {t}: {} m", (ri - rd).norm());
        assert!((vi - vd).norm() < 1e-4, "t = {t}: {} m/s", (vi - vd).norm());
    }
    assert!(traj.state_eci(7_300.0).is_none());
}

fn ctx<'a>(read: &'a dyn Fn(&str) -> Result<String, String>) -> BuildContext<'a> {
    let epoch = parse_epoch("2026-03-01T00:00:00Z").unwrap();
    let rot = tl_core::frames::EarthRotation::new(epoch, 0.0);
    BuildContext {
        epoch,
        gmst0_rad: rot.gmst_rad(0.0),
        earth_rate_rad_s: rot.rate_rad_s(),
        span_s: (0.0, 7_200.0),
        name_prefix: "test",
        read_file: read,
    }
}

fn no_files(_: &str) -> Result<String, String> {
    Err("no files in this test".into())
}

#[test]
fn geo_satellites_stay_over_their_longitudes() {
    for prop in ["j2-secular", "numerical", "two-body"] {
        let spec: OrbitSpec = toml::from_str(&format!(
            "kind = \"geo\"\nlongitudes_deg = [-75.0, 10.0, 120.5]\npropagator = \"{prop}\"\n"
        ))
        .unwrap();
        let c = ctx(&no_files);
        let sats = spec.build(&c).unwrap();
        let rot = tl_core::frames::EarthRotation::new(c.epoch, 0.0);
        for (sat, lon) in sats.iter().zip([-75.0, 10.0, 120.5]) {
            for k in 0..=12 {
                let t = k as f64 * 600.0;
                let (r, v) = sat.state_eci(t).unwrap();
                let (rf, vf) = rot.at(t).state_to_ecef(&r, &v);
                let g = tl_core::wgs84::Geodetic::from_ecef(&rf);
                assert!((g.lon_deg() - lon).abs() < 1e-4, "{prop} {} at {t}: {}", sat.name, g.lon_deg());
                assert!(g.lat_deg().abs() < 1e-9);
                assert!((g.alt_m - 35_786e3).abs() < 3e3, "alt {}", g.alt_m); // mean a is ~2 km above the osculating radius
                assert!(vf.norm() < 0.05, "ECEF speed {}", vf.norm()); // fixed over the ground
            }
        }
    }
}

#[test]
fn molniya_is_expressible() {
    // Molniya: 12 sidereal-hour period (a ~ 26 560 km), e ~ 0.74, critical inclination
    // 63.4 deg where the J2 perigee drift vanishes (5 cos^2 i = 1).
    let spec: OrbitSpec = toml::from_str(
        "kind = \"elements\"\n[[satellites]]\nname = \"heo-1\"\na_km = 26560.0\ne = 0.74\ninclination_deg = 63.435\nargp_deg = 270.0\n",
    )
    .unwrap();
    let sats = spec.build(&ctx(&no_files)).unwrap();
    let el = sats[0].propagator.clone();
    let tl_orbit::Propagator::J2Secular(p) = el else { panic!("default propagator is j2-secular") };
    assert!((p.initial().period_s() - 43_082.0).abs() < 60.0, "{}", p.initial().period_s());
    let (_, dargp, _) = tl_orbit::j2::secular_rates(p.initial());
    assert!(dargp.abs() < 1e-12, "{dargp}");
    // Apogee over the northern hemisphere (argp = 270 deg): at half a period, z > 0 and
    // the radius is a (1 + e).
    let (r, _) = sats[0].state_eci(p.initial().period_s() / 2.0).unwrap();
    assert!(r.z > 0.0);
    assert!((r.norm() - 26_560e3 * 1.74).abs() < 50e3, "{}", r.norm());
}

#[test]
fn spec_errors_name_the_field() {
    let c = ctx(&no_files);
    let bad = |text: &str| toml::from_str::<OrbitSpec>(text).unwrap().build(&c).unwrap_err().to_string();
    assert_eq!(
        bad("kind = \"walker\"\ninclination_deg = 190.0\ntotal = 10\nplanes = 2\naltitude_km = 1000.0\n"),
        "inclination_deg = 190: must be within 0..=180"
    );
    assert!(
        bad("kind = \"walker\"\ntotal = 10\nplanes = 2\naltitude_km = 1000.0\n")
            .starts_with("inclination_deg = missing")
    );
    assert!(
        bad("kind = \"geo\"\nlongitudes_deg = [0.0]\ntotal = 3\n")
            .starts_with("total = given: must be absent for kind = \"geo\"")
    );
    assert!(bad("kind = \"geo\"\nlongitudes_deg = []\n").contains("at least one longitude"));
    assert!(bad("kind = \"tle-file\"\npath = \"x.tle\"\n").contains("a readable file"));
    assert!(
        bad("kind = \"tle-file\"\npath = \"x.tle\"\npropagator = \"numerical\"\n").starts_with("propagator")
    );
    assert!(
        bad("kind = \"elements\"\n[[satellites]]\nname = \"a\"\naltitude_km = 500.0\ne = 0.5\ninclination_deg = 10.0\n")
            .contains("perigee")
    );
    assert!(toml::from_str::<OrbitSpec>("kind = \"walker\"\nbogus = 1\n").is_err());
}

const ISS: &str = "ISS (ZARYA)
1 25544U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  2927
2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537
";

#[test]
fn tle_file_errors_name_the_line() {
    let bad_sum = ISS.replace("2927", "2928");
    let e = tl_orbit::tle::parse_tle(&bad_sum).unwrap_err().to_string();
    assert_eq!(e, "TLE line 2: bad checksum: the line ends in '8' but its checksum is 7");
    let e = tl_orbit::tle::parse_tle(&ISS.lines().take(2).collect::<Vec<_>>().join("\n"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("incomplete"), "{e}");
    let e = tl_orbit::tle::parse_tle("").unwrap_err().to_string();
    assert!(e.contains("no element sets"), "{e}");
    let short = ISS.replace("0  2927", "0 2927");
    assert!(tl_orbit::tle::parse_tle(&short).unwrap_err().to_string().contains("69"));
    // And through the spec, the file name is part of the message.
    let read = |_: &str| Ok(bad_sum.clone());
    let c = ctx(&read);
    let e = toml::from_str::<OrbitSpec>("kind = \"tle-file\"\npath = \"iss.tle\"\n")
        .unwrap()
        .build(&c)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "iss.tle: TLE line 2: bad checksum: the line ends in '8' but its checksum is 7"
    );
}

#[test]
fn omm_json_csv_xml_agree_with_tle() {
    let tle = tl_orbit::tle::parse_tle(ISS).unwrap();
    let json = r#"[{"OBJECT_NAME":"ISS (ZARYA)","OBJECT_ID":"1998-067A","EPOCH":"2008-09-20T12:25:40.104192",
      "MEAN_MOTION":15.72125391,"ECCENTRICITY":0.0006703,"INCLINATION":51.6416,"RA_OF_ASC_NODE":247.4627,
      "ARG_OF_PERICENTER":130.536,"MEAN_ANOMALY":325.0288,"EPHEMERIS_TYPE":0,"CLASSIFICATION_TYPE":"U",
      "NORAD_CAT_ID":25544,"ELEMENT_SET_NO":292,"REV_AT_EPOCH":56353,"BSTAR":-1.1606e-5,
      "MEAN_MOTION_DOT":-2.182e-5,"MEAN_MOTION_DDOT":0}]"#;
    let csv = "OBJECT_NAME,OBJECT_ID,EPOCH,MEAN_MOTION,ECCENTRICITY,INCLINATION,RA_OF_ASC_NODE,ARG_OF_PERICENTER,MEAN_ANOMALY,EPHEMERIS_TYPE,CLASSIFICATION_TYPE,NORAD_CAT_ID,ELEMENT_SET_NO,REV_AT_EPOCH,BSTAR,MEAN_MOTION_DOT,MEAN_MOTION_DDOT\n\
ISS (ZARYA),1998-067A,2008-09-20T12:25:40.104192,15.72125391,.0006703,51.6416,247.4627,130.5360,325.0288,0,U,25544,292,56353,-.11606E-4,-.2182E-4,0\n";
    let xml = "<ndm><omm><body><segment><metadata><OBJECT_NAME>ISS (ZARYA)</OBJECT_NAME><OBJECT_ID>1998-067A</OBJECT_ID></metadata>\
<data><meanElements><EPOCH>2008-09-20T12:25:40.104192</EPOCH><MEAN_MOTION>15.72125391</MEAN_MOTION><ECCENTRICITY>.0006703</ECCENTRICITY>\
<INCLINATION>51.6416</INCLINATION><RA_OF_ASC_NODE>247.4627</RA_OF_ASC_NODE><ARG_OF_PERICENTER>130.5360</ARG_OF_PERICENTER>\
<MEAN_ANOMALY>325.0288</MEAN_ANOMALY></meanElements><tleParameters><EPHEMERIS_TYPE>0</EPHEMERIS_TYPE>\
<CLASSIFICATION_TYPE>U</CLASSIFICATION_TYPE><NORAD_CAT_ID>25544</NORAD_CAT_ID><ELEMENT_SET_NO>292</ELEMENT_SET_NO>\
<REV_AT_EPOCH>56353</REV_AT_EPOCH><BSTAR>-.11606E-4</BSTAR><MEAN_MOTION_DOT>-.2182E-4</MEAN_MOTION_DOT>\
<MEAN_MOTION_DDOT>0</MEAN_MOTION_DDOT></tleParameters></data></segment></body></omm></ndm>";
    let epoch = tle[0].epoch();
    let reference = tl_orbit::tle::Sgp4Propagator::new(&tle[0], epoch, Default::default()).unwrap();
    for text in [json, csv, xml] {
        let sets = tl_orbit::tle::parse_omm(text).unwrap();
        assert_eq!(sets[0].name, "ISS (ZARYA)");
        let p = tl_orbit::tle::Sgp4Propagator::new(&sets[0], epoch, Default::default()).unwrap();
        let (a, _) = p.state_eci(3_600.0).unwrap();
        let (b, _) = reference.state_eci(3_600.0).unwrap();
        assert!((a - b).norm() < 1.0, "{} m", (a - b).norm());
    }
    assert!(tl_orbit::tle::parse_omm("[]").is_err());
    assert!(tl_orbit::tle::parse_omm("OBJECT_NAME,EPOCH\nX\n").unwrap_err().to_string().contains("row 2"));
}

#[test]
fn sgp4_epoch_offset_uses_the_scenario_epoch() {
    // Starting the scenario one hour after the TLE epoch equals propagating 60 minutes.
    let sets = tl_orbit::tle::parse_tle(ISS).unwrap();
    let start = tl_core::time::add_seconds(sets[0].epoch(), 3_600.0);
    let p = tl_orbit::tle::Sgp4Propagator::new(&sets[0], start, Default::default()).unwrap();
    let (r, _) = p.state_eci(0.0).unwrap();
    let (raw, _) = p.propagate_minutes(60.0).unwrap();
    assert!((r - Vector3::new(raw[0], raw[1], raw[2]) * 1e3).norm() < 1e-3);
}
