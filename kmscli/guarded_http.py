"""An HTTP/1.1 server that a web page cannot reach and a slow or hostile client cannot exhaust.

`kmscli serve` and `kmscli xks-proxy` both stand on it (docs/security.md gives the threat model):

- Host and Origin checks (DNS rebinding): after a rebinding, a page in the user's browser is
  same-origin with `http://attacker.example:PORT` and can send any header the protocol needs, but
  its requests still carry `Host: attacker.example:PORT`. Only the loopback names, the address the
  server is bound to and names the user adds are accepted, and an `Origin` naming any other place
  is refused.
- Strict framing: a body is delimited by one `Content-Length` of digits only; `Transfer-Encoding`
  (with or without a length) is refused, so no proxy in front can read the request differently.
- A read timeout per connection and a cap on the connections served at once: a client that stops
  sending is dropped after the timeout, and beyond the cap the longest idle keep-alive connection
  is closed to make room, or the new connection is answered 503 and closed. The number of threads
  stays at most the cap (plus the accepting thread).

A server subclasses `GuardedHTTPServer` and `GuardedHandler`, and calls `request_body()` in its
handler: either the body, or a `Refusal` to answer (nothing of the request has run).
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple

# Names a browser page can reach only by being served from this machine itself.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")
_DIGITS = re.compile(r"[0-9]+")
# host, then an optional :port; an IPv6 address keeps its brackets.
_HOST = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[^\[\]:/@\s]+)(?::([0-9]{1,5}))?")


class Limits(NamedTuple):
    """What one server lets its clients hold."""

    # Seconds a connection may stay silent: before a request, inside its headers or body, or
    # while not reading the answer. An idle keep-alive connection is closed after it too.
    read_timeout: float = 20.0
    # Connections served at once (one thread each).
    max_connections: int = 64
    # The largest body read; a larger one is refused before it is read.
    max_body_bytes: int = 1024 * 1024


DEFAULT_LIMITS = Limits()
# A refused connection is kept (threadless) until its client closes, at most this long, and at most
# this many at once; beyond that they are closed at once.
CLOSING_S = 1.0
MAX_CLOSING = 1024
# How long a new connection beyond the cap may wait for one that is sending its answer.
ANSWERING_WAIT_S = 1.0


class Refusal(NamedTuple):
    """A request answered without being run.

    kind: "host" (an unknown Host or a foreign Origin), "framing" (a Content-Length or
    Transfer-Encoding that does not delimit the body unambiguously), "length-required"
    (a body without a length), "too-large" (over the body limit). The connection must be closed
    after the answer: the body was not read.
    """

    kind: str
    status: int
    error: str
    reason: str


def host_name(value: str) -> str:
    """How a name appears in a Host header: an IPv6 address in brackets, lower case."""
    value = value.strip().lower()
    return f"[{value}]" if ":" in value and not value.startswith("[") else value


class HostCheck:
    """Which Host and Origin values reach the server bound at `bound_host`:`port`.

    `allowed` names more hosts (for a name in /etc/hosts, or a proxy in front): a bare name is
    accepted with the server's own port, `name:port` with that port only.
    """

    def __init__(self, bound_host: str, port: int, allowed: Iterable[str] = ()) -> None:
        self.port = port
        self._names = {host_name(h) for h in (*LOOPBACK_HOSTS, bound_host)}
        self._pairs: set[tuple[str, int]] = set()
        for item in allowed:
            match = _HOST.fullmatch(item.strip().lower())
            if match is None:
                raise ValueError(f"not a host name: {item!r}")
            name, given_port = match.groups()
            if given_port is None:
                self._names.add(host_name(name))
            else:
                self._pairs.add((host_name(name), int(given_port)))

    def allows(self, host: str, port: int | None) -> bool:
        if port is None:
            # Hand-written requests omit the port; a browser never does for a port other than 80, so
            # the name alone decides, and a rebinding page's name is never one of these.
            return host in self._names or any(host == name for name, _ in self._pairs)
        return (host in self._names and port == self.port) or (host, port) in self._pairs

    def refusal(self, headers: Message) -> Refusal | None:
        hosts = headers.get_all("Host") or []
        if len(hosts) != 1:
            return Refusal("host", 400, "BadHost", f"{len(hosts)} Host headers (one is required)")
        parsed = _parse_host(hosts[0])
        if parsed is None or not self.allows(*parsed):
            return Refusal("host", 404, "UnknownHost", f"Host {_shown(hosts[0])} is not a name of this server")
        origins = headers.get_all("Origin") or []
        for origin in origins:
            scheme, sep, rest = origin.strip().lower().partition("://")
            parsed = _parse_host(rest) if sep and scheme == "http" else None
            if parsed is None or not self.allows(*parsed):
                return Refusal("host", 404, "ForeignOrigin", f"Origin {_shown(origin)} is not this server")
        return None


def _parse_host(value: str) -> tuple[str, int | None] | None:
    match = _HOST.fullmatch(value.strip().lower())
    if match is None:
        return None
    name, port = match.groups()
    return host_name(name), None if port is None else int(port)


def _shown(value: str) -> str:
    """A header value for the log: quoted, escaped, and cut short."""
    return repr(value if len(value) <= 100 else value[:100] + "...")


def framing_refusal(headers: Message, max_body_bytes: int) -> Refusal | None:
    """The body's length, strictly: one Content-Length of digits, no Transfer-Encoding."""
    lengths = headers.get_all("Content-Length") or []
    encodings = headers.get_all("Transfer-Encoding") or []
    if encodings and lengths:
        return Refusal("framing", 400, "BadContentLength", "Content-Length together with Transfer-Encoding")
    if encodings:
        return Refusal("length-required", 411, "LengthRequired", "Transfer-Encoding is not accepted")
    if len(lengths) > 1:
        return Refusal("framing", 400, "BadContentLength", f"{len(lengths)} Content-Length headers")
    if lengths and not _DIGITS.fullmatch(lengths[0]):
        return Refusal("framing", 400, "BadContentLength", f"Content-Length {_shown(lengths[0])}")
    if lengths and int(lengths[0]) > max_body_bytes:
        return Refusal("too-large", 413, "RequestEntityTooLarge", f"a body of {int(lengths[0])} bytes")
    return None


