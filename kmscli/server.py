"""`kmscli serve`: KMS's JSON 1.1 protocol over HTTP, on the same core and state as the CLI.

One request is `POST /` with `X-Amz-Target: TrentService.<Operation>` and a JSON body keyed by the
API member names. It is answered exactly as the CLI would run the operation (the executor runs it
on the CLI's own session, kmscli/session.py: one store transaction around `core.call`), with the
wire conventions of the protocol: blobs base64, timestamps epoch numbers, errors `{"__type", "message"}`.

The front-door answers (wrong content type, malformed JSON, unknown target, missing or incomplete
SigV4 authorization) follow what AWS's JSON services send, checked in the order they check them:
content type, JSON, target, signature, then the operation's own validation.

Signatures are not verified: there is no secret to verify them with. The credential scope is
still read, because it carries the region, and the access key can be pinned so that a client
configured with the wrong credentials fails here as it would on AWS.

This module knows nothing of Click; `kmscli/cli/serve.py` wires it to the command line.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn, TextIO

from kmscli import __version__, core, output
from kmscli.config import ConfigError
from kmscli.core.servicemodel import Shape, ShapeWalker, shape
from kmscli.core.validation import MAX_NESTING, is_moment, service_violations, too_deep, validation_error
from kmscli.guarded_http import GuardedHandler, GuardedHTTPServer, Limits, Refusal
from kmscli.store import StateError

if TYPE_CHECKING:
    from kmscli.identities import Identities
    from kmscli.session import Session

TARGET_PREFIX = "TrentService."
CONTENT_TYPE = "application/x-amz-json-1.1"
# AWS's JSON front door also takes plain JSON; anything else is not an operation it knows.
ACCEPTED_CONTENT_TYPES = (CONTENT_TYPE, "application/json")
# The largest valid KMS request (a 32 KB policy plus 50 tags, or a 6 KB ciphertext blob in base64)
# is far below this; a bigger body is refused before it is read.
MAX_BODY_BYTES = 1024 * 1024
SERVICE = "kms"
# kmscli's own: for load balancers and monitoring. GET / stays the KMS front door's answer.
HEALTH_PATH = "/kmscli/health"
SERVE_LIMITS = Limits(max_body_bytes=MAX_BODY_BYTES)

# KMS answers every client error with HTTP 400 (the recorded answers of the real service show 400 even
# for NotFoundException and KMSInvalidStateException, whatever the Smithy model's httpError traits
# say); only its server faults use 5xx, and botocore retries those as it would against AWS.
SERVER_FAULTS: dict[str, int] = {
    "KMSInternalException": 500,
    "KeyUnavailableException": 500,
    "DependencyTimeoutException": 503,
}

_REGION = re.compile(r"([a-z]+-){2,3}\d+")
_CORAL = "com.amazon.coral.service#"

# Runs one operation: (operation, API params, region, finish) -> finish(the core's result), with
# finish called inside the operation's transaction. finish encodes the answer, so an answer that
# cannot be encoded rolls the operation back instead of failing after its commit (an SDK retries a
# 500, and would repeat a committed CreateKey). `executor` below: Session.transact around core.call.
# Keyword arguments carry who is calling, when an identities file is in use (caller, source_ip...).
Executor = Callable[..., bytes]
# (method, target, header pairs, body) -> (Region of the credential scope, the signing principal's
# caller); raises WireError for a request that does not verify.
Verifier = Callable[[str, str, list[tuple[str, str]], bytes], tuple[str, Any]]
# A request made by an AWS service on the caller's behalf, so that kms:ViaService conditions apply.
VIA_SERVICE_HEADER = "x-kmscli-via-service"


class Answer(NamedTuple):
    """One HTTP answer, plus what the request log line says about it."""

    status: int
    body: bytes
    content_type: str = CONTENT_TYPE
    operation: str = "-"
    error: str | None = None
    # Close the connection afterwards (the body was not read, so the stream is out of step).
    close: bool = False


class WireError(Exception):
    """An error answered before (or instead of) running the operation."""

    def __init__(self, status: int, code: str, message: str | None = None) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message


def error_body(code: str, message: str | None) -> bytes:
    doc: dict[str, Any] = {"__type": code}
    if message is not None:
        doc["message"] = message
    return encode_json(doc)


def encode_json(document: Any) -> bytes:
    """UTF-8 JSON, which text cannot make fail: a lone surrogate (which no request may bring in,
    but a state written by an older kmscli may hold) is sent as a \\uXXXX escape, as JSON allows.
    NaN and infinities are not JSON, and raise."""
    text = json.dumps(document, ensure_ascii=False, allow_nan=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(document, allow_nan=False).encode("ascii")


class Service:
    """The protocol without the sockets: headers and body in, an Answer out (thread-safe)."""

    def __init__(
        self,
        execute: Executor,
        *,
        access_key_id: str | None = None,
        check: Callable[[], None] | None = None,
        verify: Verifier | None = None,
    ) -> None:
        self._execute = execute
        self._access_key_id = access_key_id
        # Raises StateError when the state cannot be used; reads no key (serve: an empty transaction).
        self._check = check
        # With an identities file: checks each request's signature and names its principal.
        self._verify = verify

    def health(self) -> Answer:
        """200 when the state answers, 503 (with why) when it does not; never touches a key."""
        try:
            if self._check is not None:
                self._check()
        except StateError as e:
            body = json.dumps({"status": "unavailable", "message": str(e)}).encode("utf-8")
            return Answer(503, body, "application/json", operation="health", error="Unavailable")
        return Answer(200, b'{"status": "ok"}', "application/json", operation="health")

    def answer(
        self,
        method: str,
        headers: Mapping[str, str],
        body: bytes,
        *,
        target: str = "/",
        client_ip: str | None = None,
    ) -> Answer:
        pairs = list(headers.items())
        # HTTP header names are case-insensitive.
        headers = {name.lower(): value for name, value in pairs}
        operation = "-"
        try:
            if method != "POST" or _media_type(headers.get("content-type", "")) not in ACCEPTED_CONTENT_TYPES:
                # What AWS's front door sends for a request it cannot route, as XML and with 404.
                return Answer(404, b"<UnknownOperationException/>\n", "text/xml", error="UnknownOperationException")
            document = _parse(body)
            operation = _operation(headers.get("x-amz-target", ""))
            region = self._authorize(headers)
            extra: dict[str, Any] = {}
            if self._verify is not None:
                region, extra["caller"] = self._verify(method, target, pairs, body)
                extra["source_ip"] = client_ip
                # Plain HTTP: aws:SecureTransport is false.
                extra["secure_transport"] = False
            if headers.get(VIA_SERVICE_HEADER):
                extra["via_service"] = headers[VIA_SERVICE_HEADER]
            if document is None:
                raise WireError(400, _CORAL + "SerializationException")
            return self._run(operation, document, region, extra)
        except WireError as e:
            return Answer(e.status, error_body(e.code, e.message), operation=operation, error=e.code.rpartition("#")[2])

    def _authorize(self, headers: Mapping[str, str]) -> str:
        """The region of the SigV4 credential scope; the access key checked when one is pinned."""
        authorization = headers.get("authorization", "").strip()
        if not authorization.startswith("AWS4-"):
            raise WireError(
                400, _CORAL + "MissingAuthenticationTokenException", "Request is missing Authentication Token"
            )
        algorithm, _, rest = authorization.partition(" ")
        fields = dict(part.strip().partition("=")[::2] for part in rest.replace(",", " ").split() if "=" in part)
        missing = "".join(
            f"Authorization header requires '{name}' parameter. "
            for name in ("Credential", "Signature", "SignedHeaders")
            if not fields.get(name)
        )
        if not headers.get("x-amz-date") and not headers.get("date"):
            missing += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        if missing:
            raise WireError(400, _CORAL + "IncompleteSignatureException", f"{missing}Authorization={authorization}")
        if algorithm != "AWS4-HMAC-SHA256":
            raise WireError(
                400,
                _CORAL + "IncompleteSignatureException",
                f"Unsupported AWS 'algorithm': '{algorithm}' (only AWS4-HMAC-SHA256 for now). ",
            )
        credential = fields["Credential"].rstrip("/")
        parts = credential.split("/")
        if len(parts) != 5:
            raise WireError(
                400,
                _CORAL + "IncompleteSignatureException",
                "Credential must have exactly 5 slash-delimited elements, "
                f"e.g. keyid/date/region/service/term, got '{credential}'",
            )
        access_key, _, region, service, terminator = parts
        problems = ""
        if not _REGION.fullmatch(region):
            problems += f"Credential should be scoped to a valid region, not '{region}'. "
        if service != SERVICE:
            problems += f"Credential should be scoped to correct service: '{SERVICE}'. "
        if terminator != "aws4_request":
            problems += f"Credential should be scoped with a valid terminator: 'aws4_request', not '{terminator}'. "
        if problems:
            raise WireError(400, _CORAL + "InvalidSignatureException", problems.rstrip())
        if self._access_key_id is not None and access_key != self._access_key_id:
            raise WireError(
                400, _CORAL + "UnrecognizedClientException", "The security token included in the request is invalid."
            )
        return region

    def _run(self, operation: str, document: dict[str, Any], region: str, extra: dict[str, Any]) -> Answer:
        op = core.get_operation(operation)
        try:
            params = _from_wire(op.input_shape, document, "")
            violations = [*_required(op.input_shape, params, ""), *service_violations(op.input_shape, params)]
            if violations:
                raise validation_error(violations)
            body = self._execute(
                operation,
                params,
                region,
                lambda result: encode_json(output.result_document(op.output_shape, result)),
                **extra,
            )
            return Answer(200, body, operation=operation)
        except core.KmsError as e:
            status = SERVER_FAULTS.get(e.code, 400)
            # KMS omits `message` when it has none (InvalidCiphertextException, for one), never "".
            return Answer(status, error_body(e.code, e.message or None), operation=operation, error=e.code)
        except core.ParamValidationError as e:
            # What botocore would have refused client-side; a raw client gets the service's answer.
            error: core.KmsError = validation_error(e.problems)
            return Answer(400, error_body(error.code, error.message), operation=operation, error=error.code)
        except StateError as e:
            return Answer(
                500, error_body("KMSInternalException", str(e)), operation=operation, error="KMSInternalException"
            )


def executor(session: Session, profile: str | None = None) -> Executor:
    """Requests run as commands do: one session transaction around core.call, re-run as a writer if needed.

    The answer is encoded inside the transaction, so a failure to encode it commits nothing.
    """

    def execute(operation: str, params: Any, region: str, finish: Callable[[Any], bytes], **extra: Any) -> bytes:
        try:
            return session.transact(
                lambda repo, env: finish(core.call(operation, params, repo, env)),
                access=core.get_operation(operation).access,
                options={"region": region, "profile": profile, **extra},
            )
        except ConfigError as e:
            # Settings were checked at start-up; what is left comes from the request (X-Kmscli-Via-Service).
            from kmscli.core.errors import ValidationException

            raise ValidationException(str(e)) from None

    return execute


def verifier(identities: Identities) -> Any:
    """For `kmscli serve`: check a request's SigV4 signature against the file's access keys.

    Returns (method, target, header pairs, body) -> (Region of the credential scope, the caller);
    a request that does not verify raises the server's WireError with AWS's code and message.
    The comparison of signatures is constant-time (kmscli.sigv4); secrets never leave this closure.
    """
    from kmscli import sigv4

    def secret_for(access_key_id: str) -> str | None:
        found = identities.by_access_key(access_key_id)
        return found[1] if found else None

    def verify(method: str, target: str, pairs: list[tuple[str, str]], body: bytes) -> tuple[str, Any]:
        try:
            who = sigv4.verify(method, target, pairs, body, secret_for=secret_for, now=time.time(), service="kms")
        except sigv4.SignatureError as e:
            raise WireError(400, _CORAL + e.code, e.message) from None
        found = identities.by_access_key(who.access_key_id)
        assert found is not None
        return who.region, found[0].caller

    return verify


def _media_type(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


def _parse(body: bytes) -> dict[str, Any] | None:
    """The request document; None for an empty body (answered after the target and signature)."""
    if not body.strip():
        return None
    try:
        document = json.loads(body, parse_constant=_not_json)
    except (ValueError, UnicodeDecodeError):
        raise WireError(400, _CORAL + "SerializationException") from None
    except RecursionError:
        raise WireError(400, _CORAL + "SerializationException", f"Nesting deeper than {MAX_NESTING} levels") from None
    if too_deep(document):
        raise WireError(400, _CORAL + "SerializationException", f"Nesting deeper than {MAX_NESTING} levels")
    if not isinstance(document, dict):
        raise WireError(400, _CORAL + "SerializationException", "Start of structure or map expected")
    return document


def _not_json(constant: str) -> Any:
    """NaN, Infinity and -Infinity: Python's json takes them, JSON (and AWS) does not."""
    raise ValueError(f"{constant} is not JSON")


