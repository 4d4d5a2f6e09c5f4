#!/usr/bin/env python3
"""Peer comparison: Stone Soup (bench.py from the shared peer-benchmark folder) against
tracklayer's Cartesian tracker on the very same data.

For each size (10 targets x 100 scans, 100 x 100, 500 x 10, the sizes of the peer's
README) this script

1. runs the peer's bench.py in a venv it creates (simulates the scene, tracks it with
   Stone Soup, writes measurements.csv / truth.csv / params.json / tracks.csv /
   result.json);
2. runs tracklayer's Cartesian tracker on that folder's measurements.csv and
   params.json (truth.csv only for scoring), timing the tracking loop alone as the peer
   does (best of several repeats) and also the whole process (parse + track + write);
3. re-scores tracklayer's tracks.csv with Stone Soup's own OSPAMetric, as an
   independent check of our OSPA;
4. prints both trackers' measurements per second and mean OSPA side by side, and a
   Markdown table for BENCHMARKS.md.

Usage:  python3 bench/stonesoup_compare.py [--work DIR] [--venv DIR] [--sizes 10x100,100x100,500x10]
Only the standard library is needed outside the venv.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def sh(cmd, **kw):
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, check=True, **kw)


def find_peer_dir():
    for cand in (os.environ.get("STONESOUP_BENCH_DIR"),
                 os.path.join(REPO, "..", "shared", "bench", "stonesoup"),
                 os.path.join(REPO, "..", "..", "shared", "bench", "stonesoup"),
                 "/work/shared/bench/stonesoup"):
        if cand and os.path.isfile(os.path.join(cand, "bench.py")):
            return os.path.abspath(cand)
    sys.exit("cannot find the peer benchmark (bench.py); set STONESOUP_BENCH_DIR")


def ensure_venv(venv, peer):
    py = os.path.join(venv, "bin", "python")
    if not os.path.exists(py):
        sh([sys.executable, "-m", "venv", venv])
    ok = subprocess.run([py, "-c", "import stonesoup"], capture_output=True).returncode == 0
    if not ok:
        sh([py, "-m", "pip", "install", "-q", "-r", os.path.join(peer, "requirements.txt")])
    return py


OSPA_SNIPPET = r"""
import csv, sys, json
from collections import defaultdict
from datetime import datetime, timedelta
import numpy as np
from stonesoup.types.state import State
from stonesoup.measures import Euclidean
from stonesoup.metricgenerator.ospametric import OSPAMetric
run, tracks_csv, c, p = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
T0 = datetime(2025, 1, 1)
def load(path, cols):
    out = defaultdict(list)
    with open(path) as f:
        for r in csv.DictReader(f):
            ts = T0 + timedelta(seconds=float(r["time"]))
            out[ts].append(State(np.array([[float(r[k])] for k in cols]), timestamp=ts))
    return out
trk = load(tracks_csv, ("x", "vx", "y", "vy", "z", "vz"))
tru = load(run + "/truth.csv", ("x", "vx", "y", "vy", "z", "vz"))
m = OSPAMetric(c=c, p=p, measure=Euclidean(mapping=[0, 2, 4]))
vals = [float(m.compute_OSPA_distance(trk.get(t, []), tru.get(t, [])).value)
        for t in sorted(set(trk) | set(tru))]
