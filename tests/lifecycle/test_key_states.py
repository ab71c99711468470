"""The key-state table (AWS's "Key states of AWS KMS keys"): every management operation against a key in every state.

The expected cells are written out here from the spec, independently of core/states.py, so a
wrong cell in the implementation fails a test.
"""

from __future__ import annotations

from typing import Any

import pytest

from kmscli import core
from kmscli.core.ids import key_arn
from kmscli.core.model import Key, KeyMaterial, KeyState, KeyUsage, Origin
from kmscli.core.policy import default_key_policy

ACCOUNT = "111122223333"
REGION = "us-west-2"  # the `env` fixture's account and Region

S = KeyState
KEY_ID = "11111111-2222-4333-8444-555555555555"
OTHER_ID = "66666666-7777-4888-8999-000000000000"
ARN = key_arn("aws", REGION, ACCOUNT, KEY_ID)

# Cell legend, as in the spec: ok, D(isabled), I (pending import), P(ending deletion),
# N(ot pending deletion), C (creating/updating), Ux (origin EXTERNAL unsupported).
# fmt: off
ROWS: dict[str, tuple[str, ...]] = {
    #                        Enabled Disabled PendingImport PendingDeletion Creating Updating
    "DescribeKey":          ("ok", "ok", "ok", "ok", "ok", "ok"),
    "GetKeyPolicy":         ("ok", "ok", "ok", "ok", "ok", "ok"),
    "PutKeyPolicy":         ("ok", "ok", "ok", "ok", "ok", "ok"),
    "ListKeyPolicies":      ("ok", "ok", "ok", "ok", "ok", "ok"),
    "ListResourceTags":     ("ok", "ok", "ok", "ok", "ok", "ok"),
    "ListAliases":          ("ok", "ok", "ok", "ok", "ok", "ok"),
    "CreateAlias":          ("ok", "ok", "ok", "P", "ok", "ok"),
    "UpdateAlias":          ("ok", "ok", "ok", "P", "ok", "ok"),
    "TagResource":          ("ok", "ok", "ok", "P", "ok", "ok"),
    "UntagResource":        ("ok", "ok", "ok", "P", "ok", "ok"),
    "UpdateKeyDescription": ("ok", "ok", "ok", "P", "ok", "ok"),
    "EnableKey":            ("ok", "ok", "I", "P", "ok", "C"),
    "DisableKey":           ("ok", "ok", "I", "P", "ok", "C"),
    "ScheduleKeyDeletion":  ("ok", "ok", "ok", "P", "ok", "C"),
    "CancelKeyDeletion":    ("N", "N", "N", "ok", "N", "N"),
    "EnableKeyRotation":    ("ok", "D", "Ux", "P", "ok", "C"),
    "DisableKeyRotation":   ("ok", "D", "Ux", "P", "ok", "C"),
    "GetKeyRotationStatus": ("ok", "ok", "Ux", "ok", "ok", "ok"),
    "ListKeyRotations":     ("ok", "ok", "ok", "ok", "ok", "ok"),
    "RotateKeyOnDemand":    ("ok", "D", "I", "P", "C", "C"),
}
# fmt: on
COLUMNS = (S.Enabled, S.Disabled, S.PendingImport, S.PendingDeletion, S.Creating, S.Updating)

PARAMS: dict[str, dict[str, Any]] = {
    "DescribeKey": {"KeyId": KEY_ID},
    "GetKeyPolicy": {"KeyId": KEY_ID},
    "PutKeyPolicy": {"KeyId": KEY_ID, "Policy": default_key_policy("aws", ACCOUNT)},
    "ListKeyPolicies": {"KeyId": KEY_ID},
    "ListResourceTags": {"KeyId": KEY_ID},
    "ListAliases": {"KeyId": KEY_ID},
    "CreateAlias": {"AliasName": "alias/new", "TargetKeyId": KEY_ID},
    "UpdateAlias": {"AliasName": "alias/existing", "TargetKeyId": KEY_ID},
    "TagResource": {"KeyId": KEY_ID, "Tags": [{"TagKey": "k", "TagValue": "v"}]},
    "UntagResource": {"KeyId": KEY_ID, "TagKeys": ["k"]},
    "UpdateKeyDescription": {"KeyId": KEY_ID, "Description": "d"},
    "EnableKey": {"KeyId": KEY_ID},
    "DisableKey": {"KeyId": KEY_ID},
    "ScheduleKeyDeletion": {"KeyId": KEY_ID, "PendingWindowInDays": 7},
    "CancelKeyDeletion": {"KeyId": KEY_ID},
    "EnableKeyRotation": {"KeyId": KEY_ID},
    "DisableKeyRotation": {"KeyId": KEY_ID},
    "GetKeyRotationStatus": {"KeyId": KEY_ID},
    "ListKeyRotations": {"KeyId": KEY_ID},
    "RotateKeyOnDemand": {"KeyId": KEY_ID},
}

