"""create-key and describe-key through the command line: every option, every identifier form, every error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kmscli.core import Key, KeyState, Tag
from kmscli.store import Store

ACCOUNT = "111122223333"
REGION = "us-west-2"
NOW = 1502910355.475
# The key IDs the `env` fixture hands out, in order (its id source counts from 1).
KEY1 = "b5dacb29-7d38-4ab6-983e-a65abddb4b70"
KEY2 = "c1f80aa1-8a52-4890-bac6-cc72aded8830"
MRK1 = "mrk-b5dacb297d38cab6d83ea65abddb4b70"
UNKNOWN = "1234abcd-12ab-34cd-56ef-1234567890ab"

DEFAULT_POLICY = (
    "{\n"
    '  "Version" : "2012-10-17",\n'
    '  "Id" : "key-default-1",\n'
    '  "Statement" : [ {\n'
    '    "Sid" : "Enable IAM policies",\n'
    '    "Effect" : "Allow",\n'
    '    "Principal" : {\n'
    '      "AWS" : "arn:aws:iam::111122223333:root"\n'
    "    },\n"
    '    "Action" : "kms:*",\n'
    '    "Resource" : "*"\n'
    "  } ]\n"
    "}"
)
ROOT_POLICY = (
    '{"Version": "2012-10-17", "Statement": [{"Sid": "root", "Effect": "Allow", '
    '"Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}]}'
)
# Grants everything to another principal only: the caller (the account root) would be locked out.
LOCKOUT_POLICY = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
    '"Principal": {"AWS": "arn:aws:iam::111122223333:user/bob"}, "Action": "kms:*", "Resource": "*"}]}'
)

RSA_ENCRYPT = ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]
RSA_SIGN = [
    "RSASSA_PKCS1_V1_5_SHA_256",
    "RSASSA_PKCS1_V1_5_SHA_384",
    "RSASSA_PKCS1_V1_5_SHA_512",
    "RSASSA_PSS_SHA_256",
    "RSASSA_PSS_SHA_384",
    "RSASSA_PSS_SHA_512",
]
_ALGORITHM_MEMBER = {
    "ENCRYPT_DECRYPT": "EncryptionAlgorithms",
    "SIGN_VERIFY": "SigningAlgorithms",
    "KEY_AGREEMENT": "KeyAgreementAlgorithms",
    "ENCAPSULATE_DECAPSULATE": "EncapsulationAlgorithms",
}


def arn(key_id: str, region: str = REGION) -> str:
    return f"arn:aws:kms:{region}:{ACCOUNT}:key/{key_id}"


def metadata(
    key_id: str = KEY1,
    *,
    key_spec: str = "SYMMETRIC_DEFAULT",
    usage: str = "ENCRYPT_DECRYPT",
    algorithms: list[str] | None = None,
    legacy: bool = True,
    description: str = "",
    state: str = "Enabled",
    origin: str = "AWS_KMS",
    deletion_date: float | None = None,
    multi_region: bool = False,
) -> dict[str, Any]:
    """The expected DescribeKey/CreateKey document, its members written out in the model's order."""
    doc: dict[str, Any] = {
        "AWSAccountId": ACCOUNT,
        "KeyId": key_id,
        "Arn": arn(key_id),
        "CreationDate": NOW,
        "Enabled": state == "Enabled",
        "Description": description,
        "KeyUsage": usage,
        "KeyState": state,
    }
    if deletion_date is not None:
        doc["DeletionDate"] = deletion_date
    doc["Origin"] = origin
    doc["KeyManager"] = "CUSTOMER"
    if legacy:
        doc["CustomerMasterKeySpec"] = key_spec
    doc["KeySpec"] = key_spec
    algorithms = ["SYMMETRIC_DEFAULT"] if algorithms is None else algorithms
    if usage in _ALGORITHM_MEMBER:
        doc[_ALGORITHM_MEMBER[usage]] = algorithms
    doc["MultiRegion"] = multi_region
    if multi_region:
        doc["MultiRegionConfiguration"] = {
            "MultiRegionKeyType": "PRIMARY",
            "PrimaryKey": {"Arn": arn(key_id), "Region": REGION},
            "ReplicaKeys": [],
        }
    if usage == "GENERATE_VERIFY_MAC":
        doc["MacAlgorithms"] = algorithms
    return {"KeyMetadata": doc}


