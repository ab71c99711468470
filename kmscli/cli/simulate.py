"""`kmscli simulate-principal-policy`: which of a principal's requests KMS would allow, and why.

The options and the output are those of `aws iam simulate-principal-policy` (botocore's IAM
model); the principal comes from the identities file (any other ARN has no identity policies),
and the keys named by --resource-arns bring their key policies, grants, tags and aliases.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import click

from kmscli import config
from kmscli.core.errors import KmsError

from . import argv, params


class InvalidInput(KmsError):
    """IAM's error code for a parameter it cannot use (here: an ARN that names no principal)."""

    code = "InvalidInput"


SPECS: tuple[argv.OptionSpec, ...] = (
    argv.OptionSpec(
        "--policy-source-arn",
        "PolicySourceArn",
        "1",
        help="The principal to simulate: an IAM user, an IAM role or an account root ARN.",
    ),
    argv.OptionSpec("--action-names", "ActionNames", "+", help="The actions to simulate, such as kms:Encrypt."),
    argv.OptionSpec(
        "--resource-arns",
        "ResourceArns",
        "+",
        help='The resources (key or alias ARNs) to simulate the actions on (default "*").',
    ),
    argv.OptionSpec(
        "--context-entries",
        "ContextEntries",
        "+",
        help="Condition key values, one entry each: ContextKeyName=..., ContextKeyValues=... and "
        "ContextKeyType=... joined by commas (the AWS CLI's shorthand), or a JSON list.",
    ),
    argv.OptionSpec(
        "--caller-arn", "CallerArn", "1", help="The ARN the requests are made as (default: the principal itself)."
    ),
)
REQUIRED = ("PolicySourceArn", "ActionNames")
_SUMMARY = "Simulate a principal's KMS requests and why."
_HELP = (
    f"{_SUMMARY}\n\nFor each action and resource: the decision, the statements that made it (with their "
    "position in the policy text) and the condition keys the simulation was not given.\n\n"
    "Examples:\n\n\b\n  kmscli simulate-principal-policy --policy-source-arn arn:aws:iam::111122223333:role/App "
    "--action-names kms:Encrypt kms:Decrypt --resource-arns arn:aws:kms:us-east-1:111122223333:key/KEY-ID"
)


class SimulateCommand(click.Command):
    def __init__(self) -> None:
        super().__init__(
            name="simulate-principal-policy",
            add_help_option=False,
            help=_HELP,
            short_help=_SUMMARY,
        )

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        if not self.params:
            self.params = [
                click.Option([s.flag], help=s.help, multiple=s.nargs == "+", required=s.dest in REQUIRED) for s in SPECS
            ]
        return super().get_params(ctx)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        from .app import UnknownOptionsError, UsageError

        try:
            parsed, _ = argv.parse(args, (*SPECS, *argv.GLOBAL_OPTIONS))
        except argv.UsageError as e:
            if ctx.resilient_parsing:
                return []
            raise UsageError(str(e)) from None
        if ctx.resilient_parsing:
            return []
        if parsed.help:
            click.echo(ctx.get_help())
            ctx.exit(0)
        missing = [s.flag for s in SPECS if s.dest in REQUIRED and s.dest not in parsed.values]
        if missing:
            raise UsageError(f"the following arguments are required: {', '.join(missing)}")
        if parsed.unknown:
            raise UnknownOptionsError(str(argv.UnknownOptions(parsed.unknown)))
        ctx.meta["kmscli.parsed"] = parsed
        return []

    def invoke(self, ctx: click.Context) -> None:
        from kmscli import core, output
        from kmscli.core.ports import Access
        from kmscli.session import Session
        from kmscli.store import StateError

        from .app import AwsError, StateProblem, compile_query

        parsed: argv.Parsed = ctx.meta["kmscli.parsed"]
        options = {**ctx.meta.get("kmscli.globals", {}), **{k: v for k, v in parsed.values.items() if k[0].islower()}}
        rt = ctx.find_object(Session) or Session()
        try:
            query = compile_query(options.get("query"))
            values = parsed.values
            context = _context(values.get("ContextEntries", []))
            document = rt.transact(
                lambda repo, env: _simulate(repo, env, rt, options, values, context),
                access=Access.MAY_WRITE,
                options=options,
            )
            text = output.render(
                document,
                output=options.get("output") or "json",
                query=query,
                title="SimulatePrincipalPolicy",
                color=options.get("color") or "auto",
            )
            click.echo(text, nl=False, color=True)
        except core.KmsError as e:
            raise AwsError(output.error_line("SimulatePrincipalPolicy", e)) from None
        except (params.ParamError, config.ConfigError) as e:
            raise AwsError(str(e)) from None
        except StateError as e:
            raise StateProblem(str(e)) from None


def _context(entries: list[str]) -> dict[str, tuple[str, ...]]:
    """--context-entries words (shorthand, or one JSON list) as condition key -> values."""
    option = "--context-entries"
    items: list[Any] = []
    for word in entries:
        if word.lstrip().startswith("["):
            try:
                loaded = json.loads(word)
            except ValueError as e:
                raise params.ParamError(f"Error parsing parameter '{option}': Invalid JSON: {e}") from None
            items.extend(loaded if isinstance(loaded, list) else [loaded])
        else:
            items.append(params.parse_shorthand(option, word))
    context: dict[str, tuple[str, ...]] = {}
    for item in items:
        if not isinstance(item, Mapping) or not isinstance(item.get("ContextKeyName"), str):
            raise params.ParamError(f"Error parsing parameter '{option}': each entry needs a ContextKeyName")
        values = item.get("ContextKeyValues", [])
        values = values if isinstance(values, list) else [values]
        context[item["ContextKeyName"]] = tuple(_text(v) for v in values)
    return context


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _simulate(
    repo: Any, env: Any, rt: Any, options: Mapping[str, Any], values: Mapping[str, Any], context: Any
) -> dict[str, Any]:
    from kmscli import identities
    from kmscli.core.authorization import caller_for
    from kmscli.core.simulation import simulate

    source = values["PolicySourceArn"]
    state_dir = config.state_dir(options.get("state_dir") or rt.state_dir, rt.environ)
    known = identities.load(state_dir, rt.environ) if config.identities_exist(state_dir, rt.environ) else None
    principal = known.by_arn(source) if known is not None else None
    try:
        caller = principal.caller if principal is not None else caller_for(source)
        if values.get("CallerArn"):
            acting = caller_for(values["CallerArn"])
            caller = acting._replace(tags=caller.tags, policies=caller.policies)
    except ValueError as e:
        raise InvalidInput(str(e)) from None
    return simulate(repo, env, caller, values["ActionNames"], values.get("ResourceArns") or ["*"], context)


simulate_command = SimulateCommand()
