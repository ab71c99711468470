"""The authorization decision against the Developer Guide's documented policy examples.

Each case is one documented situation (default key policy, key administrators and key users,
persistent-resource grants, another account, ABAC, condition keys, grants) with the decision
the documentation gives for it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from kmscli.core.authorization import (
    ALLOWED,
    EXPLICIT_DENY,
    IDENTITY_BASED,
    IMPLICIT_DENY,
    RESOURCE_BASED,
    Request,
    caller_for,
    decide,
    denial_message,
)
from kmscli.core.console import ADMINISTRATOR_ACTIONS, DELETION_ACTIONS, SYMMETRIC_ENCRYPTION, USER_ACTIONS
from kmscli.core.policy import default_key_policy
from kmscli.core.policy_document import parse_policy
from kmscli.core.records import Grant, GrantConstraints

A = "111122223333"
B = "444455556666"
KEY = f"arn:aws:kms:us-east-1:{A}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROOT = f"arn:aws:iam::{A}:root"
APP = f"arn:aws:iam::{A}:role/App"
ADMIN = f"arn:aws:iam::{A}:role/KeyAdmin"
ALICE = f"arn:aws:iam::{A}:user/alice"
B_ROLE = f"arn:aws:iam::{B}:role/Partner"
B_ROOT = f"arn:aws:iam::{B}:root"

# The console's key administrators and key users statements, as the Developer Guide lists them.
KEY_USER_ACTIONS = list(USER_ACTIONS[SYMMETRIC_ENCRYPTION])
KEY_ADMIN_ACTIONS = [*ADMINISTRATOR_ACTIONS, *DELETION_ACTIONS]


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=2)


def allow(principal: Any, actions: Any, condition: dict[str, Any] | None = None, sid: str | None = None) -> dict:
    st: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": actions, "Resource": "*"}
    if condition:
        st["Condition"] = condition
    if sid:
        st["Sid"] = sid
    return st


def iam(effect: str, actions: Any, resource: Any = "*", condition: dict[str, Any] | None = None) -> dict:
    st: dict[str, Any] = {"Effect": effect, "Action": actions, "Resource": resource}
    if condition:
        st["Condition"] = condition
    return st


DEFAULT = default_key_policy("aws", A)
# The console's key policy with key administrators and key users, and no IAM delegation.
ADMINS_AND_USERS = doc(
    allow({"AWS": ADMIN}, KEY_ADMIN_ACTIONS, sid="Allow access for Key Administrators"),
    allow({"AWS": APP}, KEY_USER_ACTIONS, sid="Allow use of the key"),
    allow(
        {"AWS": APP},
        ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
        {"Bool": {"kms:GrantIsForAWSResource": "true"}},
        sid="Allow attachment of persistent resources",
    ),
)
# Account A lets account B use the key (both sides must allow).
SHARED_WITH_B = doc(
    allow({"AWS": ROOT}, "kms:*", sid="Enable IAM policies"),
    allow({"AWS": B_ROOT}, KEY_USER_ACTIONS, sid="Allow an external account to use this key"),
)
NAMES_B_ROLE = doc(allow({"AWS": ROOT}, "kms:*"), allow({"AWS": B_ROLE}, KEY_USER_ACTIONS))
ENCRYPT_THIS_KEY = doc(iam("Allow", ["kms:Encrypt", "kms:Decrypt"], KEY))
# ABAC: an IAM policy on the key's tag, and one on the key's aliases.
PROJECT_ALPHA = doc(
    iam("Allow", "kms:Decrypt", f"arn:aws:kms:*:{A}:key/*", {"StringEquals": {"aws:ResourceTag/Project": "Alpha"}})
)
FINANCE_ALIAS = doc(
    iam("Allow", "kms:Encrypt", "*", {"ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/finance-key"}})
)
# Condition keys on the encryption context: one value, and only these keys.
EXAMPLE_APP = doc(allow({"AWS": APP}, "kms:Decrypt", {"StringEquals": {"kms:EncryptionContext:AppName": "ExampleApp"}}))
ONLY_THESE_KEYS = doc(
    allow(
        {"AWS": APP},
        "kms:Encrypt",
        {"ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["AppName", "FilePath"]}},
    )
)
AWS_MANAGED = doc(
    allow(
        {"AWS": "*"},
        ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey"],
        {"StringEquals": {"kms:CallerAccount": A, "kms:ViaService": "ec2.us-east-1.amazonaws.com"}},
    ),
    allow({"AWS": ROOT}, ["kms:Describe*", "kms:Get*", "kms:List*", "kms:RevokeGrant"]),
)


def ctx(**values: Any) -> dict[str, tuple[str, ...]]:
    """Condition keys: `kms__ViaService="x"` -> {"kms:viaservice": ("x",)}."""
    out = {}
    for name, value in values.items():
        key = name.replace("__", ":").replace("_SLASH_", "/").lower()
        out[key] = tuple(value) if isinstance(value, list | tuple) else (value,)
    return out


CASES = [
    # -- the default key policy: the account root, and IAM policies through the delegation
    ("default policy, root encrypts", DEFAULT, ROOT, [], "kms:Encrypt", {}, ALLOWED, None),
    ("default policy, root schedules deletion", DEFAULT, ROOT, [], "kms:ScheduleKeyDeletion", {}, ALLOWED, None),
    ("default policy, role with IAM policy", DEFAULT, APP, [ENCRYPT_THIS_KEY], "kms:Encrypt", {}, ALLOWED, None),
    ("default policy, role without IAM policy", DEFAULT, APP, [], "kms:Encrypt", {}, IMPLICIT_DENY, IDENTITY_BASED),
    (
        "default policy, IAM policy for another action",
        DEFAULT,
        APP,
        [ENCRYPT_THIS_KEY],
        "kms:ScheduleKeyDeletion",
        {},
        IMPLICIT_DENY,
        IDENTITY_BASED,
    ),
    (
        "default policy, IAM policy for another key",
        DEFAULT,
        APP,
        [doc(iam("Allow", "kms:*", KEY.replace("1234abcd", "0987dcba")))],
        "kms:Encrypt",
        {},
        IMPLICIT_DENY,
        IDENTITY_BASED,
    ),
    (
        "default policy, IAM wildcard on the account's keys",
        DEFAULT,
        ALICE,
        [doc(iam("Allow", "kms:Generate*", f"arn:aws:kms:*:{A}:key/*"))],
        "kms:GenerateDataKey",
        {},
        ALLOWED,
        None,
    ),
    # -- key administrators and key users, without the IAM delegation
    ("key user encrypts without IAM", ADMINS_AND_USERS, APP, [], "kms:Encrypt", {}, ALLOWED, None),
    ("key user re-encrypts (ReEncrypt*)", ADMINS_AND_USERS, APP, [], "kms:ReEncryptFrom", {}, ALLOWED, None),
    (
        "key user may not schedule deletion",
        ADMINS_AND_USERS,
        APP,
        [],
        "kms:ScheduleKeyDeletion",
        {},
        IMPLICIT_DENY,
        RESOURCE_BASED,
    ),
    ("key administrator puts a policy", ADMINS_AND_USERS, ADMIN, [], "kms:PutKeyPolicy", {}, ALLOWED, None),
    (
        "key administrator may not decrypt",
        ADMINS_AND_USERS,
        ADMIN,
        [],
        "kms:Decrypt",
        {},
        IMPLICIT_DENY,
        RESOURCE_BASED,
    ),
    (
        "IAM policies do not count without the delegation",
        ADMINS_AND_USERS,
        ALICE,
        [doc(iam("Allow", "kms:*"))],
        "kms:Decrypt",
        {},
        IMPLICIT_DENY,
        RESOURCE_BASED,
    ),
    (
        "nor does the root user without it",
        ADMINS_AND_USERS,
        ROOT,
        [],
        "kms:Decrypt",
        {},
        IMPLICIT_DENY,
        RESOURCE_BASED,
    ),
    (
        "persistent resources: grant for an AWS resource",
        ADMINS_AND_USERS,
        APP,
        [],
        "kms:CreateGrant",
        ctx(kms__GrantIsForAWSResource="true"),
        ALLOWED,
        None,
    ),
    (
        "persistent resources: grant not for an AWS resource",
        ADMINS_AND_USERS,
        APP,
        [],
        "kms:CreateGrant",
        {},
        IMPLICIT_DENY,
        RESOURCE_BASED,
    ),
    # -- another account: both sides must allow
    ("account B role with IAM policy", SHARED_WITH_B, B_ROLE, [ENCRYPT_THIS_KEY], "kms:Encrypt", {}, ALLOWED, None),
    ("account B role without IAM policy", SHARED_WITH_B, B_ROLE, [], "kms:Encrypt", {}, IMPLICIT_DENY, IDENTITY_BASED),
    ("account B root", SHARED_WITH_B, B_ROOT, [], "kms:Decrypt", {}, ALLOWED, None),
    (
        "account B may not do what the key policy does not give it",
        SHARED_WITH_B,
        B_ROLE,
        [doc(iam("Allow", "kms:*"))],
        "kms:ScheduleKeyDeletion",
        {},
        IMPLICIT_DENY,
        RESOURCE_BASED,
    ),
    (
        "key policy of A does not name B",
        DEFAULT,
        B_ROLE,
        [ENCRYPT_THIS_KEY],
        "kms:Encrypt",
        {},
        IMPLICIT_DENY,
        RESOURCE_BASED,
    ),
    (
        "naming the B role directly still needs B's IAM policy",
        NAMES_B_ROLE,
        B_ROLE,
        [],
        "kms:Decrypt",
        {},
        IMPLICIT_DENY,
        IDENTITY_BASED,
    ),
    (
        "naming the B role, with B's IAM policy",
        NAMES_B_ROLE,
        B_ROLE,
        [ENCRYPT_THIS_KEY],
        "kms:Decrypt",
        {},
        ALLOWED,
        None,
    ),
    # -- ABAC: tags and aliases
    (
        "IAM policy on the key's tag, tag matches",
        DEFAULT,
        APP,
        [PROJECT_ALPHA],
        "kms:Decrypt",
        ctx(aws__ResourceTag_SLASH_Project="Alpha"),
        ALLOWED,
        None,
    ),
    (
        "IAM policy on the key's tag, tag differs",
        DEFAULT,
        APP,
        [PROJECT_ALPHA],
        "kms:Decrypt",
        ctx(aws__ResourceTag_SLASH_Project="Beta"),
        IMPLICIT_DENY,
        IDENTITY_BASED,
    ),
    (
        "deny keys tagged for another team",
        DEFAULT,
        APP,
        [
            doc(
                iam("Allow", "kms:*", "*"),
                iam("Deny", "kms:*", "*", {"StringEquals": {"aws:ResourceTag/Team": "Finance"}}),
            )
        ],
        "kms:Encrypt",
        ctx(aws__ResourceTag_SLASH_Team="Finance"),
        EXPLICIT_DENY,
        IDENTITY_BASED,
    ),
    (
        "alias-based access: the key has the alias",
        DEFAULT,
        APP,
        [FINANCE_ALIAS],
        "kms:Encrypt",
        ctx(kms__ResourceAliases=["alias/other", "alias/finance-key"]),
        ALLOWED,
        None,
    ),
    (
        "alias-based access: the key lacks the alias",
        DEFAULT,
        APP,
        [FINANCE_ALIAS],
        "kms:Encrypt",
        ctx(kms__ResourceAliases=["alias/other"]),
        IMPLICIT_DENY,
        IDENTITY_BASED,
    ),
    (
        "the principal's tag must equal the key's tag (policy variable)",
        DEFAULT,
        APP,
        [doc(iam("Allow", "kms:Decrypt", "*", {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}))],
        "kms:Decrypt",
        ctx(aws__ResourceTag_SLASH_team="payments"),
        ALLOWED,
        None,
    ),
    # -- condition keys
    (
        "encryption context value required",
        EXAMPLE_APP,
        APP,
        [],
        "kms:Decrypt",
        ctx(kms__EncryptionContext__AppName="ExampleApp"),
        ALLOWED,
        None,
    ),
    (
        "encryption context value required, other value",
        EXAMPLE_APP,
        APP,
        [],
        "kms:Decrypt",
        ctx(kms__EncryptionContext__AppName="Other"),
        IMPLICIT_DENY,
        RESOURCE_BASED,
    ),
    (
        "an explicit deny on an encryption context value wins",
        doc(
            allow({"AWS": ROOT}, "kms:*"),
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "kms:Decrypt",
                "Resource": "*",
                "Condition": {"StringEquals": {"kms:EncryptionContext:stage": "prod"}},
            },
        ),
        ROOT,
        [],
        "kms:Decrypt",
        ctx(kms__EncryptionContext__stage="prod"),
        EXPLICIT_DENY,
        RESOURCE_BASED,
    ),
    (
        "only these context keys: extra key refused",
        ONLY_THESE_KEYS,
        APP,
        [],
        "kms:Encrypt",
        ctx(kms__EncryptionContextKeys=["AppName", "Extra"]),
        IMPLICIT_DENY,
        RESOURCE_BASED,
    ),
    (
        "only these context keys: no context at all passes ForAllValues",
        ONLY_THESE_KEYS,
        APP,
        [],
        "kms:Encrypt",
        {},
        ALLOWED,
        None,
    ),
    (
        "require a context: Null false",
        doc(allow({"AWS": APP}, "kms:Encrypt", {"Null": {"kms:EncryptionContextKeys": "false"}})),
        APP,
        [],
        "kms:Encrypt",
        {},
        IMPLICIT_DENY,
        RESOURCE_BASED,
    ),
    (
        "AWS managed key: root cannot encrypt directly",
        AWS_MANAGED,
        ROOT,
        [],
        "kms:Encrypt",
        {},
        IMPLICIT_DENY,
        RESOURCE_BASED,
    ),
    (
        "AWS managed key: through its service",
        AWS_MANAGED,
        ALICE,
        [],
        "kms:Encrypt",
        ctx(kms__ViaService="ec2.us-east-1.amazonaws.com"),
        ALLOWED,
        None,
    ),
    (
        "AWS managed key: through another service",
        AWS_MANAGED,
        ALICE,
        [],
        "kms:Encrypt",
        ctx(kms__ViaService="s3.us-east-1.amazonaws.com"),
        IMPLICIT_DENY,
        RESOURCE_BASED,
    ),
    ("AWS managed key: root describes it", AWS_MANAGED, ROOT, [], "kms:DescribeKey", {}, ALLOWED, None),
    (
        "pending window of at least 30 days",
        doc(
            allow(
                {"AWS": ADMIN},
                "kms:ScheduleKeyDeletion",
                {"NumericGreaterThanEquals": {"kms:ScheduleKeyDeletionPendingWindowInDays": "30"}},
            )
        ),
        ADMIN,
        [],
        "kms:ScheduleKeyDeletion",
        ctx(kms__ScheduleKeyDeletionPendingWindowInDays="7"),
        IMPLICIT_DENY,
        RESOURCE_BASED,
    ),
    (
        "bypassing the lockout check is denied",
        DEFAULT,
        ADMIN,
        [
            doc(
                iam("Allow", "kms:*"),
                iam("Deny", "kms:PutKeyPolicy", "*", {"Bool": {"kms:BypassPolicyLockoutSafetyCheck": True}}),
            )
        ],
        "kms:PutKeyPolicy",
        ctx(kms__BypassPolicyLockoutSafetyCheck="true"),
        EXPLICIT_DENY,
        IDENTITY_BASED,
    ),
    # -- IAM-only actions (no key policy in play)
    ("root creates a key", None, ROOT, [], "kms:CreateKey", {}, ALLOWED, None),
    (
        "a role without IAM policy cannot create a key",
        None,
        APP,
        [],
        "kms:CreateKey",
        {},
        IMPLICIT_DENY,
        IDENTITY_BASED,
    ),
    (
        "a role with IAM policy creates a key",
        None,
        APP,
        [doc(iam("Allow", "kms:CreateKey"))],
        "kms:CreateKey",
        {},
        ALLOWED,
        None,
    ),
    (
        "a tag-on-create restriction",
        None,
        APP,
        [doc(iam("Allow", "kms:CreateKey", "*", {"StringEquals": {"aws:RequestTag/Project": "Alpha"}}))],
        "kms:CreateKey",
        ctx(aws__RequestTag_SLASH_Project="Beta"),
        IMPLICIT_DENY,
        IDENTITY_BASED,
    ),
]


@pytest.mark.parametrize(
    ("key_policy", "caller_arn", "identity", "action", "context", "expected", "side"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_documented_example(
    key_policy: str | None,
    caller_arn: str,
    identity: list[str],
    action: str,
    context: dict[str, tuple[str, ...]],
    expected: str,
    side: str | None,
) -> None:
    policies = [parse_policy(text, f"policy{i}", "identity") for i, text in enumerate(identity)]
    tags = (("team", "payments"),) if caller_arn == APP else ()
    caller = caller_for(caller_arn, tags=tags, policies=policies)
    resource = KEY if key_policy is not None else "*"
    request = Request(caller, action, resource, A if key_policy is not None else None, context)
    kp = parse_policy(key_policy, KEY, "resource") if key_policy is not None else None
    decision = decide(request, kp)
    assert (decision.decision, decision.policy_type) == (expected, side)
    assert decision.allowed == (expected == ALLOWED)
    # Which statements decided; the root user needs none for an action on no key.
    assert bool(decision.matched) == (expected != IMPLICIT_DENY and not (kp is None and caller.is_root))


# ---------------------------------------------------------------- grants


def grant(grantee: str, operations: tuple[str, ...], constraints: GrantConstraints | None = None) -> Grant:
    return Grant("g1", "k", 0.0, A, operations, "ops", grantee, None, constraints)


@pytest.mark.parametrize(
    ("the_grant", "context", "action", "expected"),
    [
        pytest.param(grant(APP, ("Decrypt",)), {}, "kms:Decrypt", ALLOWED, id="grantee decrypts"),
        pytest.param(grant(APP, ("Decrypt",)), {}, "kms:Encrypt", IMPLICIT_DENY, id="operation not in the grant"),
        pytest.param(grant(ALICE, ("Decrypt",)), {}, "kms:Decrypt", IMPLICIT_DENY, id="another grantee"),
        pytest.param(
            grant(APP, ("Decrypt",), GrantConstraints(encryption_context_subset={"Dept": "IT"})),
            {"Dept": "IT", "Purpose": "Test"},
            "kms:Decrypt",
            ALLOWED,
            id="subset constraint met",
        ),
        pytest.param(
            grant(APP, ("Decrypt",), GrantConstraints(encryption_context_equals={"Dept": "IT"})),
            {"Dept": "IT", "Purpose": "Test"},
            "kms:Decrypt",
            IMPLICIT_DENY,
            id="equals constraint not met",
        ),
        pytest.param(
            grant(APP, ("Decrypt",), GrantConstraints(encryption_context_subset={"Dept": "IT"})),
            {"dept": "IT"},
            "kms:Decrypt",
            IMPLICIT_DENY,
            id="constraint keys are case-sensitive",
        ),
    ],
)
def test_grants_allow(the_grant: Grant, context: dict[str, str], action: str, expected: str) -> None:
    request = Request(caller_for(APP, session_name="s"), action, KEY, A, {}, context)
    no_one = parse_policy(doc(allow({"AWS": ADMIN}, "kms:*")), KEY, "resource")
    decision = decide(request, no_one, [the_grant])
    assert decision.decision == expected
    if expected == ALLOWED:
        assert [(m.policy_id, m.kind) for m in decision.matched] == [("grant/g1", "grant")]


def test_a_grant_may_name_a_principal_of_another_account() -> None:
    request = Request(caller_for(B_ROLE), "kms:Decrypt", KEY, A, {}, {})
    decision = decide(request, parse_policy(DEFAULT, KEY, "resource"), [grant(B_ROLE, ("Decrypt",))])
    assert decision.decision == ALLOWED


def test_an_explicit_deny_beats_a_grant() -> None:
    policy = doc(
        allow({"AWS": ROOT}, "kms:*"), {"Effect": "Deny", "Principal": {"AWS": APP}, "Action": "kms:*", "Resource": "*"}
    )
    request = Request(caller_for(APP), "kms:Decrypt", KEY, A, {}, {})
    decision = decide(request, parse_policy(policy, KEY, "resource"), [grant(APP, ("Decrypt",))])
    assert (decision.decision, decision.policy_type) == (EXPLICIT_DENY, RESOURCE_BASED)


# ---------------------------------------------------------------- principals


@pytest.mark.parametrize(
    ("arn", "session", "reported", "principal_arn", "kind"),
    [
        (ROOT, None, ROOT, ROOT, "Account"),
        (ALICE, None, ALICE, ALICE, "User"),
        (APP, "app", f"arn:aws:sts::{A}:assumed-role/App/app", APP, "AssumedRole"),
        (
            f"arn:aws:iam::{A}:role/team/App",
            None,
            f"arn:aws:sts::{A}:assumed-role/App/kmscli",
            f"arn:aws:iam::{A}:role/team/App",
            "AssumedRole",
        ),
        (f"arn:aws:sts::{A}:assumed-role/App/s1", None, f"arn:aws:sts::{A}:assumed-role/App/s1", APP, "AssumedRole"),
    ],
)
def test_callers(arn: str, session: str | None, reported: str, principal_arn: str, kind: str) -> None:
    caller = caller_for(arn, session_name=session)
    assert (caller.arn, caller.account, caller.principal_arn, caller.principal_type) == (
        reported,
        A,
        principal_arn,
        kind,
    )


@pytest.mark.parametrize(
    "arn",
    ["", "arn:aws:iam::1234:root", f"arn:aws:iam::{A}:group/devs", "arn:aws:s3:::bucket", f"arn:aws:iam::{A}:user/"],
)
def test_callers_refused(arn: str) -> None:
    with pytest.raises(ValueError, match="is not the ARN of an IAM user"):
        caller_for(arn)


def test_a_key_policy_naming_a_role_covers_its_sessions() -> None:
    policy = parse_policy(doc(allow({"AWS": APP}, "kms:Encrypt")), KEY, "resource")
    session = caller_for(f"arn:aws:sts::{A}:assumed-role/App/anything")
    assert decide(Request(session, "kms:Encrypt", KEY, A), policy).allowed


def test_not_principal_deny_spares_only_the_named() -> None:
    policy = parse_policy(
        doc(
            allow("*", "kms:*"),
            {"Effect": "Deny", "NotPrincipal": {"AWS": [ALICE]}, "Action": "kms:Decrypt", "Resource": "*"},
        ),
        KEY,
        "resource",
    )
    assert decide(Request(caller_for(ALICE), "kms:Decrypt", KEY, A), policy).allowed
    assert decide(Request(caller_for(APP), "kms:Decrypt", KEY, A), policy).decision == EXPLICIT_DENY
    assert decide(Request(caller_for(APP), "kms:Encrypt", KEY, A), policy).allowed


def test_not_action_and_not_resource() -> None:
    identity = parse_policy(
        doc({"Effect": "Allow", "NotAction": "kms:Decrypt", "NotResource": f"arn:aws:kms:*:{A}:key/secret-*"}),
        "p",
        "identity",
    )
    caller = caller_for(APP, policies=[identity])
    key_policy = parse_policy(DEFAULT, KEY, "resource")
    assert decide(Request(caller, "kms:Encrypt", KEY, A), key_policy).allowed
    assert not decide(Request(caller, "kms:Decrypt", KEY, A), key_policy).allowed
    secret = f"arn:aws:kms:us-east-1:{A}:key/secret-1"
    assert not decide(Request(caller, "kms:Encrypt", secret, A), key_policy).allowed


def test_actions_are_case_insensitive_resources_are_not() -> None:
    identity = parse_policy(doc(iam("Allow", "KMS:encrypt", KEY.upper())), "p", "identity")
    caller = caller_for(APP, policies=[identity])
    key_policy = parse_policy(DEFAULT, KEY, "resource")
    assert not decide(Request(caller, "kms:Encrypt", KEY, A), key_policy).allowed
    identity = parse_policy(doc(iam("Allow", "KMS:encrypt", KEY)), "p", "identity")
    assert decide(Request(caller._replace(policies=(identity,)), "kms:Encrypt", KEY, A), key_policy).allowed


def test_policy_variables_in_resources() -> None:
    identity = parse_policy(
        doc(iam("Allow", "kms:CreateAlias", f"arn:aws:kms:*:{A}:alias/${{aws:username}}-*")), "p", "identity"
    )
    alice = caller_for(ALICE, policies=[identity])
    assert decide(Request(alice, "kms:CreateAlias", f"arn:aws:kms:us-east-1:{A}:alias/alice-app")).allowed
    assert not decide(Request(alice, "kms:CreateAlias", f"arn:aws:kms:us-east-1:{A}:alias/bob-app")).allowed
    # A role session has no aws:username: the statement matches nothing.
    role = caller_for(APP, policies=[identity])
    assert not decide(Request(role, "kms:CreateAlias", f"arn:aws:kms:us-east-1:{A}:alias/-app")).allowed


def test_policy_variables_are_literal_in_the_old_version() -> None:
    text = json.dumps(
        {
            "Version": "2008-10-17",
            "Statement": [iam("Allow", "kms:CreateAlias", f"arn:aws:kms:*:{A}:alias/${{aws:username}}")],
        }
    )
    alice = caller_for(ALICE, policies=[parse_policy(text, "p", "identity")])
    assert not decide(Request(alice, "kms:CreateAlias", f"arn:aws:kms:us-east-1:{A}:alias/alice")).allowed
    assert decide(Request(alice, "kms:CreateAlias", f"arn:aws:kms:us-east-1:{A}:alias/${{aws:username}}")).allowed


def test_missing_context_values_are_reported() -> None:
    policy = parse_policy(
        doc(
            allow(
                {"AWS": APP},
                "kms:Decrypt",
                {"StringEquals": {"kms:EncryptionContext:AppName": "x", "kms:CallerAccount": A}},
            )
        ),
        KEY,
        "resource",
    )
    decision = decide(Request(caller_for(APP), "kms:Decrypt", KEY, A), policy)
    assert decision.missing_context == ("kms:EncryptionContext:AppName",)


# ---------------------------------------------------------------- messages


def test_denial_messages() -> None:
    caller = caller_for(APP, session_name="app")
    request = Request(caller, "kms:Encrypt", KEY, A)
    session = f"arn:aws:sts::{A}:assumed-role/App/app"
    implicit = decide(request, parse_policy(DEFAULT, KEY, "resource"))
    assert denial_message(request, implicit) == (
        f"User: {session} is not authorized to perform: kms:Encrypt on resource: {KEY} "
        "because no identity-based policy allows the kms:Encrypt action"
    )
    deny = parse_policy(doc({"Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*"}), KEY, "resource")
    assert denial_message(request, decide(request, deny)) == (
        f"User: {session} is not authorized to perform: kms:Encrypt on resource: {KEY} "
        "with an explicit deny in a resource-based policy"
    )
    nobody = parse_policy(doc(allow({"AWS": ADMIN}, "kms:*")), KEY, "resource")
    assert denial_message(request, decide(request, nobody)) == (
        f"User: {session} is not authorized to perform: kms:Encrypt on resource: {KEY} "
        "because no resource-based policy allows the kms:Encrypt action"
    )
