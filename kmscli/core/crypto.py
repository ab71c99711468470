"""Key generation and every cryptographic operation on stored keys, with `cryptography`.

Bytes in, bytes out: keys arrive as the stored material (raw AES bytes, PKCS#8 DER), results
leave as bytes, and failures that KMS reports (a forged signature, a tampered ciphertext, an
unusable peer key) come back as False or None, never as a `cryptography` exception. Imported
lazily (inside functions), so commands that need no cryptography never pay for it.
"""

from __future__ import annotations

from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, mldsa, mlkem, padding, rsa, utils
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from . import ed25519ph

# The curve of each ECC key spec, and the key class of each ML-DSA key spec (crypto_import.py too).
CURVES: dict[str, type[ec.EllipticCurve]] = {
    "ECC_NIST_P256": ec.SECP256R1,
    "ECC_NIST_P384": ec.SECP384R1,
    "ECC_NIST_P521": ec.SECP521R1,
    "ECC_SECG_P256K1": ec.SECP256K1,
}
ML_DSA: dict[str, type[mldsa.MLDSA44PrivateKey | mldsa.MLDSA65PrivateKey | mldsa.MLDSA87PrivateKey]] = {
    "ML_DSA_44": mldsa.MLDSA44PrivateKey,
    "ML_DSA_65": mldsa.MLDSA65PrivateKey,
    "ML_DSA_87": mldsa.MLDSA87PrivateKey,
}


def generate_private_key(key_spec: str) -> bytes:
    """A fresh private key of `key_spec` as unencrypted PKCS#8 DER."""
    key: Any
    if key_spec.startswith("RSA_"):
        key = rsa.generate_private_key(public_exponent=65537, key_size=int(key_spec[4:]))
    elif key_spec in CURVES:
        key = ec.generate_private_key(CURVES[key_spec]())
    elif key_spec == "ECC_NIST_EDWARDS25519":
        key = ed25519.Ed25519PrivateKey.generate()
    elif key_spec in ML_DSA:
        key = ML_DSA[key_spec].generate()
    elif key_spec == "ML_KEM_768":
        key = mlkem.MLKEM768PrivateKey.generate()
    elif key_spec == "ML_KEM_1024":
        key = mlkem.MLKEM1024PrivateKey.generate()
    else:
        raise ValueError(f"cannot generate {key_spec}")
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return bytes(der)


def _private(der: bytes) -> Any:
    # Stored material is kmscli's own, checked when it was generated or imported; validating an
    # RSA key again costs up to 0.6 s (RSA_4096) on every command that uses it.
    return serialization.load_der_private_key(der, password=None, unsafe_skip_rsa_key_validation=True)


def public_key_der(private_der: bytes) -> bytes:
    """The DER SubjectPublicKeyInfo of a PKCS#8 private key, as GetPublicKey returns it."""
    public = _private(private_der).public_key()
    return bytes(public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))


# ---------------------------------------------------------------- symmetric


