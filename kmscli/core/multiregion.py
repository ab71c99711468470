"""Multi-Region keys: replicas in other Regions of the same state, and the set kept in step.

Every member of a set is an ordinary key row in its own Region, with the same `mrk-` key ID. Each
keeps its own copy of the set's shape (primary Region, replica Regions); every operation that
changes the shape rewrites it in every member at once.

Key material is shared. A replica of an AWS_KMS key gets a copy of the primary's materials, and
the primary is the one source of truth afterwards: rotations (automatic, on demand, and changes to
the rotation schedule) happen to the primary only, and each replica pulls the primary's materials
and rotation settings whenever it is read (keyring.py, with transitions.in_step_with_primary). So a
replica never encrypts under stale material without first catching up, and no rotation code has to
know about replicas. Imported material (Origin EXTERNAL)
is imported into each member itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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
from .keyring import member_in, other_members, resolve_key
from .keys import MAX_KEYS_PER_REGION, KeyMetadata, key_metadata
from .model import Key, KeyState, Origin, Tag
from .ports import Access
from .transitions import PENDING_DELETION
from .tuples import NamedTuple

if TYPE_CHECKING:
    from .env import Env
    from .ports import Repository


def _not_primary(key: Key) -> KmsError:
    return UnsupportedOperationException(f"{key.arn} is not a multi-region primary key.")


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


@operation(ReplicateKeyRequest, access=Access.WRITES)
def replicate_key(repo: Repository, env: Env, req: ReplicateKeyRequest) -> ReplicateKeyResult:
    """Create a replica of a multi-Region primary key in another Region: same key ID, same key material.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_ReplicateKey.html
    """
    from .policy import new_key_policy
    from .tags import check_new_tags, merge_tags

    key = resolve_key(repo, env, req.key_id, allow_alias=False)
    if not key.is_primary:
        raise _not_primary(key)
    region = req.replica_region
    if region == key.region:
        raise ValidationException(f"The replica Region {region} is the Region of the primary key {key.arn}.")
    there = repo.in_region(region)
    # A replica whose deletion date passed is gone, even if nothing read it since.
    existing, key = member_in(repo, env, key, region)
    if existing is not None or region in key.replica_regions:
        raise AlreadyExistsException(
            f"Unable to replicate key {key.key_id} to region {region}, as the key already exist there"
        )
    partition = partition_for(region)
    arn = key_arn(partition, region, key.account_id, key.key_id)
    policy = new_key_policy(
        req.policy,
        bypass_lockout_check=req.bypass_policy_lockout_safety_check,
        partition=partition,
        account_id=key.account_id,
        caller_arn=env.caller_arn,
        key_arn=arn,
        style=env.responses,
    )
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
        # A replica records its own uses, from its creation on.
        usage_tracked_since=env.now(),
        last_used_operation=None,
        last_used_date=None,
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


@operation(UpdatePrimaryRegionRequest, access=Access.WRITES)
def update_primary_region(repo: Repository, env: Env, req: UpdatePrimaryRegionRequest) -> None:
    """Make the replica in another Region the primary; this key becomes one of its replicas.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_UpdatePrimaryRegion.html
    """
    key = resolve_key(repo, env, req.key_id, allow_alias=False)
    if not key.is_primary:
        raise _not_primary(key)
    region = req.primary_region
    if region == key.region:
        raise ValidationException(f"{key.arn} is already the primary key of its multi-Region key set.")
    # Bringing the replica up to date may bring the primary's rotations up to date too: `key` comes back anew.
    replica, key = member_in(repo, env, key, region) if region in key.replica_regions else (None, key)
    if replica is None:
        raise NotFoundException(
            f"Key '{key_arn(partition_for(region), region, key.account_id, key.key_id)}' does not exist"
        )
    if replica.key_state in PENDING_DELETION:
        raise KMSInvalidStateException(f"{replica.arn} is pending deletion.")
    replicas = (*(r for r in key.replica_regions if r != region), key.region)
    for member_repo, member in [(repo, key), *other_members(repo, key)]:
        member_repo.put_key(member._replace(primary_region=region, replica_regions=replicas))
