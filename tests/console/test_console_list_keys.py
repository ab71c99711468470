"""`kmscli console list-keys`: the console's key table, in one read of the state."""

from __future__ import annotations

import json

import pytest

from kmscli import core
from kmscli.core import console as flow

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


def test_one_listing_of_keys_and_aliases_and_one_get_per_key(repo, env):
    for n in range(3):
        core.call("CreateKey", {"Description": f"k{n}"}, repo, env)
    counting = CountingRepository(repo)
    rows = flow.console_key_table(counting, env, aws_managed=False)
    assert [r.description for r in sorted(rows, key=lambda r: r.description)] == ["k0", "k1", "k2"]
    assert counting.calls.count("list_keys") == 1
    assert counting.calls.count("list_aliases") == 1
    assert counting.calls.count("get_key") == 3
