"""Grants: creating, listing, retiring and revoking them.

kmscli never authorizes, so a grant changes what nobody may do; it is stored, listed, validated
and retired exactly as KMS does, and its tokens are accepted wherever GrantTokens are.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .api import operation
from .dry_run import dry_run
from .errors import (
    InvalidGrantIdException,
    InvalidGrantTokenException,
    LimitExceededException,
    NotFoundException,
    ValidationException,
)
from .granttokens import check_grant_tokens
from .keyring import live_key, resolve_key
from .model import Key, KeyUsage
from .paging import decode_marker, encode_marker, page_limit
from .ports import Access
from .records import Grant, GrantConstraints
from .tuples import NamedTuple
from .validation import validation_error

if TYPE_CHECKING:
    from .env import Env
    from .ports import Repository

MAX_GRANTS_PER_KEY = 50_000
MAX_CONSTRAINT_PAIRS = 8
MAX_CONSTRAINT_VALUE = 384
_GRANT_ID = re.compile(r"[0-9a-f]{64}")

_COMMON = ("CreateGrant", "RetireGrant", "DescribeKey")
# Which grant operations each kind of key allows, as KMS lists them for grants.
_SYMMETRIC_OPERATIONS = frozenset(
    {
        "Decrypt",
        "Encrypt",
        "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext",
        "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext",
        "ReEncryptFrom",
        "ReEncryptTo",
        *_COMMON,
    }
)
_OPERATIONS_BY_USAGE = {
    KeyUsage.ENCRYPT_DECRYPT: frozenset(
        {"Decrypt", "Encrypt", "ReEncryptFrom", "ReEncryptTo", "GetPublicKey", *_COMMON}
    ),
    KeyUsage.SIGN_VERIFY: frozenset({"Sign", "Verify", "GetPublicKey", *_COMMON}),
    KeyUsage.GENERATE_VERIFY_MAC: frozenset({"GenerateMac", "VerifyMac", *_COMMON}),
    KeyUsage.KEY_AGREEMENT: frozenset({"DeriveSharedSecret", "GetPublicKey", *_COMMON}),
    KeyUsage.ENCAPSULATE_DECAPSULATE: frozenset({"Encapsulate", "Decapsulate", "GetPublicKey", *_COMMON}),
}

_ONE_GRANTEE = "You must specify either GranteePrincipal or GranteeServicePrincipal, but not both."
_ONE_RETIRING = "You can specify either RetiringPrincipal or RetiringServicePrincipal, but not both."


def allowed_operations(key: Key) -> frozenset[str]:
    if key.key_spec == "SYMMETRIC_DEFAULT":
        return _SYMMETRIC_OPERATIONS
    return _OPERATIONS_BY_USAGE[key.key_usage]


def _check_grant_id(grant_id: str) -> None:
    if _GRANT_ID.fullmatch(grant_id) is None:
        raise InvalidGrantIdException(f"Invalid grantId '{grant_id}'")


class GrantListEntry(NamedTuple):
    key_id: str
    grant_id: str
    creation_date: float
    issuing_account: str
    operations: tuple[str, ...]
    name: str | None = None
    grantee_principal: str | None = None
    retiring_principal: str | None = None
    constraints: GrantConstraints | None = None
    grantee_service_principal: str | None = None
    retiring_service_principal: str | None = None


def _entry(key: Key, grant: Grant) -> GrantListEntry:
    """As ListGrants shows a grant: like the stored grant, but with the key's ARN."""
    return GrantListEntry(**{**grant._asdict(), "key_id": key.arn})


class GrantList(NamedTuple):
    grants: tuple[GrantListEntry, ...]
    truncated: bool
    next_marker: str | None = None


# ---------------------------------------------------------------- CreateGrant


class CreateGrantRequest(NamedTuple):
    key_id: str
    operations: tuple[str, ...]
    grantee_principal: str | None = None
    retiring_principal: str | None = None
    constraints: Mapping[str, Any] | None = None
    grant_tokens: tuple[str, ...] | None = None
    name: str | None = None
    dry_run: bool | None = None
    grantee_service_principal: str | None = None
    retiring_service_principal: str | None = None


class CreateGrantResult(NamedTuple):
    grant_token: str
    grant_id: str


def _constraints(key: Key, given: Mapping[str, Any] | None) -> GrantConstraints | None:
    given = given or {}
    constraints = GrantConstraints(
        encryption_context_subset=given.get("EncryptionContextSubset") or None,
        encryption_context_equals=given.get("EncryptionContextEquals") or None,
        source_arn=given.get("SourceArn"),
    )
    for member, context in (
        ("EncryptionContextSubset", constraints.encryption_context_subset),
        ("EncryptionContextEquals", constraints.encryption_context_equals),
    ):
        if context is None:
            continue
        # Only symmetric encryption keys take an encryption context.
        if key.key_spec != "SYMMETRIC_DEFAULT":
            raise ValidationException(
                "Encryption context grant constraints are supported only for symmetric encryption KMS keys"
            )
        if len(context) > MAX_CONSTRAINT_PAIRS:
            raise ValidationException(
                f"The {member} grant constraint can have at most {MAX_CONSTRAINT_PAIRS} key-value pairs"
            )
        if any(len(v) > MAX_CONSTRAINT_VALUE for v in context.values()):
            raise ValidationException(
                f"The values of the {member} grant constraint can be at most {MAX_CONSTRAINT_VALUE} characters long"
            )
    return None if constraints == GrantConstraints() else constraints


