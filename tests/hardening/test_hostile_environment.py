"""A state kmscli cannot trust or cannot use: one line naming the problem and the path, exit 255.

docs/decisions.md#state: stderr is exactly `kmscli: <what> (<path>)`, stdout stays empty, there is no
traceback, and nothing is damaged: the files are byte-for-byte as they were (same mtime), and a
state that becomes usable again (space freed, permissions restored) holds everything it held.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from kmscli.cli import cli
from kmscli.core.model import Tag
from kmscli.session import Session
from kmscli.store import Store

DB_NAME = "kmscli.sqlite3"
NOBODY = 65534
KEY = "1234abcd-12ab-34cd-56ef-1234567890ab"

# One command that only reads, one that reads a key, one that writes.
COMMANDS = [
    pytest.param(["list-keys"], id="list-keys"),
    pytest.param(["describe-key", "--key-id", KEY], id="describe-key"),
    pytest.param(["create-key", "--tags", "TagKey=a,TagValue=b"], id="create-key"),
]


def files(directory: Path) -> dict[str, tuple[bytes, int, int]]:
    """Each file's bytes, mtime and mode: what "untouched" means."""
    return {
        p.name: (p.read_bytes(), p.stat().st_mtime_ns, stat.S_IMODE(p.stat().st_mode))
        for p in sorted(directory.iterdir())
    }


def refused(result: subprocess.CompletedProcess[str], line: str) -> None:
    assert (result.returncode, result.stdout, result.stderr) == (255, "", f"kmscli: {line}\n")


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state"


@pytest.fixture
def database(state: Path) -> Path:
    return state / DB_NAME


@pytest.fixture
def populated(kmscli, database: Path) -> str:
    """A working state with one tagged key; its key ID."""
    created = kmscli(
        "create-key", "--tags", "TagKey=team,TagValue=infra", "--query", "KeyMetadata.KeyId", "--output", "text"
    )
    assert (created.returncode, created.stderr) == (0, "")
    return created.stdout.strip()


def private_file(path: Path, data: bytes) -> None:
    """Write `data` as the owner-only file kmscli expects, so only its bytes are hostile."""
    path.parent.mkdir(mode=0o700, exist_ok=True)
    path.write_bytes(data)
    path.chmod(0o600)


# ---------------------------------------------------------------- hostile files


