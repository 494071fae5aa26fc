#!/usr/bin/env bash
# Skew replay, two builds in the same run (issue 12's "no loss of speed"): BASE_BIN's server
# writes a log (its format), NEW_BIN's server another (its format); each is grown to ROWS
# lines (the 400 served rows of tests/data/transforms/train.jsonl repeated, fresh request
# ids); then, interleaved, 3 runs each, on all cores and on 1 thread: BASE on its log, NEW
# on BASE's log and on its own. Prints seconds per run (wall clock, `--no-ort`).
#
#   scripts/bench/skew_ab.sh BASE_BIN NEW_BIN [ROWS]      (default 500000)
#
# e.g. BASE_BIN: a release build of c3c57e7 (before the renovation), NEW_BIN: this tree's
# (cargo build --release -p lockstep-serve). Needs the .venv of scripts/setup.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source scripts/env.sh >/dev/null 2>&1 || true
BASE=${1:?BASE_BIN}; NEW=${2:?NEW_BIN}; ROWS=${3:-500000}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
source scripts/bench/skew_log.sh
mkdir -p "$W/seed-base" "$W/seed-new" "$W/log-base" "$W/log-new"
seed_log "$BASE" "$W/seed-base"; seed_log "$NEW" "$W/seed-new"
grow_log "$W/seed-base" "$ROWS" "$W/log-base/predictions.jsonl"
grow_log "$W/seed-new" "$ROWS" "$W/log-new/predictions.jsonl"
echo "logs: base $(stat -c %s "$W/log-base/predictions.jsonl") bytes, new $(stat -c %s "$W/log-new/predictions.jsonl") bytes, $ROWS rows each"
run() { # BIN LOGDIR LABEL [--threads 1]
  /usr/bin/time -f '%e' -o "$W/time" "$1" skew --log "$2" --pipeline tests/data/serving/pipeline.json \
    --model tests/data/serving/model.onnx --train tests/data/transforms/train.csv --no-ort \
    ${4:-} --format json -o "$W/report.json" >/dev/null 2>&1
  echo "$3 ${4:-all cores}: $(cat "$W/time") s"
}
for threads in "" "--threads 1"; do
  for _ in 1 2 3; do
    run "$BASE" "$W/log-base" "base on its log" "$threads"
    run "$NEW" "$W/log-base" "new  on base's log" "$threads"
    run "$NEW" "$W/log-new" "new  on its log" "$threads"
  done
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
