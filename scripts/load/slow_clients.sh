#!/usr/bin/env bash
# Slow-client storm against `lockstep serve` (issue 19, finding 2), loopback only, bounded.
# Starts the server on the serving fixtures with a small connection cap and short header
# timeout, runs scripts/load/slow_clients.py against it, then sends SIGTERM and times the
# drain. Prints the figures. Usage: scripts/load/slow_clients.sh [SILENT] [TRICKLE] [SECONDS]
# (defaults 2000 200 20). Uses target/release/lockstep when built, else target/debug.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/env.sh
SILENT=${1:-2000}
TRICKLE=${2:-200}
SECONDS_RUN=${3:-20}
BIN=target/release/lockstep
[ -x "$BIN" ] || BIN=target/debug/lockstep
[ -x "$BIN" ] || cargo build -p lockstep-serve
LOGS=$(mktemp -d)
OUT=$(mktemp)
"$BIN" serve --model tests/data/serving/model.onnx --pipeline tests/data/serving/pipeline.json \
  --name m --addr 127.0.0.1:0 --log-dir "$LOGS" --max-connections 256 --header-timeout 5 \
  --shutdown-timeout 5 >"$OUT" 2>/dev/null &
PID=$!
trap 'kill -9 $PID 2>/dev/null || true; rm -rf "$LOGS" "$OUT"' EXIT
for _ in $(seq 100); do grep -q listening "$OUT" && break; sleep 0.1; done
ADDR=$(sed -n 's|.*listening on http://\(.*\)/$|\1|p' "$OUT")
echo "server $BIN pid $PID on $ADDR (--max-connections 256 --header-timeout 5)"
python3 scripts/load/slow_clients.py --addr "$ADDR" --silent "$SILENT" --trickle "$TRICKLE" \
  --seconds "$SECONDS_RUN" --pid "$PID"
START=$(date +%s.%N)
kill -TERM $PID
wait $PID && STATUS=0 || STATUS=$?
END=$(date +%s.%N)
echo "SIGTERM to exit: $(echo "$END - $START" | bc) s, exit status $STATUS"
