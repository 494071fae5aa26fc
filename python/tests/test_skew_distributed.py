"""The distributed skew recipe (docs/skew-ci.md): the replay of date-partitioned Parquet
logs spread over worker *processes*, each returning its partition's findings as bytes,
merged by the driver in partition order — equal to `lockstep skew` on the same files.

Neither PySpark nor Ray is a dependency of the test command (PySpark needs a JVM besides
its ~300 MB wheel; Ray's local cluster starts half a dozen daemons): the workers here are
a `multiprocessing` pool with the `spawn` start method, so each is a fresh interpreter that
rebuilds its Replayer from the broadcast artefacts, exactly as a Spark executor or a Ray
worker does, and the findings cross a process boundary only as bytes. The worker and
driver functions are the ones the Spark `mapInArrow` and Ray `map_batches` recipes call
(`lockstep.skew.replay_partition`, `lockstep.skew.merge_bytes`); `test_ray_recipe` runs
the Ray recipe itself when `ray` is installed.
"""

from __future__ import annotations

import json
import multiprocessing
import os

import pyarrow.parquet as pq
import pytest

import lockstep
from conftest import TRANSFORMS
from test_model_eval_skew import SERVING, cli_skew, partitioned_log

# What the driver broadcasts to every worker: the artefacts' bytes, not Python objects.
_WORKER_REPLAYER = None


def _init_worker(pipeline_json: str, model_bytes: bytes, train_csv: str) -> None:
    global _WORKER_REPLAYER
    pipeline = lockstep.Pipeline.from_json(pipeline_json)
    train = lockstep.read_csv(train_csv, null_values=pipeline.null_values)
    _WORKER_REPLAYER = lockstep.skew.Replayer(pipeline, lockstep.Model(model_bytes), train=train)


def _replay_partition(path: str) -> tuple[int, bytes]:
    batches = pq.ParquetFile(path).iter_batches(batch_size=37)
    return os.getpid(), lockstep.skew.replay_partition(_WORKER_REPLAYER, batches, source=path)


def _driver_replayer():
    pipeline = lockstep.Pipeline.from_json((SERVING / "pipeline.json").read_text())
    train = lockstep.read_csv(TRANSFORMS / "train.csv", null_values=pipeline.null_values)
    model = lockstep.Model((SERVING / "model.onnx").read_bytes())
    return lockstep.skew.Replayer(pipeline, model, train=train)


def test_partitions_replayed_in_worker_processes_merge_to_the_cli_report(tmp_path):
    files = partitioned_log(tmp_path)
    context = multiprocessing.get_context("spawn")
    init = (
        (SERVING / "pipeline.json").read_text(),
        (SERVING / "model.onnx").read_bytes(),
        str(TRANSFORMS / "train.csv"),
    )
    with context.Pool(2, initializer=_init_worker, initargs=init) as pool:
        results = pool.map(_replay_partition, files)  # in partition (= log) order
    assert all(pid != os.getpid() for pid, _ in results), "replayed in other processes"
    cells = [cell for _, cell in results]
    assert all(cell.startswith(b'{"format":"lockstep-skew-findings","version":1,') for cell in cells)
    findings = lockstep.skew.merge_bytes(_driver_replayer(), cells)
    assert findings.rows == sum(pq.ParquetFile(p).metadata.num_rows for p in files)
    assert findings.report(files=files, format="json") == cli_skew(files, "json")
    assert findings.report(files=files, format="md") == cli_skew(files, "md")


def test_the_partition_replayer_pickles_and_works_on_any_block_form(tmp_path):
    """PartitionReplayer is what Ray and Spark ship to their workers: it pickles without
    its Replayer, and takes a Table, a RecordBatch or an iterable of batches."""
    import pickle

    files = partitioned_log(tmp_path)
    worker = lockstep.skew.PartitionReplayer(
        (SERVING / "pipeline.json").read_text(), (SERVING / "model.onnx").read_bytes()
    )
    table = pq.read_table(files[0])
    out = worker(table)
    assert out.column_names == ["findings"] and out.num_rows == 1
    shipped = pickle.loads(pickle.dumps(worker))
    assert shipped(table.to_batches()[0]).equals(out)
    assert list(shipped.map_in_arrow(table.to_batches()))[0].column(0) == out.column(0).chunk(0)


def test_findings_bytes_round_trip_and_refuse_other_artefacts(tmp_path):
    files = partitioned_log(tmp_path)
    replayer = _driver_replayer()
    batch = pq.read_table(files[0]).to_batches()[0]
    found = replayer.replay_batch(batch)
    data = found.to_bytes()
    again = replayer.findings_from_bytes(data)
    assert again.to_bytes() == data
    assert again.rows == found.rows
    # An empty partition travels as b"" and merges as nothing.
    empty = lockstep.skew.replay_partition(replayer, [batch.slice(0, 0)])
    assert empty == b""
    merged = lockstep.skew.merge_bytes(replayer, [empty, data, b""])
    assert merged.rows == found.rows
    # Findings replayed without the training data: the driver's replayer names it.
    pipeline = lockstep.Pipeline.from_json((SERVING / "pipeline.json").read_text())
    model = lockstep.Model((SERVING / "model.onnx").read_bytes())
    other = lockstep.skew.Replayer(pipeline, model).replay_batch(batch).to_bytes()
    with pytest.raises(lockstep.SkewError, match="other artefacts: their training profile"):
        replayer.findings_from_bytes(other)
    with pytest.raises(lockstep.SkewError, match="version 2; this build reads version 1"):
        replayer.findings_from_bytes(data.replace(b'"version":1', b'"version":2', 1))
    with pytest.raises(lockstep.SkewError, match="not serialised skew findings"):
        replayer.findings_from_bytes(b"\x00garbage")


def test_ray_recipe(tmp_path):
    """docs/skew-ci.md's Ray Data recipe on a local Ray (skipped when `ray` is not
    installed; python/requirements-dev.txt installs it)."""
    ray = pytest.importorskip("ray")

    files = partitioned_log(tmp_path)
    pipeline_json = (SERVING / "pipeline.json").read_text()
    train = lockstep.read_csv(
        TRANSFORMS / "train.csv",
        null_values=lockstep.Pipeline.from_json(pipeline_json).null_values,
    )
    artefacts = (pipeline_json, (SERVING / "model.onnx").read_bytes(), train)
    # Logical CPUs: two map actors hold one each, the Parquet reads need the others.
    ray.init(num_cpus=4, include_dashboard=False, log_to_driver=False)
    try:
        ray.data.DataContext.get_current().execution_options.preserve_order = True
        cells = [
            row["findings"]
            for row in ray.data.read_parquet(files)
            .map_batches(
                lockstep.skew.PartitionReplayer,
                fn_constructor_args=artefacts,
                concurrency=2,
                batch_size=37,
                batch_format="pyarrow",
            )
            .iter_rows()
        ]
    finally:
        ray.shutdown()
    assert len(cells) > 3, "several blocks, replayed by the workers"
    findings = lockstep.skew.merge_bytes(_driver_replayer(), cells)
    assert findings.report(files=files, format="json") == cli_skew(files, "json")
