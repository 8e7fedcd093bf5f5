"""Read-side helpers for the API: history, events, audit log, incidents; newest first, paged.

Paging is by cursor: pass a page's `next_cursor` as `cursor` to get the next (older) page.
A cursor is the last row's id, so rows written meanwhile never shift a page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from ..incidents.model import Incident
from .db import Database
from .models import AuditRow, EventRow, IncidentRow, StateRow, StatesMetaRow
from .store import incident_from_row

__all__ = ["MAX_LIMIT", "Page", "Queries"]

_T = TypeVar("_T")
MAX_LIMIT = 1000


@dataclass(slots=True)
class Page(Generic[_T]):
    """One page of results and the cursor of the next (older) page, None at the end."""

    items: list[_T] = field(default_factory=list)
    next_cursor: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the page as a JSON-ready dict."""
        items = [i.as_dict() if hasattr(i, "as_dict") else i for i in self.items]
        return {"items": items, "next_cursor": self.next_cursor}


def _limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit: expected 1-{MAX_LIMIT}, got {limit}")
    return limit


def _int_cursor(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    if not cursor.isdigit():
        raise ValueError(f"cursor: expected a cursor from a previous page, got {cursor!r}")
    return int(cursor)


class Queries:
    """Query helpers over the recorder's tables."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def history(
        self,
        entity_id: str,
        *,
        start: float | None = None,
        end: float | None = None,
        limit: int = 100,
        cursor: str | None = None,
    ) -> Page[dict[str, Any]]:
        """Return the recorded states of one entity, newest first."""
        key = select(StatesMetaRow.id).where(StatesMetaRow.entity_id == entity_id)
        stmt = select(StateRow).where(StateRow.metadata_id == key.scalar_subquery())
        stmt = _between(stmt, StateRow.last_updated, start, end)
        rows, nxt = await self._page(stmt, StateRow.id, limit, cursor)
        return Page([_state(entity_id, r) for r in rows], nxt)

    async def events(
        self,
        event_type: str | None = None,
        *,
        start: float | None = None,
        end: float | None = None,
        limit: int = 100,
        cursor: str | None = None,
    ) -> Page[dict[str, Any]]:
        """Return recorded events (of one type, if given), newest first."""
        stmt = select(EventRow)
        if event_type is not None:
            stmt = stmt.where(EventRow.event_type == event_type)
        stmt = _between(stmt, EventRow.time_fired, start, end)
        rows, nxt = await self._page(stmt, EventRow.id, limit, cursor)
        return Page([_event(r) for r in rows], nxt)

    async def audit(
        self,
        *,
        user: str | None = None,
        action: str | None = None,
        target: str | None = None,
        start: float | None = None,
        end: float | None = None,
        limit: int = 100,
        cursor: str | None = None,
    ) -> Page[dict[str, Any]]:
        """Return audit entries (filtered by user, action, target), newest first."""
        stmt = select(AuditRow)
        for column, value in (
            (AuditRow.user, user),
            (AuditRow.action, action),
            (AuditRow.target, target),
        ):
            if value is not None:
                stmt = stmt.where(column == value)
        stmt = _between(stmt, AuditRow.time, start, end)
        rows, nxt = await self._page(stmt, AuditRow.id, limit, cursor)
        return Page([_audit(r) for r in rows], nxt)

    async def incidents(
        self,
        *,
        status: Sequence[str] | None = None,
        category: Sequence[str] | None = None,
        priority: Sequence[int] | None = None,
        gate: str | None = None,
        source: str | None = None,
        include_test: bool = True,
        start: float | None = None,
        end: float | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[Incident]:
        """Return incidents with their timelines, newest first, filtered."""
        stmt = select(IncidentRow).options(selectinload(IncidentRow.steps))
        for column, values in (
            (IncidentRow.status, status),
            (IncidentRow.category, category),
            (IncidentRow.priority, priority),
        ):
            if values:
                stmt = stmt.where(column.in_(list(values)))
        if gate is not None:
            stmt = stmt.where(IncidentRow.gate == gate)
        if source is not None:
            stmt = stmt.where(IncidentRow.source == source)
        if not include_test:
            stmt = stmt.where(IncidentRow.test.is_(False))
        stmt = _between(stmt, IncidentRow.created_at, start, end)
        limit = _limit(limit)
        # Incident ids start with their creation time in ms, so id order is time order.
        if cursor is not None:
            stmt = stmt.where(IncidentRow.id < cursor)
        stmt = stmt.order_by(IncidentRow.id.desc()).limit(limit + 1)
        async with self.db.session() as session:
            rows = list((await session.scalars(stmt)).all())
        more = len(rows) > limit
        rows = rows[:limit]
        return Page([incident_from_row(r) for r in rows], rows[-1].id if more else None)

    async def count(self, table: str) -> int:
        """Return the number of rows of one recorder table (events, states, audit_log...)."""
        model = {
            "events": EventRow,
            "states": StateRow,
            "audit_log": AuditRow,
            "incidents": IncidentRow,
        }[table]
        async with self.db.session() as session:
            return int(
                (await session.execute(select(func.count()).select_from(model))).scalar_one()
            )

    async def _page(
        self, stmt: Select[Any], id_column: Any, limit: int, cursor: str | None
    ) -> tuple[list[Any], str | None]:
        limit = _limit(limit)
        before = _int_cursor(cursor)
        if before is not None:
            stmt = stmt.where(id_column < before)
        stmt = stmt.order_by(id_column.desc()).limit(limit + 1)
        async with self.db.session() as session:
            rows = list((await session.scalars(stmt)).all())
        more = len(rows) > limit
        rows = rows[:limit]
        return rows, str(rows[-1].id) if more else None


def _between(stmt: Select[Any], column: Any, start: float | None, end: float | None) -> Select[Any]:
    if start is not None:
        stmt = stmt.where(column >= start)
    if end is not None:
        stmt = stmt.where(column < end)
    return stmt


def _state(entity_id: str, row: StateRow) -> dict[str, Any]:
    return {
        "entity_id": entity_id,
        "state": row.state,
        "attributes": row.attributes,
        "last_changed": row.last_changed,
        "last_updated": row.last_updated,
        "user_id": row.user_id,
    }


def _event(row: EventRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "event_type": row.event_type,
        "time_fired": row.time_fired,
        "data": row.data,
        "context": {"user_id": row.user_id, "origin": row.origin},
    }


def _audit(row: AuditRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "time": row.time,
        "user": row.user,
        "action": row.action,
        "target": row.target,
        "details": row.details,
        "origin": row.origin,
    }
