"""Tag rules shared by CreateKey, ReplicateKey and TagResource, and the tag operations."""

from __future__ import annotations

from collections.abc import Iterable

from .api import operation
from .env import Env
from .errors import TagException
from .keyring import resolve_key
from .model import Tag
from .ports import Access, Repository
from .tuples import NamedTuple

MAX_TAGS_PER_KEY = 50


def check_new_tags(tags: Iterable[Tag]) -> None:
    """Rules on the tags of one request; lengths are the model's and are checked before this."""
    keys = [t.tag_key for t in tags]
    if any(k.lower().startswith("aws:") for k in keys):
        raise TagException("Tags beginning with aws: are reserved")
    if len(set(keys)) != len(keys):
        raise TagException("Duplicate tag keys")


def merge_tags(existing: Iterable[Tag], new: Iterable[Tag]) -> list[Tag]:
    """Upsert: a new value replaces the old one for the same key; other tags are kept."""
    merged = {t.tag_key: t for t in existing}
    merged.update((t.tag_key, t) for t in new)
    if len(merged) > MAX_TAGS_PER_KEY:
        raise TagException("Too many tags")
    return sorted(merged.values(), key=lambda t: t.tag_key)


# ---------------------------------------------------------------- TagResource


class TagResourceRequest(NamedTuple):
    key_id: str
    tags: tuple[Tag, ...]


@operation(TagResourceRequest, access=Access.WRITES)
def tag_resource(repo: Repository, env: Env, req: TagResourceRequest) -> None:
    """Add or overwrite tags on a customer managed key.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_TagResource.html
    """
    key = resolve_key(repo, env, req.key_id, allow_alias=False)
    check_new_tags(req.tags)
    repo.put_tags(key.key_id, merge_tags(repo.get_tags(key.key_id), req.tags))


# ---------------------------------------------------------------- UntagResource


class UntagResourceRequest(NamedTuple):
    key_id: str
    tag_keys: tuple[str, ...]


@operation(UntagResourceRequest, access=Access.WRITES)
def untag_resource(repo: Repository, env: Env, req: UntagResourceRequest) -> None:
    """Remove tags by key; unknown tag keys are ignored.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_UntagResource.html
    """
    key = resolve_key(repo, env, req.key_id, allow_alias=False)
    if any(k.lower().startswith("aws:") for k in req.tag_keys):
        raise TagException("Tags beginning with aws: are reserved")
    drop = set(req.tag_keys)
    repo.put_tags(key.key_id, [t for t in repo.get_tags(key.key_id) if t.tag_key not in drop])


# ---------------------------------------------------------------- ListResourceTags


class ListResourceTagsRequest(NamedTuple):
    key_id: str
    limit: int | None = None
    marker: str | None = None


class ListResourceTagsResult(NamedTuple):
    tags: tuple[Tag, ...]
    truncated: bool
    next_marker: str | None = None


@operation(ListResourceTagsRequest, access=Access.MAY_WRITE)
def list_resource_tags(repo: Repository, env: Env, req: ListResourceTagsRequest) -> ListResourceTagsResult:
    """A key's tags by tag key (at most 50 a page).

    https://docs.aws.amazon.com/kms/latest/APIReference/API_ListResourceTags.html
    """
    from .paging import decode_marker, encode_marker, page_limit

    limit = page_limit(req.limit, default=50, service_max=50)
    key = resolve_key(repo, env, req.key_id, allow_alias=False)
    listing = f"tags:{key.key_id}"
    after = decode_marker(listing, req.marker)
    tags = [t for t in repo.get_tags(key.key_id) if after is None or t.tag_key > after]
    if len(tags) > limit:
        return ListResourceTagsResult(tuple(tags[:limit]), True, encode_marker(listing, tags[limit - 1].tag_key))
    return ListResourceTagsResult(tuple(tags), False)
