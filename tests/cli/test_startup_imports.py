"""What a command loads while it starts: only what it uses (benchmarks/run.py --only startup times it).

Each module imported costs every command its loading and its definitions; these tests keep the
ones a plain describe-key never uses out of its way.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# describe-key in a fresh interpreter, then which of the modules named on the command line it loaded.
PROBE = """
import sys
from kmscli.cli import cli
try:
    cli.main(sys.argv[1:3])
except SystemExit as e:
    status = e.code
print(status, [name for name in sys.argv[3:] if name in sys.modules], file=sys.stderr)
"""
# Neither an identities file nor a named caller, nor a custom key store, nor help.
NOT_NEEDED = (
    "kmscli.identities",
    "kmscli.core.authorization",
    "kmscli.core.access",
    "kmscli.keystores",
    "kmscli.cli.docs",
)


def _environ(state: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KMSCLI_", "AWS_"))}
    env.update({"KMSCLI_STATE_DIR": str(state), "AWS_REGION": "us-east-1", **extra})
    return env


def _probe(env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "describe-key", "--key-id=alias/aws/s3", *NOT_NEEDED],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert '"KeyManager": "AWS"' in done.stdout
    return done.stderr


def test_describe_key_with_no_identities_file_loads_nothing_it_does_not_use(tmp_path: Path) -> None:
    assert _probe(_environ(tmp_path / "state")) == "0 []\n"


@pytest.mark.parametrize("identities", [False, True], ids=["named-caller", "identities-file"])
def test_a_named_caller_or_an_identities_file_loads_authorization(tmp_path: Path, identities: bool) -> None:
    state = tmp_path / "state"
    state.mkdir()
    if identities:
        (state / "identities.json").write_text('{"Principals": []}', encoding="utf-8")
        env = _environ(state)
    else:
        env = _environ(state, KMSCLI_CALLER_ARN="arn:aws:iam::111122223333:root")
    assert _probe(env) == "0 ['kmscli.identities', 'kmscli.core.authorization', 'kmscli.core.access']\n"
