"""get-parameters-for-import with every wrapping algorithm and wrapping key spec, and every refusal."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conformance import assert_conforms
from tests.imports.helpers import Parameters, create_external, import_args, material_id, parameters, wrap
from tests.kms_session import DAY, KmsSession, arn

ALGORITHMS = ("RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "RSA_AES_KEY_WRAP_SHA_1", "RSA_AES_KEY_WRAP_SHA_256")
WRAPPING_SPECS = ("RSA_2048", "RSA_3072", "RSA_4096")


@pytest.mark.parametrize("spec", WRAPPING_SPECS)
@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_every_wrapping_algorithm_and_key_spec_imports_for_real(
    kms: KmsSession, tmp_path: Path, algorithm: str, spec: str
) -> None:
    key_id = create_external(kms)
    doc = kms.ok(
        "get-parameters-for-import", "--key-id", key_id, "--wrapping-algorithm", algorithm, "--wrapping-key-spec", spec
    )
    assert_conforms("GetParametersForImport", doc)
    assert list(doc) == ["KeyId", "ImportToken", "PublicKey", "ParametersValidTo"]
    assert doc["KeyId"] == arn(key_id)
    # Valid for exactly 24 hours.
    assert doc["ParametersValidTo"] == round(kms.now + DAY, 3)
    params = Parameters(doc)
    public = serialization.load_der_public_key(params.public_key)
    assert isinstance(public, rsa.RSAPublicKey)
    assert (public.key_size, public.public_numbers().e) == (int(spec[4:]), 65537)

    # The public key really wraps: material wrapped under it unwraps inside kmscli.
    material = bytes(range(32))
    result = kms.ok(*import_args(tmp_path, key_id, params, wrap(params.public_key, algorithm, material)))
    assert result == {"KeyId": arn(key_id), "KeyMaterialId": material_id(key_id, material)}
    assert kms.ok("describe-key", "--key-id", key_id)["KeyMetadata"]["KeyState"] == "Enabled"


def test_each_call_gives_a_new_wrapping_key_and_token_and_both_stay_usable(kms: KmsSession, tmp_path: Path) -> None:
    key_id = create_external(kms)
    first = parameters(kms, key_id, "RSAES_OAEP_SHA_1", "RSA_2048")
    second = parameters(kms, key_id, "RSAES_OAEP_SHA_1", "RSA_3072")
    assert first.token != second.token
    assert first.public_key != second.public_key
    material = b"\x07" * 32
    kms.ok(*import_args(tmp_path, key_id, second, wrap(second.public_key, "RSAES_OAEP_SHA_1", material)))
    # The first token still works (a re-import of the same material).
    kms.ok(*import_args(tmp_path, key_id, first, wrap(first.public_key, "RSAES_OAEP_SHA_1", material)))


@pytest.mark.parametrize(
    ("key_spec", "usage", "algorithm", "spec", "code", "message"),
    [
        pytest.param(
            "SYMMETRIC_DEFAULT",
            None,
            "RSAES_PKCS1_V1_5",
            "RSA_2048",
            "ValidationException",
            "RSAES_PKCS1_V1_5 is not supported",
            id="pkcs1-deprecated",
        ),
        pytest.param(
            "SYMMETRIC_DEFAULT",
            None,
            "SM2PKE",
            "RSA_2048",
            "UnsupportedOperationException",
            "SM2PKE is not supported",
            id="sm2pke-china-only",
        ),
        pytest.param(
            "SYMMETRIC_DEFAULT",
            None,
            "RSAES_OAEP_SHA_256",
            "SM2",
            "UnsupportedOperationException",
            "SM2 is not supported",
            id="sm2-wrapping-key-china-only",
        ),
        pytest.param(
            "RSA_2048",
            "SIGN_VERIFY",
            "RSAES_OAEP_SHA_256",
            "RSA_4096",
            "ValidationException",
            "Wrapping algorithm RSAES_OAEP_SHA_256 is not supported for key spec RSA_2048",
            id="oaep-cannot-carry-rsa-material",
        ),
        pytest.param(
            "RSA_4096",
            "ENCRYPT_DECRYPT",
            "RSAES_OAEP_SHA_1",
            "RSA_4096",
            "ValidationException",
            "Wrapping algorithm RSAES_OAEP_SHA_1 is not supported for key spec RSA_4096",
            id="oaep-sha1-cannot-carry-rsa-material",
        ),
        pytest.param(
            "ECC_NIST_P521",
            "SIGN_VERIFY",
            "RSAES_OAEP_SHA_1",
            "RSA_2048",
            "ValidationException",
            "Wrapping algorithm RSAES_OAEP_SHA_1 is not supported for key spec ECC_NIST_P521",
            id="p521-too-long-for-rsa-2048-oaep",
        ),
    ],
)
def test_refused_wrapping(
    kms: KmsSession, key_spec: str, usage: str | None, algorithm: str, spec: str, code: str, message: str
) -> None:
    key_id = create_external(kms, key_spec, usage)
    assert kms.error(
        "get-parameters-for-import", "--key-id", key_id, "--wrapping-algorithm", algorithm, "--wrapping-key-spec", spec
    ) == (code, message)


@pytest.mark.parametrize(
    ("key_spec", "usage", "algorithm", "spec"),
    [
        pytest.param("ECC_NIST_P521", "SIGN_VERIFY", "RSAES_OAEP_SHA_256", "RSA_3072", id="p521-oaep-rsa-3072"),
        pytest.param("ECC_NIST_P521", "SIGN_VERIFY", "RSA_AES_KEY_WRAP_SHA_1", "RSA_2048", id="p521-aes-wrap"),
        pytest.param("RSA_2048", "SIGN_VERIFY", "RSA_AES_KEY_WRAP_SHA_256", "RSA_2048", id="rsa-aes-wrap"),
        pytest.param("ML_DSA_44", "SIGN_VERIFY", "RSAES_OAEP_SHA_256", "RSA_2048", id="ml-dsa-oaep"),
        pytest.param("HMAC_512", "GENERATE_VERIFY_MAC", "RSAES_OAEP_SHA_1", "RSA_2048", id="hmac-oaep"),
    ],
)
def test_allowed_wrapping(kms: KmsSession, key_spec: str, usage: str, algorithm: str, spec: str) -> None:
    key_id = create_external(kms, key_spec, usage)
    params = parameters(kms, key_id, algorithm, spec)
    assert params.doc["KeyId"] == arn(key_id)


def test_a_key_with_kms_generated_material_takes_no_import(kms: KmsSession) -> None:
    key_id = kms.ok("create-key")["KeyMetadata"]["KeyId"]
    assert kms.error(
        "get-parameters-for-import",
        "--key-id",
        key_id,
        "--wrapping-algorithm",
        "RSAES_OAEP_SHA_256",
        "--wrapping-key-spec",
        "RSA_2048",
    ) == ("UnsupportedOperationException", f"{arn(key_id)} origin is AWS_KMS which is not valid for this operation.")


def test_a_key_pending_deletion_gives_no_parameters(kms: KmsSession) -> None:
    key_id = create_external(kms)
    kms.ok("schedule-key-deletion", "--key-id", key_id, "--pending-window-in-days", "7")
    assert kms.error(
        "get-parameters-for-import",
        "--key-id",
        key_id,
        "--wrapping-algorithm",
        "RSAES_OAEP_SHA_256",
        "--wrapping-key-spec",
        "RSA_2048",
    ) == ("KMSInvalidStateException", f"{arn(key_id)} is pending deletion.")


def test_an_alias_is_not_accepted(kms: KmsSession) -> None:
    key_id = create_external(kms)
    kms.ok("create-alias", "--alias-name", "alias/imported", "--target-key-id", key_id)
    assert kms.error(
        "get-parameters-for-import",
        "--key-id",
        "alias/imported",
        "--wrapping-algorithm",
        "RSAES_OAEP_SHA_256",
        "--wrapping-key-spec",
        "RSA_2048",
    ) == ("NotFoundException", "Invalid keyId 'alias/imported'")


def test_an_unknown_wrapping_algorithm_fails_model_validation(kms: KmsSession) -> None:
    key_id = create_external(kms)
    code, message = kms.error(
        "get-parameters-for-import",
        "--key-id",
        key_id,
        "--wrapping-algorithm",
        "RSA_OAEP",
        "--wrapping-key-spec",
        "RSA_2048",
    )
    assert code == "ValidationException"
    assert message.startswith(
        "1 validation error detected: Value 'RSA_OAEP' at 'wrappingAlgorithm' failed to satisfy constraint: "
        "Member must satisfy enum value set: ["
    )


def test_state_is_unchanged_by_a_refusal(kms: KmsSession) -> None:
    key_id = create_external(kms)
    before = kms.ok("describe-key", "--key-id", key_id)
    kms.error(
        "get-parameters-for-import",
        "--key-id",
        key_id,
        "--wrapping-algorithm",
        "RSAES_PKCS1_V1_5",
        "--wrapping-key-spec",
        "RSA_2048",
    )
    assert kms.ok("describe-key", "--key-id", key_id) == before
