"""get-key-policy through the command line: the default policy byte for byte, text output, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kmscli.core import KeyState
from kmscli.store import Store

ACCOUNT = "111122223333"
REGION = "us-west-2"
NOW = 1502910355.475
KEY1 = "b5dacb29-7d38-4ab6-983e-a65abddb4b70"  # the first key ID the `env` fixture hands out
UNKNOWN = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY1_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{KEY1}"

# The Developer Guide's get-key-policy output (docs/decisions.md#output): Jackson layout, no trailing newline.
DEFAULT_POLICY = """{
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


def service_error(code: str, message: str) -> str:
    return f"\nAn error occurred ({code}) when calling the GetKeyPolicy operation: {message}\n"


@pytest.fixture
def key_id(invoke) -> str:
    created = invoke("create-key", "--query", "KeyMetadata.KeyId", "--output", "text")
    assert (created.exit_code, created.stdout, created.stderr) == (0, KEY1 + "\n", "")
    aliased = invoke("create-alias", "--alias-name", "alias/policy", "--target-key-id", KEY1)
    assert (aliased.exit_code, aliased.stderr) == (0, "")
    return KEY1


def test_default_policy_as_json(invoke, key_id):
    result = invoke("get-key-policy", "--key-id", key_id)
    # Only Policy, never PolicyName (docs/decisions.md#output).
    expected = json.dumps({"Policy": DEFAULT_POLICY}, indent=4) + "\n"
    assert (result.exit_code, result.stdout, result.stderr) == (0, expected, "")
    assert result.stdout.startswith('{\n    "Policy": "{\\n  \\"Version\\" : \\"2012-10-17\\",\\n')


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["--policy-name", "default", "--output", "text"], id="seed-command"),
        pytest.param(["--output", "text"], id="policy-name-defaults"),
        pytest.param(["--query", "Policy", "--output", "text"], id="query-policy"),
        pytest.param(["--output", "text", "--policy-name", "default", "--query", "Policy"], id="options-any-order"),
    ],
)
def test_default_policy_as_text_is_the_bare_seed_policy(invoke, key_id, args):
    result = invoke("get-key-policy", "--key-id", key_id, *args)
    assert (result.exit_code, result.stdout, result.stderr) == (0, DEFAULT_POLICY + "\n", "")


def test_policy_by_key_arn(invoke, key_id):
    result = invoke("get-key-policy", "--key-id", KEY1_ARN, "--output", "text")
    assert (result.exit_code, result.stdout, result.stderr) == (0, DEFAULT_POLICY + "\n", "")


def test_policy_given_at_creation_comes_back_verbatim(invoke, tmp_path):
    # A policy file that ends with a newline keeps it: text output then ends in a blank line.
    policy = (
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                        "Action": "kms:*",
                        "Resource": "*",
                    }
                ],
            },
            indent=3,
        )
        + "\n"
    )
    path = tmp_path / "policy.json"
    path.write_text(policy, encoding="utf-8")
    created = invoke("create-key", "--policy", f"file://{path}", "--query", "KeyMetadata.KeyId", "--output", "text")
    assert (created.exit_code, created.stdout, created.stderr) == (0, KEY1 + "\n", "")
    text = invoke("get-key-policy", "--key-id", KEY1, "--output", "text")
    assert (text.exit_code, text.stdout, text.stderr) == (0, policy + "\n", "")
    as_json = invoke("get-key-policy", "--key-id", KEY1)
    assert (as_json.exit_code, as_json.stdout, as_json.stderr) == (
        0,
        json.dumps({"Policy": policy}, indent=4) + "\n",
        "",
    )


def test_policy_of_a_key_pending_deletion(invoke, key_id, state_dir):
    # GetKeyPolicy works in every key state.
    with Store(state_dir).transaction(write=True, account_id=ACCOUNT, region=REGION) as repo:
        key = repo.get_key(key_id)
        repo.put_key(key._replace(key_state=KeyState.PendingDeletion, deletion_date=NOW + 30 * 86400))
    result = invoke("get-key-policy", "--key-id", key_id, "--output", "text")
    assert (result.exit_code, result.stdout, result.stderr) == (0, DEFAULT_POLICY + "\n", "")


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        pytest.param(
            ["--key-id", KEY1, "--policy-name", "AWS_RAM"],
            "NotFoundException",
            "No such policy exists",
            id="policy-name-aws-ram",
        ),
        pytest.param(
            ["--key-id", KEY1, "--policy-name", "other"],
            "NotFoundException",
            "No such policy exists",
            id="policy-name-other",
        ),
        pytest.param(
            ["--key-id", KEY1, "--policy-name", "bad-name"],
            "ValidationException",
            "1 validation error detected: Value 'bad-name' at 'policyName' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: [\\w]+",
            id="policy-name-pattern",
        ),
        pytest.param(
            ["--key-id", "alias/policy"], "NotFoundException", "Invalid keyId 'alias/policy'", id="alias-name"
        ),
        pytest.param(
            ["--key-id", f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/policy"],
            "NotFoundException",
            f"Invalid keyId 'arn:aws:kms:{REGION}:{ACCOUNT}:alias/policy'",
            id="alias-arn",
        ),
        pytest.param(
            ["--key-id", UNKNOWN],
            "NotFoundException",
            f"Key 'arn:aws:kms:{REGION}:{ACCOUNT}:key/{UNKNOWN}' does not exist",
            id="unknown-key",
        ),
        pytest.param(["--key-id", "not-a-key"], "NotFoundException", "Invalid keyId 'not-a-key'", id="malformed-id"),
        pytest.param(["--key-id", "arn:aws:kms"], "InvalidArnException", "Invalid arn arn:aws:kms", id="bad-arn"),
    ],
)
def test_get_key_policy_errors(invoke, key_id, args, code, message):
    # The error wins over --output text: stdout stays empty.
    result = invoke("get-key-policy", *args, "--output", "text")
    assert (result.exit_code, result.stdout, result.stderr) == (255, "", service_error(code, message))


def test_empty_policy_name_fails_client_side(invoke, key_id):
    result = invoke("get-key-policy", "--key-id", key_id, "--policy-name", "")
    assert (result.exit_code, result.stdout) == (255, "")
    assert result.stderr == (
        "\nParameter validation failed:\nInvalid length for parameter PolicyName, value: 0, valid min length: 1\n"
    )


def test_get_key_policy_does_not_change_the_state(invoke, key_id, state_dir: Path):
    database = state_dir / "kmscli.sqlite3"
    before = database.read_bytes()
    result = invoke("get-key-policy", "--key-id", key_id, "--output", "text")
    assert (result.exit_code, result.stdout, result.stderr) == (0, DEFAULT_POLICY + "\n", "")
    assert database.read_bytes() == before
