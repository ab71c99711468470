"""Ed25519ph (RFC 8032 §5.1, HashEdDSA with SHA-512) for ED25519_PH_SHA_512.

`cryptography` signs pure Ed25519 only, and OpenSSL exposes Ed25519ph from 3.2 on, so the
pre-hash variant is computed here from the curve arithmetic: the same key (the 32-byte seed
inside the PKCS#8 document) and the same encodings as pure Ed25519, with the dom2(1, "")
prefix in both hashes. KMS's DIGEST message is PH(M) = SHA-512(M), used as given.

Python integers are not constant-time; kmscli is a local emulator, and this path serves only
the one algorithm that no installed library offers.
"""

from __future__ import annotations

import hashlib

_P = 2**255 - 19
# The order of the base point.
_L = 2**252 + 27742317777372353535851937790883648493
_D = (-121665 * pow(121666, _P - 2, _P)) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)
# dom2(phflag=1, context=""): what separates Ed25519ph signatures from pure Ed25519 ones.
_DOM2_PH = b"SigEd25519 no Ed25519 collisions" + bytes([1, 0])

_Point = tuple[int, int, int, int]  # extended coordinates (X, Y, Z, T): x = X/Z, y = Y/Z, xy = T/Z
_IDENTITY: _Point = (0, 1, 1, 0)


def _add(p: _Point, q: _Point) -> _Point:
    # Unified addition on -x^2 + y^2 = 1 + d x^2 y^2 (Hisil-Wong-Carter-Dawson 2008), valid for doubling too.
    x1, y1, z1, t1 = p
    x2, y2, z2, t2 = q
    a = (y1 - x1) * (y2 - x2) % _P
    b = (y1 + x1) * (y2 + x2) % _P
    c = 2 * _D * t1 * t2 % _P
    d = 2 * z1 * z2 % _P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _multiply(n: int, p: _Point) -> _Point:
    result = _IDENTITY
    while n:
        if n & 1:
            result = _add(result, p)
        p = _add(p, p)
        n >>= 1
    return result


def _encode(p: _Point) -> bytes:
    x, y, z, _ = p
    zi = pow(z, _P - 2, _P)
    x, y = x * zi % _P, y * zi % _P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def _decode(s: bytes) -> _Point | None:
    if len(s) != 32:
        return None
    n = int.from_bytes(s, "little")
    sign, y = n >> 255, n & ((1 << 255) - 1)
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P) % _P
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P != 0:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P != 0:
        return None
    if x == 0 and sign:
        return None
    if x & 1 != sign:
        x = _P - x
    return (x, y, 1, x * y % _P)


def _same(p: _Point, q: _Point) -> bool:
    return (p[0] * q[2] - q[0] * p[2]) % _P == 0 and (p[1] * q[2] - q[1] * p[2]) % _P == 0


def _base_point() -> _Point:
    # B has y = 4/5 and an even x (RFC 8032 §5.1).
    point = _decode((4 * pow(5, _P - 2, _P) % _P).to_bytes(32, "little"))
    assert point is not None
    return point


_BASE = _base_point()


def _hash_int(*parts: bytes) -> int:
    return int.from_bytes(hashlib.sha512(b"".join(parts)).digest(), "little") % _L


def _expand(seed: bytes) -> tuple[int, bytes, bytes]:
    """The secret scalar, the nonce prefix and the encoded public key of a 32-byte seed (RFC 8032 §5.1.5)."""
    h = hashlib.sha512(seed).digest()
    a = int.from_bytes(h[:32], "little")
    a &= (1 << 254) - 8
    a |= 1 << 254
    return a, h[32:], _encode(_multiply(a, _BASE))


def public_key(seed: bytes) -> bytes:
    return _expand(seed)[2]


def sign(seed: bytes, message: bytes, *, prehashed: bool = True) -> bytes:
    """The signature of `message`: Ed25519ph when `message` is PH(M), pure Ed25519 with prehashed=False."""
    dom = _DOM2_PH if prehashed else b""
    a, prefix, encoded_a = _expand(seed)
    r = _hash_int(dom, prefix, message)
    encoded_r = _encode(_multiply(r, _BASE))
    k = _hash_int(dom, encoded_r, encoded_a, message)
    return encoded_r + ((r + k * a) % _L).to_bytes(32, "little")


def verify(public: bytes, message: bytes, signature: bytes, *, prehashed: bool = True) -> bool:
    """Whether `signature` is valid for `message` (PH(M) when prehashed) under the 32-byte public key."""
    if len(signature) != 64:
        return False
    a = _decode(public)
    r = _decode(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if a is None or r is None or s >= _L:
        return False
    dom = _DOM2_PH if prehashed else b""
    k = _hash_int(dom, signature[:32], public, message)
    # The cofactored equation [8][S]B = [8]R + [8][k]A, which RFC 8032 §5.1.7 allows.
    left = _multiply(8 * s, _BASE)
    right = _multiply(8, _add(r, _multiply(k, a)))
    return _same(left, right)
