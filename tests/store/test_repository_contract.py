"""One contract, every implementation: InMemoryRepository, the SQLite store (key material in the clear
or sealed under a root key) and the PostgreSQL store (docs/architecture.md, docs/team-endpoint.md).

Each test opens "sessions" on one backend (tests/conftest.py: repository_session): for memory, views
of one shared world; for the databases, one committed transaction each, so those runs also prove
that what one command writes the next reads. The store-only tests at the end cover the SQLite file
itself: permissions, WAL, schema version, refusals (tests/store/test_postgres.py has PostgreSQL's).
"""

from __future__ import annotations

import os
import random
import sqlite3
import stat
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from kmscli.core.model import Alias, Key, KeyManager, KeyMaterial, KeyState, KeyUsage, Origin, Tag
from kmscli.core.ports import Access, WriteRefused
from kmscli.core.records import CustomKeyStore, Grant, ImportToken
from kmscli.core.summaries import summary_of
from kmscli.store import DB_NAME, SCHEMA_VERSION, StateError, Store, UpgradeNeeded

ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"
REGION = "us-west-2"

Session = Callable[..., AbstractContextManager[Any]]


@pytest.fixture
def session(repository_session: Session) -> Session:
    """The repository under test: memory, SQLite (clear or sealed) and PostgreSQL (tests/conftest.py)."""
    return repository_session


def make_key(key_id: str, *, account: str = ACCOUNT, region: str = REGION, **changes: Any) -> Key:
    return Key(
        key_id=key_id,
        arn=f"arn:aws:kms:{region}:{account}:key/{key_id}",
        account_id=account,
        region=region,
        creation_date=1502910355.475,
        description="",
        key_spec="SYMMETRIC_DEFAULT",
        key_usage=KeyUsage.ENCRYPT_DECRYPT,
        origin=Origin.AWS_KMS,
        key_state=KeyState.Enabled,
        policy="{}",
    )._replace(**changes)


# Every member away from its default, bytes that are not UTF-8, a policy with escapes and non-ASCII text.
FULL_KEY = make_key(
    "mrk-0123456789abcdef0123456789abcdef",
    description="All members: d\u00e9j\u00e0 vu",
    key_spec="RSA_2048",
    key_usage=KeyUsage.SIGN_VERIFY,
    origin=Origin.EXTERNAL,
    key_state=KeyState.PendingReplicaDeletion,
    policy='{\n  "Version" : "2012-10-17",\n  "Sid" : "tab\\there \u00ff"\n}',
    key_manager=KeyManager.AWS,
    multi_region=True,
    primary_region="us-east-1",
    replica_regions=("us-west-2", "eu-west-1"),
    deletion_date=1503515155.5,
    pending_deletion_window_in_days=7,
    materials=(
        KeyMaterial("a" * 64, b"\x00\xff\xfe" * 11, 1502910355.475),
        KeyMaterial("b" * 64, bytes(range(256)), 1502910400.0, rotation_date=1502910400.0, rotation_type="ON_DEMAND"),
    ),
    rotation_enabled=True,
    rotation_period_in_days=90,
    next_rotation_date=1510686400.125,
)
KEY_IDS = [f"{i:08x}-0000-4000-8000-000000000000" for i in (3, 10, 1, 7, 2)]


# ---------------------------------------------------------------- the read/write contract

