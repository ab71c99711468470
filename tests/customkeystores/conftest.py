"""Fixtures for custom key stores: SoftHSMv2 tokens in a temporary SOFTHSM2_CONF, a clusters file,
and a runtime whose Env reaches them through the real adapter (kmscli/keystores.py).

SoftHSMv2 (Debian's softhsm2) is installed by .ci/run; without it these tests fail in CI rather
than skip.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from click.testing import CliRunner, Result

from kmscli.cli import cli
from kmscli.keystores import KeyStoreAdapter
from kmscli.session import Session

from .xks_helpers import ProxyProcess

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
SO_PIN = "12345678"
PIN = "kmsPswd1"
CLUSTER = "cluster-234a567bcde"
TRUST_ANCHOR = "-----BEGIN CERTIFICATE-----\nMIIBkmscliTestTrustAnchor\n-----END CERTIFICATE-----\n"
_LABELS = itertools.count(1)


class SoftHsm(NamedTuple):
    conf: Path
    tokens: Path

    def new_token(self, pin: str = PIN) -> str:
        """A fresh token with this user PIN; its label."""
        label = f"kmscli-test-{os.getpid()}-{next(_LABELS)}"
        done = subprocess.run(
            ["softhsm2-util", "--init-token", "--free", "--label", label, "--so-pin", SO_PIN, "--pin", pin],
            env={**os.environ, "SOFTHSM2_CONF": str(self.conf)},
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return label


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoftHsm]:
    if shutil.which("softhsm2-util") is None or not os.path.exists(MODULE):
        if os.environ.get("CI") == "true":
            pytest.fail("SoftHSMv2 (Debian package softhsm2) must be installed in CI")
        pytest.skip("SoftHSMv2 is not installed (apt-get install softhsm2)")
    root = tmp_path_factory.mktemp("softhsm")
    tokens = root / "tokens"
    tokens.mkdir()
    conf = root / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n")
    # SoftHSM reads its configuration when the module is first loaded in a process: one for the session.
    old = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    try:
        yield SoftHsm(conf, tokens)
    finally:
        if old is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = old


def write_clusters(
    path: Path, token_label: str, *, cluster_id: str = CLUSTER, trust_anchor: str = TRUST_ANCHOR
) -> Path:
    import json

    path.write_text(
        json.dumps(
            {
                "Clusters": [
                    {
                        "ClusterId": cluster_id,
                        "Pkcs11Module": MODULE,
                        "TokenLabel": token_label,
                        "TrustAnchorCertificate": trust_anchor,
                    }
                ]
            }
        )
    )
    return path


@pytest.fixture
def token(softhsm: SoftHsm) -> str:
    return softhsm.new_token()


@pytest.fixture
def clusters(tmp_path: Path, token: str) -> Path:
    return write_clusters(tmp_path / "clusters.json", token)


@pytest.fixture
def runtime(state_dir: Path, env, clusters: Path) -> Session:  # type: ignore[no-untyped-def]
    environ = {"KMSCLI_CLOUDHSM_CLUSTERS": str(clusters)}
    adapter = KeyStoreAdapter(environ, str(state_dir), time.time)
    return Session(environ=environ, state_dir=state_dir, env=env._replace(key_stores=adapter))


@pytest.fixture
def invoke(runtime: Session) -> Callable[..., Result]:
    def run(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(cli, list(args), obj=runtime, input=input)

    return run


@pytest.fixture
def proxy(tmp_path: Path) -> Iterator[ProxyProcess]:
    """`kmscli xks-proxy` keeping its keys in a key file of its own, on a free loopback port."""
    from .xks_helpers import proxy_config, start_proxy

    running = start_proxy(proxy_config(tmp_path / "proxy.json"), tmp_path / "proxy.log")
    try:
        yield running
    finally:
        running.stop()
