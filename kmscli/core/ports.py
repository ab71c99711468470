"""The Repository protocol: the rows the service reads and writes, scoped to one account and Region.

Two implementations keep to it: core/memory.py (for core tests) and store.py (SQLite). One
contract test suite runs against both. Every method touches only the rows it names, so a
command costs the same at 10 keys and at 100,000.
"""

from __future__ import annotations

from typing import Protocol

from .model import Alias, Key, Tag


class Repository(Protocol):
    account_id: str
    region: str

    def in_region(self, region: str) -> Repository:
        """The same transaction, seen from another Region of the same account."""
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
