"""lockstep.Model (core's engine through the Engine seam), lockstep.evaluate (core's one
evaluation orchestration) and lockstep.skew (core's Replayer, whole files or one record
batch at a time with merged findings) against the CLI on the same files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv
import pyarrow.parquet as pq
import pytest

import lockstep
from conftest import DATA, ROOT, TRANSFORMS, run_cli

SERVING = DATA / "serving"
DEMO = ROOT / "www" / "demo" / "breast_cancer_eval.csv"


def serving_artefacts():
    pipeline = lockstep.Pipeline.from_json((SERVING / "pipeline.json").read_text())
    model = lockstep.Model((SERVING / "model.onnx").read_bytes())
    return pipeline, model


def test_model_run_through_a_pipeline_is_lockstep_predict_bit_for_bit(tmp_path):
    pipeline, model = serving_artefacts()
    run_cli(
        "predict", "--model", SERVING / "model.onnx", "--pipeline", SERVING / "pipeline.json",
        "--input", TRANSFORMS / "test.parquet", "-o", tmp_path / "preds.parquet",
    )
    cli = pq.read_table(tmp_path / "preds.parquet")
    ours = model.run(pq.read_table(TRANSFORMS / "test.parquet"), pipeline=pipeline)
    assert ours.column_names == cli.column_names
    for name in cli.column_names:
        assert ours[name].to_numpy().tobytes() == cli[name].to_numpy().tobytes(), name
    assert model.engine == "core"
    assert model.fingerprint == hashlib.sha256((SERVING / "model.onnx").read_bytes()).hexdigest()


def test_model_run_on_arrays_gives_the_same_outputs():
    pipeline, model = serving_artefacts()
    test = pq.read_table(TRANSFORMS / "test.parquet")
    features = pipeline.transform_numpy(test)
    outputs = model.run(features)
    by_table = model.run(test, pipeline=pipeline)
    (name, _, _), = model.inputs
    for output, values in outputs.items():
        columns = [c for c in by_table.column_names if c == output or c.startswith(output + "_")]
        stacked = np.column_stack([by_table[c].to_numpy() for c in columns])
        np.testing.assert_array_equal(stacked, values.reshape(len(test), -1))
    as_dict = model.run({name: features})
    for key, value in outputs.items():
        np.testing.assert_array_equal(value, as_dict[key])


def test_model_errors_name_the_input():
    _, model = serving_artefacts()
    with pytest.raises(lockstep.ModelError):
        model.run(np.zeros((3, 2), dtype=np.float32))
    with pytest.raises(lockstep.ModelError):
        lockstep.Model(b"not an onnx model")


def test_evaluate_and_its_exports_are_lockstep_eval_byte_for_byte(tmp_path):
    table = pyarrow.csv.read_csv(DEMO)
    sha = hashlib.sha256(DEMO.read_bytes()).hexdigest()
    report = lockstep.evaluate(
        lockstep.read_csv(DEMO), label="malignant", score_col="score", data_sha256=sha, bootstrap=50
    )
    for fmt in ("json", "md", "html", "junit"):
        done = run_cli(
            "eval", "--data", DEMO, "--label", "malignant", "--score-col", "score",
            "--bootstrap", "50", "--format", fmt, check=False,
        )
        assert done.returncode in (0, 1), done.stderr
        assert lockstep.export_report(report, fmt) == done.stdout, fmt
    # pyarrow's own CSV reader gives the same table here, so the same report.
    assert lockstep.evaluate(table, label="malignant", score_col="score", data_sha256=sha, bootstrap=50) == report


def test_evaluate_errors_are_evaluation_errors():
    with pytest.raises(lockstep.EvaluationError, match="nosuch"):
        lockstep.evaluate(lockstep.read_csv(DEMO), label="nosuch", score_col="score")
    with pytest.raises(ValueError, match="at most one"):
        lockstep.evaluate(lockstep.read_csv(DEMO), label="malignant", score_col="score", pred_col="predicted")


def partitioned_log(root: Path) -> list[str]:
    """The committed Parquet log split into three date partitions (dt=…/part-0.parquet)."""
    log = pq.read_table(DATA / "skew" / "log" / "predictions_nested.parquet")
    files = []
    bounds = [0, log.num_rows // 3, 2 * log.num_rows // 3, log.num_rows]
    for day, (a, b) in enumerate(zip(bounds, bounds[1:])):
        folder = root / f"dt=2026-11-2{day + 1}"
        folder.mkdir(parents=True)
        pq.write_table(log.slice(a, b - a), folder / "part-0.parquet")
        files.append(str(folder / "part-0.parquet"))
    return files


def cli_skew(files: list[str], fmt: str = "json") -> str:
    done = run_cli(
        "skew", "--log", *files, "--pipeline", SERVING / "pipeline.json",
        "--model", SERVING / "model.onnx", "--train", TRANSFORMS / "train.csv",
        "--no-ort", "--format", fmt, check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    return done.stdout


def test_replay_batch_findings_merged_in_log_order_give_the_cli_report(tmp_path):
    pipeline, model = serving_artefacts()
    train = lockstep.read_csv(TRANSFORMS / "train.csv", null_values=pipeline.null_values)
    files = partitioned_log(tmp_path)
    replayer = lockstep.skew.Replayer(pipeline, model, train=train)
    total = None
    for path in files:
        row = 1
        for batch in pq.ParquetFile(path).iter_batches(batch_size=37):
            found = replayer.replay_batch(batch, source=path, first_row=row)
            row += batch.num_rows
            if total is None:
                total = found
            else:
                total.merge(found)
    assert total.rows == sum(pq.ParquetFile(p).metadata.num_rows for p in files)
    assert total.report(files=files, format="json") == cli_skew(files, "json")
    assert total.report(files=files, format="md") == cli_skew(files, "md")
    assert total.report(files=files) == json.loads(cli_skew(files, "json"))


def test_replay_of_whole_files_is_the_cli_report(tmp_path):
    pipeline, model = serving_artefacts()
    train = lockstep.read_csv(TRANSFORMS / "train.csv", null_values=pipeline.null_values)
    files = partitioned_log(tmp_path)
    report = lockstep.skew.replay(files, pipeline, model, train=train)
    assert report == json.loads(cli_skew(files, "json"))
    jsonl = [str(DATA / "skew" / "log" / "predictions.jsonl")]
    assert lockstep.skew.replay(jsonl, pipeline, model, train=train) == json.loads(cli_skew(jsonl))


def test_findings_of_different_artefacts_do_not_merge(tmp_path):
    pipeline, model = serving_artefacts()
    batch = pq.read_table(DATA / "skew" / "log" / "predictions_nested.parquet").to_batches()[0]
    a = lockstep.skew.Replayer(pipeline, model).replay_batch(batch)
    b = lockstep.skew.Replayer(pipeline, model, config="[tolerance]\natol = 0.5\n").replay_batch(batch)
    with pytest.raises(lockstep.SkewError, match="different"):
        a.merge(b)


def test_a_log_without_its_columns_is_a_skew_error_naming_the_column():
    pipeline, model = serving_artefacts()
    with pytest.raises(lockstep.SkewError, match=r"column `log_format` is missing \(columns: x\)"):
        lockstep.skew.Replayer(pipeline, model).replay_batch(pa.record_batch({"x": [1]}))
