"""kill -9 at random moments while commands write: the state survives whole (docs/decisions.md#state).

After every burst of kills the database opens, passes PRAGMA integrity_check, holds the effect of
every command that exited 0, and holds each killed command's effect entirely or not at all (one
transaction per command). The random moments come from a fixed seed, so a failure can be replayed.
"""

from __future__ import annotations

import contextlib
import json
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ACCOUNT = "111122223333"
REGION = "us-west-2"
DB_NAME = "kmscli.sqlite3"
ROUNDS = 40
PER_ROUND = 2
# A kmscli process lives ~0.15 s on a quiet machine: kill moments spread over its start-up, its
# transaction and its exit, and past it.
LATEST_KILL_S = 0.25
# How many commands finish before their kill depends on the machine's speed; the test must not. So
# every EVERY-th command is killed at once (before it can finish) and the next one is never killed
# (it always finishes), whatever the machine, and no key is tagged by more commands than its
# 50-tag quota holds even if every one of them finishes.
EVERY = 8
TAGS_PER_COMMAND = 2
COMMANDS_PER_TAG_TARGET = 50 // TAGS_PER_COMMAND - 5


def check_state(database: Path, sql) -> None:
    assert sql(database, "PRAGMA integrity_check") == [("ok",)]
    assert sql(database, "SELECT count(*) FROM keys") == sql(
        database, "SELECT value FROM counters WHERE name = ?", f"keys/{ACCOUNT}/{REGION}"
    )


def plan(rng: random.Random) -> list[list[tuple[int, str, float | None]]]:
    """Each round's commands: (serial, kind, kill moment in seconds or None for never)."""
    rounds = []
    serial = 0
    for _ in range(ROUNDS):
        commands = []
        for _ in range(PER_ROUND):
            serial += 1
            kind = rng.choice(("create-key", "tag-resource", "create-alias"))
            moment = rng.uniform(0, LATEST_KILL_S)
            if serial % EVERY == 0:
                moment = 0.0
            elif serial % EVERY == 1:
                moment = None
            commands.append((serial, kind, moment))
        rounds.append(commands)
    return rounds


