"""`kmscli console create-key`: the AWS KMS console's create-key pages, in the terminal.

kmscli's own command, kept apart from the `aws kms` surface under `console`. In a terminal it
walks the console's steps (the Developer Guide's "Creating ... KMS keys (console)") as prompts, with a
review page that shows the key policy and lets any step be changed before Finish. Every step
also has an option, so scripts (no terminal, or --yes) run it without prompts. The rules and
the policy are the core's (core/console.py); this module only asks, converts words and prints.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import Any

import click

from kmscli import config, core, output
from kmscli.core import console as flow
from kmscli.core.env import partition_for
from kmscli.core.ports import Access
from kmscli.session import Session
from kmscli.store import StateError

from . import argv, params
from .app import AwsError, StateProblem, compile_query, settled_region
from .completion import for_option

# The global options that mean something here, accepted after the command as after `kmscli`.
_GLOBALS = ("output", "query", "region", "profile", "state_dir", "cli_timestamp_format", "debug")


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _show_help(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(ctx.get_help(), color=ctx.color)
        ctx.exit()


class _EnglishHelp:
    """Click's --help option, as Click words it, without asking gettext for a translation first.

    Click translates its help text whenever it makes the option, and gettext's search for a
    message catalog imports `locale`: about 1 ms of every console command, help or not.
    """

    _english_help: click.Option | None = None

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        names = self.get_help_option_names(ctx)  # type: ignore[attr-defined]  # a click.Command's
        if not names or not self.add_help_option:  # type: ignore[attr-defined]
            return None
        if self._english_help is None:
            # Made once: Click orders eager parameters by identity.
            self._english_help = click.Option(
                names,
                is_flag=True,
                expose_value=False,
                is_eager=True,
                help="Show this message and exit.",
                callback=_show_help,
            )
        return self._english_help


class ConsoleGroup(_EnglishHelp, click.Group):
    pass


class ConsoleCommand(_EnglishHelp, click.Command):
    """A console flow: Click's own parsing, and the AWS CLI's error lines for what the service refuses."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except flow.OperationFailed as e:
            if isinstance(e.error, core.KmsError):
                raise AwsError(output.error_line(e.operation, e.error)) from None
            raise AwsError(str(e.error)) from None
        except (params.ParamError, config.ConfigError) as e:
            raise AwsError(str(e)) from None
        except StateError as e:
            raise StateProblem(str(e)) from None


def _global_options(func: Callable[..., Any]) -> Callable[..., Any]:
    for spec in reversed([s for s in argv.GLOBAL_OPTIONS if s.dest in _GLOBALS]):
        if spec.nargs == "0":
            option = click.option(spec.flag, spec.dest, is_flag=True, default=None, help=spec.help)
        else:
            kind = click.Choice(spec.choices) if spec.choices else click.STRING
            option = click.option(
                spec.flag, spec.dest, type=kind, default=None, help=spec.help, shell_complete=for_option(spec)
            )
        func = option(func)
    return func


@click.group(name="console", cls=ConsoleGroup, context_settings={"help_option_names": ["--help"]})
def console() -> None:
    """The KMS console's flows, in the terminal.

    kmscli's own commands (the AWS CLI has no `console`): they do what the console's pages
    do, which the KMS API alone does not.
    """


class Identity:
    """The account and partition the key will be created in: the policy names them."""

    def __init__(self, rt: Session, options: dict[str, Any]) -> None:
        if rt.env is not None:
            self.account_id, self.region = rt.env.account_id, rt.env.region
        else:
            self.account_id = config.account_id(rt.environ)
            self.region = settled_region(options, rt.environ)
        self.partition = partition_for(self.region)


