"""The service model as objects: Shape, its Members, and ShapeWalker, the one walk over them.

shapes.py holds botocore's KMS model as data, each shape a JSON text decoded when first read; no
other module reads it. A Shape wraps one entry as botocore's Shape objects do: its type, a
structure's members in model order (wire name, snake_case attribute, shape), its required members,
a list's member, a map's key and value, and its constraints. There is one Shape per name, made on
demand and kept. A structure's entry gives each member's type too, so a member's Shape knows its
type at once and decodes its own entry only when asked for more: a command reads only the few
shapes it touches, and rendering a date or a plain string reads none.

Every recursion over the model (checking a request, building the core's request, rendering a
result, decoding the server's JSON, the CLI's shorthand, --cli-input-json and skeletons) is a
ShapeWalker: `walk` picks the method for the shape's type, and a walker writes only the types it
treats differently.
"""

from __future__ import annotations

from collections.abc import Mapping
from operator import itemgetter
from typing import Any

from .shapes import SHAPES


class Member(tuple[str, str, "Shape"]):
    """A structure member: its wire name (`KeyId`), the core's attribute name (`key_id`), its shape.

    A tuple, made without running Python code: a structure makes one per member when first read.
    """

    __slots__ = ()

    name: str = property(itemgetter(0))  # type: ignore[assignment]
    attr: str = property(itemgetter(1))  # type: ignore[assignment]
    shape: Shape = property(itemgetter(2))  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Member({self.name!r}, {self.attr!r}, {self.shape.name!r})"


class Shape:
    """One shape of the KMS model, named as the model names it (`KeyMetadata`, `KeyIdType`).

    Its attributes are filled from the model's entry on first use (`__getattr__` runs only while
    they are unset), and are plain attributes after that: a walk reads them at every node.
    """

    __slots__ = (
        "attrs",
        "enum",
        "key",
        "max",
        "member",
        "members",
        "min",
        "name",
        "pattern",
        "required",
        "sensitive",
        "type_name",
        "value",
    )

    # structure, list, map, string, integer, long, boolean, blob or timestamp.
    type_name: str
    # A structure's members by wire name, in model order (the order of the wire document); its
    # required members' wire names; its members' attribute names (the fields a core tuple may have).
    members: Mapping[str, Member]
    required: tuple[str, ...]
    attrs: frozenset[str]
    # A list's element shape; a map's key and value shapes (None for any other type).
    member: Shape | None
    key: Shape | None
    value: Shape | None
    # Constraints: the allowed values of an enum string (else ()), min and max (a length, or a
    # number's bounds), a string's pattern, and whether the service never repeats the value.
    enum: tuple[str, ...]
    min: int | None
    max: int | None
    pattern: str | None
    sensitive: bool

    def __repr__(self) -> str:
        return f"Shape({self.name!r})"

    def __getattr__(self, attribute: str) -> Any:
        # Only reached while the attributes are unset: decode the entry, then answer as usual.
        if attribute == "name" or attribute not in Shape.__slots__:
            raise AttributeError(attribute)
        self._load(SHAPES[self.name])
        return object.__getattribute__(self, attribute)

    def _load(self, spec: Mapping[str, Any]) -> None:
        # Each attribute is set once, to its final value: a server thread that reads one while
        # another thread fills the rest sees it either unset (and fills it too) or right.
        kind = spec["type"]
        if kind == "structure":
            # The members' shapes are made here, with the type the entry gives them, and decoded
            # only when a walk asks one for more (a date or a plain string never needs it).
            entries = spec["members"]
            self.members = {
                name: Member((name, attr, _MADE.get(sub) or _make(sub, sub_type)))
                for name, attr, sub, sub_type in entries
            }
            self.required = tuple(spec["required"])
            self.attrs = frozenset([entry[1] for entry in entries])
        else:
            self.members, self.required, self.attrs = _NO_MEMBERS, (), _NO_ATTRS
        self.member = shape(spec["member"]) if kind == "list" else None
        self.key = shape(spec["key"]) if kind == "map" else None
        self.value = shape(spec["value"]) if kind == "map" else None
        self.enum = tuple(spec.get("enum", ()))
        self.min = spec.get("min")
        self.max = spec.get("max")
        self.pattern = spec.get("pattern")
        self.sensitive = spec.get("sensitive", False)
        self.type_name = kind


_MADE: dict[str, Shape] = {}
_NO_MEMBERS: Mapping[str, Member] = {}
_NO_ATTRS: frozenset[str] = frozenset()


def _make(name: str, type_name: str | None = None) -> Shape:
    made = object.__new__(Shape)
    made.name = name
    if type_name is not None:
        made.type_name = type_name
    # Kept only once named, so another thread never finds it half made.
    _MADE[name] = made
    return made


def shape(name: str | Shape) -> Shape:
    """The Shape called `name` (one object per shape; a Shape is returned as it is)."""
    if isinstance(name, Shape):
        return name
    found = _MADE.get(name)
    if found is None:
        if name not in SHAPES:
            raise KeyError(name)
        found = _make(name)
    return found


class ShapeWalker:
    """A recursion over a value and its shape, with one dispatch on the shape's type.

    `walk(shape, value, *context)` calls `walk_<type>` (walk_structure, walk_list, walk_map,
    walk_string, walk_blob, ...), else `walk_scalar`, which returns the value unchanged. `context`
    is whatever the walker carries down (a path for messages, the shapes already seen...).
    """

    def walk(self, shape: Shape, value: Any, *context: Any) -> Any:
        method = getattr(self, "walk_" + shape.type_name, None)
        if method is None:
            return self.walk_scalar(shape, value, *context)
        return method(shape, value, *context)

    def walk_scalar(self, shape: Shape, value: Any, *context: Any) -> Any:
        return value
