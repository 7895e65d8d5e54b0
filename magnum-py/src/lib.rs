//! `magnum_sdk._native`: the Rust half of the Python binding. A `Client` (built from clouds.yaml /
//! `OS_*` or an explicit endpoint) whose `call` / `call_async` run any operation of
//! `dispatch`; CA and kubeconfig helpers as functions. The public API, models and exceptions
//! are the Python package `magnum_sdk`; this module is private.

mod dispatch;
mod errors;
mod pick;
mod runtime;
mod testing;

use std::collections::HashMap;
use std::sync::Mutex;

use magnum_core::config::{Overrides, Sources, load};
use magnum_core::{Client, NoAuth, StaticToken, VersionPin};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use secrecy::{ExposeSecret, SecretString};

use crate::dispatch::Failure;

/// How a client was made, so a forked child can make its own.
#[derive(Clone)]
enum Spec {
    Cloud {
        cloud: Option<String>,
        settings: HashMap<String, String>,
    },
    Endpoint {
        endpoint: String,
        token: Option<SecretString>,
        identity: Option<(String, String, Vec<String>)>,
        microversion: Option<String>,
    },
}

impl Spec {
    fn build(&self) -> PyResult<Client> {
        let sdk = |e: magnum_core::Error| errors::to_py(&e, None);
        match self {
            Spec::Cloud { cloud, settings } => {
                let config = cloud_config(cloud.as_deref(), settings).map_err(sdk)?;
                Client::from_cloud(&config).map_err(sdk)
            }
            Spec::Endpoint {
                endpoint,
                token,
                identity,
                microversion,
            } => {
                let mut builder = Client::builder().endpoint(endpoint.clone());
                if let Some(pin) = microversion {
                    builder = builder.microversion(VersionPin::parse(pin).map_err(sdk)?);
                }
                let builder = match (token, identity) {
                    (Some(token), _) => builder.auth(StaticToken::new(token.clone())),
                    (None, Some((user, project, roles))) => {
                        builder.auth(NoAuth::new(user.clone(), project.clone(), roles.clone()))
                    }
                    (None, None) => {
                        return Err(errors::to_py(
                            &magnum_core::Error::InvalidInput(
                                "from_endpoint(): give token=... (a Keystone token) or user_id/project_id/roles for a keystone-less magnum-api".into(),
                            ),
                            None,
                        ));
                    }
                };
                builder.build().map_err(sdk)
            }
        }
    }
}

/// The native client. Use `magnum_sdk.Client` / `magnum_sdk.AsyncClient` instead.
#[pyclass(frozen, module = "magnum_sdk._native")]
struct NativeClient {
    spec: Spec,
    client: Mutex<(u32, Client)>,
}

impl NativeClient {
    fn new(spec: Spec) -> PyResult<Self> {
        let client = spec.build()?;
        Ok(Self {
            spec,
            client: Mutex::new((std::process::id(), client)),
        })
    }

    /// The client for this process (rebuilt after `fork`: connections are not shared).
    fn current(&self) -> PyResult<Client> {
        let mut slot = self
            .client
            .lock()
            .map_err(|_| pyo3::exceptions::PyRuntimeError::new_err("client lock poisoned"))?;
        if slot.0 != std::process::id() {
            *slot = (std::process::id(), self.spec.build()?);
        }
        Ok(slot.1.clone())
    }
}

fn arguments(op: &str, kwargs: &Bound<'_, PyDict>) -> PyResult<serde_json::Value> {
    pythonize::depythonize(kwargs.as_any()).map_err(|e| errors::bad_arguments(op, e))
}

#[pymethods]
impl NativeClient {
    /// A client for a cloud from clouds.yaml / `OS_*` (explicit `settings` win).
    #[staticmethod]
    #[pyo3(signature = (cloud=None, settings=None))]
    fn from_cloud(
        py: Python<'_>,
        cloud: Option<String>,
        settings: Option<HashMap<String, String>>,
    ) -> PyResult<Self> {
        let settings = settings.unwrap_or_default();
        // What the configuration says the caller should know (world-readable credentials,
        // credentials removed from a URL, TLS verification off) becomes `warnings.warn`.
        if let Ok(config) = cloud_config(cloud.as_deref(), &settings) {
            warn_config(py, &config.warnings)?;
        }
        Self::new(Spec::Cloud { cloud, settings })
    }

