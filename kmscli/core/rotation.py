"""Key material rotation: automatic and on demand, status and history.

A rotation appends a new 256-bit material that becomes current; earlier materials stay so that
every earlier ciphertext still decrypts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .api import operation
from .errors import (
    ConflictException,
    KMSInvalidStateException,
    LimitExceededException,
    UnsupportedOperationException,
)
from .keyring import resolve_key
from .materials import rotation_material
from .model import DAY, Key, KeyMaterial, KeyState, Origin
from .paging import decode_marker, encode_marker, invalid_marker, page_limit
from .ports import Access
from .tuples import NamedTuple

if TYPE_CHECKING:
    from .env import Env
    from .ports import Repository

DEFAULT_ROTATION_PERIOD_IN_DAYS = 365
MAX_ON_DEMAND_ROTATIONS = 25
# An on-demand rotation is refused this close to a scheduled automatic one.
CONFLICT_WINDOW_S = 20 * 60
# Keys in custom key stores are never rotated by KMS, automatically or on demand.
_CUSTOM_KEY_STORE_ORIGINS = (Origin.AWS_CLOUDHSM, Origin.EXTERNAL_KEY_STORE)


def _check_rotatable(key: Key, *, allow_external: bool = False) -> None:
    if key.key_spec != "SYMMETRIC_DEFAULT":
        # KMS answers asymmetric and HMAC keys with an empty message.
        raise UnsupportedOperationException("")
    if key.origin in _CUSTOM_KEY_STORE_ORIGINS or (key.origin == Origin.EXTERNAL and not allow_external):
        raise UnsupportedOperationException(f"{key.arn} origin is {key.origin} which is not valid for this operation.")
    if key.is_replica:
        # The rotation property of a multi-Region key set belongs to its primary.
        raise UnsupportedOperationException(f"{key.arn} is not a multi-region primary key.")


class EnableKeyRotationRequest(NamedTuple):
    key_id: str
    rotation_period_in_days: int | None = None


@operation(EnableKeyRotationRequest, access=Access.WRITES)
def enable_key_rotation(repo: Repository, env: Env, req: EnableKeyRotationRequest) -> None:
    """Turn on automatic rotation (or change its period); the next rotation is a period from now.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_EnableKeyRotation.html
    """
    key = resolve_key(repo, env, req.key_id, allow_alias=False)
    _check_rotatable(key)
    period = req.rotation_period_in_days or DEFAULT_ROTATION_PERIOD_IN_DAYS
    repo.put_key(
        key._replace(
            rotation_enabled=True,
            rotation_period_in_days=period,
            next_rotation_date=round(env.now() + period * DAY, 3),
        )
    )


class DisableKeyRotationRequest(NamedTuple):
    key_id: str


@operation(DisableKeyRotationRequest, access=Access.WRITES)
def disable_key_rotation(repo: Repository, env: Env, req: DisableKeyRotationRequest) -> None:
    """Turn off automatic rotation.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_DisableKeyRotation.html
    """
    key = resolve_key(repo, env, req.key_id, allow_alias=False)
    _check_rotatable(key)
    repo.put_key(key._replace(rotation_enabled=False, rotation_period_in_days=None, next_rotation_date=None))


class GetKeyRotationStatusRequest(NamedTuple):
    key_id: str


class GetKeyRotationStatusResult(NamedTuple):
    key_rotation_enabled: bool
    key_id: str
    rotation_period_in_days: int | None = None
    next_rotation_date: float | None = None
    on_demand_rotation_start_date: float | None = None


@operation(GetKeyRotationStatusRequest, access=Access.MAY_WRITE)
def get_key_rotation_status(repo: Repository, env: Env, req: GetKeyRotationStatusRequest) -> GetKeyRotationStatusResult:
    """Whether automatic rotation is on, its period and next date.

    While the key is pending deletion KMS reports rotation off; it comes back if deletion is cancelled.
    https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyRotationStatus.html
    """
    key = resolve_key(repo, env, req.key_id, allow_alias=False)
    if key.key_spec != "SYMMETRIC_DEFAULT":
        raise UnsupportedOperationException("")
    if key.origin == Origin.EXTERNAL or key.origin in _CUSTOM_KEY_STORE_ORIGINS:
        raise UnsupportedOperationException(f"{key.arn} origin is {key.origin} which is not valid for this operation.")
    pending = key.key_state in (KeyState.PendingDeletion, KeyState.PendingReplicaDeletion)
    if not key.rotation_enabled or pending:
        return GetKeyRotationStatusResult(False, key.arn)
    return GetKeyRotationStatusResult(True, key.arn, key.rotation_period_in_days, key.next_rotation_date)


class RotateKeyOnDemandRequest(NamedTuple):
    key_id: str


class RotateKeyOnDemandResult(NamedTuple):
    key_id: str


@operation(RotateKeyOnDemandRequest, access=Access.WRITES)
def rotate_key_on_demand(repo: Repository, env: Env, req: RotateKeyOnDemandRequest) -> RotateKeyOnDemandResult:
    """Rotate now (at most 25 times per key); the automatic schedule is unchanged.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_RotateKeyOnDemand.html
    """
    key = resolve_key(repo, env, req.key_id, allow_alias=False)
    _check_rotatable(key, allow_external=True)
    if key.origin == Origin.EXTERNAL and key.pending_material is None:
        raise KMSInvalidStateException(f"No available key material pending rotation for the key: {key.arn}.")
    done = sum(1 for m in key.materials if m.rotation_type == "ON_DEMAND")
    if done >= MAX_ON_DEMAND_ROTATIONS:
        raise LimitExceededException(
            "The on-demand rotations limit has been reached for the given keyId. "
            f"No more on-demand rotations can be performed for this key: {key.arn}"
        )
    now = env.now()
    if key.rotation_enabled and key.next_rotation_date is not None and key.next_rotation_date - now < CONFLICT_WINDOW_S:
        raise ConflictException(
            f"An automatic rotation of {key.arn} is scheduled within 20 minutes; try again after it completes."
        )
    if key.pending_material is not None:
        # An EXTERNAL key rotates to the material imported as NEW_KEY_MATERIAL (PENDING_ROTATION).
        promoted = key.pending_material._replace(rotation_date=now, rotation_type="ON_DEMAND")
        repo.put_key(key._replace(materials=(*key.materials, promoted), pending_material=None))
        return RotateKeyOnDemandResult(key.arn)
    repo.put_key(key._replace(materials=(*key.materials, rotation_material(env, now, "ON_DEMAND"))))
    return RotateKeyOnDemandResult(key.arn)


class ListKeyRotationsRequest(NamedTuple):
    key_id: str
    include_key_material: str | None = None
    limit: int | None = None
    marker: str | None = None


class RotationsListEntry(NamedTuple):
    key_id: str
    key_material_id: str
    key_material_state: str
    rotation_date: float | None = None
    rotation_type: str | None = None
    # EXTERNAL keys only.
    key_material_description: str | None = None
    import_state: str | None = None
    expiration_model: str | None = None
    valid_to: float | None = None


class ListKeyRotationsResult(NamedTuple):
    rotations: tuple[RotationsListEntry, ...]
    truncated: bool
    next_marker: str | None = None


@operation(ListKeyRotationsRequest, access=Access.MAY_WRITE)
def list_key_rotations(repo: Repository, env: Env, req: ListKeyRotationsRequest) -> ListKeyRotationsResult:
    """Completed rotations, oldest first (with ALL_KEY_MATERIAL, the first material too).

    https://docs.aws.amazon.com/kms/latest/APIReference/API_ListKeyRotations.html
    """
    key = resolve_key(repo, env, req.key_id, allow_alias=False)
    _check_rotatable(key, allow_external=True)
    limit = page_limit(req.limit, default=100)
    after = decode_marker(f"rotations:{key.key_id}", req.marker)
    current = key.current_material
    entries = [
        RotationsListEntry(
            key.key_id,
            m.material_id,
            "CURRENT" if m is current else "NON_CURRENT",
            m.rotation_date,
            m.rotation_type,
            **_import_fields(key, m),
        )
        for i, m in enumerate(key.materials)
        if i > 0 or req.include_key_material == "ALL_KEY_MATERIAL"
    ]
    if key.pending_material is not None and req.include_key_material == "ALL_KEY_MATERIAL":
        pending = key.pending_material
        entries.append(
            RotationsListEntry(key.key_id, pending.material_id, "PENDING_ROTATION", **_import_fields(key, pending))
        )
    start = 0
    if after is not None:
        if not after.isdigit():
            raise invalid_marker()
        start = int(after) + 1
    page = entries[start : start + limit]
    if start + limit < len(entries):
        marker = encode_marker(f"rotations:{key.key_id}", str(start + limit - 1))
        return ListKeyRotationsResult(tuple(page), True, marker)
    return ListKeyRotationsResult(tuple(page), False)


def _import_fields(key: Key, material: KeyMaterial) -> dict[str, Any]:
    """KeyMaterialDescription, ImportState, ExpirationModel and ValidTo: for imported material only."""
    if key.origin != Origin.EXTERNAL:
        return {}
    return {
        "key_material_description": material.description,
        "import_state": "PENDING_IMPORT" if material.deleted else "IMPORTED",
        "expiration_model": material.expiration_model,
        "valid_to": material.valid_to,
    }
