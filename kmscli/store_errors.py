"""StateError: the state cannot be used. A module of its own so that the stores and the root key share it."""

from __future__ import annotations

import os


class StateError(Exception):
    """The state cannot be used (corrupt, newer schema, unreadable): one line naming the path."""

    def __init__(self, what: str, path: str | os.PathLike[str]) -> None:
        super().__init__(f"{what} ({os.fspath(path)})")
