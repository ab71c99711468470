"""The wire, without an SDK: what KMS's JSON 1.1 front door answers to each kind of request."""

from __future__ import annotations

import base64
import json
import socket

import pytest

from kmscli import core
from kmscli import server as protocol

FIXED_TIME = 1502910355.475
CORAL = "com.amazon.coral.service#"


def error(answer, status: int, code: str, message: str | None = None) -> None:
    """The whole error answer: status, content type, error-type header and the exact body."""
    expected = {"__type": code} if message is None else {"__type": code, "message": message}
    assert (answer.status, answer.headers["content-type"], answer.json()) == (
        status,
        "application/x-amz-json-1.1",
        expected,
    )
    assert answer.headers["x-amzn-errortype"] == code.rpartition("#")[2]


def test_success_is_json_with_epoch_timestamps_and_a_request_id(wire):
    answer = wire.call("CreateKey", {"Description": "wire"})
    assert (answer.status, answer.headers["content-type"]) == (200, "application/x-amz-json-1.1")
    assert len(answer.headers["x-amzn-requestid"]) == 36
    metadata = answer.json()["KeyMetadata"]
    # A JSON number on the wire, exactly the clock's epoch seconds, as KMS sends CreationDate.
    assert b'"CreationDate": 1502910355.475' in answer.body
    assert metadata["CreationDate"] == FIXED_TIME
    assert metadata["Description"] == "wire"
    assert metadata["Arn"] == f"arn:aws:kms:us-west-2:111122223333:key/{metadata['KeyId']}"


def test_an_operation_without_output_answers_an_empty_object(wire):
    key_id = wire.call("CreateKey", {}).json()["KeyMetadata"]["KeyId"]
    answer = wire.call("CreateAlias", {"AliasName": "alias/wire", "TargetKeyId": key_id})
    assert (answer.status, answer.body) == (200, b"{}")
    assert wire.call("DescribeKey", {"KeyId": "alias/wire"}).json()["KeyMetadata"]["KeyId"] == key_id


def test_blobs_travel_as_base64_both_ways(wire):
    key_id = wire.call("CreateKey", {}).json()["KeyMetadata"]["KeyId"]
    encrypted = wire.call("Encrypt", {"KeyId": key_id, "Plaintext": base64.b64encode(b"hello").decode()})
    blob = encrypted.json()["CiphertextBlob"]
    assert base64.b64encode(base64.b64decode(blob, validate=True)).decode() == blob
    decrypted = wire.call("Decrypt", {"CiphertextBlob": blob})
    assert (decrypted.status, decrypted.json()["Plaintext"]) == (200, "aGVsbG8=")


def test_random_bytes_come_back_as_base64_of_the_asked_length(wire):
    answer = wire.call("GenerateRandom", {"NumberOfBytes": 24})
    assert answer.status == 200
    assert len(base64.b64decode(answer.json()["Plaintext"], validate=True)) == 24


def test_a_blob_that_is_not_base64_is_a_serialization_error(wire):
    answer = wire.call("Decrypt", {"CiphertextBlob": "not base64!"})
    error(answer, 400, CORAL + "SerializationException", "Value at 'CiphertextBlob' is not valid base64")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        pytest.param({"KeyId": 5}, "Expected a string at 'KeyId'", id="number-for-string"),
        pytest.param({"KeyId": "k", "GrantTokens": "t"}, "Expected a list at 'GrantTokens'", id="string-for-list"),
        pytest.param({"KeyId": "k", "GrantTokens": [1]}, "Expected a string at 'GrantTokens[0]'", id="list-item"),
        pytest.param({"KeyId": True}, "Expected a string at 'KeyId'", id="boolean-for-string"),
    ],
)
def test_a_value_of_the_wrong_json_type_is_a_serialization_error(wire, document, message):
    error(wire.call("DescribeKey", document), 400, CORAL + "SerializationException", message)


def test_wrong_types_in_nested_members_name_their_path(wire):
    answer = wire.call("CreateKey", {"Tags": [{"TagKey": "a", "TagValue": 1}], "MultiRegion": "no"})
    error(answer, 400, CORAL + "SerializationException", "Expected a string at 'Tags[0].TagValue'")


def test_members_the_model_does_not_know_and_nulls_are_ignored(wire):
    answer = wire.call("CreateKey", {"Description": "kept", "Bogus": 1, "Policy": None})
    assert answer.status == 200
    assert answer.json()["KeyMetadata"]["Description"] == "kept"


def test_missing_required_members_are_reported_as_kms_reports_null_values(wire):
    answer = wire.call("CreateAlias", {})
    error(
        answer,
        400,
        "ValidationException",
        "2 validation errors detected: "
        "Value null at 'aliasName' failed to satisfy constraint: Member must not be null; "
        "Value null at 'targetKeyId' failed to satisfy constraint: Member must not be null",
    )


