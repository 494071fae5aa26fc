#!/usr/bin/env bash
# Benchmark: `lockstep skew` replaying N logged rows (default 1 000 000), rows/s and peak
# memory, at two log sizes to show memory does not grow with the log; on all cores and on
# one. For scale, the same log read by pandas (just parsing it, no replay) in the same run.
#
#   scripts/bench/skew_replay.sh [ROWS]          (LOCKSTEP_BIN=path: that binary, no build)
#
# The log is real: `lockstep serve` (release) answers the 400 rows of
# tests/data/transforms/train.jsonl, then those records are repeated with fresh request
# ids up to ROWS lines. The serving pipeline has 8 raw inputs and 29 features.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source scripts/env.sh
ROWS=${1:-1000000}
# LOCKSTEP_BIN: a lockstep binary to measure (e.g. another commit's release build);
# without it, this tree's release build.
if [ -z "${LOCKSTEP_BIN:-}" ]; then
  cargo build --release --locked -p lockstep-serve >&2
fi
BIN=${LOCKSTEP_BIN:-target/release/lockstep}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

source scripts/bench/skew_log.sh
mkdir -p "$WORK/seed"
seed_log "$BIN" "$WORK/seed"

run() { # $1 rows, $2 label, rest: extra arguments
  local n=$1 label=$2; shift 2
  /usr/bin/time -f '%e %M' -o "$WORK/time" "$BIN" skew --log "$WORK/logs-$n" \
    --pipeline tests/data/serving/pipeline.json --model tests/data/serving/model.onnx \
    --train tests/data/transforms/train.csv "$@" --format json -o "$WORK/report.json" 2>/dev/null || true
  read -r secs kb <"$WORK/time"
  printf 'skew replay: %8d rows (%4d MB log), %-28s %6.2f s, %9.0f rows/s, peak RSS %5d MB\n' \
    "$n" "$size" "$label" "$secs" "$(echo "$n / $secs" | bc -l)" "$((kb / 1024))"
}

for n in $((ROWS / 10)) "$ROWS"; do
  mkdir -p "$WORK/logs-$n"
  grow_log "$WORK/seed" "$n" "$WORK/logs-$n/predictions.jsonl"
  size=$(du -m "$WORK/logs-$n/predictions.jsonl" | cut -f1)
  run "$n" "core, all cores" --no-ort
  run "$n" "core + ONNX Runtime, all cores"
done
run "$ROWS" "core, 1 thread" --no-ort --threads 1

# Peer, for scale: only reading the same log with pandas (no replay at all).
/usr/bin/time -f '%e %M' -o "$WORK/time" .venv/bin/python -c \
  "import pandas, sys; pandas.read_json(sys.argv[1], lines=True)" "$WORK/logs-$ROWS/predictions.jsonl"
read -r secs kb <"$WORK/time"
printf 'peer:        %8d rows (%4d MB log), %-28s %6.2f s, %9.0f rows/s, peak RSS %5d MB\n' \
  "$ROWS" "$size" "pandas.read_json(lines=True)" "$secs" "$(echo "$ROWS / $secs" | bc -l)" "$((kb / 1024))"
