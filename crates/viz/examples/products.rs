//! (Re)write `scene.czml` and `report.html` for existing run folders:
//! `cargo run -p tl-viz --example products -- RUN_DIR...`
fn main() {
    for dir in std::env::args().skip(1) {
        let path = std::path::Path::new(&dir);
        match tl_viz::run::load_scene(path) {
            Ok(s) => eprintln!(
                "{dir}: {} satellites, {} objects, {} sightings, {} tracks, {} engagements",
                s.satellites.len(),
                s.objects.len(),
                s.sightings.len(),
                s.tracks.len(),
                s.engagements.len()
            ),
            Err(e) => eprintln!("{dir}: {e}"),
        }
        match tl_viz::products::write_run_products(path) {
            Ok(p) => {
                println!("{dir}: scene.czml {} bytes, report.html {} bytes", p.czml_bytes, p.report_bytes)
            }
            Err(e) => {
                eprintln!("{dir}: {e}");
                std::process::exit(1);
            }
        }
    }
}
