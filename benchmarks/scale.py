"""Scale figures: commands at 100,000 keys (the AWS quota) against the same commands at 10 keys.

    python benchmarks/scale.py                    # every figure, default run counts
    python benchmarks/scale.py --runs 60 --keys 100000 --output scale.md

Figures (each a ratio against a baseline measured in the same run):
- describe-key, create-alias and the first page of list-keys (`--no-paginate`, 100 keys) in a
  Region holding 100,000 keys, against the same command with 10 keys; target <= 1.2x.
- list-keys walking every key: the cost per key when walking 100,000 keys against the cost per
  key when walking 10,000 (each after subtracting a walk of 10 keys: the start-up); linear = 1.0x.

Method: the states are filled in one process through the core and the store (100,000 CLI calls
would take an hour): real SYMMETRIC_DEFAULT keys with their default policy. Each sample is one
process's wall time; samples are taken in pairs (measured, baseline), alternating which runs
first, and the ratio is the median of the pair-by-pair ratios (see benchmarks/README.md).

`measure()` is what benchmarks/run.py calls; its rows have the fields of run.Row.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
from processes import REGION, Sample, console_script, environ, timed

SMALL = 10

# Runs in the interpreter under test: `count` keys in one transaction; prints the median key ID.
POPULATE = """
import itertools, os, sys
from pathlib import Path
from kmscli import core
from kmscli import config
from kmscli.store import Store

state, count, region = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
with Store(state).transaction(write=True, account_id=config.DEFAULT_ACCOUNT_ID, region=region) as repo:
    env = config.build_env(config.DEFAULT_ACCOUNT_ID, region, {}, lambda: 0)
    ids = sorted(core.call("CreateKey", {}, repo, env).key_metadata.key_id for _ in range(count))
