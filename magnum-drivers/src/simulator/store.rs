//! The simulator's database: templates, clusters (the conductor's [`ClusterRecord`] plus the
//! API-only columns), nodegroup extras and quotas; Magnum's lookups (UUID, else name with 409
//! on duplicates, scoped to what the caller may see) and the JSON each resource renders to at
//! a given microversion (summary vs detail, `stack_id` vs `cluster_id`, label diffs, faults).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use magnum_core::Microversion;
use magnum_core::types::{ClusterTemplate, Labels};
use serde_json::{Map, Value, json};

use super::keystone::AuthContext;
use super::wire::{ApiFault, Page, PageQuery, PageSpec, SortedIndex, links};
use crate::conductor::ClusterResources;
use crate::driver::{ClusterRecord, NodeGroupRecord};

/// A stored template: the wire object (without links) and the internal id.
#[derive(Debug, Clone)]
pub(crate) struct TemplateRow {
    pub id: u64,
    pub obj: Map<String, Value>,
}

impl TemplateRow {
    pub fn uuid(&self) -> &str {
        self.obj.get("uuid").and_then(Value::as_str).unwrap_or("")
    }

    pub fn name(&self) -> Option<&str> {
        self.obj.get("name").and_then(Value::as_str)
    }

    pub fn text(&self, key: &str) -> Option<&str> {
        self.obj.get(key).and_then(Value::as_str)
    }

    pub fn flag(&self, key: &str) -> bool {
        self.obj.get(key).and_then(Value::as_bool).unwrap_or(false)
    }

    pub fn labels(&self) -> Labels {
        label_map(self.obj.get("labels"))
    }

    /// The typed template (the conductor's view).
    pub fn typed(&self) -> Result<ClusterTemplate, ApiFault> {
        serde_json::from_value(Value::Object(self.obj.clone())).map_err(|e| {
            ApiFault::new(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                format!("stored template {} does not decode: {e}", self.uuid()),
            )
        })
    }

    pub fn json(&self, base: &str) -> Map<String, Value> {
        let mut obj = self.obj.clone();
        obj.insert(
            "links".into(),
            links(base, &format!("clustertemplates/{}", self.uuid())),
        );
        obj
    }
}

/// Labels from a stored JSON value.
pub(crate) fn label_map(value: Option<&Value>) -> Labels {
    value
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// Columns a nodegroup has in the API but not in the conductor's record.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct NodeGroupExtra {
    pub id: u64,
    pub created_at: String,
    pub updated_at: Option<String>,
    pub merge_labels: bool,
    pub node_labels: Option<Labels>,
    pub node_taints: Option<Vec<Value>>,
}

/// Columns a cluster has in the API but not in the conductor's record.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct ClusterExtra {
    pub user_id: String,
    pub docker_volume_size: Option<u64>,
    pub master_flavor_id: Option<String>,
    pub flavor_id: Option<String>,
    pub fixed_network: Option<String>,
    pub fixed_subnet: Option<String>,
    pub floating_ip_enabled: bool,
    pub master_lb_enabled: bool,
    pub merge_labels: bool,
    pub discovery_url: Option<String>,
    pub created_at: String,
    pub updated_at: Option<String>,
    pub nodegroups: HashMap<String, NodeGroupExtra>,
}

/// A stored cluster.
#[derive(Debug, Clone)]
pub(crate) struct ClusterRow {
    pub id: u64,
    pub record: ClusterRecord,
    pub resources: ClusterResources,
    pub extra: ClusterExtra,
}

/// A stored quota.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct QuotaRow {
    pub id: u64,
    pub project_id: String,
    pub resource: String,
    pub hard_limit: i64,
    pub created_at: String,
    pub updated_at: Option<String>,
}

impl QuotaRow {
    pub fn json(&self) -> Map<String, Value> {
        let value = json!({"id": self.id, "project_id": self.project_id,
            "resource": self.resource, "hard_limit": self.hard_limit,
            "created_at": self.created_at, "updated_at": self.updated_at});
        value.as_object().cloned().unwrap_or_default()
    }
}

