//! `Api<R>`: one generic handler giving get / get_opt / list / list_all / stream / create /
//! update / delete for every [`Resource`], plus the actions Magnum has on specific resources as
//! inherent methods (cluster resize, upgrade, CA and credential rotation, certificate signing)
//! and the singleton endpoints (stats, Magnum services).

use std::marker::PhantomData;

use futures_util::stream::{self, Stream};

use crate::client::Client;
use crate::decode::{Page, decode_page};
use crate::error::Result;
use crate::ids::NameOrId;
use crate::request::{self, ListParams, Resource};
use crate::types::{
    CaCertType, Certificate, Cluster, MService, NodeGroup, ResizeRequest, SignRequest, Stats,
    UpgradeRequest, UuidRef,
};

/// A typed handle on one Magnum collection.
///
/// ```no_run
/// # async fn demo(client: magnum_core::Client) -> magnum_core::Result<()> {
/// use magnum_core::{Api, types::{ClusterTemplate, NodeGroup}};
/// let templates: Api<ClusterTemplate> = Api::new(client.clone());
/// let template = templates.get("k8s-v1.30").await?;          // by name or UUID
/// let nodegroups = Api::<NodeGroup>::in_cluster(client, "prod");  // /clusters/prod/nodegroups
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Api<R> {
    client: Client,
    scope: Vec<String>,
    _resource: PhantomData<fn() -> R>,
}

impl<R: Resource> Api<R> {
    /// A handle on a top-level collection (templates, clusters, quotas, federations).
    pub fn new(client: Client) -> Self {
        Self {
            client,
            scope: Vec::new(),
            _resource: PhantomData,
        }
    }

    /// The client behind this handle.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Fetches one item by key (name or UUID for most resources).
    ///
    /// # Errors
    /// 404 as [`crate::ErrorKind::NotFound`]; a name shared by several items as 409
    /// [`crate::ErrorKind::Conflict`]; transport and decode errors.
    pub async fn get(&self, key: impl Into<R::Key>) -> Result<R> {
        let request = request::get::<R>(&self.scope, &key.into())?;
        self.client.execute(&request).await
    }

    /// Like [`Self::get`], but a 404 is `Ok(None)`.
    ///
    /// # Errors
    /// As [`Self::get`], except not-found.
    pub async fn get_opt(&self, key: impl Into<R::Key>) -> Result<Option<R>> {
        match self.get(key).await {
            Ok(item) => Ok(Some(item)),
            Err(err) if err.is_not_found() => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// One page of the summary listing.
    ///
    /// # Errors
    /// Invalid parameters, API, transport and decode errors.
    pub async fn list(&self, params: &ListParams) -> Result<Page<R>> {
        self.page(params, false).await
    }

    /// One page of the detailed listing (`/detail`, where the resource has one; otherwise the
    /// plain listing).
    ///
    /// # Errors
    /// As [`Self::list`].
    pub async fn list_detail(&self, params: &ListParams) -> Result<Page<R>> {
        self.page(params, true).await
    }

    async fn page(&self, params: &ListParams, detail: bool) -> Result<Page<R>> {
        let request = request::list::<R>(&self.scope, params, detail)?;
        let response = self.client.send(&request).await?;
        decode_page(
            request.method.as_str(),
            &request.path(),
            R::COLLECTION,
            &response.body,
        )
    }

    /// Every item, following `next` links page by page.
    ///
    /// # Errors
    /// The first failing page's error.
    pub async fn list_all(&self) -> Result<Vec<R>> {
        self.list_all_with(&ListParams::new(), false).await
    }

    /// Every item matching `params` (filters, sorting, page size), following `next` links;
    /// the detailed listing when `detail`.
    ///
    /// # Errors
    /// The first failing page's error.
    pub async fn list_all_with(&self, params: &ListParams, detail: bool) -> Result<Vec<R>> {
        let mut params = params.clone();
        let mut items = Vec::new();
        loop {
            let page = self.page(&params, detail).await?;
            items.extend(page.items);
            match page.next_marker {
                Some(marker) if params.marker.as_deref() != Some(marker.as_str()) => {
                    params.marker = Some(marker);
                }
                _ => return Ok(items),
            }
        }
    }

    /// Every item as a stream, fetching pages of `params.limit` lazily.
    pub fn stream(&self, params: ListParams) -> impl Stream<Item = Result<R>> + Send + '_ {
        struct State<R> {
            params: ListParams,
            buffer: std::vec::IntoIter<R>,
            done: bool,
        }
        let start = State {
            params,
            buffer: Vec::new().into_iter(),
            done: false,
        };
        stream::try_unfold(start, move |mut state| async move {
            loop {
                if let Some(item) = state.buffer.next() {
                    return Ok(Some((item, state)));
                }
                if state.done {
                    return Ok(None);
                }
                let page = self.list(&state.params).await?;
                match page.next_marker {
                    Some(marker) if state.params.marker.as_deref() != Some(marker.as_str()) => {
                        state.params.marker = Some(marker);
                    }
                    _ => state.done = true,
                }
                state.buffer = page.items.into_iter();
            }
        })
    }

    /// Creates an item. Clusters and federations answer with `{"uuid"}` (asynchronous create);
    /// templates, nodegroups and quotas with the object.
    ///
    /// # Errors
    /// API errors (400 validation, 403 policy or quota, 409 duplicates…), transport, decode.
    /// A POST is never retried.
    pub async fn create(&self, body: &R::Create) -> Result<R::Created> {
        let request = request::create::<R>(&self.scope, body)?;
        self.client.execute(&request).await
    }

    /// Applies an update document.
    ///
    /// # Errors
    /// An empty document (locally), API, transport and decode errors.
    pub async fn update(&self, key: impl Into<R::Key>, update: &R::Update) -> Result<R::Updated> {
        let request = request::update::<R>(&self.scope, &key.into(), update)?;
        self.client.execute(&request).await
    }

    /// Deletes an item (204). Cluster deletion then continues asynchronously; wait with
    /// [`crate::wait`].
    ///
    /// # Errors
    /// API (404, 400 for a referenced template…) and transport errors.
    pub async fn delete(&self, key: impl Into<R::Key>) -> Result<()> {
        let request = request::delete::<R>(&self.scope, &key.into())?;
        self.client.execute_empty(&request).await
    }
}

impl Api<NodeGroup> {
    /// The nodegroups of one cluster (`/v1/clusters/{cluster}/nodegroups`, microversion ≥ 1.9).
    pub fn in_cluster(client: Client, cluster: impl Into<NameOrId>) -> Self {
        Self {
            client,
            scope: request::nodegroup_scope(&cluster.into()),
            _resource: PhantomData,
        }
    }
}

impl Api<Cluster> {
    /// Resizes a nodegroup (default: the default worker one). Microversion 1.7; 1.10 to resize
    /// to zero nodes. Answers with the cluster UUID; the resize runs asynchronously.
    ///
    /// # Errors
    /// 400 out of the nodegroup's min/max range, 400 for the master nodegroup, API, transport.
    pub async fn resize(
        &self,
        cluster: impl Into<NameOrId>,
        body: &ResizeRequest,
    ) -> Result<UuidRef> {
        let request = request::cluster_resize(&cluster.into(), body)?;
        self.client.execute(&request).await
    }

