"""A police views library (GA/T 1400.4 视图库) double for the tests, on 127.0.0.1.

A views library cannot run here, so this double is written from the public standard and
is strict where the standard is: HTTP Digest (MD5, qop=auth, single-use nonce counts) on
/VIID/System/Register, `User-Identify` on every other request, the configured media type
and list envelope, and every Face object checked field by field (viid_checks.py). It
drives what real platforms do to a device: outages (connections reset or 503), slow
answers, forgotten registrations (401 or StatusCode 4), clock offsets, and it pushes
police hits (DispositionNotifications) and dispositions (persons to watch) to the hub.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from . import viid_checks as check

SERVER_ID = "32010000002000000001"


@dataclass
class Received:
    """One Face object the platform accepted, with when it arrived."""

    face_id: str
    device_id: str
    at: float
    body: dict[str, Any] = field(repr=False)


@dataclass
class ViidDouble:
    """The platform: accounts, state, switches, and what it received."""

    users: dict[str, str] = field(default_factory=lambda: {"hub": "s3cret"})
    realm: str = "viid.police.test"
    time_form: str = "compact"
    zone: dt.tzinfo = dt.timezone(dt.timedelta(hours=8))
    envelope: str = "ListObject"
    content_type: str = "application/VIID+JSON"
    #: switches
    down: str | None = None          # None, "reset" (connections dropped) or "503"
    delay: float = 0.0               # seconds before every answer
    forget_answer: str = "401"       # how a forgotten device is told: "401" or "status4"
    clock_offset: float = 0.0        # the platform's clock minus the true time, seconds
    require_apes: bool = True        # Faces only from declared APEs
    digest_everywhere: bool = False  # every request needs Digest, not only Register
    #: state and records
    registered: set[str] = field(default_factory=set)
    apes: dict[str, dict[str, Any]] = field(default_factory=dict)
    subscriptions: dict[str, dict[str, Any]] = field(default_factory=dict)
    faces: list[Received] = field(default_factory=list)
    face_ids: set[str] = field(default_factory=set)
    duplicates: int = 0
    rejected: list[str] = field(default_factory=list)
    registrations: list[float] = field(default_factory=list)
    keepalives: list[float] = field(default_factory=list)
    refused_auth: int = 0
    _nonces: dict[str, int] = field(default_factory=dict)
    url: str = ""
    _runner: web.AppRunner | None = None

    # ------------------------------------------------------------------ server

    async def start(self, port: int = 0) -> str:
        """Listen on 127.0.0.1 (port 0: any free port); return the base URL."""
        app = web.Application(middlewares=[self._switches], client_max_size=64 * 2**20)
        app.router.add_post("/VIID/System/Register", self._register)
        app.router.add_post("/VIID/System/UnRegister", self._unregister)
        app.router.add_post("/VIID/System/Keepalive", self._keepalive)
        app.router.add_get("/VIID/System/Time", self._time)
        app.router.add_post("/VIID/APEs", self._apes)
        app.router.add_post("/VIID/Faces", self._faces)
        app.router.add_post("/VIID/Subscribes", self._subscribes)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        sock = site._server.sockets[0]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        return self.url

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()

    def forget(self, device_id: str | None = None) -> None:
        """Forget a registration (or all), as a platform restart does."""
        if device_id is None:
            self.registered.clear()
        else:
            self.registered.discard(device_id)

    @web.middleware
    async def _switches(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if self.down == "reset":
            assert request.transport is not None
            request.transport.close()
            raise ConnectionResetError("platform down")
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.down == "503":
            return web.Response(status=503, text="maintenance")
        response: web.StreamResponse = await handler(request)
        return response

    # ------------------------------------------------------------------ answers

    def _status(self, request: web.Request, code: int = 0, text: str = "OK",
                ident: str = "") -> dict[str, Any]:
        return {"RequestURL": request.path, "StatusCode": code, "StatusString": text,
                "Id": ident, "LocalTime": self._now().strftime("%Y%m%d%H%M%S")}

    def _answer(self, request: web.Request, code: int = 0, text: str = "OK", ident: str = "",
                http: int = 200) -> web.Response:
        body = {"ResponseStatusObject": self._status(request, code, text, ident)}
        return web.json_response(body, status=http, content_type="application/VIID+JSON")

    def _now(self) -> dt.datetime:
        return dt.datetime.now(self.zone) + dt.timedelta(seconds=self.clock_offset)

    async def _body(self, request: web.Request, root: str) -> dict[str, Any]:
        media = request.headers.get("Content-Type", "").split(";")[0].strip()
        if media.lower() != self.content_type.lower():
            raise check.Invalid(f"Content-Type {media!r}, expected {self.content_type}")
        try:
            # strict, as RFC 8259: NaN and Infinity are not JSON
            data = json.loads(await request.read(), parse_constant=_not_json)
        except ValueError:
            raise check.Invalid("body: not JSON") from None
        if not isinstance(data, dict) or list(data) != [root]:
            raise check.Invalid(f"body: expected exactly {{{root!r}: ...}}, got {list(data)}")
        inner = data[root]
        if not isinstance(inner, dict):
            raise check.Invalid(f"{root}: not an object")
        return inner

    def _caller(self, request: web.Request) -> str | None:
        ident = request.headers.get("User-Identify", "")
        if self.digest_everywhere and self._digest_refusal(request) is not None:
            return None
        return ident if ident in self.registered else None

    def _forgotten(self, request: web.Request) -> web.Response:
        if self.digest_everywhere and "Authorization" not in request.headers:
            return self._challenge(request, "Digest required")
        if self.forget_answer == "status4":
            return self._answer(request, 4, "device not registered")
        return self._answer(request, 4, "not registered", http=401)

    # ------------------------------------------------------------------ session routes

    async def _register(self, request: web.Request) -> web.Response:
        try:
            obj = await self._body(request, "RegisterObject")
            device = check.device_code(obj.get("DeviceID"), "RegisterObject.DeviceID")
        except check.Invalid as exc:
            return self._answer(request, 8, str(exc), http=400)
        why = self._digest_refusal(request)
        if why is not None:
            if why != "no Authorization":
                self.refused_auth += 1
            return self._challenge(request, why, device)
        if request.headers.get("User-Identify") not in (None, device):
            return self._answer(request, 4, "User-Identify is not the DeviceID", device)
        self.registered.add(device)
        self.registrations.append(time.monotonic())
        return self._answer(request, ident=device)

    def _digest_refusal(self, request: web.Request) -> str | None:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Digest "):
            return "no Authorization"
        params = {m[0].lower(): m[1] or m[2] for m in
                  re.findall(r'(\w+)=(?:"([^"]*)"|([^\s,]+))', header[7:])}
        nonce, nc = params.get("nonce", ""), params.get("nc", "")
        if nonce not in self._nonces or not re.fullmatch(r"[0-9a-f]{8}", nc) \
                or int(nc, 16) <= self._nonces[nonce]:
            return "stale nonce or replayed nc"
        if params.get("uri") != request.path_qs or params.get("qop") != "auth":
            return "uri or qop wrong"
        password = self.users.get(params.get("username", ""))
        if password is None:
            return "unknown user"

        def md5(text: str) -> str:
            return hashlib.md5(text.encode()).hexdigest()

        ha1 = md5(f"{params['username']}:{self.realm}:{password}")
        ha2 = md5(f"{request.method}:{request.path_qs}")
        good = md5(f"{ha1}:{nonce}:{nc}:{params.get('cnonce', '')}:auth:{ha2}")
        if params.get("response") != good:
            return "wrong password"
        self._nonces[nonce] = int(nc, 16)
        return None

    def _challenge(self, request: web.Request, why: str, ident: str = "") -> web.Response:
        nonce = os.urandom(16).hex()
        self._nonces[nonce] = 0
        resp = self._answer(request, 4, why, ident, http=401)
        resp.headers["WWW-Authenticate"] = (f'Digest realm="{self.realm}", qop="auth", '
                                            f'nonce="{nonce}", opaque="{os.urandom(4).hex()}",'
                                            ' algorithm=MD5')
        return resp

    async def _unregister(self, request: web.Request) -> web.Response:
        why = self._digest_refusal(request)
        if why is not None:
            nonce = os.urandom(16).hex()
            self._nonces[nonce] = 0
            resp = self._answer(request, 4, why, http=401)
            resp.headers["WWW-Authenticate"] = (f'Digest realm="{self.realm}", qop="auth", '
                                                f'nonce="{nonce}", algorithm=MD5')
            return resp
        self.registered.discard(request.headers.get("User-Identify", ""))
        return self._answer(request)

    async def _keepalive(self, request: web.Request) -> web.Response:
        if self._caller(request) is None:
            return self._forgotten(request)
        try:
            obj = await self._body(request, "KeepaliveObject")
        except check.Invalid as exc:
            return self._answer(request, 8, str(exc), http=400)
        if obj.get("DeviceID") != request.headers["User-Identify"]:
            return self._answer(request, 8, "KeepaliveObject.DeviceID is not the caller")
        self.keepalives.append(time.monotonic())
        return self._answer(request, ident=obj["DeviceID"])

    async def _time(self, request: web.Request) -> web.Response:
        body = {"SystemTimeObject": {"VIIDServerID": SERVER_ID, "TimeMode": "1",
                                     "LocalTime": self._now().strftime("%Y%m%d%H%M%S"),
                                     "TimeZone": "Asia/Shanghai"}}
        return web.json_response(body, content_type="application/VIID+JSON")

    # ------------------------------------------------------------------ objects

    async def _apes(self, request: web.Request) -> web.Response:
        return await self._declare(request, "APE", "APEObject", self._ape)

    def _ape(self, where: str, ape: dict[str, Any]) -> str:
        ident = check.device_code(ape.get("ApeID"), f"{where}.ApeID", front_end=True)
        if not ape.get("Name"):
            raise check.Invalid(f"{where}.Name: empty")
        self.apes[ident] = ape
        return ident

    async def _subscribes(self, request: web.Request) -> web.Response:
        return await self._declare(request, "Subscribe", "SubscribeObject", self._subscription)

    def _subscription(self, where: str, sub: dict[str, Any]) -> str:
        ident = sub.get("SubscribeID")
        if not isinstance(ident, str) or not re.fullmatch(r"\d{33}", ident):
            raise check.Invalid(f"{where}.SubscribeID: not 33 digits")
        if not str(sub.get("ReceiveAddr", "")).startswith("http"):
            raise check.Invalid(f"{where}.ReceiveAddr: not a URL")
        for key in ("BeginTime", "EndTime"):
            check.platform_time(sub.get(key), f"{where}.{key}", self.time_form, self.zone)
        self.subscriptions[ident] = sub
        return ident

    async def _declare(self, request: web.Request, kind: str, key: str,
                       accept: Callable[[str, dict[str, Any]], str]) -> web.Response:
        """Keep each object of a `<kind><envelope>` that `accept` passes (it returns the
        object's id, or raises Invalid: HTTP 400, code 8), answering with their statuses."""
        if self._caller(request) is None:
            return self._forgotten(request)
        statuses = []
        try:
            inner = await self._body(request, f"{kind}{self.envelope}")
            for n, obj in enumerate(inner.get(key) or []):
                statuses.append(self._status(request, ident=accept(f"{key}[{n}]", obj)))
        except check.Invalid as exc:
            return self._answer(request, 8, str(exc), http=400)
        return _status_list(statuses)

    async def _faces(self, request: web.Request) -> web.Response:
        if self._caller(request) is None:
            return self._forgotten(request)
        try:
            inner = await self._body(request, f"Face{self.envelope}")
        except check.Invalid as exc:
            self.rejected.append(str(exc))
            return self._answer(request, 7, str(exc), http=400)
        objects = inner.get("FaceObject")
        if not isinstance(objects, list) or not objects:
            return self._answer(request, 8, "FaceObject: not a non-empty list", http=400)
        statuses = [self._face(request, n, obj) for n, obj in enumerate(objects)]
        return _status_list(statuses)

    def _face(self, request: web.Request, n: int, obj: Any) -> dict[str, Any]:
        try:
            summary = check.face(obj, n, self.time_form, self.zone)
            if self.require_apes and summary["DeviceID"] not in self.apes:
                raise check.Invalid(f"FaceObject[{n}].DeviceID: APE {summary['DeviceID']} "
                                    "was never declared")
        except check.Invalid as exc:
            self.rejected.append(str(exc))
            return self._status(request, 6, str(exc), str(obj.get("FaceID", "")))
        if summary["FaceID"] in self.face_ids:
            self.duplicates += 1
        else:
            self.face_ids.add(summary["FaceID"])
            self.faces.append(Received(summary["FaceID"], summary["DeviceID"],
                                       time.monotonic(), obj))
        return self._status(request, ident=summary["FaceID"])

    # ------------------------------------------------------------------ pushes to the hub

    def face(self, face_id: str) -> dict[str, Any]:
        """Return a received Face object by id."""
        return next(r.body for r in self.faces if r.face_id == face_id)

    async def push(self, url: str, path: str, body: dict[str, Any], user: str = "viid",
                   password: str = "police-pw", method: str = "POST",
                   **headers: str) -> tuple[int, Any]:
        """POST `body` to the hub as the platform does (Digest, User-Identify)."""
        digest = aiohttp.DigestAuthMiddleware(login=user, password=password)
        sent = {"User-Identify": SERVER_ID, **headers}
        async with aiohttp.ClientSession(middlewares=(digest,)) as session, session.request(
                method, url + path, json=body, headers=sent) as resp:
            text = await resp.text()
            try:
                return resp.status, json.loads(text)
            except ValueError:
                return resp.status, text

    def hit(self, face_id: str, photo: bytes, title: str, disposition_id: str = "",
            notification_id: str = "") -> dict[str, Any]:
        """Return a DispositionNotification body: our Face matched a police disposition."""
        ident = notification_id or f"{SERVER_ID}04{self._now():%Y%m%d%H%M%S}{len(self.faces):05d}"
        return {"DispositionNotificationListObject": {"DispositionNotificationObject": [{
            "NotificationID": ident,
            "DispositionID": disposition_id or f"{SERVER_ID}0300001",
            "Title": title,
            "TriggerTime": self._now().strftime("%Y%m%d%H%M%S"),
            "CntObjectID": face_id,
            "FaceObject": self.face(face_id),
            "PersonObject": {"PersonID": "", "Name": "", "SubImageList": {
                "SubImageInfoObject": [self._photo(photo, "11")]}},
        }]}}

    def disposition(self, disposition_id: str, title: str, photo: bytes, end: dt.datetime,
                    operate: int = 0, priority: int = 1) -> dict[str, Any]:
        """Return a DispositionListObject: a person to watch (布控) until `end`."""
        return {"DispositionListObject": {"DispositionObject": [{
            "DispositionID": disposition_id, "Title": title, "DispositionCategory": "1",
            "PriorityLevel": priority, "OperateType": operate,
            "BeginTime": self._now().strftime("%Y%m%d%H%M%S"),
            "EndTime": end.astimezone(self.zone).strftime("%Y%m%d%H%M%S"),
            "ApplicantOrg": "Test PSB", "Reason": "test",
            "SubImageList": {"SubImageInfoObject": [self._photo(photo, "11")]},
        }]}}

    def _photo(self, photo: bytes, kind: str) -> dict[str, Any]:
        return {"ImageID": f"{SERVER_ID}02{self._now():%Y%m%d%H%M%S}00001", "Type": kind,
                "EventSort": 4, "DeviceID": SERVER_ID, "StoragePath": "",
                "FileFormat": "Jpeg", "ShotTime": self._now().strftime("%Y%m%d%H%M%S"),
                "Width": 0, "Height": 0, "Data": base64.b64encode(photo).decode()}


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _status_list(statuses: list[dict[str, Any]]) -> web.Response:
    return web.json_response({"ResponseStatusListObject": {"ResponseStatusObject": statuses}},
                             content_type="application/VIID+JSON")
