"""The session (kmscli/session.py) opens the transaction an operation declares, and no other.

WRITES: one write transaction. MAY_WRITE: a read transaction, run again whole as a writer when it
finds it must write. READS: a read transaction that refuses every write, never run again.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from kmscli import core
from kmscli.core.model import Alias
from kmscli.core.ports import Access, WriteRefused
from kmscli.session import Session
from kmscli.store import Store

ALIAS = Alias("alias/session", "11111111-2222-4333-8444-555555555555", 1.0, 1.0)


def transactions(stderr: str) -> list[str]:
    return re.findall(r"^kmscli debug: account 111122223333, region us-west-2, write transaction: (\w+)$", stderr, re.M)


def aliases(state_dir: Path) -> list[Alias]:
    with Store(state_dir).transaction(write=False, account_id="111122223333", region="us-west-2") as repo:
        return repo.list_aliases(None, None, 10)


@pytest.mark.parametrize(
    ("access", "tries", "opened"),
    [
        (Access.WRITES, [Access.WRITES], ["True"]),
        (Access.MAY_WRITE, [Access.MAY_WRITE, Access.WRITES], ["False", "True"]),
    ],
    ids=["writes", "may-write"],
)
def test_a_body_that_writes_is_given_a_write_transaction_when_its_access_allows_it(
    tmp_path: Path,
    env: core.Env,
    capsys: pytest.CaptureFixture[str],
    access: str,
    tries: list[str],
    opened: list[str],
) -> None:
    session = Session(environ={}, state_dir=tmp_path / "state", env=env)
    seen: list[str] = []

    def body(repo: Any, env: core.Env) -> str:
        seen.append(repo.access)
        repo.put_alias(ALIAS)
        return "written"

    assert session.transact(body, access=access, options={"debug": True}) == "written"
    assert (seen, transactions(capsys.readouterr().err)) == (tries, opened)
    assert aliases(tmp_path / "state") == [ALIAS]


def test_a_body_declared_as_reading_is_refused_its_write_and_never_run_again(
    tmp_path: Path, env: core.Env, capsys: pytest.CaptureFixture[str]
) -> None:
    session = Session(environ={}, state_dir=tmp_path / "state", env=env)
    seen: list[str] = []

    def body(repo: Any, env: core.Env) -> str:
        seen.append(repo.access)
        found = repo.get_alias(ALIAS.alias_name)
        repo.put_alias(ALIAS)
        return f"read {found}"

    with pytest.raises(WriteRefused, match=r"^an operation declared as only reading tried to write "):
        session.transact(body, access=Access.READS, options={"debug": True})
    assert (seen, transactions(capsys.readouterr().err)) == ([Access.READS], ["False"])
    assert aliases(tmp_path / "state") == []


class Recording:
    """A store that remembers the access each transaction was opened for."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.path = store.path
        self.state_dir = store.state_dir
        self.opened: list[str] = []

    def transaction(self, **arguments: Any) -> Any:
        self.opened.append(arguments["access"])
        return self.store.transaction(**arguments)


def test_an_operation_runs_with_the_access_it_declares(tmp_path: Path, env: core.Env) -> None:
    """GenerateRandom reads only; DescribeKey of a predefined AWS alias makes its key, as a writer."""
    store = Recording(Store(tmp_path / "state"))
    session = Session(environ={}, env=env, store=store)
    assert len(session.run("GenerateRandom", {"NumberOfBytes": 7}, {}).plaintext) == 7
    assert store.opened == [Access.READS]
    described = session.run("DescribeKey", {"KeyId": "alias/aws/ebs"}, {}).key_metadata
    assert (described.key_manager, described.description) == (
        "AWS",
        "Default key that protects my ebs data when no other key is defined",
    )
    assert store.opened == [Access.READS, Access.MAY_WRITE, Access.WRITES]
    assert [a.alias_name for a in aliases(tmp_path / "state")] == ["alias/aws/ebs"]
    session.run("DescribeKey", {"KeyId": "alias/aws/ebs"}, {})
    assert store.opened == [Access.READS, Access.MAY_WRITE, Access.WRITES, Access.MAY_WRITE]
