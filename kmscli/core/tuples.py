"""NamedTuple with typing's class syntax, for a fraction of its cost at import.

Each command defines a few dozen named tuples while it starts (the model, Env, the invoked
operation's requests and results). typing.NamedTuple makes each with collections.namedtuple, which
compiles a `__new__` with `eval` for every class, and typing checks every annotation (compiling it
when it is a string): 0.5 to 1.8 million instructions a class, a quarter of a describe-key's own
start-up. Here a class costs one `type()` call and a copy of a `__new__` compiled with this module.

    class Tag(NamedTuple):
        tag_key: str
        tag_value: str = ""

reads and behaves as with typing's: the fields are the annotated names in order, their values are
the defaults, methods, properties and docstrings stay. Instances are what namedtuple makes: tuples
without a `__dict__`, with `_fields`, `_field_defaults`, `_make`, `_replace`, `_asdict`,
`__match_args__`, the same `__new__` signature and the same repr. Annotations are never evaluated,
so `from __future__ import annotations` costs nothing.
"""

from collections import _tuplegetter  # type: ignore[attr-defined]  # namedtuple's field descriptor
from types import FunctionType
from typing import Any

_tuple_new = tuple.__new__


class _Fields(tuple):  # type: ignore[type-arg]
    """What every named tuple shares: namedtuple's methods, written once instead of per class."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()

    @classmethod
    def _make(cls, iterable: Any) -> Any:
        result = _tuple_new(cls, iterable)
        if len(result) != len(cls._fields):
            raise TypeError(f"Expected {len(cls._fields)} arguments, got {len(result)}")
        return result

    def _replace(self, /, **kwds: Any) -> Any:
        result = self._make(map(kwds.pop, self._fields, self))
        if kwds:
            raise ValueError(f"Got unexpected field names: {list(kwds)!r}")
        return result

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({', '.join(f'{n}={v!r}' for n, v in zip(self._fields, self, strict=True))})"

    def _asdict(self) -> dict[str, Any]:
        return dict(zip(self._fields, self, strict=True))

    def __getnewargs__(self) -> tuple[Any, ...]:
        return tuple(self)


class _NamedTupleType(type):
    def __new__(mcls, typename: str, bases: tuple[type, ...], ns: dict[str, Any]) -> Any:
        if not bases:  # NamedTuple itself
            return super().__new__(mcls, typename, bases, ns)
        if bases != (NamedTuple,):
            raise TypeError(f"{typename}: a NamedTuple class has NamedTuple as its only base")
        fields = tuple(ns.get("__annotations__", ()))
        if not 0 < len(fields) <= len(_NEW):
            raise TypeError(f"{typename}: a NamedTuple class has 1 to {len(_NEW)} fields, not {len(fields)}")
        namespace = dict(ns)
        defaults = {}
        for index, name in enumerate(fields):
            if name.startswith("_"):
                raise ValueError(f"{typename}: field names cannot start with an underscore: {name!r}")
            if name in ns:
                defaults[name] = namespace.pop(name)
            elif defaults:
                raise TypeError(f"{typename}: field {name} without a default follows field {next(iter(defaults))}")
            namespace[name] = _tuplegetter(index, None)
        template = _NEW[len(fields) - 1]
        code = template.__code__.replace(
            co_name="__new__", co_qualname=f"{typename}.__new__", co_varnames=("_cls", *fields)
        )
        namespace["__new__"] = FunctionType(code, template.__globals__, "__new__", tuple(defaults.values()) or None)
        namespace.update(__slots__=(), _fields=fields, _field_defaults=defaults, __match_args__=fields)
        return type(typename, (_Fields,), namespace)


class NamedTuple(metaclass=_NamedTupleType):
    """The base to write `class X(NamedTuple):` against (the class made has _Fields as its base)."""


# One `__new__` for each number of fields, compiled once with this module (namedtuple compiles one
# per class with eval); a class gets a copy of the one of its length with its field names as the
# parameters' names. tests/model/test_tuples.py makes a class of every length.
# fmt: off
def _new_1(_cls, a):
    return _tuple_new(_cls, (a,))
def _new_2(_cls, a, b):
    return _tuple_new(_cls, (a, b))
def _new_3(_cls, a, b, c):
    return _tuple_new(_cls, (a, b, c))
def _new_4(_cls, a, b, c, d):
    return _tuple_new(_cls, (a, b, c, d))
def _new_5(_cls, a, b, c, d, e):
    return _tuple_new(_cls, (a, b, c, d, e))
def _new_6(_cls, a, b, c, d, e, f):
    return _tuple_new(_cls, (a, b, c, d, e, f))
def _new_7(_cls, a, b, c, d, e, f, g):
    return _tuple_new(_cls, (a, b, c, d, e, f, g))
def _new_8(_cls, a, b, c, d, e, f, g, h):
    return _tuple_new(_cls, (a, b, c, d, e, f, g, h))
def _new_9(_cls, a, b, c, d, e, f, g, h, i):
    return _tuple_new(_cls, (a, b, c, d, e, f, g, h, i))
def _new_10(_cls, a, b, c, d, e, f, g, h, i, j):
    return _tuple_new(_cls, (a, b, c, d, e, f, g, h, i, j))
def _new_11(_cls, a, b, c, d, e, f, g, h, i, j, k):
    return _tuple_new(_cls, (a, b, c, d, e, f, g, h, i, j, k))
def _new_12(_cls, a, b, c, d, e, f, g, h, i, j, k, m):
    return _tuple_new(_cls, (a, b, c, d, e, f, g, h, i, j, k, m))
def _new_13(_cls, a, b, c, d, e, f, g, h, i, j, k, m, n):
    return _tuple_new(_cls, (a, b, c, d, e, f, g, h, i, j, k, m, n))
def _new_14(_cls, a, b, c, d, e, f, g, h, i, j, k, m, n, o):
    return _tuple_new(_cls, (a, b, c, d, e, f, g, h, i, j, k, m, n, o))
def _new_15(_cls, a, b, c, d, e, f, g, h, i, j, k, m, n, o, p):
    return _tuple_new(_cls, (a, b, c, d, e, f, g, h, i, j, k, m, n, o, p))
def _new_16(_cls, a, b, c, d, e, f, g, h, i, j, k, m, n, o, p, q):
    return _tuple_new(_cls, (a, b, c, d, e, f, g, h, i, j, k, m, n, o, p, q))
def _new_17(_cls, a, b, c, d, e, f, g, h, i, j, k, m, n, o, p, q, r):
    return _tuple_new(_cls, (a, b, c, d, e, f, g, h, i, j, k, m, n, o, p, q, r))
def _new_18(_cls, a, b, c, d, e, f, g, h, i, j, k, m, n, o, p, q, r, s):
    return _tuple_new(_cls, (a, b, c, d, e, f, g, h, i, j, k, m, n, o, p, q, r, s))
def _new_19(_cls, a, b, c, d, e, f, g, h, i, j, k, m, n, o, p, q, r, s, t):
    return _tuple_new(_cls, (a, b, c, d, e, f, g, h, i, j, k, m, n, o, p, q, r, s, t))
def _new_20(_cls, a, b, c, d, e, f, g, h, i, j, k, m, n, o, p, q, r, s, t, u):
    return _tuple_new(_cls, (a, b, c, d, e, f, g, h, i, j, k, m, n, o, p, q, r, s, t, u))
def _new_21(_cls, a, b, c, d, e, f, g, h, i, j, k, m, n, o, p, q, r, s, t, u, v):
    return _tuple_new(_cls, (a, b, c, d, e, f, g, h, i, j, k, m, n, o, p, q, r, s, t, u, v))
def _new_22(_cls, a, b, c, d, e, f, g, h, i, j, k, m, n, o, p, q, r, s, t, u, v, w):
    return _tuple_new(_cls, (a, b, c, d, e, f, g, h, i, j, k, m, n, o, p, q, r, s, t, u, v, w))
def _new_23(_cls, a, b, c, d, e, f, g, h, i, j, k, m, n, o, p, q, r, s, t, u, v, w, x):
    return _tuple_new(_cls, (a, b, c, d, e, f, g, h, i, j, k, m, n, o, p, q, r, s, t, u, v, w, x))
def _new_24(_cls, a, b, c, d, e, f, g, h, i, j, k, m, n, o, p, q, r, s, t, u, v, w, x, y):
    return _tuple_new(_cls, (a, b, c, d, e, f, g, h, i, j, k, m, n, o, p, q, r, s, t, u, v, w, x, y))
def _new_25(_cls, a, b, c, d, e, f, g, h, i, j, k, m, n, o, p, q, r, s, t, u, v, w, x, y, z):
    return _tuple_new(_cls, (a, b, c, d, e, f, g, h, i, j, k, m, n, o, p, q, r, s, t, u, v, w, x, y, z))
def _new_26(_cls, a, b, c, d, e, f, g, h, i, j, k, m, n, o, p, q, r, s, t, u, v, w, x, y, z, A):
    return _tuple_new(_cls, (a, b, c, d, e, f, g, h, i, j, k, m, n, o, p, q, r, s, t, u, v, w, x, y, z, A))
def _new_27(_cls, a, b, c, d, e, f, g, h, i, j, k, m, n, o, p, q, r, s, t, u, v, w, x, y, z, A, B):
    return _tuple_new(_cls, (a, b, c, d, e, f, g, h, i, j, k, m, n, o, p, q, r, s, t, u, v, w, x, y, z, A, B))
def _new_28(_cls, a, b, c, d, e, f, g, h, i, j, k, m, n, o, p, q, r, s, t, u, v, w, x, y, z, A, B, C):
    return _tuple_new(_cls, (a, b, c, d, e, f, g, h, i, j, k, m, n, o, p, q, r, s, t, u, v, w, x, y, z, A, B, C))
def _new_29(_cls, a, b, c, d, e, f, g, h, i, j, k, m, n, o, p, q, r, s, t, u, v, w, x, y, z, A, B, C, D):
    return _tuple_new(_cls, (a, b, c, d, e, f, g, h, i, j, k, m, n, o, p, q, r, s, t, u, v, w, x, y, z, A, B, C, D))
def _new_30(_cls, a, b, c, d, e, f, g, h, i, j, k, m, n, o, p, q, r, s, t, u, v, w, x, y, z, A, B, C, D, E):
    return _tuple_new(_cls, (a, b, c, d, e, f, g, h, i, j, k, m, n, o, p, q, r, s, t, u, v, w, x, y, z, A, B, C, D, E))
# fmt: on

_NEW = [globals()[f"_new_{n}"] for n in range(1, 31)]
