"""The JSON answers asked of an LLM: an object holding one list of strings under a key, e.g.
``{"bullets": [...]}`` or ``{"translations": [...]}``, its JSON schema, and reading it back."""

from __future__ import annotations

import json
import re
from typing import Any

_FENCE = re.compile(r"^\s*```(?:json)?\s*\n?(.*?)\n?\s*```\s*$", re.DOTALL)


def string_list_schema(key: str, n: int) -> dict[str, Any]:
    """The JSON schema of ``{key: [n non-empty strings]}``."""
    return {
        "type": "object",
        "properties": {
            key: {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": n, "maxItems": n}
        },
        "required": [key],
        "additionalProperties": False,
    }


def read_string_list(answer: str, key: str) -> list[str] | None:
    """The strings of ``{key: [...]}`` in an answer (a Markdown code fence around it is accepted),
    each with its whitespace collapsed; None when the answer is not such an object."""
    text = answer.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1).strip()
    try:
        data = json.loads(text)
    except ValueError:
        return None
    items = data.get(key) if isinstance(data, dict) else None
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        return None
    return [" ".join(item.split()) for item in items]
