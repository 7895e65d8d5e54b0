//! What goes over the wire, the way magnum-api does it: the `{"errors": [...]}` fault body of
//! `parsable_error.py` (title = the detail's first sentence), microversion negotiation with the
//! version headers and both 406 shapes, keystonemiddleware's 401, request ids, JSON bodies,
//! links, and pagination with Magnum's `next` URL.

use std::sync::Arc;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use magnum_core::Microversion;
use magnum_core::microversion::SERVICE_TYPE_ALIASES;
use serde_json::{Map, Value, json};

/// The range the simulator serves.
pub const MIN_VERSION: Microversion = Microversion::V1_1;
/// The newest microversion served.
pub const MAX_VERSION: Microversion = Microversion::V1_14;
/// oslo.middleware's `max_request_body_size` (112 KiB), above which bodies get 413.
pub const MAX_BODY_BYTES: usize = 114_688;
const VERSION_SERVICE: &str = "container-infrastructure-management";

/// An API error, rendered as Magnum renders its exceptions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiFault {
    /// HTTP status.
    pub status: StatusCode,
    /// The full message (`detail`).
    pub detail: String,
}

impl ApiFault {
    /// A fault with any status.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            detail: detail.into(),
        }
    }

    /// 400 (`Invalid`, `InvalidParameterValue`, `NotSupported`…).
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }

    /// 403 (`NotAuthorized`, policy).
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, detail)
    }

    /// 404 (`ResourceNotFound`).
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, detail)
    }

    /// 409 (`Conflict`).
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, detail)
    }

    /// Magnum's policy refusal.
    pub fn policy(rule: &str) -> Self {
        Self::forbidden(format!("Policy doesn't allow {rule} to be performed."))
    }

    /// The `errors[]` body.
    pub fn body(&self) -> Value {
        let title = self.detail.split('.').next().unwrap_or_default();
        json!({"errors": [{
            "request_id": "",
            "code": if self.status.is_server_error() { "server" } else { "client" },
            "status": self.status.as_u16(),
            "title": title,
            "detail": self.detail,
            "links": [],
        }]})
    }
}

impl IntoResponse for ApiFault {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body())).into_response()
    }
}

/// The microversion a request asked for, or why it cannot be served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Negotiation {
    /// Served at this version.
    Version(Microversion),
    /// Malformed header: Magnum answers 406 with an empty fault and no version headers.
    Malformed,
    /// Well-formed but outside 1.1–1.14.
    Unsupported(String),
}

/// Magnum's header rule: absent ⇒ 1.1, `latest` ⇒ 1.14, one of three service names.
pub fn negotiate(headers: &HeaderMap) -> Negotiation {
    let Some(raw) = headers.get("openstack-api-version") else {
        return Negotiation::Version(MIN_VERSION);
    };
    let Ok(text) = raw.to_str() else {
        return Negotiation::Malformed;
    };
    let Some((service, version)) = text.trim().split_once(char::is_whitespace) else {
        return Negotiation::Malformed;
    };
    if !SERVICE_TYPE_ALIASES
        .iter()
        .any(|alias| alias.eq_ignore_ascii_case(service))
    {
        return Negotiation::Malformed;
    }
    let version = version.trim();
    if version.eq_ignore_ascii_case("latest") {
        return Negotiation::Version(MAX_VERSION);
    }
    match version.parse::<Microversion>() {
        Ok(v) if (MIN_VERSION..=MAX_VERSION).contains(&v) => Negotiation::Version(v),
        Ok(_) => Negotiation::Unsupported(version.to_owned()),
        Err(_) => Negotiation::Malformed,
    }
}

