"""The cryptographic building blocks: Ed25519ph, the symmetric ciphertext format, crypto.py's primitives."""

from __future__ import annotations

import hashlib
import os

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from kmscli.core import crypto, ed25519ph
from kmscli.core.encryption import canonical_context, parse_blob

# RFC 8032 §7.3, the Ed25519ph test vector.
RFC_SEED = bytes.fromhex("833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42")
RFC_PUBLIC = bytes.fromhex("ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf")
RFC_SIGNATURE = bytes.fromhex(
    "98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae41"
    "31f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406"
)
ABC_DIGEST = hashlib.sha512(b"abc").digest()


# ---------------------------------------------------------------- Ed25519ph


def test_ed25519ph_matches_the_rfc_8032_vector() -> None:
    assert ed25519ph.public_key(RFC_SEED) == RFC_PUBLIC
    assert ed25519ph.sign(RFC_SEED, ABC_DIGEST) == RFC_SIGNATURE
    assert ed25519ph.verify(RFC_PUBLIC, ABC_DIGEST, RFC_SIGNATURE) is True


@pytest.mark.parametrize(
    ("public", "digest", "signature"),
    [
        pytest.param(RFC_PUBLIC, hashlib.sha512(b"abd").digest(), RFC_SIGNATURE, id="other-message"),
        pytest.param(RFC_PUBLIC, ABC_DIGEST, RFC_SIGNATURE[:63], id="short-signature"),
        pytest.param(RFC_PUBLIC, ABC_DIGEST, bytes([RFC_SIGNATURE[0] ^ 1]) + RFC_SIGNATURE[1:], id="other-R"),
        pytest.param(RFC_PUBLIC, ABC_DIGEST, RFC_SIGNATURE[:32] + b"\xff" * 32, id="S-not-reduced"),
        pytest.param(b"\xff" * 32, ABC_DIGEST, RFC_SIGNATURE, id="public-key-not-a-point"),
        pytest.param(ed25519ph.public_key(b"\x01" * 32), ABC_DIGEST, RFC_SIGNATURE, id="other-key"),
    ],
)
def test_ed25519ph_rejects(public: bytes, digest: bytes, signature: bytes) -> None:
    assert ed25519ph.verify(public, digest, signature) is False


def test_ed25519ph_is_not_pure_ed25519() -> None:
    # The dom2 prefix separates the two schemes: neither signature verifies as the other.
    pure = ed25519.Ed25519PrivateKey.from_private_bytes(RFC_SEED).sign(ABC_DIGEST)
    assert ed25519ph.verify(RFC_PUBLIC, ABC_DIGEST, pure) is False
    assert ed25519ph.verify(RFC_PUBLIC, ABC_DIGEST, RFC_SIGNATURE, prehashed=False) is False


@pytest.mark.parametrize("size", [0, 1, 64, 1000])
def test_ed25519_arithmetic_agrees_with_cryptography(size: int) -> None:
    # With no dom2 prefix the same code is pure Ed25519, which `cryptography` signs deterministically.
    seed, message = os.urandom(32), os.urandom(size)
    key = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
    assert ed25519ph.public_key(seed) == key.public_key().public_bytes_raw()
    assert ed25519ph.sign(seed, message, prehashed=False) == key.sign(message)
    assert ed25519ph.verify(ed25519ph.public_key(seed), message, key.sign(message), prehashed=False) is True


def test_ed25519ph_agrees_with_pycryptodome() -> None:
    eddsa = pytest.importorskip("Crypto.Signature.eddsa")
    from Crypto.Hash import SHA512
    from Crypto.PublicKey import ECC

    seed, message = os.urandom(32), b"an independent implementation of HashEdDSA"
    theirs = eddsa.new(ECC.construct(curve="Ed25519", seed=seed), "rfc8032").sign(SHA512.new(message))
    assert ed25519ph.sign(seed, hashlib.sha512(message).digest()) == theirs


# ------------------------------------------ the symmetric ciphertext format (docs/decisions.md#ciphertext)


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        pytest.param(None, b"", id="absent"),
        pytest.param({}, b"", id="empty"),
        pytest.param({"b": "2", "a": "1"}, b'{"a":"1","b":"2"}', id="sorted-compact"),
        pytest.param({"ab": "c"}, b'{"ab":"c"}', id="ab:c"),
        pytest.param({"a": "bc"}, b'{"a":"bc"}', id="a:bc"),
        pytest.param({"k": 'é"x'}, '{"k":"é\\"x"}'.encode(), id="utf8-and-quotes"),
    ],
)
def test_canonical_context(context: dict[str, str] | None, expected: bytes) -> None:
    assert canonical_context(context) == expected


