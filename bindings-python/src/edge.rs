//! The HTTP edge for Python middlewares: the client IP, the device cookie and the block
//! response come from the core's policy; the middlewares only read their server's request and
//! write what they get.

use parking_lot::Mutex;

use pyo3::prelude::*;
use pyo3::sync::GILOnceCell;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};
use vigil_core::edge::DecisionView;
use vigil_core::{Edge, RequestContext};

use crate::errors::IntoPyResult;
use crate::request::Request;
use crate::state::with_client;

/// A middleware's edge policy: the running client's settings, or those with a middleware's
/// own options applied over them (resolved once, on first use).
#[pyclass(frozen, module = "vigil._native")]
pub struct EdgePolicy {
    overrides: Vec<(String, String)>,
    fixed: GILOnceCell<Edge>,
    /// The header's name and WSGI environ key, made once per client generation rather than
    /// formatted on every request.
    names: Mutex<Option<HeaderNames>>,
}

struct HeaderNames {
    generation: u64,
    header: Py<PyString>,
    environ_key: Py<PyString>,
}

impl EdgePolicy {
    fn with<R>(&self, py: Python<'_>, f: impl FnOnce(&Edge) -> R) -> PyResult<R> {
        with_client(py, |client| {
            if self.overrides.is_empty() {
                return Ok(f(client.edge()));
            }
            let edge = self
                .fixed
                .get_or_try_init(py, || build(py, client.edge(), &self.overrides))?;
            Ok(f(edge))
        })
    }

    /// `(header, environ key)` of the edge in force.
    fn names(&self, py: Python<'_>) -> PyResult<(Py<PyString>, Py<PyString>)> {
        let generation = crate::state::CLIENT.generation();
        let mut names = self.names.lock();
        if names.as_ref().is_none_or(|n| n.generation != generation) {
            let header = self.with(py, |e| e.client_ip_header().to_owned())?;
            let key = format!("HTTP_{}", header.to_ascii_uppercase().replace('-', "_"));
            *names = Some(HeaderNames {
                generation,
                header: PyString::new(py, &header).unbind(),
                environ_key: PyString::new(py, &key).unbind(),
            });
        }
        let n = names.as_ref().expect("just set");
        Ok((n.header.clone_ref(py), n.environ_key.clone_ref(py)))
    }
}

fn build(py: Python<'_>, base: &Edge, overrides: &[(String, String)]) -> PyResult<Edge> {
    let mut edge = base.clone();
    for (k, v) in overrides {
        if !edge.set(k, v).py_err(py)? {
            return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "{k:?} is not an edge option"
            )));
        }
    }
    edge.validate().py_err(py)?;
    Ok(edge)
}

/// Header lines as a WSGI environ or ASGI scope gives them: one `str`, a list, or nothing.
fn lines<'py>(value: &'py Option<Bound<'py, PyAny>>) -> PyResult<Vec<std::borrow::Cow<'py, str>>> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    if let Ok(s) = value.downcast::<PyString>() {
        return Ok(vec![s.to_cow()?]);
    }
    let list = value.downcast::<PyList>()?;
    list.iter()
        .map(|item| {
            Ok(item
                .downcast_into::<PyString>()?
                .to_cow()?
                .into_owned()
                .into())
        })
        .collect()
}

#[pymethods]
impl EdgePolicy {
    /// Options (edge keys only) applied over the running client's settings; checked now.
    #[new]
    #[pyo3(signature = (overrides=Vec::new()))]
    fn new(py: Python<'_>, overrides: Vec<(String, String)>) -> PyResult<EdgePolicy> {
        // Bad options fail here, at the middleware's construction, not on a request; they are
        // applied over the client's settings on first use.
        if !overrides.is_empty() {
            build(py, &Edge::default(), &overrides)?;
        }
        Ok(EdgePolicy {
            overrides,
            fixed: GILOnceCell::new(),
            names: Mutex::new(None),
        })
    }

    /// The lower-case name of the header the client IP is read from.
    #[getter]
    fn header(&self, py: Python<'_>) -> PyResult<Py<PyString>> {
        Ok(self.names(py)?.0)
    }

    /// The same header as a WSGI environ key (`HTTP_X_FORWARDED_FOR`).
    #[getter]
    fn environ_key(&self, py: Python<'_>) -> PyResult<String> {
        self.with(py, |e| {
            format!(
                "HTTP_{}",
                e.client_ip_header().to_ascii_uppercase().replace('-', "_")
            )
        })
    }

    /// The client IP from the peer address and the header's line(s); None without one.
    #[pyo3(signature = (peer, header=None))]
    fn client_ip(
        &self,
        py: Python<'_>,
        peer: Option<&str>,
        header: Option<Bound<'_, PyAny>>,
    ) -> PyResult<Option<String>> {
        let lines = lines(&header)?;
        self.with(py, |e| {
            e.client_ip(peer, lines.iter().map(|l| l.as_ref()))
                .map(|ip| ip.to_string())
        })
    }

    /// The request context of one request: its client IP, user agent, method and path, and
    /// its device from the `Cookie` header (several lines joined with `"; "`): the signed
    /// cookie's, else a fresh one whose `Set-Cookie` the caller sends (`Request.set_cookie`).
    /// With `fresh_device=False` (a caller that cannot send it) a request without a valid
    /// cookie gets no device, rather than one that would be new on every request.
    #[pyo3(signature = (peer, header, user_agent, method, path, cookie=None, fresh_device=true))]
    #[allow(clippy::too_many_arguments)]
    fn request(
        &self,
        py: Python<'_>,
        peer: Option<&str>,
        header: Option<Bound<'_, PyAny>>,
        user_agent: Option<&str>,
        method: Option<&str>,
        path: Option<&str>,
        cookie: Option<&str>,
        fresh_device: bool,
    ) -> PyResult<Request> {
        let lines = lines(&header)?;
        let (ip, read) = self.with(py, |e| {
            let ip = e.client_ip(peer, lines.iter().map(|l| l.as_ref()));
            (ip, e.device_for(cookie, fresh_device))
        })?;
        let mut ctx = RequestContext::from_parts(None, user_agent, method, path).py_err(py)?;
        ctx.ip = ip;
        ctx.device = read.device;
        Ok(Request::from_context(ctx, read.set_cookie))
    }

    /// `(status, headers, body)` for a request blocked by a decision with these fields.
    #[pyo3(signature = (id, reason, redirect_url, accept))]
    fn render<'py>(
        &self,
        py: Python<'py>,
        id: &str,
        reason: &str,
        redirect_url: Option<&str>,
        accept: Option<&str>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let view = DecisionView {
            id,
            reason,
            redirect_url,
        };
        let r = self.with(py, |e| e.render_block(view, accept))?;
        let headers: Vec<(&str, String)> = r.headers;
        (r.status, headers, PyBytes::new(py, &r.body)).into_pyobject(py)
    }
}
