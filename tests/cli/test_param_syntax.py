"""Parameter syntaxes, as AWS CLI v1 reads them: shorthand, JSON, lists, param files, blobs,
booleans, integers and timestamps.

`params.convert` is compared with the AWS CLI's own argument processing (awscli.paramfile,
awscli.argprocess and awscli.shorthand, run by the oracle in tests/awscli_oracle.py) on valid and
malformed values, then each syntax is checked through the command line: the whole stdout, stderr,
exit status and what reached the state.
"""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kmscli.cli import params
from kmscli.core import Tag
from kmscli.store import DB_NAME, Store
from tests import awscli_oracle

ACCOUNT = "111122223333"
REGION = "us-west-2"
KEY1 = "b5dacb29-7d38-4ab6-983e-a65abddb4b70"  # the first key ID the `env` fixture hands out
BINARY = b"\x00\x01\x02\xff\xfe binary"


@pytest.fixture(scope="module")
def aws() -> Iterator[awscli_oracle.AwsCli]:
    if not awscli_oracle.available():
        pytest.skip("the awscli package is not installed")
    oracle = awscli_oracle.AwsCli()
    yield oracle
    oracle.close()


@pytest.fixture
def files(tmp_path: Path) -> Path:
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "tags.json").write_text('[{"TagKey": "FromFile", "TagValue": "1"}]\n', encoding="utf-8")
    (folder / "tag-object.json").write_text('{"TagKey": "a", "TagValue": "b"}', encoding="utf-8")
    (folder / "tag-shorthand.txt").write_text("TagKey=a,TagValue=b", encoding="utf-8")
    (folder / "key-list.json").write_text('["x", "y"]', encoding="utf-8")
    (folder / "abc.txt").write_text("abc", encoding="utf-8")
    (folder / "crlf.txt").write_bytes(b"line one\r\nline two\rline three\n")
    (folder / "bin.bin").write_bytes(BINARY)
    (folder / "seven.txt").write_text(" 7 \n", encoding="utf-8")
    (folder / "empty.txt").write_text("", encoding="utf-8")
    return folder


def kmscli_convert(option: str, shape: str, value: Any) -> tuple[str, Any]:
    try:
        return "ok", params.convert(option, shape, value)
    except (params.ParamError, ValueError) as e:  # both print "\n<message>\n", exit 255
        return "error", str(e)


def with_files(value: Any, folder: Path) -> Any:
    if isinstance(value, list):
        return [w.replace("{dir}", str(folder)) for w in value]
    return value.replace("{dir}", str(folder))


