"""Client and AsyncClient: the same methods, names and docstrings; AsyncClient's are coroutines.

Each method is written once (signature + docstring) on ``_Operations``; ``_op`` turns it into a
blocking call of the native client (GIL released, Ctrl-C interrupts) for ``Client`` and into a
coroutine for ``AsyncClient``. Keyword arguments left at ``None`` are not sent.
"""

from __future__ import annotations

import functools
import inspect
import math
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Type, TypedDict, TypeVar

from . import _native as _raw_native
from ._guard import Guarded

_native: Any = Guarded(_raw_native)
from .exceptions import ValidationError
from .models import (
    Cluster,
    ClusterConfig,
    ClusterTemplate,
    Federation,
    Model,
    MService,
    NodeGroup,
    Quota,
    Stats,
    _wrap,
)

__all__ = ["Client", "AsyncClient", "ProgressEvent"]

F = TypeVar("F", bound=Callable[..., Any])
class ProgressEvent(TypedDict):
    """What a wait hands ``on_progress`` at each observed change."""

    elapsed: float
    status: Optional[str]
    previous: Optional[str]
    status_reason: Optional[str]
    updated_at: Optional[str]


Progress = Callable[[ProgressEvent], None]


def _op(model: Optional[Type[Model]] = None) -> Callable[[F], F]:
    """Marks an operation: its name is the native operation, ``model`` wraps the result."""

    def decorate(func: F) -> F:
        signature = inspect.signature(func)
        name = func.__name__

        def collect(args: tuple, kwargs: dict) -> tuple:
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError as err:  # name the function, as Python's own message does
                raise TypeError(f"{name}() {err}") from None
            bound.apply_defaults()  # e.g. coe="kubernetes" reaches the native call
            params = {k: v for k, v in bound.arguments.items() if k != "self" and v is not None}
            for key, value in params.items():
                # JSON has no NaN or infinity: refuse them here, by name, instead of as None.
                if isinstance(value, float) and not math.isfinite(value):
                    raise ValidationError(f"{name}(): {key} must be a finite number, got {value!r}")
            progress = params.pop("on_progress", None)
            if progress is not None and not callable(progress):
                raise TypeError(f"{name}(): on_progress must be callable, got {type(progress).__name__}")
            return bound.arguments["self"], params, progress

        @functools.wraps(func)
        def call(*args: Any, **kwargs: Any) -> Any:
            self, params, progress = collect(args, kwargs)
            return _wrap(model, self._native.call(name, params, progress))

        async def call_async(*args: Any, **kwargs: Any) -> Any:
            self, params, progress = collect(args, kwargs)
            return _wrap(model, await self._native.call_async(name, params, progress))

        call.__magnum_async__ = functools.wraps(func)(call_async)  # type: ignore[attr-defined]
        return call  # type: ignore[return-value]

    return decorate


