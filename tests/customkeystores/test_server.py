"""Both kinds of custom key store through `kmscli serve` with boto3, as an SDK user drives them.

Every successful answer's raw body is checked against botocore's output shape (tests/conformance.py),
and errors arrive as botocore's modeled exception classes.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.server.conftest import Server, kms_client, start_server

from .conftest import CLUSTER, PIN, TRUST_ANCHOR, SoftHsm
from .xks_helpers import ACCESS_KEY, SECRET_KEY, URI_PATH, ProxyProcess

ROOT = Path(__file__).resolve().parent.parent


def _conformance() -> Any:
    spec = importlib.util.spec_from_file_location("kmscli_tests_conformance_cks", ROOT / "conformance.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def served(tmp_path: Path, clusters: Path, softhsm: SoftHsm) -> Iterator[Server]:
    server = start_server(
        tmp_path / "state",
        tmp_path / "server.log",
        KMSCLI_CLOUDHSM_CLUSTERS=str(clusters),
        SOFTHSM2_CONF=str(softhsm.conf),
    )
    try:
        yield server
    finally:
        server.kill()


class Recorder:
    """A boto3 client whose raw answers are kept, to check each against botocore's output shape."""

    def __init__(self, url: str) -> None:
        self.kms = kms_client(url)
        self.answers: list[tuple[str, int, bytes]] = []
        self.kms.meta.events.register("before-parse.kms.*", self._record)

    def _record(self, operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
        self.answers.append((operation_model.name, response_dict["status_code"], response_dict["body"]))

    def nonconforming(self) -> list[str]:
        conformance = _conformance()
        problems = []
        for operation, status, body in self.answers:
            if status == 200:
                problems += conformance.conformance_problems(operation, json.loads(body) if body else {})
        return problems

    def fails(self, call: Any, code: str) -> str:
        with pytest.raises(ClientError) as caught:
            call()
        assert caught.value.response["Error"]["Code"] == code
        assert type(caught.value).__name__ == code
        return str(caught.value.response["Error"]["Message"])


def _crypto_round_trip(kms: Any, key_id: str) -> None:
    encrypted = kms.encrypt(KeyId=key_id, Plaintext=b"hello", EncryptionContext={"a": "b"})
    assert (
        kms.decrypt(CiphertextBlob=encrypted["CiphertextBlob"], EncryptionContext={"a": "b"})["Plaintext"] == b"hello"
    )
    again = kms.re_encrypt(
        CiphertextBlob=encrypted["CiphertextBlob"], SourceEncryptionContext={"a": "b"}, DestinationKeyId=key_id
    )
    assert kms.decrypt(CiphertextBlob=again["CiphertextBlob"])["Plaintext"] == b"hello"
    data_key = kms.generate_data_key(KeyId=key_id, KeySpec="AES_256")
    assert kms.decrypt(CiphertextBlob=data_key["CiphertextBlob"])["Plaintext"] == data_key["Plaintext"]
    assert kms.generate_data_key_without_plaintext(KeyId=key_id, NumberOfBytes=16)["KeyId"].endswith(key_id)


def test_cloudhsm_key_store_through_serve(served: Server) -> None:
    client = Recorder(served.url)
    kms = client.kms
    store_id = kms.create_custom_key_store(
        CustomKeyStoreName="Hsm",
        CloudHsmClusterId=CLUSTER,
        TrustAnchorCertificate=TRUST_ANCHOR,
        KeyStorePassword="bad-pin",
    )["CustomKeyStoreId"]
    kms.connect_custom_key_store(CustomKeyStoreId=store_id)
    entry = kms.describe_custom_key_stores(CustomKeyStoreId=store_id)["CustomKeyStores"][0]
    assert (entry["ConnectionState"], entry["ConnectionErrorCode"]) == ("FAILED", "INVALID_CREDENTIALS")
    kms.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    kms.update_custom_key_store(CustomKeyStoreId=store_id, KeyStorePassword=PIN)
    kms.connect_custom_key_store(CustomKeyStoreId=store_id)
    key = kms.create_key(CustomKeyStoreId=store_id, Origin="AWS_CLOUDHSM")["KeyMetadata"]
    assert (key["Origin"], key["CloudHsmClusterId"], key["CustomKeyStoreId"]) == ("AWS_CLOUDHSM", CLUSTER, store_id)
    _crypto_round_trip(kms, key["KeyId"])
    kms.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "Unavailable"
    assert client.fails(lambda: kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x"), "KMSInvalidStateException") == (
        f"{key['Arn']} is unavailable."
    )
    client.fails(lambda: kms.delete_custom_key_store(CustomKeyStoreId=store_id), "CustomKeyStoreHasCMKsException")
    kms.connect_custom_key_store(CustomKeyStoreId=store_id)
    assert kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)["KeyState"] == "PendingDeletion"
    assert client.nonconforming() == []


