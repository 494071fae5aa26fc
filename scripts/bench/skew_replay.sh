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

"$BIN" serve --model tests/data/serving/model.onnx --pipeline tests/data/serving/pipeline.json \
  --addr 127.0.0.1:0 --log-dir "$WORK/seed" >"$WORK/serve.out" 2>/dev/null &
SERVER=$!
for _ in $(seq 50); do grep -q listening "$WORK/serve.out" 2>/dev/null && break; sleep 0.2; done
ADDR=$(sed -n 's|lockstep serve: listening on http://\(.*\)/|\1|p' "$WORK/serve.out")
while read -r row; do
  curl -sf -X POST "http://$ADDR/v1/predict" -H 'content-type: application/json' \
    -d "{\"rows\":[$row]}" >/dev/null
done < tests/data/transforms/train.jsonl
kill -TERM "$SERVER"; wait "$SERVER" || true

replicate() { # $1 rows, $2 file
  .venv/bin/python - "$1" "$2" "$WORK"/seed/*.jsonl <<'PY'
import json, sys
rows, out, seeds = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
records = [json.loads(l) for f in seeds for l in open(f) if l.strip()]
with open(out, "w") as f:
    for i in range(rows):
        r = records[i % len(records)]
        # log_format 2 keeps the request's fields once, under `request`; 1 had them
        # on every row (LOCKSTEP_BIN may be an older commit's build).
        (r["request"] if "request" in r else r)["request_id"] = f"bench-{i}"
        f.write(json.dumps(r, separators=(",", ":")) + "\n")
PY
}

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
  replicate "$n" "$WORK/logs-$n/predictions.jsonl"
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
