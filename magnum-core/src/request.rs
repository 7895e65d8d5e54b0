//! Requests as values: [`ApiRequest`] (method, path segments, query, JSON body and the lowest
//! microversion the call needs), the [`Resource`] trait that lets one generic CRUD
//! implementation serve every resource, and pure builders for every v1 operation and action.
//!
//! Nothing here performs I/O; `client` only sends what these functions build, so every request
//! shape is unit-testable without a server.

use http::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::{Error, Result};
use crate::ids::{NameOrId, QuotaKey};
use crate::microversion::Microversion;
use crate::types::{
    CaCertType, Cluster, ClusterCreate, ClusterTemplate, ClusterTemplateCreate,
    ClusterTemplateUpdate, ClusterUpdate, Federation, FederationCreate, FederationUpdate,
    NodeGroup, NodeGroupCreate, NodeGroupRole, NodeGroupUpdate, Quota, QuotaSpec, ResizeRequest,
    SignRequest, UpgradeRequest, UuidRef,
};

/// A Magnum endpoint, normalised: `http://host:9511`, `http://host:9511/v1/` and
/// `https://host/container-infra/v1` all work (like python-magnumclient, a trailing `/v1` is
/// stripped and added back per call).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    root: Url,
}

impl Endpoint {
    /// Parses and normalises an endpoint URL.
    ///
    /// # Errors
    /// [`Error::Config`] for a non-HTTP(S) or unparsable URL.
    pub fn parse(text: &str) -> Result<Self> {
        let url = Url::parse(text.trim())
            .map_err(|e| Error::Config(format!("invalid Magnum endpoint {text:?}: {e}")))?;
        Self::from_url(url)
    }

    /// Normalises an already-parsed URL.
    ///
    /// # Errors
    /// [`Error::Config`] for a non-HTTP(S) URL.
    pub fn from_url(mut url: Url) -> Result<Self> {
        if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
            return Err(Error::Config(format!(
                "invalid Magnum endpoint {url}: expected an http(s) URL"
            )));
        }
        url.set_query(None);
        url.set_fragment(None);
        let mut segments: Vec<String> = url
            .path_segments()
            .map(|s| s.filter(|p| !p.is_empty()).map(str::to_owned).collect())
            .unwrap_or_default();
        if segments.last().is_some_and(|last| last == "v1") {
            segments.pop();
        }
        url.set_path(&segments.join("/"));
        Ok(Self { root: url })
    }

    /// The root (versions document) URL, ending in `/`.
    pub fn root(&self) -> Url {
        let mut url = self.root.clone();
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        url
    }

    /// The URL of `/v1/<segments…>`, each segment percent-encoded.
    pub fn v1_url(&self, segments: &[String], query: &[(String, String)]) -> Url {
        let mut url = self.root.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().push("v1");
            for segment in segments {
                path.push(segment);
            }
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }
}

/// One Magnum API call, fully described and not yet sent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiRequest {
    /// HTTP method.
    pub method: Method,
    /// Path segments below `/v1/` (unencoded).
    pub segments: Vec<String>,
    /// Query parameters.
    pub query: Vec<(String, String)>,
    /// JSON body.
    pub body: Option<Vec<u8>>,
    /// The lowest microversion that supports this call with these values.
    pub min_version: Microversion,
    /// Human-readable operation name for messages (`resize cluster`).
    pub operation: String,
}

impl ApiRequest {
    /// A request without body.
    pub fn new(
        method: Method,
        segments: Vec<String>,
        min_version: Microversion,
        operation: impl Into<String>,
    ) -> Self {
        Self {
            method,
            segments,
            query: Vec::new(),
            body: None,
            min_version,
            operation: operation.into(),
        }
    }

