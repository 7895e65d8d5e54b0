//! Optional persistence of the simulator's state in an SQLite file (`--state FILE`): templates,
//! clusters (conductor record, CA references, API columns), quotas, the id counter and each
//! cluster's CA objects (which hold encrypted private keys and their passphrases: the file is
//! created with mode 0600, and an existing file is tightened to 0600).
//!
//! Writes are row by row: the store notes which rows changed ([`Store::take_changes`]), only
//! those rows are encoded ([`Batch::collect`], under the store lock, so batches leave in the
//! order the changes were made) and a dedicated writer thread applies them in one transaction
//! per group of queued batches, off the async runtime's worker threads. A request that changed
//! something is answered only after its batch is committed, so kill -9 loses no acknowledged
//! change.
//!
//! Loading validates every row: a row that does not decode is left in the file untouched and
//! skipped with a warning; a cluster whose numbers Magnum's 32-bit columns cannot hold is
//! loaded as failed, with a warning, so a bad row can never put the simulator into a crash loop.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

use magnum_core::ca::{ClusterCertRefs, MemoryCertStore};
use magnum_core::types::ClusterStatus;
use rusqlite::{Connection, params};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value};

use super::store::{Changes, ClusterExtra, ClusterRow, QuotaRow, Store, TemplateRow};
use crate::conductor::ClusterResources;
use crate::driver::ClusterRecord;

/// Why the state file could not be used.
#[derive(Debug, Clone, thiserror::Error)]
#[error("simulator state file {path}: {message}")]
pub struct StateError {
    path: PathBuf,
    message: String,
}

