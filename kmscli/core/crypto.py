"""The only user of `cryptography`: key generation (and, later, every cryptographic operation).

Bytes in, bytes out. Imported lazily, so commands that need no cryptography never pay for it.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, mldsa, mlkem, rsa

_CURVES = {
    "ECC_NIST_P256": ec.SECP256R1,
    "ECC_NIST_P384": ec.SECP384R1,
    "ECC_NIST_P521": ec.SECP521R1,
    "ECC_SECG_P256K1": ec.SECP256K1,
}


def generate_private_key(key_spec: str) -> bytes:
    """A fresh private key of `key_spec` as unencrypted PKCS#8 DER."""
    key: object
    if key_spec.startswith("RSA_"):
        key = rsa.generate_private_key(public_exponent=65537, key_size=int(key_spec[4:]))
    elif key_spec in _CURVES:
        key = ec.generate_private_key(_CURVES[key_spec]())
    elif key_spec == "ECC_NIST_EDWARDS25519":
        key = ed25519.Ed25519PrivateKey.generate()
    elif key_spec == "ML_DSA_44":
        key = mldsa.MLDSA44PrivateKey.generate()
    elif key_spec == "ML_DSA_65":
        key = mldsa.MLDSA65PrivateKey.generate()
    elif key_spec == "ML_DSA_87":
        key = mldsa.MLDSA87PrivateKey.generate()
    elif key_spec == "ML_KEM_768":
        key = mlkem.MLKEM768PrivateKey.generate()
    elif key_spec == "ML_KEM_1024":
        key = mlkem.MLKEM1024PrivateKey.generate()
    else:
        raise ValueError(f"cannot generate {key_spec}")
    return key.private_bytes(  # type: ignore[attr-defined]  # every branch has private_bytes
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
