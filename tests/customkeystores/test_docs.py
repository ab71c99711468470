"""docs/custom-key-stores.md works when pasted: its `sh runnable` blocks run, in order, in one bash,
on an empty state directory, with SoftHSMv2 and `kmscli xks-proxy` for real."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.cli.test_readme import _script, runnable_blocks

ROOT = Path(__file__).resolve().parent.parent.parent
DOC = (ROOT / "docs" / "custom-key-stores.md").read_text(encoding="utf-8")


def test_the_examples_run(tmp_path: Path, softhsm: object) -> None:
    blocks = runnable_blocks(DOC)
    assert len(blocks) == 2
    work = tmp_path / "work"
    work.mkdir()
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("KMSCLI_", "AWS_", "XDG_", "SOFTHSM2_")) and key not in ("HOME", "CDPATH")
    }
    environ.update(
        PATH=os.pathsep.join([str(Path(sys.executable).parent), environ.get("PATH", "")]),
        HOME=str(tmp_path),
        KMSCLI_STATE_DIR=str(tmp_path / "state"),
        LC_ALL="C.UTF-8",
    )
    ran = subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", _script(blocks)],
        cwd=work,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines() == [
        '"CONNECTED"',
        "hello from the token",
        "Unavailable",
        "PendingDeletion",
        "hello from outside",
    ]
