"""Shared request and response models of the API (they also make the OpenAPI document)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["PageQuery", "StateOut", "page"]


class StateOut(BaseModel):
    """An entity's state."""

    entity_id: str
    state: str
    attributes: dict[str, Any]
    last_changed: float
    last_updated: float


class PageQuery(BaseModel):
    """Pagination: `limit` items starting at `offset`."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=10_000_000)


def page(items: list[Any], total: int, q: PageQuery) -> dict[str, Any]:
    """Return one page of a list with the offset of the next page (None at the end)."""
    nxt = q.offset + len(items)
    return {"items": items, "total": total, "limit": q.limit, "offset": q.offset,
            "next_offset": nxt if nxt < total else None}
