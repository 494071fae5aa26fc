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
seed() { # BIN DIR: the server answers every training row once, then stops
  "$1" serve --model tests/data/serving/model.onnx --pipeline tests/data/serving/pipeline.json \
    --addr 127.0.0.1:0 --log-dir "$2" >"$W/serve.out" 2>/dev/null &
  local pid=$!
  for _ in $(seq 100); do grep -q listening "$W/serve.out" 2>/dev/null && break; sleep 0.1; done
  local addr
  addr=$(sed -n 's|lockstep serve: listening on http://\(.*\)/|\1|p' "$W/serve.out")
  while read -r row; do
    curl -sf -X POST "http://$addr/v1/predict" -H 'content-type: application/json' \
      -d "{\"rows\":[$row]}" >/dev/null
  done < tests/data/transforms/train.jsonl
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
}
grow() { # SEED_DIR OUT: ROWS lines from the seed records, request ids renamed
  .venv/bin/python - "$ROWS" "$2" "$1"/*.jsonl <<'PY'
import json, sys
rows, out, seeds = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
records = [json.loads(l) for f in seeds for l in open(f) if l.strip()]
with open(out, "w") as f:
    for i in range(rows):
        r = records[i % len(records)]
        (r["request"] if "request" in r else r)["request_id"] = f"bench-{i}"
        f.write(json.dumps(r, separators=(",", ":")) + "\n")
PY
}
seed "$BASE" "$W/seed-base"; seed "$NEW" "$W/seed-new"
mkdir -p "$W/log-base" "$W/log-new"
grow "$W/seed-base" "$W/log-base/predictions.jsonl"; grow "$W/seed-new" "$W/log-new/predictions.jsonl"
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
