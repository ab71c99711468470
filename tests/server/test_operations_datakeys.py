"""boto3 against `kmscli serve`: data keys and random bytes.

Each operation's success and error case is registered here and run by test_operations_every.py;
the finer cases of the family follow as tests of their own.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization

from tests.server.operations import (
    Ctx,
    error,
    happy,
    material_id,
    plain,
)


@happy("GenerateDataKey")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    generated = plain(ctx.kms.generate_data_key(KeyId=key_id, KeySpec="AES_256"))
    assert (generated["KeyId"], len(generated["Plaintext"]), generated["KeyMaterialId"]) == (
        ctx.arn(key_id),
        32,
        material_id(ctx, key_id),
    )
    assert ctx.kms.decrypt(CiphertextBlob=generated["CiphertextBlob"])["Plaintext"] == generated["Plaintext"]


@error("GenerateDataKey")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.generate_data_key(KeyId=ctx.key(), KeySpec="AES_256", NumberOfBytes=32),
        "ValidationException",
        "Please specify either number of bytes or key spec.",
    )


@happy("GenerateDataKeyWithoutPlaintext")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    generated = plain(ctx.kms.generate_data_key_without_plaintext(KeyId=key_id, NumberOfBytes=16))
    assert sorted(generated) == ["CiphertextBlob", "KeyId", "KeyMaterialId"]
    assert generated["KeyId"] == ctx.arn(key_id)
    assert len(ctx.kms.decrypt(CiphertextBlob=generated["CiphertextBlob"])["Plaintext"]) == 16


@error("GenerateDataKeyWithoutPlaintext")
def _(ctx: Ctx) -> None:
    key_id = ctx.key("rsa_sign")
    ctx.fails(
        lambda: ctx.kms.generate_data_key_without_plaintext(KeyId=key_id, NumberOfBytes=32),
        "InvalidKeyUsageException",
        f"{ctx.arn(key_id)} key usage is SIGN_VERIFY which is not valid for GenerateDataKeyWithoutPlaintext.",
    )


def _public_matches(private_der: bytes, public_der: bytes) -> bool:
    private = serialization.load_der_private_key(private_der, password=None)
    spki = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return spki == public_der


@happy("GenerateDataKeyPair")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    pair = plain(ctx.kms.generate_data_key_pair(KeyId=key_id, KeyPairSpec="ECC_NIST_P256"))
    assert (pair["KeyId"], pair["KeyPairSpec"]) == (ctx.arn(key_id), "ECC_NIST_P256")
    assert _public_matches(pair["PrivateKeyPlaintext"], pair["PublicKey"])
    decrypted = ctx.kms.decrypt(CiphertextBlob=pair["PrivateKeyCiphertextBlob"])["Plaintext"]
    assert decrypted == pair["PrivateKeyPlaintext"]


@error("GenerateDataKeyPair")
def _(ctx: Ctx) -> None:
    key_id = ctx.key("rsa_sign")
    ctx.fails(
        lambda: ctx.kms.generate_data_key_pair(KeyId=key_id, KeyPairSpec="RSA_2048"),
        "InvalidKeyUsageException",
        f"{ctx.arn(key_id)} key usage is SIGN_VERIFY which is not valid for GenerateDataKeyPair.",
    )


@happy("GenerateDataKeyPairWithoutPlaintext")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    pair = plain(ctx.kms.generate_data_key_pair_without_plaintext(KeyId=key_id, KeyPairSpec="ECC_NIST_P384"))
    assert "PrivateKeyPlaintext" not in pair
    private = ctx.kms.decrypt(CiphertextBlob=pair["PrivateKeyCiphertextBlob"])["Plaintext"]
    assert _public_matches(private, pair["PublicKey"])


@error("GenerateDataKeyPairWithoutPlaintext")
def _(ctx: Ctx) -> None:
    allowed = ctx.kms.meta.service_model.shape_for("DataKeyPairSpec").enum
    ctx.fails(
        lambda: ctx.unchecked.generate_data_key_pair_without_plaintext(KeyId=ctx.key(), KeyPairSpec="NOPE"),
        "ValidationException",
        "1 validation error detected: Value 'NOPE' at 'keyPairSpec' failed to satisfy constraint: "
        f"Member must satisfy enum value set: [{', '.join(allowed)}]",
    )


@happy("GenerateRandom")
def _(ctx: Ctx) -> None:
    first, second = ctx.kms.generate_random(NumberOfBytes=32), ctx.kms.generate_random(NumberOfBytes=32)
    assert sorted(plain(first)) == ["Plaintext"]
    assert (len(first["Plaintext"]), len(second["Plaintext"])) == (32, 32)
    assert first["Plaintext"] != second["Plaintext"]


@error("GenerateRandom")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.generate_random(NumberOfBytes=2000),
        "ValidationException",
        "1 validation error detected: Value '2000' at 'numberOfBytes' failed to satisfy constraint: "
        "Member must have value less than or equal to 1024",
    )
    ctx.fails(lambda: ctx.kms.generate_random(), "ValidationException", "NumberOfBytes is required.")