GRANT = Grant("f" * 64, KEY_IDS[0], 1502910355.475, f"arn:aws:iam::{ACCOUNT}:root", ("Decrypt",))
TOKEN = ImportToken("e" * 32, KEY_IDS[0], "RSAES_OAEP_SHA_256", "RSA_2048", b"private", 1502910355.475)
WRITES: dict[str, Callable[[Any], None]] = {
    "put_key": lambda repo: repo.put_key(make_key(KEY_IDS[1])),
    "put_key-replacing": lambda repo: repo.put_key(make_key(KEY_IDS[0], description="changed")),
    "delete_key": lambda repo: repo.delete_key(KEY_IDS[0]),
    "put_alias": lambda repo: repo.put_alias(Alias("alias/other", KEY_IDS[0], 1.0, 1.0)),
    "delete_alias": lambda repo: repo.delete_alias("alias/contract"),
    "put_tags": lambda repo: repo.put_tags(KEY_IDS[0], [Tag("k", "changed")]),
    "put_grant": lambda repo: repo.put_grant(GRANT._replace(grant_id="a" * 64)),
    "delete_grant": lambda repo: repo.delete_grant(GRANT.grant_id),
    "put_grant_token": lambda repo: repo.put_grant_token("another-token", GRANT.grant_id),
    "put_import_token": lambda repo: repo.put_import_token(TOKEN._replace(token_id="d" * 32)),
    "expire_import_tokens": lambda repo: repo.expire_import_tokens(KEY_IDS[0], TOKEN.expires),
}


def _contents(repo: Any) -> tuple[Any, ...]:
    return (
        repo.list_keys(None, 10),
        repo.get_key(KEY_IDS[0]),
        repo.list_aliases(None, None, 10),
        repo.get_tags(KEY_IDS[0]),
        repo.list_grants(KEY_IDS[0], None, 10),
        repo.grant_of_token("another-token"),
        repo.get_import_token(TOKEN.token_id),
        repo.get_import_token("d" * 32),
    )


def _fill(repo: Any) -> None:
    """A row of each kind that the writes above change."""
    repo.put_key(make_key(KEY_IDS[0]))
    repo.put_alias(Alias("alias/contract", KEY_IDS[0], 1.0, 1.0))
    repo.put_tags(KEY_IDS[0], [Tag("k", "v")])
    repo.put_grant(GRANT)
    repo.put_import_token(TOKEN)


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_a_repository_opened_for_reading_refuses_every_write(session: Session, write: Callable[[Any], None]) -> None:
    """The session runs an operation that must write after all again as a writer: nothing half-written."""
    with session() as repo:
        _fill(repo)
        before = _contents(repo)
    with pytest.raises(UpgradeNeeded), session(write=False) as repo:
        write(repo)
    with session() as repo:
        assert _contents(repo) == before
    with session() as repo:
        write(repo)
        assert _contents(repo) != before


def test_reading_never_asks_for_a_write(session: Session) -> None:
    with session() as repo:
        repo.put_key(make_key(KEY_IDS[0]))
        repo.put_import_token(TOKEN._replace(expires=2e9))
    with session(write=False) as repo:
        repo.expire_import_tokens(KEY_IDS[0], TOKEN.expires)
        assert _contents(repo)[1] == make_key(KEY_IDS[0])


STORE = CustomKeyStore("cks-1234567890abcdef0", "contract", "AWS_CLOUDHSM", 1502910355.475, secret="kmsPswd1")
EVERY_WRITE: dict[str, Callable[[Any], None]] = {
    **WRITES,
    "put_custom_key_store": lambda repo: repo.put_custom_key_store(STORE._replace(name="changed")),
    "delete_custom_key_store": lambda repo: repo.delete_custom_key_store(STORE.custom_key_store_id),
}


@pytest.mark.parametrize(
    ("access", "refusal"), [(Access.READS, WriteRefused), (Access.MAY_WRITE, UpgradeNeeded)], ids=["reads", "may-write"]
)
@pytest.mark.parametrize("write", EVERY_WRITE.values(), ids=EVERY_WRITE.keys())
def test_a_repository_opened_for_an_operation_that_reads_refuses_every_write(
    session: Session, access: str, refusal: type[Exception], write: Callable[[Any], None]
) -> None:
    """What the operation declared, the repository holds it to: a read-only operation that writes is
    a bug (WriteRefused, never retried); one that may write is run again as a writer (UpgradeNeeded)."""
    with session() as repo:
        _fill(repo)
        repo.put_custom_key_store(STORE)
        before = (_contents(repo), repo.list_custom_key_stores())
    assert before[1] == [STORE]
    with session(access=access) as repo:
        # Seen from another Region or account, the same transaction refuses the same way.
        view = repo.in_region("eu-west-1").in_region(REGION).in_account(ACCOUNT, REGION)
        assert (repo.access, view.access) == (access, access)
        with pytest.raises(refusal):
            write(view)
    with session() as repo:
        assert (_contents(repo), repo.list_custom_key_stores()) == before
    with session(access=Access.WRITES) as repo:
        write(repo)
        assert (_contents(repo), repo.list_custom_key_stores()) != before