/// All simulator state. Rows change only through the methods below, which note the ids of
/// changed rows, so the state file is written row by row ([`Store::take_changes`]) instead of
/// being rewritten whole after every change.
#[derive(Debug, Default)]
pub(crate) struct Store {
    next_id: u64,
    templates: Vec<TemplateRow>,
    clusters: Vec<ClusterRow>,
    quotas: Vec<QuotaRow>,
    pub conductor_reports: u64,
    changes: Changes,
    /// Bumped by every change to templates or clusters: list indexes built at an older
    /// generation are stale.
    generation: u64,
    /// Sorted listings kept between pages (key: collection, scope, sort key, rendering),
    /// with the generation they were built at.
    list_cache: HashMap<String, (u64, Arc<SortedIndex>)>,
}

/// How many sorted listings are kept at most (all are dropped when full).
const LIST_CACHE_ENTRIES: usize = 64;
/// How many rows all kept listings hold at most (with their texts, ≈ 1 KiB each).
const LIST_CACHE_ROWS: usize = 100_000;

/// Ids of rows changed (added, modified or removed) since the last [`Store::take_changes`].
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Changes {
    pub templates: BTreeSet<u64>,
    pub clusters: BTreeSet<u64>,
    pub quotas: BTreeSet<u64>,
    /// The id counter moved.
    pub next_id: bool,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.templates.is_empty()
            && self.clusters.is_empty()
            && self.quotas.is_empty()
            && !self.next_id
    }
}

/// Inserts `row` keeping `rows` sorted by `key` (appends in the usual case of a new, largest id).
fn insert_sorted<T>(rows: &mut Vec<T>, row: T, key: impl Fn(&T) -> u64) {
    let id = key(&row);
    if rows.last().is_none_or(|last| key(last) < id) {
        rows.push(row);
    } else {
        let at = rows.partition_point(|r| key(r) < id);
        rows.insert(at, row);
    }
}

/// A row type served by a paged listing (`GET /v1/clusters`, `GET /v1/clustertemplates`).
pub(crate) trait Listed: Sized {
    /// The collection's path segment and response key.
    const COLLECTION: &'static str;
    /// The resource named in "… could not be found." for an unknown marker.
    const RESOURCE: &'static str;
    /// The row with this internal id.
    fn by_id(store: &Store, id: u64) -> Option<&Self>;
}

impl Listed for TemplateRow {
    const COLLECTION: &'static str = "clustertemplates";
    const RESOURCE: &'static str = "ClusterTemplate";
    fn by_id(store: &Store, id: u64) -> Option<&Self> {
        store.template_by_id(id)
    }
}

impl Listed for ClusterRow {
    const COLLECTION: &'static str = "clusters";
    const RESOURCE: &'static str = "Cluster";
    fn by_id(store: &Store, id: u64) -> Option<&Self> {
        store.cluster_by_id(id)
    }
}

/// One page of a listing: the sorted index kept under `cache_key` (built from `members`, the
/// rows the caller may see, when the store changed), then the page `query` asks for, each row
/// drawn by `render`, with Magnum's `next` link under `base`.
pub(crate) fn listing_page<T: Listed>(
    store: &mut Store,
    cache_key: String,
    query: &PageQuery,
    base: &str,
    members: impl for<'a> FnOnce(&'a Store) -> Vec<(u64, String, &'a T)>,
    render: impl Fn(&T) -> Map<String, Value>,
) -> Result<Page, ApiFault> {
    let spec = PageSpec::parse(query)?;
    let cache_key = format!("{}|{cache_key}|{}", T::COLLECTION, spec.sort_key);
    let index = store.sorted(cache_key, |store| {
        SortedIndex::build(members(store), &spec.sort_key, |row| render(row))
    })?;
    let url = format!("{base}/v1/{}", T::COLLECTION);
    index.page(
        &spec,
        query.marker.as_deref(),
        &url,
        |id| T::by_id(store, id).map(&render),
        |m| ApiFault::not_found(format!("{} {m} could not be found.", T::RESOURCE)),
    )
}

