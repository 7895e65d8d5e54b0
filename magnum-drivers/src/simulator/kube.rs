//! A live, read-only Kubernetes API for every simulated Kubernetes cluster, on loopback.
//!
//! When a cluster reaches `CREATE_COMPLETE` the simulator listens on `127.0.0.1:<free port>`
//! over TLS and that URL becomes the cluster's `api_address`. The server certificate is issued
//! by the cluster's own CA (Magnum's signing policy, SAN `127.0.0.1`); a client authenticates
//! with a certificate signed by that CA — what `openstack coe cluster config` and
//! `magnum_core::access` produce. The TLS layer asks for a client certificate and checks that
//! the client holds its key; the chain is verified per request against the cluster's *current*
//! CA (rustls' `WebPkiClientVerifier`), so after a CA rotation old certificates get
//! Kubernetes' 401 `Status`, as does a request with no certificate or one from another CA.
//!
//! Served, with `k8s-openapi` objects: `/version` (the cluster's `coe_version`), `/healthz`,
//! `/readyz`, `/livez`, discovery (`/api`, `/api/v1`, `/apis`), nodes (one per simulated node,
//! named and labelled as Magnum's Heat driver names them, `Ready` following `health_status`),
//! namespaces and the pods a Magnum cluster runs (list and get, `fieldSelector` and
//! `labelSelector` equality terms). `?watch` is refused with a 405 `Status`, and so is every
//! write: the API server is read-only. Nodes are drawn from the cluster's current record, so
//! resizes and nodegroup changes show at once. Deleting the cluster closes the listener and
//! its connections. At most [`super::SimulatorConfig::max_kube_apis`] listeners run; clusters
//! beyond that get no API and say so in `status_reason`. Each listener serves at most 1,024
//! connections at once and gives a client 10 s for its TLS handshake.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1 as meta;
use magnum_core::ca::{CertifiedKey as CaKey, KeyType, PrivateKey, SigningPolicy};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::{ClientHello, ResolvesServerCert, WebPkiClientVerifier};
use rustls::sign::CertifiedKey;
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};
use serde::Serialize;

use super::Shared;
use crate::driver::ClusterRecord;
use magnum_core::types::{ClusterStatus, HealthStatus};

/// How long a client may take over the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Open connections one listener serves at a time; more are closed as they arrive.
const MAX_CONNECTIONS: usize = 1024;

/// The Kubernetes API servers of the simulated clusters.
#[derive(Debug)]
pub(crate) struct KubeApis {
    max: usize,
    servers: Mutex<HashMap<String, Served>>,
}

#[derive(Debug)]
struct Served {
    url: String,
    identity: Arc<RwLock<Identity>>,
    task: tokio::task::JoinHandle<()>,
}

/// What a listener presents and trusts; replaced on CA rotation.
struct Identity {
    server: Arc<CertifiedKey>,
    clients: Arc<dyn ClientCertVerifier>,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Identity { .. }")
    }
}

/// The outcome of [`KubeApis::start`].
#[derive(Debug)]
pub(crate) enum Started {
    /// Serving at this URL.
    Url(String),
    /// The bound is reached: no API for this cluster.
    Full(usize),
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// A server certificate for 127.0.0.1 issued by the cluster CA, and a verifier of client
/// certificates against that CA.
fn identity(ca: &CaKey) -> Result<Identity, String> {
    use x509_cert::der::Encode;
    use x509_cert::der::asn1::{ObjectIdentifier, OctetString};
    use x509_cert::ext::Extension;
    use x509_cert::ext::pkix::name::GeneralName;
    use x509_cert::ext::pkix::{ExtendedKeyUsage, SubjectAltName};

    let fail = |what: &str, e: &dyn std::fmt::Display| format!("kube-apiserver {what}: {e}");
    let key = PrivateKey::generate(KeyType::EcP256).map_err(|e| fail("key", &e))?;
    let ip = OctetString::new(vec![127, 0, 0, 1]).map_err(|e| fail("SAN", &e))?;
    let san = SubjectAltName(vec![GeneralName::IpAddress(ip)])
        .to_der()
        .map_err(|e| fail("SAN", &e))?;
    let server_auth = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.1");
    let eku = ExtendedKeyUsage(vec![server_auth])
        .to_der()
        .map_err(|e| fail("EKU", &e))?;
    let extension = |oid: &str, der: Vec<u8>| -> Result<Extension, String> {
        Ok(Extension {
            extn_id: ObjectIdentifier::new_unwrap(oid),
            critical: false,
            extn_value: OctetString::new(der).map_err(|e| fail("extension", &e))?,
        })
    };
    let subject = magnum_core::ca::cert::name(&[(magnum_core::ca::cert::CN, "kube-apiserver")])
        .map_err(|e| fail("name", &e))?;
    let csr = magnum_core::ca::build_csr(
        &key,
        &subject,
        vec![extension("2.5.29.17", san)?, extension("2.5.29.37", eku)?],
    )
    .map_err(|e| fail("CSR", &e))?;
    let signed = magnum_core::ca::sign_csr(&csr, ca, &SigningPolicy::new())
        .map_err(|e| fail("signing", &e))?;
    let provider = provider();
    let pem = key.to_pkcs8_pem().map_err(|e| fail("key", &e))?;
    let der = {
        use rustls::pki_types::pem::PemObject;
        use secrecy::ExposeSecret;
        PrivateKeyDer::from_pem_slice(pem.expose_secret().as_bytes())
            .map_err(|e| fail("key", &e))?
    };
    let signing = provider
        .key_provider
        .load_private_key(der)
        .map_err(|e| fail("key", &e))?;
    let chain = vec![
        CertificateDer::from(signed.certificate.der().to_vec()),
        CertificateDer::from(ca.certificate.der().to_vec()),
    ];
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from(ca.certificate.der().to_vec()))
        .map_err(|e| fail("CA", &e))?;
    let clients = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
        .build()
        .map_err(|e| fail("client verifier", &e))?;
    Ok(Identity {
        server: Arc::new(CertifiedKey::new(chain, signing)),
        clients,
    })
}

