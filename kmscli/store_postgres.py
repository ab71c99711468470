"""PostgresStore: the Repository protocol on one PostgreSQL database, shared by many kmscli processes.

Selected by KMSCLI_DATABASE_URL (or `kmscli serve --database-url`); nothing imports this module, nor
psycopg, otherwise. The repository is store.py's own class (its SQL is what both engines share) over
a connection that speaks psycopg's placeholders, so the two stores cannot drift apart.

Transactions. Each command or request is one transaction. A write runs SERIALIZABLE: PostgreSQL
then guarantees the outcome of some one-at-a-time order, and answers a transaction that would break
that with a serialization failure, which becomes RetryTransaction (the runner re-runs the whole
command in a fresh transaction). So two servers settling the same key (a rotation or a deletion
that fell due) do it once: the second sees the first's result when it runs again. Counters (the
key count behind the 100,000-key quota, the KMSCLI_SEED identifier counter), alias names and
grant counts are rows or ranges read and written in those transactions, so they hold across
servers. A read runs REPEATABLE READ READ ONLY: one snapshot, never a serialization failure; a read
that finds something due raises UpgradeNeeded, as with SQLite, and runs again as a write.

Key material is sealed under the root key (rootkey.py), which PostgreSQL requires. The schema is
versioned in the table kmscli_schema and created or upgraded only by `kmscli state migrate`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import errors

from kmscli.core.ports import Access
from kmscli.rootkey import RootKey
from kmscli.store import RetryTransaction, SqliteRepository, StateError, check_root_key

if TYPE_CHECKING:
    from kmscli.core.ports import AccessKind

SCHEMA_VERSION = 3
# Held by `kmscli state migrate` for its transaction, so that two migrations never interleave.
_MIGRATION_LOCK = 0x6B6D73636C69  # "kmscli"
CONNECT_TIMEOUT_S = 10
# How long a request waits for a pooled connection before it fails as busy.
POOL_TIMEOUT_S = 30.0

# Every text column sorts by bytes (COLLATE "C"), as SQLite does: list orders and `after` markers
# must not depend on the database's locale.
_T = 'TEXT COLLATE "C"'
# The statements that bring a database from version N-1 to N.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        "CREATE TABLE kmscli_schema (version INTEGER NOT NULL)",
        "INSERT INTO kmscli_schema (version) VALUES (0)",
        f"""CREATE TABLE keys (
            account {_T} NOT NULL, region {_T} NOT NULL, key_id {_T} NOT NULL, doc TEXT NOT NULL,
            PRIMARY KEY (account, region, key_id))""",
        f"""CREATE TABLE aliases (
            account {_T} NOT NULL, region {_T} NOT NULL, alias_name {_T} NOT NULL, target_key_id {_T} NOT NULL,
            creation_date DOUBLE PRECISION NOT NULL, last_updated_date DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (account, region, alias_name))""",
        "CREATE INDEX aliases_by_key ON aliases (account, region, target_key_id, alias_name)",
        f"""CREATE TABLE tags (
            account {_T} NOT NULL, region {_T} NOT NULL, key_id {_T} NOT NULL, tag_key {_T} NOT NULL,
            tag_value TEXT NOT NULL,
            PRIMARY KEY (account, region, key_id, tag_key))""",
        f"CREATE TABLE counters (name {_T} PRIMARY KEY, value BIGINT NOT NULL)",
        f"""CREATE TABLE grants (
            account {_T} NOT NULL, region {_T} NOT NULL, grant_id {_T} NOT NULL, key_id {_T} NOT NULL, name {_T},
            grantee_principal {_T}, grantee_service_principal {_T}, retiring_principal {_T},
            retiring_service_principal {_T}, doc TEXT NOT NULL,
            PRIMARY KEY (account, region, grant_id))""",
        "CREATE INDEX grants_by_key ON grants (account, region, key_id, grant_id)",
        "CREATE INDEX grants_by_name ON grants (account, region, key_id, name) WHERE name IS NOT NULL",
        "CREATE INDEX grants_by_grantee ON grants (account, region, key_id, grantee_principal, grant_id) "
        "WHERE grantee_principal IS NOT NULL",
        "CREATE INDEX grants_by_grantee_service ON grants (account, region, key_id, grantee_service_principal, "
        "grant_id) WHERE grantee_service_principal IS NOT NULL",
        "CREATE INDEX grants_by_retiring ON grants (account, region, retiring_principal, grant_id) "
        "WHERE retiring_principal IS NOT NULL",
        "CREATE INDEX grants_by_retiring_service ON grants (account, region, retiring_service_principal, grant_id) "
        "WHERE retiring_service_principal IS NOT NULL",
        f"""CREATE TABLE grant_tokens (
            account {_T} NOT NULL, region {_T} NOT NULL, token {_T} NOT NULL, grant_id {_T} NOT NULL,
            PRIMARY KEY (account, region, token))""",
        "CREATE INDEX grant_tokens_by_grant ON grant_tokens (account, region, grant_id)",
        f"""CREATE TABLE import_tokens (
            account {_T} NOT NULL, region {_T} NOT NULL, token_id {_T} NOT NULL, key_id {_T} NOT NULL,
            wrapping_algorithm TEXT NOT NULL, wrapping_key_spec TEXT NOT NULL, private_key BYTEA NOT NULL,
            expires DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (account, region, token_id))""",
        "CREATE INDEX import_tokens_by_key ON import_tokens (account, region, key_id, expires)",
    ),
    # Custom key stores, and which keys each holds.
    2: (
        f"""CREATE TABLE custom_key_stores (
            account {_T} NOT NULL, region {_T} NOT NULL, store_id {_T} NOT NULL, doc TEXT NOT NULL,
            PRIMARY KEY (account, region, store_id))""",
        f"""CREATE TABLE custom_key_store_keys (
            account {_T} NOT NULL, region {_T} NOT NULL, store_id {_T} NOT NULL, key_id {_T} NOT NULL,
            PRIMARY KEY (account, region, store_id, key_id))""",
        "CREATE INDEX custom_key_store_keys_by_key ON custom_key_store_keys (account, region, key_id)",
    ),
    # The keys' summary columns (store.SUMMARY_COLUMNS), filled from each key's document: `->>`
    # gives a number's text as written, which float8 reads as Python reads it.
    3: (
        "ALTER TABLE keys ADD COLUMN key_state TEXT, ADD COLUMN key_spec TEXT, ADD COLUMN key_usage TEXT, "
        "ADD COLUMN description TEXT, ADD COLUMN deletion_date DOUBLE PRECISION, ADD COLUMN key_manager TEXT, "
        "ADD COLUMN origin TEXT, ADD COLUMN multi_region BOOLEAN, ADD COLUMN rotation_enabled BOOLEAN, "
        "ADD COLUMN next_rotation_date DOUBLE PRECISION",
        "UPDATE keys SET key_state = d ->> 'key_state', key_spec = d ->> 'key_spec', key_usage = d ->> 'key_usage', "
        "description = d ->> 'description', deletion_date = (d ->> 'deletion_date')::double precision, "
        "key_manager = coalesce(d ->> 'key_manager', 'CUSTOMER'), origin = d ->> 'origin', "
        "multi_region = coalesce((d ->> 'multi_region')::boolean, false), "
        "rotation_enabled = coalesce((d ->> 'rotation_enabled')::boolean, false), "
        "next_rotation_date = (d ->> 'next_rotation_date')::double precision "
        "FROM (SELECT account AS a, region AS r, key_id AS k, doc::json AS d FROM keys) AS docs "
        "WHERE account = a AND region = r AND key_id = k",
    ),
}
assert max(MIGRATIONS) == SCHEMA_VERSION

# What makes a transaction worth running again rather than an error.
_RETRIABLE = (errors.SerializationFailure, errors.DeadlockDetected)


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    url = re.sub(r"(://[^/@:]*:)[^/@]*@", r"\1***@", url)
    return re.sub(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&]+)", r"\1***", url)


# The repository's statements are a fixed set: each is translated once per process.
_TRANSLATED: dict[str, str] = {}


class _Connection:
    """A psycopg connection that takes the repository's `?` placeholders (its SQL has no `%`)."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn

    def execute(self, sql: str, args: Any = ()) -> psycopg.Cursor[Any]:
        text = _TRANSLATED.get(sql)
        if text is None:
            text = _TRANSLATED.setdefault(sql, sql.replace("?", "%s"))
        return self._conn.execute(text, args)


