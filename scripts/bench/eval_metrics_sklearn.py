"""scikit-learn on the evaluation benchmark's rows (core/benches/shared/eval_data.rs).

Makes the same 10 M rows as the Rust bench with the same generator (SplitMix64,
re-implemented with numpy's wrapping uint64 arithmetic), then times the scikit-learn
functions that compute what the Rust side computes: accuracy, balanced accuracy,
precision / recall / F1 of the positive class, the confusion matrix, ROC-AUC, average
precision, log loss, Brier score, the full ROC and precision-recall curves, and
calibration_curve (10 equal-width bins) with a numpy ECE over the same bins.

    .venv/bin/python scripts/bench/eval_metrics_sklearn.py [--rows N] [--reps R] [--bootstrap B]

`--bootstrap B` then times B replicates of the bootstrap a notebook would write for the
default report's intervals: Poisson(1) weights per row (numpy's `Generator.poisson`),
then the same scikit-learn metrics with `sample_weight` (accuracy, balanced accuracy,
precision / recall / F1, ROC-AUC, AP, log loss, Brier, the equal-width ECE), and
prints the time per replicate and its extrapolation to 1,000 replicates
(`scripts/bench/eval_report.sh` runs it at 1 M rows next to the Rust report bench).

Prints per-function times of each timed run, the median of R timed runs after one
warm-up, and a final `RESULT {json}` line (median and metric values) that
scripts/bench/eval_metrics.sh compares with the Rust bench's.
"""

import argparse
import json
import time

import numpy as np
import sklearn
from sklearn.calibration import calibration_curve
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    balanced_accuracy_score,
    brier_score_loss,
    confusion_matrix,
    log_loss,
    precision_recall_curve,
    precision_recall_fscore_support,
    roc_auc_score,
    roc_curve,
)

SEED = 20_261_123
GAMMA = np.uint64(0x9E3779B97F4A7C15)
THRESHOLD = 0.5
BINS = 10


def splitmix64(seed, n):
    """The first n outputs of SplitMix64(seed), as lockstep_core's SplitMix64::next_u64."""
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + np.arange(1, n + 1, dtype=np.uint64) * GAMMA
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def data(rows):
    """Row i: u = draw 2i, v = draw 2i + 1; score u, label v < u²."""
    draws = (splitmix64(SEED, 2 * rows) >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))
    scores = draws[0::2].copy()
    v = draws[1::2]
    labels = (v < scores * scores).astype(np.int64)
    return labels, scores


def evaluate(y, s, lap):
    y_pred = (s >= THRESHOLD).astype(np.int64)
    out = {}
    out["accuracy"] = accuracy_score(y, y_pred)
    lap("accuracy_score")
    out["balanced_accuracy"] = balanced_accuracy_score(y, y_pred)
    lap("balanced_accuracy_score")
    p, r, f, _ = precision_recall_fscore_support(y, y_pred, average="binary")
    out["precision"], out["recall"], out["f1"] = p, r, f
    lap("precision_recall_fscore_support")
    out["confusion"] = [int(c) for c in confusion_matrix(y, y_pred).ravel()]
    lap("confusion_matrix")
    out["roc_auc"] = roc_auc_score(y, s)
    lap("roc_auc_score")
    out["average_precision"] = average_precision_score(y, s)
    lap("average_precision_score")
    out["log_loss"] = log_loss(y, s)
    lap("log_loss")
    out["brier"] = brier_score_loss(y, s)
    lap("brier_score_loss")
    fpr, _, _ = roc_curve(y, s, drop_intermediate=False)
    out["roc_points"] = len(fpr) - 1  # without scikit-learn's leading (0, 0) point
    lap("roc_curve")
    precision, _, _ = precision_recall_curve(y, s, drop_intermediate=False)
    out["pr_points"] = len(precision) - 1  # without the final (1, 0) point
    lap("precision_recall_curve")
    prob_true, prob_pred = calibration_curve(y, s, n_bins=BINS, strategy="uniform")
    # ECE over the same bins (calibration_curve drops the empty ones): counts from
    # the bin ids calibration_curve uses.
    edges = np.linspace(0.0, 1.0, BINS + 1)
    counts = np.bincount(np.searchsorted(edges[1:-1], s), minlength=BINS)
    counts = counts[counts > 0]
    out["ece"] = float(np.sum(counts / len(s) * np.abs(prob_true - prob_pred)))
    lap("calibration_curve + ECE")
    return {k: (float(v) if isinstance(v, (float, np.floating)) else v) for k, v in out.items()}


def bootstrap_replicate(y, s, rng):
    """One Poisson-bootstrap replicate of the report's metrics, with sample weights."""
    w = rng.poisson(1.0, len(y))
    y_pred = (s >= THRESHOLD).astype(np.int64)
    accuracy_score(y, y_pred, sample_weight=w)
    balanced_accuracy_score(y, y_pred, sample_weight=w)
    precision_recall_fscore_support(y, y_pred, average="binary", sample_weight=w)
    roc_auc_score(y, s, sample_weight=w)
    average_precision_score(y, s, sample_weight=w)
    log_loss(y, s, sample_weight=w)
    brier_score_loss(y, s, sample_weight=w)
    edges = np.linspace(0.0, 1.0, BINS + 1)
    bins = np.searchsorted(edges[1:-1], s)
    count = np.bincount(bins, weights=w, minlength=BINS)
    predicted = np.bincount(bins, weights=w * s, minlength=BINS)
    observed = np.bincount(bins, weights=w * y, minlength=BINS)
    full = count > 0
    gaps = np.abs(observed[full] / count[full] - predicted[full] / count[full])
    return float(np.sum(count[full] / count.sum() * gaps))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--bootstrap", type=int, default=0)
    args = parser.parse_args()
    start = time.perf_counter()
    y, s = data(args.rows)
    print(f"scikit-learn {sklearn.__version__} eval_metrics: {args.rows} rows generated in {time.perf_counter() - start:.2f} s")
    seconds = []
    values = {}
    for rep in range(args.reps + 1):
        phases = []
        last = start = time.perf_counter()

        def lap(name):
            nonlocal last
            now = time.perf_counter()
            phases.append(f"{name} {now - last:.3f} s")
            last = now

        values = evaluate(y, s, lap)
        total = time.perf_counter() - start
        print(f"  {'warm-up' if rep == 0 else f'run {rep}'}: {total:.3f} s ({', '.join(phases)})", flush=True)
        if rep > 0:
            seconds.append(total)
    median = sorted(seconds)[len(seconds) // 2]
    print(f"scikit-learn eval_metrics: {args.rows} rows, median {median:.3f} s, {args.rows / median:.0f} rows/s")
    result = {"target": "scikit-learn", "version": sklearn.__version__, "rows": args.rows, "median_s": median}
    result["values"] = values
    if args.bootstrap:
        rng = np.random.default_rng(0)
        start = time.perf_counter()
        for _ in range(args.bootstrap):
            bootstrap_replicate(y, s, rng)
        per = (time.perf_counter() - start) / args.bootstrap
        print(
            f"scikit-learn Poisson bootstrap: {args.rows} rows, {per:.3f} s per replicate "
            f"({args.bootstrap} timed), so {per * 1000:.0f} s for 1,000 replicates"
        )
        result["bootstrap_replicate_s"] = per
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
