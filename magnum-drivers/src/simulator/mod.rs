//! The embedded Magnum simulator: a Magnum-compatible HTTP API (v1, microversions 1.1–1.14,
//! Magnum's rules and messages) with a Keystone v3 front and a seeded Glance/Nova/Neutron
//! catalog, on 127.0.0.1, started and stopped from Rust with one call. Clusters live through
//! the real [`Conductor`] and [`DriverRegistry`] over the [`SimulatedDriver`], so statuses
//! move with time and failures can be injected; certificates come from the real CA module.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use magnum_drivers::simulator::{Simulator, SimulatorConfig};
//!
//! let sim = Simulator::start(SimulatorConfig::new()).await?;
//! println!("{}", sim.env_exports());   // export OS_AUTH_URL=… lines for `eval`
//! // … point any OpenStack client at sim.auth_url() …
//! sim.stop().await;
//! # Ok(()) }
//! ```

mod api_cloud;
mod api_clusters;
mod api_misc;
mod api_octavia;
mod api_templates;
pub mod cloud;
mod discovery;
mod fields;
mod keypairs;
pub mod keystone;
mod kube;
mod listener;
mod persist;
mod store;
pub mod wire;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post};
use magnum_core::Microversion;
use magnum_core::ca::{CaOptions, KeyType, MemoryCertStore};
use tokio::sync::{Mutex, oneshot};

pub use cloud::{CloudCatalog, Limit, Quotas};
pub use keystone::{AuthContext, SimAppCredential, SimUser};

use crate::conductor::Conductor;
use crate::registry::{DriverRegistry, RegistryConfig};
use crate::simulated_driver::{SimOptions, SimulatedDriver};
use keystone::Identity;
use store::Store;
use wire::{ApiFault, Negotiation};

/// The name the simulated driver is registered under.
pub const SIM_DRIVER_NAME: &str = "k8s_sim_v1";

/// How to run a simulator.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SimulatorConfig {
    /// Port on 127.0.0.1 (0: any free port).
    pub port: u16,
    /// Durations and failure injection of the simulated infrastructure.
    pub sim: SimOptions,
    /// The seeded cloud.
    pub catalog: CloudCatalog,
    /// Keystone users (the first is the one [`Simulator::env_exports`] prints).
    pub users: Vec<SimUser>,
    /// Application credentials.
    pub app_credentials: Vec<SimAppCredential>,
    /// `[quotas] max_clusters_per_project`.
    pub max_clusters_per_project: i64,
    /// How often in-progress clusters are synced (Magnum's periodic task).
    pub sync_interval: Duration,
    /// Key type of cluster CAs (EC P-256 by default, for speed; Magnum uses RSA-2048).
    pub ca_key_type: KeyType,
    /// Persist the state in this SQLite file (created 0600); `None`: memory only.
    pub state_file: Option<std::path::PathBuf>,
    /// How many clusters get a live Kubernetes API on loopback (one listener each); clusters
    /// beyond it get none and say so in `status_reason`.
    pub max_kube_apis: usize,
}

/// The default bound on live Kubernetes APIs ([`SimulatorConfig::max_kube_apis`]).
pub const DEFAULT_MAX_KUBE_APIS: usize = 64;

/// The demo user's password (a loopback-only simulator; override with [`SimulatorConfig::password`]).
pub const DEFAULT_PASSWORD: &str = "magnum-sim";

impl Default for SimulatorConfig {
    fn default() -> Self {
        Self {
            port: 0,
            sim: SimOptions::default().durations(
                Duration::from_secs(3),
                Duration::from_secs(2),
                Duration::from_secs(2),
            ),
            catalog: CloudCatalog::default(),
            users: vec![
                SimUser::new("demo", DEFAULT_PASSWORD, "demo", &["member", "reader"]),
                SimUser::new(
                    "admin",
                    DEFAULT_PASSWORD,
                    "admin",
                    &["admin", "member", "reader"],
                )
                .system_roles(&["admin", "member", "reader"]),
                SimUser::new("viewer", DEFAULT_PASSWORD, "demo", &["reader"]),
                // Personas as devstack seeds them: an admin in the same project as the
                // member and the reader, and a member of a second project.
                SimUser::new(
                    "demo-admin",
                    DEFAULT_PASSWORD,
                    "demo",
                    &["admin", "member", "reader"],
                ),
                SimUser::new(
                    "alt-demo",
                    DEFAULT_PASSWORD,
                    "alt-demo",
                    &["member", "reader"],
                ),
            ],
            app_credentials: vec![SimAppCredential::new(
                "sim-appcred-id",
                "sim-appcred",
                DEFAULT_PASSWORD,
                "demo",
            )],
            max_clusters_per_project: 20,
            sync_interval: Duration::from_millis(100),
            ca_key_type: KeyType::EcP256,
            state_file: None,
            max_kube_apis: DEFAULT_MAX_KUBE_APIS,
        }
    }
}

