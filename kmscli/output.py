"""Result → AWS wire document → the bytes the AWS CLI would print.

Member names and order come from the service model's output shapes (core/servicemodel.py), so every
document is built in model order with absent (None) members left out, exactly as botocore's
parser rebuilds a KMS response. Formatting follows AWS CLI v1 (docs/decisions.md#cli).
"""

from __future__ import annotations

import binascii
import json
import sys
from datetime import UTC, datetime
from typing import Any

from kmscli.core import KmsError
from kmscli.core.servicemodel import Shape, ShapeWalker, shape


def to_wire(shape_name: str | Shape, value: Any, *, timestamp_format: str = "wire") -> Any:
    """A core value rendered as the wire document of `shape_name` (dicts in model member order)."""
    return _Wire(timestamp_format).walk(shape(shape_name), value)


class _Wire(ShapeWalker):
    def __init__(self, timestamp_format: str) -> None:
        self.timestamp_format = timestamp_format

    def walk_structure(self, shape: Shape, value: Any) -> dict[str, Any]:
        doc: dict[str, Any] = {}
        if isinstance(value, dict):
            for m in shape.members.values():
                v = value.get(m.name)
                if v is not None:
                    doc[m.name] = self.walk(m.shape, v)
            return doc
        fields = getattr(value, "_fields", ())
        if not shape.attrs.issuperset(fields):
            # A result field the shape does not name would be left out of the output unseen.
            unknown = sorted(set(fields) - shape.attrs)
            raise TypeError(f"{type(value).__name__} has fields {unknown} that shape {shape.name} lacks")
        for m in shape.members.values():
            v = getattr(value, m.attr, None)
            if v is not None:
                doc[m.name] = self.walk(m.shape, v)
        return doc

    def walk_list(self, shape: Shape, value: Any) -> list[Any]:
        return [self.walk(shape.member, v) for v in value]

    def walk_map(self, shape: Shape, value: Any) -> dict[str, Any]:
        return {k: self.walk(shape.value, v) for k, v in value.items()}

    def walk_blob(self, shape: Shape, value: Any) -> str:
        return binascii.b2a_base64(value, newline=False).decode("ascii")

    def walk_timestamp(self, shape: Shape, value: Any) -> float | str:
        return format_timestamp(value, self.timestamp_format)

    def walk_string(self, shape: Shape, value: Any) -> str:
        return str(value)  # StrEnum members print as their plain value


def format_timestamp(epoch: float, timestamp_format: str) -> float | str:
    """Epoch seconds as KMS sends them (a JSON float), or ISO 8601 for `iso8601`.

    KMS's wire timestamps are doubles, so the AWS CLI prints `1502910355.0`, never `1502910355`.
    `iso8601` is the AWS CLI's `datetime.isoformat()` in UTC: `2017-07-13T23:22:49.234000+00:00`,
    with no fraction at all when the microseconds are zero.
    """
    if timestamp_format == "iso8601":
        return datetime.fromtimestamp(epoch, UTC).isoformat()
    return float(epoch)


def result_document(output_shape: str | None, result: Any, *, timestamp_format: str = "wire") -> dict[str, Any]:
    if output_shape is None or result is None:
        return {}
    if hasattr(result, "_fields") or isinstance(result, dict):
        return dict(to_wire(output_shape, result, timestamp_format=timestamp_format))
    raise TypeError(f"cannot render {type(result).__name__}")


def render(
    document: Any, *, output: str = "json", query: Any = None, title: str | None = None, color: str = "auto"
) -> str:
    """The text AWS CLI v1 prints for `document` (after `query`); `title` heads a table."""
    if query is not None:
        document = query.search(document)
    if output == "text":
        return format_text(document)
    if output == "table":
        from kmscli import table  # only table output pays for the table code

        return table.format_table(
            document,
            title or "",
            color=table.wants_color(color, sys.stdout),
            width=table.terminal_width(sys.stdout),
        )
    # An empty response (or a query yielding {}) prints nothing at all; null prints "null".
    if document == {}:
        return ""
    # NaN and the infinities are not JSON: no value may print them (and none reaches here).
    return json.dumps(document, indent=4, ensure_ascii=False, allow_nan=False) + "\n"


# ---------------------------------------------------------------- --output text
# AWS CLI v1's text format: a dict prints its scalar members on one tab-separated line (in sorted
# key order, prefixed by the upper-cased name it is nested under), then each nested member; a list
# of dicts uses the union of their scalar keys as columns; scalars print with Python's str().


def format_text(document: Any) -> str:
    lines: list[str] = []
    _text(document, None, None, lines)
    return "".join(line + "\n" for line in lines)


def _is_scalar(v: Any) -> bool:
    return not isinstance(v, dict | list)


def _text(item: Any, identifier: str | None, columns: list[str] | None, lines: list[str]) -> None:
    if isinstance(item, dict):
        _text_dict(item, identifier, columns, lines)
    elif isinstance(item, list):
        _text_list(item, identifier, lines)
    else:
        lines.append(str(item))


def _text_list(items: list[Any], identifier: str | None, lines: list[str]) -> None:
    if not items:
        return
    if any(isinstance(el, dict) for el in items):
        columns = sorted({k for el in items for k, v in _items(el) if _is_scalar(v)})
        for el in items:
            _text(el, identifier, columns, lines)
        return
    scalars = [el for el in items if _is_scalar(el)]
    if scalars:
        if identifier is None:
            lines.append("\t".join(str(el) for el in scalars))
        else:
            lines.extend(f"{identifier.upper()}\t{el}" for el in scalars)
    for el in items:
        if not _is_scalar(el):
            _text(el, identifier, None, lines)


def _items(value: Any) -> Any:
    if not isinstance(value, dict):
        # A list mixing dicts with other values: the AWS CLI fails this way (exit 255).
        raise ValueError(f"'{type(value).__name__}' object has no attribute 'items'")
    return value.items()


def _text_dict(item: dict[str, Any], identifier: str | None, columns: list[str] | None, lines: list[str]) -> None:
    if columns is None:
        scalars = [str(v) for k, v in sorted(item.items()) if _is_scalar(v)]
        nested = [(k, v) for k, v in sorted(item.items()) if not _is_scalar(v)]
    else:
        scalars = [str(item.get(k, "")) for k in columns]
        nested = [(k, item[k]) for k in sorted(set(item) - set(columns))]
    if scalars:
        if identifier is not None:
            scalars.insert(0, identifier.upper())
        lines.append("\t".join(scalars))
    for key, value in nested:
        _text(value, key, None, lines)


def error_line(operation: str, error: KmsError) -> str:
    """What the AWS CLI prints for an error the service answered (botocore's ClientError, word for word)."""
    return f"An error occurred ({error.code}) when calling the {operation} operation: {error.message}"
