//! Every client operation, dispatched by name with typed arguments: the Python layer passes the
//! keyword arguments of a method as a dict; each operation deserialises them into its own
//! struct (`deny_unknown_fields`, so a misspelt argument is a clear `TypeError`), calls
//! magnum-core, and returns an [`Output`]: the typed result (converted to Python objects in
//! one pass) or a list of models kept native until used.

use std::time::Duration;

use magnum_core::access::{AccessOptions, Credentials, cluster_access};
use magnum_core::ca::KeyType;
use magnum_core::kubeconfig::Naming;
use magnum_core::request::{ListParams, SortDir};
use magnum_core::types::{
    CaCertType, Cluster, ClusterChange, ClusterCreate, ClusterTemplate, ClusterTemplateChange,
    ClusterTemplateCreate, ClusterTemplateRemovable, ClusterTemplateUpdate, ClusterUpdate,
    Federation, FederationCreate, FederationUpdate, HealthStatus, Labels, NodeGroup,
    NodeGroupChange, NodeGroupCreate, NodeGroupRole, NodeGroupUpdate, Quota, QuotaSpec,
    ResizeRequest, SignRequest, UpgradeRequest,
};
use magnum_core::wait::{self, WaitOptions};
use magnum_core::{Api, Client, Error, QuotaKey};
use pyo3::prelude::*;
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::errors::{bad_arguments, to_py};

/// What an operation failed with.
pub enum Failure {
    /// Bad arguments (TypeError).
    Arguments(String),
    /// An argument that did not decode: where (`node_count`, `labels.x`) and serde's reason,
    /// said in Python's terms by [`python_argument_error`].
    Argument {
        /// The argument path.
        path: String,
        /// serde's message.
        message: String,
    },
    /// An SDK error, with the last object a waiter saw.
    Sdk(Box<Error>, Option<Value>),
    /// An exception raised by the caller's own Python code (an `on_progress` callback),
    /// re-raised as it was.
    Python(PyErr),
}

impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        Self::Sdk(Box::new(err), None)
    }
}

impl Failure {
    /// The Python exception.
    pub fn into_py(self, op: &str) -> PyErr {
        match self {
            Self::Arguments(message) => bad_arguments(op, message),
            Self::Argument { path, message } => python_argument_error(op, &path, &message),
            Self::Sdk(err, last) => to_py(&err, last),
            Self::Python(err) => err,
        }
    }
}

/// What an operation returns: a value converted to Python objects in one pass (no
/// intermediate JSON tree), or a list of models kept native until used.
pub enum Output {
    /// A typed result (a model, `None`, JSON the binding assembled).
    Typed(Box<dyn erased_serde::Serialize + Send>),
    /// A list of models, each handed to Python as a native [`crate::LazyItem`] that becomes
    /// a dict on first use: a 1,000-cluster page costs one decode, not 1,000 dict builds.
    Items(Vec<Box<dyn erased_serde::Serialize + Send + Sync>>),
}

impl serde::Serialize for Output {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Typed(value) => erased_serde::serialize(value.as_ref(), serializer),
            Self::Items(items) => {
                use serde::ser::SerializeSeq;
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Erased(item.as_ref()))?;
                }
                seq.end()
            }
        }
    }
}

/// A borrowed erased value as a `Serialize`.
pub struct Erased<'a>(pub &'a (dyn erased_serde::Serialize + Send + Sync));

impl serde::Serialize for Erased<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        erased_serde::serialize(self.0, serializer)
    }
}

type OpResult = Result<Output, Failure>;

fn args<T: DeserializeOwned>(value: &Value) -> Result<T, Failure> {
    serde_path_to_error::deserialize(value.clone()).map_err(|e| Failure::Argument {
        path: e.path().to_string(),
        message: e.into_inner().to_string(),
    })
}

/// The text between the first pair of backticks after `prefix` in serde's `message`.
fn quoted<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = message.strip_prefix(prefix)?.strip_prefix('`')?;
    rest.split('`').next()
}

