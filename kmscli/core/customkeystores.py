"""The six custom key store operations, and what keys in a custom key store need from them.

A custom key store is either an AWS CloudHSM key store (a PKCS#11 token stands for the cluster,
its user PIN is the key store password) or an external key store (a proxy that speaks the XKS
Proxy API). The core reaches tokens and proxies only through `env.key_stores`, a port the caller
injects (core/ports.py: KeyStoreBackends). Connecting is synchronous here: a store is CONNECTED
or FAILED when ConnectCustomKeyStore returns (KMS passes through CONNECTING).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .api import operation
from .errors import (
    CloudHsmClusterInUseException,
    CloudHsmClusterNotFoundException,
    CloudHsmClusterNotRelatedException,
    CustomKeyStoreHasCMKsException,
    CustomKeyStoreInvalidStateException,
    CustomKeyStoreNameInUseException,
    CustomKeyStoreNotFoundException,
    IncorrectTrustAnchorException,
    KmsError,
    KMSInternalException,
    KMSInvalidStateException,
    LimitExceededException,
    UnsupportedOperationException,
    ValidationException,
    XksKeyAlreadyInUseException,
    XksKeyInvalidConfigurationException,
    XksKeyNotFoundException,
    XksProxyIncorrectAuthenticationCredentialException,
    XksProxyInvalidConfigurationException,
    XksProxyInvalidResponseException,
    XksProxyUriEndpointInUseException,
    XksProxyUriInUseException,
    XksProxyUriUnreachableException,
    XksProxyVpcEndpointServiceNotFoundException,
)
from .key_store_state import (
    CLOUDHSM,
    CONNECTED,
    DISCONNECTED,
    EXTERNAL,
    FAILED,
    XKS_MESSAGES,
    connected_store,
)
from .model import KeyState
from .ports import Access, HsmError, XksError, XksProxy
from .records import CustomKeyStore
from .tuples import NamedTuple

if TYPE_CHECKING:
    from .env import Env
    from .model import Key, KeyMaterial
    from .ports import KeyStoreBackends, Repository

# Custom key stores per account and Region (a KMS quota).
MAX_STORES = 10

_CLOUDHSM_MEMBERS = ("cloud_hsm_cluster_id", "trust_anchor_certificate", "key_store_password")
_XKS_MEMBERS = (
    "xks_proxy_uri_endpoint",
    "xks_proxy_uri_path",
    "xks_proxy_vpc_endpoint_service_name",
    "xks_proxy_vpc_endpoint_service_owner",
    "xks_proxy_authentication_credential",
    "xks_proxy_connectivity",
)
_XKS_REQUIRED = (
    "xks_proxy_uri_endpoint",
    "xks_proxy_uri_path",
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
_STORE_ID = re.compile(r"cks-[0-9a-f]{17}")

# ---------------------------------------------------------------- XKS proxy failures, as KMS reports them


# The exception for each failure, by the kind of KMS operation that called the proxy.
_STORE_EXCEPTIONS: dict[str, type[KmsError]] = {
    "ValidationException": XksProxyInvalidResponseException,
    "AuthenticationFailedException": XksProxyIncorrectAuthenticationCredentialException,
    "InvalidUriPathException": XksProxyInvalidConfigurationException,
    "DependencyTimeoutException": XksProxyUriUnreachableException,
    "ThrottlingException": XksProxyUriUnreachableException,
    "InternalException": XksProxyInvalidResponseException,
    "unreachable": XksProxyUriUnreachableException,
    "tls": XksProxyUriUnreachableException,
    "timeout": XksProxyUriUnreachableException,
    "invalid_response": XksProxyInvalidResponseException,
}
_CREATE_KEY_EXCEPTIONS: dict[str, type[KmsError]] = {
    "InvalidStateException": XksKeyInvalidConfigurationException,
    "InvalidKeyUsageException": XksKeyInvalidConfigurationException,
    "AccessDeniedException": KMSInvalidStateException,
    "KeyNotFoundException": XksKeyNotFoundException,
    # KMS names an exception here that its model does not have; the closest one it has.
    "UnsupportedOperationException": XksKeyInvalidConfigurationException,
}
# Errors a health check cannot usefully answer with: reported as an answer KMS cannot interpret.
_HEALTH_FALLBACK = "invalid_response"


def xks_failure(reason: str, context: str) -> KmsError:
    """The KMS exception for an XKS proxy failure `reason` (an errorName, or how the call failed).

    `context` is "store" (Create/Update/ConnectCustomKeyStore), "create_key" or "crypto".
    """
    message = XKS_MESSAGES.get(reason, XKS_MESSAGES["invalid_response"])
    if reason not in XKS_MESSAGES:
        reason = "invalid_response"
    if context == "store":
        return _STORE_EXCEPTIONS.get(reason, _STORE_EXCEPTIONS[_HEALTH_FALLBACK])(message)
    if context == "create_key":
        return _CREATE_KEY_EXCEPTIONS.get(reason, CustomKeyStoreInvalidStateException)(message)
    return KMSInvalidStateException(message)


def _xks_reason(e: Exception) -> str:
    assert isinstance(e, XksError)
    return e.error_name if e.kind == "error" and e.error_name else e.kind


# ---------------------------------------------------------------- helpers


def _backends(env: Env) -> KeyStoreBackends:
    if env.key_stores is None:
        raise KMSInternalException("No custom key store backend is available to this kmscli.")
    return env.key_stores


def _not_found() -> CustomKeyStoreNotFoundException:
    # KMS answers an unknown custom key store ID without a message.
    return CustomKeyStoreNotFoundException("")


def find_store(repo: Repository, store_id: str) -> CustomKeyStore:
    store = repo.get_custom_key_store(store_id)
    if store is None:
        raise _not_found()
    return store


def _check_members(fields: dict[str, Any], store_type: str, *, required: bool) -> None:
    """Members of the other kind of store are refused; at creation, this kind's required ones must be there."""
    foreign, needed = (
        (_XKS_MEMBERS, _CLOUDHSM_MEMBERS) if store_type == CLOUDHSM else (_CLOUDHSM_MEMBERS, _XKS_REQUIRED)
    )
    for member in foreign:
        if fields.get(member) is not None:
            raise ValidationException(f"{_API_NAMES[member]} is not valid for a custom key store of type {store_type}.")
    if required:
        for member in needed:
            if fields.get(member) is None:
                raise ValidationException(
                    f"{_API_NAMES[member]} is required for a custom key store of type {store_type}."
                )


