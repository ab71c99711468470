"""The one door to a key: every operation reaches its key here, as it now stands, or hears it is gone.

Reading a key through this module applies what the clock made due since the key was last written
(transitions.py, in the order given there), writes that back, and keeps a multi-Region set in
step. No other module reads a key row to decide anything.

Checks an operation makes on the key it reached have one place: `admit`, which `resolve_key` calls
with the operation's name and the request's Env (the caller, the account, the Region, the clock).
The key-state table and the refusals of AWS managed keys are there; authorization of the caller
and the availability of a custom key store go there too, as one call each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import transitions
from .errors import NotFoundException
from .ids import alias_arn, key_arn, parse_key_ref
from .model import Alias, Key, KeyState, Origin
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
    """The key `value` names (any identifier form), as it now stands, admitted to the running operation.

    The operation is env.operation (api.call sets it) unless `operation` names another; outside an
    operation (neither given) the key is only read, never admitted.

    `create_managed`: a predefined AWS alias (alias/aws/s3, ...) without a key gets its AWS managed
    key now, as DescribeKey does on AWS. `action` overrides the permission the operation needs on
    this key (ReEncrypt's two sides); `from_ciphertext` says the key was named by a ciphertext, whose
    refusal KMS words differently.
    """
    operation = operation or env.operation
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
            # Imported here: only DescribeKey of an AWS alias needs it.
            from .managed import create_aws_managed_key

            alias = create_aws_managed_key(repo, env, ref.alias_name)
        if alias is None:
            raise _alias_not_found(env, ref.alias_name)
        key_id = alias.target_key_id
    assert key_id is not None
    key = live_key(repo, env, key_id)
    if key is None:
        if ref.alias_name is not None:
            # The alias went with its key when the key was destroyed.
            raise _alias_not_found(env, ref.alias_name)
        raise NotFoundException(f"Key '{key_arn(env.partition, env.region, account, key_id)}' does not exist")
    if operation is not None:
        admit(repo, env, operation, key, action=action, request_alias=ref.alias_name, from_ciphertext=from_ciphertext)
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


def admit(
    repo: Repository,
    env: Env,
    operation: str,
    key: Key,
    *,
    action: str | None = None,
    request_alias: str | None = None,
    from_ciphertext: bool = False,
) -> None:
    """Refuse `operation` on `key` unless it may go on: the one place for an operation's checks on its key.

    Called once the key is found and up to date, before the operation does anything with it. A
    check that depends on the operation, the caller (env.caller_arn) or the key belongs here:
    authorization and the availability of the key's custom key store included.
    """
    if env.authority is not None:
        # Authorization first: KMS answers AccessDenied before any other refusal.
        from .access import authorize_key, key_action

        needed = action or key_action(operation)
        if needed is not None:
            authorize_key(
                repo, env, key, needed, operation, request_alias=request_alias, from_ciphertext=from_ciphertext
            )
    check_key_state(operation, as_reported(repo, key))
    refuse_aws_managed(operation, key, env.caller_arn)


def as_reported(repo: Repository, key: Key) -> Key:
    """The key as KMS reports it: Unavailable while its custom key store is not connected.

    Only reported, never stored: the key's own state comes back when the store connects again.
    """
    if key.custom_key_store_id is None:
        return key
    from .key_store_state import connected_store

    if connected_store(repo, key) is None:
        return key._replace(key_state=KeyState.Unavailable)
    return key


def _alias_not_found(env: Env, alias_name: str) -> NotFoundException:
    return NotFoundException(f"Alias {alias_arn(env.partition, env.region, env.account_id, alias_name)} is not found.")


def live_key(repo: Repository, env: Env, key_id: str) -> Key | None:
    """The key with this ID in `repo`'s Region as it now stands; None if there is none (or it was just destroyed)."""
    key = repo.get_key(key_id)
    return None if key is None else _up_to_date(repo, env, key)


def live_alias(repo: Repository, env: Env, alias_name: str) -> tuple[Alias, Key] | None:
    """The alias and its key as it now stands; None if there is no such alias, or its key is gone."""
    alias = repo.get_alias(alias_name)
    if alias is None:
        return None
    key = live_key(repo, env, alias.target_key_id)
    return None if key is None else (alias, key)


# ---------------------------------------------------------------- multi-Region sets


def other_members(repo: Repository, key: Key) -> list[tuple[Repository, Key]]:
    """Every other member of `key`'s set as stored, each with the repository of its Region.

    As stored, without what the clock made due: for rewriting the set's shape in every member.
    """
    found = []
    for region in (key.set_primary_region, *key.replica_regions):
        if region != key.region:
            there = repo.in_region(region)
            member = there.get_key(key.key_id)
            if member is not None:
                found.append((there, member))
    return found


def member_in(repo: Repository, env: Env, key: Key, region: str) -> tuple[Key | None, Key]:
    """The member of `key`'s set in `region` as it now stands (None if there is none), and `key` again.

    Bringing a member up to date can change the set (a replica whose deletion date passed leaves
    it), so `key` comes back as it now stands too.
    """
    there = repo.in_region(region)
    member = there.get_key(key.key_id)
    if member is None:
        return None, key
    return _up_to_date(there, env, member), repo.get_key(key.key_id) or key


def primary_of(repo: Repository, env: Env, key: Key) -> Key | None:
    """The primary of a multi-Region replica as it now stands; None for any other key."""
    if not key.is_replica:
        return None
    assert key.primary_region is not None
    return live_key(repo.in_region(key.primary_region), env, key.key_id)


# ---------------------------------------------------------------- applying the transitions


def _written(repo: Repository, before: Key, after: Key) -> Key:
    if after is not before:
        repo.put_key(after)
    return after


def _up_to_date(repo: Repository, env: Env, key: Key) -> Key | None:
    """Apply what the clock made due since the key was last written; None if it is now destroyed."""
    now = env.now()
    if key.origin == Origin.EXTERNAL:
        repo.expire_import_tokens(key.key_id, now)
        key = _written(repo, key, transitions.expire_material(key, now))
    if key.multi_region:
        key = _in_step_with_set(repo, env, key, now)
        if key.key_state == KeyState.PendingReplicaDeletion:
            # Replicas whose date passed are destroyed; the last one starts the primary's own window.
            for region in key.replica_regions:
                live_key(repo.in_region(region), env, key.key_id)
            reread = repo.get_key(key.key_id)
            if reread is None:
                return None
            key = reread
    else:
        key = _written(repo, key, transitions.rotate(key, now, env))
    if transitions.deletion_due(key, now):
        if key.custom_key_store_id is not None:
            # The key's material in its custom key store goes with it (a CloudHSM key; never an external one).
            from .key_store_state import destroy_backing_key

            destroy_backing_key(repo, env, key)
        repo.delete_key(key.key_id)
        if key.multi_region:
            for there, member in other_members(repo, key):
                there.put_key(transitions.without_member(member, key))
        return None
    return _written(repo, key, transitions.end_creating(key))


def _in_step_with_set(repo: Repository, env: Env, key: Key, now: float) -> Key:
    """Rotations belong to the primary: it performs those due, and a replica takes them from it."""
    if not key.is_replica:
        return _written(repo, key, transitions.rotate(key, now, env))
    home = repo.in_region(key.set_primary_region)
    primary = home.get_key(key.key_id)
    if primary is None:
        return key
    primary = _written(home, primary, transitions.rotate(primary, now, env))
    return _written(repo, key, transitions.in_step_with_primary(key, primary))