/// serde's "expected one of `a`, `b`" as "a, b".
fn expected_list(message: &str) -> String {
    message
        .split_once("expected ")
        .map(|(_, list)| {
            list.trim_start_matches("one of ")
                .replace('`', "")
                .trim_end_matches('.')
                .to_owned()
        })
        .unwrap_or_default()
}

/// serde's description of what it got, in Python's words (`str 'three'`, `int 5`, `None`).
fn python_value(serde: &str) -> String {
    let serde = serde.trim();
    let inner = |prefix: &str| {
        serde
            .strip_prefix(prefix)
            .map(|rest| rest.trim().trim_matches('`').to_owned())
    };
    if let Some(text) = serde.strip_prefix("string ") {
        return format!("str '{}'", text.trim_matches('"'));
    }
    if let Some(n) = inner("integer ") {
        return format!("int {n}");
    }
    if let Some(n) = inner("floating point ") {
        return format!("float {n}");
    }
    if let Some(b) = inner("boolean ") {
        return format!("bool {}", if b == "true" { "True" } else { "False" });
    }
    match serde {
        "null" | "unit value" => "None".into(),
        "sequence" => "a list".into(),
        "map" => "a dict".into(),
        other => other.into(),
    }
}

/// serde's type names as Python's.
fn python_type(serde: &str) -> &str {
    let serde = serde.trim();
    match serde {
        s if (s.starts_with('u') || s.starts_with('i'))
            && s.len() > 1
            && s[1..].chars().all(|c| c.is_ascii_digit()) =>
        {
            "an int"
        }
        "a string" | "a borrowed string" => "a str",
        "a sequence" => "a list",
        "a map" | "struct" => "a dict",
        "a boolean" => "a bool",
        "f64" | "f32" => "a float",
        other => other,
    }
}

/// A deserialization failure of an operation's arguments, said as Python says it: a missing
/// or unexpected keyword or a wrong type is a `TypeError` naming the function; a value out of
/// range or not among the accepted ones is the SDK's `ValidationError` (a `ValueError`).
pub fn python_argument_error(op: &str, path: &str, message: &str) -> PyErr {
    let field = path.trim_start_matches('.');
    let field = if field.is_empty() { "argument" } else { field };
    if let Some(name) = quoted(message, "missing field ") {
        return bad_arguments_raw(format!("{op}() missing required argument: '{name}'"));
    }
    if let Some(name) = quoted(message, "unknown field ") {
        return bad_arguments_raw(format!(
            "{op}() got an unexpected keyword argument '{name}' (accepted: {})",
            expected_list(message)
        ));
    }
    if let Some(variant) = quoted(message, "unknown variant ") {
        return to_py(
            &magnum_core::Error::InvalidInput(format!(
                "{op}(): {field} must be one of {}; got '{variant}'",
                expected_list(message)
            )),
            None,
        );
    }
    if let Some(rest) = message.strip_prefix("invalid value: integer ") {
        let number = rest.split('`').nth(1).unwrap_or_default();
        let expected = rest.rsplit("expected ").next().unwrap_or_default();
        let range = match expected.trim() {
            "u8" => "from 0 to 255".to_owned(),
            "u16" => "from 0 to 65535".to_owned(),
            "u32" => "from 0 to 4294967295".to_owned(),
            "u64" => "≥ 0".to_owned(),
            other => format!("({other})"),
        };
        let bound = if number.starts_with('-') {
            "≥ 0".to_owned()
        } else {
            range
        };
        return to_py(
            &magnum_core::Error::InvalidInput(format!(
                "{op}(): {field} must be an integer {bound}, got {number}"
            )),
            None,
        );
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        if let Some((got, expected)) = rest.split_once(", expected ") {
            return bad_arguments_raw(format!(
                "{op}(): {field} must be {}, got {}",
                python_type(expected),
                python_value(got)
            ));
        }
    }
    bad_arguments_raw(format!("{op}(): {field}: {message}"))
}

fn bad_arguments_raw(message: String) -> PyErr {
    pyo3::exceptions::PyTypeError::new_err(message)
}

