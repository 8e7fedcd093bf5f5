"""The hub as a GB/T 28181 device: it answers the platform's MANSCDP queries and controls,
its INVITEs for live video, and sends alarm notifications. Hub-facing work (PTZ, alarm
reset) goes through a `HubActions` object, so this module needs no hub."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from aiosipua import SipRequest, SipResponse, generate_tag

from . import manscdp
from .broadcast import Broadcasts, BroadcastSettings
from .control import Controls
from .media import MediaSession
from .ptz import PtzCommand
from .register import Registrar
from .sdp import SdpError, answer_sdp, parse_offer
from .sip import Addr, SipEndpoint, SipTimeout, make_response, uri_user
from .source import SourcePool
from .subscribe import Subscription, Subscriptions

_LOGGER = logging.getLogger(__name__)

__all__ = ["Alarm", "Channel", "Gb28181Device", "HubActions"]


@dataclass(frozen=True, slots=True)
class Channel:
    """A camera, alarm input or speaker the platform sees, with its 20-digit ID."""

    id: str
    name: str
    kind: str  # "camera", "alarm", "speaker"
    entity_id: str
    online: bool = True
    stream_url: str | None = None
    ptz: bool = False
    present: bool = True  # False: its entity is not in the hub (not set up, or removed)
    microphone_url: str | None = None  # a speaker's: the gate's sound for voice intercom


@dataclass(frozen=True, slots=True)
class Alarm:
    """One alarm notification (A.2.5.3): priority 1-4, method 1-7, type, time, text."""

    channel_id: str
    priority: int
    method: int
    description: str
    time: datetime
    alarm_type: int | None = None


class HubActions(Protocol):
    """What a platform request may make the hub do (the uplink calls hub services)."""

    async def ptz(self, channel: Channel, command: PtzCommand) -> None:
        """Move a camera."""

    async def reset_alarm(self, channel: Channel | None) -> None:
        """Reset an alarm input (or every one when None)."""

    async def speaker_audio(self, channel: Channel, wav: bytes) -> None:
        """Play a piece of a broadcast's audio on a speaker."""

    async def presets(self, channel: Channel) -> dict[str, str]:
        """A camera's presets, token -> name."""

    def audit(self, action: str, channel: Channel | None, details: dict[str, Any]) -> None:
        """Record a platform action (broadcast steps) on the audit log."""


