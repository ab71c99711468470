"""Steps of the import flow, done the way a user does them: kmscli commands plus wrapping outside kmscli."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.keywrap import aes_key_wrap_with_padding

from tests.kms_session import KmsSession, b64, write

USAGE = {
    "SYMMETRIC_DEFAULT": None,
    "HMAC_224": "GENERATE_VERIFY_MAC",
    "HMAC_256": "GENERATE_VERIFY_MAC",
    "HMAC_384": "GENERATE_VERIFY_MAC",
    "HMAC_512": "GENERATE_VERIFY_MAC",
}


def create_external(kms: KmsSession, key_spec: str = "SYMMETRIC_DEFAULT", usage: str | None = None) -> str:
    args = ["create-key", "--origin", "EXTERNAL", "--key-spec", key_spec]
    usage = usage or USAGE.get(key_spec, "SIGN_VERIFY")
    if usage is not None:
        args += ["--key-usage", usage]
    doc = kms.ok(*args)
    assert doc["KeyMetadata"]["KeyState"] == "PendingImport"
    return str(doc["KeyMetadata"]["KeyId"])


class Parameters:
    """One GetParametersForImport answer, decoded."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.token = b64(doc["ImportToken"])
        self.public_key = b64(doc["PublicKey"])
        self.valid_to = doc["ParametersValidTo"]


def parameters(
    kms: KmsSession, key_id: str, algorithm: str = "RSAES_OAEP_SHA_256", spec: str = "RSA_2048"
) -> Parameters:
    return Parameters(
        kms.ok(
            "get-parameters-for-import",
            "--key-id",
            key_id,
            "--wrapping-algorithm",
            algorithm,
            "--wrapping-key-spec",
            spec,
        )
    )


def wrap(public_der: bytes, algorithm: str, material: bytes) -> bytes:
    """What a user's HSM does: RSA-OAEP, or RSA-OAEP of a fresh AES key followed by RFC 5649 key wrap."""
    public: Any = serialization.load_der_public_key(public_der)
    digest = hashes.SHA1() if algorithm.endswith("_SHA_1") else hashes.SHA256()
    oaep = padding.OAEP(mgf=padding.MGF1(digest), algorithm=digest, label=None)
    if algorithm.startswith("RSAES_OAEP_"):
        return bytes(public.encrypt(material, oaep))
    aes_key = os.urandom(32)
    return bytes(public.encrypt(aes_key, oaep)) + aes_key_wrap_with_padding(aes_key, material)


def import_args(
    tmp: Path,
    key_id: str,
    params: Parameters,
    wrapped: bytes,
    *,
    valid_to: float | None = None,
    extra: tuple[str, ...] = (),
) -> list[str]:
    args = [
        "import-key-material",
        "--key-id",
        key_id,
        "--import-token",
        write(tmp / "token.bin", params.token),
        "--encrypted-key-material",
        write(tmp / "wrapped.bin", wrapped),
    ]
    if valid_to is None:
        args += ["--expiration-model", "KEY_MATERIAL_DOES_NOT_EXPIRE"]
    else:
        args += ["--valid-to", repr(valid_to)]
    return [*args, *extra]


def import_material(
    kms: KmsSession,
    tmp: Path,
    key_id: str,
    material: bytes,
    *,
    algorithm: str = "RSAES_OAEP_SHA_256",
    valid_to: float | None = None,
    extra: tuple[str, ...] = (),
) -> dict[str, Any]:
    params = parameters(kms, key_id, algorithm, "RSA_2048")
    return dict(
        kms.ok(
            *import_args(
                tmp, key_id, params, wrap(params.public_key, algorithm, material), valid_to=valid_to, extra=extra
            )
        )
    )


def material_id(key_id: str, material: bytes) -> str:
    return hashlib.sha256(key_id.encode() + material).hexdigest()


def external_metadata(
    key_id: str,
    created: float,
    *,
    state: str,
    valid_to: float | None = None,
    expiration_model: str | None = None,
    deletion_date: float | None = None,
) -> dict[str, Any]:
    """DescribeKey's KeyMetadata of an EXTERNAL symmetric key, members in the model's order."""
    doc: dict[str, Any] = {
        "AWSAccountId": "111122223333",
        "KeyId": key_id,
        "Arn": f"arn:aws:kms:us-west-2:111122223333:key/{key_id}",
        "CreationDate": created,
        "Enabled": state == "Enabled",
        "Description": "",
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeyState": state,
    }
    if deletion_date is not None:
        doc["DeletionDate"] = deletion_date
    if valid_to is not None:
        doc["ValidTo"] = valid_to
    doc["Origin"] = "EXTERNAL"
    if expiration_model is not None:
        doc["ExpirationModel"] = expiration_model
    doc.update(
        {
            "KeyManager": "CUSTOMER",
            "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
            "KeySpec": "SYMMETRIC_DEFAULT",
            "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
            "MultiRegion": False,
        }
    )
    return {"KeyMetadata": doc}
