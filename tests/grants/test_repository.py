"""The grant methods of the Repository contract,
on every implementation: memory, SQLite, PostgreSQL (docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest

from kmscli.core.model import Key, KeyState, KeyUsage, Origin
from kmscli.core.records import Grant, GrantConstraints

ACCOUNT = "111122223333"
REGION = "us-west-2"
KEY = "11111111-2222-4333-8444-555555555555"
OTHER_KEY = "66666666-7777-4888-8999-000000000000"

Session = Callable[..., AbstractContextManager[Any]]


@pytest.fixture
def session(repository_session: Session) -> Session:
    """The repository under test: memory, SQLite (clear or sealed) and PostgreSQL (tests/conftest.py)."""
    return repository_session


def grant(n: int, key_id: str = KEY, **changes: Any) -> Grant:
    return Grant(f"{n:064x}", key_id, 1502910355.475, f"arn:aws:iam::{ACCOUNT}:root", ("Decrypt",))._replace(**changes)


def key(key_id: str) -> Key:
    return Key(
        key_id=key_id,
        arn=f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id}",
        account_id=ACCOUNT,
        region=REGION,
        creation_date=1502910355.475,
        description="",
        key_spec="SYMMETRIC_DEFAULT",
        key_usage=KeyUsage.ENCRYPT_DECRYPT,
        origin=Origin.AWS_KMS,
        key_state=KeyState.Enabled,
        policy="{}",
    )


def test_a_grant_round_trips_with_every_member(session: Session) -> None:
    full = grant(
        1,
        operations=("Encrypt", "Decrypt", "DescribeKey"),
        name="n",
        grantee_principal="arn:aws:iam::111122223333:user/bob",
        retiring_principal="arn:aws:iam::111122223333:role/r",
        constraints=GrantConstraints({"a": "1"}, {"b": "2"}, "arn:aws:s3:us-west-2:111122223333:x"),
    )
    service = grant(2, grantee_service_principal="s3.amazonaws.com", retiring_service_principal="s3.amazonaws.com")
    with session() as repo:
        repo.put_grant(full)
        repo.put_grant(service)
    with session() as repo:
        assert (repo.get_grant(full.grant_id), repo.get_grant(service.grant_id)) == (full, service)
        assert type(repo.get_grant(full.grant_id).operations) is tuple
        assert repo.get_grant(f"{3:064x}") is None


def test_listing_counting_and_filtering(session: Session) -> None:
    with session() as repo:
        for n in (5, 1, 3):
            repo.put_grant(grant(n, grantee_principal="bob", retiring_principal="alice", name="same"))
        repo.put_grant(grant(2, grantee_principal="carol", retiring_service_principal="s3.amazonaws.com"))
        repo.put_grant(grant(4, OTHER_KEY, grantee_principal="bob", retiring_principal="alice"))
    with session() as repo:
        ids = lambda grants: [int(g.grant_id, 16) for g in grants]  # noqa: E731
        assert (repo.count_grants(KEY), repo.count_grants(OTHER_KEY), repo.count_grants("none")) == (4, 1, 0)
        assert ids(repo.list_grants(KEY, None, 10)) == [1, 2, 3, 5]
        assert ids(repo.list_grants(KEY, f"{2:064x}", 1)) == [3]
        assert ids(repo.list_grants(KEY, None, 10, grantee_principal="bob")) == [1, 3, 5]
        assert ids(repo.list_grants(KEY, None, 10, grantee_service_principal="x")) == []
        assert ids(repo.list_named_grants(KEY, "same")) == [1, 3, 5]
        assert ids(repo.list_retirable_grants(None, 10, principal="alice")) == [1, 3, 4, 5]
        assert ids(repo.list_retirable_grants(f"{3:064x}", 1, principal="alice")) == [4]
        assert ids(repo.list_retirable_grants(None, 10, service_principal="s3.amazonaws.com")) == [2]


def test_tokens_die_with_their_grant_and_grants_with_their_key(session: Session) -> None:
    with session() as repo:
        repo.put_key(key(KEY))
        repo.put_key(key(OTHER_KEY))
        repo.put_grant(grant(1))
        repo.put_grant(grant(2))
        repo.put_grant(grant(3, OTHER_KEY))
        repo.put_grant_token("t1a", grant(1).grant_id)
        repo.put_grant_token("t1b", grant(1).grant_id)
        repo.put_grant_token("t2", grant(2).grant_id)
        repo.put_grant_token("t3", grant(3).grant_id)
    with session() as repo:
        assert [repo.grant_of_token(t) for t in ("t1a", "t1b", "t2", "t3", "t4")] == [
            grant(1).grant_id,
            grant(1).grant_id,
            grant(2).grant_id,
            grant(3).grant_id,
            None,
        ]
        repo.delete_grant(grant(1).grant_id)
    with session() as repo:
        assert (repo.get_grant(grant(1).grant_id), repo.grant_of_token("t1a"), repo.grant_of_token("t1b")) == (
            None,
            None,
            None,
        )
        repo.delete_key(KEY)
    with session() as repo:
        assert (repo.get_grant(grant(2).grant_id), repo.grant_of_token("t2")) == (None, None)
        assert (repo.get_grant(grant(3).grant_id), repo.grant_of_token("t3")) == (
            grant(3, OTHER_KEY),
            grant(3).grant_id,
        )


def test_grants_belong_to_their_region(session: Session) -> None:
    with session() as repo:
        repo.put_grant(grant(1))
        repo.put_grant_token("t", grant(1).grant_id)
    with session(region="eu-west-1") as repo:
        assert (repo.get_grant(grant(1).grant_id), repo.grant_of_token("t"), repo.count_grants(KEY)) == (None, None, 0)
