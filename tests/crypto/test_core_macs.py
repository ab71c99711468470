"""GenerateMac, VerifyMac, DeriveSharedSecret, Encapsulate, Decapsulate."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from kmscli import core
from kmscli.core.errors import KmsError
from kmscli.core.model import Key, KeyState

ARN = "arn:aws:kms:us-west-2:111122223333:key/"
DRY_RUN = "The request would have succeeded, but the DryRun option is set."
MACS = [
    ("HMAC_224", "HMAC_SHA_224", hashlib.sha224, 28),
    ("HMAC_256", "HMAC_SHA_256", hashlib.sha256, 32),
    ("HMAC_384", "HMAC_SHA_384", hashlib.sha384, 48),
    ("HMAC_512", "HMAC_SHA_512", hashlib.sha512, 64),
]


def create(repo: core.InMemoryRepository, env: core.Env, spec: str, usage: str | None) -> Key:
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


def spki(public: ec.EllipticCurvePublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


# ---------------------------------------------------------------- MACs


@pytest.mark.parametrize(("spec", "algorithm", "digest", "size"), MACS)
def test_mac_round_trip(
    repo: core.InMemoryRepository, env: core.Env, spec: str, algorithm: str, digest: Any, size: int
) -> None:
    key = create(repo, env, spec, "GENERATE_VERIFY_MAC")
    # The key material is as long as the hash output.
    assert len(key.materials[0].secret) == size
    result = core.call("GenerateMac", {"KeyId": key.key_id, "Message": b"msg", "MacAlgorithm": algorithm}, repo, env)
    assert result._asdict() == {
        "mac": hmac.new(key.materials[0].secret, b"msg", digest).digest(),
        "mac_algorithm": algorithm,
        "key_id": ARN + key.key_id,
    }
    assert len(result.mac) == size
    params = {"KeyId": key.key_id, "Message": b"msg", "MacAlgorithm": algorithm, "Mac": result.mac}
    assert core.call("VerifyMac", params, repo, env)._asdict() == {
        "key_id": ARN + key.key_id,
        "mac_valid": True,
        "mac_algorithm": algorithm,
    }
    for bad in ({"Message": b"msh"}, {"Mac": result.mac[:-1]}, {"Mac": bytes([result.mac[0] ^ 1]) + result.mac[1:]}):
        assert error(repo, env, "VerifyMac", {**params, **bad}) == ("KMSInvalidMacException", "")


def test_mac_of_another_key_does_not_verify(repo: core.InMemoryRepository, env: core.Env) -> None:
    key, other = (
        create(repo, env, "HMAC_256", "GENERATE_VERIFY_MAC"),
        create(repo, env, "HMAC_256", "GENERATE_VERIFY_MAC"),
    )
    params = {"Message": b"msg", "MacAlgorithm": "HMAC_SHA_256"}
    mac = core.call("GenerateMac", {"KeyId": key.key_id, **params}, repo, env).mac
    assert error(repo, env, "VerifyMac", {"KeyId": other.key_id, "Mac": mac, **params}) == (
        "KMSInvalidMacException",
        "",
    )


@pytest.mark.parametrize("operation", ["GenerateMac", "VerifyMac"])
def test_mac_refusals(repo: core.InMemoryRepository, env: core.Env, operation: str) -> None:
    key = create(repo, env, "HMAC_224", "GENERATE_VERIFY_MAC")
    symmetric = create(repo, env, "SYMMETRIC_DEFAULT", None)
    extra = {"Mac": b"m" * 28} if operation == "VerifyMac" else {}
    base = {"Message": b"msg", **extra}
    assert error(repo, env, operation, {"KeyId": key.key_id, "MacAlgorithm": "HMAC_SHA_256", **base}) == (
        "InvalidKeyUsageException",
        "Algorithm HMAC_SHA_256 is incompatible with key spec HMAC_224.",
    )
    assert error(repo, env, operation, {"KeyId": symmetric.key_id, "MacAlgorithm": "HMAC_SHA_256", **base}) == (
        "InvalidKeyUsageException",
        f"{ARN}{symmetric.key_id} key usage is ENCRYPT_DECRYPT which is not valid for {operation}.",
    )
    code, message = error(repo, env, operation, {"KeyId": key.key_id, "MacAlgorithm": "HMAC_SHA_1", **base})
    assert (code, message.split(" [")[0]) == (
        "ValidationException",
        "1 validation error detected: Value 'HMAC_SHA_1' at 'macAlgorithm' failed to satisfy constraint: "
        "Member must satisfy enum value set:",
    )
    params = {"KeyId": key.key_id, "MacAlgorithm": "HMAC_SHA_224", **base}
    assert error(repo, env, operation, {**params, "DryRun": True}) == ("DryRunOperationException", DRY_RUN)
    repo.put_key(key._replace(key_state=KeyState.Disabled))
    assert error(repo, env, operation, params) == ("DisabledException", f"{ARN}{key.key_id} is disabled.")
    repo.put_key(key._replace(key_state=KeyState.PendingDeletion, deletion_date=4102444800.0))
    assert error(repo, env, operation, params) == (
        "KMSInvalidStateException",
        f"{ARN}{key.key_id} is pending deletion.",
    )


# ---------------------------------------------------------------- DeriveSharedSecret


@pytest.mark.parametrize(
    ("spec", "curve", "size"),
    [("ECC_NIST_P256", ec.SECP256R1, 32), ("ECC_NIST_P384", ec.SECP384R1, 48), ("ECC_NIST_P521", ec.SECP521R1, 66)],
)
def test_derive_shared_secret_matches_the_peer(
    repo: core.InMemoryRepository, env: core.Env, spec: str, curve: Any, size: int
) -> None:
    key = create(repo, env, spec, "KEY_AGREEMENT")
    peer = ec.generate_private_key(curve())
    result = core.call(
        "DeriveSharedSecret",
        {"KeyId": key.key_id, "KeyAgreementAlgorithm": "ECDH", "PublicKey": spki(peer.public_key())},
        repo,
        env,
    )
    ours = serialization.load_der_public_key(core.call("GetPublicKey", {"KeyId": key.key_id}, repo, env).public_key)
    assert isinstance(ours, ec.EllipticCurvePublicKey)
    assert result._asdict() == {
        "key_id": ARN + key.key_id,
        "shared_secret": peer.exchange(ec.ECDH(), ours),
        "key_agreement_algorithm": "ECDH",
        "key_origin": "AWS_KMS",
        "ciphertext_for_recipient": None,
    }
    assert len(result.shared_secret) == size


def test_derive_shared_secret_refusals(repo: core.InMemoryRepository, env: core.Env) -> None:
    key = create(repo, env, "ECC_NIST_P256", "KEY_AGREEMENT")
    signing = create(repo, env, "ECC_NIST_P256", "SIGN_VERIFY")
    peer = spki(ec.generate_private_key(ec.SECP256R1()).public_key())
    base = {"KeyAgreementAlgorithm": "ECDH", "PublicKey": peer}
    assert error(repo, env, "DeriveSharedSecret", {"KeyId": signing.key_id, **base}) == (
        "InvalidKeyUsageException",
        f"{ARN}{signing.key_id} key usage is SIGN_VERIFY which is not valid for DeriveSharedSecret.",
    )
    other_curve = spki(ec.generate_private_key(ec.SECP384R1()).public_key())
    for bad in (b"not a key", other_curve, peer[:-1]):
        params = {"KeyId": key.key_id, **base, "PublicKey": bad}
        assert error(repo, env, "DeriveSharedSecret", params) == ("ValidationException", "")
    assert error(repo, env, "DeriveSharedSecret", {"KeyId": key.key_id, **base, "KeyAgreementAlgorithm": "X25519"}) == (
        "ValidationException",
        "1 validation error detected: Value 'X25519' at 'keyAgreementAlgorithm' failed to satisfy constraint: "
        "Member must satisfy enum value set: [ECDH]",
    )
    assert error(repo, env, "DeriveSharedSecret", {"KeyId": key.key_id, **base, "DryRun": True}) == (
        "DryRunOperationException",
        DRY_RUN,
    )
    repo.put_key(key._replace(key_state=KeyState.Disabled))
    assert error(repo, env, "DeriveSharedSecret", {"KeyId": key.key_id, **base}) == (
        "DisabledException",
        f"{ARN}{key.key_id} is disabled.",
    )


# ---------------------------------------------------------------- Encapsulate, Decapsulate


@pytest.mark.parametrize(("spec", "size"), [("ML_KEM_768", 1088), ("ML_KEM_1024", 1568)])
def test_encapsulate_decapsulate(repo: core.InMemoryRepository, env: core.Env, spec: str, size: int) -> None:
    key = create(repo, env, spec, "ENCAPSULATE_DECAPSULATE")
    encapsulated = core.call("Encapsulate", {"KeyId": key.key_id, "EncapsulationAlgorithm": "ML_KEM"}, repo, env)
    assert (encapsulated.key_id, encapsulated.encapsulation_algorithm) == (ARN + key.key_id, "ML_KEM")
    assert (len(encapsulated.shared_secret), len(encapsulated.shared_secret_ciphertext_blob)) == (32, size)
    # Anyone can encapsulate with the public key; KMS decapsulates what they send.
    public: Any = serialization.load_der_public_key(
        core.call("GetPublicKey", {"KeyId": key.key_id}, repo, env).public_key
    )
    outside_secret, outside_ciphertext = public.encapsulate()
    for secret, ciphertext in (
        (encapsulated.shared_secret, encapsulated.shared_secret_ciphertext_blob),
        (outside_secret, outside_ciphertext),
    ):
        params = {"KeyId": key.key_id, "SharedSecretCiphertextBlob": ciphertext, "EncapsulationAlgorithm": "ML_KEM"}
        assert core.call("Decapsulate", params, repo, env)._asdict() == {
            "key_id": ARN + key.key_id,
            "shared_secret": secret,
            "encapsulation_algorithm": "ML_KEM",
        }
    params = {"KeyId": key.key_id, "SharedSecretCiphertextBlob": b"c" * (size - 1), "EncapsulationAlgorithm": "ML_KEM"}
    assert error(repo, env, "Decapsulate", params) == ("InvalidCiphertextException", "")
    # ML-KEM rejects a tampered ciphertext implicitly: a different secret, not an error.
    tampered = (
        bytes([encapsulated.shared_secret_ciphertext_blob[0] ^ 1]) + encapsulated.shared_secret_ciphertext_blob[1:]
    )
    params = {**params, "SharedSecretCiphertextBlob": tampered}
    assert core.call("Decapsulate", params, repo, env).shared_secret != encapsulated.shared_secret


def test_encapsulation_refusals(repo: core.InMemoryRepository, env: core.Env) -> None:
    key = create(repo, env, "ML_KEM_768", "ENCAPSULATE_DECAPSULATE")
    symmetric = create(repo, env, "SYMMETRIC_DEFAULT", None)
    decapsulate = {"SharedSecretCiphertextBlob": b"c" * 1088, "EncapsulationAlgorithm": "ML_KEM"}
    for operation, extra in (("Encapsulate", {"EncapsulationAlgorithm": "ML_KEM"}), ("Decapsulate", decapsulate)):
        assert error(repo, env, operation, {"KeyId": symmetric.key_id, **extra}) == (
            "InvalidKeyUsageException",
            f"{ARN}{symmetric.key_id} key usage is ENCRYPT_DECRYPT which is not valid for {operation}.",
        )
        assert error(repo, env, operation, {"KeyId": key.key_id, "DryRun": True, **extra}) == (
            "DryRunOperationException",
            DRY_RUN,
        )
    repo.put_key(key._replace(key_state=KeyState.PendingDeletion, deletion_date=4102444800.0))
    assert error(repo, env, "Encapsulate", {"KeyId": key.key_id, "EncapsulationAlgorithm": "ML_KEM"}) == (
        "KMSInvalidStateException",
        f"{ARN}{key.key_id} is pending deletion.",
    )
