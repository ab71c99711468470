"""One function writes the AWS CLI's line for a service error: output.error_line, and no other place.

The command boundary, the console and simulate-principal-policy all print it through error_line, so
a change to botocore's wording is made once.
"""

from __future__ import annotations

import re
from pathlib import Path

from kmscli import output
from kmscli.core.errors import NotFoundException

ROOT = Path(__file__).resolve().parents[2] / "kmscli"


def test_the_line_is_botocores() -> None:
    error = NotFoundException("Key 'arn:aws:kms:us-west-2:111122223333:key/k' does not exist")
    assert output.error_line("DescribeKey", error) == (
        "An error occurred (NotFoundException) when calling the DescribeKey operation: "
        "Key 'arn:aws:kms:us-west-2:111122223333:key/k' does not exist"
    )


def test_no_other_module_formats_the_line_itself() -> None:
    formatting = re.compile(r"An error occurred \(\{")
    found = sorted(
        str(path.relative_to(ROOT.parent))
        for path in ROOT.rglob("*.py")
        if formatting.search(path.read_text(encoding="utf-8"))
    )
    assert found == ["kmscli/output.py"]
