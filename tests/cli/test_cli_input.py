"""--cli-input-json and --generate-cli-skeleton, as the AWS CLI has them on every command."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from kmscli import core
from kmscli.cli.app import COMMAND_TO_OPERATION


def ok(result: Result) -> str:
    assert (result.exit_code, result.stderr) == (0, ""), result.stderr
    return result.stdout


def test_skeleton_round_trip_creates_the_key_it_describes(invoke: Callable[..., Result], tmp_path: Path) -> None:
    skeleton = json.loads(ok(invoke("create-key", "--generate-cli-skeleton")))
    assert list(skeleton) == [m for m, *_ in core.SHAPES["CreateKeyRequest"]["members"]]
    # Fill in the skeleton as a user would, dropping what they do not want.
    filled = {
        "Description": "from a skeleton",
        "KeyUsage": "SIGN_VERIFY",
        "KeySpec": "ECC_NIST_P256",
        "Tags": [{"TagKey": "team", "TagValue": "blue"}],
        "MultiRegion": False,
    }
    assert set(filled) <= set(skeleton)
    (tmp_path / "input.json").write_text(json.dumps(filled))
    meta = json.loads(ok(invoke("create-key", "--cli-input-json", f"file://{tmp_path / 'input.json'}")))["KeyMetadata"]
    assert (meta["Description"], meta["KeySpec"], meta["KeyUsage"], meta["MultiRegion"]) == (
        "from a skeleton",
        "ECC_NIST_P256",
        "SIGN_VERIFY",
        False,
    )
    tags = json.loads(ok(invoke("list-resource-tags", "--key-id", meta["KeyId"])))
    assert tags == {"Tags": [{"TagKey": "team", "TagValue": "blue"}]}


def test_explicit_options_override_cli_input_json(invoke: Callable[..., Result]) -> None:
    doc = json.dumps({"Description": "from json", "KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"})
    meta = json.loads(ok(invoke("create-key", "--cli-input-json", doc, "--description", "from option")))["KeyMetadata"]
    assert (meta["Description"], meta["KeySpec"]) == ("from option", "HMAC_256")


def test_cli_input_json_satisfies_required_options(invoke: Callable[..., Result]) -> None:
    key_id = json.loads(ok(invoke("create-key")))["KeyMetadata"]["KeyId"]
    out = ok(invoke("describe-key", "--cli-input-json", json.dumps({"KeyId": key_id})))
    assert json.loads(out)["KeyMetadata"]["KeyId"] == key_id


@pytest.mark.parametrize(
    ("document", "stderr"),
    [
        (
            '{"KeyId": ',
            "\nError parsing parameter 'cli-input-json': Invalid JSON: Expecting value: line 1 column 11 "
            '(char 10)\nJSON received: {"KeyId": \n',
        ),
        ("{}", '\nParameter validation failed:\nMissing required parameter in input: "KeyId"\n'),
        (
            '{"KeyId": "x", "Bogus": 1}',
            '\nParameter validation failed:\nUnknown parameter in input: "Bogus", must be one of: KeyId, GrantTokens\n',
        ),
    ],
)
def test_bad_cli_input_json(invoke: Callable[..., Result], document: str, stderr: str) -> None:
    result = invoke("describe-key", "--cli-input-json", document)
    assert (result.exit_code, result.stdout, result.stderr) == (255, "", stderr)


def test_output_skeleton_names_strings_after_their_members(invoke: Callable[..., Result]) -> None:
    assert json.loads(ok(invoke("get-key-policy", "--generate-cli-skeleton", "output"))) == {
        "Policy": "Policy",
        "PolicyName": "PolicyName",
    }
    # An operation without output members prints an empty document.
    assert ok(invoke("tag-resource", "--generate-cli-skeleton", "output")) == "{}\n"


@pytest.mark.parametrize("command", sorted(COMMAND_TO_OPERATION))
def test_every_command_has_an_input_skeleton_of_its_model_members(invoke: Callable[..., Result], command: str) -> None:
    operation = COMMAND_TO_OPERATION[command]
    skeleton = json.loads(ok(invoke(command, "--generate-cli-skeleton")))
    members = [m for m, *_ in core.SHAPES[core.MODEL_OPERATIONS[operation]["input"]]["members"]]
    assert list(skeleton) == members


def test_skeleton_needs_no_required_options_and_touches_no_state(
    invoke: Callable[..., Result], state_dir: Path
) -> None:
    assert json.loads(ok(invoke("tag-resource", "--generate-cli-skeleton", "input")))["KeyId"] == ""
    assert not state_dir.exists()
