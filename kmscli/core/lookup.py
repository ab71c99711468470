"""Finding the key a KeyId parameter names, and bringing it up to date with the clock.

resolve_key is the one door every operation uses to reach a key: it parses the identifier,
applies the time-driven transitions that fell due since the key was last read (docs/architecture.md#transitions),
and, given the operation's name, enforces the key-state table and the refusals that AWS
managed keys answer with.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import NotFoundException
from .ids import alias_arn, key_arn, parse_key_ref
from .model import Key, KeyState, Origin
from .states import check_key_state, refuse_aws_managed

if TYPE_CHECKING:
    from .env import Env
    from .ports import Repository


def resolve_key(
    repo: Repository,
    env: Env,
    value: str,
    *,
    allow_alias: bool,
    operation: str | None = None,
    create_managed: bool = False,
    action: str | None = None,
    from_ciphertext: bool = False,
) -> Key:
    """The key `value` names, as of now; with `operation`, also authorized and checked against the state table.

    `action` overrides the permission the operation needs on this key (ReEncrypt's two sides);
    `from_ciphertext` says the key was named by a ciphertext, whose refusal KMS words differently.
    """
    account = env.account_id
    other = _other_account(env, value, operation)
    if other is not None:
        # A key of another account, named by its key ARN: it lives in that account's part of the state.
        account, repo = other, repo.in_account(other, env.region)
    ref = parse_key_ref(value, account_id=account, region=env.region, partition=env.partition, allow_alias=allow_alias)
    key_id = ref.key_id
    if ref.alias_name is not None:
        alias = repo.get_alias(ref.alias_name)
        if alias is None and create_managed:
            from .managed import create_aws_managed_key

            alias = create_aws_managed_key(repo, env, ref.alias_name)
        if alias is None:
            arn = alias_arn(env.partition, env.region, env.account_id, ref.alias_name)
            raise NotFoundException(f"Alias {arn} is not found.")
        key_id = alias.target_key_id
    assert key_id is not None
    key = repo.get_key(key_id)
    if key is not None:
        key = apply_due_transitions(repo, env, key)
    if key is None:
        if ref.alias_name is not None:
            # The alias went with its key when the key was destroyed.
            arn = alias_arn(env.partition, env.region, env.account_id, ref.alias_name)
            raise NotFoundException(f"Alias {arn} is not found.")
        raise NotFoundException(f"Key '{key_arn(env.partition, env.region, account, key_id)}' does not exist")
    if operation is not None:
        if env.authority is not None:
            from .access import authorize_key, key_action

            needed = action or key_action(operation)
            if needed is not None:
                authorize_key(
                    repo, env, key, needed, operation, request_alias=ref.alias_name, from_ciphertext=from_ciphertext
                )
        check_key_state(operation, key)
        refuse_aws_managed(operation, key, env.caller_arn)
    return key


# Cross-account operations that store nothing beside the key: grant operations would keep their
# grants in the caller's account, so keys of other accounts are not offered to them (yet).
_NOT_ACROSS_ACCOUNTS = frozenset({"CreateGrant", "ListGrants", "RetireGrant", "RevokeGrant"})
_KEY_ARN = r"arn:(?:aws|aws-cn|aws-us-gov):kms:(?P<region>[^:]+):(?P<account>\d{12}):key/.+"


def _other_account(env: Env, value: str, operation: str | None) -> str | None:
    """The account of a key ARN naming another account's key, for an operation KMS allows across accounts.

    Only when requests are authorized (the key's policy and the caller's IAM policies must both
    allow); otherwise, as before, such an ARN names no key.
    """
    if env.authority is None or operation is None or operation in _NOT_ACROSS_ACCOUNTS or not value.startswith("arn:"):
        return None
    import re

    from .permissions import CROSS_ACCOUNT

    m = re.fullmatch(_KEY_ARN, value)
    if m is None or m["account"] == env.account_id or m["region"] != env.region:
        return None
    return m["account"] if CROSS_ACCOUNT.get(operation) in ("key ARN", "key or alias ARN") else None


def apply_due_transitions(repo: Repository, env: Env, key: Key) -> Key | None:
    """Apply what the clock made due since the key was last written; None if it is now deleted.

    Order as docs/architecture.md#transitions: expired import tokens and imported material, automatic rotations, the end
    of a deletion window, transient states. A multi-Region key is settled with its set: its
    rotations are the primary's, and a destroyed replica leaves the set (multiregion.py).
    """
    now = env.now()
    if key.origin == Origin.EXTERNAL:
        from .imported_material import expire_imports

        key = expire_imports(repo, key, now)
    if key.multi_region:
        from . import multiregion

        key = multiregion.sync_with_primary(repo, env, key, now)
        if key.key_state == KeyState.PendingReplicaDeletion:
            settled = multiregion.destroy_due_replicas(repo, env, key)
            if settled is None:
                return None
            key = settled
    elif (
        key.rotation_enabled
        and key.key_state == KeyState.Enabled
        and key.next_rotation_date is not None
        and key.next_rotation_date <= now
    ):
        from .rotation import rotate_automatically

        key = rotate_automatically(env, key, now)
        repo.put_key(key)
    if key.key_state == KeyState.PendingDeletion and key.deletion_date is not None and key.deletion_date <= now:
        repo.delete_key(key.key_id)
        if key.multi_region:
            from .multiregion import forget_member

            forget_member(repo, key)
        return None
    if key.key_state == KeyState.Creating and key.multi_region:
        # kmscli makes only new replicas Creating, and they are so only in ReplicateKey's own answer.
        key = key._replace(key_state=KeyState.PendingImport if key.missing_material else KeyState.Enabled)
        repo.put_key(key)
    return key
