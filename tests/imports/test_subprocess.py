"""The import flow in real processes: kmscli and openssl as a user's script runs them, the clock moved by
KMSCLI_FIXED_TIME between commands, exit statuses as the shell sees them."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.kms_session import requires_openssl

pytestmark = requires_openssl

START = 1502910355
DAY = 86400


def test_import_expiry_and_token_expiry_across_processes(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "KMSCLI_"))}
    env.update(KMSCLI_STATE_DIR=str(tmp_path / "state"), AWS_REGION="eu-central-1", KMSCLI_SEED="e2e")

    def kmscli(*args: str, at: float, expect: int = 0) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "kmscli", *args],
            env={**env, "KMSCLI_FIXED_TIME": str(at)},
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == expect, done.stderr
        return done

    key_id = json.loads(kmscli("create-key", "--origin", "EXTERNAL", at=START).stdout)["KeyMetadata"]["KeyId"]
    params = json.loads(
        kmscli(
            "get-parameters-for-import",
            "--key-id",
            key_id,
            "--wrapping-algorithm",
            "RSAES_OAEP_SHA_1",
            "--wrapping-key-spec",
            "RSA_2048",
            at=START,
        ).stdout
    )
    assert params["ParametersValidTo"] == START + DAY
    (tmp_path / "public.der").write_bytes(base64.b64decode(params["PublicKey"]))
    (tmp_path / "token.bin").write_bytes(base64.b64decode(params["ImportToken"]))
    material = os.urandom(32)
    wrapped = subprocess.run(
        [
            "openssl",
            "pkeyutl",
            "-encrypt",
            "-pubin",
            "-keyform",
            "DER",
            "-inkey",
            str(tmp_path / "public.der"),
            "-pkeyopt",
            "rsa_padding_mode:oaep",
            "-pkeyopt",
            "rsa_oaep_md:sha1",
            "-out",
            str(tmp_path / "wrapped.bin"),
        ],
        input=material,
        capture_output=True,
        check=True,
    )
    assert wrapped.stdout == b""
    import_args = (
        "import-key-material",
        "--key-id",
        key_id,
        "--import-token",
        f"fileb://{tmp_path / 'token.bin'}",
        "--encrypted-key-material",
        f"fileb://{tmp_path / 'wrapped.bin'}",
        "--valid-to",
        "2017-08-17T10:00:00Z",
    )
    imported = kmscli(*import_args, at=START)
    assert json.loads(imported.stdout)["KeyId"] == f"arn:aws:kms:eu-central-1:111122223333:key/{key_id}"

    def state(at: float) -> list[object]:
        out = kmscli(
            "describe-key", "--key-id", key_id, "--query", "KeyMetadata.[KeyState,ExpirationModel,ValidTo]", at=at
        )
        return list(json.loads(out.stdout))

    valid_to = 1502964000  # 2017-08-17T10:00:00Z
    assert state(valid_to - 1) == ["Enabled", "KEY_MATERIAL_EXPIRES", valid_to]
    assert state(valid_to) == ["PendingImport", None, None]
    # Re-import with the same token a little later: fine. A day after the token was issued: expired.
    kmscli(*import_args[:-2], "--expiration-model", "KEY_MATERIAL_DOES_NOT_EXPIRE", at=valid_to + 60)
    assert state(valid_to + 60) == ["Enabled", "KEY_MATERIAL_DOES_NOT_EXPIRE", None]
    late = kmscli(*import_args[:-2], "--expiration-model", "KEY_MATERIAL_DOES_NOT_EXPIRE", at=START + DAY, expect=255)
    assert (late.stdout, late.stderr) == (
        "",
        "\nAn error occurred (ExpiredImportTokenException) when calling the ImportKeyMaterial operation: "
        "Import token expired\n",
    )
