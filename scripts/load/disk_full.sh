#!/usr/bin/env bash
# Disk-full run for `lockstep serve`'s prediction log (issue 19, finding 4), loopback only,
# bounded. The server runs under a file-size limit (`ulimit -f`, in KiB), so log writes
# past it fail with EFBIG as on a full disk (the server turns SIGXFSZ into that error).
# A client posts 3-row batches for SECONDS; the script prints answers by status, the
# rows on disk, the writer's written/dropped counters and readiness, for each policy.
# Usage: scripts/load/disk_full.sh [LIMIT_KIB] [SECONDS]  (defaults 256 8)
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/env.sh
LIMIT=${1:-256}
SECONDS_RUN=${2:-8}
BIN=target/release/lockstep
[ -x "$BIN" ] || BIN=target/debug/lockstep
[ -x "$BIN" ] || cargo build -p lockstep-serve
for POLICY in refuse answer; do
  LOGS=$(mktemp -d)
  OUT=$(mktemp)
  (ulimit -f "$LIMIT"; exec "$BIN" serve --model tests/data/serving/model.onnx \
    --pipeline tests/data/serving/pipeline.json --name m --addr 127.0.0.1:0 \
    --log-dir "$LOGS" --log-max-bytes 100000000 --log-flush-ms 100 \
    --on-log-failure "$POLICY" >"$OUT" 2>/dev/null) &
  PID=$!
  for _ in $(seq 100); do grep -q listening "$OUT" && break; sleep 0.1; done
  ADDR=$(sed -n 's|.*listening on http://\(.*\)/$|\1|p' "$OUT")
  echo "== --on-log-failure $POLICY, file-size limit ${LIMIT} KiB, ${SECONDS_RUN} s =="
  python3 - "$ADDR" "$SECONDS_RUN" <<'PY'
import http.client, json, sys, time
addr, seconds = sys.argv[1], float(sys.argv[2])
host, port = addr.rsplit(":", 1)
rows = [json.loads(l) for l in open("tests/data/transforms/test.jsonl")][:3]
body = json.dumps({"rows": rows})
statuses, answered_rows, ready_seen = {}, 0, set()
conn = http.client.HTTPConnection(host, int(port), timeout=10)
end = time.monotonic() + seconds
n = 0
while time.monotonic() < end:
    conn.request("POST", "/v1/predict", body, {"Content-Type": "application/json"})
    r = conn.getresponse(); r.read()
    statuses[r.status] = statuses.get(r.status, 0) + 1
    if r.status == 200:
        answered_rows += 3
    n += 1
    if n % 20 == 0:
        conn.request("GET", "/v2/health/ready"); rr = conn.getresponse(); rr.read()
        ready_seen.add(rr.status)
time.sleep(0.5)
conn.request("GET", "/metrics"); m = conn.getresponse().read().decode()
metric = lambda name: next(float(l.split()[-1]) for l in m.splitlines() if l.startswith(name + " "))
print(f"requests by status: {dict(sorted(statuses.items()))}")
print(f"rows answered: {answered_rows}")
print(f"readiness statuses seen: {sorted(ready_seen)}")
print(f"lockstep_log_rows_written_total {metric('lockstep_log_rows_written_total'):.0f}, "
      f"lockstep_log_dropped_rows_total {metric('lockstep_log_dropped_rows_total'):.0f}")
PY
  kill -TERM $PID; wait $PID && STATUS=0 || STATUS=$?
  LINES=$(cat "$LOGS"/*.jsonl | wc -l)
  TORN=0
  for f in "$LOGS"/*.jsonl; do
    if [ -s "$f" ] && [ "$(tail -c1 "$f" | od -An -tx1 | tr -d ' ')" != "0a" ]; then TORN=$((TORN + 1)); fi
  done
  echo "log files: $(ls "$LOGS" | wc -l), complete lines on disk: $LINES, files ending in a torn line: $TORN, exit status: $STATUS"
  rm -rf "$LOGS" "$OUT"
done