CASES = {
    # A list of structures: shorthand, one element per word.
    "tags-one": ("--tags", "TagList", ["TagKey=a,TagValue=b"]),
    "tags-two-words": ("--tags", "TagList", ["TagKey=a,TagValue=b", "TagKey=c,TagValue=d"]),
    "tags-double-quoted-comma": ("--tags", "TagList", ['TagKey=k,TagValue="a,b"']),
    "tags-single-quoted-comma": ("--tags", "TagList", ["TagKey=k,TagValue='a,b'"]),
    "tags-escaped-comma": ("--tags", "TagList", ["TagKey=k,TagValue=a\\,b"]),
    "tags-escaped-quote": ("--tags", "TagList", ['TagKey=k,TagValue="say \\"hi\\""']),
    "tags-empty-value": ("--tags", "TagList", ["TagKey=k,TagValue="]),
    "tags-value-with-equals": ("--tags", "TagList", ["TagKey=k,TagValue=a=b"]),
    "tags-unquoted-comma-is-a-list": ("--tags", "TagList", ["TagKey=k,TagValue=a,b"]),
    "tags-blanks": ("--tags", "TagList", [" TagKey = k , TagValue = v "]),
    "tags-unicode": ("--tags", "TagList", ["TagKey=Café,TagValue=日本 ✓"]),
    "tags-nested-hash": ("--tags", "TagList", ["TagKey=k,TagValue={a=b,c=[d,e]}"]),
    "tags-explicit-list": ("--tags", "TagList", ["TagKey=k,TagValue=[a, 'b,c']"]),
    "tags-no-equals": ("--tags", "TagList", ["TagKey"]),
    "tags-trailing-comma": ("--tags", "TagList", ["TagKey=a,"]),
    "tags-no-key": ("--tags", "TagList", ["=a"]),
    "tags-duplicate-key": ("--tags", "TagList", ["TagKey=a,TagKey=b"]),
    "tags-double-comma": ("--tags", "TagList", ["TagKey=a,,TagValue=b"]),
    "tags-unterminated-quote": ("--tags", "TagList", ["TagKey='a"]),
    "tags-unclosed-list": ("--tags", "TagList", ["TagKey=[a"]),
    "tags-unclosed-hash": ("--tags", "TagList", ["TagKey={a=b"]),
    "tags-newline-in-value": ("--tags", "TagList", ["TagKey=a\nb c=d,TagValue=e"]),
    "tags-bad-key-character": ("--tags", "TagList", ["Tag Key=a"]),
    "tags-emoji-unquoted": ("--tags", "TagList", ["TagKey=😀"]),
    "tags-emoji-quoted": ("--tags", "TagList", ["TagKey='😀'"]),
    "tags-empty-word": ("--tags", "TagList", [""]),
    # A list of structures as JSON.
    "tags-json-list": ("--tags", "TagList", ['[{"TagKey": "a", "TagValue": "b"}]']),
    "tags-json-object-is-wrapped": ("--tags", "TagList", ['{"TagKey": "a", "TagValue": "b"}']),
    "tags-json-objects-per-word": ("--tags", "TagList", ['{"TagKey": "a"}', '{"TagKey": "b"}']),
    "tags-json-invalid": ("--tags", "TagList", ['[{"TagKey":"a",]']),
    "tags-json-then-shorthand": ("--tags", "TagList", ['{"TagKey": "a"}', "TagKey=b"]),
    "tags-shorthand-then-json": ("--tags", "TagList", ["TagKey=b", '{"TagKey": "a"}']),
    "tags-two-json-lists": ("--tags", "TagList", ["[1]", "[2]"]),
    "tags-json-wrong-types": ("--tags", "TagList", ['[{"TagKey": 1, "TagValue": true}]']),
    # Maps and structures.
    "map-shorthand": ("--encryption-context", "EncryptionContextType", "purpose=test,env=dev"),
    "map-json": ("--encryption-context", "EncryptionContextType", '{"purpose": "test", "env": "dev"}'),
    "map-value-list": ("--encryption-context", "EncryptionContextType", "a=b,c"),
    "map-empty-value": ("--encryption-context", "EncryptionContextType", "a="),
    "map-json-list": ("--encryption-context", "EncryptionContextType", "[1]"),
    "map-json-invalid": ("--encryption-context", "EncryptionContextType", '{"a":'),
    "map-duplicate": ("--encryption-context", "EncryptionContextType", "a=b,a=c"),
    "map-equals-in-value": ("--encryption-context", "EncryptionContextType", "k=v=w"),
    "map-blank": ("--encryption-context", "EncryptionContextType", "   "),
    "struct-nested-maps": ("--constraints", "GrantConstraints", "EncryptionContextSubset={a=b,c=d},SourceArn=x"),
    "struct-empty-hash": ("--constraints", "GrantConstraints", "EncryptionContextEquals={}"),
    "struct-json": ("--constraints", "GrantConstraints", '{"EncryptionContextSubset": {"a": "b"}}'),
    "struct-blob-from-file": (
        "--recipient",
        "RecipientInfo",
        "KeyEncryptionAlgorithm=RSAES_OAEP_SHA_256,AttestationDocument@=fileb://{dir}/bin.bin",
    ),
    "struct-text-from-file": ("--recipient", "RecipientInfo", "AttestationDocument@=file://{dir}/abc.txt"),
    "struct-file-missing": ("--recipient", "RecipientInfo", "AttestationDocument@=file://{dir}/missing.txt"),
    # Lists of strings: one element per word, or one JSON list.
    "strings-words": ("--tag-keys", "TagKeyList", ["x", "y"]),
    "strings-comma-is-not-split": ("--tag-keys", "TagKeyList", ["x,y"]),
    "strings-json": ("--tag-keys", "TagKeyList", ['["a", "b"]']),
    "strings-json-invalid": ("--tag-keys", "TagKeyList", ['["a",']),
    "strings-json-then-word": ("--tag-keys", "TagKeyList", ['["a"]', "b"]),
    "strings-object-is-a-word": ("--tag-keys", "TagKeyList", ['{"a": 1}']),
    "strings-json-file": ("--tag-keys", "TagKeyList", ["file://{dir}/key-list.json"]),
    "strings-text-file-is-characters": ("--tag-keys", "TagKeyList", ["file://{dir}/abc.txt"]),
    "strings-empty-file": ("--tag-keys", "TagKeyList", ["file://{dir}/empty.txt"]),
    # Param files for a list of structures: only a single word is a file.
    "tags-json-file": ("--tags", "TagList", ["file://{dir}/tags.json"]),
    "tags-shorthand-file": ("--tags", "TagList", ["file://{dir}/tag-shorthand.txt"]),
    "tags-object-file": ("--tags", "TagList", ["file://{dir}/tag-object.json"]),
    "tags-binary-file": ("--tags", "TagList", ["fileb://{dir}/tags.json"]),
    "tags-missing-file": ("--tags", "TagList", ["file://{dir}/missing.json"]),
    "tags-file-among-words": ("--tags", "TagList", ["file://{dir}/tags.json", "TagKey=b,TagValue=c"]),
    # Strings from files.
    "string-file-universal-newlines": ("--policy", "PolicyType", "file://{dir}/crlf.txt"),
    "string-fileb-is-bytes": ("--policy", "PolicyType", "fileb://{dir}/abc.txt"),
    "string-file-not-text": ("--policy", "PolicyType", "file://{dir}/bin.bin"),
    "string-missing-file": ("--policy", "PolicyType", "file://{dir}/nope.json"),
    "string-json-is-not-parsed": ("--policy", "PolicyType", '{"Version": "2012-10-17"}'),
    # Blobs: text is its UTF-8 bytes (v1), fileb:// is raw bytes.
    "blob-text": ("--plaintext", "PlaintextType", "Hello"),
    "blob-base64-text-is-encoded-again": ("--plaintext", "PlaintextType", "SGVsbG8="),
    "blob-empty": ("--plaintext", "PlaintextType", ""),
    "blob-unicode": ("--plaintext", "PlaintextType", "日本"),
    "blob-fileb": ("--plaintext", "PlaintextType", "fileb://{dir}/bin.bin"),
    "blob-file-text": ("--plaintext", "PlaintextType", "file://{dir}/abc.txt"),
    "blob-file-not-text": ("--plaintext", "PlaintextType", "file://{dir}/bin.bin"),
    # Integers: Python's int().
    "int": ("--limit", "LimitType", "7"),
    "int-blanks": ("--limit", "LimitType", " 8"),
    "int-negative": ("--limit", "LimitType", "-3"),
    "int-fraction": ("--limit", "LimitType", "7.5"),
    "int-word": ("--limit", "LimitType", "abc"),
    "int-empty": ("--limit", "LimitType", ""),
    "int-file": ("--limit", "LimitType", "file://{dir}/seven.txt"),
    # Timestamps: whole epoch seconds, or left for validation to refuse.
    "time-iso-z": ("--valid-to", "DateType", "2030-01-01T00:00:00Z"),
    "time-date-only": ("--valid-to", "DateType", "2030-01-01"),
    "time-epoch": ("--valid-to", "DateType", "1893456000"),
    "time-epoch-fraction": ("--valid-to", "DateType", "1893456000.9"),
    "time-offset": ("--valid-to", "DateType", "2030-01-01T01:00:00+01:00"),
    "time-fraction": ("--valid-to", "DateType", "2030-01-01T00:00:00.5Z"),
    "time-rfc822": ("--valid-to", "DateType", "Tue, 01 Jan 2030 00:00:00 GMT"),
    "time-blanks": ("--valid-to", "DateType", " 2030-01-01 "),
    "time-garbage": ("--valid-to", "DateType", "notadate"),
    "time-bad-month": ("--valid-to", "DateType", "2030-13-01"),
    "time-too-far": ("--valid-to", "DateType", "1e20"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_values_parse_as_the_aws_cli_parses_them(aws, files, name):
    option, shape, value = CASES[name]
    value = with_files(value, files)
    assert kmscli_convert(option, shape, value) == aws.convert(option, shape, value)


EXPECTED = {
    "tags-two-words": ("ok", [{"TagKey": "a", "TagValue": "b"}, {"TagKey": "c", "TagValue": "d"}]),
    "tags-double-quoted-comma": ("ok", [{"TagKey": "k", "TagValue": "a,b"}]),
    "tags-escaped-comma": ("ok", [{"TagKey": "k", "TagValue": "a,b"}]),
    "tags-empty-value": ("ok", [{"TagKey": "k", "TagValue": ""}]),
    "tags-value-with-equals": ("ok", [{"TagKey": "k", "TagValue": "a=b"}]),
    "tags-unquoted-comma-is-a-list": ("ok", [{"TagKey": "k", "TagValue": ["a", "b"]}]),
    "tags-nested-hash": ("ok", [{"TagKey": "k", "TagValue": {"a": "b", "c": ["d", "e"]}}]),
    "tags-no-equals": (
        "error",
        "Error parsing parameter '--tags': Expected: '=', received: 'EOF' for input:\nTagKey\n      ^",
    ),
    "tags-trailing-comma": (
        "error",
        "Error parsing parameter '--tags': Expected: '<second>', received: '<none>' for input:\nTagKey=a,\n         ^",
    ),
    "tags-duplicate-key": (
        "error",
        "Error parsing parameter '--tags': Second instance of key \"TagKey\" encountered for input:\n"
        'TagKey=a,TagKey=b\n         ^\nThis is often because there is a preceding "," instead of a space.',
    ),
    "tags-json-object-is-wrapped": ("ok", [{"TagKey": "a", "TagValue": "b"}]),
    "tags-json-invalid": (
        "error",
        "Error parsing parameter '--tags': Invalid JSON: Expecting property name enclosed in double quotes: "
        'line 1 column 16 (char 15)\nJSON received: [{"TagKey":"a",]',
    ),
    "map-shorthand": ("ok", {"purpose": "test", "env": "dev"}),
    "map-json-list": ("error", "Error parsing parameter '--encryption-context': Invalid JSON:\n[1]"),
    "strings-comma-is-not-split": ("ok", ["x,y"]),
    "strings-text-file-is-characters": ("ok", ["a", "b", "c"]),
    "tags-shorthand-file": ("ok", {"TagKey": "a", "TagValue": "b"}),
    "string-file-universal-newlines": ("ok", "line one\nline two\nline three\n"),
    "string-fileb-is-bytes": ("ok", b"abc"),
    "blob-base64-text-is-encoded-again": ("ok", b"SGVsbG8="),
    "blob-fileb": ("ok", BINARY),
    "int-blanks": ("ok", 8),
    "int-fraction": ("error", "invalid literal for int() with base 10: '7.5'"),
    "int-file": ("ok", 7),
    "time-iso-z": ("ok", 1893456000),
    "time-date-only": ("ok", 1893456000),
    "time-epoch": ("ok", 1893456000),
    "time-epoch-fraction": ("ok", 1893456000),
    "time-offset": ("ok", 1893456000),
    "time-rfc822": ("ok", 1893456000),
    "time-garbage": ("ok", "notadate"),
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_values_parse_to_what_the_conventions_record(files, name):
    option, shape, value = CASES[name]
    assert kmscli_convert(option, shape, with_files(value, files)) == EXPECTED[name]


def test_file_errors_name_the_file(files):
    missing = f"file://{files}/missing.json"
    assert kmscli_convert("--tags", "TagList", [missing]) == (
        "error",
        f"Error parsing parameter '--tags': Unable to load paramfile {missing}: "
        f"[Errno 2] No such file or directory: '{files}/missing.json'",
    )
    assert kmscli_convert("--plaintext", "PlaintextType", f"file://{files}/bin.bin") == (
        "error",
        f"Error parsing parameter '--plaintext': Unable to load paramfile ({files}/bin.bin), text contents could "
        "not be decoded.  If this is a binary file, please use the fileb:// prefix instead of the file:// prefix.",
    )


def test_base64_blobs_with_the_v2_binary_format():
    assert params.convert("--plaintext", "PlaintextType", "SGVsbG8=", binary_format="base64") == b"Hello"
    assert kmscli_convert("--plaintext", "PlaintextType", "not base64!") == ("ok", b"not base64!")


def _random_word(rnd: random.Random) -> str:
    pieces = [
        "a",
        "K",
        "TagKey",
        "=",
        "=",
        ",",
        ",",
        "\\",
        "\\,",
        "'",
        '"',
        "[",
        "]",
        "{",
        "}",
        " ",
        "\n",
        "@",
        "é",
        "日",
        "😀",
        ":",
        "/",
        "-",
        "\t",
        "x=y",
        "k=[",
        "k={",
        "\x85",
    ]
    if rnd.random() < 0.3:
        return "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 8)))
    pairs = []
    for _ in range(rnd.randint(1, 3)):
        key = rnd.choice(["TagKey", "TagValue", "a", "EncryptionContextSubset", "SourceArn", "b c", ""])
        value = rnd.choice(
            [
                "v",
                "",
                "'q,x'",
                '"d\\"q"',
                "a\\,b",
                "x,y",
                "[1,2]",
                "{p=q}",
                "{p=[1,{z=2}]}",
                " sp ",
                "a=b",
                "日本",
                "😀",
            ]
        )
        pairs.append(f"{key}={value}")
    word = ",".join(pairs)
    if rnd.random() < 0.3:
        at = rnd.randint(0, len(word))
        word = word[:at] + rnd.choice(pieces) + word[at:]
    return word


def test_random_shorthand_parses_as_the_aws_cli_parses_it(aws):
    rnd = random.Random(1893456000)
    shapes = [
        ("--tags", "TagList", True),
        ("--encryption-context", "EncryptionContextType", False),
        ("--constraints", "GrantConstraints", False),
        ("--recipient", "RecipientInfo", False),
        ("--grant-tokens", "GrantTokenList", True),
    ]
    for _ in range(600):
        option, shape, is_list = rnd.choice(shapes)
        value: Any = [_random_word(rnd) for _ in range(rnd.randint(1, 3))] if is_list else _random_word(rnd)
        assert kmscli_convert(option, shape, value) == aws.convert(option, shape, value), (option, value)


# ---------------------------------------------------------------- through the command line


def stored_tags(state_dir: Path, key_id: str = KEY1) -> list[Tag]:
    with Store(state_dir).transaction(write=False, account_id=ACCOUNT, region=REGION) as repo:
        return sorted(repo.get_tags(key_id))


def key_count(state_dir: Path) -> int:
    if not (state_dir / DB_NAME).exists():
        return 0  # the command failed before it opened the state
    with Store(state_dir).transaction(write=False, account_id=ACCOUNT, region=REGION) as repo:
        return repo.count_keys()


def failed(result, message: str) -> None:
    assert (result.exit_code, result.stdout, result.stderr) == (255, "", f"\n{message}\n")


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        pytest.param(
            ["TagKey=env,TagValue=dev", "TagKey=team,TagValue=sec"],
            [Tag("env", "dev"), Tag("team", "sec")],
            id="shorthand-words",
        ),
        pytest.param(['TagKey=csv,TagValue="a,b"'], [Tag("csv", "a,b")], id="quoted-comma"),
        pytest.param(["TagKey=csv,TagValue=a\\,b"], [Tag("csv", "a,b")], id="escaped-comma"),
        pytest.param(["TagKey=eq,TagValue=a=b"], [Tag("eq", "a=b")], id="equals-in-value"),
        pytest.param(["TagKey=empty,TagValue="], [Tag("empty", "")], id="empty-value"),
        pytest.param(['[{"TagKey": "j", "TagValue": "1"}]'], [Tag("j", "1")], id="json-list"),
        pytest.param(['{"TagKey": "j", "TagValue": "1"}'], [Tag("j", "1")], id="json-object"),
    ],
)
def test_create_key_tags(invoke, state_dir, tags, expected):
    result = invoke("create-key", "--tags", *tags, "--query", "KeyMetadata.KeyId", "--output", "text")
    assert (result.exit_code, result.stdout, result.stderr) == (0, KEY1 + "\n", "")
    assert stored_tags(state_dir) == expected


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        pytest.param(
            ["TagKey"],
            "Error parsing parameter '--tags': Expected: '=', received: 'EOF' for input:\nTagKey\n      ^",
            id="no-equals",
        ),
        pytest.param(
            ["TagKey=a,"],
            "Error parsing parameter '--tags': Expected: '<second>', received: '<none>' "
            "for input:\nTagKey=a,\n         ^",
            id="trailing-comma",
        ),
        pytest.param(
            ['[{"TagKey":"a",]'],
            "Error parsing parameter '--tags': Invalid JSON: Expecting property name "
            'enclosed in double quotes: line 1 column 16 (char 15)\nJSON received: [{"TagKey":"a",]',
            id="invalid-json",
        ),
        pytest.param(
            ["TagKey=k,TagValue=a,b"],
            "Parameter validation failed:\nInvalid type for parameter "
            "Tags[0].TagValue, value: ['a', 'b'], type: <class 'list'>, valid types: <class 'str'>",
            id="unquoted-comma",
        ),
        pytest.param(
            ["Key=a,Value=b"],
            'Parameter validation failed:\nMissing required parameter in Tags[0]: "TagKey"\n'
            'Missing required parameter in Tags[0]: "TagValue"\nUnknown parameter in Tags[0]: "Key", must be '
            'one of: TagKey, TagValue\nUnknown parameter in Tags[0]: "Value", must be one of: TagKey, TagValue',
            id="wrong-member-names",
        ),
    ],
)
def test_create_key_with_malformed_tags_creates_nothing(invoke, state_dir, tags, message):
    failed(invoke("create-key", "--tags", *tags), message)
    assert key_count(state_dir) == 0


