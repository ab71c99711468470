"""Parameter syntaxes of the AWS CLI v1: turn one option's words into a Python value.

Syntax only (B.4): param files, shorthand, JSON, blobs, integers, timestamps. What a value means
is the core's business (a wrong type or member is reported by core validation, with botocore's
wording); a value that cannot even be parsed gets the AWS CLI's message here, exit 255.

The order of steps is the AWS CLI's (awscli/argprocess.py and awscli/paramfile.py):
1. `file://` (text, universal newlines) and `fileb://` (bytes) replace the value; for a list
   option only when it is a single word, and then the file's content stands for the whole list.
2. A list of structures, a structure or a map whose (first) word starts with `[` or `{` is JSON;
   otherwise it is shorthand, one list element per word. A list of scalars is a JSON list when
   it is one word starting with `[`, else one element per word (no comma splitting).
3. Shorthand values are then shaped by the model: a scalar where a nested list belongs becomes a
   one-element list, integers go through int(), "true"/"false" become booleans.
"""

from __future__ import annotations

import binascii
import json
import os
import re
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from kmscli.core.servicemodel import Shape, ShapeWalker, shape
from kmscli.core.validation import MAX_NESTING, echo, too_deep


class ParamError(Exception):
    """A value the AWS CLI could not parse; printed as `\\n<message>\\n`, exit 255."""


def _parse_error(option: str, detail: str) -> ParamError:
    return ParamError(f"Error parsing parameter '{option}': {detail}")


# ---------------------------------------------------------------- param files


# What a file:// or fileb:// parameter may hold: more than any KMS member (a 256 KiB attestation
# document, base64 in --cli-input-json) and the same as `kmscli serve` takes in one request.
MAX_PARAM_FILE_BYTES = 1024 * 1024


def _param_file(value: Any) -> str | bytes | None:
    """The content `value` refers to, or None when it is not a file:// or fileb:// reference.

    Raises ParamError with the bare message (callers add the option name where the AWS CLI does).
    """
    if not isinstance(value, str):
        return None
    for prefix, binary in (("fileb://", True), ("file://", False)):
        if value.startswith(prefix):
            path = os.path.expandvars(os.path.expanduser(value[len(prefix) :]))
            try:
                with open(path, "rb") as f:
                    # Read to a limit, not to the end: fileb:///dev/zero never ends. Reading (not
                    # stat) keeps pipes working, as in fileb://<(command).
                    data = f.read(MAX_PARAM_FILE_BYTES + 1)
            except OSError as e:
                raise ParamError(f"Unable to load paramfile {value}: {e}") from None
            if len(data) > MAX_PARAM_FILE_BYTES:
                raise ParamError(
                    f"Unable to load paramfile {value}: it holds more than {MAX_PARAM_FILE_BYTES} bytes, "
                    "more than any KMS parameter can"
                )
            if binary:
                return data
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                raise ParamError(
                    f"Unable to load paramfile ({path}), text contents could not be decoded.  If this is a binary "
                    "file, please use the fileb:// prefix instead of the file:// prefix."
                ) from None
            # file:// is read in text mode: universal newlines, as Python's open(path, "r") does.
            return text.replace("\r\n", "\n").replace("\r", "\n")
    return None


def load_param_file(option: str, value: str) -> str | bytes:
    """Expand file:// (text) and fileb:// (bytes) as the AWS CLI does for every parameter."""
    try:
        loaded = _param_file(value)
    except ParamError as e:
        raise _parse_error(option, str(e)) from None
    return value if loaded is None else loaded


# ---------------------------------------------------------------- conversion by shape


def convert(option: str, shape_name: str | Shape, raw: Any, *, binary_format: str = "raw-in-base64-out") -> Any:
    """`raw` is a str (one word), a list of str (a list option) or a bool (a flag)."""
    model = shape(shape_name)
    kind = model.type_name
    if kind == "boolean":
        return raw
    value = raw
    single = raw[0] if isinstance(raw, list) and len(raw) == 1 else raw
    try:
        loaded = _param_file(single)
    except ParamError as e:
        raise _parse_error(option, str(e)) from None
    if loaded is not None:
        value = loaded
    if kind == "blob":
        return blob(option, value, binary_format)
    if kind in ("integer", "long", "float", "double"):
        return number(kind, value)
    if kind == "timestamp":
        return timestamp(value)
    if kind in ("structure", "map", "list"):
        return _complex(option, model, value)
    return value


def blob(option: str, value: str | bytes, binary_format: str) -> bytes:
    """A blob argument (param files already expanded): fileb:// bytes as they are, text as UTF-8."""
    if isinstance(value, bytes):
        return value
    if binary_format == "base64":
        # AWS CLI v2 semantics: blob arguments are base64 text.
        import base64  # with struct, ~0.5 ms that only base64 blob arguments need

        try:
            return base64.b64decode(value, validate=True)
        except binascii.Error as e:
            raise _parse_error(option, f"Invalid base64: {value!r} ({e})") from None
    # AWS CLI v1 semantics: the argument's own UTF-8 bytes (so base64 text is encoded again).
    return value.encode("utf-8")


