"""GenerateMac and VerifyMac: RFC 2104 HMAC with the key's 28 to 64 secret bytes.

HMAC needs only the standard library, so these commands never load `cryptography`.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING

from .api import operation
from .crypto_checks import check_algorithm, current_material, usable_key
from .dry_run import dry_run
from .errors import KMSInvalidMacException
from .granttokens import check_grant_tokens
from .model import Key, KeyUsage
from .ports import Access
from .tuples import NamedTuple

if TYPE_CHECKING:
    from .env import Env
    from .ports import Repository

_DIGESTS = {
    "HMAC_SHA_224": hashlib.sha224,
    "HMAC_SHA_256": hashlib.sha256,
    "HMAC_SHA_384": hashlib.sha384,
    "HMAC_SHA_512": hashlib.sha512,
}


def _mac_key(repo: Repository, env: Env, key_id: str, algorithm: str) -> Key:
    key = usable_key(repo, env, key_id, KeyUsage.GENERATE_VERIFY_MAC)
    check_algorithm(key, algorithm)
    return key


def _mac(key: Key, algorithm: str, message: bytes) -> bytes:
    return hmac.new(current_material(key).secret, message, _DIGESTS[algorithm]).digest()


class GenerateMacRequest(NamedTuple):
    message: bytes
    key_id: str
    mac_algorithm: str
    grant_tokens: tuple[str, ...] | None = None
    dry_run: bool | None = None


class GenerateMacResult(NamedTuple):
    mac: bytes
    mac_algorithm: str
    key_id: str


@operation(GenerateMacRequest, access=Access.WRITES)  # records the key's last use (usage.py)
def generate_mac(repo: Repository, env: Env, req: GenerateMacRequest) -> GenerateMacResult:
    """The HMAC of a message under an HMAC key.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateMac.html
    """
    check_grant_tokens(repo, req.grant_tokens)
    key = _mac_key(repo, env, req.key_id, req.mac_algorithm)
    dry_run(req.dry_run)
    return GenerateMacResult(
        mac=_mac(key, req.mac_algorithm, req.message), mac_algorithm=req.mac_algorithm, key_id=key.arn
    )


class VerifyMacRequest(NamedTuple):
    message: bytes
    key_id: str
    mac_algorithm: str
    mac: bytes
    grant_tokens: tuple[str, ...] | None = None
    dry_run: bool | None = None


class VerifyMacResult(NamedTuple):
    key_id: str
    mac_valid: bool
    mac_algorithm: str


@operation(VerifyMacRequest, access=Access.WRITES)  # records the key's last use (usage.py)
def verify_mac(repo: Repository, env: Env, req: VerifyMacRequest) -> VerifyMacResult:
    """Check an HMAC; a mismatch is KMSInvalidMacException, never MacValid false.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_VerifyMac.html
    """
    check_grant_tokens(repo, req.grant_tokens)
    key = _mac_key(repo, env, req.key_id, req.mac_algorithm)
    dry_run(req.dry_run)
    if not hmac.compare_digest(_mac(key, req.mac_algorithm, req.message), req.mac):
        raise KMSInvalidMacException("")
    return VerifyMacResult(key_id=key.arn, mac_valid=True, mac_algorithm=req.mac_algorithm)