@pytest.fixture
def key_id(invoke) -> str:
    created = invoke(
        "create-key", "--tags", "TagKey=existing,TagValue=kept", "--query", "KeyMetadata.KeyId", "--output", "text"
    )
    assert (created.exit_code, created.stdout, created.stderr) == (0, KEY1 + "\n", "")
    return KEY1


def test_tag_resource_reads_a_tags_file(invoke, state_dir, key_id, files):
    result = invoke("tag-resource", "--key-id", key_id, "--tags", f"file://{files}/tags.json")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert stored_tags(state_dir) == [Tag("FromFile", "1"), Tag("existing", "kept")]


def test_tag_resource_with_a_shorthand_file_fails_validation(invoke, state_dir, key_id, files):
    # The file's content stands for the whole list: a dict where a list belongs.
    failed(
        invoke("tag-resource", "--key-id", key_id, "--tags", f"file://{files}/tag-shorthand.txt"),
        "Parameter validation failed:\nInvalid type for parameter Tags, value: {'TagKey': 'a', 'TagValue': 'b'}, "
        "type: <class 'dict'>, valid types: <class 'list'>, <class 'tuple'>",
    )
    assert stored_tags(state_dir) == [Tag("existing", "kept")]


def test_tag_resource_with_malformed_shorthand_changes_nothing(invoke, state_dir, key_id):
    failed(
        invoke("tag-resource", "--key-id", key_id, "--tags", "TagKey=a,TagKey=b"),
        "Error parsing parameter '--tags': Second instance of key \"TagKey\" encountered for input:\n"
        'TagKey=a,TagKey=b\n         ^\nThis is often because there is a preceding "," instead of a space.',
    )
    assert stored_tags(state_dir) == [Tag("existing", "kept")]


