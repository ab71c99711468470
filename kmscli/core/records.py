"""Stored records besides keys, aliases and tags: grants and import tokens.

Kept apart from model.py because only the grant and import commands (and the store, on demand)
need them: every command imports model.py, and each class defined there costs start-up time.
"""

from __future__ import annotations

from .tuples import NamedTuple


class GrantConstraints(NamedTuple):
    encryption_context_subset: dict[str, str] | None = None
    encryption_context_equals: dict[str, str] | None = None
    source_arn: str | None = None


class Grant(NamedTuple):
    grant_id: str
    key_id: str
    creation_date: float
    issuing_account: str
    operations: tuple[str, ...]
    name: str | None = None
    grantee_principal: str | None = None
    retiring_principal: str | None = None
    constraints: GrantConstraints | None = None
    grantee_service_principal: str | None = None
    retiring_service_principal: str | None = None


class ImportToken(NamedTuple):
    """What one GetParametersForImport response stands for: a wrapping key pair and algorithm, for 24 h."""

    token_id: str
    key_id: str
    wrapping_algorithm: str
    wrapping_key_spec: str
    # PKCS#8 DER of the wrapping private key.
    private_key: bytes
    expires: float


class CustomKeyStore(NamedTuple):
    """A custom key store, with the secret KMS keeps to reach its backing keys.

    For a CloudHSM key store the secret is the key store password (the token's user PIN); for an
    external key store, the proxy's SigV4 secret access key. Neither is ever reported.
    """

    custom_key_store_id: str
    name: str
    store_type: str
    creation_date: float
    connection_state: str = "DISCONNECTED"
    connection_error_code: str | None = None
    # AWS_CLOUDHSM
    cloud_hsm_cluster_id: str | None = None
    trust_anchor_certificate: str | None = None
    # EXTERNAL_KEY_STORE
    xks_proxy_connectivity: str | None = None
    xks_proxy_uri_endpoint: str | None = None
    xks_proxy_uri_path: str | None = None
    xks_proxy_vpc_endpoint_service_name: str | None = None
    xks_proxy_vpc_endpoint_service_owner: str | None = None
    xks_proxy_access_key_id: str | None = None
    secret: str = ""