def test_an_operation_that_only_reads_may_still_look_for_tokens_to_expire(session: Session) -> None:
    with session() as repo:
        repo.put_key(make_key(KEY_IDS[0]))
        repo.put_import_token(TOKEN._replace(expires=2e9))
    with session(access=Access.READS) as repo:
        repo.expire_import_tokens(KEY_IDS[0], TOKEN.expires)
        assert _contents(repo)[1] == make_key(KEY_IDS[0])


# ---------------------------------------------------------------- keys


def test_missing_key(session: Session) -> None:
    with session() as repo:
        assert (repo.get_key(KEY_IDS[0]), repo.count_keys(), repo.list_keys(None, 10)) == (None, 0, [])


def test_put_and_get_every_member(session: Session) -> None:
    with session() as repo:
        repo.put_key(FULL_KEY)
    with session() as repo:
        got = repo.get_key(FULL_KEY.key_id)
    assert got == FULL_KEY
    assert [type(v) for v in got] == [type(v) for v in FULL_KEY]
    assert [type(m.secret) for m in got.materials] == [bytes, bytes]
    assert (type(got.key_usage), type(got.origin), type(got.key_state), type(got.key_manager)) == (
        KeyUsage,
        Origin,
        KeyState,
        KeyManager,
    )


def test_put_replaces(session: Session) -> None:
    with session() as repo:
        repo.put_key(make_key(KEY_IDS[0]))
        repo.put_key(make_key(KEY_IDS[0], description="second", key_state=KeyState.Disabled))
    with session() as repo:
        assert repo.get_key(KEY_IDS[0]) == make_key(KEY_IDS[0], description="second", key_state=KeyState.Disabled)
        assert repo.count_keys() == 1


def test_count_keys(session: Session) -> None:
    with session() as repo:
        for n, key_id in enumerate(KEY_IDS, start=1):
            repo.put_key(make_key(key_id))
            assert repo.count_keys() == n


def test_delete_key_removes_its_aliases_and_tags(session: Session) -> None:
    doomed, kept = KEY_IDS[0], KEY_IDS[1]
    with session() as repo:
        for key_id in (doomed, kept):
            repo.put_key(make_key(key_id))
            repo.put_alias(Alias(f"alias/{key_id[:8]}-a", key_id, 1.0, 1.0))
            repo.put_alias(Alias(f"alias/{key_id[:8]}-b", key_id, 1.0, 1.0))
            repo.put_tags(key_id, [Tag("owner", key_id)])
    with session() as repo:
        repo.delete_key(doomed)
        # Deleting what is not there is not an error.
        repo.delete_key(KEY_IDS[2])
    with session() as repo:
        assert (repo.get_key(doomed), repo.count_aliases(doomed), repo.get_tags(doomed)) == (None, 0, [])
        assert repo.get_alias(f"alias/{doomed[:8]}-a") is None
        assert repo.list_keys(None, 10) == [kept]
        assert repo.list_aliases(None, None, 10) == [
            Alias(f"alias/{kept[:8]}-a", kept, 1.0, 1.0),
            Alias(f"alias/{kept[:8]}-b", kept, 1.0, 1.0),
        ]
        assert repo.get_tags(kept) == [Tag("owner", kept)]


