"""Check a document kmscli printed against botocore's KMS service model (the AWS CLI's own source of truth).

`assert_conforms("DescribeKey", json.loads(stdout))` fails, listing every problem with its path, when the
document has a member its output shape lacks, a value of the wrong type, an illegal enum value, a
missing required member, a length outside the model's bounds, or members out of model order. The
model is botocore's, not kmscli's generated copy, so this catches drift between the two as well.

Wire conventions checked (AWS CLI v1, docs/decisions.md#cli): timestamps are JSON numbers (epoch seconds),
blobs are standard base64 text, null members never appear.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from typing import Any

import botocore.session
from botocore.model import OperationModel, ServiceModel, Shape


@functools.cache
def service_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model("kms")


def operation_model(operation: str) -> OperationModel:
    return service_model().operation_model(operation)


def output_shape(operation: str) -> Shape | None:
    return operation_model(operation).output_shape


def member_order(shape: Shape) -> list[str]:
    """The structure's members in model order: the order the AWS CLI prints them in."""
    return list(shape.members)


def conformance_problems(operation: str, document: Any) -> list[str]:
    """Every way `document` departs from the output shape of `operation`; empty when it conforms."""
    shape = output_shape(operation)
    if shape is None or not shape.members:
        # The AWS CLI prints nothing for an operation without output members.
        return [] if document in (None, {}) else [f"{operation} has no output members, got {document!r}"]
    problems: list[str] = []
    _check(document, shape, operation, problems)
    return problems


def assert_conforms(operation: str, document: Any) -> None:
    problems = conformance_problems(operation, document)
    assert not problems, f"{operation} output does not conform to the service model:\n" + "\n".join(problems)


def _check(value: Any, shape: Shape, path: str, problems: list[str]) -> None:
    if value is None:
        problems.append(f"{path}: null (the AWS CLI drops null members)")
        return
    checker = _CHECKERS.get(shape.type_name)
    if checker is None:
        problems.append(f"{path}: shape {shape.name} has type {shape.type_name}, unknown to this checker")
        return
    checker(value, shape, path, problems)


def _structure(value: Any, shape: Shape, path: str, problems: list[str]) -> None:
    if not isinstance(value, dict):
        problems.append(f"{path}: expected an object ({shape.name}), got {type(value).__name__}")
        return
    members = shape.members
    unknown = [name for name in value if name not in members]
    for name in unknown:
        problems.append(f"{path}: member {name!r} is not in {shape.name} (members: {', '.join(members)})")
    for name in shape.required_members:
        if name not in value:
            problems.append(f"{path}: required member {name!r} of {shape.name} is missing")
    printed = [name for name in value if name in members]
    expected = [name for name in members if name in value]
    if printed != expected:
        problems.append(f"{path}: members in order {printed}, the model's order is {expected}")
    for name in printed:
        _check(value[name], members[name], f"{path}.{name}", problems)


def _list(value: Any, shape: Shape, path: str, problems: list[str]) -> None:
    if not isinstance(value, list):
        problems.append(f"{path}: expected a list ({shape.name}), got {type(value).__name__}")
        return
    _bounds(len(value), shape, path, "length", problems)
    for i, item in enumerate(value):
        _check(item, shape.member, f"{path}[{i}]", problems)


def _map(value: Any, shape: Shape, path: str, problems: list[str]) -> None:
    if not isinstance(value, dict):
        problems.append(f"{path}: expected an object ({shape.name}), got {type(value).__name__}")
        return
    for k, v in value.items():
        _check(k, shape.key, f"{path} (key {k!r})", problems)
        _check(v, shape.value, f"{path}[{k!r}]", problems)


def _string(value: Any, shape: Shape, path: str, problems: list[str]) -> None:
    if not isinstance(value, str):
        problems.append(f"{path}: expected a string ({shape.name}), got {type(value).__name__} {value!r}")
        return
    if shape.enum and value not in shape.enum:
        problems.append(f"{path}: {value!r} is not a value of {shape.name} ({', '.join(shape.enum)})")
    _bounds(len(value), shape, path, "length", problems)
    pattern = shape.metadata.get("pattern")
    if pattern is not None and not _matches(pattern, value):
        problems.append(f"{path}: {value!r} does not match the pattern {pattern} of {shape.name}")


def _matches(pattern: str, value: str) -> bool:
    try:
        compiled = re.compile(pattern, re.DOTALL)
    except re.error:
        # A Java-only construct: nothing Python can check.
        return True
    # Java's String.matches semantics: the whole value must match.
    return compiled.fullmatch(value) is not None


def _boolean(value: Any, shape: Shape, path: str, problems: list[str]) -> None:
    if not isinstance(value, bool):
        problems.append(f"{path}: expected true/false ({shape.name}), got {value!r}")


def _integer(value: Any, shape: Shape, path: str, problems: list[str]) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        problems.append(f"{path}: expected an integer ({shape.name}), got {value!r}")
        return
    _bounds(value, shape, path, "value", problems)


def _float(value: Any, shape: Shape, path: str, problems: list[str]) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        problems.append(f"{path}: expected a number ({shape.name}), got {value!r}")


def _timestamp(value: Any, shape: Shape, path: str, problems: list[str]) -> None:
    # AWS CLI v1 prints the epoch number as it came over the wire.
    if isinstance(value, bool) or not isinstance(value, int | float):
        problems.append(f"{path}: expected epoch seconds ({shape.name}), got {value!r}")
    elif value < 0:
        problems.append(f"{path}: negative timestamp {value!r}")


def _blob(value: Any, shape: Shape, path: str, problems: list[str]) -> None:
    if not isinstance(value, str):
        problems.append(f"{path}: expected base64 text ({shape.name}), got {type(value).__name__}")
        return
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        problems.append(f"{path}: {value[:40]!r} is not standard base64")
        return
    if base64.b64encode(raw).decode("ascii") != value:
        problems.append(f"{path}: base64 is not canonical (padding)")
    _bounds(len(raw), shape, path, "length", problems)


def _bounds(measure: int, shape: Shape, path: str, what: str, problems: list[str]) -> None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and measure < low:
        problems.append(f"{path}: {what} {measure} is below the minimum {low} of {shape.name}")
    if high is not None and measure > high:
        problems.append(f"{path}: {what} {measure} is above the maximum {high} of {shape.name}")


_CHECKERS = {
    "structure": _structure,
    "list": _list,
    "map": _map,
    "string": _string,
    "boolean": _boolean,
    "integer": _integer,
    "long": _integer,
    "float": _float,
    "double": _float,
    "timestamp": _timestamp,
    "blob": _blob,
}