class Gb28181Device:
    """Handlers for one platform, on one SIP endpoint."""

    def __init__(self, endpoint: SipEndpoint, registrar: Registrar, *, civil_code: str,
                 name: str, channels: Callable[[], Sequence[Channel]], actions: HubActions,
                 manufacturer: str = "Campus Hub", model: str = "campus-hub",
                 firmware: str = "0.1",
                 broadcast: BroadcastSettings | None = None) -> None:
        self.endpoint, self.registrar = endpoint, registrar
        self.device_id = registrar.settings.device_id
        self.civil_code, self.name = civil_code, name
        self.channels, self.actions = channels, actions
        self.manufacturer, self.model, self.firmware = manufacturer, model, firmware
        self.pool = SourcePool()
        self.sessions: dict[str, MediaSession] = {}
        self.subscriptions = Subscriptions(endpoint)
        self.alarmed: set[str] = set()
        self.controls = Controls(self)
        self._catalog_seen = self._catalog_state()
        registrar.faults = lambda: [c.id for c in self.channels() if c.present and not c.online]
        self._tasks: set[asyncio.Task[None]] = set()
        self.broadcasts = Broadcasts(
            endpoint, registrar, actions, self.channel,
            lambda: [c for c in self.channels() if c.kind == "speaker"],
            broadcast or BroadcastSettings())  # fmt: skip
        endpoint.handlers.update({"MESSAGE": self._on_message, "INVITE": self._on_invite,
                                  "ACK": self._on_ack, "BYE": self._on_bye,
                                  "SUBSCRIBE": self._on_subscribe})

    async def close(self) -> None:
        """End every live view, broadcast and pull."""
        await self.broadcasts.close()
        await self.subscriptions.close()
        for session in list(self.sessions.values()):
            await session.stop()
        self.sessions.clear()
        for task in list(self._tasks):
            task.cancel()
        await self.pool.close()

    def channel(self, channel_id: str) -> Channel | None:
        """The exposed channel with this ID, if any."""
        return next((c for c in self.channels() if c.id == channel_id), None)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _reply(self, bodies: Sequence[bytes]) -> None:
        for body in bodies:
            try:
                resp = await self.registrar.send_message(body)
            except (SipTimeout, OSError) as err:
                _LOGGER.info("GB28181: answer not delivered: %s", err)
                return
            if resp.status_code >= 300:
                _LOGGER.info("GB28181: the platform refused an answer: %s", resp.status_code)

    # --- MESSAGE: queries and controls -------------------------------------------------

    async def _on_message(self, req: SipRequest, addr: Addr) -> SipResponse:
        try:
            msg = manscdp.parse(req.body)
        except manscdp.ManscdpError as err:
            _LOGGER.info("GB28181: bad MANSCDP from %s: %s", addr, err)
            return make_response(req, 400, "Bad Request")
        bodies = await self._answer(msg)
        if bodies:
            self._spawn(self._reply(bodies))
        return make_response(req, 200, "OK")

    async def _answer(self, msg: manscdp.ManscdpMessage) -> list[bytes]:
        kind = (msg.root, msg.cmd_type)
        if kind == ("Query", "Catalog"):
            return list(manscdp.catalog_pages(msg.sn, self.device_id, self.catalog()))
        if kind == ("Query", "DeviceInfo"):
            return [self._device_info(msg)]
        if kind == ("Query", "DeviceStatus"):
            return [self._device_status(msg)]
        if kind == ("Query", "PresetQuery"):
            return [await self._presets(msg)]
        if kind == ("Query", "RecordInfo"):
            # the hub keeps incident snapshots, not video recordings: none to play back
            return [manscdp.build("Response", "RecordInfo", msg.sn, msg.device_id, [
                ("Name", self.name), ("SumNum", 0),
                ("RecordList", manscdp.element("RecordList", attrs={"Num": "0"}))])]
        if kind == ("Control", "DeviceControl"):
            return await self.controls.device_control(msg)
        if kind == ("Control", "DeviceConfig"):
            return await self.controls.device_config(msg)
        if kind == ("Query", "ConfigDownload"):
            return self.controls.config_download(msg)
        if kind == ("Notify", "Broadcast"):
            self._spawn(self.broadcasts.on_notify(msg))  # answers, then maybe INVITEs
            return []
        if msg.root == "Response":
            return []
        _LOGGER.info("GB28181: unsupported %s %s", msg.root, msg.cmd_type)
        return []

    def catalog(self) -> list[manscdp.CatalogItem]:
        """The Catalog: every exposed channel under the hub whose entity exists."""
        return [self._item(c) for c in self.channels() if c.present]

    def _item(self, c: Channel, event: str | None = None) -> manscdp.CatalogItem:
        return manscdp.CatalogItem(
            c.id, c.name, self.device_id, self.civil_code, "ON" if c.online else "OFF",
            manufacturer=self.manufacturer, model=c.kind,
            ptz_type=(1 if c.ptz else 3) if c.kind == "camera" else None, event=event)

    def _catalog_state(self) -> dict[str, tuple[bool, bool, str]]:
        return {c.id: (c.present, c.online, c.name) for c in self.channels()}

    def catalog_changed(self) -> list[tuple[str, str]]:
        """Compare the channels with the last look; NOTIFY a Catalog subscriber of each
        change (ADD, DEL, ON, OFF, UPDATE); return the (ID, event) pairs."""
        before, now = self._catalog_seen, self._catalog_state()
        self._catalog_seen = now
        by_id = {c.id: c for c in self.channels()}
        changes: list[tuple[str, str]] = []
        for cid, (present, online, name) in now.items():
            was = before.get(cid, (False, False, ""))
            if present != was[0]:
                changes.append((cid, "ADD" if present else "DEL"))
            elif present and online != was[1]:
                changes.append((cid, "ON" if online else "OFF"))
            elif present and name != was[2]:
                changes.append((cid, "UPDATE"))
        changes += [(cid, "DEL") for cid, was in before.items() if cid not in now and was[0]]
        subs = self.subscriptions.active("Catalog")
        if changes and subs:
            items = [self._item(by_id.get(cid) or Channel(cid, "", "", ""), event)
                     for cid, event in changes]
            for sub in subs:
                self._notify_catalog(sub, items)
        return changes

    def _notify_catalog(self, sub: Subscription, items: list[manscdp.CatalogItem]) -> None:
        for body in manscdp.catalog_pages(self.registrar.next_sn(), self.device_id, items,
                                          root="Notify"):
            self.subscriptions.notify_later(sub, body)

    def _device_info(self, msg: manscdp.ManscdpMessage) -> bytes:
        channel = self.channel(msg.device_id)
        name = channel.name if channel else self.name
        return manscdp.build("Response", "DeviceInfo", msg.sn, msg.device_id, [
            ("DeviceName", name), ("Result", "OK"), ("Manufacturer", self.manufacturer),
            ("Model", self.model), ("Firmware", self.firmware),
            ("Channel", len(self.channels()) if channel is None else 1)])  # fmt: skip

    async def _presets(self, msg: manscdp.ManscdpMessage) -> bytes:
        """PresetQuery: the camera's presets a PTZCmd can reach, by number (1-255): a
        numeric name or token is the number; others cannot be called from GB/T 28181."""
        channel = self.channel(msg.device_id)
        found: dict[int, str] = {}
        if channel is not None and channel.kind == "camera":
            try:
                presets = await self.actions.presets(channel)
            except Exception as err:
                _LOGGER.info("GB28181: presets of %s not read: %s", msg.device_id, err)
                presets = {}
            for token, name in presets.items():
                number = name if name.isdigit() else token
                if number.isdigit() and 1 <= int(number) <= 255:
                    found.setdefault(int(number), name)
        items = [("Item", manscdp.element("Item", [("PresetID", n), ("PresetName", name)]))
                 for n, name in sorted(found.items())]
        return manscdp.build("Response", "PresetQuery", msg.sn, msg.device_id, [
            ("PresetList", manscdp.element("PresetList", items,
                                           attrs={"Num": str(len(items))}))])  # fmt: skip

    def _duty(self, channel_id: str) -> str:
        if channel_id in self.alarmed:
            return "ALARM"
        return "ONDUTY" if self.controls.armed(channel_id) else "OFFDUTY"

    def _device_status(self, msg: manscdp.ManscdpMessage) -> bytes:
        channel = self.channel(msg.device_id)
        online = channel.online if channel else True
        alarms = [c for c in self.channels() if c.kind == "alarm"]
        status = manscdp.element("Alarmstatus", [
            ("Item", manscdp.element("Item", [
                ("DeviceID", c.id),
                ("DutyStatus", self._duty(c.id))]))
            for c in alarms], attrs={"Num": str(len(alarms))})  # fmt: skip
        return manscdp.build("Response", "DeviceStatus", msg.sn, msg.device_id, [
            ("Result", "OK"), ("Online", "ONLINE" if online else "OFFLINE"),
            ("Status", "OK" if online else "ERROR"), ("Encode", "ON"), ("Record", "OFF"),
            ("DeviceTime", datetime.now().strftime("%Y-%m-%dT%H:%M:%S")),
            ("Alarmstatus", status)])  # fmt: skip

    # --- SUBSCRIBE: alarm and catalog subscriptions ----------------------------------------

    async def _on_subscribe(self, req: SipRequest, addr: Addr) -> SipResponse:
        try:
            msg = manscdp.parse(req.body)
        except manscdp.ManscdpError:
            return make_response(req, 400, "Bad Request")
        resp, new = self.subscriptions.on_subscribe(req, msg)
        if new is not None and new.kind == "Catalog":  # RFC 6665: a first NOTIFY with it all
            self.catalog_changed()  # the others hear of changes up to now first
            self._notify_catalog(new, self.catalog())
        return resp

    @staticmethod
    def _matches(query: manscdp.ManscdpMessage, alarm: Alarm) -> bool:
        low, high = query.text("StartAlarmPriority", "0"), query.text("EndAlarmPriority", "0")
        method = query.text("AlarmMethod", "0")
        if low != "0" and high != "0" and not int(low) <= alarm.priority <= int(high):
            return False
        return method in ("0", "") or str(alarm.method) in method.split("/")

    async def send_alarm(self, alarm: Alarm) -> SipResponse | None:
        """Send the alarm: a NOTIFY in each of the platform's alarm subscriptions whose
        filter takes it (None when there are some and no filter does), else an Alarm
        Notify MESSAGE; None too when the platform disarmed the channel (GuardCmd)."""
        if not self.controls.armed(alarm.channel_id):
            return None
        subs = self.subscriptions.active("Alarm")
        matching = [s for s in subs if self._matches(s.query, alarm)]
        if subs and not matching:
            return None
        self.alarmed.add(alarm.channel_id)
        info = (manscdp.element("Info", [("AlarmType", alarm.alarm_type)])
                if alarm.alarm_type is not None else None)
        body = manscdp.build("Notify", "Alarm", self.registrar.next_sn(), alarm.channel_id, [
            ("AlarmPriority", alarm.priority), ("AlarmMethod", alarm.method),
            ("AlarmTime", alarm.time.strftime("%Y-%m-%dT%H:%M:%S")),
            ("AlarmDescription", alarm.description), ("Info", info)])  # fmt: skip
        if matching:
            answers = await asyncio.gather(*(self.subscriptions.notify(s, body)
                                             for s in matching))
            answered = [r for r in answers if r is not None]
            if answered:
                return min(answered, key=lambda r: r.status_code)
            raise SipTimeout("the alarm NOTIFY went unanswered")
        return await self.registrar.send_message(body)

    # --- INVITE / ACK / BYE: live video ---------------------------------------------------

    async def _on_invite(self, req: SipRequest, addr: Addr) -> SipResponse:
        channel_id = uri_user(req.uri)
        try:
            offer = parse_offer(req.body.decode(errors="replace"))
        except SdpError as err:
            _LOGGER.info("GB28181: INVITE for %s: %s", channel_id, err)
            return make_response(req, 488, "Not Acceptable Here")
        if offer.media == "audio":
            return await self.broadcasts.on_invite(req, offer, channel_id)
        channel = self.channel(channel_id)
        if channel is None or channel.kind != "camera":
            return make_response(req, 404, "Not Found")
        if offer.session not in ("Play", "play"):
            return make_response(req, 488, "Not Acceptable Here")  # no recordings to replay
        if not channel.stream_url:
            return make_response(req, 404, "Not Found")
        session = MediaSession(offer, self.pool, channel.stream_url, self.endpoint.local[0])
        try:
            source = await session.prepare()
        except OSError as err:
            _LOGGER.info("GB28181: live view of %s failed: %s", channel_id, err)
            await session.stop()
            return make_response(req, 503, "Service Unavailable")
        call_id = req.call_id or ""
        old = self.sessions.pop(call_id, None)
        if old is not None:
            await old.stop()
        self.sessions[call_id] = session
        sdp = answer_sdp(offer, channel_id, self.endpoint.local[0], session.local_port,
                         codec=source.codec, width=source.width, height=source.height,
                         fps=source.fps)
        resp = make_response(req, 200, "OK", to_tag=generate_tag(), body=sdp.encode(),
                             content_type="application/sdp")
        host, port = self.endpoint.local
        resp.headers.set_single("Contact", f"<sip:{channel_id}@{host}:{port}>")
        return resp

    async def _on_ack(self, req: SipRequest, addr: Addr) -> None:
        session = self.sessions.get(req.call_id or "")
        if session is not None:
            session.start()

    async def _on_bye(self, req: SipRequest, addr: Addr) -> SipResponse:
        answered = self.broadcasts.on_bye(req)
        if answered is not None:
            return answered
        session = self.sessions.pop(req.call_id or "", None)
        if session is None:
            return make_response(req, 481, "Call/Transaction Does Not Exist")
        await session.stop()
        return make_response(req, 200, "OK")