/// Presents the current server certificate (it changes on CA rotation).
#[derive(Debug)]
struct CurrentCert(Arc<RwLock<Identity>>);

impl ResolvesServerCert for CurrentCert {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.0.read().ok().map(|identity| identity.server.clone())
    }
}

/// Asks every client for a certificate and checks that it holds the key (the handshake
/// signature), but leaves the chain to the request layer, which answers Kubernetes' 401 —
/// as kube-apiserver does — instead of failing the handshake.
#[derive(Debug)]
struct AskForClientCert(Arc<rustls::crypto::CryptoProvider>);

impl ClientCertVerifier for AskForClientCert {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// The client certificates a connection presented.
#[derive(Debug, Clone)]
struct Peer(Arc<Vec<CertificateDer<'static>>>);

/// What every request of one listener knows.
#[derive(Clone)]
struct KubeState {
    shared: Weak<Shared>,
    cluster: String,
    identity: Arc<RwLock<Identity>>,
    port: u16,
}

impl KubeApis {
    /// At most `max` listeners.
    pub(crate) fn new(max: usize) -> Self {
        Self {
            max,
            servers: Mutex::new(HashMap::new()),
        }
    }

    /// The URL of a cluster's API, if it has one.
    pub(crate) fn url(&self, cluster: &str) -> Option<String> {
        self.servers
            .lock()
            .ok()?
            .get(cluster)
            .map(|served| served.url.clone())
    }

    /// Serves `cluster`'s API (again, if it already had one) with a certificate from `ca`.
    pub(crate) fn start(
        &self,
        shared: Weak<Shared>,
        cluster: &str,
        ca: &CaKey,
    ) -> Result<Started, String> {
        let mut servers = self
            .servers
            .lock()
            .map_err(|_| "kube API state poisoned".to_owned())?;
        if let Some(served) = servers.get(cluster) {
            return Ok(Started::Url(served.url.clone()));
        }
        if servers.len() >= self.max {
            return Ok(Started::Full(self.max));
        }
        let identity = Arc::new(RwLock::new(identity(ca)?));
        let std_listener = std::net::TcpListener::bind(("127.0.0.1", 0))
            .map_err(|e| format!("kube-apiserver listener: {e}"))?;
        std_listener
            .set_nonblocking(true)
            .map_err(|e| format!("kube-apiserver listener: {e}"))?;
        let port = std_listener
            .local_addr()
            .map_err(|e| format!("kube-apiserver listener: {e}"))?
            .port();
        let listener = tokio::net::TcpListener::from_std(std_listener)
            .map_err(|e| format!("kube-apiserver listener: {e}"))?;
        let provider = provider();
        let mut config = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("kube-apiserver TLS: {e}"))?
            .with_client_cert_verifier(Arc::new(AskForClientCert(provider)))
            .with_cert_resolver(Arc::new(CurrentCert(identity.clone())));
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let state = KubeState {
            shared,
            cluster: cluster.to_owned(),
            identity: identity.clone(),
            port,
        };
        let task = tokio::spawn(serve(listener, Arc::new(config), router(state)));
        let url = format!("https://127.0.0.1:{port}");
        servers.insert(
            cluster.to_owned(),
            Served {
                url: url.clone(),
                identity,
                task,
            },
        );
        Ok(Started::Url(url))
    }

    /// A new CA for `cluster`: a new server certificate, and only clients of the new CA.
    pub(crate) fn rotate(&self, cluster: &str, ca: &CaKey) -> Result<(), String> {
        let servers = self
            .servers
            .lock()
            .map_err(|_| "kube API state poisoned".to_owned())?;
        if let Some(served) = servers.get(cluster) {
            let fresh = identity(ca)?;
            if let Ok(mut current) = served.identity.write() {
                *current = fresh;
            }
        }
        Ok(())
    }

    /// Closes `cluster`'s listener and its connections.
    pub(crate) fn stop(&self, cluster: &str) {
        if let Ok(mut servers) = self.servers.lock() {
            if let Some(served) = servers.remove(cluster) {
                served.task.abort();
            }
        }
    }

    /// Closes every listener.
    pub(crate) fn stop_all(&self) {
        if let Ok(mut servers) = self.servers.lock() {
            for (_, served) in servers.drain() {
                served.task.abort();
            }
        }
    }

    /// How many listeners run.
    pub(crate) fn count(&self) -> usize {
        self.servers.lock().map(|s| s.len()).unwrap_or(0)
    }
}

/// Accepts TLS connections until aborted; aborting drops every connection too.
async fn serve(listener: tokio::net::TcpListener, config: Arc<rustls::ServerConfig>, app: Router) {
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    let mut connections = tokio::task::JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        let Ok((tcp, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        if connections.len() >= MAX_CONNECTIONS {
            drop(tcp);
            continue;
        }
        let acceptor = acceptor.clone();
        let app = app.clone();
        connections.spawn(async move {
            let Ok(Ok(tls)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await
            else {
                return;
            };
            let peer: Vec<CertificateDer<'static>> = tls
                .get_ref()
                .1
                .peer_certificates()
                .map(|certs| certs.iter().map(|c| c.clone().into_owned()).collect())
                .unwrap_or_default();
            let app = app.layer(axum::Extension(Peer(Arc::new(peer))));
            let service = hyper_util::service::TowerToHyperService::new(app);
            let _ =
                hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new())
                    .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                    .await;
        });
    }
}

fn router(state: KubeState) -> Router {
    Router::new()
        .route("/version", get(version))
        .route("/healthz", get(healthy))
        .route("/readyz", get(healthy))
        .route("/livez", get(healthy))
        .route("/api", get(api_versions))
        .route("/api/v1", get(api_resources))
        .route("/apis", get(api_groups))
        .route("/api/v1/nodes", get(list_nodes))
        .route("/api/v1/nodes/{name}", get(get_node))
        .route("/api/v1/namespaces", get(list_namespaces))
        .route("/api/v1/namespaces/{namespace}", get(get_namespace))
        .route("/api/v1/pods", get(list_all_pods))
        .route("/api/v1/namespaces/{namespace}/pods", get(list_pods))
        .route("/api/v1/namespaces/{namespace}/pods/{name}", get(get_pod))
        .route(
            "/api/v1/namespaces/{namespace}/pods/{name}/log",
            get(pod_log),
        )
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

/// Kubernetes' `Status` answer.
fn status(code: StatusCode, reason: &str, message: impl Into<String>) -> Response {
    let body = meta::Status {
        code: Some(i32::from(code.as_u16())),
        message: Some(message.into()),
        reason: Some(reason.to_owned()),
        status: Some("Failure".to_owned()),
        ..meta::Status::default()
    };
    (code, json(&body)).into_response()
}

/// A JSON body with Kubernetes' content type.
fn json<T: Serialize>(value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(bytes) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            bytes,
        )
            .into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// Authentication (a client certificate chaining to the cluster's current CA), then the
/// read-only and no-watch rules.
async fn guard(State(state): State<KubeState>, request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<Peer>().cloned();
    let verifier = state
        .identity
        .read()
        .ok()
        .map(|identity| identity.clients.clone());
    let authenticated = match (peer, verifier) {
        (Some(Peer(certs)), Some(verifier)) => certs.split_first().is_some_and(|(leaf, rest)| {
            verifier
                .verify_client_cert(leaf, rest, UnixTime::now())
                .is_ok()
        }),
        _ => false,
    };
    if !authenticated {
        return status(StatusCode::UNAUTHORIZED, "Unauthorized", "Unauthorized");
    }
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return status(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            format!(
                "the simulated API server is read-only: {} is not allowed",
                request.method()
            ),
        );
    }
    let watching = request.uri().query().is_some_and(|q| {
        q.split('&')
            .any(|pair| matches!(pair, "watch=true" | "watch=1" | "watch"))
    });
    if watching {
        return status(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "watch is not supported by the simulated API server",
        );
    }
    next.run(request).await
}

async fn not_found() -> Response {
    status(
        StatusCode::NOT_FOUND,
        "NotFound",
        "the server could not find the requested resource",
    )
}

async fn healthy() -> Response {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "ok").into_response()
}

/// The cluster as it is now, or the 503 a vanished cluster gets.
async fn cluster(state: &KubeState) -> Result<(ClusterRecord, String), Response> {
    let gone = || {
        status(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            "the cluster is gone",
        )
    };
    let shared = state.shared.upgrade().ok_or_else(gone)?;
    let store = shared.store.lock().await;
    store
        .clusters()
        .iter()
        .find(|row| row.record.uuid == state.cluster)
        .map(|row| (row.record.clone(), row.extra.created_at.clone()))
        .ok_or_else(gone)
}

async fn version(State(state): State<KubeState>) -> Response {
    let (record, _) = match cluster(&state).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let git_version = record.coe_version.unwrap_or_else(|| "v1.30.1".to_owned());
    let numbers: Vec<&str> = git_version
        .trim_start_matches('v')
        .split(['.', '-', '+'])
        .collect();
    json(&k8s_openapi::apimachinery::pkg::version::Info {
        major: numbers.first().copied().unwrap_or("1").to_owned(),
        minor: numbers.get(1).copied().unwrap_or("30").to_owned(),
        git_version: git_version.clone(),
        git_commit: "0000000000000000000000000000000000000000".to_owned(),
        git_tree_state: "clean".to_owned(),
        build_date: "2024-05-14T10:42:02Z".to_owned(),
        go_version: "go1.22.2".to_owned(),
        compiler: "gc".to_owned(),
        platform: "linux/amd64".to_owned(),
        ..Default::default()
    })
}

async fn api_versions(State(state): State<KubeState>) -> Response {
    json(&meta::APIVersions {
        versions: vec!["v1".to_owned()],
        server_address_by_client_cidrs: vec![meta::ServerAddressByClientCIDR {
            client_cidr: "0.0.0.0/0".to_owned(),
            server_address: format!("127.0.0.1:{}", state.port),
        }],
    })
}

async fn api_groups() -> Response {
    json(&meta::APIGroupList { groups: vec![] })
}

async fn api_resources() -> Response {
    let resource = |name: &str, kind: &str, namespaced: bool, short: &[&str]| meta::APIResource {
        name: name.to_owned(),
        singular_name: kind.to_lowercase(),
        namespaced,
        kind: kind.to_owned(),
        verbs: vec!["get".to_owned(), "list".to_owned()],
        short_names: Some(short.iter().map(|s| (*s).to_owned()).collect()),
        ..meta::APIResource::default()
    };
    let mut pods = resource("pods", "Pod", true, &["po"]);
    pods.categories = Some(vec!["all".to_owned()]);
    let log = meta::APIResource {
        name: "pods/log".to_owned(),
        kind: "Pod".to_owned(),
        namespaced: true,
        verbs: vec!["get".to_owned()],
        ..meta::APIResource::default()
    };
    json(&meta::APIResourceList {
        group_version: "v1".to_owned(),
        resources: vec![
            resource("namespaces", "Namespace", false, &["ns"]),
            resource("nodes", "Node", false, &["no"]),
            pods,
            log,
        ],
    })
}

/// `fieldSelector` / `labelSelector` equality terms (`k=v`, `k==v`, `k!=v`; a bare label key
/// means "has the label").
#[derive(Debug, Default)]
struct Selector {
    terms: Vec<(String, Option<String>, bool)>,
}

impl Selector {
    fn parse(text: Option<&String>) -> Self {
        let terms = text
            .map(|t| t.split(',').filter(|term| !term.is_empty()))
            .into_iter()
            .flatten()
            .map(|term| {
                if let Some((k, v)) = term.split_once("!=") {
                    (k.trim().to_owned(), Some(v.trim().to_owned()), false)
                } else if let Some((k, v)) = term.split_once("==").or_else(|| term.split_once('='))
                {
                    (k.trim().to_owned(), Some(v.trim().to_owned()), true)
                } else {
                    (term.trim().to_owned(), None, true)
                }
            })
            .collect();
        Self { terms }
    }

