"""--output table: the boxed tables of AWS CLI v1, byte for byte.

The rules, as the AWS CLI applies them (awscli/formatter.py, awscli/table.py):

* The document becomes a list of sections. The first is titled with the operation name; every
  nested dict or list becomes a section titled with its member name, one indent level deeper
  (each level adds a `|` on both sides).
* A dict's scalar members form one row under a header row of their names (sorted); a dict with
  exactly one scalar member is one `name | value` row without a header. A list of dicts is one
  header row (the sorted union of their scalar keys) and one row per element; when the elements
  have nested members, each element after the first repeats the section and its header.
  A list of scalars is one row per element.
* Every section is stretched to the width of the widest one; columns are the widest cell plus
  four, scaled proportionally (Python's round-half-even) with the rounding error taken from the
  first columns (or given to the last ones).
* If the widest section is wider than the terminal (80 when stdout is not a terminal), each
  section with exactly one row under a header is turned into `header | value` rows, which is why
  describe-key prints vertically.
* Widths count East Asian wide, full-width and ambiguous characters as two columns.
* Colour (the AWS CLI's ColorizedStyler behind colorama with autoreset): values are bright
  blue, nesting bars dim yellow, and every write to the terminal is followed by a reset code,
  so coloured output ends with a reset rather than a newline.
* Falsy results (`null`, `[]`, `{}`, `""`, `0`, `false`) print nothing; any other scalar prints
  only the title box, its value is lost.
"""

from __future__ import annotations

import unicodedata
from typing import Any

_RESET = "\x1b[0m"
_VALUE_STYLE = "\x1b[1m\x1b[34m"
_BAR_STYLE = "\x1b[2m\x1b[33m"


def display_width(value: Any) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in str(value))


class _Section:
    """One titled block: optional header row, rows of cells, and the widest cell per column."""

    __slots__ = ("columns", "headers", "indent", "rows", "title", "widest")

    def __init__(self, title: Any, indent: int) -> None:
        self.title = title
        self.indent = indent
        self.headers: list[str] = []
        self.rows: list[list[str]] = []
        self.columns: int | None = None
        self.widest: list[int] = []

    def set_headers(self, headers: list[str]) -> None:
        self._widen(headers)
        if self.columns is None:
            self.columns = len(headers)
        self.headers = headers

    def add_row(self, cells: list[Any]) -> None:
        if self.columns is None:
            self.columns = len(cells)
        if len(cells) != self.columns:
            # The AWS CLI fails the same way (exit 255) when a query mixes rows of different lengths.
            raise ValueError(f"Row should have {self.columns} elements, instead it has {len(cells)}")
        row = [str(c) for c in cells]
        self.rows.append(row)
        self._widen(row)

    def _widen(self, cells: list[str]) -> None:
        if not self.widest:
            self.widest = [display_width(c) for c in cells]
            return
        for i, cell in enumerate(cells):
            if i >= len(self.widest):
                raise ValueError("list index out of range")
            self.widest[i] = max(self.widest[i], display_width(cell))

    def natural_width(self) -> int:
        border = 2 + 2 * self.indent
        cells = sum(w + 4 for w in self.widest) + border
        return max(display_width(self.title) + border, cells)

    def column_widths(self, total: int) -> list[int]:
        """Each column's width once the section is stretched (or squeezed) to `total`."""
        natural = [w + 4 for w in self.widest]
        if not natural:
            return []
        factor = total / float(sum(natural))
        widths = [round(factor * w) for w in natural]  # round half to even, as the AWS CLI
        excess = sum(widths) - total
        while excess:
            order = range(len(widths)) if excess > 0 else reversed(range(len(widths)))
            for i in order:
                step = 1 if excess > 0 else -1
                widths[i] -= step
                excess -= step
                if not excess:
                    break
        return widths


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, dict | list)


class _Builder:
    """Turns a document into sections, the way the AWS CLI's table formatter walks it."""

    def __init__(self) -> None:
        self.sections: list[_Section] = []

    @property
    def current(self) -> _Section:
        return self.sections[-1]

    def build(self, title: Any, value: Any, indent: int = 0) -> bool:
        if not value:
            return False
        if title is not None:
            self.sections.append(_Section(title, indent))
        if isinstance(value, list):
            if isinstance(value[0], dict):
                self._list_of_dicts(value, indent, title)
            else:
                for item in value:
                    if _is_scalar(item):
                        self.current.add_row([item])
                    elif all(_is_scalar(el) for el in item):
                        # A dict in this position contributes its keys, as iterating it does.
                        self.current.add_row(list(item))
                    else:
                        self.build(None, item)
        if isinstance(value, dict):
            self._dict(value, indent)
        return True

    def _dict(self, value: dict[str, Any], indent: int) -> None:
        scalars, nested = _split_keys(value)
        if len(scalars) == 1:
            self.current.add_row([scalars[0], value[scalars[0]]])
        elif scalars:
            self.current.set_headers(scalars)
            self.current.add_row([value[k] for k in scalars])
        for key in nested:
            self.build(key, value[key], indent + 1)

    def _list_of_dicts(self, items: list[Any], indent: int, title: Any) -> None:
        scalar_keys: set[Any] = set()
        nested_keys: set[Any] = set()
        for item in items:
            scalars, nested = _split_keys(item)
            scalar_keys.update(scalars)
            nested_keys.update(nested)
        headers = _sorted(scalar_keys)
        more = _sorted(nested_keys)
        self.current.set_headers(headers)
        for i, item in enumerate(items):
            if i and more:
                self.sections.append(_Section(title, indent))
                self.current.set_headers(headers)
            with _AsValueError():
                # Elements that are not dicts fail here as they fail in the AWS CLI (exit 255).
                self.current.add_row([item.get(h, "") for h in headers])
                children = [(key, item[key]) for key in more if key in item]
            for key, child in children:
                self.build(key, child, indent + 1)


