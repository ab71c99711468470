"""Every implemented operation, through boto3 against `kmscli serve`: one success and one error each.

The cases live in the family modules (operations.FAMILIES), which register them when imported.
"""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from kmscli import core
from tests.server.operations import ERRORS, FAMILIES, HAPPY, Ctx

for _family in FAMILIES:
    importlib.import_module(f"tests.server.test_operations_{_family}")


# Operations that succeed only against a custom key store, which these tests do not set up: their
# successes through serve are tested with a PKCS#11 token and an XKS proxy in tests/customkeystores.
NEEDS_A_KEY_STORE = {
    "CreateCustomKeyStore",
    "UpdateCustomKeyStore",
    "DeleteCustomKeyStore",
    "ConnectCustomKeyStore",
    "DisconnectCustomKeyStore",
}


@pytest.mark.parametrize("operation", sorted(set(core.MODULES) - NEEDS_A_KEY_STORE))
def test_every_implemented_operation_succeeds_through_boto3(ctx: Ctx, conformance: Any, operation: str) -> None:
    assert operation in HAPPY, f"no boto3 success case for {operation}: add one to its family's module"
    HAPPY[operation](ctx)
    assert operation in {name for name, status, _ in ctx.answers if status == 200}
    assert ctx.nonconforming(conformance) == []


@pytest.mark.parametrize("operation", sorted(core.MODULES))
def test_every_implemented_operation_fails_as_kms_does(ctx: Ctx, conformance: Any, operation: str) -> None:
    assert operation in ERRORS, f"no boto3 error case for {operation}: add one to its family's module"
    ERRORS[operation](ctx)
    assert operation in {name for name, status, _ in ctx.answers if status == 400}
    assert ctx.nonconforming(conformance) == []


def _has_required(operation: str) -> bool:
    return bool(core.SHAPES[core.MODEL_OPERATIONS[operation]["input"]]["required"])


def _required_in_model_order(client: Any, operation: str) -> list[str]:
    shape = client.meta.service_model.operation_model(operation).input_shape
    return [m for m in shape.members if m in shape.required_members]


@pytest.mark.parametrize("operation", [op for op in sorted(core.MODULES) if _has_required(op)])
def test_missing_required_members_are_answered_by_the_service(ctx: Ctx, operation: str) -> None:
    """Without botocore's checks, an empty request gets KMS's null-value ValidationException."""
    # The expected members come from botocore's model, not from kmscli's copy of it.
    required = _required_in_model_order(ctx.kms, operation)
    from botocore import xform_name

    problems = [
        f"Value null at '{m[:1].lower() + m[1:]}' failed to satisfy constraint: Member must not be null"
        for m in required
    ]
    noun = "validation error" if len(problems) == 1 else "validation errors"
    ctx.fails(
        lambda: getattr(ctx.unchecked, xform_name(operation))(),
        "ValidationException",
        f"{len(problems)} {noun} detected: " + "; ".join(problems),
    )
