"""CloudHSM key stores on a real PKCS#11 token (SoftHSMv2), through the CLI.

The whole flow: create a store, a failed connection (wrong PIN: FAILED, INVALID_CREDENTIALS),
connect, create a key (generated in the token), encrypt / decrypt / re-encrypt / generate data
keys, disconnect (keys Unavailable), reconnect, schedule deletion (the material leaves the token
when the waiting period ends), delete the store. References: botocore's KMS model (operations,
errors, ConnectionErrorCode) and the KMS Developer Guide on CloudHSM key stores.
"""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from kmscli.pkcs11token import Pkcs11Token

from .conftest import CLUSTER, MODULE, PIN, TRUST_ANCHOR, write_clusters

Invoke = Callable[..., Result]


def ok(result: Result) -> Any:
    assert (result.exit_code, result.stderr) == (0, ""), result.stderr
    return json.loads(result.stdout) if result.stdout else None


def error(result: Result, code: str, operation: str, message: str) -> None:
    assert (result.exit_code, result.stdout, result.stderr) == (
        255,
        "",
        f"\nAn error occurred ({code}) when calling the {operation} operation: {message}\n",
    )


def create_store(invoke: Invoke, pin: str = PIN, name: str = "ExampleKeyStore") -> str:
    created = ok(
        invoke(
            "create-custom-key-store",
            "--custom-key-store-name",
            name,
            "--cloud-hsm-cluster-id",
            CLUSTER,
            f"--trust-anchor-certificate={TRUST_ANCHOR}",
            "--key-store-password",
            pin,
        )
    )
    return str(created["CustomKeyStoreId"])


def store_entry(invoke: Invoke, store_id: str) -> dict[str, Any]:
    return ok(invoke("describe-custom-key-stores", "--custom-key-store-id", store_id))["CustomKeyStores"][0]


def test_created_store_is_disconnected_and_described_as_the_model_says(invoke: Invoke) -> None:
    store_id = create_store(invoke)
    assert store_id.startswith("cks-")
    assert len(store_id) == 21
    entry = store_entry(invoke, store_id)
    assert entry == {
        "CustomKeyStoreId": store_id,
        "CustomKeyStoreName": "ExampleKeyStore",
        "CloudHsmClusterId": CLUSTER,
        "TrustAnchorCertificate": TRUST_ANCHOR,
        "ConnectionState": "DISCONNECTED",
        "CreationDate": 1502910355.475,
        "CustomKeyStoreType": "AWS_CLOUDHSM",
    }
    # The password (the token's PIN) is never reported.
    assert PIN not in invoke("describe-custom-key-stores").stdout
    assert ok(invoke("describe-custom-key-stores", "--custom-key-store-name", "ExampleKeyStore"))[
        "CustomKeyStores"
    ] == [entry]


def test_wrong_pin_fails_with_invalid_credentials(invoke: Invoke) -> None:
    store_id = create_store(invoke, pin="not-the-pin")
    assert ok(invoke("connect-custom-key-store", "--custom-key-store-id", store_id)) is None
    entry = store_entry(invoke, store_id)
    assert (entry["ConnectionState"], entry["ConnectionErrorCode"]) == ("FAILED", "INVALID_CREDENTIALS")
    # A FAILED store must be disconnected before it is connected again, as on AWS.
    error(
        invoke("connect-custom-key-store", "--custom-key-store-id", store_id),
        "CustomKeyStoreInvalidStateException",
        "ConnectCustomKeyStore",
        f"Custom key store {store_id} is in the FAILED state. Disconnect it before you try to connect it again.",
    )
    ok(invoke("disconnect-custom-key-store", "--custom-key-store-id", store_id))
    ok(invoke("update-custom-key-store", "--custom-key-store-id", store_id, "--key-store-password", PIN))
    ok(invoke("connect-custom-key-store", "--custom-key-store-id", store_id))
    assert "ConnectionErrorCode" not in store_entry(invoke, store_id)
    assert store_entry(invoke, store_id)["ConnectionState"] == "CONNECTED"


