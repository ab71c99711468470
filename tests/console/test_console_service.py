"""create_console_key: the key with the console's policy and its alias, in one transaction."""

from __future__ import annotations

from pathlib import Path

import pytest

from kmscli import core
from kmscli.core import Alias, Tag, console
from kmscli.core.console import ConsoleKeyRequest, OperationFailed
from kmscli.core.errors import AlreadyExistsException, ValidationException
from kmscli.core.keys import DescribeKeyResult
from kmscli.store import Store

ACCOUNT = "111122223333"
REGION = "us-west-2"
NOW = 1502910355.475
ADMIN = f"arn:aws:iam::{ACCOUNT}:role/KMSAdminRole"
USER = f"arn:aws:iam::{ACCOUNT}:user/ExampleUser"

REQUEST = ConsoleKeyRequest(
    alias_name="alias/ExampleAlias",
    key_spec="RSA_2048",
    key_usage="SIGN_VERIFY",
    description="signs release manifests",
    tags=(Tag("Project", "alpha"), Tag("Owner", "")),
    key_administrators=(ADMIN,),
    allow_administrator_deletion=False,
    key_users=(USER,),
    other_accounts=("444455556666",),
)


def test_creates_the_key_with_the_console_policy_then_the_alias(repo, env) -> None:
    result = console.create_console_key(repo, env, REQUEST)
    key_id = result.key_metadata.key_id
    assert result == console.ConsoleKeyResult(
        key_metadata=core.call("DescribeKey", {"KeyId": key_id}, repo, env).key_metadata,
        alias_name="alias/ExampleAlias",
        alias_arn=f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/ExampleAlias",
    )
    metadata = result.key_metadata
    assert (metadata.key_spec, metadata.key_usage, metadata.origin, metadata.multi_region, metadata.description) == (
        "RSA_2048", "SIGN_VERIFY", "AWS_KMS", False, "signs release manifests",
    )  # fmt: skip
    key = repo.get_key(key_id)
    assert key is not None
    assert key.policy == console.console_key_policy("aws", ACCOUNT, REQUEST)
    assert repo.get_alias("alias/ExampleAlias") == Alias("alias/ExampleAlias", key_id, NOW, NOW)
    assert repo.get_tags(key_id) == [Tag("Owner", ""), Tag("Project", "alpha")]


def test_the_alias_resolves_to_the_key(repo, env) -> None:
    result = console.create_console_key(repo, env, ConsoleKeyRequest(alias_name="alias/data"))
    described = core.call("DescribeKey", {"KeyId": "alias/data"}, repo, env)
    assert described == DescribeKeyResult(result.key_metadata)


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        pytest.param({"origin": "EXTERNAL"}, ("EXTERNAL", "PendingImport", False), id="imported-key-material"),
        pytest.param({"multi_region": True}, ("AWS_KMS", "Enabled", True), id="multi-region"),
    ],
)
def test_advanced_options_reach_create_key(repo, env, answers, expected) -> None:
    result = console.create_console_key(repo, env, ConsoleKeyRequest(alias_name="alias/adv", **answers))
    metadata = result.key_metadata
    assert (metadata.origin, metadata.key_state, metadata.multi_region) == expected
    assert metadata.key_id.startswith("mrk-") is expected[2]


def test_a_refused_alias_names_create_alias(repo, env) -> None:
    console.create_console_key(repo, env, ConsoleKeyRequest(alias_name="alias/taken"))
    with pytest.raises(OperationFailed) as failed:
        console.create_console_key(repo, env, ConsoleKeyRequest(alias_name="alias/taken"))
    assert failed.value.operation == "CreateAlias"
    assert isinstance(failed.value.error, AlreadyExistsException)
    assert failed.value.error.message == (
        f"An alias with the name arn:aws:kms:{REGION}:{ACCOUNT}:alias/taken already exists"
    )


def test_an_alias_is_taken_only_while_its_key_lives(repo, env) -> None:
    created = console.create_console_key(repo, env, ConsoleKeyRequest(alias_name="alias/brief"))
    key_id = created.key_metadata.key_id
    core.call("ScheduleKeyDeletion", {"KeyId": key_id, "PendingWindowInDays": 7}, repo, env)
    assert console.alias_exists(repo, env, "alias/brief") is True
    after = env._replace(clock=lambda: env.now() + 7 * 86400)
    assert console.alias_exists(repo, after, "alias/brief") is False
    assert (repo.get_key(key_id), repo.get_alias("alias/brief")) == (None, None)


def test_a_refused_key_names_create_key(repo, env) -> None:
    with pytest.raises(OperationFailed) as failed:
        console.create_console_key(
            repo, env, ConsoleKeyRequest(alias_name="alias/x", key_spec="SYMMETRIC_DEFAULT", key_usage="SIGN_VERIFY")
        )
    assert failed.value.operation == "CreateKey"
    assert isinstance(failed.value.error, ValidationException)
    assert failed.value.error.message == "KeyUsage SIGN_VERIFY is not compatible with KeySpec SYMMETRIC_DEFAULT"
    assert repo.count_keys() == 0


def test_a_refused_alias_leaves_no_key_in_the_store(tmp_path: Path, env) -> None:
    store = Store(tmp_path / "state")
    with store.transaction(write=True, account_id=ACCOUNT, region=REGION) as repo:
        first = console.create_console_key(repo, env, ConsoleKeyRequest(alias_name="alias/taken"))
    with (
        pytest.raises(OperationFailed) as failed,
        store.transaction(write=True, account_id=ACCOUNT, region=REGION) as repo,
    ):
        console.create_console_key(repo, env, ConsoleKeyRequest(alias_name="alias/taken", key_users=(USER,)))
    assert failed.value.operation == "CreateAlias"
    with store.transaction(write=False, account_id=ACCOUNT, region=REGION) as repo:
        assert repo.list_keys(None, 100) == [first.key_metadata.key_id]
        assert repo.list_aliases(None, None, 100) == [Alias("alias/taken", first.key_metadata.key_id, NOW, NOW)]


def test_alias_exists(repo, env) -> None:
    assert console.alias_exists(repo, env, "alias/a") is False
    console.create_console_key(repo, env, ConsoleKeyRequest(alias_name="alias/a"))
    assert console.alias_exists(repo, env, "alias/a") is True
