//! # tl-server
//!
//! The HTTP server behind `tracklayer serve`: the offline globe viewer (`web/`, with
//! CesiumJS from `web/node_modules/cesium`), the list of runs, each run's CZML, summary,
//! report and plots, and live playback as server-sent events.
//!
//! Security model (see `docs/viewer.md`):
//!
//! * bound to 127.0.0.1 by default; binding any other address requires a token, and
//!   then every request must carry it (`Authorization: Bearer`, the `tl_token` cookie,
//!   or `?token=` once, which sets the cookie): 401 without it, 403 with a wrong one;
//! * without a token, requests must name a loopback host in `Host` (guards against DNS
//!   rebinding from web pages): 403 otherwise;
//! * GET and HEAD only; request bodies above [`Config::max_request_bytes`] get 413,
//!   chunked bodies 411, URIs above [`Config::max_uri_bytes`] 414;
//! * files are served only from three roots (the viewer's `src/`, the Cesium build, the
//!   runs' own folders with a fixed list of extensions), by relative paths whose
//!   segments may not be empty, `.`/`..`, hidden, or hold `\`, `:` or NUL, and whose
//!   canonical form must stay under the root: 400 otherwise; unknown run ids 404.

mod files;
mod live;
mod runs;
mod webdeps;

pub use live::LiveFeed;
pub use runs::{RunEntry, discover_runs};
pub use webdeps::{cesium_dir, ensure_web_deps};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path as UrlPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Server errors (configuration and start-up).
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// A setting that cannot be used.
    #[error(transparent)]
    Field(#[from] tl_core::check::FieldError),
    /// A file-system or socket failure.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The viewer's JavaScript dependencies could not be installed.
    #[error("{0}")]
    WebDeps(String),
}

/// Server settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// Address to bind (default 127.0.0.1:8765). Port 0 picks a free port.
    pub addr: SocketAddr,
    /// Access token; required when `addr` is not a loopback address. At least 16
    /// characters.
    pub token: Option<String>,
    /// The viewer folder (`web/`): `index.html`, `src/`, `node_modules/cesium`.
    pub web_dir: PathBuf,
    /// Largest accepted request body, bytes (default 64 KiB; the API takes none).
    pub max_request_bytes: u64,
    /// Longest accepted request URI, bytes (default 4096).
    pub max_uri_bytes: usize,
}

impl Config {
    /// Loopback on port 8765, no token, viewer in `web_dir`.
    pub fn new(web_dir: impl Into<PathBuf>) -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8765)),
            token: None,
            web_dir: web_dir.into(),
            max_request_bytes: 64 * 1024,
            max_uri_bytes: 4096,
        }
    }

    /// Check the settings: a non-loopback address needs a token of 16 or more
    /// characters from `[A-Za-z0-9._~-]`.
    pub fn check(&self) -> Result<(), ServerError> {
        use tl_core::check::FieldError;
        if let Some(t) = &self.token
            && (t.len() < 16 || !t.chars().all(|c| c.is_ascii_alphanumeric() || "._~-".contains(c)))
        {
            return Err(FieldError::new(
                "--token",
                format!("{} characters", t.len()),
                "at least 16 characters from A-Z a-z 0-9 . _ ~ -",
            )
            .into());
        }
        if !self.addr.ip().is_loopback() && self.token.is_none() {
            return Err(FieldError::new(
                "--bind",
                self.addr.ip().to_string(),
                "a loopback address (127.0.0.1, ::1) unless --token is given",
            )
            .into());
        }
        tl_core::check::in_range("max_request_bytes", self.max_request_bytes as f64, 0.0, 1e9)?;
        tl_core::check::in_range("max_uri_bytes", self.max_uri_bytes as f64, 64.0, 1e6)?;
        Ok(())
    }
}

/// What the handlers share.
pub struct AppState {
    cfg: Config,
    runs: Vec<RunEntry>,
    web_root: PathBuf,
    src_root: PathBuf,
    cesium_root: Option<PathBuf>,
    live: Option<LiveFeed>,
    czml_cache: Mutex<HashMap<String, Arc<String>>>,
}

impl AppState {
    /// State for `cfg`, serving `runs` and, for live playback, `live`.
    pub fn new(cfg: Config, runs: Vec<RunEntry>, live: Option<LiveFeed>) -> Result<Arc<Self>, ServerError> {
        cfg.check()?;
        let io = |what: String| move |source| ServerError::Io { what, source };
        let web_root =
            cfg.web_dir.canonicalize().map_err(io(format!("viewer folder {}", cfg.web_dir.display())))?;
        let src_root = web_root.join("src");
        let cesium_root = cesium_dir(&web_root).canonicalize().ok();
        Ok(Arc::new(Self {
            cfg,
            runs,
            web_root,
            src_root,
            cesium_root,
            live,
            czml_cache: Mutex::new(HashMap::new()),
        }))
    }

    fn run(&self, id: &str) -> Option<&RunEntry> {
        self.runs.iter().find(|r| r.id == id)
    }
}

