"""What the panel and API may do with faces; every read of a face image is audited (issue 6)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ..bus import Context
from .recognizer import FaceRejected
from .store import PersonInfo

if TYPE_CHECKING:
    from .service import FaceService

__all__ = ["FaceAccess"]


class FaceAccess:
    """Gallery operations for the HTTP API: enrol, list, remove, read photos (audited)."""

    def __init__(self, service: FaceService) -> None:
        self._service = service

    @property
    def _hub(self) -> Any:
        return self._service.hub

    def people(self, list_name: str | None = None) -> list[dict[str, Any]]:
        """Return people as JSON-serialisable dicts (no images, no embeddings)."""
        return [p.as_dict() for p in self._service.gallery.people(list_name)]

    async def create_person(self, name: str, list_name: str, group: str, *, source: str = "",
                            expires_at: dt.datetime | None = None,
                            context: Context | None = None) -> dict[str, Any]:
        """Add a person to a list; audited."""
        person = await self._service.gallery.create_person(name, list_name, group, source,
                                                           expires_at)
        self._hub.audit("faces.person_created", target=person.id,
                        details={"list": list_name, "group": group}, context=context)
        return person.as_dict()

    async def enroll(self, person_id: str, image: bytes,
                     context: Context | None = None) -> dict[str, Any]:
        """Enrol one photo; returns the photo id or the refusal reason; audited."""
        try:
            photo = await self._service.gallery.enroll(person_id, image)
        except FaceRejected as err:
            return {"enrolled": False, "reason": err.reason.value, "detail": str(err)}
        self._hub.audit("faces.photo_enrolled", target=person_id,
                        details={"photo_id": photo.id}, context=context)
        return {"enrolled": True, "photo_id": photo.id}

    async def remove_person(self, person_id: str, context: Context | None = None) -> bool:
        """Remove a person and their photos; audited."""
        person = await self._service.gallery.remove_person(person_id)
        if person is not None:
            self._hub.audit("faces.person_removed", target=person_id,
                            details={"list": person.list_name}, context=context)
        return person is not None

    async def read_photo(self, person_id: str, photo_id: str,
                         context: Context | None = None) -> bytes | None:
        """Return an enrolled photo's JPEG; the read is audited (who, which person, which photo)."""
        person: PersonInfo | None = self._service.gallery.person(person_id)
        photo = next((p for p in person.photos if p.id == photo_id), None) if person else None
        if photo is None:
            return None
        await self._hub.audit_committed("faces.photo_read", target=person_id,
                                        details={"photo_id": photo_id}, context=context)
        return await self._service.gallery.store.read_photo(photo)

    async def read_capture(self, snapshot_id: str,
                           context: Context | None = None) -> bytes | None:
        """Return a face capture (a snapshot id from an event or incident); audited."""
        data: bytes | None = await self._hub.snapshots.read(snapshot_id)
        if data is not None:
            await self._hub.audit_committed("faces.capture_read", target=snapshot_id,
                                            context=context)
        return data
