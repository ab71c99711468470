"""The GrantTokens parameter of the operations that take one.

Kept out of grants.py so the operations that take GrantTokens (DescribeKey among them) import only
this, not the grant operations and their types.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .errors import InvalidGrantTokenException

if TYPE_CHECKING:
    from .ports import Repository


def check_grant_tokens(repo: Repository, tokens: Iterable[str] | None) -> None:
    """Every token must have been issued for a grant that still exists in this account and Region.

    kmscli does not authorize, so a valid token changes nothing else; an invalid one is refused.
    """
    for token in tokens or ():
        if repo.grant_of_token(token) is None:
            raise InvalidGrantTokenException("Invalid grant token")
