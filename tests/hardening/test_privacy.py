"""The state is private to its user, and key material never leaves it (docs/decisions.md#state).

The directory is 0700 and every file 0600 whatever the umask; no stdout, stderr or --debug line
of any command, successful or failed, carries a byte of the stored key material in any encoding.
"""

from __future__ import annotations

import base64
import json
import os
import re
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from kmscli.cli import cli
from kmscli.session import Session
from kmscli.store import Store

DB_NAME = "kmscli.sqlite3"
UMASKS = [0o000, 0o002, 0o022, 0o077, 0o277, 0o777]


@pytest.mark.parametrize("umask", UMASKS, ids=[f"umask-{m:03o}" for m in UMASKS])
def test_a_new_state_is_private_whatever_the_umask(kmscli, tmp_path, umask):
    state = tmp_path / "state"
    in_umask = ["sh", "-c", f'umask {umask:03o} && exec "$@"', "sh"]
    created = kmscli("create-key", "--query", "KeyMetadata.KeyState", "--output", "text", prefix=in_umask)
    assert (created.returncode, created.stdout, created.stderr) == (0, "Enabled\n", "")
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in state.iterdir()} == {DB_NAME: 0o600}


@pytest.mark.parametrize("umask", UMASKS, ids=[f"umask-{m:03o}" for m in UMASKS])
def test_the_wal_and_shared_memory_files_are_private_too(tmp_path, umask):
    """They exist only while a transaction runs, and hold key material as the database does."""
    state = tmp_path / "state"
    old = os.umask(umask)
    try:
        with Store(state).transaction(write=True, account_id="111122223333", region="us-west-2") as repo:
            repo.next_counter("ids")
            modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in state.iterdir()}
    finally:
        os.umask(old)
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    assert modes == {DB_NAME: 0o600, f"{DB_NAME}-wal": 0o600, f"{DB_NAME}-shm": 0o600}


# ---------------------------------------------------------------- key material never in any output


