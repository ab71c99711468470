"""The AWS CLI's command-line grammar, as argparse applies it for `aws kms <operation>`.

Click draws help, man pages and completions from the same option table, but words are split
here because the AWS CLI's grammar differs from Click's: a list option takes every following
word (`--tags A B`), any unambiguous prefix names an option (`--desc`), global options may
follow the operation, and unknown options are reported together with exit 255.
"""

from __future__ import annotations

import re
from typing import Any

from kmscli.core import MODEL_OPERATIONS, PAGINATORS
from kmscli.core.servicemodel import shape
from kmscli.core.tuples import NamedTuple


class OptionSpec(NamedTuple):
    flag: str  # --key-id
    dest: str  # the API member name (KeyId) or, for global options, a snake_case name
    nargs: str  # "0" flag, "1" one value, "+" any number of words (a list), "?" optional value
    shape: str | None = None  # the member's shape, for operation options
    value: Any = True  # the value a flag sets
    choices: tuple[str, ...] = ()
    is_global: bool = False
    hidden: bool = False
    help: str = ""


GLOBAL_OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec(
        "--output",
        "output",
        "1",
        choices=("json", "text", "table"),
        is_global=True,
        help="The formatting style for command output: json, text or table.",
    ),
    OptionSpec("--query", "query", "1", is_global=True, help="A JMESPath query to filter the response data."),
    OptionSpec("--region", "region", "1", is_global=True, help="The Region to use (for example us-west-2)."),
    OptionSpec(
        "--profile",
        "profile",
        "1",
        is_global=True,
        help="A profile from the AWS config file, for its settings (region, output...).",
    ),
    OptionSpec(
        "--state-dir",
        "state_dir",
        "1",
        is_global=True,
        help="The directory holding kmscli's state (default: the per-user state directory).",
    ),
    OptionSpec(
        "--cli-timestamp-format",
        "cli_timestamp_format",
        "1",
        choices=("wire", "none", "iso8601"),
        is_global=True,
        help="How timestamps are printed: wire (epoch seconds, the default) or iso8601.",
    ),
    OptionSpec(
        "--cli-binary-format",
        "cli_binary_format",
        "1",
        choices=("raw-in-base64-out", "base64"),
        is_global=True,
        help="How blob arguments are read: raw-in-base64-out (v1, default) or base64 (v2).",
    ),
    OptionSpec(
        "--color",
        "color",
        "1",
        choices=("on", "off", "auto"),
        is_global=True,
        help="Turn on/off color output: on, off or auto.",
    ),
    OptionSpec(
        "--no-paginate",
        "no_paginate",
        "0",
        is_global=True,
        help="Print one page of a list command, with its NextMarker, instead of every page.",
    ),
    OptionSpec(
        "--debug",
        "debug",
        "0",
        is_global=True,
        help="Print what kmscli read, where the state is and timings on stderr (never key material).",
    ),
    OptionSpec("--version", "version", "0", is_global=True, help="Print kmscli's version and exit."),
)

PAGINATION_OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec("--max-items", "max_items", "1", help="The total number of items to print (adds NextToken)."),
    OptionSpec("--starting-token", "starting_token", "1", help="A NextToken from an earlier truncated output."),
    OptionSpec("--page-size", "page_size", "1", help="The size of each page requested from the service."),
)

INPUT_OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec(
        "--cli-input-json",
        "cli_input_json",
        "1",
        help="Read arguments from a JSON string or file:// (keys are the API member names).",
    ),
    OptionSpec(
        "--generate-cli-skeleton",
        "generate_cli_skeleton",
        "?",
        value="input",
        choices=("input", "output"),
        help="Print a JSON skeleton of the input (or output) instead of running the command.",
    ),
)


def _kebab(snake: str) -> str:
    return snake.replace("_", "-")


def operation_options(operation: str) -> tuple[OptionSpec, ...]:
    """The options of one operation, in input-shape member order, as the AWS CLI names them."""
    options: list[OptionSpec] = []
    page = PAGINATORS.get(operation)
    hidden = {page["limit_key"], page["input_token"]} if page else set()
    for m in shape(MODEL_OPERATIONS[operation]["input"]).members.values():
        member, snake, sub, kind = m.name, m.attr, m.shape.name, m.shape.type_name
        flag = "--" + _kebab(snake)
        if kind == "boolean":
            options.append(OptionSpec(flag, member, "0", sub, True))
            options.append(OptionSpec("--no-" + _kebab(snake), member, "0", sub, False))
        else:
            nargs = "+" if kind == "list" else "1"
            options.append(OptionSpec(flag, member, nargs, sub, hidden=member in hidden))
    return (*options, *INPUT_OPTIONS, *(PAGINATION_OPTIONS if page else ()))


class UsageError(Exception):
    """argparse-level problems: exit 2 with the usage block."""


class UnknownOptions(Exception):
    """Words nothing claimed: exit 255, `Unknown options: ...`."""

    def __init__(self, words: list[str]) -> None:
        # The AWS CLI lists leftovers in order, except that the first bare word goes last.
        bare = next((i for i, w in enumerate(words) if not w.startswith("-")), None)
        if bare is not None:
            words = words[:bare] + words[bare + 1 :] + [words[bare]]
        super().__init__("Unknown options: " + ", ".join(words))


