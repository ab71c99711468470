"""SqliteRepository: the core's Repository protocol on one SQLite file in the state directory.

docs/decisions.md#state: WAL, a busy timeout, one transaction per command (BEGIN IMMEDIATE when the
command writes), the schema version in PRAGMA user_version, directory 0700 and file 0600
because the file holds key material. This module never reads the environment: the CLI
resolves the directory and passes it in.
"""

from __future__ import annotations

import binascii
import errno
import json
import os
import sqlite3
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any

from kmscli.core import Alias, Key, KeyMaterial, KeyState, KeyUsage, Origin, Tag
from kmscli.core.model import KeyManager
from kmscli.core.ports import Access
from kmscli.core.ports import UpgradeNeeded as UpgradeNeeded  # what the session catches
from kmscli.store_errors import StateError

if TYPE_CHECKING:
    from kmscli.core.ports import AccessKind
    from kmscli.core.records import CustomKeyStore, Grant, ImportToken
    from kmscli.core.summaries import KeySummary
    from kmscli.rootkey import RootKey

SCHEMA_VERSION = 3
DB_NAME = "kmscli.sqlite3"
BUSY_TIMEOUT_S = 60.0
_SQLITE_BUSY = 5  # the primary result code; the extended ones (BUSY_RECOVERY, ...) share its low byte