def _check_vpc(fields: dict[str, Any]) -> None:
    connectivity = fields.get("xks_proxy_connectivity")
    vpc_name = fields.get("xks_proxy_vpc_endpoint_service_name")
    if connectivity == "VPC_ENDPOINT_SERVICE":
        if vpc_name is None:
            raise ValidationException(
                "XksProxyVpcEndpointServiceName is required when XksProxyConnectivity is VPC_ENDPOINT_SERVICE."
            )
        # No VPC endpoint service exists on this machine.
        raise XksProxyVpcEndpointServiceNotFoundException(
            f"The VPC endpoint service {vpc_name} was not found. kmscli reaches external key store proxies through "
            "public endpoints only."
        )
    if vpc_name is not None or fields.get("xks_proxy_vpc_endpoint_service_owner") is not None:
        raise ValidationException(
            "XksProxyVpcEndpointServiceName and XksProxyVpcEndpointServiceOwner are valid only when "
            "XksProxyConnectivity is VPC_ENDPOINT_SERVICE."
        )


def _check_unique(repo: Repository, store: CustomKeyStore) -> None:
    for other in repo.list_custom_key_stores():
        if other.custom_key_store_id == store.custom_key_store_id:
            continue
        if other.name == store.name:
            raise CustomKeyStoreNameInUseException(
                f"The specified custom key store name {store.name} is already assigned to another custom key store "
                "in the account."
            )
        if store.store_type == CLOUDHSM and other.cloud_hsm_cluster_id == store.cloud_hsm_cluster_id:
            raise CloudHsmClusterInUseException(
                f"The specified CloudHSM cluster {store.cloud_hsm_cluster_id} is already associated with another "
                "custom key store in the account."
            )
        if store.store_type == EXTERNAL and other.store_type == EXTERNAL:
            if (other.xks_proxy_uri_endpoint, other.xks_proxy_uri_path) == (
                store.xks_proxy_uri_endpoint,
                store.xks_proxy_uri_path,
            ):
                raise XksProxyUriInUseException(
                    "The concatenation of the XksProxyUriEndpoint and XksProxyUriPath is already associated with "
                    "another external key store in this account and Region."
                )
            if other.xks_proxy_uri_endpoint == store.xks_proxy_uri_endpoint:
                raise XksProxyUriEndpointInUseException(
                    "The XksProxyUriEndpoint is already associated with another external key store in this account "
                    "and Region. Each external key store with public endpoint connectivity must use a unique endpoint."
                )


