"""The generated files kmscli ships: man pages (man/) and shell completion scripts (completions/).

Both are pure functions of the Click tree, so tests/cli/test_artifacts.py can check that the
committed files are current and regenerate them:

    pytest tests/cli/test_artifacts.py --snapshot-update --allow-snapshot-deletion
"""

from __future__ import annotations

import re

import click
from click.shell_completion import get_completion_class

from kmscli import __version__
from kmscli.cli import cli
from kmscli.cli.app import ExitCode
from kmscli.cli.shells import CLASSES

from . import _manpages as man

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
        "The caller: a principal of the identities file, or any IAM user, role or root ARN, which then has no "
        "identity policies (default: the root user of the account). Naming it turns authorization on.",
    ),
    (
        "KMSCLI_IDENTITIES",
        "The identities file: principals, their profiles, access keys, tags and identity policies "
        "(default: identities.json in the state directory). With one, every request is authorized.",
    ),
    (
        "KMSCLI_AUTHORIZATION",
        "enforce (the default) refuses what KMS would refuse; audit allows it and reports each refusal on stderr; "
        "off evaluates nothing. Setting it turns authorization on even without an identities file.",
    ),
    ("KMSCLI_VIA_SERVICE", "Make requests as this AWS service acting for the caller (kms:ViaService)."),
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
    (
        "KMSCLI_CLOUDHSM_CLUSTERS",
        "The JSON file declaring CloudHSM clusters as PKCS#11 tokens (default cloudhsm-clusters.json in the state "
        "directory).",
    ),
    ("KMSCLI_XKS_TIMEOUT", "Seconds to wait for an external key store proxy, from 0.05 to 60 (default 5)."),
    ("AWS_CA_BUNDLE", "A PEM file of certificate authorities trusted for HTTPS to external key store proxies."),
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
        "$KMSCLI_STATE_DIR/identities.json",
        "The identities file, unless KMSCLI_IDENTITIES names another: who may call, and with which policies.",
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
    pages = {f"{PROG}.1": _root_page(root)}
    for name in cli.list_commands(root):
        command = cli.get_command(root, name)
        if command is not None and not command.hidden:
            pages.update(_command_pages(command, name, root))
    return pages


def _root_page(ctx: click.Context) -> str:
    paragraphs, _ = man.split_help(cli.help or "")
    lines = [
        *man.header(PROG, MAN_DATE, __version__),
        ".SH NAME",
        f"{PROG} \\- {man.roff(SUMMARY)}",
        ".SH SYNOPSIS",
        f"{man.bold(PROG)} [{man.italic('global options')}] {man.italic('command')} [{man.italic('options')}]",
        ".SH DESCRIPTION",
    ]
    for paragraph in paragraphs:
        lines += [man.roff(paragraph), ".PP"]
    lines.append(
        man.roff("One command's help: kmscli help COMMAND, kmscli COMMAND --help, or its page, ")
        + f"{man.bold('kmscli-COMMAND')}(1)."
    )
    lines.append(".SH OPTIONS")
    for param in cli.get_params(ctx):
        lines += man.option_entry(param, ctx)
    commands = []
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        if command is not None and not command.hidden:
            commands.append((name, command.get_short_help_str(limit=1000)))
    lines += man.definition_list("COMMANDS", commands)
    lines += man.definition_list("EXIT STATUS", [(str(int(code)), meaning) for code, meaning in EXIT_STATUS.items()])
    lines += man.definition_list("ENVIRONMENT", ENVIRONMENT)
    lines += man.definition_list("FILES", STATE_FILES, term="I")
    lines += [".SH SEE ALSO", ", ".join(f"{man.bold(f'{PROG}-{name}')}(1)" for name, _ in commands)]
    return "\n".join(lines) + "\n"


