"""`kmscli serve` as a process: readiness, logging, identity, start-up failures and clean shutdown."""

from __future__ import annotations

import base64
import os
import re
import signal
import socket
import subprocess
import sys
import time

import pytest
from botocore.exceptions import ClientError

LOG_LINE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ 127\.0\.0\.1 (\S+) (\d{3})(?: (\w+))? \d+\.\dms")


def requests_logged(server) -> list[tuple[str, str, str | None]]:
    lines = [line for line in server.log_lines() if not line.startswith("kmscli serve:")]
    matches = [LOG_LINE.fullmatch(line) for line in lines]
    assert None not in matches, lines
    return [m.groups() for m in matches if m]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_ready_line_then_a_clean_stop_on_the_signal(launch, kms, sig):
    server = launch()
    assert server.ready_line == (
        f"kmscli serve: listening on http://127.0.0.1:{server.port} "
        f"(account 111122223333, state {server.state_dir / 'kmscli.sqlite3'})\n"
    )
    assert server.stop(sig) == (0, "")
    assert server.log_lines() == [
        "kmscli serve: no identities file: signatures are not checked and every request acts as "
        "the root user of account 111122223333",
        "kmscli serve: stopped",
    ]
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", server.port), timeout=5).close()


def test_one_log_line_per_request_without_key_material(server, kms):
    key_id = kms.create_key(Description="logged")["KeyMetadata"]["KeyId"]
    data_key = kms.generate_data_key(KeyId=key_id, KeySpec="AES_256")
    policy = kms.get_key_policy(KeyId=key_id)["Policy"]
    with pytest.raises(ClientError):
        kms.describe_key(KeyId="alias/nothing-here")
    assert server.stop() == (0, "")
    assert requests_logged(server) == [
        ("CreateKey", "200", None),
        ("GenerateDataKey", "200", None),
        ("GetKeyPolicy", "200", None),
        ("DescribeKey", "400", "NotFoundException"),
    ]
    log = server.log_path.read_text(encoding="utf-8")
    for secret in (
        base64.b64encode(data_key["Plaintext"]).decode(),
        data_key["Plaintext"].hex(),
        base64.b64encode(data_key["CiphertextBlob"]).decode(),
        policy,
        "logged",
    ):
        assert secret not in log


def test_protocol_rejections_are_logged_too(server):
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", "/")
        assert conn.getresponse().status == 404
    finally:
        conn.close()
    server.stop()
    assert requests_logged(server) == [("-", "404", "UnknownOperationException")]


def test_the_account_comes_from_the_configuration(launch, client):
    server = launch(KMSCLI_ACCOUNT_ID="444455556666")
    assert "(account 444455556666," in server.ready_line
    metadata = client(server.url, region="eu-north-1").create_key()["KeyMetadata"]
    assert (metadata["AWSAccountId"], metadata["Arn"]) == (
        "444455556666",
        f"arn:aws:kms:eu-north-1:444455556666:key/{metadata['KeyId']}",
    )


def test_one_server_serves_every_region(server, client):
    west = client(server.url, region="us-west-2")
    frankfurt = client(server.url, region="eu-central-1")
    key_id = west.create_key()["KeyMetadata"]["KeyId"]
    assert west.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"].startswith("arn:aws:kms:us-west-2:")
    with pytest.raises(ClientError) as caught:
        frankfurt.describe_key(KeyId=key_id)
    assert caught.value.response["Error"] == {
        "Code": "NotFoundException",
        "Message": f"Key 'arn:aws:kms:eu-central-1:111122223333:key/{key_id}' does not exist",
    }
    assert frankfurt.list_keys()["Keys"] == []


def test_a_pinned_access_key_refuses_clients_configured_with_another(launch, client):
    server = launch("--access-key-id", "AKIDRIGHT")
    with pytest.raises(ClientError) as caught:
        client(server.url, access_key="AKIDWRONG").list_keys()
    assert (caught.value.response["Error"], caught.value.response["ResponseMetadata"]["HTTPStatusCode"]) == (
        {"Code": "UnrecognizedClientException", "Message": "The security token included in the request is invalid."},
        400,
    )
    assert client(server.url, access_key="AKIDRIGHT").list_keys()["Keys"] == []