def _check_cluster(env: Env, cluster_id: str, trust_anchor: str | None) -> str:
    """The cluster's trust anchor; the given one must be it (compared without surrounding whitespace)."""
    anchor = _backends(env).cluster_trust_anchor(cluster_id)
    if anchor is None:
        raise CloudHsmClusterNotFoundException(
            "The request was rejected because KMS cannot find the AWS CloudHSM cluster with the specified cluster "
            f"ID: {cluster_id}."
        )
    if trust_anchor is not None and trust_anchor.strip() != anchor.strip():
        raise IncorrectTrustAnchorException(
            "The trust anchor certificate in the request is not the trust anchor certificate for the specified "
            f"AWS CloudHSM cluster {cluster_id}."
        )
    return anchor


def _live_keys(repo: Repository, env: Env, store: CustomKeyStore) -> list[Key]:
    """The store's keys that still exist once what the clock made due is applied (deletions)."""
    from .keyring import live_key

    keys = []
    for key_id in repo.list_custom_key_store_keys(store.custom_key_store_id):
        key = live_key(repo, env, key_id)
        if key is not None:
            keys.append(key)
    return keys


def xks_proxy(store: CustomKeyStore, region: str) -> XksProxy:
    assert store.xks_proxy_uri_endpoint
    assert store.xks_proxy_uri_path
    assert store.xks_proxy_access_key_id
    return XksProxy(
        store.xks_proxy_uri_endpoint, store.xks_proxy_uri_path, store.xks_proxy_access_key_id, store.secret, region
    )


def request_metadata(env: Env, **extra: str) -> dict[str, str]:
    """requestMetadata as KMS sends it: who called, the running KMS operation, a request ID, and per call more."""
    return {
        "awsPrincipalArn": env.caller_arn,
        "kmsOperation": str(env.operation),
        "kmsRequestId": _request_id(env),
        **extra,
    }


def _request_id(env: Env) -> str:
    raw = env.random_bytes(16).hex()
    return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"


def _health_check(env: Env, store: CustomKeyStore) -> None:
    """GetHealthStatus: the proxy must answer, and its answer must be one the API specifies."""
    body = {"requestMetadata": {"kmsRequestId": _request_id(env), "kmsOperation": str(env.operation)}}
    try:
        answer = _backends(env).xks_call(xks_proxy(store, env.region), "health", body)
    except XksError as e:
        raise xks_failure(_xks_reason(e), "store") from None
    fleet = answer.get("ekmFleetDetails")
    if not (
        isinstance(answer.get("xksProxyFleetSize"), int)
        and answer["xksProxyFleetSize"] > 0
        and isinstance(fleet, list)
        and 1 <= len(fleet) <= 10
        and all(isinstance(f, dict) and f.get("healthStatus") in ("ACTIVE", "DEGRADED", "UNAVAILABLE") for f in fleet)
    ):
        raise xks_failure("invalid_response", "store")


def _new_store_id(env: Env) -> str:
    return "cks-" + env.id_bytes(9).hex()[:17]


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


