"""kmscli processes racing on one PostgreSQL database: what SERIALIZABLE transactions must guarantee.

Each test starts its processes all at once (as servers on other machines would run requests) and
checks the one outcome a one-at-a-time order allows: a rotation that fell due happens once (every
ciphertext made meanwhile still decrypts), a deletion that fell due happens once (the key count
drops by one), a tag quota holds across writers, and KMSCLI_SEED's counter never repeats an ID.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from kmscli import rootkey
from kmscli.store_postgres import PostgresStore

ACCOUNT = "111122223333"
REGION = "us-west-2"
T0 = 1700000000.0
DAY = 86400.0
PROCESSES = 8
TIMEOUT_S = 180


@pytest.fixture
def team(environ: dict[str, str], database_url: str, tmp_path: Path) -> dict[str, str]:
    key_file = str(tmp_path / "root.key")
    PostgresStore(database_url, rootkey.create(key_file)).migrate()
    return {**environ, "KMSCLI_DATABASE_URL": database_url, "KMSCLI_ROOT_KEY_FILE": key_file}


def kmscli(environ: dict[str, str], *args: str, at: float = T0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kmscli", *args],
        env={**environ, "KMSCLI_FIXED_TIME": str(at)},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )


def race(environ: dict[str, str], commands: Sequence[Sequence[str]], at: float) -> list[tuple[int, str, str]]:
    """Run every command at once (a thread each waits for its process); (status, stdout, stderr) in order."""
    with ThreadPoolExecutor(len(commands)) as pool:
        done = list(pool.map(lambda args: kmscli(environ, *args, at=at), commands))
    return [(p.returncode, p.stdout, p.stderr) for p in done]


def new_key(environ: dict[str, str]) -> str:
    created = kmscli(environ, "create-key")
    assert created.returncode == 0, created.stderr
    return str(json.loads(created.stdout)["KeyMetadata"]["KeyId"])


def key_count(url: str) -> int:
    with psycopg.connect(url) as conn:
        return int(
            conn.execute("SELECT value FROM counters WHERE name = %s", (f"keys/{ACCOUNT}/{REGION}",)).fetchone()[0]
        )


def test_a_rotation_that_fell_due_happens_once(team: dict[str, str], tmp_path: Path) -> None:
    key_id = new_key(team)
    enabled = kmscli(team, "enable-key-rotation", "--key-id", key_id, "--rotation-period-in-days", "90")
    assert enabled.returncode == 0, enabled.stderr
    due = T0 + 91 * DAY
    outcomes = race(
        team,
        [["encrypt", "--key-id", key_id, "--plaintext", f"secret {n}"] for n in range(PROCESSES)],
        due,
    )
    assert [code for code, _, err in outcomes] == [0] * PROCESSES, [err for _, _, err in outcomes]
    rotations = json.loads(kmscli(team, "list-key-rotations", "--key-id", key_id, at=due).stdout)["Rotations"]
    assert [r["RotationType"] for r in rotations] == ["AUTOMATIC"]
    # Had two processes each rotated, one's new material would be lost with the ciphertexts made under it.
    for n, (_, out, _) in enumerate(outcomes):
        blob = tmp_path / f"blob{n}"
        blob.write_bytes(base64.b64decode(json.loads(out)["CiphertextBlob"]))
        decrypted = kmscli(team, "decrypt", "--ciphertext-blob", f"fileb://{blob}", at=due)
        assert decrypted.returncode == 0, decrypted.stderr
        assert base64.b64decode(json.loads(decrypted.stdout)["Plaintext"]) == f"secret {n}".encode()


def test_a_deletion_that_fell_due_happens_once(team: dict[str, str], database_url: str) -> None:
    doomed, kept = new_key(team), new_key(team)
    scheduled = kmscli(team, "schedule-key-deletion", "--key-id", doomed, "--pending-window-in-days", "7")
    assert scheduled.returncode == 0, scheduled.stderr
    outcomes = race(team, [["describe-key", "--key-id", doomed]] * PROCESSES, T0 + 8 * DAY)
    assert {(code, out) for code, out, _ in outcomes} == {(255, "")}
    assert all("(NotFoundException)" in err for _, _, err in outcomes), outcomes
    listed = json.loads(kmscli(team, "list-keys", at=T0 + 8 * DAY).stdout)["Keys"]
    assert [k["KeyId"] for k in listed] == [kept]
    # Applied twice, the running count behind the 100,000-key quota would have dropped by two.
    assert key_count(database_url) == 1


def test_the_tag_quota_holds_across_writers(team: dict[str, str]) -> None:
    key_id = new_key(team)
    batches = [[f"TagKey=w{w}-{n},TagValue=v" for n in range(30)] for w in range(2)]
    outcomes = race(team, [["tag-resource", "--key-id", key_id, "--tags", *tags] for tags in batches], T0)
    codes = sorted(code for code, _, _ in outcomes)
    assert codes == [0, 255], outcomes
    loser = next(err for code, _, err in outcomes if code == 255)
    assert loser == "\nAn error occurred (TagException) when calling the TagResource operation: Too many tags\n"
    winner = next(w for w, (code, _, _) in enumerate(outcomes) if code == 0)
    tags = json.loads(kmscli(team, "list-resource-tags", "--key-id", key_id).stdout)["Tags"]
    assert sorted(t["TagKey"] for t in tags) == sorted(f"w{winner}-{n}" for n in range(30))


def test_seeded_identifiers_never_repeat_across_processes(team: dict[str, str], database_url: str) -> None:
    seeded = {**team, "KMSCLI_SEED": "race"}
    outcomes = race(seeded, [["create-key", "--query", "KeyMetadata.KeyId", "--output", "text"]] * PROCESSES, T0)
    assert [code for code, _, _ in outcomes] == [0] * PROCESSES, outcomes
    ids = [out.strip() for _, out, _ in outcomes]
    assert len(set(ids)) == PROCESSES
    assert key_count(database_url) == PROCESSES
    listed = json.loads(kmscli(seeded, "list-keys").stdout)["Keys"]
    assert sorted(k["KeyId"] for k in listed) == sorted(ids)
