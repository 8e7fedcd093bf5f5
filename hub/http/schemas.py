"""Shared request and response models of the API (they also make the OpenAPI document)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["PageQuery", "StateOut", "page", "page_offset"]


class StateOut(BaseModel):
    """An entity's state."""

    entity_id: str
    state: str
    attributes: dict[str, Any]
    last_changed: float
    last_updated: float


class PageQuery(BaseModel):
    """Pagination: `limit` items; pass a page's `next_cursor` as `cursor` for the next one."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=50, ge=1, le=500)
    cursor: str | None = Field(default=None, max_length=64, pattern=r"^[0-9a-f]+$")


def page_offset(q: PageQuery) -> int:
    """Return the offset an in-memory list's cursor stands for (cursors are hex offsets)."""
    # A forged, huge cursor must not overflow the database's 64-bit OFFSET (fuzzing found it):
    # anything past the end simply gives an empty page.
    return min(int(q.cursor, 16), _MAX_OFFSET) if q.cursor else 0


_MAX_OFFSET = 2**62


def page(items: list[Any], q: PageQuery, total: int | None = None,
         next_cursor: str | None = None) -> dict[str, Any]:
    """Return one page: `items` and the `next_cursor` (None at the end).

    For an in-memory list give `total` (the cursor is then the next offset); for a database
    query give the `next_cursor` it returned.
    """
    if total is not None:
        nxt = page_offset(q) + len(items)
        next_cursor = format(nxt, "x") if nxt < total else None
    return {"items": items, "next_cursor": next_cursor}