def good_database_bytes(kmscli, database: Path) -> bytes:
    for i in range(6):
        made = kmscli("create-key", "--description", f"{i}" * 3000, "--tags", "TagKey=a,TagValue=b")
        assert made.returncode == 0, made.stderr
    data = database.read_bytes()
    for name in (DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm"):
        (database.parent / name).unlink(missing_ok=True)
    return data


@pytest.mark.parametrize("args", COMMANDS)
@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        pytest.param(
            lambda good: good[:100] + bytes(b ^ 0x5A for b in good[100:]),
            "database disk image is malformed",
            id="corrupt-after-the-header",
        ),
        pytest.param(lambda good: good[: len(good) // 2], "database disk image is malformed", id="truncated-half"),
        pytest.param(lambda good: good[: 8192 * 2], "database disk image is malformed", id="truncated-to-2-pages"),
        pytest.param(lambda good: good[:50], "database disk image is malformed", id="truncated-in-the-header"),
        pytest.param(lambda good: b"\0" * len(good), "file is not a database", id="zeroed"),
        pytest.param(lambda good: b"KEY=value\n" * 500, "file is not a database", id="not-sqlite"),
        pytest.param(lambda good: os.urandom(4096), "file is not a database", id="random-bytes"),
    ],
)
def test_a_damaged_database_is_named_and_left_alone(kmscli, database, args, damage, problem):
    data = damage(good_database_bytes(kmscli, database))
    private_file(database, data)
    before = files(database.parent)
    refused(kmscli(*args), f"the state database is unreadable: {problem} ({database})")
    assert files(database.parent) == before


@pytest.mark.parametrize("args", COMMANDS)
def test_a_newer_schema_is_refused(kmscli, database, populated, rows, args):
    with contextlib.closing(sqlite3.connect(database)) as conn:
        conn.execute("PRAGMA user_version = 4")
    before, content = files(database.parent), rows(database)
    refused(kmscli(*args), f"the state was written by a newer kmscli (schema 4, this one knows 3) ({database})")
    assert files(database.parent) == before
    assert rows(database) == content


@pytest.mark.parametrize("args", COMMANDS)
def test_an_sqlite_file_of_something_else_is_not_changed(kmscli, database, args):
    database.parent.mkdir(mode=0o700)
    with contextlib.closing(sqlite3.connect(database)) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.execute("INSERT INTO notes VALUES ('buy milk')")
        conn.commit()
    database.chmod(0o600)
    before = files(database.parent)
    refused(kmscli(*args), f"the state file is an SQLite database that kmscli did not make ({database})")
    assert files(database.parent) == before


def test_a_database_without_its_tables_is_named(kmscli, database, populated):
    with contextlib.closing(sqlite3.connect(database)) as conn:
        conn.execute("DROP TABLE keys")
    before = files(database.parent)
    refused(
        kmscli("describe-key", "--key-id", populated),
        f"the state database is unreadable: no such table: keys ({database})",
    )
    assert files(database.parent) == before


def test_a_directory_where_the_database_belongs(kmscli, database):
    database.mkdir(parents=True)
    refused(kmscli("list-keys"), f"cannot open the state: the state database is not a regular file ({database})")
    assert list(database.iterdir()) == []


# ---------------------------------------------------------------- hostile directories


@pytest.mark.parametrize("args", COMMANDS)
def test_a_state_directory_that_is_a_file(kmscli, state, args):
    state.write_text("notes")
    refused(kmscli(*args), f"cannot open the state: the state directory is not a directory ({state / DB_NAME})")
    assert state.read_text() == "notes"


@pytest.mark.parametrize("args", COMMANDS)
def test_a_missing_state_directory_that_cannot_be_made(kmscli, tmp_path, args):
    (tmp_path / "plain-file").write_text("notes")
    state = tmp_path / "plain-file" / "state"
    refused(kmscli(*args, KMSCLI_STATE_DIR=str(state)), f"cannot open the state: Not a directory ({state / DB_NAME})")


def test_a_missing_state_directory_is_made_private(kmscli, tmp_path):
    state = tmp_path / "a" / "b" / "state"
    created = kmscli("create-key", "--query", "KeyMetadata.KeyState", "--output", "text", KMSCLI_STATE_DIR=str(state))
    assert (created.returncode, created.stdout, created.stderr) == (0, "Enabled\n", "")
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    assert stat.S_IMODE((state / DB_NAME).stat().st_mode) == 0o600


@pytest.mark.parametrize("args", COMMANDS)
def test_a_read_only_state_directory(kmscli, database, populated, without_privileges, rows, args):
    content = rows(database)
    os.chmod(database.parent, 0o500)
    try:
        before = files(database.parent)
        refused(kmscli(*args, prefix=without_privileges), f"the state directory is read-only ({database.parent})")
        assert files(database.parent) == before
    finally:
        os.chmod(database.parent, 0o700)
    assert rows(database) == content


def test_a_read_only_database_serves_reads_and_refuses_writes(kmscli, database, populated, without_privileges, rows):
    content = rows(database)
    database.chmod(0o400)
    listed = kmscli("list-keys", "--query", "Keys[].KeyId", "--output", "text", prefix=without_privileges)
    assert (listed.returncode, listed.stdout, listed.stderr) == (0, f"{populated}\n", "")
    refused(kmscli("create-key", prefix=without_privileges), f"the state database is read-only ({database})")
    assert rows(database) == content
    # Made writable again, the state works at once: left-over -wal and -shm files follow the database's mode.
    database.chmod(0o600)
    created = kmscli("create-key", "--query", "KeyMetadata.KeyState", "--output", "text", prefix=without_privileges)
    assert (created.returncode, created.stdout, created.stderr) == (0, "Enabled\n", "")


def test_a_missing_state_directory_under_a_read_only_one(kmscli, tmp_path, without_privileges):
    parent = tmp_path / "locked"
    parent.mkdir(mode=0o500)
    state = parent / "state"
    try:
        result = kmscli("list-keys", prefix=without_privileges, KMSCLI_STATE_DIR=str(state))
    finally:
        parent.chmod(0o700)
    refused(result, f"cannot open the state: Permission denied ({state / DB_NAME})")
    assert list(parent.iterdir()) == []


# ---------------------------------------------------------------- someone else's state


@pytest.fixture
def as_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("making files owned by another user needs root")


@pytest.mark.usefixtures("as_root")
@pytest.mark.parametrize("args", COMMANDS)
def test_a_symlink_to_a_directory_owned_by_another_user(kmscli, tmp_path, args):
    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o700)
    os.chown(theirs, NOBODY, NOBODY)
    link = tmp_path / "state-link"
    link.symlink_to(theirs)
    refused(
        kmscli(*args, KMSCLI_STATE_DIR=str(link)),
        f"the state directory belongs to another user (uid {NOBODY}) ({theirs})",
    )
    assert list(theirs.iterdir()) == []


