"""GetKeyLastUsage through `kmscli serve`, as boto3 (botocore's model and parser) calls it."""

from __future__ import annotations

from datetime import UTC, datetime


def test_boto3_reads_the_last_usage_that_its_own_calls_recorded(launch, client) -> None:
    # https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyLastUsage.html
    kms = client(launch().url)  # the fixture fixes the clock at 1502910355.475
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    fresh = kms.get_key_last_usage(KeyId=key_id)
    created = datetime.fromtimestamp(1502910355.475, UTC)
    assert {k: v for k, v in fresh.items() if k != "ResponseMetadata"} == {
        "KeyId": key_id,
        "KeyLastUsage": {},
        "TrackingStartDate": created,
        "KeyCreationDate": created,
    }
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"p")["CiphertextBlob"]
    kms.decrypt(CiphertextBlob=blob)
    used = kms.get_key_last_usage(KeyId=key_id)
    assert used["KeyLastUsage"] == {"Operation": "Decrypt", "Timestamp": created}
