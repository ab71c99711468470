"""boto3 against `kmscli serve`: signatures, MACs and public keys.

Each operation's success and error case is registered here and run by test_operations_every.py;
the finer cases of the family follow as tests of their own.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding

from tests.server.operations import (
    Ctx,
    error,
    happy,
    plain,
    public_key,
)


@happy("Sign")
def _(ctx: Ctx) -> None:
    key_id = ctx.key("rsa_sign")
    signed = plain(ctx.kms.sign(KeyId=key_id, Message=b"signed", SigningAlgorithm="RSASSA_PKCS1_V1_5_SHA_256"))
    assert (signed["KeyId"], signed["SigningAlgorithm"], len(signed["Signature"])) == (
        ctx.arn(key_id),
        "RSASSA_PKCS1_V1_5_SHA_256",
        256,
    )
    # Raises if the signature is not the key's signature of the message.
    public_key(ctx, key_id).verify(signed["Signature"], b"signed", padding.PKCS1v15(), hashes.SHA256())


@error("Sign")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    ctx.fails(
        lambda: ctx.kms.sign(KeyId=key_id, Message=b"m", SigningAlgorithm="RSASSA_PSS_SHA_256"),
        "InvalidKeyUsageException",
        f"{ctx.arn(key_id)} key usage is ENCRYPT_DECRYPT which is not valid for Sign.",
    )


@happy("Verify")
def _(ctx: Ctx) -> None:
    key_id = ctx.key("rsa_sign")
    signature = ctx.kms.sign(KeyId=key_id, Message=b"m", SigningAlgorithm="RSASSA_PSS_SHA_256")["Signature"]
    verified = ctx.kms.verify(KeyId=key_id, Message=b"m", Signature=signature, SigningAlgorithm="RSASSA_PSS_SHA_256")
    assert plain(verified) == {
        "KeyId": ctx.arn(key_id),
        "SignatureValid": True,
        "SigningAlgorithm": "RSASSA_PSS_SHA_256",
    }


@error("Verify")
def _(ctx: Ctx) -> None:
    key_id = ctx.key("rsa_sign")
    signature = ctx.kms.sign(KeyId=key_id, Message=b"m", SigningAlgorithm="RSASSA_PSS_SHA_256")["Signature"]
    ctx.fails(
        lambda: ctx.kms.verify(
            KeyId=key_id, Message=b"other", Signature=signature, SigningAlgorithm="RSASSA_PSS_SHA_256"
        ),
        "KMSInvalidSignatureException",
        "",
    )


@happy("GetPublicKey")
def _(ctx: Ctx) -> None:
    key_id = ctx.key("ecdh")
    public = plain(ctx.kms.get_public_key(KeyId=key_id))
    assert {k: v for k, v in public.items() if k != "PublicKey"} == {
        "KeyId": ctx.arn(key_id),
        "CustomerMasterKeySpec": "ECC_NIST_P256",
        "KeySpec": "ECC_NIST_P256",
        "KeyUsage": "KEY_AGREEMENT",
        "KeyAgreementAlgorithms": ["ECDH"],
    }
    assert isinstance(serialization.load_der_public_key(public["PublicKey"]), ec.EllipticCurvePublicKey)


@error("GetPublicKey")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    ctx.fails(
        lambda: ctx.kms.get_public_key(KeyId=key_id),
        "UnsupportedOperationException",
        f"{ctx.arn(key_id)} key spec is SYMMETRIC_DEFAULT which is not valid for GetPublicKey.",
    )


@happy("GenerateMac")
def _(ctx: Ctx) -> None:
    key_id = ctx.key("hmac")
    first = plain(ctx.kms.generate_mac(KeyId=key_id, Message=b"m", MacAlgorithm="HMAC_SHA_256"))
    assert {k: v for k, v in first.items() if k != "Mac"} == {"MacAlgorithm": "HMAC_SHA_256", "KeyId": ctx.arn(key_id)}
    assert len(first["Mac"]) == 32
    # HMAC is deterministic: the same key and message give the same MAC.
    assert ctx.kms.generate_mac(KeyId=key_id, Message=b"m", MacAlgorithm="HMAC_SHA_256")["Mac"] == first["Mac"]


@error("GenerateMac")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.generate_mac(KeyId=ctx.key("hmac"), Message=b"m", MacAlgorithm="HMAC_SHA_512"),
        "InvalidKeyUsageException",
        "Algorithm HMAC_SHA_512 is incompatible with key spec HMAC_256.",
    )


@happy("VerifyMac")
def _(ctx: Ctx) -> None:
    key_id = ctx.key("hmac")
    mac = ctx.kms.generate_mac(KeyId=key_id, Message=b"m", MacAlgorithm="HMAC_SHA_256")["Mac"]
    assert plain(ctx.kms.verify_mac(KeyId=key_id, Message=b"m", Mac=mac, MacAlgorithm="HMAC_SHA_256")) == {
        "KeyId": ctx.arn(key_id),
        "MacValid": True,
        "MacAlgorithm": "HMAC_SHA_256",
    }


@error("VerifyMac")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.verify_mac(KeyId=ctx.key("hmac"), Message=b"m", Mac=b"\0" * 32, MacAlgorithm="HMAC_SHA_256"),
        "KMSInvalidMacException",
        "",
    )
