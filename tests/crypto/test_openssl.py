"""Interoperability with a real `openssl` process: kmscli's keys, signatures and ciphertexts are standard.

Signatures kmscli makes verify with openssl and the public key from get-public-key; data that
openssl encrypts with that public key decrypts in kmscli; ECDH secrets match openssl's
derivation; data key pairs are keys openssl reads. Algorithms this openssl lacks (Ed25519ph
before 3.2, ML-DSA before 3.5) are skipped, saying so.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from kmscli.core.keyspecs import KEY_SPECS
from kmscli.core.model import KeyUsage

OPENSSL = shutil.which("openssl")
pytestmark = pytest.mark.skipif(OPENSSL is None, reason="needs the openssl command")

MESSAGE = b"Interoperable signatures: the message kmscli signs and openssl verifies.\n"
HASHES = {"256": hashlib.sha256, "384": hashlib.sha384, "512": hashlib.sha512}


def openssl(*args: str | Path) -> subprocess.CompletedProcess[bytes]:
    assert OPENSSL is not None
    return subprocess.run([OPENSSL, *map(str, args)], capture_output=True, timeout=60, check=False)


@cache
def openssl_version() -> tuple[int, int]:
    match = re.match(rb"OpenSSL (\d+)\.(\d+)", openssl("version").stdout)
    assert match is not None
    return int(match[1]), int(match[2])


def ok(result: Any) -> str:
    assert (result.exit_code, result.stderr) == (0, ""), result.stderr
    return str(result.stdout)


def create(invoke: Any, spec: str, usage: str) -> str:
    args = ("--key-spec", spec, "--key-usage", usage, "--query", "KeyMetadata.KeyId", "--output", "text")
    return ok(invoke("create-key", *args)).strip()


def public_key_pem(invoke: Any, key_id: str, tmp_path: Path) -> Path:
    """get-public-key --output text --query PublicKey, base64-decoded: DER that openssl reads as it is."""
    der = base64.b64decode(ok(invoke("get-public-key", "--key-id", key_id, "--output", "text", "--query", "PublicKey")))
    (tmp_path / "public.der").write_bytes(der)
    converted = openssl(
        "pkey", "-pubin", "-inform", "DER", "-in", tmp_path / "public.der", "-out", tmp_path / "public.pem"
    )
    assert (converted.returncode, converted.stderr) == (0, b"")
    return tmp_path / "public.pem"


def _message_types(algorithm: str) -> list[str]:
    if algorithm == "ML_DSA_SHAKE_256":
        return ["RAW"]
    if algorithm == "ED25519_SHA_512":
        return ["RAW"]
    if algorithm == "ED25519_PH_SHA_512":
        return ["DIGEST"]
    return ["RAW", "DIGEST"]


SIGNING = [
    pytest.param(spec.name, algorithm, message_type, id=f"{spec.name}-{algorithm}-{message_type}")
    for spec in KEY_SPECS.values()
    for algorithm in spec.usages.get(KeyUsage.SIGN_VERIFY, ())
    for message_type in _message_types(algorithm)
]


def openssl_verify(
    algorithm: str, public_pem: Path, message: Path, signature: Path
) -> subprocess.CompletedProcess[bytes]:
    if algorithm.startswith(("RSASSA_", "ECDSA_")):
        bits = algorithm[-3:]
        options: list[str] = []
        if "_PSS_" in algorithm:
            salt = str(HASHES[bits]().digest_size)
            options = ["-sigopt", "rsa_padding_mode:pss", "-sigopt", f"rsa_pss_saltlen:{salt}"]
        return openssl("dgst", f"-sha{bits}", *options, "-verify", public_pem, "-signature", signature, message)
    if algorithm == "ED25519_PH_SHA_512":
        return openssl(
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            public_pem,
            "-rawin",
            "-in",
            message,
            "-sigfile",
            signature,
            "-pkeyopt",
            "instance:Ed25519ph",
        )
    # Ed25519 and ML-DSA verify the message itself.
    return openssl(
        "pkeyutl", "-verify", "-pubin", "-inkey", public_pem, "-rawin", "-in", message, "-sigfile", signature
    )


@pytest.mark.parametrize(("spec", "algorithm", "message_type"), SIGNING)
def test_openssl_verifies_kmscli_signatures(
    invoke: Any, tmp_path: Path, spec: str, algorithm: str, message_type: str
) -> None:
    if spec.startswith("ML_DSA_") and openssl_version() < (3, 5):
        pytest.skip("ML-DSA needs OpenSSL 3.5 or later")
    if algorithm == "ED25519_PH_SHA_512" and openssl_version() < (3, 2):
        pytest.skip("Ed25519ph needs OpenSSL 3.2 or later")
    key_id = create(invoke, spec, "SIGN_VERIFY")
    public_pem = public_key_pem(invoke, key_id, tmp_path)
    (tmp_path / "message.bin").write_bytes(MESSAGE)
    # With DIGEST, kmscli gets only the hash, and openssl hashes the message itself: the two agree
    # only if kmscli never hashes a digest again.
    sent = HASHES[algorithm[-3:]](MESSAGE).digest() if message_type == "DIGEST" else MESSAGE
    (tmp_path / "sent.bin").write_bytes(sent)
    signature = base64.b64decode(
        ok(
            invoke(
                "sign",
                "--key-id",
                key_id,
                "--message",
                f"fileb://{tmp_path}/sent.bin",
                "--message-type",
                message_type,
                "--signing-algorithm",
                algorithm,
                "--output",
                "text",
                "--query",
                "Signature",
            )
        )
    )
    (tmp_path / "signature.bin").write_bytes(signature)
    verified = openssl_verify(algorithm, public_pem, tmp_path / "message.bin", tmp_path / "signature.bin")
    assert (verified.returncode, verified.stderr) == (0, b"")
    assert verified.stdout.strip() in (b"Verified OK", b"Signature Verified Successfully")
    # And openssl refuses the same signature over another message, so the check above means something.
    (tmp_path / "other.bin").write_bytes(MESSAGE + b"!")
    refused = openssl_verify(algorithm, public_pem, tmp_path / "other.bin", tmp_path / "signature.bin")
    assert refused.returncode != 0


@pytest.mark.parametrize("spec", ["RSA_2048", "RSA_3072", "RSA_4096"])
@pytest.mark.parametrize(("algorithm", "digest"), [("RSAES_OAEP_SHA_1", "sha1"), ("RSAES_OAEP_SHA_256", "sha256")])
def test_kmscli_decrypts_what_openssl_encrypts(
    invoke: Any, tmp_path: Path, spec: str, algorithm: str, digest: str
) -> None:
    key_id = create(invoke, spec, "ENCRYPT_DECRYPT")
    public_pem = public_key_pem(invoke, key_id, tmp_path)
    plaintext = os.urandom(190)
    (tmp_path / "plaintext.bin").write_bytes(plaintext)
    encrypted = openssl(
        "pkeyutl",
        "-encrypt",
        "-pubin",
        "-inkey",
        public_pem,
        "-in",
        tmp_path / "plaintext.bin",
        "-out",
        tmp_path / "ciphertext.bin",
        "-pkeyopt",
        "rsa_padding_mode:oaep",
        "-pkeyopt",
        f"rsa_oaep_md:{digest}",
        "-pkeyopt",
        f"rsa_mgf1_md:{digest}",
    )
    assert (encrypted.returncode, encrypted.stderr) == (0, b"")
    decrypted = invoke(
        "decrypt",
        "--ciphertext-blob",
        f"fileb://{tmp_path}/ciphertext.bin",
        "--key-id",
        key_id,
        "--encryption-algorithm",
        algorithm,
    )
    document = json.loads(ok(decrypted))
    assert base64.b64decode(document["Plaintext"]) == plaintext
    assert document["EncryptionAlgorithm"] == algorithm


@pytest.mark.parametrize(
    ("spec", "curve"), [("ECC_NIST_P256", "P-256"), ("ECC_NIST_P384", "P-384"), ("ECC_NIST_P521", "P-521")]
)
def test_ecdh_secret_matches_openssl(invoke: Any, tmp_path: Path, spec: str, curve: str) -> None:
    key_id = create(invoke, spec, "KEY_AGREEMENT")
    public_pem = public_key_pem(invoke, key_id, tmp_path)
    peer = tmp_path / "peer.pem"
    assert (
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", f"ec_paramgen_curve:{curve}", "-out", peer).returncode == 0
    )
    assert openssl("pkey", "-in", peer, "-pubout", "-outform", "DER", "-out", tmp_path / "peer.der").returncode == 0
    secret = base64.b64decode(
        ok(
            invoke(
                "derive-shared-secret",
                "--key-id",
                key_id,
                "--key-agreement-algorithm",
                "ECDH",
                "--public-key",
                f"fileb://{tmp_path}/peer.der",
                "--output",
                "text",
                "--query",
                "SharedSecret",
            )
        )
    )
    derived = openssl("pkeyutl", "-derive", "-inkey", peer, "-peerkey", public_pem, "-out", tmp_path / "secret.bin")
    assert (derived.returncode, derived.stderr) == (0, b"")
    assert secret == (tmp_path / "secret.bin").read_bytes()


@pytest.mark.parametrize(
    "spec", ["RSA_2048", "ECC_NIST_P256", "ECC_NIST_P521", "ECC_SECG_P256K1", "ECC_NIST_EDWARDS25519"]
)
def test_openssl_reads_data_key_pairs(invoke: Any, tmp_path: Path, spec: str) -> None:
    key_id = ok(invoke("create-key", "--query", "KeyMetadata.KeyId", "--output", "text")).strip()
    pair = json.loads(ok(invoke("generate-data-key-pair", "--key-id", key_id, "--key-pair-spec", spec)))
    (tmp_path / "private.der").write_bytes(base64.b64decode(pair["PrivateKeyPlaintext"]))
    public = openssl("pkey", "-inform", "DER", "-in", tmp_path / "private.der", "-pubout", "-outform", "DER")
    assert (public.returncode, public.stderr) == (0, b"")
    assert public.stdout == base64.b64decode(pair["PublicKey"])


def test_shell_pipeline_of_the_aws_cli_docs(tmp_path: Path) -> None:
    """The documented recipe, as real processes: text output piped through `base64 -d` into openssl."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "KMSCLI_"))}
    environ.update(KMSCLI_STATE_DIR=str(tmp_path / "state"), HOME=str(tmp_path / "home"), AWS_REGION="eu-west-1")
    kmscli = f"{sys.executable} -m kmscli"
    script = f"""
set -eu
cd {tmp_path}
key=$({kmscli} create-key --key-spec RSA_3072 --key-usage SIGN_VERIFY --query KeyMetadata.KeyId --output text)
{kmscli} get-public-key --key-id "$key" --output text --query PublicKey | base64 -d > public.der
printf 'signed in kmscli, verified by openssl' > message.txt
{kmscli} sign --key-id "$key" --message fileb://message.txt --signing-algorithm RSASSA_PSS_SHA_256 \\
    --output text --query Signature | base64 -d > signature.bin
{OPENSSL} dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -keyform DER \\
    -verify public.der -signature signature.bin message.txt
"""
    done = subprocess.run(["bash", "-c", script], env=environ, capture_output=True, timeout=120, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (0, b"Verified OK\n", b"")
