"""Who may do what: KMS's authorization decision, as one pure function.

`decide(request, key_policy, grants)` takes the request context (the caller with its identity
policies, the action, the resource, the condition keys) and the policies in play, and returns
the decision with its reasons: which statements or grant decided, and which condition keys the
request lacked. The rules, as KMS applies them:

1. An applicable Deny in the key policy or in the caller's identity policies refuses the request,
   whatever allows it elsewhere (grants included).
2. For a key (a key policy is in play):
   - same account: the key policy allows the caller itself (its ARN, its role, or "*"); or the
     key policy allows the caller's *account* and either the caller is that account's root user
     or one of its identity policies allows; or a grant allows;
   - another account: the key policy allows the caller or its account, *and* the caller's own
     account allows it (its root user, or an identity policy); or a grant allows.
   A key policy statement naming the account delegates to IAM: it is not a grant to the root
   user alone.
3. Without a key policy (CreateKey, ListKeys, an alias's own permission...): the root user of the
   account, or an identity policy.
Everything else is an implicit deny.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from .policy_conditions import Context, conditions_hold, expand, missing_keys, wildcard_match
from .policy_document import Policy, Position, Statement
from .tuples import NamedTuple

if TYPE_CHECKING:
    from .records import Grant

ALLOWED = "allowed"
EXPLICIT_DENY = "explicitDeny"
IMPLICIT_DENY = "implicitDeny"
RESOURCE_BASED = "resource-based"
IDENTITY_BASED = "identity-based"


class Caller(NamedTuple):
    """Who is calling, as KMS sees them."""

    # What AccessDenied messages name: an IAM user ARN, a role session ARN, or the root ARN.
    arn: str
    account: str
    # aws:PrincipalArn: the role's ARN for a role session, else `arn`.
    principal_arn: str
    # aws:PrincipalType: Account, User or AssumedRole.
    principal_type: str
    tags: tuple[tuple[str, str], ...] = ()
    policies: tuple[Policy, ...] = ()

    @property
    def partition(self) -> str:
        return self.arn.split(":")[1]

    @property
    def is_root(self) -> bool:
        return self.principal_type == "Account"

    @property
    def root_arn(self) -> str:
        return f"arn:{self.partition}:iam::{self.account}:root"


def caller_for(
    arn: str,
    *,
    session_name: str | None = None,
    tags: Iterable[tuple[str, str]] = (),
    policies: Iterable[Policy] = (),
) -> Caller:
    """The caller an ARN stands for: a role calls as one of its sessions. ValueError for other ARNs."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or not parts[4].isdigit() or len(parts[4]) != 12:
        raise ValueError(f"{arn!r} is not the ARN of an IAM user, an IAM role, a role session or an account root")
    _, partition, service, _, account, resource = parts
    kind, _, rest = resource.partition("/")
    extra = (tuple(tags), tuple(policies))
    if service == "iam" and resource == "root":
        return Caller(arn, account, arn, "Account", *extra)
    if service == "iam" and kind == "user" and rest:
        return Caller(arn, account, arn, "User", *extra)
    if service == "iam" and kind == "role" and rest:
        session = f"arn:{partition}:sts::{account}:assumed-role/{rest.rsplit('/', 1)[-1]}/{session_name or 'kmscli'}"
        return Caller(session, account, arn, "AssumedRole", *extra)
    if service == "sts" and kind == "assumed-role" and rest.count("/") == 1:
        role = rest.split("/")[0]
        return Caller(arn, account, f"arn:{partition}:iam::{account}:role/{role}", "AssumedRole", *extra)
    raise ValueError(f"{arn!r} is not the ARN of an IAM user, an IAM role, a role session or an account root")


def _unique_id(prefix: str, arn: str) -> str:
    """A stable stand-in for IAM's unique ID of a user or role (AIDA..., AROA...)."""
    # zlib's checksums rather than hashlib, whose import alone costs every authorized command ~2 ms.
    data = arn.encode()
    return f"{prefix}{zlib.crc32(data):08X}{zlib.adler32(data):08X}"