def test_external_key_store_through_serve(served: Server, proxy: ProxyProcess) -> None:
    client = Recorder(served.url)
    kms = client.kms
    credential = {"AccessKeyId": ACCESS_KEY, "RawSecretAccessKey": SECRET_KEY}
    client.fails(
        lambda: kms.create_custom_key_store(
            CustomKeyStoreName="Xks",
            CustomKeyStoreType="EXTERNAL_KEY_STORE",
            XksProxyUriEndpoint=proxy.endpoint,
            XksProxyUriPath=URI_PATH,
            XksProxyConnectivity="PUBLIC_ENDPOINT",
            XksProxyAuthenticationCredential=credential | {"RawSecretAccessKey": "w" * 50},
        ),
        "XksProxyIncorrectAuthenticationCredentialException",
    )
    store_id = kms.create_custom_key_store(
        CustomKeyStoreName="Xks", CustomKeyStoreType="EXTERNAL_KEY_STORE", XksProxyUriEndpoint=proxy.endpoint,
        XksProxyUriPath=URI_PATH, XksProxyConnectivity="PUBLIC_ENDPOINT", XksProxyAuthenticationCredential=credential,
    )["CustomKeyStoreId"]  # fmt: skip
    kms.connect_custom_key_store(CustomKeyStoreId=store_id)
    key = kms.create_key(CustomKeyStoreId=store_id, Origin="EXTERNAL_KEY_STORE", XksKeyId="foo")["KeyMetadata"]
    assert (key["Origin"], key["XksKeyConfiguration"]) == ("EXTERNAL_KEY_STORE", {"Id": "foo"})
    _crypto_round_trip(kms, key["KeyId"])
    kms.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    client.fails(lambda: kms.decrypt(CiphertextBlob=b"\x01" * 80, KeyId=key["KeyId"]), "KMSInvalidStateException")
    kms.connect_custom_key_store(CustomKeyStoreId=store_id)
    kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    kms.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    client.fails(lambda: kms.delete_custom_key_store(CustomKeyStoreId=store_id), "CustomKeyStoreHasCMKsException")
    assert kms.describe_custom_key_stores()["CustomKeyStores"][0]["XksProxyConfiguration"] == {
        "Connectivity": "PUBLIC_ENDPOINT",
        "AccessKeyId": ACCESS_KEY,
        "UriEndpoint": proxy.endpoint,
        "UriPath": URI_PATH,
    }
    # The one departure from the output shape is the documented loopback extension of the endpoint.
    assert client.nonconforming() == [
        f"DescribeCustomKeyStores.CustomKeyStores[0].XksProxyConfiguration.UriEndpoint: '{proxy.endpoint}' does not "
        "match the pattern ^https://[a-zA-Z0-9.-]+$ of XksProxyUriEndpointType"
    ]
    # The proxy's secret never reaches the server's log.
    assert SECRET_KEY not in served.log_path.read_text()
