#!/usr/bin/env bash
# lockstep.Pipeline.transform vs scikit-learn's ColumnTransformer on 1 M rows x 30
# columns, same run (scripts/bench/python_transform.py): builds the release wheel with
# maturin, installs it into target/python-venv (scripts/setup.sh makes it), runs the bench.
# BENCH_ROWS and BENCH_REPS override the size and the repetitions.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source scripts/env.sh
VENV=target/python-venv
rm -f target/wheels-release/lockstep-*.whl
"$VENV/bin/maturin" build --quiet --release --locked --manifest-path python/Cargo.toml \
  --interpreter "$VENV/bin/python" --out target/wheels-release
"$VENV/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps target/wheels-release/lockstep-*.whl
"$VENV/bin/python" scripts/bench/python_transform.py
