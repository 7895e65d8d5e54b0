"""Record real magnum-api responses into fixtures/magnum/v1/.

Usage: record_fixtures.py BASE_URL OUT_DIR   (BASE_URL from up.sh's STATE_DIR/url)
Each fixture is {"recorded_from", "request", "status", "headers", "body"}. The server's
random port in links is rewritten to 9511 so fixtures are stable; nothing else is edited.
Only the Python standard library is used.
"""
import json
import os
import re
import sys
import urllib.error
import urllib.request

base, out = sys.argv[1].rstrip("/"), sys.argv[2]
ADMIN = {"X-User-Id": "u1", "X-Project-Id": "p1", "X-Roles": "admin,member,reader"}
MEMBER_ONLY = {"X-User-Id": "u9", "X-Project-Id": "p1", "X-Roles": "member"}
KEPT_HEADERS = ("openstack-api-minimum-version", "openstack-api-maximum-version",
                "openstack-api-version", "content-type", "location")
CT, CL, CL_FAILED = ("3b6f0e5c-6a8e-4d5d-9c55-0a4f0f3b1a01",
                     "8d1e2f60-1111-4c1a-8a55-6c1f5a9e2b01",
                     "8d1e2f60-1111-4c1a-8a55-6c1f5a9e2b02")


def call(name, method, path, version=None, headers=ADMIN, body=None):
    req_headers = dict(headers)
    if version:
        req_headers["OpenStack-API-Version"] = f"container-infra {version}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        req_headers["Content-Type"] = "application/json"
    request = urllib.request.Request(base + path, data=data, method=method, headers=req_headers)
    try:
        with urllib.request.urlopen(request) as resp:
            status, raw, hdrs = resp.status, resp.read(), resp.headers
    except urllib.error.HTTPError as err:
        status, raw, hdrs = err.code, err.read(), err.headers
    text = re.sub(r"http://127\.0\.0\.1:\d+", "http://127.0.0.1:9511", raw.decode())
    record = {
        "recorded_from": "magnum-api 23.0.0 (PyPI), scripts/real-magnum/up.sh + seed.py",
        "request": {"method": method, "path": path, "microversion": version,
                    "roles": headers["X-Roles"]},
        "status": status,
        "headers": {k.lower(): v for k, v in hdrs.items() if k.lower() in KEPT_HEADERS},
        "body": json.loads(text) if text.strip() else None,
    }
    path_out = os.path.join(out, name + ".json")
    os.makedirs(os.path.dirname(path_out), exist_ok=True)
    with open(path_out, "w") as fh:
        json.dump(record, fh, indent=2, sort_keys=True)
        fh.write("\n")
    print(f"{status} {method} {path} @{version} -> {name}.json")


call("versions/root", "GET", "/")
call("versions/v1", "GET", "/v1/")
call("errors/406-version-too-high", "GET", "/v1/clustertemplates", "1.99")
call("errors/406-bad-header", "GET", "/v1/clustertemplates", "x.y")
call("clustertemplates/list", "GET", "/v1/clustertemplates", "1.1")
call("clustertemplates/list-limit2", "GET", "/v1/clustertemplates?limit=2", "1.1")
call("clustertemplates/detail", "GET", "/v1/clustertemplates/detail", "1.1")
call("clustertemplates/get", "GET", f"/v1/clustertemplates/{CT}", "1.1")
call("clustertemplates/get-by-name", "GET", "/v1/clustertemplates/k8s-seeded", "1.1")
call("errors/409-ambiguous-name", "GET", "/v1/clustertemplates/k8s-dup", "1.1")
call("errors/404-clustertemplate", "GET", "/v1/clustertemplates/nope", "1.1")
call("errors/403-member-only", "GET", "/v1/clustertemplates", "1.1", headers=MEMBER_ONLY)
call("clusters/list", "GET", "/v1/clusters", "1.1")
call("clusters/list@1.13", "GET", "/v1/clusters", "1.13")
call("clusters/detail@1.14", "GET", "/v1/clusters/detail", "1.14")
call("clusters/get", "GET", f"/v1/clusters/{CL}", "1.1")
call("clusters/get@1.13", "GET", f"/v1/clusters/{CL}", "1.13")
call("clusters/get-failed", "GET", f"/v1/clusters/{CL_FAILED}", "1.1")
call("nodegroups/list@1.9", "GET", f"/v1/clusters/{CL}/nodegroups", "1.9")
call("nodegroups/get@1.14", "GET", f"/v1/clusters/{CL}/nodegroups/gpu", "1.14")
call("errors/406-nodegroups-at-1.8", "GET", f"/v1/clusters/{CL}/nodegroups", "1.8")
call("errors/404-certificate", "GET", "/v1/certificates/no-such-cluster", "1.1")
call("quotas/list@1.6", "GET", "/v1/quotas", "1.6")
call("quotas/get@1.6", "GET", "/v1/quotas/p1/Cluster", "1.6")
call("quotas/get-default@1.6", "GET", "/v1/quotas/p2/Cluster", "1.6")
call("stats/get@1.4", "GET", "/v1/stats", "1.4")
call("errors/400-stats-type", "GET", "/v1/stats?type=pods", "1.4")
call("mservices/list", "GET", "/v1/mservices", "1.1")
call("federations/list", "GET", "/v1/federations", "1.1")
call("federations/get", "GET", "/v1/federations/fed-one", "1.1")
call("errors/400-limit", "GET", "/v1/clustertemplates?limit=0", "1.1")
call("errors/403-cluster-patch-needs-keystone", "PATCH", f"/v1/clusters/{CL}", "1.1",
     body=[{"op": "replace", "path": "/name", "value": "x"}])
call("clustertemplates/delete", "DELETE", "/v1/clustertemplates/k8s-delete-me", "1.1")
call("errors/400-delete-referenced-template", "DELETE", f"/v1/clustertemplates/{CT}", "1.1")
call("quotas/delete@1.6", "DELETE", "/v1/quotas/p-delete-me/Cluster", "1.6")
