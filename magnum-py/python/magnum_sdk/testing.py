"""Test your tool offline: the embedded Magnum-compatible simulator, in this process.

``Simulator`` starts magnum-rs' simulated cloud — a Keystone v3 front, Magnum v1 (1.1–1.14)
with Magnum's rules and messages, and read-only Glance/Nova/Neutron — on a free 127.0.0.1 port,
with no Rust toolchain and no other process::

    from magnum_sdk.testing import Simulator

    with Simulator(create_seconds=0.5) as sim:
        path = sim.clouds_yaml(tmp_dir)          # clouds "magnum-sim", "magnum-sim-admin", ...
        # OS_CLIENT_CONFIG_FILE=path OS_CLOUD=magnum-sim: openstacksdk, python-magnumclient,
        # Ansible modules and magnum_sdk all log in to it unchanged.

Installed with magnum-sdk, a pytest plugin gives the fixtures ``magnum_sim`` (a running
``Simulator``) and ``os_cloud`` (the cloud name, with ``OS_CLIENT_CONFIG_FILE``/``OS_CLOUD``
pointing at it for the test); ``@pytest.mark.magnum_sim(fail_create="...")`` passes options.
The ``magnum-sim`` console script runs the same simulator from a shell.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import threading
from typing import Any, Dict, List, Mapping, Optional, Sequence

from . import _native as _raw_native
from ._guard import Guarded
from .models import _write_private

__all__ = ["Simulator", "DEFAULT_PASSWORD", "USERS", "default_catalog", "main"]

_native: Any = Guarded(_raw_native)

DEFAULT_PASSWORD = "magnum-sim"
"""Every simulated user's password unless ``password=`` says otherwise."""

USERS: Dict[str, Dict[str, Any]] = {
    "demo": {"project": "demo", "roles": ["member", "reader"]},
    "admin": {"project": "admin", "roles": ["admin", "member", "reader"]},
    "viewer": {"project": "demo", "roles": ["reader"]},
}
"""The simulated Keystone's users (domain ``Default``)."""


def default_catalog() -> Dict[str, Any]:
    """The seeded cloud (images — one without ``os_distro`` —, flavors, networks, keypairs,
    volume types): edit a copy and pass it as ``Simulator(catalog=...)``."""
    result: Dict[str, Any] = json.loads(_native.NativeSimulator.default_catalog_json())
    return result


