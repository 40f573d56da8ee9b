//! The tracking and blocking calls. Each is one core call plus argument conversion.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use vigil_core::Identity;

use crate::convert;
use crate::errors::{self, IntoPyResult};
use crate::request::{self, DecisionInfo, Request};
use crate::state::with_client;

/// Whether the account of a failed login exists: `auth_track(False, AccountExists(False), ...)`.
///
/// A separate type (not a keyword) because every keyword of `auth_track` is an identifier.
#[pyclass(frozen, module = "vigil._native")]
pub struct AccountExists {
    #[pyo3(get)]
    value: bool,
}

#[pymethods]
impl AccountExists {
    #[new]
    fn new(value: bool) -> Self {
        AccountExists { value }
    }

    fn __repr__(&self) -> String {
        format!(
            "AccountExists({})",
            if self.value { "True" } else { "False" }
        )
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .downcast::<AccountExists>()
            .is_ok_and(|o| o.get().value == self.value)
    }

    fn __hash__(&self) -> u64 {
        u64::from(self.value)
    }
}

#[inline]
fn request_context(req: &Option<Bound<'_, Request>>) -> Option<vigil_core::RequestContext> {
    req.as_ref().map(|r| r.get().ctx.clone())
}

/// `signup_track(**ids)`
#[pyfunction]
#[pyo3(signature = (**ids))]
pub fn signup_track(py: Python<'_>, ids: Option<&Bound<'_, PyDict>>) -> PyResult<bool> {
    with_client(py, |client| {
        let user = convert::identity_from_kwargs(py, client, ids)?;
        let req = request::current(py)?;
        Ok(client.track_signup(user, request_context(&req)))
    })
}

/// `auth_track(success, [AccountExists(...)], **ids)`
#[pyfunction]
#[pyo3(signature = (success, exists=None, /, **ids))]
pub fn auth_track(
    py: Python<'_>,
    success: &Bound<'_, PyAny>,
    exists: Option<&Bound<'_, AccountExists>>,
    ids: Option<&Bound<'_, PyDict>>,
) -> PyResult<bool> {
    let success = success.is_truthy()?;
    with_client(py, |client| {
        let user = convert::identity_from_kwargs(py, client, ids)?;
        let req = request::current(py)?;
        let exists = exists.map(|e| e.get().value).filter(|_| !success);
        Ok(client.track_auth(success, user, exists, request_context(&req)))
    })
}

/// `identify(ids, traits=None)`: raises `UserBlocked` when the user or the request's IP is banned.
#[pyfunction]
#[pyo3(signature = (ids, traits=None))]
pub fn identify(
    py: Python<'_>,
    ids: &Bound<'_, PyAny>,
    traits: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    if let Some(t) = traits.filter(|t| !t.is_none()) {
        convert::check_traits(t)?;
    }
    let decision = with_client(py, |client| {
        let user = convert::identity(py, client, ids)?;
        let req = request::current(py)?;
        if let Some(r) = &req {
            *r.get().user.lock() = Some(user.clone());
        }
        Ok(client.identify(user, request_context(&req)))
    })?;
    match decision {
        None => Ok(()),
        Some(d) => Err(errors::blocked(
            py,
            Py::new(py, DecisionInfo(d))?.into_any(),
        )),
    }
}

/// The native half of `vigil.track` (the Python half reads options and timestamps).
#[pyfunction]
#[pyo3(signature = (event, properties=None, user_identifiers=None, timestamp_ms=None))]
pub fn track(
    py: Python<'_>,
    event: &str,
    properties: Option<&Bound<'_, PyAny>>,
    user_identifiers: Option<&Bound<'_, PyAny>>,
    timestamp_ms: Option<i64>,
) -> PyResult<bool> {
    let props = convert::properties(py, properties)?;
    let req = request::current(py)?;
    with_client(py, |client| {
        let user = match user_identifiers.filter(|u| !u.is_none()) {
            Some(ids) => Some(convert::identity(py, client, ids)?),
            // Inside an identified request, the event is that user's.
            None => req.as_ref().and_then(|r| r.get().user.lock().clone()),
        };
        client
            .track_event(event, user, props, timestamp_ms, request_context(&req))
            .py_err(py)
    })
}

/// `alias(old_ids, new_ids)`
#[pyfunction]
pub fn alias(
    py: Python<'_>,
    old_ids: &Bound<'_, PyAny>,
    new_ids: &Bound<'_, PyAny>,
) -> PyResult<bool> {
    with_client(py, |client| {
        let previous = convert::identity(py, client, old_ids)?;
        let current = convert::identity(py, client, new_ids)?;
        let req = request::current(py)?;
        Ok(client.alias(previous, current, request_context(&req)))
    })
}

/// `(ids, primary, key)` of the identity, under the running client's PII settings.
#[pyfunction]
pub fn normalize<'py>(py: Python<'py>, ids: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyTuple>> {
    // A pure helper: the running client's rules, else the configuration's; starts nothing.
    let user = convert::identity_with(py, ids, |pairs| crate::state::CLIENT.normalize(pairs))?;
    identity_tuple(py, &user)
}

fn identity_tuple<'py>(py: Python<'py>, user: &Identity) -> PyResult<Bound<'py, PyTuple>> {
    let dict = PyDict::new(py);
    for (k, v) in user.pairs() {
        dict.set_item(k, v)?;
    }
    (dict, user.primary_key(), user.key().to_string()).into_pyobject(py)
}

/// The decision blocking `request` (its identified user, else its IP), if any.
#[pyfunction]
pub fn check_request(
    py: Python<'_>,
    request: &Bound<'_, Request>,
) -> PyResult<Option<DecisionInfo>> {
    let r = request.get();
    let user = r.user.lock().as_ref().map(|u| u.key());
    with_client(py, |client| {
        Ok(client
            .check(user.as_ref(), r.ctx.ip.as_ref(), r.ctx.device)
            .map(DecisionInfo))
    })
}
