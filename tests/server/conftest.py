"""Fixtures for the `kmscli serve` tests: a real server process, and ways to talk to it.

The server always runs as a subprocess on loopback with `--port 0`; its readiness line names the
port. Every wait is bounded, and every server a fixture starts is stopped when the test ends.
Tests reach the helpers through fixtures (pytest runs with --import-mode=importlib).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import boto3
import pytest
from botocore.config import Config

FIXED_TIME = 1502910355.475
ACCOUNT = "111122223333"
REGION = "us-west-2"
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
READY = re.compile(r"kmscli serve: listening on http://127\.0\.0\.1:(\d+) \(account (\d{12}), state (.+)\)\n")
START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 15


class Server(NamedTuple):
    proc: subprocess.Popen[str]
    port: int
    url: str
    ready_line: str
    state_dir: Path
    log_path: Path
    environ: dict[str, str]

    def log_lines(self) -> list[str]:
        return self.log_path.read_text(encoding="utf-8").splitlines()

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, str]:
        """Signal the server and wait for it: its exit status and the rest of its stdout."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        out, _ = self.proc.communicate(timeout=STOP_TIMEOUT_S)
        return self.proc.returncode, out

    def kill(self) -> None:
        """Stop the server if it still runs, and release its stdout pipe either way."""
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self._finish()
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self._finish()

    def _finish(self) -> None:
        if self.proc.stdout is not None and not self.proc.stdout.closed:
            self.proc.communicate(timeout=STOP_TIMEOUT_S)
        else:
            self.proc.wait(timeout=STOP_TIMEOUT_S)


def clean_environ(**extra: str) -> dict[str, str]:
    """This process's environment without any AWS or kmscli setting, plus `extra`."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "KMSCLI_"))}
    environ.update(extra)
    return environ


def start_server(state_dir: Path, log_path: Path, *args: str, **environ: str) -> Server:
    """`kmscli serve --port 0 ARGS` with KMSCLI_STATE_DIR=state_dir; returns once it is ready."""
    env = clean_environ(KMSCLI_STATE_DIR=str(state_dir), KMSCLI_FIXED_TIME=str(FIXED_TIME), **environ)
    with log_path.open("w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "kmscli", "serve", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=log,
            stdin=subprocess.DEVNULL,
            text=True,
            env=env,
        )
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(proc.stdout.readline() if proc.stdout else ""), daemon=True)
    reader.start()
    reader.join(START_TIMEOUT_S)
    match = READY.fullmatch(line[0]) if line else None
    if match is None:
        proc.kill()
        proc.communicate(timeout=STOP_TIMEOUT_S)
        raise AssertionError(f"no readiness line: {line!r}; log: {log_path.read_text(encoding='utf-8')}")
    port = int(match.group(1))
    return Server(proc, port, f"http://127.0.0.1:{port}", line[0], state_dir, log_path, env)


_SESSION: list[Any] = []


def kms_client(url: str, region: str = REGION, access_key: str = ACCESS_KEY, **config: Any) -> Any:
    """A boto3 KMS client for the server; no retries (unless `retries` says otherwise), so every
    error is seen as the server sent it."""
    if not _SESSION:
        # One session: its model loader is shared, so each further client is cheap to make.
        _SESSION.append(boto3.session.Session())
    return _SESSION[0].client(
        "kms",
        endpoint_url=url,
        region_name=region,
        aws_access_key_id=access_key,
        aws_secret_access_key=SECRET_KEY,
        config=Config(**{"retries": {"total_max_attempts": 1}, "connect_timeout": 5, "read_timeout": 60, **config}),
    )


class RawAnswer(NamedTuple):
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


SIGNED = {
    "Authorization": (
        f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/20170816/{REGION}/kms/aws4_request, "
        "SignedHeaders=host;x-amz-date;x-amz-target, Signature=0123456789abcdef"
    ),
    "X-Amz-Date": "20170816T190555Z",
    "Content-Type": "application/x-amz-json-1.1",
}


def headers_for(operation: str, **changes: str | None) -> dict[str, str]:
    """Signed headers for TrentService.<operation>; a change of None removes that header."""
    headers = {**SIGNED, "X-Amz-Target": f"TrentService.{operation}"}
    for name, value in changes.items():
        name = name.replace("_", "-")
        if value is None:
            headers.pop(name, None)
        else:
            headers[name] = value
    return headers


def raw(port: int, body: bytes | str, headers: Mapping[str, str], method: str = "POST") -> RawAnswer:
    """One request over a fresh connection, exactly as given: no SDK in the way."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        data = body.encode() if isinstance(body, str) else body
        conn.request(method, "/", body=data, headers=dict(headers))
        response = conn.getresponse()
        return RawAnswer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        conn.close()


def call(port: int, operation: str, document: Any) -> RawAnswer:
    return raw(port, json.dumps(document), headers_for(operation))


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """`launch(*args, state_dir=..., **environ)` starts a server; each one is stopped at the end."""
    started: list[Server] = []

    def run(*args: str, state_dir: Path | None = None, **environ: str) -> Server:
        log = tmp_path / f"server{len(started)}.log"
        server = start_server(state_dir or tmp_path / "state", log, *args, **environ)
        started.append(server)
        return server

    try:
        yield run
    finally:
        for server in started:
            server.kill()


@pytest.fixture
def server(launch: Callable[..., Server]) -> Server:
    return launch(KMSCLI_SEED="server-tests")


@pytest.fixture
def kms(server: Server) -> Any:
    return kms_client(server.url)


class Wire:
    """Raw HTTP to one server: `call(operation, document)`, `raw(body, headers)`, `headers(operation)`."""

    signed = SIGNED

    def __init__(self, port: int) -> None:
        self.port = port

    def call(self, operation: str, document: Any) -> RawAnswer:
        return call(self.port, operation, document)

    def raw(self, body: bytes | str, headers: Mapping[str, str], method: str = "POST") -> RawAnswer:
        return raw(self.port, body, headers, method)

    @staticmethod
    def headers(operation: str, **changes: str | None) -> dict[str, str]:
        return headers_for(operation, **changes)


@pytest.fixture
def wire(server: Server) -> Wire:
    return Wire(server.port)


@pytest.fixture
def client() -> Callable[..., Any]:
    """`client(url, region=..., access_key=..., **botocore_config)`: a boto3 KMS client."""
    return kms_client


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for a whole module; tests keep apart by each using a Region of its own."""
    base = tmp_path_factory.mktemp("shared")
    server = start_server(base / "state", base / "server.log", KMSCLI_SEED="shared")
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture(scope="session")
def conformance() -> Any:
    """tests/conformance.py: checks a response document against botocore's output shape."""
    import importlib.util

    path = Path(__file__).parent.parent / "conformance.py"
    spec = importlib.util.spec_from_file_location("kmscli_tests_conformance", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def ctx(shared_server: Server, client: Callable[..., Any]) -> Any:
    """One test's own Region on the module's shared server (tests/server/operations.py)."""
    from tests.server.operations import Ctx

    return Ctx(shared_server.url, client)
