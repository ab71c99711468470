"""DeriveSharedSecret, Encapsulate and Decapsulate: secrets shared with a peer.

ECDH gives the raw shared x-coordinate, as any ECDH implementation derives it from the peer's
private key and this key's public key. ML-KEM (FIPS 203) encapsulates a 32-byte secret under
the public key; Decapsulate recovers it with the private key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .api import operation
from .crypto_checks import current_material, refuse_recipient, usable_key
from .dry_run import dry_run
from .errors import InvalidCiphertextException, ValidationException
from .granttokens import check_grant_tokens
from .model import KeyUsage
from .ports import Access
from .tuples import NamedTuple

if TYPE_CHECKING:
    from .env import Env
    from .ports import Repository

# The size of an ML-KEM ciphertext, by key spec (FIPS 203 Table 3).
_MLKEM_CIPHERTEXT_BYTES = {"ML_KEM_512": 768, "ML_KEM_768": 1088, "ML_KEM_1024": 1568}


# ---------------------------------------------------------------- DeriveSharedSecret


class DeriveSharedSecretRequest(NamedTuple):
    key_id: str
    key_agreement_algorithm: str
    public_key: bytes
    grant_tokens: tuple[str, ...] | None = None
    dry_run: bool | None = None
    recipient: dict[str, Any] | None = None


class DeriveSharedSecretResult(NamedTuple):
    key_id: str
    shared_secret: bytes
    key_agreement_algorithm: str
    key_origin: str
    ciphertext_for_recipient: None = None


@operation(DeriveSharedSecretRequest, access=Access.WRITES)  # records the key's last use (usage.py)
def derive_shared_secret(repo: Repository, env: Env, req: DeriveSharedSecretRequest) -> DeriveSharedSecretResult:
    """ECDH between this key's private key and a peer's public key (DER SubjectPublicKeyInfo).

    https://docs.aws.amazon.com/kms/latest/APIReference/API_DeriveSharedSecret.html
    """
    check_grant_tokens(repo, req.grant_tokens)
    from . import crypto

    refuse_recipient(req.recipient)
    key = usable_key(repo, env, req.key_id, KeyUsage.KEY_AGREEMENT)
    secret = crypto.ecdh(current_material(key).secret, req.public_key)
    if secret is None:
        # KMS answers an unusable peer key (not DER, not a point of this curve) with no message.
        raise ValidationException("")
    dry_run(req.dry_run)
    return DeriveSharedSecretResult(
        key_id=key.arn,
        shared_secret=secret,
        key_agreement_algorithm=req.key_agreement_algorithm,
        key_origin=key.origin,
    )


# ---------------------------------------------------------------- Encapsulate, Decapsulate


class EncapsulateRequest(NamedTuple):
    key_id: str
    encapsulation_algorithm: str
    grant_tokens: tuple[str, ...] | None = None
    dry_run: bool | None = None


class EncapsulateResult(NamedTuple):
    key_id: str
    shared_secret: bytes
    shared_secret_ciphertext_blob: bytes
    encapsulation_algorithm: str


@operation(EncapsulateRequest, access=Access.WRITES)  # records the key's last use (usage.py)
def encapsulate(repo: Repository, env: Env, req: EncapsulateRequest) -> EncapsulateResult:
    """A fresh shared secret and its ML-KEM ciphertext under an ENCAPSULATE_DECAPSULATE key.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_Encapsulate.html
    """
    check_grant_tokens(repo, req.grant_tokens)
    from . import crypto

    key = usable_key(repo, env, req.key_id, KeyUsage.ENCAPSULATE_DECAPSULATE)
    dry_run(req.dry_run)
    secret, ciphertext = crypto.mlkem_encapsulate(current_material(key).secret)
    return EncapsulateResult(
        key_id=key.arn,
        shared_secret=secret,
        shared_secret_ciphertext_blob=ciphertext,
        encapsulation_algorithm=req.encapsulation_algorithm,
    )


class DecapsulateRequest(NamedTuple):
    key_id: str
    shared_secret_ciphertext_blob: bytes
    encapsulation_algorithm: str
    grant_tokens: tuple[str, ...] | None = None
    dry_run: bool | None = None


class DecapsulateResult(NamedTuple):
    key_id: str
    shared_secret: bytes
    encapsulation_algorithm: str


@operation(DecapsulateRequest, access=Access.WRITES)  # records the key's last use (usage.py)
def decapsulate(repo: Repository, env: Env, req: DecapsulateRequest) -> DecapsulateResult:
    """The shared secret an ML-KEM ciphertext carries.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_Decapsulate.html
    """
    check_grant_tokens(repo, req.grant_tokens)
    from . import crypto

    key = usable_key(repo, env, req.key_id, KeyUsage.ENCAPSULATE_DECAPSULATE)
    ciphertext = req.shared_secret_ciphertext_blob
    if len(ciphertext) != _MLKEM_CIPHERTEXT_BYTES[key.key_spec]:
        raise InvalidCiphertextException("")
    dry_run(req.dry_run)
    secret = crypto.mlkem_decapsulate(current_material(key).secret, ciphertext)
    if secret is None:
        raise InvalidCiphertextException("")
    return DecapsulateResult(key_id=key.arn, shared_secret=secret, encapsulation_algorithm=req.encapsulation_algorithm)
