//! TLE and OMM (CelesTrak formats) reading, and SGP4/SDP4 propagation via the `sgp4`
//! crate.
//!
//! * TLE: two-line or three-line sets (a name line before each pair, optionally with
//!   CelesTrak's `0 ` prefix). Each line's checksum is verified.
//! * OMM: CelesTrak's JSON (an array of objects), CSV (header row of OMM keywords) and XML
//!   (`<segment>` elements with OMM keyword tags) forms.
//!
//! SGP4 output is TEME, which is tracklayer's ECI frame. Propagation uses the sgp4
//! crate's AFSPC-compatible mode by default (the mode of Vallado's reference output);
//! the verification set of Vallado et al. (2006) is reproduced to 1e-6 km / 1e-9 km/s in
//! the tests.

use crate::OrbitError;
use nalgebra::Vector3;
use tl_core::time::{Epoch, seconds_between};

/// One element set with its name.
#[derive(Clone, Debug)]
pub struct ElementSet {
    /// Name from the name line / OBJECT_NAME, or the catalogue number.
    pub name: String,
    /// The parsed elements.
    pub elements: sgp4::Elements,
}

impl ElementSet {
    /// The element set's epoch as a UTC epoch.
    pub fn epoch(&self) -> Epoch {
        use chrono::{Datelike, Timelike};
        let d = self.elements.datetime;
        Epoch::from_gregorian_utc(
            d.year(),
            d.month() as u8,
            d.day() as u8,
            d.hour() as u8,
            d.minute() as u8,
            d.second() as u8,
            d.nanosecond(),
        )
    }
}

/// The TLE checksum of a line: sum of digits plus one per minus sign over the first 68
/// characters, modulo 10.
pub fn tle_checksum(line: &str) -> u32 {
    line.chars()
        .take(68)
        .map(|c| match c {
            '0'..='9' => c as u32 - '0' as u32,
            '-' => 1,
            _ => 0,
        })
        .sum::<u32>()
        % 10
}

fn check_tle_line(line: &str, lineno: usize, expect: char) -> Result<(), OrbitError> {
    let err = |message: String| OrbitError::Tle { line: lineno, message };
    if !line.is_ascii() {
        return Err(err("non-ASCII characters in a TLE line".into()));
    }
    if line.len() < 69 {
        return Err(err(format!("line {expect} has {} characters: must have 69", line.len())));
    }
    if !line.starts_with(expect) {
        return Err(err(format!("expected TLE line {expect}, found {:?}", &line[..1])));
    }
    let given = line.as_bytes()[68] as char;
    let computed = tle_checksum(line);
    match given.to_digit(10) {
        Some(g) if g == computed => Ok(()),
        _ => Err(err(format!("bad checksum: the line ends in {given:?} but its checksum is {computed}"))),
    }
}

/// Parse TLE text (2LE or 3LE, blank lines ignored). Errors name the line number.
///
/// ```
/// let text = "ISS (ZARYA)\n\
/// 1 25544U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  2927\n\
/// 2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537\n";
/// let sets = tl_orbit::tle::parse_tle(text).unwrap();
/// assert_eq!(sets[0].name, "ISS (ZARYA)");
/// assert!((sets[0].elements.inclination - 51.6416).abs() < 1e-9);
/// ```
pub fn parse_tle(text: &str) -> Result<Vec<ElementSet>, OrbitError> {
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end()))
        .filter(|(_, l)| !l.trim().is_empty())
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let (n0, l0) = lines[i];
        let (name, i1) = if l0.starts_with("1 ") && l0.len() >= 69 {
            (None, i)
        } else {
            let nm = l0.strip_prefix("0 ").unwrap_or(l0).trim().to_string();
            (Some(nm), i + 1)
        };
        if i1 + 1 >= lines.len() {
            return Err(OrbitError::Tle {
                line: n0,
                message: "incomplete element set: expected two TLE lines".into(),
            });
        }
        let (n1, l1) = lines[i1];
        let (n2, l2) = lines[i1 + 1];
        check_tle_line(l1, n1, '1')?;
        check_tle_line(l2, n2, '2')?;
        if l1[2..7] != l2[2..7] {
            return Err(OrbitError::Tle {
                line: n2,
                message: format!("catalogue number {:?} differs from line 1's {:?}", &l2[2..7], &l1[2..7]),
            });
        }
        let el = sgp4::Elements::from_tle(name.clone(), l1.as_bytes(), l2.as_bytes())
            .map_err(|e| OrbitError::Tle { line: n1, message: e.to_string() })?;
        let name = name.filter(|s| !s.is_empty()).unwrap_or_else(|| el.norad_id.to_string());
        out.push(ElementSet { name, elements: el });
        i = i1 + 2;
    }
    if out.is_empty() {
        return Err(OrbitError::Tle { line: 0, message: "no element sets in the file".into() });
    }
    Ok(out)
}

/// Parse OMM text in CelesTrak's JSON, CSV or XML form (detected from the first
/// non-blank character: `[`/`{` JSON, `<` XML, otherwise CSV).
pub fn parse_omm(text: &str) -> Result<Vec<ElementSet>, OrbitError> {
    let t = text.trim_start();
    let sets: Vec<sgp4::Elements> = match t.chars().next() {
        Some('[') => serde_json::from_str(t).map_err(|e| OrbitError::Omm(format!("JSON: {e}")))?,
        Some('{') => vec![serde_json::from_str(t).map_err(|e| OrbitError::Omm(format!("JSON: {e}")))?],
        Some('<') => parse_omm_xml(t)?,
        Some(_) => parse_omm_csv(t)?,
        None => return Err(OrbitError::Omm("empty file".into())),
    };
    if sets.is_empty() {
        return Err(OrbitError::Omm("no element sets in the file".into()));
    }
    Ok(sets
        .into_iter()
        .map(|e| ElementSet {
            name: e.object_name.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| e.norad_id.to_string()),
            elements: e,
        })
        .collect())
}

