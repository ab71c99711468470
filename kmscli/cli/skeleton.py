"""--generate-cli-skeleton: an operation's input or output shape with placeholder values, as JSON."""

from __future__ import annotations

import json
from typing import Any

from kmscli import core


def skeleton(operation: str, which: str) -> str:
    """The input skeleton is what --cli-input-json accepts; the output one is what the command prints."""
    shape = core.MODEL_OPERATIONS[operation]["input" if which == "input" else "output"]
    if shape is None:
        return "{}\n"
    return json.dumps(_value(shape, set(), "", named=which == "output"), indent=4) + "\n"


def _value(shape_name: str, seen: set[str], member: str, *, named: bool) -> Any:
    """`named`: strings hold their member's name, as the AWS CLI's output skeletons do; else ""."""
    shape = core.SHAPES[shape_name]
    kind = shape["type"]
    if kind == "structure":
        if shape_name in seen:
            return {}
        return {m: _value(sub, seen | {shape_name}, m, named=named) for m, _, sub in shape["members"]}
    if kind == "list":
        return [_value(shape["member"], seen, member, named=named)]
    if kind == "map":
        return {"KeyName": _value(shape["value"], seen, member, named=named)}
    if kind == "string":
        # The AWS CLI picks a random enum value; kmscli picks the first, so skeletons are stable.
        if "enum" in shape:
            return shape["enum"][0]
        return member if named else ""
    return {"integer": 0, "long": 0, "boolean": True, "blob": None, "timestamp": "1970-01-01T00:00:00"}[kind]
