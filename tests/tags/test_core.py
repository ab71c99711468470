"""Tag rules and TagResource, through core.call as the CLI and the server use it."""

from __future__ import annotations

from typing import Any

import pytest

from kmscli import core
from kmscli.core.errors import KmsError
from kmscli.core.model import Key, KeyState, Tag
from kmscli.core.tags import check_new_tags, merge_tags

ARN_PREFIX = "arn:aws:kms:us-west-2:111122223333:key/"


@pytest.fixture
def key_id(repo: core.InMemoryRepository, env: core.Env) -> str:
    return str(core.call("CreateKey", {}, repo, env).key_metadata.key_id)


def stored_key(repo: core.InMemoryRepository, key_id: str) -> Key:
    key = repo.get_key(key_id)
    if key is None:
        raise LookupError(key_id)
    return key


def tags(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"TagKey": k, "TagValue": v} for k, v in pairs]


def tag_resource(repo: core.InMemoryRepository, env: core.Env, key_id: str, new: list[dict[str, str]]) -> Any:
    return core.call("TagResource", {"KeyId": key_id, "Tags": new}, repo, env)


def refusal(repo: core.InMemoryRepository, env: core.Env, params: dict[str, Any]) -> tuple[str, str]:
    with pytest.raises(KmsError) as caught:
        core.call("TagResource", params, repo, env)
    return caught.value.code, caught.value.message


# ---------------------------------------------------------------- rules as functions


@pytest.mark.parametrize(
    ("new", "message"),
    [
        pytest.param([Tag("aws:owner", "x")], "Tags beginning with aws: are reserved", id="aws-prefix"),
        pytest.param([Tag("AWS:owner", "x")], "Tags beginning with aws: are reserved", id="aws-prefix-upper"),
        pytest.param([Tag("Aws:", "")], "Tags beginning with aws: are reserved", id="aws-prefix-only"),
        pytest.param([Tag("a", "1"), Tag("a", "2")], "Duplicate tag keys", id="duplicate"),
        pytest.param(
            # The reserved prefix is reported before duplicates.
            [Tag("aws:x", "1"), Tag("aws:x", "1")],
            "Tags beginning with aws: are reserved",
            id="reserved-first",
        ),
    ],
)
def test_check_new_tags_refuses(new: list[Tag], message: str) -> None:
    with pytest.raises(KmsError) as caught:
        check_new_tags(new)
    assert (caught.value.code, caught.value.message) == ("TagException", message)


@pytest.mark.parametrize(
    "new",
    [
        pytest.param([], id="none"),
        pytest.param([Tag("awsome", "x"), Tag("my:aws:x", "y")], id="aws-not-at-the-start"),
        pytest.param([Tag("a", "1"), Tag("A", "1")], id="keys-are-case-sensitive"),
    ],
)
def test_check_new_tags_accepts(new: list[Tag]) -> None:
    check_new_tags(new)


def test_merge_tags_upserts_and_sorts() -> None:
    merged = merge_tags([Tag("b", "old"), Tag("c", "keep")], [Tag("b", "new"), Tag("a", "")])
    assert merged == [Tag("a", ""), Tag("b", "new"), Tag("c", "keep")]


def test_merge_tags_counts_after_merging() -> None:
    existing = [Tag(f"k{i:02}", "v") for i in range(50)]
    assert merge_tags(existing, [Tag("k00", "changed")])[0] == Tag("k00", "changed")
    with pytest.raises(KmsError) as caught:
        merge_tags(existing, [Tag("k50", "v")])
    assert (caught.value.code, caught.value.message) == ("TagException", "Too many tags")


# ---------------------------------------------------------------- TagResource


def test_tag_resource_stores_sorted_tags(repo: core.InMemoryRepository, env: core.Env, key_id: str) -> None:
    assert tag_resource(repo, env, key_id, tags(("Project", "Alpha"), ("CostCenter", ""), ("b", "1"))) is None
    assert repo.get_tags(key_id) == [Tag("CostCenter", ""), Tag("Project", "Alpha"), Tag("b", "1")]


def test_tag_resource_upserts(repo: core.InMemoryRepository, env: core.Env, key_id: str) -> None:
    tag_resource(repo, env, key_id, tags(("Project", "Alpha"), ("Owner", "ann")))
    tag_resource(repo, env, key_id, tags(("Project", "Beta"), ("Stage", "prod")))
    assert repo.get_tags(key_id) == [Tag("Owner", "ann"), Tag("Project", "Beta"), Tag("Stage", "prod")]


def test_tag_resource_by_key_arn(repo: core.InMemoryRepository, env: core.Env, key_id: str) -> None:
    tag_resource(repo, env, ARN_PREFIX + key_id, tags(("a", "b")))
    assert repo.get_tags(key_id) == [Tag("a", "b")]


