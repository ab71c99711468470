"""The Repository protocol: the rows the service reads and writes, scoped to one account and Region.

Its implementations keep to it: core/memory.py (for core tests), store.py (SQLite) and
store_postgres.py. One contract test suite runs against each, the read/write contract included
(Access, UpgradeNeeded, WriteRefused). Every method touches only the rows it names, so a command
costs the same at 10 keys and at 100,000.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from .model import Alias, Key, Tag
from .tuples import NamedTuple

if TYPE_CHECKING:
    from typing import Literal

    from .records import CustomKeyStore, Grant, ImportToken
    from .summaries import KeySummary

    AccessKind = Literal["reads", "may write", "writes"]


class UpgradeNeeded(Exception):
    """A read transaction's repository was asked to write: run the operation again in a write transaction.

    An operation that may write (Access.MAY_WRITE) reads, but may still have to write now and then:
    what the clock made due since a key was last written (a deletion date that passed, an automatic
    rotation), or, for DescribeKey, the AWS managed key of a predefined alias on its first
    reference. Rather than upgrading a read transaction in place (which SQLite refuses when another
    writer committed meanwhile), the session rolls the read transaction back and runs the operation
    again from the start as a writer.
    """


class WriteRefused(Exception):
    """An operation declared as only reading (Access.READS) asked its repository to write.

    Its declaration is wrong: a bug in kmscli, never retried, and nothing is written.
    """


class Access:
    """What an operation does to the state, as its `@operation(..., access=...)` declares it.

    The session opens the transaction the declaration asks for, and the repository holds the
    operation to it: every repository calls `Access.check_write(its access)` before changing
    anything. Plain strings rather than an Enum, whose class costs every command's start-up.
    """

    # Never writes, whatever time has passed: a write is refused (WriteRefused).
    READS: AccessKind = "reads"
    # Reads, and writes only when it must (something due, an AWS managed key to create): a read
    # transaction whose write asks for the run again as a writer (UpgradeNeeded).
    MAY_WRITE: AccessKind = "may write"
    # Writes whenever it succeeds: a write transaction from the start.
    WRITES: AccessKind = "writes"
    KINDS: tuple[AccessKind, ...] = (READS, MAY_WRITE, WRITES)

    @staticmethod
    def of_transaction(write: bool) -> AccessKind:
        """What a plain read or write transaction allows: a read may still find it must write."""
        return Access.WRITES if write else Access.MAY_WRITE

    @staticmethod
    def check_write(access: AccessKind) -> None:
        """Called by a repository before each write: refuses it unless `access` allows writing."""
        if access == Access.MAY_WRITE:
            raise UpgradeNeeded
        if access != Access.WRITES:
            raise WriteRefused("an operation declared as only reading tried to write (see core/ports.py Access)")


class Repository(Protocol):
    account_id: str
    region: str
    # What its transaction allows: every write is checked against it first (Access.check_write).
    access: AccessKind

    def in_region(self, region: str) -> Repository:
        """The same transaction, seen from another Region of the same account."""
        ...

    def in_account(self, account_id: str, region: str) -> Repository:
        """The same transaction, seen from another account (keys of other accounts, by key ARN)."""
        ...

    def get_key(self, key_id: str) -> Key | None: ...

    def put_key(self, key: Key) -> None:
        """Insert or replace."""
        ...

    def delete_key(self, key_id: str) -> None:
        """Remove the key with its aliases and tags."""
        ...

    def count_keys(self) -> int: ...

    def list_keys(self, after: str | None, limit: int) -> list[str]:
        """Key IDs in ascending order, strictly after `after`."""
        ...

    def get_key_summary(self, key_id: str) -> KeySummary | None:
        """The key's summary as written (core/summaries.py): only those members are read."""
        ...

    def list_key_summaries(self, after: str | None, limit: int) -> list[KeySummary]:
        """As list_keys, each key's summary as written (core/summaries.py): only those members are read."""
        ...

    def get_alias(self, alias_name: str) -> Alias | None: ...

    def put_alias(self, alias: Alias) -> None: ...

    def delete_alias(self, alias_name: str) -> None: ...

    def count_aliases(self, key_id: str) -> int: ...

    def list_aliases(self, key_id: str | None, after: str | None, limit: int) -> list[Alias]:
        """Aliases by name, strictly after `after`, optionally only those of one key."""
        ...

    def get_tags(self, key_id: str) -> list[Tag]:
        """The key's tags sorted by tag key."""
        ...

    def put_tags(self, key_id: str, tags: list[Tag]) -> None:
        """Replace the key's whole tag set."""
        ...

    # Grants (delete_key removes a key's grants and their tokens too).

    def get_grant(self, grant_id: str) -> Grant | None: ...

    def put_grant(self, grant: Grant) -> None:
        """Insert or replace."""
        ...

    def delete_grant(self, grant_id: str) -> None:
        """Remove the grant and every token issued for it."""
        ...

    def count_grants(self, key_id: str) -> int: ...

    def list_grants(
        self,
        key_id: str,
        after: str | None,
        limit: int,
        *,
        grantee_principal: str | None = None,
        grantee_service_principal: str | None = None,
    ) -> list[Grant]:
        """The key's grants by grant ID, strictly after `after`, optionally only those of one grantee."""
        ...

    def list_named_grants(self, key_id: str, name: str) -> list[Grant]:
        """The key's grants called `name` (several may share a name when their parameters differ)."""
        ...

    def list_retirable_grants(
        self, after: str | None, limit: int, *, principal: str | None = None, service_principal: str | None = None
    ) -> list[Grant]:
        """Grants of every key whose retiring principal (or retiring service principal) is the one given."""
        ...

    def put_grant_token(self, token: str, grant_id: str) -> None: ...

    def grant_of_token(self, token: str) -> str | None:
        """The ID of the grant `token` was issued for, if that grant still exists."""
        ...

    # Import tokens (delete_key removes a key's import tokens too).

    def put_import_token(self, token: ImportToken) -> None: ...

    def get_import_token(self, token_id: str) -> ImportToken | None: ...

    def expire_import_tokens(self, key_id: str, now: float) -> None:
        """Erase the wrapping private keys of the key's tokens that expired at or before `now`.

        The token itself stays known (as expired), so that ImportKeyMaterial can tell an expired
        token from one that never existed. Writes only if there is a private key to erase.
        """
        ...

    # Custom key stores (at most a few per account and Region, so they are listed whole).

    def get_custom_key_store(self, store_id: str) -> CustomKeyStore | None: ...

    def put_custom_key_store(self, store: CustomKeyStore) -> None:
        """Insert or replace."""
        ...

    def delete_custom_key_store(self, store_id: str) -> None: ...

    def list_custom_key_stores(self) -> list[CustomKeyStore]:
        """Every custom key store of the account and Region, by ID."""
        ...

    def list_custom_key_store_keys(self, store_id: str) -> list[str]:
        """The IDs of the KMS keys (in any state) the store holds, in ascending order."""
        ...


