"""kmscli.sigv4 against botocore's SigV4Auth: the same signature byte for byte, and verification.

botocore's signer is the reference: for each request below, kmscli's headers must equal what
botocore adds (X-Amz-Date, X-Amz-Security-Token, Authorization), and kmscli must verify what
botocore signed, while refusing any change to the method, path, query, a signed header or the body.
"""

from __future__ import annotations

import datetime
from typing import Any
from unittest import mock

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials

from kmscli import sigv4

NOW = 1502910355.0  # 2017-08-16T19:05:55Z
ACCESS = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
CREDENTIALS = sigv4.Credentials(ACCESS, SECRET)


def botocore_signed(
    method: str, url: str, headers: dict[str, str], body: bytes, service: str, region: str, token: str | None = None
) -> dict[str, str]:
    request = AWSRequest(method=method, url=url, headers=dict(headers), data=body)
    at = datetime.datetime.fromtimestamp(NOW, tz=datetime.UTC).replace(tzinfo=None)
    with mock.patch("botocore.auth.get_current_datetime", return_value=at):
        SigV4Auth(BotoCredentials(ACCESS, SECRET, token), service, region).add_auth(request)
    return dict(request.headers.items())


CASES: list[Any] = [
    pytest.param(
        "POST",
        "https://kms.us-east-1.amazonaws.com/",
        {"X-Amz-Target": "TrentService.ListKeys", "Content-Type": "application/x-amz-json-1.1"},
        b"{}",
        "kms",
        "us-east-1",
        id="kms-json",
    ),
    pytest.param(
        "POST",
        "http://127.0.0.1:8443/example/uri/path/prefix/kms/xks/v1/keys/foo/encrypt",
        {"Content-Type": "application/json"},
        b'{"plaintext":"AAAA"}',
        "kms-xks-proxy",
        "us-east-1",
        id="xks-loopback-port",
    ),
    pytest.param(
        "POST",
        "https://xks.example.com:443/kms/xks/v1/health",
        {},
        b"",
        "kms-xks-proxy",
        "eu-west-3",
        id="default-port-dropped",
    ),
    pytest.param(
        "GET",
        "https://example.com/a/./b/../c//d/?z=1&a=2&a=1&e",
        {},
        b"",
        "svc",
        "us-west-2",
        id="dot-segments-and-query",
    ),
    pytest.param(
        "POST",
        "https://example.com/with%20space/caf%C3%A9~x",
        {"X-Odd": "  a   b \t c  "},
        b"x",
        "svc",
        "us-west-2",
        id="encoded-path-and-whitespace",
    ),
    pytest.param(
        "POST",
        "http://[::1]:9000/",
        {"User-Agent": "test/1", "Expect": "100-continue"},
        b"{}",
        "kms",
        "us-west-2",
        id="ipv6-and-unsigned-headers",
    ),
    pytest.param("POST", "https://EXAMPLE.com/", {"Host": "example.com"}, b"", "kms", "us-west-2", id="explicit-host"),
]


@pytest.mark.parametrize(("method", "url", "headers", "body", "service", "region"), CASES)
def test_signature_is_botocores(method: str, url: str, headers: dict[str, str], body: bytes, service: str, region: str):
    expected = botocore_signed(method, url, headers, body, service, region)
    ours = sigv4.sign(method, url, headers, body, credentials=CREDENTIALS, region=region, service=service, now=NOW)
    assert ours == expected


def test_session_token_is_signed_as_botocore_does():
    headers = {"Content-Type": "application/json"}
    expected = botocore_signed(
        "POST", "https://kms.us-east-1.amazonaws.com/", headers, b"{}", "kms", "us-east-1", "TOK"
    )
    ours = sigv4.sign(
        "POST",
        "https://kms.us-east-1.amazonaws.com/",
        headers,
        b"{}",
        credentials=sigv4.Credentials(ACCESS, SECRET, "TOK"),
        region="us-east-1",
        service="kms",
        now=NOW,
    )
    assert ours == expected
    assert ours["X-Amz-Security-Token"] == "TOK"


