"""Whether a custom key store can serve its keys: what the door to a key (keyring.py) asks of key stores.

Kept apart from customkeystores.py, whose operations reach keys through keyring.py: the door
depends on this, and this on nothing above the core's leaves.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .env import Env
    from .model import Key
    from .ports import Repository
    from .records import CustomKeyStore

CLOUDHSM = "AWS_CLOUDHSM"
EXTERNAL = "EXTERNAL_KEY_STORE"
CONNECTED = "CONNECTED"
DISCONNECTED = "DISCONNECTED"
FAILED = "FAILED"

# For each way a proxy call can fail: KMS's message, which never passes on the proxy's own.
XKS_MESSAGES = {
    "ValidationException": "AWS KMS cannot interpret the response from the external key store proxy. If you see "
    "this error repeatedly, report it to your external key store proxy administrator.",
    "InvalidStateException": "The external key associated with this KMS key in an external key store is not "
    "enabled in the external key manager. Enable the external key in the external key manager and retry the "
    "request.",
    "InvalidCiphertextException": "The external key store proxy rejected the request because the specified "
    "ciphertext or encryption context is corrupted, missing, or otherwise invalid.",
    "InvalidKeyUsageException": "The external key associated with this KMS key in an external key store does not "
    "support the requested operation. Enable the operation on the key in your external key manager, and try the "
    "request again.",
    "AuthenticationFailedException": "The external key store proxy rejected the request because it could not "
    "authenticate AWS KMS. Verify the XKS proxy authentication credentials for your external key store and update "
    "if necessary.",
    "AccessDeniedException": "The external key store proxy denied access to the operation. Verify that the user "
    "and the external key are both authorized for this operation, and try the request again.",
    "KeyNotFoundException": "The external key associated with this KMS key in an external key store was not found "
    "in its external key manager. If the external key ID associated with this KMS key is incorrect, create a new "
    "KMS key with the correct external key ID.",
    "InvalidUriPathException": "The external key store proxy rejected the request because of an invalid URI path. "
    "Verify the URI path for your external key store and update if necessary.",
    "UnsupportedOperationException": "The external key store proxy rejected the request because it does not "
    "support the requested operation. If you see this error repeatedly, report it to your external key store proxy "
    "administrator.",
    "DependencyTimeoutException": "The external key store proxy did not respond to the request in the time "
    "allotted. Retry the request. If you see this error repeatedly, report it to your external key store proxy "
    "administrator.",
    "ThrottlingException": "The external key store proxy rejected the request due to a very high request rate. "
    "Reduce the frequency of your calls using KMS keys in this external key store.",
    "InternalException": "The external key store proxy rejected the request because it cannot communicate with the "
    "external key manager. Verify that the external key store proxy configuration is correct and that the external "
    "key manager is available.",
    "unreachable": "AWS KMS cannot communicate with the external key store proxy. This might be a transient network "
    "issue. If you see this error repeatedly, verify that your external key store proxy is active and is connected "
    "to the network, and that its endpoint URI is correct in your external keystore.",
    "tls": "AWS KMS cannot establish a TLS connection to the external key store proxy. Verify the TLS configuration, "
    "including its certificate.",
    "timeout": "AWS KMS rejected the request because the external key store proxy did not respond in time. Retry "
    "the request. If you see this error repeatedly, report it to your external key store proxy administrator.",
    "invalid_response": "AWS KMS cannot interpret the response from the external key store proxy. If you see this "
    "error repeatedly, report it to your external key store proxy administrator.",
    "invalid_ciphertext": "The ciphertext that the external key store proxy submitted for decryption, or the "
    "encryption context, is corrupted, missing, or otherwise invalid.",
    "not_connected": "This KMS key is in a custom key store that is not connected to its external key store proxy. "
    "Connect the external key store and try the request again.",
}


def connected_store(repo: Repository, key: Key) -> CustomKeyStore | None:
    """The key's store if it is connected; None if it is not (the key is then Unavailable)."""
    assert key.custom_key_store_id is not None
    store = repo.get_custom_key_store(key.custom_key_store_id)
    return store if store is not None and store.connection_state == CONNECTED else None


def destroy_backing_key(repo: Repository, env: Env, key: Key) -> None:
    """When a CloudHSM-store key is deleted, its key material goes from the token too, if it can be reached.

    A store that is disconnected keeps the material in its token (as AWS leaves it in the cluster).
    """
    from .ports import HsmError

    if key.origin != CLOUDHSM or env.key_stores is None:
        return
    store = connected_store(repo, key)
    if store is None or store.cloud_hsm_cluster_id is None:
        return
    with contextlib.suppress(HsmError):
        env.key_stores.hsm_destroy_key(store.cloud_hsm_cluster_id, store.secret, key.key_id)
