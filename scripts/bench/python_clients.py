"""magnum_sdk vs python-magnumclient 5.0.0 vs openstacksdk 4.22.0, same venv, same run.

Measures: import time (median of N fresh interpreters, minus `python -c pass`), max RSS after
import, and sequential GET throughput against the same local real magnum-api (list clusters,
get one cluster). Prints each with its ratio to magnum_sdk.

With MAGNUM_SIM_ENV (a magnum-sim export file) the throughput is also measured against the
simulator, where the server answers in microseconds and the clients' own speed shows, and so is
listing N clusters (N = 10, 100, 1,000, 2,000; every page, summary and detail) until each item is
a Python object: median wall time and per-item cost of each client, with ratios.

Usage: scripts/bench/python_clients.sh  (builds a release wheel, starts magnum-api and magnum-sim,
stops both)
"""
import json
import os
import statistics
import subprocess
import sys
import time

N = int(os.environ.get("BENCH_IMPORTS", "25"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "200"))
URL = os.environ["MAGNUM_URL"].rstrip("/") + "/v1"
IDENTITY = {"X-User-Id": "u1", "X-Project-Id": "p1", "X-Roles": "admin,member,reader"}
IMPORTS = {
    "magnum_sdk": "import magnum_sdk",
    "python-magnumclient": "from magnumclient.v1 import client",
    "openstacksdk": "import openstack",
}


def fresh(code):
    """Wall time and max RSS (KiB) of a fresh interpreter running `code`."""
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"],
        check=True, capture_output=True, text=True)
    return (time.perf_counter() - start) * 1000, int(out.stdout.strip().splitlines()[-1])


def imports():
    fresh("pass")
    base = statistics.median(fresh("pass")[0] for _ in range(N))
    rows = {}
    for name, code in IMPORTS.items():
        fresh(code)  # warm the .pyc cache
        samples = [fresh(code) for _ in range(N)]
        rows[name] = (statistics.median(s[0] for s in samples) - base, statistics.median(s[1] for s in samples) / 1024)
    return base, rows


def real_clients():
    """The three clients against the keystone-less real magnum-api (identity headers)."""
    from keystoneauth1 import noauth, session
    from magnumclient.v1 import client as mc
    import openstack
    from magnum_sdk import Client

    sdk = Client.from_endpoint(URL, user_id="u1", project_id="p1", roles=["admin", "member", "reader"])
    sess = session.Session(auth=noauth.NoAuth(), additional_headers=IDENTITY)
    magnumclient = mc.Client(session=sess, endpoint_override=URL, api_version="latest")
    conn = openstack.connection.Connection(session=sess, container_infrastructure_management_endpoint_override=URL)
    return sdk, magnumclient, conn.container_infrastructure_management, sdk.get_cluster("k8s-ready").uuid


def sim_clients(env_file):
    """The three clients against magnum-sim, each logging in through its Keystone front."""
    for line in open(env_file):
        key, _, value = line.strip().removeprefix("export ").partition("=")
        os.environ[key] = value
    os.environ.pop("OS_CLOUD", None)
    from keystoneauth1 import loading, session
    from magnumclient.v1 import client as mc
    import openstack
    from magnum_sdk import Client

    sdk = Client.from_cloud()
    template = sdk.create_cluster_template("fedora-coreos-40", name="bench", external_network_id="public")
    cluster = sdk.wait_cluster_ready(sdk.create_cluster(template.uuid, name="bench"), timeout=60).uuid
    auth = loading.get_plugin_loader("password").load_from_options(
        auth_url=os.environ["OS_AUTH_URL"], username=os.environ["OS_USERNAME"],
        password=os.environ["OS_PASSWORD"], project_name=os.environ["OS_PROJECT_NAME"],
        user_domain_name="Default", project_domain_name="Default")
    magnumclient = mc.Client(session=session.Session(auth=auth), api_version="latest")
    conn = openstack.connect()
    return sdk, magnumclient, conn.container_infrastructure_management, cluster


_SIM = []


def sim_clients_cached():
    if not _SIM:
        _SIM.append(sim_clients(os.environ["MAGNUM_SIM_ENV"]))
    return _SIM[0]


