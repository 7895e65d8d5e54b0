# Stubs of the private native module (checked by mypy.stubtest in scripts/test.sh).
from typing import Any, Awaitable, Callable, Dict, List, Optional, final

__all__ = ["NativeClient", "generate_cluster_ca", "sign_csr", "merge_kubeconfig", "explain_failure", "create_cluster_trust", "delete_cluster_trust", "__version__"]

__version__: str

@final
class NativeClient:
    @staticmethod
    def from_cloud(cloud: Optional[str] = None, settings: Optional[Dict[str, str]] = None) -> NativeClient: ...
    @staticmethod
    def from_endpoint(
        endpoint: str,
        token: Optional[str] = None,
        user_id: Optional[str] = None,
        project_id: Optional[str] = None,
        roles: Optional[List[str]] = None,
        microversion: Optional[str] = None,
    ) -> NativeClient: ...
    def call(self, op: str, kwargs: Dict[str, Any], progress: Optional[Callable[[Dict[str, Any]], None]] = None) -> Any: ...
    def call_async(self, op: str, kwargs: Dict[str, Any], progress: Optional[Callable[[Dict[str, Any]], None]] = None) -> Awaitable[Any]: ...

def generate_cluster_ca(issuer_name: str, key_type: Optional[str] = None) -> Dict[str, Dict[str, str]]: ...
def sign_csr(csr: str, ca_certificate: str, ca_private_key: str, passphrase: Optional[str] = None) -> str: ...
def merge_kubeconfig(existing: str, addition: str, switch_context: bool = True) -> str: ...
def explain_failure(status_reason: Optional[str], faults: Optional[Dict[str, str]] = None) -> List[Dict[str, Any]]: ...
def create_cluster_trust(owner: Dict[str, str], trustee_admin: Dict[str, str], cluster_uuid: str, roles: Optional[List[str]] = None) -> Dict[str, Any]: ...
def delete_cluster_trust(
    trustee_admin: Dict[str, str],
    trust_id: Optional[str] = None,
    trustee_user_id: Optional[str] = None,
    trustee_password: Optional[str] = None,
    owner: Optional[Dict[str, str]] = None,
) -> Dict[str, Any]: ...
