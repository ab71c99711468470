"""boto3 against `kmscli serve`, for every implemented operation: a success and an error each.

botocore does the checking a real client would: it serializes the request, parses the answer with
its own parser and raises the modeled exception class. On top of that every successful answer's
raw body is checked against botocore's output shape (tests/conformance.py: members known and
required, types, bounds, model order; timestamps epoch numbers; blobs canonical base64).

One server serves the whole module; each test works in a Region of its own (the Region comes from
each request's credential scope), so no test sees another's keys.
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
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding

from kmscli import core

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


@pytest.fixture
def ctx(shared_server: Any, client: Callable[..., Any]) -> Ctx:
    return Ctx(shared_server.url, client)


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


@pytest.mark.parametrize("operation", sorted(core.MODULES))
def test_every_implemented_operation_succeeds_through_boto3(ctx: Ctx, conformance: Any, operation: str) -> None:
    assert operation in HAPPY, f"no boto3 success case for {operation}: add one to this module"
    HAPPY[operation](ctx)
    assert operation in {name for name, status, _ in ctx.answers if status == 200}
    assert ctx.nonconforming(conformance) == []


@pytest.mark.parametrize("operation", sorted(core.MODULES))
def test_every_implemented_operation_fails_as_kms_does(ctx: Ctx, conformance: Any, operation: str) -> None:
    assert operation in ERRORS, f"no boto3 error case for {operation}: add one to this module"
    ERRORS[operation](ctx)
    assert operation in {name for name, status, _ in ctx.answers if status == 400}
    assert ctx.nonconforming(conformance) == []


def _has_required(operation: str) -> bool:
    return bool(core.SHAPES[core.MODEL_OPERATIONS[operation]["input"]]["required"])


def _required_in_model_order(client: Any, operation: str) -> list[str]:
    shape = client.meta.service_model.operation_model(operation).input_shape
    return [m for m in shape.members if m in shape.required_members]


@pytest.mark.parametrize("operation", [op for op in sorted(core.MODULES) if _has_required(op)])
def test_missing_required_members_are_answered_by_the_service(ctx: Ctx, operation: str) -> None:
    """Without botocore's checks, an empty request gets KMS's null-value ValidationException."""
    # The expected members come from botocore's model, not from kmscli's copy of it.
    required = _required_in_model_order(ctx.kms, operation)
    from botocore import xform_name

    problems = [
        f"Value null at '{m[:1].lower() + m[1:]}' failed to satisfy constraint: Member must not be null"
        for m in required
    ]
    noun = "validation error" if len(problems) == 1 else "validation errors"
    ctx.fails(
        lambda: getattr(ctx.unchecked, xform_name(operation))(),
        "ValidationException",
        f"{len(problems)} {noun} detected: " + "; ".join(problems),
    )


# ------------------------------------------------------------------------------------ keys


def _metadata(ctx: Ctx, key_id: str, **changes: Any) -> dict[str, Any]:
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


@happy("CreateKey")
def _(ctx: Ctx) -> None:
    created = ctx.kms.create_key(Description="made by boto3", Tags=[{"TagKey": "team", "TagValue": "blue"}])
    key_id = created["KeyMetadata"]["KeyId"]
    assert UUID.fullmatch(key_id)
    assert plain(created) == {"KeyMetadata": _metadata(ctx, key_id, Description="made by boto3")}
    assert plain(ctx.kms.list_resource_tags(KeyId=key_id)) == {
        "Tags": [{"TagKey": "team", "TagValue": "blue"}],
        "Truncated": False,
    }


@error("CreateKey")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.create_key(KeyUsage="SIGN_VERIFY"),
        "ValidationException",
        "KeyUsage SIGN_VERIFY is not compatible with KeySpec SYMMETRIC_DEFAULT",
    )
    assert plain(ctx.kms.list_keys()) == {"Keys": [], "Truncated": False}


@happy("DescribeKey")
def _(ctx: Ctx) -> None:
    key_id = ctx.new_key(Description="described")
    ctx.kms.create_alias(AliasName="alias/described", TargetKeyId=key_id)
    expected = {"KeyMetadata": _metadata(ctx, key_id, Description="described")}
    for name in (key_id, ctx.arn(key_id), "alias/described", ctx.alias_arn("alias/described")):
        assert plain(ctx.kms.describe_key(KeyId=name)) == expected


@error("DescribeKey")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.describe_key(KeyId=UNKNOWN), "NotFoundException", f"Key '{ctx.arn(UNKNOWN)}' does not exist"
    )
    ctx.fails(
        lambda: ctx.kms.describe_key(KeyId="alias/none"),
        "NotFoundException",
        f"Alias {ctx.alias_arn('alias/none')} is not found.",
    )


@happy("ListKeys")
def _(ctx: Ctx) -> None:
    ids = sorted([ctx.new_key(), ctx.new_key()])
    entries = [{"KeyId": k, "KeyArn": ctx.arn(k)} for k in ids]
    assert plain(ctx.kms.list_keys()) == {"Keys": entries, "Truncated": False}
    first = plain(ctx.kms.list_keys(Limit=1))
    assert (first["Keys"], first["Truncated"]) == (entries[:1], True)
    assert plain(ctx.kms.list_keys(Limit=1, Marker=first["NextMarker"])) == {"Keys": entries[1:], "Truncated": False}


@error("ListKeys")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.unchecked.list_keys(Limit=0),
        "ValidationException",
        "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1",
    )


# ------------------------------------------------------------------------------------ policies


@happy("GetKeyPolicy")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    # Only Policy, not PolicyName (DECISIONS D1).
    assert plain(ctx.kms.get_key_policy(KeyId=key_id, PolicyName="default")) == {"Policy": DEFAULT_POLICY}
    assert plain(ctx.kms.get_key_policy(KeyId=ctx.arn(key_id))) == {"Policy": DEFAULT_POLICY}


@error("GetKeyPolicy")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.get_key_policy(KeyId=ctx.key(), PolicyName="other"),
        "NotFoundException",
        "No such policy exists",
    )


@happy("PutKeyPolicy")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "root",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ],
        }
    )
    assert plain(ctx.kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=policy)) == {}
    assert plain(ctx.kms.get_key_policy(KeyId=key_id)) == {"Policy": policy}


@error("PutKeyPolicy")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    ctx.fails(
        lambda: ctx.kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy="not json"),
        "MalformedPolicyDocumentException",
        "Policy document is malformed",
    )
    assert plain(ctx.kms.get_key_policy(KeyId=key_id)) == {"Policy": DEFAULT_POLICY}


@happy("ListKeyPolicies")
def _(ctx: Ctx) -> None:
    assert plain(ctx.kms.list_key_policies(KeyId=ctx.key())) == {"PolicyNames": ["default"], "Truncated": False}


@error("ListKeyPolicies")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.list_key_policies(KeyId=UNKNOWN),
        "NotFoundException",
        f"Key '{ctx.arn(UNKNOWN)}' does not exist",
    )


# ------------------------------------------------------------------------------------ aliases


def _alias_entry(ctx: Ctx, name: str, key_id: str) -> dict[str, Any]:
    return {
        "AliasName": name,
        "AliasArn": ctx.alias_arn(name),
        "TargetKeyId": key_id,
        "CreationDate": FIXED_TIME,
        "LastUpdatedDate": FIXED_TIME,
    }


@happy("CreateAlias")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    assert plain(ctx.kms.create_alias(AliasName="alias/made", TargetKeyId=key_id)) == {}
    assert plain(ctx.kms.list_aliases(KeyId=key_id)) == {
        "Aliases": [_alias_entry(ctx, "alias/made", key_id)],
        "Truncated": False,
    }


@error("CreateAlias")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    ctx.kms.create_alias(AliasName="alias/taken", TargetKeyId=key_id)
    ctx.fails(
        lambda: ctx.kms.create_alias(AliasName="alias/taken", TargetKeyId=key_id),
        "AlreadyExistsException",
        f"An alias with the name {ctx.alias_arn('alias/taken')} already exists",
    )
    ctx.fails(
        lambda: ctx.kms.create_alias(AliasName="alias/aws/mine", TargetKeyId=key_id), "NotAuthorizedException", ""
    )


@happy("UpdateAlias")
def _(ctx: Ctx) -> None:
    first, second = ctx.new_key(), ctx.new_key()
    ctx.kms.create_alias(AliasName="alias/moving", TargetKeyId=first)
    assert plain(ctx.kms.update_alias(AliasName="alias/moving", TargetKeyId=second)) == {}
    assert ctx.kms.describe_key(KeyId="alias/moving")["KeyMetadata"]["KeyId"] == second


@error("UpdateAlias")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.update_alias(AliasName="alias/none", TargetKeyId=ctx.key()),
        "NotFoundException",
        f"Alias {ctx.alias_arn('alias/none')} is not found.",
    )


@happy("DeleteAlias")
def _(ctx: Ctx) -> None:
    ctx.kms.create_alias(AliasName="alias/going", TargetKeyId=ctx.key())
    assert plain(ctx.kms.delete_alias(AliasName="alias/going")) == {}
    assert plain(ctx.kms.list_aliases()) == {"Aliases": [], "Truncated": False}


@error("DeleteAlias")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.delete_alias(AliasName="alias/none"),
        "NotFoundException",
        f"Alias {ctx.alias_arn('alias/none')} is not found.",
    )


@happy("ListAliases")
def _(ctx: Ctx) -> None:
    first, second = ctx.new_key(), ctx.new_key()
    ctx.kms.create_alias(AliasName="alias/b", TargetKeyId=first)
    ctx.kms.create_alias(AliasName="alias/a", TargetKeyId=second)
    assert plain(ctx.kms.list_aliases()) == {
        "Aliases": [_alias_entry(ctx, "alias/a", second), _alias_entry(ctx, "alias/b", first)],
        "Truncated": False,
    }
    assert plain(ctx.kms.list_aliases(KeyId=first)) == {
        "Aliases": [_alias_entry(ctx, "alias/b", first)],
        "Truncated": False,
    }


@error("ListAliases")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.list_aliases(KeyId=UNKNOWN), "NotFoundException", f"Key '{ctx.arn(UNKNOWN)}' does not exist"
    )


# ------------------------------------------------------------------------------------ tags


@happy("TagResource")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    tags = [{"TagKey": "env", "TagValue": "test"}, {"TagKey": "app", "TagValue": "kmscli"}]
    assert plain(ctx.kms.tag_resource(KeyId=key_id, Tags=tags)) == {}
    listed = plain(ctx.kms.list_resource_tags(KeyId=key_id))
    assert sorted(listed["Tags"], key=lambda t: t["TagKey"]) == sorted(tags, key=lambda t: t["TagKey"])


@error("TagResource")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    ctx.fails(
        lambda: ctx.kms.tag_resource(KeyId=key_id, Tags=[{"TagKey": "aws:owner", "TagValue": "me"}]),
        "TagException",
        "Tags beginning with aws: are reserved",
    )
    assert plain(ctx.kms.list_resource_tags(KeyId=key_id)) == {"Tags": [], "Truncated": False}


@happy("UntagResource")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    ctx.kms.tag_resource(KeyId=key_id, Tags=[{"TagKey": "a", "TagValue": "1"}, {"TagKey": "b", "TagValue": "2"}])
    assert plain(ctx.kms.untag_resource(KeyId=key_id, TagKeys=["a"])) == {}
    assert plain(ctx.kms.list_resource_tags(KeyId=key_id)) == {
        "Tags": [{"TagKey": "b", "TagValue": "2"}],
        "Truncated": False,
    }


@error("UntagResource")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.untag_resource(KeyId=UNKNOWN, TagKeys=["a"]),
        "NotFoundException",
        f"Key '{ctx.arn(UNKNOWN)}' does not exist",
    )


@happy("ListResourceTags")
def _(ctx: Ctx) -> None:
    key_id = ctx.new_key(Tags=[{"TagKey": "k", "TagValue": "v"}])
    assert plain(ctx.kms.list_resource_tags(KeyId=key_id)) == {
        "Tags": [{"TagKey": "k", "TagValue": "v"}],
        "Truncated": False,
    }


@error("ListResourceTags")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.list_resource_tags(KeyId=UNKNOWN),
        "NotFoundException",
        f"Key '{ctx.arn(UNKNOWN)}' does not exist",
    )


# ------------------------------------------------------------------------------------ lifecycle


@happy("UpdateKeyDescription")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    assert plain(ctx.kms.update_key_description(KeyId=key_id, Description="renamed")) == {}
    assert ctx.kms.describe_key(KeyId=key_id)["KeyMetadata"]["Description"] == "renamed"


@error("UpdateKeyDescription")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.update_key_description(KeyId=UNKNOWN, Description="x"),
        "NotFoundException",
        f"Key '{ctx.arn(UNKNOWN)}' does not exist",
    )


@happy("DisableKey")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    assert plain(ctx.kms.disable_key(KeyId=key_id)) == {}
    assert plain(ctx.kms.describe_key(KeyId=key_id)) == {
        "KeyMetadata": _metadata(ctx, key_id, Enabled=False, KeyState="Disabled"),
    }


@error("DisableKey")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.disable_key(KeyId=UNKNOWN), "NotFoundException", f"Key '{ctx.arn(UNKNOWN)}' does not exist"
    )


@happy("EnableKey")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    ctx.kms.disable_key(KeyId=key_id)
    assert plain(ctx.kms.enable_key(KeyId=key_id)) == {}
    assert plain(ctx.kms.describe_key(KeyId=key_id)) == {"KeyMetadata": _metadata(ctx, key_id)}


@error("EnableKey")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    ctx.kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    ctx.fails(
        lambda: ctx.kms.enable_key(KeyId=key_id), "KMSInvalidStateException", f"{ctx.arn(key_id)} is pending deletion."
    )


@happy("ScheduleKeyDeletion")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    assert plain(ctx.kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)) == {
        "KeyId": ctx.arn(key_id),
        "DeletionDate": FIXED_TIME + 7 * DAY,
        "KeyState": "PendingDeletion",
        "PendingWindowInDays": 7,
    }


@error("ScheduleKeyDeletion")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.schedule_key_deletion(KeyId=ctx.key(), PendingWindowInDays=5),
        "ValidationException",
        "PendingWindowInDays should be between 7 and 30, but it is 5",
    )


@happy("CancelKeyDeletion")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    ctx.kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=30)
    assert plain(ctx.kms.cancel_key_deletion(KeyId=key_id)) == {"KeyId": ctx.arn(key_id)}
    assert ctx.kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Disabled"


@error("CancelKeyDeletion")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    ctx.fails(
        lambda: ctx.kms.cancel_key_deletion(KeyId=key_id),
        "KMSInvalidStateException",
        f"{ctx.arn(key_id)} is not pending deletion.",
    )


# ------------------------------------------------------------------------------------ rotation


@happy("EnableKeyRotation")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    assert plain(ctx.kms.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)) == {}
    assert plain(ctx.kms.get_key_rotation_status(KeyId=key_id)) == {
        "KeyRotationEnabled": True,
        "KeyId": ctx.arn(key_id),
        "RotationPeriodInDays": 90,
        "NextRotationDate": FIXED_TIME + 90 * DAY,
    }


@error("EnableKeyRotation")
def _(ctx: Ctx) -> None:
    ctx.fails(lambda: ctx.kms.enable_key_rotation(KeyId=ctx.key("rsa_sign")), "UnsupportedOperationException", "")


@happy("DisableKeyRotation")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    ctx.kms.enable_key_rotation(KeyId=key_id)
    assert plain(ctx.kms.disable_key_rotation(KeyId=key_id)) == {}
    assert plain(ctx.kms.get_key_rotation_status(KeyId=key_id)) == {
        "KeyRotationEnabled": False,
        "KeyId": ctx.arn(key_id),
    }


@error("DisableKeyRotation")
def _(ctx: Ctx) -> None:
    ctx.fails(lambda: ctx.kms.disable_key_rotation(KeyId=ctx.key("hmac")), "UnsupportedOperationException", "")


@happy("GetKeyRotationStatus")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    assert plain(ctx.kms.get_key_rotation_status(KeyId=key_id)) == {
        "KeyRotationEnabled": False,
        "KeyId": ctx.arn(key_id),
    }


@error("GetKeyRotationStatus")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.get_key_rotation_status(KeyId=UNKNOWN),
        "NotFoundException",
        f"Key '{ctx.arn(UNKNOWN)}' does not exist",
    )


@happy("RotateKeyOnDemand")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    assert plain(ctx.kms.rotate_key_on_demand(KeyId=key_id)) == {"KeyId": ctx.arn(key_id)}
    rotations = plain(ctx.kms.list_key_rotations(KeyId=key_id))
    assert [(r["KeyId"], r["RotationDate"], r["RotationType"]) for r in rotations["Rotations"]] == [
        (key_id, FIXED_TIME, "ON_DEMAND"),
    ]


@error("RotateKeyOnDemand")
def _(ctx: Ctx) -> None:
    ctx.fails(lambda: ctx.kms.rotate_key_on_demand(KeyId=ctx.key("rsa_sign")), "UnsupportedOperationException", "")


@happy("ListKeyRotations")
def _(ctx: Ctx) -> None:
    assert plain(ctx.kms.list_key_rotations(KeyId=ctx.key())) == {"Rotations": [], "Truncated": False}


@error("ListKeyRotations")
def _(ctx: Ctx) -> None:
    ctx.fails(lambda: ctx.kms.list_key_rotations(KeyId=ctx.key("rsa_sign")), "UnsupportedOperationException", "")


# ------------------------------------------------------------------------------------ encryption


def _material_id(ctx: Ctx, key_id: str) -> str:
    """The key's current material ID, as Decrypt reports it."""
    blob = ctx.kms.encrypt(KeyId=key_id, Plaintext=b".")["CiphertextBlob"]
    return str(ctx.kms.decrypt(CiphertextBlob=blob)["KeyMaterialId"])


