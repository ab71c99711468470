"""The rules every cryptographic operation shares: a usable key, its usage, its algorithm, its material.

In the order KMS checks them: the key is resolved and its state checked (keyring.py,
states.py), then its usage, then the algorithm against its key spec; operation-specific
parameter rules follow, and DryRun answers last, once everything else has passed (dry_run.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import InvalidKeyUsageException, ValidationException
from .keyring import resolve_key
from .keyspecs import KEY_SPECS
from .model import Key, KeyMaterial, KeyUsage

if TYPE_CHECKING:
    from .env import Env
    from .ports import Repository


def usable_key(
    repo: Repository,
    env: Env,
    key_id: str,
    usage: KeyUsage,
    *,
    action: str | None = None,
    from_ciphertext: bool = False,
) -> Key:
    """The key `key_id` names (any identifier form), in a state and with the usage the running operation needs."""
    key = resolve_key(repo, env, key_id, allow_alias=True, action=action, from_ciphertext=from_ciphertext)
    check_usage(key, env.operation, usage)
    return key


def check_usage(key: Key, operation: str | None, usage: KeyUsage) -> None:
    if key.key_usage != usage:
        raise InvalidKeyUsageException(f"{key.arn} key usage is {key.key_usage} which is not valid for {operation}.")


def check_algorithm(key: Key, algorithm: str) -> None:
    """The algorithm must be one the key's spec lists for its usage."""
    if algorithm not in KEY_SPECS[key.key_spec].usages.get(key.key_usage, ()):
        raise InvalidKeyUsageException(f"Algorithm {algorithm} is incompatible with key spec {key.key_spec}.")


def current_material(key: Key) -> KeyMaterial:
    material = key.current_material
    # A key without material is PendingImport, which the state table has refused already.
    assert material is not None, f"{key.arn} has no key material"
    return material


def refuse_recipient(recipient: Any) -> None:
    if recipient is not None:
        raise ValidationException("Recipient (attestation document) is not supported by kmscli")
