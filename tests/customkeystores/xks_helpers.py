"""Helpers for XKS proxy tests: a `kmscli xks-proxy` process, and requests signed by botocore's signer."""

from __future__ import annotations

import datetime
import http.client
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, NamedTuple
from unittest import mock

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ACCESS_KEY = "ABCDEFGHIJKLMNOPQRST"
SECRET_KEY = "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghij"
ACCESS_KEY_2 = "BBCDEFGHIJKLMNOPQRST"
SECRET_KEY_2 = "bbcdefghijabcdefghijabcdefghijabcdefghijabcdefghij"
PREFIX = "example/uri/path/prefix"
URI_PATH = f"/{PREFIX}/kms/xks/v1"
# The Region of the tests' fixed Env, so that the key store and the proxy agree.
REGION = "us-west-2"
READY = re.compile(r"kmscli xks-proxy: listening on http://127\.0\.0\.1:(\d+) path (\S+)\n")
PRINCIPAL = "arn:aws:iam::111122223333:root"
KEY_ARN = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def proxy_config(path: Path, **extra: Any) -> Path:
    doc: dict[str, Any] = {
        "UriPathPrefix": PREFIX,
        "Region": REGION,
        "Credentials": [
            {"AccessKeyId": ACCESS_KEY, "SecretAccessKey": SECRET_KEY},
            {"AccessKeyId": ACCESS_KEY_2, "SecretAccessKey": SECRET_KEY_2},
        ],
        "Keys": [
            {"Id": "foo", "Usage": ["ENCRYPT", "DECRYPT"]},
            {"Id": "encrypt_only_key", "Usage": ["ENCRYPT"]},
            {"Id": "disabled_key", "Usage": ["ENCRYPT", "DECRYPT"], "Status": "DISABLED"},
        ],
    }
    doc.update(extra)
    path.write_text(json.dumps(doc))
    return path


class ProxyProcess(NamedTuple):
    proc: subprocess.Popen[str]
    port: int
    log_path: Path

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_lines(self) -> list[str]:
        return self.log_path.read_text(encoding="utf-8").splitlines()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate(timeout=15)


def start_proxy(config: Path, log_path: Path, env: dict[str, str] | None = None) -> ProxyProcess:
    with log_path.open("w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "kmscli", "xks-proxy", "--config", str(config), "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=log,
            stdin=subprocess.DEVNULL,
            text=True,
            env={**os.environ, **(env or {})},
        )
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(proc.stdout.readline() if proc.stdout else ""), daemon=True)
    reader.start()
    reader.join(30)
    match = READY.fullmatch(line[0]) if line else None
    if match is None:
        proc.kill()
        proc.communicate(timeout=15)
        raise AssertionError(f"no readiness line: {line!r}; log: {log_path.read_text(encoding='utf-8')}")
    return ProxyProcess(proc, int(match.group(1)), log_path)


def signed_headers(
    url: str, body: bytes, access_key: str = ACCESS_KEY, secret: str = SECRET_KEY, at: datetime.datetime | None = None,
    service: str = "kms-xks-proxy", method: str = "POST", region: str = REGION,
) -> dict[str, str]:  # fmt: skip
    """Headers botocore's SigV4 signer adds for this request, as KMS signs its proxy requests."""
    request = AWSRequest(method=method, url=url, headers={"Content-Type": "application/json"}, data=body)
    when = at or datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    with mock.patch("botocore.auth.get_current_datetime", return_value=when):
        SigV4Auth(Credentials(access_key, secret), service, region).add_auth(request)
    return dict(request.headers.items())


class Reply(NamedTuple):
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def post(port: int, path: str, document: Any, *, raw: bytes | None = None, method: str = "POST", **sign: Any) -> Reply:
    """One request over a fresh connection, signed unless `sign` says `headers=`."""
    body = raw if raw is not None else json.dumps(document).encode()
    url = f"http://127.0.0.1:{port}{path}"
    headers = sign.pop("headers", None) or signed_headers(url, body, method=method, **sign)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        conn.close()


def metadata(operation: str = "Encrypt", **extra: str) -> dict[str, str]:
    return {
        "awsPrincipalArn": PRINCIPAL,
        "kmsKeyArn": KEY_ARN,
        "kmsOperation": operation,
        "kmsRequestId": "4112f4d6-db54-4af4-ae30-c55a22a8dfae",
        **extra,
    }