/// Removes the rows `gone` says to, noting their ids in `changed`; returns how many.
fn retain_noting<T>(
    rows: &mut Vec<T>,
    changed: &mut BTreeSet<u64>,
    id: impl Fn(&T) -> u64,
    gone: impl Fn(&T) -> bool,
) -> usize {
    let before = rows.len();
    rows.retain(|row| {
        let remove = gone(row);
        if remove {
            changed.insert(id(row));
        }
        !remove
    });
    before - rows.len()
}

/// The row of `rows` (sorted by `key`) whose key is `id`.
fn row_by_id<T>(rows: &[T], id: u64, key: impl Fn(&T) -> u64) -> Option<&T> {
    rows.binary_search_by_key(&id, key).ok().map(|i| &rows[i])
}

/// Magnum's `uuidutils.is_uuid_like`.
pub(crate) fn is_uuid_like(text: &str) -> bool {
    uuid::Uuid::parse_str(text).is_ok()
}

impl Store {
    pub fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.changes.next_id = true;
        self.next_id
    }

    /// What changed since the last call (and forgets it).
    pub fn take_changes(&mut self) -> Changes {
        std::mem::take(&mut self.changes)
    }

    /// Marks every row changed (a state file being migrated is rewritten once).
    pub fn mark_all_changed(&mut self) {
        self.changes.templates = self.templates.iter().map(|r| r.id).collect();
        self.changes.clusters = self.clusters.iter().map(|r| r.id).collect();
        self.changes.quotas = self.quotas.iter().map(|r| r.id).collect();
        self.changes.next_id = true;
    }

    /// The sorted listing `key` names, built by `build` unless one built since the last change
    /// is kept: paging through N items costs one sort, then O(limit) per page.
    pub fn sorted(
        &mut self,
        key: String,
        build: impl FnOnce(&Self) -> Result<SortedIndex, ApiFault>,
    ) -> Result<Arc<SortedIndex>, ApiFault> {
        if let Some((generation, index)) = self.list_cache.get(&key) {
            if *generation == self.generation {
                return Ok(index.clone());
            }
        }
        let index = Arc::new(build(self)?);
        // Bounded both ways: entries, and rows (each keeps its rendered text once drawn).
        let rows: usize = self.list_cache.values().map(|(_, i)| i.len()).sum();
        if self.list_cache.len() >= LIST_CACHE_ENTRIES || rows + index.len() > LIST_CACHE_ROWS {
            self.list_cache.clear();
        }
        self.list_cache
            .insert(key, (self.generation, index.clone()));
        Ok(index)
    }

    pub fn templates(&self) -> &[TemplateRow] {
        &self.templates
    }

    pub fn clusters(&self) -> &[ClusterRow] {
        &self.clusters
    }

    pub fn quotas(&self) -> &[QuotaRow] {
        &self.quotas
    }

    /// The template row by its internal id.
    pub fn template_by_id(&self, id: u64) -> Option<&TemplateRow> {
        row_by_id(&self.templates, id, |r| r.id)
    }

    /// The cluster row by its internal id.
    pub fn cluster_by_id(&self, id: u64) -> Option<&ClusterRow> {
        row_by_id(&self.clusters, id, |r| r.id)
    }

    /// The quota row by its internal id.
    pub fn quota_by_id(&self, id: u64) -> Option<&QuotaRow> {
        row_by_id(&self.quotas, id, |r| r.id)
    }

    /// A template to change (noted as changed).
    pub fn template_mut(&mut self, index: usize) -> &mut TemplateRow {
        let row = &mut self.templates[index];
        self.changes.templates.insert(row.id);
        self.generation += 1;
        row
    }

    /// A cluster to change (noted as changed).
    pub fn cluster_mut(&mut self, index: usize) -> &mut ClusterRow {
        let row = &mut self.clusters[index];
        self.changes.clusters.insert(row.id);
        self.generation += 1;
        row
    }

    /// A quota to change (noted as changed).
    pub fn quota_mut(&mut self, index: usize) -> &mut QuotaRow {
        let row = &mut self.quotas[index];
        self.changes.quotas.insert(row.id);
        row
    }

    /// Adds a template; rows stay in id order (ids only grow).
    pub fn push_template(&mut self, row: TemplateRow) {
        self.changes.templates.insert(row.id);
        self.generation += 1;
        insert_sorted(&mut self.templates, row, |r| r.id);
    }

    /// Adds a cluster.
    pub fn push_cluster(&mut self, row: ClusterRow) {
        self.changes.clusters.insert(row.id);
        self.generation += 1;
        insert_sorted(&mut self.clusters, row, |r| r.id);
    }

    /// Adds a quota.
    pub fn push_quota(&mut self, row: QuotaRow) {
        self.changes.quotas.insert(row.id);
        insert_sorted(&mut self.quotas, row, |r| r.id);
    }

    /// Removes a template.
    pub fn remove_template(&mut self, index: usize) -> TemplateRow {
        let row = self.templates.remove(index);
        self.changes.templates.insert(row.id);
        self.generation += 1;
        row
    }

    /// Removes the clusters `gone` says to.
    pub fn remove_clusters(&mut self, gone: impl Fn(&ClusterRow) -> bool) {
        if retain_noting(
            &mut self.clusters,
            &mut self.changes.clusters,
            |c| c.id,
            gone,
        ) > 0
        {
            self.generation += 1;
        }
    }

    /// Removes the quotas `gone` says to; returns how many.
    pub fn remove_quotas(&mut self, gone: impl Fn(&QuotaRow) -> bool) -> usize {
        retain_noting(&mut self.quotas, &mut self.changes.quotas, |q| q.id, gone)
    }

    /// The last id handed out (persisted so ids never repeat across restarts).
    pub fn peek_next_id(&self) -> u64 {
        self.next_id
    }

    pub fn set_next_id(&mut self, last: u64) {
        self.next_id = last;
    }

    /// Whether `ctx` sees the template (own project, public and not hidden, admins also hidden
    /// public ones).
    pub fn template_visible(row: &TemplateRow, ctx: &AuthContext) -> bool {
        row.text("project_id") == Some(ctx.project_id.as_str())
            || (row.flag("public") && (!row.flag("hidden") || ctx.is_admin()))
    }

    /// Magnum's `get_resource('ClusterTemplate', ident)`.
    pub fn template_index(&self, ident: &str, ctx: &AuthContext) -> Result<usize, ApiFault> {
        let visible = |(_, row): &(usize, &TemplateRow)| Self::template_visible(row, ctx);
        let found: Vec<usize> = if is_uuid_like(ident) {
            self.templates
                .iter()
                .enumerate()
                .filter(|(_, r)| r.uuid() == ident)
                .filter(visible)
                .map(|(i, _)| i)
                .collect()
        } else {
            self.templates
                .iter()
                .enumerate()
                .filter(|(_, r)| r.name() == Some(ident))
                .filter(visible)
                .map(|(i, _)| i)
                .collect()
        };
        match found.as_slice() {
            [one] => Ok(*one),
            [] => Err(ApiFault::not_found(format!(
                "ClusterTemplate {ident} could not be found."
            ))),
            _ => Err(ApiFault::conflict(
                "Multiple ClusterTemplates exist with same name. Please use the ClusterTemplate uuid instead.",
            )),
        }
    }

    /// Whether any cluster references the template.
    pub fn template_referenced(&self, uuid: &str) -> bool {
        self.clusters
            .iter()
            .any(|c| c.record.template.uuid.as_str() == uuid)
    }

    /// Magnum's `get_resource('Cluster', ident)`, scoped to the caller's project.
    pub fn cluster_index(&self, ident: &str, ctx: &AuthContext) -> Result<usize, ApiFault> {
        let by_uuid = is_uuid_like(ident);
        let found: Vec<usize> = self
            .clusters
            .iter()
            .enumerate()
            .filter(|(_, c)| c.record.project_id == ctx.project_id)
            .filter(|(_, c)| {
                if by_uuid {
                    c.record.uuid == ident
                } else {
                    c.record.name == ident
                }
            })
            .map(|(i, _)| i)
            .collect();
        match found.as_slice() {
            [one] => Ok(*one),
            [] => Err(ApiFault::not_found(format!(
                "Cluster {ident} could not be found."
            ))),
            _ => Err(ApiFault::conflict(
                "Multiple Clusters exist with same name. Please use the Cluster uuid instead.",
            )),
        }
    }

    /// Clusters in a project (all projects with `None`).
    pub fn clusters_in(&self, project: Option<&str>) -> impl Iterator<Item = &ClusterRow> {
        self.clusters
            .iter()
            .filter(move |c| project.is_none_or(|p| c.record.project_id == p))
    }
}

