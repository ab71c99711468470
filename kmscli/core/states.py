"""The key-state table (AWS's "Key states of AWS KMS keys"): which operations each key state refuses, and with what.

Every operation that acts on a key calls check_key_state once; '?' cells of the table
(depending on key type or origin) are left to the operation itself.
"""

from __future__ import annotations

from collections.abc import Callable

from .errors import (
    AccessDeniedException,
    DisabledException,
    KmsError,
    KMSInvalidStateException,
    UnsupportedOperationException,
)
from .model import Key, KeyManager, KeyState

_S = KeyState
Refusal = Callable[[Key], KmsError]


def _disabled(key: Key) -> KmsError:
    return DisabledException(f"{key.arn} is disabled.")


def _pending_import(key: Key) -> KmsError:
    return KMSInvalidStateException(f"{key.arn} is pending import.")


def _pending_deletion(key: Key) -> KmsError:
    return KMSInvalidStateException(f"{key.arn} is pending deletion.")


def _not_pending_deletion(key: Key) -> KmsError:
    return KMSInvalidStateException(f"{key.arn} is not pending deletion.")


def _transient(key: Key) -> KmsError:
    return KMSInvalidStateException(f"{key.arn} is {key.key_state.value.lower()}.")


def _unavailable(key: Key) -> KmsError:
    if key.xks_key_id is not None:
        from .key_store_state import XKS_MESSAGES

        return KMSInvalidStateException(XKS_MESSAGES["not_connected"])
    return KMSInvalidStateException(f"{key.arn} is unavailable.")


def _external_origin(key: Key) -> KmsError:
    return UnsupportedOperationException(f"{key.arn} origin is EXTERNAL which is not valid for this operation.")


_PENDING = {_S.PendingDeletion: _pending_deletion, _S.PendingReplicaDeletion: _pending_deletion}
# Keys of a custom key store that is not connected are Unavailable: they cannot be used, only managed.
_CRYPTO = {
    _S.Disabled: _disabled,
    _S.PendingImport: _pending_import,
    _S.Creating: _transient,
    _S.Unavailable: _unavailable,
    **_PENDING,
}
_ANY: dict[KeyState, Refusal] = {}
_MUTATE = dict(_PENDING)
_ENABLE = {_S.PendingImport: _pending_import, _S.Updating: _transient, **_PENDING}
_SCHEDULE = {_S.Updating: _transient, **_PENDING}
_CANCEL = {s: _not_pending_deletion for s in KeyState if s not in (_S.PendingDeletion, _S.PendingReplicaDeletion)}
_ROTATION = {_S.Disabled: _disabled, _S.PendingImport: _external_origin, _S.Updating: _transient, **_PENDING}
_ROTATION_STATUS = {_S.PendingImport: _external_origin}
_ROTATE_NOW = {
    _S.Disabled: _disabled,
    _S.PendingImport: _pending_import,
    _S.Creating: _transient,
    _S.Updating: _transient,
    **_PENDING,
}
_IMPORT = {_S.Updating: _transient, **_PENDING}
_DELETE_IMPORTED = {_S.Updating: _transient}
_MULTI_REGION = {_S.Disabled: _disabled, _S.Creating: _transient, _S.Updating: _transient, **_PENDING}

TABLE: dict[str, dict[KeyState, Refusal]] = {
    **dict.fromkeys(
        (
            "Encrypt",
            "Decrypt",
            "ReEncrypt",
            "GenerateDataKey",
            "GenerateDataKeyWithoutPlaintext",
            "GenerateDataKeyPair",
            "GenerateDataKeyPairWithoutPlaintext",
            "Sign",
            "Verify",
            "GenerateMac",
            "VerifyMac",
            "GetPublicKey",
            "DeriveSharedSecret",
            "Encapsulate",
            "Decapsulate",
            "CreateGrant",
        ),
        _CRYPTO,
    ),
    **dict.fromkeys(
        (
            "DescribeKey",
            "GetKeyPolicy",
            "PutKeyPolicy",
            "ListKeyPolicies",
            "ListGrants",
            "ListResourceTags",
            "ListAliases",
            "RetireGrant",
            "RevokeGrant",
            "DeleteAlias",
            "ListKeyRotations",
            # Its errors in the model include no KMSInvalidStateException: it answers in every state.
            "GetKeyLastUsage",
        ),
        _ANY,
    ),
    **dict.fromkeys(("CreateAlias", "UpdateAlias", "TagResource", "UntagResource", "UpdateKeyDescription"), _MUTATE),
    "EnableKey": _ENABLE,
    "DisableKey": _ENABLE,
    "ScheduleKeyDeletion": _SCHEDULE,
    "CancelKeyDeletion": _CANCEL,
    "EnableKeyRotation": _ROTATION,
    "DisableKeyRotation": _ROTATION,
    "GetKeyRotationStatus": _ROTATION_STATUS,
    "RotateKeyOnDemand": _ROTATE_NOW,
    "GetParametersForImport": _IMPORT,
    "ImportKeyMaterial": _IMPORT,
    "DeleteImportedKeyMaterial": _DELETE_IMPORTED,
    "ReplicateKey": _MULTI_REGION,
    "UpdatePrimaryRegion": _MULTI_REGION,
}


def check_key_state(operation: str, key: Key) -> None:
    refusal = TABLE[operation].get(key.key_state)
    if refusal is not None:
        raise refusal(key)


# Operations that change a key or its aliases: AWS managed keys refuse them all (their policy
# lets the account describe and use them, never manage them).
MANAGEMENT_OPERATIONS = frozenset(
    {
        "CancelKeyDeletion",
        "CreateAlias",
        "DeleteImportedKeyMaterial",
        "DisableKey",
        "DisableKeyRotation",
        "EnableKey",
        "EnableKeyRotation",
        "GetParametersForImport",
        "ImportKeyMaterial",
        "PutKeyPolicy",
        "ReplicateKey",
        "RotateKeyOnDemand",
        "ScheduleKeyDeletion",
        "TagResource",
        "UntagResource",
        "UpdateAlias",
        "UpdateKeyDescription",
        "UpdatePrimaryRegion",
    }
)


def refuse_aws_managed(operation: str, key: Key, caller_arn: str) -> None:
    if key.key_manager == KeyManager.AWS and operation in MANAGEMENT_OPERATIONS:
        raise AccessDeniedException(
            f"User: {caller_arn} is not authorized to perform: kms:{operation} on resource: {key.arn} "
            f"because no resource-based policy allows the kms:{operation} action"
        )
