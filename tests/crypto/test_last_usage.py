"""GetKeyLastUsage: every successful cryptographic operation is recorded on the keys it used.

The operations, the answer's members and the rules come from botocore's model (GetKeyLastUsage,
KeyLastUsageData, KeyLastUsageTrackingOperation) and the API reference:
https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyLastUsage.html
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from kmscli import core, output
from kmscli.core.errors import KmsError
from tests.conformance import assert_conforms
from tests.kms_session import KmsSession, make_session

T0 = 1700000000.0
T1 = T0 + 3600


def at(env: core.Env, when: float) -> core.Env:
    return env._replace(clock=lambda: when)


def new_key(repo: core.InMemoryRepository, env: core.Env, spec: str = "SYMMETRIC_DEFAULT", usage: str = "") -> str:
    params: dict[str, Any] = {"KeySpec": spec, **({"KeyUsage": usage} if usage else {})}
    return str(core.call("CreateKey", params, repo, env).key_metadata.key_id)


def last_usage(repo: core.InMemoryRepository, env: core.Env, key_id: str) -> dict[str, Any]:
    document = output.result_document(
        "GetKeyLastUsageResponse", core.call("GetKeyLastUsage", {"KeyId": key_id}, repo, env)
    )
    assert_conforms("GetKeyLastUsage", document)
    return dict(document)


def _public_key_der() -> bytes:
    return (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    )


# Each tracked operation, run successfully: (operation, key spec, key usage, its parameters for a key).
def _runs(repo: core.InMemoryRepository, env: core.Env) -> dict[str, Callable[[str], Any]]:
    def call(operation: str, **params: Any) -> Any:
        return core.call(operation, params, repo, env)

    def ciphertext(key_id: str) -> bytes:
        return bytes(call("Encrypt", KeyId=key_id, Plaintext=b"p").ciphertext_blob)

    def signature(key_id: str) -> bytes:
        return bytes(call("Sign", KeyId=key_id, Message=b"m", SigningAlgorithm="ECDSA_SHA_256").signature)

    def mac(key_id: str) -> bytes:
        return bytes(call("GenerateMac", KeyId=key_id, Message=b"m", MacAlgorithm="HMAC_SHA_256").mac)

    def encapsulated(key_id: str) -> bytes:
        return bytes(call("Encapsulate", KeyId=key_id, EncapsulationAlgorithm="ML_KEM").shared_secret_ciphertext_blob)

    return {
        "Encrypt": lambda k: call("Encrypt", KeyId=k, Plaintext=b"p"),
        "Decrypt": lambda k: call("Decrypt", CiphertextBlob=ciphertext(k)),
        "GenerateDataKey": lambda k: call("GenerateDataKey", KeyId=k, KeySpec="AES_256"),
        "GenerateDataKeyWithoutPlaintext": lambda k: call("GenerateDataKeyWithoutPlaintext", KeyId=k, NumberOfBytes=16),
        "GenerateDataKeyPair": lambda k: call("GenerateDataKeyPair", KeyId=k, KeyPairSpec="ECC_NIST_P256"),
        "GenerateDataKeyPairWithoutPlaintext": lambda k: call(
            "GenerateDataKeyPairWithoutPlaintext", KeyId=k, KeyPairSpec="ECC_NIST_P256"
        ),
        "Sign": lambda k: call("Sign", KeyId=k, Message=b"m", SigningAlgorithm="ECDSA_SHA_256"),
        "Verify": lambda k: call(
            "Verify", KeyId=k, Message=b"m", Signature=signature(k), SigningAlgorithm="ECDSA_SHA_256"
        ),
        "GenerateMac": lambda k: call("GenerateMac", KeyId=k, Message=b"m", MacAlgorithm="HMAC_SHA_256"),
        "VerifyMac": lambda k: call("VerifyMac", KeyId=k, Message=b"m", Mac=mac(k), MacAlgorithm="HMAC_SHA_256"),
        "DeriveSharedSecret": lambda k: call(
            "DeriveSharedSecret", KeyId=k, KeyAgreementAlgorithm="ECDH", PublicKey=_public_key_der()
        ),
        "Encapsulate": lambda k: call("Encapsulate", KeyId=k, EncapsulationAlgorithm="ML_KEM"),
        "Decapsulate": lambda k: call(
            "Decapsulate", KeyId=k, SharedSecretCiphertextBlob=encapsulated(k), EncapsulationAlgorithm="ML_KEM"
        ),
    }


# The key each operation needs, when not a symmetric encryption key.
KEYS = {
    **dict.fromkeys(("Sign", "Verify"), ("ECC_NIST_P256", "SIGN_VERIFY")),
    **dict.fromkeys(("GenerateMac", "VerifyMac"), ("HMAC_256", "GENERATE_VERIFY_MAC")),
    **dict.fromkeys(("Encapsulate", "Decapsulate"), ("ML_KEM_768", "ENCAPSULATE_DECAPSULATE")),
    "DeriveSharedSecret": ("ECC_NIST_P256", "KEY_AGREEMENT"),
}
TRACKED = [op for op in core.SHAPES["KeyLastUsageTrackingOperation"]["enum"] if op != "ReEncrypt"]


def test_a_new_key_has_an_empty_last_usage_and_is_tracked_since_its_creation(repo, env) -> None:
    key_id = new_key(repo, at(env, T0))
    # KeyLastUsage is an empty object until the first use; TrackingStartDate is the later of when
    # recording began and the key's creation (botocore's model), here its creation.
    assert last_usage(repo, at(env, T1), key_id) == {
        "KeyId": key_id,
        "KeyLastUsage": {},
        "TrackingStartDate": T0,
        "KeyCreationDate": T0,
    }


@pytest.mark.parametrize("operation", TRACKED)
def test_each_tracked_operation_is_recorded(repo, env, operation: str) -> None:
    spec, usage = KEYS.get(operation, ("SYMMETRIC_DEFAULT", ""))
    key_id = new_key(repo, at(env, T0), spec, usage)
    _runs(repo, at(env, T1))[operation](key_id)
    assert last_usage(repo, at(env, T1 + 60), key_id) == {
        "KeyId": key_id,
        "KeyLastUsage": {"Operation": operation, "Timestamp": T1},
        "TrackingStartDate": T0,
        "KeyCreationDate": T0,
    }


def test_re_encrypt_is_recorded_on_its_source_and_its_destination(repo, env) -> None:
    # The API reference: ReEncrypt records usage on both keys, independently.
    source, destination, bystander = (new_key(repo, at(env, T0)) for _ in range(3))
    blob = core.call("Encrypt", {"KeyId": source, "Plaintext": b"p"}, repo, at(env, T0)).ciphertext_blob
    core.call("ReEncrypt", {"CiphertextBlob": blob, "DestinationKeyId": destination}, repo, at(env, T1))
    for key_id in (source, destination):
        assert last_usage(repo, env, key_id)["KeyLastUsage"] == {"Operation": "ReEncrypt", "Timestamp": T1}
    assert last_usage(repo, env, bystander)["KeyLastUsage"] == {}


def test_only_successful_operations_are_recorded(repo, env) -> None:
    key_id = new_key(repo, at(env, T0))
    signing = new_key(repo, at(env, T0), "ECC_NIST_P256", "SIGN_VERIFY")
    core.call("Encrypt", {"KeyId": key_id, "Plaintext": b"p"}, repo, at(env, T0))
    failures: list[tuple[str, dict[str, Any]]] = [
        ("Encrypt", {"KeyId": key_id, "Plaintext": b"p", "DryRun": True}),
        ("Encrypt", {"KeyId": key_id, "Plaintext": b"p", "EncryptionAlgorithm": "RSAES_OAEP_SHA_1"}),
        ("Decrypt", {"CiphertextBlob": b"\x01not a ciphertext of this key at all, no", "KeyId": key_id}),
        ("Verify", {"KeyId": signing, "Message": b"m", "Signature": b"0" * 64, "SigningAlgorithm": "ECDSA_SHA_256"}),
    ]
    for operation, params in failures:
        with pytest.raises(KmsError):
            core.call(operation, params, repo, at(env, T1))
    assert last_usage(repo, env, key_id)["KeyLastUsage"] == {"Operation": "Encrypt", "Timestamp": T0}
    assert last_usage(repo, env, signing)["KeyLastUsage"] == {}


@pytest.mark.parametrize("state", ["Disable", "Schedule"])
def test_it_answers_in_any_key_state(repo, env, state: str) -> None:
    # The model lists no KMSInvalidStateException among its errors: disabled and pending-deletion
    # keys answer too, with the use they had before.
    key_id = new_key(repo, at(env, T0))
    core.call("Encrypt", {"KeyId": key_id, "Plaintext": b"p"}, repo, at(env, T1))
    if state == "Disable":
        core.call("DisableKey", {"KeyId": key_id}, repo, env)
    else:
        core.call("ScheduleKeyDeletion", {"KeyId": key_id, "PendingWindowInDays": 7}, repo, at(env, T1))
    assert last_usage(repo, at(env, T1), key_id)["KeyLastUsage"] == {"Operation": "Encrypt", "Timestamp": T1}
    external = str(core.call("CreateKey", {"Origin": "EXTERNAL"}, repo, at(env, T0)).key_metadata.key_id)
    assert last_usage(repo, at(env, T1), external)["KeyLastUsage"] == {}


def test_keys_are_named_by_key_id_or_key_arn_only(repo, env) -> None:
    key_id = new_key(repo, at(env, T0))
    core.call("CreateAlias", {"AliasName": "alias/used", "TargetKeyId": key_id}, repo, env)
    arn = f"arn:aws:kms:{env.region}:{env.account_id}:key/{key_id}"
    assert last_usage(repo, env, arn)["KeyId"] == key_id
    with pytest.raises(KmsError) as caught:
        core.call("GetKeyLastUsage", {"KeyId": "alias/used"}, repo, env)
    assert (caught.value.code, caught.value.message) == ("NotFoundException", "Invalid keyId 'alias/used'")
    missing = "1234abcd-12ab-34cd-56ef-1234567890ab"
    with pytest.raises(KmsError) as caught:
        core.call("GetKeyLastUsage", {"KeyId": missing}, repo, env)
    assert (caught.value.code, caught.value.message) == (
        "NotFoundException",
        f"Key 'arn:aws:kms:{env.region}:{env.account_id}:key/{missing}' does not exist",
    )


def test_a_key_made_before_uses_were_recorded_is_tracked_from_its_first_answer_on(repo, env) -> None:
    # Such a key has no record: TrackingStartDate is after its creation, which says it may have been
    # used before (the API reference), until its first recorded use fixes the date.
    key_id = new_key(repo, at(env, T0))
    stored = repo.get_key(key_id)
    assert stored is not None
    repo.put_key(stored._replace(usage_tracked_since=None))
    assert last_usage(repo, at(env, T1), key_id)["TrackingStartDate"] == T1
    core.call("Encrypt", {"KeyId": key_id, "Plaintext": b"p"}, repo, at(env, T1 + 5))
    assert last_usage(repo, at(env, T1 + 60), key_id) == {
        "KeyId": key_id,
        "KeyLastUsage": {"Operation": "Encrypt", "Timestamp": T1 + 5},
        "TrackingStartDate": T1 + 5,
        "KeyCreationDate": T0,
    }


# ---------------------------------------------------------------- the command, and multi-Region keys


@pytest.fixture
def kms(tmp_path: Path, private_keys: Callable[[str], bytes], monkeypatch: pytest.MonkeyPatch) -> KmsSession:
    return make_session(tmp_path, private_keys, monkeypatch)


def test_the_command_and_multi_region_members_tracking_on_their_own(kms: KmsSession) -> None:
    # Primary and replica keys track their last usage independently (the API reference).
    created = kms.now
    key_id = kms.ok("create-key", "--multi-region")["KeyMetadata"]["KeyId"]
    kms.ok("replicate-key", "--key-id", key_id, "--replica-region", "eu-west-1")
    kms.advance(60)
    kms.ok("encrypt", "--key-id", key_id, "--plaintext", "p", "--region", "eu-west-1")
    replica = kms.ok("get-key-last-usage", "--key-id", key_id, "--region", "eu-west-1")
    assert_conforms("GetKeyLastUsage", replica)
    assert replica == {
        "KeyId": key_id,
        "KeyLastUsage": {"Operation": "Encrypt", "Timestamp": kms.now},
        "TrackingStartDate": created,
        "KeyCreationDate": created,
    }
    assert kms.ok("get-key-last-usage", "--key-id", key_id)["KeyLastUsage"] == {}
