"""Gallery tables: enrolled people and their photos with embeddings (on the recorder's Base)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..recorder import Base, utcnow

__all__ = ["FACE_TABLES", "FacePhoto", "Person"]


class Person(Base):
    """Someone on the allow list (with a group) or the watch list (with a category)."""

    __tablename__ = "faces_persons"
    __table_args__ = (Index("ix_faces_persons_list", "list_name"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: "allow" or "watch".
    list_name: Mapped[str] = mapped_column(String(8))
    #: allow: group (staff, student, parent, guard); watch: category (wanted, at_risk...).
    group: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(200), default="")
    expires_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    notes: Mapped[str] = mapped_column(String(2000), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    photos: Mapped[list[FacePhoto]] = relationship(
        back_populates="person", cascade="all, delete-orphan", lazy="raise"
    )


class FacePhoto(Base):
    """One enrolled photo: where the file is, the recognizer's face id and the embedding."""

    __tablename__ = "faces_photos"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("faces_persons.id", ondelete="CASCADE"),
                                           index=True)
    #: The recognizer platform that enrolled it and that platform's face id.
    platform: Mapped[str] = mapped_column(String(64))
    face_id: Mapped[str] = mapped_column(String(64))
    #: File name under <data_dir>/faces/photos/.
    file: Mapped[str] = mapped_column(String(200))
    #: float32 little-endian bytes; empty for remote recognizers that keep their own.
    embedding: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    quality: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    person: Mapped[Person] = relationship(back_populates="photos", lazy="raise")


FACE_TABLES = [Person.__table__, FacePhoto.__table__]
