#!/usr/bin/env bash
# The Python package (python/, `import lockstep`), as scripts/test.sh runs it:
#   1. builds the `lockstep` CLI the tests compare with, and the abi3 wheel with maturin
#      (from target/python-venv, which scripts/setup.sh fills from python/requirements-dev.txt);
#   2. installs the wheel into a fresh venv (target/python-fresh, recreated each run)
#      with its declared dependencies only, and imports and runs it there;
#   3. installs it into target/python-venv and runs pytest (python/tests).
# Idempotent; run scripts/setup.sh first (scripts/test.sh does).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh
VENV=target/python-venv
WHEELS=target/wheels
if [ ! -x "$VENV/bin/maturin" ]; then
  echo "[test-python] $VENV has no maturin: run scripts/setup.sh" >&2
  exit 1
fi
START=$(date +%s)
stamp() { printf '[test-python] %s (%ss)\n' "$*" "$(($(date +%s) - START))" >&2; }

cargo build --locked -p lockstep-serve
stamp "lockstep CLI built"
rm -f "$WHEELS"/lockstep-*.whl
# The dev profile: the tests' tables are small, and it reuses `cargo test`'s build of
# lockstep-core. (`maturin build --release` makes the wheel to ship or benchmark.)
"$VENV/bin/maturin" build --quiet --locked --manifest-path python/Cargo.toml \
  --interpreter "$VENV/bin/python" --out "$WHEELS" --profile dev
WHEEL=$(ls "$WHEELS"/lockstep-*.whl)
stamp "wheel built: $WHEEL"

python3 -m venv --clear target/python-fresh
target/python-fresh/bin/pip install --quiet --disable-pip-version-check "$WHEEL"
target/python-fresh/bin/python - <<'PY'
import pyarrow as pa
import lockstep
spec = 'version = 1\n[[columns]]\nname = "x"\nsteps = [{ step = "standardize" }]\n'
p = lockstep.Pipeline.fit(spec, pa.table({"x": [1.0, 2.0, 3.0]}))
assert p.transform_numpy(pa.table({"x": [2.0]})).tolist() == [[0.0]], "wrong features"
print("[test-python] fresh venv: lockstep", lockstep.__version__, "imports and transforms")
PY
stamp "fresh venv checked"

"$VENV/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps "$WHEEL"
LOCKSTEP_BIN="$PWD/target/debug/lockstep" "$VENV/bin/python" -m pytest -q python/tests
stamp "pytest passed"
