"""Explaining a decision: `simulate-principal-policy`, as IAM's command answers it.

For each action and resource, the decision for a principal, with the statements that made it
(their policy, its type and their position in the policy text) and the condition keys the
simulation was not given. A resource that is a key of this state brings its key policy, grants,
tags and aliases into the evaluation, as a real request would; any other resource (or "*") is
judged on the principal's identity-based policies alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .access import key_context, key_policy
from .authorization import Caller, Decision, Request, decide

if TYPE_CHECKING:
    from .env import Env
    from .ports import Repository

_KEY_ARN = r"arn:(aws|aws-cn|aws-us-gov):kms:(?P<region>[^:]+):(?P<account>\d{12}):key/(?P<key_id>.+)"


def _key(repo: Repository, env: Env, arn: str) -> tuple[Repository, Any]:
    """The key a resource ARN names in this state (and the repository of its Region), if any."""
    import re

    m = re.fullmatch(_KEY_ARN, arn)
    if m is None or m["account"] != env.account_id:
        return repo, None
    from .keyring import live_key

    regional = repo.in_region(m["region"])
    found = live_key(regional, env, m["key_id"])
    return regional, found if found is not None and found.arn == arn else None


def _matched(decision: Decision, caller: Caller) -> list[dict[str, Any]]:
    # An identity policy belongs to the role or user it is attached to.
    identity_type = "role" if caller.principal_type == "AssumedRole" else "user"
    out = []
    for m in decision.matched:
        entry: dict[str, Any] = {
            "SourcePolicyId": m.policy_id,
            "SourcePolicyType": identity_type if m.kind == "identity" else "resource",
        }
        if m.start is not None and m.end is not None:
            entry["StartPosition"] = {"Line": m.start.line, "Column": m.start.column}
            entry["EndPosition"] = {"Line": m.end.line, "Column": m.end.column}
        out.append(entry)
    return out


def simulate(
    repo: Repository,
    env: Env,
    caller: Caller,
    actions: Iterable[str],
    resources: Iterable[str],
    context: Mapping[str, tuple[str, ...]],
) -> dict[str, Any]:
    """The SimulatePrincipalPolicy response document (members in the IAM model's order)."""
    results = []
    # Grant constraints see the encryption context the context entries describe (its keys keep their case).
    prefix = "kms:encryptioncontext:"
    ec = {k[len(prefix) :]: v[0] for k, v in context.items() if k.lower().startswith(prefix) and v}
    context = {k.lower(): v for k, v in context.items()}
    for action in actions:
        for resource in resources:
            regional, key = _key(repo, env, resource)
            if key is None:
                request = Request(caller, action, resource, None, context)
                decision = decide(request)
            else:
                merged = {**key_context(regional, key, None), **context}
                request = Request(caller, action, key.arn, key.account_id, merged, ec)
                policy = key_policy(key.policy, key.arn)
                grants = [
                    g
                    for name in dict.fromkeys((caller.arn, caller.principal_arn))
                    for g in regional.list_grants(key.key_id, None, 10000, grantee_principal=name)
                ]
                decision = decide(request, policy, grants)
            result: dict[str, Any] = {
                "EvalActionName": action,
                "EvalResourceName": resource,
                "EvalDecision": decision.decision,
                "MatchedStatements": _matched(decision, caller),
                "MissingContextValues": list(decision.missing_context),
            }
            results.append(result)
    return {"EvaluationResults": results, "IsTruncated": False}
