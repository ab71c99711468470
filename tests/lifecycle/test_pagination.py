"""Pagination: 250 keys and 250 aliases walked every way the API and the AWS CLI allow.

Every walk must return each item exactly once, in the service's order (keys by key ID,
aliases by name), whatever the page size, item cap or resume point.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from kmscli import core
from kmscli.core.managed import PREDEFINED_SERVICES
from kmscli.store import Store

N = 250


@pytest.fixture
def populated(state_dir: Path, env: core.Env) -> tuple[list[str], list[str]]:
    """250 keys, and 250 aliases spread over them (at most 50 per key), written in one transaction."""
    with Store(state_dir).transaction(write=True, account_id=env.account_id, region=env.region) as repo:
        keys = [core.call("CreateKey", {}, repo, env).key_metadata.key_id for _ in range(N)]
        aliases = [f"alias/a{i:03d}" for i in range(N)]
        for i, alias in enumerate(aliases):
            core.call("CreateAlias", {"AliasName": alias, "TargetKeyId": keys[i % 10]}, repo, env)
    # ListAliases also lists the predefined AWS aliases that have no key yet (botocore's model,
    # ListAliases documentation), so every walk of the account's aliases meets them too.
    predefined = [f"alias/aws/{service}" for service in PREDEFINED_SERVICES]
    return sorted(keys), sorted(aliases + predefined)


def _json(result: Result) -> dict:
    assert (result.exit_code, result.stderr) == (0, ""), result.stderr
    return json.loads(result.stdout)


def _key_ids(doc: dict) -> list[str]:
    return [k["KeyId"] for k in doc["Keys"]]


def _alias_names(doc: dict) -> list[str]:
    return [a["AliasName"] for a in doc["Aliases"]]


def test_auto_pagination_prints_every_item_and_no_paging_members(invoke: Callable[..., Result], populated) -> None:
    keys, aliases = populated
    doc = _json(invoke("list-keys"))
    assert list(doc) == ["Keys"]
    assert _key_ids(doc) == keys
    doc = _json(invoke("list-aliases"))
    assert list(doc) == ["Aliases"]
    assert _alias_names(doc) == aliases


@pytest.mark.parametrize("page_size", [1, 7, 50, 100])
def test_page_size_changes_nothing_printed(invoke: Callable[..., Result], populated, page_size: int) -> None:
    keys, aliases = populated
    assert _key_ids(_json(invoke("list-keys", "--page-size", str(page_size)))) == keys
    assert _alias_names(_json(invoke("list-aliases", "--page-size", str(page_size)))) == aliases


@pytest.mark.parametrize(
    ("max_items", "page_size"),
    [*itertools.product([1, 7, 100, 249], [None, 1, 7, 100]), (250, None), (251, 30)],
)
def test_max_items_and_starting_token_walk_everything_once(
    invoke: Callable[..., Result], populated, max_items: int, page_size: int | None
) -> None:
    keys, aliases = populated
    for command, extract, expected in (("list-keys", _key_ids, keys), ("list-aliases", _alias_names, aliases)):
        seen: list[str] = []
        token = None
        while True:
            args = [command, "--max-items", str(max_items)]
            if page_size is not None:
                args += ["--page-size", str(page_size)]
            if token is not None:
                args += ["--starting-token", token]
            doc = _json(invoke(*args))
            items = extract(doc)
            assert len(items) == min(max_items, len(expected) - len(seen))
            seen += items
            token = doc.get("NextToken")
            if token is None:
                break
            assert set(doc) == {"NextToken", "Keys" if command == "list-keys" else "Aliases"}
        assert seen == expected


@pytest.mark.parametrize("limit", [1, 7, 100, 250, 1000])
def test_limit_and_marker_walk_pages_by_hand(invoke: Callable[..., Result], populated, limit: int) -> None:
    keys, _ = populated
    seen: list[str] = []
    marker = None
    while True:
        args = ["list-keys", "--limit", str(limit)] + (["--marker", marker] if marker else [])
        doc = _json(invoke(*args))
        page = _key_ids(doc)
        assert len(page) == min(limit, N - len(seen))
        seen += page
        if not doc["Truncated"]:
            assert "NextMarker" not in doc
            break
        assert list(doc) == ["Keys", "NextMarker", "Truncated"]
        marker = doc["NextMarker"]
    assert seen == keys


@pytest.mark.parametrize("limit", [1, 7, 100])
def test_alias_pages_by_hand(invoke: Callable[..., Result], populated, limit: int) -> None:
    _, aliases = populated
    seen: list[str] = []
    marker = None
    while True:
        doc = _json(invoke("list-aliases", "--limit", str(limit), *(["--marker", marker] if marker else [])))
        seen += _alias_names(doc)
        if not doc["Truncated"]:
            break
        marker = doc["NextMarker"]
    assert seen == aliases


def test_no_paginate_prints_one_raw_page(invoke: Callable[..., Result], populated) -> None:
    keys, aliases = populated
    doc = _json(invoke("list-keys", "--no-paginate"))
    assert (_key_ids(doc), doc["Truncated"]) == (keys[:100], True)
    assert list(doc) == ["Keys", "NextMarker", "Truncated"]
    doc = _json(invoke("list-aliases", "--no-paginate"))
    assert (_alias_names(doc), doc["Truncated"]) == (aliases[:50], True)


def test_alias_filter_by_key_pages_only_that_keys_aliases(invoke: Callable[..., Result], populated, env) -> None:
    target = json.loads(invoke("describe-key", "--key-id", "alias/a000").stdout)["KeyMetadata"]["KeyId"]
    doc = _json(invoke("list-aliases", "--key-id", target, "--page-size", "4"))
    assert _alias_names(doc) == [f"alias/a{i:03d}" for i in range(0, N, 10)]
    assert {a["TargetKeyId"] for a in doc["Aliases"]} == {target}


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["list-keys", "--marker", "not-a-marker"],
            "InvalidMarkerException",
            "The request was rejected because the marker that specifies where pagination should next begin "
            "is not valid.",
        ),
        (
            ["list-aliases", "--limit", "101"],
            "ValidationException",
            "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: "
            "Member must have value less than or equal to 100",
        ),
        (
            ["list-keys", "--limit", "1001"],
            "ValidationException",
            "1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint: "
            "Member must have value less than or equal to 1000",
        ),
    ],
)
def test_bad_paging_input(invoke: Callable[..., Result], populated, args: list[str], code: str, message: str) -> None:
    result = invoke(*args)
    operation = "ListKeys" if args[0] == "list-keys" else "ListAliases"
    assert (result.exit_code, result.stdout) == (255, "")
    assert result.stderr == f"\nAn error occurred ({code}) when calling the {operation} operation: {message}\n"


def test_a_marker_of_another_listing_is_refused(invoke: Callable[..., Result], populated) -> None:
    marker = _json(invoke("list-keys", "--limit", "1"))["NextMarker"]
    result = invoke("list-aliases", "--marker", marker)
    assert (result.exit_code, result.stdout) == (255, "")
    assert result.stderr == (
        "\nAn error occurred (InvalidMarkerException) when calling the ListAliases operation: The request was "
        "rejected because the marker that specifies where pagination should next begin is not valid.\n"
    )
