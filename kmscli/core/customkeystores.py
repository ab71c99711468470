"""The six custom key store operations: Create, Describe, Update, Delete, Connect, Disconnect.

A custom key store is either an AWS CloudHSM key store (a PKCS#11 token stands for the cluster)
or an external key store (a proxy speaking the XKS Proxy API). This module holds the operations
and their validation; it reaches tokens and proxies only through the port that the caller injects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from .api import operation
from .errors import (
    CloudHsmClusterNotFoundException,
    CustomKeyStoreNotFoundException,
    ValidationException,
    XksProxyUriUnreachableException,
)

if TYPE_CHECKING:
    from .env import Env
    from .ports import Repository

CLOUDHSM = "AWS_CLOUDHSM"
EXTERNAL = "EXTERNAL_KEY_STORE"
_CLOUDHSM_MEMBERS = ("cloud_hsm_cluster_id", "trust_anchor_certificate", "key_store_password")
_XKS_MEMBERS = (
    "xks_proxy_uri_endpoint",
    "xks_proxy_uri_path",
    "xks_proxy_vpc_endpoint_service_name",
    "xks_proxy_vpc_endpoint_service_owner",
    "xks_proxy_authentication_credential",
    "xks_proxy_connectivity",
)
_API_NAMES = {
    "cloud_hsm_cluster_id": "CloudHsmClusterId",
    "trust_anchor_certificate": "TrustAnchorCertificate",
    "key_store_password": "KeyStorePassword",
    "xks_proxy_uri_endpoint": "XksProxyUriEndpoint",
    "xks_proxy_uri_path": "XksProxyUriPath",
    "xks_proxy_vpc_endpoint_service_name": "XksProxyVpcEndpointServiceName",
    "xks_proxy_vpc_endpoint_service_owner": "XksProxyVpcEndpointServiceOwner",
    "xks_proxy_authentication_credential": "XksProxyAuthenticationCredential",
    "xks_proxy_connectivity": "XksProxyConnectivity",
}


def _not_found(store_id: str | None = None) -> CustomKeyStoreNotFoundException:
    # KMS answers an unknown custom key store ID without a message.
    return CustomKeyStoreNotFoundException("")


def _check_members(req: NamedTuple, store_type: str) -> None:
    """Members of the other kind of store are refused; the required ones of this kind must be there."""
    fields = req._asdict()
    foreign, required = (
        (_XKS_MEMBERS, _CLOUDHSM_MEMBERS) if store_type == CLOUDHSM else (_CLOUDHSM_MEMBERS, _XKS_REQUIRED)
    )
    for member in foreign:
        if fields.get(member) is not None:
            raise ValidationException(f"{_API_NAMES[member]} is not valid for a custom key store of type {store_type}.")
    for member in required:
        if fields.get(member) is None:
            raise ValidationException(f"{_API_NAMES[member]} is required for a custom key store of type {store_type}.")


_XKS_REQUIRED = (
    "xks_proxy_uri_endpoint",
    "xks_proxy_uri_path",
    "xks_proxy_authentication_credential",
    "xks_proxy_connectivity",
)


# ---------------------------------------------------------------- CreateCustomKeyStore


class CreateCustomKeyStoreRequest(NamedTuple):
    custom_key_store_name: str
    cloud_hsm_cluster_id: str | None = None
    trust_anchor_certificate: str | None = None
    key_store_password: str | None = None
    custom_key_store_type: str | None = None
    xks_proxy_uri_endpoint: str | None = None
    xks_proxy_uri_path: str | None = None
    xks_proxy_vpc_endpoint_service_name: str | None = None
    xks_proxy_vpc_endpoint_service_owner: str | None = None
    xks_proxy_authentication_credential: dict[str, str] | None = None
    xks_proxy_connectivity: str | None = None


class CreateCustomKeyStoreResult(NamedTuple):
    custom_key_store_id: str


@operation("CreateCustomKeyStore", CreateCustomKeyStoreRequest, writes=True)
def create_custom_key_store(repo: Repository, env: Env, req: CreateCustomKeyStoreRequest) -> CreateCustomKeyStoreResult:
    """Create a CloudHSM key store or an external key store.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateCustomKeyStore.html
    """
    store_type = req.custom_key_store_type or CLOUDHSM
    _check_members(req, store_type)
    if store_type == CLOUDHSM:
        # No CloudHSM cluster is declared.
        raise CloudHsmClusterNotFoundException(
            f"The request was rejected because KMS cannot find the AWS CloudHSM cluster with the specified "
            f"cluster ID: {req.cloud_hsm_cluster_id}."
        )
    raise XksProxyUriUnreachableException(
        "KMS was unable to communicate with your external key store proxy. Verify that the "
        "XksProxyUriEndpoint and XksProxyUriPath are correct and that the external key store proxy is reachable."
    )


# ---------------------------------------------------------------- DescribeCustomKeyStores


class DescribeCustomKeyStoresRequest(NamedTuple):
    custom_key_store_id: str | None = None
    custom_key_store_name: str | None = None
    limit: int | None = None
    marker: str | None = None


class DescribeCustomKeyStoresResult(NamedTuple):
    custom_key_stores: tuple[()]
    truncated: bool
    next_marker: str | None = None


@operation("DescribeCustomKeyStores", DescribeCustomKeyStoresRequest, writes=False)
def describe_custom_key_stores(
    repo: Repository, env: Env, req: DescribeCustomKeyStoresRequest
) -> DescribeCustomKeyStoresResult:
    """The custom key stores of the account and Region, or the one named by ID or by name.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeCustomKeyStores.html
    """
    from .paging import decode_marker, page_limit

    if req.custom_key_store_id is not None and req.custom_key_store_name is not None:
        raise ValidationException("You cannot specify both CustomKeyStoreId and CustomKeyStoreName.")
    page_limit(req.limit, default=100)
    decode_marker("custom-key-stores", req.marker)
    if req.custom_key_store_id is not None or req.custom_key_store_name is not None:
        raise _not_found()
    return DescribeCustomKeyStoresResult((), False)


# ---------------------------------------------------------------- UpdateCustomKeyStore


class UpdateCustomKeyStoreRequest(NamedTuple):
    custom_key_store_id: str
    new_custom_key_store_name: str | None = None
    key_store_password: str | None = None
    cloud_hsm_cluster_id: str | None = None
    xks_proxy_uri_endpoint: str | None = None
    xks_proxy_uri_path: str | None = None
    xks_proxy_vpc_endpoint_service_name: str | None = None
    xks_proxy_vpc_endpoint_service_owner: str | None = None
    xks_proxy_authentication_credential: dict[str, str] | None = None
    xks_proxy_connectivity: str | None = None


@operation("UpdateCustomKeyStore", UpdateCustomKeyStoreRequest, writes=True)
def update_custom_key_store(repo: Repository, env: Env, req: UpdateCustomKeyStoreRequest) -> None:
    """Change a custom key store's name, or (while disconnected) its settings.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_UpdateCustomKeyStore.html
    """
    raise _not_found(req.custom_key_store_id)


# ---------------------------------------------------------------- Delete, Connect, Disconnect


class CustomKeyStoreIdRequest(NamedTuple):
    custom_key_store_id: str


@operation("DeleteCustomKeyStore", CustomKeyStoreIdRequest, writes=True)
def delete_custom_key_store(repo: Repository, env: Env, req: CustomKeyStoreIdRequest) -> None:
    """Delete a disconnected custom key store that holds no KMS keys.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_DeleteCustomKeyStore.html
    """
    raise _not_found(req.custom_key_store_id)


@operation("ConnectCustomKeyStore", CustomKeyStoreIdRequest, writes=True)
def connect_custom_key_store(repo: Repository, env: Env, req: CustomKeyStoreIdRequest) -> None:
    """Connect a custom key store to its token or proxy.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_ConnectCustomKeyStore.html
    """
    raise _not_found(req.custom_key_store_id)


@operation("DisconnectCustomKeyStore", CustomKeyStoreIdRequest, writes=True)
def disconnect_custom_key_store(repo: Repository, env: Env, req: CustomKeyStoreIdRequest) -> None:
    """Disconnect a custom key store: its KMS keys become unusable until it is connected again.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_DisconnectCustomKeyStore.html
    """
    raise _not_found(req.custom_key_store_id)