@operation(CreateCustomKeyStoreRequest, access=Access.WRITES)
def create_custom_key_store(repo: Repository, env: Env, req: CreateCustomKeyStoreRequest) -> CreateCustomKeyStoreResult:
    """Create a CloudHSM key store or an external key store, DISCONNECTED.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateCustomKeyStore.html
    """
    store_type = req.custom_key_store_type or CLOUDHSM
    fields = req._asdict()
    _check_members(fields, store_type, required=True)
    if store_type == EXTERNAL:
        _check_vpc(fields)
    if len(repo.list_custom_key_stores()) >= MAX_STORES:
        raise LimitExceededException(
            f"The request was rejected because the number of custom key stores in {env.region} would exceed the "
            f"quota of {MAX_STORES}."
        )
    store = CustomKeyStore(
        custom_key_store_id=_new_store_id(env),
        name=req.custom_key_store_name,
        store_type=store_type,
        creation_date=env.now(),
    )
    if store_type == CLOUDHSM:
        assert req.cloud_hsm_cluster_id
        assert req.key_store_password
        store = store._replace(
            cloud_hsm_cluster_id=req.cloud_hsm_cluster_id,
            trust_anchor_certificate=req.trust_anchor_certificate,
            secret=req.key_store_password,
        )
        _check_unique(repo, store)
        _check_cluster(env, req.cloud_hsm_cluster_id, req.trust_anchor_certificate)
    else:
        credential = req.xks_proxy_authentication_credential or {}
        store = store._replace(
            xks_proxy_connectivity=req.xks_proxy_connectivity,
            xks_proxy_uri_endpoint=req.xks_proxy_uri_endpoint,
            xks_proxy_uri_path=req.xks_proxy_uri_path,
            xks_proxy_access_key_id=credential["AccessKeyId"],
            secret=credential["RawSecretAccessKey"],
        )
        _check_unique(repo, store)
        _health_check(env, store)
    repo.put_custom_key_store(store)
    return CreateCustomKeyStoreResult(store.custom_key_store_id)


# ---------------------------------------------------------------- DescribeCustomKeyStores


class XksProxyConfiguration(NamedTuple):
    connectivity: str | None = None
    access_key_id: str | None = None
    uri_endpoint: str | None = None
    uri_path: str | None = None
    vpc_endpoint_service_name: str | None = None
    vpc_endpoint_service_owner: str | None = None


class CustomKeyStoresListEntry(NamedTuple):
    custom_key_store_id: str
    custom_key_store_name: str
    connection_state: str
    creation_date: float
    custom_key_store_type: str
    cloud_hsm_cluster_id: str | None = None
    trust_anchor_certificate: str | None = None
    connection_error_code: str | None = None
    xks_proxy_configuration: XksProxyConfiguration | None = None


def list_entry(store: CustomKeyStore) -> CustomKeyStoresListEntry:
    xks = None
    if store.store_type == EXTERNAL:
        xks = XksProxyConfiguration(
            connectivity=store.xks_proxy_connectivity,
            access_key_id=store.xks_proxy_access_key_id,
            uri_endpoint=store.xks_proxy_uri_endpoint,
            uri_path=store.xks_proxy_uri_path,
            vpc_endpoint_service_name=store.xks_proxy_vpc_endpoint_service_name,
            vpc_endpoint_service_owner=store.xks_proxy_vpc_endpoint_service_owner,
        )
    return CustomKeyStoresListEntry(
        custom_key_store_id=store.custom_key_store_id,
        custom_key_store_name=store.name,
        connection_state=store.connection_state,
        creation_date=store.creation_date,
        custom_key_store_type=store.store_type,
        cloud_hsm_cluster_id=store.cloud_hsm_cluster_id,
        trust_anchor_certificate=store.trust_anchor_certificate,
        connection_error_code=store.connection_error_code if store.connection_state == FAILED else None,
        xks_proxy_configuration=xks,
    )


class DescribeCustomKeyStoresRequest(NamedTuple):
    custom_key_store_id: str | None = None
    custom_key_store_name: str | None = None
    limit: int | None = None
    marker: str | None = None


class DescribeCustomKeyStoresResult(NamedTuple):
    custom_key_stores: tuple[CustomKeyStoresListEntry, ...]
    truncated: bool
    next_marker: str | None = None


@operation(DescribeCustomKeyStoresRequest, access=Access.READS)
def describe_custom_key_stores(
    repo: Repository, env: Env, req: DescribeCustomKeyStoresRequest
) -> DescribeCustomKeyStoresResult:
    """The custom key stores of the account and Region, or the one named by ID or by name.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeCustomKeyStores.html
    """
    from .paging import decode_marker, encode_marker, page_limit

    if req.custom_key_store_id is not None and req.custom_key_store_name is not None:
        raise ValidationException("You cannot specify both CustomKeyStoreId and CustomKeyStoreName.")
    limit = page_limit(req.limit, default=100)
    after = decode_marker("custom-key-stores", req.marker)
    stores = repo.list_custom_key_stores()
    if req.custom_key_store_id is not None:
        stores = [s for s in stores if s.custom_key_store_id == req.custom_key_store_id]
    elif req.custom_key_store_name is not None:
        stores = [s for s in stores if s.name == req.custom_key_store_name]
    if not stores and (req.custom_key_store_id is not None or req.custom_key_store_name is not None):
        raise _not_found()
    stores = [s for s in stores if after is None or s.custom_key_store_id > after]
    page = tuple(list_entry(s) for s in stores[:limit])
    if len(stores) > limit:
        return DescribeCustomKeyStoresResult(
            page, True, encode_marker("custom-key-stores", stores[limit - 1].custom_key_store_id)
        )
    return DescribeCustomKeyStoresResult(page, False)


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


