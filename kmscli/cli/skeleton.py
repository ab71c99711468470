"""--generate-cli-skeleton: an operation's input or output shape with placeholder values, as JSON."""

from __future__ import annotations

import json
from typing import Any

from kmscli import core
from kmscli.core.servicemodel import Shape, ShapeWalker, shape


def skeleton(operation: str, which: str) -> str:
    """The input skeleton is what --cli-input-json accepts; the output one is what the command prints."""
    name = core.MODEL_OPERATIONS[operation]["input" if which == "input" else "output"]
    if name is None:
        return "{}\n"
    placeholders = _Skeleton(named=which == "output")
    return json.dumps(placeholders.walk(shape(name), frozenset(), ""), indent=4) + "\n"


# The placeholder of each scalar type but strings.
_SCALARS = {"integer": 0, "long": 0, "boolean": True, "blob": None, "timestamp": "1970-01-01T00:00:00"}


class _Skeleton(ShapeWalker):
    """`named`: strings hold their member's name, as the AWS CLI's output skeletons do; else ""."""

    def __init__(self, *, named: bool) -> None:
        self.named = named

    def walk_structure(self, model: Shape, seen: frozenset[str], member: str) -> Any:
        if model.name in seen:
            return {}
        return {m.name: self.walk(m.shape, seen | {model.name}, m.name) for m in model.members.values()}

    def walk_list(self, model: Shape, seen: frozenset[str], member: str) -> Any:
        return [self.walk(model.member, seen, member)]

    def walk_map(self, model: Shape, seen: frozenset[str], member: str) -> Any:
        return {"KeyName": self.walk(model.value, seen, member)}

    def walk_string(self, model: Shape, seen: frozenset[str], member: str) -> Any:
        # The AWS CLI picks a random enum value; kmscli picks the first, so skeletons are stable.
        if model.enum:
            return model.enum[0]
        return member if self.named else ""

    def walk_scalar(self, model: Shape, seen: frozenset[str], member: str) -> Any:
        return _SCALARS[model.type_name]
