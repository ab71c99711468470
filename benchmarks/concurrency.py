"""Concurrency figures: 32 kmscli processes at once on one state directory.

    python benchmarks/concurrency.py                 # default: 32 processes, 10 rounds
    python benchmarks/concurrency.py --processes 64 --rounds 20 --output concurrency.md

Each round starts 32 processes together, mixing create-key (with tags), create-alias,
tag-resource, encrypt, decrypt and list-keys, and times the round from the first start to the
last exit. Figures (each a ratio against a baseline measured in the same run, rounds alternating):
- sharing: the 32 commands on ONE state directory against the same 32 commands each on its own
  copy of the state. Writers queue for SQLite's write lock, so this is the price of sharing;
  target <= 1.5x (most of a command is start-up, which runs in parallel either way).
- throughput: the 32 commands at once on one state against the same commands one after another;
  the ratio is sequential time / concurrent time, the speed-up parallel CI steps get (more is
  better; at most about the number of CPUs).
- machine: the same speed-up for 32 processes of pure Python arithmetic, which never share
  anything: the ceiling the throughput figure should be read against (a VM's CPUs may be
  hyper-threads or throttled, and then even independent processes gain little).
Every round checks its work: every command exits 0 and every created key is there.

`measure()` is what benchmarks/run.py calls; its rows have the fields of run.Row.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
from processes import console_script, environ

DB_NAME = "kmscli.sqlite3"


class Figure(NamedTuple):
    """One row of the benchmark table; the fields of benchmarks/run.py's Row."""

    name: str
    measured: str
    baseline: str
    runs: int
    measured_ms: float
    baseline_ms: float
    ratio: float
    ratio_q1: float
    ratio_q3: float
    cpu_ratio: float
    target: str


class Round(NamedTuple):
    wall: float  # seconds from the first start to the last exit
    cpu: float  # user + system seconds of all the processes


def run(kmscli: str, args: Sequence[str], state: Path) -> str:
    done = subprocess.run([kmscli, *args], env=environ(state), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"kmscli {' '.join(args)} failed: {done.stderr}")
    return done.stdout


def seed_state(kmscli: str, state: Path) -> tuple[list[str], Path]:
    """Four keys and a ciphertext for the decrypts; (key IDs, ciphertext file)."""
    keys = [
        run(kmscli, ["create-key", "--query", "KeyMetadata.KeyId", "--output", "text"], state).strip() for _ in range(4)
    ]
    blob = run(
        kmscli,
        ["encrypt", "--key-id", keys[0], "--plaintext", "benchmark", "--query", "CiphertextBlob", "--output", "text"],
        state,
    )
    ciphertext = state.parent / "ciphertext.bin"
    ciphertext.write_bytes(base64.b64decode(blob))
    return keys, ciphertext


def commands(count: int, keys: list[str], ciphertext: Path, round_number: int) -> list[list[str]]:
    """`count` commands of six kinds, interleaved; names are fresh in every round."""
    kinds = [
        lambda i: ["create-key", "--description", f"r{round_number}-{i}", "--tags", f"TagKey=n,TagValue={i}"],
        lambda i: ["create-alias", "--alias-name", f"alias/r{round_number}-{i}", "--target-key-id", keys[i % 4]],
        lambda i: ["tag-resource", "--key-id", keys[i % 4], "--tags", f"TagKey=r{round_number}-{i},TagValue=v"],
        lambda i: ["encrypt", "--key-id", keys[i % 4], "--plaintext", f"message {i}"],
        lambda i: ["decrypt", "--ciphertext-blob", f"fileb://{ciphertext}"],
        lambda i: ["list-keys", "--no-paginate"],
    ]
    return [kinds[i % len(kinds)](i) for i in range(count)]


def together(kmscli: str, work: list[list[str]], states: list[Path]) -> tuple[Round, list[str]]:
    """Start every command, then wait for all; the round's time and each command's stdout."""
    started = time.perf_counter()
    procs = [
        subprocess.Popen([kmscli, *args], env=environ(state), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for args, state in zip(work, states, strict=True)
    ]
    outputs = []
    cpu = 0.0
    for args, proc in zip(work, procs, strict=True):
        stdout = proc.stdout.read() if proc.stdout else ""
        stderr = proc.stderr.read() if proc.stderr else ""
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        cpu += usage.ru_utime + usage.ru_stime
        if proc.returncode != 0:
            raise SystemExit(f"kmscli {' '.join(args)} failed ({proc.returncode}): {stderr}")
        outputs.append(stdout)
    return Round(time.perf_counter() - started, cpu), outputs


def one_by_one(kmscli: str, work: list[list[str]], state: Path) -> tuple[Round, list[str]]:
    started = time.perf_counter()
    outputs = []
    cpu = 0.0
    for args in work:
        proc = subprocess.Popen(
            [kmscli, *args], env=environ(state), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        stdout = proc.stdout.read() if proc.stdout else ""
        stderr = proc.stderr.read() if proc.stderr else ""
        _, status, usage = os.wait4(proc.pid, 0)
        cpu += usage.ru_utime + usage.ru_stime
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"kmscli {' '.join(args)} failed: {stderr}")
        outputs.append(stdout)
    return Round(time.perf_counter() - started, cpu), outputs


BURN = "sum(range(4_000_000))"


def machine(python: str, processes: int) -> tuple[Round, Round]:
    """`processes` CPU-bound interpreters at once, then one after another."""
    work = [["-c", BURN]] * processes
    at_once, _ = together(python, work, [Path(".")] * processes)
    serial, _ = one_by_one(python, work, Path("."))
    return at_once, serial


def check_created(work: list[list[str]], outputs: list[str], states: list[Path]) -> None:
    """Every create-key that exited 0 left its key: a benchmark of lost writes would be worthless."""
    for args, stdout, state in zip(work, outputs, states, strict=True):
        if args[0] == "create-key":
            key_id = json.loads(stdout)["KeyMetadata"]["KeyId"]
            with closing(sqlite3.connect(state / DB_NAME)) as conn:
                if conn.execute("SELECT 1 FROM keys WHERE key_id = ?", (key_id,)).fetchone() is None:
                    raise SystemExit(f"key {key_id} made by a command that exited 0 is missing")


def figure(
    name: str, measured: str, baseline: str, m: list[Round], b: list[Round], target: str, *, inverse: bool = False
) -> Figure:
    """Pair-by-pair ratios m/b (or b/m with inverse, for a speed-up), median and quartiles."""
    ratios = sorted((y.wall / x.wall) if inverse else (x.wall / y.wall) for x, y in zip(m, b, strict=True))
    cpu = [(y.cpu / x.cpu) if inverse else (x.cpu / y.cpu) for x, y in zip(m, b, strict=True)]
    q1, _, q3 = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else (ratios[0], 0, ratios[0])
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
        statistics.median(cpu),
        target,
    )


