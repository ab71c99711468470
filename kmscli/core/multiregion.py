"""Multi-Region keys: replicas in other Regions of the same state, and the set kept in step.

Every member of a set is an ordinary key row in its own Region, with the same `mrk-` key ID. Each
keeps its own copy of the set's shape (primary Region, replica Regions); every operation that
changes the shape rewrites it in every member at once.

Key material is shared. A replica of an AWS_KMS key gets a copy of the primary's materials, and
the primary is the one source of truth afterwards: rotations (automatic, on demand, and changes to
the rotation schedule) happen to the primary only, and each replica pulls the primary's materials
and rotation settings whenever it is read (sync_with_primary, called by
lookup.apply_due_transitions). So a replica never encrypts under stale material without first
catching up, and no rotation code has to know about replicas. Imported material (Origin EXTERNAL)
is imported into each member itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from .api import operation
from .env import partition_for
from .errors import (
    AlreadyExistsException,
    KmsError,
    KMSInvalidStateException,
    LimitExceededException,
    NotFoundException,
    UnsupportedOperationException,
    ValidationException,
)
from .ids import key_arn
from .keys import MAX_KEYS_PER_REGION, KeyMetadata, key_metadata
from .lookup import resolve_key
from .model import Key, KeyState, Origin, Tag

if TYPE_CHECKING:
    from .env import Env
    from .ports import Repository

DAY = 86400
_PENDING_DELETION = (KeyState.PendingDeletion, KeyState.PendingReplicaDeletion)


def is_primary(key: Key) -> bool:
    return key.multi_region and (key.primary_region or key.region) == key.region


def _not_primary(key: Key) -> KmsError:
    return UnsupportedOperationException(f"{key.arn} is not a multi-region primary key.")


def other_members(repo: Repository, key: Key) -> list[tuple[Repository, Key]]:
    """Every other member of `key`'s set as stored, each with the repository of its Region."""
    found = []
    for region in (key.primary_region or key.region, *key.replica_regions):
        if region != key.region:
            there = repo.in_region(region)
            member = there.get_key(key.key_id)
            if member is not None:
                found.append((there, member))
    return found


# ---------------------------------------------------------------- keeping the set in step


def _rotation_due(key: Key, now: float) -> bool:
    return (
        key.rotation_enabled
        and key.key_state == KeyState.Enabled
        and key.next_rotation_date is not None
        and key.next_rotation_date <= now
    )


def sync_with_primary(repo: Repository, env: Env, key: Key, now: float) -> Key:
    """Due rotations for a member of a set: the primary's due rotations, then the replica's copy of them."""
    primary_region = key.primary_region or key.region
    if primary_region == key.region:
        if _rotation_due(key, now):
            from .rotation import rotate_automatically

            key = rotate_automatically(env, key, now)
            repo.put_key(key)
        return key
    home = repo.in_region(primary_region)
    primary = home.get_key(key.key_id)
    if primary is None:
        return key
    if _rotation_due(primary, now):
        from .rotation import rotate_automatically

        primary = rotate_automatically(env, primary, now)
        home.put_key(primary)
    if key.origin != Origin.AWS_KMS:
        return key
    shared = {
        "materials": primary.materials,
        "rotation_enabled": primary.rotation_enabled,
        "rotation_period_in_days": primary.rotation_period_in_days,
        "next_rotation_date": primary.next_rotation_date,
    }
    if any(getattr(key, name) != value for name, value in shared.items()):
        key = key._replace(**shared)  # type: ignore[arg-type]  # names are Key fields
        repo.put_key(key)
    return key


def destroy_due_replicas(repo: Repository, env: Env, key: Key) -> Key | None:
    """A primary in PendingReplicaDeletion: destroy its replicas whose date passed, then read it again.

    Destroying the last replica starts the primary's own deletion window (forget_member).
    """
    from .lookup import apply_due_transitions

    for region in key.replica_regions:
        there = repo.in_region(region)
        replica = there.get_key(key.key_id)
        if replica is not None:
            apply_due_transitions(there, env, replica)
    return repo.get_key(key.key_id)


def forget_member(repo: Repository, key: Key) -> None:
    """A destroyed member leaves its set: the others' ReplicaKeys lose it.

    A primary waiting in PendingReplicaDeletion for this, its last replica, moves to PendingDeletion;
    its window starts when the replica was destroyed.
    """
    for there, member in other_members(repo, key):
        replicas = tuple(r for r in member.replica_regions if r != key.region)
        member = member._replace(replica_regions=replicas)
        if member.key_state == KeyState.PendingReplicaDeletion and not replicas:
            window = member.pending_deletion_window_in_days or 30
            start = key.deletion_date if key.deletion_date is not None else member.creation_date
            member = member._replace(key_state=KeyState.PendingDeletion, deletion_date=round(start + window * DAY, 3))
        there.put_key(member)


# ---------------------------------------------------------------- ReplicateKey


