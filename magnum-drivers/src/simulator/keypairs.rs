//! Nova's keypair API, writable and per user, as `nova-api` answers it:
//! `GET/POST /compute/v2.1/os-keypairs`, `GET/DELETE /compute/v2.1/os-keypairs/{name}`.
//!
//! * Compute microversions 2.1–2.96 from `OpenStack-API-Version: compute X` or
//!   `X-OpenStack-Nova-API-Version` (`latest` allowed; a malformed one 400, an unsupported
//!   one 406), echoed in the answer. 2.2 adds `type` (`ssh` | `x509`) and answers create
//!   201 / delete 204 instead of 200 / 202; 2.10 lets an admin act for another user
//!   (`user_id`); 2.35 pages the list (`limit`, `marker`, `keypairs_links`); from 2.92 a
//!   `public_key` is required and names may also hold `@` and `.`.
//! * A given OpenSSH public key is parsed (`ssh-key`) and fingerprinted as Nova does (MD5 of
//!   the key blob, colon-separated hex); an x509 one must be a PEM certificate (SHA-1 of its
//!   DER). Without a public key one is generated and its private half returned once —
//!   Ed25519 in OpenSSH format with the comment `Generated-by-Nova` (Nova generates RSA-2048:
//!   the simulator keeps key generation instant).
//! * Nova's errors in Nova's shapes (`{"badRequest": {"code": 400, "message": …}}`,
//!   `itemNotFound`, `conflictingRequest`, `forbidden`, `computeFault`): unsafe names, names
//!   over 255 characters, unknown attributes, duplicates (409), more than 100 keypairs per
//!   user (403, `maxTotalKeypairs`), another user's keypairs without admin (403).
//!
//! The catalog's seeded keypair names exist for every user (each user gets an own copy on
//! first use, so deleting one is that user's business). Keypairs are kept in memory only:
//! they are not written to the state file.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use md5::{Digest, Md5};
use serde_json::{Map, Value, json};
use ssh_key::{Algorithm, LineEnding, PrivateKey, PublicKey};

use super::{AuthContext, Shared};

/// The newest compute microversion answered (Nova 2024.2 "Dalmatian").
pub(crate) const MAX_COMPUTE_MINOR: u32 = 96;
/// Nova's `maxTotalKeypairs`.
pub(crate) const MAX_PER_USER: usize = 100;
/// Keypairs held for all users together (bounds memory whatever `user_id`s an admin sends).
const MAX_TOTAL: usize = 100_000;

/// One stored keypair.
#[derive(Debug, Clone)]
struct Keypair {
    id: u64,
    name: String,
    public_key: String,
    fingerprint: String,
    kind: &'static str,
    created_at: String,
}

/// Every user's keypairs.
#[derive(Debug)]
pub(crate) struct Keypairs {
    by_user: Mutex<Store>,
    /// The catalog's names with one generated public key each.
    seeded: Vec<Keypair>,
}

#[derive(Debug, Default)]
struct Store {
    users: HashMap<String, BTreeMap<String, Keypair>>,
    total: usize,
    next_id: u64,
}

impl Keypairs {
    /// Keypairs for the catalog's seeded names.
    pub(crate) fn new(seeded_names: &[String]) -> Self {
        let seeded = seeded_names
            .iter()
            .enumerate()
            .filter_map(|(index, name)| {
                let generated = generate().ok()?;
                Some(Keypair {
                    id: index as u64 + 1,
                    name: name.clone(),
                    public_key: generated.public_key,
                    fingerprint: generated.fingerprint,
                    kind: "ssh",
                    created_at: timestamp(),
                })
            })
            .collect::<Vec<_>>();
        let next_id = seeded.len() as u64 + 1;
        Self {
            by_user: Mutex::new(Store {
                next_id,
                ..Store::default()
            }),
            seeded,
        }
    }

    /// Does `user_id` hold a keypair called `name` (Magnum's keypair check)?
    pub(crate) fn exists(&self, user_id: &str, name: &str) -> bool {
        match self.by_user.lock() {
            Ok(store) => match store.users.get(user_id) {
                Some(own) => own.contains_key(name),
                None => self.seeded.iter().any(|k| k.name == name),
            },
            Err(_) => false,
        }
    }

