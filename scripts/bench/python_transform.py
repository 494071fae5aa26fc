"""Benchmark: lockstep.Pipeline.transform on 1 M rows x 30 columns from a pyarrow table
vs the same transforms in scikit-learn's ColumnTransformer (pandas input), same run,
and where lockstep's time goes (Arrow -> core's table, core's transform::apply, features
-> numpy) to set the binding's copy overhead against the Rust benchmark
(`cargo bench -p lockstep-core --bench transform_apply`, the same spec).

    scripts/bench/python_transform.sh          # builds the release wheel, runs this

Data: 20 numeric columns (2 % nulls, skewed) and 10 categorical ones (50 categories,
1 % nulls), seeded numpy; the spec of core/benches/shared/transform_data.rs (95 features),
fitted on the first 100 000 rows. Median of 3 timed runs after one warm-up.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

import numpy as np
import pandas as pd
import pyarrow as pa
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction import FeatureHasher
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import (
    FunctionTransformer, KBinsDiscretizer, MinMaxScaler, OneHotEncoder, OrdinalEncoder,
    StandardScaler,
)

import lockstep

ROWS = int(os.environ.get("BENCH_ROWS", 1_000_000))
REPS = int(os.environ.get("BENCH_REPS", 3))
NUMERIC, CATEGORICAL = 20, 10


def data(rows: int) -> pa.Table:
    rng = np.random.default_rng(0x9E3779B9)
    columns = {}
    for c in range(NUMERIC):
        x = rng.random(rows)
        values = (x * 10.0) ** 2 + c
        columns[f"n{c}"] = pa.array(values, mask=x <= 0.02)
    for c in range(CATEGORICAL):
        u = rng.random(rows)
        codes = ((u * u) * 50).astype(np.uint32) % 50
        dictionary = pa.array([f"cat{c}_{i}" for i in range(50)])
        columns[f"c{c}"] = pa.DictionaryArray.from_arrays(pa.array(codes, mask=u <= 0.01), dictionary)
    return pa.table(columns)


def spec() -> dict:
    numeric = {
        0: [{"step": "impute", "strategy": "mean"}, {"step": "standardize"}],
        1: [{"step": "impute", "strategy": "median"}, {"step": "log1p"}, {"step": "standardize"}],
        2: [{"step": "impute", "strategy": "constant", "fill_value": 0}, {"step": "min_max"}],
        3: [{"step": "impute", "strategy": "mean"}, {"step": "clip", "min": 1, "max": 50}],
        4: [{"step": "impute", "strategy": "most_frequent"}, {"step": "bucketize", "quantiles": 10}],
    }
    columns = [{"name": f"n{c}", "steps": numeric[c % 5]} for c in range(NUMERIC)]
    for c in range(CATEGORICAL):
        if c < 5:
            encoder = {"step": "one_hot", "max_categories": 8, "handle_unknown": "infrequent_if_exist"}
        elif c < 8:
            encoder = {"step": "ordinal"}
        else:
            encoder = {"step": "hash", "n_features": 16}
        columns.append({"name": f"c{c}", "steps": [{"step": "impute", "strategy": "most_frequent"}, encoder]})
    return {"version": 1, "columns": columns}


def hashed(x):
    return FeatureHasher(n_features=16, input_type="string").transform(
        [[v] for v in np.asarray(x).ravel()]
    ).toarray()


def column_transformer() -> ColumnTransformer:
    numeric = {
        0: lambda: make_pipeline(SimpleImputer(strategy="mean"), StandardScaler()),
        1: lambda: make_pipeline(SimpleImputer(strategy="median"), FunctionTransformer(np.log1p), StandardScaler()),
        2: lambda: make_pipeline(SimpleImputer(strategy="constant", fill_value=0), MinMaxScaler()),
        3: lambda: make_pipeline(SimpleImputer(strategy="mean"), FunctionTransformer(np.clip, kw_args={"a_min": 1, "a_max": 50})),
        4: lambda: make_pipeline(SimpleImputer(strategy="most_frequent"), KBinsDiscretizer(n_bins=10, encode="ordinal", strategy="quantile", quantile_method="averaged_inverted_cdf")),
    }
    parts = [(f"n{c}", numeric[c % 5](), [f"n{c}"]) for c in range(NUMERIC)]
    for c in range(CATEGORICAL):
        impute = SimpleImputer(strategy="most_frequent")
        if c < 5:
            enc = OneHotEncoder(max_categories=8, handle_unknown="infrequent_if_exist", sparse_output=False)
        elif c < 8:
            enc = OrdinalEncoder()
        else:
            enc = FunctionTransformer(hashed)
        parts.append((f"c{c}", make_pipeline(impute, enc), [f"c{c}"]))
    return ColumnTransformer(parts, sparse_threshold=0)


def timed(fn, reps=REPS):
    fn()  # warm-up
    runs = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), runs


def main() -> int:
    table = data(ROWS)
    train = table.slice(0, 100_000)
    pipeline = lockstep.Pipeline.fit(spec(), train)
    frame = table.to_pandas()  # categoricals for pandas; not timed
    frame_train = frame.iloc[:100_000]
    ct = column_transformer().fit(frame_train)
    width_ct = ct.transform(frame.iloc[:10]).shape[1]
    print(f"{ROWS} rows x 30 columns -> lockstep {len(pipeline.feature_names)} features, "
          f"ColumnTransformer {width_ct}; median of {REPS} after a warm-up; "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)

    rows = []
    t, runs = timed(lambda: pipeline.transform_numpy(table))
    rows.append(("lockstep Pipeline.transform_numpy (pyarrow in, numpy out)", t, runs))
    t, runs = timed(lambda: pipeline.transform(table))
    rows.append(("lockstep Pipeline.transform (pyarrow in, pyarrow float32 columns out)", t, runs))
    t, runs = timed(lambda: pipeline.transform_numpy(frame))
    rows.append(("lockstep Pipeline.transform_numpy (pandas in)", t, runs))
    t, runs = timed(lambda: ct.transform(frame))
    rows.append(("scikit-learn ColumnTransformer.transform (pandas in, numpy out)", t, runs))
    sk = t
    print("| what | median s | runs s | rows/s | vs scikit-learn |")
    print("|---|---|---|---|---|")
    for name, t, runs in rows:
        print(f"| {name} | {t:.3f} | {' / '.join(f'{r:.3f}' for r in runs)} | {ROWS / t:,.0f} | {sk / t:.1f}x |")

    parts = [pipeline._transform_timings(table) for _ in range(REPS + 1)][1:]
    med = [statistics.median(p[i] for p in parts) for i in range(3)]
    total = sum(med)
    print(f"\nlockstep transform_numpy split (median of {REPS}): Arrow -> core table {med[0] * 1e3:.1f} ms, "
          f"transform::apply {med[1] * 1e3:.1f} ms, features -> numpy {med[2] * 1e3:.3f} ms; "
          f"binding overhead {(med[0] + med[2]) / total * 100:.1f} % of {total * 1e3:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