@happy("Encrypt")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    encrypted = plain(ctx.kms.encrypt(KeyId=key_id, Plaintext=b"secret"))
    assert {k: v for k, v in encrypted.items() if k != "CiphertextBlob"} == {
        "KeyId": ctx.arn(key_id),
        "EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
    }
    assert ctx.kms.decrypt(CiphertextBlob=encrypted["CiphertextBlob"])["Plaintext"] == b"secret"


@error("Encrypt")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    ctx.kms.disable_key(KeyId=key_id)
    ctx.fails(
        lambda: ctx.kms.encrypt(KeyId=key_id, Plaintext=b"x"), "DisabledException", f"{ctx.arn(key_id)} is disabled."
    )


@happy("Decrypt")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    context = {"purpose": "test"}
    blob = ctx.kms.encrypt(KeyId=key_id, Plaintext=bytes(range(256)), EncryptionContext=context)["CiphertextBlob"]
    decrypted = plain(ctx.kms.decrypt(CiphertextBlob=blob, EncryptionContext=context))
    assert decrypted == {
        "KeyId": ctx.arn(key_id),
        "Plaintext": bytes(range(256)),
        "EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
        "KeyMaterialId": decrypted["KeyMaterialId"],
    }
    assert re.fullmatch(r"[0-9a-f]{64}", decrypted["KeyMaterialId"])