def test_list_keys_order_after_and_limit(session: Session) -> None:
    ordered = sorted(KEY_IDS)
    with session() as repo:
        for key_id in KEY_IDS:
            repo.put_key(make_key(key_id))
    with session() as repo:
        assert repo.list_keys(None, 100) == ordered
        assert repo.list_keys(None, 2) == ordered[:2]
        assert repo.list_keys(ordered[1], 2) == ordered[2:4]
        assert repo.list_keys(ordered[3], 100) == ordered[4:]
        assert repo.list_keys(ordered[-1], 100) == []
        # `after` need not be an existing ID.
        assert repo.list_keys("00000005", 100) == [k for k in ordered if k > "00000005"]


def test_list_keys_pages_through_many_keys(session: Session) -> None:
    ids = [f"{i:08x}-1111-4111-8111-111111111111" for i in random.Random(7).sample(range(10_000), 250)]
    with session() as repo:
        for key_id in ids:
            repo.put_key(make_key(key_id))
    seen: list[str] = []
    after = None
    with session() as repo:
        while page := repo.list_keys(after, 100):
            assert len(page) <= 100
            seen += page
            after = page[-1]
    assert seen == sorted(ids)


def test_key_summaries_read_the_listed_members_as_written(session: Session) -> None:
    """Each key's summary, as its whole key would give it: texts with escapes and non-ASCII, exact floats."""
    keys = [
        FULL_KEY._replace(key_manager=KeyManager.CUSTOMER),
        make_key(KEY_IDS[0]),
        make_key(
            KEY_IDS[1],
            description='tab\t, quote " and backslash \\ \u00e9\u4e2d',
            key_state=KeyState.PendingDeletion,
            deletion_date=0.1 + 0.2 + 1503515155,
            key_manager=KeyManager.AWS,
            rotation_enabled=True,
            rotation_period_in_days=365,
            next_rotation_date=1534446355.4750001,
        ),
    ]
    with session() as repo:
        for k in keys:
            repo.put_key(k)
    expected = sorted((summary_of(k) for k in keys), key=lambda s: s.key_id)
    with session(write=False) as repo:
        got = repo.list_key_summaries(None, 100)
        assert got == expected
        assert [(type(s.multi_region), type(s.rotation_enabled), type(s.deletion_date)) for s in got] == [
            (bool, bool, float if s.deletion_date is not None else type(None)) for s in expected
        ]
        assert repo.list_key_summaries(None, 2) == expected[:2]
        assert repo.list_key_summaries(expected[0].key_id, 1) == expected[1:2]
        assert repo.list_key_summaries(expected[-1].key_id, 100) == []
        assert repo.in_region("eu-west-1").list_key_summaries(None, 100) == []
        assert [repo.get_key_summary(s.key_id) for s in expected] == expected
        assert (repo.get_key_summary(KEY_IDS[2]), repo.in_region("eu-west-1").get_key_summary(KEY_IDS[0])) == (
            None,
            None,
        )


# ---------------------------------------------------------------- aliases


def test_aliases(session: Session) -> None:
    one, two = KEY_IDS[0], KEY_IDS[1]
    with session() as repo:
        assert (repo.get_alias("alias/a"), repo.count_aliases(one), repo.list_aliases(None, None, 10)) == (None, 0, [])
        repo.put_alias(Alias("alias/c", one, 1.5, 1.5))
        repo.put_alias(Alias("alias/a", one, 2.0, 2.0))
        repo.put_alias(Alias("alias/b", two, 3.0, 3.0))
        repo.put_alias(Alias("alias/B", two, 3.0, 3.0))
    with session() as repo:
        assert repo.get_alias("alias/a") == Alias("alias/a", one, 2.0, 2.0)
        assert (repo.count_aliases(one), repo.count_aliases(two), repo.count_aliases(KEY_IDS[2])) == (2, 2, 0)
        everything = [
            Alias("alias/B", two, 3.0, 3.0),
            Alias("alias/a", one, 2.0, 2.0),
            Alias("alias/b", two, 3.0, 3.0),
            Alias("alias/c", one, 1.5, 1.5),
        ]
        assert repo.list_aliases(None, None, 10) == everything
        assert repo.list_aliases(None, None, 2) == everything[:2]
        assert repo.list_aliases(None, "alias/a", 10) == everything[2:]
        assert repo.list_aliases(one, None, 10) == [everything[1], everything[3]]
        assert repo.list_aliases(one, "alias/a", 10) == [everything[3]]
        assert repo.list_aliases(two, None, 1) == [everything[0]]


