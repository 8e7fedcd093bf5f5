"""What the views library sends the hub: police hits and dispositions (persons to watch).

Routes of the hub's HTTP server, public to the hub's own auth but each request checked with
HTTP Digest against the uplink's `notify_user`/`notify_password` (and `User-Identify`
against `platform_id` when set); without credentials configured every call is refused.
One bad record never costs another: each gets its own ResponseStatusObject.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from hub.bus import Context
from hub.http.routing import Route, register_routes
from hub.hubkey import RECOGNITION, HubKey
from hub.jsonutil import JsonInputError, loads_input

from .const import AUDIT_DISPOSITION, AUDIT_HIT, SOURCE
from .digest import DigestVerifier
from .objects import iter_objects
from .police import Invalid, PoliceHits, images, photo

if TYPE_CHECKING:
    from hub.recognition.service import FaceService

    from .uplink import Gat1400Uplink

_LOGGER = logging.getLogger(__name__)

__all__ = ["Inbound"]

#: the one gat1400 uplink that receives the views library's calls on this hub
_OWNER_KEY: HubKey[Inbound] = HubKey("gat1400.inbound")
Handler = Callable[[dict[str, Any]], Awaitable[str]]


class Inbound:
    """The routes one gat1400 uplink answers (the first configured one owns them)."""

    def __init__(self, uplink: Gat1400Uplink) -> None:
        self.uplink = uplink
        cfg = uplink.cfg
        users = {}
        if cfg.notify_user is not None and cfg.notify_password is not None:
            users[cfg.notify_user] = cfg.notify_password.get_secret_value()
        self.verifier = DigestVerifier(f"campus-hub {uplink.hub.site}", users)
        self.hits = PoliceHits(uplink)
        self.context = Context(user_id=f"{SOURCE}:{uplink.name}", origin="remote")

    def register(self) -> None:
        """Add the routes to the hub's HTTP server (once per hub)."""
        hub = self.uplink.hub
        owner = hub.components.get(_OWNER_KEY)
        if owner is not None:
            _LOGGER.error("%s: only one gat1400 uplink can receive calls (%s does); this one "
                          "only uploads", self.uplink.name, owner.uplink.name)
            return
        hub.components[_OWNER_KEY] = self
        routes = [
            Route("POST", "/VIID/SubscribeNotifications", self._subscribe_notifications,
                  public=True, summary="GA/T 1400 notifications (police hits)",
                  tags=("gat1400",)),
            Route("POST", "/VIID/DispositionNotifications", self._disposition_notifications,
                  public=True, summary="GA/T 1400 disposition alarms (police hits)",
                  tags=("gat1400",)),
            Route("POST", "/VIID/Dispositions", self._dispositions, public=True,
                  summary="GA/T 1400 dispositions pushed by the police", tags=("gat1400",)),
            Route("DELETE", "/VIID/Dispositions", self._cancel_dispositions, public=True,
                  summary="GA/T 1400 dispositions cancelled", tags=("gat1400",)),
        ]
        try:
            register_routes(hub, routes)
        except RuntimeError as exc:  # the server runs already (an uplink restarted)
            _LOGGER.warning("%s: %s", self.uplink.name, exc)

    # ------------------------------------------------------------------ auth and answers

    def _refusal(self, request: web.Request) -> web.Response | None:
        if not self.verifier.users:
            return _answer(request, 4, "this hub takes no calls: notify_user is not set",
                           http=403)
        user, why = self.verifier.verify(request.headers.get("Authorization"),
                                         request.method, request.path_qs)
        if user is None:
            resp = _answer(request, 4, f"unauthorized: {why}", http=401)
            resp.headers["WWW-Authenticate"] = self.verifier.challenge()
            if why != "no Authorization header":
                _LOGGER.warning("%s: refused a call to %s from %s: %s", self.uplink.name,
                                request.path, request.remote, why)
            return resp
        expected = self.uplink.cfg.platform_id
        if expected is not None and request.headers.get("User-Identify") != expected:
            return _answer(request, 4, "User-Identify is not the views library's id",
                           http=403)
        return None

    async def _records(self, request: web.Request, kinds: tuple[str, ...],
                       handler: Handler) -> web.Response:
        refused = self._refusal(request)
        if refused is not None:
            return refused
        try:  # strict like every JSON input of the hub: no NaN, no lone surrogate (issue 10)
            body = loads_input(await request.read())
        except JsonInputError as exc:
            return _answer(request, 7, str(exc), http=400)
        records = [r for kind in kinds for r in _records(body, kind)]
        if not records:
            return _answer(request, 8, f"body: no {' or '.join(kinds)} object", http=400)
        statuses = []
        for n, record in enumerate(records):
            try:
                ident = await handler(record)
                statuses.append(_status(request, 0, "OK", ident))
            except Invalid as exc:
                statuses.append(_status(request, 6, f"[{n}] {exc}", _id_of(record)))
            except Exception as exc:  # one bad record never costs another
                _LOGGER.exception("%s: handling %s failed", self.uplink.name, request.path)
                statuses.append(_status(request, 1, f"[{n}] {type(exc).__name__}",
                                        _id_of(record)))
        return web.json_response(
            {"ResponseStatusListObject": {"ResponseStatusObject": statuses}},
            content_type="application/VIID+JSON")

    # ------------------------------------------------------------------ hits

    async def _subscribe_notifications(self, request: web.Request) -> web.Response:
        return await self._records(request, ("SubscribeNotification",), self._notification)

    async def _disposition_notifications(self, request: web.Request) -> web.Response:
        return await self._records(request, ("DispositionNotification",), self._hit)

    async def _notification(self, record: dict[str, Any]) -> str:
        hits = list(iter_objects(record, "DispositionNotification"))
        if not hits:
            raise Invalid("SubscribeNotificationObject carries no DispositionNotification "
                          "(only police hits are taken)")
        return ",".join([await self._hit(h) for h in hits])

    async def _hit(self, record: dict[str, Any]) -> str:
        try:
            incident_id = await self.hits.raise_hit(record)
        except ValueError as exc:
            raise Invalid(str(exc)) from None
        self.uplink.hub.audit(AUDIT_HIT, target=incident_id,
                              details={"notification": record.get("NotificationID")},
                              context=self.context)
        return str(record.get("NotificationID"))

    # ------------------------------------------------------------------ dispositions

    async def _dispositions(self, request: web.Request) -> web.Response:
        return await self._records(request, ("Disposition",), self._disposition)

    async def _disposition(self, record: dict[str, Any]) -> str:
        ident = _text(record, "DispositionID")
        if str(record.get("OperateType", 0)) == "1":
            await self._remove(ident)
            return ident
        faces = self._faces()
        end = record.get("EndTime")
        expires = self.hits.parse_time(end, "EndTime") if end else None
        if expires is not None and expires <= dt.datetime.now(dt.UTC):
            raise Invalid(f"EndTime {end!r} has passed")
        photos = [photo(img, n) for n, img in enumerate(images(record))]
        if not photos:
            raise Invalid("SubImageList: no photo (Data) of the person to watch")
        await self._remove(ident, audit=False)
        group = self.hits.handling(record).name
        title = str(record.get("Title") or f"police disposition {ident}")
        person = await faces.access.create_person(title, "watch", group,
                                                  source=f"{SOURCE}:{ident}",
                                                  expires_at=expires, context=self.context)
        enrolled = [await faces.access.enroll(person["person_id"], p, context=self.context)
                    for p in photos]
        if not any(e.get("enrolled") for e in enrolled):
            await faces.access.remove_person(person["person_id"], context=self.context)
            reasons = ", ".join(str(e.get("reason")) for e in enrolled)
            raise Invalid(f"no usable face in the photos ({reasons})")
        self.uplink.hub.audit(AUDIT_DISPOSITION, target=person["person_id"],
                              details={"disposition": ident, "category": group,
                                       "expires_at": expires.isoformat() if expires else None},
                              context=self.context)
        _LOGGER.info("%s: police disposition %s added to the watch list (until %s)",
                     self.uplink.name, ident, expires or "cancelled")
        return ident

    async def _cancel_dispositions(self, request: web.Request) -> web.Response:
        refused = self._refusal(request)
        if refused is not None:
            return refused
        ids = [i for i in request.query.get("IDList", "").split(",") if i]
        if not ids:
            return _answer(request, 8, "IDList: no disposition id", http=400)
        for ident in ids:
            await self._remove(ident)
        return web.json_response({"ResponseStatusListObject": {"ResponseStatusObject": [
            _status(request, 0, "OK", i) for i in ids]}}, content_type="application/VIID+JSON")

    async def _remove(self, ident: str, audit: bool = True) -> None:
        faces = self._faces()
        source = f"{SOURCE}:{ident}"
        for person in faces.access.people("watch"):
            if person["source"] == source:
                await faces.access.remove_person(person["person_id"], context=self.context)
                if audit:
                    self.uplink.hub.audit(AUDIT_DISPOSITION, target=person["person_id"],
                                          details={"disposition": ident, "cancelled": True},
                                          context=self.context)

    def _faces(self) -> FaceService:
        faces = self.uplink.hub.components.get(RECOGNITION)
        if faces is None:
            raise Invalid("this hub runs no face recognition: dispositions cannot be kept")
        return faces


def _records(body: Any, kind: str) -> list[dict[str, Any]]:
    return list(iter_objects(body, kind))


def _text(record: dict[str, Any], key: str) -> str:
    value = record.get(key)
    if not isinstance(value, str) or not value:
        raise Invalid(f"{key}: missing")
    return value


def _id_of(record: dict[str, Any]) -> str:
    for key in ("NotificationID", "DispositionID"):
        if isinstance(record.get(key), str):
            return str(record[key])
    return ""


def _status(request: web.Request, code: int, text: str, ident: str = "") -> dict[str, Any]:
    return {"RequestURL": request.path, "StatusCode": code, "StatusString": text,
            "Id": ident, "LocalTime": time.strftime("%Y%m%d%H%M%S")}


def _answer(request: web.Request, code: int, text: str, http: int = 200) -> web.Response:
    return web.json_response({"ResponseStatusObject": _status(request, code, text)},
                             status=http, content_type="application/VIID+JSON")

