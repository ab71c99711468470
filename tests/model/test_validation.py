"""Request checks against the model: botocore's client-side messages, then KMS's ValidationException."""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator

from kmscli import core
from kmscli.core.errors import ParamValidationError, ValidationException
from kmscli.core.validation import validate_request

KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
CREATE_KEY_MEMBERS = (
    "Policy, Description, KeyUsage, CustomerMasterKeySpec, KeySpec, Origin, CustomKeyStoreId, "
    "BypassPolicyLockoutSafetyCheck, Tags, MultiRegion, XksKeyId"
)


def client_problems(shape: str, params: Any) -> list[str]:
    with pytest.raises(ParamValidationError) as caught:
        validate_request(shape, params)
    assert str(caught.value) == "Parameter validation failed:\n" + "\n".join(caught.value.problems)
    return caught.value.problems


def service_message(shape: str, params: Any) -> str:
    with pytest.raises(ValidationException) as caught:
        validate_request(shape, params)
    assert caught.value.code == "ValidationException"
    return caught.value.message


# ---------------------------------------------------------------- client side (botocore)


@pytest.mark.parametrize(
    ("shape", "params", "problems"),
    [
        pytest.param("DescribeKeyRequest", {}, ['Missing required parameter in input: "KeyId"'], id="missing-required"),
        pytest.param(
            "CreateKeyRequest",
            {"Tags": [{"TagKey": "a"}]},
            ['Missing required parameter in Tags[0]: "TagValue"'],
            id="missing-required-in-list-member",
        ),
        pytest.param(
            "CreateKeyRequest",
            {"Bogus": 1},
            [f'Unknown parameter in input: "Bogus", must be one of: {CREATE_KEY_MEMBERS}'],
            id="unknown-parameter",
        ),
        pytest.param(
            "CreateKeyRequest",
            {"Tags": [{"TagKey": "a", "TagValue": "b", "Color": "red"}]},
            ['Unknown parameter in Tags[0]: "Color", must be one of: TagKey, TagValue'],
            id="unknown-parameter-in-list-member",
        ),
        pytest.param(
            "CreateKeyRequest",
            {"KeyUsage": 5},
            ["Invalid type for parameter KeyUsage, value: 5, type: <class 'int'>, valid types: <class 'str'>"],
            id="invalid-type-string",
        ),
        pytest.param(
            "CreateKeyRequest",
            {"MultiRegion": "yes"},
            ["Invalid type for parameter MultiRegion, value: yes, type: <class 'str'>, valid types: <class 'bool'>"],
            id="invalid-type-boolean",
        ),
        pytest.param(
            "CreateKeyRequest",
            {"Tags": "a=b"},
            [
                "Invalid type for parameter Tags, value: a=b, type: <class 'str'>, "
                "valid types: <class 'list'>, <class 'tuple'>"
            ],
            id="invalid-type-list",
        ),
        pytest.param(
            "CreateKeyRequest",
            {"Tags": ["a"]},
            ["Invalid type for parameter Tags[0], value: a, type: <class 'str'>, valid types: <class 'dict'>"],
            id="invalid-type-structure",
        ),
        pytest.param(
            "EncryptRequest",
            {"KeyId": KEY_ID, "Plaintext": 5},
            [
                "Invalid type for parameter Plaintext, value: 5, type: <class 'int'>, "
                "valid types: <class 'bytes'>, <class 'bytearray'>, file-like object"
            ],
            id="invalid-type-blob",
        ),
        pytest.param(
            "EncryptRequest",
            {"KeyId": KEY_ID, "Plaintext": b"x", "EncryptionContext": {"purpose": 1}},
            [
                "Invalid type for parameter EncryptionContext.purpose, value: 1, type: <class 'int'>, "
                "valid types: <class 'str'>"
            ],
            id="invalid-type-map-value",
        ),
        pytest.param(
            "ListKeysRequest",
            {"Limit": "10"},
            ["Invalid type for parameter Limit, value: 10, type: <class 'str'>, valid types: <class 'int'>"],
            id="invalid-type-integer",
        ),
        pytest.param(
            "CreateAliasRequest",
            {"AliasName": "", "TargetKeyId": KEY_ID},
            ["Invalid length for parameter AliasName, value: 0, valid min length: 1"],
            id="min-length",
        ),
        pytest.param(
            "CreateKeyRequest",
            {"Tags": [{"TagKey": "", "TagValue": ""}]},
            ["Invalid length for parameter Tags[0].TagKey, value: 0, valid min length: 1"],
            id="min-length-in-list-member",
        ),
        pytest.param(
            "ListKeysRequest",
            {"Limit": 0},
            ["Invalid value for parameter Limit, value: 0, valid min value: 1"],
            id="min-value",
        ),
        pytest.param(
            "CreateKeyRequest",
            {"Bogus": 1, "KeyUsage": 5, "Tags": [{"TagKey": ""}], "MultiRegion": "yes"},
            [
                f'Unknown parameter in input: "Bogus", must be one of: {CREATE_KEY_MEMBERS}',
                "Invalid type for parameter KeyUsage, value: 5, type: <class 'int'>, valid types: <class 'str'>",
                'Missing required parameter in Tags[0]: "TagValue"',
                "Invalid length for parameter Tags[0].TagKey, value: 0, valid min length: 1",
                "Invalid type for parameter MultiRegion, value: yes, type: <class 'str'>, valid types: <class 'bool'>",
            ],
            id="several-problems",
        ),
    ],
)
def test_client_side_problems(shape: str, params: dict[str, Any], problems: list[str]) -> None:
    assert client_problems(shape, params) == problems


