"""Prints the id of the bootstrap admin's project in a test Keystone.

Usage: admin_project.py KEYSTONE_URL ADMIN_PASSWORD (standard library only)
"""
import json
import sys
import urllib.request

url, password = sys.argv[1].rstrip("/"), sys.argv[2]
body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
    "name": "admin", "domain": {"name": "Default"}, "password": password}}},
    "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}}
request = urllib.request.Request(url + "/auth/tokens", data=json.dumps(body).encode(),
                                 headers={"content-type": "application/json"}, method="POST")
with urllib.request.urlopen(request, timeout=30) as response:
    print(json.load(response)["token"]["project"]["id"])
