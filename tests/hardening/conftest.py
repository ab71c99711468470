"""Fixtures for the hardening tests: real kmscli processes, a dump of every stored row, privilege drops.

Helpers reach the tests as fixtures because pytest runs with --import-mode=importlib.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

REGION = "us-west-2"
TIMEOUT_S = 120

Run = Callable[..., subprocess.CompletedProcess[str]]

# When a property fails, hypothesis's pytest plugin imports libcst to suggest a patch, and libcst's
# import warns about a deprecation; filterwarnings=error would turn that into an INTERNALERROR that
# hides the failing example. Importing it once here, quietly, leaves nothing to warn about later.
with warnings.catch_warnings(), contextlib.suppress(ImportError):
    warnings.simplefilter("ignore", DeprecationWarning)
    import hypothesis.extra._patching  # noqa: F401


def clean_environ(state: Path, home: Path) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "KMSCLI_"))}
    environ.update(KMSCLI_STATE_DIR=str(state), HOME=str(home), AWS_REGION=REGION)
    return environ


@pytest.fixture
def environ(tmp_path: Path) -> dict[str, str]:
    return clean_environ(tmp_path / "state", tmp_path / "home")


@pytest.fixture
def kmscli(environ: dict[str, str], tmp_path: Path) -> Run:
    """Run `python -m kmscli` as a real process; keyword arguments override environment variables."""

    def run(*args: str, prefix: Sequence[str] = (), **extra_env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*prefix, sys.executable, "-m", "kmscli", *args],
            env={**environ, **extra_env},
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )

    return run


def dump_rows(database: Path) -> dict[str, Any]:
    """Every row of every table, and the schema version: equal dumps mean an unchanged state."""
    if not database.exists():
        return {}
    # An ordinary connection, as kmscli's: closing it removes the -wal and -shm files it needed to read
    # (a read-only one would leave them behind, and a read-only directory behaves differently with them).
    with contextlib.closing(sqlite3.connect(database)) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        dump: dict[str, Any] = {"user_version": conn.execute("PRAGMA user_version").fetchone()[0]}
        for table in tables:
            dump[table] = sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
        return dump


@pytest.fixture
def rows() -> Callable[[Path], dict[str, Any]]:
    return dump_rows


def query(database: Path, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    with contextlib.closing(sqlite3.connect(database)) as conn:
        return conn.execute(sql, args).fetchall()


@pytest.fixture
def sql() -> Callable[..., list[tuple[Any, ...]]]:
    return query


@pytest.fixture
def without_privileges() -> list[str]:
    """A command prefix that runs kmscli bound by file permissions, as an ordinary user is.

    Root ignores permissions, so a read-only directory means nothing to it. Dropping the two
    capabilities that override permissions keeps root's uid (and so the interpreter under /root,
    and the ownership checks) while making it obey the mode bits, as any other user does.
    """
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot make permissions apply to the kmscli process")
    probe = subprocess.run(
        [setpriv, "--bounding-set=-dac_override,-dac_read_search", "true"], capture_output=True, check=False
    )
    if probe.returncode != 0:
        pytest.skip(f"setpriv cannot drop capabilities here: {probe.stderr.decode().strip()}")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search"]
