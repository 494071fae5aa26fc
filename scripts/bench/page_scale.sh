#!/usr/bin/env bash
# Benchmark: the default evaluation report on large files in the page (headless
# Chromium, the worker, single-threaded wasm32): 1 M rows from CSV, and with `--10m`
# 10 M rows × 30 columns from Parquet. Needs a release build of the page in dist/
# (scripts/build-web.sh) and the CLI (cargo build -p lockstep-serve). Files are made in
# a temporary directory by scripts/bench/gen_eval_rows.py and deleted afterwards.
#
#   scripts/bench/page_scale.sh [--10m]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source scripts/env.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
files=("$work/rows_1m.csv")
.venv/bin/python scripts/bench/gen_eval_rows.py --rows 1000000 --out "$work/rows_1m.csv"
if [ "${1:-}" = "--10m" ]; then
  .venv/bin/python scripts/bench/gen_eval_rows.py --rows 10000000 --features 28 --out "$work/rows_10m.parquet"
  files+=("$work/rows_10m.parquet")
fi
node tests/browser/bench_page_scale.mjs "${files[@]}"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
