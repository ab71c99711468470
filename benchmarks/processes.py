"""What every benchmark script shares: timing one process, its environment, finding kmscli.

Imported by run.py, scale.py and concurrency.py (each puts this folder on sys.path, since the
scripts are run by path, not as a package).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

REGION = "us-east-1"


class Sample(NamedTuple):
    wall: float  # seconds (or, for throughput rows, requests per second)
    cpu: float  # seconds of user + system CPU time, NaN where unknown


def environ(state: Path) -> dict[str, str]:
    """A clean environment for kmscli on `state`; bytecode may be written, so no run pays to compile."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KMSCLI_", "AWS_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update({"KMSCLI_STATE_DIR": str(state), "AWS_REGION": REGION})
    return env


def timed(argv: Sequence[str], env: dict[str, str]) -> Sample:
    """One process's wall time and the CPU time the kernel accounted to it."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = process.stderr.read() if process.stderr else b""
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{shlex.join(argv)} failed ({process.returncode}): {stderr.decode()}")
    return Sample(elapsed, usage.ru_utime + usage.ru_stime)


def console_script(python: str) -> str:
    """The kmscli console script installed beside `python`, with its bytecode compiled."""
    scripts = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('scripts'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    path = Path(scripts) / "kmscli"
    if not path.is_file():
        raise SystemExit(f"no kmscli console script in {scripts}: pip install the project into {python} first")
    package = subprocess.run(
        [python, "-c", "import kmscli, os; print(os.path.dirname(kmscli.__file__))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # The environment may set PYTHONDONTWRITEBYTECODE; compile once so no run pays for compiling.
    subprocess.run([python, "-m", "compileall", "-q", package], check=True, stdout=subprocess.DEVNULL)
    return str(path)
