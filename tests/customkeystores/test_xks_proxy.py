"""`kmscli xks-proxy` against the public XKS Proxy API v1 specification: every operation, every error.

Each request is signed by botocore's SigV4 signer (not kmscli's), as KMS signs the requests it
sends a proxy. Written from the specification: the four POST operations and their bodies, 405 for
GET, InvalidUriPathException for other paths, the error table's names and statuses, the
ciphertext data integrity value (Appendix C), two credential sets at once, 5 minutes of clock skew.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import os
import shutil
import stat
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest

from kmscli import xksproxy
from kmscli.pkcs11token import Pkcs11Token

from .conftest import MODULE, PIN, SoftHsm
from .xks_helpers import (
    ACCESS_KEY_2,
    SECRET_KEY_2,
    URI_PATH,
    ProxyProcess,
    metadata,
    post,
    proxy_config,
    start_proxy,
)

AAD = b"project=nile,department=marketing"
HELLO = b"Hello World!"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def encrypt_body(plaintext: bytes = HELLO, aad: bytes | None = AAD, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "requestMetadata": metadata(),
        "plaintext": b64(plaintext),
        "encryptionAlgorithm": "AES_GCM",
    }
    if aad is not None:
        body["additionalAuthenticatedData"] = b64(aad)
    body.update(extra)
    return body


def decrypt_body(encrypted: dict[str, str], aad: bytes | None = AAD, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "requestMetadata": metadata("Decrypt"),
        "ciphertext": encrypted["ciphertext"],
        "initializationVector": encrypted["initializationVector"],
        "authenticationTag": encrypted["authenticationTag"],
        "encryptionAlgorithm": "AES_GCM",
    }
    if aad is not None:
        body["additionalAuthenticatedData"] = b64(aad)
    body.update(extra)
    return body


# ---------------------------------------------------------------- the four operations


def test_get_health_status(proxy: ProxyProcess) -> None:
    reply = post(
        proxy.port, f"{URI_PATH}/health", {"requestMetadata": {"kmsRequestId": "r-1", "kmsOperation": "KmsHealthCheck"}}
    )
    assert (reply.status, reply.headers["content-type"]) == (200, "application/json")
    answer = reply.json()
    assert set(answer) == {"xksProxyFleetSize", "xksProxyVendor", "xksProxyModel", "ekmVendor", "ekmFleetDetails"}
    assert answer["xksProxyFleetSize"] == 1
    assert [set(d) for d in answer["ekmFleetDetails"]] == [{"id", "model", "healthStatus"}]
    assert answer["ekmFleetDetails"][0]["healthStatus"] == "ACTIVE"


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("foo", {"keySpec": "AES_256", "keyUsage": ["ENCRYPT", "DECRYPT"], "keyStatus": "ENABLED"}),
        ("encrypt_only_key", {"keySpec": "AES_256", "keyUsage": ["ENCRYPT"], "keyStatus": "ENABLED"}),
        ("disabled_key", {"keySpec": "AES_256", "keyUsage": ["ENCRYPT", "DECRYPT"], "keyStatus": "DISABLED"}),
    ],
)
def test_get_key_metadata(proxy: ProxyProcess, key: str, expected: dict[str, Any]) -> None:
    reply = post(proxy.port, f"{URI_PATH}/keys/{key}/metadata", {"requestMetadata": metadata("CreateKey")})
    assert (reply.status, reply.json()) == (200, expected)


def test_encrypt_then_decrypt(proxy: ProxyProcess) -> None:
    reply = post(proxy.port, f"{URI_PATH}/keys/foo/encrypt", encrypt_body())
    assert reply.status == 200
    encrypted = reply.json()
    assert set(encrypted) == {"ciphertext", "initializationVector", "authenticationTag"}
    assert len(base64.b64decode(encrypted["initializationVector"])) == 12
    assert len(base64.b64decode(encrypted["authenticationTag"])) == 16
    # AES-GCM is a stream cipher: the ciphertext is as long as the plaintext.
    assert len(base64.b64decode(encrypted["ciphertext"])) == len(HELLO)
    reply = post(proxy.port, f"{URI_PATH}/keys/foo/decrypt", decrypt_body(encrypted))
    assert (reply.status, reply.json()) == (200, {"plaintext": b64(HELLO)})


def test_encrypt_without_aad(proxy: ProxyProcess) -> None:
    encrypted = post(proxy.port, f"{URI_PATH}/keys/foo/encrypt", encrypt_body(aad=None)).json()
    assert post(proxy.port, f"{URI_PATH}/keys/foo/decrypt", decrypt_body(encrypted, aad=None)).json() == {
        "plaintext": b64(HELLO)
    }
    # Empty AAD and no AAD are the same input; some AAD is not.
    assert post(proxy.port, f"{URI_PATH}/keys/foo/decrypt", decrypt_body(encrypted, aad=b"x")).status == 400


def test_ciphertext_data_integrity_value(proxy: ProxyProcess) -> None:
    encrypted = post(
        proxy.port, f"{URI_PATH}/keys/foo/encrypt", encrypt_body(ciphertextDataIntegrityValueAlgorithm="SHA_256")
    ).json()
    parts = [base64.b64decode(encrypted[k]) for k in ("initializationVector", "ciphertext", "authenticationTag")]
    assert encrypted["ciphertextDataIntegrityValue"] == b64(hashlib.sha256(AAD + b"".join(parts)).digest())


def test_ciphertext_metadata_is_authenticated(proxy: ProxyProcess) -> None:
    """The AAD and the metadata are bound with their lengths: moving bytes from one to the other fails."""
    encrypted = post(proxy.port, f"{URI_PATH}/keys/foo/encrypt", encrypt_body(aad=None)).json()
    reply = post(
        proxy.port, f"{URI_PATH}/keys/foo/decrypt", decrypt_body(encrypted, aad=None, ciphertextMetadata=b64(b"v"))
    )
    assert (reply.status, reply.json()["errorName"]) == (400, "InvalidCiphertextException")


def test_two_credential_sets_at_once(proxy: ProxyProcess) -> None:
    """For rotation, a proxy accepts more than one credential at the same time."""
    reply = post(
        proxy.port, f"{URI_PATH}/keys/foo/encrypt", encrypt_body(), access_key=ACCESS_KEY_2, secret=SECRET_KEY_2
    )
    assert reply.status == 200


def test_curl_aws_sigv4_is_accepted(proxy: ProxyProcess, tmp_path: Path) -> None:
    """curl --aws-sigv4, as AWS's own test client for proxies uses it."""
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    body = tmp_path / "health.json"
    body.write_text(json.dumps({"requestMetadata": {"kmsRequestId": "r-1", "kmsOperation": "KmsHealthCheck"}}))
    done = subprocess.run(
        [
            "curl",
            "-s",
            "--aws-sigv4",
            "aws:amz:us-west-2:kms-xks-proxy",
            "--user",
            f"{ACCESS_KEY_2}:{SECRET_KEY_2}",
            "-X",
            "POST",
            "-H",
            "Content-Type:application/json",
            "--data",
            f"@{body}",
            f"{proxy.endpoint}{URI_PATH}/health",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["xksProxyVendor"] == "kmscli"


# ---------------------------------------------------------------- every error of the specification


def error(reply: Any) -> tuple[int, str]:
    return reply.status, reply.json()["errorName"]


def test_get_is_405_on_every_api_uri(proxy: ProxyProcess) -> None:
    for path in ("health", "keys/foo/metadata", "keys/foo/encrypt", "keys/foo/decrypt"):
        reply = post(proxy.port, f"{URI_PATH}/{path}", {}, method="GET")
        assert (reply.status, reply.headers["allow"]) == (405, "POST")


def test_validation_exception(proxy: ProxyProcess) -> None:
    path = f"{URI_PATH}/keys/foo/encrypt"
    assert error(post(proxy.port, path, None, raw=b"not json")) == (400, "ValidationException")
    assert error(post(proxy.port, path, {"plaintext": b64(HELLO), "encryptionAlgorithm": "AES_GCM"})) == (
        400,
        "ValidationException",
    )
    assert error(post(proxy.port, path, encrypt_body(encryptionAlgorithm="AES_CBC"))) == (400, "ValidationException")
    assert error(post(proxy.port, path, encrypt_body(plaintext=b"", aad=None) | {"plaintext": "%%%"})) == (
        400,
        "ValidationException",
    )
    assert error(post(proxy.port, path, encrypt_body(ciphertextDataIntegrityValueAlgorithm="MD5"))) == (
        400,
        "ValidationException",
    )
    encrypted = post(proxy.port, path, encrypt_body()).json()
    short_tag = decrypt_body(encrypted, authenticationTag=b64(b"x" * 12))
    assert error(post(proxy.port, f"{URI_PATH}/keys/foo/decrypt", short_tag)) == (400, "ValidationException")


def test_invalid_state_exception(proxy: ProxyProcess) -> None:
    assert error(post(proxy.port, f"{URI_PATH}/keys/disabled_key/encrypt", encrypt_body())) == (
        400,
        "InvalidStateException",
    )


def test_invalid_ciphertext_exception(proxy: ProxyProcess) -> None:
    encrypted = post(proxy.port, f"{URI_PATH}/keys/foo/encrypt", encrypt_body()).json()
    tag = bytearray(base64.b64decode(encrypted["authenticationTag"]))
    tag[0] ^= 1
    tampered = decrypt_body(encrypted, authenticationTag=b64(bytes(tag)))
    assert error(post(proxy.port, f"{URI_PATH}/keys/foo/decrypt", tampered)) == (400, "InvalidCiphertextException")
    assert error(post(proxy.port, f"{URI_PATH}/keys/foo/decrypt", decrypt_body(encrypted, aad=b"other"))) == (
        400,
        "InvalidCiphertextException",
    )


def test_invalid_key_usage_exception(proxy: ProxyProcess) -> None:
    encrypted = post(proxy.port, f"{URI_PATH}/keys/encrypt_only_key/encrypt", encrypt_body()).json()
    assert error(post(proxy.port, f"{URI_PATH}/keys/encrypt_only_key/decrypt", decrypt_body(encrypted))) == (
        400,
        "InvalidKeyUsageException",
    )


def test_authentication_failed_exception(proxy: ProxyProcess) -> None:
    path = f"{URI_PATH}/keys/foo/encrypt"
    assert error(post(proxy.port, path, encrypt_body(), secret="w" * 50)) == (401, "AuthenticationFailedException")
    assert error(post(proxy.port, path, encrypt_body(), access_key="UNKNOWNACCESSKEYID00")) == (
        401,
        "AuthenticationFailedException",
    )
    assert error(post(proxy.port, path, encrypt_body(), service="kms")) == (401, "AuthenticationFailedException")
    assert error(post(proxy.port, path, encrypt_body(), region="eu-west-1")) == (401, "AuthenticationFailedException")
    assert error(post(proxy.port, path, encrypt_body(), headers={"Content-Type": "application/json"})) == (
        401,
        "AuthenticationFailedException",
    )
    # More than 5 minutes away from the proxy's clock, either way.
    for minutes in (-6, 6):
        at = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) + datetime.timedelta(minutes=minutes)
        assert error(post(proxy.port, path, encrypt_body(), at=at)) == (401, "AuthenticationFailedException")
    at = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) - datetime.timedelta(minutes=4)
    assert post(proxy.port, path, encrypt_body(), at=at).status == 200


