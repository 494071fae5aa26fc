"""The peer of core/benches/compare.rs: the same rows, the same paired bootstrap
resamples (Lockstep's SplitMix64 streams, vectorised in numpy), both models scored
with scikit-learn on every resample, the percentile intervals of each metric and of
the difference, McNemar's exact test (statsmodels) and DeLong's test (the fast numpy
port in scripts/fixtures/gen_compare.py).

    .venv/bin/python scripts/bench/compare_sklearn.py [--rows N] [--replicates R]

It computes the 10 metrics scikit-learn has of the report's binary set (accuracy,
balanced accuracy, precision, recall, F1, macro F1, ROC-AUC, average precision, log
loss, Brier score); Lockstep also computes ECE and MCE (equal-width and equal-mass) in
each replicate. Prints a final `RESULT {json}` line.
"""

import argparse
import json
import os
import sys
import time

import numpy as np
import sklearn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))

from eval_metrics_sklearn import GAMMA, SEED, data, splitmix64  # noqa: E402
from gen_compare import BINARY_METRICS, delong_reference, mcnemar_reference  # noqa: E402

MASK = np.uint64(0xFFFFFFFF)


def mix64(z):
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def mulhi(a, b):
    """High 64 bits of a·b (uint64 arrays / scalars), from 32-bit halves."""
    a_lo, a_hi = a & MASK, a >> np.uint64(32)
    b_lo, b_hi = b & MASK, b >> np.uint64(32)
    with np.errstate(over="ignore"):
        lo_lo = a_lo * b_lo
        hi_lo = a_hi * b_lo
        lo_hi = a_lo * b_hi
        hi_hi = a_hi * b_hi
        cross = (lo_lo >> np.uint64(32)) + (hi_lo & MASK) + lo_hi
        return hi_hi + (hi_lo >> np.uint64(32)) + (cross >> np.uint64(32))


def resample(n, seed, replicate):
    """Replicate r's n draws of below(n) (Lemire), as core's resample_counts."""
    stream = mix64(np.uint64(seed) ^ mix64(np.uint64(replicate + 1)))
    with np.errstate(over="ignore"):
        z = stream + np.arange(1, n + 1, dtype=np.uint64) * GAMMA
        draws = mix64(z)
        low = draws * np.uint64(n)
    # Lemire rejects when low < (2^64 - n) % n: probability n / 2^64, never seen here.
    if np.any(low < np.uint64(n)):
        raise SystemExit("a draw needs Lemire's rejection step; not vectorised here")
    return mulhi(draws, np.uint64(n)).astype(np.int64)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--replicates", type=int, default=1000)
    args = p.parse_args()
    y, a = data(args.rows)
    w = (splitmix64(SEED + 1, args.rows) >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))
    b = 0.5 * a + 0.5 * w
    start, cpu = time.perf_counter(), time.process_time()
    pa, pb = (a >= 0.5).astype(np.int64), (b >= 0.5).astype(np.int64)
    samples = {name: ([], [], []) for name in BINARY_METRICS}
    for r in range(args.replicates):
        idx = resample(args.rows, 0, r)
        yy = y[idx]
        for name, f in BINARY_METRICS.items():
            va, vb = f(yy, pa[idx], a[idx]), f(yy, pb[idx], b[idx])
            ca, cb, cd = samples[name]
            ca.append(va)
            cb.append(vb)
            cd.append(vb - va)
    boot_seconds = time.perf_counter() - start
    boot_cpu = time.process_time() - cpu
    values = {}
    for name, f in BINARY_METRICS.items():
        ca, cb, cd = samples[name]
        for s in (ca, cb, cd):
            np.quantile(np.sort(s), [0.025, 0.975])
        values[name] = [float(f(y, pa, a)), float(f(y, pb, b))]
    mc = mcnemar_reference(y, pa, pb)
    dl = delong_reference(y, a, b, 0.95)
    seconds = time.perf_counter() - start
    print(
        f"scikit-learn {sklearn.__version__}: {args.rows} rows, {args.replicates} paired replicates, "
        f"{len(BINARY_METRICS)} metrics per model: replicates {boot_seconds:.2f} s wall, {boot_cpu:.2f} s CPU "
        f"({boot_cpu * 1e3 / args.replicates:.1f} ms CPU per replicate); estimates + McNemar + DeLong "
        f"{seconds - boot_seconds:.2f} s wall"
    )
    print("RESULT " + json.dumps({
        "target": "scikit-learn", "version": sklearn.__version__, "rows": args.rows,
        "replicates": args.replicates, "seconds": boot_seconds, "cpu_seconds": boot_cpu,
        "total_seconds": seconds, "values": values,
        "mcnemar_p": mc["p_value"], "delong_p": dl["p_value"],
    }))


if __name__ == "__main__":
    main()
