"""pytest plugin (entry point ``pytest11``, loaded wherever magnum-sdk is installed): offline
Magnum for your tool's tests, in one line.

Fixtures:

* ``magnum_sim`` — a running :class:`magnum_sdk.testing.Simulator` for this test (fast
  durations: 0.2 s creates, 0.1 s updates and deletes), stopped afterwards;
* ``os_cloud`` — the name of a cloud (``magnum-sim``, user ``demo``) written to a clouds.yaml
  (mode 0600) in the test's temporary directory, with ``OS_CLIENT_CONFIG_FILE`` and ``OS_CLOUD``
  set for the test and every other ``OS_*`` variable removed — so openstacksdk,
  python-magnumclient, an Ansible module or ``magnum_sdk.Client.from_cloud()`` all talk to the
  simulator unchanged. ``magnum-sim-admin`` and ``magnum-sim-viewer`` are in the same file.

Options per test: ``@pytest.mark.magnum_sim(fail_create="...", create_seconds=1, ...)`` (the
keywords of ``Simulator``).
"""

from __future__ import annotations

import os
from typing import Any, Dict, Iterator

import pytest

from .testing import Simulator

FAST: Dict[str, Any] = {"create_seconds": 0.2, "update_seconds": 0.1, "delete_seconds": 0.1}


def pytest_configure(config: Any) -> None:
    config.addinivalue_line(
        "markers", "magnum_sim(**options): options of the magnum_sim fixture's Simulator "
        "(create_seconds, fail_create, max_clusters, catalog, ...)")


@pytest.fixture
def magnum_sim(request: Any) -> Iterator[Simulator]:
    """A running magnum-rs simulator on 127.0.0.1, stopped after the test."""
    options = dict(FAST)
    marker = request.node.get_closest_marker("magnum_sim")
    if marker is not None:
        options.update(marker.kwargs)
    with Simulator(**options) as sim:
        yield sim


@pytest.fixture
def os_cloud(magnum_sim: Simulator, tmp_path: Any, monkeypatch: Any) -> str:
    """``OS_CLOUD`` for the simulator: the cloud name, with the environment pointing at it."""
    for key in list(os.environ):
        if key.startswith("OS_"):
            monkeypatch.delenv(key)
    path = magnum_sim.clouds_yaml(str(tmp_path))
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", path)
    monkeypatch.setenv("OS_CLOUD", "magnum-sim")
    return "magnum-sim"
