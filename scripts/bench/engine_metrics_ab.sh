#!/usr/bin/env bash
# The engine and metrics benchmarks of two commits in the same run (issue 12's "no loss of
# speed"): core's criterion bench `onnx_engine` (GBDT 100×6 and an MLP on 1 M rows) and the
# native `eval_metrics` bench (every binary metric and the calibration on 10 M rows), each
# built from its own tree, then run interleaved: base, this tree, base, this tree.
#
#   scripts/bench/engine_metrics_ab.sh BASE_TREE
#
# BASE_TREE: a checkout of the older commit, e.g.
#   git worktree add /tmp/lockstep-base c3c57e7 && scripts/bench/engine_metrics_ab.sh /tmp/lockstep-base
# EVAL_BENCH_ROWS / EVAL_BENCH_REPS pass through to eval_metrics (defaults 10 M, 3).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source scripts/env.sh >/dev/null 2>&1 || true
BASE_TREE=${1:?BASE_TREE}
exes() { # TREE → the two bench executables, onnx_engine first
  (cd "$1" && cargo bench -p lockstep-core --bench onnx_engine --bench eval_metrics --no-run \
    --message-format=json 2>/dev/null) | python3 -c '
import json, sys
found = {}
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] in ("onnx_engine", "eval_metrics"):
        found[m["target"]["name"]] = m["executable"]
print(found["onnx_engine"], found["eval_metrics"])'
}
read -r BASE_ENGINE BASE_METRICS < <(exes "$BASE_TREE")
read -r NEW_ENGINE NEW_METRICS < <(exes .)
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); base $(git -C "$BASE_TREE" rev-parse --short HEAD), new $(git rev-parse --short HEAD)"
# Criterion keeps its history under each tree's target directory (CRITERION_HOME), not
# under core/.
for round in 1 2; do
  for who in base new; do
    engine=$BASE_ENGINE; [ "$who" = new ] && engine=$NEW_ENGINE
    echo "== $who, round $round: onnx_engine"
    tree=$([ "$who" = base ] && echo "$BASE_TREE" || pwd)
    (cd "$tree/core" && CRITERION_HOME="$tree/target/criterion" "$engine" --bench --noplot --warm-up-time 2 --measurement-time 8 2>&1 \
      | grep -E "^onnx_engine|time:|thrpt:")
  done
done
for round in 1 2; do
  for who in base new; do
    metrics=$BASE_METRICS; [ "$who" = new ] && metrics=$NEW_METRICS
    echo "== $who, round $round: eval_metrics"
    (cd "$([ "$who" = base ] && echo "$BASE_TREE" || echo .)/core" && "$metrics" --bench 2>&1 | tail -n 4)
  done
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
