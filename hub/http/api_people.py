"""People lists of face recognition (admin): list, add, enrol a photo, remove, view photos.

Served through `hub.components["recognition"].access`, which audits every change and every
read of a face image. Without the recognition component these routes answer 404.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from ..hubkey import RECOGNITION
from .errors import ApiError
from .routing import Route, body, principal, query, read_body

if TYPE_CHECKING:
    from ..hub import Hub

__all__ = ["people_routes"]

_MAX_PHOTO = 2 * 1024 * 1024


class PeopleQuery(BaseModel):
    """Which list."""

    model_config = ConfigDict(extra="forbid")

    list: Literal["allow", "watch"] | None = None


class PersonIn(BaseModel):
    """A person to add to a list."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=128)
    list: Literal["allow", "watch"]
    group: str = Field(min_length=1, max_length=64,
                       description="allow list: staff, student, parent...; watch list: "
                       "the police category")
    source: str = Field(default="", max_length=200)
    expires_at: dt.datetime | None = None


def people_routes(hub: Hub) -> list[Route]:
    """Return the people routes."""

    def access() -> Any:
        service = hub.components.get(RECOGNITION)
        if service is None:
            raise ApiError(404, "not_set_up", "face recognition is not set up on this hub")
        return service.access

    async def people(request: web.Request) -> Any:
        q = query(request, PeopleQuery)
        return access().people(q.list)

    async def add(request: web.Request) -> Any:
        data = body(request, PersonIn)
        return await access().create_person(data.name, data.list, data.group, source=data.source,
                                            expires_at=data.expires_at,
                                            context=principal(request).context())

    async def enroll(request: web.Request) -> Any:
        faces = access()
        if request.content_type != "image/jpeg":
            raise ApiError(415, "unsupported_media_type", "send the photo as image/jpeg",
                           [("body", "expected image/jpeg")])
        image = await read_body(request)
        if not image or len(image) > _MAX_PHOTO:
            raise ApiError(422, "invalid_input", "body: a JPEG of 1 byte to 2 MiB",
                           [("body", "empty or too large")])
        person_id = request.match_info["person_id"]
        if person_id not in {p["person_id"] for p in faces.people()}:
            raise ApiError(404, "not_found", f"no person '{person_id[:40]}'",
                           [("path.person_id", "unknown person")])
        result = await faces.enroll(person_id, image, principal(request).context())
        if not result.get("enrolled"):
            raise ApiError(422, "photo_refused", f"body: photo refused: {result.get('detail')}",
                           [("body", str(result.get("reason")))])
        return result

    async def remove(request: web.Request) -> Any:
        person_id = request.match_info["person_id"]
        if not await access().remove_person(person_id, principal(request).context()):
            raise ApiError(404, "not_found", f"no person '{person_id[:40]}'",
                           [("path.person_id", "unknown person")])
        return {"removed": person_id}

    async def photo(request: web.Request) -> Any:
        data = await access().read_photo(request.match_info["person_id"],
                                         request.match_info["photo_id"],
                                         principal(request).context())
        if data is None:
            raise ApiError(404, "not_found", "no such photo", [("path.photo_id", "unknown")])
        return web.Response(body=data, content_type="image/jpeg",
                            headers={"Cache-Control": "no-store"})

    admin = frozenset({"admin"})
    tags = ("people",)
    return [
        Route("GET", "/api/people", people, admin, "People on the allow and watch lists.",
              query=PeopleQuery, tags=tags),
        Route("POST", "/api/people", add, admin, "Add a person to a list.", body=PersonIn,
              tags=tags, audit=False),
        Route("POST", "/api/people/{person_id}/photos", enroll, admin,
              "Enrol a face photo (body: image/jpeg).", tags=tags, audit=False,
              extra={"request_media": "image/jpeg"}),
        Route("DELETE", "/api/people/{person_id}", remove, admin,
              "Remove a person and their photos.", tags=tags, audit=False),
        Route("GET", "/api/people/{person_id}/photos/{photo_id}", photo, admin,
              "An enrolled photo (every read is audited).", tags=tags, media_type="image/jpeg"),
    ]
