"""The root group, the command class built from the service model, and the one error boundary.

Every KMS operation is one OperationCommand, built lazily from the core's shape table when it
is invoked (so start-up cost does not grow with the number of commands). Its body is always
the same: turn words into API parameters (argv.py, params.py), run the core operation in one
store transaction, render the result (output.py). Errors become the AWS CLI's lines and exit
statuses in OperationCommand.invoke and KmsGroup.main, and nowhere else.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from enum import IntEnum
from typing import TYPE_CHECKING, Any, NoReturn

import click

from kmscli import __version__, config, core, output
from kmscli.core.servicemodel import Shape, ShapeWalker, shape
from kmscli.core.validation import echo
from kmscli.session import Session, region_of
from kmscli.store import StateError

from . import argv, params

if TYPE_CHECKING:
    from . import paging


class ExitCode(IntEnum):
    """AWS CLI v1 exit statuses (docs/decisions.md#cli)."""

    SUCCESS = 0
    USAGE = 2
    INTERRUPTED = 130
    ERROR = 255


USAGE = (
    "usage: kmscli [options] <command> [parameters]\n"
    "To see help text, you can run:\n"
    "\n"
    "  kmscli --help\n"
    "  kmscli <command> --help\n"
)


class UsageError(click.ClickException):
    """Exit 2: the usage block, then `kmscli: error: <argparse's wording>`."""

    exit_code = ExitCode.USAGE

    def show(self, file: Any = None) -> None:
        click.echo(USAGE + f"kmscli: error: {self.message}", err=True)


class UnknownOptionsError(click.ClickException):
    exit_code = ExitCode.ERROR

    def show(self, file: Any = None) -> None:
        click.echo(USAGE + f"\n{self.message}", err=True)


class AwsError(click.ClickException):
    """Exit 255 with the AWS CLI's `\\n<message>\\n` on stderr (service, validation, parsing errors)."""

    exit_code = ExitCode.ERROR

    def show(self, file: Any = None) -> None:
        click.echo(f"\n{self.message}", err=True)


class StateProblem(click.ClickException):
    """The state directory or database cannot be used: one line naming the path, exit 255."""

    exit_code = ExitCode.ERROR

    def show(self, file: Any = None) -> None:
        click.echo(f"kmscli: {self.message}", err=True)


def operation_name(command: str) -> str:
    """`describe-key` → `DescribeKey`, the name the AWS CLI puts in its error line."""
    return COMMAND_TO_OPERATION[command]


class _CommandNames(Mapping[str, str]):
    """Command name → operation name (`describe-key` → `DescribeKey`), for every operation kmscli has.

    A dict of them would decode every operation's model entry at each start-up (~1.4 M instructions).
    A command is named after its operation in kebab case, so looking one up decodes the entry of
    that one operation, to confirm the name; only iterating (help, completion) decodes them all.
    """

    def __getitem__(self, command: str) -> str:
        name = "".join(word.capitalize() for word in command.split("-"))
        if name in core.MODULES and core.MODEL_OPERATIONS[name]["cli"] == command:
            return name
        raise KeyError(command)

    def __iter__(self) -> Iterator[str]:
        return (core.MODEL_OPERATIONS[name]["cli"] for name in core.MODULES)

    def __len__(self) -> int:
        return len(core.MODULES)


COMMAND_TO_OPERATION: Mapping[str, str] = _CommandNames()


def settled_region(options: Mapping[str, Any], environ: Mapping[str, str], state_dir: Any = None) -> str:
    """The command's Region, with a warning on stderr when AWS has no such Region (the command still runs)."""
    region = region_of(options, environ, config.state_dir(options.get("state_dir") or state_dir, environ))
    warning = config.unknown_region_warning(region, environ)
    if warning:
        click.echo(warning, err=True)
    return region


class OperationCommand(click.Command):
    """One KMS operation. Click supplies help, man pages and completion; argv.py splits the words."""

    def __init__(self, operation: str) -> None:
        self.operation = operation
        self.specs = argv.operation_options(operation)
        super().__init__(name=core.MODEL_OPERATIONS[operation]["cli"], add_help_option=False)

    # Help text is read only by help, man pages and completion, so it is looked up on demand
    # (Click's constructor assigns these attributes; the setters ignore that).
    @property  # type: ignore[override]  # a computed attribute in place of Click's plain one
    def help(self) -> str:
        from . import docs

        summary, example = self._docs()
        note = docs.NOTES.get(self.operation)
        text = f"{summary}\n\n{note}" if note else summary
        return f"{text}\n\nExamples:\n\n\b\n  {example}" if example else text

    @help.setter
    def help(self, value: str | None) -> None:
        pass

    @property  # type: ignore[override]
    def epilog(self) -> str:
        from . import docs

        return docs.EPILOG

    @epilog.setter
    def epilog(self, value: str | None) -> None:
        pass

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        """The required options first, as the AWS CLI's synopsis has them, then [OPTIONS]."""
        return [*(f"{spec.flag} <value>" for spec in self.required_specs()), "[OPTIONS]"]

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Click would wrap inside an option name (--key-\npair-spec); wrap between the pieces instead.
        prefix = f"Usage: {ctx.command_path} "
        lines, line = [], ""
        for piece in self.collect_usage_pieces(ctx):
            if line and len(prefix) + len(line) + 1 + len(piece) > (formatter.width or 80):
                lines.append(line)
                line = piece
            else:
                line = f"{line} {piece}" if line else piece
        lines.append(line)
        formatter.write(prefix + ("\n" + " " * len(prefix)).join(lines) + "\n")

    def required_specs(self) -> list[argv.OptionSpec]:
        required = shape(core.MODEL_OPERATIONS[self.operation]["input"]).required
        return [s for s in self.specs if s.dest in required and s.value is True]

    @property  # type: ignore[override]
    def short_help(self) -> str:
        return self._docs()[0]

    @short_help.setter
    def short_help(self, value: str | None) -> None:
        pass

    def _docs(self) -> tuple[str, str]:
        from . import docs

        return docs.COMMANDS.get(self.operation, (f"Call the KMS {self.operation} operation.", ""))

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        # Click options exist for help, man pages and completion only; built when first asked for.
        if not self.params:
            required = {s.flag for s in self.required_specs()}
            self.params = [
                _click_option(s, self.operation, required=s.flag in required) for s in self.specs if not s.hidden
            ]
            self.params.append(_help_option())
        params = super().get_params(ctx)
        if ctx.resilient_parsing:
            # Completing: the global options may follow the command too (`list-keys --out<Tab>`).
            params += [_click_option(spec) for spec in argv.GLOBAL_OPTIONS]
        return params

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            parsed, _ = argv.parse(args, (*self.specs, *argv.GLOBAL_OPTIONS))
        except argv.UsageError as e:
            if ctx.resilient_parsing:
                # Completing an option's value: the words before it still say what was given
                # (the key an algorithm option offers the algorithms of).
                return self.parse_args(ctx, args[:-1]) if args and args[-1].startswith("--") else []
            raise UsageError(str(e)) from None
        ctx.meta["kmscli.parsed"] = parsed
        if ctx.resilient_parsing:
            return []
        if parsed.values.get("version"):
            _print_version(ctx)
        # The AWS CLI takes the first word no option claimed as `help`: `kmscli create-key ... help`.
        if parsed.help or next((w for w in parsed.unknown if not w.startswith("-")), None) == "help":
            click.echo(ctx.get_help())
            ctx.exit(0)
        given = parsed.values
        if "cli_input_json" not in given and "generate_cli_skeleton" not in given:
            missing = [s.flag for s in self.required_specs() if s.dest not in given]
            if missing:
                raise UsageError(f"the following arguments are required: {', '.join(dict.fromkeys(missing))}")
        # Paging options given before a command that does not page are as unknown as after it.
        front = ctx.meta.get("kmscli.globals", {})
        paging: list[str] = []
        if self.operation not in core.PAGINATORS:
            for o in argv.PAGINATION_OPTIONS:
                if o.dest in front:
                    paging += [o.flag, front[o.dest]]
        if parsed.unknown or paging:
            raise UnknownOptionsError(
                argv.unknown_options([*paging, *parsed.unknown], (*self.specs, *argv.GLOBAL_OPTIONS))
            )
        return []

    def invoke(self, ctx: click.Context) -> None:
        """The single error boundary: every failure of a command becomes its AWS CLI line here."""
        parsed: argv.Parsed = ctx.meta["kmscli.parsed"]
        options = {**ctx.meta.get("kmscli.globals", {}), **{k: v for k, v in parsed.values.items() if _is_global(k)}}
        rt = ctx.find_object(Session) or Session()
        try:
            if "generate_cli_skeleton" in parsed.values:
                from .skeleton import skeleton

                click.echo(skeleton(self.operation, parsed.values["generate_cli_skeleton"]), nl=False)
                return
            if rt.env is None:
                options = {**options, "region": settled_region(options, rt.environ, rt.state_dir)}
            api_params = self._api_params(parsed, options)
            _check_utf8(api_params)
            query = compile_query(options.get("query"))
            profile = options.get("profile")
            timestamp_format = config.timestamp_format(options.get("cli_timestamp_format"), rt.environ, profile)
            fmt = config.output_format(options.get("output"), profile, rt.environ)
            output_shape = core.get_operation(self.operation).output_shape
            pagination = self._pagination(api_params, options)
            if pagination is None:
                result = rt.run(self.operation, api_params, options)
                document = output.result_document(output_shape, result, timestamp_format=timestamp_format)
            else:

                def pages(repo: Any, env: core.Env) -> dict[str, Any]:
                    return pagination.collect(
                        lambda p: output.result_document(
                            output_shape, core.call(self.operation, p, repo, env), timestamp_format=timestamp_format
                        ),
                        api_params,
                    )

                document = rt.transact(pages, access=core.get_operation(self.operation).access, options=options)
            if pagination is not None and fmt == "text":
                from .paging import page_documents

                text = "".join(output.render(d, output=fmt, query=query) for d in page_documents(pagination, document))
            else:
                text = output.render(
                    document, output=fmt, query=query, title=self.operation, color=options.get("color") or "auto"
                )
            # color=True: click must not strip the escape codes that --color on asked for.
            click.echo(text, nl=False, color=True)
        except core.KmsError as e:
            raise AwsError(output.error_line(self.operation, e)) from None
        except (core.ParamValidationError, params.ParamError, config.ConfigError) as e:
            raise AwsError(str(e)) from None
        except StateError as e:
            raise StateProblem(str(e)) from None
        except UnicodeEncodeError as e:
            # The AWS CLI's line for text botocore cannot encode: `\n'utf-8' codec can't encode ...`.
            raise AwsError(str(e)) from None
        except ValueError as e:
            if type(e).__module__ != "jmespath.exceptions":
                raise
            # --query failing on this output (length() of null, an unknown function): as in the AWS CLI,
            # the operation has run, and the message is the AWS CLI's `\n<message>\n`, exit 255.
            raise AwsError(str(e)) from None

    def _pagination(self, api_params: Mapping[str, Any], options: Mapping[str, Any]) -> paging.Pagination | None:
        """The AWS CLI pages through List* results unless told not to, or given Limit/Marker itself."""
        paginator = core.PAGINATORS.get(self.operation)
        if paginator is None or options.get("no_paginate"):
            return None
        from . import paging

        if paginator["limit_key"] in api_params or paginator["input_token"] in api_params:
            return None

        def integer(name: str) -> int | None:
            value = options.get(name)
            return None if value is None else int(params.number("integer", value))

        max_items = integer("max_items")
        if max_items is not None and max_items <= 0:
            # The AWS CLI warns, then pages exactly as botocore's paginator does with such a value (0: an
            # empty page and a NextToken; -1: all but the last item of the page), and so does Pagination.
            click.echo("warning: Non-positive values for --max-items may result in undefined behavior.", err=True)
        return paging.Pagination(self.operation, max_items, options.get("starting_token"), integer("page_size"))

    def _api_params(self, parsed: argv.Parsed, options: Mapping[str, Any]) -> dict[str, Any]:
        binary = options.get("cli_binary_format") or "raw-in-base64-out"
        api: dict[str, Any] = {}
        if "cli_input_json" in parsed.values:
            text = params.load_param_file("cli-input-json", parsed.values["cli_input_json"])
            try:
                loaded = params.loads(text)
            except ValueError as e:
                raise params.ParamError(
                    f"Error parsing parameter 'cli-input-json': Invalid JSON: {e}\nJSON received: {echo(text)}"
                ) from None
            if not isinstance(loaded, dict):
                raise params.ParamError("Error parsing parameter 'cli-input-json': Invalid JSON: expected an object")
            api.update(_encode_blobs(core.MODEL_OPERATIONS[self.operation]["input"], loaded))
        for spec in self.specs:
            if spec.shape is not None and spec.dest in parsed.values and parsed.flags[spec.dest] == spec.flag:
                api[spec.dest] = params.convert(spec.flag, spec.shape, parsed.values[spec.dest], binary_format=binary)
        return api


def _encode_blobs(shape_name: str, value: Any) -> Any:
    """In --cli-input-json, blob members are text like any blob argument (AWS CLI v1)."""

    # Made here: only --cli-input-json needs it, and making a class costs every command's start-up.
    class EncodeBlobs(ShapeWalker):
        def walk_blob(self, model: Shape, value: Any) -> Any:
            return value.encode("utf-8") if isinstance(value, str) else value

        def walk_structure(self, model: Shape, value: Any) -> Any:
            if not isinstance(value, dict):
                return value
            members = model.members
            return {k: self.walk(members[k].shape, v) if k in members else v for k, v in value.items()}

        def walk_list(self, model: Shape, value: Any) -> Any:
            if not isinstance(value, list):
                return value
            return [self.walk(model.member, v) for v in value]

    return EncodeBlobs().walk(shape(shape_name), value)


def _check_utf8(value: Any) -> None:
    """Raise UnicodeEncodeError for text that is not UTF-8, before the state is touched.

    Lone surrogates come from argv bytes that were not UTF-8, or from `\\ud800` escapes in JSON;
    SQLite cannot store them and stdout cannot print them, so they must stop a command before it
    writes anything (the AWS CLI stops the same way when botocore encodes a blob of such text).
    """
    stack = [value]  # without recursion: a parsed document may be nested deep
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            item.encode("utf-8")
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)