/// Stamps the version headers every v1 response carries.
pub fn stamp_versions(headers: &mut HeaderMap, version: &str) {
    let value = |v: String| HeaderValue::from_str(&v).ok();
    let pairs = [
        (
            "openstack-api-minimum-version",
            value(format!("{VERSION_SERVICE} {MIN_VERSION}")),
        ),
        (
            "openstack-api-maximum-version",
            value(format!("{VERSION_SERVICE} {MAX_VERSION}")),
        ),
        (
            "openstack-api-version",
            value(format!("{VERSION_SERVICE} {version}")),
        ),
    ];
    for (name, value) in pairs {
        if let Some(value) = value {
            headers.insert(name, value);
        }
    }
    headers.insert(
        header::VARY,
        HeaderValue::from_static("OpenStack-API-Version"),
    );
}

/// The 406 for a malformed header (what magnum-api 23 sends: an empty fault).
pub fn malformed_version_response() -> Response {
    let body = json!({"errors": [{"request_id": "", "code": "", "status": 406, "title": "",
        "detail": "", "links": []}]});
    (StatusCode::NOT_ACCEPTABLE, axum::Json(body)).into_response()
}

/// The 406 for a version outside the range, with `min_version` / `max_version`.
pub fn unsupported_version_response(requested: &str) -> Response {
    let body = json!({"errors": [{
        "code": "magnum.microversion-unsupported",
        "title": "Requested microversion is unsupported",
        "min_version": MIN_VERSION.to_string(),
        "max_version": MAX_VERSION.to_string(),
        "links": [{"href": "http://docs.openstack.org/api-guide/compute/microversions.html",
                   "rel": "help"}],
    }]});
    let mut response = (StatusCode::NOT_ACCEPTABLE, axum::Json(body)).into_response();
    stamp_versions(response.headers_mut(), requested);
    response
}

/// The answer to a method gated to a version range that the request's version misses (an
/// empty 406, as magnum-api 23 answers e.g. nodegroups at 1.8); `None` when allowed.
pub fn too_old(version: Microversion, min: Microversion) -> Option<Response> {
    (version < min).then(malformed_version_response)
}

/// keystonemiddleware's 401.
pub fn unauthorized(auth_url: &str) -> Response {
    let body = json!({"error": {"code": 401, "title": "Unauthorized",
        "message": "The request you have made requires authentication."}});
    let mut response = (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&format!("Keystone uri=\"{auth_url}\"")) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

/// A fresh `req-<uuid>` request id.
pub fn request_id() -> String {
    format!("req-{}", uuid::Uuid::new_v4())
}

/// A fresh UUID.
pub fn new_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Now, as Magnum prints timestamps (`2026-11-26T11:37:21.943998+00:00`).
pub fn now_timestamp() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}+00:00",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        now.microsecond()
    )
}

/// Parses a JSON request body into an object.
///
/// # Errors
/// 400 for malformed JSON or a non-object.
pub fn json_object(body: &[u8]) -> Result<Map<String, Value>, ApiFault> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(ApiFault::bad_request(format!(
            "Invalid input: the request body must be a JSON object, not {}",
            kind_of(&other)
        ))),
        Err(e) => Err(ApiFault::bad_request(format!(
            "Invalid input: the request body is not valid JSON ({e})"
        ))),
    }
}

/// The JSON type name of a value, for messages.
pub fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// `self` and `bookmark` links for `<base>/v1/<path>`.
pub fn links(base: &str, path: &str) -> Value {
    json!([
        {"href": format!("{base}/v1/{path}"), "rel": "self"},
        {"href": format!("{base}/{path}"), "rel": "bookmark"},
    ])
}

/// Pagination query parameters (`limit`, `marker`, `sort_key`, `sort_dir`).
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct PageQuery {
    /// Page size.
    pub limit: Option<String>,
    /// UUID of the last item of the previous page.
    pub marker: Option<String>,
    /// Sort field.
    pub sort_key: Option<String>,
    /// `asc` or `desc`.
    pub sort_dir: Option<String>,
    /// Nodegroup role filter.
    pub role: Option<String>,
}

