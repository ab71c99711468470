"""Encrypt, Decrypt and ReEncrypt through core.call."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from kmscli import core
from kmscli.core.errors import KmsError
from kmscli.core.model import Key, KeyMaterial, KeyState

ARN = "arn:aws:kms:us-west-2:111122223333:key/"
DRY_RUN = "The request would have succeeded, but the DryRun option is set."
INCORRECT_KEY = "The key ID in the request does not identify a CMK that can perform this operation."
# Largest RSAES-OAEP plaintext, by key spec and algorithm.
RSA_LIMITS = {
    ("RSA_2048", "RSAES_OAEP_SHA_1"): 214,
    ("RSA_2048", "RSAES_OAEP_SHA_256"): 190,
    ("RSA_3072", "RSAES_OAEP_SHA_1"): 342,
    ("RSA_3072", "RSAES_OAEP_SHA_256"): 318,
    ("RSA_4096", "RSAES_OAEP_SHA_1"): 470,
    ("RSA_4096", "RSAES_OAEP_SHA_256"): 446,
}


def create(
    repo: core.InMemoryRepository, env: core.Env, spec: str = "SYMMETRIC_DEFAULT", usage: str | None = None
) -> Key:
    params: dict[str, Any] = {"KeySpec": spec}
    if usage is not None:
        params["KeyUsage"] = usage
    key_id = core.call("CreateKey", params, repo, env).key_metadata.key_id
    key = repo.get_key(key_id)
    assert key is not None
    return key


def error(repo: core.InMemoryRepository, env: core.Env, operation: str, params: dict[str, Any]) -> tuple[str, str]:
    with pytest.raises(KmsError) as caught:
        core.call(operation, params, repo, env)
    return caught.value.code, caught.value.message


def encrypt(repo: core.InMemoryRepository, env: core.Env, key: Key, plaintext: bytes, **extra: Any) -> bytes:
    result = core.call("Encrypt", {"KeyId": key.key_id, "Plaintext": plaintext, **extra}, repo, env)
    return bytes(result.ciphertext_blob)


def set_state(repo: core.InMemoryRepository, key: Key, state: KeyState) -> Key:
    # A deletion date far ahead, so that the pending deletion does not complete during the test.
    changed = key._replace(key_state=state, deletion_date=4102444800.0 if state == KeyState.PendingDeletion else None)
    repo.put_key(changed)
    return changed


def rotate(repo: core.InMemoryRepository, key: Key, secret: bytes, material_id: str) -> Key:
    """Append a new current material, as a rotation does."""
    rotated = key._replace(materials=(*key.materials, KeyMaterial(material_id, secret, 1.0)))
    repo.put_key(rotated)
    return rotated


# ---------------------------------------------------------------- symmetric


def test_encrypt_decrypt_round_trip(repo: core.InMemoryRepository, env: core.Env) -> None:
    key = create(repo, env)
    context = {"purpose": "test", "tenant": "é"}
    result = core.call("Encrypt", {"KeyId": key.key_id, "Plaintext": b"hello", "EncryptionContext": context}, repo, env)
    blob = result.ciphertext_blob
    assert (result.key_id, result.encryption_algorithm) == (ARN + key.key_id, "SYMMETRIC_DEFAULT")
    # docs/decisions.md#ciphertext: version, key ID length, key ID, material ID, nonce, then ciphertext and tag.
    material = key.materials[0]
    assert blob[:38] == bytes([1, 36]) + key.key_id.encode()
    assert blob[38:70].hex() == material.material_id
    assert len(blob) == 98 + len(b"hello")
    decrypted = core.call("Decrypt", {"CiphertextBlob": blob, "EncryptionContext": context}, repo, env)
    assert decrypted == core.call(
        "Decrypt", {"CiphertextBlob": blob, "EncryptionContext": dict(reversed(context.items()))}, repo, env
    )
    assert decrypted._asdict() == {
        "key_id": ARN + key.key_id,
        "plaintext": b"hello",
        "encryption_algorithm": "SYMMETRIC_DEFAULT",
        "ciphertext_for_recipient": None,
        "key_material_id": material.material_id,
    }


def test_ciphertext_is_aes_256_gcm_over_header_and_context(repo: core.InMemoryRepository, env: core.Env) -> None:
    # Decrypting independently with the stored material shows exactly what is authenticated.
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    key = create(repo, env)
    blob = encrypt(repo, env, key, b"x" * 4096, EncryptionContext={"b": "2", "a": "1"})
    assert len(blob) == 4194
    aad = blob[:82] + b'{"a":"1","b":"2"}'
    assert AESGCM(key.materials[0].secret).decrypt(blob[70:82], blob[82:], aad) == b"x" * 4096


def test_each_encryption_uses_a_fresh_nonce(repo: core.InMemoryRepository, env: core.Env) -> None:
    key = create(repo, env)
    first, second = encrypt(repo, env, key, b"same"), encrypt(repo, env, key, b"same")
    assert first[70:82] != second[70:82]
    assert first != second


def test_decrypt_accepts_a_matching_key_id_in_every_form(repo: core.InMemoryRepository, env: core.Env) -> None:
    key = create(repo, env)
    core.call("CreateAlias", {"AliasName": "alias/mine", "TargetKeyId": key.key_id}, repo, env)
    blob = encrypt(repo, env, key, b"p")
    for form in (key.key_id, ARN + key.key_id, "alias/mine", "arn:aws:kms:us-west-2:111122223333:alias/mine"):
        assert core.call("Decrypt", {"CiphertextBlob": blob, "KeyId": form}, repo, env).plaintext == b"p"


def test_encrypt_through_an_alias_reports_the_key_arn(repo: core.InMemoryRepository, env: core.Env) -> None:
    key = create(repo, env)
    core.call("CreateAlias", {"AliasName": "alias/enc", "TargetKeyId": key.key_id}, repo, env)
    result = core.call("Encrypt", {"KeyId": "alias/enc", "Plaintext": b"p"}, repo, env)
    assert result.key_id == ARN + key.key_id


def test_rotated_key_decrypts_every_earlier_version(repo: core.InMemoryRepository, env: core.Env) -> None:
    key = create(repo, env)
    blobs = [encrypt(repo, env, key, b"v1")]
    key = rotate(repo, key, b"\x02" * 32, "02" * 32)
    blobs.append(encrypt(repo, env, key, b"v2"))
    key = rotate(repo, key, b"\x03" * 32, "03" * 32)
    blobs.append(encrypt(repo, env, key, b"v3"))
    assert [b[38:70].hex() for b in blobs] == [key.materials[0].material_id, "02" * 32, "03" * 32]
    decrypted = [core.call("Decrypt", {"CiphertextBlob": b}, repo, env) for b in blobs]
    assert [(d.plaintext, d.key_material_id) for d in decrypted] == [
        (b"v1", key.materials[0].material_id),
        (b"v2", "02" * 32),
        (b"v3", "03" * 32),
    ]


def test_decrypt_with_unknown_material_is_invalid_ciphertext(repo: core.InMemoryRepository, env: core.Env) -> None:
    key = create(repo, env)
    blob = encrypt(repo, env, key, b"p")
    repo.put_key(key._replace(materials=(KeyMaterial("ff" * 32, key.materials[0].secret, 1.0),)))
    assert error(repo, env, "Decrypt", {"CiphertextBlob": blob}) == ("InvalidCiphertextException", "")


def _flip(blob: bytes, index: int) -> bytes:
    return blob[:index] + bytes([blob[index] ^ 0x01]) + blob[index + 1 :]


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda b: _flip(b, 0), id="version"),
        pytest.param(lambda b: _flip(b, 1), id="key-id-length"),
        pytest.param(lambda b: b[:2] + b"_" + b[3:], id="key-id-not-an-id"),
        pytest.param(lambda b: _flip(b, 40), id="material-id"),
        pytest.param(lambda b: _flip(b, 75), id="nonce"),
        pytest.param(lambda b: _flip(b, 83), id="ciphertext"),
        pytest.param(lambda b: _flip(b, len(b) - 1), id="tag"),
        pytest.param(lambda b: b[:-1], id="truncated"),
        pytest.param(lambda b: b + b"\0", id="extended"),
        pytest.param(lambda b: b[:90], id="header-only"),
        pytest.param(lambda b: b"garbage", id="garbage"),
    ],
)
def test_tampered_ciphertext_is_refused(repo: core.InMemoryRepository, env: core.Env, tamper: Any) -> None:
    key = create(repo, env)
    blob = encrypt(repo, env, key, b"some secret text", EncryptionContext={"a": "b"})
    params = {"CiphertextBlob": tamper(blob), "EncryptionContext": {"a": "b"}}
    assert error(repo, env, "Decrypt", params) == ("InvalidCiphertextException", "")


def test_ciphertext_naming_an_unknown_key_is_not_found(repo: core.InMemoryRepository, env: core.Env) -> None:
    key = create(repo, env)
    blob = encrypt(repo, env, key, b"p")
    other_id = "0" * 8 + key.key_id[8:]
    forged = blob[:2] + other_id.encode() + blob[38:]
    assert error(repo, env, "Decrypt", {"CiphertextBlob": forged}) == (
        "NotFoundException",
        f"Key '{ARN}{other_id}' does not exist",
    )


@pytest.mark.parametrize(
    ("encrypted_with", "decrypted_with"),
    [
        pytest.param({"ab": "c"}, {"a": "bc"}, id="ab:c-vs-a:bc"),
        pytest.param({"a": "bc"}, {"ab": "c"}, id="a:bc-vs-ab:c"),
        pytest.param({"a": "b"}, None, id="missing"),
        pytest.param(None, {"a": "b"}, id="unexpected"),
        pytest.param({"a": "b"}, {"a": "b", "c": "d"}, id="extra-pair"),
        pytest.param({"a": "b", "c": "d"}, {"a": "b"}, id="missing-pair"),
        pytest.param({"a": "b"}, {"a": "B"}, id="value-case"),
        pytest.param({"a": "b"}, {"A": "b"}, id="key-case"),
        pytest.param({"a,b": "c"}, {"a": "b,c"}, id="separator-in-key"),
        pytest.param({"a": ""}, None, id="empty-value-vs-none"),
    ],
)
def test_wrong_encryption_context_is_refused(
    repo: core.InMemoryRepository,
    env: core.Env,
    encrypted_with: dict[str, str] | None,
    decrypted_with: dict[str, str] | None,
) -> None:
    key = create(repo, env)
    extra = {"EncryptionContext": encrypted_with} if encrypted_with is not None else {}
    blob = encrypt(repo, env, key, b"p", **extra)
    params: dict[str, Any] = {"CiphertextBlob": blob}
    if decrypted_with is not None:
        params["EncryptionContext"] = decrypted_with
    assert error(repo, env, "Decrypt", params) == ("InvalidCiphertextException", "")


def test_empty_context_equals_no_context(repo: core.InMemoryRepository, env: core.Env) -> None:
    key = create(repo, env)
    blob = encrypt(repo, env, key, b"p", EncryptionContext={})
    assert core.call("Decrypt", {"CiphertextBlob": blob}, repo, env).plaintext == b"p"


def test_decrypt_with_another_key_id_is_incorrect_key(repo: core.InMemoryRepository, env: core.Env) -> None:
    key, other = create(repo, env), create(repo, env)
    blob = encrypt(repo, env, key, b"p")
    assert error(repo, env, "Decrypt", {"CiphertextBlob": blob, "KeyId": other.key_id}) == (
        "IncorrectKeyException",
        INCORRECT_KEY,
    )


def test_wrong_key_material_cannot_decrypt(repo: core.InMemoryRepository, env: core.Env) -> None:
    # A blob moved onto another key (same material ID, other secret) fails authentication.
    key, other = create(repo, env), create(repo, env)
    blob = encrypt(repo, env, key, b"p")
    repo.put_key(other._replace(materials=(key.materials[0]._replace(secret=other.materials[0].secret),)))
    forged = blob[:2] + other.key_id.encode() + blob[38:]
    assert error(repo, env, "Decrypt", {"CiphertextBlob": forged}) == ("InvalidCiphertextException", "")


@pytest.mark.parametrize("algorithm", ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "SM2PKE"])
def test_symmetric_key_refuses_other_algorithms(repo: core.InMemoryRepository, env: core.Env, algorithm: str) -> None:
    key = create(repo, env)
    incompatible = (
        "InvalidKeyUsageException",
        f"Algorithm {algorithm} is incompatible with key spec SYMMETRIC_DEFAULT.",
    )
    params = {"KeyId": key.key_id, "Plaintext": b"p", "EncryptionAlgorithm": algorithm}
    assert error(repo, env, "Encrypt", params) == incompatible
    blob = encrypt(repo, env, key, b"p")
    assert error(repo, env, "Decrypt", {"CiphertextBlob": blob, "EncryptionAlgorithm": algorithm}) == incompatible


def test_plaintext_limits_of_symmetric_keys(repo: core.InMemoryRepository, env: core.Env) -> None:
    key = create(repo, env)
    assert len(encrypt(repo, env, key, b"x" * 4096)) == 4194
    assert error(repo, env, "Encrypt", {"KeyId": key.key_id, "Plaintext": b"x" * 4097}) == (
        "ValidationException",
        "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: "
        "Member must have length less than or equal to 4096",
    )


def test_decrypt_without_ciphertext(repo: core.InMemoryRepository, env: core.Env) -> None:
    assert error(repo, env, "Decrypt", {}) == ("ValidationException", "CiphertextBlob is required")


def test_decrypt_refuses_a_recipient(repo: core.InMemoryRepository, env: core.Env) -> None:
    key = create(repo, env)
    blob = encrypt(repo, env, key, b"p")
    params = {"CiphertextBlob": blob, "Recipient": {"KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256"}}
    assert error(repo, env, "Decrypt", params) == (
        "ValidationException",
        "Recipient (attestation document) is not supported by kmscli",
    )


# ---------------------------------------------------------------- RSA


@pytest.mark.parametrize(("spec", "algorithm"), list(RSA_LIMITS))
def test_rsa_round_trip_at_the_size_limit(
    repo: core.InMemoryRepository, env: core.Env, spec: str, algorithm: str
) -> None:
    key = create(repo, env, spec, "ENCRYPT_DECRYPT")
    limit = RSA_LIMITS[spec, algorithm]
    plaintext = bytes(range(256)) * 2
    result = core.call(
        "Encrypt", {"KeyId": key.key_id, "Plaintext": plaintext[:limit], "EncryptionAlgorithm": algorithm}, repo, env
    )
    assert (result.key_id, result.encryption_algorithm) == (ARN + key.key_id, algorithm)
    # Bare RSAES-OAEP: exactly the modulus size, decryptable by anyone holding the private key.
    assert len(result.ciphertext_blob) == int(spec[4:]) // 8
    private = serialization.load_der_private_key(key.materials[0].secret, None, unsafe_skip_rsa_key_validation=True)
    assert isinstance(private, rsa.RSAPrivateKey)
    h = hashes.SHA1() if algorithm.endswith("SHA_1") else hashes.SHA256()
    oaep = padding.OAEP(mgf=padding.MGF1(h), algorithm=h, label=None)
    assert private.decrypt(result.ciphertext_blob, oaep) == plaintext[:limit]
    decrypted = core.call(
        "Decrypt",
        {"CiphertextBlob": result.ciphertext_blob, "KeyId": key.key_id, "EncryptionAlgorithm": algorithm},
        repo,
        env,
    )
    assert decrypted._asdict() == {
        "key_id": ARN + key.key_id,
        "plaintext": plaintext[:limit],
        "encryption_algorithm": algorithm,
        "ciphertext_for_recipient": None,
        "key_material_id": None,
    }
    too_long = {"KeyId": key.key_id, "Plaintext": plaintext[: limit + 1], "EncryptionAlgorithm": algorithm}
    assert error(repo, env, "Encrypt", too_long) == (
        "ValidationException",
        f"Algorithm {algorithm} and key spec {spec} cannot encrypt data larger than {limit} bytes.",
    )


def test_rsa_needs_an_rsa_algorithm(repo: core.InMemoryRepository, env: core.Env) -> None:
    key = create(repo, env, "RSA_2048", "ENCRYPT_DECRYPT")
    incompatible = ("InvalidKeyUsageException", "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.")
    assert error(repo, env, "Encrypt", {"KeyId": key.key_id, "Plaintext": b"p"}) == incompatible
    blob = encrypt(repo, env, key, b"p", EncryptionAlgorithm="RSAES_OAEP_SHA_256")
    assert error(repo, env, "Decrypt", {"CiphertextBlob": blob, "KeyId": key.key_id}) == incompatible


def test_rsa_decrypt_with_the_other_oaep_hash_fails(repo: core.InMemoryRepository, env: core.Env) -> None:
    key = create(repo, env, "RSA_2048", "ENCRYPT_DECRYPT")
    blob = encrypt(repo, env, key, b"p", EncryptionAlgorithm="RSAES_OAEP_SHA_256")
    params = {"CiphertextBlob": blob, "KeyId": key.key_id, "EncryptionAlgorithm": "RSAES_OAEP_SHA_1"}
    assert error(repo, env, "Decrypt", params) == ("InvalidCiphertextException", "")


def test_rsa_ciphertext_needs_its_key_id(repo: core.InMemoryRepository, env: core.Env) -> None:
    key = create(repo, env, "RSA_2048", "ENCRYPT_DECRYPT")
    blob = encrypt(repo, env, key, b"p", EncryptionAlgorithm="RSAES_OAEP_SHA_1")
    params = {"CiphertextBlob": blob, "EncryptionAlgorithm": "RSAES_OAEP_SHA_1"}
    assert error(repo, env, "Decrypt", params) == ("InvalidCiphertextException", "")


@pytest.mark.parametrize("tamper", [lambda b: _flip(b, 100), lambda b: b[:-1]], ids=["flipped", "truncated"])
def test_tampered_rsa_ciphertext(repo: core.InMemoryRepository, env: core.Env, tamper: Any) -> None:
    key = create(repo, env, "RSA_2048", "ENCRYPT_DECRYPT")
    blob = encrypt(repo, env, key, b"p", EncryptionAlgorithm="RSAES_OAEP_SHA_1")
    params = {"CiphertextBlob": tamper(blob), "KeyId": key.key_id, "EncryptionAlgorithm": "RSAES_OAEP_SHA_1"}
    assert error(repo, env, "Decrypt", params) == ("InvalidCiphertextException", "")


def test_symmetric_ciphertext_with_an_rsa_key_id_is_incorrect_key(repo: core.InMemoryRepository, env: core.Env) -> None:
    key, rsa_key = create(repo, env), create(repo, env, "RSA_2048", "ENCRYPT_DECRYPT")
    blob = encrypt(repo, env, key, b"p")
    params = {"CiphertextBlob": blob, "KeyId": rsa_key.key_id, "EncryptionAlgorithm": "RSAES_OAEP_SHA_1"}
    assert error(repo, env, "Decrypt", params) == ("IncorrectKeyException", INCORRECT_KEY)


def test_rsa_refuses_encryption_context(repo: core.InMemoryRepository, env: core.Env) -> None:
    key = create(repo, env, "RSA_2048", "ENCRYPT_DECRYPT")
    params = {
        "KeyId": key.key_id,
        "Plaintext": b"p",
        "EncryptionAlgorithm": "RSAES_OAEP_SHA_1",
        "EncryptionContext": {"a": "b"},
    }
    assert error(repo, env, "Encrypt", params) == (
        "ValidationException",
        "EncryptionContext is not supported for asymmetric KMS keys",
    )


# ---------------------------------------------------------------- usage, state, DryRun


@pytest.mark.parametrize(
    ("spec", "usage"),
    [("RSA_2048", "SIGN_VERIFY"), ("HMAC_256", "GENERATE_VERIFY_MAC"), ("ECC_NIST_P256", "KEY_AGREEMENT")],
)
def test_encrypt_refuses_other_key_usages(repo: core.InMemoryRepository, env: core.Env, spec: str, usage: str) -> None:
    key = create(repo, env, spec, usage)
    for operation, params in (
        ("Encrypt", {"KeyId": key.key_id, "Plaintext": b"p"}),
        ("Decrypt", {"KeyId": key.key_id, "CiphertextBlob": b"c" * 100}),
    ):
        assert error(repo, env, operation, params) == (
            "InvalidKeyUsageException",
            f"{ARN}{key.key_id} key usage is {usage} which is not valid for {operation}.",
        )


@pytest.mark.parametrize(
    ("state", "code", "suffix"),
    [
        (KeyState.Disabled, "DisabledException", "is disabled."),
        (KeyState.PendingDeletion, "KMSInvalidStateException", "is pending deletion."),
        (KeyState.PendingImport, "KMSInvalidStateException", "is pending import."),
    ],
)
def test_unusable_key_states(
    repo: core.InMemoryRepository, env: core.Env, state: KeyState, code: str, suffix: str
) -> None:
    key, other = create(repo, env), create(repo, env)
    blob = encrypt(repo, env, key, b"p")
    other_blob = encrypt(repo, env, other, b"p")
    set_state(repo, key, state)
    expected = (code, f"{ARN}{key.key_id} {suffix}")
    assert error(repo, env, "Encrypt", {"KeyId": key.key_id, "Plaintext": b"p"}) == expected
    assert error(repo, env, "Decrypt", {"CiphertextBlob": blob}) == expected
    # ReEncrypt checks both keys: from the unusable key, and to it.
    assert error(repo, env, "ReEncrypt", {"CiphertextBlob": blob, "DestinationKeyId": other.key_id}) == expected
    assert error(repo, env, "ReEncrypt", {"CiphertextBlob": other_blob, "DestinationKeyId": key.key_id}) == expected


def test_dry_run_checks_everything_then_refuses(repo: core.InMemoryRepository, env: core.Env) -> None:
    key = create(repo, env)
    blob = encrypt(repo, env, key, b"p", EncryptionContext={"a": "b"})
    dry = ("DryRunOperationException", DRY_RUN)
    assert error(repo, env, "Encrypt", {"KeyId": key.key_id, "Plaintext": b"p", "DryRun": True}) == dry
    assert error(repo, env, "Decrypt", {"CiphertextBlob": blob, "EncryptionContext": {"a": "b"}, "DryRun": True}) == dry
    # Without IGNORE_CIPHERTEXT a dry run still authenticates the ciphertext.
    assert error(repo, env, "Decrypt", {"CiphertextBlob": blob, "DryRun": True}) == ("InvalidCiphertextException", "")
    ignoring = {"DryRun": True, "DryRunModifiers": ["IGNORE_CIPHERTEXT"]}
    assert error(repo, env, "Decrypt", {"KeyId": key.key_id, **ignoring}) == dry
    assert error(repo, env, "Decrypt", {"CiphertextBlob": b"junk", "KeyId": key.key_id, **ignoring}) == dry
    assert error(repo, env, "Decrypt", ignoring) == (
        "ValidationException",
        "KeyId is required when DryRunModifiers includes IGNORE_CIPHERTEXT",
    )
    assert error(repo, env, "ReEncrypt", {"DestinationKeyId": key.key_id, **ignoring}) == (
        "ValidationException",
        "SourceKeyId is required when DryRunModifiers includes IGNORE_CIPHERTEXT",
    )
    params = {"SourceKeyId": key.key_id, "DestinationKeyId": key.key_id, **ignoring}
    assert error(repo, env, "ReEncrypt", params) == dry
    # The modifier means nothing outside a dry run.
    assert error(repo, env, "Decrypt", {"KeyId": key.key_id, "DryRunModifiers": ["IGNORE_CIPHERTEXT"]}) == (
        "ValidationException",
        "CiphertextBlob is required",
    )
    # A dry run reports the first real problem instead.
    set_state(repo, key, KeyState.Disabled)
    assert error(repo, env, "Encrypt", {"KeyId": key.key_id, "Plaintext": b"p", "DryRun": True}) == (
        "DisabledException",
        f"{ARN}{key.key_id} is disabled.",
    )


# ---------------------------------------------------------------- ReEncrypt


def test_re_encrypt_between_symmetric_keys(repo: core.InMemoryRepository, env: core.Env) -> None:
    source, destination = create(repo, env), create(repo, env)
    blob = encrypt(repo, env, source, b"moving", EncryptionContext={"from": "a"})
    result = core.call(
        "ReEncrypt",
        {
            "CiphertextBlob": blob,
            "SourceEncryptionContext": {"from": "a"},
            "DestinationKeyId": destination.key_id,
            "DestinationEncryptionContext": {"to": "b"},
        },
        repo,
        env,
    )
    assert result._replace(ciphertext_blob=b"")._asdict() == {
        "ciphertext_blob": b"",
        "source_key_id": ARN + source.key_id,
        "key_id": ARN + destination.key_id,
        "source_encryption_algorithm": "SYMMETRIC_DEFAULT",
        "destination_encryption_algorithm": "SYMMETRIC_DEFAULT",
        "source_key_material_id": source.materials[0].material_id,
        "destination_key_material_id": destination.materials[0].material_id,
    }
    assert result.ciphertext_blob[2:38] == destination.key_id.encode()
    decrypted = core.call(
        "Decrypt", {"CiphertextBlob": result.ciphertext_blob, "EncryptionContext": {"to": "b"}}, repo, env
    )
    assert (decrypted.key_id, decrypted.plaintext) == (ARN + destination.key_id, b"moving")
    # The old context no longer opens it.
    params = {"CiphertextBlob": result.ciphertext_blob, "EncryptionContext": {"from": "a"}}
    assert error(repo, env, "Decrypt", params) == ("InvalidCiphertextException", "")


def test_re_encrypt_refreshes_to_the_current_material(repo: core.InMemoryRepository, env: core.Env) -> None:
    key = create(repo, env)
    blob = encrypt(repo, env, key, b"p")
    rotate(repo, key, b"\x09" * 32, "09" * 32)
    result = core.call("ReEncrypt", {"CiphertextBlob": blob, "DestinationKeyId": key.key_id}, repo, env)
    assert (result.source_key_material_id, result.destination_key_material_id) == (
        key.materials[0].material_id,
        "09" * 32,
    )


def test_re_encrypt_symmetric_to_rsa_and_back(repo: core.InMemoryRepository, env: core.Env) -> None:
    symmetric, rsa_key = create(repo, env), create(repo, env, "RSA_3072", "ENCRYPT_DECRYPT")
    blob = encrypt(repo, env, symmetric, b"p" * 318)
    to_rsa = core.call(
        "ReEncrypt",
        {
            "CiphertextBlob": blob,
            "DestinationKeyId": rsa_key.key_id,
            "DestinationEncryptionAlgorithm": "RSAES_OAEP_SHA_256",
        },
        repo,
        env,
    )
    assert (to_rsa.destination_encryption_algorithm, to_rsa.destination_key_material_id) == ("RSAES_OAEP_SHA_256", None)
    back = core.call(
        "ReEncrypt",
        {
            "CiphertextBlob": to_rsa.ciphertext_blob,
            "SourceKeyId": rsa_key.key_id,
            "SourceEncryptionAlgorithm": "RSAES_OAEP_SHA_256",
            "DestinationKeyId": symmetric.key_id,
        },
        repo,
        env,
    )
    assert (back.source_key_id, back.source_encryption_algorithm, back.source_key_material_id) == (
        ARN + rsa_key.key_id,
        "RSAES_OAEP_SHA_256",
        None,
    )
    assert core.call("Decrypt", {"CiphertextBlob": back.ciphertext_blob}, repo, env).plaintext == b"p" * 318
    # RSA's size limit applies to the destination.
    big = encrypt(repo, env, symmetric, b"p" * 319)
    params = {
        "CiphertextBlob": big,
        "DestinationKeyId": rsa_key.key_id,
        "DestinationEncryptionAlgorithm": "RSAES_OAEP_SHA_256",
    }
    assert error(repo, env, "ReEncrypt", params) == (
        "ValidationException",
        "Algorithm RSAES_OAEP_SHA_256 and key spec RSA_3072 cannot encrypt data larger than 318 bytes.",
    )


def test_re_encrypt_errors(repo: core.InMemoryRepository, env: core.Env) -> None:
    key, other = create(repo, env), create(repo, env)
    signing = create(repo, env, "ECC_NIST_P256", "SIGN_VERIFY")
    blob = encrypt(repo, env, key, b"p")
    assert error(
        repo, env, "ReEncrypt", {"CiphertextBlob": blob, "SourceKeyId": other.key_id, "DestinationKeyId": key.key_id}
    ) == (
        "IncorrectKeyException",
        INCORRECT_KEY,
    )
    assert error(repo, env, "ReEncrypt", {"CiphertextBlob": blob, "DestinationKeyId": signing.key_id}) == (
        "InvalidKeyUsageException",
        f"{ARN}{signing.key_id} key usage is SIGN_VERIFY which is not valid for ReEncrypt.",
    )
    assert error(
        repo,
        env,
        "ReEncrypt",
        {"CiphertextBlob": blob, "SourceEncryptionContext": {"x": "y"}, "DestinationKeyId": key.key_id},
    ) == ("InvalidCiphertextException", "")
    assert error(repo, env, "ReEncrypt", {"CiphertextBlob": blob, "DestinationKeyId": "alias/none"}) == (
        "NotFoundException",
        "Alias arn:aws:kms:us-west-2:111122223333:alias/none is not found.",
    )
    assert error(repo, env, "ReEncrypt", {"CiphertextBlob": blob, "DestinationKeyId": key.key_id, "DryRun": True}) == (
        "DryRunOperationException",
        DRY_RUN,
    )


def test_rotate_key_on_demand_keeps_old_ciphertexts_readable(repo: core.InMemoryRepository, env: core.Env) -> None:
    key = create(repo, env)
    before = encrypt(repo, env, key, b"before", EncryptionContext={"v": "1"})
    core.call("RotateKeyOnDemand", {"KeyId": key.key_id}, repo, env)
    rotated = repo.get_key(key.key_id)
    assert rotated is not None
    assert rotated.materials[0] == key.materials[0]
    assert len(rotated.materials) == 2
    after = encrypt(repo, env, rotated, b"after")
    assert after[38:70].hex() == rotated.materials[1].material_id != before[38:70].hex()
    old = core.call("Decrypt", {"CiphertextBlob": before, "EncryptionContext": {"v": "1"}}, repo, env)
    new = core.call("Decrypt", {"CiphertextBlob": after}, repo, env)
    assert (old.plaintext, old.key_material_id) == (b"before", key.materials[0].material_id)
    assert (new.plaintext, new.key_material_id) == (b"after", rotated.materials[1].material_id)


@pytest.mark.parametrize(("spec", "usage"), [("HMAC_256", "GENERATE_VERIFY_MAC"), ("ECC_NIST_P256", "SIGN_VERIFY")])
def test_a_key_id_of_another_usage_is_compared_with_the_ciphertext_first(
    repo: core.InMemoryRepository, env: core.Env, spec: str, usage: str
) -> None:
    # AWS checks the KeyId against the ciphertext before the key's usage: IncorrectKeyException
    # (https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html, "Errors" and KeyId;
    # the message is the one KMS answers for a KeyId that does not match).
    key, other = create(repo, env), create(repo, env, spec, usage)
    blob = encrypt(repo, env, key, b"p")
    assert error(repo, env, "Decrypt", {"CiphertextBlob": blob, "KeyId": other.key_id}) == (
        "IncorrectKeyException",
        INCORRECT_KEY,
    )
    params = {"CiphertextBlob": blob, "SourceKeyId": other.key_id, "DestinationKeyId": key.key_id}
    assert error(repo, env, "ReEncrypt", params) == ("IncorrectKeyException", INCORRECT_KEY)
