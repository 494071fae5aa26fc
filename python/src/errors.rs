//! Core's typed errors as Python exceptions. The message is core's own (it names the
//! column, the row and the value); the class says which part of Lockstep refused.
//!
//! ```text
//! LockstepError (ValueError)
//! ├── TableError        a table could not be read or converted (column, type, line)
//! ├── TransformError    a spec, a fit or a transform (column, row, value)
//! ├── ModelError        a model could not be loaded or run (node, input, shape)
//! ├── EvaluationError   an evaluation request (settings, contract, labels)
//! └── SkewError         a skew replay (file, row, column)
//! ```

use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

create_exception!(
    _lockstep,
    LockstepError,
    PyValueError,
    "Base class of every error Lockstep raises; the message is lockstep-core's."
);
create_exception!(
    _lockstep,
    TableError,
    LockstepError,
    "A table could not be read or converted (names the column, its type or the line)."
);
create_exception!(
    _lockstep,
    TransformError,
    LockstepError,
    "A pipeline spec, fit or transform failed (names the column, row and value)."
);
create_exception!(
    _lockstep,
    ModelError,
    LockstepError,
    "A model could not be loaded or run (names the node, input or shape)."
);
create_exception!(
    _lockstep,
    EvaluationError,
    LockstepError,
    "An evaluation request could not be carried out (settings, contract, columns)."
);
create_exception!(
    _lockstep,
    SkewError,
    LockstepError,
    "A skew replay failed (names the file, row and column)."
);

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("LockstepError", py.get_type::<LockstepError>())?;
    m.add("TableError", py.get_type::<TableError>())?;
    m.add("TransformError", py.get_type::<TransformError>())?;
    m.add("ModelError", py.get_type::<ModelError>())?;
    m.add("EvaluationError", py.get_type::<EvaluationError>())?;
    m.add("SkewError", py.get_type::<SkewError>())?;
    Ok(())
}

pub fn table(err: impl std::fmt::Display) -> PyErr {
    TableError::new_err(err.to_string())
}

pub fn transform(err: impl std::fmt::Display) -> PyErr {
    TransformError::new_err(err.to_string())
}

pub fn model(err: impl std::fmt::Display) -> PyErr {
    ModelError::new_err(err.to_string())
}

pub fn model_msg(err: impl std::fmt::Display) -> String {
    err.to_string()
}

pub fn evaluation(err: impl std::fmt::Display) -> PyErr {
    EvaluationError::new_err(err.to_string())
}

pub fn skew(err: impl std::fmt::Display) -> PyErr {
    SkewError::new_err(err.to_string())
}
