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
from .servicemodel import Shape, ShapeWalker, shape

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


def validate_request(shape_name: str | Shape, params: Mapping[str, Any]) -> None:
    problems = _Client().check(shape(shape_name), params)
    if problems:
        raise ParamValidationError(problems)
    violations = service_violations(shape_name, params)
    if violations:
        raise validation_error(violations)


def service_violations(shape_name: str | Shape, params: Mapping[str, Any]) -> list[str]:
    """What the service itself refuses (max, pattern, enum), one KMS-worded line per problem."""
    service = _Service()
    service.walk(shape(shape_name), params, "")
    return service.out


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


class _Client(ShapeWalker):
    """What botocore checks before sending: types, required and unknown members, `min`."""

    def check(self, shape: Shape, params: Any) -> list[str]:
        self.problems: list[str] = []
        self.walk(shape, params, "")
        return self.problems

    def walk(self, shape: Shape, value: Any, name: str) -> None:
        kind = shape.type_name
        allowed = _PY_TYPES[kind]
        # bool is an int in Python; botocore accepts it for integers too, so only exclude the reverse.
        if not isinstance(value, allowed) or (kind == "boolean" and not isinstance(value, bool)):
            valid = ", ".join(_type_name(t) for t in allowed)
            if kind == "timestamp":
                valid = "<class 'datetime.datetime'>, timestamp-string"
            elif kind == "blob":
                # botocore names file objects, not str, although it accepts str too.
                valid = "<class 'bytes'>, <class 'bytearray'>, file-like object"
            self.problems.append(
                f"Invalid type for parameter {name or 'input'}, value: {echo(value)}, type: {type(value)}, "
                f"valid types: {valid}"
            )
            return
        super().walk(shape, value, name)

    def walk_structure(self, shape: Shape, value: Any, name: str) -> None:
        label = name or "input"
        members = shape.members
        for req in shape.required:
            # None means "not given" throughout the core (e.g. a null in --cli-input-json).
            if value.get(req) is None:
                self.problems.append(f'Missing required parameter in {label}: "{req}"')
        known = []
        for key in value:
            if key not in members:
                self.problems.append(f'Unknown parameter in {label}: "{key}", must be one of: {", ".join(members)}')
            else:
                known.append(key)
        for key in known:
            if value[key] is not None:
                self.walk(members[key].shape, value[key], f"{name}.{key}" if name else key)

    def walk_list(self, shape: Shape, value: Any, name: str) -> None:
        self._min_length(shape, value, name)
        for i, item in enumerate(value):
            self.walk(shape.member, item, f"{name}[{i}]")

    def walk_map(self, shape: Shape, value: Any, name: str) -> None:
        for k, v in value.items():
            self.walk(shape.key, k, f"{name} (key: {k})")
            self.walk(shape.value, v, f"{name}.{k}")

    def walk_string(self, shape: Shape, value: Any, name: str) -> None:
        self._min_length(shape, value, name)

    def walk_timestamp(self, shape: Shape, value: Any, name: str) -> None:
        if not is_moment(value):
            self.problems.append(
                f"Invalid value for parameter {name}, value: {echo(value)}, valid range: "
                f"{MIN_EPOCH_SECONDS:.0f} to {MAX_EPOCH_SECONDS:.0f} (epoch seconds, 1970 to 3000)"
            )

    def walk_integer(self, shape: Shape, value: Any, name: str) -> None:
        if shape.min is not None and value < shape.min:
            self.problems.append(
                f"Invalid value for parameter {name}, value: {echo(value)}, valid min value: {shape.min}"
            )

    walk_long = walk_integer

    def walk_scalar(self, shape: Shape, value: Any, name: str) -> None:
        pass

    def _min_length(self, shape: Shape, value: Any, name: str) -> None:
        if shape.min is not None and len(value) < shape.min:
            self.problems.append(
                f"Invalid length for parameter {name}, value: {len(value)}, valid min length: {shape.min}"
            )


def _camel(member: str) -> str:
    return member[:1].lower() + member[1:]


class _Service(ShapeWalker):
    """What the service checks (`max`, `pattern`, `enum`, and `min` of what botocore let through),
    with KMS's lowerCamelCase, 1-based member paths."""

    def __init__(self) -> None:
        self.out: list[str] = []

    def walk_structure(self, shape: Shape, value: Any, path: str) -> None:
        for m in shape.members.values():
            if value.get(m.name) is not None:
                self.walk(m.shape, value[m.name], f"{path}.{_camel(m.name)}" if path else _camel(m.name))

    def walk_list(self, shape: Shape, value: Any, path: str) -> None:
        _bounds(value, len(value), shape, path, self.out, "length")
        for i, item in enumerate(value, start=1):
            self.walk(shape.member, item, f"{path}.{i}.member")

    def walk_map(self, shape: Shape, value: Any, path: str) -> None:
        for k, v in value.items():
            self.walk(shape.key, k, f"{path}.{k}.key")
            self.walk(shape.value, v, f"{path}.{k}.value")

    def walk_blob(self, shape: Shape, value: Any, path: str) -> None:
        size = len(value.encode() if isinstance(value, str) else value)
        # KMS never echoes blob values (they are often secrets).
        for rule in _rules(size, shape, "length"):
            self.out.append(f"Value at '{path}' failed to satisfy constraint: Member must {rule}")

    def walk_string(self, shape: Shape, value: Any, path: str) -> None:
        if shape.enum and value not in shape.enum:
            self.out.append(enum_violation(path, value, _SERVICE_ENUM_ORDER.get(shape.name, shape.enum)))
            return
        _bounds(value, len(value), shape, path, self.out, "length")
        if shape.pattern is not None and re.fullmatch(shape.pattern, value) is None and not _extension(shape, value):
            self.out.append(_message(value, shape, path, f"satisfy regular expression pattern: {shape.pattern}"))

    def walk_integer(self, shape: Shape, value: Any, path: str) -> None:
        _bounds(value, value, shape, path, self.out, "value")

    walk_long = walk_integer

    def walk_scalar(self, shape: Shape, value: Any, path: str) -> None:
        pass


# kmscli's documented extension of the model's patterns: an XKS proxy on this machine may be reached
# over plain HTTP and on any port (AWS itself accepts only https://host, without a port). A pattern,
# not a compiled object: re compiles (and caches) it on first use, which few commands make.
_LOOPBACK_ENDPOINT = r"https?://(127\.0\.0\.1|localhost|\[::1\])(:[0-9]{1,5})?"


def _extension(shape: Shape, value: str) -> bool:
    return shape.name == "XksProxyUriEndpointType" and re.fullmatch(_LOOPBACK_ENDPOINT, value) is not None


def _rules(measure: int, shape: Shape, what: str) -> list[str]:
    rules = []
    if shape.max is not None and measure > shape.max:
        rules.append(f"have {what} less than or equal to {shape.max}")
    if shape.min is not None and measure < shape.min:
        rules.append(f"have {what} greater than or equal to {shape.min}")
    return rules


def _bounds(value: Any, measure: int, shape: Shape, path: str, out: list[str], what: str) -> None:
    for rule in _rules(measure, shape, what):
        out.append(_message(value, shape, path, rule))


def _message(value: Any, shape: Shape, path: str, rule: str) -> str:
    if shape.sensitive:
        return f"Value at '{path}' failed to satisfy constraint: Member must {rule}"
    shown = "[" + ", ".join(str(v) for v in value) + "]" if isinstance(value, list | tuple) else str(value)
    return f"Value '{echo(shown)}' at '{path}' failed to satisfy constraint: Member must {rule}"
