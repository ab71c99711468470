"""The stored model: keys, their material, aliases and tags, as immutable named tuples
(cheaper to define than dataclasses, which matters at every command's start-up).

These are the core's own types, not the wire format: output.py renders results, and
store.py persists these. Key material lives only here and in the store.
"""

from __future__ import annotations

from enum import StrEnum

from .tuples import NamedTuple

# Dates are epoch seconds; periods and windows are given in days.
DAY = 86400


class KeyState(StrEnum):
    Creating = "Creating"
    Enabled = "Enabled"
    Disabled = "Disabled"
    PendingDeletion = "PendingDeletion"
    PendingImport = "PendingImport"
    PendingReplicaDeletion = "PendingReplicaDeletion"
    Unavailable = "Unavailable"
    Updating = "Updating"


class KeyUsage(StrEnum):
    SIGN_VERIFY = "SIGN_VERIFY"
    ENCRYPT_DECRYPT = "ENCRYPT_DECRYPT"
    GENERATE_VERIFY_MAC = "GENERATE_VERIFY_MAC"
    KEY_AGREEMENT = "KEY_AGREEMENT"
    ENCAPSULATE_DECAPSULATE = "ENCAPSULATE_DECAPSULATE"


class Origin(StrEnum):
    AWS_KMS = "AWS_KMS"
    EXTERNAL = "EXTERNAL"
    AWS_CLOUDHSM = "AWS_CLOUDHSM"
    EXTERNAL_KEY_STORE = "EXTERNAL_KEY_STORE"


class KeyManager(StrEnum):
    AWS = "AWS"
    CUSTOMER = "CUSTOMER"


class MultiRegionKeyType(StrEnum):
    PRIMARY = "PRIMARY"
    REPLICA = "REPLICA"


class KeyMaterial(NamedTuple):
    """One version of a key's secret: raw bytes (symmetric, HMAC) or PKCS#8 DER (asymmetric)."""

    material_id: str
    secret: bytes
    created: float
    # Set for material that a rotation made current: when, and AUTOMATIC or ON_DEMAND.
    rotation_date: float | None = None
    rotation_type: str | None = None
    # Imported material only (Origin EXTERNAL): how it expires, and its KeyMaterialDescription.
    expiration_model: str | None = None
    valid_to: float | None = None
    description: str | None = None
    # Imported material that was deleted or expired: its ID stays (the same material can be
    # imported again), its secret is gone (b"") until then.
    deleted: bool = False


class Key(NamedTuple):
    key_id: str
    arn: str
    account_id: str
    region: str
    creation_date: float
    description: str
    key_spec: str
    key_usage: KeyUsage
    origin: Origin
    key_state: KeyState
    policy: str
    key_manager: KeyManager = KeyManager.CUSTOMER
    multi_region: bool = False
    # For multi-Region keys: the region of the primary and of every replica, shared by the set.
    primary_region: str | None = None
    replica_regions: tuple[str, ...] = ()
    deletion_date: float | None = None
    pending_deletion_window_in_days: int | None = None
    # Oldest first; the last one is the current material.
    materials: tuple[KeyMaterial, ...] = ()
    rotation_enabled: bool = False
    rotation_period_in_days: int | None = None
    next_rotation_date: float | None = None
    # Imported as NEW_KEY_MATERIAL after the first import: waits, outside `materials`, for
    # RotateKeyOnDemand to make it current.
    pending_material: KeyMaterial | None = None
    # Keys in a custom key store (Origin AWS_CLOUDHSM or EXTERNAL_KEY_STORE).
    custom_key_store_id: str | None = None
    cloud_hsm_cluster_id: str | None = None
    xks_key_id: str | None = None
    # GetKeyLastUsage (usage.py): the last successful cryptographic operation and when it ran, and
    # since when this key's uses are recorded (None: a key made before kmscli recorded them).
    last_used_operation: str | None = None
    last_used_date: float | None = None
    usage_tracked_since: float | None = None

    @property
    def current_material(self) -> KeyMaterial | None:
        return self.materials[-1] if self.materials else None

    @property
    def set_primary_region(self) -> str:
        """The Region of the primary of the key's multi-Region set (a single-Region key's own Region)."""
        return self.primary_region or self.region

    @property
    def is_primary(self) -> bool:
        """A multi-Region primary key."""
        return self.multi_region and self.set_primary_region == self.region

    @property
    def is_replica(self) -> bool:
        """A multi-Region replica key."""
        return self.multi_region and self.set_primary_region != self.region

    @property
    def missing_material(self) -> bool:
        """True while some key material must be (re)imported: such a key can only be PendingImport."""
        return not self.materials or any(m.deleted for m in self.materials)


class Tag(NamedTuple):
    tag_key: str
    tag_value: str


class Alias(NamedTuple):
    alias_name: str
    target_key_id: str
    creation_date: float
    last_updated_date: float
