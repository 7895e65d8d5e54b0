//! Pure response decoding: one object, or one page of a collection (`{"<key>": [...], "next":
//! "<url>"}`) with the marker of the next page. Decoding errors name the JSON path that failed.

use serde::de::DeserializeOwned;

use crate::error::{Error, Result};

/// One page of a listing.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// The marker to request the next page with, when the server said there is one.
    pub next_marker: Option<String>,
}

/// Decodes a JSON body into `T`, naming the failing JSON path on error.
///
/// # Errors
/// [`Error::Decode`].
pub fn decode<T: DeserializeOwned>(method: &str, path: &str, body: &[u8]) -> Result<T> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|err| Error::Decode {
        method: method.to_owned(),
        path: path.to_owned(),
        json_path: err.path().to_string(),
        source: err.into_inner(),
    })
}

#[derive(serde::Deserialize)]
struct RawPage {
    #[serde(default)]
    next: Option<String>,
    #[serde(flatten)]
    rest: serde_json::Map<String, serde_json::Value>,
}

/// Decodes one page of collection `key`.
///
/// # Errors
/// [`Error::Decode`] when the body is not an object holding an array under `key`, or an item
/// does not decode (the path names the item index).
pub fn decode_page<T: DeserializeOwned>(
    method: &str,
    path: &str,
    key: &str,
    body: &[u8],
) -> Result<Page<T>> {
    let mut raw: RawPage = decode(method, path, body)?;
    let items_value = raw.rest.remove(key).unwrap_or(serde_json::Value::Null);
    let items: Vec<T> =
        serde_path_to_error::deserialize(items_value).map_err(|err| Error::Decode {
            method: method.to_owned(),
            path: path.to_owned(),
            json_path: format!("{key}{}", err.path()),
            source: err.into_inner(),
        })?;
    let next_marker = raw.next.as_deref().and_then(marker_of);
    Ok(Page { items, next_marker })
}

/// Extracts `marker` from a `next` URL (absolute or relative).
pub fn marker_of(next: &str) -> Option<String> {
    let query = next.split_once('?')?.1;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == "marker")
        .map(|(_, value)| value.into_owned())
        .filter(|marker| !marker.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Cluster;

    #[test]
    fn next_links_yield_markers() {
        assert_eq!(
            marker_of("http://h/v1/clusters?sort_key=id&sort_dir=asc&limit=2&marker=abc-1")
                .as_deref(),
            Some("abc-1")
        );
        assert_eq!(marker_of("http://h/v1/clusters?limit=2"), None);
        assert_eq!(marker_of("http://h/v1/clusters"), None);
    }

    #[test]
    fn decode_errors_name_the_json_path() {
        let body = br#"{"clusters": [{"uuid": "a"}, {"uuid": "b", "node_count": "three"}]}"#;
        let err = decode_page::<Cluster>("GET", "/v1/clusters", "clusters", body).unwrap_err();
        match &err {
            Error::Decode { json_path, .. } => assert_eq!(json_path, "clusters[1].node_count"),
            other => panic!("unexpected {other:?}"),
        }
        assert!(err.to_string().contains("clusters[1].node_count"));
    }

    #[test]
    fn a_missing_collection_key_is_a_decode_error() {
        let err = decode_page::<Cluster>("GET", "/v1/clusters", "clusters", b"{}").unwrap_err();
        assert!(matches!(err, Error::Decode { .. }));
    }
}
