"""--output json/text/table and timestamps, byte for byte against AWS CLI v1.

Two kinds of evidence: outputs recorded from the real AWS CLI (awscli-transcripts, pasted here as
literals), and the AWS CLI's own formatters run as an oracle on the very same documents
(tests/awscli_oracle.py), including a seeded random sweep over nested documents.
"""

from __future__ import annotations

import io
import json
import random
from collections.abc import Iterator
from typing import Any

import jmespath
import pytest

from kmscli import output, table
from tests import awscli_oracle

needs_awscli = pytest.mark.skipif(not awscli_oracle.available(), reason="the awscli package is not installed")


@pytest.fixture(scope="module")
def aws() -> Iterator[awscli_oracle.AwsCli]:
    if not awscli_oracle.available():
        pytest.skip("the awscli package is not installed")
    oracle = awscli_oracle.AwsCli()
    yield oracle
    oracle.close()


KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
ARN = f"arn:aws:kms:us-west-2:111122223333:key/{KEY_ID}"

DESCRIBE_KEY = {
    "KeyMetadata": {
        "AWSAccountId": "111122223333",
        "KeyId": KEY_ID,
        "Arn": ARN,
        "CreationDate": 1502910355.475,
        "Enabled": True,
        "Description": "",
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeyState": "Enabled",
        "Origin": "AWS_KMS",
        "KeyManager": "CUSTOMER",
        "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
        "MultiRegion": False,
    }
}

MULTI_REGION = {
    "KeyMetadata": {
        **DESCRIBE_KEY["KeyMetadata"],
        "KeyId": "mrk-1234abcd12ab34cd56ef1234567890ab",
        "Description": "café ✓ 日本",
        "MultiRegion": True,
        "MultiRegionConfiguration": {
            "MultiRegionKeyType": "PRIMARY",
            "PrimaryKey": {"Arn": "arn:aws:kms:us-west-2:111122223333:key/mrk-1", "Region": "us-west-2"},
            "ReplicaKeys": [
                {"Arn": "arn:aws:kms:eu-west-1:111122223333:key/mrk-1", "Region": "eu-west-1"},
                {"Arn": "arn:aws:kms:ap-east-1:111122223333:key/mrk-1", "Region": "ap-east-1"},
            ],
        },
    }
}

SIGNING_KEY = {
    "KeyMetadata": {
        **DESCRIBE_KEY["KeyMetadata"],
        "KeyUsage": "SIGN_VERIFY",
        "KeySpec": "RSA_2048",
        "CustomerMasterKeySpec": "RSA_2048",
        "SigningAlgorithms": ["RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PKCS1_V1_5_SHA_256"],
    }
}
del SIGNING_KEY["KeyMetadata"]["EncryptionAlgorithms"]

LIST_ALIASES = {
    "Aliases": [
        {"AliasName": "alias/aws/ebs", "AliasArn": "arn:aws:kms:us-west-2:111122223333:alias/aws/ebs"},
        {
            "AliasName": "alias/example",
            "AliasArn": "arn:aws:kms:us-west-2:111122223333:alias/example",
            "TargetKeyId": KEY_ID,
            "CreationDate": 1502910355.475,
            "LastUpdatedDate": 1502910355.0,
        },
    ]
}

LIST_KEYS = {"Keys": [{"KeyId": KEY_ID, "KeyArn": ARN}, {"KeyId": "0987dcba", "KeyArn": ARN[:-8] + "0987dcba"}]}