@error("Decrypt")
def _(ctx: Ctx) -> None:
    ctx.fails(lambda: ctx.kms.decrypt(CiphertextBlob=b"not a ciphertext at all"), "InvalidCiphertextException", "")


@happy("ReEncrypt")
def _(ctx: Ctx) -> None:
    source, destination = ctx.new_key(), ctx.new_key()
    blob = ctx.kms.encrypt(KeyId=source, Plaintext=b"moved")["CiphertextBlob"]
    moved = plain(ctx.kms.re_encrypt(CiphertextBlob=blob, DestinationKeyId=destination))
    assert {k: v for k, v in moved.items() if k != "CiphertextBlob"} == {
        "SourceKeyId": ctx.arn(source),
        "KeyId": ctx.arn(destination),
        "SourceEncryptionAlgorithm": "SYMMETRIC_DEFAULT",
        "DestinationEncryptionAlgorithm": "SYMMETRIC_DEFAULT",
        "SourceKeyMaterialId": _material_id(ctx, source),
        "DestinationKeyMaterialId": _material_id(ctx, destination),
    }
    again = ctx.kms.decrypt(CiphertextBlob=moved["CiphertextBlob"])
    assert (again["Plaintext"], again["KeyId"]) == (b"moved", ctx.arn(destination))