    /// A client for an explicit Magnum endpoint.
    #[staticmethod]
    #[pyo3(signature = (endpoint, token=None, user_id=None, project_id=None, roles=None, microversion=None))]
    fn from_endpoint(
        endpoint: String,
        token: Option<String>,
        user_id: Option<String>,
        project_id: Option<String>,
        roles: Option<Vec<String>>,
        microversion: Option<String>,
    ) -> PyResult<Self> {
        let identity = match (user_id, project_id) {
            (Some(user), Some(project)) => Some((
                user,
                project,
                roles.unwrap_or_else(|| vec!["reader".into()]),
            )),
            _ => None,
        };
        Self::new(Spec::Endpoint {
            endpoint,
            token: token.map(SecretString::from),
            identity,
            microversion,
        })
    }

    /// Runs an operation, blocking with the GIL released (Ctrl-C interrupts).
    #[pyo3(signature = (op, kwargs, progress=None))]
    fn call(
        &self,
        py: Python<'_>,
        op: String,
        kwargs: &Bound<'_, PyDict>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let args = arguments(&op, kwargs)?;
        let client = self.current()?;
        let name = op.clone();
        let value = runtime::wait_for(py, async move {
            dispatch::run(client, op, args, progress)
                .await
                .map_err(|f: Failure| f.into_py(&name))
        })?;
        Ok(output_to_py(py, value)?.unbind())
    }

    /// Runs an operation on the event loop: returns an awaitable.
    #[pyo3(signature = (op, kwargs, progress=None))]
    fn call_async<'py>(
        &self,
        py: Python<'py>,
        op: String,
        kwargs: &Bound<'py, PyDict>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let args = arguments(&op, kwargs)?;
        let client = self.current()?;
        runtime::awaitable(py, async move {
            let name = op.clone();
            let value = dispatch::run(client, op, args, progress)
                .await
                .map_err(|f| f.into_py(&name))?;
            Ok(Pythonized(value))
        })
    }
}

/// A result that becomes Python objects when the asyncio future is completed (GIL held).
struct Pythonized(dispatch::Output);

impl<'py> IntoPyObject<'py> for Pythonized {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        output_to_py(py, self.0)
    }
}

/// An operation's result as Python objects: lists of models as [`LazyItem`]s, the rest
/// converted in one pass.
fn output_to_py(py: Python<'_>, output: dispatch::Output) -> PyResult<Bound<'_, PyAny>> {
    match output {
        dispatch::Output::Items(items) => {
            let items = items.into_iter().map(|item| LazyItem { item });
            Ok(pyo3::types::PyList::new(py, items)?.into_any())
        }
        other => Ok(pythonize::pythonize(py, &other)?),
    }
}

/// One decoded model of a list, kept native until Python first needs it as a dict
/// (`magnum_sdk.models.Model` asks once and keeps the dict).
#[pyclass(frozen, module = "magnum_sdk._native")]
struct LazyItem {
    item: Box<dyn erased_serde::Serialize + Send + Sync>,
}

#[pymethods]
impl LazyItem {
    /// The item as a new dict (every field Magnum sent, unknown ones included).
    fn load<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(pythonize::pythonize(
            py,
            &dispatch::Erased(self.item.as_ref()),
        )?)
    }

    /// The value under one top-level `key`, converted on its own (no dict is built), or
    /// `default` when the item has no such key.
    #[pyo3(signature = (key, default=None))]
    fn get<'py>(
        &self,
        py: Python<'py>,
        key: &str,
        default: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        Ok(match pick::field(py, self.item.as_ref(), key)? {
            Some(value) => value,
            None => default.unwrap_or_else(|| py.None().into_bound(py)),
        })
    }
}

