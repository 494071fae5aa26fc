"""`lockstep.Pipeline`: the features are the bytes `lockstep transform` writes and the
committed hashes the native and wasm32 builds produce (tests/data/transforms)."""

from __future__ import annotations

import hashlib
import json
import pickle

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import lockstep
from conftest import TRANSFORMS, case_specs, identity_lines, run_cli

TRAIN = pq.read_table(TRANSFORMS / "train.parquet")
TEST = pq.read_table(TRANSFORMS / "test.parquet")
CASES = case_specs()


def sha256(features: np.ndarray) -> str:
    assert features.dtype == np.float32 and features.flags["C_CONTIGUOUS"]
    return hashlib.sha256(features.astype("<f4", copy=False).tobytes()).hexdigest()


@pytest.mark.parametrize("name", sorted(identity_lines()))
def test_fingerprint_and_feature_bytes_equal_the_committed_native_and_wasm_hashes(name):
    spec = dict(CASES)[name]
    fingerprint, on_train, on_test = identity_lines()[name]
    pipeline = lockstep.Pipeline.fit(spec, TRAIN)
    assert pipeline.fingerprint == fingerprint
    assert sha256(pipeline.transform_numpy(TRAIN)) == on_train
    assert sha256(pipeline.transform_numpy(TEST)) == on_test


@pytest.mark.parametrize("name,spec", CASES, ids=[n for n, _ in CASES])
def test_features_equal_the_cli_transform_output(name, spec, tmp_path):
    spec_path = tmp_path / "spec.json"
    spec_path.write_text(json.dumps(spec))
    run_cli("fit", "--spec", spec_path, "--train", TRANSFORMS / "train.csv", "-o", tmp_path / "p.json")
    run_cli(
        "transform", "--pipeline", tmp_path / "p.json", "--input", TRANSFORMS / "test.csv",
        "-o", tmp_path / "features.parquet",
    )
    cli = pq.read_table(tmp_path / "features.parquet")

    pipeline = lockstep.Pipeline.fit(spec, TRAIN)
    cli_pipeline = lockstep.Pipeline.from_json((tmp_path / "p.json").read_text())
    assert pipeline.fingerprint == cli_pipeline.fingerprint
    assert pipeline == cli_pipeline
    ours = pipeline.transform(TEST)
    assert ours.column_names == cli.column_names == pipeline.feature_names
    for a, b in zip(ours.columns, cli.columns):
        a = a.to_numpy()
        b = b.to_numpy().astype(np.float32)
        assert a.tobytes() == b.tobytes()

    # The same table read by core's own CSV reader (what the CLI read): same bytes again.
    raw = lockstep.read_csv(TRANSFORMS / "test.csv", null_values=pipeline.null_values)
    assert pipeline.transform_numpy(raw).tobytes() == pipeline.transform_numpy(TEST).tobytes()


def combined() -> lockstep.Pipeline:
    return lockstep.Pipeline.fit(dict(CASES)["combined"], TRAIN)


def test_pandas_polars_and_record_batches_give_the_same_bytes():
    pipeline = combined()
    expected = pipeline.transform_numpy(TEST).tobytes()
    assert pipeline.transform_numpy(TEST.to_pandas()).tobytes() == expected
    assert pipeline.transform_numpy(TEST.to_batches()[0]).tobytes() == expected
    assert pipeline.transform_numpy(pa.RecordBatchReader.from_batches(TEST.schema, TEST.to_batches())).tobytes() == expected
    # Several chunks are concatenated.
    chunked = pa.concat_tables([TEST.slice(0, 10), TEST.slice(10)])
    assert chunked.column(0).num_chunks == 2
    assert pipeline.transform_numpy(chunked).tobytes() == expected
    polars = pytest.importorskip("polars")
    assert pipeline.transform_numpy(polars.from_arrow(TEST)).tobytes() == expected


def test_transform_table_and_numpy_agree_and_numpy_is_a_view():
    pipeline = combined()
    table = pipeline.transform(TEST)
    array = pipeline.transform_numpy(TEST)
    assert array.shape == (TEST.num_rows, len(pipeline.feature_names))
    assert all(t == pa.float32() for t in table.schema.types)
    np.testing.assert_array_equal(np.column_stack([c.to_numpy() for c in table.columns]), array)
    # numpy views the buffer core wrote (owned by Arrow), it does not own a copy.
    assert not array.flags["OWNDATA"]


def test_to_json_from_json_and_pickle_round_trip():
    pipeline = combined()
    again = lockstep.Pipeline.from_json(pipeline.to_json())
    assert again == pipeline and again.fingerprint == pipeline.fingerprint
    unpickled = pickle.loads(pickle.dumps(pipeline))
    assert unpickled.to_json() == pipeline.to_json()
    assert pipeline.input_columns and pipeline.null_values
    assert "Pipeline(fingerprint=" in repr(pipeline)


def test_spec_as_toml_text():
    spec = '''
version = 1
[[columns]]
name = "income"
steps = [{ step = "log1p" }, { step = "standardize" }]
'''
    pipeline = lockstep.Pipeline.fit(spec, TRAIN)
    assert pipeline.feature_names == ["income"]
    assert pipeline.transform_numpy(TEST).shape == (TEST.num_rows, 1)
