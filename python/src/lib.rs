//! `lockstep._lockstep`: lockstep-core inside a Python process (built by maturin; the
//! Python package `lockstep` in `python/lockstep` re-exports it).
//!
//! ## Data flow
//!
//! A Python table (pyarrow, or anything with the Arrow PyCapsule interface:
//! `__arrow_c_stream__` / `__arrow_c_array__`, e.g. polars; pandas through pyarrow) →
//! [`arrow::table_from_py`] (Arrow C data interface; columns already in core's layout
//! are shared, not copied) → core's `transform::apply` / the engine / the evaluation /
//! the skew replay, with the GIL released → results back as pyarrow tables (features
//! are `float32` columns), numpy arrays (zero-copy from core's feature buffer), dicts
//! or report text. Errors keep core's messages ([`errors`]).

mod arrow;
mod errors;
mod evaluate;
mod model;
mod pipeline;
mod skew;

use pyo3::prelude::*;

#[pymodule]
fn _lockstep(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    m.add_class::<pipeline::Pipeline>()?;
    m.add_class::<model::Model>()?;
    m.add_class::<skew::Replayer>()?;
    m.add_class::<skew::Findings>()?;
    m.add_function(wrap_pyfunction!(arrow::read_csv, m)?)?;
    m.add_function(wrap_pyfunction!(evaluate::evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(evaluate::export_report, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