def printed(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=4, ensure_ascii=False) + "\n"


def service_error(code: str, message: str, operation: str = "CreateKey") -> str:
    return f"\nAn error occurred ({code}) when calling the {operation} operation: {message}\n"


def stored(state_dir: Path, key_id: str) -> tuple[Key | None, list[Tag], int]:
    """The key as the store holds it, its tags, and how many keys the region has."""
    with Store(state_dir).transaction(write=False, account_id=ACCOUNT, region=REGION) as repo:
        return repo.get_key(key_id), repo.get_tags(key_id), repo.count_keys()


def put_key(state_dir: Path, key: Key) -> None:
    with Store(state_dir).transaction(write=True, account_id=ACCOUNT, region=REGION) as repo:
        repo.put_key(key)


# ---------------------------------------------------------------- create-key


def test_create_key_without_options_prints_a_symmetric_key(invoke, state_dir):
    result = invoke("create-key")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == (
        "{\n"
        '    "KeyMetadata": {\n'
        '        "AWSAccountId": "111122223333",\n'
        '        "KeyId": "b5dacb29-7d38-4ab6-983e-a65abddb4b70",\n'
        '        "Arn": "arn:aws:kms:us-west-2:111122223333:key/b5dacb29-7d38-4ab6-983e-a65abddb4b70",\n'
        '        "CreationDate": 1502910355.475,\n'
        '        "Enabled": true,\n'
        '        "Description": "",\n'
        '        "KeyUsage": "ENCRYPT_DECRYPT",\n'
        '        "KeyState": "Enabled",\n'
        '        "Origin": "AWS_KMS",\n'
        '        "KeyManager": "CUSTOMER",\n'
        '        "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",\n'
        '        "KeySpec": "SYMMETRIC_DEFAULT",\n'
        '        "EncryptionAlgorithms": [\n'
        '            "SYMMETRIC_DEFAULT"\n'
        "        ],\n"
        '        "MultiRegion": false\n'
        "    }\n"
        "}\n"
    )
    key, tags, count = stored(state_dir, KEY1)
    assert key is not None
    assert (key.key_spec, key.key_usage, key.origin, key.key_state) == (
        "SYMMETRIC_DEFAULT",
        "ENCRYPT_DECRYPT",
        "AWS_KMS",
        "Enabled",
    )
    assert (key.policy, key.description, key.multi_region, tags, count) == (DEFAULT_POLICY, "", False, [], 1)
    assert [len(m.secret) for m in key.materials] == [32]


