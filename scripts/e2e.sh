#!/usr/bin/env bash
# Browser end-to-end test of the viewer (web/e2e/viewer.test.mjs): installs Debian's
# chromium and the viewer's npm packages when missing, builds tracklayer, runs a small
# scenario into target/e2e/run, serves it on a free loopback port and drives chromium
# (playwright-core, software WebGL). Leaves target/e2e/screenshot.png as an artefact.
#
#   scripts/e2e.sh            # TL_E2E_SCENARIO=NAME picks another scenario
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/target/e2e
SCENARIO=${TL_E2E_SCENARIO:-tranche0-quick}
start=$(date +%s)

if [ ! -x /usr/bin/chromium ]; then
  echo "e2e: installing Debian's chromium"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
if [ ! -f web/node_modules/cesium/Build/Cesium/Cesium.js ] || [ ! -d web/node_modules/playwright-core ]; then
  echo "e2e: npm ci in web/"
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
fi

# Release by default: scripts/test.sh has just built the release profile.
PROFILE=${TL_E2E_PROFILE:-release}
if [ "$PROFILE" = release ]; then cargo build -q --release -p tracklayer; else cargo build -q -p tracklayer; fi
mkdir -p "$OUT"
# A private copy: the target folder may be shared with other builds.
cp "${CARGO_TARGET_DIR:-$ROOT/target}/$PROFILE/tracklayer" "$OUT/tracklayer"
rm -rf "$OUT/run"
"$OUT/tracklayer" run "$SCENARIO" --out "$OUT/run" >/dev/null

TL_BIN="$OUT/tracklayer" TL_E2E_RUN="$OUT/run" TL_E2E_OUT="$OUT" node --test web/e2e/
echo "e2e: done in $(( $(date +%s) - start )) s; screenshot $OUT/screenshot.png"
