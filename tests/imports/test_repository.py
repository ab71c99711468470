"""Import tokens and imported material in the Repository contract,
on every implementation: memory, SQLite, PostgreSQL (docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from kmscli.core.model import Key, KeyMaterial, KeyState, KeyUsage, Origin
from kmscli.core.records import ImportToken
from kmscli.store import Store, UpgradeNeeded

ACCOUNT = "111122223333"
REGION = "us-west-2"
KEY = "11111111-2222-4333-8444-555555555555"
NOW = 1502910355.475

Session = Callable[..., AbstractContextManager[Any]]


@pytest.fixture
def session(repository_session: Session) -> Session:
    """The repository under test: memory, SQLite (clear or sealed) and PostgreSQL (tests/conftest.py)."""
    return repository_session


def token(n: int, expires: float, key_id: str = KEY) -> ImportToken:
    return ImportToken(f"{n:032x}", key_id, "RSAES_OAEP_SHA_256", "RSA_2048", b"private-" + bytes([n]), expires)


def external_key(**changes: Any) -> Key:
    base = Key(
        key_id=KEY,
        arn=f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{KEY}",
        account_id=ACCOUNT,
        region=REGION,
        creation_date=NOW,
        description="",
        key_spec="SYMMETRIC_DEFAULT",
        key_usage=KeyUsage.ENCRYPT_DECRYPT,
        origin=Origin.EXTERNAL,
        key_state=KeyState.Enabled,
        policy="{}",
    )
    return base._replace(**changes)


def test_import_tokens_round_trip_expire_and_go_with_their_key(session: Session) -> None:
    with session() as repo:
        repo.put_key(external_key())
        for n, expires in ((1, NOW), (2, NOW + 1), (3, NOW - 5)):
            repo.put_import_token(token(n, expires))
        repo.put_import_token(token(4, NOW - 5, key_id="66666666-7777-4888-8999-000000000000"))
    with session() as repo:
        assert repo.get_import_token(token(2, 0).token_id) == token(2, NOW + 1)
        assert repo.get_import_token("f" * 32) is None
        repo.expire_import_tokens(KEY, NOW)
    with session() as repo:
        # Expired tokens stay known, without their private key; others are untouched.
        assert [repo.get_import_token(token(n, 0).token_id) for n in (1, 2, 3, 4)] == [
            token(1, NOW)._replace(private_key=b""),
            token(2, NOW + 1),
            token(3, NOW - 5)._replace(private_key=b""),
            token(4, NOW - 5, key_id="66666666-7777-4888-8999-000000000000"),
        ]
        repo.delete_key(KEY)
    with session() as repo:
        assert [repo.get_import_token(token(n, 0).token_id) is None for n in (1, 2, 3, 4)] == [True, True, True, False]


def test_imported_material_and_material_pending_rotation_round_trip(session: Session) -> None:
    current = KeyMaterial(
        "a" * 64, b"\x01" * 32, NOW, expiration_model="KEY_MATERIAL_EXPIRES", valid_to=NOW + 10, description="first"
    )
    deleted = KeyMaterial("b" * 64, b"", NOW, rotation_date=NOW, rotation_type="ON_DEMAND", deleted=True)
    pending = KeyMaterial("c" * 64, b"\x02" * 32, NOW, expiration_model="KEY_MATERIAL_DOES_NOT_EXPIRE")
    key = external_key(materials=(deleted, current), pending_material=pending, key_state=KeyState.PendingImport)
    with session() as repo:
        repo.put_key(key)
    with session() as repo:
        assert repo.get_key(KEY) == key
        repo.put_key(key._replace(pending_material=None))
    with session() as repo:
        assert repo.get_key(KEY).pending_material is None


def test_expiring_nothing_never_writes(tmp_path: Path) -> None:
    store = Store(tmp_path / "state")
    with store.transaction(write=True, account_id=ACCOUNT, region=REGION) as repo:
        repo.put_import_token(token(1, NOW + 100))
    with store.transaction(write=False, account_id=ACCOUNT, region=REGION) as repo:
        repo.expire_import_tokens(KEY, NOW)  # nothing due: a read transaction is enough
        with pytest.raises(UpgradeNeeded):
            repo.expire_import_tokens(KEY, NOW + 100)
