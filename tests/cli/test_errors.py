"""Exit statuses and error text of the AWS CLI v1 grammar (docs/decisions.md#cli): 2 for usage, 255 for the rest."""

from __future__ import annotations

import contextlib
import platform
import sqlite3
from importlib.metadata import version
from pathlib import Path

import pytest
from click.testing import CliRunner

from kmscli import __version__
from kmscli.cli import cli
from kmscli.session import Session
from kmscli.store import Store

KEY1 = "b5dacb29-7d38-4ab6-983e-a65abddb4b70"  # the first key ID the `env` fixture hands out

USAGE = (
    "usage: kmscli [options] <command> [parameters]\n"
    "To see help text, you can run:\n"
    "\n"
    "  kmscli --help\n"
    "  kmscli <command> --help\n"
)


def usage_error(message: str) -> str:
    return USAGE + f"kmscli: error: {message}\n"


def unknown_options(listing: str) -> str:
    return USAGE + f"\nUnknown options: {listing}\n"


def count_keys(state_dir: Path) -> int:
    if not (state_dir / "kmscli.sqlite3").exists():
        return 0
    with Store(state_dir).transaction(write=False, account_id="111122223333", region="us-west-2") as repo:
        return repo.count_keys()


# ---------------------------------------------------------------- exit 2: argparse-level usage errors


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["describe-key"], "the following arguments are required: --key-id", id="describe-key"),
        pytest.param(["get-key-policy"], "the following arguments are required: --key-id", id="get-key-policy"),
        pytest.param(
            ["get-key-policy", "--policy-name", "default"],
            "the following arguments are required: --key-id",
            id="get-key-policy-name-only",
        ),
        pytest.param(
            ["create-alias"],
            "the following arguments are required: --alias-name, --target-key-id",
            id="create-alias-both-in-model-order",
        ),
        pytest.param(
            ["create-alias", "--target-key-id", KEY1],
            "the following arguments are required: --alias-name",
            id="create-alias-name",
        ),
        pytest.param(["tag-resource"], "the following arguments are required: --key-id, --tags", id="tag-resource"),
        pytest.param(
            ["tag-resource", "--key-id", KEY1], "the following arguments are required: --tags", id="tag-resource-tags"
        ),
        # The missing-argument error wins over unknown options, as in argparse.
        pytest.param(
            ["describe-key", "--bogus"], "the following arguments are required: --key-id", id="required-beats-unknown"
        ),
        pytest.param(["describe-key", "--key-id"], "argument --key-id: expected one argument", id="value-missing"),
        pytest.param(
            ["create-key", "--description", "-dash"],
            "argument --description: expected one argument",
            id="value-looks-like-an-option",
        ),
        pytest.param(["create-key", "--output"], "argument --output: expected one argument", id="global-value-missing"),
        pytest.param(
            ["create-key", "--multi-region=true"],
            "argument --multi-region: ignored explicit argument 'true'",
            id="flag-with-value",
        ),
        pytest.param(
            ["create-key", "--no-multi-region=1"],
            "argument --no-multi-region: ignored explicit argument '1'",
            id="negative-flag-with-value",
        ),
        pytest.param(
            ["create-key", "--cust", "x"],
            "ambiguous option: --cust could match --customer-master-key-spec, --custom-key-store-id",
            id="ambiguous-prefix",
        ),
        pytest.param(
            ["create-key", "--output", "yaml"],
            "argument --output: Invalid choice, valid choices are:\n\n"
            "json                                     | text                                    \n"
            "table                                   ",
            id="output-choice-after",
        ),
        pytest.param(
            ["--output", "yaml", "describe-key", "--key-id", KEY1],
            "argument --output: Invalid choice, valid choices are:\n\n"
            "json                                     | text                                    \n"
            "table                                   ",
            id="output-choice-before",
        ),
        pytest.param([], "the following arguments are required: command", id="no-command"),
        pytest.param(
            ["--region", "us-west-2"], "the following arguments are required: command", id="only-global-options"
        ),
    ],
)
def test_usage_errors_exit_2(invoke, state_dir, args, message):
    result = invoke(*args)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", usage_error(message))
    assert not (state_dir / "kmscli.sqlite3").exists()


def _choices(commands: list[str]) -> str:
    cells = [f"{c:<40}" for c in commands]
    return "\n".join(" | ".join(cells[i : i + 2]) for i in range(0, len(cells), 2))


def test_unknown_command_without_a_close_match_lists_every_command(invoke):
    result = invoke("frobnicate", "--key-id", KEY1)
    commands = cli.list_commands(None)  # type: ignore[arg-type]  # the listing needs no context
    # Every command this tier ships is offered.
    assert {"create-alias", "create-key", "describe-key", "get-key-policy", "tag-resource"} <= set(commands)
    assert commands == sorted(commands)
    expected = usage_error(f"argument command: Invalid choice, valid choices are:\n\n{_choices(commands)}")
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", expected)


