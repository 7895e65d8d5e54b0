"""Prepare a test Keystone for Heat, as a deployer would (standard library only, idempotent).

Usage: register.py KEYSTONE_URL ADMIN_PASSWORD HEAT_URL HEAT_PASSWORD DOMAIN_ADMIN_PASSWORD
Creates: project `service`; user `heat` (admin on `service`); roles `heat_stack_owner`,
`heat_stack_user`; domain `heat` with user `heat_domain_admin` (admin on the domain); service
`orchestration` with a public endpoint HEAT_URL/v1/%(tenant_id)s in RegionOne.
"""
import json
import sys
import urllib.error
import urllib.request

keystone, admin_password, heat_url, heat_password, domain_password = sys.argv[1:6]
keystone = keystone.rstrip("/")


def call(method, path, body=None, token=None):
    headers = {"content-type": "application/json"}
    if token:
        headers["x-auth-token"] = token
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(keystone + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.headers, json.loads(response.read() or b"null")


headers, _ = call("POST", "/auth/tokens", {"auth": {
    "identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "domain": {"name": "Default"}, "password": admin_password}}},
    "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}})
token = headers["x-subject-token"]


def find_or_create(collection, key, query, body):
    _, found = call("GET", f"/{collection}?{query}", token=token)
    if found[collection]:
        return found[collection][0]["id"]
    _, made = call("POST", f"/{collection}", {key: body}, token)
    return made[key]["id"]


def grant(target, user_id, role_id):
    call("PUT", f"/{target}/users/{user_id}/roles/{role_id}", token=token)


admin_role = find_or_create("roles", "role", "name=admin", {"name": "admin"})
for role in ("heat_stack_owner", "heat_stack_user"):
    find_or_create("roles", "role", f"name={role}", {"name": role})
service_project = find_or_create("projects", "project", "name=service&domain_id=default",
                                 {"name": "service", "domain_id": "default"})
heat_user = find_or_create("users", "user", "name=heat&domain_id=default",
                           {"name": "heat", "domain_id": "default", "password": heat_password})
grant(f"projects/{service_project}", heat_user, admin_role)
heat_domain = find_or_create("domains", "domain", "name=heat", {"name": "heat"})
domain_admin = find_or_create("users", "user", f"name=heat_domain_admin&domain_id={heat_domain}",
                              {"name": "heat_domain_admin", "domain_id": heat_domain,
                               "password": domain_password})
grant(f"domains/{heat_domain}", domain_admin, admin_role)
service = find_or_create("services", "service", "type=orchestration",
                         {"type": "orchestration", "name": "heat"})
_, endpoints = call("GET", f"/endpoints?service_id={service}&interface=public", token=token)
if not endpoints["endpoints"]:
    call("POST", "/endpoints", {"endpoint": {
        "service_id": service, "interface": "public", "region_id": "RegionOne",
        "url": heat_url.rstrip("/") + "/v1/%(tenant_id)s"}}, token)
print(f"registered orchestration at {heat_url}/v1/%(tenant_id)s (RegionOne)")
