"""`kmscli serve` with an identities file: every request signed by a known access key, authorized as the CLI is.

boto3 and the real AWS CLI sign as two principals; each decision must be the one the CLI gives for
the same principal (chosen by --profile) on the same state.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

ACCOUNT = "111122223333"
REGION = "us-west-2"
APP_KEY, APP_SECRET = "AKIAAPPROLE000000001", "app/secret/EXAMPLEKEY0000000000000000"
OTHER_KEY, OTHER_SECRET = "AKIAOTHERROLE0000001", "other/secret/EXAMPLEKEY00000000000000"
ROOT_KEY, ROOT_SECRET = "AKIAROOTUSER00000001", "root/secret/EXAMPLEKEY000000000000000"
IDENTITIES = {
    "Principals": [
        {
            "Arn": f"arn:aws:iam::{ACCOUNT}:root",
            "AccessKeys": [{"AccessKeyId": ROOT_KEY, "SecretAccessKey": ROOT_SECRET}],
        },
        {
            "Arn": f"arn:aws:iam::{ACCOUNT}:role/App",
            "SessionName": "app",
            "Profiles": ["app"],
            "AccessKeys": [{"AccessKeyId": APP_KEY, "SecretAccessKey": APP_SECRET}],
            "Policies": [
                {
                    "PolicyName": "use-keys",
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": "*"}],
                    },
                }
            ],
        },
        {
            "Arn": f"arn:aws:iam::{ACCOUNT}:role/Other",
            "Profiles": ["other"],
            "AccessKeys": [{"AccessKeyId": OTHER_KEY, "SecretAccessKey": OTHER_SECRET}],
        },
    ]
}
OTHER_SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/Other/kmscli"


def client(server: Any, access_key: str, secret: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "kms",
        endpoint_url=server.url,
        region_name=REGION,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret,
        config=Config(retries={"total_max_attempts": 1}),
    )


def error_of(call: Callable[[], Any]) -> tuple[str, str]:
    with pytest.raises(ClientError) as e:
        call()
    return e.value.response["Error"]["Code"], e.value.response["Error"]["Message"]


@pytest.fixture
def state(tmp_path: Path) -> Path:
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    (state / "identities.json").write_text(json.dumps(IDENTITIES), encoding="utf-8")
    return state


def cli(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    import os

    environ = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "KMSCLI_"))}
    environ.update(KMSCLI_STATE_DIR=str(state), AWS_DEFAULT_REGION=REGION)
    return subprocess.run(
        [sys.executable, "-m", "kmscli", *args], capture_output=True, text=True, env=environ, timeout=60, check=False
    )


def test_two_principals_get_the_decisions_the_cli_gives(launch: Any, state: Path) -> None:
    server = launch(state_dir=state)
    root = client(server, ROOT_KEY, ROOT_SECRET)
    key = root.create_key()["KeyMetadata"]["Arn"]
    app = client(server, APP_KEY, APP_SECRET)
    blob = app.encrypt(KeyId=key, Plaintext=b"hi")["CiphertextBlob"]
    assert app.decrypt(CiphertextBlob=blob)["Plaintext"] == b"hi"
    other = client(server, OTHER_KEY, OTHER_SECRET)
    message = (
        f"User: {OTHER_SESSION} is not authorized to perform: kms:Encrypt on resource: {key} "
        "because no identity-based policy allows the kms:Encrypt action"
    )
    assert error_of(lambda: other.encrypt(KeyId=key, Plaintext=b"hi")) == ("AccessDeniedException", message)
    # The CLI, as the same principals, on the same state.
    assert cli(state, "encrypt", "--key-id", key, "--plaintext", "hi", "--profile", "app").returncode == 0
    refused = cli(state, "encrypt", "--key-id", key, "--plaintext", "hi", "--profile", "other")
    assert (refused.returncode, refused.stdout, refused.stderr) == (
        255,
        "",
        f"\nAn error occurred (AccessDeniedException) when calling the Encrypt operation: {message}\n",
    )
    # The real AWS CLI signing as the other role gets the same line.
    aws = subprocess.run(
        [
            sys.executable,
            "-m",
            "awscli",
            "--endpoint-url",
            server.url,
            "kms",
            "encrypt",
            "--key-id",
            key,
            "--plaintext",
            "hi",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(state.parent / "home"),
            "AWS_ACCESS_KEY_ID": OTHER_KEY,
            "AWS_SECRET_ACCESS_KEY": OTHER_SECRET,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_CONFIG_FILE": str(state.parent / "none"),
            "AWS_SHARED_CREDENTIALS_FILE": str(state.parent / "none"),
            "AWS_EC2_METADATA_DISABLED": "true",
        },
    )
    assert (aws.returncode, aws.stdout, aws.stderr) == (refused.returncode, refused.stdout, refused.stderr)
    assert server.stop()[0] == 0
    log = server.log_path.read_text(encoding="utf-8")
    assert log.startswith(
        f"kmscli serve: requests must be signed with one of the 3 access keys of {state / 'identities.json'}\n"
    )
    for secret in (APP_SECRET, OTHER_SECRET, ROOT_SECRET):
        assert secret not in log


def test_a_wrong_secret_or_an_unknown_key_is_refused(launch: Any, state: Path) -> None:
    server = launch(state_dir=state)
    assert error_of(lambda: client(server, APP_KEY, "not-the-secret").list_keys()) == (
        "InvalidSignatureException",
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
        "Access Key and signing method. Consult the service documentation for details.",
    )
    assert error_of(lambda: client(server, "AKIAUNKNOWN000000001", APP_SECRET).list_keys()) == (
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
    )
    assert client(server, ROOT_KEY, ROOT_SECRET).list_keys()["Keys"] == []


def test_the_via_service_header_opens_an_aws_managed_key(launch: Any, state: Path) -> None:
    server = launch(state_dir=state)
    # Describing a predefined alias creates the AWS managed key.
    client(server, ROOT_KEY, ROOT_SECRET).describe_key(KeyId="alias/aws/s3")
    app = client(server, APP_KEY, APP_SECRET)
    code, message = error_of(lambda: app.encrypt(KeyId="alias/aws/s3", Plaintext=b"x"))
    assert (code, message.endswith("because no resource-based policy allows the kms:Encrypt action")) == (
        "AccessDeniedException",
        True,
    )

    def via_s3(request: Any, **kwargs: Any) -> None:
        request.headers["X-Kmscli-Via-Service"] = f"s3.{REGION}.amazonaws.com"

    app.meta.events.register("before-sign.kms.Encrypt", via_s3)
    assert app.encrypt(KeyId="alias/aws/s3", Plaintext=b"x")["KeyId"].startswith(f"arn:aws:kms:{REGION}:{ACCOUNT}:key/")

    def via_nonsense(request: Any, **kwargs: Any) -> None:
        request.headers["X-Kmscli-Via-Service"] = "not a service"

    app.meta.events.register("before-sign.kms.Decrypt", via_nonsense)
    assert error_of(lambda: app.decrypt(CiphertextBlob=b"x" * 16)) == (
        "ValidationException",
        "kms:ViaService must name a service endpoint such as s3.us-east-1.amazonaws.com, not 'not a service'",
    )


def test_a_bad_identities_file_stops_the_start(state: Path) -> None:
    (state / "identities.json").write_text('{"Principals": [{"Arn": "nope"}]}', encoding="utf-8")
    done = cli(state, "serve", "--port", "0")
    assert (done.returncode, done.stdout) == (255, "")
    assert done.stderr == (
        f"kmscli serve: identities file {state / 'identities.json'}: /Principals/0/Arn: "
        "'nope' is not the ARN of an IAM user, an IAM role or an account root\n"
    )
