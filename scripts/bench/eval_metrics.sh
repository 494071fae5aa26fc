#!/usr/bin/env bash
# Benchmark: every binary classification metric and the calibration on 10 M rows, in one
# run: lockstep-core natively, lockstep-core in wasm32 under Node, and scikit-learn, on
# identical rows (core/benches/shared/eval_data.rs; the Python script makes the same rows
# with the same generator). Prints rows/s and the ratios, after checking that the three
# agree on every metric (confusion counts exactly, the rest within 1e-9).
#
#   scripts/bench/eval_metrics.sh
#
# Each side: one warm-up run, then the median of 3 timed runs; generating the rows is
# not timed. Needs wasm-bindgen-cli (scripts/setup.sh installs it) and .venv.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source scripts/env.sh
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

echo "== lockstep-core, native (x86_64)"
cargo bench --locked -p lockstep-core --bench eval_metrics | tee "$WORK/native.out"
echo "== lockstep-core, wasm32 under Node $(node --version)"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --release --locked -p lockstep-core --target wasm32-unknown-unknown \
  --test eval_metrics_wasm -- --include-ignored --nocapture | tee "$WORK/wasm.out"
echo "== scikit-learn"
.venv/bin/python scripts/bench/eval_metrics_sklearn.py | tee "$WORK/sklearn.out"

.venv/bin/python - "$WORK/native.out" "$WORK/wasm.out" "$WORK/sklearn.out" <<'PY'
import json, math, sys

results = []
for path in sys.argv[1:]:
    lines = [l for l in open(path) if l.startswith("RESULT ")]
    if not lines:
        sys.exit(f"no RESULT line in {path}")
    results.append(json.loads(lines[-1][len("RESULT "):]))
native, wasm, sklearn = results
for other in (wasm, sklearn):
    for key, expected in native["values"].items():
        got = other["values"][key]
        same = got == expected if key == "confusion" else math.isclose(got, expected, rel_tol=0, abs_tol=1e-9)
        if not same:
            sys.exit(f"{other['target']} {key} = {got}, native {expected}: not the same evaluation")
rows = native["rows"]
print(f"\nAll three agree on every metric (|diff| <= 1e-9). {rows:,} rows:")
print(f"{'':<28}{'median s':>10}{'rows/s':>14}{'vs scikit-learn':>17}")
for r in results:
    name = f"scikit-learn {r['version']}" if r["target"] == "scikit-learn" else f"lockstep-core {r['target']}"
    ratio = sklearn["median_s"] / r["median_s"]
    print(f"{name:<28}{r['median_s']:>10.3f}{rows / r['median_s']:>14,.0f}{ratio:>16.1f}x")
print(f"wasm32 / native: {native['median_s'] / wasm['median_s']:.2f}")
PY
