"""JSON for hub values: encoders that always write standard JSON, and a strict input parser.

Every JSON document the hub takes in (HTTP bodies, WebSocket messages) goes through
`loads_input`: NaN, Infinity, numbers past the float range and text that is not Unicode
(a lone surrogate such as "\\ud800") are refused with the field that holds them. Every
document it writes goes through `dumps`, which never writes NaN or Infinity (they become
null, as orjson writes them) nor a lone surrogate (U+FFFD), so a strict receiver can always
read it.
"""

from __future__ import annotations

import json
import math
from enum import Enum
from pathlib import Path
from typing import Any

import orjson

from .fieldpath import format_path

__all__ = ["JsonInputError", "check_input", "dumps", "dumps_fast", "loads_input", "to_jsonable"]


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


# Dataclasses pass through to to_jsonable (their as_dict), so both encoders agree.
_ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS
# The stdlib encoder, for what orjson refuses (integers past 64 bits, text with a lone
# surrogate). Built once: json.dumps with options builds a new encoder on every call.
# allow_nan=False: a non-finite number raises, and it is written as null instead.
_STDLIB_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False,
                                  default=to_jsonable).encode
_LENIENT_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False,
                                   default=to_jsonable).encode


def dumps(value: Any) -> str:
    """Serialise to compact JSON, understanding hub objects; the text is always standard.

    orjson first (about 10x faster than the stdlib). NaN and Infinity are written as null;
    a lone surrogate (text a plugin decoded with `surrogateescape`, say) as U+FFFD, so the
    answer always encodes as UTF-8 and one odd value cannot break a whole response.
    """
    try:
        return orjson.dumps(value, default=to_jsonable, option=_ORJSON_OPTIONS).decode()
    except (orjson.JSONEncodeError, TypeError):
        return _dumps_stdlib(value)


#: The recorder's name for `dumps` (it was once a separate, faster encoder).
dumps_fast = dumps


def _dumps_stdlib(value: Any) -> str:
    try:
        text = _STDLIB_ENCODE(value)
    except ValueError as exc:
        if "Out of range float" not in str(exc):
            raise
        # A non-finite number somewhere: parse what the lenient encoder writes (hub objects
        # already turned into plain data) and replace them.
        text = _STDLIB_ENCODE(_finite(json.loads(_LENIENT_ENCODE(value))))
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates -> U+FFFD (a surrogate pair is joined)
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value


# ---------------------------------------------------------------------- input


class JsonInputError(ValueError):
    """A JSON input the hub refuses; `field` says where (`body.data.level`), `reason` why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def loads_input(raw: str | bytes, root: str = "body") -> Any:
    """Parse a JSON document from a client; refuse what `check_input` refuses.

    Raise JsonInputError naming `root` for text that is not JSON (or nested too deeply
    for the parser), and naming the field for a value the hub cannot keep.
    """
    try:
        value = json.loads(raw)
    except RecursionError:
        raise JsonInputError(root or "message", "nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise JsonInputError(root or "message", f"not valid JSON ({exc})") from None
    check_input(value, root)
    return value


def check_input(value: Any, root: str = "") -> None:
    """Raise JsonInputError for NaN, Infinity, or text with a lone surrogate in `value`.

    Such values cannot be stored (UTF-8 has no surrogates) or written back as standard
    JSON, so they are refused where they come in, with the field that holds them.
    """
    base: tuple[str | int, ...] = (root,) if root else ()
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, base)]
    while stack:  # iterative: a deep document cannot exhaust Python's recursion limit
        item, path = stack.pop()
        if isinstance(item, str):
            _check_text(item, path)
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise JsonInputError(_where(path), f"{item} is not a number JSON allows "
                                     "(NaN and Infinity are refused)")
        elif isinstance(item, dict):
            for key, child in item.items():
                _check_text(key, path, key=True)
                stack.append((child, (*path, key)))
        elif isinstance(item, list):
            stack.extend((child, (*path, index)) for index, child in enumerate(item))


def _check_text(text: str, path: tuple[str | int, ...], key: bool = False) -> None:
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        where = _where(path if not key else (*path, text.encode("utf-8", "replace").decode()))
        raise JsonInputError(where, f"text with a character that is not Unicode "
                             f"(U+{ord(text[exc.start]):04X}, a lone surrogate) is refused"
                             ) from None


def _where(path: tuple[str | int, ...]) -> str:
    return format_path(path) if path else "message"
