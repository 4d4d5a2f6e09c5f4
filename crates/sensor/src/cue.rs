//! Cueing: pointing cued (narrow-field) payloads at confirmed tracks.
//!
//! Each run step the simulation hands the tracker's confirmed tracks (never truth) to
//! [`crate::system::SensorSystem::cue_from_tracks`], which calls [`assign`] and re-tasks
//! every payload with `cue_from_tracks = true`. The policy, kept simple and
//! deterministic:
//!
//! * a sensor can take a track when the track's position, extrapolated in a straight line
//!   to the step time, is not hidden by the Earth (line of sight above the payload's
//!   grazing height) and lies within the payload's off-nadir limit;
//! * tracks are served in order of need (largest position uncertainty first, then track
//!   id) in rounds: in each round every track gets at most one more sensor, up to
//!   `per_target` sensors (2 gives stereo); a sensor already on the track keeps it
//!   (no slew, no settle), otherwise the nearest free sensor is taken;
//! * a sensor that stays on its track has its aim updated in place (it follows the
//!   track); one that changes track gets a new command at the step time and pays its slew
//!   and settle time before it observes again.

use crate::geometry::{EarthShape, Sightline, sightline};
use tl_core::Vec3;

/// A confirmed track offered for cueing (the tracker's estimate, never truth).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CueTarget {
    /// Track id.
    pub id: u64,
    /// Time of the state, s since the epoch.
    pub t_s: f64,
    /// Estimated position, ECI, m.
    pub pos_eci_m: Vec3,
    /// Estimated velocity, ECI, m/s.
    pub vel_eci_m_s: Vec3,
    /// Need: larger is served first (the run uses the largest position standard
    /// deviation, m).
    pub need: f64,
}

impl CueTarget {
    /// Straight-line position at `t_s`, ECI, m.
    pub fn pos_at(&self, t_s: f64) -> Vec3 {
        self.pos_eci_m + self.vel_eci_m_s * (t_s - self.t_s)
    }
}

/// One cue-able sensor as [`assign`] sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CueSlot {
    /// Satellite position at the step time, ECI, m.
    pub sat_pos_eci_m: Vec3,
    /// Largest off-nadir angle of the boresight, rad.
    pub max_off_nadir_rad: f64,
    /// Grazing height of the payload's band (the line of sight must pass above it), m.
    pub grazing_m: f64,
    /// The track the sensor is on now, if any.
    pub current: Option<u64>,
}