def test_creation_errors(invoke: Invoke, tmp_path: Path) -> None:
    create_store(invoke)
    error(
        invoke(
            "create-custom-key-store",
            "--custom-key-store-name",
            "ExampleKeyStore",
            "--cloud-hsm-cluster-id",
            "cluster-7abcdefghij",
            f"--trust-anchor-certificate={TRUST_ANCHOR}",
            "--key-store-password",
            PIN,
        ),
        "CustomKeyStoreNameInUseException",
        "CreateCustomKeyStore",
        "The specified custom key store name ExampleKeyStore is already assigned to another custom key store in the "
        "account.",
    )
    error(
        invoke(
            "create-custom-key-store",
            "--custom-key-store-name",
            "Other",
            "--cloud-hsm-cluster-id",
            CLUSTER,
            f"--trust-anchor-certificate={TRUST_ANCHOR}",
            "--key-store-password",
            PIN,
        ),
        "CloudHsmClusterInUseException",
        "CreateCustomKeyStore",
        f"The specified CloudHSM cluster {CLUSTER} is already associated with another custom key store in the account.",
    )


def test_a_different_trust_anchor_is_refused(invoke: Invoke) -> None:
    result = invoke(
        "create-custom-key-store", "--custom-key-store-name", "A", "--cloud-hsm-cluster-id", CLUSTER,
        "--trust-anchor-certificate", "another certificate", "--key-store-password", PIN,
    )  # fmt: skip
    error(
        result,
        "IncorrectTrustAnchorException",
        "CreateCustomKeyStore",
        f"The trust anchor certificate in the request is not the trust anchor certificate for the specified AWS "
        f"CloudHSM cluster {CLUSTER}.",
    )
    assert ok(invoke("describe-custom-key-stores")) == {"CustomKeyStores": []}


def _key_in(invoke: Invoke, store_id: str) -> dict[str, Any]:
    return ok(invoke("create-key", "--custom-key-store-id", store_id, "--origin", "AWS_CLOUDHSM"))["KeyMetadata"]


