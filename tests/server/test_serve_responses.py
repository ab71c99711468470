"""`kmscli serve` answers in the response style it was started with, as the commands do."""

from __future__ import annotations

import os
import subprocess
import sys


def test_serve_answers_in_the_service_style(launch, client) -> None:
    # KMSCLI_RESPONSES=service: KeyMetadata carries CurrentKeyMaterialId and GetKeyPolicy its PolicyName
    # (botocore's model), the default policy today's Sid
    # (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html).
    kms = client(launch(KMSCLI_RESPONSES="service").url)
    created = kms.create_key()
    metadata = created["KeyMetadata"]
    key_id = metadata["KeyId"]
    data_key = kms.generate_data_key(KeyId=key_id, KeySpec="AES_256")
    assert metadata["CurrentKeyMaterialId"] == data_key["KeyMaterialId"]
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["CurrentKeyMaterialId"] == data_key["KeyMaterialId"]
    policy = kms.get_key_policy(KeyId=key_id, PolicyName="default")
    assert policy["PolicyName"] == "default"
    assert '"Sid" : "Enable IAM User Permissions"' in policy["Policy"]


def test_serve_answers_in_the_guide_style_by_default(launch, client) -> None:
    kms = client(launch().url)
    metadata = kms.create_key()["KeyMetadata"]
    assert "CurrentKeyMaterialId" not in metadata
    policy = kms.get_key_policy(KeyId=metadata["KeyId"], PolicyName="default")
    assert "PolicyName" not in policy
    assert '"Sid" : "Enable IAM policies"' in policy["Policy"]


def test_an_unknown_style_stops_the_start(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kmscli", "serve", "--port", "0"],
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "KMSCLI_"))},
            "KMSCLI_STATE_DIR": str(tmp_path / "state"),
            "KMSCLI_RESPONSES": "live",
        },
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout, result.stderr) == (
        255,
        "",
        "kmscli serve: KMSCLI_RESPONSES must be guide or service, not 'live'\n",
    )
    assert not (tmp_path / "state").exists()