def test_put_alias_replaces_and_delete_alias_removes(session: Session) -> None:
    one, two = KEY_IDS[0], KEY_IDS[1]
    with session() as repo:
        repo.put_alias(Alias("alias/app", one, 1.0, 1.0))
    with session() as repo:
        repo.put_alias(Alias("alias/app", two, 1.0, 9.0))
    with session() as repo:
        assert repo.get_alias("alias/app") == Alias("alias/app", two, 1.0, 9.0)
        assert (repo.count_aliases(one), repo.count_aliases(two)) == (0, 1)
        repo.delete_alias("alias/app")
        repo.delete_alias("alias/never-there")
    with session() as repo:
        assert (repo.get_alias("alias/app"), repo.list_aliases(None, None, 10)) == (None, [])


# ---------------------------------------------------------------- tags


def test_tags(session: Session) -> None:
    one, two = KEY_IDS[0], KEY_IDS[1]
    with session() as repo:
        assert repo.get_tags(one) == []
        repo.put_tags(one, [Tag("b", "2"), Tag("a", ""), Tag("C", "3")])
        repo.put_tags(two, [Tag("z", "26")])
    with session() as repo:
        assert repo.get_tags(one) == [Tag("C", "3"), Tag("a", ""), Tag("b", "2")]
        assert repo.get_tags(two) == [Tag("z", "26")]
        # The whole set is replaced, not merged.
        repo.put_tags(one, [Tag("d", "4")])
    with session() as repo:
        assert repo.get_tags(one) == [Tag("d", "4")]
        repo.put_tags(one, [])
    with session() as repo:
        assert (repo.get_tags(one), repo.get_tags(two)) == ([], [Tag("z", "26")])


# ---------------------------------------------------------------- scoping


def test_in_region_is_another_namespace_of_the_same_account(session: Session) -> None:
    key_id = KEY_IDS[0]
    with session() as repo:
        europe = repo.in_region("eu-west-1")
        assert (europe.account_id, europe.region, repo.region) == (ACCOUNT, "eu-west-1", REGION)
        europe.put_key(make_key(key_id, region="eu-west-1", description="europe"))
        europe.put_alias(Alias("alias/app", key_id, 1.0, 1.0))
        europe.put_tags(key_id, [Tag("where", "eu")])
        repo.put_key(make_key(key_id, description="oregon"))
        assert europe.in_region(REGION).get_key(key_id) == make_key(key_id, description="oregon")
    with session() as repo:
        assert repo.get_key(key_id) == make_key(key_id, description="oregon")
        assert (repo.get_alias("alias/app"), repo.get_tags(key_id), repo.count_keys()) == (None, [], 1)
        europe = repo.in_region("eu-west-1")
        assert europe.get_key(key_id) == make_key(key_id, region="eu-west-1", description="europe")
        assert europe.get_alias("alias/app") == Alias("alias/app", key_id, 1.0, 1.0)
        assert europe.get_tags(key_id) == [Tag("where", "eu")]
        europe.delete_key(key_id)
    with session() as repo:
        assert repo.get_key(key_id) == make_key(key_id, description="oregon")
        assert repo.in_region("eu-west-1").list_keys(None, 10) == []