@pytest.mark.usefixtures("as_root")
def test_a_symlink_owned_by_another_user(kmscli, tmp_path, database, populated, rows):
    """Its owner could point it anywhere between two commands: refused even while it points at our state."""
    content = rows(database)
    link = tmp_path / "state-link"
    link.symlink_to(database.parent)
    os.lchown(link, NOBODY, NOBODY)
    refused(
        kmscli("create-key", KMSCLI_STATE_DIR=str(link)),
        f"the state path goes through a symbolic link owned by another user (uid {NOBODY}) ({link})",
    )
    # On the way to the state, not only at its end.
    refused(
        kmscli("list-keys", KMSCLI_STATE_DIR=str(link / ".." / "state")),
        f"the state path goes through a symbolic link owned by another user (uid {NOBODY}) ({link})",
    )
    assert rows(database) == content


def test_a_symlink_of_our_own_is_followed(kmscli, tmp_path, populated):
    link = tmp_path / "state-link"
    link.symlink_to(tmp_path / "state")
    listed = kmscli("list-keys", "--query", "Keys[].KeyId", "--output", "text", KMSCLI_STATE_DIR=str(link))
    assert (listed.returncode, listed.stdout, listed.stderr) == (0, f"{populated}\n", "")


@pytest.mark.usefixtures("as_root")
@pytest.mark.parametrize("args", COMMANDS)
def test_a_database_owned_by_another_user(kmscli, database, populated, rows, args):
    os.chown(database, NOBODY, NOBODY)
    before, content = files(database.parent), rows(database)
    refused(kmscli(*args), f"the state database belongs to another user (uid {NOBODY}) ({database})")
    assert files(database.parent) == before
    assert rows(database) == content


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o1777, 0o722])
def test_a_state_directory_others_may_write(kmscli, database, populated, rows, mode):
    """Another user could swap the database in it, or plant one holding key material they know."""
    database.parent.chmod(mode)
    content = rows(database)
    refused(
        kmscli("describe-key", "--key-id", populated),
        f"the state directory is writable by other users (make it writable by its owner only) ({database.parent})",
    )
    assert stat.S_IMODE(database.parent.stat().st_mode) == mode
    assert rows(database) == content


@pytest.mark.parametrize("mode", [0o666, 0o620, 0o602])
def test_a_database_others_may_write(kmscli, database, populated, rows, mode):
    database.chmod(mode)
    content = rows(database)
    refused(
        kmscli("describe-key", "--key-id", populated),
        f"the state database is writable by other users (make it writable by its owner only) ({database})",
    )
    assert stat.S_IMODE(database.stat().st_mode) == mode
    assert rows(database) == content


