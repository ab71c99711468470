"""Alias naming rules and alias operations (spec §2.3)."""

from __future__ import annotations

from typing import NamedTuple

from .api import operation
from .env import Env
from .errors import (
    AlreadyExistsException,
    InvalidAliasNameException,
    LimitExceededException,
    NotAuthorizedException,
    ValidationException,
)
from .ids import alias_arn, is_alias_reference
from .lookup import resolve_key
from .model import Alias
from .ports import Repository
from .states import check_key_state

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


@operation("CreateAlias", CreateAliasRequest, writes=True)
def create_alias(repo: Repository, env: Env, req: CreateAliasRequest) -> None:
    """Create a display name for a customer managed key.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html
    """
    check_alias_name(req.alias_name)
    if is_alias_reference(req.target_key_id):
        raise ValidationException("Aliases must refer to keys. Not aliases")
    key = resolve_key(repo, env, req.target_key_id, allow_alias=False)
    check_key_state("CreateAlias", key)
    if repo.get_alias(req.alias_name) is not None:
        arn = alias_arn(env.partition, env.region, env.account_id, req.alias_name)
        raise AlreadyExistsException(f"An alias with the name {arn} already exists")
    if repo.count_aliases(key.key_id) >= MAX_ALIASES_PER_KEY:
        raise LimitExceededException(f"Too many aliases for key {key.arn}")
    now = env.now()
    repo.put_alias(Alias(req.alias_name, key.key_id, now, now))
