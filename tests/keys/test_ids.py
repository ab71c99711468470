"""Key IDs, ARNs and the parsing of KeyId parameters."""

from __future__ import annotations

import re
import uuid

import pytest

from kmscli.core.env import partition_for
from kmscli.core.errors import InvalidArnException, KmsError, NotFoundException
from kmscli.core.ids import KeyRef, alias_arn, is_alias_reference, key_arn, new_key_id, parse_key_ref

ACCOUNT = "111122223333"
REGION = "us-west-2"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
MRK_ID = "mrk-1234abcd12ab34cd56ef1234567890ab"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{KEY_ID}"
ALIAS_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/ExampleAlias"


# ---------------------------------------------------------------- new_key_id


@pytest.mark.parametrize(
    ("entropy", "expected"),
    [
        pytest.param(bytes(16), "00000000-0000-4000-8000-000000000000", id="zeros"),
        pytest.param(b"\xff" * 16, "ffffffff-ffff-4fff-bfff-ffffffffffff", id="ones"),
        pytest.param(bytes(range(16)), "00010203-0405-4607-8809-0a0b0c0d0e0f", id="counting"),
        # Only the first 16 bytes count.
        pytest.param(bytes(range(20)), "00010203-0405-4607-8809-0a0b0c0d0e0f", id="longer-entropy"),
    ],
)
def test_new_key_id_is_a_lower_case_uuid4(entropy: bytes, expected: str) -> None:
    key_id = new_key_id(entropy, multi_region=False)
    assert key_id == expected
    parsed = uuid.UUID(key_id)
    assert (parsed.version, parsed.variant, str(parsed)) == (4, uuid.RFC_4122, key_id)


@pytest.mark.parametrize(
    ("entropy", "expected"),
    [
        pytest.param(bytes(16), "mrk-00000000000000000000000000000000", id="zeros"),
        pytest.param(bytes(range(16)), "mrk-000102030405060708090a0b0c0d0e0f", id="counting"),
        pytest.param(b"\xab" * 20, "mrk-" + "ab" * 16, id="longer-entropy"),
    ],
)
def test_new_multi_region_key_id(entropy: bytes, expected: str) -> None:
    key_id = new_key_id(entropy, multi_region=True)
    assert key_id == expected
    assert re.fullmatch(r"mrk-[0-9a-f]{32}", key_id)


# ---------------------------------------------------------------- ARNs


@pytest.mark.parametrize(
    ("partition", "region", "expected"),
    [
        pytest.param("aws", "us-east-2", f"arn:aws:kms:us-east-2:{ACCOUNT}:key/{KEY_ID}", id="aws"),
        pytest.param("aws-cn", "cn-north-1", f"arn:aws-cn:kms:cn-north-1:{ACCOUNT}:key/{KEY_ID}", id="china"),
    ],
)
def test_key_arn(partition: str, region: str, expected: str) -> None:
    assert key_arn(partition, region, ACCOUNT, KEY_ID) == expected


def test_alias_arn() -> None:
    assert alias_arn("aws", "us-east-2", ACCOUNT, "alias/ExampleAlias") == (
        f"arn:aws:kms:us-east-2:{ACCOUNT}:alias/ExampleAlias"
    )


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        pytest.param("us-east-1", "aws", id="commercial"),
        pytest.param("eu-central-1", "aws", id="europe"),
        pytest.param("cn-northwest-1", "aws-cn", id="china"),
        pytest.param("us-gov-west-1", "aws-us-gov", id="govcloud"),
    ],
)
def test_partition_for_region(region: str, partition: str) -> None:
    assert partition_for(region) == partition


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("alias/x", True, id="alias-name"),
        pytest.param(ALIAS_ARN, True, id="alias-arn"),
        pytest.param(KEY_ID, False, id="key-id"),
        pytest.param(KEY_ARN, False, id="key-arn"),
        pytest.param("aliasx", False, id="no-slash"),
    ],
)
def test_is_alias_reference(value: str, expected: bool) -> None:
    assert is_alias_reference(value) is expected


# ---------------------------------------------------------------- parse_key_ref: accepted forms


def parse(value: str, *, allow_alias: bool = True) -> KeyRef:
    return parse_key_ref(value, account_id=ACCOUNT, region=REGION, partition="aws", allow_alias=allow_alias)


