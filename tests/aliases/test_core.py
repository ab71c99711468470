"""Alias naming rules and CreateAlias, through core.call."""

from __future__ import annotations

from typing import Any

import pytest

from kmscli import core
from kmscli.core.aliases import check_alias_name
from kmscli.core.errors import KmsError
from kmscli.core.model import Alias, Key, KeyState

# The clock of the `env` fixture.
FIXED_TIME = 1502910355.475
ALIAS_ARN_PREFIX = "arn:aws:kms:us-west-2:111122223333:"
KEY_ARN_PREFIX = "arn:aws:kms:us-west-2:111122223333:key/"
PREFIX_MESSAGE = (
    'Alias must start with the prefix "alias/". Please see '
    "https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html"
)


@pytest.fixture
def key_id(repo: core.InMemoryRepository, env: core.Env) -> str:
    return str(core.call("CreateKey", {}, repo, env).key_metadata.key_id)


def stored_key(repo: core.InMemoryRepository, key_id: str) -> Key:
    key = repo.get_key(key_id)
    if key is None:
        raise LookupError(key_id)
    return key


def create_alias(repo: core.InMemoryRepository, env: core.Env, name: str, target: str) -> Any:
    return core.call("CreateAlias", {"AliasName": name, "TargetKeyId": target}, repo, env)


def refusal(repo: core.InMemoryRepository, env: core.Env, name: str, target: str) -> tuple[str, str]:
    with pytest.raises(KmsError) as caught:
        create_alias(repo, env, name, target)
    return caught.value.code, caught.value.message


def all_aliases(repo: core.InMemoryRepository) -> list[Alias]:
    return repo.list_aliases(None, None, 1000)


# ---------------------------------------------------------------- naming rules


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [
        pytest.param("ExampleAlias", "ValidationException", PREFIX_MESSAGE, id="no-prefix"),
        pytest.param("Alias/x", "ValidationException", PREFIX_MESSAGE, id="prefix-is-case-sensitive"),
        pytest.param("aliasx", "ValidationException", PREFIX_MESSAGE, id="prefix-without-slash"),
        pytest.param("my:alias", "ValidationException", PREFIX_MESSAGE, id="prefix-checked-before-colon"),
        pytest.param(
            "alias/a:b", "ValidationException", "alias/a:b contains invalid characters for an alias", id="colon"
        ),
        pytest.param("alias/", "InvalidAliasNameException", "Alias name must not be empty", id="empty-name"),
        pytest.param("alias/aws/x", "NotAuthorizedException", "", id="reserved"),
        pytest.param("alias/aws/", "NotAuthorizedException", "", id="reserved-prefix-only"),
    ],
)
def test_check_alias_name_refuses(name: str, code: str, message: str) -> None:
    with pytest.raises(KmsError) as caught:
        check_alias_name(name)
    assert (caught.value.code, caught.value.message) == (code, message)


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("alias/ExampleAlias", id="plain"),
        pytest.param("alias/team/app-1_x", id="slashes-dashes-underscores"),
        pytest.param("alias/awsome", id="aws-without-slash"),
        pytest.param("alias/AWS/x", id="reserved-prefix-is-case-sensitive"),
    ],
)
def test_check_alias_name_accepts(name: str) -> None:
    check_alias_name(name)


# ---------------------------------------------------------------- CreateAlias


def test_create_alias(repo: core.InMemoryRepository, env: core.Env, key_id: str) -> None:
    assert create_alias(repo, env, "alias/ExampleAlias", key_id) is None
    assert all_aliases(repo) == [Alias("alias/ExampleAlias", key_id, FIXED_TIME, FIXED_TIME)]


def test_create_alias_by_key_arn_and_upper_case_id(repo: core.InMemoryRepository, env: core.Env, key_id: str) -> None:
    create_alias(repo, env, "alias/by-arn", KEY_ARN_PREFIX + key_id)
    create_alias(repo, env, "alias/by-upper-id", key_id.upper())
    assert all_aliases(repo) == [
        Alias("alias/by-arn", key_id, FIXED_TIME, FIXED_TIME),
        Alias("alias/by-upper-id", key_id, FIXED_TIME, FIXED_TIME),
    ]


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [
        pytest.param("ExampleAlias", "ValidationException", PREFIX_MESSAGE, id="no-prefix"),
        pytest.param(
            "alias/a:b", "ValidationException", "alias/a:b contains invalid characters for an alias", id="colon"
        ),
        pytest.param("alias/", "InvalidAliasNameException", "Alias name must not be empty", id="empty-name"),
        pytest.param("alias/aws/ebs", "NotAuthorizedException", "", id="reserved"),
        pytest.param(
            "alias/has space",
            "ValidationException",
            "1 validation error detected: Value 'alias/has space' at 'aliasName' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$",
            id="pattern",
        ),
        pytest.param(
            "alias/" + "a" * 251,
            "ValidationException",
            f"1 validation error detected: Value 'alias/{'a' * 251}' at 'aliasName' failed to satisfy constraint: "
            "Member must have length less than or equal to 256",
            id="too-long",
        ),
    ],
)
def test_create_alias_name_rules(
    repo: core.InMemoryRepository, env: core.Env, key_id: str, name: str, code: str, message: str
) -> None:
    assert refusal(repo, env, name, key_id) == (code, message)
    assert all_aliases(repo) == []


