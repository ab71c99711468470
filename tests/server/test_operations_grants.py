"""boto3 against `kmscli serve`: grants.

Each operation's success and error case is registered here and run by test_operations_every.py;
the finer cases of the family follow as tests of their own.
"""

from __future__ import annotations

import re
from typing import Any

from tests.server.operations import (
    ACCOUNT,
    FIXED_TIME,
    UNKNOWN,
    Ctx,
    error,
    happy,
    plain,
)

GRANTEE = "arn:aws:iam::111122223333:role/grantee"


def _grant_entry(ctx: Ctx, key_id: str, grant_id: str, **changes: Any) -> dict[str, Any]:
    entry = {
        "KeyId": ctx.arn(key_id),
        "GrantId": grant_id,
        "CreationDate": FIXED_TIME,
        "GranteePrincipal": GRANTEE,
        "IssuingAccount": f"arn:aws:iam::{ACCOUNT}:root",
        "Operations": ["Encrypt", "Decrypt"],
    }
    entry.update(changes)
    return entry


@happy("CreateGrant")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    grant = plain(
        ctx.kms.create_grant(
            KeyId=key_id,
            GranteePrincipal=GRANTEE,
            Operations=["Encrypt", "Decrypt"],
            RetiringPrincipal=GRANTEE,
            Name="reader",
        )
    )
    assert sorted(grant) == ["GrantId", "GrantToken"]
    assert re.fullmatch(r"[0-9a-f]{64}", grant["GrantId"])
    assert plain(ctx.kms.list_grants(KeyId=key_id)) == {
        "Grants": [_grant_entry(ctx, key_id, grant["GrantId"], Name="reader", RetiringPrincipal=GRANTEE)],
        "Truncated": False,
    }


@error("CreateGrant")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    ctx.fails(
        lambda: ctx.kms.create_grant(KeyId=key_id, GranteePrincipal=GRANTEE, Operations=["Sign"]),
        "ValidationException",
        "Grant operations [Sign] are not valid for this KMS key",
    )
    assert plain(ctx.kms.list_grants(KeyId=key_id)) == {"Grants": [], "Truncated": False}


@happy("ListGrants")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    first = ctx.kms.create_grant(KeyId=key_id, GranteePrincipal=GRANTEE, Operations=["Encrypt", "Decrypt"])["GrantId"]
    second = ctx.kms.create_grant(KeyId=key_id, GranteePrincipal=GRANTEE, Operations=["Decrypt"])["GrantId"]
    listed = plain(ctx.kms.list_grants(KeyId=key_id))
    assert listed["Truncated"] is False
    assert sorted(listed["Grants"], key=lambda g: g["GrantId"]) == sorted(
        [_grant_entry(ctx, key_id, first), _grant_entry(ctx, key_id, second, Operations=["Decrypt"])],
        key=lambda g: g["GrantId"],
    )


@error("ListGrants")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.list_grants(KeyId=UNKNOWN), "NotFoundException", f"Key '{ctx.arn(UNKNOWN)}' does not exist"
    )


@happy("ListRetirableGrants")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    retiring = f"arn:aws:iam::{ACCOUNT}:role/retirer-{ctx.region}"
    grant_id = ctx.kms.create_grant(
        KeyId=key_id, GranteePrincipal=GRANTEE, Operations=["Encrypt", "Decrypt"], RetiringPrincipal=retiring
    )["GrantId"]
    assert plain(ctx.kms.list_retirable_grants(RetiringPrincipal=retiring)) == {
        "Grants": [_grant_entry(ctx, key_id, grant_id, RetiringPrincipal=retiring)],
        "Truncated": False,
    }


@error("ListRetirableGrants")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.unchecked.list_retirable_grants(RetiringPrincipal=GRANTEE, Limit=0),
        "ValidationException",
        "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1",
    )


@happy("RetireGrant")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    token = ctx.kms.create_grant(KeyId=key_id, GranteePrincipal=GRANTEE, Operations=["Encrypt"])["GrantToken"]
    assert plain(ctx.kms.retire_grant(GrantToken=token)) == {}
    assert plain(ctx.kms.list_grants(KeyId=key_id)) == {"Grants": [], "Truncated": False}


@error("RetireGrant")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.retire_grant(GrantToken="not-a-token"), "InvalidGrantTokenException", "Invalid grant token"
    )


@happy("RevokeGrant")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    grant_id = ctx.kms.create_grant(KeyId=key_id, GranteePrincipal=GRANTEE, Operations=["Encrypt"])["GrantId"]
    assert plain(ctx.kms.revoke_grant(KeyId=key_id, GrantId=grant_id)) == {}
    assert plain(ctx.kms.list_grants(KeyId=key_id)) == {"Grants": [], "Truncated": False}


@error("RevokeGrant")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.revoke_grant(KeyId=ctx.key(), GrantId="f" * 64),
        "NotFoundException",
        f"Grant ID {'f' * 64} not found",
    )