def principal_context(caller: Caller) -> dict[str, tuple[str, ...]]:
    """The global condition keys that describe the caller (names lower-cased)."""
    ctx = {
        "aws:principalarn": (caller.principal_arn,),
        "aws:principalaccount": (caller.account,),
        "aws:principaltype": (caller.principal_type,),
        "kms:calleraccount": (caller.account,),
    }
    if caller.principal_type == "User":
        ctx["aws:username"] = (caller.arn.rsplit("/", 1)[-1],)
        ctx["aws:userid"] = (_unique_id("AIDA", caller.arn),)
    elif caller.principal_type == "AssumedRole":
        ctx["aws:userid"] = (f"{_unique_id('AROA', caller.principal_arn)}:{caller.arn.rsplit('/', 1)[-1]}",)
    else:
        ctx["aws:userid"] = (caller.account,)
    for key, value in caller.tags:
        ctx[f"aws:principaltag/{key.lower()}"] = (value,)
    return ctx


class Request(NamedTuple):
    caller: Caller
    # "kms:Encrypt"
    action: str
    # A key ARN, an alias ARN, or "*" for actions on no particular resource.
    resource: str
    # The account that owns the resource (the key's), or None for actions on no resource.
    resource_account: str | None = None
    # Condition keys of the request besides the caller's (lower-cased names, tuples of values).
    context: Context = MappingProxyType({})
    # The request's encryption context, for grant constraints; None for operations that take none.
    encryption_context: Mapping[str, str] | None = None


class Match(NamedTuple):
    """A statement (or grant) that took part in the decision."""

    policy_id: str
    # "resource", "identity" or "grant".
    kind: str
    effect: str
    sid: str | None
    start: Position | None
    end: Position | None


class Decision(NamedTuple):
    decision: str
    # For a refusal: which side refused ("resource-based" or "identity-based").
    policy_type: str | None
    matched: tuple[Match, ...]
    missing_context: tuple[str, ...]

    @property
    def allowed(self) -> bool:
        return self.decision == ALLOWED


# ---------------------------------------------------------------- matching statements


def _action_applies(st: Statement, action: str) -> bool:
    if st.action is not None:
        return any(wildcard_match(p, action, ignore_case=True) for p in st.action)
    return st.not_action is not None and not any(wildcard_match(p, action, ignore_case=True) for p in st.not_action)


def _resource_applies(st: Statement, resource: str, context: Context, version: str) -> bool:
    def matches(patterns: tuple[str, ...]) -> bool:
        for p in patterns:
            expanded = expand(p, context, version)
            if expanded is not None and (expanded == "*" or wildcard_match(expanded, resource)):
                return True
        return False

    if st.resource is not None:
        return matches(st.resource)
    return st.not_resource is not None and not matches(st.not_resource)


# How a key policy statement's principal covers the caller.
DIRECT = 2
ACCOUNT = 1


def _principal_strength(st: Statement, caller: Caller) -> int:
    """DIRECT (names the caller, its role, or everyone), ACCOUNT (names its account), or 0."""
    if st.principal is not None:
        return _covers(st.principal, caller)
    if st.not_principal is not None:
        return DIRECT if not _excluded(st.not_principal, caller) else 0
    return 0


def _covers(principal: object, caller: Caller) -> int:
    if principal == "*":
        return DIRECT
    if not isinstance(principal, dict):
        return 0
    best = 0
    for name in principal.get("AWS", ()):
        if name == "*" or name in (caller.arn, caller.principal_arn):
            return DIRECT
        if name in (caller.account, caller.root_arn):
            best = DIRECT if caller.is_root else ACCOUNT
    return best


def _excluded(principal: object, caller: Caller) -> bool:
    if not isinstance(principal, dict):
        return principal == "*"
    names = set(principal.get("AWS", ()))
    if "*" in names or caller.arn in names:
        return True
    return caller.is_root and bool(names & {caller.account, caller.root_arn})


class _Applicable(NamedTuple):
    statement: Statement
    policy: Policy
    strength: int