def aes_gcm_seal(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """AES-GCM ciphertext followed by its 16-byte tag."""
    return AESGCM(key).encrypt(nonce, plaintext, aad)


def aes_gcm_open(key: bytes, nonce: bytes, sealed: bytes, aad: bytes) -> bytes | None:
    """The plaintext, or None when the tag does not authenticate (tampering, wrong AAD, wrong key)."""
    try:
        return AESGCM(key).decrypt(nonce, sealed, aad)
    except (InvalidTag, ValueError):
        return None


# ---------------------------------------------------------------- RSAES-OAEP


def _hash(algorithm: str) -> hashes.HashAlgorithm:
    """The hash an algorithm name ends in: ..._SHA_1, ..._SHA_256, ..._SHA_384, ..._SHA_512."""
    bits = algorithm.rsplit("_", 1)[1]
    return {"1": hashes.SHA1(), "256": hashes.SHA256(), "384": hashes.SHA384(), "512": hashes.SHA512()}[bits]


def oaep(algorithm: str) -> padding.OAEP:
    """RSA-OAEP as KMS uses it: MGF1 on the algorithm's own hash, an empty label."""
    h = _hash(algorithm)
    return padding.OAEP(mgf=padding.MGF1(h), algorithm=h, label=None)


def rsa_encrypt(private_der: bytes, algorithm: str, plaintext: bytes) -> bytes:
    """RSAES-OAEP with MGF1 on the same hash and an empty label (RSAES_OAEP_SHA_1 / _SHA_256)."""
    return bytes(_private(private_der).public_key().encrypt(plaintext, oaep(algorithm)))


def rsa_decrypt(private_der: bytes, algorithm: str, ciphertext: bytes) -> bytes | None:
    try:
        return bytes(_private(private_der).decrypt(ciphertext, oaep(algorithm)))
    except ValueError:
        return None


# ---------------------------------------------------------------- signatures
# message_type is RAW (the algorithm hashes `message`), DIGEST (`message` is the hash already)
# or EXTERNAL_MU (ML-DSA's 64-byte message representative). The caller has checked that the
# algorithm suits the key and the message type suits the algorithm.


def _rsa_padding(algorithm: str) -> padding.AsymmetricPadding:
    if algorithm.startswith("RSASSA_PSS_"):
        h = _hash(algorithm)
        # KMS's PSS salt is as long as the digest.
        return padding.PSS(mgf=padding.MGF1(h), salt_length=h.digest_size)
    return padding.PKCS1v15()


def _prehash(algorithm: str, message_type: str) -> hashes.HashAlgorithm | utils.Prehashed:
    h = _hash(algorithm)
    return utils.Prehashed(h) if message_type == "DIGEST" else h


def sign(private_der: bytes, algorithm: str, message: bytes, message_type: str) -> bytes:
    key = _private(private_der)
    if algorithm.startswith("RSASSA_"):
        return bytes(key.sign(message, _rsa_padding(algorithm), _prehash(algorithm, message_type)))
    if algorithm.startswith("ECDSA_"):
        # DER-encoded Ecdsa-Sig-Value, as KMS returns it.
        return bytes(key.sign(message, ec.ECDSA(_prehash(algorithm, message_type))))
    if algorithm == "ED25519_SHA_512":
        return bytes(key.sign(message))
    if algorithm == "ED25519_PH_SHA_512":
        return ed25519ph.sign(key.private_bytes_raw(), message)
    if algorithm == "ML_DSA_SHAKE_256":
        return bytes(key.sign_mu(message) if message_type == "EXTERNAL_MU" else key.sign(message))
    raise ValueError(f"cannot sign with {algorithm}")


def verify(private_der: bytes, algorithm: str, message: bytes, message_type: str, signature: bytes) -> bool:
    public = _private(private_der).public_key()
    try:
        if algorithm.startswith("RSASSA_"):
            public.verify(signature, message, _rsa_padding(algorithm), _prehash(algorithm, message_type))
        elif algorithm.startswith("ECDSA_"):
            public.verify(signature, message, ec.ECDSA(_prehash(algorithm, message_type)))
        elif algorithm == "ED25519_SHA_512":
            public.verify(signature, message)
        elif algorithm == "ED25519_PH_SHA_512":
            return ed25519ph.verify(public.public_bytes_raw(), message, signature)
        elif algorithm == "ML_DSA_SHAKE_256":
            if message_type == "EXTERNAL_MU":
                public.verify_mu(signature, message)
            else:
                public.verify(signature, message)
        else:
            raise ValueError(f"cannot verify {algorithm}")
    except InvalidSignature:
        return False
    return True


# ---------------------------------------------------------------- key agreement, encapsulation


def ecdh(private_der: bytes, peer_public_der: bytes) -> bytes | None:
    """The raw ECDH shared secret (the x-coordinate), or None if the peer key is no point of our curve."""
    key = _private(private_der)
    try:
        peer = serialization.load_der_public_key(peer_public_der)
    except (ValueError, UnsupportedAlgorithm):
        return None
    if not isinstance(peer, ec.EllipticCurvePublicKey) or peer.curve.name != key.curve.name:
        return None
    return bytes(key.exchange(ec.ECDH(), peer))


def mlkem_encapsulate(private_der: bytes) -> tuple[bytes, bytes]:
    """(shared secret, ciphertext) under the public half of an ML-KEM key."""
    shared, ciphertext = _private(private_der).public_key().encapsulate()
    return bytes(shared), bytes(ciphertext)


def mlkem_decapsulate(private_der: bytes, ciphertext: bytes) -> bytes | None:
    """The shared secret; None for a ciphertext of the wrong size (ML-KEM rejects others implicitly)."""
    try:
        return bytes(_private(private_der).decapsulate(ciphertext))
    except ValueError:
        return None
