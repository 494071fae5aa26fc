"""Lockstep in Python: the feature transforms, ONNX engine, evaluation and skew checks
that ``lockstep serve``, the ``lockstep`` CLI and the browser run — the same Rust code
(lockstep-core), in-process, on Arrow tables.

Tables in are pyarrow tables or record batches, or anything with the Arrow PyCapsule
interface (polars, pandas >= 2.2 DataFrames; older pandas goes through pyarrow).
Columns already in Lockstep's layout (int64, float64, bool, dictionary<uint32, utf8>)
are shared with Python, not copied.

    >>> import pyarrow.parquet as pq, lockstep
    >>> pipeline = lockstep.Pipeline.fit(open("spec.toml").read(), pq.read_table("train.parquet"))
    >>> features = pipeline.transform(pq.read_table("test.parquet"))   # pyarrow.Table, float32
    >>> X = pipeline.transform_numpy(pq.read_table("test.parquet"))    # numpy (rows, features)
    >>> pipeline.fingerprint, pipeline.to_json()

Errors are :class:`LockstepError` subclasses whose messages are lockstep-core's own
(they name the column, the row and the value).
"""

from ._lockstep import (
    EvaluationError,
    LockstepError,
    Model,
    ModelError,
    Pipeline,
    SkewError,
    TableError,
    TransformError,
    __version__,
    evaluate,
    export_report,
    read_csv,
)
from . import skew

__all__ = [
    "EvaluationError",
    "LockstepError",
    "Model",
    "ModelError",
    "Pipeline",
    "SkewError",
    "TableError",
    "TransformError",
    "__version__",
    "evaluate",
    "export_report",
    "read_csv",
    "skew",
]