    fn matches(&self, lookup: impl Fn(&str) -> Option<String>) -> bool {
        self.terms.iter().all(|(key, value, equal)| {
            let found = lookup(key);
            match value {
                None => found.is_some() == *equal,
                Some(v) => (found.as_deref() == Some(v.as_str())) == *equal,
            }
        })
    }
}

/// The field selector keys a resource supports (others are Kubernetes' 400).
fn check_fields(selector: &Selector, allowed: &[&str]) -> Option<Response> {
    selector
        .terms
        .iter()
        .find(|(key, _, _)| !allowed.contains(&key.as_str()))
        .map(|(key, _, _)| {
            status(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                format!("field label not supported: {key}"),
            )
        })
}

/// A list, or — when the client asks for one, as `kubectl get` does — a `Table`.
fn list<T: Serialize + k8s_openapi::ListableResource + Tabular>(
    AsTable(table): AsTable,
    items: Vec<T>,
) -> Response {
    if table {
        return json(&Table::of(&items));
    }
    json(&k8s_openapi::List {
        items,
        metadata: meta::ListMeta {
            resource_version: Some("1".to_owned()),
            ..meta::ListMeta::default()
        },
    })
}

/// One object, or a one-row `Table`.
fn one<T: Serialize + Tabular>(AsTable(table): AsTable, item: T) -> Response {
    if table {
        json(&Table::of(std::slice::from_ref(&item)))
    } else {
        json(&item)
    }
}

async fn list_nodes(
    State(state): State<KubeState>,
    as_table: AsTable,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let (record, created) = match cluster(&state).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let fields = Selector::parse(query.get("fieldSelector"));
    if let Some(response) = check_fields(&fields, &["metadata.name"]) {
        return response;
    }
    let labels = Selector::parse(query.get("labelSelector"));
    let items = nodes(&record, &created)
        .into_iter()
        .filter(|n| fields.matches(|_| n.metadata.name.clone()))
        .filter(|n| labels.matches(|k| label(&n.metadata, k)))
        .collect();
    list::<core::Node>(as_table, items)
}

async fn get_node(
    State(state): State<KubeState>,
    as_table: AsTable,
    Path(name): Path<String>,
) -> Response {
    let (record, created) = match cluster(&state).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    match nodes(&record, &created)
        .into_iter()
        .find(|n| n.metadata.name.as_deref() == Some(name.as_str()))
    {
        Some(node) => one(as_table, node),
        None => missing("nodes", &name),
    }
}

async fn list_namespaces(State(state): State<KubeState>, as_table: AsTable) -> Response {
    match cluster(&state).await {
        Ok((_, created)) => list::<core::Namespace>(as_table, namespaces(&created)),
        Err(response) => response,
    }
}

async fn get_namespace(
    State(state): State<KubeState>,
    as_table: AsTable,
    Path(name): Path<String>,
) -> Response {
    let (_, created) = match cluster(&state).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    match namespaces(&created)
        .into_iter()
        .find(|n| n.metadata.name.as_deref() == Some(name.as_str()))
    {
        Some(namespace) => one(as_table, namespace),
        None => missing("namespaces", &name),
    }
}

async fn pods_in(
    state: &KubeState,
    as_table: AsTable,
    namespace: Option<&str>,
    query: &HashMap<String, String>,
) -> Response {
    let (record, created) = match cluster(state).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let fields = Selector::parse(query.get("fieldSelector"));
    if let Some(response) = check_fields(
        &fields,
        &[
            "metadata.name",
            "metadata.namespace",
            "spec.nodeName",
            "status.phase",
        ],
    ) {
        return response;
    }
    let labels = Selector::parse(query.get("labelSelector"));
    let items = pods(&record, &created)
        .into_iter()
        .filter(|p| namespace.is_none_or(|ns| p.metadata.namespace.as_deref() == Some(ns)))
        .filter(|p| fields.matches(|k| pod_field(p, k)))
        .filter(|p| labels.matches(|k| label(&p.metadata, k)))
        .collect();
    list::<core::Pod>(as_table, items)
}

async fn list_all_pods(
    State(state): State<KubeState>,
    as_table: AsTable,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    pods_in(&state, as_table, None, &query).await
}

async fn list_pods(
    State(state): State<KubeState>,
    as_table: AsTable,
    Path(namespace): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    pods_in(&state, as_table, Some(&namespace), &query).await
}

async fn get_pod(
    State(state): State<KubeState>,
    as_table: AsTable,
    Path((namespace, name)): Path<(String, String)>,
) -> Response {
    let (record, created) = match cluster(&state).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    match find_pod(&record, &created, &namespace, &name) {
        Some(pod) => one(as_table, pod),
        None => missing("pods", &name),
    }
}

/// The pod `namespace/name` of the cluster, if it runs one.
fn find_pod(
    record: &ClusterRecord,
    created: &str,
    namespace: &str,
    name: &str,
) -> Option<core::Pod> {
    pods(record, created).into_iter().find(|p| {
        p.metadata.namespace.as_deref() == Some(namespace)
            && p.metadata.name.as_deref() == Some(name)
    })
}

/// Kubernetes' 404 for an object of `kind` (plural) called `name`.
fn missing(kind: &str, name: &str) -> Response {
    status(
        StatusCode::NOT_FOUND,
        "NotFound",
        format!("{kind} \"{name}\" not found"),
    )
}

/// A container's log: one line saying where the simulated container runs.
async fn pod_log(
    State(state): State<KubeState>,
    Path((namespace, name)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let (record, created) = match cluster(&state).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Some(pod) = find_pod(&record, &created, &namespace, &name) else {
        return missing("pods", &name);
    };
    let containers: Vec<String> = pod
        .spec
        .as_ref()
        .map(|s| s.containers.iter().map(|c| c.name.clone()).collect())
        .unwrap_or_default();
    let container = query
        .get("container")
        .cloned()
        .or_else(|| containers.first().cloned())
        .unwrap_or_default();
    if !containers.contains(&container) {
        return status(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            format!("container {container} is not valid for pod {name}"),
        );
    }
    if query.get("previous").is_some_and(|p| p == "true") {
        return status(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            format!("previous terminated container \"{container}\" in pod \"{name}\" not found"),
        );
    }
    let node = pod.spec.and_then(|s| s.node_name).unwrap_or_default();
    (
        [(header::CONTENT_TYPE, "text/plain")],
        format!("magnum-sim: container {container} of pod {namespace}/{name} runs on {node}\n"),
    )
        .into_response()
}

fn label(metadata: &meta::ObjectMeta, key: &str) -> Option<String> {
    metadata.labels.as_ref()?.get(key).cloned()
}

fn pod_field(pod: &core::Pod, key: &str) -> Option<String> {
    match key {
        "metadata.name" => pod.metadata.name.clone(),
        "metadata.namespace" => pod.metadata.namespace.clone(),
        "spec.nodeName" => pod.spec.as_ref()?.node_name.clone(),
        "status.phase" => pod.status.as_ref()?.phase.clone(),
        _ => None,
    }
}

/// A timestamp for objects: the cluster's creation time, Magnum's
/// `2026-12-02T04:12:00.000000+00:00` parsed into the type k8s-openapi uses.
fn timestamp(created: &str) -> Option<meta::Time> {
    created.parse().ok().map(meta::Time)
}

fn uid(seed: &str) -> String {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, seed.as_bytes()).to_string()
}

/// One simulated node: the name Magnum's Heat driver gives it, its nodegroup and role.
struct SimNode {
    name: String,
    nodegroup: String,
    master: bool,
    address: Option<String>,
    flavor: Option<String>,
}

fn sim_nodes(record: &ClusterRecord) -> Vec<SimNode> {
    let short =
        magnum_core::ca::short_id_from_uuid(&record.uuid).unwrap_or_else(|_| "cluster".to_owned());
    let mut out = Vec::new();
    for ng in &record.nodegroups {
        if ng.status == ClusterStatus::DeleteInProgress {
            continue;
        }
        let master = ng.is_master();
        let infix = match (master, ng.name.as_str()) {
            (true, _) => "master".to_owned(),
            (false, "default-worker") => "node".to_owned(),
            (false, other) => other.to_owned(),
        };
        for i in 0..ng.node_count {
            out.push(SimNode {
                name: format!("{}-{short}-{infix}-{i}", record.name).to_lowercase(),
                nodegroup: ng.name.clone(),
                master,
                address: ng.node_addresses.get(i as usize).cloned(),
                flavor: ng.flavor_id.clone(),
            });
        }
    }
    out
}

fn nodes(record: &ClusterRecord, created: &str) -> Vec<core::Node> {
    let ready = match record.health_status {
        Some(HealthStatus::Healthy) => "True",
        Some(HealthStatus::Unhealthy) => "False",
        _ => "Unknown",
    };
    let kubelet = record
        .coe_version
        .clone()
        .unwrap_or_else(|| "v1.30.1".to_owned());
    sim_nodes(record)
        .into_iter()
        .map(|n| {
            let mut labels = BTreeMap::from([
                ("kubernetes.io/hostname".to_owned(), n.name.clone()),
                ("kubernetes.io/os".to_owned(), "linux".to_owned()),
                ("kubernetes.io/arch".to_owned(), "amd64".to_owned()),
                (
                    "magnum.openstack.org/nodegroup".to_owned(),
                    n.nodegroup.clone(),
                ),
                (
                    "magnum.openstack.org/role".to_owned(),
                    if n.master { "master" } else { "worker" }.to_owned(),
                ),
            ]);
            if let Some(flavor) = &n.flavor {
                labels.insert(
                    "node.kubernetes.io/instance-type".to_owned(),
                    flavor.clone(),
                );
            }
            if n.master {
                labels.insert(
                    "node-role.kubernetes.io/control-plane".to_owned(),
                    String::new(),
                );
            }
            let mut addresses = vec![core::NodeAddress {
                type_: "Hostname".to_owned(),
                address: n.name.clone(),
            }];
            if let Some(ip) = &n.address {
                addresses.insert(
                    0,
                    core::NodeAddress {
                        type_: "InternalIP".to_owned(),
                        address: ip.clone(),
                    },
                );
            }
            let capacity = BTreeMap::from([
                ("cpu".to_owned(), Quantity("2".to_owned())),
                ("memory".to_owned(), Quantity("4026532Ki".to_owned())),
                ("pods".to_owned(), Quantity("110".to_owned())),
            ]);
            core::Node {
                metadata: meta::ObjectMeta {
                    name: Some(n.name.clone()),
                    uid: Some(uid(&format!("{}/{}", record.uuid, n.name))),
                    labels: Some(labels),
                    creation_timestamp: timestamp(created),
                    resource_version: Some("1".to_owned()),
                    ..meta::ObjectMeta::default()
                },
                spec: Some(core::NodeSpec {
                    provider_id: Some(format!(
                        "openstack:///{}",
                        uid(&format!("server/{}/{}", record.uuid, n.name))
                    )),
                    taints: n.master.then(|| {
                        vec![core::Taint {
                            key: "node-role.kubernetes.io/control-plane".to_owned(),
                            effect: "NoSchedule".to_owned(),
                            ..core::Taint::default()
                        }]
                    }),
                    ..core::NodeSpec::default()
                }),
                status: Some(core::NodeStatus {
                    addresses: Some(addresses),
                    allocatable: Some(capacity.clone()),
                    capacity: Some(capacity),
                    conditions: Some(vec![core::NodeCondition {
                        type_: "Ready".to_owned(),
                        status: ready.to_owned(),
                        reason: Some(
                            if ready == "True" {
                                "KubeletReady"
                            } else {
                                "NodeStatusUnknown"
                            }
                            .to_owned(),
                        ),
                        message: Some(
                            if ready == "True" {
                                "kubelet is posting ready status"
                            } else {
                                "the cluster's health_status is not HEALTHY"
                            }
                            .to_owned(),
                        ),
                        last_heartbeat_time: timestamp(created),
                        last_transition_time: timestamp(created),
                    }]),
                    node_info: Some(core::NodeSystemInfo {
                        architecture: "amd64".to_owned(),
                        boot_id: uid(&format!("boot/{}", n.name)),
                        container_runtime_version: "containerd://1.7.20".to_owned(),
                        kernel_version: "6.8.9-300.fc40.x86_64".to_owned(),
                        kube_proxy_version: kubelet.clone(),
                        kubelet_version: kubelet.clone(),
                        machine_id: uid(&format!("machine/{}", n.name)).replace('-', ""),
                        operating_system: "linux".to_owned(),
                        os_image: "Fedora CoreOS 40.20240504.3.0".to_owned(),
                        system_uuid: uid(&format!("system/{}", n.name)),
                        ..core::NodeSystemInfo::default()
                    }),
                    ..core::NodeStatus::default()
                }),
            }
        })
        .collect()
}

fn namespaces(created: &str) -> Vec<core::Namespace> {
    [
        "default",
        "kube-node-lease",
        "kube-public",
        "kube-system",
        "kubernetes-dashboard",
    ]
    .into_iter()
    .map(|name| core::Namespace {
        metadata: meta::ObjectMeta {
            name: Some(name.to_owned()),
            uid: Some(uid(&format!("namespace/{name}"))),
            labels: Some(BTreeMap::from([(
                "kubernetes.io/metadata.name".to_owned(),
                name.to_owned(),
            )])),
            creation_timestamp: timestamp(created),
            resource_version: Some("1".to_owned()),
            ..meta::ObjectMeta::default()
        },
        status: Some(core::NamespaceStatus {
            phase: Some("Active".to_owned()),
            ..core::NamespaceStatus::default()
        }),
        ..core::Namespace::default()
    })
    .collect()
}

/// The pods a Magnum Kubernetes cluster runs: per node (calico, the Cinder CSI node plugin),
/// per master (the OpenStack cloud controller, keystone auth), and the cluster-wide ones.
fn pods(record: &ClusterRecord, created: &str) -> Vec<core::Pod> {
    let nodes = sim_nodes(record);
    let first_master = nodes.iter().find(|n| n.master).or(nodes.first());
    let first_worker = nodes.iter().find(|n| !n.master).or(first_master);
    let short = |seed: &str| uid(&format!("{}/{seed}", record.uuid))[..5].to_owned();
    let mut wanted: Vec<(&str, String, &str, String, &SimNode)> = Vec::new();
    for node in &nodes {
        wanted.push((
            "kube-system",
            format!("calico-node-{}", short(&node.name)),
            "calico-node",
            "quay.io/calico/node:v3.26.4".to_owned(),
            node,
        ));
        wanted.push((
            "kube-system",
            format!(
                "csi-cinder-nodeplugin-{}",
                short(&format!("csi/{}", node.name))
            ),
            "cinder-csi-plugin",
            "registry.k8s.io/provider-os/cinder-csi-plugin:v1.30.0".to_owned(),
            node,
        ));
        if node.master {
            wanted.push((
                "kube-system",
                format!(
                    "openstack-cloud-controller-manager-{}",
                    short(&format!("occm/{}", node.name))
                ),
                "openstack-cloud-controller-manager",
                "registry.k8s.io/provider-os/openstack-cloud-controller-manager:v1.30.0".to_owned(),
                node,
            ));
            wanted.push((
                "kube-system",
                format!("k8s-keystone-auth-{}", short(&format!("ksa/{}", node.name))),
                "k8s-keystone-auth",
                "registry.k8s.io/provider-os/k8s-keystone-auth:v1.30.0".to_owned(),
                node,
            ));
        }
    }
    if let (Some(master), Some(worker)) = (first_master, first_worker) {
        for (namespace, name, app, image, node) in [
            (
                "kube-system",
                "coredns-7c8f7d7d5b-",
                "kube-dns",
                "coredns/coredns:1.11.1",
                worker,
            ),
            (
                "kube-system",
                "calico-kube-controllers-6d8b4f9f6c-",
                "calico-kube-controllers",
                "quay.io/calico/kube-controllers:v3.26.4",
                master,
            ),
            (
                "kube-system",
                "csi-cinder-controllerplugin-5c6c8b7b9d-",
                "csi-cinder-controllerplugin",
                "registry.k8s.io/provider-os/cinder-csi-plugin:v1.30.0",
                worker,
            ),
            (
                "kube-system",
                "metrics-server-7bcd56d9c-",
                "metrics-server",
                "registry.k8s.io/metrics-server/metrics-server:v0.7.1",
                worker,
            ),
            (
                "kube-system",
                "kube-dns-autoscaler-6b8c8f9d4-",
                "kube-dns-autoscaler",
                "registry.k8s.io/cpa/cluster-proportional-autoscaler:v1.8.9",
                worker,
            ),
            (
                "kubernetes-dashboard",
                "kubernetes-dashboard-6f9c7d8b5-",
                "kubernetes-dashboard",
                "kubernetesui/dashboard:v2.7.0",
                worker,
            ),
            (
                "kubernetes-dashboard",
                "dashboard-metrics-scraper-5d9c8b7f6-",
                "dashboard-metrics-scraper",
                "kubernetesui/metrics-scraper:v1.0.8",
                worker,
            ),
        ] {
            wanted.push((
                namespace,
                format!("{name}{}", short(name)),
                app,
                image.to_owned(),
                node,
            ));
        }
    }
    wanted
        .into_iter()
        .enumerate()
        .map(|(index, (namespace, name, app, image, node))| {
            let container = app.to_owned();
            core::Pod {
                metadata: meta::ObjectMeta {
                    name: Some(name.clone()),
                    namespace: Some(namespace.to_owned()),
                    uid: Some(uid(&format!("{}/{namespace}/{name}", record.uuid))),
                    labels: Some(BTreeMap::from([("k8s-app".to_owned(), app.to_owned())])),
                    creation_timestamp: timestamp(created),
                    resource_version: Some("1".to_owned()),
                    ..meta::ObjectMeta::default()
                },
                spec: Some(core::PodSpec {
                    node_name: Some(node.name.clone()),
                    containers: vec![core::Container {
                        name: container.clone(),
                        image: Some(image.clone()),
                        ..core::Container::default()
                    }],
                    ..core::PodSpec::default()
                }),
                status: Some(core::PodStatus {
                    phase: Some("Running".to_owned()),
                    host_ip: node.address.clone(),
                    pod_ip: Some(format!("127.100.{}.{}", index / 250 % 256, index % 250 + 1)),
                    start_time: timestamp(created),
                    conditions: Some(vec![core::PodCondition {
                        type_: "Ready".to_owned(),
                        status: "True".to_owned(),
                        ..core::PodCondition::default()
                    }]),
                    container_statuses: Some(vec![core::ContainerStatus {
                        name: container,
                        image: image.clone(),
                        image_id: format!("{image}@sha256:{}", "0".repeat(64)),
                        ready: true,
                        started: Some(true),
                        restart_count: 0,
                        state: Some(core::ContainerState {
                            running: Some(core::ContainerStateRunning {
                                started_at: timestamp(created),
                            }),
                            ..core::ContainerState::default()
                        }),
                        ..core::ContainerStatus::default()
                    }]),
                    ..core::PodStatus::default()
                }),
            }
        })
        .collect()
}

/// Does the client ask for a `Table` (`Accept: application/json;as=Table;…`, as `kubectl get`)?
#[derive(Debug, Clone, Copy)]
struct AsTable(bool);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for AsTable {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        let wanted = parts
            .headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|accept| accept.contains("as=Table"));
        Ok(Self(wanted))
    }
}

