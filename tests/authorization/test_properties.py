"""The evaluator's algebra: adding a Deny never widens, adding an Allow never narrows, order is irrelevant."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmscli.core.authorization import ALLOWED, Request, caller_for, decide
from kmscli.core.policy_document import parse_policy

A = "111122223333"
B = "444455556666"
KEY = f"arn:aws:kms:us-east-1:{A}:key/k1"
CALLERS = [
    f"arn:aws:iam::{A}:root",
    f"arn:aws:iam::{A}:role/App",
    f"arn:aws:iam::{A}:user/alice",
    f"arn:aws:iam::{B}:role/P",
]
ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:CreateGrant", "kms:PutKeyPolicy"]

principals = st.sampled_from(
    ["*", {"AWS": f"arn:aws:iam::{A}:root"}, {"AWS": A}, {"AWS": CALLERS[1]}, {"AWS": CALLERS[2]}, {"AWS": B}]
)
actions = st.sampled_from(
    ["kms:*", "kms:Encrypt", "kms:Decrypt", "kms:*crypt", "kms:Create*", ["kms:Encrypt", "kms:PutKeyPolicy"]]
)
conditions = st.sampled_from(
    [
        None,
        {"StringEquals": {"kms:EncryptionContext:app": "x"}},
        {"StringNotEquals": {"kms:CallerAccount": B}},
        {"Null": {"kms:ViaService": "true"}},
        {"ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["app"]}},
    ]
)
contexts = st.sampled_from([{}, {"kms:encryptioncontext:app": ("x",), "kms:encryptioncontextkeys": ("app",)}])


@st.composite
def statements(draw: Any, *, resource_policy: bool, effect: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"Effect": effect or draw(st.sampled_from(["Allow", "Deny"])), "Action": draw(actions)}
    if resource_policy:
        out["Principal"] = draw(principals)
        out["Resource"] = "*"
    else:
        out["Resource"] = draw(st.sampled_from(["*", KEY, f"arn:aws:kms:*:{A}:key/*", f"arn:aws:kms:*:{B}:key/*"]))
    condition = draw(conditions)
    if condition:
        out["Condition"] = condition
    return out


def text(sts: list[dict[str, Any]]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": sts})


class World:
    def __init__(self, key_sts: list[dict[str, Any]], id_sts: list[dict[str, Any]]) -> None:
        self.key_sts, self.id_sts = key_sts, id_sts

    def allowed(self, caller_arn: str, action: str, context: dict[str, tuple[str, ...]]) -> bool:
        identity = parse_policy(text(self.id_sts), "id", "identity") if self.id_sts else None
        caller = caller_for(caller_arn, policies=[identity] if identity else [])
        request = Request(caller, action, KEY, A, context)
        return decide(request, parse_policy(text(self.key_sts), KEY, "resource")).decision == ALLOWED


worlds = st.builds(
    World,
    st.lists(statements(resource_policy=True), min_size=1, max_size=5),
    st.lists(statements(resource_policy=False), max_size=4),
)
requests = st.tuples(st.sampled_from(CALLERS), st.sampled_from(ACTIONS), contexts)
PROPERTY = settings(max_examples=300, derandomize=True, suppress_health_check=[HealthCheck.too_slow], deadline=None)


@PROPERTY
@given(worlds, requests, st.data())
def test_adding_a_deny_never_widens(world: World, request: tuple[Any, ...], data: st.DataObject) -> None:
    before = world.allowed(*request)
    if data.draw(st.booleans()):
        world.key_sts = [*world.key_sts, data.draw(statements(resource_policy=True, effect="Deny"))]
    else:
        world.id_sts = [*world.id_sts, data.draw(statements(resource_policy=False, effect="Deny"))]
    assert world.allowed(*request) <= before


@PROPERTY
@given(worlds, requests, st.data())
def test_adding_an_allow_never_narrows(world: World, request: tuple[Any, ...], data: st.DataObject) -> None:
    before = world.allowed(*request)
    if data.draw(st.booleans()):
        world.key_sts = [*world.key_sts, data.draw(statements(resource_policy=True, effect="Allow"))]
    else:
        world.id_sts = [*world.id_sts, data.draw(statements(resource_policy=False, effect="Allow"))]
    assert world.allowed(*request) >= before


@PROPERTY
@given(worlds, requests, st.randoms(use_true_random=False))
def test_statement_order_is_irrelevant(world: World, request: tuple[Any, ...], rnd: Any) -> None:
    before = world.allowed(*request)
    rnd.shuffle(world.key_sts)
    rnd.shuffle(world.id_sts)
    assert world.allowed(*request) == before
