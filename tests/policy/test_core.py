"""Key policies: the default text, document checks and the lockout safety check."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kmscli.core.errors import KmsError, LimitExceededException, MalformedPolicyDocumentException
from kmscli.core.policy import check_policy, default_key_policy

ACCOUNT = "111122223333"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
KEY_ARN = f"arn:aws:kms:us-west-2:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
MALFORMED = "Policy document is malformed"
BAD_PRINCIPAL = "Policy contains a statement with one or more invalid principals."
LOCKOUT = "The new key policy will not allow you to update the key policy in the future."

# The Developer Guide's "Creating keys" `get-key-policy --output text` output, byte for byte (no trailing newline).
SEED_DEFAULT_POLICY = """{
  "Version" : "2012-10-17",
  "Id" : "key-default-1",
  "Statement" : [ {
    "Sid" : "Enable IAM policies",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::111122223333:root"
    },
    "Action" : "kms:*",
    "Resource" : "*"
  } ]
}"""


def test_default_key_policy_is_the_seeds_text() -> None:
    assert default_key_policy("aws", ACCOUNT) == SEED_DEFAULT_POLICY


def test_default_key_policy_names_partition_and_account() -> None:
    assert default_key_policy("aws-cn", "444455556666") == SEED_DEFAULT_POLICY.replace(
        "arn:aws:iam::111122223333:root", "arn:aws-cn:iam::444455556666:root"
    )


def test_default_key_policy_passes_its_own_checks() -> None:
    check_policy(SEED_DEFAULT_POLICY, caller_arn=ROOT, key_arn=KEY_ARN, bypass_lockout_check=False)


def statement(**fields: Any) -> dict[str, Any]:
    """An Allow of kms:* for the account root, with `fields` replacing or (as None) removing members."""
    st: dict[str, Any] = {"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:*", "Resource": "*"}
    st.update(fields)
    return {k: v for k, v in st.items() if v is not None}


def document(*statements: dict[str, Any], **fields: Any) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements), **fields})


def check(text: str, *, caller_arn: str = ROOT, bypass: bool = False) -> None:
    check_policy(text, caller_arn=caller_arn, key_arn=KEY_ARN, bypass_lockout_check=bypass)


def refusal(text: str, *, caller_arn: str = ROOT, bypass: bool = False) -> tuple[type[KmsError], str, str]:
    with pytest.raises(KmsError) as caught:
        check(text, caller_arn=caller_arn, bypass=bypass)
    return type(caught.value), caught.value.code, caught.value.message


# ---------------------------------------------------------------- size


def padded(size: int) -> str:
    """A valid policy of exactly `size` bytes (JSON allows trailing whitespace)."""
    text = document(statement())
    return text + " " * (size - len(text.encode()))


def test_policy_of_exactly_32768_bytes_is_accepted() -> None:
    text = padded(32768)
    assert len(text.encode()) == 32768
    check(text)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(padded(32769), id="valid-but-one-byte-too-long"),
        pytest.param("x" * 40000, id="size-checked-before-json"),
        # 16,385 characters but 32,770 UTF-8 bytes: the limit counts bytes.
        pytest.param("\u00e9" * 16385, id="counts-utf8-bytes"),
    ],
)
def test_policy_larger_than_32768_bytes(text: str) -> None:
    assert refusal(text) == (
        LimitExceededException,
        "LimitExceededException",
        "Policy exceeds the maximum allowed size of 32768 bytes",
    )


# ---------------------------------------------------------------- malformed documents


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("not json", id="not-json"),
        pytest.param('{"Statement": [', id="truncated-json"),
        pytest.param("[]", id="json-array"),
        pytest.param('"policy"', id="json-string"),
        pytest.param("{}", id="no-statement"),
        pytest.param(json.dumps({"Version": "2012-10-17", "Id": "x"}), id="only-version-and-id"),
        pytest.param(json.dumps({"Statement": []}), id="empty-statement-list"),
        pytest.param(json.dumps({"Statement": "Allow"}), id="statement-is-a-string"),
        pytest.param(json.dumps({"Statement": [statement(), 1]}), id="statement-entry-not-an-object"),
        pytest.param(document(statement(Effect="Maybe")), id="bad-effect"),
        pytest.param(document(statement(Effect="allow")), id="effect-is-case-sensitive"),
        pytest.param(document(statement(Effect=None)), id="missing-effect"),
        pytest.param(document(statement(Principal=None)), id="missing-principal"),
        pytest.param(document(statement(), Version="2020-01-01"), id="bad-version"),
        pytest.param(document(statement(), statement(Principal=None)), id="second-statement-bad"),
    ],
)
def test_malformed_policy(text: str) -> None:
    assert refusal(text) == (MalformedPolicyDocumentException, "MalformedPolicyDocumentException", MALFORMED)


def test_malformed_policy_is_refused_even_with_bypass() -> None:
    assert refusal(document(statement(Effect="Maybe")), bypass=True)[2] == MALFORMED


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(document(statement(), Version="2008-10-17"), id="version-2008"),
        pytest.param(json.dumps({"Statement": [statement()]}), id="no-version"),
        pytest.param(json.dumps({"Statement": statement()}), id="statement-as-an-object"),
        pytest.param(document(statement(Sid="Enable IAM policies")), id="sid-with-spaces"),
        pytest.param(
            document(statement(), {"Effect": "Allow", "Principal": "*"}), id="statement-without-action-or-resource"
        ),
        pytest.param(document(statement(Principal=None, NotPrincipal={"AWS": "*"}), statement()), id="not-principal"),
    ],
)
def test_well_formed_policy(text: str) -> None:
    check(text)


# ---------------------------------------------------------------- principals


@pytest.mark.parametrize(
    "principal",
    [
        pytest.param("*", id="star"),
        pytest.param({"AWS": "*"}, id="aws-star"),
        pytest.param({"AWS": ACCOUNT}, id="account-id"),
        pytest.param({"AWS": ROOT}, id="account-root"),
        pytest.param({"AWS": "arn:aws:iam::444455556666:user/alice"}, id="user"),
        pytest.param({"AWS": "arn:aws:iam::444455556666:role/path/Admin"}, id="role"),
        pytest.param({"AWS": "arn:aws:sts::444455556666:assumed-role/Admin/session"}, id="assumed-role"),
        pytest.param({"AWS": "arn:aws-cn:iam::444455556666:root"}, id="china-partition"),
        pytest.param({"AWS": [ROOT, "444455556666"]}, id="aws-list"),
        pytest.param({"Service": "logs.us-west-2.amazonaws.com"}, id="service"),
        pytest.param({"Service": ["s3.amazonaws.com", "logs.amazonaws.com.cn"]}, id="service-list"),
        pytest.param({"Federated": "cognito-identity.amazonaws.com"}, id="federated"),
        pytest.param({"AWS": ROOT, "Service": "s3.amazonaws.com"}, id="several-kinds"),
    ],
)
def test_valid_principals(principal: Any) -> None:
    # A second statement keeps the lockout check satisfied whatever the principal under test.
    check(document(statement(), statement(Principal=principal, Action="kms:Encrypt")))


@pytest.mark.parametrize(
    "principal",
    [
        pytest.param("root", id="bare-string"),
        pytest.param({}, id="empty-object"),
        pytest.param({"AWS": "alice"}, id="not-an-arn"),
        pytest.param({"AWS": "arn:aws:iam::12345:root"}, id="short-account"),
        pytest.param({"AWS": "12345678901"}, id="eleven-digit-account"),
        pytest.param({"AWS": "arn:aws:iam::444455556666:group/Admins"}, id="group"),
        pytest.param({"AWS": [ROOT, "nobody"]}, id="one-bad-in-list"),
        pytest.param({"AWS": []}, id="empty-list"),
        pytest.param({"AWS": 444455556666}, id="number"),
        pytest.param({"Service": "kms"}, id="bad-service"),
        pytest.param({"CanonicalUser": "79a59df900b949e55d96a1e698fbaced"}, id="unknown-kind"),
        pytest.param(["*"], id="list-principal"),
    ],
)
def test_invalid_principals(principal: Any) -> None:
    text = document(statement(), statement(Principal=principal))
    assert refusal(text) == (MalformedPolicyDocumentException, "MalformedPolicyDocumentException", BAD_PRINCIPAL)


def test_invalid_not_principal() -> None:
    text = document(statement(), statement(Principal=None, NotPrincipal={"AWS": "alice"}))
    assert refusal(text)[2] == BAD_PRINCIPAL


def test_invalid_principal_is_refused_even_with_bypass() -> None:
    assert refusal(document(statement(Principal={"AWS": "alice"})), bypass=True)[2] == BAD_PRINCIPAL


# ---------------------------------------------------------------- lockout safety check

USER = f"arn:aws:iam::{ACCOUNT}:user/alice"


@pytest.mark.parametrize(
    ("text", "caller_arn"),
    [
        pytest.param(document(statement()), ROOT, id="allow-kms-star-for-root"),
        pytest.param(document(statement()), USER, id="user-matched-by-account-root"),
        pytest.param(
            document(statement()), f"arn:aws:sts::{ACCOUNT}:assumed-role/Admin/s1", id="assumed-role-via-root"
        ),
        pytest.param(document(statement(Principal={"AWS": USER})), USER, id="caller-arn-itself"),
        pytest.param(document(statement(Principal={"AWS": ACCOUNT})), USER, id="bare-account-id"),
        pytest.param(document(statement(Principal="*")), USER, id="star-principal"),
        pytest.param(document(statement(Principal={"AWS": "*"})), USER, id="aws-star-principal"),
        pytest.param(document(statement(Action="*")), ROOT, id="action-star"),
        pytest.param(document(statement(Action="kms:Put*")), ROOT, id="wildcard-put"),
        pytest.param(document(statement(Action="kms:PutKeyPolicy")), ROOT, id="exact-action"),
        pytest.param(document(statement(Action="KMS:putkeypolicy")), ROOT, id="action-case-insensitive"),
        pytest.param(document(statement(Action=["kms:Encrypt", "kms:PutKeyPolicy"])), ROOT, id="action-list"),
        pytest.param(document(statement(Resource=KEY_ARN)), ROOT, id="resource-is-the-key"),
        pytest.param(document(statement(Resource=["*"])), ROOT, id="resource-list"),
        pytest.param(
            document(statement(), statement(Effect="Deny", Action="kms:ScheduleKeyDeletion")),
            ROOT,
            id="deny-of-another-action",
        ),
        pytest.param(
            document(statement(), statement(Effect="Deny", Principal={"AWS": "arn:aws:iam::444455556666:root"})),
            ROOT,
            id="deny-for-another-account",
        ),
        pytest.param(
            document(statement(), statement(Effect="Deny", Principal=None, NotPrincipal={"AWS": ROOT})),
            ROOT,
            id="deny-for-everyone-but-the-caller",
        ),
        pytest.param(
            document(statement(Principal={"AWS": "arn:aws-cn:iam::111122223333:root"})),
            "arn:aws-cn:iam::111122223333:user/alice",
            id="china-user-matched-by-china-root",
        ),
    ],
)
def test_lockout_check_passes(text: str, caller_arn: str) -> None:
    check(text, caller_arn=caller_arn)


@pytest.mark.parametrize(
    ("text", "caller_arn"),
    [
        pytest.param(document(statement(Action="kms:Encrypt")), ROOT, id="allow-only-encrypt"),
        pytest.param(document(statement(Action="kms:Get*")), ROOT, id="wildcard-not-matching"),
        pytest.param(
            document(statement(), statement(Effect="Deny", Action="kms:PutKeyPolicy")), ROOT, id="deny-put-key-policy"
        ),
        pytest.param(document(statement(), statement(Effect="Deny", Principal="*")), USER, id="deny-everything"),
        pytest.param(
            document(statement(Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})),
            ROOT,
            id="condition-on-the-allow",
        ),
        pytest.param(
            document(statement(Principal={"AWS": "arn:aws:iam::111122223333:user/bob"})), USER, id="another-user"
        ),
        pytest.param(
            document(statement(Principal={"AWS": "arn:aws:iam::444455556666:root"})), ROOT, id="another-account"
        ),
        pytest.param(
            document(statement(Principal={"Service": "logs.amazonaws.com"})), ROOT, id="service-principal-only"
        ),
        pytest.param(
            document(statement(Resource="arn:aws:kms:us-west-2:111122223333:key/other")), ROOT, id="another-resource"
        ),
        pytest.param(document(statement(Resource=None)), ROOT, id="no-resource"),
        pytest.param(document(statement(Action=None)), ROOT, id="no-action"),
        pytest.param(document(statement(Action=None, NotAction="kms:Encrypt")), ROOT, id="not-action-never-matches"),
        pytest.param(
            document(statement(Principal=None, NotPrincipal={"AWS": "arn:aws:iam::444455556666:root"})),
            ROOT,
            id="allow-with-not-principal",
        ),
    ],
)
def test_lockout_check_fails(text: str, caller_arn: str) -> None:
    assert refusal(text, caller_arn=caller_arn) == (
        MalformedPolicyDocumentException,
        "MalformedPolicyDocumentException",
        LOCKOUT,
    )


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(document(statement(Action="kms:Encrypt")), id="allow-only-encrypt"),
        pytest.param(document(statement(), statement(Effect="Deny", Action="kms:*")), id="deny-everything"),
    ],
)
def test_bypass_skips_the_lockout_check(text: str) -> None:
    check(text, bypass=True)
