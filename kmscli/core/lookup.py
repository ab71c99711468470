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
) -> Key:
    """The key `value` names, as of now; with `operation`, also checked against the state table."""
    ref = parse_key_ref(
        value, account_id=env.account_id, region=env.region, partition=env.partition, allow_alias=allow_alias
    )
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
        raise NotFoundException(f"Key '{key_arn(env.partition, env.region, env.account_id, key_id)}' does not exist")
    if operation is not None:
        check_key_state(operation, as_reported(repo, key))
        refuse_aws_managed(operation, key, env.caller_arn)
    return key


def as_reported(repo: Repository, key: Key) -> Key:
    """The key as KMS reports it: Unavailable while its custom key store is not connected.

    Only reported, never stored: the key's own state comes back when the store connects again.
    """
    if key.custom_key_store_id is None:
        return key
    from .customkeystores import connected_store

    if connected_store(repo, key) is None:
        return key._replace(key_state=KeyState.Unavailable)
    return key


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
        if key.custom_key_store_id is not None:
            from .customkeystores import destroy_backing_key

            destroy_backing_key(repo, env, key)
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
