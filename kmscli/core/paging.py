"""Markers for the List* operations: opaque, tied to one listing, resuming strictly after an item."""

from __future__ import annotations

import base64
import binascii

from .errors import InvalidMarkerException
from .validation import validation_error

_INVALID = "The request was rejected because the marker that specifies where pagination should next begin is not valid."


def invalid_marker() -> InvalidMarkerException:
    return InvalidMarkerException(_INVALID)


def encode_marker(listing: str, last: str) -> str:
    return base64.urlsafe_b64encode(f"{listing}\0{last}".encode()).decode("ascii").rstrip("=")


def decode_marker(listing: str, marker: str | None) -> str | None:
    """The sort key to resume after, from a NextMarker this same listing returned."""
    if marker is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(marker + "=" * (-len(marker) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise invalid_marker() from None
    name, sep, last = raw.partition("\0")
    if not sep or name != listing:
        raise invalid_marker()
    return last


def page_limit(limit: int | None, *, default: int, service_max: int | None = None) -> int:
    """The page size; some operations allow less than the model's 1000."""
    if limit is None:
        return default
    if service_max is not None and limit > service_max:
        raise validation_error(
            [
                f"Value '{limit}' at 'limit' failed to satisfy constraint: "
                f"Member must have value less than or equal to {service_max}"
            ]
        )
    return limit