def test_fifty_tags_fit_and_the_fifty_first_does_not(repo: core.InMemoryRepository, env: core.Env, key_id: str) -> None:
    fifty = tags(*((f"k{i:02}", "v") for i in range(50)))
    tag_resource(repo, env, key_id, fifty[:30])
    tag_resource(repo, env, key_id, fifty[30:])
    # Overwriting an existing tag does not count against the limit.
    tag_resource(repo, env, key_id, tags(("k00", "changed")))
    before = repo.get_tags(key_id)
    assert len(before) == 50
    assert before[0] == Tag("k00", "changed")
    assert refusal(repo, env, {"KeyId": key_id, "Tags": tags(("k50", "v"))}) == ("TagException", "Too many tags")
    assert repo.get_tags(key_id) == before


def test_fifty_one_tags_in_one_request(repo: core.InMemoryRepository, env: core.Env, key_id: str) -> None:
    many = tags(*((f"k{i:02}", "v") for i in range(51)))
    assert refusal(repo, env, {"KeyId": key_id, "Tags": many}) == ("TagException", "Too many tags")
    assert repo.get_tags(key_id) == []


@pytest.mark.parametrize(
    ("new", "code", "message"),
    [
        pytest.param(tags(("aws:team", "x")), "TagException", "Tags beginning with aws: are reserved", id="reserved"),
        pytest.param(tags(("AWS:team", "x")), "TagException", "Tags beginning with aws: are reserved", id="upper"),
        pytest.param(tags(("a", "1"), ("a", "2")), "TagException", "Duplicate tag keys", id="duplicate"),
        pytest.param(
            tags(("k" * 129, "v")),
            "ValidationException",
            f"1 validation error detected: Value '{'k' * 129}' at 'tags.1.member.tagKey' failed to satisfy "
            "constraint: Member must have length less than or equal to 128",
            id="key-too-long",
        ),
        pytest.param(
            tags(("a", "v"), ("b", "v" * 257)),
            "ValidationException",
            f"1 validation error detected: Value '{'v' * 257}' at 'tags.2.member.tagValue' failed to satisfy "
            "constraint: Member must have length less than or equal to 256",
            id="value-too-long",
        ),
    ],
)
def test_tag_rules(
    repo: core.InMemoryRepository, env: core.Env, key_id: str, new: list[dict[str, str]], code: str, message: str
) -> None:
    assert refusal(repo, env, {"KeyId": key_id, "Tags": new}) == (code, message)
    assert repo.get_tags(key_id) == []


def test_tag_limits_are_inclusive(repo: core.InMemoryRepository, env: core.Env, key_id: str) -> None:
    tag_resource(repo, env, key_id, tags(("k" * 128, "v" * 256)))
    assert repo.get_tags(key_id) == [Tag("k" * 128, "v" * 256)]


def test_empty_tag_key_is_a_client_error(repo: core.InMemoryRepository, env: core.Env, key_id: str) -> None:
    with pytest.raises(core.ParamValidationError) as caught:
        tag_resource(repo, env, key_id, tags(("", "v")))
    assert caught.value.problems == ["Invalid length for parameter Tags[0].TagKey, value: 0, valid min length: 1"]


@pytest.mark.parametrize(
    ("target", "message"),
    [
        pytest.param("alias/app", "Invalid keyId 'alias/app'", id="alias-name"),
        pytest.param(
            "arn:aws:kms:us-west-2:111122223333:alias/app",
            "Invalid keyId 'arn:aws:kms:us-west-2:111122223333:alias/app'",
            id="alias-arn",
        ),
        pytest.param("not-a-key", "Invalid keyId 'not-a-key'", id="malformed"),
        pytest.param(
            "0000aaaa-0000-4000-8000-000000000000",
            f"Key '{ARN_PREFIX}0000aaaa-0000-4000-8000-000000000000' does not exist",
            id="unknown",
        ),
    ],
)
def test_tag_resource_needs_an_existing_key_id_or_arn(
    repo: core.InMemoryRepository, env: core.Env, key_id: str, target: str, message: str
) -> None:
    core.call("CreateAlias", {"AliasName": "alias/app", "TargetKeyId": key_id}, repo, env)
    assert refusal(repo, env, {"KeyId": target, "Tags": tags(("a", "b"))}) == ("NotFoundException", message)
    assert repo.get_tags(key_id) == []


@pytest.mark.parametrize(
    ("state", "allowed"),
    [
        pytest.param(KeyState.Disabled, True, id="disabled"),
        pytest.param(KeyState.PendingImport, True, id="pending-import"),
        pytest.param(KeyState.PendingDeletion, False, id="pending-deletion"),
        pytest.param(KeyState.PendingReplicaDeletion, False, id="pending-replica-deletion"),
    ],
)
def test_tag_resource_by_key_state(
    repo: core.InMemoryRepository, env: core.Env, key_id: str, state: KeyState, allowed: bool
) -> None:
    repo.put_key(stored_key(repo, key_id)._replace(key_state=state))
    if allowed:
        tag_resource(repo, env, key_id, tags(("a", "b")))
        assert repo.get_tags(key_id) == [Tag("a", "b")]
    else:
        assert refusal(repo, env, {"KeyId": key_id, "Tags": tags(("a", "b"))}) == (
            "KMSInvalidStateException",
            f"{ARN_PREFIX}{key_id} is pending deletion.",
        )
        assert repo.get_tags(key_id) == []
