"""The console form's choices and checks (core/console.py), each rule with its message."""

from __future__ import annotations

import pytest

from kmscli.core import Tag, console
from kmscli.core.console import ConsoleInputError

ACCOUNT = "111122223333"


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        pytest.param("ExampleAlias", "alias/ExampleAlias", id="prefix-added"),
        pytest.param("alias/ExampleAlias", "alias/ExampleAlias", id="prefix-kept"),
        pytest.param("  app/data_key-1 ", "alias/app/data_key-1", id="trimmed-with-slash-underscore-dash"),
        pytest.param("a" * 250, "alias/" + "a" * 250, id="longest"),
    ],
)
def test_alias_names_the_console_accepts(typed: str, name: str) -> None:
    assert console.alias_name(typed) == name


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        pytest.param("", "An alias is required: the console creates every key with an alias.", id="empty"),
        pytest.param("alias/", "An alias is required: the console creates every key with an alias.", id="prefix-only"),
        pytest.param(
            "aws/ebs",
            "The alias cannot begin with aws/: that prefix is reserved for AWS managed keys.",
            id="reserved-aws-prefix",
        ),
        pytest.param(
            "alias/aws/ebs",
            "The alias cannot begin with aws/: that prefix is reserved for AWS managed keys.",
            id="reserved-aws-prefix-with-alias-prefix",
        ),
        pytest.param(
            "my key",
            "The alias can contain only alphanumeric characters, forward slashes (/), underscores (_) and dashes (-).",
            id="space",
        ),
        pytest.param(
            "a:b",
            "The alias can contain only alphanumeric characters, forward slashes (/), underscores (_) and dashes (-).",
            id="colon",
        ),
        pytest.param("a" * 251, "The alias can have at most 250 characters after alias/.", id="too-long"),
    ],
)
def test_alias_names_the_console_refuses(typed: str, message: str) -> None:
    with pytest.raises(ConsoleInputError) as refused:
        console.alias_name(typed)
    assert str(refused.value) == message


def test_principals_are_iam_users_or_roles_of_the_account() -> None:
    for arn in (f"arn:aws:iam::{ACCOUNT}:user/Alice", f"arn:aws:iam::{ACCOUNT}:role/ops/Deploy+Role@x"):
        assert console.check_principal(f" {arn} ", partition="aws", account_id=ACCOUNT, role="Key users") == arn


@pytest.mark.parametrize(
    "arn",
    [
        pytest.param("arn:aws:iam::444455556666:role/Other", id="other-account"),
        pytest.param(f"arn:aws:iam::{ACCOUNT}:root", id="account-root"),
        pytest.param(f"arn:aws:iam::{ACCOUNT}:group/Admins", id="group"),
        pytest.param(f"arn:aws-cn:iam::{ACCOUNT}:role/Admin", id="other-partition"),
        pytest.param("Admin", id="bare-name"),
    ],
)
def test_principals_the_console_cannot_list(arn: str) -> None:
    with pytest.raises(ConsoleInputError) as refused:
        console.check_principal(arn, partition="aws", account_id=ACCOUNT, role="Key administrators")
    assert str(refused.value) == (
        f"Key administrators must be IAM users or roles of account {ACCOUNT}, "
        f"such as arn:aws:iam::{ACCOUNT}:role/ExampleRole; not {arn!r}."
    )


def test_other_accounts() -> None:
    assert console.check_other_account(" 444455556666", account_id=ACCOUNT) == "444455556666"
    with pytest.raises(ConsoleInputError) as refused:
        console.check_other_account("4444-5555-6666", account_id=ACCOUNT)
    assert str(refused.value) == "An AWS account ID has 12 digits; not '4444-5555-6666'."
    with pytest.raises(ConsoleInputError) as refused:
        console.check_other_account(ACCOUNT, account_id=ACCOUNT)
    assert str(refused.value) == (
        f"{ACCOUNT} is this key's own account; add its IAM users and roles as key users instead."
    )


