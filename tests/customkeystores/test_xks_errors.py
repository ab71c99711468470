"""KMS's answer to every failure of an XKS proxy, row by row of the XKS Proxy API specification's table.

Each row (a proxy error name, no connection, a TLS failure, a timeout, a malformed answer) is
produced by a real HTTP server that answers that way, reached by kmscli's real XKS client, and
must become KMS's exception for the operation (Create/UpdateCustomKeyStore, CreateKey, the
cryptographic operations) with KMS's fixed message: never the proxy's own.
"""

from __future__ import annotations

import datetime
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from kmscli.core.customkeystores import XKS_MESSAGES, xks_failure
from kmscli.core.ports import XksError, XksProxy
from kmscli.xksclient import XksClient

from .test_cloudhsm import error, ok
from .xks_helpers import ACCESS_KEY, SECRET_KEY

Invoke = Callable[..., Result]
PATH = "/kms/xks/v1"
HEALTHY = {
    "xksProxyFleetSize": 1,
    "xksProxyVendor": "test",
    "xksProxyModel": "test",
    "ekmVendor": "test",
    "ekmFleetDetails": [{"id": "1", "model": "m", "healthStatus": "ACTIVE"}],
}
METADATA = {"keySpec": "AES_256", "keyUsage": ["ENCRYPT", "DECRYPT"], "keyStatus": "ENABLED"}

# The specification's table: failure -> (Create/UpdateCustomKeyStore, CreateKey, cryptographic operations).
TABLE = {
    "ValidationException": (
        "XksProxyInvalidResponseException",
        "CustomKeyStoreInvalidStateException",
        "KMSInvalidStateException",
    ),
    "InvalidStateException": (None, "XksKeyInvalidConfigurationException", "KMSInvalidStateException"),
    "InvalidCiphertextException": (None, None, "KMSInvalidStateException"),
    "InvalidKeyUsageException": (None, "XksKeyInvalidConfigurationException", "KMSInvalidStateException"),
    "AuthenticationFailedException": (
        "XksProxyIncorrectAuthenticationCredentialException",
        "CustomKeyStoreInvalidStateException",
        "KMSInvalidStateException",
    ),
    "AccessDeniedException": (None, "KMSInvalidStateException", "KMSInvalidStateException"),
    "KeyNotFoundException": (None, "XksKeyNotFoundException", "KMSInvalidStateException"),
    "InvalidUriPathException": (
        "XksProxyInvalidConfigurationException",
        "CustomKeyStoreInvalidStateException",
        "KMSInvalidStateException",
    ),
    # The specification names "XksKeyInvalidResponseException" for CreateKey, which KMS's model lacks.
    "UnsupportedOperationException": (None, "XksKeyInvalidConfigurationException", "KMSInvalidStateException"),
    "DependencyTimeoutException": (
        "XksProxyUriUnreachableException",
        "CustomKeyStoreInvalidStateException",
        "KMSInvalidStateException",
    ),
    "ThrottlingException": (
        "XksProxyUriUnreachableException",
        "CustomKeyStoreInvalidStateException",
        "KMSInvalidStateException",
    ),
    "InternalException": (
        "XksProxyInvalidResponseException",
        "CustomKeyStoreInvalidStateException",
        "KMSInvalidStateException",
    ),
    "unreachable": (
        "XksProxyUriUnreachableException",
        "CustomKeyStoreInvalidStateException",
        "KMSInvalidStateException",
    ),
    "tls": ("XksProxyUriUnreachableException", "CustomKeyStoreInvalidStateException", "KMSInvalidStateException"),
    "timeout": ("XksProxyUriUnreachableException", "CustomKeyStoreInvalidStateException", "KMSInvalidStateException"),
    "invalid_response": (
        "XksProxyInvalidResponseException",
        "CustomKeyStoreInvalidStateException",
        "KMSInvalidStateException",
    ),
}


