"""Material made and wrapped by a real openssl process, imported, then checked against the same material outside.

For each key spec KMS can import: OpenSSL makes the key material (ML-DSA excepted: OpenSSL 3.0 has
no ML-DSA, so `cryptography` makes it and OpenSSL still wraps it), wraps it with `openssl pkeyutl`
(RSA-OAEP) or `openssl pkeyutl` + `openssl enc -id-aes256-wrap-pad` (RSA_AES_KEY_WRAP, RFC 5649),
and after the import kmscli's ciphertexts, signatures and MACs must be exactly what the same
material gives outside kmscli.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import mldsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tests.imports.helpers import create_external, material_id, parameters
from tests.kms_session import (
    KmsSession,
    arn,
    b64,
    needs,
    openssl,
    parse_symmetric_blob,
    requires_openssl,
    write,
)

pytestmark = requires_openssl

MESSAGE = b"The quick brown fox jumps over the lazy dog"


def openssl_wrap(tmp: Path, public_der: bytes, algorithm: str, material: bytes) -> bytes:
    """Wrap `material` for import with the openssl command line, as AWS's documentation shows."""
    (tmp / "wrapping.der").write_bytes(public_der)
    digest = "sha1" if algorithm.endswith("_SHA_1") else "sha256"
    oaep = [
        "-pkeyopt",
        "rsa_padding_mode:oaep",
        "-pkeyopt",
        f"rsa_oaep_md:{digest}",
        "-pkeyopt",
        f"rsa_mgf1_md:{digest}",
    ]
    encrypt = ["pkeyutl", "-encrypt", "-pubin", "-keyform", "DER", "-inkey", str(tmp / "wrapping.der"), *oaep]
    if algorithm.startswith("RSAES_OAEP_"):
        return openssl(*encrypt, stdin=material)
    aes_key = os.urandom(32)
    wrapped_key = openssl(*encrypt, stdin=aes_key)
    # A65959A6 is RFC 5649's alternative initial value; `enc` needs it spelled out for the wrap-pad mode.
    wrapped_material = openssl("enc", "-id-aes256-wrap-pad", "-K", aes_key.hex(), "-iv", "A65959A6", stdin=material)
    return wrapped_key + wrapped_material


def import_with_openssl(kms: KmsSession, tmp: Path, key_id: str, material: bytes, algorithm: str, spec: str) -> dict:
    params = parameters(kms, key_id, algorithm, spec)
    wrapped = openssl_wrap(tmp, params.public_key, algorithm, material)
    return dict(
        kms.ok(
            "import-key-material",
            "--key-id",
            key_id,
            "--import-token",
            write(tmp / "token.bin", params.token),
            "--encrypted-key-material",
            write(tmp / "wrapped.bin", wrapped),
            "--expiration-model",
            "KEY_MATERIAL_DOES_NOT_EXPIRE",
        )
    )


def openssl_private_key(*genpkey_args: str) -> bytes:
    """A fresh private key from `openssl genpkey`, as unencrypted PKCS#8 DER."""
    return openssl("genpkey", *genpkey_args, "-outform", "DER")


# ---------------------------------------------------------------- symmetric


@needs("encrypt", "decrypt")
@pytest.mark.parametrize(
    ("algorithm", "spec"),
    [
        ("RSAES_OAEP_SHA_1", "RSA_2048"),
        ("RSAES_OAEP_SHA_256", "RSA_3072"),
        ("RSA_AES_KEY_WRAP_SHA_1", "RSA_4096"),
        ("RSA_AES_KEY_WRAP_SHA_256", "RSA_2048"),
    ],
)
def test_symmetric_material_encrypts_as_aes_gcm_under_that_material(
    kms: KmsSession, tmp_path: Path, algorithm: str, spec: str
) -> None:
    material = openssl("rand", "32")
    key_id = create_external(kms)
    assert import_with_openssl(kms, tmp_path, key_id, material, algorithm, spec) == {
        "KeyId": arn(key_id),
        "KeyMaterialId": material_id(key_id, material),
    }
    # kmscli's ciphertext opens outside kmscli with the imported material (docs/decisions.md#ciphertext).
    doc = kms.ok("encrypt", "--key-id", key_id, "--plaintext", "secret text", "--encryption-context", "app=test")
    blob = parse_symmetric_blob(b64(doc["CiphertextBlob"]))
    assert (blob["version"], blob["key_id"], blob["material_id"]) == (1, key_id, material_id(key_id, material))
    context = b'{"app":"test"}'
    assert AESGCM(material).decrypt(blob["nonce"], blob["sealed"], blob["header"] + context) == b"secret text"

    # And a ciphertext sealed outside kmscli with the same material decrypts inside it.
    nonce = os.urandom(12)
    header = bytes([1, len(key_id)]) + key_id.encode() + bytes.fromhex(material_id(key_id, material)) + nonce
    outside = header + AESGCM(material).encrypt(nonce, b"made outside", header)
    decrypted = kms.ok("decrypt", "--ciphertext-blob", write(tmp_path / "outside.bin", outside))
    assert (decrypted["KeyId"], b64(decrypted["Plaintext"])) == (arn(key_id), b"made outside")


