"""Every operation's declared access (`@operation(..., access=...)`) against what it does to the state.

Each operation runs once on a world where nothing is due and once on the same world after every
key's deletion date has passed, on a repository opened as a read that may have to write (the
session's first try for MAY_WRITE): a write there raises UpgradeNeeded, which is how the session
learns it must run the operation again as a writer. Identifiers come from a counter kept in the
state, as with KMSCLI_SEED, so drawing one is a write too. Then:
- READS never asks to write, in either world, and runs whole on a repository that refuses writes;
- MAY_WRITE asks to write only when something is due (or, for DescribeKey, when a predefined AWS
  alias has no key yet), never on the world where nothing is;
- WRITES asks to write whenever it succeeds.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding

from kmscli import core
from kmscli.core import api
from kmscli.core.model import KeyState
from kmscli.core.policy import default_key_policy
from kmscli.core.ports import Access, HsmError, UpgradeNeeded, WriteRefused

ACCOUNT = "111122223333"
REGION = "us-west-2"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
T0 = 1700000000.0
ANCHOR = "-----BEGIN CERTIFICATE-----\nMIIBkmscliTestTrustAnchor\n-----END CERTIFICATE-----\n"
CLUSTERS = ("cluster-234a567bcde", "cluster-234a567bcdf", "cluster-234a567bcdg")
PIN = "kmsPswd1"


class Cluster:
    """CloudHSM clusters as the core sees them (core/ports.py KeyStoreBackends): only what these runs use."""

    def cluster_trust_anchor(self, cluster_id: str) -> str | None:
        return ANCHOR if cluster_id in CLUSTERS else None

    def hsm_login(self, cluster_id: str, pin: str) -> None:
        if pin != PIN:
            raise HsmError("INVALID_CREDENTIALS")

    def hsm_random(self, cluster_id: str, pin: str, count: int) -> bytes:
        return bytes(count)


def make_env(now: float, repo: Any) -> core.Env:
    ids = itertools.count(1)
    randomness = itertools.count(1)

    def counted_ids(n: int) -> bytes:
        # As with KMSCLI_SEED, whose counter is kept in the state: drawing an identifier writes.
        Access.check_write(repo.access)
        return hashlib.sha256(f"ids-{next(ids)}".encode()).digest()[:n]

    def random_bytes(n: int) -> bytes:
        return hashlib.sha256(f"bytes-{next(randomness)}".encode()).digest()[:n].ljust(n, b"\0")

    return core.Env(
        account_id=ACCOUNT,
        region=REGION,
        caller_arn=ROOT,
        clock=lambda: now,
        random_bytes=random_bytes,
        id_bytes=counted_ids,
        generate_private_key=core.generate_private_key,
        key_stores=Cluster(),  # type: ignore[arg-type]  # the part of the protocol these runs use
    )


def _wrap(public_der: bytes, material: bytes) -> bytes:
    public: Any = serialization.load_der_public_key(public_der)
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    return bytes(public.encrypt(material, oaep))


def build_world() -> tuple[dict[Any, Any], dict[str, Any]]:
    """The keys, aliases, grants, import parameters and key stores the requests below name."""
    world: dict[Any, Any] = {}
    repo = core.InMemoryRepository(ACCOUNT, REGION, world)
    env = make_env(T0, repo)

    def call(operation: str, **params: Any) -> Any:
        return core.call(operation, params, repo, env)

    def key(**params: Any) -> str:
        return str(call("CreateKey", **params).key_metadata.key_id)

    w: dict[str, Any] = {
        "sym": key(),
        "sym2": key(),
        "off": key(),
        "doomed": key(),
        "rot": key(),
        "sign": key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY"),
        "mac": key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC"),
        "agree": key(KeySpec="ECC_NIST_P256", KeyUsage="KEY_AGREEMENT"),
        "kem": key(KeySpec="ML_KEM_768", KeyUsage="ENCAPSULATE_DECAPSULATE"),
        "ext": key(Origin="EXTERNAL"),
        "imported": key(Origin="EXTERNAL"),
        "mrk": key(MultiRegion=True),
        "mrk2": key(MultiRegion=True),
    }
    call("CreateAlias", AliasName="alias/sym", TargetKeyId=w["sym"])
    call("TagResource", KeyId=w["sym"], Tags=[{"TagKey": "k", "TagValue": "v"}])
    call("DisableKey", KeyId=w["off"])
    call("ScheduleKeyDeletion", KeyId=w["doomed"], PendingWindowInDays=7)
    call("EnableKeyRotation", KeyId=w["rot"])
    grant = call("CreateGrant", KeyId=w["sym"], GranteePrincipal=ROOT, RetiringPrincipal=ROOT, Operations=["Decrypt"])
    w["grant_id"], w["grant_token"] = grant.grant_id, grant.grant_token
    w["ciphertext"] = call("Encrypt", KeyId=w["sym"], Plaintext=b"p").ciphertext_blob
    w["signature"] = call("Sign", KeyId=w["sign"], Message=b"m", SigningAlgorithm="ECDSA_SHA_256").signature
    w["mac_value"] = call("GenerateMac", KeyId=w["mac"], Message=b"m", MacAlgorithm="HMAC_SHA_256").mac
    w["encapsulated"] = call(
        "Encapsulate", KeyId=w["kem"], EncapsulationAlgorithm="ML_KEM"
    ).shared_secret_ciphertext_blob
    for name in ("ext", "imported"):
        parameters = call(
            "GetParametersForImport",
            KeyId=w[name],
            WrappingAlgorithm="RSAES_OAEP_SHA_256",
            WrappingKeySpec="RSA_2048",
        )
        w[f"{name}_import"] = {
            "KeyId": w[name],
            "ImportToken": parameters.import_token,
            "EncryptedKeyMaterial": _wrap(parameters.public_key, bytes(range(32))),
            "ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE",
        }
    call("ImportKeyMaterial", **w["imported_import"])
    call("ReplicateKey", KeyId=w["mrk2"], ReplicaRegion="us-east-1")
    w["peer"] = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    for name, cluster in (("cks_off", CLUSTERS[0]), ("cks_on", CLUSTERS[1])):
        w[name] = call(
            "CreateCustomKeyStore",
            CustomKeyStoreName=name,
            CloudHsmClusterId=cluster,
            TrustAnchorCertificate=ANCHOR,
            KeyStorePassword=PIN,
        ).custom_key_store_id
    call("ConnectCustomKeyStore", CustomKeyStoreId=w["cks_on"])
    return world, w


# One request per operation (more where an operation has a second way to write), named from the world.
REQUESTS: dict[str, tuple[str, Callable[[dict[str, Any]], dict[str, Any]]]] = {
    "CreateKey": ("CreateKey", lambda w: {}),
    "DescribeKey": ("DescribeKey", lambda w: {"KeyId": w["sym"]}),
    "DescribeKey-aws-alias": ("DescribeKey", lambda w: {"KeyId": "alias/aws/s3"}),
    "ListKeys": ("ListKeys", lambda w: {}),
    "GetKeyPolicy": ("GetKeyPolicy", lambda w: {"KeyId": w["sym"], "PolicyName": "default"}),
    "PutKeyPolicy": ("PutKeyPolicy", lambda w: {"KeyId": w["sym"], "Policy": default_key_policy("aws", ACCOUNT)}),
    "ListKeyPolicies": ("ListKeyPolicies", lambda w: {"KeyId": w["sym"]}),
    "CreateAlias": ("CreateAlias", lambda w: {"AliasName": "alias/new", "TargetKeyId": w["sym"]}),
    "UpdateAlias": ("UpdateAlias", lambda w: {"AliasName": "alias/sym", "TargetKeyId": w["sym2"]}),
    "DeleteAlias": ("DeleteAlias", lambda w: {"AliasName": "alias/sym"}),
    "ListAliases": ("ListAliases", lambda w: {}),
    "TagResource": ("TagResource", lambda w: {"KeyId": w["sym"], "Tags": [{"TagKey": "k2", "TagValue": "v"}]}),
    "UntagResource": ("UntagResource", lambda w: {"KeyId": w["sym"], "TagKeys": ["k"]}),
    "ListResourceTags": ("ListResourceTags", lambda w: {"KeyId": w["sym"]}),
    "UpdateKeyDescription": ("UpdateKeyDescription", lambda w: {"KeyId": w["sym"], "Description": "d"}),
    "EnableKey": ("EnableKey", lambda w: {"KeyId": w["off"]}),
    "DisableKey": ("DisableKey", lambda w: {"KeyId": w["sym"]}),
    "ScheduleKeyDeletion": ("ScheduleKeyDeletion", lambda w: {"KeyId": w["sym"], "PendingWindowInDays": 7}),
    "CancelKeyDeletion": ("CancelKeyDeletion", lambda w: {"KeyId": w["doomed"]}),
    "EnableKeyRotation": ("EnableKeyRotation", lambda w: {"KeyId": w["sym"]}),
    "DisableKeyRotation": ("DisableKeyRotation", lambda w: {"KeyId": w["rot"]}),
    "GetKeyRotationStatus": ("GetKeyRotationStatus", lambda w: {"KeyId": w["sym"]}),
    "RotateKeyOnDemand": ("RotateKeyOnDemand", lambda w: {"KeyId": w["sym"]}),
    "ListKeyRotations": ("ListKeyRotations", lambda w: {"KeyId": w["rot"]}),
    "GetParametersForImport": (
        "GetParametersForImport",
        lambda w: {"KeyId": w["ext"], "WrappingAlgorithm": "RSAES_OAEP_SHA_256", "WrappingKeySpec": "RSA_2048"},
    ),
    "ImportKeyMaterial": ("ImportKeyMaterial", lambda w: w["ext_import"]),
    "DeleteImportedKeyMaterial": ("DeleteImportedKeyMaterial", lambda w: {"KeyId": w["imported"]}),
    "ReplicateKey": ("ReplicateKey", lambda w: {"KeyId": w["mrk"], "ReplicaRegion": "eu-west-1"}),
    "UpdatePrimaryRegion": ("UpdatePrimaryRegion", lambda w: {"KeyId": w["mrk2"], "PrimaryRegion": "us-east-1"}),
    "CreateGrant": ("CreateGrant", lambda w: {"KeyId": w["sym"], "GranteePrincipal": ROOT, "Operations": ["Encrypt"]}),
    "ListGrants": ("ListGrants", lambda w: {"KeyId": w["sym"]}),
    "ListRetirableGrants": ("ListRetirableGrants", lambda w: {"RetiringPrincipal": ROOT}),
    "RetireGrant": ("RetireGrant", lambda w: {"GrantToken": w["grant_token"]}),
    "RevokeGrant": ("RevokeGrant", lambda w: {"KeyId": w["sym"], "GrantId": w["grant_id"]}),
    "Encrypt": ("Encrypt", lambda w: {"KeyId": w["sym"], "Plaintext": b"p"}),
    "Decrypt": ("Decrypt", lambda w: {"CiphertextBlob": w["ciphertext"]}),
    "ReEncrypt": ("ReEncrypt", lambda w: {"CiphertextBlob": w["ciphertext"], "DestinationKeyId": w["sym2"]}),
    "GenerateDataKey": ("GenerateDataKey", lambda w: {"KeyId": w["sym"], "KeySpec": "AES_256"}),
    "GenerateDataKeyWithoutPlaintext": (
        "GenerateDataKeyWithoutPlaintext",
        lambda w: {"KeyId": w["sym"], "NumberOfBytes": 16},
    ),
    "GenerateDataKeyPair": ("GenerateDataKeyPair", lambda w: {"KeyId": w["sym"], "KeyPairSpec": "ECC_NIST_P256"}),
    "GenerateDataKeyPairWithoutPlaintext": (
        "GenerateDataKeyPairWithoutPlaintext",
        lambda w: {"KeyId": w["sym"], "KeyPairSpec": "ECC_NIST_P256"},
    ),
    "GenerateRandom": ("GenerateRandom", lambda w: {"NumberOfBytes": 16}),
    "GenerateRandom-key-store": ("GenerateRandom", lambda w: {"NumberOfBytes": 16, "CustomKeyStoreId": w["cks_on"]}),
    "Sign": ("Sign", lambda w: {"KeyId": w["sign"], "Message": b"m", "SigningAlgorithm": "ECDSA_SHA_256"}),
    "Verify": (
        "Verify",
        lambda w: {
            "KeyId": w["sign"],
            "Message": b"m",
            "Signature": w["signature"],
            "SigningAlgorithm": "ECDSA_SHA_256",
        },
    ),
    "GetPublicKey": ("GetPublicKey", lambda w: {"KeyId": w["sign"]}),
    "GenerateMac": ("GenerateMac", lambda w: {"KeyId": w["mac"], "Message": b"m", "MacAlgorithm": "HMAC_SHA_256"}),
    "VerifyMac": (
        "VerifyMac",
        lambda w: {"KeyId": w["mac"], "Message": b"m", "Mac": w["mac_value"], "MacAlgorithm": "HMAC_SHA_256"},
    ),
    "DeriveSharedSecret": (
        "DeriveSharedSecret",
        lambda w: {"KeyId": w["agree"], "KeyAgreementAlgorithm": "ECDH", "PublicKey": w["peer"]},
    ),
    "Encapsulate": ("Encapsulate", lambda w: {"KeyId": w["kem"], "EncapsulationAlgorithm": "ML_KEM"}),
    "Decapsulate": (
        "Decapsulate",
        lambda w: {
            "KeyId": w["kem"],
            "SharedSecretCiphertextBlob": w["encapsulated"],
            "EncapsulationAlgorithm": "ML_KEM",
        },
    ),
    "GetKeyLastUsage": ("GetKeyLastUsage", lambda w: {"KeyId": w["sym"]}),
    "CreateCustomKeyStore": (
        "CreateCustomKeyStore",
        lambda w: {
            "CustomKeyStoreName": "new",
            "CloudHsmClusterId": CLUSTERS[2],
            "TrustAnchorCertificate": ANCHOR,
            "KeyStorePassword": PIN,
        },
    ),
    "DescribeCustomKeyStores": ("DescribeCustomKeyStores", lambda w: {}),
    "UpdateCustomKeyStore": (
        "UpdateCustomKeyStore",
        lambda w: {"CustomKeyStoreId": w["cks_off"], "NewCustomKeyStoreName": "renamed"},
    ),
    "DeleteCustomKeyStore": ("DeleteCustomKeyStore", lambda w: {"CustomKeyStoreId": w["cks_off"]}),
    "ConnectCustomKeyStore": ("ConnectCustomKeyStore", lambda w: {"CustomKeyStoreId": w["cks_off"]}),
    "DisconnectCustomKeyStore": ("DisconnectCustomKeyStore", lambda w: {"CustomKeyStoreId": w["cks_on"]}),
}
# Where nothing is due, these must write: DescribeKey makes the AWS managed key of a predefined alias.
WRITES_WHEN_NOTHING_IS_DUE = {"DescribeKey-aws-alias"}


@pytest.fixture(scope="module")
def prepared() -> tuple[dict[Any, Any], dict[str, Any]]:
    return build_world()


def due(world: dict[Any, Any]) -> dict[Any, Any]:
    """The same world a day after every key's deletion date: reading any key must delete it."""
    world = copy.deepcopy(world)
    for region in world.values():
        for key_id, key in region.keys.items():
            region.keys[key_id] = key._replace(key_state=KeyState.PendingDeletion, deletion_date=T0 + 1)
    return world