def test_several_problems_make_one_message() -> None:
    with pytest.raises(ParamValidationError) as caught:
        validate_request("DescribeKeyRequest", {"KeyId": "", "GrantTokens": ["", 5]})
    assert str(caught.value) == (
        "Parameter validation failed:\n"
        "Invalid length for parameter KeyId, value: 0, valid min length: 1\n"
        "Invalid length for parameter GrantTokens[0], value: 0, valid min length: 1\n"
        "Invalid type for parameter GrantTokens[1], value: 5, type: <class 'int'>, valid types: <class 'str'>"
    )


def test_client_problems_come_before_service_checks() -> None:
    # KeyUsage is not in the enum and Description is too long, but botocore never sends the request.
    params = {"KeyUsage": "BAD", "Description": "x" * 8193, "MultiRegion": "yes"}
    assert client_problems("CreateKeyRequest", params) == [
        "Invalid type for parameter MultiRegion, value: yes, type: <class 'str'>, valid types: <class 'bool'>"
    ]


def test_none_means_not_given() -> None:
    # botocore would call a None an invalid type; the core treats it as an absent member, so that a
    # null in --cli-input-json is reported as missing rather than crashing the request builder.
    assert client_problems("CreateAliasRequest", {"AliasName": None, "TargetKeyId": None}) == [
        'Missing required parameter in input: "AliasName"',
        'Missing required parameter in input: "TargetKeyId"',
    ]
    validate_request("CreateKeyRequest", {"Description": None, "Tags": None})


@pytest.fixture(scope="module")
def botocore_model() -> Any:
    return botocore.session.get_session().get_service_model("kms")


@pytest.mark.parametrize(
    ("shape", "params"),
    [
        pytest.param("CreateKeyRequest", "not-a-dict", id="input-not-a-structure"),
        pytest.param("DescribeKeyRequest", {"GrantTokens": "abc"}, id="missing-and-string-for-list"),
        pytest.param(
            "CreateKeyRequest",
            {"Tags": ["x", {"TagKey": 1, "TagValue": "v", "Extra": 2}], "BypassPolicyLockoutSafetyCheck": 1},
            id="nested",
        ),
        pytest.param(
            "EncryptRequest", {"KeyId": KEY_ID, "Plaintext": 5, "EncryptionContext": {"a": 1, "b": "x"}}, id="map"
        ),
        pytest.param("ListKeysRequest", {"Limit": 0, "Marker": ""}, id="min-value-and-length"),
        pytest.param("ListAliasesRequest", {"Limit": True, "KeyId": ""}, id="bool-is-an-int"),
        pytest.param("CreateAliasRequest", {"AliasName": 3}, id="wrong-type-and-missing"),
        pytest.param(
            "CreateGrantRequest",
            {"KeyId": KEY_ID, "GranteePrincipal": "p", "Operations": ["Encrypt", 1], "Constraints": {"X": 1}},
            id="list-of-enums-and-unknown-structure-member",
        ),
    ],
)
def test_client_side_wording_is_botocores(botocore_model: Any, shape: str, params: Any) -> None:
    expected = ParamValidator().validate(params, botocore_model.shape_for(shape)).generate_report()
    assert "\n".join(client_problems(shape, params)) == expected