def test_nested_required_members_use_one_based_member_paths(wire):
    key_id = wire.call("CreateKey", {}).json()["KeyMetadata"]["KeyId"]
    answer = wire.call("TagResource", {"KeyId": key_id, "Tags": [{"TagKey": "a", "TagValue": "b"}, {"TagKey": "c"}]})
    error(
        answer,
        400,
        "ValidationException",
        "1 validation error detected: "
        "Value null at 'tags.2.member.tagValue' failed to satisfy constraint: Member must not be null",
    )


def test_min_violations_that_botocore_would_catch_are_answered_by_the_service_rules(wire):
    answer = wire.call("CreateAlias", {"AliasName": "", "TargetKeyId": "k"})
    error(
        answer,
        400,
        "ValidationException",
        "2 validation errors detected: "
        "Value '' at 'aliasName' failed to satisfy constraint: Member must have length greater than or equal to 1; "
        "Value '' at 'aliasName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$",
    )


def test_null_and_max_violations_come_in_one_answer(wire):
    answer = wire.call("DescribeKey", {"GrantTokens": ["t"] * 11})
    error(
        answer,
        400,
        "ValidationException",
        "2 validation errors detected: "
        "Value null at 'keyId' failed to satisfy constraint: Member must not be null; "
        "Value '[t, t, t, t, t, t, t, t, t, t, t]' at 'grantTokens' failed to satisfy constraint: "
        "Member must have length less than or equal to 10",
    )


def test_service_errors_carry_type_and_message(wire):
    answer = wire.call("DescribeKey", {"KeyId": "alias/missing"})
    error(answer, 400, "NotFoundException", "Alias arn:aws:kms:us-west-2:111122223333:alias/missing is not found.")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-amz-json-1.0", "application/xml", ""])
def test_a_content_type_that_is_not_kms_json_is_an_unknown_operation(wire, content_type):
    headers = wire.headers("CreateKey", Content_Type=content_type or None)
    answer = wire.raw("{}", headers)
    assert (answer.status, answer.headers["content-type"], answer.body) == (
        404,
        "text/xml",
        b"<UnknownOperationException/>\n",
    )


def test_plain_json_is_accepted_like_the_amz_json_type(wire):
    answer = wire.raw("{}", wire.headers("GenerateRandom", Content_Type="application/json; charset=utf-8"))
    error(answer, 400, "ValidationException", "NumberOfBytes is required.")


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_other_methods_are_unknown_operations(wire, method):
    answer = wire.raw("", wire.headers("ListKeys"), method=method)
    assert (answer.status, answer.body) == (404, b"<UnknownOperationException/>\n")


@pytest.mark.parametrize("body", ["{", "not json", '{"KeyId": "a",}', b"\xff\xfe"])
def test_malformed_json_is_a_serialization_error_without_a_message(wire, body):
    error(wire.raw(body, wire.headers("DescribeKey")), 400, CORAL + "SerializationException")


@pytest.mark.parametrize("body", ["[]", '"text"', "3"])
def test_a_document_that_is_not_an_object_is_a_serialization_error(wire, body):
    answer = wire.raw(body, wire.headers("DescribeKey"))
    error(answer, 400, CORAL + "SerializationException", "Start of structure or map expected")


def test_an_empty_body_is_a_serialization_error(wire):
    error(wire.raw("", wire.headers("ListKeys")), 400, CORAL + "SerializationException")


@pytest.mark.parametrize(
    "target",
    [
        "TrentService.Bogus",
        *[f"TrentService.{name}" for name in sorted(set(core.MODEL_OPERATIONS) - set(core.MODULES))[:1]],
        "TrentService",
        "DynamoDB_20120810.ListTables",
        "",
        "TrentService.describeKey",
    ],
)
def test_targets_that_are_not_an_implemented_kms_operation_are_unknown(wire, target):
    headers = {**wire.signed, "X-Amz-Target": target} if target else dict(wire.signed)
    error(wire.raw("{}", headers), 400, CORAL + "UnknownOperationException")


def test_the_json_is_checked_before_the_target(wire):
    error(wire.raw("{", wire.headers("Bogus")), 400, CORAL + "SerializationException")


def test_an_unsigned_request_is_missing_its_authentication_token(wire):
    answer = wire.raw("{}", wire.headers("ListKeys", Authorization=None))
    error(answer, 400, CORAL + "MissingAuthenticationTokenException", "Request is missing Authentication Token")


