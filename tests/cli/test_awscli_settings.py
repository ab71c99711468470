"""The AWS CLI's own settings: default output, timestamp format, empty lists, paging limits and places.

Each behaviour is checked against the AWS CLI v1's code (the `awscli` package) or botocore's
paginator, which the tests run as the oracle where they can.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.paginate import Paginator
from click.testing import CliRunner, Result

from kmscli import core, output
from kmscli.cli import argv, cli
from kmscli.session import Session
from kmscli.store import Store

WARNING = "warning: Non-positive values for --max-items may result in undefined behavior.\n"


@pytest.fixture
def run(state_dir: Path, env: core.Env) -> Callable[..., Result]:
    """`run(environ, *args)`: kmscli in process with this environment (settings), a fixed identity."""

    def invoke(environ: dict[str, str], *args: str) -> Result:
        return CliRunner().invoke(cli, list(args), obj=Session(environ=environ, state_dir=state_dir, env=env))

    return invoke


@pytest.fixture
def config_file(tmp_path: Path) -> Callable[[str], dict[str, str]]:
    """`config_file(text)`: writes an AWS config file; the environment that selects it."""

    def write(text: str) -> dict[str, str]:
        path = tmp_path / "aws-config"
        path.write_text(text, encoding="utf-8")
        return {"AWS_CONFIG_FILE": str(path)}

    return write


def ok(result: Result) -> str:
    assert (result.exit_code, result.stderr) == (0, ""), result.stderr
    return result.stdout


def key_count(state_dir: Path, env: core.Env) -> int:
    with Store(state_dir).transaction(write=False, account_id=env.account_id, region=env.region) as repo:
        return repo.count_keys()


# ---------------------------------------------------------------- the default output format


def test_the_output_format_comes_from_the_option_the_environment_the_profile_then_json(run, config_file) -> None:
    # awscli/__init__.py declares the `output` setting as ('output', 'AWS_DEFAULT_OUTPUT', 'json'): the
    # --output option first, then the environment variable, then the profile's `output`, then json.
    ok(run({}, "create-key", "--description", "d"))
    as_text = ok(run({}, "list-keys", "--output", "text"))
    as_table = ok(run({}, "list-keys", "--output", "table"))
    as_json = ok(run({}, "list-keys"))
    assert (as_json[:2], as_text[:5], as_table[:4]) == ("{\n", "KEYS\t", "----")
    profile = config_file("[default]\noutput = table\n[profile other]\noutput = text\n")
    assert ok(run(profile, "list-keys")) == as_table
    assert ok(run({**profile, "AWS_PROFILE": "other"}, "list-keys")) == as_text
    assert ok(run(profile, "--profile", "other", "list-keys")) == as_text
    assert ok(run({**profile, "AWS_DEFAULT_OUTPUT": "json"}, "list-keys")) == as_json
    assert ok(run({"AWS_DEFAULT_OUTPUT": "text"}, "list-keys")) == as_text
    assert ok(run({**profile, "AWS_DEFAULT_OUTPUT": "text"}, "list-keys", "--output", "json")) == as_json


@pytest.mark.parametrize("source", ["environment", "profile"])
def test_an_unknown_output_format_is_refused_before_anything_runs(
    run, config_file, state_dir: Path, env: core.Env, source: str
) -> None:
    # The AWS CLI's formatter refuses it with `Unknown output type: <value>` (awscli/formatter.py,
    # get_formatter), exit 255; kmscli says so before the command changes anything.
    environ = {"AWS_DEFAULT_OUTPUT": "yaml"} if source == "environment" else config_file("[default]\noutput=yaml\n")
    result = run(environ, "create-key")
    assert (result.exit_code, result.stdout, result.stderr) == (255, "", "\nUnknown output type: yaml\n")
    assert key_count(state_dir, env) == 0


# ---------------------------------------------------------------- cli_timestamp_format in the profile


def test_the_profile_cli_timestamp_format_is_honoured_below_the_option_and_the_environment(run, config_file) -> None:
    # awscli/customizations/scalarparse.py reads `cli_timestamp_format` (wire, none or iso8601) from the
    # selected profile; kmscli's --cli-timestamp-format and KMSCLI_TIMESTAMP_FORMAT come before it.
    query = ("--query", "KeyMetadata.CreationDate", "--output", "text")
    key_id = ok(run({}, "create-key", "--query", "KeyMetadata.KeyId", "--output", "text")).strip()
    describe = ("describe-key", "--key-id", key_id, *query)
    wire = ok(run({}, *describe))
    assert wire == "1502910355.475\n"
    iso = "2017-08-16T19:05:55.475000+00:00\n"
    profile = config_file("[default]\ncli_timestamp_format = iso8601\n[profile raw]\ncli_timestamp_format = none\n")
    assert ok(run(profile, *describe)) == iso
    assert ok(run({**profile, "AWS_PROFILE": "raw"}, *describe)) == wire
    assert ok(run({**profile, "KMSCLI_TIMESTAMP_FORMAT": "wire"}, *describe)) == wire
    assert (
        ok(run({**profile, "KMSCLI_TIMESTAMP_FORMAT": "wire"}, *describe, "--cli-timestamp-format", "iso8601")) == iso
    )


def test_an_unknown_profile_cli_timestamp_format_is_the_aws_clis_error(run, config_file) -> None:
    # scalarparse.py raises ValueError('Unknown cli_timestamp_format value: ...'), which the AWS CLI
    # prints as its `\n<message>\n` with exit 255.
    result = run(config_file("[default]\ncli_timestamp_format = epoch\n"), "list-keys")
    assert (result.exit_code, result.stdout) == (255, "")
    assert result.stderr == (
        '\nUnknown cli_timestamp_format value: epoch, valid values are "none", "wire" or "iso8601"\n'
    )


# ---------------------------------------------------------------- list options with no values


def _list_options() -> list[tuple[str, argv.OptionSpec]]:
    return [
        (operation, spec)
        for operation in core.MODULES
        for spec in argv.operation_options(operation)
        if spec.nargs == "+"
    ]


@pytest.mark.parametrize(("operation", "spec"), _list_options(), ids=lambda v: getattr(v, "flag", v))
def test_every_list_option_given_no_values_is_an_empty_list(operation: str, spec: argv.OptionSpec) -> None:
    # The AWS CLI adds list parameters with nargs='*' (awscli/arguments.py, ListArgument), so
    # `--tags` followed by nothing (an empty "$@" in a script) sends [].
    parsed, _ = argv.parse([spec.flag, "--debug"], (*argv.operation_options(operation), *argv.GLOBAL_OPTIONS))
    assert (parsed.values[spec.dest], parsed.unknown) == ([], [])


def test_empty_lists_reach_the_service(run, state_dir: Path, env: core.Env) -> None:
    metadata = json.loads(ok(run({}, "create-key", "--tags")))["KeyMetadata"]
    assert json.loads(ok(run({}, "list-resource-tags", "--key-id", metadata["KeyId"]))) == {"Tags": []}
    encrypted = run(
        {}, "encrypt", "--key-id", metadata["KeyId"], "--plaintext", "p", "--grant-tokens", "--output", "text"
    )
    assert encrypted.exit_code == 0
    # CreateGrant's Operations has no minimum in the model, so an empty list is the service's to refuse.
    result = run(
        {}, "create-grant", "--key-id", metadata["KeyId"], "--grantee-principal", env.caller_arn, "--operations"
    )
    assert (result.exit_code, result.stdout) == (255, "")
    assert result.stderr == (
        "\nAn error occurred (ValidationException) when calling the CreateGrant operation: 1 validation error "
        "detected: Value '[]' at 'operations' failed to satisfy constraint: Member must have length greater "
        "than or equal to 1\n"
    )
    assert key_count(state_dir, env) == 1


# ---------------------------------------------------------------- --max-items 0 and below


def _botocore_full_result(state_dir: Path, env: core.Env, max_items: int, starting_token: str | None) -> dict:
    """What botocore's own paginator (the AWS CLI's) builds over the same keys, for ListKeys."""
    session = botocore.session.get_session()
    model = session.get_service_model("kms")
    config = session.get_paginator_model("kms").get_paginator("ListKeys")
    shape = core.get_operation("ListKeys").output_shape

    def list_keys(**params: Any) -> dict:
        with Store(state_dir).transaction(write=False, account_id=env.account_id, region=env.region) as repo:
            return output.result_document(shape, core.call("ListKeys", params, repo, env))

    paging: dict[str, Any] = {"MaxItems": max_items, "PageSize": 2}
    if starting_token is not None:
        paging["StartingToken"] = starting_token
    paginator = Paginator(list_keys, config, model.operation_model("ListKeys"))
    return paginator.paginate(PaginationConfig=paging).build_full_result()


@pytest.mark.parametrize("max_items", [0, -1, -2])
def test_non_positive_max_items_page_as_botocores_paginator(
    run, state_dir: Path, env: core.Env, max_items: int
) -> None:
    # The AWS CLI warns (awscli/customizations/paginate.py), then hands the value to botocore's
    # paginator (botocore/paginate.py, PageIterator): 0 keeps nothing of the first page, -1 all but its
    # last item, and the NextToken resumes from there.
    for _ in range(5):
        ok(run({}, "create-key"))
    token = None
    for _ in range(3):
        args = ["list-keys", "--max-items", str(max_items), "--page-size", "2"]
        result = run({}, *args, *(["--starting-token", token] if token else []))
        expected = _botocore_full_result(state_dir, env, max_items, token)
        assert (result.exit_code, result.stderr) == (0, WARNING)
        assert json.loads(result.stdout) == expected
        assert "NextToken" in expected
        token = expected["NextToken"]


# ---------------------------------------------------------------- paging options before the command


def test_paging_options_may_come_before_the_command(run) -> None:
    for _ in range(3):
        ok(run({}, "create-key"))
    after = ok(run({}, "list-keys", "--max-items", "1", "--page-size", "2"))
    assert json.loads(after)["NextToken"]
    assert ok(run({}, "--max-items", "1", "--page-size", "2", "list-keys")) == after
    token = json.loads(after)["NextToken"]
    rest = ok(run({}, "list-keys", "--starting-token", token))
    assert ok(run({}, "--starting-token", token, "list-keys")) == rest
    assert len(json.loads(rest)["Keys"]) == 2


def test_paging_options_before_a_command_that_does_not_page_are_unknown(run) -> None:
    # As after such a command, where the AWS CLI has no such option: `Unknown options: ...`, exit 255.
    result = run({}, "--max-items", "1", "describe-key", "--key-id", "alias/x")
    assert (result.exit_code, result.stdout) == (255, "")
    assert result.stderr.endswith("\nUnknown options: --max-items, 1\n")
    assert result.stderr == run({}, "describe-key", "--key-id", "alias/x", "--max-items", "1").stderr
