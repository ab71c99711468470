"""Policy grammar: strict checking with JSON pointers, tolerant parsing with statement positions."""

from __future__ import annotations

from typing import Any

import pytest

from kmscli.core.policy import default_key_policy
from kmscli.core.policy_document import PolicyGrammarError, Position, check_document, parse_policy

GOOD_IDENTITY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Use", "Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": "*"},
        {
            "Effect": "Deny",
            "NotAction": "kms:Describe*",
            "NotResource": "arn:aws:kms:*:111122223333:key/*",
            "Condition": {
                "ForAnyValue:StringLike": {"kms:ResourceAliases": ["alias/x-*"]},
                "Null": {"aws:TagKeys": True},
            },
        },
    ],
}


def test_valid_documents_pass() -> None:
    check_document(GOOD_IDENTITY, "/P", kind="identity")
    check_document({"Version": "2012-10-17", "Statement": []}, "/P", kind="identity")
    check_document(
        {"Statement": {"Effect": "Allow", "Principal": {"AWS": ["111122223333"]}, "Action": "kms:*", "Resource": "*"}},
        "/P",
        kind="resource",
    )


def broken(path: str, value: Any) -> dict[str, Any]:
    """GOOD_IDENTITY with the member at `path` (slash-separated) set to `value` (None deletes it)."""
    import copy

    doc = copy.deepcopy(GOOD_IDENTITY)
    *parents, last = path.split("/")
    target: Any = doc
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    if value is None:
        del target[last]
    elif isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return doc


@pytest.mark.parametrize(
    ("doc", "pointer", "message"),
    [
        (["not", "an", "object"], "/P", "a policy document must be a JSON object"),
        (broken("Version", "2020-01-01"), "/P/Version", "Version must be one of 2012-10-17, 2008-10-17"),
        (broken("Statement", None), "/P", "a policy document needs a Statement"),
        (broken("Extra", 1), "/P/Extra", "unknown policy element 'Extra'"),
        (broken("Statement/0/Effect", "Permit"), "/P/Statement/0/Effect", "Effect must be Allow or Deny"),
        (
            broken("Statement/0/Principal", "*"),
            "/P/Statement/0/Principal",
            "an identity-based policy cannot have a Principal element",
        ),
        (broken("Statement/0/Action", None), "/P/Statement/0", "a statement needs exactly one of Action and NotAction"),
        (
            broken("Statement/0/NotAction", "kms:X"),
            "/P/Statement/0",
            "a statement needs exactly one of Action and NotAction",
        ),
        (broken("Statement/0/Resource", []), "/P/Statement/0/Resource", "must not be empty"),
        (
            broken("Statement/0/Action", ["kms:Encrypt", "Decrypt"]),
            "/P/Statement/0/Action/1",
            "'Decrypt' is not an action (service:Action)",
        ),
        (broken("Statement/0/Acton", "kms:X"), "/P/Statement/0/Acton", "unknown statement element 'Acton'"),
        (
            broken("Statement/1/Condition", {"StringEqual": {"a:b": "c"}}),
            "/P/Statement/1/Condition/StringEqual",
            "unknown condition operator 'StringEqual'",
        ),
        (
            broken("Statement/1/Condition", {"Null": {"a:b": "maybe"}}),
            "/P/Statement/1/Condition/Null/a:b",
            "Null takes true or false, not 'maybe'",
        ),
        (
            broken("Statement/1/Condition", {"NumericLessThan": {"kms:X": ["1", "ten"]}}),
            "/P/Statement/1/Condition/NumericLessThan/kms:X/1",
            "NumericLessThan takes a number, not 'ten'",
        ),
        (
            broken("Statement/1/Condition", {"DateLessThan": {"aws:CurrentTime": "soon"}}),
            "/P/Statement/1/Condition/DateLessThan/aws:CurrentTime",
            "DateLessThan takes an ISO 8601 date or epoch seconds, not 'soon'",
        ),
        (
            broken("Statement/1/Condition", {"IpAddress": {"aws:SourceIp": "10.0.0.300"}}),
            "/P/Statement/1/Condition/IpAddress/aws:SourceIp",
            "IpAddress takes an IP address or CIDR block, not '10.0.0.300'",
        ),
        (
            broken("Statement/1/Condition", {"StringEquals": {"aws:PrincipalTag/a~b": {"x": 1}}}),
            "/P/Statement/1/Condition/StringEquals/aws:PrincipalTag~1a~0b",
            "a condition value is a string, a number or a boolean",
        ),
        (
            broken("Statement/1/Condition", {"StringEquals": {"nocolon": "x"}}),
            "/P/Statement/1/Condition/StringEquals/nocolon",
            "'nocolon' is not a condition key (prefix:name)",
        ),
        (
            broken("Statement/1/Condition", {"StringEquals": {}}),
            "/P/Statement/1/Condition/StringEquals",
            "an operator takes an object of condition keys and their values",
        ),
    ],
)
def test_grammar_errors_name_the_place(doc: Any, pointer: str, message: str) -> None:
    with pytest.raises(PolicyGrammarError) as e:
        check_document(doc, "/P", kind="identity")
    assert (e.value.pointer, e.value.message) == (pointer, message)


def test_resource_policies_need_a_principal() -> None:
    st = {"Effect": "Allow", "Action": "kms:*", "Resource": "*"}
    with pytest.raises(PolicyGrammarError, match="exactly one of Principal and NotPrincipal"):
        check_document({"Statement": [st]}, "", kind="resource")
    with pytest.raises(PolicyGrammarError, match="unknown principal type 'Everyone'"):
        check_document({"Statement": [{**st, "Principal": {"Everyone": "*"}}]}, "", kind="resource")


def test_statement_positions_in_the_default_policy() -> None:
    policy = parse_policy(default_key_policy("aws", "111122223333"), "k", "resource")
    (st,) = policy.statements
    # `  "Statement" : [ {` : the statement opens on line 4, column 19, and closes at `  } ]`.
    assert (st.start, st.end) == (Position(4, 19), Position(12, 3))
    assert (st.sid, st.effect, st.action, st.resource) == ("Enable IAM policies", "Allow", ("kms:*",), ("*",))


def test_statement_positions_in_a_compact_list() -> None:
    text = (
        '{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*"},\n'
        '  {"Effect":"Deny","Principal":"*","Action":"kms:Decrypt"}]}'
    )
    first, second = parse_policy(text, "k", "resource").statements
    assert (first.start, first.end, second.start, second.end) == (
        Position(1, 15),
        Position(1, 65),
        Position(2, 3),
        Position(2, 58),
    )
    # A key policy statement without Resource covers the key; the grammar version defaults to 2008-10-17.
    assert (first.resource, parse_policy(text, "k", "resource").version) == (("*",), "2008-10-17")


@pytest.mark.parametrize("text", ["", "not json", "[]", '{"Statement": 3}'])
def test_unreadable_policies_have_no_statements(text: str) -> None:
    assert parse_policy(text, "k", "resource").statements == ()


def test_a_statement_missing_its_action_matches_nothing() -> None:
    (st,) = parse_policy('{"Statement": {"Effect": "Deny", "Principal": "*"}}', "k", "resource").statements
    assert (st.action, st.not_action) == ((), None)
