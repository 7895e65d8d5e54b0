"""Keystone login from clouds.yaml through the binding, and the exception hierarchy."""

import inspect

import pytest

import magnum_sdk
from magnum_sdk import AuthError, Client, ConfigError, MagnumError, exceptions


def test_from_cloud_logs_in_and_finds_magnum_in_the_catalog(keystone_url, tmp_path, monkeypatch):
    (tmp_path / "clouds.yaml").write_text(
        "clouds:\n  t:\n    auth:\n      auth_url: %s\n      username: admin\n      user_domain_name: Default\n"
        "      project_name: admin\n      project_domain_name: Default\n      password: admin-secret\n"
        "    region_name: RegionOne\n" % keystone_url)
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(tmp_path / "clouds.yaml"))
    client = Client.from_cloud("t")
    assert client.server_versions()["max"] == "1.14"
    wrong = Client.from_cloud("t", settings={"auth.password": "not-the-password"})
    with pytest.raises(AuthError, match="refused the password of user admin") as err:
        wrong.list_clusters()
    assert "not-the-password" not in str(err.value)


def test_missing_configuration_is_a_config_error(monkeypatch, tmp_path):
    for var in ("OS_CLOUD", "OS_AUTH_URL", "OS_CLIENT_CONFIG_FILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(ConfigError, match="no cloud configured"):
        Client.from_cloud()


def test_world_readable_credentials_warn_and_urls_never_show_a_password(monkeypatch, tmp_path):
    secret = "pl4nted-py-s3cret"
    clouds = tmp_path / "clouds.yaml"
    clouds.write_text(
        "clouds:\n  t:\n    auth:\n      auth_url: http://127.0.0.1:1/identity/v3\n      username: u\n"
        "      user_domain_name: Default\n      password: %s\n" % secret)
    clouds.chmod(0o644)
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(clouds))
    with pytest.warns(UserWarning, match="chmod 600") as caught:
        Client.from_cloud("t")
    assert all(secret not in str(w.message) for w in caught)
    assert caught[0].filename == __file__, "the warning points at the caller's line"
    clouds.chmod(0o600)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Client.from_cloud("t")
    # A password inside an unparsable auth URL is hidden in the error.
    for var in ("OS_CLOUD", "OS_CLIENT_CONFIG_FILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("OS_AUTH_URL", "http://demo:%s@ho st/identity/v3" % secret)
    monkeypatch.setenv("OS_TOKEN", "t")
    with pytest.raises(ConfigError) as err:
        Client.from_cloud()
    assert "***@" in str(err.value) and secret not in str(err.value) + repr(err.value)


def test_every_exported_exception_subclasses_magnum_error():
    exported = [getattr(magnum_sdk, name) for name in magnum_sdk.__all__]
    classes = [c for c in exported if inspect.isclass(c) and issubclass(c, BaseException)]
    assert len(classes) == 20, classes
    for cls in classes:
        assert issubclass(cls, MagnumError), cls
    kinds = ["BadRequest", "Unauthorized", "Forbidden", "NotFound", "Conflict", "PayloadTooLarge",
             "RateLimited", "ServerError", "HttpError", "MicroversionUnsupported", "Transport", "Decode",
             "InvalidInput", "Config", "Auth", "ResourceFailed", "WaitTimeout", "Certificate"]
    for kind in kinds:
        assert exceptions._class_for_kind(kind) is not MagnumError, kind
    assert issubclass(magnum_sdk.ValidationError, ValueError)
    assert issubclass(magnum_sdk.WaitTimeoutError, TimeoutError)


def _admin_call(keystone_url, method, path, body=None, token=None):
    import json
    import urllib.request
    headers = {"content-type": "application/json"}
    if token:
        headers["x-auth-token"] = token
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(keystone_url + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request) as response:
        raw = response.read()
        return response.headers, (json.loads(raw) if raw else None)


def test_cluster_trust_lifecycle_through_the_binding(keystone_url):
    import uuid
    headers, _ = _admin_call(keystone_url, "POST", "/auth/tokens", {"auth": {"identity": {"methods": ["password"],
        "password": {"user": {"name": "admin", "domain": {"name": "Default"}, "password": "admin-secret"}}},
        "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}})
    token = headers["x-subject-token"]
    suffix = uuid.uuid4().hex[:10]
    domain = _admin_call(keystone_url, "POST", "/domains", {"domain": {"name": "trustees-" + suffix}}, token)[1]["domain"]["id"]
    admin_user = _admin_call(keystone_url, "POST", "/users", {"user": {"name": "tda-" + suffix, "domain_id": domain,
                                                                       "password": "tda-pw-" + suffix}}, token)[1]["user"]["id"]
    manager = _admin_call(keystone_url, "GET", "/roles?name=manager", None, token)[1]["roles"][0]["id"]
    _admin_call(keystone_url, "PUT", f"/domains/{domain}/users/{admin_user}/roles/{manager}", None, token)
    owner = {"auth.auth_url": keystone_url, "auth.username": "admin", "auth.password": "admin-secret",
             "auth.user_domain_name": "Default", "auth.project_name": "admin", "auth.project_domain_name": "Default"}
    trustee_admin = {"auth.auth_url": keystone_url, "auth.user_id": admin_user, "auth.password": "tda-pw-" + suffix,
                     "auth.domain_id": domain}
    trust = magnum_sdk.create_cluster_trust(owner, trustee_admin, "c-" + suffix)
    assert trust["trustee_username"].startswith("c-" + suffix + "_")
    assert len(trust["trustee_password"]) == 18 and "admin" in trust["roles"]
    # The trustee can authenticate for the trust, acting as the owner (impersonation).
    _, body = _admin_call(keystone_url, "POST", "/auth/tokens", {"auth": {"identity": {"methods": ["password"],
        "password": {"user": {"id": trust["trustee_user_id"], "password": trust["trustee_password"]}}},
        "scope": {"OS-TRUST:trust": {"id": trust["trust_id"]}}}})
    assert body["token"]["user"]["name"] == "admin"
    report = magnum_sdk.delete_cluster_trust(trustee_admin, trust_id=trust["trust_id"], owner=owner,
                                             trustee_user_id=trust["trustee_user_id"],
                                             trustee_password=trust["trustee_password"])
    assert report == {"trust_gone": True, "trustee_gone": True, "errors": []}
    with pytest.raises(magnum_sdk.ConfigError):
        magnum_sdk.create_cluster_trust({}, trustee_admin, "c")