EXPECTED_ERRORS = {
    "D": ("DisabledException", f"{ARN} is disabled."),
    "I": ("KMSInvalidStateException", f"{ARN} is pending import."),
    "P": ("KMSInvalidStateException", f"{ARN} is pending deletion."),
    "N": ("KMSInvalidStateException", f"{ARN} is not pending deletion."),
    "Ux": ("UnsupportedOperationException", f"{ARN} origin is EXTERNAL which is not valid for this operation."),
}


def _key(key_id: str, state: KeyState, now: float) -> Key:
    external = state == S.PendingImport
    return Key(
        key_id=key_id,
        arn=key_arn("aws", REGION, ACCOUNT, key_id),
        account_id=ACCOUNT,
        region=REGION,
        creation_date=now,
        description="",
        key_spec="SYMMETRIC_DEFAULT",
        key_usage=KeyUsage.ENCRYPT_DECRYPT,
        origin=Origin.EXTERNAL if external else Origin.AWS_KMS,
        key_state=state,
        policy=default_key_policy("aws", ACCOUNT),
        deletion_date=now + 7 * 86400 if state in (S.PendingDeletion, S.PendingReplicaDeletion) else None,
        materials=() if external else (KeyMaterial("ab" * 32, b"\x01" * 32, now),),
    )


def _cases() -> list[Any]:
    cases = []
    for operation, cells in ROWS.items():
        for state, cell in zip(COLUMNS, cells, strict=True):
            cases.append(pytest.param(operation, state, cell, id=f"{operation}-{state}"))
            if state == S.PendingDeletion:
                # PendingReplicaDeletion behaves like PendingDeletion in every row.
                cases.append(
                    pytest.param(
                        operation, S.PendingReplicaDeletion, cell, id=f"{operation}-{S.PendingReplicaDeletion}"
                    )
                )
    return cases


@pytest.mark.parametrize(("operation", "state", "cell"), _cases())
def test_key_state_table(
    operation: str, state: KeyState, cell: str, repo: core.InMemoryRepository, env: core.Env
) -> None:
    now = env.now()
    repo.put_key(_key(KEY_ID, state, now))
    repo.put_key(_key(OTHER_ID, S.Enabled, now))
    repo.put_alias(core.Alias("alias/existing", OTHER_ID, now, now))
    before = repo.get_key(KEY_ID)
    if cell == "ok":
        core.call(operation, PARAMS[operation], repo, env)
        return
    if cell == "C":
        expected = ("KMSInvalidStateException", f"{ARN} is {state.value.lower()}.")
    else:
        expected = EXPECTED_ERRORS[cell]
    with pytest.raises(core.KmsError) as raised:
        core.call(operation, PARAMS[operation], repo, env)
    assert (raised.value.code, raised.value.message) == expected
    # A refused operation changes nothing.
    assert repo.get_key(KEY_ID) == before
    assert repo.get_alias("alias/existing").target_key_id == OTHER_ID
    assert repo.get_tags(KEY_ID) == []


def test_every_management_operation_has_a_row() -> None:
    management = {
        "DescribeKey",
        "GetKeyPolicy",
        "PutKeyPolicy",
        "ListKeyPolicies",
        "ListResourceTags",
        "ListAliases",
        "CreateAlias",
        "UpdateAlias",
        "TagResource",
        "UntagResource",
        "UpdateKeyDescription",
        "EnableKey",
        "DisableKey",
        "ScheduleKeyDeletion",
        "CancelKeyDeletion",
        "EnableKeyRotation",
        "DisableKeyRotation",
        "GetKeyRotationStatus",
        "ListKeyRotations",
        "RotateKeyOnDemand",
    }
    assert management <= set(core.MODULES)
    assert set(ROWS) == management