/// Build elements from OMM keyword/value pairs by going through the JSON form, so that
/// all three encodings share the sgp4 crate's field parsing.
fn omm_from_pairs(pairs: &[(String, String)], what: &str) -> Result<sgp4::Elements, OrbitError> {
    let mut map = serde_json::Map::new();
    for (k, v) in pairs {
        map.insert(k.clone(), serde_json::Value::String(v.clone()));
    }
    serde_json::from_value(serde_json::Value::Object(map))
        .map_err(|e| OrbitError::Omm(format!("{what}: {e}")))
}

fn parse_omm_csv(text: &str) -> Result<Vec<sgp4::Elements>, OrbitError> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<String> = lines
        .next()
        .ok_or_else(|| OrbitError::Omm("CSV: no header".into()))?
        .split(',')
        .map(|s| s.trim().trim_matches('"').to_string())
        .collect();
    let mut out = Vec::new();
    for (i, line) in lines.enumerate() {
        let vals: Vec<String> = line.split(',').map(|s| s.trim().trim_matches('"').to_string()).collect();
        if vals.len() != header.len() {
            return Err(OrbitError::Omm(format!(
                "CSV row {}: {} values for {} header columns",
                i + 2,
                vals.len(),
                header.len()
            )));
        }
        let pairs: Vec<(String, String)> = header.iter().cloned().zip(vals).collect();
        out.push(omm_from_pairs(&pairs, &format!("CSV row {}", i + 2))?);
    }
    Ok(out)
}

fn parse_omm_xml(text: &str) -> Result<Vec<sgp4::Elements>, OrbitError> {
    const KEYS: [&str; 17] = [
        "OBJECT_NAME",
        "OBJECT_ID",
        "EPOCH",
        "MEAN_MOTION",
        "ECCENTRICITY",
        "INCLINATION",
        "RA_OF_ASC_NODE",
        "ARG_OF_PERICENTER",
        "MEAN_ANOMALY",
        "EPHEMERIS_TYPE",
        "CLASSIFICATION_TYPE",
        "NORAD_CAT_ID",
        "ELEMENT_SET_NO",
        "REV_AT_EPOCH",
        "BSTAR",
        "MEAN_MOTION_DOT",
        "MEAN_MOTION_DDOT",
    ];
    let mut out = Vec::new();
    for (i, seg) in text.split("<segment>").skip(1).enumerate() {
        let mut pairs = Vec::new();
        for k in KEYS {
            let open = format!("<{k}>");
            let close = format!("</{k}>");
            if let Some(a) = seg.find(&open) {
                let rest = &seg[a + open.len()..];
                if let Some(b) = rest.find(&close) {
                    pairs.push((k.to_string(), rest[..b].trim().to_string()));
                }
            }
        }
        out.push(omm_from_pairs(&pairs, &format!("XML segment {}", i + 1))?);
    }
    Ok(out)
}

/// How to run SGP4.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Sgp4Mode {
    /// AFSPC-compatible (Vallado's reference output; how TLEs are produced).
    #[default]
    Afspc,
    /// The sgp4 crate's improved mode (IAU sidereal time, modern epoch conversion).
    Improved,
}

/// SGP4/SDP4 propagation of one element set, relative to a scenario epoch.
#[derive(Clone, Debug)]
pub struct Sgp4Propagator {
    constants: sgp4::Constants,
    mode: Sgp4Mode,
    /// Minutes from the element-set epoch to the scenario epoch.
    offset_min: f64,
}

impl Sgp4Propagator {
    /// Prepare SGP4 for `set`, with `t_s = 0` at `scenario_epoch`.
    pub fn new(set: &ElementSet, scenario_epoch: Epoch, mode: Sgp4Mode) -> Result<Self, OrbitError> {
        let constants = match mode {
            Sgp4Mode::Afspc => sgp4::Constants::from_elements_afspc_compatibility_mode(&set.elements),
            Sgp4Mode::Improved => sgp4::Constants::from_elements(&set.elements),
        }
        .map_err(|e| OrbitError::Sgp4 {
            name: set.name.clone(),
            t_s: 0.0,
            message: e.to_string(),
        })?;
        let offset_min = seconds_between(set.epoch(), scenario_epoch) / 60.0;
        Ok(Self { constants, mode, offset_min })
    }

    /// TEME position (km) and velocity (km/s) at `minutes` since the element-set epoch:
    /// the raw SGP4 output, for verification.
    pub fn propagate_minutes(&self, minutes: f64) -> Result<([f64; 3], [f64; 3]), String> {
        let p = match self.mode {
            Sgp4Mode::Afspc => {
                self.constants.propagate_afspc_compatibility_mode(sgp4::MinutesSinceEpoch(minutes))
            }
            Sgp4Mode::Improved => self.constants.propagate(sgp4::MinutesSinceEpoch(minutes)),
        }
        .map_err(|e| e.to_string())?;
        Ok((p.position, p.velocity))
    }

    /// ECI (TEME) position (m) and velocity (m/s) at `t_s` since the scenario epoch.
    pub fn state_eci(&self, t_s: f64) -> Result<(Vector3<f64>, Vector3<f64>), String> {
        let (p, v) = self.propagate_minutes(self.offset_min + t_s / 60.0)?;
        Ok((Vector3::new(p[0], p[1], p[2]) * 1e3, Vector3::new(v[0], v[1], v[2]) * 1e3))
    }

    /// Minutes from the element-set epoch to the scenario epoch (element-set age).
    pub fn age_min(&self) -> f64 {
        self.offset_min
    }
}