POLICY = (
    '{\r\n  "Version": "2012-10-17",\r\n  "Statement": [{\r\n    "Sid": "Enable IAM policies",\r\n'
    '    "Effect": "Allow",\r\n    "Principal": {"AWS": "arn:aws:iam::111122223333:root"},\r\n'
    '    "Action": "kms:*",\r\n    "Resource": "*"\r\n  }]\r\n}\r\n'
)


def test_policy_from_a_file_is_read_as_text_with_universal_newlines(invoke, tmp_path):
    path = tmp_path / "policy.json"
    path.write_bytes(POLICY.encode("utf-8"))
    created = invoke("create-key", "--policy", f"file://{path}", "--query", "KeyMetadata.KeyId", "--output", "text")
    assert (created.exit_code, created.stdout, created.stderr) == (0, KEY1 + "\n", "")
    policy = invoke("get-key-policy", "--key-id", KEY1, "--policy-name", "default", "--query", "Policy")
    assert (policy.exit_code, policy.stderr) == (0, "")
    assert json.loads(policy.stdout) == POLICY.replace("\r\n", "\n")


def test_a_missing_policy_file(invoke, state_dir, tmp_path):
    failed(
        invoke("create-key", "--policy", "file://does-not-exist.json"),
        "Error parsing parameter '--policy': Unable to load paramfile file://does-not-exist.json: "
        "[Errno 2] No such file or directory: 'does-not-exist.json'",
    )
    assert key_count(state_dir) == 0


