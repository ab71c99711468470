"""man/ and completions/ are generated from the Click tree, committed, and must be current.

Regenerate both folders after changing a command or an option:

    pytest tests/cli/test_artifacts.py --snapshot-update --allow-snapshot-deletion
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from kmscli import __version__
from kmscli._artifacts import ENVIRONMENT, MAN_DATE, completion_scripts, man_pages
from kmscli.cli import cli
from kmscli.cli.app import COMMAND_TO_OPERATION, ExitCode

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    return man_pages()


def test_man_pages_are_current(snapshot, pages):
    snapshot.snapshot_dir = ROOT
    snapshot.assert_match_dir(pages, "man")


def test_completion_scripts_are_current(snapshot):
    snapshot.snapshot_dir = ROOT
    snapshot.assert_match_dir(completion_scripts(), "completions")


def _command_paths() -> list[tuple[str, ...]]:
    """("kmscli",), ("kmscli", "create-key"), ... ("kmscli", "console", "create-key"): every visible command."""
    paths: list[tuple[str, ...]] = []

    def walk(command: click.Command, path: tuple[str, ...], parent: click.Context | None) -> None:
        paths.append(path)
        ctx = click.Context(command, info_name=path[-1], parent=parent)
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                if sub is not None and not sub.hidden:
                    walk(sub, (*path, name), ctx)

    walk(cli, ("kmscli",), None)
    return paths


def test_one_man_page_per_command(pages):
    assert sorted(pages) == sorted("-".join(path) + ".1" for path in _command_paths())
    assert {"kmscli.1", "kmscli-create-key.1", "kmscli-describe-key.1"} <= set(pages)


def test_every_man_page_starts_with_its_title_line(pages):
    for path in _command_paths():
        title = " ".join(path)
        first = pages["-".join(path) + ".1"].splitlines()[0]
        assert first == f'.TH "{title.upper()}" "1" "{MAN_DATE}" "{__version__}" "{title} Manual"'


def _section(page: str, heading: str) -> str:
    match = re.search(rf"^\.SH {heading}\n(.*?)(?=^\.SH |\Z)", page, flags=re.M | re.S)
    assert match is not None, f"no {heading} section"
    return match.group(1)


def test_kmscli_page_has_exit_status_environment_and_files(pages):
    page = pages["kmscli.1"]
    assert re.findall(r"^\\fB(\d+)\\fP$", _section(page, "EXIT STATUS"), flags=re.M) == [str(int(c)) for c in ExitCode]
    environment = _section(page, "ENVIRONMENT")
    assert re.findall(r"^\\fB(\w+)\\fP$", environment, flags=re.M) == [name for name, _ in ENVIRONMENT]
    assert "KMSCLI_STATE_DIR" in environment
    assert r"\fI$KMSCLI_STATE_DIR/kmscli.sqlite3\fP" in _section(page, "FILES")


def test_kmscli_page_lists_every_command_and_the_global_options(pages):
    page = pages["kmscli.1"]
    listed = [
        n.replace("\\-", "-") for n in re.findall(r"^\\fB([a-z\\-]+)\\fP$", _section(page, "COMMANDS"), flags=re.M)
    ]
    assert listed == sorted(path[1] for path in _command_paths() if len(path) == 2)
    assert set(COMMAND_TO_OPERATION) <= set(listed)
    options = _section(page, "OPTIONS")
    for flag in ("--output", "--query", "--region", "--profile", "--state-dir", "--debug", "--help"):
        assert "\\fB" + flag.replace("-", "\\-") + "\\fP" in options


def test_completion_scripts_call_back_into_kmscli():
    scripts = completion_scripts()
    assert sorted(scripts) == ["_kmscli", "kmscli.bash", "kmscli.fish"]
    assert "_KMSCLI_COMPLETE=bash_complete" in scripts["kmscli.bash"]
    assert scripts["_kmscli"].startswith("#compdef kmscli\n")
    assert "_KMSCLI_COMPLETE=fish_complete" in scripts["kmscli.fish"]