    fn with_user<T>(
        &self,
        user_id: &str,
        f: impl FnOnce(&mut BTreeMap<String, Keypair>, &mut usize, &mut u64) -> T,
    ) -> Result<T, NovaFault> {
        let mut store = self
            .by_user
            .lock()
            .map_err(|_| NovaFault::new(StatusCode::INTERNAL_SERVER_ERROR, "state poisoned"))?;
        let Store {
            users,
            total,
            next_id,
        } = &mut *store;
        let own = users.entry(user_id.to_owned()).or_insert_with(|| {
            *total += self.seeded.len();
            self.seeded
                .iter()
                .map(|k| (k.name.clone(), k.clone()))
                .collect()
        });
        Ok(f(own, total, next_id))
    }
}

/// A Nova error answer.
#[derive(Debug)]
pub(crate) struct NovaFault {
    status: StatusCode,
    message: String,
}

impl NovaFault {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    fn invalid(reason: &str) -> Self {
        Self::bad_request(format!("Keypair data is invalid: {reason}"))
    }

    fn not_found(name: &str, user_id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            format!("Keypair {name} not found for user {user_id}"),
        )
    }

    /// Nova's fault body: the status's name (`wsgi.Fault._fault_names`) around code and message.
    fn into_response(self, version: Option<u32>) -> Response {
        let name = match self.status.as_u16() {
            400 => "badRequest",
            401 => "unauthorized",
            403 => "forbidden",
            404 => "itemNotFound",
            405 => "badMethod",
            409 => "conflictingRequest",
            413 | 429 => "overLimit",
            415 => "badMediaType",
            501 => "notImplemented",
            503 => "serviceUnavailable",
            _ => "computeFault",
        };
        let body = json!({ name: {"code": self.status.as_u16(), "message": self.message} });
        answer(self.status, Some(body), version)
    }
}

/// A compute answer with Nova's version headers.
fn answer(status: StatusCode, body: Option<Value>, version: Option<u32>) -> Response {
    let mut response = match body {
        Some(body) => (status, axum::Json(body)).into_response(),
        None => status.into_response(),
    };
    if let Some(minor) = version {
        let headers = response.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&format!("compute 2.{minor}")) {
            headers.insert("openstack-api-version", v);
        }
        if let Ok(v) = HeaderValue::from_str(&format!("2.{minor}")) {
            headers.insert("x-openstack-nova-api-version", v);
        }
        headers.insert(
            "vary",
            HeaderValue::from_static("OpenStack-API-Version, X-OpenStack-Nova-API-Version"),
        );
    }
    response
}

/// The requested compute microversion's minor number (2.1 when none is asked for).
fn negotiate(headers: &HeaderMap) -> Result<u32, NovaFault> {
    let asked = headers
        .get_all("openstack-api-version")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|item| {
            let mut parts = item.split_whitespace();
            (parts.next()?.eq_ignore_ascii_case("compute"))
                .then(|| parts.next().unwrap_or("").to_owned())
        })
        .or_else(|| {
            headers
                .get("x-openstack-nova-api-version")
                .map(|v| v.to_str().unwrap_or("\u{fffd}").trim().to_owned())
        });
    let Some(asked) = asked else {
        return Ok(1);
    };
    if asked.eq_ignore_ascii_case("latest") {
        return Ok(MAX_COMPUTE_MINOR);
    }
    let parsed = asked
        .split_once('.')
        .and_then(|(major, minor)| Some((major.parse::<u32>().ok()?, minor.parse::<u32>().ok()?)));
    let Some((major, minor)) = parsed else {
        return Err(NovaFault::bad_request(format!(
            "API Version String {asked} is of invalid format. Must be of format MajorNum.MinorNum."
        )));
    };
    if major != 2 || minor == 0 || minor > MAX_COMPUTE_MINOR {
        return Err(NovaFault::new(
            StatusCode::NOT_ACCEPTABLE,
            format!(
                "Version {major}.{minor} is not supported by the API. Minimum is 2.1 and maximum is 2.{MAX_COMPUTE_MINOR}."
            ),
        ));
    }
    Ok(minor)
}

/// Nova's timestamp shape (`2014-05-07T12:06:13.681238`, UTC, no offset).
fn timestamp() -> String {
    let magnum = super::wire::now_timestamp();
    magnum.trim_end_matches("+00:00").to_owned()
}

/// Colon-separated lower-case hex, as Nova prints fingerprints.
fn colon_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Nova's SSH fingerprint: MD5 of the key blob.
fn ssh_fingerprint(key: &PublicKey) -> Result<String, NovaFault> {
    let blob = key
        .to_bytes()
        .map_err(|_| NovaFault::invalid("failed to generate fingerprint"))?;
    Ok(colon_hex(&Md5::digest(blob)))
}