def test_in_account_sees_another_account_in_the_same_transaction(session: Session) -> None:
    key_id = KEY_IDS[0]
    with session(account=OTHER_ACCOUNT) as other:
        other.put_key(make_key(key_id, account=OTHER_ACCOUNT, description="theirs"))
        other.put_tags(key_id, [Tag("owner", "them")])
    with session() as repo:
        theirs = repo.in_account(OTHER_ACCOUNT, REGION)
        assert (theirs.account_id, theirs.region, repo.account_id) == (OTHER_ACCOUNT, REGION, ACCOUNT)
        assert (theirs.get_key(key_id), theirs.get_tags(key_id)) == (
            make_key(key_id, account=OTHER_ACCOUNT, description="theirs"),
            [Tag("owner", "them")],
        )
        assert repo.get_key(key_id) is None
        assert theirs.in_account(ACCOUNT, REGION).get_key(key_id) is None


def test_accounts_are_isolated(session: Session) -> None:
    key_id = KEY_IDS[0]
    with session(account=ACCOUNT) as repo:
        repo.put_key(make_key(key_id))
        repo.put_alias(Alias("alias/app", key_id, 1.0, 1.0))
        repo.put_tags(key_id, [Tag("a", "b")])
    with session(account=OTHER_ACCOUNT) as other:
        assert other.account_id == OTHER_ACCOUNT
        assert (other.get_key(key_id), other.count_keys(), other.list_keys(None, 10)) == (None, 0, [])
        assert (other.get_alias("alias/app"), other.list_aliases(None, None, 10), other.count_aliases(key_id)) == (
            None,
            [],
            0,
        )
        assert other.get_tags(key_id) == []
        other.delete_key(key_id)
    with session(account=ACCOUNT) as repo:
        assert repo.get_key(key_id) == make_key(key_id)
        assert repo.get_alias("alias/app") == Alias("alias/app", key_id, 1.0, 1.0)
        assert repo.get_tags(key_id) == [Tag("a", "b")]


def make_store(store_id: str, **changes: Any) -> CustomKeyStore:
    store = CustomKeyStore(
        custom_key_store_id=store_id,
        name=f"name-{store_id}",
        store_type="AWS_CLOUDHSM",
        creation_date=1502910355.475,
        cloud_hsm_cluster_id="cluster-234a567bcde",
        trust_anchor_certificate="-----BEGIN CERTIFICATE-----",
        secret="kmsPswd",
    )
    return store._replace(**changes)


def test_custom_key_stores(session: Session) -> None:
    with session() as repo:
        assert repo.get_custom_key_store("cks-1") is None
        assert repo.list_custom_key_stores() == []
        repo.put_custom_key_store(make_store("cks-2"))
        repo.put_custom_key_store(make_store("cks-1", connection_state="FAILED", connection_error_code="X"))
    with session() as repo:
        assert repo.get_custom_key_store("cks-1") == make_store(
            "cks-1", connection_state="FAILED", connection_error_code="X"
        )
        assert repo.list_custom_key_stores() == [
            make_store("cks-1", connection_state="FAILED", connection_error_code="X"),
            make_store("cks-2"),
        ]
        assert repo.in_region("eu-west-1").list_custom_key_stores() == []
        repo.put_custom_key_store(make_store("cks-2", name="renamed"))
        repo.delete_custom_key_store("cks-1")
    with session() as repo:
        assert repo.list_custom_key_stores() == [make_store("cks-2", name="renamed")]


def test_list_custom_key_store_keys(session: Session) -> None:
    with session() as repo:
        repo.put_key(make_key(KEY_IDS[0], custom_key_store_id="cks-1"))
        repo.put_key(make_key(KEY_IDS[1], custom_key_store_id="cks-1"))
        repo.put_key(make_key(KEY_IDS[2]))
    with session() as repo:
        assert repo.list_custom_key_store_keys("cks-1") == sorted(KEY_IDS[:2])
        assert repo.list_custom_key_store_keys("cks-2") == []
        repo.delete_key(KEY_IDS[0])
        assert repo.list_custom_key_store_keys("cks-1") == [KEY_IDS[1]]


# ---------------------------------------------------------------- the SQLite file itself