print(ids[len(ids) // 2])
"""


class Figure(NamedTuple):
    """One row of the benchmark table; the fields of benchmarks/run.py's Row."""

    name: str
    measured: str
    baseline: str
    runs: int
    measured_ms: float
    baseline_ms: float
    ratio: float  # median of the pair-by-pair wall-time ratios
    ratio_q1: float
    ratio_q3: float
    cpu_ratio: float  # median of the pair-by-pair CPU-time ratios
    target: str
    unit: str = "ms"  # of measured_ms and baseline_ms


def populate(python: str, state: Path, count: int) -> str:
    done = subprocess.run(
        [python, "-c", POPULATE, str(state), str(count), REGION],
        env=environ(state),
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


Argv = Callable[[int], Sequence[str]]


def pairs(
    measured: Argv, baseline: Argv, runs: int, env_m: dict[str, str], env_b: dict[str, str]
) -> tuple[list[Sample], list[Sample]]:
    """`runs` pairs after three warm-up pairs; argv factories take the run number (for fresh names)."""
    for i in range(3):
        timed(measured(-1 - i), env_m)
        timed(baseline(-1 - i), env_b)
    m: list[Sample] = []
    b: list[Sample] = []
    for i in range(runs):
        if i % 2:
            m.append(timed(measured(i), env_m))
            b.append(timed(baseline(i), env_b))
        else:
            b.append(timed(baseline(i), env_b))
            m.append(timed(measured(i), env_m))
    return m, b


def figure(name: str, measured: str, baseline: str, m: list[Sample], b: list[Sample], target: str) -> Figure:
    ratios = sorted(x.wall / y.wall for x, y in zip(m, b, strict=True))
    q1, _, q3 = statistics.quantiles(ratios, n=4)
    return Figure(
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


def measure(python: str, kmscli: str, work: Path, runs: int = 30, keys: int = 100_000) -> list[Figure]:
    """The scale figures: commands at `keys` keys against 10 keys, and the per-key cost of a full walk."""
    small, large, medium = work / "scale-small", work / "scale-large", work / "scale-medium"
    small_id = populate(python, small, SMALL)
    large_id = populate(python, large, keys)
    env_small, env_large = environ(small), environ(large)
    label = f"{keys:,} keys"
    rows = []

    m, b = pairs(
        lambda i: [kmscli, "describe-key", "--key-id", large_id],
        lambda i: [kmscli, "describe-key", "--key-id", small_id],
        runs,
        env_large,
        env_small,
    )
    rows.append(
        figure("scale: describe-key", f"`describe-key`, {label}", f"`describe-key`, {SMALL} keys", m, b, "<= 1.2x")
    )

    m, b = pairs(
        lambda i: [kmscli, "create-alias", "--alias-name", f"alias/bench-{i}", "--target-key-id", large_id],
        lambda i: [kmscli, "create-alias", "--alias-name", f"alias/bench-{i}", "--target-key-id", small_id],
        runs,
        env_large,
        env_small,
    )
    rows.append(
        figure("scale: create-alias", f"`create-alias`, {label}", f"`create-alias`, {SMALL} keys", m, b, "<= 1.2x")
    )

    m, b = pairs(
        lambda i: [kmscli, "list-keys", "--no-paginate"],
        lambda i: [kmscli, "list-keys", "--no-paginate"],
        runs,
        env_large,
        env_small,
    )
    rows.append(
        figure(
            "scale: list-keys, first page",
            f"`list-keys --no-paginate` (100 keys), {label}",
            f"the same, {SMALL} keys",
            m,
            b,
            "<= 1.2x",
        )
    )

    # Linearity of a full walk: per-key cost at `keys` against per-key cost at a tenth of it.
    tenth = max(keys // 10, SMALL + 1)
    populate(python, medium, tenth)
    walk = [kmscli, "list-keys", "--query", "length(Keys)"]
    walks = max(3, runs // 6)
    start_up = [timed(walk, env_small) for _ in range(walks)]
    big = [timed(walk, env_large) for _ in range(walks)]
    mid = [timed(walk, environ(medium)) for _ in range(walks)]
    base = Sample(statistics.median(s.wall for s in start_up), statistics.median(s.cpu for s in start_up))
    per_key_big = [Sample((s.wall - base.wall) / keys, (s.cpu - base.cpu) / keys) for s in big]
    per_key_mid = [Sample((s.wall - base.wall) / tenth, (s.cpu - base.cpu) / tenth) for s in mid]
    row = figure(
        "scale: list-keys, every key",
        f"`list-keys` walking {label}, per key",
        f"the same walking {tenth:,} keys, per key",
        per_key_big,
        per_key_mid,
        "linear (~1.0x)",
    )
    # Per key, in microseconds rather than milliseconds, so the column stays readable.
    rows.append(row._replace(measured_ms=row.measured_ms * 1000, baseline_ms=row.baseline_ms * 1000, unit="µs"))
    return rows


def table(rows: Sequence[Figure]) -> str:
    lines = [
        "| Figure | Measured | Baseline | Runs | Measured (median) | Baseline (median) | Ratio (median, IQR) "
        "| CPU ratio | Target |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r.name} | {r.measured} | {r.baseline} | {r.runs} | {r.measured_ms:.1f} {r.unit} "
            f"| {r.baseline_ms:.1f} {r.unit} "
            f"| **{r.ratio:.2f}x** ({r.ratio_q1:.2f}-{r.ratio_q3:.2f}) | {r.cpu_ratio:.2f}x | {r.target} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--python", default=sys.executable, help="the interpreter kmscli is installed in")
    parser.add_argument("--runs", type=int, default=30, help="pairs of runs per figure (default 30)")
    parser.add_argument("--keys", type=int, default=100_000, help="keys in the large state (default 100,000)")
    parser.add_argument("--output", type=Path, help="also write the markdown table to this file")
    args = parser.parse_args(argv)
    kmscli = console_script(args.python)
    with tempfile.TemporaryDirectory(prefix="kmscli-scale-") as tmp:
        text = table(measure(args.python, kmscli, Path(tmp), args.runs, args.keys))
    sys.stdout.write(text)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