def test_access_denied_exception(tmp_path: Path) -> None:
    """Secondary authorization on requestMetadata (optional in the specification), never on health checks."""
    config = proxy_config(tmp_path / "proxy.json", AllowedPrincipals=["arn:aws:iam::111122223333:role/Allowed"])
    running = start_proxy(config, tmp_path / "proxy.log")
    try:
        assert error(post(running.port, f"{URI_PATH}/keys/foo/encrypt", encrypt_body())) == (
            403,
            "AccessDeniedException",
        )
        allowed = encrypt_body() | {
            "requestMetadata": metadata(awsPrincipalArn="arn:aws:iam::111122223333:role/Allowed")
        }
        assert post(running.port, f"{URI_PATH}/keys/foo/encrypt", allowed).status == 200
        health = {"requestMetadata": {"kmsRequestId": "r", "kmsOperation": "KmsHealthCheck"}}
        assert post(running.port, f"{URI_PATH}/health", health).status == 200
    finally:
        running.stop()


def test_key_not_found_exception(proxy: ProxyProcess) -> None:
    assert error(post(proxy.port, f"{URI_PATH}/keys/nothere/metadata", {"requestMetadata": metadata()})) == (
        404,
        "KeyNotFoundException",
    )


@pytest.mark.parametrize(
    "path",
    [
        "/kms/xks/v1/health",
        "/other/prefix/kms/xks/v1/health",
        f"{URI_PATH}/keys/foo/sign",
        f"{URI_PATH}/keys/foo",
        f"{URI_PATH}/healthz",
        f"{URI_PATH}/keys/bad key/encrypt".replace(" ", "%20"),
    ],
)
def test_invalid_uri_path_exception(proxy: ProxyProcess, path: str) -> None:
    assert error(post(proxy.port, path, encrypt_body())) == (404, "InvalidUriPathException")


