"""boto3 against `kmscli serve`: encryption.

Each operation's success and error case is registered here and run by test_operations_every.py;
the finer cases of the family follow as tests of their own.
"""

from __future__ import annotations

import re

from tests.server.operations import (
    FIXED_TIME,
    Ctx,
    error,
    happy,
    material_id,
    plain,
)


@happy("Encrypt")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    encrypted = plain(ctx.kms.encrypt(KeyId=key_id, Plaintext=b"secret"))
    assert {k: v for k, v in encrypted.items() if k != "CiphertextBlob"} == {
        "KeyId": ctx.arn(key_id),
        "EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
    }
    assert ctx.kms.decrypt(CiphertextBlob=encrypted["CiphertextBlob"])["Plaintext"] == b"secret"


@error("Encrypt")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    ctx.kms.disable_key(KeyId=key_id)
    ctx.fails(
        lambda: ctx.kms.encrypt(KeyId=key_id, Plaintext=b"x"), "DisabledException", f"{ctx.arn(key_id)} is disabled."
    )


@happy("Decrypt")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    context = {"purpose": "test"}
    blob = ctx.kms.encrypt(KeyId=key_id, Plaintext=bytes(range(256)), EncryptionContext=context)["CiphertextBlob"]
    decrypted = plain(ctx.kms.decrypt(CiphertextBlob=blob, EncryptionContext=context))
    assert decrypted == {
        "KeyId": ctx.arn(key_id),
        "Plaintext": bytes(range(256)),
        "EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
        "KeyMaterialId": decrypted["KeyMaterialId"],
    }
    assert re.fullmatch(r"[0-9a-f]{64}", decrypted["KeyMaterialId"])


@error("Decrypt")
def _(ctx: Ctx) -> None:
    ctx.fails(lambda: ctx.kms.decrypt(CiphertextBlob=b"not a ciphertext at all"), "InvalidCiphertextException", "")


@happy("ReEncrypt")
def _(ctx: Ctx) -> None:
    source, destination = ctx.new_key(), ctx.new_key()
    blob = ctx.kms.encrypt(KeyId=source, Plaintext=b"moved")["CiphertextBlob"]
    moved = plain(ctx.kms.re_encrypt(CiphertextBlob=blob, DestinationKeyId=destination))
    assert {k: v for k, v in moved.items() if k != "CiphertextBlob"} == {
        "SourceKeyId": ctx.arn(source),
        "KeyId": ctx.arn(destination),
        "SourceEncryptionAlgorithm": "SYMMETRIC_DEFAULT",
        "DestinationEncryptionAlgorithm": "SYMMETRIC_DEFAULT",
        "SourceKeyMaterialId": material_id(ctx, source),
        "DestinationKeyMaterialId": material_id(ctx, destination),
    }
    again = ctx.kms.decrypt(CiphertextBlob=moved["CiphertextBlob"])
    assert (again["Plaintext"], again["KeyId"]) == (b"moved", ctx.arn(destination))


@error("ReEncrypt")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.re_encrypt(CiphertextBlob=b"garbage" * 5, DestinationKeyId=ctx.key()),
        "InvalidCiphertextException",
        "",
    )


@happy("GetKeyLastUsage")
def _(ctx: Ctx) -> None:
    # https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyLastUsage.html
    key_id = ctx.new_key()
    ctx.kms.encrypt(KeyId=key_id, Plaintext=b"secret")
    assert plain(ctx.kms.get_key_last_usage(KeyId=ctx.arn(key_id))) == {
        "KeyId": key_id,
        "KeyLastUsage": {"Operation": "Encrypt", "Timestamp": FIXED_TIME},
        "TrackingStartDate": FIXED_TIME,
        "KeyCreationDate": FIXED_TIME,
    }


@error("GetKeyLastUsage")
def _(ctx: Ctx) -> None:
    # Alias names are not supported (the API reference: a key ID or a key ARN).
    ctx.fails(lambda: ctx.kms.get_key_last_usage(KeyId="alias/any"), "NotFoundException", "Invalid keyId 'alias/any'")
