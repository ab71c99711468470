"""The `kms` fixture: kmscli as a user runs it, with a clock the test moves (tests/kms_session.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.kms_session import KmsSession, make_session


@pytest.fixture
def kms(tmp_path: Path, private_keys: Callable[[str], bytes], monkeypatch: pytest.MonkeyPatch) -> KmsSession:
    return make_session(tmp_path, private_keys, monkeypatch)