def run(world: dict[Any, Any], w: dict[str, Any], case: str, access: str, now: float) -> str:
    """'wrote' if the operation asked its repository to write, else how it ended without writing."""
    operation, request = REQUESTS[case]
    repo = core.InMemoryRepository(ACCOUNT, REGION, copy.deepcopy(world), access=access)
    try:
        core.call(operation, request(w), repo, make_env(now, repo))
    except UpgradeNeeded:
        return "wrote"
    except core.KmsError as e:
        return e.code
    return "read"


def test_every_operation_has_a_request_here() -> None:
    assert sorted({operation for operation, _ in REQUESTS.values()}) == sorted(api.MODULES)


def test_an_access_is_one_of_the_three() -> None:
    with pytest.raises(ValueError, match=r"^access must be one of reads, may write, writes, not 'write'$"):
        api.operation(dict, access="write")  # type: ignore[arg-type]


@pytest.mark.parametrize("case", sorted(REQUESTS))
def test_the_declared_access_is_what_the_operation_does(
    prepared: tuple[dict[Any, Any], dict[str, Any]], case: str
) -> None:
    world, w = prepared
    declared = api.get_operation(REQUESTS[case][0]).access
    # Nothing due: a second after the world was made (nothing expires or rotates within a second).
    steady = run(world, w, case, Access.MAY_WRITE, T0 + 1)
    # Every key's deletion date passed a day ago.
    overdue = run(due(world), w, case, Access.MAY_WRITE, T0 + 86400)
    if declared == Access.WRITES:
        assert steady == "wrote"
    elif declared == Access.MAY_WRITE:
        assert (steady, overdue) == ("wrote" if case in WRITES_WHEN_NOTHING_IS_DUE else "read", "wrote")
    else:
        assert (steady, overdue) == ("read", "read")


@pytest.mark.parametrize(
    "case", sorted(c for c, (operation, _) in REQUESTS.items() if api.get_operation(operation).access == Access.READS)
)
def test_an_operation_that_only_reads_runs_whole_on_a_repository_that_refuses_writes(
    prepared: tuple[dict[Any, Any], dict[str, Any]], case: str
) -> None:
    world, w = prepared
    assert run(world, w, case, Access.READS, T0 + 1) == "read"
    assert run(due(world), w, case, Access.READS, T0 + 86400) == "read"


def test_a_write_from_an_operation_declared_as_reading_is_refused(
    prepared: tuple[dict[Any, Any], dict[str, Any]],
) -> None:
    """The port against a wrong declaration: were DescribeKey declared READS, it could not make its managed key."""
    world, w = prepared
    with pytest.raises(WriteRefused):
        run(world, w, "DescribeKey-aws-alias", Access.READS, T0 + 1)