def test_create_key_query_output_text_prints_the_bare_key_id(invoke, state_dir):
    # The documented shell idiom: KEY_ID=$(kmscli create-key --query KeyMetadata.KeyId --output text)
    result = invoke("create-key", "--query", "KeyMetadata.KeyId", "--output", "text")
    assert (result.exit_code, result.stdout, result.stderr) == (0, KEY1 + "\n", "")
    assert stored(state_dir, KEY1)[2] == 1


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(
            ["--key-spec", "RSA_2048", "--key-usage", "ENCRYPT_DECRYPT"],
            metadata(key_spec="RSA_2048", algorithms=RSA_ENCRYPT),
            id="rsa-2048-encrypt",
        ),
        pytest.param(
            ["--key-spec", "RSA_3072", "--key-usage", "SIGN_VERIFY"],
            metadata(key_spec="RSA_3072", usage="SIGN_VERIFY", algorithms=RSA_SIGN),
            id="rsa-3072-sign",
        ),
        pytest.param(
            ["--key-spec", "ECC_NIST_P256", "--key-usage", "SIGN_VERIFY"],
            metadata(key_spec="ECC_NIST_P256", usage="SIGN_VERIFY", algorithms=["ECDSA_SHA_256"]),
            id="p256-sign",
        ),
        pytest.param(
            ["--key-spec", "ECC_NIST_P384", "--key-usage", "KEY_AGREEMENT"],
            metadata(key_spec="ECC_NIST_P384", usage="KEY_AGREEMENT", algorithms=["ECDH"]),
            id="p384-agreement",
        ),
        pytest.param(
            ["--key-spec", "ECC_SECG_P256K1", "--key-usage", "SIGN_VERIFY"],
            metadata(key_spec="ECC_SECG_P256K1", usage="SIGN_VERIFY", algorithms=["ECDSA_SHA_256"]),
            id="secp256k1-sign",
        ),
        pytest.param(
            ["--key-spec", "ECC_NIST_EDWARDS25519", "--key-usage", "SIGN_VERIFY"],
            metadata(
                key_spec="ECC_NIST_EDWARDS25519",
                usage="SIGN_VERIFY",
                algorithms=["ED25519_SHA_512", "ED25519_PH_SHA_512"],
                legacy=False,
            ),
            id="ed25519-sign",
        ),
        pytest.param(
            ["--key-spec", "HMAC_384", "--key-usage", "GENERATE_VERIFY_MAC"],
            metadata(key_spec="HMAC_384", usage="GENERATE_VERIFY_MAC", algorithms=["HMAC_SHA_384"]),
            id="hmac-384",
        ),
        pytest.param(
            ["--key-spec", "ML_DSA_65", "--key-usage", "SIGN_VERIFY"],
            metadata(key_spec="ML_DSA_65", usage="SIGN_VERIFY", algorithms=["ML_DSA_SHAKE_256"], legacy=False),
            id="ml-dsa-65",
        ),
        pytest.param(
            ["--key-spec", "ML_KEM_768", "--key-usage", "ENCAPSULATE_DECAPSULATE"],
            metadata(key_spec="ML_KEM_768", usage="ENCAPSULATE_DECAPSULATE", algorithms=["ML_KEM"], legacy=False),
            id="ml-kem-768",
        ),
        pytest.param(
            # The deprecated spelling of --key-spec.
            ["--customer-master-key-spec", "ECC_NIST_P521", "--key-usage", "SIGN_VERIFY"],
            metadata(key_spec="ECC_NIST_P521", usage="SIGN_VERIFY", algorithms=["ECDSA_SHA_512"]),
            id="customer-master-key-spec",
        ),
        pytest.param(
            ["--key-spec", "SYMMETRIC_DEFAULT", "--key-usage", "ENCRYPT_DECRYPT"],
            metadata(),
            id="symmetric-explicit",
        ),
    ],
)
def test_create_key_spec_and_usage(invoke, state_dir, args, expected):
    result = invoke("create-key", *args)
    assert (result.exit_code, result.stdout, result.stderr) == (0, printed(expected), "")
    key, _, count = stored(state_dir, KEY1)
    assert key is not None
    assert (key.key_spec, key.key_usage, count) == (
        expected["KeyMetadata"]["KeySpec"],
        expected["KeyMetadata"]["KeyUsage"],
        1,
    )
    assert len(key.materials) == 1
    described = invoke("describe-key", "--key-id", KEY1)
    assert (described.exit_code, described.stdout, described.stderr) == (0, result.stdout, "")


def test_create_key_description(invoke, state_dir):
    result = invoke("create-key", "--description", "Key for the café ✓")
    assert (result.exit_code, result.stderr) == (0, "")
    # Non-ASCII text is printed raw, not as \u escapes (the AWS CLI's ensure_ascii=False).
    assert result.stdout == printed(metadata(description="Key for the café ✓"))
    assert '"Description": "Key for the café ✓",' in result.stdout.splitlines()[7]
    assert stored(state_dir, KEY1)[0].description == "Key for the café ✓"


def test_create_key_description_from_file(invoke, state_dir, tmp_path):
    path = tmp_path / "description.txt"
    path.write_text("from a file\n", encoding="utf-8")
    result = invoke("create-key", "--description", f"file://{path}")
    assert (result.exit_code, result.stdout, result.stderr) == (0, printed(metadata(description="from a file\n")), "")
    assert stored(state_dir, KEY1)[0].description == "from a file\n"


def test_create_key_policy_is_stored_verbatim(invoke, state_dir):
    result = invoke("create-key", "--policy", ROOT_POLICY)
    assert (result.exit_code, result.stdout, result.stderr) == (0, printed(metadata()), "")
    assert stored(state_dir, KEY1)[0].policy == ROOT_POLICY