/// A cluster's CA set as Magnum makes it: PEM certificates, keys encrypted with their
/// passphrases.
#[pyfunction]
#[pyo3(signature = (issuer_name, key_type=None))]
fn generate_cluster_ca(
    py: Python<'_>,
    issuer_name: String,
    key_type: Option<String>,
) -> PyResult<Py<PyAny>> {
    let key_type =
        dispatch::key_type(key_type.as_deref()).map_err(|f| f.into_py("generate_cluster_ca"))?;
    let value = py.detach(|| -> Result<serde_json::Value, magnum_core::Error> {
        let bundle = magnum_core::ca::generate_bundle(
            &issuer_name,
            &magnum_core::ca::CaOptions::new().key_type(key_type),
        )?;
        let encode =
            |key: &magnum_core::ca::CertifiedKey| -> Result<serde_json::Value, magnum_core::Error> {
                let passphrase = magnum_core::ca::short_id()?;
                Ok(serde_json::json!({
                    "certificate": key.certificate.to_pem()?,
                    "private_key": key.key.to_encrypted_pem(&passphrase)?,
                    "passphrase": passphrase.expose_secret(),
                }))
            };
        Ok(serde_json::json!({
            "cluster_ca": encode(&bundle.cluster_ca)?,
            "etcd_ca": encode(&bundle.etcd_ca)?,
            "front_proxy_ca": encode(&bundle.front_proxy_ca)?,
            "admin": encode(&bundle.admin)?,
        }))
    });
    let value = value.map_err(|e| errors::to_py(&e, None))?;
    Ok(pythonize::pythonize(py, &value)?.unbind())
}

/// Signs a PEM CSR with a CA (PEM certificate + PEM key, encrypted if `passphrase`) under
/// Magnum's default `[x509]` policy; returns the PEM certificate.
#[pyfunction]
#[pyo3(signature = (csr, ca_certificate, ca_private_key, passphrase=None))]
fn sign_csr(
    py: Python<'_>,
    csr: String,
    ca_certificate: String,
    ca_private_key: String,
    passphrase: Option<String>,
) -> PyResult<String> {
    py.detach(|| -> Result<String, magnum_core::Error> {
        let passphrase = passphrase.map(SecretString::from);
        let ca = magnum_core::ca::CertifiedKey::from_pem(
            &ca_certificate,
            &ca_private_key,
            passphrase.as_ref(),
        )?;
        let signed = magnum_core::ca::sign_csr(&csr, &ca, &magnum_core::ca::SigningPolicy::new())?;
        Ok(signed.certificate.to_pem()?)
    })
    .map_err(|e| errors::to_py(&e, None))
}

/// A Keystone session from explicit clouds.yaml-style settings only (the process environment is
/// deliberately not consulted: owner and trustee-domain admin must not mix credentials).
/// The cloud named `cloud` (else `OS_CLOUD` / `OS_*`), explicit `settings` winning.
fn cloud_config(
    cloud: Option<&str>,
    settings: &HashMap<String, String>,
) -> Result<magnum_core::config::CloudConfig, magnum_core::Error> {
    let mut overrides = Overrides::new();
    if let Some(cloud) = cloud {
        overrides = overrides.cloud(cloud.to_owned());
    }
    for (key, value) in settings {
        overrides = overrides.set(key, value.clone());
    }
    load(&Sources::from_process(), &overrides)
}

/// Each configuration warning as a Python `UserWarning` (pointing at the caller's line).
fn warn_config(py: Python<'_>, warnings: &[String]) -> PyResult<()> {
    let category = py.get_type::<pyo3::exceptions::PyUserWarning>();
    for warning in warnings {
        let message = std::ffi::CString::new(warning.replace('\0', " "))
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
        // 3: past the guard (`_guard.py`) and the `Client.from_cloud` wrapper, at the caller.
        PyErr::warn(py, &category, &message, 3)?;
    }
    Ok(())
}

fn session_from(
    settings: &HashMap<String, String>,
) -> Result<magnum_core::keystone::KeystoneSession, magnum_core::Error> {
    let mut overrides = Overrides::new();
    for (key, value) in settings {
        overrides = overrides.set(key, value.clone());
    }
    let config = load(&Sources::new(Default::default(), Vec::new()), &overrides)?;
    magnum_core::keystone::KeystoneSession::from_cloud(&config)
}

/// Magnum's per-cluster trust: a trustee user in the trustee domain and an impersonating trust
/// from the owner to it. Returns the trustee's id, name and password and the trust id.
#[pyfunction]
#[pyo3(signature = (owner, trustee_admin, cluster_uuid, roles=None))]
fn create_cluster_trust(
    py: Python<'_>,
    owner: HashMap<String, String>,
    trustee_admin: HashMap<String, String>,
    cluster_uuid: String,
    roles: Option<Vec<String>>,
) -> PyResult<Py<PyAny>> {
    let value = runtime::wait_for(py, async move {
        let run = async {
            let owner = session_from(&owner)?;
            let mut domain =
                magnum_core::keystone::trust::TrusteeDomain::new(session_from(&trustee_admin)?);
            if let Some(roles) = roles {
                domain = domain.with_roles(roles);
            }
            let trust = domain
                .create_trustee_and_trust(&owner, &cluster_uuid)
                .await?;
            Ok::<_, magnum_core::Error>(serde_json::json!({
                "trustee_user_id": trust.trustee_user_id,
                "trustee_username": trust.trustee_username,
                "trustee_password": trust.trustee_password.expose_secret(),
                "trust_id": trust.trust_id,
                "trustee_domain_id": trust.trustee_domain_id,
                "project_id": trust.project_id,
                "roles": trust.roles,
            }))
        };
        run.await.map_err(|e| errors::to_py(&e, None))
    })?;
    Ok(pythonize::pythonize(py, &value)?.unbind())
}

