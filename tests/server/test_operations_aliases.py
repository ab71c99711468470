"""boto3 against `kmscli serve`: aliases.

Each operation's success and error case is registered here and run by test_operations_every.py;
the finer cases of the family follow as tests of their own.
"""

from __future__ import annotations

from typing import Any

from kmscli.core.managed import PREDEFINED_SERVICES
from tests.server.operations import (
    FIXED_TIME,
    UNKNOWN,
    Ctx,
    error,
    happy,
    plain,
)


def _alias_entry(ctx: Ctx, name: str, key_id: str) -> dict[str, Any]:
    return {
        "AliasName": name,
        "AliasArn": ctx.alias_arn(name),
        "TargetKeyId": key_id,
        "CreationDate": FIXED_TIME,
        "LastUpdatedDate": FIXED_TIME,
    }


def _predefined(ctx: Ctx) -> list[dict[str, Any]]:
    """The predefined AWS aliases without a key yet, which ListAliases lists (botocore's model)."""
    return [{"AliasName": f"alias/aws/{s}", "AliasArn": ctx.alias_arn(f"alias/aws/{s}")} for s in PREDEFINED_SERVICES]


@happy("CreateAlias")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    assert plain(ctx.kms.create_alias(AliasName="alias/made", TargetKeyId=key_id)) == {}
    assert plain(ctx.kms.list_aliases(KeyId=key_id)) == {
        "Aliases": [_alias_entry(ctx, "alias/made", key_id)],
        "Truncated": False,
    }


@error("CreateAlias")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    ctx.kms.create_alias(AliasName="alias/taken", TargetKeyId=key_id)
    ctx.fails(
        lambda: ctx.kms.create_alias(AliasName="alias/taken", TargetKeyId=key_id),
        "AlreadyExistsException",
        f"An alias with the name {ctx.alias_arn('alias/taken')} already exists",
    )
    ctx.fails(
        lambda: ctx.kms.create_alias(AliasName="alias/aws/mine", TargetKeyId=key_id), "NotAuthorizedException", ""
    )


@happy("UpdateAlias")
def _(ctx: Ctx) -> None:
    first, second = ctx.new_key(), ctx.new_key()
    ctx.kms.create_alias(AliasName="alias/moving", TargetKeyId=first)
    assert plain(ctx.kms.update_alias(AliasName="alias/moving", TargetKeyId=second)) == {}
    assert ctx.kms.describe_key(KeyId="alias/moving")["KeyMetadata"]["KeyId"] == second


@error("UpdateAlias")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.update_alias(AliasName="alias/none", TargetKeyId=ctx.key()),
        "NotFoundException",
        f"Alias {ctx.alias_arn('alias/none')} is not found.",
    )


@happy("DeleteAlias")
def _(ctx: Ctx) -> None:
    ctx.kms.create_alias(AliasName="alias/going", TargetKeyId=ctx.key())
    assert plain(ctx.kms.delete_alias(AliasName="alias/going")) == {}
    assert plain(ctx.kms.list_aliases()) == {"Aliases": _predefined(ctx), "Truncated": False}


@error("DeleteAlias")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.delete_alias(AliasName="alias/none"),
        "NotFoundException",
        f"Alias {ctx.alias_arn('alias/none')} is not found.",
    )


@happy("ListAliases")
def _(ctx: Ctx) -> None:
    first, second = ctx.new_key(), ctx.new_key()
    ctx.kms.create_alias(AliasName="alias/b", TargetKeyId=first)
    ctx.kms.create_alias(AliasName="alias/a", TargetKeyId=second)
    assert plain(ctx.kms.list_aliases()) == {
        "Aliases": [_alias_entry(ctx, "alias/a", second), *_predefined(ctx), _alias_entry(ctx, "alias/b", first)],
        "Truncated": False,
    }
    assert plain(ctx.kms.list_aliases(KeyId=first)) == {
        "Aliases": [_alias_entry(ctx, "alias/b", first)],
        "Truncated": False,
    }


@error("ListAliases")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.list_aliases(KeyId=UNKNOWN), "NotFoundException", f"Key '{ctx.arn(UNKNOWN)}' does not exist"
    )
