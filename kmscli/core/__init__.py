"""The pure core of kmscli: one function per KMS operation, behind a Repository port.

Nothing here touches files, the environment, a clock, a randomness source or Click: those
come in through `Env` and `Repository`. `call(name, params, repo, env)` is the entry point.
"""

from __future__ import annotations

from typing import Any

from .api import MODULES, Operation, call, get_operation
from .env import Env
from .errors import KmsError, ParamValidationError
from .model import Alias, Key, KeyMaterial, KeyState, KeyUsage, Origin, Tag
from .shapes import OPERATIONS as MODEL_OPERATIONS
from .shapes import PAGINATORS, SHAPES


def __getattr__(name: str) -> Any:
    # The in-memory repository serves tests and tools, not the command line: import it on demand.
    if name == "InMemoryRepository":
        from .memory import InMemoryRepository

        return InMemoryRepository
    raise AttributeError(name)


def generate_private_key(key_spec: str) -> bytes:
    """PKCS#8 DER of a fresh private key; imports `cryptography` only when first needed."""
    from .crypto import generate_private_key as generate

    return generate(key_spec)


__all__ = [
    "MODEL_OPERATIONS",
    "MODULES",
    "PAGINATORS",
    "SHAPES",
    "Alias",
    "Env",
    "InMemoryRepository",
    "Key",
    "KeyMaterial",
    "KeyState",
    "KeyUsage",
    "KmsError",
    "Operation",
    "Origin",
    "ParamValidationError",
    "Tag",
    "call",
    "generate_private_key",
    "get_operation",
]
