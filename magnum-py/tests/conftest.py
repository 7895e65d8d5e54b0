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
