//! Shards: how a study's trials are split between processes.
//!
//! Shard `k` of `n` runs trials `k, k + n, k + 2n, ...` (round robin, so every shard gets
//! a fair share of every point, cheap and expensive alike). A trial's seed and draws do
//! not depend on the split, so any split gives the same rows.
//!
//! Which shard a process runs, in order of precedence:
//!
//! 1. `--shard K/N` on the command line;
//! 2. Slurm array jobs: `K = SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN` (the minimum
//!    taken as 0 when unset) and `N = SLURM_ARRAY_TASK_COUNT`;
//! 3. Kubernetes Indexed Jobs: `K = JOB_COMPLETION_INDEX`, `N` from
//!    [`SHARD_COUNT_ENV`] (required there: Kubernetes does not tell the count);
//! 4. none of these: the whole study in this process.
//!
//! [`SHARD_COUNT_ENV`] (`TRACKLAYER_SHARD_COUNT`), when set, also overrides
//! `SLURM_ARRAY_TASK_COUNT`: the generated sbatch script sets it, so that resubmitting
//! only some tasks (`sbatch --array=3,5 ...`) still runs shards 3 and 5 of the full
//! split (Slurm then reports a count of 2 and a minimum of 3), and uses
//! `SLURM_ARRAY_TASK_ID` as the shard index directly.

use std::fmt;
use std::str::FromStr;

/// The environment variable that gives the number of shards (Kubernetes Indexed Jobs,
/// and an override for Slurm).
pub const SHARD_COUNT_ENV: &str = "TRACKLAYER_SHARD_COUNT";

/// Most shards a study may be split into.
pub const MAX_SHARDS: u64 = 100_000;

/// Shard `index` of `count` (0-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Shard {
    /// 0-based index, < count.
    pub index: u64,
    /// Number of shards (1..=[`MAX_SHARDS`]).
    pub count: u64,
}

impl PartialOrd for Shard {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Shard {
    /// By count, then index.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.count, self.index).cmp(&(other.count, other.index))
    }
}

impl Shard {
    /// The whole study as one shard.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// A checked shard.
    pub fn new(index: u64, count: u64) -> Result<Self, String> {
        if count == 0 || count > MAX_SHARDS {
            return Err(format!("shard count {count}: must be within 1..={MAX_SHARDS}"));
        }
        if index >= count {
            return Err(format!(
                "shard index {index}: must be within 0..={} (0-based, count {count})",
                count - 1
            ));
        }
        Ok(Self { index, count })
    }

    /// The trials of this shard among `total`, in increasing order.
    pub fn trials(&self, total: u64) -> impl Iterator<Item = u64> + Clone + use<> {
        (self.index..total).step_by(self.count as usize)
    }

    /// How many trials of `total` this shard runs.
    pub fn len(&self, total: u64) -> u64 {
        if self.index >= total { 0 } else { (total - self.index).div_ceil(self.count) }
    }

    /// True when this shard has no trials of `total`.
    pub fn is_empty(&self, total: u64) -> bool {
        self.len(total) == 0
    }

    /// Folder name of the shard inside `<out>/shards/`: `shard-00003-of-00008`.
    pub fn dir_name(&self) -> String {
        format!("shard-{:05}-of-{:05}", self.index, self.count)
    }

    /// Parse a folder name written by [`Shard::dir_name`].
    pub fn from_dir_name(name: &str) -> Option<Shard> {
        let rest = name.strip_prefix("shard-")?;
        let (k, n) = rest.split_once("-of-")?;
        if k.len() < 5 || n.len() < 5 || !k.bytes().chain(n.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        Shard::new(k.parse().ok()?, n.parse().ok()?).ok()
    }
}

impl fmt::Display for Shard {
    /// `K/N`, 0-based.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;
    /// `K/N` with 0 <= K < N.
    fn from_str(s: &str) -> Result<Self, String> {
        let (k, n) =
            s.split_once('/').ok_or_else(|| format!("shard {s:?}: must be K/N, e.g. 3/8 (0-based K)"))?;
        let k: u64 =
            k.trim().parse().map_err(|_| format!("shard {s:?}: K must be a non-negative integer"))?;
        let n: u64 = n.trim().parse().map_err(|_| format!("shard {s:?}: N must be a positive integer"))?;
        Shard::new(k, n).map_err(|e| format!("shard {s:?}: {e}"))
    }
}

/// Where the shard came from (for messages).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShardSource {
    /// `--shard`.
    Flag,
    /// Slurm array variables (named).
    Slurm(String),
    /// Kubernetes Indexed Job variables (named).
    Kubernetes(String),
}

impl fmt::Display for ShardSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShardSource::Flag => f.write_str("--shard"),
            ShardSource::Slurm(v) | ShardSource::Kubernetes(v) => f.write_str(v),
        }
    }
}