def _is_global(dest: str) -> bool:
    return any(o.dest == dest for o in (*argv.GLOBAL_OPTIONS, *argv.PAGINATION_OPTIONS))


def compile_query(text: str | None) -> Any:
    if text is None:
        return None
    import jmespath  # only commands given --query pay for it
    from jmespath.exceptions import JMESPathError

    try:
        return jmespath.compile(text)
    except JMESPathError as e:
        raise params.ParamError(f"Bad value for --query {echo(text)}: {e}") from None
    except RecursionError:
        raise params.ParamError(f"Bad value for --query {echo(text)}: nested too deeply") from None


def _help_option() -> click.Option:
    return click.Option(["--help"], is_flag=True, default=None, expose_value=False, help="Show this help and exit.")


def _print_version(ctx: click.Context) -> NoReturn:
    # click.__version__ is deprecated (a DeprecationWarning now, gone in Click 9.1).
    from importlib.metadata import version

    click.echo(f"kmscli/{__version__} Python/{sys.version.split()[0]} click/{version('click')}")
    ctx.exit(0)


def _click_option(spec: argv.OptionSpec, operation: str | None = None, *, required: bool = False) -> click.Option:
    from . import docs

    model = shape(spec.shape) if spec.shape else None
    kind = model.type_name if model is not None else None
    forms = ""
    if model is not None and model.member is not None:
        member_kind = model.member.type_name
        forms = docs.FORMS["list<structure>" if member_kind in ("structure", "map") else "list<string>"]
    elif kind:
        forms = docs.FORMS[kind]
    choices = spec.choices or (model.enum if model is not None else ())
    if spec.shape and spec.nargs == "0" and spec.value is False:
        return click.Option([spec.flag], is_flag=True, default=None, help=f"The opposite of --{spec.flag[5:]}.")
    described = docs.MEMBERS.get(spec.dest, "") if spec.shape else spec.help
    help_text = " ".join(p for p in (described, forms) if p)
    if spec.nargs == "0":
        return click.Option([spec.flag], is_flag=True, default=None, help=help_text)
    param_type: click.ParamType = click.STRING
    metavar = None
    if choices:
        param_type = click.Choice(choices)
        if len("|".join(choices)) > 40:
            # A long list goes in the wrapped help text, not in one unbreakable [A|B|...] word.
            metavar = "VALUE"
            help_text = f"{help_text} Values: {', '.join(choices)}.".lstrip()
    elif kind in ("integer", "long"):
        param_type = click.INT
    elif kind in docs.METAVARS:
        metavar = docs.METAVARS[kind]
    default = docs.DEFAULTS.get((operation, spec.dest)) if operation else None
    from .completion import for_option  # only help, man pages and completion build Click options

    return click.Option(
        [spec.flag],
        type=param_type,
        help=help_text,
        multiple=spec.nargs == "+",
        shell_complete=for_option(spec),
        required=required,
        default=default,
        show_default=default is not None,
        metavar=metavar,
    )