class _AsValueError:
    """Python's own error for a lookup the AWS CLI also attempts, as a ValueError (exit 255).

    A list that starts with a dict but holds other values makes the AWS CLI look keys up in those
    values; kmscli does the same lookups, so the messages are Python's, word for word."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, error: BaseException | None, tb: Any) -> None:
        if isinstance(error, AttributeError | TypeError | IndexError):
            raise ValueError(str(error)) from None


def _sorted(keys: set[Any]) -> list[Any]:
    try:
        return sorted(keys)
    except TypeError as e:  # keys of different types, from lists posing as dicts
        raise ValueError(str(e)) from None


def _split_keys(value: Any) -> tuple[list[Any], list[Any]]:
    """Sorted scalar keys and sorted nested keys of a dict (or of whatever the AWS CLI treats as one)."""
    scalars: list[Any] = []
    nested: list[Any] = []
    with _AsValueError():
        for key in value:
            (scalars if _is_scalar(value[key]) else nested).append(key)
        scalars.sort()
        nested.sort()
    return scalars, nested


def _to_vertical(sections: list[_Section]) -> list[_Section]:
    out = []
    for section in sections:
        if len(section.rows) == 1 and section.headers:
            vertical = _Section(section.title, section.indent)
            for header, cell in zip(section.headers, section.rows[0], strict=False):
                vertical.add_row([header, cell])
            section = vertical
        out.append(section)
    return out


def _centered(text: str, width: int, left: str, right: str, text_width: int) -> str:
    start = width // 2 - text_width // 2 - 1
    used = len(left) + start + text_width
    return left + " " * start + text + " " * (width - len(right) - used) + right


def _left_aligned(text: str, width: int, left: str, right: str, text_width: int) -> str:
    padding = 2 if width - (text_width + 2 + len(left) + len(right)) >= 0 else 0
    used = len(left) + padding + text_width
    return left + " " * padding + text + " " * (width - used - len(right)) + right


class _Writer:
    """Collects the writes the AWS CLI makes, so colour can add colorama's reset after each one."""

    def __init__(self, color: bool) -> None:
        self.color = color
        self.writes: list[str] = []

    def value(self, text: str) -> str:
        return _VALUE_STYLE + text + _RESET if self.color else text

    def bar(self) -> str:
        return _BAR_STYLE + "|" + _RESET if self.color else "|"

    def line(self, text: str, indent: int) -> None:
        bars = self.bar() * indent
        self.writes.extend((bars, text, bars, "\n"))

    def text(self) -> str:
        if self.color:
            return "".join(w + _RESET for w in self.writes)
        return "".join(self.writes)


def _rule(widths: list[int]) -> str:
    return "+" + "+".join("-" * (w - 2 if i == 0 else w - 1) for i, w in enumerate(widths)) + "+"


def _render_section(section: _Section, total: int, out: _Writer) -> None:
    width = total - 2 * section.indent
    indent = section.indent
    if section.title:
        out.line(_centered(str(section.title), width, "|", "|", display_width(section.title)), indent)
        if not section.headers and not section.rows:
            out.line("+" + "-" * (width - 2) + "+", indent)
    if section.headers:
        widths = section.column_widths(width)
        cells = [
            _centered(h, w, "" if i else "|", "|", display_width(h))
            for i, (w, h) in enumerate(zip(widths, section.headers, strict=False))
        ]
        out.line(_rule(widths), indent)
        out.line("".join(cells), indent)
    if section.rows:
        widths = section.column_widths(width)
        if not widths:
            return
        out.line(_rule(widths), indent)
        for row in section.rows:
            cells = [
                _left_aligned(out.value(cell), w, "" if i else "|", "|", display_width(cell))
                for i, (w, cell) in enumerate(zip(widths, row, strict=False))
            ]
            out.line("".join(cells), indent)
        out.line(_rule(widths), indent)


def format_table(document: Any, title: str, *, color: bool = False, width: int = 80) -> str:
    """The table AWS CLI v1 prints for `document` under `title`; "" when it prints nothing."""
    builder = _Builder()
    if not builder.build(title, document):
        return ""
    sections = builder.sections
    total = max(s.natural_width() for s in sections)
    if total > width:
        sections = _to_vertical(sections)
        total = max(s.natural_width() for s in sections)
    out = _Writer(color)
    out.writes.append("-" * total + "\n")
    for section in sections:
        _render_section(section, total, out)
    return out.text()


def terminal_width(stream: Any) -> int:
    """The terminal's width as the AWS CLI reads it (ioctl on stdout), 80 when there is none."""
    import os

    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return 80


def wants_color(color: str, stream: Any) -> bool:
    """--color on|off|auto; auto colours only a terminal, as the AWS CLI does."""
    if color == "on":
        return True
    if color == "off":
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