fn typed<T: serde::Serialize + Send + 'static>(value: T) -> OpResult {
    Ok(Output::Typed(Box::new(value)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Ident {
    ident: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InCluster {
    cluster: String,
    #[serde(default)]
    ident: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Listing {
    #[serde(default)]
    cluster: Option<String>,
    #[serde(default)]
    limit: Option<u32>,
    #[serde(default)]
    marker: Option<String>,
    #[serde(default)]
    sort_key: Option<String>,
    #[serde(default)]
    sort_dir: Option<String>,
    #[serde(default)]
    detail: bool,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    all_tenants: Option<bool>,
}

impl Listing {
    fn params(&self) -> Result<ListParams, Failure> {
        let mut params = ListParams::new();
        params.limit = self.limit;
        params.marker.clone_from(&self.marker);
        // sort_dir is checked (and sent) with or without sort_key: Magnum sorts by id then.
        let dir = match self.sort_dir.as_deref() {
            None => None,
            Some("asc") => Some(SortDir::Asc),
            Some("desc") => Some(SortDir::Desc),
            Some(other) => {
                return Err(Failure::Sdk(
                    Box::new(magnum_core::Error::InvalidInput(format!(
                        "sort_dir must be 'asc' or 'desc', got {other:?}"
                    ))),
                    None,
                ));
            }
        };
        params.sort_key.clone_from(&self.sort_key);
        params.sort_dir = dir;
        params.role = self.role.as_deref().map(NodeGroupRole::parse);
        params.all_tenants = self.all_tenants;
        Ok(params)
    }
}

/// Lists one page (`limit` or `marker` given) or every page, with the filters.
async fn list<R: magnum_core::request::Resource + serde::Serialize + Send + Sync + 'static>(
    api: Api<R>,
    listing: &Listing,
) -> OpResult {
    let params = listing.params()?;
    let items = if params.limit.is_some() || params.marker.is_some() {
        if listing.detail {
            api.list_detail(&params).await?.items
        } else {
            api.list(&params).await?.items
        }
    } else {
        api.list_all_with(&params, listing.detail).await?
    };
    Ok(Output::Items(
        items
            .into_iter()
            .map(|item| Box::new(item) as Box<dyn erased_serde::Serialize + Send + Sync>)
            .collect(),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateUpdate {
    ident: String,
    #[serde(default)]
    changes: serde_json::Map<String, Value>,
    #[serde(default)]
    remove: Vec<ClusterTemplateRemovable>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClusterPatch {
    ident: String,
    #[serde(default)]
    node_count: Option<u32>,
    #[serde(default)]
    health_status: Option<String>,
    #[serde(default)]
    health_status_reason: Option<Labels>,
    #[serde(default)]
    rollback: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NodeGroupPatch {
    cluster: String,
    ident: String,
    #[serde(default)]
    changes: serde_json::Map<String, Value>,
    #[serde(default)]
    clear_max_node_count: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Resize {
    ident: String,
    node_count: u32,
    #[serde(default)]
    nodes_to_remove: Vec<String>,
    #[serde(default)]
    nodegroup: Option<String>,
}

impl Resize {
    /// The request (fields spelled out rather than flattened, so errors name the argument).
    fn body(&self) -> ResizeRequest {
        let mut body =
            ResizeRequest::new(self.node_count).nodes_to_remove(self.nodes_to_remove.clone());
        if let Some(nodegroup) = &self.nodegroup {
            body = body.nodegroup(nodegroup.clone());
        }
        body
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Upgrade {
    ident: String,
    #[serde(flatten)]
    body: UpgradeRequest,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaArgs {
    cluster: String,
    #[serde(default)]
    ca_cert_type: Option<String>,
    #[serde(default)]
    csr: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuotaArgs {
    #[serde(default)]
    project_id: Option<String>,
    #[serde(default)]
    hard_limit: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FederationPatch {
    ident: String,
    #[serde(default)]
    join: Vec<String>,
    #[serde(default)]
    unjoin: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FederationNew {
    hostcluster_id: String,
    dns_zone: String,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Wait {
    #[serde(default)]
    cluster: Option<String>,
    ident: String,
    /// `None`: NaN, an infinity or None came from Python (JSON has no such numbers).
    timeout: Option<f64>,
    #[serde(default)]
    interval: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Access {
    ident: String,
    #[serde(default)]
    credentials: Option<String>,
    #[serde(default)]
    naming: Option<String>,
    #[serde(default)]
    key_type: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Stats {
    #[serde(default)]
    project_id: Option<String>,
}

/// Parses a key type name (`rsa2048`, `rsa3072`, `rsa4096`, `ec-p256`).
pub fn key_type(name: Option<&str>) -> Result<KeyType, Failure> {
    match name.unwrap_or("rsa2048") {
        "rsa2048" => Ok(KeyType::Rsa2048),
        "rsa3072" => Ok(KeyType::Rsa3072),
        "rsa4096" => Ok(KeyType::Rsa4096),
        "ec-p256" => Ok(KeyType::EcP256),
        other => Err(Failure::Arguments(format!(
            "key_type must be rsa2048, rsa3072, rsa4096 or ec-p256, not {other:?}"
        ))),
    }
}

fn changes<T: DeserializeOwned>(map: &serde_json::Map<String, Value>) -> Result<Vec<T>, Failure> {
    map.iter()
        .map(|(key, value)| {
            serde_json::from_value(json!({ key: value })).map_err(|e| {
                let message = e.to_string();
                match quoted(&message, "unknown variant ") {
                    // An attribute the resource does not have: name the accepted ones.
                    Some(_) => Failure::Argument {
                        path: "changes".into(),
                        message,
                    },
                    None => Failure::Argument {
                        path: format!("changes[{key:?}]"),
                        message,
                    },
                }
            })
        })
        .collect()
}

/// The longest wait or poll interval accepted (a year), in seconds.
const MAX_WAIT_SECONDS: f64 = 31_536_000.0;

/// `seconds` as a `Duration`, or the SDK's `ValidationError` naming `what` and the range.
fn seconds(what: &str, seconds: Option<f64>, min: f64) -> Result<Duration, Failure> {
    let out_of_range = |got: String| {
        Failure::Sdk(
            Box::new(magnum_core::Error::InvalidInput(format!(
                "{what} must be a finite number of seconds from {min} to {MAX_WAIT_SECONDS}, got {got}"
            ))),
            None,
        )
    };
    let Some(seconds) = seconds else {
        return Err(out_of_range("NaN, an infinity or None".into()));
    };
    if !(min..=MAX_WAIT_SECONDS).contains(&seconds) {
        return Err(out_of_range(format!("{seconds:?}")));
    }
    Duration::try_from_secs_f64(seconds).map_err(|e| {
        Failure::Sdk(
            Box::new(magnum_core::Error::InvalidInput(format!("{what}: {e}"))),
            None,
        )
    })
}

/// Where an `on_progress` callback's exception is kept until the wait stops for it.
#[derive(Default)]
struct CallbackFailure {
    error: std::sync::Mutex<Option<PyErr>>,
    raised: tokio::sync::Notify,
}

/// Runs a wait until it ends or the progress callback raises, whichever comes first; the
/// callback's exception is re-raised as it was (as `concurrent.futures` does).
async fn until_callback_fails(
    callback: &CallbackFailure,
    wait: impl std::future::Future<Output = OpResult>,
) -> OpResult {
    let result = tokio::select! {
        result = wait => result,
        () = callback.raised.notified() => Err(Failure::Arguments("on_progress failed".into())),
    };
    // A callback that raised wins even when the wait ended in the same step.
    match callback.error.lock().ok().and_then(|mut slot| slot.take()) {
        Some(error) => Err(Failure::Python(error)),
        None => result,
    }
}

fn wait_options(
    wait: &Wait,
    progress: Option<Py<PyAny>>,
) -> Result<(WaitOptions, std::sync::Arc<CallbackFailure>), Failure> {
    let failure = std::sync::Arc::new(CallbackFailure::default());
    let slot = failure.clone();
    let mut options = WaitOptions::new(seconds("timeout", wait.timeout, 0.0)?);
    if let Some(interval) = wait.interval {
        // Any positive interval is taken; under 10 ms it is raised to 10 ms.
        if interval.is_nan() || interval <= 0.0 {
            return Err(Failure::Sdk(
                Box::new(magnum_core::Error::InvalidInput(format!(
                    "interval must be a positive number of seconds (at most {MAX_WAIT_SECONDS}), got {interval:?}"
                ))),
                None,
            ));
        }
        options = options.interval(seconds("interval", Some(interval.max(0.01)), 0.01)?);
    }
    if let Some(callback) = progress {
        options = options.on_progress(move |p| {
            Python::attach(|py| {
                let event = json!({
                    "elapsed": p.elapsed.as_secs_f64(),
                    "status": p.status.as_ref().map(|s| s.as_str().to_owned()),
                    "previous": p.previous.as_ref().map(|s| s.as_str().to_owned()),
                    "status_reason": p.status_reason,
                    "updated_at": p.updated_at.as_ref().map(|t| t.as_str().to_owned()),
                });
                if let Ok(event) = pythonize::pythonize(py, &event) {
                    // The first exception stops the wait and is re-raised by it.
                    if let Err(err) = callback.call1(py, (event,)) {
                        if let Ok(mut kept) = slot.error.lock() {
                            if kept.is_none() {
                                *kept = Some(err);
                                slot.raised.notify_one();
                            }
                        }
                    }
                }
            });
        });
    }
    Ok((options, failure))
}

fn waited<T: serde::Serialize + Send + 'static>(
    result: Result<Option<T>, magnum_core::WaitError<T>>,
) -> OpResult {
    match result {
        Ok(found) => typed(found),
        Err(err) => {
            let last = err
                .last
                .as_ref()
                .and_then(|l| serde_json::to_value(l.as_ref()).ok());
            Err(Failure::Sdk(Box::new(err.error), last))
        }
    }
}

/// Runs operation `op` with `a` (the keyword arguments as JSON).
pub async fn run(client: Client, op: String, a: Value, progress: Option<Py<PyAny>>) -> OpResult {
    let templates = || Api::<ClusterTemplate>::new(client.clone());
    let clusters = || Api::<Cluster>::new(client.clone());
    let nodegroups = |cluster: &str| Api::<NodeGroup>::in_cluster(client.clone(), cluster);
    match op.as_str() {
        "server_versions" => {
            let range = client.server_versions().await?;
            typed(range.map_or(
                Value::Null,
                |r| json!({"min": r.min.to_string(), "max": r.max.to_string()}),
            ))
        }
        "list_cluster_templates" => list(templates(), &args(&a)?).await,
        "get_cluster_template" => typed(templates().get(args::<Ident>(&a)?.ident).await?),
        "create_cluster_template" => typed(
            templates()
                .create(&args::<ClusterTemplateCreate>(&a)?)
                .await?,
        ),
        "update_cluster_template" => {
            let u: TemplateUpdate = args(&a)?;
            let mut update = ClusterTemplateUpdate::new();
            for change in changes::<ClusterTemplateChange>(&u.changes)? {
                update = update.set(change);
            }
            for field in u.remove {
                update = update.remove(field);
            }
            typed(templates().update(u.ident, &update).await?)
        }
        "delete_cluster_template" => typed(templates().delete(args::<Ident>(&a)?.ident).await?),
        "list_clusters" => list(clusters(), &args(&a)?).await,
        "get_cluster" => typed(clusters().get(args::<Ident>(&a)?.ident).await?),
        "create_cluster" => typed(Value::from(
            clusters().create(&args::<ClusterCreate>(&a)?).await?.uuid,
        )),
        "update_cluster" => {
            let p: ClusterPatch = args(&a)?;
            let mut update = ClusterUpdate::new();
            if let Some(count) = p.node_count {
                update = update.set(ClusterChange::NodeCount(count));
            }
            if let Some(status) = &p.health_status {
                update = update.set(ClusterChange::HealthStatus(HealthStatus::parse(status)));
            }
            if let Some(reason) = p.health_status_reason {
                update = update.set(ClusterChange::HealthStatusReason(reason));
            }
            if let Some(rollback) = p.rollback {
                update = update.rollback(rollback);
            }
            typed(Value::from(clusters().update(p.ident, &update).await?.uuid))
        }
        "delete_cluster" => typed(clusters().delete(args::<Ident>(&a)?.ident).await?),
        "resize_cluster" => {
            let r: Resize = args(&a)?;
            typed(Value::from(
                clusters().resize(r.ident.clone(), &r.body()).await?.uuid,
            ))
        }
        "upgrade_cluster" => {
            let u: Upgrade = args(&a)?;
            typed(Value::from(
                clusters().upgrade(u.ident, &u.body).await?.uuid,
            ))
        }
        "list_nodegroups" => {
            let listing: Listing = args(&a)?;
            let cluster = listing
                .cluster
                .clone()
                .ok_or_else(|| Failure::Arguments("cluster is required".into()))?;
            list(nodegroups(&cluster), &listing).await
        }
        "get_nodegroup" => {
            let g: InCluster = args(&a)?;
            let ident = g
                .ident
                .ok_or_else(|| Failure::Arguments("ident is required".into()))?;
            typed(nodegroups(&g.cluster).get(ident).await?)
        }
        "create_nodegroup" => {
            let mut body = a.clone();
            let cluster = body
                .as_object_mut()
                .and_then(|m| m.remove("cluster"))
                .and_then(|c| c.as_str().map(str::to_owned))
                .ok_or_else(|| Failure::Arguments("cluster is required".into()))?;
            typed(
                nodegroups(&cluster)
                    .create(&args::<NodeGroupCreate>(&body)?)
                    .await?,
            )
        }
        "update_nodegroup" => {
            let p: NodeGroupPatch = args(&a)?;
            let mut update = NodeGroupUpdate::new();
            for change in changes::<NodeGroupChange>(&p.changes)? {
                update = update.set(change);
            }
            if p.clear_max_node_count {
                update = update.set(NodeGroupChange::ClearMaxNodeCount);
            }
            typed(nodegroups(&p.cluster).update(p.ident, &update).await?)
        }
        "delete_nodegroup" => {
            let g: InCluster = args(&a)?;
            let ident = g
                .ident
                .ok_or_else(|| Failure::Arguments("ident is required".into()))?;
            typed(nodegroups(&g.cluster).delete(ident).await?)
        }
        "get_ca_certificate" => {
            let c: CaArgs = args(&a)?;
            let ca = c.ca_cert_type.as_deref().map(CaCertType::parse);
            typed(clusters().ca_certificate(c.cluster, ca).await?.pem)
        }
        "sign_certificate" => {
            let c: CaArgs = args(&a)?;
            let csr = c
                .csr
                .ok_or_else(|| Failure::Arguments("csr is required".into()))?;
            let mut request = SignRequest::new(c.cluster, csr);
            if let Some(ca) = c.ca_cert_type.as_deref() {
                request = request.ca_cert_type(CaCertType::parse(ca));
            }
            typed(clusters().sign_certificate(&request).await?.pem)
        }
        "rotate_ca" => typed(Value::from(
            clusters()
                .rotate_ca(args::<CaArgs>(&a)?.cluster)
                .await?
                .uuid,
        )),
        "rotate_credential" => typed(Value::from(
            clusters()
                .rotate_credential(args::<CaArgs>(&a)?.cluster)
                .await?
                .uuid,
        )),
        "list_quotas" => list(Api::<Quota>::new(client.clone()), &args(&a)?).await,
        "get_quota" | "delete_quota" | "create_quota" | "update_quota" => {
            let q: QuotaArgs = args(&a)?;
            let project = q
                .project_id
                .ok_or_else(|| Failure::Arguments("project_id is required".into()))?;
            let api = Api::<Quota>::new(client.clone());
            let limit = || {
                q.hard_limit
                    .ok_or_else(|| Failure::Arguments("hard_limit is required".into()))
            };
            match op.as_str() {
                "get_quota" => typed(api.get(QuotaKey::clusters(project)).await?),
                "delete_quota" => typed(api.delete(QuotaKey::clusters(project)).await?),
                "create_quota" => typed(api.create(&QuotaSpec::clusters(project, limit()?)).await?),
                _ => typed(
                    api.update(
                        QuotaKey::clusters(project.clone()),
                        &QuotaSpec::clusters(project, limit()?),
                    )
                    .await?,
                ),
            }
        }
        "get_stats" => typed(
            client
                .stats(args::<Stats>(&a)?.project_id.as_deref())
                .await?,
        ),
        "list_mservices" => typed(client.mservices().await?),
        "list_federations" => list(Api::<Federation>::new(client.clone()), &args(&a)?).await,
        "get_federation" => typed(
            Api::<Federation>::new(client.clone())
                .get(args::<Ident>(&a)?.ident)
                .await?,
        ),
        "create_federation" => {
            let f: FederationNew = args(&a)?;
            let mut body = FederationCreate::new(f.hostcluster_id, f.dns_zone);
            if let Some(name) = f.name {
                body = body.name(name);
            }
            typed(Value::from(
                Api::<Federation>::new(client.clone())
                    .create(&body)
                    .await?
                    .uuid,
            ))
        }
        "update_federation" => {
            let p: FederationPatch = args(&a)?;
            let mut update = FederationUpdate::new();
            for member in p.join {
                update = update.join(member);
            }
            for member in p.unjoin {
                update = update.unjoin(member);
            }
            typed(Value::from(
                Api::<Federation>::new(client.clone())
                    .update(p.ident, &update)
                    .await?
                    .uuid,
            ))
        }
        "delete_federation" => typed(
            Api::<Federation>::new(client.clone())
                .delete(args::<Ident>(&a)?.ident)
                .await?,
        ),
        "wait_cluster_ready" => {
            let w: Wait = args(&a)?;
            let (options, callback) = wait_options(&w, progress)?;
            until_callback_fails(&callback, async {
                waited(
                    wait::cluster_ready(&clusters(), w.ident, &options)
                        .await
                        .map(Some),
                )
            })
            .await
        }
        "wait_cluster_deleted" => {
            let w: Wait = args(&a)?;
            let (options, callback) = wait_options(&w, progress)?;
            until_callback_fails(&callback, async {
                waited(
                    wait::cluster_deleted(&clusters(), w.ident, &options)
                        .await
                        .map(|()| None::<Cluster>),
                )
            })
            .await
        }
        "wait_nodegroup_ready" | "wait_nodegroup_deleted" => {
            let w: Wait = args(&a)?;
            let cluster = w
                .cluster
                .clone()
                .ok_or_else(|| Failure::Arguments("cluster is required".into()))?;
            let api = nodegroups(&cluster);
            let (options, callback) = wait_options(&w, progress)?;
            until_callback_fails(&callback, async {
                if op == "wait_nodegroup_ready" {
                    waited(
                        wait::nodegroup_ready(&api, w.ident.clone(), &options)
                            .await
                            .map(Some),
                    )
                } else {
                    waited(
                        wait::nodegroup_deleted(&api, w.ident.clone(), &options)
                            .await
                            .map(|()| None::<NodeGroup>),
                    )
                }
            })
            .await
        }
        "cluster_config" => {
            let c: Access = args(&a)?;
            let credentials = match c.credentials.as_deref().unwrap_or("certificate") {
                "certificate" => Credentials::Certificate,
                "keystone" => Credentials::Keystone,
                other => {
                    return Err(Failure::Arguments(format!(
                        "credentials must be 'certificate' or 'keystone', not {other:?}"
                    )));
                }
            };
            let naming = match c.naming.as_deref().unwrap_or("openstack") {
                "openstack" => Naming::OpenStackCli,
                "terraform" => Naming::Terraform,
                other => {
                    return Err(Failure::Arguments(format!(
                        "naming must be 'openstack' or 'terraform', not {other:?}"
                    )));
                }
            };
            let options = AccessOptions::new()
                .credentials(credentials)
                .naming(naming)
                .key_type(key_type(c.key_type.as_deref())?);
            let access = cluster_access(&client, c.ident, &options).await?;
            typed(json!({
                "kubeconfig": access.kubeconfig.as_ref().map(|k| k.expose_secret().to_owned()),
                "ca_pem": access.ca_pem,
                "cert_pem": access.cert_pem,
                "key_pem": access.key_pem.as_ref().map(|k| k.expose_secret().to_owned()),
                "warnings": access.warnings,
            }))
        }
        other => Err(Failure::Arguments(format!("unknown operation {other:?}"))),
    }
}
