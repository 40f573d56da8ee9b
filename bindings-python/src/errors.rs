//! The one place where core errors become Python exceptions.
//!
//! The exception classes are defined in Python (`vigil/_errors.py`) because they inherit from
//! both `VigilError` and `ValueError`, which `create_exception!` cannot express.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::GILOnceCell;
use pyo3::types::PyType;
use vigil_core::{Error, ErrorKind};

static CLASSES: GILOnceCell<Classes> = GILOnceCell::new();

struct Classes {
    base: Py<PyType>,
    identifier: Py<PyType>,
    event: Py<PyType>,
    config: Py<PyType>,
    blocked: Py<PyType>,
}

fn classes(py: Python<'_>) -> PyResult<&Classes> {
    CLASSES.get_or_try_init(py, || {
        let m = py.import("vigil._errors")?;
        let get = |name: &str| -> PyResult<Py<PyType>> {
            Ok(m.getattr(name)?.downcast_into::<PyType>()?.unbind())
        };
        Ok(Classes {
            base: get("VigilError")?,
            identifier: get("IdentifierError")?,
            event: get("EventError")?,
            config: get("ConfigError")?,
            blocked: get("UserBlocked")?,
        })
    })
}

/// Converts a core error into the matching `vigil` exception, with `.code` = [`Error::code`].
pub fn to_py(py: Python<'_>, err: Error) -> PyErr {
    let c = match classes(py) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let class = match err.kind() {
        ErrorKind::Identifier => &c.identifier,
        ErrorKind::Event => &c.event,
        ErrorKind::Config => &c.config,
        ErrorKind::Client => &c.base,
    };
    match class.bind(py).call1((err.to_string(), err.code())) {
        Ok(instance) => PyErr::from_value(instance),
        Err(e) => e,
    }
}

/// `UserBlocked(decision)`.
pub fn blocked(py: Python<'_>, decision: PyObject) -> PyErr {
    match classes(py).and_then(|c| c.blocked.bind(py).call1((decision,))) {
        Ok(instance) => PyErr::from_value(instance),
        Err(e) => e,
    }
}

pub fn type_error(what: impl std::fmt::Display, got: &Bound<'_, PyAny>) -> PyErr {
    let type_name = got
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into());
    PyTypeError::new_err(format!("{what} must be a str, not {type_name}"))
}

pub trait IntoPyResult<T> {
    fn py_err(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for Result<T, Error> {
    #[inline]
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py(py, e))
    }
}