class PostgresStore:
    """One PostgreSQL database; hands out one transaction per command (or per request, pooled)."""

    def __init__(self, url: str, root_key: RootKey) -> None:
        self.url = url
        # What --debug and serve's readiness line name: never the password.
        self.path = redact(url)
        self.root_key = root_key
        self._pool: Any = None
        self._root_key_checked = False

    def open_pool(self, max_size: int) -> None:
        """Keep up to `max_size` connections open for the life of a server process."""
        from psycopg_pool import ConnectionPool

        try:
            self._pool = ConnectionPool(
                self.url,
                min_size=1,
                max_size=max_size,
                kwargs=_connect_kwargs(),
                timeout=POOL_TIMEOUT_S,
                name="kmscli",
                open=False,
            )
            self._pool.open(wait=True, timeout=CONNECT_TIMEOUT_S)
        except psycopg.Error as e:
            self.close()
            raise self._error("cannot connect to the database", e) from None
        except Exception as e:  # the pool's own timeout when no connection could be made
            self.close()
            raise StateError(f"cannot connect to the database: {e}", self.path) from None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        if self._pool is not None:
            from psycopg_pool import PoolTimeout

            try:
                with self._pool.connection() as conn:
                    yield conn
            except PoolTimeout:
                raise StateError("the database is busy: no connection free in time", self.path) from None
            return
        try:
            conn = psycopg.connect(self.url, **_connect_kwargs())
        except psycopg.Error as e:
            raise self._error("cannot connect to the database", e) from None
        try:
            yield conn
        finally:
            conn.close()

    def _error(self, what: str, e: psycopg.Error) -> StateError:
        # libpq's messages name the host and the problem, never the password; the first line suffices.
        detail = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        return StateError(f"{what}: {detail}", self.path)

    def schema_version(self, conn: _Connection) -> int:
        """The database's schema version; 0 for a database kmscli has not migrated yet."""
        if conn.execute("SELECT to_regclass('kmscli_schema')").fetchone()[0] is None:
            return 0
        return int(conn.execute("SELECT version FROM kmscli_schema").fetchone()[0])

    def _check_schema(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise StateError(
                f"the database was migrated by a newer kmscli (schema {version}, this one knows {SCHEMA_VERSION})",
                self.path,
            )
        if version < SCHEMA_VERSION:
            found = "has no kmscli tables" if version == 0 else f"has kmscli's schema {version}"
            raise StateError(
                f"the database {found}, this kmscli needs schema {SCHEMA_VERSION}: run `kmscli state migrate`",
                self.path,
            )

    def migrate(self) -> tuple[int, int]:
        """Create or upgrade the schema; (version before, version after). Refuses a newer database."""
        with self._connection() as raw:
            conn = _Connection(raw)
            try:
                conn.execute("BEGIN")
                # Read committed after the lock: a migration that finished meanwhile is seen.
                conn.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
                before = self.schema_version(conn)
                self._check_schema(max(before, SCHEMA_VERSION))
                for version in range(before + 1, SCHEMA_VERSION + 1):
                    for statement in MIGRATIONS[version]:
                        conn.execute(statement)
                    conn.execute("UPDATE kmscli_schema SET version = ?", (version,))
                # The database is sealed under this root key from now on (or already was: checked).
                check_root_key(conn, self.root_key, write=True)
                conn.execute("COMMIT")
            except psycopg.Error as e:
                _rollback(raw)
                raise self._error("cannot migrate the database", e) from None
            except BaseException:
                _rollback(raw)
                raise
        return before, SCHEMA_VERSION

    @contextmanager
    def transaction(
        self, *, write: bool = False, account_id: str, region: str, access: AccessKind | None = None
    ) -> Iterator[SqliteRepository]:
        """One transaction: committed when the block ends normally, rolled back on any exception.

        `access` and `write` as for the SQLite store (kmscli/store.py). A serialization failure or
        deadlock becomes RetryTransaction; any other database failure a StateError naming the
        database (without its password).
        """
        access = access or Access.of_transaction(write)
        write = access == Access.WRITES
        with self._connection() as raw:
            conn = _Connection(raw)
            try:
                raw.execute(
                    "BEGIN ISOLATION LEVEL SERIALIZABLE" if write else "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
                )
                try:
                    # One round trip; a database without the table has not been migrated.
                    version = int(conn.execute("SELECT version FROM kmscli_schema").fetchone()[0])
                except errors.UndefinedTable:
                    version = 0
                self._check_schema(version)
                if not self._root_key_checked:
                    # The recorded root key never changes once `state migrate` wrote it: once is enough.
                    check_root_key(conn, self.root_key, write=False)
                    self._root_key_checked = True
                try:
                    yield SqliteRepository(conn, account_id, region, access=access, root_key=self.root_key)
                except BaseException:
                    _rollback(raw)
                    raise
                raw.execute("COMMIT")
            except _RETRIABLE:
                _rollback(raw)
                raise RetryTransaction from None
            except psycopg.Error as e:
                _rollback(raw)
                raise self._error("the database failed", e) from None
            except BaseException:
                # A refusal (schema, root key) or the body's own error: a pooled connection goes back idle.
                _rollback(raw)
                raise


def _connect_kwargs() -> dict[str, Any]:
    # Autocommit: the store writes BEGIN and COMMIT itself, with the isolation level it needs.
    return {"autocommit": True, "connect_timeout": CONNECT_TIMEOUT_S, "application_name": "kmscli"}


def _rollback(conn: psycopg.Connection[Any]) -> None:
    """Roll back what is open, keeping the error that got here (a broken connection cannot)."""
    with suppress(psycopg.Error):
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            conn.execute("ROLLBACK")
