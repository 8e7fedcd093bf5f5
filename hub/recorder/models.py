"""The recorder's tables: events, state history, audit log, incidents, timeline, outbox.

Times are epoch seconds (UTC) as double precision, like the in-memory `Event`, `State` and
`Incident` values: one number compares and indexes the same way on SQLite and PostgreSQL
(Home Assistant's recorder moved to float timestamps for the same reason).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Double,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..uplinks.queue import Status as OutboxStatus
from .db import Base

__all__ = [
    "AuditRow",
    "EventRow",
    "IncidentRow",
    "IncidentStepRow",
    "OutboxRow",
    "OutboxStatus",
    "StateRow",
    "StatesMetaRow",
]

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
_BigId = BigInteger().with_variant(Integer(), "sqlite")


class EventRow(Base):
    """A bus event (all types except state_changed and audit_logged, kept apart)."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_type_time", "event_type", "time_fired"),)

    id: Mapped[int] = mapped_column(_BigId, primary_key=True)
    event_type: Mapped[str] = mapped_column(String(64))
    time_fired: Mapped[float] = mapped_column(Double, index=True)
    data: Mapped[dict[str, Any]]
    user_id: Mapped[str | None] = mapped_column(String(64))
    origin: Mapped[str] = mapped_column(String(32))


class StatesMetaRow(Base):
    """One entity id, stored once; state rows point at it by a small integer.

    An integer key keeps the `states` index narrow: with the entity id string in every row
    and in the index, SQLite wrote about a third as many state rows per second
    (bench/README.md, "Recorder"). Home Assistant's `states_meta` does the same.
    """

    __tablename__ = "states_meta"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(255), unique=True)


class StateRow(Base):
    """One state of one entity; `state` is None when the entity was removed.

    There is no index on time alone: retention deletes in id order (ids grow with time),
    and history is read per entity through `(metadata_id, last_updated)`.
    """

    __tablename__ = "states"
    __table_args__ = (Index("ix_states_metadata_time", "metadata_id", "last_updated"),)

    id: Mapped[int] = mapped_column(_BigId, primary_key=True)
    metadata_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("states_meta.id", name="fk_states_metadata_id_states_meta")
    )
    state: Mapped[str | None] = mapped_column(String(255))
    attributes: Mapped[dict[str, Any]]
    last_changed: Mapped[float] = mapped_column(Double)
    last_updated: Mapped[float] = mapped_column(Double)
    user_id: Mapped[str | None] = mapped_column(String(64))


class AuditRow(Base):
    """Who did what, from `audit_logged` events; never purged by the running hub."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(_BigId, primary_key=True)
    time: Mapped[float] = mapped_column(Double, index=True)
    user: Mapped[str] = mapped_column(String(255), index=True)
    action: Mapped[str] = mapped_column(String(128), index=True)
    target: Mapped[str | None] = mapped_column(String(255))
    details: Mapped[dict[str, Any]]
    origin: Mapped[str] = mapped_column(String(32))


class IncidentRow(Base):
    """An incident's current record; its history is in `incident_steps`."""

    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_status_created", "status", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    category: Mapped[str] = mapped_column(String(64), index=True)
    priority: Mapped[int] = mapped_column(SmallInteger)
    site: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(255), index=True)
    gate: Mapped[str | None] = mapped_column(String(64))
    cameras: Mapped[list[Any]]
    snapshots: Mapped[list[Any]]
    data: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16))
    classification: Mapped[str | None] = mapped_column(String(32))
    test: Mapped[bool]
    created_at: Mapped[float] = mapped_column(Double, index=True)
    updated_at: Mapped[float] = mapped_column(Double)
    revision: Mapped[int]
    steps: Mapped[list[IncidentStepRow]] = relationship(
        back_populates="incident", order_by="IncidentStepRow.seq", lazy="raise"
    )


class IncidentStepRow(Base):
    """One timeline step; `seq` is its position in the incident's timeline."""

    __tablename__ = "incident_steps"
    __table_args__ = (UniqueConstraint("incident_id", "seq", name="uq_incident_steps_seq"),)

    id: Mapped[int] = mapped_column(_BigId, primary_key=True)
    incident_id: Mapped[str] = mapped_column(String(32), ForeignKey("incidents.id"))
    seq: Mapped[int]
    action: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(255))
    at: Mapped[float] = mapped_column(Double)
    note: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]]
    incident: Mapped[IncidentRow] = relationship(back_populates="steps", lazy="raise")


class OutboxRow(Base):
    """A message to one uplink: about an incident (written in the transaction of the step it
    is about) or appended durably (a face capture, device status, an event).

    `incident_id` is None for messages about no incident. `ordering_key` groups the items an
    uplink delivers in order (an incident's revisions; one camera's captures).
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("uplink", "idempotency_key", name="uq_outbox_uplink_key"),
        Index("ix_outbox_uplink_status_id", "uplink", "status", "id"),
    )

    id: Mapped[int] = mapped_column(_BigId, primary_key=True)
    uplink: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(128))
    incident_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("incidents.id"), index=True
    )
    revision: Mapped[int]
    idempotency_key: Mapped[str] = mapped_column(String(255))
    ordering_key: Mapped[str] = mapped_column(String(255))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int]
    next_attempt_at: Mapped[float] = mapped_column(Double)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[float] = mapped_column(Double)
    delivered_at: Mapped[float | None] = mapped_column(Double)
