"""kmscli commands and `kmscli serve` on one state directory: each sees the other's writes, none is lost."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from typing import Any

import pytest
from botocore.exceptions import ClientError

SERVER_KEYS = 12
CLI_KEYS = 6


def cli(server: Any, *args: str) -> tuple[int, str, str]:
    """kmscli with the server's own settings (state directory, clock), in the clients' Region."""
    environ = {**server.environ, "AWS_DEFAULT_REGION": "us-west-2"}
    done = subprocess.run(
        [sys.executable, "-m", "kmscli", *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    return done.returncode, done.stdout, done.stderr


def cli_json(server: Any, *args: str) -> Any:
    status, out, err = cli(server, *args)
    assert (status, err) == (0, ""), args
    return json.loads(out) if out else None


def test_commands_and_the_server_take_turns_on_one_state(server, kms):
    # The CLI creates; the server sees it.
    key_id = cli_json(server, "create-key", "--description", "from the cli")["KeyMetadata"]["KeyId"]
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["Description"] == "from the cli"
    # The server changes it; the CLI sees the change.
    kms.update_key_description(KeyId=key_id, Description="from the server")
    kms.create_alias(AliasName="alias/both", TargetKeyId=key_id)
    described = cli_json(server, "describe-key", "--key-id", "alias/both")["KeyMetadata"]
    assert (described["KeyId"], described["Description"]) == (key_id, "from the server")
    # The CLI disables it; the server refuses to use it.
    assert cli(server, "disable-key", "--key-id", key_id) == (0, "", "")
    with pytest.raises(ClientError) as caught:
        kms.encrypt(KeyId="alias/both", Plaintext=b"x")
    assert caught.value.response["Error"] == {
        "Code": "DisabledException",
        "Message": f"arn:aws:kms:us-west-2:111122223333:key/{key_id} is disabled.",
    }
    # The server schedules its deletion; the CLI reports it.
    kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    assert cli_json(server, "describe-key", "--key-id", key_id)["KeyMetadata"]["KeyState"] == "PendingDeletion"


def test_concurrent_writers_lose_nothing(server, kms):
    made_by_server: list[str] = []
    failures: list[BaseException] = []

    def serve_writes() -> None:
        try:
            for i in range(SERVER_KEYS):
                key_id = kms.create_key(Description=f"server {i}")["KeyMetadata"]["KeyId"]
                kms.create_alias(AliasName=f"alias/server-{i}", TargetKeyId=key_id)
                kms.tag_resource(KeyId=key_id, Tags=[{"TagKey": "by", "TagValue": "server"}])
                made_by_server.append(key_id)
        except BaseException as e:  # reported by the main thread's assertions
            failures.append(e)

    writer = threading.Thread(target=serve_writes)
    writer.start()
    made_by_cli = []
    try:
        for i in range(CLI_KEYS):
            key_id = cli_json(server, "create-key", "--description", f"cli {i}", "--tags", "TagKey=by,TagValue=cli")[
                "KeyMetadata"
            ]["KeyId"]
            assert cli(server, "create-alias", "--alias-name", f"alias/cli-{i}", "--target-key-id", key_id) == (
                0,
                "",
                "",
            )
            made_by_cli.append(key_id)
    finally:
        writer.join(timeout=300)
    assert not writer.is_alive()
    assert failures == []

    everything = sorted(made_by_server + made_by_cli)
    assert len(set(everything)) == SERVER_KEYS + CLI_KEYS
    listed_by_server = [k["KeyId"] for page in kms.get_paginator("list_keys").paginate() for k in page["Keys"]]
    assert sorted(listed_by_server) == everything
    assert sorted(k["KeyId"] for k in cli_json(server, "list-keys")["Keys"]) == everything

    # The predefined AWS aliases (alias/aws/..., no key yet) are listed too; only the written ones count.
    listed = cli_json(server, "list-aliases")["Aliases"]
    aliases = {a["AliasName"]: a["TargetKeyId"] for a in listed if not a["AliasName"].startswith("alias/aws/")}
    assert aliases == {
        **{f"alias/server-{i}": k for i, k in enumerate(made_by_server)},
        **{f"alias/cli-{i}": k for i, k in enumerate(made_by_cli)},
    }
    for key_id, by in [(k, "server") for k in made_by_server] + [(k, "cli") for k in made_by_cli]:
        assert kms.list_resource_tags(KeyId=key_id)["Tags"] == [{"TagKey": "by", "TagValue": by}]
