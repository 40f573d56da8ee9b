//! Python arguments to core values: identifiers, properties, options.

use std::borrow::Cow;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyString};
use smallvec::SmallVec;
use vigil_core::{Client, Identity, Properties, PropertyValue};

use crate::errors::{type_error, IntoPyResult};

type Items<'py> = SmallVec<[(Bound<'py, PyAny>, Bound<'py, PyAny>); 4]>;

/// A `str`'s text. Borrowed where the interpreter allows it: the abi3 build for 3.9 has no
/// borrowing accessor, so there the text is copied once.
#[inline]
fn text<'a>(obj: &'a Bound<'_, PyAny>, what: &dyn Fn() -> String) -> PyResult<Cow<'a, str>> {
    match obj.downcast::<PyString>() {
        Ok(s) => s.to_cow(),
        Err(_) => Err(type_error(what(), obj)),
    }
}

/// Validates and normalizes identifiers given as a dict (or, for `normalize`, as pairs).
pub fn identity(py: Python<'_>, client: &Client, ids: &Bound<'_, PyAny>) -> PyResult<Identity> {
    identity_with(py, ids, |pairs| client.identity(pairs))
}

/// Like [`identity`], under any identity rules (e.g. the configuration's, with no client).
pub fn identity_with(
    py: Python<'_>,
    ids: &Bound<'_, PyAny>,
    rules: impl FnOnce(&[(Cow<'_, str>, Cow<'_, str>)]) -> vigil_core::Result<Identity>,
) -> PyResult<Identity> {
    let items: Items<'_> = if let Ok(dict) = ids.downcast::<PyDict>() {
        dict.iter().collect()
    } else if ids.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(
            "user identifiers must be a dict, not str",
        ));
    } else {
        // Pairs keep duplicates a dict would merge, so the core can report them.
        let mut items = Items::new();
        for pair in ids.try_iter().map_err(|_| not_a_dict(ids))? {
            let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = pair?.extract()?;
            items.push((k, v));
        }
        items
    };
    identity_from_items(py, &items, rules)
}

/// Identifiers from `**kwargs` (keys are `str` by construction).
#[inline]
pub fn identity_from_kwargs(
    py: Python<'_>,
    client: &Client,
    ids: Option<&Bound<'_, PyDict>>,
) -> PyResult<Identity> {
    match ids {
        Some(d) => identity_from_items(py, &d.iter().collect(), |p| client.identity(p)),
        None => client.identity::<&str, &str>(&[]).py_err(py),
    }
}

#[inline]
fn identity_from_items(
    py: Python<'_>,
    items: &Items<'_>,
    rules: impl FnOnce(&[(Cow<'_, str>, Cow<'_, str>)]) -> vigil_core::Result<Identity>,
) -> PyResult<Identity> {
    let mut pairs: SmallVec<[(Cow<'_, str>, Cow<'_, str>); 4]> =
        SmallVec::with_capacity(items.len());
    for (k, v) in items {
        let key = text(k, &|| "an identifier key".to_owned())?;
        let value = text(v, &|| format!("the value of identifier {key:?}"))?;
        pairs.push((key, value));
    }
    rules(&pairs).py_err(py)
}

fn not_a_dict(obj: &Bound<'_, PyAny>) -> PyErr {
    let name = obj
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_default();
    PyTypeError::new_err(format!("user identifiers must be a dict, not {name}"))
}

/// Traits are not sent yet (as in Sqreen), but they are checked so a bad call fails now
/// rather than when they start being sent.
pub fn check_traits(traits: &Bound<'_, PyAny>) -> PyResult<()> {
    let dict = traits
        .downcast::<PyDict>()
        .map_err(|_| PyTypeError::new_err("traits must be a dict"))?;
    for (k, v) in dict.iter() {
        let key = text(&k, &|| "a trait key".to_owned())?;
        text(&v, &|| format!("the value of trait {key:?}"))?;
    }
    Ok(())
}

/// Event properties: `str`, `bool`, `int` or `float` values.
pub fn properties(py: Python<'_>, props: Option<&Bound<'_, PyAny>>) -> PyResult<Properties> {
    let mut out = Properties::new();
    let Some(props) = props.filter(|p| !p.is_none()) else {
        return Ok(out);
    };
    let dict = props
        .downcast::<PyDict>()
        .map_err(|_| PyTypeError::new_err("properties must be a dict"))?;
    for (k, v) in dict.iter() {
        let key = text(&k, &|| "a property name".to_owned())?;
        // bool before int: `True` is an `int` too.
        let value = if let Ok(b) = v.downcast::<PyBool>() {
            PropertyValue::Bool(b.is_true())
        } else if v.is_instance_of::<PyInt>() || v.is_instance_of::<PyFloat>() {
            PropertyValue::Num(v.extract::<f64>()?)
        } else if let Ok(s) = v.downcast::<PyString>() {
            PropertyValue::Str(s.to_cow()?.into_owned())
        } else {
            let name = v
                .get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default();
            return Err(PyTypeError::new_err(format!(
                "property {key:?} must be a str, bool, int or float, not {name}"
            )));
        };
        out.insert(&key, value).py_err(py)?;
    }
    Ok(out)
}
