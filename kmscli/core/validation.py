"""Checks of a request against the service model's shapes.

Two tiers, as on AWS: what botocore checks before sending (required members, types, `min`)
raises ParamValidationError with botocore's wording; what the service checks (`max`,
`pattern`, `enum`) raises ValidationException with KMS's "N validation errors detected" text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from .errors import ParamValidationError, ValidationException
from .shapes import SHAPES

_PY_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "long": (int,),
    "boolean": (bool,),
    "list": (list, tuple),
    "map": (dict,),
    "structure": (dict,),
    "blob": (bytes, bytearray, str),
    # The CLI and the server hand timestamps over as epoch seconds.
    "timestamp": (int, float),
}


# Where KMS's own ValidationException lists an enumeration in an order other than the model's, that
# order (as live KMS answers it); every other enumeration is listed in botocore's model order.
_SERVICE_ENUM_ORDER: dict[str, tuple[str, ...]] = {
    "MacAlgorithmSpec": ("HMAC_SHA_384", "HMAC_SHA_256", "HMAC_SHA_224", "HMAC_SHA_512"),
}


# The moments kmscli takes, as epoch seconds: 1970-01-01 up to 3000-01-01 UTC. Every later moment it
# computes from one (a deletion 30 days on, material valid a year, a rotation 2,560 days on) can
# still be written as a date; NaN and the infinities are not moments at all.
MIN_EPOCH_SECONDS = 0.0
MAX_EPOCH_SECONDS = 32503680000.0


# Deeper than any KMS request needs (its deepest member is a structure in a list in a structure,
# a policy is a string): documents nested deeper are refused as they are parsed, which keeps every
# walk of a parsed document far from Python's recursion limit.
MAX_NESTING = 32
# How much of a value a message repeats: AWS names a bad value, but does not send 20 MB of it back.
# Twice the longest description, so a value just over any string limit is still shown whole.
MAX_ECHO = 16384


def too_deep(value: Any, limit: int = MAX_NESTING) -> bool:
    """Lists and objects nested more than `limit` levels (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list | tuple):
            if depth > limit:
                return True
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False


def echo(value: Any) -> str:
    """A value as a message repeats it: whole up to MAX_ECHO characters, cut short beyond."""
    text = value if isinstance(value, str) else str(value)
    if len(text) <= MAX_ECHO:
        return text
    return f"{text[:MAX_ECHO]}... ({len(text)} characters in all)"


def is_moment(value: float) -> bool:
    """A finite epoch second within the range kmscli handles."""
    try:
        seconds = float(value)
    except (OverflowError, TypeError, ValueError):  # an int too large for a float, or not a number
        return False
    return math.isfinite(seconds) and MIN_EPOCH_SECONDS <= seconds <= MAX_EPOCH_SECONDS


def validate_request(shape_name: str, params: Mapping[str, Any]) -> None:
    problems: list[str] = []
    _client(params, shape_name, "", problems)
    if problems:
        raise ParamValidationError(problems)
    violations: list[str] = []
    _service(params, shape_name, "", violations)
    if violations:
        raise validation_error(violations)


def service_violations(shape_name: str, params: Mapping[str, Any]) -> list[str]:
    """What the service itself refuses (max, pattern, enum), one KMS-worded line per problem."""
    violations: list[str] = []
    _service(params, shape_name, "", violations)
    return violations


def validation_error(violations: list[str]) -> ValidationException:
    n = len(violations)
    noun = "validation error" if n == 1 else "validation errors"
    return ValidationException(f"{n} {noun} detected: " + "; ".join(violations))


def enum_violation(path: str, value: str, allowed: tuple[str, ...]) -> str:
    return (
        f"Value '{echo(value)}' at '{path}' failed to satisfy constraint: "
        f"Member must satisfy enum value set: [{', '.join(allowed)}]"
    )


def _type_name(t: type) -> str:
    return str(t)