def test_description_from_file_and_fileb(invoke, files):
    created = invoke("create-key", "--description", f"file://{files}/abc.txt", "--query", "KeyMetadata.Description")
    assert (created.exit_code, created.stdout, created.stderr) == (0, '"abc"\n', "")
    failed(
        invoke("create-key", "--description", f"fileb://{files}/abc.txt"),
        "Parameter validation failed:\nInvalid type for parameter Description, value: b'abc', "
        "type: <class 'bytes'>, valid types: <class 'str'>",
    )


@pytest.mark.parametrize(
    ("flags", "multi_region"),
    [
        ([], False),
        (["--multi-region"], True),
        (["--no-multi-region"], False),
        (["--multi-region", "--no-multi-region"], False),
        (["--no-multi-region", "--multi-region"], True),
        (["--no-multi"], False),
    ],
)
def test_boolean_flags_and_their_no_forms(invoke, flags, multi_region):
    result = invoke("create-key", *flags, "--query", "KeyMetadata.[MultiRegion, KeyId]")
    assert (result.exit_code, result.stderr) == (0, "")
    printed, key = json.loads(result.stdout)
    assert printed is multi_region
    assert key.startswith("mrk-") is multi_region


def test_a_boolean_flag_takes_no_value(invoke, state_dir):
    with_equals = invoke("create-key", "--multi-region=true")
    assert (with_equals.exit_code, with_equals.stdout) == (2, "")
    assert with_equals.stderr.endswith("kmscli: error: argument --multi-region: ignored explicit argument 'true'\n")
    as_word = invoke("create-key", "--multi-region", "true")
    assert (as_word.exit_code, as_word.stdout) == (255, "")
    assert as_word.stderr.endswith("\nUnknown options: true\n")
    assert key_count(state_dir) == 0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("7.5", "invalid literal for int() with base 10: '7.5'"),
        ("abc", "invalid literal for int() with base 10: 'abc'"),
        ("", "invalid literal for int() with base 10: ''"),
    ],
)
def test_integers_that_are_not_integers(invoke, value, message):
    failed(invoke("generate-random", "--number-of-bytes", value), message)