/// The shard this process should run from its environment (`get` looks a variable up),
/// or `None` when no engine variable is set. Errors name the variable and its value.
///
/// ```
/// use tl_study::shard::{Shard, from_env};
/// let env = |k: &str| match k {
///     "SLURM_ARRAY_TASK_ID" => Some("3".to_string()),
///     "SLURM_ARRAY_TASK_COUNT" => Some("8".to_string()),
///     _ => None,
/// };
/// assert_eq!(from_env(env).unwrap().unwrap().0, Shard::new(3, 8).unwrap());
/// ```
pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Option<(Shard, ShardSource)>, String> {
    let num = |var: &str| -> Result<Option<u64>, String> {
        match get(var) {
            None => Ok(None),
            Some(v) if v.trim().is_empty() => Ok(None),
            Some(v) => v
                .trim()
                .parse::<u64>()
                .map(Some)
                .map_err(|_| format!("environment variable {var}={v:?}: must be a non-negative integer")),
        }
    };
    let count_override = num(SHARD_COUNT_ENV)?;
    if let Some(id) = num("SLURM_ARRAY_TASK_ID")? {
        let (index, count, vars) = match count_override {
            Some(n) => (id, n, format!("SLURM_ARRAY_TASK_ID={id}, {SHARD_COUNT_ENV}={n}")),
            None => {
                let min = num("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
                let n = num("SLURM_ARRAY_TASK_COUNT")?.ok_or_else(|| {
                    format!("SLURM_ARRAY_TASK_ID is set but neither SLURM_ARRAY_TASK_COUNT nor {SHARD_COUNT_ENV} is")
                })?;
                let k = id
                    .checked_sub(min)
                    .ok_or_else(|| format!("SLURM_ARRAY_TASK_ID={id} is below SLURM_ARRAY_TASK_MIN={min}"))?;
                (
                    k,
                    n,
                    format!(
                        "SLURM_ARRAY_TASK_ID={id}, SLURM_ARRAY_TASK_MIN={min}, SLURM_ARRAY_TASK_COUNT={n}"
                    ),
                )
            }
        };
        let s = Shard::new(index, count).map_err(|e| format!("{vars}: {e}"))?;
        return Ok(Some((s, ShardSource::Slurm(vars))));
    }
    if let Some(k) = num("JOB_COMPLETION_INDEX")? {
        let n = count_override.ok_or_else(|| {
            format!(
                "JOB_COMPLETION_INDEX={k} is set (a Kubernetes Indexed Job) but {SHARD_COUNT_ENV} is not: \
                 set it to the Job's completions"
            )
        })?;
        let vars = format!("JOB_COMPLETION_INDEX={k}, {SHARD_COUNT_ENV}={n}");
        let s = Shard::new(k, n).map_err(|e| format!("{vars}: {e}"))?;
        return Ok(Some((s, ShardSource::Kubernetes(vars))));
    }
    Ok(None)
}

/// Trials per shard aimed at by [`default_count`].
pub const DEFAULT_SHARD_TRIALS: u64 = 4096;

/// The split a single process uses for a whole study when the output folder holds no
/// shards yet: about [`DEFAULT_SHARD_TRIALS`] trials per shard, at most 1000 shards.
/// Small enough that a killed run loses little; large enough that the fixed cost of a
/// shard (two files, two fsyncs, a rename: ~10 ms) stays a few microseconds per trial.
pub fn default_count(total_trials: u64) -> u64 {
    total_trials.div_ceil(DEFAULT_SHARD_TRIALS).clamp(1, 1000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn shards_partition_the_trials() {
        for total in [0u64, 1, 7, 100, 101] {
            for n in [1u64, 2, 3, 8, 200] {
                let mut seen = vec![0u8; total as usize];
                let mut sum = 0;
                for k in 0..n {
                    let s = Shard::new(k, n).unwrap();
                    let t: Vec<u64> = s.trials(total).collect();
                    assert_eq!(t.len() as u64, s.len(total));
                    sum += t.len();
                    for i in t {
                        seen[i as usize] += 1;
                    }
                }
                assert_eq!(sum as u64, total);
                assert!(seen.iter().all(|&c| c == 1));
            }
        }
    }

    #[test]
    fn parse_and_names() {
        assert_eq!("3/8".parse::<Shard>().unwrap(), Shard { index: 3, count: 8 });
        for bad in ["8/8", "3", "a/8", "1/0", "-1/4"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        let s = Shard::new(3, 8).unwrap();
        assert_eq!(s.dir_name(), "shard-00003-of-00008");
        assert_eq!(Shard::from_dir_name(&s.dir_name()), Some(s));
        assert_eq!(Shard::from_dir_name("shard-00003-of-00008.tmp-abc"), None);
    }

    #[test]
    fn engines() {
        assert_eq!(from_env(env(&[])).unwrap(), None);
        let (s, _) = from_env(env(&[
            ("SLURM_ARRAY_TASK_ID", "5"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_COUNT", "8"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(s, Shard::new(4, 8).unwrap());
        // A resubmitted subset with the count given explicitly.
        let (s, _) = from_env(env(&[
            ("SLURM_ARRAY_TASK_ID", "5"),
            ("SLURM_ARRAY_TASK_MIN", "3"),
            ("SLURM_ARRAY_TASK_COUNT", "2"),
            (SHARD_COUNT_ENV, "8"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(s, Shard::new(5, 8).unwrap());
        let (s, src) =
            from_env(env(&[("JOB_COMPLETION_INDEX", "2"), (SHARD_COUNT_ENV, "4")])).unwrap().unwrap();
        assert_eq!(s, Shard::new(2, 4).unwrap());
        assert!(src.to_string().contains("JOB_COMPLETION_INDEX=2"));
        let e = from_env(env(&[("JOB_COMPLETION_INDEX", "2")])).unwrap_err();
        assert!(e.contains(SHARD_COUNT_ENV), "{e}");
        let e = from_env(env(&[("SLURM_ARRAY_TASK_ID", "9"), ("SLURM_ARRAY_TASK_COUNT", "4")])).unwrap_err();
        assert!(e.contains("shard index 9"), "{e}");
        let e = from_env(env(&[("SLURM_ARRAY_TASK_ID", "x")])).unwrap_err();
        assert!(e.contains("SLURM_ARRAY_TASK_ID=\"x\""), "{e}");
    }
}