def test_parse_blob_reads_the_layout() -> None:
    key_id = "1234abcd-12ab-34cd-56ef-1234567890ab"
    material, nonce, sealed = bytes(range(32)), b"N" * 12, b"S" * 21
    blob = bytes([1, 36]) + key_id.encode() + material + nonce + sealed
    parsed = parse_blob(blob)
    assert parsed is not None
    assert parsed._asdict() == {
        "key_id": key_id,
        "material_id": material.hex(),
        "nonce": nonce,
        "sealed": sealed,
        "header": blob[:82],
    }


@pytest.mark.parametrize(
    "blob",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"\x01", id="one-byte"),
        pytest.param(bytes([2, 36]) + b"1234abcd-12ab-34cd-56ef-1234567890ab" + b"\0" * 60, id="version-2"),
        pytest.param(bytes([1, 36]) + b"1234abcd-12ab-34cd-56ef-1234567890ab" + b"\0" * 59, id="no-room-for-tag"),
        pytest.param(bytes([1, 36]) + b"1234abcd_12ab-34cd-56ef-1234567890ab" + b"\0" * 60, id="not-a-key-id"),
        pytest.param(bytes([1, 36]) + b"1234ABCD-12ab-34cd-56ef-1234567890ab" + b"\0" * 60, id="upper-case-id"),
        pytest.param(bytes([1, 36]) + "1234abcd-12ab-34cd-56ef-1234567890é".encode() + b"\0" * 60, id="not-ascii"),
        pytest.param(b"\x00" * 256, id="rsa-sized-zeros"),
    ],
)
def test_parse_blob_refuses(blob: bytes) -> None:
    assert parse_blob(blob) is None


# ---------------------------------------------------------------- primitives


def test_aes_gcm_authenticates_key_nonce_data_and_aad() -> None:
    key, nonce = os.urandom(32), os.urandom(12)
    sealed = crypto.aes_gcm_seal(key, nonce, b"secret", b"aad")
    assert len(sealed) == len(b"secret") + 16
    assert crypto.aes_gcm_open(key, nonce, sealed, b"aad") == b"secret"
    assert crypto.aes_gcm_open(key, nonce, sealed, b"aac") is None
    assert crypto.aes_gcm_open(os.urandom(32), nonce, sealed, b"aad") is None
    assert crypto.aes_gcm_open(key, os.urandom(12), sealed, b"aad") is None
    assert crypto.aes_gcm_open(key, nonce, bytes([sealed[0] ^ 1]) + sealed[1:], b"aad") is None
    assert crypto.aes_gcm_open(key, nonce, sealed[:10], b"aad") is None


def test_ecdh_refuses_unusable_peer_keys(private_keys) -> None:
    ours = private_keys("ECC_NIST_P256")
    other_curve = crypto.public_key_der(private_keys("ECC_NIST_P384"))
    ed = crypto.public_key_der(private_keys("ECC_NIST_EDWARDS25519"))
    assert crypto.ecdh(ours, b"not DER") is None
    assert crypto.ecdh(ours, other_curve) is None
    assert crypto.ecdh(ours, ed) is None
    peer = ec.generate_private_key(ec.SECP256R1())
    from cryptography.hazmat.primitives import serialization

    peer_der = peer.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    ours_public = serialization.load_der_public_key(crypto.public_key_der(ours))
    assert isinstance(ours_public, ec.EllipticCurvePublicKey)
    assert crypto.ecdh(ours, peer_der) == peer.exchange(ec.ECDH(), ours_public)


def test_mlkem_round_trip_and_wrong_size(private_keys) -> None:
    key = private_keys("ML_KEM_768")
    secret, ciphertext = crypto.mlkem_encapsulate(key)
    assert (len(secret), len(ciphertext)) == (32, 1088)
    assert crypto.mlkem_decapsulate(key, ciphertext) == secret
    assert crypto.mlkem_decapsulate(key, ciphertext[:-1]) is None