/// Nova's x509 fingerprint: SHA-1 of the certificate's DER.
fn x509_fingerprint(pem: &str) -> Result<String, NovaFault> {
    use x509_cert::der::{DecodePem, Encode};
    let failed = || NovaFault::invalid("failed to generate X509 fingerprint");
    let cert = x509_cert::Certificate::from_pem(pem.trim().as_bytes()).map_err(|_| failed())?;
    let der = cert.to_der().map_err(|_| failed())?;
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, &der);
    Ok(colon_hex(digest.as_ref()))
}

struct Generated {
    public_key: String,
    private_key: String,
    fingerprint: String,
}

/// A new SSH keypair, as Nova makes one when no public key is given.
fn generate() -> Result<Generated, NovaFault> {
    let failed = || NovaFault::new(StatusCode::INTERNAL_SERVER_ERROR, "key generation failed");
    let private = PrivateKey::random(&mut ssh_key::rand_core::OsRng, Algorithm::Ed25519)
        .map_err(|_| failed())?;
    let public = PublicKey::new(private.public_key().key_data().clone(), "Generated-by-Nova");
    Ok(Generated {
        public_key: public.to_openssh().map_err(|_| failed())?,
        private_key: private
            .to_openssh(LineEnding::LF)
            .map_err(|_| failed())?
            .to_string(),
        fingerprint: ssh_fingerprint(&public)?,
    })
}

/// The user whose keypairs a request acts on: the caller, or (2.10+, admins only) `user_id`.
fn target_user(
    ctx: &AuthContext,
    asked: Option<&str>,
    version: u32,
    rule: &str,
) -> Result<String, NovaFault> {
    match asked {
        Some(user) if version >= 10 && user != ctx.user_id => {
            if ctx.is_admin() {
                Ok(user.to_owned())
            } else {
                Err(NovaFault::new(
                    StatusCode::FORBIDDEN,
                    format!(
                        "Policy doesn't allow os_compute_api:os-keypairs:{rule} to be performed."
                    ),
                ))
            }
        }
        _ => Ok(ctx.user_id.clone()),
    }
}

fn view(keypair: &Keypair, version: u32) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("name".into(), json!(keypair.name));
    out.insert("public_key".into(), json!(keypair.public_key));
    out.insert("fingerprint".into(), json!(keypair.fingerprint));
    if version >= 2 {
        out.insert("type".into(), json!(keypair.kind));
    }
    out
}

/// Nova's schema message for one attribute.
fn schema_error(attribute: &str, value: &Value, message: &str) -> NovaFault {
    let shown = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    NovaFault::bad_request(format!(
        "Invalid input for field/attribute {attribute}. Value: {shown}. {message}"
    ))
}

/// The checked create body: name, public key, type, target user.
#[derive(Debug)]
struct CreateBody {
    name: String,
    public_key: Option<String>,
    kind: &'static str,
    user_id: Option<String>,
}

