//! Job scripts for batch engines: a Slurm array job with a dependent merge job, and a
//! Kubernetes Indexed Job with a merge Job, for a study frozen in an output folder.
//!
//! Written into the output folder `<out>`:
//!
//! ```text
//! slurm/shards.sbatch   the array job: task K runs shard K of N
//! slurm/merge.sbatch    the merge
//! slurm/submit.sh       submits both, the merge with --dependency=afterok on the array
//! k8s/shards-job.yaml   an Indexed Job: completion index K runs shard K of N
//! k8s/merge-job.yaml    the merge, to apply once the shards Job is complete
//! logs/                 where the Slurm jobs write their output
//! ```
//!
//! The scripts name the tracklayer binary and `<out>` by absolute path: on a cluster
//! both must be on a file system every node sees at the same path (the usual shared
//! home or scratch). In Kubernetes the folder is a PersistentVolumeClaim mounted at the
//! same path, and the binary is the image's `tracklayer`.

use crate::error::StudyError;
use crate::shard::SHARD_COUNT_ENV;
use crate::spec::Study;
use std::path::{Path, PathBuf};
use tl_io::write_file_atomic;

/// Options of the generated jobs.
#[derive(Clone, Debug, PartialEq)]
pub struct JobOptions {
    /// Number of shards (array tasks, Indexed Job completions).
    pub shards: u64,
    /// Slurm partition (`--partition`), if any.
    pub partition: Option<String>,
    /// Slurm time limit per task (`--time`, e.g. `02:00:00` or `1-00:00:00`), if any.
    pub time: Option<String>,
    /// Slurm account (`--account`), if any.
    pub account: Option<String>,
    /// CPUs per task (Slurm `--cpus-per-task`, Kubernetes CPU request); the trials of a
    /// shard run on that many threads.
    pub cpus_per_task: u32,
    /// The tracklayer binary the Slurm jobs run (absolute).
    pub tracklayer: PathBuf,
    /// Container image for Kubernetes (with `tracklayer` on its PATH).
    pub image: String,
    /// PersistentVolumeClaim holding the output folder, for Kubernetes.
    pub pvc: String,
    /// Kubernetes parallelism (pods at once); 0 = all shards at once.
    pub parallelism: u64,
}

/// The files written.
#[derive(Clone, Debug)]
pub struct JobFiles {
    /// `slurm/submit.sh`.
    pub submit: PathBuf,
    /// `slurm/shards.sbatch`.
    pub shards_sbatch: PathBuf,
    /// `slurm/merge.sbatch`.
    pub merge_sbatch: PathBuf,
    /// `k8s/shards-job.yaml`.
    pub k8s_shards: PathBuf,
    /// `k8s/merge-job.yaml`.
    pub k8s_merge: PathBuf,
}

/// Quote a string for a POSIX shell (single quotes).
pub fn sh_quote(s: &str) -> String {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"/._-+=:,@".contains(&b)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

fn check_opt(
    flag: &str,
    v: &Option<String>,
    ok: impl Fn(u8) -> bool,
    allowed: &str,
) -> Result<(), StudyError> {
    if let Some(s) = v
        && (s.is_empty() || !s.bytes().all(ok))
    {
        return Err(StudyError::Invalid(format!(
            "{flag} {s:?}: must be non-empty and contain only {allowed}"
        )));
    }
    Ok(())
}

/// A Kubernetes-safe name (DNS-1123 label: lower-case letters, digits, `-`, at most 63).
pub fn k8s_name(s: &str, suffix: &str) -> String {
    let mut n: String = s
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if n.is_empty() || !n.as_bytes()[0].is_ascii_lowercase() {
        n = format!("tl-{n}");
    }
    n.truncate(63 - suffix.len() - 1);
    let n = n.trim_end_matches('-');
    format!("{n}-{suffix}")
}

/// Emit a JSON value as block YAML (strings double-quoted, which YAML reads as JSON
/// strings), indented by `indent` spaces.
fn yaml(v: &serde_json::Value, indent: usize, out: &mut String) {
    use serde_json::Value as J;
    let pad = " ".repeat(indent);
    match v {
        J::Object(m) => {
            for (k, x) in m {
                match x {
                    J::Object(o) if !o.is_empty() => {
                        out.push_str(&format!("{pad}{k}:\n"));
                        yaml(x, indent + 2, out);
                    }
                    J::Array(a) if !a.is_empty() => {
                        out.push_str(&format!("{pad}{k}:\n"));
                        yaml(x, indent, out);
                    }
                    _ => out.push_str(&format!("{pad}{k}: {x}\n")),
                }
            }
        }
        J::Array(a) => {
            for x in a {
                match x {
                    J::Object(o) if !o.is_empty() => {
                        let mut inner = String::new();
                        yaml(x, indent + 2, &mut inner);
                        // The first key goes on the dash line.
                        out.push_str(&format!("{pad}- {}", &inner[indent + 2..]));
                    }
                    _ => out.push_str(&format!("{pad}- {x}\n")),
                }
            }
        }
        other => out.push_str(&format!("{pad}{other}\n")),
    }
}

/// The Kubernetes Job objects (shards, merge) as JSON values.
pub fn k8s_jobs(study: &Study, out: &Path, o: &JobOptions) -> (serde_json::Value, serde_json::Value) {
    let out_s = out.display().to_string();
    let volume = serde_json::json!([{ "name": "study", "persistentVolumeClaim": { "claimName": o.pvc } }]);
    let mount = serde_json::json!([{ "name": "study", "mountPath": out_s }]);
    let cpus = o.cpus_per_task.to_string();
    let labels = serde_json::json!({ "app.kubernetes.io/name": "tracklayer-study", "tracklayer/study-hash": study.short_hash() });
    let shards = serde_json::json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": { "name": k8s_name(&study.name, "shards"), "labels": labels },
        "spec": {
            "completionMode": "Indexed",
            "completions": o.shards,
            "parallelism": if o.parallelism == 0 { o.shards } else { o.parallelism.min(o.shards) },
            "backoffLimit": (o.shards * 2).clamp(6, 1000),
            "template": {
                "metadata": { "labels": labels },
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{
                        "name": "shard",
                        "image": o.image,
                        "command": ["tracklayer", "study", "run", out_s],
                        "env": [
                            { "name": SHARD_COUNT_ENV, "value": o.shards.to_string() },
                            { "name": "RAYON_NUM_THREADS", "value": cpus },
                        ],
                        "resources": { "requests": { "cpu": cpus } },
                        "volumeMounts": mount,
                    }],
                    "volumes": volume,
                }
            }
        }
    });
    let merge = serde_json::json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": { "name": k8s_name(&study.name, "merge"), "labels": labels },
        "spec": {
            "backoffLimit": 2,
            "template": {
                "metadata": { "labels": labels },
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{
                        "name": "merge",
                        "image": o.image,
                        "command": ["tracklayer", "study", "merge", out_s],
                        "resources": { "requests": { "cpu": "1" } },
                        "volumeMounts": mount,
                    }],
                    "volumes": volume,
                }
            }
        }
    });
    (shards, merge)
}

