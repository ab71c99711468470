"""100,000 keys in one Region, the AWS quota: enforced at the 100,001st, and every command still right.

The keys are made in one process through the store and the core (100,000 CLI processes would take
an hour); the commands under test then run as the CLI runs them, on a copy of that state. How long
they take is measured in benchmarks/scale.py, never here.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kmscli import core
from kmscli.cli import cli
from kmscli.core.keys import MAX_KEYS_PER_REGION
from kmscli.session import Session
from kmscli.store import Store

ACCOUNT = "111122223333"
REGION = "us-west-2"
OTHER_REGION = "eu-west-1"
DB_NAME = "kmscli.sqlite3"


def cheap_env(region: str) -> core.Env:
    """Symmetric keys, and key IDs from a counter: making a key costs little more than storing it."""
    ids = itertools.count()
    return core.Env(
        account_id=ACCOUNT,
        region=region,
        caller_arn=f"arn:aws:iam::{ACCOUNT}:root",
        clock=lambda: 1502910355.475,
        random_bytes=os.urandom,
        id_bytes=lambda n: next(ids).to_bytes(n, "big"),
        generate_private_key=core.generate_private_key,
    )


def populate(state: Path, region: str, count: int) -> list[str]:
    env = cheap_env(region)
    with Store(state).transaction(write=True, account_id=ACCOUNT, region=region) as repo:
        return [core.call("CreateKey", {}, repo, env).key_metadata.key_id for _ in range(count)]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A state one key short of the quota in us-west-2 (99,999 keys), with one key in eu-west-1."""
    state = tmp_path_factory.mktemp("scale") / "state"
    ids = populate(state, REGION, MAX_KEYS_PER_REGION - 1)
    populate(state, OTHER_REGION, 1)
    return state, sorted(ids)


@pytest.fixture
def crowded(template: tuple[Path, list[str]], tmp_path: Path) -> tuple[Path, list[str]]:
    """A copy of the template for one test, so that tests stay independent."""
    state = tmp_path / "crowded"
    shutil.copytree(template[0], state)
    return state, template[1]


def kmscli_on(state: Path) -> Callable[..., Result]:
    """kmscli in-process with its real settings (random IDs, real clock), region from AWS_REGION."""
    runtime = Session(environ={"AWS_REGION": REGION}, state_dir=state)

    def run(*args: str) -> Result:
        return CliRunner().invoke(cli, list(args), obj=runtime)

    return run


def counter(state: Path, sql: Callable[..., list[tuple]], region: str = REGION) -> int:
    return sql(state / DB_NAME, "SELECT value FROM counters WHERE name = ?", f"keys/{ACCOUNT}/{region}")[0][0]


def quota_error(operation: str, region: str) -> str:
    return (
        f"\nAn error occurred (LimitExceededException) when calling the {operation} operation: The request was "
        f"rejected because the number of KMS keys in {region} would exceed the quota of 100000.\n"
    )


def test_the_quota_is_enforced_at_the_100001st_key(crowded, rows, sql):
    state, _ = crowded
    kmscli = kmscli_on(state)
    hundred_thousandth = kmscli("create-key", "--query", "KeyMetadata.KeyId", "--output", "text")
    assert (hundred_thousandth.exit_code, hundred_thousandth.stderr) == (0, "")
    assert counter(state, sql) == MAX_KEYS_PER_REGION
    assert sql(state / DB_NAME, "SELECT count(*) FROM keys WHERE region = ?", REGION) == [(MAX_KEYS_PER_REGION,)]

    before = rows(state / DB_NAME)
    refused = kmscli("create-key", "--description", "one too many")
    assert (refused.exit_code, refused.stdout, refused.stderr) == (255, "", quota_error("CreateKey", REGION))
    assert rows(state / DB_NAME) == before
    # The quota is per Region: another Region still takes keys.
    elsewhere = kmscli("create-key", "--region", OTHER_REGION, "--query", "KeyMetadata.KeyState", "--output", "text")
    assert (elsewhere.exit_code, elsewhere.stdout, elsewhere.stderr) == (0, "Enabled\n", "")
    assert counter(state, sql, OTHER_REGION) == 2