def timestamp(value: Any) -> Any:
    """Whole epoch seconds (as botocore sends them) of a timestamp argument.

    Accepted: ISO 8601 dates and date-times (UTC unless an offset is given), epoch seconds and
    RFC 822 dates. Anything else comes back unchanged, for validation to refuse with botocore's
    "valid types: <class 'datetime.datetime'>, timestamp-string". (botocore also takes the looser
    forms of dateutil's parser, such as "Jan 1 2030"; kmscli does not depend on dateutil.)
    """
    if isinstance(value, bytes):
        try:
            text = value.decode("ascii")
        except UnicodeDecodeError:
            return value
    elif isinstance(value, str):
        text = value
    else:
        return value
    try:
        moment = _parse_moment(text.strip())
    except OverflowError:
        # botocore gives up on epoch numbers beyond what a datetime can hold with this message.
        raise ParamError(f'Unable to calculate correct timezone offset for "{text}"') from None
    if moment is None:
        return value
    return int((moment.replace(microsecond=0) - _EPOCH).total_seconds())


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _parse_moment(text: str) -> datetime | None:
    try:
        number = float(text)
    except ValueError:
        pass
    else:
        try:
            return datetime.fromtimestamp(number, UTC)
        except ValueError:
            return None
        except (OverflowError, OSError):
            return _EPOCH + timedelta(seconds=number)  # OverflowError when even that cannot hold it
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _complex(option: str, model: Shape, value: Any) -> Any:
    kind = model.type_name
    first = value[0] if isinstance(value, list) and value else value
    looks_like_json = isinstance(first, str) and first.strip().startswith(("[", "{"))
    if looks_like_json or not _takes_shorthand(model):
        return _unpack_json_or_words(option, model, value)
    if isinstance(value, bytes):
        # The AWS CLI's shorthand parser cannot read bytes (fileb://) and fails with Python's words.
        raise ParamError(
            "'in <string>' requires string as left operand, not int"
            if value
            else "a bytes-like object is required, not 'str'"
        )
    if isinstance(value, list):
        return [_shaped(model.member, parse_shorthand(option, w)) for w in value]
    parsed = parse_shorthand(option, value)
    # A list option whose single word came from a file: the parsed dict stands for the whole list.
    return parsed if kind == "list" else _shaped(model, parsed)


def _takes_shorthand(model: Shape) -> bool:
    if model.type_name == "list":
        return model.member.type_name in ("structure", "list", "map")
    return model.type_name in ("structure", "map")


def _unpack_json_or_words(option: str, model: Shape, value: Any) -> Any:
    kind = model.type_name
    if kind in ("structure", "map"):
        if _first_char(value) == "{":
            return _json(option, value)
        raise _parse_error(option, f"Invalid JSON:\n{echo(value)}")
    if kind == "list":
        if isinstance(value, str):
            if _first_char(value) == "[":
                return _json(option, value)
        elif isinstance(value, list) and len(value) == 1:
            word = value[0].strip()
            if word and word[0] == "[":
                return _json(option, value[0])
        # One element per word (or per character of a file's text, or per byte of a fileb://).
        try:
            return [_unpack_json_or_words(option, model.member, v) for v in value]
        except (ValueError, TypeError):
            raise _parse_error(option, str(value[0])) from None
    return _scalar(kind, value)


def _first_char(value: Any) -> str:
    if not isinstance(value, str):
        raise ParamError(f"'{type(value).__name__}' object has no attribute 'lstrip'")
    stripped = value.lstrip()
    if not stripped:
        # An empty or blank value: the AWS CLI fails indexing it.
        raise ParamError("string index out of range")
    return stripped[0]


def number(kind: str, value: Any) -> int | float:
    """int() or float() of a word; their ValueError text is the AWS CLI's message (exit 255)."""
    try:
        # int() accepts surrounding blanks, as the AWS CLI's conversion does.
        return int(value) if kind in ("integer", "long") else float(value)
    except ValueError as e:
        raise ParamError(str(e)) from None


def _scalar(kind: str, value: Any) -> Any:
    if kind in ("integer", "long", "float", "double"):
        return number(kind, value)
    if kind == "boolean":
        if isinstance(value, str) and value.lower() == "false":
            return False
        return bool(value)
    return value


def loads(text: str | bytes) -> Any:
    """json.loads, refusing documents nested deeper than MAX_NESTING with a ValueError."""
    try:
        value = json.loads(text)
    except RecursionError:
        value = None
    else:
        if not too_deep(value):
            return value
    raise ValueError(f"nesting deeper than {MAX_NESTING} levels")


