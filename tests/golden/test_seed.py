"""Every example of the Developer Guide's "Creating keys" pages, run through kmscli and compared with its output.

The documented outputs are embedded below exactly as the document prints them, so the tests never
read the document itself. Generated values differ by nature: the key ID (and the ARN built from it)
is normalised; CreationDate needs no normalising because each example runs with KMSCLI_FIXED_TIME
set to the date the document shows. Member order follows the service model (docs/decisions.md#output), not
the document, so documents are compared as dicts and kmscli's order is checked against the model.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from kmscli.cli import cli
from kmscli.session import Session
from tests.conformance import assert_conforms, member_order, output_shape

ACCOUNT = "111122223333"
SEED_KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
SEED_ECC_KEY_ID = "0987dcba-09fe-87dc-65ba-ab0987654321"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")

# "$ aws kms create-key", as documented.
SEED_CREATE_KEY = """{
    "KeyMetadata": {
        "Origin": "AWS_KMS",
        "KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab",
        "Description": "",
        "KeyManager": "CUSTOMER",
        "Enabled": true,
        "KeySpec": "SYMMETRIC_DEFAULT",
        "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeyState": "Enabled",
        "CreationDate": 1502910355.475,
        "Arn": "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "AWSAccountId": "111122223333",
        "MultiRegion": false
        "EncryptionAlgorithms": [
            "SYMMETRIC_DEFAULT"
        ],
    }
}"""

# "$ aws kms create-key --key-spec RSA_4096 --key-usage ENCRYPT_DECRYPT", as documented.
SEED_CREATE_RSA_4096 = """{
    "KeyMetadata": {
        "KeyState": "Enabled",
        "KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab",
        "KeyManager": "CUSTOMER",
        "Description": "",
        "Arn": "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "CreationDate": 1569973196.214,
        "MultiRegion": false,
        "KeySpec": "RSA_4096",
        "CustomerMasterKeySpec": "RSA_4096",
        "KeyUsage": "ENCRYPT_DECRYPT",
        "EncryptionAlgorithms": [
            "RSAES_OAEP_SHA_1",
            "RSAES_OAEP_SHA_256"
        ],
        "AWSAccountId": "111122223333",
        "Origin": "AWS_KMS",
        "Enabled": true
    }
}"""

# "$ aws kms create-key --key-spec ECC_NIST_P521 --key-usage SIGN_VERIFY", as documented.
SEED_CREATE_ECC_NIST_P521 = """{
    "KeyMetadata": {
        "KeyState": "Enabled",
        "KeyId": "0987dcba-09fe-87dc-65ba-ab0987654321",
        "CreationDate": 1570824817.837,
        "Origin": "AWS_KMS",
        "SigningAlgorithms": [
            "ECDSA_SHA_512"
        ],
        "Arn": "arn:aws:kms:us-west-2:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321",
        "AWSAccountId": "111122223333",
        "KeySpec": "ECC_NIST_P521",
        "CustomerMasterKeySpec": "ECC_NIST_P521",
        "KeyManager": "CUSTOMER",
        "Description": "",
        "Enabled": true,
        "MultiRegion": false,
        "KeyUsage": "SIGN_VERIFY"
    }
}"""

# "$ aws kms get-key-policy --key-id ... --policy-name default --output text", as documented.
SEED_DEFAULT_POLICY = """{
  "Version" : "2012-10-17",
  "Id" : "key-default-1",
  "Statement" : [ {
    "Sid" : "Enable IAM policies",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::111122223333:root"
    },
    "Action" : "kms:*",
    "Resource" : "*"
  } ]
}"""


def documented(text: str) -> dict[str, Any]:
    """The seed's JSON, repaired where the document itself is not valid JSON."""
    # The first example has two typos: no comma after `"MultiRegion": false` and a trailing comma
    # after the EncryptionAlgorithms list. The real CLI prints valid JSON, so the test repairs both.
    repaired = text.replace('"MultiRegion": false\n        "', '"MultiRegion": false,\n        "').replace(
        "        ],\n    }\n}", "        ]\n    }\n}"
    )
    return json.loads(repaired)


