"""boto3 against `kmscli serve`: key lifecycle (enable, disable, description, deletion).

Each operation's success and error case is registered here and run by test_operations_every.py;
the finer cases of the family follow as tests of their own.
"""

from __future__ import annotations

from tests.server.operations import (
    DAY,
    FIXED_TIME,
    UNKNOWN,
    Ctx,
    error,
    happy,
    metadata,
    plain,
)


@happy("UpdateKeyDescription")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    assert plain(ctx.kms.update_key_description(KeyId=key_id, Description="renamed")) == {}
    assert ctx.kms.describe_key(KeyId=key_id)["KeyMetadata"]["Description"] == "renamed"


@error("UpdateKeyDescription")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.update_key_description(KeyId=UNKNOWN, Description="x"),
        "NotFoundException",
        f"Key '{ctx.arn(UNKNOWN)}' does not exist",
    )


@happy("DisableKey")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    assert plain(ctx.kms.disable_key(KeyId=key_id)) == {}
    assert plain(ctx.kms.describe_key(KeyId=key_id)) == {
        "KeyMetadata": metadata(ctx, key_id, Enabled=False, KeyState="Disabled"),
    }


@error("DisableKey")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.disable_key(KeyId=UNKNOWN), "NotFoundException", f"Key '{ctx.arn(UNKNOWN)}' does not exist"
    )


@happy("EnableKey")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    ctx.kms.disable_key(KeyId=key_id)
    assert plain(ctx.kms.enable_key(KeyId=key_id)) == {}
    assert plain(ctx.kms.describe_key(KeyId=key_id)) == {"KeyMetadata": metadata(ctx, key_id)}


@error("EnableKey")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    ctx.kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    ctx.fails(
        lambda: ctx.kms.enable_key(KeyId=key_id), "KMSInvalidStateException", f"{ctx.arn(key_id)} is pending deletion."
    )


@happy("ScheduleKeyDeletion")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    assert plain(ctx.kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)) == {
        "KeyId": ctx.arn(key_id),
        "DeletionDate": FIXED_TIME + 7 * DAY,
        "KeyState": "PendingDeletion",
        "PendingWindowInDays": 7,
    }


@error("ScheduleKeyDeletion")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.schedule_key_deletion(KeyId=ctx.key(), PendingWindowInDays=5),
        "ValidationException",
        "PendingWindowInDays should be between 7 and 30, but it is 5",
    )


@happy("CancelKeyDeletion")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    ctx.kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=30)
    assert plain(ctx.kms.cancel_key_deletion(KeyId=key_id)) == {"KeyId": ctx.arn(key_id)}
    assert ctx.kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Disabled"


@error("CancelKeyDeletion")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    ctx.fails(
        lambda: ctx.kms.cancel_key_deletion(KeyId=key_id),
        "KMSInvalidStateException",
        f"{ctx.arn(key_id)} is not pending deletion.",
    )
