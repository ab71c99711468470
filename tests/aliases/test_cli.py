"""create-alias through the command line: naming rules, target rules, uniqueness, quotas."""

from __future__ import annotations

from pathlib import Path

import pytest

from kmscli.core import Alias, KeyState
from kmscli.store import Store

ACCOUNT = "111122223333"
REGION = "us-west-2"
NOW = 1502910355.475
KEY1 = "b5dacb29-7d38-4ab6-983e-a65abddb4b70"  # the first key ID the `env` fixture hands out
UNKNOWN = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY1_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{KEY1}"


def alias_arn(name: str) -> str:
    return f"arn:aws:kms:{REGION}:{ACCOUNT}:{name}"


def service_error(code: str, message: str) -> str:
    return f"\nAn error occurred ({code}) when calling the CreateAlias operation: {message}\n"


def aliases_of(state_dir: Path, key_id: str) -> list[Alias]:
    with Store(state_dir).transaction(write=False, account_id=ACCOUNT, region=REGION) as repo:
        return repo.list_aliases(key_id, None, 1000)


@pytest.fixture
def key_id(invoke) -> str:
    created = invoke("create-key", "--query", "KeyMetadata.KeyId", "--output", "text")
    assert (created.exit_code, created.stdout, created.stderr) == (0, KEY1 + "\n", "")
    return KEY1


@pytest.mark.parametrize("target", [KEY1, KEY1_ARN, KEY1.upper()], ids=["key-id", "key-arn", "key-id-upper-case"])
def test_create_alias_prints_nothing_and_stores_the_alias(invoke, key_id, state_dir, target):
    result = invoke("create-alias", "--alias-name", "alias/ExampleAlias", "--target-key-id", target)
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert aliases_of(state_dir, KEY1) == [Alias("alias/ExampleAlias", KEY1, NOW, NOW)]
    described = invoke(
        "describe-key", "--key-id", "alias/ExampleAlias", "--query", "KeyMetadata.Arn", "--output", "text"
    )
    assert (described.exit_code, described.stdout, described.stderr) == (0, KEY1_ARN + "\n", "")


def test_a_key_can_have_several_aliases(invoke, key_id, state_dir):
    for name in ("alias/first", "alias/Second_one", "alias/team/app-3"):
        result = invoke("create-alias", "--alias-name", name, "--target-key-id", key_id)
        assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert aliases_of(state_dir, KEY1) == [
        Alias("alias/Second_one", KEY1, NOW, NOW),
        Alias("alias/first", KEY1, NOW, NOW),
        Alias("alias/team/app-3", KEY1, NOW, NOW),
    ]


@pytest.mark.parametrize(
    ("alias_name", "target", "code", "message"),
    [
        pytest.param(
            "ExampleAlias",
            KEY1,
            "ValidationException",
            'Alias must start with the prefix "alias/". Please see '
            "https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html",
            id="no-prefix",
        ),
        pytest.param(
            "alias/with:colon",
            KEY1,
            "ValidationException",
            "alias/with:colon contains invalid characters for an alias",
            id="colon",
        ),
        pytest.param("alias/", KEY1, "InvalidAliasNameException", "Alias name must not be empty", id="empty-name"),
        # KMS reserves alias/aws/ for AWS managed keys and answers without a message.
        pytest.param("alias/aws/s3", KEY1, "NotAuthorizedException", "", id="reserved-prefix"),
        pytest.param(
            "alias/bad name!",
            KEY1,
            "ValidationException",
            "1 validation error detected: Value 'alias/bad name!' at 'aliasName' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$",
            id="pattern",
        ),
        pytest.param(
            "alias/" + "a" * 251,
            KEY1,
            "ValidationException",
            f"1 validation error detected: Value 'alias/{'a' * 251}' at 'aliasName' failed to satisfy constraint: "
            "Member must have length less than or equal to 256",
            id="too-long",
        ),
        pytest.param(
            "alias/new",
            "alias/other",
            "ValidationException",
            "Aliases must refer to keys. Not aliases",
            id="target-alias-name",
        ),
        pytest.param(
            "alias/new",
            alias_arn("alias/other"),
            "ValidationException",
            "Aliases must refer to keys. Not aliases",
            id="target-alias-arn",
        ),
        pytest.param(
            "alias/new",
            UNKNOWN,
            "NotFoundException",
            f"Key 'arn:aws:kms:{REGION}:{ACCOUNT}:key/{UNKNOWN}' does not exist",
            id="target-unknown",
        ),
        pytest.param("alias/new", "my-key", "NotFoundException", "Invalid keyId 'my-key'", id="target-malformed"),
        pytest.param(
            "alias/new",
            f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/{KEY1}",
            "NotFoundException",
            "Invalid arn eu-west-1",
            id="target-other-region",
        ),
    ],
)
def test_create_alias_errors(invoke, key_id, state_dir, alias_name, target, code, message):
    result = invoke("create-alias", "--alias-name", alias_name, "--target-key-id", target)
    assert (result.exit_code, result.stdout, result.stderr) == (255, "", service_error(code, message))
    assert aliases_of(state_dir, KEY1) == []


