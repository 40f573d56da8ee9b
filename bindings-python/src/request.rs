//! The current HTTP request, as middlewares record it, and ban decisions as Python sees them.

use std::sync::Arc;

use parking_lot::Mutex;
use pyo3::prelude::*;
use pyo3::sync::GILOnceCell;
use vigil_core::{Action, Decision, Identity, RequestContext, Target};

use crate::errors::IntoPyResult;

/// `contextvars.ContextVar` holding the current [`Request`], and its bound `get`.
static VAR: GILOnceCell<(PyObject, PyObject)> = GILOnceCell::new();

fn var(py: Python<'_>) -> PyResult<&(PyObject, PyObject)> {
    VAR.get_or_try_init(py, || {
        let var = py.import("contextvars")?.getattr("ContextVar")?.call(
            ("vigil_request",),
            Some(&[("default", py.None())].into_py_dict(py)?),
        )?;
        let get = var.getattr("get")?;
        Ok((var.unbind(), get.unbind()))
    })
}

use pyo3::types::IntoPyDict;

pub fn request_var(py: Python<'_>) -> PyResult<PyObject> {
    Ok(var(py)?.0.clone_ref(py))
}

/// The request the calling code runs in, if a middleware set one.
#[inline]
pub fn current(py: Python<'_>) -> PyResult<Option<Bound<'_, Request>>> {
    let value = var(py)?.1.bind(py).call0()?;
    if value.is_none() {
        return Ok(None);
    }
    Ok(value.downcast_into::<Request>().ok())
}

/// One HTTP request: built once by a middleware, read by every call made while serving it.
#[pyclass(frozen, module = "vigil._native")]
pub struct Request {
    pub ctx: RequestContext,
    /// The user `identify` associated with this request.
    pub user: Mutex<Option<Identity>>,
    /// The `Set-Cookie` header value the response must carry: a fresh device cookie.
    pub set_cookie: Option<String>,
}

impl Request {
    pub fn from_context(ctx: RequestContext, set_cookie: Option<String>) -> Request {
        Request {
            ctx,
            user: Mutex::new(None),
            set_cookie,
        }
    }
}

#[pymethods]
impl Request {
    #[new]
    #[pyo3(signature = (ip=None, user_agent=None, method=None, path=None))]
    fn new(
        py: Python<'_>,
        ip: Option<&str>,
        user_agent: Option<&str>,
        method: Option<&str>,
        path: Option<&str>,
    ) -> PyResult<Request> {
        Ok(Request {
            ctx: RequestContext::from_parts(ip, user_agent, method, path).py_err(py)?,
            user: Mutex::new(None),
            set_cookie: None,
        })
    }

    #[getter]
    fn ip(&self) -> Option<String> {
        self.ctx.ip.map(|ip| ip.to_string())
    }

    #[getter]
    fn user_agent(&self) -> Option<&str> {
        self.ctx.user_agent.as_deref()
    }

    #[getter]
    fn method(&self) -> Option<&str> {
        self.ctx.method.as_deref()
    }

    #[getter]
    fn path(&self) -> Option<&str> {
        self.ctx.path.as_deref()
    }

    /// The request's device (32 hex digits) from the signed device cookie, or a fresh one
    /// when the middleware sends that cookie with the response; None when the cookie is
    /// disabled (`device_cookie = ""`) or the request was not built by a middleware.
    #[getter]
    fn device(&self) -> Option<String> {
        self.ctx.device.map(|d| d.to_string())
    }

    /// The `Set-Cookie` header value the middleware adds to the response (a fresh device
    /// cookie), or None when the request's cookie was valid.
    #[getter]
    fn set_cookie(&self) -> Option<&str> {
        self.set_cookie.as_deref()
    }

    /// The user key of the user `identify` associated with this request.
    #[getter]
    fn user_key(&self) -> Option<String> {
        self.user.lock().as_ref().map(|u| u.key().to_string())
    }

    fn __repr__(&self) -> String {
        format!(
            "Request(ip={:?}, method={:?}, path={:?}, device={:?})",
            self.ctx.ip,
            self.ctx.method,
            self.ctx.path,
            self.ctx.device.map(|d| d.to_string())
        )
    }
}

/// A ban decision (`vigil.Decision`): read-only view of the core's.
#[pyclass(name = "Decision", frozen, module = "vigil._native")]
pub struct DecisionInfo(pub Arc<Decision>);

#[pymethods]
impl DecisionInfo {
    #[getter]
    fn id(&self) -> &str {
        &self.0.id
    }

    /// `"user"`, `"ip"` or `"cidr"`.
    #[getter]
    fn scope(&self) -> &'static str {
        match self.0.target {
            Target::User(_) => "user",
            Target::Ip(_) => "ip",
            Target::Cidr(_) => "cidr",
        }
    }

    /// The user key, IP address or network the decision applies to.
    #[getter]
    fn target(&self) -> String {
        match &self.0.target {
            Target::User(k) => k.to_string(),
            Target::Ip(ip) => ip.to_string(),
            Target::Cidr(net) => net.to_string(),
        }
    }

    /// `"block"`, `"redirect"` or `"challenge"` (only `assess` gives a challenge: ban checks
    /// ignore them).
    #[getter]
    fn action(&self) -> &'static str {
        match self.0.action {
            Action::Block => "block",
            Action::Redirect { .. } => "redirect",
            Action::Challenge => "challenge",
        }
    }

    #[getter]
    fn redirect_url(&self) -> Option<&str> {
        match &self.0.action {
            Action::Redirect { url } => Some(url),
            Action::Block | Action::Challenge => None,
        }
    }

    #[getter]
    fn reason(&self) -> &str {
        &self.0.reason
    }

    /// Unix time in milliseconds, or `None` for a decision that does not expire.
    #[getter]
    fn expires_at_ms(&self) -> Option<i64> {
        self.0.expires_at_ms
    }

    fn __repr__(&self) -> String {
        format!(
            "Decision(id={:?}, scope={:?}, target={:?}, action={:?}, reason={:?})",
            self.0.id,
            self.scope(),
            self.target(),
            self.action(),
            self.0.reason
        )
    }
}
