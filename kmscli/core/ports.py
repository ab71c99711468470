"""The Repository protocol: the rows the service reads and writes, scoped to one account and Region.

Two implementations keep to it: core/memory.py (for core tests) and store.py (SQLite). One
contract test suite runs against both. Every method touches only the rows it names, so a
command costs the same at 10 keys and at 100,000.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from .model import Alias, Key, Tag

if TYPE_CHECKING:
    from .records import Grant, ImportToken


class Repository(Protocol):
    account_id: str
    region: str

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
