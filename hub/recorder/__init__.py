"""The recorder: events, state history, incidents, audit log and outbox in SQL."""

from .db import Base, Database, utcnow

__all__ = ["Base", "Database", "utcnow"]
