"""The README works when pasted: its blocks marked `sh runnable` run, in order, in one bash.

A newcomer pastes the quick start's blocks one after another into one shell, so the blocks share
shell variables (`KEY=$(...)`) and files; the test does the same on an empty state directory, in
an empty working directory that holds the clone's generated folders (the completion install block
copies from `completions/`), with an empty home directory.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from kmscli import core
from kmscli.cli.app import COMMAND_TO_OPERATION

ROOT = Path(__file__).resolve().parent.parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
FENCE = re.compile(r"^```(\S*)([^\n]*)\n(.*?)^```$", flags=re.M | re.S)
MARKER = "runnable"


def runnable_blocks(text: str) -> list[str]:
    """The bodies of the ```sh runnable blocks, in document order."""
    blocks = []
    for language, info, body in FENCE.findall(text):
        if MARKER in info.split():
            assert language == "sh", f"only sh blocks can be runnable, not {language!r}"
            blocks.append(body)
    return blocks


def _script(blocks: list[str]) -> str:
    """One bash script: each block announced on stderr, stopping at the first failing command."""
    lines = ["set -euo pipefail"]
    for number, body in enumerate(blocks, 1):
        lines.append(f"echo '### README block {number}' >&2")
        lines.append(body)
    return "\n".join(lines) + "\n"


def test_runnable_blocks_are_found():
    blocks = runnable_blocks(README)
    assert len(blocks) >= 4
    assert blocks[0].startswith("KEY=$(kmscli create-key")
    # A block without the marker is never run.
    assert not any("pip install" in block for block in blocks)
    assert runnable_blocks("```sh\nfalse\n```\n\n```sh runnable\ntrue\n```\n") == ["true\n"]


def test_runnable_blocks_run_in_order_on_a_fresh_state(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    for folder in ("completions", "man"):
        shutil.copytree(ROOT / folder, work / folder)
    home = tmp_path / "home"
    home.mkdir()
    state = tmp_path / "state"
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("KMSCLI_", "AWS_", "XDG_")) and key not in ("HOME", "CDPATH")
    }
    # The kmscli of the interpreter running the tests comes first on PATH.
    environ.update(
        PATH=os.pathsep.join([str(Path(sys.executable).parent), environ.get("PATH", "")]),
        HOME=str(home),
        KMSCLI_STATE_DIR=str(state),
        LC_ALL="C.UTF-8",
    )
    ran = subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", _script(runnable_blocks(README))],
        cwd=work,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    blocks = len(runnable_blocks(README))
    assert re.findall(r"^### README block (\d+)$", ran.stderr, flags=re.M) == [str(n) for n in range(1, blocks + 1)]
    # What each block promises is on stdout.
    assert "my first key\n" in ran.stdout
    assert "round trip OK\n" in ran.stdout
    assert "\ntrue\n" in ran.stdout
    assert "PendingDeletion\n" in ran.stdout
    # The keys were made in the fresh state directory, and the completion scripts installed.
    assert (state / "kmscli.sqlite3").is_file()
    assert (home / ".config" / "fish" / "completions" / "kmscli.fish").read_text() == (
        ROOT / "completions" / "kmscli.fish"
    ).read_text()
    assert (home / ".zfunc" / "_kmscli").is_file()
    assert (home / ".local" / "share" / "bash-completion" / "completions" / "kmscli").is_file()


def _section(heading: str) -> str:
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", README, flags=re.M | re.S)
    assert match is not None, f"README has no '## {heading}' section"
    return match.group(1)


def test_readme_names_the_aws_kms_commands_kmscli_lacks():
    missing = sorted(
        core.MODEL_OPERATIONS[operation]["cli"]
        for operation in core.MODEL_OPERATIONS
        if operation not in COMMAND_TO_OPERATION.values()
    )
    listed = re.findall(r"^\| `([a-z-]+)` \|", _section("Commands kmscli does not have (yet)"), flags=re.M)
    assert listed == missing


def test_readme_sections_come_in_order():
    headings = re.findall(r"^## (.+)$", README, flags=re.M)
    # The quick start first; the development sections after every usage section, the measurements last.
    assert headings[:2] == ["Quick start", "Getting help"]
    assert headings.index("Shell completion and man pages") < headings.index("Running the tests")
    assert headings[-1] == "Benchmarks"
