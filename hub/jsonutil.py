"""JSON encoding for hub values (states, events, incidents, enums)."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Any

__all__ = ["dumps", "to_jsonable"]


def to_jsonable(value: Any) -> Any:
    """Return `value` with hub objects turned into JSON-ready data."""
    if hasattr(value, "as_dict"):
        return value.as_dict()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(value: Any) -> str:
    """Serialise to compact JSON, understanding hub objects."""
    return json.dumps(value, default=to_jsonable, separators=(",", ":"), ensure_ascii=False)
