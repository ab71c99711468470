"""`GET /kmscli/health`: the load balancer's check, which reads no key and names why it fails."""

from __future__ import annotations

import http.client
import json
import re
from typing import Any

from kmscli import server
from kmscli.store import StateError


def never_called(operation: str, params: Any, region: str) -> Any:
    raise AssertionError("the health check must not run an operation")


def test_health_is_200_when_the_state_answers() -> None:
    checked: list[bool] = []
    answer = server.Service(never_called, check=lambda: checked.append(True)).health()
    assert (answer.status, answer.body, answer.content_type, answer.error) == (
        200,
        b'{"status": "ok"}',
        "application/json",
        None,
    )
    assert checked == [True]


def test_health_is_503_with_the_reason_when_it_does_not() -> None:
    def down() -> None:
        raise StateError("cannot connect to the database: connection refused", "postgresql://kms:***@db/kms")

    answer = server.Service(never_called, check=down).health()
    assert (answer.status, answer.content_type, answer.error) == (503, "application/json", "Unavailable")
    assert json.loads(answer.body) == {
        "status": "unavailable",
        "message": "cannot connect to the database: connection refused (postgresql://kms:***@db/kms)",
    }


def test_a_server_answers_health_and_keeps_get_root_as_the_front_door(server: Any) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", "/kmscli/health")
        health = conn.getresponse()
        assert (health.status, health.read()) == (200, b'{"status": "ok"}')
        conn.request("GET", "/")
        root = conn.getresponse()
        assert (root.status, root.read()) == (404, b"<UnknownOperationException/>\n")
    finally:
        conn.close()
    health_line, root_line = server.log_lines()[-2:]
    assert re.fullmatch(r"\S+Z 127\.0\.0\.1 health 200 \d+\.\dms", health_line), health_line
    assert re.fullmatch(r"\S+Z 127\.0\.0\.1 - 404 UnknownOperationException \d+\.\dms", root_line), root_line
