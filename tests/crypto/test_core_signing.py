"""Sign, Verify and GetPublicKey through core.call.

Every signature is also checked outside kmscli with the public key GetPublicKey returns, so a
signature that only kmscli's own Verify accepts would fail here.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, utils

from kmscli import core
from kmscli.core.errors import KmsError
from kmscli.core.keyspecs import KEY_SPECS
from kmscli.core.model import Key, KeyMaterial, KeyState, KeyUsage

ARN = "arn:aws:kms:us-west-2:111122223333:key/"
DRY_RUN = "The request would have succeeded, but the DryRun option is set."
MESSAGE = b"The quick brown fox jumps over the lazy dog"
HASHES = {"256": hashlib.sha256, "384": hashlib.sha384, "512": hashlib.sha512}
SIGNATURE_HASHES: dict[str, hashes.HashAlgorithm] = {
    "256": hashes.SHA256(),
    "384": hashes.SHA384(),
    "512": hashes.SHA512(),
}


def _message_types(algorithm: str) -> list[str]:
    if algorithm == "ML_DSA_SHAKE_256":
        return ["RAW", "EXTERNAL_MU"]
    if algorithm == "ED25519_SHA_512":
        return ["RAW"]
    if algorithm == "ED25519_PH_SHA_512":
        return ["DIGEST"]
    return ["RAW", "DIGEST"]


# Every signing key spec, each of its algorithms, each message type that algorithm takes.
CASES = [
    pytest.param(spec.name, algorithm, message_type, id=f"{spec.name}-{algorithm}-{message_type}")
    for spec in KEY_SPECS.values()
    for algorithm in spec.usages.get(KeyUsage.SIGN_VERIFY, ())
    for message_type in _message_types(algorithm)
]


def create(repo: core.InMemoryRepository, env: core.Env, spec: str, usage: str | None = "SIGN_VERIFY") -> Key:
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


def external_mu(public_der: bytes, message: bytes) -> bytes:
    """FIPS 204 μ for pure ML-DSA with an empty context: SHAKE256(SHAKE256(pk, 64) || 0 || 0 || M, 64)."""
    public: Any = serialization.load_der_public_key(public_der)
    tr = hashlib.shake_256(public.public_bytes_raw()).digest(64)
    return hashlib.shake_256(tr + b"\x00\x00" + message).digest(64)


def kms_message(algorithm: str, message_type: str, public_der: bytes) -> bytes:
    """What a caller passes as Message to sign MESSAGE with `message_type`."""
    if message_type == "DIGEST":
        return HASHES[algorithm[-3:]](MESSAGE).digest()
    if message_type == "EXTERNAL_MU":
        return external_mu(public_der, MESSAGE)
    return MESSAGE


def verify_outside(algorithm: str, public_der: bytes, signature: bytes) -> None:
    """Verify a signature over MESSAGE as any other library would; raises if it does not verify."""
    public: Any = serialization.load_der_public_key(public_der)
    if algorithm.startswith("RSASSA_"):
        h = SIGNATURE_HASHES[algorithm[-3:]]
        pad: padding.AsymmetricPadding = (
            padding.PSS(mgf=padding.MGF1(h), salt_length=h.digest_size) if "_PSS_" in algorithm else padding.PKCS1v15()
        )
        public.verify(signature, MESSAGE, pad, h)
    elif algorithm.startswith("ECDSA_"):
        h = SIGNATURE_HASHES[algorithm[-3:]]
        utils.decode_dss_signature(signature)  # DER Ecdsa-Sig-Value
        public.verify(signature, MESSAGE, ec.ECDSA(h))
    elif algorithm == "ED25519_PH_SHA_512":
        eddsa = pytest.importorskip("Crypto.Signature.eddsa")
        from Crypto.Hash import SHA512
        from Crypto.PublicKey import ECC

        eddsa.new(ECC.import_key(public_der), "rfc8032").verify(SHA512.new(MESSAGE), signature)
    else:
        # Ed25519 and ML-DSA sign the message itself (ML-DSA with an empty context).
        public.verify(signature, MESSAGE)


# ---------------------------------------------------------------- round trips


@pytest.mark.parametrize(("spec", "algorithm", "message_type"), CASES)
def test_sign_verify_round_trip(
    repo: core.InMemoryRepository, env: core.Env, spec: str, algorithm: str, message_type: str
) -> None:
    key = create(repo, env, spec)
    public_der = core.call("GetPublicKey", {"KeyId": key.key_id}, repo, env).public_key
    message = kms_message(algorithm, message_type, public_der)
    signed = core.call(
        "Sign",
        {"KeyId": key.key_id, "Message": message, "MessageType": message_type, "SigningAlgorithm": algorithm},
        repo,
        env,
    )
    assert (signed.key_id, signed.signing_algorithm) == (ARN + key.key_id, algorithm)
    verify_outside(algorithm, public_der, signed.signature)
    params = {"KeyId": key.key_id, "Message": message, "MessageType": message_type, "SigningAlgorithm": algorithm}
    verified = core.call("Verify", {**params, "Signature": signed.signature}, repo, env)
    assert verified._asdict() == {"key_id": ARN + key.key_id, "signature_valid": True, "signing_algorithm": algorithm}
    # A flipped bit, a truncated signature and another message all fail, as an exception.
    for bad in (
        {"Signature": bytes([signed.signature[0] ^ 1]) + signed.signature[1:]},
        {"Signature": signed.signature[:-1]},
        {"Signature": signed.signature, "Message": bytes([message[0] ^ 1]) + message[1:]},
    ):
        assert error(repo, env, "Verify", {**params, **bad}) == ("KMSInvalidSignatureException", "")


@pytest.mark.parametrize(
    ("spec", "algorithm"),
    [
        ("RSA_2048", "RSASSA_PKCS1_V1_5_SHA_256"),
        ("RSA_2048", "RSASSA_PSS_SHA_512"),
        ("ECC_NIST_P384", "ECDSA_SHA_384"),
        ("ECC_SECG_P256K1", "ECDSA_SHA_256"),
    ],
)
def test_raw_and_digest_verify_alike(repo: core.InMemoryRepository, env: core.Env, spec: str, algorithm: str) -> None:
    # A digest is never hashed again: signing MESSAGE or its digest gives interchangeable signatures.
    key = create(repo, env, spec)
    digest = HASHES[algorithm[-3:]](MESSAGE).digest()
    base = {"KeyId": key.key_id, "SigningAlgorithm": algorithm}
    raw_signature = core.call("Sign", {**base, "Message": MESSAGE}, repo, env).signature
    digest_signature = core.call("Sign", {**base, "Message": digest, "MessageType": "DIGEST"}, repo, env).signature
    for signature in (raw_signature, digest_signature):
        assert core.call("Verify", {**base, "Message": MESSAGE, "Signature": signature}, repo, env).signature_valid
        verify_digest = {**base, "Message": digest, "MessageType": "DIGEST", "Signature": signature}
        assert core.call("Verify", verify_digest, repo, env).signature_valid
    # Signing the digest as RAW hashes it twice, which verifies only as a RAW signature of the digest.
    twice = core.call("Sign", {**base, "Message": digest}, repo, env).signature
    assert error(repo, env, "Verify", {**base, "Message": MESSAGE, "Signature": twice}) == (
        "KMSInvalidSignatureException",
        "",
    )


def test_ml_dsa_raw_and_external_mu_verify_alike(repo: core.InMemoryRepository, env: core.Env) -> None:
    key = create(repo, env, "ML_DSA_65")
    public_der = core.call("GetPublicKey", {"KeyId": key.key_id}, repo, env).public_key
    mu = external_mu(public_der, MESSAGE)
    base = {"KeyId": key.key_id, "SigningAlgorithm": "ML_DSA_SHAKE_256"}
    raw_signature = core.call("Sign", {**base, "Message": MESSAGE}, repo, env).signature
    verify_mu = {**base, "Message": mu, "MessageType": "EXTERNAL_MU", "Signature": raw_signature}
    assert core.call("Verify", verify_mu, repo, env).signature_valid is True


def test_rsa_pss_salt_is_as_long_as_the_digest(repo: core.InMemoryRepository, env: core.Env) -> None:
    key = create(repo, env, "RSA_2048")
    signature = core.call(
        "Sign", {"KeyId": key.key_id, "Message": MESSAGE, "SigningAlgorithm": "RSASSA_PSS_SHA_384"}, repo, env
    ).signature
    public: Any = serialization.load_der_public_key(
        core.call("GetPublicKey", {"KeyId": key.key_id}, repo, env).public_key
    )
    h = hashes.SHA384()
    public.verify(signature, MESSAGE, padding.PSS(mgf=padding.MGF1(h), salt_length=48), h)
    with pytest.raises(InvalidSignature):
        public.verify(signature, MESSAGE, padding.PSS(mgf=padding.MGF1(h), salt_length=32), h)


def test_verify_with_another_key_fails(repo: core.InMemoryRepository, env: core.Env) -> None:
    key, other = create(repo, env, "ECC_NIST_P256"), create(repo, env, "ECC_NIST_P256")
    # The session's key cache hands out one key per spec; give the second key its own.
    repo.put_key(other._replace(materials=(KeyMaterial("ab" * 32, core.generate_private_key("ECC_NIST_P256"), 1.0),)))
    base = {"Message": MESSAGE, "SigningAlgorithm": "ECDSA_SHA_256"}
    signature = core.call("Sign", {"KeyId": key.key_id, **base}, repo, env).signature
    params = {"KeyId": other.key_id, "Signature": signature, **base}
    assert error(repo, env, "Verify", params) == ("KMSInvalidSignatureException", "")


def test_garbage_signatures_are_invalid_not_errors(repo: core.InMemoryRepository, env: core.Env) -> None:
    for spec, algorithm in (
        ("ECC_NIST_P521", "ECDSA_SHA_512"),
        ("ECC_NIST_EDWARDS25519", "ED25519_SHA_512"),
        ("ML_DSA_44", "ML_DSA_SHAKE_256"),
        ("RSA_2048", "RSASSA_PSS_SHA_256"),
    ):
        key = create(repo, env, spec)
        params = {"KeyId": key.key_id, "Message": MESSAGE, "SigningAlgorithm": algorithm, "Signature": b"\x30garbage"}
        assert error(repo, env, "Verify", params) == ("KMSInvalidSignatureException", "")


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("spec", "algorithm", "message_type", "size"),
    [
        ("RSA_2048", "RSASSA_PKCS1_V1_5_SHA_256", "DIGEST", 31),
        ("RSA_2048", "RSASSA_PKCS1_V1_5_SHA_384", "DIGEST", 32),
        ("RSA_2048", "RSASSA_PSS_SHA_512", "DIGEST", 48),
        ("ECC_NIST_P256", "ECDSA_SHA_256", "DIGEST", 33),
        ("ECC_NIST_P384", "ECDSA_SHA_384", "DIGEST", 64),
        ("ECC_NIST_P521", "ECDSA_SHA_512", "DIGEST", 32),
        ("ECC_NIST_EDWARDS25519", "ED25519_PH_SHA_512", "DIGEST", 32),
        ("ML_DSA_44", "ML_DSA_SHAKE_256", "EXTERNAL_MU", 32),
    ],
)
def test_wrong_digest_length(
    repo: core.InMemoryRepository, env: core.Env, spec: str, algorithm: str, message_type: str, size: int
) -> None:
    key = create(repo, env, spec)
    params = {"KeyId": key.key_id, "Message": b"d" * size, "MessageType": message_type, "SigningAlgorithm": algorithm}
    expected = ("ValidationException", f"Digest is invalid length for algorithm {algorithm}.")
    assert error(repo, env, "Sign", params) == expected
    assert error(repo, env, "Verify", {**params, "Signature": b"s" * 64}) == expected


@pytest.mark.parametrize(
    ("spec", "algorithm", "message_type"),
    [
        ("ECC_NIST_EDWARDS25519", "ED25519_SHA_512", "DIGEST"),
        ("ECC_NIST_EDWARDS25519", "ED25519_SHA_512", "EXTERNAL_MU"),
        ("ECC_NIST_EDWARDS25519", "ED25519_PH_SHA_512", "RAW"),
        ("ML_DSA_87", "ML_DSA_SHAKE_256", "DIGEST"),
        ("RSA_2048", "RSASSA_PSS_SHA_256", "EXTERNAL_MU"),
        ("ECC_NIST_P256", "ECDSA_SHA_256", "EXTERNAL_MU"),
    ],
)
def test_message_type_not_supported(
    repo: core.InMemoryRepository, env: core.Env, spec: str, algorithm: str, message_type: str
) -> None:
    key = create(repo, env, spec)
    params = {"KeyId": key.key_id, "Message": b"m" * 64, "MessageType": message_type, "SigningAlgorithm": algorithm}
    expected = (
        "ValidationException",
        f"MessageType {message_type} is not supported for signing algorithm {algorithm}.",
    )
    assert error(repo, env, "Sign", params) == expected
    assert error(repo, env, "Verify", {**params, "Signature": b"s" * 64}) == expected


@pytest.mark.parametrize(
    ("spec", "algorithm"),
    [
        ("RSA_2048", "ECDSA_SHA_256"),
        ("ECC_NIST_P256", "ECDSA_SHA_384"),
        ("ECC_NIST_P384", "RSASSA_PSS_SHA_384"),
        ("ECC_NIST_EDWARDS25519", "ECDSA_SHA_512"),
        ("ML_DSA_44", "ED25519_SHA_512"),
        ("ECC_SECG_P256K1", "SM2DSA"),
    ],
)
def test_incompatible_algorithm(repo: core.InMemoryRepository, env: core.Env, spec: str, algorithm: str) -> None:
    key = create(repo, env, spec)
    params = {"KeyId": key.key_id, "Message": MESSAGE, "SigningAlgorithm": algorithm}
    expected = ("InvalidKeyUsageException", f"Algorithm {algorithm} is incompatible with key spec {spec}.")
    assert error(repo, env, "Sign", params) == expected
    assert error(repo, env, "Verify", {**params, "Signature": b"s"}) == expected


@pytest.mark.parametrize(
    ("spec", "usage"),
    [
        ("SYMMETRIC_DEFAULT", None),
        ("RSA_4096", "ENCRYPT_DECRYPT"),
        ("HMAC_384", "GENERATE_VERIFY_MAC"),
        ("ECC_NIST_P521", "KEY_AGREEMENT"),
    ],
)
def test_sign_refuses_other_key_usages(
    repo: core.InMemoryRepository, env: core.Env, spec: str, usage: str | None
) -> None:
    key = create(repo, env, spec, usage)
    params = {"KeyId": key.key_id, "Message": MESSAGE, "SigningAlgorithm": "RSASSA_PSS_SHA_256"}
    for operation, extra in (("Sign", {}), ("Verify", {"Signature": b"s"})):
        assert error(repo, env, operation, {**params, **extra}) == (
            "InvalidKeyUsageException",
            f"{ARN}{key.key_id} key usage is {usage or 'ENCRYPT_DECRYPT'} which is not valid for {operation}.",
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
    key = create(repo, env, "ECC_NIST_P256")
    repo.put_key(key._replace(key_state=state, deletion_date=4102444800.0))
    params = {"KeyId": key.key_id, "Message": MESSAGE, "SigningAlgorithm": "ECDSA_SHA_256"}
    expected = (code, f"{ARN}{key.key_id} {suffix}")
    assert error(repo, env, "Sign", params) == expected
    assert error(repo, env, "Verify", {**params, "Signature": b"s"}) == expected
    assert error(repo, env, "GetPublicKey", {"KeyId": key.key_id}) == expected


def test_dry_run(repo: core.InMemoryRepository, env: core.Env) -> None:
    key = create(repo, env, "ECC_NIST_P256")
    params = {"KeyId": key.key_id, "Message": MESSAGE, "SigningAlgorithm": "ECDSA_SHA_256", "DryRun": True}
    assert error(repo, env, "Sign", params) == ("DryRunOperationException", DRY_RUN)
    # A dry run checks the request, not the signature.
    assert error(repo, env, "Verify", {**params, "Signature": b"s"}) == ("DryRunOperationException", DRY_RUN)
    bad_digest = {**params, "MessageType": "DIGEST"}
    assert error(repo, env, "Sign", bad_digest) == (
        "ValidationException",
        "Digest is invalid length for algorithm ECDSA_SHA_256.",
    )


def test_message_size_limit(repo: core.InMemoryRepository, env: core.Env) -> None:
    key = create(repo, env, "ECC_NIST_P256")
    params = {"KeyId": key.key_id, "Message": b"m" * 4097, "SigningAlgorithm": "ECDSA_SHA_256"}
    assert error(repo, env, "Sign", params) == (
        "ValidationException",
        "1 validation error detected: Value at 'message' failed to satisfy constraint: "
        "Member must have length less than or equal to 4096",
    )
    signed = core.call("Sign", {**params, "Message": b"m" * 4096}, repo, env)
    assert len(utils.decode_dss_signature(signed.signature)) == 2


# ---------------------------------------------------------------- GetPublicKey

ASYMMETRIC = [
    pytest.param(spec.name, usage.value, id=f"{spec.name}-{usage.value}")
    for spec in KEY_SPECS.values()
    if spec.kind == "ASYMMETRIC" and spec.name != "ML_KEM_512"
    for usage in spec.usages
]


@pytest.mark.parametrize(("spec", "usage"), ASYMMETRIC)
def test_get_public_key(repo: core.InMemoryRepository, env: core.Env, spec: str, usage: str) -> None:
    key = create(repo, env, spec, usage)
    core.call("CreateAlias", {"AliasName": "alias/pub", "TargetKeyId": key.key_id}, repo, env)
    result = core.call("GetPublicKey", {"KeyId": "alias/pub"}, repo, env)
    private = serialization.load_der_private_key(key.materials[0].secret, None, unsafe_skip_rsa_key_validation=True)
    expected_der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    info = KEY_SPECS[spec]
    member = {
        "ENCRYPT_DECRYPT": "encryption_algorithms",
        "SIGN_VERIFY": "signing_algorithms",
        "KEY_AGREEMENT": "key_agreement_algorithms",
        "ENCAPSULATE_DECAPSULATE": "encapsulation_algorithms",
    }[usage]
    expected = {
        "key_id": ARN + key.key_id,
        "public_key": expected_der,
        "customer_master_key_spec": spec if info.legacy else None,
        "key_spec": spec,
        "key_usage": usage,
        "encryption_algorithms": None,
        "signing_algorithms": None,
        "key_agreement_algorithms": None,
        "encapsulation_algorithms": None,
        member: info.usages[KeyUsage(usage)],
    }
    assert result._asdict() == expected


@pytest.mark.parametrize(("spec", "usage"), [("SYMMETRIC_DEFAULT", None), ("HMAC_256", "GENERATE_VERIFY_MAC")])
def test_get_public_key_of_a_symmetric_key(
    repo: core.InMemoryRepository, env: core.Env, spec: str, usage: str | None
) -> None:
    key = create(repo, env, spec, usage)
    assert error(repo, env, "GetPublicKey", {"KeyId": key.key_id}) == (
        "UnsupportedOperationException",
        f"{ARN}{key.key_id} key spec is {spec} which is not valid for GetPublicKey.",
    )


def test_get_public_key_of_an_unknown_key(repo: core.InMemoryRepository, env: core.Env) -> None:
    missing = "1234abcd-12ab-34cd-56ef-1234567890ab"
    assert error(repo, env, "GetPublicKey", {"KeyId": missing}) == (
        "NotFoundException",
        f"Key '{ARN}{missing}' does not exist",
    )