def test_key_types_usages_and_specs_as_the_console_lists_them() -> None:
    assert console.usages_for_type("symmetric") == ("ENCRYPT_DECRYPT", "GENERATE_VERIFY_MAC")
    assert console.usages_for_type("asymmetric") == ("ENCRYPT_DECRYPT", "SIGN_VERIFY", "KEY_AGREEMENT")
    assert console.specs_for("symmetric", "ENCRYPT_DECRYPT") == ("SYMMETRIC_DEFAULT",)
    assert console.specs_for("symmetric", "GENERATE_VERIFY_MAC") == ("HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512")
    assert console.specs_for("asymmetric", "ENCRYPT_DECRYPT") == ("RSA_2048", "RSA_3072", "RSA_4096")
    assert console.specs_for("asymmetric", "KEY_AGREEMENT") == ("ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521")
    assert console.specs_for("asymmetric", "SIGN_VERIFY") == (
        "RSA_2048", "RSA_3072", "RSA_4096", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1",
        "ECC_NIST_EDWARDS25519", "ML_DSA_44", "ML_DSA_65", "ML_DSA_87",
    )  # fmt: skip
    # ML-KEM has no documented console key users statement; SM2 is China-only (docs/decisions.md#scope).
    assert not {"ML_KEM_512", "ML_KEM_768", "ML_KEM_1024", "SM2"} & set(console.key_specs())


@pytest.mark.parametrize(
    ("spec", "usage", "message"),
    [
        pytest.param(
            "ECC_NIST_P256", "ENCRYPT_DECRYPT",
            "Key usage ENCRYPT_DECRYPT is not available for key spec ECC_NIST_P256; "
            "choose SIGN_VERIFY or KEY_AGREEMENT.",
            id="ecc-cannot-encrypt",
        ),
        pytest.param(
            "SYMMETRIC_DEFAULT", "SIGN_VERIFY",
            "Key usage SIGN_VERIFY is not available for key spec SYMMETRIC_DEFAULT; choose ENCRYPT_DECRYPT.",
            id="symmetric-cannot-sign",
        ),
        pytest.param(
            "HMAC_512", "ENCRYPT_DECRYPT",
            "Key usage ENCRYPT_DECRYPT is not available for key spec HMAC_512; choose GENERATE_VERIFY_MAC.",
            id="hmac-only-macs",
        ),
        pytest.param("ML_KEM_768", "ENCAPSULATE_DECAPSULATE", "The console flow does not offer key spec ML_KEM_768.",
                     id="ml-kem"),
    ],
)  # fmt: skip
def test_key_spec_and_usage_combinations_refused(spec: str, usage: str, message: str) -> None:
    with pytest.raises(ConsoleInputError) as refused:
        console.check_key_choice(spec, usage)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        pytest.param([Tag("aws:owner", "x")], "Tags beginning with aws: are reserved.", id="reserved-prefix"),
        pytest.param([Tag("a", "1"), Tag("a", "2")], "Each tag key can be used once; repeated: a.", id="duplicate"),
        pytest.param([Tag("", "1")], "A tag key must have 1 to 128 characters.", id="empty-key"),
        pytest.param([Tag("k" * 129, "")], "A tag key must have 1 to 128 characters.", id="long-key"),
        pytest.param([Tag("k", "v" * 257)], "A tag value can have at most 256 characters.", id="long-value"),
    ],
)
def test_tags_refused(tags: list[Tag], message: str) -> None:
    with pytest.raises(ConsoleInputError) as refused:
        console.check_tags(tags)
    assert str(refused.value) == message


def test_tags_and_description_accepted_at_their_limits() -> None:
    console.check_tags([Tag("k" * 128, "v" * 256), Tag("Project", "")])
    console.check_description("d" * 8192)
    with pytest.raises(ConsoleInputError) as refused:
        console.check_description("d" * 8193)
    assert str(refused.value) == "The description can have at most 8192 characters."