def encodings(secret: bytes) -> Iterator[bytes]:
    """The forms a leaked secret could take in output: raw, hex, and base64 at any byte alignment."""
    yield secret
    yield secret.hex().encode()
    yield secret.hex().upper().encode()
    for skip in range(3):
        # base64 of a longer blob holding the secret encodes it from some group boundary on;
        # the last group is left out, as it depends on the bytes that follow.
        text = base64.b64encode(secret[skip:])
        yield text[: len(text) // 4 * 4 - 4]
        yield text[: len(text) // 4 * 4 - 4].replace(b"+", b"-").replace(b"/", b"_")


def private_parts(secret: bytes) -> list[bytes]:
    """What must stay secret in a stored material: the whole of a symmetric or HMAC key, only the
    private numbers of a key pair (its DER also holds the public key, which get-public-key prints)."""
    try:
        key = serialization.load_der_private_key(secret, password=None)
    except ValueError:
        return [secret]
    if isinstance(key, rsa.RSAPrivateKey):
        numbers = key.private_numbers()
        return [n.to_bytes((n.bit_length() + 7) // 8, "big") for n in (numbers.d, numbers.p, numbers.q)]
    if isinstance(key, ec.EllipticCurvePrivateKey):
        value = key.private_numbers().private_value
        return [value.to_bytes((value.bit_length() + 7) // 8, "big")]
    # Ed25519, ML-DSA and ML-KEM keys: their seed.
    raw: bytes = key.private_bytes_raw()  # type: ignore[union-attr]  # the key types without one are never stored
    return [raw]


def stored_secrets(database: Path, sql: Callable[..., list[tuple]]) -> list[bytes]:
    secrets = []
    for (doc,) in sql(database, "SELECT doc FROM keys"):
        key = json.loads(doc)
        materials = [*key["materials"], *([key["pending_material"]] if key.get("pending_material") else [])]
        for material in materials:
            secrets.extend(private_parts(base64.b64decode(material["secret"])))
    for (private_key,) in sql(database, "SELECT private_key FROM import_tokens"):
        secrets.extend(private_parts(bytes(private_key)))
    return secrets


class Probe:
    """Runs kmscli in-process with its real settings (random IDs, real clock), with --debug."""

    def __init__(self, state: Path, work: Path) -> None:
        self.runtime = Session(environ={}, state_dir=state)
        self.work = work
        self.outputs: list[bytes] = []
        self.results: list[tuple[list[str], int]] = []

    def run(self, *args: str, expect: int = 0) -> Result:
        result = CliRunner().invoke(cli, [*args, "--debug"], obj=self.runtime)
        self.outputs += [result.stdout_bytes, result.stderr_bytes]
        assert result.exit_code == expect, (args, result.stderr)
        assert b"kmscli debug: state database:" in result.stderr_bytes
        return result

    def value(self, *args: str) -> str:
        # --output text also exercises the text renderer on every value it prints.
        return self.run(*args, "--output", "text").stdout.strip()

    def file(self, name: str, data: bytes) -> str:
        path = self.work / name
        path.write_bytes(data)
        return f"fileb://{path}"

    def key(self, spec: str, usage: str, *extra: str) -> str:
        return self.value(
            "create-key", "--key-spec", spec, "--key-usage", usage, *extra, "--query", "KeyMetadata.KeyId"
        )


def exercise_every_key_command(s: Probe) -> None:
    sym = s.key("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT")
    other = s.key("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT")
    s.run("create-alias", "--alias-name", "alias/private", "--target-key-id", sym)
    for output in ("json", "text", "table"):
        s.run("describe-key", "--key-id", "alias/private", "--output", output)
        s.run("list-keys", "--output", output)
    s.run("get-key-policy", "--key-id", sym, "--policy-name", "default")
    s.run("rotate-key-on-demand", "--key-id", sym)
    s.run("list-key-rotations", "--key-id", sym)
    blob = base64.b64decode(s.value("encrypt", "--key-id", sym, "--plaintext", "hello", "--query", "CiphertextBlob"))
    s.run("decrypt", "--ciphertext-blob", s.file("sym.bin", blob))
    s.run("decrypt", "--ciphertext-blob", s.file("sym.bin", blob), "--key-id", other, expect=255)
    s.run("decrypt", "--ciphertext-blob", s.file("junk.bin", os.urandom(200)), expect=255)
    s.run("re-encrypt", "--ciphertext-blob", s.file("sym.bin", blob), "--destination-key-id", other)
    s.run("generate-data-key", "--key-id", sym, "--key-spec", "AES_256")
    s.run("generate-data-key-without-plaintext", "--key-id", sym, "--number-of-bytes", "64")
    s.run("generate-data-key-pair", "--key-id", sym, "--key-pair-spec", "ECC_NIST_P256")
    s.run("generate-data-key-pair-without-plaintext", "--key-id", sym, "--key-pair-spec", "RSA_2048")
    s.run("generate-random", "--number-of-bytes", "32")

    rsa_key = s.key("RSA_2048", "ENCRYPT_DECRYPT")
    s.run("get-public-key", "--key-id", rsa_key)
    sealed = s.value(
        "encrypt",
        "--key-id",
        rsa_key,
        "--plaintext",
        "hi",
        "--encryption-algorithm",
        "RSAES_OAEP_SHA_256",
        "--query",
        "CiphertextBlob",
    )
    s.run(
        "decrypt",
        "--key-id",
        rsa_key,
        "--ciphertext-blob",
        s.file("rsa.bin", base64.b64decode(sealed)),
        "--encryption-algorithm",
        "RSAES_OAEP_SHA_256",
    )
    s.run(
        "decrypt",
        "--key-id",
        rsa_key,
        "--ciphertext-blob",
        s.file("junk.bin", os.urandom(256)),
        "--encryption-algorithm",
        "RSAES_OAEP_SHA_256",
        expect=255,
    )

    for spec, algorithm in (
        ("RSA_2048", "RSASSA_PSS_SHA_256"),
        ("ECC_NIST_P256", "ECDSA_SHA_256"),
        ("ECC_NIST_EDWARDS25519", "ED25519_SHA_512"),
        ("ML_DSA_44", "ML_DSA_SHAKE_256"),
    ):
        signer = s.key(spec, "SIGN_VERIFY")
        s.run("get-public-key", "--key-id", signer)
        signature = s.value(
            "sign", "--key-id", signer, "--message", "m", "--signing-algorithm", algorithm, "--query", "Signature"
        )
        s.run(
            "verify",
            "--key-id",
            signer,
            "--message",
            "m",
            "--signing-algorithm",
            algorithm,
            "--signature",
            s.file("sig.bin", base64.b64decode(signature)),
        )
        s.run(
            "verify",
            "--key-id",
            signer,
            "--message",
            "other",
            "--signing-algorithm",
            algorithm,
            "--signature",
            s.file("sig.bin", base64.b64decode(signature)),
            expect=255,
        )

    mac_key = s.key("HMAC_256", "GENERATE_VERIFY_MAC")
    mac = s.value(
        "generate-mac", "--key-id", mac_key, "--message", "m", "--mac-algorithm", "HMAC_SHA_256", "--query", "Mac"
    )
    s.run(
        "verify-mac",
        "--key-id",
        mac_key,
        "--message",
        "m",
        "--mac-algorithm",
        "HMAC_SHA_256",
        "--mac",
        s.file("mac.bin", base64.b64decode(mac)),
    )
    s.run(
        "verify-mac",
        "--key-id",
        mac_key,
        "--message",
        "m",
        "--mac-algorithm",
        "HMAC_SHA_256",
        "--mac",
        s.file("mac.bin", os.urandom(32)),
        expect=255,
    )

    agreeing = s.key("ECC_NIST_P256", "KEY_AGREEMENT")
    peer = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    s.run(
        "derive-shared-secret",
        "--key-id",
        agreeing,
        "--key-agreement-algorithm",
        "ECDH",
        "--public-key",
        s.file("peer.der", peer),
    )

    kem = s.key("ML_KEM_768", "ENCAPSULATE_DECAPSULATE")
    encapsulated = s.value(
        "encapsulate", "--key-id", kem, "--encapsulation-algorithm", "ML_KEM", "--query", "SharedSecretCiphertextBlob"
    )
    s.run(
        "decapsulate",
        "--key-id",
        kem,
        "--encapsulation-algorithm",
        "ML_KEM",
        "--shared-secret-ciphertext-blob",
        s.file("kem.bin", base64.b64decode(encapsulated)),
    )

    imported = s.key("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", "--origin", "EXTERNAL")
    parameters = json.loads(
        s.run(
            "get-parameters-for-import",
            "--key-id",
            imported,
            "--wrapping-algorithm",
            "RSAES_OAEP_SHA_256",
            "--wrapping-key-spec",
            "RSA_2048",
        ).stdout
    )
    wrapping = serialization.load_der_public_key(base64.b64decode(parameters["PublicKey"]))
    assert isinstance(wrapping, rsa.RSAPublicKey)
    material = os.urandom(32)
    wrapped = wrapping.encrypt(material, padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), None))
    s.run(
        "import-key-material",
        "--key-id",
        imported,
        "--expiration-model",
        "KEY_MATERIAL_DOES_NOT_EXPIRE",
        "--import-token",
        s.file("token.bin", base64.b64decode(parameters["ImportToken"])),
        "--encrypted-key-material",
        s.file("wrapped.bin", wrapped),
    )
    s.run("encrypt", "--key-id", imported, "--plaintext", "with imported material")

    # Failures on the way in: a disabled key, a key pending deletion.
    s.run("disable-key", "--key-id", other)
    s.run("encrypt", "--key-id", other, "--plaintext", "x", expect=255)
    s.run("schedule-key-deletion", "--key-id", other, "--pending-window-in-days", "7")
    s.run("decrypt", "--ciphertext-blob", s.file("sym.bin", blob), "--key-id", other, expect=255)


def test_key_material_never_appears_in_any_output(tmp_path, sql):
    state = tmp_path / "state"
    session = Probe(state, tmp_path)
    exercise_every_key_command(session)
    secrets = stored_secrets(state / DB_NAME, sql)
    # Eleven keys (two materials for the rotated one) and one import token's wrapping key; RSA keys give three numbers.
    assert len(secrets) >= 15
    output = b"\n".join(session.outputs)
    for secret in secrets:
        assert len(secret) >= 16
        for form in encodings(secret):
            assert form not in output, f"key material leaked as {form[:12]!r}..."


def test_the_leak_check_finds_a_leak():
    """The check above must be able to fail: a secret printed in base64 inside a longer blob is found."""
    secret = os.urandom(32)
    for before in (b"", b"x", b"xy"):
        printed = base64.b64encode(before + secret + b"tail")
        assert any(form in printed for form in encodings(secret))


# An SQLite build whose secure_delete is off by default (this machine's may have it on): every
# connection the kmscli process opens starts with it off, as there.
SECURE_DELETE_OFF = """
import sqlite3
_connect = sqlite3.connect
def connect(*args, **kwargs):
    conn = _connect(*args, **kwargs)
    conn.execute("PRAGMA secure_delete = OFF")
    return conn
sqlite3.connect = connect
"""


def test_a_deleted_keys_material_does_not_stay_on_disk(kmscli, tmp_path, sql):
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SECURE_DELETE_OFF)
    database = tmp_path / "state" / DB_NAME
    now = 1502910355

    def run(*args: str, at: int = now) -> str:
        done = kmscli(*args, PYTHONPATH=str(site), KMSCLI_FIXED_TIME=str(at))
        assert (done.returncode, done.stderr) == (0, ""), args
        return done.stdout

    key_id = run("create-key", "--query", "KeyMetadata.KeyId", "--output", "text").strip()
    # Another key on the same pages, so the deleted one leaves free space inside a live page.
    run("create-key", "--description", "stays")
    (doc,) = sql(database, "SELECT doc FROM keys WHERE key_id = ?", key_id)[0]
    secrets = re.findall(r'"secret":"([A-Za-z0-9+/=]+)"', doc)
    assert len(secrets) == 1
    assert len(base64.b64decode(secrets[0])) == 32
    run("schedule-key-deletion", "--key-id", key_id, "--pending-window-in-days", "7")
    # Eight days later, any command finds the deletion due and carries it out.
    assert json.loads(run("list-keys", "--output", "json", at=now + 8 * 86400))["Keys"] != []
    assert sql(database, "SELECT count(*) FROM keys WHERE key_id = ?", key_id) == [(0,)]
    run("list-keys", at=now + 8 * 86400)  # the next checkpoint: the last connection's close
    on_disk = b"".join(p.read_bytes() for p in database.parent.iterdir())
    for secret in secrets:
        assert secret.encode() not in on_disk
        assert base64.b64decode(secret) not in on_disk
    assert key_id.encode() not in on_disk