# The Developer Guide's default policy: two-space indent, no trailing newline (docs/decisions.md#output).
POLICY = (
    '{\n  "Version" : "2012-10-17",\n  "Id" : "key-default-1",\n  "Statement" : [ {\n'
    '    "Sid" : "Enable IAM policies",\n    "Effect" : "Allow",\n'
    '    "Principal" : {\n      "AWS" : "arn:aws:iam::111122223333:root"\n    },\n'
    '    "Action" : "kms:*",\n    "Resource" : "*"\n  } ]\n}'
)
GET_KEY_POLICY = {"Policy": POLICY}
GET_KEY_POLICY_WITH_NAME = {"Policy": POLICY, "PolicyName": "default"}
ROTATION_STATUS = {"KeyRotationEnabled": False, "KeyId": ARN, "RotationPeriodInDays": 365}
ENCRYPT = {"CiphertextBlob": "AQICAHh4bWFjaGluZQ==", "KeyId": ARN, "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"}
NO_TAGS = {"Tags": []}
TAGS = {"Tags": [{"TagKey": "env", "TagValue": "dev"}, {"TagKey": "team", "TagValue": ""}]}
NUMBERS = {"Int": 7, "Float": 1499988169.234, "Whole": 1499988169.0, "Negative": -1, "Zero": 0, "Big": 10**20}
NESTED_LISTS = {"Grid": [["a", "b"], ["c", "d"]], "Mixed": ["x", ["y"], "w"], "Empty": [], "Deep": {"E": {}}}
MULTILINE = {"Note": "first line\nsecond line", "Other": "x"}
# Scaling 3 columns of 7, 6 and 11 to 26 gives 7.58, 6.5 and 11.92: 6.5 rounds half to even.
HALF_WAY = {"a": "xxx", "b": "yy", "c": "zzzzzzz"}

DOCUMENTS = {
    "describe-key": ("DescribeKey", DESCRIBE_KEY),
    "multi-region": ("DescribeKey", MULTI_REGION),
    "signing-key": ("DescribeKey", SIGNING_KEY),
    "list-aliases": ("ListAliases", LIST_ALIASES),
    "list-keys": ("ListKeys", LIST_KEYS),
    "get-key-policy": ("GetKeyPolicy", GET_KEY_POLICY),
    "get-key-policy-with-name": ("GetKeyPolicy", GET_KEY_POLICY_WITH_NAME),
    "rotation-status": ("GetKeyRotationStatus", ROTATION_STATUS),
    "encrypt": ("Encrypt", ENCRYPT),
    "no-tags": ("ListResourceTags", NO_TAGS),
    "tags": ("ListResourceTags", TAGS),
    "numbers": ("Numbers", NUMBERS),
    "nested-lists": ("Nested", NESTED_LISTS),
    "multi-line": ("Multi", MULTILINE),
    "half-way": ("T", HALF_WAY),
    "empty": ("EnableKey", {}),
}

QUERIES = {
    "scalar": ("describe-key", "KeyMetadata.KeyId"),
    "true": ("describe-key", "KeyMetadata.Enabled"),
    "false": ("describe-key", "KeyMetadata.MultiRegion"),
    "number": ("describe-key", "KeyMetadata.CreationDate"),
    "null": ("describe-key", "KeyMetadata.DeletionDate"),
    "empty-string": ("describe-key", "KeyMetadata.Description"),
    "list-of-scalars": ("describe-key", "KeyMetadata.[KeyId,Enabled]"),
    "list-with-a-list": ("describe-key", "[KeyMetadata.KeyId, KeyMetadata.EncryptionAlgorithms]"),
    "multiselect-hash": ("multi-region", "KeyMetadata.{D: Description, K: KeyId}"),
    "hash-with-list": ("describe-key", "KeyMetadata.{a: KeyId, b: EncryptionAlgorithms}"),
    "filter": ("list-aliases", "Aliases[?AliasName=='alias/example']"),
    "filter-nothing": ("list-aliases", "Aliases[?AliasName=='alias/nope']"),
    "projection": ("list-aliases", "Aliases[].AliasName"),
    "length": ("list-keys", "length(Keys)"),
    "sub-document": ("multi-region", "KeyMetadata.MultiRegionConfiguration"),
    "policy": ("get-key-policy-with-name", "Policy"),
    "empty-object": ("describe-key", "`{}`"),
    "zero": ("numbers", "Zero"),
}