def test_create_key_policy_from_file(invoke, state_dir, tmp_path):
    path = tmp_path / "policy.json"
    text = json.dumps(json.loads(ROOT_POLICY), indent=2) + "\n"
    path.write_text(text, encoding="utf-8")
    result = invoke("create-key", "--policy", f"file://{path}")
    assert (result.exit_code, result.stdout, result.stderr) == (0, printed(metadata()), "")
    assert stored(state_dir, KEY1)[0].policy == text


def test_create_key_policy_file_missing(invoke, state_dir, tmp_path):
    path = tmp_path / "missing.json"
    result = invoke("create-key", "--policy", f"file://{path}")
    assert (result.exit_code, result.stdout) == (255, "")
    assert result.stderr == (
        f"\nError parsing parameter '--policy': Unable to load paramfile file://{path}: "
        f"[Errno 2] No such file or directory: '{path}'\n"
    )
    assert stored(state_dir, KEY1)[2] == 0


def test_create_key_lockout_policy_needs_the_bypass_flag(invoke, state_dir):
    refused = invoke("create-key", "--policy", LOCKOUT_POLICY)
    assert (refused.exit_code, refused.stdout) == (255, "")
    assert refused.stderr == service_error(
        "MalformedPolicyDocumentException",
        "The new key policy will not allow you to update the key policy in the future.",
    )
    assert stored(state_dir, KEY1)[2] == 0

    also_refused = invoke("create-key", "--policy", LOCKOUT_POLICY, "--no-bypass-policy-lockout-safety-check")
    assert (also_refused.exit_code, also_refused.stdout, also_refused.stderr) == (255, "", refused.stderr)

    # Each refused attempt still drew a key ID, so the accepted key is the third one.
    key3 = "5d0b9cce-71d2-4545-ab86-e4949b871a33"
    accepted = invoke("create-key", "--policy", LOCKOUT_POLICY, "--bypass-policy-lockout-safety-check")
    assert (accepted.exit_code, accepted.stdout, accepted.stderr) == (0, printed(metadata(key3)), "")
    key, _, count = stored(state_dir, key3)
    assert (key.policy, count) == (LOCKOUT_POLICY, 1)


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        pytest.param("not json", "Policy document is malformed", id="not-json"),
        pytest.param('{"Version": "2012-10-17"}', "Policy document is malformed", id="no-statement"),
        pytest.param(
            '{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "bob"}, "Action": "kms:*", "Resource": "*"}]}',
            "Policy contains a statement with one or more invalid principals.",
            id="bad-principal",
        ),
    ],
)
def test_create_key_malformed_policy(invoke, state_dir, policy, message):
    result = invoke("create-key", "--policy", policy)
    assert (result.exit_code, result.stdout) == (255, "")
    assert result.stderr == service_error("MalformedPolicyDocumentException", message)
    assert stored(state_dir, KEY1)[2] == 0


def test_create_key_origin_external_has_no_material(invoke, state_dir):
    result = invoke("create-key", "--origin", "EXTERNAL")
    expected = metadata(state="PendingImport", origin="EXTERNAL")
    assert (result.exit_code, result.stdout, result.stderr) == (0, printed(expected), "")
    key, _, _ = stored(state_dir, KEY1)
    assert (key.origin, key.key_state, key.materials) == ("EXTERNAL", "PendingImport", ())


def test_create_key_origin_aws_kms_explicit(invoke, state_dir):
    result = invoke("create-key", "--origin", "AWS_KMS")
    assert (result.exit_code, result.stdout, result.stderr) == (0, printed(metadata()), "")
    assert stored(state_dir, KEY1)[0].origin == "AWS_KMS"


def test_create_key_tags_shorthand(invoke, state_dir):
    result = invoke("create-key", "--tags", "TagKey=Purpose,TagValue=Test", "TagKey=Team,TagValue=")
    assert (result.exit_code, result.stdout, result.stderr) == (0, printed(metadata()), "")
    assert stored(state_dir, KEY1)[1] == [Tag("Purpose", "Test"), Tag("Team", "")]


def test_create_key_tags_json(invoke, state_dir):
    tags = '[{"TagKey": "b", "TagValue": "2"}, {"TagKey": "a", "TagValue": "1, with a comma"}]'
    result = invoke("create-key", "--tags", tags)
    assert (result.exit_code, result.stdout, result.stderr) == (0, printed(metadata()), "")
    assert stored(state_dir, KEY1)[1] == [Tag("a", "1, with a comma"), Tag("b", "2")]


