#!/usr/bin/env bash
# Benchmark: a model's run in the page's evaluation (issue 21), the notebook worker alone
# (`?workers=0`) against its engine workers, on the bench models (tests/data/bench) over
# 1 M rows × 30 features (Parquet) — tests/browser/bench_page_model.mjs in headless
# Chromium. Needs a release build of the page in dist/ (scripts/build-web.sh) and the CLI
# (cargo build -p lockstep-serve). The file is made in a temporary directory by
# scripts/bench/gen_eval_rows.py and deleted afterwards.
#
#   scripts/bench/page_model.sh [ROWS]      # default 1000000; BENCH_REPS (default 3)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source scripts/env.sh
rows=${1:-1000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
.venv/bin/python scripts/bench/gen_eval_rows.py --rows "$rows" --features 30 --no-score \
  --out "$work/model_rows.parquet"
node tests/browser/bench_page_model.mjs "$work/model_rows.parquet"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
