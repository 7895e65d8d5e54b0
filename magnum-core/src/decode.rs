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
    // Fast path without path tracking; only a body that fails is decoded again, tracked.
    if let Ok(value) = serde_json::from_slice(body) {
        return Ok(value);
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|err| Error::Decode {
        method: method.to_owned(),
        path: path.to_owned(),
        json_path: err.path().to_string(),
        source: err.into_inner(),
    })
}

/// Visits a collection object in one pass: the array under `key` is decoded straight into
/// `Vec<T>`, `next` is kept, everything else is skipped without being built.
struct PageSeed<'k, T> {
    key: &'k str,
    _item: std::marker::PhantomData<fn() -> T>,
}

impl<'de, T: DeserializeOwned> serde::de::DeserializeSeed<'de> for PageSeed<'_, T> {
    type Value = (Option<Vec<T>>, Option<String>);

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, T: DeserializeOwned> serde::de::Visitor<'de> for PageSeed<'_, T> {
    type Value = (Option<Vec<T>>, Option<String>);

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "an object with a `{}` array", self.key)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut items = None;
        let mut next = None;
        while let Some(name) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if name == self.key {
                items = Some(map.next_value::<Vec<T>>()?);
            } else if name == "next" {
                next = map.next_value::<Option<String>>()?;
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok((items, next))
    }
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
    let decode_error = |json_path: String, source: serde_json::Error| Error::Decode {
        method: method.to_owned(),
        path: path.to_owned(),
        json_path,
        source,
    };
    let seed = || PageSeed {
        key,
        _item: std::marker::PhantomData,
    };
    // Fast path without path tracking (≈ 10 % of a page's decode); a body that fails is
    // decoded again, tracked, for the error's JSON path.
    let mut json = serde_json::Deserializer::from_slice(body);
    let fast = serde::de::DeserializeSeed::deserialize(seed(), &mut json)
        .and_then(|page| json.end().map(|()| page));
    let (items, next) = match fast {
        Ok(page) => page,
        Err(_) => {
            let mut json = serde_json::Deserializer::from_slice(body);
            let mut track = serde_path_to_error::Track::new();
            let tracked = serde_path_to_error::Deserializer::new(&mut json, &mut track);
            let page = serde::de::DeserializeSeed::deserialize(seed(), tracked)
                .map_err(|e| decode_error(track.path().to_string(), e))?;
            json.end().map_err(|e| decode_error(".".to_owned(), e))?;
            page
        }
    };
    let items = items.ok_or_else(|| {
        decode_error(
            key.to_owned(),
            serde::de::Error::custom(format!("missing collection `{key}`")),
        )
    })?;
    let next_marker = next.as_deref().and_then(marker_of);
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
