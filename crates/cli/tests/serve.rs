//! `tracklayer serve`: the real binary on a free loopback port, a run folder and live
//! playback read over HTTP.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A viewer folder with a stand-in Cesium build (the server only needs the files to exist).
fn web_dir(dir: &std::path::Path) -> std::path::PathBuf {
    let web = dir.join("web");
    std::fs::create_dir_all(web.join("src")).unwrap();
    std::fs::create_dir_all(web.join("node_modules/cesium/Build/Cesium")).unwrap();
    std::fs::write(web.join("index.html"), "<!doctype html>").unwrap();
    std::fs::write(web.join("package-lock.json"), "{}").unwrap();
    std::fs::write(web.join("node_modules/cesium/Build/Cesium/Cesium.js"), "").unwrap();
    web
}

struct Server(Child, String);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(args: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tracklayer"))
        .arg("serve")
        .args(args)
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    reader.read_line(&mut line).unwrap();
    // Keep draining stdout so the server never writes to a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    let addr = line
        .trim()
        .strip_prefix("tracklayer viewer: http://")
        .and_then(|s| s.strip_suffix('/'))
        .unwrap_or_else(|| panic!("{line}"))
        .to_string();
    Server(child, addr)
}

fn get(addr: &str, path: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    // Read to the end, but within an overall deadline: an SSE stream's keep-alive
    // comments would defeat the read timeout and turn a stream that never ends into a
    // test that never ends.
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = s.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
        assert!(
            std::time::Instant::now() < deadline,
            "GET {path}: no end after 120 s; got {} bytes, ending {:?}",
            out.len(),
            String::from_utf8_lossy(&out[out.len().saturating_sub(300)..])
        );
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn serves_a_run_folder() {
    let dir = tempfile::tempdir().unwrap();
    let web = web_dir(dir.path());
    let run = dir.path().join("run");
    let st = Command::new(env!("CARGO_BIN_EXE_tracklayer"))
        .args(["run", "tranche0-quick", "--out"])
        .arg(&run)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
    // `run` wrote the viewer products into the folder.
    assert!(run.join("scene.czml").is_file() && run.join("report.html").is_file());
    // Cross-check with the sensor stage: its first detection of the launch (from its own
    // bookkeeping, in summary.json) is where the report's timeline (computed from the
    // truth and detections tables) and the CZML line of sight begin.
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.join("summary.json")).unwrap()).unwrap();
    if let Some(l) = summary["stages"]["detections"]["launches"].as_array().and_then(|l| l.first()) {
        let launch = l["launch"].as_str().unwrap();
        let after = l["time_from_launch_to_first_detection_s"].as_f64().unwrap();
        let (sat, t_obs) =
            (l["first_detection_sat_id"].as_u64().unwrap(), l["first_detection_t_obs_s"].as_f64().unwrap());
        let report = std::fs::read_to_string(run.join("report.html")).unwrap();
        // The timeline table row: launch, lift-off, boost end, first detection.
        let row = report
            .split("<tr>")
            .find(|r| r.starts_with(&format!("<td>{launch}</td><td class=\"n\">")))
            .expect("timeline row");
        assert!(row.contains(&format!("<td class=\"n\">{after:.1}</td></tr>")), "{row} vs {after}");
        let czml: Vec<serde_json::Value> =
            serde_json::from_slice(&std::fs::read(run.join("scene.czml")).unwrap()).unwrap();
        let epoch = tl_core::time::parse_epoch(summary["epoch_utc"].as_str().unwrap()).unwrap();
        let starts: Vec<f64> = czml
            .iter()
            .filter(|p| p["id"].as_str().unwrap().starts_with(&format!("los/{sat}/")))
            .flat_map(|p| p["availability"].as_array().unwrap().iter())
            .map(|iv| {
                let a = iv.as_str().unwrap().split('/').next().unwrap();
                tl_core::time::seconds_between(epoch, tl_core::time::parse_epoch(a).unwrap())
            })
            .collect();
        // The earliest line of sight from that satellite opens within one cadence before
        // the first detection (the window is widened by half a cadence).
        let first = starts.iter().copied().fold(f64::INFINITY, f64::min);
        assert!(first <= t_obs + 1e-3 && first >= t_obs - 10.0, "LOS opens at {first}, detection at {t_obs}");
    }
    let srv = serve(&[run.to_str().unwrap(), "--web-dir", web.to_str().unwrap()]);
    let r = get(&srv.1, "/api/runs");
    assert!(
        r.starts_with("HTTP/1.1 200") && r.contains("\"id\":\"run\"") && r.contains("tranche0-quick"),
        "{r}"
    );
    let r = get(&srv.1, "/api/runs/run/czml");
    assert!(r.starts_with("HTTP/1.1 200") && r.contains("\"sat/0\"") && r.contains("\"obj/0\""), "{r:.300}");
    assert!(get(&srv.1, "/api/runs/other/czml").starts_with("HTTP/1.1 404"));
}

#[test]
fn live_playback_streams_the_simulation() {
    let dir = tempfile::tempdir().unwrap();
    let web = web_dir(dir.path());
    let srv = serve(&["--live", "tranche0-quick", "--speed", "5000", "--web-dir", web.to_str().unwrap()]);
    let body = get(&srv.1, "/api/live/stream");
    assert!(body.starts_with("HTTP/1.1 200"), "{body:.300}");
    let mut events = Vec::new();
    let mut kind = "";
    for line in body.lines() {
        if let Some(k) = line.strip_prefix("event: ") {
            kind = k;
        } else if let Some(d) = line.strip_prefix("data: ") {
            events.push((kind.to_string(), d.to_string()));
        }
    }
    let (last_kind, last) = events.last().unwrap();
    assert_eq!(last_kind, "end");
    assert!(last.starts_with("completed: 181 steps"), "{last}");
    let msgs: Vec<serde_json::Value> =
        events.iter().filter(|(k, _)| k == "czml").map(|(_, d)| serde_json::from_str(d).unwrap()).collect();
    assert_eq!(msgs[0]["packets"][0]["id"], "document");
    let ts: Vec<f64> = msgs.iter().map(|m| m["t_s"].as_f64().unwrap()).collect();
    assert!(ts.windows(2).all(|w| w[1] >= w[0]), "time runs forward");
    assert_eq!(*ts.last().unwrap(), 900.0);
    let ids: std::collections::BTreeSet<String> = msgs
        .iter()
        .flat_map(|m| m["packets"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_string()))
        .collect();
    for id in ["sat/0", "sat/8", "fp/0", "obj/0", "obj/0/seg/0", "obj/0/seg/1"] {
        assert!(ids.contains(id), "{id} streamed");
    }
    // The run has detections and tracks: lines of sight and tracks are streamed too.
    assert!(ids.iter().any(|i| i.starts_with("los/")), "lines of sight streamed");
    assert!(ids.iter().any(|i| i.starts_with("track/")), "tracks streamed");
    let r = get(&srv.1, "/api/live");
    assert!(r.contains("\"done\":true") && r.contains("\"lag_s\""), "{r}");
}
