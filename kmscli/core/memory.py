"""InMemoryRepository: the Repository protocol on plain dicts, for core tests and dry runs."""

from __future__ import annotations

import bisect

from .model import Alias, Key, Tag


class _Region:
    def __init__(self) -> None:
        self.keys: dict[str, Key] = {}
        self.aliases: dict[str, Alias] = {}
        self.tags: dict[str, list[Tag]] = {}


class InMemoryRepository:
    def __init__(self, account_id: str, region: str, world: dict[tuple[str, str], _Region] | None = None) -> None:
        self.account_id = account_id
        self.region = region
        self._world = world if world is not None else {}
        self._r = self._world.setdefault((account_id, region), _Region())

    def in_region(self, region: str) -> InMemoryRepository:
        return InMemoryRepository(self.account_id, region, self._world)

    def get_key(self, key_id: str) -> Key | None:
        return self._r.keys.get(key_id)

    def put_key(self, key: Key) -> None:
        self._r.keys[key.key_id] = key

    def delete_key(self, key_id: str) -> None:
        self._r.keys.pop(key_id, None)
        self._r.tags.pop(key_id, None)
        for name in [a.alias_name for a in self._r.aliases.values() if a.target_key_id == key_id]:
            del self._r.aliases[name]

    def count_keys(self) -> int:
        return len(self._r.keys)

    def list_keys(self, after: str | None, limit: int) -> list[str]:
        ids = sorted(self._r.keys)
        start = bisect.bisect_right(ids, after) if after is not None else 0
        return ids[start : start + limit]

    def get_alias(self, alias_name: str) -> Alias | None:
        return self._r.aliases.get(alias_name)

    def put_alias(self, alias: Alias) -> None:
        self._r.aliases[alias.alias_name] = alias

    def delete_alias(self, alias_name: str) -> None:
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
        self._r.tags[key_id] = sorted(tags, key=lambda t: t.tag_key)