class GuardedHTTPServer(ThreadingHTTPServer):
    """A thread per connection, at most `limits.max_connections` of them; see the module's doc."""

    # Idle keep-alive connections must not keep the process alive after a stop.
    daemon_threads = True
    # socketserver's default backlog of 5 drops the connections of a burst of clients, which then
    # retry their SYN only after a second.
    request_queue_size = 128

    def __init__(
        self,
        host: str,
        port: int,
        handler: type[GuardedHandler],
        *,
        limits: Limits = DEFAULT_LIMITS,
        allowed_hosts: Iterable[str] = (),
        log: Callable[[str], None],
    ) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.limits = limits
        self.log = log
        self._connections = threading.Condition()
        self._open: set[socket.socket] = set()
        # Connections waiting for their next request, oldest first (dicts keep insertion order), and
        # connections sending an answer (idle or closed a moment later).
        self._idle: dict[socket.socket, None] = {}
        self._answering: set[socket.socket] = set()
        # Refused connections waiting for their client to close (only the serving thread uses this).
        self._closing: list[tuple[socket.socket, float]] = []
        allowed = tuple(allowed_hosts)
        super().__init__((host, port), handler)
        self.host_check = HostCheck(host, self.server_address[1], allowed)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections:
            admitted = self._admit(request)
        if not admitted:
            self.log(f"refused a connection from {client_address[0]}: {self.limits.max_connections} already open")
            self.refuse_busy(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._set_state(request, None)
            raise

    def _admit(self, request: Any) -> bool:
        """Take a slot for `request` (the lock held); False when all are taken by requests under way.

        A connection that is sending its answer will be idle in a moment: worth a short wait, as a
        keep-alive client's next connection often arrives just as its previous answer leaves.
        """
        deadline = time.monotonic() + ANSWERING_WAIT_S
        while len(self._open) >= self.limits.max_connections and not self._reclaim_idle():
            remaining = deadline - time.monotonic()
            if not self._answering or remaining <= 0:
                return False
            self._connections.wait(remaining)
        self._open.add(request)
        return True

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._set_state(request, None)

    def _reclaim_idle(self) -> bool:
        """Close the longest idle keep-alive connection, for a new one; False if none is idle."""
        if not self._idle:
            return False
        oldest = next(iter(self._idle))
        del self._idle[oldest]
        self._open.discard(oldest)
        with contextlib.suppress(OSError):
            oldest.shutdown(socket.SHUT_RDWR)  # its thread's read ends, and the thread with it
        return True

    def _set_state(self, request: Any, state: str | None) -> None:
        """A connection is "idle", "busy" (reading or running a request), "answering", or None (gone)."""
        with self._connections:
            self._idle.pop(request, None)
            self._answering.discard(request)
            if state is None:
                self._open.discard(request)
            elif request not in self._open:
                pass  # reclaimed: its thread is on its way out
            elif state == "idle":
                self._idle[request] = None
            elif state == "answering":
                self._answering.add(request)
            self._connections.notify_all()

    def refuse_busy(self, request: socket.socket) -> None:
        """The answer beyond the cap: 503, which SDKs retry after a back-off.

        The socket is not closed at once: closing it with the client's request still unread would
        send a reset, which can destroy the 503 before the client reads it. It waits in `_closing`
        (no thread of its own) until the client closes or a second passes.
        """
        body = b"Too many connections; try again later.\n"
        head = (
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        try:
            request.setblocking(False)
            request.send(head.encode("ascii") + body)  # a few bytes: the socket buffer takes them
            request.shutdown(socket.SHUT_WR)
        except OSError:
            request.close()
            return
        if len(self._closing) >= MAX_CLOSING:
            request.close()
            return
        self._closing.append((request, time.monotonic() + CLOSING_S))
        self._reap_closing()

    def service_actions(self) -> None:
        # Called by serve_forever between requests and at least every poll interval.
        super().service_actions()
        self._reap_closing()

    def _reap_closing(self) -> None:
        """Read and drop what refused clients still send; close each at its end or after CLOSING_S."""
        now = time.monotonic()
        waiting = []
        for sock, deadline in self._closing:
            try:
                while sock.recv(65536):
                    pass
                finished = True  # the client closed its end
            except BlockingIOError:
                finished = now >= deadline
            except OSError:
                finished = True
            if finished:
                sock.close()
            else:
                waiting.append((sock, deadline))
        self._closing = waiting

    def server_close(self) -> None:
        super().server_close()
        for sock, _ in self._closing:
            sock.close()
        self._closing = []


class GuardedHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: GuardedHTTPServer
    # True from the request line on, until the answer is sent.
    in_request = False

    def setup(self) -> None:
        # StreamRequestHandler applies `timeout` to the socket: every read and write waits at most this.
        self.timeout = self.server.limits.read_timeout
        super().setup()

    def handle_one_request(self) -> None:
        self.in_request = False
        # Until its request line arrives, or (after an answer) until the thread comes back here, the
        # connection stays "answering": it will be idle or closed in a moment.
        self.server._set_state(self.connection, "idle")
        super().handle_one_request()

    def parse_request(self) -> bool:
        # The request line has arrived: this connection is no longer idle, so it is not reclaimed.
        self.server._set_state(self.connection, "busy")
        self.in_request = True
        return super().parse_request()

    def send_response(self, code: int, message: str | None = None) -> None:
        self.server._set_state(self.connection, "answering")
        super().send_response(code, message)

    def request_body(self) -> bytes | Refusal:
        """The body, or why the request is refused unread: framing, then Host and Origin, then size."""
        limits = self.server.limits
        refusal = framing_refusal(self.headers, limits.max_body_bytes)
        if refusal is None or refusal.kind == "too-large":
            refusal = self.server.host_check.refusal(self.headers) or refusal
        if refusal is not None:
            self.close_connection = True
            return refusal
        size = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(size) if size else b""

    def log_error(self, format: str, *args: Any) -> None:
        # A keep-alive connection that stays idle past the timeout is closed without a word: that is
        # how connections end. A request that stops half-way is worth a line.
        if not self.in_request and format.startswith("Request timed out"):
            return
        super().log_error(format, *args)
