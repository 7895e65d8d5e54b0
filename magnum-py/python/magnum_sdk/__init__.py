"""magnum_sdk: OpenStack Magnum (container cluster management) from Python, backed by magnum-rs.

    from magnum_sdk import Client
    client = Client.from_cloud()                 # clouds.yaml / OS_CLOUD / OS_* like the CLI
    for cluster in client.list_clusters():
        print(cluster.name, cluster.status)
    cluster_id = client.create_cluster("k8s-template", name="prod", node_count=3)
    client.wait_cluster_ready(cluster_id, timeout=3600, on_progress=print)

``AsyncClient`` has the same methods as coroutines. Errors are ``magnum_sdk.exceptions``
classes under ``MagnumError``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence

from . import _native as _raw_native
from ._guard import Guarded, InternalError

_native: Any = Guarded(_raw_native)
from ._client import AsyncClient, Client, ProgressEvent
from .exceptions import (
    ApiError,
    AuthError,
    BadRequestError,
    CertificateError,
    ClusterFailedError,
    ConfigError,
    ConflictError,
    DecodeError,
    ForbiddenError,
    MagnumError,
    MicroversionUnsupportedError,
    NotFoundError,
    PayloadTooLargeError,
    RateLimitedError,
    ServerError,
    TransportError,
    UnauthorizedError,
    ValidationError,
    WaitTimeoutError,
)
from .models import (
    Cluster,
    ClusterConfig,
    ClusterStatus,
    ClusterTemplate,
    Federation,
    HealthStatus,
    Model,
    MService,
    NodeGroup,
    Quota,
    Stats,
)

__version__: str = _native.__version__

__all__ = [
    "Client", "AsyncClient", "ProgressEvent", "generate_cluster_ca", "sign_csr", "merge_kubeconfig", "explain_failure",
    "preflight_template", "preflight_cluster", "preflight_nodegroup", "check_cloud", "cluster_orphans",
    "check_template_update", "check_certificate_access", "check_client_csr",
    "create_cluster_trust", "delete_cluster_trust",
    "Model", "Cluster", "ClusterTemplate", "NodeGroup", "Quota", "Stats", "MService", "Federation",
    "ClusterConfig", "ClusterStatus", "HealthStatus",
    "MagnumError", "ApiError", "BadRequestError", "UnauthorizedError", "ForbiddenError",
    "NotFoundError", "ConflictError", "PayloadTooLargeError", "RateLimitedError", "ServerError",
    "MicroversionUnsupportedError", "TransportError", "DecodeError", "ValidationError",
    "ConfigError", "AuthError", "ClusterFailedError", "WaitTimeoutError", "CertificateError",
    "InternalError",
]


def generate_cluster_ca(issuer_name: str, *, key_type: Optional[str] = None) -> Dict[str, Dict[str, str]]:
    """A cluster's CA set as Magnum makes it: ``cluster_ca``, ``etcd_ca``, ``front_proxy_ca``
    and ``admin``, each ``{"certificate", "private_key" (encrypted PKCS#8), "passphrase"}``."""
    result: Dict[str, Dict[str, str]] = _native.generate_cluster_ca(issuer_name, key_type)
    return result


def sign_csr(csr: str, ca_certificate: str, ca_private_key: str, *, passphrase: Optional[str] = None) -> str:
    """Signs a PEM CSR with a CA under Magnum's default policy (the CSR signature is verified);
    returns the PEM certificate. Raises CertificateError for a refused CSR."""
    result: str = _native.sign_csr(csr, ca_certificate, ca_private_key, passphrase)
    return result


def merge_kubeconfig(existing: str, addition: str, *, switch_context: bool = True) -> str:
    """Merges a kubeconfig into another without clobbering other clusters, contexts or users."""
    result: str = _native.merge_kubeconfig(existing, addition, switch_context)
    return result


def explain_failure(status_reason: Optional[str], faults: Optional[Mapping[str, str]] = None) -> List[Dict[str, Any]]:
    """Explains a failed cluster from its ``status_reason`` and ``faults`` ({nodegroup: reason}):
    one dict per cause with ``code``, ``pain_point``, ``cause``, ``actor`` (``user`` /
    ``deployer`` / ``either``), ``retryable``, ``fix`` and ``source``. Unknown text → ``[]``."""
    result: List[Dict[str, Any]] = _native.explain_failure(status_reason, dict(faults) if faults is not None else None)
    return result


def preflight_template(**body: Any) -> List[Dict[str, Any]]:
    """Checks a cluster template before creating it, locally, with the ``create_cluster_template``
    keywords (``image_id``, ``coe``, ``labels``, ...): every finding at once, each a dict with
    ``code``, ``severity`` (``error`` / ``warning``), ``field``, ``message`` (Magnum's own where it
    has one), ``hint`` and ``pain_point``. A misspelt keyword is a TypeError."""
    result: List[Dict[str, Any]] = _native.preflight_template(body)
    return result


def check_cloud(cloud: Optional[str] = None, *, settings: Optional[Mapping[str, str]] = None,
                template: Optional[Mapping[str, Any]] = None) -> List[Dict[str, Any]]:
    """Checks the cloud with the user's own token before anything is created: missing Octavia,
    Cinder, Barbican, Heat or Magnum for what the template needs, endpoints the cluster's VMs
    cannot reach, several regions, application-credential tokens on a Heat-era Magnum; with a
    ``template`` (the ``create_cluster_template`` keywords) also its image and ``os_distro``,
    flavors, keypair and external network, asked of Glance, Nova and Neutron. Findings as in
    :func:`preflight_template`. ``cloud`` and ``settings`` as in :meth:`Client.from_cloud`."""
    result: List[Dict[str, Any]] = _native.check_cloud(
        cloud, dict(settings) if settings else None, dict(template) if template is not None else None)
    return result


def cluster_orphans(cluster_uuid: str, cloud: Optional[str] = None, *,
                    settings: Optional[Mapping[str, str]] = None, delete: bool = False,
                    timeout: float = 60.0) -> Dict[str, Any]:
    """The Octavia load balancers and floating IPs Kubernetes made for a cluster — what makes its
    delete fail with "Failed to pre-delete resources". Returns ``{"plan": {"cluster_uuid",
    "floating_ips", "load_balancers"}, "deleted": None}``; with ``delete=True`` they are deleted
    (floating IPs first, then the load balancers with cascade, awaited up to ``timeout`` seconds)
    and ``deleted`` lists what went. ``cloud`` and ``settings`` as in :meth:`Client.from_cloud`."""
    result: Dict[str, Any] = _native.cluster_orphans(
        cluster_uuid, cloud, dict(settings) if settings else None, delete, timeout)
    return result


def preflight_nodegroup(server_max: Optional[str] = None, **body: Any) -> List[Dict[str, Any]]:
    """Checks a nodegroup request locally, with the ``create_nodegroup`` keywords (``name``,
    ``node_count``, ``min_node_count``, ``max_node_count``, ``role``, ``node_taints``, ...) and,
    when given, the server's maximum microversion (``"1.12"``); findings as in
    :func:`preflight_template`."""
    result: List[Dict[str, Any]] = _native.preflight_nodegroup(body, server_max)
    return result


def check_template_update(template: str, changes: Mapping[str, Any], *, referenced: bool) -> List[Dict[str, Any]]:
    """Magnum's rule for changing a template clusters use (``referenced``): only ``name``,
    ``public=True``, ``hidden`` or ``tags``, one at a time; ``changes`` maps field → new value."""
    result: List[Dict[str, Any]] = _native.check_template_update(template, referenced, dict(changes))
    return result


def check_certificate_access(cluster: Mapping[str, Any], user_id: str, roles: Sequence[str]) -> List[Dict[str, Any]]:
    """Whether ``user_id`` (with ``roles``) can fetch the cluster's CA and sign CSRs — what a
    kubeconfig needs; Magnum's default policy allows the cluster's owner and admins only.
    ``cluster`` as ``get_cluster(...).to_dict()`` returns it."""
    result: List[Dict[str, Any]] = _native.check_certificate_access(dict(cluster), user_id, list(roles))
    return result


def check_client_csr(csr: str, *, admin_intended: bool = False) -> List[Dict[str, Any]]:
    """What a PEM CSR will grant once Magnum signs it: ``O=system:masters`` is cluster-admin (a
    warning unless intended); a subjectKeyIdentifier or CA:TRUE in the request are errors.
    Raises CertificateError when the text is not a CSR."""
    result: List[Dict[str, Any]] = _native.check_client_csr(csr, admin_intended)
    return result


def preflight_cluster(template: Optional[Mapping[str, Any]] = None, **body: Any) -> List[Dict[str, Any]]:
    """Checks a cluster request locally, with the ``create_cluster`` keywords
    (``cluster_template_id``, ``master_count``, ``labels``, ...) and, when given, the template it
    uses (``get_cluster_template(...).to_dict()``); findings as in :func:`preflight_template`."""
    result: List[Dict[str, Any]] = _native.preflight_cluster(body, dict(template) if template is not None else None)
    return result




def create_cluster_trust(owner: Mapping[str, str], trustee_admin: Mapping[str, str], cluster_uuid: str,
                         *, roles: Optional[List[str]] = None) -> Dict[str, Any]:
    """Magnum's per-cluster trust: creates the trustee user ``<cluster_uuid>_<project>`` in the
    trustee domain and an impersonating trust from the owner to it. ``owner`` and
    ``trustee_admin`` are clouds.yaml-style settings (``{"auth.auth_url": ..., "auth.username":
    ...}``; the admin must be scoped to the trustee domain with its ``manager`` role). Returns
    ``trustee_user_id``, ``trustee_username``, ``trustee_password``, ``trust_id``, ... Raises
    AuthError for application-credential owners (Keystone refuses them)."""
    result: Dict[str, Any] = _native.create_cluster_trust(dict(owner), dict(trustee_admin), cluster_uuid, roles)
    return result


def delete_cluster_trust(trustee_admin: Mapping[str, str], *, trust_id: Optional[str] = None,
                         trustee_user_id: Optional[str] = None, trustee_password: Optional[str] = None,
                         owner: Optional[Mapping[str, str]] = None) -> Dict[str, Any]:
    """Removes a cluster's trust (as the owner when given, else as the trustee) and its trustee;
    absent pieces count as removed. Returns ``{"trust_gone", "trustee_gone", "errors"}``."""
    result: Dict[str, Any] = _native.delete_cluster_trust(
        dict(trustee_admin), trust_id, trustee_user_id, trustee_password, dict(owner) if owner else None)
    return result
