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
    cword = len(words) - 1
    words_array = " ".join(_bash_quote(w) for w in words)
    script = (
        f"source {_bash_quote(str(ROOT / 'completions' / 'kmscli.bash'))}\n"
        f"COMP_WORDS=({words_array}); COMP_CWORD={cword}\n"
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


# --- zsh ---------------------------------------------------------------------------------------

ZSH_STUBS = """
compdef() { : }
_describe() { local v; for v in "${(@P)3}"; do print -r -- "described:$v"; done }
compadd() { local v; for v in "${(@P)${@[-1]}}"; do print -r -- "added:$v"; done }
"""


def _zsh(path: str, state: Path, words: list[str]) -> list[str]:
    zsh = shutil.which("zsh")
    if zsh is None:
        pytest.skip("zsh is not installed (apt-get install -y zsh)")
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
    option = next(p for p in found.get_params(ctx) if flag in p.opts)
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