def _operation(target: str) -> str:
    prefix, _, name = target.partition(".")
    if f"{prefix}." != TARGET_PREFIX or name not in core.MODULES:
        raise WireError(400, _CORAL + "UnknownOperationException")
    return name


_JSON_TYPES = {
    "string": "a string",
    "boolean": "a boolean",
    "integer": "an integer",
    "long": "an integer",
    "timestamp": "a number (epoch seconds)",
    "blob": "a base64 string",
    "list": "a list",
    "map": "an object",
    "structure": "an object",
}


def _from_wire(shape_name: str, value: Any, path: str) -> Any:
    """A wire value as the core takes it: blobs decoded to bytes, nulls and unknown members dropped.

    A value of the wrong JSON type is a SerializationException, as when KMS cannot deserialize it.
    """
    return _FROM_WIRE.walk(shape(shape_name), value, path)


class _FromWire(ShapeWalker):
    def walk_structure(self, shape: Shape, value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            _wrong_type(shape, path)
        members = shape.members
        # Members the model does not know are ignored, as AWS's deserializer ignores them.
        return {
            k: self.walk(members[k].shape, v, _join(path, k))
            for k, v in value.items()
            if k in members and v is not None
        }

    def walk_list(self, shape: Shape, value: Any, path: str) -> Any:
        if not isinstance(value, list):
            _wrong_type(shape, path)
        return [self.walk(shape.member, v, f"{path}[{i}]") for i, v in enumerate(value) if v is not None]

    def walk_map(self, shape: Shape, value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            _wrong_type(shape, path)
        return {_text(k, path): self.walk(shape.value, v, f"{path}.{k}") for k, v in value.items() if v is not None}

    def walk_blob(self, shape: Shape, value: Any, path: str) -> Any:
        if not isinstance(value, str):
            _wrong_type(shape, path)
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise WireError(400, _CORAL + "SerializationException", f"Value at '{path}' is not valid base64") from None

    def walk_timestamp(self, shape: Shape, value: Any, path: str) -> Any:
        if not isinstance(value, int | float) or isinstance(value, bool):
            _wrong_type(shape, path)
        if not is_moment(value):
            raise WireError(400, _CORAL + "SerializationException", f"Value at '{path}' is not a valid timestamp")
        return float(value)

    def walk_integer(self, shape: Shape, value: Any, path: str) -> Any:
        if not isinstance(value, int) or isinstance(value, bool):
            _wrong_type(shape, path)
        return value

    walk_long = walk_integer

    def walk_string(self, shape: Shape, value: Any, path: str) -> Any:
        if not isinstance(value, str):
            _wrong_type(shape, path)
        return _text(value, path)

    def walk_boolean(self, shape: Shape, value: Any, path: str) -> Any:
        if not isinstance(value, bool):
            _wrong_type(shape, path)
        return value

    def walk_scalar(self, shape: Shape, value: Any, path: str) -> Any:
        _wrong_type(shape, path)


_FROM_WIRE = _FromWire()


def _wrong_type(shape: Shape, path: str) -> NoReturn:
    raise WireError(400, _CORAL + "SerializationException", f"Expected {_JSON_TYPES[shape.type_name]} at '{path}'")


def _text(value: str, path: str) -> str:
    """A string that is Unicode text: a `\\ud800`-style escape of half a character pair (as a
    JavaScript string cut in the middle of an emoji gives) cannot be stored or answered."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise WireError(
            400, _CORAL + "SerializationException", f"Value at '{path}' is not valid Unicode: a lone surrogate"
        ) from None
    return value


def _join(path: str, member: str) -> str:
    return f"{path}.{member}" if path else member


def _required(shape_name: str, value: Any, path: str) -> list[str]:
    """KMS's 'Member must not be null' violations, with its lowerCamelCase, 1-based member paths."""
    required = _Required()
    required.walk(shape(shape_name), value, path)
    return required.found


class _Required(ShapeWalker):
    def __init__(self) -> None:
        self.found: list[str] = []

    def walk_structure(self, shape: Shape, value: Any, path: str) -> None:
        for m in shape.members.values():
            where = _join(path, m.name[:1].lower() + m.name[1:])
            if m.name in value:
                self.walk(m.shape, value[m.name], where)
            elif m.name in shape.required:
                self.found.append(f"Value null at '{where}' failed to satisfy constraint: Member must not be null")

    def walk_list(self, shape: Shape, value: Any, path: str) -> None:
        for i, item in enumerate(value, start=1):
            self.walk(shape.member, item, f"{path}.{i}.member")

    def walk_scalar(self, shape: Shape, value: Any, path: str) -> None:
        pass


# ------------------------------------------------------------------------------------------- HTTP


class KmsHttpServer(GuardedHTTPServer):
    """A thread per connection; SQLite's BEGIN IMMEDIATE and busy timeout serialize the writers.

    `stop()` may be called from a signal handler: it ends `serve_forever`, and `drain()` then waits
    for the requests already running, so no transaction is cut short by the exit.
    """

    def __init__(
        self,
        host: str,
        port: int,
        service: Service,
        log: TextIO,
        *,
        limits: Limits = SERVE_LIMITS,
        allowed_hosts: Iterable[str] = (),
    ) -> None:
        self.service = service
        self.log_file = log
        self._log_lock = threading.Lock()
        self._busy = threading.Condition()
        self._running = 0
        super().__init__(
            host,
            port,
            _Handler,
            limits=limits,
            allowed_hosts=allowed_hosts,
            log=lambda line: self.write_log(f"kmscli serve: {line}"),
        )

    @property
    def url(self) -> str:
        address, port = self.server_address[:2]
        host = address.decode() if isinstance(address, bytes) else address
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def stop(self) -> None:
        # shutdown() waits for serve_forever to return, so it must not run on the serving thread.
        threading.Thread(target=self.shutdown, daemon=True).start()

    def drain(self, timeout: float) -> bool:
        """Wait until no request is being answered; False if some still were after `timeout` seconds."""
        with self._busy:
            return self._busy.wait_for(lambda: self._running == 0, timeout)

    def started(self) -> None:
        with self._busy:
            self._running += 1

    def finished(self) -> None:
        with self._busy:
            self._running -= 1
            self._busy.notify_all()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """One log line, not socketserver's traceback; a client that hung up is not worth one."""
        failure = sys.exc_info()[1]
        if not isinstance(failure, ConnectionError):
            self.write_log(f"kmscli serve: error answering {client_address[0]}: {type(failure).__name__}: {failure}")

    def write_log(self, line: str) -> None:
        with self._log_lock:
            self.log_file.write(line + "\n")
            self.log_file.flush()


class _Handler(GuardedHandler):
    # Headers and body leave in one segment (http.server flushes after each request), and never wait
    # for Nagle: a response split in two small writes would otherwise meet the client's delayed ACK
    # and take 40 ms.
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True
    server: KmsHttpServer

    def version_string(self) -> str:
        return f"kmscli/{__version__}"

    def do_POST(self) -> None:
        self._handle()

    do_GET = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_POST

    def _handle(self) -> None:
        started = time.perf_counter()
        self.server.started()
        try:
            answer = self._answer()
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
            if answer.error:
                self.send_header("x-amzn-ErrorType", answer.error)
            if answer.close:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(answer.body)
            elapsed = (time.perf_counter() - started) * 1000
            what = f"{answer.status} {answer.error}" if answer.error else str(answer.status)
            # Operation, status and duration only: bodies (plaintexts, keys, policies) are never logged.
            # Logged before the answer leaves: a client that has its answer finds the request's line.
            self.server.write_log(
                f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {self.client_address[0]} "
                f"{answer.operation} {what} {elapsed:.1f}ms"
            )
            # Sent before the request counts as finished: a stop that drains the running requests
            # must not let the process exit with the answer still in this thread's buffer.
            self.wfile.flush()
        finally:
            self.server.finished()

    def _answer(self) -> Answer:
        body = self.request_body()
        if isinstance(body, Refusal):
            self.server.write_log(f"kmscli serve: refused a request from {self.client_address[0]}: {body.reason}")
            if body.kind == "host":
                # What AWS's front door sends for a request it cannot route; nothing was run.
                return Answer(
                    404, b"<UnknownOperationException/>\n", "text/xml", error="UnknownOperationException", close=True
                )
            return Answer(body.status, b"", "text/plain", error=body.error, close=True)
        if self.path == HEALTH_PATH and self.command in ("GET", "HEAD"):
            return self.server.service.health()
        try:
            return self.server.service.answer(
                self.command, dict(self.headers.items()), body, target=self.path, client_ip=self.client_address[0]
            )
        except Exception as e:  # one request's bug must not take the server down
            self.server.write_log(f"kmscli serve: internal error: {type(e).__name__}: {e}")
            return Answer(
                500, error_body("KMSInternalException", "An internal error occurred."), error="KMSInternalException"
            )

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """The server writes its own line per request (_handle); none of http.server's."""

    def log_message(self, format: str, *args: Any) -> None:
        # Protocol-level complaints (a malformed request line, a timeout) still go to the log.
        self.server.write_log(f"kmscli serve: {format % args}")
