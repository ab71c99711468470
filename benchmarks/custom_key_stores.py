"""Encrypt with keys in custom key stores, each against Encrypt with an AWS_KMS key in the same run.

- an external key store key, through `kmscli xks-proxy` on loopback (one signed HTTP round trip,
  the proxy's AES-GCM on its own SoftHSM token, and KMS's own AES-GCM layer): target <= 3x;
- a CloudHSM key store key on a SoftHSMv2 token (loading the PKCS#11 module, logging in, AES-GCM
  in the token).

Needs SoftHSMv2 (Debian's softhsm2) and python-pkcs11 (`pip install -e '.[test]'`).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
PIN = "kmsPswd1"
ACCESS_KEY = "ABCDEFGHIJKLMNOPQRST"
SECRET_KEY = "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghij"
TRUST_ANCHOR = "-----BEGIN CERTIFICATE-----\nMIIBbenchmark\n-----END CERTIFICATE-----\n"
READY = re.compile(r"kmscli xks-proxy: listening on (http://\S+) path (\S+)\n")


def _token(conf: Path, label: str) -> None:
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", label, "--so-pin", "12345678", "--pin", PIN],
        env={**os.environ, "SOFTHSM2_CONF": str(conf)},
        check=True,
        capture_output=True,
    )


def measure(
    kmscli: str,
    work: Path,
    runs: int,
    environ: Callable[[Path], dict[str, str]],
    paired: Callable[..., tuple[list[Any], list[Any]]],
    summarize: Callable[..., Any],
) -> list[Any]:
    state = work / "custom-key-stores"
    softhsm = work / "softhsm"
    (softhsm / "tokens").mkdir(parents=True)
    conf = softhsm / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {softhsm / 'tokens'}\nlog.level = ERROR\n")
    _token(conf, "cluster")
    _token(conf, "xks")
    clusters = work / "clusters.json"
    clusters.write_text(
        json.dumps(
            {
                "Clusters": [
                    {
                        "ClusterId": "cluster-234a567bcde",
                        "Pkcs11Module": MODULE,
                        "TokenLabel": "cluster",
                        "TrustAnchorCertificate": TRUST_ANCHOR,
                    }
                ]
            }
        )
    )
    config = work / "xks-proxy.json"
    config.write_text(
        json.dumps(
            {
                "Region": "us-east-1",
                "Credentials": [{"AccessKeyId": ACCESS_KEY, "SecretAccessKey": SECRET_KEY}],
                "Pkcs11": {"Module": MODULE, "TokenLabel": "xks", "UserPin": PIN},
                "Keys": [{"Id": "bench", "Usage": ["ENCRYPT", "DECRYPT"]}],
            }
        )
    )
    env = {**environ(state), "SOFTHSM2_CONF": str(conf), "KMSCLI_CLOUDHSM_CLUSTERS": str(clusters)}
    proxy = subprocess.Popen(
        [kmscli, "xks-proxy", "--config", str(config), "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(proxy.stdout.readline() if proxy.stdout else ""))
        reader.start()
        reader.join(60)
        match = READY.fullmatch(line[0]) if line else None
        if match is None:
            raise SystemExit(f"kmscli xks-proxy did not start: {line!r}")
        endpoint, path = match.groups()

        def run(*args: str) -> str:
            done = subprocess.run([kmscli, *args], env=env, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise SystemExit(f"kmscli {' '.join(args[:1])} failed: {done.stderr}")
            return done.stdout.strip()

        plain = run("create-key", "--query", "KeyMetadata.KeyId", "--output", "text")
        hsm_store = run(
            "create-custom-key-store", "--custom-key-store-name", "bench-hsm", "--cloud-hsm-cluster-id",
            "cluster-234a567bcde", f"--trust-anchor-certificate={TRUST_ANCHOR}", "--key-store-password", PIN,
            "--query", "CustomKeyStoreId", "--output", "text",
        )  # fmt: skip
        run("connect-custom-key-store", "--custom-key-store-id", hsm_store)
        hsm_key = run("create-key", "--custom-key-store-id", hsm_store, "--origin", "AWS_CLOUDHSM", "--query",
                      "KeyMetadata.KeyId", "--output", "text")  # fmt: skip
        xks_store = run(
            "create-custom-key-store", "--custom-key-store-name", "bench-xks", "--custom-key-store-type",
            "EXTERNAL_KEY_STORE", "--xks-proxy-uri-endpoint", endpoint, "--xks-proxy-uri-path", path,
            "--xks-proxy-connectivity", "PUBLIC_ENDPOINT", "--xks-proxy-authentication-credential",
            f"AccessKeyId={ACCESS_KEY},RawSecretAccessKey={SECRET_KEY}",
            "--query", "CustomKeyStoreId", "--output", "text",
        )  # fmt: skip
        run("connect-custom-key-store", "--custom-key-store-id", xks_store)
        xks_key = run("create-key", "--custom-key-store-id", xks_store, "--origin", "EXTERNAL_KEY_STORE",
                      "--xks-key-id", "bench", "--query", "KeyMetadata.KeyId", "--output", "text")  # fmt: skip
        plaintext = work / "cks-plaintext.bin"
        plaintext.write_bytes(bytes(range(64)))

        def encrypt(key_id: str) -> list[str]:
            return [kmscli, "encrypt", "--key-id", key_id, "--plaintext", f"fileb://{plaintext}"]

        rows = []
        for name, key_id, target, note in (
            ("encrypt, external key store", xks_key, "<= 3.0x", "one signed loopback round trip to kmscli xks-proxy"),
            ("encrypt, CloudHSM key store", hsm_key, "", "loads the PKCS#11 module and logs in to the token"),
        ):
            m, b = paired(encrypt(key_id), encrypt(plain), runs, env)
            rows.append(
                summarize(
                    "custom-key-stores",
                    name,
                    "`kmscli encrypt`, 64-byte plaintext",
                    "`kmscli encrypt` with an AWS_KMS key",
                    m,
                    b,
                    target=target,
                    note=note,
                )
            )
        return rows
    finally:
        proxy.terminate()
        proxy.communicate(timeout=30)