/// `labels_overridden` / `labels_added` / `labels_skipped` of `own` against `parent`
/// (overridden carries the parent's value, as Magnum does).
fn label_diffs(own: &Labels, parent: &Labels) -> [(&'static str, Labels); 3] {
    let overridden = parent
        .iter()
        .filter(|(k, v)| own.get(*k).is_some_and(|o| o != *v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let added = own
        .iter()
        .filter(|(k, _)| !parent.contains_key(*k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let skipped = parent
        .iter()
        .filter(|(k, _)| !own.contains_key(*k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    [
        ("labels_overridden", overridden),
        ("labels_added", added),
        ("labels_skipped", skipped),
    ]
}

const CLUSTER_SUMMARY: [&str; 16] = [
    "uuid",
    "name",
    "cluster_template_id",
    "keypair",
    "docker_volume_size",
    "labels",
    "node_count",
    "status",
    "master_flavor_id",
    "flavor_id",
    "create_timeout",
    "master_count",
    "health_status",
    "merge_labels",
    "links",
    "stack_id",
];

const NODEGROUP_SUMMARY: [&str; 12] = [
    "uuid",
    "name",
    "flavor_id",
    "image_id",
    "node_count",
    "role",
    "is_default",
    "status",
    "stack_id",
    "min_node_count",
    "max_node_count",
    "merge_labels",
];

fn addresses(record: &ClusterRecord, master: bool) -> Vec<String> {
    record
        .nodegroups
        .iter()
        .filter(|n| n.is_master() == master)
        .flat_map(|n| n.node_addresses.iter().cloned())
        .collect()
}

impl ClusterRow {
    /// The cluster as GET-one (`detail` + `faults`), detail lists, or summary lists show it.
    pub fn json(&self, base: &str, version: Microversion, view: View) -> Map<String, Value> {
        let r = &self.record;
        let e = &self.extra;
        let template_labels = r.template.labels.clone().unwrap_or_default();
        let mut obj = json!({
            "uuid": r.uuid, "name": r.name, "cluster_template_id": r.template.uuid.as_str(),
            "keypair": r.keypair, "docker_volume_size": e.docker_volume_size,
            "labels": r.labels, "node_count": r.node_count(), "master_count": r.master_count(),
            "status": r.status.as_str(), "status_reason": r.status_reason,
            "master_flavor_id": e.master_flavor_id, "flavor_id": e.flavor_id,
            "create_timeout": r.create_timeout,
            "health_status": r.health_status.as_ref().map(|h| h.as_str()),
            "health_status_reason": r.health_status_reason,
            "merge_labels": e.merge_labels, "discovery_url": e.discovery_url,
            "api_address": r.api_address, "coe_version": r.coe_version,
            "container_version": r.coe_version.as_ref().map(|_| "1.12.6"),
            "project_id": r.project_id, "user_id": e.user_id,
            "node_addresses": addresses(r, false), "master_addresses": addresses(r, true),
            "fixed_network": e.fixed_network, "fixed_subnet": e.fixed_subnet,
            "floating_ip_enabled": e.floating_ip_enabled,
            "master_lb_enabled": e.master_lb_enabled,
            "created_at": e.created_at, "updated_at": e.updated_at,
            "links": links(base, &format!("clusters/{}", r.uuid)),
        });
        let Some(obj) = obj.as_object_mut() else {
            return Map::new();
        };
        let id_key = if version >= Microversion::V1_13 {
            "cluster_id"
        } else {
            "stack_id"
        };
        obj.insert(id_key.into(), json!(r.stack_id));
        for (key, diff) in label_diffs(&r.labels, &template_labels) {
            obj.insert(key.into(), json!(diff));
        }
        if view == View::One && r.status.is_magnum_status_failed() {
            obj.insert("faults".into(), json!(r.faults()));
        }
        if view == View::Summary {
            obj.retain(|k, _| CLUSTER_SUMMARY.contains(&k.as_str()) || k == id_key);
        }
        std::mem::take(obj)
    }

    pub fn nodegroup_json(
        &self,
        ng: &NodeGroupRecord,
        base: &str,
        view: View,
    ) -> Map<String, Value> {
        let extra = self
            .extra
            .nodegroups
            .get(&ng.uuid)
            .cloned()
            .unwrap_or_default();
        let mut obj = json!({
            "uuid": ng.uuid, "id": extra.id, "name": ng.name, "cluster_id": self.record.uuid,
            "project_id": self.record.project_id, "docker_volume_size": ng.docker_volume_size,
            "labels": ng.labels, "flavor_id": ng.flavor_id, "image_id": ng.image_id,
            "node_addresses": ng.node_addresses, "node_count": ng.node_count,
            "role": ng.role, "min_node_count": ng.min_node_count,
            "max_node_count": ng.max_node_count, "is_default": ng.is_default,
            "stack_id": ng.stack_id, "status": ng.status.as_str(),
            "status_reason": ng.status_reason, "version": Value::Null,
            "merge_labels": extra.merge_labels, "node_labels": extra.node_labels,
            "node_taints": extra.node_taints, "created_at": extra.created_at,
            "updated_at": extra.updated_at,
            "links": links(base, &format!("clusters/{}/nodegroups/{}", self.record.uuid, ng.uuid)),
        });
        let Some(obj) = obj.as_object_mut() else {
            return Map::new();
        };
        for (key, diff) in label_diffs(&ng.labels, &self.record.labels) {
            obj.insert(key.into(), json!(diff));
        }
        if view == View::Summary {
            obj.retain(|k, _| NODEGROUP_SUMMARY.contains(&k.as_str()));
        }
        std::mem::take(obj)
    }

    /// Total nodes (masters included), as `/v1/stats` counts them.
    pub fn total_nodes(&self) -> u64 {
        self.record
            .nodegroups
            .iter()
            .map(|n| u64::from(n.node_count))
            .sum()
    }
}

/// Which representation a resource renders to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum View {
    /// GET-one (clusters add `faults` when failed).
    One,
    /// `/detail` collections.
    Detail,
    /// Plain collections.
    Summary,
}

/// Names Magnum generates for unnamed resources (`<greek letter>-<n>-<kind>`).
pub(crate) fn generated_name(kind: &str, seed: u64) -> String {
    const GREEK: [&str; 24] = [
        "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
        "lambda", "mu", "nu", "xi", "omicron", "pi", "rho", "sigma", "tau", "upsilon", "phi",
        "chi", "psi", "omega",
    ];
    let letter = GREEK[(seed % 24) as usize];
    format!("{letter}-{}-{kind}", seed % 24 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn sorted(labels: &Labels) -> BTreeMap<&str, &str> {
        labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    #[test]
    fn label_diffs_follow_magnums_vectors() {
        // Magnum's own unit-test vector for label diffs.
        let parent: Labels = [("label1", "value1"), ("label2", "value2")]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .into();
        let own: Labels = [("label1", "value3"), ("label4", "value4")]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .into();
        let [(_, overridden), (_, added), (_, skipped)] = label_diffs(&own, &parent);
        assert_eq!(sorted(&overridden), [("label1", "value1")].into());
        assert_eq!(sorted(&added), [("label4", "value4")].into());
        assert_eq!(sorted(&skipped), [("label2", "value2")].into());
    }
}
