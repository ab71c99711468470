"""Policy documents in the IAM JSON policy grammar: parsed into statements that remember where they are.

Two readings of one grammar. `check_document` is strict, for the policies users write in the
identities file: every problem is reported with a JSON pointer to the place. `parse_policy` is
tolerant, for key policies already stored: KMS validated them when they were put, with its own
(laxer) rules, and a statement that lacks an element simply matches nothing, so that reading an
old policy never widens access.

Each statement keeps its position in the policy text (line and column, both from 1), which is
what `simulate-principal-policy` reports in `MatchedStatements`.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterator
from typing import Any

# The Condition element's grammar lives with its operators; the rest of a document's, here.
from .policy_conditions import Condition, PolicyGrammarError, check_condition_block, parse_condition_block
from .tuples import NamedTuple

VERSIONS = ("2012-10-17", "2008-10-17")
STATEMENT_MEMBERS = (
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
)
PRINCIPAL_KINDS = ("AWS", "Service", "Federated", "CanonicalUser")


class Position(NamedTuple):
    line: int
    column: int


class Statement(NamedTuple):
    index: int
    sid: str | None
    effect: str
    # None when the element is absent; "*" or {kind: (values...)} otherwise.
    principal: Any
    not_principal: Any
    action: tuple[str, ...] | None
    not_action: tuple[str, ...] | None
    resource: tuple[str, ...] | None
    not_resource: tuple[str, ...] | None
    conditions: tuple[Condition, ...]
    start: Position
    end: Position


class Policy(NamedTuple):
    """One policy in play: a key policy ("resource") or an identity-based policy ("identity")."""

    policy_id: str
    kind: str
    version: str
    statements: tuple[Statement, ...]
    text: str


# ---------------------------------------------------------------- strict checking


def check_document(doc: Any, pointer: str, *, kind: str) -> None:
    """Raise PolicyGrammarError for the first place where `doc` breaks the grammar.

    `pointer` is where the document itself sits (a JSON pointer into the file that holds it).
    Identity-based policies ("identity") may not name a principal; resource policies must.
    """
    if not isinstance(doc, dict):
        raise PolicyGrammarError(pointer, "a policy document must be a JSON object")
    for member in doc:
        if member not in ("Version", "Id", "Statement"):
            raise PolicyGrammarError(f"{pointer}/{_escape(member)}", f"unknown policy element {member!r}")
    if "Version" in doc and doc["Version"] not in VERSIONS:
        raise PolicyGrammarError(f"{pointer}/Version", f"Version must be one of {', '.join(VERSIONS)}")
    if "Id" in doc and not isinstance(doc["Id"], str):
        raise PolicyGrammarError(f"{pointer}/Id", "Id must be a string")
    if "Statement" not in doc:
        raise PolicyGrammarError(pointer, "a policy document needs a Statement")
    statements = doc["Statement"]
    if isinstance(statements, dict):
        items: list[tuple[str, Any]] = [(f"{pointer}/Statement", statements)]
    elif isinstance(statements, list):
        items = [(f"{pointer}/Statement/{i}", st) for i, st in enumerate(statements)]
    else:
        raise PolicyGrammarError(f"{pointer}/Statement", "Statement must be an object or a list of objects")
    for where, st in items:
        _check_statement(st, where, kind)
        if "Condition" in st:
            check_condition_block(st["Condition"], f"{where}/Condition")


def _check_statement(st: Any, where: str, kind: str) -> None:
    if not isinstance(st, dict):
        raise PolicyGrammarError(where, "a statement must be a JSON object")
    for member in st:
        if member not in STATEMENT_MEMBERS:
            raise PolicyGrammarError(f"{where}/{_escape(member)}", f"unknown statement element {member!r}")
    if "Sid" in st and not isinstance(st["Sid"], str):
        raise PolicyGrammarError(f"{where}/Sid", "Sid must be a string")
    if st.get("Effect") not in ("Allow", "Deny"):
        raise PolicyGrammarError(f"{where}/Effect", "Effect must be Allow or Deny")
    principals = [m for m in ("Principal", "NotPrincipal") if m in st]
    if kind == "identity" and principals:
        raise PolicyGrammarError(
            f"{where}/{principals[0]}", f"an identity-based policy cannot have a {principals[0]} element"
        )
    if kind == "resource":
        if len(principals) != 1:
            raise PolicyGrammarError(where, "a statement needs exactly one of Principal and NotPrincipal")
        _check_principal(st[principals[0]], f"{where}/{principals[0]}")
    for pair in (("Action", "NotAction"), ("Resource", "NotResource")):
        present = [m for m in pair if m in st]
        if len(present) != 1:
            raise PolicyGrammarError(where, f"a statement needs exactly one of {pair[0]} and {pair[1]}")
        member = present[0]
        values = _string_list(st[member], f"{where}/{member}")
        if pair[0] == "Action":
            for i, action in enumerate(values):
                if action != "*" and (action.count(":") != 1 or not all(action.split(":"))):
                    raise PolicyGrammarError(
                        _item(where, member, st[member], i), f"{action!r} is not an action (service:Action)"
                    )


def _check_principal(value: Any, where: str) -> None:
    if value == "*":
        return
    if not isinstance(value, dict) or not value:
        raise PolicyGrammarError(where, 'a principal is "*" or an object such as {"AWS": "..."}')
    for kind, names in value.items():
        if kind not in PRINCIPAL_KINDS:
            raise PolicyGrammarError(f"{where}/{_escape(kind)}", f"unknown principal type {kind!r}")
        _string_list(names, f"{where}/{_escape(kind)}")


def _string_list(value: Any, where: str) -> list[str]:
    items = value if isinstance(value, list) else [value]
    if not items:
        raise PolicyGrammarError(where, "must not be empty")
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item:
            raise PolicyGrammarError(f"{where}/{i}" if isinstance(value, list) else where, "must be a non-empty string")
    return items


def _item(where: str, member: str, value: Any, i: int) -> str:
    return f"{where}/{member}/{i}" if isinstance(value, list) else f"{where}/{member}"


def _escape(name: str) -> str:
    """One JSON pointer reference token (RFC 6901)."""
    return name.replace("~", "~0").replace("/", "~1")


# ---------------------------------------------------------------- parsing with positions


def parse_policy(text: str, policy_id: str, kind: str) -> Policy:
    """The statements of a policy text; a text that is not a JSON object gives a policy of none."""
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        doc = None
    if not isinstance(doc, dict):
        return Policy(policy_id, kind, "2008-10-17", (), text)
    version = doc.get("Version") if doc.get("Version") in VERSIONS else "2008-10-17"
    raw = doc.get("Statement")
    spans = list(_statement_spans(text))
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        return Policy(policy_id, kind, version, (), text)
    if len(spans) != len(raw):
        # Duplicate "Statement" members: json keeps the last; positions fall back to the start.
        spans = [(0, len(text))] * len(raw)
    lines = _line_starts(text)
    statements = tuple(
        _statement(i, st, _position(lines, start), _position(lines, end - 1), kind)
        for i, (st, (start, end)) in enumerate(zip(raw, spans, strict=True))
        if isinstance(st, dict)
    )
    return Policy(policy_id, kind, str(version), statements, text)


def _statement(index: int, st: dict[str, Any], start: Position, end: Position, kind: str) -> Statement:
    effect = st.get("Effect") if st.get("Effect") in ("Allow", "Deny") else "Allow"
    # A statement without its action or (in an identity policy) resource matches nothing.
    resource = _strings(st.get("Resource"))
    if resource is None and "NotResource" not in st and kind == "resource":
        resource = ("*",)
    sid = st.get("Sid")
    return Statement(
        index=index,
        sid=sid if isinstance(sid, str) else None,
        effect=str(effect),
        principal=_principal(st["Principal"]) if "Principal" in st else None,
        not_principal=_principal(st["NotPrincipal"]) if "NotPrincipal" in st else None,
        action=_strings(st.get("Action")) or (None if "NotAction" in st else ()),
        not_action=_strings(st.get("NotAction")),
        resource=resource if resource is not None or "NotResource" in st else (),
        not_resource=_strings(st.get("NotResource")),
        conditions=parse_condition_block(st.get("Condition")),
        start=start,
        end=end,
    )


def _strings(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    return tuple(v for v in items if isinstance(v, str))


def _principal(value: Any) -> Any:
    if value == "*":
        return "*"
    if not isinstance(value, dict):
        return {}
    return {kind: _strings(names) or () for kind, names in value.items()}


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\r\n":
        i += 1
    return i


def _statement_spans(text: str) -> Iterator[tuple[int, int]]:
    """Offsets (start, end) of each statement object of the top-level "Statement" member."""
    decoder = json.JSONDecoder()
    i = _skip_space(text, 0)
    if text[i : i + 1] != "{":
        return
    i = _skip_space(text, i + 1)
    found: list[tuple[int, int]] = []
    while i < len(text) and text[i] != "}":
        name, i = decoder.raw_decode(text, i)
        i = _skip_space(text, _skip_space(text, i) + 1)  # past ':'
        if name == "Statement" and text[i] == "[":
            found = []
            i = _skip_space(text, i + 1)
            while text[i] != "]":
                start = i
                _, i = decoder.raw_decode(text, i)
                found.append((start, i))
                i = _skip_space(text, i)
                if text[i] == ",":
                    i = _skip_space(text, i + 1)
            i += 1
        elif name == "Statement":
            start = i
            _, i = decoder.raw_decode(text, i)
            found = [(start, i)]
        else:
            _, i = decoder.raw_decode(text, i)
        i = _skip_space(text, i)
        if text[i : i + 1] == ",":
            i = _skip_space(text, i + 1)
    yield from found


def _line_starts(text: str) -> list[int]:
    starts = [0]
    i = text.find("\n")
    while i >= 0:
        starts.append(i + 1)
        i = text.find("\n", i + 1)
    return starts


def _position(line_starts: list[int], offset: int) -> Position:
    line = bisect.bisect_right(line_starts, offset)
    return Position(line, offset - line_starts[line - 1] + 1)
