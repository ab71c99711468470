"""--output, --query, --color and --cli-timestamp-format through the command line.

Each kmscli command's JSON document is handed to the AWS CLI's own formatters (the oracle in
tests/awscli_oracle.py); kmscli's text and table output for the same command must be the same
bytes. A pseudo-terminal run checks what only a terminal changes: colour and table width.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from kmscli import core
from kmscli.cli import cli
from kmscli.cli.app import USAGE
from kmscli.session import Session
from tests import awscli_oracle

KEY1 = "b5dacb29-7d38-4ab6-983e-a65abddb4b70"  # the first key ID the `env` fixture hands out
ARN1 = f"arn:aws:kms:us-west-2:111122223333:key/{KEY1}"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def aws() -> Iterator[awscli_oracle.AwsCli]:
    if not awscli_oracle.available():
        pytest.skip("the awscli package is not installed")
    oracle = awscli_oracle.AwsCli()
    yield oracle
    oracle.close()


@pytest.fixture
def key(invoke) -> str:
    tags = ["TagKey=env,TagValue=dev", "TagKey=team,TagValue="]
    created = invoke("create-key", "--description", "formats ✓ 日本", "--tags", *tags)
    assert (created.exit_code, created.stderr) == (0, "")
    assert json.loads(created.stdout)["KeyMetadata"]["KeyId"] == KEY1
    assert invoke("create-alias", "--alias-name", "alias/formats", "--target-key-id", KEY1).exit_code == 0
    return KEY1


def ok(result) -> str:
    assert (result.exit_code, result.stderr) == (0, ""), result.stderr
    return str(result.stdout)


def document(invoke, *args: str) -> dict:
    return json.loads(ok(invoke(*args)))


COMMANDS = {
    "describe-key": ("DescribeKey", ["describe-key", "--key-id", KEY1]),
    "describe-key-by-alias": ("DescribeKey", ["describe-key", "--key-id", "alias/formats"]),
    "list-aliases": ("ListAliases", ["list-aliases"]),
    "list-keys": ("ListKeys", ["list-keys"]),
    "list-resource-tags": ("ListResourceTags", ["list-resource-tags", "--key-id", KEY1]),
    "get-key-policy": ("GetKeyPolicy", ["get-key-policy", "--key-id", KEY1, "--policy-name", "default"]),
    "get-key-rotation-status": ("GetKeyRotationStatus", ["get-key-rotation-status", "--key-id", KEY1]),
}


@pytest.mark.parametrize("fmt", ["text", "table"])
@pytest.mark.parametrize("name", list(COMMANDS))
def test_commands_print_what_the_aws_cli_prints_for_their_response(invoke, aws, key, name, fmt):
    title, args = COMMANDS[name]
    response = document(invoke, *args)
    assert ok(invoke(*args, "--output", fmt)) == aws.format(fmt, response, title=title)


def test_create_key_table_is_titled_create_key(invoke, aws):
    printed = ok(invoke("create-key", "--description", "table", "--output", "table"))
    response = document(invoke, "describe-key", "--key-id", KEY1)
    assert printed == aws.format("table", response, title="CreateKey")
    assert printed.splitlines()[1].strip("| ") == "CreateKey"
    assert "||  KeyId                |  b5dacb29-7d38-4ab6-983e-a65abddb4b70 " in printed


QUERIES = [
    "KeyMetadata.KeyId",
    "KeyMetadata.Enabled",
    "KeyMetadata.MultiRegion",
    "KeyMetadata.DeletionDate",
    "KeyMetadata.CreationDate",
    "KeyMetadata.[KeyId,Enabled]",
    "KeyMetadata.{D: Description, K: KeyId}",
    "KeyMetadata.{a: KeyId, b: EncryptionAlgorithms}",
    "KeyMetadata.EncryptionAlgorithms",
    "[KeyMetadata.KeyId, KeyMetadata.EncryptionAlgorithms]",
    "`{}`",
    "`[]`",
]


@pytest.mark.parametrize("fmt", ["json", "text", "table"])
@pytest.mark.parametrize("query", QUERIES)
def test_query_results_print_as_the_aws_cli_prints_them(invoke, aws, key, query, fmt):
    response = document(invoke, "describe-key", "--key-id", key)
    printed = ok(invoke("describe-key", "--key-id", key, "--query", query, "--output", fmt))
    assert printed == aws.format(fmt, response, title="DescribeKey", query=query)


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [("json", "null\n"), ("text", "None\n"), ("table", "")],
)
def test_a_query_yielding_null(invoke, key, fmt, expected):
    assert ok(invoke("describe-key", "--key-id", key, "--query", "KeyMetadata.DeletionDate", "--output", fmt)) == (
        expected
    )


def test_a_scalar_query_in_a_table_loses_the_value(invoke, key):
    printed = ok(invoke("describe-key", "--key-id", key, "--query", "KeyMetadata.KeyId", "--output", "table"))
    assert printed == "-------------\n|DescribeKey|\n+-----------+\n"


def test_get_key_policy_text_is_the_bare_policy(invoke, key):
    policy = document(invoke, "get-key-policy", "--key-id", key, "--policy-name", "default")["Policy"]
    assert ok(invoke("get-key-policy", "--key-id", key, "--policy-name", "default", "--output", "text")) == (
        policy + "\n"
    )


@pytest.mark.parametrize("fmt", ["json", "text", "table"])
def test_an_empty_response_prints_nothing_in_every_format(invoke, key, fmt):
    result = invoke("tag-resource", "--key-id", key, "--tags", "TagKey=x,TagValue=y", "--output", fmt)
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    tags = document(invoke, "list-resource-tags", "--key-id", key, "--query", "Tags[?TagKey=='x']")
    assert tags == [{"TagKey": "x", "TagValue": "y"}]


# ---------------------------------------------------------------- colour


def test_color_on_colours_tables_as_the_aws_cli_does(invoke, aws, key):
    response = document(invoke, "describe-key", "--key-id", key)
    printed = ok(invoke("describe-key", "--key-id", key, "--output", "table", "--color", "on"))
    assert printed == aws.format("table", response, title="DescribeKey", color="on")
    assert "\x1b[1m\x1b[34mENCRYPT_DECRYPT\x1b[0m" in printed


@pytest.mark.parametrize("color", ["off", "auto"])
def test_no_colour_off_a_terminal_unless_asked(invoke, aws, key, color):
    response = document(invoke, "describe-key", "--key-id", key)
    printed = ok(invoke("describe-key", "--key-id", key, "--output", "table", "--color", color))
    assert printed == aws.format("table", response, title="DescribeKey", color="off")
    assert "\x1b" not in printed


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_color_on_leaves_json_and_text_alone(invoke, key, fmt):
    plain = ok(invoke("describe-key", "--key-id", key, "--output", fmt))
    assert ok(invoke("describe-key", "--key-id", key, "--output", fmt, "--color", "on")) == plain
    assert "\x1b" not in plain


def test_an_invalid_color_is_a_usage_error(invoke, key):
    result = invoke("describe-key", "--key-id", key, "--color", "rainbow")
    choices = f"{'on':<40} | {'off':<40}\n{'auto':<40}"
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        USAGE + f"kmscli: error: argument --color: Invalid choice, valid choices are:\n\n{choices}\n"
    )


def test_an_invalid_output_is_a_usage_error(invoke, key):
    result = invoke("--output", "yaml", "describe-key", "--key-id", key)
    choices = f"{'json':<40} | {'text':<40}\n{'table':<40}"
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        USAGE + f"kmscli: error: argument --output: Invalid choice, valid choices are:\n\n{choices}\n"
    )


# ---------------------------------------------------------------- timestamps

ISO_CREATION = "2017-08-16T19:05:55.475000+00:00"  # the fixture clock, 1502910355.475


def test_timestamps_are_epoch_floats_by_default(invoke, key):
    printed = ok(invoke("describe-key", "--key-id", key))
    assert '        "CreationDate": 1502910355.475,\n' in printed
    assert ok(invoke("describe-key", "--key-id", key, "--query", "KeyMetadata.CreationDate", "--output", "text")) == (
        "1502910355.475\n"
    )


@pytest.mark.parametrize("fmt", ["json", "text", "table"])
def test_cli_timestamp_format_iso8601(invoke, aws, key, fmt):
    response = document(invoke, "describe-key", "--key-id", key, "--cli-timestamp-format", "iso8601")
    assert response["KeyMetadata"]["CreationDate"] == ISO_CREATION
    printed = ok(invoke("describe-key", "--key-id", key, "--cli-timestamp-format", "iso8601", "--output", fmt))
    assert printed == aws.format(fmt, response, title="DescribeKey")
    assert ISO_CREATION in printed


@pytest.mark.parametrize("fmt", ["wire", "none"])
def test_cli_timestamp_format_wire_and_none_are_epoch(invoke, key, fmt):
    printed = ok(invoke("describe-key", "--key-id", key, "--cli-timestamp-format", fmt, "--query", "KeyMetadata"))
    assert json.loads(printed)["CreationDate"] == 1502910355.475


def _runtime(tmp_path: Path, env: core.Env, environ: dict[str, str], now: float = 1502910355.475) -> Session:
    return Session(environ=environ, state_dir=tmp_path / "state", env=env._replace(clock=lambda: now))


def test_the_environment_variable_sets_iso8601_and_the_option_wins(tmp_path, env):
    runtime = _runtime(tmp_path, env, {"KMSCLI_TIMESTAMP_FORMAT": "iso8601"})
    runner = CliRunner()
    created = runner.invoke(cli, ["create-key", "--query", "KeyMetadata.CreationDate"], obj=runtime)
    assert (created.exit_code, created.stdout, created.stderr) == (0, f'"{ISO_CREATION}"\n', "")
    wire = runner.invoke(cli, ["describe-key", "--key-id", KEY1, "--query", "KeyMetadata.CreationDate",
                               "--cli-timestamp-format", "wire"], obj=runtime)  # fmt: skip
    assert (wire.exit_code, wire.stdout, wire.stderr) == (0, "1502910355.475\n", "")


def test_iso8601_has_no_fraction_when_the_microseconds_are_zero(tmp_path, env, aws):
    runtime = _runtime(tmp_path, env, {}, now=1499988169.0)
    runner = CliRunner()
    created = runner.invoke(
        cli, ["create-key", "--cli-timestamp-format", "iso8601", "--query", "KeyMetadata.CreationDate"], obj=runtime
    )
    assert (created.exit_code, created.stdout, created.stderr) == (0, '"2017-07-13T23:22:49+00:00"\n', "")
    assert aws.iso8601(1499988169.0) == "2017-07-13T23:22:49+00:00"
    epoch = runner.invoke(cli, ["describe-key", "--key-id", KEY1, "--query", "KeyMetadata.CreationDate"], obj=runtime)
    assert (epoch.exit_code, epoch.stdout, epoch.stderr) == (0, "1499988169.0\n", "")


# ---------------------------------------------------------------- a real terminal


def _terminal_run(environ: dict[str, str], columns: int, *args: str) -> str:
    pexpect = pytest.importorskip("pexpect")
    session = pexpect.spawn(
        sys.executable, ["-m", "kmscli", *args], env=environ, cwd=str(ROOT),
        encoding="utf-8", timeout=60, dimensions=(50, columns),
    )  # fmt: skip
    session.expect(pexpect.EOF)
    session.close()
    assert session.exitstatus == 0
    return str(session.before).replace("\r\n", "\n")


@pytest.fixture
def terminal_environ(tmp_path: Path) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "KMSCLI_"))}
    environ.update(
        KMSCLI_STATE_DIR=str(tmp_path / "state"), HOME=str(tmp_path / "home"), AWS_REGION="us-west-2",
        KMSCLI_FIXED_TIME="1502910355.475", KMSCLI_SEED="terminal",
    )  # fmt: skip
    created = subprocess.run(
        [sys.executable, "-m", "kmscli", "create-key", "--description", "tty", "--query", "KeyMetadata.KeyId",
         "--output", "text"],
        env=environ, cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    environ["TEST_KEY_ID"] = created.stdout.strip()
    return environ


def test_a_terminal_gets_colour_by_default(terminal_environ, aws):
    key_id = terminal_environ["TEST_KEY_ID"]
    query = "KeyMetadata.{Id: KeyId, Enabled: Enabled}"
    response = json.loads(
        subprocess.run(
            [sys.executable, "-m", "kmscli", "describe-key", "--key-id", key_id],
            env=terminal_environ, cwd=ROOT, capture_output=True, text=True, check=True,
        ).stdout
    )  # fmt: skip
    shown = _terminal_run(terminal_environ, 100, "describe-key", "--key-id", key_id, "--query", query,
                          "--output", "table")  # fmt: skip
    assert shown == aws.format("table", response, title="DescribeKey", query=query, color="on")
    plain = _terminal_run(terminal_environ, 100, "describe-key", "--key-id", key_id, "--query", query,
                          "--output", "table", "--color", "off")  # fmt: skip
    assert plain == aws.format("table", response, title="DescribeKey", query=query, color="off")


def test_a_wide_terminal_keeps_a_wide_table_horizontal(terminal_environ):
    key_id = terminal_environ["TEST_KEY_ID"]
    query = "KeyMetadata.{Arn: Arn, Id: KeyId, Spec: KeySpec}"
    args = ("describe-key", "--key-id", key_id, "--query", query, "--output", "table", "--color", "off")
    wide = _terminal_run(terminal_environ, 200, *args).splitlines()
    narrow = _terminal_run(terminal_environ, 80, *args).splitlines()
    # Arn (75) + Id (36) + Spec (17) + padding: 142 columns, one row under a header row.
    assert len(wide[0]) == 142
    assert wide[3].split() == ["|", "Arn", "|", "Id", "|", "Spec", "|"]
    assert narrow[3].split("|")[1].strip() == "Arn"
    assert len(narrow) == 7
