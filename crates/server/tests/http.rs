//! HTTP behaviour: what is served, and what is refused with which status.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use std::io::{Read, Write};
use std::sync::Arc;
use tl_server::{AppState, Config, LiveFeed, discover_runs, router};
use tower::ServiceExt;

struct Fixture {
    _dir: tempfile::TempDir,
    web: std::path::PathBuf,
    runs: std::path::PathBuf,
}

/// A viewer folder (with a stand-in Cesium build) beside a secret file, and a folder
/// holding one synthetic run.
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let web = dir.path().join("web");
    std::fs::create_dir_all(web.join("src")).unwrap();
    std::fs::create_dir_all(web.join("node_modules/cesium/Build/Cesium/Assets")).unwrap();
    std::fs::write(web.join("index.html"), "<!doctype html><title>viewer</title>").unwrap();
    std::fs::write(web.join("src/app.js"), "export const x = 1;").unwrap();
    std::fs::write(web.join("src/.hidden.js"), "hidden").unwrap();
    std::fs::write(web.join("node_modules/cesium/Build/Cesium/Cesium.js"), "var Cesium={};").unwrap();
    std::fs::write(web.join("node_modules/cesium/Build/Cesium/Assets/a.json"), "{}").unwrap();
    std::fs::write(dir.path().join("secret.txt"), "TOP-SECRET").unwrap();
    std::fs::write(web.join("secret.txt"), "TOP-SECRET").unwrap();
    let runs = dir.path().join("runs");
    let epoch = tl_core::time::parse_epoch("2026-03-01T00:00:00Z").unwrap();
    let orbits = tl_viz::synthetic::walker(800e3, 60.0, 2, 2, 0);
    let run =
        tl_viz::synthetic::write_satellite_run(&runs.join("demo run"), "demo", epoch, &orbits, 600.0, 30.0)
            .unwrap();
    tl_viz::products::write_run_products(&run).unwrap();
    Fixture { _dir: dir, web, runs }
}

fn state(f: &Fixture, token: Option<&str>, addr: &str) -> Arc<AppState> {
    let mut cfg = Config::new(&f.web);
    cfg.addr = addr.parse().unwrap();
    cfg.token = token.map(str::to_string);
    let runs = discover_runs(std::slice::from_ref(&f.runs)).unwrap();
    AppState::new(cfg, runs, Some(LiveFeed::new("live-demo"))).unwrap()
}

