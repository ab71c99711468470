"""`kmscli simulate-principal-policy`: IAM's options and output, with the key policies and grants of the state."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import botocore.session
import pytest

from tests import awscli_oracle
from tests.conformance import _check
from tests.kms_session import ACCOUNT, KmsSession, make_session

ROLE = f"arn:aws:iam::{ACCOUNT}:role/App"
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "EncryptForApp",
            "Effect": "Allow",
            "Action": "kms:Encrypt",
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:EncryptionContext:app": "x"}},
        },
        {"Sid": "NeverDelete", "Effect": "Deny", "Action": "kms:ScheduleKeyDeletion", "Resource": "*"},
    ],
}
IDENTITIES = {
    "Principals": [
        {"Arn": ROLE, "Policies": [{"PolicyName": "use-keys", "PolicyDocument": json.dumps(POLICY, indent=2)}]}
    ]
}


@pytest.fixture
def kms(tmp_path: Path, private_keys: Callable[[str], bytes], monkeypatch: pytest.MonkeyPatch) -> KmsSession:
    session = make_session(tmp_path, private_keys, monkeypatch)
    session.state_dir.mkdir(parents=True)
    (session.state_dir / "identities.json").write_text(json.dumps(IDENTITIES), encoding="utf-8")
    return session


@pytest.fixture(scope="module")
def aws() -> Iterator[awscli_oracle.AwsCli]:
    oracle = awscli_oracle.AwsCli()
    yield oracle
    oracle.close()


def conforms(document: Any) -> None:
    shape = (
        botocore.session.get_session().get_service_model("iam").operation_model("SimulatePrincipalPolicy").output_shape
    )
    problems: list[str] = []
    _check(document, shape, "SimulatePrincipalPolicy", problems)
    assert problems == []


def simulate(kms: KmsSession, *args: str) -> Any:
    return kms.ok("simulate-principal-policy", "--policy-source-arn", ROLE, *args)


def test_decisions_with_the_deciding_statements_and_their_positions(kms: KmsSession) -> None:
    key = kms.ok("create-key")["KeyMetadata"]["Arn"]
    with_context = (
        "--context-entries",
        "ContextKeyName=kms:EncryptionContext:app,ContextKeyValues=x,ContextKeyType=string",
    )
    document = simulate(
        kms,
        "--action-names",
        "kms:Encrypt",
        "kms:ScheduleKeyDeletion",
        "kms:Decrypt",
        "--resource-arns",
        key,
        *with_context,
    )
    conforms(document)
    # The key policy's statement is on lines 4-12 of its text; the role's two statements on lines 3-13
    # and 14-19 of the policy text in the identities file.
    key_statement = {
        "SourcePolicyId": key,
        "SourcePolicyType": "resource",
        "StartPosition": {"Line": 4, "Column": 19},
        "EndPosition": {"Line": 12, "Column": 3},
    }
    assert document == {
        "EvaluationResults": [
            {
                "EvalActionName": "kms:Encrypt",
                "EvalResourceName": key,
                "EvalDecision": "allowed",
                "MatchedStatements": [
                    key_statement,
                    {
                        "SourcePolicyId": "use-keys",
                        "SourcePolicyType": "role",
                        "StartPosition": {"Line": 4, "Column": 5},
                        "EndPosition": {"Line": 14, "Column": 5},
                    },
                ],
                "MissingContextValues": [],
            },
            {
                "EvalActionName": "kms:ScheduleKeyDeletion",
                "EvalResourceName": key,
                "EvalDecision": "explicitDeny",
                "MatchedStatements": [
                    {
                        "SourcePolicyId": "use-keys",
                        "SourcePolicyType": "role",
                        "StartPosition": {"Line": 15, "Column": 5},
                        "EndPosition": {"Line": 20, "Column": 5},
                    }
                ],
                "MissingContextValues": [],
            },
            {
                "EvalActionName": "kms:Decrypt",
                "EvalResourceName": key,
                "EvalDecision": "implicitDeny",
                "MatchedStatements": [],
                "MissingContextValues": [],
            },
        ],
        "IsTruncated": False,
    }


def test_missing_context_values_and_resources_that_are_not_keys(kms: KmsSession) -> None:
    document = simulate(kms, "--action-names", "kms:Encrypt")
    conforms(document)
    assert document["EvaluationResults"] == [
        {
            "EvalActionName": "kms:Encrypt",
            "EvalResourceName": "*",
            "EvalDecision": "implicitDeny",
            "MatchedStatements": [],
            "MissingContextValues": ["kms:EncryptionContext:app"],
        }
    ]


def test_a_grant_decides_too(kms: KmsSession) -> None:
    key = kms.ok("create-key")["KeyMetadata"]["Arn"]
    grant = kms.ok(
        "create-grant", "--key-id", key, "--grantee-principal", ROLE, "--operations", "Decrypt", "--name", "reader"
    )
    document = simulate(kms, "--action-names", "kms:Decrypt", "--resource-arns", key)
    conforms(document)
    assert document["EvaluationResults"][0]["EvalDecision"] == "allowed"
    assert document["EvaluationResults"][0]["MatchedStatements"] == [
        {"SourcePolicyId": f"grant/{grant['GrantId']}", "SourcePolicyType": "resource"}
    ]


@pytest.mark.parametrize("output", ["text", "table"])
def test_text_and_table_as_the_aws_cli_prints_them(kms: KmsSession, aws: awscli_oracle.AwsCli, output: str) -> None:
    key = kms.ok("create-key")["KeyMetadata"]["Arn"]
    args = ("--action-names", "kms:Encrypt", "kms:Decrypt", "--resource-arns", key)
    document = simulate(kms, *args)
    result = kms.run("simulate-principal-policy", "--policy-source-arn", ROLE, *args, "--output", output)
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == aws.format(output, document, title="SimulatePrincipalPolicy")


def test_refusals(kms: KmsSession) -> None:
    result = kms.run("simulate-principal-policy", "--action-names", "kms:Encrypt")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.endswith("kmscli: error: the following arguments are required: --policy-source-arn\n")
    result = kms.run(
        "simulate-principal-policy", "--policy-source-arn", "arn:aws:iam::1:role/x", "--action-names", "kms:Encrypt"
    )
    assert (result.exit_code, result.stdout) == (255, "")
    assert result.stderr == (
        "\nAn error occurred (InvalidInput) when calling the SimulatePrincipalPolicy operation: "
        "'arn:aws:iam::1:role/x' is not the ARN of an IAM user, an IAM role, a role session or an account root\n"
    )
