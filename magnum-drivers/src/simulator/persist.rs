//! Optional persistence of the simulator's state in an SQLite file (`--state FILE`): templates,
//! clusters (conductor record, CA references, API columns), quotas, id counter and the CA
//! objects (which hold encrypted private keys: the file is created with mode 0600). Written in
//! one transaction after every accepted change, read once at start, so a restarted simulator
//! keeps its clusters; operations that were in progress resume from the restart.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use magnum_core::ca::{ClusterCertRefs, MemoryCertStore};
use rusqlite::{Connection, params};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value};

use super::store::{ClusterExtra, ClusterRow, QuotaRow, Store, TemplateRow};
use crate::conductor::ClusterResources;
use crate::driver::ClusterRecord;

/// Why the state file could not be used.
#[derive(Debug, thiserror::Error)]
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

/// An open state file.
#[derive(Debug)]
pub(crate) struct StateFile {
    path: PathBuf,
    conn: Mutex<Connection>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS templates (id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS clusters (id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS quotas (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
";

impl StateFile {
    fn error(&self, message: impl std::fmt::Display) -> StateError {
        StateError {
            path: self.path.clone(),
            message: message.to_string(),
        }
    }

    fn encode<T: serde::Serialize>(&self, value: &T) -> Result<String, StateError> {
        serde_json::to_string(value).map_err(|e| self.error(e))
    }

    /// Opens (creating with mode 0600) the file and its tables.
    pub fn open(path: &Path) -> Result<Self, StateError> {
        let fail = |message: String| StateError {
            path: path.to_owned(),
            message,
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .mode(0o600)
                .open(path)
                .map_err(|e| fail(e.to_string()))?;
        }
        let conn = Connection::open(path).map_err(|e| fail(e.to_string()))?;
        conn.execute_batch(SCHEMA)
            .map_err(|e| fail(e.to_string()))?;
        Ok(Self {
            path: path.to_owned(),
            conn: Mutex::new(conn),
        })
    }

    /// Reads the stored state (an empty store for a new file) and the CA objects.
    pub fn load(&self) -> Result<(Store, MemoryCertStore), StateError> {
        let conn = self.conn.lock().map_err(|_| self.error("lock poisoned"))?;
        let sql = |e: rusqlite::Error| self.error(e);
        let meta = |key: &str| -> Result<Option<String>, StateError> {
            let mut stmt = conn
                .prepare("SELECT value FROM meta WHERE key = ?1")
                .map_err(sql)?;
            let mut rows = stmt.query(params![key]).map_err(sql)?;
            match rows.next().map_err(sql)? {
                Some(row) => Ok(Some(row.get(0).map_err(sql)?)),
                None => Ok(None),
            }
        };
        let rows = |table: &str| -> Result<Vec<(u64, String)>, StateError> {
            let mut stmt = conn
                .prepare(&format!("SELECT id, body FROM {table} ORDER BY id"))
                .map_err(sql)?;
            let found = stmt
                .query_map([], |row| {
                    Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
                })
                .map_err(sql)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(sql)?;
            Ok(found
                .into_iter()
                .map(|(id, body)| (u64::try_from(id).unwrap_or_default(), body))
                .collect())
        };
        let json = |what: &str, e: serde_json::Error| self.error(format!("{what}: {e}"));
        let mut store = Store::default();
        store.set_next_id(
            meta("next_id")?
                .and_then(|v| v.parse().ok())
                .unwrap_or_default(),
        );
        for (id, body) in rows("templates")? {
            let obj: Map<String, Value> =
                serde_json::from_str(&body).map_err(|e| json("template", e))?;
            store.templates.push(TemplateRow { id, obj });
        }
        for (id, body) in rows("clusters")? {
            let stored: StoredCluster =
                serde_json::from_str(&body).map_err(|e| json("cluster", e))?;
            let resources = ClusterResources {
                cert_refs: stored.cert_refs,
                ..ClusterResources::default()
            };
            store.clusters.push(ClusterRow {
                id,
                record: stored.record,
                resources,
                extra: stored.extra,
            });
        }
        for (_, body) in rows("quotas")? {
            store
                .quotas
                .push(serde_json::from_str::<QuotaRow>(&body).map_err(|e| json("quota", e))?);
        }
        let certs = match meta("certificates")? {
            Some(text) => {
                MemoryCertStore::from_json(&SecretString::from(text)).map_err(|e| self.error(e))?
            }
            None => MemoryCertStore::new(),
        };
        Ok((store, certs))
    }

    /// Replaces the stored state with `store` and `certs`, in one transaction.
    pub fn save(&self, store: &Store, certs: &MemoryCertStore) -> Result<(), StateError> {
        let mut conn = self.conn.lock().map_err(|_| self.error("lock poisoned"))?;
        let sql = |e: rusqlite::Error| StateError {
            path: self.path.clone(),
            message: e.to_string(),
        };
        let tx = conn.transaction().map_err(sql)?;
        tx.execute_batch("DELETE FROM templates; DELETE FROM clusters; DELETE FROM quotas;")
            .map_err(sql)?;
        let id = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        for row in &store.templates {
            tx.execute(
                "INSERT INTO templates (id, uuid, body) VALUES (?1, ?2, ?3)",
                params![id(row.id), row.uuid(), self.encode(&row.obj)?],
            )
            .map_err(sql)?;
        }
        for row in &store.clusters {
            let stored = StoredCluster {
                record: row.record.clone(),
                cert_refs: row.resources.cert_refs.clone(),
                extra: row.extra.clone(),
            };
            tx.execute(
                "INSERT INTO clusters (id, uuid, body) VALUES (?1, ?2, ?3)",
                params![id(row.id), row.record.uuid, self.encode(&stored)?],
            )
            .map_err(sql)?;
        }
        for row in &store.quotas {
            tx.execute(
                "INSERT INTO quotas (id, body) VALUES (?1, ?2)",
                params![id(row.id), self.encode(row)?],
            )
            .map_err(sql)?;
        }
        let certs = certs.to_json().map_err(|e| self.error(e))?;
        for (key, value) in [
            ("next_id", store.peek_next_id().to_string()),
            ("certificates", certs.expose_secret().to_owned()),
        ] {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2",
                params![key, value],
            )
            .map_err(sql)?;
        }
        tx.commit().map_err(sql)
    }
}
