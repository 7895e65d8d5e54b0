//! Between Terraform values (known / null / unknown) and magnum-core's typed fields: what the
//! configuration says, range-checked numbers, and Magnum's answers back into state.

use std::collections::BTreeMap;

use tf_provider::value::Value;
use tf_provider::{AttributePath, Diagnostics};

/// A string attribute.
pub type Str = Value<String>;
/// A number attribute. Terraform numbers may be fractional (`2.5`): they are read as `f64` so
/// that such a value gets a diagnostic on its attribute instead of failing to decode.
pub type Num = Value<f64>;
/// A bool attribute.
pub type Flag = Value<bool>;
/// A computed `map(string)` attribute (whole, never partly unknown: `kubeconfig`).
pub type StrMap = Value<BTreeMap<String, String>>;
/// A configurable `map(string)` (labels): any element may be unknown at plan time
/// (`{ image = other.id }`, `"${count.index}"` at validate), so each is a value of its own.
pub type Labels = Value<BTreeMap<String, Str>>;
/// A `list(string)` attribute.
pub type StrList = Value<Vec<String>>;

/// The configured text, if known and not null.
pub fn text(value: &Str) -> Option<&str> {
    value.as_ref_option().map(String::as_str)
}

/// The configured text as an owned `Option<String>`.
pub fn owned(value: &Str) -> Option<String> {
    value.as_ref_option().cloned()
}

/// An optional answer from Magnum as a state value (`None` → null).
pub fn state<T>(value: Option<T>) -> Value<T> {
    value.map_or(Value::Null, Value::Value)
}

/// An optional count from Magnum as a number.
pub fn state_num(value: Option<u32>) -> Num {
    value.map_or(Value::Null, |v| Value::Value(f64::from(v)))
}

/// A configured count as `u32` (Magnum's columns are 32-bit); out of range gives a diagnostic
/// on `attribute` and `Err(())`.
#[allow(clippy::result_unit_err)]
pub fn count(
    diags: &mut Diagnostics,
    value: &Num,
    attribute: &'static str,
) -> Result<Option<u32>, ()> {
    let Some(&n) = value.as_ref_option() else {
        return Ok(None);
    };
    if n.fract() == 0.0 && (0.0..=f64::from(i32::MAX)).contains(&n) {
        // Whole and in range: the conversion is exact.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        return Ok(Some(n as u32));
    }
    let (summary, detail) = if n.fract() != 0.0 && n.is_finite() {
        (
            format!("{attribute} = {n} is not a whole number"),
            format!("{attribute} counts things: give a whole number."),
        )
    } else {
        (
            format!("{attribute} = {n} is out of range"),
            format!(
                "Magnum stores {attribute} in a 32-bit column: give a number from 0 to {}.",
                i32::MAX
            ),
        )
    };
    diags.error(summary, detail, AttributePath::new(attribute));
    Err(())
}

/// A stored whole number as `u32` (no diagnostic: for prior state, which Magnum filled).
pub fn whole(value: &Num) -> Option<u32> {
    count(&mut Diagnostics::default(), value, "value")
        .ok()
        .flatten()
}

/// What can hold an unknown value inside (a labels map's elements).
pub trait Element {
    /// Whether some part is unknown.
    fn has_unknown(&self) -> bool {
        false
    }
}

impl Element for String {}
impl Element for f64 {}
impl Element for bool {}
impl Element for Vec<String> {}
impl Element for BTreeMap<String, String> {}
impl Element for BTreeMap<String, Str> {
    fn has_unknown(&self) -> bool {
        self.values().any(|v| matches!(v, Value::Unknown))
    }
}

/// Whether `value`, or a part of it, is unknown at plan time (computed from another resource).
pub fn unknown<T: Element>(value: &Value<T>) -> bool {
    match value {
        Value::Unknown => true,
        Value::Value(inner) => inner.has_unknown(),
        Value::Null => false,
    }
}

/// Magnum's labels as a state value.
pub fn labels_state(labels: Option<BTreeMap<String, String>>) -> Labels {
    labels.map_or(Value::Null, |map| {
        Value::Value(map.into_iter().map(|(k, v)| (k, Value::Value(v))).collect())
    })
}