def test_a_database_others_may_read_is_made_private_again(kmscli, database, populated):
    """A copy restored with the umask's 0644: the user's own file, so kmscli closes it and carries on."""
    database.chmod(0o644)
    database.parent.chmod(0o755)
    described = kmscli("describe-key", "--key-id", populated, "--query", "KeyMetadata.KeyId", "--output", "text")
    assert (described.returncode, described.stdout, described.stderr) == (0, f"{populated}\n", "")
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    # A directory others may only list is the user's choice (a plain mkdir); the files in it stay private.
    assert stat.S_IMODE(database.parent.stat().st_mode) == 0o755


# ---------------------------------------------------------------- a full disk


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs, unmounted afterwards."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs to fill up: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(disk: Path, leave: int = 0) -> Path:
    """Take all the free space of `disk` but `leave` bytes; the file that took it."""
    filler = disk / "filler"
    # Unbuffered: a buffer still holding bytes would fail again when the file is closed.
    with open(filler, "wb", buffering=0) as f, contextlib.suppress(OSError):
        while True:
            f.write(b"\0" * 4096)
    os.truncate(filler, max(0, filler.stat().st_size - leave))
    return filler


@pytest.mark.parametrize("args", COMMANDS)
def test_a_full_disk_is_named_and_damages_nothing(kmscli, small_disk, rows, args):
    state = small_disk / "state"
    database = state / DB_NAME
    created = kmscli("create-key", "--query", "KeyMetadata.KeyId", "--output", "text", KMSCLI_STATE_DIR=str(state))
    assert (created.returncode, created.stderr) == (0, "")
    content = rows(database)
    filler = fill(small_disk)
    before = files(state)
    refused(kmscli(*args, KMSCLI_STATE_DIR=str(state)), f"no space left on the device holding the state ({database})")
    assert {name: data for name, data in files(state).items() if name == DB_NAME} == {DB_NAME: before[DB_NAME]}
    filler.unlink()
    assert rows(database) == content
    again = kmscli(*args, KMSCLI_STATE_DIR=str(state))
    if args[0] == "describe-key":
        assert (again.returncode, again.stdout) == (255, "")
        assert again.stderr.startswith("\nAn error occurred (NotFoundException) when calling the DescribeKey operation")
    else:
        assert (again.returncode, again.stderr) == (0, "")
    listed = kmscli("list-keys", "--query", "Keys[].KeyId", "--output", "json", KMSCLI_STATE_DIR=str(state))
    assert created.stdout.strip() in json.loads(listed.stdout)


def test_a_disk_that_fills_during_the_write_keeps_the_state_as_it_was(kmscli, small_disk, rows, sql):
    state = small_disk / "state"
    database = state / DB_NAME
    created = kmscli("create-key", KMSCLI_STATE_DIR=str(state))
    assert created.returncode == 0, created.stderr
    content = rows(database)
    filler = fill(small_disk, leave=48 * 1024)
    # 50 tags of 128 + 256 characters: ~20 KB of rows, written as 8 KiB WAL frames, overflows 48 KiB.
    tags = [f"TagKey={'k' * 125}{i:03},TagValue={'v' * 256}" for i in range(50)]
    refused(
        kmscli("create-key", "--tags", *tags, KMSCLI_STATE_DIR=str(state)),
        f"no space left on the device holding the state ({database})",
    )
    filler.unlink()
    assert rows(database) == content
    assert sql(database, "PRAGMA integrity_check") == [("ok",)]


def test_a_fresh_state_on_a_full_disk(kmscli, small_disk):
    filler = fill(small_disk)
    state = small_disk / "state"
    refused(
        kmscli("create-key", KMSCLI_STATE_DIR=str(state)),
        f"no space left on the device holding the state ({state / DB_NAME})",
    )
    filler.unlink()
    created = kmscli("create-key", "--query", "KeyMetadata.KeyState", "--output", "text", KMSCLI_STATE_DIR=str(state))
    assert (created.returncode, created.stdout, created.stderr) == (0, "Enabled\n", "")


# ---------------------------------------------------------------- a lock held too long, odd paths


