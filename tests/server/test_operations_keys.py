"""boto3 against `kmscli serve`: keys.

Each operation's success and error case is registered here and run by test_operations_every.py;
the finer cases of the family follow as tests of their own.
"""

from __future__ import annotations

from tests.server.operations import (
    UNKNOWN,
    UUID,
    Ctx,
    error,
    happy,
    metadata,
    plain,
)


@happy("CreateKey")
def _(ctx: Ctx) -> None:
    created = ctx.kms.create_key(Description="made by boto3", Tags=[{"TagKey": "team", "TagValue": "blue"}])
    key_id = created["KeyMetadata"]["KeyId"]
    assert UUID.fullmatch(key_id)
    assert plain(created) == {"KeyMetadata": metadata(ctx, key_id, Description="made by boto3")}
    assert plain(ctx.kms.list_resource_tags(KeyId=key_id)) == {
        "Tags": [{"TagKey": "team", "TagValue": "blue"}],
        "Truncated": False,
    }


@error("CreateKey")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.create_key(KeyUsage="SIGN_VERIFY"),
        "ValidationException",
        "KeyUsage SIGN_VERIFY is not compatible with KeySpec SYMMETRIC_DEFAULT",
    )
    assert plain(ctx.kms.list_keys()) == {"Keys": [], "Truncated": False}


@happy("DescribeKey")
def _(ctx: Ctx) -> None:
    key_id = ctx.new_key(Description="described")
    ctx.kms.create_alias(AliasName="alias/described", TargetKeyId=key_id)
    expected = {"KeyMetadata": metadata(ctx, key_id, Description="described")}
    for name in (key_id, ctx.arn(key_id), "alias/described", ctx.alias_arn("alias/described")):
        assert plain(ctx.kms.describe_key(KeyId=name)) == expected


@error("DescribeKey")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.describe_key(KeyId=UNKNOWN), "NotFoundException", f"Key '{ctx.arn(UNKNOWN)}' does not exist"
    )
    ctx.fails(
        lambda: ctx.kms.describe_key(KeyId="alias/none"),
        "NotFoundException",
        f"Alias {ctx.alias_arn('alias/none')} is not found.",
    )


@happy("ListKeys")
def _(ctx: Ctx) -> None:
    ids = sorted([ctx.new_key(), ctx.new_key()])
    entries = [{"KeyId": k, "KeyArn": ctx.arn(k)} for k in ids]
    assert plain(ctx.kms.list_keys()) == {"Keys": entries, "Truncated": False}
    first = plain(ctx.kms.list_keys(Limit=1))
    assert (first["Keys"], first["Truncated"]) == (entries[:1], True)
    assert plain(ctx.kms.list_keys(Limit=1, Marker=first["NextMarker"])) == {"Keys": entries[1:], "Truncated": False}


@error("ListKeys")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.unchecked.list_keys(Limit=0),
        "ValidationException",
        "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1",
    )