    /// Adds a JSON body.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] if the value cannot be serialised (not possible for this crate's
    /// types).
    pub fn with_json(mut self, body: &impl Serialize) -> Result<Self> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::InvalidInput(format!("cannot encode request body: {e}")))?;
        self.body = Some(bytes);
        Ok(self)
    }

    /// Adds a query parameter.
    #[must_use]
    pub fn with_query(mut self, key: &str, value: impl Into<String>) -> Self {
        self.query.push((key.to_owned(), value.into()));
        self
    }

    /// The request path (`/v1/clusters/k8s`), encoded, without query — used in messages.
    pub fn path(&self) -> String {
        let endpoint = Endpoint {
            root: Url::parse("http://magnum.invalid/").expect("static URL parses"),
        };
        endpoint.v1_url(&self.segments, &[]).path().to_owned()
    }

    /// Whether repeating this request is safe (GET, HEAD, PUT, DELETE). A POST or PATCH is
    /// never retried.
    pub fn is_idempotent(&self) -> bool {
        matches!(
            self.method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE
        )
    }

    /// Renders the request for `endpoint` with microversion `version`: URL, the
    /// `OpenStack-API-Version` header, `Accept`, and `Content-Type` when there is a body.
    /// Authentication headers are added by the client.
    ///
    /// # Errors
    /// Only if the URL or a header cannot be represented (not for URLs built by this crate).
    pub fn to_http(
        &self,
        endpoint: &Endpoint,
        version: Microversion,
    ) -> Result<http::Request<Vec<u8>>> {
        let url = endpoint.v1_url(&self.segments, &self.query);
        let mut builder = http::Request::builder()
            .method(self.method.clone())
            .uri(url.as_str())
            .header(crate::microversion::VERSION_HEADER, version.header_value())
            .header(http::header::ACCEPT, "application/json");
        if self.body.is_some() {
            builder = builder.header(http::header::CONTENT_TYPE, "application/json");
        }
        builder
            .body(self.body.clone().unwrap_or_default())
            .map_err(|e| Error::InvalidInput(format!("cannot build request: {e}")))
    }
}

/// Turns a key into path segments.
pub trait PathKey {
    /// The segments identifying the resource below its collection.
    fn segments(&self) -> Vec<String>;
}

impl PathKey for NameOrId {
    fn segments(&self) -> Vec<String> {
        vec![self.as_str().to_owned()]
    }
}

impl PathKey for QuotaKey {
    fn segments(&self) -> Vec<String> {
        vec![self.project_id.clone(), self.resource.as_str().to_owned()]
    }
}

/// A create body that knows the lowest microversion its values need.
pub trait CreateBody: Serialize {
    /// The lowest microversion accepting this body.
    fn min_microversion(&self) -> Microversion;
}

/// An update document: method, body and the lowest microversion its values need.
pub trait UpdateBody {
    /// PATCH for JSON-patch documents (every resource here).
    fn method(&self) -> Method {
        Method::PATCH
    }
    /// JSON body.
    ///
    /// # Errors
    /// Encoding failure (not possible for this crate's types).
    fn body(&self) -> Result<Vec<u8>>;
    /// Query parameters (cluster `rollback`).
    fn query(&self) -> Vec<(String, String)> {
        Vec::new()
    }
    /// The lowest microversion accepting this update.
    fn min_microversion(&self) -> Microversion;
    /// Whether the document changes nothing (rejected before sending).
    fn is_empty(&self) -> bool;
}

fn encode(value: &impl Serialize) -> Result<Vec<u8>> {
    serde_json::to_vec(value)
        .map_err(|e| Error::InvalidInput(format!("cannot encode request body: {e}")))
}

/// A Magnum resource served under one collection path with the usual verbs. Implemented for
/// [`ClusterTemplate`], [`Cluster`], [`NodeGroup`], [`Quota`] and [`Federation`]; drives the
/// generic `Api<R>`.
pub trait Resource: DeserializeOwned + Send + Sync + 'static {
    /// Singular name for messages (`cluster`).
    const KIND: &'static str;
    /// Collection path segment, also the list key in responses (`clusters`).
    const COLLECTION: &'static str;
    /// Lowest microversion serving this resource at all.
    const MIN_VERSION: Microversion;
    /// Whether `GET <collection>/detail` exists.
    const HAS_DETAIL: bool;
    /// How one item is addressed.
    type Key: PathKey + Send + Sync;
    /// Create body.
    type Create: CreateBody + Send + Sync;
    /// What create answers with.
    type Created: DeserializeOwned + Send;
    /// Update document.
    type Update: UpdateBody + Send + Sync;
    /// What update answers with.
    type Updated: DeserializeOwned + Send;
}

