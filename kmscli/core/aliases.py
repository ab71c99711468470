"""Alias naming rules and alias operations."""

from __future__ import annotations

from .api import operation
from .env import Env
from .errors import (
    AlreadyExistsException,
    InvalidAliasNameException,
    LimitExceededException,
    NotAuthorizedException,
    NotFoundException,
    ValidationException,
)
from .ids import alias_arn, is_alias_reference
from .keyring import live_alias, live_key, resolve_key
from .model import Alias
from .ports import Access, Repository
from .tuples import NamedTuple

MAX_ALIASES_PER_KEY = 50
RESERVED_PREFIX = "alias/aws/"


def check_alias_name(name: str) -> None:
    """Rules beyond the model's length and pattern, which are checked before this."""
    if not name.startswith("alias/"):
        raise ValidationException(
            'Alias must start with the prefix "alias/". Please see '
            "https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html"
        )
    # The model's pattern admits ':', the documented alias character set does not.
    if ":" in name:
        raise ValidationException(f"{name} contains invalid characters for an alias")
    if name == "alias/":
        raise InvalidAliasNameException("Alias name must not be empty")
    if name.startswith(RESERVED_PREFIX):
        # KMS reserves alias/aws/ for AWS managed keys; its answer carries no message.
        raise NotAuthorizedException("")


# ---------------------------------------------------------------- CreateAlias


class CreateAliasRequest(NamedTuple):
    alias_name: str
    target_key_id: str


@operation(CreateAliasRequest, access=Access.WRITES)
def create_alias(repo: Repository, env: Env, req: CreateAliasRequest) -> None:
    """Create a display name for a customer managed key.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html
    """
    check_alias_name(req.alias_name)
    if is_alias_reference(req.target_key_id):
        raise ValidationException("Aliases must refer to keys. Not aliases")
    key = resolve_key(repo, env, req.target_key_id, allow_alias=False)
    if live_alias(repo, env, req.alias_name) is not None:
        arn = alias_arn(env.partition, env.region, env.account_id, req.alias_name)
        raise AlreadyExistsException(f"An alias with the name {arn} already exists")
    if repo.count_aliases(key.key_id) >= MAX_ALIASES_PER_KEY:
        raise LimitExceededException(f"Too many aliases for key {key.arn}")
    now = env.now()
    repo.put_alias(Alias(req.alias_name, key.key_id, now, now))


def _not_found(env: Env, alias_name: str) -> NotFoundException:
    return NotFoundException(f"Alias {alias_arn(env.partition, env.region, env.account_id, alias_name)} is not found.")


# ---------------------------------------------------------------- UpdateAlias


class UpdateAliasRequest(NamedTuple):
    alias_name: str
    target_key_id: str


@operation(UpdateAliasRequest, access=Access.WRITES)
def update_alias(repo: Repository, env: Env, req: UpdateAliasRequest) -> None:
    """Point an alias at another key of the same type and key usage.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_UpdateAlias.html
    """
    from .keyspecs import KEY_SPECS

    check_alias_name(req.alias_name)
    found = live_alias(repo, env, req.alias_name)
    if found is None:
        raise _not_found(env, req.alias_name)
    alias, old = found
    if is_alias_reference(req.target_key_id):
        raise ValidationException("Aliases must refer to keys. Not aliases")
    new = resolve_key(repo, env, req.target_key_id, allow_alias=False)
    # The current target may itself be pending deletion; only the new one is checked.
    if env.authority is not None:
        from .access import authorize_key

        authorize_key(repo, env, old, "kms:UpdateAlias")
    if KEY_SPECS[old.key_spec].kind != KEY_SPECS[new.key_spec].kind or old.key_usage != new.key_usage:
        arn = alias_arn(env.partition, env.region, env.account_id, req.alias_name)
        raise ValidationException(
            f"Alias {arn} cannot be changed from a {old.key_spec}/{old.key_usage} key to a "
            f"{new.key_spec}/{new.key_usage} key"
        )
    if new.key_id != alias.target_key_id and repo.count_aliases(new.key_id) >= MAX_ALIASES_PER_KEY:
        raise LimitExceededException(f"Too many aliases for key {new.arn}")
    repo.put_alias(alias._replace(target_key_id=new.key_id, last_updated_date=env.now()))