def test_mistyped_command_gets_the_suggestion_first_and_no_list(invoke, state_dir):
    result = invoke("describe-keys", "--key-id", KEY1)
    expected = usage_error(
        "argument command: Invalid choice: 'describe-keys', maybe you meant:\n\n"
        "  * describe-key\n\n`kmscli --help` lists every command."
    )
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", expected)
    assert not (state_dir / "kmscli.sqlite3").exists()


def test_aws_kms_command_kmscli_lacks_says_so():
    # As kmscli would answer if it had no create-key (the README lists the commands it lacks).
    from kmscli.cli.argv import invalid_command

    commands = [c for c in cli.list_commands(None) if c != "create-key"]  # type: ignore[arg-type]
    assert invalid_command("create-key", commands) == (
        "argument command: Invalid choice: 'create-key' is an aws kms command that kmscli does not have"
    )
    assert invalid_command("create-keys", commands).startswith("argument command: Invalid choice, valid choices")


# ---------------------------------------------------------------- exit 255: unknown options


@pytest.mark.parametrize(
    ("args", "listing"),
    [
        pytest.param(["describe-key", "--key-id", KEY1, "--bogus"], "--bogus", id="one"),
        pytest.param(["describe-key", "--key-id", KEY1, "--bogus", "--other"], "--bogus, --other", id="two"),
        # The AWS CLI lists leftovers in order, except that the first bare word goes last.
        pytest.param(
            ["describe-key", "--key-id", KEY1, "--zz1", "a", "--zz2", "b", "--zz3", "c"],
            "--zz1, --zz2, b, --zz3, c, a",
            id="first-bare-word-last",
        ),
        pytest.param(["create-key", "--multi-region", "true"], "true", id="flag-followed-by-a-word"),
        pytest.param(["create-key", "--help-me"], "--help-me", id="not-a-prefix"),
        pytest.param(
            ["describe-key", "--key-id", KEY1, "--multi-region"], "--multi-region", id="option-of-another-command"
        ),
        pytest.param(["--bogus", "create-key"], "--bogus", id="before-the-command"),
    ],
)
def test_unknown_options_exit_255(invoke, state_dir, args, listing):
    result = invoke(*args)
    assert (result.exit_code, result.stdout, result.stderr) == (255, "", unknown_options(listing))
    assert not (state_dir / "kmscli.sqlite3").exists()


# ---------------------------------------------------------------- exit 255: parsing, validation, service errors


@pytest.mark.parametrize(
    ("args", "stderr"),
    [
        pytest.param(
            ["describe-key", "--key-id", ""],
            "\nParameter validation failed:\nInvalid length for parameter KeyId, value: 0, valid min length: 1\n",
            id="param-validation",
        ),
        pytest.param(
            ["create-alias", "--alias-name", "", "--target-key-id", ""],
            "\nParameter validation failed:\n"
            "Invalid length for parameter AliasName, value: 0, valid min length: 1\n"
            "Invalid length for parameter TargetKeyId, value: 0, valid min length: 1\n",
            id="every-problem-at-once",
        ),
        pytest.param(
            ["describe-key", "--key-id", KEY1, "--query", "Keys[?"],
            '\nBad value for --query Keys[?: Invalid jmespath expression: Incomplete expression:\n"Keys[?"\n       ^\n',
            id="bad-query",
        ),
        pytest.param(
            ["describe-key", "--key-id", KEY1],
            "\nAn error occurred (NotFoundException) when calling the DescribeKey operation: "
            f"Key 'arn:aws:kms:us-west-2:111122223333:key/{KEY1}' does not exist\n",
            id="service-error",
        ),
        pytest.param(
            ["describe-key", "--key-id", KEY1, "--output", "text", "--query", "KeyMetadata.KeyId"],
            "\nAn error occurred (NotFoundException) when calling the DescribeKey operation: "
            f"Key 'arn:aws:kms:us-west-2:111122223333:key/{KEY1}' does not exist\n",
            id="service-error-ignores-output-options",
        ),
        pytest.param(
            ["create-key", "--custom-key-store-id", "cks-1"],
            "\nAn error occurred (CustomKeyStoreNotFoundException) when calling the CreateKey operation: \n",
            id="service-error-empty-message",
        ),
    ],
)
def test_errors_exit_255_with_empty_stdout(invoke, state_dir, args, stderr):
    result = invoke(*args)
    assert (result.exit_code, result.stdout, result.stderr) == (255, "", stderr)
    assert count_keys(state_dir) == 0


