"""The generated files kmscli ships: man pages (man/) and shell completion scripts (completions/).

Both are pure functions of the Click tree, so tests/cli/test_artifacts.py can check that the
committed files are current and regenerate them:

    pytest tests/cli/test_artifacts.py --snapshot-update --allow-snapshot-deletion
"""

from __future__ import annotations

import click
from click.shell_completion import get_completion_class

from kmscli import __version__
from kmscli.cli import cli
from kmscli.cli.app import ExitCode

# Stamped into every page instead of today's date, so the pages only change when kmscli does;
# bump it at release.
MAN_DATE = "2026-11-30"

PROG = "kmscli"
SUMMARY = "AWS KMS on your own machine, shaped like aws kms"
COMPLETE_VAR = "_KMSCLI_COMPLETE"
COMPLETION_FILES = {"bash": "kmscli.bash", "zsh": "_kmscli", "fish": "kmscli.fish"}

EXIT_STATUS: dict[ExitCode, str] = {
    ExitCode.SUCCESS: "The command succeeded.",
    ExitCode.USAGE: (
        "The command line could not be parsed: an unknown command, a missing required option, "
        "an option without its value or an invalid choice."
    ),
    ExitCode.INTERRUPTED: "Interrupted (Ctrl-C).",
    ExitCode.ERROR: (
        "Everything else that failed: a service error (An error occurred (<Code>) ...), parameter "
        "validation, unknown options, or a state directory that cannot be used."
    ),
}

ENVIRONMENT: tuple[tuple[str, str], ...] = (
    ("KMSCLI_STATE_DIR", "The state directory, unless --state-dir is given."),
    ("KMSCLI_ACCOUNT_ID", "The 12-digit account ID that owns the keys (default 111122223333)."),
    (
        "KMSCLI_CALLER_ARN",
        "The caller's principal, used by the key policy lockout safety check (default arn:aws:iam::<account>:root).",
    ),
    ("KMSCLI_FIXED_TIME", "Fix the clock, in epoch seconds or ISO 8601, for reproducible output."),
    (
        "KMSCLI_SEED",
        "Make generated identifiers a function of this string and a counter kept in the state; "
        "key material stays random.",
    ),
    (
        "KMSCLI_DATABASE_URL",
        "Keep the state in this PostgreSQL database (postgresql://...) instead of the state directory; "
        "several kmscli processes and servers may share it.",
    ),
    (
        "KMSCLI_ROOT_KEY_FILE",
        "The root key file (0600, made by kmscli state create-root-key) that key material is sealed under; "
        "required with KMSCLI_DATABASE_URL, optional for the state directory.",
    ),
    ("KMSCLI_TIMESTAMP_FORMAT", "The default of --cli-timestamp-format: wire (epoch seconds), iso8601 or none."),
    (
        "KMSCLI_RESPONSES",
        "The response style: guide (the Developer Guide's examples, the default) or service (today's KMS); "
        "else the profile's kmscli_responses.",
    ),
    (
        "KMSCLI_ALLOW_UNKNOWN_REGIONS",
        "Set to 1 to use Regions AWS does not have without the warning that names the closest one.",
    ),
    ("AWS_REGION", "The Region, unless --region is given."),
    ("AWS_DEFAULT_REGION", "The Region, unless --region or AWS_REGION is set."),
    ("AWS_PROFILE", "The profile of the AWS config file whose settings are used (default: default), unless --profile."),
    ("AWS_CONFIG_FILE", "The AWS config file read for the profile's settings (default ~/.aws/config)."),
    ("AWS_DEFAULT_OUTPUT", "The output format, unless --output is given (before the profile's output)."),
)

