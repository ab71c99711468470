"""boto3 against `kmscli serve`: custom key stores, in an account that has none.

Each operation's error case (and DescribeCustomKeyStores' success) is registered here and run by
test_operations_every.py.
"""

from __future__ import annotations

from tests.server.operations import Ctx, error, happy, plain

UNKNOWN_STORE = "cks-1234567890abcdef0"


@happy("DescribeCustomKeyStores")
def _(ctx: Ctx) -> None:
    assert plain(ctx.kms.describe_custom_key_stores()) == {"CustomKeyStores": [], "Truncated": False}


@error("DescribeCustomKeyStores")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.describe_custom_key_stores(CustomKeyStoreId=UNKNOWN_STORE),
        "CustomKeyStoreNotFoundException",
        "",
    )


@error("CreateCustomKeyStore")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.create_custom_key_store(
            CustomKeyStoreName="ExampleKeyStore",
            CloudHsmClusterId="cluster-234a567bcde",
            TrustAnchorCertificate="-----BEGIN CERTIFICATE-----",
            KeyStorePassword="kmsPswd",
        ),
        "CloudHsmClusterNotFoundException",
        "The request was rejected because KMS cannot find the AWS CloudHSM cluster with the specified cluster ID: "
        "cluster-234a567bcde.",
    )


@error("UpdateCustomKeyStore")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.update_custom_key_store(CustomKeyStoreId=UNKNOWN_STORE, NewCustomKeyStoreName="renamed"),
        "CustomKeyStoreNotFoundException",
        "",
    )


@error("DeleteCustomKeyStore")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.delete_custom_key_store(CustomKeyStoreId=UNKNOWN_STORE), "CustomKeyStoreNotFoundException", ""
    )


@error("ConnectCustomKeyStore")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.connect_custom_key_store(CustomKeyStoreId=UNKNOWN_STORE), "CustomKeyStoreNotFoundException", ""
    )


@error("DisconnectCustomKeyStore")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.disconnect_custom_key_store(CustomKeyStoreId=UNKNOWN_STORE),
        "CustomKeyStoreNotFoundException",
        "",
    )