# ---------------------------------------------------------------- HMAC


@needs("generate-mac", "verify-mac")
@pytest.mark.parametrize(
    ("key_spec", "length", "digest", "algorithm"),
    [
        ("HMAC_224", 28, "sha224", "HMAC_SHA_224"),
        ("HMAC_256", 64, "sha256", "HMAC_SHA_256"),
        ("HMAC_384", 100, "sha384", "HMAC_SHA_384"),
        ("HMAC_512", 128, "sha512", "HMAC_SHA_512"),
    ],
)
def test_hmac_material_macs_as_openssl_does(
    kms: KmsSession, tmp_path: Path, key_spec: str, length: int, digest: str, algorithm: str
) -> None:
    material = openssl("rand", str(length))
    key_id = create_external(kms, key_spec)
    # HMAC keys report no KeyMaterialId.
    assert import_with_openssl(kms, tmp_path, key_id, material, "RSAES_OAEP_SHA_256", "RSA_2048") == {
        "KeyId": arn(key_id)
    }
    doc = kms.ok("generate-mac", "--key-id", key_id, "--mac-algorithm", algorithm, "--message", MESSAGE.decode())
    expected = openssl(
        "dgst", f"-{digest}", "-mac", "HMAC", "-macopt", f"hexkey:{material.hex()}", "-binary", stdin=MESSAGE
    )
    assert b64(doc["Mac"]) == expected


# ---------------------------------------------------------------- RSA


