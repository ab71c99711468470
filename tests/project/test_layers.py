"""The dependency rule: kmscli's modules import each other downwards only, and never in a circle.

Every module of kmscli/ has a layer below. A module may import modules of its own layer or of a
lower one, never of a higher one. Imports inside functions (lazy imports) count like any other, so
a lazy import cannot hide a cycle; imports for type checking only count for the layers, not for
cycles (they never run). A new module gets its line here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from kmscli.core.api import MODULES

ROOT = Path(__file__).resolve().parents[2] / "kmscli"

_CORE_LEAVES = (
    "tuples errors model records env ids shapes servicemodel keyspecs validation paging states ports memory "
    "ed25519ph crypto crypto_import materials transitions summaries granttokens managed dry_run policy_text "
    "authorization policy_document policy_conditions permissions key_store_state access"
)
# Lowest first. The pure core knows nothing above it; the store, output and settings adapt it; the
# session runs an operation on them; the server and the CLI are two front ends on the session.
LAYERS: list[tuple[str, set[str]]] = [
    ("the version", {"kmscli"}),
    ("core leaf modules", {f"kmscli.core.{m}" for m in _CORE_LEAVES.split()}),
    ("the core's door: the operation registry and the one way to a key", {"kmscli.core.api", "kmscli.core.keyring"}),
    ("core operations", {f"kmscli.core.{m}" for m in {*MODULES.values(), "crypto_checks"}}),
    ("core flows built of operations", {"kmscli.core.console", "kmscli.core.simulation"}),
    ("the core package", {"kmscli.core"}),
    (
        "adapters: stores, output, settings, identities",
        {
            "kmscli.config",
            "kmscli.regions",
            "kmscli.identities",
            "kmscli.caller",
            "kmscli.store_errors",
            "kmscli.store",
            "kmscli.store_postgres",
            "kmscli.rootkey",
            "kmscli.output",
            "kmscli.table",
            "kmscli.sigv4",
            "kmscli.guarded_http",
            "kmscli.keystores",
            "kmscli.xksclient",
            "kmscli.pkcs11token",
        },
    ),
    ("the session: one operation in one store transaction", {"kmscli.session"}),
    ("the HTTP servers: KMS's API, and an XKS proxy", {"kmscli.server", "kmscli.xksproxy"}),
    ("the command line", {"kmscli.cli"}),
    ("entry points and generators", {"kmscli.__main__", "kmscli._artifacts", "kmscli._manpages"}),
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULE_PATHS = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def rank(module: str) -> int:
    if module.startswith("kmscli.cli."):
        module = "kmscli.cli"
    for i, (_, members) in enumerate(LAYERS):
        if module in members:
            return i
    raise LookupError(f"{module} has no layer: give it one in tests/project/test_layers.py")


def _imported(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The kmscli modules an import statement loads (a name imported from a package may be a module)."""
    if isinstance(node, ast.Import):
        targets = [a.name for a in node.names]
    else:
        package = module.split(".") if MODULE_PATHS[module].name == "__init__.py" else module.split(".")[:-1]
        base = ".".join(package[: len(package) - node.level + 1]) if node.level else ""
        source = ".".join(p for p in (base, node.module or "") if p)
        targets = [f"{source}.{a.name}" if f"{source}.{a.name}" in MODULE_PATHS else source for a in node.names]
    found = []
    for target in targets:
        while target and target not in MODULE_PATHS:
            target = target.rpartition(".")[0]
        if target and target != module:
            found.append(target)
    return found


def _type_checking_only(tree: ast.Module) -> set[ast.AST]:
    """The import statements under `if TYPE_CHECKING:`."""
    return {
        node
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and isinstance(block.test, ast.Name) and block.test.id == "TYPE_CHECKING"
        for statement in block.body
        for node in ast.walk(statement)
    }


def imports_of(module: str, source: str | None = None, *, typing: bool = True) -> dict[str, int]:
    """Every kmscli module `module` imports, anywhere in its source, with the line of the first import.

    `typing=False` leaves out the imports made for type checking only.
    """
    tree = ast.parse(source if source is not None else MODULE_PATHS[module].read_text(encoding="utf-8"))
    skipped = set() if typing else _type_checking_only(tree)
    found: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom) and node not in skipped:
            for target in _imported(module, node):
                found.setdefault(target, node.lineno)
    return found


GRAPH = {module: imports_of(module) for module in MODULE_PATHS}
RUNTIME_GRAPH = {module: imports_of(module, typing=False) for module in MODULE_PATHS}


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_every_module_has_a_layer() -> None:
    missing = []
    for module in MODULE_PATHS:
        try:
            rank(module)
        except LookupError as e:
            missing.append(str(e))
    assert missing == []
    assert {"kmscli.core.keyring", "kmscli.core.transitions", "kmscli.server", "kmscli.cli.app"} <= set(MODULE_PATHS)


