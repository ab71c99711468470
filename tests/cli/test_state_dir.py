"""The state directory: --state-dir, KMSCLI_STATE_DIR, else platformdirs' per-user state directory.

kmscli computes the per-user directory itself on Linux (importing platformdirs costs a quarter of
its start-up), so these tests hold its answer to platformdirs' own, read in the same environment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import platformdirs
import pytest

from kmscli import config

KMSCLI = str(Path(sysconfig.get_path("scripts")) / "kmscli")


@pytest.mark.parametrize(
    ("home", "xdg_state_home"),
    [
        ("/home/alice", None),
        ("/home/alice", "/var/state/alice"),
        ("/home/alice", "/var/state/alice/"),
        ("/home/alice/", None),
        ("/", None),
        ("/home/alice", ""),
        ("/home/alice", "relative/state"),
        ("/home/alice", "~/state"),
        # Where platformdirs reads the password database, kmscli asks platformdirs.
        ("relative/home", None),
        ("", None),
        (None, None),
        (None, "/var/state/alice"),
    ],
)
def test_the_per_user_state_dir_is_platformdirs_answer(monkeypatch, home, xdg_state_home):
    monkeypatch.delenv("KMSCLI_STATE_DIR", raising=False)
    for name, value in (("HOME", home), ("XDG_STATE_HOME", xdg_state_home)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    expected = platformdirs.user_state_dir("kmscli")
    assert config.user_state_dir(os.environ) == expected
    assert config.state_dir(None, os.environ) == expected


def test_on_linux_the_default_state_dir_follows_xdg_state_home_else_home(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    assert config.user_state_dir({"HOME": "/home/bob"}) == "/home/bob/.local/state/kmscli"
    assert config.user_state_dir({"HOME": "/home/bob", "XDG_STATE_HOME": "/s"}) == "/s/kmscli"
    assert config.user_state_dir({"HOME": "/home/bob", "XDG_STATE_HOME": "s"}) == "/home/bob/.local/state/kmscli"


def test_state_dir_option_wins_over_the_environment_variable():
    environ = {"KMSCLI_STATE_DIR": "/from/env", "HOME": "/home/bob"}
    assert config.state_dir("/from/option", environ) == "/from/option"
    assert config.state_dir(None, environ) == "/from/env"
    assert config.state_dir("~/state", environ) == os.path.expanduser("~/state")


def _clean_environ(home: Path, **extra: str) -> dict[str, str]:
    drop = ("KMSCLI_", "AWS_", "XDG_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update({"HOME": str(home), "AWS_REGION": "us-east-1", **extra})
    return env


@pytest.mark.parametrize("xdg", [False, True], ids=["home", "xdg_state_home"])
def test_a_command_on_the_default_path_keeps_its_state_there_without_importing_platformdirs(tmp_path, xdg):
    home = tmp_path / "home"
    home.mkdir()
    extra = {"XDG_STATE_HOME": str(tmp_path / "xdg")} if xdg else {}
    env = _clean_environ(home, **extra)
    expected = tmp_path / "xdg" / "kmscli" if xdg else home / ".local" / "state" / "kmscli"

    created = subprocess.run(
        [KMSCLI, "create-key", "--query", "KeyMetadata.KeyId", "--output", "text"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (created.returncode, created.stderr) == (0, "")
    key_id = created.stdout.strip()
    assert sorted(p.name for p in expected.iterdir()) == ["kmscli.sqlite3"]
    assert expected.stat().st_mode & 0o777 == 0o700

    # The same lookup a command makes, in a fresh interpreter: is platformdirs imported on the way?
    probe = (
        "import os, sys\n"
        "from kmscli import config\n"
        "print(config.state_dir(None, os.environ))\n"
        "print('platformdirs' in sys.modules)\n"
    )
    looked_up = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=False)
    assert (looked_up.returncode, looked_up.stderr) == (0, "")
    assert looked_up.stdout == f"{expected}\nFalse\n"

    described = subprocess.run(
        [KMSCLI, "describe-key", "--key-id", key_id, "--query", "KeyMetadata.KeyState", "--output", "text"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (described.returncode, described.stdout, described.stderr) == (0, "Enabled\n", "")
    assert json.dumps(sorted(p.name for p in expected.iterdir())) == '["kmscli.sqlite3"]'