def kmscli_output(fmt: str, title: str, document: Any, query: str | None = None, color: str = "off") -> str:
    compiled = jmespath.compile(query) if query else None
    return output.render(document, output=fmt, query=compiled, title=title, color=color)


# ---------------------------------------------------------------- against the AWS CLI's formatters


@pytest.mark.parametrize("fmt", ["json", "text", "table"])
@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_documents_print_as_the_aws_cli_prints_them(aws, name, fmt):
    title, document = DOCUMENTS[name]
    assert kmscli_output(fmt, title, document) == aws.format(fmt, document, title=title)


@pytest.mark.parametrize("fmt", ["json", "text", "table"])
@pytest.mark.parametrize("name", list(QUERIES))
def test_query_results_print_as_the_aws_cli_prints_them(aws, name, fmt):
    source, query = QUERIES[name]
    title, document = DOCUMENTS[source]
    assert kmscli_output(fmt, title, document, query) == aws.format(fmt, document, title=title, query=query)


@pytest.mark.parametrize("name", ["describe-key", "multi-region", "list-aliases", "tags", "no-tags", "nested-lists"])
def test_colored_tables_match_the_aws_cli_byte_for_byte(aws, name):
    title, document = DOCUMENTS[name]
    expected = aws.format("table", document, title=title, color="on")
    assert kmscli_output("table", title, document, color="on") == expected
    assert expected.endswith("\n\x1b[0m")


@pytest.mark.parametrize(
    "document",
    [
        pytest.param({"T": [{"a": "1"}, "text"]}, id="dict-then-string"),
        pytest.param({"T": [{"a": "1"}, 5]}, id="dict-then-number"),
        pytest.param({"T": [{"a": "1"}, []]}, id="dict-then-empty-list"),
        pytest.param({"T": [{"a": {"b": "1"}}, ""]}, id="nested-then-empty-string"),
        pytest.param({"T": [{"a": "1"}, ["x"]]}, id="dict-then-list-of-str"),
        pytest.param({"T": [["a", "b"], ["c"]]}, id="rows-of-different-lengths"),
        pytest.param({"T": ["x", ["y", "z"]]}, id="scalar-then-longer-list"),
    ],
)
@pytest.mark.parametrize("fmt", ["text", "table"])
def test_lists_mixing_dicts_and_other_values_fail_as_the_aws_cli_fails(aws, document, fmt):
    kind, expected = aws.format_outcome(fmt, document, query="T")
    try:
        got = ("output", kmscli_output(fmt, "DescribeKey", document, "T"))
    except ValueError as e:  # the CLI prints it as "\n<message>\n", exit 255
        got = ("error", str(e))
    assert got == (kind, expected)


def test_tables_turn_vertical_only_beyond_80_columns(aws):
    # Section A's natural width: 2 borders + 2 nesting bars + (33 + 4) + (35 + 4) = 80.
    exactly_80 = {"A": {"a": "x" * 33, "b": "y" * 35}}
    one_more = {"A": {"a": "x" * 34, "b": "y" * 35}}
    fits = kmscli_output("table", "T", exactly_80)
    assert fits == aws.format("table", exactly_80, title="T")
    assert fits.splitlines()[0] == "-" * 80
    assert fits.splitlines()[5] == "||                  a                 |                   b                   ||"
    vertical = kmscli_output("table", "T", one_more)
    assert vertical == aws.format("table", one_more, title="T")
    assert vertical.splitlines()[5] == "||  a|  " + "x" * 34 + "    ||"