/// The application's routes and middleware.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/index.html", get(index))
        .route("/src/{*path}", get(viewer_file))
        .route("/cesium/{*path}", get(cesium_file))
        .route("/api/runs", get(list_runs))
        .route("/api/runs/{id}", get(run_info))
        .route("/api/runs/{id}/czml", get(run_czml))
        .route("/api/runs/{id}/summary", get(run_summary))
        .route("/api/runs/{id}/report", get(run_report))
        .route("/api/runs/{id}/files/{name}", get(run_file))
        .route("/api/live", get(live_info))
        .route("/api/live/stream", get(live::stream))
        .fallback(|| async { (StatusCode::NOT_FOUND, "not found\n") })
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

/// Bind `cfg.addr` and serve until `shutdown` completes. `on_ready` gets the bound
/// address (useful with port 0).
pub async fn serve(
    state: Arc<AppState>,
    on_ready: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let addr = state.cfg.addr;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ServerError::Io { what: format!("binding {addr}"), source })?;
    let bound =
        listener.local_addr().map_err(|source| ServerError::Io { what: "local address".into(), source })?;
    on_ready(bound);
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|source| ServerError::Io { what: "serving".into(), source })
}

/// Serve on a fresh single-threaded runtime until Ctrl-C (or SIGTERM).
pub fn serve_blocking(state: Arc<AppState>, on_ready: impl FnOnce(SocketAddr)) -> Result<(), ServerError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| ServerError::Io { what: "starting the runtime".into(), source })?;
    rt.block_on(serve(state, on_ready, shutdown_signal()))
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn status(code: StatusCode, msg: &str) -> Response {
    (code, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("{msg}\n")).into_response()
}

/// Limits, host check, token check, security headers.
async fn guard(State(st): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let cfg = &st.cfg;
    if req.uri().to_string().len() > cfg.max_uri_bytes {
        return status(StatusCode::URI_TOO_LONG, "request URI too long");
    }
    let h = req.headers();
    if let Some(len) = h.get(header::CONTENT_LENGTH) {
        match len.to_str().ok().and_then(|s| s.trim().parse::<u64>().ok()) {
            Some(n) if n <= cfg.max_request_bytes => {}
            Some(_) => return status(StatusCode::PAYLOAD_TOO_LARGE, "request body too large"),
            None => return status(StatusCode::BAD_REQUEST, "bad Content-Length"),
        }
    }
    if h.contains_key(header::TRANSFER_ENCODING) {
        return status(StatusCode::LENGTH_REQUIRED, "chunked request bodies are not accepted");
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return status(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD");
    }
    let mut set_cookie = None;
    match &cfg.token {
        None => {
            if !host_is_loopback(h) {
                return status(
                    StatusCode::FORBIDDEN,
                    "Host must be a loopback name (localhost, 127.0.0.1, [::1])",
                );
            }
        }
        Some(token) => match presented_token(&req) {
            None => {
                let mut r = status(StatusCode::UNAUTHORIZED, "token required");
                r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                return r;
            }
            Some((t, from_query)) => {
                if !ct_eq(t.as_bytes(), token.as_bytes()) {
                    return status(StatusCode::FORBIDDEN, "wrong token");
                }
                if from_query {
                    set_cookie = Some(format!("tl_token={token}; Path=/; HttpOnly; SameSite=Strict"));
                }
            }
        },
    }
    let mut resp = next.run(req).await;
    let hs = resp.headers_mut();
    hs.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    hs.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    hs.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
    if let Some(c) = set_cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        hs.insert(header::SET_COOKIE, c);
    }
    resp
}

fn host_is_loopback(h: &HeaderMap) -> bool {
    let Some(host) = h.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        // HTTP/1.0 without Host: nothing a browser would send; allow local tools.
        return true;
    };
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map(|(n, _)| n).unwrap_or(host)
    };
    name.eq_ignore_ascii_case("localhost")
        || name.parse::<IpAddr>().map(|ip| ip.is_loopback()).unwrap_or(false)
}

/// The token a request carries and whether it came in the query string.
fn presented_token(req: &Request) -> Option<(String, bool)> {
    let h = req.headers();
    if let Some(v) = h.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())
        && let Some(t) = v.strip_prefix("Bearer ")
    {
        return Some((t.trim().to_string(), false));
    }
    for c in h.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()) {
        for kv in c.split(';') {
            if let Some(t) = kv.trim().strip_prefix("tl_token=") {
                return Some((t.to_string(), false));
            }
        }
    }
    let q = req.uri().query()?;
    q.split('&').find_map(|kv| kv.strip_prefix("token=")).map(|t| (t.to_string(), true))
}

/// Constant-time comparison (no early exit on the first differing byte).
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    let mut d = (a.len() ^ b.len()) as u8 | ((a.len() ^ b.len()) >> 8) as u8;
    for (i, x) in a.iter().enumerate() {
        d |= x ^ b.get(i).copied().unwrap_or(0);
    }
    d == 0
}

