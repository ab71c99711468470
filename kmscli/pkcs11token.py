"""A PKCS#11 token holding AES-256 keys, used with AES-GCM inside the token (python-pkcs11).

Both CloudHSM key stores (the token stands for the cluster) and `kmscli xks-proxy` (the token is
its external key manager) keep their keys here. Keys are generated in the token, sensitive and
non-extractable, found by label; their material never leaves the token. python-pkcs11 is an
optional dependency (`pip install 'kmscli[hsm]'`), imported only when a token is used.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

INSTALL_HINT = "PKCS#11 tokens need python-pkcs11: pip install 'kmscli[hsm]'"
_TAG_BITS = 128
# python-pkcs11 keeps one library object per module path; sessions of one process are serialised here.
_LOCK = threading.RLock()


class TokenError(Exception):
    """The token cannot be used. `code`: INVALID_CREDENTIALS, CLUSTER_NOT_FOUND (no such module or token),
    USER_LOCKED_OUT, or INTERNAL_ERROR; the message names no PIN."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class MissingBinding(Exception):
    """python-pkcs11 is not installed."""

    def __init__(self) -> None:
        super().__init__(INSTALL_HINT)


def _pkcs11() -> Any:
    try:
        import pkcs11
    except ImportError:
        raise MissingBinding() from None
    return pkcs11


class Pkcs11Token:
    """One token of one PKCS#11 module, found by its label."""

    def __init__(self, module: str, token_label: str) -> None:
        self.module = module
        self.token_label = token_label

    def _token(self) -> Any:
        pkcs11 = _pkcs11()
        if not os.path.isfile(self.module):
            raise TokenError("CLUSTER_NOT_FOUND", f"the PKCS#11 module {self.module} does not exist")
        lib = pkcs11.lib(self.module)
        try:
            return lib.get_token(token_label=self.token_label)
        except pkcs11.NoSuchToken:
            # A token made after the module was loaded (softhsm2-util --init-token) is seen after a rescan.
            lib.reinitialize()
            try:
                return lib.get_token(token_label=self.token_label)
            except pkcs11.NoSuchToken:
                raise TokenError(
                    "CLUSTER_NOT_FOUND", f"the PKCS#11 module has no token labelled {self.token_label!r}"
                ) from None

    @contextmanager
    def session(self, pin: str) -> Iterator[Any]:
        """A read-write session logged in as the token's user."""
        pkcs11 = _pkcs11()
        with _LOCK:
            token = self._token()
            try:
                session = token.open(user_pin=pin, rw=True)
            except (pkcs11.PinIncorrect, pkcs11.PinInvalid, pkcs11.PinLenRange):
                raise TokenError("INVALID_CREDENTIALS", "the token refused the user PIN") from None
            except pkcs11.PinLocked:
                raise TokenError("USER_LOCKED_OUT", "the token's user PIN is locked") from None
            except pkcs11.PKCS11Error as e:
                raise TokenError("INTERNAL_ERROR", f"the token cannot be opened: {type(e).__name__}") from None
            try:
                yield session
            finally:
                session.close()

    def login(self, pin: str) -> None:
        with self.session(pin):
            pass

    def _key(self, session: Any, label: str) -> Any:
        pkcs11 = _pkcs11()
        try:
            return session.get_key(label=label, key_type=pkcs11.KeyType.AES, object_class=pkcs11.ObjectClass.SECRET_KEY)
        except pkcs11.NoSuchKey:
            raise TokenError("KEY_NOT_FOUND", f"the token has no AES key labelled {label!r}") from None

    def has_key(self, pin: str, label: str) -> bool:
        try:
            with self.session(pin) as session:
                self._key(session, label)
        except TokenError as e:
            if e.code == "KEY_NOT_FOUND":
                return False
            raise
        return True

    def generate(self, pin: str, label: str) -> None:
        """A new AES-256 key in the token: sensitive, non-extractable, usable only to encrypt and decrypt."""
        pkcs11 = _pkcs11()
        a = pkcs11.Attribute
        with self.session(pin) as session:
            session.generate_key(
                pkcs11.KeyType.AES,
                256,
                label=label,
                store=True,
                template={
                    a.TOKEN: True,
                    a.PRIVATE: True,
                    a.SENSITIVE: True,
                    a.EXTRACTABLE: False,
                    a.ENCRYPT: True,
                    a.DECRYPT: True,
                    a.WRAP: False,
                    a.UNWRAP: False,
                    a.SIGN: False,
                    a.VERIFY: False,
                    a.DERIVE: False,
                },
            )

    def encrypt(self, pin: str, label: str, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
        """AES-GCM in the token: the ciphertext followed by its 16-byte tag."""
        pkcs11 = _pkcs11()
        with self.session(pin) as session:
            key = self._key(session, label)
            params = pkcs11.GCMParams(nonce, aad, _TAG_BITS)
            return bytes(key.encrypt(plaintext, mechanism=pkcs11.Mechanism.AES_GCM, mechanism_param=params))

    def decrypt(self, pin: str, label: str, nonce: bytes, sealed: bytes, aad: bytes) -> bytes | None:
        """The plaintext, or None when the tag does not verify (SoftHSM reports that as a generic error)."""
        pkcs11 = _pkcs11()
        with self.session(pin) as session:
            key = self._key(session, label)
            params = pkcs11.GCMParams(nonce, aad, _TAG_BITS)
            try:
                return bytes(key.decrypt(sealed, mechanism=pkcs11.Mechanism.AES_GCM, mechanism_param=params))
            except (pkcs11.GeneralError, pkcs11.EncryptedDataInvalid, pkcs11.EncryptedDataLenRange):
                return None

    def random(self, pin: str, count: int) -> bytes:
        """`count` bytes from the token's random number generator."""
        with self.session(pin) as session:
            return bytes(session.generate_random(count * 8))

    def destroy(self, pin: str, label: str) -> None:
        with self.session(pin) as session:
            try:
                key = self._key(session, label)
            except TokenError as e:
                if e.code == "KEY_NOT_FOUND":
                    return
                raise
            key.destroy()

    def attributes(self, pin: str, label: str) -> dict[str, bool]:
        """The protection attributes of a key (for tests and `--debug`): sensitive, extractable, ..."""
        pkcs11 = _pkcs11()
        a = pkcs11.Attribute
        with self.session(pin) as session:
            key = self._key(session, label)
            return {
                "SENSITIVE": bool(key[a.SENSITIVE]),
                "EXTRACTABLE": bool(key[a.EXTRACTABLE]),
                "NEVER_EXTRACTABLE": bool(key[a.NEVER_EXTRACTABLE]),
                "ALWAYS_SENSITIVE": bool(key[a.ALWAYS_SENSITIVE]),
                "TOKEN": bool(key[a.TOKEN]),
            }