def _random_document(rnd: random.Random) -> dict[str, Any]:
    words = ["a", "KeyId", "b", "Zeta", "alias/x", "日本", "café ✓", "", "x" * 30, "y" * 70, "two\nlines"]

    def scalar() -> Any:
        return rnd.choice([rnd.choice(words), rnd.randint(-5, 10**10), rnd.random() * 1e9, True, False, None, 0])

    def value(depth: int) -> Any:
        r = rnd.random()
        if depth > 3 or r < 0.45:
            return scalar()
        if r < 0.7:
            return {rnd.choice(words[:6]) or "k": value(depth + 1) for _ in range(rnd.randint(0, 4))}
        if r < 0.85:
            return [value(depth + 1) for _ in range(rnd.randint(0, 4))]
        keys = [rnd.choice(words[:6]) or "k" for _ in range(4)]
        # Lists of dicts only hold dicts: lists of numbers mixed in make the AWS CLI compare keys of
        # different types, and its message then depends on its own set order.
        return [{k: value(depth + 2) for k in rnd.sample(keys, rnd.randint(0, 4))} for _ in range(rnd.randint(1, 4))]

    return {"Top": value(1), "Other": value(1)}


def test_random_documents_print_as_the_aws_cli_prints_them(aws):
    rnd = random.Random(20240601)
    for _ in range(150):
        document = _random_document(rnd)
        query = rnd.choice([None, None, "Top", "Other", "Top.a"])
        for fmt, color in (("json", "off"), ("text", "off"), ("table", "off"), ("table", "on")):
            kind, expected = aws.format_outcome(fmt, document, query=query, color=color)
            try:
                got = ("output", kmscli_output(fmt, "DescribeKey", document, query, color))
            except ValueError as e:
                got = ("error", str(e))
            assert got == (kind, expected), (fmt, color, query, json.dumps(document, ensure_ascii=False))


# ---------------------------------------------------------------- recorded AWS CLI output

DESCRIBE_KEY_TABLE = """\
------------------------------------------------------------------------------------------------------------
|                                                DescribeKey                                               |
+----------------------------------------------------------------------------------------------------------+
||                                               KeyMetadata                                              ||
|+-----------------------+--------------------------------------------------------------------------------+|
||  AWSAccountId         |  111122223333                                                                  ||
||  Arn                  |  arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab   ||
||  CreationDate         |  1502910355.475                                                                ||
||  CustomerMasterKeySpec|  SYMMETRIC_DEFAULT                                                             ||
||  Description          |                                                                                ||
||  Enabled              |  True                                                                          ||
||  KeyId                |  1234abcd-12ab-34cd-56ef-1234567890ab                                          ||
||  KeyManager           |  CUSTOMER                                                                      ||
||  KeySpec              |  SYMMETRIC_DEFAULT                                                             ||
||  KeyState             |  Enabled                                                                       ||
||  KeyUsage             |  ENCRYPT_DECRYPT                                                               ||
||  MultiRegion          |  False                                                                         ||
||  Origin               |  AWS_KMS                                                                       ||
|+-----------------------+--------------------------------------------------------------------------------+|
|||                                         EncryptionAlgorithms                                         |||
||+------------------------------------------------------------------------------------------------------+||
|||  SYMMETRIC_DEFAULT                                                                                   |||
||+------------------------------------------------------------------------------------------------------+||
"""


def test_describe_key_table_is_vertical_as_recorded():
    assert kmscli_output("table", "DescribeKey", DESCRIBE_KEY) == DESCRIBE_KEY_TABLE


def test_describe_key_text_as_recorded():
    assert kmscli_output("text", "DescribeKey", DESCRIBE_KEY) == (
        f"KEYMETADATA\t111122223333\t{ARN}\t1502910355.475\tSYMMETRIC_DEFAULT\t\tTrue\t{KEY_ID}\tCUSTOMER"
        "\tSYMMETRIC_DEFAULT\tEnabled\tENCRYPT_DECRYPT\tFalse\tAWS_KMS\n"
        "ENCRYPTIONALGORITHMS\tSYMMETRIC_DEFAULT\n"
    )


def test_column_scaling_rounds_half_to_even():
    assert kmscli_output("table", "T", HALF_WAY) == (
        "--------------------------\n"
        "|            T           |\n"
        "+------+-----+-----------+\n"
        "|   a  |  b  |     c     |\n"
        "+------+-----+-----------+\n"
        "|  xxx |  yy |  zzzzzzz  |\n"
        "+------+-----+-----------+\n"
    )


