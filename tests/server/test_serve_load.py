"""benchmarks/server_load.py in small: concurrent boto3 clients, no errors, no lost writes (no timing)."""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path
from typing import Any

CLIENTS = 8
ITERATIONS = 4


def load_module() -> Any:
    path = Path(__file__).parents[2] / "benchmarks" / "server_load.py"
    spec = importlib.util.spec_from_file_location("kmscli_benchmark_server_load", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_concurrent_clients_get_no_errors_and_lose_no_writes(launch):
    bench = load_module()
    server = launch()
    result = bench.run_load(server.url, clients=CLIENTS, iterations=ITERATIONS, time_limit=240)
    assert (result.errors, result.lost, result.timed_out) == ([], [], False)
    assert sorted((u.client, u.iteration) for u in result.units) == [
        (c, i) for c in range(CLIENTS) for i in range(ITERATIONS)
    ]
    assert len({u.key_id for u in result.units}) == CLIENTS * ITERATIONS
    assert result.requests == CLIENTS * ITERATIONS * len(bench.OPERATIONS)
    # The server logged every request, the load's and the read-back's, each a success.
    logged = [line.split()[2:4] for line in server.log_lines() if not line.startswith("kmscli serve:")]
    assert {status for _, status in logged} == {"200"}
    counts = Counter(operation for operation, _ in logged)
    units = CLIENTS * ITERATIONS
    assert {op: counts[op] for op in bench.OPERATIONS} == {
        # The read-back describes every key once more.
        op: units * 2 if op == "DescribeKey" else units
        for op in bench.OPERATIONS
    }


def test_the_report_names_every_operation(launch):
    bench = load_module()
    server = launch()
    result = bench.run_load(server.url, clients=2, iterations=1, time_limit=120)
    text = bench.report(result)
    assert text.startswith("# kmscli serve: load on loopback\n")
    assert "- requests: 12; errors: 0; lost writes: 0\n" in text
    for operation in (*bench.OPERATIONS, "all"):
        assert f"\n| {operation} | " in text