STATE_FILES = (
    (
        "$KMSCLI_STATE_DIR/kmscli.sqlite3",
        "The state: one SQLite database (WAL mode) holding every key with its key material, alias and tag, "
        "per account and Region. The directory is created with mode 0700 and the file with 0600.",
    ),
    (
        "~/.local/state/kmscli/kmscli.sqlite3",
        "The default location on Linux ($XDG_STATE_HOME/kmscli when that is set); "
        "~/Library/Application Support/kmscli on macOS, %LOCALAPPDATA%\\kmscli\\kmscli on Windows.",
    ),
    (
        "~/.aws/config",
        "Read only for the selected profile's region, output, cli_timestamp_format and kmscli_responses; "
        "no credentials are read.",
    ),
)


def man_pages() -> dict[str, str]:
    """{file name: roff text}: kmscli.1 and one kmscli-<command>.1 per visible command."""
    root = click.Context(cli, info_name=PROG)
    commands = {name: cli.get_command(root, name) for name in cli.list_commands(root)}
    # The real group builds its commands on demand, and click-man reads only a group's `commands`
    # dict, so the page is drawn from a stand-in with the same help, options and every command.
    stand_in = click.Group(
        PROG,
        commands={name: command for name, command in commands.items() if command is not None},
        params=cli.get_params(root),
        help=cli.help,
        short_help=SUMMARY,
    )
    pages = {f"{PROG}.1": _page(click.Context(stand_in, info_name=PROG)) + _root_sections()}
    for name, command in commands.items():
        if command is not None and not command.hidden:
            pages.update(_command_pages(command, name, root))
    return pages


def _command_pages(command: click.Command, name: str, parent: click.Context) -> dict[str, str]:
    ctx = click.Context(command, info_name=name, parent=parent)
    # OperationCommand builds its Click options only when they are asked for.
    command.get_params(ctx)
    see_also = f".SH SEE ALSO\n\\fB{PROG}\\fP(1) for the global options, the environment and the exit status.\n"
    pages = {ctx.command_path.replace(" ", "-") + ".1": _page(ctx) + see_also}
    if isinstance(command, click.Group):
        for sub_name in command.list_commands(ctx):
            sub = command.get_command(ctx, sub_name)
            if sub is not None and not sub.hidden:
                pages.update(_command_pages(sub, sub_name, ctx))
    return pages


def _page(ctx: click.Context) -> str:
    import warnings

    from click_man.core import generate_man_page

    with warnings.catch_warnings():
        # click-man 0.6 still calls a helper that Click 8.5 deprecates; the page it makes is the same.
        warnings.filterwarnings("ignore", message=".*make_default_short_help.*", category=DeprecationWarning)
        text = str(generate_man_page(ctx, version=__version__, date=MAN_DATE))
    # Click's no-rewrap marker (a line holding only \b) means nothing to roff.
    text = text.replace("\n\b\n", "\n")
    # click-man names a subcommand's page "<group path>-<name>"; the files are hyphenated throughout.
    path = ctx.command_path
    return text.replace(f"\\fB{path}-", f"\\fB{path.replace(' ', '-')}-")


def _roff(text: str) -> str:
    return text.replace("\\", "\\\\").replace("-", "\\-")


def _root_sections() -> str:
    lines = [".SH EXIT STATUS"]
    for code, meaning in EXIT_STATUS.items():
        lines += [".TP", f"\\fB{int(code)}\\fP", _roff(meaning)]
    lines.append(".SH ENVIRONMENT")
    for name, meaning in ENVIRONMENT:
        lines += [".TP", f"\\fB{_roff(name)}\\fP", _roff(meaning)]
    lines.append(".SH FILES")
    for path, meaning in STATE_FILES:
        lines += [".TP", f"\\fI{_roff(path)}\\fP", _roff(meaning)]
    return "\n".join(lines) + "\n"


def completion_scripts() -> dict[str, str]:
    """{file name: script}: the bash, zsh and fish scripts, which call back into kmscli."""
    scripts = {}
    for shell, filename in COMPLETION_FILES.items():
        completion_class = get_completion_class(shell)
        assert completion_class is not None
        scripts[filename] = completion_class(cli, {}, PROG, COMPLETE_VAR).source()
    return scripts
