"""Data keys, data key pairs and random bytes.

A data key is fresh random bytes returned in the clear and as a symmetric ciphertext under a
KMS key (docs/decisions.md#ciphertext), so that Decrypt of the ciphertext gives the same bytes back. A data key pair is
a fresh asymmetric key: its public key (DER SPKI), and its private key (PKCS#8 DER) in the
clear and encrypted the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .api import operation
from .crypto_checks import refuse_recipient, usable_key
from .dry_run import dry_run
from .encryption import seal
from .errors import (
    InvalidKeyUsageException,
    UnsupportedOperationException,
    ValidationException,
)
from .granttokens import check_grant_tokens
from .model import Key, KeyUsage
from .ports import Access
from .tuples import NamedTuple

if TYPE_CHECKING:
    from .env import Env
    from .ports import Repository

_DATA_KEY_BYTES = {"AES_128": 16, "AES_256": 32}
# Key pair specs that kmscli cannot generate: SM2 exists only in China Regions (docs/decisions.md#scope),
# and `cryptography` has no ML-KEM-512.
_UNSUPPORTED_PAIRS = frozenset({"SM2", "ML_KEM_512"})


def _data_key_owner(repo: Repository, env: Env, key_id: str) -> Key:
    """Data keys are encrypted with a symmetric encryption key; nothing else will do."""
    key = usable_key(repo, env, key_id, KeyUsage.ENCRYPT_DECRYPT)
    if key.key_spec != "SYMMETRIC_DEFAULT":
        raise InvalidKeyUsageException(f"{key.arn} key spec is {key.key_spec} which is not valid for {env.operation}.")
    return key


def _data_key_size(key_spec: str | None, number_of_bytes: int | None) -> int:
    if (key_spec is None) == (number_of_bytes is None):
        raise ValidationException("Please specify either number of bytes or key spec.")
    return _DATA_KEY_BYTES[key_spec] if key_spec is not None else int(number_of_bytes or 0)


# ---------------------------------------------------------------- GenerateDataKey


class GenerateDataKeyRequest(NamedTuple):
    key_id: str
    encryption_context: dict[str, str] | None = None
    number_of_bytes: int | None = None
    key_spec: str | None = None
    grant_tokens: tuple[str, ...] | None = None
    recipient: dict[str, Any] | None = None
    dry_run: bool | None = None


class GenerateDataKeyResult(NamedTuple):
    ciphertext_blob: bytes
    plaintext: bytes
    key_id: str
    ciphertext_for_recipient: None = None
    key_material_id: str | None = None


@operation(GenerateDataKeyRequest, access=Access.WRITES)  # records the key's last use (usage.py)
def generate_data_key(repo: Repository, env: Env, req: GenerateDataKeyRequest) -> GenerateDataKeyResult:
    """A fresh data key, in the clear and encrypted under a symmetric encryption KMS key.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateDataKey.html
    """
    check_grant_tokens(repo, req.grant_tokens)
    refuse_recipient(req.recipient)
    key = _data_key_owner(repo, env, req.key_id)
    size = _data_key_size(req.key_spec, req.number_of_bytes)
    dry_run(req.dry_run)
    plaintext = env.random_bytes(size)
    blob, material_id = seal(repo, env, key, plaintext, req.encryption_context)
    return GenerateDataKeyResult(ciphertext_blob=blob, plaintext=plaintext, key_id=key.arn, key_material_id=material_id)


class GenerateDataKeyWithoutPlaintextRequest(NamedTuple):
    key_id: str
    encryption_context: dict[str, str] | None = None
    key_spec: str | None = None
    number_of_bytes: int | None = None
    grant_tokens: tuple[str, ...] | None = None
    dry_run: bool | None = None


class GenerateDataKeyWithoutPlaintextResult(NamedTuple):
    ciphertext_blob: bytes
    key_id: str
    key_material_id: str | None = None


@operation(GenerateDataKeyWithoutPlaintextRequest, access=Access.WRITES)  # records the key's last use (usage.py)
def generate_data_key_without_plaintext(
    repo: Repository, env: Env, req: GenerateDataKeyWithoutPlaintextRequest
) -> GenerateDataKeyWithoutPlaintextResult:
    """A fresh data key, encrypted only: Decrypt it when it is needed.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateDataKeyWithoutPlaintext.html
    """
    check_grant_tokens(repo, req.grant_tokens)
    key = _data_key_owner(repo, env, req.key_id)
    size = _data_key_size(req.key_spec, req.number_of_bytes)
    dry_run(req.dry_run)
    blob, material_id = seal(repo, env, key, env.random_bytes(size), req.encryption_context)
    return GenerateDataKeyWithoutPlaintextResult(ciphertext_blob=blob, key_id=key.arn, key_material_id=material_id)


# ---------------------------------------------------------------- GenerateDataKeyPair


class _Pair(NamedTuple):
    key: Key
    private_key: bytes
    public_key: bytes
    private_key_ciphertext: bytes
    material_id: str


def _generate_pair(
    repo: Repository,
    env: Env,
    key_id: str,
    key_pair_spec: str,
    context: dict[str, str] | None,
    dry: bool | None,
) -> _Pair:
    from . import crypto

    key = _data_key_owner(repo, env, key_id)
    if key_pair_spec in _UNSUPPORTED_PAIRS:
        raise UnsupportedOperationException(f"KeyPairSpec {key_pair_spec} is not supported")
    dry_run(dry)
    private_key = env.generate_private_key(key_pair_spec)
    blob, material_id = seal(repo, env, key, private_key, context)
    return _Pair(key, private_key, crypto.public_key_der(private_key), blob, material_id)


class GenerateDataKeyPairRequest(NamedTuple):
    key_id: str
    key_pair_spec: str
    encryption_context: dict[str, str] | None = None
    grant_tokens: tuple[str, ...] | None = None
    recipient: dict[str, Any] | None = None
    dry_run: bool | None = None


class GenerateDataKeyPairResult(NamedTuple):
    private_key_ciphertext_blob: bytes
    private_key_plaintext: bytes
    public_key: bytes
    key_id: str
    key_pair_spec: str
    ciphertext_for_recipient: None = None
    key_material_id: str | None = None


@operation(GenerateDataKeyPairRequest, access=Access.WRITES)  # records the key's last use (usage.py)
def generate_data_key_pair(repo: Repository, env: Env, req: GenerateDataKeyPairRequest) -> GenerateDataKeyPairResult:
    """A fresh asymmetric key pair; the private key in the clear and encrypted under a KMS key.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateDataKeyPair.html
    """
    check_grant_tokens(repo, req.grant_tokens)
    refuse_recipient(req.recipient)
    pair = _generate_pair(repo, env, req.key_id, req.key_pair_spec, req.encryption_context, req.dry_run)
    return GenerateDataKeyPairResult(
        private_key_ciphertext_blob=pair.private_key_ciphertext,
        private_key_plaintext=pair.private_key,
        public_key=pair.public_key,
        key_id=pair.key.arn,
        key_pair_spec=req.key_pair_spec,
        key_material_id=pair.material_id,
    )


class GenerateDataKeyPairWithoutPlaintextRequest(NamedTuple):
    key_id: str
    key_pair_spec: str
    encryption_context: dict[str, str] | None = None
    grant_tokens: tuple[str, ...] | None = None
    dry_run: bool | None = None


class GenerateDataKeyPairWithoutPlaintextResult(NamedTuple):
    private_key_ciphertext_blob: bytes
    public_key: bytes
    key_id: str
    key_pair_spec: str
    key_material_id: str | None = None


@operation(GenerateDataKeyPairWithoutPlaintextRequest, access=Access.WRITES)  # records the key's last use (usage.py)
def generate_data_key_pair_without_plaintext(
    repo: Repository, env: Env, req: GenerateDataKeyPairWithoutPlaintextRequest
) -> GenerateDataKeyPairWithoutPlaintextResult:
    """A fresh asymmetric key pair: the public key, and the private key encrypted under a KMS key.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateDataKeyPairWithoutPlaintext.html
    """
    check_grant_tokens(repo, req.grant_tokens)
    pair = _generate_pair(repo, env, req.key_id, req.key_pair_spec, req.encryption_context, req.dry_run)
    return GenerateDataKeyPairWithoutPlaintextResult(
        private_key_ciphertext_blob=pair.private_key_ciphertext,
        public_key=pair.public_key,
        key_id=pair.key.arn,
        key_pair_spec=req.key_pair_spec,
        key_material_id=pair.material_id,
    )


# ---------------------------------------------------------------- GenerateRandom


class GenerateRandomRequest(NamedTuple):
    number_of_bytes: int | None = None
    custom_key_store_id: str | None = None
    recipient: dict[str, Any] | None = None


class GenerateRandomResult(NamedTuple):
    plaintext: bytes
    ciphertext_for_recipient: None = None


@operation(GenerateRandomRequest, access=Access.READS)
def generate_random(repo: Repository, env: Env, req: GenerateRandomRequest) -> GenerateRandomResult:
    """1 to 1024 random bytes.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateRandom.html
    """
    refuse_recipient(req.recipient)
    if req.custom_key_store_id is not None:
        from .customkeystores import random_from_store

        if req.number_of_bytes is None:
            raise ValidationException("NumberOfBytes is required.")
        return GenerateRandomResult(
            plaintext=random_from_store(repo, env, req.custom_key_store_id, req.number_of_bytes)
        )
    if req.number_of_bytes is None:
        raise ValidationException("NumberOfBytes is required.")
    return GenerateRandomResult(plaintext=env.random_bytes(req.number_of_bytes))