class ReplicateKeyRequest(NamedTuple):
    key_id: str
    replica_region: str
    policy: str | None = None
    bypass_policy_lockout_safety_check: bool | None = None
    description: str | None = None
    tags: tuple[Tag, ...] | None = None


class ReplicateKeyResult(NamedTuple):
    replica_key_metadata: KeyMetadata
    replica_policy: str
    # Omitted when the request has no Tags, as KMS answers; an empty Tags list answers [].
    replica_tags: tuple[Tag, ...] | None


@operation("ReplicateKey", ReplicateKeyRequest, writes=True)
def replicate_key(repo: Repository, env: Env, req: ReplicateKeyRequest) -> ReplicateKeyResult:
    """Create a replica of a multi-Region primary key in another Region: same key ID, same key material.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_ReplicateKey.html
    """
    from .policy import check_policy, default_key_policy
    from .tags import check_new_tags, merge_tags

    key = resolve_key(repo, env, req.key_id, allow_alias=False, operation="ReplicateKey")
    if not is_primary(key):
        raise _not_primary(key)
    region = req.replica_region
    if region == key.region:
        raise ValidationException(f"The replica Region {region} is the Region of the primary key {key.arn}.")
    there = repo.in_region(region)
    existing = there.get_key(key.key_id)
    if existing is not None:
        from .lookup import apply_due_transitions

        # A replica whose deletion date passed is gone, even if nothing read it since.
        existing = apply_due_transitions(there, env, existing)
        key = repo.get_key(key.key_id) or key
    if existing is not None or region in key.replica_regions:
        raise AlreadyExistsException(
            f"Unable to replicate key {key.key_id} to region {region}, as the key already exist there"
        )
    partition = partition_for(region)
    arn = key_arn(partition, region, key.account_id, key.key_id)
    if req.policy is None:
        policy = default_key_policy(partition, key.account_id, env.responses)
    else:
        check_policy(
            req.policy,
            caller_arn=env.caller_arn,
            key_arn=arn,
            bypass_lockout_check=bool(req.bypass_policy_lockout_safety_check),
        )
        policy = req.policy
    check_new_tags(req.tags or ())
    tags = merge_tags([], req.tags or ())
    if there.count_keys() >= MAX_KEYS_PER_REGION:
        raise LimitExceededException(
            f"The request was rejected because the number of KMS keys in {region} would exceed "
            f"the quota of {MAX_KEYS_PER_REGION}."
        )
    replicas = (*key.replica_regions, region)
    replica = key._replace(
        arn=arn,
        region=region,
        creation_date=env.now(),
        description=req.description or "",
        policy=policy,
        key_state=KeyState.Creating,
        primary_region=key.region,
        replica_regions=replicas,
        deletion_date=None,
        pending_deletion_window_in_days=None,
        # Imported material is imported into each member itself.
        materials=key.materials if key.origin == Origin.AWS_KMS else (),
        pending_material=None,
    )
    there.put_key(replica)
    if tags:
        there.put_tags(key.key_id, tags)
    for member_repo, member in [(repo, key), *other_members(repo, key)]:
        member_repo.put_key(member._replace(replica_regions=replicas))
    return ReplicateKeyResult(key_metadata(replica, env.responses), policy, None if req.tags is None else tuple(tags))


# ---------------------------------------------------------------- UpdatePrimaryRegion


class UpdatePrimaryRegionRequest(NamedTuple):
    key_id: str
    primary_region: str


@operation("UpdatePrimaryRegion", UpdatePrimaryRegionRequest, writes=True)
def update_primary_region(repo: Repository, env: Env, req: UpdatePrimaryRegionRequest) -> None:
    """Make the replica in another Region the primary; this key becomes one of its replicas.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_UpdatePrimaryRegion.html
    """
    from .lookup import apply_due_transitions

    key = resolve_key(repo, env, req.key_id, allow_alias=False, operation="UpdatePrimaryRegion")
    if not is_primary(key):
        raise _not_primary(key)
    region = req.primary_region
    if region == key.region:
        raise ValidationException(f"{key.arn} is already the primary key of its multi-Region key set.")
    there = repo.in_region(region)
    replica = there.get_key(key.key_id) if region in key.replica_regions else None
    if replica is not None:
        replica = apply_due_transitions(there, env, replica)
    if replica is None:
        raise NotFoundException(
            f"Key '{key_arn(partition_for(region), region, key.account_id, key.key_id)}' does not exist"
        )
    if replica.key_state in _PENDING_DELETION:
        raise KMSInvalidStateException(f"{replica.arn} is pending deletion.")
    # Settling the replica may have brought the primary's rotations up to date: read it again.
    key = repo.get_key(key.key_id) or key
    replicas = (*(r for r in key.replica_regions if r != region), key.region)
    for member_repo, member in [(repo, key), *other_members(repo, key)]:
        member_repo.put_key(member._replace(primary_region=region, replica_regions=replicas))
