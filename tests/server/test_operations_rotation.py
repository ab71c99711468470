"""boto3 against `kmscli serve`: rotation.

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
    plain,
)


@happy("EnableKeyRotation")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    assert plain(ctx.kms.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)) == {}
    assert plain(ctx.kms.get_key_rotation_status(KeyId=key_id)) == {
        "KeyRotationEnabled": True,
        "KeyId": ctx.arn(key_id),
        "RotationPeriodInDays": 90,
        "NextRotationDate": FIXED_TIME + 90 * DAY,
    }


@error("EnableKeyRotation")
def _(ctx: Ctx) -> None:
    ctx.fails(lambda: ctx.kms.enable_key_rotation(KeyId=ctx.key("rsa_sign")), "UnsupportedOperationException", "")


@happy("DisableKeyRotation")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    ctx.kms.enable_key_rotation(KeyId=key_id)
    assert plain(ctx.kms.disable_key_rotation(KeyId=key_id)) == {}
    assert plain(ctx.kms.get_key_rotation_status(KeyId=key_id)) == {
        "KeyRotationEnabled": False,
        "KeyId": ctx.arn(key_id),
    }


@error("DisableKeyRotation")
def _(ctx: Ctx) -> None:
    ctx.fails(lambda: ctx.kms.disable_key_rotation(KeyId=ctx.key("hmac")), "UnsupportedOperationException", "")


@happy("GetKeyRotationStatus")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    assert plain(ctx.kms.get_key_rotation_status(KeyId=key_id)) == {
        "KeyRotationEnabled": False,
        "KeyId": ctx.arn(key_id),
    }


@error("GetKeyRotationStatus")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.get_key_rotation_status(KeyId=UNKNOWN),
        "NotFoundException",
        f"Key '{ctx.arn(UNKNOWN)}' does not exist",
    )


@happy("RotateKeyOnDemand")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    assert plain(ctx.kms.rotate_key_on_demand(KeyId=key_id)) == {"KeyId": ctx.arn(key_id)}
    rotations = plain(ctx.kms.list_key_rotations(KeyId=key_id))
    assert [(r["KeyId"], r["RotationDate"], r["RotationType"]) for r in rotations["Rotations"]] == [
        (key_id, FIXED_TIME, "ON_DEMAND"),
    ]


@error("RotateKeyOnDemand")
def _(ctx: Ctx) -> None:
    ctx.fails(lambda: ctx.kms.rotate_key_on_demand(KeyId=ctx.key("rsa_sign")), "UnsupportedOperationException", "")


@happy("ListKeyRotations")
def _(ctx: Ctx) -> None:
    assert plain(ctx.kms.list_key_rotations(KeyId=ctx.key())) == {"Rotations": [], "Truncated": False}


@error("ListKeyRotations")
def _(ctx: Ctx) -> None:
    ctx.fails(lambda: ctx.kms.list_key_rotations(KeyId=ctx.key("rsa_sign")), "UnsupportedOperationException", "")
