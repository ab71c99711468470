"""AWS Signature Version 4: signing a request, and verifying a signed one.

Signing produces, byte for byte, what botocore's SigV4Auth produces for the same request (tests
compare the two), so kmscli's requests to an XKS proxy are signed as KMS and the SDKs sign theirs.
Verification rebuilds the canonical request from what arrived, with the headers the signature
names, and compares signatures in constant time. Both take the time as an argument: nothing here
reads a clock, and nothing here keeps a secret beyond the call.

Canonical form (as botocore builds it): the method; the URL path with dot segments and repeated
slashes removed, percent-encoded again except `/` and `~`; the query pairs sorted as they appear;
each signed header lower-cased, its values trimmed with inner whitespace runs collapsed, values of
a repeated header joined by commas; the sorted header names; the hex SHA-256 of the body.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple
from urllib.parse import quote, urlsplit

ALGORITHM = "AWS4-HMAC-SHA256"
# Headers botocore never signs: hop-by-hop ones, and those proxies or tracing add or rewrite.
UNSIGNED_HEADERS = frozenset(
    {
        "baggage",
        "connection",
        "expect",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "traceparent",
        "tracestate",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "user-agent",
        "x-amzn-trace-id",
    }
)
# How far a request's time may be from the verifier's clock, as AWS allows (15 minutes).
MAX_SKEW_S = 15 * 60
_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+),\s*SignedHeaders=(?P<signed>[^,\s]+),"
    r"\s*Signature=(?P<signature>[0-9a-f]{64})\s*"
)
_AMZ_DATE = re.compile(r"\d{8}T\d{6}Z")

Headers = Mapping[str, str] | Iterable[tuple[str, str]]


class Credentials(NamedTuple):
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None


class Verified(NamedTuple):
    """Who signed a request that verified, and for which scope."""

    access_key_id: str
    date: str
    region: str
    service: str
    # The session token the request carried (X-Amz-Security-Token), if any.
    session_token: str | None = None


class SignatureError(Exception):
    """A request that does not verify. `code` is the error AWS answers with; the message names no secret."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# ---------------------------------------------------------------- the canonical request


def amz_date(epoch_seconds: float) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(epoch_seconds))


def canonical_path(path: str) -> str:
    """The path as botocore signs it: dot segments and empty segments removed, then quoted again."""
    if not path:
        return "/"
    kept: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if kept:
                kept.pop()
        elif segment and segment != ".":
            kept.append(segment)
    normalized = ("/" if path[0] == "/" else "") + "/".join(kept) + ("/" if path[-1] == "/" and kept else "")
    return quote(normalized, safe="/~")


def canonical_query(query: str) -> str:
    if not query:
        return ""
    pairs = [pair.partition("=")[::2] for pair in query.split("&")]
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def _pairs(headers: Headers) -> list[tuple[str, str]]:
    return list(headers.items()) if isinstance(headers, Mapping) else list(headers)


def _canonical_headers(pairs: list[tuple[str, str]], names: list[str]) -> str:
    values: dict[str, list[str]] = {}
    for name, value in pairs:
        values.setdefault(name.lower(), []).append(" ".join(value.split()))
    return "".join(f"{name}:{','.join(values.get(name, []))}\n" for name in names)


def canonical_request(
    method: str, path: str, query: str, pairs: list[tuple[str, str]], names: list[str], body: bytes
) -> str:
    return "\n".join(
        (
            method.upper(),
            canonical_path(path),
            canonical_query(query),
            _canonical_headers(pairs, names),
            ";".join(names),
            hashlib.sha256(body).hexdigest(),
        )
    )


def _signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = f"AWS4{secret}".encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key