/// Removes a cluster's trust (with the owner's settings when given, else as the trustee) and
/// its trustee; absent pieces count as removed. Returns `{trust_gone, trustee_gone, errors}`.
#[pyfunction]
#[pyo3(signature = (trustee_admin, trust_id=None, trustee_user_id=None, trustee_password=None, owner=None))]
fn delete_cluster_trust(
    py: Python<'_>,
    trustee_admin: HashMap<String, String>,
    trust_id: Option<String>,
    trustee_user_id: Option<String>,
    trustee_password: Option<String>,
    owner: Option<HashMap<String, String>>,
) -> PyResult<Py<PyAny>> {
    let value = runtime::wait_for(py, async move {
        let run = async {
            let domain =
                magnum_core::keystone::trust::TrusteeDomain::new(session_from(&trustee_admin)?);
            let owner = owner.as_ref().map(session_from).transpose()?;
            let password = trustee_password.map(SecretString::from);
            let trustee = match (&trustee_user_id, &password) {
                (Some(user), Some(password)) => Some((user.as_str(), password)),
                _ => None,
            };
            let report = domain
                .delete_trustee_and_trust(owner.as_ref(), trust_id.as_deref(), trustee)
                .await;
            Ok::<_, magnum_core::Error>(serde_json::json!({
                "trust_gone": report.trust_gone,
                "trustee_gone": report.trustee_gone,
                "errors": report.errors,
            }))
        };
        run.await.map_err(|e| errors::to_py(&e, None))
    })?;
    Ok(pythonize::pythonize(py, &value)?.unbind())
}

/// Merges kubeconfig `addition` into `existing` (same-named entries replaced).
#[pyfunction]
#[pyo3(signature = (existing, addition, switch_context=true))]
fn merge_kubeconfig(existing: &str, addition: &str, switch_context: bool) -> PyResult<String> {
    magnum_core::kubeconfig::merge(existing, addition, switch_context)
        .map(|s| s.expose_secret().to_owned())
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))
}

/// Explains a failed cluster (`status_reason` + `faults`): a list of findings with code, pain
/// point, cause, actor (`user` / `deployer` / `either`), retryable, fix and source.
#[pyfunction]
#[pyo3(signature = (status_reason, faults=None))]
fn explain_failure(
    py: Python<'_>,
    status_reason: Option<&str>,
    faults: Option<std::collections::BTreeMap<String, String>>,
) -> PyResult<Py<PyAny>> {
    use magnum_core::doctor::{Actor, explain_cluster};
    let findings: Vec<serde_json::Value> =
        explain_cluster(status_reason, &faults.unwrap_or_default())
            .into_iter()
            .map(|e| {
                let actor = match e.actor {
                    Actor::User => "user",
                    Actor::Deployer => "deployer",
                    _ => "either",
                };
                serde_json::json!({
                    "code": e.code, "pain_point": e.pain_point, "cause": e.cause, "actor": actor,
                    "retryable": e.retryable, "fix": e.fix, "source": e.source,
                })
            })
            .collect();
    Ok(pythonize::pythonize(py, &findings)?.unbind())
}

fn findings_to_py(
    py: Python<'_>,
    findings: Vec<magnum_core::doctor::Finding>,
) -> PyResult<Py<PyAny>> {
    use magnum_core::doctor::Severity;
    let rows: Vec<serde_json::Value> = findings
        .into_iter()
        .map(|f| {
            let severity = if f.severity == Severity::Error {
                "error"
            } else {
                "warning"
            };
            serde_json::json!({
                "code": f.code, "severity": severity, "field": f.field, "message": f.message,
                "hint": f.hint, "pain_point": f.pain_point,
            })
        })
        .collect();
    Ok(pythonize::pythonize(py, &rows)?.unbind())
}

