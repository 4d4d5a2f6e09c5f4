//! Satellites stage: every satellite's ECI and ECEF state at each step, into
//! [`World::satellites`] and the `satellites` table.
//!
//! Propagation runs in blocks of steps, in parallel over satellites (rayon), and is
//! reduced in satellite order: each state is a pure function of (satellite, t), so the
//! result does not depend on the thread count. A block holds at most
//! [`BLOCK_SAMPLES`] satellite states, so memory stays flat for any constellation size.

use crate::run::{Outputs, RunError, SatState, Stage, TableId, TableKind, World};
use crate::scenario::Prepared;
use crate::summary::Summary;
use rayon::prelude::*;
use tl_core::wgs84::Geodetic;
use tl_io::tables::SATELLITES;

/// Most satellite states computed per block (satellites x steps).
pub const BLOCK_SAMPLES: usize = 1 << 16;

/// See the module docs.
pub struct SatellitesStage<'a> {
    p: &'a Prepared,
    table: Option<TableId>,
    /// First step of the current block, and the block: `block[sat][j]` is step `k0 + j`.
    k0: u64,
    block: Vec<Vec<SatState>>,
    block_steps: u64,
}

impl<'a> SatellitesStage<'a> {
    /// The stage for a prepared scenario.
    pub fn new(p: &'a Prepared) -> Self {
        let n = p.satellites.len().max(1);
        let block_steps = (BLOCK_SAMPLES / n).max(1) as u64;
        Self { p, table: None, k0: 0, block: Vec::new(), block_steps }
    }

    fn compute_block(&mut self, k0: u64) -> Result<(), RunError> {
        let p = self.p;
        let k1 = (k0 + self.block_steps).min(p.steps);
        let results: Vec<Result<Vec<SatState>, (f64, String)>> = p
            .satellites
            .par_iter()
            .map(|e| {
                (k0..k1)
                    .map(|k| {
                        let t = p.t_s(k);
                        let (r, v) = e.sat.state_eci(t).map_err(|err| (t, err.to_string()))?;
                        let (rf, vf) = p.earth.at(t).state_to_ecef(&r, &v);
                        let g = Geodetic::from_ecef(&rf);
                        Ok(SatState {
                            pos_eci_m: r,
                            vel_eci_m_s: v,
                            pos_ecef_m: rf,
                            vel_ecef_m_s: vf,
                            lat_deg: g.lat_deg(),
                            lon_deg: g.lon_deg(),
                            alt_m: g.alt_m,
                        })
                    })
                    .collect()
            })
            .collect();
        self.block.clear();
        // Reduce in satellite order: the first failing satellite is reported.
        for r in results {
            match r {
                Ok(v) => self.block.push(v),
                Err((t_s, message)) => return Err(RunError::Stage { stage: "satellites", t_s, message }),
            }
        }
        self.k0 = k0;
        Ok(())
    }
}

impl Stage for SatellitesStage<'_> {
    fn name(&self) -> &'static str {
        "satellites"
    }

    fn open(&mut self, out: &mut Outputs) -> Result<(), RunError> {
        self.table = Some(out.open(&SATELLITES, TableKind::Sampled)?);
        Ok(())
    }

    fn step(&mut self, world: &mut World, out: &mut Outputs) -> Result<(), RunError> {
        let k = world.step;
        if self.block.is_empty() || k < self.k0 || k >= self.k0 + self.block_steps {
            self.compute_block(k)?;
        }
        let j = (k - self.k0) as usize;
        world.satellites.clear();
        world.satellites.extend(self.block.iter().map(|b| b[j]));
        let table = self.table.ok_or_else(|| RunError::Internal("satellites table not open".into()))?;
        if !out.wants(table) {
            return Ok(());
        }
        let constellations = &self.p.scenario.constellations;
        for (id, (e, s)) in self.p.satellites.iter().zip(&world.satellites).enumerate() {
            let (r, v, rf, vf) = (s.pos_eci_m, s.vel_eci_m_s, s.pos_ecef_m, s.vel_ecef_m_s);
            out.write(
                table,
                &[
                    world.t_s.into(),
                    (id as u32).into(),
                    e.sat.name.as_str().into(),
                    constellations[e.constellation].name.as_str().into(),
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
                    s.lat_deg.into(),
                    s.lon_deg.into(),
                    s.alt_m.into(),
                ],
            )?;
        }
        Ok(())
    }

    fn finish(&mut self, _world: &World, _out: &mut Outputs, summary: &mut Summary) -> Result<(), RunError> {
        let alts: Vec<f64> = self.block.iter().filter_map(|b| b.last()).map(|s| s.alt_m).collect();
        if !alts.is_empty() {
            let st = summary.stage_mut("satellites");
            let min = alts.iter().copied().fold(f64::INFINITY, f64::min);
            let max = alts.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            st.insert("final_min_alt_km".into(), serde_json::json!(min / 1e3));
            st.insert("final_max_alt_km".into(), serde_json::json!(max / 1e3));
        }
        Ok(())
    }
}
