"""Key policies: the default text, document checks, the lockout safety check, and the policy operations."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from .api import operation
from .errors import LimitExceededException, MalformedPolicyDocumentException, NotFoundException, ValidationException
from .keyring import resolve_key
from .policy_text import jackson
from .ports import Access
from .tuples import NamedTuple
from .validation import too_deep

if TYPE_CHECKING:
    from .env import Env
    from .ports import Repository

MAX_POLICY_BYTES = 32768


# The default key policy's statement Sid in each response style: the Developer Guide's example shows
# "Enable IAM policies"; today's KMS writes "Enable IAM User Permissions" (docs/responses.md).
DEFAULT_POLICY_SIDS = {"guide": "Enable IAM policies", "service": "Enable IAM User Permissions"}


def default_key_policy(partition: str, account_id: str, style: str = "guide") -> str:
    """The policy CreateKey attaches, byte for byte as the Developer Guide shows it (docs/responses.md).

    KMS stores it Jackson-formatted (two-space indent, " : ", "[ {"), with no trailing newline.
    """
    return jackson(
        {
            "Version": "2012-10-17",
            "Id": "key-default-1",
            "Statement": [
                {
                    "Sid": DEFAULT_POLICY_SIDS[style],
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ],
        }
    )


def new_key_policy(
    given: str | None,
    *,
    bypass_lockout_check: bool | None,
    partition: str,
    account_id: str,
    caller_arn: str,
    key_arn: str,
    style: str,
) -> str:
    """The policy a new key or replica gets: the one given, once it passes check_policy, else the default one."""
    if given is None:
        return default_key_policy(partition, account_id, style)
    check_policy(given, caller_arn=caller_arn, key_arn=key_arn, bypass_lockout_check=bool(bypass_lockout_check))
    return given


_MALFORMED = "Policy document is malformed"
_BAD_PRINCIPAL = "Policy contains a statement with one or more invalid principals."
_LOCKOUT = "The new key policy will not allow you to update the key policy in the future."

_AWS_PRINCIPAL = re.compile(
    r"\*|\d{12}|arn:aws(-cn|-us-gov)?:iam::\d{12}:(root|user/.+|role/.+)|arn:aws(-cn|-us-gov)?:sts::\d{12}:assumed-role/.+"
)
_SERVICE_PRINCIPAL = re.compile(r"[a-z0-9.-]+\.amazonaws\.com(\.cn)?")


def check_policy(text: str, *, caller_arn: str, key_arn: str, bypass_lockout_check: bool) -> None:
    """Validate a policy document as PutKeyPolicy and CreateKey do; the text is stored verbatim."""
    if len(text.encode("utf-8")) > MAX_POLICY_BYTES:
        raise LimitExceededException(f"Policy exceeds the maximum allowed size of {MAX_POLICY_BYTES} bytes")
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        raise MalformedPolicyDocumentException(_MALFORMED) from None
    if too_deep(doc):
        raise MalformedPolicyDocumentException(_MALFORMED)
    statements = _statements(doc)
    for st in statements:
        _check_statement(st)
    if not bypass_lockout_check and not _allows_put_key_policy(statements, caller_arn, key_arn):
        raise MalformedPolicyDocumentException(_LOCKOUT)


def _statements(doc: Any) -> list[dict[str, Any]]:
    if not isinstance(doc, dict) or "Statement" not in doc:
        raise MalformedPolicyDocumentException(_MALFORMED)
    if doc.get("Version", "2012-10-17") not in ("2012-10-17", "2008-10-17"):
        raise MalformedPolicyDocumentException(_MALFORMED)
    st = doc["Statement"]
    statements = [st] if isinstance(st, dict) else st
    if not isinstance(statements, list) or not statements or not all(isinstance(s, dict) for s in statements):
        raise MalformedPolicyDocumentException(_MALFORMED)
    return statements


def _check_statement(st: dict[str, Any]) -> None:
    if st.get("Effect") not in ("Allow", "Deny"):
        raise MalformedPolicyDocumentException(_MALFORMED)
    principal = st.get("Principal", st.get("NotPrincipal"))
    if principal is None:
        raise MalformedPolicyDocumentException(_MALFORMED)
    if not _valid_principal(principal):
        raise MalformedPolicyDocumentException(_BAD_PRINCIPAL)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _valid_principal(principal: Any) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict) or not principal:
        return False
    for kind, values in principal.items():
        items = _as_list(values)
        if not items or not all(isinstance(v, str) for v in items):
            return False
        if kind == "AWS":
            ok = all(_AWS_PRINCIPAL.fullmatch(v) for v in items)
        elif kind == "Service":
            ok = all(_SERVICE_PRINCIPAL.fullmatch(v) for v in items)
        elif kind == "Federated":
            ok = all(v for v in items)
        else:
            ok = False
        if not ok:
            return False
    return True


def _allows_put_key_policy(statements: list[dict[str, Any]], caller_arn: str, key_arn: str) -> bool:
    """Would the caller still be allowed kms:PutKeyPolicy on this key under the new policy?

    The authorization evaluator answers, on a cautious reading of the policy: an Allow counts only
    if it is unconditional and names its principal, action and resource; a Deny counts whatever its
    conditions, because the check must never let through a policy that could lock the caller out.
    Only the key policy is consulted: a statement that delegates to the caller's account keeps it in.
    """
    from .authorization import IDENTITY_BASED, IMPLICIT_DENY, Request, caller_for, decide
    from .policy_document import parse_policy

    kept = [
        {k: v for k, v in st.items() if k != "Condition"}
        for st in statements
        if st["Effect"] == "Deny" or ("Condition" not in st and {"Principal", "Action", "Resource"} <= st.keys())
    ]
    policy = parse_policy(json.dumps({"Version": "2012-10-17", "Statement": kept}), key_arn, "resource")
    try:
        caller = caller_for(caller_arn)
    except ValueError:
        return False
    decision = decide(Request(caller, "kms:PutKeyPolicy", key_arn, key_arn.split(":")[4]), policy)
    return decision.allowed or (decision.decision, decision.policy_type) == (IMPLICIT_DENY, IDENTITY_BASED)


# ---------------------------------------------------------------- GetKeyPolicy


class GetKeyPolicyRequest(NamedTuple):
    key_id: str
    policy_name: str | None = None


class GetKeyPolicyResult(NamedTuple):
    policy: str
    # Today's KMS also returns PolicyName; the guide style does not, so that `--output text` prints
    # the bare policy as the Developer Guide shows (docs/responses.md).
    policy_name: str | None = None


@operation(GetKeyPolicyRequest, access=Access.MAY_WRITE)
def get_key_policy(repo: Repository, env: Env, req: GetKeyPolicyRequest) -> GetKeyPolicyResult:
    """Return the key policy text exactly as stored.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyPolicy.html
    """
    key = resolve_key(repo, env, req.key_id, allow_alias=False)
    if (req.policy_name or "default") != "default":
        raise NotFoundException("No such policy exists")
    return GetKeyPolicyResult(policy=key.policy, policy_name="default" if env.responses == "service" else None)


# ---------------------------------------------------------------- PutKeyPolicy


class PutKeyPolicyRequest(NamedTuple):
    key_id: str
    policy: str
    policy_name: str | None = None
    bypass_policy_lockout_safety_check: bool | None = None


@operation(PutKeyPolicyRequest, access=Access.WRITES)
def put_key_policy(repo: Repository, env: Env, req: PutKeyPolicyRequest) -> None:
    """Replace the key policy; the text is validated as CreateKey does and stored verbatim.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html
    """
    name = req.policy_name or "default"
    if name == "AWS_RAM":
        raise ValidationException("The AWS_RAM policy can only be managed by the RAM service.")
    if name != "default":
        raise ValidationException("PolicyName must be default")
    key = resolve_key(repo, env, req.key_id, allow_alias=False)
    check_policy(
        req.policy,
        caller_arn=env.caller_arn,
        key_arn=key.arn,
        bypass_lockout_check=bool(req.bypass_policy_lockout_safety_check),
    )
    repo.put_key(key._replace(policy=req.policy))


# ---------------------------------------------------------------- ListKeyPolicies


class ListKeyPoliciesRequest(NamedTuple):
    key_id: str
    limit: int | None = None
    marker: str | None = None


class ListKeyPoliciesResult(NamedTuple):
    policy_names: tuple[str, ...]
    truncated: bool
    next_marker: str | None = None


@operation(ListKeyPoliciesRequest, access=Access.MAY_WRITE)
def list_key_policies(repo: Repository, env: Env, req: ListKeyPoliciesRequest) -> ListKeyPoliciesResult:
    """Always the one policy name `default` (AWS_RAM appears only for keys shared through RAM).

    https://docs.aws.amazon.com/kms/latest/APIReference/API_ListKeyPolicies.html
    """
    from .paging import decode_marker

    resolve_key(repo, env, req.key_id, allow_alias=False)
    if decode_marker("policies", req.marker) is not None:
        return ListKeyPoliciesResult((), False)
    return ListKeyPoliciesResult(("default",), False)
