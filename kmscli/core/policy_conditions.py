"""The Condition element: every IAM condition operator, the set qualifiers, IfExists, Null and policy variables.

A request context maps lower-cased condition key names to a tuple of string values (one value
for a single-valued key, any number for a multivalued one such as kms:EncryptionContextKeys).
Key names are case-insensitive, values are compared as each operator says.

The rules, in IAM's terms:
- Within one Condition block every operator, and every key under an operator, must hold (AND);
  the values listed for one key are alternatives (OR).
- A key absent from the request makes a positive operator false and a negated one
  (StringNotEquals, NotIpAddress, ArnNotLike...) true; `...IfExists` makes any operator true.
- `ForAnyValue:` holds when at least one request value matches (false when the key is absent);
  `ForAllValues:` when every request value matches (true when the key is absent).
- Policy variables (`${aws:username}`, `${aws:PrincipalTag/team}`, with an optional default
  `${aws:username, 'nobody'}`) are replaced from the request context in policies of version
  2012-10-17; a variable without a value and without a default makes its value match nothing.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from typing import Any

from .tuples import NamedTuple

# A condition: (operator as written, ((context key, values), ...)).
Condition = tuple[str, tuple[tuple[str, tuple[str, ...]], ...]]


class PolicyGrammarError(Exception):
    """A policy that is not valid policy grammar: where (a JSON pointer) and what."""

    def __init__(self, pointer: str, message: str) -> None:
        super().__init__(f"{pointer}: {message}")
        self.pointer = pointer
        self.message = message


Context = Mapping[str, tuple[str, ...]]


def _wildcard(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    return _compiled(pattern, ignore_case)


@functools.lru_cache(maxsize=4096)
def _compiled(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    rx = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(rx, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """`*` matches any run of characters, `?` any one character (actions, resources, StringLike)."""
    if "*" not in pattern and "?" not in pattern:
        return pattern.lower() == value.lower() if ignore_case else pattern == value
    return _wildcard(pattern, ignore_case).fullmatch(value) is not None


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


_ISO_8601 = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?")
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm)."""
    year -= month <= 2
    era = year // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def parse_date(text: str) -> float | None:
    """Epoch seconds of an ISO 8601 date or date-time (UTC unless it says otherwise), or of epoch seconds.

    Parsed here rather than with datetime, whose import alone costs an authorized command ~2 ms.
    """
    number = _number(text)
    if number is not None:
        return number
    m = _ISO_8601.fullmatch(text.strip())
    if m is None:
        return None
    year, month, day = int(m[1]), int(m[2]), int(m[3])
    hour, minute, second = int(m[4] or 0), int(m[5] or 0), int(m[6] or 0)
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    if not 1 <= month <= 12 or not 1 <= day <= _MONTH_DAYS[month - 1] or (month == 2 and day == 29 and not leap):
        return None
    if hour > 23 or minute > 59 or second > 59:
        return None
    seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
    offset = m[8]
    if offset and offset != "Z":
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        seconds -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return seconds + (float(m[7]) if m[7] else 0.0)


def _compare(parse: Callable[[str], float | None], test: Callable[[float, float], bool]) -> Callable[[str, str], bool]:
    def compare(actual: str, wanted: str) -> bool:
        a, w = parse(actual), parse(wanted)
        return a is not None and w is not None and test(a, w)

    return compare


def _ip_in(actual: str, wanted: str) -> bool:
    import ipaddress

    try:
        return ipaddress.ip_address(actual) in ipaddress.ip_network(wanted, strict=False)
    except ValueError:
        return False


def _arn_like(actual: str, wanted: str) -> bool:
    """ARNs compare component by component (six, split on the first five colons), each with wildcards."""
    a, w = actual.split(":", 5), wanted.split(":", 5)
    return len(a) == len(w) == 6 and all(wildcard_match(p, v) for p, v in zip(w, a, strict=True))


# Each base operator: its positive comparison (request value, policy value) and whether it negates.
_POSITIVE: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda a, w: a == w,
    "StringEqualsIgnoreCase": lambda a, w: a.casefold() == w.casefold(),
    "StringLike": lambda a, w: wildcard_match(w, a),
    "NumericEquals": _compare(_number, lambda a, w: a == w),
    "NumericLessThan": _compare(_number, lambda a, w: a < w),
    "NumericLessThanEquals": _compare(_number, lambda a, w: a <= w),
    "NumericGreaterThan": _compare(_number, lambda a, w: a > w),
    "NumericGreaterThanEquals": _compare(_number, lambda a, w: a >= w),
    "DateEquals": _compare(parse_date, lambda a, w: a == w),
    "DateLessThan": _compare(parse_date, lambda a, w: a < w),
    "DateLessThanEquals": _compare(parse_date, lambda a, w: a <= w),
    "DateGreaterThan": _compare(parse_date, lambda a, w: a > w),
    "DateGreaterThanEquals": _compare(parse_date, lambda a, w: a >= w),
    "Bool": lambda a, w: a.lower() == w.lower(),
    "BinaryEquals": lambda a, w: a == w,
    "IpAddress": _ip_in,
    "ArnEquals": _arn_like,
    "ArnLike": _arn_like,
}
# Negated operator -> the positive operator it negates.
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
    "NotIpAddress": "IpAddress",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}
BASE_OPERATORS = frozenset({*_POSITIVE, *_NEGATED, "Null"})


class Operator(NamedTuple):
    qualifier: str | None  # "ForAnyValue" | "ForAllValues" | None
    base: str
    if_exists: bool

    @property
    def negated(self) -> bool:
        return self.base in _NEGATED


