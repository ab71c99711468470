"""Golden transcripts: scenarios of kmscli commands, recorded as a terminal would show them.

Each scenario runs in reproducible mode (KMSCLI_FIXED_TIME and KMSCLI_SEED, docs/decisions.md#reproducible) on a
fresh state directory, so the recording needs no scrubbing: key IDs, ARNs and dates are the same
on every run. A recording holds, for every command, the `$ kmscli ...` line, its stdout, its
stderr after a `[stderr]` marker, and `[exit N]`.

A step `NAME=<args>` also keeps the command's stdout (stripped) as $NAME for later steps, as
`NAME=$(kmscli <args>)` would in a shell.

Update the recordings with `pytest tests/golden --snapshot-update` and review the diff like code.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from kmscli.cli import cli
from kmscli.session import Session

SCENARIOS: dict[str, list[str]] = {
    # The Developer Guide's "Creating keys" examples, one after another.
    "seed_walkthrough": [
        "create-key --region us-west-2",
        "create-key --region us-west-2 --key-spec RSA_2048 --key-usage ENCRYPT_DECRYPT",
        "create-key --region us-west-2 --key-spec ECC_NIST_P521 --key-usage SIGN_VERIFY",
        "KEY=create-key --region us-west-2 --query KeyMetadata.KeyId --output text",
        "get-key-policy --region us-west-2 --key-id $KEY --policy-name default --output text",
        "get-key-policy --region us-west-2 --key-id $KEY --query Policy --output text",
        "get-key-policy --region us-west-2 --key-id $KEY",
    ],
    "create_key_options": [
        "create-key --description 'Key for the café ✓' --tags TagKey=Purpose,TagValue=Test",
        "create-key --key-spec HMAC_256 --key-usage GENERATE_VERIFY_MAC",
        "create-key --key-spec ECC_NIST_P256 --key-usage KEY_AGREEMENT",
        "create-key --key-spec ECC_NIST_EDWARDS25519 --key-usage SIGN_VERIFY",
        "create-key --customer-master-key-spec ECC_SECG_P256K1 --key-usage SIGN_VERIFY",
        "create-key --origin EXTERNAL",
        "create-key --multi-region --description primary",
        "create-key --no-multi-region --bypass-policy-lockout-safety-check --policy"
        ' \'{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/bob"},'
        ' "Action": "kms:*", "Resource": "*"}]}\'',
        "create-key --policy"
        ' \'{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/bob"},'
        ' "Action": "kms:*", "Resource": "*"}]}\'',
        "create-key --key-spec RSA_2048",
        "create-key --key-spec ECC_NIST_P256 --key-usage ENCRYPT_DECRYPT",
        "create-key --key-spec SM2 --key-usage SIGN_VERIFY",
        "create-key --key-spec RSA_2048 --customer-master-key-spec RSA_2048 --key-usage SIGN_VERIFY",
        "create-key --origin AWS_CLOUDHSM",
        "create-key --custom-key-store-id cks-1234567890abcdef0",
        "create-key --xks-key-id ext-key-1",
        "create-key --policy 'not json'",
        "create-key --tags TagKey=aws:owner,TagValue=me",
    ],
    "key_identifiers": [
        "KEY=create-key --description identified --query KeyMetadata.KeyId --output text",
        "create-alias --alias-name alias/ExampleAlias --target-key-id $KEY",
        "describe-key --key-id $KEY --query 'KeyMetadata.[KeyId,Arn,Description]' --output text",
        "describe-key --key-id arn:aws:kms:us-west-2:111122223333:key/$KEY --query KeyMetadata.KeyId --output text",
        "describe-key --key-id alias/ExampleAlias --query KeyMetadata.KeyId --output text",
        "describe-key --key-id arn:aws:kms:us-west-2:111122223333:alias/ExampleAlias --query KeyMetadata.KeyId"
        " --output text",
        "describe-key --key-id $KEY --output text",
        "describe-key --key-id 1234abcd-12ab-34cd-56ef-1234567890ab",
        "describe-key --key-id fake-key-id",
        "describe-key --key-id alias/missing",
        "describe-key --key-id arn:aws:kms:eu-west-1:111122223333:key/$KEY",
        "describe-key --key-id arn:aws:kms:us-west-2:444455556666:key/$KEY",
        "describe-key --key-id arn:aws:kms:us-west-2",
        "get-key-policy --key-id alias/ExampleAlias",
        "get-key-policy --key-id $KEY --policy-name other",
    ],
    "aliases": [
        "KEY=create-key --query KeyMetadata.KeyId --output text",
        "OTHER=create-key --query KeyMetadata.KeyId --output text",
        "create-alias --alias-name alias/app --target-key-id $KEY",
        "create-alias --alias-name alias/app-2 --target-key-id arn:aws:kms:us-west-2:111122223333:key/$KEY",
        "create-alias --alias-name alias/app --target-key-id $OTHER",
        "describe-key --key-id alias/app --query KeyMetadata.KeyId --output text",
        "create-alias --alias-name app --target-key-id $KEY",
        "create-alias --alias-name alias/ --target-key-id $KEY",
        "create-alias --alias-name alias/aws/s3 --target-key-id $KEY",
        "create-alias --alias-name alias/with:colon --target-key-id $KEY",
        "create-alias --alias-name 'alias/bad name' --target-key-id $KEY",
        "create-alias --alias-name alias/new --target-key-id alias/app",
        "create-alias --alias-name alias/new --target-key-id 1234abcd-12ab-34cd-56ef-1234567890ab",
        "create-alias --alias-name '' --target-key-id $KEY",
    ],
    "tags": [
        "KEY=create-key --tags TagKey=Purpose,TagValue=Test --query KeyMetadata.KeyId --output text",
        "tag-resource --key-id $KEY --tags TagKey=Team,TagValue=Security TagKey=Empty,TagValue=",
        'tag-resource --key-id $KEY --tags \'[{"TagKey": "Purpose", "TagValue": "Production"}]\'',
        "tag-resource --key-id $KEY --tags 'TagKey=Csv,TagValue=\"a,b\"'",
        "tag-resource --key-id $KEY --tags TagKey=aws:team,TagValue=x",
        "tag-resource --key-id $KEY --tags TagKey=a,TagValue=1 TagKey=a,TagValue=2",
        "tag-resource --key-id $KEY --tags TagKey=a",
        "tag-resource --key-id $KEY --tags TagKey=a,",
        "tag-resource --key-id $KEY --tags TagKey=a,TagValue=b,c",
        "tag-resource --key-id alias/x --tags TagKey=a,TagValue=b",
        "tag-resource --key-id $KEY",
    ],
    "usage_errors": [
        "",
        "describe-key",
        "create-alias",
        "describe-key --key-id",
        "describe-key --bogus",
        "describe-key --key-id x --bogus --other a b",
        "create-key --output yaml",
        "create-key --multi-region=true",
        "create-key --multi-region true",
        "create-key --cust x",
        "describe-key --key-id ''",
        "describe-key --key-id x --query 'KeyMetadata.['",
    ],
}

ENVIRON = {
    "AWS_REGION": "us-west-2",
    # The Developer Guide's "Creating keys" first CreationDate, as ISO 8601.
    "KMSCLI_FIXED_TIME": "2017-08-16T19:05:55.475Z",
}
_VARIABLE = re.compile(r"\$([A-Z]+)")
_CAPTURE = re.compile(r"([A-Z]+)=(.*)")


def record(scenario: list[str], state_dir: Path, home: Path, *, seed: str = "golden") -> str:
    """Run the scenario's steps against `state_dir` and return the transcript text."""
    variables: dict[str, str] = {}
    out: list[str] = []
    for step in scenario:
        capture = _CAPTURE.fullmatch(step)
        line = _VARIABLE.sub(lambda m: variables[m[1]], capture[2] if capture else step)
        # A fresh Session per command, as each command is its own process.
        environ = {**ENVIRON, "KMSCLI_SEED": seed, "HOME": str(home)}
        runtime = Session(environ=environ, state_dir=state_dir, env=None)
        result = CliRunner().invoke(cli, shlex.split(line), obj=runtime)
        if capture:
            variables[capture[1]] = result.stdout.strip()
            out.append(f"$ {capture[1]}=$(kmscli {line})\n")
        else:
            out.append(f"$ kmscli {line}".rstrip() + "\n")
        out.append(_exact(result.stdout))
        if result.stderr:
            out.append("[stderr]\n" + _exact(result.stderr))
        out.append(f"[exit {result.exit_code}]\n\n")
    return "".join(out)


