#!/usr/bin/env bash
# Load test (a benchmark, not a test): `lockstep serve` (release build) vs a minimal
# FastAPI + onnxruntime app serving the same model, on loopback, with wrk.
# Single-row and 64-row requests; each run is bounded by DURATION seconds and
# CONNECTIONS connections. Prints req/s, p50, p99 and the ratio.
#
#   scripts/bench/serve_load.sh            (needs: wrk, target/release/lockstep or
#                                           LOCKSTEP_BIN, .venv with fastapi + uvicorn)
# On a 2-core machine the client and the servers share the cores: compare, don't quote.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source scripts/env.sh
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-8}
LOCKSTEP_BIN=${LOCKSTEP_BIN:-target/release/lockstep}
PYTHON=${PYTHON:-.venv/bin/python}
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

# Request bodies: the same rows, raw for lockstep, transformed (by lockstep) for FastAPI.
grep -v null tests/data/transforms/test.jsonl | head -n 64 > "$WORK/rows64.jsonl"
head -n 1 "$WORK/rows64.jsonl" > "$WORK/rows1.jsonl"
for n in 1 64; do
  "$LOCKSTEP_BIN" transform --pipeline tests/data/serving/pipeline.json \
    --input "$WORK/rows$n.jsonl" -o "$WORK/features$n.csv" 2>/dev/null
  "$PYTHON" - "$WORK" "$n" <<'PY'
import csv, json, sys
work, n = sys.argv[1], sys.argv[2]
rows = [json.loads(l) for l in open(f"{work}/rows{n}.jsonl")]
json.dump({"rows": rows}, open(f"{work}/lockstep{n}.json", "w"))
with open(f"{work}/features{n}.csv") as f:
    feats = [[float(v) for v in r] for r in list(csv.reader(f))[1:]]
json.dump({"features": feats}, open(f"{work}/fastapi{n}.json", "w"))
PY
done

"$LOCKSTEP_BIN" serve --model tests/data/serving/model.onnx --pipeline tests/data/serving/pipeline.json \
  --name m --addr 127.0.0.1:0 --log-dir "$WORK/log" --sessions 2 > "$WORK/serve.out" 2>/dev/null &
PIDS+=($!)
MODEL=tests/data/serving/model.onnx "$PYTHON" -m uvicorn --app-dir scripts/bench fastapi_server:app \
  --host 127.0.0.1 --port "${FASTAPI_PORT:-8090}" --log-level warning &
PIDS+=($!)
for _ in $(seq 100); do grep -q listening "$WORK/serve.out" 2>/dev/null && break; sleep 0.1; done
LOCKSTEP_URL=$(grep -o 'http://[^ ]*' "$WORK/serve.out")
FASTAPI_URL="http://127.0.0.1:${FASTAPI_PORT:-8090}/"
for _ in $(seq 100); do curl -sf -o /dev/null -X POST -H 'content-type: application/json' \
  --data @"$WORK/fastapi1.json" "${FASTAPI_URL}predict" && break; sleep 0.2; done

run() { # name url body -> "req/s p50 p99"
  BODY=$3 wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s scripts/bench/post.lua "$2" > "$WORK/$1.txt"
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/$1.txt")
  p50=$(awk '$1=="50%" {print $2}' "$WORK/$1.txt")
  p99=$(awk '$1=="99%" {print $2}' "$WORK/$1.txt")
  if grep -q "Non-2xx" "$WORK/$1.txt"; then echo "$1: non-2xx responses!" >&2; grep Non-2xx "$WORK/$1.txt" >&2; fi
  echo "$rps $p50 $p99"
}
printf '%-8s %-10s %12s %10s %10s\n' rows server req/s p50 p99
for n in 1 64; do
  read -r l_rps l_p50 l_p99 < <(run "lockstep$n" "${LOCKSTEP_URL}v1/predict" "$WORK/lockstep$n.json")
  read -r f_rps f_p50 f_p99 < <(run "fastapi$n" "${FASTAPI_URL}predict" "$WORK/fastapi$n.json")
  printf '%-8s %-10s %12s %10s %10s\n' "$n" lockstep "$l_rps" "$l_p50" "$l_p99" "$n" fastapi "$f_rps" "$f_p50" "$f_p99"
  awk -v a="$l_rps" -v b="$f_rps" -v n="$n" 'BEGIN {printf "rows=%s  lockstep/fastapi req/s ratio: %.2f\n", n, a/b}'
done
kill -TERM "${PIDS[0]}"; wait "${PIDS[0]}" || true
echo "prediction log rows written by lockstep: $(cat "$WORK"/log/*.jsonl | wc -l)"
