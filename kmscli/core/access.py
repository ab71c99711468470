"""Authorization of each request: the evaluator (authorization.py) fed from the request and the key.

`Env.authority` says who is calling and how strictly to judge them; without one nothing is
evaluated (core tests that do not care about authorization build an Env without it). With one:
- `api.call()` records the request's parameters and checks the permissions that name no key
  (CreateKey, ListKeys, the alias side of CreateAlias...), before the operation runs;
- the key accessor (`lookup.resolve_key`) checks the operation's permission on each key it hands
  out, before the key-state table, so a refusal comes before any other answer and writes nothing.

Condition keys are filled from the request parameters (encryption context, algorithms, grant
parameters, tags...), from the key (its tags, aliases, spec, usage, origin, Regions), and from
the call itself (time, Region, source IP, the service acting for the caller).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .authorization import Caller, Decision, Request, decide, denial_message
from .errors import AccessDeniedException
from .permissions import REQUIRED
from .policy_document import Policy, parse_policy
from .tuples import NamedTuple

if TYPE_CHECKING:
    from .env import Env
    from .model import Key
    from .ports import Repository
    from .records import Grant

ENFORCE = "enforce"
AUDIT = "audit"
OFF = "off"
MODES = (ENFORCE, AUDIT, OFF)

# The refusal Decrypt answers when the key came from the ciphertext rather than the request.
CIPHERTEXT_KEY_DENIED = (
    "The ciphertext refers to a customer master key that does not exist, does not exist in this region, "
    "or you are not allowed to access."
)


class Authority(NamedTuple):
    caller: Caller
    # ENFORCE refuses; AUDIT allows and reports what it would have refused.
    mode: str
    # One line for the user (stderr): audit refusals, and with `debug` every decision's reasons.
    report: Callable[[str], None]
    debug: bool = False
    # An AWS service calling on the caller's behalf (kms:ViaService), e.g. "s3.us-east-1.amazonaws.com".
    via_service: str | None = None
    source_ip: str | None = None
    secure_transport: bool = True
    # The request being authorized, by API member names (api.call() sets it).
    params: Mapping[str, Any] = MappingProxyType({})


# ---------------------------------------------------------------- condition keys


_SINGLE = {
    "SigningAlgorithm": "kms:SigningAlgorithm",
    "MacAlgorithm": "kms:MacAlgorithm",
    "MessageType": "kms:MessageType",
    "KeyAgreementAlgorithm": "kms:KeyAgreementAlgorithm",
    "KeyPairSpec": "kms:DataKeyPairSpec",
    "WrappingAlgorithm": "kms:WrappingAlgorithm",
    "WrappingKeySpec": "kms:WrappingKeySpec",
    "ExpirationModel": "kms:ExpirationModel",
    "ValidTo": "kms:ValidTo",
    "RotationPeriodInDays": "kms:RotationPeriodInDays",
    "PendingWindowInDays": "kms:ScheduleKeyDeletionPendingWindowInDays",
    "BypassPolicyLockoutSafetyCheck": "kms:BypassPolicyLockoutSafetyCheck",
    "GranteePrincipal": "kms:GranteePrincipal",
    "RetiringPrincipal": "kms:RetiringPrincipal",
    "ReplicaRegion": "kms:ReplicaRegion",
    "PrimaryRegion": "kms:PrimaryRegion",
    "PolicyName": "kms:PolicyName",
}
# CreateKey describes the key it makes with the same keys a key's own attributes fill.
_CREATE_KEY = {"KeySpec": "kms:KeySpec", "KeyUsage": "kms:KeyUsage", "Origin": "kms:KeyOrigin"}
# Each side of ReEncrypt has its own context and algorithm.
_SIDES = {
    "kms:ReEncryptFrom": ("SourceEncryptionContext", "SourceEncryptionAlgorithm"),
    "kms:ReEncryptTo": ("DestinationEncryptionContext", "DestinationEncryptionAlgorithm"),
}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if hasattr(value, "timestamp"):
        # A datetime parameter (ValidTo) as ISO 8601 UTC.
        return iso8601(value.timestamp())
    return str(value)


def iso8601(epoch: float) -> str:
    """`2026-12-07T18:00:00Z` for epoch seconds (days-from-civil arithmetic: no datetime import)."""
    seconds = int(epoch // 1)
    days, rest = divmod(seconds, 86400)
    # Howard Hinnant's civil_from_days.
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    year = yoe + era * 400 + (month <= 2)
    return f"{year:04d}-{month:02d}-{day:02d}T{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}Z"


def encryption_context_of(action: str, params: Mapping[str, Any]) -> Mapping[str, str] | None:
    member = _SIDES.get(action, ("EncryptionContext", ""))[0]
    value = params.get(member)
    return value if isinstance(value, Mapping) else None


def request_context(env: Env, authority: Authority, action: str, operation: str) -> dict[str, tuple[str, ...]]:
    """Condition keys from the call and its parameters (names lower-cased)."""
    params = authority.params
    now = env.now()
    ctx: dict[str, tuple[str, ...]] = {
        "aws:currenttime": (iso8601(now),),
        "aws:epochtime": (str(int(now)),),
        "aws:requestedregion": (env.region,),
        "aws:securetransport": ("true" if authority.secure_transport else "false",),
    }
    if authority.source_ip:
        ctx["aws:sourceip"] = (authority.source_ip,)
    if authority.via_service:
        ctx["kms:viaservice"] = (authority.via_service,)
    for member, key in _SINGLE.items():
        if params.get(member) is not None:
            ctx[key.lower()] = (_text(params[member]),)
    algorithm = _SIDES.get(action, ("", "EncryptionAlgorithm"))[1]
    if params.get(algorithm) is not None:
        ctx["kms:encryptionalgorithm"] = (str(params[algorithm]),)
    context = encryption_context_of(action, params)
    if context:
        for k, v in context.items():
            ctx[f"kms:encryptioncontext:{k.lower()}"] = (v,)
        ctx["kms:encryptioncontextkeys"] = tuple(context)
    if operation == "CreateKey":
        for member, key in _CREATE_KEY.items():
            if params.get(member) is not None:
                ctx[key.lower()] = (str(params[member]),)
        if params.get("MultiRegion") is not None:
            ctx["kms:multiregion"] = (_text(params["MultiRegion"]),)
    tags = params.get("Tags")
    if tags:
        for tag in tags:
            ctx[f"aws:requesttag/{tag['TagKey'].lower()}"] = (tag["TagValue"],)
        ctx["aws:tagkeys"] = tuple(tag["TagKey"] for tag in tags)
    if params.get("TagKeys"):
        ctx["aws:tagkeys"] = tuple(params["TagKeys"])
    if operation == "CreateGrant":
        if params.get("Operations"):
            ctx["kms:grantoperations"] = tuple(params["Operations"])
        constraints = params.get("Constraints") or {}
        kinds = tuple(k for k in ("EncryptionContextEquals", "EncryptionContextSubset") if constraints.get(k))
        if kinds:
            ctx["kms:grantconstrainttype"] = kinds
    if operation in ("CreateGrant", "ListGrants", "RevokeGrant"):
        ctx["kms:grantisforawsresource"] = ("true" if authority.via_service else "false",)
    return ctx


def key_context(repo: Repository, key: Key, request_alias: str | None) -> dict[str, tuple[str, ...]]:
    """Condition keys that describe the key: its tags, aliases and attributes."""
    ctx: dict[str, tuple[str, ...]] = {
        "kms:keyspec": (key.key_spec,),
        "kms:keyusage": (str(key.key_usage),),
        "kms:keyorigin": (str(key.origin),),
        "kms:multiregion": ("true" if key.multi_region else "false",),
    }
    if key.multi_region and key.primary_region is not None:
        ctx["kms:multiregionkeytype"] = ("PRIMARY" if key.region == key.primary_region else "REPLICA",)
    for tag in repo.get_tags(key.key_id):
        ctx[f"aws:resourcetag/{tag.tag_key.lower()}"] = (tag.tag_value,)
    aliases = tuple(a.alias_name for a in repo.list_aliases(key.key_id, None, 1000))
    if aliases:
        ctx["kms:resourcealiases"] = aliases
    if request_alias is not None:
        ctx["kms:requestalias"] = (request_alias,)
    return ctx


@functools.lru_cache(maxsize=64)
def key_policy(text: str, arn: str) -> Policy:
    return parse_policy(text, arn, "resource")


# ---------------------------------------------------------------- the checks


def key_action(operation: str) -> str | None:
    """The action an operation needs on the key its KeyId names; None when the key decides no permission."""
    for action, target, policy, _ in REQUIRED.get(operation, ()):
        if target in ("key", "current key") and policy == "key policy":
            return action
    return None


def authorize_key(
    repo: Repository,
    env: Env,
    key: Key,
    action: str,
    operation: str | None = None,
    *,
    request_alias: str | None = None,
    from_ciphertext: bool = False,
) -> None:
    """Refuse (AccessDeniedException) unless the caller may perform `action` on `key`.

    `operation`: the one being run (env.operation) unless given.
    """
    authority = env.authority
    if authority is None:
        return
    operation = operation or env.operation
    assert operation is not None, "authorize_key runs inside an operation (api.call sets env.operation)"
    context = {**request_context(env, authority, action, operation), **key_context(repo, key, request_alias)}
    request = Request(
        authority.caller,
        action,
        key.arn,
        key.account_id,
        context,
        encryption_context_of(action, authority.params) or {},
    )
    policy = key_policy(key.policy, key.arn)
    decision = decide(request, policy)
    if not decision.allowed and decision.decision != "explicitDeny":
        grants = _grants_for(repo, key, authority.caller)
        if grants:
            decision = decide(request, policy, grants)
    _conclude(authority, request, decision, CIPHERTEXT_KEY_DENIED if from_ciphertext else None)


def _grants_for(repo: Repository, key: Key, caller: Caller) -> list[Grant]:
    names = dict.fromkeys((caller.arn, caller.principal_arn))
    return [g for name in names for g in repo.list_grants(key.key_id, None, 10000, grantee_principal=name)]


def authorize_request(env: Env, operation: str, params: Mapping[str, Any]) -> Env:
    """Check the permissions that name no key (IAM policy only); the Env the operation then runs with."""
    authority = env.authority
    if authority is None:
        return env
    authority = authority._replace(params=MappingProxyType(dict(params)))
    env = env._replace(authority=authority)
    for action, target, policy, when in REQUIRED.get(operation, ()):
        if policy != "IAM policy" or (when is not None and not params.get(when)):
            continue
        resource = "*"
        if target == "alias":
            resource = f"arn:{env.partition}:kms:{env.region}:{env.account_id}:{params.get('AliasName', '')}"
        context = request_context(env, authority, action, operation)
        request = Request(authority.caller, action, resource, None, context)
        _conclude(authority, request, decide(request), None)
    return env


def _conclude(authority: Authority, request: Request, decision: Decision, message: str | None) -> None:
    if authority.debug:
        authority.report(f"kmscli debug: {explain(request, decision)}")
    if decision.allowed:
        return
    text = denial_message(request, decision)
    if authority.mode == AUDIT:
        authority.report(f"kmscli audit: would refuse: {text}")
        return
    raise AccessDeniedException(message or text)


def explain(request: Request, decision: Decision) -> str:
    """One line, without any secret: the decision and the statements or grant that made it."""
    parts = [f"authorization: {request.action} on {request.resource} by {request.caller.arn}: {decision.decision}"]
    for m in decision.matched:
        where = f" at line {m.start.line}" if m.start else ""
        sid = f" {m.sid!r}" if m.sid else ""
        parts.append(f"{m.effect} by {m.kind} policy {m.policy_id}{sid}{where}")
    if decision.missing_context:
        parts.append("missing context: " + ", ".join(decision.missing_context))
    return "; ".join(parts)


def authorize_retire(repo: Repository, env: Env, key: Key, grant: Grant) -> None:
    """RetireGrant: the grant decides first (its retiring principal, its grantee if it may retire, its
    account's root user); otherwise kms:RetireGrant as any permission on the key."""
    authority = env.authority
    if authority is None:
        return
    caller = authority.caller
    names = (caller.arn, caller.principal_arn)
    if (
        grant.retiring_principal in names
        or (grant.grantee_principal in names and "RetireGrant" in grant.operations)
        or (caller.is_root and caller.account == grant.issuing_account)
    ):
        return
    authorize_key(repo, env, key, "kms:RetireGrant")
