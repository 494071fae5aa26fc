#!/usr/bin/env bash
# Benchmark: time to interactive on loopback (issue 13): the page as scripts/build-web.sh
# builds it, served by `lockstep demo`, opened cold in headless Chromium several times.
#
#   scripts/bench/tti.sh [RUNS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source scripts/env.sh
[ -f dist/index.html ] || scripts/build-web.sh
cargo build --locked -p lockstep-serve 2>&1 | tail -n 1
node tests/browser/bench_tti.mjs "${1:-7}"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
