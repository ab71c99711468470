"""The AWS CLI's auto-pagination over the List* operations (--max-items, --starting-token, --page-size).

The core pages with Limit/Marker like KMS; this module follows NextMarker while Truncated, merges
the result lists, and cuts at --max-items with the same NextToken botocore's paginator prints
(base64 of {"Marker": <marker of the page that was cut>, "boto_truncate_amount": <n>}).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any

from kmscli import core


class Pagination:
    def __init__(self, operation: str, max_items: int | None, starting_token: str | None, page_size: int | None):
        paginator = core.PAGINATORS[operation]
        self.input_token: str = paginator["input_token"]
        self.output_token: str = paginator["output_token"]
        self.more_results: str = paginator["more_results"]
        self.limit_key: str = paginator["limit_key"]
        self.result_key: str = paginator["result_key"]
        self.max_items = max_items
        self.page_size = page_size
        self.marker, self.skip = _decode_token(starting_token)

    def collect(self, call_page: Callable[[dict[str, Any]], dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
        """Call pages (each returning its wire document) and build the merged document."""
        params = dict(params)
        if self.page_size is not None:
            params[self.limit_key] = self.page_size
        marker, skip = self.marker, self.skip
        items: list[Any] = []
        # What each page contributed, for text output, which the AWS CLI prints page by page.
        self.pages: list[list[Any]] = []
        next_token: dict[str, Any] | None = None
        while True:
            if marker is not None:
                params[self.input_token] = marker
            page = call_page(params)
            page_items = page.get(self.result_key, [])[skip:]
            more = bool(page.get(self.more_results)) and page.get(self.output_token) is not None
            if self.max_items is not None and len(items) + len(page_items) > self.max_items:
                kept = self.max_items - len(items)
                items.extend(page_items[:kept])
                self.pages.append(page_items[:kept])
                next_token = {"Marker": marker, "boto_truncate_amount": skip + kept}
                break
            items.extend(page_items)
            self.pages.append(page_items)
            if not more:
                break
            if self.max_items is not None and len(items) == self.max_items:
                next_token = {"Marker": page[self.output_token]}
                break
            marker, skip = page[self.output_token], 0
        document: dict[str, Any] = {self.result_key: items}
        if next_token is not None:
            document["NextToken"] = base64.b64encode(json.dumps(next_token).encode()).decode("ascii")
        return document


def page_documents(pagination: Pagination, document: dict[str, Any]) -> list[dict[str, Any]]:
    """The documents the AWS CLI formats one by one in text output: each page, then the NextToken.

    Its text formatter applies --query to each of them separately (so `length(Keys)` prints one
    number per page), and wraps the token as {"NextToken": {"NextToken": ...}}.
    """
    documents: list[dict[str, Any]] = [{pagination.result_key: page} for page in pagination.pages]
    if "NextToken" in document:
        documents.append({"NextToken": {"NextToken": document["NextToken"]}})
    return documents


def _decode_token(token: str | None) -> tuple[str | None, int]:
    """A NextToken printed earlier; anything else is taken as a raw Marker, as the AWS CLI does."""
    if token is None:
        return None, 0
    try:
        decoded = json.loads(base64.b64decode(token, validate=True))
    except (binascii.Error, ValueError):
        return token, 0
    if not isinstance(decoded, dict):
        return token, 0
    return decoded.get("Marker"), int(decoded.get("boto_truncate_amount", 0))
