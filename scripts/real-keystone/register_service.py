"""Register a service endpoint in a test Keystone's catalog, as a deployer would.

Usage: register_service.py KEYSTONE_URL ADMIN_PASSWORD SERVICE_TYPE ENDPOINT_URL [REGION]
Uses only the standard library; authenticates as the bootstrap admin.
"""
import json
import sys
import urllib.request

keystone, password, service_type, endpoint = sys.argv[1:5]
region = sys.argv[5] if len(sys.argv) > 5 else "RegionOne"
keystone = keystone.rstrip("/")


def call(method, path, body, token=None):
    headers = {"content-type": "application/json"}
    if token:
        headers["x-auth-token"] = token
    request = urllib.request.Request(keystone + path, data=json.dumps(body).encode(),
                                     method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.headers, json.loads(response.read() or b"null")


headers, _ = call("POST", "/auth/tokens", {"auth": {
    "identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "domain": {"name": "Default"}, "password": password}}},
    "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}})
token = headers["x-subject-token"]
_, service = call("POST", "/services", {"service": {"type": service_type, "name": service_type}}, token)
for interface in ("public", "internal", "admin"):
    call("POST", "/endpoints", {"endpoint": {"service_id": service["service"]["id"],
                                             "interface": interface, "region_id": region,
                                             "url": endpoint}}, token)
print(f"registered {service_type} at {endpoint} ({region})")