class HsmError(Exception):
    """A PKCS#11 token could not do what was asked. `code` is a ConnectionErrorCode of the model."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(message or code)
        self.code = code


class XksError(Exception):
    """An XKS proxy call that did not succeed.

    `kind` says how: "error" (the proxy answered with `error_name`), "unreachable", "timeout",
    "tls" or "invalid_response" (an answer that is not what the API specifies).
    """

    def __init__(self, kind: str, error_name: str | None = None, status: int | None = None) -> None:
        super().__init__(f"{kind}: {error_name}" if error_name else kind)
        self.kind = kind
        self.error_name = error_name
        self.status = status


class XksProxy(NamedTuple):
    """How to reach one external key store's proxy."""

    uri_endpoint: str
    uri_path: str
    access_key_id: str
    secret_access_key: str
    region: str


class KeyStoreBackends(Protocol):
    """What custom key stores need from outside the core: tokens that stand for CloudHSM clusters,
    and XKS proxies. An adapter implements it (kmscli/keystores.py); tests may pass their own."""

    def cluster_trust_anchor(self, cluster_id: str) -> str | None:
        """The trust anchor certificate (PEM) of a declared cluster; None if no such cluster is declared."""
        ...

    def hsm_login(self, cluster_id: str, pin: str) -> None:
        """Log in to the cluster's token as its user; HsmError if that fails."""
        ...

    def hsm_generate_key(self, cluster_id: str, pin: str, label: str) -> None:
        """A new non-extractable AES-256 key in the token, labelled `label`."""
        ...

    def hsm_encrypt(self, cluster_id: str, pin: str, label: str, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
        """AES-GCM in the token: ciphertext followed by the 16-byte tag."""
        ...

    def hsm_decrypt(
        self, cluster_id: str, pin: str, label: str, nonce: bytes, sealed: bytes, aad: bytes
    ) -> bytes | None:
        """The plaintext, or None when the tag does not verify."""
        ...

    def hsm_destroy_key(self, cluster_id: str, pin: str, label: str) -> None: ...

    def hsm_random(self, cluster_id: str, pin: str, count: int) -> bytes:
        """`count` random bytes from the token's generator."""
        ...

    def xks_call(self, proxy: XksProxy, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST `body` to `<uri_path>/<path>` of the proxy, signed; its JSON answer, or XksError."""
        ...