/// `meta.k8s.io/v1` `Table` (not among k8s-openapi's types): what kube-apiserver prints for
/// `kubectl get`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Table {
    kind: &'static str,
    api_version: &'static str,
    metadata: meta::ListMeta,
    column_definitions: Vec<Column>,
    rows: Vec<Row>,
}

#[derive(Serialize)]
struct Column {
    name: &'static str,
    #[serde(rename = "type")]
    type_: &'static str,
    format: &'static str,
    description: &'static str,
    priority: i32,
}

#[derive(Serialize)]
struct Row {
    cells: Vec<String>,
    object: PartialObject,
}

/// The row's object as `PartialObjectMetadata` (kube-apiserver's default `includeObject`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PartialObject {
    kind: &'static str,
    api_version: &'static str,
    metadata: meta::ObjectMeta,
}

/// An object kube-apiserver prints as table rows.
trait Tabular {
    /// (name, priority): priority 1 columns show with `-o wide`.
    fn columns() -> Vec<(&'static str, i32)>;
    /// The cells, `age` already formatted.
    fn cells(&self, age: String) -> Vec<String>;
    fn metadata(&self) -> &meta::ObjectMeta;
}

impl Table {
    fn of<T: Tabular>(items: &[T]) -> Self {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        Self {
            kind: "Table",
            api_version: "meta.k8s.io/v1",
            metadata: meta::ListMeta {
                resource_version: Some("1".to_owned()),
                ..meta::ListMeta::default()
            },
            column_definitions: T::columns()
                .into_iter()
                .map(|(name, priority)| Column {
                    name,
                    type_: "string",
                    format: if name == "Name" { "name" } else { "" },
                    description: "",
                    priority,
                })
                .collect(),
            rows: items
                .iter()
                .map(|item| {
                    let age = item
                        .metadata()
                        .creation_timestamp
                        .as_ref()
                        .map(|t| human_duration(now.saturating_sub(t.0.as_second())))
                        .unwrap_or_else(|| "<unknown>".to_owned());
                    Row {
                        cells: item.cells(age),
                        object: PartialObject {
                            kind: "PartialObjectMetadata",
                            api_version: "meta.k8s.io/v1",
                            metadata: item.metadata().clone(),
                        },
                    }
                })
                .collect(),
        }
    }
}

/// kubectl's short ages (`45s`, `5m12s`, `17m`, `3h4m`, `9h`, `2d3h`, `12d`).
fn human_duration(seconds: i64) -> String {
    let s = seconds.max(0);
    let (m, h, d) = (s / 60, s / 3600, s / 86_400);
    match s {
        _ if s < 120 => format!("{s}s"),
        _ if m < 10 => format!("{m}m{}s", s % 60),
        _ if h < 3 => format!("{m}m"),
        _ if h < 8 => format!("{h}h{}m", m % 60),
        _ if h < 48 => format!("{h}h"),
        _ if d < 8 => format!("{d}d{}h", h % 24),
        _ => format!("{d}d"),
    }
}

fn none_if_empty(text: Option<String>) -> String {
    text.filter(|t| !t.is_empty())
        .unwrap_or_else(|| "<none>".to_owned())
}

impl Tabular for core::Node {
    fn columns() -> Vec<(&'static str, i32)> {
        vec![
            ("Name", 0),
            ("Status", 0),
            ("Roles", 0),
            ("Age", 0),
            ("Version", 0),
            ("Internal-IP", 1),
            ("External-IP", 1),
            ("OS-Image", 1),
            ("Kernel-Version", 1),
            ("Container-Runtime", 1),
        ]
    }

