"""The SIA DC-09 transmitter: one TCP connection per receiver, ACK/NAK/DUH, supervision.

SIA carries alarms and their end only: an incident's raised step (or a `forward` that sends
it for the first time), resolved and false_alarm; webhooks and MQTT get every revision.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from typing import TYPE_CHECKING, Any

from hub import Uplink, UplinkConfig, UplinkItem, UplinkRejected, UplinkRetry
from hub.exceptions import UplinkError
from hub.uplinks.const import ACTION_FORWARD
from hub.uplinks.provider import forward_targets, forwarded_to, matches

from .config import SiaConfig
from .dc09 import (
    CANCEL_CODE,
    DEFAULT_CODES,
    FALLBACK_CODES,
    TEST_CODE,
    SiaError,
    SiaResponse,
    build_message,
    parse_response,
)

if TYPE_CHECKING:
    from hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["SiaUplink", "sia_code"]

ALARM_EVENTS = frozenset({"raised", ACTION_FORWARD})
RESTORE_EVENTS = frozenset({"resolved", "false_alarm"})
_SIA_STEPS = ALARM_EVENTS | RESTORE_EVENTS


def sia_code(config: SiaConfig, payload: dict[str, Any]) -> str | None:
    """Return the SIA event code of a message, or None when it means nothing to SIA."""
    incident = payload["incident"]
    event = payload["event"]
    alarm, restore = config.codes.get(incident["category"]) or DEFAULT_CODES.get(
        incident["category"], FALLBACK_CODES)
    if event in ALARM_EVENTS:
        return TEST_CODE if incident["test"] else alarm
    if event == "false_alarm" and not incident["test"]:
        return CANCEL_CODE
    if event in RESTORE_EVENTS and not incident["test"]:
        return restore
    return None


class SiaUplink(Uplink):
    """Sends SIA-DCS events over TCP and NULL supervision messages when idle."""

    type = "sia"
    config_model = SiaConfig
    subscribes = frozenset({"incident"})

    def __init__(self, hub: Hub, config: UplinkConfig) -> None:
        super().__init__(hub, config)
        assert isinstance(config, SiaConfig)
        self._hub = hub
        self._config = config
        self._key = config.key_bytes()
        self._lock = asyncio.Lock()
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._sequence = 0
        self._clock_offset = 0.0
        self._last_sent = 0.0
        self._supervision: asyncio.Task[None] | None = None
        self.supervision_ok: bool | None = None
        #: Where the transmitter reads the time; a test moves it to make a receiver NAK.
        self.clock = time.time

    async def start(self) -> None:
        """Start the supervision loop when an interval is set."""
        if self._config.supervision_interval > 0:
            self._supervision = self._hub.create_task(
                self._supervise(), name=f"sia supervision {self._config.name}")

    async def stop(self) -> None:
        """Stop supervision and close the connection."""
        if self._supervision is not None:
            self._supervision.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervision
        await self._close()

    def wants(self, item: UplinkItem) -> bool:
        """Take alarms and their end; a `forward` only if it is this alarm's first."""
        incident = item.incident
        if incident is None:
            return True
        step = incident.timeline[-1]
        if step.action not in _SIA_STEPS:
            return False
        if step.action == ACTION_FORWARD:  # an alarm only if it was not sent already
            if forward_targets(step) and self.name not in forward_targets(step):
                return False
            earlier = forwarded_to(incident, self.name, incident.timeline[:-1])
            return incident.is_open and not matches(self._hub, self._config, incident) \
                and not earlier
        return True

    def status(self) -> dict[str, Any]:
        """Say whether supervision answers."""
        state = {None: "running", True: "running", False: "supervision_failed"}
        return {"state": state[self.supervision_ok], "supervision_ok": self.supervision_ok,
                "receiver": f"{self._config.host}:{self._config.port}"}

    async def deliver(self, item: UplinkItem) -> str:
        """Send the event of one message; ACK is a delivery, DUH a permanent refusal."""
        code = sia_code(self._config, item.payload)
        if code is None:
            return "nothing to send over SIA"
        zone = self._zone(item.payload)
        data = f"Nri{self._config.area}/{code}{zone}"
        response = await self._exchange("SIA-DCS", data)
        return f"ACK {code}{zone} seq {response.sequence:04d}"

    async def send_null(self) -> SiaResponse:
        """Send one NULL (supervision) message and return the ACK."""
        return await self._exchange("NULL", "")

    def _zone(self, payload: dict[str, Any]) -> str:
        device = payload["incident"].get("device") or {}
        number = self._config.zones.get(device.get("entity_id") or "", 0)
        return f"{number:03d}" if number else ""

    async def _exchange(self, kind: str, data: str) -> SiaResponse:
        async with self._lock:
            self._sequence = self._sequence % 9999 + 1
            response = await self._send_once(kind, self._sequence, data)
            if response.kind == "NAK" and response.timestamp is not None:
                # The receiver refused our clock: adopt its time and send again (DC-09 5.5.2).
                self._clock_offset = response.timestamp.timestamp() - self.clock()
                _LOGGER.warning("SIA %s: receiver refused our timestamp; clock offset now "
                                "%.1f s", self._config.name, self._clock_offset)
                response = await self._send_once(kind, self._sequence, data)
        if response.kind in ("ACK", "RSP"):
            return response
        if response.kind == "DUH":
            raise UplinkRejected(f"receiver answered DUH to {data or kind}")
        raise UplinkRetry(f"receiver answered {response.kind}")

    async def _send_once(self, kind: str, sequence: int, data: str) -> SiaResponse:
        moment = dt.datetime.fromtimestamp(self.clock() + self._clock_offset, dt.UTC)
        frame = build_message(kind, sequence, self._config.account, data, moment,
                              receiver=self._config.receiver, line=self._config.line,
                              key=self._key)
        try:
            async with asyncio.timeout(self._config.timeout):
                reader, writer = await self._connect()
                writer.write(frame)
                await writer.drain()
                answer = await reader.readuntil(b"\r")
        except (OSError, TimeoutError, asyncio.IncompleteReadError,
                asyncio.LimitOverrunError) as exc:
            await self._close()
            raise UplinkRetry(f"SIA receiver {self._config.host}:{self._config.port}: "
                                f"{type(exc).__name__} {exc}".rstrip()) from None
        self._last_sent = time.monotonic()
        try:
            response = parse_response(answer, self._key)
        except SiaError as exc:
            await self._close()
            raise UplinkRetry(str(exc)) from None
        if response.kind != "NAK" and response.sequence != sequence:
            await self._close()
            raise UplinkRetry(f"answer for sequence {response.sequence}, sent {sequence}")
        return response

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._writer is None or self._writer.is_closing() or self._reader is None:
            self._reader, self._writer = await asyncio.open_connection(
                self._config.host, self._config.port)
        return self._reader, self._writer

    async def _close(self) -> None:
        writer, self._writer, self._reader = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError, TimeoutError):
                async with asyncio.timeout(2):
                    await writer.wait_closed()

    async def _supervise(self) -> None:
        interval = self._config.supervision_interval
        while True:
            idle = time.monotonic() - self._last_sent
            if idle < interval:
                await asyncio.sleep(interval - idle)
                continue
            try:
                await self.send_null()
            except UplinkError as exc:
                self._last_sent = time.monotonic()  # wait a full interval before the next try
                if self.supervision_ok is not False:
                    _LOGGER.warning("SIA %s: supervision failed: %s", self._config.name, exc)
                self.supervision_ok = False
                continue
            if self.supervision_ok is False:
                _LOGGER.info("SIA %s: supervision answers again", self._config.name)
            self.supervision_ok = True
