//! Threat stage: every threat object's state at each step, into [`World::objects`] and
//! the `truth` table. The flights were solved when the scenario was prepared
//! ([`Prepared::flights`]); this stage samples them (quintic Hermite between the
//! integrator's nodes) and applies engagement kills ([`World::kills`]).
//!
//! Sampling runs in parallel over launches (rayon) and is reduced in launch order, so
//! the result does not depend on the thread count.

use crate::run::{Outputs, RunError, Stage, TableId, TableKind, ThreatObject, World};
use crate::scenario::Prepared;
use crate::summary::Summary;
use rayon::prelude::*;
use tl_core::object::ObjectKind;
use tl_io::tables::TRUTH;
use tl_threat::{EndReason, Flight};

/// See the module docs.
pub struct ThreatStage<'a> {
    p: &'a Prepared,
    flights: Vec<Flight>,
    /// `object_id` of each flight's first object.
    offsets: Vec<u32>,
    table: Option<TableId>,
    kills_applied: u64,
}

impl<'a> ThreatStage<'a> {
    /// The stage for a prepared scenario.
    pub fn new(p: &'a Prepared) -> Self {
        let mut offsets = Vec::with_capacity(p.flights.len());
        let mut n = 0u32;
        for f in &p.flights {
            offsets.push(n);
            n += f.objects.len() as u32;
        }
        Self { p, flights: p.flights.clone(), offsets, table: None, kills_applied: 0 }
    }

    /// (flight, object index) of an `object_id`.
    fn locate(&self, object_id: u32) -> Option<(usize, usize)> {
        let li = self.offsets.partition_point(|&o| o <= object_id).checked_sub(1)?;
        let j = (object_id - self.offsets[li]) as usize;
        (j < self.flights[li].objects.len()).then_some((li, j))
    }
}