def test_a_scalar_query_in_a_table_prints_only_the_title_box():
    assert kmscli_output("table", "DescribeKey", DESCRIBE_KEY, "KeyMetadata.KeyId") == (
        "-------------\n|DescribeKey|\n+-----------+\n"
    )


def test_a_list_of_scalars_in_a_table_is_one_row_each():
    assert kmscli_output("table", "DescribeKey", DESCRIBE_KEY, "KeyMetadata.[KeyId,Enabled]") == (
        "------------------------------------------\n"
        "|               DescribeKey              |\n"
        "+----------------------------------------+\n"
        "|  1234abcd-12ab-34cd-56ef-1234567890ab  |\n"
        "|  True                                  |\n"
        "+----------------------------------------+\n"
    )


def test_a_dict_holding_only_an_empty_list_prints_the_title_box():
    assert kmscli_output("table", "ListResourceTags", NO_TAGS) == (
        "------------------\n|ListResourceTags|\n+----------------+\n"
    )


def test_east_asian_wide_and_ambiguous_characters_count_twice():
    document = {"KeyMetadata": {"Description": "café ✓ 日本", "KeyId": "31bb7fb1-c919-4545-938a-d1abd7358e00"}}
    assert kmscli_output("table", "DescribeKey", document, "KeyMetadata.{D: Description, K: KeyId}") == (
        "----------------------------------------------------------\n"
        "|                       DescribeKey                      |\n"
        "+---------------+----------------------------------------+\n"
        "|       D       |                   K                    |\n"
        "+---------------+----------------------------------------+\n"
        "|  café ✓ 日本 |  31bb7fb1-c919-4545-938a-d1abd7358e00  |\n"
        "+---------------+----------------------------------------+\n"
    )


@pytest.mark.parametrize(
    ("query", "fmt", "expected"),
    [
        pytest.param("KeyMetadata.DeletionDate", "json", "null\n", id="null-json"),
        pytest.param("KeyMetadata.DeletionDate", "text", "None\n", id="null-text"),
        pytest.param("KeyMetadata.DeletionDate", "table", "", id="null-table"),
        pytest.param("KeyMetadata.Enabled", "text", "True\n", id="bool-text"),
        pytest.param("KeyMetadata.KeyId", "json", f'"{KEY_ID}"\n', id="string-json"),
        pytest.param("KeyMetadata.KeyId", "text", f"{KEY_ID}\n", id="string-text"),
        pytest.param("`[]`", "table", "", id="empty-list-table"),
        pytest.param("`[]`", "json", "[]\n", id="empty-list-json"),
        pytest.param("`[]`", "text", "", id="empty-list-text"),
        pytest.param("`{}`", "json", "", id="empty-object-json"),
        pytest.param("KeyMetadata.EncryptionAlgorithms", "text", "SYMMETRIC_DEFAULT\n", id="scalar-list-text"),
    ],
)
def test_query_edge_results(query, fmt, expected):
    assert kmscli_output(fmt, "DescribeKey", DESCRIBE_KEY, query) == expected


@pytest.mark.parametrize("fmt", ["json", "text", "table"])
def test_an_empty_response_prints_nothing(fmt):
    assert kmscli_output(fmt, "EnableKey", {}) == ""


def test_json_is_four_space_indented_utf8_in_member_order():
    assert kmscli_output("json", "UpdateKeyDescription", {"Z": "café ✓ 日本", "A": [], "M": {}, "N": 1.0}) == (
        '{\n    "Z": "café ✓ 日本",\n    "A": [],\n    "M": {},\n    "N": 1.0\n}\n'
    )