@pytest.mark.parametrize("failure", sorted(TABLE))
def test_each_row_maps_to_kmss_exception_and_message(failure: str) -> None:
    for context, expected in zip(("store", "create_key", "crypto"), TABLE[failure], strict=True):
        if expected is None:
            continue
        mapped = xks_failure(failure, context)
        assert (mapped.code, mapped.message) == (expected, XKS_MESSAGES[failure])


def test_an_unknown_error_name_is_an_answer_kms_cannot_interpret() -> None:
    mapped = xks_failure("SomethingNew", "store")
    assert (mapped.code, mapped.message) == ("XksProxyInvalidResponseException", XKS_MESSAGES["invalid_response"])


# ---------------------------------------------------------------- a proxy that answers each way


class FakeProxy:
    """A real HTTP server whose answer per operation is set by the test: (status, body bytes) or "hang"."""

    def __init__(self) -> None:
        self.answers: dict[str, Any] = {}
        self.requests: list[tuple[str, dict[str, str], Any]] = []
        self.release = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                operation = self.path.rsplit("/", 1)[-1]
                owner.requests.append((self.path, dict(self.headers.items()), json.loads(body)))
                answer = owner.answers.get(operation)
                if answer == "hang":
                    owner.release.wait(10)
                    return
                if answer is None:
                    answer = (200, json.dumps({"health": HEALTHY, "metadata": METADATA}.get(operation, {})).encode())
                status, body = answer
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def fail(self, operation: str, failure: str) -> None:
        if failure == "timeout":
            self.answers[operation] = "hang"
        elif failure == "invalid_response":
            self.answers[operation] = (500, b"<html>proxy error</html>")
        else:
            from kmscli.xksproxy import STATUS

            body = json.dumps({"errorName": failure, "errorMessage": "the proxy's own words"}).encode()
            self.answers[operation] = (STATUS[failure], body)

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake() -> Iterator[FakeProxy]:
    proxy = FakeProxy()
    try:
        yield proxy
    finally:
        proxy.close()


def _proxy(endpoint: str) -> XksProxy:
    return XksProxy(endpoint, PATH, ACCESS_KEY, SECRET_KEY, "us-west-2")


def _classify(call: Callable[[], Any]) -> tuple[str, str | None]:
    with pytest.raises(XksError) as caught:
        call()
    return caught.value.kind, caught.value.error_name


PROXY_ERRORS = [f for f in TABLE if f[0].isupper()]


@pytest.mark.parametrize("name", PROXY_ERRORS)
def test_the_client_reads_each_error_name(fake: FakeProxy, name: str) -> None:
    fake.fail("health", name)
    client = XksClient(clock=time.time)
    assert _classify(lambda: client.call(_proxy(fake.endpoint), "health", {})) == ("error", name)


def test_the_client_classifies_transport_failures(fake: FakeProxy, tmp_path: Path) -> None:
    client = XksClient(clock=time.time, timeout_s=0.3)
    fake.fail("health", "invalid_response")
    assert _classify(lambda: client.call(_proxy(fake.endpoint), "health", {})) == ("invalid_response", None)
    fake.answers["health"] = (200, b"not json")
    assert _classify(lambda: client.call(_proxy(fake.endpoint), "health", {})) == ("invalid_response", None)
    fake.fail("health", "timeout")
    started = time.monotonic()
    assert _classify(lambda: client.call(_proxy(fake.endpoint), "health", {})) == ("timeout", None)
    assert time.monotonic() - started < 5
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    assert _classify(lambda: client.call(_proxy(f"http://127.0.0.1:{closed_port}"), "health", {})) == (
        "unreachable",
        None,
    )
    # HTTPS to a server that speaks plain HTTP: the TLS handshake fails.
    https = fake.endpoint.replace("http://", "https://")
    assert _classify(lambda: client.call(_proxy(https), "health", {})) == ("tls", None)
    # Plain HTTP to anything but loopback is refused before any connection.
    assert _classify(lambda: client.call(_proxy("http://proxy.example.com"), "health", {})) == ("unreachable", None)


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "proxy.crt", tmp_path / "proxy.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def test_https_trusts_aws_ca_bundle(fake: FakeProxy, tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    fake.server.socket = context.wrap_socket(fake.server.socket, server_side=True)
    endpoint = f"https://localhost:{fake.server.server_address[1]}"
    # Not trusted by the system's store: a TLS failure.
    untrusted = XksClient(clock=time.time, timeout_s=5)
    assert _classify(lambda: untrusted.call(_proxy(endpoint), "health", {})) == ("tls", None)
    # Trusted through AWS_CA_BUNDLE's file.
    trusted = XksClient(clock=time.time, timeout_s=5, ca_bundle=str(cert))
    assert trusted.call(_proxy(endpoint), "health", {}) == HEALTHY


