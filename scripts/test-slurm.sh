#!/usr/bin/env bash
# Real-engine test of `tracklayer study`: a one-node Slurm cluster started by hand (no
# systemd), a small study submitted as an array job with a dependent merge job, and a
# check that the merged trial table is byte-identical to the same study run in one
# process. Every daemon it starts is stopped by its process id on exit.
#
# Needs root (it installs Debian's slurmctld, slurmd, slurm-client and munge when they
# are missing, and runs munged as the munge user). Set TL_SKIP_SLURM=1 to skip it.
# Uses TCP ports 16817-16818 on 127.0.0.1 (override with TL_SLURM_PORT=N for N, N+1).
#
# Usage: scripts/test-slurm.sh [path/to/tracklayer]   (default: builds it with cargo)
set -euo pipefail

if [ "${TL_SKIP_SLURM:-0}" = 1 ]; then
  echo "test-slurm: skipped (TL_SKIP_SLURM=1)"
  exit 0
fi
root=$(cd "$(dirname "$0")/.." && pwd)
t_start=$(date +%s)
say() { echo "test-slurm: $*"; }
fail() { echo "test-slurm: FAILED: $*" >&2; exit 1; }

# --- The binary -----------------------------------------------------------------------
if [ $# -ge 1 ]; then
  bin=$(realpath "$1")
else
  (cd "$root" && cargo build -q -p tracklayer)
  bin="${CARGO_TARGET_DIR:-$root/target}/debug/tracklayer"
fi
[ -x "$bin" ] || fail "no tracklayer binary at $bin"
t_built=$(date +%s)

# --- Slurm and munge from Debian's packages ---------------------------------------------
[ "$(id -u)" = 0 ] || fail "needs root (to install Slurm and run munged as the munge user); TL_SKIP_SLURM=1 skips"
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null \
   || ! command -v munged >/dev/null; then
  say "installing slurmctld slurmd slurm-client munge"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null 2>&1 || {
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null
  }
fi
id munge >/dev/null 2>&1 || fail "the munge package did not create the munge user"

# --- A private one-node cluster in a temporary folder -------------------------------------
work=$(mktemp -d /tmp/tl-slurm.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  local rc=$?
  # Stop what we started, newest first, by process id; then make sure they are gone.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  if [ $rc -ne 0 ]; then
    echo "--- logs in $work ---" >&2
    tail -n 20 "$work"/log/* "$work"/cluster/logs/* 2>/dev/null >&2 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
port=${TL_SLURM_PORT:-16817}
for p in "$port" "$((port + 1))"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then fail "port $p on 127.0.0.1 is in use (set TL_SLURM_PORT)"; fi
done

# munged, as the munge user, with its own key, socket and files (a system munged, if
# any, is left alone).
mkdir -p "$work/munge" "$work/munge-run" "$work/state" "$work/spool" "$work/log"
if [ -r /etc/munge/munge.key ]; then
  cp /etc/munge/munge.key "$work/munge/munge.key"
else
  head -c 1024 /dev/urandom > "$work/munge/munge.key"
fi
chown -R munge:munge "$work/munge" "$work/munge-run"
chmod 700 "$work/munge"
chmod 755 "$work/munge-run"
chmod 400 "$work/munge/munge.key"
sock="$work/munge-run/munge.sock"
setpriv --reuid=munge --regid=munge --clear-groups /usr/sbin/munged --foreground \
  --socket="$sock" --key-file="$work/munge/munge.key" --pid-file="$work/munge-run/munged.pid" \
  --log-file="$work/munge/munged.log" --seed-file="$work/munge/munged.seed" > "$work/log/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
munge -S "$sock" -n | unmunge -S "$sock" >/dev/null || fail "munged does not answer on $sock"

host=$(hostname -s)
cat > "$work/slurm.conf" <<EOF
ClusterName=tltest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock
SlurmctldPort=$port
SlurmdPort=$((port + 1))
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$work/slurm.conf"
/usr/sbin/slurmctld -D -i > "$work/log/slurmctld.out" 2>&1 &
pids+=($!)
/usr/sbin/slurmd -D > "$work/log/slurmd.out" 2>&1 &
pids+=($!)
state=
for _ in $(seq 100); do
  state=$(sinfo -h -o %T 2>/dev/null || true)
  [ "$state" = idle ] && break
  sleep 0.2
done
[ "$state" = idle ] || fail "the node did not come up (state '$state')"
t_cluster=$(date +%s)
say "cluster up: node $host idle (slurmctld/slurmd/munged pids ${pids[*]})"

# --- A small study: one sweep, one draw, a few trials per point ---------------------------
cat > "$work/study.toml" <<'EOF'
[study]
name = "ci-slurm"
scenario = "tranche0-quick"
trials = 3
seed = 4242
metrics = ["satellites", "steps"]

[set]
duration_s = 60.0

[sweep]
"constellation.tracking-t0.orbit.total" = [4, 8]

[draw]
"constellation.tracking-t0.orbit.raan0_deg" = "uniform(0, 90)"
EOF

# The same study in one process (no shards given: the whole study, then the merge).
"$bin" study run "$work/study.toml" --out "$work/local" --quiet

# On the cluster: 3 shards as an array job, the merge as a dependent job.
"$bin" study slurm "$work/study.toml" --out "$work/cluster" --shards 3 > "$work/log/slurm-gen.out"
submitted=$(bash "$work/cluster/slurm/submit.sh")
say "$submitted"
shards_job=$(sed -n 's/^shards: job \([0-9]*\).*/\1/p' <<<"$submitted")
merge_job=$(sed -n 's/.*merge: job \([0-9]*\).*/\1/p' <<<"$submitted")
[ -n "$shards_job" ] && [ -n "$merge_job" ] || fail "could not read the job ids from: $submitted"

deadline=$(($(date +%s) + 120))
while [ -n "$(squeue -h -j "$shards_job,$merge_job" 2>/dev/null)" ]; do
  [ "$(date +%s)" -lt "$deadline" ] || { squeue >&2; fail "jobs still queued after 120 s"; }
  sleep 0.5
done
merge_state=$(scontrol show job "$merge_job" | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')
[ "$merge_state" = COMPLETED ] || fail "merge job $merge_job ended $merge_state"
t_jobs=$(date +%s)

# --- Checks --------------------------------------------------------------------------------
n_shards=$(find "$work/cluster/shards" -mindepth 1 -maxdepth 1 -name 'shard-*-of-00003' | wc -l)
[ "$n_shards" = 3 ] || fail "expected 3 shard folders, found $n_shards"
for k in 0 1 2; do
  grep -q "shard $k/3" "$work/cluster/logs/shard-$k.log" || fail "array task $k did not run shard $k/3"
done
for f in trials.parquet points.parquet points.csv summary.json; do
  cmp "$work/local/results/$f" "$work/cluster/results/$f" || fail "results/$f differs between Slurm and one process"
done
rows=$(python3 - "$work/cluster/results/summary.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
print(s["trials"], s["failed"])
EOF
)
[ "$rows" = "6 0" ] || fail "merged summary says trials/failed = $rows, expected 6 0"
say "ok: array job $shards_job (3 shards) + merge job $merge_job; merged tables byte-identical to one process"
say "times: build $((t_built - t_start)) s, install+cluster $((t_cluster - t_built)) s, study $((t_jobs - t_cluster)) s"
