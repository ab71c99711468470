"""InMemoryRepository: the Repository protocol on plain dicts, for core tests and dry runs."""

from __future__ import annotations

import bisect
from collections.abc import Callable
from typing import TYPE_CHECKING

from .model import Alias, Key, Tag
from .ports import Access

if TYPE_CHECKING:
    from .ports import AccessKind
    from .records import CustomKeyStore, Grant, ImportToken
    from .summaries import KeySummary


class _Region:
    def __init__(self) -> None:
        self.keys: dict[str, Key] = {}
        self.aliases: dict[str, Alias] = {}
        self.tags: dict[str, list[Tag]] = {}
        self.grants: dict[str, Grant] = {}
        self.grant_tokens: dict[str, str] = {}
        self.import_tokens: dict[str, ImportToken] = {}
        self.custom_key_stores: dict[str, CustomKeyStore] = {}


class InMemoryRepository:
    def __init__(
        self,
        account_id: str,
        region: str,
        world: dict[tuple[str, str], _Region] | None = None,
        *,
        writable: bool = True,
        access: AccessKind | None = None,
    ) -> None:
        self.account_id = account_id
        self.region = region
        self._world = world if world is not None else {}
        self._r = self._world.setdefault((account_id, region), _Region())
        # A repository opened for reading refuses every write (the port's read/write contract).
        self.access = access or Access.of_transaction(writable)

    def in_region(self, region: str) -> InMemoryRepository:
        return InMemoryRepository(self.account_id, region, self._world, access=self.access)

    def _write(self) -> None:
        Access.check_write(self.access)

    def in_account(self, account_id: str, region: str) -> InMemoryRepository:
        return InMemoryRepository(account_id, region, self._world, access=self.access)

    def get_key(self, key_id: str) -> Key | None:
        return self._r.keys.get(key_id)

    def put_key(self, key: Key) -> None:
        self._write()
        self._r.keys[key.key_id] = key

    def delete_key(self, key_id: str) -> None:
        self._write()
        self._r.keys.pop(key_id, None)
        self._r.tags.pop(key_id, None)
        for name in [a.alias_name for a in self._r.aliases.values() if a.target_key_id == key_id]:
            del self._r.aliases[name]
        for grant_id in [g.grant_id for g in self._r.grants.values() if g.key_id == key_id]:
            self.delete_grant(grant_id)
        for token_id in [t.token_id for t in self._r.import_tokens.values() if t.key_id == key_id]:
            del self._r.import_tokens[token_id]

    def count_keys(self) -> int:
        return len(self._r.keys)

    def list_keys(self, after: str | None, limit: int) -> list[str]:
        ids = sorted(self._r.keys)
        start = bisect.bisect_right(ids, after) if after is not None else 0
        return ids[start : start + limit]

    def get_key_summary(self, key_id: str) -> KeySummary | None:
        from .summaries import summary_of

        key = self._r.keys.get(key_id)
        return None if key is None else summary_of(key)

    def list_key_summaries(self, after: str | None, limit: int) -> list[KeySummary]:
        from .summaries import summary_of

        return [summary_of(self._r.keys[key_id]) for key_id in self.list_keys(after, limit)]

    def get_alias(self, alias_name: str) -> Alias | None:
        return self._r.aliases.get(alias_name)

    def put_alias(self, alias: Alias) -> None:
        self._write()
        self._r.aliases[alias.alias_name] = alias

    def delete_alias(self, alias_name: str) -> None:
        self._write()
        self._r.aliases.pop(alias_name, None)

    def count_aliases(self, key_id: str) -> int:
        return sum(1 for a in self._r.aliases.values() if a.target_key_id == key_id)

    def list_aliases(self, key_id: str | None, after: str | None, limit: int) -> list[Alias]:
        names = sorted(n for n, a in self._r.aliases.items() if key_id is None or a.target_key_id == key_id)
        start = bisect.bisect_right(names, after) if after is not None else 0
        return [self._r.aliases[n] for n in names[start : start + limit]]

    def get_tags(self, key_id: str) -> list[Tag]:
        return list(self._r.tags.get(key_id, []))

    def put_tags(self, key_id: str, tags: list[Tag]) -> None:
        self._write()
        self._r.tags[key_id] = sorted(tags, key=lambda t: t.tag_key)

    def get_grant(self, grant_id: str) -> Grant | None:
        return self._r.grants.get(grant_id)

    def put_grant(self, grant: Grant) -> None:
        self._write()
        self._r.grants[grant.grant_id] = grant

    def delete_grant(self, grant_id: str) -> None:
        self._write()
        self._r.grants.pop(grant_id, None)
        for token in [t for t, g in self._r.grant_tokens.items() if g == grant_id]:
            del self._r.grant_tokens[token]

    def count_grants(self, key_id: str) -> int:
        return sum(1 for g in self._r.grants.values() if g.key_id == key_id)

    def list_grants(
        self,
        key_id: str,
        after: str | None,
        limit: int,
        *,
        grantee_principal: str | None = None,
        grantee_service_principal: str | None = None,
    ) -> list[Grant]:
        return self._grant_page(
            after,
            limit,
            lambda g: (
                g.key_id == key_id
                and (grantee_principal is None or g.grantee_principal == grantee_principal)
                and (grantee_service_principal is None or g.grantee_service_principal == grantee_service_principal)
            ),
        )

    def list_named_grants(self, key_id: str, name: str) -> list[Grant]:
        return self._grant_page(None, len(self._r.grants), lambda g: g.key_id == key_id and g.name == name)

    def list_retirable_grants(
        self, after: str | None, limit: int, *, principal: str | None = None, service_principal: str | None = None
    ) -> list[Grant]:
        return self._grant_page(
            after,
            limit,
            lambda g: (
                (principal is not None and g.retiring_principal == principal)
                or (service_principal is not None and g.retiring_service_principal == service_principal)
            ),
        )

    def _grant_page(self, after: str | None, limit: int, wanted: Callable[[Grant], bool]) -> list[Grant]:
        ids = sorted(i for i, g in self._r.grants.items() if wanted(g) and (after is None or i > after))
        return [self._r.grants[i] for i in ids[:limit]]

    def put_grant_token(self, token: str, grant_id: str) -> None:
        self._write()
        self._r.grant_tokens[token] = grant_id

    def grant_of_token(self, token: str) -> str | None:
        return self._r.grant_tokens.get(token)

    def put_import_token(self, token: ImportToken) -> None:
        self._write()
        self._r.import_tokens[token.token_id] = token

    def get_import_token(self, token_id: str) -> ImportToken | None:
        return self._r.import_tokens.get(token_id)

    def expire_import_tokens(self, key_id: str, now: float) -> None:
        due = [t for t in self._r.import_tokens.values() if t.key_id == key_id and t.expires <= now and t.private_key]
        # Only a token to erase is a write: a read that finds none stays a read.
        if due:
            self._write()
        for token in due:
            self._r.import_tokens[token.token_id] = token._replace(private_key=b"")

    def get_custom_key_store(self, store_id: str) -> CustomKeyStore | None:
        return self._r.custom_key_stores.get(store_id)

    def put_custom_key_store(self, store: CustomKeyStore) -> None:
        self._write()
        self._r.custom_key_stores[store.custom_key_store_id] = store

    def delete_custom_key_store(self, store_id: str) -> None:
        self._write()
        self._r.custom_key_stores.pop(store_id, None)

    def list_custom_key_stores(self) -> list[CustomKeyStore]:
        return [self._r.custom_key_stores[i] for i in sorted(self._r.custom_key_stores)]

    def list_custom_key_store_keys(self, store_id: str) -> list[str]:
        return sorted(k.key_id for k in self._r.keys.values() if k.custom_key_store_id == store_id)
