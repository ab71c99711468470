"""kmscli.core.tuples.NamedTuple makes the same classes as typing.NamedTuple, at every length it allows."""

from __future__ import annotations

import collections
import copy
import inspect
import pickle
import typing
from typing import Any

import pytest

from kmscli.core.tuples import NamedTuple


def make(fields: list[str], defaults: dict[str, Any]) -> Any:
    """`class T(NamedTuple)` with these annotated fields (and defaults), as a class statement makes it."""
    namespace: dict[str, Any] = {"__module__": __name__, "__qualname__": "T", "__annotations__": dict.fromkeys(fields)}
    return type(NamedTuple)("T", (NamedTuple,), {**namespace, **defaults})


@pytest.mark.parametrize("length", range(1, 31))
def test_a_class_of_every_length_behaves_as_namedtuple(length: int) -> None:
    fields = [f"field_{i}" for i in range(length)]
    defaults = {name: f"default {name}" for name in fields[length // 2 :]}
    ours = make(fields, defaults)
    theirs = collections.namedtuple("T", fields, defaults=list(defaults.values()))
    values = [f"value {i}" for i in range(length)]

    assert ours._fields == theirs._fields == ours.__match_args__ == tuple(fields)
    assert ours._field_defaults == theirs._field_defaults == defaults
    assert str(inspect.signature(ours)) == str(inspect.signature(theirs))
    made = ours(*values)
    assert made == tuple(values)
    assert type(made) is ours
    assert ours(**dict(zip(fields, values, strict=True))) == made
    assert [getattr(made, name) for name in fields] == values
    assert repr(made) == repr(theirs(*values))
    assert made._asdict() == theirs(*values)._asdict()
    assert made._replace(**{fields[-1]: "new"}) == (*values[:-1], "new")
    assert ours._make(values) == made
    required = values[: length - len(defaults)]
    assert ours(*required) == theirs(*required)
    assert copy.deepcopy(made) == made
    assert not hasattr(made, "__dict__")


class Point(NamedTuple):
    """A point."""

    x: int
    y: int = 0

    @property
    def norm(self) -> int:
        return abs(self.x) + abs(self.y)

    def moved(self, dx: int) -> Point:
        return self._replace(x=self.x + dx)


class TypingPoint(typing.NamedTuple):
    """A point."""

    x: int
    y: int = 0


def test_methods_properties_and_the_docstring_stay_and_instances_pickle() -> None:
    p = Point(3, y=-4)
    assert (p.norm, p.moved(1), Point.__doc__) == (7, Point(4, -4), "A point.")
    assert pickle.loads(pickle.dumps(p)) == p
    assert repr(p) == repr(TypingPoint(3, -4)).replace("TypingPoint", "Point")
    assert isinstance(p, tuple)


def test_mistakes_are_refused_as_namedtuple_refuses_them() -> None:
    p = Point(1, 2)
    with pytest.raises(AttributeError):
        p.x = 5  # type: ignore[misc]
    with pytest.raises(AttributeError):
        p.z = 5  # type: ignore[attr-defined]
    with pytest.raises(TypeError, match=r"Point.__new__\(\) takes from 2 to 3 positional arguments but 4 were given"):
        Point(1, 2, 3)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'x'"):
        Point(y=1)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match=r"Got unexpected field names: \['z'\]"):
        p._replace(z=1)
    with pytest.raises(TypeError, match="Expected 2 arguments, got 3"):
        Point._make([1, 2, 3])
    with pytest.raises(TypeError, match="field b without a default follows field a"):
        make(["a", "b"], {"a": 1})
    with pytest.raises(ValueError, match="cannot start with an underscore: '_a'"):
        make(["_a"], {})
    with pytest.raises(TypeError, match="1 to 30 fields, not 31"):
        make([f"f{i}" for i in range(31)], {})