def test_throttling_exception(tmp_path: Path) -> None:
    running = start_proxy(proxy_config(tmp_path / "proxy.json", MaxRequestsPerSecond=1), tmp_path / "proxy.log")
    try:
        health = {"requestMetadata": {"kmsRequestId": "r", "kmsOperation": "KmsHealthCheck"}}
        statuses = [post(running.port, f"{URI_PATH}/health", health).status for _ in range(3)]
        assert statuses[0] == 200
        assert 429 in statuses
        assert error(post(running.port, f"{URI_PATH}/health", health)) == (429, "ThrottlingException")
    finally:
        running.stop()


def test_unsupported_operation_exception(proxy: ProxyProcess) -> None:
    big = encrypt_body(plaintext=b"x" * (xksproxy.MAX_DATA_BYTES + 1))
    assert error(post(proxy.port, f"{URI_PATH}/keys/foo/encrypt", big)) == (501, "UnsupportedOperationException")


class _FailingKeys(xksproxy.KeyManager):
    description = "a key manager that fails"

    def __init__(self, hold: threading.Event | None = None) -> None:
        self.hold = hold

    def encrypt(self, key_id: str, iv: bytes, plaintext: bytes, aad: bytes) -> bytes:
        if self.hold is not None:
            self.hold.wait(30)
        raise OSError("the HSM is unplugged")

    def check(self) -> None:
        raise OSError("the HSM is unplugged")


