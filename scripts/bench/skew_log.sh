# Sourced by the skew benchmarks (skew_replay.sh, skew_ab.sh): a real prediction log.
#
#   seed_log BIN DIR        BIN's `lockstep serve` answers the 400 rows of
#                           tests/data/transforms/train.jsonl once each, logging into DIR
#   grow_log SEED_DIR ROWS OUT
#                           ROWS lines from SEED_DIR's records, repeated, each with a fresh
#                           request id (log format 1 or 2), written to OUT
seed_log() {
  local out="$2/serve.out" pid addr
  "$1" serve --model tests/data/serving/model.onnx --pipeline tests/data/serving/pipeline.json \
    --addr 127.0.0.1:0 --log-dir "$2" >"$out" 2>/dev/null &
  pid=$!
  for _ in $(seq 100); do grep -q listening "$out" 2>/dev/null && break; sleep 0.1; done
  addr=$(sed -n 's|lockstep serve: listening on http://\(.*\)/|\1|p' "$out")
  while read -r row; do
    curl -sf -X POST "http://$addr/v1/predict" -H 'content-type: application/json' \
      -d "{\"rows\":[$row]}" >/dev/null
  done < tests/data/transforms/train.jsonl
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  rm -f "$out"
}

grow_log() {
  .venv/bin/python - "$2" "$3" "$1"/*.jsonl <<'PY'
import json, sys
rows, out, seeds = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
records = [json.loads(l) for f in seeds for l in open(f) if l.strip()]
with open(out, "w") as f:
    for i in range(rows):
        r = records[i % len(records)]
        # log_format 2 keeps the request's fields once, under `request`; 1 had them
        # on every row (the binary may be an older commit's build).
        (r["request"] if "request" in r else r)["request_id"] = f"bench-{i}"
        f.write(json.dumps(r, separators=(",", ":")) + "\n")
PY
}