# ---------------------------------------------------------------- DeleteAlias


class DeleteAliasRequest(NamedTuple):
    alias_name: str


@operation(DeleteAliasRequest, access=Access.WRITES)
def delete_alias(repo: Repository, env: Env, req: DeleteAliasRequest) -> None:
    """Delete an alias; its key is unaffected, whatever its state.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_DeleteAlias.html
    """
    check_alias_name(req.alias_name)
    found = live_alias(repo, env, req.alias_name)
    if found is None:
        raise _not_found(env, req.alias_name)
    if env.authority is not None:
        from .access import authorize_key

        authorize_key(repo, env, found[1], "kms:DeleteAlias")
    repo.delete_alias(req.alias_name)


# ---------------------------------------------------------------- ListAliases


class ListAliasesRequest(NamedTuple):
    key_id: str | None = None
    limit: int | None = None
    marker: str | None = None


class AliasListEntry(NamedTuple):
    alias_name: str
    alias_arn: str
    # None (with the dates) for a predefined AWS alias whose AWS managed key does not exist yet.
    target_key_id: str | None = None
    creation_date: float | None = None
    last_updated_date: float | None = None


class ListAliasesResult(NamedTuple):
    aliases: tuple[AliasListEntry, ...]
    truncated: bool
    next_marker: str | None = None


@operation(ListAliasesRequest, access=Access.MAY_WRITE)
def list_aliases(repo: Repository, env: Env, req: ListAliasesRequest) -> ListAliasesResult:
    """Aliases by name, optionally only those of one key (given by key ID or ARN).

    https://docs.aws.amazon.com/kms/latest/APIReference/API_ListAliases.html
    """
    from .paging import decode_marker, encode_marker, page_limit

    limit = page_limit(req.limit, default=50, service_max=100)
    key_id = None
    if req.key_id is not None:
        key_id = resolve_key(repo, env, req.key_id, allow_alias=False).key_id
    listing = f"aliases:{key_id or ''}"
    after = decode_marker(listing, req.marker)
    stored = repo.list_aliases(key_id, after, limit + 1)
    # (name, stored alias or None for a predefined AWS alias that has no key yet), by name.
    rows: list[tuple[str, Alias | None]] = [(a.alias_name, a) for a in stored]
    if key_id is None:
        rows = sorted([*rows, *_predefined_without_key(repo, after)], key=lambda row: row[0])[: limit + 1]
    # Aliases of a key whose deletion date passed are gone with it, read or not.
    live = {
        a.target_key_id for _, a in rows[:limit] if a is not None and live_key(repo, env, a.target_key_id) is not None
    }
    entries = tuple(
        AliasListEntry(alias_arn=alias_arn(env.partition, env.region, env.account_id, name), alias_name=name)
        if a is None
        else AliasListEntry(
            a.alias_name,
            alias_arn(env.partition, env.region, env.account_id, a.alias_name),
            a.target_key_id,
            a.creation_date,
            a.last_updated_date,
        )
        for name, a in rows[:limit]
        if a is None or a.target_key_id in live
    )
    if len(rows) > limit:
        return ListAliasesResult(entries, True, encode_marker(listing, rows[limit - 1][0]))
    return ListAliasesResult(entries, False)


def _predefined_without_key(repo: Repository, after: str | None) -> list[tuple[str, None]]:
    """The predefined AWS aliases (alias/aws/<service>) after `after` that no key has yet.

    KMS lists them too, with only AliasName and AliasArn (botocore's model, ListAliases documentation:
    predefined aliases that AWS has created but not yet associated with a KMS key). The first
    reference to one creates its AWS managed key (managed.py), and from then on it is stored.
    """
    from .managed import PREDEFINED_SERVICES

    names = (f"alias/aws/{service}" for service in PREDEFINED_SERVICES)
    return [(name, None) for name in names if (after is None or name > after) and repo.get_alias(name) is None]
