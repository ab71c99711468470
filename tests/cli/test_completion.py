"""Shell completion: the committed scripts, run by real shells, calling back into the installed kmscli.

The bash tests source completions/kmscli.bash in a bash process, set COMP_WORDS and COMP_CWORD
as readline would, call the completion function and read COMPREPLY. The zsh tests run the
generated function in zsh with compadd/_describe (which only exist inside a live completion
widget) replaced by functions that print what they are given.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sysconfig
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.shell_completion import BashComplete
from click.testing import CliRunner

from kmscli.cli import cli

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = Path(sysconfig.get_path("scripts"))
KEY_SPECS_RSA = ["RSA_2048", "RSA_3072", "RSA_4096"]


@pytest.fixture(scope="module")
def kmscli_on_path() -> str:
    """A PATH whose first `kmscli` is this interpreter's console script (pip install -e .)."""
    if not (SCRIPTS / "kmscli").is_file():
        pytest.fail(f"kmscli is not installed in {SCRIPTS}: run pip install -e '.[test]'")
    return f"{SCRIPTS}{os.pathsep}{os.environ['PATH']}"


def _kmscli(path: str, *args: str) -> dict:
    done = subprocess.run(
        ["kmscli", *args], env={**os.environ, "PATH": path}, capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stderr) == (0, ""), args
    return json.loads(done.stdout) if done.stdout else {}


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory, kmscli_on_path: str) -> tuple[Path, str]:
    """A state directory holding one key and the alias alias/completion-test, made by kmscli processes."""
    base = tmp_path_factory.mktemp("completion")
    state = base / "state"
    path = kmscli_on_path
    # Module-scoped, so it runs before the autouse isolation: isolate the same way here.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KMSCLI_STATE_DIR", str(state))
        mp.setenv("HOME", str(base / "home"))
        for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_CONFIG_FILE", "KMSCLI_ACCOUNT_ID"):
            mp.delenv(name, raising=False)
        key_id = _kmscli(path, "create-key", "--description", "completion")["KeyMetadata"]["KeyId"]
        assert _kmscli(path, "create-alias", "--alias-name", "alias/completion-test", "--target-key-id", key_id) == {}
    return state, key_id


def _digest(state: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(state.iterdir())}


# --- bash --------------------------------------------------------------------------------------


def _bash(path: str, state: Path, words: list[str]) -> list[str]:
    """COMPREPLY after completing the last of `words` (an empty string: a new word after a space)."""
    # As readline sets them: the line up to the cursor, and the words split at COMP_WORDBREAKS (`:` too).
    line = " ".join(words)
    split = " ".join(_bash_quote(w) for w in re.split(r"( |:)", line) if w != " ")
    script = (
        f"source {_bash_quote(str(ROOT / 'completions' / 'kmscli.bash'))}\n"
        f"COMP_LINE={_bash_quote(line)}; COMP_POINT={len(line)}\n"
        f"COMP_WORDS=({split}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1))\n"
        '_kmscli_completion kmscli "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"\n'
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = {"PATH": path, "HOME": os.environ["HOME"], "KMSCLI_STATE_DIR": str(state)}
    done = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], env=env, capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (0, "")
    return [line for line in done.stdout.splitlines() if line]


def _bash_quote(word: str) -> str:
    return "'" + word.replace("'", "'\\''") + "'"


def test_bash_completes_a_command_name(kmscli_on_path, prepared):
    assert _bash(kmscli_on_path, prepared[0], ["kmscli", "describe"]) == ["describe-custom-key-stores", "describe-key"]


def test_bash_completes_an_option_name(kmscli_on_path, prepared):
    assert _bash(kmscli_on_path, prepared[0], ["kmscli", "create-key", "--key-u"]) == ["--key-usage"]


def test_bash_completes_an_enum_value(kmscli_on_path, prepared):
    assert _bash(kmscli_on_path, prepared[0], ["kmscli", "create-key", "--key-spec", "RSA"]) == KEY_SPECS_RSA


