"""Several `kmscli serve` processes on one PostgreSQL database, driven by boto3 clients across them.

What a team endpoint behind a load balancer needs: every write acknowledged by one server is seen
by every server, identifiers and alias names stay unique across servers, and a server killed with
SIGKILL in the middle of a burst loses nothing it acknowledged while the others keep answering.
Every loop is bounded in count and time; the servers listen on loopback only.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
import pytest
from botocore.exceptions import ClientError

from kmscli import rootkey
from kmscli.store_postgres import SCHEMA_VERSION, PostgresStore

Launch = Callable[..., Any]


@pytest.fixture
def team(database_url: str, tmp_path: Path) -> dict[str, str]:
    """The environment of every server: one migrated database, one root key file."""
    key_file = str(tmp_path / "root.key")
    PostgresStore(database_url, rootkey.create(key_file)).migrate()
    return {"KMSCLI_DATABASE_URL": database_url, "KMSCLI_ROOT_KEY_FILE": key_file}


def start(launch: Launch, team: dict[str, str], count: int, **environ: str) -> list[Any]:
    return [launch(**team, **environ) for _ in range(count)]


def health(port: int) -> tuple[int, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/kmscli/health")
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def test_every_acknowledged_write_is_seen_by_every_server(launch: Launch, team: dict[str, str], client: Any) -> None:
    servers = start(launch, team, 2, KMSCLI_SEED="team")
    assert all(s.ready_line.endswith(f"state {team['KMSCLI_DATABASE_URL']})\n") for s in servers)
    clients = [client(s.url) for s in servers]

    def work(n: int) -> tuple[str, str, bytes]:
        kms = clients[n % 2]
        key_id = kms.create_key(Description=f"key {n}")["KeyMetadata"]["KeyId"]
        # The alias, the tag and the ciphertext go through the other server.
        other = clients[(n + 1) % 2]
        other.create_alias(AliasName=f"alias/team-{n}", TargetKeyId=key_id)
        other.tag_resource(KeyId=key_id, Tags=[{"TagKey": "n", "TagValue": str(n)}])
        blob = other.encrypt(KeyId=f"alias/team-{n}", Plaintext=f"secret {n}".encode())["CiphertextBlob"]
        return key_id, f"alias/team-{n}", blob

    with ThreadPoolExecutor(8) as pool:
        done = list(pool.map(work, range(40)))
    key_ids = [k for k, _, _ in done]
    # KMSCLI_SEED makes IDs from a counter: shared by both servers, so no ID was made twice.
    assert len(set(key_ids)) == 40
    for kms in clients:
        listed = kms.get_paginator("list_keys").paginate().build_full_result()["Keys"]
        assert sorted(k["KeyId"] for k in listed) == sorted(key_ids)
        aliases = kms.get_paginator("list_aliases").paginate().build_full_result()["Aliases"]
        assert {a["AliasName"]: a["TargetKeyId"] for a in aliases if a["AliasName"].startswith("alias/team-")} == {
            alias: key_id for key_id, alias, _ in done
        }
        for n, (key_id, _, blob) in enumerate(done):
            assert kms.list_resource_tags(KeyId=key_id)["Tags"] == [{"TagKey": "n", "TagValue": str(n)}]
            assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == f"secret {n}".encode()
    for s in servers:
        assert health(s.port) == (200, {"status": "ok"})


def test_an_alias_name_is_won_by_exactly_one_server(launch: Launch, team: dict[str, str], client: Any) -> None:
    servers = start(launch, team, 2)
    clients = [client(s.url) for s in servers]
    key_ids = [clients[n % 2].create_key()["KeyMetadata"]["KeyId"] for n in range(8)]
    barrier = threading.Barrier(8, timeout=30)

    def claim(n: int) -> str:
        barrier.wait()
        try:
            clients[n % 2].create_alias(AliasName="alias/contested", TargetKeyId=key_ids[n])
        except ClientError as e:
            return e.response["Error"]["Code"]
        return key_ids[n]

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(claim, range(8)))
    winners = [o for o in outcomes if o in key_ids]
    assert len(winners) == 1
    assert sorted(o for o in outcomes if o not in key_ids) == ["AlreadyExistsException"] * 7
    for kms in clients:
        assert kms.describe_key(KeyId="alias/contested")["KeyMetadata"]["KeyId"] == winners[0]


def test_a_server_killed_mid_burst_loses_nothing_acknowledged(
    launch: Launch, team: dict[str, str], client: Any
) -> None:
    victim, survivor = start(launch, team, 2)
    clients = {"victim": client(victim.url), "survivor": client(survivor.url)}
    acknowledged: list[str] = []
    failures: list[tuple[str, bool, str]] = []
    lock = threading.Lock()
    killed = threading.Event()

    def burst(name: str, count: int) -> None:
        for _ in range(count):
            try:
                key_id = clients[name].create_key()["KeyMetadata"]["KeyId"]
            except Exception as e:
                # Connection refused or reset: botocore's exception types; checked in the main thread.
                failures.append((name, killed.is_set(), f"{type(e).__name__}: {e}"))
                return
            with lock:
                acknowledged.append(key_id)
                if name == "victim" and len(acknowledged) >= 10 and not killed.is_set():
                    killed.set()
                    victim.proc.send_signal(signal.SIGKILL)

    threads = [threading.Thread(target=burst, args=(name, 60)) for name in ("victim", "victim", "survivor", "survivor")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads)
    assert killed.is_set()
    assert victim.proc.wait(10) == -signal.SIGKILL
    # Both victim threads stopped on a failed request after the kill; the survivor's 120 all succeeded.
    assert [(name, after_kill) for name, after_kill, _ in failures] == [("victim", True)] * 2, failures
    after = clients["survivor"].create_key()["KeyMetadata"]["KeyId"]
    listed = clients["survivor"].get_paginator("list_keys").paginate().build_full_result()["Keys"]
    ids = {k["KeyId"] for k in listed}
    assert set(acknowledged) | {after} <= ids
    assert len(acknowledged) == len(set(acknowledged)) >= 121
    # A request the victim had not acknowledged may or may not have committed; nothing else exists.
    assert len(ids - set(acknowledged) - {after}) <= 2
    assert health(survivor.port) == (200, {"status": "ok"})


def test_serve_refuses_a_database_that_was_not_migrated(database_url: str, tmp_path: Path) -> None:
    key_file = str(tmp_path / "root.key")
    rootkey.create(key_file)
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "KMSCLI_"))}
    refused = subprocess.run(
        [sys.executable, "-m", "kmscli", "serve", "--port", "0", "--database-url", database_url],
        env={**environ, "KMSCLI_ROOT_KEY_FILE": key_file},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (refused.returncode, refused.stdout) == (255, "")
    assert refused.stderr == (
        f"kmscli serve: the database has no kmscli tables, this kmscli needs schema {SCHEMA_VERSION}: "
        "run `kmscli state migrate` "
        f"({database_url})\n"
    )


def test_health_turns_503_with_the_reason_when_the_database_cannot_be_used(
    launch: Launch, team: dict[str, str], client: Any
) -> None:
    (server,) = start(launch, team, 1)
    assert health(server.port) == (200, {"status": "ok"})
    # The schema table gone: what a database restored from the wrong backup would look like.
    with psycopg.connect(team["KMSCLI_DATABASE_URL"]) as conn:
        conn.execute("DROP TABLE kmscli_schema")
    assert health(server.port) == (
        503,
        {
            "status": "unavailable",
            "message": f"the database has no kmscli tables, this kmscli needs schema {SCHEMA_VERSION}: "
            f"run `kmscli state migrate` ({team['KMSCLI_DATABASE_URL']})",
        },
    )
    # A request answers the same reason as KMS's internal error, and the server keeps running.
    with pytest.raises(ClientError) as caught:
        client(server.url).list_keys()
    assert caught.value.response["Error"]["Code"] == "KMSInternalException"
    assert server.proc.poll() is None