def unknown_options(words: list[str], options: tuple[OptionSpec, ...]) -> str:
    """The AWS CLI's `Unknown options: ...` line, then one "did you mean" for the first near miss."""
    import difflib

    message = str(UnknownOptions(words))
    flags = list(dict.fromkeys(o.flag for o in options if not o.hidden))
    for word in words:
        name = word.partition("=")[0]
        if name.startswith("--"):
            close = difflib.get_close_matches(name, flags, n=1, cutoff=0.75)
            if close:
                return f"{message}\ndid you mean {close[0]}?"
    return message


class Parsed:
    def __init__(self) -> None:
        self.values: dict[str, Any] = {}  # dest -> str | list[str] | bool
        self.flags: dict[str, str] = {}  # dest -> the flag that set it
        self.unknown: list[str] = []
        self.help = False


_NEGATIVE_NUMBER = re.compile(r"-\d+$|-\d*\.\d+$")


def _resolve(name: str, options: tuple[OptionSpec, ...]) -> OptionSpec | None:
    exact = [o for o in options if o.flag == name]
    if exact:
        return exact[0]
    # argparse lists candidates in the order the options were added: model member order.
    matches = list(dict.fromkeys(o.flag for o in options if o.flag.startswith(name)))
    if len(matches) == 1:
        return next(o for o in options if o.flag == matches[0])
    if len(matches) > 1:
        raise UsageError(f"ambiguous option: {name} could match {', '.join(matches)}")
    return None


def _is_option_like(word: str) -> bool:
    return word.startswith("-") and len(word) > 1 and not _NEGATIVE_NUMBER.match(word)


def parse(
    words: list[str],
    options: tuple[OptionSpec, ...],
    *,
    stop_at_word: bool = False,
    exact: tuple[OptionSpec, ...] = (),
) -> tuple[Parsed, list[str]]:
    """Split `words` by `options`; with stop_at_word, stop at the first bare word (the command).

    `exact` options are recognized by their whole flag only, never by a prefix, so that adding them
    does not make a prefix of another option ambiguous.
    """
    parsed = Parsed()
    i = 0
    n = len(words)
    while i < n:
        word = words[i]
        if word in ("--help", "-h"):
            parsed.help = True
            i += 1
            continue
        if not _is_option_like(word) or word == "--":
            if stop_at_word:
                return parsed, words[i:]
            parsed.unknown.append(word)
            i += 1
            continue
        name, eq, inline = word.partition("=")
        spec = _resolve(name, options) if name.startswith("--") else None
        if spec is None:
            spec = next((o for o in exact if o.flag == name), None)
        if spec is None:
            parsed.unknown.append(word)
            i += 1
            continue
        i += 1
        if spec.nargs == "0":
            if eq:
                raise UsageError(f"argument {spec.flag}: ignored explicit argument '{inline}'")
            value: Any = spec.value
        elif spec.nargs == "?":
            if eq:
                value = inline
            elif i < n and not _is_option_like(words[i]) and words[i] in spec.choices:
                value = words[i]
                i += 1
            else:
                value = spec.value
            if spec.choices and value not in spec.choices:
                raise UsageError(_invalid_choice(spec, value))
        elif spec.nargs == "1":
            if eq:
                value = inline
            elif i < n and not _is_option_like(words[i]):
                value = words[i]
                i += 1
            else:
                raise UsageError(f"argument {spec.flag}: expected one argument")
            if spec.choices and value not in spec.choices:
                raise UsageError(_invalid_choice(spec, value))
        else:
            # Zero words is an empty list, as the AWS CLI's ListArgument (nargs='*') takes it, so that
            # `--tags $EMPTY` sends [] rather than failing to parse.
            items = [inline] if eq else []
            while i < n and not _is_option_like(words[i]):
                items.append(words[i])
                i += 1
            value = items
        parsed.values[spec.dest] = value
        parsed.flags[spec.dest] = spec.flag
    return parsed, []


def _invalid_choice(spec: OptionSpec, value: str) -> str:
    return invalid_choice(spec.flag, spec.choices)


def invalid_choice(flag: str, choices: tuple[str, ...]) -> str:
    cells = [f"{c:<40}" for c in choices]
    rows = [" | ".join(cells[j : j + 2]) for j in range(0, len(cells), 2)]
    return f"argument {flag}: Invalid choice, valid choices are:\n\n" + "\n".join(rows)


def invalid_command(name: str, commands: list[str]) -> str:
    """argparse's invalid-choice message for the command word, the likely fix first.

    The AWS CLI prints every command and then its "maybe you meant"; with ~55 commands that
    suggestion scrolls away, so a close match replaces the list, and an `aws kms` command kmscli
    does not have yet says so.
    """
    import difflib

    if name not in commands and any(op["cli"] == name for op in MODEL_OPERATIONS.values()):
        return f"argument command: Invalid choice: '{name}' is an aws kms command that kmscli does not have"
    close = difflib.get_close_matches(name, commands, cutoff=0.8)
    if close:
        return (
            f"argument command: Invalid choice: '{name}', maybe you meant:\n\n"
            + "\n".join(f"  * {c}" for c in close)
            + "\n\n`kmscli --help` lists every command."
        )
    cells = [f"{c:<40}" for c in commands]
    rows = [" | ".join(cells[j : j + 2]) for j in range(0, len(cells), 2)]
    return "argument command: Invalid choice, valid choices are:\n\n" + "\n".join(rows)