# kmscli's own commands, apart from the AWS CLI surface: "module:attribute", imported on use.
EXTRA_COMMANDS: dict[str, str] = {
    "serve": "kmscli.cli.serve:serve",
    "console": "kmscli.cli.console:console",
    "simulate-principal-policy": "kmscli.cli.simulate:simulate_command",
    "state": "kmscli.cli.state:state",
    "xks-proxy": "kmscli.cli.xks_proxy:xks_proxy",
}


class KmsGroup(click.Group):
    """`kmscli`: global options, then a command, as `aws kms` has them."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*COMMAND_TO_OPERATION, *EXTRA_COMMANDS])

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        # The global options, for help, man pages and completion (parse_args reads them itself).
        if ctx.meta.get("kmscli.running"):
            return []
        if not self.params:
            self.params = [_click_option(spec) for spec in argv.GLOBAL_OPTIONS]
            self.params.append(_help_option())
        return super().get_params(ctx)

    def _main_shell_completion(self, ctx_args: Any, prog_name: str, complete_var: str | None = None) -> None:
        if os.environ.get(complete_var or "_KMSCLI_COMPLETE"):
            from .shells import register  # kmscli's bash and fish scripts, with Click's bugs fixed

            register()
        super()._main_shell_completion(ctx_args, prog_name, complete_var)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Every command with its whole summary (Click would cut them to fit beside the longest name)."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=1000)))
        with formatter.section("Commands"):
            formatter.write_dl(rows, col_max=24)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        operation = COMMAND_TO_OPERATION.get(cmd_name)
        if operation:
            return OperationCommand(operation)
        if cmd_name in EXTRA_COMMANDS:
            import importlib

            module, _, attribute = EXTRA_COMMANDS[cmd_name].partition(":")
            command: click.Command = getattr(importlib.import_module(module), attribute)
            return command
        return None

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        rest = self._parse_globals(ctx, args)
        # The global options were read above; Click's copies exist for help and completion only.
        ctx.params = {}
        return rest

    def _parse_globals(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            # --max-items, --starting-token and --page-size may come before the command too (they are
            # the list commands' own options in the AWS CLI; kmscli also takes them in front).
            parsed, rest = argv.parse(args, argv.GLOBAL_OPTIONS, stop_at_word=True, exact=argv.PAGINATION_OPTIONS)
        except argv.UsageError as e:
            if ctx.resilient_parsing:
                return super().parse_args(ctx, args)
            raise UsageError(str(e)) from None
        ctx.meta["kmscli.globals"] = parsed.values
        if ctx.resilient_parsing:
            return super().parse_args(ctx, rest)
        if parsed.values.get("version"):
            _print_version(ctx)
        if parsed.help or (rest and rest[0] == "help" and len(rest) == 1):
            click.echo(ctx.get_help())
            ctx.exit(0)
        if parsed.unknown:
            raise UnknownOptionsError(argv.unknown_options(parsed.unknown, argv.GLOBAL_OPTIONS))
        if not rest:
            raise UsageError("the following arguments are required: command")
        if rest[0] == "help":
            # `kmscli help create-key`, as git, gh and kubectl take it.
            rest = [*rest[1:], "--help"]
        if rest[0] in EXTRA_COMMANDS:
            if "--version" in rest[: rest.index("--")] if "--" in rest else "--version" in rest:
                _print_version(ctx)
            # kmscli's own commands are ordinary Click commands with Click's parsing.
            return super().parse_args(ctx, rest)
        if rest[0] not in COMMAND_TO_OPERATION:
            raise UsageError(argv.invalid_command(rest[0], self.list_commands(ctx)))
        # Running a command: Click only has to hand the words on, so spare it the help-only options.
        ctx.meta["kmscli.running"] = True
        return super().parse_args(ctx, rest)

    def main(self, args: Any = None, prog_name: str | None = None, **extra: Any) -> NoReturn:
        """Run, then exit with the AWS CLI's status; Ctrl-C is 130 and never a traceback."""
        extra["standalone_mode"] = False
        try:
            super().main(args=args, prog_name=prog_name or "kmscli", **extra)
        except click.exceptions.Exit as e:
            sys.exit(e.exit_code)
        except click.UsageError as e:
            # serve and console parse with Click: their usage errors in the AWS CLI's style, as everywhere.
            error = _aws_usage_error(e)
            error.show()
            sys.exit(error.exit_code)
        except click.ClickException as e:
            e.show()
            sys.exit(e.exit_code)
        except (click.Abort, KeyboardInterrupt):
            click.echo("", err=True)
            sys.exit(ExitCode.INTERRUPTED)
        except BrokenPipeError:
            sys.exit(ExitCode.ERROR)
        except Exception as e:
            if "--debug" in (args if args is not None else sys.argv):
                raise
            click.echo(f"kmscli: internal error: {type(e).__name__}: {e}", err=True)
            sys.exit(ExitCode.ERROR)
        sys.exit(ExitCode.SUCCESS)


