#!/usr/bin/env bash
# All of tracklayer's tests: the Rust workspace (release profile, so the physics tests
# run at full speed) and the end-to-end check that a run folder reads back in Python.
# Later issues add their end-to-end tests (web viewer, server) below.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo test --release --workspace"
cargo test --release --workspace

echo "== scripts/check_outputs.py (run folder read back with pyarrow/pandas)"
python3 scripts/check_outputs.py

echo "== scripts/e2e.sh (viewer in headless chromium: globe, satellites, missiles, tracks)"
bash scripts/e2e.sh

echo "== scripts/test-slurm.sh (a study as a Slurm array job + merge on a one-node cluster)"
cargo build --release -q -p tracklayer
bash scripts/test-slurm.sh "${CARGO_TARGET_DIR:-target}/release/tracklayer"