/// One page of a collection and the `next` URL when the page is full.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The items, each as its JSON text.
    pub items: Vec<Arc<str>>,
    /// Magnum's `next` link.
    pub next: Option<String>,
}

impl Page {
    /// `{"<key>": [...], "next": …}` (no `next` key on the last page), written straight from
    /// the items' texts.
    pub fn into_response(self, key: &str) -> Response {
        let size = self.items.iter().map(|t| t.len() + 1).sum::<usize>() + key.len() + 64;
        let mut body = String::with_capacity(size);
        body.push_str("{\"");
        body.push_str(key);
        body.push_str("\":[");
        for (i, item) in self.items.iter().enumerate() {
            if i > 0 {
                body.push(',');
            }
            body.push_str(item);
        }
        body.push(']');
        if let Some(next) = self.next {
            body.push_str(",\"next\":");
            body.push_str(&Value::String(next).to_string());
        }
        body.push('}');
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response()
    }
}

/// The JSON text of a rendered item.
fn item_text(item: &Map<String, Value>) -> Arc<str> {
    // A map of JSON values always serialises.
    Arc::from(serde_json::to_string(item).unwrap_or_else(|_| "{}".into()))
}

/// A sort value with a total order: missing/null < booleans < numbers < strings < anything
/// else (by its JSON text). For a column of one type this is the order Magnum's database gives.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SortValue {
    Null,
    Bool(bool),
    Number(f64),
    Text(String),
    Other(String),
}

impl SortValue {
    fn of(value: Option<&Value>) -> Self {
        match value {
            None | Some(Value::Null) => Self::Null,
            Some(Value::Bool(b)) => Self::Bool(*b),
            Some(Value::Number(n)) => Self::Number(n.as_f64().unwrap_or(0.0)),
            Some(Value::String(s)) => Self::Text(s.clone()),
            Some(other) => Self::Other(other.to_string()),
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Self::Null => 0,
            Self::Bool(_) => 1,
            Self::Number(_) => 2,
            Self::Text(_) => 3,
            Self::Other(_) => 4,
        }
    }
}

impl Eq for SortValue {}

