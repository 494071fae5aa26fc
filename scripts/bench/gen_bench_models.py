"""Train the two models of the engine benchmark (serve/benches/engines.rs) with fixed seeds
and export them to ONNX (zipmap off) into tests/data/bench/. Run from the repository root:

    .venv/bin/python scripts/bench/gen_bench_models.py

- gbdt_100x6.onnx: GradientBoostingClassifier(n_estimators=100, max_depth=6), binary,
  exported by skl2onnx as one TreeEnsembleClassifier (BRANCH_LEQ, LOGISTIC).
- mlp_64x32.onnx: MLPClassifier(hidden_layer_sizes=(64, 32)), binary, exported by skl2onnx
  as MatMul/Add/Relu/Sigmoid/... nodes.

Both are trained on make_classification data with 30 features of roughly unit scale, so
the benchmark's own seeded N(0, 1) rows exercise every branch of the trees.
"""

import os
import warnings
from pathlib import Path

# Single-threaded BLAS so the trained weights are reproducible bit for bit.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import numpy as np  # noqa: E402
from skl2onnx import to_onnx  # noqa: E402
from skl2onnx.common.data_types import FloatTensorType  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.ensemble import GradientBoostingClassifier  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402

warnings.filterwarnings("ignore")

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "data" / "bench"
SEED = 0
FEATURES = 30
OPSET = {"": 17, "ai.onnx.ml": 3}


def export(model, name):
    onx = to_onnx(model, initial_types=[("input", FloatTensorType([None, FEATURES]))],
                  target_opset=OPSET, options={id(model): {"zipmap": False}})
    # Reproducible files: fixed graph name, opset imports in a fixed order.
    onx.graph.name = name
    opsets = sorted(onx.opset_import, key=lambda o: (o.domain, o.version))
    del onx.opset_import[:]
    onx.opset_import.extend(opsets)
    data = onx.SerializeToString()
    (OUT / f"{name}.onnx").write_bytes(data)
    ops = sorted({f"{n.domain or 'ai.onnx'}:{n.op_type}" for n in onx.graph.node})
    print(f"{name:14s} {len(data) / 1024:8.1f} KiB  {ops}")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    X, y = make_classification(n_samples=10_000, n_features=FEATURES, n_informative=15,
                               n_redundant=5, random_state=SEED)
    X = X.astype(np.float32)
    gb = GradientBoostingClassifier(n_estimators=100, max_depth=6, random_state=SEED).fit(X, y)
    export(gb, "gbdt_100x6")
    mlp = MLPClassifier(hidden_layer_sizes=(64, 32), max_iter=300, random_state=SEED).fit(X, y)
    export(mlp, "mlp_64x32")


if __name__ == "__main__":
    main()