    fn cells(&self, age: String) -> Vec<String> {
        let status = self.status.as_ref();
        let ready = status
            .and_then(|s| s.conditions.as_ref())
            .and_then(|c| c.iter().find(|c| c.type_ == "Ready"))
            .map(|c| c.status.as_str());
        let roles: Vec<&str> = self
            .metadata
            .labels
            .iter()
            .flatten()
            .filter_map(|(k, _)| k.strip_prefix("node-role.kubernetes.io/"))
            .collect();
        let address = |kind: &str| {
            status
                .and_then(|s| s.addresses.as_ref())
                .and_then(|a| a.iter().find(|a| a.type_ == kind))
                .map(|a| a.address.clone())
        };
        let info = status.and_then(|s| s.node_info.as_ref());
        vec![
            self.metadata.name.clone().unwrap_or_default(),
            match ready {
                Some("True") => "Ready",
                Some("False") => "NotReady",
                _ => "Unknown",
            }
            .to_owned(),
            none_if_empty(Some(roles.join(","))),
            age,
            info.map(|i| i.kubelet_version.clone()).unwrap_or_default(),
            none_if_empty(address("InternalIP")),
            none_if_empty(address("ExternalIP")),
            info.map(|i| i.os_image.clone()).unwrap_or_default(),
            info.map(|i| i.kernel_version.clone()).unwrap_or_default(),
            info.map(|i| i.container_runtime_version.clone())
                .unwrap_or_default(),
        ]
    }

