"""CreateKey, DescribeKey and GetKeyPolicy through core.call, compared as whole results.

Alias and tag rules have their own files (test_aliases.py, test_tags.py); here they appear only as
far as CreateKey and DescribeKey use them.
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, mldsa, mlkem, rsa
from cryptography.hazmat.primitives.serialization import load_der_private_key

from kmscli import core
from kmscli.core.errors import KmsError
from kmscli.core.keys import (
    CreateKeyResult,
    DescribeKeyResult,
    KeyMetadata,
    MultiRegionConfiguration,
    MultiRegionKey,
)
from kmscli.core.model import Key, KeyManager, KeyState, KeyUsage, MultiRegionKeyType, Origin, Tag
from kmscli.core.policy import GetKeyPolicyResult

ACCOUNT = "111122223333"
REGION = "us-west-2"
# The `env` fixture's clock, and the first IDs its counting id source gives.
NOW = 1502910355.475
KEY_ID = "b5dacb29-7d38-4ab6-983e-a65abddb4b70"
MRK_ID = "mrk-b5dacb297d38cab6d83ea65abddb4b70"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{KEY_ID}"
MRK_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{MRK_ID}"
UNKNOWN_ID = "0000aaaa-0000-4000-8000-000000000000"

DEFAULT_POLICY = (
    '{\n  "Version" : "2012-10-17",\n  "Id" : "key-default-1",\n  "Statement" : [ {\n'
    '    "Sid" : "Enable IAM policies",\n    "Effect" : "Allow",\n    "Principal" : {\n'
    '      "AWS" : "arn:aws:iam::111122223333:root"\n    },\n    "Action" : "kms:*",\n'
    '    "Resource" : "*"\n  } ]\n}'
)

_RSA_ENCRYPT = ("RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256")
_RSA_SIGN = (
    "RSASSA_PKCS1_V1_5_SHA_256",
    "RSASSA_PKCS1_V1_5_SHA_384",
    "RSASSA_PKCS1_V1_5_SHA_512",
    "RSASSA_PSS_SHA_256",
    "RSASSA_PSS_SHA_384",
    "RSASSA_PSS_SHA_512",
)
# AWS's key spec reference, written out independently of core/keyspecs.py: (KeySpec, KeyUsage) → algorithm member, list.
VALID: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {
    ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT"): ("encryption_algorithms", ("SYMMETRIC_DEFAULT",)),
    ("HMAC_224", "GENERATE_VERIFY_MAC"): ("mac_algorithms", ("HMAC_SHA_224",)),
    ("HMAC_256", "GENERATE_VERIFY_MAC"): ("mac_algorithms", ("HMAC_SHA_256",)),
    ("HMAC_384", "GENERATE_VERIFY_MAC"): ("mac_algorithms", ("HMAC_SHA_384",)),
    ("HMAC_512", "GENERATE_VERIFY_MAC"): ("mac_algorithms", ("HMAC_SHA_512",)),
    **{(f"RSA_{n}", "ENCRYPT_DECRYPT"): ("encryption_algorithms", _RSA_ENCRYPT) for n in (2048, 3072, 4096)},
    **{(f"RSA_{n}", "SIGN_VERIFY"): ("signing_algorithms", _RSA_SIGN) for n in (2048, 3072, 4096)},
    ("ECC_NIST_P256", "SIGN_VERIFY"): ("signing_algorithms", ("ECDSA_SHA_256",)),
    ("ECC_NIST_P384", "SIGN_VERIFY"): ("signing_algorithms", ("ECDSA_SHA_384",)),
    ("ECC_NIST_P521", "SIGN_VERIFY"): ("signing_algorithms", ("ECDSA_SHA_512",)),
    ("ECC_NIST_P256", "KEY_AGREEMENT"): ("key_agreement_algorithms", ("ECDH",)),
    ("ECC_NIST_P384", "KEY_AGREEMENT"): ("key_agreement_algorithms", ("ECDH",)),
    ("ECC_NIST_P521", "KEY_AGREEMENT"): ("key_agreement_algorithms", ("ECDH",)),
    ("ECC_SECG_P256K1", "SIGN_VERIFY"): ("signing_algorithms", ("ECDSA_SHA_256",)),
    ("ECC_NIST_EDWARDS25519", "SIGN_VERIFY"): ("signing_algorithms", ("ED25519_SHA_512", "ED25519_PH_SHA_512")),
    ("ML_DSA_44", "SIGN_VERIFY"): ("signing_algorithms", ("ML_DSA_SHAKE_256",)),
    ("ML_DSA_65", "SIGN_VERIFY"): ("signing_algorithms", ("ML_DSA_SHAKE_256",)),
    ("ML_DSA_87", "SIGN_VERIFY"): ("signing_algorithms", ("ML_DSA_SHAKE_256",)),
    ("ML_KEM_512", "ENCAPSULATE_DECAPSULATE"): ("encapsulation_algorithms", ("ML_KEM",)),
    ("ML_KEM_768", "ENCAPSULATE_DECAPSULATE"): ("encapsulation_algorithms", ("ML_KEM",)),
    ("ML_KEM_1024", "ENCAPSULATE_DECAPSULATE"): ("encapsulation_algorithms", ("ML_KEM",)),
}
# KeySpecs that are also in the deprecated CustomerMasterKeySpec enum, so KeyMetadata repeats them there.
LEGACY = {
    "SYMMETRIC_DEFAULT",
    "HMAC_224",
    "HMAC_256",
    "HMAC_384",
    "HMAC_512",
    "RSA_2048",
    "RSA_3072",
    "RSA_4096",
    "ECC_NIST_P256",
    "ECC_NIST_P384",
    "ECC_NIST_P521",
    "ECC_SECG_P256K1",
}
KEY_SPECS = (
    "RSA_2048",
    "RSA_3072",
    "RSA_4096",
    "ECC_NIST_P256",
    "ECC_NIST_P384",
    "ECC_NIST_P521",
    "ECC_SECG_P256K1",
    "SYMMETRIC_DEFAULT",
    "HMAC_224",
    "HMAC_256",
    "HMAC_384",
    "HMAC_512",
    "ML_DSA_44",
    "ML_DSA_65",
    "ML_DSA_87",
    "ECC_NIST_EDWARDS25519",
    "ML_KEM_512",
    "ML_KEM_768",
    "ML_KEM_1024",
)
KEY_USAGES = ("SIGN_VERIFY", "ENCRYPT_DECRYPT", "GENERATE_VERIFY_MAC", "KEY_AGREEMENT", "ENCAPSULATE_DECAPSULATE")


def symmetric_metadata(**changes: Any) -> KeyMetadata:
    """What CreateKey with no parameters reports for the first key of the `env` fixture."""
    return KeyMetadata(
        aws_account_id=ACCOUNT,
        key_id=KEY_ID,
        arn=KEY_ARN,
        creation_date=NOW,
        enabled=True,
        description="",
        key_usage="ENCRYPT_DECRYPT",
        key_state="Enabled",
        origin="AWS_KMS",
        key_manager="CUSTOMER",
        key_spec="SYMMETRIC_DEFAULT",
        multi_region=False,
        customer_master_key_spec="SYMMETRIC_DEFAULT",
        encryption_algorithms=("SYMMETRIC_DEFAULT",),
    )._replace(**changes)


def metadata_for(key_spec: str, key_usage: str) -> KeyMetadata:
    member, algorithms = VALID[(key_spec, key_usage)]
    changes: dict[str, Any] = {"encryption_algorithms": None, member: algorithms}
    return symmetric_metadata(
        key_spec=key_spec,
        key_usage=key_usage,
        customer_master_key_spec=key_spec if key_spec in LEGACY else None,
        **changes,
    )


def stored_key(repo: core.InMemoryRepository, key_id: str) -> Key:
    key = repo.get_key(key_id)
    if key is None:
        raise LookupError(key_id)
    return key


def create(repo: core.InMemoryRepository, env: core.Env, **params: Any) -> CreateKeyResult:
    result = core.call("CreateKey", params, repo, env)
    assert isinstance(result, CreateKeyResult)
    return result


def refusal(repo: core.InMemoryRepository, env: core.Env, operation: str, **params: Any) -> tuple[str, str]:
    with pytest.raises(KmsError) as caught:
        core.call(operation, params, repo, env)
    return caught.value.code, caught.value.message


def assert_nothing_stored(repo: core.InMemoryRepository) -> None:
    assert (repo.count_keys(), repo.list_keys(None, 10)) == (0, [])


# ---------------------------------------------------------------- CreateKey: the default key


def test_create_default_key(repo: core.InMemoryRepository, env: core.Env) -> None:
    assert create(repo, env) == CreateKeyResult(symmetric_metadata())
    key = stored_key(repo, KEY_ID)
    assert key._replace(materials=()) == Key(
        key_id=KEY_ID,
        arn=KEY_ARN,
        account_id=ACCOUNT,
        region=REGION,
        creation_date=NOW,
        description="",
        key_spec="SYMMETRIC_DEFAULT",
        key_usage=KeyUsage.ENCRYPT_DECRYPT,
        origin=Origin.AWS_KMS,
        key_state=KeyState.Enabled,
        policy=DEFAULT_POLICY,
        key_manager=KeyManager.CUSTOMER,
        # Its uses are recorded from its creation on (GetKeyLastUsage).
        usage_tracked_since=NOW,
    )
    (material,) = key.materials
    assert re.fullmatch(r"[0-9a-f]{64}", material.material_id)
    assert (len(material.secret), material.created) == (32, NOW)
    assert repo.get_tags(KEY_ID) == []


def test_create_key_with_description_and_explicit_defaults(repo: core.InMemoryRepository, env: core.Env) -> None:
    result = create(
        repo,
        env,
        Description="Example key",
        KeySpec="SYMMETRIC_DEFAULT",
        KeyUsage="ENCRYPT_DECRYPT",
        Origin="AWS_KMS",
        MultiRegion=False,
        BypassPolicyLockoutSafetyCheck=False,
    )
    assert result == CreateKeyResult(symmetric_metadata(description="Example key"))


def test_each_key_gets_a_new_id(repo: core.InMemoryRepository, env: core.Env) -> None:
    first = create(repo, env).key_metadata.key_id
    second = create(repo, env).key_metadata.key_id
    assert (first, second) == (KEY_ID, "c1f80aa1-8a52-4890-bac6-cc72aded8830")
    assert repo.list_keys(None, 10) == sorted([first, second])


# ---------------------------------------------------------------- CreateKey: every KeySpec with every KeyUsage


MATRIX = [pytest.param(spec, usage, id=f"{spec}-{usage}") for spec, usage in itertools.product(KEY_SPECS, KEY_USAGES)]


@pytest.mark.parametrize(("key_spec", "key_usage"), MATRIX)
def test_key_spec_and_usage(repo: core.InMemoryRepository, env: core.Env, key_spec: str, key_usage: str) -> None:
    if (key_spec, key_usage) not in VALID:
        assert refusal(repo, env, "CreateKey", KeySpec=key_spec, KeyUsage=key_usage) == (
            "ValidationException",
            f"KeyUsage {key_usage} is not compatible with KeySpec {key_spec}",
        )
        assert_nothing_stored(repo)
    elif key_spec == "ML_KEM_512":
        # `cryptography` cannot generate ML-KEM-512.
        assert refusal(repo, env, "CreateKey", KeySpec=key_spec, KeyUsage=key_usage) == (
            "UnsupportedOperationException",
            "KeySpec ML_KEM_512 is not supported",
        )
        assert_nothing_stored(repo)
    else:
        assert create(repo, env, KeySpec=key_spec, KeyUsage=key_usage) == CreateKeyResult(
            metadata_for(key_spec, key_usage)
        )
        key = stored_key(repo, KEY_ID)
        assert (key.key_spec, key.key_usage, key.key_state, len(key.materials)) == (
            key_spec,
            key_usage,
            KeyState.Enabled,
            1,
        )


def test_customer_master_key_spec_is_the_deprecated_key_spec(repo: core.InMemoryRepository, env: core.Env) -> None:
    result = create(repo, env, CustomerMasterKeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")
    assert result == CreateKeyResult(metadata_for("RSA_2048", "SIGN_VERIFY"))


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"KeySpec": "RSA_2048"}, id="rsa"),
        pytest.param({"KeySpec": "HMAC_256"}, id="hmac"),
        pytest.param({"CustomerMasterKeySpec": "ECC_NIST_P256"}, id="legacy-parameter"),
    ],
)
def test_key_usage_is_required_except_for_symmetric_keys(
    repo: core.InMemoryRepository, env: core.Env, params: dict[str, str]
) -> None:
    assert refusal(repo, env, "CreateKey", **params) == (
        "ValidationException",
        "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.",
    )
    assert_nothing_stored(repo)


def test_key_spec_and_customer_master_key_spec_together(repo: core.InMemoryRepository, env: core.Env) -> None:
    assert refusal(
        repo, env, "CreateKey", KeySpec="RSA_2048", CustomerMasterKeySpec="RSA_2048", KeyUsage="SIGN_VERIFY"
    ) == (
        "ValidationException",
        "You cannot specify KeySpec and CustomerMasterKeySpec in the same request. "
        "CustomerMasterKeySpec parameter is deprecated. Use KeySpec parameter.",
    )
    assert_nothing_stored(repo)


@pytest.mark.parametrize(
    ("member", "path", "allowed"),
    [
        pytest.param("KeySpec", "keySpec", KEY_SPECS, id="key-spec"),
        pytest.param(
            "CustomerMasterKeySpec",
            "customerMasterKeySpec",
            (
                "RSA_2048",
                "RSA_3072",
                "RSA_4096",
                "ECC_NIST_P256",
                "ECC_NIST_P384",
                "ECC_NIST_P521",
                "ECC_SECG_P256K1",
                "SYMMETRIC_DEFAULT",
                "HMAC_224",
                "HMAC_256",
                "HMAC_384",
                "HMAC_512",
            ),
            id="customer-master-key-spec",
        ),
    ],
)
@pytest.mark.parametrize("usage", ["SIGN_VERIFY", "ENCRYPT_DECRYPT"])
def test_sm2_is_refused_as_if_not_in_the_enum(
    repo: core.InMemoryRepository, env: core.Env, member: str, path: str, allowed: tuple[str, ...], usage: str
) -> None:
    assert refusal(repo, env, "CreateKey", KeyUsage=usage, **{member: "SM2"}) == (
        "ValidationException",
        f"1 validation error detected: Value 'SM2' at '{path}' failed to satisfy constraint: "
        f"Member must satisfy enum value set: [{', '.join(allowed)}]",
    )
    assert_nothing_stored(repo)


# ---------------------------------------------------------------- CreateKey: real key material


def private_key(repo: core.InMemoryRepository, env: core.Env, key_spec: str, key_usage: str) -> Any:
    create(repo, env, KeySpec=key_spec, KeyUsage=key_usage)
    (material,) = stored_key(repo, KEY_ID).materials
    return load_der_private_key(material.secret, password=None)


@pytest.mark.parametrize(
    ("key_spec", "key_usage", "bits"),
    [
        pytest.param("RSA_2048", "ENCRYPT_DECRYPT", 2048, id="RSA_2048"),
        pytest.param("RSA_3072", "SIGN_VERIFY", 3072, id="RSA_3072"),
        pytest.param("RSA_4096", "ENCRYPT_DECRYPT", 4096, id="RSA_4096"),
    ],
)
def test_rsa_material(repo: core.InMemoryRepository, env: core.Env, key_spec: str, key_usage: str, bits: int) -> None:
    key = private_key(repo, env, key_spec, key_usage)
    assert isinstance(key, rsa.RSAPrivateKey)
    assert (key.key_size, key.public_key().public_numbers().e) == (bits, 65537)


@pytest.mark.parametrize(
    ("key_spec", "key_usage", "curve"),
    [
        pytest.param("ECC_NIST_P256", "SIGN_VERIFY", "secp256r1", id="P256"),
        pytest.param("ECC_NIST_P384", "KEY_AGREEMENT", "secp384r1", id="P384"),
        pytest.param("ECC_NIST_P521", "SIGN_VERIFY", "secp521r1", id="P521"),
        pytest.param("ECC_SECG_P256K1", "SIGN_VERIFY", "secp256k1", id="P256K1"),
    ],
)
def test_ec_material(repo: core.InMemoryRepository, env: core.Env, key_spec: str, key_usage: str, curve: str) -> None:
    key = private_key(repo, env, key_spec, key_usage)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    assert key.curve.name == curve


@pytest.mark.parametrize(
    ("key_spec", "key_usage", "key_type"),
    [
        pytest.param("ECC_NIST_EDWARDS25519", "SIGN_VERIFY", ed25519.Ed25519PrivateKey, id="Ed25519"),
        pytest.param("ML_DSA_44", "SIGN_VERIFY", mldsa.MLDSA44PrivateKey, id="ML_DSA_44"),
        pytest.param("ML_DSA_65", "SIGN_VERIFY", mldsa.MLDSA65PrivateKey, id="ML_DSA_65"),
        pytest.param("ML_DSA_87", "SIGN_VERIFY", mldsa.MLDSA87PrivateKey, id="ML_DSA_87"),
        pytest.param("ML_KEM_768", "ENCAPSULATE_DECAPSULATE", mlkem.MLKEM768PrivateKey, id="ML_KEM_768"),
        pytest.param("ML_KEM_1024", "ENCAPSULATE_DECAPSULATE", mlkem.MLKEM1024PrivateKey, id="ML_KEM_1024"),
    ],
)
def test_other_asymmetric_material(
    repo: core.InMemoryRepository, env: core.Env, key_spec: str, key_usage: str, key_type: type
) -> None:
    assert isinstance(private_key(repo, env, key_spec, key_usage), key_type)


@pytest.mark.parametrize(
    ("key_spec", "key_usage", "size"),
    [
        pytest.param("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", 32, id="SYMMETRIC_DEFAULT"),
        pytest.param("HMAC_224", "GENERATE_VERIFY_MAC", 28, id="HMAC_224"),
        pytest.param("HMAC_256", "GENERATE_VERIFY_MAC", 32, id="HMAC_256"),
        pytest.param("HMAC_384", "GENERATE_VERIFY_MAC", 48, id="HMAC_384"),
        pytest.param("HMAC_512", "GENERATE_VERIFY_MAC", 64, id="HMAC_512"),
    ],
)
def test_symmetric_material(
    repo: core.InMemoryRepository, env: core.Env, key_spec: str, key_usage: str, size: int
) -> None:
    create(repo, env, KeySpec=key_spec, KeyUsage=key_usage)
    (material,) = stored_key(repo, KEY_ID).materials
    assert len(material.secret) == size
    create(repo, env, KeySpec=key_spec, KeyUsage=key_usage)
    (other,) = stored_key(repo, "c1f80aa1-8a52-4890-bac6-cc72aded8830").materials
    assert (len(other.secret), other.secret != material.secret) == (size, True)


# ---------------------------------------------------------------- CreateKey: origin and custom key stores


@pytest.mark.parametrize(
    ("key_spec", "key_usage"),
    [
        pytest.param("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", id="symmetric"),
        pytest.param("HMAC_384", "GENERATE_VERIFY_MAC", id="hmac"),
        pytest.param("RSA_2048", "SIGN_VERIFY", id="rsa"),
        pytest.param("ECC_NIST_P256", "KEY_AGREEMENT", id="ecc"),
        pytest.param("ML_DSA_65", "SIGN_VERIFY", id="ml-dsa"),
    ],
)
def test_external_origin_waits_for_import(
    repo: core.InMemoryRepository, env: core.Env, key_spec: str, key_usage: str
) -> None:
    result = create(repo, env, KeySpec=key_spec, KeyUsage=key_usage, Origin="EXTERNAL")
    expected = metadata_for(key_spec, key_usage)._replace(enabled=False, key_state="PendingImport", origin="EXTERNAL")
    assert result == CreateKeyResult(expected)
    key = stored_key(repo, KEY_ID)
    assert (key.origin, key.key_state, key.materials) == (Origin.EXTERNAL, KeyState.PendingImport, ())


@pytest.mark.parametrize("key_spec", ["ML_KEM_768", "ML_KEM_1024"])
def test_external_origin_is_refused_for_ml_kem(repo: core.InMemoryRepository, env: core.Env, key_spec: str) -> None:
    assert refusal(repo, env, "CreateKey", KeySpec=key_spec, KeyUsage="ENCAPSULATE_DECAPSULATE", Origin="EXTERNAL") == (
        "UnsupportedOperationException",
        f"KeySpec {key_spec} does not support Origin EXTERNAL",
    )
    assert_nothing_stored(repo)


@pytest.mark.parametrize(
    ("params", "code", "message"),
    [
        pytest.param(
            {"Origin": "AWS_CLOUDHSM"},
            "UnsupportedOperationException",
            "Origin AWS_CLOUDHSM requires a custom key store",
            id="cloudhsm",
        ),
        pytest.param(
            {"Origin": "EXTERNAL_KEY_STORE"},
            "UnsupportedOperationException",
            "Origin EXTERNAL_KEY_STORE requires a custom key store",
            id="external-key-store",
        ),
        pytest.param(
            {"CustomKeyStoreId": "cks-1234567890abcdef0"}, "CustomKeyStoreNotFoundException", "", id="custom-key-store"
        ),
        pytest.param(
            {"Origin": "AWS_CLOUDHSM", "CustomKeyStoreId": "cks-1234567890abcdef0"},
            "CustomKeyStoreNotFoundException",
            "",
            id="cloudhsm-with-store",
        ),
        pytest.param(
            {"XksKeyId": "ext-key-1"},
            "ValidationException",
            "XksKeyId can be specified only for keys with Origin EXTERNAL_KEY_STORE",
            id="xks-key-id",
        ),
    ],
)
def test_custom_key_stores_are_not_emulated(
    repo: core.InMemoryRepository, env: core.Env, params: dict[str, str], code: str, message: str
) -> None:
    assert refusal(repo, env, "CreateKey", **params) == (code, message)
    assert_nothing_stored(repo)


# ---------------------------------------------------------------- CreateKey: multi-Region, tags, policy, quota


def test_multi_region_key(repo: core.InMemoryRepository, env: core.Env) -> None:
    result = create(repo, env, MultiRegion=True)
    assert result == CreateKeyResult(
        symmetric_metadata(
            key_id=MRK_ID,
            arn=MRK_ARN,
            multi_region=True,
            multi_region_configuration=MultiRegionConfiguration(
                multi_region_key_type=MultiRegionKeyType.PRIMARY,
                primary_key=MultiRegionKey(arn=MRK_ARN, region=REGION),
                replica_keys=(),
            ),
        )
    )
    key = stored_key(repo, MRK_ID)
    assert (key.multi_region, key.primary_region, key.replica_regions) == (True, REGION, ())


def test_create_key_with_tags(repo: core.InMemoryRepository, env: core.Env) -> None:
    tags = [{"TagKey": "Purpose", "TagValue": "Test"}, {"TagKey": "Owner", "TagValue": ""}]
    assert create(repo, env, Tags=tags) == CreateKeyResult(symmetric_metadata())
    assert repo.get_tags(KEY_ID) == [Tag("Owner", ""), Tag("Purpose", "Test")]


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        pytest.param([{"TagKey": "aws:x", "TagValue": "v"}], "Tags beginning with aws: are reserved", id="reserved"),
        pytest.param(
            [{"TagKey": "a", "TagValue": "1"}, {"TagKey": "a", "TagValue": "2"}], "Duplicate tag keys", id="duplicate"
        ),
        pytest.param([{"TagKey": f"k{i}", "TagValue": "v"} for i in range(51)], "Too many tags", id="fifty-one"),
    ],
)
def test_create_key_tag_rules(
    repo: core.InMemoryRepository, env: core.Env, tags: list[dict[str, str]], message: str
) -> None:
    assert refusal(repo, env, "CreateKey", Tags=tags) == ("TagException", message)
    assert_nothing_stored(repo)
    assert repo.get_tags(KEY_ID) == []


def test_create_key_with_fifty_tags(repo: core.InMemoryRepository, env: core.Env) -> None:
    tags = [{"TagKey": f"k{i:02}", "TagValue": "v"} for i in range(50)]
    create(repo, env, Tags=tags)
    assert repo.get_tags(KEY_ID) == [Tag(f"k{i:02}", "v") for i in range(50)]


# Deliberately not in the default formatting: the text must be stored and returned verbatim.
CUSTOM_POLICY = (
    '{"Version":"2012-10-17",  "Statement":[{"Sid":"Root","Effect":"Allow",'
    '"Principal":{"AWS":"111122223333"},"Action":"kms:*","Resource":"*"}]}\n'
)


def test_create_key_with_policy(repo: core.InMemoryRepository, env: core.Env) -> None:
    assert create(repo, env, Policy=CUSTOM_POLICY) == CreateKeyResult(symmetric_metadata())
    assert stored_key(repo, KEY_ID).policy == CUSTOM_POLICY
    assert core.call("GetKeyPolicy", {"KeyId": KEY_ID}, repo, env) == GetKeyPolicyResult(policy=CUSTOM_POLICY)


def policy(action: str, resource: str = "*") -> str:
    return json.dumps(
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                    "Action": action,
                    "Resource": resource,
                }
            ]
        }
    )


def test_lockout_check_sees_the_new_keys_arn(repo: core.InMemoryRepository, env: core.Env) -> None:
    create(repo, env, Policy=policy("kms:PutKeyPolicy", resource=KEY_ARN))
    assert stored_key(repo, KEY_ID).policy == policy("kms:PutKeyPolicy", resource=KEY_ARN)


def test_lockout_check_uses_the_caller(repo: core.InMemoryRepository, env: core.Env) -> None:
    bob = f"arn:aws:iam::{ACCOUNT}:user/bob"
    alice_only = json.dumps(
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/alice"},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ]
        }
    )
    assert refusal(repo, env._replace(caller_arn=bob), "CreateKey", Policy=alice_only)[1] == (
        "The new key policy will not allow you to update the key policy in the future."
    )
    assert_nothing_stored(repo)
    created = create(repo, env._replace(caller_arn=f"arn:aws:iam::{ACCOUNT}:user/alice"), Policy=alice_only)
    assert stored_key(repo, created.key_metadata.key_id).policy == alice_only


@pytest.mark.parametrize(
    ("params", "code", "message"),
    [
        pytest.param(
            {"Policy": policy("kms:Encrypt")},
            "MalformedPolicyDocumentException",
            "The new key policy will not allow you to update the key policy in the future.",
            id="lockout",
        ),
        pytest.param(
            {"Policy": policy("kms:Encrypt"), "BypassPolicyLockoutSafetyCheck": False},
            "MalformedPolicyDocumentException",
            "The new key policy will not allow you to update the key policy in the future.",
            id="lockout-bypass-false",
        ),
        pytest.param(
            {"Policy": "{not json"}, "MalformedPolicyDocumentException", "Policy document is malformed", id="malformed"
        ),
        pytest.param(
            {"Policy": " " * 32769},
            "LimitExceededException",
            "Policy exceeds the maximum allowed size of 32768 bytes",
            id="too-large",
        ),
    ],
)
def test_create_key_policy_rules(
    repo: core.InMemoryRepository, env: core.Env, params: dict[str, Any], code: str, message: str
) -> None:
    assert refusal(repo, env, "CreateKey", **params) == (code, message)
    assert_nothing_stored(repo)


def test_bypass_lockout_check(repo: core.InMemoryRepository, env: core.Env) -> None:
    create(repo, env, Policy=policy("kms:Encrypt"), BypassPolicyLockoutSafetyCheck=True)
    assert stored_key(repo, KEY_ID).policy == policy("kms:Encrypt")


class _CountingRepository(core.InMemoryRepository):
    """A repository that claims to hold `existing` keys already."""

    existing = 0

    def count_keys(self) -> int:
        return self.existing + int(super().count_keys())


@pytest.mark.parametrize(
    ("existing", "allowed"),
    [pytest.param(99_999, True, id="last-key-fits"), pytest.param(100_000, False, id="quota-reached")],
)
def test_key_quota_per_region(env: core.Env, existing: int, allowed: bool) -> None:
    repo = _CountingRepository(ACCOUNT, REGION)
    repo.existing = existing
    if allowed:
        assert create(repo, env) == CreateKeyResult(symmetric_metadata())
    else:
        assert refusal(repo, env, "CreateKey") == (
            "LimitExceededException",
            "The request was rejected because the number of KMS keys in us-west-2 would exceed the quota of 100000.",
        )
        assert repo.list_keys(None, 10) == []


# ---------------------------------------------------------------- DescribeKey


@pytest.fixture
def described_key(repo: core.InMemoryRepository, env: core.Env) -> CreateKeyResult:
    created = create(repo, env, Description="described")
    core.call("CreateAlias", {"AliasName": "alias/described", "TargetKeyId": KEY_ID}, repo, env)
    return created


@pytest.mark.parametrize(
    "key_ref",
    [
        pytest.param(KEY_ID, id="key-id"),
        pytest.param(KEY_ID.upper(), id="upper-case-key-id"),
        pytest.param(KEY_ARN, id="key-arn"),
        pytest.param("alias/described", id="alias-name"),
        pytest.param(f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/described", id="alias-arn"),
    ],
)
def test_describe_key_by_every_identifier_form(
    repo: core.InMemoryRepository, env: core.Env, described_key: CreateKeyResult, key_ref: str
) -> None:
    result = core.call("DescribeKey", {"KeyId": key_ref}, repo, env)
    assert result == DescribeKeyResult(symmetric_metadata(description="described"))
    assert result.key_metadata == described_key.key_metadata


@pytest.mark.parametrize(
    ("key_ref", "code", "message"),
    [
        pytest.param(
            UNKNOWN_ID,
            "NotFoundException",
            f"Key 'arn:aws:kms:{REGION}:{ACCOUNT}:key/{UNKNOWN_ID}' does not exist",
            id="unknown-key",
        ),
        pytest.param(
            f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{UNKNOWN_ID}",
            "NotFoundException",
            f"Key 'arn:aws:kms:{REGION}:{ACCOUNT}:key/{UNKNOWN_ID}' does not exist",
            id="unknown-key-arn",
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
        pytest.param("fake-key-id", "NotFoundException", "Invalid keyId 'fake-key-id'", id="malformed"),
        pytest.param(
            f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{KEY_ID}",
            "NotFoundException",
            "Invalid arn us-east-1",
            id="other-region",
        ),
        pytest.param("arn:aws:kms:oops", "InvalidArnException", "Invalid arn arn:aws:kms:oops", id="bad-arn"),
    ],
)
def test_describe_key_refusals(
    repo: core.InMemoryRepository,
    env: core.Env,
    described_key: CreateKeyResult,
    key_ref: str,
    code: str,
    message: str,
) -> None:
    assert refusal(repo, env, "DescribeKey", KeyId=key_ref) == (code, message)


def test_keys_in_another_region_are_invisible(repo: core.InMemoryRepository, env: core.Env) -> None:
    east = repo.in_region("eu-west-1")
    create(east, env._replace(region="eu-west-1"))
    assert refusal(repo, env, "DescribeKey", KeyId=KEY_ID) == (
        "NotFoundException",
        f"Key '{KEY_ARN}' does not exist",
    )


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({"key_state": KeyState.Disabled}, {"enabled": False, "key_state": "Disabled"}, id="disabled"),
        pytest.param(
            {"key_state": KeyState.PendingDeletion, "deletion_date": NOW + 7 * 86400},
            {"enabled": False, "key_state": "PendingDeletion", "deletion_date": NOW + 7 * 86400},
            id="pending-deletion",
        ),
        pytest.param(
            {
                "key_state": KeyState.PendingReplicaDeletion,
                "pending_deletion_window_in_days": 7,
                "deletion_date": NOW + 7 * 86400,
            },
            {"enabled": False, "key_state": "PendingReplicaDeletion", "pending_deletion_window_in_days": 7},
            id="pending-replica-deletion",
        ),
        pytest.param(
            {"key_state": KeyState.Enabled, "deletion_date": NOW, "pending_deletion_window_in_days": 7},
            {},
            id="stale-deletion-fields-hidden",
        ),
    ],
)
def test_describe_key_reflects_the_state(
    repo: core.InMemoryRepository, env: core.Env, changes: dict[str, Any], expected: dict[str, Any]
) -> None:
    create(repo, env)
    repo.put_key(stored_key(repo, KEY_ID)._replace(**changes))
    assert core.call("DescribeKey", {"KeyId": KEY_ID}, repo, env) == DescribeKeyResult(symmetric_metadata(**expected))


def test_describe_replica_key(repo: core.InMemoryRepository, env: core.Env) -> None:
    create(repo, env, MultiRegion=True)
    replica = stored_key(repo, MRK_ID)._replace(primary_region="us-east-1", replica_regions=(REGION, "eu-west-1"))
    repo.put_key(replica)

    def arn(region: str) -> str:
        return f"arn:aws:kms:{region}:{ACCOUNT}:key/{MRK_ID}"

    assert core.call("DescribeKey", {"KeyId": MRK_ID}, repo, env) == DescribeKeyResult(
        symmetric_metadata(
            key_id=MRK_ID,
            arn=MRK_ARN,
            multi_region=True,
            multi_region_configuration=MultiRegionConfiguration(
                multi_region_key_type=MultiRegionKeyType.REPLICA,
                primary_key=MultiRegionKey(arn("us-east-1"), "us-east-1"),
                replica_keys=(MultiRegionKey(arn(REGION), REGION), MultiRegionKey(arn("eu-west-1"), "eu-west-1")),
            ),
        )
    )


# ---------------------------------------------------------------- GetKeyPolicy


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"KeyId": KEY_ID}, id="default-name"),
        pytest.param({"KeyId": KEY_ID, "PolicyName": "default"}, id="explicit-default"),
        pytest.param({"KeyId": KEY_ARN, "PolicyName": "default"}, id="by-arn"),
    ],
)
def test_get_key_policy(repo: core.InMemoryRepository, env: core.Env, params: dict[str, str]) -> None:
    create(repo, env)
    assert core.call("GetKeyPolicy", params, repo, env) == GetKeyPolicyResult(policy=DEFAULT_POLICY)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        pytest.param({"KeyId": KEY_ID, "PolicyName": "other"}, "No such policy exists", id="other-name"),
        pytest.param({"KeyId": KEY_ID, "PolicyName": "AWS_RAM"}, "No such policy exists", id="ram"),
        pytest.param({"KeyId": "alias/app"}, "Invalid keyId 'alias/app'", id="alias"),
        pytest.param(
            {"KeyId": UNKNOWN_ID}, f"Key 'arn:aws:kms:{REGION}:{ACCOUNT}:key/{UNKNOWN_ID}' does not exist", id="unknown"
        ),
    ],
)
def test_get_key_policy_refusals(
    repo: core.InMemoryRepository, env: core.Env, params: dict[str, str], message: str
) -> None:
    create(repo, env)
    core.call("CreateAlias", {"AliasName": "alias/app", "TargetKeyId": KEY_ID}, repo, env)
    assert refusal(repo, env, "GetKeyPolicy", **params) == ("NotFoundException", message)


@pytest.mark.parametrize("state", [KeyState.Disabled, KeyState.PendingImport, KeyState.PendingDeletion])
def test_get_key_policy_in_every_state(repo: core.InMemoryRepository, env: core.Env, state: KeyState) -> None:
    create(repo, env)
    repo.put_key(stored_key(repo, KEY_ID)._replace(key_state=state))
    assert core.call("GetKeyPolicy", {"KeyId": KEY_ID}, repo, env) == GetKeyPolicyResult(policy=DEFAULT_POLICY)


def test_get_key_policy_name_pattern(repo: core.InMemoryRepository, env: core.Env) -> None:
    create(repo, env)
    assert refusal(repo, env, "GetKeyPolicy", KeyId=KEY_ID, PolicyName="no-dashes") == (
        "ValidationException",
        "1 validation error detected: Value 'no-dashes' at 'policyName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\w]+",
    )


# ---------------------------------------------------------------- the operations together


def test_create_alias_tag_and_describe(repo: core.InMemoryRepository, env: core.Env) -> None:
    created = create(repo, env, Tags=[{"TagKey": "Project", "TagValue": "Alpha"}])
    assert core.call("CreateAlias", {"AliasName": "alias/app", "TargetKeyId": KEY_ARN}, repo, env) is None
    assert (
        core.call(
            "TagResource",
            {
                "KeyId": KEY_ID,
                "Tags": [{"TagKey": "Project", "TagValue": "Beta"}, {"TagKey": "Env", "TagValue": "dev"}],
            },
            repo,
            env,
        )
        is None
    )
    assert repo.get_tags(KEY_ID) == [Tag("Env", "dev"), Tag("Project", "Beta")]
    assert core.call("DescribeKey", {"KeyId": "alias/app"}, repo, env) == DescribeKeyResult(created.key_metadata)
    # Neither an alias nor a tag changes the key itself.
    assert stored_key(repo, KEY_ID).policy == DEFAULT_POLICY
