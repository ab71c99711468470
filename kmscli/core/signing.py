"""Sign, Verify and GetPublicKey.

Signatures are the standard encodings, so anyone holding the public key can verify them
outside KMS: RSASSA-PKCS1-v1_5 and RSASSA-PSS (salt as long as the digest), DER ECDSA,
64-byte Ed25519 and Ed25519ph, raw ML-DSA. With MessageType DIGEST the message is the hash
already and is never hashed again; EXTERNAL_MU is ML-DSA's message representative.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .api import operation
from .crypto_checks import check_algorithm, current_material, usable_key
from .dry_run import dry_run
from .errors import KMSInvalidSignatureException, UnsupportedOperationException, ValidationException
from .granttokens import check_grant_tokens
from .keyring import resolve_key
from .keyspecs import ALGORITHM_MEMBER, KEY_SPECS
from .model import Key, KeyUsage
from .ports import Access
from .tuples import NamedTuple

if TYPE_CHECKING:
    from .env import Env
    from .ports import Repository

# The length of a DIGEST message, by the hash an algorithm name ends in.
_DIGEST_BYTES = {"SHA_256": 32, "SHA_384": 48, "SHA_512": 64}
# ML-DSA's message representative μ (FIPS 204 §6.2).
_MU_BYTES = 64


def _check_message(algorithm: str, message_type: str, message: bytes) -> None:
    """MessageType must suit the algorithm, and a digest must be exactly as long as the algorithm's hash."""
    if algorithm == "ML_DSA_SHAKE_256":
        allowed = {"RAW", "EXTERNAL_MU"}
        size = _MU_BYTES if message_type == "EXTERNAL_MU" else None
    elif algorithm == "ED25519_SHA_512":
        allowed, size = {"RAW"}, None
    elif algorithm == "ED25519_PH_SHA_512":
        allowed, size = {"DIGEST"}, 64
    else:
        allowed = {"RAW", "DIGEST"}
        size = _DIGEST_BYTES[algorithm[-7:]] if message_type == "DIGEST" else None
    if message_type not in allowed:
        raise ValidationException(f"MessageType {message_type} is not supported for signing algorithm {algorithm}.")
    if size is not None and len(message) != size:
        raise ValidationException(f"Digest is invalid length for algorithm {algorithm}.")


def _signing_key(repo: Repository, env: Env, key_id: str, algorithm: str) -> Key:
    key = usable_key(repo, env, key_id, KeyUsage.SIGN_VERIFY)
    check_algorithm(key, algorithm)
    return key


# ---------------------------------------------------------------- Sign


class SignRequest(NamedTuple):
    key_id: str
    message: bytes
    signing_algorithm: str
    message_type: str | None = None
    grant_tokens: tuple[str, ...] | None = None
    dry_run: bool | None = None


class SignResult(NamedTuple):
    key_id: str
    signature: bytes
    signing_algorithm: str


@operation(SignRequest, access=Access.WRITES)  # records the key's last use (usage.py)
def sign(repo: Repository, env: Env, req: SignRequest) -> SignResult:
    """Sign a message, a digest or an ML-DSA μ with the private key of an asymmetric signing key.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html
    """
    check_grant_tokens(repo, req.grant_tokens)
    from . import crypto

    key = _signing_key(repo, env, req.key_id, req.signing_algorithm)
    message_type = req.message_type or "RAW"
    _check_message(req.signing_algorithm, message_type, req.message)
    dry_run(req.dry_run)
    signature = crypto.sign(current_material(key).secret, req.signing_algorithm, req.message, message_type)
    return SignResult(key_id=key.arn, signature=signature, signing_algorithm=req.signing_algorithm)


# ---------------------------------------------------------------- Verify


class VerifyRequest(NamedTuple):
    key_id: str
    message: bytes
    signature: bytes
    signing_algorithm: str
    message_type: str | None = None
    grant_tokens: tuple[str, ...] | None = None
    dry_run: bool | None = None


class VerifyResult(NamedTuple):
    key_id: str
    signature_valid: bool
    signing_algorithm: str


@operation(VerifyRequest, access=Access.WRITES)  # records the key's last use (usage.py)
def verify(repo: Repository, env: Env, req: VerifyRequest) -> VerifyResult:
    """Verify a signature; an invalid one is KMSInvalidSignatureException, never SignatureValid false.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_Verify.html
    """
    check_grant_tokens(repo, req.grant_tokens)
    from . import crypto

    key = _signing_key(repo, env, req.key_id, req.signing_algorithm)
    message_type = req.message_type or "RAW"
    _check_message(req.signing_algorithm, message_type, req.message)
    dry_run(req.dry_run)
    secret = current_material(key).secret
    if not crypto.verify(secret, req.signing_algorithm, req.message, message_type, req.signature):
        raise KMSInvalidSignatureException("")
    return VerifyResult(key_id=key.arn, signature_valid=True, signing_algorithm=req.signing_algorithm)


# ---------------------------------------------------------------- GetPublicKey


class GetPublicKeyRequest(NamedTuple):
    key_id: str
    grant_tokens: tuple[str, ...] | None = None


class GetPublicKeyResult(NamedTuple):
    key_id: str
    public_key: bytes
    customer_master_key_spec: str | None
    key_spec: str
    key_usage: str
    encryption_algorithms: tuple[str, ...] | None = None
    signing_algorithms: tuple[str, ...] | None = None
    key_agreement_algorithms: tuple[str, ...] | None = None
    encapsulation_algorithms: tuple[str, ...] | None = None


@operation(GetPublicKeyRequest, access=Access.MAY_WRITE)
def get_public_key(repo: Repository, env: Env, req: GetPublicKeyRequest) -> GetPublicKeyResult:
    """The public key (DER SubjectPublicKeyInfo) of an asymmetric key, with what it may be used for.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_GetPublicKey.html
    """
    check_grant_tokens(repo, req.grant_tokens)
    from . import crypto

    key = resolve_key(repo, env, req.key_id, allow_alias=True)
    spec = KEY_SPECS[key.key_spec]
    if spec.kind != "ASYMMETRIC":
        raise UnsupportedOperationException(
            f"{key.arn} key spec is {key.key_spec} which is not valid for GetPublicKey."
        )
    algorithms = {ALGORITHM_MEMBER[key.key_usage]: spec.usages[key.key_usage]}
    return GetPublicKeyResult(
        key_id=key.arn,
        public_key=crypto.public_key_der(current_material(key).secret),
        customer_master_key_spec=key.key_spec if spec.legacy else None,
        key_spec=key.key_spec,
        key_usage=key.key_usage,
        **algorithms,
    )