print(json.dumps({"mean_ospa": float(np.mean(vals))}))
"""


def tracklayer_cmd(build):
    """The command that runs tracklayer's Cartesian tracker on a peer folder."""
    cli = os.path.join(build, "release", "tracklayer")
    if os.path.exists(cli):
        probe = subprocess.run([cli, "track", "--help"], capture_output=True, text=True)
        if probe.returncode == 0 and "--format" in probe.stdout:
            return "cli", cli
    return "example", os.path.join(build, "release", "examples", "cartesian_run")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default="/tmp/tl-stonesoup-compare")
    ap.add_argument("--venv", default="/tmp/stonesoup-venv")
    ap.add_argument("--sizes", default="10x100,100x100,500x10")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=20, help="tracklayer timing repeats (best kept)")
    ap.add_argument("--reuse-peer", action="store_true", help="reuse existing peer runs in --work")
    a = ap.parse_args()
    peer = find_peer_dir()
    py = ensure_venv(a.venv, peer)
    build = os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target"))
    sh(["cargo", "build", "--release", "-q", "-p", "tl-track", "--example", "cartesian_run"], cwd=REPO)
    if os.path.exists(os.path.join(REPO, "crates", "cli", "src", "cmd_track.rs")):
        sh(["cargo", "build", "--release", "-q", "-p", "tracklayer"], cwd=REPO)
    mode, exe = tracklayer_cmd(build)
    os.makedirs(a.work, exist_ok=True)
    rows = []
    for size in a.sizes.split(","):
        n, steps = (int(v) for v in size.split("x"))
        pdir = os.path.join(a.work, f"peer_n{n}")
        tdir = os.path.join(a.work, f"tracklayer_n{n}")
        if not (a.reuse_peer and os.path.exists(os.path.join(pdir, "result.json"))):
            sh([py, os.path.join(peer, "bench.py"), "--n", str(n), "--steps", str(steps),
                "--seed", str(a.seed), "--out", pdir])
        pres = json.load(open(os.path.join(pdir, "result.json")))
        params = json.load(open(os.path.join(pdir, "params.json")))
        def run_tl(repeats):
            if mode == "cli":
                cmd = [exe, "track", "--input", os.path.join(pdir, "measurements.csv"), "--format", "cartesian",
                       "--config", os.path.join(pdir, "params.json"), "--truth", os.path.join(pdir, "truth.csv"),
                       "--out", tdir, "--repeats", str(repeats)]
            else:
                cmd = [exe, pdir, tdir, str(repeats)]
            shutil.rmtree(tdir, ignore_errors=True)
            t0 = time.perf_counter()
            sh(cmd, stdout=subprocess.DEVNULL)
            return time.perf_counter() - t0
        wall = min(run_tl(1) for _ in range(3))
        run_tl(a.repeats)
        tres = json.load(open(os.path.join(tdir, "result.json")))
        check = subprocess.run([py, "-c", OSPA_SNIPPET, pdir, os.path.join(tdir, "tracks.csv"),
                                str(params["ospa_c"]), str(params["ospa_p"])],
                               capture_output=True, text=True, check=True)
        ss_ospa_of_ours = json.loads(check.stdout)["mean_ospa"]
        rows.append(dict(n=n, steps=steps, meas=pres["measurements"],
                         peer_s=pres["track_seconds"], peer_mps=pres["meas_per_s"], peer_ospa=pres["mean_ospa"],
                         tl_s=tres["track_seconds"], tl_mps=tres["meas_per_s"], tl_ospa=tres["mean_ospa"],
                         tl_ospa_ss=ss_ospa_of_ours, tl_wall_mps=pres["measurements"] / wall,
                         speedup=tres["meas_per_s"] / pres["meas_per_s"]))
    hdr = ("| targets | scans | measurements | Stone Soup meas/s | tracklayer meas/s (tracking loop) "
           "| tracklayer meas/s (whole process) | speed-up | Stone Soup mean OSPA | tracklayer mean OSPA "
           "(ours / re-scored by Stone Soup) |")
    print()
    print(hdr)
    print("| --- " * 9 + "|")
    for r in rows:
        print(f"| {r['n']} | {r['steps']} | {r['meas']:,} | {r['peer_mps']:,.0f} | {r['tl_mps']:,.0f} "
              f"| {r['tl_wall_mps']:,.0f} | {r['speedup']:,.0f}x | {r['peer_ospa']:.3f} m "
              f"| {r['tl_ospa']:.3f} m / {r['tl_ospa_ss']:.3f} m |")
    print(f"\n(tracklayer run via: {mode}; tracking-loop time is the best of {a.repeats} repeats; "
          "whole process = one run of the program: start-up, CSV parsing, tracking, scoring, writing; best of 3)")
    json.dump(rows, open(os.path.join(a.work, "comparison.json"), "w"), indent=1)
    fail = [r for r in rows if r["n"] >= 100 and (r["speedup"] < 1000 or round(r["tl_ospa"], 3) > r["peer_ospa"])]
    if fail:
        print("TARGET MISSED for:", [r["n"] for r in fail])
        sys.exit(1)


if __name__ == "__main__":
    main()
