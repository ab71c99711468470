"""The documentation matches the commands: help for each, a README row, a man page, exit statuses."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from kmscli._artifacts import ENVIRONMENT
from kmscli.cli import cli
from kmscli.cli.app import ExitCode
from kmscli.cli.argv import GLOBAL_OPTIONS, PAGINATION_OPTIONS

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = cli.list_commands(click.Context(cli, info_name="kmscli"))

QUICK_START = "pip install . && kmscli create-key"
TEST_COMMAND = "pip install -e '.[test]' && python -m pytest"


def _section(text: str, heading: str) -> str:
    match = re.search(rf"^## {heading}\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S)
    assert match is not None, f"README has no '## {heading}' section"
    return match.group(1)


def _first_column(section: str) -> list[str]:
    """The backquoted first cell of every table row, in order."""
    return re.findall(r"^\| `([^`]+)` \|", section, flags=re.M)


def _code_blocks(section: str) -> list[list[str]]:
    return [block.strip("\n").splitlines() for block in re.findall(r"^```\w*\n(.*?)^```", section, flags=re.M | re.S)]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_its_summary(command):
    summary = cli.get_command(click.Context(cli, info_name="kmscli"), command).get_short_help_str(limit=1000)
    result = CliRunner().invoke(cli, [command, "--help"])
    assert (result.exit_code, result.stderr) == (0, "")
    assert re.match(rf"Usage: kmscli {command} (--[a-z-]+ <value> )*\[OPTIONS\]", " ".join(result.stdout.split()))
    assert summary.strip() != ""
    assert summary in " ".join(result.stdout.split())


def test_every_summary_fits_the_man_page_name_line():
    # A summary fits the NAME line of its man page and the command list of --help.
    ctx = click.Context(cli, info_name="kmscli")
    summaries = {c: cli.get_command(ctx, c).get_short_help_str(limit=1000) for c in COMMANDS}
    assert {c: s for c, s in summaries.items() if len(s) > 45} == {}


def test_readme_has_one_row_per_command():
    assert _first_column(_section(README, "Commands")) == COMMANDS


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_a_man_page(command):
    page = (ROOT / "man" / f"kmscli-{command}.1").read_text(encoding="utf-8")
    assert page.startswith(f'.TH "KMSCLI {command.upper()}" "1" ')


def test_readme_exit_status_lists_every_exit_code():
    assert _first_column(_section(README, "Exit status")) == [str(int(code)) for code in ExitCode]


def test_man_page_exit_status_lists_every_exit_code():
    page = (ROOT / "man" / "kmscli.1").read_text(encoding="utf-8")
    section = re.search(r"^\.SH EXIT STATUS\n(.*?)^\.SH ", page, flags=re.M | re.S)
    assert section is not None
    assert re.findall(r"^\\fB(\d+)\\fP$", section.group(1), flags=re.M) == [str(int(code)) for code in ExitCode]


def test_readme_lists_every_environment_variable():
    assert _first_column(_section(README, "Environment variables")) == [name for name, _ in ENVIRONMENT]


def test_readme_lists_every_global_option():
    documented = " ".join(_first_column(_section(README, "Global options")))
    missing = [o.flag for o in (*GLOBAL_OPTIONS, *PAGINATION_OPTIONS) if not re.search(rf"{o.flag}\b", documented)]
    assert missing == []


def test_readme_quick_start_is_one_command():
    assert _code_blocks(_section(README, "Quick start"))[0] == [QUICK_START]


def test_readme_test_command_is_one_command():
    assert _code_blocks(_section(README, "Running the tests")) == [[TEST_COMMAND]]


def test_ci_runs_the_readme_test_command():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    steps = [line.strip() for line in script.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert "set -euo pipefail" in steps
    # The README's command, spelled with `python -m pip` so it uses the same interpreter as pytest.
    assert "python -m pip install -e '.[test]'" in steps
    assert any(step.startswith("python -m pytest") for step in steps)
