//! `assess` (the verdict on the current request) and `challenge_track`, plus two hooks the
//! shared vector tests use to drive the decision store directly.

use std::hash::{DefaultHasher, Hash, Hasher};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};
use vigil_core::{ChallengeResult, DeviceId, RequestContext, UserKey, Verdict};

use crate::convert;
use crate::errors::{type_error, IntoPyResult};
use crate::request::{self, DecisionInfo};
use crate::state::with_client;

/// What `assess` says about a request (`vigil.Assessment`): a verdict and the decisions
/// behind it (the user's first, then the IP's; none for `"allow"`).
#[pyclass(frozen, module = "vigil._native")]
pub struct Assessment(vigil_core::Assessment);

#[pymethods]
impl Assessment {
    /// `"allow"`, `"challenge"` or `"deny"`.
    #[getter]
    fn verdict(&self) -> &'static str {
        self.0.verdict.as_str()
    }

    /// The reasons of the decisions behind the verdict, in order.
    #[getter]
    fn reasons<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.0.decisions.iter().map(|d| d.reason.as_str()))
    }

    /// The id of the decision that speaks for the verdict (the user's when there is one), to
    /// quote as the block response's reference; None for `"allow"`.
    #[getter]
    fn decision_id(&self) -> Option<&str> {
        self.0.decision().map(|d| d.id.as_str())
    }

    /// That decision (`vigil.Decision`): `raise vigil.UserBlocked(a.decision)` inside a
    /// middleware answers the request with the block response.
    #[getter]
    fn decision(&self) -> Option<DecisionInfo> {
        self.0.decision().cloned().map(DecisionInfo)
    }

    /// Every decision behind the verdict (at most the user's and the IP's).
    #[getter]
    fn decisions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let items = self
            .0
            .decisions
            .iter()
            .map(|d| DecisionInfo(d.clone()))
            .collect::<Vec<_>>();
        PyTuple::new(py, items)
    }

    #[getter]
    fn allowed(&self) -> bool {
        self.0.verdict == Verdict::Allow
    }

    #[getter]
    fn challenged(&self) -> bool {
        self.0.verdict == Verdict::Challenge
    }

    #[getter]
    fn denied(&self) -> bool {
        self.0.verdict == Verdict::Deny
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .downcast::<Assessment>()
            .is_ok_and(|o| o.get().0 == self.0)
    }

    fn __hash__(&self) -> u64 {
        let mut h = DefaultHasher::new();
        self.0.verdict.hash(&mut h);
        for d in &self.0.decisions {
            d.id.hash(&mut h);
        }
        h.finish()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let decision_id = self.decision_id().into_pyobject(py)?;
        Ok(format!(
            "Assessment(verdict={}, reasons={}, decision_id={})",
            PyString::new(py, self.verdict()).repr()?,
            self.reasons(py)?.repr()?,
            decision_id.repr()?
        ))
    }
}

/// `assess(**ids)`: the verdict on the current request (its IP and device) for this user;
/// with no identifiers, for the user `identify` tied to the request, else the user who last
/// logged in from its IP. Reads the decisions held: no event, no I/O.
#[pyfunction]
#[pyo3(signature = (**ids))]
pub fn assess(py: Python<'_>, ids: Option<&Bound<'_, PyDict>>) -> PyResult<Assessment> {
    let req = request::current(py)?;
    with_client(py, |client| {
        let key: Option<UserKey> = match ids.filter(|d| !d.is_empty()) {
            Some(d) => Some(convert::identity_from_kwargs(py, client, Some(d))?.key()),
            None => req
                .as_ref()
                .and_then(|r| r.get().user.lock().as_ref().map(|u| u.key())),
        };
        let ctx = req.as_ref().map(|r| &r.get().ctx);
        Ok(Assessment(client.assess(key.as_ref(), ctx)))
    })
}

/// `challenge_track(result, **ids)`: how the challenge `assess` asked for went
/// (`"requested"`, `"succeeded"` or `"failed"`), recorded with the current request.
#[pyfunction]
#[pyo3(signature = (result, /, **ids))]
pub fn challenge_track(
    py: Python<'_>,
    result: &Bound<'_, PyAny>,
    ids: Option<&Bound<'_, PyDict>>,
) -> PyResult<bool> {
    let text = result
        .downcast::<PyString>()
        .map_err(|_| type_error("the challenge result", result))?;
    let result = ChallengeResult::parse(&text.to_cow()?).py_err(py)?;
    with_client(py, |client| {
        let user = convert::identity_from_kwargs(py, client, ids)?;
        let req = request::current(py)?;
        let ctx = req.as_ref().map(|r| r.get().ctx.clone());
        Ok(client.track_challenge(result, user, ctx))
    })
}

/// For tests: applies one decision-feed answer (`GET /v1/decisions`, JSON) to the running
/// client's decisions, as `vigil_decisions_apply` does in C; returns how many were skipped.
#[pyfunction]
pub fn _apply_feed(py: Python<'_>, feed_json: &str) -> PyResult<usize> {
    let feed: vigil_core::wire::DecisionFeed = serde_json::from_str(feed_json)
        .map_err(|e| PyValueError::new_err(format!("feed_json: {e}")))?;
    with_client(py, |client| Ok(client.decisions().apply_feed(&feed)))
}

/// For tests: `assess` by user key (`u_` and 32 hex digits), IP and device, as the shared
/// vectors give them.
#[pyfunction]
#[pyo3(signature = (user_key, ip, device))]
pub fn _assess_key(
    py: Python<'_>,
    user_key: Option<&str>,
    ip: Option<&str>,
    device: Option<&str>,
) -> PyResult<Assessment> {
    let key = user_key
        .map(|k| k.parse::<UserKey>())
        .transpose()
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    let mut ctx = RequestContext::from_parts(ip, None, None, None).py_err(py)?;
    ctx.device = device
        .map(|d| d.parse::<DeviceId>())
        .transpose()
        .map_err(|()| PyValueError::new_err("a device is 32 lower-case hex digits"))?;
    with_client(py, |client| {
        Ok(Assessment(client.assess(key.as_ref(), Some(&ctx))))
    })
}