# ---------------------------------------------------------------- service side (KMS)


KEY_USAGES = "SIGN_VERIFY, ENCRYPT_DECRYPT, GENERATE_VERIFY_MAC, KEY_AGREEMENT, ENCAPSULATE_DECAPSULATE"


@pytest.mark.parametrize(
    ("shape", "params", "message"),
    [
        pytest.param(
            "CreateKeyRequest",
            {"KeyUsage": "ENCRYPT"},
            "1 validation error detected: Value 'ENCRYPT' at 'keyUsage' failed to satisfy constraint: "
            f"Member must satisfy enum value set: [{KEY_USAGES}]",
            id="enum",
        ),
        pytest.param(
            "CreateKeyRequest",
            {"Description": "d" * 8193},
            f"1 validation error detected: Value '{'d' * 8193}' at 'description' failed to satisfy constraint: "
            "Member must have length less than or equal to 8192",
            id="max-length",
        ),
        pytest.param(
            "CreateAliasRequest",
            {"AliasName": "alias/has space", "TargetKeyId": KEY_ID},
            "1 validation error detected: Value 'alias/has space' at 'aliasName' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$",
            id="pattern",
        ),
        pytest.param(
            "CreateKeyRequest",
            {"Policy": '{"Sid": "\u0100"}'},
            "1 validation error detected: Value '{\"Sid\": \"\u0100\"}' at 'policy' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+",
            id="policy-character-outside-latin-1",
        ),
        pytest.param(
            "EncryptRequest",
            {"KeyId": KEY_ID, "Plaintext": b"\x00" * 4097},
            "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: "
            "Member must have length less than or equal to 4096",
            id="blob-too-long-not-echoed",
        ),
        pytest.param(
            "EncryptRequest",
            {"KeyId": KEY_ID, "Plaintext": b""},
            "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: "
            "Member must have length greater than or equal to 1",
            id="blob-empty-not-echoed",
        ),
        pytest.param(
            "ListKeysRequest",
            {"Limit": 1001},
            "1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint: "
            "Member must have value less than or equal to 1000",
            id="max-value",
        ),
        pytest.param(
            "DescribeKeyRequest",
            {"KeyId": KEY_ID, "GrantTokens": [str(i) for i in range(11)]},
            "1 validation error detected: Value '[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]' at 'grantTokens' failed to "
            "satisfy constraint: Member must have length less than or equal to 10",
            id="list-too-long",
        ),
        pytest.param(
            "CreateKeyRequest",
            {"Tags": [{"TagKey": "ok", "TagValue": ""}, {"TagKey": "k" * 129, "TagValue": "v"}]},
            f"1 validation error detected: Value '{'k' * 129}' at 'tags.2.member.tagKey' failed to satisfy "
            "constraint: Member must have length less than or equal to 128",
            id="list-member-path",
        ),
        pytest.param(
            "CreateKeyRequest",
            {"KeySpec": "AES_256", "Tags": [{"TagKey": "a", "TagValue": "v" * 257}]},
            "2 validation errors detected: Value 'AES_256' at 'keySpec' failed to satisfy constraint: Member must "
            "satisfy enum value set: [RSA_2048, RSA_3072, RSA_4096, ECC_NIST_P256, ECC_NIST_P384, ECC_NIST_P521, "
            "ECC_SECG_P256K1, SYMMETRIC_DEFAULT, HMAC_224, HMAC_256, HMAC_384, HMAC_512, SM2, ML_DSA_44, "
            "ML_DSA_65, ML_DSA_87, ECC_NIST_EDWARDS25519, ML_KEM_512, ML_KEM_768, ML_KEM_1024]; "
            f"Value '{'v' * 257}' at 'tags.1.member.tagValue' failed to satisfy constraint: "
            "Member must have length less than or equal to 256",
            id="two-violations",
        ),
    ],
)
def test_service_side_violations(shape: str, params: dict[str, Any], message: str) -> None:
    assert service_message(shape, params) == message


