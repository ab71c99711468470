"""The real AWS CLI (`aws kms ... --endpoint-url`) against `kmscli serve`, compared with kmscli itself.

The same script runs twice from an empty state with the same seed and clock: once as `aws kms`
commands against the server, once as `kmscli` commands on a state directory of their own. Every
command must print the same bytes on stdout and stderr and exit with the same status. Then
kmscli, run directly on the server's state, must print what the AWS CLI printed from the server.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SEED = "awscli-comparison"
TIME = "1502910355.475"

# {key} and {ecc} are the KeyIds printed by the first two commands.
SCRIPT = [
    ["create-key", "--description", "The seed's first key", "--tags", "TagKey=Purpose,TagValue=Test"],
    [
        "create-key",
        "--key-spec",
        "ECC_NIST_P521",
        "--key-usage",
        "SIGN_VERIFY",
        "--query",
        "KeyMetadata.KeyId",
        "--output",
        "text",
    ],
    ["create-alias", "--alias-name", "alias/ExampleAlias", "--target-key-id", "{key}"],
    ["describe-key", "--key-id", "alias/ExampleAlias"],
    ["describe-key", "--key-id", "{ecc}", "--output", "text"],
    ["describe-key", "--key-id", "arn:aws:kms:us-west-2:111122223333:key/{key}", "--query", "KeyMetadata.[KeyId,Arn]"],
    ["get-key-policy", "--key-id", "{key}", "--policy-name", "default", "--output", "text"],
    ["get-key-policy", "--key-id", "{key}", "--policy-name", "default"],
    ["tag-resource", "--key-id", "{key}", "--tags", "TagKey=Env,TagValue=Dev", "TagKey=Team,TagValue=Blue"],
    ["create-key", "--key-spec", "RSA_4096", "--key-usage", "ENCRYPT_DECRYPT", "--output", "table"],
    # Service errors: nothing on stdout, the same line on stderr, exit 255.
    ["create-alias", "--alias-name", "alias/ExampleAlias", "--target-key-id", "{key}"],
    ["create-alias", "--alias-name", "alias/aws/reserved", "--target-key-id", "{key}"],
    ["describe-key", "--key-id", "alias/missing"],
    ["describe-key", "--key-id", "not-a-key"],
    ["get-key-policy", "--key-id", "{key}", "--policy-name", "other"],
    ["tag-resource", "--key-id", "{key}", "--tags", "TagKey=aws:reserved,TagValue=x"],
    ["create-key", "--key-spec", "SYMMETRIC_DEFAULT", "--key-usage", "SIGN_VERIFY"],
    ["create-key", "--description", "x" * 8193],
]


def clean_environ(**extra: str) -> dict[str, str]:
    import os

    environ = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "KMSCLI_"))}
    environ.update(extra)
    return environ


def run(argv: list[str], environ: dict[str, str]) -> tuple[int, str, str]:
    done = subprocess.run(argv, capture_output=True, text=True, env=environ, timeout=120, stdin=subprocess.DEVNULL)
    return done.returncode, done.stdout, done.stderr


def play(command: list[str], environ: dict[str, str]) -> list[tuple[int, str, str]]:
    """Run SCRIPT with `command + [operation, ...]`, filling in the key IDs as they are printed."""
    results: list[tuple[int, str, str]] = []
    ids: dict[str, str] = {}
    for line in SCRIPT:
        argv = [word.format(**ids) for word in line]
        results.append(run([*command, *argv], environ))
        if len(results) == 1:
            ids["key"] = results[0][1].split('"KeyId": "')[1].split('"')[0]
        elif len(results) == 2:
            ids["ecc"] = results[1][1].strip()
    return results


def test_the_aws_cli_through_the_server_prints_what_kmscli_prints(launch, tmp_path: Path):
    server = launch(KMSCLI_SEED=SEED)
    aws_environ = clean_environ(
        AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE",
        AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        AWS_DEFAULT_REGION="us-west-2",
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        AWS_EC2_METADATA_DISABLED="true",
        HOME=str(tmp_path / "home"),
    )
    aws = play([sys.executable, "-m", "awscli", "--endpoint-url", server.url, "kms"], aws_environ)

    kmscli_environ = clean_environ(
        KMSCLI_STATE_DIR=str(tmp_path / "direct"),
        KMSCLI_SEED=SEED,
        KMSCLI_FIXED_TIME=TIME,
        AWS_DEFAULT_REGION="us-west-2",
        HOME=str(tmp_path / "home"),
    )
    direct = play([sys.executable, "-m", "kmscli"], kmscli_environ)

    for line, from_aws, from_kmscli in zip(SCRIPT, aws, direct, strict=True):
        assert from_aws == from_kmscli, line
    # The script did what it says: successes first, then every error with its one line.
    assert [status for status, _, _ in aws] == [0] * 10 + [255] * 8
    assert aws[12] == (
        255,
        "",
        "\nAn error occurred (NotFoundException) when calling the DescribeKey operation: "
        "Alias arn:aws:kms:us-west-2:111122223333:alias/missing is not found.\n",
    )
    assert aws[3][1].startswith('{\n    "KeyMetadata": {\n        "AWSAccountId": "111122223333",\n')
    assert '"CreationDate": 1502910355.475,' in aws[3][1]


def test_kmscli_on_the_server_state_prints_what_the_aws_cli_printed(launch, tmp_path: Path):
    server = launch(KMSCLI_SEED=SEED)
    aws_environ = clean_environ(
        AWS_ACCESS_KEY_ID="AKIDEXAMPLE",
        AWS_SECRET_ACCESS_KEY="secret",
        AWS_DEFAULT_REGION="eu-west-1",
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        AWS_EC2_METADATA_DISABLED="true",
        HOME=str(tmp_path / "home"),
    )
    aws = [sys.executable, "-m", "awscli", "--endpoint-url", server.url, "kms"]
    created = run(
        [*aws, "create-key", "--description", "shared", "--query", "KeyMetadata.KeyId", "--output", "text"], aws_environ
    )
    key_id = created[1].strip()
    assert created == (0, f"{key_id}\n", "")
    assert run([*aws, "create-alias", "--alias-name", "alias/shared", "--target-key-id", key_id], aws_environ) == (
        0,
        "",
        "",
    )
    assert run([*aws, "tag-resource", "--key-id", key_id, "--tags", "TagKey=k,TagValue=v"], aws_environ) == (0, "", "")

    kmscli = [sys.executable, "-m", "kmscli", "--state-dir", str(server.state_dir), "--region", "eu-west-1"]
    kmscli_environ = clean_environ(KMSCLI_FIXED_TIME=TIME, HOME=str(tmp_path / "home"))
    for command in (
        ["describe-key", "--key-id", "alias/shared"],
        ["get-key-policy", "--key-id", key_id, "--policy-name", "default", "--output", "text"],
        ["list-resource-tags", "--key-id", key_id],
        ["list-aliases", "--key-id", key_id],
    ):
        through_server = run([*aws, *command], aws_environ)
        assert through_server[0] == 0, through_server
        assert run([*kmscli, *command], kmscli_environ) == through_server, command
