"""The root key: key material at rest is sealed (AES-256-GCM) under a key kept outside the database.

A shared database travels (backups, replicas, other people's access), so the PostgreSQL store never
writes a key's secret in the clear: each secret is sealed under the root key named by
KMSCLI_ROOT_KEY_FILE, with the row it belongs to as associated data, so a sealed secret moved to
another key's row does not open. The SQLite store seals too when a root key file is given.

The file is one line, `kmscli-root-key-v1:` then 32 random bytes in base64, mode 0600, made by
`kmscli state create-root-key`. The database records the root key's ID (an HMAC of a constant under
the key, which tells nothing of the key), so that a different root key is refused with one line
before anything is read or written, instead of sealing new material under a second key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import stat

from kmscli.store_errors import StateError

PREFIX = "kmscli-root-key-v1:"
KEY_BYTES = 32
NONCE_BYTES = 12
# The first byte of every sealed value: the format, so that another one can follow.
_VERSION = b"\x01"


class RootKeyError(StateError):
    """The root key cannot be used: one line naming the file and what is wrong."""

    def __init__(self, message: str) -> None:
        Exception.__init__(self, message)


class RootKey:
    """Seals and opens secrets; `key_id` names the key without revealing it."""

    def __init__(self, secret: bytes, path: str) -> None:
        # cryptography is imported by the commands that hold a root key only.
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self.path = path
        self._aead = AESGCM(secret)
        self.key_id = hmac.new(secret, b"kmscli root key id", hashlib.sha256).hexdigest()[:16]

    def seal(self, secret: bytes, context: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return _VERSION + nonce + self._aead.encrypt(nonce, secret, context.encode("utf-8"))

    def open(self, sealed: bytes, context: str) -> bytes:
        from cryptography.exceptions import InvalidTag

        if not is_sealed(sealed) or len(sealed) < 1 + NONCE_BYTES + 16:
            raise RootKeyError(f"sealed key material of {context} is not in a format this kmscli knows")
        nonce, body = sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
        try:
            return self._aead.decrypt(nonce, body, context.encode("utf-8"))
        except InvalidTag:
            raise RootKeyError(
                f"the root key in {self.path} does not open the key material of {context}: "
                "it was sealed under another root key, or changed in the database"
            ) from None


def is_sealed(value: bytes) -> bool:
    """Whether a stored secret was sealed: the values stored in the clear are raw key bytes inside
    JSON (never here) or PKCS#8 DER, which starts with a SEQUENCE tag (0x30), never with 0x01."""
    return value[:1] == _VERSION


def create(path: str) -> RootKey:
    """Write a new root key file (0600); an existing file is never replaced."""
    secret = os.urandom(KEY_BYTES)
    text = f"{PREFIX}{base64.b64encode(secret).decode('ascii')}\n"
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        raise RootKeyError(f"{path} already exists: a root key is never overwritten") from None
    except OSError as e:
        raise RootKeyError(f"cannot create the root key file {path}: {e.strerror or e}") from None
    with os.fdopen(fd, "w", encoding="ascii") as f:
        # The umask may have taken bits away, never added them; set exactly 0600 anyway.
        os.fchmod(f.fileno(), 0o600)
        f.write(text)
    return RootKey(secret, path)


def load(path: str) -> RootKey:
    """Read a root key file, refusing one that other users could read or that is not a root key."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as e:
        raise RootKeyError(f"cannot read the root key file {path}: {e.strerror or e}") from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise RootKeyError(f"the root key file {path} is not a regular file")
        if info.st_uid != os.geteuid():
            raise RootKeyError(f"the root key file {path} belongs to another user (uid {info.st_uid})")
        if info.st_mode & 0o077:
            raise RootKeyError(
                f"the root key file {path} is readable by other users (mode {stat.S_IMODE(info.st_mode):04o}): "
                "make it 0600"
            )
        data = f.read(1024)
    try:
        text = data.decode("ascii").strip()
        if not text.startswith(PREFIX):
            raise ValueError
        secret = base64.b64decode(text[len(PREFIX) :], validate=True)
    except (ValueError, binascii.Error):
        raise RootKeyError(
            f"the root key file {path} is not a kmscli root key (make one with `kmscli state create-root-key`)"
        ) from None
    if len(secret) != KEY_BYTES:
        raise RootKeyError(f"the root key file {path} is not a kmscli root key (its key is not {KEY_BYTES} bytes)")
    return RootKey(secret, path)
