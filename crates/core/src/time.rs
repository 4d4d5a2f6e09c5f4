//! Time: epochs on [hifitime] (UTC, TAI, TT with leap seconds) and the simulation clock.
//!
//! Inside a run, time is `t_s`: seconds (f64) since the scenario epoch, an exact UTC
//! instant. Library code never reads the wall clock: every epoch comes from the caller.
//!
//! UT1 (needed for Earth rotation) is taken as UTC + `dut1_s`, a scenario parameter
//! (default 0 s; |UT1 - UTC| < 0.9 s by IERS convention). A 0.9 s error in UT1 rotates the
//! Earth by 13.5 arc-seconds: 420 m on the equator. Give the IERS Bulletin A value when
//! absolute ground positions matter.

pub use hifitime::{Duration, Epoch, TimeScale};

use crate::consts::SECONDS_PER_DAY;

/// Parse an epoch from ISO 8601 / RFC 3339 text, e.g. `2026-03-01T12:00:00 UTC` or
/// `2026-03-01T12:00:00Z`. A missing time scale means UTC.
///
/// ```
/// let e = tl_core::time::parse_epoch("2026-03-01T12:00:00Z").unwrap();
/// assert_eq!(e.to_gregorian_utc().0, 2026);
/// ```
pub fn parse_epoch(text: &str) -> Result<Epoch, String> {
    let t = text.trim();
    let t = t.strip_suffix('Z').map(|s| format!("{s} UTC")).unwrap_or_else(|| t.to_string());
    t.parse::<Epoch>().map_err(|e| format!("not an ISO 8601 epoch ({e})"))
}

/// Format an epoch as ISO 8601 UTC with millisecond precision, e.g.
/// `2026-03-01T12:00:00.000Z`.
pub fn format_epoch_utc(epoch: Epoch) -> String {
    let (y, mo, d, h, mi, s, ns) = epoch.to_gregorian_utc();
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:03}Z", ns / 1_000_000)
}

/// The J2000 reference instant, 2000-01-01 12:00:00 UTC, as used for UT1 day counts.
fn j2000_utc_seconds() -> f64 {
    Epoch::from_gregorian_utc_at_noon(2000, 1, 1).to_utc_seconds()
}

/// Days of UT1 since J2000.0 (JD 2451545.0) at `epoch` (UTC) with UT1 - UTC = `dut1_s`.
///
/// Precision: the difference is formed in UTC seconds (f64, ~0.5 us at 2026).
pub fn ut1_days_since_j2000(epoch: Epoch, dut1_s: f64) -> f64 {
    (epoch.to_utc_seconds() - j2000_utc_seconds() + dut1_s) / SECONDS_PER_DAY
}

/// Seconds from `from` to `to` (positive when `to` is later), in SI seconds (TAI).
pub fn seconds_between(from: Epoch, to: Epoch) -> f64 {
    // Difference in TAI, so leap seconds inside the interval count.
    (to.to_time_scale(TimeScale::TAI) - from.to_time_scale(TimeScale::TAI)).to_seconds()
}

/// `epoch + t_s` seconds.
pub fn add_seconds(epoch: Epoch, t_s: f64) -> Epoch {
    let scale = epoch.time_scale;
    (epoch.to_time_scale(TimeScale::TAI) + Duration::from_seconds(t_s)).to_time_scale(scale)
}

/// An integer with the order of [`f64::total_cmp`] (the same transformation of the
/// bits), for sorting by a time (or any `f64`) with a key computed once per entry:
/// `v.sort_by_cached_key(|d| total_order_key(d.t_s))` moves each entry once, where a
/// comparison sort of large entries moves them about `log n` times.
///
/// ```
/// use tl_core::time::total_order_key;
/// assert!(total_order_key(-0.0) < total_order_key(0.0));
/// assert!(total_order_key(1.0) < total_order_key(1.0 + f64::EPSILON));
/// ```
#[inline]
pub fn total_order_key(v: f64) -> i64 {
    let b = v.to_bits() as i64;
    b ^ (((b >> 63) as u64) >> 1) as i64
}

#[cfg(test)]
mod tests {
    #[test]
    fn total_order_key_orders_as_total_cmp() {
        let vals = [
            f64::NEG_INFINITY,
            -1e300,
            -3.5,
            -f64::MIN_POSITIVE,
            -0.0,
            0.0,
            5e-324,
            1.0,
            1.0 + f64::EPSILON,
            1e300,
            f64::INFINITY,
            f64::NAN,
            -f64::NAN,
        ];
        for a in vals {
            for b in vals {
                assert_eq!(
                    super::total_order_key(a).cmp(&super::total_order_key(b)),
                    a.total_cmp(&b),
                    "{a} {b}"
                );
            }
        }
    }

    use super::*;

    #[test]
    fn parse_and_format_round_trip() {
        let e = parse_epoch("2026-03-01T12:34:56.250Z").unwrap();
        assert_eq!(format_epoch_utc(e), "2026-03-01T12:34:56.250Z");
        let e2 = parse_epoch("2026-03-01T12:34:56.25 UTC").unwrap();
        assert_eq!(e, e2);
        assert!(parse_epoch("yesterday").is_err());
    }

    #[test]
    fn leap_seconds_are_counted() {
        // 2016-12-31T23:59:60 was a leap second: 2 UTC seconds of wall time across
        // midnight contain 3 SI seconds.
        let a = parse_epoch("2016-12-31T23:59:59Z").unwrap();
        let b = parse_epoch("2017-01-01T00:00:01Z").unwrap();
        assert!((seconds_between(a, b) - 3.0).abs() < 1e-9);
        // TAI - UTC = 37 s since 2017, 35 s in 2013.
        assert_eq!(b.leap_seconds(true), Some(37.0));
        assert_eq!(parse_epoch("2013-06-01T00:00:00Z").unwrap().leap_seconds(true), Some(35.0));
        assert!((seconds_between(a, add_seconds(a, 2.5)) - 2.5).abs() < 1e-9);
    }

    #[test]
    fn ut1_day_count_at_j2000_is_zero() {
        let e = Epoch::from_gregorian_utc_at_noon(2000, 1, 1);
        assert!(ut1_days_since_j2000(e, 0.0).abs() < 1e-12);
        assert!((ut1_days_since_j2000(e, 43_200.0) - 0.5).abs() < 1e-12);
    }
}