impl PartialOrd for SortValue {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SortValue {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        match (self, other) {
            (Self::Bool(a), Self::Bool(b)) => a.cmp(b),
            (Self::Number(a), Self::Number(b)) => a.total_cmp(b),
            (Self::Text(a), Self::Text(b)) | (Self::Other(a), Self::Other(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

/// What a pagination query asks for, checked like Magnum checks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PageSpec {
    pub limit: usize,
    pub sort_key: String,
    pub descending: bool,
}

impl PageSpec {
    /// # Errors
    /// 400 for a bad limit or sort_dir.
    pub fn parse(query: &PageQuery) -> Result<Self, ApiFault> {
        let limit = match query.limit.as_deref() {
            None => 1000,
            Some(text) => match text.trim().parse::<i64>() {
                Ok(n) if n <= 0 => return Err(ApiFault::bad_request("Limit must be positive")),
                Ok(n) => usize::try_from(n.min(1000)).unwrap_or(1000),
                Err(_) => {
                    return Err(ApiFault::bad_request(format!(
                        "Invalid input for field/attribute limit. Value: '{text}'. unable to convert to int"
                    )));
                }
            },
        };
        let sort_dir = query.sort_dir.as_deref().unwrap_or("asc");
        if sort_dir != "asc" && sort_dir != "desc" {
            return Err(ApiFault::bad_request(format!(
                "Invalid sort direction: {sort_dir}. Acceptable values are 'asc' or 'desc'"
            )));
        }
        Ok(Self {
            limit,
            sort_key: query.sort_key.clone().unwrap_or_else(|| "id".into()),
            descending: sort_dir == "desc",
        })
    }
}

/// A collection in ascending `(sort value, id)` order with each UUID's position: built once
/// (O(N log N), rendering each item once when the key is not `id`), then every page is a
/// marker lookup and a slice, O(limit). Each item's JSON text is kept once drawn (the index
/// lives as long as the store does not change), so a page of already-drawn rows is copied, not
/// rendered again.
#[derive(Debug)]
pub(crate) struct SortedIndex {
    rows: Vec<(SortValue, u64, String)>,
    texts: Vec<std::sync::OnceLock<Option<Arc<str>>>>,
    position: std::collections::HashMap<String, usize>,
}

impl SortedIndex {
    /// Sorts `items` (`(internal id, uuid, item)`) by `sort_key`.
    ///
    /// # Errors
    /// 400 when the rendered items have no such field.
    pub fn build<T>(
        items: Vec<(u64, String, T)>,
        sort_key: &str,
        render: impl Fn(&T) -> Map<String, Value>,
    ) -> Result<Self, ApiFault> {
        let mut rows = Vec::with_capacity(items.len());
        for (index, (id, uuid, item)) in items.into_iter().enumerate() {
            let (value, text) = if sort_key == "id" {
                (SortValue::Null, None)
            } else {
                let rendered = render(&item);
                if index == 0 && !rendered.contains_key(sort_key) {
                    return Err(ApiFault::bad_request(format!(
                        "The sort_key value \"{sort_key}\" is an invalid field for sorting"
                    )));
                }
                (
                    SortValue::of(rendered.get(sort_key)),
                    Some(item_text(&rendered)),
                )
            };
            rows.push((value, id, uuid, text));
        }
        rows.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        let position = rows
            .iter()
            .enumerate()
            .map(|(i, (_, _, uuid, _))| (uuid.clone(), i))
            .collect();
        let mut texts = Vec::with_capacity(rows.len());
        let rows = rows
            .into_iter()
            .map(|(value, id, uuid, text)| {
                let cell = std::sync::OnceLock::new();
                if let Some(text) = text {
                    let _ = cell.set(Some(text));
                }
                texts.push(cell);
                (value, id, uuid)
            })
            .collect();
        Ok(Self {
            rows,
            texts,
            position,
        })
    }

    /// How many items the index holds.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// One page: the ids after `marker` in the spec's direction, and Magnum's `next` link when
    /// the page is full. `fetch` turns an id into the rendered item (`None`: skipped); it is
    /// asked once per item over the index's life.
    ///
    /// # Errors
    /// `not_found(marker)` for an unknown marker.
    pub fn page(
        &self,
        spec: &PageSpec,
        marker: Option<&str>,
        collection_url: &str,
        fetch: impl Fn(u64) -> Option<Map<String, Value>>,
        not_found: impl Fn(&str) -> ApiFault,
    ) -> Result<Page, ApiFault> {
        let count = self.rows.len();
        // Positions in the requested direction: ascending i, or descending count - 1 - i.
        let at = |step: usize| {
            if spec.descending {
                count - 1 - step
            } else {
                step
            }
        };
        let start = match marker {
            None => 0,
            Some(marker) => {
                let position = *self.position.get(marker).ok_or_else(|| not_found(marker))?;
                (if spec.descending {
                    count - 1 - position
                } else {
                    position
                }) + 1
            }
        };
        let mut items = Vec::with_capacity(spec.limit.min(count));
        let mut last = None;
        for step in start..count {
            if items.len() == spec.limit {
                break;
            }
            let position = at(step);
            let (_, id, uuid) = &self.rows[position];
            let text = self.texts[position].get_or_init(|| fetch(*id).map(|item| item_text(&item)));
            if let Some(text) = text {
                items.push(text.clone());
                last = Some(uuid.clone());
            }
        }
        let next = (items.len() == spec.limit)
            .then_some(last)
            .flatten()
            .map(|last| {
                format!(
                    "{collection_url}?sort_key={}&sort_dir={}&limit={}&marker={last}",
                    spec.sort_key,
                    if spec.descending { "desc" } else { "asc" },
                    spec.limit
                )
            });
        Ok(Page { items, next })
    }
}

/// One page of a collection, sorted and cut like Magnum's `_get_*_collection` (for small
/// collections; the large ones keep a sorted index between pages).
///
/// # Errors
/// 400 for a bad limit / sort_dir / sort_key, 404 for an unknown marker (`not_found`).
pub fn paginate<T>(
    items: Vec<(u64, String, T)>,
    query: &PageQuery,
    collection_url: &str,
    render: impl Fn(&T) -> Map<String, Value>,
    not_found: impl Fn(&str) -> ApiFault,
) -> Result<Page, ApiFault> {
    let spec = PageSpec::parse(query)?;
    let by_id: std::collections::HashMap<u64, &T> =
        items.iter().map(|(id, _, item)| (*id, item)).collect();
    let index = SortedIndex::build(
        items
            .iter()
            .map(|(id, uuid, item)| (*id, uuid.clone(), item))
            .collect(),
        &spec.sort_key,
        |item| render(item),
    )?;
    index.page(
        &spec,
        query.marker.as_deref(),
        collection_url,
        |id| by_id.get(&id).map(|item| render(item)),
        not_found,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            "openstack-api-version",
            HeaderValue::from_str(value).unwrap(),
        );
        h
    }

    #[test]
    fn negotiation_follows_magnums_header_rules() {
        assert_eq!(
            negotiate(&HeaderMap::new()),
            Negotiation::Version(Microversion::V1_1)
        );
        assert_eq!(
            negotiate(&headers("container-infra latest")),
            Negotiation::Version(Microversion::V1_14)
        );
        assert_eq!(
            negotiate(&headers("container-infrastructure-management 1.9")),
            Negotiation::Version(Microversion::V1_9)
        );
        assert_eq!(negotiate(&headers("compute 1.9")), Negotiation::Malformed);
        assert_eq!(
            negotiate(&headers("container-infra x.y")),
            Negotiation::Malformed
        );
        assert_eq!(
            negotiate(&headers("container-infra 1.99")),
            Negotiation::Unsupported("1.99".into())
        );
    }

    #[test]
    fn fault_title_is_the_first_sentence() {
        let body = ApiFault::bad_request("Invalid stats type. Allowed values are 'cluster'").body();
        assert_eq!(body["errors"][0]["title"], "Invalid stats type");
        assert_eq!(body["errors"][0]["code"], "client");
        assert_eq!(body["errors"][0]["status"], 400);
    }

    #[test]
    fn pages_carry_magnums_next_link_only_when_full() {
        let items: Vec<(u64, String, u64)> = (1..=3).map(|i| (i, format!("u{i}"), i)).collect();
        let render = |i: &u64| {
            let mut m = Map::new();
            m.insert("n".into(), json!(i));
            m
        };
        let query = PageQuery {
            limit: Some("2".into()),
            ..PageQuery::default()
        };
        let nf = |m: &str| ApiFault::not_found(m.to_owned());
        let page = paginate(items.clone(), &query, "http://h/v1/x", render, nf).unwrap();
        assert_eq!(page.items.len(), 2);
        assert_eq!(
            page.next.as_deref(),
            Some("http://h/v1/x?sort_key=id&sort_dir=asc&limit=2&marker=u2")
        );
        let query = PageQuery {
            limit: Some("2".into()),
            marker: Some("u2".into()),
            ..PageQuery::default()
        };
        let page = paginate(items.clone(), &query, "http://h/v1/x", render, nf).unwrap();
        assert_eq!(page.items.len(), 1);
        assert!(page.next.is_none());
        let bad = PageQuery {
            limit: Some("0".into()),
            ..PageQuery::default()
        };
        assert_eq!(
            paginate(items, &bad, "u", render, nf).unwrap_err().detail,
            "Limit must be positive"
        );
    }
}