impl Resource for ClusterTemplate {
    const KIND: &'static str = "cluster template";
    const COLLECTION: &'static str = "clustertemplates";
    const MIN_VERSION: Microversion = Microversion::V1_1;
    const HAS_DETAIL: bool = true;
    type Key = NameOrId;
    type Create = ClusterTemplateCreate;
    type Created = ClusterTemplate;
    type Update = ClusterTemplateUpdate;
    type Updated = ClusterTemplate;
}

impl Resource for Cluster {
    const KIND: &'static str = "cluster";
    const COLLECTION: &'static str = "clusters";
    const MIN_VERSION: Microversion = Microversion::V1_1;
    const HAS_DETAIL: bool = true;
    type Key = NameOrId;
    type Create = ClusterCreate;
    type Created = UuidRef;
    type Update = ClusterUpdate;
    type Updated = UuidRef;
}

impl Resource for NodeGroup {
    const KIND: &'static str = "nodegroup";
    const COLLECTION: &'static str = "nodegroups";
    const MIN_VERSION: Microversion = Microversion::V1_9;
    const HAS_DETAIL: bool = false;
    type Key = NameOrId;
    type Create = NodeGroupCreate;
    type Created = NodeGroup;
    type Update = NodeGroupUpdate;
    type Updated = NodeGroup;
}

impl Resource for Quota {
    const KIND: &'static str = "quota";
    const COLLECTION: &'static str = "quotas";
    const MIN_VERSION: Microversion = Microversion::V1_6;
    const HAS_DETAIL: bool = false;
    type Key = QuotaKey;
    type Create = QuotaSpec;
    type Created = Quota;
    type Update = QuotaSpec;
    type Updated = Quota;
}

impl Resource for Federation {
    const KIND: &'static str = "federation";
    const COLLECTION: &'static str = "federations";
    const MIN_VERSION: Microversion = Microversion::V1_1;
    const HAS_DETAIL: bool = true;
    type Key = NameOrId;
    type Create = FederationCreate;
    type Created = UuidRef;
    type Update = FederationUpdate;
    type Updated = UuidRef;
}

impl CreateBody for ClusterTemplateCreate {
    fn min_microversion(&self) -> Microversion {
        Microversion::V1_1
    }
}

impl CreateBody for ClusterCreate {
    fn min_microversion(&self) -> Microversion {
        ClusterCreate::min_microversion(self)
    }
}

impl CreateBody for NodeGroupCreate {
    fn min_microversion(&self) -> Microversion {
        NodeGroupCreate::min_microversion(self)
    }
}

impl CreateBody for QuotaSpec {
    fn min_microversion(&self) -> Microversion {
        Microversion::V1_6
    }
}

impl CreateBody for FederationCreate {
    fn min_microversion(&self) -> Microversion {
        Microversion::V1_1
    }
}

impl UpdateBody for ClusterTemplateUpdate {
    fn body(&self) -> Result<Vec<u8>> {
        encode(&self.ops())
    }
    fn min_microversion(&self) -> Microversion {
        Microversion::V1_1
    }
    fn is_empty(&self) -> bool {
        self.ops().is_empty()
    }
}

impl UpdateBody for ClusterUpdate {
    fn body(&self) -> Result<Vec<u8>> {
        encode(&self.ops())
    }
    fn query(&self) -> Vec<(String, String)> {
        self.rollback_flag()
            .map(|r| {
                vec![(
                    "rollback".to_owned(),
                    if r { "True" } else { "False" }.to_owned(),
                )]
            })
            .unwrap_or_default()
    }
    fn min_microversion(&self) -> Microversion {
        ClusterUpdate::min_microversion(self)
    }
    fn is_empty(&self) -> bool {
        self.ops().is_empty()
    }
}

impl UpdateBody for NodeGroupUpdate {
    fn body(&self) -> Result<Vec<u8>> {
        encode(&self.ops())
    }
    fn min_microversion(&self) -> Microversion {
        NodeGroupUpdate::min_microversion(self)
    }
    fn is_empty(&self) -> bool {
        self.ops().is_empty()
    }
}

impl UpdateBody for QuotaSpec {
    fn body(&self) -> Result<Vec<u8>> {
        encode(self)
    }
    fn min_microversion(&self) -> Microversion {
        Microversion::V1_6
    }
    fn is_empty(&self) -> bool {
        false
    }
}

