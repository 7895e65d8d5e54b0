//! Times building the request for, and decoding, a 1,000-cluster `/v1/clusters/detail` page and
//! prints the median in milliseconds. Used by `scripts/bench/list_page.py` to compare with the
//! Python clients in the same run (criterion's `cargo bench -p magnum-core` has the detail).
//!
//! `cargo run --release -p magnum-examples --example decode_page -- PAGE.json [ITERATIONS]`

use std::time::Instant;

use anyhow::Context;
use magnum_core::Microversion;
use magnum_core::decode::decode_page;
use magnum_core::request::{self, Endpoint, ListParams};
use magnum_core::types::Cluster;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let file = args
        .next()
        .context("usage: decode_page PAGE.json [ITERATIONS]")?;
    let iterations: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(50);
    let bytes = std::fs::read(&file).with_context(|| format!("reading {file}"))?;
    let endpoint = Endpoint::parse("http://127.0.0.1:9511/v1")?;
    let mut samples = Vec::with_capacity(iterations);
    let mut count = 0;
    for _ in 0..iterations {
        let start = Instant::now();
        let req = request::list::<Cluster>(&[], &ListParams::new().limit(1000), true)?;
        let http = req.to_http(&endpoint, Microversion::V1_1)?;
        std::hint::black_box(http);
        let page = decode_page::<Cluster>("GET", "/v1/clusters/detail", "clusters", &bytes)?;
        count = page.items.len();
        samples.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    samples.sort_by(f64::total_cmp);
    println!(
        "{{\"items\": {count}, \"median_ms\": {:.3}}}",
        samples[samples.len() / 2]
    );
    Ok(())
}