def _aws_usage_error(e: click.UsageError) -> click.ClickException:
    """A Click usage error as argparse words it: exit 2, or 255 with `Unknown options` for an unknown one."""
    import re

    ctx = e.ctx
    params = ctx.command.get_params(ctx) if ctx else []
    if isinstance(e, click.NoSuchOption):
        specs = tuple(argv.OptionSpec(o, o, "1") for p in params for o in p.opts if o.startswith("--"))
        return UnknownOptionsError(argv.unknown_options([e.option_name], specs))
    param = getattr(e, "param", None)
    hint = getattr(e, "param_hint", None)
    flag = param.opts[0] if isinstance(param, click.Option) else hint.strip("'") if isinstance(hint, str) else None
    if isinstance(e, click.MissingParameter) and flag:
        return UsageError(f"the following arguments are required: {flag}")
    if isinstance(e, click.BadOptionUsage) and "requires an argument" in e.message:
        return UsageError(f"argument {e.option_name}: expected one argument")
    if isinstance(e, click.BadParameter) and isinstance(param, click.Option) and isinstance(param.type, click.Choice):
        return UsageError(argv.invalid_choice(param.opts[0], tuple(map(str, param.type.choices))))
    if isinstance(e, click.BadParameter) and flag:
        return UsageError(f"argument {flag}: {e.message}")
    unknown = re.fullmatch(r"No such command '(.*)'\.", e.message)
    if unknown and ctx and isinstance(ctx.command, click.Group):
        return UsageError(argv.invalid_command(unknown.group(1), ctx.command.list_commands(ctx)))
    return UsageError(e.message)


