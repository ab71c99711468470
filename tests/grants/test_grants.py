"""Grants through the command line: create-grant, list-grants, list-retirable-grants, retire-grant, revoke-grant."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.conformance import assert_conforms
from tests.kms_session import DAY, START, KmsSession, arn

BOB = "arn:aws:iam::111122223333:user/bob"
ALICE = "arn:aws:iam::111122223333:role/alice"
ROOT = "arn:aws:iam::111122223333:root"
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
GRANT_ID = re.compile(r"[0-9a-f]{64}")


def create_key(kms: KmsSession, *args: str) -> str:
    return str(kms.ok("create-key", *args)["KeyMetadata"]["KeyId"])


def create_grant(
    kms: KmsSession, key_id: str, *args: str, operations: tuple[str, ...] = ("Encrypt", "Decrypt")
) -> dict:
    doc = kms.ok("create-grant", "--key-id", key_id, "--operations", *operations, *args)
    assert_conforms("CreateGrant", doc)
    assert list(doc) == ["GrantToken", "GrantId"]
    assert TOKEN.fullmatch(doc["GrantToken"]), doc
    assert GRANT_ID.fullmatch(doc["GrantId"]), doc
    return dict(doc)


def grants_of(kms: KmsSession, key_id: str, *args: str) -> list[dict[str, Any]]:
    doc = kms.ok("list-grants", "--key-id", key_id, *args)
    assert_conforms("ListGrants", doc)
    return list(doc["Grants"])


# ---------------------------------------------------------------- CreateGrant and ListGrants


def test_a_grant_is_listed_with_every_member(kms: KmsSession) -> None:
    key_id = create_key(kms)
    kms.advance(5)
    grant = create_grant(
        kms,
        key_id,
        "--grantee-principal",
        BOB,
        "--retiring-principal",
        ALICE,
        "--name",
        "app-grant",
        "--constraints",
        "EncryptionContextSubset={Department=IT,Project=x}",
        operations=("GenerateDataKey", "Decrypt", "DescribeKey"),
    )
    assert grants_of(kms, key_id) == [
        {
            "KeyId": arn(key_id),
            "GrantId": grant["GrantId"],
            "Name": "app-grant",
            "CreationDate": START + 5,
            "GranteePrincipal": BOB,
            "RetiringPrincipal": ALICE,
            "IssuingAccount": ROOT,
            "Operations": ["GenerateDataKey", "Decrypt", "DescribeKey"],
            "Constraints": {"EncryptionContextSubset": {"Department": "IT", "Project": "x"}},
        }
    ]


def test_a_minimal_grant(kms: KmsSession) -> None:
    key_id = create_key(kms)
    grant = create_grant(kms, key_id, "--grantee-principal", BOB, operations=("Encrypt",))
    assert grants_of(kms, key_id) == [
        {
            "KeyId": arn(key_id),
            "GrantId": grant["GrantId"],
            "CreationDate": START,
            "GranteePrincipal": BOB,
            "IssuingAccount": ROOT,
            "Operations": ["Encrypt"],
        }
    ]


def test_a_grant_for_a_service_principal(kms: KmsSession) -> None:
    key_id = create_key(kms)
    source_arn = "arn:aws:s3:us-west-2:111122223333:bucket-x"
    grant = create_grant(
        kms,
        key_id,
        "--grantee-service-principal",
        "s3.amazonaws.com",
        "--retiring-service-principal",
        "s3.amazonaws.com",
        "--constraints",
        f"SourceArn={source_arn}",
        operations=("Decrypt",),
    )
    assert grants_of(kms, key_id, "--grantee-service-principal", "s3.amazonaws.com") == [
        {
            "KeyId": arn(key_id),
            "GrantId": grant["GrantId"],
            "CreationDate": START,
            "IssuingAccount": ROOT,
            "Operations": ["Decrypt"],
            "Constraints": {"SourceArn": source_arn},
            "GranteeServicePrincipal": "s3.amazonaws.com",
            "RetiringServicePrincipal": "s3.amazonaws.com",
        }
    ]
    assert grants_of(kms, key_id, "--grantee-principal", BOB) == []


def test_a_name_makes_create_grant_idempotent(kms: KmsSession) -> None:
    key_id = create_key(kms)
    first = create_grant(kms, key_id, "--grantee-principal", BOB, "--name", "n", operations=("Encrypt", "Decrypt"))
    # Identical parameters (operations in any order): the same grant, a new token.
    again = create_grant(kms, key_id, "--grantee-principal", BOB, "--name", "n", operations=("Decrypt", "Encrypt"))
    assert again["GrantId"] == first["GrantId"]
    assert again["GrantToken"] != first["GrantToken"]
    # Different parameters under the same name: a new grant.
    other = create_grant(kms, key_id, "--grantee-principal", ALICE, "--name", "n", operations=("Encrypt", "Decrypt"))
    assert other["GrantId"] != first["GrantId"]
    # Without a name, identical requests make new grants.
    create_grant(kms, key_id, "--grantee-principal", BOB)
    create_grant(kms, key_id, "--grantee-principal", BOB)
    assert len(grants_of(kms, key_id)) == 4
    # Both tokens of the first grant work.
    for token in (first["GrantToken"], again["GrantToken"]):
        kms.ok("describe-key", "--key-id", key_id, "--grant-tokens", token)


@pytest.mark.parametrize(
    ("key_args", "operations", "refused"),
    [
        pytest.param((), ("Encrypt", "Sign", "Verify"), "[Sign, Verify]", id="sign-on-symmetric"),
        pytest.param(
            ("--key-spec", "RSA_2048", "--key-usage", "SIGN_VERIFY"),
            ("Sign", "Encrypt"),
            "[Encrypt]",
            id="encrypt-on-signing-key",
        ),
        pytest.param(
            ("--key-spec", "RSA_2048", "--key-usage", "ENCRYPT_DECRYPT"),
            ("GenerateDataKey",),
            "[GenerateDataKey]",
            id="data-key-on-rsa",
        ),
        pytest.param(
            ("--key-spec", "HMAC_256", "--key-usage", "GENERATE_VERIFY_MAC"),
            ("GetPublicKey",),
            "[GetPublicKey]",
            id="public-key-of-hmac",
        ),
        pytest.param(
            ("--key-spec", "ECC_NIST_P256", "--key-usage", "KEY_AGREEMENT"),
            ("Sign",),
            "[Sign]",
            id="sign-on-key-agreement",
        ),
        pytest.param((), ("GenerateMac",), "[GenerateMac]", id="mac-on-symmetric"),
    ],
)
def test_operations_must_suit_the_key(
    kms: KmsSession, key_args: tuple[str, ...], operations: tuple[str, ...], refused: str
) -> None:
    key_id = create_key(kms, *key_args)
    assert kms.error("create-grant", "--key-id", key_id, "--grantee-principal", BOB, "--operations", *operations) == (
        "ValidationException",
        f"Grant operations {refused} are not valid for this KMS key",
    )
    assert grants_of(kms, key_id) == []


@pytest.mark.parametrize(
    ("key_args", "operations"),
    [
        (
            (),
            (
                "Decrypt",
                "Encrypt",
                "GenerateDataKey",
                "GenerateDataKeyWithoutPlaintext",
                "GenerateDataKeyPair",
                "GenerateDataKeyPairWithoutPlaintext",
                "ReEncryptFrom",
                "ReEncryptTo",
                "CreateGrant",
                "RetireGrant",
                "DescribeKey",
            ),
        ),
        (
            ("--key-spec", "RSA_3072", "--key-usage", "ENCRYPT_DECRYPT"),
            (
                "Decrypt",
                "Encrypt",
                "ReEncryptFrom",
                "ReEncryptTo",
                "GetPublicKey",
                "CreateGrant",
                "RetireGrant",
                "DescribeKey",
            ),
        ),
        (("--key-spec", "ECC_NIST_P256", "--key-usage", "SIGN_VERIFY"), ("Sign", "Verify", "GetPublicKey")),
        (("--key-spec", "HMAC_512", "--key-usage", "GENERATE_VERIFY_MAC"), ("GenerateMac", "VerifyMac")),
        (("--key-spec", "ECC_NIST_P384", "--key-usage", "KEY_AGREEMENT"), ("DeriveSharedSecret", "GetPublicKey")),
        (
            ("--key-spec", "ML_KEM_768", "--key-usage", "ENCAPSULATE_DECAPSULATE"),
            ("Encapsulate", "Decapsulate", "GetPublicKey"),
        ),
    ],
)
def test_every_operation_a_key_allows(kms: KmsSession, key_args: tuple[str, ...], operations: tuple[str, ...]) -> None:
    key_id = create_key(kms, *key_args)
    create_grant(kms, key_id, "--grantee-principal", BOB, operations=operations)
    assert grants_of(kms, key_id)[0]["Operations"] == list(operations)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            (), "You must specify either GranteePrincipal or GranteeServicePrincipal, but not both.", id="no-grantee"
        ),
        pytest.param(
            ("--grantee-principal", BOB, "--grantee-service-principal", "s3.amazonaws.com"),
            "You must specify either GranteePrincipal or GranteeServicePrincipal, but not both.",
            id="two-grantees",
        ),
        pytest.param(
            (
                "--grantee-principal",
                BOB,
                "--retiring-principal",
                ALICE,
                "--retiring-service-principal",
                "s3.amazonaws.com",
            ),
            "You can specify either RetiringPrincipal or RetiringServicePrincipal, but not both.",
            id="two-retiring",
        ),
        pytest.param(
            ("--grantee-service-principal", "s3.amazonaws.com", "--retiring-principal", ALICE),
            "A grant for a GranteeServicePrincipal needs a SourceArn grant constraint",
            id="no-source-arn",
        ),
        pytest.param(
            (
                "--grantee-service-principal",
                "s3.amazonaws.com",
                "--constraints",
                "SourceArn=arn:aws:s3:us-west-2:111122223333:b",
            ),
            "A grant for a GranteeServicePrincipal needs a RetiringPrincipal or a RetiringServicePrincipal",
            id="no-retiring-for-service",
        ),
        pytest.param(
            (
                "--grantee-principal",
                BOB,
                "--constraints",
                '{"EncryptionContextEquals": {"a": "1", "b": "2", "c": "3", "d": "4", "e": "5", "f": "6", '
                '"g": "7", "h": "8", "i": "9"}}',
            ),
            "The EncryptionContextEquals grant constraint can have at most 8 key-value pairs",
            id="nine-pairs",
        ),
        pytest.param(
            ("--grantee-principal", BOB, "--constraints", f'{{"EncryptionContextSubset": {{"a": "{"v" * 385}"}}}}'),
            "The values of the EncryptionContextSubset grant constraint can be at most 384 characters long",
            id="long-value",
        ),
        pytest.param(
            ("--grantee-principal", "not a principal"),
            "1 validation error detected: Value 'not a principal' at 'granteePrincipal' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: ^[\\w+=,.@:/-]+$",
            id="principal-pattern",
        ),
        pytest.param(
            ("--grantee-principal", BOB, "--name", "a name"),
            "1 validation error detected: Value 'a name' at 'name' failed to satisfy constraint: Member must "
            "satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$",
            id="name-pattern",
        ),
    ],
)
def test_create_grant_validation(kms: KmsSession, args: tuple[str, ...], message: str) -> None:
    key_id = create_key(kms)
    assert kms.error("create-grant", "--key-id", key_id, "--operations", "Decrypt", *args) == (
        "ValidationException",
        message,
    )
    assert grants_of(kms, key_id) == []


def test_eight_pairs_of_384_characters_are_accepted(kms: KmsSession) -> None:
    key_id = create_key(kms)
    context = {f"k{i}": "v" * 384 for i in range(8)}
    create_grant(
        kms, key_id, "--grantee-principal", BOB, "--constraints", json.dumps({"EncryptionContextEquals": context})
    )
    assert grants_of(kms, key_id)[0]["Constraints"] == {"EncryptionContextEquals": context}


def test_encryption_context_constraints_need_a_symmetric_key(kms: KmsSession) -> None:
    key_id = create_key(kms, "--key-spec", "RSA_2048", "--key-usage", "ENCRYPT_DECRYPT")
    assert kms.error(
        "create-grant",
        "--key-id",
        key_id,
        "--grantee-principal",
        BOB,
        "--operations",
        "Decrypt",
        "--constraints",
        "EncryptionContextSubset={a=b}",
    ) == (
        "ValidationException",
        "Encryption context grant constraints are supported only for symmetric encryption KMS keys",
    )


def test_an_empty_operation_list_is_refused(kms: KmsSession) -> None:
    key_id = create_key(kms)
    assert kms.error("create-grant", "--key-id", key_id, "--grantee-principal", BOB, "--operations", "[]") == (
        "ValidationException",
        "1 validation error detected: Value '[]' at 'operations' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1",
    )


def test_create_grant_key_states(kms: KmsSession) -> None:
    key_id = create_key(kms)
    kms.ok("disable-key", "--key-id", key_id)
    args = ("--grantee-principal", BOB, "--operations", "Decrypt")
    assert kms.error("create-grant", "--key-id", key_id, *args) == ("DisabledException", f"{arn(key_id)} is disabled.")
    external = create_key(kms, "--origin", "EXTERNAL")
    assert kms.error("create-grant", "--key-id", external, *args) == (
        "KMSInvalidStateException",
        f"{arn(external)} is pending import.",
    )
    kms.ok("schedule-key-deletion", "--key-id", key_id, "--pending-window-in-days", "7")
    assert kms.error("create-grant", "--key-id", key_id, *args) == (
        "KMSInvalidStateException",
        f"{arn(key_id)} is pending deletion.",
    )
    kms.ok("create-alias", "--alias-name", "alias/g", "--target-key-id", external)
    assert kms.error("create-grant", "--key-id", "alias/g", *args) == ("NotFoundException", "Invalid keyId 'alias/g'")


def test_create_grant_dry_run_creates_nothing(kms: KmsSession) -> None:
    key_id = create_key(kms)
    assert kms.error(
        "create-grant", "--key-id", key_id, "--grantee-principal", BOB, "--operations", "Decrypt", "--dry-run"
    ) == ("DryRunOperationException", "The request would have succeeded, but the DryRun option is set.")
    assert grants_of(kms, key_id) == []


def test_the_50000_grant_quota(kms: KmsSession) -> None:
    from kmscli.core.records import Grant
    from kmscli.store import Store

    key_id = create_key(kms)
    # 49,999 grants written straight to the store (50,000 commands would take minutes).
    with Store(kms.state_dir).transaction(write=True, account_id="111122223333", region="us-west-2") as repo:
        for n in range(49_999):
            repo.put_grant(Grant(f"{n:064x}", key_id, START, ROOT, ("Decrypt",), grantee_principal=BOB))
    last = create_grant(kms, key_id, "--grantee-principal", BOB, "--name", "last")
    assert kms.error("create-grant", "--key-id", key_id, "--grantee-principal", BOB, "--operations", "Decrypt") == (
        "LimitExceededException",
        f"The request was rejected because the number of grants for {arn(key_id)} would exceed the quota of 50000.",
    )
    # Retrying the named grant is still answered: it adds no grant.
    assert create_grant(kms, key_id, "--grantee-principal", BOB, "--name", "last")["GrantId"] == last["GrantId"]
    kms.ok("revoke-grant", "--key-id", key_id, "--grant-id", f"{0:064x}")
    create_grant(kms, key_id, "--grantee-principal", BOB)
    # Another key has its own quota.
    create_grant(kms, create_key(kms), "--grantee-principal", BOB)


# ---------------------------------------------------------------- ListGrants paging and filters


def test_list_grants_pages_in_grant_id_order(kms: KmsSession) -> None:
    key_id = create_key(kms)
    ids = sorted(create_grant(kms, key_id, "--grantee-principal", BOB)["GrantId"] for _ in range(5))
    page = kms.ok("list-grants", "--key-id", key_id, "--limit", "2")
    assert ([g["GrantId"] for g in page["Grants"]], page["Truncated"]) == (ids[:2], True)
    second = kms.ok("list-grants", "--key-id", key_id, "--limit", "2", "--marker", page["NextMarker"])
    third = kms.ok("list-grants", "--key-id", key_id, "--limit", "2", "--marker", second["NextMarker"])
    assert [g["GrantId"] for g in second["Grants"]] == ids[2:4]
    assert ([g["GrantId"] for g in third["Grants"]], third["Truncated"], "NextMarker" in third) == (
        [ids[4]],
        False,
        False,
    )
    # The AWS CLI pages through everything by itself.
    assert [g["GrantId"] for g in grants_of(kms, key_id, "--page-size", "2")] == ids
    assert kms.error("list-grants", "--key-id", key_id, "--limit", "101") == (
        "ValidationException",
        "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: "
        "Member must have value less than or equal to 100",
    )
    assert kms.error("list-grants", "--key-id", key_id, "--marker", "bogus") == (
        "InvalidMarkerException",
        "The request was rejected because the marker that specifies where pagination should next begin is not valid.",
    )


def test_list_grants_filters(kms: KmsSession) -> None:
    key_id, other = create_key(kms), create_key(kms)
    bob = create_grant(kms, key_id, "--grantee-principal", BOB)
    alice = create_grant(kms, key_id, "--grantee-principal", ALICE)
    elsewhere = create_grant(kms, other, "--grantee-principal", BOB)
    assert [g["GrantId"] for g in grants_of(kms, key_id, "--grantee-principal", BOB)] == [bob["GrantId"]]
    assert [g["GrantId"] for g in grants_of(kms, key_id, "--grant-id", alice["GrantId"])] == [alice["GrantId"]]
    # Filters combine.
    assert grants_of(kms, key_id, "--grant-id", alice["GrantId"], "--grantee-principal", BOB) == []
    # A grant of another key is not one of this key's.
    assert grants_of(kms, key_id, "--grant-id", elsewhere["GrantId"]) == []
    assert kms.error("list-grants", "--key-id", key_id, "--grant-id", "not-a-grant-id") == (
        "InvalidGrantIdException",
        "Invalid grantId 'not-a-grant-id'",
    )
    assert kms.error(
        "list-grants", "--key-id", key_id, "--grantee-principal", BOB, "--grantee-service-principal", "s3.amazonaws.com"
    ) == ("ValidationException", "You can specify either GranteePrincipal or GranteeServicePrincipal, but not both.")


def test_list_grants_works_in_every_key_state_and_an_unknown_key_is_not_found(kms: KmsSession) -> None:
    key_id = create_key(kms)
    grant = create_grant(kms, key_id, "--grantee-principal", BOB)
    kms.ok("schedule-key-deletion", "--key-id", key_id, "--pending-window-in-days", "7")
    assert [g["GrantId"] for g in grants_of(kms, key_id)] == [grant["GrantId"]]
    unknown = "1234abcd-12ab-34cd-56ef-1234567890ab"
    assert kms.error("list-grants", "--key-id", unknown) == (
        "NotFoundException",
        f"Key '{arn(unknown)}' does not exist",
    )


# ---------------------------------------------------------------- ListRetirableGrants


def test_list_retirable_grants_across_keys(kms: KmsSession) -> None:
    first, second = create_key(kms), create_key(kms, "--key-spec", "HMAC_256", "--key-usage", "GENERATE_VERIFY_MAC")
    a = create_grant(kms, first, "--grantee-principal", BOB, "--retiring-principal", ALICE)
    b = create_grant(
        kms, second, "--grantee-principal", BOB, "--retiring-principal", ALICE, operations=("GenerateMac",)
    )
    create_grant(kms, first, "--grantee-principal", BOB, "--retiring-principal", BOB)
    s = create_grant(kms, first, "--grantee-principal", BOB, "--retiring-service-principal", "s3.amazonaws.com")
    doc = kms.ok("list-retirable-grants", "--retiring-principal", ALICE)
    assert_conforms("ListRetirableGrants", doc)
    expected = sorted([(a["GrantId"], arn(first)), (b["GrantId"], arn(second))])
    assert [(g["GrantId"], g["KeyId"]) for g in doc["Grants"]] == expected
    assert [
        g["GrantId"]
        for g in kms.ok("list-retirable-grants", "--retiring-service-principal", "s3.amazonaws.com")["Grants"]
    ] == [s["GrantId"]]
    page = kms.ok("list-retirable-grants", "--retiring-principal", ALICE, "--limit", "1")
    assert (len(page["Grants"]), page["Truncated"]) == (1, True)
    rest = kms.ok(
        "list-retirable-grants", "--retiring-principal", ALICE, "--limit", "1", "--marker", page["NextMarker"]
    )
    assert [g["GrantId"] for g in page["Grants"] + rest["Grants"]] == [e[0] for e in expected]
    for args in ((), ("--retiring-principal", ALICE, "--retiring-service-principal", "s3.amazonaws.com")):
        assert kms.error("list-retirable-grants", *args) == (
            "ValidationException",
            "You must specify either RetiringPrincipal or RetiringServicePrincipal, but not both.",
        )


def test_a_destroyed_key_takes_its_grants_and_tokens_along(kms: KmsSession) -> None:
    key_id, kept = create_key(kms), create_key(kms)
    gone = create_grant(kms, key_id, "--grantee-principal", BOB, "--retiring-principal", ALICE)
    stays = create_grant(kms, kept, "--grantee-principal", BOB, "--retiring-principal", ALICE)
    kms.ok("schedule-key-deletion", "--key-id", key_id, "--pending-window-in-days", "7")
    kms.advance(7 * DAY)
    grants = kms.ok("list-retirable-grants", "--retiring-principal", ALICE)["Grants"]
    assert [g["GrantId"] for g in grants] == [stays["GrantId"]]
    assert kms.error("describe-key", "--key-id", kept, "--grant-tokens", gone["GrantToken"]) == (
        "InvalidGrantTokenException",
        "Invalid grant token",
    )


# ---------------------------------------------------------------- RetireGrant and RevokeGrant


def test_retire_grant_by_token(kms: KmsSession) -> None:
    key_id = create_key(kms)
    grant = create_grant(kms, key_id, "--grantee-principal", BOB)
    assert kms.run("retire-grant", "--grant-token", grant["GrantToken"]).stdout == ""
    assert grants_of(kms, key_id) == []
    # The grant and its tokens are gone.
    assert kms.error("retire-grant", "--grant-token", grant["GrantToken"]) == (
        "InvalidGrantTokenException",
        "Invalid grant token",
    )
    assert kms.error("describe-key", "--key-id", key_id, "--grant-tokens", grant["GrantToken"]) == (
        "InvalidGrantTokenException",
        "Invalid grant token",
    )


def test_retire_grant_by_key_and_grant_id_in_any_state(kms: KmsSession) -> None:
    key_id = create_key(kms)
    grant = create_grant(kms, key_id, "--grantee-principal", BOB)
    kms.ok("disable-key", "--key-id", key_id)
    kms.ok("schedule-key-deletion", "--key-id", key_id, "--pending-window-in-days", "7")
    assert kms.ok("retire-grant", "--key-id", key_id, "--grant-id", grant["GrantId"]) == {}
    assert grants_of(kms, key_id) == []


def test_retire_grant_errors(kms: KmsSession) -> None:
    key_id, other = create_key(kms), create_key(kms)
    grant = create_grant(kms, key_id, "--grantee-principal", BOB)
    assert kms.error("retire-grant") == ("ValidationException", "Grant token OR (grant ID, key ID) must be specified")
    assert kms.error("retire-grant", "--grant-id", grant["GrantId"]) == (
        "ValidationException",
        "Grant token OR (grant ID, key ID) must be specified",
    )
    assert kms.error("retire-grant", "--grant-token", "x" * 43) == ("InvalidGrantTokenException", "Invalid grant token")
    assert kms.error("retire-grant", "--key-id", key_id, "--grant-id", "zz") == (
        "InvalidGrantIdException",
        "Invalid grantId 'zz'",
    )
    assert kms.error("retire-grant", "--key-id", key_id, "--grant-id", "0" * 64) == (
        "NotFoundException",
        f"Grant ID {'0' * 64} not found",
    )
    assert kms.error("retire-grant", "--key-id", other, "--grant-id", grant["GrantId"]) == (
        "NotFoundException",
        f"Grant ID {grant['GrantId']} not found",
    )
    assert kms.error("retire-grant", "--grant-token", grant["GrantToken"], "--dry-run") == (
        "DryRunOperationException",
        "The request would have succeeded, but the DryRun option is set.",
    )
    assert len(grants_of(kms, key_id)) == 1


def test_revoke_grant(kms: KmsSession) -> None:
    key_id = create_key(kms)
    grant = create_grant(kms, key_id, "--grantee-principal", BOB)
    assert kms.error("revoke-grant", "--key-id", key_id, "--grant-id", grant["GrantId"], "--dry-run") == (
        "DryRunOperationException",
        "The request would have succeeded, but the DryRun option is set.",
    )
    assert len(grants_of(kms, key_id)) == 1
    kms.ok("disable-key", "--key-id", key_id)
    assert kms.run("revoke-grant", "--key-id", key_id, "--grant-id", grant["GrantId"]).stdout == ""
    assert grants_of(kms, key_id) == []
    assert kms.error("revoke-grant", "--key-id", key_id, "--grant-id", grant["GrantId"]) == (
        "NotFoundException",
        f"Grant ID {grant['GrantId']} not found",
    )
    assert kms.error("revoke-grant", "--key-id", key_id, "--grant-id", "G") == (
        "InvalidGrantIdException",
        "Invalid grantId 'G'",
    )
