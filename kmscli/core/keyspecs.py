"""One table: KeySpec → allowed key usages → the algorithm list KMS reports for that usage.

As AWS's key spec reference lists them. The algorithm lists are printed in exactly this order.
"""

from __future__ import annotations

from .model import KeyUsage
from .tuples import NamedTuple

_RSA_ENCRYPT = ("RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256")
_RSA_SIGN = (
    "RSASSA_PKCS1_V1_5_SHA_256",
    "RSASSA_PKCS1_V1_5_SHA_384",
    "RSASSA_PKCS1_V1_5_SHA_512",
    "RSASSA_PSS_SHA_256",
    "RSASSA_PSS_SHA_384",
    "RSASSA_PSS_SHA_512",
)


class KeySpecInfo(NamedTuple):
    name: str
    # usage → algorithms, in the order KMS lists them
    usages: dict[KeyUsage, tuple[str, ...]]
    # Present in the legacy CustomerMasterKeySpec enum, so KeyMetadata repeats it there.
    legacy: bool
    # The kind compared by UpdateAlias ("same key type"): SYMMETRIC, HMAC or ASYMMETRIC.
    kind: str


def _spec(name: str, kind: str, legacy: bool, **usages: tuple[str, ...]) -> KeySpecInfo:
    return KeySpecInfo(name, {KeyUsage(u): algs for u, algs in usages.items()}, legacy, kind)


KEY_SPECS: dict[str, KeySpecInfo] = {
    s.name: s
    for s in (
        _spec("SYMMETRIC_DEFAULT", "SYMMETRIC", True, ENCRYPT_DECRYPT=("SYMMETRIC_DEFAULT",)),
        _spec("HMAC_224", "HMAC", True, GENERATE_VERIFY_MAC=("HMAC_SHA_224",)),
        _spec("HMAC_256", "HMAC", True, GENERATE_VERIFY_MAC=("HMAC_SHA_256",)),
        _spec("HMAC_384", "HMAC", True, GENERATE_VERIFY_MAC=("HMAC_SHA_384",)),
        _spec("HMAC_512", "HMAC", True, GENERATE_VERIFY_MAC=("HMAC_SHA_512",)),
        _spec("RSA_2048", "ASYMMETRIC", True, ENCRYPT_DECRYPT=_RSA_ENCRYPT, SIGN_VERIFY=_RSA_SIGN),
        _spec("RSA_3072", "ASYMMETRIC", True, ENCRYPT_DECRYPT=_RSA_ENCRYPT, SIGN_VERIFY=_RSA_SIGN),
        _spec("RSA_4096", "ASYMMETRIC", True, ENCRYPT_DECRYPT=_RSA_ENCRYPT, SIGN_VERIFY=_RSA_SIGN),
        _spec("ECC_NIST_P256", "ASYMMETRIC", True, SIGN_VERIFY=("ECDSA_SHA_256",), KEY_AGREEMENT=("ECDH",)),
        _spec("ECC_NIST_P384", "ASYMMETRIC", True, SIGN_VERIFY=("ECDSA_SHA_384",), KEY_AGREEMENT=("ECDH",)),
        _spec("ECC_NIST_P521", "ASYMMETRIC", True, SIGN_VERIFY=("ECDSA_SHA_512",), KEY_AGREEMENT=("ECDH",)),
        _spec("ECC_SECG_P256K1", "ASYMMETRIC", True, SIGN_VERIFY=("ECDSA_SHA_256",)),
        _spec("ECC_NIST_EDWARDS25519", "ASYMMETRIC", False, SIGN_VERIFY=("ED25519_SHA_512", "ED25519_PH_SHA_512")),
        _spec("ML_DSA_44", "ASYMMETRIC", False, SIGN_VERIFY=("ML_DSA_SHAKE_256",)),
        _spec("ML_DSA_65", "ASYMMETRIC", False, SIGN_VERIFY=("ML_DSA_SHAKE_256",)),
        _spec("ML_DSA_87", "ASYMMETRIC", False, SIGN_VERIFY=("ML_DSA_SHAKE_256",)),
        _spec("ML_KEM_512", "ASYMMETRIC", False, ENCAPSULATE_DECAPSULATE=("ML_KEM",)),
        _spec("ML_KEM_768", "ASYMMETRIC", False, ENCAPSULATE_DECAPSULATE=("ML_KEM",)),
        _spec("ML_KEM_1024", "ASYMMETRIC", False, ENCAPSULATE_DECAPSULATE=("ML_KEM",)),
    )
}

# Key specs KMS accepts in some partitions that kmscli does not emulate (docs/decisions.md#scope).
CHINA_ONLY = frozenset({"SM2"})
# Key specs that `cryptography` cannot generate: refused with UnsupportedOperationException.
UNGENERATABLE = frozenset({"ML_KEM_512"})

# Which KeyMetadata member carries the algorithm list of each usage.
ALGORITHM_MEMBER: dict[KeyUsage, str] = {
    KeyUsage.ENCRYPT_DECRYPT: "encryption_algorithms",
    KeyUsage.SIGN_VERIFY: "signing_algorithms",
    KeyUsage.KEY_AGREEMENT: "key_agreement_algorithms",
    KeyUsage.ENCAPSULATE_DECAPSULATE: "encapsulation_algorithms",
    KeyUsage.GENERATE_VERIFY_MAC: "mac_algorithms",
}

# Lengths (bytes) of the raw secret of symmetric and HMAC keys: what KMS generates, which is also
# the least it imports, and the most it imports. Asymmetric keys hold PKCS#8 instead.
SECRET_BYTES = {
    "SYMMETRIC_DEFAULT": (32, 32),
    "HMAC_224": (28, 64),
    "HMAC_256": (32, 64),
    "HMAC_384": (48, 128),
    "HMAC_512": (64, 128),
}
SYMMETRIC_MATERIAL_BYTES = {spec: generated for spec, (generated, _) in SECRET_BYTES.items()}
