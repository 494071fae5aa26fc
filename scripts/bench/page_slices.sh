#!/usr/bin/env bash
# Benchmark: the slice finder in the page (issue 15), 1 M rows × 30 columns, max level 3,
# in headless Chromium's worker: scripts/bench/gen_slice_rows.py makes the rows (the shape
# of core/benches/slice_finder.rs, with a label and a prediction), then
# tests/browser/bench_page_slices.mjs loads them and runs the Slices cell. Needs the page
# in dist/ (scripts/build-web.sh) and the CLI (cargo build -p lockstep-serve).
#
#   scripts/bench/page_slices.sh [ROWS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source scripts/env.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
.venv/bin/python scripts/bench/gen_slice_rows.py --rows "${1:-1000000}" --out "$work/slice_rows.csv"
node tests/browser/bench_page_slices.mjs "$work/slice_rows.csv"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
