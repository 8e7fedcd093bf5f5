"""JSON encoding for hub values (states, events, incidents, enums)."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Any

import orjson

__all__ = ["dumps", "dumps_fast", "to_jsonable"]


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


# Built once: json.dumps with options builds a new encoder on every call (HTTP, WebSocket).
_STDLIB_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False,
                                  default=to_jsonable).encode


def dumps(value: Any) -> str:
    """Serialise to compact JSON, understanding hub objects."""
    return _STDLIB_ENCODE(value)


# Dataclasses pass through to to_jsonable (their as_dict), so both encoders agree.
_ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS


def dumps_fast(value: Any) -> str:
    """Serialise like `dumps`, with orjson (about 10x faster) on the recorder's hot path.

    Values orjson refuses (integers past 64 bits, for example) fall back to the stdlib.
    """
    try:
        return orjson.dumps(value, default=to_jsonable, option=_ORJSON_OPTIONS).decode()
    except (orjson.JSONEncodeError, TypeError):
        return _STDLIB_ENCODE(value)
