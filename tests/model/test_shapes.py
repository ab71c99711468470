"""The committed model table (core/shapes.py) against botocore's KMS model, and the code built on it."""

from __future__ import annotations

import ast
import enum
import subprocess
import sys
import types
import typing
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore import xform_name

from kmscli import output
from kmscli.core import api, model, ports, servicemodel
from kmscli.core.env import Env
from kmscli.core.ports import Access
from kmscli.core.shapes import OPERATIONS, PAGINATORS, SHAPES

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def session() -> Any:
    return botocore.session.get_session()


@pytest.fixture(scope="module")
def service(session: Any) -> Any:
    return session.get_service_model("kms")


def test_generated_file_is_current() -> None:
    generated = subprocess.run(
        [sys.executable, "scripts/gen_shapes.py"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert generated.stderr == ""
    assert generated.stdout == (ROOT / "kmscli" / "core" / "shapes.py").read_text(encoding="utf-8")


def test_same_shape_names(service: Any) -> None:
    assert sorted(SHAPES) == sorted(service.shape_names)


def expected_shape(shape: Any) -> dict[str, Any]:
    """What shapes.py should hold for a botocore shape, derived through botocore's object model."""
    entry: dict[str, Any] = {"type": shape.type_name}
    raw = shape._shape_model  # the model's own dict: the only place that keeps `deprecated`
    for key in ("min", "max", "pattern", "deprecated", "sensitive"):
        if key in raw:
            entry[key] = raw[key]
    if "enum" in raw:
        entry["enum"] = list(shape.enum)
    if shape.type_name == "structure":
        entry["members"] = [[name, xform_name(name), sub.name, sub.type_name] for name, sub in shape.members.items()]
        entry["required"] = list(shape.required_members)
        if shape.metadata.get("exception"):
            entry["exception"] = True
    elif shape.type_name == "list":
        entry["member"] = shape.member.name
    elif shape.type_name == "map":
        entry["key"] = shape.key.name
        entry["value"] = shape.value.name
    return entry


def test_every_shape_matches_botocore(service: Any) -> None:
    mismatched = {
        name: (SHAPES[name], expected_shape(service.shape_for(name)))
        for name in service.shape_names
        if SHAPES[name] != expected_shape(service.shape_for(name))
    }
    assert mismatched == {}


def test_operations_match_botocore(service: Any) -> None:
    assert sorted(OPERATIONS) == sorted(service.operation_names)
    for name in service.operation_names:
        op = service.operation_model(name)
        assert OPERATIONS[name] == {
            "cli": xform_name(name, "-"),
            "input": op.input_shape.name,
            "output": op.output_shape.name if op.output_shape is not None else None,
            "errors": [e.name for e in op.error_shapes],
        }, name


def test_a_few_well_known_facts() -> None:
    # Spot checks that do not go through botocore, so that a bug shared by the generator and the
    # comparison above still shows.
    assert OPERATIONS["CreateKey"]["cli"] == "create-key"
    assert OPERATIONS["GenerateDataKeyPairWithoutPlaintext"]["cli"] == "generate-data-key-pair-without-plaintext"
    assert OPERATIONS["CreateAlias"]["output"] is None
    assert SHAPES["DescribeKeyRequest"]["required"] == ["KeyId"]
    assert SHAPES["Tag"]["members"] == [
        ["TagKey", "tag_key", "TagKeyType", "string"],
        ["TagValue", "tag_value", "TagValueType", "string"],
    ]
    assert SHAPES["AliasNameType"] == {"type": "string", "min": 1, "max": 256, "pattern": "^[a-zA-Z0-9:/_-]+$"}
    assert [m[0] for m in SHAPES["KeyMetadata"]["members"]][:4] == ["AWSAccountId", "KeyId", "Arn", "CreationDate"]
    assert SHAPES["KeyMetadata"]["members"][0] == ["AWSAccountId", "aws_account_id", "AWSAccountIdType", "string"]
    assert len(OPERATIONS) == 56


def test_paginators_match_botocore(session: Any) -> None:
    loader = session.get_component("data_loader")
    expected = loader.load_service_model("kms", "paginators-1")["pagination"]
    assert {name: dict(PAGINATORS[name]) for name in PAGINATORS} == expected


# ---------------------------------------------------------------- enums in core/model.py

# Which model shape each of the core's enums mirrors.
ENUM_SHAPES = {
    "KeyState": "KeyState",
    "KeyUsage": "KeyUsageType",
    "Origin": "OriginType",
    "KeyManager": "KeyManagerType",
    "MultiRegionKeyType": "MultiRegionKeyType",
}
STR_ENUMS = [
    value
    for value in vars(model).values()
    if isinstance(value, type) and issubclass(value, enum.StrEnum) and value.__module__ == model.__name__
]


def test_model_defines_the_expected_enums() -> None:
    assert set(ENUM_SHAPES) <= {e.__name__ for e in STR_ENUMS}


@pytest.mark.parametrize("enum_type", [pytest.param(e, id=e.__name__) for e in STR_ENUMS])
def test_enum_member_names_are_their_values(enum_type: type[enum.StrEnum]) -> None:
    assert [m.name for m in enum_type] == [m.value for m in enum_type]


@pytest.mark.parametrize(("enum_name", "shape"), list(ENUM_SHAPES.items()))
def test_enum_values_are_the_models(enum_name: str, shape: str) -> None:
    assert [m.value for m in getattr(model, enum_name)] == SHAPES[shape]["enum"]


# ---------------------------------------------------------------- operations implemented in the core


@pytest.mark.parametrize("name", list(api.MODULES))
def test_implemented_operation_matches_its_input_shape(name: str) -> None:
    op = api.get_operation(name)
    assert (op.name, op.func.__module__, type(op.writes)) == (name, f"kmscli.core.{api.MODULES[name]}", bool)
    assert op.input_shape == OPERATIONS[name]["input"]
    shape = SHAPES[op.input_shape]
    required = [snake for member, snake, *_ in shape["members"] if member in shape["required"]]
    optional = [snake for member, snake, *_ in shape["members"] if member not in shape["required"]]
    # Model order, except that a NamedTuple must list its fields without defaults (the required
    # members) first; call() passes them by keyword, so the order is only for the reader.
    assert getattr(op.request, "_fields", None) == (*required, *optional)
    assert op.request._field_defaults == dict.fromkeys(optional)  # type: ignore[attr-defined]


def test_an_operation_is_named_by_its_function_and_must_be_in_modules() -> None:
    assert api.get_operation("ReEncrypt").func.__name__ == "re_encrypt"
    assert api.get_operation("GenerateDataKeyPairWithoutPlaintext").func.__name__ == (
        "generate_data_key_pair_without_plaintext"
    )

    def describe_keys(repo: Any, env: Any, req: Any) -> None:
        """Not an operation: MODULES has no DescribeKeys."""

    describe_keys.__module__ = "kmscli.core.keys"
    with pytest.raises(
        LookupError, match=r"^kmscli.core.keys.describe_keys: api.MODULES does not give DescribeKeys to keys$"
    ):
        api.operation(dict, access=Access.MAY_WRITE)(describe_keys)

    def describe_key(repo: Any, env: Any, req: Any) -> None:
        """DescribeKey, but in another module than MODULES names."""

    describe_key.__module__ = "kmscli.core.aliases"
    with pytest.raises(
        LookupError, match=r"^kmscli.core.aliases.describe_key: api.MODULES does not give DescribeKey to aliases$"
    ):
        api.operation(dict, access=Access.MAY_WRITE)(describe_key)
    assert api.IMPLEMENTED["DescribeKey"].func.__module__ == "kmscli.core.keys"


def test_every_registered_operation_is_listed_in_modules() -> None:
    for name in api.MODULES:
        api.get_operation(name)
    assert sorted(api.IMPLEMENTED) == sorted(api.MODULES)
    assert set(api.MODULES) <= set(OPERATIONS)


# ---------------------------------------------------------------- the running operation's name


def test_call_runs_an_operation_with_its_name_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str | None, str | None]] = []

    def describe_key(repo: Any, env: Any, req: Any) -> None:
        seen.append((env.operation, req.key_id))

    op = api.get_operation("DescribeKey")
    monkeypatch.setitem(api.IMPLEMENTED, "DescribeKey", op._replace(func=describe_key))
    env = Env("111122223333", "us-west-2", "arn:aws:iam::111122223333:root", float, bytes, bytes, bytes)
    assert env.operation is None
    assert api.call("DescribeKey", {"KeyId": "alias/x"}, None, env) is None  # type: ignore[arg-type]
    assert seen == [("DescribeKey", "alias/x")]
    assert Env._fields[-1] == "operation"