def test_create_key_multi_region(invoke, state_dir):
    result = invoke("create-key", "--multi-region")
    assert (result.exit_code, result.stdout, result.stderr) == (0, printed(metadata(MRK1, multi_region=True)), "")
    key, _, count = stored(state_dir, MRK1)
    assert (key.multi_region, key.primary_region, count) == (True, REGION, 1)


@pytest.mark.parametrize(
    "args",
    [["--no-multi-region"], ["--multi-region", "--no-multi-region"]],
    ids=["no-multi-region", "last-flag-wins"],
)
def test_create_key_no_multi_region(invoke, state_dir, args):
    result = invoke("create-key", *args)
    assert (result.exit_code, result.stdout, result.stderr) == (0, printed(metadata()), "")
    assert stored(state_dir, KEY1)[0].multi_region is False


_ALL_SPECS = (
    "RSA_2048, RSA_3072, RSA_4096, ECC_NIST_P256, ECC_NIST_P384, ECC_NIST_P521, ECC_SECG_P256K1, "
    "SYMMETRIC_DEFAULT, HMAC_224, HMAC_256, HMAC_384, HMAC_512, SM2, ML_DSA_44, ML_DSA_65, ML_DSA_87, "
    "ECC_NIST_EDWARDS25519, ML_KEM_512, ML_KEM_768, ML_KEM_1024"
)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        pytest.param(
            ["--key-spec", "RSA_2048"],
            "ValidationException",
            "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.",
            id="usage-missing",
        ),
        pytest.param(
            ["--key-spec", "ECC_NIST_P256", "--key-usage", "ENCRYPT_DECRYPT"],
            "ValidationException",
            "KeyUsage ENCRYPT_DECRYPT is not compatible with KeySpec ECC_NIST_P256",
            id="usage-incompatible",
        ),
        pytest.param(
            ["--key-usage", "SIGN_VERIFY"],
            "ValidationException",
            "KeyUsage SIGN_VERIFY is not compatible with KeySpec SYMMETRIC_DEFAULT",
            id="symmetric-sign",
        ),
        pytest.param(
            ["--key-usage", "BOGUS"],
            "ValidationException",
            "1 validation error detected: Value 'BOGUS' at 'keyUsage' failed to satisfy constraint: Member must "
            "satisfy enum value set: [SIGN_VERIFY, ENCRYPT_DECRYPT, GENERATE_VERIFY_MAC, KEY_AGREEMENT, "
            "ENCAPSULATE_DECAPSULATE]",
            id="usage-enum",
        ),
        pytest.param(
            ["--key-spec", "RSA_1024", "--key-usage", "SIGN_VERIFY"],
            "ValidationException",
            "1 validation error detected: Value 'RSA_1024' at 'keySpec' failed to satisfy constraint: Member must "
            f"satisfy enum value set: [{_ALL_SPECS}]",
            id="spec-enum",
        ),
        pytest.param(
            ["--key-spec", "SM2", "--key-usage", "SIGN_VERIFY"],
            "ValidationException",
            "1 validation error detected: Value 'SM2' at 'keySpec' failed to satisfy constraint: Member must "
            f"satisfy enum value set: [{_ALL_SPECS.replace('SM2, ', '')}]",
            id="sm2-outside-china",
        ),
        pytest.param(
            ["--key-spec", "RSA_2048", "--customer-master-key-spec", "RSA_2048", "--key-usage", "SIGN_VERIFY"],
            "ValidationException",
            "You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec "
            "parameter is deprecated. Use KeySpec parameter.",
            id="both-spec-members",
        ),
        pytest.param(
            ["--key-spec", "ML_KEM_512", "--key-usage", "ENCAPSULATE_DECAPSULATE"],
            "UnsupportedOperationException",
            "KeySpec ML_KEM_512 is not supported",
            id="ml-kem-512",
        ),
        pytest.param(
            ["--origin", "AWS_CLOUDHSM"],
            "UnsupportedOperationException",
            "Origin AWS_CLOUDHSM requires a custom key store",
            id="origin-cloudhsm",
        ),
        pytest.param(
            ["--origin", "EXTERNAL_KEY_STORE"],
            "UnsupportedOperationException",
            "Origin EXTERNAL_KEY_STORE requires a custom key store",
            id="origin-xks",
        ),
        pytest.param(
            ["--origin", "KMS"],
            "ValidationException",
            "1 validation error detected: Value 'KMS' at 'origin' failed to satisfy constraint: Member must "
            "satisfy enum value set: [AWS_KMS, EXTERNAL, AWS_CLOUDHSM, EXTERNAL_KEY_STORE]",
            id="origin-enum",
        ),
        pytest.param(
            # kmscli has no custom key stores: KMS answers this code with an empty message.
            ["--custom-key-store-id", "cks-1234567890abcdef0"],
            "CustomKeyStoreNotFoundException",
            "",
            id="custom-key-store",
        ),
        pytest.param(
            ["--xks-key-id", "ext-key-1"],
            "ValidationException",
            "XksKeyId can be specified only for keys with Origin EXTERNAL_KEY_STORE",
            id="xks-key-id",
        ),
        pytest.param(
            ["--xks-key-id", "bad id!"],
            "ValidationException",
            "1 validation error detected: Value 'bad id!' at 'xksKeyId' failed to satisfy constraint: Member must "
            "satisfy regular expression pattern: ^[a-zA-Z0-9-_.]+$",
            id="xks-key-id-pattern",
        ),
        pytest.param(
            ["--description", "x" * 8193],
            "ValidationException",
            f"1 validation error detected: Value '{'x' * 8193}' at 'description' failed to satisfy constraint: "
            "Member must have length less than or equal to 8192",
            id="description-too-long",
        ),
        pytest.param(
            ["--tags", "TagKey=aws:owner,TagValue=me"],
            "TagException",
            "Tags beginning with aws: are reserved",
            id="tag-reserved",
        ),
        pytest.param(
            ["--tags", "TagKey=a,TagValue=1", "TagKey=a,TagValue=2"],
            "TagException",
            "Duplicate tag keys",
            id="tag-duplicate",
        ),
        pytest.param(
            ["--tags", *[f"TagKey=k{i:02},TagValue=v" for i in range(51)]],
            "TagException",
            "Too many tags",
            id="tag-too-many",
        ),
    ],
)
def test_create_key_service_errors(invoke, state_dir, args, code, message):
    result = invoke("create-key", *args)
    assert (result.exit_code, result.stdout, result.stderr) == (255, "", service_error(code, message))
    assert stored(state_dir, KEY1)[2] == 0