def test_alias_name_just_under_the_limit(invoke, key_id, state_dir):
    name = "alias/" + "a" * 250
    result = invoke("create-alias", "--alias-name", name, "--target-key-id", key_id)
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert aliases_of(state_dir, KEY1) == [Alias(name, KEY1, NOW, NOW)]


def test_empty_alias_name_fails_client_side(invoke, key_id, state_dir):
    result = invoke("create-alias", "--alias-name", "", "--target-key-id", key_id)
    assert (result.exit_code, result.stdout) == (255, "")
    assert result.stderr == (
        "\nParameter validation failed:\nInvalid length for parameter AliasName, value: 0, valid min length: 1\n"
    )
    assert aliases_of(state_dir, KEY1) == []


def test_alias_names_are_unique(invoke, key_id, state_dir):
    first = invoke("create-alias", "--alias-name", "alias/dup", "--target-key-id", key_id)
    assert (first.exit_code, first.stdout, first.stderr) == (0, "", "")
    other = invoke("create-key", "--query", "KeyMetadata.KeyId", "--output", "text").stdout.strip()
    again = invoke("create-alias", "--alias-name", "alias/dup", "--target-key-id", other)
    expected = service_error(
        "AlreadyExistsException", f"An alias with the name {alias_arn('alias/dup')} already exists"
    )
    assert (again.exit_code, again.stdout, again.stderr) == (255, "", expected)
    # The alias still points at the first key.
    assert aliases_of(state_dir, KEY1) == [Alias("alias/dup", KEY1, NOW, NOW)]
    assert aliases_of(state_dir, other) == []


def test_alias_names_are_case_sensitive(invoke, key_id, state_dir):
    for name in ("alias/Case", "alias/case"):
        result = invoke("create-alias", "--alias-name", name, "--target-key-id", key_id)
        assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert [a.alias_name for a in aliases_of(state_dir, KEY1)] == ["alias/Case", "alias/case"]


def test_target_pending_deletion(invoke, key_id, state_dir):
    with Store(state_dir).transaction(write=True, account_id=ACCOUNT, region=REGION) as repo:
        key = repo.get_key(key_id)
        repo.put_key(key._replace(key_state=KeyState.PendingDeletion, deletion_date=NOW + 7 * 86400))
    result = invoke("create-alias", "--alias-name", "alias/late", "--target-key-id", key_id)
    expected = service_error("KMSInvalidStateException", f"{KEY1_ARN} is pending deletion.")
    assert (result.exit_code, result.stdout, result.stderr) == (255, "", expected)
    assert aliases_of(state_dir, KEY1) == []


def test_at_most_fifty_aliases_per_key(invoke, key_id, state_dir):
    for i in range(50):
        result = invoke("create-alias", "--alias-name", f"alias/a{i:02}", "--target-key-id", key_id)
        assert (result.exit_code, result.stderr) == (0, "")
    result = invoke("create-alias", "--alias-name", "alias/a50", "--target-key-id", key_id)
    expected = service_error("LimitExceededException", f"Too many aliases for key {KEY1_ARN}")
    assert (result.exit_code, result.stdout, result.stderr) == (255, "", expected)
    assert [a.alias_name for a in aliases_of(state_dir, KEY1)] == [f"alias/a{i:02}" for i in range(50)]
