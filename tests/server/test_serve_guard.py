"""What a web page, a slow client or a smuggling proxy can do to `kmscli serve`: nothing.

DNS rebinding: a page whose name now resolves to 127.0.0.1 is same-origin with the server and may
set any header, but its requests carry its own name in Host (and usually in Origin). Those are
refused as AWS's front door refuses a request it cannot route (404 UnknownOperationException),
nothing runs, and the log says why. Slow clients are cut off by the read timeout and cannot take
more than the connection cap; bodies are delimited one way only.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

REFUSED = (404, b"<UnknownOperationException/>\n")


def ask(port: int, headers: dict[str, str], operation: str = "CreateKey", body: str = "{}") -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", "/", body=body.encode(), headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def exchange(port: int, data: bytes) -> bytes:
    """Send raw bytes on a fresh connection; everything the server sends back before it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(data)
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    return reply


def key_count(kms: Any) -> int:
    return len(kms.list_keys()["Keys"])


@pytest.mark.parametrize(
    "host",
    [
        "attacker.example:{port}",
        "attacker.example",
        "localhost.attacker.example:{port}",
        "127.0.0.1.nip.io:{port}",
        "localhost:{other}",
        "LOCALHOST.:{port}",
        "",
    ],
)
def test_a_foreign_host_is_refused_and_nothing_runs(server, kms, wire, host):
    headers = wire.headers("CreateKey", Host=host.format(port=server.port, other=server.port + 1))
    assert ask(server.port, headers) == REFUSED
    assert key_count(kms) == 0
    server.stop()
    lines = server.log_lines()
    shown = repr(host.format(port=server.port, other=server.port + 1))
    assert f"kmscli serve: refused a request from 127.0.0.1: Host {shown} is not a name of this server" in lines
    assert re.search(r" 127\.0\.0\.1 - 404 UnknownOperationException ", "\n".join(lines))


@pytest.mark.parametrize(
    "origin",
    ["http://attacker.example:{port}", "http://localhost:3000", "null", "https://127.0.0.1:{port}", "file://"],
)
def test_a_foreign_origin_is_refused_and_nothing_runs(server, kms, wire, origin):
    """A page elsewhere may still send a request to 127.0.0.1 (its Host is then right): its Origin is not."""
    origin = origin.format(port=server.port)
    headers = wire.headers("CreateKey", Host=f"127.0.0.1:{server.port}", Origin=origin)
    assert ask(server.port, headers) == REFUSED
    assert key_count(kms) == 0
    server.stop()
    assert f"kmscli serve: refused a request from 127.0.0.1: Origin {origin!r} is not this server" in server.log_lines()


@pytest.mark.parametrize("host", ["localhost:{port}", "127.0.0.1:{port}", "[::1]:{port}", "LocalHost:{port}"])
def test_loopback_names_with_the_port_are_served(server, wire, host):
    host = host.format(port=server.port)
    status, body = ask(server.port, wire.headers("CreateKey", Host=host, Origin=f"http://{host}"))
    assert (status, json.loads(body)["KeyMetadata"]["KeyState"]) == (200, "Enabled")


def test_two_host_headers_are_refused(server, kms):
    head = (
        f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nHost: attacker.example\r\n"
        "Content-Type: application/x-amz-json-1.1\r\nX-Amz-Target: TrentService.CreateKey\r\n"
        "Content-Length: 2\r\n\r\n{}"
    )
    reply = exchange(server.port, head.encode())
    assert reply.startswith(b"HTTP/1.1 404 Not Found\r\n")
    assert reply.endswith(b"\r\n\r\n<UnknownOperationException/>\n")
    assert key_count(kms) == 0


def test_named_hosts_are_served_on_their_port(launch, wire):
    server = launch("--allow-host", "kms.test", "--allow-host", "proxy.test:8443")
    for host, status in [
        (f"kms.test:{server.port}", 200),
        ("proxy.test:8443", 200),
        (f"proxy.test:{server.port}", 404),
        ("kms.test:8443", 404),
        (f"other.test:{server.port}", 404),
    ]:
        assert ask(server.port, wire.headers("ListKeys", Host=host))[0] == status, host


def test_an_unusable_allowed_host_stops_the_start(launch):
    with pytest.raises(AssertionError, match="kmscli serve: --allow-host: not a host name: 'a b'"):
        launch("--allow-host", "a b")


# ------------------------------------------------------------------------ strict framing


def raw_request(port: int, framing: str, body: str = "{}") -> bytes:
    head = (
        f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/x-amz-json-1.1\r\n"
        "X-Amz-Target: TrentService.CreateKey\r\nX-Amz-Date: 20170816T190555Z\r\n"
        "Authorization: AWS4-HMAC-SHA256 Credential=AKID/20170816/us-west-2/kms/aws4_request, "
        f"SignedHeaders=host, Signature=00\r\n{framing}\r\n"
    )
    return exchange(port, head.encode() + body.encode())


