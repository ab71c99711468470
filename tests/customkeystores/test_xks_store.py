"""External key stores through the CLI, against `kmscli xks-proxy` on loopback.

The flow: create the store (the proxy's health is checked), connect, a failed connection with its
error code, create a key (GetKeyMetadata), encrypt / decrypt / re-encrypt / generate data keys
(double encryption: KMS's own AES-GCM layer, then the proxy's), disconnect (keys Unavailable,
KMS's message), reconnect, deletion. References: botocore's KMS model and the XKS Proxy API
specification (requestMetadata, ciphertext data integrity value).
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from .test_cloudhsm import error, ok
from .xks_helpers import ACCESS_KEY, SECRET_KEY, URI_PATH, ProxyProcess

Invoke = Callable[..., Result]
NOT_CONNECTED = (
    "This KMS key is in a custom key store that is not connected to its external key store proxy. Connect the "
    "external key store and try the request again."
)


def create_store(invoke: Invoke, endpoint: str, *, secret: str = SECRET_KEY, path: str = URI_PATH) -> Result:
    return invoke(
        "create-custom-key-store",
        "--custom-key-store-name", "ExternalStore",
        "--custom-key-store-type", "EXTERNAL_KEY_STORE",
        "--xks-proxy-uri-endpoint", endpoint,
        "--xks-proxy-uri-path", path,
        "--xks-proxy-connectivity", "PUBLIC_ENDPOINT",
        "--xks-proxy-authentication-credential", f"AccessKeyId={ACCESS_KEY},RawSecretAccessKey={secret}",
    )  # fmt: skip


def connected_store(invoke: Invoke, proxy: ProxyProcess) -> str:
    store_id = str(ok(create_store(invoke, proxy.endpoint))["CustomKeyStoreId"])
    ok(invoke("connect-custom-key-store", "--custom-key-store-id", store_id))
    return store_id


def test_created_store_is_described_without_its_secret(invoke: Invoke, proxy: ProxyProcess) -> None:
    store_id = ok(create_store(invoke, proxy.endpoint))["CustomKeyStoreId"]
    listed = invoke("describe-custom-key-stores")
    assert ok(listed)["CustomKeyStores"] == [
        {
            "CustomKeyStoreId": store_id,
            "CustomKeyStoreName": "ExternalStore",
            "ConnectionState": "DISCONNECTED",
            "CreationDate": 1502910355.475,
            "CustomKeyStoreType": "EXTERNAL_KEY_STORE",
            "XksProxyConfiguration": {
                "Connectivity": "PUBLIC_ENDPOINT",
                "AccessKeyId": ACCESS_KEY,
                "UriEndpoint": proxy.endpoint,
                "UriPath": URI_PATH,
            },
        }
    ]
    assert SECRET_KEY not in listed.stdout


def test_the_whole_flow(invoke: Invoke, proxy: ProxyProcess, tmp_path: Path, runtime: Any) -> None:
    store_id = connected_store(invoke, proxy)
    error(
        invoke("create-key", "--custom-key-store-id", store_id, "--origin", "EXTERNAL_KEY_STORE"),
        "ValidationException",
        "CreateKey",
        "XksKeyId is required for keys with Origin EXTERNAL_KEY_STORE.",
    )
    created = ok(
        invoke("create-key", "--custom-key-store-id", store_id, "--origin", "EXTERNAL_KEY_STORE", "--xks-key-id", "foo")
    )["KeyMetadata"]
    key_id, arn = created["KeyId"], created["Arn"]
    assert {k: created[k] for k in ("Origin", "CustomKeyStoreId", "XksKeyConfiguration", "KeyState")} == {
        "Origin": "EXTERNAL_KEY_STORE",
        "CustomKeyStoreId": store_id,
        "XksKeyConfiguration": {"Id": "foo"},
        "KeyState": "Enabled",
    }
    error(
        invoke(
            "create-key", "--custom-key-store-id", store_id, "--origin", "EXTERNAL_KEY_STORE", "--xks-key-id", "foo"
        ),
        "XksKeyAlreadyInUseException",
        "CreateKey",
        "The external key foo is already associated with a KMS key in this external key store.",
    )
    error(
        invoke(
            "create-key",
            "--custom-key-store-id",
            store_id,
            "--origin",
            "EXTERNAL_KEY_STORE",
            "--xks-key-id",
            "encrypt_only_key",
        ),
        "XksKeyInvalidConfigurationException",
        "CreateKey",
        "The external key encrypt_only_key must be an AES_256 key that supports ENCRYPT and DECRYPT.",
    )
    error(
        invoke(
            "create-key", "--custom-key-store-id", store_id, "--origin", "EXTERNAL_KEY_STORE", "--xks-key-id", "missing"
        ),
        "XksKeyNotFoundException",
        "CreateKey",
        "The external key associated with this KMS key in an external key store was not found in its external key "
        "manager. If the external key ID associated with this KMS key is incorrect, create a new KMS key with the "
        "correct external key ID.",
    )

    encrypted = ok(invoke("encrypt", "--key-id", key_id, "--plaintext", "hello", "--encryption-context", "a=b"))
    blob = tmp_path / "ct.bin"
    blob.write_bytes(base64.b64decode(encrypted["CiphertextBlob"]))
    decrypted = ok(invoke("decrypt", "--ciphertext-blob", f"fileb://{blob}", "--encryption-context", "a=b"))
    assert (base64.b64decode(decrypted["Plaintext"]), decrypted["KeyId"]) == (b"hello", arn)
    error(
        invoke("decrypt", "--ciphertext-blob", f"fileb://{blob}", "--encryption-context", "a=c"),
        "KMSInvalidStateException",
        "Decrypt",
        "The ciphertext that the external key store proxy submitted for decryption, or the encryption context, is "
        "corrupted, missing, or otherwise invalid.",
    )
    assert ok(invoke("re-encrypt", "--ciphertext-blob", f"fileb://{blob}", "--source-encryption-context", "a=b",
                     "--destination-key-id", key_id))["KeyId"] == arn  # fmt: skip
    data_key = ok(invoke("generate-data-key", "--key-id", key_id, "--number-of-bytes", "32"))
    blob.write_bytes(base64.b64decode(data_key["CiphertextBlob"]))
    assert ok(invoke("decrypt", "--ciphertext-blob", f"fileb://{blob}"))["Plaintext"] == data_key["Plaintext"]
    assert (
        ok(invoke("generate-data-key-without-plaintext", "--key-id", key_id, "--key-spec", "AES_256"))["KeyId"] == arn
    )
    error(
        invoke("enable-key-rotation", "--key-id", key_id),
        "UnsupportedOperationException",
        "EnableKeyRotation",
        f"{arn} origin is EXTERNAL_KEY_STORE which is not valid for this operation.",
    )

    # The proxy saw KMS's requestMetadata, and both layers: its log names the KMS operations.
    proxy_lines = [line for line in proxy.log_path.read_text().splitlines() if " POST " in line]
    assert [line.split()[5] for line in proxy_lines if " Encrypt " in line or " Decrypt " in line][:3] == [
        "kmsOperation=Encrypt",
        "kmsOperation=Decrypt",
        "kmsOperation=Decrypt",
    ]

    ok(invoke("disconnect-custom-key-store", "--custom-key-store-id", store_id))
    assert ok(invoke("describe-key", "--key-id", key_id))["KeyMetadata"]["KeyState"] == "Unavailable"
    error(
        invoke("encrypt", "--key-id", key_id, "--plaintext", "x"), "KMSInvalidStateException", "Encrypt", NOT_CONNECTED
    )
    error(
        invoke(
            "create-key", "--custom-key-store-id", store_id, "--origin", "EXTERNAL_KEY_STORE", "--xks-key-id", "foo"
        ),
        "CustomKeyStoreInvalidStateException",
        "CreateKey",
        NOT_CONNECTED,
    )
    ok(invoke("connect-custom-key-store", "--custom-key-store-id", store_id))
    assert ok(invoke("decrypt", "--ciphertext-blob", f"fileb://{blob}"))["Plaintext"] == data_key["Plaintext"]

    ok(invoke("schedule-key-deletion", "--key-id", key_id, "--pending-window-in-days", "7"))
    ok(invoke("disconnect-custom-key-store", "--custom-key-store-id", store_id))
    error(
        invoke("delete-custom-key-store", "--custom-key-store-id", store_id),
        "CustomKeyStoreHasCMKsException",
        "DeleteCustomKeyStore",
        f"Custom key store {store_id} contains KMS keys. Delete all KMS keys in the custom key store before deleting "
        "it.",
    )
    runtime.env = runtime.env._replace(clock=lambda: 1502910355.475 + 8 * 86400)
    ok(invoke("delete-custom-key-store", "--custom-key-store-id", store_id))
    assert ok(invoke("describe-custom-key-stores")) == {"CustomKeyStores": []}


def test_a_proxy_that_stopped_fails_the_connection(invoke: Invoke, proxy: ProxyProcess) -> None:
    store_id = ok(create_store(invoke, proxy.endpoint))["CustomKeyStoreId"]
    proxy.stop()
    ok(invoke("connect-custom-key-store", "--custom-key-store-id", store_id))
    entry = ok(invoke("describe-custom-key-stores"))["CustomKeyStores"][0]
    assert (entry["ConnectionState"], entry["ConnectionErrorCode"]) == ("FAILED", "XKS_PROXY_NOT_REACHABLE")


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [
        (
            {"secret": "w" * 50},
            "XksProxyIncorrectAuthenticationCredentialException",
            "The external key store proxy rejected the request because it could not authenticate AWS KMS. Verify the "
            "XKS proxy authentication credentials for your external key store and update if necessary.",
        ),
        (
            {"path": "/wrong/kms/xks/v1"},
            "XksProxyInvalidConfigurationException",
            "The external key store proxy rejected the request because of an invalid URI path. Verify the URI path "
            "for your external key store and update if necessary.",
        ),
    ],
)
def test_creation_checks_the_proxy(
    invoke: Invoke, proxy: ProxyProcess, change: dict[str, str], code: str, message: str
):
    error(create_store(invoke, proxy.endpoint, **change), code, "CreateCustomKeyStore", message)
    assert ok(invoke("describe-custom-key-stores")) == {"CustomKeyStores": []}


def test_plain_http_only_for_loopback(invoke: Invoke) -> None:
    result = create_store(invoke, "http://proxy.example.com")
    assert result.exit_code == 255
    assert "failed to satisfy constraint: Member must satisfy regular expression pattern: ^https://[a-zA-Z0-9.-]+$" in (
        result.stderr
    )


def test_debug_names_the_proxy_and_the_https_requirement_but_no_secret(
    state_dir: Path, proxy: ProxyProcess, tmp_path: Path
) -> None:
    """A real process with --debug (the fixture runtime's fixed Env has no debug stream of its own)."""
    import subprocess

    environ = {
        "KMSCLI_STATE_DIR": str(state_dir),
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "AWS_REGION": "us-west-2",
    }
    done = subprocess.run(
        ["kmscli", "--debug", "create-custom-key-store", "--custom-key-store-name", "Debugged",
         "--custom-key-store-type", "EXTERNAL_KEY_STORE", "--xks-proxy-uri-endpoint", proxy.endpoint,
         "--xks-proxy-uri-path", URI_PATH, "--xks-proxy-connectivity", "PUBLIC_ENDPOINT",
         "--xks-proxy-authentication-credential", f"AccessKeyId={ACCESS_KEY},RawSecretAccessKey={SECRET_KEY}"],
        env=environ, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["CustomKeyStoreId"].startswith("cks-")
    lines = done.stderr.splitlines()
    assert (
        f"kmscli debug: XKS proxy call: POST {proxy.endpoint}{URI_PATH}/health (SigV4 {ACCESS_KEY}, us-west-2), "
        "timeout 5.0 s, CA bundle none (system store)"
    ) in lines
    assert (
        "kmscli debug: plain HTTP to a loopback proxy is a kmscli extension for local testing: AWS KMS requires "
        "HTTPS on port 443 with a certificate from a public certificate authority"
    ) in lines
    assert SECRET_KEY not in done.stdout + done.stderr


@pytest.mark.parametrize("value", ["0", "61", "soon", "nan"])
def test_a_bad_timeout_is_refused_with_its_bounds(
    invoke: Invoke, proxy: ProxyProcess, runtime: Any, value: str
) -> None:
    runtime.environ["KMSCLI_XKS_TIMEOUT"] = value
    error(
        create_store(invoke, proxy.endpoint),
        "KMSInternalException",
        "CreateCustomKeyStore",
        f"KMSCLI_XKS_TIMEOUT must be a number of seconds from 0.05 to 60, not {value!r}",
    )