@pytest.mark.parametrize(
    ("value", "allow_alias", "expected"),
    [
        pytest.param(KEY_ID, False, KeyRef(key_id=KEY_ID), id="key-id"),
        pytest.param(KEY_ID.upper(), False, KeyRef(key_id=KEY_ID), id="upper-case-key-id-lowered"),
        pytest.param(MRK_ID, False, KeyRef(key_id=MRK_ID), id="multi-region-key-id"),
        pytest.param(KEY_ARN, False, KeyRef(key_id=KEY_ID), id="key-arn"),
        pytest.param(
            f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{KEY_ID.upper()}",
            False,
            KeyRef(key_id=KEY_ID),
            id="key-arn-upper-case-id-lowered",
        ),
        pytest.param(f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{MRK_ID}", False, KeyRef(key_id=MRK_ID), id="mrk-arn"),
        pytest.param("alias/ExampleAlias", True, KeyRef(alias_name="alias/ExampleAlias"), id="alias-name"),
        pytest.param(ALIAS_ARN, True, KeyRef(alias_name="alias/ExampleAlias"), id="alias-arn"),
        pytest.param(
            f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/team/app",
            True,
            KeyRef(alias_name="alias/team/app"),
            id="alias-arn-with-slashes",
        ),
    ],
)
def test_parse_key_ref_accepts(value: str, allow_alias: bool, expected: KeyRef) -> None:
    assert parse(value, allow_alias=allow_alias) == expected


# ---------------------------------------------------------------- parse_key_ref: refusals


@pytest.mark.parametrize(
    ("value", "allow_alias", "error", "message"),
    [
        pytest.param(
            "arn:aws:kms:us-west-2:111122223333:keys/x",
            True,
            InvalidArnException,
            "Invalid arn arn:aws:kms:us-west-2:111122223333:keys/x",
            id="malformed-arn-resource-type",
        ),
        pytest.param(
            "arn:aws:s3:::my-bucket", True, InvalidArnException, "Invalid arn arn:aws:s3:::my-bucket", id="not-kms"
        ),
        pytest.param(
            f"arn:aws:kms:{REGION}:12345:key/{KEY_ID}",
            True,
            InvalidArnException,
            f"Invalid arn arn:aws:kms:{REGION}:12345:key/{KEY_ID}",
            id="short-account",
        ),
        pytest.param(
            f"arn:aws:kms:{REGION}:{ACCOUNT}:key/",
            True,
            InvalidArnException,
            f"Invalid arn arn:aws:kms:{REGION}:{ACCOUNT}:key/",
            id="arn-without-id",
        ),
        pytest.param(
            f"arn:aws-eu:kms:{REGION}:{ACCOUNT}:key/{KEY_ID}",
            True,
            InvalidArnException,
            f"Invalid arn arn:aws-eu:kms:{REGION}:{ACCOUNT}:key/{KEY_ID}",
            id="unknown-partition",
        ),
        pytest.param("arn:", True, InvalidArnException, "Invalid arn arn:", id="bare-arn-prefix"),
        pytest.param(
            f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{KEY_ID}",
            True,
            NotFoundException,
            "Invalid arn us-east-1",
            id="other-region-key-arn",
        ),
        pytest.param(
            f"arn:aws:kms:eu-west-1:{ACCOUNT}:alias/x",
            True,
            NotFoundException,
            "Invalid arn eu-west-1",
            id="other-region-alias-arn",
        ),
        pytest.param(
            # The Region is checked before the account.
            f"arn:aws:kms:eu-west-1:444455556666:key/{KEY_ID}",
            True,
            NotFoundException,
            "Invalid arn eu-west-1",
            id="other-region-and-account",
        ),
        pytest.param(
            f"arn:aws:kms:{REGION}:444455556666:key/{KEY_ID}",
            True,
            NotFoundException,
            f"Key 'arn:aws:kms:{REGION}:444455556666:key/{KEY_ID}' does not exist",
            id="other-account",
        ),
        pytest.param(
            f"arn:aws:kms:{REGION}:444455556666:alias/x",
            True,
            NotFoundException,
            f"Key 'arn:aws:kms:{REGION}:444455556666:alias/x' does not exist",
            id="other-account-alias",
        ),
        pytest.param(
            "alias/ExampleAlias",
            False,
            NotFoundException,
            "Invalid keyId 'alias/ExampleAlias'",
            id="alias-name-not-allowed",
        ),
        pytest.param(ALIAS_ARN, False, NotFoundException, f"Invalid keyId '{ALIAS_ARN}'", id="alias-arn-not-allowed"),
        pytest.param("fake-key-id", True, NotFoundException, "Invalid keyId 'fake-key-id'", id="fake-key-id"),
        pytest.param("mrk-fake-key-id", True, NotFoundException, "Invalid keyId 'mrk-fake-key-id'", id="mrk-fake"),
        pytest.param(
            "1234abcd12ab34cd56ef1234567890ab",
            True,
            NotFoundException,
            "Invalid keyId '1234abcd12ab34cd56ef1234567890ab'",
            id="32-hex-without-dashes",
        ),
        pytest.param(
            "mrk-1234abcd12ab34cd56ef1234567890a",
            True,
            NotFoundException,
            "Invalid keyId 'mrk-1234abcd12ab34cd56ef1234567890a'",
            id="mrk-31-hex",
        ),
        pytest.param(
            "1234abcd-12ab-34cd-56ef-1234567890ag",
            True,
            NotFoundException,
            "Invalid keyId '1234abcd-12ab-34cd-56ef-1234567890ag'",
            id="non-hex-digit",
        ),
        pytest.param(
            f" {KEY_ID}",
            True,
            NotFoundException,
            f"Invalid keyId ' {KEY_ID}'",
            id="leading-space",
        ),
        pytest.param(
            f"arn:aws:kms:{REGION}:{ACCOUNT}:key/fake-key-id",
            True,
            NotFoundException,
            f"Invalid keyId 'arn:aws:kms:{REGION}:{ACCOUNT}:key/fake-key-id'",
            id="key-arn-with-malformed-id",
        ),
    ],
)
def test_parse_key_ref_refuses(value: str, allow_alias: bool, error: type[KmsError], message: str) -> None:
    with pytest.raises(KmsError) as caught:
        parse(value, allow_alias=allow_alias)
    assert (type(caught.value), caught.value.code, caught.value.message) == (error, error.code, message)
