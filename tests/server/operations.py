"""What the boto3-against-`kmscli serve` tests share: a test's Region on one server, and the registry of cases.

botocore does the checking a real client would: it serializes the request, parses the answer with
its own parser and raises the modeled exception class. On top of that every successful answer's
raw body is checked against botocore's output shape (tests/conformance.py: members known and
required, types, bounds, model order; timestamps epoch numbers; blobs canonical base64).

One server serves each module; each test works in a Region of its own (the Region comes from
each request's credential scope), so no test sees another's keys. Each test_operations_<family>.py
registers one success (@happy) and one error (@error) per operation it covers;
test_operations_every.py runs them all and fails for an operation that has none.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization

ACCOUNT = "111122223333"
FIXED_TIME = 1502910355.475
DAY = 86400
UNKNOWN = "11111111-2222-3333-4444-555555555555"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
DEFAULT_POLICY = (
    '{\n  "Version" : "2012-10-17",\n  "Id" : "key-default-1",\n  "Statement" : [ {\n'
    '    "Sid" : "Enable IAM policies",\n    "Effect" : "Allow",\n    "Principal" : {\n'
    f'      "AWS" : "arn:aws:iam::{ACCOUNT}:root"\n    }},\n    "Action" : "kms:*",\n    "Resource" : "*"\n'
    "  } ]\n}"
)
KINDS: dict[str, dict[str, str]] = {
    "symmetric": {},
    "rsa_sign": {"KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY"},
    "hmac": {"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"},
    "ecdh": {"KeySpec": "ECC_NIST_P256", "KeyUsage": "KEY_AGREEMENT"},
    "kem": {"KeySpec": "ML_KEM_768", "KeyUsage": "ENCAPSULATE_DECAPSULATE"},
}
_REGIONS = itertools.count(1)


def plain(response: dict[str, Any]) -> dict[str, Any]:
    """A parsed response without its metadata, timestamps back to the epoch seconds sent."""

    def convert(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.timestamp()
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, list):
            return [convert(v) for v in value]
        return value

    return convert({k: v for k, v in response.items() if k != "ResponseMetadata"})


class Ctx:
    """One test's Region on the shared server: a client, its answers as received, and keys made on demand."""

    def __init__(self, url: str, client: Callable[..., Any]) -> None:
        self.region = f"us-test-{next(_REGIONS)}"
        self.kms = client(url, region=self.region)
        # The same Region without botocore's client-side checks, to reach the service's own.
        self.unchecked = client(url, region=self.region, parameter_validation=False)
        self.answers: list[tuple[str, int, bytes]] = []
        for c in (self.kms, self.unchecked):
            c.meta.events.register("before-parse.kms.*", self._record)
        self._keys: dict[str, str] = {}
        self._url, self._client = url, client

    def elsewhere(self) -> tuple[str, Any]:
        """Another Region of this test's own, and a client for it."""
        region = self.region.replace("us-", "eu-")
        other = self._client(self._url, region=region)
        other.meta.events.register("before-parse.kms.*", self._record)
        return region, other

    def _record(self, operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
        self.answers.append((operation_model.name, response_dict["status_code"], response_dict["body"]))

    def arn(self, key_id: str) -> str:
        return f"arn:aws:kms:{self.region}:{ACCOUNT}:key/{key_id}"

    def alias_arn(self, name: str) -> str:
        return f"arn:aws:kms:{self.region}:{ACCOUNT}:{name}"

    def key(self, kind: str = "symmetric") -> str:
        if kind not in self._keys:
            self._keys[kind] = self.kms.create_key(**KINDS[kind])["KeyMetadata"]["KeyId"]
        return self._keys[kind]

    def new_key(self, **params: Any) -> str:
        return str(self.kms.create_key(**params)["KeyMetadata"]["KeyId"])

    def fails(self, call: Callable[[], Any], code: str, message: str) -> None:
        """The call fails with exactly this code and message, as HTTP 400, as botocore's class for it."""
        with pytest.raises(ClientError) as caught:
            call()
        response = caught.value.response
        assert (response["Error"], response["ResponseMetadata"]["HTTPStatusCode"]) == (
            {"Code": code, "Message": message},
            400,
        )
        # botocore raises the modeled class for KMS's own errors, a plain ClientError for the others.
        expected_class = code if code in _modeled_errors(self.kms) else "ClientError"
        assert type(caught.value).__name__ == expected_class

    def nonconforming(self, conformance: Any) -> list[str]:
        problems = []
        for operation, status, body in self.answers:
            if status == 200:
                problems += conformance.conformance_problems(operation, json.loads(body) if body else {})
        return problems


def _modeled_errors(client: Any) -> set[str]:
    return {shape.name for shape in client.meta.service_model.error_shapes}


HAPPY: dict[str, Callable[[Ctx], None]] = {}
ERRORS: dict[str, Callable[[Ctx], None]] = {}


def happy(operation: str) -> Callable[[Callable[[Ctx], None]], Callable[[Ctx], None]]:
    def register(func: Callable[[Ctx], None]) -> Callable[[Ctx], None]:
        HAPPY[operation] = func
        return func

    return register


def error(operation: str) -> Callable[[Callable[[Ctx], None]], Callable[[Ctx], None]]:
    def register(func: Callable[[Ctx], None]) -> Callable[[Ctx], None]:
        ERRORS[operation] = func
        return func

    return register


def public_key(ctx: Ctx, key_id: str) -> Any:
    return serialization.load_der_public_key(ctx.kms.get_public_key(KeyId=key_id)["PublicKey"])


def material_id(ctx: Ctx, key_id: str) -> str:
    """The key's current material ID, as Decrypt reports it."""
    blob = ctx.kms.encrypt(KeyId=key_id, Plaintext=b".")["CiphertextBlob"]
    return str(ctx.kms.decrypt(CiphertextBlob=blob)["KeyMaterialId"])


def metadata(ctx: Ctx, key_id: str, **changes: Any) -> dict[str, Any]:
    metadata = {
        "AWSAccountId": ACCOUNT,
        "KeyId": key_id,
        "Arn": ctx.arn(key_id),
        "CreationDate": FIXED_TIME,
        "Enabled": True,
        "Description": "",
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeyState": "Enabled",
        "Origin": "AWS_KMS",
        "KeyManager": "CUSTOMER",
        "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
        "MultiRegion": False,
    }
    metadata.update(changes)
    return metadata


# The modules that register cases, one per family of operations.
FAMILIES = (
    "keys",
    "policies",
    "aliases",
    "tags",
    "lifecycle",
    "rotation",
    "encryption",
    "datakeys",
    "signing",
    "agreement",
    "grants",
    "key_import",
    "multiregion",
    "customkeystores",
)
