//! The one tokio runtime behind the binding: created lazily, rebuilt in a forked child (the
//! parent's worker threads do not exist there), and the single place where blocking calls wait —
//! with the GIL released and Python signals checked every 100 ms, so Ctrl-C interrupts a wait.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pyo3::prelude::*;
use tokio::runtime::Runtime;

static RUNTIME: Mutex<Option<(u32, Arc<Runtime>)>> = Mutex::new(None);

/// The runtime for this process (a new one after `fork`).
pub fn runtime() -> PyResult<Arc<Runtime>> {
    let pid = std::process::id();
    let mut slot = RUNTIME.lock().map_err(|_| {
        pyo3::exceptions::PyRuntimeError::new_err("magnum_sdk runtime lock poisoned")
    })?;
    if let Some((owner, rt)) = slot.as_ref() {
        if *owner == pid {
            return Ok(rt.clone());
        }
        // Forked child: the parent's threads are gone; never drop that runtime here.
        if let Some((_, old)) = slot.take() {
            std::mem::forget(old);
        }
    }
    let rt = Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("magnum-sdk")
            .enable_all()
            .build()
            .map_err(|e| {
                pyo3::exceptions::PyRuntimeError::new_err(format!(
                    "cannot start the magnum_sdk runtime: {e}"
                ))
            })?,
    );
    *slot = Some((pid, rt.clone()));
    Ok(rt)
}

/// Runs `future` to completion with the GIL released, checking for signals (Ctrl-C) every
/// 100 ms; a pending `KeyboardInterrupt` cancels the future and is raised.
pub fn wait_for<F, T>(py: Python<'_>, future: F) -> PyResult<T>
where
    F: Future<Output = PyResult<T>> + Send,
    T: Send,
{
    let rt = runtime()?;
    py.detach(|| {
        rt.block_on(async move {
            tokio::pin!(future);
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            loop {
                tokio::select! {
                    result = &mut future => return result,
                    _ = tick.tick() => {
                        Python::attach(|py| py.check_signals())?;
                    }
                }
            }
        })
    })
}

/// Starts `future` on the runtime and returns an asyncio future completed with its result, on
/// the calling event loop.
pub fn spawn_awaitable<F>(py: Python<'_>, future: F) -> PyResult<Bound<'_, PyAny>>
where
    F: Future<Output = PyResult<Py<PyAny>>> + Send + 'static,
{
    let asyncio = py.import("asyncio")?;
    let event_loop = asyncio.call_method0("get_running_loop")?;
    let py_future = event_loop.call_method0("create_future")?;
    let (loop_ref, fut_ref) = (event_loop.unbind(), py_future.clone().unbind());
    runtime()?.spawn(async move {
        let result = future.await;
        Python::attach(|py| {
            let fut = fut_ref.bind(py);
            let (setter, value) = match result {
                Ok(value) => (fut.getattr("set_result"), value),
                Err(err) => (fut.getattr("set_exception"), err.into_value(py).into_any()),
            };
            let Ok(setter) = setter else { return };
            // The awaiting task may have been cancelled: only complete a pending future.
            let complete = pyo3::types::PyCFunction::new_closure(
                py,
                None,
                None,
                move |args, _kwargs| -> PyResult<()> {
                    let py = args.py();
                    let fut = args.get_item(0)?;
                    if !fut.call_method0("done")?.is_truthy()? {
                        args.get_item(1)?.call1((args.get_item(2)?,))?;
                    }
                    let _ = py;
                    Ok(())
                },
            );
            if let Ok(complete) = complete {
                let _ = loop_ref
                    .bind(py)
                    .call_method1("call_soon_threadsafe", (complete, fut, setter, value));
            }
        });
    });
    Ok(py_future)
}
