"""The `sliceline` peer of scripts/bench/slices.sh: reads the binned data the Rust bench
wrote, runs Slicefinder (alpha 0.95, k 10, max_l 3, min_sup max(32, n/100)) on its
first N rows and prints the time and the top slices."""

import sys
import time

import numpy as np
from sliceline.slicefinder import Slicefinder

path, n = sys.argv[1], int(sys.argv[2])
with open(path, "rb") as f:
    rows, cols = np.frombuffer(f.read(16), dtype="<u8")
    rows, cols = int(rows), int(cols)
    cells = np.frombuffer(f.read(rows * cols), dtype=np.uint8).reshape(rows, cols)
    losses = np.frombuffer(f.read(rows * 8), dtype="<f8")
n = min(n, rows)
x, e = cells[:n].astype(np.int64), losses[:n]
start = time.perf_counter()
sf = Slicefinder(alpha=0.95, k=10, max_l=3, min_sup=max(32, n // 100), verbose=False)
sf.fit(x, e)
secs = time.perf_counter() - start
print(f"[sliceline] {n} rows × {cols} columns: {secs:.2f} s")
for s in sf.top_slices_[:5]:
    print("[sliceline]  ", {f"c{j}": int(v) for j, v in enumerate(s) if v is not None})