def measure(python: str, kmscli: str, work: Path, processes: int = 32, rounds: int = 10) -> list[Figure]:
    """The concurrency figures; raises SystemExit if any command fails or loses its write."""
    seed = work / "concurrency-seed" / "state"
    keys, ciphertext = seed_state(kmscli, seed)
    shared_rounds: list[Round] = []
    separate_rounds: list[Round] = []
    sequential_rounds: list[Round] = []
    burn_at_once: list[Round] = []
    burn_serial: list[Round] = []
    for r in range(-1, rounds):  # round -1 warms the page cache and is not counted
        place = work / f"concurrency-round-{r}"
        shared = place / "shared"
        shutil.copytree(seed, shared)
        separate = [place / f"separate-{i}" for i in range(processes)]
        for state in separate:
            shutil.copytree(seed, state)
        sequential = place / "sequential"
        shutil.copytree(seed, sequential)
        work_shared = commands(processes, keys, ciphertext, r)
        # Alternate the order of the three, so that none always runs first.
        results = {}
        order = ["shared", "separate", "sequential"]
        for kind in order[r % 3 :] + order[: r % 3]:
            if kind == "shared":
                results[kind] = together(kmscli, work_shared, [shared] * processes)
            elif kind == "separate":
                results[kind] = together(kmscli, work_shared, separate)
            else:
                results[kind] = one_by_one(kmscli, work_shared, sequential)
        check_created(work_shared, results["shared"][1], [shared] * processes)
        check_created(work_shared, results["separate"][1], separate)
        check_created(work_shared, results["sequential"][1], [sequential] * processes)
        at_once, serial = machine(python, processes)
        if r >= 0:
            burn_at_once.append(at_once)
            burn_serial.append(serial)
            shared_rounds.append(results["shared"][0])
            separate_rounds.append(results["separate"][0])
            sequential_rounds.append(results["sequential"][0])
        shutil.rmtree(place)
    label = f"{processes} mixed commands at once"
    return [
        figure(
            "concurrency: sharing one state",
            f"{label}, one state directory",
            f"{label}, a state directory each",
            shared_rounds,
            separate_rounds,
            "<= 1.5x",
        ),
        figure(
            "concurrency: throughput",
            f"{label}, one state directory (speed-up)",
            f"the same {processes} one after another",
            shared_rounds,
            sequential_rounds,
            "the machine's speed-up (next row)",
            inverse=True,
        ),
        figure(
            "concurrency: machine",
            f"{processes} CPU-bound Python processes at once (speed-up)",
            f"the same {processes} one after another",
            burn_at_once,
            burn_serial,
            f"<= {os.cpu_count()} CPUs",
            inverse=True,
        ),
    ]


def table(rows: Sequence[Figure], processes: int) -> str:
    lines = [
        "| Figure | Measured | Baseline | Rounds | Measured (median) | Baseline (median) | Ratio (median, IQR) "
        "| CPU ratio | Target |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r.name} | {r.measured} | {r.baseline} | {r.runs} | {r.measured_ms:.0f} ms | {r.baseline_ms:.0f} ms "
            f"| **{r.ratio:.2f}x** ({r.ratio_q1:.2f}-{r.ratio_q3:.2f}) | {r.cpu_ratio:.2f}x | {r.target} |"
        )
    shared = rows[0]
    lines.append("")
    lines.append(
        f"Throughput on one state: {processes / (shared.measured_ms / 1000):.0f} commands/s ({os.cpu_count()} CPUs)."
    )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--python", default=sys.executable, help="the interpreter kmscli is installed in")
    parser.add_argument("--processes", type=int, default=32, help="processes started at once (default 32)")
    parser.add_argument("--rounds", type=int, default=10, help="rounds of each kind (default 10)")
    parser.add_argument("--output", type=Path, help="also write the markdown table to this file")
    args = parser.parse_args(argv)
    kmscli = console_script(args.python)
    with tempfile.TemporaryDirectory(prefix="kmscli-concurrency-") as tmp:
        text = table(measure(args.python, kmscli, Path(tmp), args.processes, args.rounds), args.processes)
    sys.stdout.write(text)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