@pytest.mark.parametrize(
    ("args", "stderr"),
    [
        pytest.param(
            ["--tags", "TagKey=a"],
            '\nParameter validation failed:\nMissing required parameter in Tags[0]: "TagValue"\n',
            id="tag-value-missing",
        ),
        pytest.param(
            ["--tags", '[{"Key": "a", "Value": "b"}]'],
            "\nParameter validation failed:\n"
            'Missing required parameter in Tags[0]: "TagKey"\n'
            'Missing required parameter in Tags[0]: "TagValue"\n'
            'Unknown parameter in Tags[0]: "Key", must be one of: TagKey, TagValue\n'
            'Unknown parameter in Tags[0]: "Value", must be one of: TagKey, TagValue\n',
            id="tag-wrong-member-names",
        ),
        pytest.param(
            ["--policy", ""],
            "\nParameter validation failed:\nInvalid length for parameter Policy, value: 0, valid min length: 1\n",
            id="policy-empty",
        ),
        pytest.param(
            ["--custom-key-store-id", ""],
            "\nParameter validation failed:\n"
            "Invalid length for parameter CustomKeyStoreId, value: 0, valid min length: 1\n",
            id="custom-key-store-id-empty",
        ),
        pytest.param(
            ["--tags", "TagKey"],
            "\nError parsing parameter '--tags': Expected: '=', received: 'EOF' for input:\nTagKey\n      ^\n",
            id="tag-shorthand-syntax",
        ),
        pytest.param(
            ["--tags", '[{"TagKey":"a",]'],
            "\nError parsing parameter '--tags': Invalid JSON: Expecting property name enclosed in double quotes: "
            'line 1 column 16 (char 15)\nJSON received: [{"TagKey":"a",]\n',
            id="tag-json-syntax",
        ),
    ],
)
def test_create_key_client_side_errors(invoke, state_dir, args, stderr):
    result = invoke("create-key", *args)
    assert (result.exit_code, result.stdout, result.stderr) == (255, "", stderr)
    assert stored(state_dir, KEY1)[2] == 0


