"""Imported key material: wrapping parameters, import, deletion, expiry.

A key with Origin EXTERNAL starts without material. GetParametersForImport hands out a fresh RSA
wrapping key pair's public half and an import token naming the stored private half (24 h);
ImportKeyMaterial unwraps for real, checks the material against the key spec and stores it with
its expiration. A material's ID is sha256(key ID || material), so the same material always gets
the same ID: that is how a re-import is recognised, even after the secret itself was deleted.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from .api import operation
from .errors import (
    ExpiredImportTokenException,
    IncorrectKeyMaterialException,
    InvalidCiphertextException,
    InvalidImportTokenException,
    KMSInvalidStateException,
    NotFoundException,
    UnsupportedOperationException,
    ValidationException,
)
from .keyring import primary_of, resolve_key
from .keyspecs import SECRET_BYTES
from .model import DAY, Key, KeyMaterial, KeyState, Origin
from .ports import Access
from .records import ImportToken
from .transitions import PENDING_DELETION, forgotten
from .tuples import NamedTuple

if TYPE_CHECKING:
    from .env import Env
    from .ports import Repository

TOKEN_LIFETIME_S = DAY
MAX_VALID_TO_DAYS = 365
_TOKEN_VERSION = 1
_TOKEN_ID_BYTES = 16

EXPIRES = "KEY_MATERIAL_EXPIRES"
DOES_NOT_EXPIRE = "KEY_MATERIAL_DOES_NOT_EXPIRE"
NEW = "NEW_KEY_MATERIAL"
EXISTING = "EXISTING_KEY_MATERIAL"
SYMMETRIC = "SYMMETRIC_DEFAULT"


_INVALID_MATERIAL = "The key material is invalid for this KMS key"
_NOT_ASSOCIATED = "The key material is not associated with this KMS key"
_ALREADY_ASSOCIATED = "The key material is already associated with this KMS key"


def material_id(key_id: str, secret: bytes) -> str:
    return hashlib.sha256(key_id.encode("utf-8") + secret).hexdigest()


def _check_external(key: Key) -> None:
    if key.origin != Origin.EXTERNAL:
        raise UnsupportedOperationException(f"{key.arn} origin is {key.origin} which is not valid for this operation.")


# ---------------------------------------------------------------- GetParametersForImport


class GetParametersForImportRequest(NamedTuple):
    key_id: str
    wrapping_algorithm: str
    wrapping_key_spec: str


class GetParametersForImportResult(NamedTuple):
    key_id: str
    import_token: bytes
    public_key: bytes
    parameters_valid_to: float


def _check_wrapping(key: Key, algorithm: str, wrapping_key_spec: str) -> None:
    # SM2 and SM2PKE exist only in China Regions, which kmscli does not emulate (docs/decisions.md#scope).
    if wrapping_key_spec == "SM2":
        raise UnsupportedOperationException("SM2 is not supported")
    if algorithm == "SM2PKE":
        raise UnsupportedOperationException("SM2PKE is not supported")
    if algorithm == "RSAES_PKCS1_V1_5":
        raise ValidationException("RSAES_PKCS1_V1_5 is not supported")
    if algorithm.startswith("RSAES_OAEP_") and (
        # An RSA private key is too long for one RSA-OAEP block, and so is a P-521 key for RSA_2048.
        key.key_spec.startswith("RSA_") or (key.key_spec == "ECC_NIST_P521" and wrapping_key_spec == "RSA_2048")
    ):
        raise ValidationException(f"Wrapping algorithm {algorithm} is not supported for key spec {key.key_spec}")


@operation(GetParametersForImportRequest, access=Access.WRITES)
def get_parameters_for_import(
    repo: Repository, env: Env, req: GetParametersForImportRequest
) -> GetParametersForImportResult:
    """A fresh wrapping public key and the import token that goes with it, both valid for 24 hours.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_GetParametersForImport.html
    """
    from . import crypto_import

    key = resolve_key(repo, env, req.key_id, allow_alias=False)
    _check_external(key)
    _check_wrapping(key, req.wrapping_algorithm, req.wrapping_key_spec)
    private_key = env.generate_private_key(req.wrapping_key_spec)
    token_id = env.id_bytes(_TOKEN_ID_BYTES)
    expires = round(env.now() + TOKEN_LIFETIME_S, 3)
    repo.put_import_token(
        ImportToken(token_id.hex(), key.key_id, req.wrapping_algorithm, req.wrapping_key_spec, private_key, expires)
    )
    return GetParametersForImportResult(
        key.arn, bytes([_TOKEN_VERSION]) + token_id, crypto_import.public_key_der(private_key), expires
    )


# ---------------------------------------------------------------- ImportKeyMaterial


class ImportKeyMaterialRequest(NamedTuple):
    key_id: str
    import_token: bytes
    encrypted_key_material: bytes
    valid_to: float | None = None
    expiration_model: str | None = None
    import_type: str | None = None
    key_material_description: str | None = None
    key_material_id: str | None = None


class ImportKeyMaterialResult(NamedTuple):
    key_id: str
    key_material_id: str | None = None


def _token_id(blob: bytes) -> str | None:
    if len(blob) != 1 + _TOKEN_ID_BYTES or blob[0] != _TOKEN_VERSION:
        return None
    return blob[1:].hex()


def _expiration(req: ImportKeyMaterialRequest, now: float) -> tuple[str, float | None]:
    model = req.expiration_model or EXPIRES
    if model == DOES_NOT_EXPIRE:
        if req.valid_to is not None:
            raise ValidationException(
                "The parameter ValidTo cannot be specified for a key with an expiration model of "
                "KEY_MATERIAL_DOES_NOT_EXPIRE"
            )
        return model, None
    if req.valid_to is None:
        raise ValidationException("A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES")
    valid_to = round(float(req.valid_to), 3)
    if valid_to <= now:
        raise ValidationException("ValidTo must be in the future")
    if valid_to > now + MAX_VALID_TO_DAYS * DAY:
        raise ValidationException(f"ValidTo must be no more than {MAX_VALID_TO_DAYS} days in the future")
    return model, valid_to


def _checked_material(key_spec: str, raw: bytes) -> bytes:
    """The material as stored: raw bytes of an accepted length, or canonical PKCS#8 of the key spec."""
    lengths = SECRET_BYTES.get(key_spec)
    if lengths is not None:
        if lengths[0] <= len(raw) <= lengths[1]:
            return raw
        raise IncorrectKeyMaterialException(_INVALID_MATERIAL)
    from . import crypto_import

    secret = crypto_import.private_key_material(key_spec, raw)
    if secret is None:
        raise IncorrectKeyMaterialException(_INVALID_MATERIAL)
    return secret


