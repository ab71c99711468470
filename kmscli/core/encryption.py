"""Encrypt, Decrypt and ReEncrypt, and the symmetric ciphertext format (docs/decisions.md#ciphertext).

A symmetric ciphertext names its key and key material, so Decrypt needs no KeyId, and a key's
earlier materials (rotation) still decrypt what they encrypted. The header and the encryption
context are authenticated as AES-GCM additional data; the context is bound as canonical JSON,
so {"ab": "c"} and {"a": "bc"} can never be confused. RSA ciphertexts are bare RSAES-OAEP
and carry nothing: Decrypt needs the KeyId and the algorithm for them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .api import operation
from .crypto_checks import check_algorithm, check_usage, current_material, refuse_recipient, usable_key
from .dry_run import dry_run
from .errors import IncorrectKeyException, InvalidCiphertextException, ValidationException
from .granttokens import check_grant_tokens
from .ids import is_key_id
from .keyring import resolve_key
from .model import Key, KeyUsage
from .ports import Access
from .tuples import NamedTuple

if TYPE_CHECKING:
    from .env import Env
    from .ports import Repository

SYMMETRIC_DEFAULT = "SYMMETRIC_DEFAULT"
_VERSION = 1
_MATERIAL_ID_BYTES = 32
_NONCE_BYTES = 12
_TAG_BYTES = 16
# Bytes of the SHA-1 and SHA-256 digests, which OAEP pads with twice over (RFC 8017 §7.1.1).
_OAEP_HASH_BYTES = {"RSAES_OAEP_SHA_1": 20, "RSAES_OAEP_SHA_256": 32}


# ------------------------------------------ the symmetric ciphertext (docs/decisions.md#ciphertext)


class SymmetricBlob(NamedTuple):
    key_id: str
    material_id: str
    nonce: bytes
    sealed: bytes
    # Version byte through nonce: authenticated together with the encryption context.
    header: bytes


def canonical_context(context: Mapping[str, str] | None) -> bytes:
    """The encryption context as the bytes it is bound by: sorted, compact JSON (empty: no bytes)."""
    if not context:
        return b""
    text = json.dumps(context, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    # surrogatepass: a context string need not be valid Unicode to be bound exactly.
    return text.encode("utf-8", "surrogatepass")


def parse_blob(blob: bytes) -> SymmetricBlob | None:
    """The parts of a kmscli symmetric ciphertext, or None when `blob` is not one."""
    if len(blob) < 2 or blob[0] != _VERSION:
        return None
    n = blob[1]
    end = 2 + n + _MATERIAL_ID_BYTES + _NONCE_BYTES
    if len(blob) < end + _TAG_BYTES:
        return None
    try:
        key_id = blob[2 : 2 + n].decode("ascii")
    except UnicodeDecodeError:
        return None
    if not is_key_id(key_id):
        return None
    return SymmetricBlob(
        key_id=key_id,
        material_id=blob[2 + n : 2 + n + _MATERIAL_ID_BYTES].hex(),
        nonce=blob[end - _NONCE_BYTES : end],
        sealed=blob[end:],
        header=blob[:end],
    )


def seal(
    repo: Repository, env: Env, key: Key, plaintext: bytes, context: Mapping[str, str] | None
) -> tuple[bytes, str]:
    """A symmetric ciphertext of `plaintext` under the key's current material, and that material's ID.

    A key in a custom key store seals in its token or through its proxy (customkeystores.py).
    """
    from . import crypto

    material = current_material(key)
    encoded_id = key.key_id.encode("ascii")
    header = (
        bytes([_VERSION, len(encoded_id)])
        + encoded_id
        + bytes.fromhex(material.material_id)
        + env.random_bytes(_NONCE_BYTES)
    )
    nonce = header[-_NONCE_BYTES:]
    aad = header + canonical_context(context)
    if key.custom_key_store_id is not None:
        from .customkeystores import store_seal

        return header + store_seal(repo, env, key, material, nonce, plaintext, aad), material.material_id
    sealed = crypto.aes_gcm_seal(material.secret, nonce, plaintext, aad)
    return header + sealed, material.material_id


def unseal(
    repo: Repository,
    env: Env,
    key: Key,
    blob: SymmetricBlob,
    context: Mapping[str, str] | None,
) -> bytes:
    """The plaintext; any mismatch at all is InvalidCiphertextException with an empty message."""
    from . import crypto

    material = next((m for m in key.materials if m.material_id == blob.material_id), None)
    if material is None:
        raise InvalidCiphertextException("")
    aad = blob.header + canonical_context(context)
    if key.custom_key_store_id is not None:
        from .customkeystores import store_unseal

        plaintext = store_unseal(repo, env, key, material, blob.nonce, blob.sealed, aad)
    else:
        plaintext = crypto.aes_gcm_open(material.secret, blob.nonce, blob.sealed, aad)
    if plaintext is None:
        raise InvalidCiphertextException("")
    return plaintext


# ---------------------------------------------------------------- the two halves of every operation here


def encryption_algorithm(key: Key, algorithm: str | None, context: Mapping[str, str] | None) -> str:
    """The algorithm Encrypt will use with `key`; refuses what the key spec cannot do."""
    chosen = algorithm or SYMMETRIC_DEFAULT
    check_algorithm(key, chosen)
    if key.key_spec != "SYMMETRIC_DEFAULT" and context:
        raise ValidationException("EncryptionContext is not supported for asymmetric KMS keys")
    return chosen


def check_plaintext_size(key: Key, algorithm: str, plaintext: bytes) -> None:
    """RSA-OAEP can carry only modulus - 2*hLen - 2 bytes (symmetric: the model's 4096 applies)."""
    if algorithm not in _OAEP_HASH_BYTES:
        return
    limit = int(key.key_spec.removeprefix("RSA_")) // 8 - 2 * _OAEP_HASH_BYTES[algorithm] - 2
    if len(plaintext) > limit:
        raise ValidationException(
            f"Algorithm {algorithm} and key spec {key.key_spec} cannot encrypt data larger than {limit} bytes."
        )


def encrypt_with(
    repo: Repository,
    env: Env,
    key: Key,
    algorithm: str,
    plaintext: bytes,
    context: Mapping[str, str] | None,
) -> tuple[bytes, str | None]:
    """(ciphertext, material ID): kmscli's blob for symmetric keys, bare RSAES-OAEP (no material ID) for RSA."""
    if algorithm == SYMMETRIC_DEFAULT:
        return seal(repo, env, key, plaintext, context)
    from . import crypto

    return crypto.rsa_encrypt(current_material(key).secret, algorithm, plaintext), None


class Decrypted(NamedTuple):
    key: Key
    algorithm: str
    # None only in a dry run told to ignore the ciphertext.
    plaintext: bytes | None
    # Symmetric ciphertexts only: the material that decrypted.
    material_id: str | None


def decrypt_step(
    repo: Repository,
    env: Env,
    *,
    ciphertext: bytes | None,
    key_id: str | None,
    key_id_member: str,
    context: Mapping[str, str] | None,
    algorithm: str | None,
    ignore_ciphertext: bool,
    action: str | None = None,
) -> Decrypted:
    """The Decrypt half shared by Decrypt and ReEncrypt (the source side).

    `action`: the permission needed on the key instead of the running operation's own.
    """
    if ignore_ciphertext:
        if key_id is None:
            raise ValidationException(f"{key_id_member} is required when DryRunModifiers includes IGNORE_CIPHERTEXT")
        key = usable_key(repo, env, key_id, KeyUsage.ENCRYPT_DECRYPT, action=action)
        return Decrypted(key, encryption_algorithm(key, algorithm, context), None, None)
    if ciphertext is None:
        raise ValidationException("CiphertextBlob is required")
    # The named key is compared with the ciphertext before its usage is checked: a KeyId naming an
    # HMAC or signing key is IncorrectKeyException for a symmetric ciphertext, as KMS answers it.
    named = resolve_key(repo, env, key_id, allow_alias=True, action=action) if key_id is not None else None
    blob = parse_blob(ciphertext)
    if named is not None and blob is not None and named.key_id != blob.key_id:
        raise IncorrectKeyException(
            "The key ID in the request does not identify a CMK that can perform this operation."
        )
    if named is not None:
        check_usage(named, env.operation, KeyUsage.ENCRYPT_DECRYPT)
    if blob is not None:
        key = named or usable_key(repo, env, blob.key_id, KeyUsage.ENCRYPT_DECRYPT, action=action, from_ciphertext=True)
        if key.key_spec != "SYMMETRIC_DEFAULT":
            raise InvalidCiphertextException("")
        chosen = encryption_algorithm(key, algorithm, context)
        return Decrypted(key, chosen, unseal(repo, env, key, blob, context), blob.material_id)
    if named is None or named.key_spec == "SYMMETRIC_DEFAULT":
        # Not a kmscli symmetric ciphertext, and no asymmetric key to try it with.
        raise InvalidCiphertextException("")
    from . import crypto

    chosen = encryption_algorithm(named, algorithm, context)
    plaintext = crypto.rsa_decrypt(current_material(named).secret, chosen, ciphertext)
    if plaintext is None:
        raise InvalidCiphertextException("")
    return Decrypted(named, chosen, plaintext, None)


def _ignores_ciphertext(dry: bool | None, modifiers: tuple[str, ...] | None) -> bool:
    return bool(dry) and "IGNORE_CIPHERTEXT" in (modifiers or ())


# ---------------------------------------------------------------- Encrypt


class EncryptRequest(NamedTuple):
    key_id: str
    plaintext: bytes
    encryption_context: dict[str, str] | None = None
    grant_tokens: tuple[str, ...] | None = None
    encryption_algorithm: str | None = None
    dry_run: bool | None = None


class EncryptResult(NamedTuple):
    ciphertext_blob: bytes
    key_id: str
    encryption_algorithm: str


@operation(EncryptRequest, access=Access.WRITES)  # records the key's last use (usage.py)
def encrypt(repo: Repository, env: Env, req: EncryptRequest) -> EncryptResult:
    """Encrypt up to 4096 bytes under a symmetric key, or a few hundred under an RSA key.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_Encrypt.html
    """
    check_grant_tokens(repo, req.grant_tokens)
    key = usable_key(repo, env, req.key_id, KeyUsage.ENCRYPT_DECRYPT)
    algorithm = encryption_algorithm(key, req.encryption_algorithm, req.encryption_context)
    check_plaintext_size(key, algorithm, req.plaintext)
    dry_run(req.dry_run)
    blob, _ = encrypt_with(repo, env, key, algorithm, req.plaintext, req.encryption_context)
    return EncryptResult(ciphertext_blob=blob, key_id=key.arn, encryption_algorithm=algorithm)


# ---------------------------------------------------------------- Decrypt


class DecryptRequest(NamedTuple):
    ciphertext_blob: bytes | None = None
    encryption_context: dict[str, str] | None = None
    grant_tokens: tuple[str, ...] | None = None
    key_id: str | None = None
    encryption_algorithm: str | None = None
    recipient: dict[str, Any] | None = None
    dry_run: bool | None = None
    dry_run_modifiers: tuple[str, ...] | None = None


class DecryptResult(NamedTuple):
    key_id: str
    plaintext: bytes
    encryption_algorithm: str
    ciphertext_for_recipient: None = None
    key_material_id: str | None = None


@operation(DecryptRequest, access=Access.WRITES)  # records the key's last use (usage.py)
def decrypt(repo: Repository, env: Env, req: DecryptRequest) -> DecryptResult:
    """Decrypt a ciphertext made by Encrypt, GenerateDataKey* or ReEncrypt.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html
    """
    check_grant_tokens(repo, req.grant_tokens)
    refuse_recipient(req.recipient)
    done = decrypt_step(
        repo,
        env,
        ciphertext=req.ciphertext_blob,
        key_id=req.key_id,
        key_id_member="KeyId",
        context=req.encryption_context,
        algorithm=req.encryption_algorithm,
        ignore_ciphertext=_ignores_ciphertext(req.dry_run, req.dry_run_modifiers),
    )
    dry_run(req.dry_run)
    assert done.plaintext is not None
    return DecryptResult(
        key_id=done.key.arn,
        plaintext=done.plaintext,
        encryption_algorithm=done.algorithm,
        key_material_id=done.material_id,
    )


# ---------------------------------------------------------------- ReEncrypt


class ReEncryptRequest(NamedTuple):
    destination_key_id: str
    ciphertext_blob: bytes | None = None
    source_encryption_context: dict[str, str] | None = None
    source_key_id: str | None = None
    destination_encryption_context: dict[str, str] | None = None
    source_encryption_algorithm: str | None = None
    destination_encryption_algorithm: str | None = None
    grant_tokens: tuple[str, ...] | None = None
    dry_run: bool | None = None
    dry_run_modifiers: tuple[str, ...] | None = None


class ReEncryptResult(NamedTuple):
    ciphertext_blob: bytes
    source_key_id: str
    key_id: str
    source_encryption_algorithm: str
    destination_encryption_algorithm: str
    source_key_material_id: str | None = None
    destination_key_material_id: str | None = None


@operation(ReEncryptRequest, access=Access.WRITES)  # records the key's last use (usage.py)
def re_encrypt(repo: Repository, env: Env, req: ReEncryptRequest) -> ReEncryptResult:
    """Decrypt a ciphertext and encrypt its plaintext again, under another key or context, in one step.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_ReEncrypt.html
    """
    check_grant_tokens(repo, req.grant_tokens)
    source = decrypt_step(
        repo,
        env,
        ciphertext=req.ciphertext_blob,
        key_id=req.source_key_id,
        key_id_member="SourceKeyId",
        context=req.source_encryption_context,
        algorithm=req.source_encryption_algorithm,
        ignore_ciphertext=_ignores_ciphertext(req.dry_run, req.dry_run_modifiers),
        # ReEncrypt acts as two operations: it needs kms:ReEncryptFrom on its source key ...
        action="kms:ReEncryptFrom",
    )
    # ... and kms:ReEncryptTo on its destination key.
    destination = usable_key(repo, env, req.destination_key_id, KeyUsage.ENCRYPT_DECRYPT, action="kms:ReEncryptTo")
    context = req.destination_encryption_context
    algorithm = encryption_algorithm(destination, req.destination_encryption_algorithm, context)
    if source.plaintext is not None:
        check_plaintext_size(destination, algorithm, source.plaintext)
    dry_run(req.dry_run)
    assert source.plaintext is not None
    blob, material_id = encrypt_with(repo, env, destination, algorithm, source.plaintext, context)
    return ReEncryptResult(
        ciphertext_blob=blob,
        source_key_id=source.key.arn,
        key_id=destination.arn,
        source_encryption_algorithm=source.algorithm,
        destination_encryption_algorithm=algorithm,
        source_key_material_id=source.material_id,
        destination_key_material_id=material_id,
    )