async fn get(
    st: &Arc<AppState>,
    uri: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, axum::http::HeaderMap, String) {
    let mut b = Request::builder().uri(uri).header(header::HOST, "127.0.0.1:8765");
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    let resp = router(st.clone()).oneshot(b.body(Body::empty()).unwrap()).await.unwrap();
    let status = resp.status();
    let h = resp.headers().clone();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, h, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn serves_viewer_runs_czml_summary_report() {
    let f = fixture();
    let st = state(&f, None, "127.0.0.1:8765");
    let (s, h, body) = get(&st, "/", &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("viewer"));
    assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    let (s, h, _) = get(&st, "/src/app.js", &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h[header::CONTENT_TYPE], "text/javascript; charset=utf-8");
    assert_eq!(get(&st, "/cesium/Cesium.js", &[]).await.0, StatusCode::OK);
    assert_eq!(get(&st, "/cesium/Assets/a.json", &[]).await.0, StatusCode::OK);

    let (s, _, body) = get(&st, "/api/runs", &[]).await;
    assert_eq!(s, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["runs"][0]["id"], "demo_run", "space replaced in the id");
    assert_eq!(v["runs"][0]["name"], "demo");
    assert_eq!(v["runs"][0]["report"], true);
    assert_eq!(v["live"], true);

    let (s, h, body) = get(&st, "/api/runs/demo_run/czml", &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h[header::CONTENT_TYPE], "application/json");
    let doc: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(doc[0]["id"], "document");
    assert_eq!(get(&st, "/api/runs/demo_run/summary", &[]).await.0, StatusCode::OK);
    let (s, h, body) = get(&st, "/api/runs/demo_run/report", &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h[header::CONTENT_TYPE], "text/html; charset=utf-8");
    assert!(body.contains("tracklayer run report"));
    assert_eq!(get(&st, "/api/runs/demo_run/files/satellites.parquet", &[]).await.0, StatusCode::OK);
    let (s, _, body) = get(&st, "/api/live", &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("live-demo"));
}

#[tokio::test]
async fn czml_is_built_for_runs_without_it() {
    let f = fixture();
    let run = f.runs.join("demo run");
    std::fs::remove_file(run.join("scene.czml")).unwrap();
    let st = state(&f, None, "127.0.0.1:8765");
    let (s, _, body) = get(&st, "/api/runs/demo_run/czml", &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("\"sat/1\""));
}

#[tokio::test]
async fn unknown_runs_are_404() {
    let f = fixture();
    let st = state(&f, None, "127.0.0.1:8765");
    for uri in [
        "/api/runs/nope",
        "/api/runs/nope/czml",
        "/api/runs/nope/summary",
        "/api/runs/nope/report",
        "/api/runs/nope/files/summary.json",
        "/api/runs/..%2F..%2Fetc/czml",
        "/no/such/page",
        "/src/missing.js",
    ] {
        assert_eq!(get(&st, uri, &[]).await.0, StatusCode::NOT_FOUND, "{uri}");
    }
}

#[tokio::test]
async fn path_traversal_is_refused() {
    let f = fixture();
    let st = state(&f, None, "127.0.0.1:8765");
    for uri in [
        "/src/../secret.txt",
        "/src/../../secret.txt",
        "/src/%2e%2e/secret.txt",
        "/src/%2E%2E%2Fsecret.txt",
        "/src/..%2f..%2fsecret.txt",
        "/src/..%5c..%5csecret.txt",
        "/src/.hidden.js",
        "/src//etc/passwd",
        "/src/%00secret.txt",
        "/cesium/../../../secret.txt",
        "/cesium/%2e%2e/%2e%2e/%2e%2e/%2e%2e/secret.txt",
        "/api/runs/demo_run/files/..%2f..%2fsecret.txt",
        "/api/runs/demo_run/files/.summary.json",
        "/api/runs/demo_run/files/timing.exe",
    ] {
        let (s, _, body) = get(&st, uri, &[]).await;
        assert!(s == StatusCode::BAD_REQUEST || s == StatusCode::NOT_FOUND, "{uri}: {s}");
        assert!(!body.contains("TOP-SECRET"), "{uri} leaked");
    }
    // Double encoding stays a literal (non-existent) name.
    assert_eq!(get(&st, "/src/%252e%252e/secret.txt", &[]).await.0, StatusCode::NOT_FOUND);
    // A symlink out of the root is refused by the canonical-path check.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(f.web.parent().unwrap().join("secret.txt"), f.web.join("src/link.txt"))
            .unwrap();
        let (s, _, body) = get(&st, "/src/link.txt", &[]).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(!body.contains("TOP-SECRET"));
    }
}