def test_a_lock_held_past_the_busy_timeout(state, env, monkeypatch):
    """Writers wait for each other (BUSY_TIMEOUT_S, 60 s); past that, the one line, not a traceback."""
    runtime = Session(environ={}, state_dir=state, env=env)
    assert CliRunner().invoke(cli, ["create-key"], obj=runtime).exit_code == 0
    monkeypatch.setattr("kmscli.store.BUSY_TIMEOUT_S", 0.05)
    database = state / DB_NAME
    with contextlib.closing(sqlite3.connect(database, isolation_level=None)) as holder:
        holder.execute("BEGIN IMMEDIATE")
        result = CliRunner().invoke(cli, ["create-key"], obj=runtime)
        holder.execute("ROLLBACK")
    assert (result.exit_code, result.stdout, result.stderr) == (
        255,
        "",
        f"kmscli: the state database is busy: database is locked ({database})\n",
    )


def test_a_state_path_holding_a_nul_character(tmp_path, env):
    state = tmp_path / "bad\0name"
    result = CliRunner().invoke(cli, ["list-keys"], obj=Session(environ={}, state_dir=state, env=env))
    assert (result.exit_code, result.stdout, result.stderr) == (
        255,
        "",
        f"kmscli: cannot open the state: the path holds a NUL character ({state / DB_NAME})\n",
    )


@pytest.mark.parametrize("args", COMMANDS)
def test_a_read_only_file_system(kmscli, small_disk, rows, args):
    state = small_disk / "state"
    database = state / DB_NAME
    created = kmscli("create-key", KMSCLI_STATE_DIR=str(state))
    assert created.returncode == 0, created.stderr
    content = rows(database)
    before = files(state)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    try:
        refused(kmscli(*args, KMSCLI_STATE_DIR=str(state)), f"the state directory is read-only ({state})")
        assert files(state) == before
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    assert rows(database) == content


# ---------------------------------------------------------------- symbolic links at the database, parents


