"""The protocol layer in-process (kmscli.server.Service): what reaches the executor, what comes back.

The executor stands in for the CLI's Session.run, so the answers to failures the real core cannot
be made to produce on demand (server faults, a broken state database, an unexpected bug) are
pinned here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kmscli import core, server
from kmscli.core import errors
from kmscli.store import StateError

HEADERS = {
    "Content-Type": "application/x-amz-json-1.1",
    "Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20170816/eu-central-1/kms/aws4_request, "
    "SignedHeaders=host, Signature=00",
    "X-Amz-Date": "20170816T190555Z",
}


class Recorder:
    def __init__(self, outcome: Any = None) -> None:
        self.calls: list[tuple[str, Any, str]] = []
        self.outcome = outcome

    def __call__(self, operation: str, params: Any, region: str, finish: Any) -> bytes:
        self.calls.append((operation, params, region))
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        return finish(self.outcome)


def ask(service: server.Service, operation: str, document: Any) -> server.Answer:
    headers = {**HEADERS, "X-Amz-Target": f"TrentService.{operation}"}
    return service.answer("POST", headers, json.dumps(document).encode())


def test_blobs_reach_the_core_as_bytes_and_the_region_from_the_scope() -> None:
    executor = Recorder()
    answer = ask(
        server.Service(executor),
        "Encrypt",
        {
            "KeyId": "k",
            "Plaintext": "aGVsbG8=",
            "EncryptionContext": {"a": "b"},
            "GrantTokens": ["t"],
            "DryRun": False,
        },
    )
    assert executor.calls == [
        (
            "Encrypt",
            {
                "KeyId": "k",
                "Plaintext": b"hello",
                "EncryptionContext": {"a": "b"},
                "GrantTokens": ["t"],
                "DryRun": False,
            },
            "eu-central-1",
        )
    ]
    # Encrypt's result was None here: an empty document, as for any operation without output.
    assert answer == server.Answer(200, b"{}", operation="Encrypt")


def test_results_are_rendered_in_model_order_with_base64_blobs() -> None:
    answer = ask(server.Service(Recorder({"Plaintext": b"\x00\xff"})), "GenerateRandom", {"NumberOfBytes": 2})
    assert answer == server.Answer(200, b'{"Plaintext": "AP8="}', operation="GenerateRandom")


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("KMSInternalException", 500),
        ("KeyUnavailableException", 500),
        ("DependencyTimeoutException", 503),
        ("NotFoundException", 400),
        ("KMSInvalidStateException", 400),
        ("AlreadyExistsException", 400),
        ("DisabledException", 400),
        ("NotAuthorizedException", 400),
    ],
)
def test_service_errors_use_kms_http_statuses(code: str, status: int) -> None:
    failure = type(code, (core.KmsError,), {"code": code})("it failed")
    answer = ask(server.Service(Recorder(failure)), "DescribeKey", {"KeyId": "k"})
    assert answer == server.Answer(
        status,
        json.dumps({"__type": code, "message": "it failed"}).encode(),
        operation="DescribeKey",
        error=code,
    )


def test_a_client_side_check_failing_in_the_core_is_a_validation_exception() -> None:
    failure = core.ParamValidationError(['Missing required parameter in input: "KeyId"'])
    answer = ask(server.Service(Recorder(failure)), "DescribeKey", {"KeyId": "k"})
    assert answer.status == 400
    assert json.loads(answer.body) == {
        "__type": "ValidationException",
        "message": '1 validation error detected: Missing required parameter in input: "KeyId"',
    }


def test_an_unusable_state_is_an_internal_error_naming_the_problem() -> None:
    failure = StateError("the state database is busy: database is locked", Path("/s/kmscli.sqlite3"))
    answer = ask(server.Service(Recorder(failure)), "ListKeys", {})
    assert (answer.status, json.loads(answer.body)) == (
        500,
        {
            "__type": "KMSInternalException",
            "message": "the state database is busy: database is locked (/s/kmscli.sqlite3)",
        },
    )


def test_a_pinned_access_key_refuses_every_other_key() -> None:
    executor = Recorder()
    service = server.Service(executor, access_key_id="AKIDGOOD")
    answer = ask(service, "ListKeys", {})
    assert (answer.status, json.loads(answer.body)) == (
        400,
        {
            "__type": "com.amazon.coral.service#UnrecognizedClientException",
            "message": "The security token included in the request is invalid.",
        },
    )
    assert executor.calls == []
    good = {
        **HEADERS,
        "Authorization": HEADERS["Authorization"].replace("AKID/", "AKIDGOOD/"),
        "X-Amz-Target": "TrentService.ListKeys",
    }
    assert service.answer("POST", good, b"{}").status == 200
    assert executor.calls == [("ListKeys", {}, "eu-central-1")]


def test_validation_failures_never_reach_the_executor() -> None:
    executor = Recorder()
    answer = ask(server.Service(executor), "CreateKey", {"KeySpec": "RSA_1"})
    assert answer.status == 400
    assert json.loads(answer.body)["__type"] == "ValidationException"
    assert executor.calls == []


def test_every_known_error_class_keeps_its_code_on_the_wire() -> None:
    # The core's classes are named after the AWS codes; the wire carries exactly that name.
    failure = errors.NotFoundException("Invalid keyId 'x'")
    answer = ask(server.Service(Recorder(failure)), "DescribeKey", {"KeyId": "x"})
    assert (answer.error, json.loads(answer.body)) == (
        "NotFoundException",
        {"__type": "NotFoundException", "message": "Invalid keyId 'x'"},
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"KeyId": "k", "ImportToken": "dA==", "EncryptedKeyMaterial": "bQ==", "ValidTo": NaN}', None),
        (b'{"KeyId": "k", "ImportToken": "dA==", "EncryptedKeyMaterial": "bQ==", "ValidTo": Infinity}', None),
        (b'{"KeyId": "k", "ImportToken": "dA==", "EncryptedKeyMaterial": "bQ==", "ValidTo": -Infinity}', None),
        (
            b'{"KeyId": "k", "ImportToken": "dA==", "EncryptedKeyMaterial": "bQ==", "ValidTo": 1e300}',
            "Value at 'ValidTo' is not a valid timestamp",
        ),
        (
            b'{"KeyId": "k", "ImportToken": "dA==", "EncryptedKeyMaterial": "bQ==", "ValidTo": -1}',
            "Value at 'ValidTo' is not a valid timestamp",
        ),
        (
            b'{"KeyId": "k", "ImportToken": "dA==", "EncryptedKeyMaterial": "bQ==", "ValidTo": 1' + b"0" * 400 + b"}",
            "Value at 'ValidTo' is not a valid timestamp",
        ),
    ],
)
def test_numbers_that_are_not_numbers_are_not_json(body: bytes, message: str | None) -> None:
    executor = Recorder()
    headers = {**HEADERS, "X-Amz-Target": "TrentService.ImportKeyMaterial"}
    answer = server.Service(executor).answer("POST", headers, body)
    expected: dict[str, Any] = {"__type": "com.amazon.coral.service#SerializationException"}
    if message is not None:
        expected["message"] = message
    assert (answer.status, json.loads(answer.body)) == (400, expected)
    assert executor.calls == []


@pytest.mark.parametrize(
    "body",
    [b"[" * 100_000, b'{"KeyId": ' + b"[" * 100_000, b'{"a": ' * 40 + b"1" + b"}" * 40],
    ids=["lists", "in-a-member", "41-objects"],
)
def test_deep_nesting_is_a_serialization_error(body: bytes) -> None:
    executor = Recorder()
    headers = {**HEADERS, "X-Amz-Target": "TrentService.DescribeKey"}
    answer = server.Service(executor).answer("POST", headers, body)
    assert (answer.status, json.loads(answer.body)) == (
        400,
        {"__type": "com.amazon.coral.service#SerializationException", "message": "Nesting deeper than 32 levels"},
    )
    assert executor.calls == []
