"""The adapter behind the core's KeyStoreBackends port: CloudHSM clusters and XKS proxies.

Clusters are declared in a JSON file the user writes (KMSCLI_CLOUDHSM_CLUSTERS, else
`cloudhsm-clusters.json` in the state directory):

    {"Clusters": [{"ClusterId": "cluster-234a567bcde", "Pkcs11Module": "/usr/lib/softhsm/libsofthsm2.so",
                   "TokenLabel": "kms-cluster", "TrustAnchorCertificate": "<PEM or file://path>"}]}

Each cluster is a PKCS#11 token (pkcs11token.py). Nothing is read or loaded until a custom key
store operation needs it, so other commands pay nothing for this.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from kmscli.core.errors import KMSInternalException
from kmscli.core.tuples import NamedTuple

if TYPE_CHECKING:
    from kmscli.core.ports import XksProxy

CLUSTERS_FILE = "cloudhsm-clusters.json"


class Cluster(NamedTuple):
    cluster_id: str
    module: str
    token_label: str
    trust_anchor: str


def _file_text(value: str, base: str) -> str:
    if value.startswith("file://"):
        path = os.path.join(base, os.path.expanduser(value[len("file://") :]))
        try:
            with open(path, encoding="utf-8") as f:
                return f.read()
        except OSError as e:
            raise KMSInternalException(f"cannot read the trust anchor certificate {path}: {e.strerror}") from None
    return value


def load_clusters(path: str) -> dict[str, Cluster]:
    """The clusters a file declares; a missing file declares none. A malformed one is an error naming it."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        return {}
    except OSError as e:
        raise KMSInternalException(f"cannot read the CloudHSM clusters file {path}: {e.strerror}") from None
    try:
        doc = json.loads(text)
        entries = doc["Clusters"]
        if not isinstance(entries, list):
            raise TypeError
        clusters = {}
        for entry in entries:
            cluster = Cluster(
                str(entry["ClusterId"]),
                str(entry["Pkcs11Module"]),
                str(entry["TokenLabel"]),
                _file_text(str(entry["TrustAnchorCertificate"]), os.path.dirname(path)),
            )
            clusters[cluster.cluster_id] = cluster
    except (ValueError, KeyError, TypeError):
        raise KMSInternalException(
            f'the CloudHSM clusters file {path} must be JSON: {{"Clusters": [{{"ClusterId", "Pkcs11Module", '
            '"TokenLabel", "TrustAnchorCertificate"}]}'
        ) from None
    return clusters


class KeyStoreAdapter:
    """KeyStoreBackends for the CLI and `serve`: the clusters file, PKCS#11 tokens, XKS over HTTP(S)."""

    def __init__(
        self,
        environ: Mapping[str, str],
        state_dir: str | None,
        clock: Callable[[], float],
        debug: Callable[[str], None] | None = None,
    ) -> None:
        self.environ = environ
        self.state_dir = state_dir
        self.clock = clock
        self.debug = debug or (lambda message: None)

    # ---------------------------------------------------------------- CloudHSM clusters

    def clusters_path(self) -> str | None:
        """KMSCLI_CLOUDHSM_CLUSTERS, else the file in the state directory (a database has none)."""
        given = self.environ.get("KMSCLI_CLOUDHSM_CLUSTERS")
        if given:
            return given
        return os.path.join(self.state_dir, CLUSTERS_FILE) if self.state_dir else None

    def _cluster(self, cluster_id: str) -> Cluster | None:
        # Read on every use: `serve` runs for long, and the user may declare a cluster meanwhile.
        path = self.clusters_path()
        return None if path is None else load_clusters(path).get(cluster_id)

    def _token(self, cluster_id: str) -> Any:
        # Imported on use: every command builds this adapter, few use it (start-up time counts).
        from kmscli.core.ports import HsmError
        from kmscli.pkcs11token import Pkcs11Token

        cluster = self._cluster(cluster_id)
        if cluster is None:
            raise HsmError("CLUSTER_NOT_FOUND")
        self.debug(f"cluster {cluster_id}: PKCS#11 module {cluster.module}, token {cluster.token_label!r}")
        return Pkcs11Token(cluster.module, cluster.token_label)

    def _run(self, cluster_id: str, action: Callable[[Any], Any]) -> Any:
        from kmscli.core.ports import HsmError
        from kmscli.pkcs11token import MissingBinding, TokenError

        try:
            return action(self._token(cluster_id))
        except MissingBinding as e:
            raise KMSInternalException(str(e)) from None
        except TokenError as e:
            raise HsmError(e.code if e.code != "KEY_NOT_FOUND" else "INTERNAL_ERROR", str(e)) from None

    def cluster_trust_anchor(self, cluster_id: str) -> str | None:
        cluster = self._cluster(cluster_id)
        return None if cluster is None else cluster.trust_anchor

    def hsm_login(self, cluster_id: str, pin: str) -> None:
        self._run(cluster_id, lambda t: t.login(pin))

    def hsm_generate_key(self, cluster_id: str, pin: str, label: str) -> None:
        self._run(cluster_id, lambda t: t.generate(pin, label))

    def hsm_encrypt(self, cluster_id: str, pin: str, label: str, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
        return bytes(self._run(cluster_id, lambda t: t.encrypt(pin, label, nonce, plaintext, aad)))

    def hsm_decrypt(
        self, cluster_id: str, pin: str, label: str, nonce: bytes, sealed: bytes, aad: bytes
    ) -> bytes | None:
        result = self._run(cluster_id, lambda t: t.decrypt(pin, label, nonce, sealed, aad))
        return None if result is None else bytes(result)

    def hsm_destroy_key(self, cluster_id: str, pin: str, label: str) -> None:
        self._run(cluster_id, lambda t: t.destroy(pin, label))

    def hsm_random(self, cluster_id: str, pin: str, count: int) -> bytes:
        return bytes(self._run(cluster_id, lambda t: t.random(pin, count)))

    # ---------------------------------------------------------------- XKS proxies

    def xks_call(self, proxy: XksProxy, path: str, body: dict[str, Any]) -> dict[str, Any]:
        from kmscli.xksclient import XksClient, timeout_from

        try:
            timeout = timeout_from(self.environ)
        except ValueError as e:
            raise KMSInternalException(str(e)) from None
        ca_bundle = self.environ.get("AWS_CA_BUNDLE") or None
        self.debug(
            f"XKS proxy call: POST {proxy.uri_endpoint}{proxy.uri_path}/{path} (SigV4 {proxy.access_key_id}, "
            f"{proxy.region}), timeout {timeout} s, CA bundle {ca_bundle or 'none (system store)'}"
        )
        if proxy.uri_endpoint.startswith("http://"):
            self.debug(
                "plain HTTP to a loopback proxy is a kmscli extension for local testing: AWS KMS requires HTTPS "
                "on port 443 with a certificate from a public certificate authority"
            )
        client = XksClient(timeout_s=timeout, ca_bundle=ca_bundle, clock=self.clock)
        return client.call(proxy, path, body)
