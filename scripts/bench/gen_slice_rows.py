"""Rows for the slice finder's page benchmark (scripts/bench/page_slices.sh), shaped as
core/benches/slice_finder.rs's: 20 integer-coded categorical columns (3-20 values), 10
float columns in [0, 100), a 0/1 label and a prediction wrong on 10 % of rows, and on 40 %
of three planted slices (cat0 = 1; cat3 = 2 and cat5 = 0; cat7 = 1, cat9 = 2 and
cat11 = 0). Writes CSV, or Parquet for a .parquet name.

    python scripts/bench/gen_slice_rows.py --rows 1000000 --out rows.csv
"""
import argparse

import numpy as np
import pandas as pd

parser = argparse.ArgumentParser()
parser.add_argument("--rows", type=int, default=1_000_000)
parser.add_argument("--out", required=True)
parser.add_argument("--seed", type=int, default=15)
args = parser.parse_args()
rng = np.random.default_rng(args.seed)
n = args.rows
frame = {}
for j in range(20):
    frame[f"cat{j}"] = rng.integers(0, 3 + (j * 17) % 18, n)
for j in range(10):
    frame[f"num{j}"] = np.round(rng.random(n) * 100.0, 2)
planted = (
    (frame["cat0"] == 1)
    | ((frame["cat3"] == 2) & (frame["cat5"] == 0))
    | ((frame["cat7"] == 1) & (frame["cat9"] == 2) & (frame["cat11"] == 0))
)
label = rng.integers(0, 2, n)
wrong = rng.random(n) < np.where(planted, 0.4, 0.1)
frame["label"] = label
frame["pred"] = np.where(wrong, 1 - label, label)
table = pd.DataFrame(frame)
if args.out.endswith(".parquet"):
    table.to_parquet(args.out, index=False)
else:
    table.to_csv(args.out, index=False)
print(f"[gen_slice_rows] {n} rows × {table.shape[1]} columns → {args.out}")