def test_the_whole_flow(invoke: Invoke, token: str, state_dir: Path, tmp_path: Path, runtime: Any) -> None:
    store_id = create_store(invoke)
    error(
        invoke("create-key", "--custom-key-store-id", store_id, "--origin", "AWS_CLOUDHSM"),
        "CustomKeyStoreInvalidStateException",
        "CreateKey",
        f"Custom key store {store_id} is not connected to its CloudHSM cluster.",
    )
    ok(invoke("connect-custom-key-store", "--custom-key-store-id", store_id))
    metadata = _key_in(invoke, store_id)
    key_id = metadata["KeyId"]
    assert {k: metadata[k] for k in ("Origin", "CustomKeyStoreId", "CloudHsmClusterId", "KeyState", "KeySpec")} == {
        "Origin": "AWS_CLOUDHSM",
        "CustomKeyStoreId": store_id,
        "CloudHsmClusterId": CLUSTER,
        "KeyState": "Enabled",
        "KeySpec": "SYMMETRIC_DEFAULT",
    }
    # The key is in the token, labelled with the key ID: sensitive and never extractable.
    hsm = Pkcs11Token(MODULE, token)
    assert hsm.attributes(PIN, key_id) == {
        "SENSITIVE": True,
        "EXTRACTABLE": False,
        "NEVER_EXTRACTABLE": True,
        "ALWAYS_SENSITIVE": True,
        "TOKEN": True,
    }
    # ... and its material is nowhere in the state database.
    conn = sqlite3.connect(state_dir / "kmscli.sqlite3")
    try:
        (doc,) = conn.execute("SELECT doc FROM keys WHERE key_id = ?", (key_id,)).fetchone()
    finally:
        conn.close()
    assert [m["secret"] for m in json.loads(doc)["materials"]] == [""]

    blob = ok(invoke("encrypt", "--key-id", key_id, "--plaintext", "hello", "--encryption-context", "a=b"))
    ciphertext = tmp_path / "ct.bin"
    ciphertext.write_bytes(base64.b64decode(blob["CiphertextBlob"]))
    decrypted = ok(invoke("decrypt", "--ciphertext-blob", f"fileb://{ciphertext}", "--encryption-context", "a=b"))
    assert (base64.b64decode(decrypted["Plaintext"]), decrypted["KeyId"]) == (b"hello", metadata["Arn"])
    error(
        invoke("decrypt", "--ciphertext-blob", f"fileb://{ciphertext}", "--encryption-context", "a=c"),
        "InvalidCiphertextException",
        "Decrypt",
        "",
    )
    reencrypted = ok(invoke("re-encrypt", "--ciphertext-blob", f"fileb://{ciphertext}", "--source-encryption-context",
                            "a=b", "--destination-key-id", key_id))  # fmt: skip
    assert reencrypted["SourceKeyId"] == reencrypted["KeyId"] == metadata["Arn"]
    data_key = ok(invoke("generate-data-key", "--key-id", key_id, "--key-spec", "AES_256"))
    ciphertext.write_bytes(base64.b64decode(data_key["CiphertextBlob"]))
    assert ok(invoke("decrypt", "--ciphertext-blob", f"fileb://{ciphertext}"))["Plaintext"] == data_key["Plaintext"]
    assert (
        ok(invoke("generate-data-key-without-plaintext", "--key-id", key_id, "--key-spec", "AES_128"))["KeyId"]
        == (metadata["Arn"])
    )

    # Rotation, imports and multi-Region keys are refused as AWS refuses them.
    error(
        invoke("enable-key-rotation", "--key-id", key_id),
        "UnsupportedOperationException",
        "EnableKeyRotation",
        f"{metadata['Arn']} origin is AWS_CLOUDHSM which is not valid for this operation.",
    )
    error(
        invoke(
            "get-parameters-for-import",
            "--key-id",
            key_id,
            "--wrapping-algorithm",
            "RSAES_OAEP_SHA_256",
            "--wrapping-key-spec",
            "RSA_2048",
        ),
        "UnsupportedOperationException",
        "GetParametersForImport",
        f"{metadata['Arn']} origin is AWS_CLOUDHSM which is not valid for this operation.",
    )
    error(
        invoke("create-key", "--custom-key-store-id", store_id, "--origin", "AWS_CLOUDHSM", "--multi-region"),
        "UnsupportedOperationException",
        "CreateKey",
        "Multi-Region keys cannot be created in a custom key store.",
    )

    # Disconnected: the key is Unavailable, and the cryptographic operations say so.
    ok(invoke("disconnect-custom-key-store", "--custom-key-store-id", store_id))
    assert ok(invoke("describe-key", "--key-id", key_id))["KeyMetadata"]["KeyState"] == "Unavailable"
    # The console's key table says what DescribeKey says.
    row = {
        "Aliases": [],
        "KeyId": key_id,
        "Status": "Unavailable",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "KeyUsage": "ENCRYPT_DECRYPT",
        "Description": metadata["Description"],
        "DeletionDate": "-",
    }
    assert ok(invoke("console", "list-keys", "--output", "json")) == {"Keys": [row]}
    error(
        invoke("encrypt", "--key-id", key_id, "--plaintext", "x"),
        "KMSInvalidStateException",
        "Encrypt",
        f"{metadata['Arn']} is unavailable.",
    )
    # Managing the key still works, and does not store the reported state.
    ok(invoke("update-key-description", "--key-id", key_id, "--description", "while disconnected"))
    ok(invoke("connect-custom-key-store", "--custom-key-store-id", store_id))
    assert ok(invoke("describe-key", "--key-id", key_id))["KeyMetadata"]["KeyState"] == "Enabled"
    assert ok(invoke("console", "list-keys", "--output", "json")) == {
        "Keys": [{**row, "Status": "Enabled", "Description": "while disconnected"}]
    }
    assert ok(invoke("decrypt", "--ciphertext-blob", f"fileb://{ciphertext}"))["Plaintext"] == data_key["Plaintext"]

    # A store with keys cannot be deleted; nor a connected one.
    error(
        invoke("delete-custom-key-store", "--custom-key-store-id", store_id),
        "CustomKeyStoreInvalidStateException",
        "DeleteCustomKeyStore",
        f"Custom key store {store_id} must be disconnected before it can be deleted.",
    )
    ok(invoke("schedule-key-deletion", "--key-id", key_id, "--pending-window-in-days", "7"))
    ok(invoke("disconnect-custom-key-store", "--custom-key-store-id", store_id))
    error(
        invoke("delete-custom-key-store", "--custom-key-store-id", store_id),
        "CustomKeyStoreHasCMKsException",
        "DeleteCustomKeyStore",
        f"Custom key store {store_id} contains KMS keys. Delete all KMS keys in the custom key store before deleting "
        "it.",
    )
    ok(invoke("connect-custom-key-store", "--custom-key-store-id", store_id))
    # The waiting period ends: the key is deleted, its material with it, from the token.
    runtime.env = runtime.env._replace(clock=lambda: 1502910355.475 + 8 * 86400)
    error(
        invoke("describe-key", "--key-id", key_id),
        "NotFoundException",
        "DescribeKey",
        f"Key '{metadata['Arn']}' does not exist",
    )
    assert hsm.has_key(PIN, key_id) is False
    ok(invoke("disconnect-custom-key-store", "--custom-key-store-id", store_id))
    ok(invoke("delete-custom-key-store", "--custom-key-store-id", store_id))
    assert ok(invoke("describe-custom-key-stores")) == {"CustomKeyStores": []}


