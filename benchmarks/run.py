"""kmscli's performance targets, each measured as a ratio against a baseline taken in the same run.

    python benchmarks/run.py                  # all three, default run counts
    python benchmarks/run.py --only startup --runs 60
    python benchmarks/run.py --python /path/to/venv/bin/python --output benchmarks/results.md

(a) startup: `kmscli describe-key` (warm cache) against `python -c "import click"`; target <= 1.3x.
(b) scale:   `kmscli describe-key` with 10,000 keys in the region against 10 keys; target flat (~1.0x).
(c) rsa:     `kmscli create-key --key-spec RSA_4096 --key-usage ENCRYPT_DECRYPT` against a Python
             process that makes the same key with `cryptography` directly; target <= 1.2x.

Every figure is a process's wall time (time.perf_counter around subprocess.run). Runs alternate
between the baseline and the command measured, one pair at a time, and the ratio is taken pair by
pair, so drift in the machine's speed falls on both sides of each ratio; the table reports medians.
The bytecode of kmscli is compiled first and PYTHONDONTWRITEBYTECODE is removed from the
subprocesses' environment, so nothing is measured cold.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
REGION = "us-east-1"

RSA_BASELINE = """
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
key = rsa.generate_private_key(public_exponent=65537, key_size=4096)
key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
"""

# Runs in the interpreter under test: makes `count` symmetric keys through the core and the store
# in one transaction (10,000 CLI processes would take minutes), then prints one key ID.
POPULATE = """
import sys
from pathlib import Path
from kmscli import core
from kmscli.cli import config
from kmscli.store import Store
state, count, region = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
with Store(state).transaction(write=True, account_id=config.DEFAULT_ACCOUNT_ID, region=region) as repo:
    env = config.build_env(config.DEFAULT_ACCOUNT_ID, region, {}, lambda: repo.next_counter("ids"))
    ids = [core.call("CreateKey", {}, repo, env).key_metadata.key_id for _ in range(count)]