@error("ReEncrypt")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.re_encrypt(CiphertextBlob=b"garbage" * 5, DestinationKeyId=ctx.key()),
        "InvalidCiphertextException",
        "",
    )


# ------------------------------------------------------------------------------------ data keys


@happy("GenerateDataKey")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    generated = plain(ctx.kms.generate_data_key(KeyId=key_id, KeySpec="AES_256"))
    assert (generated["KeyId"], len(generated["Plaintext"]), generated["KeyMaterialId"]) == (
        ctx.arn(key_id),
        32,
        _material_id(ctx, key_id),
    )
    assert ctx.kms.decrypt(CiphertextBlob=generated["CiphertextBlob"])["Plaintext"] == generated["Plaintext"]


@error("GenerateDataKey")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.generate_data_key(KeyId=ctx.key(), KeySpec="AES_256", NumberOfBytes=32),
        "ValidationException",
        "Please specify either number of bytes or key spec.",
    )


@happy("GenerateDataKeyWithoutPlaintext")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    generated = plain(ctx.kms.generate_data_key_without_plaintext(KeyId=key_id, NumberOfBytes=16))
    assert sorted(generated) == ["CiphertextBlob", "KeyId", "KeyMaterialId"]
    assert generated["KeyId"] == ctx.arn(key_id)
    assert len(ctx.kms.decrypt(CiphertextBlob=generated["CiphertextBlob"])["Plaintext"]) == 16


