"""Policy text as KMS stores it: the one formatter of every policy kmscli writes.

KMS keeps a policy as text formatted by its JSON library (Jackson's pretty-printer), and answers
GetKeyPolicy with that text, so the default key policy, the AWS managed keys' policy and the
console's policy are all written here, byte for byte as KMS shows them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def jackson(value: Any, depth: int = 0) -> str:
    """JSON as KMS's Jackson pretty-printer writes it: objects one member a line at two spaces a
    level, `" : "` after names, arrays inline as `[ a, b ]` (so `[ {` ... `} ]`), no final newline.
    """
    if isinstance(value, Mapping):
        if not value:
            return "{ }"
        pad = "  " * (depth + 1)
        members = ",\n".join(
            f"{pad}{json.dumps(k, ensure_ascii=False)} : {jackson(v, depth + 1)}" for k, v in value.items()
        )
        return "{\n" + members + "\n" + "  " * depth + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[ ]"
        # Arrays do not indent: their objects keep the depth of the object holding the array.
        return "[ " + ", ".join(jackson(v, depth) for v in value) + " ]"
    return json.dumps(value, ensure_ascii=False)
