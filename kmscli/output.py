"""Result → AWS wire document → the bytes the AWS CLI would print.

Member names and order come from the service model's output shapes (core.SHAPES), so every
document is built in model order with absent (None) members left out, exactly as botocore's
parser rebuilds a KMS response. Formatting follows AWS CLI v1 (docs/decisions.md#cli).
"""

from __future__ import annotations

import binascii
import json
import sys
from datetime import UTC, datetime
from typing import Any

from kmscli.core import SHAPES, KmsError


def to_wire(shape_name: str, value: Any, *, timestamp_format: str = "wire") -> Any:
    """A core value rendered as the wire document of `shape_name` (dicts in model member order)."""
    shape = SHAPES[shape_name]
    kind = shape["type"]
    if kind == "structure":
        doc: dict[str, Any] = {}
        for member, snake, sub in shape["members"]:
            v = value.get(member) if isinstance(value, dict) else getattr(value, snake, None)
            if v is not None:
                doc[member] = to_wire(sub, v, timestamp_format=timestamp_format)
        return doc
    if kind == "list":
        return [to_wire(shape["member"], v, timestamp_format=timestamp_format) for v in value]
    if kind == "map":
        return {k: to_wire(shape["value"], v, timestamp_format=timestamp_format) for k, v in value.items()}
    if kind == "blob":
        return binascii.b2a_base64(value, newline=False).decode("ascii")
    if kind == "timestamp":
        return format_timestamp(value, timestamp_format)
    if kind == "string":
        return str(value)  # StrEnum members print as their plain value
    return value


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
