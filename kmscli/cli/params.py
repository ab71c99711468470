"""Parameter syntaxes of the AWS CLI: turn one option's words into a Python value.

Syntax only (B.4): shorthand, JSON, file:// and fileb://, blobs, integers, timestamps. What a
value means is the core's business; a value that cannot even be parsed gets the AWS CLI's
"Error parsing parameter" message here.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from datetime import datetime
from typing import Any

from kmscli.core import SHAPES


class ParamError(Exception):
    """A value the AWS CLI could not parse; printed as `\\n<message>\\n`, exit 255."""


def _parse_error(option: str, detail: str) -> ParamError:
    return ParamError(f"Error parsing parameter '{option}': {detail}")


def load_param_file(option: str, value: str) -> str | bytes:
    """Expand file:// (text) and fileb:// (bytes) as the AWS CLI does for every parameter."""
    for prefix, binary in (("fileb://", True), ("file://", False)):
        if value.startswith(prefix):
            path = os.path.expandvars(os.path.expanduser(value[len(prefix) :]))
            try:
                with open(path, "rb") as f:
                    data = f.read()
            except OSError as e:
                raise _parse_error(option, f"Unable to load paramfile {value}: {e}") from None
            if binary:
                return data
            try:
                return data.decode("utf-8")
            except UnicodeDecodeError:
                raise _parse_error(
                    option,
                    f"Unable to load paramfile ({path}), text contents could not be decoded.  If this is a binary "
                    "file, please use the fileb:// prefix instead of the file:// prefix.",
                ) from None
    return value


def _text(option: str, value: str) -> str:
    loaded = load_param_file(option, value)
    if isinstance(loaded, bytes):
        try:
            return loaded.decode("utf-8")
        except UnicodeDecodeError:
            raise _parse_error(option, "fileb:// contents are not UTF-8 text") from None
    return loaded


def convert(option: str, shape_name: str, raw: Any, *, binary_format: str = "raw-in-base64-out") -> Any:
    """`raw` is a str (one word), a list of str (a list option) or a bool (a flag)."""
    shape = SHAPES[shape_name]
    kind = shape["type"]
    if kind == "boolean":
        return raw
    if kind == "list":
        words = raw if isinstance(raw, list) else [raw]
        return _list(option, shape, words, binary_format)
    if kind == "blob":
        return blob(option, raw, binary_format)
    text = _text(option, raw)
    if kind in ("integer", "long"):
        # int() accepts surrounding blanks, as the AWS CLI's conversion does.
        return int(text)
    if kind == "timestamp":
        return timestamp(text)
    if kind in ("structure", "map"):
        return _structured(option, shape_name, text)
    return text


def blob(option: str, raw: str, binary_format: str) -> bytes:
    loaded = load_param_file(option, raw)
    if isinstance(loaded, bytes):
        return loaded
    if binary_format == "base64":
        # AWS CLI v2 semantics: blob arguments are base64 text.
        try:
            return base64.b64decode(loaded, validate=True)
        except binascii.Error as e:
            raise _parse_error(option, f"Invalid base64: {loaded!r} ({e})") from None
    # AWS CLI v1 semantics: the argument's own UTF-8 bytes.
    return loaded.encode("utf-8")


def timestamp(text: str) -> float | str:
    """ISO 8601 (date or date-time) or epoch seconds; anything else is left for validation to refuse."""
    s = text.strip()
    try:
        return float(s)
    except ValueError:
        pass
    try:
        dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        return text
    if dt.tzinfo is None:
        from datetime import UTC

        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def _list(option: str, shape: dict[str, Any], words: list[str], binary_format: str) -> list[Any]:
    member = shape["member"]
    member_kind = SHAPES[member]["type"]
    if len(words) == 1:
        text = _text(option, words[0])
        stripped = text.lstrip()
        if stripped.startswith("["):
            return list(_json(option, text))
        if stripped.startswith("{") and member_kind in ("structure", "map"):
            # A single JSON object given for a list is taken as a one-element list.
            return [_json(option, text)]
        words = [text]
    if member_kind in ("structure", "map"):
        return [_structured(option, member, _text(option, w)) for w in words]
    return [_text(option, w) for w in words]