def test_bash_completes_key_ids_and_aliases_from_the_state(kmscli_on_path, prepared):
    state, key_id = prepared
    before = _digest(state)
    assert _bash(kmscli_on_path, state, ["kmscli", "describe-key", "--key-id", ""]) == [key_id, "alias/completion-test"]
    assert _bash(kmscli_on_path, state, ["kmscli", "describe-key", "--key-id", key_id[:4]]) == [key_id]
    assert _bash(kmscli_on_path, state, ["kmscli", "create-alias", "--alias-name", "alias/c"]) == [
        "alias/completion-test"
    ]
    # Completion only reads: the database is byte-identical and no -wal/-shm file appeared.
    assert _digest(state) == before


def test_bash_completes_nothing_from_a_missing_state_dir_and_creates_none(kmscli_on_path, tmp_path):
    state = tmp_path / "absent"
    assert _bash(kmscli_on_path, state, ["kmscli", "describe-key", "--key-id", ""]) == []
    assert not state.exists()


def _shell(name: str) -> str:
    """The shell's path; a missing shell skips on a developer's machine and fails in CI (.ci/run installs it)."""
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is not installed; .ci/run installs it")
        pytest.skip(f"{name} is not installed (apt-get install -y {name})")
    return found


# --- zsh ---------------------------------------------------------------------------------------

ZSH_STUBS = """
compdef() { : }
_describe() { local v; for v in "${(@P)3}"; do print -r -- "described:$v"; done }
compadd() { local v; for v in "${(@P)${@[-1]}}"; do print -r -- "added:$v"; done }
"""