def _client(value: Any, shape_name: str, name: str, problems: list[str]) -> None:
    shape = SHAPES[shape_name]
    kind = shape["type"]
    allowed = _PY_TYPES[kind]
    # bool is an int in Python; botocore accepts it for integers too, so only exclude the reverse.
    if not isinstance(value, allowed) or (kind == "boolean" and not isinstance(value, bool)):
        valid = ", ".join(_type_name(t) for t in allowed)
        if kind == "timestamp":
            valid = "<class 'datetime.datetime'>, timestamp-string"
        elif kind == "blob":
            # botocore names file objects, not str, although it accepts str too.
            valid = "<class 'bytes'>, <class 'bytearray'>, file-like object"
        problems.append(
            f"Invalid type for parameter {name or 'input'}, value: {echo(value)}, type: {type(value)}, "
            f"valid types: {valid}"
        )
        return
    label = name or "input"
    if kind == "structure":
        members = {m: sub for m, _, sub in shape["members"]}
        for req in shape["required"]:
            # None means "not given" throughout the core (e.g. a null in --cli-input-json).
            if value.get(req) is None:
                problems.append(f'Missing required parameter in {label}: "{req}"')
        known = []
        for key in value:
            if key not in members:
                problems.append(f'Unknown parameter in {label}: "{key}", must be one of: {", ".join(members)}')
            else:
                known.append(key)
        for key in known:
            if value[key] is not None:
                _client(value[key], members[key], f"{name}.{key}" if name else key, problems)
    elif kind == "list":
        if "min" in shape and len(value) < shape["min"]:
            problems.append(
                f"Invalid length for parameter {name}, value: {len(value)}, valid min length: {shape['min']}"
            )
        for i, item in enumerate(value):
            _client(item, shape["member"], f"{name}[{i}]", problems)
    elif kind == "map":
        for k, v in value.items():
            _client(k, shape["key"], f"{name} (key: {k})", problems)
            _client(v, shape["value"], f"{name}.{k}", problems)
    elif kind == "string":
        if "min" in shape and len(value) < shape["min"]:
            problems.append(
                f"Invalid length for parameter {name}, value: {len(value)}, valid min length: {shape['min']}"
            )
    elif kind == "timestamp" and not is_moment(value):
        problems.append(
            f"Invalid value for parameter {name}, value: {echo(value)}, valid range: "
            f"{MIN_EPOCH_SECONDS:.0f} to {MAX_EPOCH_SECONDS:.0f} (epoch seconds, 1970 to 3000)"
        )
    elif kind in ("integer", "long") and "min" in shape and value < shape["min"]:
        problems.append(f"Invalid value for parameter {name}, value: {echo(value)}, valid min value: {shape['min']}")


def _camel(member: str) -> str:
    return member[:1].lower() + member[1:]


def _service(value: Any, shape_name: str, path: str, out: list[str]) -> None:
    shape = SHAPES[shape_name]
    kind = shape["type"]
    if kind == "structure":
        for member, _, sub in shape["members"]:
            if value.get(member) is not None:
                _service(value[member], sub, f"{path}.{_camel(member)}" if path else _camel(member), out)
        return
    if kind == "list":
        _bounds(value, len(value), shape, path, out, "length")
        for i, item in enumerate(value, start=1):
            _service(item, shape["member"], f"{path}.{i}.member", out)
        return
    if kind == "map":
        for k, v in value.items():
            _service(k, shape["key"], f"{path}.{k}.key", out)
            _service(v, shape["value"], f"{path}.{k}.value", out)
        return
    if kind == "blob":
        size = len(value.encode() if isinstance(value, str) else value)
        # KMS never echoes blob values (they are often secrets).
        for rule in _rules(size, shape, "length"):
            out.append(f"Value at '{path}' failed to satisfy constraint: Member must {rule}")
        return
    if kind == "string":
        if "enum" in shape and value not in shape["enum"]:
            out.append(enum_violation(path, value, _SERVICE_ENUM_ORDER.get(shape_name, shape["enum"])))
            return
        _bounds(value, len(value), shape, path, out, "length")
        if "pattern" in shape and re.fullmatch(shape["pattern"], value) is None and not _extension(shape_name, value):
            out.append(_message(value, shape, path, f"satisfy regular expression pattern: {shape['pattern']}"))
        return
    if kind in ("integer", "long"):
        _bounds(value, value, shape, path, out, "value")


# kmscli's documented extension of the model's patterns: an XKS proxy on this machine may be reached
# over plain HTTP and on any port (AWS itself accepts only https://host, without a port). A pattern,
# not a compiled object: re compiles (and caches) it on first use, which few commands make.
_LOOPBACK_ENDPOINT = r"https?://(127\.0\.0\.1|localhost|\[::1\])(:[0-9]{1,5})?"


def _extension(shape_name: str, value: str) -> bool:
    return shape_name == "XksProxyUriEndpointType" and re.fullmatch(_LOOPBACK_ENDPOINT, value) is not None


def _rules(measure: int, shape: Mapping[str, Any], what: str) -> list[str]:
    rules = []
    if "max" in shape and measure > shape["max"]:
        rules.append(f"have {what} less than or equal to {shape['max']}")
    if "min" in shape and measure < shape["min"]:
        rules.append(f"have {what} greater than or equal to {shape['min']}")
    return rules


def _bounds(value: Any, measure: int, shape: Mapping[str, Any], path: str, out: list[str], what: str) -> None:
    for rule in _rules(measure, shape, what):
        out.append(_message(value, shape, path, rule))


def _message(value: Any, shape: Mapping[str, Any], path: str, rule: str) -> str:
    if shape.get("sensitive"):
        return f"Value at '{path}' failed to satisfy constraint: Member must {rule}"
    shown = "[" + ", ".join(str(v) for v in value) + "]" if isinstance(value, list | tuple) else str(value)
    return f"Value '{echo(shown)}' at '{path}' failed to satisfy constraint: Member must {rule}"