async fn index(State(st): State<Arc<AppState>>) -> Response {
    files::send(&st.web_root.join("index.html"), "no-cache").await
}

async fn viewer_file(State(st): State<Arc<AppState>>, UrlPath(path): UrlPath<String>) -> Response {
    match files::safe_join(&st.src_root, &path) {
        Ok(p) => files::send(&p, "no-cache").await,
        Err(r) => r.into_response(),
    }
}

async fn cesium_file(State(st): State<Arc<AppState>>, UrlPath(path): UrlPath<String>) -> Response {
    let Some(root) = &st.cesium_root else {
        return status(
            StatusCode::SERVICE_UNAVAILABLE,
            "CesiumJS is not installed: run `npm ci` in web/ (tracklayer serve does it when npm is available)",
        );
    };
    match files::safe_join(root, &path) {
        Ok(p) => files::send(&p, "max-age=3600").await,
        Err(r) => r.into_response(),
    }
}

async fn list_runs(State(st): State<Arc<AppState>>) -> Response {
    let list: Vec<_> = st.runs.iter().map(|r| r.info()).collect();
    axum::Json(serde_json::json!({"runs": list, "live": st.live.is_some()})).into_response()
}

async fn run_info(State(st): State<Arc<AppState>>, UrlPath(id): UrlPath<String>) -> Response {
    match st.run(&id) {
        Some(r) => axum::Json(r.info()).into_response(),
        None => status(StatusCode::NOT_FOUND, "unknown run id"),
    }
}

async fn run_czml(State(st): State<Arc<AppState>>, UrlPath(id): UrlPath<String>) -> Response {
    let Some(run) = st.run(&id) else {
        return status(StatusCode::NOT_FOUND, "unknown run id");
    };
    let file = run.dir.join(tl_viz::products::CZML_FILE);
    if file.is_file() {
        return files::send(&file, "no-cache").await;
    }
    // Runs written before tl-viz wrote CZML: build it once and keep it.
    if let Some(c) = st.czml_cache.lock().ok().and_then(|m| m.get(&id).cloned()) {
        return json_text(c);
    }
    let dir = run.dir.clone();
    let built = tokio::task::spawn_blocking(move || tl_viz::products::build_czml(&dir)).await;
    match built {
        Ok(Ok(text)) => {
            let text = Arc::new(text);
            if let Ok(mut m) = st.czml_cache.lock() {
                m.insert(id, text.clone());
            }
            json_text(text)
        }
        Ok(Err(e)) => status(StatusCode::INTERNAL_SERVER_ERROR, &format!("cannot build CZML: {e}")),
        Err(e) => status(StatusCode::INTERNAL_SERVER_ERROR, &format!("cannot build CZML: {e}")),
    }
}

fn json_text(text: Arc<String>) -> Response {
    Response::builder()
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CACHE_CONTROL, "no-cache")
        .body(Body::from(text.as_bytes().to_vec()))
        .unwrap_or_else(|_| status(StatusCode::INTERNAL_SERVER_ERROR, "response"))
}

async fn run_summary(State(st): State<Arc<AppState>>, UrlPath(id): UrlPath<String>) -> Response {
    match st.run(&id) {
        Some(r) => files::send(&r.dir.join("summary.json"), "no-cache").await,
        None => status(StatusCode::NOT_FOUND, "unknown run id"),
    }
}

async fn run_report(State(st): State<Arc<AppState>>, UrlPath(id): UrlPath<String>) -> Response {
    match st.run(&id) {
        Some(r) => files::send(&r.dir.join(tl_viz::products::REPORT_FILE), "no-cache").await,
        None => status(StatusCode::NOT_FOUND, "unknown run id"),
    }
}

async fn run_file(
    State(st): State<Arc<AppState>>,
    UrlPath((id, name)): UrlPath<(String, String)>,
) -> Response {
    let Some(run) = st.run(&id) else {
        return status(StatusCode::NOT_FOUND, "unknown run id");
    };
    if !files::run_file_allowed(&name) {
        return status(StatusCode::BAD_REQUEST, "not a run file name");
    }
    let Ok(root) = run.dir.canonicalize() else {
        return status(StatusCode::NOT_FOUND, "run folder is gone");
    };
    match files::safe_join(&root, &name) {
        Ok(p) => files::send(&p, "no-cache").await,
        Err(r) => r.into_response(),
    }
}

async fn live_info(State(st): State<Arc<AppState>>) -> Response {
    match &st.live {
        Some(l) => axum::Json(l.info()).into_response(),
        None => axum::Json(serde_json::json!({"live": false})).into_response(),
    }
}

/// The default viewer folder: `web/` of the source tree this binary was built from
/// (overridden by `TRACKLAYER_WEB_DIR` or `--web-dir`).
pub fn default_web_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("TRACKLAYER_WEB_DIR") {
        return PathBuf::from(p);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web")
}
