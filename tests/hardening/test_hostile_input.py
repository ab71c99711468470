"""Property-based tests: whatever words reach a command, kmscli answers in the AWS CLI's error format.

For every operation, hypothesis draws values for any of its options (random text, unicode,
control characters, lone surrogates as undecodable argv bytes become, huge values, invalid JSON and
shorthand, param files that are binary, missing or directories, and identifiers of every wrong
shape mixed with real ones), plus global options and --cli-input-json documents. Whatever comes
out, there is never a traceback; a failure exits 2 (usage) or 255 with nothing on stdout and one
of the AWS CLI's error forms on stderr; and a failed command leaves every stored row as it was.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import os
import re
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from kmscli import core
from kmscli.cli import argv, cli
from kmscli.session import Session

ACCOUNT = "111122223333"
REGION = "us-west-2"
DB_NAME = "kmscli.sqlite3"
OPERATIONS = sorted(core.MODULES)
USAGE = (
    "usage: kmscli [options] <command> [parameters]\n"
    "To see help text, you can run:\n"
    "\n"
    "  kmscli --help\n"
    "  kmscli <command> --help\n"
)
SERVICE_ERROR = re.compile(r"\nAn error occurred \((\w+)\) when calling the (\w+) operation: .*\n", re.DOTALL)

# Bounded so the whole module runs in about a minute; the autouse fixture of tests/conftest.py only
# sets environment variables, which no example changes, so sharing it between examples is safe.
FUZZ = settings(
    max_examples=30,
    # The explain phase imports modules that warn about deprecations, which filterwarnings=error turns
    # into an error inside pytest's reporting, hiding the failing example it was about to show.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    deadline=None,
    database=None,
    # The same examples on every run, so a CI result can be reproduced; widen the search locally by
    # raising max_examples (a one-off run of 300 examples per test found nothing more).
    derandomize=True,
    print_blob=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)


class World(NamedTuple):
    """A state with a key of every kind, and files to point file:// and fileb:// at."""

    runtime: Session
    database: Path
    identifiers: tuple[str, ...]
    files: tuple[str, ...]


