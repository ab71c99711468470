"""What the clock makes due to a key: pure functions from a key as last written to the key as it now stands.

None of these reads or writes a repository. keyring.py applies them, in this order, whenever an
operation reaches a key, and writes back what changed:

1. imported material past its ValidTo is forgotten (`expire_material`);
2. automatic rotations that fell due are performed, each dated when it was due (`rotate`);
3. a key whose deletion window ended is destroyed (`deletion_due`);
4. a new multi-Region replica leaves Creating (`end_creating`).

A multi-Region set adds two pure steps that keyring.py applies across the set: a replica takes
its primary's material and rotation settings (`in_step_with_primary`), and a destroyed member
leaves the others' replica lists (`without_member`).

Each function returns the very key it was given (the same object) when nothing is due, so that
keyring.py writes only what changed and a read-only command stays read-only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .materials import rotation_material
from .model import DAY, Key, KeyMaterial, KeyState, Origin

if TYPE_CHECKING:
    from .env import Env
    from .summaries import KeySummary

PENDING_DELETION = (KeyState.PendingDeletion, KeyState.PendingReplicaDeletion)
DEFAULT_PENDING_WINDOW_IN_DAYS = 30


def forgotten(material: KeyMaterial) -> KeyMaterial:
    """A deleted or expired material: its ID and history stay, its secret and expiration go."""
    return material._replace(secret=b"", deleted=True, expiration_model=None, valid_to=None)


def expire_material(key: Key, now: float) -> Key:
    """Imported material past its ValidTo is deleted; the key waits for a new import.

    Losing material puts the key in PendingImport (a key pending deletion stays so). Material
    pending rotation that expires is simply dropped: it was never in use. (The import tokens that
    expired are rows of their own, erased by the repository: Repository.expire_import_tokens.)
    """

    def due(m: KeyMaterial) -> bool:
        return not m.deleted and m.valid_to is not None and m.valid_to <= now

    expired = any(due(m) for m in key.materials)
    pending_due = key.pending_material is not None and due(key.pending_material)
    if not expired and not pending_due:
        return key
    key = key._replace(
        materials=tuple(forgotten(m) if due(m) else m for m in key.materials),
        pending_material=None if pending_due else key.pending_material,
    )
    if expired and key.key_state not in PENDING_DELETION:
        key = key._replace(key_state=KeyState.PendingImport)
    return key


def rotation_due(key: Key | KeySummary, now: float) -> bool:
    return (
        key.rotation_enabled
        and key.key_state == KeyState.Enabled
        and key.next_rotation_date is not None
        and key.next_rotation_date <= now
    )


def rotate(key: Key, now: float, env: Env) -> Key:
    """Every automatic rotation scheduled up to `now`, each dated when it was due (new material from `env`)."""
    if not rotation_due(key, now):
        return key
    assert key.next_rotation_date is not None
    assert key.rotation_period_in_days is not None
    materials = list(key.materials)
    due = key.next_rotation_date
    while due <= now:
        materials.append(rotation_material(env, due, "AUTOMATIC"))
        due = round(due + key.rotation_period_in_days * DAY, 3)
    return key._replace(materials=tuple(materials), next_rotation_date=due)


def deletion_due(key: Key | KeySummary, now: float) -> bool:
    """The key's deletion window ended: it is destroyed, with its aliases, tags and grants."""
    return key.key_state == KeyState.PendingDeletion and key.deletion_date is not None and key.deletion_date <= now


def end_creating(key: Key) -> Key:
    """kmscli makes only new replicas Creating, and they are so only in ReplicateKey's own answer."""
    if key.key_state != KeyState.Creating or not key.multi_region:
        return key
    return key._replace(key_state=KeyState.PendingImport if key.missing_material else KeyState.Enabled)


def nothing_due(key: Key | KeySummary, now: float) -> bool:
    """Whether the key, as written, is the key as it now stands: none of the steps above applies.

    Decided from a KeySummary's members, so that a listing shows such a key without reading it
    whole. Imported material (its expiry, its import tokens) and multi-Region keys (their set) are
    never vouched for here: the keyring reads those whole. For any other key, steps 1 and 4 do
    not apply, so only a due rotation or deletion can change it.
    """
    return (
        key.origin != Origin.EXTERNAL
        and not key.multi_region
        and not rotation_due(key, now)
        and not deletion_due(key, now)
    )


# ---------------------------------------------------------------- multi-Region sets


def in_step_with_primary(replica: Key, primary: Key) -> Key:
    """A replica of generated material shares its primary's materials and rotation settings.

    Imported material (Origin EXTERNAL) is imported into each member itself.
    """
    if replica.origin != Origin.AWS_KMS:
        return replica
    shared = {
        "materials": primary.materials,
        "rotation_enabled": primary.rotation_enabled,
        "rotation_period_in_days": primary.rotation_period_in_days,
        "next_rotation_date": primary.next_rotation_date,
    }
    if all(getattr(replica, name) == value for name, value in shared.items()):
        return replica
    return replica._replace(**shared)  # type: ignore[arg-type]  # names are Key fields


def without_member(member: Key, gone: Key) -> Key:
    """`member` of a set after `gone`, another member, was destroyed: its replica list loses it.

    A primary waiting in PendingReplicaDeletion for this, its last replica, moves to PendingDeletion;
    its window starts when the replica was destroyed.
    """
    replicas = tuple(r for r in member.replica_regions if r != gone.region)
    member = member._replace(replica_regions=replicas)
    if member.key_state == KeyState.PendingReplicaDeletion and not replicas:
        window = member.pending_deletion_window_in_days or DEFAULT_PENDING_WINDOW_IN_DAYS
        start = gone.deletion_date if gone.deletion_date is not None else member.creation_date
        member = member._replace(key_state=KeyState.PendingDeletion, deletion_date=round(start + window * DAY, 3))
    return member
