"""The committed permissions table (core/permissions.py) against botocore's KMS model documentation."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import botocore.session
import pytest

from kmscli.core.permissions import CROSS_ACCOUNT, REQUIRED

ROOT = Path(__file__).resolve().parents[2]


def test_generated_file_is_current() -> None:
    generated = subprocess.run(
        [sys.executable, "scripts/gen_permissions.py"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert generated.stderr == ""
    assert generated.stdout == (ROOT / "kmscli" / "core" / "permissions.py").read_text(encoding="utf-8")


def test_every_operation_of_the_model_is_in_the_table() -> None:
    operations = botocore.session.get_session().get_service_model("kms").operation_names
    assert sorted(REQUIRED) == sorted(CROSS_ACCOUNT) == sorted(operations)
    assert all(REQUIRED[name] for name in operations)


@pytest.mark.parametrize(
    ("operation", "needs"),
    [
        ("Encrypt", [("kms:Encrypt", "key", "key policy", None)]),
        (
            "CreateKey",
            [("kms:CreateKey", "none", "IAM policy", None), ("kms:TagResource", "none", "IAM policy", "Tags")],
        ),
        (
            "CreateAlias",
            [("kms:CreateAlias", "alias", "IAM policy", None), ("kms:CreateAlias", "key", "key policy", None)],
        ),
        (
            "UpdateAlias",
            [
                ("kms:UpdateAlias", "alias", "IAM policy", None),
                ("kms:UpdateAlias", "current key", "key policy", None),
                ("kms:UpdateAlias", "new key", "key policy", None),
            ],
        ),
        (
            "DeleteAlias",
            [("kms:DeleteAlias", "alias", "IAM policy", None), ("kms:DeleteAlias", "key", "key policy", None)],
        ),
        (
            "ReEncrypt",
            [
                ("kms:ReEncryptFrom", "source key", "key policy", None),
                ("kms:ReEncryptTo", "destination key", "key policy", None),
            ],
        ),
        (
            "ReplicateKey",
            [
                ("kms:ReplicateKey", "key", "key policy", None),
                ("kms:CreateKey", "replica region", "IAM policy", None),
                ("kms:TagResource", "replica region", "IAM policy", "Tags"),
            ],
        ),
        (
            "UpdatePrimaryRegion",
            [
                ("kms:UpdatePrimaryRegion", "primary key", "key policy", None),
                ("kms:UpdatePrimaryRegion", "replica key", "key policy", None),
            ],
        ),
        ("RetireGrant", [("kms:RetireGrant", "key", "grant", None)]),
        ("ListKeys", [("kms:ListKeys", "none", "IAM policy", None)]),
    ],
)
def test_operations_that_need_more_than_one_permission(operation: str, needs: list[tuple[str, ...]]) -> None:
    assert list(REQUIRED[operation]) == needs


def test_cross_account_use_follows_the_documentation() -> None:
    model = botocore.session.get_session().get_service_model("kms")
    for name, value in CROSS_ACCOUNT.items():
        text = " ".join(re.sub(r"<[^>]+>", " ", model.operation_model(name).documentation).split())
        clause = text.split("Cross-account use", 1)[1][:40] if "Cross-account use" in text else ""
        assert (value == "no") == clause.lstrip(" :").startswith("No."), name
    assert CROSS_ACCOUNT["Decrypt"] == CROSS_ACCOUNT["Encrypt"] == "key or alias ARN"
    assert CROSS_ACCOUNT["CreateGrant"] == "key ARN"
    assert CROSS_ACCOUNT["GenerateRandom"] == "not applicable"