impl SimulatorConfig {
    /// The defaults: any free port, 3 s creates, 2 s updates and deletes, the seeded catalog,
    /// users `demo` (member), `admin`, `viewer` (reader), `demo-admin` (admin in `demo`) and
    /// `alt-demo` (member of `alt-demo`) with password [`DEFAULT_PASSWORD`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Listen on this port of 127.0.0.1.
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Durations of create, update and delete.
    #[must_use]
    pub fn durations(mut self, create: Duration, update: Duration, delete: Duration) -> Self {
        self.sim = self.sim.durations(create, update, delete);
        self
    }

    /// Every cluster create fails with this `status_reason`.
    #[must_use]
    pub fn fail_create(mut self, reason: impl Into<String>) -> Self {
        self.sim = self.sim.fail_create(reason);
        self
    }

    /// Every user's password (and the application credential's secret).
    #[must_use]
    pub fn password(mut self, password: &str) -> Self {
        for user in &mut self.users {
            user.password = password.to_owned();
        }
        for cred in &mut self.app_credentials {
            cred.secret = password.to_owned();
        }
        self
    }

    /// One more Keystone user (a later user of the same name replaces an earlier one). Its
    /// password is the one [`SimulatorConfig::password`] set, if called afterwards.
    #[must_use]
    pub fn user(mut self, user: SimUser) -> Self {
        self.users.retain(|u| u.name != user.name);
        self.users.push(user);
        self
    }

    /// How many clusters get a live Kubernetes API ([`SimulatorConfig::max_kube_apis`]).
    #[must_use]
    pub fn max_kube_apis(mut self, max: usize) -> Self {
        self.max_kube_apis = max;
        self
    }

    /// `[quotas] max_clusters_per_project`.
    #[must_use]
    pub fn max_clusters_per_project(mut self, limit: i64) -> Self {
        self.max_clusters_per_project = limit;
        self
    }

    /// How many servers the simulated cloud holds, all clusters together (default
    /// [`crate::simulated_driver::DEFAULT_MAX_NODES`]); a create or resize needing more fails with Nova's
    /// "No valid host was found".
    #[must_use]
    pub fn max_nodes(mut self, max_nodes: u64) -> Self {
        self.sim = self.sim.max_nodes(max_nodes);
        self
    }

    /// Keep templates, clusters, quotas and CA objects in this SQLite file across restarts.
    #[must_use]
    pub fn state_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.state_file = Some(path.into());
        self
    }

    /// The seeded cloud.
    #[must_use]
    pub fn catalog(mut self, catalog: CloudCatalog) -> Self {
        self.catalog = catalog;
        self
    }
}

