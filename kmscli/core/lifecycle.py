"""The key lifecycle: description, enable/disable, scheduling and cancelling deletion."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .api import operation
from .errors import ValidationException
from .keyring import resolve_key
from .model import DAY, KeyState
from .ports import Access
from .transitions import DEFAULT_PENDING_WINDOW_IN_DAYS
from .tuples import NamedTuple

if TYPE_CHECKING:
    from .env import Env
    from .ports import Repository


class UpdateKeyDescriptionRequest(NamedTuple):
    key_id: str
    description: str


@operation(UpdateKeyDescriptionRequest, access=Access.WRITES)
def update_key_description(repo: Repository, env: Env, req: UpdateKeyDescriptionRequest) -> None:
    """Replace a key's description ("" allowed).

    https://docs.aws.amazon.com/kms/latest/APIReference/API_UpdateKeyDescription.html
    """
    key = resolve_key(repo, env, req.key_id, allow_alias=False)
    repo.put_key(key._replace(description=req.description))


class EnableKeyRequest(NamedTuple):
    key_id: str


@operation(EnableKeyRequest, access=Access.WRITES)
def enable_key(repo: Repository, env: Env, req: EnableKeyRequest) -> None:
    """Enable a key (idempotent).

    https://docs.aws.amazon.com/kms/latest/APIReference/API_EnableKey.html
    """
    key = resolve_key(repo, env, req.key_id, allow_alias=False)
    if key.key_state != KeyState.Enabled:
        repo.put_key(key._replace(key_state=KeyState.Enabled))


class DisableKeyRequest(NamedTuple):
    key_id: str


@operation(DisableKeyRequest, access=Access.WRITES)
def disable_key(repo: Repository, env: Env, req: DisableKeyRequest) -> None:
    """Disable a key (idempotent); its rotation setting is kept but no rotation happens meanwhile.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_DisableKey.html
    """
    key = resolve_key(repo, env, req.key_id, allow_alias=False)
    if key.key_state != KeyState.Disabled:
        repo.put_key(key._replace(key_state=KeyState.Disabled))


class ScheduleKeyDeletionRequest(NamedTuple):
    key_id: str
    pending_window_in_days: int | None = None


class ScheduleKeyDeletionResult(NamedTuple):
    key_id: str
    deletion_date: float | None
    key_state: str
    pending_window_in_days: int


@operation(ScheduleKeyDeletionRequest, access=Access.WRITES)
def schedule_key_deletion(repo: Repository, env: Env, req: ScheduleKeyDeletionRequest) -> ScheduleKeyDeletionResult:
    """Start a 7-30 day waiting period at whose end the key, its aliases and tags are destroyed.

    A multi-Region primary that still has replicas waits in PendingReplicaDeletion instead.
    https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html
    """
    window = req.pending_window_in_days
    if window is None:
        window = DEFAULT_PENDING_WINDOW_IN_DAYS
    # The model allows 1-365; the service only 7-30.
    if not 7 <= window <= 30:
        raise ValidationException(f"PendingWindowInDays should be between 7 and 30, but it is {window}")
    key = resolve_key(repo, env, req.key_id, allow_alias=False)
    if key.is_primary and key.replica_regions:
        key = key._replace(key_state=KeyState.PendingReplicaDeletion, pending_deletion_window_in_days=window)
        repo.put_key(key)
        return ScheduleKeyDeletionResult(key.arn, None, key.key_state, window)
    # Exactly now + N days: KMS does not round to midnight.
    deletion_date = round(env.now() + window * DAY, 3)
    key = key._replace(key_state=KeyState.PendingDeletion, deletion_date=deletion_date)
    repo.put_key(key)
    return ScheduleKeyDeletionResult(key.arn, deletion_date, key.key_state, window)


class CancelKeyDeletionRequest(NamedTuple):
    key_id: str


class CancelKeyDeletionResult(NamedTuple):
    key_id: str


@operation(CancelKeyDeletionRequest, access=Access.WRITES)
def cancel_key_deletion(repo: Repository, env: Env, req: CancelKeyDeletionRequest) -> CancelKeyDeletionResult:
    """Stop a scheduled deletion; the key comes back Disabled (PendingImport if it has no material).

    https://docs.aws.amazon.com/kms/latest/APIReference/API_CancelKeyDeletion.html
    """
    key = resolve_key(repo, env, req.key_id, allow_alias=False)
    # An EXTERNAL key never imported, or whose material was deleted or expired.
    no_material = key.missing_material
    key = key._replace(
        key_state=KeyState.PendingImport if no_material else KeyState.Disabled,
        deletion_date=None,
        pending_deletion_window_in_days=None,
    )
    repo.put_key(key)
    return CancelKeyDeletionResult(key.arn)