def fixed_env(private_keys: Callable[[str], bytes]) -> core.Env:
    ids = itertools.count(1)
    return core.Env(
        account_id=ACCOUNT,
        region=REGION,
        caller_arn=f"arn:aws:iam::{ACCOUNT}:root",
        clock=lambda: 1502910355.475,
        random_bytes=os.urandom,
        id_bytes=lambda n: hashlib.sha256(f"hostile-{next(ids)}".encode()).digest()[:n],
        generate_private_key=private_keys,
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, private_keys: Callable[[str], bytes]) -> World:
    work = tmp_path_factory.mktemp("hostile")
    runtime = Session(environ={}, state_dir=work / "state", env=fixed_env(private_keys))

    def make(*args: str) -> str:
        result = CliRunner().invoke(cli, [*args, "--output", "text"], obj=runtime)
        assert result.exit_code == 0, result.stderr
        return result.stdout.strip()

    keys = {
        f"{spec}/{usage}": make("create-key", "--key-spec", spec, "--key-usage", usage, "--query", "KeyMetadata.KeyId")
        for spec, usage in (
            ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT"),
            ("RSA_2048", "ENCRYPT_DECRYPT"),
            ("RSA_2048", "SIGN_VERIFY"),
            ("ECC_NIST_P256", "SIGN_VERIFY"),
            ("ECC_NIST_P256", "KEY_AGREEMENT"),
            ("HMAC_256", "GENERATE_VERIFY_MAC"),
            ("ML_KEM_768", "ENCAPSULATE_DECAPSULATE"),
        )
    }
    sym = keys["SYMMETRIC_DEFAULT/ENCRYPT_DECRYPT"]
    disabled = make("create-key", "--query", "KeyMetadata.KeyId")
    make("disable-key", "--key-id", disabled)
    pending = make("create-key", "--query", "KeyMetadata.KeyId")
    make("schedule-key-deletion", "--key-id", pending, "--query", "KeyState")
    external = make("create-key", "--origin", "EXTERNAL", "--query", "KeyMetadata.KeyId")
    multi = make("create-key", "--multi-region", "--query", "KeyMetadata.KeyId")
    make("create-alias", "--alias-name", "alias/real", "--target-key-id", sym)
    grant = make(
        "create-grant",
        "--key-id",
        sym,
        "--grantee-principal",
        f"arn:aws:iam::{ACCOUNT}:role/app",
        "--operations",
        "Encrypt",
        "Decrypt",
        "--query",
        "GrantId",
    )
    ciphertext = base64.b64decode(make("encrypt", "--key-id", sym, "--plaintext", "x", "--query", "CiphertextBlob"))

    (work / "binary.bin").write_bytes(bytes(range(256)) * 4)
    (work / "ciphertext.bin").write_bytes(ciphertext)
    (work / "huge.txt").write_text("{" * 300_000)
    (work / "empty.txt").write_text("")
    (work / "policy.json").write_text('{"Version": "2012-10-17", "Statement": []}')
    files = tuple(
        f"{scheme}{work / name}"
        for scheme in ("file://", "fileb://")
        for name in ("binary.bin", "ciphertext.bin", "huge.txt", "empty.txt", "policy.json", "missing", "")
    )
    identifiers = (
        *keys.values(),
        disabled,
        pending,
        external,
        multi,
        grant,
        "alias/real",
        f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{sym}",
        f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/real",
        f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/{sym}",
        f"arn:aws:kms:{REGION}:999999999999:key/{sym}",
        f"arn:aws:kms:{REGION}:{ACCOUNT}:key/",
        f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/",
        "arn:aws:kms:::",
        f"key/{sym}",
        sym.upper(),
        sym[:-1],
        sym + "0",
        f"{sym}\n",
        f" {sym}",
        "alias/",
        "alias/aws/",
        "alias/aws/ebs",
        "alias/" + "a" * 300,
        "alias/a b",
        "alias/\u00e9",
        "mrk-0123456789abcdef0123456789abcdef",
        "mrk-",
        "1234abcd-12ab-34cd-56ef-1234567890ab",
        "00000000-0000-0000-0000-000000000000",
        "-1",
        "0",
        f"arn:aws:iam::{ACCOUNT}:role/app",
        "arn:aws:iam::*:root",
        "*",
        "",
        " ",
    )
    return World(runtime, work / "state" / DB_NAME, identifiers, files)


# ---------------------------------------------------------------- strategies

JSONISH = [
    "{",
    "[",
    "}",
    "]",
    "{}",
    "[]",
    "null",
    "true",
    "1e999",
    "-0",
    '"',
    '""',
    '{"a":',
    '{"a": 1,}',
    "[1, 2",
    '{"Key": {"Key": {"Key": {}}}}',
    "[" * 200 + "]" * 200,
    '{"TagKey": 1, "TagValue": null}',
    "[{}]",
    "[[]]",
    '{"\\ud800": 1}',
    "NaN",
    "Infinity",
    '{"a": 1e309}',
    "\ufeff{}",
]
SHORTHAND = [
    "a=b",
    "=",
    "==",
    ",",
    "a=",
    "=b",
    "a=b,,c",
    "Key=,Value",
    "TagKey=[",
    "TagKey=a,TagValue=b,TagKey=c",
    "TagKey=a,TagValue=b=c",
    "[a,",
    "{a=b}",
    "Key=a,Value={b=c}",
    "a=[b,c]",
    "a=b c=d",
    "TagKey=\\,",
    'a="b',
    "Name=x,Values=[",
    "KeyId=x,GrantTokens=[a,b]",
    "EncryptionContextEquals={a=b}",
    "a\n=b",
]
NUMBERS = ["0", "-1", "1", "1.5", "1e3", " 7 ", "0x10", "99999999999999999999999999", "NaN", "inf", "٣", "1_000"]

text = st.text(max_size=40)
odd_characters = st.text(st.characters(codec=None, categories=["Cc", "Cs", "Cf", "Zl", "Zp", "Co"]), max_size=20)
undecodable = st.binary(max_size=40).map(lambda b: b.decode("utf-8", "surrogateescape"))
huge = st.builds(
    lambda c, n: c * n,
    st.sampled_from(["x", "9", "\u00e9", "{", "\0", "a=b,"]),
    st.sampled_from([2049, 8193, 70_000, 300_000]),
)