@functools.lru_cache(maxsize=256)
def parse_operator(text: str) -> Operator | None:
    """`ForAllValues:StringLikeIfExists` -> its parts; None for an operator IAM does not have."""
    qualifier, _, base = text.rpartition(":")
    if qualifier not in ("", "ForAnyValue", "ForAllValues"):
        return None
    if_exists = base.endswith("IfExists") and base != "IfExists"
    if if_exists:
        base = base[: -len("IfExists")]
    if base not in BASE_OPERATORS or (base == "Null" and (if_exists or qualifier)):
        return None
    return Operator(qualifier or None, base, if_exists)


# ---------------------------------------------------------------- checking and parsing

_KEY = re.compile(r"[A-Za-z0-9-]+:\S+")


def check_condition_block(block: Any, where: str) -> None:
    """Raise PolicyGrammarError where a Condition element breaks the grammar."""
    if not isinstance(block, dict):
        raise PolicyGrammarError(where, "Condition must be a JSON object")
    for op_text, keys in block.items():
        op_where = f"{where}/{_escape(op_text)}"
        op = parse_operator(op_text)
        if op is None:
            raise PolicyGrammarError(op_where, f"unknown condition operator {op_text!r}")
        if not isinstance(keys, dict) or not keys:
            raise PolicyGrammarError(op_where, "an operator takes an object of condition keys and their values")
        for key, values in keys.items():
            key_where = f"{op_where}/{_escape(key)}"
            if not _KEY.fullmatch(key):
                raise PolicyGrammarError(key_where, f"{key!r} is not a condition key (prefix:name)")
            items = values if isinstance(values, list) else [values]
            if not items:
                raise PolicyGrammarError(key_where, "a condition key needs at least one value")
            for i, value in enumerate(items):
                value_where = f"{key_where}/{i}" if isinstance(values, list) else key_where
                if not isinstance(value, str | int | float | bool):
                    raise PolicyGrammarError(value_where, "a condition value is a string, a number or a boolean")
                problem = _value_problem(op.base, _text(value))
                if problem:
                    raise PolicyGrammarError(value_where, problem)


def _value_problem(base: str, value: str) -> str | None:
    if "${" in value:
        return None
    if base in ("Null", "Bool") and value.lower() not in ("true", "false"):
        return f"{base} takes true or false, not {value!r}"
    if base.startswith("Numeric") and _number(value) is None:
        return f"{base} takes a number, not {value!r}"
    if base.startswith("Date") and parse_date(value) is None:
        return f"{base} takes an ISO 8601 date or epoch seconds, not {value!r}"
    if base in ("IpAddress", "NotIpAddress"):
        import ipaddress

        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            return f"{base} takes an IP address or CIDR block, not {value!r}"
    return None


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_condition_block(block: Any) -> tuple[Condition, ...]:
    """A Condition element as (operator, ((key, values), ...)); tolerant of bad input."""
    if not isinstance(block, dict):
        return ()
    parsed = []
    for op_text, keys in block.items():
        pairs: list[tuple[str, tuple[str, ...]]] = []
        if isinstance(keys, dict):
            for key, values in keys.items():
                items = values if isinstance(values, list) else [values]
                pairs.append((str(key), tuple(_text(v) for v in items if not isinstance(v, dict | list))))
        else:
            # Not an object of keys: an operator with nothing to satisfy it, so it never holds.
            pairs.append(("", ()))
        parsed.append((str(op_text), tuple(pairs)))
    return tuple(parsed)


# ---------------------------------------------------------------- evaluation

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_DEFAULT = re.compile(r"\s*([^,]+?)\s*,\s*'([^']*)'\s*")
_LITERALS = {"*": "*", "?": "?", "$": "$"}


def expand(value: str, context: Context, version: str) -> str | None:
    """`value` with its policy variables replaced; None when one has no value (it then matches nothing)."""
    if version != "2012-10-17" or "${" not in value:
        return value
    unresolved = False

    def replace(m: re.Match[str]) -> str:
        nonlocal unresolved
        inner = m.group(1)
        if inner in _LITERALS:
            return _LITERALS[inner]
        default = None
        with_default = _DEFAULT.fullmatch(inner)
        if with_default:
            inner, default = with_default.group(1), with_default.group(2)
        found = context.get(inner.strip().lower())
        if found is not None and len(found) == 1:
            return found[0]
        if default is not None:
            return default
        unresolved = True
        return ""

    expanded = _VARIABLE.sub(replace, value)
    return None if unresolved else expanded


def condition_holds(op_text: str, key: str, values: tuple[str, ...], context: Context, version: str) -> bool:
    op = parse_operator(op_text)
    if op is None or not key:
        return False
    present = context.get(key.lower())
    if op.base == "Null":
        absent = not present
        return any((v.lower() == "true") == absent for v in values)
    if present is None:
        if op.qualifier == "ForAllValues":
            return True
        if op.qualifier == "ForAnyValue":
            return False
        return op.if_exists or op.negated
    wanted = [w for w in (expand(v, context, version) for v in values) if w is not None]
    positive = _POSITIVE[_NEGATED.get(op.base, op.base)]

    def hit(actual: str) -> bool:
        return any(positive(actual, w) for w in wanted)

    if op.qualifier == "ForAllValues":
        return all(hit(a) != op.negated for a in present)
    if op.qualifier == "ForAnyValue":
        return any(hit(a) != op.negated for a in present)
    return any(hit(a) for a in present) != op.negated


def conditions_hold(conditions: tuple[Condition, ...], context: Context, version: str) -> bool:
    return all(
        condition_holds(op_text, key, values, context, version)
        for op_text, pairs in conditions
        for key, values in pairs
    )


def missing_keys(conditions: tuple[Condition, ...], context: Context) -> list[str]:
    """Condition keys the statement tests that the request context lacks (for simulations)."""
    return [key for _, pairs in conditions for key, _ in pairs if key and key.lower() not in context]
