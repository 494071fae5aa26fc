#!/usr/bin/env bash
# Tail latency of `lockstep serve`, open loop, two builds in the same run (issue 19).
#
#   scripts/load/tail_latency.sh NEW_BIN BASE_BIN [SECONDS] [CONNECTIONS] [ROWS]
#
# NEW_BIN / BASE_BIN: two `lockstep` binaries, e.g. this tree's and the commit before's:
#   git worktree add /tmp/lockstep-base HEAD~ && (cd /tmp/lockstep-base && cargo build --release -p lockstep-serve)
#   scripts/load/tail_latency.sh target/release/lockstep /tmp/lockstep-base/target/release/lockstep
# Both serve the serving fixtures (`--sessions 2`, prediction log on) at once on
# loopback. Each is warmed up, then its peak is measured closed loop (CONNECTIONS
# keep-alive connections, ROWS rows per request, SECONDS/2 s); then both are driven open
# loop (scripts/load/openloop.rs: latency from each request's due time, so queueing
# counts) at 50 % and 90 % of the lower of the two peaks, SECONDS s each, interleaved
# (base, new, base, new). Prints p50 / p99 / p999 per build and load. The client shares
# the machine with the servers: on a loaded machine the tail is the machine's, so quote
# the load average printed first. Defaults: 10 s, 8 connections, 1 row.
set -euo pipefail
cd "$(dirname "$0")/../.."
NEW=${1:?NEW_BIN}
BASE=${2:?BASE_BIN}
SECS=${3:-10}
CONNS=${4:-8}
ROWS=${5:-1}
source scripts/env.sh >/dev/null 2>&1 || true
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
mkdir -p target/load
rustc --edition 2024 -O scripts/load/openloop.rs -o target/load/openloop
GEN=target/load/openloop
python3 - "$ROWS" > "$WORK/body.json" <<'PY'
import json, sys
rows = [json.loads(l) for l in open("tests/data/transforms/test.jsonl") if "null" not in l]
print(json.dumps({"rows": rows[: int(sys.argv[1])]}))
PY
start() {  # start BIN NAME → prints ADDR
  "$1" serve --model tests/data/serving/model.onnx --pipeline tests/data/serving/pipeline.json \
    --name m --addr 127.0.0.1:0 --log-dir "$WORK/log-$2" --sessions 2 >"$WORK/$2.out" 2>/dev/null &
  PIDS+=($!)
  for _ in $(seq 200); do grep -q listening "$WORK/$2.out" && break; sleep 0.1; done
  sed -n 's|.*listening on http://\(.*\)/$|\1|p' "$WORK/$2.out"
}
A_BASE=$(start "$BASE" base)
A_NEW=$(start "$NEW" new)
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); cores: $(nproc); $CONNS connections, $ROWS row(s)/request"
echo "base: $BASE ($A_BASE)"
echo "new:  $NEW ($A_NEW)"
run() { "$GEN" "$1" /v1/predict "$WORK/body.json" "$2" "$3" "$CONNS"; }
PEAK_S=$(python3 -c "print(max(2, $SECS / 2))")
for who in base new; do
  addr=$([ $who = base ] && echo "$A_BASE" || echo "$A_NEW")
  run "$addr" 0 2 >/dev/null  # warm-up
  line=$(run "$addr" 0 "$PEAK_S")
  echo "$who closed loop: $line"
  eval "PEAK_$who=$(sed -n 's/.*achieved=\([0-9]*\)\/s.*/\1/p' <<<"$line")"
done
PEAK=$(( PEAK_base < PEAK_new ? PEAK_base : PEAK_new ))
for pct in 50 90; do
  rate=$(( PEAK * pct / 100 ))
  for who in base new; do
    addr=$([ $who = base ] && echo "$A_BASE" || echo "$A_NEW")
    echo "$who open loop at $pct % of $PEAK/s: $(run "$addr" "$rate" "$SECS")"
  done
done