    fn metadata(&self) -> &meta::ObjectMeta {
        &self.metadata
    }
}

impl Tabular for core::Pod {
    fn columns() -> Vec<(&'static str, i32)> {
        vec![
            ("Name", 0),
            ("Ready", 0),
            ("Status", 0),
            ("Restarts", 0),
            ("Age", 0),
            ("IP", 1),
            ("Node", 1),
            ("Nominated Node", 1),
            ("Readiness Gates", 1),
        ]
    }

    fn cells(&self, age: String) -> Vec<String> {
        let status = self.status.as_ref();
        let statuses = status
            .and_then(|s| s.container_statuses.as_deref())
            .unwrap_or_default();
        let ready = statuses.iter().filter(|c| c.ready).count();
        let restarts: i32 = statuses.iter().map(|c| c.restart_count).sum();
        vec![
            self.metadata.name.clone().unwrap_or_default(),
            format!("{ready}/{}", statuses.len()),
            status.and_then(|s| s.phase.clone()).unwrap_or_default(),
            restarts.to_string(),
            age,
            none_if_empty(status.and_then(|s| s.pod_ip.clone())),
            none_if_empty(self.spec.as_ref().and_then(|s| s.node_name.clone())),
            "<none>".to_owned(),
            "<none>".to_owned(),
        ]
    }