def _command_pages(command: click.Command, name: str, parent: click.Context) -> dict[str, str]:
    ctx = click.Context(command, info_name=name, parent=parent)
    path = ctx.command_path
    page = path.replace(" ", "-")
    params = [p for p in command.get_params(ctx) if isinstance(p, click.Option)]
    paragraphs, examples = man.split_help(command.help or "")
    summary = command.get_short_help_str(limit=1000)
    required = [p for p in params if p.required]
    arguments = [p for p in command.get_params(ctx) if isinstance(p, click.Argument)]
    synopsis = " ".join(
        [
            man.bold(path),
            *(f"{man.bold(p.opts[0])}\\ {man.italic('value')}" for p in required),
            *(man.italic(p.human_readable_name) for p in arguments),
        ]
    )
    lines = [
        *man.header(path, MAN_DATE, __version__),
        ".SH NAME",
        f"{man.roff(page)} \\- {man.roff(summary)}",
        ".SH SYNOPSIS",
        synopsis
        + (f" {man.italic('command')}" if isinstance(command, click.Group) else "")
        + (f" [{man.italic('options')}]" if len(params) > len(required) else ""),
        ".SH DESCRIPTION",
    ]
    epilog = command.epilog
    for number, paragraph in enumerate([*paragraphs, *([epilog] if epilog else [])]):
        lines += [".PP"] if number else []
        lines.append(man.roff(" ".join(paragraph.split())))
    pages = {}
    if isinstance(command, click.Group):
        subcommands = []
        for sub_name in command.list_commands(ctx):
            sub = command.get_command(ctx, sub_name)
            if sub is not None and not sub.hidden:
                subcommands.append((sub_name, sub.get_short_help_str(limit=1000)))
                pages.update(_command_pages(sub, sub_name, ctx))
        lines += man.definition_list("COMMANDS", subcommands)
        if examples:
            lines += man.examples_section(examples)
        see_also = [f"{page}-{sub_name}" for sub_name, _ in subcommands]
    else:
        lines.append(".SH OPTIONS")
        for param in params:
            lines += man.option_entry(param, ctx)
        lines += [".SH OUTPUT", *_output(command, path)]
        lines += man.definition_list(
            "EXIT STATUS", [(str(int(code)), meaning) for code, meaning in EXIT_STATUS.items()]
        )
        if examples:
            lines += man.examples_section(examples)
        # The console's flows do what an API command does, with the console's extras.
        see_also = [f"{PROG}-{name}"] if parent.command is not cli else []
    lines += [
        ".SH SEE ALSO",
        f"{man.bold(PROG)}(1)"
        + man.roff(" for the global options, the environment and the files")
        + "".join(f", {man.bold(s)}(1)" for s in see_also)
        + ".",
    ]
    pages[f"{page}.1"] = "\n".join(lines) + "\n"
    return pages


# What kmscli's own commands print, which no service model documents.
OWN_OUTPUT = {
    "kmscli serve": (
        "One line on standard output once the server listens (kmscli serve: listening on http://HOST:PORT "
        "(account ..., state ...)), then one line per request on standard error: time, client, operation, "
        "status, error code and duration. Request and response bodies are never logged."
    ),
    "kmscli console create-key": (
        "A JSON object with KeyMetadata (the new key's metadata, as create-key prints it), AliasName and "
        "AliasArn, in the format --output chooses. The prompts and the review go to standard error."
    ),
}


def _output(command: click.Command, path: str) -> list[str]:
    operation = getattr(command, "operation", None)
    if operation is None:
        return [man.roff(OWN_OUTPUT.get(path, "As DESCRIPTION says."))]
    members = output_members(operation)
    if not members:
        return [man.roff("Nothing: on success the command prints nothing and exits with status 0.")]
    intro = "A JSON object (--output json, the default) with these members, in this order; null members are left out."
    return [man.roff(intro), *man.definition_list("", members)[1:]]


def output_members(operation: str) -> list[tuple[str, str]]:
    """(member, what the service model's documentation says of it, in its first sentence)."""
    import html

    from botocore.session import get_session

    shape = get_session().get_service_model("kms").operation_model(operation).output_shape
    if shape is None:
        return []
    members = []
    for name, member in shape.members.items():
        text = html.unescape(re.sub(r"<[^>]+>", " ", member.documentation or ""))
        text = re.sub(r"\s+([.,;:)])", r"\1", re.sub(r"\(\s+", "(", " ".join(text.split())))
        first = re.split(r"(?<=[a-z0-9)\]])\. (?=[A-Z])", text, maxsplit=1)[0].rstrip(".")
        kind = {"structure": "object", "list": "list", "map": "object"}.get(member.type_name, member.type_name)
        members.append((name, f"({kind}) {first}." if first else f"({kind})"))
    return members


def completion_scripts() -> dict[str, str]:
    """{file name: script}: the bash, zsh and fish scripts, which call back into kmscli."""
    scripts = {}
    for shell, filename in COMPLETION_FILES.items():
        completion_class = CLASSES.get(shell) or get_completion_class(shell)
        assert completion_class is not None
        scripts[filename] = completion_class(cli, {}, PROG, COMPLETE_VAR).source()
    return scripts