@operation(UpdateCustomKeyStoreRequest, access=Access.WRITES)
def update_custom_key_store(repo: Repository, env: Env, req: UpdateCustomKeyStoreRequest) -> None:
    """Rename a custom key store (in any state), or change its settings while it is disconnected.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_UpdateCustomKeyStore.html
    """
    store = find_store(repo, req.custom_key_store_id)
    fields = req._asdict()
    _check_members(fields, store.store_type, required=False)
    settings = [m for m in (*_CLOUDHSM_MEMBERS, *_XKS_MEMBERS) if fields.get(m) is not None]
    if settings and store.connection_state != DISCONNECTED:
        raise CustomKeyStoreInvalidStateException(
            f"Custom key store {store.custom_key_store_id} must be disconnected to update "
            f"{', '.join(_API_NAMES[m] for m in settings)}."
        )
    updated = store
    if req.new_custom_key_store_name is not None:
        updated = updated._replace(name=req.new_custom_key_store_name)
    if store.store_type == CLOUDHSM:
        if req.key_store_password is not None:
            updated = updated._replace(secret=req.key_store_password)
        if req.cloud_hsm_cluster_id is not None and req.cloud_hsm_cluster_id != store.cloud_hsm_cluster_id:
            anchor = _check_cluster(env, req.cloud_hsm_cluster_id, None)
            # A related cluster shares the cluster certificate; here, the trust anchor.
            if store.trust_anchor_certificate is not None and anchor.strip() != store.trust_anchor_certificate.strip():
                raise CloudHsmClusterNotRelatedException(
                    f"The specified CloudHSM cluster {req.cloud_hsm_cluster_id} is not related to the cluster "
                    "associated with the custom key store."
                )
            updated = updated._replace(cloud_hsm_cluster_id=req.cloud_hsm_cluster_id)
    else:
        merged = {
            "xks_proxy_connectivity": req.xks_proxy_connectivity or store.xks_proxy_connectivity,
            "xks_proxy_vpc_endpoint_service_name": req.xks_proxy_vpc_endpoint_service_name,
            "xks_proxy_vpc_endpoint_service_owner": req.xks_proxy_vpc_endpoint_service_owner,
        }
        _check_vpc(merged)
        credential = req.xks_proxy_authentication_credential
        updated = updated._replace(
            xks_proxy_connectivity=merged["xks_proxy_connectivity"],
            xks_proxy_uri_endpoint=req.xks_proxy_uri_endpoint or store.xks_proxy_uri_endpoint,
            xks_proxy_uri_path=req.xks_proxy_uri_path or store.xks_proxy_uri_path,
        )
        if credential is not None:
            updated = updated._replace(
                xks_proxy_access_key_id=credential["AccessKeyId"], secret=credential["RawSecretAccessKey"]
            )
    _check_unique(repo, updated)
    if updated.store_type == EXTERNAL and settings:
        _health_check(env, updated)
    repo.put_custom_key_store(updated)


# ---------------------------------------------------------------- Delete, Connect, Disconnect


class CustomKeyStoreIdRequest(NamedTuple):
    custom_key_store_id: str


@operation(CustomKeyStoreIdRequest, access=Access.WRITES)
def delete_custom_key_store(repo: Repository, env: Env, req: CustomKeyStoreIdRequest) -> None:
    """Delete a disconnected custom key store that holds no KMS keys.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_DeleteCustomKeyStore.html
    """
    store = find_store(repo, req.custom_key_store_id)
    if store.connection_state != DISCONNECTED:
        raise CustomKeyStoreInvalidStateException(
            f"Custom key store {store.custom_key_store_id} must be disconnected before it can be deleted."
        )
    if _live_keys(repo, env, store):
        raise CustomKeyStoreHasCMKsException(
            f"Custom key store {store.custom_key_store_id} contains KMS keys. Delete all KMS keys in the custom key "
            "store before deleting it."
        )
    repo.delete_custom_key_store(store.custom_key_store_id)