def test_resigning_replaces_the_old_signature():
    first = sigv4.sign("POST", "https://a.example/", {}, b"", credentials=CREDENTIALS, region="r", service="s", now=NOW)
    again = sigv4.sign(
        "POST", "https://a.example/", first, b"", credentials=CREDENTIALS, region="r", service="s", now=NOW + 60
    )
    assert again == botocore_signed("POST", "https://a.example/", {}, b"", "s", "r") | {
        "X-Amz-Date": "20170816T190655Z",
        "Authorization": again["Authorization"],
    }
    assert again["Authorization"] != first["Authorization"]


# ---------------------------------------------------------------- verification


def _target(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).netloc


def received(method: str, url: str, headers: dict[str, str], body: bytes, service: str, region: str):
    """The headers as a server receives the request botocore signed: with the Host the client sends."""
    signed = botocore_signed(method, url, headers, body, service, region)
    if not any(k.lower() == "host" for k in signed):
        signed["Host"] = _host(url)
    return signed


SECRETS = {ACCESS: SECRET, "AKIAOTHERKEYEXAMPLE1": "another-secret"}


def verify(method: str, target: str, headers: Any, body: bytes, **kw: Any) -> sigv4.Verified:
    kw.setdefault("now", NOW + 30)
    return sigv4.verify(method, target, headers, body, secret_for=SECRETS.get, **kw)


@pytest.mark.parametrize(
    ("method", "url", "headers", "body", "service", "region"),
    [c for c in CASES if c.id not in ("default-port-dropped", "explicit-host", "ipv6-and-unsigned-headers")],
)
def test_what_botocore_signed_verifies(method, url, headers, body, service, region):
    signed = received(method, url, headers, body, service, region)
    assert verify(method, _target(url), signed, body) == sigv4.Verified(ACCESS, "20170816", region, service)


def test_header_pairs_are_accepted_as_well_as_a_mapping():
    url = "http://127.0.0.1:8443/kms/xks/v1/health"
    signed = received("POST", url, {}, b"{}", "kms-xks-proxy", "us-east-1")
    assert verify("POST", "/kms/xks/v1/health", list(signed.items()), b"{}", service="kms-xks-proxy").region == (
        "us-east-1"
    )


def test_a_second_credential_set_verifies_too():
    url = "http://127.0.0.1:8443/kms/xks/v1/health"
    headers = sigv4.sign(
        "POST",
        url,
        {"Host": "127.0.0.1:8443"},
        b"{}",
        credentials=sigv4.Credentials("AKIAOTHERKEYEXAMPLE1", "another-secret"),
        region="us-east-1",
        service="kms-xks-proxy",
        now=NOW,
    )
    assert verify("POST", "/kms/xks/v1/health", headers, b"{}").access_key_id == "AKIAOTHERKEYEXAMPLE1"


URL = "http://127.0.0.1:8443/p/kms/xks/v1/keys/foo/encrypt"
BODY = b'{"plaintext":"AAAA"}'


def signed_request() -> dict[str, str]:
    return received("POST", URL, {"Content-Type": "application/json"}, BODY, "kms-xks-proxy", "us-east-1")