def test_integers_may_have_blanks(invoke):
    result = invoke("generate-random", "--number-of-bytes", " 8 ", "--query", "Plaintext", "--output", "text")
    assert (result.exit_code, result.stderr) == (0, "")
    assert len(base64.b64decode(result.stdout)) == 8


def test_blob_arguments_round_trip(invoke, key_id, files, tmp_path):
    for plaintext, expected in (
        (f"fileb://{files}/bin.bin", BINARY),
        ("SGVsbG8=", b"SGVsbG8="),
        ("日本", "日本".encode()),
    ):
        encrypted = invoke(
            "encrypt",
            "--key-id",
            key_id,
            "--plaintext",
            plaintext,
            "--encryption-context",
            "purpose=test,env=dev",
            "--query",
            "CiphertextBlob",
            "--output",
            "text",
        )
        assert (encrypted.exit_code, encrypted.stderr) == (0, "")
        blob = tmp_path / "ciphertext.bin"
        blob.write_bytes(base64.b64decode(encrypted.stdout))
        decrypted = invoke(
            "decrypt",
            "--ciphertext-blob",
            f"fileb://{blob}",
            "--encryption-context",
            '{"env": "dev", "purpose": "test"}',
            "--query",
            "Plaintext",
            "--output",
            "text",
        )
        assert (decrypted.exit_code, decrypted.stdout, decrypted.stderr) == (
            0,
            base64.b64encode(expected).decode() + "\n",
            "",
        )


