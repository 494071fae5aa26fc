"""lockstep.sklearn.LockstepTransformer inside scikit-learn: a Pipeline with
LogisticRegression predicts what `lockstep predict` predicts through the same pipeline
and the model exported to ONNX; clone, set_output and feature names work."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline as SkPipeline

import lockstep
from lockstep.sklearn import LockstepTransformer
from conftest import TRANSFORMS, run_cli

SPEC = {
    "version": 1,
    "columns": [
        {"name": "age", "steps": [{"step": "impute", "strategy": "median"}, {"step": "standardize"}]},
        {"name": "income", "steps": [{"step": "log1p"}, {"step": "standardize"}]},
        {"name": "score", "steps": [{"step": "standardize"}]},
        {"name": "visits", "steps": [{"step": "bucketize", "quantiles": 4}]},
        {"name": "city", "steps": [{"step": "impute", "strategy": "most_frequent"}, {"step": "one_hot"}]},
        {"name": "device", "steps": [{"step": "one_hot"}]},
        {"name": "plan", "steps": [{"step": "one_hot"}]},
    ],
}
TRAIN = pq.read_table(TRANSFORMS / "train.parquet").to_pandas()
TEST = pq.read_table(TRANSFORMS / "test.parquet").to_pandas()
Y = TRAIN["member"].astype(np.int64).to_numpy()


def model() -> SkPipeline:
    return SkPipeline(
        [("features", LockstepTransformer(spec=SPEC)), ("lr", LogisticRegression(max_iter=1000))]
    )


def test_a_pipeline_with_logistic_regression_matches_lockstep_predict(tmp_path):
    skl2onnx = pytest.importorskip("skl2onnx")
    from skl2onnx.common.data_types import FloatTensorType

    fitted = model().fit(TRAIN, Y)
    transformer = fitted.named_steps["features"]
    width = len(transformer.get_feature_names_out())
    onnx_model = skl2onnx.convert_sklearn(
        fitted.named_steps["lr"],
        initial_types=[("features", FloatTensorType([None, width]))],
        options={id(fitted.named_steps["lr"]): {"zipmap": False}},
        target_opset={"": 17, "ai.onnx.ml": 3},
    )
    (tmp_path / "lr.onnx").write_bytes(onnx_model.SerializeToString())
    (tmp_path / "pipeline.json").write_text(transformer.pipeline_.to_json())
    run_cli(
        "predict", "--model", tmp_path / "lr.onnx", "--pipeline", tmp_path / "pipeline.json",
        "--input", TRANSFORMS / "test.csv", "-o", tmp_path / "preds.csv",
    )
    cli = pd.read_csv(tmp_path / "preds.csv")
    probabilities = cli[[c for c in cli.columns if c.startswith("probabilities")]].to_numpy()
    assert probabilities.shape == (len(TEST), 2)
    ours = fitted.predict_proba(TEST)
    # scikit-learn computes in float64, the ONNX model in float32 on the same features.
    np.testing.assert_allclose(probabilities, ours, atol=1e-6, rtol=1e-5)
    np.testing.assert_array_equal(cli["label"].to_numpy(), fitted.predict(TEST))


def test_the_transformer_gives_the_pipelines_bytes_and_names():
    transformer = LockstepTransformer(spec=SPEC).fit(TRAIN)
    direct = lockstep.Pipeline.fit(SPEC, TRAIN)
    assert transformer.pipeline_ == direct
    assert transformer.transform(TEST).tobytes() == direct.transform_numpy(TEST).tobytes()
    assert list(transformer.get_feature_names_out()) == direct.feature_names
    frame = LockstepTransformer(spec=SPEC).set_output(transform="pandas").fit(TRAIN).transform(TEST)
    assert list(frame.columns) == direct.feature_names


def test_clone_keeps_the_spec_and_drops_the_fit():
    fitted = model().fit(TRAIN, Y)
    again = clone(fitted)
    assert again.named_steps["features"].spec == SPEC
    assert not hasattr(again.named_steps["features"], "pipeline_")
    np.testing.assert_array_equal(again.fit(TRAIN, Y).predict_proba(TEST), fitted.predict_proba(TEST))


def test_a_prefitted_pipeline_is_kept_and_survives_clone():
    direct = lockstep.Pipeline.fit(SPEC, TRAIN)
    transformer = clone(LockstepTransformer(pipeline=direct)).fit(TEST)
    assert transformer.pipeline_ == direct
    from_json = LockstepTransformer(pipeline=direct.to_json()).fit(None)
    assert from_json.pipeline_.fingerprint == direct.fingerprint


def test_transform_before_fit_and_without_a_spec_are_refused():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        LockstepTransformer(spec=SPEC).transform(TEST)
    with pytest.raises(ValueError, match="needs a `spec`"):
        LockstepTransformer().fit(TRAIN)