@error("GenerateDataKeyWithoutPlaintext")
def _(ctx: Ctx) -> None:
    key_id = ctx.key("rsa_sign")
    ctx.fails(
        lambda: ctx.kms.generate_data_key_without_plaintext(KeyId=key_id, NumberOfBytes=32),
        "InvalidKeyUsageException",
        f"{ctx.arn(key_id)} key usage is SIGN_VERIFY which is not valid for GenerateDataKeyWithoutPlaintext.",
    )


def _public_matches(private_der: bytes, public_der: bytes) -> bool:
    private = serialization.load_der_private_key(private_der, password=None)
    spki = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return spki == public_der


@happy("GenerateDataKeyPair")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    pair = plain(ctx.kms.generate_data_key_pair(KeyId=key_id, KeyPairSpec="ECC_NIST_P256"))
    assert (pair["KeyId"], pair["KeyPairSpec"]) == (ctx.arn(key_id), "ECC_NIST_P256")
    assert _public_matches(pair["PrivateKeyPlaintext"], pair["PublicKey"])
    decrypted = ctx.kms.decrypt(CiphertextBlob=pair["PrivateKeyCiphertextBlob"])["Plaintext"]
    assert decrypted == pair["PrivateKeyPlaintext"]


@error("GenerateDataKeyPair")
def _(ctx: Ctx) -> None:
    key_id = ctx.key("rsa_sign")
    ctx.fails(
        lambda: ctx.kms.generate_data_key_pair(KeyId=key_id, KeyPairSpec="RSA_2048"),
        "InvalidKeyUsageException",
        f"{ctx.arn(key_id)} key usage is SIGN_VERIFY which is not valid for GenerateDataKeyPair.",
    )


@happy("GenerateDataKeyPairWithoutPlaintext")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    pair = plain(ctx.kms.generate_data_key_pair_without_plaintext(KeyId=key_id, KeyPairSpec="ECC_NIST_P384"))
    assert "PrivateKeyPlaintext" not in pair
    private = ctx.kms.decrypt(CiphertextBlob=pair["PrivateKeyCiphertextBlob"])["Plaintext"]
    assert _public_matches(private, pair["PublicKey"])


@error("GenerateDataKeyPairWithoutPlaintext")
def _(ctx: Ctx) -> None:
    allowed = ctx.kms.meta.service_model.shape_for("DataKeyPairSpec").enum
    ctx.fails(
        lambda: ctx.unchecked.generate_data_key_pair_without_plaintext(KeyId=ctx.key(), KeyPairSpec="NOPE"),
        "ValidationException",
        "1 validation error detected: Value 'NOPE' at 'keyPairSpec' failed to satisfy constraint: "
        f"Member must satisfy enum value set: [{', '.join(allowed)}]",
    )


@happy("GenerateRandom")
def _(ctx: Ctx) -> None:
    first, second = ctx.kms.generate_random(NumberOfBytes=32), ctx.kms.generate_random(NumberOfBytes=32)
    assert sorted(plain(first)) == ["Plaintext"]
    assert (len(first["Plaintext"]), len(second["Plaintext"])) == (32, 32)
    assert first["Plaintext"] != second["Plaintext"]


@error("GenerateRandom")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.generate_random(NumberOfBytes=2000),
        "ValidationException",
        "1 validation error detected: Value '2000' at 'numberOfBytes' failed to satisfy constraint: "
        "Member must have value less than or equal to 1024",
    )
    ctx.fails(lambda: ctx.kms.generate_random(), "ValidationException", "NumberOfBytes is required.")


# ------------------------------------------------------------------------------------ signatures, MACs


def _public_key(ctx: Ctx, key_id: str) -> Any:
    return serialization.load_der_public_key(ctx.kms.get_public_key(KeyId=key_id)["PublicKey"])


@happy("Sign")
def _(ctx: Ctx) -> None:
    key_id = ctx.key("rsa_sign")
    signed = plain(ctx.kms.sign(KeyId=key_id, Message=b"signed", SigningAlgorithm="RSASSA_PKCS1_V1_5_SHA_256"))
    assert (signed["KeyId"], signed["SigningAlgorithm"], len(signed["Signature"])) == (
        ctx.arn(key_id),
        "RSASSA_PKCS1_V1_5_SHA_256",
        256,
    )
    # Raises if the signature is not the key's signature of the message.
    _public_key(ctx, key_id).verify(signed["Signature"], b"signed", padding.PKCS1v15(), hashes.SHA256())


@error("Sign")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    ctx.fails(
        lambda: ctx.kms.sign(KeyId=key_id, Message=b"m", SigningAlgorithm="RSASSA_PSS_SHA_256"),
        "InvalidKeyUsageException",
        f"{ctx.arn(key_id)} key usage is ENCRYPT_DECRYPT which is not valid for Sign.",
    )


@happy("Verify")
def _(ctx: Ctx) -> None:
    key_id = ctx.key("rsa_sign")
    signature = ctx.kms.sign(KeyId=key_id, Message=b"m", SigningAlgorithm="RSASSA_PSS_SHA_256")["Signature"]
    verified = ctx.kms.verify(KeyId=key_id, Message=b"m", Signature=signature, SigningAlgorithm="RSASSA_PSS_SHA_256")
    assert plain(verified) == {
        "KeyId": ctx.arn(key_id),
        "SignatureValid": True,
        "SigningAlgorithm": "RSASSA_PSS_SHA_256",
    }