def test_enumerations_are_listed_in_the_order_kms_answers_with() -> None:
    # The macAlgorithm set in the order live KMS lists it (not the model's HMAC_SHA_224...512 order,
    # not sorted); every other set in botocore's model order (MessageType: RAW, DIGEST).
    assert service_message("GenerateMacRequest", {"KeyId": KEY_ID, "Message": b"m", "MacAlgorithm": "HMAC_SHA_1"}) == (
        "1 validation error detected: Value 'HMAC_SHA_1' at 'macAlgorithm' failed to satisfy constraint: "
        "Member must satisfy enum value set: [HMAC_SHA_384, HMAC_SHA_256, HMAC_SHA_224, HMAC_SHA_512]"
    )
    params = {"KeyId": KEY_ID, "Message": b"m", "SigningAlgorithm": "ECDSA_SHA_256", "MessageType": "HASH"}
    assert service_message("SignRequest", params) == (
        "1 validation error detected: Value 'HASH' at 'messageType' failed to satisfy constraint: "
        "Member must satisfy enum value set: [RAW, DIGEST, EXTERNAL_MU]"
    )


@pytest.mark.parametrize(
    ("shape", "params"),
    [
        pytest.param("CreateKeyRequest", {}, id="empty-create-key"),
        pytest.param(
            "CreateKeyRequest",
            {
                "Description": "d" * 8192,
                "KeySpec": "RSA_2048",
                "KeyUsage": "SIGN_VERIFY",
                "Tags": [{"TagKey": "k" * 128, "TagValue": ""}],
                "MultiRegion": False,
            },
            id="at-the-limits",
        ),
        pytest.param("EncryptRequest", {"KeyId": KEY_ID, "Plaintext": b"\x00" * 4096}, id="blob-at-max"),
        pytest.param("ListKeysRequest", {"Limit": 1000}, id="integer-at-max"),
        pytest.param("CreateAliasRequest", {"AliasName": "alias/a:b_c-d/e", "TargetKeyId": KEY_ID}, id="pattern"),
    ],
)
def test_valid_requests_pass(shape: str, params: dict[str, Any]) -> None:
    validate_request(shape, params)


def test_call_validates_before_running_the_operation(repo: core.InMemoryRepository, env: core.Env) -> None:
    with pytest.raises(ValidationException) as caught:
        core.call("CreateKey", {"KeyUsage": "ENCRYPT"}, repo, env)
    assert caught.value.message == (
        "1 validation error detected: Value 'ENCRYPT' at 'keyUsage' failed to satisfy constraint: "
        f"Member must satisfy enum value set: [{KEY_USAGES}]"
    )
    assert repo.count_keys() == 0
    for params in ({}, {"KeyId": None}):
        with pytest.raises(ParamValidationError) as refused:
            core.call("DescribeKey", params, repo, env)
        assert refused.value.problems == ['Missing required parameter in input: "KeyId"']


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (float("nan"), "nan"),
        (float("inf"), "inf"),
        (float("-inf"), "-inf"),
        (1e300, "1e+300"),
        (-1, "-1"),
        (10**400, "1" + "0" * 400),
        (32503680000.001, "32503680000.001"),
    ],
)
def test_a_timestamp_that_is_no_moment_is_refused(value, shown):
    params = {
        "KeyId": "k",
        "ImportToken": b"t",
        "EncryptedKeyMaterial": b"m",
        "ExpirationModel": "KEY_MATERIAL_EXPIRES",
        "ValidTo": value,
    }
    with pytest.raises(ParamValidationError) as caught:
        validate_request("ImportKeyMaterialRequest", params)
    assert caught.value.problems == [
        f"Invalid value for parameter ValidTo, value: {shown}, valid range: 0 to 32503680000 "
        "(epoch seconds, 1970 to 3000)"
    ]


@pytest.mark.parametrize("value", [0, 1502910355.475, 32503680000])
def test_a_timestamp_from_1970_to_3000_is_taken(value):
    params = {"KeyId": "k", "ImportToken": b"t", "EncryptedKeyMaterial": b"m", "ValidTo": value}
    validate_request("ImportKeyMaterialRequest", params)
