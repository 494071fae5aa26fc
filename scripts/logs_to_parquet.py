"""Converts `lockstep serve` prediction logs (JSON Lines) to Parquet that `lockstep skew`
reads: one row per logged row, every field in its own column (docs/skew-ci.md).

Log format 2 writes a request's fields (request_id, fingerprints, timestamp, ...) once,
in the `request` object of its first record; the request's other records carry only
`request_id`. Parquet rows are read independently, so this fills each row's request
fields from its request's first record (the same forward fill a Spark job does with
`last(request, ignorenulls=True)` over the log's line order). Format 1 logs, whose
records carry every field, are written as they are.

Usage: python scripts/logs_to_parquet.py OUT_DIR LOG.jsonl [LOG.jsonl ...]
"""

import pathlib
import sys

import numpy as np
import pyarrow as pa
import pyarrow.json as pj
import pyarrow.parquet as pq


def flatten(table: pa.Table) -> pa.Table:
    if "request" not in table.column_names:
        return table
    request = table["request"].combine_chunks()
    first = np.asarray(request.is_valid())
    if len(first) and not first[0]:
        raise ValueError("the log starts inside a request: its first record has no `request`")
    holder = np.maximum.accumulate(np.where(first, np.arange(len(first)), 0))
    fields = request.take(pa.array(holder))
    table = table.drop_columns([c for c in ("request", "request_id") if c in table.column_names])
    for field in request.type:
        table = table.append_column(field.name, fields.field(field.name))
    return table


def main() -> None:
    out = pathlib.Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for i, log in enumerate(sorted(sys.argv[2:])):
        pq.write_table(flatten(pj.read_json(log)), out / f"part-{i:03}.parquet", row_group_size=64)


if __name__ == "__main__":
    main()