@pytest.mark.parametrize(
    ("framing", "status"),
    [
        ("Content-Length: +0_2\r\n", b"400 Bad Request"),
        ("Content-Length: 2 \r\nContent-Length: 2\r\n", b"400 Bad Request"),
        ("Content-Length: 2\r\nContent-Length: 3\r\n", b"400 Bad Request"),
        ("Content-Length: 0x2\r\n", b"400 Bad Request"),
        ("Content-Length: -2\r\n", b"400 Bad Request"),
        ("Content-Length: \u0662\r\n", b"400 Bad Request"),
        ("Content-Length: 2\r\nTransfer-Encoding: chunked\r\n", b"400 Bad Request"),
        ("Transfer-Encoding: chunked\r\n", b"411 Length Required"),
    ],
)
def test_a_body_is_delimited_by_one_plain_content_length(server, kms, framing, status):
    reply = raw_request(server.port, framing)
    assert reply.startswith(b"HTTP/1.1 " + status + b"\r\n")
    assert b"\r\nConnection: close\r\n" in reply
    assert key_count(kms) == 0


def test_a_plain_content_length_is_served(server):
    reply = raw_request(server.port, "Content-Length: 2\r\nConnection: close\r\n")
    assert reply.startswith(b"HTTP/1.1 200 OK\r\n")


# ------------------------------------------------------------------------ slow clients


def server_threads(server) -> int:
    with open(f"/proc/{server.proc.pid}/status", encoding="ascii") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("Threads:"))


@pytest.fixture
def half_sent() -> Iterator[Callable[[int], socket.socket]]:
    """`half_sent(port)`: a connection that sent a request line and one header, and then nothing."""
    opened: list[socket.socket] = []

    def connect(port: int) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        opened.append(sock)
        sock.sendall(f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n".encode())
        return sock

    try:
        yield connect
    finally:
        for sock in opened:
            sock.close()


def closed_by_server(sock: socket.socket) -> bytes:
    """What the server sent before closing; waits (bounded by the socket's timeout) for the close."""
    reply = b""
    while chunk := sock.recv(65536):
        reply += chunk
    return reply


def wait_until(condition: Any, what: str, limit_s: float = 30.0) -> None:
    deadline = time.monotonic() + limit_s
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


CAP = 6


def test_slow_clients_hold_neither_the_server_nor_its_threads(launch, client, half_sent):
    server = launch("--max-connections", str(CAP), "--read-timeout", "5")
    # Fewer slow clients than the cap: others are served meanwhile, with no retry needed.
    slow = [half_sent(server.port) for _ in range(CAP - 2)]
    kms = client(server.url)
    assert key_count(kms) == 0
    assert kms.create_key()["KeyMetadata"]["KeyState"] == "Enabled"
    # Hundreds more: the cap's last slot and one made by closing the SDK's idle connection take two;
    # the others are answered 503 and closed at once, without a thread (on a machine so slow that
    # the first ones time out meanwhile, a few more get their slots, and time out in turn).
    threads = []
    flood = []
    for _ in range(30):
        flood += [half_sent(server.port) for _ in range(10)]
        threads.append(server_threads(server))
    replies = Counter(closed_by_server(sock).partition(b"\r\n")[0] for sock in flood)
    assert set(replies) <= {b"HTTP/1.1 503 Service Unavailable", b""}
    assert replies[b"HTTP/1.1 503 Service Unavailable"] >= 250
    assert max(threads) <= CAP + 2
    # The read timeout ends every half-sent request, without an answer; the threads go with them.
    for sock in slow:
        assert closed_by_server(sock) == b""
    wait_until(lambda: server_threads(server) == 1, "the connection threads end")
    # An SDK with its default retries is served again.
    patient = client(server.url, retries={"mode": "standard"})
    assert key_count(patient) == 1
    server.stop()
    log = "\n".join(server.log_lines())
    assert f"kmscli serve: refused a connection from 127.0.0.1: {CAP} already open" in log
    assert "kmscli serve: Request timed out: TimeoutError('timed out')" in log


def test_idle_keep_alive_connections_make_room_for_new_clients(launch, wire):
    """SDKs keep their connections open between requests: at the cap, the longest idle one is closed."""
    server = launch("--max-connections", "2", "--read-timeout", "60")
    idle = []
    for _ in range(2):
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        conn.request("POST", "/", body=b"{}", headers=wire.headers("ListKeys"))
        assert json.loads(conn.getresponse().read()) == {"Keys": [], "Truncated": False}
        idle.append(conn)
    try:
        for _ in range(5):
            assert ask(server.port, wire.headers("ListKeys"), "ListKeys")[0] == 200
        assert server_threads(server) <= 3
    finally:
        for conn in idle:
            conn.close()
