//! Criterion benchmark: build the request for, and decode, a 1,000-cluster `/v1/clusters/detail`
//! page (items are the real magnum-api detail fixture with distinct UUIDs). The untyped
//! `serde_json::Value` decode of the same bytes runs in the same process as the anchor, so the
//! printed times compare typed decoding with the floor every JSON client pays.
//!
//! Run: `cargo bench -p magnum-core --bench list_page` (results in docs/performance.md).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use magnum_core::Microversion;
use magnum_core::decode::decode_page;
use magnum_core::request::{self, Endpoint, ListParams};
use magnum_core::types::Cluster;

const FIXTURE: &str = include_str!("../../fixtures/magnum/v1/clusters/detail@1.14.json");

/// A detail page of `n` clusters built from the recorded fixture.
fn page_bytes(n: usize) -> Vec<u8> {
    let recorded: serde_json::Value = serde_json::from_str(FIXTURE).expect("fixture parses");
    let template = recorded["body"]["clusters"][0].clone();
    let clusters: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let mut cluster = template.clone();
            cluster["uuid"] = serde_json::Value::from(format!("00000000-0000-4000-8000-{i:012}"));
            cluster["name"] = serde_json::Value::from(format!("cluster-{i}"));
            cluster
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({"clusters": clusters})).expect("encodes")
}

fn bench(c: &mut Criterion) {
    let bytes = page_bytes(1000);
    let endpoint = Endpoint::parse("http://127.0.0.1:9511/v1").expect("endpoint");
    let mut group = c.benchmark_group("clusters_detail_page_1000");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("build_request", |b| {
        b.iter(|| {
            let params = ListParams::new().limit(1000);
            let req = request::list::<Cluster>(&[], black_box(&params), true).expect("valid");
            req.to_http(&endpoint, Microversion::V1_1).expect("renders")
        })
    });
    group.bench_function("decode_typed", |b| {
        b.iter(|| {
            decode_page::<Cluster>("GET", "/v1/clusters/detail", "clusters", black_box(&bytes))
                .expect("decodes")
        })
    });
    group.bench_function("build_and_decode_typed", |b| {
        b.iter(|| {
            let req =
                request::list::<Cluster>(&[], &ListParams::new().limit(1000), true).expect("valid");
            let http = req.to_http(&endpoint, Microversion::V1_1).expect("renders");
            black_box(http);
            decode_page::<Cluster>("GET", "/v1/clusters/detail", "clusters", black_box(&bytes))
                .expect("decodes")
        })
    });
    group.bench_function("anchor_decode_untyped_value", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&bytes)).expect("parses"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
