"""Stored records besides keys, aliases and tags: grants and import tokens.

Kept apart from model.py because only the grant and import commands (and the store, on demand)
need them: every command imports model.py, and each class defined there costs start-up time.
"""

from __future__ import annotations

from typing import NamedTuple


class GrantConstraints(NamedTuple):
    encryption_context_subset: dict[str, str] | None = None
    encryption_context_equals: dict[str, str] | None = None
    source_arn: str | None = None


class Grant(NamedTuple):
    grant_id: str
    key_id: str
    creation_date: float
    issuing_account: str
    operations: tuple[str, ...]
    name: str | None = None
    grantee_principal: str | None = None
    retiring_principal: str | None = None
    constraints: GrantConstraints | None = None
    grantee_service_principal: str | None = None
    retiring_service_principal: str | None = None


class ImportToken(NamedTuple):
    """What one GetParametersForImport response stands for: a wrapping key pair and algorithm, for 24 h."""

    token_id: str
    key_id: str
    wrapping_algorithm: str
    wrapping_key_spec: str
    # PKCS#8 DER of the wrapping private key.
    private_key: bytes
    expires: float
