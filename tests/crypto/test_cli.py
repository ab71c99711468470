"""The cryptographic commands through the command line: blob inputs and outputs, JSON shape, errors."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.conformance import assert_conforms

ACCOUNT = "111122223333"
REGION = "us-west-2"
ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/"


def ok(result: Any) -> str:
    assert (result.exit_code, result.stderr) == (0, ""), result.stderr
    return str(result.stdout)


def document(result: Any, operation: str) -> dict[str, Any]:
    doc = json.loads(ok(result))
    assert_conforms(operation, doc)
    return dict(doc)


def service_error(operation: str, code: str, message: str) -> tuple[int, str, str]:
    return 255, "", f"\nAn error occurred ({code}) when calling the {operation} operation: {message}\n"


def outcome(result: Any) -> tuple[int, str, str]:
    return result.exit_code, result.stdout, result.stderr


def create(invoke: Any, *args: str) -> str:
    return ok(invoke("create-key", *args, "--query", "KeyMetadata.KeyId", "--output", "text")).strip()


def text_blob(result: Any) -> bytes:
    """A blob printed by `--output text --query <member>`: one base64 line, as `base64 -d` reads it."""
    return base64.b64decode(ok(result), validate=False)


@pytest.fixture
def key_id(invoke: Any) -> str:
    return create(invoke)


def test_encrypt_decrypt_json(invoke: Any, key_id: str, tmp_path: Path) -> None:
    encrypted = document(
        invoke("encrypt", "--key-id", key_id, "--plaintext", "héllo", "--encryption-context", "purpose=test"), "Encrypt"
    )
    assert list(encrypted) == ["CiphertextBlob", "KeyId", "EncryptionAlgorithm"]
    assert (encrypted["KeyId"], encrypted["EncryptionAlgorithm"]) == (ARN + key_id, "SYMMETRIC_DEFAULT")
    blob = base64.b64decode(encrypted["CiphertextBlob"], validate=True)
    (tmp_path / "ct.bin").write_bytes(blob)
    decrypted = document(
        invoke(
            "decrypt", "--ciphertext-blob", f"fileb://{tmp_path}/ct.bin", "--encryption-context", '{"purpose":"test"}'
        ),
        "Decrypt",
    )
    assert decrypted == {
        "KeyId": ARN + key_id,
        # A literal blob argument is its UTF-8 bytes (AWS CLI v1).
        "Plaintext": base64.b64encode("héllo".encode()).decode(),
        "EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
        "KeyMaterialId": blob[38:70].hex(),
    }


def test_text_output_decodes_with_base64(invoke: Any, key_id: str, tmp_path: Path) -> None:
    (tmp_path / "secret.bin").write_bytes(bytes(range(256)))
    blob = text_blob(
        invoke(
            "encrypt",
            "--key-id",
            key_id,
            "--plaintext",
            f"fileb://{tmp_path}/secret.bin",
            "--output",
            "text",
            "--query",
            "CiphertextBlob",
        )
    )
    (tmp_path / "ct.bin").write_bytes(blob)
    plaintext = text_blob(
        invoke("decrypt", "--ciphertext-blob", f"fileb://{tmp_path}/ct.bin", "--output", "text", "--query", "Plaintext")
    )
    assert plaintext == bytes(range(256))


def test_cli_binary_format_base64(invoke: Any, key_id: str) -> None:
    plaintext = base64.b64encode(b"\x00\xffbinary").decode()
    encrypted = document(
        invoke("encrypt", "--key-id", key_id, "--plaintext", plaintext, "--cli-binary-format", "base64"), "Encrypt"
    )
    decrypted = document(
        invoke("decrypt", "--ciphertext-blob", encrypted["CiphertextBlob"], "--cli-binary-format", "base64"),
        "Decrypt",
    )
    assert base64.b64decode(decrypted["Plaintext"]) == b"\x00\xffbinary"


def test_decrypt_failures(invoke: Any, key_id: str, tmp_path: Path) -> None:
    other = create(invoke)
    blob = base64.b64decode(
        json.loads(ok(invoke("encrypt", "--key-id", key_id, "--plaintext", "p", "--encryption-context", "ab=c")))[
            "CiphertextBlob"
        ]
    )
    (tmp_path / "ct.bin").write_bytes(blob)
    (tmp_path / "tampered.bin").write_bytes(blob[:-1] + bytes([blob[-1] ^ 1]))
    invalid = service_error("Decrypt", "InvalidCiphertextException", "")
    ct = f"fileb://{tmp_path}/ct.bin"
    assert outcome(invoke("decrypt", "--ciphertext-blob", ct, "--encryption-context", "a=bc")) == invalid
    assert outcome(invoke("decrypt", "--ciphertext-blob", ct)) == invalid
    tampered = f"fileb://{tmp_path}/tampered.bin"
    assert outcome(invoke("decrypt", "--ciphertext-blob", tampered, "--encryption-context", "ab=c")) == invalid
    assert outcome(invoke("decrypt", "--ciphertext-blob", ct, "--encryption-context", "ab=c", "--key-id", other)) == (
        service_error(
            "Decrypt",
            "IncorrectKeyException",
            "The key ID in the request does not identify a CMK that can perform this operation.",
        )
    )
    # The raw-text default sends the base64 text itself, which is no ciphertext.
    assert outcome(invoke("decrypt", "--ciphertext-blob", base64.b64encode(blob).decode())) == invalid


def test_disabled_key(invoke: Any, key_id: str) -> None:
    assert outcome(invoke("disable-key", "--key-id", key_id)) == (0, "", "")
    assert outcome(invoke("encrypt", "--key-id", key_id, "--plaintext", "p")) == service_error(
        "Encrypt", "DisabledException", f"{ARN}{key_id} is disabled."
    )


def test_re_encrypt(invoke: Any, key_id: str, tmp_path: Path) -> None:
    destination = create(invoke)
    blob = text_blob(
        invoke("encrypt", "--key-id", key_id, "--plaintext", "p", "--output", "text", "--query", "CiphertextBlob")
    )
    (tmp_path / "ct.bin").write_bytes(blob)
    result = document(
        invoke("re-encrypt", "--ciphertext-blob", f"fileb://{tmp_path}/ct.bin", "--destination-key-id", destination),
        "ReEncrypt",
    )
    assert list(result) == [
        "CiphertextBlob",
        "SourceKeyId",
        "KeyId",
        "SourceEncryptionAlgorithm",
        "DestinationEncryptionAlgorithm",
        "SourceKeyMaterialId",
        "DestinationKeyMaterialId",
    ]
    assert (result["SourceKeyId"], result["KeyId"]) == (ARN + key_id, ARN + destination)


def test_generate_data_key(invoke: Any, key_id: str, tmp_path: Path) -> None:
    result = document(invoke("generate-data-key", "--key-id", key_id, "--key-spec", "AES_256"), "GenerateDataKey")
    assert list(result) == ["CiphertextBlob", "Plaintext", "KeyId", "KeyMaterialId"]
    (tmp_path / "dk.bin").write_bytes(base64.b64decode(result["CiphertextBlob"]))
    decrypted = document(invoke("decrypt", "--ciphertext-blob", f"fileb://{tmp_path}/dk.bin"), "Decrypt")
    assert decrypted["Plaintext"] == result["Plaintext"]
    assert len(base64.b64decode(result["Plaintext"])) == 32
    assert outcome(invoke("generate-data-key", "--key-id", key_id)) == service_error(
        "GenerateDataKey", "ValidationException", "Please specify either number of bytes or key spec."
    )
    without = document(
        invoke("generate-data-key-without-plaintext", "--key-id", key_id, "--number-of-bytes", "16"),
        "GenerateDataKeyWithoutPlaintext",
    )
    assert list(without) == ["CiphertextBlob", "KeyId", "KeyMaterialId"]


def test_generate_data_key_pair(invoke: Any, key_id: str) -> None:
    result = document(
        invoke("generate-data-key-pair", "--key-id", key_id, "--key-pair-spec", "ECC_NIST_P256"), "GenerateDataKeyPair"
    )
    assert list(result) == [
        "PrivateKeyCiphertextBlob",
        "PrivateKeyPlaintext",
        "PublicKey",
        "KeyId",
        "KeyPairSpec",
        "KeyMaterialId",
    ]
    private: Any = serialization.load_der_private_key(base64.b64decode(result["PrivateKeyPlaintext"]), None)
    public: Any = serialization.load_der_public_key(base64.b64decode(result["PublicKey"]))
    public.verify(private.sign(b"m", ec.ECDSA(hashes.SHA256())), b"m", ec.ECDSA(hashes.SHA256()))
    assert outcome(invoke("generate-data-key-pair", "--key-id", key_id, "--key-pair-spec", "SM2")) == service_error(
        "GenerateDataKeyPair", "UnsupportedOperationException", "KeyPairSpec SM2 is not supported"
    )


def test_generate_random(invoke: Any) -> None:
    result = document(invoke("generate-random", "--number-of-bytes", "16"), "GenerateRandom")
    assert list(result) == ["Plaintext"]
    assert len(base64.b64decode(result["Plaintext"])) == 16
    assert outcome(invoke("generate-random")) == service_error(
        "GenerateRandom", "ValidationException", "NumberOfBytes is required."
    )
    assert outcome(invoke("generate-random", "--number-of-bytes", "0")) == (
        255,
        "",
        "\nParameter validation failed:\nInvalid value for parameter NumberOfBytes, value: 0, valid min value: 1\n",
    )


def test_sign_verify_and_get_public_key(invoke: Any, tmp_path: Path) -> None:
    key_id = create(invoke, "--key-spec", "ECC_NIST_P256", "--key-usage", "SIGN_VERIFY")
    (tmp_path / "digest.bin").write_bytes(hashlib.sha256(b"message").digest())
    signed = document(
        invoke(
            "sign",
            "--key-id",
            key_id,
            "--message",
            f"fileb://{tmp_path}/digest.bin",
            "--message-type",
            "DIGEST",
            "--signing-algorithm",
            "ECDSA_SHA_256",
        ),
        "Sign",
    )
    assert list(signed) == ["KeyId", "Signature", "SigningAlgorithm"]
    (tmp_path / "sig.bin").write_bytes(base64.b64decode(signed["Signature"]))
    public = document(invoke("get-public-key", "--key-id", key_id), "GetPublicKey")
    der = base64.b64decode(public["PublicKey"])
    assert public == {
        "KeyId": ARN + key_id,
        "PublicKey": base64.b64encode(der).decode(),
        "CustomerMasterKeySpec": "ECC_NIST_P256",
        "KeySpec": "ECC_NIST_P256",
        "KeyUsage": "SIGN_VERIFY",
        "SigningAlgorithms": ["ECDSA_SHA_256"],
    }
    assert text_blob(invoke("get-public-key", "--key-id", key_id, "--output", "text", "--query", "PublicKey")) == der
    verifier: Any = serialization.load_der_public_key(der)
    verifier.verify(base64.b64decode(signed["Signature"]), b"message", ec.ECDSA(hashes.SHA256()))
    verified = document(
        invoke(
            "verify",
            "--key-id",
            key_id,
            "--message",
            "message",
            "--signature",
            f"fileb://{tmp_path}/sig.bin",
            "--signing-algorithm",
            "ECDSA_SHA_256",
        ),
        "Verify",
    )
    assert verified == {"KeyId": ARN + key_id, "SignatureValid": True, "SigningAlgorithm": "ECDSA_SHA_256"}
    assert outcome(
        invoke(
            "verify",
            "--key-id",
            key_id,
            "--message",
            "massage",
            "--signature",
            f"fileb://{tmp_path}/sig.bin",
            "--signing-algorithm",
            "ECDSA_SHA_256",
        )
    ) == service_error("Verify", "KMSInvalidSignatureException", "")
    assert outcome(
        invoke(
            "sign",
            "--key-id",
            key_id,
            "--message",
            "short",
            "--message-type",
            "DIGEST",
            "--signing-algorithm",
            "ECDSA_SHA_256",
        )
    ) == service_error("Sign", "ValidationException", "Digest is invalid length for algorithm ECDSA_SHA_256.")


def test_get_public_key_of_ml_kem_and_ed25519(invoke: Any) -> None:
    kem = create(invoke, "--key-spec", "ML_KEM_768", "--key-usage", "ENCAPSULATE_DECAPSULATE")
    result = document(invoke("get-public-key", "--key-id", kem), "GetPublicKey")
    assert [m for m in result if m != "PublicKey"] == ["KeyId", "KeySpec", "KeyUsage", "EncapsulationAlgorithms"]
    assert result["EncapsulationAlgorithms"] == ["ML_KEM"]
    ed = create(invoke, "--key-spec", "ECC_NIST_EDWARDS25519", "--key-usage", "SIGN_VERIFY")
    result = document(invoke("get-public-key", "--key-id", ed), "GetPublicKey")
    assert result["SigningAlgorithms"] == ["ED25519_SHA_512", "ED25519_PH_SHA_512"]
    assert "CustomerMasterKeySpec" not in result


def test_macs(invoke: Any, tmp_path: Path) -> None:
    key_id = create(invoke, "--key-spec", "HMAC_512", "--key-usage", "GENERATE_VERIFY_MAC")
    mac = document(
        invoke("generate-mac", "--key-id", key_id, "--message", "hello", "--mac-algorithm", "HMAC_SHA_512"),
        "GenerateMac",
    )
    assert list(mac) == ["Mac", "MacAlgorithm", "KeyId"]
    (tmp_path / "mac.bin").write_bytes(base64.b64decode(mac["Mac"]))
    args = ("--key-id", key_id, "--mac-algorithm", "HMAC_SHA_512", "--mac", f"fileb://{tmp_path}/mac.bin")
    verified = document(invoke("verify-mac", "--message", "hello", *args), "VerifyMac")
    assert verified == {"KeyId": ARN + key_id, "MacValid": True, "MacAlgorithm": "HMAC_SHA_512"}
    assert outcome(invoke("verify-mac", "--message", "hellO", *args)) == service_error(
        "VerifyMac", "KMSInvalidMacException", ""
    )
    assert outcome(
        invoke("generate-mac", "--key-id", key_id, "--message", "hello", "--mac-algorithm", "HMAC_SHA_256")
    ) == service_error(
        "GenerateMac", "InvalidKeyUsageException", "Algorithm HMAC_SHA_256 is incompatible with key spec HMAC_512."
    )


def test_derive_shared_secret(invoke: Any, tmp_path: Path) -> None:
    key_id = create(invoke, "--key-spec", "ECC_NIST_P384", "--key-usage", "KEY_AGREEMENT")
    peer = ec.generate_private_key(ec.SECP384R1())
    (tmp_path / "peer.der").write_bytes(
        peer.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    result = document(
        invoke(
            "derive-shared-secret",
            "--key-id",
            key_id,
            "--key-agreement-algorithm",
            "ECDH",
            "--public-key",
            f"fileb://{tmp_path}/peer.der",
        ),
        "DeriveSharedSecret",
    )
    assert list(result) == ["KeyId", "SharedSecret", "KeyAgreementAlgorithm", "KeyOrigin"]
    ours: Any = serialization.load_der_public_key(
        text_blob(invoke("get-public-key", "--key-id", key_id, "--output", "text", "--query", "PublicKey"))
    )
    assert base64.b64decode(result["SharedSecret"]) == peer.exchange(ec.ECDH(), ours)
    assert outcome(
        invoke(
            "derive-shared-secret",
            "--key-id",
            key_id,
            "--key-agreement-algorithm",
            "ECDH",
            "--public-key",
            "junk",
        )
    ) == service_error("DeriveSharedSecret", "ValidationException", "")


def test_encapsulate_decapsulate(invoke: Any, tmp_path: Path) -> None:
    key_id = create(invoke, "--key-spec", "ML_KEM_1024", "--key-usage", "ENCAPSULATE_DECAPSULATE")
    encapsulated = document(
        invoke("encapsulate", "--key-id", key_id, "--encapsulation-algorithm", "ML_KEM"), "Encapsulate"
    )
    assert list(encapsulated) == ["KeyId", "SharedSecret", "SharedSecretCiphertextBlob", "EncapsulationAlgorithm"]
    (tmp_path / "kem.bin").write_bytes(base64.b64decode(encapsulated["SharedSecretCiphertextBlob"]))
    decapsulated = document(
        invoke(
            "decapsulate",
            "--key-id",
            key_id,
            "--encapsulation-algorithm",
            "ML_KEM",
            "--shared-secret-ciphertext-blob",
            f"fileb://{tmp_path}/kem.bin",
        ),
        "Decapsulate",
    )
    assert decapsulated == {
        "KeyId": ARN + key_id,
        "SharedSecret": encapsulated["SharedSecret"],
        "EncapsulationAlgorithm": "ML_KEM",
    }
