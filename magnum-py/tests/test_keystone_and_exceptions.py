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


def test_every_exported_exception_subclasses_magnum_error():
    exported = [getattr(magnum_sdk, name) for name in magnum_sdk.__all__]
    classes = [c for c in exported if inspect.isclass(c) and issubclass(c, BaseException)]
    assert len(classes) == 19
    for cls in classes:
        assert issubclass(cls, MagnumError), cls
    kinds = ["BadRequest", "Unauthorized", "Forbidden", "NotFound", "Conflict", "PayloadTooLarge",
             "RateLimited", "ServerError", "HttpError", "MicroversionUnsupported", "Transport", "Decode",
             "InvalidInput", "Config", "Auth", "ResourceFailed", "WaitTimeout", "Certificate"]
    for kind in kinds:
        assert exceptions._class_for_kind(kind) is not MagnumError, kind
    assert issubclass(magnum_sdk.ValidationError, ValueError)
    assert issubclass(magnum_sdk.WaitTimeoutError, TimeoutError)