def serve_once(tmp_path, *args: str, **environ: str) -> subprocess.CompletedProcess[str]:
    """`kmscli serve ARGS` expected to end by itself (bounded: a server that starts anyway times out)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "KMSCLI_"))}
    env.update(KMSCLI_STATE_DIR=str(tmp_path / "state"), **environ)
    return subprocess.run(
        [sys.executable, "-m", "kmscli", "serve", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )


def test_a_bad_account_setting_stops_the_start(tmp_path):
    result = serve_once(tmp_path, "--port", "0", KMSCLI_ACCOUNT_ID="12345")
    assert (result.returncode, result.stdout, result.stderr) == (
        255,
        "",
        "kmscli serve: KMSCLI_ACCOUNT_ID must be 12 digits, not '12345'\n",
    )


def test_a_bad_clock_setting_stops_the_start(tmp_path):
    result = serve_once(tmp_path, "--port", "0", KMSCLI_FIXED_TIME="yesterday")
    assert (result.returncode, result.stdout, result.stderr) == (
        255,
        "",
        "kmscli serve: KMSCLI_FIXED_TIME must be epoch seconds or ISO 8601, not 'yesterday'\n",
    )


def test_a_port_in_use_stops_the_start(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = serve_once(tmp_path, "--port", str(port))
    assert (result.returncode, result.stdout, result.stderr) == (
        255,
        "",
        f"kmscli serve: cannot listen on 127.0.0.1:{port}: Address already in use\n",
    )


def test_an_unusable_state_directory_stops_the_start(tmp_path):
    (tmp_path / "state").write_text("a file, not a directory")
    result = serve_once(tmp_path, "--port", "0")
    assert (result.returncode, result.stdout) == (255, "")
    assert result.stderr.startswith("kmscli serve: cannot open the state: ")
    assert result.stderr.endswith(f"({tmp_path / 'state' / 'kmscli.sqlite3'})\n")


def test_help_names_the_options(tmp_path):
    result = serve_once(tmp_path, "--help")
    assert (result.returncode, result.stderr) == (0, "")
    for option in ("--host", "--port", "--access-key-id", "--state-dir"):
        assert option in result.stdout
    assert result.stdout.startswith("Usage: kmscli serve [OPTIONS]\n\n  Serve the KMS API to SDKs and the AWS CLI.\n")


def test_a_stop_lets_the_request_being_answered_finish(server):
    body = b'{"NumberOfBytes": 16}'
    head = (
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\n"
        "X-Amz-Target: TrentService.GenerateRandom\r\nX-Amz-Date: 20170816T190555Z\r\n"
        "Authorization: AWS4-HMAC-SHA256 Credential=AKID/20170816/us-west-2/kms/aws4_request, "
        "SignedHeaders=host, Signature=00\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        # Half the body: the server is now inside this request, waiting for the rest.
        sock.sendall(head + body[:5])
        time.sleep(1.0)
        server.proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert server.proc.poll() is None
        sock.sendall(body[5:])
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 200 OK\r\n")
    assert server.proc.wait(timeout=15) == 0
    assert requests_logged(server) == [("GenerateRandom", "200", None)]
    assert server.log_lines()[-1] == "kmscli serve: stopped"


def test_the_state_directory_option_wins_over_the_environment(launch, client, tmp_path):
    chosen = tmp_path / "chosen"
    server = launch("--state-dir", str(chosen))
    assert server.ready_line.endswith(f"state {chosen / 'kmscli.sqlite3'})\n")
    assert client(server.url).list_keys()["Keys"] == []
    assert server.stop() == (0, "")
    assert (chosen / "kmscli.sqlite3").is_file()
    assert not (tmp_path / "state").exists()


def test_an_ipv6_loopback_host_is_served_in_brackets(tmp_path):
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "KMSCLI_"))}
    env["KMSCLI_STATE_DIR"] = str(tmp_path / "state")
    proc = subprocess.Popen(
        [sys.executable, "-m", "kmscli", "serve", "--host", "::1", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        match = re.fullmatch(
            r"kmscli serve: listening on http://\[::1\]:(\d+) \(account 111122223333, state .+\)\n", line
        )
        assert match, line
        with socket.create_connection(("::1", int(match.group(1))), timeout=10):
            pass
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=15)
    assert (proc.returncode, out) == (0, "")
    assert err.splitlines()[-1] == "kmscli serve: stopped"