@error("Verify")
def _(ctx: Ctx) -> None:
    key_id = ctx.key("rsa_sign")
    signature = ctx.kms.sign(KeyId=key_id, Message=b"m", SigningAlgorithm="RSASSA_PSS_SHA_256")["Signature"]
    ctx.fails(
        lambda: ctx.kms.verify(
            KeyId=key_id, Message=b"other", Signature=signature, SigningAlgorithm="RSASSA_PSS_SHA_256"
        ),
        "KMSInvalidSignatureException",
        "",
    )


@happy("GetPublicKey")
def _(ctx: Ctx) -> None:
    key_id = ctx.key("ecdh")
    public = plain(ctx.kms.get_public_key(KeyId=key_id))
    assert {k: v for k, v in public.items() if k != "PublicKey"} == {
        "KeyId": ctx.arn(key_id),
        "CustomerMasterKeySpec": "ECC_NIST_P256",
        "KeySpec": "ECC_NIST_P256",
        "KeyUsage": "KEY_AGREEMENT",
        "KeyAgreementAlgorithms": ["ECDH"],
    }
    assert isinstance(serialization.load_der_public_key(public["PublicKey"]), ec.EllipticCurvePublicKey)


@error("GetPublicKey")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    ctx.fails(
        lambda: ctx.kms.get_public_key(KeyId=key_id),
        "UnsupportedOperationException",
        f"{ctx.arn(key_id)} key spec is SYMMETRIC_DEFAULT which is not valid for GetPublicKey.",
    )


@happy("GenerateMac")
def _(ctx: Ctx) -> None:
    key_id = ctx.key("hmac")
    first = plain(ctx.kms.generate_mac(KeyId=key_id, Message=b"m", MacAlgorithm="HMAC_SHA_256"))
    assert {k: v for k, v in first.items() if k != "Mac"} == {"MacAlgorithm": "HMAC_SHA_256", "KeyId": ctx.arn(key_id)}
    assert len(first["Mac"]) == 32
    # HMAC is deterministic: the same key and message give the same MAC.
    assert ctx.kms.generate_mac(KeyId=key_id, Message=b"m", MacAlgorithm="HMAC_SHA_256")["Mac"] == first["Mac"]


@error("GenerateMac")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.generate_mac(KeyId=ctx.key("hmac"), Message=b"m", MacAlgorithm="HMAC_SHA_512"),
        "InvalidKeyUsageException",
        "Algorithm HMAC_SHA_512 is incompatible with key spec HMAC_256.",
    )


@happy("VerifyMac")
def _(ctx: Ctx) -> None:
    key_id = ctx.key("hmac")
    mac = ctx.kms.generate_mac(KeyId=key_id, Message=b"m", MacAlgorithm="HMAC_SHA_256")["Mac"]
    assert plain(ctx.kms.verify_mac(KeyId=key_id, Message=b"m", Mac=mac, MacAlgorithm="HMAC_SHA_256")) == {
        "KeyId": ctx.arn(key_id),
        "MacValid": True,
        "MacAlgorithm": "HMAC_SHA_256",
    }


@error("VerifyMac")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.verify_mac(KeyId=ctx.key("hmac"), Message=b"m", Mac=b"\0" * 32, MacAlgorithm="HMAC_SHA_256"),
        "KMSInvalidMacException",
        "",
    )


# ------------------------------------------------------------------------------------ shared secrets


@happy("DeriveSharedSecret")
def _(ctx: Ctx) -> None:
    key_id = ctx.key("ecdh")
    peer = ec.generate_private_key(ec.SECP256R1())
    peer_public = peer.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    derived = plain(ctx.kms.derive_shared_secret(KeyId=key_id, KeyAgreementAlgorithm="ECDH", PublicKey=peer_public))
    expected = peer.exchange(ec.ECDH(), _public_key(ctx, key_id))
    assert derived == {
        "KeyId": ctx.arn(key_id),
        "SharedSecret": expected,
        "KeyAgreementAlgorithm": "ECDH",
        "KeyOrigin": "AWS_KMS",
    }


@error("DeriveSharedSecret")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.derive_shared_secret(
            KeyId=ctx.key("ecdh"), KeyAgreementAlgorithm="ECDH", PublicKey=b"not a public key"
        ),
        "ValidationException",
        "",
    )


@happy("Encapsulate")
def _(ctx: Ctx) -> None:
    key_id = ctx.key("kem")
    sealed = plain(ctx.kms.encapsulate(KeyId=key_id, EncapsulationAlgorithm="ML_KEM"))
    assert (
        sealed["KeyId"],
        sealed["EncapsulationAlgorithm"],
        len(sealed["SharedSecret"]),
        len(sealed["SharedSecretCiphertextBlob"]),
    ) == (ctx.arn(key_id), "ML_KEM", 32, 1088)
    opened = ctx.kms.decapsulate(
        KeyId=key_id, SharedSecretCiphertextBlob=sealed["SharedSecretCiphertextBlob"], EncapsulationAlgorithm="ML_KEM"
    )
    assert opened["SharedSecret"] == sealed["SharedSecret"]


@error("Encapsulate")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    ctx.fails(
        lambda: ctx.kms.encapsulate(KeyId=key_id, EncapsulationAlgorithm="ML_KEM"),
        "InvalidKeyUsageException",
        f"{ctx.arn(key_id)} key usage is ENCRYPT_DECRYPT which is not valid for Encapsulate.",
    )


@happy("Decapsulate")
def _(ctx: Ctx) -> None:
    key_id = ctx.key("kem")
    sealed = ctx.kms.encapsulate(KeyId=key_id, EncapsulationAlgorithm="ML_KEM")
    opened = plain(
        ctx.kms.decapsulate(
            KeyId=key_id,
            SharedSecretCiphertextBlob=sealed["SharedSecretCiphertextBlob"],
            EncapsulationAlgorithm="ML_KEM",
        )
    )
    assert opened == {
        "KeyId": ctx.arn(key_id),
        "SharedSecret": sealed["SharedSecret"],
        "EncapsulationAlgorithm": "ML_KEM",
    }