def throughput(clients):
    sdk, magnumclient, coe, cluster = clients
    ops = {
        "magnum_sdk": (lambda: sdk.list_clusters(), lambda: sdk.get_cluster(cluster)),
        "python-magnumclient": (lambda: magnumclient.clusters.list(), lambda: magnumclient.clusters.get(cluster)),
        "openstacksdk": (lambda: list(coe.clusters()), lambda: coe.get_cluster(cluster)),
    }
    rows = {}
    for name, (list_op, get_op) in ops.items():
        list_op(), get_op()  # warm connections
        start, cpu = time.perf_counter(), time.process_time()
        for _ in range(REQUESTS // 2):
            list_op()
            get_op()
        # process_time counts every thread of this process, the SDK's runtime threads included.
        rows[name] = (REQUESTS / (time.perf_counter() - start), (time.process_time() - cpu) * 1000 / REQUESTS)
    return rows


LIST_SIZES = [int(n) for n in os.environ.get("BENCH_LIST_SIZES", "10,100,1000,2000").split(",")]
LIST_RUNS = int(os.environ.get("BENCH_LIST_RUNS", "15"))


def every_page(magnumclient, detail):
    """Every cluster through python-magnumclient: its own "all pages" (`limit=0`) sends
    `limit=0`, which Magnum refuses ("Limit must be positive", HTTP 400; so does the real
    magnum-api 23), so page by marker as a user must."""
    found, marker = [], None
    while True:
        page = magnumclient.clusters.list(limit=1000, marker=marker, detail=detail)
        found.extend(page)
        if len(page) < 1000:
            return found
        marker = page[-1].uuid


def listing(clients):
    """Lists N clusters (all pages) with each client, for each N in LIST_SIZES: median ms."""
    sdk, magnumclient, coe, _ = clients
    template = sdk.create_cluster_template("fedora-coreos-40", name="bench-list", external_network_id="public")
    have = len(sdk.list_clusters())
    def fields_of_each(items):
        for item in items:
            item.name, item.status  # two attributes of every item
        return items

    def dict_of_each(items):
        return [item.to_dict() for item in items]  # every field of every item, as a dict

    sdk_list = (lambda: sdk.list_clusters(), lambda: sdk.list_clusters(detail=True))
    mc_list = (lambda: every_page(magnumclient, False), lambda: every_page(magnumclient, True))
    # (what is done with the list, client) -> (summary op, detail op); ratios compare the
    # clients doing the same thing.
    ops = {}
    for mode, then in (("listed", None), ("2 fields of each", fields_of_each),
                       ("to_dict() of each", dict_of_each)):
        for name, (summary, detail) in (("magnum_sdk", sdk_list), ("python-magnumclient", mc_list)):
            ops[(mode, name)] = (summary, detail) if then is None else (
                lambda op=summary, then=then: then(op()), lambda op=detail, then=then: then(op()))
    # openstacksdk lists /v1/clusters (no detail view); its resources carry every field.
    ops[("listed", "openstacksdk")] = (lambda: list(coe.clusters()), None)
    table = {}
    for size in LIST_SIZES:
        for i in range(have, size):
            sdk.create_cluster(template.uuid, name=f"list-{i:05}", node_count=1)
        have = max(have, size)
        # Measure listings of settled clusters, not contention with the simulator's sync of
        # clusters still being created (each ready Kubernetes cluster also gets its API server).
        deadline = time.monotonic() + 120
        while any(c.status.is_in_progress for c in sdk.list_clusters()):
            assert time.monotonic() < deadline, "clusters did not settle"
            time.sleep(0.2)
        for (mode, name), (summary, detail) in ops.items():
            for view, op in (("summary", summary), ("detail", detail)):
                if op is None:
                    continue
                assert len(op()) == size, (name, view, size)  # warm-up, and the count is right
                samples = []
                for _ in range(LIST_RUNS):
                    start = time.perf_counter()
                    op()
                    samples.append((time.perf_counter() - start) * 1000)
                table[(size, view, mode, name)] = statistics.median(samples)
    return table


def report_listing(table):
    print(f"listing N clusters from magnum-sim until each is a Python object, then using them (all"
          f" pages; median of {LIST_RUNS}; ms, then µs per item; ratio = client / magnum_sdk doing the"
          " same):")
    for (size, view, mode, name), ms in table.items():
        sdk_ms = table[(size, view, mode, "magnum_sdk")]
        print(f"  N={size:<5} {view:<8} {mode:<18} {name:<20} {ms:8.2f} ms  {ms * 1000 / size:7.1f} µs/item"
              f"  ({ms / sdk_ms:5.1f}x)")


def report(title, rates):
    print(title)
    sdk_rate, sdk_cpu = rates["magnum_sdk"]
    for name, (rate, cpu) in rates.items():
        print(f"  {name:<22} {rate:7.1f} req/s ({sdk_rate / rate:5.1f}x slower than magnum_sdk)"
              f"   client CPU {cpu:6.3f} ms/request ({cpu / sdk_cpu:5.1f}x)")


def main():
    base, rows = imports()
    print(f"import (median of {N} fresh interpreters, minus `python -c pass` = {base:.1f} ms), max RSS:")
    sdk_ms, sdk_rss = rows["magnum_sdk"]
    for name, (ms, rss) in rows.items():
        print(f"  {name:<22} {ms:7.1f} ms ({ms / sdk_ms:5.1f}x)   RSS {rss:6.1f} MiB ({rss / sdk_rss:4.1f}x)")
    if os.environ.get("BENCH_ONLY_LISTS"):
        table = listing(sim_clients_cached())
        report_listing(table)
        return
    rates = throughput(real_clients())
    report(f"sequential GETs against the same real magnum-api ({REQUESTS} requests, list + get alternating;"
           " wall throughput is bound by the server, client CPU is the clients' own cost):", rates)
    summary = {"import_ms": {k: v[0] for k, v in rows.items()}, "rss_mib": {k: v[1] for k, v in rows.items()},
               "req_per_s": {k: v[0] for k, v in rates.items()},
               "cpu_ms_per_request": {k: v[1] for k, v in rates.items()}}
    if os.environ.get("MAGNUM_SIM_ENV"):
        sim = throughput(sim_clients_cached())
        report(f"sequential GETs against magnum-sim, which answers in ~0.15 ms ({REQUESTS} requests,"
               " Keystone login; the client is the bottleneck):", sim)
        summary["sim_req_per_s"] = {k: v[0] for k, v in sim.items()}
        summary["sim_cpu_ms_per_request"] = {k: v[1] for k, v in sim.items()}
        table = listing(sim_clients_cached())
        report_listing(table)
        summary["list_ms"] = {f"{size}/{view}/{mode}/{name}": ms
                               for (size, view, mode, name), ms in table.items()}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