def test_commands_killed_at_random_moments_leave_a_whole_state(kmscli, environ, tmp_path, sql):
    database = tmp_path / "state" / DB_NAME
    rounds = plan(random.Random(20240611))
    tag_commands = [serial for commands in rounds for serial, kind, _ in commands if kind == "tag-resource"]
    key_ids = []
    for _ in range(max(1, -(-len(tag_commands) // COMMANDS_PER_TAG_TARGET))):
        made = kmscli("create-key", "--query", "KeyMetadata.KeyId", "--output", "text")
        assert (made.returncode, made.stderr) == (0, "")
        key_ids.append(made.stdout.strip())
    shared_id = key_ids[0]
    # Which key each tag-resource command tags: at most COMMANDS_PER_TAG_TARGET commands each.
    target = {serial: key_ids[n // COMMANDS_PER_TAG_TARGET] for n, serial in enumerate(tag_commands)}
    created: dict[str, int] = {}  # key ID -> i, for create-key commands that exited 0
    tagged: list[int] = []  # i, for tag-resource commands that exited 0
    aliased: dict[str, str] = {}
    killed = finished = 0
    for commands in rounds:
        procs = []
        # Every process is waited for and its pipes closed before anything is asserted.
        with contextlib.ExitStack() as running:
            for serial, kind, moment in commands:
                if kind == "create-key":
                    args = [
                        "create-key",
                        "--description",
                        f"crash-{serial}",
                        "--tags",
                        f"TagKey=a,TagValue={serial}",
                        f"TagKey=b,TagValue={serial}",
                    ]
                elif kind == "tag-resource":
                    args = [
                        "tag-resource",
                        "--key-id",
                        target[serial],
                        "--tags",
                        f"TagKey=k{serial}a,TagValue=x",
                        f"TagKey=k{serial}b,TagValue=x",
                    ]
                else:
                    args = ["create-alias", "--alias-name", f"alias/crash-{serial}", "--target-key-id", shared_id]
                proc = running.enter_context(
                    subprocess.Popen(
                        [sys.executable, "-m", "kmscli", *args],
                        env=environ,
                        cwd=tmp_path,
                        stdin=subprocess.DEVNULL,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE,
                        text=True,
                    )
                )
                procs.append((serial, kind, proc, moment))
            started = time.monotonic()
            for _, _, proc, moment in sorted((p for p in procs if p[3] is not None), key=lambda p: p[3]):
                time.sleep(max(0.0, started + moment - time.monotonic()))
                proc.send_signal(signal.SIGKILL)
            outcomes = [(i, kind, proc.communicate(timeout=60), proc.returncode) for i, kind, proc, _ in procs]
        for i, kind, (stdout, stderr), returncode in outcomes:
            if returncode == -signal.SIGKILL:
                killed += 1
                continue
            finished += 1
            assert (returncode, stderr) == (0, ""), (kind, stderr)
            if kind == "create-key":
                created[json.loads(stdout)["KeyMetadata"]["KeyId"]] = i
            elif kind == "tag-resource":
                tagged.append(i)
            else:
                aliased[f"alias/crash-{i}"] = shared_id
        check_state(database, sql)

    # The plan kills some processes at once and lets others finish, so both happen on any machine.
    assert killed >= ROUNDS * PER_ROUND // EVERY
    assert finished >= ROUNDS * PER_ROUND // EVERY
    # Every command that exited 0 is there ...
    keys = dict(sql(database, "SELECT key_id, json_extract(doc, '$.description') FROM keys"))
    for key_id, i in created.items():
        assert keys[key_id] == f"crash-{i}"
    tags_of = {
        key_id: {k for (k,) in sql(database, "SELECT tag_key FROM tags WHERE key_id = ?", key_id)} for key_id in key_ids
    }
    for i in tagged:
        assert {f"k{i}a", f"k{i}b"} <= tags_of[target[i]]
    assert aliased.items() <= dict(sql(database, "SELECT alias_name, target_key_id FROM aliases")).items()
    # ... and what a killed command left is whole: both tags of a create-key or tag-resource, or neither.
    for key_id, description in keys.items():
        if key_id not in key_ids:
            i = description.removeprefix("crash-")
            assert sql(database, "SELECT tag_key, tag_value FROM tags WHERE key_id = ? ORDER BY tag_key", key_id) == [
                ("a", i),
                ("b", i),
            ]
    for key_id, tags in tags_of.items():
        for tag in tags:
            assert f"{tag[:-1]}a" in tags
            assert f"{tag[:-1]}b" in tags
            assert target[int(tag[1:-1])] == key_id
    # The state still works for kmscli itself.
    listed = kmscli("list-keys", "--query", "length(Keys)", "--output", "text")
    assert (listed.returncode, listed.stdout, listed.stderr) == (0, f"{len(keys)}\n", "")


# A stream of write transactions in one process, reporting each key only after its commit.
WRITER = textwrap.dedent(
    """
    import itertools, os, sys
    from pathlib import Path
    from kmscli import core
    from kmscli import config
    from kmscli.store import Store
    store = Store(Path(sys.argv[1]))
    for n in itertools.count():
        with store.transaction(write=True, account_id="111122223333", region="us-west-2") as repo:
            env = config.build_env("111122223333", "us-west-2", {}, lambda: repo.next_counter("ids"))
            tags = [{"TagKey": f"t{j}", "TagValue": str(n)} for j in range(20)]
            key_id = core.call("CreateKey", {"Description": f"stream-{n}", "Tags": tags}, repo, env).key_metadata.key_id
        print(key_id, n, flush=True)
    """
)


def test_a_stream_of_commits_killed_repeatedly_keeps_every_commit(environ, tmp_path, sql):
    """Commits many times a second, so that kills land inside COMMIT and the WAL writes too."""
    state = tmp_path / "state"
    database = state / DB_NAME
    rng = random.Random(7)
    committed: dict[str, str] = {}
    for _ in range(15):
        with subprocess.Popen(
            [sys.executable, "-c", WRITER, str(state)],
            env=environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as proc:
            # The kill moment counts from the first commit, not from the start: a slow machine may
            # take longer than any fixed delay just to start Python, and kill a process that never ran.
            first = proc.stdout.readline() if proc.stdout else ""
            time.sleep(rng.uniform(0.0, 0.6))
            proc.send_signal(signal.SIGKILL)
            rest, stderr = proc.communicate(timeout=60)
        stdout = first + rest
        assert (proc.returncode, stderr) == (-signal.SIGKILL, "")
        for line in stdout.splitlines():
            key_id, _, n = line.partition(" ")
            if n.isdigit():  # a whole line: the process writes each in one write() after its commit
                committed[key_id] = n
        check_state(database, sql)
        # Every key is whole: all twenty tags of its own number.
        incomplete = sql(
            database,
            "SELECT count(*) FROM keys k WHERE (SELECT count(*) FROM tags t WHERE (t.account, t.region, t.key_id) = "
            "(k.account, k.region, k.key_id) AND t.tag_value = substr(json_extract(k.doc, '$.description'), 8)) != 20",
        )
        assert incomplete == [(0,)]
    assert len(committed) >= 15
    stored = dict(sql(database, "SELECT key_id, json_extract(doc, '$.description') FROM keys"))
    for key_id, n in committed.items():
        assert stored[key_id] == f"stream-{n}"