    /// Upgrades a cluster (or one nodegroup) to another template. Microversion 1.8.
    ///
    /// # Errors
    /// 409 when a non-default nodegroup targets another template, API, transport.
    pub async fn upgrade(
        &self,
        cluster: impl Into<NameOrId>,
        body: &UpgradeRequest,
    ) -> Result<UuidRef> {
        let request = request::cluster_upgrade(&cluster.into(), body)?;
        self.client.execute(&request).await
    }

    /// The cluster's CA certificate (`ca` default: the Kubernetes CA).
    ///
    /// # Errors
    /// 404 unknown cluster, API, transport.
    pub async fn ca_certificate(
        &self,
        cluster: impl Into<NameOrId>,
        ca: Option<CaCertType>,
    ) -> Result<Certificate> {
        let request = request::certificate_get_ca(&cluster.into(), ca.as_ref())?;
        self.client.execute(&request).await
    }

    /// Signs a CSR with the cluster's CA (201).
    ///
    /// # Errors
    /// A non-PEM CSR (locally), 400 unknown cluster, API, transport.
    pub async fn sign_certificate(&self, body: &SignRequest) -> Result<Certificate> {
        let request = request::certificate_sign(body)?;
        self.client.execute(&request).await
    }

    /// Rotates the cluster CA (microversion 1.5; refused for TLS-disabled clusters).
    ///
    /// # Errors
    /// 400 not supported, API, transport.
    pub async fn rotate_ca(&self, cluster: impl Into<NameOrId>) -> Result<UuidRef> {
        let request = request::certificate_rotate_ca(&cluster.into())?;
        self.client.execute(&request).await
    }

    /// Rotates the cluster's cloud credential (microversion 1.12).
    ///
    /// # Errors
    /// 400 when the driver cannot, API, transport; a local error on clouds below 1.12.
    pub async fn rotate_credential(&self, cluster: impl Into<NameOrId>) -> Result<UuidRef> {
        let request = request::credential_rotate(&cluster.into())?;
        self.client.execute(&request).await
    }
}

impl Client {
    /// Cluster and node counts (microversion 1.4); `project_id` defaults to the caller's.
    ///
    /// # Errors
    /// 403 for another project without admin, API, transport.
    pub async fn stats(&self, project_id: Option<&str>) -> Result<Stats> {
        self.execute(&request::stats(project_id)).await
    }

    /// Magnum's services and their liveness (admin).
    ///
    /// # Errors
    /// 403 without admin, API, transport.
    pub async fn mservices(&self) -> Result<Vec<MService>> {
        let request = request::mservices();
        let response = self.send(&request).await?;
        decode_page(
            request.method.as_str(),
            &request.path(),
            "mservices",
            &response.body,
        )
        .map(|page| page.items)
    }
}