def _json(option: str, text: str) -> Any:
    try:
        return loads(text)
    except ValueError as e:
        raise _parse_error(option, f"Invalid JSON: {e}\nJSON received: {echo(text)}") from None


def _shaped(model: Shape, value: Any) -> Any:
    """Shorthand values take the shape of the model: the AWS CLI's second pass over them."""
    return _shaped_walker().walk(model, value)


@cache
def _shaped_walker() -> ShapeWalker:
    # Made on first use: only shorthand needs it, and making a class costs every command's start-up.
    class Shaped(ShapeWalker):
        def walk_structure(self, model: Shape, value: Any) -> Any:
            if not isinstance(value, dict):
                return value
            members = model.members
            return {
                k: self.walk(members[k].shape, v) if k in members and v is not None else v for k, v in value.items()
            }

        def walk_list(self, model: Shape, value: Any) -> Any:
            if not isinstance(value, list):
                return [value]
            return [self.walk(model.member, v) for v in value]

        def walk_map(self, model: Shape, value: Any) -> Any:
            if not isinstance(value, dict):
                return value
            return {k: self.walk(model.value, v) for k, v in value.items()}

        def walk_integer(self, model: Shape, value: Any) -> Any:
            try:
                return number(model.type_name, value)
            except TypeError as e:
                raise ParamError(str(e)) from None

        walk_long = walk_float = walk_double = walk_integer

        def walk_boolean(self, model: Shape, value: Any) -> Any:
            if not isinstance(value, str):
                raise ParamError(f"'{type(value).__name__}' object has no attribute 'lower'")
            return {"true": True, "false": False}.get(value.lower(), value)

    return Shaped()


# ---------------------------------------------------------------- shorthand
# The grammar (as documented for the AWS CLI):
#   parameter = keyval *("," keyval)          keyval = key ["@"] "=" [values]
#   key       = 1*([A-Za-z0-9] / "-" / "_" / "." / "#" / "/" / ":")
#   values    = csv-list / explicit-list / hash-literal
#   csv-list  = first-value *("," second-value)     explicit-list = "[" [value *("," value)] "]"
#   hash-literal = "{" [key "=" value *("," key "=" value)] "}"
# Values may be single- or double-quoted (with \' or \" escapes), `\,` is a literal comma, and
# trailing blanks are dropped. `key@=file://path` loads the value from a file. Characters outside
# the Basic Multilingual Plane cannot appear in an unquoted value.

_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./#:")
_BLANKS = " \t\n\r\x0b\x0c"
_ASTRAL = "\U00010000-\U0010ffff"


@cache
def _patterns() -> dict[str, re.Pattern[str]]:
    start = rf"[^\x00-\x20\"',=\[{{{_ASTRAL}]"
    first_more = rf"(?:\s|[^\x00-\x20\"',\]}}{_ASTRAL}])"
    second_more = rf"(?:\s|[^\x00-\x20\"',={_ASTRAL}])"
    escaped_comma = r"\\,"
    return {
        "first": re.compile(rf"(?:{escaped_comma}|{start})(?:{escaped_comma}|{first_more})*"),
        "second": re.compile(rf"(?:{escaped_comma}|{start})(?:{escaped_comma}|{second_more})*"),
        "singled quoted": re.compile(r"'(?:\\'|[^'])*'"),
        "double quoted": re.compile(r'"(?:\\"|[^"])*"'),
    }


class _ShorthandError(Exception):
    """Malformed shorthand; reported as "Error parsing parameter '<option>': <message>"."""


class _Syntax(_ShorthandError):
    def __init__(self, text: str, expected: str, received: str, index: int) -> None:
        super().__init__(f"Expected: '{expected}', received: '{received}' for input:\n{_pointer(text, index)}")


class _DuplicateKey(_ShorthandError):
    def __init__(self, text: str, key: str, index: int) -> None:
        super().__init__(
            f'Second instance of key "{key}" encountered for input:\n{_pointer(text, index)}\n'
            'This is often because there is a preceding "," instead of a space.'
        )


def _pointer(text: str, index: int) -> str:
    """The input with a caret under `index`, on the line where `index` falls."""
    before, after = text[:index], text[index:]
    column = index - before.rindex("\n") - 1 if "\n" in before else index
    shown, rest = text, ""
    if "\n" in after:
        cut = index + after.index("\n")
        shown, rest = text[:cut], text[cut:]
    return f"{shown}\n{' ' * column}^{rest}"


