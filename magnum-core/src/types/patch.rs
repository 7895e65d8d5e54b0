//! The JSON-patch wire format Magnum accepts, and the value encoding it requires.
//!
//! Magnum's `JsonPatchType` types `value` as *text or integer*. So this crate encodes:
//! integers as JSON numbers; strings as JSON strings; booleans as the strings `"True"` /
//! `"False"` (Magnum's `types.boolean` parses them strictly); and maps/lists (`labels`,
//! `node_labels`, `node_taints`, `health_status_reason`) as a **Python literal string** such as
//! `"{'kube_tag': 'v1.30.1'}"`, which Magnum parses with `ast.literal_eval` — the same form
//! `openstack coe cluster template update` sends. Resource modules wrap this in typed
//! per-field changes so no untyped path or value reaches the wire.

use serde::{Serialize, Serializer};

/// One operation of a Magnum JSON-patch document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PatchOp {
    /// `add`, `replace` or `remove`.
    pub op: PatchKind,
    /// `/attribute` (Magnum requires `^(/[\w-]+)+$`).
    pub path: String,
    /// The new value; absent for `remove`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<PatchValue>,
}

impl PatchOp {
    /// `replace` `/attribute` with `value`.
    pub fn replace(attribute: &str, value: PatchValue) -> Self {
        Self {
            op: PatchKind::Replace,
            path: format!("/{attribute}"),
            value: Some(value),
        }
    }

    /// `add` `value` at `/attribute` (Magnum refuses `add` on an attribute that already has a
    /// value; federation membership uses it to join a cluster).
    pub fn add(attribute: &str, value: PatchValue) -> Self {
        Self {
            op: PatchKind::Add,
            path: format!("/{attribute}"),
            value: Some(value),
        }
    }

    /// `remove` `/attribute` (resets it to the server default).
    pub fn remove(attribute: &str) -> Self {
        Self {
            op: PatchKind::Remove,
            path: format!("/{attribute}"),
            value: None,
        }
    }

    /// `remove` with a value (federation unjoin names the member to drop).
    pub fn remove_value(attribute: &str, value: PatchValue) -> Self {
        Self {
            op: PatchKind::Remove,
            path: format!("/{attribute}"),
            value: Some(value),
        }
    }
}

/// The JSON-patch operation name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum PatchKind {
    /// `add`.
    Add,
    /// `replace`.
    Replace,
    /// `remove`.
    Remove,
}

/// A value in Magnum's text-or-integer patch encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PatchValue {
    /// Sent as a JSON string.
    Text(String),
    /// Sent as a JSON number.
    Int(i64),
}

impl PatchValue {
    /// A boolean, encoded as `"True"` / `"False"`.
    pub fn bool(value: bool) -> Self {
        Self::Text(if value { "True" } else { "False" }.to_owned())
    }

    /// A string map, encoded as a Python dict literal.
    pub fn dict<'a>(entries: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self::Text(python_dict_literal(entries))
    }
}

impl Serialize for PatchValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Text(text) => serializer.serialize_str(text),
            Self::Int(number) => serializer.serialize_i64(*number),
        }
    }
}

impl From<&str> for PatchValue {
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}

impl From<String> for PatchValue {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}

impl From<u32> for PatchValue {
    fn from(number: u32) -> Self {
        Self::Int(i64::from(number))
    }
}

/// Renders a string as a Python `repr()` literal, quoting like CPython does: single quotes
/// unless the text contains a single quote and no double quote.
pub fn python_str_literal(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for ch in text.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || (0x7f..=0xa0).contains(&(c as u32)) => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Renders string pairs as a Python dict literal: `{'a': 'b', 'c': 'd'}` (CPython's `str(dict)`).
pub fn python_dict_literal<'a>(entries: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let body: Vec<String> = entries
        .into_iter()
        .map(|(key, value)| format!("{}: {}", python_str_literal(key), python_str_literal(value)))
        .collect();
    format!("{{{}}}", body.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_serialize_as_magnum_expects() {
        let ops = vec![
            PatchOp::replace("node_count", PatchValue::from(3u32)),
            PatchOp::replace("public", PatchValue::bool(true)),
            PatchOp::remove("keypair_id"),
            PatchOp::replace("labels", PatchValue::dict([("kube_tag", "v1.30.1")])),
        ];
        assert_eq!(
            serde_json::to_value(&ops).unwrap(),
            serde_json::json!([
                {"op": "replace", "path": "/node_count", "value": 3},
                {"op": "replace", "path": "/public", "value": "True"},
                {"op": "remove", "path": "/keypair_id"},
                {"op": "replace", "path": "/labels", "value": "{'kube_tag': 'v1.30.1'}"}
            ])
        );
    }

    #[test]
    fn python_literals_quote_like_cpython() {
        assert_eq!(python_str_literal("plain"), "'plain'");
        assert_eq!(python_str_literal("it's"), "\"it's\"");
        assert_eq!(python_str_literal("both ' and \""), "'both \\' and \"'");
        assert_eq!(python_str_literal("a\\b\nc\u{1}"), "'a\\\\b\\nc\\x01'");
        assert_eq!(python_str_literal("ünï"), "'ünï'");
        assert_eq!(python_dict_literal([]), "{}");
    }
}