def test_an_undeclared_cluster_fails_to_connect(invoke: Invoke, clusters: Path, softhsm: Any) -> None:
    store_id = create_store(invoke)
    write_clusters(clusters, softhsm.new_token(), cluster_id="cluster-7abcdefghij")
    ok(invoke("connect-custom-key-store", "--custom-key-store-id", store_id))
    entry = store_entry(invoke, store_id)
    assert (entry["ConnectionState"], entry["ConnectionErrorCode"]) == ("FAILED", "CLUSTER_NOT_FOUND")


def test_update_needs_a_disconnected_store_except_for_the_name(invoke: Invoke) -> None:
    store_id = create_store(invoke)
    ok(invoke("connect-custom-key-store", "--custom-key-store-id", store_id))
    ok(invoke("update-custom-key-store", "--custom-key-store-id", store_id, "--new-custom-key-store-name", "Renamed"))
    assert store_entry(invoke, store_id)["CustomKeyStoreName"] == "Renamed"
    error(
        invoke("update-custom-key-store", "--custom-key-store-id", store_id, "--key-store-password", "another1"),
        "CustomKeyStoreInvalidStateException",
        "UpdateCustomKeyStore",
        f"Custom key store {store_id} must be disconnected to update KeyStorePassword.",
    )


@pytest.mark.parametrize("output", ["text", "table"])
def test_describe_in_every_output_format(invoke: Invoke, output: str) -> None:
    """Text and table output are the AWS CLI's own formatters' (tests/awscli_oracle.py) of the JSON document."""
    from tests.awscli_oracle import AwsCli

    # A FAILED store: every member of the list entry is there, ConnectionErrorCode included.
    ok(invoke("connect-custom-key-store", "--custom-key-store-id", create_store(invoke, pin="wrong-pin")))
    document = ok(invoke("describe-custom-key-stores"))
    oracle = AwsCli()
    try:
        expected = oracle.format(output, document, title="DescribeCustomKeyStores")
    finally:
        oracle.close()
    result = invoke("describe-custom-key-stores", "--output", output)
    assert (result.exit_code, result.stdout, result.stderr) == (0, expected, "")


def test_without_python_pkcs11_the_error_names_what_to_install(invoke: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    store_id = create_store(invoke)
    # As if python-pkcs11 were not installed: `import pkcs11` fails.
    monkeypatch.setitem(__import__("sys").modules, "pkcs11", None)
    error(
        invoke("connect-custom-key-store", "--custom-key-store-id", store_id),
        "KMSInternalException",
        "ConnectCustomKeyStore",
        "PKCS#11 tokens need python-pkcs11: pip install 'kmscli[hsm]'",
    )
    assert store_entry(invoke, store_id)["ConnectionState"] == "DISCONNECTED"


def test_generate_random_in_a_cloudhsm_key_store(invoke: Invoke) -> None:
    store_id = create_store(invoke)
    error(
        invoke("generate-random", "--number-of-bytes", "16", "--custom-key-store-id", store_id),
        "CustomKeyStoreInvalidStateException",
        "GenerateRandom",
        f"Custom key store {store_id} is not connected to its CloudHSM cluster.",
    )
    ok(invoke("connect-custom-key-store", "--custom-key-store-id", store_id))
    made = ok(invoke("generate-random", "--number-of-bytes", "16", "--custom-key-store-id", store_id))
    assert len(base64.b64decode(made["Plaintext"])) == 16
    error(
        invoke("generate-random", "--number-of-bytes", "16", "--custom-key-store-id", "cks-1234567890abcdef0"),
        "CustomKeyStoreNotFoundException",
        "GenerateRandom",
        "",
    )
