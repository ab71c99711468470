"""The import flow through the command line: PendingImport <-> Enabled, expiry under a moving clock, deletion,
re-import, new material pending rotation, and every error of import-key-material."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conformance import assert_conforms
from tests.imports.helpers import (
    create_external,
    external_metadata,
    import_args,
    import_material,
    material_id,
    parameters,
    wrap,
)
from tests.kms_session import DAY, START, KmsSession, arn, b64, needs, parse_symmetric_blob, write

HOUR = 3600
# The AWS CLI sends timestamps in whole seconds, so ValidTo values here are whole seconds too.
SECOND = int(START)
MATERIAL = bytes(range(32))
OTHER_MATERIAL = bytes(range(100, 132))


def describe(kms: KmsSession, key_id: str) -> dict:
    return dict(kms.ok("describe-key", "--key-id", key_id))


def rotations(kms: KmsSession, key_id: str) -> list[dict]:
    doc = kms.ok("list-key-rotations", "--key-id", key_id, "--include-key-material", "ALL_KEY_MATERIAL")
    assert_conforms("ListKeyRotations", doc)
    return list(doc["Rotations"])


# ---------------------------------------------------------------- PendingImport <-> Enabled, ExpirationModel, ValidTo


def test_a_new_external_key_waits_for_its_material_then_shows_its_expiration(kms: KmsSession, tmp_path: Path) -> None:
    key_id = create_external(kms)
    assert describe(kms, key_id) == external_metadata(key_id, START, state="PendingImport")
    valid_to = SECOND + 10 * DAY
    result = import_material(kms, tmp_path, key_id, MATERIAL, valid_to=valid_to)
    assert_conforms("ImportKeyMaterial", result)
    assert result == {"KeyId": arn(key_id), "KeyMaterialId": material_id(key_id, MATERIAL)}
    doc = describe(kms, key_id)
    assert_conforms("DescribeKey", doc)
    assert doc == external_metadata(
        key_id, START, state="Enabled", valid_to=valid_to, expiration_model="KEY_MATERIAL_EXPIRES"
    )


@pytest.mark.parametrize(("first", "second"), [(10, 5), (5, 10), (5, None), (None, 5)])
def test_valid_to_is_the_earliest_expiry_of_the_key_materials(
    kms: KmsSession, tmp_path: Path, first: int | None, second: int | None
) -> None:
    """After a rotation to new imported material, the key expires with whichever material expires first."""
    key_id = create_external(kms)
    import_material(kms, tmp_path, key_id, MATERIAL, valid_to=None if first is None else SECOND + first * DAY)
    import_material(
        kms,
        tmp_path,
        key_id,
        OTHER_MATERIAL,
        valid_to=None if second is None else SECOND + second * DAY,
        extra=("--import-type", "NEW_KEY_MATERIAL"),
    )
    kms.ok("rotate-key-on-demand", "--key-id", key_id)
    doc = describe(kms, key_id)
    assert_conforms("DescribeKey", doc)
    assert doc == external_metadata(
        key_id, START, state="Enabled", valid_to=SECOND + 5 * DAY, expiration_model="KEY_MATERIAL_EXPIRES"
    )


def test_material_that_does_not_expire_shows_no_valid_to(kms: KmsSession, tmp_path: Path) -> None:
    key_id = create_external(kms)
    import_material(kms, tmp_path, key_id, MATERIAL)
    assert describe(kms, key_id) == external_metadata(
        key_id, START, state="Enabled", expiration_model="KEY_MATERIAL_DOES_NOT_EXPIRE"
    )
    assert rotations(kms, key_id) == [
        {
            "KeyId": key_id,
            "KeyMaterialId": material_id(key_id, MATERIAL),
            "ImportState": "IMPORTED",
            "KeyMaterialState": "CURRENT",
            "ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE",
        }
    ]


def test_valid_to_accepts_iso_8601(kms: KmsSession, tmp_path: Path) -> None:
    key_id = create_external(kms)
    params = parameters(kms, key_id)
    args = import_args(tmp_path, key_id, params, wrap(params.public_key, "RSAES_OAEP_SHA_256", MATERIAL), valid_to=0)
    args[args.index("--valid-to") + 1] = "2017-08-20T00:00:00Z"
    kms.ok(*args)
    assert describe(kms, key_id)["KeyMetadata"]["ValidTo"] == 1503187200.0


@needs("encrypt", "decrypt")
def test_material_expires_when_valid_to_passes_and_comes_back_when_imported_again(
    kms: KmsSession, tmp_path: Path
) -> None:
    key_id = create_external(kms)
    valid_to = SECOND + HOUR
    params = parameters(kms, key_id)
    wrapped = wrap(params.public_key, "RSAES_OAEP_SHA_256", MATERIAL)
    kms.ok(*import_args(tmp_path, key_id, params, wrapped, valid_to=valid_to))
    ciphertext = b64(kms.ok("encrypt", "--key-id", key_id, "--plaintext", "kept")["CiphertextBlob"])

    kms.set_time(valid_to - 0.001)
    assert describe(kms, key_id)["KeyMetadata"]["KeyState"] == "Enabled"
    kms.set_time(valid_to)
    # Expired: PendingImport, and ExpirationModel/ValidTo are gone with the material.
    assert describe(kms, key_id) == external_metadata(key_id, START, state="PendingImport")
    assert kms.error("encrypt", "--key-id", key_id, "--plaintext", "x") == (
        "KMSInvalidStateException",
        f"{arn(key_id)} is pending import.",
    )
    assert rotations(kms, key_id) == [
        {
            "KeyId": key_id,
            "KeyMaterialId": material_id(key_id, MATERIAL),
            "ImportState": "PENDING_IMPORT",
            "KeyMaterialState": "CURRENT",
        }
    ]

    # The import token is still valid (24 h): the same wrapped material goes back in.
    new_valid_to = SECOND + 2 * DAY
    assert kms.ok(*import_args(tmp_path, key_id, params, wrapped, valid_to=new_valid_to)) == {
        "KeyId": arn(key_id),
        "KeyMaterialId": material_id(key_id, MATERIAL),
    }
    assert describe(kms, key_id) == external_metadata(
        key_id, START, state="Enabled", valid_to=new_valid_to, expiration_model="KEY_MATERIAL_EXPIRES"
    )
    decrypted = kms.ok("decrypt", "--ciphertext-blob", write(tmp_path / "ct.bin", ciphertext))
    assert b64(decrypted["Plaintext"]) == b"kept"


def test_expiry_is_seen_by_a_read_only_command_and_persisted(kms: KmsSession, tmp_path: Path) -> None:
    key_id = create_external(kms)
    import_material(kms, tmp_path, key_id, MATERIAL, valid_to=SECOND + HOUR)
    kms.advance(2 * HOUR)
    # list-keys reads no key by ID, yet the key it lists is settled; then describe agrees.
    assert kms.ok("list-keys") == {"Keys": [{"KeyId": key_id, "KeyArn": arn(key_id)}]}
    assert describe(kms, key_id)["KeyMetadata"]["KeyState"] == "PendingImport"


def test_a_disabled_key_whose_material_expires_is_pending_import_then_enabled_by_a_reimport(
    kms: KmsSession, tmp_path: Path
) -> None:
    key_id = create_external(kms)
    import_material(kms, tmp_path, key_id, MATERIAL, valid_to=SECOND + HOUR)
    kms.ok("disable-key", "--key-id", key_id)
    kms.advance(HOUR)
    assert describe(kms, key_id)["KeyMetadata"]["KeyState"] == "PendingImport"
    assert kms.error("enable-key", "--key-id", key_id) == (
        "KMSInvalidStateException",
        f"{arn(key_id)} is pending import.",
    )
    import_material(kms, tmp_path, key_id, MATERIAL)
    assert describe(kms, key_id)["KeyMetadata"]["KeyState"] == "Enabled"


# ---------------------------------------------------------------- import tokens


def test_an_import_token_expires_after_24_hours(kms: KmsSession, tmp_path: Path) -> None:
    key_id = create_external(kms)
    params = parameters(kms, key_id)
    wrapped = wrap(params.public_key, "RSAES_OAEP_SHA_256", MATERIAL)
    kms.set_time(params.valid_to)
    assert kms.error(*import_args(tmp_path, key_id, params, wrapped)) == (
        "ExpiredImportTokenException",
        "Import token expired",
    )
    # Still expired (not unknown) after another command has settled the key and dropped the token.
    kms.ok("describe-key", "--key-id", key_id)
    kms.advance(DAY)
    assert kms.error(*import_args(tmp_path, key_id, params, wrapped)) == (
        "ExpiredImportTokenException",
        "Import token expired",
    )
    assert describe(kms, key_id)["KeyMetadata"]["KeyState"] == "PendingImport"


def test_an_import_token_is_valid_until_just_before_parameters_valid_to(kms: KmsSession, tmp_path: Path) -> None:
    key_id = create_external(kms)
    params = parameters(kms, key_id)
    kms.set_time(params.valid_to - 0.001)
    kms.ok(*import_args(tmp_path, key_id, params, wrap(params.public_key, "RSAES_OAEP_SHA_256", MATERIAL)))
    assert describe(kms, key_id)["KeyMetadata"]["KeyState"] == "Enabled"


def test_an_expired_token_loses_its_wrapping_private_key(kms: KmsSession) -> None:
    from kmscli.store import Store

    key_id = create_external(kms)
    params = parameters(kms, key_id)
    token_id = params.token[1:].hex()

    def stored_private_key() -> bytes:
        with Store(kms.state_dir).transaction(write=False, account_id="111122223333", region="us-west-2") as repo:
            token = repo.get_import_token(token_id)
            assert token is not None
            return token.private_key

    assert len(stored_private_key()) > 1000
    kms.advance(DAY)
    kms.ok("describe-key", "--key-id", key_id)
    assert stored_private_key() == b""


def test_a_token_issued_for_another_key_is_invalid(kms: KmsSession, tmp_path: Path) -> None:
    key_id, other = create_external(kms), create_external(kms)
    params = parameters(kms, other)
    assert kms.error(
        *import_args(tmp_path, key_id, params, wrap(params.public_key, "RSAES_OAEP_SHA_256", MATERIAL))
    ) == ("InvalidImportTokenException", "Import token is invalid")


@pytest.mark.parametrize("token", [b"garbage", b"\x01" + b"\x00" * 16, b"\x02" + b"\x11" * 16])
def test_an_unknown_or_garbled_token_is_invalid(kms: KmsSession, tmp_path: Path, token: bytes) -> None:
    key_id = create_external(kms)
    params = parameters(kms, key_id)
    args = import_args(tmp_path, key_id, params, wrap(params.public_key, "RSAES_OAEP_SHA_256", MATERIAL))
    args[args.index("--import-token") + 1] = write(tmp_path / "bad-token.bin", token)
    assert kms.error(*args) == ("InvalidImportTokenException", "Import token is invalid")


def test_a_token_from_another_region_is_invalid(kms: KmsSession, tmp_path: Path) -> None:
    key_id = create_external(kms)
    params = parameters(kms, key_id)
    elsewhere = kms.ok("create-key", "--origin", "EXTERNAL", "--region", "eu-west-1")["KeyMetadata"]["KeyId"]
    args = import_args(tmp_path, elsewhere, params, wrap(params.public_key, "RSAES_OAEP_SHA_256", MATERIAL))
    assert kms.error(*args, "--region", "eu-west-1") == ("InvalidImportTokenException", "Import token is invalid")


def test_material_wrapped_under_another_public_key_does_not_unwrap(kms: KmsSession, tmp_path: Path) -> None:
    key_id = create_external(kms)
    params = parameters(kms, key_id, "RSAES_OAEP_SHA_256", "RSA_2048")
    other = parameters(kms, key_id, "RSAES_OAEP_SHA_256", "RSA_3072")
    result = kms.run(*import_args(tmp_path, key_id, params, wrap(other.public_key, "RSAES_OAEP_SHA_256", MATERIAL)))
    # An empty message: the line ends with ": ".
    assert (result.exit_code, result.stdout, result.stderr) == (
        255,
        "",
        "\nAn error occurred (InvalidCiphertextException) when calling the ImportKeyMaterial operation: \n",
    )


def test_material_wrapped_with_the_wrong_algorithm_does_not_unwrap(kms: KmsSession, tmp_path: Path) -> None:
    key_id = create_external(kms)
    params = parameters(kms, key_id, "RSA_AES_KEY_WRAP_SHA_256", "RSA_2048")
    assert kms.error(
        *import_args(tmp_path, key_id, params, wrap(params.public_key, "RSAES_OAEP_SHA_256", MATERIAL))
    ) == ("InvalidCiphertextException", "")


# ---------------------------------------------------------------- ExpirationModel and ValidTo rules


@pytest.mark.parametrize(
    ("extra", "valid_to", "message"),
    [
        pytest.param(
            (),
            None,
            "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES",
            id="expires-by-default-so-valid-to-is-required",
        ),
        pytest.param(
            ("--expiration-model", "KEY_MATERIAL_EXPIRES"),
            None,
            "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES",
            id="expires",
        ),
        pytest.param(
            ("--expiration-model", "KEY_MATERIAL_DOES_NOT_EXPIRE"),
            START + DAY,
            "The parameter ValidTo cannot be specified for a key with an expiration model of "
            "KEY_MATERIAL_DOES_NOT_EXPIRE",
            id="does-not-expire-with-valid-to",
        ),
        pytest.param((), START, "ValidTo must be in the future", id="now"),
        pytest.param((), START - DAY, "ValidTo must be in the future", id="past"),
        pytest.param(
            (), START + 365 * DAY + 1, "ValidTo must be no more than 365 days in the future", id="more-than-a-year"
        ),
    ],
)
def test_expiration_rules(
    kms: KmsSession, tmp_path: Path, extra: tuple[str, ...], valid_to: float | None, message: str
) -> None:
    key_id = create_external(kms)
    params = parameters(kms, key_id)
    args = [
        "import-key-material",
        "--key-id",
        key_id,
        "--import-token",
        write(tmp_path / "t.bin", params.token),
        "--encrypted-key-material",
        write(tmp_path / "w.bin", wrap(params.public_key, "RSAES_OAEP_SHA_256", MATERIAL)),
        *extra,
    ]
    if valid_to is not None:
        args += ["--valid-to", repr(valid_to)]
    assert kms.error(*args) == ("ValidationException", message)
    assert describe(kms, key_id)["KeyMetadata"]["KeyState"] == "PendingImport"


def test_valid_to_a_year_ahead_is_accepted(kms: KmsSession, tmp_path: Path) -> None:
    key_id = create_external(kms)
    import_material(kms, tmp_path, key_id, MATERIAL, valid_to=SECOND + 365 * DAY)
    assert describe(kms, key_id)["KeyMetadata"]["ValidTo"] == SECOND + 365 * DAY


# ---------------------------------------------------------------- material checks


@pytest.mark.parametrize(
    ("key_spec", "usage", "material"),
    [
        pytest.param("SYMMETRIC_DEFAULT", None, b"\x01" * 31, id="symmetric-31-bytes"),
        pytest.param("SYMMETRIC_DEFAULT", None, b"\x01" * 33, id="symmetric-33-bytes"),
        pytest.param("HMAC_224", "GENERATE_VERIFY_MAC", b"\x01" * 27, id="hmac-224-too-short"),
        pytest.param("HMAC_256", "GENERATE_VERIFY_MAC", b"\x01" * 65, id="hmac-256-too-long"),
        pytest.param("HMAC_384", "GENERATE_VERIFY_MAC", b"\x01" * 47, id="hmac-384-too-short"),
        pytest.param("HMAC_512", "GENERATE_VERIFY_MAC", b"\x01" * 129, id="hmac-512-too-long"),
        pytest.param("ECC_NIST_P256", "SIGN_VERIFY", b"not a private key", id="not-der"),
    ],
)
def test_material_of_the_wrong_size_or_kind_is_refused(
    kms: KmsSession, tmp_path: Path, key_spec: str, usage: str | None, material: bytes
) -> None:
    key_id = create_external(kms, key_spec, usage)
    params = parameters(kms, key_id, "RSA_AES_KEY_WRAP_SHA_256", "RSA_2048")
    args = import_args(tmp_path, key_id, params, wrap(params.public_key, "RSA_AES_KEY_WRAP_SHA_256", material))
    assert kms.error(*args) == ("IncorrectKeyMaterialException", "The key material is invalid for this KMS key")


@pytest.mark.parametrize(
    ("key_spec", "material_spec"),
    [
        pytest.param("ECC_NIST_P256", "ECC_NIST_P384", id="other-curve"),
        pytest.param("ECC_NIST_P256", "ECC_SECG_P256K1", id="secp256k1-for-p256"),
        pytest.param("RSA_2048", "RSA_3072", id="other-rsa-size"),
        pytest.param("ECC_NIST_P256", "RSA_2048", id="rsa-for-ecc"),
        pytest.param("ML_DSA_44", "ML_DSA_65", id="other-ml-dsa"),
        pytest.param("ECC_NIST_EDWARDS25519", "ECC_NIST_P256", id="ecdsa-for-ed25519"),
    ],
)
def test_a_private_key_of_another_key_spec_is_refused(
    kms: KmsSession,
    tmp_path: Path,
    private_keys,
    key_spec: str,
    material_spec: str,  # type: ignore[no-untyped-def]
) -> None:
    key_id = create_external(kms, key_spec, "SIGN_VERIFY")
    params = parameters(kms, key_id, "RSA_AES_KEY_WRAP_SHA_1", "RSA_2048")
    wrapped = wrap(params.public_key, "RSA_AES_KEY_WRAP_SHA_1", private_keys(material_spec))
    assert kms.error(*import_args(tmp_path, key_id, params, wrapped)) == (
        "IncorrectKeyMaterialException",
        "The key material is invalid for this KMS key",
    )
    assert describe(kms, key_id)["KeyMetadata"]["KeyState"] == "PendingImport"


def two_materials(key_spec: str, private_keys) -> tuple[bytes, bytes]:  # type: ignore[no-untyped-def]
    """Two different valid materials for `key_spec`."""
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    if key_spec.startswith("HMAC_"):
        return bytes(range(32)), bytes(range(50, 82))
    fresh = (
        ec.generate_private_key(ec.SECP256R1())
        if key_spec == "ECC_NIST_P256"
        else rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    return private_keys(key_spec), fresh.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())


@pytest.mark.parametrize(
    ("key_spec", "usage"),
    [
        ("HMAC_256", "GENERATE_VERIFY_MAC"),
        ("ECC_NIST_P256", "SIGN_VERIFY"),
        ("RSA_2048", "ENCRYPT_DECRYPT"),
    ],
)
def test_other_material_for_a_key_that_had_material_is_refused_even_after_deletion(
    kms: KmsSession,
    tmp_path: Path,
    private_keys,
    key_spec: str,
    usage: str,  # type: ignore[no-untyped-def]
) -> None:
    first, second = two_materials(key_spec, private_keys)
    key_id = create_external(kms, key_spec, usage)
    algorithm = "RSA_AES_KEY_WRAP_SHA_256"
    assert import_material(kms, tmp_path, key_id, first, algorithm=algorithm) == {"KeyId": arn(key_id)}
    params = parameters(kms, key_id, algorithm, "RSA_2048")
    assert kms.error(*import_args(tmp_path, key_id, params, wrap(params.public_key, algorithm, second))) == (
        "IncorrectKeyMaterialException",
        "The key material is not associated with this KMS key",
    )
    kms.ok("delete-imported-key-material", "--key-id", key_id)
    assert kms.error(*import_args(tmp_path, key_id, params, wrap(params.public_key, algorithm, second))) == (
        "IncorrectKeyMaterialException",
        "The key material is not associated with this KMS key",
    )
    # The original material is welcome back.
    kms.ok(*import_args(tmp_path, key_id, params, wrap(params.public_key, algorithm, first)))
    assert describe(kms, key_id)["KeyMetadata"]["KeyState"] == "Enabled"


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--import-type", "NEW_KEY_MATERIAL"),
        ("--key-material-id", "a" * 64),
        ("--key-material-description", "mine"),
    ],
)
def test_symmetric_only_parameters_are_refused_for_other_keys(
    kms: KmsSession, tmp_path: Path, option: str, value: str
) -> None:
    key_id = create_external(kms, "HMAC_256")
    params = parameters(kms, key_id)
    args = import_args(tmp_path, key_id, params, wrap(params.public_key, "RSAES_OAEP_SHA_256", MATERIAL))
    member = {"--import-type": "ImportType", "--key-material-id": "KeyMaterialId"}.get(option, "KeyMaterialDescription")
    assert kms.error(*args, option, value) == (
        "ValidationException",
        f"{member} is valid only for symmetric encryption KMS keys",
    )


def test_a_key_with_generated_material_refuses_import_and_delete(kms: KmsSession, tmp_path: Path) -> None:
    external = create_external(kms)
    params = parameters(kms, external)
    key_id = kms.ok("create-key")["KeyMetadata"]["KeyId"]
    message = f"{arn(key_id)} origin is AWS_KMS which is not valid for this operation."
    args = import_args(tmp_path, key_id, params, wrap(params.public_key, "RSAES_OAEP_SHA_256", MATERIAL))
    assert kms.error(*args) == ("UnsupportedOperationException", message)
    assert kms.error("delete-imported-key-material", "--key-id", key_id) == ("UnsupportedOperationException", message)


# ---------------------------------------------------------------- DeleteImportedKeyMaterial


def test_delete_imported_key_material(kms: KmsSession, tmp_path: Path) -> None:
    key_id = create_external(kms)
    import_material(kms, tmp_path, key_id, MATERIAL, valid_to=SECOND + DAY)
    doc = kms.ok("delete-imported-key-material", "--key-id", key_id)
    assert_conforms("DeleteImportedKeyMaterial", doc)
    assert doc == {"KeyId": arn(key_id), "KeyMaterialId": material_id(key_id, MATERIAL)}
    assert describe(kms, key_id) == external_metadata(key_id, START, state="PendingImport")
    # Deleting again, by ID, changes nothing and still answers.
    assert kms.ok(
        "delete-imported-key-material", "--key-id", key_id, "--key-material-id", material_id(key_id, MATERIAL)
    ) == {"KeyId": arn(key_id), "KeyMaterialId": material_id(key_id, MATERIAL)}
    assert describe(kms, key_id) == external_metadata(key_id, START, state="PendingImport")


def test_delete_on_a_key_never_imported_is_a_no_op(kms: KmsSession) -> None:
    key_id = create_external(kms)
    assert kms.ok("delete-imported-key-material", "--key-id", key_id) == {"KeyId": arn(key_id)}
    assert describe(kms, key_id) == external_metadata(key_id, START, state="PendingImport")


def test_delete_an_unknown_material_id(kms: KmsSession, tmp_path: Path) -> None:
    key_id = create_external(kms)
    import_material(kms, tmp_path, key_id, MATERIAL)
    assert kms.error("delete-imported-key-material", "--key-id", key_id, "--key-material-id", "b" * 64) == (
        "NotFoundException",
        f"Key material {'b' * 64} does not exist for the key: {arn(key_id)}.",
    )
    assert describe(kms, key_id)["KeyMetadata"]["KeyState"] == "Enabled"


def test_delete_leaves_a_key_pending_deletion_in_that_state_and_cancel_makes_it_pending_import(
    kms: KmsSession, tmp_path: Path
) -> None:
    key_id = create_external(kms)
    import_material(kms, tmp_path, key_id, MATERIAL)
    kms.ok("schedule-key-deletion", "--key-id", key_id, "--pending-window-in-days", "7")
    kms.ok("delete-imported-key-material", "--key-id", key_id)
    assert describe(kms, key_id) == external_metadata(
        key_id, START, state="PendingDeletion", deletion_date=START + 7 * DAY
    )
    kms.ok("cancel-key-deletion", "--key-id", key_id)
    assert describe(kms, key_id) == external_metadata(key_id, START, state="PendingImport")


def test_a_key_pending_deletion_refuses_import(kms: KmsSession, tmp_path: Path) -> None:
    key_id = create_external(kms)
    params = parameters(kms, key_id)
    kms.ok("schedule-key-deletion", "--key-id", key_id, "--pending-window-in-days", "7")
    args = import_args(tmp_path, key_id, params, wrap(params.public_key, "RSAES_OAEP_SHA_256", MATERIAL))
    assert kms.error(*args) == ("KMSInvalidStateException", f"{arn(key_id)} is pending deletion.")


def test_a_destroyed_key_takes_its_import_tokens_along(kms: KmsSession, tmp_path: Path) -> None:
    from kmscli.store import Store

    key_id = create_external(kms)
    params = parameters(kms, key_id)
    kms.ok("schedule-key-deletion", "--key-id", key_id, "--pending-window-in-days", "7")
    kms.advance(7 * DAY)
    # A successful command commits the destruction (a failing one rolls everything back).
    assert kms.ok("list-keys") == {"Keys": []}
    with Store(kms.state_dir).transaction(write=False, account_id="111122223333", region="us-west-2") as repo:
        assert repo.get_import_token(params.token[1:].hex()) is None


# ---------------------------------------------------------------- symmetric keys: several materials


@needs("encrypt", "decrypt")
def test_new_material_waits_pending_rotation_until_rotate_key_on_demand(kms: KmsSession, tmp_path: Path) -> None:
    key_id = create_external(kms)
    first_id, second_id = material_id(key_id, MATERIAL), material_id(key_id, OTHER_MATERIAL)
    import_material(kms, tmp_path, key_id, MATERIAL)
    old = b64(kms.ok("encrypt", "--key-id", key_id, "--plaintext", "old")["CiphertextBlob"])
    result = import_material(
        kms,
        tmp_path,
        key_id,
        OTHER_MATERIAL,
        extra=("--import-type", "NEW_KEY_MATERIAL", "--key-material-description", "second one"),
    )
    assert result == {"KeyId": arn(key_id), "KeyMaterialId": second_id}
    assert rotations(kms, key_id) == [
        {
            "KeyId": key_id,
            "KeyMaterialId": first_id,
            "ImportState": "IMPORTED",
            "KeyMaterialState": "CURRENT",
            "ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE",
        },
        {
            "KeyId": key_id,
            "KeyMaterialId": second_id,
            "KeyMaterialDescription": "second one",
            "ImportState": "IMPORTED",
            "KeyMaterialState": "PENDING_ROTATION",
            "ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE",
        },
    ]
    # Still encrypting under the first material.
    blob = parse_symmetric_blob(b64(kms.ok("encrypt", "--key-id", key_id, "--plaintext", "x")["CiphertextBlob"]))
    assert blob["material_id"] == first_id

    # A third NEW material while the second is pending.
    third = bytes(range(200, 232))
    params = parameters(kms, key_id)
    args = import_args(
        tmp_path,
        key_id,
        params,
        wrap(params.public_key, "RSAES_OAEP_SHA_256", third),
        extra=("--import-type", "NEW_KEY_MATERIAL"),
    )
    assert kms.error(*args) == (
        "KMSInvalidStateException",
        f"New key material (id: {material_id(key_id, third)}) cannot be imported into KMS key {arn(key_id)}, "
        f"because another key material (id: {second_id}) is pending rotation.",
    )

    assert kms.ok("rotate-key-on-demand", "--key-id", key_id) == {"KeyId": arn(key_id)}
    listed = rotations(kms, key_id)
    assert [(r["KeyMaterialId"], r["KeyMaterialState"], r.get("RotationType")) for r in listed] == [
        (first_id, "NON_CURRENT", None),
        (second_id, "CURRENT", "ON_DEMAND"),
    ]
    assert listed[1]["RotationDate"] == START
    blob = parse_symmetric_blob(b64(kms.ok("encrypt", "--key-id", key_id, "--plaintext", "x")["CiphertextBlob"]))
    assert blob["material_id"] == second_id
    assert b64(kms.ok("decrypt", "--ciphertext-blob", write(tmp_path / "old.bin", old))["Plaintext"]) == b"old"
    assert kms.error("rotate-key-on-demand", "--key-id", key_id) == (
        "KMSInvalidStateException",
        f"No available key material pending rotation for the key: {arn(key_id)}.",
    )


def test_existing_material_must_match(kms: KmsSession, tmp_path: Path) -> None:
    key_id = create_external(kms)
    import_material(kms, tmp_path, key_id, MATERIAL)
    params = parameters(kms, key_id)
    other = wrap(params.public_key, "RSAES_OAEP_SHA_256", OTHER_MATERIAL)
    same = wrap(params.public_key, "RSAES_OAEP_SHA_256", MATERIAL)
    not_associated = ("IncorrectKeyMaterialException", "The key material is not associated with this KMS key")
    # After the first import the default ImportType is EXISTING_KEY_MATERIAL.
    assert kms.error(*import_args(tmp_path, key_id, params, other)) == not_associated
    assert kms.error(*import_args(tmp_path, key_id, params, same, extra=("--key-material-id", "c" * 64))) == (
        not_associated
    )
    assert kms.error(*import_args(tmp_path, key_id, params, same, extra=("--import-type", "NEW_KEY_MATERIAL"))) == (
        "IncorrectKeyMaterialException",
        "The key material is already associated with this KMS key",
    )
    assert kms.error(
        *import_args(
            tmp_path,
            key_id,
            params,
            other,
            extra=("--import-type", "NEW_KEY_MATERIAL", "--key-material-id", material_id(key_id, MATERIAL)),
        )
    ) == ("ValidationException", "KeyMaterialId cannot be specified when ImportType is NEW_KEY_MATERIAL")
    # The matching ID is accepted.
    kms.ok(*import_args(tmp_path, key_id, params, same, extra=("--key-material-id", material_id(key_id, MATERIAL))))


def test_existing_material_on_a_key_never_imported_is_refused(kms: KmsSession, tmp_path: Path) -> None:
    key_id = create_external(kms)
    params = parameters(kms, key_id)
    args = import_args(
        tmp_path,
        key_id,
        params,
        wrap(params.public_key, "RSAES_OAEP_SHA_256", MATERIAL),
        extra=("--import-type", "EXISTING_KEY_MATERIAL"),
    )
    assert kms.error(*args) == ("IncorrectKeyMaterialException", "The key material is not associated with this KMS key")


def test_deleting_a_non_current_material_makes_the_key_pending_import(kms: KmsSession, tmp_path: Path) -> None:
    key_id = create_external(kms)
    import_material(kms, tmp_path, key_id, MATERIAL)
    import_material(kms, tmp_path, key_id, OTHER_MATERIAL, extra=("--import-type", "NEW_KEY_MATERIAL"))
    kms.ok("rotate-key-on-demand", "--key-id", key_id)
    first_id = material_id(key_id, MATERIAL)
    kms.ok("delete-imported-key-material", "--key-id", key_id, "--key-material-id", first_id)
    assert describe(kms, key_id)["KeyMetadata"]["KeyState"] == "PendingImport"
    # Every material of the key must be present again before it is usable.
    import_material(kms, tmp_path, key_id, MATERIAL, extra=("--key-material-description", "back"))
    assert describe(kms, key_id)["KeyMetadata"]["KeyState"] == "Enabled"
    assert [r.get("KeyMaterialDescription") for r in rotations(kms, key_id)] == ["back", None]


def test_pending_material_can_be_deleted_without_changing_the_key_state(kms: KmsSession, tmp_path: Path) -> None:
    key_id = create_external(kms)
    import_material(kms, tmp_path, key_id, MATERIAL)
    import_material(kms, tmp_path, key_id, OTHER_MATERIAL, extra=("--import-type", "NEW_KEY_MATERIAL"))
    second_id = material_id(key_id, OTHER_MATERIAL)
    assert kms.ok("delete-imported-key-material", "--key-id", key_id, "--key-material-id", second_id) == {
        "KeyId": arn(key_id),
        "KeyMaterialId": second_id,
    }
    assert describe(kms, key_id)["KeyMetadata"]["KeyState"] == "Enabled"
    assert [r["KeyMaterialState"] for r in rotations(kms, key_id)] == ["CURRENT"]


def test_pending_material_that_expires_is_dropped(kms: KmsSession, tmp_path: Path) -> None:
    key_id = create_external(kms)
    import_material(kms, tmp_path, key_id, MATERIAL)
    import_material(
        kms, tmp_path, key_id, OTHER_MATERIAL, valid_to=SECOND + HOUR, extra=("--import-type", "NEW_KEY_MATERIAL")
    )
    kms.advance(HOUR)
    assert describe(kms, key_id) == external_metadata(
        key_id, START, state="Enabled", expiration_model="KEY_MATERIAL_DOES_NOT_EXPIRE"
    )
    assert [r["KeyMaterialState"] for r in rotations(kms, key_id)] == ["CURRENT"]
