"""Never a 5xx after a commit: an SDK retries a 500, and would repeat a write that already happened.

Text that is not Unicode (a lone surrogate, as JavaScript gives when it cuts a string in the middle
of an emoji) is refused before anything runs, and the answer is encoded inside the operation's
transaction, so a failure to encode it rolls the operation back.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from kmscli import server
from kmscli.server import executor
from kmscli.session import Session

LONE = "caf\udce9"
HEADERS = {
    "Content-Type": "application/x-amz-json-1.1",
    "Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20170816/us-west-2/kms/aws4_request, "
    "SignedHeaders=host, Signature=00",
    "X-Amz-Date": "20170816T190555Z",
}


def serialization_error(e: pytest.ExceptionInfo[ClientError], path: str) -> None:
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert e.value.response["ResponseMetadata"]["RetryAttempts"] == 0
    assert e.value.response["Error"] == {
        "Code": "SerializationException",
        "Message": f"Value at '{path}' is not valid Unicode: a lone surrogate",
    }


def test_a_lone_surrogate_is_refused_before_anything_runs_even_with_retries(server, client):
    """botocore's default retries, as every SDK user has them: a 500 here would make three keys."""
    kms = client(server.url, retries={"mode": "legacy"})
    with pytest.raises(ClientError) as e:
        kms.create_key(Description=LONE)
    serialization_error(e, "Description")
    assert kms.list_keys()["Keys"] == []

    key_id = kms.create_key(Description="before")["KeyMetadata"]["KeyId"]
    with pytest.raises(ClientError) as e:
        kms.update_key_description(KeyId=key_id, Description=LONE)
    serialization_error(e, "Description")
    with pytest.raises(ClientError) as e:
        kms.encrypt(KeyId=key_id, Plaintext=b"x", EncryptionContext={LONE: "v"})
    serialization_error(e, "EncryptionContext")
    with pytest.raises(ClientError) as e:
        kms.tag_resource(KeyId=key_id, Tags=[{"TagKey": "k", "TagValue": LONE}])
    serialization_error(e, "Tags[0].TagValue")
    described = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert described["Description"] == "before"
    assert kms.list_resource_tags(KeyId=key_id)["Tags"] == []
    assert len(kms.list_keys()["Keys"]) == 1


def test_a_state_already_holding_a_lone_surrogate_is_still_answered(server, client, tmp_path):
    """Written by a kmscli that let it in: the answer escapes it (valid JSON), rather than a 500 for ever."""
    kms = client(server.url)
    key_id = kms.create_key(Description="placeholder")["KeyMetadata"]["KeyId"]
    with contextlib.closing(sqlite3.connect(server.state_dir / "kmscli.sqlite3")) as conn:
        conn.execute("UPDATE keys SET doc = replace(doc, 'placeholder', 'caf\\udce9')")
        conn.commit()
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["Description"] == LONE


def test_the_answer_is_encoded_before_the_commit(tmp_path: Path, env: Any, monkeypatch: pytest.MonkeyPatch):
    """Whatever makes encoding fail, the write is rolled back and the state is as it was."""
    runtime = Session(environ={}, state_dir=tmp_path / "state", env=env)
    service = server.Service(executor(runtime))

    def ask(operation: str, document: Any) -> server.Answer:
        headers = {**HEADERS, "X-Amz-Target": f"TrentService.{operation}"}
        return service.answer("POST", headers, json.dumps(document).encode())

    assert json.loads(ask("ListKeys", {}).body)["Keys"] == []

    def unencodable(document: Any) -> bytes:
        raise ValueError("Out of range float values are not JSON compliant")

    monkeypatch.setattr(server, "encode_json", unencodable)
    with pytest.raises(ValueError, match="not JSON compliant"):
        ask("CreateKey", {"Description": "never committed"})
    monkeypatch.undo()
    assert json.loads(ask("ListKeys", {}).body)["Keys"] == []


@pytest.mark.parametrize(
    ("document", "path"),
    [
        ('{"KeyId": "k", "Description": "caf\\udce9"}', "Description"),
        ('{"KeyId": "k", "Description": "\\ud83d"}', "Description"),
        ('{"KeyId": "k", "Description": "\\ude00 tail"}', "Description"),
        (
            '{"KeyId": "k", "Tags": [{"TagKey": "a", "TagValue": "b"}, {"TagKey": "\\udfff", "TagValue": "v"}]}',
            "Tags[1].TagKey",
        ),
    ],
)
def test_every_string_member_is_checked(document: str, path: str) -> None:
    calls: list[str] = []

    def never(operation: str, params: Any, region: str, finish: Any) -> bytes:
        calls.append(operation)
        raise AssertionError("ran")

    operation = "TagResource" if "Tags" in document else "UpdateKeyDescription"
    headers = {**HEADERS, "X-Amz-Target": f"TrentService.{operation}"}
    answer = server.Service(never).answer("POST", headers, document.encode())
    assert (answer.status, json.loads(answer.body)) == (
        400,
        {
            "__type": "com.amazon.coral.service#SerializationException",
            "message": f"Value at '{path}' is not valid Unicode: a lone surrogate",
        },
    )
    assert calls == []


def test_a_whole_surrogate_pair_is_text() -> None:
    seen: list[Any] = []

    def record(operation: str, params: Any, region: str, finish: Any) -> bytes:
        seen.append(params["Description"])
        return finish(None)

    headers = {**HEADERS, "X-Amz-Target": "TrentService.UpdateKeyDescription"}
    body = b'{"KeyId": "k", "Description": "\\ud83d\\ude00"}'
    assert server.Service(record).answer("POST", headers, body).status == 200
    assert seen == ["\U0001f600"]