# The members of a key that listings read (core/summaries.py: KeySummary's, in its order), kept in
# columns of their own beside the key's document, so that listing a thousand keys never reads or
# decodes a policy or key material: (column, SQLite type). Added by schema 3; in a new state they
# come before the document, so that reading them never follows a large policy's overflow pages.
SUMMARY_COLUMNS = (
    ("key_state", "TEXT"),
    ("key_spec", "TEXT"),
    ("key_usage", "TEXT"),
    ("description", "TEXT"),
    ("deletion_date", "REAL"),
    ("key_manager", "TEXT"),
    ("origin", "TEXT"),
    ("multi_region", "INTEGER"),
    ("rotation_enabled", "INTEGER"),
    ("next_rotation_date", "REAL"),
)
_SUMMARY_NAMES = ", ".join(name for name, _ in SUMMARY_COLUMNS)

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS keys (
    account TEXT NOT NULL, region TEXT NOT NULL, key_id TEXT NOT NULL,
    {", ".join(f"{name} {kind}" for name, kind in SUMMARY_COLUMNS)},
    doc TEXT NOT NULL,
    PRIMARY KEY (account, region, key_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS aliases (
    account TEXT NOT NULL, region TEXT NOT NULL, alias_name TEXT NOT NULL, target_key_id TEXT NOT NULL,
    creation_date REAL NOT NULL, last_updated_date REAL NOT NULL,
    PRIMARY KEY (account, region, alias_name)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS aliases_by_key ON aliases (account, region, target_key_id, alias_name);
CREATE TABLE IF NOT EXISTS tags (
    account TEXT NOT NULL, region TEXT NOT NULL, key_id TEXT NOT NULL, tag_key TEXT NOT NULL,
    tag_value TEXT NOT NULL,
    PRIMARY KEY (account, region, key_id, tag_key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS grants (
    account TEXT NOT NULL, region TEXT NOT NULL, grant_id TEXT NOT NULL, key_id TEXT NOT NULL, name TEXT,
    grantee_principal TEXT, grantee_service_principal TEXT, retiring_principal TEXT, retiring_service_principal TEXT,
    doc TEXT NOT NULL,
    PRIMARY KEY (account, region, grant_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS grants_by_key ON grants (account, region, key_id, grant_id);
CREATE INDEX IF NOT EXISTS grants_by_name ON grants (account, region, key_id, name) WHERE name IS NOT NULL;
CREATE INDEX IF NOT EXISTS grants_by_grantee ON grants (account, region, key_id, grantee_principal, grant_id)
    WHERE grantee_principal IS NOT NULL;
CREATE INDEX IF NOT EXISTS grants_by_grantee_service
    ON grants (account, region, key_id, grantee_service_principal, grant_id)
    WHERE grantee_service_principal IS NOT NULL;
CREATE INDEX IF NOT EXISTS grants_by_retiring ON grants (account, region, retiring_principal, grant_id)
    WHERE retiring_principal IS NOT NULL;
CREATE INDEX IF NOT EXISTS grants_by_retiring_service ON grants (account, region, retiring_service_principal, grant_id)
    WHERE retiring_service_principal IS NOT NULL;
CREATE TABLE IF NOT EXISTS grant_tokens (
    account TEXT NOT NULL, region TEXT NOT NULL, token TEXT NOT NULL, grant_id TEXT NOT NULL,
    PRIMARY KEY (account, region, token)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS grant_tokens_by_grant ON grant_tokens (account, region, grant_id);
CREATE TABLE IF NOT EXISTS import_tokens (
    account TEXT NOT NULL, region TEXT NOT NULL, token_id TEXT NOT NULL, key_id TEXT NOT NULL,
    wrapping_algorithm TEXT NOT NULL, wrapping_key_spec TEXT NOT NULL, private_key BLOB NOT NULL,
    expires REAL NOT NULL,
    PRIMARY KEY (account, region, token_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS import_tokens_by_key ON import_tokens (account, region, key_id, expires);
CREATE TABLE IF NOT EXISTS custom_key_stores (
    account TEXT NOT NULL, region TEXT NOT NULL, store_id TEXT NOT NULL, doc TEXT NOT NULL,
    PRIMARY KEY (account, region, store_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS custom_key_store_keys (
    account TEXT NOT NULL, region TEXT NOT NULL, store_id TEXT NOT NULL, key_id TEXT NOT NULL,
    PRIMARY KEY (account, region, store_id, key_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS custom_key_store_keys_by_key ON custom_key_store_keys (account, region, key_id);
"""


# What SQLite's primary result codes (sqlite3.h) mean for the user; any other code: unreadable.
_SQLITE_PROBLEMS = {
    5: "the state database is busy",  # SQLITE_BUSY: locked for longer than the busy timeout
    6: "the state database is busy",  # SQLITE_LOCKED
    8: "the state is read-only",  # SQLITE_READONLY
    10: "cannot read or write the state",  # SQLITE_IOERR
    13: "cannot write the state",  # SQLITE_FULL
    14: "cannot open the state database",  # SQLITE_CANTOPEN
}
_SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_FULL, _SQLITE_CANTOPEN = 8, 10, 13, 14
_EFFECTIVE_IDS = os.access in os.supports_effective_ids
# Below this much free space, a failed write is blamed on the disk being full: SQLite reports ENOSPC
# as SQLITE_FULL, but as a plain I/O error when it cannot grow its shared-memory (-shm) file.
_NEARLY_FULL_BYTES = 1 << 20
_DISK_FULL = "no space left on the device holding the state"


def _state_error(e: sqlite3.Error, path: str) -> StateError:
    code = getattr(e, "sqlite_errorcode", 1) & 0xFF
    if code in (_SQLITE_IOERR, _SQLITE_FULL) and _disk_full(os.path.dirname(path)):
        return StateError(_DISK_FULL, path)
    if code in (_SQLITE_READONLY, _SQLITE_CANTOPEN):
        # Even a read needs to write in WAL mode (the -shm file), so name what the user must change.
        for what, target in (("the state directory", os.path.dirname(path)), ("the state database", path)):
            if os.path.exists(target) and not os.access(target, os.W_OK, effective_ids=_EFFECTIVE_IDS):
                return StateError(f"{what} is read-only", target)
    return StateError(f"{_SQLITE_PROBLEMS.get(code, 'the state database is unreadable')}: {e}", path)


def _os_error(e: OSError, path: str) -> StateError:
    if e.errno == errno.ENOSPC:
        return StateError(_DISK_FULL, path)
    return StateError(f"cannot open the state: {e.strerror or e}", path)


def _disk_full(directory: str) -> bool:
    try:
        fs = os.statvfs(directory)
    except OSError:
        return False
    return fs.f_bavail * fs.f_frsize < _NEARLY_FULL_BYTES


def _rollback(conn: sqlite3.Connection) -> None:
    """Roll back what is open, keeping the error that got here: SQLite may have rolled back already."""
    if conn.in_transaction:
        # The connection is closed next, which discards the transaction if ROLLBACK fails too.
        with suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


class RetryTransaction(Exception):
    """The database could not serialize this transaction with a concurrent one: run the command again.

    PostgreSQL raises it (a serialization failure or a deadlock, rolled back); SQLite never does,
    because BEGIN IMMEDIATE makes writers wait for each other instead. The body is re-run from the
    start in a fresh transaction, at most MAX_ATTEMPTS times in all.
    """

    MAX_ATTEMPTS = 30


class Store:
    """One state directory; hands out one transaction per command."""

    # Paths are plain strings (os.path): pathlib's import alone costs every command ~3 ms of start-up.
    def __init__(self, state_dir: str | os.PathLike[str], root_key: RootKey | None = None) -> None:
        self.state_dir = os.fspath(state_dir)
        self.path = os.path.join(self.state_dir, DB_NAME)
        # Optional here (required for PostgreSQL): key material written from now on is sealed.
        self.root_key = root_key

    def close(self) -> None:
        """Nothing stays open between transactions (each opens its own connection)."""

    def _prepare(self) -> str:
        """Create the state private to the user, or check that it is; the database's real path.

        The state holds key material, so kmscli refuses a state that someone else could read or
        replace: a directory, symbolic-link target or file owned by another user; a symbolic link
        on the way owned by another user (besides root), who could re-point it; a directory or
        file that other users may write (they could swap the database, or plant known key
        material in it). A directory that others may only read is accepted, because users point
        KMSCLI_STATE_DIR at directories made by a plain mkdir and the files in it stay 0600; a
        file of the user's own that others may read (restored from a copy, say) is made 0600 again.
        SQLite then opens the resolved path, so re-pointing a link after the checks changes nothing.
        """
        me = os.geteuid()
        try:
            # Not os.path.abspath: it would drop a "link/.." on the way without checking the link.
            _check_links(os.path.join(os.getcwd(), self.state_dir), me)
            # Before anything is made: a directory made under a parent that others may write is theirs to move.
            _check_parents(os.path.realpath(self.state_dir), me)
            if not os.path.lexists(self.state_dir):
                _make_private_dirs(self.state_dir)
            directory = os.path.realpath(self.state_dir)
            info = os.stat(directory)
            if not stat.S_ISDIR(info.st_mode):
                raise StateError("cannot open the state: the state directory is not a directory", self.path)
            _check_owner("the state directory", info, me, directory)
            database = os.path.join(directory, DB_NAME)
            wanted = 0o600
            for path in (database, f"{database}-wal", f"{database}-shm"):
                try:
                    link = os.lstat(path)
                except FileNotFoundError:
                    continue
                try:
                    info = os.stat(path)
                except FileNotFoundError:
                    if not stat.S_ISLNK(link.st_mode):
                        # Not a link: another process's SQLite removed its -wal or -shm in between.
                        continue
                    # A dangling link: SQLite would create the file at its target, with the umask's mode.
                    raise StateError("the state database is a symbolic link to a missing file", path) from None
                if not stat.S_ISREG(info.st_mode):
                    raise StateError("cannot open the state: the state database is not a regular file", path)
                _check_owner("the state database", info, me, path)
                mode = stat.S_IMODE(info.st_mode)
                if stat.S_ISLNK(link.st_mode):
                    # Never chmod through a link: a file of ours elsewhere is used only if already private.
                    if mode & 0o077:
                        raise StateError(
                            "the state database is a symbolic link to a file other users may read "
                            "(make it readable by its owner only)",
                            path,
                        )
                    if path == database:
                        wanted = mode & 0o600
                    continue
                if path == database:
                    # The owner's bits stand (0400 keeps a state read-only); others lose theirs.
                    wanted = mode & 0o600
                # SQLite gives the -wal and -shm files the database's mode when it creates them: a
                # left-over read-only -shm would keep the state read-only after the database is
                # made writable again, so they follow the database's mode.
                if mode != wanted and (path != database or mode & 0o077):
                    try:
                        os.chmod(path, wanted)
                    except FileNotFoundError:
                        # The same race: a -wal or -shm removed since it was looked at needs no mode.
                        if path == database:
                            raise
            if not os.path.lexists(database):
                # O_NOFOLLOW: a dangling symbolic link must not make kmscli create a file elsewhere.
                os.close(os.open(database, os.O_CREAT | os.O_WRONLY | os.O_NOFOLLOW, 0o600))
                os.chmod(database, 0o600)
        except OSError as e:
            raise _os_error(e, self.path) from None
        except ValueError:
            # os functions refuse a path holding a NUL character.
            raise StateError("cannot open the state: the path holds a NUL character", self.path) from None
        return database

    def _connect(self) -> sqlite3.Connection:
        database = self._prepare()
        try:
            conn = sqlite3.connect(database, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except sqlite3.Error as e:
            raise _state_error(e, self.path) from None
        try:
            # Deleted rows (key material among them) are overwritten with zeros, not left in free
            # pages, on SQLite builds where this is off by default. A per-connection setting.
            conn.execute("PRAGMA secure_delete = ON")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:
                self._initialise(conn)
            elif version < SCHEMA_VERSION:
                self._upgrade(conn)
            elif version > SCHEMA_VERSION:
                raise StateError(
                    f"the state was written by a newer kmscli (schema {version}, this one knows {SCHEMA_VERSION})",
                    self.path,
                )
        except sqlite3.DatabaseError as e:
            conn.close()
            raise _state_error(e, self.path) from None
        except BaseException:
            conn.close()
            raise
        return conn

    def _initialise(self, conn: sqlite3.Connection) -> None:
        """Make the schema in a new file, however many processes try at once.

        Until the file is in WAL mode, two processes that both read it and then want to write it
        (the journal mode change, BEGIN IMMEDIATE) can each hold what the other waits for; SQLite
        then answers one of them "database is locked" at once rather than after the busy timeout.
        Making the schema again is harmless (it checks the version first), so that one tries again.
        """
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                self._initialise_once(conn)
                return
            except sqlite3.OperationalError as e:
                if getattr(e, "sqlite_errorcode", 0) & 0xFF != _SQLITE_BUSY or time.monotonic() > deadline:
                    raise
            time.sleep(0.01)

    def _initialise_once(self, conn: sqlite3.Connection) -> None:
        # One snapshot for both questions: another process may be initialising the file right now.
        conn.execute("BEGIN")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        foreign = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        conn.execute("COMMIT")
        if version != 0:
            return
        if foreign:
            # Tables but no schema version: an SQLite file of something else, which is not kmscli's to change.
            raise StateError("the state file is an SQLite database that kmscli did not make", self.path)
        # 8 KiB pages, set before the file gets its first page: a key's row (~1.1 KB with the default
        # policy) then fits in its b-tree page. With the default 4 KiB, a WITHOUT ROWID row over ~1,000
        # bytes spills into an overflow page of its own: 100,000 keys took 470 MB instead of 120 MB.
        conn.execute("PRAGMA page_size = 8192")
        # WAL lets readers run beside one writer; it is a property of the file, set once.
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have initialised the file while this one waited for the lock.
            if conn.execute("PRAGMA user_version").fetchone()[0] == 0:
                # One statement at a time: executescript() would commit the open transaction.
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            _rollback(conn)
            raise

    def _upgrade(self, conn: sqlite3.Connection) -> None:
        """Bring a state of an older schema up to this one: tables and indexes are added, and (schema 3)
        the keys' summary columns, filled from each key's document."""
        conn.execute("BEGIN IMMEDIATE")
        try:
            if conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                _add_summary_columns(conn)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            _rollback(conn)
            raise

    @contextmanager
    def transaction(
        self, *, write: bool = False, account_id: str, region: str, access: AccessKind | None = None
    ) -> Iterator[SqliteRepository]:
        """One transaction: committed when the block ends normally, rolled back on any exception.

        `access` is what the operation run in it declared (core/ports.py); without it, `write` says
        which of a write transaction or a read one that may find it must write (Access.MAY_WRITE).
        Every failure of SQLite (busy past the timeout, corrupt, read-only, disk full) becomes a
        StateError naming the database; an error inside the block leaves the state as it was.
        """
        access = access or Access.of_transaction(write)
        write = access == Access.WRITES
        conn = self._connect()
        try:
            if write:
                # WAL with NORMAL sync never corrupts; a killed process loses nothing committed.
                conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                check_root_key(conn, self.root_key, write=write)
                yield SqliteRepository(conn, account_id, region, access=access, root_key=self.root_key)
            except BaseException:
                _rollback(conn)
                raise
            conn.execute("COMMIT")
        except sqlite3.ProgrammingError:
            raise  # misuse of sqlite3 is a bug in kmscli, not a problem of the state
        except sqlite3.DatabaseError as e:
            _rollback(conn)
            raise _state_error(e, self.path) from None
        finally:
            conn.close()


def _add_summary_columns(conn: sqlite3.Connection) -> None:
    """Add the summary columns a state of schema 1 or 2 lacks, and fill them from every key's document."""
    present = {row[1] for row in conn.execute("PRAGMA table_info(keys)")}
    missing = [(name, kind) for name, kind in SUMMARY_COLUMNS if name not in present]
    if not missing:
        return
    for name, kind in missing:
        conn.execute(f"ALTER TABLE keys ADD COLUMN {name} {kind}")
    from kmscli.core.summaries import MEMBERS, from_members

    # With several paths, json_extract copies each value's text as written: a date is read back by
    # Python as the very float the document holds (one path would make SQLite parse it itself).
    paths = ", ".join(f"'$.{name}'" for name in MEMBERS)
    rows = conn.execute(f"SELECT account, region, key_id, json_extract(doc, {paths}) FROM keys").fetchall()
    conn.executemany(
        _SET_SUMMARY,
        [
            (*_summary_values(from_members(key_id, json.loads(members))), account, region, key_id)
            for account, region, key_id, members in rows
        ],
    )


_SET_SUMMARY = (
    f"UPDATE keys SET {', '.join(f'{name} = ?' for name, _ in SUMMARY_COLUMNS)} "
    "WHERE account = ? AND region = ? AND key_id = ?"
)


def _summary_values(key: Any) -> tuple[Any, ...]:
    """A Key's (or KeySummary's) summary columns, enumerations as their values."""
    return tuple(getattr(value, "value", value) for value in (getattr(key, name) for name, _ in SUMMARY_COLUMNS))


# The root key a state's material is sealed under is recorded as a counter named after its ID.
_ROOT_KEY_COUNTER = "root-key:"


def check_root_key(conn: Any, root_key: RootKey | None, *, write: bool) -> None:
    """Refuse a root key other than the one the state's material is sealed under, or none when one is.

    The first write transaction given a root key records its ID, so from then on a second key can
    never seal material beside the first (which would leave part of the state unreadable).
    """
    # A range on the primary key, not LIKE: "_" is a LIKE wildcard and the range uses the index.
    rows = conn.execute(
        "SELECT name FROM counters WHERE name >= ? AND name < ? ORDER BY name",
        (_ROOT_KEY_COUNTER, _ROOT_KEY_COUNTER[:-1] + ";"),
    ).fetchall()
    recorded = [r[0][len(_ROOT_KEY_COUNTER) :] for r in rows]
    if root_key is None:
        if recorded:
            from kmscli.rootkey import RootKeyError

            raise RootKeyError(
                f"the key material in this state is sealed under root key {recorded[0]}: "
                "set KMSCLI_ROOT_KEY_FILE to that key's file"
            )
        return
    if recorded and root_key.key_id not in recorded:
        from kmscli.rootkey import RootKeyError

        raise RootKeyError(
            f"the root key in {root_key.path} (ID {root_key.key_id}) is not the one this state's key material "
            f"is sealed under (ID {recorded[0]})"
        )
    if not recorded and write:
        conn.execute("INSERT INTO counters (name, value) VALUES (?, 1)", (_ROOT_KEY_COUNTER + root_key.key_id,))


def _check_links(path: str, me: int) -> None:
    """Refuse a symbolic link on the way to the state that another user (besides root) owns."""
    current = os.sep
    for part in path.split(os.sep)[1:]:
        if not part:
            continue
        current = os.path.join(current, part)
        try:
            info = os.lstat(current)
        except FileNotFoundError:
            return
        if stat.S_ISLNK(info.st_mode) and info.st_uid not in (me, 0):
            raise StateError(
                f"the state path goes through a symbolic link owned by another user (uid {info.st_uid})", current
            )


def _make_private_dirs(path: str) -> None:
    """mkdir -p with every directory it makes 0700 (makedirs gives the missing parents the umask's
    mode), without recursion (a path may have thousands of parts)."""
    missing = []
    current = os.path.abspath(path)
    while not os.path.lexists(current):
        missing.append(current)
        current = os.path.dirname(current)
    for directory in reversed(missing):
        try:
            os.mkdir(directory, 0o700)
        except FileExistsError:
            continue  # made by another process meanwhile: checked like any existing directory
        # mkdir's mode is filtered by the umask; the state holds key material.
        os.chmod(directory, 0o700)


def _check_parents(directory: str, me: int) -> None:
    """Refuse a state under a directory another user may write: they could rename the state away
    (kmscli would silently start an empty one) or put their own in its place. A sticky directory
    such as /tmp lets them rename only their own entries, so it is fine."""
    current = os.path.dirname(directory)
    while True:
        try:
            info = os.stat(current)
        except (FileNotFoundError, NotADirectoryError):
            info = None  # not made yet (kmscli makes it private), or not a directory (refused later)
        if info is not None and not info.st_mode & stat.S_ISVTX:
            if info.st_uid not in (me, 0):
                raise StateError(f"a directory above the state belongs to another user (uid {info.st_uid})", current)
            if info.st_mode & 0o022:
                raise StateError(
                    "a directory above the state is writable by other users (make it writable by its owner only)",
                    current,
                )
        parent = os.path.dirname(current)
        if parent == current:
            return
        current = parent


def _check_owner(what: str, info: os.stat_result, me: int, path: str) -> None:
    if info.st_uid != me:
        raise StateError(f"{what} belongs to another user (uid {info.st_uid})", path)
    if info.st_mode & 0o022:
        raise StateError(f"{what} is writable by other users (make it writable by its owner only)", path)


# Stored members of a key besides its (account, region, key_id) row key; enums as their values.
_ENUMS = {"key_usage": KeyUsage, "origin": Origin, "key_state": KeyState, "key_manager": KeyManager}


def _key_to_doc(account: str, region: str, key: Key, root_key: RootKey | None) -> str:
    doc: dict[str, Any] = key._asdict()
    for name in ("key_id", "account_id", "region"):
        del doc[name]
    scope = (account, region, key.key_id)
    doc["materials"] = [_material_to_doc(scope, m, root_key) for m in key.materials]
    pending = key.pending_material
    if pending is not None:
        doc["pending_material"] = _material_to_doc(scope, pending, root_key)
    return json.dumps(doc, separators=(",", ":"))


def _material_context(account: str, region: str, key_id: str, material_id: str) -> str:
    """What a sealed secret is bound to: a secret moved to another key's row does not open."""
    return f"key {account}/{region}/{key_id} material {material_id}"


def _material_to_doc(scope: tuple[str, str, str], material: KeyMaterial, root_key: RootKey | None) -> dict[str, Any]:
    doc = material._asdict()
    secret = doc.pop("secret")
    if root_key is None:
        doc["secret"] = binascii.b2a_base64(secret, newline=False).decode("ascii")
    else:
        context = _material_context(*scope, material.material_id)
        doc["sealed"] = binascii.b2a_base64(root_key.seal(secret, context), newline=False).decode("ascii")
    return doc


def _material_from_doc(
    account: str, region: str, key_id: str, doc: dict[str, Any], root_key: RootKey | None
) -> KeyMaterial:
    sealed = doc.pop("sealed", None)
    if sealed is None:
        # Stored in the clear: an SQLite state made without a root key (it may adopt one later).
        return KeyMaterial(**{**doc, "secret": binascii.a2b_base64(doc["secret"])})
    context = _material_context(account, region, key_id, doc["material_id"])
    if root_key is None:
        from kmscli.rootkey import RootKeyError

        raise RootKeyError(f"the key material of {context} is sealed under a root key: set KMSCLI_ROOT_KEY_FILE")
    return KeyMaterial(**doc, secret=root_key.open(binascii.a2b_base64(sealed), context))


def _doc_to_key(account: str, region: str, key_id: str, text: str, root_key: RootKey | None) -> Key:
    doc = json.loads(text)
    for name, enum in _ENUMS.items():
        doc[name] = enum(doc[name])
    doc["replica_regions"] = tuple(doc.get("replica_regions", ()))
    doc["materials"] = tuple(_material_from_doc(account, region, key_id, m, root_key) for m in doc.get("materials", ()))
    pending = doc.get("pending_material")
    if pending is not None:
        doc["pending_material"] = _material_from_doc(account, region, key_id, pending, root_key)
    return Key(key_id=key_id, account_id=account, region=region, **doc)


# The tables written with "insert or replace", as (row key columns, other columns): one upsert
# statement that SQLite and PostgreSQL both run.
_UPSERTED = {
    "aliases": (("account", "region", "alias_name"), ("target_key_id", "creation_date", "last_updated_date")),
    "grants": (
        ("account", "region", "grant_id"),
        (
            "key_id",
            "name",
            "grantee_principal",
            "grantee_service_principal",
            "retiring_principal",
            "retiring_service_principal",
            "doc",
        ),
    ),
    "grant_tokens": (("account", "region", "token"), ("grant_id",)),
    "import_tokens": (
        ("account", "region", "token_id"),
        ("key_id", "wrapping_algorithm", "wrapping_key_spec", "private_key", "expires"),
    ),
    "custom_key_stores": (("account", "region", "store_id"), ("doc",)),
}
_UPSERT = {
    table: (
        f"INSERT INTO {table} ({', '.join((*key, *rest))}) VALUES ({', '.join('?' * (len(key) + len(rest)))}) "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in rest)}"
    )
    for table, (key, rest) in _UPSERTED.items()
}


_UPDATE_KEY = (
    f"UPDATE keys SET doc = ?, {', '.join(f'{name} = ?' for name, _ in SUMMARY_COLUMNS)} "
    "WHERE account = ? AND region = ? AND key_id = ?"
)
_INSERT_KEY = (
    f"INSERT INTO keys (account, region, key_id, doc, {_SUMMARY_NAMES}) "
    f"VALUES ({', '.join('?' * (4 + len(SUMMARY_COLUMNS)))})"
)
_GET_SUMMARY = f"SELECT {_SUMMARY_NAMES} FROM keys WHERE account = ? AND region = ? AND key_id = ?"
_LIST_SUMMARIES = (
    f"SELECT key_id, {_SUMMARY_NAMES} FROM keys WHERE account = ? AND region = ? AND key_id > ? ORDER BY key_id LIMIT ?"
)


class SqliteRepository:
    """The Repository protocol inside one open transaction, scoped to (account, region).

    Its SQL is the part that SQLite and PostgreSQL share (upserts with ON CONFLICT, RETURNING), so
    store_postgres.py runs this same class over a PostgreSQL connection. With a root key, secrets
    (key material, import tokens' private keys) are sealed before they are written.
    """

    def __init__(
        self,
        conn: Any,
        account_id: str,
        region: str,
        *,
        access: AccessKind = Access.WRITES,
        root_key: RootKey | None = None,
    ) -> None:
        self._conn = conn
        self.account_id = account_id
        self.region = region
        self._scope = (account_id, region)
        # What the transaction allows: a read refuses every write (the port's read/write contract).
        self.access = access
        self._root_key = root_key
        self._key_counter = f"keys/{account_id}/{region}"

    def in_region(self, region: str) -> SqliteRepository:
        return self.in_account(self.account_id, region)

    def in_account(self, account_id: str, region: str) -> SqliteRepository:
        return type(self)(self._conn, account_id, region, access=self.access, root_key=self._root_key)

    def _write(self, sql: str, args: Any) -> Any:
        Access.check_write(self.access)
        return self._conn.execute(sql, args)

    def next_counter(self, name: str) -> int:
        """Increment and return a named counter kept in the state (reproducible IDs, D5)."""
        row = self._write(
            "INSERT INTO counters (name, value) VALUES (?, 1) "
            "ON CONFLICT(name) DO UPDATE SET value = counters.value + 1 RETURNING value",
            (name,),
        ).fetchone()
        return int(row[0])

    def get_key(self, key_id: str) -> Key | None:
        row = self._conn.execute(
            "SELECT doc FROM keys WHERE account = ? AND region = ? AND key_id = ?", (*self._scope, key_id)
        ).fetchone()
        return None if row is None else _doc_to_key(*self._scope, key_id, row[0], self._root_key)

    def put_key(self, key: Key) -> None:
        doc = _key_to_doc(*self._scope, key, self._root_key)
        summary = _summary_values(key)
        updated = self._write(_UPDATE_KEY, (doc, *summary, *self._scope, key.key_id))
        if updated.rowcount == 0:
            self._write(_INSERT_KEY, (*self._scope, key.key_id, doc, *summary))
            self._count_keys(+1)
            if key.custom_key_store_id is not None:
                # A key never changes store: indexed once, when it is created.
                self._write(
                    "INSERT INTO custom_key_store_keys (account, region, store_id, key_id) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (account, region, store_id, key_id) DO NOTHING",
                    (*self._scope, key.custom_key_store_id, key.key_id),
                )

    def _count_keys(self, delta: int) -> None:
        # A running count, so the 100,000-key quota check costs the same at any size.
        self._write(
            "INSERT INTO counters (name, value) VALUES (?, ?) "
            "ON CONFLICT(name) DO UPDATE SET value = counters.value + ?",
            (self._key_counter, delta, delta),
        )

    def delete_key(self, key_id: str) -> None:
        for table, column in (("keys", "key_id"), ("tags", "key_id"), ("aliases", "target_key_id")):
            deleted = self._write(
                f"DELETE FROM {table} WHERE account = ? AND region = ? AND {column} = ?",
                (*self._scope, key_id),
            )
            if table == "keys" and deleted.rowcount:
                self._count_keys(-1)
        self._write(
            "DELETE FROM grant_tokens WHERE account = ? AND region = ? AND grant_id IN "
            "(SELECT grant_id FROM grants WHERE account = ? AND region = ? AND key_id = ?)",
            (*self._scope, *self._scope, key_id),
        )
        for table in ("grants", "import_tokens", "custom_key_store_keys"):
            self._write(
                f"DELETE FROM {table} WHERE account = ? AND region = ? AND key_id = ?",
                (*self._scope, key_id),
            )

    def count_keys(self) -> int:
        row = self._conn.execute("SELECT value FROM counters WHERE name = ?", (self._key_counter,)).fetchone()
        return 0 if row is None else int(row[0])

    def list_keys(self, after: str | None, limit: int) -> list[str]:
        rows = self._conn.execute(
            "SELECT key_id FROM keys WHERE account = ? AND region = ? AND key_id > ? ORDER BY key_id LIMIT ?",
            (*self._scope, after or "", limit),
        )
        return [r[0] for r in rows]

    def list_key_summaries(self, after: str | None, limit: int) -> list[KeySummary]:
        from kmscli.core.summaries import KeySummary

        rows = self._conn.execute(_LIST_SUMMARIES, (*self._scope, after or "", limit))
        # SQLite keeps booleans as integers.
        return [
            KeySummary(key_id, state, spec, usage, text, deletion, manager, origin, bool(multi), bool(rotates), due)
            for key_id, state, spec, usage, text, deletion, manager, origin, multi, rotates, due in rows
        ]

    def get_key_summary(self, key_id: str) -> KeySummary | None:
        from kmscli.core.summaries import KeySummary

        row = self._conn.execute(_GET_SUMMARY, (*self._scope, key_id)).fetchone()
        if row is None:
            return None
        *members, multi, rotates, due = row
        return KeySummary(key_id, *members, bool(multi), bool(rotates), due)

    def get_alias(self, alias_name: str) -> Alias | None:
        row = self._conn.execute(
            "SELECT alias_name, target_key_id, creation_date, last_updated_date FROM aliases "
            "WHERE account = ? AND region = ? AND alias_name = ?",
            (*self._scope, alias_name),
        ).fetchone()
        return None if row is None else Alias(*row)

    def put_alias(self, alias: Alias) -> None:
        self._write(
            _UPSERT["aliases"],
            (*self._scope, alias.alias_name, alias.target_key_id, alias.creation_date, alias.last_updated_date),
        )

    def delete_alias(self, alias_name: str) -> None:
        self._write(
            "DELETE FROM aliases WHERE account = ? AND region = ? AND alias_name = ?", (*self._scope, alias_name)
        )

    def count_aliases(self, key_id: str) -> int:
        row = self._conn.execute(
            "SELECT count(*) FROM aliases WHERE account = ? AND region = ? AND target_key_id = ?",
            (*self._scope, key_id),
        )
        return int(row.fetchone()[0])

    def list_aliases(self, key_id: str | None, after: str | None, limit: int) -> list[Alias]:
        sql = (
            "SELECT alias_name, target_key_id, creation_date, last_updated_date FROM aliases "
            "WHERE account = ? AND region = ?"
        )
        args: list[Any] = [*self._scope]
        if key_id is not None:
            sql += " AND target_key_id = ?"
            args.append(key_id)
        sql += " AND alias_name > ? ORDER BY alias_name LIMIT ?"
        args += [after or "", limit]
        return [Alias(*r) for r in self._conn.execute(sql, args)]

    def get_tags(self, key_id: str) -> list[Tag]:
        rows = self._conn.execute(
            "SELECT tag_key, tag_value FROM tags WHERE account = ? AND region = ? AND key_id = ? ORDER BY tag_key",
            (*self._scope, key_id),
        )
        return [Tag(*r) for r in rows]

    def put_tags(self, key_id: str, tags: list[Tag]) -> None:
        self._write("DELETE FROM tags WHERE account = ? AND region = ? AND key_id = ?", (*self._scope, key_id))
        if tags:
            # One statement for the whole set (at most 50 tags): one round trip to a database server.
            self._write(
                "INSERT INTO tags (account, region, key_id, tag_key, tag_value) VALUES "
                + ", ".join(["(?, ?, ?, ?, ?)"] * len(tags)),
                [v for t in tags for v in (*self._scope, key_id, t.tag_key, t.tag_value)],
            )

    # ---------------------------------------------------------------- grants

    def get_grant(self, grant_id: str) -> Grant | None:
        row = self._conn.execute(
            "SELECT grant_id, key_id, doc FROM grants WHERE account = ? AND region = ? AND grant_id = ?",
            (*self._scope, grant_id),
        ).fetchone()
        return None if row is None else _row_to_grant(*row)

    def put_grant(self, grant: Grant) -> None:
        self._write(
            _UPSERT["grants"],
            (
                *self._scope,
                grant.grant_id,
                grant.key_id,
                grant.name,
                grant.grantee_principal,
                grant.grantee_service_principal,
                grant.retiring_principal,
                grant.retiring_service_principal,
                _grant_to_doc(grant),
            ),
        )

    def delete_grant(self, grant_id: str) -> None:
        for table in ("grants", "grant_tokens"):
            self._write(
                f"DELETE FROM {table} WHERE account = ? AND region = ? AND grant_id = ?",
                (*self._scope, grant_id),
            )

    def count_grants(self, key_id: str) -> int:
        row = self._conn.execute(
            "SELECT count(*) FROM grants WHERE account = ? AND region = ? AND key_id = ?", (*self._scope, key_id)
        )
        return int(row.fetchone()[0])

    def list_grants(
        self,
        key_id: str,
        after: str | None,
        limit: int,
        *,
        grantee_principal: str | None = None,
        grantee_service_principal: str | None = None,
    ) -> list[Grant]:
        sql = "SELECT grant_id, key_id, doc FROM grants WHERE account = ? AND region = ? AND key_id = ?"
        args: list[Any] = [*self._scope, key_id]
        for column, value in (
            ("grantee_principal", grantee_principal),
            ("grantee_service_principal", grantee_service_principal),
        ):
            if value is not None:
                sql += f" AND {column} = ?"
                args.append(value)
        sql += " AND grant_id > ? ORDER BY grant_id LIMIT ?"
        return [_row_to_grant(*r) for r in self._conn.execute(sql, [*args, after or "", limit])]

    def list_named_grants(self, key_id: str, name: str) -> list[Grant]:
        rows = self._conn.execute(
            "SELECT grant_id, key_id, doc FROM grants WHERE account = ? AND region = ? AND key_id = ? AND name = ? "
            "ORDER BY grant_id",
            (*self._scope, key_id, name),
        )
        return [_row_to_grant(*r) for r in rows]

    def list_retirable_grants(
        self, after: str | None, limit: int, *, principal: str | None = None, service_principal: str | None = None
    ) -> list[Grant]:
        column, value = (
            ("retiring_principal", principal)
            if principal is not None
            else (
                "retiring_service_principal",
                service_principal,
            )
        )
        rows = self._conn.execute(
            f"SELECT grant_id, key_id, doc FROM grants WHERE account = ? AND region = ? AND {column} = ? "
            "AND grant_id > ? ORDER BY grant_id LIMIT ?",
            (*self._scope, value, after or "", limit),
        )
        return [_row_to_grant(*r) for r in rows]

    def put_grant_token(self, token: str, grant_id: str) -> None:
        self._write(_UPSERT["grant_tokens"], (*self._scope, token, grant_id))

    def grant_of_token(self, token: str) -> str | None:
        row = self._conn.execute(
            "SELECT grant_id FROM grant_tokens WHERE account = ? AND region = ? AND token = ?", (*self._scope, token)
        ).fetchone()
        return None if row is None else str(row[0])

    # ---------------------------------------------------------------- import tokens

    def put_import_token(self, token: ImportToken) -> None:
        private_key = token.private_key
        if self._root_key is not None and private_key:
            private_key = self._root_key.seal(private_key, self._token_context(token.token_id))
        self._write(
            _UPSERT["import_tokens"],
            (
                *self._scope,
                token.token_id,
                token.key_id,
                token.wrapping_algorithm,
                token.wrapping_key_spec,
                private_key,
                token.expires,
            ),
        )

    def _token_context(self, token_id: str) -> str:
        return f"import token {self.account_id}/{self.region}/{token_id}"

    def get_import_token(self, token_id: str) -> ImportToken | None:
        from kmscli.core.records import ImportToken

        row = self._conn.execute(
            "SELECT token_id, key_id, wrapping_algorithm, wrapping_key_spec, private_key, expires FROM import_tokens "
            "WHERE account = ? AND region = ? AND token_id = ?",
            (*self._scope, token_id),
        ).fetchone()
        if row is None:
            return None
        private_key = bytes(row[4])
        from kmscli.rootkey import RootKeyError, is_sealed

        if is_sealed(private_key):
            if self._root_key is None:
                raise RootKeyError(
                    f"the {self._token_context(row[0])} is sealed under a root key: set KMSCLI_ROOT_KEY_FILE"
                )
            private_key = self._root_key.open(private_key, self._token_context(row[0]))
        return ImportToken(row[0], row[1], row[2], row[3], private_key, row[5])

    def expire_import_tokens(self, key_id: str, now: float) -> None:
        where = "WHERE account = ? AND region = ? AND key_id = ? AND expires <= ? AND length(private_key) > 0"
        args = (*self._scope, key_id, now)
        # Look before writing: a read-only command must not write when there is nothing to erase.
        if self._conn.execute(f"SELECT 1 FROM import_tokens {where} LIMIT 1", args).fetchone() is not None:
            self._write(f"UPDATE import_tokens SET private_key = ? {where}", (b"", *args))

    # ---------------------------------------------------------------- custom key stores

    def get_custom_key_store(self, store_id: str) -> CustomKeyStore | None:
        row = self._conn.execute(
            "SELECT doc FROM custom_key_stores WHERE account = ? AND region = ? AND store_id = ?",
            (*self._scope, store_id),
        ).fetchone()
        return None if row is None else self._doc_to_store(row[0])

    def put_custom_key_store(self, store: CustomKeyStore) -> None:
        doc = store._asdict()
        secret = doc.pop("secret")
        if self._root_key is None:
            doc["secret"] = secret
        else:
            # The key store password or proxy secret is sealed under the root key, as key material is.
            sealed = self._root_key.seal(secret.encode("utf-8"), self._store_context(store.custom_key_store_id))
            doc["sealed_secret"] = binascii.b2a_base64(sealed, newline=False).decode("ascii")
        self._write(
            _UPSERT["custom_key_stores"],
            (*self._scope, store.custom_key_store_id, json.dumps(doc, separators=(",", ":"))),
        )

    def _store_context(self, store_id: str) -> str:
        return f"custom key store {self.account_id}/{self.region}/{store_id}"

    def _doc_to_store(self, text: str) -> CustomKeyStore:
        from kmscli.core.records import CustomKeyStore

        doc = json.loads(text)
        sealed = doc.pop("sealed_secret", None)
        if sealed is not None:
            context = self._store_context(doc["custom_key_store_id"])
            if self._root_key is None:
                from kmscli.rootkey import RootKeyError

                raise RootKeyError(f"the secret of {context} is sealed under a root key: set KMSCLI_ROOT_KEY_FILE")
            doc["secret"] = self._root_key.open(binascii.a2b_base64(sealed), context).decode("utf-8")
        return CustomKeyStore(**doc)

    def delete_custom_key_store(self, store_id: str) -> None:
        self._write(
            "DELETE FROM custom_key_stores WHERE account = ? AND region = ? AND store_id = ?", (*self._scope, store_id)
        )

    def list_custom_key_stores(self) -> list[CustomKeyStore]:
        rows = self._conn.execute(
            "SELECT doc FROM custom_key_stores WHERE account = ? AND region = ? ORDER BY store_id", self._scope
        )
        return [self._doc_to_store(r[0]) for r in rows]

    def list_custom_key_store_keys(self, store_id: str) -> list[str]:
        rows = self._conn.execute(
            "SELECT key_id FROM custom_key_store_keys WHERE account = ? AND region = ? AND store_id = ? "
            "ORDER BY key_id",
            (*self._scope, store_id),
        )
        return [r[0] for r in rows]


def _grant_to_doc(grant: Grant) -> str:
    """The grant's members besides its row key and indexed columns."""
    constraints = grant.constraints._asdict() if grant.constraints is not None else None
    doc = {
        "creation_date": grant.creation_date,
        "issuing_account": grant.issuing_account,
        "operations": list(grant.operations),
        "constraints": constraints,
        "name": grant.name,
        "grantee_principal": grant.grantee_principal,
        "grantee_service_principal": grant.grantee_service_principal,
        "retiring_principal": grant.retiring_principal,
        "retiring_service_principal": grant.retiring_service_principal,
    }
    return json.dumps(doc, separators=(",", ":"))


def _row_to_grant(grant_id: str, key_id: str, text: str) -> Grant:
    # Imported here: only grant commands read grants, and every command imports this module.
    from kmscli.core.records import Grant, GrantConstraints

    doc = json.loads(text)
    doc["operations"] = tuple(doc["operations"])
    if doc["constraints"] is not None:
        doc["constraints"] = GrantConstraints(**doc["constraints"])
    return Grant(grant_id=grant_id, key_id=key_id, **doc)