/// The track (index into `targets`) each slot should point at, at `t_s`; `None` leaves
/// the slot as it is. See the module docs for the policy.
///
/// ```
/// use tl_core::Vec3;
/// use tl_sensor::cue::{CueSlot, CueTarget, assign};
/// use tl_sensor::geometry::EarthShape;
/// let e = EarthShape::sphere(6.371e6);
/// let slot = |x: f64| CueSlot {
///     sat_pos_eci_m: Vec3::new(x, 0.0, 0.0),
///     max_off_nadir_rad: 1.5,
///     grazing_m: 30e3,
///     current: None,
/// };
/// // A booster at 100 km over the sub-satellite point of the first satellite; the
/// // second satellite is over the far side of the Earth.
/// let t = CueTarget { id: 7, t_s: 0.0, pos_eci_m: Vec3::new(6.471e6, 0.0, 0.0),
///     vel_eci_m_s: Vec3::zeros(), need: 500.0 };
/// assert_eq!(assign(0.0, &e, &[slot(7.371e6), slot(-7.371e6)], &[t], 2), vec![Some(0), None]);
/// ```
pub fn assign(
    t_s: f64,
    earth: &EarthShape,
    slots: &[CueSlot],
    targets: &[CueTarget],
    per_target: usize,
) -> Vec<Option<usize>> {
    let mut out = vec![None; slots.len()];
    if targets.is_empty() || slots.is_empty() || per_target == 0 {
        return out;
    }
    let pos: Vec<Vec3> = targets.iter().map(|t| t.pos_at(t_s)).collect();
    let can = |s: &CueSlot, k: usize| -> bool {
        let to = pos[k] - s.sat_pos_eci_m;
        let nadir = -s.sat_pos_eci_m;
        let off = tl_core::geom::angle_between(&to, &nadir);
        off <= s.max_off_nadir_rad
            && matches!(sightline(earth, &s.sat_pos_eci_m, &pos[k], s.grazing_m), Sightline::Clear { .. })
    };
    // Sensors on a track still offered: not taken for another track.
    let on_live: Vec<bool> =
        slots.iter().map(|s| s.current.is_some_and(|c| targets.iter().any(|t| t.id == c))).collect();
    let mut order: Vec<usize> = (0..targets.len()).collect();
    order.sort_by(|&a, &b| {
        targets[b].need.total_cmp(&targets[a].need).then(targets[a].id.cmp(&targets[b].id))
    });
    for _round in 0..per_target {
        let mut any = false;
        for &k in &order {
            let free = |i: &usize| out[*i].is_none() && can(&slots[*i], k);
            // A sensor already on this track keeps it; else the nearest free one.
            let keep = (0..slots.len()).filter(free).find(|&i| slots[i].current == Some(targets[k].id));
            let pick = keep.or_else(|| {
                (0..slots.len()).filter(free).filter(|&i| !on_live[i]).min_by(|&a, &b| {
                    let da = (pos[k] - slots[a].sat_pos_eci_m).norm();
                    let db = (pos[k] - slots[b].sat_pos_eci_m).norm();
                    da.total_cmp(&db).then(a.cmp(&b))
                })
            });
            if let Some(i) = pick {
                out[i] = Some(k);
                any = true;
            }
        }
        if !any {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(p: Vec3, current: Option<u64>) -> CueSlot {
        CueSlot { sat_pos_eci_m: p, max_off_nadir_rad: 1.2, grazing_m: 30e3, current }
    }

    fn target(id: u64, p: Vec3, need: f64) -> CueTarget {
        CueTarget { id, t_s: 0.0, pos_eci_m: p, vel_eci_m_s: Vec3::zeros(), need }
    }

    #[test]
    fn need_order_rounds_continuity_and_visibility() {
        let e = EarthShape::sphere(6.371e6);
        let r = 7.371e6;
        // Three satellites over 0, 10 and 20 deg longitude on the equator; one over the
        // far side.
        let at = |lon_deg: f64, radius: f64| {
            let l = lon_deg.to_radians();
            Vec3::new(radius * l.cos(), radius * l.sin(), 0.0)
        };
        let slots = [
            slot(at(0.0, r), None),
            slot(at(10.0, r), None),
            slot(at(20.0, r), None),
            slot(at(180.0, r), None),
        ];
        // Target A (needier) at 12 deg, B at 1 deg, both at 200 km.
        let a = target(1, at(12.0, 6.571e6), 900.0);
        let b = target(2, at(1.0, 6.571e6), 100.0);
        let got = assign(0.0, &e, &slots, &[a, b], 2);
        // Round 1: A takes the nearest (10 deg), B the nearest free (0 deg); round 2: A
        // takes 20 deg; B has none left; the far-side sensor sees neither.
        assert_eq!(got, vec![Some(1), Some(0), Some(0), None]);
        // With one sensor per target only the first round.
        assert_eq!(assign(0.0, &e, &slots, &[a, b], 1), vec![Some(1), Some(0), None, None]);
        // Continuity: the sensor at 20 deg already on A keeps it in round 1 (and the
        // nearest free one joins in round 2).
        let mut s2 = slots;
        s2[2].current = Some(1);
        assert_eq!(assign(0.0, &e, &s2, &[a, b], 2), vec![Some(1), Some(0), Some(0), None]);
        // A sensor busy with another live track is not stolen for a new one.
        let mut s3 = slots;
        s3[0].current = Some(2);
        s3[1].current = Some(2);
        assert_eq!(assign(0.0, &e, &s3, &[a, b], 1), vec![Some(1), None, Some(0), None]);
        // Straight-line extrapolation: at t = 100 s a target moving 1 km/s in -y from
        // over the far side is still hidden from the others.
        let c = CueTarget {
            id: 3,
            t_s: 0.0,
            pos_eci_m: at(180.0, 6.571e6),
            vel_eci_m_s: Vec3::new(0.0, -1000.0, 0.0),
            need: 1.0,
        };
        assert_eq!(assign(100.0, &e, &slots, &[c], 2), vec![None, None, None, Some(0)]);
        // Off-nadir limit 0.3 rad: A is 0.28 rad off nadir from the sensor at 10 deg and
        // 0.81 and 0.96 rad from the others.
        let mut narrow = slots;
        for s in &mut narrow {
            s.max_off_nadir_rad = 0.3;
        }
        assert_eq!(assign(0.0, &e, &narrow, &[a], 1), vec![None, Some(0), None, None]);
    }
}
