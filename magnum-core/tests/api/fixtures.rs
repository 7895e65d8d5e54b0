//! Every recorded fixture decodes into its model, and re-encoding loses nothing: each key of the
//! recorded JSON comes back with the same value (unknown keys via `extra`).

use magnum_core::ApiError;
use magnum_core::decode::{decode, decode_page};
use magnum_core::types::{
    Cluster, ClusterTemplate, Federation, MService, NodeGroup, Quota, Stats, VersionsDocument,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::support::{body, fixture, fixtures_dir};

/// `original`'s keys all survive in `reencoded` with equal values (nulls may be omitted).
fn assert_nothing_lost(context: &str, original: &Value, reencoded: &Value) {
    match (original, reencoded) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                match b.get(key) {
                    Some(other) => assert_nothing_lost(&format!("{context}.{key}"), value, other),
                    None => assert!(value.is_null(), "{context}.{key} lost (was {value})"),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len(), "{context}: array length");
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                assert_nothing_lost(&format!("{context}[{i}]"), x, y);
            }
        }
        _ => assert_eq!(original, reencoded, "{context}"),
    }
}

fn round_trip_one<T: DeserializeOwned + Serialize>(name: &str) -> T {
    let original = body(name);
    let bytes = serde_json::to_vec(&original).unwrap();
    let item: T = decode("GET", name, &bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_nothing_lost(name, &original, &serde_json::to_value(&item).unwrap());
    item
}

fn round_trip_page<T: DeserializeOwned + Serialize>(name: &str, key: &str) -> Vec<T> {
    let original = body(name);
    let bytes = serde_json::to_vec(&original).unwrap();
    let page = decode_page::<T>("GET", name, key, &bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    let reencoded = serde_json::to_value(&page.items).unwrap();
    assert_nothing_lost(name, &original[key], &reencoded);
    page.items
}

#[test]
fn every_fixture_is_covered_by_a_decode_test() {
    // Guards against fixtures added without a decoding check below.
    let mut names = Vec::new();
    for dir in std::fs::read_dir(fixtures_dir()).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&dir).unwrap() {
            let file = file.unwrap().path();
            let rel = file
                .strip_prefix(fixtures_dir())
                .unwrap()
                .with_extension("");
            names.push(rel.to_string_lossy().into_owned());
        }
    }
    names.sort();
    assert!(names.len() >= 35, "only {} fixtures", names.len());
    for name in names {
        decode_any(&name);
    }
}

fn decode_any(name: &str) {
    let recorded = fixture(name);
    let status = recorded["status"].as_u64().unwrap() as u16;
    if name.starts_with("errors/") {
        let bytes = serde_json::to_vec(&recorded["body"]).unwrap();
        let sent = recorded["request"]["microversion"]
            .as_str()
            .and_then(|v| v.parse().ok());
        let err = ApiError::from_response(status, "GET", name, None, sent, None, &bytes);
        assert!(!err.faults.is_empty(), "{name}: no faults parsed");
        if status == 406 {
            // Magnum's 406 bodies are sometimes empty; the message must still say why.
            let expected = if sent.is_some() {
                "sent microversion"
            } else {
                "406 Not Acceptable"
            };
            assert!(err.to_string().contains(expected), "{name}: {err}");
        } else {
            assert!(
                err.message().is_some_and(|m| !m.is_empty()),
                "{name}: no message"
            );
        }
        return;
    }
    if recorded["body"].is_null() {
        assert_eq!(status, 204, "{name}: empty body must be a 204");
        return;
    }
    let leaf = name.rsplit('/').next().unwrap();
    let is_page = leaf.starts_with("list") || leaf.starts_with("detail");
    match name.split('/').next().unwrap() {
        "clustertemplates" if is_page => {
            drop(round_trip_page::<ClusterTemplate>(name, "clustertemplates"))
        }
        "clustertemplates" => drop(round_trip_one::<ClusterTemplate>(name)),
        "clusters" if is_page => drop(round_trip_page::<Cluster>(name, "clusters")),
        "clusters" => drop(round_trip_one::<Cluster>(name)),
        "nodegroups" if is_page => drop(round_trip_page::<NodeGroup>(name, "nodegroups")),
        "nodegroups" => drop(round_trip_one::<NodeGroup>(name)),
        "quotas" if is_page => drop(round_trip_page::<Quota>(name, "quotas")),
        "quotas" => drop(round_trip_one::<Quota>(name)),
        "federations" if is_page => drop(round_trip_page::<Federation>(name, "federations")),
        "federations" => drop(round_trip_one::<Federation>(name)),
        "mservices" => drop(round_trip_page::<MService>(name, "mservices")),
        "stats" => drop(round_trip_one::<Stats>(name)),
        "versions" if leaf == "root" => drop(round_trip_one::<VersionsDocument>(name)),
        "versions" => drop(round_trip_one::<serde_json::Map<String, Value>>(name)),
        other => panic!("fixture directory {other} has no model"),
    }
}

#[test]
fn microversion_1_13_swaps_stack_id_for_cluster_id() {
    let old = round_trip_one::<Cluster>("clusters/get");
    let new = round_trip_one::<Cluster>("clusters/get@1.13");
    assert!(old.stack_id.is_some() && old.cluster_id.is_none());
    assert!(new.cluster_id.is_some() && new.stack_id.is_none());
    assert_eq!(old.orchestration_id(), new.orchestration_id());
}

#[test]
fn failed_clusters_carry_faults_per_nodegroup() {
    let failed = round_trip_one::<Cluster>("clusters/get-failed");
    assert!(failed.status.as_ref().unwrap().is_failed());
    let faults = failed.faults.unwrap();
    assert!(faults["default-master"].contains("WaitConditionFailure"));
    assert_eq!(faults.len(), 2);
}

#[test]
fn nodegroup_labels_and_taints_decode_typed() {
    let gpu = round_trip_one::<NodeGroup>("nodegroups/get@1.14");
    assert_eq!(gpu.node_labels.unwrap()["workload"], "gpu");
    let taints = gpu.node_taints.unwrap();
    assert_eq!(
        taints[0].effect,
        magnum_core::types::TaintEffect::NoSchedule
    );
}

#[test]
fn unknown_keys_survive_a_round_trip() {
    let mut cluster = body("clusters/get");
    cluster["added_in_1_99"] = serde_json::json!({"nested": [1, 2]});
    cluster["status"] = Value::from("HIBERNATE_COMPLETE");
    let decoded: Cluster = serde_json::from_value(cluster.clone()).unwrap();
    assert!(decoded.status.as_ref().unwrap().is_unknown());
    assert_nothing_lost(
        "cluster",
        &cluster,
        &serde_json::to_value(&decoded).unwrap(),
    );
}

#[test]
fn the_versions_document_yields_the_range() {
    let doc = round_trip_one::<VersionsDocument>("versions/root");
    let range = doc.v1_range().unwrap().unwrap();
    assert_eq!(range.to_string(), "1.1..=1.14");
}
