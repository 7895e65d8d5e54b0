"""Exceptions raised by magnum_sdk: one class per Rust ``ErrorKind``, all under MagnumError.

API errors carry what Magnum said: ``status_code``, ``request_id``, ``errors`` (Magnum's
``errors[]`` entries), the ``microversion`` sent and, on a 406, ``min_version``/``max_version``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Type

__all__ = [
    "MagnumError", "ApiError", "BadRequestError", "UnauthorizedError", "ForbiddenError",
    "NotFoundError", "ConflictError", "PayloadTooLargeError", "RateLimitedError", "ServerError",
    "MicroversionUnsupportedError", "TransportError", "DecodeError", "ValidationError",
    "ConfigError", "AuthError", "ClusterFailedError", "WaitTimeoutError", "CertificateError",
]


class MagnumError(Exception):
    """Base class of every magnum_sdk error."""

    kind: str = "Other"
    status_code: Optional[int] = None
    request_id: Optional[str] = None
    #: The underlying causes, outermost first (e.g. "connection refused"); ``str(err)`` ends
    #: with those its own message does not already say.
    causes: List[str] = []

    def __init__(self, message: str, **attrs: Any) -> None:
        super().__init__(message)
        self.message = message
        for name, value in attrs.items():
            setattr(self, name, value)


class ApiError(MagnumError):
    """Magnum (or Keystone) answered with an error status."""

    service: Optional[str] = None
    method: Optional[str] = None
    path: Optional[str] = None
    microversion: Optional[str] = None
    errors: List[Dict[str, Any]] = []


class BadRequestError(ApiError):
    """HTTP 400: Magnum refused the request (validation)."""


class UnauthorizedError(ApiError):
    """HTTP 401."""


class ForbiddenError(ApiError):
    """HTTP 403: policy or quota."""


class NotFoundError(ApiError):
    """HTTP 404."""


class ConflictError(ApiError):
    """HTTP 409: e.g. a name shared by several resources."""


class PayloadTooLargeError(ApiError):
    """HTTP 413."""


class RateLimitedError(ApiError):
    """HTTP 429."""


class ServerError(ApiError):
    """HTTP 5xx."""


class MicroversionUnsupportedError(ApiError):
    """The call needs a microversion the cloud (or the pin) does not offer (406 or local)."""

    min_version: Optional[str] = None
    max_version: Optional[str] = None


class TransportError(MagnumError, ConnectionError):
    """No HTTP answer (connection refused, TLS, timeout)."""


class DecodeError(MagnumError):
    """The answer was not what Magnum sends."""


class ValidationError(MagnumError, ValueError):
    """Invalid input, refused before anything was sent."""


class ConfigError(MagnumError):
    """Unusable configuration (clouds.yaml, endpoint, catalog)."""


class AuthError(MagnumError):
    """Keystone authentication failed."""


class ClusterFailedError(MagnumError):
    """A waited-for cluster or nodegroup reached a failure status."""

    status: Optional[str] = None
    status_reason: Optional[str] = None
    faults: Dict[str, str] = {}
    last: Optional[Dict[str, Any]] = None


class WaitTimeoutError(MagnumError, TimeoutError):
    """A wait's timeout passed; ``last`` is the last object seen."""

    status: Optional[str] = None
    waited: Optional[float] = None
    last: Optional[Dict[str, Any]] = None


class CertificateError(MagnumError, ValueError):
    """A key, certificate or CSR problem."""


_BY_KIND: Dict[str, Type[MagnumError]] = {
    "BadRequest": BadRequestError,
    "Unauthorized": UnauthorizedError,
    "Forbidden": ForbiddenError,
    "NotFound": NotFoundError,
    "Conflict": ConflictError,
    "PayloadTooLarge": PayloadTooLargeError,
    "RateLimited": RateLimitedError,
    "ServerError": ServerError,
    "HttpError": ApiError,
    "MicroversionUnsupported": MicroversionUnsupportedError,
    "Transport": TransportError,
    "Decode": DecodeError,
    "InvalidInput": ValidationError,
    "Config": ConfigError,
    "Auth": AuthError,
    "ResourceFailed": ClusterFailedError,
    "WaitTimeout": WaitTimeoutError,
    "Certificate": CertificateError,
}


def _class_for_kind(kind: str) -> Type[MagnumError]:
    """The exception class for a Rust ErrorKind name (used by the native module)."""
    return _BY_KIND.get(kind, MagnumError)