/// A cluster as stored in the file.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredCluster {
    record: ClusterRecord,
    cert_refs: Option<ClusterCertRefs>,
    extra: ClusterExtra,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS templates (id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS clusters (id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS quotas (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS certificates (ref TEXT PRIMARY KEY, cluster_id INTEGER NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS certificates_by_cluster ON certificates (cluster_id);
";

/// The largest node count Magnum's `Integer` columns hold.
const INT_MAX: u32 = i32::MAX as u32;

/// One cluster row to write: id, uuid, body and its CA objects (reference, row JSON).
type ClusterWrite = (i64, String, String, Vec<(String, SecretString)>);

/// The rows one group of changes writes: `(id, uuid, body)` upserts and ids to delete.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    templates: Vec<(i64, String, String)>,
    template_deletes: Vec<i64>,
    clusters: Vec<ClusterWrite>,
    cluster_deletes: Vec<i64>,
    quotas: Vec<(i64, String)>,
    quota_deletes: Vec<i64>,
    next_id: Option<i64>,
    /// Drop the pre-row-level `certificates` blob (a migrated file).
    drop_legacy_blob: bool,
}

fn sql_id(id: u64) -> i64 {
    i64::try_from(id).unwrap_or(i64::MAX)
}

impl Batch {
    /// Encodes the rows `changes` names, as they are in `store` now (a row no longer in the
    /// store is deleted). Cost: the changed rows only.
    pub fn collect(store: &Store, changes: &Changes, certs: &MemoryCertStore) -> Self {
        let mut batch = Self::default();
        for &id in &changes.templates {
            match store.template_by_id(id) {
                Some(row) => match serde_json::to_string(&row.obj) {
                    Ok(body) => batch
                        .templates
                        .push((sql_id(id), row.uuid().to_owned(), body)),
                    Err(e) => tracing::error!(id, error = %e, "template not encoded"),
                },
                None => batch.template_deletes.push(sql_id(id)),
            }
        }
        for &id in &changes.clusters {
            let Some(row) = store.cluster_by_id(id) else {
                batch.cluster_deletes.push(sql_id(id));
                continue;
            };
            let stored = StoredCluster {
                record: row.record.clone(),
                cert_refs: row.resources.cert_refs.clone(),
                extra: row.extra.clone(),
            };
            let body = match serde_json::to_string(&stored) {
                Ok(body) => body,
                Err(e) => {
                    tracing::error!(id, error = %e, "cluster not encoded");
                    continue;
                }
            };
            let mut rows = Vec::new();
            if let Some(refs) = &row.resources.cert_refs {
                for reference in [
                    &refs.ca_cert_ref,
                    &refs.etcd_ca_cert_ref,
                    &refs.front_proxy_ca_cert_ref,
                    &refs.magnum_cert_ref,
                ] {
                    match certs.row_json(reference) {
                        Ok(Some(json)) => rows.push((reference.clone(), json)),
                        Ok(None) => {}
                        Err(e) => tracing::error!(id, error = %e, "certificate not encoded"),
                    }
                }
            }
            batch
                .clusters
                .push((sql_id(id), row.record.uuid.clone(), body, rows));
        }
        for &id in &changes.quotas {
            match store.quota_by_id(id) {
                Some(row) => match serde_json::to_string(row) {
                    Ok(body) => batch.quotas.push((sql_id(id), body)),
                    Err(e) => tracing::error!(id, error = %e, "quota not encoded"),
                },
                None => batch.quota_deletes.push(sql_id(id)),
            }
        }
        if changes.next_id {
            batch.next_id = Some(sql_id(store.peek_next_id()));
        }
        batch
    }

    /// Writes the batch inside `tx`.
    fn apply(&self, tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
        for (id, uuid, body) in &self.templates {
            tx.execute(
                "INSERT INTO templates (id, uuid, body) VALUES (?1, ?2, ?3)
                 ON CONFLICT(id) DO UPDATE SET uuid = ?2, body = ?3",
                params![id, uuid, body],
            )?;
        }
        for id in &self.template_deletes {
            tx.execute("DELETE FROM templates WHERE id = ?1", params![id])?;
        }
        for (id, uuid, body, certs) in &self.clusters {
            tx.execute(
                "INSERT INTO clusters (id, uuid, body) VALUES (?1, ?2, ?3)
                 ON CONFLICT(id) DO UPDATE SET uuid = ?2, body = ?3",
                params![id, uuid, body],
            )?;
            tx.execute(
                "DELETE FROM certificates WHERE cluster_id = ?1",
                params![id],
            )?;
            for (reference, json) in certs {
                tx.execute(
                    "INSERT INTO certificates (ref, cluster_id, body) VALUES (?1, ?2, ?3)
                     ON CONFLICT(ref) DO UPDATE SET cluster_id = ?2, body = ?3",
                    params![reference, id, json.expose_secret()],
                )?;
            }
        }
        for id in &self.cluster_deletes {
            tx.execute("DELETE FROM clusters WHERE id = ?1", params![id])?;
            tx.execute(
                "DELETE FROM certificates WHERE cluster_id = ?1",
                params![id],
            )?;
        }
        for (id, body) in &self.quotas {
            tx.execute(
                "INSERT INTO quotas (id, body) VALUES (?1, ?2)
                 ON CONFLICT(id) DO UPDATE SET body = ?2",
                params![id, body],
            )?;
        }
        for id in &self.quota_deletes {
            tx.execute("DELETE FROM quotas WHERE id = ?1", params![id])?;
        }
        if let Some(next) = self.next_id {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('next_id', ?1)
                 ON CONFLICT(key) DO UPDATE SET value = ?1",
                params![next.to_string()],
            )?;
        }
        if self.drop_legacy_blob {
            tx.execute("DELETE FROM meta WHERE key = 'certificates'", [])?;
        }
        Ok(())
    }
}

/// A batch on its way to the writer thread, with its sequence number.
type Job = (u64, Batch);

/// What loading found.
#[derive(Debug, Default)]
pub(crate) struct Loaded {
    /// Rows skipped or marked failed, in words (each was also logged as a warning).
    pub warnings: Vec<String>,
}

/// An open state file: its writer thread, the sequence number of the last batch handed to it
/// and of the last one committed.
#[derive(Debug)]
pub(crate) struct StateFile {
    path: PathBuf,
    jobs: std::sync::Mutex<mpsc::Sender<Job>>,
    submitted: AtomicU64,
    committed: tokio::sync::watch::Receiver<u64>,
}

fn open_private(path: &Path) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| e.to_string())?;
        let mode = file
            .metadata()
            .map_err(|e| e.to_string())?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            // It holds every cluster CA's private key and passphrase: owner only.
            file.set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(|e| {
                    format!(
                        "is readable by others (mode {:o}) and cannot be restricted to 0600: {e}",
                        mode & 0o777
                    )
                })?;
            tracing::warn!(path = %path.display(), "state file permissions tightened from {:o} to 600", mode & 0o777);
        }
    }
    #[cfg(not(unix))]
    {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

impl StateFile {
    /// Opens (creating with mode 0600, or tightening to 0600) the file, reads and validates
    /// what it holds, and starts the writer thread.
    pub fn open(path: &Path) -> Result<(Self, Store, MemoryCertStore, Loaded), StateError> {
        let fail = |message: String| StateError {
            path: path.to_owned(),
            message,
        };
        open_private(path).map_err(fail)?;
        let conn = Connection::open(path).map_err(|e| fail(e.to_string()))?;
        conn.execute_batch(SCHEMA)
            .map_err(|e| fail(e.to_string()))?;
        let (mut store, certs, loaded, legacy) = load(&conn).map_err(fail)?;
        let (tx, rx) = mpsc::channel::<Job>();
        let (committed_tx, committed) = tokio::sync::watch::channel(0u64);
        let thread_path = path.to_owned();
        std::thread::Builder::new()
            .name("magnum-sim-state".into())
            .spawn(move || writer(conn, rx, committed_tx, thread_path))
            .map_err(|e| fail(format!("cannot start the writer thread: {e}")))?;
        let file = Self {
            path: path.to_owned(),
            jobs: std::sync::Mutex::new(tx),
            submitted: AtomicU64::new(0),
            committed,
        };
        if legacy {
            // A file from before row-level writes: rewrite it once in the new layout.
            store.mark_all_changed();
        }
        // Rows marked failed while loading are written back now.
        let changes = store.take_changes();
        if !changes.is_empty() {
            let mut batch = Batch::collect(&store, &changes, &certs);
            batch.drop_legacy_blob = legacy;
            file.submit(batch);
        }
        Ok((file, store, certs, loaded))
    }

    /// Queues a batch; returns its sequence number. Call with the store locked (sequence
    /// numbers then follow the order of the changes).
    pub fn submit(&self, batch: Batch) -> u64 {
        let seq = self.submitted.fetch_add(1, Ordering::SeqCst) + 1;
        let sent = self
            .jobs
            .lock()
            .map_err(|_| ())
            .and_then(|jobs| jobs.send((seq, batch)).map_err(|_| ()));
        if sent.is_err() {
            tracing::error!(path = %self.path.display(), "state writer is gone: change not saved");
        }
        seq
    }

    /// The sequence number of the last batch queued.
    pub fn last_submitted(&self) -> u64 {
        self.submitted.load(Ordering::SeqCst)
    }

    /// Waits until every batch up to `seq` is committed (or the writer is gone).
    pub async fn committed(&self, seq: u64) -> Result<(), StateError> {
        let mut committed = self.committed.clone();
        committed
            .wait_for(|done| *done >= seq)
            .await
            .map(|_| ())
            .map_err(|_| StateError {
                path: self.path.clone(),
                message: "the state writer stopped".into(),
            })
    }
}

/// The writer thread: applies queued batches, several per transaction when they queue up,
/// then publishes the highest committed sequence number. Ends when every sender is gone.
fn writer(
    mut conn: Connection,
    jobs: mpsc::Receiver<Job>,
    committed: tokio::sync::watch::Sender<u64>,
    path: PathBuf,
) {
    while let Ok(first) = jobs.recv() {
        let mut group = vec![first];
        while let Ok(more) = jobs.try_recv() {
            group.push(more);
            if group.len() >= 256 {
                break;
            }
        }
        let result = (|| -> rusqlite::Result<()> {
            let tx = conn.transaction()?;
            for (_, batch) in &group {
                batch.apply(&tx)?;
            }
            tx.commit()
        })();
        if let Err(e) = &result {
            tracing::error!(path = %path.display(), error = %e, "state not saved");
        }
        let last = group.iter().map(|(seq, _)| *seq).max().unwrap_or_default();
        committed.send_modify(|done| *done = (*done).max(last));
    }
}

/// Reads every table; returns the store, the CA objects, the warnings and whether the file
/// still had the old whole-table certificate blob.
fn load(conn: &Connection) -> Result<(Store, MemoryCertStore, Loaded, bool), String> {
    let sql = |e: rusqlite::Error| e.to_string();
    let meta = |key: &str| -> Result<Option<String>, String> {
        let mut stmt = conn
            .prepare("SELECT value FROM meta WHERE key = ?1")
            .map_err(sql)?;
        let mut rows = stmt.query(params![key]).map_err(sql)?;
        match rows.next().map_err(sql)? {
            Some(row) => Ok(Some(row.get(0).map_err(sql)?)),
            None => Ok(None),
        }
    };
    let rows = |query: &str| -> Result<Vec<(i64, String)>, String> {
        let mut stmt = conn.prepare(query).map_err(sql)?;
        stmt.query_map([], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
        })
        .map_err(sql)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sql)
    };
    let mut loaded = Loaded::default();
    let mut warn = |message: String| {
        tracing::warn!("{message}");
        loaded.warnings.push(message);
    };
    let mut store = Store::default();
    let mut highest = 0u64;
    let mut seen = HashSet::new();
    let mut keep_id = |id: i64, what: &str, warn: &mut dyn FnMut(String)| -> Option<u64> {
        match u64::try_from(id) {
            Ok(id) if id > 0 && seen.insert((what.to_owned(), id)) => {
                highest = highest.max(id);
                Some(id)
            }
            _ => {
                warn(format!("{what} row {id}: not a valid id; skipped"));
                None
            }
        }
    };
    for (id, body) in rows("SELECT id, body FROM templates ORDER BY id")? {
        let Some(id) = keep_id(id, "template", &mut warn) else {
            continue;
        };
        match serde_json::from_str::<Map<String, Value>>(&body) {
            Ok(obj) => store.push_template(TemplateRow { id, obj }),
            Err(e) => warn(format!("template row {id} does not decode ({e}); skipped")),
        }
    }
    let mut failed = Vec::new();
    for (id, body) in rows("SELECT id, body FROM clusters ORDER BY id")? {
        let Some(id) = keep_id(id, "cluster", &mut warn) else {
            continue;
        };
        let stored = match serde_json::from_str::<StoredCluster>(&body) {
            Ok(stored) => stored,
            Err(e) => {
                warn(format!("cluster row {id} does not decode ({e}); skipped"));
                continue;
            }
        };
        let mut record = stored.record;
        let oversized = record
            .nodegroups
            .iter()
            .any(|n| n.node_count > INT_MAX || n.max_node_count.is_some_and(|m| m > INT_MAX));
        if oversized {
            warn(format!(
                "cluster {} ({id}) has node counts beyond Magnum's 32-bit columns; loaded as failed",
                record.uuid
            ));
            fail_record(
                &mut record,
                "node counts beyond Magnum's 32-bit integer columns (state file)",
            );
            failed.push(id);
        }
        store.push_cluster(ClusterRow {
            id,
            record,
            resources: ClusterResources {
                cert_refs: stored.cert_refs,
                ..ClusterResources::default()
            },
            extra: stored.extra,
        });
    }
    for (id, body) in rows("SELECT id, body FROM quotas ORDER BY id")? {
        let Some(id) = keep_id(id, "quota", &mut warn) else {
            continue;
        };
        match serde_json::from_str::<QuotaRow>(&body) {
            Ok(row) => store.push_quota(row),
            Err(e) => warn(format!("quota row {id} does not decode ({e}); skipped")),
        }
    }
    let stored_next = meta("next_id")?
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or_default();
    // Ids never repeat, whatever the meta row says.
    store.set_next_id(stored_next.max(highest));
    let legacy = meta("certificates")?;
    let certs = match &legacy {
        Some(text) => MemoryCertStore::from_json(&SecretString::from(text.clone()))
            .map_err(|e| e.to_string())?,
        None => MemoryCertStore::new(),
    };
    let mut stmt = conn
        .prepare("SELECT ref, body FROM certificates")
        .map_err(sql)?;
    let found = stmt
        .query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })
        .map_err(sql)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sql)?;
    for (reference, body) in found {
        if let Err(e) = certs.insert_row_json(&SecretString::from(body)) {
            warn(format!(
                "certificate {reference} does not decode ({e}); skipped"
            ));
        }
    }
    // What was read is not a change; what was marked failed is, and is written back.
    let _ = store.take_changes();
    for id in failed {
        if let Some(index) = store.clusters().iter().position(|c| c.id == id) {
            store.cluster_mut(index);
        }
    }
    Ok((store, certs, loaded, legacy.is_some()))
}

/// Marks a loaded cluster failed (the status its operation would fail with) and drops its
/// addresses, so nothing is allocated for it.
pub(crate) fn fail_record(record: &mut ClusterRecord, reason: &str) {
    let failed = match record.status {
        ClusterStatus::CreateInProgress | ClusterStatus::CreateFailed => {
            ClusterStatus::CreateFailed
        }
        ClusterStatus::DeleteInProgress | ClusterStatus::DeleteFailed => {
            ClusterStatus::DeleteFailed
        }
        _ => ClusterStatus::UpdateFailed,
    };
    record.status = failed.clone();
    record.status_reason = Some(reason.to_owned());
    for ng in &mut record.nodegroups {
        ng.node_addresses.clear();
        if ng.status.is_in_progress() {
            ng.status = failed.clone();
            ng.status_reason = Some(reason.to_owned());
        }
    }
}
