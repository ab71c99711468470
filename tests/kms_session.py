"""kmscli run the way a user runs it, in-process: the real configuration path against one state directory.

Unlike the `invoke` fixture (whose Env is fixed to one Region), a KmsSession resolves the Region
from `--region`/AWS_REGION and the clock from KMSCLI_FIXED_TIME on every command, exactly as a
separate process would, so tests can work across Regions and move the clock forward between
commands. Only key generation is shared with the session-wide cache (an RSA_4096 key is slow).
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from kmscli import config
from kmscli.cli import cli
from kmscli.session import Session

ACCOUNT = "111122223333"
# The CreationDate of the Developer Guide's "Creating keys" first example.
START = 1502910355.475
DAY = 86400

_ERROR = re.compile(
    r"\nAn error occurred \((?P<code>\w+)\) when calling the (?P<op>\w+) operation: (?P<message>.*)\n", re.S
)


class KmsSession:
    def __init__(self, state_dir: Path, home: Path, *, region: str = "us-west-2", now: float = START) -> None:
        self.state_dir = state_dir
        self.region = region
        self.environ: dict[str, str] = {"HOME": str(home), "AWS_REGION": region, "KMSCLI_SEED": "kms-session"}
        self.set_time(now)

    # ------------------------------------------------------------ the clock

    @property
    def now(self) -> float:
        return float(self.environ["KMSCLI_FIXED_TIME"])

    def set_time(self, epoch: float) -> None:
        self.environ["KMSCLI_FIXED_TIME"] = repr(round(epoch, 3))

    def advance(self, seconds: float) -> None:
        self.set_time(self.now + seconds)

    # ------------------------------------------------------------ running commands

    def run(self, *args: str) -> Result:
        runtime = Session(environ=self.environ, state_dir=self.state_dir)
        return CliRunner().invoke(cli, list(args), obj=runtime, catch_exceptions=False)

    def ok(self, *args: str) -> Any:
        """The JSON document a successful command printed ({} when it printed nothing, as AWS does)."""
        result = self.run(*args)
        assert (result.exit_code, result.stderr) == (0, ""), result.stderr
        return json.loads(result.stdout) if result.stdout else {}

    def error(self, *args: str) -> tuple[str, str]:
        """(code, message) of a service error; also checks exit 255, empty stdout and the operation name."""
        result = self.run(*args)
        assert (result.exit_code, result.stdout) == (255, ""), (result.exit_code, result.stdout, result.stderr)
        match = _ERROR.fullmatch(result.stderr)
        assert match is not None, result.stderr
        assert match["op"] == "".join(part.capitalize() for part in args[0].split("-")), "the command comes first"
        return match["code"], match["message"]


def make_session(tmp_path: Path, private_keys: Callable[[str], bytes], monkeypatch: pytest.MonkeyPatch) -> KmsSession:
    """For a `kms` fixture: a session on tmp_path whose key generation uses the session-wide cache."""
    monkeypatch.setattr(config, "generate_private_key", private_keys)
    return KmsSession(tmp_path / "state", tmp_path / "home")


def arn(key_id: str, region: str = "us-west-2") -> str:
    return f"arn:aws:kms:{region}:{ACCOUNT}:key/{key_id}"


def b64(text: str) -> bytes:
    return base64.b64decode(text)


def write(path: Path, data: bytes) -> str:
    """Write `data` and return the fileb:// argument that passes it to kmscli."""
    path.write_bytes(data)
    return f"fileb://{path}"


def openssl(*args: str, stdin: bytes | None = None) -> bytes:
    """Run a real openssl process; its stdout."""
    done = subprocess.run(["openssl", *args], input=stdin, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


def parse_symmetric_blob(blob: bytes) -> dict[str, Any]:
    """The parts of a kmscli symmetric ciphertext, read apart from kmscli's code (docs/decisions.md#ciphertext)."""
    n = blob[1]
    end = 2 + n + 32 + 12
    return {
        "version": blob[0],
        "key_id": blob[2 : 2 + n].decode("ascii"),
        "material_id": blob[2 + n : 2 + n + 32].hex(),
        "nonce": blob[end - 12 : end],
        "header": blob[:end],
        "sealed": blob[end:],
    }


def implemented(command: str) -> bool:
    from kmscli.cli.app import COMMAND_TO_OPERATION

    return command in COMMAND_TO_OPERATION


def needs(*commands: str) -> pytest.MarkDecorator:
    """Skip, saying why, while a command these tests use is not part of kmscli yet."""
    missing = [c for c in commands if not implemented(c)]
    return pytest.mark.skipif(bool(missing), reason=f"kmscli has no {', '.join(missing)} command yet")


# The import tests wrap key material with a real openssl process, as AWS's documentation does.
requires_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="these tests run the openssl program")