/// Local pre-flight checks of a template create body (the `create_cluster_template` keywords).
#[pyfunction]
fn preflight_template(py: Python<'_>, body: &Bound<'_, PyDict>) -> PyResult<Py<PyAny>> {
    let template: magnum_core::types::ClusterTemplateCreate = pythonize::depythonize(body.as_any())
        .map_err(|e| errors::bad_arguments("preflight_template", e))?;
    findings_to_py(py, magnum_core::doctor::check_template(&template))
}

/// Local pre-flight checks of a cluster create body against its template (a template as
/// `get_cluster_template(...).to_dict()` returns it), when given.
#[pyfunction]
#[pyo3(signature = (body, template=None))]
fn preflight_cluster(
    py: Python<'_>,
    body: &Bound<'_, PyDict>,
    template: Option<&Bound<'_, PyDict>>,
) -> PyResult<Py<PyAny>> {
    let cluster: magnum_core::types::ClusterCreate = pythonize::depythonize(body.as_any())
        .map_err(|e| errors::bad_arguments("preflight_cluster", e))?;
    let template: Option<magnum_core::types::ClusterTemplate> = template
        .map(|t| pythonize::depythonize(t.as_any()))
        .transpose()
        .map_err(|e| errors::bad_arguments("preflight_cluster", e))?;
    findings_to_py(
        py,
        magnum_core::doctor::check_cluster(&cluster, template.as_ref()),
    )
}

/// Local checks of a nodegroup create body (the `create_nodegroup` keywords), with the
/// server's maximum microversion (`"1.12"`) when known.
#[pyfunction]
#[pyo3(signature = (body, server_max=None))]
fn preflight_nodegroup(
    py: Python<'_>,
    body: &Bound<'_, PyDict>,
    server_max: Option<String>,
) -> PyResult<Py<PyAny>> {
    let nodegroup: magnum_core::types::NodeGroupCreate = pythonize::depythonize(body.as_any())
        .map_err(|e| errors::bad_arguments("preflight_nodegroup", e))?;
    let server_max = server_max
        .map(|v| v.parse::<magnum_core::Microversion>())
        .transpose()
        .map_err(|e| errors::bad_arguments("preflight_nodegroup", e))?;
    findings_to_py(
        py,
        magnum_core::doctor::check_nodegroup(&nodegroup, server_max),
    )
}

/// Magnum's referenced-template rule for a template update (`changes`: field → new value).
#[pyfunction]
fn check_template_update(
    py: Python<'_>,
    template: String,
    referenced: bool,
    changes: &Bound<'_, PyDict>,
) -> PyResult<Py<PyAny>> {
    let changes: serde_json::Map<String, serde_json::Value> =
        pythonize::depythonize(changes.as_any())
            .map_err(|e| errors::bad_arguments("check_template_update", e))?;
    findings_to_py(
        py,
        magnum_core::doctor::check_template_update(&template, referenced, &changes),
    )
}

/// Whether `user_id` (with `roles`) can fetch the cluster's CA and sign CSRs (`cluster` as
/// `get_cluster(...).to_dict()` returns it).
#[pyfunction]
fn check_certificate_access(
    py: Python<'_>,
    cluster: &Bound<'_, PyDict>,
    user_id: String,
    roles: Vec<String>,
) -> PyResult<Py<PyAny>> {
    let cluster: magnum_core::types::Cluster = pythonize::depythonize(cluster.as_any())
        .map_err(|e| errors::bad_arguments("check_certificate_access", e))?;
    let roles: Vec<&str> = roles.iter().map(String::as_str).collect();
    findings_to_py(
        py,
        magnum_core::doctor::check_certificate_access(&cluster, &user_id, &roles),
    )
}

/// What a client CSR (PEM) will grant once Magnum signs it.
#[pyfunction]
#[pyo3(signature = (csr, admin_intended=false))]
fn check_client_csr(py: Python<'_>, csr: &str, admin_intended: bool) -> PyResult<Py<PyAny>> {
    let findings = magnum_core::doctor::access::check_client_csr(csr, admin_intended)
        .map_err(|e| errors::to_py(&magnum_core::Error::from(e), None))?;
    findings_to_py(py, findings)
}