class Simulator:
    """A Magnum-compatible cloud on 127.0.0.1, started by ``start()`` or ``with``, stopped by
    ``stop()`` or leaving the block.

    Options: ``create_seconds``/``update_seconds``/``delete_seconds`` (how long operations
    stay in progress), ``fail_create`` (every cluster create fails with this
    ``status_reason``; or per template/cluster with the label ``sim_fail_create``),
    ``password``, ``max_clusters`` (per project), ``max_nodes`` (servers the cloud holds),
    ``catalog`` (a dict as ``default_catalog()`` returns), ``state_file`` (SQLite, clusters
    survive a restart), ``port`` (0: a free one).
    """

    def __init__(self, *, create_seconds: float = 0.5, update_seconds: float = 0.5,
                 delete_seconds: float = 0.5, fail_create: Optional[str] = None,
                 password: Optional[str] = None, max_clusters: int = 20,
                 max_nodes: Optional[int] = None, catalog: Optional[Mapping[str, Any]] = None,
                 state_file: Optional[str] = None, port: int = 0) -> None:
        catalog_json = json.dumps(dict(catalog)) if catalog is not None else None
        self._options: Dict[str, Any] = dict(
            port=port, create_seconds=create_seconds, update_seconds=update_seconds,
            delete_seconds=delete_seconds, fail_create=fail_create, password=password,
            max_clusters=max_clusters, max_nodes=max_nodes,
            state_file=os.fspath(state_file) if state_file is not None else None,
            catalog_json=catalog_json)
        self.password = password or DEFAULT_PASSWORD
        self._native: Any = None

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> "Simulator":
        """Starts serving (a no-op when already running)."""
        if self._native is None:
            self._native = _native.NativeSimulator.start(**self._options)
        return self

    def stop(self) -> None:
        """Stops serving and closes the port (idempotent)."""
        if self._native is not None:
            self._native.stop()
            self._native = None

    def __enter__(self) -> "Simulator":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """Whether it is serving."""
        return self._native is not None and bool(self._native.running)

    def _started(self) -> Any:
        if self._native is None:
            raise RuntimeError("the simulator is not running: call start() or use `with Simulator() as sim:`")
        return self._native

    # -- where it is ---------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        result: str = self._started().base_url
        return result

    @property
    def auth_url(self) -> str:
        """The Keystone v3 endpoint (``…/identity/v3``)."""
        result: str = self._started().auth_url
        return result

    @property
    def magnum_url(self) -> str:
        """The Magnum endpoint (``…/v1``), as the catalog lists it."""
        result: str = self._started().magnum_url
        return result

    @property
    def env(self) -> Dict[str, str]:
        """The ``OS_*`` variables that log ``demo`` in (password auth, region RegionOne)."""
        return dict(self._started().env)

    def cloud(self, user: str = "demo") -> Dict[str, Any]:
        """A clouds.yaml entry for a simulated user (``demo``, ``admin`` or ``viewer``)."""
        if user not in USERS:
            raise ValueError(f"user must be one of {sorted(USERS)}, got {user!r}")
        return {
            "auth": {
                "auth_url": self.auth_url, "username": user, "password": self.password,
                "project_name": USERS[user]["project"], "user_domain_name": "Default",
                "project_domain_name": "Default",
            },
            "region_name": "RegionOne",
            "identity_api_version": 3,
        }

    def clouds_yaml(self, directory: Optional[str] = None, *, name: str = "magnum-sim") -> str:
        """Writes a clouds.yaml (mode 0600, atomically) with the clouds ``NAME`` (user demo),
        ``NAME-admin`` and ``NAME-viewer``; returns its path (in ``directory``, else a new
        temporary directory)."""
        directory = directory if directory is not None else tempfile.mkdtemp(prefix="magnum-sim-")
        path = os.path.join(os.fspath(directory), "clouds.yaml")
        clouds = {name: self.cloud("demo"), f"{name}-admin": self.cloud("admin"),
                  f"{name}-viewer": self.cloud("viewer")}
        # JSON is YAML: no YAML library needed, and every reader of clouds.yaml parses it.
        _write_private(path, json.dumps({"clouds": clouds}, indent=2) + "\n")
        return path

    def __repr__(self) -> str:
        where = self._native.base_url if self._native is not None else "stopped"
        return f"Simulator({where})"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="magnum-sim",
        description="A Magnum-compatible cloud on 127.0.0.1 (Keystone, Magnum v1, Glance/Nova/Neutron "
                    "reads). Prints `export OS_*` lines, then serves until Ctrl-C or SIGTERM.")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--create-seconds", type=float, default=3.0)
    parser.add_argument("--update-seconds", type=float, default=2.0)
    parser.add_argument("--delete-seconds", type=float, default=2.0)
    parser.add_argument("--fail-create", metavar="REASON", help="every cluster create fails with this reason")
    parser.add_argument("--password", help=f"every user's password (default {DEFAULT_PASSWORD})")
    parser.add_argument("--max-clusters", type=int, default=20, help="clusters per project")
    parser.add_argument("--max-nodes", type=int, help="servers the simulated cloud holds")
    parser.add_argument("--state", metavar="FILE", help="keep state in this SQLite file (mode 0600)")
    parser.add_argument("--catalog", metavar="FILE.json", help="the seeded cloud (see --print-catalog)")
    parser.add_argument("--print-catalog", action="store_true", help="print the default catalog and exit")
    parser.add_argument("--clouds-yaml", metavar="DIR", help="also write DIR/clouds.yaml (cloud magnum-sim)")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """The ``magnum-sim`` console script."""
    args = _parser().parse_args(argv)
    if args.print_catalog:
        print(json.dumps(default_catalog(), indent=2))
        return 0
    catalog = None
    if args.catalog:
        with open(args.catalog) as handle:
            catalog = json.load(handle)
    try:
        sim = Simulator(create_seconds=args.create_seconds, update_seconds=args.update_seconds,
                        delete_seconds=args.delete_seconds, fail_create=args.fail_create,
                        password=args.password, max_clusters=args.max_clusters, max_nodes=args.max_nodes,
                        catalog=catalog, state_file=args.state, port=args.port).start()
    except (ValueError, RuntimeError) as err:
        print(f"magnum-sim: {err}", file=sys.stderr)
        return 2
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        lines: List[str] = [f"export {key}={value}" for key, value in sim.env.items()]
        if args.clouds_yaml:
            lines.append(f"export OS_CLIENT_CONFIG_FILE={sim.clouds_yaml(args.clouds_yaml)}")
        print("\n".join(lines), flush=True)
        print(f"magnum-sim: serving {sim.base_url} (Magnum {sim.magnum_url}); Ctrl-C stops", file=sys.stderr, flush=True)
        while not stop.wait(0.2):
            pass
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