/// Why a simulator could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimulatorError {
    /// Binding 127.0.0.1:port failed.
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind {
        /// The port.
        port: u16,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The state file could not be opened or read.
    #[error(transparent)]
    State(#[from] persist::StateError),
}

/// State shared by every handler.
#[derive(Debug)]
pub(crate) struct Shared {
    pub base: String,
    pub config: SimulatorConfig,
    pub identity: Identity,
    pub store: Mutex<Store>,
    pub conductor: Conductor,
    pub registry: Arc<DriverRegistry>,
    pub certs: Arc<MemoryCertStore>,
    /// Kubernetes' load balancers and floating IPs (`api_octavia`).
    pub octavia: std::sync::Mutex<api_octavia::Octavia>,
    /// Nova keypairs per user (`keypairs`).
    pub keypairs: keypairs::Keypairs,
    /// The clusters' live Kubernetes APIs (`kube`).
    pub kube: kube::KubeApis,
    /// This value itself, for the Kubernetes API listeners (weak: no cycle).
    me: std::sync::Weak<Shared>,
    state_file: Option<persist::StateFile>,
}

impl Shared {
    /// Sends what changed in `store` since the last call to the state file, if any, and
    /// returns the sequence number to wait for before answering: the new batch's, or — when
    /// another request's flush already took this one's changes — the last batch queued. Call
    /// with the store locked, so batches leave in the order the changes were made. Without a
    /// state file the changes are just forgotten.
    pub(crate) fn flush(&self, store: &mut Store) -> Option<u64> {
        let changes = store.take_changes();
        let file = self.state_file.as_ref()?;
        if changes.is_empty() {
            return Some(file.last_submitted());
        }
        Some(file.submit(persist::Batch::collect(store, &changes, &self.certs)))
    }

    /// Every in-progress cluster is synced; `DELETE_COMPLETE` ones disappear (Magnum deletes
    /// the row).
    async fn sync_all(&self) {
        let mut store = self.store.lock().await;
        store.conductor_reports += 1;
        let mut gone = Vec::new();
        let busy: Vec<usize> = store
            .clusters()
            .iter()
            .enumerate()
            .filter(|(_, row)| {
                row.record.status.is_in_progress()
                    || row
                        .record
                        .nodegroups
                        .iter()
                        .any(|n| n.status.is_in_progress())
            })
            .map(|(i, _)| i)
            .collect();
        for index in busy {
            let before = store.clusters()[index].record.clone();
            let mut record = before.clone();
            if let Err(e) = self
                .conductor
                .sync_status(&mut record, &store.clusters()[index].resources, None)
                .await
            {
                tracing::warn!(cluster = %record.uuid, error = %e, "sync failed");
            }
            if record == before {
                continue;
            }
            let complete = magnum_core::types::ClusterStatus::CreateComplete;
            if before.status != complete && record.status == complete {
                if let Ok(mut octavia) = self.octavia.lock() {
                    octavia.seed(&record.project_id, &record.uuid);
                }
                let refs = store.clusters()[index].resources.cert_refs.clone();
                self.serve_kube(&mut record, refs.as_ref());
            }
            // The driver reports its default address; a served cluster keeps its own.
            if let Some(url) = self.kube.url(&record.uuid) {
                record.api_address = Some(url);
            }
            if record.status == magnum_core::types::ClusterStatus::DeleteComplete {
                if let Ok(mut octavia) = self.octavia.lock() {
                    octavia.forget(&record.uuid);
                }
                self.kube.stop(&record.uuid);
                gone.push(record.uuid.clone());
            }
            let row = store.cluster_mut(index);
            row.record = record;
            // A nodegroup whose stack is gone takes its API columns with it.
            let nodegroups = &row.record.nodegroups;
            row.extra
                .nodegroups
                .retain(|uuid, _| nodegroups.iter().any(|n| &n.uuid == uuid));
            // Magnum's conductor saves the row, and the row's updated_at moves.
            row.extra.updated_at = Some(wire::now_timestamp());
        }
        if !gone.is_empty() {
            store.remove_clusters(|c| gone.contains(&c.record.uuid));
        }
        self.flush(&mut store);
    }

    /// The driver serving a cluster, or the registry's refusal as a 400.
    pub(crate) fn driver(
        &self,
        record: &crate::driver::ClusterRecord,
    ) -> Result<Arc<dyn crate::driver::Driver>, ApiFault> {
        self.conductor
            .driver_for(record)
            .map_err(|e| ApiFault::bad_request(e.to_string()))
    }

    fn ca_options(&self) -> CaOptions {
        CaOptions::new().key_type(self.config.ca_key_type)
    }

    /// The cluster's CA, from the certificate store.
    fn cluster_ca(
        &self,
        refs: Option<&magnum_core::ca::ClusterCertRefs>,
    ) -> Result<magnum_core::ca::CertifiedKey, String> {
        use magnum_core::ca::CertStore;
        let refs = refs.ok_or_else(|| "the cluster has no CA".to_owned())?;
        self.certs
            .load(&refs.ca_cert_ref)
            .and_then(|stored| stored.certified_key())
            .map_err(|e| e.to_string())
    }

    /// Gives a Kubernetes cluster that just became ready its live API (`kube`), or notes in
    /// `status_reason` why it has none.
    fn serve_kube(
        &self,
        record: &mut crate::driver::ClusterRecord,
        refs: Option<&magnum_core::ca::ClusterCertRefs>,
    ) {
        let kubernetes = record.template.coe.as_ref().map(|c| c.as_str()) == Some("kubernetes");
        if !kubernetes || record.template.tls_disabled == Some(true) {
            return;
        }
        let note = |record: &mut crate::driver::ClusterRecord, why: String| {
            let reason = record.status_reason.take().unwrap_or_default();
            record.status_reason = Some(with_kube_note(&reason, &why));
        };
        match self
            .cluster_ca(refs)
            .and_then(|ca| self.kube.start(self.me.clone(), &record.uuid, &ca))
        {
            Ok(kube::Started::Url(url)) => record.api_address = Some(url),
            Ok(kube::Started::Full(max)) => note(
                record,
                format!("the simulator serves at most {max} (--max-kube-apis)"),
            ),
            Err(e) => {
                tracing::warn!(cluster = %record.uuid, error = %e, "no Kubernetes API");
                note(record, e);
            }
        }
    }
}

/// `reason` with one "(no Kubernetes API: why)" note: a note from an earlier start (a restart
/// re-serves every ready cluster) is replaced, not appended to.
fn with_kube_note(reason: &str, why: &str) -> String {
    const NOTE: &str = " (no Kubernetes API: ";
    let base = reason.find(NOTE).map_or(reason, |at| &reason[..at]);
    format!("{base}{NOTE}{why})")
}

/// A running simulator. Dropping it stops the server too; [`Simulator::stop`] also waits.
#[derive(Debug)]
pub struct Simulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
    /// The same service the listener serves, for in-process requests ([`Simulator::handle`]).
    in_process: Router,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    ticker: tokio::task::JoinHandle<()>,
}