# ---------------------------------------------------------------- the grammar's conveniences


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(
            ["create-key", "--description", "x", "--query", "KeyMetadata.Description", "--output", "text"],
            id="globals-after",
        ),
        pytest.param(
            ["--query", "KeyMetadata.Description", "--output", "text", "create-key", "--description", "x"],
            id="globals-before",
        ),
        pytest.param(
            ["--output", "text", "create-key", "--description=x", "--query=KeyMetadata.Description"],
            id="mixed-and-equals",
        ),
        pytest.param(["create-key", "--desc", "x", "--qu", "KeyMetadata.Description", "--out", "text"], id="prefixes"),
        pytest.param(
            [
                "create-key",
                "--description",
                "first",
                "--description",
                "x",
                "--query",
                "KeyMetadata.Description",
                "--output",
                "text",
            ],
            id="last-wins",
        ),
    ],
)
def test_option_forms(invoke, state_dir, args):
    result = invoke(*args)
    assert (result.exit_code, result.stdout, result.stderr) == (0, "x\n", "")
    assert count_keys(state_dir) == 1


def test_value_starting_with_a_dash_needs_equals(invoke):
    result = invoke("create-key", "--description=-dash", "--query", "KeyMetadata.Description")
    assert (result.exit_code, result.stdout, result.stderr) == (0, '"-dash"\n', "")


def test_version(invoke, state_dir):
    result = invoke("--version")
    expected = f"kmscli/{__version__} Python/{platform.python_version()} click/{version('click')}\n"
    assert (result.exit_code, result.stdout, result.stderr) == (0, expected, "")
    assert not (state_dir / "kmscli.sqlite3").exists()


# ---------------------------------------------------------------- settings and state (no fixture Env)


@pytest.fixture
def run_real(tmp_path: Path):
    """kmscli with its real settings resolution: region, account and clock come from `environ`."""

    def run(*args: str, **environ: str) -> tuple[int, str, str]:
        runtime = Session(environ={"HOME": str(tmp_path / "home"), **environ}, state_dir=tmp_path / "state", env=None)
        result = CliRunner().invoke(cli, list(args), obj=runtime)
        return result.exit_code, result.stdout, result.stderr

    return run


@pytest.mark.parametrize(
    ("args", "environ", "stderr"),
    [
        pytest.param(
            ["create-key", "--region", "nowhere"],
            {},
            "\nInvalid region 'nowhere': a region looks like us-west-2\n",
            id="bad-region-option",
        ),
        pytest.param(
            ["create-key"],
            {"AWS_REGION": "Moon"},
            "\nInvalid region 'Moon': a region looks like us-west-2\n",
            id="bad-region-variable",
        ),
        pytest.param(
            ["create-key"],
            {"KMSCLI_ACCOUNT_ID": "12"},
            "\nKMSCLI_ACCOUNT_ID must be 12 digits, not '12'\n",
            id="bad-account",
        ),
        pytest.param(
            ["create-key"],
            {"KMSCLI_FIXED_TIME": "yesterday"},
            "\nKMSCLI_FIXED_TIME must be epoch seconds or ISO 8601, not 'yesterday'\n",
            id="bad-fixed-time",
        ),
        *(
            pytest.param(
                ["create-key", "--cli-timestamp-format", "iso8601"],
                {"KMSCLI_FIXED_TIME": moment},
                f"\nKMSCLI_FIXED_TIME must be a moment from 1970 to 3000, not {moment!r}\n",
                id=f"fixed-time-{moment}",
            )
            for moment in ("nan", "inf", "-Infinity", "1e300", "-5", "32503680001", "3000-01-01T00:00:01Z")
        ),
        pytest.param(
            ["create-key", "--profile", "nope"],
            {},
            "\nThe config profile (nope) could not be found\n",
            id="unknown-profile",
        ),
    ],
)
def test_bad_settings_exit_255_and_create_nothing(run_real, tmp_path, args, environ, stderr):
    assert run_real(*args, **environ) == (255, "", stderr)
    database = tmp_path / "state" / "kmscli.sqlite3"
    if database.exists():
        # Keys of every account and region: a setting that was ignored would have put one somewhere.
        with contextlib.closing(sqlite3.connect(database)) as conn:
            assert conn.execute("SELECT count(*) FROM keys").fetchone() == (0,)


def test_corrupt_state_is_one_line_naming_the_file(run_real, tmp_path):
    database = tmp_path / "state" / "kmscli.sqlite3"
    database.parent.mkdir()
    database.write_bytes(b"this is not a database, it is a shopping list\n" * 100)
    expected = f"kmscli: the state database is unreadable: file is not a database ({database})\n"
    assert run_real("describe-key", "--key-id", KEY1, "--region", "us-west-2") == (255, "", expected)
    assert database.read_bytes() == b"this is not a database, it is a shopping list\n" * 100