@error("Decapsulate")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.decapsulate(
            KeyId=ctx.key("kem"), SharedSecretCiphertextBlob=b"short", EncapsulationAlgorithm="ML_KEM"
        ),
        "InvalidCiphertextException",
        "",
    )


# ------------------------------------------------------------------------------------ grants

GRANTEE = "arn:aws:iam::111122223333:role/grantee"


def _grant_entry(ctx: Ctx, key_id: str, grant_id: str, **changes: Any) -> dict[str, Any]:
    entry = {
        "KeyId": ctx.arn(key_id),
        "GrantId": grant_id,
        "CreationDate": FIXED_TIME,
        "GranteePrincipal": GRANTEE,
        "IssuingAccount": f"arn:aws:iam::{ACCOUNT}:root",
        "Operations": ["Encrypt", "Decrypt"],
    }
    entry.update(changes)
    return entry


@happy("CreateGrant")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    grant = plain(
        ctx.kms.create_grant(
            KeyId=key_id,
            GranteePrincipal=GRANTEE,
            Operations=["Encrypt", "Decrypt"],
            RetiringPrincipal=GRANTEE,
            Name="reader",
        )
    )
    assert sorted(grant) == ["GrantId", "GrantToken"]
    assert re.fullmatch(r"[0-9a-f]{64}", grant["GrantId"])
    assert plain(ctx.kms.list_grants(KeyId=key_id)) == {
        "Grants": [_grant_entry(ctx, key_id, grant["GrantId"], Name="reader", RetiringPrincipal=GRANTEE)],
        "Truncated": False,
    }


@error("CreateGrant")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    ctx.fails(
        lambda: ctx.kms.create_grant(KeyId=key_id, GranteePrincipal=GRANTEE, Operations=["Sign"]),
        "ValidationException",
        "Grant operations [Sign] are not valid for this KMS key",
    )
    assert plain(ctx.kms.list_grants(KeyId=key_id)) == {"Grants": [], "Truncated": False}


@happy("ListGrants")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    first = ctx.kms.create_grant(KeyId=key_id, GranteePrincipal=GRANTEE, Operations=["Encrypt", "Decrypt"])["GrantId"]
    second = ctx.kms.create_grant(KeyId=key_id, GranteePrincipal=GRANTEE, Operations=["Decrypt"])["GrantId"]
    listed = plain(ctx.kms.list_grants(KeyId=key_id))
    assert listed["Truncated"] is False
    assert sorted(listed["Grants"], key=lambda g: g["GrantId"]) == sorted(
        [_grant_entry(ctx, key_id, first), _grant_entry(ctx, key_id, second, Operations=["Decrypt"])],
        key=lambda g: g["GrantId"],
    )


@error("ListGrants")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.list_grants(KeyId=UNKNOWN), "NotFoundException", f"Key '{ctx.arn(UNKNOWN)}' does not exist"
    )


@happy("ListRetirableGrants")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    retiring = f"arn:aws:iam::{ACCOUNT}:role/retirer-{ctx.region}"
    grant_id = ctx.kms.create_grant(
        KeyId=key_id, GranteePrincipal=GRANTEE, Operations=["Encrypt", "Decrypt"], RetiringPrincipal=retiring
    )["GrantId"]
    assert plain(ctx.kms.list_retirable_grants(RetiringPrincipal=retiring)) == {
        "Grants": [_grant_entry(ctx, key_id, grant_id, RetiringPrincipal=retiring)],
        "Truncated": False,
    }


@error("ListRetirableGrants")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.unchecked.list_retirable_grants(RetiringPrincipal=GRANTEE, Limit=0),
        "ValidationException",
        "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1",
    )


@happy("RetireGrant")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    token = ctx.kms.create_grant(KeyId=key_id, GranteePrincipal=GRANTEE, Operations=["Encrypt"])["GrantToken"]
    assert plain(ctx.kms.retire_grant(GrantToken=token)) == {}
    assert plain(ctx.kms.list_grants(KeyId=key_id)) == {"Grants": [], "Truncated": False}


@error("RetireGrant")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.retire_grant(GrantToken="not-a-token"), "InvalidGrantTokenException", "Invalid grant token"
    )


@happy("RevokeGrant")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    grant_id = ctx.kms.create_grant(KeyId=key_id, GranteePrincipal=GRANTEE, Operations=["Encrypt"])["GrantId"]
    assert plain(ctx.kms.revoke_grant(KeyId=key_id, GrantId=grant_id)) == {}
    assert plain(ctx.kms.list_grants(KeyId=key_id)) == {"Grants": [], "Truncated": False}


@error("RevokeGrant")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.revoke_grant(KeyId=ctx.key(), GrantId="f" * 64),
        "NotFoundException",
        f"Grant ID {'f' * 64} not found",
    )


# ------------------------------------------------------------------------------------ imported key material


def _import(ctx: Ctx, key_id: str, **params: Any) -> Any:
    """Wrap fresh key material with the import public key and import it: (parameters, answer)."""
    import os

    parameters = ctx.kms.get_parameters_for_import(
        KeyId=key_id, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048"
    )
    wrapping = serialization.load_der_public_key(parameters["PublicKey"])
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    wrapped = wrapping.encrypt(os.urandom(32), oaep)
    return parameters, ctx.kms.import_key_material(
        KeyId=key_id, ImportToken=parameters["ImportToken"], EncryptedKeyMaterial=wrapped, **params
    )


