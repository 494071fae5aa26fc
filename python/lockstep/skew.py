"""Skew checks on prediction logs: lockstep-core's replay (``lockstep skew``), in-process.

Whole files, as the CLI does (core's engine; ``lockstep skew --no-ort``)::

    report = lockstep.skew.replay(["logs/day1.jsonl"], pipeline, model, train=train_table)

One Arrow record batch at a time, with mergeable findings — the per-row work can run on
a distributed engine and the driver merges the partial findings in log order::

    replayer = lockstep.skew.Replayer(pipeline, model, train=train_table)
    findings = replayer.replay_batch(record_batch)      # on a worker
    findings.merge(other_findings)                      # on the driver, in log order
    findings.report(files=[...], format="md")

Across processes or machines (a Spark ``mapInArrow`` or Ray Data ``map_batches`` worker,
a ``multiprocessing`` pool), findings travel as versioned bytes: a worker returns
``replay_partition(replayer, batches)`` (one ``bytes`` cell per partition), the driver
``merge_bytes(replayer, cells)`` in log order. docs/skew-ci.md has the Spark and Ray
recipes.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator, Optional, Sequence

from ._lockstep import Findings, Model, Pipeline, Replayer

__all__ = [
    "Findings",
    "PartitionReplayer",
    "Replayer",
    "merge_bytes",
    "replay",
    "replay_batch",
    "replay_partition",
]


def replay(
    paths: Sequence[str],
    pipeline: Pipeline,
    model: Model,
    train: Any = None,
    config: Optional[str] = None,
    batch_rows: int = 8192,
) -> dict:
    """The skew report (a dict: ``lockstep skew --no-ort --format json``) of the log files
    ``paths`` (JSON Lines or Parquet) against ``pipeline`` and ``model``; ``train`` (a
    table) adds the distribution checks, ``config`` is ``skew.toml``'s text."""
    return Replayer(pipeline, model, train=train, config=config).replay_files(
        [str(p) for p in paths], batch_rows
    )


def replay_batch(
    batch: Any,
    pipeline: Pipeline,
    model: Model,
    train: Any = None,
    config: Optional[str] = None,
) -> Findings:
    """The findings of one batch of log records (pyarrow RecordBatch/Table, the Parquet
    log layout). Replayers of the same artefacts are shared within a process."""
    return Replayer(pipeline, model, train=train, config=config).replay_batch(batch)


def replay_partition(
    replayer: Replayer, batches: Iterable[Any], source: str = "partition", first_row: int = 1
) -> bytes:
    """Worker side: replays the record batches of one partition, in order, and returns
    their merged findings as bytes (``b""`` for a partition without rows)."""
    total: Optional[Findings] = None
    row = first_row
    for batch in batches:
        if batch.num_rows == 0:
            continue
        found = replayer.replay_batch(batch, source=source, first_row=row)
        row += batch.num_rows
        if total is None:
            total = found
        else:
            total.merge(found)
    return b"" if total is None else total.to_bytes()


def merge_bytes(replayer: Replayer, cells: Iterable[bytes]) -> Findings:
    """Driver side: merges the findings bytes of the partitions, given in log order (the
    order decides only which example row ids a report keeps), into one ``Findings``."""
    total: Optional[Findings] = None
    for cell in cells:
        found = replayer.findings_from_bytes(bytes(cell))
        if total is None:
            total = found
        else:
            total.merge(found)
    return total if total is not None else replayer.findings_from_bytes(b"")


class PartitionReplayer:
    """The worker of a distributed replay: a picklable callable built from the artefacts'
    bytes (what a driver broadcasts), making its ``Replayer`` once per worker, and called
    on a block of log records (a pyarrow Table or RecordBatch, or an iterable of record
    batches) to return a one-row pyarrow Table ``{"findings": binary}``.

    Ray Data: ``ds.map_batches(PartitionReplayer, fn_constructor_args=(pipeline_json,
    model_bytes, train), batch_format="pyarrow", concurrency=N)``; PySpark:
    ``df.mapInArrow(lambda it: PartitionReplayer(...).map_in_arrow(it), "findings
    binary")``. The driver then calls ``merge_bytes`` on the cells in log order
    (docs/skew-ci.md).
    """

    def __init__(
        self,
        pipeline_json: str,
        model_bytes: bytes,
        train: Any = None,
        config: Optional[str] = None,
    ) -> None:
        self._args = (pipeline_json, model_bytes, train, config)
        self._replayer: Optional[Replayer] = None

    def __getstate__(self) -> dict:
        return {"_args": self._args, "_replayer": None}

    @property
    def replayer(self) -> Replayer:
        if self._replayer is None:
            pipeline_json, model_bytes, train, config = self._args
            self._replayer = Replayer(
                Pipeline.from_json(pipeline_json), Model(model_bytes), train=train, config=config
            )
        return self._replayer

    def __call__(self, block: Any) -> Any:
        import pyarrow as pa

        if hasattr(block, "to_batches"):
            batches = block.to_batches()
        elif isinstance(block, pa.RecordBatch):
            batches = [block]
        else:
            batches = block
        cell = replay_partition(self.replayer, batches)
        return pa.table({"findings": pa.array([cell], pa.binary())})

    def map_in_arrow(self, batches: Iterable[Any]) -> Iterator[Any]:
        """PySpark's ``mapInArrow`` form: record batches in, one record batch out."""
        for batch in self(list(batches)).to_batches():
            yield batch