class Answers:
    """The console's form; None marks a step not answered yet."""

    def __init__(self) -> None:
        self.key_spec: str | None = None
        self.key_usage: str | None = None
        self.origin: str | None = None
        self.multi_region: bool | None = None
        self.alias: str | None = None
        self.description: str | None = None
        self.tags: list[core.Tag] | None = None
        self.administrators: list[str] | None = None
        self.allow_deletion: bool | None = None
        self.users: list[str] | None = None
        self.accounts: list[str] | None = None

    def request(self) -> flow.ConsoleKeyRequest:
        assert self.alias is not None
        assert self.key_spec is not None
        assert self.key_usage is not None
        return flow.ConsoleKeyRequest(
            alias_name=self.alias,
            key_spec=self.key_spec,
            key_usage=self.key_usage,
            origin=self.origin or core.Origin.AWS_KMS.value,
            multi_region=bool(self.multi_region),
            description=self.description or "",
            tags=tuple(self.tags or ()),
            key_administrators=tuple(self.administrators or ()),
            allow_administrator_deletion=self.allow_deletion is not False,
            key_users=tuple(self.users or ()),
            other_accounts=tuple(self.accounts or ()),
        )


def _parse_tag(text: str) -> core.Tag:
    """KEY=VALUE, or create-key's shorthand TagKey=KEY,TagValue=VALUE; never a tag named TagKey."""
    if text.startswith(("TagKey=", "TagValue=")):
        pairs = dict(part.partition("=")[::2] for part in text.split(","))
        if set(pairs) <= {"TagKey", "TagValue"} and "TagKey" in pairs and len(text.split(",")) == len(pairs):
            return core.Tag(pairs["TagKey"], pairs.get("TagValue", ""))
        raise click.BadParameter(
            f"{text!r}: write a tag as KEY=VALUE or TagKey=KEY,TagValue=VALUE", param_hint="'--tags'"
        )
    key, _, value = text.partition("=")
    return core.Tag(key, value)


