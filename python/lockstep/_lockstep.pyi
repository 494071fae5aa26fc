"""Type stubs for the Rust extension `lockstep._lockstep` (lockstep-core through PyO3)."""

from __future__ import annotations

import os
from typing import Any, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt
import pyarrow as pa

__version__: str

# A table: pyarrow.Table / RecordBatch / RecordBatchReader, a pandas or polars
# DataFrame, or any object with the Arrow PyCapsule interface (__arrow_c_stream__).
TableLike = Any
Spec = Union[str, Mapping[str, Any]]

class LockstepError(ValueError):
    """Base class of every error Lockstep raises; the message is lockstep-core's."""

class TableError(LockstepError):
    """A table could not be read or converted (names the column, its type or the line)."""

class TransformError(LockstepError):
    """A pipeline spec, fit or transform failed (names the column, row and value)."""

class ModelError(LockstepError):
    """A model could not be loaded or run (names the node, input or shape)."""

class EvaluationError(LockstepError):
    """An evaluation request could not be carried out (settings, contract, columns)."""

class SkewError(LockstepError):
    """A skew replay failed (names the file, row and column)."""

class Pipeline:
    """A fitted feature pipeline: the exact transforms `lockstep transform`,
    `lockstep serve` and the browser run."""

    @staticmethod
    def fit(spec: Spec, table: TableLike) -> Pipeline:
        """Fits `spec` (TOML or JSON text, or a dict) on the training `table`."""
    @staticmethod
    def from_json(text: str) -> Pipeline:
        """A pipeline from the JSON `lockstep fit` writes (its fingerprint is checked)."""
    def to_json(self) -> str:
        """The JSON `lockstep fit` writes."""
    def transform(self, table: TableLike) -> pa.Table:
        """The features of `table` as a pyarrow table of float32 columns."""
    def transform_numpy(self, table: TableLike) -> npt.NDArray[np.float32]:
        """The features of `table` as a (rows, features) float32 array (no copy)."""
    def unseen_categories(self, table: TableLike) -> List[Tuple[str, int, int, List[str]]]:
        """Per encoded column: (column, rows, distinct, examples) of unseen categories."""
    @property
    def fingerprint(self) -> str:
        """The canonical sha256 of the fitted pipeline (the one in reports and logs)."""
    @property
    def feature_names(self) -> List[str]:
        """The output feature names, in column order."""
    @property
    def input_columns(self) -> List[str]:
        """The raw input columns the pipeline reads."""
    @property
    def null_values(self) -> List[str]:
        """The raw strings read as null in every source (recorded at fit)."""
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

def read_csv(
    source: Union[str, os.PathLike[str], bytes], null_values: Optional[Sequence[str]] = None
) -> pa.Table:
    """Reads CSV with lockstep-core's reader: the table `lockstep transform --input x.csv`
    sees. Strings come back as dictionary<uint32, utf8>."""

class Model:
    """An ONNX model on lockstep-core's engine (`core`: the code the browser runs)."""

    def __init__(self, onnx_bytes: bytes, threads: Optional[int] = None) -> None:
        """Loads a model; `threads` (default: the available cores) split the rows, with
        the same outputs bit for bit."""
    def run(
        self, data: Union[TableLike, npt.ArrayLike, Mapping[str, npt.ArrayLike]],
        pipeline: Optional[Pipeline] = None,
    ) -> Any:
        """A table (through `pipeline` when given) → a pyarrow table with `lockstep
        predict`'s columns; an array or a dict of arrays by input name → a dict of numpy
        arrays by output name."""
    @property
    def inputs(self) -> List[Tuple[str, Optional[str], Optional[List[Optional[int]]]]]:
        """(name, element type, shape with None for free dimensions) per input."""
    @property
    def class_labels(self) -> Optional[List[str]]: ...
    @property
    def fingerprint(self) -> str:
        """sha256 of the model's bytes (the fingerprint in reports and logs)."""
    @property
    def engine(self) -> str:
        """The engine's name: `core`."""

def evaluate(
    table: TableLike,
    config: Optional[Spec] = None,
    *,
    label: str,
    pred_col: Optional[str] = None,
    score_col: Optional[str] = None,
    model: Optional[Model] = None,
    pipeline: Optional[Pipeline] = None,
    contract: Optional[Spec] = None,
    positive_label: Optional[str] = None,
    threshold: Optional[float] = None,
    bootstrap: Optional[int] = None,
    seed: Optional[int] = None,
    data_sha256: Optional[str] = None,
) -> dict:
    """The evaluation report (`lockstep eval --format json`, as a dict) of `table`:
    core's `report::evaluate_request`. `config`/`contract`: TOML or JSON text or a dict."""

def export_report(report: Mapping[str, Any], format: str) -> str:
    """An evaluation report as `json`, `md`, `html` or `junit`: `lockstep eval --format`."""

class Findings:
    """What replaying some log batches found; merge in log order, then `report()`."""

    def merge(self, other: Findings) -> None:
        """Adds (and consumes) the findings of the batches that follow these in the log."""
    @property
    def rows(self) -> int: ...
    def to_bytes(self) -> bytes:
        """These findings as versioned bytes (b"" when empty), for `Replayer.findings_from_bytes`
        in the process that merges them."""
    def report(self, files: Sequence[str] = ..., format: str = "dict") -> Any:
        """The skew report: `dict`, `json`, `text`, `md` or `junit` (`lockstep skew --format`)."""

class Replayer:
    """Replays prediction logs through a pipeline and a model (`lockstep skew --no-ort`)."""

    def __init__(
        self, pipeline: Pipeline, model: Model, train: Optional[TableLike] = None,
        config: Optional[str] = None,
    ) -> None: ...
    def replay_batch(self, batch: Any, source: str = "batch", first_row: int = 1) -> Findings:
        """Findings of one batch of log records (pyarrow RecordBatch/Table, the Parquet log layout)."""
    def replay_files(self, paths: Sequence[str], batch_rows: int = 8192) -> dict:
        """The report (a dict) of whole log files (JSON Lines or Parquet)."""
    def findings_from_bytes(self, data: bytes) -> Findings:
        """Findings sent by `Findings.to_bytes()` from a replayer of the same artefacts
        (else `SkewError` naming what differs)."""