/// Cloud checks with the user's token: catalog, regions, auth method and Magnum's era, and
/// with a template (create keywords) its image, flavors, keypair and external network.
#[pyfunction]
#[pyo3(signature = (cloud=None, settings=None, template=None))]
fn check_cloud(
    py: Python<'_>,
    cloud: Option<String>,
    settings: Option<HashMap<String, String>>,
    template: Option<&Bound<'_, PyDict>>,
) -> PyResult<Py<PyAny>> {
    let template: Option<magnum_core::types::ClusterTemplateCreate> = template
        .map(|t| pythonize::depythonize(t.as_any()))
        .transpose()
        .map_err(|e| errors::bad_arguments("check_cloud", e))?;
    let findings = runtime::wait_for(py, async move {
        let run = async {
            let config = cloud_config(cloud.as_deref(), &settings.unwrap_or_default())?;
            let mut found =
                magnum_core::doctor::cloud::check_cloud_config(&config, template.as_ref(), None)
                    .await?;
            if let Some(template) = &template {
                let session = magnum_core::keystone::KeystoneSession::from_cloud(&config)?;
                found.extend(
                    magnum_core::doctor::resources::check_resources(
                        &session, &config, template, None,
                    )
                    .await?,
                );
            }
            Ok::<_, magnum_core::Error>(found)
        };
        run.await.map_err(|e| errors::to_py(&e, None))
    })?;
    findings_to_py(py, findings)
}

/// Kubernetes' load balancers and floating IPs of a cluster (what blocks its delete): the plan,
/// and with `delete` the cleanup (floating IPs, then load balancers with cascade, awaited up to
/// `timeout` seconds).
#[pyfunction]
#[pyo3(signature = (cluster_uuid, cloud=None, settings=None, delete=false, timeout=60.0))]
fn cluster_orphans(
    py: Python<'_>,
    cluster_uuid: String,
    cloud: Option<String>,
    settings: Option<HashMap<String, String>>,
    delete: bool,
    timeout: f64,
) -> PyResult<Py<PyAny>> {
    use magnum_core::doctor::orphans::{delete_orphans, find_orphans};
    if !timeout.is_finite() || timeout < 0.0 {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "cluster_orphans: timeout must be a non-negative number of seconds",
        ));
    }
    let result = runtime::wait_for(py, async move {
        let run = async {
            let config = cloud_config(cloud.as_deref(), &settings.unwrap_or_default())?;
            let session = magnum_core::keystone::KeystoneSession::from_cloud(&config)?;
            let plan = find_orphans(&session, &cluster_uuid).await?;
            let deleted = if delete && !plan.is_empty() {
                Some(
                    delete_orphans(
                        &session,
                        &plan,
                        std::time::Duration::from_secs_f64(timeout),
                        std::time::Duration::from_secs(1),
                    )
                    .await?,
                )
            } else {
                None
            };
            Ok::<_, magnum_core::Error>(serde_json::json!({"plan": plan, "deleted": deleted}))
        };
        run.await.map_err(|e| errors::to_py(&e, None))
    })?;
    Ok(pythonize::pythonize(py, &result)?.unbind())
}

/// The native module.
#[pymodule(gil_used = false)]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeClient>()?;
    m.add_class::<LazyItem>()?;
    m.add_class::<testing::NativeSimulator>()?;
    m.add_function(wrap_pyfunction!(generate_cluster_ca, m)?)?;
    m.add_function(wrap_pyfunction!(sign_csr, m)?)?;
    m.add_function(wrap_pyfunction!(merge_kubeconfig, m)?)?;
    m.add_function(wrap_pyfunction!(explain_failure, m)?)?;
    m.add_function(wrap_pyfunction!(preflight_template, m)?)?;
    m.add_function(wrap_pyfunction!(preflight_cluster, m)?)?;
    m.add_function(wrap_pyfunction!(check_cloud, m)?)?;
    m.add_function(wrap_pyfunction!(cluster_orphans, m)?)?;
    m.add_function(wrap_pyfunction!(preflight_nodegroup, m)?)?;
    m.add_function(wrap_pyfunction!(check_template_update, m)?)?;
    m.add_function(wrap_pyfunction!(check_certificate_access, m)?)?;
    m.add_function(wrap_pyfunction!(check_client_csr, m)?)?;
    m.add_function(wrap_pyfunction!(create_cluster_trust, m)?)?;
    m.add_function(wrap_pyfunction!(delete_cluster_trust, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::shutdown, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    // Before the interpreter finalises: stop every task, so no worker thread touches Python
    // while it is torn down.
    m.py()
        .import("atexit")?
        .call_method1("register", (m.getattr("_shutdown")?,))?;
    Ok(())
}