def parse_shorthand(option: str, text: str) -> dict[str, Any]:
    """`text` in shorthand syntax as a dict (values str, list or dict); ParamError if malformed."""
    try:
        parsed = _Shorthand(text).parse()
    except _ShorthandError as e:
        raise _parse_error(option, echo(str(e))) from None
    except RecursionError:
        parsed = None
    if parsed is None or too_deep(parsed):
        raise _parse_error(option, f"nesting deeper than {MAX_NESTING} levels: {echo(text)}")
    return parsed


class _Shorthand:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.from_files = False  # set by `key@=`; it stays set for what follows, as in the AWS CLI

    def parse(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        key, value = self._pair()
        result[key] = value
        end = self.i
        while not self._eof():
            self._expect(",", blanks=True)
            key, value = self._pair()
            if key in result:
                raise _DuplicateKey(self.text, key, end + 1)
            result[key] = value
            end = self.i
        return result

    # -- scanning helpers

    def _eof(self) -> bool:
        return self.i >= len(self.text)

    def _peek(self) -> str:
        return "" if self._eof() else self.text[self.i]

    def _skip_blanks(self) -> None:
        while not self._eof() and self.text[self.i] in _BLANKS:
            self.i += 1

    def _expect(self, ch: str, *, blanks: bool = False) -> None:
        if blanks:
            self._skip_blanks()
        if self._eof():
            raise _Syntax(self.text, ch, "EOF", self.i)
        if self.text[self.i] != ch:
            raise _Syntax(self.text, ch, self.text[self.i], self.i)
        self.i += 1
        if blanks:
            self._skip_blanks()

    def _match(self, name: str, *, required: bool) -> str | None:
        m = _patterns()[name].match(self.text, self.i)
        if m is None:
            if required:
                raise _Syntax(self.text, f"<{name}>", "<none>", self.i)
            return None
        self.i = m.end()
        return m.group()

    # -- grammar

    def _key(self) -> str:
        start = self.i
        while not self._eof() and self.text[self.i] in _KEY_CHARS:
            self.i += 1
        return self.text[start : self.i]

    def _at_sign(self) -> bool:
        self._skip_blanks()
        if self._peek() == "@":
            self.i += 1
            self._skip_blanks()
            return True
        return False

    def _pair(self) -> tuple[str, Any]:
        key = self._key()
        self.from_files = self._at_sign()
        self._expect("=", blanks=True)
        return key, self._values()

    def _values(self) -> Any:
        if self._eof():
            return ""
        if self._peek() == "[":
            return self._list()
        if self._peek() == "{":
            return self._hash()
        return self._csv()

    def _csv(self) -> Any:
        first = self._first()
        self._skip_blanks()
        if self._eof() or self._peek() != ",":
            return first
        self._expect(",", blanks=True)
        items = [first]
        while True:
            try:
                item = self._second()
                self._skip_blanks()
                if self._eof():
                    items.append(item)
                    break
                self._expect(",", blanks=True)
                items.append(item)
            except _Syntax:
                if self._eof():
                    raise
                # What follows is the next `key=value`: back up to the comma before it.
                while self.i >= 0 and self.text[self.i] != ",":
                    self.i -= 1
                break
        return first if len(items) == 1 else items

    def _first(self) -> Any:
        if self._peek() in ("'", '"'):
            return self._quoted()
        word = self._match("first", required=False)
        return "" if word is None else self._bare(word)

    def _second(self) -> Any:
        if self._peek() in ("'", '"'):
            return self._quoted()
        word = self._match("second", required=True)
        return self._bare(word or "")

    def _bare(self, word: str) -> Any:
        return self._maybe_file(word.replace("\\,", ",").rstrip())

    def _quoted(self) -> Any:
        quote = self._peek()
        word = self._match("singled quoted" if quote == "'" else "double quoted", required=True) or ""
        inner = word[1:-1].replace("\\" + quote, quote).replace("\\\\", "\\")
        return self._maybe_file(inner)

    def _maybe_file(self, value: str) -> Any:
        if not self.from_files:
            return value
        loaded = _param_file(value)
        return value if loaded is None else loaded

    def _list(self) -> list[Any]:
        self._expect("[", blanks=True)
        items = []
        while self._peek() != "]":
            items.append(self._element())
            self._skip_blanks()
            if self._peek() != "]":
                self._expect(",")
                self._skip_blanks()
        self._expect("]")
        return items

    def _hash(self) -> dict[str, Any]:
        self._expect("{", blanks=True)
        result: dict[str, Any] = {}
        while self._peek() != "}":
            key = self._key()
            self.from_files = self._at_sign()
            self._expect("=", blanks=True)
            value = self._element()
            self._skip_blanks()
            if self._peek() != "}":
                self._expect(",")
                self._skip_blanks()
            result[key] = value
        self._expect("}")
        return result

    def _element(self) -> Any:
        if self._peek() == "[":
            return self._list()
        if self._peek() == "{":
            return self._hash()
        return self._first()
