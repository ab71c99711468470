"""Shared fixtures: a fixed Env, an in-memory repository, a runtime on a tmp state dir, invoke()."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from kmscli import core
from kmscli.cli import cli
from kmscli.session import Session
from tests.postgres_cluster import Cluster, running_cluster

ACCOUNT = "111122223333"
REGION = "us-west-2"
# The CreationDate of the Developer Guide's "Creating keys" first example.
FIXED_TIME = 1502910355.475


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may touch a developer's real state, config or identity."""
    monkeypatch.setenv("KMSCLI_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in (
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_PROFILE",
        "AWS_CONFIG_FILE",
        "KMSCLI_SEED",
        "KMSCLI_FIXED_TIME",
        "KMSCLI_ACCOUNT_ID",
        "KMSCLI_CALLER_ARN",
        "KMSCLI_TIMESTAMP_FORMAT",
        "KMSCLI_DATABASE_URL",
        "KMSCLI_ROOT_KEY_FILE",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def private_keys() -> Callable[[str], bytes]:
    """Key generation shared by the whole session: an RSA_4096 key takes long to make."""
    cache: dict[str, bytes] = {}

    def generate(spec: str) -> bytes:
        if spec not in cache:
            cache[spec] = core.generate_private_key(spec)
        return cache[spec]

    return generate


def make_env(
    private_keys: Callable[[str], bytes],
    *,
    region: str = REGION,
    now: float = FIXED_TIME,
    caller_arn: str | None = None,
) -> core.Env:
    counter = itertools.count(1)

    def counting_ids(n: int) -> bytes:
        return hashlib.sha256(f"test-ids-{next(counter)}".encode()).digest()[:n]

    seeded = itertools.count(1)

    def seeded_bytes(n: int) -> bytes:
        return hashlib.sha256(f"test-bytes-{next(seeded)}".encode()).digest()[:n].ljust(n, b"\0")

    return core.Env(
        account_id=ACCOUNT,
        region=region,
        caller_arn=caller_arn or f"arn:aws:iam::{ACCOUNT}:root",
        clock=lambda: now,
        random_bytes=seeded_bytes,
        id_bytes=counting_ids,
        generate_private_key=private_keys,
    )


@pytest.fixture
def env(private_keys: Callable[[str], bytes]) -> core.Env:
    return make_env(private_keys)


@pytest.fixture
def repo() -> core.InMemoryRepository:
    return core.InMemoryRepository(ACCOUNT, REGION)


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    return tmp_path / "state"


@pytest.fixture
def runtime(state_dir: Path, env: core.Env) -> Session:
    return Session(environ={}, state_dir=state_dir, env=env)


@pytest.fixture
def invoke(runtime: Session) -> Callable[..., Result]:
    """Run kmscli in-process against the fixture runtime; stdout and stderr stay apart."""

    def run(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(cli, list(args), obj=runtime, input=input)

    return run


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster]:
    """One real PostgreSQL for the whole run, started on first use (tests/postgres_cluster.py)."""
    with running_cluster() as cluster:
        yield cluster


@pytest.fixture
def database_url(postgres_cluster: Cluster) -> str:
    """A PostgreSQL URL whose kmscli tables go in a new, empty schema of their own."""
    return postgres_cluster.fresh_url()


REPOSITORIES = ("memory", "sqlite", "sqlite-sealed", "postgresql")


@pytest.fixture(params=REPOSITORIES)
def repository_session(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[..., Any]:
    """`session(account=..., region=..., write=..., access=...)`: a context manager giving a repository of each kind.

    For memory, views of one shared world; for SQLite (with its key material in the clear, or sealed
    under a root key) and PostgreSQL, one committed transaction each, so those runs also prove that
    what one command writes the next one reads.
    """
    if request.param == "memory":
        world: dict[Any, Any] = {}

        @contextmanager
        def memory(
            account: str = ACCOUNT, region: str = REGION, write: bool = True, access: str | None = None
        ) -> Iterator[Any]:
            yield core.InMemoryRepository(account, region, world, writable=write, access=access)

        return memory
    from kmscli import rootkey
    from kmscli.store import Store

    store: Any
    if request.param == "postgresql":
        from kmscli.store_postgres import PostgresStore

        url = request.getfixturevalue("database_url")
        store = PostgresStore(url, rootkey.create(str(tmp_path / "root.key")))
        store.migrate()
    else:
        sealed = request.param == "sqlite-sealed"
        store = Store(tmp_path / "state", rootkey.create(str(tmp_path / "root.key")) if sealed else None)

    @contextmanager
    def database(
        account: str = ACCOUNT, region: str = REGION, write: bool = True, access: str | None = None
    ) -> Iterator[Any]:
        with store.transaction(write=write, account_id=account, region=region, access=access) as repo:
            yield repo

    return database