def _signature(secret: str, timestamp: str, scope: str, canonical: str) -> str:
    date, region, service, _ = scope.split("/")
    to_sign = "\n".join((ALGORITHM, timestamp, scope, hashlib.sha256(canonical.encode("utf-8")).hexdigest()))
    return hmac.new(_signing_key(secret, date, region, service), to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def _host_of(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port is not None and parts.port != {"http": 80, "https": 443}.get(parts.scheme):
        host = f"{host}:{parts.port}"
    return host


# ---------------------------------------------------------------- signing


def sign(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    credentials: Credentials,
    region: str,
    service: str,
    now: float,
) -> dict[str, str]:
    """The request's headers with X-Amz-Date, X-Amz-Security-Token (with a session token) and Authorization.

    The Host header is signed (from the URL, as the HTTP client will send it) but not added.
    """
    timestamp = amz_date(now)
    dropped = {"authorization", "x-amz-date", "x-amz-security-token"}
    out = {k: v for k, v in headers.items() if k.lower() not in dropped}
    out["X-Amz-Date"] = timestamp
    if credentials.session_token:
        out["X-Amz-Security-Token"] = credentials.session_token
    pairs = [(k.lower(), v) for k, v in out.items() if k.lower() not in UNSIGNED_HEADERS]
    if not any(k == "host" for k, _ in pairs):
        pairs.append(("host", _host_of(url)))
    names = sorted({k for k, _ in pairs})
    parts = urlsplit(url)
    scope = f"{timestamp[:8]}/{region}/{service}/aws4_request"
    canonical = canonical_request(method, parts.path, parts.query, pairs, names, body)
    signature = _signature(credentials.secret_access_key, timestamp, scope, canonical)
    out["Authorization"] = (
        f"{ALGORITHM} Credential={credentials.access_key_id}/{scope}, "
        f"SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    return out


# ---------------------------------------------------------------- verifying


def _header(pairs: list[tuple[str, str]], name: str) -> str | None:
    found = [v for k, v in pairs if k.lower() == name]
    return found[0] if len(found) == 1 else None


def _request_time(pairs: list[tuple[str, str]]) -> tuple[str, float]:
    amz = _header(pairs, "x-amz-date")
    if amz is not None:
        if _AMZ_DATE.fullmatch(amz) is None:
            raise SignatureError(
                "IncompleteSignatureException", f"Date must be in ISO-8601 'basic format'. Got '{amz}'."
            )
        import calendar

        return amz, calendar.timegm(time.strptime(amz, "%Y%m%dT%H%M%SZ"))
    date = _header(pairs, "date")
    if date is not None:
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(date).timestamp()
        except (TypeError, ValueError):
            when = None
        if when is not None:
            return amz_date(when), when
    raise SignatureError(
        "IncompleteSignatureException",
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    )


def verify(
    method: str,
    target: str,
    headers: Headers,
    body: bytes,
    *,
    secret_for: Callable[[str], str | None],
    now: float,
    service: str | None = None,
    max_skew_s: float = MAX_SKEW_S,
) -> Verified:
    """Check the SigV4 signature of a request as received; who signed it, or SignatureError.

    `target` is the request target as it arrived (path and query, still percent-encoded).
    `secret_for(access_key_id)` gives that key's secret, or None for a key the verifier does not
    know. With `service`, a signature for another service is refused.
    """
    pairs = _pairs(headers)
    authorization = _header(pairs, "authorization")
    if authorization is None:
        raise SignatureError("MissingAuthenticationTokenException", "Missing Authentication Token")
    match = _AUTHORIZATION.fullmatch(authorization)
    if match is None:
        raise SignatureError(
            "IncompleteSignatureException",
            "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters "
            "and the AWS4-HMAC-SHA256 algorithm.",
        )
    access_key_id, _, scope = match["credential"].partition("/")
    scope_parts = scope.split("/")
    if len(scope_parts) != 4 or scope_parts[3] != "aws4_request" or not all(scope_parts):
        raise SignatureError("IncompleteSignatureException", f"Credential should be scoped correctly: {scope}")
    date, region, signed_service, _ = scope_parts
    names = match["signed"].split(";")
    if names != sorted(set(names)) or "host" not in names or any(n != n.lower() for n in names):
        raise SignatureError(
            "IncompleteSignatureException", "SignedHeaders must be sorted, lower-case, and include host."
        )
    timestamp, when = _request_time(pairs)
    if timestamp[:8] != date:
        raise SignatureError(
            "InvalidSignatureException", f"Credential should be scoped to a valid date: {date}, not {timestamp[:8]}."
        )
    if service is not None and signed_service != service:
        raise SignatureError(
            "InvalidSignatureException", f"Credential should be scoped to correct service: '{service}'."
        )
    if abs(now - when) > max_skew_s:
        raise SignatureError(
            "InvalidSignatureException",
            f"Signature expired: {timestamp} is now earlier than {amz_date(now - max_skew_s)} "
            f"({amz_date(now)} - {max_skew_s // 60:.0f} min.)"
            if when < now
            else f"Signature not yet current: {timestamp} is still later than {amz_date(now + max_skew_s)} "
            f"({amz_date(now)} + {max_skew_s // 60:.0f} min.)",
        )
    secret = secret_for(access_key_id)
    if secret is None:
        raise SignatureError("UnrecognizedClientException", "The security token included in the request is invalid.")
    path, _, query = target.partition("?")
    present = {k.lower() for k, _ in pairs}
    if any(name not in present for name in names):
        raise SignatureError("InvalidSignatureException", _MISMATCH)
    canonical = canonical_request(method, path, query, pairs, names, body)
    expected = _signature(secret, timestamp, scope, canonical)
    if not hmac.compare_digest(expected.encode("ascii"), match["signature"].encode("ascii")):
        raise SignatureError("InvalidSignatureException", _MISMATCH)
    return Verified(access_key_id, date, region, signed_service, _header(pairs, "x-amz-security-token"))


_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
    "Access Key and signing method. Consult the service documentation for details."
)