class _Operations:
    """The operations shared by Client and AsyncClient."""

    _native: Any

    # -- discovery -------------------------------------------------------------------------
    @_op()
    def server_versions(self) -> Optional[Dict[str, str]]:
        """The Magnum microversion range, ``{"min": "1.1", "max": "1.14"}`` (cached)."""

    # -- cluster templates -----------------------------------------------------------------
    @_op(ClusterTemplate)
    def list_cluster_templates(self, *, limit: Optional[int] = None, marker: Optional[str] = None,
                               sort_key: Optional[str] = None, sort_dir: Optional[str] = None,
                               detail: bool = False) -> List[ClusterTemplate]:
        """Cluster templates: every page, or one page when ``limit``/``marker`` is given."""

    @_op(ClusterTemplate)
    def get_cluster_template(self, ident: str) -> ClusterTemplate:
        """A template by name or UUID (a name shared by several raises ConflictError)."""

    @_op(ClusterTemplate)
    def create_cluster_template(self, image_id: str, coe: str = "kubernetes", *, name: Optional[str] = None,
                                flavor_id: Optional[str] = None, master_flavor_id: Optional[str] = None,
                                keypair_id: Optional[str] = None, external_network_id: Optional[str] = None,
                                fixed_network: Optional[str] = None, fixed_subnet: Optional[str] = None,
                                network_driver: Optional[str] = None, volume_driver: Optional[str] = None,
                                dns_nameserver: Optional[str] = None, docker_volume_size: Optional[int] = None,
                                docker_storage_driver: Optional[str] = None, labels: Optional[Mapping[str, str]] = None,
                                server_type: Optional[str] = None, tls_disabled: Optional[bool] = None,
                                public: Optional[bool] = None, hidden: Optional[bool] = None,
                                master_lb_enabled: Optional[bool] = None, floating_ip_enabled: Optional[bool] = None,
                                registry_enabled: Optional[bool] = None, driver: Optional[str] = None,
                                tags: Optional[str] = None) -> ClusterTemplate:
        """Creates a template (201) and returns it."""

    @_op(ClusterTemplate)
    def update_cluster_template(self, ident: str, *, changes: Optional[Mapping[str, Any]] = None,
                                remove: Optional[Sequence[str]] = None) -> ClusterTemplate:
        """Applies typed changes (``{"name": "x", "public": True, "labels": {...}}``) and removals
        (``["keypair_id"]``) as Magnum's JSON patch."""

    @_op()
    def delete_cluster_template(self, ident: str) -> None:
        """Deletes a template (a template used by clusters raises BadRequestError)."""

    # -- clusters --------------------------------------------------------------------------
    @_op(Cluster)
    def list_clusters(self, *, limit: Optional[int] = None, marker: Optional[str] = None,
                      sort_key: Optional[str] = None, sort_dir: Optional[str] = None,
                      detail: bool = False) -> List[Cluster]:
        """Clusters: every page, or one page when ``limit``/``marker`` is given."""

    @_op(Cluster)
    def get_cluster(self, ident: str) -> Cluster:
        """A cluster by name or UUID."""

    @_op()
    def create_cluster(self, cluster_template_id: str, *, name: Optional[str] = None,
                       node_count: Optional[int] = None, master_count: Optional[int] = None,
                       keypair: Optional[str] = None, flavor_id: Optional[str] = None,
                       master_flavor_id: Optional[str] = None, docker_volume_size: Optional[int] = None,
                       labels: Optional[Mapping[str, str]] = None, merge_labels: Optional[bool] = None,
                       create_timeout: Optional[int] = None, fixed_network: Optional[str] = None,
                       fixed_subnet: Optional[str] = None, floating_ip_enabled: Optional[bool] = None,
                       master_lb_enabled: Optional[bool] = None, discovery_url: Optional[str] = None) -> str:
        """Starts creating a cluster (202); returns its UUID. Wait with ``wait_cluster_ready``."""

    @_op()
    def update_cluster(self, ident: str, *, node_count: Optional[int] = None,
                       health_status: Optional[str] = None,
                       health_status_reason: Optional[Mapping[str, str]] = None,
                       rollback: Optional[bool] = None) -> str:
        """Changes what Magnum lets a PATCH change (node count, health); returns the UUID."""

    @_op()
    def delete_cluster(self, ident: str) -> None:
        """Starts deleting a cluster (204). Wait with ``wait_cluster_deleted``."""

    @_op()
    def resize_cluster(self, ident: str, node_count: int, *, nodes_to_remove: Optional[Sequence[str]] = None,
                       nodegroup: Optional[str] = None) -> str:
        """Resizes a nodegroup (default worker); microversion 1.7, 1.10 for zero nodes."""

    @_op()
    def upgrade_cluster(self, ident: str, cluster_template: str, *, max_batch_size: Optional[int] = None,
                        nodegroup: Optional[str] = None) -> str:
        """Upgrades to another template; microversion 1.8."""

    # -- nodegroups ------------------------------------------------------------------------
    @_op(NodeGroup)
    def list_nodegroups(self, cluster: str, *, role: Optional[str] = None, limit: Optional[int] = None,
                        marker: Optional[str] = None) -> List[NodeGroup]:
        """A cluster's nodegroups (microversion 1.9)."""

    @_op(NodeGroup)
    def get_nodegroup(self, cluster: str, ident: str) -> NodeGroup:
        """A nodegroup by name or UUID."""

    @_op(NodeGroup)
    def create_nodegroup(self, cluster: str, name: str, *, node_count: Optional[int] = None,
                         min_node_count: Optional[int] = None, max_node_count: Optional[int] = None,
                         role: Optional[str] = None, flavor_id: Optional[str] = None,
                         image_id: Optional[str] = None, docker_volume_size: Optional[int] = None,
                         labels: Optional[Mapping[str, str]] = None, merge_labels: Optional[bool] = None,
                         node_labels: Optional[Mapping[str, str]] = None,
                         node_taints: Optional[Sequence[Mapping[str, str]]] = None) -> NodeGroup:
        """Creates a nodegroup (node labels/taints need microversion 1.14)."""

    @_op(NodeGroup)
    def update_nodegroup(self, cluster: str, ident: str, *, changes: Optional[Mapping[str, Any]] = None,
                         clear_max_node_count: bool = False) -> NodeGroup:
        """Changes ``min_node_count``, ``max_node_count``, ``node_labels`` or ``node_taints``."""

    @_op()
    def delete_nodegroup(self, cluster: str, ident: str) -> None:
        """Deletes a nodegroup (not a default one)."""

    # -- certificates and credentials ------------------------------------------------------
    @_op()
    def get_ca_certificate(self, cluster: str, *, ca_cert_type: Optional[str] = None) -> str:
        """The cluster CA (PEM): ``kubernetes`` (default), ``etcd`` or ``front_proxy``."""

    @_op()
    def sign_certificate(self, cluster: str, csr: str, *, ca_cert_type: Optional[str] = None) -> str:
        """Has Magnum sign a PEM CSR; returns the PEM certificate."""

    @_op()
    def rotate_ca(self, cluster: str) -> str:
        """Rotates the cluster CA (microversion 1.5)."""

    @_op()
    def rotate_credential(self, cluster: str) -> str:
        """Rotates the cluster's cloud credential (microversion 1.12)."""

    # -- quotas, stats, services, federations ----------------------------------------------
    @_op(Quota)
    def list_quotas(self, *, all_tenants: Optional[bool] = None) -> List[Quota]:
        """Quota rows (``all_tenants`` for admins)."""

    @_op(Quota)
    def get_quota(self, project_id: str) -> Quota:
        """A project's cluster quota (the deployment default when none is set)."""

    @_op(Quota)
    def create_quota(self, project_id: str, hard_limit: int) -> Quota:
        """Sets a project's cluster quota (admin)."""

    @_op(Quota)
    def update_quota(self, project_id: str, hard_limit: int) -> Quota:
        """Changes a project's cluster quota (admin)."""

    @_op()
    def delete_quota(self, project_id: str) -> None:
        """Removes a project's quota row (admin)."""

    @_op(Stats)
    def get_stats(self, *, project_id: Optional[str] = None) -> Stats:
        """Cluster and node counts (microversion 1.4)."""

    @_op(MService)
    def list_mservices(self) -> List[MService]:
        """Magnum's services (admin)."""

    @_op(Federation)
    def list_federations(self, *, limit: Optional[int] = None, marker: Optional[str] = None) -> List[Federation]:
        """Federations."""

    @_op(Federation)
    def get_federation(self, ident: str) -> Federation:
        """A federation by name or UUID."""

    @_op()
    def create_federation(self, hostcluster_id: str, dns_zone: str, *, name: Optional[str] = None) -> str:
        """Creates a federation; returns its UUID."""

    @_op()
    def update_federation(self, ident: str, *, join: Optional[Sequence[str]] = None,
                          unjoin: Optional[Sequence[str]] = None) -> str:
        """Adds or removes member clusters."""

    @_op()
    def delete_federation(self, ident: str) -> None:
        """Deletes a federation."""

    # -- waiting and access ----------------------------------------------------------------
    @_op(Cluster)
    def wait_cluster_ready(self, ident: str, *, timeout: float, interval: Optional[float] = None,
                           on_progress: Optional[Progress] = None) -> Cluster:
        """Waits until the cluster's last operation completed. ``timeout`` (seconds) is required;
        ``on_progress`` gets a dict per observed change. Raises ClusterFailedError (any
        ``*_FAILED`` or ``ROLLBACK_COMPLETE``, with ``status_reason`` and ``faults``) or
        WaitTimeoutError (with ``last``)."""

    @_op()
    def wait_cluster_deleted(self, ident: str, *, timeout: float, interval: Optional[float] = None,
                             on_progress: Optional[Progress] = None) -> None:
        """Waits until the cluster is gone (404). Raises ClusterFailedError on DELETE_FAILED."""

    @_op(NodeGroup)
    def wait_nodegroup_ready(self, cluster: str, ident: str, *, timeout: float,
                             interval: Optional[float] = None,
                             on_progress: Optional[Progress] = None) -> NodeGroup:
        """Waits until the nodegroup's last operation completed."""

    @_op()
    def wait_nodegroup_deleted(self, cluster: str, ident: str, *, timeout: float,
                               interval: Optional[float] = None,
                               on_progress: Optional[Progress] = None) -> None:
        """Waits until a deleted nodegroup is gone (404); it stays listed as DELETE_IN_PROGRESS
        until then. Raises ClusterFailedError on DELETE_FAILED."""

    @_op(ClusterConfig)
    def cluster_config(self, ident: str, *, credentials: str = "certificate", naming: str = "openstack",
                       key_type: str = "rsa2048") -> ClusterConfig:
        """What ``openstack coe cluster config`` does: the kubeconfig (byte-compatible), CA,
        client certificate and key. ``credentials``: certificate | keystone; ``naming``:
        openstack | terraform; ``key_type``: rsa2048 | rsa3072 | rsa4096 | ec-p256."""


