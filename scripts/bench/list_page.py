"""Decode a 1,000-cluster /v1/clusters/detail page: magnum-rs vs the Python clients, one run.

Builds the page from the recorded real-magnum-api fixture, then times (median of N):
  * magnum-rs: request building + typed decode (examples/decode_page.rs, release build)
  * python-magnumclient 5.0.0: json.loads + magnumclient.v1.clusters.Cluster objects
  * openstacksdk 4.22.0: json.loads + Cluster.existing(**item) resources
and prints each with its ratio to magnum-rs.

Usage: scripts/bench/list_page.sh   (creates .cache/venv-bench with requirements.txt)
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
N = int(os.environ.get("BENCH_ITERATIONS", "30"))


def page_bytes(n=1000):
    with open(os.path.join(REPO, "fixtures/magnum/v1/clusters/detail@1.14.json")) as fh:
        template = json.load(fh)["body"]["clusters"][0]
    clusters = []
    for i in range(n):
        item = dict(template)
        item["uuid"] = f"00000000-0000-4000-8000-{i:012}"
        item["name"] = f"cluster-{i}"
        clusters.append(item)
    return json.dumps({"clusters": clusters}).encode()


def median_ms(fn):
    fn()
    samples = []
    for _ in range(N):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main():
    raw = page_bytes()
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        fh.write(raw)
        page_file = fh.name
    out = subprocess.run(
        ["cargo", "run", "-q", "--release", "-p", "magnum-examples", "--example", "decode_page",
         "--", page_file, str(N)],
        cwd=REPO, check=True, capture_output=True, text=True).stdout
    rust = json.loads(out)
    os.unlink(page_file)

    from magnumclient.v1 import clusters as mc_clusters
    from openstack.container_infrastructure_management.v1 import cluster as sdk_cluster

    def magnumclient_decode():
        body = json.loads(raw)
        return [mc_clusters.Cluster(None, item, loaded=True) for item in body["clusters"]]

    def openstacksdk_decode():
        body = json.loads(raw)
        return [sdk_cluster.Cluster.existing(**item) for item in body["clusters"]]

    results = [
        ("magnum-rs (build request + typed decode)", rust["median_ms"]),
        ("python-magnumclient 5.0.0 (json.loads + Cluster)", median_ms(magnumclient_decode)),
        ("openstacksdk 4.22.0 (json.loads + Cluster.existing)", median_ms(openstacksdk_decode)),
        ("python json.loads alone", median_ms(lambda: json.loads(raw))),
    ]
    base = results[0][1]
    print(f"1,000-cluster detail page ({len(raw) / 1e6:.2f} MB), median of {N}:")
    for name, ms in results:
        print(f"  {name:<55} {ms:8.2f} ms   {ms / base:6.1f}x magnum-rs")


if __name__ == "__main__":
    sys.exit(main())
