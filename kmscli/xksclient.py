"""An XKS Proxy API v1 client: one signed POST per call, every failure classified, never hanging.

Requests are JSON, signed with SigV4 for the service `kms-xks-proxy` and the key store's Region.
TLS trusts the system's certificate store plus AWS_CA_BUNDLE (the AWS CLI's own setting), so a
proxy with a private CA works. Plain http:// is accepted only for loopback hosts, a local-testing
extension: AWS itself requires HTTPS with a certificate from a public authority.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from kmscli import sigv4
from kmscli.core.ports import XksError, XksProxy

SERVICE = "kms-xks-proxy"
DEFAULT_TIMEOUT_S = 5.0
MIN_TIMEOUT_S = 0.05
MAX_TIMEOUT_S = 60.0
# A proxy's answers are small; a longer one is not an answer of the API.
MAX_ANSWER_BYTES = 1 << 20
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def timeout_from(environ: Mapping[str, str]) -> float:
    """KMSCLI_XKS_TIMEOUT (seconds) within [0.05, 60]; 5 by default. A bad value is refused, not guessed."""
    text = environ.get("KMSCLI_XKS_TIMEOUT")
    if not text:
        return DEFAULT_TIMEOUT_S
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not MIN_TIMEOUT_S <= value <= MAX_TIMEOUT_S:
        raise ValueError(
            f"KMSCLI_XKS_TIMEOUT must be a number of seconds from {MIN_TIMEOUT_S} to {MAX_TIMEOUT_S:.0f}, not {text!r}"
        )
    return value


class XksClient:
    def __init__(
        self,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        ca_bundle: str | None = None,
        clock: Callable[[], float],
    ) -> None:
        self.timeout_s = timeout_s
        self.ca_bundle = ca_bundle
        self.clock = clock

    def call(self, proxy: XksProxy, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST `body` to `<uri_path>/<path>`; the JSON object answered, or XksError saying how it failed."""
        import http.client

        parts = urlsplit(proxy.uri_endpoint)
        host = parts.hostname or ""
        if parts.scheme == "http" and host not in LOOPBACK_HOSTS:
            raise XksError("unreachable")
        url = f"{proxy.uri_endpoint}{proxy.uri_path}/{path}"
        data = json.dumps(body, separators=(",", ":")).encode("utf-8")
        headers = sigv4.sign(
            "POST",
            url,
            {"Content-Type": "application/json"},
            data,
            credentials=sigv4.Credentials(proxy.access_key_id, proxy.secret_access_key),
            region=proxy.region,
            service=SERVICE,
            now=self.clock(),
        )
        conn: http.client.HTTPConnection
        if parts.scheme == "https":
            conn = http.client.HTTPSConnection(host, parts.port, timeout=self.timeout_s, context=self._tls())
        else:
            conn = http.client.HTTPConnection(host, parts.port, timeout=self.timeout_s)
        try:
            conn.request("POST", urlsplit(url).path, body=data, headers=headers)
            response = conn.getresponse()
            raw = response.read(MAX_ANSWER_BYTES + 1)
            status = response.status
        except TimeoutError:
            raise XksError("timeout") from None
        except OSError as e:
            import ssl

            if isinstance(e, ssl.SSLError | ssl.CertificateError):
                raise XksError("tls") from None
            if isinstance(e, socket.timeout):
                raise XksError("timeout") from None
            raise XksError("unreachable") from None
        except http.client.HTTPException:
            raise XksError("invalid_response") from None
        finally:
            conn.close()
        if len(raw) > MAX_ANSWER_BYTES:
            raise XksError("invalid_response", status=status)
        try:
            answer = json.loads(raw)
        except ValueError:
            answer = None
        if status == 200:
            if not isinstance(answer, dict):
                raise XksError("invalid_response", status=status)
            return answer
        name = answer.get("errorName") if isinstance(answer, dict) else None
        if not isinstance(name, str):
            raise XksError("invalid_response", status=status)
        raise XksError("error", name, status)

    def _tls(self) -> Any:
        import ssl

        context = ssl.create_default_context()
        if self.ca_bundle:
            context.load_verify_locations(cafile=self.ca_bundle)
        return context