impl UpdateBody for FederationUpdate {
    fn body(&self) -> Result<Vec<u8>> {
        encode(&self.ops())
    }
    fn min_microversion(&self) -> Microversion {
        Microversion::V1_1
    }
    fn is_empty(&self) -> bool {
        self.ops().is_empty()
    }
}

/// Sort direction of a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SortDir {
    /// Ascending (default).
    Asc,
    /// Descending.
    Desc,
}

/// Listing parameters: pagination (`limit`, `marker`), sorting and the filters Magnum supports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListParams {
    /// Page size (1–1000; the server caps at `[api] max_limit`).
    pub limit: Option<u32>,
    /// Continue after this UUID (or id, for quotas).
    pub marker: Option<String>,
    /// Sort attribute (server default `id`).
    pub sort_key: Option<String>,
    /// Sort direction.
    pub sort_dir: Option<SortDir>,
    /// Nodegroups only: filter by role.
    pub role: Option<NodeGroupRole>,
    /// Quotas only: every project's (admin).
    pub all_tenants: Option<bool>,
}

impl ListParams {
    /// Default parameters (server-side page size).
    pub fn new() -> Self {
        Self::default()
    }

    /// Page size.
    #[must_use]
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Start after `marker`.
    #[must_use]
    pub fn marker(mut self, marker: impl Into<String>) -> Self {
        self.marker = Some(marker.into());
        self
    }

    /// Sort by `key` in `dir`.
    #[must_use]
    pub fn sort(mut self, key: impl Into<String>, dir: SortDir) -> Self {
        self.sort_key = Some(key.into());
        self.sort_dir = Some(dir);
        self
    }

    /// Nodegroups with this role only.
    #[must_use]
    pub fn role(mut self, role: NodeGroupRole) -> Self {
        self.role = Some(role);
        self
    }

    /// Quotas of every project (admin).
    #[must_use]
    pub fn all_tenants(mut self, all: bool) -> Self {
        self.all_tenants = Some(all);
        self
    }

    /// The query pairs.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for `limit = 0` (Magnum: "Limit must be positive").
    pub fn to_query(&self) -> Result<Vec<(String, String)>> {
        let mut query = Vec::new();
        if let Some(limit) = self.limit {
            if limit == 0 {
                return Err(Error::InvalidInput(
                    "limit must be positive (Magnum rejects limit=0)".into(),
                ));
            }
            query.push(("limit".to_owned(), limit.to_string()));
        }
        if let Some(marker) = &self.marker {
            query.push(("marker".to_owned(), marker.clone()));
        }
        if let Some(key) = &self.sort_key {
            query.push(("sort_key".to_owned(), key.clone()));
        }
        if let Some(dir) = self.sort_dir {
            let dir = match dir {
                SortDir::Asc => "asc",
                SortDir::Desc => "desc",
            };
            query.push(("sort_dir".to_owned(), dir.to_owned()));
        }
        if let Some(role) = &self.role {
            query.push(("role".to_owned(), role.as_str().to_owned()));
        }
        if let Some(all) = self.all_tenants {
            query.push((
                "all_tenants".to_owned(),
                if all { "True" } else { "False" }.to_owned(),
            ));
        }
        Ok(query)
    }
}

fn collection<R: Resource>(scope: &[String]) -> Vec<String> {
    let mut segments = scope.to_vec();
    segments.push(R::COLLECTION.to_owned());
    segments
}

fn item<R: Resource>(scope: &[String], key: &R::Key) -> Result<Vec<String>> {
    let key_segments = key.segments();
    if key_segments.iter().any(String::is_empty) {
        return Err(Error::InvalidInput(format!(
            "{} name or id must not be empty",
            R::KIND
        )));
    }
    let mut segments = collection::<R>(scope);
    segments.extend(key_segments);
    Ok(segments)
}

/// `GET <collection>` (or `<collection>/detail`) with listing parameters. `scope` is the parent
/// path (`["clusters", "<id>"]` for nodegroups, empty otherwise).
///
/// # Errors
/// Invalid listing parameters.
pub fn list<R: Resource>(
    scope: &[String],
    params: &ListParams,
    detail: bool,
) -> Result<ApiRequest> {
    let mut segments = collection::<R>(scope);
    if detail && R::HAS_DETAIL {
        segments.push("detail".to_owned());
    }
    let mut request = ApiRequest::new(
        Method::GET,
        segments,
        R::MIN_VERSION,
        format!("list {}s", R::KIND),
    );
    request.query = params.to_query()?;
    Ok(request)
}