@pytest.mark.parametrize("name", [DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm"])
def test_a_dangling_link_at_the_database_or_a_sidecar_is_refused(kmscli, state, tmp_path, name):
    """SQLite would create the file at the link's target, with the umask's mode, readable by all."""
    state.mkdir(mode=0o700)
    target = tmp_path / "elsewhere" / "planted"
    target.parent.mkdir()
    (state / name).symlink_to(target)
    refused(
        kmscli("create-key"),
        f"the state database is a symbolic link to a missing file ({state / name})",
    )
    assert list(target.parent.iterdir()) == []
    assert sorted(p.name for p in state.iterdir()) == [name]


@pytest.mark.parametrize("sidecar", [f"{DB_NAME}-wal", f"{DB_NAME}-shm"])
@pytest.mark.parametrize("when", ["before stat", "before chmod"])
def test_a_sidecar_another_process_removes_meanwhile_is_not_taken_for_a_dangling_link(
    state, monkeypatch, sidecar, when
):
    """SQLite deletes its -wal and -shm when another process's last connection closes: a sidecar
    seen by lstat may be gone by the next look. That is no symbolic link, and no reason to refuse."""
    with Store(state).transaction(write=True, account_id="111122223333", region="us-west-2") as repo:
        repo.put_tags(KEY, [Tag("a", "b")])
    path = state / sidecar
    path.write_bytes(b"")
    # A mode the check puts right with chmod, so that the chmod is reached too.
    path.chmod(0o644)
    real_stat, real_chmod = os.stat, os.chmod

    def stat_then_gone(target, *args, **kwargs):
        if os.fspath(target) == str(path) and when == "before stat":
            path.unlink()
        return real_stat(target, *args, **kwargs)

    def chmod_then_gone(target, *args, **kwargs):
        if os.fspath(target) == str(path) and when == "before chmod":
            path.unlink()
        return real_chmod(target, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stat_then_gone)
    monkeypatch.setattr(os, "chmod", chmod_then_gone)
    with Store(state).transaction(write=False, account_id="111122223333", region="us-west-2") as repo:
        tags = repo.get_tags(KEY)
    monkeypatch.undo()
    assert tags == [Tag("a", "b")]
    assert not path.exists()


@pytest.mark.parametrize("name", [DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm"])
def test_a_link_to_a_file_others_may_read_is_refused_not_chmodded(kmscli, database, populated, tmp_path, name):
    target = tmp_path / "elsewhere"
    link = database.parent / name
    if link.exists():
        os.replace(link, target)
    else:
        target.write_bytes(b"")
    target.chmod(0o644)
    link.symlink_to(target)
    before = target.read_bytes()
    refused(
        kmscli("describe-key", "--key-id", populated),
        "the state database is a symbolic link to a file other users may read "
        f"(make it readable by its owner only) ({link})",
    )
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert target.read_bytes() == before


def test_a_link_to_a_private_database_of_our_own_is_followed(kmscli, database, populated, tmp_path):
    target = tmp_path / "kept" / DB_NAME
    target.parent.mkdir(mode=0o700)
    os.replace(database, target)
    database.symlink_to(target)
    listed = kmscli("list-keys", "--query", "Keys[].KeyId", "--output", "text")
    assert (listed.returncode, listed.stdout, listed.stderr) == (0, f"{populated}\n", "")
    assert database.is_symlink()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


@pytest.mark.usefixtures("as_root")
def test_a_link_to_a_sidecar_of_another_user_is_refused(kmscli, database, populated, tmp_path):
    theirs = tmp_path / "theirs"
    theirs.write_bytes(b"")
    theirs.chmod(0o600)
    os.chown(theirs, NOBODY, NOBODY)
    (database.parent / f"{DB_NAME}-wal").unlink(missing_ok=True)
    (database.parent / f"{DB_NAME}-wal").symlink_to(theirs)
    refused(
        kmscli("describe-key", "--key-id", populated),
        f"the state database belongs to another user (uid {NOBODY}) ({database.parent / (DB_NAME + '-wal')})",
    )
    assert (theirs.stat().st_uid, stat.S_IMODE(theirs.stat().st_mode), theirs.read_bytes()) == (NOBODY, 0o600, b"")


def test_missing_parents_are_made_private_whatever_the_umask(kmscli, tmp_path):
    home = tmp_path / "home"
    created = kmscli(
        "create-key",
        "--query",
        "KeyMetadata.KeyState",
        "--output",
        "text",
        prefix=["sh", "-c", 'umask 000; exec "$0" "$@"'],
        KMSCLI_STATE_DIR=str(home / ".local" / "state" / "kmscli"),
    )
    assert (created.returncode, created.stdout, created.stderr) == (0, "Enabled\n", "")
    for directory in (home, home / ".local", home / ".local" / "state", home / ".local" / "state" / "kmscli"):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory


@pytest.mark.parametrize("mode", [0o777, 0o775, 0o757])
def test_a_parent_others_may_write_is_refused(kmscli, tmp_path, mode):
    """Another user could rename the state directory away: kmscli would silently start an empty one."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(mode)
    state = shared / "state"
    refused(
        kmscli("list-keys", KMSCLI_STATE_DIR=str(state)),
        f"a directory above the state is writable by other users (make it writable by its owner only) ({shared})",
    )
    assert list(shared.iterdir()) == []


def test_a_sticky_parent_such_as_tmp_is_fine(kmscli, tmp_path):
    shared = tmp_path / "sticky"
    shared.mkdir()
    shared.chmod(0o1777)
    listed = kmscli("list-keys", "--output", "text", KMSCLI_STATE_DIR=str(shared / "state"))
    assert (listed.returncode, listed.stdout, listed.stderr) == (0, "", "")
    assert stat.S_IMODE((shared / "state").stat().st_mode) == 0o700


@pytest.mark.usefixtures("as_root")
def test_a_parent_of_another_user_is_refused(kmscli, tmp_path):
    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o755)
    (theirs / "state").mkdir(mode=0o700)
    os.chown(theirs, NOBODY, NOBODY)
    refused(
        kmscli("list-keys", KMSCLI_STATE_DIR=str(theirs / "state")),
        f"a directory above the state belongs to another user (uid {NOBODY}) ({theirs})",
    )
