"""Gallery persistence: people and photos in the database, photo files on disk."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from sqlalchemy import delete, select

from ..datadir import write_private_blocking
from ..recorder import Database
from .models import FacePhoto, Person

_LOGGER = logging.getLogger(__name__)

__all__ = ["GalleryStore", "PersonInfo", "PhotoInfo"]


class _Gate(Protocol):
    def hold(self) -> contextlib.AbstractAsyncContextManager[None]: ...


@dataclass(frozen=True, slots=True)
class PhotoInfo:
    """An enrolled photo as the hub keeps it."""

    id: str
    person_id: str
    platform: str
    face_id: str
    file: str
    embedding: npt.NDArray[np.float32] | None = field(default=None, repr=False, compare=False)
    quality: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class PersonInfo:
    """An enrolled person: list, group or category, source, expiry, photos."""

    id: str
    name: str
    list_name: str
    group: str
    source: str = ""
    expires_at: dt.datetime | None = None
    photos: tuple[PhotoInfo, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable summary (no embeddings, no pixels)."""
        return {
            "person_id": self.id, "name": self.name, "list": self.list_name,
            "group": self.group, "source": self.source,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "photos": [p.id for p in self.photos],
        }


class GalleryStore:
    """Reads and writes the gallery tables; photo files live under `photos_dir`."""

    def __init__(self, db: Database, photos_dir: Path, gate: _Gate | None = None) -> None:
        self.db = db
        self.photos_dir = photos_dir
        self._gate = gate

    @contextlib.asynccontextmanager
    async def _writing(self) -> AsyncIterator[None]:
        if self._gate is None:
            yield
            return
        async with self._gate.hold():
            yield

    async def add_person(self, info: PersonInfo) -> None:
        """Insert a person (without photos)."""
        async with self._writing(), self.db.session() as session, session.begin():
            session.add(Person(id=info.id, name=info.name, list_name=info.list_name,
                               group=info.group, source=info.source,
                               expires_at=info.expires_at))

    async def add_photo(self, photo: PhotoInfo, jpeg: bytes) -> None:
        """Write the photo file, then its row (a row never points at a missing file)."""
        path = self.photos_dir / photo.file
        await asyncio.to_thread(_write_file_blocking, path, jpeg)
        emb = b"" if photo.embedding is None else photo.embedding.astype("<f4").tobytes()
        async with self._writing(), self.db.session() as session, session.begin():
            session.add(FacePhoto(id=photo.id, person_id=photo.person_id,
                                  platform=photo.platform, face_id=photo.face_id,
                                  file=photo.file, embedding=emb, quality=photo.quality))

    async def delete_person(self, person_id: str) -> list[PhotoInfo]:
        """Delete a person with their photos (rows and files); return the photos removed."""
        person = await self.get(person_id)
        if person is None:
            return []
        async with self._writing(), self.db.session() as session, session.begin():
            await session.execute(delete(FacePhoto).where(FacePhoto.person_id == person_id))
            await session.execute(delete(Person).where(Person.id == person_id))
        for photo in person.photos:
            await asyncio.to_thread(_unlink_blocking, self.photos_dir / photo.file)
        return list(person.photos)

    async def get(self, person_id: str) -> PersonInfo | None:
        """Return one person with photos, or None."""
        people = await self.load(person_id)
        return people[0] if people else None

    async def load(self, person_id: str | None = None) -> list[PersonInfo]:
        """Return every person (or one) with their photos and embeddings."""
        async with self.db.session() as session:
            query = select(Person)
            photos_q = select(FacePhoto)
            if person_id is not None:
                query = query.where(Person.id == person_id)
                photos_q = photos_q.where(FacePhoto.person_id == person_id)
            persons = (await session.execute(query.order_by(Person.created_at))).scalars().all()
            rows = (await session.execute(photos_q.order_by(FacePhoto.created_at))).scalars()
            by_person: dict[str, list[PhotoInfo]] = {}
            for row in rows:
                by_person.setdefault(row.person_id, []).append(_photo(row))
        return [
            PersonInfo(p.id, p.name, p.list_name, p.group, p.source, _aware(p.expires_at),
                       tuple(by_person.get(p.id, [])))
            for p in persons
        ]

    async def ids(self) -> tuple[frozenset[str], frozenset[str]]:
        """Return the ids of every person and every photo: no embeddings, no row objects."""
        async with self.db.session() as session:
            persons = frozenset((await session.execute(select(Person.id))).scalars())
            photos = frozenset((await session.execute(select(FacePhoto.id))).scalars())
        return persons, photos

    async def read_photo(self, photo: PhotoInfo) -> bytes:
        """Return an enrolled photo's JPEG bytes."""
        return await asyncio.to_thread((self.photos_dir / photo.file).read_bytes)


def _photo(row: FacePhoto) -> PhotoInfo:
    emb = np.frombuffer(row.embedding, dtype="<f4").astype(np.float32) if row.embedding else None
    return PhotoInfo(row.id, row.person_id, row.platform, row.face_id, row.file, emb,
                     dict(row.quality or {}))


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite returns naive datetimes even for timezone=True columns; they were stored in UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def _write_file_blocking(path: Path, data: bytes) -> None:
    write_private_blocking(path, data)


def _unlink_blocking(path: Path) -> None:
    path.unlink(missing_ok=True)