def test_create_key_second_key_gets_a_new_id(invoke, state_dir):
    first = invoke("create-key")
    second = invoke("create-key", "--description", "second")
    assert (first.exit_code, first.stdout, first.stderr) == (0, printed(metadata()), "")
    assert (second.exit_code, second.stdout, second.stderr) == (0, printed(metadata(KEY2, description="second")), "")
    assert stored(state_dir, KEY2)[2] == 2


# ---------------------------------------------------------------- describe-key


@pytest.fixture
def aliased_key(invoke) -> str:
    """KEY1, created with a description and reachable as alias/ExampleAlias."""
    created = invoke("create-key", "--description", "described")
    assert (created.exit_code, created.stderr) == (0, "")
    aliased = invoke("create-alias", "--alias-name", "alias/ExampleAlias", "--target-key-id", KEY1)
    assert (aliased.exit_code, aliased.stdout, aliased.stderr) == (0, "", "")
    return created.stdout


@pytest.mark.parametrize(
    "key_id",
    [
        pytest.param(KEY1, id="key-id"),
        pytest.param(KEY1.upper(), id="key-id-upper-case"),
        pytest.param(arn(KEY1), id="key-arn"),
        pytest.param("alias/ExampleAlias", id="alias-name"),
        pytest.param(f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/ExampleAlias", id="alias-arn"),
    ],
)
def test_describe_key_identifier_forms(invoke, aliased_key, key_id):
    result = invoke("describe-key", "--key-id", key_id)
    # AWS reports the key's own ID and ARN whichever form named it.
    assert (result.exit_code, result.stdout, result.stderr) == (0, printed(metadata(description="described")), "")
    assert result.stdout == aliased_key


@pytest.mark.parametrize(
    ("key_id", "code", "message"),
    [
        pytest.param(UNKNOWN, "NotFoundException", f"Key '{arn(UNKNOWN)}' does not exist", id="unknown-key-id"),
        pytest.param(arn(UNKNOWN), "NotFoundException", f"Key '{arn(UNKNOWN)}' does not exist", id="unknown-key-arn"),
        pytest.param(
            "mrk-0123456789abcdef0123456789abcdef",
            "NotFoundException",
            f"Key '{arn('mrk-0123456789abcdef0123456789abcdef')}' does not exist",
            id="unknown-mrk",
        ),
        pytest.param("fake-key-id", "NotFoundException", "Invalid keyId 'fake-key-id'", id="malformed-id"),
        pytest.param("mrk-fake-key-id", "NotFoundException", "Invalid keyId 'mrk-fake-key-id'", id="malformed-mrk"),
        pytest.param(
            "1234abcd12ab34cd56ef1234567890ab",
            "NotFoundException",
            "Invalid keyId '1234abcd12ab34cd56ef1234567890ab'",
            id="uuid-without-dashes",
        ),
        pytest.param(
            f"arn:aws:kms:{REGION}:{ACCOUNT}:key/not-a-key",
            "NotFoundException",
            f"Invalid keyId 'arn:aws:kms:{REGION}:{ACCOUNT}:key/not-a-key'",
            id="key-arn-malformed-id",
        ),
        pytest.param(
            "alias/missing",
            "NotFoundException",
            f"Alias arn:aws:kms:{REGION}:{ACCOUNT}:alias/missing is not found.",
            id="unknown-alias",
        ),
        pytest.param(
            f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/missing",
            "NotFoundException",
            f"Alias arn:aws:kms:{REGION}:{ACCOUNT}:alias/missing is not found.",
            id="unknown-alias-arn",
        ),
        pytest.param(arn(KEY1, "eu-west-1"), "NotFoundException", "Invalid arn eu-west-1", id="other-region"),
        pytest.param(
            f"arn:aws:kms:{REGION}:444455556666:key/{KEY1}",
            "NotFoundException",
            f"Key 'arn:aws:kms:{REGION}:444455556666:key/{KEY1}' does not exist",
            id="other-account",
        ),
        pytest.param(
            "arn:aws:kms:us-west-2", "InvalidArnException", "Invalid arn arn:aws:kms:us-west-2", id="short-arn"
        ),
        pytest.param(
            f"arn:aws:s3:{REGION}:{ACCOUNT}:key/{KEY1}",
            "InvalidArnException",
            f"Invalid arn arn:aws:s3:{REGION}:{ACCOUNT}:key/{KEY1}",
            id="other-service",
        ),
        pytest.param(
            f"arn:aws:kms:{REGION}:{ACCOUNT}:key/",
            "InvalidArnException",
            f"Invalid arn arn:aws:kms:{REGION}:{ACCOUNT}:key/",
            id="empty-resource",
        ),
        pytest.param(
            "k" * 2049,
            "ValidationException",
            f"1 validation error detected: Value '{'k' * 2049}' at 'keyId' failed to satisfy constraint: "
            "Member must have length less than or equal to 2048",
            id="too-long",
        ),
    ],
)
def test_describe_key_errors(invoke, aliased_key, key_id, code, message):
    result = invoke("describe-key", "--key-id", key_id)
    assert (result.exit_code, result.stdout, result.stderr) == (255, "", service_error(code, message, "DescribeKey"))


def test_describe_key_empty_key_id(invoke):
    result = invoke("describe-key", "--key-id", "")
    assert (result.exit_code, result.stdout) == (255, "")
    assert (
        result.stderr
        == "\nParameter validation failed:\nInvalid length for parameter KeyId, value: 0, valid min length: 1\n"
    )


def test_describe_key_multi_region(invoke):
    created = invoke("create-key", "--multi-region", "--description", "mr")
    assert (created.exit_code, created.stderr) == (0, "")
    result = invoke("describe-key", "--key-id", MRK1)
    expected = printed(metadata(MRK1, multi_region=True, description="mr"))
    assert (result.exit_code, result.stdout, result.stderr) == (0, expected, "")


def test_describe_key_reports_pending_deletion(invoke, state_dir):
    assert invoke("create-key").exit_code == 0
    key, _, _ = stored(state_dir, KEY1)
    deletion = NOW + 7 * 86400
    put_key(state_dir, key._replace(key_state=KeyState.PendingDeletion, deletion_date=deletion))
    result = invoke("describe-key", "--key-id", KEY1)
    expected = printed(metadata(state="PendingDeletion", deletion_date=deletion))
    assert (result.exit_code, result.stdout, result.stderr) == (0, expected, "")


def test_describe_key_output_text(invoke):
    assert invoke("create-key").exit_code == 0
    result = invoke("describe-key", "--key-id", KEY1, "--output", "text")
    # Scalars in sorted member order on one line, then each list under its upper-cased name.
    expected = (
        f"KEYMETADATA\t{ACCOUNT}\t{arn(KEY1)}\t{NOW}\tSYMMETRIC_DEFAULT\t\tTrue\t{KEY1}\tCUSTOMER\t"
        "SYMMETRIC_DEFAULT\tEnabled\tENCRYPT_DECRYPT\tFalse\tAWS_KMS\n"
        "ENCRYPTIONALGORITHMS\tSYMMETRIC_DEFAULT\n"
    )
    assert (result.exit_code, result.stdout, result.stderr) == (0, expected, "")


def test_describe_key_query(invoke):
    assert invoke("create-key", "--key-spec", "ECC_NIST_P521", "--key-usage", "SIGN_VERIFY").exit_code == 0
    result = invoke("describe-key", "--key-id", KEY1, "--query", "KeyMetadata.[KeySpec,SigningAlgorithms]")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == '[\n    "ECC_NIST_P521",\n    [\n        "ECDSA_SHA_512"\n    ]\n]\n'


def test_describe_key_does_not_change_the_state(invoke, state_dir, aliased_key):
    database = state_dir / "kmscli.sqlite3"
    before = database.read_bytes()
    result = invoke("describe-key", "--key-id", "alias/ExampleAlias")
    assert (result.exit_code, result.stdout, result.stderr) == (0, aliased_key, "")
    assert database.read_bytes() == before
