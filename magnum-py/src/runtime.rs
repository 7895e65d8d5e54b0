//! The one tokio runtime behind the binding, and its two ways in:
//! - [`wait_for`]: blocking calls, with the GIL released and Python signals checked every
//!   100 ms (Ctrl-C interrupts a wait);
//! - [`awaitable`]: asyncio futures, through **pyo3-async-runtimes**' generic bridge on
//!   [`SdkRuntime`] (this runtime, with every task counted and cancellable).
//!
//! At interpreter exit (`atexit`, before finalisation) [`shutdown`] cancels every task and waits
//! — GIL released, bounded — until none is running, then no task starts again: no worker thread
//! touches Python while the interpreter finalises (a thread that tries is killed by CPython,
//! which aborts a Rust thread). The runtime is rebuilt in a forked child (the parent's worker
//! threads do not exist there).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use pyo3::prelude::*;
use pyo3_async_runtimes::TaskLocals;
use pyo3_async_runtimes::generic::{ContextExt, Runtime as GenericRuntime};
use tokio::runtime::Runtime;
use tokio::sync::watch;

/// How long [`shutdown`] waits for running tasks to notice the cancellation.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// The runtime of one process and the count of its running tasks.
struct Process {
    pid: u32,
    runtime: Arc<Runtime>,
    tasks: Arc<Tasks>,
}

/// Running tasks (counted while they run) and the cancellation they all watch.
struct Tasks {
    running: Mutex<usize>,
    idle: Condvar,
    cancel: watch::Sender<bool>,
}

impl Tasks {
    fn new() -> Self {
        Self {
            running: Mutex::new(0),
            idle: Condvar::new(),
            cancel: watch::channel(false).0,
        }
    }

    fn enter(self: &Arc<Self>) -> Running {
        if let Ok(mut n) = self.running.lock() {
            *n += 1;
        }
        Running(self.clone())
    }

    /// Resolves when the process is shutting down.
    fn cancelled(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut cancel = self.cancel.subscribe();
        async move {
            let _ = cancel.wait_for(|cancelled| *cancelled).await;
        }
    }
}

/// One running task; dropping it (however the task ends) counts it out.
struct Running(Arc<Tasks>);

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(mut n) = self.0.running.lock() {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.0.idle.notify_all();
            }
        }
    }
}

static PROCESS: Mutex<Option<Process>> = Mutex::new(None);
/// Set by [`shutdown`]: the interpreter is exiting.
static CLOSING: AtomicBool = AtomicBool::new(false);

fn runtime_error(message: String) -> PyErr {
    pyo3::exceptions::PyRuntimeError::new_err(message)
}

