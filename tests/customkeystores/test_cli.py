"""The six custom key store commands in an account that has no custom key store.

Every one is a command (never argparse's "invalid choice"), and each answers as KMS answers an
account without custom key stores: DescribeCustomKeyStores lists none, an unknown store ID is
CustomKeyStoreNotFoundException with no message (the AWS CLI then prints nothing after the colon),
and CreateCustomKeyStore cannot find the CloudHSM cluster or reach the proxy it names.
Reference: botocore's KMS model (the six operations and their errors) and the AWS CLI's output.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

STORE = "cks-1234567890abcdef0"


def not_found(operation: str) -> str:
    return f"\nAn error occurred (CustomKeyStoreNotFoundException) when calling the {operation} operation: \n"


def test_describe_lists_no_store(invoke: Callable[..., Result], state_dir: Path) -> None:
    result = invoke("describe-custom-key-stores")
    assert (result.exit_code, result.stdout, result.stderr) == (0, '{\n    "CustomKeyStores": []\n}\n', "")


@pytest.mark.parametrize(
    ("output", "expected"),
    [("text", ""), ("table", "-------------------------\n|DescribeCustomKeyStores|\n+-----------------------+\n")],
)
def test_describe_in_other_formats(invoke: Callable[..., Result], output: str, expected: str) -> None:
    result = invoke("describe-custom-key-stores", "--output", output)
    assert (result.exit_code, result.stdout, result.stderr) == (0, expected, "")


@pytest.mark.parametrize(
    ("args", "operation"),
    [
        (["describe-custom-key-stores", "--custom-key-store-id", STORE], "DescribeCustomKeyStores"),
        (["describe-custom-key-stores", "--custom-key-store-name", "ExampleKeyStore"], "DescribeCustomKeyStores"),
        (
            ["update-custom-key-store", "--custom-key-store-id", STORE, "--new-custom-key-store-name", "b"],
            "UpdateCustomKeyStore",
        ),
        (["delete-custom-key-store", "--custom-key-store-id", STORE], "DeleteCustomKeyStore"),
        (["connect-custom-key-store", "--custom-key-store-id", STORE], "ConnectCustomKeyStore"),
        (["disconnect-custom-key-store", "--custom-key-store-id", STORE], "DisconnectCustomKeyStore"),
    ],
)
def test_an_unknown_store_is_not_found(
    invoke: Callable[..., Result], state_dir: Path, args: list[str], operation: str
) -> None:
    result = invoke(*args)
    assert (result.exit_code, result.stdout, result.stderr) == (255, "", not_found(operation))


def test_create_cloudhsm_store_names_the_missing_cluster(invoke: Callable[..., Result]) -> None:
    result = invoke(
        "create-custom-key-store",
        "--custom-key-store-name", "ExampleKeyStore",
        "--cloud-hsm-cluster-id", "cluster-7abcdefghij",
        "--trust-anchor-certificate", "MIICertificate",
        "--key-store-password", "kmsPswd",
    )  # fmt: skip
    assert (result.exit_code, result.stdout, result.stderr) == (
        255,
        "",
        "\nAn error occurred (CloudHsmClusterNotFoundException) when calling the CreateCustomKeyStore operation: "
        "The request was rejected because KMS cannot find the AWS CloudHSM cluster with the specified cluster ID: "
        "cluster-7abcdefghij.\n",
    )


def test_required_options_are_usage_errors_as_in_the_aws_cli(invoke: Callable[..., Result]) -> None:
    result = invoke("connect-custom-key-store")
    assert result.exit_code == 2
    assert result.stderr.endswith("kmscli: error: the following arguments are required: --custom-key-store-id\n")


def test_describe_refuses_id_and_name_together(invoke: Callable[..., Result]) -> None:
    result = invoke("describe-custom-key-stores", "--custom-key-store-id", STORE, "--custom-key-store-name", "a")
    assert (result.exit_code, result.stdout) == (255, "")
    assert result.stderr == (
        "\nAn error occurred (ValidationException) when calling the DescribeCustomKeyStores operation: "
        "You cannot specify both CustomKeyStoreId and CustomKeyStoreName.\n"
    )