def values(world: World, shape: str | None) -> st.SearchStrategy[str]:
    """One word for an option: hostile text, or something plausible for the option's shape."""
    plausible: list[st.SearchStrategy[str]] = [st.sampled_from(world.identifiers)]
    if shape is not None:
        info = core.SHAPES[shape]
        if "enum" in info:
            plausible.append(st.sampled_from(info["enum"]))
        if info["type"] in ("integer", "long", "double", "float"):
            plausible.append(st.one_of(st.integers().map(str), st.sampled_from(NUMBERS)))
        if info["type"] == "timestamp":
            plausible.append(st.sampled_from(["2020-01-01", "2020-13-45T99:00:00Z", "1502910355", "-1", "now"]))
    return st.one_of(
        *plausible,
        text,
        odd_characters,
        undecodable,
        huge,
        st.sampled_from(JSONISH),
        st.sampled_from(SHORTHAND),
        st.sampled_from(world.files),
        st.builds(lambda a, b: a + b, st.sampled_from(world.identifiers), text),
    )


@st.composite
def command_line(draw: st.DrawFn, world: World, operation: str) -> list[str]:
    words = [core.MODEL_OPERATIONS[operation]["cli"]]
    required = core.SHAPES[core.MODEL_OPERATIONS[operation]["input"]]["required"]
    for spec in argv.operation_options(operation):
        # Required options are there most of the time, so that most words get past argv parsing.
        if spec.dest in required:
            wanted = draw(st.integers(0, 9)) > 0
        elif spec.dest == "cli_input_json":
            wanted = draw(st.integers(0, 7)) == 0  # test_any_input_json_for_any_operation covers it
        else:
            wanted = draw(st.booleans())
        if spec.dest == "generate_cli_skeleton" or not wanted:
            continue
        if spec.nargs == "0":
            words.append(spec.flag)
        elif spec.nargs == "+":
            words += [spec.flag, *draw(st.lists(values(world, spec.shape), min_size=1, max_size=3))]
        else:
            words += [spec.flag, draw(values(world, spec.shape))]
    if draw(st.integers(0, 9)) == 0:
        words.insert(draw(st.integers(1, len(words))), draw(values(world, None)))
    if draw(st.integers(0, 4)) == 0:
        words.append("--debug")
    return words


# ---------------------------------------------------------------- the property


def debug_free(stderr: str) -> str:
    """stderr without --debug lines and the AWS CLI's own warnings (e.g. about --max-items 0)."""
    lines = stderr.splitlines(keepends=True)
    return "".join(line for line in lines if not line.startswith(("kmscli debug: ", "warning: ")))


def _not_json(constant: str) -> Any:
    raise AssertionError(f"{constant} in the output, which is not JSON")


def assert_strict_json(stdout: str) -> None:
    """Output that Python's lenient json reads must be JSON too: no NaN, no Infinity."""
    try:
        json.loads(stdout)
    except ValueError:
        return  # text or table output
    json.loads(stdout, parse_constant=_not_json)


def assert_aws_answer(result: Result, operation: str | None) -> None:
    """Success, or one of the AWS CLI's error forms: never a traceback, never an internal error."""
    assert isinstance(result.exception, SystemExit | None), result.exc_info
    stderr = debug_free(result.stderr)
    assert "Traceback" not in result.stderr
    assert "internal error" not in stderr
    if result.exit_code == 0:
        assert_strict_json(result.stdout)
        return
    assert result.stdout == ""
    if result.exit_code == 2:
        assert stderr.startswith(USAGE + "kmscli: error: "), stderr
        return
    assert result.exit_code == 255, (result.exit_code, stderr)
    assert stderr.endswith("\n"), stderr
    if stderr.startswith(USAGE):
        assert stderr[len(USAGE) :].startswith("\nUnknown options: "), stderr
        return
    assert stderr.startswith("\n"), stderr
    service = SERVICE_ERROR.fullmatch(stderr)
    if service is not None and operation is not None:
        assert service.group(2) == operation


def run_checked(world: World, words: list[str], operation: str | None, dump: Callable[[Path], Any]) -> Result:
    before = dump(world.database)
    result = CliRunner().invoke(cli, words, obj=world.runtime)
    assert_aws_answer(result, operation)
    # How far the words got (see --hypothesis-show-statistics): usage, parsing, validation, the service.
    service = SERVICE_ERROR.fullmatch(debug_free(result.stderr))
    first_line = debug_free(result.stderr).strip().partition("\n")[0]
    event(f"exit {result.exit_code}: " + (service.group(1) if service else first_line[:30]))
    if result.exit_code != 0:
        assert dump(world.database) == before, "a failed command changed the state"
    return result


