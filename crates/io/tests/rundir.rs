//! Atomic run folders and files.

use tl_io::{RUN_MARKER, RunDir, write_file_atomic};

fn leftovers(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-") || n.contains(".old-"))
        .collect()
}

#[test]
fn nothing_appears_until_commit_and_drop_cleans_up() {
    let base = tempfile::tempdir().unwrap();
    let out = base.path().join("nested/run");
    {
        let d = RunDir::create(&out).unwrap();
        std::fs::write(d.path().join("x.csv"), "a\n1\n").unwrap();
        assert!(d.path().exists());
        assert!(d.path().file_name().unwrap().to_string_lossy().starts_with("run.tmp-"));
        assert!(!out.exists());
    } // dropped: cancelled
    assert!(!out.exists());
    // The parent folder it created is gone too.
    assert!(!base.path().join("nested").exists());
    // A parent that existed before stays.
    std::fs::create_dir(base.path().join("mine")).unwrap();
    drop(RunDir::create(base.path().join("mine/run")).unwrap());
    assert!(base.path().join("mine").is_dir());
    assert!(leftovers(&base.path().join("mine")).is_empty());
}

#[test]
fn commit_replaces_a_previous_run_folder_whole() {
    let base = tempfile::tempdir().unwrap();
    let out = base.path().join("run");
    let d = RunDir::create(&out).unwrap();
    std::fs::write(d.path().join("old-only.txt"), "old").unwrap();
    std::fs::write(d.path().join(RUN_MARKER), "{\"n\":1}").unwrap();
    d.commit().unwrap();
    let d = RunDir::create(&out).unwrap();
    std::fs::write(d.path().join(RUN_MARKER), "{\"n\":2}").unwrap();
    // Until commit, the previous run is intact.
    assert!(out.join("old-only.txt").exists());
    let p = d.commit().unwrap();
    assert_eq!(p, std::path::absolute(&out).unwrap());
    assert!(!out.join("old-only.txt").exists(), "no mixture of old and new");
    assert_eq!(std::fs::read_to_string(out.join(RUN_MARKER)).unwrap(), "{\"n\":2}");
    assert!(leftovers(base.path()).is_empty());
}

#[test]
fn refuses_to_clobber_anything_that_is_not_a_run_folder() {
    let base = tempfile::tempdir().unwrap();
    // A folder with other content.
    let out = base.path().join("precious");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("thesis.tex"), "keep me").unwrap();
    let e = RunDir::create(&out).unwrap_err().to_string();
    assert!(e.contains("precious") && e.contains("not a tracklayer run folder"), "{e}");
    assert_eq!(std::fs::read_to_string(out.join("thesis.tex")).unwrap(), "keep me");
    // A file.
    let f = base.path().join("file");
    std::fs::write(&f, "x").unwrap();
    let e = RunDir::create(&f).unwrap_err().to_string();
    assert!(e.contains("not a folder"), "{e}");
    // Something appearing at the target during the run is not clobbered either.
    let late = base.path().join("late");
    let d = RunDir::create(&late).unwrap();
    std::fs::create_dir(&late).unwrap();
    std::fs::write(late.join("other.txt"), "x").unwrap();
    assert!(d.commit().is_err());
    assert!(late.join("other.txt").exists());
    assert!(leftovers(base.path()).is_empty());
    // An empty folder is fine.
    let empty = base.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let d = RunDir::create(&empty).unwrap();
    std::fs::write(d.path().join(RUN_MARKER), "{}").unwrap();
    d.commit().unwrap();
    assert!(empty.join(RUN_MARKER).exists());
}

#[test]
fn atomic_file_write_replaces_content() {
    let base = tempfile::tempdir().unwrap();
    let p = base.path().join("summary.json");
    write_file_atomic(&p, b"one").unwrap();
    write_file_atomic(&p, b"two").unwrap();
    assert_eq!(std::fs::read(&p).unwrap(), b"two");
    assert!(leftovers(base.path()).is_empty());
    assert!(write_file_atomic(&base.path().join("no/such/dir/f"), b"x").is_err());
}
