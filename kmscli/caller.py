"""Who is calling: the caller of a command (or of a `serve` request) and how strictly it is judged.

The CLI's caller is, in order: the principal of the identities file whose Profiles holds the
selected profile (--profile, else AWS_PROFILE); else KMSCLI_CALLER_ARN (a principal of the file,
or any ARN, which then has no identity policies); else the root user of KMSCLI_ACCOUNT_ID. Its
account is the account of its ARN. `serve` passes the principal whose access key signed the
request instead. Real AWS credentials are never read.

KMSCLI_AUTHORIZATION: enforce (the default) refuses what KMS would refuse; audit allows it and
reports each refusal on stderr; off evaluates nothing. KMSCLI_VIA_SERVICE (or --via-service)
makes requests as the named AWS service acting for the caller (kms:ViaService).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from kmscli.core.tuples import NamedTuple

from .config import ConfigError, identities_exist

if TYPE_CHECKING:
    from kmscli.core.access import Authority
    from kmscli.core.authorization import Caller

    from .identities import Identities

# A pattern, not a compiled object: re compiles (and caches) it on first use, when a service is named.
_VIA_SERVICE = r"[a-z0-9-]+\.[a-z0-9-]+\.amazonaws\.com(\.cn)?"


def mode(environ: Mapping[str, str]) -> str:
    value = environ.get("KMSCLI_AUTHORIZATION") or "enforce"
    if value not in ("enforce", "audit", "off"):
        raise ConfigError(f"KMSCLI_AUTHORIZATION must be enforce, audit or off, not {value!r}")
    return value


def via_service(value: str | None) -> str | None:
    if value and not re.fullmatch(_VIA_SERVICE, value):
        raise ConfigError(
            f"kms:ViaService must name a service endpoint such as s3.us-east-1.amazonaws.com, not {value!r}"
        )
    return value or None


class Resolved(NamedTuple):
    account: str
    caller_arn: str
    authority: Authority | None


def resolve(
    environ: Mapping[str, str],
    state_dir: str,
    options: Mapping[str, Any],
    account: str,
    partition: str,
    report: Callable[[str], None],
) -> Resolved:
    """Read the settings and the identities file (before anything runs) and name the caller."""
    chosen_mode = mode(environ)
    via = via_service(options.get("via_service") or environ.get("KMSCLI_VIA_SERVICE"))
    caller: Caller | None = options.get("caller")
    if caller is None:
        identities = None
        if identities_exist(state_dir, environ):
            from . import identities as file

            identities = file.load(state_dir, environ)
        if identities is None and not environ.get("KMSCLI_CALLER_ARN") and not environ.get("KMSCLI_AUTHORIZATION"):
            # Nobody is named: the account root, as before authorization existed, and nothing is evaluated.
            return Resolved(account, f"arn:{partition}:iam::{account}:root", None)
        caller = _cli_caller(identities, options, environ, account, partition)
    if chosen_mode == "off":
        return Resolved(caller.account, caller.arn, None)
    from kmscli.core.access import Authority

    authority = Authority(
        caller,
        chosen_mode,
        report,
        debug=bool(options.get("debug")),
        via_service=via,
        source_ip=options.get("source_ip"),
        secure_transport=options.get("secure_transport", True),
    )
    return Resolved(caller.account, caller.arn, authority)


def _cli_caller(
    identities: Identities | None, options: Mapping[str, Any], environ: Mapping[str, str], account: str, partition: str
) -> Caller:
    from kmscli.core.authorization import caller_for

    profile = options.get("profile") or environ.get("AWS_PROFILE")
    if identities is not None and profile:
        principal = identities.by_profile(profile)
        if principal is not None:
            return principal.caller
    arn = environ.get("KMSCLI_CALLER_ARN")
    if arn:
        from .identities import caller_from_arn

        return caller_from_arn(arn, identities)
    return caller_for(f"arn:{partition}:iam::{account}:root")


def profile_is_a_principal(state_dir: str, environ: Mapping[str, str], profile: str | None) -> bool:
    """Whether the identities file maps this profile (it then need not exist in ~/.aws/config)."""
    if not profile:
        return False
    from .identities import load

    identities = load(state_dir, environ)
    return identities is not None and identities.by_profile(profile) is not None
