"""Load on `kmscli serve` over loopback: N concurrent boto3 clients, then a check that no write was lost.

Each client runs ITERATIONS units of work, each unit six requests against one fresh key:
CreateKey, CreateAlias, TagResource, DescribeKey (by the alias), Encrypt and Decrypt. Every client
has its own boto3 client (its own connection pool) and runs in its own thread; retries are off, so
an error the server answers is counted, never hidden. Bounded in count (clients x iterations) and
in time (--time-limit: workers stop starting new units after it).

Afterwards the state is read back through the server: every key, alias and tag written must be
there, exactly once. Run from the repository root:

    python benchmarks/server_load.py --clients 16 --iterations 25 --write benchmarks/server_load.md

tests/server/test_serve_load.py runs the same code with small numbers (and no timing checks).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import boto3
from botocore.config import Config

READY = re.compile(r"kmscli serve: listening on (http://127\.0\.0\.1:\d+) ")
REGION = "us-west-2"
OPERATIONS = ("CreateKey", "CreateAlias", "TagResource", "DescribeKey", "Encrypt", "Decrypt")


class Unit(NamedTuple):
    client: int
    iteration: int
    key_id: str


class LoadResult(NamedTuple):
    clients: int
    iterations: int
    units: list[Unit]
    # (operation, seconds) for every request answered with success.
    latencies: list[tuple[str, float]]
    errors: list[str]
    # Every write the server acknowledged that the state does not show.
    lost: list[str]
    wall_seconds: float
    timed_out: bool

    @property
    def requests(self) -> int:
        return len(self.latencies) + len(self.errors)


@contextmanager
def running_server(
    state_dir: Path, timeout: float = 30, python: str = sys.executable, extra: dict[str, str] | None = None
) -> Iterator[str]:
    """`kmscli serve --port 0` on `state_dir` under `python`; yields its URL and always stops it.

    `extra` adds environment variables (KMSCLI_DATABASE_URL and KMSCLI_ROOT_KEY_FILE for PostgreSQL).
    """
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "KMSCLI_"))}
    environ["KMSCLI_STATE_DIR"] = str(state_dir)
    environ.update(extra or {})
    proc = subprocess.Popen(
        [python, "-m", "kmscli", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
        env=environ,
    )
    try:
        line: list[str] = []
        reader = threading.Thread(
            target=lambda: line.append(proc.stdout.readline() if proc.stdout else ""), daemon=True
        )
        reader.start()
        reader.join(timeout)
        match = READY.match(line[0]) if line else None
        if match is None:
            raise RuntimeError(f"kmscli serve did not start: {line!r}")
        yield match.group(1)
    finally:
        proc.terminate()
        try:
            proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate(timeout=15)


def make_client(url: str, session: Any) -> Any:
    return session.client(
        "kms",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id="AKIDLOAD",
        aws_secret_access_key="load",
        config=Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=120),
    )


def run_load(url: str | list[str], clients: int, iterations: int, time_limit: float) -> LoadResult:
    """The load from `clients` clients; given several server URLs, client n talks to server n mod len."""
    urls = [url] if isinstance(url, str) else url
    session = boto3.session.Session()
    kms = [make_client(urls[n % len(urls)], session) for n in range(clients + 1)]
    checker = kms.pop()
    units: list[Unit] = []
    latencies: list[tuple[str, float]] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    deadline = [0.0]

    def timed(operation: str, call: Any, **params: Any) -> Any:
        began = time.perf_counter()
        try:
            answer = call(**params)
        except Exception as e:
            with lock:
                errors.append(f"{operation}: {type(e).__name__}: {e}")
            raise
        with lock:
            latencies.append((operation, time.perf_counter() - began))
        return answer

    def work(n: int) -> None:
        client = kms[n]
        start.wait()
        for i in range(iterations):
            if time.monotonic() > deadline[0]:
                return
            try:
                key_id = timed("CreateKey", client.create_key, Description=f"load {n}-{i}")["KeyMetadata"]["KeyId"]
                alias = f"alias/load-{n}-{i}"
                timed("CreateAlias", client.create_alias, AliasName=alias, TargetKeyId=key_id)
                timed(
                    "TagResource",
                    client.tag_resource,
                    KeyId=key_id,
                    Tags=[{"TagKey": "client", "TagValue": str(n)}, {"TagKey": "iteration", "TagValue": str(i)}],
                )
                described = timed("DescribeKey", client.describe_key, KeyId=alias)["KeyMetadata"]["KeyId"]
                plaintext = f"unit {n}-{i}".encode()
                blob = timed("Encrypt", client.encrypt, KeyId=alias, Plaintext=plaintext)["CiphertextBlob"]
                decrypted = timed("Decrypt", client.decrypt, CiphertextBlob=blob)["Plaintext"]
            except Exception:  # counted in `errors` by timed()
                continue
            with lock:
                if described != key_id:
                    errors.append(f"DescribeKey {alias}: {described} instead of {key_id}")
                if decrypted != plaintext:
                    errors.append(f"Decrypt {alias}: wrong plaintext")
                units.append(Unit(n, i, key_id))

    workers = [threading.Thread(target=work, args=(n,), daemon=True) for n in range(clients)]
    for worker in workers:
        worker.start()
    deadline[0] = time.monotonic() + time_limit
    began = time.perf_counter()
    start.wait()
    for worker in workers:
        worker.join(max(0.0, deadline[0] + 120 - time.monotonic()))
    wall = time.perf_counter() - began
    timed_out = any(w.is_alive() for w in workers) or len(units) + len(errors) < clients * iterations
    with lock:
        done = list(units)
    return LoadResult(
        clients, iterations, done, list(latencies), list(errors), lost_writes(checker, done), wall, timed_out
    )


def lost_writes(kms: Any, units: list[Unit]) -> list[str]:
    """Every acknowledged write missing from the state, as read back through the server."""
    lost: list[str] = []
    listed = [k["KeyId"] for page in kms.get_paginator("list_keys").paginate() for k in page["Keys"]]
    if sorted(listed) != sorted(u.key_id for u in units):
        lost.append(f"ListKeys: {len(listed)} keys listed, {len(units)} created")
    # The predefined AWS aliases (alias/aws/...) are listed too, without a TargetKeyId until used.
    aliases = {
        a["AliasName"]: a.get("TargetKeyId")
        for page in kms.get_paginator("list_aliases").paginate()
        for a in page["Aliases"]
    }
    for unit in units:
        alias = f"alias/load-{unit.client}-{unit.iteration}"
        if aliases.get(alias) != unit.key_id:
            lost.append(f"{alias}: points to {aliases.get(alias)}, not {unit.key_id}")
        tags = {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=unit.key_id)["Tags"]}
        if tags != {"client": str(unit.client), "iteration": str(unit.iteration)}:
            lost.append(f"{unit.key_id}: tags {tags}")
        description = kms.describe_key(KeyId=unit.key_id)["KeyMetadata"]["Description"]
        if description != f"load {unit.client}-{unit.iteration}":
            lost.append(f"{unit.key_id}: description {description!r}")
    return lost


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def report(result: LoadResult) -> str:
    lines = [
        "# kmscli serve: load on loopback",
        "",
        f"Generated by `python benchmarks/server_load.py --clients {result.clients} "
        f"--iterations {result.iterations}` on {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, boto3 {boto3.__version__}.",
        "",
        f"- clients (threads, one boto3 client each): {result.clients}",
        f"- units of work completed: {len(result.units)} of {result.clients * result.iterations} "
        f"(6 requests each: {', '.join(OPERATIONS)})",
        f"- requests: {result.requests}; errors: {len(result.errors)}; lost writes: {len(result.lost)}",
        f"- wall time: {result.wall_seconds:.2f} s; throughput: {result.requests / result.wall_seconds:.0f} requests/s",
        "",
        "| operation | requests | p50 ms | p95 ms | p99 ms | max ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for operation in (*OPERATIONS, "all"):
        values = [s * 1000 for op, s in result.latencies if operation in (op, "all")]
        if values:
            lines.append(
                f"| {operation} | {len(values)} | {statistics.median(values):.1f} | {percentile(values, 95):.1f} | "
                f"{percentile(values, 99):.1f} | {max(values):.1f} |"
            )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--iterations", type=int, default=25)
    parser.add_argument("--time-limit", type=float, default=300.0, help="seconds after which no unit starts")
    parser.add_argument("--write", type=Path, help="also write the report to this file (Markdown)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, running_server(Path(tmp) / "state") as url:
        result = run_load(url, args.clients, args.iterations, args.time_limit)
    text = report(result)
    sys.stdout.write(text)
    for line in (result.errors + result.lost)[:20]:
        sys.stdout.write(f"  ! {line}\n")
    if args.write:
        args.write.write_text(text, encoding="utf-8")
    return 1 if result.errors or result.lost or result.timed_out else 0


if __name__ == "__main__":
    sys.exit(main())