@pytest.mark.parametrize("operation", OPERATIONS)
@FUZZ
@given(data=st.data())
def test_any_words_for_any_operation(world, rows, operation, data):
    words = data.draw(command_line(world, operation), label="argv")
    run_checked(world, words, operation, rows)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | text | odd_characters,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=8,
)


@st.composite
def input_document(draw: st.DrawFn, world: World, operation: str) -> str:
    """--cli-input-json: the operation's own member names, each with a value of any JSON type."""
    members = [m for m, *_ in core.SHAPES[core.MODEL_OPERATIONS[operation]["input"]]["members"]]
    chosen = draw(st.lists(st.sampled_from(members), unique=True, max_size=len(members))) if members else []
    value = st.one_of(json_values, st.sampled_from(world.identifiers), st.lists(st.sampled_from(world.identifiers)))
    document: Any = {m: draw(value) for m in chosen}
    if draw(st.integers(0, 5)) == 0:
        document = draw(json_values)
    return json.dumps(document)


@pytest.mark.parametrize("operation", OPERATIONS)
@FUZZ
@given(data=st.data())
def test_any_input_json_for_any_operation(world, rows, operation, data):
    document = data.draw(input_document(world, operation), label="cli-input-json")
    words = [core.MODEL_OPERATIONS[operation]["cli"], "--cli-input-json", document]
    if data.draw(st.booleans()):
        words += ["--cli-binary-format", "base64"]
    run_checked(world, words, operation, rows)


def starting_tokens() -> st.SearchStrategy[str]:
    """NextTokens as botocore prints them (base64 JSON), with hostile members, and plain junk."""
    token = st.fixed_dictionaries(
        {}, optional={"Marker": json_values, "boto_truncate_amount": st.one_of(json_values, st.integers())}
    )
    return st.one_of(token.map(lambda d: base64.b64encode(json.dumps(d).encode()).decode()), text, undecodable)


GLOBALS = {
    "--output": st.one_of(st.sampled_from(["json", "text", "table"]), text),
    "--query": st.one_of(
        st.sampled_from(
            [
                "Keys[0]",
                "length(Keys)",
                "abs(Keys)",
                "Keys[?KeyId>`1`]",
                "to_number(@)",
                "@.@.@",
                "KeyMetadata.KeyId",
                "[",
                "max_by(Keys, &KeyId)",
                "sort(@)",
                "Keys[*].KeyId | [0]",
            ]
        ),
        text,
    ),
    "--region": st.one_of(
        st.sampled_from(["us-west-2", "eu-west-1", "cn-north-1", "us-gov-west-1", "US-WEST-2"]), text
    ),
    "--profile": text,
    "--max-items": st.one_of(st.sampled_from(NUMBERS), st.integers().map(str)),
    "--page-size": st.one_of(st.sampled_from(NUMBERS), st.integers().map(str)),
    "--starting-token": starting_tokens(),
    "--cli-binary-format": st.one_of(st.sampled_from(["base64", "raw-in-base64-out"]), text),
    "--cli-timestamp-format": st.one_of(st.sampled_from(["iso8601", "wire", "none"]), text),
    "--color": st.one_of(st.sampled_from(["on", "off", "auto"]), text),
}


@st.composite
def global_options(draw: st.DrawFn, world: World) -> list[str]:
    command = draw(
        st.sampled_from(
            [
                ["list-keys"],
                ["list-aliases"],
                ["describe-key", "--key-id", "alias/real"],
                ["list-grants", "--key-id", "alias/real"],
                ["list-resource-tags", "--key-id", "alias/real"],
                ["create-key"],
                ["list-key-rotations", "--key-id", "alias/real"],
                ["list-retirable-grants", "--retiring-principal", f"arn:aws:iam::{ACCOUNT}:root"],
            ]
        )
    )
    words = list(command)
    # A --query that fails on create-key's output fails after the key is made, as in the AWS CLI:
    # test_a_query_failing_after_a_write_reports_it_the_aws_way covers that case.
    flags = sorted(set(GLOBALS) - ({"--query"} if command == ["create-key"] else set()))
    for flag in draw(st.lists(st.sampled_from(flags), unique=True, max_size=4)):
        # Global options may come before the command or after it, as in the AWS CLI.
        pair = [flag, draw(GLOBALS[flag])]
        words = pair + words if draw(st.booleans()) else words + pair
    for flag in ("--no-paginate", "--debug"):
        if draw(st.integers(0, 3)) == 0:
            words.append(flag)
    return words