@operation(CustomKeyStoreIdRequest, access=Access.WRITES)
def connect_custom_key_store(repo: Repository, env: Env, req: CustomKeyStoreIdRequest) -> None:
    """Connect a custom key store: log in to its token, or check its proxy's health.

    A store that cannot connect ends FAILED with a ConnectionErrorCode, and the call itself succeeds,
    as on AWS (the outcome is read with DescribeCustomKeyStores).
    https://docs.aws.amazon.com/kms/latest/APIReference/API_ConnectCustomKeyStore.html
    """
    store = find_store(repo, req.custom_key_store_id)
    if store.connection_state == CONNECTED:
        return
    if store.connection_state == FAILED:
        raise CustomKeyStoreInvalidStateException(
            f"Custom key store {store.custom_key_store_id} is in the FAILED state. Disconnect it before you try to "
            "connect it again."
        )
    error_code = _connection_error(env, store)
    if error_code is None:
        repo.put_custom_key_store(store._replace(connection_state=CONNECTED, connection_error_code=None))
    else:
        repo.put_custom_key_store(store._replace(connection_state=FAILED, connection_error_code=error_code))


# Why an external key store failed to connect, by how its health check failed.
_XKS_CONNECTION_ERRORS = {
    "AuthenticationFailedException": "XKS_PROXY_ACCESS_DENIED",
    "AccessDeniedException": "XKS_PROXY_ACCESS_DENIED",
    "InvalidUriPathException": "XKS_PROXY_INVALID_CONFIGURATION",
    "timeout": "XKS_PROXY_TIMED_OUT",
    "DependencyTimeoutException": "XKS_PROXY_TIMED_OUT",
    "unreachable": "XKS_PROXY_NOT_REACHABLE",
    "tls": "XKS_PROXY_INVALID_TLS_CONFIGURATION",
}


def _connection_error(env: Env, store: CustomKeyStore) -> str | None:
    if store.store_type == CLOUDHSM:
        assert store.cloud_hsm_cluster_id is not None
        if _backends(env).cluster_trust_anchor(store.cloud_hsm_cluster_id) is None:
            return "CLUSTER_NOT_FOUND"
        try:
            _backends(env).hsm_login(store.cloud_hsm_cluster_id, store.secret)
        except HsmError as e:
            return e.code
        return None
    try:
        _health_check(env, store)
    except KmsError:
        pass
    else:
        return None
    # Ask again to learn how it failed: _health_check reports it as the store operations' exception.
    body = {"requestMetadata": {"kmsRequestId": _request_id(env), "kmsOperation": "ConnectCustomKeyStore"}}
    try:
        _backends(env).xks_call(xks_proxy(store, env.region), "health", body)
    except XksError as e:
        return _XKS_CONNECTION_ERRORS.get(_xks_reason(e), "XKS_PROXY_INVALID_RESPONSE")
    return "XKS_PROXY_INVALID_RESPONSE"


@operation(CustomKeyStoreIdRequest, access=Access.WRITES)
def disconnect_custom_key_store(repo: Repository, env: Env, req: CustomKeyStoreIdRequest) -> None:
    """Disconnect a custom key store: its KMS keys are Unavailable until it is connected again.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_DisconnectCustomKeyStore.html
    """
    store = find_store(repo, req.custom_key_store_id)
    if store.connection_state != DISCONNECTED:
        repo.put_custom_key_store(store._replace(connection_state=DISCONNECTED, connection_error_code=None))


# ---------------------------------------------------------------- keys in a custom key store


def store_for_new_key(repo: Repository, env: Env, store_id: str, origin: str) -> CustomKeyStore:
    """The connected store a new key goes into, checked against the Origin asked for."""
    store = find_store(repo, store_id)
    if store.store_type != origin:
        raise UnsupportedOperationException(
            f"Origin {origin} is not valid for a custom key store of type {store.store_type}."
        )
    if store.connection_state != CONNECTED:
        raise CustomKeyStoreInvalidStateException(
            XKS_MESSAGES["not_connected"]
            if store.store_type == EXTERNAL
            else f"Custom key store {store.custom_key_store_id} is not connected to its CloudHSM cluster."
        )
    return store


