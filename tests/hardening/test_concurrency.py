"""32 kmscli processes at once on one state directory (docs/decisions.md#state: parallel CI steps share it).

Every command that exits 0 must have its effect, none may fail because the database was locked
(writers queue behind SQLite's busy timeout), and an alias name ends up on exactly one key.
"""

from __future__ import annotations

import base64
import contextlib
import json
import sqlite3
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kmscli.core.model import Tag
from kmscli.store import SCHEMA_VERSION, Store

ACCOUNT = "111122223333"
REGION = "us-west-2"
DB_NAME = "kmscli.sqlite3"
TIMEOUT_S = 120
PROCESSES = 32


def run_together(commands: Sequence[Sequence[str]], environ: dict[str, str], cwd: Path) -> list[tuple[int, str, str]]:
    """Start every command before waiting for any; (exit status, stdout, stderr) of each, in order."""
    # Each process is waited for and its pipes closed even when one of them times out.
    with contextlib.ExitStack() as running:
        procs = [
            running.enter_context(
                subprocess.Popen(
                    [sys.executable, "-m", "kmscli", *args],
                    env=environ,
                    cwd=cwd,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
            for args in commands
        ]
        outcomes = []
        for proc in procs:
            stdout, stderr = proc.communicate(timeout=TIMEOUT_S)
            outcomes.append((proc.returncode, stdout, stderr))
    return outcomes


def alias_taken(name: str) -> str:
    return (
        "\nAn error occurred (AlreadyExistsException) when calling the CreateAlias operation: "
        f"An alias with the name arn:aws:kms:{REGION}:{ACCOUNT}:alias/{name} already exists\n"
    )


def test_32_processes_mixing_writes_and_reads_lose_nothing(kmscli, environ, tmp_path, sql):
    database = tmp_path / "state" / DB_NAME
    seeds = []
    for i in range(4):
        created = kmscli("create-key", "--description", f"seed-{i}", "--query", "KeyMetadata.KeyId", "--output", "text")
        assert (created.returncode, created.stderr) == (0, "")
        seeds.append(created.stdout.strip())
    secrets = [f"secret number {i}" for i in range(3)]
    ciphertexts = []
    for i, secret in enumerate(secrets):
        made = kmscli(
            "encrypt", "--key-id", seeds[i], "--plaintext", secret, "--query", "CiphertextBlob", "--output", "text"
        )
        assert (made.returncode, made.stderr) == (0, "")
        path = tmp_path / f"ciphertext-{i}"
        path.write_bytes(base64.b64decode(made.stdout))
        ciphertexts.append(path)

    creates = [
        ["create-key", "--description", f"parallel-{i}", "--tags", f"TagKey=batch,TagValue={i}"] for i in range(8)
    ]
    # Two alias names, each wanted by four processes for four different keys.
    aliases = [
        ["create-alias", "--alias-name", f"alias/contested-{i % 2}", "--target-key-id", seeds[i // 2]] for i in range(8)
    ]
    tags = [["tag-resource", "--key-id", seeds[0], "--tags", f"TagKey=t{i},TagValue=v{i}"] for i in range(6)]
    encrypts = [["encrypt", "--key-id", seeds[3], "--plaintext", f"fresh {i}"] for i in range(3)]
    decrypts = [["decrypt", "--ciphertext-blob", f"fileb://{path}"] for path in ciphertexts]
    lists = [["list-keys"], ["list-aliases"], ["list-resource-tags", "--key-id", seeds[0]], ["list-keys"]]
    commands = [*creates, *aliases, *tags, *encrypts, *decrypts, *lists]
    # Interleave the kinds, so that writers and readers start side by side.
    commands = [commands[i] for i in sorted(range(len(commands)), key=lambda i: (i * 7) % len(commands))]
    assert len(commands) == PROCESSES

    outcomes = list(zip(commands, run_together(commands, environ, tmp_path), strict=True))

    for args, (code, _, stderr) in outcomes:
        if args[0] == "create-alias" and code != 0:
            assert (code, stderr) == (255, alias_taken(args[2].removeprefix("alias/"))), args
        else:
            assert (code, stderr) == (0, ""), args
    # Exactly one process won each alias name, and the alias points at the winner's key.
    for name in ("alias/contested-0", "alias/contested-1"):
        winners = [
            args[4] for args, (code, _, _) in outcomes if args[0] == "create-alias" and args[2] == name and code == 0
        ]
        assert len(winners) == 1, name
        assert sql(database, "SELECT target_key_id FROM aliases WHERE alias_name = ?", name) == [(winners[0],)]
    for args, (_, stdout, _) in outcomes:
        if args[0] == "create-key":
            key_id = json.loads(stdout)["KeyMetadata"]["KeyId"]
            described = kmscli(
                "describe-key", "--key-id", key_id, "--query", "KeyMetadata.Description", "--output", "text"
            )
            assert (described.returncode, described.stdout) == (0, args[2] + "\n")
            listed = kmscli("list-resource-tags", "--key-id", key_id, "--query", "Tags", "--output", "json")
            assert json.loads(listed.stdout) == [{"TagKey": "batch", "TagValue": args[4].rpartition("=")[2]}]
        elif args[0] == "encrypt":
            blob = tmp_path / "check"
            blob.write_bytes(base64.b64decode(json.loads(stdout)["CiphertextBlob"]))
            back = kmscli("decrypt", "--ciphertext-blob", f"fileb://{blob}", "--query", "Plaintext", "--output", "text")
            assert base64.b64decode(back.stdout) == args[4].encode()
        elif args[0] == "decrypt":
            index = ciphertexts.index(Path(args[2].removeprefix("fileb://")))
            assert base64.b64decode(json.loads(stdout)["Plaintext"]) == secrets[index].encode()
        elif args[0] == "list-keys":
            listed_ids = {k["KeyId"] for k in json.loads(stdout)["Keys"]}
            # Whatever else a listing saw, it saw every key that existed before it started.
            assert listed_ids >= set(seeds)
    assert sql(database, "SELECT tag_key, tag_value FROM tags WHERE key_id = ? ORDER BY tag_key", seeds[0]) == [
        (f"t{i}", f"v{i}") for i in range(6)
    ]
    assert sql(database, "SELECT count(*) FROM keys") == [(12,)]
    # The running count the 100,000-key quota reads agrees with the rows.
    assert sql(database, "SELECT value FROM counters WHERE name = ?", f"keys/{ACCOUNT}/{REGION}") == [(12,)]
    assert sql(database, "PRAGMA integrity_check") == [("ok",)]


def test_32_processes_creating_the_state_at_once(environ, tmp_path, sql):
    """The first use races too: 32 processes find no state directory and must agree on one database."""
    commands = [["create-key", "--description", f"first-{i}"] for i in range(PROCESSES)]
    outcomes = run_together(commands, environ, tmp_path)
    assert [(code, stderr) for code, _, stderr in outcomes] == [(0, "")] * PROCESSES
    created = sorted(
        (json.loads(stdout)["KeyMetadata"]["KeyId"], args[2])
        for args, (_, stdout, _) in zip(commands, outcomes, strict=True)
    )
    database = tmp_path / "state" / DB_NAME
    stored = sql(database, "SELECT key_id, json_extract(doc, '$.description') FROM keys ORDER BY key_id")
    assert stored == created
    assert sql(database, "SELECT value FROM counters WHERE name = ?", f"keys/{ACCOUNT}/{REGION}") == [(PROCESSES,)]
    assert sql(database, "PRAGMA user_version") == [(3,)]
    assert sql(database, "PRAGMA journal_mode") == [("wal",)]


def test_a_first_use_answered_database_is_locked_at_once_tries_again(tmp_path, monkeypatch):
    """Two processes making a new state can each hold what the other waits for before the file is in
    WAL mode; SQLite then answers one "database is locked" at once, without waiting out the busy
    timeout. That one must try again, not fail the command (seen once among 32 processes)."""
    refusals = [2]

    class LockedAtFirst(sqlite3.Connection):
        def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
            if sql == "PRAGMA journal_mode = WAL" and refusals[0]:
                refusals[0] -= 1
                error = sqlite3.OperationalError("database is locked")
                error.sqlite_errorcode = 5  # SQLITE_BUSY, as SQLite sets it
                raise error
            return super().execute(sql, *args)

    connect = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda *args, **kwargs: connect(*args, factory=LockedAtFirst, **kwargs))
    state = tmp_path / "state"
    with Store(state).transaction(write=True, account_id=ACCOUNT, region=REGION) as repo:
        repo.put_tags("1234abcd-12ab-34cd-56ef-1234567890ab", [Tag("a", "b")])
    monkeypatch.undo()
    assert refusals == [0]
    with contextlib.closing(sqlite3.connect(state / DB_NAME)) as conn:
        assert conn.execute("PRAGMA user_version").fetchall() == [(SCHEMA_VERSION,)]
        assert conn.execute("PRAGMA journal_mode").fetchall() == [("wal",)]
        assert conn.execute("SELECT key_id, tag_key, tag_value FROM tags").fetchall() == [
            ("1234abcd-12ab-34cd-56ef-1234567890ab", "a", "b")
        ]