@operation(ImportKeyMaterialRequest, access=Access.WRITES)
def import_key_material(repo: Repository, env: Env, req: ImportKeyMaterialRequest) -> ImportKeyMaterialResult:
    """Unwrap key material with the token's private key and make it the key's (or re-import it).

    https://docs.aws.amazon.com/kms/latest/APIReference/API_ImportKeyMaterial.html
    """
    from . import crypto_import

    key = resolve_key(repo, env, req.key_id, allow_alias=False)
    _check_external(key)
    now = env.now()
    model, valid_to = _expiration(req, now)
    symmetric = key.key_spec == SYMMETRIC
    if not symmetric:
        for member, value in (
            ("ImportType", req.import_type),
            ("KeyMaterialId", req.key_material_id),
            ("KeyMaterialDescription", req.key_material_description),
        ):
            if value is not None:
                raise ValidationException(f"{member} is valid only for symmetric encryption KMS keys")
    token_id = _token_id(req.import_token)
    token = repo.get_import_token(token_id) if token_id is not None else None
    if token is None or token.key_id != key.key_id:
        raise InvalidImportTokenException("Import token is invalid")
    if token.expires <= now:
        raise ExpiredImportTokenException("Import token expired")
    raw = crypto_import.unwrap(token.private_key, token.wrapping_algorithm, req.encrypted_key_material)
    if raw is None:
        raise InvalidCiphertextException("")
    secret = _checked_material(key.key_spec, raw)
    imported = KeyMaterial(
        material_id=material_id(key.key_id, secret),
        secret=secret,
        created=now,
        expiration_model=model,
        valid_to=valid_to,
        description=req.key_material_description,
    )
    primary = primary_of(repo, env, key)
    key = _import_symmetric(key, primary, imported, req) if symmetric else _import_single(key, primary, imported)
    if key.key_state == KeyState.PendingImport and not key.missing_material:
        key = key._replace(key_state=KeyState.Enabled)
    repo.put_key(key)
    return ImportKeyMaterialResult(key.arn, imported.material_id if symmetric else None)


def _refreshed(old: KeyMaterial, new: KeyMaterial) -> KeyMaterial:
    """The same material imported again: its history stays, its secret and expiration are the new import's."""
    return old._replace(
        secret=new.secret,
        deleted=False,
        expiration_model=new.expiration_model,
        valid_to=new.valid_to,
        # KMS keeps the description of the last import when a re-import gives none.
        description=new.description if new.description is not None else old.description,
    )


