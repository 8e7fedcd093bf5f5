"""The gallery: people on the allow and watch lists, kept in step with the recognizer."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import cv2
import numpy as np

from .recognizer import FaceRejected, GalleryEntry, Recognizer, RejectReason
from .store import GalleryStore, PersonInfo, PhotoInfo

_LOGGER = logging.getLogger(__name__)

__all__ = ["Gallery"]

LISTS = ("allow", "watch")


class Gallery:
    """People and photos (database) plus the recognizer's copy (index or remote service).

    The person id is the recognizer's subject, so a match maps straight back to a person.
    """

    def __init__(self, store: GalleryStore, recognizer: Recognizer) -> None:
        self.store = store
        self.recognizer = recognizer
        self._people: dict[str, PersonInfo] = {}
        self._lock = asyncio.Lock()
        self._counts: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self._people)

    @property
    def by_id(self) -> Mapping[str, PersonInfo]:
        """Return everyone by person id (read-only view, no copy)."""
        return MappingProxyType(self._people)

    def face_counts(self) -> dict[str, int]:
        """Return how many faces each list holds in the recognizer (what a search compares)."""
        if self._counts is None:
            mine = self.recognizer.platform
            counts = dict.fromkeys(LISTS, 0)
            for person in self._people.values():
                counts[person.list_name] = counts.get(person.list_name, 0) + sum(
                    1 for ph in person.photos if ph.platform == mine)
            self._counts = counts
        return self._counts

    def person(self, person_id: str) -> PersonInfo | None:
        """Return a person by id (the recognizer's subject)."""
        return self._people.get(person_id)

    def people(self, list_name: str | None = None) -> list[PersonInfo]:
        """Return everyone, or everyone on one list."""
        return [p for p in self._people.values() if list_name in (None, p.list_name)]

    def find(self, list_name: str, name: str) -> PersonInfo | None:
        """Return the person of this name on this list, if enrolled."""
        return next((p for p in self.people(list_name) if p.name == name), None)

    async def load(self) -> int:
        """Read the gallery and hand the recognizer its faces; return how many faces."""
        people = await self.store.load()
        platform = self.recognizer.platform
        entries = [GalleryEntry(ph.face_id, p.id, ph.embedding)
                   for p in people for ph in p.photos if ph.platform == platform]
        await self.recognizer.load_gallery(entries)
        self._people = {p.id: p for p in people}
        self._counts = None
        foreign = sum(1 for p in people for ph in p.photos if ph.platform != platform)
        if foreign:
            _LOGGER.warning("%d gallery photos were enrolled with another recognizer; "
                            "enrol them again to match with %s", foreign, platform)
        _LOGGER.info("Gallery loaded: %d people, %d faces", len(people), len(entries))
        return len(entries)

    async def create_person(self, name: str, list_name: str, group: str, source: str = "",
                            expires_at: dt.datetime | None = None) -> PersonInfo:
        """Add a person (no photos yet)."""
        if list_name not in LISTS:
            raise ValueError(f"list: got {list_name!r}, expected one of {', '.join(LISTS)}")
        info = PersonInfo(os.urandom(16).hex(), name, list_name, group, source, expires_at)
        async with self._lock:
            await self.store.add_person(info)
            self._people[info.id] = info
        return info

    async def enroll(self, person_id: str, image: bytes,
                     extra: dict[str, Any] | None = None) -> PhotoInfo:
        """Add one photo of a person; raise FaceRejected (why) if it is not usable."""
        async with self._lock:
            return await self._enroll(person_id, image, extra)

    async def _enroll(self, person_id: str, image: bytes,
                      extra: dict[str, Any] | None) -> PhotoInfo:
        if person_id not in self._people:
            raise KeyError(f"unknown person {person_id}")
        enrolment = await self.recognizer.add_face(person_id, image)
        jpeg = image if image[:2] == b"\xff\xd8" else await asyncio.to_thread(_to_jpeg, image)
        photo_id = os.urandom(16).hex()
        photo = PhotoInfo(photo_id, person_id, self.recognizer.platform, enrolment.face_id,
                          f"{photo_id}.jpg", enrolment.embedding,
                          {**enrolment.face.summary(), **(extra or {})})
        try:
            await self.store.add_photo(photo, jpeg)
        except BaseException:
            await self.recognizer.remove_faces([enrolment.face_id])
            raise
        current = self._people[person_id]
        self._people[person_id] = _with_photos(current, (*current.photos, photo))
        self._counts = None
        return photo

    async def remove_person(self, person_id: str) -> PersonInfo | None:
        """Remove a person, their photos and their faces in the recognizer."""
        async with self._lock:
            person = self._people.pop(person_id, None)
            self._counts = None
            photos = await self.store.delete_person(person_id)
            await self.recognizer.remove_faces([p.face_id for p in photos])
        return person

    async def refresh(self) -> tuple[int, int]:
        """Pick up people enrolled or removed elsewhere (the CLI); return (added, removed).

        People and photos are only ever added or deleted, never changed, so comparing ids
        tells whether anything changed; only then are the rows and embeddings read again.
        """
        async with self._lock:
            photo_ids = frozenset(ph.id for p in self._people.values() for ph in p.photos)
            known = (frozenset(self._people), photo_ids)
            if await self.store.ids() == known:
                return 0, 0
            people = await self.store.load()
            mine = self.recognizer.platform
            old = {ph.face_id for p in self._people.values() for ph in p.photos
                   if ph.platform == mine}
            new = {ph.face_id: GalleryEntry(ph.face_id, p.id, ph.embedding)
                   for p in people for ph in p.photos if ph.platform == mine}
            added = [entry for face_id, entry in new.items() if face_id not in old]
            removed = [face_id for face_id in old if face_id not in new]
            if added:
                await self.recognizer.load_gallery(added)
            if removed:
                await self.recognizer.remove_faces(removed)
            self._people = {p.id: p for p in people}
            self._counts = None
        if added or removed:
            _LOGGER.info("Gallery refreshed: %d faces added, %d removed", len(added),
                         len(removed))
        return len(added), len(removed)

    async def expire(self, now: dt.datetime | None = None) -> list[PersonInfo]:
        """Remove people whose entry has expired; return them (logged by the caller)."""
        now = now or dt.datetime.now(dt.UTC)
        gone = [p for p in self._people.values() if p.expires_at and p.expires_at <= now]
        for person in gone:
            await self.remove_person(person.id)
        return gone

    async def first_photo(self, person_id: str) -> bytes | None:
        """Return the first enrolled photo of a person (for the side-by-side incident)."""
        person = self._people.get(person_id)
        if person is None or not person.photos:
            return None
        return await self.store.read_photo(person.photos[0])


def _with_photos(person: PersonInfo, photos: tuple[PhotoInfo, ...]) -> PersonInfo:
    return PersonInfo(person.id, person.name, person.list_name, person.group, person.source,
                      person.expires_at, photos)


def _to_jpeg(image: bytes) -> bytes:
    decoded = cv2.imdecode(np.frombuffer(image, np.uint8), cv2.IMREAD_COLOR)
    if decoded is None:
        raise FaceRejected(RejectReason.UNREADABLE, "image bytes could not be decoded")
    ok, buf = cv2.imencode(".jpg", decoded, [cv2.IMWRITE_JPEG_QUALITY, 92])
    if not ok:
        raise FaceRejected(RejectReason.UNREADABLE, "could not encode JPEG")
    return bytes(buf)