def _applicable(policy: Policy, request: Request, context: Context, missing: set[str]) -> list[_Applicable]:
    found = []
    for st in policy.statements:
        strength = DIRECT
        if policy.kind == "resource":
            strength = _principal_strength(st, request.caller)
            if not strength:
                continue
        if not _action_applies(st, request.action):
            continue
        if not _resource_applies(st, request.resource, context, policy.version):
            continue
        missing.update(missing_keys(st.conditions, context))
        if conditions_hold(st.conditions, context, policy.version):
            found.append(_Applicable(st, policy, strength))
    return found


def _grant_allows(grant: Grant, request: Request) -> bool:
    caller = request.caller
    if grant.grantee_principal not in (caller.arn, caller.principal_arn):
        return False
    if request.action.split(":", 1)[-1] not in grant.operations:
        return False
    constraints = grant.constraints
    if constraints is None or (
        constraints.encryption_context_equals is None and constraints.encryption_context_subset is None
    ):
        return True
    context = request.encryption_context
    if context is None:
        return False
    if constraints.encryption_context_equals is not None and dict(context) != constraints.encryption_context_equals:
        return False
    subset = constraints.encryption_context_subset
    return subset is None or all(context.get(k) == v for k, v in subset.items())


def _match(a: _Applicable) -> Match:
    st = a.statement
    return Match(a.policy.policy_id, a.policy.kind, st.effect, st.sid, st.start, st.end)


# ---------------------------------------------------------------- the decision


def decide(request: Request, key_policy: Policy | None = None, grants: Iterable[Grant] = ()) -> Decision:
    """KMS's decision on one action on one resource (see the module's docstring for the rules)."""
    caller = request.caller
    context: dict[str, tuple[str, ...]] = {**principal_context(caller), **request.context}
    missing: set[str] = set()
    on_key = _applicable(key_policy, request, context, missing) if key_policy is not None else []
    on_identity = [a for p in caller.policies for a in _applicable(p, request, context, missing)]
    missing_context = tuple(sorted(missing))

    key_denies = [_match(a) for a in on_key if a.statement.effect == "Deny"]
    if key_denies:
        return Decision(EXPLICIT_DENY, RESOURCE_BASED, tuple(key_denies), missing_context)
    identity_denies = [_match(a) for a in on_identity if a.statement.effect == "Deny"]
    if identity_denies:
        return Decision(EXPLICIT_DENY, IDENTITY_BASED, tuple(identity_denies), missing_context)

    identity_allows = [_match(a) for a in on_identity]
    # The root user is not subject to identity policies: its account allows it everything.
    account_allows = caller.is_root or bool(identity_allows)
    if key_policy is None:
        if account_allows:
            return Decision(ALLOWED, None, tuple(identity_allows), missing_context)
        return Decision(IMPLICIT_DENY, IDENTITY_BASED, (), missing_context)

    direct = [_match(a) for a in on_key if a.strength == DIRECT]
    delegating = [_match(a) for a in on_key if a.strength == ACCOUNT]
    same_account = request.resource_account in (None, caller.account)
    if same_account and direct:
        return Decision(ALLOWED, None, tuple(direct), missing_context)
    if (direct or delegating) and account_allows:
        return Decision(ALLOWED, None, (*direct, *delegating, *identity_allows), missing_context)
    for grant in grants:
        if _grant_allows(grant, request):
            match = Match(f"grant/{grant.grant_id}", "grant", "Allow", grant.name, None, None)
            return Decision(ALLOWED, None, (match,), missing_context)
    side = IDENTITY_BASED if direct or delegating else RESOURCE_BASED
    return Decision(IMPLICIT_DENY, side, (), missing_context)


def denial_message(request: Request, decision: Decision) -> str:
    """AccessDeniedException's message: the caller, the action, the resource and the reason."""
    head = f"User: {request.caller.arn} is not authorized to perform: {request.action} on resource: {request.resource}"
    if decision.decision == EXPLICIT_DENY:
        return f"{head} with an explicit deny in a {decision.policy_type} policy"
    return f"{head} because no {decision.policy_type} policy allows the {request.action} action"