/// The configured labels when every element is known (null elements left out); `None` when
/// unset or partly unknown.
pub fn known_labels(labels: &Labels) -> Option<BTreeMap<String, String>> {
    let mut known = BTreeMap::new();
    for (key, value) in labels.as_ref_option()? {
        match value {
            Value::Value(text) => {
                known.insert(key.clone(), text.clone());
            }
            Value::Null => {}
            Value::Unknown => return None,
        }
    }
    Some(known)
}

/// The planned value of an Optional+Computed attribute on create: the configured value, or
/// unknown (Magnum fills it from the template).
pub fn or_unknown<T: Clone>(configured: &Value<T>) -> Value<T> {
    match configured {
        Value::Null => Value::Unknown,
        other => other.clone(),
    }
}

/// The labels to keep in state: all of Magnum's, or with `merge_labels` only the ones the
/// configuration gave (Magnum's `labels_added` and `labels_overridden` keys), so the merged-in
/// template labels do not read as drift.
pub fn given_labels(
    all: BTreeMap<String, String>,
    added: Option<&BTreeMap<String, String>>,
    overridden: Option<&BTreeMap<String, String>>,
    merge_labels: bool,
) -> BTreeMap<String, String> {
    if !merge_labels {
        return all;
    }
    all.into_iter()
        .filter(|(k, _)| {
            added.is_some_and(|a| a.contains_key(k))
                || overridden.is_some_and(|o| o.contains_key(k))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_outside_magnums_columns_are_diagnosed() {
        let mut diags = Diagnostics::default();
        assert_eq!(
            count(&mut diags, &Value::Value(3.0), "node_count"),
            Ok(Some(3))
        );
        assert_eq!(count(&mut diags, &Value::Null, "node_count"), Ok(None));
        assert!(diags.errors.is_empty());
        let out_of_range = [
            -1.0,
            4_294_967_296.0,
            f64::from(i32::MAX) + 1.0,
            -1e300,
            f64::INFINITY,
            f64::NAN,
        ];
        for bad in out_of_range {
            let mut diags = Diagnostics::default();
            assert_eq!(count(&mut diags, &Value::Value(bad), "node_count"), Err(()));
            assert_eq!(diags.errors.len(), 1);
            assert!(diags.errors[0].summary.contains(&bad.to_string()));
            assert_eq!(diags.errors[0].attribute, AttributePath::new("node_count"));
        }
        let mut diags = Diagnostics::default();
        assert_eq!(count(&mut diags, &Value::Value(2.5), "node_count"), Err(()));
        assert!(
            diags.errors[0]
                .summary
                .contains("2.5 is not a whole number")
        );
    }

    #[test]
    fn merged_labels_keep_only_the_given_ones() {
        let map = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        // Magnum's vector: template {label1: value1, label2: value2}, cluster {label1: value3,
        // label4: value4} merged → labels {label1: value3, label2: value2, label4: value4}.
        let all = map(&[
            ("label1", "value3"),
            ("label2", "value2"),
            ("label4", "value4"),
        ]);
        let added = map(&[("label4", "value4")]);
        let overridden = map(&[("label1", "value1")]);
        assert_eq!(
            given_labels(all.clone(), Some(&added), Some(&overridden), true),
            map(&[("label1", "value3"), ("label4", "value4")])
        );
        assert_eq!(given_labels(all.clone(), None, None, false), all);
    }

    #[test]
    fn labels_with_an_unknown_element_are_unknown() {
        let mut map = BTreeMap::new();
        map.insert("a".to_owned(), Value::Value("1".to_owned()));
        map.insert("gone".to_owned(), Value::Null);
        let known: Labels = Value::Value(map.clone());
        assert!(!unknown(&known));
        assert_eq!(
            known_labels(&known),
            Some([("a".to_owned(), "1".to_owned())].into())
        );
        map.insert("later".to_owned(), Value::Unknown);
        let partly: Labels = Value::Value(map);
        assert!(unknown(&partly));
        assert_eq!(known_labels(&partly), None);
        assert!(unknown::<BTreeMap<String, Str>>(&Value::Unknown));
        assert_eq!(
            labels_state(Some([("k".to_owned(), "v".to_owned())].into())),
            Value::Value([("k".to_owned(), Value::Value("v".to_owned()))].into())
        );
    }

    #[test]
    fn unset_optional_computed_values_are_unknown_until_applied() {
        assert_eq!(or_unknown::<String>(&Value::Null), Value::Unknown);
        assert_eq!(or_unknown(&Value::Value(2)), Value::Value(2));
    }
}
