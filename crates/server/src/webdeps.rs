//! The viewer's JavaScript dependencies (CesiumJS from the npm registry), installed on
//! first use so that no hand step is needed.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where CesiumJS's built files are under the viewer folder.
pub fn cesium_dir(web_dir: &Path) -> PathBuf {
    web_dir.join("node_modules/cesium/Build/Cesium")
}

/// Make sure `web_dir/node_modules` holds CesiumJS: if `Cesium.js` is missing, run
/// `npm ci` (exactly the versions of `package-lock.json`) in `web_dir`. Returns whether
/// it installed anything. `log` receives progress lines.
pub fn ensure_web_deps(web_dir: &Path, log: &mut dyn FnMut(&str)) -> Result<bool, crate::ServerError> {
    if cesium_dir(web_dir).join("Cesium.js").is_file() {
        return Ok(false);
    }
    if !web_dir.join("package-lock.json").is_file() {
        return Err(crate::ServerError::WebDeps(format!(
            "viewer folder {} has no package-lock.json (set --web-dir or TRACKLAYER_WEB_DIR to the repository's web/ folder)",
            web_dir.display()
        )));
    }
    log(&format!("installing the viewer's JavaScript dependencies: npm ci in {}", web_dir.display()));
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(web_dir)
        .status()
        .map_err(|e| crate::ServerError::WebDeps(format!("cannot run npm (is Node.js installed?): {e}")))?;
    if !status.success() || !cesium_dir(web_dir).join("Cesium.js").is_file() {
        return Err(crate::ServerError::WebDeps(format!(
            "npm ci in {} failed ({status})",
            web_dir.display()
        )));
    }
    Ok(true)
}