/// `GET <collection>/<key>`.
///
/// # Errors
/// An empty key.
pub fn get<R: Resource>(scope: &[String], key: &R::Key) -> Result<ApiRequest> {
    Ok(ApiRequest::new(
        Method::GET,
        item::<R>(scope, key)?,
        R::MIN_VERSION,
        format!("get {}", R::KIND),
    ))
}

/// `POST <collection>`.
///
/// # Errors
/// Encoding failure.
pub fn create<R: Resource>(scope: &[String], body: &R::Create) -> Result<ApiRequest> {
    ApiRequest::new(
        Method::POST,
        collection::<R>(scope),
        R::MIN_VERSION.max(body.min_microversion()),
        format!("create {}", R::KIND),
    )
    .with_json(body)
}

/// `PATCH <collection>/<key>` with an update document.
///
/// # Errors
/// An empty key or an empty update document.
pub fn update<R: Resource>(
    scope: &[String],
    key: &R::Key,
    update: &R::Update,
) -> Result<ApiRequest> {
    if update.is_empty() {
        return Err(Error::InvalidInput(format!(
            "update of {} changes nothing",
            R::KIND
        )));
    }
    let mut request = ApiRequest::new(
        update.method(),
        item::<R>(scope, key)?,
        R::MIN_VERSION.max(update.min_microversion()),
        format!("update {}", R::KIND),
    );
    request.body = Some(update.body()?);
    request.query = update.query();
    Ok(request)
}

/// `DELETE <collection>/<key>`.
///
/// # Errors
/// An empty key.
pub fn delete<R: Resource>(scope: &[String], key: &R::Key) -> Result<ApiRequest> {
    Ok(ApiRequest::new(
        Method::DELETE,
        item::<R>(scope, key)?,
        R::MIN_VERSION,
        format!("delete {}", R::KIND),
    ))
}

/// The parent scope of a cluster's nodegroups: `clusters/<cluster>`.
pub fn nodegroup_scope(cluster: &NameOrId) -> Vec<String> {
    vec!["clusters".to_owned(), cluster.as_str().to_owned()]
}

fn cluster_segments(cluster: &NameOrId, rest: &[&str]) -> Result<Vec<String>> {
    if cluster.as_str().is_empty() {
        return Err(Error::InvalidInput(
            "cluster name or id must not be empty".into(),
        ));
    }
    let mut segments = nodegroup_scope(cluster);
    segments.extend(rest.iter().map(|s| (*s).to_owned()));
    Ok(segments)
}

/// `POST /v1/clusters/<id>/actions/resize` (1.7; 1.10 to resize to zero).
///
/// # Errors
/// An empty cluster reference.
pub fn cluster_resize(cluster: &NameOrId, body: &ResizeRequest) -> Result<ApiRequest> {
    ApiRequest::new(
        Method::POST,
        cluster_segments(cluster, &["actions", "resize"])?,
        body.min_microversion(),
        if body.node_count == 0 {
            "resize to 0 nodes"
        } else {
            "resize cluster"
        },
    )
    .with_json(body)
}

/// `POST /v1/clusters/<id>/actions/upgrade` (1.8).
///
/// # Errors
/// An empty cluster reference or template.
pub fn cluster_upgrade(cluster: &NameOrId, body: &UpgradeRequest) -> Result<ApiRequest> {
    if body.cluster_template.is_empty() {
        return Err(Error::InvalidInput(
            "upgrade needs a cluster template".into(),
        ));
    }
    if body.max_batch_size == 0 {
        return Err(Error::InvalidInput(
            "max_batch_size must be at least 1".into(),
        ));
    }
    ApiRequest::new(
        Method::POST,
        cluster_segments(cluster, &["actions", "upgrade"])?,
        Microversion::V1_8,
        "upgrade cluster",
    )
    .with_json(body)
}

