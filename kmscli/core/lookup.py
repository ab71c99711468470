"""Finding the key a KeyId parameter names (spec §1.3, step 4)."""

from __future__ import annotations

from .env import Env
from .errors import NotFoundException
from .ids import alias_arn, key_arn, parse_key_ref
from .model import Key
from .ports import Repository


def resolve_key(repo: Repository, env: Env, value: str, *, allow_alias: bool) -> Key:
    ref = parse_key_ref(
        value, account_id=env.account_id, region=env.region, partition=env.partition, allow_alias=allow_alias
    )
    key_id = ref.key_id
    if ref.alias_name is not None:
        alias = repo.get_alias(ref.alias_name)
        if alias is None:
            arn = alias_arn(env.partition, env.region, env.account_id, ref.alias_name)
            raise NotFoundException(f"Alias {arn} is not found.")
        key_id = alias.target_key_id
    assert key_id is not None
    key = repo.get_key(key_id)
    if key is None:
        raise NotFoundException(f"Key '{key_arn(env.partition, env.region, env.account_id, key_id)}' does not exist")
    return key
