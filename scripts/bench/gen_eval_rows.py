"""Rows for the page-scale bench (scripts/bench/page_scale.sh): a binary label and a
score, plus optional numeric feature columns, as CSV, Parquet or Arrow IPC. Generated
on demand, never committed.

    .venv/bin/python scripts/bench/gen_eval_rows.py --rows 1000000 --out /tmp/rows_1m.csv
    .venv/bin/python scripts/bench/gen_eval_rows.py --rows 10000000 --features 28 \
        --out /tmp/rows_10m.parquet

The score is a noisy function of the label (ROC-AUC about 0.8), rounded to 6 digits so
the CSV stays about 11 bytes a row; a third of the labels are positive.
"""

import argparse
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.feather as feather
import pyarrow.parquet as pq


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--features", type=int, default=0, help="extra float64 columns")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument(
        "--no-score", action="store_true", help="no score column: a label and the features"
    )
    ap.add_argument("--out", type=Path, required=True, help=".csv, .parquet, .arrow or .feather")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    n = args.rows
    label = (rng.random(n) < 1 / 3).astype(np.int64)
    score = np.clip(0.25 * label + 0.75 * rng.random(n), 0.0, 1.0).round(6)
    columns = {"label": label} if args.no_score else {"label": label, "score": score}
    for i in range(args.features):
        columns[f"x{i}"] = rng.standard_normal(n).round(4)
    table = pa.table(columns)
    suffix = args.out.suffix.lower()
    if suffix == ".csv":
        pacsv.write_csv(table, args.out)
    elif suffix == ".parquet":
        pq.write_table(table, args.out, compression="snappy")
    elif suffix in (".arrow", ".feather"):
        feather.write_feather(table, args.out, compression="lz4")
    else:
        raise SystemExit(f"unknown output format {suffix}")
    print(f"{args.out}: {n} rows, {len(columns)} columns, {args.out.stat().st_size} bytes")


if __name__ == "__main__":
    main()
