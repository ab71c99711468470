"""Key IDs, ARNs and the parsing of every identifier form a KeyId parameter accepts."""

from __future__ import annotations

import re

from .errors import InvalidArnException, NotFoundException
from .tuples import NamedTuple

# Patterns, not compiled objects: re compiles (and caches) one on first use, so a command pays
# only for the patterns its identifiers need.
_ARN = r"arn:(aws|aws-cn|aws-us-gov):kms:(?P<region>[^:]+):(?P<account>\d{12}):(?P<kind>key|alias)/(?P<rest>.+)"
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_MULTI_REGION = r"mrk-[0-9a-f]{32}"
# A key ID as kmscli writes it, and as a KeyId parameter may give it (a UUID in either case).
_KEY_ID = f"{_UUID}|{_MULTI_REGION}"
_GIVEN_KEY_ID = f"(?i:{_UUID})|{_MULTI_REGION}"


def new_key_id(entropy: bytes, multi_region: bool) -> str:
    """A lower-case UUID v4, or `mrk-` + 32 hex digits for multi-Region keys."""
    if multi_region:
        return "mrk-" + entropy[:16].hex()
    b = bytearray(entropy[:16])
    b[6] = (b[6] & 0x0F) | 0x40  # version 4
    b[8] = (b[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def key_arn(partition: str, region: str, account_id: str, key_id: str) -> str:
    return f"arn:{partition}:kms:{region}:{account_id}:key/{key_id}"


def alias_arn(partition: str, region: str, account_id: str, alias_name: str) -> str:
    return f"arn:{partition}:kms:{region}:{account_id}:{alias_name}"


class KeyRef(NamedTuple):
    """A parsed KeyId parameter: either a key ID or an alias name, in the caller's region."""

    key_id: str | None = None
    alias_name: str | None = None


def parse_key_ref(value: str, *, account_id: str, region: str, partition: str, allow_alias: bool) -> KeyRef:
    """Parse the identifier; looking the key or alias up is the caller's step 4."""
    invalid_key_id = NotFoundException(f"Invalid keyId '{value}'")
    if value.startswith("arn:"):
        m = re.fullmatch(_ARN, value)
        if m is None:
            raise InvalidArnException(f"Invalid arn {value}")
        if m["region"] != region:
            # AWS answers NotFound, not InvalidArn, for an ARN of another Region.
            raise NotFoundException(f"Invalid arn {m['region']}")
        if m["account"] != account_id:
            raise NotFoundException(f"Key '{value}' does not exist")
        if m["kind"] == "alias":
            if not allow_alias:
                raise invalid_key_id
            return KeyRef(alias_name="alias/" + m["rest"])
        return _key_id_ref(m["rest"], NotFoundException(f"Invalid keyId '{value}'"))
    if value.startswith("alias/"):
        if not allow_alias:
            raise invalid_key_id
        return KeyRef(alias_name=value)
    return _key_id_ref(value, invalid_key_id)


def _key_id_ref(key_id: str, error: NotFoundException) -> KeyRef:
    if re.fullmatch(_GIVEN_KEY_ID, key_id) is None:
        raise error
    return KeyRef(key_id=key_id.lower())


def is_key_id(text: str) -> bool:
    """Whether `text` is a key ID as kmscli writes them (lower case)."""
    return re.fullmatch(_KEY_ID, text) is not None


def is_alias_reference(value: str) -> bool:
    return value.startswith("alias/") or (value.startswith("arn:") and ":alias/" in value)