fn parse_create(body: &[u8], version: u32) -> Result<CreateBody, NovaFault> {
    let document: Value = serde_json::from_slice(body)
        .map_err(|_| NovaFault::bad_request("Malformed request body"))?;
    let Some(outer) = document.as_object() else {
        return Err(schema_error(
            "body",
            &document,
            &format!("{document} is not of type 'object'"),
        ));
    };
    if let Some(extra) = outer.keys().find(|k| *k != "keypair") {
        return Err(NovaFault::bad_request(format!(
            "Invalid input for field/attribute body. Value: {document}. Additional properties are not allowed ('{extra}' was unexpected)"
        )));
    }
    let Some(keypair) = outer.get("keypair") else {
        return Err(NovaFault::bad_request(format!(
            "Invalid input for field/attribute body. Value: {document}. 'keypair' is a required property"
        )));
    };
    let Some(fields) = keypair.as_object() else {
        return Err(schema_error(
            "keypair",
            keypair,
            &format!("{keypair} is not of type 'object'"),
        ));
    };
    let mut allowed = vec!["name", "public_key"];
    if version >= 2 {
        allowed.push("type");
    }
    if version >= 10 {
        allowed.push("user_id");
    }
    if let Some(extra) = fields.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(schema_error(
            "keypair",
            keypair,
            &format!("Additional properties are not allowed ('{extra}' was unexpected)"),
        ));
    }
    let required = if version >= 92 {
        &["name", "public_key"][..]
    } else {
        &["name"][..]
    };
    if let Some(missing) = required.iter().find(|k| !fields.contains_key(**k)) {
        return Err(schema_error(
            "keypair",
            keypair,
            &format!("'{missing}' is a required property"),
        ));
    }
    let text = |key: &str| -> Result<Option<String>, NovaFault> {
        match fields.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(schema_error(
                key,
                other,
                &format!("{other} is not of type 'string'"),
            )),
        }
    };
    let name = text("name")?.unwrap_or_default();
    let name_value = Value::String(name.clone());
    if name.is_empty() {
        return Err(schema_error("name", &name_value, "'' is too short"));
    }
    if name.chars().count() > 255 {
        return Err(schema_error(
            "name",
            &name_value,
            &format!("'{name}' is too long"),
        ));
    }
    let allowed_char = |c: char| {
        c.is_ascii_alphanumeric()
            || matches!(c, '_' | '-' | ' ')
            || (version >= 92 && matches!(c, '@' | '.'))
    };
    if !name.chars().all(allowed_char) || name.trim() != name {
        return Err(NovaFault::invalid(
            "Keypair name contains unsafe characters",
        ));
    }
    let kind = match text("type")?.as_deref() {
        None | Some("ssh") => "ssh",
        Some("x509") => "x509",
        Some(other) => {
            return Err(schema_error(
                "type",
                &Value::String(other.to_owned()),
                &format!("'{other}' is not one of ['ssh', 'x509']"),
            ));
        }
    };
    Ok(CreateBody {
        name,
        public_key: text("public_key")?,
        kind,
        user_id: text("user_id")?,
    })
}

/// Negotiates the compute microversion, runs `handle` with it and answers in Nova's shape
/// (version headers on success and failure alike; Nova's fault body on failure).
fn nova(
    headers: &HeaderMap,
    handle: impl FnOnce(u32) -> Result<(StatusCode, Option<Value>), NovaFault>,
) -> Response {
    let version = match negotiate(headers) {
        Ok(v) => v,
        Err(fault) => return fault.into_response(None),
    };
    match handle(version) {
        Ok((status, body)) => answer(status, body, Some(version)),
        Err(fault) => fault.into_response(Some(version)),
    }
}

/// `POST /compute/v2.1/os-keypairs`.
pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<AuthContext>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    nova(&headers, |version| {
        let body = create_keypair(&shared, &ctx, version, &body)?;
        let status = if version >= 2 {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        Ok((status, Some(body)))
    })
}

fn create_keypair(
    shared: &Shared,
    ctx: &AuthContext,
    version: u32,
    body: &[u8],
) -> Result<Value, NovaFault> {
    let input = parse_create(body, version)?;
    let user = target_user(ctx, input.user_id.as_deref(), version, "create")?;
    let (public_key, fingerprint, private_key) = match input.public_key {
        Some(given) if input.kind == "x509" => {
            let fingerprint = x509_fingerprint(&given)?;
            (given, fingerprint, None)
        }
        Some(given) => {
            let key = PublicKey::from_openssh(given.trim())
                .map_err(|_| NovaFault::invalid("failed to generate fingerprint"))?;
            let fingerprint = ssh_fingerprint(&key)?;
            (given, fingerprint, None)
        }
        None if input.kind == "x509" => {
            return Err(NovaFault::invalid(
                "Key pair type x509 needs a public key (a PEM certificate)",
            ));
        }
        None => {
            let generated = generate()?;
            (
                generated.public_key,
                generated.fingerprint,
                Some(generated.private_key),
            )
        }
    };
    let name = input.name;
    let stored = shared.keypairs.with_user(&user, |own, total, next_id| {
        if own.contains_key(&name) {
            return Err(NovaFault::new(
                StatusCode::CONFLICT,
                format!("Key pair '{name}' already exists."),
            ));
        }
        if own.len() >= MAX_PER_USER || *total >= MAX_TOTAL {
            return Err(NovaFault::new(
                StatusCode::FORBIDDEN,
                "Quota exceeded, too many key pairs.",
            ));
        }
        let keypair = Keypair {
            id: *next_id,
            name: name.clone(),
            public_key,
            fingerprint,
            kind: input.kind,
            created_at: timestamp(),
        };
        *next_id += 1;
        *total += 1;
        own.insert(name.clone(), keypair.clone());
        Ok(keypair)
    })??;
    let mut out = view(&stored, version);
    out.insert("user_id".into(), json!(user));
    if let Some(private_key) = private_key {
        out.insert("private_key".into(), json!(private_key));
    }
    Ok(json!({ "keypair": out }))
}