/// `GET /v1/certificates/<cluster>[?ca_cert_type=…]`: the cluster's CA certificate.
///
/// # Errors
/// An empty cluster reference.
pub fn certificate_get_ca(cluster: &NameOrId, ca: Option<&CaCertType>) -> Result<ApiRequest> {
    if cluster.as_str().is_empty() {
        return Err(Error::InvalidInput(
            "cluster name or id must not be empty".into(),
        ));
    }
    let mut request = ApiRequest::new(
        Method::GET,
        vec!["certificates".to_owned(), cluster.as_str().to_owned()],
        Microversion::V1_1,
        "get cluster CA",
    );
    if let Some(ca) = ca {
        request = request.with_query("ca_cert_type", ca.as_str());
    }
    Ok(request)
}

/// `POST /v1/certificates`: sign a CSR with the cluster's CA.
///
/// # Errors
/// An empty cluster reference, or a CSR that is not PEM.
pub fn certificate_sign(body: &SignRequest) -> Result<ApiRequest> {
    if body.cluster_uuid.is_empty() {
        return Err(Error::InvalidInput(
            "cluster name or id must not be empty".into(),
        ));
    }
    if !body.csr.contains("-----BEGIN CERTIFICATE REQUEST-----")
        && !body.csr.contains("-----BEGIN NEW CERTIFICATE REQUEST-----")
    {
        return Err(Error::InvalidInput(
            "csr must be a PEM certificate request (-----BEGIN CERTIFICATE REQUEST-----)".into(),
        ));
    }
    ApiRequest::new(
        Method::POST,
        vec!["certificates".to_owned()],
        Microversion::V1_1,
        "sign certificate",
    )
    .with_json(body)
}

/// `PATCH /v1/certificates/<cluster>`: rotate the cluster CA (documented as 1.5).
///
/// # Errors
/// An empty cluster reference.
pub fn certificate_rotate_ca(cluster: &NameOrId) -> Result<ApiRequest> {
    if cluster.as_str().is_empty() {
        return Err(Error::InvalidInput(
            "cluster name or id must not be empty".into(),
        ));
    }
    Ok(ApiRequest::new(
        Method::PATCH,
        vec!["certificates".to_owned(), cluster.as_str().to_owned()],
        Microversion::V1_5,
        "rotate cluster CA",
    ))
}

/// `PATCH /v1/credentials/<cluster>`: rotate the cluster's cloud credential (1.12).
///
/// # Errors
/// An empty cluster reference.
pub fn credential_rotate(cluster: &NameOrId) -> Result<ApiRequest> {
    if cluster.as_str().is_empty() {
        return Err(Error::InvalidInput(
            "cluster name or id must not be empty".into(),
        ));
    }
    Ok(ApiRequest::new(
        Method::PATCH,
        vec!["credentials".to_owned(), cluster.as_str().to_owned()],
        Microversion::V1_12,
        "rotate cluster credential",
    ))
}

/// `GET /v1/stats[?project_id=…]` (1.4). Magnum only knows the `cluster` stats type.
pub fn stats(project_id: Option<&str>) -> ApiRequest {
    let mut request = ApiRequest::new(
        Method::GET,
        vec!["stats".to_owned()],
        Microversion::V1_4,
        "get stats",
    );
    if let Some(project) = project_id {
        request = request.with_query("project_id", project);
    }
    request.with_query("type", "cluster")
}

