"""The two response styles: `guide` (the default, the Developer Guide's examples) and `service`.

KMSCLI_RESPONSES=service, or `kmscli_responses = service` in the selected profile (the environment
winning), makes kmscli answer as today's KMS does in the three places where the two differ.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conformance import assert_conforms
from tests.imports.helpers import create_external, import_material
from tests.kms_session import KmsSession, make_session

GUIDE_SID = "Enable IAM policies"
# The Sid of the default key policy as today's KMS writes it:
# https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
SERVICE_SID = "Enable IAM User Permissions"


def default_policy(sid: str) -> str:
    return (
        '{\n  "Version" : "2012-10-17",\n  "Id" : "key-default-1",\n  "Statement" : [ {\n'
        f'    "Sid" : "{sid}",\n    "Effect" : "Allow",\n    "Principal" : {{\n'
        '      "AWS" : "arn:aws:iam::111122223333:root"\n    },\n    "Action" : "kms:*",\n'
        '    "Resource" : "*"\n  } ]\n}'
    )


@pytest.fixture
def kms(tmp_path: Path, private_keys: Callable[[str], bytes], monkeypatch: pytest.MonkeyPatch) -> KmsSession:
    return make_session(tmp_path, private_keys, monkeypatch)


@pytest.fixture
def service(kms: KmsSession) -> KmsSession:
    kms.environ["KMSCLI_RESPONSES"] = "service"
    return kms


def new_key(kms: KmsSession, *args: str) -> dict:
    doc = kms.ok("create-key", *args)
    assert_conforms("CreateKey", doc)
    return dict(doc["KeyMetadata"])


def test_the_guide_style_is_the_default(kms: KmsSession) -> None:
    metadata = new_key(kms)
    assert "CurrentKeyMaterialId" not in metadata
    assert kms.ok("get-key-policy", "--key-id", metadata["KeyId"], "--policy-name", "default") == {
        "Policy": default_policy(GUIDE_SID)
    }
    kms.environ["KMSCLI_RESPONSES"] = "guide"
    assert kms.ok("describe-key", "--key-id", metadata["KeyId"])["KeyMetadata"] == metadata


def test_service_style_reports_the_current_key_material(service: KmsSession) -> None:
    # botocore's model: KeyMetadata.CurrentKeyMaterialId identifies the current key material, the
    # same identifier as the KeyMaterialId of GenerateDataKey, Decrypt and ListKeyRotations.
    metadata = new_key(service)
    key_id = metadata["KeyId"]
    current = metadata["CurrentKeyMaterialId"]
    assert list(metadata)[-1] == "CurrentKeyMaterialId"
    data_key = service.ok("generate-data-key", "--key-id", key_id, "--key-spec", "AES_256")
    assert data_key["KeyMaterialId"] == current
    blob = data_key["CiphertextBlob"]
    decrypted = service.ok("decrypt", "--ciphertext-blob", f"fileb://{write_blob(service, blob)}")
    assert decrypted["KeyMaterialId"] == current
    # A rotation makes the new material current, in every answer.
    service.ok("rotate-key-on-demand", "--key-id", key_id)
    described = service.ok("describe-key", "--key-id", key_id)
    assert_conforms("DescribeKey", described)
    rotated = described["KeyMetadata"]["CurrentKeyMaterialId"]
    assert rotated != current
    rotations = service.ok("list-key-rotations", "--key-id", key_id, "--include-key-material", "ALL_KEY_MATERIAL")
    assert [r["KeyMaterialId"] for r in rotations["Rotations"]] == [current, rotated]
    encrypted = service.ok("generate-data-key-without-plaintext", "--key-id", key_id, "--number-of-bytes", "16")
    assert encrypted["KeyMaterialId"] == rotated


def write_blob(kms: KmsSession, b64_text: str) -> Path:
    path = kms.state_dir.parent / "blob.bin"
    path.write_bytes(base64.b64decode(b64_text))
    return path


@pytest.mark.parametrize(
    "args",
    [
        ("--key-spec", "HMAC_256", "--key-usage", "GENERATE_VERIFY_MAC"),
        ("--key-spec", "RSA_2048", "--key-usage", "ENCRYPT_DECRYPT"),
        ("--key-spec", "ECC_NIST_P256", "--key-usage", "SIGN_VERIFY"),
    ],
)
def test_only_symmetric_encryption_keys_have_a_current_key_material(service: KmsSession, args: tuple) -> None:
    assert "CurrentKeyMaterialId" not in new_key(service, *args)


def test_an_external_key_has_one_only_once_its_material_is_imported(service: KmsSession, tmp_path: Path) -> None:
    key_id = create_external(service)
    assert "CurrentKeyMaterialId" not in service.ok("describe-key", "--key-id", key_id)["KeyMetadata"]
    imported = import_material(service, tmp_path, key_id, b"k" * 32)
    metadata = service.ok("describe-key", "--key-id", key_id)["KeyMetadata"]
    assert metadata["CurrentKeyMaterialId"] == imported["KeyMaterialId"]


def test_service_style_key_policy_has_its_name_and_todays_sid(service: KmsSession) -> None:
    # GetKeyPolicyResponse has PolicyName after Policy (botocore's model); KMS answers `default`.
    key_id = new_key(service)["KeyId"]
    doc = service.ok("get-key-policy", "--key-id", key_id, "--policy-name", "default")
    assert_conforms("GetKeyPolicy", doc)
    assert list(doc.items()) == [("Policy", default_policy(SERVICE_SID)), ("PolicyName", "default")]
    text = service.run("get-key-policy", "--key-id", key_id, "--output", "text")
    assert (text.exit_code, text.stdout) == (0, f"{default_policy(SERVICE_SID)}\tdefault\n")
    # The policy is the key's: a key made in one style keeps its policy in the other.
    service.environ["KMSCLI_RESPONSES"] = "guide"
    assert service.ok("get-key-policy", "--key-id", key_id) == {"Policy": default_policy(SERVICE_SID)}


def test_the_profile_selects_the_style_and_the_environment_wins(kms: KmsSession, tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.write_text("[default]\nkmscli_responses = service\n[profile guided]\nkmscli_responses = guide\n")
    kms.environ["AWS_CONFIG_FILE"] = str(config)
    assert "CurrentKeyMaterialId" in new_key(kms)
    assert "CurrentKeyMaterialId" not in new_key(kms, "--profile", "guided")
    kms.environ["KMSCLI_RESPONSES"] = "guide"
    assert "CurrentKeyMaterialId" not in new_key(kms)
    kms.environ["AWS_PROFILE"] = "guided"
    kms.environ["KMSCLI_RESPONSES"] = "service"
    assert "CurrentKeyMaterialId" in new_key(kms)


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("environment", "KMSCLI_RESPONSES must be guide or service, not 'aws'"),
        ("profile", "kmscli_responses in the AWS config file must be guide or service, not 'aws'"),
    ],
)
def test_any_other_style_is_refused_before_anything_runs(
    kms: KmsSession, tmp_path: Path, source: str, line: str
) -> None:
    if source == "environment":
        kms.environ["KMSCLI_RESPONSES"] = "aws"
    else:
        (tmp_path / "config").write_text("[default]\nkmscli_responses = aws\n")
        kms.environ["AWS_CONFIG_FILE"] = str(tmp_path / "config")
    result = kms.run("create-key")
    assert (result.exit_code, result.stdout, result.stderr) == (255, "", f"\n{line}\n")
    kms.environ.pop("KMSCLI_RESPONSES", None)
    kms.environ.pop("AWS_CONFIG_FILE", None)
    assert json.loads(kms.run("list-keys").stdout) == {"Keys": []}
