"""The boundary between Python and the native module: no Rust panic reaches a caller as
``pyo3_runtime.PanicException`` (a ``BaseException`` that ``except Exception`` does not catch).
Every call into ``_native`` — module functions, ``NativeClient`` methods and the awaitables of
``call_async`` — is routed through here, and a panic becomes the SDK's ``MagnumError`` (kind
``Internal``) with the panic's message, chained to the original."""

from __future__ import annotations

import functools
import inspect
from typing import Any

from .exceptions import MagnumError


class InternalError(MagnumError):
    """A bug in magnum_sdk's native core (a Rust panic), caught at the boundary. Please report
    it with the message."""

    kind = "Internal"


def _is_panic(err: BaseException) -> bool:
    # pyo3's PanicException, or pyo3-async-runtimes' RustPanic (a panic inside an awaitable).
    return type(err).__name__ in ("PanicException", "RustPanic")


def _internal(err: BaseException) -> InternalError:
    return InternalError("internal error in magnum_sdk's native core: %s (please report this)" % err)


async def _await_guarded(awaitable: Any) -> Any:
    try:
        return _guard_value(await awaitable)
    except BaseException as err:
        if _is_panic(err):
            raise _internal(err) from err
        raise


def _guard_value(value: Any) -> Any:
    if inspect.isawaitable(value):
        return _await_guarded(value)
    if type(value).__name__ == "NativeClient":
        return Guarded(value)
    return value


def _guard_callable(func: Any) -> Any:
    @functools.wraps(func)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return _guard_value(func(*args, **kwargs))
        except BaseException as err:
            if _is_panic(err):
                raise _internal(err) from err
            raise

    return call


class Guarded:
    """A native module or object whose callables convert panics (see the module docstring)."""

    def __init__(self, target: Any) -> None:
        object.__setattr__(self, "_target", target)

    def __getattr__(self, name: str) -> Any:
        value = getattr(object.__getattribute__(self, "_target"), name)
        if callable(value) and not isinstance(value, type):
            return _guard_callable(value)
        if isinstance(value, type):
            return Guarded(value)
        return value

    def __repr__(self) -> str:
        return repr(object.__getattribute__(self, "_target"))