impl Simulator {
    /// Binds 127.0.0.1 and serves until stopped.
    ///
    /// # Errors
    /// [`SimulatorError::Bind`].
    pub async fn start(config: SimulatorConfig) -> Result<Self, SimulatorError> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port))
            .await
            .map_err(|source| SimulatorError::Bind {
                port: config.port,
                source,
            })?;
        let addr = listener
            .local_addr()
            .map_err(|source| SimulatorError::Bind {
                port: config.port,
                source,
            })?;
        let base = format!("http://{addr}");
        let mut registry = DriverRegistry::new(RegistryConfig::default());
        let sim_driver = Arc::new(SimulatedDriver::new(config.sim.clone()));
        registry.register(SIM_DRIVER_NAME, sim_driver.clone());
        let registry = Arc::new(registry);
        let (state_file, mut store, certs) = match config.state_file.as_deref() {
            Some(path) => {
                let (file, store, certs, _loaded) = persist::StateFile::open(path)?;
                (Some(file), store, certs)
            }
            None => (None, Store::default(), MemoryCertStore::new()),
        };
        // Settled clusters from the state file hold their servers in the simulated cloud; one
        // the cloud cannot hold is marked failed (with a warning) instead of being honoured.
        for index in 0..store.clusters().len() {
            let record = &store.clusters()[index].record;
            let settled =
                !record.status.is_in_progress() && !record.status.is_magnum_status_failed();
            if !settled {
                continue;
            }
            if let Err(reason) = sim_driver.claim(record) {
                tracing::warn!(cluster = %record.uuid, "{reason}; marked failed");
                persist::fail_record(&mut store.cluster_mut(index).record, &reason);
            }
        }
        let certs = Arc::new(certs);
        let conductor = Conductor::new(registry.clone(), certs.clone())
            .ca_options(CaOptions::new().key_type(config.ca_key_type));
        let shared = Arc::new_cyclic(|me| Shared {
            me: me.clone(),
            kube: kube::KubeApis::new(config.max_kube_apis),
            base,
            identity: Identity::new(config.users.clone(), config.app_credentials.clone()),
            store: Mutex::new(store),
            conductor,
            registry,
            certs,
            octavia: std::sync::Mutex::new(api_octavia::Octavia::default()),
            keypairs: keypairs::Keypairs::new(&config.catalog.keypairs),
            config,
            state_file,
        });
        // Clusters restored from the state file that had an API get a new listener (the old
        // port is gone with the old process).
        {
            let mut store = shared.store.lock().await;
            for index in 0..store.clusters().len() {
                let row = &store.clusters()[index];
                if row.record.api_address.is_none()
                    || row.record.status == magnum_core::types::ClusterStatus::DeleteInProgress
                {
                    continue;
                }
                let (mut record, refs) = (row.record.clone(), row.resources.cert_refs.clone());
                record.api_address = Some(crate::simulated_driver::DEFAULT_API_ADDRESS.to_owned());
                shared.serve_kube(&mut record, refs.as_ref());
                store.cluster_mut(index).record = record;
            }
        }
        // Paths are normalised before routing (trailing slashes, paths without /v1).
        let app = tower::Layer::layer(&middleware::from_fn(normalize_path), router(shared.clone()));
        let in_process = Router::new().fallback_service(app.clone());
        let app = axum::ServiceExt::<Request>::into_make_service(app);
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let listener = listener::SanitizingListener(listener);
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = rx.await;
            });
            if let Err(e) = serve.await {
                tracing::error!(error = %e, "simulator server stopped");
            }
        });
        let ticking = shared.clone();
        let ticker = tokio::spawn(async move {
            let mut interval = tokio::time::interval(ticking.config.sync_interval);
            loop {
                interval.tick().await;
                ticking.sync_all().await;
            }
        });
        Ok(Self {
            addr,
            shared,
            in_process,
            shutdown: Some(tx),
            server: Some(server),
            ticker,
        })
    }

    /// Answers one request in-process — the same routes, middleware and state the listener
    /// serves, without a socket (for tests and fuzzing). Bytes a socket would sanitize (see the
    /// listener) arrive here as given.
    pub async fn handle(&self, request: axum::http::Request<axum::body::Body>) -> Response {
        use tower::Service;
        let mut service = self.in_process.clone();
        match service.call(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        }
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> &str {
        &self.shared.base
    }

    /// The Magnum endpoint (`…/v1`), as the catalog lists it.
    pub fn magnum_url(&self) -> String {
        format!("{}/v1", self.shared.base)
    }

    /// The Keystone endpoint to authenticate against (`…/identity/v3`).
    pub fn auth_url(&self) -> String {
        format!("{}/identity/v3", self.shared.base)
    }

    /// The first configured user.
    pub fn user(&self) -> Option<&SimUser> {
        self.shared.config.users.first()
    }

    /// The `OS_*` variables that log the first user in, in a fixed order that ends with
    /// `OS_PROJECT_DOMAIN_NAME` (readers may wait for that line).
    pub fn env(&self) -> Vec<(String, String)> {
        let Some(user) = self.user() else {
            return Vec::new();
        };
        [
            ("OS_AUTH_URL", self.auth_url()),
            ("OS_AUTH_TYPE", "password".to_owned()),
            ("OS_IDENTITY_API_VERSION", "3".to_owned()),
            ("OS_REGION_NAME", "RegionOne".to_owned()),
            ("OS_USERNAME", user.name.clone()),
            ("OS_PASSWORD", user.password.clone()),
            ("OS_PROJECT_NAME", user.project_name.clone()),
            ("OS_USER_DOMAIN_NAME", "Default".to_owned()),
            ("OS_PROJECT_DOMAIN_NAME", "Default".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// [`Self::env`] as `export` lines (for `eval`).
    pub fn env_exports(&self) -> String {
        self.env()
            .iter()
            .map(|(k, v)| format!("export {k}={v}\n"))
            .collect()
    }

    /// The first user's cloud configuration, as `OS_*` variables would give it — ready for
    /// `Client::from_cloud` or `KeystoneSession::from_cloud`.
    ///
    /// # Errors
    /// Only if the configured user is incomplete (`magnum_core::Error::Config`).
    pub fn cloud_config(&self) -> magnum_core::Result<magnum_core::config::CloudConfig> {
        magnum_core::config::load(
            &magnum_core::config::Sources::new(self.env().into_iter().collect(), Vec::new()),
            &magnum_core::config::Overrides::new(),
        )
    }

    /// Runs one status sync now (tests; the server also syncs every `sync_interval`).
    pub async fn sync_now(&self) {
        self.shared.sync_all().await;
    }

    /// How many clusters exist (all projects).
    pub async fn cluster_count(&self) -> usize {
        self.shared.store.lock().await.clusters().len()
    }

    /// How many live Kubernetes APIs are listening (one per ready Kubernetes cluster, up to
    /// [`SimulatorConfig::max_kube_apis`]).
    pub fn kube_api_count(&self) -> usize {
        self.shared.kube.count()
    }

    /// How many certificate objects the CA store holds.
    pub fn stored_certificates(&self) -> usize {
        self.shared.certs.len()
    }

    /// Stops serving and waits for the server task.
    pub async fn stop(mut self) {
        self.ticker.abort();
        self.shared.kube.stop_all();
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.ticker.abort();
        self.shared.kube.stop_all();
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// The caller of a `/v1` route: negotiated microversion and identity.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub version: Microversion,
    pub ctx: AuthContext,
}

impl Caller {
    /// Magnum's project-reader rule.
    pub fn read(&self, rule: &str) -> Result<(), ApiFault> {
        if !self.ctx.system && self.ctx.can_read() {
            Ok(())
        } else {
            Err(ApiFault::policy(rule))
        }
    }

    /// Magnum's project-member rule.
    pub fn write(&self, rule: &str) -> Result<(), ApiFault> {
        if !self.ctx.system && self.ctx.can_write() {
            Ok(())
        } else {
            Err(ApiFault::policy(rule))
        }
    }

    /// Magnum's admin rule.
    pub fn admin(&self, rule: &str) -> Result<(), ApiFault> {
        // Every Magnum policy is project-scoped: a system-scoped token is refused (with
        // `enforce_scope`, oslo.policy's InvalidScope becomes Magnum's PolicyNotAuthorized).
        if !self.ctx.system && self.ctx.is_admin() {
            Ok(())
        } else {
            Err(ApiFault::policy(rule))
        }
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Caller {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        let version = parts
            .extensions
            .get::<Microversion>()
            .copied()
            .unwrap_or(wire::MIN_VERSION);
        match parts.extensions.get::<AuthContext>() {
            Some(ctx) => Ok(Self {
                version,
                ctx: ctx.clone(),
            }),
            None => {
                let auth_url = parts
                    .extensions
                    .get::<AuthUrl>()
                    .map(|a| a.0.clone())
                    .unwrap_or_default();
                Err(wire::unauthorized(&auth_url))
            }
        }
    }
}

#[derive(Debug, Clone)]
struct AuthUrl(String);

/// Version negotiation, identity and the response headers of every `/v1` request.
async fn magnum_layer(State(shared): State<Arc<Shared>>, mut req: Request, next: Next) -> Response {
    let version = match wire::negotiate(req.headers()) {
        Negotiation::Version(v) => v,
        Negotiation::Malformed => return wire::malformed_version_response(),
        Negotiation::Unsupported(asked) => return wire::unsupported_version_response(&asked),
    };
    if let Some(ctx) = shared.identity.context(req.headers()) {
        req.extensions_mut().insert(ctx);
    }
    req.extensions_mut().insert(version);
    req.extensions_mut()
        .insert(AuthUrl(format!("{}/identity/v3", shared.base)));
    let writes = req.method() != axum::http::Method::GET;
    let mut response = next.run(req).await;
    if writes {
        // Answer only once the change is committed (kill -9 loses nothing acknowledged).
        let pending = shared.flush(&mut *shared.store.lock().await);
        if let (Some(seq), Some(file)) = (pending, &shared.state_file) {
            if let Err(e) = file.committed(seq).await {
                tracing::error!(error = %e, "a change was answered but could not be saved");
            }
        }
    }
    if response.status() != StatusCode::NOT_ACCEPTABLE {
        wire::stamp_versions(response.headers_mut(), &version.to_string());
    }
    if let Ok(id) = HeaderValue::from_str(&wire::request_id()) {
        response.headers_mut().insert("x-openstack-request-id", id);
    }
    response
}

/// Collections Magnum also serves without the `/v1` prefix (its `bookmark` links use that form).
const V1_COLLECTIONS: [&str; 8] = [
    "clustertemplates",
    "clusters",
    "certificates",
    "credentials",
    "quotas",
    "stats",
    "mservices",
    "federations",
];

/// Before routing: trailing slashes are stripped (Pecan tolerates them) and paths without
/// `/v1` are routed to v1, as Magnum does.
async fn normalize_path(mut req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let trimmed = if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    };
    let first = trimmed
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or("");
    let routed = if V1_COLLECTIONS.contains(&first) {
        format!("/v1{trimmed}")
    } else {
        trimmed.to_owned()
    };
    if routed != path {
        let rebuilt = match req.uri().query() {
            Some(query) => format!("{routed}?{query}"),
            None => routed,
        };
        if let Ok(uri) = rebuilt.parse() {
            *req.uri_mut() = uri;
        }
    }
    next.run(req).await
}

/// The simulated Glance / Nova / Neutron / Cinder routes need a valid token (401 otherwise, as
/// keystonemiddleware answers); the caller's identity is handed on as an extension.
async fn token_layer(State(shared): State<Arc<Shared>>, mut req: Request, next: Next) -> Response {
    match shared.identity.context(req.headers()) {
        Some(ctx) => {
            req.extensions_mut().insert(ctx);
            next.run(req).await
        }
        None => wire::unauthorized(&format!("{}/identity/v3", shared.base)),
    }
}

/// How much of an oversized body is read (and dropped) before the 413 is sent.
const DRAIN_BYTES: usize = 1 << 20;

async fn body_too_large(req: Request, next: Next) -> Response {
    // A declared length over the limit is refused before a byte of the body is read.
    let declared = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let identity = req.uri().path().starts_with("/identity");
    // The rest of the body is never read: say the connection closes, so a client does not
    // send its next request on a connection the server is about to drop.
    let too_large = || {
        let mut response = error_response(
            identity,
            StatusCode::PAYLOAD_TOO_LARGE,
            "Request is too large.",
        );
        response.headers_mut().insert(
            axum::http::header::CONNECTION,
            HeaderValue::from_static("close"),
        );
        response
    };
    if let Some(declared) = declared.filter(|n| *n > wire::MAX_BODY_BYTES as u64) {
        // Up to 1 MiB is read and thrown away first, so the client, still sending, gets the
        // answer instead of a reset; beyond that the connection is closed unread.
        if declared <= DRAIN_BYTES as u64 {
            let _ = axum::body::to_bytes(req.into_body(), DRAIN_BYTES).await;
        }
        return too_large();
    }
    let response = next.run(req).await;
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return too_large();
    }
    response
}

/// An error in the shape of the service at that path: Keystone's `error` under `/identity`,
/// Magnum's `errors[]` elsewhere.
fn error_response(identity: bool, status: StatusCode, detail: &str) -> Response {
    if identity {
        let body = serde_json::json!({"error": {"code": status.as_u16(),
            "title": status.canonical_reason().unwrap_or("Error"), "message": detail}});
        (status, axum::Json(body)).into_response()
    } else {
        ApiFault::new(status, detail).into_response()
    }
}

/// Every error the simulator answers carries a JSON body in the shape of the service it plays:
/// a rejection axum produced itself (an undecodable path segment or query, a method the route
/// does not serve: plain text or nothing) is rewritten into Magnum's `errors[]` (Keystone's
/// `error` under `/identity`), keeping its status. Magnum's own empty-detail 406 is already JSON.
async fn json_errors(req: Request, next: Next) -> Response {
    let identity = req.uri().path().starts_with("/identity");
    let response = next.run(req).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let detail = if text.is_empty() {
        status.canonical_reason().unwrap_or("Error").to_owned()
    } else {
        text
    };
    let mut rewritten = error_response(identity, status, &detail);
    for (name, value) in &parts.headers {
        if name != axum::http::header::CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            rewritten.headers_mut().insert(name.clone(), value.clone());
        }
    }
    rewritten
}

async fn not_found() -> Response {
    ApiFault::not_found("The resource could not be found.").into_response()
}

fn router(shared: Arc<Shared>) -> Router {
    use api_clusters as c;
    use api_misc as m;
    use api_templates as t;
    let v1 = Router::new()
        .route("/v1", get(m::v1_document))
        .route("/v1/clustertemplates", get(t::list).post(t::create))
        .route("/v1/clustertemplates/detail", get(t::list_detail))
        .route(
            "/v1/clustertemplates/{ident}",
            get(t::show).patch(t::update).delete(t::delete),
        )
        .route("/v1/clusters", get(c::list).post(c::create))
        .route("/v1/clusters/detail", get(c::list_detail))
        .route(
            "/v1/clusters/{ident}",
            get(c::show).patch(c::update).delete(c::delete),
        )
        .route("/v1/clusters/{ident}/actions/resize", post(c::resize))
        .route("/v1/clusters/{ident}/actions/upgrade", post(c::upgrade))
        .route(
            "/v1/clusters/{ident}/nodegroups",
            get(c::nodegroup_list).post(c::nodegroup_create),
        )
        .route(
            "/v1/clusters/{ident}/nodegroups/detail",
            get(c::nodegroup_list_detail),
        )
        .route(
            "/v1/clusters/{ident}/nodegroups/{ng}",
            get(c::nodegroup_show)
                .patch(c::nodegroup_update)
                .delete(c::nodegroup_delete),
        )
        .route("/v1/certificates", post(m::certificate_sign))
        .route(
            "/v1/certificates/{ident}",
            get(m::certificate_show).patch(m::certificate_rotate),
        )
        .route("/v1/credentials/{ident}", patch(m::credentials_rotate))
        .route("/v1/quotas", get(m::quota_list).post(m::quota_create))
        .route(
            "/v1/quotas/{project}/{resource}",
            get(m::quota_show)
                .patch(m::quota_update)
                .delete(m::quota_delete),
        )
        .route("/v1/stats", get(m::stats))
        .route("/v1/mservices", get(m::mservices))
        .route("/v1/federations", get(m::federations))
        .route_layer(middleware::from_fn_with_state(shared.clone(), magnum_layer));
    let mut cloud = Router::new()
        .route("/image/v2/images", get(api_cloud::images))
        .route("/image/v2/images/{id}", get(api_cloud::image))
        .route("/compute/v2.1/flavors/detail", get(api_cloud::flavors))
        .route(
            "/compute/v2.1/os-keypairs",
            get(keypairs::list).post(keypairs::create),
        )
        .route(
            "/compute/v2.1/os-keypairs/{name}",
            get(keypairs::show).delete(keypairs::delete),
        )
        .route("/network/v2.0/networks", get(api_cloud::networks))
        .route("/network/v2.0/subnets", get(api_cloud::subnets))
        .route("/network/v2.0/ports", get(api_cloud::ports))
        .route("/network/v2.0/routers/{id}", get(api_cloud::router))
        .route("/volume/v3/{project}/types", get(api_cloud::volume_types))
        .route("/compute/v2.1/limits", get(api_cloud::compute_limits))
        .route(
            "/compute/v2.1/os-availability-zone",
            get(api_cloud::availability_zones),
        )
        .route(
            "/volume/v3/{project}/os-availability-zone",
            get(api_cloud::availability_zones),
        )
        .route(
            "/network/v2.0/quotas/{project}/details",
            get(api_cloud::network_quotas),
        )
        .route("/volume/v3/{project}/limits", get(api_cloud::volume_limits))
        .route("/network/v2.0/floatingips", get(api_octavia::floating_ips))
        .route(
            "/network/v2.0/floatingips/{id}",
            delete(api_octavia::delete_floating_ip),
        );
    // Octavia serves its API under `v2.0` as well as `v2`.
    for octavia in ["/load-balancer/v2", "/load-balancer/v2.0"] {
        cloud = cloud
            .route(
                &format!("{octavia}/lbaas/providers"),
                get(api_cloud::load_balancer_providers),
            )
            .route(
                &format!("{octavia}/lbaas/quotas/{{project}}"),
                get(api_cloud::load_balancer_quotas),
            )
            .route(
                &format!("{octavia}/lbaas/loadbalancers"),
                get(api_octavia::load_balancers),
            )
            .route(
                &format!("{octavia}/lbaas/loadbalancers/{{id}}"),
                get(api_octavia::load_balancer).delete(api_octavia::delete_load_balancer),
            );
    }
    let cloud = cloud.route_layer(middleware::from_fn_with_state(shared.clone(), token_layer));
    // Each service's version discovery, unauthenticated, as the real services answer it.
    let discovery = Router::new()
        .route("/image", get(discovery::glance))
        .route("/image/versions", get(discovery::glance_versions))
        .route("/compute", get(discovery::nova))
        .route("/compute/v2.1", get(discovery::nova_v21_document))
        .route("/network", get(discovery::neutron))
        .route("/volume", get(discovery::cinder))
        .route("/volume/v3", get(discovery::cinder_v3))
        .route("/load-balancer", get(discovery::octavia));
    Router::new()
        .route("/", get(m::root_document))
        .route("/identity", get(m::identity_versions))
        .route("/identity/v3", get(m::identity_v3))
        .route(
            "/identity/v3/auth/tokens",
            post(m::token_issue)
                .get(m::token_validate)
                .delete(m::token_revoke),
        )
        .merge(discovery)
        .merge(cloud)
        .merge(v1)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(wire::MAX_BODY_BYTES))
        .layer(middleware::from_fn(body_too_large))
        .layer(middleware::from_fn(json_errors))
        .with_state(shared)
}

#[cfg(test)]
mod tests {
    use super::with_kube_note;

    #[test]
    fn the_no_kubernetes_api_note_is_not_repeated_across_restarts() {
        let first = with_kube_note("Stack CREATE completed successfully", "full");
        assert_eq!(
            first,
            "Stack CREATE completed successfully (no Kubernetes API: full)"
        );
        let again = with_kube_note(&with_kube_note(&first, "full"), "no CA");
        assert_eq!(
            again,
            "Stack CREATE completed successfully (no Kubernetes API: no CA)"
        );
        assert_eq!(with_kube_note("", "x"), " (no Kubernetes API: x)");
    }
}
