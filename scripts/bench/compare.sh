#!/usr/bin/env bash
# Benchmark: champion vs challenger on COMPARE_BENCH_ROWS rows (default 1 M) with
# COMPARE_BENCH_REPLICATES paired bootstrap replicates (default 1,000), in one run:
# lockstep-core natively (core/benches/compare.rs), lockstep-core in wasm32 under Node
# (core/tests/compare_wasm.rs: the page's engine, one thread) and the same computation
# in numpy / scikit-learn (scripts/bench/compare_sklearn.py) on identical rows and
# resamples. Checks that all give the same point estimates (1e-9) and the same McNemar
# and DeLong p-values (1e-9 relative), then prints the time per replicate and the
# ratios. The wasm32 run is fixed at 1 M rows × 1,000 replicates; with other
# COMPARE_BENCH_ROWS / COMPARE_BENCH_REPLICATES it is left out. Needs wasm-bindgen-cli
# (scripts/setup.sh installs it) and .venv.
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
if [[ $COMPARE_BENCH_ROWS == 1000000 && $COMPARE_BENCH_REPLICATES == 1000 ]]; then
  echo "== lockstep-core, wasm32 under Node $(node --version), one thread"
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    cargo test --release --locked -p lockstep-core --target wasm32-unknown-unknown \
    --test compare_wasm -- --include-ignored --nocapture | tee "$WORK/wasm.out"
else
  echo "== wasm32 left out (it runs 1 M rows × 1,000 replicates only)"
  : > "$WORK/wasm.out"
fi
echo "== numpy / scikit-learn, one thread"
.venv/bin/python scripts/bench/compare_sklearn.py --rows "$COMPARE_BENCH_ROWS" \
  --replicates "$PEER_REPLICATES" | tee "$WORK/sklearn.out"

.venv/bin/python - "$WORK/native.out" "$WORK/wasm.out" "$WORK/sklearn.out" <<'PY'
import json, math, sys

def result(path):
    lines = [l[l.index("RESULT ") + 7:] for l in open(path) if "RESULT " in l]
    return json.loads(lines[-1]) if lines else None

native, wasm, peer = (result(p) for p in sys.argv[1:])
for ours in filter(None, (native, wasm)):
    for name, (a, b) in peer["values"].items():
        na, nb = ours["values"][name]
        if not (math.isclose(a, na, abs_tol=1e-9) and math.isclose(b, nb, abs_tol=1e-9)):
            sys.exit(f"{name}: scikit-learn {a}, {b} vs {ours['target']} {na}, {nb}: not the same comparison")
    for test in ("mcnemar_p", "delong_p"):
        if not math.isclose(peer[test], ours[test], rel_tol=1e-9, abs_tol=1e-300):
            sys.exit(f"{test}: scikit-learn {peer[test]} vs {ours['target']} {ours[test]}")
per = lambda r, k: r[k] / r["replicates"]
print(f"\nSame estimates (1e-9) and p-values. {native['rows']:,} rows; per paired replicate (both models):")
print(f"  lockstep-core native ({native['metrics']} metrics/model, tests included): "
      f"{per(native, 'seconds') * 1e3:.1f} ms wall, {per(native, 'cpu_seconds') * 1e3:.1f} ms CPU")
print(f"  scikit-learn {peer['version']} ({len(peer['values'])} metrics/model, replicate loop only): "
      f"{per(peer, 'seconds') * 1e3:.1f} ms wall, {per(peer, 'cpu_seconds') * 1e3:.1f} ms CPU")
print(f"  native is {per(peer, 'cpu_seconds') / per(native, 'cpu_seconds'):.1f}x faster in CPU time, "
      f"{per(peer, 'seconds') / per(native, 'seconds'):.1f}x in wall time")
if wasm:
    print(f"  lockstep-core wasm32 under Node (the page's engine): {per(wasm, 'seconds') * 1e3:.1f} ms wall "
          f"per replicate; scikit-learn CPU / wasm32 = {per(peer, 'cpu_seconds') / per(wasm, 'seconds'):.1f}x, "
          f"wasm32 / native wall = {per(wasm, 'seconds') / per(native, 'seconds'):.2f}x")
for r in filter(None, (native, wasm, peer)):
    print(f"  {r['target']}: 1,000 replicates ≈ {1000 * per(r, 'cpu_seconds'):.0f} s CPU")
PY
