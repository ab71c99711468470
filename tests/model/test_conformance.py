"""Every JSON document kmscli prints conforms to botocore's KMS output shapes; and the checker itself works."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from kmscli.core import KeyState
from kmscli.core.keyspecs import KEY_SPECS
from kmscli.store import Store
from tests.conformance import assert_conforms, conformance_problems, output_shape

ACCOUNT = "111122223333"
REGION = "us-west-2"
NOW = 1502910355.475
KEY1 = "b5dacb29-7d38-4ab6-983e-a65abddb4b70"  # the first key ID the `env` fixture hands out
KEY1_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{KEY1}"
# Key specs that CreateKey refuses (SM2 outside China Regions; ML_KEM_512 cannot be generated).
REFUSED_SPECS = {"SM2", "ML_KEM_512"}

SYMMETRIC: dict[str, Any] = {
    "KeyMetadata": {
        "AWSAccountId": ACCOUNT,
        "KeyId": KEY1,
        "Arn": KEY1_ARN,
        "CreationDate": NOW,
        "Enabled": True,
        "Description": "",
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeyState": "Enabled",
        "Origin": "AWS_KMS",
        "KeyManager": "CUSTOMER",
        "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
        "MultiRegion": False,
        "MultiRegionConfiguration": {
            "MultiRegionKeyType": "PRIMARY",
            "PrimaryKey": {"Arn": KEY1_ARN, "Region": REGION},
            "ReplicaKeys": [],
        },
    }
}


def document(stdout: str) -> Any:
    """What the AWS CLI printed, as data; an empty response prints nothing at all."""
    return json.loads(stdout) if stdout else {}


# ---------------------------------------------------------------- the checker


def test_a_conforming_document_passes():
    assert conformance_problems("DescribeKey", SYMMETRIC) == []
    assert_conforms("CreateKey", SYMMETRIC)


def _changed(path: list[str | int], value: Any, base: dict[str, Any] = SYMMETRIC) -> dict[str, Any]:
    doc = copy.deepcopy(base)
    target = doc
    for step in path[:-1]:
        target = target[step]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return doc


_DELETE = object()


@pytest.mark.parametrize(
    ("doc", "problem"),
    [
        pytest.param(
            _changed(["KeyMetadata", "Tags"], []),
            "DescribeKey.KeyMetadata: member 'Tags' is not in KeyMetadata",
            id="unknown-member",
        ),
        pytest.param(
            _changed(["KeyMetadata", "KeyId"], _DELETE),
            "DescribeKey.KeyMetadata: required member 'KeyId' of KeyMetadata is missing",
            id="required-missing",
        ),
        pytest.param(
            _changed(["KeyMetadata", "Enabled"], "true"),
            "DescribeKey.KeyMetadata.Enabled: expected true/false (BooleanType), got 'true'",
            id="string-for-boolean",
        ),
        pytest.param(
            _changed(["KeyMetadata", "Description"], 7),
            "DescribeKey.KeyMetadata.Description: expected a string (DescriptionType), got int 7",
            id="number-for-string",
        ),
        pytest.param(
            _changed(["KeyMetadata", "CreationDate"], "2017-08-16T19:05:55.475000+00:00"),
            "DescribeKey.KeyMetadata.CreationDate: expected epoch seconds (DateType), "
            "got '2017-08-16T19:05:55.475000+00:00'",
            id="iso-timestamp",
        ),
        pytest.param(
            _changed(["KeyMetadata", "CreationDate"], True),
            "DescribeKey.KeyMetadata.CreationDate: expected epoch seconds (DateType), got True",
            id="boolean-timestamp",
        ),
        pytest.param(
            _changed(["KeyMetadata", "KeyState"], "ENABLED"),
            "DescribeKey.KeyMetadata.KeyState: 'ENABLED' is not a value of KeyState",
            id="enum",
        ),
        pytest.param(
            _changed(["KeyMetadata", "EncryptionAlgorithms"], ["AES_256"]),
            "DescribeKey.KeyMetadata.EncryptionAlgorithms[0]: 'AES_256' is not a value of EncryptionAlgorithmSpec",
            id="enum-in-list",
        ),
        pytest.param(
            _changed(["KeyMetadata", "EncryptionAlgorithms"], "SYMMETRIC_DEFAULT"),
            "DescribeKey.KeyMetadata.EncryptionAlgorithms: expected a list (EncryptionAlgorithmSpecList), got str",
            id="scalar-for-list",
        ),
        pytest.param(
            _changed(["KeyMetadata", "Description"], None),
            "DescribeKey.KeyMetadata.Description: null (the AWS CLI drops null members)",
            id="null",
        ),
        pytest.param(
            _changed(["KeyMetadata", "KeyId"], ""),
            "DescribeKey.KeyMetadata.KeyId: length 0 is below the minimum 1 of KeyIdType",
            id="min-length",
        ),
        pytest.param(
            _changed(["KeyMetadata", "PendingDeletionWindowInDays"], 366),
            "DescribeKey.KeyMetadata.PendingDeletionWindowInDays: value 366 is above the maximum 365 of "
            "PendingWindowInDaysType",
            id="max-value",
        ),
        pytest.param(
            _changed(["KeyMetadata", "PendingDeletionWindowInDays"], 7.0),
            "DescribeKey.KeyMetadata.PendingDeletionWindowInDays: expected an integer (PendingWindowInDaysType), "
            "got 7.0",
            id="float-for-integer",
        ),
        pytest.param(
            _changed(["KeyMetadata", "CurrentKeyMaterialId"], "ABC" * 21 + "D"),
            f"DescribeKey.KeyMetadata.CurrentKeyMaterialId: '{'ABC' * 21}D' does not match the pattern "
            "^[a-f0-9]+$ of BackingKeyIdType",
            id="pattern",
        ),
        pytest.param(
            _changed(["KeyMetadata", "MultiRegionConfiguration", "PrimaryKey"], {"Region": REGION, "Arn": KEY1_ARN}),
            "DescribeKey.KeyMetadata.MultiRegionConfiguration.PrimaryKey: members in order ['Region', 'Arn'], "
            "the model's order is ['Arn', 'Region']",
            id="nested-order",
        ),
        pytest.param(
            {"KeyMetadata": dict(reversed(SYMMETRIC["KeyMetadata"].items()))},
            "DescribeKey.KeyMetadata: members in order ['MultiRegionConfiguration', 'MultiRegion',",
            id="order",
        ),
    ],
)
def test_departures_are_reported_with_their_path(doc, problem):
    problems = conformance_problems("DescribeKey", doc)
    assert any(p.startswith(problem) for p in problems), problems
    with pytest.raises(AssertionError, match="DescribeKey output does not conform to the service model"):
        assert_conforms("DescribeKey", doc)


def test_every_problem_is_listed_at_once():
    doc = _changed(["KeyMetadata", "KeyState"], "On")
    doc = _changed(["KeyMetadata", "Enabled"], 1, doc)
    assert conformance_problems("DescribeKey", doc) == [
        "DescribeKey.KeyMetadata.Enabled: expected true/false (BooleanType), got 1",
        "DescribeKey.KeyMetadata.KeyState: 'On' is not a value of KeyState (Creating, Enabled, Disabled, "
        "PendingDeletion, PendingImport, PendingReplicaDeletion, Unavailable, Updating)",
    ]


@pytest.mark.parametrize(
    ("operation", "doc", "problems"),
    [
        pytest.param("GenerateRandom", {"Plaintext": "AAECAw=="}, [], id="blob-base64"),
        pytest.param(
            "GenerateRandom",
            {"Plaintext": "not base64!"},
            ["GenerateRandom.Plaintext: 'not base64!' is not standard base64"],
            id="blob-not-base64",
        ),
        pytest.param(
            "GenerateRandom",
            {"Plaintext": "AAECAw"},
            ["GenerateRandom.Plaintext: 'AAECAw' is not standard base64"],
            id="blob-unpadded",
        ),
        pytest.param(
            "Encrypt",
            {"CiphertextBlob": "AQID", "KeyId": KEY1_ARN, "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"},
            [],
            id="encrypt",
        ),
        pytest.param(
            "ListGrants",
            {
                "Grants": [{"KeyId": KEY1_ARN, "Constraints": {"EncryptionContextSubset": {"purpose": "test"}}}],
                "Truncated": False,
            },
            [],
            id="map",
        ),
        pytest.param(
            "ListGrants",
            {"Grants": [{"KeyId": KEY1_ARN, "Constraints": {"EncryptionContextSubset": {"purpose": 1}}}]},
            [
                "ListGrants.Grants[0].Constraints.EncryptionContextSubset['purpose']: expected a string "
                "(EncryptionContextValue), got int 1"
            ],
            id="map-value-type",
        ),
        pytest.param("CreateAlias", {}, [], id="no-output-shape"),
        pytest.param(
            "TagResource",
            {"Tags": []},
            ["TagResource has no output members, got {'Tags': []}"],
            id="no-output-shape-but-a-document",
        ),
    ],
)
def test_other_operations_and_types(operation, doc, problems):
    assert conformance_problems(operation, doc) == problems


# ---------------------------------------------------------------- kmscli's own outputs


def _model_key_specs() -> list[str]:
    return list(output_shape("DescribeKey").members["KeyMetadata"].members["KeySpec"].enum)


def test_every_model_key_spec_is_created_or_refused():
    assert set(_model_key_specs()) - REFUSED_SPECS == set(KEY_SPECS) - REFUSED_SPECS


def _spec_usages() -> list[Any]:
    return [
        pytest.param(spec, usage.value, id=f"{spec}-{usage.value}")
        for spec in _model_key_specs()
        if spec not in REFUSED_SPECS
        for usage in KEY_SPECS[spec].usages
    ]


@pytest.mark.parametrize(("spec", "usage"), _spec_usages())
def test_create_and_describe_every_key_spec(invoke, spec, usage):
    created = invoke("create-key", "--key-spec", spec, "--key-usage", usage)
    assert (created.exit_code, created.stderr) == (0, "")
    assert_conforms("CreateKey", document(created.stdout))
    described = invoke("describe-key", "--key-id", KEY1)
    assert (described.exit_code, described.stdout, described.stderr) == (0, created.stdout, "")
    assert_conforms("DescribeKey", document(described.stdout))
    metadata = document(created.stdout)["KeyMetadata"]
    assert (metadata["KeySpec"], metadata["KeyUsage"]) == (spec, usage)


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["--multi-region"], id="multi-region"),
        pytest.param(
            ["--multi-region", "--key-spec", "HMAC_512", "--key-usage", "GENERATE_VERIFY_MAC"], id="multi-region-hmac"
        ),
        pytest.param(["--origin", "EXTERNAL"], id="external"),
        pytest.param(
            ["--origin", "EXTERNAL", "--key-spec", "RSA_2048", "--key-usage", "SIGN_VERIFY"], id="external-rsa"
        ),
        pytest.param(
            ["--customer-master-key-spec", "ECC_NIST_P384", "--key-usage", "SIGN_VERIFY"], id="customer-master-key-spec"
        ),
        pytest.param(
            ["--description", "café ✓ 日本", "--tags", "TagKey=a,TagValue=b", "TagKey=c,TagValue="],
            id="description-and-tags",
        ),
        pytest.param(["--description", "x" * 8192], id="longest-description"),
    ],
)
def test_create_key_variants(invoke, args):
    created = invoke("create-key", *args)
    assert (created.exit_code, created.stderr) == (0, "")
    assert_conforms("CreateKey", document(created.stdout))
    key_id = document(created.stdout)["KeyMetadata"]["KeyId"]
    for key in (key_id, f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id}"):
        described = invoke("describe-key", "--key-id", key)
        assert (described.exit_code, described.stdout, described.stderr) == (0, created.stdout, "")
        assert_conforms("DescribeKey", document(described.stdout))


@pytest.mark.parametrize(
    ("state", "extra"),
    [
        pytest.param(KeyState.PendingDeletion, {"deletion_date": NOW + 7 * 86400}, id="pending-deletion"),
        pytest.param(KeyState.Disabled, {}, id="disabled"),
    ],
)
def test_describe_key_in_other_states(invoke, state_dir: Path, state, extra):
    assert invoke("create-key").exit_code == 0
    with Store(state_dir).transaction(write=True, account_id=ACCOUNT, region=REGION) as repo:
        repo.put_key(repo.get_key(KEY1)._replace(key_state=state, **extra))
    described = invoke("describe-key", "--key-id", KEY1)
    assert (described.exit_code, described.stderr) == (0, "")
    doc = document(described.stdout)
    assert_conforms("DescribeKey", doc)
    assert (doc["KeyMetadata"]["KeyState"], doc["KeyMetadata"].get("DeletionDate")) == (
        state.value,
        extra.get("deletion_date"),
    )


def test_get_key_policy_output(invoke, tmp_path):
    policy = tmp_path / "policy.json"
    policy.write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "111122223333"}, '
        '"Action": "kms:*", "Resource": "*"}]}\n',
        encoding="utf-8",
    )
    for args in ([], ["--policy", f"file://{policy}"]):
        created = invoke("create-key", *args, "--query", "KeyMetadata.KeyId", "--output", "text")
        assert (created.exit_code, created.stderr) == (0, "")
        for extra in ([], ["--policy-name", "default"]):
            result = invoke("get-key-policy", "--key-id", created.stdout.strip(), *extra)
            assert (result.exit_code, result.stderr) == (0, "")
            doc = document(result.stdout)
            assert_conforms("GetKeyPolicy", doc)
            assert list(doc) == ["Policy"]


def test_operations_without_output_print_nothing(invoke):
    assert invoke("create-key").exit_code == 0
    for operation, args in (
        ("CreateAlias", ["create-alias", "--alias-name", "alias/conform", "--target-key-id", KEY1]),
        ("TagResource", ["tag-resource", "--key-id", KEY1, "--tags", "TagKey=a,TagValue=b"]),
    ):
        assert output_shape(operation) is None
        result = invoke(*args)
        assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
        assert_conforms(operation, document(result.stdout))
