"""Multi-Region keys through the command line: replicate-key, update-primary-region, deletion of replicas and
primaries, and the set kept in step (configuration, material, rotation) across Regions of one state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conformance import assert_conforms
from tests.kms_session import DAY, START, KmsSession, arn, b64, needs, parse_symmetric_blob, write

PRIMARY = "us-west-2"  # the session's Region
EU = "eu-west-1"
AP = "ap-southeast-2"

DEFAULT_POLICY = (
    '{\n  "Version" : "2012-10-17",\n  "Id" : "key-default-1",\n  "Statement" : [ {\n'
    '    "Sid" : "Enable IAM policies",\n    "Effect" : "Allow",\n    "Principal" : {\n'
    '      "AWS" : "arn:aws:iam::111122223333:root"\n    },\n    "Action" : "kms:*",\n    "Resource" : "*"\n  } ]\n}'
)


def create_primary(kms: KmsSession, *args: str) -> str:
    doc = kms.ok("create-key", "--multi-region", *args)
    return str(doc["KeyMetadata"]["KeyId"])


def replicate(kms: KmsSession, key_id: str, region: str, *args: str, source: str = PRIMARY) -> dict[str, Any]:
    return dict(kms.ok("replicate-key", "--key-id", key_id, "--replica-region", region, "--region", source, *args))


def describe(kms: KmsSession, key_id: str, region: str) -> dict[str, Any]:
    return dict(kms.ok("describe-key", "--key-id", key_id, "--region", region)["KeyMetadata"])


def configuration(key_id: str, kind: str, primary: str, replicas: list[str]) -> dict[str, Any]:
    return {
        "MultiRegionKeyType": kind,
        "PrimaryKey": {"Arn": arn(key_id, primary), "Region": primary},
        "ReplicaKeys": [{"Arn": arn(key_id, r), "Region": r} for r in replicas],
    }


def symmetric_metadata(key_id: str, region: str, created: float, state: str, config: dict[str, Any]) -> dict[str, Any]:
    return {
        "AWSAccountId": "111122223333",
        "KeyId": key_id,
        "Arn": arn(key_id, region),
        "CreationDate": created,
        "Enabled": state == "Enabled",
        "Description": "",
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeyState": state,
        "Origin": "AWS_KMS",
        "KeyManager": "CUSTOMER",
        "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
        "MultiRegion": True,
        "MultiRegionConfiguration": config,
    }


# ---------------------------------------------------------------- ReplicateKey


def test_replicate_key_answers_the_replica_creating(kms: KmsSession) -> None:
    # Without --tags there is no ReplicaTags member: botocore's model (ReplicateKeyResponse) does not
    # require it, and live KMS leaves it out (botocore's examples-1.json shows [], a hand-written example).
    key_id = create_primary(kms)
    assert key_id.startswith("mrk-")
    kms.advance(60)
    doc = replicate(kms, key_id, EU)
    assert_conforms("ReplicateKey", doc)
    assert doc == {
        "ReplicaKeyMetadata": symmetric_metadata(
            key_id, EU, START + 60, "Creating", configuration(key_id, "REPLICA", PRIMARY, [EU])
        ),
        "ReplicaPolicy": DEFAULT_POLICY,
    }
    # The next command finds it Enabled.
    assert describe(kms, key_id, EU) == symmetric_metadata(
        key_id, EU, START + 60, "Enabled", configuration(key_id, "REPLICA", PRIMARY, [EU])
    )


def test_every_member_shows_the_same_configuration(kms: KmsSession) -> None:
    key_id = create_primary(kms, "--description", "primary")
    replicate(kms, key_id, EU, "--description", "in Europe", "--tags", "TagKey=site,TagValue=eu")
    replicate(kms, key_id, AP)
    members = {region: describe(kms, key_id, region) for region in (PRIMARY, EU, AP)}
    for region, metadata in members.items():
        assert_conforms("DescribeKey", {"KeyMetadata": metadata})
        kind = "PRIMARY" if region == PRIMARY else "REPLICA"
        assert metadata["MultiRegionConfiguration"] == configuration(key_id, kind, PRIMARY, [EU, AP])
        assert (metadata["KeyId"], metadata["Arn"], metadata["KeyState"]) == (key_id, arn(key_id, region), "Enabled")
    assert [members[r]["Description"] for r in (PRIMARY, EU, AP)] == ["primary", "in Europe", ""]
    # Tags and policies belong to each member.
    assert kms.ok("list-resource-tags", "--key-id", key_id, "--region", EU)["Tags"] == [
        {"TagKey": "site", "TagValue": "eu"}
    ]
    assert kms.ok("list-resource-tags", "--key-id", key_id)["Tags"] == []


def test_replica_policy_and_tags_are_its_own(kms: KmsSession) -> None:
    key_id = create_primary(kms)
    policy = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
        '"Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}]}'
    )
    doc = replicate(kms, key_id, EU, "--policy", policy, "--tags", "TagKey=b,TagValue=2", "TagKey=a,TagValue=1")
    assert (doc["ReplicaPolicy"], doc["ReplicaTags"]) == (
        policy,
        [{"TagKey": "a", "TagValue": "1"}, {"TagKey": "b", "TagValue": "2"}],
    )
    assert kms.ok("get-key-policy", "--key-id", key_id, "--policy-name", "default", "--region", EU) == {
        "Policy": policy
    }
    assert kms.ok("get-key-policy", "--key-id", key_id, "--policy-name", "default") == {"Policy": DEFAULT_POLICY}


def test_replicate_key_refusals(kms: KmsSession) -> None:
    single = kms.ok("create-key")["KeyMetadata"]["KeyId"]
    key_id = create_primary(kms)
    replicate(kms, key_id, EU)
    not_primary = "UnsupportedOperationException"
    assert kms.error("replicate-key", "--key-id", single, "--replica-region", EU) == (
        not_primary,
        f"{arn(single)} is not a multi-region primary key.",
    )
    assert kms.error("replicate-key", "--key-id", key_id, "--replica-region", AP, "--region", EU) == (
        not_primary,
        f"{arn(key_id, EU)} is not a multi-region primary key.",
    )
    assert kms.error("replicate-key", "--key-id", key_id, "--replica-region", EU) == (
        "AlreadyExistsException",
        f"Unable to replicate key {key_id} to region {EU}, as the key already exist there",
    )
    assert kms.error("replicate-key", "--key-id", key_id, "--replica-region", PRIMARY) == (
        "ValidationException",
        f"The replica Region {PRIMARY} is the Region of the primary key {arn(key_id)}.",
    )
    assert kms.error("replicate-key", "--key-id", key_id, "--replica-region", "Mars") == (
        "ValidationException",
        "1 validation error detected: Value 'Mars' at 'replicaRegion' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: ^([a-z]+-){2,3}\\d+$",
    )
    assert kms.error(
        "replicate-key", "--key-id", key_id, "--replica-region", AP, "--tags", "TagKey=aws:x,TagValue=1"
    ) == (
        "TagException",
        "Tags beginning with aws: are reserved",
    )
    lockout = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
        '"Principal": {"AWS": "arn:aws:iam::111122223333:user/bob"}, "Action": "kms:*", "Resource": "*"}]}'
    )
    assert kms.error("replicate-key", "--key-id", key_id, "--replica-region", AP, "--policy", lockout) == (
        "MalformedPolicyDocumentException",
        "The new key policy will not allow you to update the key policy in the future.",
    )
    kms.ok("disable-key", "--key-id", key_id)
    assert kms.error("replicate-key", "--key-id", key_id, "--replica-region", AP) == (
        "DisabledException",
        f"{arn(key_id)} is disabled.",
    )
    kms.ok("schedule-key-deletion", "--key-id", key_id, "--pending-window-in-days", "7")
    assert kms.error("replicate-key", "--key-id", key_id, "--replica-region", AP) == (
        "KMSInvalidStateException",
        f"{arn(key_id)} is pending deletion.",
    )
    # Nothing was created by the refusals.
    assert kms.ok("list-keys", "--region", AP) == {"Keys": []}
    assert describe(kms, key_id, EU)["MultiRegionConfiguration"] == configuration(key_id, "REPLICA", PRIMARY, [EU])


def test_a_replica_of_a_disabled_replica_source_is_still_refused_as_not_primary(kms: KmsSession) -> None:
    key_id = create_primary(kms)
    replicate(kms, key_id, EU)
    kms.ok("disable-key", "--key-id", key_id, "--region", EU)
    assert kms.error("replicate-key", "--key-id", key_id, "--replica-region", AP, "--region", EU) == (
        "DisabledException",
        f"{arn(key_id, EU)} is disabled.",
    )


def test_replica_state_is_its_own(kms: KmsSession) -> None:
    key_id = create_primary(kms)
    replicate(kms, key_id, EU)
    kms.ok("disable-key", "--key-id", key_id, "--region", EU)
    assert (describe(kms, key_id, PRIMARY)["KeyState"], describe(kms, key_id, EU)["KeyState"]) == (
        "Enabled",
        "Disabled",
    )


# ---------------------------------------------------------------- the same material in every Region


@needs("encrypt", "decrypt")
def test_a_ciphertext_made_in_one_region_decrypts_in_every_other(kms: KmsSession, tmp_path: Path) -> None:
    key_id = create_primary(kms)
    replicate(kms, key_id, EU)
    replicate(kms, key_id, AP)
    regions = (PRIMARY, EU, AP)
    for source in regions:
        doc = kms.ok(
            "encrypt",
            "--key-id",
            key_id,
            "--plaintext",
            f"from {source}",
            "--encryption-context",
            "k=v",
            "--region",
            source,
        )
        assert doc["KeyId"] == arn(key_id, source)
        blob = write(tmp_path / f"{source}.bin", b64(doc["CiphertextBlob"]))
        for target in regions:
            decrypted = kms.ok("decrypt", "--ciphertext-blob", blob, "--encryption-context", "k=v", "--region", target)
            assert (decrypted["KeyId"], b64(decrypted["Plaintext"])) == (arn(key_id, target), f"from {source}".encode())


@needs("encrypt", "decrypt")
def test_a_ciphertext_of_a_single_region_key_does_not_decrypt_elsewhere(kms: KmsSession, tmp_path: Path) -> None:
    key_id = kms.ok("create-key")["KeyMetadata"]["KeyId"]
    blob = b64(kms.ok("encrypt", "--key-id", key_id, "--plaintext", "here only")["CiphertextBlob"])
    assert kms.error("decrypt", "--ciphertext-blob", write(tmp_path / "c.bin", blob), "--region", EU) == (
        "NotFoundException",
        f"Key '{arn(key_id, EU)}' does not exist",
    )


@needs("encrypt", "decrypt")
def test_rsa_ciphertexts_decrypt_across_regions(kms: KmsSession, tmp_path: Path) -> None:
    key_id = create_primary(kms, "--key-spec", "RSA_2048", "--key-usage", "ENCRYPT_DECRYPT")
    replicate(kms, key_id, EU)
    doc = kms.ok(
        "encrypt",
        "--key-id",
        key_id,
        "--plaintext",
        "rsa",
        "--encryption-algorithm",
        "RSAES_OAEP_SHA_256",
        "--region",
        EU,
    )
    decrypted = kms.ok(
        "decrypt",
        "--key-id",
        key_id,
        "--ciphertext-blob",
        write(tmp_path / "c.bin", b64(doc["CiphertextBlob"])),
        "--encryption-algorithm",
        "RSAES_OAEP_SHA_256",
    )
    assert b64(decrypted["Plaintext"]) == b"rsa"


@needs("sign", "verify", "get-public-key")
@pytest.mark.parametrize(
    ("key_spec", "algorithm"),
    [
        ("ECC_NIST_P256", "ECDSA_SHA_256"),
        ("RSA_2048", "RSASSA_PSS_SHA_256"),
        ("ECC_NIST_EDWARDS25519", "ED25519_SHA_512"),
    ],
)
def test_signatures_verify_across_regions(kms: KmsSession, tmp_path: Path, key_spec: str, algorithm: str) -> None:
    key_id = create_primary(kms, "--key-spec", key_spec, "--key-usage", "SIGN_VERIFY")
    replicate(kms, key_id, EU)
    public_keys = {r: kms.ok("get-public-key", "--key-id", key_id, "--region", r)["PublicKey"] for r in (PRIMARY, EU)}
    assert public_keys[PRIMARY] == public_keys[EU]
    for source, target in ((PRIMARY, EU), (EU, PRIMARY)):
        signed = kms.ok(
            "sign", "--key-id", key_id, "--message", "hello", "--signing-algorithm", algorithm, "--region", source
        )
        signature = write(tmp_path / "sig.bin", b64(signed["Signature"]))
        verified = kms.ok(
            "verify",
            "--key-id",
            key_id,
            "--message",
            "hello",
            "--signing-algorithm",
            algorithm,
            "--signature",
            signature,
            "--region",
            target,
        )
        assert verified == {"KeyId": arn(key_id, target), "SignatureValid": True, "SigningAlgorithm": algorithm}


@needs("generate-mac", "verify-mac")
def test_macs_verify_across_regions(kms: KmsSession, tmp_path: Path) -> None:
    key_id = create_primary(kms, "--key-spec", "HMAC_256", "--key-usage", "GENERATE_VERIFY_MAC")
    replicate(kms, key_id, EU)
    mac = kms.ok("generate-mac", "--key-id", key_id, "--message", "m", "--mac-algorithm", "HMAC_SHA_256")["Mac"]
    verified = kms.ok(
        "verify-mac",
        "--key-id",
        key_id,
        "--message",
        "m",
        "--mac-algorithm",
        "HMAC_SHA_256",
        "--mac",
        write(tmp_path / "mac.bin", b64(mac)),
        "--region",
        EU,
    )
    assert verified == {"KeyId": arn(key_id, EU), "MacValid": True, "MacAlgorithm": "HMAC_SHA_256"}


# ---------------------------------------------------------------- rotation is the primary's, shared by the set


@needs("encrypt", "decrypt")
def test_on_demand_rotation_of_the_primary_reaches_the_replicas(kms: KmsSession, tmp_path: Path) -> None:
    key_id = create_primary(kms)
    replicate(kms, key_id, EU)
    before = parse_symmetric_blob(b64(kms.ok("encrypt", "--key-id", key_id, "--plaintext", "a")["CiphertextBlob"]))
    kms.ok("rotate-key-on-demand", "--key-id", key_id)
    rotated = kms.ok("list-key-rotations", "--key-id", key_id)["Rotations"]
    assert [r["RotationType"] for r in rotated] == ["ON_DEMAND"]
    doc = kms.ok("encrypt", "--key-id", key_id, "--plaintext", "b", "--region", EU)
    blob = parse_symmetric_blob(b64(doc["CiphertextBlob"]))
    assert blob["material_id"] == rotated[0]["KeyMaterialId"] != before["material_id"]
    decrypted = kms.ok("decrypt", "--ciphertext-blob", write(tmp_path / "b.bin", b64(doc["CiphertextBlob"])))
    assert b64(decrypted["Plaintext"]) == b"b"
    assert kms.error("rotate-key-on-demand", "--key-id", key_id, "--region", EU) == (
        "UnsupportedOperationException",
        f"{arn(key_id, EU)} is not a multi-region primary key.",
    )


@needs("encrypt", "decrypt")
def test_automatic_rotation_is_seen_first_from_a_replica(kms: KmsSession, tmp_path: Path) -> None:
    key_id = create_primary(kms)
    replicate(kms, key_id, EU)
    kms.ok("enable-key-rotation", "--key-id", key_id, "--rotation-period-in-days", "90")
    status = kms.ok("get-key-rotation-status", "--key-id", key_id, "--region", EU)
    assert status == {
        "KeyRotationEnabled": True,
        "KeyId": arn(key_id, EU),
        "RotationPeriodInDays": 90,
        "NextRotationDate": START + 90 * DAY,
    }
    assert kms.error("enable-key-rotation", "--key-id", key_id, "--region", EU) == (
        "UnsupportedOperationException",
        f"{arn(key_id, EU)} is not a multi-region primary key.",
    )
    kms.advance(91 * DAY)
    # The replica is used before anything reads the primary: the rotation still happens, once, on the primary.
    doc = kms.ok("encrypt", "--key-id", key_id, "--plaintext", "after", "--region", EU)
    rotated = kms.ok("list-key-rotations", "--key-id", key_id)["Rotations"]
    assert [(r["RotationType"], r["RotationDate"]) for r in rotated] == [("AUTOMATIC", START + 90 * DAY)]
    assert parse_symmetric_blob(b64(doc["CiphertextBlob"]))["material_id"] == rotated[0]["KeyMaterialId"]
    decrypted = kms.ok("decrypt", "--ciphertext-blob", write(tmp_path / "c.bin", b64(doc["CiphertextBlob"])))
    assert b64(decrypted["Plaintext"]) == b"after"
    assert kms.ok("get-key-rotation-status", "--key-id", key_id, "--region", EU)["NextRotationDate"] == (
        START + 180 * DAY
    )


# ---------------------------------------------------------------- UpdatePrimaryRegion


def test_update_primary_region_swaps_roles_in_every_member(kms: KmsSession) -> None:
    key_id = create_primary(kms)
    replicate(kms, key_id, EU)
    replicate(kms, key_id, AP)
    assert kms.run("update-primary-region", "--key-id", key_id, "--primary-region", EU).stdout == ""
    for region in (PRIMARY, EU, AP):
        kind = "PRIMARY" if region == EU else "REPLICA"
        assert describe(kms, key_id, region)["MultiRegionConfiguration"] == configuration(
            key_id, kind, EU, [AP, PRIMARY]
        )
    # The new primary replicates; the old one no longer can.
    replicate(kms, key_id, "us-east-1", source=EU)
    assert kms.error("replicate-key", "--key-id", key_id, "--replica-region", "ca-central-1") == (
        "UnsupportedOperationException",
        f"{arn(key_id)} is not a multi-region primary key.",
    )
    assert describe(kms, key_id, PRIMARY)["MultiRegionConfiguration"] == configuration(
        key_id, "REPLICA", EU, [AP, PRIMARY, "us-east-1"]
    )


def test_update_primary_region_refusals(kms: KmsSession) -> None:
    key_id = create_primary(kms)
    replicate(kms, key_id, EU)
    assert kms.error("update-primary-region", "--key-id", key_id, "--primary-region", AP) == (
        "NotFoundException",
        f"Key '{arn(key_id, AP)}' does not exist",
    )
    assert kms.error("update-primary-region", "--key-id", key_id, "--primary-region", PRIMARY) == (
        "ValidationException",
        f"{arn(key_id)} is already the primary key of its multi-Region key set.",
    )
    assert kms.error("update-primary-region", "--key-id", key_id, "--primary-region", PRIMARY, "--region", EU) == (
        "UnsupportedOperationException",
        f"{arn(key_id, EU)} is not a multi-region primary key.",
    )
    kms.ok("schedule-key-deletion", "--key-id", key_id, "--pending-window-in-days", "7", "--region", EU)
    assert kms.error("update-primary-region", "--key-id", key_id, "--primary-region", EU) == (
        "KMSInvalidStateException",
        f"{arn(key_id, EU)} is pending deletion.",
    )
    kms.ok("disable-key", "--key-id", key_id)
    assert kms.error("update-primary-region", "--key-id", key_id, "--primary-region", EU) == (
        "DisabledException",
        f"{arn(key_id)} is disabled.",
    )
    assert describe(kms, key_id, PRIMARY)["MultiRegionConfiguration"] == configuration(key_id, "PRIMARY", PRIMARY, [EU])


# ---------------------------------------------------------------- deleting members


def test_a_primary_waits_for_its_replicas_then_its_own_window_starts(kms: KmsSession) -> None:
    key_id = create_primary(kms)
    replicate(kms, key_id, EU)
    assert kms.ok("schedule-key-deletion", "--key-id", key_id, "--pending-window-in-days", "10") == {
        "KeyId": arn(key_id),
        "KeyState": "PendingReplicaDeletion",
        "PendingWindowInDays": 10,
    }
    primary = describe(kms, key_id, PRIMARY)
    assert (primary["KeyState"], primary["Enabled"], primary["PendingDeletionWindowInDays"]) == (
        "PendingReplicaDeletion",
        False,
        10,
    )
    assert "DeletionDate" not in primary
    kms.advance(DAY)
    replica_deletion = round(kms.now + 7 * DAY, 3)
    assert kms.ok("schedule-key-deletion", "--key-id", key_id, "--pending-window-in-days", "7", "--region", EU) == {
        "KeyId": arn(key_id, EU),
        "DeletionDate": replica_deletion,
        "KeyState": "PendingDeletion",
        "PendingWindowInDays": 7,
    }
    # A replica pending deletion is still a member.
    assert describe(kms, key_id, PRIMARY)["MultiRegionConfiguration"] == configuration(key_id, "PRIMARY", PRIMARY, [EU])

    kms.set_time(replica_deletion)
    # Reading the primary destroys the replica whose date passed; the primary's 10 days start then.
    primary = describe(kms, key_id, PRIMARY)
    assert (primary["KeyState"], primary["DeletionDate"]) == ("PendingDeletion", round(replica_deletion + 10 * DAY, 3))
    assert "PendingDeletionWindowInDays" not in primary
    assert primary["MultiRegionConfiguration"] == configuration(key_id, "PRIMARY", PRIMARY, [])
    assert kms.error("describe-key", "--key-id", key_id, "--region", EU) == (
        "NotFoundException",
        f"Key '{arn(key_id, EU)}' does not exist",
    )
    kms.set_time(replica_deletion + 10 * DAY)
    assert kms.ok("list-keys") == {"Keys": []}


def test_destroying_a_replica_seen_from_its_own_region_updates_the_set(kms: KmsSession) -> None:
    key_id = create_primary(kms)
    replicate(kms, key_id, EU)
    replicate(kms, key_id, AP)
    kms.ok("schedule-key-deletion", "--key-id", key_id, "--pending-window-in-days", "7", "--region", AP)
    kms.advance(7 * DAY)
    assert kms.ok("list-keys", "--region", AP) == {"Keys": []}
    for region in (PRIMARY, EU):
        kind = "PRIMARY" if region == PRIMARY else "REPLICA"
        assert describe(kms, key_id, region)["MultiRegionConfiguration"] == configuration(key_id, kind, PRIMARY, [EU])
    # The Region is free again for a new replica.
    assert replicate(kms, key_id, AP)["ReplicaKeyMetadata"]["KeyState"] == "Creating"


def test_a_region_whose_replica_reached_its_deletion_date_takes_a_new_replica(kms: KmsSession) -> None:
    key_id = create_primary(kms)
    replicate(kms, key_id, EU)
    kms.ok("schedule-key-deletion", "--key-id", key_id, "--pending-window-in-days", "7", "--region", EU)
    kms.advance(7 * DAY)
    # Nothing has read the replica since its date passed; replicate-key itself sees it gone.
    assert replicate(kms, key_id, EU)["ReplicaKeyMetadata"]["CreationDate"] == START + 7 * DAY
    assert describe(kms, key_id, PRIMARY)["MultiRegionConfiguration"] == configuration(key_id, "PRIMARY", PRIMARY, [EU])


def test_cancelling_a_primary_waiting_for_its_replicas(kms: KmsSession) -> None:
    key_id = create_primary(kms)
    replicate(kms, key_id, EU)
    kms.ok("schedule-key-deletion", "--key-id", key_id)
    assert kms.ok("cancel-key-deletion", "--key-id", key_id) == {"KeyId": arn(key_id)}
    primary = describe(kms, key_id, PRIMARY)
    assert (primary["KeyState"], "PendingDeletionWindowInDays" in primary) == ("Disabled", False)


# ---------------------------------------------------------------- imported material in a set


@needs("encrypt", "decrypt")
def test_a_replica_of_an_external_key_takes_the_same_material(kms: KmsSession, tmp_path: Path) -> None:
    from tests.imports.helpers import Parameters, import_args, import_material, material_id, wrap

    material = bytes(range(32))
    key_id = create_primary(kms, "--origin", "EXTERNAL")
    import_material(kms, tmp_path, key_id, material)
    doc = replicate(kms, key_id, EU)
    assert (doc["ReplicaKeyMetadata"]["KeyState"], doc["ReplicaKeyMetadata"]["Origin"]) == ("Creating", "EXTERNAL")
    assert describe(kms, key_id, EU)["KeyState"] == "PendingImport"

    def import_into_replica(data: bytes, *extra: str) -> list[str]:
        eu = Parameters(
            kms.ok(
                "get-parameters-for-import",
                "--key-id",
                key_id,
                "--wrapping-algorithm",
                "RSAES_OAEP_SHA_256",
                "--wrapping-key-spec",
                "RSA_2048",
                "--region",
                EU,
            )
        )
        return import_args(tmp_path, key_id, eu, wrap(eu.public_key, "RSAES_OAEP_SHA_256", data), extra=extra)

    assert kms.error(*import_into_replica(bytes(range(1, 33))), "--region", EU) == (
        "IncorrectKeyMaterialException",
        "The key material is not associated with this KMS key",
    )
    assert kms.error(*import_into_replica(material, "--import-type", "NEW_KEY_MATERIAL"), "--region", EU) == (
        "ValidationException",
        "New key material must be imported into the primary Region key; "
        "a replica key takes it with ImportType EXISTING_KEY_MATERIAL",
    )
    assert kms.ok(*import_into_replica(material), "--region", EU) == {
        "KeyId": arn(key_id, EU),
        "KeyMaterialId": material_id(key_id, material),
    }
    assert describe(kms, key_id, EU)["KeyState"] == "Enabled"
    blob = b64(kms.ok("encrypt", "--key-id", key_id, "--plaintext", "ext", "--region", EU)["CiphertextBlob"])
    decrypted = kms.ok("decrypt", "--ciphertext-blob", write(tmp_path / "c.bin", blob))
    assert b64(decrypted["Plaintext"]) == b"ext"
