"""`kmscli xks-proxy`: an XKS Proxy API v1 server, backed by a PKCS#11 token or a key file of its own.

What it does, as the public XKS Proxy API specification asks:
- four POST operations under `/<UriPathPrefix>/kms/xks/v1`: `health`, `keys/<id>/metadata`,
  `keys/<id>/encrypt`, `keys/<id>/decrypt`; any other method on them is 405, any other path 404
  InvalidUriPathException;
- every request is verified with SigV4 (service `kms-xks-proxy`, the configured Region, any of
  the configured credentials, so that a credential can be rotated without downtime; a request
  more than 5 minutes from the proxy's clock fails);
- AES-GCM under the external key with a 12-byte IV; the AAD given to the key manager is the 2-byte
  big-endian length of additionalAuthenticatedData, the AAD, the 1-byte length of
  ciphertextMetadata and the metadata, so that neither can pass for the other;
- ciphertextDataIntegrityValue when asked: Base64 SHA-256 over AAD, metadata, IV, ciphertext and
  tag, computed before the answer is checked by decrypting it;
- errors as `{"errorName", "errorMessage"}` with the status the specification gives each name;
- one log line per request (operation, key ID, kmsOperation, kmsRequestId, status, duration),
  never a plaintext, key or secret.

The configuration file is JSON (see docs/custom-key-stores.md).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import stat
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, TextIO

from kmscli import __version__, sigv4
from kmscli.guarded_http import GuardedHandler, GuardedHTTPServer, Limits, Refusal

SERVICE = "kms-xks-proxy"
# The specification: requests more than 5 minutes from the proxy's clock fail authentication.
MAX_SKEW_S = 5 * 60
# The specification's minimums are 4300 bytes of plaintext and 8192 of AAD; a request body beyond
# this cap is refused before it is read.
MAX_BODY_BYTES = 64 * 1024
MAX_DATA_BYTES = 16 * 1024
MAX_AAD_BYTES = 8192
MAX_METADATA_BYTES = 20
IV_BYTES = 12
TAG_BYTES = 16
# Seconds a connection may stay silent, and connections served at once.
SOCKET_TIMEOUT_S = 10.0
MAX_CONNECTIONS = 64
# Seconds a request may wait for the key manager before DependencyTimeoutException.
KEY_MANAGER_WAIT_S = 5.0
LOOPBACK = ("127.0.0.1", "localhost", "::1")
_KEY_ID = re.compile(r"[a-zA-Z0-9._-]{1,128}")
_PREFIX = re.compile(r"[a-zA-Z0-9/_-]*")

STATUS = {
    "ValidationException": 400,
    "InvalidStateException": 400,
    "InvalidCiphertextException": 400,
    "InvalidKeyUsageException": 400,
    "AuthenticationFailedException": 401,
    "AccessDeniedException": 403,
    "KeyNotFoundException": 404,
    "InvalidUriPathException": 404,
    "ThrottlingException": 429,
    "InternalException": 500,
    "UnsupportedOperationException": 501,
    "DependencyTimeoutException": 503,
}


class ProxyError(Exception):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


class ConfigError(Exception):
    """The configuration file cannot be used: one line saying why."""


class KeyConfig(NamedTuple):
    key_id: str
    usage: tuple[str, ...]
    status: str = "ENABLED"


class Config(NamedTuple):
    path: str
    uri_path: str
    region: str
    credentials: dict[str, str]
    keys: dict[str, KeyConfig]
    pkcs11: dict[str, str] | None
    allowed_principals: tuple[str, ...] | None = None
    max_requests_per_second: float | None = None


def load_config(path: str) -> Config:
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except OSError as e:
        raise ConfigError(f"cannot read {path}: {e.strerror}") from None
    except ValueError as e:
        raise ConfigError(f"{path} is not JSON: {e}") from None
    try:
        prefix = str(doc.get("UriPathPrefix", "")).strip("/")
        if _PREFIX.fullmatch(prefix) is None:
            raise ConfigError("UriPathPrefix may hold only letters, digits, /, _ and -")
        uri_path = f"/{prefix}/kms/xks/v1" if prefix else "/kms/xks/v1"
        if len(uri_path) > 128:
            raise ConfigError("UriPathPrefix makes the URI path longer than 128 characters")
        credentials = {str(c["AccessKeyId"]): str(c["SecretAccessKey"]) for c in doc["Credentials"]}
        if not credentials:
            raise ConfigError("Credentials must list at least one AccessKeyId and SecretAccessKey")
        keys = {}
        for entry in doc["Keys"]:
            key_id = str(entry["Id"])
            if _KEY_ID.fullmatch(key_id) is None:
                raise ConfigError(f"key ID {key_id!r} must be 1-128 letters, digits, '.', '_' or '-'")
            usage = tuple(str(u) for u in entry.get("Usage", ["ENCRYPT", "DECRYPT"]))
            status = str(entry.get("Status", "ENABLED"))
            if status not in ("ENABLED", "DISABLED"):
                raise ConfigError(f"key {key_id}: Status must be ENABLED or DISABLED")
            keys[key_id] = KeyConfig(key_id, usage, status)
        pkcs11 = doc.get("Pkcs11")
        if pkcs11 is not None:
            pkcs11 = {k: str(pkcs11[k]) for k in ("Module", "TokenLabel", "UserPin")}
        allowed = doc.get("AllowedPrincipals")
        rate = doc.get("MaxRequestsPerSecond")
        return Config(
            path=os.path.abspath(path),
            uri_path=uri_path,
            region=str(doc["Region"]),
            credentials=credentials,
            keys=keys,
            pkcs11=pkcs11,
            allowed_principals=tuple(str(p) for p in allowed) if allowed is not None else None,
            max_requests_per_second=float(rate) if rate is not None else None,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise ConfigError(
            f"{path}: expected {{'Region', 'Credentials': [{{'AccessKeyId', 'SecretAccessKey'}}], 'Keys': "
            f"[{{'Id', 'Usage'}}], optional 'UriPathPrefix', 'Pkcs11': {{'Module', 'TokenLabel', 'UserPin'}}}} "
            f"({type(e).__name__}: {e})"
        ) from None


# ---------------------------------------------------------------- key managers


class KeyManager:
    """AES-256-GCM under named keys."""

    description = ""

    def ensure(self, key_ids: list[str]) -> list[str]:
        """Generate the keys that do not exist yet; the IDs generated."""
        raise NotImplementedError

    def encrypt(self, key_id: str, iv: bytes, plaintext: bytes, aad: bytes) -> bytes:
        raise NotImplementedError

    def decrypt(self, key_id: str, iv: bytes, sealed: bytes, aad: bytes) -> bytes | None:
        raise NotImplementedError

    def check(self) -> None:
        """Raise if the key manager cannot work now (the deep health check)."""
        raise NotImplementedError


class TokenKeyManager(KeyManager):
    def __init__(self, module: str, token_label: str, pin: str) -> None:
        from kmscli.pkcs11token import Pkcs11Token

        self.token = Pkcs11Token(module, token_label)
        self.pin = pin
        self.description = f"PKCS#11 token {token_label!r} of {module}"

    def ensure(self, key_ids: list[str]) -> list[str]:
        made = []
        for key_id in key_ids:
            if not self.token.has_key(self.pin, key_id):
                self.token.generate(self.pin, key_id)
                made.append(key_id)
        return made

    def encrypt(self, key_id: str, iv: bytes, plaintext: bytes, aad: bytes) -> bytes:
        return self.token.encrypt(self.pin, key_id, iv, plaintext, aad)

    def decrypt(self, key_id: str, iv: bytes, sealed: bytes, aad: bytes) -> bytes | None:
        return self.token.decrypt(self.pin, key_id, iv, sealed, aad)

    def check(self) -> None:
        self.token.login(self.pin)


class FileKeyManager(KeyManager):
    """Keys kept in a 0600 JSON file of the proxy's own, beside its configuration."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.description = f"key file {path} (no Pkcs11 section in the configuration)"
        self._keys: dict[str, bytes] = {}

    def ensure(self, key_ids: list[str]) -> list[str]:
        if os.path.exists(self.path):
            mode = stat.S_IMODE(os.stat(self.path).st_mode)
            if mode & 0o077:
                raise ConfigError(f"{self.path} holds keys and must be private to its owner (chmod 600), not {mode:o}")
            with open(self.path, encoding="utf-8") as f:
                self._keys = {k: base64.b64decode(v) for k, v in json.load(f).items()}
        made = [k for k in key_ids if k not in self._keys]
        if made:
            for key_id in made:
                self._keys[key_id] = os.urandom(32)
            text = json.dumps({k: base64.b64encode(v).decode("ascii") for k, v in self._keys.items()})
            tmp = f"{self.path}.tmp"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, self.path)
        return made

    def encrypt(self, key_id: str, iv: bytes, plaintext: bytes, aad: bytes) -> bytes:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        return AESGCM(self._keys[key_id]).encrypt(iv, plaintext, aad)

    def decrypt(self, key_id: str, iv: bytes, sealed: bytes, aad: bytes) -> bytes | None:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        try:
            return AESGCM(self._keys[key_id]).decrypt(iv, sealed, aad)
        except InvalidTag:
            return None

    def check(self) -> None:
        if not self._keys and not os.path.exists(self.path):
            raise OSError("no key file")