def test_replicating_into_a_full_region_is_refused(crowded, rows, sql):
    state, _ = crowded
    kmscli = kmscli_on(state)
    assert kmscli("create-key", "--description", "the last one").exit_code == 0
    primary = kmscli(
        "create-key", "--multi-region", "--region", OTHER_REGION, "--query", "KeyMetadata.KeyId", "--output", "text"
    )
    assert (primary.exit_code, primary.stderr) == (0, "")
    before = rows(state / DB_NAME)
    refused = kmscli(
        "replicate-key", "--key-id", primary.stdout.strip(), "--replica-region", REGION, "--region", OTHER_REGION
    )
    assert (refused.exit_code, refused.stdout, refused.stderr) == (255, "", quota_error("ReplicateKey", REGION))
    assert rows(state / DB_NAME) == before


def test_single_key_commands_at_100000_keys(crowded):
    state, ids = crowded
    kmscli = kmscli_on(state)
    for key_id in (ids[0], ids[len(ids) // 2], ids[-1]):
        described = kmscli(
            "describe-key", "--key-id", key_id, "--query", "KeyMetadata.[KeyId,KeyState]", "--output", "text"
        )
        assert (described.exit_code, described.stdout, described.stderr) == (0, f"{key_id}\tEnabled\n", "")
    created = kmscli("create-alias", "--alias-name", "alias/in-the-crowd", "--target-key-id", ids[-1])
    assert (created.exit_code, created.stdout, created.stderr) == (0, "", "")
    through_alias = kmscli(
        "describe-key", "--key-id", "alias/in-the-crowd", "--query", "KeyMetadata.KeyId", "--output", "text"
    )
    assert (through_alias.exit_code, through_alias.stdout) == (0, f"{ids[-1]}\n")
    taken = kmscli("create-alias", "--alias-name", "alias/in-the-crowd", "--target-key-id", ids[0])
    assert taken.exit_code == 255
    assert taken.stderr == (
        "\nAn error occurred (AlreadyExistsException) when calling the CreateAlias operation: An alias with the "
        f"name arn:aws:kms:{REGION}:{ACCOUNT}:alias/in-the-crowd already exists\n"
    )


def test_the_first_page_of_list_keys(crowded):
    state, ids = crowded
    page = kmscli_on(state)("list-keys", "--no-paginate")
    assert (page.exit_code, page.stderr) == (0, "")
    document = json.loads(page.stdout)
    assert [k["KeyId"] for k in document["Keys"]] == ids[:100]
    assert document["Truncated"] is True
    assert document["NextMarker"]


def test_list_keys_walks_all_100000(crowded):
    """One command pages through everything; and so do --max-items and --starting-token, resumed."""
    state, ids = crowded
    kmscli = kmscli_on(state)
    everything = kmscli("list-keys", "--query", "Keys[].KeyId")
    assert (everything.exit_code, everything.stderr) == (0, "")
    assert json.loads(everything.stdout) == ids

    walked: list[str] = []
    token: list[str] = []
    while True:
        part = kmscli("list-keys", "--max-items", "30000", "--page-size", "1000", *token)
        assert (part.exit_code, part.stderr) == (0, "")
        document = json.loads(part.stdout)
        walked += [k["KeyId"] for k in document["Keys"]]
        if "NextToken" not in document:
            break
        token = ["--starting-token", document["NextToken"]]
    assert walked == ids
    assert len(walked) == MAX_KEYS_PER_REGION - 1


def test_markers_from_another_listing_are_refused(crowded):
    state, _ = crowded
    bogus = base64.b64encode(b"not a marker kmscli made").decode()
    result = kmscli_on(state)("list-keys", "--marker", bogus)
    assert (result.exit_code, result.stdout) == (255, "")
    assert result.stderr.startswith("\nAn error occurred (InvalidMarkerException) when calling the ListKeys operation")