def _zsh(path: str, state: Path, words: list[str]) -> list[str]:
    zsh = _shell("zsh")
    quoted = " ".join(_bash_quote(w) for w in words)
    script = (
        ZSH_STUBS
        + f"source {_bash_quote(str(ROOT / 'completions' / '_kmscli'))}\n"
        + f"words=({quoted}); CURRENT={len(words)}\n"
        + "_kmscli_completion\n"
    )
    env = {"PATH": path, "HOME": os.environ["HOME"], "KMSCLI_STATE_DIR": str(state)}
    done = subprocess.run([zsh, "-f", "-c", script], env=env, capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (0, "")
    return done.stdout.splitlines()


def _help(command: str, flag: str | None = None) -> str:
    """The description zsh shows beside a command or an option: its Click short help or help."""
    ctx = click.Context(cli, info_name="kmscli")
    found = cli.get_command(ctx, command)
    assert found is not None
    if flag is None:
        return found.get_short_help_str()
    # As completion builds it: resilient, so the global options are there too.
    sub = click.Context(found, info_name=command, parent=ctx, resilient_parsing=True)
    option = next(p for p in found.get_params(sub) if flag in p.opts)
    return str(option.help)


def test_zsh_completes_commands_options_and_enum_values(kmscli_on_path, prepared):
    state = prepared[0]
    assert _zsh(kmscli_on_path, state, ["kmscli", "describe"]) == [
        f"described:{name}:{_help(name)}" for name in ("describe-custom-key-stores", "describe-key")
    ]
    assert _zsh(kmscli_on_path, state, ["kmscli", "create-key", "--key-u"]) == [
        f"described:--key-usage:{_help('create-key', '--key-usage')}"
    ]
    assert _zsh(kmscli_on_path, state, ["kmscli", "create-key", "--key-spec", "RSA"]) == [
        f"added:{spec}" for spec in KEY_SPECS_RSA
    ]


def test_zsh_completes_key_ids_and_aliases_from_the_state(kmscli_on_path, prepared):
    state, key_id = prepared
    assert _zsh(kmscli_on_path, state, ["kmscli", "describe-key", "--key-id", ""]) == [
        f"described:alias/completion-test:{key_id}",
        f"added:{key_id}",
    ]


# --- the callbacks, in process -----------------------------------------------------------------


@pytest.fixture
def complete(monkeypatch: pytest.MonkeyPatch) -> Callable[..., list[str]]:
    """Completion values for `kmscli <args> <incomplete>`, as the bash script would receive them."""
    monkeypatch.setenv("AWS_REGION", "us-west-2")  # the region of the fixture runtime's keys

    def run(*args: str, incomplete: str = "") -> list[str]:
        items = BashComplete(cli, {}, "kmscli", "_KMSCLI_COMPLETE").get_completions(list(args), incomplete)
        return [item.value for item in items]

    return run


@pytest.fixture
def two_keys(invoke) -> tuple[str, str]:
    ids = []
    for _ in range(2):
        created = invoke("create-key")
        assert (created.exit_code, created.stderr) == (0, "")
        ids.append(json.loads(created.stdout)["KeyMetadata"]["KeyId"])
    done = invoke("create-alias", "--alias-name", "alias/first", "--target-key-id", ids[0])
    assert (done.exit_code, done.stdout, done.stderr) == (0, "", "")
    return ids[0], ids[1]


@pytest.mark.parametrize("flag", ["--key-id", "--target-key-id"])
def test_key_only_options_are_offered_key_ids_not_aliases(complete, two_keys, flag):
    command = "get-key-policy" if flag == "--key-id" else "create-alias"
    assert complete(command, flag) == sorted(two_keys)


def test_alias_taking_key_options_are_offered_aliases_too(complete, two_keys):
    assert complete("describe-key", "--key-id") == [*sorted(two_keys), "alias/first"]
    assert complete("describe-key", "--key-id", incomplete="alias/") == ["alias/first"]


def test_alias_name_options_are_offered_alias_names(complete, two_keys):
    assert complete("create-alias", "--alias-name") == ["alias/first"]


def test_keys_of_another_region_are_not_offered(complete, two_keys):
    # A key made in eu-west-1 is offered there, and only it: the state was read for that Region,
    # rather than an error being swallowed into no candidates (which an empty answer alone allows).
    made = CliRunner().invoke(
        cli, ["--region", "eu-west-1", "create-key", "--query", "KeyMetadata.KeyId", "--output", "text"]
    )
    assert (made.exit_code, made.stderr) == (0, "")
    assert complete("--region", "eu-west-1", "describe-key", "--key-id") == [made.stdout.strip()]
    assert complete("--region", "eu-west-1", "describe-key", "--key-id", incomplete="alias/") == []
    assert complete("--region", "ap-south-1", "describe-key", "--key-id") == []


@pytest.fixture
def algorithm_keys(invoke) -> dict[str, str]:
    made = {}
    for name, args in {
        "rsa-sign": ("--key-spec", "RSA_2048", "--key-usage", "SIGN_VERIFY"),
        "rsa-encrypt": ("--key-spec", "RSA_2048", "--key-usage", "ENCRYPT_DECRYPT"),
        "ecc": ("--key-spec", "ECC_NIST_P384", "--key-usage", "SIGN_VERIFY"),
        "symmetric": (),
        "hmac": ("--key-spec", "HMAC_384", "--key-usage", "GENERATE_VERIFY_MAC"),
    }.items():
        created = invoke("create-key", *args, "--query", "KeyMetadata.KeyId", "--output", "text")
        assert (created.exit_code, created.stderr) == (0, "")
        made[name] = created.stdout.strip()
    done = invoke("create-alias", "--alias-name", "alias/ecc", "--target-key-id", made["ecc"])
    assert (done.exit_code, done.stderr) == (0, "")
    return made


def test_algorithm_options_offer_the_algorithms_of_the_key_named_before(complete, algorithm_keys, invoke):
    keys = algorithm_keys
    # What describe-key reports the key can do, in its order.
    described = invoke(
        "describe-key", "--key-id", keys["rsa-sign"], "--query", "KeyMetadata.SigningAlgorithms", "--output", "json"
    )
    assert (described.exit_code, described.stderr) == (0, "")
    rsa_signing = json.loads(described.stdout)
    assert len(rsa_signing) == 6
    assert complete("sign", "--key-id", keys["rsa-sign"], "--signing-algorithm") == rsa_signing
    assert complete("sign", "--key-id", keys["rsa-sign"], "--signing-algorithm", incomplete="RSASSA_PSS") == [
        "RSASSA_PSS_SHA_256",
        "RSASSA_PSS_SHA_384",
        "RSASSA_PSS_SHA_512",
    ]
    # By alias name or alias ARN, and after other options.
    assert complete("verify", "--key-id", "alias/ecc", "--signing-algorithm") == ["ECDSA_SHA_384"]
    arn = "arn:aws:kms:us-west-2:111122223333:alias/ecc"
    assert complete("sign", "--message", "m", "--key-id", arn, "--signing-algorithm") == ["ECDSA_SHA_384"]
    assert complete("encrypt", "--key-id", keys["rsa-encrypt"], "--encryption-algorithm") == [
        "RSAES_OAEP_SHA_1",
        "RSAES_OAEP_SHA_256",
    ]
    assert complete("encrypt", "--key-id", keys["symmetric"], "--encryption-algorithm") == ["SYMMETRIC_DEFAULT"]
    assert complete("generate-mac", "--key-id", keys["hmac"], "--mac-algorithm") == ["HMAC_SHA_384"]
    # ReEncrypt's two algorithm options each go with their own key.
    words = ["re-encrypt", "--source-key-id", keys["rsa-encrypt"], "--destination-key-id", keys["symmetric"]]
    assert complete(*words, "--source-encryption-algorithm") == ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]
    assert complete(*words, "--destination-encryption-algorithm") == ["SYMMETRIC_DEFAULT"]
    # A key that cannot sign offers no signing algorithm.
    assert complete("sign", "--key-id", keys["symmetric"], "--signing-algorithm") == []


