"""`kmscli serve` runs its requests on the session (kmscli/session.py), never through the command line.

In a fresh interpreter, the server answers requests on a session of its own: the key it creates
is there for the next request, and neither a module of kmscli/cli nor Click has been loaded on the way.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROBE = """
import json, sys
from kmscli import server
from kmscli.session import Session

state, home = sys.argv[1], sys.argv[2]
session = Session(environ={"HOME": home, "KMSCLI_FIXED_TIME": "2024-01-01T00:00:00Z"}, state_dir=state)
service = server.Service(server.executor(session))
headers = {
    "Content-Type": "application/x-amz-json-1.1",
    "Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-west-1/kms/aws4_request, "
    "SignedHeaders=host, Signature=00",
    "X-Amz-Date": "20240101T000000Z",
}

def ask(operation, document):
    target = {**headers, "X-Amz-Target": "TrentService." + operation}
    answer = service.answer("POST", target, json.dumps(document).encode())
    return answer.status, json.loads(answer.body)

created_status, created = ask("CreateKey", {"Description": "on the session"})
described_status, described = ask("DescribeKey", {"KeyId": created["KeyMetadata"]["KeyId"]})
print(json.dumps({
    "statuses": [created_status, described_status],
    "same key": created["KeyMetadata"]["Arn"] == described["KeyMetadata"]["Arn"],
    "arn prefix": described["KeyMetadata"]["Arn"].split("/")[0],
    "description": described["KeyMetadata"]["Description"],
    "cli modules": sorted(m for m in sys.modules if m == "kmscli.cli" or m.startswith("kmscli.cli.")),
    "click loaded": "click" in sys.modules,
}))
"""


def test_the_server_answers_on_a_session_without_loading_the_command_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path / "state"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert json.loads(done.stdout) == {
        "statuses": [200, 200],
        "same key": True,
        "arn prefix": "arn:aws:kms:eu-west-1:111122223333:key",
        "description": "on the session",
        "cli modules": [],
        "click loaded": False,
    }
    assert (tmp_path / "state" / "kmscli.sqlite3").is_file()
