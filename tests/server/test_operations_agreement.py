"""boto3 against `kmscli serve`: shared secrets (key agreement, ML-KEM).

Each operation's success and error case is registered here and run by test_operations_every.py;
the finer cases of the family follow as tests of their own.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.server.operations import (
    Ctx,
    error,
    happy,
    plain,
    public_key,
)


@happy("DeriveSharedSecret")
def _(ctx: Ctx) -> None:
    key_id = ctx.key("ecdh")
    peer = ec.generate_private_key(ec.SECP256R1())
    peer_public = peer.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    derived = plain(ctx.kms.derive_shared_secret(KeyId=key_id, KeyAgreementAlgorithm="ECDH", PublicKey=peer_public))
    expected = peer.exchange(ec.ECDH(), public_key(ctx, key_id))
    assert derived == {
        "KeyId": ctx.arn(key_id),
        "SharedSecret": expected,
        "KeyAgreementAlgorithm": "ECDH",
        "KeyOrigin": "AWS_KMS",
    }


@error("DeriveSharedSecret")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.derive_shared_secret(
            KeyId=ctx.key("ecdh"), KeyAgreementAlgorithm="ECDH", PublicKey=b"not a public key"
        ),
        "ValidationException",
        "",
    )


@happy("Encapsulate")
def _(ctx: Ctx) -> None:
    key_id = ctx.key("kem")
    sealed = plain(ctx.kms.encapsulate(KeyId=key_id, EncapsulationAlgorithm="ML_KEM"))
    assert (
        sealed["KeyId"],
        sealed["EncapsulationAlgorithm"],
        len(sealed["SharedSecret"]),
        len(sealed["SharedSecretCiphertextBlob"]),
    ) == (ctx.arn(key_id), "ML_KEM", 32, 1088)
    opened = ctx.kms.decapsulate(
        KeyId=key_id, SharedSecretCiphertextBlob=sealed["SharedSecretCiphertextBlob"], EncapsulationAlgorithm="ML_KEM"
    )
    assert opened["SharedSecret"] == sealed["SharedSecret"]


@error("Encapsulate")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    ctx.fails(
        lambda: ctx.kms.encapsulate(KeyId=key_id, EncapsulationAlgorithm="ML_KEM"),
        "InvalidKeyUsageException",
        f"{ctx.arn(key_id)} key usage is ENCRYPT_DECRYPT which is not valid for Encapsulate.",
    )


@happy("Decapsulate")
def _(ctx: Ctx) -> None:
    key_id = ctx.key("kem")
    sealed = ctx.kms.encapsulate(KeyId=key_id, EncapsulationAlgorithm="ML_KEM")
    opened = plain(
        ctx.kms.decapsulate(
            KeyId=key_id,
            SharedSecretCiphertextBlob=sealed["SharedSecretCiphertextBlob"],
            EncapsulationAlgorithm="ML_KEM",
        )
    )
    assert opened == {
        "KeyId": ctx.arn(key_id),
        "SharedSecret": sealed["SharedSecret"],
        "EncapsulationAlgorithm": "ML_KEM",
    }


@error("Decapsulate")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.decapsulate(
            KeyId=ctx.key("kem"), SharedSecretCiphertextBlob=b"short", EncapsulationAlgorithm="ML_KEM"
        ),
        "InvalidCiphertextException",
        "",
    )