def test_algorithm_options_offer_every_value_without_a_key_they_can_read(complete, algorithm_keys):
    from kmscli.core import SHAPES

    every = list(SHAPES["SigningAlgorithmSpec"]["enum"])
    assert len(every) == 13
    for key_words in ([], ["--key-id", "alias/missing"], ["--key-id", "not a key"]):
        assert complete("sign", *key_words, "--signing-algorithm") == every


def test_a_corrupt_state_offers_nothing(complete, state_dir):
    state_dir.mkdir()
    (state_dir / "kmscli.sqlite3").write_bytes(b"not a database" * 100)
    assert complete("describe-key", "--key-id") == []
    assert (state_dir / "kmscli.sqlite3").read_bytes() == b"not a database" * 100


def test_a_state_with_an_open_writer_is_read_through_its_wal(complete, two_keys, state_dir):
    # A writer in another process holds the database open, so its commits are still in the WAL file.
    writer = sqlite3.connect(state_dir / "kmscli.sqlite3")
    try:
        writer.execute("PRAGMA wal_autocheckpoint = 0")
        writer.execute("DELETE FROM keys WHERE key_id = ?", (two_keys[1],))
        writer.commit()
        assert (state_dir / "kmscli.sqlite3-wal").exists()
        assert complete("get-key-policy", "--key-id") == [two_keys[0]]
    finally:
        writer.close()


# --- global options after the command, Regions, file paths: bash, zsh and fish ----------------


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with a file and a folder, as file:// completion sees it."""
    work = tmp_path / "work"
    (work / "data").mkdir(parents=True)
    (work / "hello.txt").write_text("hello")
    (work / "data" / "secret.bin").write_bytes(b"\0")
    monkeypatch.chdir(work)
    return work


GLOBAL_AFTER = (["kmscli", "list-keys", "--out"], ["--output"])
OUTPUT_VALUES = (["kmscli", "list-keys", "--output", ""], ["json", "text", "table"])
REGIONS = (["kmscli", "--region", "eu-west-"], ["eu-west-1", "eu-west-2", "eu-west-3"])
REGIONS_AFTER = (["kmscli", "list-keys", "--region", "us-east-"], ["us-east-1", "us-east-2"])
FILEB = (["kmscli", "encrypt", "--plaintext", "fileb://he"], ["fileb://hello.txt"])
FILE_DIR = (["kmscli", "put-key-policy", "--policy", "file://da"], ["file://data/"])
FILE_IN_DIR = (["kmscli", "encrypt", "--plaintext", "fileb://data/"], ["fileb://data/secret.bin"])
CASES = [GLOBAL_AFTER, OUTPUT_VALUES, REGIONS, REGIONS_AFTER, FILEB, FILE_DIR, FILE_IN_DIR]
IDS = ["global-after", "output-values", "regions", "regions-after", "fileb", "file-dir", "file-in-dir"]