print(sorted(ids)[len(ids) // 2])
"""


class Row(NamedTuple):
    name: str
    measured: str
    baseline: str
    runs: int
    measured_ms: float
    baseline_ms: float
    ratio: float  # median of the pair-by-pair ratios
    ratio_q1: float
    ratio_q3: float
    cpu_ratio: float  # median of the pair-by-pair ratios of CPU time
    target: str


def _environ(state: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KMSCLI_", "AWS_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update({"KMSCLI_STATE_DIR": str(state), "AWS_REGION": REGION})
    return env


class Sample(NamedTuple):
    wall: float  # seconds, time.perf_counter around the process
    cpu: float  # seconds of user + system CPU time of the process, from wait4


def _time(argv: Sequence[str], env: dict[str, str]) -> Sample:
    started = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = process.stderr.read() if process.stderr else b""
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({process.returncode}): {stderr.decode()}")
    return Sample(elapsed, usage.ru_utime + usage.ru_stime)


def _pairs(
    measured: Sequence[str], baseline: Sequence[str], runs: int, env: dict[str, str], env_baseline: dict[str, str]
) -> tuple[list[Sample], list[Sample]]:
    for _ in range(3):  # warm the page cache and the bytecode on both sides
        _time(measured, env)
        _time(baseline, env_baseline)
    m: list[Sample] = []
    b: list[Sample] = []
    for i in range(runs):
        # Alternate which side goes first, so neither always runs right after the other.
        if i % 2:
            m.append(_time(measured, env))
            b.append(_time(baseline, env_baseline))
        else:
            b.append(_time(baseline, env_baseline))
            m.append(_time(measured, env))
    return m, b


def _row(name: str, measured: str, baseline: str, m: list[Sample], b: list[Sample], target: str) -> Row:
    ratios = sorted(x.wall / y.wall for x, y in zip(m, b, strict=True))
    q1, _, q3 = statistics.quantiles(ratios, n=4)
    return Row(
        name,
        measured,
        baseline,
        len(m),
        statistics.median(x.wall for x in m) * 1000,
        statistics.median(y.wall for y in b) * 1000,
        statistics.median(ratios),
        q1,
        q3,
        statistics.median(x.cpu / y.cpu for x, y in zip(m, b, strict=True)),
        target,
    )


def _script(python: str) -> str:
    scripts = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('scripts'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    path = Path(scripts) / "kmscli"
    if not path.is_file():
        raise SystemExit(f"no kmscli console script in {scripts}: pip install the project into {python} first")
    return str(path)


def _populate(python: str, state: Path, count: int) -> str:
    env = _environ(state)
    done = subprocess.run(
        [python, "-c", POPULATE, str(state), str(count), REGION], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def _fresh_venv(path: Path) -> str:
    import venv

    venv.create(path, with_pip=True)
    python = str(path / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", "-q", str(ROOT)], check=True)
    return python


def startup(python: str, kmscli: str, work: Path, runs: int) -> Row:
    state = work / "startup"
    key_id = _populate(python, state, 1)
    env = _environ(state)
    m, b = _pairs([kmscli, "describe-key", "--key-id", key_id], [python, "-c", "import click"], runs, env, env)
    return _row("(a) start-up", "`kmscli describe-key`", '`python -c "import click"`', m, b, "<= 1.3x")


def scale(python: str, kmscli: str, work: Path, runs: int, keys: int) -> Row:
    small, large = work / "small", work / "large"
    small_id = _populate(python, small, 10)
    large_id = _populate(python, large, keys)
    m, b = _pairs(
        [kmscli, "describe-key", "--key-id", large_id],
        [kmscli, "describe-key", "--key-id", small_id],
        runs,
        _environ(large),
        _environ(small),
    )
    return _row("(b) scale", f"`describe-key`, {keys:,} keys", "`describe-key`, 10 keys", m, b, "flat (~1.0x)")


def rsa(python: str, kmscli: str, work: Path, runs: int) -> Row:
    env = _environ(work / "rsa")
    m, b = _pairs(
        [kmscli, "create-key", "--key-spec", "RSA_4096", "--key-usage", "ENCRYPT_DECRYPT"],
        [python, "-c", RSA_BASELINE],
        runs,
        env,
        env,
    )
    return _row(
        "(c) RSA 4096", "`kmscli create-key --key-spec RSA_4096`", "`cryptography` RSA 4096 in python", m, b, "<= 1.2x"
    )


def table(rows: Sequence[Row], python: str) -> str:
    version = subprocess.run(
        [
            python,
            "-c",
            "import sys, click, cryptography; print(sys.version.split()[0], click.__version__, "
            "cryptography.__version__)",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    lines = [
        "| Figure | Measured | Baseline | Pairs | Measured | Baseline | Ratio (IQR) | CPU-time ratio "
        "| Ratio of medians | Target |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r.name} | {r.measured} | {r.baseline} | {r.runs} | {r.measured_ms:.1f} ms | {r.baseline_ms:.1f} ms "
            f"| **{r.ratio:.2f}x** ({r.ratio_q1:.2f}-{r.ratio_q3:.2f}) | {r.cpu_ratio:.2f}x "
            f"| {r.measured_ms / r.baseline_ms:.2f}x | {r.target} |"
        )
    lines.append("")
    lines.append(
        "Times are medians of wall-clock time per process. Ratios are medians of the pair-by-pair ratios (wall "
        "clock, with their interquartile range, and CPU time, which other load on the machine disturbs less), "
        "then the ratio of the two median times. RSA key generation time is random (it searches for primes), "
        "so for (c) the pair-by-pair ratio scatters widely and the ratio of medians is the steadier figure."
    )
    lines.append("")
    lines.append(
        f"Python {version[0]}, click {version[1]}, cryptography {version[2]}, {os.cpu_count()} CPUs, "
        f"{time.strftime('%Y-%m-%d')}."
    )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--python", default=sys.executable, help="the interpreter kmscli is installed in")
    parser.add_argument("--only", default="startup,scale,rsa", help="comma-separated: startup, scale, rsa")
    parser.add_argument("--runs", type=int, default=40, help="pairs of runs for start-up and scale (default 40)")
    parser.add_argument("--rsa-runs", type=int, default=150, help="pairs of runs for RSA 4096 (default 150)")
    parser.add_argument("--keys", type=int, default=10_000, help="keys in the large state (default 10,000)")
    parser.add_argument("--output", type=Path, help="also write the markdown table to this file")
    parser.add_argument(
        "--fresh-venv",
        action="store_true",
        help="install this checkout into a new virtualenv and measure there (no site-wide .pth start-up hooks)",
    )
    args = parser.parse_args(argv)

    wanted = set(args.only.split(","))
    rows = []
    with tempfile.TemporaryDirectory(prefix="kmscli-bench-") as tmp:
        work = Path(tmp)
        python = _fresh_venv(work / "venv") if args.fresh_venv else args.python
        kmscli = _script(python)
        package = subprocess.run(
            [python, "-c", "import kmscli, os; print(os.path.dirname(kmscli.__file__))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        # The environment may set PYTHONDONTWRITEBYTECODE; compile once so no run pays for compiling.
        subprocess.run([python, "-m", "compileall", "-q", package], check=True, stdout=subprocess.DEVNULL)
        if "startup" in wanted:
            rows.append(startup(python, kmscli, work, args.runs))
        if "scale" in wanted:
            rows.append(scale(python, kmscli, work, args.runs, args.keys))
        if "rsa" in wanted:
            rows.append(rsa(python, kmscli, work, args.rsa_runs))
        text = table(rows, python)
    sys.stdout.write(text)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
