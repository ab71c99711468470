"""The core stays pure: what importing it pulls in, and what its source may call (docs/architecture.md)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from kmscli.core.api import MODULES

CORE = Path(__file__).resolve().parents[2] / "kmscli" / "core"

# Never imported by the core: the CLI, the store and their libraries.
OUTSIDE = ("click", "platformdirs", "sqlite3", "kmscli.store", "kmscli.cli")


def modules_after_import(module: str) -> set[str]:
    """sys.modules of a fresh interpreter that imported only `module`."""
    code = f"import json, sys; import {module}; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout))


def test_the_core_package_imports_nothing_from_outside() -> None:
    loaded = modules_after_import("kmscli.core")
    # `cryptography` is imported on first use only: commands that need none never pay for it.
    assert sorted(loaded & {*OUTSIDE, "cryptography"}) == []
    assert "kmscli.core" in loaded


@pytest.mark.parametrize("module", sorted(set(MODULES.values())))
def test_operation_modules_import_nothing_from_outside(module: str) -> None:
    loaded = modules_after_import(f"kmscli.core.{module}")
    assert sorted(loaded & set(OUTSIDE)) == []
    assert f"kmscli.core.{module}" in loaded


# ---------------------------------------------------------------- what the source calls

# The clock and randomness come through Env; the CLI, the store and their libraries stay outside.
FORBIDDEN_IMPORTS = {"click", "platformdirs", "sqlite3", "random", "secrets", "uuid", "time"}
FORBIDDEN_CALLS = {"open", "print", "input", "exec", "eval"}
FORBIDDEN_ATTRIBUTES = {
    ("os", "environ"),
    ("os", "getenv"),
    ("os", "urandom"),
    ("time", "time"),
    ("time", "time_ns"),
    ("time", "monotonic"),
    ("uuid", "uuid4"),
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("date", "today"),
}
FORBIDDEN_NAMES = {"uuid4", "urandom", "getenv", "environ", "token_bytes", "token_hex", "randbytes"}
# Only the crypto modules talk to `cryptography` (bytes in, bytes out).
CRYPTOGRAPHY_USERS = {"crypto.py", "crypto_import.py"}


def violations(source: str, filename: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        line = f"{filename}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if isinstance(node, ast.ImportFrom):
                names += [f"{node.module}.{a.name}" for a in node.names]
            for name in names:
                top = name.split(".")[0]
                if top in FORBIDDEN_IMPORTS or name in FORBIDDEN_IMPORTS or name in ("os.environ", "os.urandom"):
                    found.append(f"{line}: import {name}")
                if top == "cryptography" and filename not in CRYPTOGRAPHY_USERS:
                    found.append(f"{line}: import {name} outside crypto.py")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_CALLS:
            found.append(f"{line}: {node.func.id}()")
        elif isinstance(node, ast.Attribute):
            base = node.value
            base_name = base.id if isinstance(base, ast.Name) else base.attr if isinstance(base, ast.Attribute) else ""
            if (base_name, node.attr) in FORBIDDEN_ATTRIBUTES:
                found.append(f"{line}: {base_name}.{node.attr}")
        elif isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
            found.append(f"{line}: {node.id}")
    return sorted(set(found))


def core_sources() -> list[Path]:
    return sorted(CORE.glob("*.py"))


def test_the_scan_covers_the_core() -> None:
    names = {p.name for p in core_sources()}
    assert {"__init__.py", "api.py", "keys.py", "policy.py", "crypto.py", "ids.py"} <= names


@pytest.mark.parametrize("path", [pytest.param(p, id=p.name) for p in core_sources()])
def test_core_module_is_pure(path: Path) -> None:
    assert violations(path.read_text(encoding="utf-8"), path.name) == []


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        pytest.param("data = open('x').read()", ["keys.py:1: open()"], id="open"),
        pytest.param("print('hello')", ["keys.py:1: print()"], id="print"),
        pytest.param("import os\nregion = os.environ['AWS_REGION']", ["keys.py:2: os.environ"], id="os-environ"),
        pytest.param("import os\nregion = os.environ.get('X')", ["keys.py:2: os.environ"], id="os-environ-get"),
        pytest.param("import os\nregion = os.getenv('X')", ["keys.py:2: os.getenv"], id="os-getenv"),
        pytest.param("from os import environ", ["keys.py:1: import os.environ"], id="from-os-import-environ"),
        pytest.param(
            "import time\nnow = time.time()", ["keys.py:1: import time", "keys.py:2: time.time"], id="time-time"
        ),
        pytest.param(
            "from time import time", ["keys.py:1: import time", "keys.py:1: import time.time"], id="from-time-import"
        ),
        pytest.param(
            "import uuid\nkey_id = str(uuid.uuid4())", ["keys.py:1: import uuid", "keys.py:2: uuid.uuid4"], id="uuid4"
        ),
        pytest.param(
            "from uuid import uuid4", ["keys.py:1: import uuid", "keys.py:1: import uuid.uuid4"], id="from-uuid-import"
        ),
        pytest.param("import random\nx = random.random()", ["keys.py:1: import random"], id="random"),
        pytest.param("import secrets\nx = secrets.token_bytes(32)", ["keys.py:1: import secrets"], id="secrets"),
        pytest.param(
            "from secrets import token_hex",
            ["keys.py:1: import secrets", "keys.py:1: import secrets.token_hex"],
            id="from-secrets-import",
        ),
        pytest.param("import os\nx = os.urandom(32)", ["keys.py:2: os.urandom"], id="os-urandom"),
        pytest.param("import datetime\nx = datetime.datetime.now()", ["keys.py:2: datetime.now"], id="datetime-now"),
        pytest.param("import click", ["keys.py:1: import click"], id="click"),
        pytest.param("import platformdirs", ["keys.py:1: import platformdirs"], id="platformdirs"),
        pytest.param("import sqlite3", ["keys.py:1: import sqlite3"], id="sqlite3"),
        pytest.param("def f():\n    import sqlite3", ["keys.py:2: import sqlite3"], id="lazy-sqlite3"),
        pytest.param(
            "from cryptography.hazmat.primitives import hashes",
            [
                "keys.py:1: import cryptography.hazmat.primitives outside crypto.py",
                "keys.py:1: import cryptography.hazmat.primitives.hashes outside crypto.py",
            ],
            id="cryptography-outside-crypto",
        ),
    ],
)
def test_the_scan_catches(snippet: str, expected: list[str]) -> None:
    assert violations(snippet, "keys.py") == expected


def test_crypto_module_may_use_cryptography() -> None:
    assert violations("from cryptography.hazmat.primitives import hashes", "crypto.py") == []
