"""kmscli as a real process: exit statuses, stderr bytes, state shared between processes, concurrency."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import pytest

from kmscli import __version__

ACCOUNT = "111122223333"
REGION = "us-west-2"
USAGE = (
    "usage: kmscli [options] <command> [parameters]\n"
    "To see help text, you can run:\n"
    "\n"
    "  kmscli --help\n"
    "  kmscli <command> --help\n"
)
TIMEOUT_S = 120

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def environ(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "KMSCLI_"))}
    env.update(KMSCLI_STATE_DIR=str(tmp_path / "state"), HOME=str(tmp_path / "home"), AWS_REGION=REGION)
    return env


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "state" / "kmscli.sqlite3"


@pytest.fixture
def kmscli(environ: dict[str, str], tmp_path: Path) -> Run:
    def run(*args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "kmscli", *args],
            env={**environ, **extra_env},
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )

    return run


def outcome(proc: subprocess.CompletedProcess[str]) -> tuple[int, str, str]:
    return proc.returncode, proc.stdout, proc.stderr


def rows(database: Path, sql: str) -> list[tuple[object, ...]]:
    with contextlib.closing(sqlite3.connect(database)) as conn:
        return conn.execute(sql).fetchall()


def test_version(kmscli, database):
    expected = f"kmscli/{__version__} Python/{platform.python_version()} click/{version('click')}\n"
    assert outcome(kmscli("--version")) == (0, expected, "")
    assert not database.exists()


def test_state_persists_across_processes(kmscli):
    created = kmscli("create-key", "--description", "persisted")
    assert (created.returncode, created.stderr) == (0, "")
    metadata = json.loads(created.stdout)["KeyMetadata"]
    assert (metadata["Description"], metadata["Arn"]) == (
        "persisted",
        f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{metadata['KeyId']}",
    )
    aliased = kmscli("create-alias", "--alias-name", "alias/persisted", "--target-key-id", metadata["KeyId"])
    assert outcome(aliased) == (0, "", "")
    tagged = kmscli("tag-resource", "--key-id", metadata["KeyId"], "--tags", "TagKey=a,TagValue=b")
    assert outcome(tagged) == (0, "", "")
    # Each command above was its own process; the fourth finds all of their work.
    assert outcome(kmscli("describe-key", "--key-id", "alias/persisted")) == (0, created.stdout, "")


def test_shell_captures_the_bare_key_id(environ, tmp_path):
    python = sys.executable
    script = (
        f'KEY_ID=$("{python}" -m kmscli create-key --query KeyMetadata.KeyId --output text) && '
        'printf "[%s]\\n" "$KEY_ID" && '
        f'"{python}" -m kmscli get-key-policy --key-id "$KEY_ID" --query Policy --output text > policy.json && '
        f'"{python}" -m kmscli describe-key --key-id "$KEY_ID" --query KeyMetadata.KeyId --output text'
    )
    proc = subprocess.run(
        ["sh", "-c", script], env=environ, cwd=tmp_path, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
    )
    assert (proc.returncode, proc.stderr) == (0, "")
    bracketed, described = proc.stdout.splitlines()
    key_id = bracketed[1:-1]
    # $(...) strips the one trailing newline: nothing else surrounds the ID.
    assert bracketed == f"[{key_id}]"
    assert len(key_id) == 36
    assert described == key_id
    policy = json.loads((tmp_path / "policy.json").read_text(encoding="utf-8"))
    assert policy["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}


def test_missing_required_option_exits_2(kmscli, database):
    expected = USAGE + "kmscli: error: the following arguments are required: --key-id\n"
    assert outcome(kmscli("describe-key")) == (2, "", expected)
    assert not database.exists()


def test_unknown_command_exits_2(kmscli):
    code, stdout, stderr = outcome(kmscli("describe-keys", "--key-id", "x"))
    assert (code, stdout) == (2, "")
    assert stderr == (
        USAGE + "kmscli: error: argument command: Invalid choice: 'describe-keys', maybe you meant:\n\n"
        "  * describe-key\n\n`kmscli --help` lists every command.\n"
    )


def test_unknown_option_exits_255(kmscli, database):
    assert outcome(kmscli("create-key", "--bogus")) == (255, "", USAGE + "\nUnknown options: --bogus\n")
    assert not database.exists()


def test_service_error_exits_255(kmscli):
    key_id = "1234abcd-12ab-34cd-56ef-1234567890ab"
    expected = (
        "\nAn error occurred (NotFoundException) when calling the DescribeKey operation: "
        f"Key 'arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id}' does not exist\n"
    )
    assert outcome(kmscli("describe-key", "--key-id", key_id, "--output", "text")) == (255, "", expected)


def test_parameter_validation_exits_255(kmscli):
    expected = "\nParameter validation failed:\nInvalid length for parameter AliasName, value: 0, valid min length: 1\n"
    assert outcome(kmscli("create-alias", "--alias-name", "", "--target-key-id", "x")) == (255, "", expected)


def test_corrupt_state_exits_255_without_a_traceback(kmscli, database):
    database.parent.mkdir()
    database.write_bytes(b"not sqlite\n" * 1000)
    expected = f"kmscli: the state database is unreadable: file is not a database ({database})\n"
    assert outcome(kmscli("describe-key", "--key-id", "alias/x")) == (255, "", expected)


def test_concurrent_processes_lose_no_write(kmscli, environ, database):
    """Parallel CI steps share one state directory (docs/decisions.md#state): every write must land."""
    first = kmscli("create-key", "--query", "KeyMetadata.KeyId", "--output", "text")
    assert (first.returncode, first.stderr) == (0, "")
    shared = first.stdout.strip()
    creators = [["create-key", "--description", f"parallel-{i}"] for i in range(6)]
    taggers = [["tag-resource", "--key-id", shared, "--tags", f"TagKey=t{i},TagValue=v{i}"] for i in range(6)]
    commands = [c for pair in zip(creators, taggers, strict=True) for c in pair]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "kmscli", *args],
            env=environ,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args in commands
    ]
    results = [
        (args, *proc.communicate(timeout=TIMEOUT_S), proc.returncode)
        for args, proc in zip(commands, procs, strict=True)
    ]
    for args, stdout, stderr, code in results:
        assert (code, stderr) == (0, ""), args
        if args[0] == "tag-resource":
            assert stdout == ""
    created = {
        json.loads(stdout)["KeyMetadata"]["KeyId"]: args[2] for args, stdout, _, _ in results if args[0] == "create-key"
    }
    assert len(created) == 6
    stored = rows(database, "SELECT account, region, key_id FROM keys ORDER BY key_id")
    assert stored == sorted((ACCOUNT, REGION, k) for k in [shared, *created])
    for key_id, description in created.items():
        described = kmscli("describe-key", "--key-id", key_id, "--query", "KeyMetadata.Description", "--output", "text")
        assert outcome(described) == (0, description + "\n", "")
    tags = rows(database, f"SELECT tag_key, tag_value FROM tags WHERE key_id = '{shared}' ORDER BY tag_key")
    assert tags == [(f"t{i}", f"v{i}") for i in range(6)]


