"""The committed model table (core/shapes.py) against botocore's KMS model, and the code built on it."""

from __future__ import annotations

import ast
import enum
import subprocess
import sys
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore import xform_name

from kmscli.core import api, model
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
        entry["members"] = [[name, xform_name(name), sub.name] for name, sub in shape.members.items()]
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
    assert SHAPES["Tag"]["members"] == [["TagKey", "tag_key", "TagKeyType"], ["TagValue", "tag_value", "TagValueType"]]
    assert SHAPES["AliasNameType"] == {"type": "string", "min": 1, "max": 256, "pattern": "^[a-zA-Z0-9:/_-]+$"}
    assert [m[0] for m in SHAPES["KeyMetadata"]["members"]][:4] == ["AWSAccountId", "KeyId", "Arn", "CreationDate"]
    assert SHAPES["KeyMetadata"]["members"][0] == ["AWSAccountId", "aws_account_id", "AWSAccountIdType"]
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
    required = [snake for member, snake, _ in shape["members"] if member in shape["required"]]
    optional = [snake for member, snake, _ in shape["members"] if member not in shape["required"]]
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
