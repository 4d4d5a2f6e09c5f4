//! Static files: path checks and responses.

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::Response;
use std::path::{Path, PathBuf};

/// Why a path was not served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// A segment is not a plain name, or the path leaves the root: 400.
    BadPath,
    /// No such file: 404.
    Missing,
}

impl axum::response::IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::BadPath => super::status(StatusCode::BAD_REQUEST, "bad path"),
            Refusal::Missing => super::status(StatusCode::NOT_FOUND, "not found"),
        }
    }
}

/// `root` joined with the relative URL path `rel`, if every segment is a plain name and
/// the canonical result stays under `root` (which must itself be canonical).
pub(crate) fn safe_join(root: &Path, rel: &str) -> Result<PathBuf, Refusal> {
    let bad = || Refusal::BadPath;
    if rel.is_empty() || rel.len() > 1024 {
        return Err(bad());
    }
    for seg in rel.split('/') {
        if seg.is_empty()
            || seg.starts_with('.')
            || seg.contains(['\\', ':', '\0'])
            || seg.chars().any(|c| c.is_control())
        {
            return Err(bad());
        }
    }
    let p = root.join(rel);
    match p.canonicalize() {
        Ok(c) if c.starts_with(root) => Ok(c),
        Ok(_) => Err(bad()),
        Err(_) => Err(Refusal::Missing),
    }
}

/// Names of run files the server hands out: a plain file name with one of the
/// extensions a run folder's products and tables have.
pub(crate) fn run_file_allowed(name: &str) -> bool {
    const EXT: [&str; 8] = ["json", "czml", "html", "svg", "png", "csv", "parquet", "toml"];
    !name.starts_with('.')
        && name.len() <= 128
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        && name.rsplit_once('.').map(|(_, e)| EXT.contains(&e)).unwrap_or(false)
}

/// The content type for a file name.
pub(crate) fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "czml" | "geojson" | "topojson" | "gltf" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ktx2" => "image/ktx2",
        "wasm" => "application/wasm",
        "glb" => "model/gltf-binary",
        "xml" => "application/xml",
        "txt" | "md" | "toml" => "text/plain; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "ttf" => "font/ttf",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// The file at `path` (already checked), or 404.
pub(crate) async fn send(path: &Path, cache: &'static str) -> Response {
    match tokio::fs::read(path).await {
        Ok(bytes) => Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, content_type(path))
            .header(header::CACHE_CONTROL, cache)
            .body(Body::from(bytes))
            .unwrap_or_else(|_| super::status(StatusCode::INTERNAL_SERVER_ERROR, "response")),
        Err(_) => super::status(StatusCode::NOT_FOUND, "not found"),
    }
}
