"""CreateKey, DescribeKey, ListKeys, and the KeyMetadata that many operations report."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .api import operation
from .env import Env
from .errors import (
    LimitExceededException,
    UnsupportedOperationException,
    ValidationException,
)
from .granttokens import check_grant_tokens
from .ids import key_arn, new_key_id
from .keyring import as_reported, live_key, resolve_key
from .keyspecs import ALGORITHM_MEMBER, CHINA_ONLY, KEY_SPECS, UNGENERATABLE
from .materials import new_material
from .model import Key, KeyMaterial, KeyState, KeyUsage, MultiRegionKeyType, Origin, Tag
from .ports import Access
from .tuples import NamedTuple

if TYPE_CHECKING:
    from .records import CustomKeyStore
from .ports import Repository
from .servicemodel import shape as model_shape
from .validation import enum_violation, validation_error

MAX_KEYS_PER_REGION = 100_000


class MultiRegionKey(NamedTuple):
    arn: str
    region: str


class MultiRegionConfiguration(NamedTuple):
    multi_region_key_type: MultiRegionKeyType
    primary_key: MultiRegionKey
    replica_keys: tuple[MultiRegionKey, ...]


class XksKeyConfiguration(NamedTuple):
    id: str


class KeyMetadata(NamedTuple):
    """KeyMetadata as KMS reports it; None members are omitted from the output."""

    aws_account_id: str
    key_id: str
    arn: str
    creation_date: float
    enabled: bool
    description: str
    key_usage: str
    key_state: str
    origin: str
    key_manager: str
    key_spec: str
    multi_region: bool
    deletion_date: float | None = None
    valid_to: float | None = None
    custom_key_store_id: str | None = None
    cloud_hsm_cluster_id: str | None = None
    expiration_model: str | None = None
    customer_master_key_spec: str | None = None
    encryption_algorithms: tuple[str, ...] | None = None
    signing_algorithms: tuple[str, ...] | None = None
    key_agreement_algorithms: tuple[str, ...] | None = None
    encapsulation_algorithms: tuple[str, ...] | None = None
    multi_region_configuration: MultiRegionConfiguration | None = None
    pending_deletion_window_in_days: int | None = None
    mac_algorithms: tuple[str, ...] | None = None
    xks_key_configuration: XksKeyConfiguration | None = None
    # Only in the service response style: the guide's outputs predate it (docs/responses.md).
    current_key_material_id: str | None = None


def key_metadata(key: Key, style: str = "guide") -> KeyMetadata:
    spec = KEY_SPECS[key.key_spec]
    algorithms = {ALGORITHM_MEMBER[key.key_usage]: spec.usages[key.key_usage]}
    expiration_model, valid_to = _expiration(key)
    return KeyMetadata(
        aws_account_id=key.account_id,
        key_id=key.key_id,
        arn=key.arn,
        creation_date=key.creation_date,
        enabled=key.key_state == KeyState.Enabled,
        description=key.description,
        key_usage=key.key_usage,
        key_state=key.key_state,
        origin=key.origin,
        key_manager=key.key_manager,
        key_spec=key.key_spec,
        multi_region=key.multi_region,
        custom_key_store_id=key.custom_key_store_id,
        cloud_hsm_cluster_id=key.cloud_hsm_cluster_id,
        xks_key_configuration=XksKeyConfiguration(key.xks_key_id) if key.xks_key_id is not None else None,
        deletion_date=key.deletion_date if key.key_state == KeyState.PendingDeletion else None,
        valid_to=valid_to,
        expiration_model=expiration_model,
        customer_master_key_spec=key.key_spec if spec.legacy else None,
        multi_region_configuration=_multi_region_configuration(key) if key.multi_region else None,
        pending_deletion_window_in_days=(
            key.pending_deletion_window_in_days if key.key_state == KeyState.PendingReplicaDeletion else None
        ),
        current_key_material_id=_current_material_id(key) if style == "service" else None,
        **algorithms,  # type: ignore[arg-type]  # keys are KeyMetadata field names
    )


def _current_material_id(key: Key) -> str | None:
    """The KeyMaterialId of the material in use: symmetric keys of AWS_KMS or EXTERNAL origin only.

    botocore's model (KeyMetadata.CurrentKeyMaterialId): present for symmetric encryption keys with
    AWS_KMS or EXTERNAL origin, the keys that rotate; an EXTERNAL key has none until its first import.
    """
    material = key.current_material
    if key.key_spec != "SYMMETRIC_DEFAULT" or key.origin not in (Origin.AWS_KMS, Origin.EXTERNAL) or material is None:
        return None
    return material.material_id


def _expiration(key: Key) -> tuple[str | None, float | None]:
    """ExpirationModel and ValidTo: EXTERNAL keys holding imported material only.

    ValidTo is the earliest expiry among the key's materials; ExpirationModel is KEY_MATERIAL_EXPIRES
    if any of them expires.
    """
    held = [m for m in key.materials if not m.deleted] if key.origin == Origin.EXTERNAL else []
    if not held:
        return None, None
    expiring = [m.valid_to for m in held if m.valid_to is not None]
    if not expiring:
        return "KEY_MATERIAL_DOES_NOT_EXPIRE", None
    return "KEY_MATERIAL_EXPIRES", min(expiring)


def _multi_region_configuration(key: Key) -> MultiRegionConfiguration:
    primary = key.set_primary_region

    def member(region: str) -> MultiRegionKey:
        return MultiRegionKey(key_arn(key.arn.split(":")[1], region, key.account_id, key.key_id), region)

    return MultiRegionConfiguration(
        multi_region_key_type=MultiRegionKeyType.REPLICA if key.is_replica else MultiRegionKeyType.PRIMARY,
        primary_key=member(primary),
        replica_keys=tuple(member(r) for r in key.replica_regions),
    )


# ---------------------------------------------------------------- CreateKey


class CreateKeyRequest(NamedTuple):
    policy: str | None = None
    description: str | None = None
    key_usage: str | None = None
    customer_master_key_spec: str | None = None
    key_spec: str | None = None
    origin: str | None = None
    custom_key_store_id: str | None = None
    bypass_policy_lockout_safety_check: bool | None = None
    tags: tuple[Tag, ...] | None = None
    multi_region: bool | None = None
    xks_key_id: str | None = None


class CreateKeyResult(NamedTuple):
    key_metadata: KeyMetadata


def _key_spec_of(req: CreateKeyRequest) -> str:
    for value, path, shape in (
        (req.key_spec, "keySpec", "KeySpec"),
        (req.customer_master_key_spec, "customerMasterKeySpec", "CustomerMasterKeySpec"),
    ):
        if value in CHINA_ONLY:
            # SM2 exists only in China Regions: answer as a Region whose enum lacks it does.
            allowed = tuple(v for v in model_shape(shape).enum if v not in CHINA_ONLY)
            raise validation_error([enum_violation(path, value, allowed)])
    if req.key_spec is not None and req.customer_master_key_spec is not None:
        raise ValidationException(
            "You cannot specify KeySpec and CustomerMasterKeySpec in the same request. "
            "CustomerMasterKeySpec parameter is deprecated. Use KeySpec parameter."
        )
    return req.key_spec or req.customer_master_key_spec or "SYMMETRIC_DEFAULT"


def _key_usage_of(req: CreateKeyRequest, key_spec: str) -> KeyUsage:
    if req.key_usage is None:
        if key_spec != "SYMMETRIC_DEFAULT":
            raise ValidationException(
                "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys."
            )
        return KeyUsage.ENCRYPT_DECRYPT
    usage = KeyUsage(req.key_usage)
    if usage not in KEY_SPECS[key_spec].usages:
        raise ValidationException(f"KeyUsage {usage} is not compatible with KeySpec {key_spec}")
    return usage


def _origin_of(req: CreateKeyRequest, key_spec: str) -> Origin:
    origin = Origin(req.origin or Origin.AWS_KMS)
    if origin in (Origin.AWS_CLOUDHSM, Origin.EXTERNAL_KEY_STORE) and req.custom_key_store_id is None:
        raise UnsupportedOperationException(f"Origin {origin} requires a custom key store")
    if req.xks_key_id is not None and origin != Origin.EXTERNAL_KEY_STORE:
        raise ValidationException("XksKeyId can be specified only for keys with Origin EXTERNAL_KEY_STORE")
    if key_spec in UNGENERATABLE:
        raise UnsupportedOperationException(f"KeySpec {key_spec} is not supported")
    if origin == Origin.EXTERNAL and key_spec.startswith("ML_KEM_"):
        raise UnsupportedOperationException(f"KeySpec {key_spec} does not support Origin EXTERNAL")
    return origin


def _custom_key_store_of(repo: Repository, env: Env, req: CreateKeyRequest, key_spec: str) -> CustomKeyStore:
    """The connected custom key store the new key goes into; only symmetric, single-Region keys go there."""
    from .customkeystores import find_store, store_for_new_key

    assert req.custom_key_store_id is not None
    store = find_store(repo, req.custom_key_store_id)
    if req.origin not in (Origin.AWS_CLOUDHSM, Origin.EXTERNAL_KEY_STORE):
        raise UnsupportedOperationException(
            f"A KMS key in custom key store {store.custom_key_store_id} must have Origin {store.store_type}."
        )
    if key_spec != "SYMMETRIC_DEFAULT":
        raise UnsupportedOperationException(f"KeySpec {key_spec} is not supported for keys in a custom key store.")
    if req.multi_region:
        raise UnsupportedOperationException("Multi-Region keys cannot be created in a custom key store.")
    if req.origin == Origin.EXTERNAL_KEY_STORE and req.xks_key_id is None:
        raise ValidationException("XksKeyId is required for keys with Origin EXTERNAL_KEY_STORE.")
    return store_for_new_key(repo, env, store.custom_key_store_id, req.origin)


@operation(CreateKeyRequest, access=Access.WRITES)
def create_key(repo: Repository, env: Env, req: CreateKeyRequest) -> CreateKeyResult:
    """Create a KMS key with real key material (or none, for Origin EXTERNAL).

    https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html
    """
    # Imported here: describe-key and get-key-policy need neither, and start-up time counts.
    from .policy import new_key_policy
    from .tags import check_new_tags, merge_tags

    key_spec = _key_spec_of(req)
    usage = _key_usage_of(req, key_spec)
    store = _custom_key_store_of(repo, env, req, key_spec) if req.custom_key_store_id is not None else None
    origin = _origin_of(req, key_spec)
    multi_region = bool(req.multi_region)
    key_id = new_key_id(env.id_bytes(16), multi_region)
    arn = key_arn(env.partition, env.region, env.account_id, key_id)
    policy = new_key_policy(
        req.policy,
        bypass_lockout_check=req.bypass_policy_lockout_safety_check,
        partition=env.partition,
        account_id=env.account_id,
        caller_arn=env.caller_arn,
        key_arn=arn,
        style=env.responses,
    )
    tags = req.tags or ()
    check_new_tags(tags)
    tags_to_store = merge_tags([], tags)
    if repo.count_keys() >= MAX_KEYS_PER_REGION:
        raise LimitExceededException(
            f"The request was rejected because the number of KMS keys in {env.region} would exceed "
            f"the quota of {MAX_KEYS_PER_REGION}."
        )
    generated = origin in (Origin.AWS_KMS, Origin.EXTERNAL_KEY_STORE)
    if store is not None:
        from .customkeystores import check_external_key, generate_backing_key

        if origin == Origin.EXTERNAL_KEY_STORE:
            assert req.xks_key_id is not None
            check_external_key(repo, env, store, req.xks_key_id)
        else:
            generate_backing_key(env, store, key_id)
    key = Key(
        key_id=key_id,
        arn=arn,
        account_id=env.account_id,
        region=env.region,
        creation_date=env.now(),
        usage_tracked_since=env.now(),
        description=req.description or "",
        key_spec=key_spec,
        key_usage=usage,
        origin=origin,
        key_state=KeyState.Enabled if generated else KeyState.PendingImport,
        policy=policy,
        multi_region=multi_region,
        primary_region=env.region if multi_region else None,
        materials=(new_material(env, key_spec),) if generated else (),
        custom_key_store_id=req.custom_key_store_id,
        cloud_hsm_cluster_id=store.cloud_hsm_cluster_id if store is not None else None,
        xks_key_id=req.xks_key_id,
    )
    if origin == Origin.AWS_CLOUDHSM:
        # The key material is in the token, under the key ID; the state keeps only an ID for it.
        key = key._replace(
            materials=(KeyMaterial(material_id=env.random_bytes(32).hex(), secret=b"", created=env.now()),),
            key_state=KeyState.Enabled,
        )
    repo.put_key(key)
    if tags_to_store:
        repo.put_tags(key_id, tags_to_store)
    return CreateKeyResult(key_metadata(key, env.responses))


# ---------------------------------------------------------------- DescribeKey


class DescribeKeyRequest(NamedTuple):
    key_id: str
    grant_tokens: tuple[str, ...] | None = None


class DescribeKeyResult(NamedTuple):
    key_metadata: KeyMetadata


@operation(DescribeKeyRequest, access=Access.MAY_WRITE)
def describe_key(repo: Repository, env: Env, req: DescribeKeyRequest) -> DescribeKeyResult:
    """Describe a key given its ID, ARN, alias name or alias ARN.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeKey.html
    """
    check_grant_tokens(repo, req.grant_tokens)
    # Describing a predefined AWS alias (alias/aws/s3, ...) creates its AWS managed key, as on AWS.
    key = resolve_key(repo, env, req.key_id, allow_alias=True, create_managed=True)
    return DescribeKeyResult(key_metadata(as_reported(repo, key), env.responses))


# ---------------------------------------------------------------- ListKeys


class ListKeysRequest(NamedTuple):
    limit: int | None = None
    marker: str | None = None
    resource_owners: tuple[str, ...] | None = None


class KeyListEntry(NamedTuple):
    key_id: str
    key_arn: str


class ListKeysResult(NamedTuple):
    keys: tuple[KeyListEntry, ...]
    truncated: bool
    next_marker: str | None = None


@operation(ListKeysRequest, access=Access.MAY_WRITE)
def list_keys(repo: Repository, env: Env, req: ListKeysRequest) -> ListKeysResult:
    """Every key of the account and Region, in any state, by key ID.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_ListKeys.html
    """
    from .paging import decode_marker, encode_marker, page_limit

    limit = page_limit(req.limit, default=100)
    # Keys shared through RAM never exist locally.
    if req.resource_owners is not None and "SELF" not in req.resource_owners:
        return ListKeysResult((), False)
    after = decode_marker("keys", req.marker)
    ids = repo.list_keys(after, limit + 1)
    entries = []
    for key_id in ids[:limit]:
        key = live_key(repo, env, key_id)
        # A key whose deletion date passed is gone, even if nothing has read it since.
        if key is not None:
            entries.append(KeyListEntry(key.key_id, key.arn))
    if len(ids) > limit:
        return ListKeysResult(tuple(entries), True, encode_marker("keys", ids[limit - 1]))
    return ListKeysResult(tuple(entries), False)
