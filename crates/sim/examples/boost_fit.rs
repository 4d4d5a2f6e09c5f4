//! How well does the tracker's boost model fit the threat model's boosters? For every
//! launch of a scenario, samples the booster's truth (tl-threat) every 0.5 s while it is
//! above `--min-alt-km` (default 12: the SWIR floor, below which the layer cannot see
//! it) and prints:
//!
//! * the non-gravitational acceleration `a_ng = a - g_J2` split along the air-relative
//!   velocity (what the boost model calls thrust) and across it (steering the model
//!   does not have);
//! * the residual of the thrust trend `r = da/dt - a^2 / v_e` (the part the thrust
//!   random walk must absorb) and the implied random-walk PSD `mean r^2 x dt_corr`;
//! * the jump of the along-velocity acceleration at each staging.
//!
//! ```text
//! cargo run -p tl-sim --example boost_fit -- [SCENARIO] [--ve 2600] [--min-alt-km 12]
//! ```

use tl_core::consts::OMEGA_EARTH_RAD_S;
use tl_core::gravity::accel_j2;
use tl_sim::{builtin, scenario};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut scen = builtin::DEFAULT.to_string();
    let mut ve = 2_600.0;
    let mut min_alt = 12_000.0;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--ve" => {
                ve = args[i + 1].parse().expect("ve");
                i += 1
            }
            "--min-alt-km" => {
                min_alt = args[i + 1].parse::<f64>().expect("alt") * 1e3;
                i += 1
            }
            s => scen = s.to_string(),
        }
        i += 1;
    }
    let source = match builtin::get(&scen) {
        Some(b) => b.source(),
        None => scenario::Source::from_file(std::path::Path::new(&scen)).expect("scenario file"),
    };
    let p = scenario::load(&source).unwrap_or_else(|e| panic!("{e}"));
    for f in &p.flights {
        let b = &f.objects[0];
        println!(
            "\n=== {} ({}) booster {:.0}-{:.0} s",
            f.launch.missile, f.summary.launch_time_s, b.t_start_s, b.t_end_s
        );
        let acc = |t: f64| -> Option<(tl_core::Vec3, tl_core::Vec3, tl_core::Vec3)> {
            let h = 0.05;
            let (r, v) = b.state_eci(t)?;
            let (_, vp) = b.state_eci(t + h)?;
            let (_, vm) = b.state_eci(t - h)?;
            Some((r, v, (vp - vm) / (2.0 * h)))
        };
        let dt = 0.5;
        let mut t = b.t_start_s + 1.0;
        let mut prev: Option<(f64, f64, Option<u8>)> = None;
        let mut res2 = 0.0;
        let mut nres = 0u64;
        let mut perp_max: f64 = 0.0;
        let mut perp2 = 0.0;
        let mut nperp = 0u64;
        println!(
            "{:>7} {:>4} {:>7} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9}",
            "t", "stg", "alt_km", "a_along", "F/m", "drag", "a_perp", "trend", "resid"
        );
        while t < b.t_end_s - 0.5 {
            let Some(s) = b.state(t) else { break };
            let Some((r, v, a)) = acc(t) else { break };
            let g = accel_j2(&r);
            let ang = a - g;
            let va = tl_core::Vec3::new(v.x + OMEGA_EARTH_RAD_S * r.y, v.y - OMEGA_EARTH_RAD_S * r.x, v.z);
            let u = va / va.norm();
            let along = ang.dot(&u);
            let perp = (ang - u * along).norm();
            let fm = if s.mass_kg > 0.0 { s.thrust_n / s.mass_kg } else { 0.0 };
            let mut resid = f64::NAN;
            if let Some((tp, ap, sp)) = prev
                && sp == s.stage
                && s.alt_m >= min_alt
                && s.throttle > 0.0
            {
                let dadt = (along - ap) / (t - tp);
                resid = dadt - along * along / ve;
                // A sample straddling a staging event is the jump, counted below.
                if resid.abs() < 5.0 {
                    res2 += resid * resid;
                    nres += 1;
                }
            }
            if let Some((_, ap, sp)) = prev
                && sp != s.stage
            {
                println!("    staging at {t:.1}: along-velocity acceleration {ap:.2} -> {along:.2} m/s^2");
            }
            if s.alt_m >= min_alt && s.throttle > 0.0 {
                perp_max = perp_max.max(perp);
                perp2 += perp * perp;
                nperp += 1;
            }
            if ((t - b.t_start_s) / 10.0).fract() < 0.05 || (t - b.t_start_s) < 2.0 {
                println!(
                    "{t:7.1} {:>4} {:7.1} {along:8.2} {fm:8.2} {:8.2} {perp:8.3} {:8.3} {resid:9.4}",
                    s.stage.map_or("-".into(), |k| k.to_string()),
                    s.alt_m / 1e3,
                    along - fm,
                    along * along / ve,
                );
            }
            prev = Some((t, along, s.stage));
            t += dt;
        }
        let n = nres.max(1) as f64;
        println!(
            "above {:.0} km while thrusting: trend residual rms {:.4} m/s^3 (n {}), a_perp rms {:.3} max {:.3} m/s^2",
            min_alt / 1e3,
            (res2 / n).sqrt(),
            nres,
            (perp2 / nperp.max(1) as f64).sqrt(),
            perp_max
        );
    }
}