def test_longest_alias_name(repo: core.InMemoryRepository, env: core.Env, key_id: str) -> None:
    name = "alias/" + "a" * 250
    create_alias(repo, env, name, key_id)
    assert all_aliases(repo) == [Alias(name, key_id, FIXED_TIME, FIXED_TIME)]


def test_empty_alias_name_is_a_client_error(repo: core.InMemoryRepository, env: core.Env, key_id: str) -> None:
    with pytest.raises(core.ParamValidationError) as caught:
        create_alias(repo, env, "", key_id)
    assert caught.value.problems == ["Invalid length for parameter AliasName, value: 0, valid min length: 1"]


def test_name_is_checked_before_the_target(repo: core.InMemoryRepository, env: core.Env) -> None:
    assert refusal(repo, env, "alias/aws/x", "not-a-key") == ("NotAuthorizedException", "")


@pytest.mark.parametrize(
    ("target", "code", "message"),
    [
        pytest.param("alias/first", "ValidationException", "Aliases must refer to keys. Not aliases", id="alias-name"),
        pytest.param(
            ALIAS_ARN_PREFIX + "alias/first",
            "ValidationException",
            "Aliases must refer to keys. Not aliases",
            id="alias-arn",
        ),
        pytest.param("not-a-key", "NotFoundException", "Invalid keyId 'not-a-key'", id="malformed-key-id"),
        pytest.param(
            "0000aaaa-0000-4000-8000-000000000000",
            "NotFoundException",
            f"Key '{KEY_ARN_PREFIX}0000aaaa-0000-4000-8000-000000000000' does not exist",
            id="unknown-key",
        ),
        pytest.param(
            "arn:aws:kms:eu-west-1:111122223333:key/0000aaaa-0000-4000-8000-000000000000",
            "NotFoundException",
            "Invalid arn eu-west-1",
            id="other-region",
        ),
    ],
)
def test_create_alias_target_rules(
    repo: core.InMemoryRepository, env: core.Env, key_id: str, target: str, code: str, message: str
) -> None:
    create_alias(repo, env, "alias/first", key_id)
    assert refusal(repo, env, "alias/second", target) == (code, message)
    assert all_aliases(repo) == [Alias("alias/first", key_id, FIXED_TIME, FIXED_TIME)]


def test_duplicate_alias(repo: core.InMemoryRepository, env: core.Env, key_id: str) -> None:
    other = core.call("CreateKey", {}, repo, env).key_metadata.key_id
    create_alias(repo, env, "alias/app", key_id)
    assert refusal(repo, env, "alias/app", other) == (
        "AlreadyExistsException",
        f"An alias with the name {ALIAS_ARN_PREFIX}alias/app already exists",
    )
    assert all_aliases(repo) == [Alias("alias/app", key_id, FIXED_TIME, FIXED_TIME)]


def test_fifty_aliases_per_key(repo: core.InMemoryRepository, env: core.Env, key_id: str) -> None:
    for i in range(50):
        create_alias(repo, env, f"alias/a{i:02}", key_id)
    assert refusal(repo, env, "alias/a50", key_id) == (
        "LimitExceededException",
        f"Too many aliases for key {KEY_ARN_PREFIX}{key_id}",
    )
    assert repo.count_aliases(key_id) == 50
    assert repo.get_alias("alias/a50") is None
    # The quota is per key: another key still takes aliases.
    other = core.call("CreateKey", {}, repo, env).key_metadata.key_id
    create_alias(repo, env, "alias/a50", other)
    assert repo.get_alias("alias/a50") == Alias("alias/a50", other, FIXED_TIME, FIXED_TIME)


@pytest.mark.parametrize(
    ("state", "allowed"),
    [
        pytest.param(KeyState.Disabled, True, id="disabled"),
        pytest.param(KeyState.PendingImport, True, id="pending-import"),
        pytest.param(KeyState.Creating, True, id="creating"),
        pytest.param(KeyState.PendingDeletion, False, id="pending-deletion"),
        pytest.param(KeyState.PendingReplicaDeletion, False, id="pending-replica-deletion"),
    ],
)
def test_create_alias_by_key_state(
    repo: core.InMemoryRepository, env: core.Env, key_id: str, state: KeyState, allowed: bool
) -> None:
    repo.put_key(stored_key(repo, key_id)._replace(key_state=state))
    if allowed:
        create_alias(repo, env, "alias/app", key_id)
        assert all_aliases(repo) == [Alias("alias/app", key_id, FIXED_TIME, FIXED_TIME)]
    else:
        assert refusal(repo, env, "alias/app", key_id) == (
            "KMSInvalidStateException",
            f"{KEY_ARN_PREFIX}{key_id} is pending deletion.",
        )
        assert all_aliases(repo) == []