@click.group(
    cls=KmsGroup,
    name="kmscli",
    context_settings={"help_option_names": []},
    epilog="\b\nOne command's help:\n  kmscli help COMMAND\n  kmscli COMMAND --help\n  man kmscli-COMMAND",
)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """AWS KMS on your own machine: the `aws kms` commands, with real keys and local state.

    Global options (--output, --query, --region, --profile, --state-dir, --debug, ...) may come
    before or after the command.
    """
    if not isinstance(ctx.obj, Session):
        ctx.obj = Session()


def main() -> NoReturn:
    import gc

    # What start-up built (modules, classes, the model) lives until the process ends: frozen, the
    # collector never walks it again, at exit included. That is ~7 ms of a describe-key.
    gc.freeze()
    try:
        cli.main()
    except SystemExit as e:
        if isinstance(e.code, int) and _nothing_left_to_do():
            _exit_now(e.code)
        raise


def _nothing_left_to_do() -> bool:
    """No thread to wait for and no atexit callback: all the interpreter's teardown would do is free memory."""
    import atexit

    threading = sys.modules.get("threading")
    return atexit._ncallbacks() == 0 and (threading is None or threading.active_count() == 1)


def _exit_now(code: int) -> NoReturn:
    """End the process without tearing down the interpreter (modules, objects): ~1 ms of every command.

    The state is committed and its database closed by now; only the standard streams are left to
    flush. If that fails (a closed pipe), the ordinary exit reports it as it always has.
    """
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        sys.exit(code)
    os._exit(code)
