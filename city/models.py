"""The platform's tables in PostgreSQL (times are epoch seconds, as in the hub's recorder)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Double, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "Audit",
    "CityBase",
    "Command",
    "CommandDelivery",
    "Device",
    "DeviceStatus",
    "GateDuties",
    "Incident",
    "IncidentStep",
    "School",
    "SchoolUptime",
    "Session",
    "User",
]


class CityBase(DeclarativeBase):
    """Base of the platform's tables (a database of its own, not the hub's)."""

    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, float: Double}


class School(CityBase):
    """A school, its district and its link state (last heartbeat, broker status)."""

    __tablename__ = "schools"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    district: Mapped[str] = mapped_column(String(64), index=True)
    live_view_url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[float]
    last_heartbeat_at: Mapped[float | None]
    heartbeat_interval: Mapped[float | None]
    heartbeat_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    link_status: Mapped[str | None] = mapped_column(String(16))
    link_status_at: Mapped[float | None]


class SchoolUptime(CityBase):
    """Seconds a school was heard from (heartbeats) on one UTC day: its availability."""

    __tablename__ = "school_uptime"

    school_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    online_seconds: Mapped[float] = mapped_column(default=0.0)
    heartbeats: Mapped[int] = mapped_column(Integer, default=0)


class GateDuties(CityBase):
    """The latest five-duty status of one gate."""

    __tablename__ = "gate_duties"

    school_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    gate: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[float]
    duties: Mapped[dict[str, Any]]


class Incident(CityBase):
    """An incident as its school last reported it (the highest revision seen)."""

    __tablename__ = "incidents"
    __table_args__ = (Index("ix_city_incidents_status", "status", "created_at"),
                      Index("ix_city_incidents_created", "created_at"))

    school_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    category: Mapped[str] = mapped_column(String(64))
    priority: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text)
    gate: Mapped[str | None] = mapped_column(String(64))
    test: Mapped[bool] = mapped_column(Boolean)
    classification: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[float]
    updated_at: Mapped[float]
    acknowledged_at: Mapped[float | None]
    revision: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[float]
    body: Mapped[dict[str, Any]]


class IncidentStep(CityBase):
    """One step of an incident's timeline (one per revision), guard's or platform's."""

    __tablename__ = "incident_steps"

    school_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    incident_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(255))
    at: Mapped[float]
    note: Mapped[str] = mapped_column(Text)
    received_at: Mapped[float]


class Device(CityBase):
    """The latest availability of one device of a school."""

    __tablename__ = "devices"

    school_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(255))
    available: Mapped[bool] = mapped_column(Boolean)
    state: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[float]


class DeviceStatus(CityBase):
    """Device availability history (one row per reported change)."""

    __tablename__ = "device_status"

    school_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    at: Mapped[float] = mapped_column(primary_key=True)
    available: Mapped[bool] = mapped_column(Boolean)
    state: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)


class Command(CityBase):
    """A command sent down from the platform (incident step or broadcast)."""

    __tablename__ = "commands"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    scope: Mapped[str] = mapped_column(String(16))
    target: Mapped[str | None] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[float]


class CommandDelivery(CityBase):
    """A command's delivery to one school and that school's acknowledgement."""

    __tablename__ = "command_deliveries"

    command_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    school_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    sent_at: Mapped[float]
    acked_at: Mapped[float | None]
    ok: Mapped[bool | None] = mapped_column(Boolean)
    error: Mapped[str | None] = mapped_column(Text)


class User(CityBase):
    """A console user: city_admin, dispatcher, district_officer (with a district) or viewer."""

    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(32))
    district: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[float]
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)


class Session(CityBase):
    """A console login (the cookie holds the secret; only its SHA-256 is stored)."""

    __tablename__ = "sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[float]
    expires_at: Mapped[float]


class Audit(CityBase):
    """Who did what on the console."""

    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    at: Mapped[float]
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]]