def generate_backing_key(env: Env, store: CustomKeyStore, key_id: str) -> None:
    """A new AES-256 key in the store's token, labelled with the KMS key ID."""
    assert store.cloud_hsm_cluster_id is not None
    try:
        _backends(env).hsm_generate_key(store.cloud_hsm_cluster_id, store.secret, key_id)
    except HsmError:
        raise CustomKeyStoreInvalidStateException(
            f"KMS cannot use the CloudHSM cluster of custom key store {store.custom_key_store_id}."
        ) from None


def check_external_key(repo: Repository, env: Env, store: CustomKeyStore, xks_key_id: str) -> None:
    """GetKeyMetadata: the external key must be an enabled AES-256 key for ENCRYPT and DECRYPT."""
    for other in _live_keys(repo, env, store):
        if other.xks_key_id == xks_key_id:
            raise XksKeyAlreadyInUseException(
                f"The external key {xks_key_id} is already associated with a KMS key in this external key store."
            )
    # No kmsKeyArn: as in KMS, the key's ARN does not exist until the external key is accepted.
    body = {"requestMetadata": request_metadata(env)}
    try:
        answer = _backends(env).xks_call(xks_proxy(store, env.region), f"keys/{xks_key_id}/metadata", body)
    except XksError as e:
        raise xks_failure(_xks_reason(e), "create_key") from None
    usage = answer.get("keyUsage")
    if not isinstance(usage, list) or answer.get("keySpec") is None or answer.get("keyStatus") is None:
        raise xks_failure("invalid_response", "create_key")
    if answer["keySpec"] != "AES_256" or not {"ENCRYPT", "DECRYPT"} <= set(usage):
        raise XksKeyInvalidConfigurationException(
            f"The external key {xks_key_id} must be an AES_256 key that supports ENCRYPT and DECRYPT."
        )
    if answer["keyStatus"] != "ENABLED":
        raise XksKeyInvalidConfigurationException(XKS_MESSAGES["InvalidStateException"])


# ---------------------------------------------------------------- cryptography with keys in a custom key store


def _usable_store(repo: Repository, key: Key) -> CustomKeyStore:
    from .states import TABLE

    store = connected_store(repo, key)
    if store is None:
        # The key-state table refused Unavailable keys already; a store may disconnect in between.
        raise TABLE["Encrypt"][KeyState.Unavailable](key)
    return store


def store_seal(
    repo: Repository,
    env: Env,
    key: Key,
    material: KeyMaterial,
    nonce: bytes,
    plaintext: bytes,
    aad: bytes,
) -> bytes:
    """The sealed part of a ciphertext under a key in a custom key store.

    CloudHSM: AES-GCM in the token (ciphertext and tag). External: double encryption, as KMS does
    it: AES-GCM under the KMS key's own material, then the proxy's AES-GCM under the external key,
    whose IV, tag and optional metadata are kept in front of its ciphertext.
    """
    store = _usable_store(repo, key)
    backends = _backends(env)
    if key.origin == CLOUDHSM:
        assert store.cloud_hsm_cluster_id is not None
        try:
            return backends.hsm_encrypt(store.cloud_hsm_cluster_id, store.secret, key.key_id, nonce, plaintext, aad)
        except HsmError:
            raise KMSInvalidStateException(f"{key.arn} is unavailable.") from None
    from . import crypto

    inner = crypto.aes_gcm_seal(material.secret, nonce, plaintext, aad)
    body = {
        "requestMetadata": request_metadata(env, kmsKeyArn=key.arn),
        "plaintext": _b64(inner),
        "encryptionAlgorithm": "AES_GCM",
        "additionalAuthenticatedData": _b64(aad[: _header_length(aad)]),
        "ciphertextDataIntegrityValueAlgorithm": "SHA_256",
    }
    assert key.xks_key_id is not None
    try:
        answer = backends.xks_call(xks_proxy(store, env.region), f"keys/{key.xks_key_id}/encrypt", body)
    except XksError as e:
        raise xks_failure(_xks_reason(e), "crypto") from None
    iv = _unb64(answer.get("initializationVector"))
    tag = _unb64(answer.get("authenticationTag"))
    outer = _unb64(answer.get("ciphertext"))
    metadata = _unb64(answer.get("ciphertextMetadata")) if answer.get("ciphertextMetadata") is not None else b""
    if iv is None or len(iv) not in (12, 16) or tag is None or len(tag) != 16 or outer is None or metadata is None:
        raise xks_failure("invalid_response", "crypto")
    if len(outer) != len(inner) or len(metadata) > _MAX_CIPHERTEXT_METADATA:
        raise xks_failure("invalid_response", "crypto")
    # The ciphertext data integrity value: KMS computes it too, and refuses an answer that differs.
    import hashlib

    expected = _b64(hashlib.sha256(aad[: _header_length(aad)] + metadata + iv + outer + tag).digest())
    if answer.get("ciphertextDataIntegrityValue") != expected:
        raise xks_failure("invalid_response", "crypto")
    return bytes([len(iv)]) + iv + tag + bytes([len(metadata)]) + metadata + outer


