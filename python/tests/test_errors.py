"""Errors are LockstepError subclasses carrying lockstep-core's message: the same text the
CLI prints, naming the column, the row and the value."""

from __future__ import annotations

import datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import lockstep
from conftest import TRANSFORMS, run_cli

STANDARDIZE_AGE = 'version = 1\n[[columns]]\nname = "age"\nsteps = [{ step = "standardize" }]\n'


def test_a_null_where_a_step_needs_a_value_names_the_column_and_row_as_the_cli_does(tmp_path):
    train = pa.table({"age": [30.0, 40.0, 50.0]})
    pipeline = lockstep.Pipeline.fit(STANDARDIZE_AGE, train)
    raw = pa.table({"age": [1.0, None, 3.0]})
    with pytest.raises(lockstep.TransformError) as err:
        pipeline.transform(raw)
    message = str(err.value)
    assert message == (
        "column `age`, row 2: the value is null, but step `standardize` needs a value "
        "(add an impute step before it)"
    )
    assert isinstance(err.value, lockstep.LockstepError) and isinstance(err.value, ValueError)

    # The CLI refuses the same rows with the same words.
    (tmp_path / "p.json").write_text(pipeline.to_json())
    (tmp_path / "raw.csv").write_text("age\n1.0\nNA\n3.0\n")
    done = run_cli(
        "transform", "--pipeline", tmp_path / "p.json", "--input", tmp_path / "raw.csv",
        "-o", tmp_path / "f.parquet", check=False,
    )
    assert done.returncode != 0
    assert message in done.stderr


def test_a_missing_column_lists_the_columns_there_are():
    pipeline = lockstep.Pipeline.fit(STANDARDIZE_AGE, pa.table({"age": [1.0, 2.0]}))
    with pytest.raises(lockstep.TransformError, match=r"no column named `age` in the input \(columns: height, weight\)"):
        pipeline.transform(pa.table({"height": [1.0], "weight": [2.0]}))


def test_a_non_finite_number_names_the_column_row_and_value():
    pipeline = lockstep.Pipeline.fit(STANDARDIZE_AGE, pa.table({"age": [1.0, 2.0]}))
    with pytest.raises(lockstep.TransformError, match=r"column `age`, row 2: .*inf"):
        pipeline.transform(pa.table({"age": [1.0, float("inf")]}))


def test_an_unsupported_arrow_type_is_a_table_error_naming_the_column():
    table = pa.table({"age": [1.0], "seen": [datetime.datetime(2026, 12, 3)]})
    pipeline = lockstep.Pipeline.fit(STANDARDIZE_AGE, pa.table({"age": [1.0, 2.0]}))
    with pytest.raises(lockstep.TableError, match=r"column `seen` has type Timestamp"):
        pipeline.transform(table)


def test_a_wrong_type_names_the_column_and_both_types():
    pipeline = lockstep.Pipeline.fit(STANDARDIZE_AGE, pa.table({"age": [1.0, 2.0]}))
    with pytest.raises(lockstep.TransformError, match=r"column `age` is a string"):
        pipeline.transform(pa.table({"age": ["old"]}))


def test_a_bad_spec_and_a_tampered_pipeline_are_refused():
    with pytest.raises(lockstep.TransformError, match="cannot parse the pipeline spec"):
        lockstep.Pipeline.fit("version = 1\ncolumns = 3\n", pa.table({"age": [1.0]}))
    pipeline = lockstep.Pipeline.fit(STANDARDIZE_AGE, pa.table({"age": [1.0, 2.0]}))
    tampered = pipeline.to_json().replace(pipeline.fingerprint, "0" * 64)
    with pytest.raises(lockstep.TransformError, match="fingerprint"):
        lockstep.Pipeline.from_json(tampered)


def test_something_that_is_not_a_table_is_a_type_error():
    pipeline = lockstep.Pipeline.fit(STANDARDIZE_AGE, pa.table({"age": [1.0, 2.0]}))
    with pytest.raises(TypeError, match="expected a table"):
        pipeline.transform([1, 2, 3])


def test_read_csv_errors_name_the_line_and_value():
    with pytest.raises(lockstep.TableError, match="line 3"):
        lockstep.read_csv(b"a,b\n1,2\n3\n")