@FUZZ
@given(data=st.data())
def test_any_global_options(world, rows, data):
    words = data.draw(global_options(world), label="argv")
    command = next(w for w in words if w in argv_commands())
    run_checked(world, words, core_operation(command), rows)


def argv_commands() -> dict[str, str]:
    return {core.MODEL_OPERATIONS[name]["cli"]: name for name in OPERATIONS}


def core_operation(command: str) -> str:
    return argv_commands()[command]


def test_a_query_failing_on_the_output_is_the_aws_cli_line(world, rows):
    before = rows(world.database)
    result = CliRunner().invoke(cli, ["list-aliases", "--query", "length(Keys)"], obj=world.runtime)
    assert (result.exit_code, result.stdout) == (255, "")
    assert result.stderr == (
        "\nIn function length(), invalid type for value: None, expected one of: ['string', 'array', 'object'], "
        'received: "null"\n'
    )
    assert rows(world.database) == before


def test_a_query_failing_after_a_write_reports_it_the_aws_way(world, sql):
    """The AWS CLI applies --query to the response: the operation has run when the query fails."""
    described = "made before its query failed"
    result = CliRunner().invoke(
        cli, ["create-key", "--description", described, "--query", "unknown_function(@)"], obj=world.runtime
    )
    assert (result.exit_code, result.stdout, result.stderr) == (255, "", "\nUnknown function: unknown_function()\n")
    made = sql(world.database, "SELECT count(*) FROM keys WHERE json_extract(doc, '$.description') = ?", described)
    assert made == [(1,)]


# ---------------------------------------------------------------- real processes


@pytest.mark.parametrize(
    "words",
    [
        pytest.param([b"describe-key", b"--key-id", b"\xff\xfe\x80alias"], id="undecodable-argv"),
        pytest.param([b"create-key", b"--description", b"\xc3\x28" * 10], id="undecodable-description"),
        pytest.param(
            [b"tag-resource", b"--key-id", b"alias/x", b"--tags", b"TagKey=\xff,TagValue=\x01"],
            id="undecodable-shorthand",
        ),
        pytest.param([b"create-key", b"--description", b"x" * 131_000], id="largest-argument-linux-allows"),
        pytest.param([b"create-key", b"--tags", b"{" * 100_000], id="deep-json"),
        pytest.param([b"\xff"], id="undecodable-command"),
        pytest.param([b"list-keys", b"--\xff"], id="undecodable-option"),
    ],
)
def test_hostile_words_in_a_real_process(environ, tmp_path, rows, words):
    """What only a real process sees: argv bytes that are not UTF-8, the OS's limits on argument size."""
    state = tmp_path / "state"
    seeded = subprocess.run(
        [sys.executable, "-m", "kmscli", "create-key"], env=environ, capture_output=True, check=False
    )
    assert seeded.returncode == 0
    before = rows(state / DB_NAME)
    done = subprocess.run(
        [os.fsencode(sys.executable), b"-m", b"kmscli", *words],
        env=environ,
        capture_output=True,
        timeout=120,
        check=False,
    )
    stderr = done.stderr.decode("utf-8", "replace")
    assert done.returncode in (2, 255), stderr
    assert done.stdout == b""
    assert "Traceback" not in stderr
    assert "internal error" not in stderr
    assert stderr.startswith(("\n", USAGE)), stderr
    assert rows(state / DB_NAME) == before


# ---------------------------------------------------------------- nesting, sizes, echoes

DEEP = "[" * 100_000
DEEP_OBJECT = '{"a":' * 5_000 + "1" + "}" * 5_000


