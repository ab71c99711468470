"""`kmscli console create-key` in-process: options, output formats, errors, prompts and atomicity."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kmscli import output
from kmscli.cli import console as console_cli
from kmscli.cli.argv import invalid_choice
from kmscli.core import Alias, Tag, console
from kmscli.store import Store

ACCOUNT = "111122223333"
REGION = "us-west-2"
NOW = 1502910355.475
KEY1 = "b5dacb29-7d38-4ab6-983e-a65abddb4b70"  # the first key ID the `env` fixture hands out
KEY1_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{KEY1}"
ADMIN = f"arn:aws:iam::{ACCOUNT}:role/KMSAdminRole"
USER = f"arn:aws:iam::{ACCOUNT}:user/ExampleUser"
OTHER = "444455556666"

USAGE = (
    "usage: kmscli [options] <command> [parameters]\nTo see help text, you can run:\n\n"
    "  kmscli --help\n  kmscli <command> --help\nkmscli: error: "
)

SYMMETRIC_METADATA = {
    "AWSAccountId": ACCOUNT,
    "KeyId": KEY1,
    "Arn": KEY1_ARN,
    "CreationDate": NOW,
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


def state(state_dir: Path) -> tuple[list[str], list[Alias]]:
    with Store(state_dir).transaction(write=False, account_id=ACCOUNT, region=REGION) as repo:
        return repo.list_keys(None, 1000), repo.list_aliases(None, None, 1000)


def policy_of(invoke: Any, key_id: str) -> str:
    result = invoke("get-key-policy", "--key-id", key_id, "--policy-name", "default", "--query", "Policy",
                    "--output", "text")  # fmt: skip
    assert (result.exit_code, result.stderr) == (0, "")
    return str(result.stdout.removesuffix("\n"))


def described(invoke: Any, key: str) -> dict[str, Any]:
    result = invoke("describe-key", "--key-id", key)
    assert (result.exit_code, result.stderr) == (0, "")
    return dict(json.loads(result.stdout)["KeyMetadata"])


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Standard input is a terminal: the command asks its questions (CliRunner feeds the answers)."""
    monkeypatch.setattr(console_cli, "_stdin_is_terminal", lambda: True)


# ---------------------------------------------------------------- options only (scripts)


