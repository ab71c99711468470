"""The console's default key policy, statement by statement, as the KMS Developer Guide documents it.

The expected statements below are written out from the guide's "Default key policy" page (and,
for HMAC keys, its "Controlling access to HMAC KMS keys" page), not from the module's tables, so
a wrong action list in the generator fails here.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from kmscli.core import console
from kmscli.core.errors import MalformedPolicyDocumentException
from kmscli.core.policy import check_policy, default_key_policy

ACCOUNT = "111122223333"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
KEY_ARN = f"arn:aws:kms:us-west-2:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ADMIN = f"arn:aws:iam::{ACCOUNT}:role/KMSAdminRole"
ADMIN_USER = f"arn:aws:iam::{ACCOUNT}:user/KMSAdminUser"
USER = f"arn:aws:iam::{ACCOUNT}:user/ExampleUser"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/ExampleRole"
OTHER = "444455556666"

ACCOUNT_STATEMENT = {
    "Sid": "Enable IAM User Permissions",
    "Effect": "Allow",
    "Principal": {"AWS": ROOT},
    "Action": "kms:*",
    "Resource": "*",
}
ADMIN_ACTIONS = [
    "kms:Create*",
    "kms:Describe*",
    "kms:Enable*",
    "kms:List*",
    "kms:Put*",
    "kms:Update*",
    "kms:Revoke*",
    "kms:Disable*",
    "kms:Get*",
    "kms:Delete*",
    "kms:TagResource",
    "kms:UntagResource",
]
DELETION = ["kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion"]
USER_ACTIONS = {
    "symmetric": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
    "hmac": ["kms:DescribeKey", "kms:GenerateMac", "kms:VerifyMac"],
    "rsa-encryption": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:DescribeKey", "kms:GetPublicKey"],
    "signing": ["kms:DescribeKey", "kms:GetPublicKey", "kms:Sign", "kms:Verify"],
    "key-agreement": ["kms:DescribeKey", "kms:GetPublicKey", "kms:DeriveSharedSecret"],
}
GRANT_ACTIONS = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"]


def principal(*arns: str) -> dict[str, Any]:
    return {"AWS": arns[0] if len(arns) == 1 else list(arns)}


def admin_statement(actions: list[str], *arns: str) -> dict[str, Any]:
    return {
        "Sid": "Allow access for Key Administrators",
        "Effect": "Allow",
        "Principal": principal(*arns),
        "Action": actions,
        "Resource": "*",
    }


def user_statements(kind: str, *arns: str) -> list[dict[str, Any]]:
    use = {
        "Sid": "Allow use of the key",
        "Effect": "Allow",
        "Principal": principal(*arns),
        "Action": USER_ACTIONS[kind],
        "Resource": "*",
    }
    if kind == "hmac":
        return [use]
    grants = {
        "Sid": "Allow attachment of persistent resources",
        "Effect": "Allow",
        "Principal": principal(*arns),
        "Action": GRANT_ACTIONS,
        "Resource": "*",
        "Condition": {"Bool": {"kms:GrantIsForAWSResource": True}},
    }
    return [use, grants]


def document(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Id": "key-consolepolicy-3", "Statement": list(statements)}


KEY_TYPES = [
    pytest.param("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", "symmetric", id="symmetric"),
    pytest.param("RSA_3072", "ENCRYPT_DECRYPT", "rsa-encryption", id="rsa-encryption"),
    pytest.param("RSA_2048", "SIGN_VERIFY", "signing", id="rsa-signing"),
    pytest.param("ECC_NIST_P384", "SIGN_VERIFY", "signing", id="ecc-signing"),
    pytest.param("HMAC_256", "GENERATE_VERIFY_MAC", "hmac", id="hmac"),
    pytest.param("ECC_NIST_P256", "KEY_AGREEMENT", "key-agreement", id="key-agreement"),
]


def policy_of(**answers: Any) -> str:
    return console.console_key_policy("aws", ACCOUNT, console.ConsoleKeyRequest(alias_name="alias/example", **answers))


def assert_valid(text: str) -> None:
    check_policy(text, caller_arn=ROOT, key_arn=KEY_ARN, bypass_lockout_check=False)


@pytest.mark.parametrize(("key_spec", "key_usage", "kind"), KEY_TYPES)
@pytest.mark.parametrize("deletion", [True, False], ids=["admins-may-delete", "admins-may-not-delete"])
def test_policy_per_key_type_and_deletion_choice(key_spec: str, key_usage: str, kind: str, deletion: bool) -> None:
    text = policy_of(
        key_spec=key_spec,
        key_usage=key_usage,
        key_administrators=(ADMIN_USER, ADMIN),
        allow_administrator_deletion=deletion,
        key_users=(USER,),
    )
    expected = document(
        ACCOUNT_STATEMENT,
        admin_statement(ADMIN_ACTIONS + (DELETION if deletion else []), ADMIN_USER, ADMIN),
        *user_statements(kind, USER),
    )
    assert json.loads(text) == expected
    assert_valid(text)


@pytest.mark.parametrize(("key_spec", "key_usage", "kind"), KEY_TYPES)
def test_other_accounts_join_both_key_user_statements(key_spec: str, key_usage: str, kind: str) -> None:
    text = policy_of(
        key_spec=key_spec, key_usage=key_usage, key_users=(USER, ROLE), other_accounts=(OTHER, "555566667777")
    )
    users = (USER, ROLE, f"arn:aws:iam::{OTHER}:root", "arn:aws:iam::555566667777:root")
    assert json.loads(text) == document(ACCOUNT_STATEMENT, *user_statements(kind, *users))
    assert_valid(text)


def test_other_accounts_alone_make_the_key_user_statements() -> None:
    text = policy_of(other_accounts=(OTHER,))
    assert json.loads(text) == document(ACCOUNT_STATEMENT, *user_statements("symmetric", f"arn:aws:iam::{OTHER}:root"))


def test_no_administrators_and_no_users_leaves_the_account_statement_alone() -> None:
    text = policy_of(allow_administrator_deletion=False)
    assert json.loads(text) == document(ACCOUNT_STATEMENT)
    assert_valid(text)


@pytest.mark.parametrize(
    ("answers", "extra"),
    [
        pytest.param({"origin": "EXTERNAL"}, ["kms:ImportKeyMaterial"], id="imported-key-material"),
        pytest.param({"multi_region": True}, ["kms:ReplicateKey", "kms:UpdatePrimaryRegion"], id="multi-region"),
        pytest.param(
            {"origin": "EXTERNAL", "multi_region": True},
            ["kms:ImportKeyMaterial", "kms:ReplicateKey", "kms:UpdatePrimaryRegion"],
            id="both",
        ),
    ],
)
def test_special_purpose_keys_add_administrator_actions(answers: dict[str, Any], extra: list[str]) -> None:
    text = policy_of(key_administrators=(ADMIN,), **answers)
    assert json.loads(text) == document(ACCOUNT_STATEMENT, admin_statement(ADMIN_ACTIONS + DELETION + extra, ADMIN))


def test_partition_and_account_come_from_the_key() -> None:
    req = console.ConsoleKeyRequest(alias_name="alias/x", other_accounts=(OTHER,))
    doc = json.loads(console.console_key_policy("aws-us-gov", "999988887777", req))
    assert doc["Statement"][0]["Principal"] == {"AWS": "arn:aws-us-gov:iam::999988887777:root"}
    assert doc["Statement"][1]["Principal"] == {"AWS": f"arn:aws-us-gov:iam::{OTHER}:root"}


# The text KMS would store: Jackson's pretty-printer, as the guide shows for CreateKey's policy.
CONSOLE_POLICY_TEXT = """{
  "Version" : "2012-10-17",
  "Id" : "key-consolepolicy-3",
  "Statement" : [ {
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::111122223333:root"
    },
    "Action" : "kms:*",
    "Resource" : "*"
  }, {
    "Sid" : "Allow access for Key Administrators",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::111122223333:role/KMSAdminRole"
    },
    "Action" : [ "kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", \
"kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource", \
"kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion" ],
    "Resource" : "*"
  }, {
    "Sid" : "Allow use of the key",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : [ "arn:aws:iam::111122223333:user/ExampleUser", "arn:aws:iam::444455556666:root" ]
    },
    "Action" : [ "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey" ],
    "Resource" : "*"
  }, {
    "Sid" : "Allow attachment of persistent resources",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : [ "arn:aws:iam::111122223333:user/ExampleUser", "arn:aws:iam::444455556666:root" ]
    },
    "Action" : [ "kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant" ],
    "Resource" : "*",
    "Condition" : {
      "Bool" : {
        "kms:GrantIsForAWSResource" : true
      }
    }
  } ]
}"""


def test_policy_text_is_formatted_as_kms_stores_policies() -> None:
    text = policy_of(key_administrators=(ADMIN,), key_users=(USER,), other_accounts=(OTHER,))
    assert text == CONSOLE_POLICY_TEXT


def test_jackson_formatting_reproduces_the_seeds_default_policy_byte_for_byte() -> None:
    seed = default_key_policy("aws", ACCOUNT)
    assert console.jackson(json.loads(seed)) == seed


@pytest.mark.parametrize(
    ("value", "text"),
    [
        pytest.param({}, "{ }", id="empty-object"),
        pytest.param([], "[ ]", id="empty-array"),
        pytest.param({"a": [1, "x", False, None]}, '{\n  "a" : [ 1, "x", false, null ]\n}', id="scalars"),
        pytest.param([{"a": {"b": "c"}}], '[ {\n  "a" : {\n    "b" : "c"\n  }\n} ]', id="objects-in-array"),
    ],
)
def test_jackson_layout(value: Any, text: str) -> None:
    assert console.jackson(value) == text


def test_the_lockout_check_holds_for_a_caller_of_the_account() -> None:
    text = policy_of(key_users=(USER,))
    check_policy(text, caller_arn=ROLE, key_arn=KEY_ARN, bypass_lockout_check=False)
    with pytest.raises(MalformedPolicyDocumentException) as refused:
        check_policy(text, caller_arn="arn:aws:iam::999999999999:root", key_arn=KEY_ARN, bypass_lockout_check=False)
    assert refused.value.message == "The new key policy will not allow you to update the key policy in the future."
