"""Man pages a person can read: the sections a page needs, no roff warnings, 80 columns, copyable examples.

The pages are rendered by the real `man` (man-db and groff), as a reader would see them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import click
import pytest

from kmscli import core
from kmscli._artifacts import man_pages, output_members
from kmscli._manpages import split_help, wrap_example
from kmscli.cli import cli
from kmscli.cli.app import COMMAND_TO_OPERATION

COMMAND_SECTIONS = ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "OUTPUT", "EXIT STATUS", "EXAMPLES", "SEE ALSO"]


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    return man_pages()


@pytest.fixture(scope="module")
def rendered(pages, tmp_path_factory) -> dict[str, tuple[str, str]]:
    """{page: (stdout, stderr)} of `man --warnings -l` at 80 columns."""
    if shutil.which("man") is None and not os.environ.get("CI"):
        pytest.skip("man is not installed")
    folder = tmp_path_factory.mktemp("man")
    out = {}
    for name, text in pages.items():
        (folder / name).write_text(text, encoding="utf-8")
        env = {**os.environ, "MANWIDTH": "80", "MANPAGER": "cat", "PAGER": "cat", "LC_ALL": "C.UTF-8"}
        done = subprocess.run(
            ["man", "--warnings", "-l", str(folder / name)], capture_output=True, text=True, env=env, check=False
        )
        assert done.returncode == 0, (name, done.stderr)
        out[name] = (done.stdout, done.stderr)
    return out


def _leaf_commands() -> list[tuple[str, click.Command]]:
    """(page name, command) of every command that runs (not the groups)."""
    found = []

    def walk(group: click.Group, ctx: click.Context) -> None:
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            if command is None or command.hidden:
                continue
            sub = click.Context(command, info_name=name, parent=ctx)
            if isinstance(command, click.Group):
                walk(command, sub)
            else:
                found.append((sub.command_path.replace(" ", "-") + ".1", command))

    walk(cli, click.Context(cli, info_name="kmscli"))
    return found


def test_no_page_gives_a_warning(rendered):
    assert {name: err for name, (_, err) in rendered.items() if err} == {}


def test_no_rendered_line_is_wider_than_80_columns(rendered):
    wide = {name: [line for line in out.splitlines() if len(line) > 80] for name, (out, _) in rendered.items()}
    assert {name: lines for name, lines in wide.items() if lines} == {}


def test_every_example_survives_rendering_and_can_be_pasted(rendered):
    checked = 0
    for name, command in _leaf_commands():
        _, examples = split_help(command.help or "")
        out = rendered[name][0]
        lines = [line.strip() for line in out.splitlines()]
        for example in examples:
            wrapped = wrap_example(example)
            # Every shell line is on a rendered line of its own, byte for byte (no hyphenation, no filling).
            for part in wrapped:
                assert part.strip() in lines, (name, part)
            # And pasted together, the continuation lines make the example again.
            assert " ".join(p.strip().removesuffix(" \\").strip() for p in wrapped) == example
            checked += 1
    assert checked >= len(COMMAND_TO_OPERATION)


def test_command_pages_have_every_section_in_order(pages):
    for name, command in _leaf_commands():
        headings = re.findall(r"^\.SH (.+)$", pages[name], flags=re.M)
        expected = [h for h in COMMAND_SECTIONS if h != "EXAMPLES" or split_help(command.help or "")[1]]
        assert headings == expected, name


def test_synopsis_marks_the_required_options(rendered):
    out = rendered["kmscli-encrypt.1"][0]
    synopsis = out.split("SYNOPSIS\n", 1)[1].split("\n\n", 1)[0]
    assert " ".join(synopsis.split()) == "kmscli encrypt --key-id value --plaintext value [options]"


def test_options_show_type_default_and_every_value_unbroken(rendered):
    out = rendered["kmscli-create-key.1"][0]
    text = " ".join(out.split())
    values = ", ".join(core.SHAPES["KeySpec"]["enum"])
    assert f"Default: SYMMETRIC_DEFAULT. Values: {values}." in text
    words = {word.strip(",.") for word in out.split()}
    assert set(core.SHAPES["KeySpec"]["enum"]) <= words  # each one word, never SYM-METRIC_DE-FAULT
    schedule = " ".join(rendered["kmscli-schedule-key-deletion.1"][0].split())
    assert "--pending-window-in-days value Days before the key is deleted, 7 to 30. Type: integer. Default: 30." in (
        schedule
    )
    encrypt = " ".join(rendered["kmscli-encrypt.1"][0].split())
    assert "--key-id value The KMS key: key ID, key ARN, alias name or alias ARN" in encrypt
    assert "Type: string. Required." in encrypt


def test_output_lists_the_model_members_in_order(pages, rendered):
    out = " ".join(rendered["kmscli-encrypt.1"][0].split())
    section = out.split(" OUTPUT ", 1)[1].split(" EXIT STATUS ", 1)[0]
    members = [name for name, _ in output_members("Encrypt")]
    assert members == ["CiphertextBlob", "KeyId", "EncryptionAlgorithm"]
    positions = [section.index(f"{m} (") for m in members]
    assert positions == sorted(positions)
    assert "CiphertextBlob (blob) The encrypted plaintext." in section


def test_pages_are_generated_the_same_way_twice(pages):
    assert man_pages() == pages


def test_committed_pages_are_these(pages):
    folder = Path(__file__).resolve().parents[2] / "man"
    assert {p.name: p.read_text(encoding="utf-8") for p in folder.glob("*.1")} == pages