def _checked(option: str, check: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return check(*args, **kwargs)
    except flow.ConsoleInputError as e:
        raise click.BadParameter(str(e), param_hint=f"'{option}'") from None


def _from_options(o: dict[str, Any], ident: Identity) -> Answers:
    """The answers the options give, checked by the same rules as typed answers."""
    a = Answers()
    if o["key_spec"] is not None and o["key_usage"] is not None:
        _checked("--key-usage", flow.check_key_choice, o["key_spec"], o["key_usage"])
    a.key_spec, a.key_usage, a.origin, a.multi_region = o["key_spec"], o["key_usage"], o["origin"], o["multi_region"]
    if o["alias_name"] is not None:
        a.alias = _checked("--alias-name", flow.alias_name, o["alias_name"])
    if o["description"] is not None:
        _checked("--description", flow.check_description, o["description"])
        a.description = o["description"]
    if o["tags"]:
        a.tags = [_parse_tag(t) for t in o["tags"]]
        _checked("--tags", flow.check_tags, a.tags)
    if o["key_administrator"]:
        a.administrators = _unique(
            _checked("--key-administrator", _principal, ident, arn, "Key administrators")
            for arn in o["key_administrator"]
        )
    if o["no_administrator_deletion"]:
        a.allow_deletion = False
    if o["key_user"]:
        a.users = _unique(_checked("--key-user", _principal, ident, arn, "Key users") for arn in o["key_user"])
    if o["other_account"]:
        a.accounts = _unique(
            _checked("--other-account", flow.check_other_account, acct, account_id=ident.account_id)
            for acct in o["other_account"]
        )
    return a


def _principal(ident: Identity, arn: str, role: str) -> str:
    return flow.check_principal(arn, partition=ident.partition, account_id=ident.account_id, role=role)


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _without_prompts(a: Answers, why: str) -> None:
    """Fill what the console preselects; refuse, instead of waiting, what it makes the user answer."""
    if a.alias is None:
        raise click.UsageError(f"--alias-name is required {why}: the console creates every key with an alias.")
    if a.key_spec is None:
        if a.key_usage not in (None, core.KeyUsage.ENCRYPT_DECRYPT):
            specs = flow.specs_for(
                flow.ASYMMETRIC if a.key_usage != "GENERATE_VERIFY_MAC" else flow.SYMMETRIC, a.key_usage
            )
            raise click.UsageError(
                f"--key-spec is required with --key-usage {a.key_usage} {why}: choose one of {', '.join(specs)}."
            )
        a.key_spec = "SYMMETRIC_DEFAULT"
    if a.key_usage is None:
        usages = flow.usages_for_spec(a.key_spec)
        if len(usages) > 1:
            raise click.UsageError(
                f"--key-usage is required with --key-spec {a.key_spec} {why}: choose {' or '.join(usages)}."
            )
        a.key_usage = usages[0]


# ---------------------------------------------------------------- the walk through the console's pages


def _say(text: str = "") -> None:
    click.echo(text, err=True)


def _ask(text: str, check: Callable[[str], Any], *, default: str = "") -> Any:
    """One answer, asked again until the form's rules accept it (empty means the default)."""

    def convert(value: str) -> Any:
        try:
            return check(value)
        except flow.ConsoleInputError as e:
            raise click.UsageError(str(e)) from None

    return click.prompt(text, default=default, value_proc=convert, show_default=bool(default), err=True)


def _choose(text: str, choices: Iterable[str], default: str) -> str:
    """One of `choices`, numbered: type its number or its name, in any case."""
    options = list(choices)
    for number, choice in enumerate(options, 1):
        _say(f"  {number}. {choice}")

    def convert(value: str) -> str:
        word = value.strip()
        if word.isdigit() and 1 <= int(word) <= len(options):
            return options[int(word) - 1]
        found = [c for c in options if c.lower() == word.lower()]
        if not found:
            raise click.UsageError(f"Type a number from 1 to {len(options)} or one of: {', '.join(options)}.")
        return found[0]

    return str(click.prompt(text, default=default, value_proc=convert, err=True))


def _collect(noun: str, current: list[str], ask_one: Callable[[list[str]], str | None]) -> list[str]:
    """A list the console builds one entry at a time ("Add tag", "Add another AWS account")."""
    items = list(current)
    if items:
        _say(f"Current {noun}: {', '.join(items)}")
        if click.confirm(f"Remove these {noun} and start again?", default=False, err=True):
            items = []
    while (item := ask_one(items)) is not None:
        if item not in items:
            items.append(item)
    return items


def _configure_key(a: Answers, everything: bool) -> None:
    _say("\nStep 1 of 5: Configure key")
    if everything or a.key_spec is None:
        if a.key_spec is not None:
            type_default = flow.key_type_of(a.key_spec)
        elif a.key_usage in ("SIGN_VERIFY", "KEY_AGREEMENT"):
            type_default = flow.ASYMMETRIC
        else:
            type_default = flow.SYMMETRIC
        key_type = _choose("Key type", flow.KEY_TYPES, type_default)
        usages = flow.usages_for_type(key_type)
        if a.key_usage in usages and not everything:
            usage = a.key_usage
        else:
            usage = _choose("Key usage", usages, a.key_usage if a.key_usage in usages else usages[0])
        specs = flow.specs_for(key_type, usage)
        spec = (
            specs[0] if len(specs) == 1 else _choose("Key spec", specs, a.key_spec if a.key_spec in specs else specs[0])
        )
        a.key_spec, a.key_usage = spec, usage
    elif a.key_usage is None:
        usages = flow.usages_for_spec(a.key_spec)
        a.key_usage = usages[0] if len(usages) == 1 else _choose("Key usage", usages, usages[0])
    if everything or (a.origin is None or a.multi_region is None):
        if everything or click.confirm(
            "Change the advanced options (key material origin, Regionality)?", default=False, err=True
        ):
            if everything or a.origin is None:
                a.origin = _choose("Key material origin", flow.ORIGINS, a.origin or core.Origin.AWS_KMS.value)
            if everything or a.multi_region is None:
                a.multi_region = click.confirm("Multi-Region key?", default=bool(a.multi_region), err=True)
        a.origin = a.origin or core.Origin.AWS_KMS.value
        a.multi_region = bool(a.multi_region)


def _add_labels(a: Answers, everything: bool, alias_taken: Callable[[str], bool]) -> None:
    _say("\nStep 2 of 5: Add labels")
    if everything or a.alias is None:

        def alias(text: str) -> str:
            name = flow.alias_name(text)
            if name != a.alias and alias_taken(name):
                raise flow.ConsoleInputError(f"The alias {name} is already in use in this Region; choose another.")
            return name

        a.alias = _ask("Alias (required)", alias, default=(a.alias or "")[len(flow.ALIAS_PREFIX) :])
    if everything or a.description is None:

        def description(text: str) -> str:
            flow.check_description(text)
            return text

        a.description = _ask("Description (optional)", description, default=a.description or "")
    if everything or a.tags is None:
        tags = {t.tag_key: t for t in a.tags or ()}

        def add_tag(done: list[str]) -> str | None:
            while True:
                key = click.prompt("Tag key (Enter when done)", default="", show_default=False, err=True)
                if not key:
                    return None
                value = click.prompt("Tag value (optional)", default="", show_default=False, err=True)
                tag = core.Tag(key, value)
                try:
                    flow.check_tags([*(tags[k] for k in done if k != key), tag])
                except flow.ConsoleInputError as e:
                    _say(f"Error: {e}")
                    continue
                tags[key] = tag
                return str(key)

        keys = _collect("tags", list(tags), add_tag)
        a.tags = [tags[k] for k in keys]


def _administrative_permissions(a: Answers, everything: bool, ident: Identity) -> None:
    _say("\nStep 3 of 5: Define key administrative permissions")
    if everything or a.administrators is None:
        a.administrators = _collect(
            "key administrators",
            a.administrators or [],
            lambda done: _ask(
                "Key administrator, an IAM user or role ARN (Enter when done)",
                lambda text: _principal(ident, text, "Key administrators") if text else None,
            ),
        )
    if a.administrators and (everything or a.allow_deletion is None):
        a.allow_deletion = click.confirm(
            "Allow key administrators to delete this key?", default=a.allow_deletion is not False, err=True
        )


def _usage_permissions(a: Answers, everything: bool, ident: Identity) -> None:
    _say("\nStep 4 of 5: Define key usage permissions")
    if everything or a.users is None:
        a.users = _collect(
            "key users",
            a.users or [],
            lambda done: _ask(
                "Key user, an IAM user or role ARN (Enter when done)",
                lambda text: _principal(ident, text, "Key users") if text else None,
            ),
        )
    if everything or a.accounts is None:
        a.accounts = _collect(
            "other AWS accounts",
            a.accounts or [],
            lambda done: _ask(
                "Other AWS account ID (Enter when done)",
                lambda text: flow.check_other_account(text, account_id=ident.account_id) if text else None,
            ),
        )


def _review(a: Answers, ident: Identity) -> None:
    req = a.request()
    key_type = "Symmetric" if flow.key_type_of(req.key_spec) == flow.SYMMETRIC else "Asymmetric"
    _say("\nStep 5 of 5: Review")
    rows = [
        ("1. Key type", key_type),
        ("   Key spec", req.key_spec),
        ("   Key usage", req.key_usage),
        ("   Origin", req.origin),
        ("   Regionality", "Multi-Region key" if req.multi_region else "Single-Region key"),
        ("2. Alias", req.alias_name),
        ("   Description", req.description or "-"),
        ("   Tags", ", ".join(f"{t.tag_key}={t.tag_value}" for t in req.tags) or "-"),
        ("3. Key administrators", ", ".join(req.key_administrators) or "-"),
        (
            "   Administrators may delete the key",
            _yes_no(req.allow_administrator_deletion) if req.key_administrators else "-",
        ),
        ("4. Key users", ", ".join(req.key_users) or "-"),
        ("   Other AWS accounts", ", ".join(req.other_accounts) or "-"),
    ]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        _say(f"  {label.ljust(width)}  {value}")
    statements = len(flow.console_policy_document(ident.partition, ident.account_id, req)["Statement"])
    # The policy is ~40 lines: the summary stays on a 24-row screen, the policy comes on request.
    _say(f"  Key policy: the console's default, {statements} statements (type p to read it)")


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


_FINISH, _CANCEL = "finish", "cancel"


def _walk(a: Answers, ident: Identity, alias_taken: Callable[[str], bool]) -> None:
    """The console's pages in order, then the review page until Finish (or Cancel)."""
    steps: dict[str, Callable[[bool], None]] = {
        "1": lambda everything: _configure_key(a, everything),
        "2": lambda everything: _add_labels(a, everything, alias_taken),
        "3": lambda everything: _administrative_permissions(a, everything, ident),
        "4": lambda everything: _usage_permissions(a, everything, ident),
    }
    for step in steps.values():
        step(False)
    show_review = True
    while True:
        if show_review:
            _review(a, ident)
        show_review = True
        choice = _review_choice()
        if choice == _FINISH:
            return
        if choice == _CANCEL:
            raise click.Abort
        if choice == _POLICY:
            _say(flow.console_key_policy(ident.partition, ident.account_id, a.request()))
            show_review = False
            continue
        steps[choice](True)


_POLICY = "policy"


def _review_choice() -> str:
    """finish (f), a step to change (1-4), the policy (p) or cancel (c), in any case."""
    words = {"finish": _FINISH, "f": _FINISH, "policy": _POLICY, "p": _POLICY, "cancel": _CANCEL, "c": _CANCEL}

    def convert(value: str) -> str:
        word = value.strip().lower()
        if word in ("1", "2", "3", "4"):
            return word
        if word not in words:
            raise click.UsageError("Type f to finish, 1-4 to change a step, p to read the key policy or c to cancel.")
        return words[word]

    text = "\nFinish (f), change a step (1-4), read the key policy (p) or cancel (c)"
    return str(click.prompt(text, default="f", value_proc=convert, err=True))


CANCELLED = "Cancelled; no key was created."


# ---------------------------------------------------------------- the command


@console.command("create-key", cls=ConsoleCommand)
@click.option("--key-spec", type=click.Choice(flow.key_specs()), help="Key spec (step 1), such as RSA_2048.")
@click.option("--key-usage", type=click.Choice(flow.key_usages()), help="Key usage (step 1), such as SIGN_VERIFY.")
@click.option(
    "--origin", type=click.Choice(flow.ORIGINS), help="Key material origin (advanced option): AWS_KMS or EXTERNAL."
)
@click.option(
    "--multi-region/--no-multi-region", default=None, help="Regionality (advanced option): a multi-Region primary key."
)
@click.option("--alias-name", help="Alias (step 2, required), with or without the alias/ prefix.")
@click.option("--description", help="Description (step 2).")
@click.option("--tags", multiple=True, metavar="KEY=VALUE", help="A tag (step 2); repeat for more.")
@click.option(
    "--key-administrator",
    multiple=True,
    metavar="ARN",
    help="A key administrator, an IAM user or role ARN (step 3); repeatable.",
)
@click.option(
    "--no-administrator-deletion", is_flag=True, help="Clear 'Allow key administrators to delete this key' (step 3)."
)
@click.option(
    "--key-user", multiple=True, metavar="ARN", help="A key user, an IAM user or role ARN (step 4); repeatable."
)
@click.option(
    "--other-account",
    multiple=True,
    metavar="ID",
    help="Another AWS account that may use the key (step 4); repeatable.",
)
@click.option("--yes", "-y", is_flag=True, help="Never prompt, even in a terminal: create from the options.")
@_global_options
@click.pass_context
def create_key(ctx: click.Context, /, **given: Any) -> None:
    """Create a key as the KMS console does.

    Walks the console's create-key pages (configure key, labels, key administrators, key
    users, review) as prompts when run in a terminal; the review shows the key policy and any
    step can be changed before Finish. Unlike `create-key`, the key gets an alias and the
    console's default key policy, and both are created together: if the alias is refused,
    no key is left behind. Without a terminal (or with --yes) every answer comes from the
    options, and a missing required one is an error.

    Examples:

    \b
      kmscli console create-key
      kmscli console create-key --alias-name ExampleAlias --key-administrator arn:aws:iam::111122223333:role/Admin \\
          --key-user arn:aws:iam::111122223333:role/App --other-account 444455556666
      kmscli console create-key --alias-name signing --key-spec ECC_NIST_P256 --key-usage SIGN_VERIFY --yes
    """
    rt = ctx.find_object(Session) or Session()
    options = {**ctx.meta.get("kmscli.globals", {}), **{k: given[k] for k in _GLOBALS if given[k] is not None}}
    query = compile_query(options.get("query"))
    ident = Identity(rt, options)
    answers = _from_options(given, ident)
    if _stdin_is_terminal() and not given["yes"]:

        def alias_taken(name: str) -> bool:
            taken = rt.transact(
                lambda repo, env: flow.alias_exists(repo, env, name), access=Access.MAY_WRITE, options=options
            )
            return bool(taken)

        try:
            _walk(answers, ident, alias_taken)
            req = answers.request()
            # RSA_4096 takes a second or more to generate: say that something is happening.
            _say("Creating key…")
            result = rt.transact(
                lambda repo, env: flow.create_console_key(repo, env, req), access=Access.WRITES, options=options
            )
        except (click.Abort, KeyboardInterrupt, EOFError):
            # Ctrl-C, Ctrl-D or cancel: the key's transaction, if it had begun, rolled back.
            _say(f"\n{CANCELLED}")
            raise click.Abort from None
    else:
        _without_prompts(answers, "with --yes" if given["yes"] else "when standard input is not a terminal")
        req = answers.request()
        result = rt.transact(
            lambda repo, env: flow.create_console_key(repo, env, req), access=Access.WRITES, options=options
        )
    timestamps = options.get("cli_timestamp_format") or rt.environ.get("KMSCLI_TIMESTAMP_FORMAT", "wire")
    document = {
        "KeyMetadata": output.to_wire("KeyMetadata", result.key_metadata, timestamp_format=timestamps),
        "AliasName": result.alias_name,
        "AliasArn": result.alias_arn,
    }
    click.echo(output.render(document, output=options.get("output") or "json", query=query), nl=False)


# ---------------------------------------------------------------- list-keys


_COLUMNS = ("Aliases", "Key ID", "Status", "Key spec", "Key usage", "Description", "Deletion date")
_CELL = 28  # aliases and descriptions are cut to this, so a row stays one line


@console.command("list-keys", cls=ConsoleCommand)
@click.option(
    "--aws-managed",
    is_flag=True,
    help="List the AWS managed keys (alias/aws/...) instead of the customer managed ones.",
)
@_global_options
@click.pass_context
def list_keys(ctx: click.Context, /, **given: Any) -> None:
    """List the keys as the console's key table.

    One row per key, sorted by alias as the console sorts them: its aliases, key ID, status,
    key spec, key usage, description and deletion date. The customer managed keys of the
    Region, or with --aws-managed the AWS managed ones. The state is read once, in one
    transaction. With --output json, the same rows as JSON.

    Examples:

    \b
      kmscli console list-keys
      kmscli console list-keys --aws-managed --region eu-west-1
    """
    rt = ctx.find_object(Session) or Session()
    options = {**ctx.meta.get("kmscli.globals", {}), **{k: given[k] for k in _GLOBALS if given[k] is not None}}
    query = compile_query(options.get("query"))
    Identity(rt, options)  # settles the Region first: a typo gets its warning
    rows = rt.transact(
        lambda repo, env: flow.console_key_table(repo, env, aws_managed=given["aws_managed"]),
        access=Access.MAY_WRITE,
        options=options,
    )
    if (options.get("output") or "table") == "json" or query is not None:
        document = {"Keys": [_row_document(r) for r in rows]}
        click.echo(output.render(document, output=options.get("output") or "json", query=query), nl=False)
        return
    click.echo(_table(rows), nl=False)


def _row_document(row: flow.ConsoleKeyRow) -> dict[str, Any]:
    return {
        "Aliases": list(row.aliases),
        "KeyId": row.key_id,
        "Status": row.status,
        "KeySpec": row.key_spec,
        "KeyUsage": row.key_usage,
        "Description": row.description,
        "DeletionDate": _date(row.deletion_date),
    }


def _date(epoch: float | None) -> str:
    import time

    return "-" if epoch is None else time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(epoch))


def _cut(text: str) -> str:
    return text if len(text) <= _CELL else text[: _CELL - 1] + "…"


def _table(rows: list[flow.ConsoleKeyRow]) -> str:
    cells = [_COLUMNS] + [
        (
            _cut(", ".join(r.aliases) or "-"),
            r.key_id,
            r.status,
            r.key_spec,
            r.key_usage,
            _cut(r.description or "-"),
            "-" if r.deletion_date is None else _date(r.deletion_date),
        )
        for r in rows
    ]
    widths = [max(map(len, column)) for column in zip(*cells, strict=True)]
    # One format for every row (each cell left-aligned in its column's width; the last, a date or
    # "-", unpadded so that no line ends in spaces): a format call per row, not seven ljust calls.
    line = "  ".join([*(f"{{:<{w}}}" for w in widths[:-1]), "{}"])
    return "".join([line.format(*row) + "\n" for row in cells])