def _in_process(tmp_path: Path, keys: xksproxy.KeyManager) -> xksproxy.Proxy:
    return xksproxy.Proxy(xksproxy.load_config(str(proxy_config(tmp_path / "proxy.json"))), keys)


def _signed(path: str, document: Any) -> tuple[list[tuple[str, str]], bytes]:
    from .xks_helpers import signed_headers

    body = json.dumps(document).encode()
    headers = signed_headers(f"http://127.0.0.1:8443{path}", body)
    return [*headers.items(), ("Host", "127.0.0.1:8443")], body


def test_internal_exception(tmp_path: Path) -> None:
    proxy = _in_process(tmp_path, _FailingKeys())
    for path, document in (
        (f"{URI_PATH}/keys/foo/encrypt", encrypt_body()),
        (f"{URI_PATH}/health", {"requestMetadata": {"kmsRequestId": "r", "kmsOperation": "KmsHealthCheck"}}),
    ):
        headers, body = _signed(path, document)
        answer = proxy.answer("POST", path, headers, body)
        assert (answer.status, answer.error) == (500, "InternalException")
        assert "unplugged" not in json.dumps(answer.body)


def test_dependency_timeout_exception(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xksproxy, "KEY_MANAGER_WAIT_S", 0.2)
    hold = threading.Event()
    proxy = _in_process(tmp_path, _FailingKeys(hold))
    path = f"{URI_PATH}/keys/foo/encrypt"
    headers, body = _signed(path, encrypt_body())
    first = threading.Thread(target=proxy.answer, args=("POST", path, headers, body))
    first.start()
    try:
        # The first request holds the key manager; the second waits for it no longer than allowed.
        while not proxy.lock.locked():
            threading.Event().wait(0.01)
        answer = proxy.answer("POST", path, headers, body)
        assert (answer.status, answer.error) == (503, "DependencyTimeoutException")
    finally:
        hold.set()
        first.join(30)


def test_error_statuses_are_the_specifications() -> None:
    assert xksproxy.STATUS == {
        "ValidationException": 400,
        "InvalidStateException": 400,
        "InvalidCiphertextException": 400,
        "InvalidKeyUsageException": 400,
        "AuthenticationFailedException": 401,
        "AccessDeniedException": 403,
        "KeyNotFoundException": 404,
        "InvalidUriPathException": 404,
        "ThrottlingException": 429,
        "InternalException": 500,
        "UnsupportedOperationException": 501,
        "DependencyTimeoutException": 503,
    }


# ---------------------------------------------------------------- logging, keys, hosts


