"""Fixtures: the real magnum-api and Keystone started by scripts/test.sh (never mocked here)."""

import os

import pytest

from magnum_sdk import Client

ADMIN = dict(user_id="u1", project_id="p1", roles=["admin", "member", "reader"])


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run scripts/test.sh, which starts the real servers")
    return value


@pytest.fixture(scope="session")
def magnum_url() -> str:
    return _required("MAGNUM_CONFORMANCE_URL") + "/v1"


@pytest.fixture(scope="session")
def keystone_url() -> str:
    return _required("KEYSTONE_URL")


@pytest.fixture(scope="session")
def client(magnum_url: str) -> Client:
    return Client.from_endpoint(magnum_url, **ADMIN)


@pytest.fixture(scope="module")
def simulator(tmp_path_factory):
    """A magnum-sim process (MAGNUM_SIM_BIN, set by scripts/test.sh) on a free port, with
    fast durations; yields a clouds.yaml path whose cloud ``sim`` logs in through its Keystone
    front. Stopped by pid at the end of the module."""
    import subprocess
    import time

    binary = _required("MAGNUM_SIM_BIN")
    proc = subprocess.Popen(
        [binary, "--create-seconds", "0.3", "--update-seconds", "0.2", "--delete-seconds", "0.2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        exports = {}
        deadline = time.time() + 20
        while "OS_PROJECT_DOMAIN_NAME" not in exports and time.time() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            key, _, value = line.strip().removeprefix("export ").partition("=")
            exports[key] = value
        if "OS_PROJECT_DOMAIN_NAME" not in exports:
            pytest.fail("magnum-sim did not start: " + proc.stderr.read())
        clouds = tmp_path_factory.mktemp("sim") / "clouds.yaml"
        clouds.write_text(
            "clouds:\n  sim:\n    auth:\n      auth_url: %s\n      username: %s\n      password: %s\n"
            "      project_name: %s\n      user_domain_name: Default\n      project_domain_name: Default\n"
            "    region_name: RegionOne\n  sim-admin:\n    auth:\n      auth_url: %s\n      username: admin\n"
            "      password: %s\n      project_name: admin\n      user_domain_name: Default\n"
            "      project_domain_name: Default\n"
            % (exports["OS_AUTH_URL"], exports["OS_USERNAME"], exports["OS_PASSWORD"],
               exports["OS_PROJECT_NAME"], exports["OS_AUTH_URL"], exports["OS_PASSWORD"]))
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("OS_CLIENT_CONFIG_FILE", str(clouds))
            yield clouds
    finally:
        # Stopped by pid whatever happened above.
        proc.terminate()
        proc.wait(timeout=10)
