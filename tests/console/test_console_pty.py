"""A real terminal session of `kmscli console create-key`: a pseudo-terminal, a separate process.

The session answers every page of the console flow, goes back from the review page twice to
change answers (the alias, then the administrators' deletion permission), and finishes. The key,
its alias and its policy are then read back by other kmscli processes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pexpect  # type: ignore[import-untyped]  # no type information published
import pytest

from kmscli.core import Alias, Tag, console
from kmscli.store import Store

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "111122223333"
REGION = "us-west-2"
NOW = 1502910355.475
ADMIN = f"arn:aws:iam::{ACCOUNT}:role/KeyAdmin"
USER = f"arn:aws:iam::{ACCOUNT}:role/App"
OTHER = "444455556666"


@pytest.fixture
def environ(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "KMSCLI_STATE_DIR": str(tmp_path / "state"),
        "AWS_REGION": REGION,
        "KMSCLI_FIXED_TIME": str(NOW),
        "KMSCLI_SEED": "console-pty",
        "TERM": "dumb",
    }


def kmscli(environ: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kmscli", *args], env=environ, cwd=ROOT, capture_output=True, text=True, check=False
    )


def review_page(session: pexpect.spawn) -> str:
    """The review page up to its prompt, as the terminal showed it."""
    session.expect_exact("Step 5 of 5: Review")
    session.expect_exact(REVIEW_PROMPT)
    page = str(session.before).replace("\r\n", "\n")
    # Summary first: the page and its prompt fit a 24-row terminal, the policy is behind `p`.
    assert len(("Step 5 of 5: Review" + page).splitlines()) + 1 <= 24
    return page


REVIEW_PROMPT = "Finish (f), change a step (1-4), read the key policy (p) or cancel (c) [f]: "


def test_console_session_in_a_pseudo_terminal(environ: dict[str, str], tmp_path: Path) -> None:
    session = pexpect.spawn(
        sys.executable, ["-m", "kmscli", "console", "create-key"], env=environ, cwd=str(ROOT),
        encoding="utf-8", timeout=60, dimensions=(24, 200),
    )  # fmt: skip

    def answer(prompt: str, text: str) -> None:
        session.expect_exact(prompt)
        session.sendline(text)

    # Step 1: configure key (asymmetric by its number, encrypt and decrypt, RSA_2048 in lower case).
    session.expect_exact("  1. symmetric\r\n  2. asymmetric\r\n")
    answer("Key type [symmetric]: ", "2")
    session.expect_exact("  1. ENCRYPT_DECRYPT\r\n  2. SIGN_VERIFY\r\n  3. KEY_AGREEMENT\r\n")
    answer("Key usage [ENCRYPT_DECRYPT]: ", "")
    answer("Key spec [RSA_2048]: ", "rsa_2048")
    answer("Change the advanced options (key material origin, Regionality)? [y/N]: ", "y")
    answer("Key material origin [AWS_KMS]: ", "")
    answer("Multi-Region key? [y/N]: ", "n")
    # Step 2: labels.
    answer("Alias (required): ", "aws/app-data")
    session.expect_exact("Error: The alias cannot begin with aws/: that prefix is reserved for AWS managed keys.")
    answer("Alias (required): ", "app-data")
    answer("Description (optional): ", "Console walk-through")
    answer("Tag key (Enter when done): ", "Project")
    answer("Tag value (optional): ", "alpha")
    answer("Tag key (Enter when done): ", "")
    # Step 3: key administrators, who may delete the key.
    answer("Key administrator, an IAM user or role ARN (Enter when done): ", ADMIN)
    answer("Key administrator, an IAM user or role ARN (Enter when done): ", "")
    answer("Allow key administrators to delete this key? [Y/n]: ", "")
    # Step 4: key users and another account.
    answer("Key user, an IAM user or role ARN (Enter when done): ", USER)
    answer("Key user, an IAM user or role ARN (Enter when done): ", "")
    answer("Other AWS account ID (Enter when done): ", OTHER)
    answer("Other AWS account ID (Enter when done): ", "")

    first = review_page(session)
    assert "  2. Alias                              alias/app-data\n" in first
    assert "     Administrators may delete the key  yes\n" in first
    assert "  Key policy: the console's default, 4 statements (type p to read it)\n" in first
    session.sendline("2")  # back to "Add labels": change the alias, keep the rest
    answer("Alias (required) [app-data]: ", "app-data-v2")
    answer("Description (optional) [Console walk-through]: ", "")
    answer("Remove these tags and start again? [y/N]: ", "")
    answer("Tag key (Enter when done): ", "")

    second = review_page(session)
    assert "  2. Alias                              alias/app-data-v2\n" in second
    session.sendline("3")  # back to the administrators: clear "Allow key administrators to delete this key"
    answer("Remove these key administrators and start again? [y/N]: ", "")
    answer("Key administrator, an IAM user or role ARN (Enter when done): ", "")
    answer("Allow key administrators to delete this key? [Y/n]: ", "n")

    request = console.ConsoleKeyRequest(
        alias_name="alias/app-data-v2", key_spec="RSA_2048", key_usage="ENCRYPT_DECRYPT",
        description="Console walk-through", tags=(Tag("Project", "alpha"),), key_administrators=(ADMIN,),
        allow_administrator_deletion=False, key_users=(USER,), other_accounts=(OTHER,),
    )  # fmt: skip
    policy = console.console_key_policy("aws", ACCOUNT, request)
    third = review_page(session)
    assert "     Administrators may delete the key  no\n" in third
    assert policy not in third
    session.sendline("p")
    session.expect_exact(REVIEW_PROMPT)
    assert str(session.before).replace("\r\n", "\n") == "p\n" + policy + "\n\n"
    assert "kms:ScheduleKeyDeletion" not in policy
    session.sendline("F")
    session.expect_exact("Creating key…")
    session.expect(pexpect.EOF)
    session.close()
    assert (session.exitstatus, session.signalstatus) == (0, None)

    printed = json.loads(str(session.before).replace("\r\n", "\n"))
    described = kmscli(environ, "describe-key", "--key-id", "alias/app-data-v2")
    assert (described.returncode, described.stderr) == (0, "")
    assert printed == {
        "KeyMetadata": json.loads(described.stdout)["KeyMetadata"],
        "AliasName": "alias/app-data-v2",
        "AliasArn": f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/app-data-v2",
    }
    metadata = printed["KeyMetadata"]
    assert (metadata["KeySpec"], metadata["KeyUsage"], metadata["Description"], metadata["CreationDate"]) == (
        "RSA_2048", "ENCRYPT_DECRYPT", "Console walk-through", NOW,
    )  # fmt: skip

    stored = kmscli(environ, "get-key-policy", "--key-id", metadata["KeyId"], "--policy-name", "default",
                    "--query", "Policy", "--output", "text")  # fmt: skip
    assert (stored.returncode, stored.stdout, stored.stderr) == (0, policy + "\n", "")
    doc = json.loads(policy)
    assert doc["Statement"][1]["Action"][-2:] == ["kms:TagResource", "kms:UntagResource"]
    assert doc["Statement"][2]["Principal"] == {"AWS": [USER, f"arn:aws:iam::{OTHER}:root"]}

    # The first alias was changed before Finish, so it never existed.
    old = kmscli(environ, "describe-key", "--key-id", "alias/app-data")
    assert (old.returncode, old.stdout) == (255, "")
    assert old.stderr == (
        "\nAn error occurred (NotFoundException) when calling the DescribeKey operation: "
        f"Alias arn:aws:kms:{REGION}:{ACCOUNT}:alias/app-data is not found.\n"
    )
    with Store(tmp_path / "state").transaction(write=False, account_id=ACCOUNT, region=REGION) as repo:
        assert repo.list_keys(None, 100) == [metadata["KeyId"]]
        assert repo.list_aliases(None, None, 100) == [Alias("alias/app-data-v2", metadata["KeyId"], NOW, NOW)]
        assert repo.get_tags(metadata["KeyId"]) == [Tag("Project", "alpha")]


@pytest.mark.parametrize(
    ("key", "at"),
    [
        pytest.param("\x03", "Key type [symmetric]: ", id="ctrl-c-at-the-first-prompt"),
        pytest.param("\x04", "Alias (required): ", id="ctrl-d-at-the-alias"),
        pytest.param("\x03", REVIEW_PROMPT, id="ctrl-c-at-the-review"),
    ],
)
def test_interrupting_the_console_says_no_key_was_created(environ, tmp_path, key, at) -> None:
    session = pexpect.spawn(
        sys.executable, ["-m", "kmscli", "console", "create-key"], env=environ, cwd=str(ROOT),
        encoding="utf-8", timeout=60, dimensions=(24, 80),
    )  # fmt: skip
    answers = {"Alias (required): ": "kept", "Key administrator": "", "Key user": "", "Other AWS account": ""}
    while True:
        index = session.expect_exact([at, "? [y/N]: ", "? [Y/n]: ", "]: ", "): "])
        if index == 0:
            break
        session.sendline(next((v for k, v in answers.items() if k in str(session.before) + session.after), ""))
    session.send(key)
    session.expect_exact("Cancelled; no key was created.")
    session.expect(pexpect.EOF)
    session.close()
    assert (session.exitstatus, session.signalstatus) == (130, None)
    listed = kmscli(environ, "list-keys", "--query", "length(Keys)")
    assert (listed.returncode, listed.stdout, listed.stderr) == (0, "0\n", "")
