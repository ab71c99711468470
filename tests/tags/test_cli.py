"""tag-resource through the command line: shorthand and JSON syntaxes, upsert, every tag rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from kmscli.core import KeyState, Tag
from kmscli.store import Store

ACCOUNT = "111122223333"
REGION = "us-west-2"
NOW = 1502910355.475
KEY1 = "b5dacb29-7d38-4ab6-983e-a65abddb4b70"  # the first key ID the `env` fixture hands out
UNKNOWN = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY1_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{KEY1}"


def service_error(code: str, message: str) -> str:
    return f"\nAn error occurred ({code}) when calling the TagResource operation: {message}\n"


def tags_of(state_dir: Path, key_id: str = KEY1) -> list[Tag]:
    with Store(state_dir).transaction(write=False, account_id=ACCOUNT, region=REGION) as repo:
        return repo.get_tags(key_id)


@pytest.fixture
def key_id(invoke) -> str:
    created = invoke(
        "create-key", "--tags", "TagKey=Existing,TagValue=kept", "--query", "KeyMetadata.KeyId", "--output", "text"
    )
    assert (created.exit_code, created.stdout, created.stderr) == (0, KEY1 + "\n", "")
    return KEY1


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        pytest.param(["TagKey=Purpose,TagValue=Test"], [Tag("Purpose", "Test")], id="shorthand-one"),
        pytest.param(
            ["TagKey=Purpose,TagValue=Test", "TagKey=Team,TagValue=Security"],
            [Tag("Purpose", "Test"), Tag("Team", "Security")],
            id="shorthand-two-words",
        ),
        pytest.param(["TagKey=Empty,TagValue="], [Tag("Empty", "")], id="shorthand-empty-value"),
        pytest.param(['TagKey=Csv,TagValue="a,b"'], [Tag("Csv", "a,b")], id="shorthand-quoted-comma"),
        pytest.param(["TagKey=Csv,TagValue=a\\,b"], [Tag("Csv", "a,b")], id="shorthand-escaped-comma"),
        pytest.param(
            ['[{"TagKey": "Purpose", "TagValue": "Test"}, {"TagKey": "Team", "TagValue": "Security"}]'],
            [Tag("Purpose", "Test"), Tag("Team", "Security")],
            id="json-list",
        ),
        pytest.param(['{"TagKey": "Solo", "TagValue": "x"}'], [Tag("Solo", "x")], id="json-object-as-list"),
        pytest.param(["TagKey=Café,TagValue=日本"], [Tag("Café", "日本")], id="unicode"),
    ],
)
def test_tag_resource_adds_tags(invoke, key_id, state_dir, tags, expected):
    result = invoke("tag-resource", "--key-id", key_id, "--tags", *tags)
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert tags_of(state_dir) == sorted([Tag("Existing", "kept"), *expected])


def test_tag_resource_by_key_arn(invoke, key_id, state_dir):
    result = invoke("tag-resource", "--key-id", KEY1_ARN, "--tags", "TagKey=ByArn,TagValue=yes")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert tags_of(state_dir) == [Tag("ByArn", "yes"), Tag("Existing", "kept")]


def test_tag_resource_from_a_file(invoke, key_id, state_dir, tmp_path):
    path = tmp_path / "tags.json"
    path.write_text('[{"TagKey": "FromFile", "TagValue": "1"}]\n', encoding="utf-8")
    result = invoke("tag-resource", "--key-id", key_id, "--tags", f"file://{path}")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert tags_of(state_dir) == [Tag("Existing", "kept"), Tag("FromFile", "1")]


def test_tag_resource_upserts(invoke, key_id, state_dir):
    first = invoke("tag-resource", "--key-id", key_id, "--tags", "TagKey=Stage,TagValue=dev", "TagKey=Owner,TagValue=a")
    assert (first.exit_code, first.stdout, first.stderr) == (0, "", "")
    second = invoke("tag-resource", "--key-id", key_id, "--tags", '[{"TagKey": "Stage", "TagValue": "prod"}]')
    assert (second.exit_code, second.stdout, second.stderr) == (0, "", "")
    # The new value replaces the old one; every other tag is kept.
    assert tags_of(state_dir) == [Tag("Existing", "kept"), Tag("Owner", "a"), Tag("Stage", "prod")]


def test_tag_keys_are_case_sensitive(invoke, key_id, state_dir):
    result = invoke("tag-resource", "--key-id", key_id, "--tags", "TagKey=existing,TagValue=lower")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert tags_of(state_dir) == [Tag("Existing", "kept"), Tag("existing", "lower")]


def test_fifty_tags_are_allowed(invoke, key_id, state_dir):
    words = [f"TagKey=k{i:02},TagValue=v" for i in range(49)]
    result = invoke("tag-resource", "--key-id", key_id, "--tags", *words)
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert len(tags_of(state_dir)) == 50


@pytest.mark.parametrize(
    ("tags", "code", "message"),
    [
        pytest.param(
            ["TagKey=aws:team,TagValue=x"],
            "TagException",
            "Tags beginning with aws: are reserved",
            id="reserved-prefix",
        ),
        pytest.param(
            ["TagKey=AWS:Team,TagValue=x"],
            "TagException",
            "Tags beginning with aws: are reserved",
            id="reserved-prefix-any-case",
        ),
        pytest.param(
            ["TagKey=a,TagValue=1", "TagKey=a,TagValue=2"],
            "TagException",
            "Duplicate tag keys",
            id="duplicate-in-request",
        ),
        # One key already exists: 50 new ones make 51 after the merge.
        pytest.param(
            [f"TagKey=k{i:02},TagValue=v" for i in range(50)],
            "TagException",
            "Too many tags",
            id="too-many-after-merge",
        ),
        pytest.param(
            [f"TagKey={'k' * 129},TagValue=v"],
            "ValidationException",
            f"1 validation error detected: Value '{'k' * 129}' at 'tags.1.member.tagKey' failed to satisfy "
            "constraint: Member must have length less than or equal to 128",
            id="key-too-long",
        ),
        pytest.param(
            ["TagKey=ok,TagValue=v", f"TagKey=long,TagValue={'v' * 257}"],
            "ValidationException",
            f"1 validation error detected: Value '{'v' * 257}' at 'tags.2.member.tagValue' failed to satisfy "
            "constraint: Member must have length less than or equal to 256",
            id="value-too-long",
        ),
    ],
)
def test_tag_resource_service_errors(invoke, key_id, state_dir, tags, code, message):
    result = invoke("tag-resource", "--key-id", key_id, "--tags", *tags)
    assert (result.exit_code, result.stdout, result.stderr) == (255, "", service_error(code, message))
    assert tags_of(state_dir) == [Tag("Existing", "kept")]


@pytest.mark.parametrize(
    ("target", "code", "message"),
    [
        pytest.param("alias/tagged", "NotFoundException", "Invalid keyId 'alias/tagged'", id="alias-name"),
        pytest.param(
            f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/tagged",
            "NotFoundException",
            f"Invalid keyId 'arn:aws:kms:{REGION}:{ACCOUNT}:alias/tagged'",
            id="alias-arn",
        ),
        pytest.param(
            UNKNOWN,
            "NotFoundException",
            f"Key 'arn:aws:kms:{REGION}:{ACCOUNT}:key/{UNKNOWN}' does not exist",
            id="unknown-key",
        ),
        pytest.param("arn:aws:kms:", "InvalidArnException", "Invalid arn arn:aws:kms:", id="bad-arn"),
    ],
)
def test_tag_resource_key_errors(invoke, key_id, state_dir, target, code, message):
    aliased = invoke("create-alias", "--alias-name", "alias/tagged", "--target-key-id", key_id)
    assert (aliased.exit_code, aliased.stderr) == (0, "")
    result = invoke("tag-resource", "--key-id", target, "--tags", "TagKey=New,TagValue=x")
    assert (result.exit_code, result.stdout, result.stderr) == (255, "", service_error(code, message))
    assert tags_of(state_dir) == [Tag("Existing", "kept")]


def test_tag_resource_on_a_key_pending_deletion(invoke, key_id, state_dir):
    with Store(state_dir).transaction(write=True, account_id=ACCOUNT, region=REGION) as repo:
        key = repo.get_key(key_id)
        repo.put_key(key._replace(key_state=KeyState.PendingDeletion, deletion_date=NOW + 7 * 86400))
    result = invoke("tag-resource", "--key-id", key_id, "--tags", "TagKey=New,TagValue=x")
    expected = service_error("KMSInvalidStateException", f"{KEY1_ARN} is pending deletion.")
    assert (result.exit_code, result.stdout, result.stderr) == (255, "", expected)
    assert tags_of(state_dir) == [Tag("Existing", "kept")]


def test_tag_resource_on_a_disabled_key(invoke, key_id, state_dir):
    # Tagging is refused only while a deletion is pending.
    with Store(state_dir).transaction(write=True, account_id=ACCOUNT, region=REGION) as repo:
        repo.put_key(repo.get_key(key_id)._replace(key_state=KeyState.Disabled))
    result = invoke("tag-resource", "--key-id", key_id, "--tags", "TagKey=New,TagValue=x")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert tags_of(state_dir) == [Tag("Existing", "kept"), Tag("New", "x")]


@pytest.mark.parametrize(
    ("tags", "stderr"),
    [
        pytest.param(
            ["TagKey=a"],
            '\nParameter validation failed:\nMissing required parameter in Tags[0]: "TagValue"\n',
            id="value-missing",
        ),
        pytest.param(
            ["TagKey=,TagValue=x"],
            "\nParameter validation failed:\n"
            "Invalid length for parameter Tags[0].TagKey, value: 0, valid min length: 1\n",
            id="empty-key",
        ),
        pytest.param(
            ['[{"TagKey": 1, "TagValue": "x"}]'],
            "\nParameter validation failed:\n"
            "Invalid type for parameter Tags[0].TagKey, value: 1, type: <class 'int'>, valid types: <class 'str'>\n",
            id="key-not-a-string",
        ),
        pytest.param(
            ["TagKey=a,TagValue=b,c"],
            "\nParameter validation failed:\n"
            "Invalid type for parameter Tags[0].TagValue, value: ['b', 'c'], type: <class 'list'>, "
            "valid types: <class 'str'>\n",
            id="unquoted-comma-makes-a-list",
        ),
        pytest.param(
            ["TagKey=a,"],
            "\nError parsing parameter '--tags': Expected: '<second>', received: '<none>' for input:\n"
            "TagKey=a,\n         ^\n",
            id="shorthand-trailing-comma",
        ),
    ],
)
def test_tag_resource_client_side_errors(invoke, key_id, state_dir, tags, stderr):
    result = invoke("tag-resource", "--key-id", key_id, "--tags", *tags)
    assert (result.exit_code, result.stdout, result.stderr) == (255, "", stderr)
    assert tags_of(state_dir) == [Tag("Existing", "kept")]