/// `GET /v1/mservices` (admin).
pub fn mservices() -> ApiRequest {
    ApiRequest::new(
        Method::GET,
        vec!["mservices".to_owned()],
        Microversion::V1_1,
        "list magnum services",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{ClusterChange, NodeGroupChange, Taint, TaintEffect};

    fn body(request: &ApiRequest) -> serde_json::Value {
        serde_json::from_slice(request.body.as_deref().unwrap_or(b"null")).unwrap()
    }

    #[test]
    fn endpoints_normalise_every_catalog_form() {
        for text in [
            "http://h:9511",
            "http://h:9511/",
            "http://h:9511/v1",
            "http://h:9511/v1/",
        ] {
            let endpoint = Endpoint::parse(text).unwrap();
            assert_eq!(endpoint.root().as_str(), "http://h:9511/", "{text}");
            assert_eq!(
                endpoint.v1_url(&["clusters".into()], &[]).as_str(),
                "http://h:9511/v1/clusters"
            );
        }
        let proxied = Endpoint::parse("https://cloud/container-infra/v1").unwrap();
        assert_eq!(proxied.root().as_str(), "https://cloud/container-infra/");
        assert_eq!(
            proxied.v1_url(&["clusters".into()], &[]).as_str(),
            "https://cloud/container-infra/v1/clusters"
        );
        assert!(Endpoint::parse("ftp://h/").is_err());
        assert!(Endpoint::parse("not a url").is_err());
    }

    #[test]
    fn names_are_percent_encoded_as_one_segment() {
        let request = get::<Cluster>(&[], &NameOrId::from("a/b c")).unwrap();
        assert_eq!(request.path(), "/v1/clusters/a%2Fb%20c");
        assert!(get::<Cluster>(&[], &NameOrId::from("")).is_err());
    }

    #[test]
    fn http_rendering_carries_version_and_content_type() {
        let endpoint = Endpoint::parse("http://h:9511/v1").unwrap();
        let request = create::<Cluster>(&[], &ClusterCreate::new("tpl").node_count(2u32)).unwrap();
        let http = request.to_http(&endpoint, Microversion::V1_1).unwrap();
        assert_eq!(http.method(), Method::POST);
        assert_eq!(http.uri(), "http://h:9511/v1/clusters");
        assert_eq!(
            http.headers()["openstack-api-version"],
            "container-infra 1.1"
        );
        assert_eq!(http.headers()["content-type"], "application/json");
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(http.body()).unwrap(),
            serde_json::json!({"cluster_template_id": "tpl", "node_count": 2})
        );
    }

    #[test]
    fn values_raise_the_microversion() {
        let zero = create::<Cluster>(&[], &ClusterCreate::new("t").node_count(0u32)).unwrap();
        assert_eq!(zero.min_version, Microversion::V1_10);
        let resize = cluster_resize(&"c".into(), &ResizeRequest::new(3)).unwrap();
        assert_eq!(resize.min_version, Microversion::V1_7);
        let resize0 = cluster_resize(&"c".into(), &ResizeRequest::new(0)).unwrap();
        assert_eq!(resize0.min_version, Microversion::V1_10);
        let scope = nodegroup_scope(&"c".into());
        let plain = create::<NodeGroup>(&scope, &NodeGroupCreate::new("ng")).unwrap();
        assert_eq!(plain.min_version, Microversion::V1_9);
        let labelled = create::<NodeGroup>(
            &scope,
            &NodeGroupCreate::new("ng").node_label("workload", "gpu"),
        )
        .unwrap();
        assert_eq!(labelled.min_version, Microversion::V1_14);
        let taints = update::<NodeGroup>(
            &scope,
            &"ng".into(),
            &NodeGroupUpdate::new().set(NodeGroupChange::NodeTaints(vec![Taint::new(
                "gpu",
                Some("true".into()),
                TaintEffect::NoSchedule,
            )])),
        )
        .unwrap();
        assert_eq!(taints.min_version, Microversion::V1_14);
        assert_eq!(
            body(&taints),
            serde_json::json!([{"op": "replace", "path": "/node_taints",
                "value": "[{'key': 'gpu', 'value': 'true', 'effect': 'NoSchedule'}]"}])
        );
        let rollback = update::<Cluster>(
            &[],
            &"c".into(),
            &ClusterUpdate::new()
                .set(ClusterChange::NodeCount(4))
                .rollback(true),
        )
        .unwrap();
        assert_eq!(rollback.min_version, Microversion::V1_3);
        assert_eq!(rollback.query, vec![("rollback".into(), "True".into())]);
    }

    #[test]
    fn local_checks_reject_requests_magnum_would_refuse() {
        assert!(update::<Cluster>(&[], &"c".into(), &ClusterUpdate::new()).is_err());
        assert!(ListParams::new().limit(0).to_query().is_err());
        assert!(certificate_sign(&SignRequest::new("c", "not pem")).is_err());
        assert!(cluster_upgrade(&"c".into(), &UpgradeRequest::new("t").max_batch_size(0)).is_err());
    }

    #[test]
    fn only_safe_methods_are_idempotent() {
        assert!(mservices().is_idempotent());
        assert!(delete::<Cluster>(&[], &"c".into()).unwrap().is_idempotent());
        assert!(!certificate_rotate_ca(&"c".into()).unwrap().is_idempotent());
        assert!(
            !cluster_resize(&"c".into(), &ResizeRequest::new(1))
                .unwrap()
                .is_idempotent()
        );
    }
}
