//! The runs a server shows.

use std::path::{Path, PathBuf};

/// One served run folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunEntry {
    /// URL id: the folder name reduced to `[A-Za-z0-9._-]`, made unique with `-2`, `-3`...
    pub id: String,
    /// The folder.
    pub dir: PathBuf,
}

impl RunEntry {
    /// JSON description: id, name, and which products exist.
    pub fn info(&self) -> serde_json::Value {
        let has = |f: &str| self.dir.join(f).is_file();
        let summary: Option<serde_json::Value> =
            std::fs::read(self.dir.join("summary.json")).ok().and_then(|b| serde_json::from_slice(&b).ok());
        let name = summary
            .as_ref()
            .and_then(|s| s.get("scenario").or_else(|| s.get("name")))
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| self.id.clone());
        let mut files: Vec<String> = std::fs::read_dir(&self.dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .filter(|e| e.path().is_file())
                    .filter_map(|e| e.file_name().into_string().ok())
                    .filter(|n| crate::files::run_file_allowed(n))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        serde_json::json!({
            "id": self.id,
            "name": name,
            "report": has(tl_viz::products::REPORT_FILE),
            "czml": true,
            "files": files,
        })
    }
}

/// The runs under `paths`: each path is a run folder (it holds `summary.json`) or a
/// folder of run folders (one level down). Sorted by path; ids unique.
pub fn discover_runs(paths: &[PathBuf]) -> Result<Vec<RunEntry>, crate::ServerError> {
    let is_run = |p: &Path| p.join("summary.json").is_file();
    let mut dirs = Vec::new();
    for p in paths {
        if is_run(p) {
            dirs.push(p.clone());
            continue;
        }
        let rd = std::fs::read_dir(p).map_err(|source| crate::ServerError::Io {
            what: format!("run folder {} (a run folder holds summary.json)", p.display()),
            source,
        })?;
        let mut found: Vec<PathBuf> =
            rd.filter_map(|e| e.ok()).map(|e| e.path()).filter(|d| is_run(d)).collect();
        if found.is_empty() {
            return Err(tl_core::check::FieldError::new(
                "RUN_DIR",
                p.display().to_string(),
                "a run folder (with summary.json) or a folder of run folders",
            )
            .into());
        }
        found.sort();
        dirs.extend(found);
    }
    let mut out: Vec<RunEntry> = Vec::new();
    for d in dirs {
        let base: String = d
            .file_name()
            .map(|n| {
                n.to_string_lossy()
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' })
                    .collect()
            })
            .unwrap_or_else(|| "run".into());
        let base = if base.is_empty() || base.starts_with('.') { format!("run{base}") } else { base };
        let mut id = base.clone();
        let mut k = 2;
        while out.iter().any(|r| r.id == id) {
            id = format!("{base}-{k}");
            k += 1;
        }
        out.push(RunEntry { id, dir: d });
    }
    Ok(out)
}