@needs("sign", "get-public-key")
@pytest.mark.parametrize("algorithm", ["RSA_AES_KEY_WRAP_SHA_1", "RSA_AES_KEY_WRAP_SHA_256"])
def test_rsa_signing_material_signs_as_openssl_verifies(kms: KmsSession, tmp_path: Path, algorithm: str) -> None:
    material = openssl_private_key("-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048")
    (tmp_path / "key.der").write_bytes(material)
    public_der = openssl("pkey", "-inform", "DER", "-in", str(tmp_path / "key.der"), "-pubout", "-outform", "DER")
    key_id = create_external(kms, "RSA_2048", "SIGN_VERIFY")
    assert import_with_openssl(kms, tmp_path, key_id, material, algorithm, "RSA_3072") == {"KeyId": arn(key_id)}
    assert b64(kms.ok("get-public-key", "--key-id", key_id)["PublicKey"]) == public_der
    (tmp_path / "public.der").write_bytes(public_der)
    (tmp_path / "message").write_bytes(MESSAGE)
    for signing_algorithm, options in (
        ("RSASSA_PKCS1_V1_5_SHA_256", []),
        ("RSASSA_PSS_SHA_256", ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32"]),
    ):
        doc = kms.ok(
            "sign", "--key-id", key_id, "--message", MESSAGE.decode(), "--signing-algorithm", signing_algorithm
        )
        (tmp_path / "signature").write_bytes(b64(doc["Signature"]))
        verified = openssl(
            "dgst",
            "-sha256",
            "-keyform",
            "DER",
            "-verify",
            str(tmp_path / "public.der"),
            *options,
            "-signature",
            str(tmp_path / "signature"),
            str(tmp_path / "message"),
        )
        assert verified == b"Verified OK\n"


@needs("encrypt")
def test_rsa_encryption_material_encrypts_as_openssl_decrypts(kms: KmsSession, tmp_path: Path) -> None:
    material = openssl_private_key("-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072")
    (tmp_path / "key.der").write_bytes(material)
    key_id = create_external(kms, "RSA_3072", "ENCRYPT_DECRYPT")
    import_with_openssl(kms, tmp_path, key_id, material, "RSA_AES_KEY_WRAP_SHA_256", "RSA_2048")
    doc = kms.ok(
        "encrypt", "--key-id", key_id, "--plaintext", "for openssl", "--encryption-algorithm", "RSAES_OAEP_SHA_256"
    )
    decrypted = openssl(
        "pkeyutl",
        "-decrypt",
        "-keyform",
        "DER",
        "-inkey",
        str(tmp_path / "key.der"),
        "-pkeyopt",
        "rsa_padding_mode:oaep",
        "-pkeyopt",
        "rsa_oaep_md:sha256",
        "-pkeyopt",
        "rsa_mgf1_md:sha256",
        stdin=b64(doc["CiphertextBlob"]),
    )
    assert decrypted == b"for openssl"


# ---------------------------------------------------------------- elliptic curves


@needs("sign", "get-public-key")
@pytest.mark.parametrize(
    ("key_spec", "curve", "digest", "signing_algorithm", "algorithm"),
    [
        ("ECC_NIST_P256", "P-256", "sha256", "ECDSA_SHA_256", "RSAES_OAEP_SHA_256"),
        ("ECC_NIST_P384", "P-384", "sha384", "ECDSA_SHA_384", "RSA_AES_KEY_WRAP_SHA_1"),
        ("ECC_NIST_P521", "P-521", "sha512", "ECDSA_SHA_512", "RSA_AES_KEY_WRAP_SHA_256"),
        ("ECC_SECG_P256K1", "secp256k1", "sha256", "ECDSA_SHA_256", "RSAES_OAEP_SHA_1"),
    ],
)
def test_ecc_material_signs_as_openssl_verifies(
    kms: KmsSession, tmp_path: Path, key_spec: str, curve: str, digest: str, signing_algorithm: str, algorithm: str
) -> None:
    material = openssl_private_key("-algorithm", "EC", "-pkeyopt", f"ec_paramgen_curve:{curve}")
    (tmp_path / "key.der").write_bytes(material)
    public_der = openssl("pkey", "-inform", "DER", "-in", str(tmp_path / "key.der"), "-pubout", "-outform", "DER")
    key_id = create_external(kms, key_spec, "SIGN_VERIFY")
    import_with_openssl(kms, tmp_path, key_id, material, algorithm, "RSA_2048")
    assert b64(kms.ok("get-public-key", "--key-id", key_id)["PublicKey"]) == public_der
    doc = kms.ok("sign", "--key-id", key_id, "--message", MESSAGE.decode(), "--signing-algorithm", signing_algorithm)
    (tmp_path / "public.der").write_bytes(public_der)
    (tmp_path / "signature").write_bytes(b64(doc["Signature"]))
    (tmp_path / "message").write_bytes(MESSAGE)
    verified = openssl(
        "dgst",
        f"-{digest}",
        "-keyform",
        "DER",
        "-verify",
        str(tmp_path / "public.der"),
        "-signature",
        str(tmp_path / "signature"),
        str(tmp_path / "message"),
    )
    assert verified == b"Verified OK\n"


@needs("sign", "get-public-key")
def test_ed25519_material_signs_as_openssl_verifies(kms: KmsSession, tmp_path: Path) -> None:
    material = openssl_private_key("-algorithm", "ED25519")
    (tmp_path / "key.der").write_bytes(material)
    public_der = openssl("pkey", "-inform", "DER", "-in", str(tmp_path / "key.der"), "-pubout", "-outform", "DER")
    key_id = create_external(kms, "ECC_NIST_EDWARDS25519", "SIGN_VERIFY")
    import_with_openssl(kms, tmp_path, key_id, material, "RSAES_OAEP_SHA_256", "RSA_2048")
    assert b64(kms.ok("get-public-key", "--key-id", key_id)["PublicKey"]) == public_der
    doc = kms.ok("sign", "--key-id", key_id, "--message", MESSAGE.decode(), "--signing-algorithm", "ED25519_SHA_512")
    (tmp_path / "public.der").write_bytes(public_der)
    (tmp_path / "signature").write_bytes(b64(doc["Signature"]))
    (tmp_path / "message").write_bytes(MESSAGE)
    verified = openssl(
        "pkeyutl",
        "-verify",
        "-pubin",
        "-keyform",
        "DER",
        "-inkey",
        str(tmp_path / "public.der"),
        "-rawin",
        "-in",
        str(tmp_path / "message"),
        "-sigfile",
        str(tmp_path / "signature"),
    )
    assert verified == b"Signature Verified Successfully\n"


# ---------------------------------------------------------------- ML-DSA


@needs("sign", "get-public-key")
@pytest.mark.parametrize(
    ("key_spec", "generate"),
    [
        ("ML_DSA_44", mldsa.MLDSA44PrivateKey.generate),
        ("ML_DSA_65", mldsa.MLDSA65PrivateKey.generate),
        ("ML_DSA_87", mldsa.MLDSA87PrivateKey.generate),
    ],
)
def test_ml_dsa_material_signs_as_the_same_key_verifies(
    kms: KmsSession, tmp_path: Path, key_spec: str, generate
) -> None:  # type: ignore[no-untyped-def]
    # OpenSSL 3.0 knows no ML-DSA: `cryptography` makes the key and verifies; openssl still wraps it.
    private = generate()
    material = private.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    key_id = create_external(kms, key_spec, "SIGN_VERIFY")
    import_with_openssl(kms, tmp_path, key_id, material, "RSA_AES_KEY_WRAP_SHA_256", "RSA_2048")
    public = private.public_key()
    public_der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert b64(kms.ok("get-public-key", "--key-id", key_id)["PublicKey"]) == public_der
    doc = kms.ok("sign", "--key-id", key_id, "--message", MESSAGE.decode(), "--signing-algorithm", "ML_DSA_SHAKE_256")
    public.verify(b64(doc["Signature"]), MESSAGE)  # raises InvalidSignature on a mismatch


def test_the_openssl_wrap_is_rfc_5649(tmp_path: Path) -> None:
    """The RSA_AES_KEY_WRAP tests rely on `openssl enc -id-aes256-wrap-pad` being RFC 5649: check it."""
    from cryptography.hazmat.primitives.keywrap import aes_key_unwrap_with_padding

    aes_key, material = os.urandom(32), os.urandom(45)
    wrapped = openssl("enc", "-id-aes256-wrap-pad", "-K", aes_key.hex(), "-iv", "A65959A6", stdin=material)
    assert aes_key_unwrap_with_padding(aes_key, wrapped) == material
    assert len(wrapped) == 8 + 48  # the integrity block, then 45 bytes padded to 48