def test_options_create_key_alias_and_console_policy(invoke, state_dir) -> None:
    result = invoke(
        "console", "create-key", "--alias-name", "ExampleAlias", "--description", "for scripts",
        "--tags", "Project=alpha", "--tags", "Owner", "--key-administrator", ADMIN, "--no-administrator-deletion",
        "--key-user", USER, "--other-account", OTHER,
    )  # fmt: skip
    metadata = {**SYMMETRIC_METADATA, "Description": "for scripts"}
    expected = {"KeyMetadata": metadata, "AliasName": "alias/ExampleAlias",
                "AliasArn": f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/ExampleAlias"}  # fmt: skip
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == json.dumps(expected, indent=4) + "\n"
    assert described(invoke, "alias/ExampleAlias") == metadata
    assert state(state_dir) == ([KEY1], [Alias("alias/ExampleAlias", KEY1, NOW, NOW)])
    request = console.ConsoleKeyRequest(
        alias_name="alias/ExampleAlias", description="for scripts", tags=(Tag("Project", "alpha"), Tag("Owner", "")),
        key_administrators=(ADMIN,), allow_administrator_deletion=False, key_users=(USER,), other_accounts=(OTHER,),
    )  # fmt: skip
    assert policy_of(invoke, KEY1) == console.console_key_policy("aws", ACCOUNT, request)
    with Store(state_dir).transaction(write=False, account_id=ACCOUNT, region=REGION) as repo:
        assert repo.get_tags(KEY1) == [Tag("Owner", ""), Tag("Project", "alpha")]


def test_asymmetric_options(invoke) -> None:
    result = invoke(
        "console",
        "create-key",
        "--alias-name",
        "alias/signer",
        "--key-spec",
        "ECC_NIST_P256",
        "--key-usage",
        "SIGN_VERIFY",
        "--key-user",
        USER,
        "--query",
        "KeyMetadata",
        "--output",
        "json",
    )
    assert (result.exit_code, result.stderr) == (0, "")
    metadata = json.loads(result.stdout)
    assert metadata == described(invoke, "alias/signer")
    assert (metadata["KeySpec"], metadata["KeyUsage"], metadata["SigningAlgorithms"]) == (
        "ECC_NIST_P256",
        "SIGN_VERIFY",
        ["ECDSA_SHA_256"],
    )
    doc = json.loads(policy_of(invoke, metadata["KeyId"]))
    assert [s["Sid"] for s in doc["Statement"]] == [
        "Enable IAM User Permissions",
        "Allow use of the key",
        "Allow attachment of persistent resources",
    ]
    assert doc["Statement"][1]["Action"] == ["kms:DescribeKey", "kms:GetPublicKey", "kms:Sign", "kms:Verify"]


def test_a_single_usage_spec_needs_no_key_usage(invoke) -> None:
    result = invoke(
        "console",
        "create-key",
        "--alias-name",
        "mac",
        "--key-spec",
        "HMAC_384",
        "--query",
        "[KeyMetadata.KeyUsage, KeyMetadata.MacAlgorithms[0]]",
        "--output",
        "text",
    )
    assert (result.exit_code, result.stdout, result.stderr) == (0, "GENERATE_VERIFY_MAC\tHMAC_SHA_384\n", "")


def test_advanced_options(invoke) -> None:
    result = invoke(
        "console",
        "create-key",
        "--alias-name",
        "imported",
        "--origin",
        "EXTERNAL",
        "--multi-region",
        "--key-administrator",
        ADMIN,
        "--query",
        "KeyMetadata.[Origin, KeyState, MultiRegion]",
        "--output",
        "text",
    )
    assert (result.exit_code, result.stdout, result.stderr) == (0, "EXTERNAL\tPendingImport\tTrue\n", "")
    key_id = described(invoke, "alias/imported")["KeyId"]
    actions = json.loads(policy_of(invoke, key_id))["Statement"][1]["Action"]
    assert actions[-5:] == ["kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:ImportKeyMaterial",
                            "kms:ReplicateKey", "kms:UpdatePrimaryRegion"]  # fmt: skip


def test_text_output(invoke) -> None:
    result = invoke("console", "create-key", "--alias-name", "ExampleAlias", "--output", "text")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == (
        f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/ExampleAlias\talias/ExampleAlias\n"
        f"KEYMETADATA\t{ACCOUNT}\t{KEY1_ARN}\t{NOW}\tSYMMETRIC_DEFAULT\t\tTrue\t{KEY1}\tCUSTOMER\tSYMMETRIC_DEFAULT\t"
        "Enabled\tENCRYPT_DECRYPT\tFalse\tAWS_KMS\n"
        "ENCRYPTIONALGORITHMS\tSYMMETRIC_DEFAULT\n"
    )


def test_table_output(invoke) -> None:
    # Placed after the command, as the AWS CLI accepts global options.
    result = invoke("console", "create-key", "--alias-name", "ExampleAlias", "--output", "table")
    expected = {"KeyMetadata": SYMMETRIC_METADATA, "AliasName": "alias/ExampleAlias",
                "AliasArn": f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/ExampleAlias"}  # fmt: skip
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == output.render(expected, output="table")
    rows = [line.split("|") for line in result.stdout.splitlines()]
    assert [c.strip() for c in rows[3] if c.strip()] == ["AliasName", "alias/ExampleAlias"]


def test_global_options_before_the_command(invoke) -> None:
    result = invoke("--output", "text", "--query", "AliasName", "console", "create-key", "--alias-name", "first")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "alias/first\n", "")


def test_iso8601_timestamps(invoke) -> None:
    result = invoke(
        "console",
        "create-key",
        "--alias-name",
        "t",
        "--cli-timestamp-format",
        "iso8601",
        "--query",
        "KeyMetadata.CreationDate",
        "--output",
        "text",
    )
    assert (result.exit_code, result.stdout, result.stderr) == (0, "2017-08-16T19:05:55.475000+00:00\n", "")


# ---------------------------------------------------------------- refused before anything is created


@pytest.mark.parametrize(
    ("args", "error"),
    [
        pytest.param([], "--alias-name is required when standard input is not a terminal: the console creates "
                     "every key with an alias.\n", id="missing-alias"),
        pytest.param(["--alias-name", "aws/ebs"], "argument --alias-name: The alias cannot begin with aws/: "
                     "that prefix is reserved for AWS managed keys.\n", id="reserved-alias"),
        pytest.param(["--alias-name", "a b"], "argument --alias-name: The alias can contain only alphanumeric "
                     "characters, forward slashes (/), underscores (_) and dashes (-).\n", id="alias-characters"),
        pytest.param(["--alias-name", "a", "--key-spec", "RSA_2048"], "--key-usage is required with --key-spec "
                     "RSA_2048 when standard input is not a terminal: choose ENCRYPT_DECRYPT or SIGN_VERIFY.\n",
                     id="ambiguous-usage"),
        pytest.param(["--alias-name", "a", "--key-usage", "KEY_AGREEMENT"], "--key-spec is required with "
                     "--key-usage KEY_AGREEMENT when standard input is not a terminal: choose one of ECC_NIST_P256, "
                     "ECC_NIST_P384, ECC_NIST_P521.\n", id="usage-without-spec"),
        pytest.param(["--alias-name", "a", "--key-spec", "ECC_NIST_P256", "--key-usage", "ENCRYPT_DECRYPT"],
                     "argument --key-usage: Key usage ENCRYPT_DECRYPT is not available for key spec "
                     "ECC_NIST_P256; choose SIGN_VERIFY or KEY_AGREEMENT.\n", id="spec-usage-mismatch"),
        pytest.param(["--alias-name", "a", "--key-administrator", "arn:aws:iam::444455556666:role/Admin"],
                     "argument --key-administrator: Key administrators must be IAM users or roles "
                     f"of account {ACCOUNT}, such as arn:aws:iam::{ACCOUNT}:role/ExampleRole; not "
                     "'arn:aws:iam::444455556666:role/Admin'.\n", id="foreign-administrator"),
        pytest.param(["--alias-name", "a", "--other-account", "12345"], "argument --other-account: An "
                     "AWS account ID has 12 digits; not '12345'.\n", id="bad-account"),
        pytest.param(["--alias-name", "a", "--tags", "aws:team=x"], "argument --tags: Tags beginning "
                     "with aws: are reserved.\n", id="reserved-tag"),
        pytest.param(["--alias-name", "a", "--key-spec", "ML_KEM_768"],
                     invalid_choice("--key-spec", tuple(console.key_specs())) + "\n",
                     id="spec-not-offered"),
    ],
)  # fmt: skip
def test_refused_answers_exit_2_and_create_nothing(invoke, state_dir, args, error) -> None:
    result = invoke("console", "create-key", *args)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", USAGE + error)
    assert not state_dir.exists()


def test_yes_never_waits_even_in_a_terminal(invoke, terminal, state_dir) -> None:
    result = invoke("console", "create-key", "--yes", input="ignored\n")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == USAGE + (
        "--alias-name is required with --yes: the console creates every key with an alias.\n"
    )
    assert not state_dir.exists()


def test_a_refused_alias_leaves_no_key(invoke, state_dir) -> None:
    first = invoke("console", "create-key", "--alias-name", "taken", "--query", "KeyMetadata.KeyId", "--output", "text")
    assert (first.exit_code, first.stdout, first.stderr) == (0, KEY1 + "\n", "")
    result = invoke(
        "console",
        "create-key",
        "--alias-name",
        "taken",
        "--key-spec",
        "RSA_2048",
        "--key-usage",
        "SIGN_VERIFY",
        "--key-user",
        USER,
        "--tags",
        "Project=beta",
    )
    assert (result.exit_code, result.stdout) == (255, "")
    assert result.stderr == (
        "\nAn error occurred (AlreadyExistsException) when calling the CreateAlias operation: "
        f"An alias with the name arn:aws:kms:{REGION}:{ACCOUNT}:alias/taken already exists\n"
    )
    assert state(state_dir) == ([KEY1], [Alias("alias/taken", KEY1, NOW, NOW)])
    with Store(state_dir).transaction(write=False, account_id=ACCOUNT, region=REGION) as repo:
        assert repo.get_tags(KEY1) == []


def test_a_bad_query_creates_nothing(invoke, state_dir) -> None:
    result = invoke("console", "create-key", "--alias-name", "q", "--query", "KeyMetadata.[")
    assert (result.exit_code, result.stdout) == (255, "")
    assert result.stderr.startswith("\nBad value for --query KeyMetadata.[: ")
    assert not state_dir.exists()


# ---------------------------------------------------------------- prompts (terminal)


def test_prompts_check_each_answer_and_review_before_creating(invoke, terminal, state_dir) -> None:
    answers = [
        "2", "encrypt_decrypt", "RSA_4096", "",            # key type by number, usage in any case, spec, no
        "aws/nope", "alias/bad name", "docs",              # alias: refused twice, then accepted
        "the docs key",                                    # description
        "aws:team", "x", "team", "blue", "",               # tags: reserved key refused, then one tag
        "arn:aws:iam::444455556666:role/Admin", ADMIN, "",  # administrators: foreign refused, then one
        "",                                                # administrators may delete: default yes
        USER, USER, "",                                    # key users: the repeat is ignored
        ACCOUNT, OTHER, "",                                # other accounts: own account refused
        "p", "finish",                                     # read the policy, then finish
    ]  # fmt: skip
    result = invoke("console", "create-key", input="\n".join(answers) + "\n")
    assert (result.exit_code, result.stdout.count("{")) == (0, 2)
    created = json.loads(result.stdout)
    assert (created["AliasName"], created["KeyMetadata"]["KeySpec"], created["KeyMetadata"]["Description"]) == (
        "alias/docs",
        "RSA_4096",
        "the docs key",
    )
    request = console.ConsoleKeyRequest(
        alias_name="alias/docs", key_spec="RSA_4096", key_usage="ENCRYPT_DECRYPT", description="the docs key",
        tags=(Tag("team", "blue"),), key_administrators=(ADMIN,), key_users=(USER,), other_accounts=(OTHER,),
    )  # fmt: skip
    policy = console.console_key_policy("aws", ACCOUNT, request)
    assert policy_of(invoke, KEY1) == policy
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert errors == [
        "Error: The alias cannot begin with aws/: that prefix is reserved for AWS managed keys.",
        "Error: The alias can contain only alphanumeric characters, forward slashes (/), underscores (_) and "
        "dashes (-).",
        "Error: Tags beginning with aws: are reserved.",
        f"Error: Key administrators must be IAM users or roles of account {ACCOUNT}, such as "
        f"arn:aws:iam::{ACCOUNT}:role/ExampleRole; not 'arn:aws:iam::444455556666:role/Admin'.",
        f"Error: {ACCOUNT} is this key's own account; add its IAM users and roles as key users instead.",
    ]
    review = result.stderr[result.stderr.index("Step 5 of 5: Review") :]
    summary, _, after = review.partition("(f), change a step (1-4), read the key policy (p) or cancel (c) [f]: ")
    # The review is a summary; the policy comes only when asked for.
    assert policy not in summary
    assert "  Key policy: the console's default, 4 statements (type p to read it)\n" in summary
    assert after.startswith("p\n" + policy + "\n")
    assert after.endswith("Creating key…\n")
    assert state(state_dir) == ([KEY1], [Alias("alias/docs", KEY1, NOW, NOW)])


def test_options_answer_their_steps_and_the_rest_is_asked(invoke, terminal) -> None:
    answers = ["", "", "", "finish"]  # advanced options: no; key users: none; other accounts: none
    result = invoke("console", "create-key", "--alias-name", "pre", "--description", "", "--tags", "a=b",
                    "--key-spec", "HMAC_224", "--key-administrator", ADMIN, "--no-administrator-deletion",
                    input="\n".join(answers) + "\n")  # fmt: skip
    assert (result.exit_code, json.loads(result.stdout)["AliasName"]) == (0, "alias/pre")
    assert result.stderr[: result.stderr.index("Step 5 of 5")] == (
        "\nStep 1 of 5: Configure key\n"
        "Change the advanced options (key material origin, Regionality)? [y/N]: \n"
        "\nStep 2 of 5: Add labels\n"
        "\nStep 3 of 5: Define key administrative permissions\n"
        "\nStep 4 of 5: Define key usage permissions\n"
        "Key user, an IAM user or role ARN (Enter when done): \n"
        "Other AWS account ID (Enter when done): \n"
        "\n"
    )
    assert result.stderr.endswith(
        "Finish (f), change a step (1-4), read the key policy (p) or cancel (c) [f]: finish\nCreating key…\n"
    )
    doc = json.loads(policy_of(invoke, KEY1))
    assert doc["Statement"][1]["Action"][-2:] == ["kms:TagResource", "kms:UntagResource"]


def test_an_alias_in_use_is_refused_at_its_prompt(invoke, terminal, state_dir) -> None:
    first = invoke(
        "console", "create-key", "--alias-name", "taken", "--yes", "--query", "AliasName", "--output", "text"
    )
    assert (first.exit_code, first.stdout) == (0, "alias/taken\n")
    answers = ["", "", "", "taken", "other", "", "", "", "", "", "finish"]
    result = invoke("console", "create-key", input="\n".join(answers) + "\n")
    assert (result.exit_code, json.loads(result.stdout)["AliasName"]) == (0, "alias/other")
    assert "Error: The alias alias/taken is already in use in this Region; choose another.\n" in result.stderr
    assert len(state(state_dir)[0]) == 2


def test_an_alias_whose_key_passed_its_deletion_date_is_free_at_its_prompt(
    invoke, runtime, terminal, state_dir
) -> None:
    # create-alias takes such a name (the alias went with its key), so the console's check must too.
    first = invoke(
        "console", "create-key", "--alias-name", "gone", "--yes", "--query", "KeyMetadata.KeyId", "--output", "text"
    )
    scheduled = invoke("schedule-key-deletion", "--key-id", first.stdout.strip(), "--pending-window-in-days", "7")
    assert (first.exit_code, scheduled.exit_code) == (0, 0)
    later = NOW + 7 * 86400
    runtime.env = runtime.env._replace(clock=lambda: later)
    answers = ["", "", "", "gone", "", "", "", "", "", "finish"]
    result = invoke("console", "create-key", input="\n".join(answers) + "\n")
    assert (result.exit_code, json.loads(result.stdout)["AliasName"]) == (0, "alias/gone")
    assert "already in use" not in result.stderr
    key_id = json.loads(result.stdout)["KeyMetadata"]["KeyId"]
    assert state(state_dir) == ([key_id], [Alias("alias/gone", key_id, later, later)])


def test_cancel_at_review_creates_nothing(invoke, terminal, state_dir) -> None:
    answers = ["", "", "", "kept", "", "", "", "", "", "c"]
    result = invoke("console", "create-key", input="\n".join(answers) + "\n")
    assert (result.exit_code, result.stdout) == (130, "")
    assert result.stderr.endswith("c\n\nCancelled; no key was created.\n\n")
    assert state(state_dir) == ([], [])


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        pytest.param(["team=blue"], [Tag("team", "blue")], id="key-value"),
        pytest.param(["TagKey=team,TagValue=blue"], [Tag("team", "blue")], id="create-key-shorthand"),
        pytest.param(["TagValue=blue,TagKey=team", "a=b"], [Tag("a", "b"), Tag("team", "blue")], id="both-forms"),
        pytest.param(["TagKey=team"], [Tag("team", "")], id="shorthand-without-value"),
    ],
)
def test_tags_take_both_forms_and_never_make_a_tag_named_tagkey(invoke, state_dir, tags, expected) -> None:
    args = [arg for tag in tags for arg in ("--tags", tag)]
    result = invoke("console", "create-key", "--alias-name", "tagged", "--yes", *args, "--query", "AliasName")
    assert (result.exit_code, result.stdout, result.stderr) == (0, '"alias/tagged"\n', "")
    with Store(state_dir).transaction(write=False, account_id=ACCOUNT, region=REGION) as repo:
        assert repo.get_tags(KEY1) == expected


def test_a_half_shorthand_tag_is_refused(invoke, state_dir) -> None:
    result = invoke("console", "create-key", "--alias-name", "t", "--yes", "--tags", "TagKey=a,Owner=b")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == USAGE + (
        "argument --tags: 'TagKey=a,Owner=b': write a tag as KEY=VALUE or TagKey=KEY,TagValue=VALUE\n"
    )
    assert not state_dir.exists()