@pytest.mark.parametrize(("words", "expected"), CASES, ids=IDS)
def test_bash_completes_globals_regions_and_files(kmscli_on_path, prepared, files, words, expected):
    # bash splits fileb://x at the colon and replaces only the text after it.
    word = words[-1]
    colon_prefix = word[: word.rfind(":") + 1] if ":" in word else ""
    assert _bash(kmscli_on_path, prepared[0], words) == [e.removeprefix(colon_prefix) for e in expected]


@pytest.mark.parametrize(("words", "expected"), CASES, ids=IDS)
def test_zsh_completes_globals_regions_and_files(kmscli_on_path, prepared, files, words, expected):
    got = _zsh(kmscli_on_path, prepared[0], words)
    if words[-1].startswith("--"):
        # Option names come with their help, through _describe.
        assert got == [f"described:{e}:{_help('list-keys', e)}" for e in expected]
    else:
        assert got == [f"added:{e}" for e in expected]


def _fish(path: str, state: Path, line: str) -> list[str]:
    fish = _shell("fish")
    script = f"source {_bash_quote(str(ROOT / 'completions' / 'kmscli.fish'))}; complete -C {_bash_quote(line)}"
    env = {"PATH": path, "HOME": os.environ["HOME"], "KMSCLI_STATE_DIR": str(state), "LC_ALL": "C.UTF-8"}
    done = subprocess.run([fish, "--no-config", "-c", script], env=env, capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (0, "")
    return done.stdout.splitlines()


@pytest.mark.parametrize(("words", "expected"), CASES, ids=IDS)
def test_fish_completes_globals_regions_and_files(kmscli_on_path, prepared, files, words, expected):
    got = _fish(kmscli_on_path, prepared[0], " ".join(words))
    # fish sorts what it is given.
    assert [line.split("\t")[0] for line in got] == sorted(expected)


def test_fish_keeps_a_description_with_a_comma_whole(kmscli_on_path, prepared):
    got = _fish(kmscli_on_path, prepared[0], "kmscli list-keys --outp")
    assert got == ["--output\tThe formatting style for command output: json, text or table."]
    usage = _fish(kmscli_on_path, prepared[0], "kmscli create-key --key-usa")
    assert usage == [f"--key-usage\t{_help('create-key', '--key-usage')}"]
    assert usage[0].count(",") >= 4


def test_fish_completes_commands_and_key_ids(kmscli_on_path, prepared):
    state, key_id = prepared
    assert [line.split("\t")[0] for line in _fish(kmscli_on_path, state, "kmscli describe-k")] == ["describe-key"]
    got = _fish(kmscli_on_path, state, "kmscli describe-key --key-id ")
    assert sorted(line.split("\t")[0] for line in got) == sorted([key_id, "alias/completion-test"])


def test_bash_completes_a_file_url_in_a_real_terminal(kmscli_on_path, prepared, files, tmp_path):
    """Tab pressed in an interactive bash inside tmux: the line on the screen is what a user sees."""
    tmux = _shell("tmux")
    socket = str(tmp_path / "tmux.sock")
    env = {
        "PATH": kmscli_on_path,
        "HOME": os.environ["HOME"],
        "KMSCLI_STATE_DIR": str(prepared[0]),
        "PS1": "$ ",
        "TERM": "xterm",
    }

    def tmux_run(*args: str) -> str:
        done = subprocess.run([tmux, "-S", socket, *args], env=env, capture_output=True, text=True, check=True)
        return done.stdout

    tmux_run("new-session", "-d", "-x", "120", "-y", "20", "bash --norc --noprofile")
    try:
        tmux_run("send-keys", f"source {ROOT / 'completions' / 'kmscli.bash'}", "Enter")
        tmux_run("send-keys", "kmscli encrypt --plaintext fileb://he", "Tab")
        # Typed after the completion: it lands after the space that a finished file name gets.
        import time

        deadline = time.monotonic() + 20
        screen = ""
        while time.monotonic() < deadline:
            screen = tmux_run("capture-pane", "-p")
            if "fileb://hello.txt" in screen:
                break
            time.sleep(0.2)
        tmux_run("send-keys", "X")
        time.sleep(0.5)
        screen = tmux_run("capture-pane", "-p")
        assert "kmscli encrypt --plaintext fileb://hello.txt X\n" in screen
    finally:
        tmux_run("kill-server")
