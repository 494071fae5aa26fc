"""Skew checks on prediction logs: lockstep-core's replay (``lockstep skew``), in-process.

Whole files, as the CLI does (core's engine; ``lockstep skew --no-ort``)::

    report = lockstep.skew.replay(["logs/day1.jsonl"], pipeline, model, train=train_table)

One Arrow record batch at a time, with mergeable findings — the per-row work can run on
a distributed engine and the driver merges the partial findings in log order::

    replayer = lockstep.skew.Replayer(pipeline, model, train=train_table)
    findings = replayer.replay_batch(record_batch)      # on a worker
    findings.merge(other_findings)                      # on the driver, in log order
    findings.report(files=[...], format="md")
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

from ._lockstep import Findings, Model, Pipeline, Replayer

__all__ = ["Findings", "Replayer", "replay", "replay_batch"]


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