/// `GET /compute/v2.1/os-keypairs[?user_id=&limit=&marker=]`.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<AuthContext>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    nova(&headers, |version| {
        let body = list_keypairs(&shared, &ctx, version, &query)?;
        Ok((StatusCode::OK, Some(body)))
    })
}

fn list_keypairs(
    shared: &Shared,
    ctx: &AuthContext,
    version: u32,
    query: &HashMap<String, String>,
) -> Result<Value, NovaFault> {
    let user = keypair_user(ctx, query, version, "index")?;
    let paged = version >= 35;
    let limit = match query.get("limit").filter(|_| paged) {
        None => None,
        Some(raw) => match raw.parse::<usize>() {
            Ok(n) => Some(n),
            Err(_) => {
                return Err(NovaFault::bad_request(format!(
                    "Invalid input for query parameters limit. Value: {raw}. '{raw}' does not match '^[0-9]*$'"
                )));
            }
        },
    };
    let marker = query.get("marker").filter(|_| paged).cloned();
    let (items, more) = shared.keypairs.with_user(&user, |own, _, _| {
        let mut range: Box<dyn Iterator<Item = &Keypair>> = match &marker {
            Some(m) if !own.contains_key(m) => {
                return Err(NovaFault::bad_request(format!("marker [{m}] not found")));
            }
            Some(m) => Box::new(
                own.range::<str, _>((
                    std::ops::Bound::Excluded(m.as_str()),
                    std::ops::Bound::Unbounded,
                ))
                .map(|(_, k)| k),
            ),
            None => Box::new(own.values()),
        };
        let take = limit.unwrap_or(usize::MAX);
        let items: Vec<Keypair> = range.by_ref().take(take).cloned().collect();
        let more = limit.is_some_and(|n| n > 0 && items.len() == n);
        Ok((items, more))
    })??;
    let mut out = Map::new();
    let listed: Vec<Value> = items
        .iter()
        .map(|k| json!({ "keypair": view(k, version) }))
        .collect();
    if more {
        if let Some(last) = items.last() {
            let mut next = format!(
                "{}/compute/v2.1/os-keypairs?limit={}&marker={}",
                shared.base,
                limit.unwrap_or_default(),
                url::form_urlencoded::byte_serialize(last.name.as_bytes()).collect::<String>()
            );
            if user != ctx.user_id {
                next.push_str("&user_id=");
                next.extend(url::form_urlencoded::byte_serialize(user.as_bytes()));
            }
            out.insert(
                "keypairs_links".into(),
                json!([{"href": next, "rel": "next"}]),
            );
        }
    }
    out.insert("keypairs".into(), Value::Array(listed));
    Ok(Value::Object(out))
}

/// The user a request on one keypair acts for (`?user_id=`, 2.10+, admins only).
fn keypair_user(
    ctx: &AuthContext,
    query: &HashMap<String, String>,
    version: u32,
    rule: &str,
) -> Result<String, NovaFault> {
    target_user(ctx, query.get("user_id").map(String::as_str), version, rule)
}

/// `GET /compute/v2.1/os-keypairs/{name}[?user_id=]`.
pub(crate) async fn show(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<AuthContext>,
    headers: HeaderMap,
    Path(name): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    nova(&headers, |version| {
        let user = keypair_user(&ctx, &query, version, "show")?;
        let keypair = shared
            .keypairs
            .with_user(&user, |own, _, _| own.get(&name).cloned())?
            .ok_or_else(|| NovaFault::not_found(&name, &user))?;
        let mut out = view(&keypair, version);
        out.insert("user_id".into(), json!(user));
        out.insert("deleted".into(), json!(false));
        out.insert("created_at".into(), json!(keypair.created_at));
        out.insert("updated_at".into(), Value::Null);
        out.insert("deleted_at".into(), Value::Null);
        out.insert("id".into(), json!(keypair.id));
        Ok((StatusCode::OK, Some(json!({ "keypair": out }))))
    })
}

