"""Text output of paginated commands is formatted page by page, --query applied to each page,
as the AWS CLI does (transcripts 07-003..010); JSON applies the query once to the merged result."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import pytest
from click.testing import Result


@pytest.fixture
def five_keys(invoke: Callable[..., Result]) -> list[str]:
    created = [json.loads(invoke("create-key").stdout)["KeyMetadata"]["KeyId"] for _ in range(5)]
    return sorted(created)


def run(invoke: Callable[..., Result], *args: str) -> str:
    result = invoke("list-keys", "--page-size", "2", *args)
    assert (result.exit_code, result.stderr) == (0, ""), result.stderr
    return result.stdout


def test_text_query_is_applied_to_each_page(invoke, five_keys) -> None:
    assert run(invoke, "--query", "length(Keys)", "--output", "text") == "2\n2\n1\n"
    assert run(invoke, "--query", "Keys[0].KeyId", "--output", "text") == "".join(f"{k}\n" for k in five_keys[::2])
    pages = [five_keys[0:2], five_keys[2:4], five_keys[4:]]
    assert run(invoke, "--query", "Keys[].KeyId", "--output", "text") == "".join(
        "\t".join(page) + "\n" for page in pages
    )


def test_json_query_is_applied_once_to_the_merged_result(invoke, five_keys) -> None:
    assert run(invoke, "--query", "length(Keys)") == "5\n"


def test_text_ends_with_the_next_token_when_items_are_capped(invoke, five_keys) -> None:
    out = run(invoke, "--max-items", "3", "--output", "text")
    lines = out.splitlines()
    arn = "arn:aws:kms:us-west-2:111122223333:key/"
    assert lines[:3] == [f"KEYS\t{arn}{k}\t{k}" for k in five_keys[:3]]
    name, token = lines[3].split("\t")
    assert name == "NEXTTOKEN"
    # The cut fell inside the second page, after its first item (botocore's resume token).
    marker = json.loads(base64.b64decode(token))
    assert marker["boto_truncate_amount"] == 1
    assert len(lines) == 4