def _check_principals(req: CreateGrantRequest, constraints: GrantConstraints | None) -> None:
    if (req.grantee_principal is None) == (req.grantee_service_principal is None):
        raise ValidationException(_ONE_GRANTEE)
    if req.retiring_principal is not None and req.retiring_service_principal is not None:
        raise ValidationException(_ONE_RETIRING)
    if req.grantee_service_principal is not None:
        if constraints is None or constraints.source_arn is None:
            raise ValidationException("A grant for a GranteeServicePrincipal needs a SourceArn grant constraint")
        if req.retiring_principal is None and req.retiring_service_principal is None:
            raise ValidationException(
                "A grant for a GranteeServicePrincipal needs a RetiringPrincipal or a RetiringServicePrincipal"
            )


def _check_operations(key: Key, operations: tuple[str, ...]) -> tuple[str, ...]:
    if not operations:
        # The model sets no minimum; the service requires at least one operation.
        rule = "Member must have length greater than or equal to 1"
        raise validation_error([f"Value '[]' at 'operations' failed to satisfy constraint: {rule}"])
    allowed = allowed_operations(key)
    refused = [op for op in dict.fromkeys(operations) if op not in allowed]
    if refused:
        raise ValidationException(f"Grant operations [{', '.join(refused)}] are not valid for this KMS key")
    return tuple(dict.fromkeys(operations))


def _same_grant(grant: Grant, candidate: Grant) -> bool:
    """Name idempotency: the same parameters, operations in any order."""
    return set(grant.operations) == set(candidate.operations) and grant._replace(
        grant_id="", creation_date=0.0, operations=()
    ) == candidate._replace(grant_id="", creation_date=0.0, operations=())


def _new_token(env: Env) -> str:
    return base64.urlsafe_b64encode(env.id_bytes(32)).decode("ascii").rstrip("=")


@operation(CreateGrantRequest, access=Access.WRITES)
def create_grant(repo: Repository, env: Env, req: CreateGrantRequest) -> CreateGrantResult:
    """Give a principal permission to use a key for some operations; answer the grant's ID and a token.

    With a Name, retrying with identical parameters returns the existing grant (with a new token).
    https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateGrant.html
    """
    check_grant_tokens(repo, req.grant_tokens)
    key = resolve_key(repo, env, req.key_id, allow_alias=False)
    constraints = _constraints(key, req.constraints)
    _check_principals(req, constraints)
    operations = _check_operations(key, req.operations)
    candidate = Grant(
        grant_id="",
        key_id=key.key_id,
        creation_date=env.now(),
        issuing_account=f"arn:{env.partition}:iam::{env.account_id}:root",
        operations=operations,
        name=req.name,
        grantee_principal=req.grantee_principal,
        retiring_principal=req.retiring_principal,
        constraints=constraints,
        grantee_service_principal=req.grantee_service_principal,
        retiring_service_principal=req.retiring_service_principal,
    )
    existing = None
    if req.name is not None:
        existing = next((g for g in repo.list_named_grants(key.key_id, req.name) if _same_grant(g, candidate)), None)
    if existing is None and repo.count_grants(key.key_id) >= MAX_GRANTS_PER_KEY:
        raise LimitExceededException(
            f"The request was rejected because the number of grants for {key.arn} would exceed "
            f"the quota of {MAX_GRANTS_PER_KEY}."
        )
    dry_run(req.dry_run)
    grant = existing or candidate._replace(grant_id=env.id_bytes(32).hex())
    if existing is None:
        repo.put_grant(grant)
    token = _new_token(env)
    repo.put_grant_token(token, grant.grant_id)
    return CreateGrantResult(token, grant.grant_id)


# ---------------------------------------------------------------- ListGrants


class ListGrantsRequest(NamedTuple):
    key_id: str
    limit: int | None = None
    marker: str | None = None
    grant_id: str | None = None
    grantee_principal: str | None = None
    grantee_service_principal: str | None = None