def _exact(text: str) -> str:
    """Output as printed, with a marker where it lacks a final newline (so the snapshot stays exact)."""
    if text and not text.endswith("\n"):
        return text + "\n[no newline at end]\n"
    return text


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_transcript(snapshot, tmp_path, name):
    text = record(SCENARIOS[name], tmp_path / "state", tmp_path / "home")
    snapshot.assert_match(text, f"{name}.txt")


@pytest.mark.parametrize("name", ["seed_walkthrough", "create_key_options", "aliases"])
def test_reproducible_runs_are_byte_identical(tmp_path, name):
    first = record(SCENARIOS[name], tmp_path / "one", tmp_path / "home")
    second = record(SCENARIOS[name], tmp_path / "two", tmp_path / "home")
    assert first == second
    # Not trivially so: the scenario made several keys, each with its own ID...
    assert len(set(_GENERATED_ID.findall(first))) >= 2
    # ...and the IDs are a function of the seed.
    reseeded = record(SCENARIOS[name], tmp_path / "three", tmp_path / "home", seed="another seed")
    assert reseeded != first
    assert set(_GENERATED_ID.findall(reseeded)).isdisjoint(_GENERATED_ID.findall(first))


_GENERATED_ID = re.compile(
    r"\b[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\b|\bmrk-[0-9a-f]{32}\b"
)
