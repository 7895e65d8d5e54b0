//! Small value types shared by every resource: links, timestamps, label maps, the `{"uuid"}`
//! acknowledgement of asynchronous calls, and the lenient decoders Magnum's loose JSON needs.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// Unknown response keys, kept so that decoding and re-encoding loses nothing.
pub type Extra = BTreeMap<String, serde_json::Value>;

/// A string-to-string map: template/cluster/nodegroup `labels`, `node_labels`,
/// `health_status_reason`, `faults`, federation `properties`.
///
/// Magnum stores these as strings (`DictOfStringsField`: `True` → `"True"`, `3` → `"3"`), but
/// some drivers and old servers send raw booleans or numbers; decoding accepts those and turns
/// them into the text Magnum itself would store.
pub type Labels = BTreeMap<String, String>;

/// A hypermedia link as Magnum returns it (`self` / `bookmark`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Link {
    /// Absolute URL.
    pub href: String,
    /// Relation: `self`, `bookmark`, `help`…
    pub rel: String,
    /// Media type, when given.
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "type")]
    pub media_type: Option<String>,
}

/// A timestamp as Magnum sends it (`2026-11-26T11:37:21.957832+00:00`).
///
/// The original text is kept (re-encoding is byte-exact); [`Timestamp::parse`] gives an
/// [`time::OffsetDateTime`], treating an offset-less timestamp as UTC like Magnum does.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(String);

impl Timestamp {
    /// Wraps timestamp text.
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The text as received.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Parses RFC 3339 (`…Z` or `…+00:00`) or a naive `YYYY-MM-DDTHH:MM:SS[.ffffff]` (UTC).
    /// Returns `None` for anything else.
    pub fn parse(&self) -> Option<time::OffsetDateTime> {
        use time::format_description::well_known::Rfc3339;
        if let Ok(parsed) = time::OffsetDateTime::parse(&self.0, &Rfc3339) {
            return Some(parsed);
        }
        let naive = time::macros::format_description!(
            version = 2,
            "[year]-[month]-[day][first [T] [ ]][hour]:[minute]:[second][optional [.[subsecond]]]"
        );
        time::PrimitiveDateTime::parse(&self.0, &naive)
            .ok()
            .map(time::PrimitiveDateTime::assume_utc)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The body of Magnum's asynchronous answers (cluster create/update/resize/upgrade, CA and
/// credential rotation, federation create/update): `{"uuid": "<cluster uuid>"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UuidRef {
    /// The affected resource.
    pub uuid: String,
    /// Unknown keys, kept.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Decodes a [`Labels`] map that may hold non-string scalars or be `null`.
pub(crate) fn lenient_labels<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Labels>, D::Error> {
    let raw: Option<BTreeMap<String, serde_json::Value>> = Option::deserialize(deserializer)?;
    Ok(raw.map(|map| {
        map.into_iter()
            .map(|(key, value)| (key, scalar_to_text(value)))
            .collect()
    }))
}

/// Renders a JSON scalar the way Magnum's `DictOfStringsField` stores it.
fn scalar_to_text(value: serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text,
        serde_json::Value::Bool(true) => "True".to_owned(),
        serde_json::Value::Bool(false) => "False".to_owned(),
        serde_json::Value::Null => "None".to_owned(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_parse_in_every_format_magnum_and_keystone_use() {
        for text in [
            "2026-11-26T11:37:21.957832+00:00",
            "2026-11-26T11:37:21Z",
            "2026-11-26T11:37:21.957832",
            "2026-11-26T11:37:21",
        ] {
            let parsed = Timestamp::new(text).parse().expect(text);
            assert_eq!(parsed.unix_timestamp(), 1_795_693_041, "{text}");
        }
        assert!(Timestamp::new("yesterday").parse().is_none());
    }

    #[test]
    fn labels_accept_scalars_like_magnum_stores_them() {
        #[derive(Deserialize)]
        struct Holder {
            #[serde(deserialize_with = "lenient_labels")]
            labels: Option<Labels>,
        }
        let holder: Holder =
            serde_json::from_str(r#"{"labels": {"a": "x", "b": true, "c": 3, "d": 1.5}}"#).unwrap();
        let labels = holder.labels.unwrap();
        assert_eq!(labels["b"], "True");
        assert_eq!(labels["c"], "3");
        assert_eq!(labels["d"], "1.5");
        let none: Holder = serde_json::from_str(r#"{"labels": null}"#).unwrap();
        assert!(none.labels.is_none());
    }
}