@operation(ListGrantsRequest, access=Access.MAY_WRITE)
def list_grants(repo: Repository, env: Env, req: ListGrantsRequest) -> GrantList:
    """The key's grants by grant ID, optionally only one grant or one grantee's.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_ListGrants.html
    """
    key = resolve_key(repo, env, req.key_id, allow_alias=False)
    if req.grantee_principal is not None and req.grantee_service_principal is not None:
        raise ValidationException("You can specify either GranteePrincipal or GranteeServicePrincipal, but not both.")
    limit = page_limit(req.limit, default=50, service_max=100)
    listing = f"grants:{key.key_id}"
    after = decode_marker(listing, req.marker)
    if req.grant_id is not None:
        _check_grant_id(req.grant_id)
        grant = repo.get_grant(req.grant_id)
        found = [
            g
            for g in ([grant] if grant is not None else [])
            if g.key_id == key.key_id
            and req.grantee_principal in (None, g.grantee_principal)
            and req.grantee_service_principal in (None, g.grantee_service_principal)
        ]
        return GrantList(tuple(_entry(key, g) for g in found), False)
    page = repo.list_grants(
        key.key_id,
        after,
        limit + 1,
        grantee_principal=req.grantee_principal,
        grantee_service_principal=req.grantee_service_principal,
    )
    entries = tuple(_entry(key, g) for g in page[:limit])
    if len(page) > limit:
        return GrantList(entries, True, encode_marker(listing, page[limit - 1].grant_id))
    return GrantList(entries, False)


# ---------------------------------------------------------------- ListRetirableGrants


class ListRetirableGrantsRequest(NamedTuple):
    limit: int | None = None
    marker: str | None = None
    retiring_principal: str | None = None
    retiring_service_principal: str | None = None


@operation(ListRetirableGrantsRequest, access=Access.MAY_WRITE)
def list_retirable_grants(repo: Repository, env: Env, req: ListRetirableGrantsRequest) -> GrantList:
    """Grants of every key in the account and Region that a principal (or service principal) may retire.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_ListRetirableGrants.html
    """
    if (req.retiring_principal is None) == (req.retiring_service_principal is None):
        raise ValidationException(
            "You must specify either RetiringPrincipal or RetiringServicePrincipal, but not both."
        )
    limit = page_limit(req.limit, default=50, service_max=100)
    listing = f"retirable:{req.retiring_principal or ''}:{req.retiring_service_principal or ''}"
    after = decode_marker(listing, req.marker)
    page = repo.list_retirable_grants(
        after, limit + 1, principal=req.retiring_principal, service_principal=req.retiring_service_principal
    )
    entries = []
    for grant in page[:limit]:
        # A key whose deletion date passed is gone with its grants, even if nothing read it since.
        key = live_key(repo, env, grant.key_id)
        if key is not None:
            entries.append(_entry(key, grant))
    if len(page) > limit:
        return GrantList(tuple(entries), True, encode_marker(listing, page[limit - 1].grant_id))
    return GrantList(tuple(entries), False)


# ---------------------------------------------------------------- RetireGrant, RevokeGrant


class RetireGrantRequest(NamedTuple):
    grant_token: str | None = None
    key_id: str | None = None
    grant_id: str | None = None
    dry_run: bool | None = None


def _grant_on_key(repo: Repository, key: Key, grant_id: str) -> Grant:
    _check_grant_id(grant_id)
    grant = repo.get_grant(grant_id)
    if grant is None or grant.key_id != key.key_id:
        raise NotFoundException(f"Grant ID {grant_id} not found")
    return grant


@operation(RetireGrantRequest, access=Access.WRITES)
def retire_grant(repo: Repository, env: Env, req: RetireGrantRequest) -> None:
    """Delete a grant named by one of its tokens, or by key ID and grant ID (in any key state).

    https://docs.aws.amazon.com/kms/latest/APIReference/API_RetireGrant.html
    """
    if req.grant_token is not None:
        grant_id = repo.grant_of_token(req.grant_token)
        grant = repo.get_grant(grant_id) if grant_id is not None else None
        # The key may have reached its deletion date, taking its grants along.
        live = live_key(repo, env, grant.key_id) if grant is not None else None
        if grant is None or live is None:
            raise InvalidGrantTokenException("Invalid grant token")
        key = live
    elif req.key_id is not None and req.grant_id is not None:
        key = resolve_key(repo, env, req.key_id, allow_alias=False)
        grant = _grant_on_key(repo, key, req.grant_id)
    else:
        raise ValidationException("Grant token OR (grant ID, key ID) must be specified")
    if env.authority is not None:
        from .access import authorize_retire

        authorize_retire(repo, env, key, grant)
    dry_run(req.dry_run)
    repo.delete_grant(grant.grant_id)


class RevokeGrantRequest(NamedTuple):
    key_id: str
    grant_id: str
    dry_run: bool | None = None


@operation(RevokeGrantRequest, access=Access.WRITES)
def revoke_grant(repo: Repository, env: Env, req: RevokeGrantRequest) -> None:
    """Delete a grant of a key (in any key state).

    https://docs.aws.amazon.com/kms/latest/APIReference/API_RevokeGrant.html
    """
    key = resolve_key(repo, env, req.key_id, allow_alias=False)
    grant = _grant_on_key(repo, key, req.grant_id)
    dry_run(req.dry_run)
    repo.delete_grant(grant.grant_id)
