#!/usr/bin/env bash
# The slice finder (core/benches/slice_finder.rs) on 1 M rows × 30 columns, max level 3,
# and in the same run the `sliceline` package (SliceLine's Python implementation) on the
# same binned data at growing sizes until it fails or exceeds its time budget.
#
#     scripts/bench/slices.sh
#
# SLICES_BENCH_ROWS (default 1000000), SLICELINE_ROWS (default 10000,100000,1000000) and
# SLICELINE_TIMEOUT (seconds per size, default 120).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source scripts/env.sh
dump=$(mktemp /tmp/slices-bench.XXXXXX.bin)
trap 'rm -f "$dump"' EXIT
SLICES_BENCH_DUMP="$dump" cargo bench -p lockstep-core --bench slice_finder
for n in ${SLICELINE_ROWS:-10000 100000 1000000}; do
  n=${n//,/ }
  if ! timeout "${SLICELINE_TIMEOUT:-120}" .venv/bin/python scripts/bench/slices_sliceline.py "$dump" "$n"; then
    echo "[sliceline] $n rows: failed or over ${SLICELINE_TIMEOUT:-120} s; stopping"
    break
  fi
done
