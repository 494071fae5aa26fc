#!/usr/bin/env bash
# Soak test of `lockstep serve` (issue 19), loopback only, bounded by SECONDS.
#
#   scripts/load/soak.sh --short                 60 s, a sample every 3 s (the test-command form)
#   scripts/load/soak.sh [SECONDS] [SAMPLE_S]    defaults 600 s and 5 s; hours work too:
#   scripts/load/soak.sh 14400 60                4 hours, a sample a minute
# Env: CLIENTS (4 keep-alive clients, mixed valid/invalid requests), SLOW (16 slow
# clients), LOCKSTEP_BIN (default target/release/lockstep, else target/debug/lockstep).
#
# The server runs on the serving fixtures with --header-timeout 5 and --log-max-bytes 8 MiB
# (the log rotates). scripts/load/soak.py drives it, prints one line per sample (RSS, fds,
# log size, rows, bytes per logged row, req/s, p50/p99) and asserts that RSS, fds,
# log bytes per row and p99 latency do not grow; then the server gets SIGTERM and the log
# must hold exactly the rows answered 200. Exit status 0 when every check holds.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/env.sh >/dev/null 2>&1 || true
if [ "${1:-}" = "--short" ]; then SECS=60; SAMPLE=3; else SECS=${1:-600}; SAMPLE=${2:-5}; fi
BIN=${LOCKSTEP_BIN:-target/release/lockstep}
[ -x "$BIN" ] || BIN=target/debug/lockstep
[ -x "$BIN" ] || cargo build -p lockstep-serve
WORK=$(mktemp -d)
"$BIN" serve --model tests/data/serving/model.onnx --pipeline tests/data/serving/pipeline.json \
  --name m --addr 127.0.0.1:0 --log-dir "$WORK/log" --log-max-bytes $((8 << 20)) \
  --header-timeout "${HEADER_TIMEOUT:-5}" --shutdown-timeout 10 >"$WORK/serve.out" 2>"$WORK/serve.err" &
PID=$!
trap 'kill -9 $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 200); do grep -q listening "$WORK/serve.out" && break; sleep 0.1; done
ADDR=$(sed -n 's|.*listening on http://\(.*\)/$|\1|p' "$WORK/serve.out")
echo "soak: $BIN pid $PID on $ADDR for $SECS s, a sample every $SAMPLE s;" \
  "load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
STATUS=0
python3 scripts/load/soak.py --addr "$ADDR" --pid "$PID" --logs "$WORK/log" \
  --seconds "$SECS" --sample "$SAMPLE" --clients "${CLIENTS:-4}" --slow "${SLOW:-16}" \
  --result "$WORK/result.json" || STATUS=1
kill -TERM $PID
wait $PID && EXIT=0 || EXIT=$?
LOGGED=$(cat "$WORK"/log/*.jsonl 2>/dev/null | wc -l)
FILES=$(ls "$WORK"/log/*.jsonl | wc -l)
ANSWERED=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['rows_ok'])" "$WORK/result.json")
echo "after SIGTERM (exit $EXIT): rows answered 200 $ANSWERED, log lines $LOGGED in $FILES file(s)," \
  "$(du -sh "$WORK/log" | cut -f1)"
if [ "$LOGGED" != "$ANSWERED" ] || [ "$EXIT" != 0 ]; then
  echo "FAIL: the log does not hold exactly the rows answered, or the server did not exit 0"
  STATUS=1
fi
[ $STATUS = 0 ] && echo "soak: PASS" || echo "soak: FAIL"
exit $STATUS