def store_unseal(
    repo: Repository,
    env: Env,
    key: Key,
    material: KeyMaterial,
    nonce: bytes,
    sealed: bytes,
    aad: bytes,
) -> bytes | None:
    """The plaintext of what store_seal sealed; None when it does not authenticate."""
    store = _usable_store(repo, key)
    backends = _backends(env)
    if key.origin == CLOUDHSM:
        assert store.cloud_hsm_cluster_id is not None
        try:
            return backends.hsm_decrypt(store.cloud_hsm_cluster_id, store.secret, key.key_id, nonce, sealed, aad)
        except HsmError:
            raise KMSInvalidStateException(f"{key.arn} is unavailable.") from None
    parts = _split_outer(sealed)
    if parts is None:
        return None
    iv, tag, metadata, outer = parts
    body: dict[str, Any] = {
        "requestMetadata": request_metadata(env, kmsKeyArn=key.arn),
        "ciphertext": _b64(outer),
        "encryptionAlgorithm": "AES_GCM",
        "initializationVector": _b64(iv),
        "authenticationTag": _b64(tag),
        "additionalAuthenticatedData": _b64(aad[: _header_length(aad)]),
    }
    if metadata:
        body["ciphertextMetadata"] = _b64(metadata)
    assert key.xks_key_id is not None
    try:
        answer = backends.xks_call(xks_proxy(store, env.region), f"keys/{key.xks_key_id}/decrypt", body)
    except XksError as e:
        raise xks_failure(_xks_reason(e), "crypto") from None
    inner = _unb64(answer.get("plaintext"))
    if inner is None:
        raise xks_failure("invalid_response", "crypto")
    from . import crypto

    plaintext = crypto.aes_gcm_open(material.secret, nonce, inner, aad)
    if plaintext is None:
        raise xks_failure("invalid_ciphertext", "crypto")
    return plaintext


_MAX_CIPHERTEXT_METADATA = 20


def _header_length(aad: bytes) -> int:
    """The ciphertext header's length at the front of `aad` (the encryption context follows it)."""
    return 2 + aad[1] + 32 + 12


def _split_outer(sealed: bytes) -> tuple[bytes, bytes, bytes, bytes] | None:
    if not sealed or sealed[0] not in (12, 16):
        return None
    n = sealed[0]
    iv, tag = sealed[1 : 1 + n], sealed[1 + n : 17 + n]
    if len(sealed) < 18 + n:
        return None
    m = sealed[17 + n]
    metadata = sealed[18 + n : 18 + n + m]
    outer = sealed[18 + n + m :]
    if len(metadata) != m or len(outer) < 16:
        return None
    return iv, tag, metadata, outer


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode("ascii")


def _unb64(value: Any) -> bytes | None:
    import base64
    import binascii

    if not isinstance(value, str):
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


def random_from_store(repo: Repository, env: Env, store_id: str, count: int) -> bytes:
    """GenerateRandom in a CloudHSM key store: random bytes from its token's generator."""
    store = find_store(repo, store_id)
    if store.store_type != CLOUDHSM:
        raise UnsupportedOperationException(
            f"GenerateRandom is not supported for custom key store {store_id} of type {store.store_type}."
        )
    if store.connection_state != CONNECTED or store.cloud_hsm_cluster_id is None:
        raise CustomKeyStoreInvalidStateException(
            f"Custom key store {store_id} is not connected to its CloudHSM cluster."
        )
    try:
        return _backends(env).hsm_random(store.cloud_hsm_cluster_id, store.secret, count)
    except HsmError:
        raise CustomKeyStoreInvalidStateException(
            f"KMS cannot use the CloudHSM cluster of custom key store {store_id}."
        ) from None