    fn metadata(&self) -> &meta::ObjectMeta {
        &self.metadata
    }
}

impl Tabular for core::Namespace {
    fn columns() -> Vec<(&'static str, i32)> {
        vec![("Name", 0), ("Status", 0), ("Age", 0)]
    }

    fn cells(&self, age: String) -> Vec<String> {
        vec![
            self.metadata.name.clone().unwrap_or_default(),
            self.status
                .as_ref()
                .and_then(|s| s.phase.clone())
                .unwrap_or_default(),
            age,
        ]
    }

    fn metadata(&self) -> &meta::ObjectMeta {
        &self.metadata
    }
}

#[cfg(test)]
mod tests {
    use super::human_duration;

    #[test]
    fn ages_print_as_kubectl_prints_them() {
        assert_eq!(human_duration(-5), "0s");
        assert_eq!(human_duration(45), "45s");
        assert_eq!(human_duration(312), "5m12s");
        assert_eq!(human_duration(17 * 60 + 3), "17m");
        assert_eq!(human_duration(3 * 3600 + 4 * 60), "3h4m");
        assert_eq!(human_duration(9 * 3600), "9h");
        assert_eq!(human_duration(2 * 86_400 + 3 * 3600), "2d3h");
        assert_eq!(human_duration(12 * 86_400), "12d");
    }
}