def _structured(option: str, shape_name: str, text: str) -> Any:
    if text.lstrip().startswith(("{", "[")):
        return _json(option, text)
    return ShorthandParser(option, text).parse()


def _json(option: str, text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as e:
        raise _parse_error(option, f"Invalid JSON: {e}\nJSON received: {text}") from None


class ShorthandParser:
    """The AWS CLI shorthand: `k=v,k2=v2`, quoted values, `\\,` escapes, `k=a,b` lists, `k={...}`/`k=[...]`."""

    def __init__(self, option: str, text: str) -> None:
        self.option = option
        self.text = text
        self.i = 0

    def parse(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        while True:
            key = self._key()
            self._expect("=")
            result[key] = self._values()
            if self.i >= len(self.text):
                return result
            self._expect(",")

    def _error(self, expected: str) -> ParamError:
        received = self.text[self.i] if self.i < len(self.text) else "EOF"
        pointer = " " * self.i + "^"
        return _parse_error(
            self.option, f"Expected: '{expected}', received: '{received}' for input:\n{self.text}\n{pointer}"
        )

    def _expect(self, ch: str) -> None:
        if self.i < len(self.text) and self.text[self.i] == ch:
            self.i += 1
            return
        raise self._error(ch)

    def _key(self) -> str:
        start = self.i
        while self.i < len(self.text) and self.text[self.i] not in "=,":
            self.i += 1
        key = self.text[start : self.i].strip()
        if not key:
            if self.i >= len(self.text):
                raise _parse_error(
                    self.option,
                    f"Expected: '<second>', received: '<none>' for input:\n{self.text}\n{' ' * self.i}^",
                )
            raise self._error("=")
        return key

    def _values(self) -> Any:
        first = self._value()
        items = [first]
        # `k=a,b,c` is a list as long as the next item is not itself `key=`.
        while self.i < len(self.text) and self.text[self.i] == "," and not self._next_is_key():
            self.i += 1
            items.append(self._value())
        return first if len(items) == 1 else items

    def _next_is_key(self) -> bool:
        j = self.i + 1
        depth = 0
        while j < len(self.text):
            c = self.text[j]
            if c == "\\":
                j += 2
                continue
            if c in "[{":
                depth += 1
            elif c in "]}":
                depth -= 1
            elif depth == 0 and c == "=":
                return True
            elif depth == 0 and c == ",":
                return False
            j += 1
        return False

    def _value(self) -> Any:
        if self.i < len(self.text) and self.text[self.i] in "\"'":
            quote = self.text[self.i]
            end = self.text.find(quote, self.i + 1)
            if end < 0:
                raise self._error(quote)
            value = self.text[self.i + 1 : end]
            self.i = end + 1
            return value
        if self.i < len(self.text) and self.text[self.i] == "{":
            return self._nested("{", "}")
        if self.i < len(self.text) and self.text[self.i] == "[":
            return self._nested("[", "]")
        out = []
        while self.i < len(self.text) and self.text[self.i] != ",":
            c = self.text[self.i]
            if c == "\\" and self.i + 1 < len(self.text):
                out.append(self.text[self.i + 1])
                self.i += 2
                continue
            out.append(c)
            self.i += 1
        return "".join(out).strip()

    def _nested(self, open_: str, close: str) -> Any:
        depth = 0
        start = self.i
        while self.i < len(self.text):
            c = self.text[self.i]
            if c == open_:
                depth += 1
            elif c == close:
                depth -= 1
                if depth == 0:
                    self.i += 1
                    inner = self.text[start + 1 : self.i - 1]
                    if open_ == "{":
                        return ShorthandParser(self.option, inner).parse() if inner else {}
                    return [ShorthandParser(self.option, w).parse() if "=" in w else w for w in _split(inner)]
            self.i += 1
        raise self._error(close)


def _split(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for j, c in enumerate(text):
        if c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(text[start:j])
            start = j + 1
    if text:
        parts.append(text[start:])
    return [p.strip() for p in parts]
