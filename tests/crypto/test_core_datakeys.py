"""GenerateDataKey*, GenerateDataKeyPair* and GenerateRandom through core.call."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, mlkem, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kmscli import core
from kmscli.core.errors import KmsError
from kmscli.core.model import Key, KeyState

ARN = "arn:aws:kms:us-west-2:111122223333:key/"
DRY_RUN = "The request would have succeeded, but the DryRun option is set."
SUPPORTED_PAIRS = [
    "RSA_2048",
    "RSA_3072",
    "RSA_4096",
    "ECC_NIST_P256",
    "ECC_NIST_P384",
    "ECC_NIST_P521",
    "ECC_SECG_P256K1",
    "ECC_NIST_EDWARDS25519",
    "ML_KEM_768",
    "ML_KEM_1024",
]


def create(
    repo: core.InMemoryRepository, env: core.Env, spec: str = "SYMMETRIC_DEFAULT", usage: str | None = None
) -> Key:
    params: dict[str, Any] = {"KeySpec": spec}
    if usage is not None:
        params["KeyUsage"] = usage
    key = repo.get_key(core.call("CreateKey", params, repo, env).key_metadata.key_id)
    assert key is not None
    return key


def error(repo: core.InMemoryRepository, env: core.Env, operation: str, params: dict[str, Any]) -> tuple[str, str]:
    with pytest.raises(KmsError) as caught:
        core.call(operation, params, repo, env)
    return caught.value.code, caught.value.message


# ---------------------------------------------------------------- GenerateDataKey


@pytest.mark.parametrize(
    ("size_params", "size"),
    [
        ({"KeySpec": "AES_256"}, 32),
        ({"KeySpec": "AES_128"}, 16),
        ({"NumberOfBytes": 1}, 1),
        ({"NumberOfBytes": 1024}, 1024),
    ],
)
def test_generate_data_key(
    repo: core.InMemoryRepository, env: core.Env, size_params: dict[str, Any], size: int
) -> None:
    key = create(repo, env)
    context = {"file": "a.txt"}
    result = core.call("GenerateDataKey", {"KeyId": key.key_id, "EncryptionContext": context, **size_params}, repo, env)
    assert len(result.plaintext) == size
    assert (result.key_id, result.key_material_id, result.ciphertext_for_recipient) == (
        ARN + key.key_id,
        key.materials[0].material_id,
        None,
    )
    decrypted = core.call(
        "Decrypt", {"CiphertextBlob": result.ciphertext_blob, "EncryptionContext": context}, repo, env
    )
    assert (decrypted.key_id, decrypted.plaintext) == (ARN + key.key_id, result.plaintext)
    assert error(repo, env, "Decrypt", {"CiphertextBlob": result.ciphertext_blob}) == ("InvalidCiphertextException", "")


def test_data_key_encrypts_and_its_ciphertext_recovers_it(repo: core.InMemoryRepository, env: core.Env) -> None:
    # Envelope encryption: data encrypted with the plaintext data key decrypts with the key Decrypt returns.
    key = create(repo, env)
    data_key = core.call("GenerateDataKey", {"KeyId": key.key_id, "KeySpec": "AES_256"}, repo, env)
    sealed = AESGCM(data_key.plaintext).encrypt(b"\0" * 12, b"a large document", None)
    recovered = core.call("Decrypt", {"CiphertextBlob": data_key.ciphertext_blob}, repo, env).plaintext
    assert AESGCM(recovered).decrypt(b"\0" * 12, sealed, None) == b"a large document"


def test_each_data_key_is_fresh(repo: core.InMemoryRepository, env: core.Env) -> None:
    key = create(repo, env)
    keys = {
        core.call("GenerateDataKey", {"KeyId": key.key_id, "KeySpec": "AES_256"}, repo, env).plaintext for _ in range(5)
    }
    assert len(keys) == 5


def test_generate_data_key_without_plaintext(repo: core.InMemoryRepository, env: core.Env) -> None:
    key = create(repo, env)
    result = core.call("GenerateDataKeyWithoutPlaintext", {"KeyId": key.key_id, "NumberOfBytes": 64}, repo, env)
    assert result._fields == ("ciphertext_blob", "key_id", "key_material_id")
    assert (result.key_id, result.key_material_id) == (ARN + key.key_id, key.materials[0].material_id)
    assert len(core.call("Decrypt", {"CiphertextBlob": result.ciphertext_blob}, repo, env).plaintext) == 64


@pytest.mark.parametrize("operation", ["GenerateDataKey", "GenerateDataKeyWithoutPlaintext"])
@pytest.mark.parametrize("size_params", [{}, {"KeySpec": "AES_256", "NumberOfBytes": 32}], ids=["neither", "both"])
def test_exactly_one_size(
    repo: core.InMemoryRepository, env: core.Env, operation: str, size_params: dict[str, Any]
) -> None:
    key = create(repo, env)
    assert error(repo, env, operation, {"KeyId": key.key_id, **size_params}) == (
        "ValidationException",
        "Please specify either number of bytes or key spec.",
    )


def test_number_of_bytes_range(repo: core.InMemoryRepository, env: core.Env) -> None:
    key = create(repo, env)
    # Below the model's min, botocore refuses before sending (the CLI prints a ParamValidationError).
    with pytest.raises(core.ParamValidationError) as caught:
        core.call("GenerateDataKey", {"KeyId": key.key_id, "NumberOfBytes": 0}, repo, env)
    assert caught.value.problems == ["Invalid value for parameter NumberOfBytes, value: 0, valid min value: 1"]
    assert error(repo, env, "GenerateDataKey", {"KeyId": key.key_id, "NumberOfBytes": 1025}) == (
        "ValidationException",
        "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: "
        "Member must have value less than or equal to 1024",
    )


@pytest.mark.parametrize("operation", ["GenerateDataKey", "GenerateDataKeyWithoutPlaintext"])
def test_data_keys_need_a_symmetric_encryption_key(
    repo: core.InMemoryRepository, env: core.Env, operation: str
) -> None:
    rsa_key = create(repo, env, "RSA_2048", "ENCRYPT_DECRYPT")
    hmac_key = create(repo, env, "HMAC_256", "GENERATE_VERIFY_MAC")
    assert error(repo, env, operation, {"KeyId": rsa_key.key_id, "KeySpec": "AES_256"}) == (
        "InvalidKeyUsageException",
        f"{ARN}{rsa_key.key_id} key spec is RSA_2048 which is not valid for {operation}.",
    )
    assert error(repo, env, operation, {"KeyId": hmac_key.key_id, "KeySpec": "AES_256"}) == (
        "InvalidKeyUsageException",
        f"{ARN}{hmac_key.key_id} key usage is GENERATE_VERIFY_MAC which is not valid for {operation}.",
    )


OPERATIONS = [
    ("GenerateDataKey", {"KeySpec": "AES_256"}),
    ("GenerateDataKeyWithoutPlaintext", {"NumberOfBytes": 8}),
    ("GenerateDataKeyPair", {"KeyPairSpec": "ECC_NIST_P256"}),
    ("GenerateDataKeyPairWithoutPlaintext", {"KeyPairSpec": "ECC_NIST_P256"}),
]


@pytest.mark.parametrize(("operation", "extra"), OPERATIONS)
@pytest.mark.parametrize(
    ("state", "code", "suffix"),
    [
        (KeyState.Disabled, "DisabledException", "is disabled."),
        (KeyState.PendingDeletion, "KMSInvalidStateException", "is pending deletion."),
    ],
)
def test_unusable_key_states(
    repo: core.InMemoryRepository,
    env: core.Env,
    operation: str,
    extra: dict[str, Any],
    state: KeyState,
    code: str,
    suffix: str,
) -> None:
    key = create(repo, env)
    repo.put_key(key._replace(key_state=state, deletion_date=4102444800.0))
    assert error(repo, env, operation, {"KeyId": key.key_id, **extra}) == (code, f"{ARN}{key.key_id} {suffix}")


@pytest.mark.parametrize(("operation", "extra"), OPERATIONS)
def test_dry_run(repo: core.InMemoryRepository, env: core.Env, operation: str, extra: dict[str, Any]) -> None:
    key = create(repo, env)
    assert error(repo, env, operation, {"KeyId": key.key_id, "DryRun": True, **extra}) == (
        "DryRunOperationException",
        DRY_RUN,
    )


@pytest.mark.parametrize("operation", ["GenerateDataKey", "GenerateDataKeyPair"])
def test_recipient_is_refused(repo: core.InMemoryRepository, env: core.Env, operation: str) -> None:
    key = create(repo, env)
    extra = {"KeySpec": "AES_256"} if operation == "GenerateDataKey" else {"KeyPairSpec": "RSA_2048"}
    params = {"KeyId": key.key_id, "Recipient": {"AttestationDocument": b"doc"}, **extra}
    assert error(repo, env, operation, params) == (
        "ValidationException",
        "Recipient (attestation document) is not supported by kmscli",
    )


# ---------------------------------------------------------------- GenerateDataKeyPair


def _check_pair(private_der: bytes, public_der: bytes, spec: str) -> None:
    """The two halves belong together and are of the requested kind."""
    private: Any = serialization.load_der_private_key(private_der, None)
    public: Any = serialization.load_der_public_key(public_der)
    assert (
        private.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        == public_der
    )
    if spec.startswith("RSA_"):
        assert isinstance(private, rsa.RSAPrivateKey)
        assert (private.key_size, private.private_numbers().public_numbers.e) == (int(spec[4:]), 65537)
    elif spec == "ECC_NIST_EDWARDS25519":
        assert isinstance(private, ed25519.Ed25519PrivateKey)
    elif spec.startswith("ML_KEM_"):
        assert isinstance(private, mlkem.MLKEM768PrivateKey | mlkem.MLKEM1024PrivateKey)
        # PKCS#8 in seed form.
        assert len(private_der) == 86
        secret, ciphertext = public.encapsulate()
        assert private.decapsulate(ciphertext) == secret
    else:
        curve = {
            "ECC_NIST_P256": "secp256r1",
            "ECC_NIST_P384": "secp384r1",
            "ECC_NIST_P521": "secp521r1",
            "ECC_SECG_P256K1": "secp256k1",
        }[spec]
        assert isinstance(private, ec.EllipticCurvePrivateKey)
        assert private.curve.name == curve
        signature = private.sign(b"m", ec.ECDSA(hashes.SHA256()))
        public.verify(signature, b"m", ec.ECDSA(hashes.SHA256()))


@pytest.mark.parametrize("spec", SUPPORTED_PAIRS)
def test_generate_data_key_pair(repo: core.InMemoryRepository, env: core.Env, spec: str) -> None:
    key = create(repo, env)
    context = {"pair": spec}
    result = core.call(
        "GenerateDataKeyPair", {"KeyId": key.key_id, "KeyPairSpec": spec, "EncryptionContext": context}, repo, env
    )
    assert (result.key_id, result.key_pair_spec, result.key_material_id, result.ciphertext_for_recipient) == (
        ARN + key.key_id,
        spec,
        key.materials[0].material_id,
        None,
    )
    _check_pair(result.private_key_plaintext, result.public_key, spec)
    decrypted = core.call(
        "Decrypt", {"CiphertextBlob": result.private_key_ciphertext_blob, "EncryptionContext": context}, repo, env
    )
    assert decrypted.plaintext == result.private_key_plaintext


@pytest.mark.parametrize("spec", ["RSA_2048", "ECC_NIST_P384", "ML_KEM_1024"])
def test_generate_data_key_pair_without_plaintext(repo: core.InMemoryRepository, env: core.Env, spec: str) -> None:
    key = create(repo, env)
    result = core.call("GenerateDataKeyPairWithoutPlaintext", {"KeyId": key.key_id, "KeyPairSpec": spec}, repo, env)
    assert result._fields == ("private_key_ciphertext_blob", "public_key", "key_id", "key_pair_spec", "key_material_id")
    assert (result.key_id, result.key_pair_spec, result.key_material_id) == (
        ARN + key.key_id,
        spec,
        key.materials[0].material_id,
    )
    private_der = core.call("Decrypt", {"CiphertextBlob": result.private_key_ciphertext_blob}, repo, env).plaintext
    _check_pair(private_der, result.public_key, spec)


@pytest.mark.parametrize("operation", ["GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext"])
@pytest.mark.parametrize("spec", ["SM2", "ML_KEM_512"])
def test_unsupported_key_pair_specs(repo: core.InMemoryRepository, env: core.Env, operation: str, spec: str) -> None:
    key = create(repo, env)
    assert error(repo, env, operation, {"KeyId": key.key_id, "KeyPairSpec": spec}) == (
        "UnsupportedOperationException",
        f"KeyPairSpec {spec} is not supported",
    )


def test_key_pair_spec_enum(repo: core.InMemoryRepository, env: core.Env) -> None:
    key = create(repo, env)
    code, message = error(repo, env, "GenerateDataKeyPair", {"KeyId": key.key_id, "KeyPairSpec": "RSA_1024"})
    assert (code, message.split(" [")[0]) == (
        "ValidationException",
        "1 validation error detected: Value 'RSA_1024' at 'keyPairSpec' failed to satisfy constraint: "
        "Member must satisfy enum value set:",
    )


@pytest.mark.parametrize("operation", ["GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext"])
def test_key_pairs_need_a_symmetric_encryption_key(
    repo: core.InMemoryRepository, env: core.Env, operation: str
) -> None:
    rsa_key = create(repo, env, "RSA_3072", "ENCRYPT_DECRYPT")
    assert error(repo, env, operation, {"KeyId": rsa_key.key_id, "KeyPairSpec": "RSA_2048"}) == (
        "InvalidKeyUsageException",
        f"{ARN}{rsa_key.key_id} key spec is RSA_3072 which is not valid for {operation}.",
    )


# ---------------------------------------------------------------- GenerateRandom


@pytest.mark.parametrize("size", [1, 32, 1024])
def test_generate_random(repo: core.InMemoryRepository, env: core.Env, size: int) -> None:
    result = core.call("GenerateRandom", {"NumberOfBytes": size}, repo, env)
    assert (len(result.plaintext), result.ciphertext_for_recipient) == (size, None)
    assert core.call("GenerateRandom", {"NumberOfBytes": size}, repo, env).plaintext != result.plaintext


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ("ValidationException", "NumberOfBytes is required.")),
        (
            {"NumberOfBytes": 1025},
            (
                "ValidationException",
                "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: "
                "Member must have value less than or equal to 1024",
            ),
        ),
        ({"NumberOfBytes": 8, "CustomKeyStoreId": "cks-1234567890abcdef0"}, ("CustomKeyStoreNotFoundException", "")),
        (
            {"NumberOfBytes": 8, "Recipient": {"AttestationDocument": b"doc"}},
            ("ValidationException", "Recipient (attestation document) is not supported by kmscli"),
        ),
    ],
)
def test_generate_random_refusals(
    repo: core.InMemoryRepository, env: core.Env, params: dict[str, Any], expected: tuple[str, str]
) -> None:
    assert error(repo, env, "GenerateRandom", params) == expected