# ---------------------------------------------------------------- through the CLI, per operation


def _create(invoke: Invoke, endpoint: str) -> Result:
    return invoke(
        "create-custom-key-store", "--custom-key-store-name", "S", "--custom-key-store-type", "EXTERNAL_KEY_STORE",
        "--xks-proxy-uri-endpoint", endpoint, "--xks-proxy-uri-path", PATH, "--xks-proxy-connectivity",
        "PUBLIC_ENDPOINT", "--xks-proxy-authentication-credential",
        f"AccessKeyId={ACCESS_KEY},RawSecretAccessKey={SECRET_KEY}",
    )  # fmt: skip


STORE_ROWS = [f for f in TABLE if TABLE[f][0] is not None and f not in ("unreachable", "tls")]


@pytest.mark.parametrize("failure", STORE_ROWS)
def test_create_custom_key_store_rows(invoke: Invoke, fake: FakeProxy, runtime: Any, failure: str) -> None:
    if failure == "timeout":
        runtime.environ["KMSCLI_XKS_TIMEOUT"] = "0.3"
    fake.fail("health", failure)
    error(_create(invoke, fake.endpoint), TABLE[failure][0], "CreateCustomKeyStore", XKS_MESSAGES[failure])
    assert ok(invoke("describe-custom-key-stores")) == {"CustomKeyStores": []}


CREATE_KEY_ROWS = [f for f in TABLE if TABLE[f][1] is not None and f not in ("unreachable", "tls")]


@pytest.mark.parametrize("failure", CREATE_KEY_ROWS)
def test_create_key_rows(invoke: Invoke, fake: FakeProxy, runtime: Any, failure: str) -> None:
    store_id = ok(_create(invoke, fake.endpoint))["CustomKeyStoreId"]
    ok(invoke("connect-custom-key-store", "--custom-key-store-id", store_id))
    if failure == "timeout":
        runtime.environ["KMSCLI_XKS_TIMEOUT"] = "0.3"
    fake.fail("metadata", failure)
    result = invoke(
        "create-key", "--custom-key-store-id", store_id, "--origin", "EXTERNAL_KEY_STORE", "--xks-key-id", "k"
    )
    error(result, TABLE[failure][1], "CreateKey", XKS_MESSAGES[failure])
    assert ok(invoke("list-keys")) == {"Keys": []}


CRYPTO_ROWS = [f for f in TABLE if f not in ("unreachable", "tls", "InvalidCiphertextException")]


@pytest.mark.parametrize("failure", CRYPTO_ROWS)
def test_encrypt_rows(invoke: Invoke, fake: FakeProxy, runtime: Any, failure: str) -> None:
    store_id = ok(_create(invoke, fake.endpoint))["CustomKeyStoreId"]
    ok(invoke("connect-custom-key-store", "--custom-key-store-id", store_id))
    key = ok(invoke("create-key", "--custom-key-store-id", store_id, "--origin", "EXTERNAL_KEY_STORE", "--xks-key-id",
                    "k"))["KeyMetadata"]["KeyId"]  # fmt: skip
    if failure == "timeout":
        runtime.environ["KMSCLI_XKS_TIMEOUT"] = "0.3"
    fake.fail("encrypt", failure)
    error(
        invoke("encrypt", "--key-id", key, "--plaintext", "x"),
        "KMSInvalidStateException",
        "Encrypt",
        XKS_MESSAGES[failure],
    )


