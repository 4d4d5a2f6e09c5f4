//! Atomic outputs: a run folder that appears whole or not at all, and single files
//! written by write-then-rename.
//!
//! [`RunDir::create`] makes `<out>.tmp-<random>` beside the target `<out>`; everything
//! is written there; [`RunDir::commit`] renames it into place. Dropping a `RunDir`
//! without committing (an error, a cancelled run) deletes the temporary folder. A
//! previous run folder at `<out>` (recognised by its [`RUN_MARKER`] file) is replaced:
//! it is renamed away, the new folder renamed in, then the old one deleted, so `<out>`
//! never holds a mixture. Anything else at `<out>` (a file, a folder that is not an
//! empty folder or a run folder) is refused, never clobbered.
//!
//! A process killed without a chance to clean up (SIGKILL, power loss) can leave a
//! `<out>.tmp-*` folder behind, never a half-written `<out>`.

use crate::error::{IoError, Result};
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The file whose presence marks a folder as a finished tracklayer run folder. It is
/// written last, just before commit.
pub const RUN_MARKER: &str = "summary.json";

/// A random 64-bit hex suffix for temporary names (process-seeded hasher, pid, counter
/// and clock: unique among concurrent writers; not used for anything deterministic).
fn random_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    if let Ok(d) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        h.write_u128(d.as_nanos());
    }
    format!("{:016x}", h.finish())
}

/// `<path>.<tag>-<random>` beside `path`.
fn sibling(path: &Path, tag: &str) -> Result<PathBuf> {
    let name = path.file_name().ok_or_else(|| IoError::Refused {
        path: path.to_path_buf(),
        reason: "the output path must end in a folder or file name".into(),
    })?;
    let mut n = name.to_os_string();
    n.push(format!(".{tag}-{}", random_suffix()));
    Ok(path.with_file_name(n))
}

/// What is at a run folder's target path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Absent,
    EmptyDir,
    RunFolder,
}

fn inspect_target(target: &Path) -> Result<Target> {
    let meta = match std::fs::symlink_metadata(target) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Target::Absent),
        Err(e) => return Err(IoError::os(target, e)),
    };
    if !meta.is_dir() {
        return Err(IoError::Refused {
            path: target.to_path_buf(),
            reason: "exists and is not a folder; refusing to replace it (choose another --out)".into(),
        });
    }
    if target.join(RUN_MARKER).is_file() {
        return Ok(Target::RunFolder);
    }
    let mut entries = std::fs::read_dir(target).map_err(|e| IoError::os(target, e))?;
    if entries.next().is_none() {
        return Ok(Target::EmptyDir);
    }
    Err(IoError::Refused {
        path: target.to_path_buf(),
        reason: format!(
            "exists and is not a tracklayer run folder (no {RUN_MARKER}); refusing to replace it \
             (choose another --out or remove it)"
        ),
    })
}

/// A run folder being written. See the [module docs](self).
///
/// ```
/// let base = tempfile::tempdir().unwrap();
/// let out = base.path().join("run");
/// let dir = tl_io::RunDir::create(&out).unwrap();
/// std::fs::write(dir.path().join("a.txt"), "a").unwrap();
/// std::fs::write(dir.path().join(tl_io::RUN_MARKER), "{}").unwrap();
/// assert!(!out.exists());
/// dir.commit().unwrap();
/// assert!(out.join("a.txt").exists());
/// ```
#[derive(Debug)]
pub struct RunDir {
    target: PathBuf,
    tmp: PathBuf,
    /// Parent folders this `RunDir` created, deepest first (removed again, if still
    /// empty, when the run is not committed).
    created_parents: Vec<PathBuf>,
    committed: bool,
}

impl RunDir {
    /// Check the target and create the temporary folder beside it (creating missing
    /// parent folders). Fails if the target exists and is neither an empty folder nor a
    /// previous run folder.
    pub fn create(target: impl AsRef<Path>) -> Result<Self> {
        let target = std::path::absolute(target.as_ref()).map_err(|e| IoError::os(target.as_ref(), e))?;
        inspect_target(&target)?;
        let mut created_parents = Vec::new();
        if let Some(parent) = target.parent() {
            let mut p = Some(parent);
            while let Some(q) = p
                && !q.exists()
            {
                created_parents.push(q.to_path_buf());
                p = q.parent();
            }
            std::fs::create_dir_all(parent).map_err(|e| IoError::os(parent, e))?;
        }
        let tmp = sibling(&target, "tmp")?;
        let dir = Self { target, tmp, created_parents, committed: false };
        std::fs::create_dir(&dir.tmp).map_err(|e| IoError::os(&dir.tmp, e))?;
        Ok(dir)
    }

    /// The temporary folder to write into.
    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// The final location (absolute).
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Move the finished folder into place, replacing a previous run folder. The target
    /// is checked again (it may have changed while the run was going).
    pub fn commit(mut self) -> Result<PathBuf> {
        let target = self.target.clone();
        match inspect_target(&target)? {
            Target::Absent => {
                std::fs::rename(&self.tmp, &target).map_err(|e| IoError::os(&target, e))?;
            }
            Target::EmptyDir => {
                std::fs::remove_dir(&target).map_err(|e| IoError::os(&target, e))?;
                std::fs::rename(&self.tmp, &target).map_err(|e| IoError::os(&target, e))?;
            }
            Target::RunFolder => {
                let old = sibling(&target, "old")?;
                std::fs::rename(&target, &old).map_err(|e| IoError::os(&target, e))?;
                if let Err(e) = std::fs::rename(&self.tmp, &target) {
                    // Put the previous run back; the new one is dropped with `self`.
                    let _ = std::fs::rename(&old, &target);
                    return Err(IoError::os(&target, e));
                }
                std::fs::remove_dir_all(&old).map_err(|e| IoError::os(&old, e))?;
            }
        }
        self.committed = true;
        Ok(target)
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.tmp);
            for p in &self.created_parents {
                // Fails (and keeps the folder) if anything else is in it.
                let _ = std::fs::remove_dir(p);
            }
        }
    }
}

/// Write `bytes` to `path` atomically: a temporary file beside it, synced, then renamed
/// over `path`. Readers see the old content or the new, never a part.
pub fn write_file_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let tmp = sibling(path, "tmp")?;
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(IoError::os(path, e));
    }
    Ok(())
}