def _import_single(key: Key, primary: Key | None, imported: KeyMaterial) -> Key:
    """HMAC and asymmetric keys: their material can only ever be the one first imported (into the set)."""
    first = key.materials[0] if key.materials else None
    if first is None and primary is not None and primary.materials:
        first = primary.materials[0]
    if first is not None and first.material_id != imported.material_id:
        raise IncorrectKeyMaterialException(_NOT_ASSOCIATED)
    material = _refreshed(first, imported) if first is not None else imported
    return key._replace(materials=(material,))


def _import_symmetric(key: Key, primary: Key | None, imported: KeyMaterial, req: ImportKeyMaterialRequest) -> Key:
    """Symmetric keys: NEW material (first import, or pending rotation after it) or EXISTING material again."""
    own = [*key.materials, *([key.pending_material] if key.pending_material else [])]
    # A replica takes only material its primary has: "associated" means associated with the set.
    theirs = [*primary.materials, *([primary.pending_material] if primary.pending_material else [])] if primary else []
    known = {m.material_id for m in (*own, *theirs)}
    import_type = req.import_type or (EXISTING if known else NEW)
    new_id = imported.material_id
    if import_type == NEW:
        if req.key_material_id is not None:
            raise ValidationException("KeyMaterialId cannot be specified when ImportType is NEW_KEY_MATERIAL")
        if primary is not None:
            raise ValidationException(
                "New key material must be imported into the primary Region key; "
                "a replica key takes it with ImportType EXISTING_KEY_MATERIAL"
            )
        if new_id in known:
            raise IncorrectKeyMaterialException(_ALREADY_ASSOCIATED)
        if not key.materials:
            return key._replace(materials=(imported,))
        if key.pending_material is not None:
            raise KMSInvalidStateException(
                f"New key material (id: {new_id}) cannot be imported into KMS key {key.arn}, because another key "
                f"material (id: {key.pending_material.material_id}) is pending rotation."
            )
        return key._replace(pending_material=imported)
    if (req.key_material_id is not None and req.key_material_id != new_id) or new_id not in known:
        raise IncorrectKeyMaterialException(_NOT_ASSOCIATED)
    if key.pending_material is not None and key.pending_material.material_id == new_id:
        return key._replace(pending_material=_refreshed(key.pending_material, imported))
    if any(m.material_id == new_id for m in key.materials):
        return key._replace(
            materials=tuple(_refreshed(m, imported) if m.material_id == new_id else m for m in key.materials)
        )
    # A replica receiving one of its primary's materials: it takes the primary's place in the order.
    assert primary is not None
    if primary.pending_material is not None and primary.pending_material.material_id == new_id:
        return key._replace(pending_material=_refreshed(primary.pending_material, imported))
    order = [m.material_id for m in primary.materials]
    entry = next(m for m in primary.materials if m.material_id == new_id)
    merged = sorted(
        [*key.materials, _refreshed(entry, imported)],
        key=lambda m: order.index(m.material_id) if m.material_id in order else -1,
    )
    return key._replace(materials=tuple(merged))


# ---------------------------------------------------------------- DeleteImportedKeyMaterial


class DeleteImportedKeyMaterialRequest(NamedTuple):
    key_id: str
    key_material_id: str | None = None


class DeleteImportedKeyMaterialResult(NamedTuple):
    key_id: str
    key_material_id: str | None = None


@operation(DeleteImportedKeyMaterialRequest, access=Access.WRITES)
def delete_imported_key_material(
    repo: Repository, env: Env, req: DeleteImportedKeyMaterialRequest
) -> DeleteImportedKeyMaterialResult:
    """Delete imported material (the current one by default); the key is PendingImport until it comes back.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_DeleteImportedKeyMaterial.html
    """
    key = resolve_key(repo, env, req.key_id, allow_alias=False)
    _check_external(key)
    symmetric = key.key_spec == SYMMETRIC
    pending = key.pending_material
    if req.key_material_id is None:
        if not key.materials:
            # Nothing was ever imported: nothing to delete, and no error either.
            return DeleteImportedKeyMaterialResult(key.arn)
        target = key.materials[-1].material_id
    else:
        target = req.key_material_id
        if target not in {m.material_id for m in key.materials} and (pending is None or pending.material_id != target):
            raise NotFoundException(f"Key material {target} does not exist for the key: {key.arn}.")
    if pending is not None and pending.material_id == target:
        key = key._replace(pending_material=None)
    else:
        key = key._replace(materials=tuple(forgotten(m) if m.material_id == target else m for m in key.materials))
        if key.key_state not in PENDING_DELETION:
            key = key._replace(key_state=KeyState.PendingImport)
    repo.put_key(key)
    return DeleteImportedKeyMaterialResult(key.arn, target if symmetric else None)