def test_no_module_imports_in_a_circle() -> None:
    assert cycles(RUNTIME_GRAPH) == []


@pytest.mark.parametrize("module", sorted(MODULE_PATHS))
def test_imports_go_downwards_only(module: str) -> None:
    upwards = [
        f"{MODULE_PATHS[module].relative_to(ROOT.parent)}:{line}: imports {target} ({LAYERS[rank(target)][0]})"
        for target, line in GRAPH[module].items()
        if rank(target) > rank(module)
    ]
    assert upwards == []


def reached_from(module: str, graph: dict[str, dict[str, int]]) -> set[str]:
    """Every kmscli module that importing `module` may load, lazily or for type checking included."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(graph.get(current, {}))
    return seen


def test_the_server_runs_on_the_session_without_the_command_line() -> None:
    """`kmscli serve` answers through kmscli.session; nothing the server loads belongs to kmscli/cli."""
    reached = reached_from("kmscli.server", GRAPH)
    assert "kmscli.session" in reached
    assert sorted(m for m in reached if m == "kmscli.cli" or m.startswith("kmscli.cli.")) == []
    assert rank("kmscli.session") < rank("kmscli.server") < rank("kmscli.cli")


def test_only_the_keyring_reads_key_rows() -> None:
    """Every operation gets its key as it now stands through keyring.py, never from a raw row."""
    readers = sorted(
        module
        for module, path in MODULE_PATHS.items()
        if module.startswith("kmscli.core.") and ".get_key(" in path.read_text(encoding="utf-8")
    )
    assert readers == ["kmscli.core.keyring"]


def lazy_imports_of_loaded_modules(module: str, source: str | None = None) -> list[str]:
    """Imports inside functions of modules that the module's own top-level imports load anyway."""
    tree = ast.parse(source if source is not None else MODULE_PATHS[module].read_text(encoding="utf-8"))
    loaded = set()
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            loaded.update(_imported(module, node))
    pointless = []
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    pointless += [f"{node.lineno}: {t}" for t in _imported(module, node) if t in loaded]
    return pointless


@pytest.mark.parametrize("module", sorted(MODULE_PATHS))
def test_lazy_imports_only_where_they_save_start_up_time(module: str) -> None:
    """A lazy import spares start-up a module until it is needed: one the module loads anyway saves nothing."""
    assert lazy_imports_of_loaded_modules(module) == []


# ---------------------------------------------------------------- the checks themselves


def test_a_lazy_import_is_an_import() -> None:
    source = "def f():\n    from ..cli import app\n"
    assert imports_of("kmscli.core.keys", source) == {"kmscli.cli.app": 2}


def test_a_name_imported_from_a_package_is_the_module_of_that_name() -> None:
    assert imports_of("kmscli.core.keys", "from . import crypto, errors\n") == {
        "kmscli.core.crypto": 1,
        "kmscli.core.errors": 1,
    }
    assert imports_of("kmscli.cli.app", "from kmscli import __version__, core\n") == {"kmscli": 1, "kmscli.core": 1}


def test_an_import_for_type_checking_only_is_left_out_of_the_cycles() -> None:
    source = "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from .ports import Repository\n"
    assert imports_of("kmscli.core.keys", source) == {"kmscli.core.ports": 4}
    assert imports_of("kmscli.core.keys", source, typing=False) == {}


def test_what_a_module_reaches_is_followed_through_every_import() -> None:
    graph = {"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}, "d": {"a": 1}}
    assert reached_from("a", graph) == {"a", "b", "c"}
    assert reached_from("d", graph) == {"a", "b", "c", "d"}


def test_a_cycle_is_found_however_long() -> None:
    graph = {"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}, "d": {"a": 1}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b": 1}, "b": {}}) == []


def test_the_core_is_below_its_front_ends() -> None:
    assert rank("kmscli.core.errors") < rank("kmscli.core.keyring") < rank("kmscli.core.keys")
    assert rank("kmscli.core.keys") < rank("kmscli.core") < rank("kmscli.store") < rank("kmscli.server")
    assert rank("kmscli.server") < rank("kmscli.cli.serve")


def test_a_lazy_import_of_a_module_loaded_anyway_is_found() -> None:
    source = "from . import errors\n\n\ndef f():\n    from .errors import KmsError\n    from . import crypto\n"
    assert lazy_imports_of_loaded_modules("kmscli.core.keys", source) == ["5: kmscli.core.errors"]
