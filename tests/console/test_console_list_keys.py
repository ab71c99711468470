"""`kmscli console list-keys`: the console's key table, in one read of the state."""

from __future__ import annotations

import json

import pytest

from kmscli import core
from kmscli.core import console as flow
from kmscli.core.model import DAY

NOW = 1502910355.475


def _make(invoke, *args: str) -> str:
    made = invoke("create-key", *args, "--query", "KeyMetadata.KeyId", "--output", "text")
    assert (made.exit_code, made.stderr) == (0, "")
    return made.stdout.strip()


@pytest.fixture
def keys(invoke) -> dict[str, str]:
    web = _make(invoke, "--description", "the web tier, production, with a long description")
    signing = _make(invoke, "--key-spec", "ECC_NIST_P256", "--key-usage", "SIGN_VERIFY")
    doomed = _make(invoke)
    for alias, key in (("alias/web", web), ("alias/zeta", signing), ("alias/alpha", signing)):
        done = invoke("create-alias", "--alias-name", alias, "--target-key-id", key)
        assert (done.exit_code, done.stderr) == (0, "")
    done = invoke("schedule-key-deletion", "--key-id", doomed, "--pending-window-in-days", "7")
    assert (done.exit_code, done.stderr) == (0, "")
    described = invoke("describe-key", "--key-id", "alias/aws/s3", "--query", "KeyMetadata.KeyId", "--output", "text")
    assert described.exit_code == 0
    return {"web": web, "signing": signing, "doomed": doomed, "s3": described.stdout.strip()}


def test_the_table_lists_customer_managed_keys_sorted_by_alias(invoke, keys):
    result = invoke("console", "list-keys")
    assert (result.exit_code, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    # Aligned columns: every row's cells start where the header's do.
    starts = [lines[0].index(h) for h in ("Key ID", "Status", "Key spec", "Key usage", "Description", "Deletion")]
    assert [[line[:starts[0]].rstrip(), *(line[a:b].rstrip() for a, b in zip(starts, [*starts[1:], None], strict=True))]
            for line in lines] == [
        ["Aliases", "Key ID", "Status", "Key spec", "Key usage", "Description", "Deletion date"],
        ["alias/alpha, alias/zeta", keys["signing"], "Enabled", "ECC_NIST_P256", "SIGN_VERIFY", "-", "-"],
        ["alias/web", keys["web"], "Enabled", "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", "the web tier, production, w…",
         "-"],
        ["-", keys["doomed"], "PendingDeletion", "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", "-", "2017-08-23 19:05 UTC"],
    ]  # fmt: skip


def test_aws_managed_keys_with_the_flag(invoke, keys):
    result = invoke("console", "list-keys", "--aws-managed", "--output", "json")
    assert (result.exit_code, result.stderr) == (0, "")
    assert json.loads(result.stdout) == {
        "Keys": [
            {
                "Aliases": ["alias/aws/s3"],
                "KeyId": keys["s3"],
                "Status": "Enabled",
                "KeySpec": "SYMMETRIC_DEFAULT",
                "KeyUsage": "ENCRYPT_DECRYPT",
                "Description": described_s3(invoke),
                "DeletionDate": "-",
            }
        ]
    }


def described_s3(invoke) -> str:
    got = invoke("describe-key", "--key-id", "alias/aws/s3", "--query", "KeyMetadata.Description", "--output", "text")
    return got.stdout.strip()


def test_query_picks_from_the_rows(invoke, keys):
    result = invoke("console", "list-keys", "--query", "Keys[?Status=='PendingDeletion'].KeyId", "--output", "text")
    assert (result.exit_code, result.stdout, result.stderr) == (0, keys["doomed"] + "\n", "")


def test_an_empty_region_shows_the_header_only(invoke):
    result = invoke("console", "list-keys")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == "Aliases  Key ID  Status  Key spec  Key usage  Description  Deletion date\n"


class CountingRepository:
    """A repository that counts the reads of the key table."""

    def __init__(self, inner: core.InMemoryRepository) -> None:
        self.inner = inner
        self.calls: list[str] = []

    def __getattr__(self, name: str):
        self.calls.append(name)
        return getattr(self.inner, name)


def test_one_listing_of_summaries_and_aliases_and_no_key_read_whole(repo, env):
    """Keys the clock changed nothing about are shown from their summaries: no policy or material is read."""
    for n in range(3):
        core.call("CreateKey", {"Description": f"k{n}"}, repo, env)
    counting = CountingRepository(repo)
    rows = flow.console_key_table(counting, env, aws_managed=False)
    assert [r.description for r in sorted(rows, key=lambda r: r.description)] == ["k0", "k1", "k2"]
    assert sorted(counting.calls) == ["list_aliases", "list_key_summaries"]


def test_a_key_the_clock_changed_is_read_whole_and_shown_as_it_now_stands(repo, env):
    kept = core.call("CreateKey", {"Description": "kept"}, repo, env).key_metadata.key_id
    doomed = core.call("CreateKey", {"Description": "doomed"}, repo, env).key_metadata.key_id
    core.call("CreateAlias", {"AliasName": "alias/doomed", "TargetKeyId": doomed}, repo, env)
    core.call("ScheduleKeyDeletion", {"KeyId": doomed, "PendingWindowInDays": 7}, repo, env)
    counting = CountingRepository(repo)
    week_later = env._replace(clock=lambda: NOW + 7 * DAY)
    rows = flow.console_key_table(counting, week_later, aws_managed=False)
    assert [(r.key_id, r.aliases, r.status) for r in rows] == [(kept, (), "Enabled")]
    # Only the doomed key was read whole, and its deletion done (with its alias).
    assert counting.calls.count("get_key") == 1
    assert (repo.get_key(doomed), repo.get_alias("alias/doomed")) == (None, None)


def test_the_table_shows_no_key_whose_deletion_date_passed(invoke, keys, runtime):
    runtime.env = runtime.env._replace(clock=lambda: NOW + 7 * DAY)
    result = invoke("console", "list-keys", "--output", "json", "--query", "Keys[].[KeyId, Status]")
    assert (result.exit_code, result.stderr) == (0, "")
    assert json.loads(result.stdout) == [[keys["signing"], "Enabled"], [keys["web"], "Enabled"]]
    described = invoke("describe-key", "--key-id", keys["doomed"])
    assert (described.exit_code, described.stdout, described.stderr) == (
        255,
        "",
        "\nAn error occurred (NotFoundException) when calling the DescribeKey operation: "
        f"Key 'arn:aws:kms:us-west-2:111122223333:key/{keys['doomed']}' does not exist\n",
    )


def test_a_key_whose_deletion_date_has_not_come_is_shown_pending(invoke, keys, runtime):
    runtime.env = runtime.env._replace(clock=lambda: NOW + 7 * DAY - 0.001)
    result = invoke("console", "list-keys", "--output", "json", "--query", "Keys[?KeyId=='" + keys["doomed"] + "']")
    assert (result.exit_code, result.stderr) == (0, "")
    assert json.loads(result.stdout) == [
        {
            "Aliases": [],
            "KeyId": keys["doomed"],
            "Status": "PendingDeletion",
            "KeySpec": "SYMMETRIC_DEFAULT",
            "KeyUsage": "ENCRYPT_DECRYPT",
            "Description": "",
            "DeletionDate": "2017-08-23 19:05 UTC",
        }
    ]
