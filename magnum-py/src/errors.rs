//! The one mapping from `magnum_core::Error` to the Python exceptions defined in
//! `magnum_sdk/exceptions.py` (one class per `ErrorKind`), carrying HTTP status, request id,
//! Magnum's `errors[]`, microversions, failure status and the last object seen by a waiter.

use magnum_core::Error;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

/// Converts an SDK error (and, for waits, the last object seen as JSON) into the matching
/// `magnum_sdk` exception instance.
pub fn to_py(err: &Error, last: Option<serde_json::Value>) -> PyErr {
    Python::attach(|py| match build(py, err, last) {
        Ok(instance) => PyErr::from_value(instance),
        Err(fallback) => fallback,
    })
}

fn build<'py>(
    py: Python<'py>,
    err: &Error,
    last: Option<serde_json::Value>,
) -> PyResult<Bound<'py, PyAny>> {
    let module = py.import("magnum_sdk.exceptions")?;
    let class = module.call_method1("_class_for_kind", (err.kind().as_str(),))?;
    let attrs = PyDict::new(py);
    attrs.set_item("kind", err.kind().as_str())?;
    if let Some(api) = err.api() {
        attrs.set_item("status_code", api.status)?;
        attrs.set_item("request_id", api.request_id.clone())?;
        attrs.set_item("service", api.service)?;
        attrs.set_item("method", api.method.clone())?;
        attrs.set_item("path", api.path.clone())?;
        attrs.set_item("microversion", api.microversion.map(|v| v.to_string()))?;
        if let Some(range) = api.server_versions {
            attrs.set_item("min_version", range.min.to_string())?;
            attrs.set_item("max_version", range.max.to_string())?;
        }
        let faults = PyList::empty(py);
        for fault in &api.faults {
            let entry = PyDict::new(py);
            entry.set_item("code", fault.code.clone())?;
            entry.set_item("title", fault.title.clone())?;
            entry.set_item("detail", fault.detail.clone())?;
            faults.append(entry)?;
        }
        attrs.set_item("errors", faults)?;
    }
    match err {
        Error::ResourceFailed(failed) => {
            attrs.set_item("resource", failed.resource)?;
            attrs.set_item("id", failed.id.clone())?;
            attrs.set_item("status", failed.status.as_str())?;
            attrs.set_item("status_reason", failed.status_reason.clone())?;
            attrs.set_item("faults", failed.faults.clone())?;
        }
        Error::WaitTimeout(timeout) => {
            attrs.set_item("resource", timeout.resource)?;
            attrs.set_item("id", timeout.id.clone())?;
            attrs.set_item(
                "status",
                timeout.last_status.as_ref().map(|s| s.as_str().to_owned()),
            )?;
            attrs.set_item("waited", timeout.waited.as_secs_f64())?;
        }
        Error::Microversion(select) => {
            attrs.set_item("detail", select.to_string())?;
        }
        _ => {}
    }
    if let Some(last) = last {
        attrs.set_item("last", pythonize::pythonize(py, &last)?)?;
    }
    let causes = causes(err);
    attrs.set_item("causes", causes.clone())?;
    class.call(
        (message_with_causes(&err.to_string(), &causes),),
        Some(&attrs),
    )
}

/// The error's `source()` chain, outermost first, each as its own message (what
/// `TransportError` needs: "connection refused", the host and port).
fn causes(err: &Error) -> Vec<String> {
    let mut causes: Vec<String> = Vec::new();
    let mut next = std::error::Error::source(err);
    while let Some(cause) = next {
        let text = cause.to_string();
        if !text.is_empty() && !causes.contains(&text) {
            causes.push(text);
        }
        next = cause.source();
    }
    causes
}

/// `message: cause: cause …`, skipping a cause the text before it already says.
fn message_with_causes(message: &str, causes: &[String]) -> String {
    let mut text = message.to_owned();
    for cause in causes {
        if !text.contains(cause.as_str()) {
            text.push_str(": ");
            text.push_str(cause);
        }
    }
    text
}

/// A Python `TypeError` for arguments the operation does not take (or of the wrong type).
pub fn bad_arguments(op: &str, err: impl std::fmt::Display) -> PyErr {
    pyo3::exceptions::PyTypeError::new_err(format!("{op}(): {err}"))
}
