"""boto3 against `kmscli serve`: imported key material.

Each operation's success and error case is registered here and run by test_operations_every.py;
the finer cases of the family follow as tests of their own.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from tests.server.operations import (
    DAY,
    FIXED_TIME,
    Ctx,
    error,
    happy,
    plain,
)


def _import(ctx: Ctx, key_id: str, **params: Any) -> Any:
    """Wrap fresh key material with the import public key and import it: (parameters, answer)."""
    import os

    parameters = ctx.kms.get_parameters_for_import(
        KeyId=key_id, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048"
    )
    wrapping = serialization.load_der_public_key(parameters["PublicKey"])
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    wrapped = wrapping.encrypt(os.urandom(32), oaep)
    return parameters, ctx.kms.import_key_material(
        KeyId=key_id, ImportToken=parameters["ImportToken"], EncryptedKeyMaterial=wrapped, **params
    )


@happy("GetParametersForImport")
def _(ctx: Ctx) -> None:
    key_id = ctx.new_key(Origin="EXTERNAL")
    parameters = plain(
        ctx.kms.get_parameters_for_import(
            KeyId=key_id, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048"
        )
    )
    assert sorted(parameters) == ["ImportToken", "KeyId", "ParametersValidTo", "PublicKey"]
    assert (parameters["KeyId"], parameters["ParametersValidTo"]) == (ctx.arn(key_id), FIXED_TIME + DAY)
    assert serialization.load_der_public_key(parameters["PublicKey"]).key_size == 2048


@error("GetParametersForImport")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    ctx.fails(
        lambda: ctx.kms.get_parameters_for_import(
            KeyId=key_id, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048"
        ),
        "UnsupportedOperationException",
        f"{ctx.arn(key_id)} origin is AWS_KMS which is not valid for this operation.",
    )


@happy("ImportKeyMaterial")
def _(ctx: Ctx) -> None:
    key_id = ctx.new_key(Origin="EXTERNAL")
    # A timestamp in a request: botocore sends it as epoch seconds.
    valid_to = FIXED_TIME + 30 * DAY
    _, imported = _import(ctx, key_id, ExpirationModel="KEY_MATERIAL_EXPIRES", ValidTo=valid_to)
    assert plain(imported) == {"KeyId": ctx.arn(key_id), "KeyMaterialId": imported["KeyMaterialId"]}
    metadata = plain(ctx.kms.describe_key(KeyId=key_id))["KeyMetadata"]
    assert (metadata["KeyState"], metadata["ExpirationModel"], metadata["ValidTo"]) == (
        "Enabled",
        "KEY_MATERIAL_EXPIRES",
        valid_to,
    )
    blob = ctx.kms.encrypt(KeyId=key_id, Plaintext=b"imported")["CiphertextBlob"]
    assert ctx.kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"imported"


@error("ImportKeyMaterial")
def _(ctx: Ctx) -> None:
    key_id = ctx.new_key(Origin="EXTERNAL")
    ctx.fails(
        lambda: ctx.kms.import_key_material(
            KeyId=key_id,
            ImportToken=b"x" * 20,
            EncryptedKeyMaterial=b"y" * 256,
            ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
        ),
        "InvalidImportTokenException",
        "Import token is invalid",
    )


@happy("DeleteImportedKeyMaterial")
def _(ctx: Ctx) -> None:
    key_id = ctx.new_key(Origin="EXTERNAL")
    _, imported = _import(ctx, key_id, ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    assert plain(ctx.kms.delete_imported_key_material(KeyId=key_id)) == {
        "KeyId": ctx.arn(key_id),
        "KeyMaterialId": imported["KeyMaterialId"],
    }
    assert ctx.kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingImport"


@error("DeleteImportedKeyMaterial")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    ctx.fails(
        lambda: ctx.kms.delete_imported_key_material(KeyId=key_id),
        "UnsupportedOperationException",
        f"{ctx.arn(key_id)} origin is AWS_KMS which is not valid for this operation.",
    )
