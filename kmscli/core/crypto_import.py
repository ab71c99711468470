"""The cryptography of importing key material: wrapping key pairs, unwrapping, checking private keys.

Bytes in, bytes out, as crypto.py: failures that KMS reports (a blob that does not unwrap,
material that is no key of the right kind) come back as None, never as a `cryptography`
exception. Imported lazily by imported_material.py, so no other command pays for it.
"""

from __future__ import annotations

from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap_with_padding

from .crypto import CURVES, ML_DSA, oaep, public_key_der

__all__ = ["private_key_material", "public_key_der", "unwrap"]


def unwrap(private_der: bytes, algorithm: str, wrapped: bytes) -> bytes | None:
    """The key material inside `wrapped`, or None when it does not unwrap with this key and algorithm.

    RSAES_OAEP_SHA_*: the material itself, RSA-OAEP encrypted (MGF1 on the same hash, empty label).
    RSA_AES_KEY_WRAP_SHA_* (PKCS#11 CKM_RSA_AES_KEY_WRAP): an RSA-OAEP encrypted AES key, exactly one
    modulus long, followed by the material under that key with AES key wrap with padding (RFC 5649).
    """
    key: Any = serialization.load_der_private_key(private_der, password=None)
    size = key.key_size // 8
    try:
        if algorithm.startswith("RSAES_OAEP_"):
            return bytes(key.decrypt(wrapped, oaep(algorithm)))
        if len(wrapped) <= size:
            return None
        aes_key = key.decrypt(wrapped[:size], oaep(algorithm))
        return bytes(aes_key_unwrap_with_padding(aes_key, wrapped[size:]))
    except (ValueError, InvalidUnwrap):
        return None


def private_key_material(key_spec: str, der: bytes) -> bytes | None:
    """`der` as canonical PKCS#8 DER if it is a private key of exactly `key_spec`, else None.

    Re-encoding makes the stored material (and the material ID derived from it) the same whatever
    equivalent DER encoding the importer used.
    """
    try:
        key: Any = serialization.load_der_private_key(der, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return None
    if key_spec.startswith("RSA_"):
        fits = isinstance(key, rsa.RSAPrivateKey) and key.key_size == int(key_spec[4:])
    elif key_spec in CURVES:
        fits = isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, CURVES[key_spec])
    elif key_spec == "ECC_NIST_EDWARDS25519":
        fits = isinstance(key, ed25519.Ed25519PrivateKey)
    elif key_spec in ML_DSA:
        fits = isinstance(key, ML_DSA[key_spec])
    else:
        fits = False
    if not fits:
        return None
    return bytes(
        key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