def _constructors(cls: Any) -> Any:
    @classmethod  # type: ignore[misc]
    def from_cloud(klass: Any, cloud: Optional[str] = None, *, settings: Optional[Mapping[str, str]] = None) -> Any:
        """A client for a cloud: clouds.yaml / secure.yaml / clouds-public.yaml, ``OS_CLOUD``,
        ``OS_*`` (explicit ``settings`` such as ``{"region_name": "RegionTwo"}`` win)."""
        return klass(_native.NativeClient.from_cloud(cloud, dict(settings) if settings else None))

    @classmethod  # type: ignore[misc]
    def from_endpoint(klass: Any, endpoint: str, *, token: Optional[str] = None, user_id: Optional[str] = None,
                      project_id: Optional[str] = None, roles: Optional[Sequence[str]] = None,
                      microversion: Optional[str] = None) -> Any:
        """A client for an explicit Magnum endpoint, with a Keystone ``token`` or, for a
        keystone-less magnum-api, identity headers (``user_id``, ``project_id``, ``roles``)."""
        if isinstance(roles, (str, bytes)):
            raise TypeError("from_endpoint(): roles must be a list of role names, got str %r" % (roles,))
        return klass(_native.NativeClient.from_endpoint(endpoint, token, user_id, project_id,
                                                        list(roles) if roles else None, microversion))

    cls.from_cloud = from_cloud
    cls.from_endpoint = from_endpoint
    return cls


@_constructors
class Client(_Operations):
    """The blocking client. Every call releases the GIL; Ctrl-C interrupts a call or a wait."""

    def __init__(self, native: Any) -> None:
        self._native = native

    def __repr__(self) -> str:
        return "Client()"


@_constructors
class AsyncClient(_Operations):
    """The asyncio client: the same methods as Client, as coroutines."""

    def __init__(self, native: Any) -> None:
        self._native = native

    def __repr__(self) -> str:
        return "AsyncClient()"


for _name, _member in list(vars(_Operations).items()):
    _coroutine = getattr(_member, "__magnum_async__", None)
    if _coroutine is not None:
        setattr(AsyncClient, _name, _coroutine)