/// Raw bytes over a real socket: no client-side path normalisation.
#[test]
fn raw_socket_traversal_and_oversized_requests() {
    let f = fixture();
    let st = state(&f, None, "127.0.0.1:0");
    let (tx, rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let th = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(tl_server::serve(st, move |a| tx.send(a).unwrap(), async move {
            let _ = stop_rx.await;
        }))
        .unwrap();
    });
    let addr = rx.recv().unwrap();
    let raw = |req: &str| -> String {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
        s.write_all(req.as_bytes()).unwrap();
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    };
    let host = format!("Host: {addr}\r\nConnection: close\r\n");
    let r = raw(&format!("GET /src/../../secret.txt HTTP/1.1\r\n{host}\r\n"));
    assert!(r.starts_with("HTTP/1.1 400"), "{r}");
    assert!(!r.contains("TOP-SECRET"));
    let r = raw(&format!("GET /cesium/..%2F..%2F..%2F..%2Fsecret.txt HTTP/1.1\r\n{host}\r\n"));
    assert!(r.starts_with("HTTP/1.1 400"), "{r}");
    // Oversized body (declared): 413 before anything is read.
    let r = raw(&format!("GET / HTTP/1.1\r\n{host}Content-Length: 10000000\r\n\r\n"));
    assert!(r.starts_with("HTTP/1.1 413"), "{r}");
    let r = raw(&format!("POST /api/runs HTTP/1.1\r\n{host}Content-Length: 70000\r\n\r\n"));
    assert!(r.starts_with("HTTP/1.1 413"), "{r}");
    // Chunked bodies: 411. Over-long URI: 414.
    let r = raw(&format!("GET / HTTP/1.1\r\n{host}Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
    assert!(r.starts_with("HTTP/1.1 411"), "{r}");
    let long = "a".repeat(5000);
    let r = raw(&format!("GET /src/{long} HTTP/1.1\r\n{host}\r\n"));
    assert!(r.starts_with("HTTP/1.1 414"), "{r}");
    // A foreign Host (DNS rebinding) is refused on a tokenless loopback server.
    let r = raw("GET /api/runs HTTP/1.1\r\nHost: evil.example:80\r\nConnection: close\r\n\r\n");
    assert!(r.starts_with("HTTP/1.1 403"), "{r}");
    // Sanity: the same server serves a normal request.
    let r = raw(&format!("GET /api/runs HTTP/1.1\r\n{host}\r\n"));
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    stop_tx.send(()).unwrap();
    th.join().unwrap();
}

#[tokio::test]
async fn token_is_required_off_loopback() {
    let f = fixture();
    // Binding a non-loopback address without a token is refused at configuration.
    let mut cfg = Config::new(&f.web);
    cfg.addr = "0.0.0.0:8765".parse().unwrap();
    let e = AppState::new(cfg.clone(), vec![], None).err().unwrap().to_string();
    assert!(e.contains("--bind = 0.0.0.0") && e.contains("--token"), "{e}");
    cfg.token = Some("short".into());
    let e = AppState::new(cfg, vec![], None).err().unwrap().to_string();
    assert!(e.contains("--token = 5 characters"), "{e}");

    let token = "s3cret-token-0123456789";
    let st = state(&f, Some(token), "0.0.0.0:8765");
    let (s, h, _) = get(&st, "/api/runs", &[]).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(h[header::WWW_AUTHENTICATE], "Bearer");
    assert_eq!(get(&st, "/", &[]).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(get(&st, "/cesium/Cesium.js", &[]).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        get(&st, "/api/runs", &[("authorization", "Bearer wrong-token-000000000")]).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(get(&st, "/api/runs?token=s3cret-token-012345678", &[]).await.0, StatusCode::FORBIDDEN);
    let auth = format!("Bearer {token}");
    assert_eq!(get(&st, "/api/runs", &[("authorization", &auth)]).await.0, StatusCode::OK);
    let cookie = format!("other=1; tl_token={token}");
    assert_eq!(get(&st, "/api/runs", &[("cookie", &cookie)]).await.0, StatusCode::OK);
    // The query form sets the cookie for the page's later requests.
    let (s, h, _) = get(&st, &format!("/?token={token}"), &[]).await;
    assert_eq!(s, StatusCode::OK);
    let c = h[header::SET_COOKIE].to_str().unwrap();
    assert!(
        c.starts_with(&format!("tl_token={token};"))
            && c.contains("HttpOnly")
            && c.contains("SameSite=Strict")
    );
    // With a token, any Host is fine (the token is the guard).
    let resp = router(st.clone())
        .oneshot(
            Request::builder()
                .uri("/api/runs")
                .header("host", "10.1.2.3:8765")
                .header("authorization", &auth)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn live_stream_replays_history_then_follows() {
    let f = fixture();
    let st = state(&f, None, "127.0.0.1:8765");
    // Reach into the feed through a fresh state that shares it.
    let feed = LiveFeed::new("x");
    let runs = discover_runs(std::slice::from_ref(&f.runs)).unwrap();
    let st2 = AppState::new(Config::new(&f.web), runs, Some(feed.clone())).unwrap();
    feed.push(r#"[{"id":"document","version":"1.0"}]"#.to_string());
    feed.push(r#"[{"id":"sat/0"}]"#.to_string());
    feed.finish("completed");
    let (s, h, body) = get(&st2, "/api/live/stream", &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h[header::CONTENT_TYPE], "text/event-stream");
    let _ = st;
    assert!(body.contains("event: czml\ndata: [{\"id\":\"document\",\"version\":\"1.0\"}]"), "{body}");
    assert!(body.contains("event: end\ndata: completed"));
    // A subscriber that joins mid-run gets the history, then new batches, and the stream
    // closes after the end message.
    let feed = LiveFeed::new("y");
    let st3 = AppState::new(Config::new(&f.web), vec![], Some(feed.clone())).unwrap();
    feed.push("[1]".to_string());
    let reader = tokio::spawn(async move { get(&st3, "/api/live/stream", &[]).await });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    feed.push("[2]".to_string());
    feed.finish("done");
    let (_, _, body) =
        tokio::time::timeout(std::time::Duration::from_secs(10), reader).await.unwrap().unwrap();
    let order: Vec<&str> = body.lines().filter(|l| l.starts_with("data: ")).collect();
    assert_eq!(order, vec!["data: [1]", "data: [2]", "data: done"]);
}
