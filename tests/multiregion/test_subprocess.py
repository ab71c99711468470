"""A multi-Region key in real processes: replicate, encrypt in one Region, decrypt in another with --region."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.kms_session import implemented


@pytest.mark.skipif(not implemented("encrypt"), reason="kmscli has no encrypt command yet")
def test_cross_region_decrypt_in_separate_processes(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "KMSCLI_"))}
    env.update(KMSCLI_STATE_DIR=str(tmp_path / "state"), AWS_DEFAULT_REGION="us-east-2")

    def kmscli(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "kmscli", *args], env=env, capture_output=True, text=True, check=False
        )
        assert (done.returncode, done.stderr) == (0, ""), done.stderr
        return done.stdout

    key_id = kmscli("create-key", "--multi-region", "--query", "KeyMetadata.KeyId", "--output", "text").strip()
    replica = json.loads(kmscli("replicate-key", "--key-id", key_id, "--replica-region", "sa-east-1"))
    assert replica["ReplicaKeyMetadata"]["Arn"] == f"arn:aws:kms:sa-east-1:111122223333:key/{key_id}"
    ciphertext = kmscli(
        "--region",
        "sa-east-1",
        "encrypt",
        "--key-id",
        key_id,
        "--plaintext",
        "olá",
        "--query",
        "CiphertextBlob",
        "--output",
        "text",
    ).strip()
    # As AWS's documentation does it: the base64 output decoded into a binary file, then fileb://.
    (tmp_path / "ct.bin").write_bytes(base64.b64decode(ciphertext))
    plaintext = kmscli(
        "decrypt", "--ciphertext-blob", f"fileb://{tmp_path / 'ct.bin'}", "--query", "Plaintext", "--output", "text"
    )
    assert base64.b64decode(plaintext) == "olá".encode()
    configuration = json.loads(
        kmscli(
            "describe-key",
            "--key-id",
            key_id,
            "--region",
            "sa-east-1",
            "--query",
            "KeyMetadata.MultiRegionConfiguration",
        )
    )
    assert configuration == {
        "MultiRegionKeyType": "REPLICA",
        "PrimaryKey": {"Arn": f"arn:aws:kms:us-east-2:111122223333:key/{key_id}", "Region": "us-east-2"},
        "ReplicaKeys": [{"Arn": f"arn:aws:kms:sa-east-1:111122223333:key/{key_id}", "Region": "sa-east-1"}],
    }