@pytest.mark.parametrize(
    ("args", "first_line"),
    [
        (["create-key", "--cli-input-json", DEEP], "Error parsing parameter 'cli-input-json': Invalid JSON: nesting"),
        (
            ["create-key", "--cli-input-json", DEEP_OBJECT],
            "Error parsing parameter 'cli-input-json': Invalid JSON: nesting",
        ),
        (["create-key", "--tags", DEEP], "Error parsing parameter '--tags': Invalid JSON: nesting"),
        (["create-key", "--tags", f"Key={DEEP}"], "Error parsing parameter '--tags': nesting deeper than 32 levels"),
        (["list-keys", "--query", DEEP], "Bad value for --query [[[["),
        (
            ["create-key", "--policy", DEEP_OBJECT],
            "An error occurred (MalformedPolicyDocumentException) when calling the CreateKey operation: "
            "Policy document is malformed",
        ),
    ],
    ids=["input-json-lists", "input-json-objects", "tags-json", "tags-shorthand", "query", "policy"],
)
def test_deep_nesting_is_a_parse_error(invoke, state_dir, sql, args, first_line):
    result = invoke(*args)
    assert (result.exit_code, result.stdout) == (255, "")
    assert result.stderr.startswith("\n" + first_line), result.stderr[:300]
    assert "internal error" not in result.stderr
    # The message repeats at most MAX_ECHO characters of the value.
    assert len(result.stderr) < 20_000
    database = state_dir / "kmscli.sqlite3"
    assert not database.exists() or sql(database, "SELECT count(*) FROM keys") == [(0,)]


def test_a_huge_value_is_not_repeated_whole(invoke):
    result = invoke("create-key", "--description", "x" * 20_000_000)
    assert (result.exit_code, result.stdout) == (255, "")
    assert result.stderr == (
        "\nAn error occurred (ValidationException) when calling the CreateKey operation: 1 validation error "
        f"detected: Value '{'x' * 16384}... (20000000 characters in all)' at 'description' failed to satisfy "
        "constraint: Member must have length less than or equal to 8192\n"
    )


def test_a_deep_state_directory(kmscli, tmp_path):
    chain = [tmp_path.joinpath(*["d"] * n) for n in range(1, 1_201)]
    state = chain[-1]
    try:
        listed = kmscli("list-keys", "--output", "json", KMSCLI_STATE_DIR=str(state))
        # Every directory is made, 0700; SQLite may then refuse a path this long (most builds stop at
        # 512 bytes): one line naming the problem, as for any unusable state.
        assert {stat.S_IMODE(d.stat().st_mode) for d in chain} == {0o700}
        if listed.returncode == 0:
            assert (json.loads(listed.stdout), listed.stderr) == ({"Keys": []}, "")
        else:
            assert (listed.returncode, listed.stdout) == (255, "")
            assert listed.stderr == (
                f"kmscli: cannot open the state database: unable to open database file ({state / 'kmscli.sqlite3'})\n"
            )
    finally:
        # Removed here, deepest first: pytest's own clean-up recurses, and would fail on this tree.
        for directory in reversed(chain):
            if directory.exists():
                for entry in directory.iterdir():
                    if not entry.is_dir():
                        entry.unlink()
                directory.rmdir()


def test_a_parameter_file_is_read_up_to_a_limit(invoke):
    result = invoke("encrypt", "--key-id", "alias/x", "--plaintext", "fileb:///dev/zero")
    assert (result.exit_code, result.stdout, result.stderr) == (
        255,
        "",
        "\nError parsing parameter '--plaintext': Unable to load paramfile fileb:///dev/zero: it holds more than "
        "1048576 bytes, more than any KMS parameter can\n",
    )


def test_process_substitution_still_works(environ, tmp_path):
    script = (
        'key=$("$0" -m kmscli create-key --query KeyMetadata.KeyId --output text) && '
        '"$0" -m kmscli encrypt --key-id "$key" --plaintext fileb://<(printf hello) '
        "--query CiphertextBlob --output text --cli-binary-format raw-in-base64-out > blob.b64 && "
        'base64 -d blob.b64 > blob && "$0" -m kmscli decrypt --ciphertext-blob fileb://<(cat blob) '
        "--query Plaintext --output text"
    )
    done = subprocess.run(
        ["bash", "-c", script, sys.executable], env=environ, cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert base64.b64decode(done.stdout) == b"hello"