def key_manager_for(config: Config) -> KeyManager:
    if config.pkcs11 is not None:
        return TokenKeyManager(config.pkcs11["Module"], config.pkcs11["TokenLabel"], config.pkcs11["UserPin"])
    return FileKeyManager(f"{os.path.splitext(config.path)[0]}.keys.json")


# ---------------------------------------------------------------- the API


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _field(body: Mapping[str, Any], name: str, *, required: bool = True) -> bytes | None:
    value = body.get(name)
    if value is None:
        if required:
            raise ProxyError("ValidationException", f"{name} is required")
        return None
    if not isinstance(value, str):
        raise ProxyError("ValidationException", f"{name} must be a Base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ProxyError("ValidationException", f"{name} is not valid Base64") from None


def _manager_aad(aad: bytes, metadata: bytes) -> bytes:
    """What the key manager authenticates: both lengths are bound, so AAD and metadata never pass for each other."""
    return len(aad).to_bytes(2, "big") + aad + bytes([len(metadata)]) + metadata


def cdiv(aad: bytes, metadata: bytes, iv: bytes, ciphertext: bytes, tag: bytes) -> str:
    return _b64(hashlib.sha256(aad + metadata + iv + ciphertext + tag).digest())


class Throttle:
    """A token bucket: at most `rate` requests per second, with a burst of as many."""

    def __init__(self, rate: float, clock: Callable[[], float]) -> None:
        self.rate = rate
        self.clock = clock
        self.tokens = rate
        self.last = clock()
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            now = self.clock()
            self.tokens = min(self.rate, self.tokens + (now - self.last) * self.rate)
            self.last = now
            if self.tokens < 1:
                return False
            self.tokens -= 1
            return True


class Answer(NamedTuple):
    status: int
    body: dict[str, Any] | None
    operation: str
    error: str | None = None
    # For the log line only (never a secret or data).
    key_id: str = "-"
    kms_operation: str = "-"
    kms_request_id: str = "-"


class Proxy:
    """The API, apart from HTTP: method, target, headers and body in; an Answer out."""

    def __init__(self, config: Config, keys: KeyManager, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.keys = keys
        self.clock = clock
        self.lock = threading.Lock()
        self.throttle = Throttle(config.max_requests_per_second, clock) if config.max_requests_per_second else None

    def answer(self, method: str, target: str, headers: list[tuple[str, str]], body: bytes) -> Answer:
        path = target.partition("?")[0]
        operation, key_id = self._route(path)
        document: Any = None
        if method != "POST":
            # The specification: GET on an API URI is 405 Method Not Allowed; other methods likewise.
            return Answer(405, None, operation or "-", "MethodNotAllowed")
        try:
            try:
                signed = sigv4.verify(
                    method,
                    target,
                    headers,
                    body,
                    secret_for=self.config.credentials.get,
                    now=self.clock(),
                    service=SERVICE,
                    max_skew_s=MAX_SKEW_S,
                )
            except sigv4.SignatureError as e:
                raise ProxyError("AuthenticationFailedException", e.message) from None
            if signed.region != self.config.region:
                # KMS signs with the Region of the key store, which the proxy is configured for.
                raise ProxyError(
                    "AuthenticationFailedException", f"Credential should be scoped to the Region {self.config.region}"
                )
            if self.throttle is not None and not self.throttle.take():
                raise ProxyError("ThrottlingException", "The request rate is too high.")
            if operation is None:
                raise ProxyError("InvalidUriPathException", f"No XKS API operation at {path}")
            try:
                document = json.loads(body)
            except ValueError:
                raise ProxyError("ValidationException", "The request body is not JSON") from None
            if not isinstance(document, dict):
                raise ProxyError("ValidationException", "The request body must be a JSON object")
            metadata = self._request_metadata(document, operation)
            result = self._run(operation, key_id, document, metadata)
            return Answer(200, result, operation, None, key_id or "-", *self._ids(metadata))
        except ProxyError as e:
            ids = self._ids(document.get("requestMetadata")) if isinstance(document, dict) else ("-", "-")
            return Answer(
                STATUS[e.name],
                {"errorName": e.name, "errorMessage": e.message},
                operation or "-",
                e.name,
                key_id or "-",
                *ids,
            )

    @staticmethod
    def _ids(metadata: Any) -> tuple[str, str]:
        if not isinstance(metadata, dict):
            return "-", "-"
        return str(metadata.get("kmsOperation", "-"))[:64], str(metadata.get("kmsRequestId", "-"))[:64]

    def _route(self, path: str) -> tuple[str | None, str | None]:
        base = self.config.uri_path
        if not path.startswith(base + "/"):
            return None, None
        rest = path[len(base) + 1 :]
        if rest == "health":
            return "GetHealthStatus", None
        parts = rest.split("/")
        if len(parts) == 3 and parts[0] == "keys" and _KEY_ID.fullmatch(parts[1]):
            operation = {"metadata": "GetKeyMetadata", "encrypt": "Encrypt", "decrypt": "Decrypt"}.get(parts[2])
            if operation is not None:
                return operation, parts[1]
        return None, None

    def _request_metadata(self, document: Mapping[str, Any], operation: str) -> dict[str, Any]:
        metadata = document.get("requestMetadata")
        if not isinstance(metadata, dict):
            raise ProxyError("ValidationException", "requestMetadata is required")
        required = ["kmsRequestId", "kmsOperation"]
        if operation in ("Encrypt", "Decrypt"):
            required += ["awsPrincipalArn", "kmsKeyArn"]
        elif operation == "GetKeyMetadata":
            required += ["awsPrincipalArn"]
        for name in required:
            if not isinstance(metadata.get(name), str):
                raise ProxyError("ValidationException", f"requestMetadata.{name} is required")
        # Secondary authorization (optional in the specification), never applied to health checks.
        allowed = self.config.allowed_principals
        if allowed is not None and operation != "GetHealthStatus" and metadata["awsPrincipalArn"] not in allowed:
            raise ProxyError("AccessDeniedException", "The principal is not allowed to use this proxy")
        return metadata

    def _key(self, key_id: str | None, usage: str | None) -> KeyConfig:
        assert key_id is not None
        key = self.config.keys.get(key_id)
        if key is None:
            raise ProxyError("KeyNotFoundException", f"No external key {key_id}")
        if usage is not None:
            if key.status != "ENABLED":
                raise ProxyError("InvalidStateException", f"External key {key_id} is disabled")
            if usage not in key.usage:
                raise ProxyError("InvalidKeyUsageException", f"External key {key_id} cannot {usage.lower()}")
        return key

    def _manager(self, action: Callable[[], Any]) -> Any:
        """Run one key manager call, serialised, within a bounded wait."""
        # Read at each call so that tests can shorten it.
        if not self.lock.acquire(timeout=KEY_MANAGER_WAIT_S):
            raise ProxyError("DependencyTimeoutException", "The key manager did not answer in time")
        try:
            return action()
        except ProxyError:
            raise
        except Exception as e:
            raise ProxyError("InternalException", f"The key manager failed: {type(e).__name__}") from None
        finally:
            self.lock.release()

    def _run(
        self, operation: str, key_id: str | None, body: Mapping[str, Any], metadata: Mapping[str, Any]
    ) -> dict[str, Any]:
        if operation == "GetHealthStatus":
            self._manager(self.keys.check)
            return {
                "xksProxyFleetSize": 1,
                "xksProxyVendor": "kmscli",
                "xksProxyModel": f"kmscli xks-proxy {__version__}",
                "ekmVendor": "kmscli",
                "ekmFleetDetails": [{"id": "kmscli-1", "model": self.keys.description[:200], "healthStatus": "ACTIVE"}],
            }
        if operation == "GetKeyMetadata":
            key = self._key(key_id, None)
            return {"keySpec": "AES_256", "keyUsage": list(key.usage), "keyStatus": key.status}
        if body.get("encryptionAlgorithm") != "AES_GCM":
            raise ProxyError("ValidationException", "encryptionAlgorithm must be AES_GCM")
        aad = _field(body, "additionalAuthenticatedData", required=False) or b""
        if len(aad) > MAX_AAD_BYTES:
            raise ProxyError(
                "UnsupportedOperationException", f"additionalAuthenticatedData exceeds {MAX_AAD_BYTES} bytes"
            )
        if operation == "Encrypt":
            return self._encrypt(key_id, body, aad)
        return self._decrypt(key_id, body, aad)

    def _encrypt(self, key_id: str | None, body: Mapping[str, Any], aad: bytes) -> dict[str, Any]:
        plaintext = _field(body, "plaintext")
        assert plaintext is not None
        algorithm = body.get("ciphertextDataIntegrityValueAlgorithm")
        if algorithm is not None and algorithm != "SHA_256":
            raise ProxyError("ValidationException", "ciphertextDataIntegrityValueAlgorithm must be SHA_256")
        if len(plaintext) > MAX_DATA_BYTES:
            raise ProxyError("UnsupportedOperationException", f"plaintext exceeds {MAX_DATA_BYTES} bytes")
        key = self._key(key_id, "ENCRYPT")
        iv = os.urandom(IV_BYTES)
        sealed = self._manager(lambda: self.keys.encrypt(key.key_id, iv, plaintext, _manager_aad(aad, b"")))
        ciphertext, tag = sealed[:-TAG_BYTES], sealed[-TAG_BYTES:]
        answer = {"ciphertext": _b64(ciphertext), "initializationVector": _b64(iv), "authenticationTag": _b64(tag)}
        if algorithm is not None:
            # Computed before the check below, so that a corruption after it cannot go unnoticed.
            answer["ciphertextDataIntegrityValue"] = cdiv(aad, b"", iv, ciphertext, tag)
            if "DECRYPT" in key.usage:
                again = self._manager(lambda: self.keys.decrypt(key.key_id, iv, sealed, _manager_aad(aad, b"")))
                if again != plaintext:
                    raise ProxyError("InternalException", "The key manager's ciphertext did not decrypt")
        return answer

    def _decrypt(self, key_id: str | None, body: Mapping[str, Any], aad: bytes) -> dict[str, Any]:
        ciphertext = _field(body, "ciphertext")
        iv = _field(body, "initializationVector")
        tag = _field(body, "authenticationTag")
        metadata = _field(body, "ciphertextMetadata", required=False) or b""
        assert ciphertext is not None
        assert iv is not None
        assert tag is not None
        if len(iv) not in (12, 16):
            raise ProxyError("ValidationException", "initializationVector must be 12 or 16 bytes")
        if len(tag) != TAG_BYTES:
            raise ProxyError("ValidationException", "authenticationTag must be 16 bytes")
        if len(metadata) > MAX_METADATA_BYTES:
            raise ProxyError("ValidationException", f"ciphertextMetadata exceeds {MAX_METADATA_BYTES} bytes")
        if len(ciphertext) > MAX_DATA_BYTES:
            raise ProxyError("UnsupportedOperationException", f"ciphertext exceeds {MAX_DATA_BYTES} bytes")
        key = self._key(key_id, "DECRYPT")
        if len(iv) != IV_BYTES:
            # This proxy makes 12-byte IVs only: a 16-byte one cannot be one of its ciphertexts.
            raise ProxyError("InvalidCiphertextException", "The ciphertext is not valid for this key")
        plaintext = self._manager(
            lambda: self.keys.decrypt(key.key_id, iv, ciphertext + tag, _manager_aad(aad, metadata))
        )
        if plaintext is None:
            raise ProxyError("InvalidCiphertextException", "The ciphertext, AAD, IV or tag is not valid for this key")
        return {"plaintext": _b64(plaintext)}


# ---------------------------------------------------------------- HTTP

# The server hardening `kmscli serve` has (kmscli/guarded_http.py): Host and Origin checks, strict
# framing, a read timeout per connection and a cap on connections, with the proxy's own body size.
PROXY_LIMITS = Limits(read_timeout=SOCKET_TIMEOUT_S, max_connections=MAX_CONNECTIONS, max_body_bytes=MAX_BODY_BYTES)


class ProxyHttpServer(GuardedHTTPServer):
    def __init__(self, host: str, port: int, proxy: Proxy, log: TextIO, *, allowed_hosts: tuple[str, ...] = ()) -> None:
        self.proxy = proxy
        self.log_stream = log
        self._log_lock = threading.Lock()
        super().__init__(
            host,
            port,
            _Handler,
            limits=PROXY_LIMITS,
            allowed_hosts=allowed_hosts,
            log=lambda line: self.write_log(f"kmscli xks-proxy: {line}"),
        )

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        failure = sys.exc_info()[1]
        if not isinstance(failure, ConnectionError | TimeoutError):
            self.write_log(f"kmscli xks-proxy: error answering {client_address[0]}: {type(failure).__name__}")

    def write_log(self, line: str) -> None:
        with self._log_lock:
            self.log_stream.write(line + "\n")
            self.log_stream.flush()


class _Handler(GuardedHandler):
    disable_nagle_algorithm = True
    wbufsize = 64 * 1024
    server: ProxyHttpServer

    def version_string(self) -> str:
        return f"kmscli-xks-proxy/{__version__}"

    def do_POST(self) -> None:
        self._handle()

    do_GET = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_POST

    def _handle(self) -> None:
        started = time.perf_counter()
        answer = self._answer()
        data = b"" if answer.body is None else json.dumps(answer.body, separators=(",", ":")).encode()
        self.send_response(answer.status)
        if answer.status == 405:
            self.send_header("Allow", "POST")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        elapsed = (time.perf_counter() - started) * 1000
        self.server.write_log(
            f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {self.client_address[0]} {self.command} "
            f"{answer.operation} key={answer.key_id} kmsOperation={answer.kms_operation} "
            f"kmsRequestId={answer.kms_request_id} {answer.status} {answer.error or 'OK'} {elapsed:.1f}ms"
        )

    def _answer(self) -> Answer:
        body = self.request_body()
        if isinstance(body, Refusal):
            # Nothing of the request ran; its body was not read, so the connection closes after this.
            return Answer(body.status, {"errorName": body.error, "errorMessage": body.reason}, "-", body.error)
        try:
            return self.server.proxy.answer(self.command, self.path, list(self.headers.items()), body)
        except Exception as e:  # one request's bug must not take the proxy down
            self.server.write_log(f"kmscli xks-proxy: internal error: {type(e).__name__}")
            return Answer(
                500, {"errorName": "InternalException", "errorMessage": "Internal error"}, "-", "InternalException"
            )

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """One line per request is written by _handle; none of http.server's."""

    def log_message(self, format: str, *args: Any) -> None:
        self.server.write_log(f"kmscli xks-proxy: {format % args}")
