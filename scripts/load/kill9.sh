#!/usr/bin/env bash
# kill -9 under load (issue 19, finding 5), loopback only, bounded. For each --log-sync
# policy, CLIENTS keep-alive clients post 3-row requests for SECONDS; then the server is
# killed with SIGKILL while they are still sending. Printed per policy: requests/s, rows
# answered 200, rows in the log, and answered rows missing from the log (the loss the
# policy allows: `interval` up to one --log-flush-ms of rows, `request` and `fsync` none).
# Usage: scripts/load/kill9.sh [SECONDS] [CLIENTS] [FLUSH_MS]  (defaults 5 8 1000)
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/env.sh
SECONDS_RUN=${1:-5}
CLIENTS=${2:-8}
FLUSH_MS=${3:-1000}
BIN=target/release/lockstep
[ -x "$BIN" ] || BIN=target/debug/lockstep
[ -x "$BIN" ] || cargo build -p lockstep-serve
echo "binary: $BIN; $CLIENTS clients, $SECONDS_RUN s, --log-flush-ms $FLUSH_MS"
for SYNC in interval request fsync; do
  LOGS=$(mktemp -d)
  OUT=$(mktemp)
  # Started from a subshell: the server is not this shell's job, so its SIGKILL is
  # not announced on stderr.
  PID=$( ("$BIN" serve --model tests/data/serving/model.onnx \
    --pipeline tests/data/serving/pipeline.json --name m --addr 127.0.0.1:0 \
    --log-dir "$LOGS" --log-flush-ms "$FLUSH_MS" --log-sync "$SYNC" >"$OUT" 2>/dev/null &
    echo $!) )
  for _ in $(seq 100); do grep -q listening "$OUT" && break; sleep 0.1; done
  ADDR=$(sed -n 's|.*listening on http://\(.*\)/$|\1|p' "$OUT")
  python3 - "$ADDR" "$SECONDS_RUN" "$CLIENTS" "$PID" "$LOGS" "$SYNC" <<'PY'
import glob, http.client, json, os, signal, sys, threading, time
addr, seconds, clients, pid, logs, sync = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
host, port = addr.rsplit(":", 1)
rows = [json.loads(l) for l in open("tests/data/transforms/test.jsonl")][:3]
body = json.dumps({"rows": rows})
answered = [0] * clients
stop = threading.Event()
def client(i):
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    while not stop.is_set():
        try:
            conn.request("POST", "/v1/predict", body, {"Content-Type": "application/json"})
            r = conn.getresponse(); r.read()
        except Exception:
            return
        if r.status == 200:
            answered[i] += 3
threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
start = time.monotonic()
for t in threads: t.start()
time.sleep(seconds)
os.kill(pid, signal.SIGKILL)  # while the clients are still sending
elapsed = time.monotonic() - start
stop.set()
for t in threads: t.join()
logged = 0
for path in glob.glob(os.path.join(logs, "*.jsonl")):
    with open(path, "rb") as f:
        logged += sum(1 for line in f if line.endswith(b"\n"))
total = sum(answered)
print(f"--log-sync {sync:8}  {total / 3 / elapsed:8.0f} req/s  answered rows {total:7}  "
      f"logged rows {logged:7}  answered but lost {max(0, total - logged):6}")
PY
  while kill -0 "$PID" 2>/dev/null; do sleep 0.05; done
  rm -rf "$LOGS" "$OUT"
done