impl Stage for ThreatStage<'_> {
    fn name(&self) -> &'static str {
        "threat"
    }

    fn open(&mut self, out: &mut Outputs) -> Result<(), RunError> {
        self.table = Some(out.open(&TRUTH, TableKind::Sampled)?);
        Ok(())
    }

    fn step(&mut self, world: &mut World, out: &mut Outputs) -> Result<(), RunError> {
        for (id, t_kill) in std::mem::take(&mut world.kills) {
            if let Some((li, j)) = self.locate(id) {
                self.kills_applied += 1;
                self.flights[li].kill(j, t_kill);
            }
        }
        let t = world.t_s;
        let offsets = &self.offsets;
        let per_launch: Vec<Vec<ThreatObject>> = self
            .flights
            .par_iter()
            .enumerate()
            .map(|(li, f)| {
                f.objects
                    .iter()
                    .enumerate()
                    .filter_map(|(j, o)| {
                        let state = o.state(t)?;
                        Some(ThreatObject {
                            object_id: offsets[li] + j as u32,
                            launch: li as u32,
                            index: j as u32,
                            kind: o.kind,
                            state,
                            body: o.body,
                        })
                    })
                    .collect()
            })
            .collect();
        world.objects.clear();
        for v in per_launch {
            world.objects.extend(v);
        }
        let table = self.table.ok_or_else(|| RunError::Internal("truth table not open".into()))?;
        if !out.wants(table) {
            return Ok(());
        }
        let launches = &self.p.scenario.launches;
        for o in &world.objects {
            let s = &o.state;
            let (r, v, rf, vf) = (s.pos_eci_m, s.vel_eci_m_s, s.pos_ecef_m, s.vel_ecef_m_s);
            let phase = s.phase.name();
            out.write(
                table,
                &[
                    t.into(),
                    o.object_id.into(),
                    launches[o.launch as usize].id.as_str().into(),
                    o.kind.as_str().into(),
                    phase.as_str().into(),
                    r.x.into(),
                    r.y.into(),
                    r.z.into(),
                    v.x.into(),
                    v.y.into(),
                    v.z.into(),
                    rf.x.into(),
                    rf.y.into(),
                    rf.z.into(),
                    vf.x.into(),
                    vf.y.into(),
                    vf.z.into(),
                    s.lat_rad.to_degrees().into(),
                    s.lon_rad.to_degrees().into(),
                    s.alt_m.into(),
                    s.mass_kg.into(),
                    s.thrust_n.into(),
                ],
            )?;
        }
        Ok(())
    }

    fn finish(&mut self, _world: &World, _out: &mut Outputs, summary: &mut Summary) -> Result<(), RunError> {
        if self.flights.is_empty() {
            return Ok(());
        }
        let count =
            |k: ObjectKind| self.flights.iter().flat_map(|f| &f.objects).filter(|o| o.kind == k).count();
        let rv_impacts = self
            .flights
            .iter()
            .flat_map(|f| &f.objects)
            .filter(|o| o.kind == ObjectKind::ReentryVehicle && o.end == EndReason::Impact)
            .count();
        let worst_miss = self.flights.iter().map(|f| f.summary.miss_distance_m).fold(0.0, f64::max);
        let st = summary.stage_mut("threat");
        st.insert("launches".into(), serde_json::json!(self.flights.len()));
        st.insert(
            "objects".into(),
            serde_json::json!(self.flights.iter().map(|f| f.objects.len()).sum::<usize>()),
        );
        st.insert("reentry_vehicles".into(), serde_json::json!(count(ObjectKind::ReentryVehicle)));
        st.insert("decoys".into(), serde_json::json!(count(ObjectKind::Decoy)));
        st.insert("reentry_vehicles_impacting".into(), serde_json::json!(rv_impacts));
        st.insert("kills_applied".into(), serde_json::json!(self.kills_applied));
        st.insert("worst_targeting_miss_m".into(), serde_json::json!(worst_miss));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtin;
    use crate::scenario::load;
    use tl_io::WriteOptions;

    /// An engagement kill through `World::kills` ends the booster and every object it
    /// had not yet separated or released.
    #[test]
    fn kills_end_the_booster_and_its_unreleased_children() {
        let p = load(&builtin::get("tranche0-quick").unwrap().source()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut out = Outputs::new(dir.path(), &p.scenario.output, WriteOptions::default());
        let mut stage = ThreatStage::new(&p);
        stage.open(&mut out).unwrap();
        let t_launch = p.scenario.launches[0].time_s;
        let mut world = World { t_s: t_launch + 20.0, ..World::default() };
        stage.step(&mut world, &mut out).unwrap();
        assert_eq!(world.objects.len(), 1, "only the booster flies 20 s after lift-off");
        let b = world.objects[0];
        assert_eq!(b.kind, ObjectKind::Booster);
        assert!(b.state.thrust_n > 0.0 && b.state.plume_swir_w_sr > 0.0);
        assert_eq!(b.state.phase, tl_core::object::Phase::Boost(1));
        world.kills.push((b.object_id, t_launch + 30.0));
        world.t_s = t_launch + 600.0;
        stage.step(&mut world, &mut out).unwrap();
        // Killed at 30 s, while stage 1 still burned: nothing of launch 0 is left.
        assert!(world.objects.iter().all(|o| o.launch != 0), "{:?}", world.objects);
        assert!(world.kills.is_empty());
        // Without the kill, objects of launch 0 fly at 600 s.
        let dir2 = tempfile::tempdir().unwrap();
        let mut out2 = Outputs::new(dir2.path(), &p.scenario.output, WriteOptions::default());
        let mut fresh = ThreatStage::new(&p);
        fresh.open(&mut out2).unwrap();
        let mut w2 = World { t_s: t_launch + 600.0, ..World::default() };
        fresh.step(&mut w2, &mut out2).unwrap();
        assert!(w2.objects.iter().any(|o| o.launch == 0));
    }
}
