#!/usr/bin/env bash
# Benchmark: champion vs challenger on COMPARE_BENCH_ROWS rows (default 1 M) with
# COMPARE_BENCH_REPLICATES paired bootstrap replicates (default 1,000), in one run:
# lockstep-core natively (core/benches/compare.rs) and the same computation in numpy /
# scikit-learn (scripts/bench/compare_sklearn.py) on identical rows and resamples.
# Checks that both give the same point estimates (1e-9) and the same McNemar and
# DeLong p-values (1e-9 relative), then prints the time per replicate and the ratio.
#
#   scripts/bench/compare.sh
#   COMPARE_BENCH_ROWS=100000 COMPARE_PEER_REPLICATES=20 scripts/bench/compare.sh
#
# COMPARE_PEER_REPLICATES (default: the same count) runs fewer replicates on the
# scikit-learn side, whose time per replicate is then what is compared.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source scripts/env.sh
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export COMPARE_BENCH_ROWS=${COMPARE_BENCH_ROWS:-1000000}
export COMPARE_BENCH_REPLICATES=${COMPARE_BENCH_REPLICATES:-1000}
PEER_REPLICATES=${COMPARE_PEER_REPLICATES:-$COMPARE_BENCH_REPLICATES}

echo "== lockstep-core, native (x86_64), one thread"
cargo bench --locked -p lockstep-core --bench compare | tee "$WORK/native.out"
echo "== numpy / scikit-learn, one thread"
.venv/bin/python scripts/bench/compare_sklearn.py --rows "$COMPARE_BENCH_ROWS" \
  --replicates "$PEER_REPLICATES" | tee "$WORK/sklearn.out"

.venv/bin/python - "$WORK/native.out" "$WORK/sklearn.out" <<'PY'
import json, math, sys

native, peer = (json.loads([l for l in open(p) if l.startswith("RESULT ")][-1][7:]) for p in sys.argv[1:])
for name, (a, b) in peer["values"].items():
    na, nb = native["values"][name]
    if not (math.isclose(a, na, abs_tol=1e-9) and math.isclose(b, nb, abs_tol=1e-9)):
        sys.exit(f"{name}: scikit-learn {a}, {b} vs native {na}, {nb}: not the same comparison")
for test in ("mcnemar_p", "delong_p"):
    if not math.isclose(peer[test], native[test], rel_tol=1e-9, abs_tol=1e-300):
        sys.exit(f"{test}: scikit-learn {peer[test]} vs native {native[test]}")
per = lambda r, k: r[k] / r["replicates"]
print(f"\nSame estimates (1e-9) and p-values. {native['rows']:,} rows; per paired replicate (both models):")
print(f"  lockstep-core native ({native['metrics']} metrics/model, tests included): "
      f"{per(native, 'seconds') * 1e3:.1f} ms wall, {per(native, 'cpu_seconds') * 1e3:.1f} ms CPU")
print(f"  scikit-learn {peer['version']} ({len(peer['values'])} metrics/model, replicate loop only): "
      f"{per(peer, 'seconds') * 1e3:.1f} ms wall, {per(peer, 'cpu_seconds') * 1e3:.1f} ms CPU")
print(f"  native is {per(peer, 'cpu_seconds') / per(native, 'cpu_seconds'):.1f}x faster in CPU time, "
      f"{per(peer, 'seconds') / per(native, 'seconds'):.1f}x in wall time")
for r in (native, peer):
    print(f"  {r['target']}: 1,000 replicates ≈ {1000 * per(r, 'cpu_seconds'):.0f} s CPU")
PY