@pytest.fixture
def run(tmp_path: Path):
    """kmscli on one fresh state directory, with its real settings resolution and key generation."""

    def invoke(args: list[str], fixed_time: str) -> tuple[int, str, str]:
        environ = {"HOME": str(tmp_path / "home"), "KMSCLI_FIXED_TIME": fixed_time}
        runtime = Session(environ=environ, state_dir=tmp_path / "state", env=None)
        result = CliRunner().invoke(cli, args, obj=runtime)
        return result.exit_code, result.stdout, result.stderr

    return invoke


def normalised(document: dict[str, Any], key_id: str) -> dict[str, Any]:
    metadata = dict(document["KeyMetadata"])
    assert metadata["KeyId"] == key_id
    assert metadata["Arn"] == f"arn:aws:kms:us-west-2:{ACCOUNT}:key/{key_id}"
    metadata["KeyId"] = "<key-id>"
    metadata["Arn"] = "<key-arn>"
    return {"KeyMetadata": metadata}


def test_the_first_example_needs_its_typos_repaired():
    with pytest.raises(json.JSONDecodeError):
        json.loads(SEED_CREATE_KEY)
    assert len(documented(SEED_CREATE_KEY)["KeyMetadata"]) == 14


@pytest.mark.parametrize(
    ("args", "seed_output", "seed_key_id"),
    [
        pytest.param([], SEED_CREATE_KEY, SEED_KEY_ID, id="create-key"),
        pytest.param(
            ["--key-spec", "RSA_4096", "--key-usage", "ENCRYPT_DECRYPT"],
            SEED_CREATE_RSA_4096,
            SEED_KEY_ID,
            id="create-key-rsa-4096",
        ),
        pytest.param(
            ["--key-spec", "ECC_NIST_P521", "--key-usage", "SIGN_VERIFY"],
            SEED_CREATE_ECC_NIST_P521,
            SEED_ECC_KEY_ID,
            id="create-key-ecc-nist-p521",
        ),
    ],
)
def test_create_key_examples(run, args, seed_output, seed_key_id):
    expected = documented(seed_output)
    fixed_time = repr(expected["KeyMetadata"]["CreationDate"])
    code, stdout, stderr = run(["create-key", *args, "--region", "us-west-2"], fixed_time)
    assert (code, stderr) == (0, "")
    printed = json.loads(stdout)
    key_id = printed["KeyMetadata"]["KeyId"]
    assert UUID.fullmatch(key_id)
    assert normalised(printed, key_id) == normalised(expected, seed_key_id)
    # Same members, but in the service model's order (as the AWS CLI prints), not the document's.
    model_order = member_order(output_shape("CreateKey").members["KeyMetadata"])
    assert list(printed["KeyMetadata"]) == [m for m in model_order if m in printed["KeyMetadata"]]
    assert list(printed) == ["KeyMetadata"]
    assert stdout == json.dumps(printed, indent=4) + "\n"
    assert_conforms("CreateKey", printed)
    # The key the example made is there for the next command.
    assert run(["describe-key", "--key-id", key_id, "--region", "us-west-2"], fixed_time) == (0, stdout, "")


def test_get_key_policy_example_prints_the_documented_text(run):
    code, key_id, stderr = run(
        ["create-key", "--region", "us-west-2", "--query", "KeyMetadata.KeyId", "--output", "text"], "1502910355.475"
    )
    assert (code, stderr) == (0, "")
    args = ["get-key-policy", "--key-id", key_id.strip(), "--policy-name", "default", "--output", "text"]
    # Byte for byte: the stored policy, then the newline the text output adds.
    assert run([*args, "--region", "us-west-2"], "1502910355.475") == (0, SEED_DEFAULT_POLICY + "\n", "")
