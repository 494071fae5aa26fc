#!/usr/bin/env bash
# Benchmark: the default evaluation report (every metric, both reliability diagrams and
# 1,000 bootstrap replicates) on 1 M rows of a binary score, natively — the multinomial
# bootstrap on one thread (before issue 13), the Poisson bootstrap on one thread (what the
# page runs, single-threaded) and on every core — then the same evaluation as a
# Jupyter-style scikit-learn run (scripts/bench/eval_metrics_sklearn.py: the metrics once,
# then B bootstrap replicates with Poisson sample weights, extrapolated to 1,000), in one run.
#
#   scripts/bench/eval_report.sh [REPLICATES] [SKLEARN_REPLICATES]
#
# REPLICATES (default 1000) sets the Rust report's replicates; SKLEARN_REPLICATES
# (default 5) how many scikit-learn replicates are timed. Rows: core/benches/shared/eval_data.rs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source scripts/env.sh
echo "== lockstep-core, native: default report"
EVAL_REPORT_REPLICATES="${1:-1000}" cargo bench --locked -p lockstep-core --bench eval_report
echo "== scikit-learn, Jupyter-style"
.venv/bin/python scripts/bench/eval_metrics_sklearn.py --rows 1000000 --reps 1 --bootstrap "${2:-5}"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
