"""Typed models of Magnum resources and forward-compatible status enums.

Models wrap the JSON the SDK decoded (unknown keys kept): attribute access for every modelled
field, ``to_dict()``, equality by content, a short ``repr``. Enums accept values this version
does not know (e.g. a status added by a newer Magnum) instead of failing.
"""

from __future__ import annotations

import copy
import os
import tempfile
from enum import Enum
from typing import Any, Callable, Dict, Generic, List, Mapping, Optional, Type, TypeVar, overload

__all__ = [
    "ClusterStatus", "HealthStatus", "Model", "ClusterTemplate", "Cluster", "NodeGroup",
    "Quota", "Stats", "MService", "Federation", "ClusterConfig",
]

T = TypeVar("T")


class _OpenEnum(str, Enum):
    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if isinstance(value, str):
            for member in cls:
                if member.value.lower() == value.lower():
                    return member
            pseudo = str.__new__(cls, value)
            pseudo._name_ = value.upper()
            pseudo._value_ = value
            return pseudo
        return None


class ClusterStatus(_OpenEnum):
    """Status of a cluster or nodegroup; unknown values become pseudo-members."""

    CREATE_IN_PROGRESS = "CREATE_IN_PROGRESS"
    CREATE_FAILED = "CREATE_FAILED"
    CREATE_COMPLETE = "CREATE_COMPLETE"
    UPDATE_IN_PROGRESS = "UPDATE_IN_PROGRESS"
    UPDATE_FAILED = "UPDATE_FAILED"
    UPDATE_COMPLETE = "UPDATE_COMPLETE"
    DELETE_IN_PROGRESS = "DELETE_IN_PROGRESS"
    DELETE_FAILED = "DELETE_FAILED"
    DELETE_COMPLETE = "DELETE_COMPLETE"
    RESUME_COMPLETE = "RESUME_COMPLETE"
    RESUME_FAILED = "RESUME_FAILED"
    RESTORE_COMPLETE = "RESTORE_COMPLETE"
    ROLLBACK_IN_PROGRESS = "ROLLBACK_IN_PROGRESS"
    ROLLBACK_FAILED = "ROLLBACK_FAILED"
    ROLLBACK_COMPLETE = "ROLLBACK_COMPLETE"
    SNAPSHOT_COMPLETE = "SNAPSHOT_COMPLETE"
    CHECK_COMPLETE = "CHECK_COMPLETE"
    ADOPT_COMPLETE = "ADOPT_COMPLETE"

    @property
    def is_in_progress(self) -> bool:
        """An operation is running."""
        return self.value.upper().endswith("_IN_PROGRESS")

    @property
    def is_failed(self) -> bool:
        """Any ``*_FAILED``, or ``ROLLBACK_COMPLETE`` (the requested change was undone)."""
        upper = self.value.upper()
        return upper.endswith("_FAILED") or upper == "ROLLBACK_COMPLETE"

    @property
    def is_complete(self) -> bool:
        """The last operation succeeded."""
        upper = self.value.upper()
        return upper.endswith("_COMPLETE") and upper not in ("ROLLBACK_COMPLETE", "DELETE_COMPLETE")


class HealthStatus(_OpenEnum):
    """Cluster health."""

    HEALTHY = "HEALTHY"
    UNHEALTHY = "UNHEALTHY"
    UNKNOWN = "UNKNOWN"


class _Field(Generic[T]):
    """A model attribute read from the decoded JSON, optionally converted."""

    def __init__(self, convert: Optional[Callable[[Any], T]] = None) -> None:
        self._convert = convert
        self._name = ""
        # An enum's known members by value: one dict lookup instead of a call into EnumType.
        self._members: Dict[Any, Any] = getattr(convert, "_value2member_map_", {})

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, instance: None, owner: type) -> "_Field[T]": ...
    @overload
    def __get__(self, instance: "Model", owner: type) -> Optional[T]: ...
    def __get__(self, instance: Optional["Model"], owner: type) -> Any:
        if instance is None:
            return self
        data = instance._dict
        # A listed item not yet needed as a dict: convert this one field only.
        value = instance._native.get(self._name) if data is None else data.get(self._name)
        if value is None or self._convert is None:
            return value
        member = self._members.get(value) if type(value) is str else None
        return member if member is not None else self._convert(value)


