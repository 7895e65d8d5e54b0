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

from typing import Dict, Optional

from . import _native
from ._client import AsyncClient, Client
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
    "Client", "AsyncClient", "generate_cluster_ca", "sign_csr", "merge_kubeconfig",
    "Model", "Cluster", "ClusterTemplate", "NodeGroup", "Quota", "Stats", "MService", "Federation",
    "ClusterConfig", "ClusterStatus", "HealthStatus",
    "MagnumError", "ApiError", "BadRequestError", "UnauthorizedError", "ForbiddenError",
    "NotFoundError", "ConflictError", "PayloadTooLargeError", "RateLimitedError", "ServerError",
    "MicroversionUnsupportedError", "TransportError", "DecodeError", "ValidationError",
    "ConfigError", "AuthError", "ClusterFailedError", "WaitTimeoutError", "CertificateError",
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