def test_describe_key_never_writes(kmscli, database):
    created = kmscli("create-key", "--tags", "TagKey=a,TagValue=b")
    assert (created.returncode, created.stderr) == (0, "")
    key_id = json.loads(created.stdout)["KeyMetadata"]["KeyId"]
    assert outcome(kmscli("create-alias", "--alias-name", "alias/ro", "--target-key-id", key_id)) == (0, "", "")
    files_before = sorted(p.name for p in database.parent.iterdir())
    bytes_before = database.read_bytes()
    for key in (key_id, "alias/ro"):
        assert outcome(kmscli("describe-key", "--key-id", key)) == (0, created.stdout, "")
    not_found = kmscli("describe-key", "--key-id", "alias/missing")
    assert not_found.returncode == 255
    assert sorted(p.name for p in database.parent.iterdir()) == files_before
    assert database.read_bytes() == bytes_before


def test_state_is_private_to_the_user(kmscli, database):
    assert kmscli("create-key", "--query", "KeyMetadata.KeyState", "--output", "text").stdout == "Enabled\n"
    # The database holds key material.
    assert stat.S_IMODE(database.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(database.stat().st_mode) == 0o600


def test_seeded_ids_continue_across_processes_and_repeat_on_fresh_state(kmscli, tmp_path):
    def two_keys(state: Path) -> list[str]:
        ids = []
        for _ in range(2):
            proc = kmscli(
                "create-key",
                "--query",
                "KeyMetadata.[KeyId,CreationDate]",
                "--output",
                "text",
                KMSCLI_STATE_DIR=str(state),
                KMSCLI_SEED="e2e",
                KMSCLI_FIXED_TIME="2017-08-16T19:05:55.475Z",
            )
            assert (proc.returncode, proc.stderr) == (0, "")
            ids.append(proc.stdout)
        return ids

    first, second = two_keys(tmp_path / "one"), two_keys(tmp_path / "two")
    # The seed counter lives in the state: the second process does not repeat the first one's ID...
    assert first[0] != first[1]
    assert all(line.endswith("\t1502910355.475\n") for line in first)
    # ...and a fresh state directory replays the same sequence.
    assert first == second