@happy("GetParametersForImport")
def _(ctx: Ctx) -> None:
    key_id = ctx.new_key(Origin="EXTERNAL")
    parameters = plain(
        ctx.kms.get_parameters_for_import(
            KeyId=key_id, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048"
        )
    )
    assert sorted(parameters) == ["ImportToken", "KeyId", "ParametersValidTo", "PublicKey"]
    assert (parameters["KeyId"], parameters["ParametersValidTo"]) == (ctx.arn(key_id), FIXED_TIME + DAY)
    assert serialization.load_der_public_key(parameters["PublicKey"]).key_size == 2048


@error("GetParametersForImport")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    ctx.fails(
        lambda: ctx.kms.get_parameters_for_import(
            KeyId=key_id, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048"
        ),
        "UnsupportedOperationException",
        f"{ctx.arn(key_id)} origin is AWS_KMS which is not valid for this operation.",
    )


@happy("ImportKeyMaterial")
def _(ctx: Ctx) -> None:
    key_id = ctx.new_key(Origin="EXTERNAL")
    # A timestamp in a request: botocore sends it as epoch seconds.
    valid_to = FIXED_TIME + 30 * DAY
    _, imported = _import(ctx, key_id, ExpirationModel="KEY_MATERIAL_EXPIRES", ValidTo=valid_to)
    assert plain(imported) == {"KeyId": ctx.arn(key_id), "KeyMaterialId": imported["KeyMaterialId"]}
    metadata = plain(ctx.kms.describe_key(KeyId=key_id))["KeyMetadata"]
    assert (metadata["KeyState"], metadata["ExpirationModel"], metadata["ValidTo"]) == (
        "Enabled",
        "KEY_MATERIAL_EXPIRES",
        valid_to,
    )
    blob = ctx.kms.encrypt(KeyId=key_id, Plaintext=b"imported")["CiphertextBlob"]
    assert ctx.kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"imported"


@error("ImportKeyMaterial")
def _(ctx: Ctx) -> None:
    key_id = ctx.new_key(Origin="EXTERNAL")
    ctx.fails(
        lambda: ctx.kms.import_key_material(
            KeyId=key_id,
            ImportToken=b"x" * 20,
            EncryptedKeyMaterial=b"y" * 256,
            ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
        ),
        "InvalidImportTokenException",
        "Import token is invalid",
    )


@happy("DeleteImportedKeyMaterial")
def _(ctx: Ctx) -> None:
    key_id = ctx.new_key(Origin="EXTERNAL")
    _, imported = _import(ctx, key_id, ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    assert plain(ctx.kms.delete_imported_key_material(KeyId=key_id)) == {
        "KeyId": ctx.arn(key_id),
        "KeyMaterialId": imported["KeyMaterialId"],
    }
    assert ctx.kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingImport"


@error("DeleteImportedKeyMaterial")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    ctx.fails(
        lambda: ctx.kms.delete_imported_key_material(KeyId=key_id),
        "UnsupportedOperationException",
        f"{ctx.arn(key_id)} origin is AWS_KMS which is not valid for this operation.",
    )


# ------------------------------------------------------------------------------------ multi-Region keys


@happy("ReplicateKey")
def _(ctx: Ctx) -> None:
    key_id = ctx.new_key(MultiRegion=True, Description="primary")
    assert key_id.startswith("mrk-")
    replica_region, there = ctx.elsewhere()
    # The description is not shared: a replica has its own.
    replica = plain(ctx.kms.replicate_key(KeyId=key_id, ReplicaRegion=replica_region, Description="replica"))
    metadata = replica["ReplicaKeyMetadata"]
    assert (metadata["KeyId"], metadata["Arn"], metadata["MultiRegionConfiguration"]["MultiRegionKeyType"]) == (
        key_id,
        f"arn:aws:kms:{replica_region}:{ACCOUNT}:key/{key_id}",
        "REPLICA",
    )
    assert replica["ReplicaPolicy"] == DEFAULT_POLICY
    assert there.describe_key(KeyId=key_id)["KeyMetadata"]["Description"] == "replica"


@error("ReplicateKey")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    replica_region, _ = ctx.elsewhere()
    ctx.fails(
        lambda: ctx.kms.replicate_key(KeyId=key_id, ReplicaRegion=replica_region),
        "UnsupportedOperationException",
        f"{ctx.arn(key_id)} is not a multi-region primary key.",
    )


@happy("UpdatePrimaryRegion")
def _(ctx: Ctx) -> None:
    key_id = ctx.new_key(MultiRegion=True)
    replica_region, there = ctx.elsewhere()
    ctx.kms.replicate_key(KeyId=key_id, ReplicaRegion=replica_region)
    assert plain(ctx.kms.update_primary_region(KeyId=key_id, PrimaryRegion=replica_region)) == {}
    here = ctx.kms.describe_key(KeyId=key_id)["KeyMetadata"]["MultiRegionConfiguration"]
    assert (here["MultiRegionKeyType"], here["PrimaryKey"]["Region"]) == ("REPLICA", replica_region)
    moved = there.describe_key(KeyId=key_id)["KeyMetadata"]["MultiRegionConfiguration"]
    assert moved["MultiRegionKeyType"] == "PRIMARY"


@error("UpdatePrimaryRegion")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    replica_region, _ = ctx.elsewhere()
    ctx.fails(
        lambda: ctx.kms.update_primary_region(KeyId=key_id, PrimaryRegion=replica_region),
        "UnsupportedOperationException",
        f"{ctx.arn(key_id)} is not a multi-region primary key.",
    )
