//! `NativeSimulator`: magnum-drivers' embedded Magnum-compatible cloud (Keystone front, Magnum
//! v1, Glance/Nova/Neutron reads), started in this process on a free 127.0.0.1 port and served
//! by the binding's runtime. `magnum_sdk.testing` (Python) wraps it: the `Simulator` context
//! manager, the pytest fixtures and the `magnum-sim` console script.

use std::sync::Mutex;
use std::time::Duration;

use magnum_drivers::simulator::{CloudCatalog, Simulator, SimulatorConfig};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;

use crate::runtime;

/// Longest simulated operation accepted (a day), in seconds.
const MAX_SECONDS: f64 = 86_400.0;

/// A running simulator. Use `magnum_sdk.testing.Simulator` instead.
#[pyclass(frozen, module = "magnum_sdk._native")]
pub struct NativeSimulator {
    running: Mutex<Option<Simulator>>,
    base_url: String,
    auth_url: String,
    magnum_url: String,
    env: Vec<(String, String)>,
}

fn duration(name: &str, seconds: f64) -> PyResult<Duration> {
    if !(0.0..=MAX_SECONDS).contains(&seconds) {
        return Err(PyValueError::new_err(format!(
            "{name} must be between 0 and {MAX_SECONDS} seconds, got {seconds:?}"
        )));
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[pymethods]
impl NativeSimulator {
    /// Starts a simulator on 127.0.0.1 (`port` 0: a free port).
    #[staticmethod]
    #[pyo3(signature = (*, port=0, create_seconds=0.5, update_seconds=0.5, delete_seconds=0.5,
        fail_create=None, password=None, max_clusters=20, max_nodes=None, state_file=None,
        catalog_json=None))]
    #[allow(clippy::too_many_arguments)]
    fn start(
        py: Python<'_>,
        port: u16,
        create_seconds: f64,
        update_seconds: f64,
        delete_seconds: f64,
        fail_create: Option<String>,
        password: Option<String>,
        max_clusters: i64,
        max_nodes: Option<u64>,
        state_file: Option<std::path::PathBuf>,
        catalog_json: Option<String>,
    ) -> PyResult<Self> {
        let mut config = SimulatorConfig::new().port(port).durations(
            duration("create_seconds", create_seconds)?,
            duration("update_seconds", update_seconds)?,
            duration("delete_seconds", delete_seconds)?,
        );
        if let Some(reason) = fail_create {
            config = config.fail_create(reason);
        }
        if let Some(password) = password {
            if password.is_empty() || password.contains('\0') {
                return Err(PyValueError::new_err(
                    "password must be a non-empty string without NUL",
                ));
            }
            config = config.password(&password);
        }
        if max_clusters < 0 {
            return Err(PyValueError::new_err(format!(
                "max_clusters must be 0 or more, got {max_clusters}"
            )));
        }
        config = config.max_clusters_per_project(max_clusters);
        if let Some(max_nodes) = max_nodes {
            config = config.max_nodes(max_nodes);
        }
        if let Some(path) = state_file {
            config = config.state_file(path);
        }
        if let Some(text) = catalog_json {
            let catalog: CloudCatalog = serde_json::from_str(&text)
                .map_err(|e| PyValueError::new_err(format!("catalog: not a catalog: {e}")))?;
            config = config.catalog(catalog);
        }
        let simulator = runtime::wait_for(py, async move {
            Simulator::start(config)
                .await
                .map_err(|e| PyRuntimeError::new_err(format!("the simulator did not start: {e}")))
        })?;
        Ok(Self {
            base_url: simulator.base_url().to_owned(),
            auth_url: simulator.auth_url(),
            magnum_url: simulator.magnum_url(),
            env: simulator.env(),
            running: Mutex::new(Some(simulator)),
        })
    }

    /// The seeded cloud (images, flavors, networks, keypairs, volume types) as JSON.
    #[staticmethod]
    fn default_catalog_json() -> PyResult<String> {
        serde_json::to_string_pretty(&CloudCatalog::default())
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))
    }

    /// `http://127.0.0.1:PORT`.
    #[getter]
    fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The Keystone v3 endpoint.
    #[getter]
    fn auth_url(&self) -> &str {
        &self.auth_url
    }

    /// The Magnum endpoint (`…/v1`).
    #[getter]
    fn magnum_url(&self) -> &str {
        &self.magnum_url
    }

    /// The `OS_*` variables that log the first user (`demo`) in.
    #[getter]
    fn env(&self) -> Vec<(String, String)> {
        self.env.clone()
    }

    /// Whether it is still serving.
    #[getter]
    fn running(&self) -> bool {
        self.running.lock().map(|s| s.is_some()).unwrap_or(false)
    }

    /// Stops serving (idempotent); waits until the listener is closed.
    fn stop(&self, py: Python<'_>) -> PyResult<()> {
        let simulator = self
            .running
            .lock()
            .map_err(|_| PyRuntimeError::new_err("simulator lock poisoned"))?
            .take();
        if let Some(simulator) = simulator {
            runtime::wait_for(py, async move {
                simulator.stop().await;
                Ok(())
            })?;
        }
        Ok(())
    }
}