MISMATCH = (
    "InvalidSignatureException",
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
    "Access Key and signing method. Consult the service documentation for details.",
)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(lambda r: r | {"method": "PUT"}, MISMATCH, id="method"),
        pytest.param(lambda r: r | {"target": "/p/kms/xks/v1/keys/bar/encrypt"}, MISMATCH, id="path"),
        pytest.param(lambda r: r | {"target": r["target"] + "?a=1"}, MISMATCH, id="query"),
        pytest.param(lambda r: r | {"body": BODY + b" "}, MISMATCH, id="body"),
        pytest.param(lambda r: r | {"headers": r["headers"] | {"Content-Type": "text/plain"}}, MISMATCH, id="header"),
        pytest.param(lambda r: r | {"headers": r["headers"] | {"Host": "localhost:8443"}}, MISMATCH, id="host"),
        pytest.param(
            lambda r: r | {"headers": {k: v for k, v in r["headers"].items() if k != "Content-Type"}},
            MISMATCH,
            id="signed-header-missing",
        ),
        pytest.param(
            lambda r: r | {"headers": {k: v for k, v in r["headers"].items() if k != "Authorization"}},
            ("MissingAuthenticationTokenException", "Missing Authentication Token"),
            id="no-authorization",
        ),
        pytest.param(
            lambda r: (
                r
                | {
                    "headers": r["headers"]
                    | {"Authorization": r["headers"]["Authorization"].replace(ACCESS, "AKIANOBODY")}
                }
            ),
            ("UnrecognizedClientException", "The security token included in the request is invalid."),
            id="unknown-access-key",
        ),
        pytest.param(
            lambda r: r | {"headers": r["headers"] | {"Authorization": "AWS4-HMAC-SHA256 Credential=x"}},
            (
                "IncompleteSignatureException",
                "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters and the "
                "AWS4-HMAC-SHA256 algorithm.",
            ),
            id="malformed-authorization",
        ),
        pytest.param(
            lambda r: r | {"now": NOW + 15 * 60 + 1},
            (
                "InvalidSignatureException",
                "Signature expired: 20170816T190555Z is now earlier than 20170816T190556Z (20170816T192056Z - 15 min.)",
            ),
            id="expired",
        ),
        pytest.param(
            lambda r: r | {"now": NOW - 15 * 60 - 1},
            (
                "InvalidSignatureException",
                "Signature not yet current: 20170816T190555Z is still later than 20170816T190554Z "
                "(20170816T185054Z + 15 min.)",
            ),
            id="from-the-future",
        ),
        pytest.param(
            lambda r: r | {"service": "kms"},
            ("InvalidSignatureException", "Credential should be scoped to correct service: 'kms'."),
            id="other-service",
        ),
        pytest.param(
            lambda r: r | {"headers": r["headers"] | {"X-Amz-Date": "20170817T190555Z"}},
            ("InvalidSignatureException", "Credential should be scoped to a valid date: 20170816, not 20170817."),
            id="date-outside-scope",
        ),
        pytest.param(
            lambda r: r | {"headers": {k: v for k, v in r["headers"].items() if k != "X-Amz-Date"}},
            (
                "IncompleteSignatureException",
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
            ),
            id="no-date",
        ),
    ],
)
def test_any_change_is_refused(change: Any, expected: tuple[str, str]) -> None:
    request = {"method": "POST", "target": _target(URL), "headers": signed_request(), "body": BODY, "now": NOW}
    request = change(request)
    kw = {"service": request.pop("service")} if "service" in request else {}
    with pytest.raises(sigv4.SignatureError) as caught:
        verify(request["method"], request["target"], request["headers"], request["body"], now=request["now"], **kw)
    assert (caught.value.code, caught.value.message) == expected
    assert SECRET not in str(caught.value)


def test_unchanged_request_verifies_with_the_service_checked():
    request = signed_request()
    assert verify("POST", _target(URL), request, BODY, service="kms-xks-proxy") == sigv4.Verified(
        ACCESS, "20170816", "us-east-1", "kms-xks-proxy"
    )


def test_comparison_is_constant_time():
    # The signature is compared with hmac.compare_digest, never with ==.
    request = signed_request()
    with mock.patch("kmscli.sigv4.hmac.compare_digest", return_value=True) as compare:
        request["Authorization"] = request["Authorization"][:-64] + "0" * 64
        verify("POST", _target(URL), request, BODY)
    compare.assert_called_once()