/// The runtime and task count of this process (new ones after `fork`).
fn current() -> PyResult<(Arc<Runtime>, Arc<Tasks>)> {
    let pid = std::process::id();
    let mut slot = PROCESS
        .lock()
        .map_err(|_| runtime_error("magnum_sdk runtime lock poisoned".into()))?;
    if let Some(process) = slot.as_ref() {
        if process.pid == pid {
            return Ok((process.runtime.clone(), process.tasks.clone()));
        }
        // Forked child: the parent's threads are gone; never drop that runtime here.
        if let Some(old) = slot.take() {
            std::mem::forget(old);
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("magnum-sdk")
        .enable_all()
        .build()
        .map_err(|e| runtime_error(format!("cannot start the magnum_sdk runtime: {e}")))?;
    let process = Process {
        pid,
        runtime: Arc::new(runtime),
        tasks: Arc::new(Tasks::new()),
    };
    let handles = (process.runtime.clone(), process.tasks.clone());
    *slot = Some(process);
    Ok(handles)
}

fn closing() -> bool {
    CLOSING.load(Ordering::SeqCst)
}

/// Runs `future` to completion with the GIL released, checking for signals (Ctrl-C) every
/// 100 ms; a pending `KeyboardInterrupt` cancels the future and is raised.
///
/// A (daemon) thread still waiting here when the interpreter exits never takes the GIL again:
/// its wait is cancelled and the thread parks until the process ends.
pub fn wait_for<F, T>(py: Python<'_>, future: F) -> PyResult<T>
where
    F: Future<Output = PyResult<T>> + Send,
    T: Send,
{
    let (rt, tasks) = current()?;
    if closing() {
        return Err(runtime_error("the interpreter is shutting down".into()));
    }
    py.detach(|| {
        let outcome = rt.block_on(async move {
            let _running = tasks.enter();
            let cancelled = tasks.cancelled();
            tokio::pin!(future, cancelled);
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            loop {
                tokio::select! {
                    result = &mut future => return Some(result),
                    () = &mut cancelled => return None,
                    _ = tick.tick() => {
                        if closing() {
                            return None;
                        }
                        if let Err(err) = Python::attach(|py| py.check_signals()) {
                            return Some(Err(err));
                        }
                    }
                }
            }
        });
        match outcome {
            Some(result) if !closing() => result,
            // Finalising: taking the GIL back would get this thread killed mid-Rust.
            _ => loop {
                std::thread::park();
            },
        }
    })
}

/// Starts `future` on the runtime and returns an asyncio future (of the running loop) that
/// completes with its result; cancelling the asyncio future cancels `future`.
pub fn awaitable<F, T>(py: Python<'_>, future: F) -> PyResult<Bound<'_, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'py> IntoPyObject<'py> + Send + 'static,
{
    current()?;
    if closing() {
        return Err(runtime_error("the interpreter is shutting down".into()));
    }
    pyo3_async_runtimes::generic::future_into_py::<SdkRuntime, F, T>(py, future)
}

/// Cancels every task and waits (GIL released, at most [`SHUTDOWN_GRACE`]) until none runs;
/// from then on no task starts. Registered with `atexit` when the module loads.
#[pyfunction(name = "_shutdown")]
pub fn shutdown(py: Python<'_>) {
    CLOSING.store(true, Ordering::SeqCst);
    let tasks = match PROCESS.lock() {
        Ok(slot) => match slot.as_ref() {
            Some(process) if process.pid == std::process::id() => process.tasks.clone(),
            _ => return,
        },
        Err(_) => return,
    };
    tasks.cancel.send_replace(true);
    py.detach(|| {
        if let Ok(running) = tasks.running.lock() {
            let _ = tasks
                .idle
                .wait_timeout_while(running, SHUTDOWN_GRACE, |n| *n > 0);
        }
    });
}

/// A spawned task's handle, as pyo3-async-runtimes awaits it.
pub type JoinHandle =
    Pin<Box<dyn Future<Output = Result<(), tokio::task::JoinError>> + Send + 'static>>;

/// This binding's runtime as pyo3-async-runtimes sees it: spawned tasks are counted and end
/// early when the interpreter exits; blocking closures (the ones that take the GIL to complete
/// an asyncio future) are skipped once it is exiting.
pub struct SdkRuntime;

tokio::task_local! {
    static TASK_LOCALS: std::cell::OnceCell<TaskLocals>;
}

impl GenericRuntime for SdkRuntime {
    type JoinError = tokio::task::JoinError;
    type JoinHandle = JoinHandle;

    fn spawn<F>(fut: F) -> Self::JoinHandle
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let (rt, tasks) = match current() {
            Ok(handles) => handles,
            // No runtime can be had: a task that never runs (its future is dropped).
            Err(_) => return not_started(),
        };
        let running = tasks.enter();
        let cancelled = tasks.cancelled();
        Box::pin(rt.spawn(async move {
            let _running = running;
            if closing() {
                return;
            }
            tokio::select! {
                () = fut => {}
                () = cancelled => {}
            }
        }))
    }

    fn spawn_blocking<F>(f: F) -> Self::JoinHandle
    where
        F: FnOnce() + Send + 'static,
    {
        let (rt, tasks) = match current() {
            Ok(handles) => handles,
            Err(_) => return not_started(),
        };
        let running = tasks.enter();
        Box::pin(rt.spawn_blocking(move || {
            let _running = running;
            if !closing() {
                f();
            }
        }))
    }
}

impl ContextExt for SdkRuntime {
    fn scope<F, R>(locals: TaskLocals, fut: F) -> Pin<Box<dyn Future<Output = R> + Send>>
    where
        F: Future<Output = R> + Send + 'static,
    {
        let cell = std::cell::OnceCell::new();
        let _ = cell.set(locals);
        Box::pin(TASK_LOCALS.scope(cell, fut))
    }

    fn get_task_locals() -> Option<TaskLocals> {
        TASK_LOCALS
            .try_with(|cell| cell.get().cloned())
            .unwrap_or_default()
    }
}

/// A task that cannot be started (no runtime could be built): done at once.
fn not_started() -> JoinHandle {
    Box::pin(async { Ok(()) })
}