def _operation_names_in_calls(path: Path) -> list[str]:
    """Calls in `path` that pass an operation's name as a literal argument."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                if isinstance(arg, ast.Constant) and arg.value in api.MODULES:
                    found.append(f"{path.name}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_no_operation_passes_its_own_name() -> None:
    """An operation's name is written once (its function's name); the code it runs reads env.operation.

    The console is exempt: it is no operation, and runs CreateKey and CreateAlias by name.
    """
    core_dir = ROOT / "kmscli" / "core"
    found = [
        f
        for path in sorted(core_dir.glob("*.py"))
        if path.name != "console.py"
        for f in _operation_names_in_calls(path)
    ]
    assert found == []


def test_the_check_for_operation_names_finds_one(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text('key = resolve_key(repo, env, key_id, allow_alias=False, operation="EnableKey")\n')
    assert _operation_names_in_calls(sample) == [
        "sample.py:1: resolve_key(repo, env, key_id, allow_alias=False, operation='EnableKey')"
    ]


# ---------------------------------------------------------------- results against the output shapes

# Names the core's modules import only for type checking, which their annotations use.
_TYPE_CHECKING_NAMES = {"Repository": ports.Repository, "Env": Env}


def _hints(obj: Any) -> dict[str, Any]:
    module = sys.modules[obj.__module__]
    return typing.get_type_hints(obj, globalns={**_TYPE_CHECKING_NAMES, **vars(module)})


def _inner(annotation: Any) -> Any:
    """The named tuple an annotation speaks of, through `X | None` and `tuple[X, ...]`; else None."""
    args = [a for a in typing.get_args(annotation) if a is not type(None) and a is not Ellipsis]
    if typing.get_origin(annotation) in (types.UnionType, typing.Union, tuple) and len(args) == 1:
        return _inner(args[0])
    return annotation if isinstance(annotation, type) and hasattr(annotation, "_fields") else None


def fields_outside(cls: type, shape: servicemodel.Shape, path: str = "") -> list[str]:
    """Fields of named tuple `cls` (and of the named tuples inside it) that `shape` has no member for.

    to_wire reads a structure's members by their snake_case names, so such a field would never
    reach the output.
    """
    if shape.type_name == "list":
        shape = shape.member
    if shape.type_name != "structure":
        return [f"{path or cls.__name__}: {cls.__name__} where the model has a {shape.type_name}"]
    members = {m.attr: m for m in shape.members.values()}
    found = []
    hints = _hints(cls)
    for field in cls._fields:  # type: ignore[attr-defined]
        annotation = hints[field]
        where = f"{path or cls.__name__}.{field}"
        if field not in members:
            found.append(f"{where}: not a member of {shape.name}")
        elif (inner := _inner(annotation)) is not None:
            found += fields_outside(inner, members[field].shape, where)
    return found


@pytest.mark.parametrize("name", list(api.MODULES))
def test_implemented_operation_returns_its_output_shape(name: str) -> None:
    op = api.get_operation(name)
    result = _hints(op.func)["return"]
    if op.output_shape is None or not servicemodel.shape(op.output_shape).members:
        # No output, or an empty one: the operation answers {} (result_document renders None so).
        assert result is type(None)
        return
    assert _inner(result) is result, f"{name} must be annotated to return a named tuple, not {result}"
    assert fields_outside(result, servicemodel.shape(op.output_shape)) == []


class DescribeKeyResult(typing.NamedTuple):
    key_metdata: str  # misspelt: the member KeyMetadata is key_metadata


class KeyListEntry(typing.NamedTuple):
    key_id: str
    key_name: str | None = None  # ListKeys' entries have KeyId and KeyArn only


class ListKeysResult(typing.NamedTuple):
    keys: tuple[KeyListEntry, ...]
    truncated: bool = False


def test_a_misnamed_result_field_is_caught_by_the_check_and_by_to_wire() -> None:
    shape = servicemodel.shape("DescribeKeyResponse")
    assert fields_outside(DescribeKeyResult, shape) == [
        "DescribeKeyResult.key_metdata: not a member of DescribeKeyResponse"
    ]
    message = r"^DescribeKeyResult has fields \['key_metdata'\] that shape DescribeKeyResponse lacks$"
    with pytest.raises(TypeError, match=message):
        output.to_wire(shape, DescribeKeyResult("x"))


def test_nested_result_tuples_are_checked_against_their_member_shapes() -> None:
    assert fields_outside(ListKeysResult, servicemodel.shape("ListKeysResponse")) == [
        "ListKeysResult.keys.key_name: not a member of KeyListEntry"
    ]
    message = r"^KeyListEntry has fields \['key_name'\] that shape KeyListEntry lacks$"
    with pytest.raises(TypeError, match=message):
        output.to_wire("ListKeysResponse", ListKeysResult((KeyListEntry("k", "n"),)))


# ---------------------------------------------------------------- Shape objects against botocore's


def test_every_shape_object_answers_as_botocores(service: Any) -> None:
    wrong = {}
    for name in service.shape_names:
        theirs, ours = service.shape_for(name), servicemodel.shape(name)
        raw = theirs._shape_model
        got: tuple[Any, ...] = (ours.name, ours.type_name, ours.enum, ours.min, ours.max, ours.pattern, ours.sensitive)
        expected: tuple[Any, ...] = (
            name,
            theirs.type_name,
            tuple(raw.get("enum", ())),
            raw.get("min"),
            raw.get("max"),
            raw.get("pattern"),
            bool(raw.get("sensitive")),
        )
        if theirs.type_name == "structure":
            got += ([(m.name, m.attr, m.shape.name) for m in ours.members.values()], ours.required)
            expected += (
                [(m, xform_name(m), sub.name) for m, sub in theirs.members.items()],
                tuple(theirs.required_members),
            )
        elif theirs.type_name == "list":
            got += (ours.member.name,)
            expected += (theirs.member.name,)
        elif theirs.type_name == "map":
            got += (ours.key.name, ours.value.name)
            expected += (theirs.key.name, theirs.value.name)
        if got != expected:
            wrong[name] = (got, expected)
    assert wrong == {}


def test_one_shape_object_per_name_and_unknown_names_refused() -> None:
    assert servicemodel.shape("KeyMetadata") is servicemodel.shape("KeyMetadata")
    assert servicemodel.shape(servicemodel.shape("Tag")) is servicemodel.shape("Tag")
    assert servicemodel.shape("DescribeKeyResponse").members["KeyMetadata"].shape is servicemodel.shape("KeyMetadata")
    with pytest.raises(KeyError):
        servicemodel.shape("NoSuchShape")


def test_a_walker_dispatches_on_the_shape_type_and_passes_other_types_through() -> None:
    class Kinds(servicemodel.ShapeWalker):
        def walk_structure(self, shape: servicemodel.Shape, value: Any) -> Any:
            return {m: self.walk(shape.members[m].shape, v) for m, v in value.items()}

        def walk_list(self, shape: servicemodel.Shape, value: Any) -> Any:
            return [self.walk(shape.member, v) for v in value]

        def walk_string(self, shape: servicemodel.Shape, value: Any) -> Any:
            return f"string {shape.name}: {value}"

    walked = Kinds().walk(servicemodel.shape("TagResourceRequest"), {"KeyId": "k", "Tags": [{"TagKey": "a"}]})
    assert walked == {"KeyId": "string KeyIdType: k", "Tags": [{"TagKey": "string TagKeyType: a"}]}
    assert Kinds().walk(servicemodel.shape("BooleanType"), True) is True


def test_only_the_service_model_reads_the_shape_entries() -> None:
    """Code reads the model through Shape objects (servicemodel.py), never core/shapes.py's raw entries."""
    readers = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "kmscli").rglob("*.py")
        if "SHAPES" in path.read_text(encoding="utf-8")
    )
    # shapes.py defines them, servicemodel.py reads them, core/__init__.py names them for the tests.
    assert readers == ["kmscli/core/__init__.py", "kmscli/core/servicemodel.py", "kmscli/core/shapes.py"]