def write_one_key(store: Store, key: Key) -> None:
    with store.transaction(write=True, account_id=ACCOUNT, region=REGION) as repo:
        repo.put_key(key)


def test_state_directory_and_files_are_private_even_with_umask_0(tmp_path: Path) -> None:
    state_dir = tmp_path / "deep" / "state"
    old = os.umask(0)
    try:
        store = Store(state_dir)
        with store.transaction(write=True, account_id=ACCOUNT, region=REGION) as repo:
            repo.put_key(make_key(KEY_IDS[0]))
            # The WAL and shared-memory files exist while the transaction is open; they hold key material too.
            modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in state_dir.iterdir()}
    finally:
        os.umask(old)
    assert stat.S_IMODE(state_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((state_dir / DB_NAME).stat().st_mode) == 0o600
    assert modes == {DB_NAME: 0o600, f"{DB_NAME}-wal": 0o600, f"{DB_NAME}-shm": 0o600}


def test_database_is_wal_with_schema_version_3(tmp_path: Path) -> None:
    write_one_key(Store(tmp_path), make_key(KEY_IDS[0]))
    conn = sqlite3.connect(tmp_path / DB_NAME)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("PRAGMA user_version").fetchone() == (3,)
    finally:
        conn.close()
    assert SCHEMA_VERSION == 3


def test_a_schema_1_state_is_upgraded_in_place(tmp_path: Path) -> None:
    """Schema 2 added the custom key stores table; a state written by schema 1 gains it, keys intact."""
    store = Store(tmp_path)
    write_one_key(store, make_key(KEY_IDS[0]))
    conn = sqlite3.connect(tmp_path / DB_NAME)
    conn.execute("DROP TABLE custom_key_stores")
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    with store.transaction(write=False, account_id=ACCOUNT, region=REGION) as repo:
        assert repo.get_key(KEY_IDS[0]) == make_key(KEY_IDS[0])
        assert repo.list_custom_key_stores() == []
    conn = sqlite3.connect(tmp_path / DB_NAME)
    try:
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    finally:
        conn.close()


def test_a_schema_2_state_gains_the_summary_columns_filled_from_each_keys_document(tmp_path: Path) -> None:
    """Schema 3 keeps the members listings show in columns; a schema 2 state gets them from its documents,
    exactly (dates as the same floats), and members a document lacks (written before they existed) as
    their defaults."""
    store = Store(tmp_path)
    keys = [
        FULL_KEY,
        make_key(KEY_IDS[0], multi_region=True, rotation_enabled=True, deletion_date=1.5),
        make_key(KEY_IDS[1], deletion_date=0.1 + 0.2 + 1503515155, next_rotation_date=1534446355.4750001),
    ]
    with store.transaction(write=True, account_id=ACCOUNT, region=REGION) as repo:
        for k in keys:
            repo.put_key(k)
    conn = sqlite3.connect(tmp_path / DB_NAME)
    for name in ("key_state", "key_spec", "key_usage", "description", "deletion_date", "key_manager", "origin",
                 "multi_region", "rotation_enabled", "next_rotation_date"):  # fmt: skip
        conn.execute(f"ALTER TABLE keys DROP COLUMN {name}")
    conn.execute(
        "UPDATE keys SET doc = json_remove(doc, '$.multi_region', '$.rotation_enabled', '$.next_rotation_date', "
        "'$.deletion_date') WHERE key_id = ?",
        (KEY_IDS[0],),
    )
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()
    with store.transaction(write=False, account_id=ACCOUNT, region=REGION) as repo:
        stored = [repo.get_key(k.key_id) for k in sorted(keys, key=lambda k: k.key_id)]
        assert stored[0] == make_key(KEY_IDS[0])
        assert repo.list_key_summaries(None, 10) == [summary_of(k) for k in stored]
    conn = sqlite3.connect(tmp_path / DB_NAME)
    try:
        assert conn.execute("PRAGMA user_version").fetchone() == (3,)
    finally:
        conn.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    store = Store(tmp_path)
    write_one_key(store, make_key(KEY_IDS[0]))
    conn = sqlite3.connect(tmp_path / DB_NAME)
    conn.execute("PRAGMA user_version = 4")
    conn.close()
    for write in (False, True):
        with (
            pytest.raises(StateError) as caught,
            store.transaction(write=write, account_id=ACCOUNT, region=REGION),
        ):
            pytest.fail("a newer schema must be refused before the transaction starts")
        assert str(caught.value) == (
            f"the state was written by a newer kmscli (schema 4, this one knows 3) ({tmp_path / DB_NAME})"
        )


def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    text = "these are my notes, not a database\n" * 20
    (tmp_path / DB_NAME).write_text(text)
    with (
        pytest.raises(StateError) as caught,
        Store(tmp_path).transaction(write=True, account_id=ACCOUNT, region=REGION),
    ):
        pytest.fail("a non-SQLite file must be refused before the transaction starts")
    assert str(caught.value) == f"the state database is unreadable: file is not a database ({tmp_path / DB_NAME})"
    # The file is left as it was.
    assert (tmp_path / DB_NAME).read_text() == text


def test_an_exception_rolls_the_transaction_back(tmp_path: Path) -> None:
    store = Store(tmp_path)
    write_one_key(store, make_key(KEY_IDS[0]))

    class Boom(Exception):
        pass

    def failing_command() -> None:
        with store.transaction(write=True, account_id=ACCOUNT, region=REGION) as repo:
            repo.put_key(make_key(KEY_IDS[1]))
            repo.put_key(make_key(KEY_IDS[0], description="changed"))
            repo.put_alias(Alias("alias/app", KEY_IDS[1], 1.0, 1.0))
            repo.put_tags(KEY_IDS[0], [Tag("a", "b")])
            raise Boom

    with pytest.raises(Boom):
        failing_command()
    with store.transaction(write=False, account_id=ACCOUNT, region=REGION) as repo:
        assert repo.list_keys(None, 10) == [KEY_IDS[0]]
        assert repo.get_key(KEY_IDS[0]) == make_key(KEY_IDS[0])
        assert (repo.get_alias("alias/app"), repo.get_tags(KEY_IDS[0])) == (None, [])


def test_a_read_transaction_never_writes(tmp_path: Path) -> None:
    store = Store(tmp_path)
    write_one_key(store, make_key(KEY_IDS[0]))

    def read_then_write() -> None:
        with store.transaction(write=False, account_id=ACCOUNT, region=REGION) as repo:
            assert repo.get_key(KEY_IDS[0]) == make_key(KEY_IDS[0])
            repo.put_key(make_key(KEY_IDS[1]))

    with pytest.raises(UpgradeNeeded):
        read_then_write()
    with store.transaction(write=False, account_id=ACCOUNT, region=REGION) as repo:
        assert repo.list_keys(None, 10) == [KEY_IDS[0]]


def test_a_store_secret_is_sealed_under_the_root_key(tmp_path: Path) -> None:
    """The key store password (a PIN) or proxy secret is never at rest in the clear when a root key is set."""
    from kmscli import rootkey

    store = Store(tmp_path / "state", rootkey.create(str(tmp_path / "root.key")))
    with store.transaction(write=True, account_id=ACCOUNT, region=REGION) as repo:
        repo.put_custom_key_store(make_store("cks-1", secret="a-PIN-nobody-sees"))
    with store.transaction(write=False, account_id=ACCOUNT, region=REGION) as repo:
        assert repo.get_custom_key_store("cks-1") == make_store("cks-1", secret="a-PIN-nobody-sees")
    assert b"a-PIN-nobody-sees" not in (tmp_path / "state" / DB_NAME).read_bytes()
    wal = tmp_path / "state" / f"{DB_NAME}-wal"
    assert not wal.exists() or b"a-PIN-nobody-sees" not in wal.read_bytes()
