"""Arguments are checked the way Python APIs check them: a wrong type or an unexpected keyword
is a TypeError naming the function; a value out of range is the SDK's ValidationError (a
ValueError, and a MagnumError) naming the argument and the accepted range. Nothing here needs
a server: every call is refused before a request is sent."""

import math

import pytest

from magnum_sdk import Client, ConfigError, MagnumError, ValidationError

ENDPOINT = "http://127.0.0.1:1/v1"  # nothing listens: a request would be a TransportError


@pytest.fixture()
def client():
    return Client.from_endpoint(ENDPOINT, token="x")


@pytest.mark.parametrize("call, kind, text", [
    (lambda c: c.create_cluster("k8s", node_count=-1), ValidationError,
     "create_cluster(): node_count must be an integer ≥ 0, got -1"),
    (lambda c: c.resize_cluster("prod", 2 ** 40), ValidationError,
     "resize_cluster(): node_count must be an integer from 0 to 4294967295, got 1099511627776"),
    (lambda c: c.create_cluster("k8s", node_count="three"), TypeError,
     "create_cluster(): node_count must be an int, got str 'three'"),
    (lambda c: c.create_cluster("k8s", nodecount=3), TypeError,
     "create_cluster() got an unexpected keyword argument 'nodecount'"),
    (lambda c: c.get_cluster(), TypeError, "get_cluster() missing a required argument: 'ident'"),
    (lambda c: c.update_cluster_template("k8s", changes={"lables": {"a": "b"}}), ValidationError,
     "got 'lables'"),
    (lambda c: c.wait_cluster_ready("x", timeout=1e300), ValidationError,
     "timeout must be a finite number of seconds from 0 to 31536000, got 1e300"),
    (lambda c: c.wait_cluster_ready("x", timeout=-1), ValidationError, "timeout must be"),
    (lambda c: c.wait_cluster_ready("x", timeout=math.nan), ValidationError,
     "wait_cluster_ready(): timeout must be a finite number, got nan"),
    (lambda c: c.wait_cluster_ready("x", timeout=5, interval=math.inf), ValidationError,
     "interval must be a finite number, got inf"),
    (lambda c: c.wait_cluster_ready("x", timeout=5, interval=1e300), ValidationError,
     "interval must be a finite number of seconds from 0.01"),
    (lambda c: c.wait_cluster_ready("x", timeout=5, interval=-1), ValidationError,
     "interval must be a positive number of seconds"),
    (lambda c: c.wait_cluster_ready("x", timeout=5, on_progress=5), TypeError,
     "wait_cluster_ready(): on_progress must be callable, got int"),
])
def test_bad_arguments_are_refused_in_python_terms(client, call, kind, text):
    with pytest.raises(kind) as err:
        call(client)
    assert text in str(err.value)
    if kind is ValidationError:
        assert isinstance(err.value, ValueError) and isinstance(err.value, MagnumError)


def test_from_endpoint_without_credentials_is_a_validation_error():
    with pytest.raises(ValidationError, match="give token="):
        Client.from_endpoint(ENDPOINT)


def test_unknown_settings_are_refused_with_the_valid_ones(monkeypatch):
    monkeypatch.setenv("OS_AUTH_URL", "http://127.0.0.1:1/identity/v3")
    monkeypatch.setenv("OS_TOKEN", "t")
    with pytest.raises(ConfigError) as err:
        Client.from_cloud(settings={"passwrd": "s3cret-value"})
    assert 'unknown setting(s) "passwrd"' in str(err.value)
    assert "auth.password" in str(err.value)
    assert "s3cret-value" not in str(err.value)


def test_transport_errors_say_why_and_where(client):
    from magnum_sdk import TransportError
    with pytest.raises(TransportError) as err:
        client.list_clusters()
    text = str(err.value)
    assert "127.0.0.1:1" in text, text
    assert any("refused" in cause.lower() for cause in err.value.causes), err.value.causes
    assert "refused" in text.lower(), "the whole chain is in str(err)"


def test_lenient_arguments_are_refused(client):
    from magnum_sdk import CertificateError, generate_cluster_ca
    with pytest.raises(TypeError, match="roles must be a list"):
        Client.from_endpoint(ENDPOINT, user_id="u", project_id="p", roles="admin")
    with pytest.raises(ValidationError, match="sort_dir must be 'asc' or 'desc', got \"sideways\""):
        client.list_clusters(sort_dir="sideways")
    for name, why in [("a\x00b", "control character"), ("x" * 100_000, "100000 characters"), ("", "0 characters")]:
        with pytest.raises(CertificateError, match=why):
            generate_cluster_ca(name)


def test_a_rust_panic_becomes_an_internal_error_not_a_base_exception():
    import asyncio

    from magnum_sdk import InternalError
    from magnum_sdk._guard import Guarded

    class PanicException(BaseException):  # what pyo3 raises for a Rust panic
        pass

    class Native:
        def boom(self):
            raise PanicException("index out of bounds: the len is 0 but the index is 3")

        def later(self):
            async def fail():
                raise PanicException("called `Option::unwrap()` on a `None` value")
            return fail()

        def fine(self):
            return 42

    native = Guarded(Native())
    with pytest.raises(InternalError, match="index out of bounds") as err:
        native.boom()
    assert isinstance(err.value, MagnumError) and isinstance(err.value, Exception)
    assert type(err.value.__cause__).__name__ == "PanicException"
    with pytest.raises(InternalError, match="unwrap"):
        asyncio.run(native.later())
    assert native.fine() == 42