/// `DELETE /compute/v2.1/os-keypairs/{name}[?user_id=]`.
pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<AuthContext>,
    headers: HeaderMap,
    Path(name): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    nova(&headers, |version| {
        let user = keypair_user(&ctx, &query, version, "delete")?;
        let removed = shared.keypairs.with_user(&user, |own, total, _| {
            let gone = own.remove(&name).is_some();
            if gone {
                *total -= 1;
            }
            gone
        })?;
        if !removed {
            return Err(NovaFault::not_found(&name, &user));
        }
        let status = if version >= 2 {
            StatusCode::NO_CONTENT
        } else {
            StatusCode::ACCEPTED
        };
        Ok((status, None))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: &'static str, value: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_static(value));
        h
    }

    #[test]
    fn microversions_are_read_from_either_header() {
        assert_eq!(negotiate(&HeaderMap::new()).unwrap(), 1);
        assert_eq!(
            negotiate(&headers("openstack-api-version", "compute 2.35")).unwrap(),
            35
        );
        assert_eq!(
            negotiate(&headers(
                "openstack-api-version",
                "container-infra 1.9, compute 2.2"
            ))
            .unwrap(),
            2
        );
        assert_eq!(
            negotiate(&headers("x-openstack-nova-api-version", "latest")).unwrap(),
            MAX_COMPUTE_MINOR
        );
        assert_eq!(
            negotiate(&headers("x-openstack-nova-api-version", "2.x"))
                .unwrap_err()
                .status,
            400
        );
        assert_eq!(
            negotiate(&headers("x-openstack-nova-api-version", "2.97"))
                .unwrap_err()
                .status,
            406
        );
        assert_eq!(
            negotiate(&headers("x-openstack-nova-api-version", "3.1"))
                .unwrap_err()
                .status,
            406
        );
        assert_eq!(
            negotiate(&headers("x-openstack-nova-api-version", "2.0"))
                .unwrap_err()
                .status,
            406
        );
    }

    #[test]
    fn fingerprints_are_novas_md5_of_the_key_blob() {
        // ssh-keygen -l -E md5 -f key.pub of this key prints this fingerprint.
        let key = PublicKey::from_openssh(
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILM+rvN+ot98qgEN796jTiQfZfG1KaT0PtFDJ/XFSqti user@example.com",
        )
        .unwrap();
        assert_eq!(
            ssh_fingerprint(&key).unwrap(),
            "ae:6f:ba:1b:70:2c:ae:c7:5c:ab:6e:4d:5e:d4:c7:23"
        );
    }

    #[test]
    fn generated_keys_parse_back_and_carry_novas_comment() {
        let generated = generate().unwrap();
        assert!(generated.public_key.ends_with(" Generated-by-Nova"));
        let public = PublicKey::from_openssh(&generated.public_key).unwrap();
        assert_eq!(ssh_fingerprint(&public).unwrap(), generated.fingerprint);
        let private = PrivateKey::from_openssh(&generated.private_key).unwrap();
        assert_eq!(private.public_key().key_data(), public.key_data());
    }

    #[test]
    fn names_follow_novas_rules_by_microversion() {
        let body = |name: &str| serde_json::to_vec(&json!({"keypair": {"name": name}})).unwrap();
        assert!(parse_create(&body("ok name_-1"), 1).is_ok());
        let unsafe_name = parse_create(&body("a@b.c"), 91).unwrap_err();
        assert_eq!(
            unsafe_name.message,
            "Keypair data is invalid: Keypair name contains unsafe characters"
        );
        assert!(
            parse_create(
                &serde_json::to_vec(&json!({"keypair": {"name": "a@b.c", "public_key": "x"}}))
                    .unwrap(),
                92
            )
            .is_ok()
        );
        assert!(
            parse_create(&body("a@b.c"), 92)
                .unwrap_err()
                .message
                .contains("'public_key' is a required property")
        );
        assert!(
            parse_create(&body(&"x".repeat(256)), 1)
                .unwrap_err()
                .message
                .ends_with("is too long")
        );
        assert!(
            parse_create(&body(""), 1)
                .unwrap_err()
                .message
                .ends_with("'' is too short")
        );
        let typed = serde_json::to_vec(&json!({"keypair": {"name": "k", "type": "ssh"}})).unwrap();
        assert!(
            parse_create(&typed, 1)
                .unwrap_err()
                .message
                .contains("('type' was unexpected)")
        );
        assert_eq!(parse_create(&typed, 2).unwrap().kind, "ssh");
        let listed = serde_json::to_vec(&json!({"keypair": ["k"]})).unwrap();
        assert!(
            parse_create(&listed, 1)
                .unwrap_err()
                .message
                .contains("is not of type 'object'")
        );
        assert_eq!(
            parse_create(b"\xff", 1).unwrap_err().message,
            "Malformed request body"
        );
    }
}