def test_get_key_policy_text_is_the_bare_policy_then_with_a_name_a_tab_and_the_name():
    assert kmscli_output("text", "GetKeyPolicy", GET_KEY_POLICY) == POLICY + "\n"
    assert kmscli_output("text", "GetKeyPolicy", GET_KEY_POLICY_WITH_NAME) == POLICY + "\tdefault\n"
    assert kmscli_output("text", "GetKeyPolicy", GET_KEY_POLICY_WITH_NAME, "Policy") == POLICY + "\n"


def test_rows_of_different_lengths_fail_like_the_aws_cli():
    with pytest.raises(ValueError, match=r"^Row should have 1 elements, instead it has 2$"):
        table.format_table(["x", ["a", "b"]], "DescribeKey")


# ---------------------------------------------------------------- colour and terminal


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


@pytest.mark.parametrize(
    ("color", "tty", "expected"),
    [("on", False, True), ("off", True, False), ("auto", True, True), ("auto", False, False)],
)
def test_color_on_off_auto(color, tty, expected):
    assert table.wants_color(color, _Stream(tty)) is expected


def test_terminal_width_is_80_without_a_terminal():
    assert table.terminal_width(io.StringIO()) == 80


def test_a_wider_terminal_keeps_tables_horizontal():
    # 83 columns: vertical on a non-terminal (80), horizontal on a 120-column terminal.
    document = {"A": {"a": "x" * 35, "b": "y" * 36}}
    assert table.format_table(document, "T", width=120).splitlines()[3:] == [
        "||                                       A                                       ||",
        "|+--------------------------------------+----------------------------------------+|",
        "||                   a                  |                   b                    ||",
        "|+--------------------------------------+----------------------------------------+|",
        "||  " + "x" * 35 + " |  " + "y" * 36 + "  ||",
        "|+--------------------------------------+----------------------------------------+|",
    ]
    assert table.format_table(document, "T").splitlines()[4:7] == [
        "|+---+-----------------------------------------+|",
        "||  a|  " + "x" * 35 + "    ||",
        "||  b|  " + "y" * 36 + "   ||",
    ]


def test_colored_output_ends_with_a_reset_not_a_newline():
    colored = table.format_table(DESCRIBE_KEY, "DescribeKey", color=True)
    assert colored.endswith("\n\x1b[0m")
    assert "\x1b[2m\x1b[33m|\x1b[0m" in colored
    assert "\x1b[1m\x1b[34mAWSAccountId\x1b[0m" in colored


# ---------------------------------------------------------------- timestamps


@pytest.mark.parametrize(
    ("epoch", "iso"),
    [
        (1499988169.234, "2017-07-13T23:22:49.234000+00:00"),
        (1499988169, "2017-07-13T23:22:49+00:00"),
        (1499988169.0, "2017-07-13T23:22:49+00:00"),
        (1502910355.475, "2017-08-16T19:05:55.475000+00:00"),
        (0, "1970-01-01T00:00:00+00:00"),
    ],
)
def test_iso8601_timestamps(aws, epoch, iso):
    assert output.format_timestamp(epoch, "iso8601") == iso
    assert aws.iso8601(epoch) == iso


@pytest.mark.parametrize("fmt", ["wire", "none"])
def test_wire_timestamps_are_json_floats(fmt):
    assert output.format_timestamp(1502910355, fmt) == 1502910355.0
    assert json.dumps(output.format_timestamp(1502910355, fmt)) == "1502910355.0"
    assert json.dumps(output.format_timestamp(1502910355.475, fmt)) == "1502910355.475"


def test_result_document_renders_timestamps_in_the_chosen_format():
    result = {"KeyId": ARN, "DeletionDate": 1499988169.234, "KeyState": "PendingDeletion", "PendingWindowInDays": 7}
    assert output.result_document("ScheduleKeyDeletionResponse", result, timestamp_format="iso8601") == {
        "KeyId": ARN,
        "DeletionDate": "2017-07-13T23:22:49.234000+00:00",
        "KeyState": "PendingDeletion",
        "PendingWindowInDays": 7,
    }
    assert output.result_document("ScheduleKeyDeletionResponse", result)["DeletionDate"] == 1499988169.234