def test_an_authorization_without_its_parts_is_an_incomplete_signature(wire):
    answer = wire.raw("{}", wire.headers("ListKeys", Authorization="AWS4-HMAC-SHA256 Credential=a/b", X_Amz_Date=None))
    error(
        answer,
        400,
        CORAL + "IncompleteSignatureException",
        "Authorization header requires 'Signature' parameter. "
        "Authorization header requires 'SignedHeaders' parameter. "
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        "Authorization=AWS4-HMAC-SHA256 Credential=a/b",
    )


def test_a_credential_scope_needs_five_parts(wire):
    authorization = "AWS4-HMAC-SHA256 Credential=AKID/20170816/us-west-2, SignedHeaders=host, Signature=00"
    answer = wire.raw("{}", wire.headers("ListKeys", Authorization=authorization))
    error(
        answer,
        400,
        CORAL + "IncompleteSignatureException",
        "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, "
        "got 'AKID/20170816/us-west-2'",
    )


def test_a_credential_scope_must_name_a_region_and_kms(wire):
    authorization = "AWS4-HMAC-SHA256 Credential=AKID/20170816/nowhere/s3/aws4_req, SignedHeaders=host, Signature=0"
    answer = wire.raw("{}", wire.headers("ListKeys", Authorization=authorization))
    error(
        answer,
        400,
        CORAL + "InvalidSignatureException",
        "Credential should be scoped to a valid region, not 'nowhere'. "
        "Credential should be scoped to correct service: 'kms'. "
        "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_req'.",
    )


def test_only_sigv4_hmac_sha256_is_accepted(wire):
    authorization = (
        "AWS4-ECDSA-P256-SHA256 Credential=AKID/20170816/us-west-2/kms/aws4_request, SignedHeaders=host, Signature=00"
    )
    answer = wire.raw("{}", wire.headers("ListKeys", Authorization=authorization))
    error(
        answer,
        400,
        CORAL + "IncompleteSignatureException",
        "Unsupported AWS 'algorithm': 'AWS4-ECDSA-P256-SHA256' (only AWS4-HMAC-SHA256 for now). ",
    )


def test_the_region_comes_from_the_credential_scope(wire):
    authorization = wire.signed["Authorization"].replace("/us-west-2/", "/ap-southeast-2/")
    answer = wire.raw("{}", wire.headers("CreateKey", Authorization=authorization))
    assert answer.json()["KeyMetadata"]["Arn"].startswith("arn:aws:kms:ap-southeast-2:111122223333:key/")
    listed = wire.call("ListKeys", {})
    assert (listed.status, listed.json()) == (200, {"Keys": [], "Truncated": False})


def test_an_oversized_body_is_refused_unread_and_the_connection_closed(wire):
    size = protocol.MAX_BODY_BYTES + 1
    with socket.create_connection(("127.0.0.1", wire.port), timeout=30) as sock:
        head = (
            "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\n"
            f"X-Amz-Target: TrentService.ListKeys\r\nContent-Length: {size}\r\n\r\n"
        )
        sock.sendall(head.encode())
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    status_line, _, rest = reply.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 413 Request Entity Too Large"
    assert b"\r\nConnection: close\r\n" in rest
    assert rest.endswith(b"\r\n\r\n")


def test_a_body_at_the_limit_is_read_and_answered(wire):
    padding = " " * (protocol.MAX_BODY_BYTES - len('{"Limit": 1}'))
    answer = wire.raw('{"Limit": 1}' + padding, wire.headers("ListKeys"))
    assert (answer.status, answer.json()) == (200, {"Keys": [], "Truncated": False})


def test_keep_alive_connections_serve_many_requests(wire):
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", wire.port, timeout=30)
    try:
        statuses = []
        for n in range(1, 4):
            conn.request("POST", "/", body=json.dumps({"NumberOfBytes": n}), headers=wire.headers("GenerateRandom"))
            response = conn.getresponse()
            statuses.append((response.status, len(base64.b64decode(json.loads(response.read())["Plaintext"]))))
    finally:
        conn.close()
    assert statuses == [(200, 1), (200, 2), (200, 3)]


def test_an_error_without_a_message_omits_the_message_member(wire):
    # botocore's JSON error parser reads a missing `message` as "" (botocore/parsers.py,
    # BaseJSONParser._do_error_parse), so omitting it is what KMS does and what SDKs expect.
    key_id = wire.call("CreateKey", {}).json()["KeyMetadata"]["KeyId"]
    blob = wire.call("Encrypt", {"KeyId": key_id, "Plaintext": base64.b64encode(b"hello").decode()}).json()
    tampered = bytearray(base64.b64decode(blob["CiphertextBlob"]))
    tampered[-1] ^= 1
    answer = wire.call("Decrypt", {"CiphertextBlob": base64.b64encode(bytes(tampered)).decode()})
    error(answer, 400, "InvalidCiphertextException")