/// Write the Slurm and Kubernetes files for the study frozen in `out` (absolute).
pub fn write_jobs(study: &Study, out: &Path, o: &JobOptions) -> Result<JobFiles, StudyError> {
    crate::shard::Shard::new(0, o.shards).map_err(|e| StudyError::Invalid(format!("--shards: {e}")))?;
    if o.shards > study.total_trials().max(1) {
        return Err(StudyError::Invalid(format!(
            "--shards {}: the study has only {} trials; use at most that many shards",
            o.shards,
            study.total_trials()
        )));
    }
    if o.cpus_per_task == 0 || o.cpus_per_task > 1024 {
        return Err(StudyError::Invalid(format!(
            "--cpus-per-task {}: must be within 1..=1024",
            o.cpus_per_task
        )));
    }
    let word = |b: u8| b.is_ascii_alphanumeric() || b"_.,-".contains(&b);
    check_opt("--partition", &o.partition, word, "letters, digits and _.,-")?;
    check_opt("--account", &o.account, word, "letters, digits and _.,-")?;
    check_opt(
        "--time",
        &o.time,
        |b| b.is_ascii_digit() || b == b':' || b == b'-',
        "digits, ':' and '-' (e.g. 02:00:00)",
    )?;
    if !out.is_absolute() || !o.tracklayer.is_absolute() {
        return Err(StudyError::Invalid(
            "the output folder and the tracklayer binary must be absolute paths".into(),
        ));
    }
    let out_s = out.display().to_string();
    let bin = sh_quote(&o.tracklayer.display().to_string());
    let q_out = sh_quote(&out_s);
    let name = k8s_name(&study.name, "study");
    let name = name.trim_end_matches("-study");
    let mut common = String::new();
    for (flag, v) in [("partition", &o.partition), ("time", &o.time), ("account", &o.account)] {
        if let Some(v) = v {
            common.push_str(&format!("#SBATCH --{flag}={v}\n"));
        }
    }
    let header = format!(
        "# tracklayer study `{}` (hash {}): {} trials = {} points x {} per point, in {} shards.\n\
         # Generated by `tracklayer study slurm`; the study is frozen in {}/study.json.\n",
        study.name,
        study.short_hash(),
        study.total_trials(),
        study.points(),
        study.trials_per_point,
        o.shards,
        out_s
    );
    let logs = out.join("logs");
    let shards_sbatch = format!(
        "#!/bin/bash\n{header}# Submit with submit.sh (which adds the merge job), or alone: sbatch {sb}\n\
         # Rerun some shards only: sbatch --array=3,5 {sb}\n\
         #SBATCH --job-name={name}-shards\n\
         #SBATCH --array=0-{last}\n\
         #SBATCH --ntasks=1\n\
         #SBATCH --cpus-per-task={cpus}\n\
         #SBATCH --output={logs}/shard-%a.log\n\
         {common}\
         set -euo pipefail\n\
         export {SHARD_COUNT_ENV}={n}\n\
         export RAYON_NUM_THREADS=\"${{SLURM_CPUS_PER_TASK:-{cpus}}}\"\n\
         exec {bin} study run {q_out}\n",
        sb = sh_quote(&out.join("slurm/shards.sbatch").display().to_string()),
        last = o.shards - 1,
        cpus = o.cpus_per_task,
        logs = logs.display(),
        n = o.shards,
    );
    let merge_sbatch = format!(
        "#!/bin/bash\n{header}# The merge; submit.sh runs it after every shard succeeded.\n\
         #SBATCH --job-name={name}-merge\n\
         #SBATCH --ntasks=1\n\
         #SBATCH --cpus-per-task=1\n\
         #SBATCH --output={logs}/merge.log\n\
         {common}\
         set -euo pipefail\n\
         exec {bin} study merge {q_out}\n",
        logs = logs.display(),
    );
    let submit = format!(
        "#!/bin/bash\n{header}# Submit the shard array job and the merge job (afterok: it runs once every shard\n\
         # succeeded; if one fails, Slurm cancels it, and `tracklayer study merge` names the missing shards).\n\
         set -euo pipefail\n\
         mkdir -p {q_logs}\n\
         shards=$(sbatch --parsable {q_sb})\n\
         shards=${{shards%%;*}}\n\
         merge=$(sbatch --parsable --dependency=afterok:\"$shards\" --kill-on-invalid-dep=yes {q_mb})\n\
         merge=${{merge%%;*}}\n\
         echo \"shards: job $shards (array 0-{last}); merge: job $merge (after the shards succeed)\"\n\
         echo \"results: {results}\"\n",
        q_logs = sh_quote(&logs.display().to_string()),
        q_sb = sh_quote(&out.join("slurm/shards.sbatch").display().to_string()),
        q_mb = sh_quote(&out.join("slurm/merge.sbatch").display().to_string()),
        last = o.shards - 1,
        results = out.join(crate::merge::RESULTS_DIR).display(),
    );
    let (ks, km) = k8s_jobs(study, out, o);
    let kname = ks["metadata"]["name"].as_str().unwrap_or_default().to_string();
    let k8s_header = format!(
        "{header}# Kubernetes: the PersistentVolumeClaim {pvc:?} must hold this folder ({out_s}) and is\n\
         # mounted at that same path; the image {image:?} must have `tracklayer` on its PATH.\n\
         # Run the shards, wait for them, then merge:\n\
         #   kubectl apply -f {out_s}/k8s/shards-job.yaml\n\
         #   kubectl wait --for=condition=complete --timeout=-1s job/{kname}\n\
         #   kubectl apply -f {out_s}/k8s/merge-job.yaml\n",
        pvc = o.pvc,
        image = o.image,
    );
    let mut shards_yaml = k8s_header.clone();
    yaml(&ks, 0, &mut shards_yaml);
    let mut merge_yaml = k8s_header;
    yaml(&km, 0, &mut merge_yaml);

    for d in ["slurm", "k8s", "logs"] {
        let p = out.join(d);
        std::fs::create_dir_all(&p).map_err(|e| StudyError::os(&p, e))?;
    }
    let files = JobFiles {
        submit: out.join("slurm/submit.sh"),
        shards_sbatch: out.join("slurm/shards.sbatch"),
        merge_sbatch: out.join("slurm/merge.sbatch"),
        k8s_shards: out.join("k8s/shards-job.yaml"),
        k8s_merge: out.join("k8s/merge-job.yaml"),
    };
    for (p, text, exec) in [
        (&files.submit, &submit, true),
        (&files.shards_sbatch, &shards_sbatch, true),
        (&files.merge_sbatch, &merge_sbatch, true),
        (&files.k8s_shards, &shards_yaml, false),
        (&files.k8s_merge, &merge_yaml, false),
    ] {
        write_file_atomic(p, text.as_bytes())?;
        if exec {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755))
                .map_err(|e| StudyError::os(p, e))?;
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_and_names() {
        assert_eq!(sh_quote("/a/b-c.d"), "/a/b-c.d");
        assert_eq!(sh_quote("/a b/it's"), "'/a b/it'\\''s'");
        assert_eq!(k8s_name("Latency vs Layer_Size", "shards"), "latency-vs-layer-size-shards");
        assert_eq!(k8s_name("9lives", "merge"), "tl-9lives-merge");
        assert!(k8s_name(&"x".repeat(100), "shards").len() <= 63);
    }

    #[test]
    fn yaml_emitter_nests() {
        let v = serde_json::json!({"a": {"b": [{"c": 1, "d": ["x"]}, "e"]}, "f": "g: h"});
        let mut s = String::new();
        yaml(&v, 0, &mut s);
        assert_eq!(s, "a:\n  b:\n  - c: 1\n    d:\n    - \"x\"\n  - \"e\"\nf: \"g: h\"\n");
    }
}
