"""A key as a listing shows it: a few members, read without the rest of the key.

A key's row holds its policy and its material besides what a table of keys shows; reading and
decoding all of that for every key of a Region is most of what listing them costs. A repository's
`list_key_summaries` reads only the members below. Whether one can be shown as it is, or the clock
may have changed the key since it was written, is for `transitions.nothing_due` to say; a key it
cannot vouch for is read whole, through the keyring, as any operation reads it.

Imported on demand (only listings need it), so no command pays for defining it at start-up.
"""

from __future__ import annotations

from .model import Key
from .tuples import NamedTuple


class KeySummary(NamedTuple):
    """A key's members that a listing shows, and those that say whether the clock changed it.

    Enumerated members may be the enums (InMemoryRepository) or their plain values (the stores):
    they compare equal and print the same.
    """

    key_id: str
    key_state: str
    key_spec: str
    key_usage: str
    description: str
    deletion_date: float | None
    key_manager: str
    # For transitions.nothing_due: imported material expires, multi-Region sets change together,
    # automatic rotations fall due.
    origin: str
    multi_region: bool
    rotation_enabled: bool
    next_rotation_date: float | None


# The Key members a summary holds besides the key ID, in KeySummary's order.
MEMBERS = KeySummary._fields[1:]
# What a member missing from a stored key (one written before the member existed) stands for,
# where that is not None: (its index in MEMBERS, its default).
_FILLED = tuple(
    (i, default) for i, name in enumerate(MEMBERS) if (default := Key._field_defaults.get(name)) is not None
)


def summary_of(key: Key) -> KeySummary:
    return KeySummary(key.key_id, *(getattr(key, name) for name in MEMBERS))


def from_members(key_id: str, members: list[object]) -> KeySummary:
    """A summary from a store's members, in MEMBERS order, None where the stored key lacks one.

    Called once per key of a listing, so it only fills the few defaults (`members` in place).
    """
    for i, default in _FILLED:
        if members[i] is None:
            members[i] = default
    return KeySummary(key_id, *members)  # type: ignore[arg-type]  # the members' types as stored