def test_one_log_line_per_request_without_secrets(proxy: ProxyProcess) -> None:
    encrypted = post(proxy.port, f"{URI_PATH}/keys/foo/encrypt", encrypt_body()).json()
    post(proxy.port, f"{URI_PATH}/keys/foo/decrypt", decrypt_body(encrypted))
    post(proxy.port, f"{URI_PATH}/keys/foo/encrypt", encrypt_body(), secret="w" * 50)
    proxy.stop()
    lines = [line for line in proxy.log_lines() if " POST " in line]
    assert len(lines) == 3
    assert [line.split()[3:5] for line in lines] == [
        ["Encrypt", "key=foo"],
        ["Decrypt", "key=foo"],
        ["Encrypt", "key=foo"],
    ]
    assert lines[0].split()[5:9] == [
        "kmsOperation=Encrypt",
        "kmsRequestId=4112f4d6-db54-4af4-ae30-c55a22a8dfae",
        "200",
        "OK",
    ]
    assert lines[2].split()[7:9] == ["401", "AuthenticationFailedException"]
    everything = proxy.log_path.read_text()
    for secret in (b64(HELLO), "Hello", encrypted["ciphertext"], "abcdefghij", "wwwww"):
        assert secret not in everything


def test_key_file_is_private_and_named(tmp_path: Path, proxy: ProxyProcess) -> None:
    keys = tmp_path / "proxy.keys.json"
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600
    assert f"kmscli xks-proxy: keys in key file {keys} (no Pkcs11 section in the configuration)" in proxy.log_lines()


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    (tmp_path / "proxy.keys.json").write_text("{}")
    os.chmod(tmp_path / "proxy.keys.json", 0o644)
    done = subprocess.run(
        ["kmscli", "xks-proxy", "--config", str(proxy_config(tmp_path / "proxy.json")), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert (done.returncode, done.stdout) == (255, "")
    assert done.stderr == (
        f"kmscli xks-proxy: {tmp_path / 'proxy.keys.json'} holds keys and must be private to its owner (chmod 600), "
        "not 644\n"
    )


def test_a_foreign_host_header_is_refused(proxy: ProxyProcess) -> None:
    from .xks_helpers import signed_headers

    path = f"{URI_PATH}/health"
    body = json.dumps({"requestMetadata": {"kmsRequestId": "r", "kmsOperation": "KmsHealthCheck"}}).encode()
    headers = signed_headers(f"http://evil.example:{proxy.port}{path}", body) | {"Host": f"evil.example:{proxy.port}"}
    reply = post(proxy.port, path, None, raw=body, headers=headers)
    # Refused before anything runs, as `kmscli serve` refuses it (DNS rebinding).
    assert (reply.status, reply.json()["errorName"], reply.headers["connection"]) == (404, "UnknownHost", "close")
    assert " 404 UnknownHost " in proxy.log_path.read_text()


def test_token_backed_keys_are_generated_once_and_never_extractable(tmp_path: Path, softhsm: SoftHsm) -> None:
    label = softhsm.new_token()
    config = proxy_config(tmp_path / "proxy.json", Pkcs11={"Module": MODULE, "TokenLabel": label, "UserPin": PIN})
    env = {"SOFTHSM2_CONF": str(softhsm.conf)}
    first = start_proxy(config, tmp_path / "first.log", env)
    try:
        encrypted = post(first.port, f"{URI_PATH}/keys/foo/encrypt", encrypt_body()).json()
    finally:
        first.stop()
    assert "kmscli xks-proxy: generated keys disabled_key, encrypt_only_key, foo" in first.log_lines()
    token = Pkcs11Token(MODULE, label)
    assert token.attributes(PIN, "foo") == {
        "SENSITIVE": True,
        "EXTRACTABLE": False,
        "NEVER_EXTRACTABLE": True,
        "ALWAYS_SENSITIVE": True,
        "TOKEN": True,
    }
    second = start_proxy(config, tmp_path / "second.log", env)
    try:
        # The same key, kept in the token across restarts.
        assert post(second.port, f"{URI_PATH}/keys/foo/decrypt", decrypt_body(encrypted)).json() == {
            "plaintext": b64(HELLO)
        }
    finally:
        second.stop()
    assert not any("generated keys" in line for line in second.log_lines())
    assert PIN not in (tmp_path / "first.log").read_text() + (tmp_path / "second.log").read_text()