def test_a_binary_file_given_as_text(invoke, key_id, files):
    failed(
        invoke("encrypt", "--key-id", key_id, "--plaintext", f"file://{files}/bin.bin"),
        f"Error parsing parameter '--plaintext': Unable to load paramfile ({files}/bin.bin), text contents could "
        "not be decoded.  If this is a binary file, please use the fileb:// prefix instead of the file:// prefix.",
    )


def test_a_malformed_map(invoke, key_id):
    failed(
        invoke("encrypt", "--key-id", key_id, "--plaintext", "x", "--encryption-context", "purpose"),
        "Error parsing parameter '--encryption-context': Expected: '=', received: 'EOF' for input:\npurpose\n       ^",
    )


def test_a_timestamp_that_is_not_a_date(invoke, files):
    created = invoke("create-key", "--origin", "EXTERNAL", "--query", "KeyMetadata.KeyId", "--output", "text")
    assert (created.exit_code, created.stderr) == (0, "")
    failed(
        invoke(
            "import-key-material",
            "--key-id",
            created.stdout.strip(),
            "--import-token",
            f"fileb://{files}/bin.bin",
            "--encrypted-key-material",
            f"fileb://{files}/bin.bin",
            "--expiration-model",
            "KEY_MATERIAL_EXPIRES",
            "--valid-to",
            "notadate",
        ),
        "Parameter validation failed:\nInvalid type for parameter ValidTo, value: notadate, type: <class 'str'>, "
        "valid types: <class 'datetime.datetime'>, timestamp-string",
    )