class Model:
    """Base of every model: the decoded JSON plus typed attributes.

    Items of a list arrive as native values: an attribute, ``get`` or ``repr`` converts just the
    fields it reads, ``to_dict()`` builds a new dict from the native value (no deep copy needed),
    and the first ``==``, pickle or copy converts the whole item once and keeps the dict. Listing 1,000 clusters costs one decode in Rust, and reading a few
    fields of each item never builds their dicts.
    """

    __slots__ = ("_dict", "_native")
    _dict: Optional[Dict[str, Any]]
    _native: Any
    _SUMMARY: tuple = ("uuid", "name")
    _REDACTED: tuple = ()

    def __init__(self, data: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_dict", dict(data))
        object.__setattr__(self, "_native", None)

    @property
    def _data(self) -> Dict[str, Any]:
        data = self._dict
        if data is None:
            data = self._native.load()
            _set_dict(self, data)
            _set_native(self, None)
        return data  # type: ignore[no-any-return]

    def __reduce__(self) -> Any:
        # pickle and copy see the dict, never the native value.
        return (type(self), (self._data,))

    def to_dict(self) -> Dict[str, Any]:
        """A deep copy of everything Magnum returned (unknown keys included)."""
        if self._dict is None:
            return self._native.load()  # a new dict from the immutable native value
        return copy.deepcopy(self._dict)

    def get(self, key: str, default: Any = None) -> Any:
        """Any key, modelled or not."""
        data = self._dict
        if data is None:
            return self._native.get(key, default)
        return data.get(key, default)

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self._data == other._data  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __repr__(self) -> str:
        shown = []
        for key in self._SUMMARY:
            value = self.get(key)
            if value is not None:
                shown.append(f"{key}={'<redacted>' if key in self._REDACTED else repr(value)}")
        return f"{type(self).__name__}({', '.join(shown)})"


class ClusterTemplate(Model):
    """A cluster template."""

    _SUMMARY = ("uuid", "name", "coe", "cluster_distro")
    uuid: _Field[str] = _Field()
    name: _Field[str] = _Field()
    coe: _Field[str] = _Field()
    image_id: _Field[str] = _Field()
    flavor_id: _Field[str] = _Field()
    master_flavor_id: _Field[str] = _Field()
    keypair_id: _Field[str] = _Field()
    external_network_id: _Field[str] = _Field()
    network_driver: _Field[str] = _Field()
    volume_driver: _Field[str] = _Field()
    docker_volume_size: _Field[int] = _Field()
    docker_storage_driver: _Field[str] = _Field()
    cluster_distro: _Field[str] = _Field()
    server_type: _Field[str] = _Field()
    labels: _Field[Dict[str, str]] = _Field()
    tls_disabled: _Field[bool] = _Field()
    public: _Field[bool] = _Field()
    hidden: _Field[bool] = _Field()
    master_lb_enabled: _Field[bool] = _Field()
    floating_ip_enabled: _Field[bool] = _Field()
    driver: _Field[str] = _Field()
    project_id: _Field[str] = _Field()


class Cluster(Model):
    """A cluster."""

    _SUMMARY = ("uuid", "name", "status", "node_count", "master_count")
    uuid: _Field[str] = _Field()
    name: _Field[str] = _Field()
    cluster_template_id: _Field[str] = _Field()
    status: _Field[ClusterStatus] = _Field(ClusterStatus)
    status_reason: _Field[str] = _Field()
    health_status: _Field[HealthStatus] = _Field(HealthStatus)
    health_status_reason: _Field[Dict[str, str]] = _Field()
    node_count: _Field[int] = _Field()
    master_count: _Field[int] = _Field()
    api_address: _Field[str] = _Field()
    keypair: _Field[str] = _Field()
    labels: _Field[Dict[str, str]] = _Field()
    faults: _Field[Dict[str, str]] = _Field()
    node_addresses: _Field[List[str]] = _Field()
    master_addresses: _Field[List[str]] = _Field()
    coe_version: _Field[str] = _Field()
    project_id: _Field[str] = _Field()
    stack_id: _Field[str] = _Field()
    cluster_id: _Field[str] = _Field()
    created_at: _Field[str] = _Field()
    updated_at: _Field[str] = _Field()


class NodeGroup(Model):
    """A nodegroup."""

    _SUMMARY = ("uuid", "name", "role", "node_count", "status")
    uuid: _Field[str] = _Field()
    name: _Field[str] = _Field()
    cluster_id: _Field[str] = _Field()
    role: _Field[str] = _Field()
    node_count: _Field[int] = _Field()
    min_node_count: _Field[int] = _Field()
    max_node_count: _Field[int] = _Field()
    flavor_id: _Field[str] = _Field()
    image_id: _Field[str] = _Field()
    is_default: _Field[bool] = _Field()
    status: _Field[ClusterStatus] = _Field(ClusterStatus)
    status_reason: _Field[str] = _Field()
    node_labels: _Field[Dict[str, str]] = _Field()
    node_taints: _Field[List[Dict[str, str]]] = _Field()
    labels: _Field[Dict[str, str]] = _Field()


class Quota(Model):
    """A project's cluster quota."""

    _SUMMARY = ("project_id", "resource", "hard_limit")
    id: _Field[int] = _Field()
    project_id: _Field[str] = _Field()
    resource: _Field[str] = _Field()
    hard_limit: _Field[int] = _Field()


class Stats(Model):
    """Cluster and node counts."""

    _SUMMARY = ("clusters", "nodes")
    clusters: _Field[int] = _Field()
    nodes: _Field[int] = _Field()


class MService(Model):
    """A Magnum service."""

    _SUMMARY = ("host", "binary", "state")
    id: _Field[int] = _Field()
    host: _Field[str] = _Field()
    binary: _Field[str] = _Field()
    state: _Field[str] = _Field()
    disabled: _Field[bool] = _Field()
    report_count: _Field[int] = _Field()


class Federation(Model):
    """A federation."""

    _SUMMARY = ("uuid", "name", "status")
    uuid: _Field[str] = _Field()
    name: _Field[str] = _Field()
    hostcluster_id: _Field[str] = _Field()
    member_ids: _Field[List[str]] = _Field()
    status: _Field[ClusterStatus] = _Field(ClusterStatus)
    properties: _Field[Dict[str, str]] = _Field()


class ClusterConfig(Model):
    """What ``cluster_config`` returns: kubeconfig and PEMs (the key is redacted in repr)."""

    _SUMMARY = ("warnings", "key_pem")
    _REDACTED = ("key_pem",)
    kubeconfig: _Field[str] = _Field()
    ca_pem: _Field[str] = _Field()
    cert_pem: _Field[str] = _Field()
    key_pem: _Field[str] = _Field()
    warnings: _Field[List[str]] = _Field()

    def write_files(self, directory: str, *, force: bool = False, output_certs: bool = False) -> str:
        """Writes what ``openstack coe cluster config --dir DIR [--output-certs]`` writes —
        ``config`` and optionally ``key.pem``, ``cert.pem``, ``ca.pem`` — each atomically with
        mode 0600, refusing to overwrite without ``force``. Returns the ``export KUBECONFIG=``
        line."""
        directory = os.path.abspath(directory)
        files = [("config", self.kubeconfig)]
        if output_certs:
            files += [("key.pem", self.key_pem), ("cert.pem", self.cert_pem), ("ca.pem", self.ca_pem)]
        for name, _ in files:
            path = os.path.join(directory, name)
            if os.path.exists(path) and not force:
                raise FileExistsError(f"File {path} exists, aborting.")
        for name, content in files:
            if content is not None:
                _write_private(os.path.join(directory, name), content)
        return f"export KUBECONFIG={os.path.join(directory, 'config')}\n"


def _write_private(path: str, content: str) -> None:
    """Writes ``content`` to ``path`` atomically with mode 0600."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".magnum-sdk-")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# The slots' setters (Model forbids attribute assignment).
_set_dict = Model.__dict__["_dict"].__set__
_set_native = Model.__dict__["_native"].__set__
_new = object.__new__


def _adopt(model: Type[Model], data: Any) -> Model:
    """A model around ``data``: a fresh dict from the native core (taken, not copied), or a
    native list item (converted on first use)."""
    obj = _new(model)
    if type(data) is dict:
        _set_dict(obj, data)
        _set_native(obj, None)
    else:
        _set_dict(obj, None)
        _set_native(obj, data)
    return obj


def _wrap(model: Optional[Type[Model]], value: Any) -> Any:
    if model is None or value is None:
        return value
    if isinstance(value, list):
        return [_adopt(model, item) for item in value]
    return _adopt(model, value)