def test_an_encrypt_answer_that_breaks_the_api_is_refused(invoke: Invoke, fake: FakeProxy) -> None:
    """Wrong IV or tag sizes, a ciphertext of another length, or a wrong integrity value: malformed answers."""
    store_id = ok(_create(invoke, fake.endpoint))["CustomKeyStoreId"]
    ok(invoke("connect-custom-key-store", "--custom-key-store-id", store_id))
    key = ok(invoke("create-key", "--custom-key-store-id", store_id, "--origin", "EXTERNAL_KEY_STORE", "--xks-key-id",
                    "k"))["KeyMetadata"]["KeyId"]  # fmt: skip
    answer = {
        "ciphertext": "AAAA",
        "initializationVector": "AAAAAAAAAAAAAAAA",
        "authenticationTag": "AAAAAAAAAAAAAAAAAAAAAA==",
        "ciphertextDataIntegrityValue": "AAAA",
    }
    fake.answers["encrypt"] = (200, json.dumps(answer).encode())
    error(
        invoke("encrypt", "--key-id", key, "--plaintext", "x"),
        "KMSInvalidStateException",
        "Encrypt",
        XKS_MESSAGES["invalid_response"],
    )


def test_what_kms_sends_the_proxy(invoke: Invoke, fake: FakeProxy, runtime: Any) -> None:
    """requestMetadata and the bodies of GetHealthStatus, GetKeyMetadata and Encrypt, as the spec lists them."""
    store_id = ok(_create(invoke, fake.endpoint))["CustomKeyStoreId"]
    ok(invoke("connect-custom-key-store", "--custom-key-store-id", store_id))
    key = ok(invoke("create-key", "--custom-key-store-id", store_id, "--origin", "EXTERNAL_KEY_STORE", "--xks-key-id",
                    "k"))["KeyMetadata"]  # fmt: skip
    fake.fail("encrypt", "InternalException")
    invoke("encrypt", "--key-id", key["KeyId"], "--plaintext", "x")
    paths = [path for path, _, _ in fake.requests]
    assert paths == [f"{PATH}/health", f"{PATH}/health", f"{PATH}/keys/k/metadata", f"{PATH}/keys/k/encrypt"]
    health, connect, metadata, encrypt = (body for _, _, body in fake.requests)
    caller = runtime.env.caller_arn
    assert {k: health["requestMetadata"][k] for k in ("kmsOperation",)} == {"kmsOperation": "CreateCustomKeyStore"}
    assert connect["requestMetadata"]["kmsOperation"] == "ConnectCustomKeyStore"
    assert set(metadata) == {"requestMetadata"}
    assert set(metadata["requestMetadata"]) == {"awsPrincipalArn", "kmsOperation", "kmsRequestId"}
    assert (metadata["requestMetadata"]["awsPrincipalArn"], metadata["requestMetadata"]["kmsOperation"]) == (
        caller,
        "CreateKey",
    )
    assert set(encrypt) == {
        "requestMetadata",
        "plaintext",
        "encryptionAlgorithm",
        "additionalAuthenticatedData",
        "ciphertextDataIntegrityValueAlgorithm",
    }
    assert encrypt["requestMetadata"] | {"kmsRequestId": "-"} == {
        "awsPrincipalArn": caller,
        "kmsKeyArn": key["Arn"],
        "kmsOperation": "Encrypt",
        "kmsRequestId": "-",
    }
    assert (encrypt["encryptionAlgorithm"], encrypt["ciphertextDataIntegrityValueAlgorithm"]) == ("AES_GCM", "SHA_256")
    # Every request is signed for kms-xks-proxy in the store's Region.
    for _, headers, _ in fake.requests:
        assert (
            f"/{runtime.env.region}/kms-xks-proxy/aws4_request, SignedHeaders=content-type;host;x-amz-date, "
            in (headers["Authorization"])
        )
