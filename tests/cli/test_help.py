"""Help that answers the question: required options, defaults, types, values, and the ways to ask for it."""

from __future__ import annotations

import re
import sys
from importlib.metadata import version

import click
import pytest

from kmscli import __version__
from kmscli.cli import cli

USAGE = (
    "usage: kmscli [options] <command> [parameters]\n"
    "To see help text, you can run:\n"
    "\n"
    "  kmscli --help\n"
    "  kmscli <command> --help\n"
)
VERSION = f"kmscli/{__version__} Python/{sys.version.split()[0]} click/{version('click')}\n"


def _flat(text: str) -> str:
    return " ".join(text.split())


def _option_help(page: str, flag: str) -> str:
    """The (unwrapped) text of one option in an Options list."""
    match = re.search(rf"^  {re.escape(flag)}\b(.*?)(?=^  --|^\S|\n\n)", page, flags=re.M | re.S)
    assert match is not None, f"{flag} is not listed"
    return _flat(match.group(1))


def test_encrypt_marks_its_required_options(invoke):
    result = invoke("encrypt", "--help")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.startswith("Usage: kmscli encrypt --key-id <value> --plaintext <value> [OPTIONS]\n")
    assert _option_help(result.stdout, "--key-id").endswith("[required]")
    assert _option_help(result.stdout, "--plaintext").endswith("[required]")
    assert "[required]" not in _option_help(result.stdout, "--encryption-context")


def test_defaults_integers_and_values_are_shown(invoke):
    create = invoke("create-key", "--help").stdout
    assert _option_help(create, "--key-spec").startswith("VALUE The type of key (key spec). Values: RSA_2048, ")
    assert _option_help(create, "--key-spec").endswith("ML_KEM_1024. [default: SYMMETRIC_DEFAULT]")
    assert _option_help(create, "--key-usage").endswith("[default: ENCRYPT_DECRYPT]")
    schedule = invoke("schedule-key-deletion", "--help").stdout
    assert _option_help(schedule, "--pending-window-in-days") == (
        "INTEGER Days before the key is deleted, 7 to 30. [default: 30]"
    )
    assert _option_help(invoke("generate-random", "--help").stdout, "--number-of-bytes").startswith("INTEGER ")
    # A short list of values stays in the option's column.
    assert _option_help(invoke("sign", "--help").stdout, "--message-type").startswith("[RAW|DIGEST|EXTERNAL_MU] ")


def test_file_urls_are_mentioned_once(invoke):
    page = invoke("create-key", "--help").stdout
    assert _flat(page).count("file://PATH") == 1
    assert "Every string option also accepts file://PATH" in _flat(page)


def test_first_errors_are_answered_in_the_help(invoke):
    assert "HMAC key specs need --key-usage" in _flat(invoke("create-key", "--help").stdout)
    assert "CiphertextBlob is base64-encoded" in _flat(invoke("encrypt", "--help").stdout)
    decrypt = _flat(invoke("decrypt", "--help").stdout)
    assert "--query Plaintext | base64 --decode > ExamplePlaintextFile" in decrypt


def test_root_help_shows_whole_summaries_help_and_where_to_read_more(invoke):
    result = invoke("--help")
    assert (result.exit_code, result.stderr) == (0, "")
    ctx = click.Context(cli, info_name="kmscli")
    text = _flat(result.stdout)
    for name in cli.list_commands(ctx):
        summary = cli.get_command(ctx, name).get_short_help_str(limit=1000)
        assert f"{name} {summary}" in text
    assert "--help Show this help and exit." in text
    assert result.stdout.endswith(
        "\n\n  One command's help:\n    kmscli help COMMAND\n    kmscli COMMAND --help\n    man kmscli-COMMAND\n"
    )


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["help", "create-key"], id="help-first"),
        pytest.param(["create-key", "help"], id="help-last"),
        pytest.param(["create-key", "--key-spec", "RSA_2048", "help"], id="help-after-options"),
        pytest.param(["--region", "us-west-2", "help", "create-key"], id="help-after-globals"),
    ],
)
def test_every_way_of_asking_gives_the_command_help(invoke, state_dir, args):
    result = invoke(*args)
    assert (result.exit_code, result.stdout, result.stderr) == (0, invoke("create-key", "--help").stdout, "")
    assert not state_dir.exists()


def test_help_of_a_console_command(invoke):
    result = invoke("help", "console", "create-key")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == invoke("console", "create-key", "--help").stdout
    assert result.stdout.startswith("Usage: kmscli console create-key ")


def test_help_of_an_unknown_command_is_a_usage_error(invoke):
    result = invoke("help", "describe-keys")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == USAGE + (
        "kmscli: error: argument command: Invalid choice: 'describe-keys', maybe you meant:\n\n"
        "  * describe-key\n\n`kmscli --help` lists every command.\n"
    )


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["create-key", "--version"], id="after-a-command"),
        pytest.param(["create-key", "--description", "x", "--version"], id="after-options"),
        pytest.param(["--version", "create-key"], id="before-a-command"),
        pytest.param(["serve", "--port", "0", "--version"], id="serve"),
        pytest.param(["console", "create-key", "--alias-name", "a", "--yes", "--version"], id="console"),
    ],
)
def test_version_anywhere_prints_the_version_and_runs_nothing(invoke, state_dir, args):
    result = invoke(*args)
    assert (result.exit_code, result.stdout, result.stderr) == (0, VERSION, "")
    assert not state_dir.exists()


@pytest.mark.parametrize(
    ("args", "unknown", "suggestion"),
    [
        pytest.param(["create-key", "--key-spc", "RSA_2048"], "--key-spc, RSA_2048", "--key-spec", id="command-option"),
        pytest.param(["--regoin", "us-west-2", "list-keys"], "--regoin", "--region", id="global-before"),
        pytest.param(["list-keys", "--ouptut", "text"], "--ouptut, text", "--output", id="global-after"),
        pytest.param(["serve", "--prot", "0"], "--prot", "--port", id="serve"),
    ],
)
def test_a_mistyped_option_gets_one_suggestion(invoke, state_dir, args, unknown, suggestion):
    result = invoke(*args)
    expected = USAGE + f"\nUnknown options: {unknown}\ndid you mean {suggestion}?\n"
    assert (result.exit_code, result.stdout, result.stderr) == (255, "", expected)
    assert not state_dir.exists()


def test_an_option_nothing_is_close_to_gets_no_suggestion(invoke):
    result = invoke("create-key", "--frobnicate")
    assert (result.exit_code, result.stdout, result.stderr) == (255, "", USAGE + "\nUnknown options: --frobnicate\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["serve", "--port"], "argument --port: expected one argument", id="serve-missing-value"),
        pytest.param(
            ["serve", "--port", "x"], "argument --port: 'x' is not a valid integer range.", id="serve-bad-value"
        ),
        pytest.param(
            ["console", "crate-key"],
            "argument command: Invalid choice: 'crate-key', maybe you meant:\n\n"
            "  * create-key\n\n`kmscli --help` lists every command.",
            id="console-mistyped-command",
        ),
        pytest.param(
            ["console", "create-key", "--output", "yaml"],
            "argument --output: Invalid choice, valid choices are:\n\n"
            "json                                     | text                                    \n"
            "table                                   ",
            id="console-bad-choice",
        ),
    ],
)
def test_serve_and_console_usage_errors_look_like_every_other(invoke, state_dir, args, message):
    result = invoke(*args)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", USAGE + f"kmscli: error: {message}\n")
    assert not state_dir.exists()
