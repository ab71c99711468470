"""Authorization end to end through the CLI: the identities file, the caller, refusals, audit, --debug."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.kms_session import ACCOUNT, KmsSession, make_session

ROLE = f"arn:aws:iam::{ACCOUNT}:role/App"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/App/app"
OTHER = f"arn:aws:iam::{ACCOUNT}:role/Other"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def use_keys(resource: str = "*") -> dict[str, Any]:
    return {
        "PolicyName": "use-keys",
        "PolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": resource}],
        },
    }


def principals(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"Principals": list(entries)}


APP = {
    "Arn": ROLE,
    "SessionName": "app",
    "Profiles": ["app"],
    "AccessKeys": [{"AccessKeyId": "AKIAAPPROLE000000001", "SecretAccessKey": SECRET}],
    "Tags": [{"Key": "team", "Value": "payments"}],
    "Policies": [use_keys()],
}
NO_POLICY = {"Arn": OTHER, "Profiles": ["other"]}


@pytest.fixture
def kms(tmp_path: Path, private_keys: Callable[[str], bytes], monkeypatch: pytest.MonkeyPatch) -> KmsSession:
    return make_session(tmp_path, private_keys, monkeypatch)


def write_identities(kms: KmsSession, doc: Any) -> Path:
    kms.state_dir.mkdir(parents=True, exist_ok=True)
    path = kms.state_dir / "identities.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc, indent=2), encoding="utf-8")
    return path


def new_key(kms: KmsSession, *args: str) -> str:
    return kms.ok("create-key", *args)["KeyMetadata"]["Arn"]


def denied(kms: KmsSession, action: str, key: str, reason: str, caller: str = SESSION) -> str:
    return f"User: {caller} is not authorized to perform: kms:{action} on resource: {key} {reason}"


def test_an_iam_policy_lets_a_role_use_a_key_of_the_default_policy(kms: KmsSession) -> None:
    key = new_key(kms)
    write_identities(kms, principals(APP, NO_POLICY))
    blob = kms.ok("encrypt", "--key-id", key, "--plaintext", "hi", "--profile", "app")["CiphertextBlob"]
    assert (
        kms.ok(
            "decrypt",
            "--cli-binary-format",
            "base64",
            "--ciphertext-blob",
            blob,
            "--profile",
            "app",
            "--query",
            "KeyId",
        )
        == key
    )
    assert kms.error("encrypt", "--key-id", key, "--plaintext", "hi", "--profile", "other") == (
        "AccessDeniedException",
        denied(
            kms,
            "Encrypt",
            key,
            "because no identity-based policy allows the kms:Encrypt action",
            f"arn:aws:sts::{ACCOUNT}:assumed-role/Other/kmscli",
        ),
    )
    # The role's policy gives Encrypt and Decrypt only.
    assert kms.error("disable-key", "--key-id", key, "--profile", "app") == (
        "AccessDeniedException",
        denied(kms, "DisableKey", key, "because no identity-based policy allows the kms:DisableKey action"),
    )
    # Nothing was written: the key is still enabled.
    assert kms.ok("describe-key", "--key-id", key)["KeyMetadata"]["Enabled"] is True


def test_kmscli_caller_arn_without_a_file_has_no_identity_policies(kms: KmsSession) -> None:
    key = new_key(kms)
    kms.environ["KMSCLI_CALLER_ARN"] = f"arn:aws:iam::{ACCOUNT}:role/Nobody"
    nobody = f"arn:aws:sts::{ACCOUNT}:assumed-role/Nobody/kmscli"
    assert kms.error("encrypt", "--key-id", key, "--plaintext", "hi") == (
        "AccessDeniedException",
        denied(kms, "Encrypt", key, "because no identity-based policy allows the kms:Encrypt action", nobody),
    )
    assert kms.error("create-key") == (
        "AccessDeniedException",
        f"User: {nobody} is not authorized to perform: kms:CreateKey on resource: * "
        "because no identity-based policy allows the kms:CreateKey action",
    )
    # The same ARN, declared in the identities file with a policy, is allowed.
    write_identities(kms, principals({"Arn": f"arn:aws:iam::{ACCOUNT}:role/Nobody", "Policies": [use_keys(key)]}))
    assert kms.ok("encrypt", "--key-id", key, "--plaintext", "hi", "--query", "KeyId") == key


def test_a_key_policy_naming_the_role_needs_no_iam_policy(kms: KmsSession) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Admins",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {"Sid": "Users", "Effect": "Allow", "Principal": {"AWS": OTHER}, "Action": "kms:Encrypt", "Resource": "*"},
        ],
    }
    key = new_key(kms, "--policy", json.dumps(policy))
    write_identities(kms, principals(APP, NO_POLICY))
    assert kms.ok("encrypt", "--key-id", key, "--plaintext", "hi", "--profile", "other", "--query", "KeyId") == key


def test_an_explicit_deny_on_an_encryption_context_value_wins(kms: KmsSession) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "NoProd",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "kms:Encrypt",
                "Resource": "*",
                "Condition": {"StringEquals": {"kms:EncryptionContext:stage": "prod"}},
            },
        ],
    }
    key = new_key(kms, "--policy", json.dumps(policy))
    write_identities(kms, principals(APP))
    common = ("encrypt", "--key-id", key, "--plaintext", "hi", "--profile", "app")
    assert kms.ok(*common, "--encryption-context", "stage=test", "--query", "KeyId") == key
    assert kms.error(*common, "--encryption-context", "stage=prod") == (
        "AccessDeniedException",
        denied(kms, "Encrypt", key, "with an explicit deny in a resource-based policy"),
    )
    # The root user too: the Deny names everyone.
    root = f"arn:aws:iam::{ACCOUNT}:root"
    assert kms.error("encrypt", "--key-id", key, "--plaintext", "hi", "--encryption-context", "stage=prod") == (
        "AccessDeniedException",
        denied(kms, "Encrypt", key, "with an explicit deny in a resource-based policy", root),
    )


def test_a_grant_lets_its_grantee_decrypt(kms: KmsSession) -> None:
    key = new_key(kms)
    write_identities(kms, principals(APP, NO_POLICY))
    blob = kms.ok("encrypt", "--key-id", key, "--plaintext", "hi", "--encryption-context", "app=x")["CiphertextBlob"]
    decrypt = (
        "decrypt",
        "--cli-binary-format",
        "base64",
        "--ciphertext-blob",
        blob,
        "--encryption-context",
        "app=x",
        "--profile",
        "other",
    )
    # Named only by the ciphertext, a key the caller may not use gets KMS's ciphertext wording.
    assert kms.error(*decrypt) == (
        "AccessDeniedException",
        "The ciphertext refers to a customer master key that does not exist, does not exist in this region, "
        "or you are not allowed to access.",
    )
    grant = kms.ok("create-grant", "--key-id", key, "--grantee-principal", OTHER, "--operations", "Decrypt")
    assert kms.ok(*decrypt, "--query", "KeyId") == key
    # The grant gives Decrypt only.
    assert (
        kms.error("encrypt", "--key-id", key, "--plaintext", "hi", "--profile", "other")[0] == "AccessDeniedException"
    )
    # The grantee may not retire a grant that does not include RetireGrant; the root user of its account may.
    assert kms.error("retire-grant", "--key-id", key, "--grant-id", grant["GrantId"], "--profile", "other")[0] == (
        "AccessDeniedException"
    )
    kms.ok("retire-grant", "--key-id", key, "--grant-id", grant["GrantId"])
    assert kms.error(*decrypt)[0] == "AccessDeniedException"


def test_the_retiring_principal_may_retire(kms: KmsSession) -> None:
    key = new_key(kms)
    write_identities(kms, principals(APP, NO_POLICY))
    grant = kms.ok(
        "create-grant",
        "--key-id",
        key,
        "--grantee-principal",
        ROLE,
        "--retiring-principal",
        OTHER,
        "--operations",
        "Encrypt",
    )
    kms.ok("retire-grant", "--grant-token", grant["GrantToken"], "--profile", "other")
    assert kms.ok("list-grants", "--key-id", key) == {"Grants": []}


def test_audit_allows_and_reports(kms: KmsSession) -> None:
    key = new_key(kms)
    write_identities(kms, principals(NO_POLICY))
    kms.environ["KMSCLI_AUTHORIZATION"] = "audit"
    result = kms.run("encrypt", "--key-id", key, "--plaintext", "hi", "--profile", "other", "--query", "KeyId")
    assert (result.exit_code, json.loads(result.stdout)) == (0, key)
    caller = f"arn:aws:sts::{ACCOUNT}:assumed-role/Other/kmscli"
    assert (
        result.stderr
        == "kmscli audit: would refuse: "
        + denied(kms, "Encrypt", key, "because no identity-based policy allows the kms:Encrypt action", caller)
        + "\n"
    )
    kms.environ["KMSCLI_AUTHORIZATION"] = "off"
    result = kms.run("encrypt", "--key-id", key, "--plaintext", "hi", "--profile", "other", "--query", "KeyId")
    assert (result.exit_code, result.stderr) == (0, "")


def test_an_unknown_authorization_mode_is_refused_before_anything_runs(kms: KmsSession) -> None:
    kms.environ["KMSCLI_AUTHORIZATION"] = "permissive"
    result = kms.run("create-key")
    assert (result.exit_code, result.stdout) == (255, "")
    assert result.stderr == "\nKMSCLI_AUTHORIZATION must be enforce, audit or off, not 'permissive'\n"
    del kms.environ["KMSCLI_AUTHORIZATION"]
    assert kms.ok("list-keys") == {"Keys": []}


def test_debug_names_the_deciding_statement(kms: KmsSession) -> None:
    key = new_key(kms)
    # Without an identities file or a named caller, nothing is evaluated unless asked for.
    result = kms.run("describe-key", "--key-id", key, "--debug", "--query", "KeyMetadata.KeyId")
    assert [line for line in result.stderr.splitlines() if "authorization:" in line] == []
    kms.environ["KMSCLI_AUTHORIZATION"] = "enforce"
    result = kms.run("describe-key", "--key-id", key, "--debug", "--query", "KeyMetadata.KeyId")
    assert result.exit_code == 0
    lines = [line for line in result.stderr.splitlines() if "authorization:" in line]
    assert lines == [
        f"kmscli debug: authorization: kms:DescribeKey on {key} by arn:aws:iam::{ACCOUNT}:root: allowed; "
        f"Allow by resource policy {key} 'Enable IAM policies' at line 4"
    ]


def test_via_service_opens_an_aws_managed_key(kms: KmsSession) -> None:
    write_identities(kms, principals({**APP, "Policies": []}))
    key = kms.ok("describe-key", "--key-id", "alias/aws/s3")["KeyMetadata"]["Arn"]
    encrypt = ("encrypt", "--key-id", "alias/aws/s3", "--plaintext", "hi", "--profile", "app", "--query", "KeyId")
    assert kms.error(*encrypt[:-2]) == (
        "AccessDeniedException",
        denied(kms, "Encrypt", key, "because no resource-based policy allows the kms:Encrypt action"),
    )
    kms.environ["KMSCLI_VIA_SERVICE"] = "s3.us-west-2.amazonaws.com"
    assert kms.ok(*encrypt) == key


# ---------------------------------------------------------------- the identities file refused


@pytest.mark.parametrize(
    ("doc", "problem"),
    [
        ("{not json", "not valid JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
        ({"Principals": [APP], "Groups": []}, "/Groups: unknown member 'Groups'"),
        (
            {"Principals": [{**APP, "Arn": "arn:aws:iam::1111:role/App"}]},
            "/Principals/0/Arn: 'arn:aws:iam::1111:role/App' is not the ARN of an IAM user, an IAM role "
            "or an account root",
        ),
        ({"Principals": [{**APP, "Extra": 1}]}, "/Principals/0/Extra: unknown member 'Extra'"),
        (
            {"Principals": [APP, {**NO_POLICY, "AccessKeys": APP["AccessKeys"]}]},
            "/Principals/1/AccessKeys/0: access key AKIAAPPROLE000000001 is already used at /Principals/0/AccessKeys/0",
        ),
        (
            {"Principals": [APP, {**NO_POLICY, "Profiles": ["app"]}]},
            "/Principals/1/Profiles/0: profile 'app' is already used at /Principals/0/Profiles/0",
        ),
        (
            {
                "Principals": [
                    {
                        **APP,
                        "Policies": [
                            {
                                "PolicyName": "p",
                                "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "kms:*"}]},
                            }
                        ],
                    }
                ]
            },
            "/Principals/0/Policies/0/PolicyDocument/Statement/0: "
            "a statement needs exactly one of Resource and NotResource",
        ),
        (
            {"Principals": [{**APP, "AccessKeys": [{"AccessKeyId": "AKIAAPPROLE000000001", "SecretAccessKey": 7}]}]},
            "/Principals/0/AccessKeys/0/SecretAccessKey: SecretAccessKey must be a non-empty string",
        ),
    ],
)
def test_a_bad_identities_file_is_refused_before_anything_runs(kms: KmsSession, doc: Any, problem: str) -> None:
    path = write_identities(kms, doc)
    result = kms.run("create-key")
    assert (result.exit_code, result.stdout) == (255, "")
    assert result.stderr == f"\nidentities file {path}: {problem}\n"
    assert SECRET not in result.stderr
    path.unlink()
    assert kms.ok("list-keys") == {"Keys": []}


def test_kmscli_identities_names_the_file(kms: KmsSession, tmp_path: Path) -> None:
    kms.environ["KMSCLI_IDENTITIES"] = str(tmp_path / "missing.json")
    result = kms.run("list-keys")
    assert (result.exit_code, result.stderr) == (
        255,
        f"\nidentities file {tmp_path / 'missing.json'}: no such file (KMSCLI_IDENTITIES)\n",
    )
    (tmp_path / "mine.json").write_text(json.dumps(principals(APP)), encoding="utf-8")
    kms.environ["KMSCLI_IDENTITIES"] = str(tmp_path / "mine.json")
    key = new_key(kms)
    assert kms.ok("encrypt", "--key-id", key, "--plaintext", "x", "--profile", "app", "--query", "KeyId") == key


def test_without_a_file_or_a_named_caller_nothing_is_evaluated(kms: KmsSession) -> None:
    """As before authorization existed: a policy that locks the root user out does not stop it."""
    locked = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:*", "Resource": "*"},
            ],
        }
    )
    key = new_key(kms, "--policy", locked, "--bypass-policy-lockout-safety-check")
    assert kms.ok("get-key-policy", "--key-id", key, "--policy-name", "default")["Policy"] == locked
    kms.environ["KMSCLI_AUTHORIZATION"] = "enforce"
    root = f"arn:aws:iam::{ACCOUNT}:root"
    assert kms.error("get-key-policy", "--key-id", key, "--policy-name", "default") == (
        "AccessDeniedException",
        denied(kms, "GetKeyPolicy", key, "because no resource-based policy allows the kms:GetKeyPolicy action", root),
    )


B = "444455556666"
PARTNER = f"arn:aws:iam::{B}:role/Partner"
PARTNER_SESSION = f"arn:aws:sts::{B}:assumed-role/Partner/kmscli"


def shared_with_b() -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                },
                {
                    "Sid": "Allow an external account to use this key",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{B}:root"},
                    "Action": ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"],
                    "Resource": "*",
                },
            ],
        }
    )


def test_a_key_of_another_account_by_its_key_arn_when_both_sides_allow(kms: KmsSession) -> None:
    shared = new_key(kms, "--policy", shared_with_b())
    private = new_key(kms)
    write_identities(
        kms,
        principals(
            {"Arn": PARTNER, "Profiles": ["partner"], "Policies": [use_keys(f"arn:aws:kms:*:{ACCOUNT}:key/*")]},
            {"Arn": f"arn:aws:iam::{B}:role/NoPolicy", "Profiles": ["nopolicy"]},
        ),
    )
    as_partner = ("--profile", "partner")
    blob = kms.ok("encrypt", "--key-id", shared, "--plaintext", "hi", *as_partner)["CiphertextBlob"]
    decrypt = ("decrypt", "--cli-binary-format", "base64", "--ciphertext-blob", blob)
    assert kms.ok(*decrypt, "--key-id", shared, *as_partner, "--query", "KeyId") == shared
    # The key's account decrypts it too (the same key, the same state).
    assert kms.ok(*decrypt, "--query", "KeyId") == shared
    # Account B's side must allow as well.
    assert kms.error("encrypt", "--key-id", shared, "--plaintext", "hi", "--profile", "nopolicy") == (
        "AccessDeniedException",
        denied(
            kms,
            "Encrypt",
            shared,
            "because no identity-based policy allows the kms:Encrypt action",
            f"arn:aws:sts::{B}:assumed-role/NoPolicy/kmscli",
        ),
    )
    # And account A's: the default policy does not name account B.
    assert kms.error("encrypt", "--key-id", private, "--plaintext", "hi", *as_partner) == (
        "AccessDeniedException",
        denied(
            kms, "Encrypt", private, "because no resource-based policy allows the kms:Encrypt action", PARTNER_SESSION
        ),
    )
    # Only by key ARN: a key ID names a key of the caller's own account.
    key_id = shared.rsplit("/", 1)[1]
    assert kms.error("encrypt", "--key-id", key_id, "--plaintext", "hi", *as_partner) == (
        "NotFoundException",
        f"Key 'arn:aws:kms:us-west-2:{B}:key/{key_id}' does not exist",
    )
    # Operations KMS does not allow across accounts do not reach it.
    assert kms.error("disable-key", "--key-id", shared, *as_partner)[0] == "NotFoundException"
    # The caller's account is its ARN's: account B has no keys of its own (listing needs no permission
    # with authorization off, and kms:ListKeys in an IAM policy otherwise).
    assert kms.error("list-keys", *as_partner)[0] == "AccessDeniedException"
    kms.environ["KMSCLI_AUTHORIZATION"] = "off"
    assert kms.ok("list-keys", *as_partner) == {"Keys": []}
    assert len(kms.ok("list-keys")["Keys"]) == 2
